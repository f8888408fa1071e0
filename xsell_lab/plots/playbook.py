"""Plots of :mod:`xsell_lab.playbook`: what each offer added at each stage of the customer's life.

Each function takes ``ax=None`` (a new figure is made when it is None),
returns the Axes and leaves global pyplot state alone.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.plots import FIGURE_WIDTH, MAX_FIGURE_HEIGHT, new_axes, require_rows, set_title, shorten

#: Short names of the stages of :func:`xsell_lab.playbook.offer_stages` on the chart's axis.
_STAGE_LABELS = {"prospect": "prospect", "first_time_buyer": "1st-time", "repeat_buyer": "repeat", "lapsed": "lapsed"}


def plot_tactics_by_stage(
    tactics: pd.DataFrame,
    *,
    title: str = "What each offer added, by stage",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """One bar per stage and offer arm (its experiment and variant): the uplift over control, with its interval.

    Parameters
    ----------
    tactics : pandas.DataFrame
        :func:`xsell_lab.playbook.tactics_by_stage`; arms without a control are left out.
    title : str
        Chart title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    shown = tactics[tactics["uplift_ci_low"].notna()].reset_index(drop=True)
    require_rows(shown, "offer arm with a control arm at the same stage")
    ax = new_axes(ax, figsize=(FIGURE_WIDTH, min(MAX_FIGURE_HEIGHT, 1.6 + 0.32 * len(shown))))
    y = np.arange(len(shown))[::-1]
    names = [shorten(f"{_STAGE_LABELS.get(stage, stage)}: {experiment} {variant}")
             for stage, experiment, variant in zip(shown["stage"], shown[s.EXPERIMENT_ID], shown[s.VARIANT])]
    colours = np.where(shown["uplift_ci_low"] > 0, "#2171b5", "#9ecae1")
    ax.barh(y, shown["uplift"] * 100, color=colours)
    ax.errorbar(shown["uplift"] * 100, y, xerr=[(shown["uplift"] - shown["uplift_ci_low"]) * 100,
                                                  (shown["uplift_ci_high"] - shown["uplift"]) * 100],
                fmt="none", ecolor="#333333", capsize=3, linewidth=1)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(y, labels=names)
    ax.set_xlabel("uplift over control (percentage points); dark: interval above zero")
    set_title(ax, title)
    return ax
