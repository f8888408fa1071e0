"""Calibration/holdout checks of the BG/NBD: does the model predict what customers did next?

Two checks from Fader, Hardie & Lee (2005, figures 2-4): the mean number of
holdout purchases by calibration frequency, expected vs actual; and the
cumulative repeat purchases of the whole cohort week by week, expected vs
actual, across the calibration and holdout periods. A third asks the question
of the churn list: did the share of one-time and of repeat buyers who bought
again in the holdout match their chance of buying?
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab._deprecation import renamed_parameters
from xsell_lab.clv._customers import COLUMN_RENAMES
from xsell_lab.data import schema as s
from xsell_lab.clv.bgnbd import BetaGeoModel
from xsell_lab.clv.churn import purchase_probability
from xsell_lab.clv.rfm import purchase_days
from xsell_lab.stats.intervals import wilson_interval

#: Columns of :func:`holdout_purchase_shares`.
PURCHASE_SHARE_COLUMNS = ["buyers", "customers", "predicted", "observed", "ci_low", "ci_high"]


def holdout_by_frequency(model: BetaGeoModel, summary: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Mean holdout purchases per customer, actual vs expected, by calibration frequency.

    Parameters
    ----------
    model : BetaGeoModel
        Fitted on the calibration columns of ``summary``.
    summary : pandas.DataFrame
        Output of :func:`xsell_lab.clv.calibration_holdout_summary`.
    max_frequency : int, default 7
        Frequencies at or above this are pooled ("7+").

    Returns
    -------
    pandas.DataFrame
        One row per calibration frequency ``0..max_frequency``: ``frequency``
        (int, the last one meaning "or more"), ``label``, ``customers``,
        ``actual`` and ``expected`` (mean holdout purchases per customer).
    """
    expected = model.conditional_expected_purchases(float(summary["duration_holdout"].iloc[0]), summary)
    frame = pd.DataFrame(
        {
            "frequency": summary["frequency"].clip(upper=max_frequency).astype("int64"),
            "actual": summary["frequency_holdout"],
            "expected": expected,
        }
    )
    table = frame.groupby("frequency").agg(
        customers=("actual", "size"), actual=("actual", "mean"), expected=("expected", "mean")
    )
    table = table.reset_index()
    table.insert(1, "label", [f"{f}+" if f == max_frequency else str(f) for f in table["frequency"]])
    return table


