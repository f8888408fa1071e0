"""Fast in-process itemset mining (the default backend): compiled counts over a CSR matrix.

Items are coded once (column ids of :class:`~xsell_lab.basket.transactions.Baskets`), and
only the frequent items are counted: the compiled loops (:mod:`xsell_lab.basket._kernels`,
numba) read each basket of the clean matrix through a map of its columns to the frequent
ones, without a restricted copy of the matrix.

pairs
    every pair of frequent items of every basket increments one cell of a flat ``F x F``
    table (``F`` frequent items; int32 counters below 2**31 baskets); when ``F**2`` is too
    large for one table, the sparse product ``X^T X`` of the 0/1 matrix counts them instead;
triples
    candidates are read off the sorted list of frequent pairs (Apriori property: ``{a, b, c}``
    is a candidate only when ``{a, b}``, ``{a, c}`` and ``{b, c}`` are frequent), and one pass
    over the baskets counts them, each basket's frequent pairs looking their later items up
    in a (pair, item) table of candidate numbers;
four items and more
    grow by projection, as in Eclat (Zaki 2000) and FP-growth (Han, Pei & Yin 2000): for a
    frequent prefix ``P + {b}``, keep only the baskets holding it and only the items ``c``
    that were frequent together with ``P + {b}``, and count pairs again on that small matrix.

Counts are exact, so the result equals Apriori's / FP-growth's itemset for itemset.

References
----------
Agrawal, R. & Srikant, R. (1994). Fast algorithms for mining association rules. VLDB 1994,
487-499 (candidate generation from frequent (k-1)-itemsets).
Zaki, M. J. (2000). Scalable algorithms for association mining. IEEE TKDE
12(3), 372-390.
Han, J., Pei, J. & Yin, Y. (2000). Mining frequent patterns without candidate
generation. SIGMOD 2000, 1-12.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from xsell_lab.basket.transactions import BasketMemoryError, Baskets, _as_int32, guard_memory

#: Bytes per stored entry of a sparse count matrix (int64 value + int64 index, upper bound).
_BYTES_PER_ENTRY = 16
#: Bytes one found itemset costs in the result (tuple, ints, frozenset, row), order of magnitude.
_BYTES_PER_ITEMSET = 400
#: Pairs are counted in one flat table of ``n_cols**2`` int64 cells up to this size (128 MB), else a sparse product.
_MAX_PAIR_BINS = 2**24
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
        Bytes this run may use; checked before the pair and triple counts are allocated
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
    n_frequent = len(frequent)
    if n_frequent**2 > _MAX_PAIR_BINS:
        _guard_sparse_product(baskets.matrix, frequent, memory_limit)
        _grow(_keep_columns(baskets.matrix, frequent), frequent, (), min_count, max_len, found, memory_limit)
        return found
    copied = 3 * int(counts[frequent].sum()) if max_len > 3 else 0  # the restricted copy and its CSC for _grow_triples
    guard_memory(
        _BYTES_PER_ENTRY * (n_frequent**2 + copied),
        memory_limit,
        f"Counting pairs of {n_frequent:,} frequent items over {baskets.n_baskets:,} baskets",
        "Raise min_support (fewer frequent items), or use backend='spark'.",
    )
    matrix = baskets.matrix
    first, second, count = _pairs_in_table(matrix, _renumbering(matrix.shape[1], frequent), n_frequent, min_count)
    _record(found, [frequent[first], frequent[second]], count, memory_limit)
    if max_len < 3 or len(first) == 0:
        return found
    owner, third, count = _frequent_triples(matrix, frequent, first, second, min_count, memory_limit)
    _record(found, [frequent[first[owner]], frequent[second[owner]], frequent[third]], count, memory_limit)
    if max_len > 3 and len(owner):
        _grow_triples(_keep_columns(matrix, frequent), frequent, first, second, owner, third, min_count, max_len, found, memory_limit)
    return found


def _guard_sparse_product(matrix: sp.csr_array, frequent: np.ndarray, memory_limit: float) -> None:
    """Refuse, before allocating, pair counts by ``X^T X`` on the frequent columns that would exceed ``memory_limit``.

    The product holds at most ``min(sum of squared basket sizes, F**2)`` entries; the restricted
    matrix and its transposed copy about three times its entries.
    """
    is_frequent = np.zeros(matrix.shape[1], dtype=bool)
    is_frequent[frequent] = True
    sizes = np.diff(np.r_[0, np.cumsum(is_frequent[matrix.indices])][matrix.indptr])
    needed = _BYTES_PER_ENTRY * (min(int((sizes * sizes).sum()), len(frequent) ** 2) + 3 * int(sizes.sum()))
    guard_memory(
        needed,
        memory_limit,
        f"Counting pairs of {len(frequent):,} frequent items over {matrix.shape[0]:,} baskets",
        "Raise min_support (fewer frequent items), or use backend='spark'.",
    )


def _count_type(n_rows: int) -> type:
    """int32 counters when no count can reach 2**31 (fewer than 2**31 rows), else int64."""
    return np.int32 if n_rows < 2**31 else np.int64


def _renumbering(n_cols: int, keep: np.ndarray) -> np.ndarray:
    """int32 map of the columns: ``keep`` (increasing) to 0..len(keep)-1, the others to -1."""
    remap = np.full(n_cols, -1, dtype=np.int32)
    remap[keep] = np.arange(len(keep), dtype=np.int32)
    return remap


def _frequent_triples(
    matrix: sp.csr_array, frequent: np.ndarray, first: np.ndarray, second: np.ndarray, min_count: int, memory_limit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequent triples ``(first[p], second[p], third)`` of the frequent pairs ``p``: ``p``, ``third``, count.

    ``first``, ``second`` and ``third`` number the ``frequent`` columns of ``matrix``. Sorted by
    pair, then third item, so by ``(first, second, third)``.
    """
    from xsell_lab.basket import _kernels

    n_cols = len(frequent)
    pair_id = _pair_ids(first, second, np.arange(n_cols), n_cols)
    starts, candidates = _kernels.triple_candidates(pair_id, first.astype(np.int64), second.astype(np.int64), n_cols)
    owner = np.repeat(np.arange(len(first)), np.diff(starts))
    # count on the items of some candidate only: smaller look-up tables stay in cache
    used = np.unique(np.concatenate([first[owner], second[owner], candidates]))
    owners = np.flatnonzero(np.diff(starts))
    guard_memory(
        _BYTES_PER_ENTRY * len(candidates) + 4 * len(owners) * len(used),
        memory_limit,
        f"Counting {len(candidates):,} candidate triples",
        "Raise min_support or use max_len=2.",
    )
    renumber = _renumbering(n_cols, used)
    candidate_row = np.full(len(first), -1, dtype=np.int32)
    candidate_row[owners] = np.arange(len(owners), dtype=np.int32)
    slot = np.full(len(owners) * len(used), -1, dtype=np.int32)
    slot[candidate_row[owner].astype(np.int64) * len(used) + renumber[candidates]] = np.arange(len(candidates), dtype=np.int32)
    counts = np.zeros(len(candidates), dtype=_count_type(matrix.shape[0]))
    _kernels.triple_counts(
        matrix.indptr,
        matrix.indices,
        _renumbering(matrix.shape[1], frequent[used]),
        _pair_ids(first, second, renumber, len(used)),
        len(used),
        candidate_row,
        slot,
        counts,
    )
    keep = counts >= min_count
    return owner[keep], candidates[keep], counts[keep]


