"""Tests of xsell_lab.lifecycle: hand-computed examples, planted truth, statsmodels and real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xsell_lab import DataValidationError, basket, kpis
from xsell_lab import lifecycle as lc
from xsell_lab.data import schema as s

from skips import skip_test

D = pd.Timestamp


# --- a tiny company, computed by hand ------------------------------------------------


@pytest.fixture
def tiny():
    customers = pd.DataFrame({
        s.CUSTOMER_ID: ["A", "B", "C", "D", "E"],
        s.SIGNUP_DATE: [D("2024-01-01"), pd.NaT, D("2024-01-03"), D("2024-12-01"), D("2024-01-02")],
        s.SEGMENT: ["consumer", "consumer", "student", "student", "consumer"],
    })
    orders = pd.DataFrame({
        s.ORDER_ID: ["o1", "o2", "o3", "o4", "o5", "o6"],
        s.CUSTOMER_ID: ["A", "A", "A", "A", "B", "E"],
        s.ORDER_DATE: [D("2024-01-10"), D("2024-02-01"), D("2024-03-01"), D("2024-04-01"), D("2024-01-20"), D("2024-01-15")],
    })
    events = pd.DataFrame({
        s.CUSTOMER_ID: ["A", "A", "A", "C", "E"],
        s.EVENT_DATE: [D("2024-01-01"), D("2024-01-05"), D("2024-04-15"), D("2024-01-03"), D("2024-01-04")],
        s.EVENT_TYPE: ["awareness", "consideration", "referral", "awareness", "site_visit"],
    })
    surveys = pd.DataFrame({s.CUSTOMER_ID: ["E", "A"], s.SURVEY_DATE: [D("2024-02-01"), D("2024-02-02")], s.NPS_SCORE: [9, 6]})
    return customers, orders, events, surveys


def _stages(tiny, **options):
    customers, orders, events, surveys = tiny
    return lc.customer_stages(customers, orders, marketing_events=events, surveys=surveys, **options).set_index(s.CUSTOMER_ID)


def test_stages_and_dates_by_hand(tiny):
    table = _stages(tiny, as_of="2024-06-30", loyalty_min_orders=4)
    assert table["stage"].astype(str).to_dict() == {
        "A": "advocacy", "B": "purchase", "C": "awareness", "D": lc.NOT_AWARE, "E": "advocacy",  # D signs up in December
    }
    a = table.loc["A"]
    assert [a[f"{stage}_date"] for stage in s.LIFECYCLE_STAGES] == [
        D("2024-01-01"), D("2024-01-05"), D("2024-01-10"), D("2024-02-01"), D("2024-04-01"), D("2024-04-15"),
    ]
    # B has no events and no signup date: awareness and consideration are implied by the purchase
    assert table.loc["B", "awareness_date"] == table.loc["B", "consideration_date"] == D("2024-01-20")
    # E: a promoter (NPS 9) after a single order is an advocate, but not retained or loyal
    assert table.loc["E", "advocacy_date"] == D("2024-02-01")
    assert pd.isna(table.loc["E", "retention_date"]) and pd.isna(table.loc["E", "loyalty_date"])
    assert table.loc["A", "n_orders"] == 4 and table.loc["A", "referrals"] == 1 and table.loc["A", "last_nps"] == 6
    assert table.attrs["as_of"] == D("2024-06-30")


def test_as_of_ignores_later_rows(tiny):
    table = _stages(tiny, as_of="2024-03-15")
    assert table.loc["A", "stage"] == "retention"  # the 4th order and the referral come later
    assert table.loc["A", "n_orders"] == 3 and table.loc["A", "referrals"] == 0
    early = _stages(tiny, as_of="2024-01-02")
    assert early.loc["D", "stage"] == lc.NOT_AWARE  # signs up in December
    assert early.loc["B", "stage"] == lc.NOT_AWARE  # no evidence yet
    assert early.loc["E", "stage"] == "awareness"  # the signup day counts (as_of is inclusive)


def test_loyalty_threshold_is_a_parameter(tiny):
    assert _stages(tiny, as_of="2024-03-15", loyalty_min_orders=3).loc["A", "loyalty_date"] == D("2024-03-01")
    with pytest.raises(ValueError, match="loyalty_min_orders must be >= 3"):
        _stages(tiny, loyalty_min_orders=2)


def test_event_before_signup_is_a_clear_error(tiny):
    customers, orders, events, surveys = tiny
    bad = pd.concat([events, pd.DataFrame({s.CUSTOMER_ID: ["C"], s.EVENT_DATE: [D("2023-12-25")], s.EVENT_TYPE: ["awareness"]})])
    with pytest.raises(DataValidationError) as error:
        lc.customer_stages(customers, orders, marketing_events=bad)
    message = str(error.value)
    assert "table 'marketing_events', column 'event_date': 1 row(s)" in message
    assert "'C'" in message and "2023-12-25" in message and "signup_date" in message


def test_unknown_customers_and_missing_columns_are_named(tiny):
    customers, orders, events, _ = tiny
    stranger = pd.concat([orders, pd.DataFrame({s.ORDER_ID: ["o9"], s.CUSTOMER_ID: ["Z"], s.ORDER_DATE: [D("2024-05-01")]})])
    with pytest.raises(DataValidationError, match=r"table 'orders', column 'customer_id': 1 row\(s\) refer to customers missing.*'Z'"):
        lc.customer_stages(customers, stranger)
    with pytest.raises(DataValidationError, match="table 'marketing_events', column 'event_type'"):
        lc.customer_stages(customers, orders, marketing_events=events.drop(columns=s.EVENT_TYPE))


def test_inputs_are_not_modified(tiny):
    copies = [frame.copy() for frame in tiny]
    _stages(tiny)
    for before, after in zip(copies, tiny):
        pd.testing.assert_frame_equal(before, after)


def test_funnel_by_hand(tiny):
    funnel = lc.stage_funnel(_stages(tiny, as_of="2024-06-30").reset_index()).set_index("stage")
    assert funnel["customers"].tolist() == [4, 3, 3, 1, 1, 2]  # D is not aware yet
    assert funnel.loc["awareness", "conversion_rate"] == pytest.approx(4 / 5)
    assert funnel.loc["purchase", "conversion_rate"] == 1.0  # A, B, E considered and bought
    assert funnel.loc["consideration", "conversion_rate"] == pytest.approx(3 / 4)
    assert funnel.loc["advocacy", ["from_previous", "converted"]].tolist() == [1, 1]  # E advocates without loyalty
    # purchase lags: A 5 days, B 0 (implied), E 11 days
    assert funnel.loc["purchase", "mean_days_from_previous"] == pytest.approx(16 / 3)
    by = lc.stage_funnel(_stages(tiny, as_of="2024-06-30").reset_index(), by=s.SEGMENT)
    assert by.loc[(by[s.SEGMENT] == "student") & (by["stage"] == "consideration"), "conversion_rate"].item() == 0.0


def test_distribution_and_transitions_by_hand(tiny):
    before, after = _stages(tiny, as_of="2024-01-02").reset_index(), _stages(tiny, as_of="2024-06-30").reset_index()
    share = lc.stage_distribution(after, by=s.SEGMENT).set_index([s.SEGMENT, "stage"])["share"]
    assert share[("consumer", "advocacy")] == pytest.approx(2 / 3) and share[("student", "awareness")] == 0.5
    counts = lc.stage_transitions(before, after, normalize=False)
    assert counts.loc[lc.NOT_AWARE].to_dict() == {
        "not_aware": 1, "awareness": 1, "consideration": 0, "purchase": 1, "retention": 0, "loyalty": 0, "advocacy": 0,
    }
    assert counts.loc["awareness", "advocacy"] == 2  # A and E
    assert lc.stage_transitions(before, after).sum(axis=1).tolist() == pytest.approx([1.0, 1.0])
    with pytest.raises(ValueError, match="1 customer\\(s\\) appear in only one.*'E'"):
        lc.stage_transitions(before, after[after[s.CUSTOMER_ID] != "E"])


# --- Kaplan-Meier ---------------------------------------------------------------------


def test_kaplan_meier_by_hand_with_censoring():
    waits = pd.DataFrame({"duration_days": [1, 2, 2, 3, 4], "observed": [True, True, False, True, False]})
    curve = lc.kaplan_meier(waits)
    assert curve["at_risk"].tolist() == [5, 4, 2, 1]
    assert curve["censored"].tolist() == [0, 1, 0, 1]
    # S(1) = 4/5; S(2) = 4/5 * 3/4 (the case censored at 2 is still at risk at 2); S(3) = 0.6 * 1/2
    assert curve["survival"].tolist() == pytest.approx([0.8, 0.6, 0.3, 0.3])
    assert curve["std_error"].iloc[0] == pytest.approx(0.8 * np.sqrt(1 / (5 * 4)))  # Greenwood
    assert curve["std_error"].iloc[2] == pytest.approx(0.3 * np.sqrt(1 / 20 + 1 / 12 + 1 / 2))
    assert (curve["ci_low"] <= curve["survival"]).all() and (curve["survival"] <= curve["ci_high"]).all()
    assert lc.median_time(curve) == 3.0
    assert lc.share_within(curve, 2.5) == pytest.approx(0.4) and lc.share_within(curve, 0.5) == 0.0


def test_kaplan_meier_rejects_negative_waits():
    with pytest.raises(DataValidationError, match=r"table 'durations', column 'duration_days': 1 row\(s\) are empty or negative, e.g. -3.0 \(row 2\)"):
        lc.kaplan_meier(pd.DataFrame({"duration_days": [2.0, -3.0], "observed": [True, True]}))


def test_kaplan_meier_recovers_a_planted_exponential_wait():
    rng = np.random.default_rng(7)
    rate = 1 / 60  # planted: mean wait 60 days
    wait, follow_up = rng.exponential(1 / rate, 4000), rng.uniform(0, 200, 4000)
    waits = pd.DataFrame({"duration_days": np.minimum(wait, follow_up), "observed": wait <= follow_up})
    curve = lc.kaplan_meier(waits)
    for days in (15, 30, 60, 120):
        row = curve.loc[curve["time"] <= days].iloc[-1]
        assert abs(row["survival"] - np.exp(-rate * days)) < 4 * row["std_error"], days
    assert lc.median_time(curve) == pytest.approx(60 * np.log(2), rel=0.1)


def _statsmodels_agrees(waits: pd.DataFrame) -> None:
    from statsmodels.duration.survfunc import SurvfuncRight

    reference = SurvfuncRight(waits["duration_days"].to_numpy(), waits["observed"].to_numpy().astype(int))
    curve = lc.kaplan_meier(waits)
    at_events = curve.loc[curve["events"] > 0]
    assert at_events["time"].to_numpy() == pytest.approx(reference.surv_times)
    assert at_events["survival"].to_numpy() == pytest.approx(reference.surv_prob, abs=1e-12)
    assert at_events["std_error"].to_numpy() == pytest.approx(reference.surv_prob_se, rel=1e-9, abs=1e-12)
    assert at_events["at_risk"].to_numpy() == pytest.approx(reference.n_risk)


def test_kaplan_meier_matches_statsmodels_on_the_bundled_company(bundled_company):
    waits = lc.time_to_next_order(bundled_company.orders)
    assert 0.3 < waits["observed"].mean() < 0.8  # plenty of both events and censored waits
    _statsmodels_agrees(waits)


def _inter_purchase_waits(orders: pd.DataFrame) -> pd.DataFrame:
    return lc.time_to_next_order(orders)


def test_kaplan_meier_matches_statsmodels_on_cdnow():
    from xsell_lab.data import adapters

    try:
        data = adapters.cdnow()
    except FileNotFoundError as missing:
        skip_test("dev extra", f"CDNOW (shipped with lifetimes) not available: {missing}")
    waits = lc.time_to_next_order(data.tables[s.ORDERS], as_of="1998-06-30")
    assert len(waits) == len(data.tables[s.ORDERS])
    _statsmodels_agrees(waits)


def test_kaplan_meier_matches_statsmodels_on_the_grocery_event_log(shared_data):
    log = pd.read_csv(shared_data / "btydplus_groceryElog.csv", dtype={"cust": str}, parse_dates=["date"])
    orders = pd.DataFrame({
        s.CUSTOMER_ID: log["cust"], s.ORDER_ID: [f"g{i}" for i in range(len(log))], s.ORDER_DATE: log["date"],
    })
    waits = lc.time_to_next_order(orders)
    _statsmodels_agrees(waits)
    # Platzer & Reutterer's grocer: regular shoppers; most come back within a quarter
    assert lc.share_within(lc.kaplan_meier(waits), 90) > 0.5


# --- waits, censoring and the best moment, by hand -------------------------------------------


@pytest.fixture
def tiny_lines():
    rows = [
        ("c1", "o1", "2024-01-01", "printer"), ("c1", "o1", "2024-01-01", "paper"), ("c1", "o2", "2024-01-21", "ink"),
        ("c2", "o3", "2024-01-10", "printer"), ("c2", "o4", "2024-03-10", "laptop"),
        ("c3", "o5", "2024-02-01", "printer"),
        ("c4", "o6", "2024-01-05", "printer"), ("c4", "o7", "2024-01-05", "ink"), ("c4", "o8", "2024-02-14", "ink"),
    ]
    lines = pd.DataFrame(rows, columns=[s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, s.CATEGORY])
    return lines.assign(**{s.ORDER_DATE: pd.to_datetime(lines[s.ORDER_DATE]), s.PRODUCT_ID: lines[s.CATEGORY]})


def test_time_to_next_order_censors_at_the_cutoff(tiny_lines):
    waits = lc.time_to_next_order(tiny_lines, as_of="2024-03-31").set_index(s.ORDER_ID)
    assert waits.loc["o1", ["duration_days", "observed"]].tolist() == [20.0, True]
    assert waits.loc["o5", ["duration_days", "observed"]].tolist() == [59.0, False]  # Feb 1 -> Mar 31
    assert waits.loc["o6", ["duration_days", "observed"]].tolist() == [0.0, True]  # same-day second order
    early = lc.time_to_next_order(tiny_lines, as_of="2024-02-01").set_index(s.ORDER_ID)
    assert "o8" not in early.index and early.loc["o7", ["duration_days", "observed"]].tolist() == [27.0, False]
    by_item = lc.time_to_next_order(tiny_lines, as_of="2024-03-31", item_column=s.CATEGORY)
    assert sorted(by_item.loc[by_item[s.ORDER_ID] == "o1", "trigger"]) == ["paper", "printer"]



def test_waits_count_calendar_days_when_orders_have_a_time_of_day(tiny_lines):
    timed = tiny_lines.assign(**{s.ORDER_DATE: tiny_lines[s.ORDER_DATE] + pd.Timedelta(hours=15, minutes=20)})
    waits = lc.time_to_next_order(timed)  # the cut-off is the last order's day, earlier than its time of day
    assert (waits["duration_days"] >= 0).all() and (waits["duration_days"] % 1 == 0).all()
    pd.testing.assert_frame_equal(waits, lc.time_to_next_order(tiny_lines))
    assert lc.best_moment(timed, pairs=[("printer", "ink")]).equals(lc.best_moment(tiny_lines, pairs=[("printer", "ink")]))


def test_time_to_category_by_hand(tiny_lines):
    waits = lc.time_to_category(tiny_lines, "printer", "ink", as_of="2024-03-31").set_index(s.CUSTOMER_ID)
    assert waits["duration_days"].to_dict() == {"c1": 20.0, "c2": 81.0, "c3": 59.0, "c4": 40.0}  # c4: the same-day ink does not count
    assert waits["observed"].to_dict() == {"c1": True, "c2": False, "c3": False, "c4": True}


def test_best_moment_by_hand(tiny_lines):
    table = lc.best_moment(tiny_lines, pairs=[("printer", "ink")], within_days=30, as_of="2024-03-31")
    row = table.iloc[0]
    assert row[["trigger_customers", "bought_later"]].tolist() == [4, 2]
    assert row["median_lag_days"] == 30.0  # lags 20 and 40
    # Kaplan-Meier: event at 20 with 4 at risk -> S(30) = 3/4
    assert row["share_within"] == pytest.approx(0.25)
    # printer orders followed by another order: o1 -> o2 (ink), o3 -> o4 (laptop), o6 -> o7 (ink)
    assert row["next_orders"] == 3 and row["next_order_probability"] == pytest.approx(2 / 3)



def test_next_item_rules_is_a_deprecated_view_of_the_next_order_rules(tiny_lines):
    with pytest.warns(FutureWarning, match="basket.next_order_rules"):
        rules = lc.next_item_rules(tiny_lines)
    # followed orders: printer o1 -> o2 (ink), o3 -> o4 (laptop), o6 -> o7 (ink); paper o1 -> o2 (ink); ink o7 -> o8 (ink, a repeat)
    assert list(zip(rules["trigger"], rules["target"])) == [("paper", "ink"), ("printer", "ink"), ("printer", "laptop")]
    assert rules[["next_orders", "next_holds"]].to_numpy().tolist() == [[1, 1], [3, 2], [3, 1]]
    assert rules["next_order_probability"].tolist() == pytest.approx([1.0, 2 / 3, 1 / 3])
    with pytest.warns(FutureWarning):
        assert list(lc.next_item_rules(tiny_lines, min_orders=2)["trigger"].unique()) == ["printer"]
    same = basket.next_order_rules(tiny_lines).set_index(["antecedent", "consequent"])
    assert same.loc[("printer", "ink"), "probability"] == rules.set_index(["trigger", "target"]).loc[("printer", "ink"), "next_order_probability"]


def test_old_parameter_names_still_work_with_a_warning(tiny_lines):
    with pytest.warns(FutureWarning, match="cutoff= is now as_of="):
        old = lc.time_to_category(tiny_lines, "printer", "ink", cutoff="2024-03-31")
    pd.testing.assert_frame_equal(old, lc.time_to_category(tiny_lines, "printer", "ink", as_of="2024-03-31"))
    with pytest.warns(FutureWarning, match="item_col= is now item_column="):
        lc.best_moment(tiny_lines, pairs=[("printer", "ink")], item_col=s.CATEGORY)


def test_kaplan_meier_is_re_exported_from_the_statistics_kernel():
    from xsell_lab.stats import survival

    assert lc.kaplan_meier is survival.kaplan_meier and lc.share_within is survival.share_within
    assert lc.median_time is survival.median_time and lc.KAPLAN_MEIER_COLUMNS[5] == "std_error"


def test_choose_timing_pair_by_hand(tiny_lines):
    # customers per item: printer 4, ink 2, laptop 1, paper 1 (ties by name)
    chosen = lc.choose_timing_pair(tiny_lines, min_orders=2)
    assert chosen[["trigger", "target", "baseline", "next_orders"]].tolist() == ["printer", "ink", "laptop", 3]
    assert chosen["next_order_probability"] == pytest.approx(2 / 3) and chosen["chosen_by_data"]
    assert lc.choose_timing_pair(tiny_lines, min_orders=1)[["trigger", "target", "baseline"]].tolist() == ["paper", "ink", "printer"]
    given = lc.choose_timing_pair(tiny_lines, "printer", "laptop", "paper")
    assert given[["trigger", "target", "baseline"]].tolist() == ["printer", "laptop", "paper"] and not given["chosen_by_data"]
    assert lc.choose_timing_pair(tiny_lines, target="laptop", min_orders=1)["trigger"] == "printer"
    within = lc.choose_timing_pair(tiny_lines, triggers=["laptop", "paper"], min_orders=1)
    assert within[["trigger", "target", "baseline"]].tolist() == ["paper", "ink", "laptop"]


def test_choose_timing_pair_errors_name_the_column_and_the_values(tiny_lines):
    with pytest.raises(ValueError, match=r"trigger 'tablet' is not a value of column 'category'.*most frequent: printer, ink, laptop, paper"):
        lc.choose_timing_pair(tiny_lines, "tablet")
    with pytest.raises(ValueError, match="baseline 'ink' must differ"):
        lc.choose_timing_pair(tiny_lines, "printer", "ink", "ink")
    with pytest.raises(ValueError, match=r"no order holding trigger 'ink' is followed by an order holding target 'paper'"):
        lc.choose_timing_pair(tiny_lines, "ink", "paper")
    two_items = tiny_lines[tiny_lines[s.CATEGORY].isin(["printer", "ink"])]
    with pytest.raises(ValueError, match="No baseline left"):
        lc.choose_timing_pair(two_items, min_orders=1)


# --- planted truth of the bundled company ---------------------------------------------------


@pytest.fixture(scope="module")
def company_stages(bundled_company, ground_truth):
    c = bundled_company
    k = ground_truth["lifecycle"]["loyalty_min_orders"]
    return lc.customer_stages(c.customers, c.orders, marketing_events=c.marketing_events, surveys=c.surveys, loyalty_min_orders=k)


def _within(estimate: float, truth: float, n: int, z: float = 4.0) -> bool:
    return abs(estimate - truth) <= z * np.sqrt(truth * (1 - truth) / n)


def test_funnel_recovers_planted_probabilities_and_lags(company_stages, ground_truth):
    truth = ground_truth["funnel"]
    funnel = lc.stage_funnel(company_stages).set_index("stage")
    for stage, key in (("consideration", "p_consideration_given_awareness"), ("purchase", "p_purchase_given_consideration")):
        row = funnel.loc[stage]
        assert _within(row["conversion_rate"], truth[key], row["from_previous"]), (stage, row["conversion_rate"], truth[key])
    for stage, key in (("consideration", "mean_lag_awareness_to_consideration_days"), ("purchase", "mean_lag_consideration_to_purchase_days")):
        mean, n = funnel.loc[stage, "mean_days_from_previous"], funnel.loc[stage, "converted"]
        se = truth[key] / np.sqrt(2) / np.sqrt(n)  # Gamma(shape 2): sd = mean / sqrt(2)
        assert abs(mean - truth[key]) <= 4 * se + 0.5, (stage, mean, truth[key])  # + half a day of rounding


def test_referral_rates_reveal_the_loyalty_threshold(company_stages, ground_truth):
    truth = ground_truth["lifecycle"]
    buyers = company_stages[company_stages["n_orders"] > 0]
    rate = buyers.assign(referred=buyers["referrals"] > 0).groupby(np.minimum(buyers["n_orders"], 8))["referred"].mean()
    threshold = int(rate[rate > 0.1].index.min())  # loyal buyers refer at >= 0.2, others at 0.02
    assert threshold == truth["loyalty_min_orders"], rate.to_dict()


def test_referral_probabilities_recovered(company_stages, ground_truth):
    truth = ground_truth["lifecycle"]
    buyers = company_stages[company_stages["n_orders"] > 0]
    loyal, referred = buyers["loyalty_date"].notna(), buyers["referrals"] > 0
    surveyed, promoter = buyers["last_nps"].notna(), buyers["last_nps"] >= truth["promoter_min_nps"]
    groups = {
        "p_referral_loyal_promoter": loyal & promoter,
        "p_referral_loyal_other": loyal & surveyed & ~promoter,
        "p_referral_nonloyal_buyer": ~loyal,
    }
    for key, members in groups.items():
        n = int(members.sum())
        assert n >= 30, key
        assert _within(referred[members].mean(), truth[key], n), (key, referred[members].mean(), truth[key], n)
    assert (buyers["referrals"] <= 1).all()


def test_loyal_means_at_least_k_orders(company_stages, ground_truth):
    k = ground_truth["lifecycle"]["loyalty_min_orders"]
    assert (company_stages["loyalty_date"].notna() == (company_stages["n_orders"] >= k)).all()
    assert (company_stages["n_orders"] >= k).sum() > 100


def test_next_order_probabilities_recovered_by_segment(bundled_lines, ground_truth):
    lines = bundled_lines
    for trigger, truth in ground_truth["next_purchase"].items():
        if not isinstance(truth, dict):
            continue
        for segment, expected in truth["expected_next_order_contains_by_segment"].items():
            row = lc.best_moment(lines[lines[s.SEGMENT] == segment], pairs=[(trigger, truth["next_category"])]).iloc[0]
            assert _within(row["next_order_probability"], expected, row["next_orders"]), (trigger, segment, row.to_dict(), expected)



def test_choose_timing_pair_recovers_the_planted_next_purchases(bundled_lines, ground_truth):
    lines = bundled_lines
    planted = {trigger: truth for trigger, truth in ground_truth["next_purchase"].items() if isinstance(truth, dict)}
    for trigger, truth in planted.items():
        assert lc.choose_timing_pair(lines, trigger)["target"] == truth["next_category"], trigger
    main_products = kpis.top_primary_items(lines)
    chosen = lc.choose_timing_pair(lines, triggers=main_products)
    strongest = max(planted, key=lambda trigger: planted[trigger]["probability"])
    assert (chosen["trigger"], chosen["target"]) == (strongest, planted[strongest]["next_category"])
    assert chosen["baseline"] == main_products[0] != chosen["trigger"]
    # an independent count: best_moment's next-order view goes through time_to_next_order
    moment = lc.best_moment(lines, pairs=[(chosen["trigger"], chosen["target"])]).iloc[0]
    assert chosen["next_orders"] == moment["next_orders"]
    assert chosen["next_order_probability"] == pytest.approx(moment["next_order_probability"])


def test_best_moment_on_the_company_is_consistent_with_kaplan_meier(bundled_lines):
    lines = bundled_lines
    row = lc.best_moment(lines, pairs=[("printer", "ink")], within_days=60).iloc[0]
    curve = lc.kaplan_meier(lc.time_to_category(lines, "printer", "ink"))
    assert row["share_within"] == pytest.approx(lc.share_within(curve, 60))
    assert row["lag_p25_days"] <= row["median_lag_days"] <= row["lag_p75_days"]
    default = lc.best_moment(lines)
    assert ("printer", "ink") in set(zip(default["trigger"], default["target"]))
    assert default["share_within"].is_monotonic_decreasing


# --- plots ------------------------------------------------------------------------------------


def test_plots_draw_on_the_given_axes(tiny):
    import matplotlib.pyplot as plt

    from xsell_lab.plots import lifecycle as plots

    before, after = _stages(tiny, as_of="2024-01-02").reset_index(), _stages(tiny, as_of="2024-06-30").reset_index()
    curve = lc.kaplan_meier(pd.DataFrame({"duration_days": [1, 2, 3], "observed": [True, False, True], "g": ["a", "a", "b"]}), by="g")
    fig, axes = plt.subplots(1, 4)
    try:
        assert plots.plot_funnel(lc.stage_funnel(after), ax=axes[0]) is axes[0]
        assert len(axes[0].patches) == len(s.LIFECYCLE_STAGES)
        assert plots.plot_stage_distribution(lc.stage_distribution(after, by=s.SEGMENT), s.SEGMENT, ax=axes[1]) is axes[1]
        assert plots.plot_transition_heatmap(lc.stage_transitions(before, after), ax=axes[2]) is axes[2]
        assert plots.plot_survival_curves(curve, by="g", mark_days=2, ax=axes[3]) is axes[3]
        assert [line.get_label() for line in axes[3].get_lines()][:2] == ["a", "b"]
    finally:
        plt.close(fig)


# --- offer_timing: when to offer B after A -------------------------------------------


def test_offer_timing_by_hand(tiny_lines):
    row = lc.offer_timing(tiny_lines, anchor="printer", add_on="ink", as_of="2024-03-31").iloc[0]
    # c4 bought ink on the day of the printer; c1 (day 20), c2 and c3 (never) waited
    assert row[["anchor_customers", "same_basket", "waiting", "later_buyers"]].tolist() == [4, 1, 3, 1]
    assert row["same_basket_share"] == pytest.approx(0.25)
    assert row["same_basket_ci_low"] < 0.25 < row["same_basket_ci_high"]
    # Kaplan-Meier among the 3 waiting: one event at day 20 with 3 at risk -> 1/3 by day 30 and by day 90
    assert row["later_30d"] == pytest.approx(1 / 3) and row["later_90d"] == pytest.approx(1 / 3)
    assert row["median_delay_days"] == 20.0 and np.isnan(row["median_delay_ci_low"])  # one buyer: no interval
    assert row["censoring"] == "kaplan_meier" and not row["chosen_by_data"]
    assert list(lc.offer_timing(tiny_lines, anchor="printer", add_on="ink").columns) == lc.OFFER_TIMING_COLUMNS


def test_offer_timing_refuses_a_window_below_one_day_and_unknown_items(tiny_lines):
    with pytest.raises(ValueError, match="within_days"):
        lc.offer_timing(tiny_lines, anchor="printer", add_on="ink", within_days=(0,))
    with pytest.raises(ValueError, match="toaster"):
        lc.offer_timing(tiny_lines, anchor="toaster", add_on="ink")


def _timing_recount(lines: pd.DataFrame, anchor: str, add_on: str) -> dict:
    """An independent pandas recount of offer_timing's counts, from the raw lines."""
    day = lines[s.ORDER_DATE].dt.normalize()
    first = day[lines[s.CATEGORY] == anchor].groupby(lines[s.CUSTOMER_ID]).min().rename("first")
    b_days = pd.DataFrame({s.CUSTOMER_ID: lines[s.CUSTOMER_ID], "day": day})[lines[s.CATEGORY] == add_on].drop_duplicates()
    joined = b_days.merge(first, left_on=s.CUSTOMER_ID, right_index=True)
    same = set(joined.loc[joined["day"] == joined["first"], s.CUSTOMER_ID])
    later = joined[(joined["day"] > joined["first"]) & ~joined[s.CUSTOMER_ID].isin(same)]
    lag = (later.groupby(s.CUSTOMER_ID)["day"].min() - first.reindex(later[s.CUSTOMER_ID].unique())).dt.days
    return {"anchor_customers": len(first), "same_basket": len(same), "later_buyers": len(lag), "median": float(lag.median()),
            "first": first, "same": same, "lag": lag}


