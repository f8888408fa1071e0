"""One own-price elasticity shared by all products (Taddy's orange-juice regression).

:func:`pooled_own_elasticity` fits ``log(units) = a_product + e log(price)
[+ b promotion] + u`` over every row: product intercepts, one common slope
(Taddy 2019, ch. 2). A category-level answer when per-product series are
too short for :class:`~xsell_lab.pricing.elasticity.PriceElasticityModel`.

References
----------
Taddy, M. (2019). *Business Data Science*, McGraw-Hill, ch. 2 (orange-juice elasticities).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from xsell_lab.data import schema as s
from xsell_lab.pricing._common import category_dummies, clean_sales
from xsell_lab.stats.estimator import confidence_from_alpha


def pooled_own_elasticity(
    sales: pd.DataFrame,
    *,
    promotion: bool = False,
    confidence: float = 0.95,
    cov_type: str = "HC1",
    table: str = s.WEEKLY_SALES,
    alpha: float | None = None,
) -> pd.DataFrame:
    """One own-price elasticity shared by all products, with product intercepts.

    ``log(units) = a_product + e log(price) [+ b promotion] + u`` pooled over
    every row (Taddy 2019, ch. 2: the orange-juice regression
    ``log(sales) ~ brand + log(price)``). Useful for a category-level answer
    ("juice buyers are price-sensitive") when per-product series are short.

    Parameters
    ----------
    sales : pandas.DataFrame
        Columns ``product_id``, ``price`` (> 0), ``units`` (> 0) and
        ``on_promotion`` if ``promotion``; any number of rows per product
        (weeks, stores).
    promotion : bool
        Control for ``on_promotion``.
    confidence : float
        Level of the interval (0.95).
    cov_type : str
        statsmodels covariance type (``"HC1"`` robust by default, ``"nonrobust"`` classic).
    table : str
        Name of the table in error messages.
    alpha : float, optional
        Deprecated: ``1 - confidence`` (the keyword's name before xsell-lab 0.2).

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` (the elasticity), ``std_error``, ``ci_low``,
        ``ci_high``, ``n_obs``, ``n_products``.
    """
    confidence = confidence_from_alpha(alpha, confidence, "pooled_own_elasticity")
    required = [s.PRODUCT_ID, s.PRICE, s.UNITS] + ([s.ON_PROMOTION] if promotion else [])
    frame, _ = clean_sales(sales, table, required, "error", keys=[])
    products = sorted(frame[s.PRODUCT_ID].unique())
    x = pd.DataFrame({"log_price": np.log(frame[s.PRICE].to_numpy())}, index=frame.index)
    if promotion:
        x["promotion"] = frame[s.ON_PROMOTION].astype(float)
    x = sm.add_constant(x.join(category_dummies(frame[s.PRODUCT_ID], products, "product")), has_constant="add")
    result = sm.OLS(np.log(frame[s.UNITS].astype(float)), x).fit(cov_type=cov_type)
    low, high = result.conf_int(1 - confidence).loc["log_price"]
    return pd.DataFrame(
        {
            "estimate": [result.params["log_price"]],
            "std_error": [result.bse["log_price"]],
            "ci_low": [low],
            "ci_high": [high],
            "n_obs": [int(result.nobs)],
            "n_products": [len(products)],
        }
    )
