"""Plots for what follows an offer: revenue and margin added, opt-outs after contact, value with referrals.

Each helper takes the DataFrame returned by :mod:`xsell_lab.experiments.profit`,
:mod:`xsell_lab.experiments.feedback` or :mod:`xsell_lab.clv.referrals`,
``ax=None`` (a
new figure when None) and returns the Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from xsell_lab.plots import PALETTE, new_axes, require_rows, set_title, shorten


def plot_campaign_profit(table: pd.DataFrame, *, title: str | None = None, ax: plt.Axes | None = None) -> plt.Axes:
    """Revenue and margin added per customer offered, with intervals, one pair of bars per offer arm.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`~xsell_lab.experiments.campaign_profit`: ``experiment_id``, ``variant``,
        ``revenue_difference``, ``revenue_ci_low``, ``revenue_ci_high``, ``estimate``,
        ``ci_low``, ``ci_high``.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(table, "offer arms")
    ax = new_axes(ax, (7.5, min(0.8 * len(table) + 1.6, 5.0)))
    names = [shorten(f"{row.experiment_id} · {row.variant}", 36) for row in table.itertuples()]
    y = np.arange(len(table))[::-1].astype(float)
    measures = (("revenue_difference", "revenue_ci_low", "revenue_ci_high", "revenue", PALETTE[5], 0.17),
                ("estimate", "ci_low", "ci_high", "margin after discount, contact and returns", PALETTE[0], -0.17))
    for centre, low, high, label, colour, shift in measures:
        values = table[[centre, low, high]].to_numpy(dtype=float)
        ax.hlines(y + shift, values[:, 1], values[:, 2], colors=colour, linewidth=3, label=label)
        ax.scatter(values[:, 0], y + shift, color=colour, zorder=3, s=36)
    ax.axvline(0, color="black", linestyle="--", linewidth=1)
    ax.set_yticks(y, names)
    ax.set_ylim(-0.7, len(table) + 0.3)  # room above the first arm for the legend
    ax.set_xlabel("added per customer offered, against the control group (data's money)")
    ax.legend(loc="upper center", ncol=2, fontsize="small", frameon=False)
    if title:
        set_title(ax, title)
    return ax


def plot_opt_out_rates(table: pd.DataFrame, *, title: str | None = None, ax: plt.Axes | None = None) -> plt.Axes:
    """Opt-out rate after an offer, with its interval, by how many offers came before (the over-selling check).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`~xsell_lab.experiments.feedback.opt_out_rates` without ``by``: ``contact``,
        ``offers``, ``opt_out_rate``, ``ci_low``, ``ci_high``.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(table, "groups of offers")
    ax = new_axes(ax, (7.5, 3.6))
    x = np.arange(len(table))
    rate = table["opt_out_rate"].to_numpy(dtype=float)
    colours = [PALETTE[5] if "control" in str(label) else PALETTE[4] for label in table["contact"]]
    ax.bar(x, rate, color=colours, width=0.6)
    ax.errorbar(x, rate, yerr=[rate - table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float) - rate],
                fmt="none", ecolor="black", capsize=4, linewidth=1)
    ax.set_xticks(x, [f"{shorten(label, 24)}\n({n:,} offers)" for label, n in zip(table["contact"], table["offers"])])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("opted out within the window")
    if title:
        set_title(ax, title)
    return ax


def plot_referral_value(values: pd.DataFrame, *, top: int = 10, title: str | None = None, ax: plt.Axes | None = None) -> plt.Axes:
    """The most valuable customers once referrals count: own value and the value of those they brought, stacked.

    Parameters
    ----------
    values : pandas.DataFrame
        :func:`~xsell_lab.clv.referrals.value_with_referrals` (sorted, most valuable first):
        ``customer_id``, ``own_value``, ``referred_value``, ``rank_own``.
    top : int, default 10
        Customers shown.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(values, "customers")
    shown = values.head(top)
    ax = new_axes(ax, (7.5, min(0.35 * len(shown) + 1.5, 5.0)))
    y = np.arange(len(shown))[::-1]
    ax.barh(y, shown["own_value"], color=PALETTE[0], label="own purchases")
    ax.barh(y, shown["referred_value"], left=shown["own_value"], color=PALETTE[2], label="customers they referred")
    ax.set_yticks(y, [f"{row.customer_id} (was #{row.rank_own:,})" for row in shown.itertuples()])
    ax.set_xlabel("value (the data's money)")
    ax.legend(loc="lower right", fontsize="small")
    if title:
        set_title(ax, title)
    return ax
