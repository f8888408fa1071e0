"""After the offer: opt-outs after contact and post-purchase NPS answers, from their own random stream.

Both tables are drawn from ``np.random.default_rng([seed, 7])`` after every other table, so
that adding them leaves the rest of the company unchanged. The planted constants are
:data:`~xsell_lab.synth.world.PLANTED_FEEDBACK`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.synth.world import PLANTED_FEEDBACK

#: Scores of each NPS class.
NPS_CLASS_SCORES = {"promoter": (9, 10), "passive": (7, 8), "detractor": tuple(range(7))}


def simulate_opt_outs(rng: np.random.Generator, offers: pd.DataFrame, events: pd.DataFrame, n_days: int) -> pd.DataFrame:
    """Unsubscribes and complaints after offers: likelier with every earlier offer and after a support touch."""
    offers = offers.sort_values(["person", "day", s.OFFER_ID], kind="stable")
    return _draw_opt_outs(rng, offers, _opt_out_probability(offers, events), n_days)


def simulate_campaign_opt_outs(
    rng: np.random.Generator, offers: pd.DataFrame, campaign: pd.DataFrame, events: pd.DataFrame, n_days: int
) -> pd.DataFrame:
    """Opt-outs after the uplift campaign's offers, by the same law, every earlier offer counted.

    ``campaign`` rows come after ``offers`` (same ``day``: after them); the draws, from the
    campaign's own stream ``rng``, are for the campaign rows only.
    """
    every = pd.concat([offers.assign(campaign=False), campaign.assign(campaign=True)], ignore_index=True)
    every = every.sort_values(["person", "day", "campaign", s.OFFER_ID], kind="stable")
    p = _opt_out_probability(every, events)
    is_campaign = every["campaign"].to_numpy()
    return _draw_opt_outs(rng, every[is_campaign], p[is_campaign], n_days)


def _opt_out_probability(offers: pd.DataFrame, events: pd.DataFrame) -> np.ndarray:
    """Each offer's planted opt-out probability (``offers`` sorted by person and day)."""
    plan = PLANTED_FEEDBACK
    contacted = (offers[s.VARIANT] != "control").to_numpy()
    earlier = offers.assign(contact=contacted.astype(int)).groupby("person")["contact"].cumsum().to_numpy() - contacted
    support = events.loc[events[s.EVENT_TYPE] == "support", ["person", "day"]]
    recent = _had_event_before(offers[["person", "day"]], support, plan["support_lookback_days"])
    p = np.where(contacted, plan["p_opt_out_first_offer"] + plan["p_opt_out_per_earlier_offer"] * earlier, plan["p_opt_out_control"])
    return np.minimum(p * np.where(recent, plan["opt_out_multiplier_after_support"], 1.0), 1.0)


def _draw_opt_outs(rng: np.random.Generator, offers: pd.DataFrame, p: np.ndarray, n_days: int) -> pd.DataFrame:
    """Who opts out after which offer, when and why; a person once, at the first."""
    plan = PLANTED_FEEDBACK
    out = rng.random(len(offers)) < p
    day = offers["day"].to_numpy() + rng.integers(1, plan["opt_out_window_days"] + 1, len(offers))
    complaint = rng.random(len(offers)) < plan["complaint_share"]
    drawn = pd.DataFrame({"person": offers["person"].to_numpy(), "day": day, s.REASON: np.where(complaint, "complaint", "unsubscribe")})
    drawn = drawn[out & (day <= n_days)].sort_values(["person", "day"], kind="stable").drop_duplicates("person")
    return drawn.reset_index(drop=True)


def _had_event_before(rows: pd.DataFrame, events: pd.DataFrame, days: int) -> np.ndarray:
    """Whether each row's person had an event in the ``days`` days before the row's day."""
    joined = rows.reset_index(drop=True).reset_index().merge(events.rename(columns={"day": "event_day"}), on="person")
    hit = joined[(joined["event_day"] < joined["day"]) & (joined["event_day"] >= joined["day"] - days)]
    return np.isin(np.arange(len(rows)), hit["index"].to_numpy())


def _primary_category(orders: pd.DataFrame, lines: pd.DataFrame, category: np.ndarray) -> pd.Series:
    """Each person's primary category: the top-revenue category of their first order (ties: first by name)."""
    first = orders.sort_values(["person", "day", s.ORDER_ID], kind="stable").drop_duplicates("person").set_index(s.ORDER_ID)["person"]
    revenue = lines[s.QUANTITY] * lines[s.UNIT_PRICE]
    in_first = pd.DataFrame({"person": lines[s.ORDER_ID].map(first), "category": category, "revenue": revenue}).dropna(subset=["person"])
    per = in_first.groupby(["person", "category"], as_index=False)["revenue"].sum()
    per = per.sort_values(["person", "revenue", "category"], ascending=[True, False, True], kind="stable").drop_duplicates("person")
    return per.set_index("person")["category"]


def simulate_purchase_surveys(
    rng: np.random.Generator, orders: pd.DataFrame, lines: pd.DataFrame, products: pd.DataFrame, n_days: int
) -> pd.DataFrame:
    """Post-purchase 0-10 answers about order lines; cross-sold lines answer from a less happy distribution.

    A line is cross-sold when its category is not the person's primary category
    (:func:`_primary_category`), the lab's definition (:func:`xsell_lab.kpis.primary_items`).
    """
    plan = PLANTED_FEEDBACK
    category = lines[s.PRODUCT_ID].map(products.set_index(s.PRODUCT_ID)[s.CATEGORY]).to_numpy()
    order = orders.set_index(s.ORDER_ID)
    person = lines[s.ORDER_ID].map(order["person"]).to_numpy()
    cross_sold = category != pd.Series(person).map(_primary_category(orders, lines, category)).to_numpy()
    answered = rng.random(len(lines)) < plan["purchase_survey_rate"]
    low, high = plan["survey_lag_days"]
    day = lines[s.ORDER_ID].map(order["day"]).to_numpy() + rng.integers(low, high + 1, len(lines))
    scores = np.empty(len(lines), dtype=int)
    for status, mask in (("cross_sold", cross_sold), ("other", ~cross_sold)):
        shares = plan["nps_class_shares"][status]
        classes = rng.choice(list(shares), size=int(mask.sum()), p=list(shares.values()))
        scores[mask] = [rng.choice(NPS_CLASS_SCORES[c]) for c in classes]
    keep = answered & (day <= n_days)
    return pd.DataFrame({s.ORDER_ID: lines.loc[keep, s.ORDER_ID].to_numpy(), s.PRODUCT_ID: lines.loc[keep, s.PRODUCT_ID].to_numpy(),
                         "day": day[keep], s.NPS_SCORE: scores[keep]})
