"""Exact BG/NBD and Gamma-Gamma simulation: the repeat purchases of every buyer.

:func:`simulate_repeat_purchases` is the simulator used as planted truth by the CLV
tests; :func:`bgnbd_repeat_times` also times the synthetic company's repeat orders.

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

import numpy as np
import pandas as pd


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
    customer, t = bgnbd_repeat_times(rates, dropout, horizon, rng)
    customer = np.concatenate([np.arange(n_customers), customer])
    t = np.concatenate([np.zeros(n_customers), t])
    order = np.lexsort((t, customer))
    customer, t = customer[order], t[order]
    value = rng.gamma(p, 1.0 / scale[customer])
    return pd.DataFrame({"customer_id": customer, "t": t, "value": value})


def bgnbd_repeat_times(
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
