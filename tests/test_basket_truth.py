"""Planted truth: the synthetic company's attach and next-purchase probabilities are recovered."""

from __future__ import annotations

import numpy as np
import pytest

from xsell_lab import basket
from xsell_lab.data import schema as s

Z = 4.0  # tolerance in binomial standard errors (about 1 in 16,000 per check by chance)


@pytest.fixture(scope="module")
def lines(bundled_lines):
    return bundled_lines  # committed data: its absence fails (tests/conftest.py)


@pytest.fixture(scope="module")
def truth(ground_truth):
    return ground_truth


@pytest.fixture(scope="module")
def category_rules(lines):
    itemsets = basket.frequent_itemsets(lines, 0.0005, max_len=2, item_column=s.CATEGORY)
    rules = basket.association_rules(itemsets)
    return {(min(a), min(b)): row for a, b, row in zip(rules["antecedents"], rules["consequents"], rules.to_dict("records"))}


def test_attach_probabilities_are_recovered(category_rules, truth):
    expected = truth["baskets"]["expected_conditional_frequency"]
    checked = 0
    for anchor, complements in expected.items():
        for complement, p in complements.items():
            rule = category_rules[(anchor, complement)]
            se = np.sqrt(p * (1 - p) / rule["antecedent_count"])
            assert abs(rule["confidence"] - p) <= Z * se, (anchor, complement, rule["confidence"], p)
            checked += 1
    assert checked >= 20


def test_planted_lifts_are_recovered(category_rules, truth):
    for anchor, complements in truth["baskets"]["expected_lift"].items():
        for complement, lift in complements.items():
            rule = category_rules[(anchor, complement)]
            conf, s_b, n = rule["confidence"], rule["consequent_support"], rule["n_baskets"]
            # delta method: relative variance of a ratio of two proportions
            rel_se = np.sqrt((1 - conf) / (conf * rule["antecedent_count"]) + (1 - s_b) / (s_b * n))
            assert abs(rule["lift"] / lift - 1) <= Z * rel_se, (anchor, complement, rule["lift"], lift)


def test_backends_agree_on_the_company(lines):
    for item_col in (s.CATEGORY, s.PRODUCT_ID):
        sparse = basket.frequent_itemsets(lines, 0.002, item_column=item_col)
        teaching = basket.frequent_itemsets(lines, 0.002, item_column=item_col, backend="mlxtend")
        assert dict(zip(sparse["itemsets"], sparse["count"])) == dict(zip(teaching["itemsets"], teaching["count"]))


def test_next_purchase_probabilities_are_recovered(lines, truth):
    rules = basket.next_order_rules(lines, by=s.SEGMENT).set_index([s.SEGMENT, "antecedent", "consequent"])
    checked = 0
    for trigger, planted in truth["next_purchase"].items():
        if not isinstance(planted, dict):
            continue
        for segment, p in planted["expected_next_order_contains_by_segment"].items():
            rule = rules.loc[(segment, trigger, planted["next_category"])]
            se = np.sqrt(p * (1 - p) / rule["antecedent_orders"])
            assert abs(rule["probability"] - p) <= Z * se, (segment, trigger, rule["probability"], p)
            checked += 1
    assert checked == 9


def test_most_likely_next_category_follows_the_planted_triggers(lines, truth):
    best = basket.next_purchase(lines, basket.next_order_rules(lines))
    for trigger, planted in truth["next_purchase"].items():
        if isinstance(planted, dict):
            assert (best.loc[best["because_of"] == trigger, "next_item"] == planted["next_category"]).all()
