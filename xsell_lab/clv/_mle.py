"""Maximum likelihood machinery shared by the BG/NBD and Gamma-Gamma models.

Parameters are optimised on the log scale (they are all positive) with
L-BFGS-B and an analytic gradient, then polished with a few Newton steps so
that the estimate is the maximum to near machine precision wherever the fit
runs: L-BFGS-B stops anywhere inside its tolerance, and where it stops
depends on the rounding of the machine's BLAS kernel (on a flat likelihood
such as Gamma-Gamma's, the 7th significant digit). Standard errors come from
the inverse of the observed information, a central-difference Hessian of the
analytic gradient at the estimate (on the natural scale).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import optimize
from xsell_lab.exceptions import ConvergenceError

#: Newton polish: at most this many steps, stopping when a step moves every
#: log-parameter by less than the tolerance.
_NEWTON_STEPS = 20
_NEWTON_TOLERANCE = 1e-13

#: log-parameters beyond this bound mean a parameter ran off to 0 or infinity.
_LOG_BOUND = 18.0

#: A line search that cannot improve further is accepted as converged when the
#: gradient (mean log-likelihood per customer, log-parameters) is this small.
_GRADIENT_TOLERANCE = 1e-6

GradientFunction = Callable[[np.ndarray], tuple[float, np.ndarray]]


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product of two long vectors without BLAS.

    ``np.einsum`` sums with SIMD in one thread; a BLAS ``ddot`` on a busy
    machine can be 100 times slower while its threads wait for cores.
    """
    return float(np.einsum("i,i->", a, b))


