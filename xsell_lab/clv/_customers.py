"""Per-customer inputs of :mod:`xsell_lab.clv`: a ``customer_id`` column, joined on it.

Per-customer tables carry the id in a ``customer_id`` column (README "one
vocabulary"). Until 0.2 some inputs were Series aligned on an index of
customer ids; :func:`values_by_customer` still accepts those for one release,
with a ``FutureWarning``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import DataValidationError, Problem, require_columns

#: The column-name parameters renamed in 0.2, for :func:`xsell_lab._deprecation.renamed_parameters`.
COLUMN_RENAMES = {"customer_col": "customer_column", "date_col": "date_column", "value_col": "value_column"}


def values_by_customer(values: pd.DataFrame | pd.Series, column: str, table: str, caller: str) -> pd.Series:
    """One column of a per-customer table as a Series indexed by ``customer_id``, to look values up by id.

    Parameters
    ----------
    values : pandas.DataFrame or pandas.Series
        A table with ``customer_id`` and ``column``; or (deprecated, until 0.3) a
        Series indexed by customer id.
    column : str
        The value column.
    table : str
        The parameter's name, for messages.
    caller : str
        The public function's name, for the warning.

    Returns
    -------
    pandas.Series
        Named ``column``, indexed by ``customer_id``.

    Raises
    ------
    DataValidationError
        When a column is missing or a customer id appears twice.
    """
    if isinstance(values, pd.Series):
        warnings.warn(
            f"{caller}(): {table} as a Series indexed by customer id is deprecated (xsell-lab 0.2) and stops "
            f"working in 0.3; pass a DataFrame with '{s.CUSTOMER_ID}' and '{column}' columns "
            f"(e.g. series.rename('{column}').rename_axis('{s.CUSTOMER_ID}').reset_index())",
            FutureWarning,
            stacklevel=3,
        )
        by_id = values.rename(column)
    else:
        require_columns(values, [s.CUSTOMER_ID, column], table)
        by_id = values.set_index(s.CUSTOMER_ID)[column]
    duplicated = by_id.index.duplicated()
    if duplicated.any():
        raise DataValidationError(
            [Problem(table, s.CUSTOMER_ID, "are repeated (one row per customer is needed)", int(duplicated.sum()),
                     f"{_plain(by_id.index[duplicated][0])!r}")]
        )
    return by_id


def customer_label(frame: pd.DataFrame, position: int) -> object:
    """The ``customer_id`` of a row (its index label when the table has no such column), for messages."""
    return _plain(frame[s.CUSTOMER_ID].iloc[position] if s.CUSTOMER_ID in frame.columns else frame.index[position])


def _plain(value: object) -> object:
    """A NumPy scalar as the Python value, so messages show ``1`` rather than ``np.int64(1)``."""
    return value.item() if isinstance(value, np.generic) else value
