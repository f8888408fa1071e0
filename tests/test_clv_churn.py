"""Churn risk ranked by CLV at risk, the chance of buying that sees one-time buyers, and the retention-offer list's guardrails."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import betaln, gammaln

from xsell_lab import kept_lines
from xsell_lab.clv import (
    BetaGeoModel, at_last_purchase, calibration_holdout_summary, churn_risk, customer_lifetime_value, purchase_probability,
    retention_offer_list, rfm_summary, silence_risk,
)
from xsell_lab.clv.churn import OFFER_COLUMNS, RISK_COLUMNS, SILENCE_COLUMNS
from xsell_lab.data.validation import DataValidationError
from xsell_lab.synth import simulate_repeat_purchases

from skips import import_or_skip

#: BG/NBD parameters planted in the simulations (weeks), as in tests/test_clv_models.py.
TRUTH = {"r": 0.6, "alpha": 8.0, "a": 0.8, "b": 3.0}


def _clv() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": list("abcd"), "p_alive": [0.2, 0.9, 0.4, 0.1], "clv": [100.0, 500.0, 40.0, 10.0]})


def _earlier() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ["c", "b", "a"], "p_alive": [0.45, 0.95, 0.8]})  # d is new since: counts as 1


def test_churn_risk_ranks_by_clv_at_risk_and_flags_drops():
    risk = churn_risk(_clv(), _earlier(), threshold=0.5, min_drop=0.1)
    assert risk.columns.tolist() == RISK_COLUMNS
    assert risk.index.equals(pd.RangeIndex(4))
    assert risk["customer_id"].tolist() == ["a", "d", "c", "b"]  # at risk: 400, 90, 60, 55.6
    by_id = risk.set_index("customer_id")
    assert by_id.loc["a", "clv_if_alive"] == pytest.approx(500.0)
    assert by_id.loc["a", "clv_at_risk"] == pytest.approx(400.0)
    assert by_id["p_alive_earlier"].to_dict() == {"a": 0.8, "d": 1.0, "c": 0.45, "b": 0.95}  # joined on the id, not the row
    assert by_id["at_risk"].to_dict() == {"a": True, "d": True, "b": False, "c": False}


def test_churn_risk_still_takes_an_index_aligned_series_with_a_warning():
    old = pd.Series({"a": 0.8, "b": 0.95, "c": 0.45})
    with pytest.warns(FutureWarning, match="churn_risk\\(\\): p_alive_earlier as a Series indexed by customer id"):
        risk = churn_risk(_clv(), old, threshold=0.5, min_drop=0.1)
    pd.testing.assert_frame_equal(risk, churn_risk(_clv(), _earlier(), threshold=0.5, min_drop=0.1))


def test_churn_risk_refuses_an_earlier_table_with_a_customer_twice():
    earlier = pd.concat([_earlier(), _earlier().head(1)])
    with pytest.raises(DataValidationError, match="column 'customer_id': 1 row\\(s\\) are repeated"):
        churn_risk(_clv(), earlier)


def test_p_alive_separates_customers_who_bought_again_in_the_company(bundled_lines):
    """Independent check on planted BG/NBD data: low P(alive) at the end of 2024 predicts no purchase in 2025.

    Only repeat buyers are compared: without a repeat purchase P(alive) is 1 by construction.
    """
    lines = bundled_lines
    summary = calibration_holdout_summary(lines, "2024-12-31", "2025-12-31")
    model = BetaGeoModel().fit(summary)
    summary = summary[summary["frequency"] > 0]
    p_alive = model.conditional_probability_alive(summary)
    bought = summary["frequency_holdout"] > 0
    auc = stats.mannwhitneyu(p_alive[bought], p_alive[~bought]).statistic / (bought.sum() * (~bought).sum())
    assert auc > 0.6
    low, high = p_alive.quantile([0.25, 0.75])
    assert bought[p_alive <= low].mean() < bought[p_alive >= high].mean()


def test_p_alive_drops_for_customers_silent_since_the_earlier_date(bundled_lines):
    lines = bundled_lines
    now, before = rfm_summary(lines, "2025-12-31"), rfm_summary(lines, "2025-06-30")
    model = BetaGeoModel().fit(now)
    now = now.assign(p_alive=model.conditional_probability_alive(now))
    before = before.assign(p_alive=model.conditional_probability_alive(before))
    both = now.merge(before, on="customer_id", suffixes=("_now", "_before"), validate="one_to_one")
    silent = both[(both["frequency_now"] == both["frequency_before"]) & (both["frequency_now"] > 0)]
    assert len(silent) > 100
    assert (silent["p_alive_now"] <= silent["p_alive_before"] + 1e-12).all()


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": list("abcde"),
            "marketing_consent": [True, False, None, True, True],
            "preferred_channel": ["web", "app", "store", "phone", "web"],
        }
    )


def test_offer_list_honours_consent_cap_and_budget():
    risk = pd.DataFrame(
        {"customer_id": list("abcde"), "p_alive": 0.2, "clv_at_risk": [500.0, 400.0, 300.0, 200.0, 100.0], "at_risk": True}
    )
    offers = pd.DataFrame(
        {"customer_id": ["d", "e"], "offer_date": pd.to_datetime(["2025-12-20", "2025-10-01"])}
    )
    offer_list, suppressed = retention_offer_list(
        risk, _customers(), offers=offers, as_of="2025-12-31", budget=1, max_contacts=1, contact_window_days=30
    )
    assert offer_list.columns.tolist() == OFFER_COLUMNS
    assert offer_list.drop(columns="purchase_probability").to_dict("records") == [
        {"customer_id": "a", "clv_at_risk": 500.0, "p_alive": 0.2, "preferred_channel": "web", "rank": 1}
    ]
    assert offer_list["purchase_probability"].isna().all()  # churn_risk's table has no chance of buying
    assert suppressed.set_index("reason")["customers"].to_dict() == {
        "no marketing consent": 2,  # b said no, c is unknown
        "contact cap reached": 1,  # d was contacted 11 days ago; e's offer is outside the window
        "over budget": 1,  # e
    }


def test_offer_list_only_takes_at_risk_customers():
    risk = pd.DataFrame({"customer_id": ["a", "e"], "p_alive": 0.9, "clv_at_risk": [5.0, 4.0], "at_risk": [False, True]})
    offer_list, _ = retention_offer_list(risk, _customers(), as_of="2025-12-31")
    assert offer_list["customer_id"].tolist() == ["e"]
    assert offer_list["preferred_channel"].tolist() == ["web"]
    assert offer_list["rank"].tolist() == [1]


def _planted_model(params: dict[str, float] = TRUTH) -> BetaGeoModel:
    model = BetaGeoModel()
    model.params_ = pd.Series(params, name="estimate")[["r", "alpha", "a", "b"]]
    model.n_rows_ = 0  # the planted parameters stand for a fit
    return model


def _bgnbd_log_likelihood(x, t_x, big_t, r, alpha, a, b):
    """One customer's BG/NBD log-likelihood, written here from Fader, Hardie & Lee (2005), eq. 6."""
    x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    stay = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + big_t)
    leave = betaln(a + 1, b + np.maximum(x, 1) - 1) - betaln(a, b) - (r + x) * np.log(alpha + t_x)
    return common + np.logaddexp(stay, np.where(x > 0, leave, -np.inf))


