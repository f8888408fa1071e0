"""Sharper tests with pre-experiment data: CUPED variance reduction.

:func:`pre_period_spend` measures each offered customer's spend before the
offer (the covariate); :func:`cuped_comparison` compares each arm with control
before and after the adjustment.

References
----------
Deng, A., Xu, Y., Kohavi, R. & Walker, T. (2013). Improving the sensitivity of
online controlled experiments by utilizing pre-experiment data. *WSDM '13*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.experiments._common import (
    check_probability,
    pair_frames,
    require_numeric,
    welch_test,
)
from xsell_lab.experiments.checks import check_experiments

_PRE_PERIOD_SPEND = "pre_period_spend"


def pre_period_spend(lines: pd.DataFrame, offers: pd.DataFrame, *, days: int = 365) -> pd.DataFrame:
    """Each offered customer's spend in the ``days`` days before the offer date.

    The CUPED covariate must be measured before the experiment, so the
    offer cannot have changed it (Deng et al. 2013, sec. 3.3).

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines (:func:`xsell_lab.data.company.sales_lines`): ``customer_id``,
        ``order_date``, ``revenue``.
    offers : pandas.DataFrame
        The canonical offers table (``offer_date`` needed).
    days : int
        Length of the pre-period; the offer date itself is excluded.

    Returns
    -------
    pandas.DataFrame
        The offers table with an added column ``pre_period_spend`` (0 for
        customers who bought nothing in the window).
    """
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, s.REVENUE], "sales lines")
    require_columns(offers, [s.OFFER_ID, s.CUSTOMER_ID, s.OFFER_DATE], s.OFFERS)
    joined = offers[[s.OFFER_ID, s.CUSTOMER_ID, s.OFFER_DATE]].merge(
        lines[[s.CUSTOMER_ID, s.ORDER_DATE, s.REVENUE]], on=s.CUSTOMER_ID, how="inner"
    )
    window = (joined[s.ORDER_DATE] < joined[s.OFFER_DATE]) & (
        joined[s.ORDER_DATE] >= joined[s.OFFER_DATE] - pd.Timedelta(days=days)
    )
    spend = joined.loc[window].groupby(s.OFFER_ID)[s.REVENUE].sum().rename(_PRE_PERIOD_SPEND)
    return offers.merge(spend, left_on=s.OFFER_ID, right_index=True, how="left").fillna({_PRE_PERIOD_SPEND: 0.0})


def cuped_comparison(
    offers: pd.DataFrame,
    *,
    covariate: str = _PRE_PERIOD_SPEND,
    metric: str = s.REVENUE,
    control: str = "control",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Each arm's uplift before and after CUPED variance reduction.

    CUPED (Deng et al. 2013, eq. 3-4) replaces the outcome ``Y`` by
    ``Y_cuped = Y - theta (X - mean(X))`` with ``theta = cov(Y, X) / var(X)``
    estimated on both arms pooled, ``X`` a pre-experiment covariate. ``X``
    is independent of the assignment, so the expected difference is
    unchanged while the variance shrinks by the factor ``1 - rho^2`` (``rho``
    = correlation of ``X`` and ``Y``). Both differences get a Welch interval.

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical offers table with the ``covariate`` column (see
        :func:`pre_period_spend`).
    covariate : str
        Pre-experiment numeric column.
    metric : str
        Outcome column (``revenue``, or ``accepted`` for conversion).
    control : str
        Name of the control arm.
    confidence : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Two rows per experiment and arm (``method`` = ``unadjusted`` /
        ``cuped``): ``difference``, ``std_error``, ``ci_low``, ``ci_high``,
        ``p_value``, and ``theta``, ``correlation``, ``variance_reduction``
        (``1 - var(Y_cuped) / var(Y)``), ``ci_width_ratio`` (CUPED width /
        unadjusted width).
    """
    check_probability(confidence, "confidence")
    check_experiments(offers, control=control)
    require_numeric(offers, covariate)
    require_numeric(offers, metric)
    rows = []
    for (experiment, arm), pair in pair_frames(offers, control):
        y = pair[metric].to_numpy(dtype=float)
        x = pair[covariate].to_numpy(dtype=float)
        treated = (pair[s.VARIANT] == arm).to_numpy()
        theta = np.cov(y, x)[0, 1] / x.var(ddof=1) if x.var() > 0 else 0.0
        adjusted = y - theta * (x - x.mean())
        correlation = np.corrcoef(y, x)[0, 1] if x.var() > 0 and y.var() > 0 else 0.0
        reduction = 1 - adjusted.var(ddof=1) / y.var(ddof=1) if y.var() > 0 else 0.0
        for method, outcome in (("unadjusted", y), ("cuped", adjusted)):
            welch = welch_test(outcome[treated], outcome[~treated], confidence)
            rows.append({s.EXPERIMENT_ID: experiment, s.VARIANT: arm, "method": method, **welch, "theta": theta,
                         "correlation": correlation, "variance_reduction": reduction})
    table = pd.DataFrame(rows)
    width = table["ci_high"] - table["ci_low"]
    unadjusted_width = width.groupby([table[s.EXPERIMENT_ID], table[s.VARIANT]]).transform("first")
    table["ci_width_ratio"] = width / unadjusted_width
    return table[[s.EXPERIMENT_ID, s.VARIANT, "method", "difference", "std_error", "ci_low", "ci_high", "p_value", "theta",
                  "correlation", "variance_reduction", "ci_width_ratio"]]
