"""Finding cross-sell opportunities: whitespace, target-customer profiles and lookalikes.

Three questions a sales team asks before any campaign, each answered by a
few small functions that take the line table of :func:`xsell_lab.sales_lines`
(and the ``customers`` table) and return DataFrames.

Whitespace: who does not own what, and what is it worth?
    :func:`ownership_matrix` (customers x items, owned or not),
    :func:`whitespace_summary` (share of customers without each item, overall
    or by group), :func:`main_items` (each customer's main product),
    :func:`peer_ownership_rates` (P(item | main product), counted),
    :func:`item_margins`, :func:`expected_whitespace_value` (one row per
    customer and item not owned: probability x average margin),
    :func:`top_whitespace` (the opportunity list, with counts) and
    :func:`whitespace_value_by_group` (per segment, region, ...).
Target-customer profiles: what do the customers who cross-bought have in common?
    :func:`customer_features` (segment, region, channels, tenure, first
    category, early spend), :func:`cross_buyers` (who bought 2+ items) and
    :func:`profile_lift` (share in the group / share overall, with counts).
Lookalikes: who resembles the cross-buyers but has not cross-bought yet?
    :func:`lookalikes` (k-nearest-neighbour share on standardized features,
    with the reasons in words); :func:`new_items_after` and
    :func:`ranking_backtest` check a list against what customers did next.

The whitespace score is an association-based *next-product-to-buy* score:
Knott, Hayes & Neslin (2002) rank products by the probability that a
customer buys them next given what they own; Kamakura (2008) frames
cross-selling as "the right product to the right customer". Here the
probability is the empirical share of owners among the customer's peers
(the customers with the same main product), the confidence of the rule
"main product -> item" (Agrawal, Imielinski & Swami 1993), so every score can
be read out as "38 % of customers whose main product is a laptop own a
case". Multiplying by the item's average margin gives an expected value
(Kamakura, Wedel, de Rosa & Mazzon 2003 weigh the same probabilities by
profitability). It describes who is *likely to own* an item, not who an offer
would *persuade*: only an experiment measures that (notebook 08).

Conventions
-----------
level
    ``"category"`` (default) or ``"product"`` (``product_id``), as in
    :mod:`xsell_lab.kpis`. Data without categories (UCI Online Retail,
    whose adapter puts every product in category ``"unknown"``) uses
    ``level="product"``: the whitespace is then "customers x products" and
    the main item is the customer's main product; restrict ``items`` to the
    few hundred best sellers to keep the matrix small.
errors
    Missing columns raise :class:`xsell_lab.DataValidationError` naming the
    table and the column; unknown items, customers without orders and empty
    results raise ``ValueError`` with the count and an example. Inputs are
    never modified.

References
----------
Agrawal, R., Imielinski, T. & Swami, A. (1993). Mining association rules
between sets of items in large databases. *SIGMOD '93*, 207-216.
Kamakura, W. A. (2008). Cross-selling: offering the right product to the right
customer at the right time. *Journal of Relationship Marketing* 6(3-4), 41-58.
Kamakura, W. A., Wedel, M., de Rosa, F. & Mazzon, J. A. (2003). Cross-selling
through database marketing: a mixed data factor analyzer for data
augmentation and prediction. *International Journal of Research in
Marketing* 20(1), 45-65.
Knott, A., Hayes, A. & Neslin, S. A. (2002). Next-product-to-buy models for
cross-selling applications. *Journal of Interactive Marketing* 16(3), 59-75.
Hastie, T., Tibshirani, R. & Friedman, J. (2009). *The Elements of Statistical
Learning*, 2nd ed., section 13.3 (k-nearest-neighbour classifiers).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.kpis import primary_items
from xsell_lab.data.validation import require_columns

#: Name of the wide line table in error messages.
SALES_LINES = "sales_lines"
#: Columns of :func:`whitespace_summary` (after the optional group column).
WHITESPACE_SUMMARY_COLUMNS = ["item", "customers", "owners", "non_owners", "whitespace_share"]
#: Columns of :func:`peer_ownership_rates`.
PEER_RATE_COLUMNS = ["main_item", "item", "peers", "peer_owners", "probability"]
#: Columns of :func:`item_margins`.
ITEM_MARGIN_COLUMNS = ["item", "lines", "average_margin"]
#: Columns of :func:`expected_whitespace_value`.
WHITESPACE_VALUE_COLUMNS = [s.CUSTOMER_ID, "main_item", "item", "peers", "peer_owners", "probability", "average_margin", "expected_value"]
#: Columns of :func:`top_whitespace`.
TOP_WHITESPACE_COLUMNS = ["main_item", "item", "customers_without_it", "peers", "peer_owners", "probability", "average_margin", "expected_value"]
#: Columns of :func:`customer_features`.
FEATURE_COLUMNS = [
    s.CUSTOMER_ID,
    s.SEGMENT,
    s.REGION,
    s.ACQUISITION_CHANNEL,
    s.PREFERRED_CHANNEL,
    "first_channel",
    "first_category",
    "tenure_days",
    "early_spend",
]
#: Columns of :func:`cross_buyers`.
CROSS_BUYER_COLUMNS = [s.CUSTOMER_ID, "items", "cross_bought"]
#: Columns of :func:`profile_lift`.
PROFILE_LIFT_COLUMNS = ["feature", "value", "customers", "target_customers", "target_rate", "share_in_target", "share_overall", "lift"]
#: A feature value is given as a lookalike reason only when its lift reaches this (5 % over-represented).
MIN_REASON_LIFT = 1.05
#: Columns of :func:`lookalikes`.
LOOKALIKE_COLUMNS = [s.CUSTOMER_ID, "rank", "score", "similar_target_customers", "neighbours", "reasons"]

_LEVELS = {"category": s.CATEGORY, "product": s.PRODUCT_ID}


# --- whitespace -------------------------------------------------------------


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
    item = _item_column(level)
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
        the summary is then per group and item.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`WHITESPACE_SUMMARY_COLUMNS`, preceded by the group
        column (named after ``groups``) when given. Sorted by group, then
        whitespace share (largest first), then item.

    Raises
    ------
    ValueError
        When a customer of ``ownership`` has no group (count and example).
    """
    _check_ownership(ownership)
    keys: list[str] = []
    frame = ownership
    if groups is not None:
        name = groups.name or "group"
        labels = groups.reindex(ownership.index)
        missing = labels.isna()
        if missing.any():
            raise ValueError(
                f"{int(missing.sum()):,} customer(s) of the ownership matrix have no '{name}', "
                f"e.g. {ownership.index[missing.to_numpy()][0]!r}: pass a group for every customer who bought."
            )
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
    """Average margin (or revenue) of one order line of each item.

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
        ``average_margin`` (mean ``value`` per line; NaN where every line's
        value is unknown). Sorted by item.
    """
    if value not in ("margin", "revenue"):
        raise ValueError(f"item_margins: value must be 'margin' or 'revenue'. Got {value!r}.")
    item = _item_column(level)
    require_columns(lines, [item, value], SALES_LINES)
    margins = lines.groupby(item, sort=True)[value].agg(lines="size", average_margin="mean").reset_index()
    return margins.rename(columns={item: "item"})[ITEM_MARGIN_COLUMNS]


