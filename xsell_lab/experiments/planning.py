"""How big must the next test be? Sample size and power for two conversion rates.

Normal approximation on Cohen's *h*, the arcsine-transformed difference of two
proportions: :func:`cohens_h`, :func:`sample_size_two_proportions`,
:func:`power_two_proportions`. ``alpha`` is the test's two-sided significance
level. The baseline a plan starts from is what the past control groups did:
:func:`control_conversion_rate`.

References
----------
Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*
(2nd ed.), chapter 6.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.experiments._common import check_probability


def cohens_h(rate_treatment: float | np.ndarray, rate_control: float | np.ndarray) -> np.ndarray:
    """Cohen's effect size for two proportions, ``h = 2 asin(sqrt(p_t)) - 2 asin(sqrt(p_c))``.

    The arcsine transform makes the variance of a proportion about ``1/n``
    whatever the rate (Cohen 1988, eq. 6.2.1).
    """
    return 2 * np.arcsin(np.sqrt(rate_treatment)) - 2 * np.arcsin(np.sqrt(rate_control))


def sample_size_two_proportions(
    baseline_rate: float | list[float],
    uplift: float | list[float],
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> pd.DataFrame:
    """Customers needed per arm to detect an absolute uplift in conversion.

    Normal approximation on Cohen's *h* (Cohen 1988, ch. 6), two-sided::

        n_control = (z_{1-alpha/2} + z_{power})^2 (1 + 1/ratio) / h^2
        n_treatment = ratio * n_control

    With ``ratio = 1`` this is Cohen's ``n = 2 ((z_a + z_b) / h)^2`` per arm,
    and what ``statsmodels.stats.power.NormalIndPower().solve_power`` gives for
    ``effect_size = h``.

    Parameters
    ----------
    baseline_rate : float or list of float
        Expected conversion rate without the offer (control), in (0, 1).
    uplift : float or list of float
        Smallest absolute uplift worth detecting (0.02 = 2 percentage
        points). Every combination with ``baseline_rate`` gets a row.
    alpha : float
        Two-sided false-positive rate.
    power : float
        Chance of detecting the uplift when it is real.
    ratio : float
        Treatment customers per control customer.

    Returns
    -------
    pandas.DataFrame
        ``baseline_rate``, ``treatment_rate``, ``uplift``, ``cohens_h``,
        ``customers_control``, ``customers_treatment``, ``customers_total``
        (rounded up to whole customers).
    """
    check_probability(alpha, "alpha")
    check_probability(power, "power")
    if ratio <= 0:
        raise ValueError(f"sample_size_two_proportions: ratio must be > 0. Got {ratio!r}.")
    grid = pd.MultiIndex.from_product([np.atleast_1d(baseline_rate), np.atleast_1d(uplift)]).to_frame(
        index=False, name=["baseline_rate", "uplift"]
    )
    treatment = grid["baseline_rate"] + grid["uplift"]
    bad = ~((grid["baseline_rate"] > 0) & (treatment < 1) & (treatment > 0) & (grid["uplift"] != 0))
    if bad.any():
        row = grid[bad].iloc[0]
        raise ValueError(
            "sample_size_two_proportions: baseline_rate and baseline_rate + uplift must be in (0, 1) and uplift != 0. "
            f"Got baseline_rate={float(row['baseline_rate'])!r}, uplift={float(row['uplift'])!r}."
        )
    h = cohens_h(treatment, grid["baseline_rate"])
    z_sum = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    control = np.ceil(z_sum**2 * (1 + 1 / ratio) / h**2)
    treated = np.ceil(ratio * control)
    return grid.assign(treatment_rate=treatment, cohens_h=h, customers_control=control.astype(int),
                       customers_treatment=treated.astype(int), customers_total=(control + treated).astype(int))[
        ["baseline_rate", "treatment_rate", "uplift", "cohens_h", "customers_control", "customers_treatment",
         "customers_total"]
    ]


def power_two_proportions(
    baseline_rate: float,
    uplift: float,
    customers_control: int | list[int],
    *,
    alpha: float = 0.05,
    ratio: float = 1.0,
) -> pd.DataFrame:
    """Chance that a test of this size detects the uplift (two-sided, Cohen's *h*).

    ::

        power = Phi(|h| / sqrt(1/n_c + 1/n_t) - z_{1-alpha/2}) + Phi(-|h| / sqrt(1/n_c + 1/n_t) - z_{1-alpha/2})

    (Cohen 1988, ch. 6; the second term, the wrong-sign rejections, is tiny.)

    Parameters
    ----------
    baseline_rate, uplift : float
        Control conversion rate and the absolute uplift.
    customers_control : int or list of int
        Control-arm sizes to evaluate; the treatment arm has ``ratio`` times as many.
    alpha : float
        Two-sided false-positive rate.
    ratio : float
        Treatment customers per control customer.

    Returns
    -------
    pandas.DataFrame
        ``customers_control``, ``customers_treatment``, ``baseline_rate``,
        ``uplift``, ``power``.
    """
    check_probability(alpha, "alpha")
    n_control = np.atleast_1d(np.asarray(customers_control, dtype=float))
    n_treatment = ratio * n_control
    h = abs(float(cohens_h(baseline_rate + uplift, baseline_rate)))
    shift = h / np.sqrt(1 / n_control + 1 / n_treatment)
    z = stats.norm.ppf(1 - alpha / 2)
    power = stats.norm.cdf(shift - z) + stats.norm.cdf(-shift - z)
    return pd.DataFrame({"customers_control": n_control.astype(int), "customers_treatment": np.ceil(n_treatment).astype(int),
                         "baseline_rate": baseline_rate, "uplift": uplift, "power": power})


def control_conversion_rate(offers: pd.DataFrame, *, control: str = "control") -> float:
    """Share of the control groups' customers who bought anyway, pooled over all experiments.

    The natural baseline of the next test's plan: what customers did without
    an offer in this company's past tests.

    Parameters
    ----------
    offers : pandas.DataFrame
        The ``offers`` table (``variant`` and ``accepted``; one row per customer and experiment).
    control : str
        The ``variant`` value of the control arms.

    Returns
    -------
    float
        Accepted control rows / control rows.

    Raises
    ------
    ValueError
        When no row is in a control arm.

    Examples
    --------
    >>> offers = pd.DataFrame({"variant": ["control"] * 4 + ["email"] * 2, "accepted": [1, 0, 0, 0, 1, 1]})
    >>> control_conversion_rate(offers)
    0.25
    """
    require_columns(offers, [s.VARIANT, s.ACCEPTED], "offers")
    accepted = offers.loc[offers[s.VARIANT] == control, s.ACCEPTED]
    if accepted.empty:
        raise ValueError(f"No offer is in a {control!r} arm: the baseline of a plan needs a control group.")
    return float(accepted.astype(bool).mean())
