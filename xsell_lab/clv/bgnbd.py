"""BG/NBD: how many times a customer will buy again, and whether they are still a customer.

While "alive", a customer buys at a Poisson rate lambda (gamma(r, alpha)
across customers); after each purchase they leave with probability p
(beta(a, b) across customers). Leaving is never observed, so the model
infers it from the RFM summary: frequency x, recency t_x and age T.

Equations cited below are from Fader, Hardie & Lee (2005).

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your
customers" the easy way: an alternative to the Pareto/NBD model.
*Marketing Science* 24(2), 275-284.
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2008). Computing P(alive)
using the BG/NBD model. Note, http://brucehardie.com/notes/021/.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from xsell_lab.clv._mle import covariance, distinct_rows, dot, maximise
from xsell_lab.clv.rfm import validate_rfm
from xsell_lab.stats.estimator import Estimator, requires_fit, wald_table

PARAM_NAMES = ["r", "alpha", "a", "b"]

_HINT = (
    "Check the RFM table (the model needs a fair share of customers with repeat purchases, "
    "and recency and T in a time unit where purchases are a few per unit or fewer, e.g. weeks)."
)


class BetaGeoModel(Estimator):
    """The BG/NBD repeat-purchase model, fitted by maximum likelihood.

    Parameters
    ----------
    initial_params : dict, optional
        Starting values ``{"r", "alpha", "a", "b"}``; by default 1 for each
        (``alpha`` on a time scale where the oldest customer has T = 10).
    max_iter : int, default 1000
        Maximum optimizer iterations.

    Attributes
    ----------
    params_ : pandas.Series
        Estimates of ``r``, ``alpha`` (in the RFM table's time unit), ``a``, ``b``.
    covariance_ : pandas.DataFrame
        Their covariance (inverse observed information).
    log_likelihood_ : float
        Maximised log-likelihood (sum over customers).
    n_customers_ : int
        Customers (total weight) the model was fitted on.
    n_rows_ : int
        Rows of the RFM table the model was fitted on.

    Notes
    -----
    Follows the package's estimator protocol (:mod:`xsell_lab.stats.estimator`): the
    methods below raise :class:`~xsell_lab.exceptions.NotFittedError` before :meth:`fit`,
    and the ``repr`` shows the four estimates.

    The per-customer methods return one value per row of the RFM table they are
    given, as a Series named after the value and aligned to the table's rows (same
    index), so it joins the table's ``customer_id`` column with ``assign``. They do
    not need a ``customer_id`` column: a grid of (frequency, recency, T) works too.

    Examples
    --------
    >>> model = BetaGeoModel().fit(rfm)                                     # doctest: +SKIP
    >>> rfm.assign(p_alive=model.conditional_probability_alive(rfm))        # doctest: +SKIP
    """

    _fit_call = "fit(rfm)"

    def __init__(self, initial_params: dict[str, float] | None = None, max_iter: int = 1000):
        self.initial_params = initial_params
        self.max_iter = max_iter

    def fit(self, rfm: pd.DataFrame, weights: pd.Series | np.ndarray | None = None) -> BetaGeoModel:
        """Estimate r, alpha, a, b from an RFM table (eq. 6 of the paper).

        Parameters
        ----------
        rfm : pandas.DataFrame
            Columns ``frequency``, ``recency``, ``T`` (see
            :func:`xsell_lab.clv.rfm_summary`). Customers first seen on the
            cut-off day (T = 0) carry no information and add 0 to the
            log-likelihood.
        weights : array-like, optional
            Number of customers each row stands for (default 1). Rows with the same
            ``frequency``, ``recency`` and ``T`` are merged first (weights summed),
            so the likelihood is evaluated once per distinct row: the same estimate,
            computed in time proportional to the distinct rows.

        Returns
        -------
        BetaGeoModel
            self, fitted.

        Raises
        ------
        DataValidationError
            For an invalid RFM table (e.g. recency > T).
        ValueError
            When no customer made a repeat purchase (nothing to fit).
        ConvergenceError
            When the likelihood has no interior maximum or the optimizer fails.
        """
        validate_rfm(rfm)
        x, t_x, big_t = _rfm_arrays(rfm)
        w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype="float64")
        if not (x > 0).any():
            raise ValueError(
                f"table 'rfm', column 'frequency': all {len(x):,} customers have frequency 0 "
                "(no repeat purchase), so the BG/NBD cannot tell buying from leaving. "
                "Use a longer observation period."
            )
        (x, t_x, big_t), w = distinct_rows([x, t_x, big_t], w)
        scale = 10.0 / big_t.max() if big_t.max() > 0 else 1.0
        scaled = _LogLikelihood(x, t_x * scale, big_t * scale, w)
        start = np.array([1.0, 1.0, 1.0, 1.0])
        if self.initial_params is not None:
            start = np.array([self.initial_params[n] for n in PARAM_NAMES], dtype="float64")
            start[1] *= scale
        estimate = maximise(
            scaled.mean_negative, start, names=PARAM_NAMES, model="BG/NBD", max_iter=self.max_iter, hint=_HINT
        )
        estimate[1] /= scale
        original = _LogLikelihood(x, t_x, big_t, w)
        self.params_ = pd.Series(estimate, index=PARAM_NAMES, name="estimate")
        self.covariance_ = covariance(original.total_negative, estimate, PARAM_NAMES)
        self.log_likelihood_ = -float(original.total_negative(estimate)[0])
        self.n_customers_ = int(round(w.sum()))
        self.n_rows_ = len(rfm)
        return self

    def _parameters(self) -> pd.Series:
        return self.params_

    def _summary(self, confidence: float) -> pd.DataFrame:
        """Estimates with standard errors (inverse observed information) and Wald intervals.

        Indexed by ``parameter`` (``r, alpha, a, b``); columns ``estimate``,
        ``std_error``, ``ci_low``, ``ci_high``. No ``p_value``: every parameter is
        positive by definition, so "is it zero?" is no question to test.
        """
        return wald_table(self.params_, pd.Series(np.sqrt(np.diag(self.covariance_)), index=PARAM_NAMES), confidence)

    @requires_fit
    def conditional_probability_alive(self, rfm: pd.DataFrame) -> pd.Series:
        """P(alive | x, t_x, T): the chance each customer has not left (FHL 2008 note, eq. 2).

        ``1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))``;
        1 for customers without repeat purchases (in the BG/NBD one can only
        leave right after a purchase).

        Parameters
        ----------
        rfm : pandas.DataFrame
            Columns ``frequency``, ``recency``, ``T`` (e.g. :func:`xsell_lab.clv.rfm_summary`).

        Returns
        -------
        pandas.Series
            Named ``p_alive``, one value per row of ``rfm``, with its index.
        """
        validate_rfm(rfm)
        x, t_x, big_t = _rfm_arrays(rfm)
        return pd.Series(_p_alive(self.params_.to_numpy(), x, t_x, big_t), index=rfm.index, name="p_alive")

    @requires_fit
    def conditional_expected_purchases(self, t: float, rfm: pd.DataFrame) -> pd.Series:
        """Expected purchases in the next ``t`` time units, given each customer's history (eq. 10).

        Parameters
        ----------
        t : float
            Length of the future period, in the RFM table's time unit.
        rfm : pandas.DataFrame
            Columns ``frequency``, ``recency``, ``T``.

        Returns
        -------
        pandas.Series
            Named ``expected_purchases``, one value per row of ``rfm``, with its index.
        """
        validate_rfm(rfm)
        x, t_x, big_t = _rfm_arrays(rfm)
        r, alpha, a, b = self.params_.to_numpy()
        horizon = alpha + big_t + t
        bracket = 1 - ((alpha + big_t) / horizon) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / horizon)
        expected = (a + b + x - 1) / (a - 1) * bracket * _p_alive(self.params_.to_numpy(), x, t_x, big_t)
        return pd.Series(expected, index=rfm.index, name="expected_purchases")

    @requires_fit
    def expected_purchases(self, t: np.ndarray | float) -> np.ndarray:
        """Expected repeat purchases of a new customer in (0, t] (eq. 9), unconditional.

        Parameters
        ----------
        t : float or numpy.ndarray
            Time since the first purchase, in the RFM table's time unit.

        Returns
        -------
        numpy.ndarray
            E[X(t)], same shape as ``t``.
        """
        r, alpha, a, b = self.params_.to_numpy()
        t = np.asarray(t, dtype="float64")
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))


class _LogLikelihood:
    """The BG/NBD log-likelihood (eq. 6) and its analytic gradient.

    Every term that depends only on the integer frequency x is computed once
    per distinct x and weighted by its count; only the terms in t_x and T are
    computed per customer.
    """

    def __init__(self, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, weights: np.ndarray):
        self.x_values, inverse = np.unique(x, return_inverse=True)
        self.x_weight = np.bincount(inverse, weights=weights)
        self.total_weight = weights.sum()
        self.wx = weights * x
        self.weights, self.big_t = weights, big_t
        repeat = x > 0
        self.rep_x, self.rep_t_x, self.rep_t = x[repeat], t_x[repeat], big_t[repeat]
        self.rep_w = weights[repeat]

    def total_negative(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = params
        u, n = self.x_values, self.x_weight
        # Terms that depend on x only, summed with the count of each x.
        value = n @ (gammaln(r + u) + betaln(a, b + u)) + self.total_weight * (
            -gammaln(r) + r * np.log(alpha) - betaln(a, b)
        )
        d_r = n @ digamma(r + u) + self.total_weight * (np.log(alpha) - digamma(r))
        d_alpha = self.total_weight * r / alpha
        d_a = n @ (digamma(a + b) - digamma(a + b + u))
        d_b = n @ (digamma(b + u) - digamma(a + b + u) + digamma(a + b) - digamma(b))
        # -(r + x) ln(alpha + T) for every customer.
        log_t = np.log(alpha + self.big_t)
        w_log_t = dot(self.weights, log_t)
        value -= r * w_log_t + dot(self.wx, log_t)
        d_r -= w_log_t
        inverse_t = 1 / (alpha + self.big_t)
        d_alpha -= r * dot(self.weights, inverse_t) + dot(self.wx, inverse_t)
        # + ln(1 + c) for repeat buyers, c = a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x).
        x, w = self.rep_x, self.rep_w
        log_ratio = np.log((alpha + self.rep_t) / (alpha + self.rep_t_x))
        log_c = np.log(a / (b + x - 1)) + (r + x) * log_ratio
        softplus, rho = _softplus_and_sigmoid(log_c)
        value += dot(w, softplus)
        rho *= w
        d_r += dot(rho, log_ratio)
        d_alpha += dot(rho, (r + x) * (1 / (alpha + self.rep_t) - 1 / (alpha + self.rep_t_x)))
        d_a += rho.sum() / a
        d_b -= dot(rho, 1 / (b + x - 1))
        return -value, -np.array([d_r, d_alpha, d_a, d_b])

    def mean_negative(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = self.total_negative(params)
        return value / self.total_weight, gradient / self.total_weight


def _softplus_and_sigmoid(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``ln(1 + e^z)`` and ``1 / (1 + e^-z)`` without overflow, sharing one ``exp``."""
    small = np.exp(-np.abs(z))
    softplus = np.maximum(z, 0.0) + np.log1p(small)
    sigmoid = np.where(z >= 0, 1.0, small) / (1.0 + small)
    return softplus, sigmoid


def _rfm_arrays(rfm: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(rfm[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))


def _p_alive(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
    r, alpha, a, b = params
    repeat = x > 0
    log_c = np.full(len(x), -np.inf)
    log_c[repeat] = np.log(a / (b + x[repeat] - 1)) + (r + x[repeat]) * (
        np.log(alpha + big_t[repeat]) - np.log(alpha + t_x[repeat])
    )
    return expit(-log_c)


__all__ = ["BetaGeoModel", "PARAM_NAMES"]
