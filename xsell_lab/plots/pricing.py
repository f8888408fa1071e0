"""Plots of pricing analyses (:mod:`xsell_lab.pricing`).

Each function takes ``ax=None`` (a new figure is made when it is None),
returns the Axes and leaves global pyplot state alone. An empty input raises
a ``ValueError`` instead of drawing an empty plot.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter, StrMethodFormatter

from xsell_lab.data import schema as s
from xsell_lab.plots import PALETTE, annotate_cells, new_axes, require_rows, set_title, shorten, top_rows

_RELATIONSHIP_COLOURS = {"own": PALETTE[0], "complement": PALETTE[4], "substitute": PALETTE[2], "independent": PALETTE[5]}


def plot_price_units_scatter(
    weekly_sales: pd.DataFrame,
    product: str,
    *,
    elasticity: float | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Weekly units against price on log-log axes, promotion weeks highlighted.

    On log scales a constant elasticity is a straight line whose slope is the
    elasticity; ``elasticity`` draws that line through the geometric means.

    Parameters
    ----------
    weekly_sales : pandas.DataFrame
        Columns ``product_id``, ``price``, ``units``, ``on_promotion``.
    product : str
        The product to show.
    elasticity : float, optional
        Slope of the reference line (e.g. the fitted own-price elasticity).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = weekly_sales.loc[weekly_sales[s.PRODUCT_ID] == product]
    require_rows(rows, f"weekly sales of {product!r}")
    ax = new_axes(ax)
    for flag, label, colour in ((False, "regular week", PALETTE[0]), (True, "promotion week", PALETTE[1])):
        part = rows.loc[rows[s.ON_PROMOTION].astype(bool) == flag]
        ax.scatter(part[s.PRICE], part[s.UNITS], s=16, alpha=0.7, color=colour, label=label)
    if elasticity is not None:
        log_price, log_units = np.log(rows[s.PRICE]), np.log(rows[s.UNITS])
        grid = np.linspace(log_price.min(), log_price.max(), 50)
        line = log_units.mean() + elasticity * (grid - log_price.mean())
        ax.plot(np.exp(grid), np.exp(line), color="black", lw=1.5, label=f"slope = elasticity {elasticity:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis, values in ((ax.xaxis, rows[s.PRICE]), (ax.yaxis, rows[s.UNITS])):
        axis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        within_a_decade = float(values.max()) < 10 * float(values.min())  # else minor labels crowd the major ones
        axis.set_minor_formatter(StrMethodFormatter("{x:,.0f}") if within_a_decade else NullFormatter())
    ax.set_xlabel("price (log scale)")
    ax.set_ylabel("units per week (log scale)")
    ax.set_title(f"{product}: price and weekly units")
    ax.legend(frameon=False)
    return ax


def plot_elasticities(table: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Elasticities with their confidence intervals, coloured by relationship.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :meth:`xsell_lab.pricing.PriceElasticityModel.summary`
        (columns ``product``, ``price_of``, ``estimate``, ``ci_low``,
        ``ci_high``, ``relationship``); own rows are labelled by product,
        cross rows "units of A | price of B". At most 10 rows are drawn
        (own elasticities first, then the largest cross ones, in the table's
        order); the title then says "top 10 of N".
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(table, "elasticity table")
    strongest = table.assign(_own=table["product"] == table["price_of"], _size=table["estimate"].abs())
    strongest = strongest.sort_values(["_own", "_size"], ascending=False, kind="stable")
    rows, cut = top_rows(strongest.drop(columns=["_own", "_size"]), top=10)
    rows = rows.loc[table.index.intersection(rows.index)].reset_index(drop=True)  # the table's order
    ax = new_axes(ax, figsize=(8, 0.38 * len(rows) + 1.2))
    labels = [shorten(p, 26) if p == q else f"{shorten(p, 26)}\n| price of {shorten(q, 24)}" for p, q in zip(rows["product"], rows["price_of"])]
    y = np.arange(len(rows))[::-1]
    for relationship, colour in _RELATIONSHIP_COLOURS.items():
        mask = (rows["relationship"] == relationship).to_numpy()
        if not mask.any():
            continue
        part = rows.loc[mask]
        errors = [part["estimate"] - part["ci_low"], part["ci_high"] - part["estimate"]]
        ax.errorbar(part["estimate"], y[mask], xerr=errors, fmt="o", color=colour, capsize=3, label=relationship)
    ax.axvline(0, color="black", lw=0.8)
    if (rows["relationship"] == "own").any():
        ax.axvline(-1, color="grey", lw=0.8, ls="--")
    ax.set_yticks(y, labels)
    ax.set_xlabel("elasticity (% change in units for a 1 % price increase)")
    set_title(ax, "Elasticities" if cut else "", cut)
    if rows["relationship"].nunique() > 1:
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=4)
    return ax


def plot_cross_elasticity_matrix(table: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Heatmap of cross-price elasticities: rows = whose units, columns = whose price.

    Cells whose interval includes zero (``independent``) are left blank;
    red = complements (negative), green = substitutes (positive).

    Parameters
    ----------
    table : pandas.DataFrame
        The elasticity table (cross rows are used).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    cross = table.loc[table["kind"] == "cross"]
    require_rows(cross, "cross elasticities")
    products = sorted(set(cross["product"]) | set(cross["price_of"]))
    shown = cross.assign(value=cross["estimate"].where(cross["relationship"] != "independent"))
    matrix = shown.pivot(index="product", columns="price_of", values="value").reindex(index=products, columns=products)
    values = matrix.to_numpy(dtype="float64")
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    ax = new_axes(ax, figsize=(0.6 * len(products) + 3, 0.5 * len(products) + 1.5))
    image = ax.imshow(np.ma.masked_invalid(values), cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(np.arange(len(products)), labels=[shorten(p, 24) for p in products], rotation=45, ha="right")
    ax.set_yticks(np.arange(len(products)), labels=[shorten(p, 24) for p in products])
    ax.grid(False)
    labels = np.where(np.isfinite(values), np.vectorize(lambda v: f"{v:+.2f}")(np.nan_to_num(values)), "")
    annotate_cells(ax, labels, image.cmap(image.norm(np.nan_to_num(values))))
    ax.figure.colorbar(image, ax=ax, label="cross elasticity", shrink=0.9, pad=0.02)
    ax.set_xlabel("price of")
    ax.set_ylabel("units of")
    return ax


def plot_price_response(response: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Change in margin against the price change, per product and in total.

    Parameters
    ----------
    response : pandas.DataFrame
        Output of :func:`xsell_lab.pricing.price_response`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(response, "price response")
    ax = new_axes(ax)
    for i, (product, part) in enumerate(response.groupby("product", sort=False)):
        total = product == "total"
        ax.plot(
            100 * part["price_change"], part["margin_change"], marker="o" if total else ".",
            color="black" if total else PALETTE[i % len(PALETTE)], lw=2.5 if total else 1.2, label=product,
        )
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("price change (%)")
    ax.set_ylabel("change in margin")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.legend(frameon=False)
    return ax


def plot_bundle_strategies(bundles: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Revenue and margin of each bundling strategy side by side.

    Parameters
    ----------
    bundles : pandas.DataFrame
        Output of :func:`xsell_lab.pricing.bundle_what_if`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(bundles, "bundle table")
    ax = new_axes(ax)
    x = np.arange(len(bundles))
    ax.bar(x - 0.2, bundles["revenue"], width=0.4, color=PALETTE[0], label="revenue")
    ax.bar(x + 0.2, bundles["margin"], width=0.4, color=PALETTE[1], label="margin")
    ax.set_xticks(x, [textwrap.fill(shorten(name.replace("_", " "), 40), 16) for name in bundles["strategy"]])
    ax.set_ylabel("per period")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.legend(frameon=False)
    return ax
