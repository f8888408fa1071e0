"""Significance filter (Fisher exact + Benjamini-Hochberg) and redundant-rule pruning."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from xsell_lab import basket
from xsell_lab.data import schema as s
from xsell_lab.exceptions import DataValidationError


def independent_items_plus_one_pair(seed: int = 7, n_baskets: int = 3000, n_items: int = 30) -> pd.DataFrame:
    """Items bought independently (p = 0.15 each), except 'ink' joins 'printer' half the time."""
    rng = np.random.default_rng(seed)
    held = rng.random((n_baskets, n_items)) < 0.15
    names = [f"item{i:02d}" for i in range(n_items - 2)] + ["printer", "ink"]
    held[:, -1] |= held[:, -2] & (rng.random(n_baskets) < 0.5)
    rows, cols = np.nonzero(held)
    return pd.DataFrame({s.ORDER_ID: rows, s.PRODUCT_ID: np.asarray(names)[cols]})


def test_p_values_equal_scipy_fisher_exact():
    rules = basket.add_significance(
        basket.association_rules(basket.frequent_itemsets(independent_items_plus_one_pair(), 0.01, max_len=3))
    )
    sample = rules.sample(40, random_state=0)
    for row in sample.itertuples():
        table = [
            [row.count, row.antecedent_count - row.count],
            [row.consequent_count - row.count, row.n_baskets - row.antecedent_count - row.consequent_count + row.count],
        ]
        assert row.p_value == pytest.approx(fisher_exact(table, alternative="greater").pvalue, rel=1e-7, abs=1e-300)


def test_false_discovery_control_keeps_the_planted_pair_and_drops_chance():
    rules = basket.add_significance(
        basket.association_rules(basket.frequent_itemsets(independent_items_plus_one_pair(), 0.01, max_len=2))
    )
    planted = rules["antecedents"].map(lambda a: a <= {"printer", "ink"}) & rules["consequents"].map(
        lambda c: c <= {"printer", "ink"}
    )
    assert rules.loc[planted, "significant"].all()
    chance = rules[~planted]
    pair = pd.Series([a | b for a, b in zip(chance["antecedents"], chance["consequents"])], index=chance.index)
    # A -> B and B -> A share one 2 x 2 table, hence one test
    raw_hits = pair[chance["p_value"] < 0.05].nunique()
    assert raw_hits >= 5, "with ~430 unrelated pairs some pass p < 0.05 by chance"
    assert pair[chance["significant"]].nunique() <= 1, "Benjamini-Hochberg removes (almost) all chance findings"
    bonferroni = basket.add_significance(rules.drop(columns=basket.SIGNIFICANCE_COLUMNS), method="bonferroni")
    assert bonferroni["significant"].sum() <= rules["significant"].sum()


def test_bad_alpha_and_missing_columns():
    rules = basket.association_rules(basket.frequent_itemsets(independent_items_plus_one_pair(n_baskets=300), 0.05, max_len=2))
    with pytest.raises(ValueError, match="alpha must be in"):
        basket.add_significance(rules, alpha=1.5)
    with pytest.raises(DataValidationError, match="n_baskets"):
        basket.add_significance(rules.drop(columns="n_baskets"))


def hand_rules() -> pd.DataFrame:
    # case depends on laptop only: conf(laptop -> case) = conf({laptop, mouse} -> case) = 1/2
    # ink depends on printer AND paper: conf({printer, paper} -> ink) = 1 > conf(printer or paper -> ink) = 1/2
    baskets = (
        [["laptop", "mouse", "case"]] * 2 + [["laptop", "case"]] * 2 + [["laptop", "mouse"]] * 2 + [["laptop"]] * 2
        + [["printer", "paper", "ink"]] * 2 + [["printer"]] * 2 + [["paper"]] * 2
    )
    lines = pd.DataFrame([(i, item) for i, items in enumerate(baskets) for item in items], columns=[s.ORDER_ID, s.PRODUCT_ID])
    return basket.association_rules(basket.frequent_itemsets(lines, 0.1))


def rule(rules: pd.DataFrame, antecedent: set, consequent: set) -> pd.DataFrame:
    return rules[(rules["antecedents"] == frozenset(antecedent)) & (rules["consequents"] == frozenset(consequent))]


def test_redundant_rules_are_pruned_and_useful_ones_kept():
    rules = hand_rules()
    pruned = basket.prune_redundant_rules(rules)
    assert len(rule(rules, {"laptop", "mouse"}, {"case"})) == 1
    assert rule(pruned, {"laptop", "mouse"}, {"case"}).empty
    assert len(rule(pruned, {"laptop"}, {"case"})) == 1
    kept = rule(pruned, {"printer", "paper"}, {"ink"})
    assert kept["improvement"].iloc[0] == pytest.approx(1 - 1 / 2)
    assert len(basket.prune_redundant_rules(rules, min_improvement=0.6)) < len(pruned)
    assert pruned.loc[pruned["antecedents"].map(len) == 1, "improvement"].isna().all()
