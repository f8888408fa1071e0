"""Weekly all-channel sales of the focal products: list-price changes, promotions, log-log demand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.synth.world import (
    LIST_PRICE_CHANGES,
    LIST_PRICE_FACTORS,
    PROMOTION_DISCOUNT_RANGE,
    PROMOTION_LIFT,
    PROMOTION_PROBABILITY,
    SEASONALITY,
    WEEKLY_DEMAND,
    WEEKLY_NOISE_SD,
)


def simulate_weekly_sales(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp, products: pd.DataFrame) -> pd.DataFrame:
    """All-channel weekly price and units of the focal products (log-log demand with planted elasticities)."""
    weeks = pd.date_range(start + pd.offsets.Week(weekday=0, n=0), end, freq="W-MON")
    n_weeks = len(weeks)
    reference = products.set_index(s.PRODUCT_ID)[s.PRICE]
    q4 = np.isin(weeks.month, [11, 12])
    back_to_school = np.isin(weeks.month, [8, 9])
    prices, promos = {}, {}
    for pid in WEEKLY_DEMAND:
        change_weeks = np.sort(rng.choice(np.arange(8, n_weeks - 8), size=LIST_PRICE_CHANGES, replace=False))
        factors = rng.choice(np.asarray(LIST_PRICE_FACTORS), size=LIST_PRICE_CHANGES)
        multiplier = np.ones(n_weeks)
        for week, factor in zip(change_weeks, factors):
            multiplier[week:] *= factor
        promo_probability = np.where(q4, PROMOTION_PROBABILITY["q4"], PROMOTION_PROBABILITY["other"])
        promo = rng.random(n_weeks) < promo_probability
        discount = rng.uniform(*PROMOTION_DISCOUNT_RANGE, n_weeks)
        prices[pid] = np.round(reference[pid] * multiplier * (1.0 - discount * promo), 2)
        promos[pid] = promo
    frames = []
    for pid, demand in WEEKLY_DEMAND.items():
        log_units = (
            np.log(demand["base_units"])
            + demand["own_elasticity"] * np.log(prices[pid] / reference[pid])
            + sum(e * np.log(prices[other] / reference[other]) for other, e in demand["cross_elasticities"].items())
            + PROMOTION_LIFT * promos[pid]
            + SEASONALITY["q4"] * q4
            + SEASONALITY["back_to_school"] * back_to_school
            + rng.normal(0.0, WEEKLY_NOISE_SD, n_weeks)
        )
        frames.append(
            pd.DataFrame(
                {s.WEEK_START: weeks, s.PRODUCT_ID: pid, s.PRICE: prices[pid],
                 s.UNITS: np.rint(np.exp(log_units)).astype("int64"), s.ON_PROMOTION: promos[pid]}
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values([s.WEEK_START, s.PRODUCT_ID]).reset_index(drop=True)
