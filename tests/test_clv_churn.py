"""Churn risk ranked by CLV at risk, and the retention-offer list's guardrails."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from xsell_lab.clv import BetaGeoModel, calibration_holdout_summary, churn_risk, retention_offer_list, rfm_summary
from xsell_lab.clv.churn import OFFER_COLUMNS, RISK_COLUMNS
from xsell_lab.data.validation import DataValidationError


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
    assert offer_list.to_dict("records") == [
        {"customer_id": "a", "clv_at_risk": 500.0, "p_alive": 0.2, "preferred_channel": "web", "rank": 1}
    ]
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
