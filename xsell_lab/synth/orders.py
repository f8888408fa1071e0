"""Orders and baskets: when each buyer orders (BG/NBD), in which channel, what the basket holds, at what price.

Each order has one anchor category (the product the customer came for, or the planted
follow-up of the previous order), complements attached with their planted probabilities,
and independent add-ons; focal products sell at the week's shelf price.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.synth._sampling import draw
from xsell_lab.synth.repeat_purchases import bgnbd_repeat_times
from xsell_lab.synth.world import (
    ADDON_PROBABILITIES,
    ANCHOR_MIX,
    ATTACH_PROBABILITIES,
    BGNBD_PARAMS,
    CONSUMABLE_CATEGORIES,
    EXTRA_UNITS,
    HARDWARE_CATEGORIES,
    MATCHING_TIER_WEIGHT,
    NEXT_PURCHASE,
    P_ORDER_IN_PREFERRED_CHANNEL,
    PREFERRED_CHANNEL_MIX,
    TIER_MIX,
    WARRANTY_FOR,
)


def simulate_order_schedule(rng: np.random.Generator, people: pd.DataFrame, n_days: int) -> pd.DataFrame:
    """Order days of every buyer: the first purchase, then exact BG/NBD repeat purchases in weeks."""
    buyers = people.index[people["purchased"].to_numpy()].to_numpy()
    first_day = people["decision_day"].to_numpy()[buyers]
    horizon_weeks = (n_days - first_day) / 7.0
    params = BGNBD_PARAMS
    rates = rng.gamma(params["r"], 1.0 / params["alpha"], buyers.size)
    dropout = rng.beta(params["a"], params["b"], buyers.size)
    which, weeks = bgnbd_repeat_times(rates, dropout, horizon_weeks, rng)
    person = np.concatenate([buyers, buyers[which]])
    day = np.concatenate([first_day, first_day[which] + np.floor(weeks * 7.0).astype(int)])
    clock = np.concatenate([np.zeros(buyers.size), weeks])
    order = np.lexsort((clock, person))
    return pd.DataFrame({"person": person[order], "day": day[order]})


def _pick_product(rng: np.random.Generator, candidates: list[tuple[str, str | None]], tier: str) -> str:
    """A product of one category, favouring the wanted tier (exact match when it exists for anchors)."""
    weights = {pid: (MATCHING_TIER_WEIGHT if product_tier == tier else 1.0) for pid, product_tier in candidates}
    return draw(rng, weights)


def anchor_product(rng: np.random.Generator, candidates: list[tuple[str, str | None]], tier: str) -> str:
    """The anchor of a wanted tier: the product of exactly that tier, else a tier-weighted pick."""
    exact = [pid for pid, product_tier in candidates if product_tier == tier]
    return exact[0] if exact else _pick_product(rng, candidates, tier)


def _quantity(rng: np.random.Generator, category: str, segment: str) -> int:
    """Units of a line: 1, plus Poisson extras for consumables and for business hardware."""
    if category in CONSUMABLE_CATEGORIES:
        return 1 + int(rng.poisson(EXTRA_UNITS["consumable"][segment]))
    if category in HARDWARE_CATEGORIES:
        return 1 + int(rng.poisson(EXTRA_UNITS["hardware"][segment]))
    return 1


def _fill_basket(
    rng: np.random.Generator, by_category: dict, anchor_cat: str, tier: str, segment: str
) -> dict[str, tuple[str, int]]:
    """One basket: the anchor, its complements (attach probabilities) and independent add-ons.

    Returns ``{category: (product_id, quantity)}``, anchor first.
    """
    anchor = anchor_product(rng, by_category[anchor_cat], tier)
    anchor_qty = _quantity(rng, anchor_cat, segment)
    basket = {anchor_cat: (anchor, anchor_qty)}
    for cat, prob in ATTACH_PROBABILITIES.get(anchor_cat, {}).items():
        if rng.random() < prob:
            pid = WARRANTY_FOR[anchor_cat] if cat == "warranty" else _pick_product(rng, by_category[cat], tier)
            qty = anchor_qty if cat == "warranty" else _quantity(rng, cat, segment)
            basket[cat] = (pid, qty)
    for cat, prob in ADDON_PROBABILITIES.items():
        if rng.random() < prob and cat not in basket:
            basket[cat] = (_pick_product(rng, by_category[cat], tier), _quantity(rng, cat, segment))
    return basket


def simulate_baskets(
    rng: np.random.Generator, schedule: pd.DataFrame, people: pd.DataFrame, products: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Channel, anchor and complements of every order, in each customer's order sequence."""
    by_category: dict[str, list[tuple[str, str | None]]] = {}
    for pid, cat, tier in zip(products[s.PRODUCT_ID], products[s.CATEGORY], products[s.TIER]):
        by_category.setdefault(cat, []).append((pid, None if pd.isna(tier) else tier))
    segment = people[s.SEGMENT].to_numpy()
    preferred = people[s.PREFERRED_CHANNEL].to_numpy()
    persons = schedule["person"].to_numpy()
    channels, anchor_cats, anchor_ids, sequence, line_rows = [], [], [], [], []
    previous_person, trigger, seq = -1, None, 0
    for row, person in enumerate(persons):
        seg = segment[person]
        if person != previous_person:
            previous_person, trigger, seq = person, None, 0
        seq += 1
        in_preferred = rng.random() < P_ORDER_IN_PREFERRED_CHANNEL
        other_channel = draw(rng, PREFERRED_CHANNEL_MIX[seg])
        channels.append(preferred[person] if in_preferred else other_channel)
        follow_up = trigger is not None and rng.random() < NEXT_PURCHASE[trigger]["probability"]
        drawn = draw(rng, ANCHOR_MIX[seg])
        anchor_cat = NEXT_PURCHASE[trigger]["next_category"] if follow_up else drawn
        basket = _fill_basket(rng, by_category, anchor_cat, draw(rng, TIER_MIX[seg]), seg)
        line_rows += [(row, pid, qty) for pid, qty in basket.values()]
        anchor_cats.append(anchor_cat)
        anchor_ids.append(basket[anchor_cat][0])
        sequence.append(seq)
        trigger = anchor_cat if anchor_cat in NEXT_PURCHASE else None
    orders = schedule.assign(channel=channels, anchor_category=anchor_cats, anchor_product=anchor_ids, sequence=sequence)
    lines = pd.DataFrame(line_rows, columns=["row", s.PRODUCT_ID, s.QUANTITY])
    order = np.lexsort((orders["person"].to_numpy(), orders["day"].to_numpy()))
    orders = orders.iloc[order].reset_index().rename(columns={"index": "row"})
    orders[s.ORDER_ID] = [f"O{i:06d}" for i in range(1, len(orders) + 1)]
    lines = lines.merge(orders[["row", s.ORDER_ID]], on="row", how="left", validate="many_to_one")
    lines = lines.drop(columns="row").sort_values([s.ORDER_ID, s.PRODUCT_ID], kind="stable").reset_index(drop=True)
    return orders.drop(columns="row"), lines


def shelf_prices(
    lines: pd.DataFrame, orders: pd.DataFrame, products: pd.DataFrame, weekly: pd.DataFrame, start: pd.Timestamp
) -> pd.DataFrame:
    """Unit price paid: the week's shelf price for focal products, the list price otherwise."""
    order_day = lines[s.ORDER_ID].map(orders.set_index(s.ORDER_ID)["day"])
    dates = start + pd.to_timedelta(order_day.to_numpy(), unit="D")
    week = (dates - pd.to_timedelta(dates.day_of_week, unit="D")).normalize()
    week = np.maximum(week, weekly[s.WEEK_START].min())
    shelf = weekly.set_index([s.WEEK_START, s.PRODUCT_ID])[s.PRICE]
    key = pd.MultiIndex.from_arrays([week, lines[s.PRODUCT_ID]])
    list_price = lines[s.PRODUCT_ID].map(products.set_index(s.PRODUCT_ID)[s.PRICE]).to_numpy()
    weekly_price = shelf.reindex(key).to_numpy()
    return lines.assign(**{s.UNIT_PRICE: np.where(np.isnan(weekly_price), list_price, weekly_price)})
