"""Plots for uplift: observed against predicted uplift by group, Qini curves, and who each offer list reaches.

Each helper takes the DataFrame returned by :mod:`xsell_lab.experiments.uplift`,
``ax=None`` (a new figure when None) and returns the Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, PercentFormatter

from xsell_lab.experiments.offer_lists import COMPARISON_COLUMNS
from xsell_lab.plots import PALETTE, new_axes, require_rows


def plot_uplift_by_group(groups: pd.DataFrame, *, title: str | None = None, ax: plt.Axes | None = None) -> plt.Axes:
    """Observed uplift per predicted-uplift group, with its interval, beside the model's prediction.

    Parameters
    ----------
    groups : pandas.DataFrame
        :func:`~xsell_lab.experiments.uplift_by_group`: ``group``, ``observed_uplift``,
        ``ci_low``, ``ci_high``, ``predicted_uplift``.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(groups, "uplift groups")
    ax = new_axes(ax, (8, 4))
    x = np.arange(len(groups))
    observed = groups["observed_uplift"].to_numpy(dtype=float)
    low, high = groups["ci_low"].to_numpy(dtype=float), groups["ci_high"].to_numpy(dtype=float)
    ax.bar(x, observed, width=0.6, color=PALETTE[0], label="observed in the test (95% interval)")
    ax.errorbar(x, observed, yerr=[observed - low, high - observed], fmt="none", ecolor="black", capsize=4, linewidth=1)
    ax.scatter(x, groups["predicted_uplift"], color=PALETTE[1], zorder=3, s=45, marker="D", label="predicted by the model")
    ax.axhline(0, color="black", linewidth=1)
    ax.set_xticks(x, [f"{g}" + (" (highest)" if i == 0 else " (lowest)" if i == len(groups) - 1 else "")
                      for i, g in enumerate(groups["group"])])
    ax.set_xlabel("customers grouped by predicted uplift")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value * 100:+.0f} pts" if value else "0"))
    ax.set_ylabel("uplift: bought with offer minus without")
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return ax


def plot_qini(curves: dict[str, pd.DataFrame], *, title: str | None = None, ax: plt.Axes | None = None) -> plt.Axes:
    """Qini curves of one or more rankings, with the random ranking's straight line.

    Parameters
    ----------
    curves : dict of str to pandas.DataFrame
        Label to :func:`~xsell_lab.experiments.qini_curve`; the random line is drawn from the first.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not curves:
        raise ValueError("plot_qini needs at least one curve.")
    ax = new_axes(ax, (8, 4.5))
    for colour, (label, curve) in zip(PALETTE, curves.items(), strict=False):
        require_rows(curve, f"Qini curve {label!r}")
        ax.plot(curve["share_targeted"], curve["qini"], color=colour, linewidth=2, label=label)
    first = next(iter(curves.values()))
    ax.plot(first["share_targeted"], first["random"], color="grey", linestyle="--", linewidth=1.5, label="random order")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of customers offered, best-ranked first")
    ax.set_ylabel("extra buyers among the offered\n(Qini: beyond what control predicts)")
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def plot_offer_lists(comparison: pd.DataFrame, *, title: str | None = None, ax: plt.Axes | None = None) -> plt.Axes:
    """Who each offer list reaches: customers of each kind per list, with the profit it truly adds.

    Parameters
    ----------
    comparison : pandas.DataFrame
        :func:`~xsell_lab.experiments.offer_list_comparison`: one row per list, a count column per kind.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(comparison, "offer list comparison")
    ax = new_axes(ax, (8, 3.8))
    kinds = [c for c in comparison.columns if c not in COMPARISON_COLUMNS]
    left = np.zeros(len(comparison))
    rows = np.arange(len(comparison))[::-1]
    for colour, kind in zip(PALETTE, kinds, strict=False):
        ax.barh(rows, comparison[kind], left=left, color=colour, label=kind)
        left += comparison[kind].to_numpy()
    for row, total, profit in zip(rows, left, comparison["true_incremental_profit"], strict=True):
        ax.annotate(f"true profit added {profit:,.0f}", (total, row), xytext=(6, 0), textcoords="offset points", va="center", fontsize=9,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_yticks(rows, comparison["list"])
    ax.set_xlim(0, left.max() * 1.45)
    ax.set_xlabel("customers offered, by their planted kind")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=len(kinds), fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    return ax
