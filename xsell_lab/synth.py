"""A synthetic electronics retailer, Northwind Tech, with planted ground truth.

:func:`generate_company` builds a believable company whose catalogue echoes the
cross-selling literature's own examples (laptops with cases, mice and
software; printers with ink and paper; smartphones with cases, screen
protectors and earbuds; extended warranties; a "Tech Care" subscription with a
basic and a premium tier for up-selling). Every behaviour is drawn from a
known mechanism whose parameters are returned as a ground-truth dictionary, so
each analysis method can be checked against the truth:

* funnel: awareness -> consideration -> purchase with planted conversion
  probabilities and lags; loyalty and advocacy (referrals);
* repeat purchases: order times after the first purchase follow the BG/NBD
  model exactly (Fader, Hardie & Lee 2005), time unit weeks;
* baskets: one anchor product per order plus complements with planted attach
  probabilities by category pair;
* next purchase: planted probabilities that the next order holds a follow-up
  category (printer -> ink, laptop -> software, smartphone -> earbuds);
* offers: three randomised experiments with planted conversion rates per arm;
* returns, NPS surveys, support contacts;
* weekly all-channel sales of ten focal products with planted own- and
  cross-price elasticities (log-log demand).

:func:`simulate_repeat_purchases` is the exact BG/NBD + Gamma-Gamma simulator
used as planted truth by the CLV tests.

All randomness comes from one :class:`numpy.random.Generator` seeded by the
caller; the same seed gives the same tables value for value.

Run ``python -m xsell_lab.synth --out data [--seed 14]`` to write the tables
(Parquet) and ``ground_truth.json``.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers"
the easy way: An alternative to the Pareto/NBD model. *Marketing Science*,
24(2), 275-284.
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: Using
iso-value curves for customer base analysis. *Journal of Marketing Research*,
42(4), 415-430.
Colombo, R. & Jiang, W. (1999). A stochastic RFM model. *Journal of
Interactive Marketing*, 13(3), 2-12.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.company import Company
from xsell_lab.data.io import write_company

# --- catalogue ------------------------------------------------------------

#: The product catalogue: ``(product_id, product_name, category, tier,
#: list price, unit cost as a share of price)``. Margins follow retail
#: practice: hardware 10-18 %, accessories 50-60 %, warranties and
#: subscriptions about 80 %.
CATALOGUE = (
    ("LAP-BAS", "Northwind Laptop 14 Basic", "laptop", "basic", 549.0, 0.86),
    ("LAP-STD", "Northwind Laptop 15 Standard", "laptop", "standard", 899.0, 0.85),
    ("LAP-PRE", "Northwind Laptop Pro 16", "laptop", "premium", 1499.0, 0.83),
    ("CASE-BAS", "Laptop Sleeve", "laptop_case", "basic", 29.0, 0.45),
    ("CASE-PRE", "Leather Laptop Bag", "laptop_case", "premium", 79.0, 0.42),
    ("MOUSE-BAS", "Wireless Mouse", "mouse", "basic", 25.0, 0.45),
    ("MOUSE-PRE", "Ergonomic Mouse", "mouse", "premium", 69.0, 0.42),
    ("DOCK-STD", "USB-C Docking Station", "docking_station", "standard", 149.0, 0.50),
    ("SW-OFFICE", "Office Suite (1 year)", "software", "standard", 99.0, 0.30),
    ("SW-AV", "Antivirus (1 year)", "software", "basic", 49.0, 0.25),
    ("PRN-BAS", "Inkjet Printer", "printer", "basic", 99.0, 0.90),
    ("PRN-STD", "All-in-One Printer", "printer", "standard", 199.0, 0.85),
    ("PRN-PRE", "Office Laser Printer", "printer", "premium", 399.0, 0.82),
    ("INK-STD", "Ink Cartridge Multipack", "ink", "standard", 39.0, 0.35),
    ("INK-XL", "Ink Cartridge XL Multipack", "ink", "premium", 69.0, 0.32),
    ("PAPER-A4", "Printer Paper A4 (500 sheets)", "paper", None, 9.0, 0.50),
    ("PHN-BAS", "Northwind Phone Lite", "smartphone", "basic", 299.0, 0.86),
    ("PHN-STD", "Northwind Phone", "smartphone", "standard", 699.0, 0.85),
    ("PHN-PRE", "Northwind Phone Pro", "smartphone", "premium", 1099.0, 0.83),
    ("PCASE-BAS", "Phone Case", "phone_case", "basic", 19.0, 0.40),
    ("PCASE-PRE", "Leather Phone Case", "phone_case", "premium", 49.0, 0.40),
    ("SCREEN", "Screen Protector", "screen_protector", None, 15.0, 0.30),
    ("EAR-BAS", "Wired Earbuds", "earbuds", "basic", 19.0, 0.45),
    ("EAR-STD", "Wireless Earbuds", "earbuds", "standard", 79.0, 0.45),
    ("EAR-PRE", "Noise-Cancelling Earbuds Pro", "earbuds", "premium", 199.0, 0.48),
    ("CHARGER", "Fast Charger 30W", "charger", None, 29.0, 0.40),
    ("TAB-BAS", "Northwind Tab 10", "tablet", "basic", 229.0, 0.86),
    ("TAB-STD", "Northwind Tab 11", "tablet", "standard", 449.0, 0.85),
    ("TAB-PRE", "Northwind Tab Pro 13", "tablet", "premium", 899.0, 0.84),
    ("TCASE", "Tablet Cover", "tablet_case", None, 39.0, 0.42),
    ("WAR-LAP", "Laptop Extended Warranty (3 years)", "warranty", None, 129.0, 0.20),
    ("WAR-PHN", "Phone Extended Warranty (2 years)", "warranty", None, 79.0, 0.20),
    ("WAR-PRN", "Printer Extended Warranty (2 years)", "warranty", None, 29.0, 0.20),
    ("TC-BAS", "Tech Care Basic (1 year)", "subscription", "basic", 59.0, 0.22),
    ("TC-PRE", "Tech Care Premium (1 year)", "subscription", "premium", 149.0, 0.18),
    ("CBL-USBC", "USB-C Cable", "cable", None, 15.0, 0.30),
    ("CBL-HDMI", "HDMI Cable", "cable", None, 19.0, 0.30),
    ("STO-USB", "USB Flash Drive 128 GB", "storage", "basic", 25.0, 0.45),
    ("STO-SSD", "Portable SSD 1 TB", "storage", "premium", 119.0, 0.55),
    ("BND-PHN", "Phone Accessory Bundle (case + protector + charger)", "bundle", None, 49.0, 0.45),
)

#: Warranty product matching each hardware category.
WARRANTY_FOR = {"laptop": "WAR-LAP", "smartphone": "WAR-PHN", "printer": "WAR-PRN"}

# --- customers ------------------------------------------------------------

SEGMENT_MIX = {"consumer": 0.60, "small_business": 0.20, "student": 0.20}
REGION_MIX = {"North": 0.30, "South": 0.25, "East": 0.20, "West": 0.25}
ACQUISITION_MIX = {"search": 0.30, "social_media": 0.20, "in_store": 0.25, "referral": 0.10, "display_ads": 0.15}
#: Preferred channel (for purchases and contact) by segment.
PREFERRED_CHANNEL_MIX = {
    "consumer": {"store": 0.40, "web": 0.35, "app": 0.15, "phone": 0.10},
    "small_business": {"store": 0.25, "web": 0.40, "app": 0.10, "phone": 0.25},
    "student": {"store": 0.20, "web": 0.35, "app": 0.40, "phone": 0.05},
}
#: Probability that an order is placed in the customer's preferred channel;
#: otherwise the channel is drawn from the segment's channel mix.
P_ORDER_IN_PREFERRED_CHANNEL = 0.70
MARKETING_CONSENT_RATE = 0.75
#: Relative weight of each calendar month for first contacts (awareness), so
#: that first purchases peak in November/December and at back-to-school.
MONTH_WEIGHTS = (0.80, 0.75, 0.80, 0.80, 0.85, 0.85, 0.95, 1.50, 1.40, 0.95, 1.90, 2.10)

# --- funnel and lifecycle -------------------------------------------------

P_CONSIDERATION_GIVEN_AWARENESS = 0.70
P_PURCHASE_GIVEN_CONSIDERATION = 0.62
#: Lags are Gamma(shape 2) days, rounded to whole days.
MEAN_LAG_AWARENESS_TO_CONSIDERATION_DAYS = 7.0
MEAN_LAG_CONSIDERATION_TO_PURCHASE_DAYS = 12.0
#: Mean number of site_visit events between consideration and purchase (Poisson).
MEAN_SITE_VISITS = 1.5
#: Leads are first contacted at least this many days before the end date, so
#: that every lead has had time to move through the funnel.
FUNNEL_HORIZON_DAYS = 60
#: A customer is loyal from their LOYALTY_MIN_ORDERS-th order on.
LOYALTY_MIN_ORDERS = 4
#: NPS scores at or above this make a promoter.
PROMOTER_MIN_NPS = 9
P_REFERRAL_LOYAL_PROMOTER = 0.45
P_REFERRAL_LOYAL_OTHER = 0.20
P_REFERRAL_NONLOYAL_BUYER = 0.02

# --- repeat purchases (BG/NBD, time unit: weeks) --------------------------

#: BG/NBD parameters: purchase rate lambda ~ Gamma(shape r, rate alpha) per
#: week; dropout probability after each repeat purchase p ~ Beta(a, b).
BGNBD_PARAMS = {"r": 0.45, "alpha": 18.0, "a": 1.0, "b": 3.0}

# --- baskets --------------------------------------------------------------

#: Anchor category of an order (the product the customer came for), by segment.
ANCHOR_MIX = {
    "consumer": {
        "laptop": 0.20, "smartphone": 0.24, "printer": 0.10, "tablet": 0.10, "ink": 0.08,
        "earbuds": 0.09, "mouse": 0.04, "storage": 0.05, "software": 0.05, "subscription": 0.05,
    },
    "small_business": {
        "laptop": 0.28, "smartphone": 0.12, "printer": 0.18, "tablet": 0.05, "ink": 0.16,
        "earbuds": 0.03, "mouse": 0.05, "storage": 0.05, "software": 0.05, "subscription": 0.03,
    },
    "student": {
        "laptop": 0.28, "smartphone": 0.28, "printer": 0.05, "tablet": 0.12, "ink": 0.03,
        "earbuds": 0.12, "mouse": 0.04, "storage": 0.04, "software": 0.02, "subscription": 0.02,
    },
}
#: Tier preference for anchor products by segment (the up-sell ladder).
TIER_MIX = {
    "consumer": {"basic": 0.30, "standard": 0.45, "premium": 0.25},
    "small_business": {"basic": 0.15, "standard": 0.45, "premium": 0.40},
    "student": {"basic": 0.55, "standard": 0.35, "premium": 0.10},
}
#: P(complement category is added | anchor category), one independent draw
#: per pair. Warranties are the warranty of the anchor's category.
ATTACH_PROBABILITIES = {
    "laptop": {"laptop_case": 0.25, "mouse": 0.18, "docking_station": 0.06, "software": 0.15,
               "warranty": 0.12, "subscription": 0.04},
    "printer": {"ink": 0.45, "paper": 0.30, "cable": 0.10, "warranty": 0.08},
    "smartphone": {"phone_case": 0.40, "screen_protector": 0.28, "earbuds": 0.12, "charger": 0.15,
                   "warranty": 0.12, "subscription": 0.04},
    "tablet": {"tablet_case": 0.30, "screen_protector": 0.15, "charger": 0.10, "subscription": 0.03},
    "ink": {"paper": 0.25},
    "earbuds": {"charger": 0.10},
}
#: Small add-ons put in any basket independently of the anchor.
ADDON_PROBABILITIES = {"cable": 0.03, "storage": 0.02}
#: Weight of a product whose tier equals the anchor's tier when an accessory
#: is picked within its category (other products weigh 1).
MATCHING_TIER_WEIGHT = 3.0
#: Mean extra units (Poisson) on top of 1 for consumables and for business hardware.
EXTRA_UNITS = {
    "consumable": {"consumer": 0.3, "small_business": 1.2, "student": 0.2},
    "hardware": {"consumer": 0.0, "small_business": 0.25, "student": 0.0},
}
CONSUMABLE_CATEGORIES = ("ink", "paper", "cable", "storage")
HARDWARE_CATEGORIES = ("laptop", "smartphone", "printer", "tablet")

# --- next purchase --------------------------------------------------------

#: P(the next order is anchored on ``next_category`` | the previous order held
#: ``category``). Otherwise the next anchor is drawn from ANCHOR_MIX.
NEXT_PURCHASE = {
    "printer": {"next_category": "ink", "probability": 0.55},
    "laptop": {"next_category": "software", "probability": 0.30},
    "smartphone": {"next_category": "earbuds", "probability": 0.35},
}

# --- returns, surveys, support --------------------------------------------

RETURN_RATES = {
    "smartphone": 0.10, "phone_case": 0.07, "screen_protector": 0.06, "earbuds": 0.08, "charger": 0.05,
    "laptop": 0.06, "tablet": 0.06, "printer": 0.05, "laptop_case": 0.05, "mouse": 0.05,
    "docking_station": 0.06, "tablet_case": 0.05, "ink": 0.03, "paper": 0.02, "cable": 0.04,
    "storage": 0.04, "bundle": 0.05, "software": 0.0, "warranty": 0.0, "subscription": 0.0,
}
RETURN_REASONS = {"changed_mind": 0.35, "defective": 0.25, "not_as_described": 0.15, "incompatible": 0.15,
                  "wrong_item": 0.10}
#: Return lag: 1 day + Gamma(shape 2) days with this extra mean; returns that
#: would fall after the end date have not happened yet and are not recorded.
MEAN_RETURN_LAG_DAYS = 11.0
SURVEY_RESPONSE_RATE = 0.30
#: NPS answer distributions (P(score = 0..10)). "Protected" customers bought a
#: warranty or a Tech Care subscription at some time.
NPS_DISTRIBUTION = {
    "unprotected": (0.02, 0.01, 0.02, 0.03, 0.04, 0.07, 0.08, 0.15, 0.20, 0.18, 0.20),
    "protected": (0.01, 0.01, 0.01, 0.02, 0.03, 0.05, 0.07, 0.14, 0.20, 0.21, 0.25),
}
#: Support contacts per buyer over the whole period: Poisson with mean
#: base + per_premium_line x premium-tier lines + per_protection_line x
#: warranty/subscription lines.
SUPPORT_RATES = {"base": 0.30, "per_premium_line": 0.40, "per_protection_line": 0.60}

# --- experiments ----------------------------------------------------------

#: Randomised offer experiments. Only consenting customers take part; each
#: eligible customer enters once (at their first qualifying order; with
#: ``exclude_holders`` orders already holding the offered product do not
#: qualify). Control
#: arms get no offer (channel "none"); ``accepted`` = bought the offered
#: product within the response window; revenue = price x accepted.
EXPERIMENTS = {
    "EXP-WARRANTY": {
        "population": "laptop buyers without a laptop warranty in the same order",
        "trigger_category": "laptop", "product_id": "WAR-LAP", "offer_delay_days": 7, "exclude_holders": True,
        "arms": {"control": {"channel": "none", "share": 0.5, "conversion_rate": 0.03},
                 "email_offer": {"channel": "email", "share": 0.5, "conversion_rate": 0.08}},
    },
    "EXP-INK-CHANNEL": {
        "population": "printer buyers",
        "trigger_category": "printer", "product_id": "INK-STD", "offer_delay_days": 30, "exclude_holders": False,
        "arms": {"control": {"channel": "none", "share": 1 / 3, "conversion_rate": 0.10},
                 "email": {"channel": "email", "share": 1 / 3, "conversion_rate": 0.16},
                 "sms": {"channel": "sms", "share": 1 / 3, "conversion_rate": 0.21}},
    },
    "EXP-BUNDLE": {
        "population": "smartphone buyers",
        "trigger_category": "smartphone", "product_id": "BND-PHN", "offer_delay_days": 3, "exclude_holders": True,
        "arms": {"control": {"channel": "none", "share": 0.5,
                             "conversion_rate": {"consumer": 0.05, "small_business": 0.04, "student": 0.06}},
                 "bundle_offer": {"channel": "email", "share": 0.5,
                                  "conversion_rate": {"consumer": 0.10, "small_business": 0.06, "student": 0.20}}},
    },
}
RESPONSE_WINDOW_DAYS = 30

# --- weekly sales ---------------------------------------------------------

#: Focal products of the weekly all-channel sales table: base weekly units at
#: the reference (list) price, own-price elasticity, and cross-price
#: elasticities (complements negative, substitutes positive).
WEEKLY_DEMAND = {
    "LAP-BAS": {"base_units": 140, "own_elasticity": -1.8, "cross_elasticities": {"LAP-STD": 0.6}},
    "LAP-STD": {"base_units": 110, "own_elasticity": -1.6, "cross_elasticities": {"LAP-BAS": 0.4, "LAP-PRE": 0.3}},
    "LAP-PRE": {"base_units": 45, "own_elasticity": -1.3, "cross_elasticities": {"LAP-STD": 0.3}},
    "CASE-BAS": {"base_units": 160, "own_elasticity": -1.0, "cross_elasticities": {"LAP-STD": -0.5}},
    "PRN-STD": {"base_units": 70, "own_elasticity": -1.4, "cross_elasticities": {}},
    "INK-STD": {"base_units": 400, "own_elasticity": -0.8, "cross_elasticities": {"PRN-STD": -0.4}},
    "PHN-STD": {"base_units": 150, "own_elasticity": -1.2, "cross_elasticities": {"PHN-PRE": 0.4}},
    "PHN-PRE": {"base_units": 80, "own_elasticity": -1.0, "cross_elasticities": {"PHN-STD": 0.25}},
    "PCASE-BAS": {"base_units": 300, "own_elasticity": -0.9, "cross_elasticities": {"PHN-STD": -0.3}},
    "TAB-STD": {"base_units": 60, "own_elasticity": -1.5, "cross_elasticities": {"LAP-BAS": 0.2}},
}
#: log-units lift of a promotion week beyond its price cut (display, feature).
PROMOTION_LIFT = 0.15
#: log-units seasonal effects: q4 = week starts in November or December;
#: back_to_school = week starts in August or September.
SEASONALITY = {"q4": 0.30, "back_to_school": 0.20}
#: Probability that a focal product is on promotion in a week (Q4 / other weeks).
PROMOTION_PROBABILITY = {"q4": 0.35, "other": 0.18}
PROMOTION_DISCOUNT_RANGE = (0.10, 0.25)
#: Each focal product gets this many list-price changes, each by one of these factors.
LIST_PRICE_CHANGES = 4
LIST_PRICE_FACTORS = (0.92, 0.95, 1.05, 1.08)
WEEKLY_NOISE_SD = 0.05

DEFAULT_SEED = 14
DEFAULT_N_CUSTOMERS = 12000
DEFAULT_START = "2023-01-01"
DEFAULT_END = "2025-12-31"


# --- public API -----------------------------------------------------------


def simulate_repeat_purchases(
    n_customers: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    p: float,
    q: float,
    gamma: float,
    T: float | np.ndarray,
    seed: int,
) -> pd.DataFrame:
    """Simulate transactions from the BG/NBD and Gamma-Gamma models exactly.

    Each customer makes a first purchase at ``t = 0``. While alive, repeat
    purchases arrive as a Poisson process with rate ``lambda`` per time unit,
    ``lambda ~ Gamma(shape r, rate alpha)``; after each repeat purchase the
    customer drops out with probability ``p_i ~ Beta(a, b)`` (Fader, Hardie &
    Lee 2005, section 2, assumptions i-v). Purchases are observed on
    ``(0, T]``. Each transaction's value is ``z ~ Gamma(shape p, rate nu)``
    with ``nu ~ Gamma(shape q, rate gamma)`` per customer, so the mean spend of
    a customer is ``p / nu`` (Colombo & Jiang 1999; Fader, Hardie & Lee 2005b,
    section "Spend").

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates.
    a, b : float
        Parameters of the Beta distribution of dropout probabilities.
    p, q, gamma : float
        Gamma-Gamma spend parameters: shape of a transaction's value, shape
        and rate of the Gamma distribution of the value scale ``nu``.
    T : float or array of float
        Length of each customer's observation window after the first
        purchase (one value for all, or one per customer), in the time unit
        of ``alpha``.
    seed : int
        Seed of the random generator.

    Returns
    -------
    pandas.DataFrame
        One row per transaction, sorted by customer then time: ``customer_id``
        (int, 0 .. n_customers - 1), ``t`` (float, time since the first
        purchase; 0 for the first purchase), ``value`` (float, spend of that
        transaction; the first purchase also has a value, drawn like the others).
        Frequency = rows per customer - 1, recency = last ``t``.
    """
    if n_customers < 1:
        raise ValueError(f"n_customers must be >= 1. Got {n_customers}.")
    for name, value in {"r": r, "alpha": alpha, "a": a, "b": b, "p": p, "q": q, "gamma": gamma}.items():
        if not value > 0:
            raise ValueError(f"Parameter {name} must be > 0. Got {value}.")
    rng = np.random.default_rng(seed)
    horizon = np.broadcast_to(np.asarray(T, dtype=float), (n_customers,)).copy()
    rates = rng.gamma(r, 1.0 / alpha, n_customers)
    dropout = rng.beta(a, b, n_customers)
    scale = rng.gamma(q, 1.0 / gamma, n_customers)
    customer, t = _bgnbd_repeat_times(rates, dropout, horizon, rng)
    customer = np.concatenate([np.arange(n_customers), customer])
    t = np.concatenate([np.zeros(n_customers), t])
    order = np.lexsort((t, customer))
    customer, t = customer[order], t[order]
    value = rng.gamma(p, 1.0 / scale[customer])
    return pd.DataFrame({"customer_id": customer, "t": t, "value": value})


def generate_company(
    seed: int = DEFAULT_SEED,
    n_customers: int = DEFAULT_N_CUSTOMERS,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
) -> tuple[Company, dict]:
    """Generate Northwind Tech, a synthetic electronics retailer, with its ground truth.

    Parameters
    ----------
    seed : int
        Seed of the random generators: one for customers, orders and
        everything that follows them, and an independent one (seeded
        ``[seed, 1]``) for the weekly sales, so that changing the number of
        customers leaves the weekly price series unchanged.
    n_customers : int
        People in the customers table (leads who never bought included).
    start, end : str
        First and last day of the period (ISO dates, inclusive).

    Returns
    -------
    company : Company
        Validated tables: customers, products, orders, order_lines,
        marketing_events, offers, returns, surveys, weekly_sales.
    ground_truth : dict
        The planted parameters (see ``data/README.md`` for every key).
    """
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    n_days = (end_ts - start_ts).days
    if n_days <= FUNNEL_HORIZON_DAYS + 60:
        raise ValueError(f"The period {start} .. {end} is too short: it needs more than {FUNNEL_HORIZON_DAYS + 60} days.")
    if n_customers < 200:
        raise ValueError(f"n_customers must be >= 200 for every table to have rows. Got {n_customers}.")
    rng = np.random.default_rng(seed)
    products = _products()
    people = _people(rng, n_customers, start_ts, n_days)
    orders = _order_schedule(rng, people, n_days)
    orders, lines = _baskets(rng, orders, people, products)
    weekly = _weekly_sales(np.random.default_rng([seed, 1]), start_ts, end_ts, products)
    lines = _prices(lines, orders, products, weekly, start_ts)
    events = _marketing_events(rng, people, orders, lines, products, n_days)
    returns = _returns(rng, lines, orders, products, n_days)
    surveys, nps = _surveys(rng, orders, lines, products, n_days)
    events = pd.concat([events, _referrals(rng, orders, nps, n_days)], ignore_index=True)
    offers = _offers(rng, people, orders, lines, products, n_days)
    tables = _to_tables(start_ts, people, products, orders, lines, events, offers, returns, surveys, weekly)
    company = Company.from_tables(tables)
    truth = _ground_truth(seed, n_customers, start, end, orders)
    return company, truth


# --- building blocks ------------------------------------------------------


def _bgnbd_repeat_times(
    rates: np.ndarray, dropout: np.ndarray, horizon: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat-purchase times of BG/NBD customers (Fader, Hardie & Lee 2005).

    Returns the customer index and the time of every repeat purchase in
    ``(0, horizon]``; exponential gaps at each customer's rate, and a dropout
    coin after every repeat purchase.
    """
    n = rates.size
    rates = np.maximum(rates, 1e-12)
    clock = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    customers, times = [], []
    while alive.any():
        idx = np.flatnonzero(alive)
        clock[idx] += rng.exponential(1.0 / rates[idx])
        bought = idx[clock[idx] <= horizon[idx]]
        customers.append(bought)
        times.append(clock[bought].copy())
        survives = rng.random(bought.size) >= dropout[bought]
        alive[:] = False
        alive[bought[survives]] = True
    return np.concatenate(customers), np.concatenate(times)


