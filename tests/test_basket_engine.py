"""The default basket engine's compiled paths give the counts of two independent references.

The default ("sparse") backend codes items once, counts pairs and triples in compiled loops and
grows longer itemsets by projection (``xsell_lab.basket.sparse_backend``). Each path is checked
against DuckDB SQL written by hand (a self-join of the distinct basket lines, the way an analyst
would count pairs and triples) and against mlxtend's FP-growth, on Zipf baskets with planted
pairs and triples, and the fast cleaning routes (sorted whole-number ids, counted item codes)
against the general one (text ids, ``pandas.factorize``), and the association rules of long
itemsets against mlxtend's.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from xsell_lab import basket
from xsell_lab.basket import sparse_backend
from xsell_lab.data import schema as s


PLANTED = [(5, 9), (11, 17, 23)]


def zipf_lines(seed: int, n_baskets: int = 3_000, n_items: int = 300) -> pd.DataFrame:
    """Order lines of Zipf-popular items (repeats allowed), the planted itemsets in 5% of baskets each."""
    rng = np.random.default_rng(seed)
    sizes = 1 + rng.poisson(6, n_baskets)
    weights = 1 / np.arange(1, n_items + 1)
    orders = [np.repeat(np.arange(n_baskets), sizes)]
    items = [rng.choice(n_items, size=sizes.sum(), p=weights / weights.sum())]
    for planted in PLANTED:
        chosen = np.flatnonzero(rng.random(n_baskets) < 0.05)
        orders.append(np.repeat(chosen, len(planted)))
        items.append(np.tile(planted, len(chosen)))
    order, item = np.concatenate(orders), np.concatenate(items)
    by_order = np.argsort(order, kind="stable")
    return pd.DataFrame({s.ORDER_ID: order[by_order] + 1000, s.PRODUCT_ID: item[by_order]})


def duckdb_counts(lines: pd.DataFrame, min_count: int) -> dict[frozenset, int]:
    """Items, pairs and triples in at least ``min_count`` baskets, counted by hand-written SQL."""
    sql = f"""
    WITH l AS (SELECT DISTINCT {s.ORDER_ID} AS o, {s.PRODUCT_ID} AS i FROM lines),
    one AS (SELECT i FROM l GROUP BY i HAVING count(*) >= {min_count}),
    f AS (SELECT l.* FROM l JOIN one USING (i)),
    two AS (SELECT a.i AS i, b.i AS j, count(*) AS n FROM f a JOIN f b ON a.o = b.o AND a.i < b.i
            GROUP BY 1, 2 HAVING count(*) >= {min_count}),
    three AS (SELECT a.i AS i, b.i AS j, c.i AS k, count(*) AS n FROM f a
              JOIN f b ON a.o = b.o AND a.i < b.i JOIN f c ON a.o = c.o AND b.i < c.i
              GROUP BY 1, 2, 3 HAVING count(*) >= {min_count})
    SELECT [i] AS items, count(*) AS n FROM f GROUP BY i
    UNION ALL SELECT [i, j], n FROM two UNION ALL SELECT [i, j, k], n FROM three
    """
    connection = duckdb.connect()
    connection.register("lines", lines)
    found = connection.execute(sql).fetchall()
    return {frozenset(int(x) for x in items): int(n) for items, n in found}


def as_counts(itemsets: pd.DataFrame) -> dict[frozenset, int]:
    return {frozenset(int(x) for x in items): int(n) for items, n in zip(itemsets["itemsets"], itemsets["count"])}


@pytest.mark.parametrize("seed", [0, 1])
def test_pairs_and_triples_equal_hand_written_duckdb_and_mlxtend(seed):
    lines = zipf_lines(seed)
    n_baskets = lines[s.ORDER_ID].nunique()
    min_support = 0.01
    ours = basket.frequent_itemsets(lines, min_support, max_len=3)
    reference = duckdb_counts(lines, basket.transactions.min_count(min_support, n_baskets))
    assert as_counts(ours) == reference
    assert as_counts(basket.frequent_itemsets(lines, min_support, max_len=3, backend="mlxtend")) == reference
    assert reference[frozenset(PLANTED[1])] >= 0.05 * n_baskets * 0.8  # the planted triple is found
    assert ours["length"].max() == 3


def test_four_items_and_more_grow_from_the_triples_as_mlxtend_finds_them():
    lines = zipf_lines(2, n_baskets=1_500, n_items=40)
    longest = basket.frequent_itemsets(lines, 0.004, max_len=None)
    assert longest["length"].max() >= 5
    assert as_counts(longest) == as_counts(basket.frequent_itemsets(lines, 0.004, max_len=None, backend="mlxtend"))
    for max_len in (3, 4):
        capped = basket.frequent_itemsets(lines, 0.004, max_len=max_len)
        assert as_counts(capped) == {k: v for k, v in as_counts(longest).items() if len(k) <= max_len}
    # growing past triples copies the frequent columns (3 x 16 bytes per entry): the guard counts it before counting pairs
    frequent_entries = sum(count for items, count in as_counts(longest).items() if len(items) == 1)
    with pytest.raises(basket.BasketMemoryError, match="Counting pairs of .* Nothing was allocated"):
        basket.frequent_itemsets(lines, 0.004, max_len=4, memory_limit=3 * 16 * frequent_entries)


def test_many_frequent_items_are_counted_by_the_sparse_product_alike(monkeypatch):
    lines = zipf_lines(3)
    flat = basket.frequent_itemsets(lines, 0.005, max_len=3)
    monkeypatch.setattr(sparse_backend, "_MAX_PAIR_BINS", 4)  # F**2 above it: X^T X and projections instead
    assert as_counts(basket.frequent_itemsets(lines, 0.005, max_len=3)) == as_counts(flat)
    frequent_entries = sum(count for items, count in as_counts(flat).items() if len(items) == 1)
    with pytest.raises(basket.BasketMemoryError, match="Counting pairs of .* Nothing was allocated"):
        basket.frequent_itemsets(lines, 0.005, max_len=3, memory_limit=3 * 16 * frequent_entries)  # the copies alone need more


def test_fast_cleaning_routes_equal_the_general_one():
    lines = zipf_lines(4, n_baskets=800)
    fast = basket.clean_baskets(lines)  # sorted whole-number basket ids, item ids counted
    shuffled = lines.sample(frac=1.0, random_state=0)
    as_text = lines.astype({s.ORDER_ID: str})  # factorized basket ids, text not in numeric order
    wide_ids = lines.assign(**{s.PRODUCT_ID: lines[s.PRODUCT_ID] * 10**12})  # too sparse a range to count
    for other in (basket.clean_baskets(shuffled), basket.clean_baskets(as_text), basket.clean_baskets(wide_ids)):
        assert other.n_baskets == fast.n_baskets == lines[s.ORDER_ID].nunique()
        assert (other.item_counts() == fast.item_counts()).all()
        assert other.cleaning_log.equals(fast.cleaning_log)
    assert fast.items.tolist() == sorted(lines[s.PRODUCT_ID].unique().tolist())
    assert fast.items.dtype == lines[s.PRODUCT_ID].dtype
    distinct = lines.drop_duplicates()
    assert fast.matrix.nnz == len(distinct)
    assert fast.cleaning_log.set_index("step").loc["counted an item once per basket", "rows"] == len(lines) - len(distinct)
    first = lines[lines[s.ORDER_ID] == lines[s.ORDER_ID].min()][s.PRODUCT_ID].unique()
    assert fast.items[fast.matrix.indices[fast.matrix.indptr[0] : fast.matrix.indptr[1]]].tolist() == sorted(first)


def test_sorted_and_shuffled_lines_give_the_same_itemsets_and_rules():
    # sorted whole-number basket ids are split in one pass; shuffled or descending ones are factorized and sorted
    lines = zipf_lines(5, n_baskets=2_000)
    shuffled = lines.sample(frac=1.0, random_state=3)
    descending = lines.iloc[::-1]
    tables = [basket.frequent_itemsets(table, 0.01, max_len=3) for table in (lines, shuffled, descending)]
    reference = duckdb_counts(lines, basket.transactions.min_count(0.01, lines[s.ORDER_ID].nunique()))
    rules = [basket.association_rules(table, metric="confidence", min_threshold=0.0) for table in tables]
    for table, rule_table in zip(tables[1:], rules[1:]):
        pd.testing.assert_frame_equal(table, tables[0], check_exact=True)
        pd.testing.assert_frame_equal(rule_table, rules[0], check_exact=True)
    assert as_counts(tables[0]) == reference
    assert tables[0]["length"].max() == 3


def test_rules_of_long_itemsets_equal_mlxtend_and_need_every_subset():
    from mlxtend.frequent_patterns import association_rules as mlxtend_rules

    lines = zipf_lines(2, n_baskets=1_500, n_items=40)
    itemsets = basket.frequent_itemsets(lines, 0.004, max_len=None)
    assert itemsets["length"].max() >= 5  # splits of 5 items: 30 rules per itemset
    ours = basket.association_rules(itemsets, metric="lift", min_threshold=1.0)
    reference = mlxtend_rules(itemsets[["support", "itemsets"]], num_itemsets=lines[s.ORDER_ID].nunique(), metric="lift", min_threshold=1.0)
    merged = ours.merge(reference, on=["antecedents", "consequents"], suffixes=("", "_ref"), validate="one_to_one")
    assert len(merged) == len(ours) == len(reference)
    for metric in ["confidence", "lift", "leverage", "zhangs_metric"]:
        np.testing.assert_allclose(merged[metric], merged[f"{metric}_ref"], rtol=1e-9, err_msg=metric)
    counts = dict(zip(itemsets["itemsets"], itemsets["count"]))
    assert merged["count"].tolist() == [counts[a | b] for a, b in zip(merged["antecedents"], merged["consequents"])]
    assert merged["antecedent_count"].tolist() == [counts[a] for a in merged["antecedents"]]
    single = itemsets.index[itemsets["length"] == 1][0]
    with pytest.raises(ValueError, match="a subset of a frequent itemset is missing"):
        basket.association_rules(itemsets.drop(index=single))


def test_int64_counters_count_as_the_int32_ones(monkeypatch):
    # int32 counters are used below 2**31 baskets; the int64 ones (more baskets) must count alike
    lines = zipf_lines(6)
    narrow = basket.frequent_itemsets(lines, 0.01, max_len=3)
    assert sparse_backend._count_type(lines[s.ORDER_ID].nunique()) is np.int32
    monkeypatch.setattr(sparse_backend, "_count_type", lambda n_rows: np.int64)
    pd.testing.assert_frame_equal(basket.frequent_itemsets(lines, 0.01, max_len=3), narrow, check_exact=True)
    assert narrow["length"].max() == 3


def test_short_and_long_baskets_with_repeats_come_out_sorted_and_distinct():
    # baskets of at most RANKED_ROW lines are sorted by rank, longer ones by numpy.sort
    from xsell_lab.basket._kernels import RANKED_ROW

    rng = np.random.default_rng(7)
    sizes = rng.integers(1, 3 * RANKED_ROW, 400)
    lines = pd.DataFrame({s.ORDER_ID: np.repeat(np.arange(400), sizes), s.PRODUCT_ID: rng.integers(0, 120, sizes.sum()) * 7})
    assert (sizes > RANKED_ROW).any() and (sizes <= RANKED_ROW).any()
    clean = basket.clean_baskets(lines)
    rows = np.split(clean.items[clean.matrix.indices].to_numpy(), clean.matrix.indptr[1:-1])
    expected = lines.drop_duplicates().groupby(s.ORDER_ID)[s.PRODUCT_ID].apply(sorted)
    assert [row.tolist() for row in rows] == expected.tolist()


def test_pairs_without_any_frequent_triple_end_the_search_at_any_max_len():
    # two planted pairs, never together: frequent pairs, no frequent triple, so nothing longer to grow
    baskets = [["a", "b"]] * 30 + [["c", "d"]] * 30 + [["a", "c"], ["b", "d"], ["e"]] * 5
    lines = pd.DataFrame(
        {s.ORDER_ID: np.repeat(np.arange(len(baskets)), [len(b) for b in baskets]), s.PRODUCT_ID: np.concatenate(baskets)}
    )
    by_hand = {frozenset(items): n for items, n in [("a", 35), ("b", 35), ("c", 35), ("d", 35), ("e", 5), ("ab", 30), ("cd", 30),
                                                     ("ac", 5), ("bd", 5)]}
    for max_len in (3, 4, None):
        for backend in ("sparse", "mlxtend"):
            found = basket.frequent_itemsets(lines, 0.05, max_len=max_len, backend=backend)
            assert dict(zip(found["itemsets"], found["count"])) == by_hand, (backend, max_len)
