"""Helpers shared by the modules of :mod:`xsell_lab.experiments` (not public).

Pairs of arms (each offer arm with the control arm of its experiment), the
Welch interval and test of a difference in means (Welch 1947) used by the
revenue readout and by CUPED, and the checks of a probability and of a
numeric outcome column.

References
----------
Welch, B. L. (1947). The generalization of "Student's" problem when several
different population variances are involved. *Biometrika*, 34, 28-35.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.exceptions import DataValidationError, Problem


def pair_frames(offers: pd.DataFrame, control: str):
    """Yield ``((experiment_id, arm), rows of that arm and the control arm)`` per offer arm, sorted."""
    for experiment, group in offers.groupby(s.EXPERIMENT_ID, observed=True, sort=True):
        for arm in sorted(set(group[s.VARIANT]) - {control}):
            yield (experiment, arm), group[group[s.VARIANT].isin([arm, control])]


def welch_test(treated: np.ndarray, untreated: np.ndarray, confidence: float) -> dict:
    """Welch's interval and t-test of ``mean(treated) - mean(untreated)`` (Welch 1947).

    Returns ``difference``, ``std_error``, ``df`` (Welch-Satterthwaite), ``ci_low``,
    ``ci_high``, ``t`` and ``p_value`` (two-sided).
    """
    var_t, var_c = treated.var(ddof=1) / treated.size, untreated.var(ddof=1) / untreated.size
    se = np.sqrt(var_t + var_c)
    difference = treated.mean() - untreated.mean()
    df = se**4 / (var_t**2 / (treated.size - 1) + var_c**2 / (untreated.size - 1)) if se > 0 else np.nan
    t = difference / se if se > 0 else 0.0
    half = stats.t.ppf(0.5 + confidence / 2, df) * se if se > 0 else 0.0
    return {"difference": difference, "std_error": se, "df": df, "ci_low": difference - half, "ci_high": difference + half,
            "t": t, "p_value": 2 * stats.t.sf(abs(t), df) if se > 0 else 1.0}


def check_probability(value: float, name: str) -> None:
    """Raise ``ValueError`` unless ``0 < value < 1``."""
    if not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1). Got {value!r}.")


def require_numeric(frame: pd.DataFrame, column: str) -> None:
    """Check that the offers table has ``column`` and that every value of it reads as a number."""
    require_columns(frame, [column], s.OFFERS)
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna()
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        value = frame[column].iloc[position]
        value = value.item() if isinstance(value, np.generic) else value
        raise DataValidationError([Problem(s.OFFERS, column, "are empty or not numbers", int(bad.sum()),
                                           f"{value!r} (row {position + 1})")])
