"""Plots: one theme for the whole lab, and one module of plot helpers per concept.

Every helper takes ``ax=None`` (a new figure is made when it is None), returns
the Axes and leaves global pyplot state alone, so notebooks can place plots
in their own grids.

Print size
----------
A chart reaches a PDF report as a PNG of the figure at :data:`NOTEBOOK_DPI`;
the report (``print.css``) sets it at its CSS size (pixels / 96 per inch),
shrunk to fit the text column (:data:`PRINT_WIDTH_INCHES`) and
:data:`PRINT_HEIGHT_INCHES`. :func:`printed_scale` gives the factor; the
theme's smallest text (:data:`SMALL_TEXT`) prints at :data:`MIN_PRINTED_POINTS`
or more in every figure up to :data:`FIGURE_WIDTH` x :data:`MAX_FIGURE_HEIGHT`
inches, the largest :func:`new_axes` makes. Long lists are cut to their top
rows (:func:`top_rows`) and long names shortened (:func:`shorten`) so that
labels do not overlap.
"""

from __future__ import annotations

import textwrap

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

#: The lab's colours: first for "our product / treatment", second for comparisons.
PALETTE = ["#1f5f8b", "#e07b39", "#3b9a6e", "#8c5fa8", "#c44e52", "#7f7f7f", "#b8a038", "#4aa3c7"]


#: Resolution of notebook figures (dots per inch): light for git and nbval.
NOTEBOOK_DPI = 90
#: CSS pixels per inch: a PNG N pixels wide is N / 96 inches wide in a report before it is shrunk to fit.
CSS_PIXELS_PER_INCH = 96
#: Width of a report's text column (A4 less 18 mm margins, print.css), inches: the widest a chart prints.
PRINT_WIDTH_INCHES = 174 / 25.4
#: Tallest a chart prints (print.css: ``max-height: 120mm``), inches.
PRINT_HEIGHT_INCHES = 120 / 25.4
#: No text of a printed chart is smaller than this, in points (issue #13).
MIN_PRINTED_POINTS = 8.0
#: Widest and tallest figure a helper makes, inches; the smallest text then still prints at 8 pt.
FIGURE_WIDTH = 7.5
MAX_FIGURE_HEIGHT = 5.0
#: Text sizes of the theme, in points at figure size: ticks, legends, annotations and cell values use SMALL_TEXT.
SMALL_TEXT = 9.5
LABEL_TEXT = 10.5
TITLE_TEXT = 11.5
#: Longest label a helper writes in full; longer ones end in an ellipsis (:func:`shorten`).
LABEL_CHARACTERS = 36
#: Most bars, rows or dots with a text label in one chart (:func:`top_rows`).
MAX_LABELLED_ROWS = 15


