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

from xsell_lab.plots import PALETTE, new_axes, require_rows


def plot_whitespace_heatmap(
    table: pd.DataFrame,
    *,
    index: str,
    value: str = "expected_value_per_customer",
    columns: str = "item",
    label: str = "expected margin per customer",
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
    ax.set_xticks(np.arange(grid.shape[1]), labels=grid.columns.astype(str).str.replace("_", " "), rotation=45, ha="right")
    ax.set_yticks(np.arange(grid.shape[0]), labels=grid.index.astype(str).str.replace("_", " "))
    ax.set_xlabel(columns.replace("_", " "))
    ax.set_ylabel(index.replace("_", " "))
    ax.grid(False)
    high = np.nanmax(values)
    for (row, col), number in np.ndenumerate(values):
        if not np.isnan(number):
            text = f"{number:.0%}" if percent else f"{number:,.0f}"
            ax.text(col, row, text, ha="center", va="center", fontsize=8, color="white" if number > 0.6 * high else "black")
    colour_format = PercentFormatter(xmax=1) if percent else None
    ax.figure.colorbar(image, ax=ax, format=colour_format, label=label, shrink=0.9, pad=0.02)
    if title:
        ax.set_title(title)
    return ax


#: Longest item name shown in a bar label of :func:`plot_top_whitespace`; longer ones are cut with "...".
MAX_LABEL_CHARACTERS = 28


def plot_top_whitespace(
    top: pd.DataFrame, *, money: str = "margin", title: str | None = None, ax: plt.Axes | None = None
) -> plt.Axes:
    """The opportunity list as horizontal bars: total expected value of each (main product -> item).

    Each bar is labelled on two lines: the two items (names longer than
    :data:`MAX_LABEL_CHARACTERS` are cut, so long product names leave room for
    the bars), then the customers without the item and the share of peers
    who own it.

    Parameters
    ----------
    top : pandas.DataFrame
        Output of :func:`xsell_lab.targeting.top_whitespace` (largest first).
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
    ax = new_axes(ax, figsize=(8, 1.2 + 0.55 * len(top)))
    labels = [
        f"{short_label(row.main_item)} owners -> {short_label(row.item)}\n"
        f"({row.customers_without_it:,} without, {row.probability:.0%} of peers own it)"
        for row in top.itertuples()
    ]
    positions = np.arange(len(top))[::-1]
    ax.barh(positions, top["expected_value"], color=PALETTE[0])
    ax.set_yticks(positions, labels=labels, fontsize=8)
    ax.set_xlabel(f"expected {money} if they bought like their peers")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def short_label(name: object, limit: int = MAX_LABEL_CHARACTERS) -> str:
    """An item name for an axis label: underscores as spaces, cut to ``limit`` characters with "...".

    Examples
    --------
    >>> short_label("SET OF 3 CAKE TINS PANTRY DESIGN", 20), short_label("paper_a4")
    ('SET OF 3 CAKE TIN...', 'paper a4')
    """
    text = str(name).replace("_", " ")
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def plot_profile_lift(lift: pd.DataFrame, *, title: str | None = None, ax: plt.Axes | None = None) -> plt.Axes:
    """Lift of each feature value among the target customers: bars right of 1 = over-represented.

    Parameters
    ----------
    lift : pandas.DataFrame
        Output of :func:`xsell_lab.targeting.profile_lift` (a few features;
        each bar is labelled ``feature: value`` and with its customer count).
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(lift, "profile lift")
    ax = new_axes(ax, figsize=(8, 1.2 + 0.28 * len(lift)))
    features = list(dict.fromkeys(lift["feature"]))
    colours = {feature: PALETTE[i % len(PALETTE)] for i, feature in enumerate(features)}
    positions = np.arange(len(lift))[::-1]
    ax.barh(positions, lift["lift"] - 1, left=1, color=[colours[f] for f in lift["feature"]])
    labels = [f"{row.feature.replace('_', ' ')}: {str(row.value).replace('_', ' ')} (n={row.customers:,})" for row in lift.itertuples()]
    ax.set_yticks(positions, labels=labels, fontsize=8)
    ax.axvline(1, color="black", linewidth=1)
    ax.set_xlabel("lift = share among target customers / share among all customers")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
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
    if title:
        ax.set_title(title)
    return ax
