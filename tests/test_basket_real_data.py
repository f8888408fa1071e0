"""Real baskets: Groceries (arules' published rule count) and Online Retail invoices, against mlxtend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlxtend.frequent_patterns import association_rules as mlxtend_rules
from mlxtend.frequent_patterns import fpgrowth

from xsell_lab import basket
from xsell_lab.data import adapters
from xsell_lab.data import schema as s

from factories import onehot
from skips import shared_file


@pytest.fixture(scope="module")
def groceries() -> pd.DataFrame:
    return adapters.groceries(shared_file("groceries.csv")).tables[s.ORDER_LINES]


@pytest.fixture(scope="module")
def online_retail() -> pd.DataFrame:
    return adapters.online_retail(shared_file("online_retail.csv.gz")).tables[s.ORDER_LINES]


def test_groceries_reproduces_arules_published_rule_count(groceries):
    """Hahsler, Gruen & Hornik (2005), arules vignette: support 0.001, confidence 0.5 -> 5,668 rules."""
    itemsets = basket.frequent_itemsets(groceries, 0.001)
    rules = basket.association_rules(itemsets, metric="confidence", min_threshold=0.5)
    single_consequent = rules[rules["consequents"].map(len) == 1]  # arules mines one-item consequents
    assert len(single_consequent) == 5668
    whole_milk = itemsets.loc[itemsets["itemsets"] == frozenset({"whole milk"})].iloc[0]
    assert (whole_milk["count"], itemsets["count"].iloc[0] / itemsets["support"].iloc[0]) == (2513, 9835)


def test_groceries_matches_mlxtend_itemsets_and_rules(groceries):
    table = onehot(groceries)
    min_support = 0.0025 + 0.5 / len(table)  # half-way between attainable supports
    ours = basket.frequent_itemsets(groceries, min_support)
    reference = fpgrowth(table, min_support=min_support, use_colnames=True)
    assert dict(zip(ours["itemsets"], ours["support"].round(12))) == dict(
        zip(reference["itemsets"], reference["support"].round(12))
    )
    our_rules = basket.association_rules(ours, metric="lift", min_threshold=1.5)
    ref_rules = mlxtend_rules(reference, num_itemsets=len(table), metric="lift", min_threshold=1.5)
    merged = our_rules.merge(ref_rules, on=["antecedents", "consequents"], suffixes=("", "_ref"), validate="one_to_one")
    assert len(merged) == len(our_rules) == len(ref_rules) > 100
    for metric in ["confidence", "lift", "leverage", "conviction", "zhangs_metric", "jaccard", "kulczynski"]:
        np.testing.assert_allclose(merged[metric], merged[f"{metric}_ref"], rtol=1e-9, err_msg=metric)


@pytest.mark.slow
def test_online_retail_invoices_match_mlxtend(online_retail):
    n_invoices = online_retail[s.ORDER_ID].nunique()
    min_support = 0.01 + 0.5 / n_invoices
    ours = basket.frequent_itemsets(online_retail, min_support)
    teaching = basket.frequent_itemsets(online_retail, min_support, backend="mlxtend")
    assert dict(zip(ours["itemsets"], ours["count"])) == dict(zip(teaching["itemsets"], teaching["count"]))
    assert ours["length"].max() >= 3
    # real shop baskets hold strong, clearly non-random pairs (e.g. matching teacups in two colours)
    rules = basket.add_significance(basket.association_rules(ours, metric="lift", min_threshold=1.0))
    assert rules["significant"].mean() > 0.9
    top = rules.iloc[0]
    assert top["lift"] > 10 and top["p_adjusted"] < 1e-10
