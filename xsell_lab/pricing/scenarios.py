"""Pricing what-ifs built on fitted elasticities.

:func:`price_response` is the what-if table of one product's price change,
own and cross effects included (constant elasticities, Tellis 1988).
:func:`markdown_what_if` evaluates a simple seasonal markdown rule with a
fitted :class:`~xsell_lab.pricing.elasticity.PriceElasticityModel`. Both are
what-ifs, not a pricing engine: their answers hold near the prices the
elasticities were measured at, and a rule that changes prices often can
be perceived as unfair (Haws & Bearden 2006).

References
----------
Haws, K. L. & Bearden, W. O. (2006). Dynamic pricing and consumer fairness perceptions.
*Journal of Consumer Research* 33(3), 304-311.
Tellis, G. J. (1988). The price elasticity of selective demand: a meta-analysis of
econometric models of sales. *Journal of Marketing Research* 25(4), 331-341.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.exceptions import DataValidationError, Problem
from xsell_lab.pricing.elasticity import PriceElasticityModel

#: Columns of :func:`price_response`.
PRICE_RESPONSE_COLUMNS = [
    "price_change",
    "product",
    "price",
    "units",
    "revenue",
    "margin",
    "units_change",
    "margin_change",
]
#: Columns of :func:`markdown_what_if`.
MARKDOWN_COLUMNS = ["scenario", "weeks_discounted", "units", "revenue", "margin", "margin_change"]


def price_response(
    elasticities: pd.DataFrame,
    baseline: pd.DataFrame,
    product: str,
    price_changes: Sequence[float],
    *,
    significant_only: bool = True,
) -> pd.DataFrame:
    """What-if table: change one product's price, see units, revenue and margin of it and its neighbours.

    Units follow the constant-elasticity model, ``q_j' = q_j (1 + x)^{e_jk}``
    for a price change ``x`` of product ``k`` (own effect for ``j = k``, cross
    effects otherwise; Tellis 1988). Everything else stays at the baseline.

    Parameters
    ----------
    elasticities : pandas.DataFrame
        The table of :meth:`PriceElasticityModel.summary` (columns
        ``product``, ``price_of``, ``estimate``, ``relationship``). A table whose
        elasticity column has the pre-0.2 name ``elasticity`` is read with a
        ``FutureWarning`` until 0.3.
    baseline : pandas.DataFrame
        One row per product: ``product_id``, ``price``, ``unit_cost``,
        ``units`` (e.g. average weekly units at the current price).
    product : str
        Whose price changes.
    price_changes : sequence of float
        Relative changes, e.g. ``[-0.1, 0, 0.1]`` for -10 %, 0, +10 %.
    significant_only : bool
        Use only cross effects whose interval excludes zero (``relationship``
        complement / substitute); the others count as zero.

    Returns
    -------
    pandas.DataFrame
        Columns ``price_change``, ``product``, ``price``, ``units``,
        ``revenue``, ``margin``, ``units_change`` (vs baseline),
        ``margin_change`` (vs baseline); one row per price change and affected
        product (the product itself and those whose units react to its
        price), plus a row ``product = "total"`` per price change.
    """
    if "estimate" not in elasticities and "elasticity" in elasticities:
        warnings.warn(
            "price_response(): the elasticity table's column 'elasticity' is now 'estimate' (xsell-lab 0.2, "
            "PriceElasticityModel.summary); 'elasticity' stops working in 0.3",
            FutureWarning,
            stacklevel=2,
        )
        elasticities = elasticities.rename(columns={"elasticity": "estimate"})
    require_columns(elasticities, ["product", "price_of", "estimate", "relationship"], "elasticities")
    require_columns(baseline, [s.PRODUCT_ID, s.PRICE, s.UNIT_COST, s.UNITS], "baseline")
    effects = elasticities.loc[elasticities["price_of"] == product]
    if significant_only:
        effects = effects.loc[effects["relationship"] != "independent"]
    if not (effects["product"] == product).any():
        raise ValueError(f"No own-price elasticity of {product!r} in the elasticity table.")
    base = baseline.set_index(s.PRODUCT_ID)
    missing = sorted(set(effects["product"]) - set(base.index))
    if missing:
        raise DataValidationError([Problem("baseline", s.PRODUCT_ID, "are missing from the baseline", len(missing), repr(missing[0]))])
    rows = []
    for change in price_changes:
        if not change > -1:
            raise ValueError(f"A price change must be above -100 %. Got {change!r}.")
        for affected, e in effects.set_index("product")["estimate"].items():
            b = base.loc[affected]
            price = b[s.PRICE] * (1 + change) if affected == product else b[s.PRICE]
            units = b[s.UNITS] * (1 + change) ** e
            rows.append(
                {
                    "price_change": change,
                    "product": affected,
                    "price": price,
                    "units": units,
                    "revenue": price * units,
                    "margin": (price - b[s.UNIT_COST]) * units,
                    "units_change": units - b[s.UNITS],
                    "margin_change": (price - b[s.UNIT_COST]) * units - (b[s.PRICE] - b[s.UNIT_COST]) * b[s.UNITS],
                }
            )
    table = pd.DataFrame(rows, columns=PRICE_RESPONSE_COLUMNS)
    totals = table.groupby("price_change", as_index=False)[["revenue", "margin", "margin_change"]].sum()
    totals = totals.assign(product="total", price=np.nan, units=np.nan, units_change=np.nan)
    combined = pd.concat([table, totals[PRICE_RESPONSE_COLUMNS]], ignore_index=True)
    return combined.sort_values("price_change", kind="stable", ignore_index=True)


def markdown_what_if(
    model: PriceElasticityModel,
    weekly_sales: pd.DataFrame,
    product: str,
    *,
    unit_cost: float,
    list_price: float,
    discount: float,
    months: Sequence[int],
) -> pd.DataFrame:
    """Evaluate a seasonal markdown rule with a fitted elasticity model.

    Two scenarios over the weeks of ``weekly_sales``: ``list_price_all_year``
    (no promotion, the product at ``list_price`` every week) and
    ``markdown_in_months`` (``discount`` off, flagged as a promotion, in the
    given calendar months). Other products keep their observed prices. Units
    come from :meth:`PriceElasticityModel.predict_units` (own, cross,
    promotion and season effects of the fitted model).

    Caveats: the model has seen discounts of the size it was fitted on only,
    ignores stock-piling (customers waiting for the sale) and competitor
    reactions, and prices that change too often or differ between customers
    hurt trust and can be unfair (Haws & Bearden 2006, *Journal of Consumer
    Research* 33(3)). A rule like this is a hypothesis for an A/B test.

    Parameters
    ----------
    model : PriceElasticityModel
        Fitted on data including ``product``.
    weekly_sales : pandas.DataFrame
        The weeks to evaluate (the fitting table works).
    product : str
        Product marked down.
    unit_cost, list_price : float
        The product's cost and undiscounted price.
    discount : float
        Markdown, in (0, 1).
    months : sequence of int
        Calendar months (1-12) of the markdown.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``weeks_discounted``, ``units``, ``revenue``,
        ``margin`` of ``product`` over the period, ``margin_change`` vs list
        price all year.
    """
    if not 0 < discount < 1:
        raise ValueError(f"discount must be in (0, 1). Got {discount!r}.")
    if model.market:
        raise ValueError("markdown_what_if needs a model fitted on one series per product (no market column).")
    weeks = weekly_sales.loc[weekly_sales[s.PRODUCT_ID] == product, s.WEEK_START]
    if weeks.empty:
        raise DataValidationError([Problem(s.WEEKLY_SALES, s.PRODUCT_ID, "match the product", 0, repr(product))])
    rows = []
    for name, in_markdown in (
        ("list_price_all_year", pd.Series(False, index=weeks.index)),
        ("markdown_in_months", weeks.dt.month.isin(list(months))),
    ):
        is_product = weekly_sales[s.PRODUCT_ID] == product
        flag = pd.Series(False, index=weekly_sales.index)
        flag.loc[in_markdown.index] = in_markdown.to_numpy()
        scenario = weekly_sales.assign(
            **{
                s.PRICE: weekly_sales[s.PRICE].where(~is_product, np.where(flag, list_price * (1 - discount), list_price)),
                s.ON_PROMOTION: weekly_sales[s.ON_PROMOTION].where(~is_product, flag),
            }
        ).drop(columns=s.UNITS)
        predicted = model.predict_units(scenario)
        mine = predicted.loc[predicted[s.PRODUCT_ID] == product]
        units = mine["expected_units"]
        rows.append(
            {
                "scenario": name,
                "weeks_discounted": int(in_markdown.sum()),
                "units": units.sum(),
                "revenue": (mine[s.PRICE] * units).sum(),
                "margin": ((mine[s.PRICE] - unit_cost) * units).sum(),
            }
        )
    table = pd.DataFrame(rows)
    return table.assign(margin_change=table["margin"] - table["margin"].iloc[0])[MARKDOWN_COLUMNS]
