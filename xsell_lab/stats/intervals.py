"""Confidence intervals for proportions and for differences of proportions.

The intervals every concept reports its rates with: offer conversion and channel KPIs
(:func:`wilson_interval`), the uplift of an arm over control (:func:`newcombe_interval`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats


def wilson_interval(successes: ArrayLike, trials: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's score interval for a proportion (Wilson 1927; Newcombe 1998, method 3).

    ::

        centre = (p + z^2 / 2n) / (1 + z^2 / n)
        half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)

    with ``p = successes / trials`` and ``z`` the normal quantile of ``confidence``.
    Unlike the Wald interval it stays inside [0, 1] and does not collapse to a point
    when ``successes`` is 0 or ``trials``. ``statsmodels.stats.proportion.proportion_confint``
    calls it ``method="wilson"``. NaN where ``trials`` is 0.

    Parameters
    ----------
    successes, trials : array-like
        Counts, broadcast against each other.
    confidence : float, default 0.95
        Two-sided level of the interval.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper limits.
    """
    z = stats.norm.ppf(0.5 + confidence / 2)
    n = np.asarray(trials, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.asarray(successes, dtype="float64") / n
        denominator = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denominator
        half = z / denominator * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


def newcombe_interval(
    successes_treatment: ArrayLike,
    trials_treatment: ArrayLike,
    successes_control: ArrayLike,
    trials_control: ArrayLike,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval for ``p_t - p_c`` (Newcombe 1998, method 10).

    With Wilson limits ``(l_t, u_t)`` and ``(l_c, u_c)`` of each arm and
    ``d = p_t - p_c``::

        low  = d - sqrt((p_t - l_t)^2 + (u_c - p_c)^2)
        high = d + sqrt((u_t - p_t)^2 + (p_c - l_c)^2)

    Unlike the Wald interval it stays inside [-1, 1] and keeps its coverage
    for small arms and rates near 0, typical of offer conversions.
    statsmodels calls it ``method="newcomb"`` in ``confint_proportions_2indep``.
    """
    p_t = np.asarray(successes_treatment, dtype=float) / np.asarray(trials_treatment, dtype=float)
    p_c = np.asarray(successes_control, dtype=float) / np.asarray(trials_control, dtype=float)
    low_t, high_t = wilson_interval(successes_treatment, trials_treatment, confidence)
    low_c, high_c = wilson_interval(successes_control, trials_control, confidence)
    d = p_t - p_c
    return d - np.sqrt((p_t - low_t) ** 2 + (high_c - p_c) ** 2), d + np.sqrt((high_t - p_t) ** 2 + (p_c - low_c) ** 2)