def set_theme(dpi: int = NOTEBOOK_DPI) -> None:
    """Apply the lab's look: plotting theme and how tables show numbers.

    Plots get seaborn's whitegrid style, the lab palette, a modest dpi (90)
    so notebooks stay light for git and nbval, and text sizes that print at
    8 pt or more in a report (see the module doc). Tables show numbers with
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
            "figure.figsize": (FIGURE_WIDTH, 4),
            "figure.constrained_layout.use": True,
            "font.size": SMALL_TEXT,
            "xtick.labelsize": SMALL_TEXT,
            "ytick.labelsize": SMALL_TEXT,
            "legend.fontsize": SMALL_TEXT,
            "legend.title_fontsize": SMALL_TEXT,
            "axes.labelsize": LABEL_TEXT,
            "figure.titlesize": TITLE_TEXT,
            "axes.titleweight": "bold",
            "axes.titlesize": TITLE_TEXT,
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


def new_axes(ax: plt.Axes | None = None, figsize: tuple[float, float] = (FIGURE_WIDTH, 4)) -> plt.Axes:
    """Return ``ax``, or the Axes of a new figure when ``ax`` is None.

    The new figure is at most :data:`FIGURE_WIDTH` x :data:`MAX_FIGURE_HEIGHT`
    inches, so that its text prints at 8 pt or more. Its title wraps at the
    figure's edge, also when a notebook sets a long one afterwards (a title
    wider than the figure would make the saved chart wider, so all of it
    smaller in print).
    """
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=(min(figsize[0], FIGURE_WIDTH), min(figsize[1], MAX_FIGURE_HEIGHT)))
    ax.title.set_wrap(True)
    return ax


def honest_floor(low: float, high: float) -> float:
    """Where a trend's y axis starts: zero, or a round value at or below ``low`` when zero would flatten the data.

    Zero unless ``low`` (the lowest point of the values and their band) is
    above half of ``high`` (the highest); then the largest multiple of a round
    step (1, 2 or 5 times a power of ten, at most a tenth of ``high``) at or
    below ``low``.
    """
    if not (np.isfinite(low) and np.isfinite(high)) or low <= high / 2:
        return 0.0
    power = 10 ** np.floor(np.log10(high / 10))
    step = next(s * power for s in (5, 2, 1) if s * power <= high / 10)
    return float(np.floor(low / step) * step)


def printed_scale(width: float, height: float, dpi: float = NOTEBOOK_DPI) -> float:
    """Printed inches per figure inch of a chart ``width`` x ``height`` inches (as saved) in a report.

    The PNG's CSS size is ``inches * dpi / 96``; the report shrinks it to
    :data:`PRINT_WIDTH_INCHES` and :data:`PRINT_HEIGHT_INCHES` (never enlarges).
    A text of ``s`` points prints at ``s * printed_scale(...)`` points.
    """
    css = dpi / CSS_PIXELS_PER_INCH
    return min(css, PRINT_WIDTH_INCHES / width, PRINT_HEIGHT_INCHES / height)


def shorten(label: object, characters: int = LABEL_CHARACTERS) -> str:
    """``label`` as text, at most ``characters`` long.

    A longer label keeps its start and its end around an ellipsis
    (``"WHITE HANGING HEA…HOLDER NO 3"``): names of one family often differ
    only at the end.
    """
    text = str(label)
    if len(text) <= characters:
        return text
    tail = (characters - 1) // 3
    return text[: characters - 1 - tail].rstrip() + "\u2026" + text[len(text) - tail :].lstrip()


def top_rows(table: pd.DataFrame, top: int = MAX_LABELLED_ROWS) -> tuple[pd.DataFrame, str]:
    """The first ``top`` rows of a table (rank it first) and the words that say so.

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The rows to draw, and ``" (top 15 of 31)"`` when rows were left
        out, else ``""`` (for the title or an axis label).
    """
    if len(table) <= top:
        return table, ""
    return table.head(top), f" (top {top} of {len(table):,})"


#: Most characters of a title line: a bold title at :data:`TITLE_TEXT` this long spans the figure's width.
TITLE_CHARACTERS = 70


def set_title(ax: plt.Axes, title: str, note: str = "") -> None:
    """Title the Axes, wrapped to the figure's width, with ``note`` (e.g. "top 10 of 30") on a line of its own."""
    lines = [textwrap.fill(line, TITLE_CHARACTERS) for line in (title, note.strip(" ()")) if line]
    ax.set_title("\n".join(lines))


def cell_text_colour(rgba: tuple[float, ...]) -> str:
    """``"white"`` on a dark cell, ``"black"`` on a light one (relative luminance of the cell's colour)."""
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "black" if luminance > 0.408 else "white"


def annotate_cells(
    ax: plt.Axes, labels: np.ndarray, colours: np.ndarray, *, offset: float = 0.0
) -> bool:
    """Write each cell's label in it, in black or white by the cell's colour; none when the grid is too dense.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        A heatmap whose cell (row, column) is centred at ``(column + offset, row + offset)``
        (``offset=0`` for ``imshow``, ``0.5`` for seaborn's heatmap).
    labels : numpy.ndarray of str
        One label per cell (rows x columns); empty labels are not drawn.
    colours : numpy.ndarray
        The cells' RGBA colours (rows x columns x 4), e.g. ``image.cmap(image.norm(values))``.

    Returns
    -------
    bool
        Whether the labels were written: False when one would not fit its cell
        at :data:`SMALL_TEXT` (then no cell has text).
    """
    texts = [
        ax.text(col + offset, row + offset, label, ha="center", va="center", fontsize=SMALL_TEXT,
                color=cell_text_colour(colours[row, col]))
        for (row, col), label in np.ndenumerate(labels) if label
    ]
    if not texts:
        return False
    figure = ax.figure
    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    cell_width, cell_height = box.width / labels.shape[1], box.height / labels.shape[0]
    if all(t.get_window_extent(renderer).width < 0.95 * cell_width and t.get_window_extent(renderer).height < cell_height for t in texts):
        return True
    for text in texts:
        text.remove()
    return False
