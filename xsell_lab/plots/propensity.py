"""Plots of propensity models and guardrails (:mod:`xsell_lab.propensity`, :mod:`xsell_lab.guardrails`).

Each function takes ``ax=None`` (a new figure is made when it is None),
returns the Axes and leaves global pyplot state alone.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, PercentFormatter

from xsell_lab.plots import PALETTE, SMALL_TEXT, new_axes


def plot_gains(gains: Mapping[str, pd.DataFrame] | pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Cumulative gains curve: share of buyers found when contacting the top-scored share of customers.

    Parameters
    ----------
    gains : pandas.DataFrame or mapping of str to pandas.DataFrame
        Output(s) of :func:`xsell_lab.propensity.gains_table`, by model name.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, figsize=(6, 4.5))
    tables = {"model": gains} if isinstance(gains, pd.DataFrame) else dict(gains)
    for (name, table), colour in zip(tables.items(), PALETTE):
        x = np.r_[0, table["cumulative_customers"]]
        y = np.r_[0, table["cumulative_buyers"]]
        ax.plot(x, y, marker="o", color=colour, label=name)
    ax.plot([0, 1], [0, 1], linestyle="--", color=PALETTE[5], label="random contact")
    ax.set_xlabel("customers contacted (top-scored first)")
    ax.set_ylabel("share of all buyers reached")
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    return ax


def plot_lift(gains: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Lift by decile: each decile's buying rate divided by the average rate.

    Parameters
    ----------
    gains : pandas.DataFrame
        Output of :func:`xsell_lab.propensity.gains_table`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, figsize=(7, 3.5))
    ax.bar(gains["decile"], gains["lift"], color=PALETTE[0])
    ax.axhline(1, color=PALETTE[1], linestyle="--", label="average customer")
    ax.set_xticks(gains["decile"])
    ax.set_xlabel("score decile (1 = highest propensity)")
    ax.set_ylabel("lift (x average buying rate)")
    ax.legend()
    return ax


def plot_calibration(calibration: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Predicted against observed buying rate per score bin, with 95 % intervals.

    Parameters
    ----------
    calibration : pandas.DataFrame
        Output of :func:`xsell_lab.propensity.calibration_table`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, figsize=(5, 4.5))
    predicted, observed = calibration["mean_predicted"], calibration["observed_rate"]
    errors = np.vstack([observed - calibration["ci_low"], calibration["ci_high"] - observed])
    ax.errorbar(predicted, observed, yerr=errors, fmt="o", color=PALETTE[0], capsize=3, label="score bins (95% CI)")
    top = max(float(calibration["ci_high"].max()), float(predicted.max())) * 1.05
    ax.plot([0, top], [0, top], linestyle="--", color=PALETTE[5], label="perfect calibration")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("predicted probability to buy")
    ax.set_ylabel("share who actually bought")
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.legend(loc="upper left")
    return ax


def plot_odds_ratios(summary: pd.DataFrame, *, top: int = 12, ax: plt.Axes | None = None) -> plt.Axes:
    """Odds ratios with their intervals (the summary's confidence, 95 % by default) on a log scale, strongest first.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :meth:`xsell_lab.propensity.PropensityModel.summary`.
    top : int, default 12
        How many features to show (largest ``|log odds ratio|``); the
        baseline is left out.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    table = summary.drop(index="const", errors="ignore")
    table = table.loc[table["estimate"].abs().sort_values(ascending=False).index[:top]].iloc[::-1]
    ax = new_axes(ax, figsize=(7, 0.35 * len(table) + 1.2))
    y = np.arange(len(table))
    colours = [PALETTE[0] if value >= 1 else PALETTE[1] for value in table["odds_ratio"]]
    errors = np.vstack([table["odds_ratio"] - table["odds_ratio_low"], table["odds_ratio_high"] - table["odds_ratio"]])
    ax.errorbar(table["odds_ratio"], y, xerr=errors, fmt="none", ecolor=PALETTE[5], capsize=2)
    ax.scatter(table["odds_ratio"], y, color=colours, zorder=3)
    ax.axvline(1, color="black", linewidth=0.8)
    ax.set_xscale("log")
    low, high = float(table["odds_ratio_low"].min()), float(table["odds_ratio_high"].max())
    ticks = [v for v in (0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32) if low / 1.5 <= v <= high * 1.5]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(y, table["meaning"] if "meaning" in table else table.index)
    ax.set_xlabel("odds ratio (log scale; > 1 raises the odds of buying)")
    return ax


def plot_guardrail_funnel(funnel: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Offers left after each guardrail, with the number each rule removed.

    Parameters
    ----------
    funnel : pandas.DataFrame
        Output of :func:`xsell_lab.guardrails.guardrail_funnel`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, figsize=(7, 0.4 * len(funnel) + 1.2))
    y = np.arange(len(funnel))[::-1]
    ax.barh(y, funnel["remaining"], color=PALETTE[0], label="offers left")
    ax.barh(y, funnel["removed"], left=funnel["remaining"], color=PALETTE[4], alpha=0.6, label="removed by this rule")
    for yi, remaining, removed in zip(y, funnel["remaining"], funnel["removed"]):
        text = f"{remaining:,}" + (f"  (-{removed:,})" if removed else "")
        ax.text(remaining + removed, yi, " " + text, va="center", fontsize=SMALL_TEXT)
    ax.set_yticks(y, [rule.replace("_", " ") for rule in funnel["rule"]])
    ax.set_xlim(0, funnel["remaining"].iloc[0] * 1.25)
    ax.set_xlabel("offers")
    ax.legend(loc="lower right")
    return ax
