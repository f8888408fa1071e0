"""Tests of xsell_lab.experiments.profit: the planted margins of the bundled offer tests, an independent
recount (pandas per-customer margins, scipy's Welch test, a bootstrap within arms), hand-made campaigns
whose verdict is known, and the discount read from the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import xsell_lab
from xsell_lab import experiments as ex
from xsell_lab.data import schema as s

from planted_offers import planted_rates

FAMILY_ERROR = 0.001


def _campaign(price: float, cost: float, arms: dict[str, tuple[int, int]], paid: float | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A one-experiment offers table ``arms = {variant: (customers, buyers)}`` and its one product."""
    frames = []
    for arm, (customers, buyers) in arms.items():
        accepted = np.arange(customers) < buyers
        frames.append(pd.DataFrame({
            s.EXPERIMENT_ID: "T", s.VARIANT: arm, s.CUSTOMER_ID: [f"{arm}{i}" for i in range(customers)],
            s.PRODUCT_ID: "P", s.ACCEPTED: accepted,
            s.REVENUE: np.where(accepted, price if paid is None or arm == "control" else paid, 0.0),
        }))
    products = pd.DataFrame({s.PRODUCT_ID: ["P"], s.CATEGORY: ["c"], s.PRICE: [price], s.UNIT_COST: [cost]})
    return pd.concat(frames, ignore_index=True), products


def test_a_campaign_that_sells_more_and_earns_less_is_called_so():
    # price 100, cost 90: 10 of margin per sale. The offer lifts buyers from 10% to 30% (+20 of revenue per
    # customer) but costs 5 per contact: margin per customer 0.3 x 10 - 5 = -2 against 0.1 x 10 = 1, i.e. -3.
    offers, products = _campaign(100.0, 90.0, {"control": (1000, 100), "offer": (1000, 300)})
    row = ex.campaign_profit(offers, products, contact_cost=5.0).iloc[0]
    assert row["revenue_difference"] == pytest.approx(20.0)
    assert row["estimate"] == pytest.approx(-3.0)
    assert row["incremental_margin"] == pytest.approx(-3000.0)
    assert row["verdict"] == "raises revenue, loses margin"
    assert row["break_even_contact_cost"] == pytest.approx(2.0)  # 0.3 x 10 - 2 = 0.1 x 10
    # without the contact cost the same campaign pays: +2 per customer
    free = ex.campaign_profit(offers, products).iloc[0]
    assert free["estimate"] == pytest.approx(2.0) and free["verdict"] == "raises revenue and margin"
    # break-even discount: 0.3 x 100 x d = 2 at d = 1/15, where the estimate is 0
    assert free["break_even_discount"] == pytest.approx(1 / 15)
    at_break_even = ex.campaign_profit(offers, products, discount=1 / 15).iloc[0]
    assert at_break_even["estimate"] == pytest.approx(0.0, abs=1e-12)


def test_the_discount_is_read_from_the_data_and_said():
    offers, products = _campaign(100.0, 60.0, {"control": (500, 50), "offer": (500, 150)}, paid=80.0)
    found = ex.observed_discounts(offers, products)
    assert found["discount"].tolist() == pytest.approx([0.2]) and found["accepted"].tolist() == [150]
    assert "20%" in ex.discount_statement(offers, products)
    row = ex.campaign_profit(offers, products).iloc[0]
    # margin per customer: 0.3 x (80 - 60) = 6 against 0.1 x (100 - 60) = 4
    assert row["estimate"] == pytest.approx(2.0)
    # a stated discount replaces the recorded price of the offer arm only
    assert ex.campaign_profit(offers, products, discount=0.5).iloc[0]["estimate"] == pytest.approx(0.3 * -10 - 4.0)
    listed, _ = _campaign(100.0, 60.0, {"control": (500, 50), "offer": (500, 150)})
    assert "no discount can be read" in ex.discount_statement(listed, products)
    assert "25%" in ex.discount_statement(listed, products, 0.25)


def test_returns_take_back_price_and_margin():
    offers, products = _campaign(100.0, 60.0, {"control": (400, 40), "offer": (400, 120)})
    lines = pd.DataFrame({s.ORDER_ID: [f"o{i}" for i in range(10)], s.PRODUCT_ID: "P", s.QUANTITY: 2, s.CATEGORY: "c"})
    returns = pd.DataFrame({s.ORDER_ID: ["o0", "o1", "o2"], s.PRODUCT_ID: "P", s.QUANTITY: [1, 1, 5]})
    rates = ex.return_rates(lines, returns).set_index(s.PRODUCT_ID)
    assert rates.loc["P", "units_returned"] == 4  # o2 returns at most the 2 units it sold
    assert rates.loc["P", "return_rate"] == pytest.approx(0.2)
    row = ex.campaign_profit(offers, products, lines, returns).iloc[0]
    assert row["revenue_difference"] == pytest.approx(0.2 * 100 * 0.8)
    assert row["estimate"] == pytest.approx(0.2 * 40 * 0.8)


