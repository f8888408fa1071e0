"""CLV, holdout diagnostics, historical CLV, cohorts, profitability and cross-sold vs single-category."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xsell_lab import DataValidationError
from xsell_lab.clv import (
    cross_sell_followup,
    BetaGeoModel,
    ContactCosts,
    GammaGammaModel,
    calibration_holdout_summary,
    cohort_curves,
    cumulative_repeat_purchases,
    customer_lifetime_value,
    customer_profitability,
    historical_clv,
    lifespan_estimate,
    holdout_by_frequency,
    matched_comparison,
    profit_concentration,
)
from xsell_lab.clv.cross_sell_value import FOLLOWUP_COLUMNS
from xsell_lab.clv.historical import HISTORICAL_COLUMNS
from xsell_lab.clv.profitability import PROFIT_COLUMNS
from xsell_lab.clv.value import CLV_COLUMNS
from xsell_lab.data.company import net_of_returns

from skips import import_or_skip

lifetimes = import_or_skip("lifetimes")
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value  # noqa: E402


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow_summary_data_with_monetary_value().reset_index()  # customer_id as a column, as rfm_summary gives it


@pytest.fixture(scope="module")
def company_lines(bundled_lines) -> pd.DataFrame:
    return bundled_lines


@pytest.fixture(scope="module")
def company_holdout(company_lines) -> tuple[pd.DataFrame, BetaGeoModel]:
    summary = calibration_holdout_summary(company_lines, "2024-12-31", "2025-12-31")
    return summary, BetaGeoModel().fit(summary)


def test_clv_matches_lifetimes_on_cdnow(cdnow):
    bgnbd, spend = BetaGeoModel().fit(cdnow), GammaGammaModel().fit(cdnow)
    ours = customer_lifetime_value(
        bgnbd, spend, cdnow, periods=12, period_length=4.345, discount_rate=0.01, margin_rate=1.0  # lifetimes: 4.345 weeks a month
    )
    reference_bgnbd = lifetimes.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    repeat = cdnow[cdnow["frequency"] > 0]
    reference_spend = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    theirs = reference_spend.customer_lifetime_value(
        reference_bgnbd, cdnow["frequency"], cdnow["recency"], cdnow["T"], cdnow["monetary_value"],
        time=12, freq="W", discount_rate=0.01,
    )
    np.testing.assert_allclose(ours["clv"], theirs, rtol=2e-3, atol=1e-6)


def test_clv_scales_with_margin_and_falls_with_discounting(cdnow):
    bgnbd = BetaGeoModel().fit(cdnow)
    base = customer_lifetime_value(bgnbd, 20.0, cdnow, margin_rate=0.2)
    np.testing.assert_allclose(customer_lifetime_value(bgnbd, 20.0, cdnow, margin_rate=0.4)["clv"], 2 * base["clv"])
    undiscounted = customer_lifetime_value(bgnbd, 20.0, cdnow, margin_rate=0.2, discount_rate=0.0)
    np.testing.assert_allclose(undiscounted["clv"], 20.0 * 0.2 * undiscounted["expected_purchases"])
    assert (base["clv"] < undiscounted["clv"]).all()
    with pytest.raises(ValueError, match="margin_rate has no value for 2,357 customer\\(s\\), e.g. 1\\b"):
        customer_lifetime_value(bgnbd, 20.0, cdnow, margin_rate=pd.DataFrame({"customer_id": [-1], "margin_rate": [0.3]}))


def test_clv_carries_customer_id_and_joins_margin_rates_on_it(cdnow):
    bgnbd = BetaGeoModel().fit(cdnow)
    rfm = cdnow.set_axis(cdnow.index + 100)  # any index: the result keeps it, row for row
    rates = pd.DataFrame({"customer_id": rfm["customer_id"], "margin_rate": np.where(rfm["customer_id"] % 2 == 0, 0.4, 0.2)})
    shuffled = rates.sample(frac=1.0, random_state=1)
    value = customer_lifetime_value(bgnbd, 20.0, rfm, margin_rate=shuffled)
    assert value.columns.tolist() == CLV_COLUMNS
    assert value.index.equals(rfm.index)
    assert value["customer_id"].equals(rfm["customer_id"])
    np.testing.assert_array_equal(value["margin_rate"], rates["margin_rate"])
    flat = customer_lifetime_value(bgnbd, 20.0, rfm, margin_rate=0.2)
    np.testing.assert_allclose(value["clv"], flat["clv"] * rates["margin_rate"].to_numpy() / 0.2)
    with pytest.warns(FutureWarning, match="margin_rate as a Series indexed by customer id"):
        old = customer_lifetime_value(bgnbd, 20.0, rfm, margin_rate=shuffled.set_index("customer_id")["margin_rate"])
    pd.testing.assert_frame_equal(old, value)
    with pytest.raises(DataValidationError, match=r"table 'rfm', column 'customer_id': 2,357 row\(s\) missing"):
        customer_lifetime_value(bgnbd, 20.0, rfm.drop(columns="customer_id"))


def test_holdout_by_frequency_tracks_the_bundled_company(company_holdout):
    """Planted BG/NBD: the 2025 forecast from 2023-2024 matches what customers did, frequency by frequency."""
    summary, model = company_holdout
    table = holdout_by_frequency(model, summary)
    assert table["customers"].sum() == len(summary)
    assert table["label"].iloc[-1] == "7+"
    spread = summary.groupby(summary["frequency"].clip(upper=7))["frequency_holdout"].std().to_numpy()
    customers = table["customers"].to_numpy()
    standard_error = spread / np.sqrt(customers)
    assert (np.abs(table["expected"] - table["actual"]) < 4 * standard_error).all(), table
    total_expected = (table["expected"] * customers).sum()
    total_standard_error = np.sqrt((customers * spread**2).sum())
    assert abs(total_expected - summary["frequency_holdout"].sum()) < 4 * total_standard_error


def test_cumulative_repeat_purchases_company_and_counts(company_lines, company_holdout):
    summary, model = company_holdout
    curve = cumulative_repeat_purchases(model, company_lines, "2024-12-31", "2025-12-31")
    calibration = curve[curve["period_type"] == "calibration"]
    assert calibration["actual"].iloc[-1] == summary["frequency"].sum()
    assert curve["actual"].iloc[-1] == summary["frequency"].sum() + summary["frequency_holdout"].sum()
    assert curve["expected"].is_monotonic_increasing
    assert curve["expected"].iloc[-1] == pytest.approx(curve["actual"].iloc[-1], rel=0.05)


def _tiny_sales() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4"],
            "product_id": ["p1", "p2", "p1", "p3"],
            "customer_id": ["a", "a", "b", "b"],
            "order_date": pd.to_datetime(["2023-01-10", "2024-06-10", "2023-01-20", "2023-02-05"]),
            "quantity": [1, 2, 1, 1],
            "unit_price": [100.0, 50.0, 100.0, 300.0],
            "revenue": [100.0, 100.0, 100.0, 300.0],
            "margin": [30.0, 20.0, 30.0, 90.0],
            "category": ["x", "y", "x", "z"],
            "segment": ["s1", "s1", "s2", "s2"],
        }
    )


def test_historical_clv_is_the_product_of_four_averages():
    table = historical_clv(_tiny_sales(), "2024-12-31")
    assert table.columns.tolist() == HISTORICAL_COLUMNS and len(table) == 1
    row = table.iloc[0]
    # a bought in 2024, b did not: annual churn 1/2 -> 1 / churn = 2 years, more than the 722 days of
    # history, so the lifespan the data supports is the history itself.
    history_years = 722 / 365.25
    assert row["lifespan_years"] == pytest.approx(history_years)
    assert row["average_order_value"] == 150.0
    assert row["margin_rate"] == pytest.approx(170 / 600)
    # 4 orders by 2 customers over the 722 days from the first order day to as_of
    assert row["purchases_per_year"] == pytest.approx(4 / 2 / history_years)
    assert row["historical_clv"] == pytest.approx(150.0 * 4 / 2 / history_years * 170 / 600 * history_years)
    per_customer = historical_clv(_tiny_sales(), "2024-12-31", by="customer_id", lifespan_years=3.0)
    assert per_customer.columns.tolist() == ["customer_id", *HISTORICAL_COLUMNS]
    assert per_customer["customer_id"].tolist() == ["a", "b"]
    assert (per_customer["lifespan_years"] == 3.0).all()
    assert per_customer["average_order_value"].tolist() == [100.0, 200.0]
    by_segment = historical_clv(_tiny_sales(), "2024-12-31", by="segment", lifespan_years=3.0)
    assert by_segment["segment"].tolist() == ["s1", "s2"]


def test_historical_clv_over_the_period_is_what_customers_spent_in_it():
    # a customer who started in the last week and two orders placed on one day: a rate per year since
    # each customer's own first purchase day, over purchase days, gave 2.6 purchases a year instead of
    # 2.0 and a one-year CLV of 470 against the 300 of revenue customers actually spent
    sales = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
            "customer_id": ["a", "a", "a", "b", "b", "c"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-06-01", "2024-06-01", "2024-03-01", "2024-09-01", "2024-12-25"]),
            "revenue": [100.0, 50.0, 50.0, 300.0, 300.0, 100.0],
            "margin": [100.0, 50.0, 50.0, 300.0, 300.0, 100.0],
        }
    )
    period_years = 366 / 365.25  # 2024-01-01 to 2024-12-31, inclusive
    row = historical_clv(sales, "2024-12-31", lifespan_years=period_years).iloc[0]
    assert row["average_order_value"] == pytest.approx(900 / 6)  # orders, not purchase days
    assert row["purchases_per_year"] == pytest.approx(6 / 3 / period_years)
    assert row["historical_clv"] == pytest.approx(900 / 3)
    per_customer = historical_clv(sales, "2024-12-31", by="customer_id", lifespan_years=period_years)
    assert per_customer["historical_clv"].tolist() == pytest.approx([200.0, 600.0, 100.0])


def test_historical_clv_of_orders_net_of_returns_has_the_average_order_value_of_the_kpis():
    from xsell_lab import kpis

    sales = _tiny_sales().assign(unit_price=[100.0, 50.0, 100.0, 300.0])
    returns = pd.DataFrame({"order_id": ["o2", "o4"], "product_id": ["p2", "p3"], "quantity": [1, 1]})
    kept = net_of_returns(sales, returns)
    row = historical_clv(kept, "2024-12-31", lifespan_years=1.0).iloc[0]
    assert row["average_order_value"] == pytest.approx(kpis.average_order_value(kept))
    assert row["average_order_value"] == pytest.approx((100 + 50 + 100) / 3)  # o4 came back in full: no longer an order


def test_historical_clv_measures_churn_on_two_halves_of_a_short_history():
    # 81 days: windows of 40 days; a and b bought in the first (Jan 10-Feb 19), nobody in the last: churn 1,
    # 1 / churn = 1 year, capped at the 81 days of history
    assert historical_clv(_tiny_sales(), "2023-03-31").loc[0, "lifespan_years"] == pytest.approx(81 / 365.25)
    with pytest.raises(ValueError, match="Set the lifespan_years parameter"):
        historical_clv(_tiny_sales(), "2023-02-28")


def test_lifespan_estimate_caps_the_lifespan_at_the_history_it_was_measured_on():
    # 356 days of history in which 9 of the 10 customers of the first half came back in the second: a churn
    # of 19% a year, 1 / churn = 5.3 years, far beyond the data; the supported lifespan is the history
    first_half = pd.to_datetime("2023-02-10") + pd.to_timedelta(range(10), unit="D")
    second_half = pd.to_datetime("2023-09-01") + pd.to_timedelta(range(9), unit="D")
    sales = pd.DataFrame({
        "order_id": [f"o{i}" for i in range(19)],
        "customer_id": [f"c{i}" for i in range(10)] + [f"c{i}" for i in range(9)],
        "order_date": list(first_half) + list(second_half),
        "revenue": 10.0,
        "margin": 3.0,
    })  # fmt: skip
    estimate = lifespan_estimate(sales, "2024-01-31").iloc[0]
    assert (estimate["customers_before"], estimate["customers_stayed"]) == (10, 9)
    assert estimate["lifespan_years"] == pytest.approx(1 / estimate["annual_churn"]) and estimate["lifespan_years"] > 5
    assert estimate["history_years"] == pytest.approx(356 / 365.25)
    assert estimate["supported_lifespan_years"] == pytest.approx(estimate["history_years"])
    assert historical_clv(sales, "2024-01-31").loc[0, "lifespan_years"] == pytest.approx(356 / 365.25)


def test_lifespan_estimate_keeps_a_lifespan_within_the_history():
    # a and b bought in the year before the last, only a in the last: churn 1/2, 2 years, within 5 years of history
    dates = pd.to_datetime(["2023-03-01", "2024-06-10", "2020-01-20", "2023-02-05"])
    estimate = lifespan_estimate(_tiny_sales().assign(order_date=dates), "2024-12-31").iloc[0]
    assert estimate["supported_lifespan_years"] == estimate["lifespan_years"] == 2.0


def test_cohort_curves_count_active_customers_and_revenue():
    curves = cohort_curves(_tiny_sales(), "2024-06-30")
    january = curves[curves["cohort"] == pd.Timestamp("2023-01-01")].set_index("age")
    assert january.loc[0, "cohort_size"] == 2
    assert january.loc[0, "retention"] == 1.0
    assert january.loc[1, "active_customers"] == 1  # b in February 2023
    assert january.loc[1, "revenue_per_customer"] == 150.0
    assert january.loc[2, "active_customers"] == 0  # silent months are rows with 0
    assert january.index.max() == 17  # June 2024 is complete: the end day is inclusive
    assert cohort_curves(_tiny_sales(), "2024-06-29")["age"].max() == 16


def test_cohort_retention_on_the_company_falls_with_age(company_lines):
    curves = cohort_curves(company_lines, "2025-12-31", period="Q")
    mean_by_age = curves.groupby("age")["retention"].mean()
    assert mean_by_age.iloc[0] == 1.0
    assert mean_by_age.iloc[1] > mean_by_age.iloc[4] > mean_by_age.iloc[8]


def test_profitability_subtracts_returns_and_contacts():
    sales = _tiny_sales()
    returns = pd.DataFrame({"order_id": ["o2"], "product_id": ["p2"], "quantity": [1]})
    events = pd.DataFrame({"customer_id": ["a", "a", "b"], "event_type": ["support", "awareness", "support"]})
    offers = pd.DataFrame({"customer_id": ["b", "b"]})
    costs = ContactCosts(marketing_contact=2.0, service_contact=10.0, return_handling=5.0)
    table = customer_profitability(sales, marketing_events=events, offers=offers, returns=returns, costs=costs)
    assert table.columns.tolist() == PROFIT_COLUMNS
    assert table.index.equals(pd.RangeIndex(2))
    a, b = table.set_index("customer_id").loc["a"], table.set_index("customer_id").loc["b"]
    assert a["returned_margin"] == 10.0 and a["returns"] == 1
    assert a["profit"] == 50.0 - 10.0 - (5.0 + 2.0 + 10.0)
    assert b["profit"] == 120.0 - (2 * 2.0 + 10.0)
    assert table["customer_id"].tolist() == ["b", "a"]


def test_profit_concentration_shares():
    profit = pd.Series(np.r_[np.full(10, 100.0), np.full(90, 1.0), np.full(0, 0.0)])
    table = profit_concentration(profit)
    assert table.loc[0, "share_of_profit"] == pytest.approx(1000 / 1090)
    assert table["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert table["customers"].sum() == 100


def test_profit_concentration_on_company_is_a_minority_of_customers(bundled_company, company_lines):
    profit = customer_profitability(
        company_lines, marketing_events=bundled_company.marketing_events,
        offers=bundled_company.offers, returns=bundled_company.returns,
    )["profit"]
    top = profit_concentration(profit).loc[0, "share_of_profit"]
    assert top == pytest.approx(profit.nlargest(int(np.ceil(len(profit) / 10))).sum() / profit.sum(), rel=1e-9)
    assert 0.2 < top < 0.8


@pytest.mark.parametrize("effect", [0.0, 5.0])
def test_matched_comparison_removes_planted_selection_bias(effect):
    rng = np.random.default_rng(7)
    n = 40_000
    heavy = rng.gamma(2.0, 1.0, n)  # early buying intensity drives both treatment and outcome
    segment = rng.choice(["consumer", "business"], n)
    treated = rng.random(n) < 1 / (1 + np.exp(-(heavy - 2)))
    outcome = 10 * heavy + 3 * (segment == "business") + effect * treated + rng.normal(0, 1, n)
    customers = pd.DataFrame({"heavy": heavy, "segment": segment, "cross_sold": treated, "value": outcome})
    table = matched_comparison(
        customers, treatment="cross_sold", outcome="value", match_on=["heavy", "segment"], bins=20
    ).set_index("comparison")
    assert table.loc["naive", "difference"] > effect + 5
    assert table.loc["matched", "difference"] == pytest.approx(effect, abs=1.0)


def test_matched_comparison_needs_both_groups():
    customers = pd.DataFrame({"t": [True, True], "y": [1.0, 2.0], "x": [1, 2]})
    with pytest.raises(ValueError, match="both treated and control"):
        matched_comparison(customers, treatment="t", outcome="y", match_on=["x"])


def test_cross_sell_followup_by_hand():
    """Two customers: a cross-buyer in the early window and a single-category one; one is too recent."""
    day = pd.Timestamp
    lines = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b", "c"],
            "order_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
            "order_date": [day("2024-01-01"), day("2024-02-01"), day("2024-09-01"), day("2024-01-10"), day("2024-08-01"),
                           day("2024-05-01")],
            "category": ["laptop", "laptop_case", "ink", "phone", "phone", "laptop"],
            "revenue": [900.0, 30.0, 40.0, 700.0, 700.0, 900.0],
            "margin": [90.0, 15.0, 25.0, 70.0, 70.0, 90.0],
        }
    )
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": ["consumer", "student", "consumer"]})
    followed = cross_sell_followup(lines, customers, "2024-06-30", window_days=90)
    # c's first purchase (May) leaves no full 90-day window before the end of June: left out
    assert followed.columns.tolist() == FOLLOWUP_COLUMNS
    assert followed["customer_id"].tolist() == ["a", "b"]
    assert followed["cross_sold"].tolist() == [True, False]
    assert followed["early_spend"].tolist() == [930.0, 700.0]
    assert followed["outcome_margin"].tolist() == [25.0, 70.0]  # orders after 2024-06-30 only
    assert followed["cohort"].tolist() == ["2024Q1", "2024Q1"]
    assert followed["segment"].tolist() == ["consumer", "student"]


def test_notebooks_07_and_10_compare_cross_sold_customers_with_one_minimum():
    """Both notebooks refuse the cross-sold comparison below :data:`MIN_GROUP_CUSTOMERS` customers a group:
    07 once compared 605 cross-sold customers with 18 others that 10 refused to show."""
    import json
    import re
    from pathlib import Path

    from xsell_lab.clv import MIN_GROUP_CUSTOMERS

    assert MIN_GROUP_CUSTOMERS == 30
    folder = Path(__file__).resolve().parents[1] / "notebooks"
    for name in ["07-customer-lifetime-value.ipynb", "10-executive-report.ipynb"]:
        cells = json.loads((folder / name).read_text(encoding="utf-8"))["cells"]
        comparison = next("".join(cell["source"]) for cell in cells if "clv.cross_sell_followup(" in "".join(cell["source"]))
        assert "clv.MIN_GROUP_CUSTOMERS" in comparison, f"{name} does not use clv.MIN_GROUP_CUSTOMERS"
        assert not re.search(r">= ?\d+\b", comparison), f"{name} compares groups with a literal"
