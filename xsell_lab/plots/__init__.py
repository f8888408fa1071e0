"""Plots: one theme for the whole lab, and one module of plot helpers per concept.

Every helper takes ``ax=None`` (a new figure is made when it is None), returns
the Axes and leaves global pyplot state alone, so notebooks can place plots
in their own grids.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

#: The lab's colours: first for "our product / treatment", second for comparisons.
PALETTE = ["#1f5f8b", "#e07b39", "#3b9a6e", "#8c5fa8", "#c44e52", "#7f7f7f", "#b8a038", "#4aa3c7"]


def set_theme(dpi: int = 90) -> None:
    """Apply the lab's look: plotting theme and how tables show numbers.

    Plots get seaborn's whitegrid style, the lab palette and a modest dpi (90)
    so notebooks stay light for git and nbval. Tables show numbers with
    thousands separators: three decimals below 1,000, none above, and text
    columns in full.
    """
    pd.set_option("display.float_format", _format_number)
    pd.set_option("display.max_colwidth", 200)  # definitions and reasons are read in full
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    mpl.rcParams.update(
        {
            "figure.dpi": dpi,
            "savefig.dpi": dpi,
            "figure.figsize": (8, 4),
            "figure.constrained_layout.use": True,
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "xsell-lab",
        }
    )


def _format_number(value: float) -> str:
    return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"


def require_rows(table: pd.DataFrame, what: str, *, hint: str = "") -> None:
    """Refuse to draw an empty table: ``ValueError("Nothing to plot: no <what>. <hint>")``."""
    if len(table) == 0:
        raise ValueError(f"Nothing to plot: no {what}." + (f" {hint}" if hint else ""))


def new_axes(ax: plt.Axes | None = None, figsize: tuple[float, float] = (8, 4)) -> plt.Axes:
    """Return ``ax``, or the Axes of a new figure when ``ax`` is None."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize)
    return ax
