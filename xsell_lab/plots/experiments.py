"""Plots for A/B tests of offers: uplift intervals, segment effects, power and peeking.

Each helper takes the DataFrame returned by :mod:`xsell_lab.experiments`,
``ax=None`` (a new figure when None) and returns the Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, PercentFormatter

from xsell_lab.plots import PALETTE, new_axes, shorten


def plot_uplift(
    table: pd.DataFrame,
    *,
    labels: list[str] | None = None,
    estimate: str = "uplift",
    percent: bool = True,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Forest plot: one row per comparison, the estimate with its confidence interval.

    Intervals that exclude zero are drawn in the lab's first colour, the
    others in grey; the dashed line is "no effect". Labels are shown as
    written: a ``$`` (a segment such as ``$0 - $100``) does not start math.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with ``estimate``, ``ci_low``, ``ci_high`` and the ``labels`` columns,
        e.g. :func:`~xsell_lab.experiments.compare_conversion`.
    labels : list of str, optional
        Columns joined into each row's label; default experiment and variant.
    estimate : str
        Column with the point estimate (``uplift``, ``difference``).
    percent : bool
        Show the axis in percentage points (estimates are fractions).
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    labels = labels or ["experiment_id", "variant"]
    ax = new_axes(ax, (8, 0.5 * len(table) + 1.5))
    names = [shorten(name, 40).replace("$", r"\$") for name in table[labels].astype(str).agg(" · ".join, axis=1)]
    y = np.arange(len(table))[::-1]
    centre, low, high = (table[c].to_numpy(dtype=float) for c in (estimate, "ci_low", "ci_high"))
    clear = (low > 0) | (high < 0)
    colours = np.where(clear, PALETTE[0], PALETTE[5])
    ax.hlines(y, low, high, colors=colours, linewidth=3)
    ax.scatter(centre, y, color=colours, zorder=3, s=40)
    ax.axvline(0, color="black", linestyle="--", linewidth=1)
    ax.set_yticks(y, names)
    ax.set_ylim(-0.7, len(table) - 0.3)
    if percent:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value * 100:+.0f} pts" if value else "0"))
        ax.set_xlabel("uplift over control (percentage points), with its interval")
    else:
        ax.set_xlabel(f"{estimate} over control, with confidence interval")
    if title:
        ax.set_title(title)
    return ax


def plot_segment_effects(
    table: pd.DataFrame,
    *,
    segment_column: str = "segment",
    title: str = "Uplift by customer segment",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Uplift with interval per segment (rows of :func:`~xsell_lab.experiments.segment_effects`)."""
    return plot_uplift(table, labels=["variant", segment_column], title=title, ax=ax)


def plot_power_curve(
    power: pd.DataFrame,
    *,
    target: float = 0.8,
    highlight: int | None = None,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Power against customers per arm (rows of :func:`~xsell_lab.experiments.power_two_proportions`).

    ``highlight`` marks one arm size (e.g. the last test's) with a dotted line.
    """
    ax = new_axes(ax)
    if highlight is not None:
        ax.axvline(highlight, color=PALETTE[5], linestyle=":", linewidth=1.5, label=f"{highlight:,} customers per arm")
    ax.plot(power["customers_control"], power["power"], color=PALETTE[0], linewidth=2)
    ax.axhline(target, color=PALETTE[1], linestyle="--", linewidth=1, label=f"target power {target:.0%}")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("customers per arm")
    ax.set_ylabel("chance of detecting the uplift")
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def plot_peeking(
    simulation: pd.DataFrame, *, alpha: float = 0.05, title: str | None = None, ax: plt.Axes | None = None
) -> plt.Axes:
    """False-positive rate of peeking vs a single look (rows of :func:`~xsell_lab.experiments.peeking_simulation`)."""
    ax = new_axes(ax)
    x = simulation["customers_per_arm"]
    ax.plot(x, simulation["false_positive_rate_peeking"], marker="o", color=PALETTE[4],
            label="peeking: stop at the first 'significant' look")
    ax.plot(x, simulation["significant_at_this_look"], marker="s", color=PALETTE[0],
            label="one look at this size (fixed horizon)")
    ax.axhline(alpha, color="black", linestyle="--", linewidth=1, label=f"promised false-positive rate {alpha:.0%}")
    ax.set_ylim(0, max(0.3, float(simulation["false_positive_rate_peeking"].max()) + 0.05))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("customers per arm so far")
    ax.set_ylabel("tests declaring a winner\nwhen there is none")
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return ax
