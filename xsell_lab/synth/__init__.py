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
* offers: three randomised experiments with planted conversion rates per arm, and an
  uplift campaign whose customers are persuadables, sure things, lost causes or do-not-disturbs;
* returns, NPS surveys, support contacts;
* weekly all-channel sales of ten focal products with planted own- and
  cross-price elasticities (log-log demand).

:func:`simulate_repeat_purchases` is the exact BG/NBD + Gamma-Gamma simulator
used as planted truth by the CLV tests; :func:`simulate_uplift_test` is a randomised
offer test with persuadables, sure things, lost causes and do-not-disturbs planted, the truth
of the uplift tests.

All randomness comes from one :class:`numpy.random.Generator` seeded by the
caller; the same seed gives the same tables value for value.

Run ``python -m xsell_lab.synth --out data [--seed 14]`` to write the tables
(Parquet) and ``ground_truth.json``.

One module per concern; every public name is importable from ``xsell_lab.synth``:

The world (:mod:`~xsell_lab.synth.world`)
    Every planted constant, defined once: the catalogue, the customers' mixes, the
    funnel, the basket mechanism, the experiments, the weekly demand.
The simulation, stage by stage
    :mod:`~xsell_lab.synth.products` (the products table and its roles),
    :mod:`~xsell_lab.synth.customers` (customers and their funnel),
    :mod:`~xsell_lab.synth.repeat_purchases` (exact BG/NBD + Gamma-Gamma),
    :mod:`~xsell_lab.synth.orders` (order times, channels, baskets, prices paid),
    :mod:`~xsell_lab.synth.weekly_sales`, :mod:`~xsell_lab.synth.events` (marketing
    events, support, referrals), :mod:`~xsell_lab.synth.aftersales` (returns, surveys),
    :mod:`~xsell_lab.synth.offers` (the experiments), and
    :mod:`~xsell_lab.synth.company` (:func:`generate_company`, all stages in order).
The truth (:mod:`~xsell_lab.synth.truth`)
    ``ground_truth.json``: the world's planted groups as they are, with what they imply.
The command line (:mod:`~xsell_lab.synth.cli`)
    ``python -m xsell_lab.synth``.

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

from xsell_lab.data.company import Company
from xsell_lab.data.io import write_company
from xsell_lab.synth.cli import main
from xsell_lab.synth.company import generate_company
from xsell_lab.synth.repeat_purchases import simulate_repeat_purchases
from xsell_lab.synth.truth import write_ground_truth
from xsell_lab.synth.uplift_test import campaign_truth, simulate_uplift_test
from xsell_lab.synth.world import (
    ACQUISITION_MIX,
    ADDON_PROBABILITIES,
    ANCHOR_MIX,
    ATTACH_PROBABILITIES,
    BGNBD_PARAMS,
    CATALOGUE,
    CONSUMABLE_CATEGORIES,
    DEFAULT_END,
    DEFAULT_N_CUSTOMERS,
    DEFAULT_SEED,
    DEFAULT_START,
    EXPERIMENTS,
    EXTRA_UNITS,
    FUNNEL_HORIZON_DAYS,
    HARDWARE_CATEGORIES,
    LIST_PRICE_CHANGES,
    LIST_PRICE_FACTORS,
    LOYALTY_MIN_ORDERS,
    MARKETING_CONSENT_RATE,
    MATCHING_TIER_WEIGHT,
    MEAN_LAG_AWARENESS_TO_CONSIDERATION_DAYS,
    MEAN_LAG_CONSIDERATION_TO_PURCHASE_DAYS,
    MEAN_RETURN_LAG_DAYS,
    MEAN_SITE_VISITS,
    MONTH_WEIGHTS,
    NEXT_PURCHASE,
    NPS_DISTRIBUTION,
    P_CONSIDERATION_GIVEN_AWARENESS,
    P_ORDER_IN_PREFERRED_CHANNEL,
    P_PURCHASE_GIVEN_CONSIDERATION,
    P_REFERRAL_LOYAL_OTHER,
    P_REFERRAL_LOYAL_PROMOTER,
    P_REFERRAL_NONLOYAL_BUYER,
    PLANTED,
    PLANTED_BASKETS,
    PLANTED_CUSTOMERS,
    PLANTED_FUNNEL,
    PLANTED_LIFECYCLE,
    PLANTED_RETURNS,
    PLANTED_SURVEYS,
    PLANTED_WEEKLY_SALES,
    PREFERRED_CHANNEL_MIX,
    PROMOTER_MIN_NPS,
    PROMOTION_DISCOUNT_RANGE,
    PROMOTION_LIFT,
    PROMOTION_PROBABILITY,
    REGION_MIX,
    RESPONSE_WINDOW_DAYS,
    RETURN_QUANTITY,
    RETURN_RATES,
    RETURN_REASONS,
    SEASONALITY,
    SEGMENT_MIX,
    SUPPORT_RATES,
    SURVEY_RESPONSE_RATE,
    TIER_MIX,
    WARRANTY_FOR,
    WEEKLY_DEMAND,
    WEEKLY_NOISE_SD,
)

