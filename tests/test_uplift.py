"""Uplift models and Qini curves: planted kinds of customer, scikit-uplift, Hillstrom, a pandas recount.

Planted truth: :func:`xsell_lab.synth.simulate_uplift_test` makes persuadables, sure things, lost
causes and do-not-disturbs from two visible features; the models must recover each kind's uplift
on customers they were not fitted on, and their ranking must find more extra buyers than a
propensity ranking. Independent references: scikit-uplift's ``qini_curve`` (the curve's points and
the area under them), a pandas recount of the grouped check, and the published response rates of
Hillstrom's e-mail test for the average effects.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from skips import import_or_skip, shared_file
from xsell_lab.data import schema as s
from xsell_lab.exceptions import DataValidationError, ParameterError
from xsell_lab.experiments import UpliftModel, holdout_mask, qini_area, qini_curve, qini_interval, uplift_by_group
from xsell_lab.synth import simulate_uplift_test
from xsell_lab.synth.uplift_test import KIND_RATES

FEATURES = ["engagement", "segment"]


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A test to fit on and a fresh one from the same world to judge on (in-sample Qini flatters)."""
    return simulate_uplift_test(8000, seed=11), simulate_uplift_test(8000, seed=12)


@pytest.fixture(scope="module", params=["two_model", "x_learner"])
def predicted(request, planted) -> pd.DataFrame:
    fit_on, judge_on = planted
    model = UpliftModel(FEATURES, method=request.param, learner="boosting", seed=3).fit(fit_on)
    return judge_on.join(model.predict(judge_on))


def _treated(frame: pd.DataFrame) -> pd.Series:
    return (frame["variant"] == "offer").astype(int)


def test_each_planted_kind_gets_its_uplift_back(predicted):
    by_kind = predicted.groupby("kind")["offer"].mean()
    for kind, (without, with_offer) in KIND_RATES.items():
        assert by_kind[kind] == pytest.approx(with_offer - without, abs=0.07), f"{kind}: {by_kind.round(3).to_dict()}"
    assert by_kind["persuadable"] > by_kind["sure thing"] > by_kind["do-not-disturb"]
    assert (predicted.loc[predicted["kind"] == "persuadable", "best_arm"] == "offer").all()


def test_the_uplift_ranking_finds_more_extra_buyers_than_a_propensity_ranking(predicted):
    treated, bought = _treated(predicted), predicted["accepted"]
    by_uplift = qini_area(predicted["offer"], treated, bought)
    by_propensity = qini_area(predicted["baseline"] + predicted["offer"], treated, bought)  # P(buy | offer)
    by_truth = qini_area(predicted["true_uplift"], treated, bought)
    low, high = qini_interval(predicted["offer"], treated, bought, n_boot=200, seed=5)
    assert low > 2 * by_propensity > 0, (low, by_propensity)
    assert low <= by_uplift <= high
    assert by_uplift == pytest.approx(by_truth, rel=0.2)  # close to the best ranking there is


def test_the_observed_uplift_falls_from_the_first_group_to_the_last(predicted):
    groups = uplift_by_group(predicted["offer"], _treated(predicted), predicted["accepted"], groups=5)
    assert groups["observed_uplift"].iloc[0] > 0.2 and groups["ci_low"].iloc[0] > 0
    assert groups["observed_uplift"].iloc[-1] < -0.05 and groups["ci_high"].iloc[-1] < 0
    assert groups["customers"].sum() == len(predicted)


def test_the_summary_holds_the_planted_average_effect(planted):
    fit_on, _ = planted
    model = UpliftModel(FEATURES, learner="linear").fit(fit_on)
    row = model.summary().loc["offer"]
    assert row["ci_low"] < fit_on["true_uplift"].mean() < row["ci_high"]
    # two estimates of one average: the model's adjusts for chance imbalance in the features
    assert abs(row["mean_predicted_uplift"] - row["estimate"]) < 2 * row["std_error"]


def test_a_ranking_that_knows_nothing_gains_nothing_and_ties_enter_together():
    rng = np.random.default_rng(0)
    treated, bought = rng.integers(0, 2, 4000), rng.integers(0, 2, 4000)
    low, high = qini_interval(np.zeros(4000), treated, bought, n_boot=50)
    assert qini_area(np.zeros(4000), treated, bought) == pytest.approx(0.0, abs=1e-9) and low == high == pytest.approx(0.0, abs=1e-9)
    curve = qini_curve([3, 3, 1, 1], [1, 0, 1, 0], [1, 0, 0, 0])
    assert curve["targeted"].tolist() == [0, 2, 4]
    assert curve["qini"].tolist() == [0.0, 1.0, 1.0]  # top two: 1 buyer treated, 0 of 1 in control


@pytest.mark.filterwarnings("ignore:Function stable_cumsum is deprecated:FutureWarning")  # inside scikit-uplift 0.5.1
def test_the_qini_curve_equals_scikit_uplift(planted, predicted):
    metrics = import_or_skip("sklift.metrics")
    from sklearn.metrics import auc

    treated, bought, score = _treated(predicted), predicted["accepted"], predicted["offer"].round(6)
    ours = qini_curve(score, treated, bought)
    their_x, their_y = metrics.qini_curve(bought.to_numpy(), score.to_numpy(), treated.to_numpy())
    np.testing.assert_array_equal(ours["targeted"], their_x)
    np.testing.assert_allclose(ours["qini"], their_y, rtol=1e-12, atol=1e-9)
    n = len(score)
    their_area = auc(their_x / n, their_y) - 0.5 * their_y[-1]  # minus the random line's triangle
    assert qini_area(score, treated, bought) == pytest.approx(their_area, rel=1e-9)


