"""Next purchase: what a customer buys *after* buying something, and how long after.

Basket rules look inside one order; these look across a customer's orders.

:func:`next_order_rules`
    ``P(the next order holds B | this order holds A)``: a first-order Markov
    chain over a customer's consecutive orders (the "next basket" view of
    Rendle, Freudenthaler & Schmidt-Thieme 2010, "Factorizing personalized
    Markov chains for next-basket recommendation").
:func:`sequential_rules`
    "Bought A, then B within N days", counted once per customer from their
    first purchase of A (sequential patterns, Agrawal & Srikant 1995).
    Customers whose first A is less than N days before the end of the data
    are not counted: their window is not over yet (right censoring).
:func:`purchase_lags`
    The days between a customer's first A and their first later B.
:func:`next_purchase`
    The most likely next item (category) for each customer, from their last
    order and the next-order rules.

Every function takes a long table of order lines with ``customer_id``,
``order_id``, ``order_date`` and an item column (``category`` by default),
such as :func:`xsell_lab.sales_lines` returns. Inputs are not modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import AUTOMATIC, require_known_values

#: Columns of :func:`next_order_rules` (after the optional ``by`` column).
NEXT_ORDER_COLUMNS = [
    "antecedent", "consequent", "antecedent_orders", "count", "probability", "baseline", "lift", "median_lag_days",
]
#: Columns of :func:`sequential_rules`.
SEQUENTIAL_COLUMNS = [
    "antecedent", "consequent", "antecedent_customers", "count", "probability", "baseline", "lift", "median_lag_days",
]


def next_order_rules(
    lines: pd.DataFrame, *, item_col: str = s.CATEGORY, by: str | None = None, min_orders: int = 1
) -> pd.DataFrame:
    """Probability that a customer's next order holds B, given this order holds A.

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_id``, ``order_date`` and ``item_col``.
    item_col : str
        What to predict: ``"category"`` or ``"product_id"``.
    by : str, optional
        A customer attribute in ``lines`` (e.g. ``"segment"``) to estimate
        the rules separately per group.
    min_orders : int
        Keep rules whose antecedent was followed by at least this many next orders.

    Returns
    -------
    pandas.DataFrame
        ``by`` (when given) then :data:`NEXT_ORDER_COLUMNS`: ``antecedent_orders``
        = orders holding A that have a next order; ``count`` = those whose
        next order holds B; ``probability = count / antecedent_orders``;
        ``baseline`` = share of all next orders (in the group) holding B;
        ``lift = probability / baseline``; ``median_lag_days`` between the two
        orders. Sorted by group, antecedent, then probability (highest first).
    """
    group = by or "_all"
    orders = _orders_with_next(lines, by)
    held = _distinct(lines, [s.ORDER_ID, item_col]).rename(columns={item_col: "antecedent"})
    nxt = _distinct(lines, [s.ORDER_ID, item_col]).rename(columns={s.ORDER_ID: "next_order", item_col: "consequent"})
    exposed = orders.merge(held, on=s.ORDER_ID)
    pairs = exposed.merge(nxt, on="next_order")
    followers = orders.merge(nxt, on="next_order").groupby([group, "consequent"]).size()
    baseline = followers.div(orders.groupby(group).size(), level=group).rename("baseline")
    rules = (
        pairs.groupby([group, "antecedent", "consequent"])
        .agg(count=(s.ORDER_ID, "size"), median_lag_days=("lag_days", "median"))
        .join(exposed.groupby([group, "antecedent"]).size().rename("antecedent_orders"))
        .join(baseline)
        .reset_index()
    )
    rules = rules.assign(probability=rules["count"] / rules["antecedent_orders"])
    rules = rules.assign(lift=rules["probability"] / rules["baseline"])
    rules = rules[rules["antecedent_orders"] >= min_orders]
    rules = rules.sort_values([group, "antecedent", "probability"], ascending=[True, True, False], kind="stable")
    return rules[([by] if by else []) + NEXT_ORDER_COLUMNS].reset_index(drop=True)


def sequential_rules(
    lines: pd.DataFrame, *, within_days: int = 90, item_col: str = s.CATEGORY, min_customers: int = 1
) -> pd.DataFrame:
    """Share of customers who buy B within ``within_days`` after their first A.

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_date`` and ``item_col``.
    within_days : int
        Length of the window after the first purchase of A, in days (> 0).
    item_col : str
        ``"category"`` or ``"product_id"``.
    min_customers : int
        Keep rules with at least this many customers who bought A.

    Returns
    -------
    pandas.DataFrame
        :data:`SEQUENTIAL_COLUMNS`: ``antecedent_customers`` = customers whose
        first A is at least ``within_days`` before the last date in ``lines``;
        ``count`` = those who bought B on a later day within the window;
        ``probability = count / antecedent_customers``; ``baseline`` = share
        of customers (same censoring) who bought B on a later day within
        ``within_days`` of their *first order*; ``lift = probability /
        baseline``; ``median_lag_days`` from first A to first later B. A
        rule with A = B measures repeat purchase. Sorted by antecedent, then
        probability (highest first).
    """
    if isinstance(within_days, bool) or not isinstance(within_days, (int, np.integer)) or within_days < 1:
        raise ValueError(f"within_days must be a whole number of days >= 1; got {within_days!r}.")
    _check(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item_col])
    bought = _distinct(lines, [s.CUSTOMER_ID, item_col, s.ORDER_DATE]).rename(columns={item_col: "item"})
    last_day = bought[s.ORDER_DATE].max()
    first = bought.groupby([s.CUSTOMER_ID, "item"], as_index=False)[s.ORDER_DATE].min()
    first = first[first[s.ORDER_DATE] + pd.Timedelta(days=within_days) <= last_day]
    lags = _first_later(first.rename(columns={"item": "antecedent"}), bought, within_days)
    rules = (
        lags.groupby(["antecedent", "consequent"])
        .agg(count=(s.CUSTOMER_ID, "size"), median_lag_days=("lag_days", "median"))
        .join(first.groupby("item").size().rename_axis("antecedent").rename("antecedent_customers"))
        .reset_index()
    )
    starts = bought.groupby(s.CUSTOMER_ID, as_index=False)[s.ORDER_DATE].min().assign(antecedent="first order")
    starts = starts[starts[s.ORDER_DATE] + pd.Timedelta(days=within_days) <= last_day]
    baseline = _first_later(starts, bought, within_days).groupby("consequent").size() / len(starts)
    rules = rules.assign(
        probability=rules["count"] / rules["antecedent_customers"],
        baseline=rules["consequent"].map(baseline).to_numpy(),
    )
    rules = rules.assign(lift=rules["probability"] / rules["baseline"])
    rules = rules[rules["antecedent_customers"] >= min_customers]
    rules = rules.sort_values(["antecedent", "probability"], ascending=[True, False], kind="stable")
    return rules[SEQUENTIAL_COLUMNS].reset_index(drop=True)


def purchase_lags(
    lines: pd.DataFrame, antecedent: object, consequent: object, *, item_col: str = s.CATEGORY
) -> pd.DataFrame:
    """Days from each customer's first ``antecedent`` to their first later ``consequent``.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``lag_days`` (> 0), one row per customer who
        bought both in that order, sorted by customer. No censoring: use it to
        see the shape of the delay, and :func:`sequential_rules` for rates.
    """
    _check(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item_col])
    bought = _distinct(lines, [s.CUSTOMER_ID, item_col, s.ORDER_DATE]).rename(columns={item_col: "item"})
    first = bought[bought["item"] == antecedent].groupby(s.CUSTOMER_ID, as_index=False)[s.ORDER_DATE].min()
    later = _first_later(first.assign(antecedent=antecedent), bought[bought["item"] == consequent], None)
    return later[[s.CUSTOMER_ID, "lag_days"]].sort_values(s.CUSTOMER_ID).reset_index(drop=True)


def next_purchase(lines: pd.DataFrame, rules: pd.DataFrame, *, item_col: str = s.CATEGORY) -> pd.DataFrame:
    """The most likely next item of each customer, given what their last order held.

    For each customer, every item ``A`` of their last order votes for its
    next-order rules; the consequent with the highest probability wins (ties
    broken by the higher lift, then by name).

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_id``, ``order_date``, ``item_col``.
    rules : pandas.DataFrame
        Output of :func:`next_order_rules` without ``by``.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``last_order_date``, ``because_of`` (the
        item A of the last order), ``next_item``, ``probability``, ``lift``;
        one row per customer whose last order holds an antecedent of
        ``rules``, sorted by probability (highest first), then customer.
    """
    _check(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, item_col])
    orders = _distinct(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE]).sort_values([s.ORDER_DATE, s.ORDER_ID])
    last = orders.groupby(s.CUSTOMER_ID, as_index=False).tail(1)
    held = last.merge(_distinct(lines, [s.ORDER_ID, item_col]), on=s.ORDER_ID).rename(columns={item_col: "antecedent"})
    votes = held.merge(rules[["antecedent", "consequent", "probability", "lift"]], on="antecedent")
    votes = votes.sort_values(
        [s.CUSTOMER_ID, "probability", "lift", "consequent"], ascending=[True, False, False, True], kind="stable"
    )
    best = votes.groupby(s.CUSTOMER_ID, as_index=False).head(1)
    best = best.rename(
        columns={s.ORDER_DATE: "last_order_date", "antecedent": "because_of", "consequent": "next_item"}
    )
    best = best.sort_values(["probability", s.CUSTOMER_ID], ascending=[False, True], kind="stable")
    return best[[s.CUSTOMER_ID, "last_order_date", "because_of", "next_item", "probability", "lift"]].reset_index(
        drop=True
    )


# --- helpers --------------------------------------------------------------


def _check(lines: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in lines.columns]
    if missing:
        raise KeyError(
            f"table 'lines': column(s) {', '.join(map(repr, missing))} missing ({len(lines):,} rows); "
            f"columns found: {', '.join(map(str, lines.columns[:15]))}. Use xsell_lab.sales_lines(company)."
        )
    empty = lines[columns].isna().any(axis=1)
    if empty.any():
        first = int(np.flatnonzero(empty.to_numpy())[0])
        raise ValueError(
            f"table 'lines': {int(empty.sum()):,} row(s) have an empty {' / '.join(columns)}, "
            f"e.g. row {first + 1}: {lines[columns].iloc[first].to_dict()}."
        )


def _distinct(lines: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return lines[columns].drop_duplicates().reset_index(drop=True)


def _orders_with_next(lines: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """One row per order that has a later order of the same customer: order_id, next_order, lag_days, group."""
    group = by or "_all"
    columns = [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE] + ([by] if by else [])
    _check(lines, columns)
    orders = _distinct(lines, columns).sort_values([s.CUSTOMER_ID, s.ORDER_DATE, s.ORDER_ID], kind="stable")
    if orders[s.ORDER_ID].duplicated().any():
        example = orders.loc[orders[s.ORDER_ID].duplicated(), s.ORDER_ID].iloc[0]
        raise ValueError(
            f"table 'lines': order {example!r} has several customers, dates or {by} values; "
            "each order must have one."
        )
    following = orders.groupby(s.CUSTOMER_ID)
    orders = orders.assign(
        next_order=following[s.ORDER_ID].shift(-1),
        lag_days=(following[s.ORDER_DATE].shift(-1) - orders[s.ORDER_DATE]).dt.days,
    )
    if not by:
        orders = orders.assign(_all="all")
    return orders.dropna(subset=["next_order"])[[s.ORDER_ID, "next_order", "lag_days", group]]


def _first_later(first: pd.DataFrame, bought: pd.DataFrame, within_days: int | None) -> pd.DataFrame:
    """For each (customer, antecedent, first date), the first later purchase date of every other item."""
    joined = first.merge(bought, on=s.CUSTOMER_ID, suffixes=("", "_later"))
    lag = (joined[f"{s.ORDER_DATE}_later"] - joined[s.ORDER_DATE]).dt.days
    keep = lag > 0
    if within_days is not None:
        keep &= lag <= within_days
    joined = joined.assign(lag_days=lag)[keep].rename(columns={"item": "consequent"})
    return joined.groupby([s.CUSTOMER_ID, "antecedent", "consequent"], as_index=False)["lag_days"].min()


#: Columns of :func:`pair_counts`.
PAIR_COLUMNS = ["anchor", "add_on", "customers", "anchor_first_share"]


def pair_counts(lines: pd.DataFrame, *, item_col: str = s.CATEGORY) -> pd.DataFrame:
    """Customers who bought both items of each pair, with the pair ordered as it is bought.

    For every unordered pair of distinct items, the customers who bought both
    (at any time in ``lines``). The item these customers bought strictly
    first more often is the ``anchor``, the other the ``add_on``: "a printer,
    then ink" rather than "ink, then a printer". When as many bought each
    first (typically: both in the same basket), the item with the higher
    average ``unit_price`` is the anchor, as the main product usually costs
    more than its add-on (a laptop and its case).

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_date``, ``item_col`` and
        (for ties) ``unit_price``.
    item_col : str
        ``"category"`` or ``"product_id"``.

    Returns
    -------
    pandas.DataFrame
        :data:`PAIR_COLUMNS`, most customers first (ties by name):
        ``anchor_first_share`` = share of the pair's customers whose first
        anchor is not later than their first add-on. Empty when no customer
        bought two different items.
    """
    _check(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item_col])
    first = lines.groupby([s.CUSTOMER_ID, item_col], observed=True)[s.ORDER_DATE].min().reset_index()
    names, item = np.unique(first[item_col].astype(str).to_numpy(), return_inverse=True)
    customer = pd.factorize(first[s.CUSTOMER_ID])[0]
    day = first[s.ORDER_DATE].to_numpy().astype("datetime64[D]").astype("int64")
    order = np.lexsort((item, day, customer))
    keys, lo_first, hi_first = _ordered_pair_keys(customer[order], item[order], day[order], len(names))
    pairs, counts, a_first, b_first = _count_keys(keys, lo_first, hi_first, len(names) ** 2)
    a_earlier, b_earlier = a_first / counts, b_first / counts
    pairs = pd.DataFrame({
        "item_a": names[pairs // len(names)], "item_b": names[pairs % len(names)], "customers": counts,
        "a_earlier": a_earlier, "b_earlier": b_earlier,
    })  # fmt: skip
    if s.UNIT_PRICE in lines.columns:
        price = lines.groupby(item_col, observed=True)[s.UNIT_PRICE].mean()
        a_pricier = pairs["item_a"].map(price).to_numpy() >= pairs["item_b"].map(price).to_numpy()
    else:
        a_pricier = np.ones(len(pairs), dtype=bool)
    a_leads = (pairs["a_earlier"] > pairs["b_earlier"]) | ((pairs["a_earlier"] == pairs["b_earlier"]) & a_pricier)
    result = pd.DataFrame({
        "anchor": np.where(a_leads, pairs["item_a"], pairs["item_b"]),
        "add_on": np.where(a_leads, pairs["item_b"], pairs["item_a"]),
        "customers": pairs["customers"].astype("int64"),
        "anchor_first_share": np.where(a_leads, 1 - pairs["b_earlier"], 1 - pairs["a_earlier"]),
    })  # fmt: skip
    result = result.sort_values(["customers", "anchor", "add_on"], ascending=[False, True, True], kind="stable")
    return result[PAIR_COLUMNS].reset_index(drop=True)


def _ordered_pair_keys(
    customer: np.ndarray, item: np.ndarray, day: np.ndarray, n_items: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of distinct items a customer bought, as keys ``lo * n_items + hi`` (``lo < hi``).

    The inputs hold one row per customer and item (its first purchase day),
    sorted by customer, then day. Returns all keys, and the keys of the pairs
    whose lower-coded item was bought strictly first, and of those whose
    higher-coded item was. Built with NumPy (a customer with k items gives
    k (k - 1) / 2 pairs) instead of a self-join of the table, which needed
    5 GB for UCI Online Retail at product level.
    """
    starts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    group_end = np.repeat(np.r_[starts[1:], len(customer)], np.diff(np.r_[starts, len(customer)]))
    partners = group_end - np.arange(len(customer)) - 1
    left = np.repeat(np.arange(len(customer)), partners)
    offsets = np.arange(len(left)) - np.repeat(np.cumsum(partners) - partners, partners)
    right = left + 1 + offsets
    item_left, item_right = item[left], item[right]
    keys = np.minimum(item_left, item_right).astype("int64") * n_items + np.maximum(item_left, item_right)
    strictly = day[left] < day[right]
    return keys, keys[strictly & (item_left < item_right)], keys[strictly & (item_left > item_right)]