def test_purchase_probability_is_one_minus_the_likelihood_ratio_of_a_silent_window():
    """No purchase in (T, T + t] is the history observed up to T + t: P = 1 - L(x, t_x, T + t) / L(x, t_x, T)."""
    rfm = pd.DataFrame({"frequency": [0, 0, 1, 4, 4, 12], "recency": [0.0, 0.0, 3.0, 20.0, 50.0, 51.0],
                        "T": [2.0, 60.0, 40.0, 52.0, 52.0, 52.0]})
    t = 13.0
    reference = 1 - np.exp(
        _bgnbd_log_likelihood(rfm["frequency"], rfm["recency"], rfm["T"] + t, **TRUTH)
        - _bgnbd_log_likelihood(rfm["frequency"], rfm["recency"], rfm["T"], **TRUTH)
    )
    chance = purchase_probability(_planted_model(), rfm, t)
    assert chance.name == "purchase_probability" and chance.index.equals(rfm.index)
    np.testing.assert_allclose(chance, reference, rtol=1e-10)
    assert chance.iloc[0] > chance.iloc[1]  # a one-time buyer's chance falls with silence, though P(alive) stays 1
    assert chance.iloc[4] > chance.iloc[3]  # a recent repeat buyer is likelier to buy than a silent one


def test_purchase_probability_of_a_new_customer_matches_lifetimes():
    lifetimes = import_or_skip("lifetimes")
    reference = lifetimes.BetaGeoFitter()
    reference.params_ = pd.Series(TRUTH)
    new = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [0.0]})
    for t in (4.0, 13.0, 52.0):
        unconditional = 1 - reference.probability_of_n_purchases_up_to_time(t, 0)  # FHL 2005 eq. 8
        assert purchase_probability(_planted_model(), new, t).iloc[0] == pytest.approx(unconditional, rel=1e-12)


