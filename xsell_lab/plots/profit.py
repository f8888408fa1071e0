"""Plots for campaign profitability: what each offer arm added in revenue and in margin, per customer offered.

Each helper takes the DataFrame returned by :mod:`xsell_lab.experiments.profit`
(or :mod:`xsell_lab.feedback`, :mod:`xsell_lab.clv.referrals`), ``ax=None`` (a
new figure when None) and returns the Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

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
