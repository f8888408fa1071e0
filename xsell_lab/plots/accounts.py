"""Plots of :mod:`xsell_lab.accounts`: an account's map of roles x solutions.

Each function takes ``ax=None`` (a new figure is made when it is None),
returns the Axes and leaves global pyplot state alone.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch, Rectangle

from xsell_lab.data import schema as s
from xsell_lab.plots import FIGURE_WIDTH, MAX_FIGURE_HEIGHT, SMALL_TEXT, new_axes, require_rows, set_title, shorten

#: Cell colours: neither, held but its role not reached, the intersection (held and reached).
_COLOURS = ListedColormap(["#ffffff", "#c6dbef", "#2171b5"])


def plot_account_map(
    grid: pd.DataFrame,
    *,
    next_step: tuple[str, str] | None = None,
    labels: dict | None = None,
    title: str = "Account map",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """An account's map: roles (rows) x solutions (columns), the intersection filled dark.

    Light cells are solutions the account holds whose role the rep does not reach;
    white columns are whitespace (not held). The next step is outlined: a row when it
    goes north (a role), a column when it goes east (a solution).

    Parameters
    ----------
    grid : pandas.DataFrame
        Output of :func:`xsell_lab.accounts.account_map` (``role``, ``solution``,
        ``reached``, ``held``, ``intersection``).
    next_step : tuple of (str, str), optional
        ``(direction, step)`` of :func:`xsell_lab.accounts.next_steps`.
    labels : dict, optional
        Display names of the solutions (e.g. :func:`xsell_lab.catalogue.item_labels`).
    title : str
        Chart title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(grid, "cells in the account map", hint="The account holds no solution and none is whitespace.")
    roles = list(dict.fromkeys(grid[s.ROLE]))
    solutions = list(dict.fromkeys(grid["solution"]))
    values = (grid["held"].astype(int) + grid["intersection"].astype(int)).to_numpy().reshape(len(roles), len(solutions))
    ax = new_axes(ax, figsize=(min(FIGURE_WIDTH, 2.5 + 0.55 * len(solutions)), min(MAX_FIGURE_HEIGHT, 2.6 + 0.4 * len(roles))))
    ax.imshow(values, cmap=_COLOURS, vmin=0, vmax=2, aspect="auto")
    names = labels or {}
    ax.set_xticks(np.arange(len(solutions)), labels=[shorten(names.get(x, x), 22) for x in solutions], rotation=45, ha="right")
    ax.set_yticks(np.arange(len(roles)), labels=roles)
    ax.set_xticks(np.arange(len(solutions) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(roles) + 1) - 0.5, minor=True)
    ax.grid(False)
    ax.grid(which="minor", color="#999999", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("solutions (east \u2192)")
    ax.set_ylabel("roles (north \u2191)")
    if next_step is not None:
        direction, step = next_step
        if direction == "north" and step in roles:
            row = roles.index(step)
            ax.add_patch(Rectangle((-0.5, row - 0.5), len(solutions), 1, fill=False, edgecolor="#d95f02", linewidth=2.5))
        elif direction == "east" and step in solutions:
            col = solutions.index(step)
            ax.add_patch(Rectangle((col - 0.5, -0.5), 1, len(roles), fill=False, edgecolor="#d95f02", linewidth=2.5))
    handles = [Patch(facecolor="#2171b5", label="held, role reached"), Patch(facecolor="#c6dbef", label="held, role not reached"),
               Patch(facecolor="white", edgecolor="#999999", label="not held")]
    if next_step is not None:
        handles.append(Patch(facecolor="none", edgecolor="#d95f02", linewidth=2, label=f"next step: {next_step[0]}"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=SMALL_TEXT, frameon=False)
    set_title(ax, title)
    return ax
