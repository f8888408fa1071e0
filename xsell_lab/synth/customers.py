"""Customers and their funnel: segment, region, channels, consent, awareness, consideration, first purchase."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.synth._sampling import draw_many
from xsell_lab.synth.world import (
    ACQUISITION_MIX,
    FUNNEL_HORIZON_DAYS,
    MARKETING_CONSENT_RATE,
    MEAN_LAG_AWARENESS_TO_CONSIDERATION_DAYS,
    MEAN_LAG_CONSIDERATION_TO_PURCHASE_DAYS,
    MONTH_WEIGHTS,
    P_CONSIDERATION_GIVEN_AWARENESS,
    P_PURCHASE_GIVEN_CONSIDERATION,
    PREFERRED_CHANNEL_MIX,
    REGION_MIX,
    SEGMENT_MIX,
)


def simulate_people(rng: np.random.Generator, n: int, start: pd.Timestamp, n_days: int) -> pd.DataFrame:
    """Customers with their funnel path: awareness, consideration, first purchase (day offsets)."""
    segment = draw_many(rng, SEGMENT_MIX, n)
    region = draw_many(rng, REGION_MIX, n)
    acquisition = draw_many(rng, ACQUISITION_MIX, n)
    preferred = np.empty(n, dtype=object)
    for seg, mix in PREFERRED_CHANNEL_MIX.items():
        mask = segment == seg
        preferred[mask] = draw_many(rng, mix, int(mask.sum()))
    consent = rng.random(n) < MARKETING_CONSENT_RATE
    days = np.arange(n_days - FUNNEL_HORIZON_DAYS + 1)
    months = (start + pd.to_timedelta(days, unit="D")).month.to_numpy()
    weights = np.asarray(MONTH_WEIGHTS)[months - 1]
    awareness = rng.choice(days, size=n, p=weights / weights.sum())
    considered = rng.random(n) < P_CONSIDERATION_GIVEN_AWARENESS
    purchased = considered & (rng.random(n) < P_PURCHASE_GIVEN_CONSIDERATION)
    lag1 = np.rint(rng.gamma(2.0, MEAN_LAG_AWARENESS_TO_CONSIDERATION_DAYS / 2.0, n)).astype(int)
    lag2 = np.rint(rng.gamma(2.0, MEAN_LAG_CONSIDERATION_TO_PURCHASE_DAYS / 2.0, n)).astype(int)
    consideration = np.minimum(awareness + lag1, n_days)
    first_purchase = np.minimum(consideration + lag2, n_days)
    return pd.DataFrame(
        {
            s.CUSTOMER_ID: [f"C{i:05d}" for i in range(1, n + 1)],
            s.SEGMENT: segment,
            s.REGION: region,
            s.ACQUISITION_CHANNEL: acquisition,
            s.PREFERRED_CHANNEL: preferred,
            s.MARKETING_CONSENT: consent,
            "awareness_day": awareness,
            "considered": considered,
            "purchased": purchased,
            "consideration_day": consideration,
            "decision_day": first_purchase,
        }
    )
