"""Plots for channels, personalization and event triggers (:mod:`xsell_lab.channels`, :mod:`xsell_lab.triggers`).

Each helper takes the DataFrame the analysis returned, ``ax=None`` (a new
figure when None) and returns the Axes; global pyplot state is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from xsell_lab.plots import PALETTE, SMALL_TEXT, new_axes, shorten

#: Interval columns of each rate in :func:`xsell_lab.channels.channel_performance`.
_RATE_INTERVALS = {
    "cross_sell_rate": ("cross_sell_ci_low", "cross_sell_ci_high"),
    "attach_rate": ("attach_ci_low", "attach_ci_high"),
}


def plot_channel_kpis(
    table: pd.DataFrame,
    *,
    kpis: Sequence[str] = ("cross_sell_rate", "attach_rate"),
    channel: str = "channel",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Rates per purchase channel as grouped horizontal bars with their 95% intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`xsell_lab.channels.channel_performance`.
    kpis : sequence of str
        Rate columns to show (``cross_sell_rate``, ``attach_rate``,
        ``revenue_contribution``, ``revenue_share``); intervals are drawn
        where the table has them.
    channel : str
        The channel column.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, (8, 0.3 * len(table) * len(kpis) + 1.5))
    height = 0.8 / len(kpis)
    positions = np.arange(len(table))
    for i, (kpi, colour) in enumerate(zip(kpis, PALETTE)):
        values = table[kpi].to_numpy(dtype=float)
        errors = None
        if kpi in _RATE_INTERVALS:
            low, high = (table[c].to_numpy(dtype=float) for c in _RATE_INTERVALS[kpi])
            errors = np.clip(np.vstack([values - low, high - values]), 0, None)  # a rate of 0 has a Wilson low of ~1e-20
        y = positions + (i - (len(kpis) - 1) / 2) * height
        ax.barh(y, values, height=height, xerr=errors, capsize=3, color=colour, label=kpi.replace("_", " "))
        for yi, value in zip(y, values):
            ax.text(value / 2, yi, f"{value:.0%}", va="center", ha="center", color="white")
    ax.set_yticks(positions, [shorten(name) for name in table[channel]])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share (bars: 95% confidence interval)")
    ax.set_ylabel("purchase channel")
    ax.legend(loc="lower right")
    return ax


def plot_contact_response(response: pd.DataFrame, experiment_id: str, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Response rate of each arm of one experiment, with its interval, labelled with the uplift over control.

    Parameters
    ----------
    response : pandas.DataFrame
        :func:`xsell_lab.channels.contact_channel_response`.
    experiment_id : str
        The experiment to draw.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = response[response["experiment_id"] == experiment_id]
    if rows.empty:
        raise ValueError(f"plot_contact_response: no rows for experiment {experiment_id!r}.")
    ax = new_axes(ax, (7, 4))
    x = np.arange(len(rows))
    rates = rows["conversion_rate"].to_numpy(dtype=float)
    errors = np.vstack([rates - rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float) - rates])
    colours = [PALETTE[5] if np.isnan(u) else PALETTE[0] for u in rows["uplift"].to_numpy(dtype=float)]
    ax.bar(x, rates, yerr=errors, capsize=5, color=colours)
    for xi, rate, high, uplift in zip(x, rates, rows["ci_high"], rows["uplift"]):
        label = f"{rate:.1%}" if np.isnan(uplift) else f"{rate:.1%}\n({uplift * 100:+.1f} pts)"
        ax.text(xi, high + 0.005, label, ha="center", va="bottom", fontsize=SMALL_TEXT)
    ax.set_xticks(x, [f"{v}\n({c})" for v, c in zip(rows["variant"], rows["channel"])])
    ax.set_ylim(0, float(rows["ci_high"].max()) * 1.35)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("bought within the response window")
    ax.set_title(f"{experiment_id}: response by contact channel (95% CI, uplift vs control)")
    return ax


def plot_trigger_backtest(backtest: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Hit rate of each trigger rule next to its baseline, with 95% intervals.

    Parameters
    ----------
    backtest : pandas.DataFrame
        :func:`xsell_lab.triggers.backtest_triggers`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, (8, 0.8 * len(backtest) + 1.5))
    y = np.arange(len(backtest))
    for offset, (value, low, high, label, colour) in zip(
        (-0.2, 0.2),
        (("hit_rate", "ci_low", "ci_high", "after the trigger", PALETTE[0]),
         ("baseline_rate", "baseline_ci_low", "baseline_ci_high", "baseline (ordinary moment)", PALETTE[5])),
    ):
        values = backtest[value].to_numpy(dtype=float)
        errors = np.vstack([values - backtest[low].to_numpy(dtype=float), backtest[high].to_numpy(dtype=float) - values])
        ax.barh(y + offset, values, height=0.38, xerr=errors, capsize=3, color=colour, label=label)
    ax.set_yticks(y, [shorten(rule, 40) for rule in backtest["rule"]])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("bought the offered category within the window (95% CI)")
    ax.legend(loc="lower right")
    return ax


def plot_delay_profile(
    profile: pd.DataFrame, backtest: pd.DataFrame | None = None, *, ax: plt.Axes | None = None
) -> plt.Axes:
    """Share caught by an offer window that opens D days after the trigger, and share who had already bought.

    Parameters
    ----------
    profile : pandas.DataFrame
        :func:`xsell_lab.triggers.delay_profile`.
    backtest : pandas.DataFrame, optional
        :func:`xsell_lab.triggers.delay_backtest`: its hit rates are drawn as
        points with intervals.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    window = int(profile["window_days"].iloc[0])
    ax.plot(profile["delay_days"], profile["caught"], marker="o", color=PALETTE[0],
            label=f"first purchase falls in the {window}-day window (Kaplan-Meier)")
    ax.plot(profile["delay_days"], profile["already_bought"], marker="s", linestyle="--", color=PALETTE[1],
            label="already bought before the offer")
    if backtest is not None:
        rates = backtest["hit_rate"].to_numpy(dtype=float)
        errors = np.vstack([rates - backtest["ci_low"].to_numpy(dtype=float), backtest["ci_high"].to_numpy(dtype=float) - rates])
        ax.errorbar(backtest["delay_days"], rates, yerr=errors, fmt="D", color=PALETTE[2], capsize=3,
                    label="backtest hit rate, every trigger (95% CI)")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, None)
    ax.set_xlabel("delay D: days from the trigger to the offer")
    ax.set_ylabel("share of trigger customers")
    ax.legend()
    return ax
