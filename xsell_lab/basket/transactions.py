"""Baskets: turn a long table of order lines into a clean basket x item matrix.

Every backend of :mod:`xsell_lab.basket` mines the same :class:`Baskets`
object, so cleaning happens once and is identical for all of them. Cleaning
steps are counted in a log (a DataFrame), never silent:

* lines whose basket or item id is missing are dropped;
* lines with a quantity <= 0 (returns, cancellations) are dropped when a
  quantity column is given;
* item ids of mixed Python types (``1`` and ``"1"``) are compared as text;
* the same item twice in a basket counts once (a basket either contains an
  item or not);
* baskets left without any item are not baskets: they are not counted in
  the number of baskets ``N`` that supports are divided by;
* one-item baskets are kept (they count in ``N`` and in the item supports)
  and their number is reported.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from xsell_lab._deprecation import renamed_parameters
from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.exceptions import BasketMemoryError, NoFrequentItemsetsError  # noqa: F401 (NoFrequentItemsetsError re-exported)

#: Columns of the cleaning log.
CLEANING_LOG_COLUMNS = ["step", "rows", "detail"]


@dataclass(frozen=True)
class Baskets:
    """Clean baskets as a sparse 0/1 matrix.

    Attributes
    ----------
    matrix : scipy.sparse.csr_array
        ``n_baskets x n_items``, int32 ones, sorted column indices, no
        duplicates.
    items : pandas.Index
        Item label of each column.
    cleaning_log : pandas.DataFrame
        Columns ``step``, ``rows``, ``detail``.
    """

    matrix: sp.csr_array
    items: pd.Index
    cleaning_log: pd.DataFrame

    @property
    def n_baskets(self) -> int:
        """Number of non-empty baskets, the denominator of every support."""
        return self.matrix.shape[0]

    def item_counts(self) -> np.ndarray:
        """Number of baskets containing each item (column sums)."""
        from xsell_lab.basket import _kernels

        return _kernels.column_counts(self.matrix.indices, self.matrix.shape[1])

    def basket_sizes(self) -> np.ndarray:
        """Number of distinct items in each basket."""
        return np.diff(self.matrix.indptr)


def check_min_support(min_support: float) -> None:
    """Refuse a support threshold outside (0, 1] with a message quoting it."""
    if isinstance(min_support, bool) or not isinstance(min_support, (int, float, np.number)):
        raise TypeError(f"min_support must be a number in (0, 1]; got {min_support!r}.")
    if not 0 < min_support <= 1 or math.isnan(min_support):
        raise ValueError(
            f"min_support must be in (0, 1] (a share of baskets, e.g. 0.01 = 1%); got {min_support!r}."
        )


def min_count(min_support: float, n_baskets: int) -> int:
    """Smallest basket count ``c`` whose support ``c / n_baskets`` is ``>= min_support``.

    Computed with the same float comparison the supports are filtered with,
    so ``0.1 * 30`` being ``3.0000000000000004`` does not drop itemsets in
    exactly 3 of 30 baskets.
    """
    count = max(1, math.ceil(min_support * n_baskets))
    while count > 1 and (count - 1) / n_baskets >= min_support:
        count -= 1
    while count / n_baskets < min_support:
        count += 1
    return count


@renamed_parameters(item_col="item_column", basket_col="basket_column", quantity_col="quantity_column")
def clean_baskets(
    transactions: pd.DataFrame,
    *,
    basket_column: str = s.ORDER_ID,
    item_column: str = s.PRODUCT_ID,
    quantity_column: str | None = None,
) -> Baskets:
    """Build clean :class:`Baskets` from a long table of lines.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per line, with a basket id column and an item column (a
        product id, or a category to mine category-level rules). Not modified.
    basket_column, item_column : str
        Names of the basket id and item columns (``item_col=`` until 0.3).
    quantity_column : str, optional
        When given, lines with a quantity <= 0 (returns, cancellations) are
        dropped and counted.

    Returns
    -------
    Baskets

    Raises
    ------
    DataValidationError
        When a column is missing (the message lists the columns found).
    ValueError
        When no line is left after cleaning.
    """
    require_columns(transactions, [basket_column, item_column] + ([quantity_column] if quantity_column else []), "transactions",
                    hint="Pass basket_column= / item_column= to name yours")
    log: list[dict] = []
    keep = _kept_lines(transactions, basket_column, item_column, quantity_column, log)
    baskets, items = transactions[basket_column], transactions[item_column]
    if keep is not None:
        baskets, items = baskets[keep], items[keep]
    if len(baskets) == 0:
        raise ValueError(
            f"table 'transactions': no line is left after cleaning ({len(transactions):,} lines in, "
            f"columns {basket_column!r} / {item_column!r}); see the cleaning steps: "
            + "; ".join(f"{r['step']}: {r['rows']:,}" for r in log)
        )
    items = _items_as_one_type(items, item_column, log)
    item_codes, labels = _sorted_codes(items)
    indptr, item_codes = _rows(baskets, item_codes)
    matrix = _dedup_matrix(indptr, item_codes, len(labels), log)
    if keep is not None:
        emptied = transactions[basket_column].nunique() - matrix.shape[0]
        _log(log, "dropped baskets left without any item", emptied, "not counted in the number of baskets")
    one_item = int((np.diff(matrix.indptr) == 1).sum())
    _log(log, "kept one-item baskets (they count in N and in item supports)", one_item, "")
    return Baskets(matrix, pd.Index(labels), pd.DataFrame(log, columns=CLEANING_LOG_COLUMNS))


def available_memory_bytes() -> int:
    """Memory the operating system reports as available now (Linux/macOS), or 4 GB when unknown."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 4 * 1024**3


