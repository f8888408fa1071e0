"""Refuse experiment data that no test can be trusted on.

:func:`check_experiments` runs before every readout: a control arm and at least
one other arm per experiment, no empty arm, each customer in one arm only,
once, and an outcome for every offered customer.

References
----------
Kohavi, R., Tang, D. & Xu, Y. (2020). *Trustworthy Online Controlled
Experiments*. Cambridge University Press. Chapter 3.
"""

from __future__ import annotations

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.exceptions import DataValidationError, Problem


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
    require_columns(offers, [s.EXPERIMENT_ID, s.VARIANT, s.CUSTOMER_ID, s.ACCEPTED], table, hint="Experiment analysis needs them")
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
