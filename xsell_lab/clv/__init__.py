"""Customer lifetime value: RFM, BG/NBD, Gamma-Gamma, profitability and churn risk.

Modules
-------
rfm
    Frequency, recency, T and monetary value from purchase lines.
bgnbd, gamma_gamma
    :class:`BetaGeoModel` (repeat purchases) and :class:`GammaGammaModel` (spend).
diagnostics
    Calibration/holdout checks of the BG/NBD.
value
    Discounted CLV with margin.
margin
    Kept until 0.3: the assumed-margin helpers now live in :mod:`xsell_lab.data.margins`.
historical
    The historical CLV formula and cohort curves.
profitability
    Profit per customer after margins, returns and contact costs; profit concentration.
cross_sell_value
    Cross-sold vs single-category customers, naive and matched.
churn
    Churn risk ranked by CLV at risk (P(alive), or the chance of buying for
    everyone, one-time buyers included), and a retention-offer list with guardrails.
"""

from xsell_lab.clv._mle import ConvergenceError
from xsell_lab.clv.bgnbd import BetaGeoModel
from xsell_lab.clv.churn import at_last_purchase, churn_risk, purchase_probability, retention_offer_list, silence_risk
from xsell_lab.clv.cross_sell_value import MIN_GROUP_CUSTOMERS, cross_sell_followup, early_cross_sell_status, matched_comparison
from xsell_lab.clv.diagnostics import bgnbd_fit_problems, cumulative_repeat_purchases, holdout_by_frequency, holdout_purchase_shares
from xsell_lab.clv.gamma_gamma import GammaGammaModel
from xsell_lab.clv.historical import LIFESPAN_COLUMNS, cohort_curves, historical_clv, horizon_months, lifespan_estimate
from xsell_lab.data.margins import MARGIN_SOURCES, margin_known, margin_statement, with_assumed_margin
from xsell_lab.clv.profitability import ContactCosts, customer_profitability, profit_concentration
from xsell_lab.clv.rfm import (
    RFM_COLUMNS,
    calibration_end_date,
    calibration_holdout_summary,
    purchase_days,
    rfm_summary,
    rfm_summary_parquet,
    validate_rfm,
)
from xsell_lab.clv.value import customer_lifetime_value

__all__ = [
    "LIFESPAN_COLUMNS",
    "MIN_GROUP_CUSTOMERS",
    "MARGIN_SOURCES",
    "bgnbd_fit_problems",
    "horizon_months",
    "lifespan_estimate",
    "margin_known",
    "margin_statement",
    "with_assumed_margin",
    "BetaGeoModel",
    "ContactCosts",
    "ConvergenceError",
    "GammaGammaModel",
    "RFM_COLUMNS",
    "calibration_end_date",
    "calibration_holdout_summary",
    "at_last_purchase",
    "churn_risk",
    "cohort_curves",
    "cumulative_repeat_purchases",
    "customer_lifetime_value",
    "customer_profitability",
    "cross_sell_followup",
    "early_cross_sell_status",
    "historical_clv",
    "holdout_by_frequency",
    "holdout_purchase_shares",
    "matched_comparison",
    "profit_concentration",
    "purchase_probability",
    "purchase_days",
    "retention_offer_list",
    "rfm_summary",
    "rfm_summary_parquet",
    "silence_risk",
    "validate_rfm",
]
