"""The world of Northwind Tech: every planted constant of the synthetic company, defined once.

The parameters that ``ground_truth.json`` records are grouped by the section of the
truth they belong to, under the truth's own key names (:data:`PLANTED_CUSTOMERS`,
:data:`PLANTED_FUNNEL`, :data:`PLANTED_LIFECYCLE`, :data:`BGNBD_PARAMS`,
:data:`PLANTED_BASKETS`, :data:`PLANTED_RETURNS`, :data:`PLANTED_SURVEYS`,
:data:`PLANTED_WEEKLY_SALES`; all of them in :data:`PLANTED`), and
:mod:`xsell_lab.synth.truth` writes them as they are: a value changed here changes
the simulator and the truth together. The upper-case names below each group (such as
:data:`SEGMENT_MIX`) are the same objects under the names the simulator uses. The
catalogue, the next-purchase rules, the NPS distributions, the support rates and the
experiments are written to the truth with what they imply (derived there); the
remaining constants are details of the mechanism the truth does not record.

Margins follow retail practice; the repeat-purchase parameters are those of the
BG/NBD model (Fader, Hardie & Lee 2005), time unit weeks.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers"
the easy way: An alternative to the Pareto/NBD model. *Marketing Science*,
24(2), 275-284.
"""

from __future__ import annotations

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

# --- customers ------------------------------------------------------------

#: Who the customers are (truth section ``customers``). ``preferred_channel_mix_by_segment``:
#: preferred channel (for purchases and contact) by segment; ``p_order_in_preferred_channel``:
#: probability that an order is placed in the customer's preferred channel, otherwise the
#: channel is drawn from the segment's channel mix; ``awareness_month_weights``: relative
#: weight of each calendar month for first contacts (awareness), so that first purchases
#: peak in November/December and at back-to-school.
PLANTED_CUSTOMERS = {
    "segment_mix": {"consumer": 0.60, "small_business": 0.20, "student": 0.20},
    "region_mix": {"North": 0.30, "South": 0.25, "East": 0.20, "West": 0.25},
    "acquisition_channel_mix": {"search": 0.30, "social_media": 0.20, "in_store": 0.25, "referral": 0.10,
                                "display_ads": 0.15},
    "preferred_channel_mix_by_segment": {
        "consumer": {"store": 0.40, "web": 0.35, "app": 0.15, "phone": 0.10},
        "small_business": {"store": 0.25, "web": 0.40, "app": 0.10, "phone": 0.25},
        "student": {"store": 0.20, "web": 0.35, "app": 0.40, "phone": 0.05},
    },
    "p_order_in_preferred_channel": 0.70,
    "marketing_consent_rate": 0.75,
    "awareness_month_weights": (0.80, 0.75, 0.80, 0.80, 0.85, 0.85, 0.95, 1.50, 1.40, 0.95, 1.90, 2.10),
}
SEGMENT_MIX = PLANTED_CUSTOMERS["segment_mix"]
REGION_MIX = PLANTED_CUSTOMERS["region_mix"]
ACQUISITION_MIX = PLANTED_CUSTOMERS["acquisition_channel_mix"]
PREFERRED_CHANNEL_MIX = PLANTED_CUSTOMERS["preferred_channel_mix_by_segment"]
P_ORDER_IN_PREFERRED_CHANNEL = PLANTED_CUSTOMERS["p_order_in_preferred_channel"]
MARKETING_CONSENT_RATE = PLANTED_CUSTOMERS["marketing_consent_rate"]
MONTH_WEIGHTS = PLANTED_CUSTOMERS["awareness_month_weights"]

# --- funnel and lifecycle -------------------------------------------------

#: The funnel awareness -> consideration -> purchase (truth section ``funnel``). Lags are
#: Gamma(shape 2) days with the stated means, rounded to whole days; site visits between
#: consideration and purchase are Poisson; leads are first contacted at least
#: ``awareness_horizon_days_before_end`` days before the end date, so that every lead has
#: had time to move through the funnel.
PLANTED_FUNNEL = {
    "p_consideration_given_awareness": 0.70,
    "p_purchase_given_consideration": 0.62,
    "mean_lag_awareness_to_consideration_days": 7.0,
    "mean_lag_consideration_to_purchase_days": 12.0,
    "mean_site_visits_per_consideration": 1.5,
    "awareness_horizon_days_before_end": 60,
}
P_CONSIDERATION_GIVEN_AWARENESS = PLANTED_FUNNEL["p_consideration_given_awareness"]
P_PURCHASE_GIVEN_CONSIDERATION = PLANTED_FUNNEL["p_purchase_given_consideration"]
MEAN_LAG_AWARENESS_TO_CONSIDERATION_DAYS = PLANTED_FUNNEL["mean_lag_awareness_to_consideration_days"]
MEAN_LAG_CONSIDERATION_TO_PURCHASE_DAYS = PLANTED_FUNNEL["mean_lag_consideration_to_purchase_days"]
MEAN_SITE_VISITS = PLANTED_FUNNEL["mean_site_visits_per_consideration"]
FUNNEL_HORIZON_DAYS = PLANTED_FUNNEL["awareness_horizon_days_before_end"]