def _draw(rng: np.random.Generator, mix: dict) -> str:
    """One key of ``mix`` drawn with the probabilities given as its values."""
    u = rng.random() * sum(mix.values())
    total = 0.0
    for key, weight in mix.items():
        total += weight
        if u < total:
            return key
    return key


def _draw_many(rng: np.random.Generator, mix: dict, size: int) -> np.ndarray:
    """``size`` keys of ``mix`` drawn independently with the probabilities given as its values."""
    keys = np.array(list(mix), dtype=object)
    probs = np.array(list(mix.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=probs / probs.sum())]


def _products() -> pd.DataFrame:
    """The products table from :data:`CATALOGUE` (unit cost rounded to cents), with the planted roles.

    ``requires`` and ``repeatable`` state what the basket mechanism does, so the planted
    truth travels with the data: see :func:`_required_category` and
    :data:`CONSUMABLE_CATEGORIES`.
    """
    rows = [
        {s.PRODUCT_ID: pid, s.PRODUCT_NAME: name, s.CATEGORY: cat, s.TIER: tier, s.PRICE: price,
         s.UNIT_COST: round(price * cost_share, 2), s.REQUIRES: _required_category(pid, cat),
         s.REPEATABLE: cat in CONSUMABLE_CATEGORIES}
        for pid, name, cat, tier, price, cost_share in CATALOGUE
    ]
    return pd.DataFrame(rows)


