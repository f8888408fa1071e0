"""Hypothesis tests shared by the concepts: two proportions."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats


def pooled_z_test(
    successes_treatment: ArrayLike,
    trials_treatment: ArrayLike,
    successes_control: ArrayLike,
    trials_control: ArrayLike,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-proportion z-test with the pooled rate under H0: returns ``(z, two-sided p)``.

    ``z = (p_t - p_c) / sqrt(p (1 - p) (1/n_t + 1/n_c))`` with ``p`` the pooled
    rate (e.g. Agresti 2013, sec. 2.4; ``proportions_ztest`` in statsmodels).
    ``z = 0`` when nobody (or everybody) converted.
    """
    x_t, n_t = np.asarray(successes_treatment, dtype=float), np.asarray(trials_treatment, dtype=float)
    x_c, n_c = np.asarray(successes_control, dtype=float), np.asarray(trials_control, dtype=float)
    pooled = (x_t + x_c) / (n_t + n_c)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, (x_t / n_t - x_c / n_c) / se, 0.0)
    return z, 2 * stats.norm.sf(np.abs(z))
