"""Which experiment and offer arm a notebook studies when its parameters say ``"auto"``.

:func:`experiment_overview` lists each experiment's arms and customers;
:func:`choose_experiment` takes the one given or the data's choice (the most
customers or the most arms), and an offer arm chosen by size, never by its
result.

References
----------
Kohavi, R., Tang, D. & Xu, Y. (2020). *Trustworthy Online Controlled
Experiments*. Cambridge University Press.
"""

from __future__ import annotations

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import AUTOMATIC, require_columns

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
    require_columns(offers, [s.EXPERIMENT_ID, s.VARIANT, s.CUSTOMER_ID], s.OFFERS)
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
