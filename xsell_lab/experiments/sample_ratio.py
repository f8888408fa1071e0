"""Are the arms the sizes the plan said? The sample-ratio mismatch check.

:func:`sample_ratio_mismatch` (chi-square goodness of fit of the arm sizes to
the planned split), graded by :data:`SRM_GRADES` (:func:`srm_grade`).

References
----------
Kohavi, R., Tang, D. & Xu, Y. (2020). *Trustworthy Online Controlled
Experiments*. Cambridge University Press. Chapter 21.
Fabijan, A., Gupchup, J., Gupta, S., Omhover, J., Qin, W., Vermeer, L. &
Dmitriev, P. (2019). Diagnosing sample ratio mismatch in online controlled
experiments. *KDD '19*.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from xsell_lab._text import p_value_text
from xsell_lab.data import schema as s
from xsell_lab.exceptions import (
    DataValidationError,
    Problem,
    SampleRatioMismatchWarning,
)
from xsell_lab.experiments.checks import check_experiments

#: Verdict bands of the sample-ratio check: ``(p-value bound, grade, meaning)``, strictest first.
SRM_GRADES = (
    (0.001, "mismatch", "the arm sizes differ from the planned split far more than chance gives"),
    (0.01, "likely mismatch", "the arm sizes differ from the planned split more than chance usually gives"),
    (0.05, "borderline", "the arm sizes are borderline: a little more unequal than chance usually gives"),
    (float("inf"), "consistent", "the arm sizes are consistent with the planned split"),
)


def sample_ratio_mismatch(
    offers: pd.DataFrame,
    planned_shares: Mapping[str, Mapping[str, float]] | None = None,
    *,
    control: str = "control",
    threshold: float = 0.01,
    warn: bool = True,
) -> pd.DataFrame:
    """Are the arms the sizes the plan said? (chi-square goodness of fit).

    ``chi2 = sum((observed - expected)^2 / expected)`` over the arms, with
    ``expected = planned share x customers``, ``arms - 1`` degrees of
    freedom. A p-value below ``threshold`` means the assignment or the
    logging is broken (a bot filter, a crash in one arm, a redirect): do not
    read the results until the cause is found (Kohavi, Tang & Xu 2020,
    ch. 21). Platforms that run the check on thousands of experiments alarm
    at 0.0005 to 0.001 (Fabijan et al. 2019); a team reading a handful of
    tests by hand can afford to look closer, so the default flags p < 0.01,
    and the verdict is graded by :data:`SRM_GRADES` so that a split with
    p = 0.0086 is never called a match.

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical offers table.
    planned_shares : mapping, optional
        ``{experiment_id: {variant: share}}``; shares are normalised to sum
        to 1. Experiments not in it (or all, when None) are planned as equal
        splits over their observed arms. A planned arm with no customers
        is an error.
    control : str
        Name of the control arm.
    threshold : float
        p-value below which a mismatch is flagged (``mismatch`` True).
    warn : bool
        Emit a :class:`SampleRatioMismatchWarning` naming each flagged experiment.

    Returns
    -------
    pandas.DataFrame
        One row per experiment and arm: ``experiment_id``, ``variant``,
        ``customers``, ``planned_share``, ``observed_share``, ``expected``,
        and per experiment ``chi2``, ``dof``, ``p_value``, ``grade`` (one of
        :data:`SRM_GRADES`' names), ``mismatch`` (``p_value < threshold``),
        ``message`` (a plain-language verdict).
    """
    check_experiments(offers, control=control)
    counts = offers.groupby([s.EXPERIMENT_ID, s.VARIANT], observed=True).size().rename("customers").reset_index()
    counts["planned_share"] = _planned_shares(counts, planned_shares or {})
    total = counts.groupby(s.EXPERIMENT_ID)["customers"].transform("sum")
    counts["observed_share"] = counts["customers"] / total
    counts["expected"] = counts["planned_share"] * total
    per_experiment = counts.groupby(s.EXPERIMENT_ID).apply(_chi_square, include_groups=False)
    counts = counts.merge(per_experiment, left_on=s.EXPERIMENT_ID, right_index=True)
    counts["grade"] = [srm_grade(p_value) for p_value in counts["p_value"]]
    counts["mismatch"] = counts["p_value"] < threshold
    counts["message"] = [_srm_message(row, threshold) for row in counts.itertuples()]
    flagged = counts.loc[counts["mismatch"]].drop_duplicates(s.EXPERIMENT_ID)
    if warn and len(flagged):
        warnings.warn(" ".join(flagged["message"]), SampleRatioMismatchWarning, stacklevel=2)
    return counts.reset_index(drop=True)


def _planned_shares(counts: pd.DataFrame, planned: Mapping[str, Mapping[str, float]]) -> np.ndarray:
    problems = []
    shares = np.empty(len(counts))
    for experiment, rows in counts.groupby(s.EXPERIMENT_ID).groups.items():
        arms = counts.loc[rows, s.VARIANT]
        plan = dict(planned.get(experiment, {arm: 1.0 for arm in arms}))
        empty = [arm for arm in plan if arm not in set(arms)]
        if empty:
            problems.append(Problem(s.OFFERS, s.VARIANT, "planned arm(s) have zero customers", len(empty),
                                    f"experiment {experiment!r}, arm {empty[0]!r}",
                                    "An empty arm means the assignment failed: check the randomisation"))
        unplanned = [arm for arm in arms if arm not in plan]
        if unplanned:
            problems.append(Problem(s.OFFERS, s.VARIANT, "arm(s) are not in the plan", len(unplanned),
                                    f"experiment {experiment!r}, arm {unplanned[0]!r}"))
            continue
        total = sum(plan.values())
        shares[counts.index.get_indexer(rows)] = [plan[arm] / total for arm in arms]
    if problems:
        raise DataValidationError(problems)
    return shares


def _chi_square(group: pd.DataFrame) -> pd.Series:
    chi2, p_value = stats.chisquare(group["customers"], group["expected"])
    return pd.Series({"chi2": float(chi2), "dof": len(group) - 1, "p_value": float(p_value)})


def srm_grade(p_value: float) -> str:
    """The verdict band of a sample-ratio p-value: the first of :data:`SRM_GRADES` whose bound exceeds it."""
    return next(name for bound, name, _ in SRM_GRADES if p_value < bound)


def _srm_message(row, threshold: float) -> str:
    meaning = next(text for _, name, text in SRM_GRADES if name == row.grade)
    statistic = f"chi-square {row.chi2:.2f}, {p_value_text(row.p_value)}"
    if not row.mismatch:
        return f"{row.experiment_id}: {meaning} ({statistic})."
    return (
        f"Sample ratio mismatch in experiment {row.experiment_id}: {meaning} ({statistic}, below {threshold:g}). "
        "Do not trust its results until the assignment and logging have been checked."
    )