def test_offer_timing_matches_a_pandas_recount_and_statsmodels(bundled_lines):
    from statsmodels.duration.survfunc import SurvfuncRight

    pairs = [("printer", "ink"), ("smartphone", "phone_case"), ("laptop", "software")]
    table = lc.offer_timing(bundled_lines, pairs=pairs)
    end = bundled_lines[s.ORDER_DATE].max().normalize()
    for (anchor, add_on), row in zip(pairs, table.to_dict("records")):
        recount = _timing_recount(bundled_lines, anchor, add_on)
        assert row["anchor_customers"] == recount["anchor_customers"] and row["same_basket"] == recount["same_basket"]
        assert row["later_buyers"] == recount["later_buyers"] and row["median_delay_days"] == recount["median"]
        assert row["median_delay_ci_low"] <= row["median_delay_days"] <= row["median_delay_ci_high"]
        waiting = recount["first"].drop(list(recount["same"]))
        duration = recount["lag"].reindex(waiting.index).fillna((end - waiting).dt.days)
        observed = waiting.index.isin(recount["lag"].index)
        reference = SurvfuncRight(duration.to_numpy(dtype=float), observed.astype(float))
        for days in (30, 90):
            times = reference.surv_times <= days
            expected = 1 - (reference.surv_prob[times][-1] if times.any() else 1.0)
            assert row[f"later_{days}d"] == pytest.approx(expected, rel=1e-9)
            assert row[f"later_{days}d_ci_low"] <= row[f"later_{days}d"] <= row[f"later_{days}d_ci_high"]


