"""Churn risk ranked by CLV at risk, and the retention-offer list's guardrails."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from xsell_lab.clv import BetaGeoModel, calibration_holdout_summary, churn_risk, retention_offer_list, rfm_summary


def _clv() -> pd.DataFrame:
    return pd.DataFrame(
        {"p_alive": [0.2, 0.9, 0.4, 0.1], "clv": [100.0, 500.0, 40.0, 10.0]}, index=pd.Index(list("abcd"), name="customer_id")
    )


def test_churn_risk_ranks_by_clv_at_risk_and_flags_drops():
    earlier = pd.Series({"a": 0.8, "b": 0.95, "c": 0.45})  # d is new since: counts as 1
    risk = churn_risk(_clv(), earlier, threshold=0.5, min_drop=0.1)
    assert risk.loc["a", "clv_if_alive"] == pytest.approx(500.0)
    assert risk.loc["a", "clv_at_risk"] == pytest.approx(400.0)
    assert risk.index.tolist() == ["a", "d", "c", "b"]  # at risk: 400, 90, 60, 55.6
    assert risk["at_risk"].to_dict() == {"a": True, "d": True, "b": False, "c": False}


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
    p_now, p_before = model.conditional_probability_alive(now), model.conditional_probability_alive(before)
    silent = now.index.intersection(before.index)
    silent = silent[(now.loc[silent, "frequency"] == before.loc[silent, "frequency"]) & (now.loc[silent, "frequency"] > 0)]
    assert (p_now[silent] <= p_before[silent] + 1e-12).all()


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
        {"p_alive": 0.2, "clv_at_risk": [500.0, 400.0, 300.0, 200.0, 100.0], "at_risk": True},
        index=pd.Index(list("abcde"), name="customer_id"),
    )
    offers = pd.DataFrame(
        {"customer_id": ["d", "e"], "offer_date": pd.to_datetime(["2025-12-20", "2025-10-01"])}
    )
    offer_list, suppressed = retention_offer_list(
        risk, _customers(), offers=offers, as_of="2025-12-31", budget=1, max_contacts=1, contact_window_days=30
    )
    assert offer_list.index.tolist() == ["a"]
    assert offer_list.loc["a", "preferred_channel"] == "web"
    assert suppressed.set_index("reason")["customers"].to_dict() == {
        "no marketing consent": 2,  # b said no, c is unknown
        "contact cap reached": 1,  # d was contacted 11 days ago; e's offer is outside the window
        "over budget": 1,  # e
    }


def test_offer_list_only_takes_at_risk_customers():
    risk = pd.DataFrame(
        {"p_alive": 0.9, "clv_at_risk": [5.0, 4.0], "at_risk": [False, True]},
        index=pd.Index(["a", "e"], name="customer_id"),
    )
    offer_list, _ = retention_offer_list(risk, _customers(), as_of="2025-12-31")
    assert offer_list.index.tolist() == ["e"]
    assert offer_list["rank"].tolist() == [1]
