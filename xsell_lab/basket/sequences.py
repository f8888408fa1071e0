"""Next purchase: what a customer buys *after* buying something, and how long after.

Basket rules look inside one order; these look across a customer's orders.

:func:`next_order_rules`, :func:`min_next_orders`
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

The counting lives in the statistics kernel, :mod:`xsell_lab.stats.sequences`,
which :mod:`xsell_lab.lifecycle` and :mod:`xsell_lab.triggers` call too; its
module docstring explains why "B after A" differs between the next-order
and the window definitions (and :func:`xsell_lab.stats.sequences.compare_definitions`
shows one pair under each).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab._deprecation import renamed_parameters
from xsell_lab.data import schema as s
from xsell_lab.data.validation import AUTOMATIC, require_columns, require_known_values
from xsell_lab.stats import sequences as kernel

#: Columns of :func:`next_order_rules` (after the optional ``by`` column).
NEXT_ORDER_COLUMNS = kernel.NEXT_ORDER_COLUMNS
#: Columns of :func:`sequential_rules`.
SEQUENTIAL_COLUMNS = [
    "antecedent", "consequent", "antecedent_customers", "count", "probability", "baseline", "lift", "median_lag_days",
]
#: Name of the lines table in messages, and how to fix a missing column.
LINES, LINES_HINT = kernel.LINES, kernel.LINES_HINT


@renamed_parameters(item_col="item_column")
def next_order_rules(
    lines: pd.DataFrame, *, item_column: str = s.CATEGORY, by: str | None = None, min_orders: int = 1, min_count: int = 1
) -> pd.DataFrame:
    """Probability that a customer's next order holds B, given this order holds A.

    Definition: orders in the denominator, the next order only, no window
    (:func:`xsell_lab.stats.sequences.next_order_rules`, which this calls).

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_id``, ``order_date`` and ``item_column``.
    item_column : str
        What to predict: ``"category"`` or ``"product_id"`` (``item_col=`` until 0.3).
    by : str, optional
        A customer attribute in ``lines`` (e.g. ``"segment"``) to estimate
        the rules separately per group.
    min_orders : int
        Keep rules whose antecedent was followed by at least this many next orders.
    min_count : int
        Keep rules with at least this many next orders holding B (``count``):
        a rule seen once has a probability of 1 and a lift in the thousands, and
        means nothing (:func:`min_next_orders` derives a floor from the data).

    Returns
    -------
    pandas.DataFrame
        ``by`` (when given) then :data:`NEXT_ORDER_COLUMNS`: ``antecedent_orders``
        = orders holding A that have a next order; ``count`` = those whose
        next order holds B; ``probability = count / antecedent_orders``;
        ``baseline`` = share of all next orders (in the group) holding B;
        ``lift = probability / baseline``; ``median_lag_days`` between the two
        orders (calendar days). Sorted by group, antecedent, then probability
        (highest first).
    """
    rules = kernel.next_order_rules(lines, item_column=item_column, by=by, min_orders=min_orders)
    return rules[rules["count"] >= min_count].reset_index(drop=True)


def min_next_orders(lines: pd.DataFrame, min_support: float) -> int:
    """The fewest next orders a next-order rule needs, from the data: the support basket rules ask.

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_id`` and ``order_date``.
    min_support : float
        The share of baskets an itemset needs (:func:`~xsell_lab.basket.frequent_itemsets`).

    Returns
    -------
    int
        ``ceil(min_support x orders followed by another order of the same
        customer)``, at least 2 (one order is an anecdote).
    """
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE], LINES, hint=LINES_HINT)
    orders = _distinct(lines, [s.CUSTOMER_ID, s.ORDER_ID])
    followed = len(orders) - orders[s.CUSTOMER_ID].nunique()
    return max(2, int(np.ceil(round(min_support * followed, 9))))


@renamed_parameters(item_col="item_column")
def sequential_rules(
    lines: pd.DataFrame, *, within_days: int = 90, item_column: str = s.CATEGORY, min_customers: int = 1
) -> pd.DataFrame:
    """Share of customers who buy B within ``within_days`` after their first A.

    Definition: customers in the denominator, any purchase on a later day
    within the window, complete windows only
    (:func:`xsell_lab.stats.sequences.window_rules` with
    ``censoring="complete_windows"``, ``same_basket=False``).
    :func:`xsell_lab.lifecycle.best_moment` reports the same share with
    Kaplan-Meier instead (``share_within``), which keeps the recent customers.

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_date`` and ``item_column``.
    within_days : int
        Length of the window after the first purchase of A, in days (> 0).
    item_column : str
        ``"category"`` or ``"product_id"`` (``item_col=`` until 0.3).
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
    rules = kernel.window_rules(lines, within_days=within_days, item_column=item_column, min_customers=min_customers)
    return rules[SEQUENTIAL_COLUMNS]