def distinct_rows(columns: list[np.ndarray], weights: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Rows with identical values in every column merged into one, their weights summed.

    A likelihood that is a weighted sum over customers is the same sum over distinct
    rows, each weighted by the customers it stands for; an RFM table computed from
    dates has few distinct ``(frequency, recency, T)`` rows, so the fit evaluates
    each of them once. Each column is coded by hashing (``pandas.factorize``), the
    codes are combined into one number per row, and rows are numbered by that number
    (counted when the numbers span a small range, hashed otherwise).

    Parameters
    ----------
    columns : list of numpy.ndarray
        Columns of equal length.
    weights : numpy.ndarray
        Weight of each row.

    Returns
    -------
    (list of numpy.ndarray, numpy.ndarray)
        The distinct rows' columns and their summed weights, in an order fixed by the data.
    """
    key, span = np.zeros(len(weights), dtype=np.int64), 1
    for column in columns:
        codes, uniques = pd.factorize(column)
        if span * len(uniques) >= 2**62:  # the combined number would overflow: renumber the rows so far
            key = pd.factorize(key)[0]
            span = int(key.max()) + 1
        key, span = key * len(uniques) + codes, span * len(uniques)
    if span <= 4 * len(key) + 1024:
        present = np.bincount(key, minlength=span) > 0
        group = (np.cumsum(present) - 1)[key]
    else:
        group = pd.factorize(key)[0]
    n_rows = int(group.max()) + 1 if len(group) else 0
    first = np.empty(n_rows, dtype=np.int64)
    first[group[::-1]] = np.arange(len(group) - 1, -1, -1)
    return [column[first] for column in columns], np.bincount(group, weights=weights, minlength=n_rows)


def maximise(
    neg_loglik: GradientFunction,
    start: np.ndarray,
    *,
    names: list[str],
    model: str,
    max_iter: int,
    hint: str,
) -> np.ndarray:
    """Minimise a mean negative log-likelihood over positive parameters.

    Parameters
    ----------
    neg_loglik : callable
        ``params -> (mean negative log-likelihood, gradient)`` on the natural scale.
    start : numpy.ndarray
        Starting values (> 0).
    names : list of str
        Parameter names, for messages.
    model : str
        Model name, for messages.
    max_iter : int
        Maximum optimizer iterations.
    hint : str
        Model-specific advice appended to the error message.

    Returns
    -------
    numpy.ndarray
        The estimate on the natural scale.

    Raises
    ------
    ConvergenceError
        When the optimizer stops without converging, or a parameter runs off
        to 0 or infinity (the likelihood has no interior maximum).
    """

    def on_log_scale(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        value, gradient = neg_loglik(params)
        return value, gradient * params

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # L-BFGS-B's BLAS calls are tiny: threads only wait
        result = optimize.minimize(
            on_log_scale,
            np.log(start),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-_LOG_BOUND, _LOG_BOUND)] * len(start),
            options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-9},
        )
    log_estimate = result.x
    if np.isfinite(result.fun) and np.all(np.abs(result.x) < _LOG_BOUND - 1e-6):
        log_estimate = newton_polish(on_log_scale, result.x)
    estimate = np.exp(log_estimate)
    at_bound = np.abs(result.x) >= _LOG_BOUND - 1e-6
    reason = ""
    if not np.isfinite(result.fun):
        reason = "the log-likelihood is not finite at the estimate"
    elif at_bound.any():
        ran_off = ", ".join(f"{n}={v:.3g}" for n, v, b in zip(names, estimate, at_bound) if b)
        reason = f"parameter(s) ran off to 0 or infinity ({ran_off})"
    elif not result.success and np.max(np.abs(on_log_scale(result.x)[1])) > _GRADIENT_TOLERANCE:
        reason = f"the optimizer stopped after {result.nit} iterations: {result.message}"
    if reason:
        shown = ", ".join(f"{n}={v:.4g}" for n, v in zip(names, estimate))
        raise ConvergenceError(
            f"The {model} fit did not converge: {reason}. Last values: {shown}. "
            f"What to try: {hint} Or pass other initial_params, or raise max_iter (now {max_iter})."
        )
    return estimate


def newton_polish(objective: GradientFunction, x: np.ndarray) -> np.ndarray:
    """Newton steps from a point near a minimum, to the minimum at machine precision.

    The Hessian is a central difference of the analytic gradient. A step is
    taken only while the Hessian is positive definite and the step shrinks the
    gradient; otherwise the last point is returned unchanged, so the polish
    can only improve on the optimizer's answer.

    Parameters
    ----------
    objective : callable
        ``x -> (value, gradient)``.
    x : numpy.ndarray
        A point near the minimum (the optimizer's answer).

    Returns
    -------
    numpy.ndarray
        The polished point.
    """
    gradient = objective(x)[1]
    for _ in range(_NEWTON_STEPS):
        hessian = _hessian(objective, x, np.full(len(x), 1e-5))
        try:
            np.linalg.cholesky(hessian)
        except np.linalg.LinAlgError:
            return x
        step = -np.linalg.solve(hessian, gradient)
        candidate = x + step
        candidate_gradient = objective(candidate)[1]
        if not np.all(np.isfinite(candidate_gradient)) or np.max(np.abs(candidate_gradient)) > np.max(np.abs(gradient)):
            return x
        x, gradient = candidate, candidate_gradient
        if np.max(np.abs(step)) < _NEWTON_TOLERANCE:
            break
    return x


def _hessian(objective: GradientFunction, x: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Symmetrised central difference of the analytic gradient, with the given step per coordinate."""
    k = len(x)
    hessian = np.empty((k, k))
    for j in range(k):
        up, down = x.copy(), x.copy()
        up[j] += steps[j]
        down[j] -= steps[j]
        hessian[:, j] = (objective(up)[1] - objective(down)[1]) / (2 * steps[j])
    return (hessian + hessian.T) / 2


def covariance(neg_loglik_total: GradientFunction, estimate: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Inverse observed information at the estimate (NaN when not invertible).

    The Hessian is a central difference of the analytic gradient with
    relative steps of 1e-5, symmetrised.
    """
    k = len(estimate)
    hessian = _hessian(neg_loglik_total, estimate, 1e-5 * estimate)
    try:
        cov = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        cov = np.full((k, k), np.nan)
    if np.any(np.diag(cov) <= 0):
        cov = np.full((k, k), np.nan)
    return pd.DataFrame(cov, index=names, columns=names)