def test_offer_timing_recovers_the_planted_attach_probabilities(bundled_lines, ground_truth):
    """A device is only ever an order's anchor, so its first purchase is an anchored basket: the
    same-basket share of its planted complements is their expected conditional frequency. The
    interval is at 99.99 % (about 3.9 standard errors, as tests/test_basket_truth.py allows 4)."""
    expected = ground_truth["baskets"]["expected_conditional_frequency"]
    pairs = [(anchor, add_on) for anchor, add_ons in expected.items() for add_on in add_ons if add_on != "warranty"]
    table = lc.offer_timing(bundled_lines, pairs=pairs, confidence=0.9999)
    assert len(table) >= 15
    for row in table.to_dict("records"):
        p = expected[row["anchor"]][row["add_on"]]
        assert row["same_basket_ci_low"] <= p <= row["same_basket_ci_high"], (row["anchor"], row["add_on"], row["same_basket_share"], p)


def test_offer_timing_chooses_the_planted_next_purchase(bundled_lines, ground_truth):
    chosen = lc.offer_timing(bundled_lines).iloc[0]
    planted = ground_truth["next_purchase"]
    planted = {anchor: value for anchor, value in planted.items() if isinstance(value, dict)}
    best = max(planted, key=lambda anchor: planted[anchor]["probability"])
    assert (chosen["anchor"], chosen["add_on"]) == (best, planted[best]["next_category"]) and chosen["chosen_by_data"]
    # consumables come back later, accessories come in the basket: the timing differs by kind of pair
    accessory = lc.offer_timing(bundled_lines, anchor="smartphone", add_on="phone_case").iloc[0]
    assert accessory["later_90d_ci_high"] < chosen["later_90d_ci_low"]


