"""Fast in-process itemset mining with scipy.sparse (the default backend).

Pairs are counted in one sparse matrix product: for the 0/1 basket x item
matrix ``X`` (frequent items only), ``(X^T X)[a, b]`` is the number of baskets
holding both ``a`` and ``b``. Longer itemsets are grown depth-first from the
frequent pairs with basket-id lists ("tidlists", the Eclat algorithm of
Zaki 2000): the baskets holding prefix ``P`` are the intersection of its
items' lists, and one ``bincount`` over those baskets' items counts every
extension ``P + {c}`` at once. Counts are exact, so the result equals
Apriori's / FP-growth's itemset for itemset.

References
----------
Zaki, M. J. (2000). Scalable algorithms for association mining. IEEE TKDE
12(3), 372-390.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from xsell_lab.basket.transactions import Baskets, BasketMemoryError, guard_memory

#: Bytes per stored entry of a sparse count matrix (int64 value + int64 index, upper bound).
_BYTES_PER_ENTRY = 16
#: Bytes one found itemset costs in the result (tuple, ints, frozenset, row), measured order of magnitude.
_BYTES_PER_ITEMSET = 400


def mine_sparse(
    baskets: Baskets, min_count: int, max_len: int, memory_limit: float
) -> list[tuple[tuple[int, ...], int]]:
    """Every itemset of at most ``max_len`` items in at least ``min_count`` baskets.

    Parameters
    ----------
    baskets : Baskets
        Clean baskets.
    min_count : int
        Minimum number of baskets.
    max_len : int
        Longest itemset.
    memory_limit : float
        Bytes this run may use; checked before the pair count is allocated
        and while itemsets are collected.

    Returns
    -------
    list of (tuple of int, int)
        Column indices of ``baskets.items`` (increasing) and the basket count.

    Raises
    ------
    BasketMemoryError
        Before allocating, when the estimated need exceeds ``memory_limit``.
    """
    counts = baskets.item_counts()
    frequent = np.flatnonzero(counts >= min_count)
    found = [((int(i),), int(counts[i])) for i in frequent]
    if max_len < 2 or len(frequent) < 2:
        return found
    matrix = _keep_columns(baskets.matrix, frequent)
    _guard_pairs(matrix, len(frequent), memory_limit)
    pairs = _frequent_pairs(matrix, min_count)
    found += [((int(frequent[a]), int(frequent[b])), int(c)) for a, b, c in pairs]
    if max_len > 2:
        tidlists = matrix.tocsc()
        for a, b, _ in pairs:
            rows = np.intersect1d(_tidlist(tidlists, a), _tidlist(tidlists, b), assume_unique=True)
            _grow(matrix, tidlists, (a, b), rows, min_count, max_len, frequent, found, memory_limit)
    return found


def _keep_columns(matrix: sp.csr_array, keep: np.ndarray) -> sp.csr_array:
    """Restrict a CSR matrix to the columns ``keep`` (renumbered 0..len-1), keeping every row."""
    remap = np.full(matrix.shape[1], -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    new_cols = remap[matrix.indices]
    kept = new_cols >= 0
    row_of_entry = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    indptr = np.zeros(matrix.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of_entry[kept], minlength=matrix.shape[0]), out=indptr[1:])
    indices = new_cols[kept].astype(np.int32)
    return sp.csr_array((np.ones(len(indices), dtype=np.int32), indices, indptr), shape=(matrix.shape[0], len(keep)))


def _guard_pairs(matrix: sp.csr_array, n_frequent: int, memory_limit: float) -> None:
    sizes = np.diff(matrix.indptr).astype(np.int64)
    pair_entries = min(int((sizes * sizes).sum()), n_frequent * n_frequent)
    needed = _BYTES_PER_ENTRY * (pair_entries + 2 * matrix.nnz)
    guard_memory(
        needed,
        memory_limit,
        f"Counting pairs of {n_frequent:,} frequent items over {matrix.shape[0]:,} baskets",
        "Raise min_support (fewer frequent items), or use backend='spark'.",
    )


def _frequent_pairs(matrix: sp.csr_array, min_count: int) -> list[tuple[int, int, int]]:
    co_counts = sp.triu(matrix.T @ matrix, k=1, format="coo")
    keep = co_counts.data >= min_count
    rows, cols, values = co_counts.row[keep], co_counts.col[keep], co_counts.data[keep]
    order = np.lexsort((cols, rows))
    return list(zip(rows[order].tolist(), cols[order].tolist(), values[order].tolist()))


def _tidlist(tidlists: sp.csc_array, column: int) -> np.ndarray:
    return tidlists.indices[tidlists.indptr[column] : tidlists.indptr[column + 1]]


def _grow(
    matrix: sp.csr_array,
    tidlists: sp.csc_array,
    prefix: tuple[int, ...],
    rows: np.ndarray,
    min_count: int,
    max_len: int,
    frequent: np.ndarray,
    found: list,
    memory_limit: float,
) -> None:
    """Add every frequent ``prefix + (c,)`` with ``c > prefix[-1]``, then recurse (Eclat)."""
    if len(rows) < min_count:
        return
    counts = np.bincount(matrix[rows].indices, minlength=matrix.shape[1])
    extensions = np.flatnonzero(counts[prefix[-1] + 1 :] >= min_count) + prefix[-1] + 1
    for c in extensions.tolist():
        itemset = prefix + (c,)
        found.append((tuple(int(frequent[i]) for i in itemset), int(counts[c])))
        if len(itemset) < max_len:
            sub_rows = np.intersect1d(rows, _tidlist(tidlists, c), assume_unique=True)
            _grow(matrix, tidlists, itemset, sub_rows, min_count, max_len, frequent, found, memory_limit)
    if len(found) * _BYTES_PER_ITEMSET > memory_limit:
        raise BasketMemoryError(
            f"More than {len(found):,} frequent itemsets found so far (about "
            f"{len(found) * _BYTES_PER_ITEMSET / 1024**3:.2f} GB), more than memory_limit allows. "
            "Raise min_support or lower max_len."
        )
