"""Plots of market basket analysis (:mod:`xsell_lab.basket`).

Each function takes ``ax=None`` (a new figure is made when it is None),
returns the Axes and leaves global pyplot state alone. An empty input raises
a ``ValueError`` instead of drawing an empty plot.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from xsell_lab.plots import MAX_FIGURE_HEIGHT, PALETTE, SMALL_TEXT, annotate_cells, new_axes, require_rows, shorten


def plot_rules_scatter(rules: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Each rule as a dot: support (x) against confidence (y), coloured by lift.

    Parameters
    ----------
    rules : pandas.DataFrame
        Output of :func:`xsell_lab.basket.association_rules`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(rules, "rules", hint="Lower min_support or the rule threshold.")
    ax = new_axes(ax)
    points = ax.scatter(rules["support"], rules["confidence"], c=rules["lift"], cmap="viridis", s=18, alpha=0.8)
    ax.figure.colorbar(points, ax=ax, label="lift")
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel("support (share of baskets with both)")
    ax.set_ylabel("confidence P(B | A)")
    ax.set_title(f"{len(rules):,} rules")
    return ax


def plot_rule_network(rules: pd.DataFrame, *, top: int = 25, ax: plt.Axes | None = None) -> plt.Axes:
    """The strongest one-to-one rules as a product network: arrows A -> B, wider for higher lift.

    Each family of connected products (e.g. printer, ink, paper) is drawn in
    its own cell of a grid, laid out with Kamada-Kawai (deterministic), so
    families neither overlap nor drift apart. Arrows stop at the node's
    circle; labels (long names shortened) sit on a white box above the
    arrows. When names would overlap, nodes carry numbers and a key below
    the network names them.

    Parameters
    ----------
    rules : pandas.DataFrame
        Output of :func:`xsell_lab.basket.association_rules`; only rules with
        one item on each side are drawn, the ``top`` by lift.
    top : int
        Number of rules drawn.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    simple = _one_to_one(rules).nlargest(top, "lift")
    require_rows(simple, "one-to-one rules", hint="Lower min_support or the rule threshold.")
    graph = nx.DiGraph()
    for row in simple.itertuples():
        graph.add_edge(row.antecedent, row.consequent, lift=row.lift)
    layout, rows = _family_grid_layout(graph)
    own_figure = ax is None
    ax = new_axes(ax, figsize=(8, 2.6 * rows + 0.6))
    widths = [0.5 + 1.5 * np.log1p(graph.edges[e]["lift"]) for e in graph.edges]
    nx.draw_networkx_edges(
        graph, layout, ax=ax, width=widths, edge_color=PALETTE[5], arrowsize=14, node_size=350,
        connectionstyle="arc3,rad=0.12", min_source_margin=6, min_target_margin=8,
    )
    nx.draw_networkx_nodes(graph, layout, ax=ax, node_color=PALETTE[0], node_size=350, alpha=0.9)
    _label_nodes(ax, graph, layout, own_figure=own_figure)
    ax.set_title(f"Top {len(simple)} rules by lift: arrow A -> B, wider = higher lift")
    ax.margins(0.12)
    ax.axis("off")
    return ax


def _label_nodes(ax: plt.Axes, graph: nx.DiGraph, layout: dict, *, own_figure: bool) -> None:
    """Names under the nodes on white boxes above the arrows; numbers and a key below when names would overlap.

    The key takes two columns (three, with shorter names, beyond 20 nodes);
    a figure the plot made itself grows by the key's height (up to
    :data:`~xsell_lab.plots.MAX_FIGURE_HEIGHT`).
    """
    below = {node: (x, y - 0.32) for node, (x, y) in layout.items()}
    box = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0}
    drawn = nx.draw_networkx_labels(graph, below, labels={n: shorten(str(n).replace("_", " "), 22) for n in graph.nodes}, ax=ax,
                                    font_size=SMALL_TEXT, verticalalignment="top", bbox=box)
    for text in drawn.values():
        text.set_zorder(5)
        text.set_clip_on(False)  # a name under the lowest node stays whole
    ax.figure.draw_without_rendering()
    renderer = ax.figure.canvas.get_renderer()
    extents = [text.get_window_extent(renderer) for text in drawn.values()]
    if not any(a.overlaps(b) for i, a in enumerate(extents) for b in extents[i + 1 :]):
        return
    for text in drawn.values():
        text.remove()
    numbers = {node: str(i) for i, node in enumerate(sorted(graph.nodes, key=str), start=1)}
    nx.draw_networkx_labels(graph, layout, labels=numbers, ax=ax, font_size=SMALL_TEXT, font_color="white")
    columns, characters = (2, 30) if len(numbers) <= 20 else (3, 20)
    key = [Line2D([], [], linestyle="none") for _ in numbers]
    ax.legend(key, [f"{number}  {shorten(str(node).replace('_', ' '), characters)}" for node, number in numbers.items()],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=columns, handlelength=0, handletextpad=0, frameon=False)
    if own_figure:
        width, height = ax.figure.get_size_inches()
        ax.figure.set_size_inches(width, min(height + 0.2 * np.ceil(len(numbers) / columns), MAX_FIGURE_HEIGHT))