def expected_whitespace_value(
    ownership: pd.DataFrame,
    main: pd.Series,
    margins: pd.DataFrame,
    *,
    min_peers: int = 30,
) -> pd.DataFrame:
    """Score every (customer, item not owned): peer probability x average margin.

    ::

        expected value(c, k) = P(k | main product of c) x average margin of k

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
    scores = scores.merge(margins[["item", "average_margin"]], on="item", how="left", validate="many_to_one")
    scores["expected_value"] = scores["probability"] * scores["average_margin"]
    scores = scores.sort_values(["expected_value", s.CUSTOMER_ID, "item"], ascending=[False, True, True], na_position="last")
    return scores.reset_index(drop=True)[WHITESPACE_VALUE_COLUMNS]


def top_whitespace(scores: pd.DataFrame, *, n: int = 10, min_probability: float = 0.0) -> pd.DataFrame:
    """The opportunity list: (main product -> item) pairs ranked by total expected value.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`expected_whitespace_value`.
    n : int
        How many pairs to keep.
    min_probability : float
        Drop pairs whose peer probability is below this (weak associations).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TOP_WHITESPACE_COLUMNS`: ``customers_without_it`` (the
        whitespace: customers with that main item who do not own ``item``),
        the peer counts and probability, ``average_margin`` and
        ``expected_value`` = customers_without_it x probability x
        average_margin (the margin if they all bought like their peers).

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
        average_margin=("average_margin", "first"),
        expected_value=("expected_value", "sum"),
    )
    pairs = pairs.reset_index().sort_values(["expected_value", "main_item", "item"], ascending=[False, True, True])
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
        customer of ``scores``); its name names the group column.

    Returns
    -------
    pandas.DataFrame
        Columns: the group column, ``item``, ``customers`` (scored customers in
        the group), ``customers_without_it``, ``expected_value`` (total) and
        ``expected_value_per_customer``. Sorted by group and item.
    """
    require_columns(scores, WHITESPACE_VALUE_COLUMNS, "whitespace_scores")
    name = groups.name or "group"
    labels = scores[s.CUSTOMER_ID].map(groups)
    if labels.isna().any():
        example = scores.loc[labels.isna(), s.CUSTOMER_ID].iloc[0]
        raise ValueError(f"{scores.loc[labels.isna(), s.CUSTOMER_ID].nunique():,} scored customer(s) have no '{name}', e.g. {example!r}.")
    frame = scores.assign(**{name: labels})
    sizes = frame.drop_duplicates(s.CUSTOMER_ID).groupby(name).size().rename("customers")
    table = frame.groupby([name, "item"], sort=True).agg(
        customers_without_it=(s.CUSTOMER_ID, "size"), expected_value=("expected_value", "sum")
    )
    table = table.reset_index().merge(sizes.reset_index(), on=name, how="left")
    table["expected_value_per_customer"] = table["expected_value"] / table["customers"]
    return table[[name, "item", "customers", "customers_without_it", "expected_value", "expected_value_per_customer"]]


# --- target-customer profiles -------------------------------------------------


def customer_features(
    lines: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    level: str = "category",
    early_days: int = 30,
    as_of: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per buying customer: who they are and how they started.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs ``customer_id``, ``order_id``,
        ``order_date``, ``channel``, ``revenue`` and the ``level`` column.
    customers : pandas.DataFrame
        The canonical ``customers`` table (``segment``, ``region``,
        ``acquisition_channel``, ``preferred_channel``).
    level : {"category", "product"}
        What ``first_category`` holds (the main item of :func:`main_items`).
    early_days : int
        ``early_spend`` = revenue of the orders placed within this many days
        of the first order (day 0 included).
    as_of : str or Timestamp, optional
        The date tenure is counted to; default the last order date in ``lines``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FEATURE_COLUMNS`, one row per customer who ordered
        (customers without orders have no first order and are not listed),
        sorted by ``customer_id``. ``first_channel`` = channel of the first
        order, ``first_category`` = main item, ``tenure_days`` = days from
        the first order to ``as_of``.

    Raises
    ------
    ValueError
        When an ordering customer is missing from ``customers``.
    """
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, s.CHANNEL, "revenue", _item_column(level)], SALES_LINES)
    require_columns(customers, [s.CUSTOMER_ID, s.SEGMENT, s.REGION, s.ACQUISITION_CHANNEL, s.PREFERRED_CHANNEL], s.CUSTOMERS)
    if lines.empty:
        raise ValueError(f"Table '{SALES_LINES}' is empty: no customer has ordered.")
    unknown = sorted(set(lines[s.CUSTOMER_ID]) - set(customers[s.CUSTOMER_ID]))
    if unknown:
        raise ValueError(
            f"{len(unknown):,} customer(s) in '{SALES_LINES}' are missing from table 'customers', e.g. {unknown[0]!r}."
        )
    orders = lines[[s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, s.CHANNEL]].drop_duplicates(s.ORDER_ID)
    first = orders.sort_values([s.CUSTOMER_ID, s.ORDER_DATE, s.ORDER_ID]).drop_duplicates(s.CUSTOMER_ID)
    first = first.set_index(s.CUSTOMER_ID)
    end = pd.Timestamp(as_of) if as_of is not None else lines[s.ORDER_DATE].max()
    start = lines[s.CUSTOMER_ID].map(first[s.ORDER_DATE])
    early = lines[(lines[s.ORDER_DATE] - start).dt.days < early_days]
    features = customers.set_index(s.CUSTOMER_ID).loc[first.index, [s.SEGMENT, s.REGION, s.ACQUISITION_CHANNEL, s.PREFERRED_CHANNEL]]
    features = features.assign(
        first_channel=first[s.CHANNEL],
        first_category=main_items(lines, level=level),
        tenure_days=(end - first[s.ORDER_DATE]).dt.days,
        early_spend=early.groupby(s.CUSTOMER_ID)["revenue"].sum(),
    )
    return features.sort_index().reset_index()[FEATURE_COLUMNS]


def cross_buyers(lines: pd.DataFrame, *, level: str = "category", min_items: int = 2) -> pd.DataFrame:
    """Who has cross-bought: customers with at least ``min_items`` distinct items.

    The customer-level definition of the cross-sell rate of
    :func:`xsell_lab.kpis.cross_sell_rate` (Kamakura 2008).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CROSS_BUYER_COLUMNS`: ``items`` (distinct items
        bought) and ``cross_bought`` (bool), sorted by ``customer_id``.
    """
    if min_items < 2:
        raise ValueError(f"cross_buyers: min_items must be >= 2 (one item is not a cross-sale). Got {min_items!r}.")
    item = _item_column(level)
    require_columns(lines, [s.CUSTOMER_ID, item], SALES_LINES)
    counts = lines.groupby(s.CUSTOMER_ID, sort=True)[item].nunique().rename("items").reset_index()
    counts["cross_bought"] = counts["items"] >= min_items
    return counts[CROSS_BUYER_COLUMNS]


def profile_lift(
    features: pd.DataFrame,
    target: pd.Series,
    *,
    columns: Sequence[str] | None = None,
    bins: int = 4,
) -> pd.DataFrame:
    """Who are the target customers? Each feature value's share among them vs overall.

    ::

        lift = share of the value among target customers / share of the value among all customers
             = target rate of the value / target rate overall

    A lift above 1 means the value is over-represented among the target
    customers (the profile index of direct marketing; Kamakura 2008 on
    profiling cross-buyers). Numeric features are cut into ``bins``
    quantile bins first.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with ``customer_id`` (e.g. :func:`customer_features`).
    target : pandas.Series
        Bool per customer, index ``customer_id`` (e.g. ``cross_bought`` of
        :func:`cross_buyers`, or "accepted the offer"). Customers of
        ``features`` without a target value are left out.
    columns : sequence of str, optional
        Features to profile; default every column but ``customer_id``.
    bins : int
        Quantile bins for numeric features.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROFILE_LIFT_COLUMNS`: ``customers`` and
        ``target_customers`` (counts with the value), ``target_rate``
        (target customers / customers), ``share_in_target``,
        ``share_overall`` and ``lift``. Sorted by feature (in ``columns``
        order) then lift (largest first).

    Raises
    ------
    ValueError
        When target customers have no features (customers without orders),
        the target is not boolean, or no customer is a target.
    """
    require_columns(features, [s.CUSTOMER_ID], "features")
    columns = [c for c in features.columns if c != s.CUSTOMER_ID] if columns is None else list(columns)
    require_columns(features, columns, "features")
    frame = _with_target(features, target)
    total, targets = len(frame), int(frame["_target"].sum())
    rows = []
    for column in columns:
        values = _binned(frame[column], bins) if pd.api.types.is_numeric_dtype(frame[column]) else frame[column]
        grouped = frame["_target"].groupby(values.astype("object").fillna("(missing)"), sort=False).agg(["size", "sum"])
        for value, (count, hits) in grouped.iterrows():
            rows.append({"feature": column, "value": str(value), "customers": int(count), "target_customers": int(hits)})
    table = pd.DataFrame(rows, columns=["feature", "value", "customers", "target_customers"])
    table["target_rate"] = table["target_customers"] / table["customers"]
    table["share_in_target"] = table["target_customers"] / targets
    table["share_overall"] = table["customers"] / total
    table["lift"] = table["share_in_target"] / table["share_overall"]
    order = {column: i for i, column in enumerate(columns)}
    table = table.sort_values(["feature", "lift", "value"], key=lambda c: c.map(order) if c.name == "feature" else c,
                              ascending=[True, False, True])
    return table.reset_index(drop=True)[PROFILE_LIFT_COLUMNS]


# --- lookalikes -----------------------------------------------------------------


def lookalikes(
    features: pd.DataFrame,
    target: pd.Series,
    *,
    candidates: Sequence[str] | None = None,
    k: int = 25,
    columns: Sequence[str] | None = None,
    n_reasons: int = 2,
    seed: int = 42,
    bins: int = 4,
) -> pd.DataFrame:
    """Rank customers by how much they resemble the target customers.

    Each customer becomes a point: categorical features one-hot encoded,
    numeric ones standardized (z-scores), so every feature counts on the same
    scale. A candidate's score is the share of target customers among their
    ``k`` nearest labelled customers (Euclidean distance; the candidate
    themself excluded): the k-nearest-neighbour estimate of
    P(target | features) (Hastie, Tibshirani & Friedman 2009, section 13.3).
    Distance ties are broken by a random order drawn from ``seed``.

    The reasons name the candidate's feature values that are most
    over-represented among the targets (highest lift of :func:`profile_lift`,
    at least :data:`MIN_REASON_LIFT`), e.g.
    ``"first_category = printer (lift 1.80)"``.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with ``customer_id`` (:func:`customer_features`);
        must cover the labelled customers and the candidates.
    target : pandas.Series
        Bool per labelled customer, index ``customer_id`` (e.g.
        ``cross_bought``, or "accepted the offer" among those offered).
    candidates : sequence of str, optional
        Customers to rank. Default: the labelled customers who are not
        targets (e.g. the customers who have not cross-bought yet).
    k : int
        Neighbours per candidate (at least 1, fewer than the labelled customers).
    columns : sequence of str, optional
        Features to compare; default every column but ``customer_id``.
    n_reasons : int
        How many reasons to give per customer.
    seed : int
        Seed of the tie-breaking order.
    bins : int
        Quantile bins of numeric features in the reasons (see :func:`profile_lift`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LOOKALIKE_COLUMNS`, one row per candidate: ``rank``
        (1 = most alike), ``score`` (share of targets among the neighbours),
        ``similar_target_customers`` (their count), ``neighbours`` (= k) and
        ``reasons`` (text). Sorted by rank; equal scores are ordered by
        ``customer_id``.

    Raises
    ------
    ValueError
        When ``k`` is out of range, candidates have no features (no orders),
        a feature is empty, no candidate is left, or no labelled customer is
        a target.
    """
    require_columns(features, [s.CUSTOMER_ID], "features")
    columns = [c for c in features.columns if c != s.CUSTOMER_ID] if columns is None else list(columns)
    require_columns(features, columns, "features")
    labelled = _with_target(features, target)
    wanted = labelled.loc[~labelled["_target"], s.CUSTOMER_ID] if candidates is None else pd.Index(candidates).unique()
    no_features = pd.Index(wanted).difference(pd.Index(features[s.CUSTOMER_ID]))
    if len(no_features):
        raise ValueError(
            f"{len(no_features):,} candidate(s) have no row in 'features' (customers without orders?), e.g. {no_features[0]!r}."
        )
    if len(wanted) == 0:
        raise ValueError("lookalikes: no candidate to rank (every labelled customer is already a target customer).")
    if not 1 <= k < len(labelled):
        raise ValueError(f"lookalikes: k must be between 1 and {len(labelled) - 1} (labelled customers - 1). Got {k!r}.")
    ranked = features[features[s.CUSTOMER_ID].isin(set(wanted))].reset_index(drop=True)
    unlabelled = ranked[~ranked[s.CUSTOMER_ID].isin(set(labelled[s.CUSTOMER_ID]))]
    everyone = pd.concat([labelled.drop(columns="_target"), unlabelled], ignore_index=True)
    points = _design_matrix(everyone, columns)  # each customer once, so z-scores are not weighted by duplicates
    row = pd.Series(np.arange(len(everyone)), index=everyone[s.CUSTOMER_ID])
    hits = _neighbour_target_counts(
        points[row.loc[ranked[s.CUSTOMER_ID]].to_numpy()],
        points[: len(labelled)],
        labelled["_target"].to_numpy(),
        ranked[s.CUSTOMER_ID].to_numpy(),
        labelled[s.CUSTOMER_ID].to_numpy(),
        k,
        seed,
    )
    result = pd.DataFrame({s.CUSTOMER_ID: ranked[s.CUSTOMER_ID].to_numpy(), "similar_target_customers": hits, "neighbours": k})
    result["score"] = result["similar_target_customers"] / k
    result = result.sort_values(["score", s.CUSTOMER_ID], ascending=[False, True]).reset_index(drop=True)
    result["rank"] = np.arange(1, len(result) + 1)
    lift = profile_lift(labelled, target, columns=columns, bins=bins)
    reasons = _reasons(ranked, lift, labelled, columns, n_reasons, bins)
    fallback = "no feature value is over-represented among the targets"
    result["reasons"] = [reasons.get(customer, fallback) for customer in result[s.CUSTOMER_ID]]
    return result[LOOKALIKE_COLUMNS]


def new_items_after(lines: pd.DataFrame, date: str | pd.Timestamp, *, level: str = "category") -> pd.Series:
    """Did each customer who bought before ``date`` buy an item on or after it that they did not own before?

    The outcome for back-testing a target list: rank customers with data up
    to ``date``, then check who really cross-bought afterwards.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs ``customer_id``, ``order_date``
        and the ``level`` column.
    date : str or Timestamp
        The cut-off: before it is the past, from it on the future.
    level : {"category", "product"}
        What counts as a new item.

    Returns
    -------
    pandas.Series
        Bool named ``bought_new_item``, index ``customer_id`` (every customer
        with an order before ``date``, sorted).
    """
    item = _item_column(level)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item], SALES_LINES)
    cut = pd.Timestamp(date)
    before = lines.loc[lines[s.ORDER_DATE] < cut, [s.CUSTOMER_ID, item]].drop_duplicates()
    if before.empty:
        raise ValueError(f"No order in '{SALES_LINES}' before {cut:%Y-%m-%d}: nothing to back-test.")
    after = lines.loc[lines[s.ORDER_DATE] >= cut, [s.CUSTOMER_ID, item]].drop_duplicates()
    new = after.merge(before, on=[s.CUSTOMER_ID, item], how="left", indicator=True)
    buyers = set(new.loc[new["_merge"] == "left_only", s.CUSTOMER_ID])
    customers = pd.Index(sorted(before[s.CUSTOMER_ID].unique()), name=s.CUSTOMER_ID)
    return pd.Series(customers.isin(buyers), index=customers, name="bought_new_item")


def ranking_backtest(ranked: pd.DataFrame, outcome: pd.Series, *, groups: int = 5) -> pd.DataFrame:
    """Outcome rate by rank group (quintiles by default): does the top of a list do better?

    Parameters
    ----------
    ranked : pandas.DataFrame
        A ranked list with ``customer_id`` and ``rank`` (e.g. :func:`lookalikes`).
    outcome : pandas.Series
        Bool per customer, index ``customer_id`` (e.g. :func:`new_items_after`);
        customers without an outcome count as False.
    groups : int
        Equal-size rank groups; 1 = the top of the list.

    Returns
    -------
    pandas.DataFrame
        Columns ``rank_group`` (1 = top), ``customers``, ``with_outcome``,
        ``outcome_rate``.
    """
    require_columns(ranked, [s.CUSTOMER_ID, "rank"], "ranked")
    if not 1 <= groups <= len(ranked):
        raise ValueError(f"ranking_backtest: groups must be between 1 and {len(ranked)} (the list length). Got {groups!r}.")
    ordered = ranked.sort_values("rank")
    hit = ordered[s.CUSTOMER_ID].isin(outcome.index[outcome.astype(bool).to_numpy()]).to_numpy()
    group = np.arange(len(ordered)) * groups // len(ordered) + 1
    table = pd.DataFrame({"rank_group": group, "hit": hit}).groupby("rank_group")["hit"].agg(customers="size", with_outcome="sum")
    table["with_outcome"] = table["with_outcome"].astype("int64")
    table["outcome_rate"] = table["with_outcome"] / table["customers"]
    return table.reset_index()


# --- helpers ------------------------------------------------------------------------


def _item_column(level: str) -> str:
    if level not in _LEVELS:
        raise ValueError(f"level must be one of {', '.join(_LEVELS)}. Got {level!r}.")
    return _LEVELS[level]


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


def _with_target(features: pd.DataFrame, target: pd.Series) -> pd.DataFrame:
    """``features`` of the customers with a target value, plus a bool column ``_target``."""
    if not pd.api.types.is_bool_dtype(target):
        raise ValueError(f"The target must be True/False per customer. Got dtype {target.dtype}.")
    no_features = target.index.difference(pd.Index(features[s.CUSTOMER_ID]))
    if len(no_features):
        raise ValueError(
            f"{len(no_features):,} target customer(s) have no row in 'features' (customers without orders?), "
            f"e.g. {no_features[0]!r}: features exist only for customers who ordered."
        )
    frame = features[features[s.CUSTOMER_ID].isin(target.index)].reset_index(drop=True)
    frame = frame.assign(_target=frame[s.CUSTOMER_ID].map(target).astype(bool))
    if frame.empty:
        raise ValueError("No customer has both features and a target value.")
    if not frame["_target"].any():
        raise ValueError(f"None of the {len(frame):,} customers is a target customer: there is no profile to describe.")
    return frame


def _binned(values: pd.Series, bins: int, reference: pd.Series | None = None) -> pd.Series:
    """Quantile bins of ``reference`` (default ``values``) labelled by the observed range, e.g. ``"120-450"``.

    Labels are ordered categories; values outside the reference's bins are missing.
    """
    reference = values if reference is None else reference
    if reference.nunique() < 2:
        return values.map("{:,.0f}".format)
    edges = pd.qcut(reference, q=bins, duplicates="drop").cat.categories
    ranges = reference.groupby(pd.cut(reference, bins=edges), observed=False).agg(["min", "max"])
    for decimals in (0, 1, 2, 3, 6):
        pairs = [(f"{low:,.{decimals}f}", f"{high:,.{decimals}f}", low < high) for low, high in ranges.itertuples(index=False)]
        labels = [f"{low}-{high}" for low, high, _ in pairs]
        if len(set(labels)) == len(labels) and all(low != high for low, high, differ in pairs if differ):
            break
    return pd.cut(values, bins=edges).cat.rename_categories(dict(zip(edges, labels)))


def _design_matrix(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Numeric columns as z-scores, the others one-hot (0/1); missing values are an error."""
    parts = []
    for column in columns:
        values = frame[column]
        if values.isna().any():
            example = frame.loc[values.isna(), s.CUSTOMER_ID].iloc[0]
            raise ValueError(
                f"Table 'features', column '{column}': {int(values.isna().sum()):,} row(s) empty, e.g. customer {example!r}: "
                "fill or drop them before ranking lookalikes."
            )
        if pd.api.types.is_numeric_dtype(values):
            spread = values.std(ddof=0)
            parts.append(((values - values.mean()) / (spread if spread > 0 else 1.0)).to_numpy("float64")[:, None])
        else:
            parts.append(pd.get_dummies(values.astype("object"), dtype="float64").to_numpy())
    return np.hstack(parts)


def _neighbour_target_counts(
    queries: np.ndarray,
    reference: np.ndarray,
    is_target: np.ndarray,
    query_ids: np.ndarray,
    reference_ids: np.ndarray,
    k: int,
    seed: int,
    chunk: int = 512,
) -> np.ndarray:
    """For each query, how many of its k nearest reference points (itself excluded) are targets."""
    order = np.random.default_rng(seed).permutation(len(reference))
    reference, is_target, reference_ids = reference[order], is_target[order], reference_ids[order]
    position = pd.Series(np.arange(len(reference_ids)), index=reference_ids)
    own = position.reindex(query_ids).to_numpy()  # a query's own row in the reference, NaN if not labelled
    squared = (reference**2).sum(axis=1)
    counts = np.empty(len(queries), dtype="int64")
    for start in range(0, len(queries), chunk):
        block = queries[start : start + chunk]
        distance = (block**2).sum(axis=1)[:, None] + squared[None, :] - 2 * block @ reference.T
        np.maximum(distance, 0, out=distance)
        self_rows = np.flatnonzero(~np.isnan(own[start : start + chunk]))
        distance[self_rows, own[start : start + chunk][self_rows].astype("int64")] = np.inf  # not one's own neighbour
        nearest = np.argsort(distance, axis=1, kind="stable")[:, :k]
        counts[start : start + chunk] = is_target[nearest].sum(axis=1)
    return counts


def _reasons(
    ranked: pd.DataFrame, lift: pd.DataFrame, labelled: pd.DataFrame, columns: Sequence[str], n_reasons: int, bins: int
) -> pd.Series:
    """Per ranked customer: their feature values with the highest lift (>= MIN_REASON_LIFT), in words.

    Numeric values are put in the quantile bins of the labelled customers (those of ``lift``).
    """
    values = {
        column: (
            _binned(ranked[column], bins, reference=labelled[column])
            if pd.api.types.is_numeric_dtype(labelled[column])
            else ranked[column]
        ).astype("object")
        for column in columns
    }
    long = pd.DataFrame({s.CUSTOMER_ID: ranked[s.CUSTOMER_ID], **values})
    long = long.melt(id_vars=s.CUSTOMER_ID, var_name="feature", value_name="value").dropna(subset=["value"])
    long["value"] = long["value"].astype(str)
    long = long.merge(lift[["feature", "value", "lift"]], on=["feature", "value"], how="inner")
    long = long[long["lift"] >= MIN_REASON_LIFT].sort_values([s.CUSTOMER_ID, "lift", "feature"], ascending=[True, False, True])
    long = long.groupby(s.CUSTOMER_ID, sort=False).head(n_reasons)
    if long.empty:
        return pd.Series(dtype="str")
    long["text"] = long["feature"] + " = " + long["value"] + " (lift " + long["lift"].map("{:.2f}".format) + ")"
    return long.groupby(s.CUSTOMER_ID, sort=False)["text"].agg("; ".join)