def _simulated_rfm(seed: int, calibration: np.ndarray, t: float) -> pd.DataFrame:
    """Simulated BG/NBD customers summarised at their calibration end, with whether they bought in the t after it."""
    lines = simulate_repeat_purchases(len(calibration), **TRUTH, p=5.0, q=4.0, gamma=12.0, T=calibration + t, seed=seed)
    repeat = lines[lines["t"] > 0]
    before = repeat[repeat["t"] <= calibration[repeat["customer_id"]]]
    after = repeat[repeat["t"] > calibration[repeat["customer_id"]]]
    ids = pd.RangeIndex(len(calibration))
    return pd.DataFrame({
        "frequency": before.groupby("customer_id").size().reindex(ids, fill_value=0),
        "recency": before.groupby("customer_id")["t"].max().reindex(ids, fill_value=0.0),
        "T": calibration,
        "bought": after.groupby("customer_id").size().reindex(ids, fill_value=0) > 0,
    })


@pytest.mark.parametrize("seed", [3, 4])
def test_purchase_probability_matches_what_simulated_customers_did(seed):
    """Planted truth: the share of one-time and of repeat buyers who buy in the next 13 weeks, and by chance group."""
    t = 13.0
    rfm = _simulated_rfm(seed, np.random.default_rng(seed).uniform(10, 80, 30_000), t)
    fitted = BetaGeoModel().fit(rfm)
    for model in (_planted_model(), fitted):
        chance = purchase_probability(model, rfm, t)
        groups = [rfm["frequency"] == 0, rfm["frequency"] > 0]
        groups += [(chance > low) & (chance <= high) for low, high in zip(*[chance.quantile([0, 0.25, 0.5, 0.75, 1]).to_numpy()[i:] for i in (0, 1)])]
        for group in groups:
            expected, spread = chance[group].sum(), np.sqrt((chance[group] * (1 - chance[group])).sum())
            assert abs(rfm.loc[group, "bought"].sum() - expected) < 4 * spread + 0.02 * expected, (
                rfm.loc[group, "bought"].sum(), expected, spread
            )
    one_time = rfm["frequency"] == 0
    assert rfm.loc[one_time, "bought"].mean() > 0.05  # one-time buyers do come back: a measure that ignores them misses buyers


