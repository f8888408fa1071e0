"""Next-purchase rules: hand examples, a brute-force reference and refusal of bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xsell_lab import basket
from xsell_lab.data import schema as s
from xsell_lab.exceptions import DataValidationError


def lines_from(orders: list[tuple[str, str, str, list[str]]]) -> pd.DataFrame:
    """(customer, order, date, categories) -> long order lines."""
    rows = [(c, o, pd.Timestamp(d), cat) for c, o, d, cats in orders for cat in cats]
    return pd.DataFrame(rows, columns=[s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, s.CATEGORY])


HAND = lines_from(
    [
        ("c1", "o1", "2024-01-01", ["printer", "paper"]),
        ("c1", "o2", "2024-01-11", ["ink"]),
        ("c1", "o3", "2024-06-01", ["ink", "paper"]),
        ("c2", "o4", "2024-02-01", ["printer"]),
        ("c2", "o5", "2024-07-01", ["laptop"]),
        ("c3", "o6", "2024-03-01", ["laptop"]),
        ("c3", "o7", "2024-03-31", ["software", "ink"]),
        ("c4", "o8", "2024-12-20", ["printer"]),  # too late: its 90-day window is not over
        ("c5", "o9", "2024-12-31", ["paper"]),
    ]
)


def test_next_order_rules_hand_example():
    rules = basket.next_order_rules(HAND).set_index(["antecedent", "consequent"])
    # printer orders with a next order: o1 (-> o2: ink), o4 (-> o5: laptop); o8 has none
    assert rules.loc[("printer", "ink"), "antecedent_orders"] == 2
    assert rules.loc[("printer", "ink"), "probability"] == 0.5
    assert rules.loc[("printer", "ink"), "median_lag_days"] == 10
    # next orders: o2, o3, o5, o7; ink in o2, o3, o7
    assert rules.loc[("printer", "ink"), "baseline"] == 3 / 4
    assert rules.loc[("printer", "ink"), "lift"] == pytest.approx(0.5 / 0.75)
    assert list(basket.next_order_rules(HAND).columns) == basket.NEXT_ORDER_COLUMNS


def test_next_order_rules_need_a_minimum_count_derived_from_the_data():
    """Issue #10: on Online Retail the top next-order rules were single orders (probability 1, lift 3,100)."""
    # 9 orders of 5 customers: 4 are followed by another order of the same customer
    assert basket.min_next_orders(HAND, 0.002) == 2  # 0.008 next orders, but never fewer than 2
    assert basket.min_next_orders(HAND, 0.5) == 2 and basket.min_next_orders(HAND, 0.8) == 4
    every = basket.next_order_rules(HAND)
    assert len(every) == 7 and (every["count"] == 1).all()
    assert basket.next_order_rules(HAND, min_count=2).empty
    twice = pd.concat([HAND, HAND.assign(**{s.CUSTOMER_ID: HAND[s.CUSTOMER_ID] + "x", s.ORDER_ID: HAND[s.ORDER_ID] + "x"})])
    assert len(basket.next_order_rules(twice, min_count=2)) == 7 and basket.next_order_rules(twice, min_count=3).empty


def test_sequential_rules_hand_example_with_censoring():
    rules = basket.sequential_rules(HAND, within_days=90).set_index(["antecedent", "consequent"])
    # printer first bought by c1 (Jan), c2 (Feb) and c4 (20 Dec, censored: last day is 31 Dec)
    assert rules.loc[("printer", "ink"), "antecedent_customers"] == 2
    assert rules.loc[("printer", "ink"), "count"] == 1  # c1 after 10 days; c2 never
    assert ("printer", "laptop") not in rules.index  # c2's laptop came 151 days later
    assert rules.loc[("laptop", "software"), "median_lag_days"] == 30
    lags = basket.purchase_lags(HAND, "printer", "laptop")
    assert lags.to_dict("list") == {s.CUSTOMER_ID: ["c2"], "lag_days": [151]}


def test_next_purchase_uses_the_last_order():
    rules = basket.next_order_rules(HAND)
    best = basket.next_purchase(HAND, rules).set_index(s.CUSTOMER_ID)
    assert best.loc["c4", "because_of"] == "printer"
    # ink and laptop both follow printer half the time; laptop's lower baseline (1/4 vs 3/4) breaks the tie
    assert best.loc["c4", "next_item"] == "laptop"
    assert best.loc["c2", "because_of"] == "laptop" and best.loc["c2", "next_item"] == "software"


def brute_force_sequential(lines: pd.DataFrame, within: int) -> dict:
    """Per-customer loops, written independently of the vectorised code."""
    last = lines[s.ORDER_DATE].max()
    exposed, followed = {}, {}
    for _, own in lines.groupby(s.CUSTOMER_ID):
        for a in own[s.CATEGORY].unique():
            start = own.loc[own[s.CATEGORY] == a, s.ORDER_DATE].min()
            if (last - start).days < within:
                continue
            exposed[a] = exposed.get(a, 0) + 1
            window = own[(own[s.ORDER_DATE] > start) & ((own[s.ORDER_DATE] - start).dt.days <= within)]
            for b in window[s.CATEGORY].unique():
                followed[(a, b)] = followed.get((a, b), 0) + 1
    return {k: (v, exposed[k[0]]) for k, v in followed.items()}


