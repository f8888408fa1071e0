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

from xsell_lab.plots import MAX_LABELLED_ROWS, annotate_cells, honest_floor, new_axes, shorten, top_rows
from xsell_lab.stats.intervals import wilson_interval

#: Count columns of the share KPIs of :func:`xsell_lab.kpis.kpi_trend`: (successes, trials), for their 95% interval.
_SHARE_COUNTS = {
    "cross_sell_rate": ("cross_sold_customers", "customers"),
    "retention_rate": ("retained_customers", "active_customers"),
}


def plot_kpi_trend(
    trend: pd.DataFrame,
    *,
    period: str = "month",
    value: str = "value",
    label: str | None = None,
    percent: bool = False,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """A KPI over time as a line with markers, its 95% interval as a band, on an honest axis.

    The band is drawn for the share KPIs whose counts the table has
    (``cross_sell_rate``, ``retention_rate``: Wilson interval) or from
    ``ci_low``/``ci_high`` columns. The y axis starts at zero unless the
    values and band sit high above it (lowest point above half the highest):
    then at a round value below the band, which the axis label states, so a
    small drift is not drawn as a steep one.

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
    band = _interval_band(trend)
    if band is not None:
        ax.fill_between(trend[period], *band, alpha=0.2, linewidth=0, label="95% interval")
        ax.legend(loc="best")
    if pd.api.types.is_datetime64_any_dtype(trend[period]):
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel(period)
    ax.set_ylabel(name)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    drawn = [trend[value].to_numpy(dtype=float), *(band or ())]
    bottom = honest_floor(float(np.nanmin(np.concatenate(drawn))), float(np.nanmax(np.concatenate(drawn))))
    ax.set_ylim(bottom, None)
    if bottom > 0:
        shown = f"{bottom:.0%}" if percent else f"{bottom:,g}"
        ax.set_ylabel(f"{name} (axis starts at {shown})")
    return ax


def _interval_band(trend: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """Low and high 95% bounds per period: the table's ``ci_low``/``ci_high``, or Wilson from a share KPI's counts."""
    if {"ci_low", "ci_high"} <= set(trend.columns):
        return trend["ci_low"].to_numpy(dtype=float), trend["ci_high"].to_numpy(dtype=float)
    kpi = str(trend["kpi"].iloc[0]) if "kpi" in trend and len(trend) else ""
    if kpi in _SHARE_COUNTS and set(_SHARE_COUNTS[kpi]) <= set(trend.columns):
        successes, trials = _SHARE_COUNTS[kpi]
        return wilson_interval(trend[successes].to_numpy(), trend[trials].to_numpy())
    return None


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
    table, cut = top_rows(table.sort_values(value, ascending=False, kind="stable")) if len(table) > MAX_LABELLED_ROWS else (table, "")
    ax = new_axes(ax, figsize=(8, 1.2 + 0.28 * len(table)))
    positions = np.arange(len(table))
    errors = None
    if ci_low is not None and ci_high is not None:
        # a rate of 100% has an upper limit a rounding error below it: no negative error bar
        errors = np.clip(np.vstack([table[value] - table[ci_low], table[ci_high] - table[value]]), 0, None)
    ax.barh(positions, table[value], xerr=errors, capsize=4 if errors is not None else 0)
    ax.set_yticks(positions, labels=[shorten(label) for label in table[group]])
    ax.invert_yaxis()
    ax.set_ylabel(group.replace("_", " ") + cut)
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
        ``anchor``, ``attached``, ``attach_rate``); long names are
        shortened (:func:`xsell_lab.plots.shorten`).
    annotate : bool
        Write each rate in its cell, in percent (not when the grid is too
        dense for the text to print at 8 pt).
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    grid = matrix.pivot(index="anchor", columns="attached", values="attach_rate")
    ax = new_axes(ax, figsize=(2 + 0.7 * grid.shape[1], 1.8 + 0.45 * grid.shape[0]))
    values = grid.to_numpy(dtype="float64")
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(np.arange(grid.shape[1]), labels=[shorten(str(c).replace("_", " "), 24) for c in grid.columns], rotation=45, ha="right")
    ax.set_yticks(np.arange(grid.shape[0]), labels=[shorten(str(r).replace("_", " "), 24) for r in grid.index])
    ax.set_xlabel("attached (also in the basket)")
    ax.set_ylabel("anchor (in the basket)")
    ax.grid(False)
    if annotate:
        labels = np.where(np.isnan(values), "", np.vectorize(lambda rate: f"{rate:.0%}")(np.nan_to_num(values)))
        annotate_cells(ax, labels, image.cmap(image.norm(values)))
    ax.figure.colorbar(image, ax=ax, format=PercentFormatter(xmax=1), label="attach rate", shrink=0.9, pad=0.02)
    return ax
