"""The sales playbook (xsell_lab.playbook): against the planted next purchases, a recount and statsmodels."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import xsell_lab
from xsell_lab import catalogue, playbook
from xsell_lab.data import profile
from xsell_lab.experiments import feedback
from xsell_lab.data import schema as s

from planted_offers import planted_offer_rates


@pytest.fixture(scope="module")
def kept(bundled_company):
    return xsell_lab.kept_lines(bundled_company)


@pytest.fixture(scope="module")
def as_of(bundled_company):
    return profile.period(bundled_company)[1]


@pytest.fixture(scope="module")
def rules(kept):
    return playbook.reasons(kept)


@pytest.fixture(scope="module")
def calls(kept, rules, bundled_company, as_of):
    return playbook.call_list(kept, bundled_company.customers, rules, as_of=as_of, top=10)


def test_the_planted_next_purchase_is_each_trigger_s_strongest_reason(rules, ground_truth):
    planted = {key: value for key, value in ground_truth["next_purchase"].items() if isinstance(value, dict)}
    assert len(planted) == 3
    for trigger, truth in planted.items():
        mine = rules[rules["antecedent"] == trigger]
        assert mine.iloc[0][["consequent", "evidence"]].tolist() == [truth["next_category"], "strong"], trigger


def test_a_reason_is_a_pandas_recount_with_statsmodels_interval(kept, rules, as_of):
    rule = rules.iloc[0]
    days = kept.assign(day=kept[s.ORDER_DATE].dt.normalize())
    first_a = days[days[s.CATEGORY] == rule["antecedent"]].groupby(s.CUSTOMER_ID)["day"].min()
    first_a = first_a[first_a + pd.Timedelta(days=90) <= as_of]  # complete windows only
    b_days = days[days[s.CATEGORY] == rule["consequent"]][[s.CUSTOMER_ID, "day"]]
    joined = b_days.merge(first_a.rename("start").reset_index(), on=s.CUSTOMER_ID)
    lag = (joined["day"] - joined["start"]).dt.days
    buyers = joined.loc[(lag > 0) & (lag <= 90), s.CUSTOMER_ID].nunique()
    assert (rule["antecedent_customers"], rule["count"]) == (len(first_a), buyers)
    low, high = proportion_confint(buyers, len(first_a), alpha=0.05, method="wilson")
    assert (rule["ci_low"], rule["ci_high"]) == pytest.approx((low, high))
    assert (rules["lift"] > 1).all() and set(rules["evidence"]) <= set(playbook.EVIDENCE)
    corrected, _ = proportion_confint(rules["count"], rules["antecedent_customers"], alpha=0.05 / len(rules), method="wilson")
    assert ((rules["evidence"] == "strong") == (corrected > rules["baseline"])).all()
    assert (rules.loc[rules["evidence"] == "strong", "ci_low"] > rules.loc[rules["evidence"] == "strong", "baseline"]).all()


def test_each_call_offers_an_item_not_held_after_one_bought_inside_the_window(calls, kept, as_of):
    assert len(calls) == 10 and calls[s.REVENUE].is_monotonic_decreasing
    seen = kept[kept[s.ORDER_DATE] <= as_of]
    spend = seen.groupby(s.CUSTOMER_ID)[s.REVENUE].sum()
    for call in calls.itertuples(index=False):
        mine = seen[seen[s.CUSTOMER_ID] == call.customer_id]
        assert call.item not in set(mine[s.CATEGORY])
        assert mine.loc[mine[s.CATEGORY] == call.because, s.ORDER_DATE].min() == call.bought_on
        assert (as_of - call.bought_on).days <= 90 and call.due_date > as_of
        assert call.revenue == pytest.approx(spend[call.customer_id])
        assert f"{call.count:,} ({call.probability:.0%}) added {call.item}" in call.reason
        assert call.count >= playbook.MIN_BUYERS


def test_the_verdicts_stop_the_customers_without_consent(calls, kept, bundled_company, as_of):
    customers = bundled_company.customers.copy()
    refused = calls[s.CUSTOMER_ID].iloc[[0, 3]]
    customers.loc[customers[s.CUSTOMER_ID].isin(refused), s.MARKETING_CONSENT] = False
    judged = playbook.with_verdicts(calls, customers, as_of=as_of, lines=kept)
    consent = customers.set_index(s.CUSTOMER_ID)[s.MARKETING_CONSENT].reindex(calls[s.CUSTOMER_ID]).fillna(False).to_numpy()
    assert (judged["verdict"][~consent].str.contains("consent")).all()
    assert judged["verdict"].iloc[[0, 3]].str.contains("consent").all()
    assert (judged["verdict"] == "call").any()


def test_role_play_cards_name_no_customer_and_pick_the_objection_from_the_data(calls, kept, as_of, bundled_company):
    labels = catalogue.item_labels(bundled_company.products, "category")
    cards = playbook.role_play_cards(calls, kept, as_of=as_of, labels=labels)
    assert cards["call"].tolist() == list(range(1, len(calls) + 1))
    text = " ".join(cards[["situation", "objection", "answer"]].to_numpy().ravel())
    assert not any(customer in text for customer in calls[s.CUSTOMER_ID])
    last = kept.groupby(s.CUSTOMER_ID)[s.ORDER_DATE].max().reindex(calls[s.CUSTOMER_ID])
    recent = ((as_of - last).dt.days <= playbook.RECENT_ORDER_DAYS).to_numpy()
    assert (cards["objection"] == "We only just ordered from you.").to_numpy().tolist() == recent.tolist()


def test_a_call_list_on_a_tiny_shop():
    lines = pd.DataFrame({
        s.CUSTOMER_ID: ["a", "a", "b", "b", "c"], s.ORDER_ID: ["1", "2", "3", "4", "5"],
        s.ORDER_DATE: pd.to_datetime(["2024-01-01", "2024-01-10", "2024-02-01", "2024-02-05", "2024-06-20"]),
        s.CATEGORY: ["x", "y", "x", "y", "x"], s.REVENUE: [10.0, 5.0, 10.0, 5.0, 30.0], s.CHANNEL: "web",
    })
    rules = pd.DataFrame({"antecedent": ["x", "x"], "consequent": ["z", "y"], "antecedent_customers": [20, 20],
                          "count": [playbook.MIN_BUYERS - 1, 12], "probability": [0.9, 0.6], "ci_low": [0.6, 0.39],
                          "ci_high": [0.98, 0.78], "baseline": [0.1, 0.3], "lift": [9.0, 2.0], "median_lag_days": [3, 6.5],
                          "within_days": [30, 30], "evidence": ["strong", "strong"]})
    calls = playbook.call_list(lines, pd.DataFrame({s.CUSTOMER_ID: ["a", "b", "c"]}), rules, as_of="2024-06-30")
    # z is followed by too few customers to be said; only c's window is open; a and b hold y already
    assert calls[[s.CUSTOMER_ID, "item", s.CHANNEL]].values.tolist() == [["c", "y", "web"]]
    assert calls["due_date"].iloc[0] == pd.Timestamp("2024-07-01")  # 2024-06-26 has passed: the day after as_of
    assert calls["reason"].iloc[0].startswith("Of 20 customers who bought x, 12 (60%) added y within 30 days, half of them within 6 days")
    # no guardrail stops c: the verdict is "call", without a pandas warning about filling floats with text
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        customers = pd.DataFrame({s.CUSTOMER_ID: ["a", "b", "c"], s.MARKETING_CONSENT: True, s.PREFERRED_CHANNEL: "web"})
        verdicts = playbook.with_verdicts(calls, customers, as_of="2024-06-30", lines=lines)
    assert verdicts["verdict"].tolist() == ["call"]


def test_the_over_selling_check_recounts_with_duckdb_and_finds_no_planted_fatigue(bundled_company, ground_truth):
    offers, customers = bundled_company.offers, bundled_company.customers
    table = playbook.response_by_offers_received(offers).set_index("offers_before")
    recount = duckdb.sql("""
        with sent as (select *, row_number() over (partition by customer_id order by offer_date, offer_id) - 1 as n
                      from offers where variant <> 'control')
        select case when n >= 2 then '2+' else cast(n as varchar) end as g, count(*) as offers, sum(accepted::int) as accepted
        from sent group by g order by g
    """).df().set_index("g")
    assert table[["offers", "accepted"]].to_dict() == recount[["offers", "accepted"]].astype(int).to_dict()
    # the simulator plants no fatigue: each group accepts at the planted rates of its offers' arms and segments
    sent = offers[offers[s.VARIANT] != "control"].sort_values([s.CUSTOMER_ID, s.OFFER_DATE, s.OFFER_ID], kind="stable")
    planted = _planted_rate(sent, customers, ground_truth)
    group = sent.groupby(s.CUSTOMER_ID).cumcount().clip(upper=2).map({0: "0", 1: "1", 2: "2+"})
    for name, expected in planted.groupby(group).mean().items():
        n, observed = table.loc[name, "offers"], table.loc[name, "rate"]
        assert abs(observed - expected) < 4 * (expected * (1 - expected) / n) ** 0.5, name
    assert (table["ci_low"] <= table["rate"]).all() and (table["rate"] <= table["ci_high"]).all()


def _planted_rate(offers, customers, ground_truth):
    """The planted conversion rate of each offer (its arm's rate, by segment or by kind of customer where planted so)."""
    segment = customers.set_index(s.CUSTOMER_ID)[s.SEGMENT]
    return planted_offer_rates(ground_truth, offers.assign(**{s.SEGMENT: offers[s.CUSTOMER_ID].map(segment)}))


def test_offer_stages_recount_with_duckdb(bundled_company, kept):
    offers = bundled_company.offers
    stages = playbook.offer_stages(offers, kept, lapsed_days=365)
    connection = duckdb.connect()
    connection.register("offers", offers)
    connection.register("orders", kept.groupby(s.ORDER_ID).agg(customer_id=(s.CUSTOMER_ID, "first"), day=(s.ORDER_DATE, "min")).reset_index())
    recount = connection.sql("""
        select o.offer_id, count(r.day) as n, max(r.day) as last, any_value(o.offer_date) as offer_date
        from offers o left join orders r on r.customer_id = o.customer_id and cast(r.day as date) < cast(o.offer_date as date)
        group by o.offer_id
    """).df().set_index("offer_id").reindex(offers[s.OFFER_ID])
    gap = (pd.to_datetime(recount["offer_date"]).dt.normalize() - pd.to_datetime(recount["last"]).dt.normalize()).dt.days
    expected = ["prospect" if n == 0 else "lapsed" if g > 365 else "first_time_buyer" if n == 1 else "repeat_buyer"
                for n, g in zip(recount["n"], gap)]
    assert stages.tolist() == expected
    assert set(stages) <= set(playbook.BUYER_STAGES)
    # the planted offers follow a purchase by a few days (ground truth: offer_delay_days), so almost nobody is a prospect
    assert (stages == "prospect").mean() < 0.05


def test_tactics_by_stage_recount_and_planted_rates(bundled_company, kept, ground_truth):
    offers, customers = bundled_company.offers, bundled_company.customers
    stages = playbook.offer_stages(offers, kept)
    table = playbook.tactics_by_stage(offers, stages)
    frame = offers.assign(stage=stages, planted=_planted_rate(offers, customers, ground_truth))
    for row in table.itertuples(index=False):
        arm = frame[(frame["stage"] == row.stage) & (frame[s.EXPERIMENT_ID] == row.experiment_id) & (frame[s.VARIANT] == row.variant)]
        control = frame[(frame["stage"] == row.stage) & (frame[s.EXPERIMENT_ID] == row.experiment_id) & (frame[s.VARIANT] == "control")]
        assert (row.offers, row.accepted, row.control_offers) == (len(arm), int(arm[s.ACCEPTED].sum()), len(control))
        low, high = proportion_confint(row.accepted, row.offers, method="wilson")
        assert row.ci_low == pytest.approx(low) and row.ci_high == pytest.approx(high)
        if row.offers >= 100:  # the observed rate sits near the planted one (the stage was not planted: no effect of it)
            expected = arm["planted"].mean()
            assert abs(row.rate - expected) < 4 * (expected * (1 - expected) / row.offers) ** 0.5, row
        if row.offers >= 100 and row.control_offers >= 100:
            p_t, p_c = arm["planted"].mean(), control["planted"].mean()
            sd = (p_t * (1 - p_t) / row.offers + p_c * (1 - p_c) / row.control_offers) ** 0.5
            assert abs(row.uplift - (p_t - p_c)) < 4 * sd, row  # 4 sd: a dozen arms, none may miss by chance
    best = playbook.best_tactics(table)
    assert best["stage"].is_unique and set(best["stage"]) <= set(playbook.BUYER_STAGES)
    assert (best["data_backs"] == (best["uplift_ci_low"] > 0)).all()
    assert (best["document_tactic"] == best["stage"].map(playbook.DOCUMENT_TACTICS).where(best["data_backs"], "")).all()
    for row in best.itertuples(index=False):
        candidates = table[(table["stage"] == row.stage) & (table["offers"] >= 30)]
        assert row.uplift_ci_low == candidates["uplift_ci_low"].max()


def test_tactics_by_stage_on_a_tiny_history():
    offers = pd.DataFrame({
        s.OFFER_ID: ["o1", "o2", "o3", "o4"], s.CUSTOMER_ID: ["a", "b", "c", "d"],
        s.OFFER_DATE: pd.to_datetime(["2024-03-01"] * 4), s.EXPERIMENT_ID: ["E"] * 4,
        s.VARIANT: ["sms", "sms", "control", "control"], s.CHANNEL: ["sms", "sms", "none", "none"],
        s.PRODUCT_ID: ["p"] * 4, s.ACCEPTED: [True, False, False, False]})
    lines = pd.DataFrame({s.CUSTOMER_ID: ["a", "b", "b", "c", "d"], s.ORDER_ID: ["1", "2", "3", "4", "5"],
                          s.ORDER_DATE: pd.to_datetime(["2024-02-01", "2024-01-01", "2024-02-20", "2024-03-01", "2022-01-01"])})
    stages = playbook.offer_stages(offers, lines, lapsed_days=365)
    # c's order is on the offer day: not before it; d's last order is two years old
    assert stages.tolist() == ["first_time_buyer", "repeat_buyer", "prospect", "lapsed"]
    table = playbook.tactics_by_stage(offers, stages)
    assert table["stage"].tolist() == ["first_time_buyer", "repeat_buyer"]
    assert table["control_offers"].tolist() == [0, 0] and table["uplift_ci_low"].isna().all()
    assert playbook.best_tactics(table).empty


def test_channels_weighed_recount_with_duckdb_and_planted_uplift(bundled_company, kept, ground_truth):
    offers, opt_outs, customers = bundled_company.offers, bundled_company.opt_outs, bundled_company.customers
    table = playbook.channels_weighed(offers, kept, opt_outs, costs={"sms": 0.1}, default_cost=2.0).set_index(s.CHANNEL)
    recount = duckdb.sql("""
        select channel, count(*) as offers, sum(accepted::int) as accepted from offers where variant <> 'control' group by channel
    """).df().set_index("channel")
    assert table[["offers", "accepted"]].sort_index().to_dict() == recount.astype(int).sort_index().to_dict()
    # the planted uplift of each channel: its offers' planted rates minus their experiment's planted control rate
    frame = offers.assign(planted=_planted_rate(offers, customers, ground_truth))
    control = frame[frame[s.VARIANT] == "control"].groupby(s.EXPERIMENT_ID)["planted"].mean()
    sent = frame[frame[s.VARIANT] != "control"]
    planted = (sent["planted"] - sent[s.EXPERIMENT_ID].map(control)).groupby(sent[s.CHANNEL]).mean()
    for channel, expected in planted.items():
        row = table.loc[channel]
        sd = (row["uplift_ci_high"] - row["uplift_ci_low"]) / (2 * 1.959964)
        assert abs(row["uplift"] - expected) < 4 * sd, channel
    # the costs: given where given, else the default, and the cost per extra sale is cost / uplift
    assert table["cost_per_contact"].to_dict() == {c: (0.1 if c == "sms" else 2.0) for c in table.index}
    assert table["cost_given"].to_dict() == {c: c == "sms" for c in table.index}
    assert (table["cost_per_extra_sale"] == table["cost_per_contact"] / table["uplift"]).all()
    # opt-outs: recount the contacts followed by the customer's first opt-out in (0, 60] days
    first = opt_outs.groupby(s.CUSTOMER_ID)[s.OPT_OUT_DATE].min()
    days = (offers[s.CUSTOMER_ID].map(first) - offers[s.OFFER_DATE]).dt.days
    still = ~(days <= 0)  # offers after the opt-out are not contacts
    contacted = offers[still & (offers[s.VARIANT] != "control")]
    out = days[contacted.index].between(1, 60)
    assert table["contacts"].to_dict() == contacted.groupby(s.CHANNEL).size().to_dict()
    assert table["opted_out"].to_dict() == out.groupby(contacted[s.CHANNEL]).sum().astype(int).to_dict()


def test_the_channel_for_a_customer_is_the_preferred_one_only_when_it_performs():
    weighed = pd.DataFrame({s.CHANNEL: ["sms", "email", "app"], "uplift_ci_low": [0.05, 0.08, -0.01]})
    customers = pd.DataFrame({s.CUSTOMER_ID: ["a", "b", "c"], s.PREFERRED_CHANNEL: ["sms", "app", None]})
    aid = playbook.channel_for_customer(customers, weighed)
    assert aid[s.CHANNEL].tolist() == ["sms", "email", "email"]
    assert aid["reason"].str.startswith(("their preferred", "the best measured", "the best measured")).all()
    none = playbook.channel_for_customer(customers, weighed.assign(uplift_ci_low=-0.01))
    assert none[s.CHANNEL].isna().all() and (none["reason"] == "no channel has an uplift proven above zero").all()
    assert playbook.parse_costs("email=0.05, sms = 0.1") == {"email": 0.05, "sms": 0.1}
    with pytest.raises(ValueError):
        playbook.parse_costs("email")


def test_the_overselling_check_finds_the_planted_opt_outs(bundled_company, ground_truth):
    offers, opt_outs, events = bundled_company.offers, bundled_company.opt_outs, bundled_company.marketing_events
    table = playbook.overselling_check(offers, opt_outs).set_index("offers_before")
    response = playbook.response_by_offers_received(offers).set_index("offers_before")
    assert table[["offers", "accepted"]].equals(response[["offers", "accepted"]])
    # planted: (p_first + p_per_earlier x offers before) x the multiplier after a support contact
    truth = ground_truth["feedback"]
    contacts = feedback.offer_contacts(offers, opt_outs, events)
    contacts = contacts[contacts["contacted"]]
    p = (truth["p_opt_out_first_offer"] + truth["p_opt_out_per_earlier_offer"] * contacts["offers_before"]) * np.where(
        contacts["support_before"].astype(bool), truth["opt_out_multiplier_after_support"], 1.0)
    group = contacts["offers_before"].clip(upper=2).map({0: "0", 1: "1", 2: "2+"})
    for name, expected in p.groupby(group).mean().items():
        n, observed = table.loc[name, "contacts"], table.loc[name, "opt_out_rate"]
        assert abs(observed - expected) < 4 * (expected * (1 - expected) / n) ** 0.5 + 1e-9, name
    assert table.loc["1", "opt_out_ci_low"] > table.loc["0", "opt_out_ci_high"]  # planted over-selling shows


def test_the_commission_simulation_adds_up():
    inputs = pd.Series({"acceptance": 0.2, "revenue_per_sale": 50.0, "margin_rate": 0.4, "margin_measured": True,
                        "return_rate": 0.1, "opt_out_rate": 0.02, "opt_out_rate_more": 0.1})
    table = playbook.commission_simulation(inputs, contacts=1000, commission_rate=0.1, extra_contacts=0.5,
                                           pushed_acceptance=0.5, pushed_returns=2.0).set_index("scenario")
    plain, paid = table.loc["no commission"], table.loc["commission"]
    # by hand: 1,000 offers x 20% = 200 sales, 20 returned, 180 kept, 9,000 revenue, 3,600 margin, 20 opt-outs
    assert plain[["contacts", "sales", "returned", "kept_sales", "revenue", "margin", "commission", "margin_after_commission",
                  "opt_outs"]].tolist() == pytest.approx([1000, 200, 20, 180, 9000, 3600, 0, 3600, 20])
    # plus 500 pushed offers x 10% = 50 sales, 20% returned = 10, 40 kept; 220 kept in all, 11,000 revenue, 4,400 margin,
    # 1,100 commission, 3,300 left; opt-outs 20 + 500 x 10% = 70; acceptance 250 / 1,500
    assert paid[["contacts", "sales", "returned", "kept_sales", "revenue", "margin", "commission", "margin_after_commission",
                 "opt_outs", "acceptance"]].tolist() == pytest.approx([1500, 250, 30, 220, 11000, 4400, 1100, 3300, 70, 250 / 1500])
    with pytest.raises(ValueError):
        playbook.commission_simulation(inputs, commission_rate=1.5)


def test_incentive_inputs_recount(bundled_company, bundled_lines, kept):
    sold = bundled_lines
    offers = bundled_company.offers
    overselling = playbook.overselling_check(offers, bundled_company.opt_outs)
    inputs = playbook.incentive_inputs(offers, sold, kept, overselling)
    recount = duckdb.sql("""
        select avg(accepted::int) as acceptance, avg(case when accepted then revenue end) as revenue_per_sale
        from offers where variant <> 'control'
    """).df().iloc[0]
    assert inputs["acceptance"] == pytest.approx(recount["acceptance"])
    assert inputs["revenue_per_sale"] == pytest.approx(recount["revenue_per_sale"])
    assert inputs["margin_measured"] and inputs["margin_rate"] == pytest.approx(kept["margin"].sum() / kept["revenue"].sum())
    # a line returned in full is no sale (a partly returned line keeps its other units)
    returned = bundled_company.returns.groupby([s.ORDER_ID, s.PRODUCT_ID])["quantity"].sum().rename("back").reset_index()
    lines = sold.merge(returned, on=[s.ORDER_ID, s.PRODUCT_ID], how="left")
    assert inputs["return_rate"] == pytest.approx((lines["back"] >= lines["quantity"]).sum() / len(sold))
    assert inputs["opt_out_rate"] == overselling["opt_out_rate"].iloc[0] < inputs["opt_out_rate_more"]
    no_costs = kept.assign(margin=np.nan)
    with pytest.raises(ValueError):
        playbook.incentive_inputs(offers, sold, no_costs)
    assert playbook.incentive_inputs(offers, sold, no_costs, margin_rate=0.3)["margin_rate"] == 0.3


def test_the_tactics_chart_draws_one_bar_per_arm_with_a_control(bundled_company, kept):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xsell_lab.plots import playbook as playbook_plots

    table = playbook.tactics_by_stage(bundled_company.offers, playbook.offer_stages(bundled_company.offers, kept))
    ax = playbook_plots.plot_tactics_by_stage(table)
    widths = sorted(round(bar.get_width(), 9) for bar in ax.patches)
    assert widths == sorted(round(v * 100, 9) for v in table["uplift"].dropna())
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="Nothing to plot"):
        playbook_plots.plot_tactics_by_stage(table.assign(uplift_ci_low=np.nan))