@pytest.mark.parametrize("seed", [0, 1])
def test_sequential_rules_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 600
    lines = pd.DataFrame(
        {
            s.CUSTOMER_ID: rng.integers(0, 60, n).astype(str),
            s.ORDER_DATE: pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            s.CATEGORY: rng.choice(list("abcdef"), n),
        }
    )
    ours = basket.sequential_rules(lines, within_days=60)
    got = {(a, b): (c, e) for a, b, c, e in ours[["antecedent", "consequent", "count", "antecedent_customers"]].itertuples(index=False)}
    assert got == brute_force_sequential(lines, 60)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="within_days must be"):
        basket.sequential_rules(HAND, within_days=0)
    with pytest.raises(DataValidationError, match="column 'category'.*missing"):
        basket.sequential_rules(HAND.drop(columns=s.CATEGORY))
    with pytest.raises(ValueError, match=r"1 row\(s\) have an empty .*row 2"):
        basket.next_order_rules(HAND.assign(order_date=HAND[s.ORDER_DATE].where(HAND.index != 1)))
    clash = HAND.assign(customer_id=HAND[s.CUSTOMER_ID].where(HAND.index != 1, "c9"))
    with pytest.raises(ValueError, match="order 'o1' has several customers"):
        basket.next_order_rules(clash)


def _lines(rows):
    """Order lines from (customer, day, item, price) tuples."""
    return pd.DataFrame(rows, columns=[s.CUSTOMER_ID, "day", s.CATEGORY, s.UNIT_PRICE]).assign(
        **{s.ORDER_DATE: lambda f: pd.Timestamp("2025-01-01") + pd.to_timedelta(f["day"], unit="D")}
    )


def test_pair_counts_orders_each_pair_as_it_is_bought():
    lines = _lines([
        ("a", 0, "printer", 99.0), ("a", 30, "ink", 20.0),
        ("b", 0, "printer", 99.0), ("b", 0, "ink", 20.0),  # same day: the pricier item is the anchor
        ("c", 5, "printer", 99.0), ("c", 9, "ink", 20.0), ("c", 9, "paper", 5.0),
        ("d", 0, "paper", 5.0),
    ])  # fmt: skip
    pairs = basket.pair_counts(lines).set_index(["anchor", "add_on"])
    assert pairs.loc[("printer", "ink"), "customers"] == 3
    assert pairs.loc[("printer", "ink"), "anchor_first_share"] == 1.0
    assert pairs.loc[("printer", "paper"), "customers"] == 1
    assert pairs.loc[("ink", "paper"), "customers"] == 1  # same day, ink costs more
    assert list(basket.pair_counts(lines).columns) == basket.PAIR_COLUMNS


def test_pair_counts_equal_a_brute_force_count(bundled_lines):
    lines = bundled_lines
    pairs = basket.pair_counts(lines).head(5)
    held = lines.groupby(s.CUSTOMER_ID)[s.CATEGORY].agg(set)
    for row in pairs.itertuples():
        assert row.customers == sum(1 for items in held if {row.anchor, row.add_on} <= items)


def test_choose_pair_follows_the_data_or_the_parameters(bundled_lines):
    lines = bundled_lines
    automatic = basket.choose_pair(lines)
    top = basket.pair_counts(lines).iloc[0]
    assert (automatic["anchor"], automatic["add_on"], automatic["chosen_by_data"]) == (top["anchor"], top["add_on"], True)
    # the planted consumable follows its device: ask for ink, get the printer as anchor
    assert basket.choose_pair(lines, add_on="ink")["anchor"] == "printer"
    given = basket.choose_pair(lines, "ink", "printer")
    assert (given["anchor"], given["add_on"], given["chosen_by_data"]) == ("ink", "printer", False)


def test_choose_pair_says_what_is_wrong():
    lines = _lines([("a", 0, "printer", 99.0), ("b", 0, "ink", 20.0)])
    with pytest.raises(ValueError, match=r"anchor 'laptop' is not a value of column 'category'.*printer"):
        basket.choose_pair(lines, "laptop")
    with pytest.raises(ValueError, match="needs customers who bought two different items"):
        basket.choose_pair(lines)


def test_pair_counts_is_the_same_through_the_dense_and_the_sparse_count(bundled_lines, monkeypatch):
    from xsell_lab.basket import sequences

    lines = bundled_lines
    dense = basket.pair_counts(lines, item_column=s.PRODUCT_ID)
    monkeypatch.setattr(sequences, "_DENSE_PAIR_KEYS", 0)
    pd.testing.assert_frame_equal(basket.pair_counts(lines, item_column=s.PRODUCT_ID), dense)


def test_readable_counts_print_thousands_separators_and_leave_the_rest():
    """Issue #10: Complete Journey's tables showed counts as '16003' beside sentences printing '1,084'."""
    table = pd.DataFrame({"step": ["a", "b"], "rows": [16003, 7], "share": [0.5, 0.25]})
    shown = basket.readable_counts(table)
    assert shown["rows"].tolist() == ["16,003", "7"] and shown["share"].tolist() == [0.5, 0.25]
    assert table["rows"].tolist() == [16003, 7]  # the input is not changed


def test_purchase_lags_waiting_only_are_the_later_buyers_of_offer_timing(bundled_lines):
    from xsell_lab import lifecycle

    every = basket.purchase_lags(bundled_lines, "printer", "ink")
    waiting = basket.purchase_lags(bundled_lines, "printer", "ink", waiting_only=True)
    row = lifecycle.offer_timing(bundled_lines, anchor="printer", add_on="ink").iloc[0]
    assert len(waiting) == row["later_buyers"] < len(every)  # same-basket buyers who bought ink again later are left out
    assert waiting["lag_days"].median() == row["median_delay_days"]
    assert set(waiting[s.CUSTOMER_ID]) <= set(every[s.CUSTOMER_ID])
