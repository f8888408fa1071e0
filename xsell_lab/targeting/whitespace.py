"""Whitespace: who does not own what, and what is it worth?

:func:`ownership_matrix` (customers x items, owned or not),
:func:`whitespace_summary` (share of customers without each item, overall or
by group), :func:`main_items` (each customer's main item),
:func:`peer_ownership_rates` (P(item | main item), counted),
:func:`item_margins`, :func:`expected_whitespace_value` (one row per customer
and item not owned: probability x margin of a typical sale), :func:`top_whitespace`
(the opportunity list, with counts) and :func:`whitespace_value_by_group`.

The whitespace score is an association-based *next-product-to-buy* score
(Knott, Hayes & Neslin 2002): the share of owners among the customer's peers
(the customers with the same main item), the confidence of the rule
"main item -> item" (Agrawal, Imielinski & Swami 1993), weighted by the
item's margin per typical sale as Kamakura, Wedel, de Rosa & Mazzon (2003) weigh such
probabilities by profitability.

References
----------
Agrawal, R., Imielinski, T. & Swami, A. (1993). Mining association rules
between sets of items in large databases. *SIGMOD '93*, 207-216.
Kamakura, W. A., Wedel, M., de Rosa, F. & Mazzon, J. A. (2003). Cross-selling
through database marketing: a mixed data factor analyzer for data
augmentation and prediction. *International Journal of Research in
Marketing* 20(1), 45-65.
Knott, A., Hayes, A. & Neslin, S. A. (2002). Next-product-to-buy models for
cross-selling applications. *Journal of Interactive Marketing* 16(3), 59-75.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.kpis import missing_group_label, primary_items
from xsell_lab.targeting._common import SALES_LINES

#: Columns of :func:`whitespace_summary` (after the optional group column).
WHITESPACE_SUMMARY_COLUMNS = ["item", "customers", "owners", "non_owners", "whitespace_share"]
#: Columns of :func:`peer_ownership_rates`.
PEER_RATE_COLUMNS = ["main_item", "item", "peers", "peer_owners", "probability"]
#: Columns of :func:`item_margins`.
ITEM_MARGIN_COLUMNS = ["item", "lines", "margin_per_sale"]
#: Columns of :func:`expected_whitespace_value`.
WHITESPACE_VALUE_COLUMNS = [s.CUSTOMER_ID, "main_item", "item", "peers", "peer_owners", "probability", "margin_per_sale", "expected_value"]
#: Columns of :func:`top_whitespace`.
TOP_WHITESPACE_COLUMNS = ["main_item", "item", "customers_without_it", "peers", "peer_owners", "probability", "margin_per_sale", "expected_value"]


def ownership_matrix(
    lines: pd.DataFrame,
    *,
    level: str = "category",
    items: Sequence[str] | None = None,
    first_orders: int | None = None,
) -> pd.DataFrame:
    """Customers x items: True where the customer has bought the item.

    The "whitespace" of a customer is the False cells of their row: the
    items they could still be sold (Kamakura 2008).

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs ``customer_id``, ``order_id``,
        ``order_date`` and the ``level`` column.
    level : {"category", "product"}
        What the items are.
    items : sequence of str, optional
        Keep only these items as columns (every buyer keeps a row). Default:
        every item in ``lines``.
    first_orders : int, optional
        Count only each customer's first ``first_orders`` orders (by date,
        then ``order_id``), e.g. 1 = "what they took in their first basket".
        Default: all orders.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (sorted), one bool column per item (sorted by
        name), no missing values.

    Raises
    ------
    ValueError
        When ``lines`` is empty, an item in ``items`` never occurs, or
        ``first_orders`` < 1.
    """
    item = s.item_column(level)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, item], SALES_LINES)
    if lines.empty:
        raise ValueError(f"Table '{SALES_LINES}' is empty: no orders, so no customer owns anything.")
    known = sorted(lines[item].dropna().unique())
    frame = lines if first_orders is None else _first_orders(lines, first_orders)
    columns = known if items is None else _check_items(items, known, item)
    held = frame[[s.CUSTOMER_ID, item]].drop_duplicates()
    held = held[held[item].isin(columns)]
    matrix = pd.crosstab(held[s.CUSTOMER_ID], held[item]).astype(bool)
    customers = sorted(frame[s.CUSTOMER_ID].unique())
    matrix = matrix.reindex(index=customers, columns=columns, fill_value=False)
    matrix.index.name, matrix.columns.name = s.CUSTOMER_ID, "item"
    return matrix


def whitespace_summary(ownership: pd.DataFrame, *, groups: pd.Series | None = None) -> pd.DataFrame:
    """Per item: how many customers own it and the share who do not (the whitespace).

    ::

        whitespace share = customers who do not own the item / customers

    Parameters
    ----------
    ownership : pandas.DataFrame
        Output of :func:`ownership_matrix`.
    groups : pandas.Series, optional
        A group label per customer (index ``customer_id``, e.g. the
        ``segment`` column of ``customers`` indexed by ``customer_id``);
        the summary is then per group and item. Customers whose group is
        missing (NaN) form one group, labelled ``"(no segment)"``
        (:func:`xsell_lab.kpis.missing_group_label`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`WHITESPACE_SUMMARY_COLUMNS`, preceded by the group
        column (named after ``groups``) when given. Sorted by group, then
        whitespace share (largest first), then item.

    Raises
    ------
    ValueError
        When a customer of ``ownership`` is not in the index of ``groups``
        (count and example).
    """
    _check_ownership(ownership)
    keys: list[str] = []
    frame = ownership
    if groups is not None:
        name = groups.name or "group"
        missing = ~ownership.index.isin(groups.index)
        if missing.any():
            raise ValueError(
                f"{int(missing.sum()):,} customer(s) of the ownership matrix have no '{name}', "
                f"e.g. {ownership.index[missing][0]!r}: pass a group for every customer who bought."
            )
        labels = _labelled(groups, name).reindex(ownership.index)
        frame = ownership.assign(**{name: labels.to_numpy()})
        keys = [name]
    long = frame.melt(id_vars=keys, var_name="item", value_name="owned", ignore_index=True)
    summary = long.groupby(keys + ["item"], sort=True)["owned"].agg(customers="size", owners="sum").reset_index()
    summary["owners"] = summary["owners"].astype("int64")
    summary["non_owners"] = summary["customers"] - summary["owners"]
    summary["whitespace_share"] = summary["non_owners"] / summary["customers"]
    summary = summary.sort_values(keys + ["whitespace_share", "item"], ascending=[True] * len(keys) + [False, True])
    return summary.reset_index(drop=True)[keys + WHITESPACE_SUMMARY_COLUMNS]


def main_items(lines: pd.DataFrame, *, level: str = "category") -> pd.Series:
    """Each customer's main product: the top-revenue item of their first order.

    The same definition as the "primary item" of the cross-sell KPIs
    (:func:`xsell_lab.kpis.primary_items`).

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`.
    level : {"category", "product"}
        What the items are.

    Returns
    -------
    pandas.Series
        Named ``main_item``, index ``customer_id`` (sorted).
    """
    primary = primary_items(lines, level=level)
    return primary.set_index(s.CUSTOMER_ID)["primary_item"].rename("main_item").sort_index()


def peer_ownership_rates(ownership: pd.DataFrame, main: pd.Series) -> pd.DataFrame:
    """P(item | main product): the share of customers with the same main product who own the item.

    ::

        probability(m -> k) = customers with main product m who own k / customers with main product m

    This is the confidence of the customer-level rule "m -> k" (Agrawal et
    al. 1993) and the simplest next-product-to-buy score (Knott, Hayes &
    Neslin 2002): the peers' ownership is what this customer would own if
    they behaved like their peers.

    Parameters
    ----------
    ownership : pandas.DataFrame
        Output of :func:`ownership_matrix`.
    main : pandas.Series
        The main item per customer (output of :func:`main_items`), index
        ``customer_id``; must cover every customer of ``ownership``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PEER_RATE_COLUMNS`: ``peers`` (customers with that
        main item), ``peer_owners`` (of them, owners of ``item``) and
        ``probability``. One row per main item and item, sorted by both.

    Raises
    ------
    ValueError
        When a customer of ``ownership`` has no main item, or a customer
        with a main item has no row in ``ownership`` (no orders).
    """
    _check_ownership(ownership)
    labels = _aligned_main(ownership, main)
    owned = ownership.astype("int64").groupby(labels.to_numpy(), sort=True)
    counts = owned.sum()
    peers = owned.size()
    counts.index.name = "main_item"
    long = counts.reset_index().melt(id_vars="main_item", var_name="item", value_name="peer_owners")
    long["peers"] = long["main_item"].map(peers).astype("int64")
    long["probability"] = long["peer_owners"] / long["peers"]
    return long.sort_values(["main_item", "item"]).reset_index(drop=True)[PEER_RATE_COLUMNS]


def item_margins(lines: pd.DataFrame, *, level: str = "category", value: str = "margin") -> pd.DataFrame:
    """Margin (or revenue) of a typical sale of each item: the median order line.

    The median, not the mean: one huge order line (a wholesale buyer, an order
    booked by mistake) would otherwise set the value of the item on its own,
    and rank it first in every opportunity list. Pass lines net of returns
    (:func:`xsell_lab.data.company.net_of_returns`) so that a sale that came back does
    not count.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs the ``level`` column and ``value``.
    level : {"category", "product"}
        What the items are.
    value : {"margin", "revenue"}
        Use ``"revenue"`` when unit costs are unknown (e.g. UCI Online
        Retail): the expected value is then expected revenue.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ITEM_MARGIN_COLUMNS`: ``lines`` (order lines) and
        ``margin_per_sale`` (median ``value`` per line; NaN where every line's
        value is unknown). Sorted by item.
    """
    if value not in ("margin", "revenue"):
        raise ValueError(f"item_margins: value must be 'margin' or 'revenue'. Got {value!r}.")
    item = s.item_column(level)
    require_columns(lines, [item, value], SALES_LINES)
    margins = lines.groupby(item, sort=True)[value].agg(lines="size", margin_per_sale="median").reset_index()
    return margins.rename(columns={item: "item"})[ITEM_MARGIN_COLUMNS]


def expected_whitespace_value(
    ownership: pd.DataFrame,
    main: pd.Series,
    margins: pd.DataFrame,
    *,
    min_peers: int = 30,
) -> pd.DataFrame:
    """Score every (customer, item not owned): peer probability x margin of a typical sale.

    ::

        expected value(c, k) = P(k | main product of c) x margin of a typical sale of k

    with P from :func:`peer_ownership_rates` and the margin from
    :func:`item_margins`: the margin the company can expect from offering
    ``k`` to ``c`` *if* ``c`` behaves like their peers (Knott, Hayes &
    Neslin 2002; Kamakura et al. 2003 weigh purchase probabilities by
    profitability the same way). An upper bound for a campaign: peers bought
    without being asked.

    Parameters
    ----------
    ownership : pandas.DataFrame
        Output of :func:`ownership_matrix`.
    main : pandas.Series
        Output of :func:`main_items`.
    margins : pandas.DataFrame
        Output of :func:`item_margins`; must cover every item of ``ownership``.
    min_peers : int
        Main items with fewer customers give no score (the share of a handful
        of peers is noise); their customers are left out.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`WHITESPACE_VALUE_COLUMNS`, one row per customer and
        item the customer does not own, sorted by ``expected_value``
        (largest first), then ``customer_id`` and ``item``.

    Raises
    ------
    ValueError
        When items lack a margin, or no main item has ``min_peers`` customers.
    """
    if min_peers < 1:
        raise ValueError(f"expected_whitespace_value: min_peers must be >= 1. Got {min_peers!r}.")
    rates = peer_ownership_rates(ownership, main)
    require_columns(margins, ITEM_MARGIN_COLUMNS, "item_margins")
    lacking = sorted(set(ownership.columns) - set(margins["item"]))
    if lacking:
        raise ValueError(
            f"Table 'item_margins' has no margin for {len(lacking):,} item(s) of the ownership matrix, "
            f"e.g. {lacking[0]!r}: compute the margins on the same lines."
        )
    rates = rates[rates["peers"] >= min_peers]
    if rates.empty:
        largest = int(_aligned_main(ownership, main).value_counts().max())
        raise ValueError(
            f"No main item has at least min_peers={min_peers} customers (the largest group has {largest}): "
            "lower min_peers or use a coarser level."
        )
    labels = _aligned_main(ownership, main)
    long = ownership.assign(main_item=labels.to_numpy()).reset_index()
    long = long.melt(id_vars=[s.CUSTOMER_ID, "main_item"], var_name="item", value_name="owned")
    long = long[~long["owned"]].drop(columns="owned")
    scores = long.merge(rates, on=["main_item", "item"], how="inner", validate="many_to_one")
    scores = scores.merge(margins[["item", "margin_per_sale"]], on="item", how="left", validate="many_to_one")
    scores["expected_value"] = scores["probability"] * scores["margin_per_sale"]
    scores = scores.sort_values(["expected_value", s.CUSTOMER_ID, "item"], ascending=[False, True, True], na_position="last")
    return scores.reset_index(drop=True)[WHITESPACE_VALUE_COLUMNS]


def top_whitespace(
    scores: pd.DataFrame, *, n: int = 10, min_probability: float = 0.0, min_peer_owners: int = 1
) -> pd.DataFrame:
    """The opportunity list: (main product -> item) pairs ranked by total expected value.

    A pair whose probability rests on fewer than ``min_peer_owners`` owning
    peers (2 of 38 customers, say) is ranked after every pair that rests on
    more: one or two peers' purchases are no pattern, however valuable the item.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`expected_whitespace_value`.
    n : int
        How many pairs to keep.
    min_probability : float
        Drop pairs whose peer probability is below this (weak associations).
    min_peer_owners : int
        Pairs with fewer owning peers (``peer_owners``) come after all others,
        still by expected value. Default 1: expected value alone.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TOP_WHITESPACE_COLUMNS`: ``customers_without_it`` (the
        whitespace: customers with that main item who do not own ``item``),
        the peer counts and probability, ``margin_per_sale`` and
        ``expected_value`` = customers_without_it x probability x
        margin_per_sale (the margin if they all bought like their peers).

    Raises
    ------
    ValueError
        When no pair is left.
    """
    require_columns(scores, WHITESPACE_VALUE_COLUMNS, "whitespace_scores")
    kept = scores[scores["probability"] >= min_probability]
    if kept.empty:
        raise ValueError(f"No whitespace pair has a probability >= {min_probability}: lower min_probability.")
    pairs = kept.groupby(["main_item", "item"], sort=True).agg(
        customers_without_it=(s.CUSTOMER_ID, "size"),
        peers=("peers", "first"),
        peer_owners=("peer_owners", "first"),
        probability=("probability", "first"),
        margin_per_sale=("margin_per_sale", "first"),
        expected_value=("expected_value", "sum"),
    )
    pairs = pairs.reset_index().assign(few_owners=lambda t: t["peer_owners"] < min_peer_owners)
    pairs = pairs.sort_values(["few_owners", "expected_value", "main_item", "item"], ascending=[True, False, True, True])
    return pairs.head(n).reset_index(drop=True)[TOP_WHITESPACE_COLUMNS]


def whitespace_value_by_group(scores: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Expected whitespace value per group of customers (e.g. segment) and item.

    ::

        expected value per customer = sum of expected_value over the group's customers / customers in the group

    Customers who own the item count with 0, so groups of different sizes
    compare fairly.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`expected_whitespace_value`.
    groups : pandas.Series
        Group label per customer, index ``customer_id`` (must cover every
        customer of ``scores``); its name names the group column. Customers
        whose label is missing (NaN) form one group, labelled ``"(no segment)"``
        (:func:`xsell_lab.kpis.missing_group_label`).

    Returns
    -------
    pandas.DataFrame
        Columns: the group column, ``item``, ``customers`` (scored customers in
        the group), ``customers_without_it``, ``expected_value`` (total) and
        ``expected_value_per_customer``. Sorted by group and item.
    """
    require_columns(scores, WHITESPACE_VALUE_COLUMNS, "whitespace_scores")
    name = groups.name or "group"
    absent = ~scores[s.CUSTOMER_ID].isin(groups.index)
    if absent.any():
        example = scores.loc[absent, s.CUSTOMER_ID].iloc[0]
        raise ValueError(f"{scores.loc[absent, s.CUSTOMER_ID].nunique():,} scored customer(s) have no '{name}', e.g. {example!r}.")
    labels = scores[s.CUSTOMER_ID].map(_labelled(groups, name))
    frame = scores.assign(**{name: labels})
    sizes = frame.drop_duplicates(s.CUSTOMER_ID).groupby(name).size().rename("customers")
    table = frame.groupby([name, "item"], sort=True).agg(
        customers_without_it=(s.CUSTOMER_ID, "size"), expected_value=("expected_value", "sum")
    )
    table = table.reset_index().merge(sizes.reset_index(), on=name, how="left")
    table["expected_value_per_customer"] = table["expected_value"] / table["customers"]
    return table[[name, "item", "customers", "customers_without_it", "expected_value", "expected_value_per_customer"]]


def _labelled(groups: pd.Series, name: str) -> pd.Series:
    """``groups`` as plain labels, a missing label replaced by ``"(no <name>)"``."""
    labels = groups.astype(object)
    return labels.where(labels.notna(), missing_group_label(name))


def _check_items(items: Sequence[str], known: list[str], column: str) -> list[str]:
    unknown = [i for i in dict.fromkeys(items) if i not in set(known)]
    if unknown:
        shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
        raise ValueError(
            f"{len(unknown):,} unknown {column}(s) in items, e.g. {unknown[0]!r}: no order line of "
            f"'{SALES_LINES}' holds it. Known values: {shown}."
        )
    return sorted(dict.fromkeys(items))


def _first_orders(lines: pd.DataFrame, first_orders: int) -> pd.DataFrame:
    if first_orders < 1:
        raise ValueError(f"ownership_matrix: first_orders must be >= 1 (or None for all orders). Got {first_orders!r}.")
    orders = lines[[s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE]].drop_duplicates(s.ORDER_ID)
    orders = orders.sort_values([s.CUSTOMER_ID, s.ORDER_DATE, s.ORDER_ID])
    kept = orders.loc[orders.groupby(s.CUSTOMER_ID).cumcount() < first_orders, s.ORDER_ID]
    return lines[lines[s.ORDER_ID].isin(set(kept))]


def _check_ownership(ownership: pd.DataFrame) -> None:
    if ownership.empty or ownership.shape[1] == 0:
        raise ValueError("The ownership matrix is empty (no customers or no items): build it with ownership_matrix(lines).")


def _aligned_main(ownership: pd.DataFrame, main: pd.Series) -> pd.Series:
    """Main item per customer of ``ownership``, checking that both cover the same customers."""
    no_orders = main.index.difference(ownership.index)
    if len(no_orders):
        raise ValueError(
            f"{len(no_orders):,} customer(s) have a main item but no row in the ownership matrix (no orders), "
            f"e.g. {no_orders[0]!r}: compute both from the same lines."
        )
    labels = main.reindex(ownership.index)
    missing = labels.isna()
    if missing.any():
        raise ValueError(
            f"{int(missing.sum()):,} customer(s) of the ownership matrix have no main item, "
            f"e.g. {ownership.index[missing.to_numpy()][0]!r}: compute both from the same lines."
        )
    return labels