def guard_memory(needed_bytes: float, limit_bytes: float, what: str, advice: str) -> None:
    """Raise :class:`BasketMemoryError` when ``needed_bytes`` exceeds ``limit_bytes``."""
    if needed_bytes > limit_bytes:
        raise BasketMemoryError(
            f"{what} would need about {needed_bytes / 1024**3:.2f} GB, more than the "
            f"{limit_bytes / 1024**3:.2f} GB allowed (memory_limit). Nothing was allocated. {advice}"
        )


# --- helpers --------------------------------------------------------------


def _kept_lines(
    transactions: pd.DataFrame, basket_column: str, item_column: str, quantity_column: str | None, log: list[dict]
) -> np.ndarray | None:
    """Mask of the lines kept (both ids present, quantity > 0), the dropped ones logged; ``None`` when all are kept.

    Whole-number ids (NumPy integer columns) cannot be missing, so without a quantity column no
    mask is built: three arrays of the lines' length fewer to allocate.
    """
    baskets, items = transactions[basket_column], transactions[item_column]
    if _is_whole_number(baskets) and _is_whole_number(items) and not quantity_column:
        return None
    keep = baskets.notna().to_numpy() & items.notna().to_numpy()
    _log(log, "dropped lines with a missing basket or item id", len(keep) - int(keep.sum()), f"{basket_column} / {item_column} empty")
    if quantity_column:
        returned = ~(pd.to_numeric(transactions[quantity_column], errors="coerce").to_numpy() > 0) & keep
        _log(log, "dropped returns / cancellations", int(returned.sum()), f"{quantity_column} <= 0 or not a number")
        keep &= ~returned
    return None if keep.all() else keep


def _items_as_one_type(items: pd.Series, item_column: str, log: list[dict]) -> pd.Series:
    if items.dtype != object:
        return items
    kinds = items.map(type)
    if kinds.nunique() <= 1:
        return items
    text = items.astype(str).str.strip()
    merged = items.nunique() - text.nunique()
    example = items[kinds != kinds.iloc[0]].iloc[0]
    _log(
        log,
        "compared item ids of mixed types as text",
        len(items),
        f"{item_column}: types {sorted(k.__name__ for k in kinds.unique())}, e.g. {example!r}; "
        f"{merged} id(s) became identical (e.g. 1 and '1')",
    )
    return text


def _rows(baskets: pd.Series, item_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row starts of the baskets (in order of first appearance) and the item codes in row order.

    Whole-number basket ids already sorted (the usual export) are split where they change, in one
    pass that also checks the order; other ids are coded by ``pandas.factorize`` and the lines
    sorted by basket (stable).
    """
    from xsell_lab.basket import _kernels

    if _is_whole_number(baskets):
        indptr = _kernels.run_starts(baskets.to_numpy())
        if len(indptr):
            return indptr, item_codes
    basket_codes = pd.factorize(baskets, sort=False)[0]
    if np.any(basket_codes[1:] < basket_codes[:-1]):
        order = np.argsort(basket_codes, kind="stable")
        basket_codes, item_codes = basket_codes[order], item_codes[order]
    indptr = np.zeros(int(basket_codes[-1]) + 2, dtype=np.int64)
    np.cumsum(np.bincount(basket_codes), out=indptr[1:])
    return indptr, item_codes


def _is_whole_number(values: pd.Series) -> bool:
    return isinstance(values.dtype, np.dtype) and values.dtype.kind in "iu"


def _sorted_codes(items: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes of ``items`` numbered in the sorted order of their labels (faster than sorting all lines).

    Whole-number ids spanning a range not much larger than the number of lines are coded by
    their rank among the ids present (no hashing, no sort).
    """
    if _is_whole_number(items):
        from xsell_lab.basket import _kernels

        values = items.to_numpy()
        low, high = int(values.min()), int(values.max())
        if high - low < 4 * len(values) + 1024:
            codes = np.empty(len(values), dtype=np.int32)
            present = _kernels.dense_ranks(values, low, high - low + 1, codes)
            return codes, pd.Index(np.flatnonzero(present) + low, dtype=items.dtype)
    codes, labels = pd.factorize(items, sort=False)
    order = np.argsort(np.asarray(labels), kind="stable")
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    return rank[codes], labels[order]


def _dedup_matrix(indptr: np.ndarray, item_codes: np.ndarray, n_items: int, log: list[dict]) -> sp.csr_array:
    """Basket x item CSR matrix of ones, each item once per basket (duplicates counted in the log)."""
    from xsell_lab.basket import _kernels

    indptr, indices = _kernels.sorted_distinct_rows(indptr, item_codes.astype(np.int32, copy=False))
    duplicates = len(item_codes) - len(indices)
    _log(log, "counted an item once per basket", duplicates, "the same item on several lines of one basket")
    shape = (len(indptr) - 1, n_items)
    return sp.csr_array((np.ones(len(indices), dtype=np.int32), indices, _as_int32(indptr)), shape=shape)


def _as_int32(indptr: np.ndarray) -> np.ndarray:
    """Row starts as int32 when they fit, so SciPy keeps the int32 column ids instead of widening both."""
    return indptr.astype(np.int32) if indptr[-1] < 2**31 else indptr


def _log(log: list[dict], step: str, rows: int, detail: str) -> None:
    if rows:
        log.append({"step": step, "rows": int(rows), "detail": detail})
