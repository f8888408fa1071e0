"""Helpers shared by the modules of :mod:`xsell_lab.pricing` (not public).

The check of a weekly sales table before its prices and units are logged
(used by :class:`~xsell_lab.pricing.elasticity.PriceElasticityModel` and by
:func:`~xsell_lab.pricing.pooled.pooled_own_elasticity`), and the 0/1 dummy
columns of a categorical regressor (season, product intercepts).

References
----------
Wooldridge, J. M. (2013). *Introductory Econometrics: A Modern Approach* (5th ed.),
South-Western, ch. 7 (dummy variables against a base group).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.exceptions import DataValidationError, Problem


def clean_sales(
    sales: pd.DataFrame, table: str, required: Sequence[str], zero_units: str, keys: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Check prices and units for logs; count zero-unit rows per product (their prices stay usable as cross prices)."""
    require_columns(sales, required, table)
    if sales.empty:
        raise DataValidationError([Problem(table, "(all columns)", "found: the table has no rows", 0)])
    frame = sales[list(dict.fromkeys(required))]
    problems = []
    for column in (s.PRICE, s.UNITS):
        values = pd.to_numeric(frame[column], errors="coerce")
        unreadable = values.isna()
        if unreadable.any():
            problems.append(Problem(table, column, "are empty or not numbers", int(unreadable.sum()), example_of(frame[column], unreadable)))
            continue
        bad = values < 0 if (column == s.UNITS and zero_units == "drop") else values <= 0
        if bad.any():
            rule = "are zero or negative: log(price) is undefined" if column == s.PRICE else (
                "are negative" if zero_units == "drop" else "are zero or negative: log(units) is undefined"
            )
            hint = "" if column == s.PRICE or zero_units == "drop" else "Pass zero_units='drop' to leave zero-unit weeks out (counted)"
            problems.append(Problem(table, column, rule, int(bad.sum()), example_of(frame[column], bad), hint))
    if problems:
        raise DataValidationError(problems)
    if keys:
        duplicated = frame.duplicated(list(keys), keep=False)
        if duplicated.any():
            first = frame.loc[duplicated, list(keys)].iloc[0]
            example = ", ".join(f"{k}={first[k]!r}" for k in keys)
            raise DataValidationError(
                [Problem(table, " + ".join(keys), "share their key with another row", int(duplicated.sum()), example,
                         "Aggregate to one row per key (sum units, average price) first")]
            )
    dropped = frame.loc[frame[s.UNITS] == 0, s.PRODUCT_ID].value_counts().astype(int).to_dict()
    return frame, {str(k): v for k, v in dropped.items()}


def example_of(values: pd.Series, mask: pd.Series) -> str:
    """The first flagged value and its row number (from 1), e.g. ``"-2.5 (row 14)"``."""
    position = int(np.flatnonzero(mask.to_numpy())[0])
    value = values.iloc[position]
    return f"{value.item() if isinstance(value, np.generic) else value!r} (row {position + 1})"


def category_dummies(values: pd.Series, categories: Sequence, prefix: str) -> pd.DataFrame:
    """0/1 columns for every category but the first (the baseline)."""
    coded = pd.Categorical(values, categories=list(categories))
    dummies = pd.get_dummies(coded, prefix=prefix, drop_first=True, dtype=float)
    dummies.index = values.index
    return dummies
