"""Does the offer work differently by segment? Segment uplifts with a heterogeneity test.

:func:`segment_effects`: :func:`~xsell_lab.experiments.readout.compare_conversion`
per segment, and Cochran's Q test that the segment uplifts are equal.

References
----------
Cochran, W. G. (1954). The combination of estimates from different
experiments. *Biometrics*, 10, 101-129.
Kohavi, R., Tang, D. & Xu, Y. (2020). *Trustworthy Online Controlled
Experiments*. Cambridge University Press. Chapter 3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.exceptions import DataValidationError, Problem
from xsell_lab.experiments.readout import compare_conversion


def segment_effects(
    offers: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    segment_column: str = s.SEGMENT,
    control: str = "control",
    confidence: float = 0.95,
    correction: str = "holm",
) -> pd.DataFrame:
    """Uplift of each arm within each customer segment, with a heterogeneity test.

    Per segment: :func:`compare_conversion` (Newcombe interval, pooled
    z-test), p-values adjusted across all segments and arms of an
    experiment. Per experiment and arm: Cochran's Q test that the segment
    uplifts are equal, ``Q = sum w_i (d_i - d_w)^2`` with inverse-variance
    (Wald) weights ``w_i``, ``segments - 1`` degrees of freedom (Cochran
    1954). Only a small Q p-value supports "the offer works differently by
    segment".

    Warning: slicing a test into many subgroups and reporting the one that
    "worked" is subgroup fishing; with 10 segments one is likely
    "significant" by chance. Decide the segments before the test, correct
    for their number, and confirm a surprising subgroup in a new test
    (Kohavi, Tang & Xu 2020, ch. 3).

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical offers table.
    customers : pandas.DataFrame
        ``customer_id`` and ``segment_column``.
    segment_column : str
        Customer column defining the subgroups.
    control, confidence, correction
        As in :func:`compare_conversion`.

    Returns
    -------
    pandas.DataFrame
        :data:`CONVERSION_COLUMNS` with ``segment_column`` after
        ``variant``, plus ``heterogeneity_q`` and ``heterogeneity_p_value``
        (same value on every segment row of an experiment and arm).
    """
    require_columns(customers, [s.CUSTOMER_ID, segment_column], s.CUSTOMERS)
    labelled = offers.merge(customers[[s.CUSTOMER_ID, segment_column]], on=s.CUSTOMER_ID, how="left",
                            validate="many_to_one")
    unknown = labelled[segment_column].isna()
    if unknown.any():
        raise DataValidationError([Problem(s.OFFERS, s.CUSTOMER_ID, f"have no {segment_column} in table 'customers'",
                                           int(unknown.sum()), repr(labelled.loc[unknown, s.CUSTOMER_ID].iloc[0]))])
    table = compare_conversion(labelled, control=control, confidence=confidence, correction=correction, by=segment_column)
    se = np.sqrt(table["rate_treatment"] * (1 - table["rate_treatment"]) / table["customers_treatment"]
                 + table["rate_control"] * (1 - table["rate_control"]) / table["customers_control"])
    weighted = table.assign(_w=np.where(se > 0, 1 / se.where(se > 0) ** 2, 0.0))
    q = weighted.groupby([s.EXPERIMENT_ID, s.VARIANT], observed=True)[["uplift", "_w"]].apply(_cochran_q)
    return table.merge(q, left_on=[s.EXPERIMENT_ID, s.VARIANT], right_index=True)


def _cochran_q(group: pd.DataFrame) -> pd.Series:
    weights, uplift = group["_w"].to_numpy(), group["uplift"].to_numpy()
    used = weights > 0
    if used.sum() < 2:
        return pd.Series({"heterogeneity_q": np.nan, "heterogeneity_p_value": np.nan})
    pooled = np.sum(weights[used] * uplift[used]) / weights[used].sum()
    q = float(np.sum(weights[used] * (uplift[used] - pooled) ** 2))
    return pd.Series({"heterogeneity_q": q, "heterogeneity_p_value": float(stats.chi2.sf(q, used.sum() - 1))})
