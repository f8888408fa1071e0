"""Gamma-Gamma: how much a customer spends per purchase.

Each purchase's spend is gamma(p, nu) around the customer's own mean; nu is
gamma(q, gamma) across customers. Given x repeat purchases with mean spend
m_x, the model shrinks m_x towards the population mean, the more so the
fewer purchases there are. It assumes spend per purchase is independent of
how often a customer buys; check that the correlation between
``frequency`` and ``monetary_value`` is small before relying on it.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using
iso-value curves for customer base analysis. *Journal of Marketing
Research* 42(4), 415-430 (appendix, eq. A1 and eq. 5).
Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary
value. Note, http://brucehardie.com/notes/025/ (CDNOW estimates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from xsell_lab.clv._customers import customer_label
from xsell_lab.clv._mle import covariance, distinct_rows, dot, maximise
from xsell_lab.data.validation import DataValidationError, Problem, require_columns
from xsell_lab.stats.estimator import Estimator, requires_fit, wald_table

PARAM_NAMES = ["p", "q", "gamma"]

_HINT = (
    "Check monetary_value (mean spend per repeat purchase, in one currency, without outliers "
    "such as wholesale orders) and that enough customers have repeat purchases. If q and gamma "
    "run off to infinity together, customers' average spend differs no more than chance would "
    "make it: give customer_lifetime_value the average spend per purchase (a number) instead."
)


class GammaGammaModel(Estimator):
    """The Gamma-Gamma spend model, fitted by maximum likelihood.

    Parameters
    ----------
    initial_params : dict, optional
        Starting values ``{"p", "q", "gamma"}``; by default ``p = q = 1``
        and ``gamma`` = the mean spend.
    max_iter : int, default 1000
        Maximum optimizer iterations.

    Attributes
    ----------
    params_ : pandas.Series
        Estimates of ``p``, ``q``, ``gamma``.
    covariance_ : pandas.DataFrame
        Their covariance (inverse observed information).
    log_likelihood_ : float
        Maximised log-likelihood.
    n_customers_ : int
        Customers with repeat purchases the model was fitted on.
    n_excluded_ : int
        Customers left out because they have no repeat purchase (frequency 0).
    n_rows_ : int
        Rows of the RFM table given to :meth:`fit` (``n_customers_ + n_excluded_``).

    Notes
    -----
    Follows the package's estimator protocol (:mod:`xsell_lab.stats.estimator`): the
    methods below raise :class:`~xsell_lab.exceptions.NotFittedError` before :meth:`fit`,
    and the ``repr`` shows the three estimates.
    """

    _fit_call = "fit(rfm)"

    def __init__(self, initial_params: dict[str, float] | None = None, max_iter: int = 1000):
        self.initial_params = initial_params
        self.max_iter = max_iter

    def fit(self, rfm: pd.DataFrame) -> GammaGammaModel:
        """Estimate p, q, gamma from frequency and monetary value (eq. A1).

        Parameters
        ----------
        rfm : pandas.DataFrame
            Columns ``frequency`` and ``monetary_value`` (mean spend per
            repeat purchase). Customers with frequency 0 have no repeat spend
            and are left out (counted in ``n_excluded_``).

        Returns
        -------
        GammaGammaModel
            self, fitted.

        Raises
        ------
        DataValidationError
            Missing columns, or repeat buyers with a monetary value <= 0 or
            not a number (the model is for positive spend).
        ValueError
            When no customer has a repeat purchase.
        ConvergenceError
            When the optimizer fails.
        """
        x, m_x = _repeat_buyers(rfm)
        if len(x) == 0:
            raise ValueError(
                f"table 'rfm', column 'frequency': none of the {len(rfm):,} customers has a repeat "
                "purchase, so there is no repeat spend to fit the Gamma-Gamma model on."
            )
        scale = 1.0 / m_x.mean()
        (x, m_x), weights = distinct_rows([x, m_x], np.ones(len(x)))
        scaled = _LogLikelihood(x, m_x * scale, weights)
        start = np.array([1.0, 1.0, 1.0])
        if self.initial_params is not None:
            start = np.array([self.initial_params[n] for n in PARAM_NAMES], dtype="float64")
            start[2] *= scale
        estimate = maximise(
            scaled.mean_negative, start, names=PARAM_NAMES, model="Gamma-Gamma", max_iter=self.max_iter, hint=_HINT
        )
        estimate[2] /= scale
        original = _LogLikelihood(x, m_x, weights)
        self.params_ = pd.Series(estimate, index=PARAM_NAMES, name="estimate")
        self.covariance_ = covariance(original.total_negative, estimate, PARAM_NAMES)
        self.log_likelihood_ = -float(original.total_negative(estimate)[0])
        self.n_customers_ = int(round(weights.sum()))
        self.n_excluded_ = len(rfm) - self.n_customers_
        self.n_rows_ = len(rfm)
        return self

    def _parameters(self) -> pd.Series:
        return self.params_

    def _summary(self, confidence: float) -> pd.DataFrame:
        """Estimates with standard errors (inverse observed information) and Wald intervals.

        Indexed by ``parameter`` (``p, q, gamma``); columns ``estimate``,
        ``std_error``, ``ci_low``, ``ci_high``; no ``p_value`` (the parameters are
        positive by definition).
        """
        return wald_table(self.params_, pd.Series(np.sqrt(np.diag(self.covariance_)), index=PARAM_NAMES), confidence)

    @requires_fit
    def conditional_expected_spend(self, rfm: pd.DataFrame) -> pd.Series:
        """Expected spend per future purchase given each customer's history (eq. 5).

        ``(gamma + x m_x) p / (p x + q - 1)``: a weighted average of the
        population mean ``p gamma / (q - 1)`` and the customer's own mean
        ``m_x``; customers without repeat purchases get the population mean.

        Parameters
        ----------
        rfm : pandas.DataFrame
            Columns ``frequency`` and ``monetary_value`` (e.g. :func:`xsell_lab.clv.rfm_summary`).

        Returns
        -------
        pandas.Series
            Named ``expected_spend``, one value per row of ``rfm``, with its index
            (like :meth:`BetaGeoModel.conditional_probability_alive`).
        """
        p, q, gamma = self.params_.to_numpy()
        x = rfm["frequency"].to_numpy(dtype="float64")
        m_x = np.where(x > 0, rfm["monetary_value"].to_numpy(dtype="float64"), 0.0)
        return pd.Series((gamma + x * m_x) * p / (p * x + q - 1), index=rfm.index, name="expected_spend")

    @requires_fit
    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, ``p gamma / (q - 1)`` (needs q > 1)."""
        p, q, gamma = self.params_.to_numpy()
        return float(p * gamma / (q - 1)) if q > 1 else float("inf")


