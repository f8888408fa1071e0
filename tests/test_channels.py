"""Tests of xsell_lab.channels: hand-worked examples, planted truth of the bundled company, independent
references (statsmodels intervals and tests, a DuckDB SQL recount, the real Hillstrom e-mail experiment) and bad input."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

from xsell_lab import channels as ch
from xsell_lab import experiments as ex
from xsell_lab.data import schema as s
from xsell_lab.data.validation import DataValidationError

from skips import import_or_skip, shared_file


@pytest.fixture(scope="module")
def lines(bundled_lines):
    return bundled_lines


def _tiny_lines() -> pd.DataFrame:
    rows = [  # customer, order, date, channel, category, revenue
        ("c1", "o1", "2024-01-01", "web", "laptop", 100.0),
        ("c1", "o1", "2024-01-01", "web", "laptop_case", 20.0),
        ("c2", "o2", "2024-01-02", "web", "printer", 50.0),
        ("c1", "o3", "2024-02-01", "store", "ink", 30.0),
    ]
    frame = pd.DataFrame(rows, columns=[s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, s.CHANNEL, s.CATEGORY, "revenue"])
    return frame.assign(**{s.ORDER_DATE: pd.to_datetime(frame[s.ORDER_DATE]), s.PRODUCT_ID: frame[s.CATEGORY]})


# --- hand-worked examples ----------------------------------------------------------------------


def test_channel_performance_by_hand():
    table = ch.channel_performance(_tiny_lines()).set_index(s.CHANNEL)
    web, store = table.loc["web"], table.loc["store"]
    assert list(table.index) == ["web", "store"]  # by revenue
    assert (web["customers"], web["orders"], web["revenue"]) == (2, 2, 170.0)
    assert web["average_order_value"] == pytest.approx(85.0)
    assert web["revenue_share"] == pytest.approx(170 / 200)
    assert web["cross_sell_rate"] == pytest.approx(0.5)  # c1 bought 2 categories on the web, c2 one
    assert web["attach_rate"] == pytest.approx(0.5)  # o1 has 2 categories, o2 one
    assert web["revenue_contribution"] == pytest.approx(20 / 170)  # the case is outside c1's primary laptop
    assert store["revenue_contribution"] == pytest.approx(1.0)  # ink is a later, cross-sold purchase
    assert web["cross_sold_revenue_share"] == pytest.approx(20 / 50)
    low, high = stats.t.interval(0.95, 1, loc=85.0, scale=np.std([120.0, 50.0], ddof=1) / np.sqrt(2))
    assert (web["aov_ci_low"], web["aov_ci_high"]) == pytest.approx((low, high))
    assert (web["attach_ci_low"], web["attach_ci_high"]) == pytest.approx(proportion_confint(1, 2, method="wilson"))


def test_preferred_channel_share_by_hand():
    customers = pd.DataFrame({s.CUSTOMER_ID: ["c1", "c2"], s.PREFERRED_CHANNEL: ["web", "store"]})
    orders = pd.DataFrame({s.CUSTOMER_ID: ["c1", "c1", "c2", "c2"], s.CHANNEL: ["web", "store", "store", "store"]})
    row = ch.preferred_channel_share(orders, customers).iloc[0]
    assert (row["orders"], row["in_preferred"]) == (4, 3)
    assert row["share_in_preferred"] == pytest.approx(0.75)
    assert row["chance_share"] == pytest.approx(0.5 * 0.25 + 0.5 * 0.75)
    assert row["preference_strength"] == pytest.approx((0.75 - 0.5) / 0.5)


def test_contact_channel_response_by_hand_matches_statsmodels():
    offers = pd.DataFrame({
        s.EXPERIMENT_ID: "E", s.CUSTOMER_ID: [f"c{i}" for i in range(60)],
        s.VARIANT: ["control"] * 20 + ["email"] * 20 + ["sms"] * 20,
        s.CHANNEL: ["none"] * 20 + ["email"] * 20 + ["sms"] * 20,
        s.ACCEPTED: [i < 2 for i in range(20)] + [i < 5 for i in range(20)] + [i < 9 for i in range(20)],
    })
    table = ch.contact_channel_response(offers, correction="none").set_index(s.VARIANT)
    assert list(table.index) == ["control", "email", "sms"]
    assert table.loc["sms", s.CHANNEL] == "sms"
    assert table.loc["sms", "conversion_rate"] == pytest.approx(9 / 20)
    assert table.loc["sms", "uplift"] == pytest.approx(9 / 20 - 2 / 20)
    assert np.isnan(table.loc["control", "uplift"])
    assert (table.loc["email", "ci_low"], table.loc["email", "ci_high"]) == pytest.approx(proportion_confint(5, 20, method="wilson"))
    newcombe = confint_proportions_2indep(9, 20, 2, 20, method="newcomb")
    assert (table.loc["sms", "uplift_ci_low"], table.loc["sms", "uplift_ci_high"]) == pytest.approx(newcombe)
    assert table.loc["sms", "p_value"] == pytest.approx(proportions_ztest([9, 2], [20, 20])[1])


def test_arm_balance_by_hand():
    offers = pd.DataFrame({s.EXPERIMENT_ID: "E", s.CUSTOMER_ID: [f"c{i}" for i in range(20)],
                           s.VARIANT: ["control"] * 10 + ["offer"] * 10})
    customers = pd.DataFrame({s.CUSTOMER_ID: [f"c{i}" for i in range(20)], s.SEGMENT: ["a"] * 10 + ["b"] * 10})
    row = ch.arm_balance(offers, customers, [s.SEGMENT]).iloc[0]
    assert row["chi2"] == pytest.approx(20.0)  # [[10, 0], [0, 10]]: every cell is 5 away from its expected 5
    assert row["dof"] == 1 and not row["balanced"]


def test_tier_match_by_hand():
    products = pd.DataFrame({s.PRODUCT_ID: ["L-B", "L-P", "C-B", "C-P"], s.CATEGORY: ["laptop", "laptop", "case", "case"],
                             s.TIER: ["basic", "premium", "basic", "premium"], s.REQUIRES: [None, None, "laptop", "laptop"]})
    lines = pd.DataFrame({s.ORDER_ID: ["o1", "o1", "o2", "o2", "o3", "o3"],
                          s.PRODUCT_ID: ["L-B", "C-B", "L-P", "C-B", "L-P", "C-P"]})
    lines = lines.merge(products, on=s.PRODUCT_ID)
    row = ch.tier_match(lines, products).iloc[0]  # the device is what the cases require (products.requires)
    assert (row["category"], row["lines"], row["matched"]) == ("case", 3, 2)
    assert row["chance_rate"] == pytest.approx(0.5) and row["match_lift"] == pytest.approx((2 / 3) / 0.5)
    flipped = ch.tier_match(lines, products, device_categories=["case"]).iloc[0]  # given devices win over the column
    assert (flipped["category"], flipped["lines"]) == ("laptop", 3)


def test_offer_tier_fit_by_hand():
    products = pd.DataFrame({s.PRODUCT_ID: ["P-S", "P-P", "INK-S"], s.TIER: ["standard", "premium", "standard"]})
    lines = pd.DataFrame({s.CUSTOMER_ID: ["a", "a", "b"], s.ORDER_DATE: pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-01"]),
                          s.CATEGORY: "printer", s.TIER: ["standard", "premium", "premium"]})
    offers = pd.DataFrame({s.OFFER_ID: ["f1", "f2", "f3"], s.CUSTOMER_ID: ["a", "a", "b"], s.PRODUCT_ID: "INK-S",
                           s.OFFER_DATE: pd.to_datetime(["2024-02-01", "2024-04-01", "2023-12-01"])})
    fitted = ch.offer_tier_fit(offers, lines, products, device_categories=["printer"])
    assert list(fitted[s.OFFER_ID]) == ["f1", "f2", "f3"]
    assert list(fitted["device_tier"].fillna("-")) == ["standard", "premium", "-"]  # b had no printer yet
    assert fitted["tier_matched"].tolist() == [True, False, pd.NA]


# --- planted truth -----------------------------------------------------------------------------


def test_ink_channel_arm_rates_and_uplifts_recover_the_planted_rates(bundled_company, ground_truth):
    for experiment in ("EXP-INK-CHANNEL", "EXP-WARRANTY"):
        arms = ground_truth["experiments"][experiment]["arms"]
        table = ch.contact_channel_response(bundled_company.offers, experiment_id=experiment).set_index(s.VARIANT)
        assert set(table.index) == set(arms)
        for arm, truth in arms.items():
            row = table.loc[arm]
            assert row[s.CHANNEL] == truth["channel"]
            assert row["ci_low"] <= truth["conversion_rate"] <= row["ci_high"], (experiment, arm, row["conversion_rate"])
            if arm != "control":
                planted = truth["conversion_rate"] - arms["control"]["conversion_rate"]
                assert row["uplift_ci_low"] <= planted <= row["uplift_ci_high"], (experiment, arm)
    ink = ch.contact_channel_response(bundled_company.offers, experiment_id="EXP-INK-CHANNEL").set_index(s.VARIANT)
    assert ink.loc["sms", "uplift_ci_low"] > 0 and ink.loc["email", "uplift_ci_low"] > 0


def test_experiment_arms_are_balanced_as_randomisation_promises(bundled_company):
    table = ch.arm_balance(bundled_company.offers, bundled_company.customers, [s.SEGMENT, s.REGION, s.PREFERRED_CHANNEL])
    assert len(table) == 12  # three attributes of the three experiments and the uplift campaign
    assert table["balanced"].all(), table[~table["balanced"]]


def test_preferred_channel_share_recovers_the_planted_probability(bundled_company, ground_truth):
    truth = ground_truth["customers"]
    p = truth["p_order_in_preferred_channel"]
    table = ch.preferred_channel_share(bundled_company.orders, bundled_company.customers, by=s.SEGMENT)
    for row in table.itertuples():
        mix = np.array(list(truth["preferred_channel_mix_by_segment"][row.segment].values()))
        expected_share = p + (1 - p) * np.sum(mix**2)  # the other channel is drawn from the same mix
        se = np.sqrt(expected_share * (1 - expected_share) / row.orders)
        assert abs(row.share_in_preferred - expected_share) < 3.5 * se, row
        assert row.preference_strength == pytest.approx(p, abs=0.035), row  # kappa = p in this model


def test_channels_do_not_change_basket_composition_within_a_segment(lines):
    # planted: the channel of an order is drawn independently of its basket, so within a segment the share of
    # multi-category orders must not differ by channel (chi-square test of independence)
    for segment, group in lines.groupby(s.SEGMENT):
        table = ch.channel_performance(group)
        counts = np.column_stack([table["multi_item_orders"], table["orders"] - table["multi_item_orders"]])
        assert stats.chi2_contingency(counts)[1] > 0.001, segment


def test_accessory_tiers_match_the_device_as_planted(lines, bundled_company, ground_truth):
    weight = ground_truth["baskets"]["matching_tier_weight"]
    table = ch.tier_match(lines, bundled_company.products)
    devices = set(bundled_company.products[s.REQUIRES].dropna())  # the planted devices, carried by the data
    assert devices == set(ground_truth["baskets"]["expected_conditional_frequency"])  # the anchors of the basket truth
    assert not set(table["category"]) & devices
    sizes = bundled_company.products.groupby(s.CATEGORY).size()
    observed = expected = variance = 0.0
    for row in table.itertuples():
        k = sizes[row.category]
        # one product of the device's tier weighs `weight`, the k - 1 others 1 each
        p = weight / (weight + k - 1) if row.chance_rate < 1 else 1.0
        assert stats.binomtest(row.matched, row.lines, p).pvalue > 0.001, (row.category, row.match_rate, p)
        observed, expected, variance = observed + row.matched, expected + row.lines * p, variance + row.lines * p * (1 - p)
    assert abs(observed - expected) < 3.5 * np.sqrt(variance)
    assert (table.loc[table["chance_rate"] < 1, "match_lift"] > 1.2).all()


def test_ink_offer_response_does_not_depend_on_tier_fit_as_planted(lines, bundled_company):
    offers = bundled_company.offers[bundled_company.offers[s.EXPERIMENT_ID] == "EXP-INK-CHANNEL"]
    fitted = ch.offer_tier_fit(offers, lines, bundled_company.products)
    assert fitted["tier_matched"].notna().all()  # every ink offer went to a printer buyer
    effects = ex.segment_effects(offers, fitted[[s.CUSTOMER_ID, "tier_matched"]], segment_column="tier_matched")
    assert (effects["heterogeneity_p_value"] > 0.01).all()  # planted: one conversion rate per arm for everyone


# --- independent references ----------------------------------------------------------------------


def test_channel_kpis_match_a_duckdb_sql_recount(lines):
    duckdb = import_or_skip("duckdb")
    frame = lines[[s.CUSTOMER_ID, s.ORDER_ID, s.CHANNEL, s.CATEGORY, "revenue"]]  # noqa: F841 (DuckDB reads it by name in the SQL below)
    sql = """
        WITH per_order AS (
            SELECT channel, order_id, SUM(revenue) AS revenue, COUNT(DISTINCT category) AS items FROM frame GROUP BY ALL),
        per_customer AS (
            SELECT channel, customer_id, COUNT(DISTINCT category) AS items FROM frame GROUP BY ALL),
        orders AS (
            SELECT channel, COUNT(*) AS orders, SUM(revenue) AS revenue, SUM(CASE WHEN items >= 2 THEN 1 ELSE 0 END) AS multi,
                   STDDEV_SAMP(revenue) AS sd FROM per_order GROUP BY channel),
        customers AS (
            SELECT channel, COUNT(*) AS customers, SUM(CASE WHEN items >= 2 THEN 1 ELSE 0 END) AS cross_sold
            FROM per_customer GROUP BY channel)
        SELECT * FROM orders JOIN customers USING (channel) ORDER BY channel
    """
    expected = duckdb.sql(sql).df().set_index(s.CHANNEL)
    table = ch.channel_performance(lines).set_index(s.CHANNEL).loc[expected.index]
    assert table["orders"].tolist() == expected["orders"].tolist()
    assert table["customers"].tolist() == expected["customers"].tolist()
    assert table["multi_item_orders"].tolist() == expected["multi"].tolist()
    assert table["cross_sold_customers"].tolist() == expected["cross_sold"].tolist()
    np.testing.assert_allclose(table["revenue"], expected["revenue"], rtol=1e-9)
    half = stats.t.ppf(0.975, expected["orders"] - 1) * expected["sd"] / np.sqrt(expected["orders"])
    np.testing.assert_allclose(table["aov_ci_high"], expected["revenue"] / expected["orders"] + half, rtol=1e-9)
    for row in table.itertuples():
        low, high = proportion_confint(row.cross_sold_customers, row.customers, method="wilson")
        assert (row.cross_sell_ci_low, row.cross_sell_ci_high) == pytest.approx((low, high))


@pytest.fixture(scope="module")
def hillstrom():
    from xsell_lab.data.adapters import hillstrom as adapt

    path = shared_file("hillstrom_email.csv")
    return adapt(path).tables, path


def test_hillstrom_response_by_email_arm_matches_the_published_rates(hillstrom):
    tables, _ = hillstrom
    table = ch.contact_channel_response(tables[s.OFFERS]).set_index(s.VARIANT)
    # Hillstrom (2008), MineThatData E-Mail Analytics challenge: conversion 0.57% (no e-mail), 1.25% (men's), 0.88% (women's)
    for arm, published in (("control", 0.0057), ("mens", 0.0125), ("womens", 0.0088)):
        assert table.loc[arm, "conversion_rate"] == pytest.approx(published, abs=5e-5)
    assert table.loc["mens", "uplift_ci_low"] > 0 and table.loc["womens", "uplift_ci_low"] > 0
    balance = ch.arm_balance(tables[s.OFFERS], tables[s.CUSTOMERS], [s.SEGMENT, s.REGION, s.PREFERRED_CHANNEL])
    assert balance["balanced"].all() and (balance["customers"] == 64_000).all()


def test_hillstrom_response_by_purchase_channel_matches_a_raw_recount(hillstrom):
    tables, path = hillstrom
    raw: dict[tuple[str, str], list[int]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cell = raw.setdefault((row["channel"], row["segment"]), [0, 0])
            cell[0] += 1
            cell[1] += int(row["conversion"])
    labels = {"control": "No E-Mail", "mens": "Mens E-Mail", "womens": "Womens E-Mail"}
    offers = tables[s.OFFERS].merge(tables[s.CUSTOMERS][[s.CUSTOMER_ID, s.PREFERRED_CHANNEL]], on=s.CUSTOMER_ID)
    for channel in ("Web", "Phone", "Multichannel"):
        table = ch.contact_channel_response(offers[offers[s.PREFERRED_CHANNEL] == channel]).set_index(s.VARIANT)
        for arm, label in labels.items():
            n, x = raw[(channel, label)]
            assert (table.loc[arm, "customers"], table.loc[arm, "conversions"]) == (n, x)
        n_t, x_t = raw[(channel, "Mens E-Mail")]
        n_c, x_c = raw[(channel, "No E-Mail")]
        low, high = confint_proportions_2indep(x_t, n_t, x_c, n_c, method="newcomb")
        assert (table.loc["mens", "uplift_ci_low"], table.loc["mens", "uplift_ci_high"]) == pytest.approx((low, high))
        assert low > 0, f"the men's e-mail raised conversion among {channel} buyers"


# --- bad input ---------------------------------------------------------------------------------------


def test_missing_column_names_table_and_column():
    with pytest.raises(DataValidationError, match=r"table 'sales_lines', column 'channel': 4 row\(s\) missing"):
        ch.channel_performance(_tiny_lines().drop(columns=s.CHANNEL))


def test_empty_channel_names_count_and_example():
    lines = _tiny_lines()
    lines[s.CHANNEL] = lines[s.CHANNEL].where(lines[s.ORDER_ID] != "o2")
    with pytest.raises(DataValidationError, match=r"column 'channel': 1 row\(s\) are empty .*order 'o2' \(row 3\)"):
        ch.channel_performance(lines)


def test_unknown_experiment_is_named(bundled_company):
    with pytest.raises(DataValidationError, match=r"column 'experiment_id': 1 row\(s\) experiment\(s\) asked for are not in "
                                                  r"the table, e.g. 'EXP-NOPE'. Known experiments: EXP-BUNDLE"):
        ch.contact_channel_response(bundled_company.offers, experiment_id="EXP-NOPE")


def test_orders_of_unknown_customers_are_refused():
    customers = pd.DataFrame({s.CUSTOMER_ID: ["c1"], s.PREFERRED_CHANNEL: ["web"]})
    orders = pd.DataFrame({s.CUSTOMER_ID: ["c1", "ghost"], s.CHANNEL: ["web", "web"]})
    with pytest.raises(DataValidationError, match=r"table 'orders', column 'customer_id': 1 row\(s\) are not in table "
                                                  r"'customers', e.g. 'ghost'"):
        ch.preferred_channel_share(orders, customers)


def test_inputs_are_not_modified(lines):
    before = lines.copy()
    ch.channel_performance(lines)
    pd.testing.assert_frame_equal(lines, before)


def test_bad_confidence_is_refused():
    with pytest.raises(ValueError, match="confidence must be in"):
        ch.channel_performance(_tiny_lines(), confidence=95)


# --- plots ---------------------------------------------------------------------------------------------


def test_plots_draw_on_the_given_axes_and_refuse_an_unknown_experiment(lines, bundled_company):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xsell_lab import triggers as tr
    from xsell_lab.plots import channels as plots

    figure, axes = plt.subplots(2, 2)
    response = ch.contact_channel_response(bundled_company.offers)
    history = tr.event_history(lines)
    rule = tr.TriggerRule("printer -> ink", "purchase", "ink", "printer")
    assert plots.plot_channel_kpis(ch.channel_performance(lines), ax=axes[0, 0]) is axes[0, 0]
    assert len(axes[0, 0].patches) == 2 * lines[s.CHANNEL].nunique()  # one bar per channel and KPI
    assert plots.plot_contact_response(response, "EXP-INK-CHANNEL", ax=axes[0, 1]) is axes[0, 1]
    assert len(axes[0, 1].patches) == 3
    assert plots.plot_trigger_backtest(tr.backtest_triggers([rule], history), ax=axes[1, 0]) is axes[1, 0]
    profile = tr.delay_profile(lines, "printer", "ink", delays=[0, 30])
    assert plots.plot_delay_profile(profile, tr.delay_backtest(rule, history, delays=[0, 30]), ax=axes[1, 1]) is axes[1, 1]
    with pytest.raises(ValueError, match="no rows for experiment 'EXP-NOPE'"):
        plots.plot_contact_response(response, "EXP-NOPE")
    plt.close(figure)


# --- choosing the test and the channel a notebook uses ----------------------------------------


def _channel_offers(experiment: str, arms: dict[str, tuple[str, int]]) -> pd.DataFrame:
    """``arms = {variant: (channel, customers)}``, nobody converted."""
    return pd.concat([
        pd.DataFrame({s.EXPERIMENT_ID: experiment, s.VARIANT: arm, s.CHANNEL: channel, s.ACCEPTED: False,
                      s.CUSTOMER_ID: [f"{experiment}-{arm}-{i}" for i in range(n)]})
        for arm, (channel, n) in arms.items()
    ], ignore_index=True)


def test_choose_contact_experiment_by_hand():
    offers = pd.concat([
        _channel_offers("BIG", {"control": ("none", 50), "offer": ("email", 50)}),
        _channel_offers("TWO", {"control": ("none", 5), "a": ("email", 5), "b": ("sms", 5)}),
        _channel_offers("NO-CONTROL", {"a": ("email", 5), "b": ("sms", 5), "c": ("post", 5)}),
    ], ignore_index=True)
    chosen = ch.choose_contact_experiment(offers)
    assert chosen.to_dict() == {s.EXPERIMENT_ID: "TWO", "channels": 2, "arms": 3, "customers": 15, "chosen_by_data": True}
    assert ch.choose_contact_experiment(offers, "BIG")[["channels", "chosen_by_data"]].tolist() == [1, False]
    with pytest.raises(ValueError, match="experiment 'NO-CONTROL' needs a 'control' arm"):
        ch.choose_contact_experiment(offers, "NO-CONTROL")
    with pytest.raises(ValueError, match="No experiment in column 'experiment_id' has a 'control' arm"):
        ch.choose_contact_experiment(offers[offers[s.EXPERIMENT_ID] == "NO-CONTROL"])


def test_choose_contact_experiment_finds_the_planted_channel_test(bundled_company, ground_truth):
    planted = {experiment: {arm["channel"] for name, arm in truth["arms"].items() if name != "control"}
               for experiment, truth in ground_truth["experiments"].items()}
    chosen = ch.choose_contact_experiment(bundled_company.offers)
    assert chosen[s.EXPERIMENT_ID] == max(planted, key=lambda experiment: len(planted[experiment]))
    assert chosen["channels"] == len(planted[chosen[s.EXPERIMENT_ID]])


def test_choose_contact_channel_takes_the_best_evidence_first():
    response = pd.DataFrame({s.EXPERIMENT_ID: "T", s.VARIANT: ["control", "a", "b"], s.CHANNEL: ["none", "email", "sms"],
                             "uplift": [np.nan, 0.02, 0.05]})
    customers = pd.DataFrame({s.PREFERRED_CHANNEL: ["web", "store", "store", None]})
    orders = pd.DataFrame({s.CHANNEL: ["web", "web", "store"]})
    assert ch.choose_contact_channel(response, customers, orders).to_dict() == {
        s.CHANNEL: "sms", "reason": "the contact channel with the largest uplift in T", "chosen_by_data": True}
    assert ch.choose_contact_channel(None, customers, orders)[s.CHANNEL] == "store"
    assert ch.choose_contact_channel(None, customers.iloc[3:], orders)[s.CHANNEL] == "web"
    assert ch.choose_contact_channel(None, customers, orders, "web")[["reason", "chosen_by_data"]].tolist() == [
        "set in the parameters", False]
    with pytest.raises(ValueError, match=r"channel 'fax' is not a channel of the data \(.*: email, sms, store, web\)"):
        ch.choose_contact_channel(response, customers, orders, "fax")
    with pytest.raises(ValueError, match="No channel in the data"):
        ch.choose_contact_channel(None, customers.iloc[3:], orders.iloc[:0])


def test_choose_contact_channel_on_bundled_data_agrees_with_a_plain_count(bundled_company):
    stated: dict[str, int] = {}
    for channel in bundled_company.customers[s.PREFERRED_CHANNEL].dropna():
        stated[channel] = stated.get(channel, 0) + 1
    assert ch.choose_contact_channel(None, bundled_company.customers)[s.CHANNEL] == max(stated, key=stated.get)
    response = ch.contact_channel_response(bundled_company.offers)
    offered = response[response[s.VARIANT] != "control"]
    assert ch.choose_contact_channel(response)[s.CHANNEL] == offered.loc[offered["uplift"].idxmax(), s.CHANNEL]


def test_preferred_channel_share_without_preferences_says_so():
    orders = pd.DataFrame({s.CUSTOMER_ID: ["a", "b"], s.CHANNEL: ["web", "web"]})
    customers = pd.DataFrame({s.CUSTOMER_ID: ["a", "b"], s.PREFERRED_CHANNEL: [None, None], s.SEGMENT: ["x", "y"]})
    with pytest.raises(DataValidationError, match="table 'customers', column 'preferred_channel': 0 row"):
        ch.preferred_channel_share(orders, customers, by=s.SEGMENT)


def test_channel_kpi_plot_draws_rates_of_zero():
    # Wilson's lower limit of 0 out of n is 0 up to rounding (5e-20 for n = 2,000): the error bar must not go negative.
    import matplotlib.pyplot as plt

    from xsell_lab.plots import channels as plots

    low, high = ex.wilson_interval(np.array([0, 0]), np.array([2000, 7]))
    table = pd.DataFrame({s.CHANNEL: ["web", "phone"], "attach_rate": [0.0, 0.0], "attach_ci_low": low,
                          "attach_ci_high": high})
    ax = plots.plot_channel_kpis(table, kpis=["attach_rate"])
    try:
        assert len(ax.patches) == 2
    finally:
        plt.close(ax.figure)


# --- the best channel against the next ----------------------------------------------------------


def _three_arms(accepted_email: int, accepted_sms: int, size: int = 100) -> pd.DataFrame:
    arms = [("control", "none", 10), ("email", "email", accepted_email), ("sms", "sms", accepted_sms)]
    rows = [(variant, channel, i < accepted) for variant, channel, accepted in arms for i in range(size)]
    return pd.DataFrame({s.EXPERIMENT_ID: "E", s.CUSTOMER_ID: [f"c{i}" for i in range(len(rows))],
                         s.VARIANT: [r[0] for r in rows], s.CHANNEL: [r[1] for r in rows], s.ACCEPTED: [r[2] for r in rows]})


def test_best_channel_gap_by_hand_matches_statsmodels():
    offers = _three_arms(accepted_email=20, accepted_sms=35)
    response = ch.contact_channel_response(offers)
    gap = ch.best_channel_gap(offers, response).iloc[0]
    assert (gap["best_channel"], gap["other_channel"]) == ("sms", "email")
    assert gap["estimate"] == pytest.approx(0.35 - 0.20)
    assert (gap["ci_low"], gap["ci_high"]) == pytest.approx(confint_proportions_2indep(35, 100, 20, 100, method="newcomb"))
    assert gap["p_value"] == pytest.approx(proportions_ztest([35, 20], [100, 100])[1])
    single = offers[offers[s.VARIANT] != "email"]
    assert ch.best_channel_gap(single, ch.contact_channel_response(single)).empty  # one offer arm: nothing to compare


def test_contact_channel_answer_names_a_channel_only_when_it_beats_both_control_and_the_next():
    clear = _three_arms(accepted_email=20, accepted_sms=45)
    close = _three_arms(accepted_email=30, accepted_sms=33)
    answers = {}
    for name, offers in (("clear", clear), ("close", close)):
        response = ch.contact_channel_response(offers)
        gaps = ch.best_channel_gap(offers, response)
        answers[name] = ch.contact_channel_answer(response, gaps, "the test E")
        lines = ch.contact_channel_sentences(response, gaps)
        assert len(lines) == 4 and lines[0].startswith("Without any offer, 10.0% of the 100 control customers")
        assert ("sms sells more than email" in lines[-1]) == (gaps.iloc[0]["ci_low"] > 0)
    assert answers["clear"].endswith("send offers by sms.")
    assert "cannot tell it from email" in answers["close"] and "send offers by" not in answers["close"]
    weak = _three_arms(accepted_email=8, accepted_sms=12)
    response = ch.contact_channel_response(weak)
    assert "could be chance" in ch.contact_channel_answer(response, ch.best_channel_gap(weak, response), "the test E")


def test_best_channel_gap_recovers_the_planted_sms_advantage(bundled_company, ground_truth):
    arms = ground_truth["experiments"]["EXP-INK-CHANNEL"]["arms"]
    response = ch.contact_channel_response(bundled_company.offers, experiment_id="EXP-INK-CHANNEL")
    gap = ch.best_channel_gap(bundled_company.offers, response).iloc[0]
    planted = arms["sms"]["conversion_rate"] - arms["email"]["conversion_rate"]
    assert planted > 0 and gap["best_variant"] == "sms"
    assert gap["ci_low"] <= planted <= gap["ci_high"]
    offers = bundled_company.offers  # an independent recount of the two arms' rates
    rate = offers[offers[s.EXPERIMENT_ID] == "EXP-INK-CHANNEL"].groupby(s.VARIANT)[s.ACCEPTED].mean()
    assert gap["estimate"] == pytest.approx(rate["sms"] - rate["email"])
