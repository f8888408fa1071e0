"""The Spark backend (pyspark FPGrowth, local mode) returns the same itemsets as the others."""

from __future__ import annotations


import pytest

from xsell_lab import basket

from factories import between_counts, onehot, random_lines

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("seed, max_len", [(0, 3), (1, None)])
def test_spark_matches_sparse_backend(spark, seed, max_len):
    lines = random_lines(seed)
    min_support = between_counts(0.03, len(onehot(lines)))
    expected = basket.frequent_itemsets(lines, min_support, max_len=max_len)
    got = basket.frequent_itemsets(lines, min_support, max_len=max_len, backend="spark")
    assert dict(zip(got["itemsets"], got["count"])) == dict(zip(expected["itemsets"], expected["count"]))
    assert list(got.columns) == basket.ITEMSET_COLUMNS


def test_spark_keeps_itemsets_exactly_at_the_threshold(spark):
    lines = random_lines(3, n_baskets=120)
    exact = basket.frequent_itemsets(lines, 0.02, max_len=2)
    threshold = int(exact.loc[exact["length"] == 2, "count"].iloc[3])
    n = round(exact["count"].iloc[0] / exact["support"].iloc[0])
    got = basket.frequent_itemsets(lines, threshold / n, max_len=2, backend="spark")
    want = basket.frequent_itemsets(lines, threshold / n, max_len=2)
    assert threshold in set(got["count"])
    assert dict(zip(got["itemsets"], got["count"])) == dict(zip(want["itemsets"], want["count"]))
