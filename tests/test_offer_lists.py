"""Whom to send an offer: the list by expected incremental profit against propensity x margin.

Planted truth: the bundled company's uplift campaign (``ground_truth["uplift_campaign"]``), whose
customers are persuadables, sure things, lost causes and do-not-disturbs. Independent references:
a hand-worked profit, a recount of each list's true profit from its kind counts, and Wilson
intervals of each kind's buying rate in each arm.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xsell_lab import experiments as ex
from xsell_lab.data import schema as s
from xsell_lab.exceptions import ParameterError
from xsell_lab.experiments.offer_lists import PROFIT_COLUMNS
from xsell_lab.synth import campaign_truth

FAMILY_ERROR = 0.001


@pytest.fixture(scope="module")
def campaign(bundled_company, bundled_lines, ground_truth):
    """The campaign's customers with their features, the model's predictions on the judging half and the planted truth."""
    planted = ground_truth["uplift_campaign"]
    arm = next(name for name in planted["arms"] if name != "control")
    test = ex.experiment_customers(bundled_company.offers, bundled_company.customers, bundled_lines,
                                   experiment=planted["experiment_id"], arms=["control", arm])
    held = ex.holdout_mask(test[s.VARIANT], 0.5, seed=3)
    model = ex.UpliftModel(test.attrs["features"]).fit(test[~held])
    judged = test[held]
    predicted = judged.join(model.predict(judged)).set_index(s.CUSTOMER_ID)
    product = bundled_company.products.set_index(s.PRODUCT_ID).loc[planted["product_id"]]
    money = {"margin": product[s.PRICE] - product[s.UNIT_COST], "discount": planted["discount"] * product[s.PRICE], "contact_cost": 0.5}
    truth = campaign_truth(predicted.index, ground_truth, planted["experiment_id"])
    return {"test": test, "predicted": predicted, "arm": arm, "money": money, "truth": truth, "model": model}


def test_incremental_profit_worked_by_hand():
    # p1 = 0.35, p0 = 0.05, margin 46, discount 12, contact 1: 0.35 x 34 - 0.05 x 46 - 1 = 11.9 - 2.3 - 1 = 8.6
    assert ex.incremental_profit(0.05, 0.35, margin=46, discount=12, contact_cost=1) == pytest.approx(8.6)
    # a sure thing only takes the discount: 0.55 x (46 - 12) - 0.55 x 46 = -0.55 x 12
    assert ex.incremental_profit(0.55, 0.55, margin=46, discount=12) == pytest.approx(-6.6)
    with pytest.raises(ParameterError, match="contact_cost"):
        ex.incremental_profit(0.1, 0.2, margin=10, contact_cost=-1)


def test_each_kind_buys_at_its_planted_rates(bundled_company, ground_truth):
    planted = ground_truth["uplift_campaign"]
    offers = bundled_company.offers[bundled_company.offers[s.EXPERIMENT_ID] == planted["experiment_id"]]
    kind = offers[s.CUSTOMER_ID].map(planted["kind_by_customer"])
    assert kind.notna().all() and set(kind) == set(planted["rates_by_kind"])
    checks = offers.groupby([kind, offers[s.VARIANT] != "control"])[s.ACCEPTED].agg(["sum", "size"])
    for (name, treated), row in checks.iterrows():
        low, high = ex.wilson_interval(int(row["sum"]), int(row["size"]), 1 - FAMILY_ERROR / len(checks))
        rate = planted["rates_by_kind"][name]["with_offer" if treated else "without_offer"]
        assert low <= rate <= high, (name, treated)


def test_the_kinds_follow_what_the_analyst_sees(campaign, ground_truth):
    """The planted rules, recounted from the features on the offer date (the model's own inputs)."""
    planted = ground_truth["uplift_campaign"]
    test = campaign["test"].set_index(s.CUSTOMER_ID)
    kind = test.index.map(planted["kind_by_customer"])
    business = test[s.SEGMENT] == planted["sure_thing_segment"]
    frequent = ~business & test[s.PREFERRED_CHANNEL].isin(planted["do_not_disturb_channels"])
    digital = ~business & ~frequent & test[s.PREFERRED_CHANNEL].isin(planted["digital_channels"])
    assert (kind[business.to_numpy()] == "sure thing").all()
    assert (kind[frequent.to_numpy()] == "do-not-disturb").all()
    assert (kind[digital.to_numpy()] == "persuadable").all()
    assert (kind[~(business | frequent | digital).to_numpy()] == "lost cause").all()


def test_the_model_ranks_the_planted_kinds(campaign):
    predicted, truth = campaign["predicted"], campaign["truth"]
    by_kind = predicted[campaign["arm"]].groupby(truth["kind"]).mean()
    assert by_kind["persuadable"] > max(by_kind["sure thing"], by_kind["lost cause"]) > by_kind["do-not-disturb"]
    assert by_kind["do-not-disturb"] < 0 < by_kind["persuadable"]


def test_the_profit_list_beats_propensity_times_margin_against_the_planted_truth(campaign):
    scores = ex.expected_incremental_profit(campaign["predicted"], arm=campaign["arm"], **campaign["money"])
    table = ex.offer_list_comparison(scores, campaign["truth"], **campaign["money"]).set_index("list")
    by_profit, by_margin = table.loc["by expected incremental profit"], table.loc["by propensity x margin"]
    assert by_profit["customers"] == by_margin["customers"] == (scores["expected_incremental_profit"] > 0).sum()
    assert by_profit["true_incremental_profit"] > 1.2 * by_margin["true_incremental_profit"]
    assert by_profit["true_incremental_profit"] > table.loc["everyone", "true_incremental_profit"]
    # propensity x margin fills up with sure things, who only take the discount
    assert by_margin["sure thing"] > 2 * by_profit["sure thing"]
    assert by_profit["persuadable"] > by_margin["persuadable"]


def test_the_comparison_recounts_from_the_kind_counts(campaign, ground_truth):
    """Each list's true profit is the sum over kinds of (customers of the kind) x (the kind's profit per customer)."""
    money = campaign["money"]
    scores = ex.expected_incremental_profit(campaign["predicted"], arm=campaign["arm"], **money)
    table = ex.offer_list_comparison(scores, campaign["truth"], **money)
    rates = ground_truth["uplift_campaign"]["rates_by_kind"]
    per_kind = {kind: r["with_offer"] * (money["margin"] - money["discount"]) - r["without_offer"] * money["margin"] - money["contact_cost"]
                for kind, r in rates.items()}
    for row in table.to_dict("records"):
        assert row["true_incremental_profit"] == pytest.approx(sum(row[k] * per_kind[k] for k in rates))
        assert row["customers"] == sum(row[k] for k in rates)
    everyone = table.set_index("list").loc["everyone"]
    assert everyone["customers"] == len(campaign["predicted"])


def test_expected_profit_columns_and_clipping():
    predicted = pd.DataFrame({"baseline": [0.1, 0.9, 0.02], "offer": [0.2, 0.3, -0.1]}, index=["a", "b", "c"])
    scores = ex.expected_incremental_profit(predicted, arm="offer", margin=10, discount=2)
    assert list(scores.columns) == PROFIT_COLUMNS
    np.testing.assert_allclose(scores["rate_with_offer"], [0.3, 1.0, 0.0])
    np.testing.assert_allclose(scores["expected_incremental_profit"], [0.3 * 8 - 0.1 * 10, 1.0 * 8 - 0.9 * 10, 0 - 0.02 * 10])


def test_bad_input_is_named():
    scores = pd.DataFrame({"expected_margin": [1.0], "expected_incremental_profit": [1.0]}, index=["a"])
    truth = pd.DataFrame({"kind": ["persuadable"], "rate_without_offer": [0.1], "rate_with_offer": [0.3]}, index=["b"])
    with pytest.raises(ParameterError, match="same index"):
        ex.offer_list_comparison(scores, truth, margin=10)
    with pytest.raises(Exception, match="baseline"):
        ex.expected_incremental_profit(pd.DataFrame({"offer": [0.1]}), arm="offer", margin=10)


def test_targeted_share_is_notebook_12s_list_read_in_one_call(campaign, bundled_company, bundled_lines, ground_truth):
    """The share equals the steps done one by one (the campaign fixture's model, split and scores), and says NaN where a
    test's ranking cannot beat random order."""
    money = campaign["money"]
    share = ex.targeted_share(campaign["test"], arm=campaign["arm"], seed=3, **money)
    scores = ex.expected_incremental_profit(campaign["predicted"], arm=campaign["arm"], **money)
    assert share == pytest.approx((scores["expected_incremental_profit"] > 0).mean(), abs=1e-12)
    assert 0.4 < share < 0.9  # persuadables are about 44% of the campaign; lost causes cost little and some pass
    small = ex.experiment_customers(bundled_company.offers, bundled_company.customers, bundled_lines,
                                    experiment="EXP-WARRANTY", arms=["control", "email_offer"])
    assert np.isnan(ex.targeted_share(small, arm="email_offer", margin=100.0, seed=3))  # a planted flat effect: nothing to rank


def test_offer_margin_reads_the_planted_discount_and_the_unit_cost(bundled_company, ground_truth):
    planted = ground_truth["uplift_campaign"]
    arm = next(name for name in planted["arms"] if name != "control")
    money = ex.offer_margin(bundled_company.offers, bundled_company.products, experiment=planted["experiment_id"], arm=arm)
    product = bundled_company.products.set_index("product_id").loc[planted["product_id"]]
    assert money["product_id"] == planted["product_id"]
    assert money["margin"] == pytest.approx(product["price"] - product["unit_cost"])
    assert money["discount_share"] == pytest.approx(planted["discount"], abs=1e-9)
    assert money["discount"] == pytest.approx(planted["discount"] * product["price"])
    # without unit costs the margin is unknown unless a rate is assumed
    no_costs = bundled_company.products.assign(unit_cost=float("nan"))
    assert np.isnan(ex.offer_margin(bundled_company.offers, no_costs, experiment=planted["experiment_id"], arm=arm)["margin"])
    assumed = ex.offer_margin(bundled_company.offers, no_costs, experiment=planted["experiment_id"], arm=arm, assumed_margin_rate=0.3)
    assert assumed["margin"] == pytest.approx(0.3 * product["price"])
