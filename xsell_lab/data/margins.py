"""Margin: the data's own unit costs, or an explicitly assumed margin rate; never a silent 0.

A margin is a property of the sales lines: :func:`xsell_lab.sales_lines` computes
``margin = quantity x (unit_price - unit_cost)``, empty where a product has no
``unit_cost`` (UCI Online Retail has none). This module is the one home of what
happens then, for every analysis (customer value, pricing, next best offer):

* **The rule.** An analyst may state an ``assumed_margin_rate`` (a notebook
  parameter): the share of revenue kept as margin on a sale without a unit cost.
  On a sales line the assumed margin is ``rate x revenue``
  (:func:`with_assumed_margin`); for a product's list margin it is
  ``rate x price``, i.e. an assumed unit cost of ``price x (1 - rate)``
  (:func:`unit_costs`). ``0.0`` means *no assumption*: those margins stay empty.
* **The check.** :func:`check_margin_rate`: a share in ``[0, 1)``; the error names
  the parameter.
* **The statement.** Wherever a margin is shown, one sentence says where it comes
  from and names the ``assumed_margin_rate`` parameter (:func:`margin_statement` for
  sales lines, :func:`describe_margin_basis` for list margins).
* **The test.** :func:`margin_known` / :func:`has_margins`: may a section speak of
  margin at all? Otherwise it shows revenue, labelled as such, or skips.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns

#: The notebook parameter that states an assumed margin rate (named in every sentence).
PARAMETER = "assumed_margin_rate"
#: Values of the ``margin_source`` column added by :func:`with_assumed_margin`.
MARGIN_SOURCES = ("unit_cost", "assumed", "unknown")
#: How to get margins when there are none, in the words of every statement.
HOW_TO_ADD = (f"add a unit_cost column to the products file, or set the {PARAMETER} parameter "
              "(e.g. 0.3 for 30% of revenue)")


def check_margin_rate(assumed_margin_rate: float) -> float:
    """``assumed_margin_rate`` as a float in ``[0, 1)``; ``0.0`` means "no margin assumed".

    Raises
    ------
    ValueError
        Outside ``[0, 1)`` (the message names the parameter and gives an example).
    """
    rate = float(assumed_margin_rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(
            f"{PARAMETER} must be a share of revenue between 0 (no assumption) and 1, e.g. 0.3; got {assumed_margin_rate!r}."
        )
    return rate


def with_assumed_margin(sales: pd.DataFrame, assumed_margin_rate: float = 0.0) -> pd.DataFrame:
    """Sales lines whose missing margins are ``assumed_margin_rate x revenue``.

    Parameters
    ----------
    sales : pandas.DataFrame
        Sales lines with ``revenue`` and ``margin`` (:func:`xsell_lab.sales_lines`).
    assumed_margin_rate : float, default 0.0
        Share of revenue kept as margin on lines without a unit cost, in ``[0, 1)``.
        ``0.0`` means *no assumption*: those lines keep an empty margin.

    Returns
    -------
    pandas.DataFrame
        A copy of ``sales`` with ``margin`` filled where it was empty (only when the
        rate is above 0) and a ``margin_source`` column: ``"unit_cost"``,
        ``"assumed"`` or ``"unknown"`` (:data:`MARGIN_SOURCES`).

    Raises
    ------
    ValueError
        When ``assumed_margin_rate`` is outside ``[0, 1)``.
    """
    require_columns(sales, [s.REVENUE, "margin"], "sales")
    rate = check_margin_rate(assumed_margin_rate)
    missing = sales["margin"].isna()
    out = sales.assign(margin_source=pd.Series("unit_cost", index=sales.index).where(~missing, "unknown"))
    if rate > 0 and missing.any():
        out.loc[missing, "margin"] = out.loc[missing, s.REVENUE] * rate
        out.loc[missing, "margin_source"] = "assumed"
    return out


def margin_known(sales: pd.DataFrame) -> bool:
    """Whether every line has a margin (from its unit cost or assumed), so margins may be summed."""
    return len(sales) > 0 and bool(sales["margin"].notna().all())


def margin_statement(sales: pd.DataFrame, assumed_margin_rate: float = 0.0) -> str:
    """Where the margins of sales lines come from, in one sentence that names the parameter.

    Parameters
    ----------
    sales : pandas.DataFrame
        Output of :func:`with_assumed_margin`.
    assumed_margin_rate : float
        The rate given to it.

    Returns
    -------
    str
        E.g. ``"This data has no unit costs: every margin below assumes 30% of revenue
        (the assumed_margin_rate parameter); it is an assumption, not a measurement."``
    """
    require_columns(sales, [s.REVENUE, "margin_source"], "sales")
    revenue = sales.groupby("margin_source")[s.REVENUE].sum().reindex(MARGIN_SOURCES, fill_value=0.0)
    total = revenue.sum()
    share = {source: (revenue[source] / total if total > 0 else 0.0) for source in MARGIN_SOURCES}
    if share["unknown"] == 0 and share["assumed"] == 0:
        return "Margins are measured: revenue minus the products' unit costs."
    if share["unknown"] > 0:
        have = "no unit costs" if share["unit_cost"] == 0 else f"no unit costs for {share['unknown']:.0%} of revenue"
        return (
            f"This data has {have} and no margin rate is assumed, so margins are unknown: the sections below show "
            f"revenue instead where they can, labelled as such, and skip the rest. To speak of margin, {HOW_TO_ADD}."
        )
    where = "every margin below assumes" if share["unit_cost"] == 0 else (
        f"{share['unit_cost']:.0%} of revenue has unit costs; the margin of the rest assumes")
    return (
        f"This data has {'no' if share['unit_cost'] == 0 else 'incomplete'} unit costs: {where} {assumed_margin_rate:.0%} "
        f"of revenue (the {PARAMETER} parameter); it is an assumption, not a measurement."
    )


def unit_costs(products: pd.DataFrame, assumed_margin_rate: float = 0.0) -> pd.Series:
    """Each product's unit cost: ``unit_cost`` where known, else ``price x (1 - assumed_margin_rate)``.

    The same rule as :func:`with_assumed_margin` applied to one unit sold at the
    list price: the assumed margin is ``assumed_margin_rate x price``.

    Parameters
    ----------
    products : pandas.DataFrame
        ``price`` and, when the data has it, ``unit_cost``.
    assumed_margin_rate : float, default 0.0
        Share of revenue (here the list price) assumed to be margin for products
        without a unit cost; 0 assumes nothing (those products keep a missing cost).

    Returns
    -------
    pandas.Series
        ``unit_cost`` on the index of ``products``; NaN where no cost is known
        and no rate is assumed.
    """
    require_columns(products, [s.PRICE], s.PRODUCTS)
    rate = check_margin_rate(assumed_margin_rate)
    known = _known_costs(products)
    assumed = products[s.PRICE] * (1 - rate) if rate > 0 else pd.Series(np.nan, index=products.index)
    return known.fillna(assumed).rename(s.UNIT_COST)


def describe_margin_basis(products: pd.DataFrame, assumed_margin_rate: float = 0.0) -> str:
    """Where list margins (``price - unit_cost``) come from, in one sentence that names the parameter.

    Examples: ``"Margins use the unit cost of every product (products.unit_cost)."``,
    ``"Margins assume 30% of the list price (the assumed_margin_rate parameter) for the
    12 of 12 products without a unit cost; ..."``, ``"No margin: ..."``.
    """
    rate = check_margin_rate(assumed_margin_rate)
    if len(products) == 0:
        return f"No margin: the products table has none of these products (no list price, no unit cost). To speak of margin, {HOW_TO_ADD}."
    missing = int(_known_costs(products).isna().sum())
    if missing == 0:
        return "Margins use the unit cost of every product (products.unit_cost)."
    if rate > 0:
        return (
            f"Margins assume {rate:.0%} of the list price (the {PARAMETER} parameter) for the {missing:,} of {len(products):,} "
            "products without a unit cost; it is an assumption, not a measurement."
        )
    return (
        f"No margin: {missing:,} of {len(products):,} products have no unit cost and no margin rate is assumed. "
        f"To speak of margin, {HOW_TO_ADD}."
    )


def has_margins(products: pd.DataFrame, assumed_margin_rate: float = 0.0, product_ids=None) -> bool:
    """Whether every product (or every one of ``product_ids``) has a known or assumed unit cost."""
    costs = unit_costs(products, assumed_margin_rate)
    if product_ids is not None:
        costs = costs.set_axis(products[s.PRODUCT_ID] if s.PRODUCT_ID in products else products.index).reindex(list(product_ids))
    return bool(costs.notna().all())


def _known_costs(products: pd.DataFrame) -> pd.Series:
    known = products[s.UNIT_COST] if s.UNIT_COST in products else pd.Series(np.nan, index=products.index)
    return pd.to_numeric(known, errors="coerce")