#: Loyalty and advocacy (truth section ``lifecycle``): a customer is loyal from their
#: ``loyalty_min_orders``-th order on; NPS scores at or above ``promoter_min_nps`` make a
#: promoter; the probability of a referral by loyalty and promoter status.
PLANTED_LIFECYCLE = {
    "loyalty_min_orders": 4,
    "promoter_min_nps": 9,
    "p_referral_loyal_promoter": 0.45,
    "p_referral_loyal_other": 0.20,
    "p_referral_nonloyal_buyer": 0.02,
}
LOYALTY_MIN_ORDERS = PLANTED_LIFECYCLE["loyalty_min_orders"]
PROMOTER_MIN_NPS = PLANTED_LIFECYCLE["promoter_min_nps"]
P_REFERRAL_LOYAL_PROMOTER = PLANTED_LIFECYCLE["p_referral_loyal_promoter"]
P_REFERRAL_LOYAL_OTHER = PLANTED_LIFECYCLE["p_referral_loyal_other"]
P_REFERRAL_NONLOYAL_BUYER = PLANTED_LIFECYCLE["p_referral_nonloyal_buyer"]

# --- repeat purchases (BG/NBD, time unit: weeks) --------------------------

#: BG/NBD parameters (truth section ``repeat_purchases``): purchase rate lambda ~
#: Gamma(shape r, rate alpha) per week; dropout probability after each repeat purchase
#: p ~ Beta(a, b).
BGNBD_PARAMS = {"r": 0.45, "alpha": 18.0, "a": 1.0, "b": 3.0}

# --- baskets --------------------------------------------------------------

#: The basket mechanism (truth section ``baskets``). ``anchor_mix_by_segment``: anchor
#: category of an order (the product the customer came for), by segment;
#: ``tier_mix_by_segment``: tier preference for anchor products by segment (the up-sell
#: ladder); ``attach_probability``: P(complement category is added | anchor category), one
#: independent draw per pair, warranties being the warranty of the anchor's category
#: (``warranty_product_for_category``); ``addon_probability``: small add-ons put in any
#: basket independently of the anchor; ``matching_tier_weight``: weight of a product whose
#: tier equals the anchor's tier when an accessory is picked within its category (other
#: products weigh 1).
PLANTED_BASKETS = {
    "anchor_mix_by_segment": {
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
    },
    "tier_mix_by_segment": {
        "consumer": {"basic": 0.30, "standard": 0.45, "premium": 0.25},
        "small_business": {"basic": 0.15, "standard": 0.45, "premium": 0.40},
        "student": {"basic": 0.55, "standard": 0.35, "premium": 0.10},
    },
    "attach_probability": {
        "laptop": {"laptop_case": 0.25, "mouse": 0.18, "docking_station": 0.06, "software": 0.15,
                   "warranty": 0.12, "subscription": 0.04},
        "printer": {"ink": 0.45, "paper": 0.30, "cable": 0.10, "warranty": 0.08},
        "smartphone": {"phone_case": 0.40, "screen_protector": 0.28, "earbuds": 0.12, "charger": 0.15,
                       "warranty": 0.12, "subscription": 0.04},
        "tablet": {"tablet_case": 0.30, "screen_protector": 0.15, "charger": 0.10, "subscription": 0.03},
        "ink": {"paper": 0.25},
        "earbuds": {"charger": 0.10},
    },
    "addon_probability": {"cable": 0.03, "storage": 0.02},
    "matching_tier_weight": 3.0,
    "warranty_product_for_category": {"laptop": "WAR-LAP", "smartphone": "WAR-PHN", "printer": "WAR-PRN"},
}
ANCHOR_MIX = PLANTED_BASKETS["anchor_mix_by_segment"]
TIER_MIX = PLANTED_BASKETS["tier_mix_by_segment"]
ATTACH_PROBABILITIES = PLANTED_BASKETS["attach_probability"]
ADDON_PROBABILITIES = PLANTED_BASKETS["addon_probability"]
MATCHING_TIER_WEIGHT = PLANTED_BASKETS["matching_tier_weight"]
#: Warranty product matching each hardware category.
WARRANTY_FOR = PLANTED_BASKETS["warranty_product_for_category"]

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

