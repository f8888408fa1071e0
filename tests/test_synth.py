"""The synthetic company: reproducible, valid, and its planted truth is recoverable.

Every recovery test uses an estimator written here (conditional frequencies,
OLS from statsmodels, ``lifetimes.BetaGeoFitter``), never package code under
test. Tolerances are sampling-based: a proportion must lie within its
99.9 % Wilson interval, a regression coefficient within a fixed band that is
several standard errors wide, a maximum-likelihood estimate within about
3.5 standard errors from the fitter's own Hessian.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.proportion import proportion_confint

from xsell_lab import Company, synth
from xsell_lab.data import schema as s
from xsell_lab.data.io import load_company
from xsell_lab.data.validation import check_foreign_keys
from xsell_lab.synth import (
    generate_company,
    main,
    simulate_repeat_purchases,
    write_ground_truth,
)

#: Wilson interval level for every proportion check (about 3.3 sigma).
ALPHA = 0.001


def _in_wilson(successes: int, trials: int, truth: float) -> bool:
    low, high = proportion_confint(successes, trials, alpha=ALPHA, method="wilson")
    return low <= truth <= high


@pytest.fixture(scope="module")
def regenerated(ground_truth):
    """The company regenerated from the committed seed and size (the one default-size run)."""
    meta = ground_truth["meta"]
    return generate_company(meta["seed"], meta["n_customers"], meta["start"], meta["end"])


@pytest.fixture(scope="module")
def baskets(bundled_company) -> pd.DataFrame:
    """One row per order with the set of categories in it, the customer and their segment."""
    company = bundled_company
    lines = company.order_lines.merge(company.products[[s.PRODUCT_ID, s.CATEGORY]], on=s.PRODUCT_ID)
    categories = lines.groupby(s.ORDER_ID)[s.CATEGORY].agg(frozenset).rename("categories")
    orders = company.orders.merge(categories, left_on=s.ORDER_ID, right_index=True)
    orders = orders.merge(company.customers[[s.CUSTOMER_ID, s.SEGMENT]], on=s.CUSTOMER_ID)
    return orders.sort_values([s.CUSTOMER_ID, s.ORDER_DATE, s.ORDER_ID]).reset_index(drop=True)


# --- reproducibility ------------------------------------------------------


def test_regeneration_matches_the_committed_tables(regenerated, bundled_company):
    company, _ = regenerated
    assert set(company.tables()) == set(bundled_company.tables()) == set(s.TABLES)
    for name, frame in company.tables().items():
        pd.testing.assert_frame_equal(frame, bundled_company.tables()[name], obj=name)


def test_regeneration_matches_the_committed_ground_truth(regenerated, repo_root, tmp_path):
    _, truth = regenerated
    written = write_ground_truth(truth, tmp_path / "ground_truth.json")
    assert written.read_bytes() == (repo_root / "data" / "ground_truth.json").read_bytes()


def test_same_seed_gives_identical_data_and_other_seeds_differ():
    first, truth_a = generate_company(seed=7, n_customers=300)
    again, truth_b = generate_company(seed=7, n_customers=300)
    other, _ = generate_company(seed=8, n_customers=300)
    for name, frame in first.tables().items():
        pd.testing.assert_frame_equal(frame, again.tables()[name], obj=name)
    assert truth_a == truth_b
    assert not first.orders.equals(other.orders)
    assert not first.customers.equals(other.customers)


def test_command_line_writes_every_table_and_the_truth(tmp_path, capsys):
    main(["--out", str(tmp_path), "--seed", "3", "--n-customers", "300"])
    printed = capsys.readouterr().out
    company = load_company(tmp_path)
    truth = json.loads((tmp_path / "ground_truth.json").read_text(encoding="utf-8"))
    assert set(company.tables()) == set(s.TABLES)
    assert truth["meta"]["seed"] == 3 and truth["meta"]["n_customers"] == 300
    assert "ground_truth.json" in printed and "orders.parquet" in printed
    assert not list(tmp_path.glob("*.tmp"))


def test_python_m_xsell_lab_synth_is_the_command_line(tmp_path):
    """The invocation of ``make data`` (a small company here)."""
    run = subprocess.run(
        [sys.executable, "-m", "xsell_lab.synth", "--out", str(tmp_path), "--seed", "3", "--n-customers", "300"],
        capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "ground_truth.json" in run.stdout
    assert json.loads((tmp_path / "ground_truth.json").read_text(encoding="utf-8"))["meta"]["n_customers"] == 300


def test_bad_arguments_are_refused_with_the_value():
    with pytest.raises(ValueError, match=r"n_customers must be >= 200.*Got 10\."):
        generate_company(n_customers=10)
    with pytest.raises(ValueError, match="alpha must be > 0. Got -1"):
        simulate_repeat_purchases(10, 1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0, T=10.0, seed=0)


# --- validity -------------------------------------------------------------


def test_company_is_valid_and_references_hold(bundled_company):
    company = bundled_company
    rebuilt = Company.from_tables(company.tables())
    assert len(rebuilt.cleaning_log) == 0, "the generator must not produce rows that validation repairs"
    check_foreign_keys(company.tables())
    assert 35 <= len(company.products) <= 45


def test_dates_respect_the_customer_journey(bundled_company, ground_truth):
    company = bundled_company
    start, end = pd.Timestamp(ground_truth["meta"]["start"]), pd.Timestamp(ground_truth["meta"]["end"])
    events = company.marketing_events
    awareness = events.loc[events[s.EVENT_TYPE] == "awareness"].set_index(s.CUSTOMER_ID)[s.EVENT_DATE]
    assert awareness.index.is_unique and len(awareness) == len(company.customers)
    first_event = events.groupby(s.CUSTOMER_ID)[s.EVENT_DATE].min()
    assert (first_event == awareness.reindex(first_event.index)).all(), "awareness is every customer's first event"
    first_order = company.orders.groupby(s.CUSTOMER_ID)[s.ORDER_DATE].min()
    assert (first_order >= awareness.reindex(first_order.index)).all()
    signup = company.customers.set_index(s.CUSTOMER_ID)[s.SIGNUP_DATE]
    assert (signup == awareness.reindex(signup.index)).all()
    for frame, column in [(company.orders, s.ORDER_DATE), (events, s.EVENT_DATE), (company.returns, s.RETURN_DATE),
                          (company.surveys, s.SURVEY_DATE), (company.offers, s.OFFER_DATE)]:
        assert frame[column].between(start, end).all(), column
    returned = company.returns.merge(company.orders, on=s.ORDER_ID).merge(
        company.order_lines, on=[s.ORDER_ID, s.PRODUCT_ID], suffixes=("", "_bought")
    )
    assert len(returned) == len(company.returns), "every return matches a bought line"
    assert (returned[s.RETURN_DATE] > returned[s.ORDER_DATE]).all()
    assert (returned[s.QUANTITY] <= returned[f"{s.QUANTITY}_bought"]).all()
    surveyed = company.surveys.merge(first_order.rename("first_order"), left_on=s.CUSTOMER_ID, right_index=True)
    assert len(surveyed) == len(company.surveys) and (surveyed[s.SURVEY_DATE] >= surveyed["first_order"]).all()


def test_offers_reach_consenting_customers_only(bundled_company, ground_truth):
    offers = bundled_company.offers.merge(bundled_company.customers, on=s.CUSTOMER_ID)
    assert offers[s.MARKETING_CONSENT].all()
    control = offers[s.VARIANT] == "control"
    assert (offers.loc[control, s.CHANNEL] == "none").all()
    assert (offers.loc[~control, s.CHANNEL] != "none").all()
    assert not offers.duplicated([s.EXPERIMENT_ID, s.CUSTOMER_ID]).any()
    price = bundled_company.products.set_index(s.PRODUCT_ID)[s.PRICE]
    campaign = ground_truth["uplift_campaign"]
    discounted = (offers[s.EXPERIMENT_ID] == campaign["experiment_id"]) & ~control
    paid = offers[s.PRODUCT_ID].map(price) * np.where(discounted, 1 - campaign["discount"], 1.0)
    expected_revenue = np.where(offers[s.ACCEPTED], paid.round(2), 0.0)
    np.testing.assert_allclose(offers[s.REVENUE], expected_revenue)


def test_catalogue_margins_follow_retail_practice(bundled_company):
    products = bundled_company.products
    margin = 1 - products[s.UNIT_COST] / products[s.PRICE]
    by_category = margin.groupby(products[s.CATEGORY]).mean()
    assert by_category["laptop"] == pytest.approx(0.15, abs=0.03)
    for accessory in ["laptop_case", "mouse", "phone_case", "earbuds", "charger"]:
        assert 0.5 <= round(by_category[accessory], 6) <= 0.6, accessory
    assert by_category["warranty"] == pytest.approx(0.8, abs=0.03)
    assert by_category["subscription"] == pytest.approx(0.8, abs=0.03)
    assert set(products.loc[products[s.CATEGORY] == "subscription", s.TIER]) == {"basic", "premium"}
    assert set(products.loc[products[s.CATEGORY] == "laptop", s.TIER]) == {"basic", "standard", "premium"}


def test_customer_attributes_match_planted_mixes(bundled_company, ground_truth):
    customers = bundled_company.customers
    n = len(customers)
    truth = ground_truth["customers"]
    assert _in_wilson(int(customers[s.MARKETING_CONSENT].sum()), n, truth["marketing_consent_rate"])
    for segment, share in truth["segment_mix"].items():
        assert _in_wilson(int((customers[s.SEGMENT] == segment).sum()), n, share), segment
    for region, share in truth["region_mix"].items():
        assert _in_wilson(int((customers[s.REGION] == region).sum()), n, share), region
    orders = bundled_company.orders.merge(customers, on=s.CUSTOMER_ID)
    mix = truth["preferred_channel_mix_by_segment"]
    stick = truth["p_order_in_preferred_channel"]
    expected = [stick + (1 - stick) * mix[seg][pref] for seg, pref in zip(orders[s.SEGMENT], orders[s.PREFERRED_CHANNEL])]
    observed = (orders[s.CHANNEL] == orders[s.PREFERRED_CHANNEL]).to_numpy()
    assert abs(observed.mean() - np.mean(expected)) < 4 * np.sqrt(np.mean(expected) * (1 - np.mean(expected)) / len(orders))


# --- funnel and lifecycle -------------------------------------------------


def test_funnel_rates_and_lags_are_recovered(bundled_company, ground_truth):
    truth = ground_truth["funnel"]
    events = bundled_company.marketing_events
    n = len(bundled_company.customers)
    consideration = events.loc[events[s.EVENT_TYPE] == "consideration"].set_index(s.CUSTOMER_ID)[s.EVENT_DATE]
    awareness = events.loc[events[s.EVENT_TYPE] == "awareness"].set_index(s.CUSTOMER_ID)[s.EVENT_DATE]
    buyers = bundled_company.orders.groupby(s.CUSTOMER_ID)[s.ORDER_DATE].min()
    assert buyers.index.isin(consideration.index).all(), "every buyer considered first"
    assert _in_wilson(len(consideration), n, truth["p_consideration_given_awareness"])
    assert _in_wilson(len(buyers), len(consideration), truth["p_purchase_given_consideration"])
    planted_buy_rate = truth["p_consideration_given_awareness"] * truth["p_purchase_given_consideration"]
    assert _in_wilson(len(buyers), n, planted_buy_rate), "share of leads who ever buy"
    for lag, mean in [
        ((consideration - awareness.reindex(consideration.index)).dt.days, truth["mean_lag_awareness_to_consideration_days"]),
        ((buyers - consideration.reindex(buyers.index)).dt.days, truth["mean_lag_consideration_to_purchase_days"]),
    ]:
        assert abs(lag.mean() - mean) < 4 * lag.std() / np.sqrt(len(lag)) + 0.05


def test_referrals_follow_loyalty_and_promoter_status(bundled_company, ground_truth):
    truth = ground_truth["lifecycle"]
    events = bundled_company.marketing_events
    referrers = set(events.loc[events[s.EVENT_TYPE] == "referral", s.CUSTOMER_ID])
    n_orders = bundled_company.orders.groupby(s.CUSTOMER_ID).size()
    score = bundled_company.surveys.set_index(s.CUSTOMER_ID)[s.NPS_SCORE]
    assert score.index.is_unique
    loyal = n_orders.index[n_orders >= truth["loyalty_min_orders"]]
    surveyed_loyal = score.reindex(loyal).dropna()
    promoters = surveyed_loyal.index[surveyed_loyal >= truth["promoter_min_nps"]]
    others = surveyed_loyal.index[surveyed_loyal < truth["promoter_min_nps"]]
    nonloyal = n_orders.index[n_orders < truth["loyalty_min_orders"]]
    for group, p in [(promoters, truth["p_referral_loyal_promoter"]), (others, truth["p_referral_loyal_other"]),
                     (nonloyal, truth["p_referral_nonloyal_buyer"])]:
        assert _in_wilson(sum(c in referrers for c in group), len(group), p)
    assert referrers <= set(n_orders.index), "only buyers refer"


def test_surveys_and_support_follow_their_planted_rates(bundled_company, ground_truth):
    company = bundled_company
    sales = company.order_lines.merge(company.orders, on=s.ORDER_ID).merge(company.products, on=s.PRODUCT_ID)
    buyers = sales[s.CUSTOMER_ID].unique()
    assert _in_wilson(company.surveys[s.CUSTOMER_ID].nunique(), len(buyers), ground_truth["surveys"]["response_rate_among_buyers"])
    protected = set(sales.loc[sales[s.CATEGORY].isin(["warranty", "subscription"]), s.CUSTOMER_ID])
    answers = company.surveys.assign(protected=company.surveys[s.CUSTOMER_ID].isin(protected))
    for status, group in answers.groupby("protected"):
        planted = ground_truth["surveys"]["nps"]["protected" if status else "unprotected"]
        scores = group[s.NPS_SCORE]
        assert abs(scores.mean() - planted["expected_mean_score"]) < 4 * scores.std() / np.sqrt(len(scores))
        assert _in_wilson(int((scores >= 9).sum()), len(scores), planted["expected_promoter_share"])
    rates = ground_truth["support"]
    per_buyer = sales.assign(
        premium=(sales[s.TIER] == "premium").fillna(False), protection=sales[s.CATEGORY].isin(["warranty", "subscription"])
    ).groupby(s.CUSTOMER_ID)[["premium", "protection"]].sum()
    expected = (rates["mean_contacts_base"] + rates["mean_contacts_per_premium_line"] * per_buyer["premium"]
                + rates["mean_contacts_per_protection_line"] * per_buyer["protection"]).sum()
    observed = (company.marketing_events[s.EVENT_TYPE] == "support").sum()
    assert abs(observed - expected) < 4 * np.sqrt(expected), "Poisson total within 4 sigma"


# --- baskets and next purchase --------------------------------------------


def test_attach_probabilities_are_recovered_from_baskets(baskets, ground_truth):
    truth = ground_truth["baskets"]["expected_conditional_frequency"]
    assert truth["laptop"]["laptop_case"] == pytest.approx(0.25), "the literature's example: a quarter of laptop baskets hold a case"
    assert truth["printer"]["ink"] == pytest.approx(0.45)
    for anchor, targets in truth.items():
        with_anchor = baskets.loc[baskets["categories"].map(lambda cats: anchor in cats), "categories"]
        assert len(with_anchor) > 300, anchor
        for category, p in targets.items():
            hits = int(with_anchor.map(lambda cats: category in cats).sum())
            assert _in_wilson(hits, len(with_anchor), p), (anchor, category, hits / len(with_anchor), p)


def test_lift_of_strong_complements_matches_expectation(baskets, ground_truth):
    lifts = ground_truth["baskets"]["expected_lift"]
    for anchor, category in [("laptop", "laptop_case"), ("printer", "ink"), ("smartphone", "phone_case"),
                             ("smartphone", "screen_protector"), ("tablet", "tablet_case")]:
        has_a = baskets["categories"].map(lambda cats: anchor in cats)
        has_b = baskets["categories"].map(lambda cats: category in cats)
        observed = (has_a & has_b).mean() / (has_a.mean() * has_b.mean())
        assert observed == pytest.approx(lifts[anchor][category], rel=0.12), (anchor, category)
        assert lifts[anchor][category] > 1.5


def test_next_purchase_probabilities_are_recovered(baskets, ground_truth):
    following = baskets.groupby(s.CUSTOMER_ID)["categories"].shift(-1)
    pairs = baskets.assign(next_categories=following).dropna(subset=["next_categories"])
    for trigger, rule in ground_truth["next_purchase"].items():
        if trigger == "definition":
            continue
        after = pairs.loc[pairs["categories"].map(lambda cats, t=trigger: t in cats)]
        hits = int(after["next_categories"].map(lambda cats, c=rule["next_category"]: c in cats).sum())
        expected = after[s.SEGMENT].map(rule["expected_next_order_contains_by_segment"]).mean()
        assert _in_wilson(hits, len(after), expected), (trigger, hits / len(after), expected)
        baseline = after[s.SEGMENT].map(rule["baseline_probability_by_segment"]).mean()
        assert hits / len(after) > baseline + 0.5 * rule["probability"]


# --- repeat purchases -----------------------------------------------------


def _fit_bgnbd(frequency, recency, T):
    from lifetimes import BetaGeoFitter

    fitter = BetaGeoFitter(penalizer_coef=0.0).fit(frequency, recency, T)
    return fitter.summary


def _assert_within_se(summary: pd.DataFrame, truth: dict, n_se: float) -> None:
    for name in ["r", "alpha", "a", "b"]:
        coef, se = summary.loc[name, "coef"], summary.loc[name, "se(coef)"]
        assert abs(coef - truth[name]) < n_se * se, (name, coef, se, truth[name])


def test_simulator_recovers_bgnbd_parameters_with_lifetimes():
    truth = {"r": 0.8, "alpha": 6.0, "a": 1.2, "b": 3.5}
    tx = simulate_repeat_purchases(20_000, **truth, p=6.0, q=4.0, gamma=150.0, T=80.0, seed=11)
    per_customer = tx.groupby("customer_id")["t"]
    summary = _fit_bgnbd(per_customer.size() - 1, per_customer.max(), np.full(20_000, 80.0))
    # 3.5 standard errors (lifetimes' Hessian) per parameter: a family-wise false alarm below 0.2 %.
    _assert_within_se(summary, truth, 3.5)
    assert summary.loc["alpha", "coef"] == pytest.approx(truth["alpha"], rel=0.1)


def test_simulator_recovers_gamma_gamma_parameters_with_lifetimes():
    from lifetimes import GammaGammaFitter

    tx = simulate_repeat_purchases(8_000, 1.0, 5.0, 1.0, 6.0, p=6.0, q=4.0, gamma=150.0, T=150.0, seed=5)
    repeat = tx.loc[tx["t"] > 0].groupby("customer_id")["value"].agg(["size", "mean"])
    fitter = GammaGammaFitter(penalizer_coef=0.0).fit(repeat["size"], repeat["mean"])
    # The spend model is weakly identified in p vs q; check the implied mean spend p * gamma / (q - 1)
    # (Fader, Hardie & Lee 2005b) and each parameter within 3.5 standard errors.
    p, q, v = (fitter.params_[k] for k in ["p", "q", "v"])
    assert p * v / (q - 1) == pytest.approx(6.0 * 150.0 / 3.0, rel=0.05)
    for name, truth in {"p": 6.0, "q": 4.0, "v": 150.0}.items():
        coef, se = fitter.summary.loc[name, "coef"], fitter.summary.loc[name, "se(coef)"]
        assert abs(coef - truth) < 3.5 * se, (name, coef, se)


def test_company_orders_recover_bgnbd_parameters(bundled_company, ground_truth):
    truth = ground_truth["repeat_purchases"]
    assert truth["time_unit"] == "weeks"
    end = pd.Timestamp(ground_truth["meta"]["end"])
    dates = bundled_company.orders.groupby(s.CUSTOMER_ID)[s.ORDER_DATE]
    first, last = dates.min(), dates.max()
    summary = _fit_bgnbd(dates.size() - 1, (last - first).dt.days / 7, (end - first).dt.days / 7)
    # Looser than the simulator: dates are floored to whole days and ~4,000 buyers only.
    _assert_within_se(summary, truth, 3.5)
    orders_per_buyer = dates.size().mean()
    assert 1.5 <= orders_per_buyer <= 4, "about half the buyers never come back"


def test_simulator_output_is_well_formed():
    tx = simulate_repeat_purchases(500, 1.0, 10.0, 1.0, 4.0, 6.0, 4.0, 150.0, T=np.linspace(1, 100, 500), seed=2)
    assert list(tx.columns) == ["customer_id", "t", "value"]
    assert tx["customer_id"].nunique() == 500
    assert (tx.groupby("customer_id")["t"].min() == 0).all()
    assert (tx.groupby("customer_id")["t"].max() <= np.linspace(1, 100, 500)).all()
    assert (tx["value"] > 0).all()
    assert tx.equals(simulate_repeat_purchases(500, 1.0, 10.0, 1.0, 4.0, 6.0, 4.0, 150.0, T=np.linspace(1, 100, 500), seed=2))


# --- experiments, returns, weekly sales -----------------------------------


def test_experiment_conversion_rates_are_recovered(bundled_company, ground_truth):
    offers = bundled_company.offers.merge(bundled_company.customers[[s.CUSTOMER_ID, s.SEGMENT]], on=s.CUSTOMER_ID)
    for experiment_id, design in ground_truth["experiments"].items():
        runs = offers.loc[offers[s.EXPERIMENT_ID] == experiment_id]
        assert set(runs[s.VARIANT]) == set(design["arms"])
        assert (runs[s.PRODUCT_ID] == design["product_id"]).all()
        for arm, spec in design["arms"].items():
            group = runs.loc[runs[s.VARIANT] == arm]
            assert 150 <= len(group) <= 1500, (experiment_id, arm, len(group))
            rate = spec["conversion_rate"]
            if isinstance(rate, dict):
                for segment, p in rate.items():
                    sub = group.loc[group[s.SEGMENT] == segment, s.ACCEPTED]
                    assert _in_wilson(int(sub.sum()), len(sub), p), (experiment_id, arm, segment)
            else:
                assert _in_wilson(int(group[s.ACCEPTED].sum()), len(group), rate), (experiment_id, arm)


def test_return_rates_are_recovered(bundled_company, ground_truth):
    company = bundled_company
    end = pd.Timestamp(ground_truth["meta"]["end"])
    lines = company.order_lines.merge(company.orders, on=s.ORDER_ID).merge(company.products, on=s.PRODUCT_ID)
    lines = lines.loc[lines[s.ORDER_DATE] <= end - pd.Timedelta(days=90)]  # returns not yet censored
    returned = lines.merge(company.returns[[s.ORDER_ID, s.PRODUCT_ID]], on=[s.ORDER_ID, s.PRODUCT_ID], how="left", indicator=True)
    returned = returned.assign(was_returned=returned["_merge"] == "both")
    rates = ground_truth["returns"]["return_rate_by_category"]
    for category, group in returned.groupby(s.CATEGORY):
        assert _in_wilson(int(group["was_returned"].sum()), len(group), rates[category]), category
    overall = len(company.returns) / len(company.order_lines)
    assert 0.04 <= overall <= 0.06
    phones = returned.loc[returned[s.CATEGORY] == "smartphone", "was_returned"].mean()
    assert phones > returned["was_returned"].mean()


def _weekly_design(weekly: pd.DataFrame, truth: dict, product_id: str) -> tuple[pd.Series, pd.DataFrame]:
    wide_price = weekly.pivot(index=s.WEEK_START, columns=s.PRODUCT_ID, values=s.PRICE)
    own = weekly.loc[weekly[s.PRODUCT_ID] == product_id].set_index(s.WEEK_START)
    spec = truth["products"][product_id]
    design = pd.DataFrame(index=own.index)
    design["own"] = np.log(own[s.PRICE] / spec["reference_price"])
    for other in spec["cross_elasticities"]:
        design[other] = np.log(wide_price[other] / truth["products"][other]["reference_price"])
    design["promotion"] = own[s.ON_PROMOTION].astype(float)
    design["q4"] = own.index.month.isin([11, 12]).astype(float)
    design["back_to_school"] = own.index.month.isin([8, 9]).astype(float)
    return np.log(own[s.UNITS]), sm.add_constant(design)


def test_price_elasticities_are_recovered_by_log_log_ols(bundled_company, ground_truth):
    truth = ground_truth["weekly_sales"]
    weekly = bundled_company.weekly_sales
    assert weekly.groupby(s.PRODUCT_ID).size().nunique() == 1, "every focal product has every week"
    for product_id, spec in truth["products"].items():
        y, x = _weekly_design(weekly, truth, product_id)
        fit = sm.OLS(y, x).fit()
        # within 3.5 standard errors of the planted value, and the standard errors small enough to mean something
        def within(name: str, planted: float) -> bool:
            return abs(fit.params[name] - planted) <= 3.5 * fit.bse[name]

        assert within("own", spec["own_elasticity"]) and fit.bse["own"] < 0.2, (product_id, fit.params["own"])
        for other, elasticity in spec["cross_elasticities"].items():
            assert within(other, elasticity) and fit.bse[other] < 0.25, (product_id, other, fit.params[other])
            assert np.sign(fit.params[other]) == np.sign(elasticity)
        assert within("q4", truth["seasonality_log"]["q4"]), product_id
        assert within("promotion", truth["promotion_lift_log"]), product_id


def test_weekly_sales_exceed_identified_customers_orders(bundled_company, ground_truth):
    weekly_units = bundled_company.weekly_sales.groupby(s.PRODUCT_ID)[s.UNITS].sum()
    ordered = bundled_company.order_lines.groupby(s.PRODUCT_ID)[s.QUANTITY].sum()
    for product_id in ground_truth["weekly_sales"]["products"]:
        assert weekly_units[product_id] > 3 * ordered.get(product_id, 0), product_id


def test_planted_product_roles_are_what_the_baskets_do(bundled_company, baskets):
    """products.requires and products.repeatable carry the planted catalogue: check them against the orders."""
    products = bundled_company.products
    lines = bundled_company.order_lines.merge(products, on=s.PRODUCT_ID).merge(baskets[[s.ORDER_ID, "categories"]], on=s.ORDER_ID)
    needing = lines[products.set_index(s.PRODUCT_ID)[s.REQUIRES].reindex(lines[s.PRODUCT_ID]).notna().to_numpy()]
    assert needing[s.CATEGORY].nunique() >= 4
    # every line of a product that requires a category sits in an order holding that category
    assert [req in cats for req, cats in zip(needing[s.REQUIRES], needing["categories"])] == [True] * len(needing)
    devices = set(products[s.REQUIRES].dropna())
    # repeatable products are the only ones sold several at a time outside business hardware
    several = lines[(lines[s.QUANTITY] > 1) & ~lines[s.CATEGORY].isin(devices) & ~lines[s.PRODUCT_ID].str.startswith("WAR-")]
    assert several[s.REPEATABLE].all() and lines.loc[lines[s.REPEATABLE], s.QUANTITY].gt(1).mean() > 0.2


def test_the_truth_holds_every_planted_group_as_it_is(ground_truth):
    """Each group of synth.world.PLANTED is its truth section's values, key for key (none overridden by a derived value)."""
    assert len(synth.world.PLANTED) == 12  # with feedback, referrals and the uplift campaign (issue 15) and accounts (issue 16)
    for section, group in synth.world.PLANTED.items():
        for key, value in group.items():
            assert ground_truth[section][key] == json.loads(json.dumps(value)), (section, key)
    # the simulator's names are the planted objects themselves, not copies
    assert synth.world.SEGMENT_MIX is synth.world.PLANTED_CUSTOMERS["segment_mix"]
    assert synth.world.ATTACH_PROBABILITIES is synth.world.PLANTED["baskets"]["attach_probability"]


def test_a_planted_value_changed_in_the_world_changes_the_truth(monkeypatch):
    orders = pd.DataFrame({"anchor_category": ["laptop", "printer", "smartphone", "tablet"]})
    before = synth.truth.ground_truth(1, 300, "2024-01-01", "2024-12-31", orders)
    monkeypatch.setitem(synth.world.PLANTED_LIFECYCLE, "loyalty_min_orders", 7)
    monkeypatch.setitem(synth.world.PLANTED_WEEKLY_SALES["seasonality_log"], "q4", 0.5)
    after = synth.truth.ground_truth(1, 300, "2024-01-01", "2024-12-31", orders)
    assert (before["lifecycle"]["loyalty_min_orders"], after["lifecycle"]["loyalty_min_orders"]) == (4, 7)
    assert (before["weekly_sales"]["seasonality_log"]["q4"], after["weekly_sales"]["seasonality_log"]["q4"]) == (0.3, 0.5)
    after["lifecycle"]["loyalty_min_orders"] = 99
    assert synth.world.PLANTED_LIFECYCLE["loyalty_min_orders"] == 7, "the truth is a copy: changing it leaves the world"
