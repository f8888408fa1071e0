"""Plots for the data tour (notebook 00): catalogue, customers, orders over time."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from xsell_lab.data import schema as s
from xsell_lab.plots import honest_floor, new_axes, set_title, shorten, top_rows


def plot_price_ladder(products: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """The up-sell ladder: list price of each tier, one row per category with tiers.

    Parameters
    ----------
    products : pandas.DataFrame
        The ``products`` table (``category``, ``tier``, ``price``).
    """
    ax = new_axes(ax, figsize=(8, 4.5))
    tiered = products.dropna(subset=[s.TIER])
    tiered = tiered[tiered.groupby(s.CATEGORY)[s.TIER].transform("nunique") >= 2]
    ladder = tiered.groupby([s.CATEGORY, s.TIER])[s.PRICE].min().unstack()
    if ladder.empty:
        ax.text(0.5, 0.5, "no category has products in two or more tiers", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    ladder = ladder[[t for t in s.TIERS if t in ladder]]
    ladder = ladder.sort_values(ladder.columns[-1])
    rows = range(len(ladder))
    ax.hlines(rows, ladder.min(axis=1), ladder.max(axis=1), color="#bbbbbb", zorder=1)
    for colour, tier in zip(("#9ecae1", "#3182bd", "#08306b"), ladder.columns):
        ax.scatter(ladder[tier], rows, s=60, color=colour, label=tier, zorder=2)
    ax.set_yticks(list(rows), [c.replace("_", " ") for c in ladder.index])
    ax.set_xscale("log")
    ax.set_xlabel("list price (log scale)")
    ax.set_title("Up-selling climbs the ladder within a category")
    ax.legend(title="tier", frameon=False, loc="lower right")
    return ax


def plot_margin_by_category(products: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Average gross margin (% of list price) per category, highest first (the top 15; the title says of how many)."""
    ax = new_axes(ax, figsize=(8, 5))
    margin = (1 - products[s.UNIT_COST] / products[s.PRICE]) * 100
    table = (
        products.assign(margin=margin, category=products[s.CATEGORY].str.replace("_", " "))
        .groupby("category")["margin"].mean().sort_values(ascending=False)
    )
    shown, cut = top_rows(table.to_frame())
    sns.barplot(x=shown["margin"].to_numpy(), y=[shorten(name) for name in shown.index], ax=ax, color="#1f5f8b")
    ax.set_xlabel("gross margin, % of list price")
    ax.set_ylabel("")
    set_title(ax, "Average gross margin by category", cut)
    return ax


def plot_orders_by_month(orders: pd.DataFrame, *, by: str | None = s.CHANNEL, ax: plt.Axes | None = None) -> plt.Axes:
    """Orders per calendar month, one line per value of ``by`` (default: channel; None: one line).

    The y axis starts at zero, or at a stated round value when the counts sit
    high above zero (:func:`~xsell_lab.plots.honest_floor`).
    """
    ax = new_axes(ax)
    keys = ["month"] + ([by] if by else [])
    monthly = (
        orders.assign(month=orders[s.ORDER_DATE].dt.to_period("M").dt.to_timestamp())
        .groupby(keys).size().rename("orders").reset_index()
    )
    sns.lineplot(data=monthly, x="month", y="orders", hue=by, ax=ax, marker=".")
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("")
    bottom = honest_floor(float(monthly["orders"].min()), float(monthly["orders"].max()))
    ax.set_ylim(bottom, None)
    ax.set_ylabel("orders per month" + (f" (axis starts at {bottom:,.0f})" if bottom else ""))
    ax.set_title(f"Orders per month by {by.replace('_', ' ')}" if by else "Orders per month")
    return ax


def plot_count_by(
    frame: pd.DataFrame, column: str, *, ax: plt.Axes | None = None, title: str = "", unit: str = "rows",
    top: int | None = None,
) -> plt.Axes:
    """Horizontal bars: number of rows per value of ``column``, largest first.

    ``top`` keeps the ``top`` largest values (the title then says "top N of M").
    """
    ax = new_axes(ax, figsize=(6, 3))
    counts = frame[column].fillna("(empty)").value_counts().sort_values(ascending=False)
    title = title or f"Rows by {column.replace('_', ' ')}"
    if top is not None and len(counts) > top:
        title = f"{title} (top {top} of {len(counts):,})"
        counts = counts.head(top)
    sns.barplot(x=counts.to_numpy(), y=[shorten(name) for name in counts.index.astype(str)], ax=ax, color="#1f5f8b")
    ax.set_xlabel(unit)
    ax.set_ylabel("")
    ax.set_title(title)
    return ax


def plot_value_by_breadth(profile: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Median revenue per customer by the number of categories (or products) bought.

    Parameters
    ----------
    profile : pandas.DataFrame
        Output of :func:`xsell_lab.customers.customer_profile`.
    """
    ax = new_axes(ax)
    table = profile.groupby("breadth", observed=True)["revenue"].median()
    sns.barplot(x=table.index.astype(str), y=table.to_numpy(), ax=ax, color="#1f5f8b")
    ax.set_xlabel("")
    ax.set_ylabel("median revenue per customer")
    ax.set_title("Median revenue per customer by breadth of purchases")
    return ax
