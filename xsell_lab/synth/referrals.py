"""Who referred whom: each referral event brought one customer acquired through the referral channel.

Drawn from ``np.random.default_rng([seed, 8])`` after every other table, so that adding it
leaves the rest of the company unchanged (:data:`~xsell_lab.synth.world.PLANTED_REFERRALS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.synth.world import PLANTED_REFERRALS


def simulate_referral_links(rng: np.random.Generator, people: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per referral event that brought someone: its author, the person brought, the event's day.

    In day order, each referral event picks at random one person acquired through the
    ``referral`` channel, not yet linked, who signed up in the ``window_days`` after it
    (never its own author); an event with no such person brought nobody we can name.
    """
    window = PLANTED_REFERRALS["window_days"]
    referral = events.loc[events[s.EVENT_TYPE] == "referral", ["person", "day"]].sort_values(["day", "person"], kind="stable")
    referred = people.index[people[s.ACQUISITION_CHANNEL].to_numpy() == "referral"].to_numpy()
    signup = people["awareness_day"].to_numpy()[referred]
    free = np.ones(len(referred), dtype=bool)
    rows = []
    for author, day in zip(referral["person"].to_numpy(), referral["day"].to_numpy()):
        candidates = np.flatnonzero(free & (signup > day) & (signup <= day + window) & (referred != author))
        if candidates.size:
            pick = candidates[rng.integers(candidates.size)]
            free[pick] = False
            rows.append((author, referred[pick], day))
    return pd.DataFrame(rows, columns=["referrer", "person", "day"])