#: Returns (truth section ``returns``): the probability that a line is returned by its
#: category, the reasons' probabilities, and the units of a returned line.
PLANTED_RETURNS = {
    "return_rate_by_category": {
        "smartphone": 0.10, "phone_case": 0.07, "screen_protector": 0.06, "earbuds": 0.08, "charger": 0.05,
        "laptop": 0.06, "tablet": 0.06, "printer": 0.05, "laptop_case": 0.05, "mouse": 0.05,
        "docking_station": 0.06, "tablet_case": 0.05, "ink": 0.03, "paper": 0.02, "cable": 0.04,
        "storage": 0.04, "bundle": 0.05, "software": 0.0, "warranty": 0.0, "subscription": 0.0,
    },
    "reason_probabilities": {"changed_mind": 0.35, "defective": 0.25, "not_as_described": 0.15,
                             "incompatible": 0.15, "wrong_item": 0.10},
    "quantity": 1,
}
RETURN_RATES = PLANTED_RETURNS["return_rate_by_category"]
RETURN_REASONS = PLANTED_RETURNS["reason_probabilities"]
RETURN_QUANTITY = PLANTED_RETURNS["quantity"]
#: Return lag: 1 day + Gamma(shape 2) days with this extra mean; returns that
#: would fall after the end date have not happened yet and are not recorded.
MEAN_RETURN_LAG_DAYS = 11.0

#: Surveys (truth section ``surveys``): the share of buyers who answer the NPS survey.
PLANTED_SURVEYS = {"response_rate_among_buyers": 0.30}
SURVEY_RESPONSE_RATE = PLANTED_SURVEYS["response_rate_among_buyers"]
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
#: The weekly demand model besides the products' own parameters (truth section
#: ``weekly_sales``): ``promotion_lift_log``, the log-units lift of a promotion week beyond
#: its price cut (display, feature); ``seasonality_log``, the log-units seasonal effects
#: (q4 = week starts in November or December; back_to_school = week starts in August or
#: September); ``promotion_probability``, the probability that a focal product is on
#: promotion in a week (Q4 / other weeks); ``noise_sd_log``, the standard deviation of the
#: Normal noise on log units.
PLANTED_WEEKLY_SALES = {
    "promotion_lift_log": 0.15,
    "seasonality_log": {"q4": 0.30, "back_to_school": 0.20},
    "promotion_probability": {"q4": 0.35, "other": 0.18},
    "noise_sd_log": 0.05,
}
PROMOTION_LIFT = PLANTED_WEEKLY_SALES["promotion_lift_log"]
SEASONALITY = PLANTED_WEEKLY_SALES["seasonality_log"]
PROMOTION_PROBABILITY = PLANTED_WEEKLY_SALES["promotion_probability"]
WEEKLY_NOISE_SD = PLANTED_WEEKLY_SALES["noise_sd_log"]
PROMOTION_DISCOUNT_RANGE = (0.10, 0.25)
#: Each focal product gets this many list-price changes, each by one of these factors.
LIST_PRICE_CHANGES = 4
LIST_PRICE_FACTORS = (0.92, 0.95, 1.05, 1.08)

# --- the bundled company --------------------------------------------------

DEFAULT_SEED = 14
DEFAULT_N_CUSTOMERS = 12000
DEFAULT_START = "2023-01-01"
DEFAULT_END = "2025-12-31"

#: Every parameter group above that ``ground_truth.json`` records as it is, by the
#: truth's section name (:func:`xsell_lab.synth.truth.ground_truth` adds what they imply).
PLANTED = {
    "customers": PLANTED_CUSTOMERS,
    "funnel": PLANTED_FUNNEL,
    "lifecycle": PLANTED_LIFECYCLE,
    "repeat_purchases": BGNBD_PARAMS,
    "baskets": PLANTED_BASKETS,
    "returns": PLANTED_RETURNS,
    "surveys": PLANTED_SURVEYS,
    "weekly_sales": PLANTED_WEEKLY_SALES,
}

# --- after the offer: opt-outs, post-purchase surveys, referrals (own random streams) ---------