def test_return_rates_agree_with_kept_lines(bundled_company, bundled_lines):
    """Units returned per product = units sold - units kept (xsell_lab.kept_lines, the data layer's own netting)."""
    rates = ex.return_rates(bundled_lines, bundled_company.returns).set_index(s.PRODUCT_ID)
    kept = xsell_lab.kept_lines(bundled_company).groupby(s.PRODUCT_ID)[s.QUANTITY].sum()
    sold = bundled_lines.groupby(s.PRODUCT_ID)[s.QUANTITY].sum()
    recount = (sold - kept.reindex(sold.index, fill_value=0)).astype(int)
    assert (rates["units_returned"] == recount.reindex(rates.index)).all()
    assert rates["units_returned"].sum() > 0


def _recount(offers: pd.DataFrame, products: pd.DataFrame, rates: pd.Series, experiment: str, arm: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer margin of one arm and its control, written out with pandas (no discount, no contact cost)."""
    rows = offers[(offers[s.EXPERIMENT_ID] == experiment) & offers[s.VARIANT].isin([arm, "control"])]
    product = products.set_index(s.PRODUCT_ID).loc[rows[s.PRODUCT_ID].iloc[0]]
    kept = 1 - rates.get(rows[s.PRODUCT_ID].iloc[0], rates.get(product[s.CATEGORY], 0.0))
    margin = rows[s.ACCEPTED].astype(float) * (rows[s.REVENUE] - product[s.UNIT_COST]) * kept
    return margin[rows[s.VARIANT] == arm].to_numpy(), margin[rows[s.VARIANT] == "control"].to_numpy()


def test_bundled_tests_agree_with_scipy_welch_and_a_bootstrap_within_arms(bundled_company, bundled_lines):
    offers, products = bundled_company.offers, bundled_company.products
    table = ex.campaign_profit(offers, products, bundled_lines, bundled_company.returns)
    assert len(table) == 5
    rates = pd.concat([ex.return_rates(bundled_lines, bundled_company.returns, level=level).set_index(s.item_column(level))["return_rate"]
                       for level in ("product", "category")])
    rng = np.random.default_rng(7)
    for row in table.itertuples():
        treated, control = _recount(offers, products, rates, row.experiment_id, row.variant)
        assert row.estimate == pytest.approx(treated.mean() - control.mean())
        assert row.p_value == pytest.approx(stats.ttest_ind(treated, control, equal_var=False).pvalue)
        boot = [rng.choice(treated, treated.size).mean() - rng.choice(control, control.size).mean() for _ in range(2000)]
        low, high = np.percentile(boot, [2.5, 97.5])
        width = row.ci_high - row.ci_low
        assert abs(low - row.ci_low) < 0.1 * width and abs(high - row.ci_high) < 0.1 * width


def test_planted_margins_inside_intervals(bundled_company, bundled_lines, ground_truth):
    """The planted margin per customer offered, (planted uplift) x (price - unit cost) x (1 - planted return rate),
    lies in each arm's simultaneous interval. The planted rate of the offered product's category stands for the
    measured one, except where (as for the bundle) nothing of the category was ever sold and the method counts
    no return; the measured rate is within sampling error of the planted one."""
    offers, products = bundled_company.offers, bundled_company.products
    table = ex.campaign_profit(offers, products, bundled_lines, bundled_company.returns, confidence=1 - FAMILY_ERROR / 5)
    planted_returns = ground_truth["returns"]["return_rate_by_category"]
    segments = offers.merge(bundled_company.customers[[s.CUSTOMER_ID, s.SEGMENT]], on=s.CUSTOMER_ID)
    catalogue = products.set_index(s.PRODUCT_ID)
    campaign = ground_truth["uplift_campaign"]
    for row in table.itertuples():
        rows = segments[segments[s.EXPERIMENT_ID] == row.experiment_id]
        product = catalogue.loc[row.product_id]
        discount = campaign["discount"] if row.experiment_id == campaign["experiment_id"] else 0.0
        kept = 1 - (planted_returns[product[s.CATEGORY]] if np.isfinite(row.return_rate) else 0.0)
        with_offer = planted_rates(ground_truth, row.experiment_id, row.variant, rows) * (product[s.PRICE] * (1 - discount) - product[s.UNIT_COST])
        without = planted_rates(ground_truth, row.experiment_id, "control", rows) * (product[s.PRICE] - product[s.UNIT_COST])
        planted = (with_offer - without).mean() * kept
        assert row.ci_low <= planted <= row.ci_high, f"{row.experiment_id}/{row.variant}: planted {planted:.2f}"
        assert not np.isfinite(row.return_rate) or row.return_rate == pytest.approx(planted_returns[product[s.CATEGORY]], abs=0.02)
    assert table.set_index(s.PRODUCT_ID)["return_rate"].isna().tolist() == [product not in set(bundled_lines[s.PRODUCT_ID])
                                                                             for product in table[s.PRODUCT_ID]]
    # every planted uplift of the three experiments is positive, on margins of half the price and more: at 95% each arm shows it
    plain = ex.campaign_profit(offers, products, bundled_lines, bundled_company.returns).set_index(s.EXPERIMENT_ID)
    assert (plain.loc[list(ground_truth["experiments"]), "verdict"] == "raises revenue and margin").all()


def test_bad_parameters_are_refused(bundled_company):
    with pytest.raises(ValueError, match="contact_cost"):
        ex.campaign_profit(bundled_company.offers, bundled_company.products, contact_cost=-1)
    with pytest.raises(ValueError, match="discount"):
        ex.campaign_profit(bundled_company.offers, bundled_company.products, discount=1.5)
