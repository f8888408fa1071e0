"""The cost of looking at a running test: false positives of repeated looks.

:func:`peeking_simulation` simulates A/A tests checked after every batch of
customers with the pooled z-test.

References
----------
Armitage, P., McPherson, C. K. & Rowe, B. C. (1969). Repeated significance
tests on accumulating data. *Journal of the Royal Statistical Society A*,
132, 235-244.
Pocock, S. J. (1977). Group sequential methods in the design and analysis of
clinical trials. *Biometrika*, 64, 191-199.
Kohavi, R., Tang, D. & Xu, Y. (2020). *Trustworthy Online Controlled
Experiments*. Cambridge University Press. Chapter 17.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.experiments._common import check_probability
from xsell_lab.stats import pooled_z_test


def peeking_simulation(
    *,
    base_rate: float = 0.1,
    customers_per_arm: int = 5000,
    looks: int = 10,
    alpha: float = 0.05,
    n_simulations: int = 2000,
    seed: int = 42,
) -> pd.DataFrame:
    """The cost of peeking: false positives when an A/A test is checked repeatedly.

    Simulates ``n_simulations`` A/A tests (both arms convert at
    ``base_rate``, so every "significant" result is a false positive). Each
    is checked with the pooled z-test after every ``customers_per_arm /
    looks`` customers per arm. *Peeking* stops at the first look with
    ``p < alpha``; a *fixed horizon* test looks once, at the end. Repeated
    looks at an unadjusted 5 % level inflate the false-positive rate, to
    about 19 % with 10 looks for normal data (Armitage, McPherson & Rowe
    1969; Pocock 1977; Kohavi, Tang & Xu 2020, ch. 17).

    Parameters
    ----------
    base_rate : float
        Conversion rate of both arms.
    customers_per_arm : int
        Planned customers per arm at the end of the test.
    looks : int
        Equally spaced looks (the last at ``customers_per_arm``).
    alpha : float
        Significance level used at every look.
    n_simulations : int
        Simulated experiments.
    seed : int
        Seed of the random generator.

    Returns
    -------
    pandas.DataFrame
        One row per look: ``look``, ``customers_per_arm``,
        ``significant_at_this_look`` (share of tests with p < alpha at that
        look alone: a fixed-horizon test stopping there), and
        ``false_positive_rate_peeking`` (share stopped at or before it).
        The last row's two columns are the fixed-horizon and the peeking
        false-positive rates.
    """
    check_probability(base_rate, "base_rate")
    check_probability(alpha, "alpha")
    if looks < 1 or customers_per_arm < looks:
        raise ValueError(f"peeking_simulation: need 1 <= looks <= customers_per_arm. Got looks={looks}, "
                         f"customers_per_arm={customers_per_arm}.")
    rng = np.random.default_rng(seed)
    sizes = np.diff(np.linspace(0, customers_per_arm, looks + 1).round().astype(int))
    n = np.cumsum(sizes)
    conversions_a = rng.binomial(sizes, base_rate, size=(n_simulations, looks)).cumsum(axis=1)
    conversions_b = rng.binomial(sizes, base_rate, size=(n_simulations, looks)).cumsum(axis=1)
    _, p_value = pooled_z_test(conversions_b, n, conversions_a, n)
    significant = p_value < alpha
    return pd.DataFrame({
        "look": np.arange(1, looks + 1),
        "customers_per_arm": n,
        "significant_at_this_look": significant.mean(axis=0),
        "false_positive_rate_peeking": np.logical_or.accumulate(significant, axis=1).mean(axis=0),
    })
