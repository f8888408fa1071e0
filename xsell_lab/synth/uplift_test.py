"""Randomised offer tests with the four kinds of customer of uplift modelling planted.

:func:`simulate_uplift_campaign` is the synthetic company's uplift campaign (its offers and
the kind of every customer in it). :func:`simulate_uplift_test` is the planted truth of the uplift tests and of the teaching
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

from xsell_lab.data import schema as s
from xsell_lab.synth._sampling import draw_many
from xsell_lab.synth.world import KIND_RATES, PLANTED_UPLIFT_CAMPAIGN



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


def simulate_uplift_campaign(
    rng: np.random.Generator, people: pd.DataFrame, orders: pd.DataFrame, lines: pd.DataFrame,
    products: pd.DataFrame, n_days: int, *, opted_out: pd.DataFrame,
) -> pd.DataFrame:
    """The company's uplift campaign (:data:`~xsell_lab.synth.world.PLANTED_UPLIFT_CAMPAIGN`).

    A customer who opted out before the campaign day is not offered it (the company honours
    unsubscribes), nor is one who owns anything of the offered product's category.

    Parameters
    ----------
    rng : numpy.random.Generator
        The campaign's own random stream.
    people, orders, lines, products : pandas.DataFrame
        The simulation's people (``person`` index order), orders (``person``, ``day``,
        ``order_id``), order lines and products.
    n_days : int
        Days from the start to the end date.
    opted_out : pandas.DataFrame
        Opt-outs so far (``person``, ``day``).

    Returns
    -------
    pandas.DataFrame
        One row per customer of the campaign: ``person``, ``day``, ``product_id``,
        ``experiment_id``, ``variant``, ``channel``, ``accepted``, ``revenue`` (the offers
        columns before ids and dates) and the truth column ``kind``.
    """
    plan = PLANTED_UPLIFT_CAMPAIGN
    day = n_days - plan["days_before_end"]
    offered = plan["product_id"]
    category = products.set_index(s.PRODUCT_ID)[s.CATEGORY]
    owners = orders.loc[orders[s.ORDER_ID].isin(lines.loc[lines[s.PRODUCT_ID].map(category) == category[offered], s.ORDER_ID]), "person"]
    before = orders[orders["day"] < day]
    left_out = np.union1d(owners.unique(), opted_out.loc[opted_out["day"] < day, "person"].unique())
    person = np.setdiff1d(before["person"].unique(), left_out)
    person = person[people[s.MARKETING_CONSENT].to_numpy()[person]]
    kind = campaign_kinds(people[s.SEGMENT].to_numpy()[person], people[s.PREFERRED_CHANNEL].to_numpy()[person])
    arms = plan["arms"]
    arm = draw_many(rng, {name: spec["share"] for name, spec in arms.items()}, len(person))
    treated = arm != "control"
    rate = np.array([KIND_RATES[k][int(t)] for k, t in zip(kind, treated)])
    accepted = rng.random(len(person)) < rate
    price = float(products.set_index(s.PRODUCT_ID).loc[offered, s.PRICE])
    paid = np.where(treated, round(price * (1 - plan["discount"]), 2), price)
    return pd.DataFrame(
        {"person": person, "day": day, s.PRODUCT_ID: offered, s.EXPERIMENT_ID: plan["experiment_id"], s.VARIANT: arm,
         s.CHANNEL: [arms[a]["channel"] for a in arm], s.ACCEPTED: accepted, s.REVENUE: np.where(accepted, paid, 0.0),
         "kind": kind}
    )


def campaign_kinds(segment: np.ndarray, preferred_channel: np.ndarray) -> np.ndarray:
    """Each campaign customer's kind, from what the analyst sees (rules of ``PLANTED_UPLIFT_CAMPAIGN``)."""
    plan = PLANTED_UPLIFT_CAMPAIGN
    return np.select(
        [segment == plan["sure_thing_segment"], np.isin(preferred_channel, plan["do_not_disturb_channels"]),
         np.isin(preferred_channel, plan["digital_channels"])],
        ["sure thing", "do-not-disturb", "persuadable"],
        default="lost cause",
    )


def campaign_truth(customer_ids, ground_truth: dict, experiment: str) -> pd.DataFrame | None:
    """The planted kind and buying probabilities of each customer of the uplift campaign.

    Parameters
    ----------
    customer_ids : array-like
        Customers of the campaign.
    ground_truth : dict
        The synthetic company's ground truth (``ground_truth.json``).
    experiment : str
        The experiment studied.

    Returns
    -------
    pandas.DataFrame or None
        Indexed by customer id: ``kind``, ``rate_without_offer``, ``rate_with_offer``; ``None``
        when the truth has no uplift campaign or ``experiment`` is not it.
    """
    planted = ground_truth.get("uplift_campaign")
    if not planted or planted.get("experiment_id") != experiment or "kind_by_customer" not in planted:
        return None
    ids = pd.Index(customer_ids)
    kind = ids.map(planted["kind_by_customer"])
    rates = planted["rates_by_kind"]
    return pd.DataFrame(
        {"kind": kind, "rate_without_offer": [rates[k]["without_offer"] for k in kind],
         "rate_with_offer": [rates[k]["with_offer"] for k in kind]},
        index=ids,
    )
