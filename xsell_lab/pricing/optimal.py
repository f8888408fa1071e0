"""The profit-maximising price under a constant elasticity (the Lerner rule).

:func:`optimal_price` and :func:`optimal_prices` (a table of products) apply
the Lerner / inverse-elasticity rule ``(p - c) / p = -1 / e``, i.e.
``p* = c e / (1 + e)`` for a constant elasticity ``e < -1`` (Lerner 1934;
Tirole 1988, sec. 1.1).

References
----------
Lerner, A. P. (1934). The concept of monopoly and the measurement of monopoly power.
*Review of Economic Studies* 1(3), 157-175.
Tirole, J. (1988). *The Theory of Industrial Organization*, MIT Press, sec. 1.1.
"""

from __future__ import annotations

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.exceptions import DataValidationError, Problem


def optimal_price(unit_cost: float, elasticity: float) -> float:
    """Profit-maximising price under a constant elasticity (the Lerner rule).

    With demand ``q = A p^e`` and unit cost ``c``, profit ``(p - c) A p^e``
    peaks where ``(p - c) / p = -1 / e`` (Lerner 1934; Tirole 1988, eq. 1.1),
    i.e. ``p* = c e / (1 + e)``. Example: ``c = 60``, ``e = -2`` gives
    ``p* = 120`` (a 50 % margin, since ``-1 / e = 0.5``).

    Parameters
    ----------
    unit_cost : float
        Cost of one more unit (> 0).
    elasticity : float
        Own-price elasticity (< -1).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For inelastic demand (``-1 <= e``): each price rise then *raises*
        revenue and lowers cost, so profit grows without limit and there is no
        interior optimum. In reality the constant elasticity stops holding
        at higher prices; measure there, or price the product jointly with
        what it sells alongside (see :func:`price_response`).
    """
    if not unit_cost > 0:
        raise ValueError(f"unit_cost must be > 0. Got {unit_cost!r}.")
    if not elasticity < -1:
        raise ValueError(
            f"No profit-maximising price for elasticity {elasticity:.2f}: demand is inelastic (|e| <= 1), so a higher "
            "price always raises revenue and profit and the constant-elasticity model has no interior optimum. "
            "The model is only valid near the prices observed: test a moderate increase, or price the product "
            "together with its complements."
        )
    return unit_cost * elasticity / (1.0 + elasticity)


def optimal_prices(products: pd.DataFrame, *, table: str = "products") -> pd.DataFrame:
    """The Lerner rule for a table of products.

    Parameters
    ----------
    products : pandas.DataFrame
        Columns ``product_id``, ``price`` (current), ``unit_cost`` (> 0) and
        ``elasticity`` (own-price, < -1).
    table : str
        Name of the table in error messages.

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``optimal_price`` (:func:`optimal_price`),
        ``optimal_margin_pct`` (``-100 / e``), ``current_margin_pct`` and
        ``price_change_pct`` (optimal vs current).

    Raises
    ------
    xsell_lab.DataValidationError
        Naming the products whose demand is inelastic (no interior optimum,
        see :func:`optimal_price`) or whose cost is not positive.
    """
    require_columns(products, [s.PRODUCT_ID, s.PRICE, s.UNIT_COST, "elasticity"], table)
    problems = []
    for column, bad, rule in (
        ("elasticity", ~(products["elasticity"] < -1), "are inelastic (elasticity >= -1): no profit-maximising price exists, profit keeps rising with price"),
        (s.UNIT_COST, ~(products[s.UNIT_COST] > 0), "are not positive"),
    ):
        if bad.any():
            example = f"{products.loc[bad, s.PRODUCT_ID].iloc[0]!r} ({column} = {products.loc[bad, column].iloc[0]!r})"
            problems.append(Problem(table, column, rule, int(bad.sum()), example))
    if problems:
        raise DataValidationError(problems)
    e = products["elasticity"]
    best = products[s.UNIT_COST] * e / (1 + e)
    return products.assign(
        optimal_price=best,
        optimal_margin_pct=-100.0 / e,
        current_margin_pct=100.0 * (products[s.PRICE] - products[s.UNIT_COST]) / products[s.PRICE],
        price_change_pct=100.0 * (best / products[s.PRICE] - 1),
    )
