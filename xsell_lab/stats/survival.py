"""Kaplan-Meier: the share still waiting after t days, when some waits are not over yet.

A wait that has not ended by the end of the data (a customer who has not come back yet)
is *right censored*: we only know it is longer than the time observed. Dropping such
waits makes waiting look shorter than it is; counting them as "never" makes it look
longer. The Kaplan-Meier estimator uses each censored wait for as long as it was
observed (Kaplan & Meier 1958).

:func:`kaplan_meier`
    The survival curve with Greenwood standard errors and a log(-log) interval.
:func:`median_time`, :func:`share_within`
    Read a curve: the median wait, and ``1 - S(t)``, the share whose event came within t.

The durations come from :func:`xsell_lab.stats.sequences.waits` ("A then B") or
:func:`xsell_lab.lifecycle.time_to_next_order` (the next order).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from xsell_lab._deprecation import renamed_parameters
from xsell_lab.data.validation import DataValidationError, Problem, as_list, require_columns

#: Default duration column of the durations table (days, float >= 0).
DURATION = "duration_days"
#: Default event column of the durations table (True: the event happened; False: censored).
OBSERVED = "observed"
#: Columns of :func:`kaplan_meier` (after the ``by`` columns).
KAPLAN_MEIER_COLUMNS = ["time", "at_risk", "events", "censored", "survival", "std_error", "ci_low", "ci_high"]


@renamed_parameters(duration_col="duration_column", event_col="event_column")
def kaplan_meier(
    durations: pd.DataFrame,
    *,
    duration_column: str = DURATION,
    event_column: str = OBSERVED,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The Kaplan-Meier estimate of the share still waiting after t days.

    ::

        S(t) = prod over event times t_i <= t of (1 - d_i / n_i)

    with ``d_i`` events at ``t_i`` and ``n_i`` still at risk just before
    (Kaplan & Meier 1958, "Nonparametric estimation from incomplete
    observations", *JASA* 53(282), eq. 2). Censored cases count as at risk up
    to and including their time. Standard error by Greenwood's formula
    ``std_error = S sqrt(sum d_i / (n_i (n_i - d_i)))`` (Greenwood 1926); the
    interval uses the log(-log) transform (Kalbfleisch & Prentice 2002, *The
    Statistical Analysis of Failure Time Data*, 2nd ed., eq. 1.10), which
    keeps it inside [0, 1].

    Parameters
    ----------
    durations : pandas.DataFrame
        One row per case, e.g. from :func:`xsell_lab.stats.sequences.waits` or
        :func:`xsell_lab.lifecycle.time_to_next_order`.
    duration_column, event_column : str
        Time (>= 0) and event flag (True = happened, False = censored).
    by : str or list of str, optional
        One curve per group.
    confidence : float
        Level of the pointwise interval.

    Returns
    -------
    pandas.DataFrame
        [group columns], then :data:`KAPLAN_MEIER_COLUMNS`: ``time`` (each
        distinct time), ``at_risk``, ``events``, ``censored``, ``survival``,
        ``std_error``, ``ci_low``, ``ci_high``.

    Raises
    ------
    DataValidationError
        Missing columns, or empty or negative durations.
    """
    keys = as_list(by)
    require_columns(durations, [duration_column, event_column, *keys], "durations")
    _check_durations(durations, duration_column)
    if not keys:
        return _km_curve(durations[duration_column], durations[event_column].astype(bool), confidence)
    curves = [
        _km_curve(group[duration_column], group[event_column].astype(bool), confidence).assign(
            **dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        )
        for key, group in durations.groupby(keys, sort=True)
    ]
    return pd.concat(curves, ignore_index=True)[[*keys, *KAPLAN_MEIER_COLUMNS]]


def median_time(curve: pd.DataFrame) -> float:
    """The median wait: the first time at which the Kaplan-Meier curve is at or below 0.5.

    NaN when the curve never gets there (fewer than half ever have the event
    within the observed time).
    """
    below = curve.loc[curve["survival"] <= 0.5 + 1e-12, "time"]
    return float(below.iloc[0]) if len(below) else float("nan")


def share_within(curve: pd.DataFrame, days: float) -> float:
    """``1 - S(days)``: the share expected to have the event within ``days``, censoring accounted for."""
    before = curve.loc[curve["time"] <= days, "survival"]
    return float(1 - before.iloc[-1]) if len(before) else 0.0


def _km_curve(duration: pd.Series, observed: pd.Series, confidence: float) -> pd.DataFrame:
    times, position, total = np.unique(duration.to_numpy(dtype="float64"), return_inverse=True, return_counts=True)
    events = np.bincount(position, weights=observed.to_numpy(dtype=bool), minlength=times.size).astype("int64")
    at_risk = total[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1 - events / at_risk)
        greenwood = np.cumsum(np.where(events > 0, events / (at_risk * (at_risk - events)), 0.0))
        std_error = np.where(survival > 0, survival * np.sqrt(greenwood), 0.0)
        z = stats.norm.ppf(0.5 + confidence / 2)
        log_survival = np.log(survival)
        spread = z * np.sqrt(greenwood) / np.abs(log_survival)
        low = np.where((survival > 0) & (survival < 1), survival ** np.exp(spread), np.nan)
        high = np.where((survival > 0) & (survival < 1), survival ** np.exp(-spread), np.nan)
    return pd.DataFrame({
        "time": times, "at_risk": at_risk, "events": events, "censored": total - events,
        "survival": survival, "std_error": std_error, "ci_low": low, "ci_high": high,
    })  # fmt: skip


def _check_durations(durations: pd.DataFrame, duration_column: str) -> None:
    values = durations[duration_column]
    bad = values.isna() | (values < 0)
    if bad.any():
        example = values[bad].iloc[0]
        raise DataValidationError([
            Problem("durations", duration_column, "are empty or negative", int(bad.sum()),
                    f"{example} (row {int(np.flatnonzero(bad.to_numpy())[0]) + 1})",
                    hint="A wait cannot end before it starts: check the dates and the cut-off")
        ])  # fmt: skip
