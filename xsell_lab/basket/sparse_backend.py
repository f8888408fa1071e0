"""Fast in-process itemset mining with scipy.sparse (the default backend).

Pairs are counted exactly and in bulk: baskets are grouped by their number
``k`` of frequent items, each group's ``k (k - 1) / 2`` item pairs become keys
``a * F + b`` and one ``bincount`` counts them (when the ``F`` frequent items
are too many for a flat ``F x F`` table, the sparse product ``X^T X`` of the
0/1 basket x item matrix counts them instead).

Longer itemsets grow by projection, as in Eclat (Zaki 2000) and FP-growth
(Han, Pei & Yin 2000): for a frequent prefix ``P + {b}``, keep only the
baskets holding it and only the items ``c`` that were frequent together with
``P + {b}`` (every other candidate is pruned by the Apriori property), and
count pairs again on that small matrix. Counts are exact, so the result equals Apriori's / FP-growth's itemset for
itemset.

References
----------
Zaki, M. J. (2000). Scalable algorithms for association mining. IEEE TKDE
12(3), 372-390.
Han, J., Pei, J. & Yin, Y. (2000). Mining frequent patterns without candidate
generation. SIGMOD 2000, 1-12.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from xsell_lab.basket.transactions import BasketMemoryError, Baskets, guard_memory

#: Bytes per stored entry of a sparse count matrix (int64 value + int64 index, upper bound).
_BYTES_PER_ENTRY = 16
#: Bytes one found itemset costs in the result (tuple, ints, frozenset, row), order of magnitude.
_BYTES_PER_ITEMSET = 400
#: Pairs are counted with one bincount over ``n_cols**2`` bins up to this size (128 MB), else a sparse product.
_MAX_PAIR_BINS = 2**24
#: Keys counted per bincount call in :func:`_pair_counts` (32 MB of int64).
_KEYS_PER_CHUNK = 2**22
#: Projections with at most this many cells (basket x item) are handled as dense arrays (4 MB in float32).
_DENSE_CELLS = 2**20


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
        Bytes this run may use; checked before the pair counts are allocated
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
    sizes = np.diff(matrix.indptr).astype(np.int64)
    needed = _BYTES_PER_ENTRY * (min(int((sizes * sizes).sum()), len(frequent) ** 2) + 3 * matrix.nnz)
    guard_memory(
        needed,
        memory_limit,
        f"Counting pairs of {len(frequent):,} frequent items over {matrix.shape[0]:,} baskets",
        "Raise min_support (fewer frequent items), or use backend='spark'.",
    )
    _grow(matrix, frequent, (), min_count, max_len, found, memory_limit)
    return found


def _grow(
    matrix: sp.csr_array | np.ndarray,
    columns: np.ndarray,
    prefix: tuple[int, ...],
    min_count: int,
    max_len: int,
    found: list,
    memory_limit: float,
) -> None:
    """Record every frequent ``prefix + {b, c}`` of this projection, then project on each ``prefix + {b}``.

    ``matrix`` holds the baskets containing ``prefix``, restricted to the
    items (global ids ``columns``) that are frequent together with it. Small
    projections are dense float32 arrays (exact for counts below 2**24), where
    BLAS beats sparse bookkeeping.
    """
    first, second, count = _frequent_pairs(matrix, min_count)
    found += [
        (prefix + (b, c), k) for b, c, k in zip(columns[first].tolist(), columns[second].tolist(), count.tolist())
    ]
    if len(found) * _BYTES_PER_ITEMSET > memory_limit:
        raise BasketMemoryError(
            f"{len(found):,} frequent itemsets found so far (about {len(found) * _BYTES_PER_ITEMSET / 1024**3:.2f} GB), "
            "more than memory_limit allows. Raise min_support or lower max_len."
        )
    if len(prefix) + 3 > max_len or len(first) == 0:
        return
    if sp.issparse(matrix) and matrix.shape[0] * matrix.shape[1] <= _DENSE_CELLS:
        matrix = matrix.toarray().astype(np.float32)
    holders = matrix.tocsc() if sp.issparse(matrix) else None
    starts = np.flatnonzero(np.r_[True, first[1:] != first[:-1]])
    for start, end in zip(starts, np.r_[starts[1:], len(first)]):
        b, partners = first[start], second[start:end]
        projected = _project(matrix, holders, b, partners)
        _grow(projected, columns[partners], prefix + (int(columns[b]),), min_count, max_len, found, memory_limit)


def _frequent_pairs(matrix: sp.csr_array | np.ndarray, min_count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column pairs ``b < c`` held together by at least ``min_count`` rows, sorted by ``(b, c)``."""
    if not sp.issparse(matrix):
        together = np.triu(matrix.T @ matrix, k=1)
        first, second = np.nonzero(together >= min_count)
        return first, second, together[first, second].round().astype(np.int64)
    n_cols = matrix.shape[1]
    if n_cols * n_cols <= _MAX_PAIR_BINS:
        together = _pair_counts(matrix).reshape(n_cols, n_cols)
        first, second = np.nonzero(together >= min_count)
        return first, second, together[first, second]
    pairs = sp.triu(matrix.T @ matrix, k=1, format="coo")
    keep = pairs.data >= min_count
    first, second, count = pairs.row[keep], pairs.col[keep], pairs.data[keep]
    order = np.lexsort((second, first))
    return first[order], second[order], count[order].astype(np.int64)


