"""Itemset mining with mlxtend (the teaching backend, for small data).

mlxtend's ``fpgrowth`` (Han, Pei & Yin 2000) and ``apriori`` (Agrawal &
Srikant 1994) work on a one-hot basket x item table; here that table is a
sparse DataFrame so that memory grows with the number of lines, not with
baskets x items. The threshold handed to mlxtend is ``(min_count - 0.5) / N``,
which both of mlxtend's comparisons (``support >= min_support`` and
``count >= ceil(min_support * N)``) turn into ``count >= min_count``, so the
backend returns exactly the itemsets of the other backends.

References
----------
Raschka, S. (2018). MLxtend. Journal of Open Source Software 3(24), 638.
"""

from __future__ import annotations

import pandas as pd
from mlxtend.frequent_patterns import apriori, fpgrowth

from xsell_lab.basket.transactions import Baskets, guard_memory

#: Peak bytes per (basket, item) entry, measured with benchmarks/bench_basket.py (9.8 GB for 1M baskets x 10 items).
_BYTES_PER_ENTRY = 1000

_ALGORITHMS = {"fpgrowth": fpgrowth, "apriori": apriori}


def mine_mlxtend(
    baskets: Baskets, min_count: int, max_len: int, memory_limit: float, algorithm: str = "fpgrowth"
) -> list[tuple[tuple[int, ...], int]]:
    """Same contract as :func:`xsell_lab.basket.sparse_backend.mine_sparse`, computed by mlxtend.

    Parameters
    ----------
    algorithm : {"fpgrowth", "apriori"}
        Which mlxtend function to call.
    """
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"algorithm must be one of {sorted(_ALGORITHMS)}; got {algorithm!r}.")
    guard_memory(
        _BYTES_PER_ENTRY * baskets.matrix.nnz,
        memory_limit,
        f"mlxtend on {baskets.n_baskets:,} baskets ({baskets.matrix.nnz:,} basket-item entries)",
        "Use backend='sparse' (same results, far less memory), or raise min_support.",
    )
    onehot = pd.DataFrame.sparse.from_spmatrix(baskets.matrix.astype(bool))
    n = baskets.n_baskets
    result = _ALGORITHMS[algorithm](onehot, min_support=(min_count - 0.5) / n, max_len=max_len)
    counts = (result["support"].to_numpy() * n).round().astype(int)
    return [(tuple(sorted(int(i) for i in items)), int(c)) for items, c in zip(result["itemsets"], counts)]
