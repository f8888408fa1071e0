"""Frequent itemsets: which products (or categories) are bought together, and how often.

One function, :func:`frequent_itemsets`, with interchangeable backends that
return the same table for the same input:

``"sparse"`` (default)
    pairs and triples counted by compiled loops (numba) on the frequent items of a
    CSR basket x item matrix, longer itemsets by projection; fast and lean, one machine.
``"mlxtend"``
    mlxtend's FP-growth, for teaching and small data.
``"spark"``
    pyspark.ml.fpm.FPGrowth, for data beyond one machine (extra ``[spark]``).

The support of an itemset ``X`` is the share of baskets containing every item
of ``X`` (Agrawal, Imielinski & Swami 1993): ``support(X) = count(X) / N``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from xsell_lab._deprecation import renamed_parameters
from xsell_lab.data import schema as s
from xsell_lab.basket.mlxtend_backend import mine_mlxtend
from xsell_lab.basket.sparse_backend import mine_sparse
from xsell_lab.basket.transactions import (
    Baskets,
    NoFrequentItemsetsError,
    available_memory_bytes,
    check_min_support,
    clean_baskets,
    min_count,
)

#: Columns of the table returned by :func:`frequent_itemsets`.
ITEMSET_COLUMNS = ["itemsets", "support", "count", "length"]

BACKENDS = ("sparse", "mlxtend", "spark")


@renamed_parameters(item_col="item_column", basket_col="basket_column", quantity_col="quantity_column")
def frequent_itemsets(
    transactions: pd.DataFrame | Baskets,
    min_support: float,
    *,
    max_len: int | None = None,
    backend: str = "sparse",
    basket_column: str = s.ORDER_ID,
    item_column: str = s.PRODUCT_ID,
    quantity_column: str | None = None,
    memory_limit: float | None = None,
) -> pd.DataFrame:
    """Itemsets found in at least ``min_support`` of the baskets.

    Parameters
    ----------
    transactions : pandas.DataFrame or Baskets
        One row per order line with ``basket_column`` and ``item_column`` (use
        ``item_column="category"`` for category-level affinity), or baskets
        already cleaned by :func:`~xsell_lab.basket.clean_baskets`. Cleaning
        (duplicates, returns, empty and mixed-type ids) is described there.
    min_support : float
        Minimum share of baskets, in (0, 1].
    max_len : int, optional
        Longest itemset; ``None`` for no limit.
    backend : {"sparse", "mlxtend", "spark"}
        Engine; all return the same itemsets and counts.
    basket_column, item_column, quantity_column : str
        Column names (``item_col=`` until 0.3) (see :func:`~xsell_lab.basket.clean_baskets`).
    memory_limit : float, optional
        Bytes the in-process backends may use; default half the memory
        available now. The need is estimated before allocating, and a run
        that would exceed it raises :class:`~xsell_lab.basket.BasketMemoryError`.

    Returns
    -------
    pandas.DataFrame
        Columns ``itemsets`` (frozenset of item labels), ``support`` (share
        of baskets), ``count`` (number of baskets), ``length`` (items),
        sorted by length, then support (highest first), then items.
        ``count / support`` is the number of baskets N.

    Raises
    ------
    ValueError
        ``min_support`` outside (0, 1], ``max_len`` < 1, unknown backend.
    NoFrequentItemsetsError
        When no item reaches ``min_support`` (the message gives the most
        frequent item's support, so the threshold can be chosen).
    """
    check_min_support(min_support)
    if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1):
        raise ValueError(f"max_len must be a whole number >= 1 or None; got {max_len!r}.")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}.")
    baskets = (
        transactions
        if isinstance(transactions, Baskets)
        else clean_baskets(transactions, basket_column=basket_column, item_column=item_column, quantity_column=quantity_column)
    )
    threshold = min_count(min_support, baskets.n_baskets)
    _check_something_frequent(baskets, threshold, min_support)
    limit = available_memory_bytes() / 2 if memory_limit is None else memory_limit
    longest = max_len or baskets.basket_sizes().max()
    found = _mine(baskets, threshold, int(longest), limit, backend)
    return _as_table(found, baskets)


def no_frequent_pair(
    transactions: pd.DataFrame | Baskets,
    min_support: float,
    *,
    basket_column: str = s.ORDER_ID,
    item_column: str = s.PRODUCT_ID,
) -> str | None:
    """Why no pair of items reaches ``min_support``, in one sentence; ``None`` when one does.

    The most frequent pair of different items is counted directly, so the
    sentence can say which ``min_support`` would find it, or that no basket
    holds two different items (baskets too small for pairs).

    Parameters
    ----------
    transactions : pandas.DataFrame or Baskets
        As for :func:`frequent_itemsets`.
    min_support : float
        The support threshold in (0, 1].
    basket_column, item_column : str
        Names of the basket id and item columns.

    Returns
    -------
    str or None
    """
    check_min_support(min_support)
    baskets = transactions if isinstance(transactions, Baskets) else clean_baskets(
        transactions, basket_column=basket_column, item_column=item_column
    )
    items = "categories" if item_column == s.CATEGORY else "products" if item_column == s.PRODUCT_ID else f"{item_column} values"
    if (baskets.basket_sizes() < 2).all():
        return f"No basket holds two different {items}: baskets here are too small for pairs, so there is no pair to bundle."
    matrix = sp.csr_array(baskets.matrix, dtype=np.int64)
    together = sp.triu(sp.csr_matrix(matrix.T @ matrix), k=1)
    best = int(together.max())
    if best >= min_count(min_support, baskets.n_baskets):
        return None
    digits = 1 - int(np.floor(np.log10(best / baskets.n_baskets)))  # two significant digits, rounded down
    needed = np.floor(best / baskets.n_baskets * 10**digits) / 10**digits
    return (
        f"No pair of {items} reaches min_support {min_support:g}: the most frequent pair is in {best:,} of "
        f"{baskets.n_baskets:,} baskets, so min_support {needed:g} or lower would find it."
    )


def _mine(baskets: Baskets, threshold: int, max_len: int, limit: float, backend: str) -> list:
    if backend == "sparse":
        return mine_sparse(baskets, threshold, max_len, limit)
    if backend == "mlxtend":
        return mine_mlxtend(baskets, threshold, max_len, limit)
    from xsell_lab.basket.spark_backend import mine_spark

    return mine_spark(baskets, threshold, max_len)


def _check_something_frequent(baskets: Baskets, threshold: int, min_support: float) -> None:
    counts = baskets.item_counts()
    if counts.max() < threshold:
        top = int(counts.argmax())
        raise NoFrequentItemsetsError(
            f"No item is in at least min_support={min_support:g} of the {baskets.n_baskets:,} baskets "
            f"({threshold:,} baskets). The most frequent item, {baskets.items[top]!r}, is in "
            f"{counts[top]:,} ({counts[top] / baskets.n_baskets:.4g}). Lower min_support."
        )


def _as_table(found: list[tuple[tuple[int, ...], int]], baskets: Baskets) -> pd.DataFrame:
    labels = baskets.items.tolist()
    n = baskets.n_baskets
    codes = [c for c, _ in found]
    counts = np.array([k for _, k in found], dtype=np.int64)
    lengths = np.array([len(c) for c in codes], dtype=np.int64)
    sort_keys = [" ".join(f"{i:09d}" for i in c) for c in codes]
    table = pd.DataFrame(
        {
            "itemsets": [frozenset(labels[i] for i in c) for c in codes],
            "support": counts / n,
            "count": counts,
            "length": lengths,
            "_key": sort_keys,
        }
    )
    table = table.sort_values(["length", "count", "_key"], ascending=[True, False, True], kind="stable")
    return table.drop(columns="_key").reset_index(drop=True)