def _family_grid_layout(graph: nx.DiGraph, spacing: float = 3.2) -> tuple[dict, int]:
    """Kamada-Kawai positions per connected family, families placed on a grid (largest first)."""
    families = sorted(nx.weakly_connected_components(graph), key=lambda nodes: (-len(nodes), sorted(map(str, nodes))))
    columns = int(np.ceil(np.sqrt(len(families))))
    layout = {}
    for index, nodes in enumerate(families):
        ordered = sorted(nodes, key=str)
        if len(ordered) <= 2:
            local = {node: np.array([1.2 * i - 0.6 * (len(ordered) - 1), 0.0]) for i, node in enumerate(ordered)}
        else:
            local = nx.kamada_kawai_layout(graph.subgraph(ordered).to_undirected(), scale=1.1)
        row, column = divmod(index, columns)
        for node, (x, y) in local.items():
            layout[node] = np.array([column * spacing + x, -row * spacing + y])
    return layout, int(np.ceil(len(families) / columns))


def plot_pair_heatmap(
    rules: pd.DataFrame, *, metric: str = "lift", top: int = 12, ax: plt.Axes | None = None
) -> plt.Axes:
    """Heatmap of ``metric`` for the pairs among the ``top`` items that appear in most rules' supports.

    Parameters
    ----------
    rules : pandas.DataFrame
        Output of :func:`xsell_lab.basket.association_rules`.
    metric : str
        Rule column to show (``lift``, ``confidence``, ...); rows are
        antecedents A, columns consequents B.
    top : int
        Number of items (by support of their pairs) on each axis; each cell
        shows its value unless the grid is too dense to print it at 8 pt.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    simple = _one_to_one(rules)
    require_rows(simple, "one-to-one rules", hint="Lower min_support or the rule threshold.")
    items = simple.groupby("antecedent")["support"].sum().nlargest(top).index
    grid = simple[simple["antecedent"].isin(items) & simple["consequent"].isin(items)]
    grid = grid.pivot(index="antecedent", columns="consequent", values=metric).reindex(index=items, columns=items)
    ax = new_axes(ax, figsize=(8, 6))
    sns.heatmap(grid, ax=ax, cmap="rocket_r", cbar_kws={"label": metric},
                xticklabels=[shorten(c, 24) for c in grid.columns], yticklabels=[shorten(r, 24) for r in grid.index])
    values = grid.to_numpy(dtype="float64")
    mesh = ax.collections[0]
    labels = np.where(np.isnan(values), "", np.vectorize(lambda v: f"{v:.1f}")(np.nan_to_num(values)))
    annotate_cells(ax, labels, mesh.cmap(mesh.norm(values)), offset=0.5)
    ax.set_xlabel("then also buys (B); blank: below the thresholds")
    ax.set_ylabel("customer buys (A)")
    ax.set_title(f"{metric.capitalize()} of the top {len(items)} items' pairs")
    return ax


def plot_lag_histogram(
    lags: pd.DataFrame, *, within_days: int | None = None, bins: int = 30, ax: plt.Axes | None = None
) -> plt.Axes:
    """Distribution of days between buying A and later buying B.

    Parameters
    ----------
    lags : pandas.DataFrame
        Output of :func:`xsell_lab.basket.purchase_lags` (column ``lag_days``).
    within_days : int, optional
        Draw the rule's window as a vertical line.
    bins : int
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_rows(lags, "purchase lags")
    ax = new_axes(ax)
    ax.hist(lags["lag_days"], bins=bins, color=PALETTE[0], alpha=0.85)
    median = float(lags["lag_days"].median())
    ax.axvline(median, color=PALETTE[1], linestyle="--", label=f"median {median:.0f} days")
    if within_days is not None:
        ax.axvline(within_days, color=PALETTE[4], label=f"window {within_days} days")
    ax.set_xlabel("days from first A to first later B")
    ax.set_ylabel("customers")
    ax.legend()
    return ax


def _one_to_one(rules: pd.DataFrame) -> pd.DataFrame:
    single = (rules["antecedents"].map(len) == 1) & (rules["consequents"].map(len) == 1)
    simple = rules[single]
    return simple.assign(
        antecedent=simple["antecedents"].map(lambda s: str(next(iter(s)))),
        consequent=simple["consequents"].map(lambda s: str(next(iter(s)))),
    )
