"""Compiled loops of the default basket engine (numba), over a CSR basket x item matrix.

Imported only when baskets are cleaned or mined (numba takes about half a second to import),
never by ``import xsell_lab`` or ``from xsell_lab import basket``. Compiled functions are
cached on disk (``cache=True``), so only the first run on a machine pays for compiling them.

Every kernel reads a CSR matrix as its ``indptr`` and ``indices`` arrays: row ``r`` (a basket)
holds the column ids (items) ``indices[indptr[r]:indptr[r + 1]]``, sorted and distinct.
Counts are exact integers; the kernels only replace Python and NumPy loops of
:mod:`xsell_lab.basket.sparse_backend` and :mod:`xsell_lab.basket.transactions`.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, nogil=True)
def run_starts(values: np.ndarray) -> np.ndarray:
    """Row starts (``indptr``) of sorted basket ids: a row begins wherever the id changes.

    Returns an empty array when the ids are not sorted (some id is smaller than the one before).
    """
    n_rows = 1
    for i in range(1, len(values)):
        if values[i] < values[i - 1]:
            return np.empty(0, dtype=np.int64)
        if values[i] != values[i - 1]:
            n_rows += 1
    indptr = np.empty(n_rows + 1, dtype=np.int64)
    indptr[0], indptr[n_rows] = 0, len(values)
    row = 1
    for i in range(1, len(values)):
        if values[i] != values[i - 1]:
            indptr[row] = i
            row += 1
    return indptr


@nb.njit(cache=True, nogil=True)
def column_counts(indices: np.ndarray, n_cols: int) -> np.ndarray:
    """Entries of each column id in ``indices`` (``numpy.bincount`` without its int64 copy)."""
    counts = np.zeros(n_cols, dtype=np.int64)
    for column in indices:
        counts[column] += 1
    return counts


@nb.njit(cache=True, nogil=True)
def dense_ranks(values: np.ndarray, low: int, span: int, codes: np.ndarray) -> np.ndarray:
    """Whole-number ids in ``[low, low + span)`` coded by their rank among the ids present.

    The codes (int32) are written to ``codes``, allocated by the caller: NumPy asks the system
    for huge pages for large arrays, numba's allocator does not, and touching 11 million codes
    page by page costs more than computing them.

    Returns
    -------
    numpy.ndarray
        The boolean mask of the ids present (offsets from ``low``).
    """
    present = np.zeros(span, dtype=np.bool_)
    for value in values:
        present[value - low] = True
    rank = np.empty(span, dtype=np.int32)
    next_rank = 0
    for offset in range(span):
        rank[offset] = next_rank
        next_rank += present[offset]
    for i in range(len(values)):
        codes[i] = rank[values[i] - low]
    return present


#: Rows of at most this many ids are sorted by rank (n**2 comparisons), longer ones by ``numpy.sort``.
RANKED_ROW = 64


@nb.njit(cache=True, nogil=True)
def sorted_distinct_rows(indptr: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort each row's column ids and drop repeats (an item twice in a basket counts once).

    A row of at most :data:`RANKED_ROW` ids is sorted by rank (:func:`rank_sort`): its ``n**2``
    comparisons have no branch to mispredict, which beats an insertion sort on baskets of a
    few items (0.08 s against 0.14 s for 11 million ids in baskets of 11); longer rows go
    through ``numpy.sort``. Repeats, then side by side, are written once.

    Parameters
    ----------
    indptr : numpy.ndarray of int64
        Row starts (``n_rows + 1``). Overwritten.
    indices : numpy.ndarray of int32
        Column ids, in any order within a row, repeats allowed. Overwritten.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``indptr`` and ``indices`` of the same rows, sorted, without repeats (the arrays
        given, no copy: the large ones are the caller's, see :func:`dense_ranks`).
    """
    ranked = np.empty(RANKED_ROW, dtype=indices.dtype)
    out = 0
    start = indptr[0]
    for row in range(len(indptr) - 1):
        end = indptr[row + 1]
        if end - start <= RANKED_ROW:
            rank_sort(indices[start:end], ranked)
            out = write_distinct(ranked, end - start, indices, out)
        else:
            in_order = np.sort(indices[start:end])
            out = write_distinct(in_order, end - start, indices, out)
        indptr[row + 1] = out
        start = end
    return indptr, indices[:out]


@nb.njit(cache=True, nogil=True)
def rank_sort(values: np.ndarray, out: np.ndarray) -> None:
    """Write ``values`` sorted into ``out[:len(values)]``: value ``i`` goes to its rank.

    The rank of ``values[i]`` is the number of values smaller, plus the number of equal
    values before position ``i`` (so equal values take consecutive places).
    """
    n = len(values)
    for i in range(n):
        value = values[i]
        rank = 0
        for j in range(n):
            rank += (values[j] < value) | ((values[j] == value) & (j < i))
        out[rank] = value


@nb.njit(cache=True, nogil=True)
def write_distinct(in_order: np.ndarray, n: int, indices: np.ndarray, out: int) -> int:
    """Write the first ``n`` sorted ids of ``in_order`` at ``indices[out:]`` once each; return the new end."""
    for i in range(n):
        if i == 0 or in_order[i] != in_order[i - 1]:
            indices[out] = in_order[i]
            out += 1
    return out