class _LogLikelihood:
    """Log density of the mean repeat spend m_x given x (eq. A1) and its gradient.

    The gamma and digamma terms depend on the integer x only, so they are
    computed once per distinct x; per row there is one log and one division per
    evaluation. Each row stands for ``weights`` customers (identical rows merged
    by :func:`~xsell_lab.clv._mle.distinct_rows`).
    """

    def __init__(self, x: np.ndarray, m_x: np.ndarray, weights: np.ndarray):
        self.x_m = x * m_x
        self.weights, self.wx = weights, weights * x
        self.x_values, inverse = np.unique(x, return_inverse=True)
        self.x_count = np.bincount(inverse, weights=weights)
        self.log_m_sum = dot(weights, np.log(m_x))
        self.x_log_m_sum = dot(self.wx, np.log(m_x))
        self.total_weight = float(weights.sum())

    def total_negative(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, gamma = params
        u, n, size = self.x_values, self.x_count, self.total_weight
        pu = p * u
        log_total = np.log(gamma + self.x_m)
        x_log_total, log_total_sum = dot(self.wx, log_total), dot(self.weights, log_total)
        value = (
            n @ (gammaln(pu + q) - gammaln(pu) + pu * np.log(u))
            + p * self.x_log_m_sum - self.log_m_sum
            - p * x_log_total - q * log_total_sum
            + size * (q * np.log(gamma) - gammaln(q))
        )
        psi_sum = digamma(pu + q)
        d_p = (n * u) @ (psi_sum - digamma(pu) + np.log(u)) + self.x_log_m_sum - x_log_total
        d_q = n @ psi_sum - log_total_sum + size * (np.log(gamma) - digamma(q))
        inverse_total = 1 / (gamma + self.x_m)
        d_gamma = size * q / gamma - p * dot(self.wx, inverse_total) - q * dot(self.weights, inverse_total)
        return -value, -np.array([d_p, d_q, d_gamma])

    def mean_negative(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = self.total_negative(params)
        return value / self.total_weight, gradient / self.total_weight


def _repeat_buyers(rfm: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    require_columns(rfm, ["frequency", "monetary_value"], "rfm", hint="Build the table with xsell_lab.clv.rfm_summary")
    x = rfm["frequency"].to_numpy(dtype="float64")
    m_x = rfm["monetary_value"].to_numpy(dtype="float64")
    repeat = x > 0
    bad = repeat & ~(m_x > 0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            [Problem(
                "rfm", "monetary_value", "of customers with repeat purchases are <= 0 or empty",
                int(bad.sum()), f"{float(m_x[position])!r} (customer {customer_label(rfm, position)!r})",
                "The Gamma-Gamma model needs positive spend: net returns against their purchases "
                "or drop these customers",
            )]
        )
    return x[repeat], m_x[repeat]


__all__ = ["GammaGammaModel", "PARAM_NAMES"]
