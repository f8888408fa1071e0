"""Kaplan-Meier in the statistics kernel, against statsmodels' SurvfuncRight."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xsell_lab.stats import survival


def test_kaplan_meier_by_hand_with_censoring():
    waits = pd.DataFrame({"duration_days": [1, 2, 2, 3, 4], "observed": [True, True, False, True, False]})
    curve = survival.kaplan_meier(waits)
    assert list(curve.columns) == survival.KAPLAN_MEIER_COLUMNS
    assert curve["survival"].tolist() == pytest.approx([0.8, 0.6, 0.3, 0.3])
    assert curve["std_error"].iloc[0] == pytest.approx(0.8 * np.sqrt(1 / (5 * 4)))  # Greenwood


def test_kaplan_meier_matches_statsmodels_survfunc_right():
    survfunc = pytest.importorskip("statsmodels.duration.survfunc", reason="statsmodels is the independent reference")
    rng = np.random.default_rng(3)
    wait, follow_up = rng.exponential(40, 500).round(), rng.uniform(0, 120, 500).round()
    waits = pd.DataFrame({"duration_days": np.minimum(wait, follow_up), "observed": wait <= follow_up})
    reference = survfunc.SurvfuncRight(waits["duration_days"].to_numpy(), waits["observed"].to_numpy().astype(int))
    curve = survival.kaplan_meier(waits)
    at_events = curve.loc[curve["events"] > 0]
    assert at_events["time"].to_numpy() == pytest.approx(reference.surv_times)
    assert at_events["survival"].to_numpy() == pytest.approx(reference.surv_prob, abs=1e-12)
    assert at_events["std_error"].to_numpy() == pytest.approx(reference.surv_prob_se, rel=1e-9, abs=1e-12)
    assert survival.share_within(curve, 30) == pytest.approx(1 - reference.surv_prob[reference.surv_times <= 30][-1])


def test_by_groups_give_one_curve_each():
    waits = pd.DataFrame({"duration_days": [1, 2, 3, 4], "observed": [True] * 4, "group": ["a", "a", "b", "b"]})
    curves = survival.kaplan_meier(waits, by="group")
    assert curves.groupby("group")["survival"].last().tolist() == [0.0, 0.0]
    assert survival.median_time(curves[curves["group"] == "b"]) == 3.0  # S(3) = 1/2
