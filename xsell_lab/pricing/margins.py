"""Unit costs for margins: the data's own, or an explicitly assumed margin rate.

A margin needs a unit cost. When the products table has none, a margin is never
silently 0 or NaN: the analyst states an ``assumed_margin_rate`` (the share of the
list price kept as margin), every margin shown says so (:func:`describe_margin_basis`),
and without either the margin sections skip.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns


def check_margin_rate(assumed_margin_rate: float) -> float:
    """``assumed_margin_rate`` as a float in [0, 1); 0 means "no margin assumed"."""
    rate = float(assumed_margin_rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(
            f"assumed_margin_rate must be a share of the list price in [0, 1) (0: none assumed); got {assumed_margin_rate!r}."
        )
    return rate


def unit_costs(products: pd.DataFrame, assumed_margin_rate: float = 0.0) -> pd.Series:
    """Each product's unit cost: ``unit_cost`` where known, else ``price x (1 - assumed_margin_rate)``.

    Parameters
    ----------
    products : pandas.DataFrame
        ``price`` and, when the data has it, ``unit_cost``.
    assumed_margin_rate : float, default 0.0
        Share of the list price assumed to be margin for products without a unit
        cost; 0 assumes nothing (those products keep a missing cost).

    Returns
    -------
    pandas.Series
        ``unit_cost`` on the index of ``products``; NaN where no cost is known
        and no rate is assumed.
    """
    require_columns(products, [s.PRICE], s.PRODUCTS)
    rate = check_margin_rate(assumed_margin_rate)
    known = products[s.UNIT_COST] if s.UNIT_COST in products else pd.Series(np.nan, index=products.index)
    known = pd.to_numeric(known, errors="coerce")
    assumed = products[s.PRICE] * (1 - rate) if rate > 0 else pd.Series(np.nan, index=products.index)
    return known.fillna(assumed).rename(s.UNIT_COST)


def describe_margin_basis(products: pd.DataFrame, assumed_margin_rate: float = 0.0) -> str:
    """One sentence saying where margins come from, or that there are none.

    Examples: ``"Margins use the unit cost of every product (products.unit_cost)."``,
    ``"Margins assume 30% of the list price (assumed_margin_rate) for the 12 of 12
    products without a unit cost."``, ``"No margin: ..."``.
    """
    rate = check_margin_rate(assumed_margin_rate)
    known = pd.to_numeric(products[s.UNIT_COST], errors="coerce") if s.UNIT_COST in products else pd.Series(np.nan, index=products.index)
    missing = int(known.isna().sum())
    if missing == 0:
        return "Margins use the unit cost of every product (products.unit_cost)."
    if rate > 0:
        return (
            f"Margins assume {rate:.0%} of the list price (assumed_margin_rate) for the {missing:,} of {len(products):,} "
            "products without a unit cost; they are an assumption, not the data's."
        )
    return (
        f"No margin: {missing:,} of {len(products):,} products have no unit cost and no assumed_margin_rate is set. "
        "Add a unit_cost column to the products file, or set assumed_margin_rate (e.g. 0.3)."
    )


def has_margins(products: pd.DataFrame, assumed_margin_rate: float = 0.0, product_ids=None) -> bool:
    """Whether every product (or every one of ``product_ids``) has a known or assumed unit cost."""
    costs = unit_costs(products, assumed_margin_rate)
    if product_ids is not None:
        costs = costs.set_axis(products[s.PRODUCT_ID] if s.PRODUCT_ID in products else products.index).reindex(list(product_ids))
    return bool(costs.notna().all())
