"""Modules split into subpackages in 0.2 still export every public name they had.

Each list is the public names of the module before the split (``git show 50d6910:xsell_lab/<name>.py``),
including names it imported that callers may have used. The statement a notebook or user wrote,
``from xsell_lab.<package> import <name>``, must still give the same object.
"""

from __future__ import annotations

import importlib

import pytest


#: Public names of each module before it became a subpackage.
NAMES_BEFORE_THE_SPLIT = {
    "xsell_lab.experiments": [
        "AUTOMATIC", "CONVERSION_COLUMNS", "CORRECTIONS", "DataValidationError", "Problem", "RANKINGS",
        "SRM_GRADES", "SampleRatioMismatchWarning", "check_experiments", "choose_experiment", "cohens_h",
        "compare_conversion", "compare_revenue", "cuped_comparison", "experiment_overview",
        "newcombe_interval", "peeking_simulation", "pooled_z_test", "power_two_proportions",
        "pre_period_spend", "sample_ratio_mismatch", "sample_size_two_proportions", "segment_effects",
        "srm_grade", "wilson_interval",
    ],
    "xsell_lab.pricing": [
        "BUNDLE_COLUMNS", "DataValidationError", "ELASTICITY_COLUMNS", "Estimator", "MARKDOWN_COLUMNS",
        "PRICE_RESPONSE_COLUMNS", "PriceElasticityModel", "Problem", "bundle_what_if", "check_confidence",
        "choose_focus_product", "choose_pair", "choose_price_pair", "confidence_from_alpha",
        "markdown_what_if", "optimal_price", "optimal_prices", "pooled_own_elasticity", "price_elasticities",
        "price_response", "require_columns", "requires_fit",
    ],
    "xsell_lab.synth": [
        "ACQUISITION_MIX", "ADDON_PROBABILITIES", "ANCHOR_MIX", "ATTACH_PROBABILITIES", "BGNBD_PARAMS",
        "CATALOGUE", "CONSUMABLE_CATEGORIES", "Company", "DEFAULT_END", "DEFAULT_N_CUSTOMERS", "DEFAULT_SEED",
        "DEFAULT_START", "EXPERIMENTS", "EXTRA_UNITS", "FUNNEL_HORIZON_DAYS", "HARDWARE_CATEGORIES",
        "LIST_PRICE_CHANGES", "LIST_PRICE_FACTORS", "LOYALTY_MIN_ORDERS", "MARKETING_CONSENT_RATE",
        "MATCHING_TIER_WEIGHT", "MEAN_LAG_AWARENESS_TO_CONSIDERATION_DAYS",
        "MEAN_LAG_CONSIDERATION_TO_PURCHASE_DAYS", "MEAN_RETURN_LAG_DAYS", "MEAN_SITE_VISITS",
        "MONTH_WEIGHTS", "NEXT_PURCHASE", "NPS_DISTRIBUTION", "PREFERRED_CHANNEL_MIX", "PROMOTER_MIN_NPS",
        "PROMOTION_DISCOUNT_RANGE", "PROMOTION_LIFT", "PROMOTION_PROBABILITY",
        "P_CONSIDERATION_GIVEN_AWARENESS", "P_ORDER_IN_PREFERRED_CHANNEL", "P_PURCHASE_GIVEN_CONSIDERATION",
        "P_REFERRAL_LOYAL_OTHER", "P_REFERRAL_LOYAL_PROMOTER", "P_REFERRAL_NONLOYAL_BUYER", "REGION_MIX",
        "RESPONSE_WINDOW_DAYS", "RETURN_RATES", "RETURN_REASONS", "SEASONALITY", "SEGMENT_MIX",
        "SUPPORT_RATES", "SURVEY_RESPONSE_RATE", "TIER_MIX", "WARRANTY_FOR", "WEEKLY_DEMAND",
        "WEEKLY_NOISE_SD", "generate_company", "main", "simulate_repeat_purchases", "write_company",
        "write_ground_truth",
    ],
}


CASES = [(package, name) for package, names in NAMES_BEFORE_THE_SPLIT.items() for name in names]


@pytest.mark.parametrize("package, name", CASES, ids=[f"{package}.{name}" for package, name in CASES])
def test_every_name_of_the_old_module_is_importable_from_the_package(package, name):
    namespace: dict = {}
    exec(f"from {package} import {name}", namespace)  # the statement a notebook or user wrote
    module = importlib.import_module(package)
    assert namespace[name] is getattr(module, name)
    assert name in module.__all__


@pytest.mark.parametrize("package", NAMES_BEFORE_THE_SPLIT)
def test_the_package_exports_nothing_it_does_not_have(package):
    module = importlib.import_module(package)
    assert sorted(set(module.__all__)) == sorted(module.__all__)
    assert [name for name in module.__all__ if not hasattr(module, name)] == []
