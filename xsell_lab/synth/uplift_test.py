"""A randomised offer test with the four kinds of customer of uplift modelling planted.

:func:`simulate_uplift_test` is the planted truth of the uplift tests and of the teaching
examples: every customer is a persuadable, a sure thing, a lost cause or a do-not-disturb
(Radcliffe & Surry 2011), decided by two features the analyst can see, and the offer arm's
effect follows from the kind.

References
----------
Radcliffe, N. J. & Surry, P. D. (2011). Real-world uplift modelling with significance-based
uplift trees. Stochastic Solutions White Paper.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Buying probability without and with the offer, by kind of customer.
KIND_RATES = {
    "persuadable": (0.05, 0.35),
    "sure thing": (0.55, 0.55),
    "lost cause": (0.02, 0.02),
    "do-not-disturb": (0.30, 0.10),
}


def simulate_uplift_test(n_customers: int, *, treated_share: float = 0.5, seed: int) -> pd.DataFrame:
    """Customers of one randomised offer test, each of a known kind.

    Features: ``engagement`` (a standard normal score) and ``segment`` (``A``, ``B``, ``C``,
    one third each). The kind follows from them: in segment ``A`` engaged customers
    (``engagement > 0``) are persuadables and the others do-not-disturbs; segment ``B`` are sure
    things; segment ``C`` lost causes. Each customer is randomised to ``offer`` with
    probability ``treated_share`` (else ``control``) and buys with the kind's rate
    (:data:`KIND_RATES`) for that arm.

    Parameters
    ----------
    n_customers : int
        Customers in the test.
    treated_share : float, default 0.5
        Probability of the offer arm.
    seed : int
        Seed of the one random generator.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``engagement``, ``segment``, ``variant`` (``offer`` / ``control``),
        ``accepted`` (0/1), and the truth: ``kind``, ``true_uplift`` (rate with the offer
        minus rate without).
    """
    rng = np.random.default_rng(seed)
    engagement = rng.standard_normal(n_customers)
    segment = rng.choice(["A", "B", "C"], size=n_customers)
    kind = np.select(
        [(segment == "A") & (engagement > 0), segment == "A", segment == "B"],
        ["persuadable", "do-not-disturb", "sure thing"],
        default="lost cause",
    )
    without, with_offer = (np.array([KIND_RATES[k][arm] for k in kind]) for arm in (0, 1))
    offered = rng.random(n_customers) < treated_share
    accepted = (rng.random(n_customers) < np.where(offered, with_offer, without)).astype(int)
    return pd.DataFrame(
        {
            "customer_id": [f"U{i:06d}" for i in range(1, n_customers + 1)],
            "engagement": engagement,
            "segment": segment,
            "variant": np.where(offered, "offer", "control"),
            "accepted": accepted,
            "kind": kind,
            "true_uplift": with_offer - without,
        }
    )