#: Up to this many possible pairs (items squared), keys are counted in a dense bincount (128 MiB).
_DENSE_PAIR_KEYS = 2**24


def _count_keys(
    keys: np.ndarray, lo_first: np.ndarray, hi_first: np.ndarray, n_keys: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct keys, how often each occurs, and how often in ``lo_first`` and in ``hi_first``."""
    if n_keys <= _DENSE_PAIR_KEYS:
        counts = np.bincount(keys, minlength=n_keys)
        present = np.flatnonzero(counts)
        lo = np.bincount(lo_first, minlength=n_keys)[present]
        hi = np.bincount(hi_first, minlength=n_keys)[present]
        return present, counts[present], lo, hi
    present, counts = np.unique(keys, return_counts=True)
    lo = np.bincount(np.searchsorted(present, lo_first), minlength=len(present))
    hi = np.bincount(np.searchsorted(present, hi_first), minlength=len(present))
    return present, counts, lo, hi


def choose_pair(
    lines: pd.DataFrame, anchor: str = "auto", add_on: str = "auto", *, item_col: str = s.CATEGORY
) -> pd.Series:
    """The anchor and add-on a notebook studies: the ones given, or the data's most common pair.

    ``"auto"`` (or ``""``) lets the data decide: both auto, the pair of
    :func:`pair_counts` with the most customers; only ``add_on`` auto, the
    add-on most often bought with ``anchor``; only ``anchor`` auto, the
    anchor most often bought with ``add_on``.

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_date`` and ``item_col``.
    anchor, add_on : str
        Item values of ``item_col``, or ``"auto"``.
    item_col : str
        ``"category"`` or ``"product_id"``.

    Returns
    -------
    pandas.Series
        ``anchor``, ``add_on``, ``customers`` (who bought both),
        ``anchor_first_share`` and ``chosen_by_data`` (True when either was auto).

    Raises
    ------
    ValueError
        A given item that is not in the data (the message lists the most
        sold ones), or data where no customer bought two different items.
    """
    require_known_values(lines, item_col, "lines", anchor=anchor, add_on=add_on)
    automatic = AUTOMATIC
    pairs = pair_counts(lines, item_col=item_col)
    swapped = pairs.rename(columns={"anchor": "add_on", "add_on": "anchor"})
    both_ways = pd.concat([pairs, swapped.assign(anchor_first_share=1 - swapped["anchor_first_share"])])
    both_ways = both_ways.sort_values(["customers", "anchor_first_share"], ascending=False, kind="stable")
    if anchor in automatic and add_on in automatic:
        candidates = pairs
    else:
        keep = pd.Series(True, index=both_ways.index)
        if anchor not in automatic:
            keep &= both_ways["anchor"].astype(str) == anchor
        if add_on not in automatic:
            keep &= both_ways["add_on"].astype(str) == add_on
        candidates = both_ways[keep]
    if candidates.empty:
        raise ValueError(
            f"No customer bought both items of a pair (anchor {anchor!r}, add-on {add_on!r}) in column "
            f"'{item_col}' among {lines[s.CUSTOMER_ID].nunique():,} customers: a pair analysis needs customers "
            "who bought two different items."
        )
    chosen = candidates.iloc[0].copy()
    chosen["chosen_by_data"] = anchor in automatic or add_on in automatic
    return chosen