#: Feedback after the cross-sell (truth section ``feedback``), drawn from its own stream
#: (``[seed, 7]``) so that every other table stays the same. Opt-outs: after each offer, the
#: customer unsubscribes or complains within ``opt_out_window_days`` with probability
#: ``p_opt_out_control`` in a control arm (not contacted), else ``p_opt_out_first_offer +
#: p_opt_out_per_earlier_offer x (offers received before)`` (over-selling), times
#: ``opt_out_multiplier_after_support`` for a customer with a support touch in the
#: ``support_lookback_days`` before the offer (do-not-disturb-like: a customer with a problem
#: is annoyed by an offer); a customer opts out once; ``complaint_share`` of opt-outs are
#: complaints. Post-purchase surveys: ``purchase_survey_rate`` of order lines get a 0-10 answer
#: ``survey_lag_days`` after the order; a cross-sold line (its category is not the top-revenue
#: category of the customer's first order) answers from ``nps_class_shares["cross_sold"]``, the
#: others from ``["other"]`` (scores uniform within promoter 9-10, passive 7-8, detractor 0-6).
#: Returns are not made to differ (the returns table draws by category only).
PLANTED_FEEDBACK = {
    "opt_out_window_days": 60,
    "p_opt_out_control": 0.01,
    "p_opt_out_first_offer": 0.03,
    "p_opt_out_per_earlier_offer": 0.06,
    "opt_out_multiplier_after_support": 2.5,
    "support_lookback_days": 90,
    "complaint_share": 0.25,
    "purchase_survey_rate": 0.25,
    "survey_lag_days": [7, 30],
    "nps_class_shares": {
        "cross_sold": {"promoter": 0.40, "passive": 0.35, "detractor": 0.25},
        "other": {"promoter": 0.50, "passive": 0.35, "detractor": 0.15},
    },
}
#: Referrals (truth section ``referrals``), from their own stream (``[seed, 8]``): each referral
#: event (marketing_events) brought one customer acquired through the ``referral`` channel who
#: signed up in the ``window_days`` after it (chosen at random among those not yet linked); an
#: event with none brought nobody we can name, and the other referral-channel customers have no
#: known referrer.
PLANTED_REFERRALS = {"window_days": 90}
PLANTED["feedback"] = PLANTED_FEEDBACK
PLANTED["referrals"] = PLANTED_REFERRALS
# --- business accounts ----------------------------------------------------

#: Business accounts (truth section ``accounts``): frequent small-business buyers served by a
#: rep; (at most ``n_accounts``: fewer in a small company) each key person is reached with the probability of their role (decision makers in
#: finance and IT are the hard ones to reach, as in Miller & Heiman's strategic selling).
PLANTED_ACCOUNTS = {
    "segment": "small_business",
    "min_orders": 3,
    "n_accounts": 48,
    "max_users": 3,
    "reps": ["Alex Moreau", "Bea Lindqvist", "Chidi Okafor", "Dana Weiss"],
    "reach_probability": {"buyer": 0.85, "user": 0.7, "finance": 0.35, "IT": 0.25},
}
PLANTED["accounts"] = PLANTED_ACCOUNTS

# --- the uplift campaign: one large randomised e-mail offer with the four kinds of customer ----

#: Buying probability without and with an offer, by kind of customer (Radcliffe & Surry 2011):
#: the rates of the uplift campaign and of :func:`xsell_lab.synth.simulate_uplift_test`.
KIND_RATES = {
    "persuadable": (0.05, 0.35),
    "sure thing": (0.55, 0.55),
    "lost cause": (0.02, 0.02),
    "do-not-disturb": (0.30, 0.10),
}
#: The uplift campaign (truth section ``uplift_campaign``), from its own random stream
#: (``[seed, 15]``) so that every other table stays the same: ``days_before_end`` days before
#: the end date, every consenting customer with an earlier order, who has not opted out and owns
#: nothing of the offered product's category, is randomised to the ``arms`` (shares) of
#: experiment ``experiment_id``; the offer arm gets an e-mail offering ``product_id`` at
#: ``discount`` off the list price. Each customer is of one kind (Radcliffe & Surry 2011),
#: decided in this order by what the analyst can see: ``sure_thing_segment`` customers buy the
#: service anyway (sure things); other customers who prefer a ``do_not_disturb_channels``
#: channel are put off by a sales e-mail (do-not-disturbs); other customers who prefer a
#: ``digital_channels`` channel are persuadables; the rest are lost causes. A customer buys in
#: the response window with the kind's rate without / with the offer (:data:`KIND_RATES`). A
#: control buyer pays the list price, an offer-arm buyer the discounted one. Opt-outs after the
#: e-mail follow the feedback section's law, the campaign's e-mail counted after every earlier offer.
PLANTED_UPLIFT_CAMPAIGN = {
    "experiment_id": "EXP-TECH-CARE",
    "product_id": "TC-BAS",
    "days_before_end": RESPONSE_WINDOW_DAYS,
    "discount": 0.20,
    "arms": {"control": {"channel": "none", "share": 0.5}, "discount_email": {"channel": "email", "share": 0.5}},
    "sure_thing_segment": "small_business",
    "do_not_disturb_channels": ["phone"],
    "digital_channels": ["web", "app"],
}
PLANTED["uplift_campaign"] = PLANTED_UPLIFT_CAMPAIGN
