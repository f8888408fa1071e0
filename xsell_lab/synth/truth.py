"""The planted truth of the synthetic company: ``ground_truth.json``.

Every parameter group of :data:`~xsell_lab.synth.world.PLANTED` is written as it is,
under its section, so the truth cannot drift from the constants the simulator draws
from. To each section :func:`ground_truth` adds what the parameters imply (expected
frequencies, lifts, NPS shares, the experiments' revenue per acceptance) and the
definitions needed to test an analysis against them; the file is JSON with sorted keys.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from xsell_lab._files import write_whole
from xsell_lab.synth.world import (
    ADDON_PROBABILITIES,
    ANCHOR_MIX,
    ATTACH_PROBABILITIES,
    CATALOGUE,
    EXPERIMENTS,
    HARDWARE_CATEGORIES,
    KIND_RATES,
    MEAN_RETURN_LAG_DAYS,
    NEXT_PURCHASE,
    NPS_DISTRIBUTION,
    P_CONSIDERATION_GIVEN_AWARENESS,
    P_PURCHASE_GIVEN_CONSIDERATION,
    PLANTED,
    PROMOTER_MIN_NPS,
    RESPONSE_WINDOW_DAYS,
    SUPPORT_RATES,
    WEEKLY_DEMAND,
)


def _p_in_basket(anchor: str, category: str) -> float:
    """P(category is in a basket | its anchor category), from the attach and add-on rates."""
    if anchor == category:
        return 1.0
    attach = ATTACH_PROBABILITIES.get(anchor, {}).get(category, 0.0)
    return 1.0 - (1.0 - attach) * (1.0 - ADDON_PROBABILITIES.get(category, 0.0))


def _basket_truth(orders: pd.DataFrame) -> dict:
    """The conditional frequencies and lifts the planted attach rates imply."""
    shares = orders["anchor_category"].value_counts(normalize=True).sort_index()
    conditional, lift = {}, {}
    for anchor in HARDWARE_CATEGORIES:
        targets = sorted(set(ATTACH_PROBABILITIES.get(anchor, {})) | set(ADDON_PROBABILITIES))
        conditional[anchor] = {cat: _p_in_basket(anchor, cat) for cat in targets}
        lift[anchor] = {
            cat: conditional[anchor][cat] / sum(share * _p_in_basket(x, cat) for x, share in shares.items())
            for cat in targets
        }
    conditional = {anchor: _rounded(values) for anchor, values in conditional.items()}
    lift = {anchor: _rounded(values) for anchor, values in lift.items()}
    return {
        "expected_conditional_frequency": conditional,
        "realized_anchor_share": _rounded(shares.to_dict()),
        "expected_lift": lift,
        "note": (
            "Each order has one anchor category (laptop, smartphone, printer and tablet only ever appear as "
            "anchors); each complement category of attach_probability[anchor] is added with its probability, "
            "independently; each addon_probability category is added independently to any basket. "
            "expected_conditional_frequency[A][B] = P(category B in basket | category A in basket) = "
            "1 - (1 - attach) * (1 - addon). expected_lift uses the realized anchor shares of this data set."
        ),
    }


def _next_purchase_truth() -> dict:
    """Planted next-order rules with the frequencies they imply per segment."""
    truth = {}
    for trigger, rule in NEXT_PURCHASE.items():
        target, prob = rule["next_category"], rule["probability"]
        baseline = {seg: sum(w * _p_in_basket(x, target) for x, w in mix.items()) / sum(mix.values())
                    for seg, mix in ANCHOR_MIX.items()}
        truth[trigger] = {
            "next_category": target,
            "probability": prob,
            "baseline_probability_by_segment": _rounded(baseline),
            "expected_next_order_contains_by_segment": _rounded({seg: prob + (1 - prob) * q for seg, q in baseline.items()}),
        }
    return truth


def _rounded(values: dict) -> dict:
    """Derived probabilities rounded to 6 decimals (no float noise in the JSON)."""
    return {key: round(float(value), 6) for key, value in values.items()}


def ground_truth(seed: int, n_customers: int, start: str, end: str, orders: pd.DataFrame) -> dict:
    """Every planted parameter, with what it implies and the definitions needed to test against it.

    Parameters
    ----------
    seed, n_customers, start, end
        The arguments of :func:`~xsell_lab.synth.company.generate_company` (section ``meta``).
    orders : pandas.DataFrame
        The simulated orders with their ``anchor_category`` (the realized anchor shares
        behind the expected lifts).

    Returns
    -------
    dict
        One section per mechanism: the section's group of
        :data:`~xsell_lab.synth.world.PLANTED` as it is, plus what the constants imply
        and the definitions of the truth's terms. A fresh JSON-compatible copy, so that
        changing it cannot change the planted constants.
    """
    derived = _derived_sections(seed, n_customers, start, end, orders)
    sections = dict.fromkeys([*derived, *PLANTED])
    tree = {section: {**PLANTED.get(section, {}), **derived.get(section, {})} for section in sections}
    return json.loads(json.dumps(tree))


def _derived_sections(seed: int, n_customers: int, start: str, end: str, orders: pd.DataFrame) -> dict:
    """What the planted constants imply, and the definitions of the truth's terms, by section."""
    prices = {pid: price for pid, _, _, _, price, _ in CATALOGUE}
    experiments = {
        exp_id: {**design, "response_window_days": RESPONSE_WINDOW_DAYS,
                 "revenue_per_acceptance": prices[design["product_id"]]}
        for exp_id, design in EXPERIMENTS.items()
    }
    nps = {}
    for status, dist in NPS_DISTRIBUTION.items():
        probs = np.asarray(dist) / sum(dist)
        promoters, detractors = probs[PROMOTER_MIN_NPS:].sum(), probs[:7].sum()
        nps[status] = {
            "distribution": list(dist),
            "expected_mean_score": round(float(np.dot(np.arange(11), probs)), 6),
            "expected_promoter_share": round(float(promoters), 6),
            "expected_detractor_share": round(float(detractors), 6),
            "expected_nps": round(float(100 * (promoters - detractors)), 6),
        }
    return {
        "meta": {
            "company": "Northwind Tech",
            "generator": "xsell_lab.synth.generate_company",
            "seed": seed,
            "n_customers": n_customers,
            "start": str(pd.Timestamp(start).date()),
            "end": str(pd.Timestamp(end).date()),
        },
        "customers": {
            "signup_date_meaning": "signup_date = date of the customer's awareness event (first contact)",
        },
        "funnel": {
            "p_purchase_given_awareness": round(P_CONSIDERATION_GIVEN_AWARENESS * P_PURCHASE_GIVEN_CONSIDERATION, 6),
            "lag_distribution": "Gamma(shape 2) with the stated mean, rounded to whole days",
            "note": (
                "Every customer has one awareness event; consideration and first purchase follow with the "
                "stated probabilities. Customers without orders are prospects. The first order is the purchase stage."
            ),
        },
        "lifecycle": {
            "note": (
                "retention = a second order; loyal = at least loyalty_min_orders orders; advocacy = a referral "
                "event. At most one referral per buyer, dated uniformly between the loyalty_min_orders-th order "
                "(first order for non-loyal buyers) and the end date. Promoter status uses every buyer's latent "
                "NPS score, observed only for surveyed buyers."
            ),
        },
        "repeat_purchases": {
            "model": "BG/NBD (Fader, Hardie & Lee 2005)",
            "time_unit": "weeks",
            "note": (
                "Each buyer's orders after the first follow BG/NBD exactly in continuous weeks from the first "
                "order date to the end date (T = (end - first order date) / 7); order dates are the floor to "
                "whole days. lambda ~ Gamma(shape r, rate alpha) per week, dropout p ~ Beta(a, b)."
            ),
        },
        "spend": {
            "note": (
                "Company order values come from basket composition and prices, not from the Gamma-Gamma model. "
                "Exact Gamma-Gamma truth: xsell_lab.synth.simulate_repeat_purchases."
            ),
        },
        "baskets": _basket_truth(orders),
        "next_purchase": {
            **_next_purchase_truth(),
            "definition": (
                "For an order whose anchor category is the key, the customer's next order is anchored on "
                "next_category with `probability`; otherwise its anchor is drawn from anchor_mix_by_segment. "
                "expected_next_order_contains_by_segment = P(next order holds next_category | previous order "
                "held the key category, segment). The lag is the BG/NBD inter-purchase time, not planted separately."
            ),
        },
        "experiments": experiments,
        "returns": {
            "lag_days": f"1 + Gamma(shape 2, mean {MEAN_RETURN_LAG_DAYS}) rounded; returns after the end date are not recorded",
        },
        "surveys": {
            "protected_definition": "the customer bought a warranty or a Tech Care subscription at any time",
            "nps": nps,
        },
        "support": {
            **{f"mean_contacts_{key}": value for key, value in SUPPORT_RATES.items()},
            "definition": (
                "Support events per buyer ~ Poisson(mean_contacts_base + mean_contacts_per_premium_line x "
                "premium-tier order lines + mean_contacts_per_protection_line x warranty/subscription lines)."
            ),
        },
        "uplift_campaign": {
            "response_window_days": RESPONSE_WINDOW_DAYS,
            "rates_by_kind": {kind: {"without_offer": low, "with_offer": high} for kind, (low, high) in KIND_RATES.items()},
            "definition": (
                "kind_by_customer (added by generate_company) gives every campaign customer's kind; a customer "
                "buys in the response window with rates_by_kind[kind] for the arm. A control buyer pays the list "
                "price, an offer-arm buyer the list price less the discount."
            ),
        },
        "weekly_sales": {
            "products": {
                pid: {**demand, "reference_price": prices[pid]} for pid, demand in WEEKLY_DEMAND.items()
            },
            "season_definition": {"q4": "week_start in November or December",
                                  "back_to_school": "week_start in August or September"},
            "model": (
                "log(units) = log(base_units) + own_elasticity * log(price / reference_price) + sum over "
                "cross_elasticities of e * log(other price / its reference_price) + promotion_lift_log * "
                "on_promotion + seasonality + Normal(0, noise_sd_log); units rounded. Cross elasticities: "
                "negative = complements, positive = substitutes."
            ),
            "note": (
                "Weekly sales are all-channel totals including anonymous store shoppers, so they exceed the "
                "identified customers' orders. Focal products' order-line unit prices equal that week's shelf price."
            ),
        },
    }


def write_ground_truth(truth: dict, path: str | os.PathLike) -> Path:
    """Write the ground truth as JSON (sorted keys, indent 2), whole or not at all.

    Parameters
    ----------
    truth : dict
        The ground truth returned by :func:`~xsell_lab.synth.company.generate_company`.
    path : str or path-like
        Target file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    target = Path(path)
    write_whole(target, (json.dumps(truth, sort_keys=True, indent=2) + "\n").encode("utf-8"))
    return target
