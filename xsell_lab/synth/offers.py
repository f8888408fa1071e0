"""The randomised cross-sell offer experiments: eligibility, arm assignment, acceptance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.synth._sampling import draw_many
from xsell_lab.synth.world import EXPERIMENTS, RESPONSE_WINDOW_DAYS


def simulate_offers(
    rng: np.random.Generator,
    people: pd.DataFrame,
    orders: pd.DataFrame,
    lines: pd.DataFrame,
    products: pd.DataFrame,
    n_days: int,
) -> pd.DataFrame:
    """The randomised offer experiments (consenting customers only)."""
    consent = people[s.MARKETING_CONSENT].to_numpy()
    segment = people[s.SEGMENT].to_numpy()
    price = products.set_index(s.PRODUCT_ID)[s.PRICE]
    frames = []
    for experiment_id, design in EXPERIMENTS.items():
        offered = design["product_id"]
        eligible = orders.loc[
            (orders["anchor_category"] == design["trigger_category"])
            & consent[orders["person"].to_numpy()]
            & (orders["day"] + design["offer_delay_days"] + RESPONSE_WINDOW_DAYS <= n_days)
        ]
        if design["exclude_holders"]:
            holders = lines.loc[lines[s.PRODUCT_ID] == offered, s.ORDER_ID]
            eligible = eligible.loc[~eligible[s.ORDER_ID].isin(holders)]
        eligible = eligible.drop_duplicates("person", keep="first")
        arms = design["arms"]
        arm = draw_many(rng, {name: spec["share"] for name, spec in arms.items()}, len(eligible))
        person = eligible["person"].to_numpy()
        rate = np.array([_arm_rate(arms[a]["conversion_rate"], segment[p]) for a, p in zip(arm, person)])
        accepted = rng.random(len(eligible)) < rate
        frames.append(
            pd.DataFrame(
                {"person": person, "day": eligible["day"].to_numpy() + design["offer_delay_days"],
                 s.PRODUCT_ID: offered, s.EXPERIMENT_ID: experiment_id, s.VARIANT: arm,
                 s.CHANNEL: [arms[a]["channel"] for a in arm], s.ACCEPTED: accepted,
                 s.REVENUE: np.where(accepted, price[offered], 0.0)}
            )
        )
    offers = pd.concat(frames, ignore_index=True)
    return offers.assign(**{s.OFFER_ID: [f"OF{i:05d}" for i in range(1, len(offers) + 1)]})


def _arm_rate(rate: float | dict, segment: str) -> float:
    """An arm's conversion rate, which may depend on the segment (heterogeneous effect)."""
    return rate[segment] if isinstance(rate, dict) else rate
