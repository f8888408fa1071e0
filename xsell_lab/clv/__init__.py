"""Customer lifetime value: RFM, BG/NBD, Gamma-Gamma, profitability and churn risk.

Modules
-------
rfm
    Frequency, recency, T and monetary value from purchase lines.
bgnbd
    :class:`BetaGeoModel`, the BG/NBD repeat-purchase model.
gamma_gamma
    :class:`GammaGammaModel`, the Gamma-Gamma spend model.
"""

from xsell_lab.clv._mle import ConvergenceError
from xsell_lab.clv.bgnbd import BetaGeoModel
from xsell_lab.clv.gamma_gamma import GammaGammaModel
from xsell_lab.clv.rfm import RFM_COLUMNS, calibration_holdout_summary, rfm_summary, validate_rfm

__all__ = [
    "BetaGeoModel",
    "ConvergenceError",
    "GammaGammaModel",
    "RFM_COLUMNS",
    "calibration_holdout_summary",
    "rfm_summary",
    "validate_rfm",
]
