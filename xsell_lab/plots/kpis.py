"""Plots of the cross-sell KPIs of :mod:`xsell_lab.kpis`.

Each function takes ``ax=None`` (a new figure is made when it is None),
returns the Axes and leaves global pyplot state (rcParams, the current
Axes of other figures) alone.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from xsell_lab.plots import new_axes
from xsell_lab.plots.targeting import short_label


def plot_kpi_trend(
    trend: pd.DataFrame,
    *,
    period: str = "month",
    value: str = "value",
    label: str | None = None,
    percent: bool = False,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """A KPI over time as a line with markers.

    Parameters
    ----------
    trend : pandas.DataFrame
        Output of :func:`xsell_lab.kpis.kpi_trend` (or any table with a
        ``period`` column and a ``value`` column).
    period, value : str
        Column names of the x and y values.
    label : str, optional
        Y-axis label and legend entry; defaults to the ``kpi`` column or ``value``.
    percent : bool
        Show a share (0-1) as percent on the y-axis.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    name = label or (str(trend["kpi"].iloc[0]).replace("_", " ") if "kpi" in trend and len(trend) else value)
    ax.plot(trend[period], trend[value], marker="o", label=name)
    if pd.api.types.is_datetime64_any_dtype(trend[period]):
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel(period)
    ax.set_ylabel(name)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    return ax


def plot_kpi_by_group(
    table: pd.DataFrame,
    group: str,
    value: str,
    *,
    ci_low: str | None = None,
    ci_high: str | None = None,
    percent: bool = False,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """A KPI per group (segment, channel, variant, ...) as horizontal bars, with optional CIs.

    Parameters
    ----------
    table : pandas.DataFrame
        A grouped KPI table, e.g. ``cross_sell_rate(lines, by="segment")`` or
        :func:`xsell_lab.kpis.offer_conversion_rate`.
    group, value : str
        Column with the group labels and column with the KPI.
    ci_low, ci_high : str, optional
        Columns with the interval bounds, drawn as error bars.
    percent : bool
        Show a share (0-1) as percent on the x-axis.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    positions = np.arange(len(table))
    errors = None
    if ci_low is not None and ci_high is not None:
        errors = np.vstack([table[value] - table[ci_low], table[ci_high] - table[value]])
    ax.barh(positions, table[value], xerr=errors, capsize=4 if errors is not None else 0)
    ax.set_yticks(positions, labels=table[group].astype(str))
    ax.invert_yaxis()
    ax.set_ylabel(group)
    ax.set_xlabel(value.replace("_", " "))
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    return ax


def plot_attach_heatmap(
    matrix: pd.DataFrame,
    *,
    annotate: bool = True,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Attach rates of every item to every other as a heatmap (rows: anchor, columns: attached).

    Parameters
    ----------
    matrix : pandas.DataFrame
        Output of :func:`xsell_lab.kpis.attach_rate_matrix` (columns
        ``anchor``, ``attached``, ``attach_rate``); names longer than
        :data:`xsell_lab.plots.targeting.MAX_LABEL_CHARACTERS` are cut.
    annotate : bool
        Write each rate in its cell, in percent.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    grid = matrix.pivot(index="anchor", columns="attached", values="attach_rate")
    ax = new_axes(ax, figsize=(min(2 + 0.7 * grid.shape[1], 12), 1.8 + 0.45 * grid.shape[0]))
    image = ax.imshow(grid.to_numpy(dtype="float64"), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(np.arange(grid.shape[1]), labels=[short_label(name) for name in grid.columns], rotation=45, ha="right")
    ax.set_yticks(np.arange(grid.shape[0]), labels=[short_label(name) for name in grid.index])
    ax.set_xlabel("attached (also in the basket)")
    ax.set_ylabel("anchor (in the basket)")
    ax.grid(False)
    if annotate:
        for (row, col), rate in np.ndenumerate(grid.to_numpy(dtype="float64")):
            if not np.isnan(rate):
                colour = "white" if rate > 0.6 else "black"
                ax.text(col, row, f"{rate:.0%}", ha="center", va="center", fontsize=8, color=colour)
    ax.figure.colorbar(image, ax=ax, format=PercentFormatter(xmax=1), label="attach rate", shrink=0.9, pad=0.02)
    return ax