def test_silence_risk_flags_one_time_buyers_and_ranks_by_the_value_silence_cost():
    model = _planted_model()
    rfm = pd.DataFrame({"customer_id": list("abcd"), "frequency": [0, 0, 5, 5], "recency": [0.0, 0.0, 10.0, 60.0],
                        "T": [40.0, 2.0, 62.0, 62.0]})
    earlier = pd.DataFrame({"customer_id": list("dca"), "frequency": [4, 5, 0], "recency": [40.0, 10.0, 0.0],
                            "T": [49.0, 49.0, 27.0]})  # b is new since
    value = pd.DataFrame({"customer_id": list("dcba"), "clv": [90.0, 10.0, 30.0, 5.0]})
    then = pd.DataFrame({"customer_id": list("abcd"), "clv": [25.0, 31.0, 60.0, 100.0]})
    risk = silence_risk(model, rfm, earlier, value, then, t=13.0, threshold=0.5)
    assert risk.columns.tolist() == SILENCE_COLUMNS
    by_id = risk.set_index("customer_id")
    share = purchase_probability(model, rfm, 13.0) / purchase_probability(model, at_last_purchase(rfm), 13.0)
    np.testing.assert_allclose(by_id.loc[list("abcd"), "remaining_share"], share)
    assert by_id.loc["a", "p_alive"] == 1.0 and by_id.loc["a", "remaining_share"] < 0.5  # seen although P(alive) is 1
    assert by_id.loc["b", "remaining_share_earlier"] == 1.0  # new since the earlier day
    assert by_id["clv_at_risk"].to_dict() == {"c": 50.0, "a": 20.0, "d": 10.0, "b": 1.0}
    assert risk["customer_id"].tolist() == list("cadb")
    expected = (by_id["remaining_share"] < 0.5) & (by_id["remaining_share_earlier"] >= 0.5)
    assert by_id["at_risk"].equals(expected)


def test_silence_risk_on_the_company_flags_one_time_buyers_who_then_buy_less(bundled_company):
    """Planted truth, held out: customers flagged at the end of 2024 bought less in 2025 than the others, one-time buyers too."""
    lines = kept_lines(bundled_company)
    rfm, earlier = rfm_summary(lines, "2024-12-31"), rfm_summary(lines, "2024-10-02")
    model = BetaGeoModel().fit(rfm)
    value = customer_lifetime_value(model, 400.0, rfm, margin_rate=0.2)
    then = customer_lifetime_value(model, 400.0, at_last_purchase(rfm), margin_rate=0.2)
    risk = silence_risk(model, rfm, earlier, value, then, t=13.0)
    later = lines[lines["order_date"] > "2024-12-31"].groupby("customer_id")["order_date"].min()
    risk = risk.assign(bought=risk["customer_id"].isin(later[later <= "2025-03-31"].index))
    one_time = risk["frequency"] == 0
    assert risk.loc[one_time, "at_risk"].sum() > 50
    for group in (one_time, ~one_time):
        flagged, others = risk.loc[group & risk["at_risk"], "bought"], risk.loc[group & ~risk["at_risk"], "bought"]
        assert flagged.mean() < others.mean(), (flagged.mean(), others.mean())
    chance = risk.loc[one_time, "purchase_probability"]
    assert abs(risk.loc[one_time, "bought"].sum() - chance.sum()) < 4 * np.sqrt((chance * (1 - chance)).sum()) + 0.15 * chance.sum()


def test_holdout_purchase_shares_match_a_recount_and_the_planted_truth():
    """Simulated customers: the predicted share of one-time and repeat buyers who buy again is the recount's, within its interval."""
    from xsell_lab.clv import holdout_purchase_shares

    rfm = _simulated_rfm(5, np.random.default_rng(5).uniform(10, 80, 20_000), 26.0)
    summary = rfm.assign(frequency_holdout=rfm["bought"].astype(int), duration_holdout=26.0)
    shares = holdout_purchase_shares(_planted_model(), summary).set_index("buyers")
    assert shares.index.tolist() == ["one-time", "repeat"]
    for name, group in (("one-time", rfm["frequency"] == 0), ("repeat", rfm["frequency"] > 0)):
        assert shares.loc[name, "customers"] == group.sum()
        assert shares.loc[name, "observed"] == pytest.approx(rfm.loc[group, "bought"].mean())
        assert shares.loc[name, "predicted"] == pytest.approx(purchase_probability(_planted_model(), rfm[group], 26.0).mean())
        assert shares.loc[name, "ci_low"] <= shares.loc[name, "predicted"] <= shares.loc[name, "ci_high"]
