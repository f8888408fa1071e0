"""Plots for customer lifetime value: model checks, P(alive), cohorts and profit concentration.

Each helper takes the tidy table of the matching :mod:`xsell_lab.clv`
function, draws on ``ax`` (a new figure when None) and returns the Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import PercentFormatter
import numpy as np
import pandas as pd

from xsell_lab.clv.bgnbd import BetaGeoModel
from xsell_lab.plots import PALETTE, SMALL_TEXT, new_axes


def plot_holdout_by_frequency(table: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Mean holdout purchases by calibration frequency, actual vs BG/NBD expected.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`xsell_lab.clv.holdout_by_frequency`.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    """
    ax = new_axes(ax)
    positions = np.arange(len(table))
    ax.bar(positions - 0.2, table["actual"], width=0.4, color=PALETTE[0], label="actual")
    ax.bar(positions + 0.2, table["expected"], width=0.4, color=PALETTE[1], label="BG/NBD expected")
    ax.set_xticks(positions, table["label"])
    ax.set(
        xlabel="Repeat purchases in the calibration period",
        ylabel="Mean purchases in the holdout",
        title="Holdout purchases by past frequency",
    )
    ax.legend(frameon=False)
    return ax


def plot_cumulative_purchases(curve: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Cumulative repeat purchases of the cohort, actual vs expected, with the calibration end marked.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`xsell_lab.clv.cumulative_repeat_purchases`.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    """
    ax = new_axes(ax)
    ax.plot(curve["date"], curve["actual"], color=PALETTE[0], label="actual")
    ax.plot(curve["date"], curve["expected"], color=PALETTE[1], linestyle="--", label="BG/NBD expected")
    calibration_end = curve.loc[curve["period_type"] == "calibration", "date"].max()
    ax.axvline(calibration_end, color="grey", linewidth=1)
    ax.annotate("end of calibration", (calibration_end, 0), xytext=(4, 4), textcoords="offset points", fontsize=SMALL_TEXT)
    ax.set(xlabel="Date", ylabel="Cumulative repeat purchases", title="Repeat purchases over time")
    ax.legend(frameon=False)
    return ax


def plot_p_alive_matrix(
    model: BetaGeoModel,
    T: float,
    max_frequency: int = 15,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """P(alive) for every frequency and recency of customers who are ``T`` time units old.

    Parameters
    ----------
    model : BetaGeoModel
        A fitted model.
    T : float
        Customer age (time since first purchase) in the model's time unit.
    max_frequency : int, default 15
        Highest frequency shown.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    """
    ax = new_axes(ax, figsize=(7, 4.5))
    recency = np.linspace(0, T, 60)
    frequency = np.arange(0, max_frequency + 1)
    grid = pd.DataFrame(
        {
            "frequency": np.repeat(frequency, len(recency)),
            "recency": np.tile(recency, len(frequency)),
            "T": T,
        }
    )
    grid.loc[grid["frequency"] == 0, "recency"] = 0.0
    p_alive = model.conditional_probability_alive(grid).to_numpy().reshape(len(frequency), len(recency))
    image = ax.imshow(
        p_alive, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1,
        extent=(0, T, -0.5, max_frequency + 0.5),
    )
    ax.figure.colorbar(image, ax=ax, label="P(alive)")
    ax.set(
        xlabel="Recency (time from first to last purchase)",
        ylabel="Repeat purchases (frequency)",
        title=f"P(alive) of customers aged {T:g}",
    )
    ax.grid(False)
    return ax


def plot_cohort_retention(curves: pd.DataFrame, ax: plt.Axes | None = None, max_cohorts: int = 8) -> plt.Axes:
    """Share of each cohort still buying, by age.

    Parameters
    ----------
    curves : pandas.DataFrame
        Output of :func:`xsell_lab.clv.cohort_curves`.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    max_cohorts : int, default 8
        The oldest cohorts shown (one line each).
    """
    ax = new_axes(ax)
    cohorts = sorted(curves["cohort"].unique())[:max_cohorts]
    for colour, cohort in zip(PALETTE * 2, cohorts):
        one = curves[(curves["cohort"] == cohort) & (curves["age"] > 0)]
        ax.plot(one["age"], one["retention"], color=colour, marker="o", markersize=3, label=f"{cohort:%Y-%m}")
    ax.set(xlabel="Periods since the first purchase", ylabel="Share of the cohort buying", title="Cohort retention")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(title="cohort", frameon=False, ncols=2)
    return ax


def plot_profit_concentration(profit: pd.Series, ax: plt.Axes | None = None) -> plt.Axes:
    """The whale curve: cumulative share of profit by share of customers, most profitable first.

    Parameters
    ----------
    profit : pandas.Series
        Profit per customer (e.g. ``customer_profitability(...)["profit"]``).
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    """
    ax = new_axes(ax)
    ranked = np.sort(profit.to_numpy())[::-1]
    customers = np.arange(0, len(ranked) + 1) / len(ranked)
    cumulative = np.r_[0, np.cumsum(ranked)] / ranked.sum()
    ax.plot(customers, cumulative, color=PALETTE[0])
    ax.axhline(1.0, color="grey", linewidth=1, linestyle=":")
    top = cumulative[int(np.ceil(len(ranked) / 10))]
    ax.scatter([0.1], [top], color=PALETTE[1], zorder=3)
    ax.annotate(f"top 10% earn {top:.0%}", (0.1, top), xytext=(8, -14), textcoords="offset points")
    ax.set(xlabel="Share of customers (most profitable first)", ylabel="Cumulative share of profit",
           title="Profit concentration (whale curve)")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    return ax