def _pair_ids(first: np.ndarray, second: np.ndarray, renumber: np.ndarray, n_cols: int) -> np.ndarray:
    """Flat ``n_cols x n_cols`` table: pair ``p``'s cell (its columns renumbered) holds ``p``, others -1.

    Pairs with a column renumbered to -1 (not kept) are left out.
    """
    b, c = renumber[first], renumber[second]
    kept = (b >= 0) & (c >= 0)
    pair_id = np.full(n_cols * n_cols, -1, dtype=np.int32)
    pair_id[b[kept].astype(np.int64) * n_cols + c[kept]] = np.flatnonzero(kept).astype(np.int32)
    return pair_id


def _grow_triples(
    matrix: sp.csr_array,
    columns: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    owner: np.ndarray,
    third: np.ndarray,
    min_count: int,
    max_len: int,
    found: list,
    memory_limit: float,
) -> None:
    """Itemsets of four items and more: grow each frequent pair on the baskets holding it."""
    holders = matrix.tocsc()
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    for start, end in zip(starts, np.r_[starts[1:], len(owner)]):
        b, c = first[owner[start]], second[owner[start]]
        rows = np.intersect1d(
            holders.indices[holders.indptr[b] : holders.indptr[b + 1]],
            holders.indices[holders.indptr[c] : holders.indptr[c + 1]],
            assume_unique=True,
        )
        projected = _keep_columns(matrix[rows], third[start:end])
        prefix = (int(columns[b]), int(columns[c]))
        _grow(projected, columns[third[start:end]], prefix, min_count, max_len, found, memory_limit)