def test_the_grouped_check_equals_a_pandas_recount(predicted):
    groups = uplift_by_group(predicted["offer"], _treated(predicted), predicted["accepted"], groups=4).set_index("group")
    frame = predicted.assign(treated=_treated(predicted))
    frame["group"] = pd.qcut(frame["offer"].rank(method="first", ascending=False), 4, labels=[1, 2, 3, 4]).astype(int)
    rates = frame.groupby(["group", "treated"])["accepted"].mean().unstack()
    np.testing.assert_allclose(groups["observed_uplift"], rates[1] - rates[0], rtol=1e-12)
    np.testing.assert_allclose(groups["predicted_uplift"], frame.groupby("group")["offer"].mean(), rtol=1e-12)


@pytest.fixture(scope="module")
def hillstrom() -> pd.DataFrame:
    """Hillstrom's e-mail test: one row per customer with its features, arm and outcomes."""
    from xsell_lab.data.adapters import hillstrom as adapt

    tables = adapt(shared_file("hillstrom_email.csv")).tables
    return tables[s.OFFERS].merge(tables[s.CUSTOMERS], on=s.CUSTOMER_ID)


def test_hillstrom_average_effects_are_the_published_ones_and_the_models_agree(hillstrom):
    features = ["recency", "history", "mens", "womens", "newbie", s.REGION, s.PREFERRED_CHANNEL]
    model = UpliftModel(features, outcome=s.ACCEPTED, learner="linear").fit(hillstrom)
    summary = model.summary()
    # Hillstrom (2008): conversion 0.57% without e-mail, 1.25% with the men's, 0.88% with the women's
    assert summary.loc["mens", "estimate"] == pytest.approx(0.0125 - 0.0057, abs=1e-4)
    assert summary.loc["womens", "estimate"] == pytest.approx(0.0088 - 0.0057, abs=1e-4)
    assert (summary["ci_low"] > 0).all()
    assert summary["mean_predicted_uplift"].to_numpy() == pytest.approx(summary["estimate"].to_numpy(), abs=0.002)
    # an independent recount of the raw file: each arm's conversion rate
    with open(shared_file("hillstrom_email.csv"), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rate = {arm: np.mean([int(r["conversion"]) for r in rows if r["segment"] == arm]) for arm in ("Mens E-Mail", "No E-Mail")}
    assert summary.loc["mens", "estimate"] == pytest.approx(rate["Mens E-Mail"] - rate["No E-Mail"], rel=1e-12)
    assert set(model.predict(hillstrom.head(50))["best_arm"]) <= {"mens", "womens"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.drop(columns="segment"), "segment"),
        (lambda t: t.assign(variant=t["variant"].replace("control", "none")), "there is no 'control' arm"),
        (lambda t: t[t["variant"] == "control"], "there is no other arm"),
        (lambda t: t.assign(accepted=t["accepted"].where(t.index != 5)), r"column 'accepted': 1 row\(s\) are empty .*e.g. row 5"),
        (lambda t: t[(t["variant"] == "control") | (t.index < 40)], "are in arm 'offer', with .* too few"),
    ],
)
def test_bad_input_is_named(planted, change, message):
    with pytest.raises(DataValidationError, match=message):
        UpliftModel(FEATURES).fit(change(planted[0]))


def test_bad_settings_are_named(planted):
    with pytest.raises(ParameterError, match="method must be one of"):
        UpliftModel(FEATURES, method="s_learner").fit(planted[0])
    with pytest.raises(ParameterError, match="treated must be 0"):
        qini_curve([1, 2], [1, 2], [0, 1])


def test_the_holdout_takes_the_same_share_of_every_arm_and_is_reproducible():
    arms = pd.Series(["control"] * 301 + ["offer"] * 99 + ["sms"] * 10)
    held = holdout_mask(arms, 0.5, seed=4)
    assert [int(held[(arms == arm).to_numpy()].sum()) for arm in ("control", "offer", "sms")] == [150, 50, 5]  # round(150.5) = 150
    assert (holdout_mask(arms, 0.5, seed=4) == held).all() and not (holdout_mask(arms, 0.5, seed=5) == held).all()
    with pytest.raises(ParameterError, match="strictly between 0 and 1"):
        holdout_mask(arms, 1.0, seed=4)


def test_hillstrom_qini_of_a_held_out_ranking_equals_scikit_uplift(hillstrom):
    """The Qini curve and area of the men's e-mail ranking on the half the model never saw, against scikit-uplift."""
    metrics = import_or_skip("sklift.metrics")
    from sklearn.metrics import auc

    test = hillstrom[hillstrom[s.VARIANT].isin(["control", "mens"])].reset_index(drop=True)
    features = ["recency", "history", "mens", "womens", "newbie", s.REGION, s.PREFERRED_CHANNEL]
    held = holdout_mask(test[s.VARIANT], 0.5, seed=5)
    model = UpliftModel(features, outcome=s.ACCEPTED).fit(test[~held])
    judged = test[held].reset_index(drop=True)
    score = model.predict(judged)["mens"].round(9)
    treated, bought = (judged[s.VARIANT] == "mens").astype(int), judged[s.ACCEPTED]
    ours = qini_curve(score, treated, bought)
    their_x, their_y = metrics.qini_curve(bought.to_numpy(), score.to_numpy(), treated.to_numpy())
    np.testing.assert_array_equal(ours["targeted"], their_x)
    np.testing.assert_allclose(ours["qini"], their_y, rtol=1e-12, atol=1e-9)
    their_area = auc(their_x / len(score), their_y) - 0.5 * their_y[-1]
    assert qini_area(score, treated, bought) == pytest.approx(their_area, rel=1e-9)
    assert their_area > 0  # the men's e-mail ranking finds extra buyers on customers it never saw