def _required_category(product_id: str, category: str) -> str | None:
    """The category a product is only ever sold with, as the basket mechanism plants it.

    A warranty covers the device of :data:`WARRANTY_FOR`. Another product needs a
    category when its own category is never an anchor nor an independent add-on and
    is attached (:data:`ATTACH_PROBABILITIES`) to that one anchor category only;
    otherwise it stands alone (``None``).
    """
    covered = [device for device, warranty in WARRANTY_FOR.items() if warranty == product_id]
    if covered:
        return covered[0]
    anchors = {anchor for mix in ANCHOR_MIX.values() for anchor in mix}
    attached_to = [anchor for anchor, complements in ATTACH_PROBABILITIES.items() if category in complements]
    alone = category in anchors or category in ADDON_PROBABILITIES
    return attached_to[0] if len(attached_to) == 1 and not alone else None


def _people(rng: np.random.Generator, n: int, start: pd.Timestamp, n_days: int) -> pd.DataFrame:
    """Customers with their funnel path: awareness, consideration, first purchase (day offsets)."""
    segment = _draw_many(rng, SEGMENT_MIX, n)
    region = _draw_many(rng, REGION_MIX, n)
    acquisition = _draw_many(rng, ACQUISITION_MIX, n)
    preferred = np.empty(n, dtype=object)
    for seg, mix in PREFERRED_CHANNEL_MIX.items():
        mask = segment == seg
        preferred[mask] = _draw_many(rng, mix, int(mask.sum()))
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


