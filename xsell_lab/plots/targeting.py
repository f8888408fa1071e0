"""Plots of cross-sell opportunities (:mod:`xsell_lab.targeting`): whitespace, profiles, lookalikes.

Each function takes ``ax=None`` (a new figure is made when it is None),
returns the Axes and leaves global pyplot state alone. An empty input raises
a ``ValueError`` instead of drawing an empty plot.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from xsell_lab.plots import PALETTE, SMALL_TEXT, annotate_cells, new_axes, require_rows, set_title, shorten, top_rows


def plot_whitespace_heatmap(
    table: pd.DataFrame,
    *,
    index: str,
    value: str = "expected_value_per_customer",
    columns: str = "item",
    label: str = "expected value per customer",
    percent: bool = False,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Groups (rows) x items (columns), each cell coloured and labelled with ``value``.

    Parameters
    ----------
    table : pandas.DataFrame
        Long table, e.g. :func:`xsell_lab.targeting.whitespace_value_by_group`
        or :func:`xsell_lab.targeting.whitespace_summary` with groups.
    index, columns : str
        Columns that become the rows and the columns of the heatmap.
    value : str
        Column shown in the cells.
    label : str
        Colour-bar label.
    percent : bool
        Show a share (0-1) in percent.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(table, "table")
    grid = table.pivot(index=index, columns=columns, values=value)
    ax = new_axes(ax, figsize=(min(2.5 + 0.6 * grid.shape[1], 13), 1.6 + 0.5 * grid.shape[0]))
    values = grid.to_numpy(dtype="float64")
    image = ax.imshow(values, cmap="Oranges", vmin=0, aspect="auto")
    ax.set_xticks(np.arange(grid.shape[1]), labels=[shorten(str(c).replace("_", " "), 24) for c in grid.columns], rotation=45, ha="right")
    ax.set_yticks(np.arange(grid.shape[0]), labels=[shorten(str(r).replace("_", " "), 24) for r in grid.index])
    ax.set_xlabel(columns.replace("_", " "))
    ax.set_ylabel(index.replace("_", " "))
    ax.grid(False)
    shown = np.vectorize(lambda number: f"{number:.0%}" if percent else f"{number:,.0f}")(np.nan_to_num(values))
    annotate_cells(ax, np.where(np.isnan(values), "", shown), image.cmap(image.norm(np.nan_to_num(values))))
    colour_format = PercentFormatter(xmax=1) if percent else None
    ax.figure.colorbar(image, ax=ax, format=colour_format, label=label, shrink=0.9, pad=0.02)
    set_title(ax, title or "")
    return ax




def plot_top_whitespace(
    top: pd.DataFrame, *, money: str = "margin", title: str | None = None, ax: plt.Axes | None = None
) -> plt.Axes:
    """The opportunity list as horizontal bars: total expected value of each (main product -> item).

    Each bar is labelled with the two items (long names shortened by
    :func:`xsell_lab.plots.shorten`, so they leave room for the bars); the
    customers without the item and the share of peers who own it are written
    after the bar.

    Parameters
    ----------
    top : pandas.DataFrame
        Output of :func:`xsell_lab.targeting.top_whitespace` (largest first),
        or of :func:`xsell_lab.targeting.sized_opportunities` (then the bars
        carry the interval and the expected buyers); the first 10 are drawn,
        and the title says "top 10 of N" when there are more.
    money : {"margin", "revenue"}
        What the expected value is counted in (the x-axis label says it).
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(top, "top whitespace")
    top, cut = top_rows(top, top=10)
    ax = new_axes(ax, figsize=(8, 1.2 + 0.38 * len(top)))
    labels = [f"{shorten(row.main_item, 24)} owners\n-> {shorten(row.item, 24)}".replace("_", " ") for row in top.itertuples()]
    positions = np.arange(len(top))[::-1]
    sized = "expected_buyers" in top  # targeting.sized_opportunities: later conversion, with its interval
    errors = [top["expected_value"] - top["value_low"], top["value_high"] - top["expected_value"]] if sized else None
    ax.barh(positions, top["expected_value"], xerr=errors, color=PALETTE[0], capsize=3, error_kw={"lw": 0.8})
    ends = top["value_high"] if sized else top["expected_value"]
    for y, row, end in zip(positions, top.itertuples(), ends):
        said = f"about {row.expected_buyers:,.0f} expected buyers" if sized else f"{row.probability:.0%} of peers own it"
        ax.text(end, y, f" {row.customers_without_it:,} without, {said}", va="center", fontsize=SMALL_TEXT)
    ax.set_xlim(0, float(ends.max()) * 2.1)  # room for the counts after the longest bar
    ax.set_yticks(positions, labels=labels)
    ax.set_xlabel(f"expected {money} at the later conversion (95% interval)" if sized else f"expected {money} if they bought like their peers")
    ax.grid(axis="y", visible=False)
    set_title(ax, title or "", cut)
    return ax


def plot_profile_lift(lift: pd.DataFrame, *, title: str | None = None, ax: plt.Axes | None = None) -> plt.Axes:
    """Lift of each feature value among the target customers: bars right of 1 = over-represented.

    Parameters
    ----------
    lift : pandas.DataFrame
        Output of :func:`xsell_lab.targeting.profile_lift` (a few features;
        each bar is labelled ``feature: value`` and with its customer count).
        At most 10 rows are drawn: those whose lift is furthest from 1, in
        the table's order; the title then says how many of how many.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(lift, "profile lift")
    strongest = (lift["lift"] - 1).abs().sort_values(ascending=False, kind="stable")
    lift, cut = top_rows(lift.loc[strongest.index], top=10)
    lift = lift.sort_index()
    ax = new_axes(ax, figsize=(8, 1.4 + 0.34 * len(lift)))
    features = list(dict.fromkeys(lift["feature"]))
    colours = {feature: PALETTE[i % len(PALETTE)] for i, feature in enumerate(features)}
    positions = np.arange(len(lift))[::-1]
    ax.barh(positions, lift["lift"] - 1, left=1, color=[colours[f] for f in lift["feature"]])
    labels = [f"{shorten(row.feature, 16)}: {shorten(row.value, 18)}".replace("_", " ") + f"\nn = {row.customers:,}" for row in lift.itertuples()]
    ax.set_yticks(positions, labels=labels)
    ax.axvline(1, color="black", linewidth=1)
    ax.set_xlabel("lift = share among target customers / share among all customers")
    ax.grid(axis="y", visible=False)
    set_title(ax, title or "", cut.replace("top", "furthest from 1:"))
    return ax


def plot_lookalike_scores(
    ranked: pd.DataFrame, *, base_rate: float | None = None, title: str | None = None, ax: plt.Axes | None = None
) -> plt.Axes:
    """Histogram of lookalike scores (share of target customers among each candidate's neighbours).

    Parameters
    ----------
    ranked : pandas.DataFrame
        Output of :func:`xsell_lab.targeting.lookalikes`.
    base_rate : float, optional
        The share of target customers overall, drawn as a reference line.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(ranked, "lookalikes")
    ax = new_axes(ax, figsize=(8, 3.5))
    k = int(ranked["neighbours"].iloc[0])
    edges = (np.arange(k + 2) - 0.5) / k
    ax.hist(ranked["score"], bins=edges, color=PALETTE[0])
    if base_rate is not None:
        ax.axvline(base_rate, color=PALETTE[1], linestyle="--", label=f"overall share {base_rate:.0%}")
        ax.legend(loc="upper left")
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel(f"lookalike score: share of target customers among the {k} most similar customers")
    ax.set_ylabel("customers")
    set_title(ax, title or "")
    return ax