@renamed_parameters(item_col="item_column")
def purchase_lags(
    lines: pd.DataFrame, antecedent: object, consequent: object, *, item_column: str = s.CATEGORY, waiting_only: bool = False
) -> pd.DataFrame:
    """Days from each customer's first ``antecedent`` to their first later ``consequent``.

    The uncensored waits of :func:`xsell_lab.stats.sequences.waits`. With
    ``waiting_only``, the customers who bought ``consequent`` on the day of
    their first ``antecedent`` (in the same basket) are left out: what remains
    are the later buyers of :func:`xsell_lab.lifecycle.offer_timing`, whose
    median is its ``median_delay_days``.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``lag_days`` (> 0, whole days), one row per
        customer who bought both in that order, sorted by customer. No
        censoring: use it to see the shape of the delay, and
        :func:`sequential_rules` for rates.
    """
    waits = kernel.waits(lines, item_column=item_column, antecedents=[antecedent], consequents=[consequent])
    later = waits[waits[kernel.OBSERVED] & (waits["consequent"] == consequent)]
    if waiting_only:
        same = kernel.waits(lines, item_column=item_column, antecedents=[antecedent], consequents=[consequent], same_basket=True)
        same = same.loc[(same["consequent"] == consequent) & same[kernel.OBSERVED] & (same[kernel.DURATION] == 0), s.CUSTOMER_ID]
        later = later[~later[s.CUSTOMER_ID].isin(same)]
    later = later.assign(lag_days=later[kernel.DURATION].astype("int64"))
    return later[[s.CUSTOMER_ID, "lag_days"]].sort_values(s.CUSTOMER_ID).reset_index(drop=True)


@renamed_parameters(item_col="item_column")
def next_purchase(lines: pd.DataFrame, rules: pd.DataFrame, *, item_column: str = s.CATEGORY) -> pd.DataFrame:
    """The most likely next item of each customer, given what their last order held.

    For each customer, every item ``A`` of their last order votes for its
    next-order rules; the consequent with the highest probability wins (ties
    broken by the higher lift, then by name). Only each antecedent's best rule
    is joined to the customers, so memory grows with the number of items, not
    with the number of rules.

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_id``, ``order_date``, ``item_column``.
    rules : pandas.DataFrame
        Output of :func:`next_order_rules` without ``by``.
    item_column : str
        ``"category"`` or ``"product_id"`` (``item_col=`` until 0.3).

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``last_order_date``, ``because_of`` (the
        item A of the last order), ``next_item``, ``probability``, ``lift``;
        one row per customer whose last order holds an antecedent of
        ``rules``, sorted by probability (highest first), then customer.
    """
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, item_column], LINES, hint=LINES_HINT)
    orders = _distinct(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE]).sort_values([s.ORDER_DATE, s.ORDER_ID])
    last = orders.groupby(s.CUSTOMER_ID, as_index=False).tail(1)
    held = last.merge(_distinct(lines, [s.ORDER_ID, item_column]), on=s.ORDER_ID).rename(columns={item_column: "antecedent"})
    # Only each antecedent's best rule can win a customer's vote: keep it alone before the join,
    # which otherwise holds every rule of every item of every last order (tens of millions of
    # rows at product level: UCI Online Retail needed more than 12 GB).
    ranked = rules[["antecedent", "consequent", "probability", "lift"]].sort_values(
        ["antecedent", "probability", "lift", "consequent"], ascending=[True, False, False, True], kind="stable"
    )
    votes = held.merge(ranked.drop_duplicates("antecedent"), on="antecedent")
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


def _distinct(lines: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return lines[columns].drop_duplicates().reset_index(drop=True)


#: Columns of :func:`pair_counts`.
PAIR_COLUMNS = ["anchor", "add_on", "customers", "anchor_first_share"]


@renamed_parameters(item_col="item_column")
def pair_counts(lines: pd.DataFrame, *, item_column: str = s.CATEGORY) -> pd.DataFrame:
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
        Order lines with ``customer_id``, ``order_date``, ``item_column`` and
        (for ties) ``unit_price``.
    item_column : str
        ``"category"`` or ``"product_id"`` (``item_col=`` until 0.3).

    Returns
    -------
    pandas.DataFrame
        :data:`PAIR_COLUMNS`, most customers first (ties by name):
        ``anchor_first_share`` = share of the pair's customers whose first
        anchor is not later than their first add-on. Empty when no customer
        bought two different items.
    """
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item_column], LINES, hint=LINES_HINT)
    first = lines.groupby([s.CUSTOMER_ID, item_column], observed=True)[s.ORDER_DATE].min().reset_index()
    names, item = np.unique(first[item_column].astype(str).to_numpy(), return_inverse=True)
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
        price = lines.groupby(item_column, observed=True)[s.UNIT_PRICE].mean()
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


@renamed_parameters(item_col="item_column")
def choose_pair(
    lines: pd.DataFrame, anchor: str = "auto", add_on: str = "auto", *, item_column: str = s.CATEGORY
) -> pd.Series:
    """The anchor and add-on a notebook studies: the ones given, or the data's most common pair.

    ``"auto"`` (or ``""``) lets the data decide: both auto, the pair of
    :func:`pair_counts` with the most customers; only ``add_on`` auto, the
    add-on most often bought with ``anchor``; only ``anchor`` auto, the
    anchor most often bought with ``add_on``.

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_date`` and ``item_column``.
    anchor, add_on : str
        Item values of ``item_column``, or ``"auto"``.
    item_column : str
        ``"category"`` or ``"product_id"`` (``item_col=`` until 0.3).

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
    require_known_values(lines, item_column, "lines", anchor=anchor, add_on=add_on)
    automatic = AUTOMATIC
    pairs = pair_counts(lines, item_column=item_column)
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
            f"'{item_column}' among {lines[s.CUSTOMER_ID].nunique():,} customers: a pair analysis needs customers "
            "who bought two different items."
        )
    chosen = candidates.iloc[0].copy()
    chosen["chosen_by_data"] = anchor in automatic or add_on in automatic
    return chosen