def _order_schedule(rng: np.random.Generator, people: pd.DataFrame, n_days: int) -> pd.DataFrame:
    """Order days of every buyer: the first purchase, then exact BG/NBD repeat purchases in weeks."""
    buyers = people.index[people["purchased"].to_numpy()].to_numpy()
    first_day = people["decision_day"].to_numpy()[buyers]
    horizon_weeks = (n_days - first_day) / 7.0
    params = BGNBD_PARAMS
    rates = rng.gamma(params["r"], 1.0 / params["alpha"], buyers.size)
    dropout = rng.beta(params["a"], params["b"], buyers.size)
    which, weeks = _bgnbd_repeat_times(rates, dropout, horizon_weeks, rng)
    person = np.concatenate([buyers, buyers[which]])
    day = np.concatenate([first_day, first_day[which] + np.floor(weeks * 7.0).astype(int)])
    clock = np.concatenate([np.zeros(buyers.size), weeks])
    order = np.lexsort((clock, person))
    return pd.DataFrame({"person": person[order], "day": day[order]})


def _pick_product(rng: np.random.Generator, candidates: list[tuple[str, str | None]], tier: str) -> str:
    """A product of one category, favouring the wanted tier (exact match when it exists for anchors)."""
    weights = {pid: (MATCHING_TIER_WEIGHT if product_tier == tier else 1.0) for pid, product_tier in candidates}
    return _draw(rng, weights)


