"""Plots of the customer lifecycle (:mod:`xsell_lab.lifecycle`).

Each function takes ``ax=None`` (a new figure is made when it is None),
returns the Axes and leaves global pyplot state alone.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import PercentFormatter

from xsell_lab.plots import PALETTE, SMALL_TEXT, new_axes


def plot_funnel(funnel: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """The stage funnel as horizontal bars, each labelled with its count and its conversion.

    Parameters
    ----------
    funnel : pandas.DataFrame
        :func:`xsell_lab.lifecycle.stage_funnel` without ``by``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, figsize=(8, 3.6))
    stages = funnel["stage"].astype(str).str.replace("_", " ").tolist()
    positions = np.arange(len(stages))[::-1]
    ax.barh(positions, funnel["customers"], color=PALETTE[0])
    top = funnel["customers"].max()
    for y, (stage, count, rate) in zip(positions, funnel[["stage", "customers", "conversion_rate"]].itertuples(index=False)):
        label = f"{count:,}" if stage == "awareness" else f"{count:,}  ({rate:.0%} of the previous stage)"
        ax.text(count + top * 0.01, y, label, va="center", fontsize=SMALL_TEXT)
    ax.set_yticks(positions, stages)
    ax.set_xlim(0, top * 1.35)
    ax.set_xlabel("customers who reached the stage")
    ax.grid(axis="y", visible=False)
    return ax


def plot_stage_distribution(distribution: pd.DataFrame, by: str, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Where customers stand now: one stacked bar of stage shares per group.

    Parameters
    ----------
    distribution : pandas.DataFrame
        :func:`xsell_lab.lifecycle.stage_distribution` with ``by``.
    by : str
        The group column.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, figsize=(8, 3.2))
    shares = distribution.pivot(index=by, columns="stage", values="share")
    shares = shares.loc[:, shares.sum() > 0]
    left = np.zeros(len(shares))
    colors = sns.color_palette("crest", n_colors=shares.shape[1])
    for color, stage in zip(colors, shares.columns):
        ax.barh(shares.index.astype(str), shares[stage], left=left, color=color, label=str(stage).replace("_", " "))
        left += shares[stage].to_numpy()
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel("share of customers")
    ax.legend(ncols=min(shares.shape[1], 4), loc="upper center", bbox_to_anchor=(0.5, -0.28), frameon=False)
    ax.grid(axis="y", visible=False)
    return ax


def plot_transition_heatmap(matrix: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Stage at the start (rows) against stage at the end (columns), as row percentages.

    Parameters
    ----------
    matrix : pandas.DataFrame
        :func:`xsell_lab.lifecycle.stage_transitions` with ``normalize=True``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, figsize=(7.5, 4.2))
    labels = matrix.map(lambda share: f"{share:.0%}" if share >= 0.005 else "")
    sns.heatmap(
        matrix, annot=labels, fmt="", cmap="Blues", vmin=0, vmax=1, cbar=False, linewidths=0.5, ax=ax,
        xticklabels=[str(t).replace("_", " ") for t in matrix.columns],
        yticklabels=[str(t).replace("_", " ") for t in matrix.index],
    )
    ax.tick_params(axis="y", labelrotation=0)
    ax.tick_params(axis="x", labelrotation=30)
    plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.set_ylabel("stage at the start")
    ax.set_xlabel("stage at the end")
    ax.grid(False)
    return ax


def plot_survival_curves(
    curves: pd.DataFrame,
    *,
    by: str | None = None,
    share_bought: bool = True,
    mark_days: float | None = None,
    max_days: float | None = None,
    ylabel: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Kaplan-Meier curves as steps, with their confidence band.

    Parameters
    ----------
    curves : pandas.DataFrame
        :func:`xsell_lab.lifecycle.kaplan_meier` (with ``by`` for several curves).
    by : str, optional
        The group column: one curve per group.
    share_bought : bool
        Plot ``1 - S(t)``, the share who have bought by day t (easier to read
        for "how soon do they come back"), instead of ``S(t)``.
    mark_days : float, optional
        Draw a vertical line at this day (e.g. the offer's timing).
    max_days : float, optional
        Right end of the x axis.
    ylabel : str, optional
        Label of the y axis; by default "share who bought again" (or "share
        still waiting" with ``share_bought=False``).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    groups = curves.groupby(by, sort=True) if by else [("all", curves)]
    for color, (name, curve) in zip(PALETTE * 3, groups):
        time = np.r_[0.0, curve["time"].to_numpy()]
        value, low, high = (np.r_[1.0, curve[c].to_numpy()] for c in ("survival", "ci_low", "ci_high"))
        if share_bought:
            value, low, high = 1 - value, 1 - high, 1 - low
        label = str(name[0] if isinstance(name, tuple) else name).replace("_", " ")
        ax.step(time, value, where="post", color=color, label=label)
        ax.fill_between(time, low, high, step="post", color=color, alpha=0.15, linewidth=0)
    if mark_days is not None:
        ax.axvline(mark_days, color="grey", linestyle="--", linewidth=1)
    ax.set_xlim(0, max_days)
    ax.set_ylim(0, None)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel("days since the purchase")
    ax.set_ylabel(ylabel or ("share who bought again" if share_bought else "share still waiting"))
    if by:
        ax.legend()
    return ax
