"""A/B tests of cross-sell offers: did the offer work, how sure are we, how big must the next test be?

Every function reads the canonical ``offers`` table (one row per customer and
experiment: ``experiment_id``, ``variant``, ``customer_id``, ``accepted``,
``revenue``) and returns a tidy DataFrame. The arm named ``control`` (the
default of every ``control`` parameter) received no offer; every other arm is
compared with it.

Choosing
    :func:`choose_experiment` (the experiment and offer arm a notebook studies
    when its parameters say ``"auto"``).
Planning
    :func:`sample_size_two_proportions`, :func:`power_two_proportions`
    (normal approximation on Cohen's *h*).
Reading a test
    :func:`compare_conversion` (uplift, Newcombe interval, pooled z-test,
    Holm / Benjamini-Hochberg across arms), :func:`compare_revenue` (Welch
    t-test and a seeded bootstrap), :func:`sample_ratio_mismatch`,
    :func:`segment_effects` (with a heterogeneity test).
Sharper and safer tests
    :func:`pre_period_spend` + :func:`cuped_comparison` (Deng et al. 2013),
    :func:`peeking_simulation` (the cost of looking at a running test).

Bad input (no control arm, an arm without customers, a customer in two arms,
missing columns) raises :class:`~xsell_lab.data.validation.DataValidationError`
naming the table, the column, the count and an example.

References
----------
Kohavi, R., Tang, D. & Xu, Y. (2020). *Trustworthy Online Controlled
Experiments*. Cambridge University Press.
Deng, A., Xu, Y., Kohavi, R. & Walker, T. (2013). Improving the sensitivity of
online controlled experiments by utilizing pre-experiment data. *WSDM '13*.
Newcombe, R. G. (1998). Interval estimation for the difference between
independent proportions: comparison of eleven methods. *Statistics in
Medicine*, 17, 873-890.
Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*
(2nd ed.), chapter 6.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from xsell_lab.data import schema as s
from xsell_lab.data.validation import AUTOMATIC, DataValidationError, Problem
from xsell_lab.exceptions import SampleRatioMismatchWarning
from xsell_lab.stats import newcombe_interval, pooled_z_test, wilson_interval  # noqa: F401 (wilson_interval re-exported)

#: Correction methods accepted by the ``correction`` parameters (statsmodels names).
CORRECTIONS = ("holm", "fdr_bh", "bonferroni", "none")
#: Columns of :func:`compare_conversion`.
CONVERSION_COLUMNS = [
    s.EXPERIMENT_ID, s.VARIANT, "customers_control", "customers_treatment", "conversions_control",
    "conversions_treatment", "rate_control", "rate_treatment", "uplift", "ci_low", "ci_high",
    "relative_uplift", "z", "p_value", "p_adjusted", "significant",
]
_PRE_PERIOD_SPEND = "pre_period_spend"


# --- checks ---------------------------------------------------------------


def check_experiments(offers: pd.DataFrame, *, control: str = "control", table: str = s.OFFERS) -> None:
    """Refuse experiment data that no test can be trusted on.

    Checks, for every experiment: the required columns exist; there is a
    ``control`` arm and at least one other arm; no arm is empty (an unused
    category of a categorical ``variant``); each customer appears in one arm
    only, once (a customer is the randomisation unit; Kohavi, Tang & Xu 2020,
    ch. 3).

    Parameters
    ----------
    offers : pandas.DataFrame
        Columns ``experiment_id``, ``variant``, ``customer_id``, ``accepted``.
    control : str
        Name of the control arm.
    table : str
        Table name used in error messages.

    Raises
    ------
    DataValidationError
        Listing every problem with table, column, count and an example.
    """
    missing = [c for c in (s.EXPERIMENT_ID, s.VARIANT, s.CUSTOMER_ID, s.ACCEPTED) if c not in offers.columns]
    if missing:
        raise DataValidationError(
            [Problem(table, c, "missing: the column is required for experiment analysis", len(offers)) for c in missing]
        )
    problems = _arm_problems(offers, control, table) + _customer_problems(offers, table)
    accepted_missing = offers[s.ACCEPTED].isna()
    if accepted_missing.any():
        problems.append(
            Problem(table, s.ACCEPTED, "are empty (every offered customer needs an outcome)", int(accepted_missing.sum()),
                    f"customer {offers.loc[accepted_missing, s.CUSTOMER_ID].iloc[0]!r}")
        )
    if problems:
        raise DataValidationError(problems)


def _arm_problems(offers: pd.DataFrame, control: str, table: str) -> list[Problem]:
    arms = offers.groupby(s.EXPERIMENT_ID, observed=True)[s.VARIANT].agg(lambda v: sorted(set(v.dropna())))
    problems = []
    no_control = arms[arms.map(lambda a: control not in a)]
    if len(no_control):
        problems.append(Problem(table, s.VARIANT, f"experiment(s) have no '{control}' arm", len(no_control),
                                f"{no_control.index[0]!r} has arms {', '.join(no_control.iloc[0])}",
                                "Every experiment needs a randomised control group to compare with"))
    control_only = arms[arms.map(lambda a: a == [control])]
    if len(control_only):
        problems.append(Problem(table, s.VARIANT, "experiment(s) have only the control arm", len(control_only),
                                repr(control_only.index[0])))
    if isinstance(offers[s.VARIANT].dtype, pd.CategoricalDtype):
        counts = offers.groupby([s.EXPERIMENT_ID, s.VARIANT], observed=False).size()
        counts = counts[counts.index.get_level_values(0).isin(arms.index)]
        empty = counts[counts == 0]
        if len(empty):
            experiment, arm = empty.index[0]
            problems.append(Problem(table, s.VARIANT, "arm(s) have zero customers", len(empty),
                                    f"experiment {experiment!r}, arm {arm!r}"))
    return problems


def _customer_problems(offers: pd.DataFrame, table: str) -> list[Problem]:
    per_customer = offers.groupby([s.EXPERIMENT_ID, s.CUSTOMER_ID], observed=True)[s.VARIANT].agg(["nunique", "size"])
    problems = []
    for rule, bad in (
        ("customer(s) are in more than one arm of the same experiment", per_customer["nunique"] > 1),
        ("customer(s) appear more than once in the same arm", (per_customer["nunique"] == 1) & (per_customer["size"] > 1)),
    ):
        if bad.any():
            experiment, customer = per_customer.index[bad.to_numpy()][0]
            rows = offers[(offers[s.EXPERIMENT_ID] == experiment) & (offers[s.CUSTOMER_ID] == customer)]
            example = f"{customer!r} in experiment {experiment!r}, arms {', '.join(map(str, rows[s.VARIANT]))}"
            problems.append(Problem(table, s.CUSTOMER_ID, rule, int(bad.sum()), example,
                                    "A customer must be randomised once: drop or fix the repeated rows"))
    return problems


# --- choosing ---------------------------------------------------------------

#: What :func:`choose_experiment` can rank experiments by (``most``), with its tie-breakers.
RANKINGS = {"customers": ["customers", "arms"], "arms": ["arms", "customers"]}


def experiment_overview(offers: pd.DataFrame, *, control: str = "control") -> pd.DataFrame:
    """One row per experiment: its arms, its customers and whether it has a control arm.

    Parameters
    ----------
    offers : pandas.DataFrame
        Columns ``experiment_id``, ``variant``, ``customer_id``.
    control : str
        Name of the control arm.

    Returns
    -------
    pandas.DataFrame
        ``experiment_id``, ``arms`` (number of arms, control included),
        ``customers`` (distinct customers), ``has_control``, ``offer_arms``
        (the other arms, most customers first, ties by name), sorted by
        ``experiment_id``.
    """
    _require_columns(offers, [s.EXPERIMENT_ID, s.VARIANT, s.CUSTOMER_ID], s.OFFERS)
    per_arm = (
        offers.dropna(subset=[s.VARIANT]).astype({s.VARIANT: str})
        .groupby([s.EXPERIMENT_ID, s.VARIANT], observed=True)[s.CUSTOMER_ID].nunique().rename("customers").reset_index()
        .sort_values([s.EXPERIMENT_ID, "customers", s.VARIANT], ascending=[True, False, True], kind="stable")
    )
    customers = offers.groupby(s.EXPERIMENT_ID, observed=True)[s.CUSTOMER_ID].nunique()
    rows = [
        {s.EXPERIMENT_ID: experiment, "arms": len(names), "customers": int(customers[experiment]),
         "has_control": control in names, "offer_arms": tuple(name for name in names if name != control)}
        for experiment, names in per_arm.groupby(s.EXPERIMENT_ID, observed=True, sort=True)[s.VARIANT].agg(list).items()
    ]
    return pd.DataFrame(rows, columns=[s.EXPERIMENT_ID, "arms", "customers", "has_control", "offer_arms"])


def choose_experiment(
    offers: pd.DataFrame,
    experiment: str = "auto",
    *,
    arm: str = "auto",
    control: str = "control",
    min_arms: int = 2,
    most: str = "customers",
) -> pd.Series:
    """The experiment and offer arm a notebook studies: the ones given, or the data's choice.

    ``experiment="auto"`` (or ``""``) picks, among the experiments with a
    ``control`` arm and at least ``min_arms`` arms (control included), the
    one with the most customers (``most="customers"``: the most precise
    test) or the most arms (``most="arms"``: the richest multi-arm test);
    ties go to the other count, then to the first ``experiment_id``.
    ``arm="auto"`` picks the chosen experiment's offer arm with the most
    customers (ties by name), never by its result: choosing the arm that
    "worked" would be cherry-picking.

    Parameters
    ----------
    offers : pandas.DataFrame
        Columns ``experiment_id``, ``variant``, ``customer_id``.
    experiment : str
        A value of ``experiment_id``, or ``"auto"``.
    arm : str
        An offer arm (a value of ``variant`` other than ``control``) of the
        experiment, or ``"auto"``.
    control : str
        Name of the control arm.
    min_arms : int
        Fewest arms (control included) an experiment needs.
    most : {"customers", "arms"}
        What ``"auto"`` maximises.

    Returns
    -------
    pandas.Series
        ``experiment_id``, ``variant`` (the offer arm), ``arms`` (control
        included), ``customers`` (of the experiment), ``arm_customers``,
        ``chosen_by_data`` (True when either was auto).

    Raises
    ------
    ValueError
        ``most`` unknown or ``min_arms`` below 2; an experiment or arm not in the data, an
        experiment without a control arm or with too few arms (each message
        lists the available values); or, with ``"auto"``, no experiment
        that qualifies.
    """
    if most not in RANKINGS:
        raise ValueError(f"most must be one of {', '.join(RANKINGS)}. Got {most!r}.")
    if min_arms < 2:
        raise ValueError(f"min_arms must be at least 2 (a control arm and an offer arm). Got {min_arms!r}.")
    overview = experiment_overview(offers, control=control)
    if experiment in AUTOMATIC:
        candidates = overview[overview["has_control"] & (overview["arms"] >= min_arms)]
        if candidates.empty:
            raise ValueError(
                f"No experiment in column '{s.EXPERIMENT_ID}' has a '{control}' arm and at least {min_arms} arms "
                f"(experiments: {_describe(overview)}): a test needs a randomised control group to compare with."
            )
        chosen = candidates.sort_values(RANKINGS[most], ascending=False, kind="stable").iloc[0]
    else:
        chosen = _given_experiment(overview, experiment, control, min_arms)
    variant = _choose_arm(chosen, arm)
    in_arm = (offers[s.EXPERIMENT_ID] == chosen[s.EXPERIMENT_ID]) & (offers[s.VARIANT].astype(str) == variant)
    return pd.Series({
        s.EXPERIMENT_ID: chosen[s.EXPERIMENT_ID], s.VARIANT: variant, "arms": int(chosen["arms"]),
        "customers": int(chosen["customers"]), "arm_customers": int(offers.loc[in_arm, s.CUSTOMER_ID].nunique()),
        "chosen_by_data": experiment in AUTOMATIC or arm in AUTOMATIC,
    })


def _given_experiment(overview: pd.DataFrame, experiment: str, control: str, min_arms: int) -> pd.Series:
    found = overview[overview[s.EXPERIMENT_ID].astype(str) == experiment]
    if found.empty:
        raise ValueError(f"experiment {experiment!r} is not a value of column '{s.EXPERIMENT_ID}' "
                         f"(experiments: {_describe(overview)}). Use one of them, or 'auto'.")
    chosen = found.iloc[0]
    if not chosen["has_control"] or chosen["arms"] < min_arms:
        raise ValueError(f"experiment {experiment!r} needs a '{control}' arm and at least {min_arms} arms in column "
                         f"'{s.VARIANT}'; it has {_describe(found)}. Use another experiment, or 'auto'.")
    return chosen


def _choose_arm(chosen: pd.Series, arm: str) -> str:
    offer_arms = chosen["offer_arms"]
    if arm in AUTOMATIC:
        return offer_arms[0]
    if arm not in offer_arms:
        raise ValueError(f"arm {arm!r} is not an offer arm (column '{s.VARIANT}') of experiment "
                         f"{chosen[s.EXPERIMENT_ID]!r}, whose offer arms are {', '.join(offer_arms)}. "
                         "Use one of them, or 'auto'.")
    return arm


def _describe(overview: pd.DataFrame) -> str:
    return "; ".join(
        f"{row.experiment_id} with {row.customers:,} customers in {row.arms} arm(s)"
        f"{'' if row.has_control else ', no control'}" for row in overview.itertuples()
    ) or "none"


# --- planning ---------------------------------------------------------------


def cohens_h(rate_treatment: float | np.ndarray, rate_control: float | np.ndarray) -> np.ndarray:
    """Cohen's effect size for two proportions, ``h = 2 asin(sqrt(p_t)) - 2 asin(sqrt(p_c))``.

    The arcsine transform makes the variance of a proportion about ``1/n``
    whatever the rate (Cohen 1988, eq. 6.2.1).
    """
    return 2 * np.arcsin(np.sqrt(rate_treatment)) - 2 * np.arcsin(np.sqrt(rate_control))


def sample_size_two_proportions(
    baseline_rate: float | list[float],
    uplift: float | list[float],
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> pd.DataFrame:
    """Customers needed per arm to detect an absolute uplift in conversion.

    Normal approximation on Cohen's *h* (Cohen 1988, ch. 6), two-sided::

        n_control = (z_{1-alpha/2} + z_{power})^2 (1 + 1/ratio) / h^2
        n_treatment = ratio * n_control

    With ``ratio = 1`` this is Cohen's ``n = 2 ((z_a + z_b) / h)^2`` per arm,
    and what ``statsmodels.stats.power.NormalIndPower().solve_power`` gives for
    ``effect_size = h``.

    Parameters
    ----------
    baseline_rate : float or list of float
        Expected conversion rate without the offer (control), in (0, 1).
    uplift : float or list of float
        Smallest absolute uplift worth detecting (0.02 = 2 percentage
        points). Every combination with ``baseline_rate`` gets a row.
    alpha : float
        Two-sided false-positive rate.
    power : float
        Chance of detecting the uplift when it is real.
    ratio : float
        Treatment customers per control customer.

    Returns
    -------
    pandas.DataFrame
        ``baseline_rate``, ``treatment_rate``, ``uplift``, ``cohens_h``,
        ``customers_control``, ``customers_treatment``, ``customers_total``
        (rounded up to whole customers).
    """
    _check_probability(alpha, "alpha")
    _check_probability(power, "power")
    if ratio <= 0:
        raise ValueError(f"sample_size_two_proportions: ratio must be > 0. Got {ratio!r}.")
    grid = pd.MultiIndex.from_product([np.atleast_1d(baseline_rate), np.atleast_1d(uplift)]).to_frame(
        index=False, name=["baseline_rate", "uplift"]
    )
    treatment = grid["baseline_rate"] + grid["uplift"]
    bad = ~((grid["baseline_rate"] > 0) & (treatment < 1) & (treatment > 0) & (grid["uplift"] != 0))
    if bad.any():
        row = grid[bad].iloc[0]
        raise ValueError(
            "sample_size_two_proportions: baseline_rate and baseline_rate + uplift must be in (0, 1) and uplift != 0. "
            f"Got baseline_rate={float(row['baseline_rate'])!r}, uplift={float(row['uplift'])!r}."
        )
    h = cohens_h(treatment, grid["baseline_rate"])
    z_sum = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    control = np.ceil(z_sum**2 * (1 + 1 / ratio) / h**2)
    treated = np.ceil(ratio * control)
    return grid.assign(treatment_rate=treatment, cohens_h=h, customers_control=control.astype(int),
                       customers_treatment=treated.astype(int), customers_total=(control + treated).astype(int))[
        ["baseline_rate", "treatment_rate", "uplift", "cohens_h", "customers_control", "customers_treatment",
         "customers_total"]
    ]


def power_two_proportions(
    baseline_rate: float,
    uplift: float,
    customers_control: int | list[int],
    *,
    alpha: float = 0.05,
    ratio: float = 1.0,
) -> pd.DataFrame:
    """Chance that a test of this size detects the uplift (two-sided, Cohen's *h*).

    ::

        power = Phi(|h| / sqrt(1/n_c + 1/n_t) - z_{1-alpha/2}) + Phi(-|h| / sqrt(1/n_c + 1/n_t) - z_{1-alpha/2})

    (Cohen 1988, ch. 6; the second term, the wrong-sign rejections, is tiny.)

    Parameters
    ----------
    baseline_rate, uplift : float
        Control conversion rate and the absolute uplift.
    customers_control : int or list of int
        Control-arm sizes to evaluate; the treatment arm has ``ratio`` times as many.
    alpha : float
        Two-sided false-positive rate.
    ratio : float
        Treatment customers per control customer.

    Returns
    -------
    pandas.DataFrame
        ``customers_control``, ``customers_treatment``, ``baseline_rate``,
        ``uplift``, ``power``.
    """
    _check_probability(alpha, "alpha")
    n_control = np.atleast_1d(np.asarray(customers_control, dtype=float))
    n_treatment = ratio * n_control
    h = abs(float(cohens_h(baseline_rate + uplift, baseline_rate)))
    shift = h / np.sqrt(1 / n_control + 1 / n_treatment)
    z = stats.norm.ppf(1 - alpha / 2)
    power = stats.norm.cdf(shift - z) + stats.norm.cdf(-shift - z)
    return pd.DataFrame({"customers_control": n_control.astype(int), "customers_treatment": np.ceil(n_treatment).astype(int),
                         "baseline_rate": baseline_rate, "uplift": uplift, "power": power})


# --- conversion and revenue tests -------------------------------------------


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
    _check_probability(confidence, "confidence")
    check_experiments(offers, control=control)
    keys = [s.EXPERIMENT_ID] + _as_list(by)
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
    columns = CONVERSION_COLUMNS[:2] + _as_list(by) + CONVERSION_COLUMNS[2:]
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
        ``difference``, ``se``, ``df``, ``ci_low``, ``ci_high`` (Welch),
        ``boot_ci_low``, ``boot_ci_high``, ``t``, ``p_value``,
        ``p_adjusted``, ``significant``.
    """
    _check_probability(confidence, "confidence")
    check_experiments(offers, control=control)
    _require_numeric(offers, metric)
    rng = np.random.default_rng(seed)
    rows = []
    for (experiment, arm), treated, untreated in _arm_pairs(offers, control, metric):
        welch = _welch(treated, untreated, confidence)
        boot = _bootstrap_difference(treated, untreated, confidence, n_bootstrap, rng)
        rows.append({s.EXPERIMENT_ID: experiment, s.VARIANT: arm, "customers_control": untreated.size,
                     "customers_treatment": treated.size, "mean_control": untreated.mean(),
                     "mean_treatment": treated.mean(), **welch, "boot_ci_low": boot[0], "boot_ci_high": boot[1]})
    table = _adjust(pd.DataFrame(rows), correction, 1 - confidence)
    return table[[s.EXPERIMENT_ID, s.VARIANT, "customers_control", "customers_treatment", "mean_control",
                  "mean_treatment", "difference", "se", "df", "ci_low", "ci_high", "boot_ci_low", "boot_ci_high", "t",
                  "p_value", "p_adjusted", "significant"]]


def _welch(treated: np.ndarray, untreated: np.ndarray, confidence: float) -> dict:
    var_t, var_c = treated.var(ddof=1) / treated.size, untreated.var(ddof=1) / untreated.size
    se = np.sqrt(var_t + var_c)
    difference = treated.mean() - untreated.mean()
    df = se**4 / (var_t**2 / (treated.size - 1) + var_c**2 / (untreated.size - 1)) if se > 0 else np.nan
    t = difference / se if se > 0 else 0.0
    half = stats.t.ppf(0.5 + confidence / 2, df) * se if se > 0 else 0.0
    return {"difference": difference, "se": se, "df": df, "ci_low": difference - half, "ci_high": difference + half,
            "t": t, "p_value": 2 * stats.t.sf(abs(t), df) if se > 0 else 1.0}


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


# --- sample ratio mismatch --------------------------------------------------


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
    statistic = f"chi-square {row.chi2:.2f}, p = {row.p_value:.2g}"
    if not row.mismatch:
        return f"{row.experiment_id}: {meaning} ({statistic})."
    return (
        f"Sample ratio mismatch in experiment {row.experiment_id}: {meaning} ({statistic}, below {threshold:g}). "
        "Do not trust its results until the assignment and logging have been checked."
    )


# --- CUPED -------------------------------------------------------------------


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
    _require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, s.REVENUE], "sales lines")
    _require_columns(offers, [s.OFFER_ID, s.CUSTOMER_ID, s.OFFER_DATE], s.OFFERS)
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
        ``cuped``): ``difference``, ``se``, ``ci_low``, ``ci_high``,
        ``p_value``, and ``theta``, ``correlation``, ``variance_reduction``
        (``1 - var(Y_cuped) / var(Y)``), ``ci_width_ratio`` (CUPED width /
        unadjusted width).
    """
    _check_probability(confidence, "confidence")
    check_experiments(offers, control=control)
    _require_numeric(offers, covariate)
    _require_numeric(offers, metric)
    rows = []
    for (experiment, arm), pair in _pair_frames(offers, control):
        y = pair[metric].to_numpy(dtype=float)
        x = pair[covariate].to_numpy(dtype=float)
        treated = (pair[s.VARIANT] == arm).to_numpy()
        theta = np.cov(y, x)[0, 1] / x.var(ddof=1) if x.var() > 0 else 0.0
        adjusted = y - theta * (x - x.mean())
        correlation = np.corrcoef(y, x)[0, 1] if x.var() > 0 and y.var() > 0 else 0.0
        reduction = 1 - adjusted.var(ddof=1) / y.var(ddof=1) if y.var() > 0 else 0.0
        for method, outcome in (("unadjusted", y), ("cuped", adjusted)):
            welch = _welch(outcome[treated], outcome[~treated], confidence)
            rows.append({s.EXPERIMENT_ID: experiment, s.VARIANT: arm, "method": method, **welch, "theta": theta,
                         "correlation": correlation, "variance_reduction": reduction})
    table = pd.DataFrame(rows)
    width = table["ci_high"] - table["ci_low"]
    unadjusted_width = width.groupby([table[s.EXPERIMENT_ID], table[s.VARIANT]]).transform("first")
    table["ci_width_ratio"] = width / unadjusted_width
    return table[[s.EXPERIMENT_ID, s.VARIANT, "method", "difference", "se", "ci_low", "ci_high", "p_value", "theta",
                  "correlation", "variance_reduction", "ci_width_ratio"]]


# --- peeking -----------------------------------------------------------------


def peeking_simulation(
    *,
    base_rate: float = 0.1,
    customers_per_arm: int = 5000,
    looks: int = 10,
    alpha: float = 0.05,
    n_simulations: int = 2000,
    seed: int = 42,
) -> pd.DataFrame:
    """The cost of peeking: false positives when an A/A test is checked repeatedly.

    Simulates ``n_simulations`` A/A tests (both arms convert at
    ``base_rate``, so every "significant" result is a false positive). Each
    is checked with the pooled z-test after every ``customers_per_arm /
    looks`` customers per arm. *Peeking* stops at the first look with
    ``p < alpha``; a *fixed horizon* test looks once, at the end. Repeated
    looks at an unadjusted 5 % level inflate the false-positive rate, to
    about 19 % with 10 looks for normal data (Armitage, McPherson & Rowe
    1969; Pocock 1977; Kohavi, Tang & Xu 2020, ch. 17).

    Parameters
    ----------
    base_rate : float
        Conversion rate of both arms.
    customers_per_arm : int
        Planned customers per arm at the end of the test.
    looks : int
        Equally spaced looks (the last at ``customers_per_arm``).
    alpha : float
        Significance level used at every look.
    n_simulations : int
        Simulated experiments.
    seed : int
        Seed of the random generator.

    Returns
    -------
    pandas.DataFrame
        One row per look: ``look``, ``customers_per_arm``,
        ``significant_at_this_look`` (share of tests with p < alpha at that
        look alone: a fixed-horizon test stopping there), and
        ``false_positive_rate_peeking`` (share stopped at or before it).
        The last row's two columns are the fixed-horizon and the peeking
        false-positive rates.
    """
    _check_probability(base_rate, "base_rate")
    _check_probability(alpha, "alpha")
    if looks < 1 or customers_per_arm < looks:
        raise ValueError(f"peeking_simulation: need 1 <= looks <= customers_per_arm. Got looks={looks}, "
                         f"customers_per_arm={customers_per_arm}.")
    rng = np.random.default_rng(seed)
    sizes = np.diff(np.linspace(0, customers_per_arm, looks + 1).round().astype(int))
    n = np.cumsum(sizes)
    conversions_a = rng.binomial(sizes, base_rate, size=(n_simulations, looks)).cumsum(axis=1)
    conversions_b = rng.binomial(sizes, base_rate, size=(n_simulations, looks)).cumsum(axis=1)
    _, p_value = pooled_z_test(conversions_b, n, conversions_a, n)
    significant = p_value < alpha
    return pd.DataFrame({
        "look": np.arange(1, looks + 1),
        "customers_per_arm": n,
        "significant_at_this_look": significant.mean(axis=0),
        "false_positive_rate_peeking": np.logical_or.accumulate(significant, axis=1).mean(axis=0),
    })


# --- heterogeneous effects ---------------------------------------------------


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
    _require_columns(customers, [s.CUSTOMER_ID, segment_column], s.CUSTOMERS)
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


# --- helpers -----------------------------------------------------------------


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


def _pair_frames(offers: pd.DataFrame, control: str):
    for experiment, group in offers.groupby(s.EXPERIMENT_ID, observed=True, sort=True):
        for arm in sorted(set(group[s.VARIANT]) - {control}):
            yield (experiment, arm), group[group[s.VARIANT].isin([arm, control])]


def _arm_pairs(offers: pd.DataFrame, control: str, metric: str):
    for key, pair in _pair_frames(offers, control):
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


def _as_list(by: str | list[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _check_probability(value: float, name: str) -> None:
    if not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1). Got {value!r}.")


def _require_columns(frame: pd.DataFrame, columns: list[str], table: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError([Problem(table, c, "missing: the column is required here", len(frame)) for c in missing])


def _require_numeric(frame: pd.DataFrame, column: str) -> None:
    _require_columns(frame, [column], s.OFFERS)
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna()
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        value = frame[column].iloc[position]
        value = value.item() if isinstance(value, np.generic) else value
        raise DataValidationError([Problem(s.OFFERS, column, "are empty or not numbers", int(bad.sum()),
                                           f"{value!r} (row {position + 1})")])