def _record(found: list, members: list[np.ndarray], count: np.ndarray, memory_limit: float) -> None:
    """Append itemsets (one array of global item ids per position) and their counts to ``found``."""
    found += list(zip(zip(*(m.tolist() for m in members)), count.tolist()))
    if len(found) * _BYTES_PER_ITEMSET > memory_limit:
        raise BasketMemoryError(
            f"{len(found):,} frequent itemsets found so far (about {len(found) * _BYTES_PER_ITEMSET / 1024**3:.2f} GB), "
            "more than memory_limit allows. Raise min_support or lower max_len."
        )


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
    _record(found, [np.full(len(first), p) for p in prefix] + [columns[first], columns[second]], count, memory_limit)
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
        return _pairs_in_table(matrix, np.arange(n_cols, dtype=np.int32), n_cols, min_count)
    pairs = sp.triu(matrix.T @ matrix, k=1, format="coo")
    keep = pairs.data >= min_count
    first, second, count = pairs.row[keep], pairs.col[keep], pairs.data[keep]
    order = np.lexsort((second, first))
    return first[order], second[order], count[order].astype(np.int64)


def _pairs_in_table(
    matrix: sp.csr_array, remap: np.ndarray, n_cols: int, min_count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_frequent_pairs` of the columns renumbered by ``remap`` (-1: left out), counted in one flat table."""
    from xsell_lab.basket import _kernels

    together = np.zeros((n_cols, n_cols), dtype=_count_type(matrix.shape[0]))
    _kernels.pair_counts(matrix.indptr, matrix.indices, remap, n_cols, together.reshape(-1))
    first, second = np.nonzero(together >= min_count)
    return first, second, together[first, second]


def _project(
    matrix: sp.csr_array | np.ndarray, holders: sp.csc_array | None, item: int, partners: np.ndarray
) -> sp.csr_array | np.ndarray:
    """Rows holding ``item`` (found in ``holders``, the CSC copy of a sparse matrix), restricted to ``partners``."""
    if sp.issparse(matrix):
        rows = holders.indices[holders.indptr[item] : holders.indptr[item + 1]]
        return _keep_columns(matrix[rows], partners)
    return matrix[matrix[:, item] > 0][:, partners]


def _keep_columns(matrix: sp.csr_array, keep: np.ndarray) -> sp.csr_array:
    """Restrict a CSR matrix to the columns ``keep`` (increasing; renumbered 0..len-1), keeping every row."""
    from xsell_lab.basket import _kernels

    indptr, indices = _kernels.keep_columns(matrix.indptr, matrix.indices, _renumbering(matrix.shape[1], keep))
    return sp.csr_array((np.ones(len(indices), dtype=np.int32), indices, _as_int32(indptr)), shape=(matrix.shape[0], len(keep)))