def _pair_counts(matrix: sp.csr_array) -> np.ndarray:
    """Flat ``n_cols x n_cols`` counts of column pairs ``b < c`` sharing a row.

    Rows are grouped by their number of entries ``k``; a group is then a
    dense ``rows x k`` block of sorted column indices, whose ``k (k - 1) / 2``
    column pairs become keys ``b * n_cols + c`` counted by one ``bincount``
    (in chunks of at most ``_KEYS_PER_CHUNK`` keys).
    """
    n_cols = matrix.shape[1]
    sizes = np.diff(matrix.indptr)
    by_size = np.argsort(sizes, kind="stable")
    sorted_sizes = sizes[by_size]
    counts = np.zeros(n_cols * n_cols, dtype=np.int64)
    for size in np.unique(sorted_sizes[sorted_sizes >= 2]).tolist():
        rows = by_size[np.searchsorted(sorted_sizes, size) : np.searchsorted(sorted_sizes, size, side="right")]
        block = matrix.indices[matrix.indptr[rows][:, None] + np.arange(size)].astype(np.int64)
        first, second = np.triu_indices(size, 1)
        step = max(1, _KEYS_PER_CHUNK // len(first))
        for start in range(0, len(rows), step):
            part = block[start : start + step]
            counts += np.bincount((part[:, first] * n_cols + part[:, second]).ravel(), minlength=n_cols * n_cols)
    return counts


def _project(
    matrix: sp.csr_array | np.ndarray, holders: sp.csc_array | None, item: int, partners: np.ndarray
) -> sp.csr_array | np.ndarray:
    """Rows holding ``item`` (found in ``holders``, the CSC copy of a sparse matrix), restricted to ``partners``."""
    if sp.issparse(matrix):
        rows = holders.indices[holders.indptr[item] : holders.indptr[item + 1]]
        return _keep_columns(matrix[rows], partners)
    return matrix[matrix[:, item] > 0][:, partners]


def _keep_columns(matrix: sp.csr_array, keep: np.ndarray) -> sp.csr_array:
    """Restrict a CSR matrix to the columns ``keep`` (renumbered 0..len-1), keeping every row."""
    remap = np.full(matrix.shape[1], -1, dtype=np.int32)
    remap[keep] = np.arange(len(keep), dtype=np.int32)
    new_cols = remap[matrix.indices]
    kept = new_cols >= 0
    kept_before = np.zeros(len(kept) + 1, dtype=np.int64)
    np.cumsum(kept, out=kept_before[1:])
    indices = new_cols[kept]
    data = np.ones(len(indices), dtype=np.int32)
    return sp.csr_array((data, indices, kept_before[matrix.indptr]), shape=(matrix.shape[0], len(keep)))