def _anchor_product(rng: np.random.Generator, candidates: list[tuple[str, str | None]], tier: str) -> str:
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
    anchor = _anchor_product(rng, by_category[anchor_cat], tier)
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


def _baskets(
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
        other_channel = _draw(rng, PREFERRED_CHANNEL_MIX[seg])
        channels.append(preferred[person] if in_preferred else other_channel)
        follow_up = trigger is not None and rng.random() < NEXT_PURCHASE[trigger]["probability"]
        drawn = _draw(rng, ANCHOR_MIX[seg])
        anchor_cat = NEXT_PURCHASE[trigger]["next_category"] if follow_up else drawn
        basket = _fill_basket(rng, by_category, anchor_cat, _draw(rng, TIER_MIX[seg]), seg)
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


def _weekly_sales(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp, products: pd.DataFrame) -> pd.DataFrame:
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


def _prices(
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


def _event_frame(person, day, event_type, channel, product) -> pd.DataFrame:
    """Marketing events in the generator's internal form (person index, day offset)."""
    n = len(person)
    return pd.DataFrame(
        {"person": np.asarray(person, dtype=int), "day": np.asarray(day, dtype=int),
         s.EVENT_TYPE: np.repeat(event_type, n) if isinstance(event_type, str) else event_type,
         s.CHANNEL: np.asarray(channel, dtype=object), s.PRODUCT_ID: np.asarray(product, dtype=object)}
    )


def _marketing_events(
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
        candidates = [(pid, None if pd.isna(tiers[pid]) else tiers[pid]) for pid in by_category[_draw(rng, ANCHOR_MIX[seg])]]
        viewed.append(_anchor_product(rng, candidates, _draw(rng, TIER_MIX[seg])))
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
    channel = _draw_many(rng, {"phone": 0.5, "store": 0.3, "web": 0.2}, len(person_col))
    return _event_frame(person_col, day_col, "support", channel, product_col)


def _returns(
    rng: np.random.Generator, lines: pd.DataFrame, orders: pd.DataFrame, products: pd.DataFrame, n_days: int
) -> pd.DataFrame:
    """Returned lines: a Bernoulli draw per line at its category's rate, one unit each."""
    category = lines[s.PRODUCT_ID].map(products.set_index(s.PRODUCT_ID)[s.CATEGORY])
    rate = category.map(RETURN_RATES).to_numpy(dtype=float)
    returned = rng.random(len(lines)) < rate
    lag = 1 + np.rint(rng.gamma(2.0, MEAN_RETURN_LAG_DAYS / 2.0, len(lines))).astype(int)
    reason = _draw_many(rng, RETURN_REASONS, len(lines))
    order_day = lines[s.ORDER_ID].map(orders.set_index(s.ORDER_ID)["day"]).to_numpy()
    day = order_day + lag
    keep = returned & (day <= n_days)
    return pd.DataFrame(
        {s.ORDER_ID: lines.loc[keep, s.ORDER_ID].to_numpy(), s.PRODUCT_ID: lines.loc[keep, s.PRODUCT_ID].to_numpy(),
         "day": day[keep], s.QUANTITY: 1, s.REASON: reason[keep]}
    )


def _surveys(
    rng: np.random.Generator,
    orders: pd.DataFrame,
    lines: pd.DataFrame,
    products: pd.DataFrame,
    n_days: int,
) -> tuple[pd.DataFrame, pd.Series]:
    """NPS answers of ~30 % of buyers; every buyer's (latent) score drives referrals."""
    protection_ids = products.loc[products[s.CATEGORY].isin(["warranty", "subscription"]), s.PRODUCT_ID]
    protected_orders = lines.loc[lines[s.PRODUCT_ID].isin(protection_ids), s.ORDER_ID]
    protected_people = set(orders.loc[orders[s.ORDER_ID].isin(protected_orders), "person"].tolist())
    first_day = orders.groupby("person", sort=True)["day"].min()
    buyers = first_day.index.to_numpy()
    protected = np.array([person in protected_people for person in buyers])
    scores = np.empty(buyers.size, dtype=int)
    for status, dist in NPS_DISTRIBUTION.items():
        mask = protected == (status == "protected")
        scores[mask] = rng.choice(11, size=int(mask.sum()), p=np.asarray(dist) / sum(dist))
    answered = rng.random(buyers.size) < SURVEY_RESPONSE_RATE
    low = np.minimum(first_day.to_numpy() + 7, n_days)
    day = rng.integers(low, n_days + 1)
    surveys = pd.DataFrame({"person": buyers[answered], "day": day[answered], s.NPS_SCORE: scores[answered]})
    return surveys, pd.Series(scores, index=buyers)


def _referrals(rng: np.random.Generator, orders: pd.DataFrame, nps: pd.Series, n_days: int) -> pd.DataFrame:
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


def _offers(
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
        arm = _draw_many(rng, {name: spec["share"] for name, spec in arms.items()}, len(eligible))
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


def _to_tables(start, people, products, orders, lines, events, offers, returns, surveys, weekly) -> dict:
    """Replace person indices by customer ids and day offsets by dates."""
    ids = people[s.CUSTOMER_ID].to_numpy()

    def date(days) -> pd.Series:
        return pd.Series(start + pd.to_timedelta(np.asarray(days, dtype=int), unit="D"))

    customers = people[[s.CUSTOMER_ID, s.REGION, s.SEGMENT, s.ACQUISITION_CHANNEL, s.PREFERRED_CHANNEL,
                        s.MARKETING_CONSENT]].assign(**{s.SIGNUP_DATE: date(people["awareness_day"])})
    customers = customers[s.TABLES[s.CUSTOMERS].column_names]
    order_table = pd.DataFrame(
        {s.ORDER_ID: orders[s.ORDER_ID], s.CUSTOMER_ID: ids[orders["person"].to_numpy()],
         s.ORDER_DATE: date(orders["day"]), s.CHANNEL: orders[s.CHANNEL]}
    )
    events = events.assign(**{s.CUSTOMER_ID: ids[events["person"].to_numpy()], s.EVENT_DATE: date(events["day"])})
    events = events.sort_values([s.EVENT_DATE, s.CUSTOMER_ID, s.EVENT_TYPE], kind="stable").reset_index(drop=True)
    offers = offers.assign(**{s.CUSTOMER_ID: ids[offers["person"].to_numpy()], s.OFFER_DATE: date(offers["day"])})
    returns = returns.assign(**{s.RETURN_DATE: date(returns["day"])}).sort_values(
        [s.RETURN_DATE, s.ORDER_ID, s.PRODUCT_ID], kind="stable"
    )
    surveys = surveys.assign(**{s.CUSTOMER_ID: ids[surveys["person"].to_numpy()], s.SURVEY_DATE: date(surveys["day"])})
    surveys = surveys.sort_values([s.SURVEY_DATE, s.CUSTOMER_ID], kind="stable")
    tables = {
        s.CUSTOMERS: customers,
        s.PRODUCTS: products,
        s.ORDERS: order_table,
        s.ORDER_LINES: lines,
        s.MARKETING_EVENTS: events,
        s.OFFERS: offers,
        s.RETURNS: returns,
        s.SURVEYS: surveys,
        s.WEEKLY_SALES: weekly,
    }
    return {name: frame[s.TABLES[name].column_names].reset_index(drop=True) for name, frame in tables.items()}


# --- ground truth ---------------------------------------------------------


def _p_in_basket(anchor: str, category: str) -> float:
    """P(category is in a basket | its anchor category), from the attach and add-on rates."""
    if anchor == category:
        return 1.0
    attach = ATTACH_PROBABILITIES.get(anchor, {}).get(category, 0.0)
    return 1.0 - (1.0 - attach) * (1.0 - ADDON_PROBABILITIES.get(category, 0.0))


def _basket_truth(orders: pd.DataFrame) -> dict:
    """Planted attach rates and the conditional frequencies and lifts they imply."""
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
        "anchor_mix_by_segment": ANCHOR_MIX,
        "tier_mix_by_segment": TIER_MIX,
        "attach_probability": ATTACH_PROBABILITIES,
        "addon_probability": ADDON_PROBABILITIES,
        "expected_conditional_frequency": conditional,
        "realized_anchor_share": _rounded(shares.to_dict()),
        "expected_lift": lift,
        "matching_tier_weight": MATCHING_TIER_WEIGHT,
        "warranty_product_for_category": WARRANTY_FOR,
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


def _ground_truth(seed: int, n_customers: int, start: str, end: str, orders: pd.DataFrame) -> dict:
    """Every planted parameter, with the definitions needed to test against it.

    Returned as a fresh JSON-compatible copy, so that changing it cannot change
    the module's planted defaults.
    """
    return json.loads(json.dumps(_truth_tree(seed, n_customers, start, end, orders)))


def _truth_tree(seed: int, n_customers: int, start: str, end: str, orders: pd.DataFrame) -> dict:
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
            "segment_mix": SEGMENT_MIX,
            "region_mix": REGION_MIX,
            "acquisition_channel_mix": ACQUISITION_MIX,
            "preferred_channel_mix_by_segment": PREFERRED_CHANNEL_MIX,
            "p_order_in_preferred_channel": P_ORDER_IN_PREFERRED_CHANNEL,
            "marketing_consent_rate": MARKETING_CONSENT_RATE,
            "awareness_month_weights": list(MONTH_WEIGHTS),
            "signup_date_meaning": "signup_date = date of the customer's awareness event (first contact)",
        },
        "funnel": {
            "p_consideration_given_awareness": P_CONSIDERATION_GIVEN_AWARENESS,
            "p_purchase_given_consideration": P_PURCHASE_GIVEN_CONSIDERATION,
            "p_purchase_given_awareness": round(P_CONSIDERATION_GIVEN_AWARENESS * P_PURCHASE_GIVEN_CONSIDERATION, 6),
            "mean_lag_awareness_to_consideration_days": MEAN_LAG_AWARENESS_TO_CONSIDERATION_DAYS,
            "mean_lag_consideration_to_purchase_days": MEAN_LAG_CONSIDERATION_TO_PURCHASE_DAYS,
            "lag_distribution": "Gamma(shape 2) with the stated mean, rounded to whole days",
            "mean_site_visits_per_consideration": MEAN_SITE_VISITS,
            "awareness_horizon_days_before_end": FUNNEL_HORIZON_DAYS,
            "note": (
                "Every customer has one awareness event; consideration and first purchase follow with the "
                "stated probabilities. Customers without orders are prospects. The first order is the purchase stage."
            ),
        },
        "lifecycle": {
            "loyalty_min_orders": LOYALTY_MIN_ORDERS,
            "promoter_min_nps": PROMOTER_MIN_NPS,
            "p_referral_loyal_promoter": P_REFERRAL_LOYAL_PROMOTER,
            "p_referral_loyal_other": P_REFERRAL_LOYAL_OTHER,
            "p_referral_nonloyal_buyer": P_REFERRAL_NONLOYAL_BUYER,
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
            **BGNBD_PARAMS,
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
            "return_rate_by_category": RETURN_RATES,
            "reason_probabilities": RETURN_REASONS,
            "lag_days": f"1 + Gamma(shape 2, mean {MEAN_RETURN_LAG_DAYS}) rounded; returns after the end date are not recorded",
            "quantity": 1,
        },
        "surveys": {
            "response_rate_among_buyers": SURVEY_RESPONSE_RATE,
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
        "weekly_sales": {
            "products": {
                pid: {**demand, "reference_price": prices[pid]} for pid, demand in WEEKLY_DEMAND.items()
            },
            "promotion_lift_log": PROMOTION_LIFT,
            "seasonality_log": SEASONALITY,
            "season_definition": {"q4": "week_start in November or December",
                                  "back_to_school": "week_start in August or September"},
            "noise_sd_log": WEEKLY_NOISE_SD,
            "promotion_probability": PROMOTION_PROBABILITY,
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


# --- command line ---------------------------------------------------------


def write_ground_truth(truth: dict, path: str | os.PathLike) -> Path:
    """Write the ground truth as JSON (sorted keys, indent 2), atomically.

    Parameters
    ----------
    truth : dict
        The ground truth returned by :func:`generate_company`.
    path : str or path-like
        Target file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    target = Path(path)
    text = json.dumps(truth, sort_keys=True, indent=2) + "\n"
    with tempfile.NamedTemporaryFile("w", dir=target.parent, suffix=".tmp", delete=False, encoding="utf-8") as handle:
        tmp = Path(handle.name)
        handle.write(text)
    try:
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m xsell_lab.synth --out data [--seed 14]``."""
    parser = argparse.ArgumentParser(description="Generate the synthetic company Northwind Tech.")
    parser.add_argument("--out", default="data", help="output folder (default: data)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})")
    parser.add_argument("--n-customers", type=int, default=DEFAULT_N_CUSTOMERS, help="people in the customers table")
    parser.add_argument("--start", default=DEFAULT_START, help="first day (ISO date)")
    parser.add_argument("--end", default=DEFAULT_END, help="last day (ISO date)")
    args = parser.parse_args(argv)
    company, truth = generate_company(args.seed, args.n_customers, args.start, args.end)
    written = write_company(company, args.out)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    written.append(write_ground_truth(truth, Path(args.out) / "ground_truth.json"))
    for name, frame in company.tables().items():
        print(f"{name:<17} {len(frame):>7,} rows")
    for path in written:
        print(f"wrote {path} ({path.stat().st_size / 1024:,.0f} KiB)")


if __name__ == "__main__":
    main()