@renamed_parameters(**COLUMN_RENAMES)
def holdout_purchase_shares(model: BetaGeoModel, summary: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """The share of one-time and of repeat buyers who bought in the holdout, against their predicted chance.

    The predicted share of a group is the mean of its customers'
    :func:`xsell_lab.clv.purchase_probability` over the holdout; the observed
    share is the customers with at least one holdout purchase day, with a
    Wilson interval (Wilson 1927). A prediction outside the interval says the
    model's chance of buying is off for that group.

    Parameters
    ----------
    model : BetaGeoModel
        Fitted on the calibration columns of ``summary``.
    summary : pandas.DataFrame
        Output of :func:`xsell_lab.clv.calibration_holdout_summary`.
    confidence : float, default 0.95
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PURCHASE_SHARE_COLUMNS`, one row for ``"one-time"`` and
        one for ``"repeat"`` buyers of the calibration period (a group without
        customers is left out): ``customers``, ``predicted`` and ``observed``
        shares, ``ci_low`` and ``ci_high`` of the observed share.
    """
    chance = purchase_probability(model, summary, float(summary["duration_holdout"].iloc[0]))
    bought = summary["frequency_holdout"] > 0
    group = np.where(summary["frequency"] > 0, "repeat", "one-time")
    table = (
        pd.DataFrame({"buyers": group, "chance": chance.to_numpy(), "bought": bought.to_numpy()})
        .groupby("buyers", sort=True)
        .agg(customers=("bought", "size"), predicted=("chance", "mean"), bought=("bought", "sum"))
        .reset_index()
    )
    low, high = wilson_interval(table["bought"].to_numpy(), table["customers"].to_numpy(), confidence)
    table = table.assign(observed=table["bought"] / table["customers"], ci_low=low, ci_high=high)
    return table[PURCHASE_SHARE_COLUMNS]


def cumulative_repeat_purchases(
    model: BetaGeoModel,
    purchases: pd.DataFrame,
    calibration_end: str | pd.Timestamp,
    holdout_end: str | pd.Timestamp,
    *,
    time_unit: float = 7.0,
    customer_column: str = s.CUSTOMER_ID,
    date_column: str = s.ORDER_DATE,
    value_column: str = s.REVENUE,
) -> pd.DataFrame:
    """Cumulative repeat purchases of the calibration cohort, actual vs BG/NBD expected.

    The expected curve is ``sum_i E[X(t - s_i)]`` (eq. 9) over the cohort's
    customers, ``s_i`` being customer i's first purchase time; it uses the
    unconditional expectation, so the holdout part is a true forecast.

    Parameters
    ----------
    model : BetaGeoModel
        Fitted on the calibration period, with times in ``time_unit`` days.
    purchases : pandas.DataFrame
        Purchase lines, as for :func:`xsell_lab.clv.rfm_summary`.
    calibration_end, holdout_end : str or pandas.Timestamp
        Ends of the two periods (inclusive).
    time_unit : float, default 7.0
        Days per step of the curve (and per model time unit).
    customer_column, date_column, value_column : str
        Column names in ``purchases``.

    Returns
    -------
    pandas.DataFrame
        One row per step: ``period`` (1, 2, ...), ``date`` (last day of the
        step; steps are aligned so that one ends on ``calibration_end``, and
        the last one ends on ``holdout_end``),
        ``period_type`` (``calibration`` or ``holdout``), ``actual`` and
        ``expected`` cumulative repeat purchases.
    """
    days = purchase_days(purchases, customer_column=customer_column, date_column=date_column, value_column=value_column)
    cal_end, hold_end = pd.Timestamp(calibration_end).normalize(), pd.Timestamp(holdout_end).normalize()
    first = days.loc[days["is_first"], [s.CUSTOMER_ID, "purchase_date"]]
    cohort = first.loc[first["purchase_date"] <= cal_end]
    start = cohort["purchase_date"].min()
    repeat = days.loc[~days["is_first"] & days[s.CUSTOMER_ID].isin(cohort[s.CUSTOMER_ID])]
    repeat = repeat.loc[repeat["purchase_date"] <= hold_end]
    step_end = _step_ends((cal_end - start).days, (hold_end - start).days, time_unit)
    repeat_day = (repeat["purchase_date"] - start).dt.days.to_numpy()
    actual = np.searchsorted(np.sort(repeat_day), step_end, side="right")
    first_day, counts = np.unique((cohort["purchase_date"] - start).dt.days.to_numpy(), return_counts=True)
    age = (step_end[:, None] - first_day[None, :]) / time_unit
    expected = model.expected_purchases(np.clip(age, 0, None)) @ counts
    dates = start + pd.to_timedelta(step_end, unit="D")
    return pd.DataFrame(
        {
            "period": np.arange(1, len(step_end) + 1),
            "date": dates,
            "period_type": np.where(dates <= cal_end, "calibration", "holdout"),
            "actual": actual,
            "expected": expected,
        }
    )


def _step_ends(calibration_day: int, holdout_day: int, time_unit: float) -> np.ndarray:
    """Day offsets (from the cohort's first day) at which the curves are read."""
    steps = np.arange(-np.floor(calibration_day / time_unit), np.floor((holdout_day - calibration_day) / time_unit) + 1)
    ends = calibration_day + steps * time_unit
    if ends[-1] < holdout_day:
        ends = np.append(ends, holdout_day)
    return ends[ends >= 0]


#: A BG/NBD whose mean drop-out probability after a purchase, a / (a + b), is below this
#: has found (almost) no customers leaving: P(alive) is then close to 1 for everyone.
MIN_DROPOUT = 0.005


def bgnbd_fit_problems(model: BetaGeoModel) -> list[str]:
    """Why a fitted BG/NBD should not be trusted, in plain words (empty when nothing is wrong).

    Real data often put the maximum of the likelihood on the edge of the parameter
    space: the drop-out parameters ``a`` and ``b`` run towards 0 or infinity, the
    standard errors cannot be computed (NaN), and every customer gets P(alive) near
    100%. The fit then "converges", yet its P(alive) and churn risk say nothing.

    Parameters
    ----------
    model : BetaGeoModel
        A fitted model.

    Returns
    -------
    list of str
        One sentence per problem found: standard errors that cannot be computed,
        a mean drop-out probability ``a / (a + b)`` below :data:`MIN_DROPOUT`, and
        drop-out parameters whose 95% interval includes 0.
    """
    summary = model.summary()
    estimate, error = summary["estimate"], summary["std_error"]
    problems = []
    if not np.isfinite(error.to_numpy(dtype=float)).all():
        problems.append("its standard errors cannot be computed (the best fit lies on the edge of what the model allows)")
    dropout = estimate["a"] / (estimate["a"] + estimate["b"])
    if dropout < MIN_DROPOUT:
        problems.append(
            f"it finds almost no customers leaving (a drop-out chance of {dropout:.2%} after a purchase), so P(alive) "
            "is close to 100% for everyone, however long they have been silent"
        )
    loose = [name for name in ("a", "b") if np.isfinite(error[name]) and summary.loc[name, "ci_low"] <= 0]
    if loose:
        problems.append(f"the drop-out parameter{'s' if len(loose) > 1 else ''} {' and '.join(loose)} "
                        f"{'are' if len(loose) > 1 else 'is'} not pinned down (the 95% interval includes 0)")
    return problems
