"""Target-customer profiles: what do the customers who cross-bought have in common?

:func:`customer_features` (segment, region, channels, tenure, first category,
early spend), :func:`readable_features` (the same in plain words), :func:`cross_buyers` (who bought 2+ items) and
:func:`profile_lift` (share in the group / share overall, with counts).

References
----------
Kamakura, W. A. (2008). Cross-selling: offering the right product to the right
customer at the right time. *Journal of Relationship Marketing* 6(3-4), 41-58.
Kumar, V., George, M. & Pancras, J. (2008). Cross-buying in retailing: drivers
and consequences. *Journal of Retailing* 84(1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.kpis import missing_group_label
from xsell_lab.targeting._common import SALES_LINES, binned, with_target
from xsell_lab.targeting.whitespace import main_items

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
        ``order_date``, ``revenue`` and the ``level`` column, and ``channel``
        when the data has it (else ``first_channel`` is empty).
    customers : pandas.DataFrame
        The canonical ``customers`` table; ``segment``, ``region``,
        ``acquisition_channel`` and ``preferred_channel`` are empty in the
        result when it lacks them.
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
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, "revenue", s.item_column(level)], SALES_LINES)
    require_columns(customers, [s.CUSTOMER_ID], s.CUSTOMERS)
    if s.CHANNEL not in lines:
        lines = lines.assign(**{s.CHANNEL: None})
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
    traits = [s.SEGMENT, s.REGION, s.ACQUISITION_CHANNEL, s.PREFERRED_CHANNEL]
    features = customers.set_index(s.CUSTOMER_ID).reindex(columns=traits).loc[first.index]
    features = features.assign(
        first_channel=first[s.CHANNEL],
        first_category=main_items(lines, level=level),
        tenure_days=(end - first[s.ORDER_DATE]).dt.days,
        early_spend=early.groupby(s.CUSTOMER_ID)["revenue"].sum(),
    )
    return features.sort_index().reset_index()[FEATURE_COLUMNS]


def feature_name(column: str, level: str = "category") -> str:
    """The plain-words name of a column of :func:`customer_features`, as sentences and reasons show it.

    ``first_category`` holds the main item, so at product level it is the
    "first product"; underscores become spaces.

    Examples
    --------
    >>> feature_name("first_category", "product"), feature_name("early_spend"), feature_name("segment")
    ('first product', 'early spend', 'segment')
    """
    if column == "first_category":
        return f"first {level}"
    return column.replace("_", " ")


def readable_features(features: pd.DataFrame, labels: Mapping, *, level: str = "category") -> pd.DataFrame:
    """:func:`customer_features` with plain-words column names and item names instead of ids.

    Every column but ``customer_id`` is renamed by :func:`feature_name`, and
    the first item is shown by its label (a product's name, not its id), so a
    lift table or a lookalike reason reads "first product = REGENCY CAKESTAND"
    instead of "first_category = 22423". Labels must be unique (those of
    :func:`xsell_lab.catalogue.item_labels` are), so customers who share a
    first item still share it.

    Parameters
    ----------
    features : pandas.DataFrame
        Output of :func:`customer_features`.
    labels : mapping
        Item -> label, e.g. :func:`xsell_lab.catalogue.item_labels`; an item
        without a label keeps its value.
    level : {"category", "product"}
        What the first item is.

    Returns
    -------
    pandas.DataFrame
        Same rows; columns ``customer_id`` then the renamed features.
    """
    require_columns(features, FEATURE_COLUMNS, "customer_features")
    first = features["first_category"]
    shown = features.assign(first_category=first.map(lambda item: labels.get(item, item), na_action="ignore"))
    return shown.rename(columns={column: feature_name(column, level) for column in FEATURE_COLUMNS if column != s.CUSTOMER_ID})


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
    item = s.item_column(level)
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
    frame = with_target(features, target)
    total, targets = len(frame), int(frame["_target"].sum())
    rows = []
    for column in columns:
        values = binned(frame[column], bins) if pd.api.types.is_numeric_dtype(frame[column]) else frame[column]
        grouped = frame["_target"].groupby(values.astype("object").fillna(missing_group_label(column)), sort=False).agg(["size", "sum"])
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