def test_offer_timing_text_states_the_row_and_the_moment(tiny_lines):
    row = lc.offer_timing(tiny_lines, anchor="printer", add_on="ink", as_of="2024-03-31").iloc[0]
    text = lc.offer_timing_text(row, {"printer": "Printer", "ink": "Ink"})
    assert text.startswith("Of 4 Printer buyers, 25% (interval ")
    assert "of the 3 who did not, 33% (" in text and "after a median 20 days for the 1 who bought it later" in text
    # one same-day buyer, 3 x 1/3 = 1 later buyer within 90 days: a tie goes to the basket
    assert "The moment for Ink is the basket" in text
    assert row["moment"] == "basket"
    assert lc.offer_timing_answer(row) == "For printer -> ink the moment is the basket: 25% of printer buyers took ink with it, and 33% of the others within 90 days."
    no_basket = lc.offer_timing(tiny_lines.drop(index=7), anchor="printer", add_on="ink", as_of="2024-03-31").iloc[0]  # c4's same-day ink
    assert no_basket["moment"] == "later" and "The moment for ink is later" in lc.offer_timing_text(no_basket)
    assert "the moment is later, not the basket" in lc.offer_timing_answer(no_basket)


def test_time_to_category_waiting_only_is_the_population_of_offer_timing(tiny_lines, bundled_lines):
    waits = lc.time_to_category(tiny_lines, "printer", "ink", as_of="2024-03-31", waiting_only=True)
    assert sorted(waits[s.CUSTOMER_ID]) == ["c1", "c2", "c3"]  # c4 took ink on the printer's day
    row = lc.offer_timing(bundled_lines, anchor="printer", add_on="ink").iloc[0]
    curve = lc.kaplan_meier(lc.time_to_category(bundled_lines, "printer", "ink", waiting_only=True))
    assert lc.share_within(curve, 30) == pytest.approx(row["later_30d"]) and curve["at_risk"].iloc[0] == row["waiting"]


def test_offer_timing_does_not_choose_a_pair_seen_in_a_handful_of_orders(tiny_lines):
    with pytest.raises(ValueError, match="20 times or more"):
        lc.offer_timing(tiny_lines)  # ink fills two printer next orders: too few to choose
    assert lc.offer_timing(tiny_lines, anchor="printer", add_on="laptop").loc[0, "add_on"] == "laptop"  # a given pair is measured
