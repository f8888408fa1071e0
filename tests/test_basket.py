"""Frequent itemsets and association rules: backends agree, match mlxtend and brute force, refuse bad input."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from mlxtend.frequent_patterns import apriori, fpgrowth
from mlxtend.frequent_patterns import association_rules as mlxtend_rules

from xsell_lab import basket
from xsell_lab.data import schema as s
from xsell_lab.exceptions import DataValidationError

from factories import between_counts, onehot, random_lines

IN_PROCESS = ["sparse", "mlxtend"]


def as_dict(itemsets: pd.DataFrame) -> dict:
    return dict(zip(itemsets["itemsets"], itemsets["support"].round(12)))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("max_len", [2, 3, None])
def test_backends_match_mlxtend_fpgrowth_and_apriori(seed, max_len):
    lines = random_lines(seed)
    table = onehot(lines)
    min_support = between_counts(0.02 + 0.01 * seed, len(table))
    reference = as_dict(fpgrowth(table, min_support=min_support, use_colnames=True, max_len=max_len))
    assert reference == as_dict(apriori(table, min_support=min_support, use_colnames=True, max_len=max_len))
    for backend in IN_PROCESS:
        ours = basket.frequent_itemsets(lines, min_support, max_len=max_len, backend=backend)
        assert as_dict(ours) == reference, backend
        assert list(ours.columns) == basket.ITEMSET_COLUMNS
        assert (ours["count"] == (ours["support"] * len(table)).round()).all()
        assert (ours["length"] == ours["itemsets"].map(len)).all()


@pytest.mark.parametrize("seed", [5, 6])
def test_counts_equal_brute_force_and_threshold_is_inclusive(seed):
    lines = random_lines(seed, n_baskets=150, n_items=12)
    table = onehot(lines)
    n = len(table)
    # a threshold exactly equal to an attainable support: itemsets at that support must be kept
    pair_counts = {
        frozenset(pair): int(table[list(pair)].all(axis=1).sum()) for pair in combinations(table.columns, 2)
    }
    exact = sorted(pair_counts.values())[-5]
    for backend in IN_PROCESS:
        ours = basket.frequent_itemsets(lines, exact / n, max_len=2, backend=backend)
        pairs = ours[ours["length"] == 2]
        expected = {k: v for k, v in pair_counts.items() if v >= exact}
        assert dict(zip(pairs["itemsets"], pairs["count"])) == expected, backend
        assert exact in set(pairs["count"])


def test_association_rules_match_mlxtend():
    lines = random_lines(11)
    table = onehot(lines)
    min_support = between_counts(0.03, len(table))
    ours = basket.association_rules(basket.frequent_itemsets(lines, min_support), metric="confidence", min_threshold=0.1)
    reference = mlxtend_rules(
        fpgrowth(table, min_support=min_support, use_colnames=True), num_itemsets=len(table), min_threshold=0.1
    )
    assert list(ours.columns) == basket.RULE_COLUMNS
    merged = ours.merge(reference, on=["antecedents", "consequents"], suffixes=("", "_ref"), validate="one_to_one")
    assert len(merged) == len(ours) == len(reference)
    for metric in ["support", "confidence", "lift", "leverage", "conviction", "zhangs_metric", "jaccard", "kulczynski"]:
        np.testing.assert_allclose(merged[metric], merged[f"{metric}_ref"], rtol=1e-9, err_msg=metric)
    assert (ours["lift"].diff().dropna() <= 1e-12).all(), "sorted by lift, highest first"


def test_five_basket_hand_example():
    lines = pd.DataFrame(
        {
            s.ORDER_ID: [1, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5],
            s.PRODUCT_ID: ["laptop", "case", "mouse", "laptop", "case", "laptop", "mouse", "printer", "ink", "case", "ink"],
        }
    )
    rules = basket.association_rules(basket.frequent_itemsets(lines, 0.2, max_len=2))
    rule = rules[(rules["antecedents"] == {"laptop"}) & (rules["consequents"] == {"case"})].iloc[0]
    # laptop in 3 of 5 baskets, case in 3, both in 2
    assert rule["support"] == pytest.approx(2 / 5)
    assert rule["confidence"] == pytest.approx(2 / 3)
    assert rule["lift"] == pytest.approx((2 / 3) / (3 / 5))
    assert rule["leverage"] == pytest.approx(2 / 5 - 3 / 5 * 3 / 5)
    assert rule["conviction"] == pytest.approx((1 - 3 / 5) / (1 - 2 / 3))
    printer_ink = rules[(rules["antecedents"] == {"printer"}) & (rules["consequents"] == {"ink"})].iloc[0]
    assert printer_ink["confidence"] == 1 and np.isinf(printer_ink["conviction"])


def test_cleaning_is_counted_and_input_untouched():
    lines = pd.DataFrame(
        {
            s.ORDER_ID: ["a", "a", "a", "b", "b", "c", "d", None, "e"],
            s.PRODUCT_ID: ["x", "x", "y", "x", "y", None, "z", "x", "y"],
            s.QUANTITY: [1, 2, 1, 1, -1, 1, 1, 1, 0],
        }
    )
    before = lines.copy()
    baskets = basket.clean_baskets(lines, quantity_column=s.QUANTITY)
    pd.testing.assert_frame_equal(lines, before)
    log = baskets.cleaning_log.set_index("step")["rows"]
    assert log["dropped lines with a missing basket or item id"] == 2
    assert log["dropped returns / cancellations"] == 2
    assert log["counted an item once per basket"] == 1
    assert log["dropped baskets left without any item"] == 2  # c (no item) and e (only a return)
    assert log["kept one-item baskets (they count in N and in item supports)"] == 2  # b, d
    assert baskets.n_baskets == 3  # a, b, d
    itemsets = basket.frequent_itemsets(baskets, 0.1)
    support = as_dict(itemsets)
    assert support[frozenset({"x"})] == pytest.approx(2 / 3)  # a twice-listed x counts once
    assert support[frozenset({"x", "y"})] == pytest.approx(1 / 3)


def test_mixed_id_types_are_compared_as_text():
    lines = pd.DataFrame({s.ORDER_ID: [1, 1, 2, 2], s.PRODUCT_ID: pd.Series([1, "2", "1", 2], dtype=object)})
    baskets = basket.clean_baskets(lines)
    assert list(baskets.items) == ["1", "2"]
    step = baskets.cleaning_log.set_index("step").loc["compared item ids of mixed types as text"]
    assert "2 id(s) became identical" in step["detail"]
    assert as_dict(basket.frequent_itemsets(baskets, 1.0))[frozenset({"1", "2"})] == 1.0


@pytest.mark.parametrize("bad", [0, -0.1, 1.5, float("nan")])
def test_min_support_outside_unit_interval_is_refused(bad):
    with pytest.raises(ValueError, match=r"min_support must be in \(0, 1\].*got"):
        basket.frequent_itemsets(random_lines(0, n_baskets=20), bad)


def test_other_bad_arguments_name_the_problem():
    lines = random_lines(0, n_baskets=20)
    with pytest.raises(TypeError, match="got '0.1'"):
        basket.frequent_itemsets(lines, "0.1")
    with pytest.raises(ValueError, match="backend must be one of"):
        basket.frequent_itemsets(lines, 0.1, backend="excel")
    with pytest.raises(ValueError, match="max_len"):
        basket.frequent_itemsets(lines, 0.1, max_len=0)
    with pytest.raises(DataValidationError, match="table 'transactions', column 'sku'.*missing.*Columns found: order_id"):
        basket.frequent_itemsets(lines, 0.1, item_column="sku")
    with pytest.raises(ValueError, match="no line is left"):
        basket.frequent_itemsets(lines.assign(product_id=None), 0.1)


def test_nothing_above_threshold_says_what_the_best_is():
    lines = random_lines(1, n_baskets=50)
    with pytest.raises(basket.NoFrequentItemsetsError, match=r"most frequent item, 'p00', is in \d+"):
        basket.frequent_itemsets(lines, 1.0)
    singles = basket.frequent_itemsets(lines.drop_duplicates(s.ORDER_ID), 0.01)
    with pytest.raises(basket.NoFrequentItemsetsError, match="no rule"):
        basket.association_rules(singles)
    with pytest.raises(basket.NoFrequentItemsetsError, match=r"No rule reaches lift >= 1000; the highest is"):
        basket.association_rules(basket.frequent_itemsets(lines, 0.05), metric="lift", min_threshold=1000)


@pytest.mark.parametrize("backend", IN_PROCESS)
def test_memory_guard_refuses_before_allocating(backend):
    lines = random_lines(2)
    with pytest.raises(basket.BasketMemoryError, match="Nothing was allocated.*(min_support|backend='sparse')"):
        basket.frequent_itemsets(lines, 0.01, backend=backend, memory_limit=1000)


def test_itemset_text_is_sorted_and_independent_of_set_order():
    from xsell_lab.basket import itemset_text

    sets = pd.Series([frozenset({"laptop_case", "laptop"}), frozenset({"ink"})])
    assert itemset_text(sets).tolist() == ["laptop, laptop_case", "ink"]


def test_no_frequent_pair_says_which_min_support_would_find_one_and_empty_rules_go_on():
    from xsell_lab import basket

    lines = pd.DataFrame({"order_id": ["1", "1", "2", "2", "3", "4"], "product_id": ["a", "b", "a", "b", "c", "a"]})
    assert basket.no_frequent_pair(lines, 0.5) is None  # {a, b} is in 2 of 4 baskets
    assert basket.no_frequent_pair(lines, 0.6) == (
        "No pair of products reaches min_support 0.6: the most frequent pair is in 2 of 4 baskets, "
        "so min_support 0.5 or lower would find it."
    )
    assert "too small for pairs" in basket.no_frequent_pair(lines.iloc[[0, 2, 4]], 0.5)
    rules = basket.add_significance(basket.empty_rules(), alpha=0.05)
    assert rules.empty and list(rules.columns[: len(basket.RULE_COLUMNS)]) == basket.RULE_COLUMNS
