"""Did the offer work? Conversion and revenue of each offer arm against control.

:func:`compare_conversion`: uplift in conversion, Newcombe interval, pooled
z-test; :func:`compare_revenue`: difference in revenue per customer, Welch
interval and test, and a seeded bootstrap interval. Both adjust the p-values
for the arms compared with the same control (:data:`CORRECTIONS`).

References
----------
Kohavi, R., Tang, D. & Xu, Y. (2020). *Trustworthy Online Controlled
Experiments*. Cambridge University Press.
Newcombe, R. G. (1998). Interval estimation for the difference between
independent proportions: comparison of eleven methods. *Statistics in
Medicine*, 17, 873-890.
Holm, S. (1979). A simple sequentially rejective multiple test procedure.
*Scandinavian Journal of Statistics*, 6, 65-70.
Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate.
*Journal of the Royal Statistical Society B*, 57, 289-300.
Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
Chapman & Hall, chapter 13.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from xsell_lab.data import schema as s
from xsell_lab.data.validation import as_list
from xsell_lab.exceptions import DataValidationError, Problem
from xsell_lab.experiments._common import (
    check_probability,
    pair_frames,
    require_numeric,
    welch_test,
)
from xsell_lab.experiments.checks import check_experiments
from xsell_lab.stats import newcombe_interval, pooled_z_test

#: Correction methods accepted by the ``correction`` parameters (statsmodels names).
CORRECTIONS = ("holm", "fdr_bh", "bonferroni", "none")
#: Columns of :func:`compare_conversion`.
CONVERSION_COLUMNS = [
    s.EXPERIMENT_ID, s.VARIANT, "customers_control", "customers_treatment", "conversions_control",
    "conversions_treatment", "rate_control", "rate_treatment", "uplift", "ci_low", "ci_high",
    "relative_uplift", "z", "p_value", "p_adjusted", "significant",
]


def compare_conversion(
    offers: pd.DataFrame,
    *,
    control: str = "control",
    confidence: float = 0.95,
    correction: str = "holm",
    by: str | list[str] | None = None,
) -> pd.DataFrame:
    """Uplift in conversion of each offer arm over the control arm.

    ``uplift = rate_treatment - rate_control`` (percentage points / 100), its
    Newcombe hybrid score interval (:func:`newcombe_interval`), the pooled
    two-proportion z-test (:func:`pooled_z_test`) and p-values adjusted for
    the number of arms compared with the same control (Holm 1979 or
    Benjamini & Hochberg 1995, via ``statsmodels.stats.multitest``).

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical offers table (``experiment_id``, ``variant``,
        ``customer_id``, ``accepted``), plus the ``by`` columns.
    control : str
        Name of the control arm.
    confidence : float
        Confidence level of the interval.
    correction : {"holm", "fdr_bh", "bonferroni", "none"}
        Multiple-testing correction across the arms (and ``by`` groups) of
        one experiment.
    by : str or list of str, optional
        Extra grouping columns (e.g. ``segment``): one comparison per group.

    Returns
    -------
    pandas.DataFrame
        :data:`CONVERSION_COLUMNS` (with the ``by`` columns after
        ``variant``). ``significant`` = ``p_adjusted < 1 - confidence``.
    """
    check_probability(confidence, "confidence")
    check_experiments(offers, control=control)
    keys = [s.EXPERIMENT_ID] + as_list(by)
    counts = (
        offers.assign(_converted=offers[s.ACCEPTED].astype(bool))
        .groupby(keys + [s.VARIANT], observed=True)["_converted"]
        .agg(customers="size", conversions="sum")
        .reset_index()
    )
    pairs = _pair_with_control(counts, keys, control)
    x_t, n_t = pairs["conversions_treatment"].to_numpy(), pairs["customers_treatment"].to_numpy()
    x_c, n_c = pairs["conversions_control"].to_numpy(), pairs["customers_control"].to_numpy()
    low, high = newcombe_interval(x_t, n_t, x_c, n_c, confidence)
    z, p_value = pooled_z_test(x_t, n_t, x_c, n_c)
    pairs = pairs.assign(
        rate_control=x_c / n_c, rate_treatment=x_t / n_t, uplift=x_t / n_t - x_c / n_c, ci_low=low, ci_high=high, z=z,
        p_value=p_value,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        pairs["relative_uplift"] = np.where(pairs["rate_control"] > 0, pairs["uplift"] / pairs["rate_control"], np.nan)
    pairs = _adjust(pairs, correction, 1 - confidence)
    columns = CONVERSION_COLUMNS[:2] + as_list(by) + CONVERSION_COLUMNS[2:]
    return pairs[columns]


def compare_revenue(
    offers: pd.DataFrame,
    *,
    control: str = "control",
    metric: str = s.REVENUE,
    confidence: float = 0.95,
    correction: str = "holm",
    n_bootstrap: int = 2000,
    seed: int = 42,
) -> pd.DataFrame:
    """Difference in revenue per customer of each offer arm over control.

    Welch's t-test (Welch 1947) with the Welch-Satterthwaite degrees of
    freedom::

        se = sqrt(s_t^2 / n_t + s_c^2 / n_c)
        df = se^4 / ((s_t^2/n_t)^2 / (n_t - 1) + (s_c^2/n_c)^2 / (n_c - 1))

    and, because revenue per customer is mostly zeros with a long tail, a
    percentile bootstrap interval of the difference in means (Efron &
    Tibshirani 1993, ch. 13), resampling customers within each arm.

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical offers table; ``metric`` is the per-customer outcome.
    control : str
        Name of the control arm.
    metric : str
        Numeric outcome column, default ``revenue``.
    confidence : float
        Confidence level of both intervals.
    correction : {"holm", "fdr_bh", "bonferroni", "none"}
        Multiple-testing correction of the Welch p-values within an experiment.
    n_bootstrap : int
        Bootstrap resamples (0 = no bootstrap; its columns are then empty).
    seed : int
        Seed of the bootstrap's random generator.

    Returns
    -------
    pandas.DataFrame
        ``experiment_id``, ``variant``, ``customers_control``,
        ``customers_treatment``, ``mean_control``, ``mean_treatment``,
        ``difference``, ``std_error``, ``df``, ``ci_low``, ``ci_high`` (Welch),
        ``boot_ci_low``, ``boot_ci_high``, ``t``, ``p_value``,
        ``p_adjusted``, ``significant``.
    """
    check_probability(confidence, "confidence")
    check_experiments(offers, control=control)
    require_numeric(offers, metric)
    rng = np.random.default_rng(seed)
    rows = []
    for (experiment, arm), treated, untreated in _arm_pairs(offers, control, metric):
        welch = welch_test(treated, untreated, confidence)
        boot = _bootstrap_difference(treated, untreated, confidence, n_bootstrap, rng)
        rows.append({s.EXPERIMENT_ID: experiment, s.VARIANT: arm, "customers_control": untreated.size,
                     "customers_treatment": treated.size, "mean_control": untreated.mean(),
                     "mean_treatment": treated.mean(), **welch, "boot_ci_low": boot[0], "boot_ci_high": boot[1]})
    table = _adjust(pd.DataFrame(rows), correction, 1 - confidence)
    return table[[s.EXPERIMENT_ID, s.VARIANT, "customers_control", "customers_treatment", "mean_control",
                  "mean_treatment", "difference", "std_error", "df", "ci_low", "ci_high", "boot_ci_low", "boot_ci_high", "t",
                  "p_value", "p_adjusted", "significant"]]


def _bootstrap_difference(
    treated: np.ndarray, untreated: np.ndarray, confidence: float, n_bootstrap: int, rng: np.random.Generator
) -> tuple[float, float]:
    if n_bootstrap <= 0:
        return np.nan, np.nan
    differences = np.empty(n_bootstrap)
    for start in range(0, n_bootstrap, 100):
        size = min(100, n_bootstrap - start)
        mean_t = treated[rng.integers(0, treated.size, (size, treated.size))].mean(axis=1)
        mean_c = untreated[rng.integers(0, untreated.size, (size, untreated.size))].mean(axis=1)
        differences[start:start + size] = mean_t - mean_c
    tail = (1 - confidence) / 2
    low, high = np.quantile(differences, [tail, 1 - tail])
    return float(low), float(high)


def _pair_with_control(counts: pd.DataFrame, keys: list[str], control: str) -> pd.DataFrame:
    is_control = counts[s.VARIANT] == control
    control_counts = counts.loc[is_control].drop(columns=s.VARIANT)
    treated = counts.loc[~is_control]
    pairs = treated.merge(control_counts, on=keys, how="left", suffixes=("_treatment", "_control"))
    missing = pairs["customers_control"].isna()
    if missing.any():
        example = ", ".join(f"{k}={pairs.loc[missing, k].iloc[0]!r}" for k in keys)
        raise DataValidationError([Problem(s.OFFERS, s.VARIANT, f"group(s) have no '{control}' customers to compare with",
                                           int(missing.sum()), example)])
    return pairs.astype({"customers_control": int, "conversions_control": int})


def _arm_pairs(offers: pd.DataFrame, control: str, metric: str):
    for key, pair in pair_frames(offers, control):
        treated = pair[s.VARIANT] == key[1]
        values = pair[metric].to_numpy(dtype=float)
        yield key, values[treated.to_numpy()], values[~treated.to_numpy()]


def _adjust(table: pd.DataFrame, correction: str, alpha: float) -> pd.DataFrame:
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {', '.join(CORRECTIONS)}. Got {correction!r}.")
    adjusted = table["p_value"].to_numpy(dtype=float).copy()
    if correction != "none":
        for rows in table.groupby(s.EXPERIMENT_ID, observed=True).indices.values():
            adjusted[rows] = multipletests(table["p_value"].to_numpy()[rows], method=correction)[1]
    return table.assign(p_adjusted=adjusted, significant=adjusted < alpha)
