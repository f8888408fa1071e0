"""The pairs notebooks study when their parameters say "auto": by hand, brute force, planted truth, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from xsell_lab import basket
from xsell_lab.data import schema as s


PRICES = {"printer": 99.0, "ink": 20.0, "paper": 5.0, "laptop": 900.0, "case": 30.0, "phone": 500.0, "cover": 10.0}


def _lines(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    """(customer, order, day, category) -> order lines, priced by PRICES (same-day pairs: the pricier is the anchor)."""
    frame = pd.DataFrame(rows, columns=[s.CUSTOMER_ID, s.ORDER_ID, "day", s.CATEGORY])
    return frame.assign(**{
        s.ORDER_DATE: pd.Timestamp("2024-01-01") + pd.to_timedelta(frame["day"], unit="D"),
        s.UNIT_PRICE: frame[s.CATEGORY].map(PRICES),
    })  # fmt: skip


HAND = _lines([
    ("a", "o1", 0, "printer"), ("a", "o2", 30, "ink"),
    ("b", "o3", 0, "printer"), ("b", "o4", 40, "ink"), ("b", "o4", 40, "paper"),
    ("c", "o5", 0, "laptop"), ("c", "o5", 0, "case"), ("c", "o6", 50, "ink"),
    ("d", "o7", 0, "laptop"), ("d", "o7", 0, "case"),
    ("e", "o8", 0, "phone"), ("e", "o8", 0, "cover"),
])  # fmt: skip


def test_choose_pairs_skips_pairs_that_share_an_item():
    pairs = basket.choose_pairs(HAND, 3)
    # printer-ink (2 customers) and laptop-case (2) first; ink-paper and laptop-ink share an item
    assert pairs[["anchor", "add_on"]].values.tolist() == [["laptop", "case"], ["printer", "ink"], ["phone", "cover"]]
    assert list(pairs.columns) == basket.PAIR_COLUMNS
    with pytest.raises(ValueError, match=r"Column 'category' has 7 values and 3 pair\(s\) without a shared item.*4 are needed"):
        basket.choose_pairs(HAND, 4)


def test_choose_pairs_on_the_bundled_data_are_the_most_bought_disjoint_pairs(bundled_lines):
    lines = bundled_lines
    pairs = basket.choose_pairs(lines, 3)
    held = lines.groupby(s.CUSTOMER_ID)[s.CATEGORY].agg(set)
    for row in pairs.itertuples():
        assert row.customers == sum(1 for items in held if {row.anchor, row.add_on} <= items)
    items = pairs[["anchor", "add_on"]].to_numpy().ravel()
    assert len(set(items)) == 6
    assert (pairs["anchor"].iloc[0], pairs["add_on"].iloc[0]) == tuple(basket.choose_pair(lines)[["anchor", "add_on"]])


def test_choose_next_pair_by_hand():
    # next orders: o1->o2 (ink), o3->o4 (ink, paper), o5->o6 (ink); every next order holds ink: lift 1
    chosen = basket.choose_next_pair(HAND, min_count=1)
    assert (chosen["anchor"], chosen["add_on"], chosen["count"], chosen["chosen_by_data"]) == ("printer", "paper", 1, True)
    assert chosen["lift"] == pytest.approx((1 / 2) / (1 / 3))
    given = basket.choose_next_pair(HAND, "laptop", "ink")
    assert (given["antecedent_orders"], given["probability"], given["chosen_by_data"]) == (1, 1.0, False)


def test_choose_next_pair_finds_the_planted_next_purchases(bundled_lines, ground_truth):
    lines = bundled_lines
    planted = ground_truth["next_purchase"]
    strongest = max((key for key in planted if key != "definition"), key=lambda key: planted[key]["probability"])
    chosen = basket.choose_next_pair(lines)
    assert (chosen["anchor"], chosen["add_on"]) == (strongest, planted[strongest]["next_category"])
    for anchor in ("laptop", "smartphone"):
        assert basket.choose_next_pair(lines, anchor=anchor)["add_on"] == planted[anchor]["next_category"]


def test_choose_next_pair_equals_a_brute_force_count(bundled_lines):
    lines = bundled_lines
    chosen = basket.choose_next_pair(lines)
    orders = lines.groupby([s.CUSTOMER_ID, s.ORDER_DATE, s.ORDER_ID])[s.CATEGORY].agg(set).reset_index()
    orders = orders.sort_values([s.CUSTOMER_ID, s.ORDER_DATE, s.ORDER_ID])
    pairs = [
        (this, after)
        for _, history in orders.groupby(s.CUSTOMER_ID)
        for this, after in zip(history[s.CATEGORY].iloc[:-1], history[s.CATEGORY].iloc[1:])
    ]
    with_anchor = [after for this, after in pairs if chosen["anchor"] in this]
    probability = sum(chosen["add_on"] in after for after in with_anchor) / len(with_anchor)
    baseline = sum(chosen["add_on"] in after for _, after in pairs) / len(pairs)
    assert chosen["antecedent_orders"] == len(with_anchor)
    assert chosen["lift"] == pytest.approx(probability / baseline)


def test_choose_next_pair_says_what_is_wrong():
    with pytest.raises(ValueError, match=r"anchor 'tablet' is not a value of column 'category'.*printer"):
        basket.choose_next_pair(HAND, "tablet")
    with pytest.raises(ValueError, match=r"No next-order pair in column 'category' \(7 values, 12 lines\).*at least 20 times"):
        basket.choose_next_pair(HAND)
    with pytest.raises(ValueError, match="No next-order pair with anchor 'ink' add-on 'printer'"):
        basket.choose_next_pair(HAND, "ink", "printer")