__all__ = [
    "ACQUISITION_MIX",
    "ADDON_PROBABILITIES",
    "ANCHOR_MIX",
    "ATTACH_PROBABILITIES",
    "BGNBD_PARAMS",
    "CATALOGUE",
    "CONSUMABLE_CATEGORIES",
    "DEFAULT_END",
    "DEFAULT_N_CUSTOMERS",
    "DEFAULT_SEED",
    "DEFAULT_START",
    "EXPERIMENTS",
    "EXTRA_UNITS",
    "FUNNEL_HORIZON_DAYS",
    "HARDWARE_CATEGORIES",
    "LIST_PRICE_CHANGES",
    "LIST_PRICE_FACTORS",
    "LOYALTY_MIN_ORDERS",
    "MARKETING_CONSENT_RATE",
    "MATCHING_TIER_WEIGHT",
    "MEAN_LAG_AWARENESS_TO_CONSIDERATION_DAYS",
    "MEAN_LAG_CONSIDERATION_TO_PURCHASE_DAYS",
    "MEAN_RETURN_LAG_DAYS",
    "MEAN_SITE_VISITS",
    "MONTH_WEIGHTS",
    "NEXT_PURCHASE",
    "NPS_DISTRIBUTION",
    "PLANTED",
    "PLANTED_BASKETS",
    "PLANTED_CUSTOMERS",
    "PLANTED_FUNNEL",
    "PLANTED_LIFECYCLE",
    "PLANTED_RETURNS",
    "PLANTED_SURVEYS",
    "PLANTED_WEEKLY_SALES",
    "PREFERRED_CHANNEL_MIX",
    "PROMOTER_MIN_NPS",
    "PROMOTION_DISCOUNT_RANGE",
    "PROMOTION_LIFT",
    "PROMOTION_PROBABILITY",
    "P_CONSIDERATION_GIVEN_AWARENESS",
    "P_ORDER_IN_PREFERRED_CHANNEL",
    "P_PURCHASE_GIVEN_CONSIDERATION",
    "P_REFERRAL_LOYAL_OTHER",
    "P_REFERRAL_LOYAL_PROMOTER",
    "P_REFERRAL_NONLOYAL_BUYER",
    "REGION_MIX",
    "RESPONSE_WINDOW_DAYS",
    "RETURN_QUANTITY",
    "RETURN_RATES",
    "RETURN_REASONS",
    "SEASONALITY",
    "SEGMENT_MIX",
    "SUPPORT_RATES",
    "SURVEY_RESPONSE_RATE",
    "TIER_MIX",
    "WARRANTY_FOR",
    "WEEKLY_DEMAND",
    "WEEKLY_NOISE_SD",
    "campaign_truth",
    "generate_company",
    "main",
    "simulate_repeat_purchases",
    "simulate_uplift_test",
    "write_ground_truth",
    # Imported by xsell_lab.synth before it became a package; kept importable from here.
    "Company",
    "write_company",
]
