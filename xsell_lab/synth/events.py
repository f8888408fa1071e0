"""Marketing events: awareness, consideration, site visits, support contacts and referrals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.synth._sampling import draw, draw_many
from xsell_lab.synth.orders import anchor_product
from xsell_lab.synth.world import (
    ANCHOR_MIX,
    LOYALTY_MIN_ORDERS,
    MEAN_SITE_VISITS,
    P_REFERRAL_LOYAL_OTHER,
    P_REFERRAL_LOYAL_PROMOTER,
    P_REFERRAL_NONLOYAL_BUYER,
    PROMOTER_MIN_NPS,
    SUPPORT_RATES,
    TIER_MIX,
)


def _event_frame(person, day, event_type, channel, product) -> pd.DataFrame:
    """Marketing events in the generator's internal form (person index, day offset)."""
    n = len(person)
    return pd.DataFrame(
        {"person": np.asarray(person, dtype=int), "day": np.asarray(day, dtype=int),
         s.EVENT_TYPE: np.repeat(event_type, n) if isinstance(event_type, str) else event_type,
         s.CHANNEL: np.asarray(channel, dtype=object), s.PRODUCT_ID: np.asarray(product, dtype=object)}
    )


def simulate_marketing_events(
    rng: np.random.Generator,
    people: pd.DataFrame,
    orders: pd.DataFrame,
    lines: pd.DataFrame,
    products: pd.DataFrame,
    n_days: int,
) -> pd.DataFrame:
    """Awareness, consideration, site visits and support contacts (referrals are added later)."""
    n = len(people)
    awareness = _event_frame(np.arange(n), people["awareness_day"], "awareness", people[s.ACQUISITION_CHANNEL], [None] * n)
    considered = np.flatnonzero(people["considered"].to_numpy())
    first_anchor = orders.loc[orders["sequence"] == 1].set_index("person")["anchor_product"]
    by_category = products.groupby(s.CATEGORY, sort=True)[s.PRODUCT_ID].apply(list).to_dict()
    tiers = products.set_index(s.PRODUCT_ID)[s.TIER]
    viewed = []
    for person in considered:
        if person in first_anchor.index:
            viewed.append(first_anchor[person])
            continue
        seg = people.at[person, s.SEGMENT]
        candidates = [(pid, None if pd.isna(tiers[pid]) else tiers[pid]) for pid in by_category[draw(rng, ANCHOR_MIX[seg])]]
        viewed.append(anchor_product(rng, candidates, draw(rng, TIER_MIX[seg])))
    preferred = people[s.PREFERRED_CHANNEL].to_numpy()
    online = np.where(preferred == "app", "app", "web")
    consideration = _event_frame(
        considered, people["consideration_day"].to_numpy()[considered], "consideration",
        np.where(preferred[considered] == "store", "store", online[considered]), viewed,
    )
    visits = rng.poisson(MEAN_SITE_VISITS, considered.size)
    visitor = np.repeat(considered, visits)
    low = people["consideration_day"].to_numpy()[visitor]
    high = people["decision_day"].to_numpy()[visitor]
    site_visits = _event_frame(
        visitor, rng.integers(low, high + 1), "site_visit", online[visitor], np.repeat(np.asarray(viewed, dtype=object), visits)
    )
    support = _support_events(rng, orders, lines, products, n_days)
    return pd.concat([awareness, consideration, site_visits, support], ignore_index=True)


def _support_events(
    rng: np.random.Generator, orders: pd.DataFrame, lines: pd.DataFrame, products: pd.DataFrame, n_days: int
) -> pd.DataFrame:
    """Support contacts: Poisson per buyer, more for premium tiers and protection plans."""
    wide = lines.merge(orders[[s.ORDER_ID, "person"]], on=s.ORDER_ID).merge(
        products[[s.PRODUCT_ID, s.CATEGORY, s.TIER]], on=s.PRODUCT_ID
    )
    wide = wide.assign(
        premium=(wide[s.TIER] == "premium").fillna(False).astype(int),
        protection=wide[s.CATEGORY].isin(["warranty", "subscription"]).astype(int),
    )
    per_person = wide.groupby("person", sort=True)[["premium", "protection"]].sum()
    mean = (
        SUPPORT_RATES["base"]
        + SUPPORT_RATES["per_premium_line"] * per_person["premium"]
        + SUPPORT_RATES["per_protection_line"] * per_person["protection"]
    )
    counts = rng.poisson(mean.to_numpy())
    order_days = orders.groupby("person", sort=True)["day"].apply(np.asarray)
    order_products = orders.groupby("person", sort=True)["anchor_product"].apply(np.asarray)
    person_col, day_col, product_col = [], [], []
    for person, count in zip(per_person.index, counts):
        if count == 0:
            continue
        pick = rng.integers(0, len(order_days[person]), count)
        person_col += [person] * count
        day_col += list(np.minimum(order_days[person][pick] + rng.integers(1, 91, count), n_days))
        product_col += list(order_products[person][pick])
    channel = draw_many(rng, {"phone": 0.5, "store": 0.3, "web": 0.2}, len(person_col))
    return _event_frame(person_col, day_col, "support", channel, product_col)


def simulate_referrals(rng: np.random.Generator, orders: pd.DataFrame, nps: pd.Series, n_days: int) -> pd.DataFrame:
    """Advocacy: referral events, likelier for loyal customers and for promoters among them."""
    n_orders = orders.groupby("person", sort=True).size()
    buyers = n_orders.index.to_numpy()
    loyal = n_orders.to_numpy() >= LOYALTY_MIN_ORDERS
    promoter = nps.reindex(buyers).to_numpy() >= PROMOTER_MIN_NPS
    probability = np.where(
        loyal, np.where(promoter, P_REFERRAL_LOYAL_PROMOTER, P_REFERRAL_LOYAL_OTHER), P_REFERRAL_NONLOYAL_BUYER
    )
    refers = rng.random(buyers.size) < probability
    first_day = orders.loc[orders["sequence"] == 1].set_index("person")["day"].reindex(buyers).to_numpy()
    loyal_day = orders.loc[orders["sequence"] == LOYALTY_MIN_ORDERS].set_index("person")["day"].reindex(buyers)
    since = np.where(loyal, loyal_day.fillna(0).to_numpy(), first_day).astype(int)
    day = rng.integers(since, n_days + 1)
    return _event_frame(buyers[refers], day[refers], "referral", ["word_of_mouth"] * int(refers.sum()), [None] * int(refers.sum()))