@nb.njit(cache=True, nogil=True)
def keep_columns(indptr: np.ndarray, indices: np.ndarray, remap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows restricted to the columns with ``remap >= 0``, renumbered to ``remap`` (increasing)."""
    new_indptr = np.empty(len(indptr), dtype=indptr.dtype)
    new_indices = np.empty(len(indices), dtype=np.int32)
    new_indptr[0] = 0
    out = 0
    for row in range(len(indptr) - 1):
        for i in range(indptr[row], indptr[row + 1]):
            column = remap[indices[i]]
            if column >= 0:
                new_indices[out] = column
                out += 1
        new_indptr[row + 1] = out
    return new_indptr, new_indices[:out].copy()


@nb.njit(cache=True, nogil=True)
def longest_row(indptr: np.ndarray) -> int:
    """Number of entries of the longest row."""
    longest = 0
    for row in range(len(indptr) - 1):
        longest = max(longest, indptr[row + 1] - indptr[row])
    return longest


@nb.njit(cache=True, nogil=True)
def kept_columns(indptr: np.ndarray, indices: np.ndarray, remap: np.ndarray, row: int, out: np.ndarray) -> int:
    """Write row ``row``'s columns with ``remap >= 0``, renumbered, into ``out``; return how many."""
    size = 0
    for i in range(indptr[row], indptr[row + 1]):
        column = remap[indices[i]]
        if column >= 0:
            out[size] = column
            size += 1
    return size


@nb.njit(cache=True, nogil=True)
def pair_counts(indptr: np.ndarray, indices: np.ndarray, remap: np.ndarray, n_cols: int, counts: np.ndarray) -> None:
    """Add to ``counts`` (flat ``n_cols x n_cols``) the rows holding both ``b`` and ``c`` at entry ``b * n_cols + c`` (``b < c``).

    Only the columns with ``remap >= 0`` are counted, renumbered to ``remap`` (increasing, so each
    row's kept columns stay sorted): the matrix restricted to them is never built. ``counts``
    (zeros) may be int32 when there are fewer than 2**31 rows: half the table, fewer cache misses.
    """
    items = np.empty(longest_row(indptr), dtype=np.int32)
    for row in range(len(indptr) - 1):
        size = kept_columns(indptr, indices, remap, row, items)
        for i in range(size - 1):
            base = items[i] * n_cols
            for j in range(i + 1, size):
                counts[base + items[j]] += 1


@nb.njit(cache=True, nogil=True)
def triple_candidates(pair_id: np.ndarray, first: np.ndarray, second: np.ndarray, n_cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate third items of each frequent pair, by the Apriori property.

    For the frequent pair ``p = (first[p], second[p])`` (sorted by ``(first, second)``), the
    candidates are the columns ``c > second[p]`` with both ``(first[p], c)`` and
    ``(second[p], c)`` frequent (``pair_id[b * n_cols + c] >= 0`` marks a frequent pair).
    Candidate lists come out sorted.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``starts`` (``len(first) + 1``) and the candidates' columns: pair ``p``'s candidates are
        ``columns[starts[p]:starts[p + 1]]``.
    """
    n_pairs = len(first)
    starts = np.zeros(n_pairs + 1, dtype=np.int64)
    for p in range(n_pairs):
        a, b = first[p], second[p]
        found = 0
        for c in range(b + 1, n_cols):
            if pair_id[a * n_cols + c] >= 0 and pair_id[b * n_cols + c] >= 0:
                found += 1
        starts[p + 1] = starts[p] + found
    columns = np.empty(starts[n_pairs], dtype=np.int32)
    for p in range(n_pairs):
        a, b = first[p], second[p]
        out = starts[p]
        for c in range(b + 1, n_cols):
            if pair_id[a * n_cols + c] >= 0 and pair_id[b * n_cols + c] >= 0:
                columns[out] = c
                out += 1
    return starts, columns


@nb.njit(cache=True, nogil=True)
def triple_counts(
    indptr: np.ndarray, indices: np.ndarray, remap: np.ndarray, pair_id: np.ndarray, n_cols: int, candidate_row: np.ndarray,
    slot: np.ndarray, counts: np.ndarray,
) -> None:
    """Add to ``counts`` the rows holding each candidate triple of :func:`triple_candidates` (same order as its ``columns``).

    Each row is first restricted to the columns with ``remap >= 0`` (renumbered to ``remap``,
    increasing) and looks its pairs up once in ``pair_id`` (a small local table); then for
    every frequent pair ``(b, c)`` of the row with candidates, each later item ``d`` with
    ``(b, d)`` and ``(c, d)`` frequent is a candidate (that is how they were made), and its
    number is read from ``slot[candidate_row[p] * n_cols + d]`` (one look-up instead of a walk
    along the pair's candidate list).

    Parameters
    ----------
    remap : numpy.ndarray of int32
        New number of each column of ``indices`` (-1: not counted).
    candidate_row : numpy.ndarray of int32
        For each frequent pair ``p``, its row in ``slot`` (-1: the pair has no candidate).
    slot : numpy.ndarray of int32
        Flat ``rows x n_cols`` table: the candidate number of ``(pair, d)``, -1 elsewhere.
    counts : numpy.ndarray of int32 or int64
        One counter per candidate (zeros).
    """
    longest = longest_row(indptr)
    items = np.empty(longest, dtype=np.int32)
    local = np.empty((longest, longest), dtype=np.int32)
    for row in range(len(indptr) - 1):
        size = kept_columns(indptr, indices, remap, row, items)
        if size < 3:
            continue
        for i in range(size - 1):
            base = items[i] * n_cols
            for j in range(i + 1, size):
                local[i, j] = pair_id[base + items[j]]
        for i in range(size - 2):
            for j in range(i + 1, size - 1):
                p = local[i, j]
                if p < 0 or candidate_row[p] < 0:
                    continue
                base = candidate_row[p] * n_cols
                for k in range(j + 1, size):
                    if local[i, k] >= 0 and local[j, k] >= 0:
                        counts[slot[base + items[k]]] += 1
