""""A then B": how often, and how soon, a customer who bought A buys B.

One implementation for every analysis that asks it (basket, lifecycle, triggers), because
the answer depends on four choices that are easy to make silently, and that explain why
"B after A" can read 16 % in one table and 50 % in another:

denominator (``unit``)
    *orders* holding A (each order counts), or *customers* who bought A (counted once,
    from their first A).
what follows (``follow``)
    the customer's *next order* only, or *any later* purchase within ``within_days``.
the same day (``same_basket``)
    whether B bought on the day of A (in the same basket) counts (``True``: lag >= 0), or
    only a later day does (``False``: lag > 0, the default: the same basket is the attach
    rate's business).
unfinished windows (``censoring``)
    ``"complete_windows"``: customers whose window is not over by ``as_of`` are left out;
    ``"kaplan_meier"``: they count for as long as they were observed (Kaplan & Meier
    1958, :mod:`xsell_lab.stats.survival`); ``"none"``: every A customer is in the
    denominator, and a window cut short by ``as_of`` counts as "not bought" (biased
    down for recent customers).

:func:`next_order_rules`
    ``P(next order holds B | this order holds A)``: orders, next order, censoring none.
:func:`window_rules`
    ``P(B within N days of the first A)``: customers, any later purchase, the censoring
    and same-day rule given.
:func:`waits`
    The durations behind the customer view: days from each customer's first A to their
    first B, censored at ``as_of`` (the input of a Kaplan-Meier curve).
:func:`compare_definitions`
    One pair under every definition, side by side, with the public function that uses each.

Every function takes a long table of order lines with ``customer_id``, ``order_id``,
``order_date`` and an item column (:func:`xsell_lab.sales_lines`). Lags count calendar
days (a time of day in ``order_date`` is dropped); ``as_of`` is the last day of history,
inclusive (default: the last order date). Inputs are never modified.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import DataValidationError, Problem, require_columns
from xsell_lab.stats.survival import DURATION, OBSERVED, kaplan_meier, share_within

#: Values of ``censoring``.
CENSORING = ("complete_windows", "kaplan_meier", "none")
#: Name of the lines table in messages.
LINES = "lines"
#: Hint of the required-columns check.
LINES_HINT = "Use xsell_lab.sales_lines(company), or pass item_column= to name your item column"
#: Columns of :func:`next_order_rules` (after the optional ``by`` column).
NEXT_ORDER_COLUMNS = [
    "antecedent", "consequent", "antecedent_orders", "count", "probability", "baseline", "lift", "median_lag_days",
]
#: Columns of :func:`window_rules`: the counts, then the definition they were made with.
WINDOW_COLUMNS = [
    "antecedent", "consequent", "antecedent_customers", "count", "probability", "baseline", "lift", "median_lag_days",
    "within_days", "same_basket", "censoring",
]
#: Columns of :func:`waits`.
WAIT_COLUMNS = [s.CUSTOMER_ID, "antecedent", "consequent", "start_date", DURATION, OBSERVED]
#: Columns of :func:`compare_definitions`.
DEFINITION_COLUMNS = [
    "definition", "unit", "follow", "same_basket", "censoring", "within_days", "exposed", "events", "estimate", "used_by",
]


def next_order_rules(
    lines: pd.DataFrame,
    *,
    item_column: str = s.CATEGORY,
    by: str | None = None,
    min_orders: int = 1,
    as_of: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Probability that a customer's next order holds B, given this order holds A.

    A first-order Markov chain over a customer's consecutive orders (the "next
    basket" view of Rendle, Freudenthaler & Schmidt-Thieme 2010, "Factorizing
    personalized Markov chains for next-basket recommendation", *WWW*)::

        probability = orders holding A whose next order holds B / orders holding A that have a next order

    Definition: unit = orders, follow = the next order (whenever it comes, on
    the same day or later), censoring none (an order without a next order by
    ``as_of`` is not in the denominator).

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_id``, ``order_date`` and ``item_column``.
    item_column : str
        The item column: ``"category"`` or ``"product_id"``.
    by : str, optional
        A customer attribute in ``lines`` (e.g. ``"segment"``) to estimate the
        rules separately per group.
    min_orders : int
        Keep rules whose antecedent was followed by at least this many next orders.
    as_of : str or Timestamp, optional
        Last day of history (inclusive); later orders are left out. Default: all.

    Returns
    -------
    pandas.DataFrame
        ``by`` (when given) then :data:`NEXT_ORDER_COLUMNS`: ``antecedent_orders``
        = orders holding A that have a next order; ``count`` = those whose next
        order holds B; ``probability = count / antecedent_orders``; ``baseline``
        = share of all next orders (in the group) holding B; ``lift =
        probability / baseline``; ``median_lag_days`` between the two orders.
        Sorted by group, antecedent, then probability (highest first).
    """
    group = by or "_all"
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, item_column] + ([by] if by else []), LINES, hint=LINES_HINT)
    kept = _up_to(lines, as_of)
    orders = _orders_with_next(kept, by)
    held = _distinct(kept, [s.ORDER_ID, item_column]).rename(columns={item_column: "antecedent"})
    nxt = _distinct(kept, [s.ORDER_ID, item_column]).rename(columns={s.ORDER_ID: "next_order", item_column: "consequent"})
    exposed = orders.merge(held, on=s.ORDER_ID)
    followers = orders.merge(nxt, on="next_order").groupby([group, "consequent"]).size()
    baseline = followers.div(orders.groupby(group).size(), level=group).rename("baseline")
    rules = _next_order_counts(orders, held, group)
    rules = rules.merge(
        exposed.groupby([group, "antecedent"]).size().rename("antecedent_orders").reset_index(), on=[group, "antecedent"]
    ).merge(baseline.reset_index(), on=[group, "consequent"], how="left")
    rules = rules.assign(probability=rules["count"] / rules["antecedent_orders"])
    rules = rules.assign(lift=rules["probability"] / rules["baseline"])
    rules = rules[rules["antecedent_orders"] >= min_orders]
    rules = rules.sort_values([group, "antecedent", "probability"], ascending=[True, True, False], kind="stable")
    return rules[([by] if by else []) + NEXT_ORDER_COLUMNS].reset_index(drop=True)


def waits(
    lines: pd.DataFrame,
    *,
    item_column: str = s.CATEGORY,
    antecedents: Sequence[object] | None = None,
    consequents: Sequence[object] | None = None,
    as_of: str | pd.Timestamp | None = None,
    same_basket: bool = False,
) -> pd.DataFrame:
    """Days from each customer's first A to their first B, censored at ``as_of``.

    One row per customer who bought A by ``as_of``, and per consequent B
    (every item bought by then, A itself included: a repeat purchase). The wait
    ends at the first purchase of B on a later day (``same_basket=False``) or
    on the same day or later (``True``); a customer without such a purchase by
    ``as_of`` is censored at ``as_of - start_date`` (Kaplan & Meier 1958).

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_date`` and ``item_column``.
    item_column : str
        The item column.
    antecedents, consequents : sequence, optional
        Restrict A and B to these items (default: every item).
    as_of : str or Timestamp, optional
        Last day of history (inclusive). Default: the last order date.
    same_basket : bool
        Whether a B bought on the day of the first A ends the wait (at 0 days).

    Returns
    -------
    pandas.DataFrame
        :data:`WAIT_COLUMNS`: ``customer_id``, ``antecedent``, ``consequent``,
        ``start_date`` (first A), ``duration_days`` (float >= 0), ``observed``
        (True: B was bought; False: censored), sorted by customer.
    """
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item_column], LINES, hint=LINES_HINT)
    bought, cut = _purchase_days(lines, item_column, as_of)
    starts = _first_purchases(bought)
    if antecedents is not None:
        starts = starts[starts["antecedent"].isin(list(antecedents))]
    if consequents is not None:
        bought = bought[bought["item"].isin(list(consequents))]
    return _waits_from(starts, bought, cut, same_basket)


def window_rules(
    lines: pd.DataFrame,
    *,
    within_days: int = 90,
    item_column: str = s.CATEGORY,
    censoring: str = "complete_windows",
    same_basket: bool = False,
    as_of: str | pd.Timestamp | None = None,
    min_customers: int = 1,
) -> pd.DataFrame:
    """Share of customers who buy B within ``within_days`` of their first A.

    Sequential patterns counted once per customer, from their first purchase
    of A (Agrawal & Srikant 1995, "Mining sequential patterns", *ICDE*)::

        probability = customers who bought B within N days of their first A / customers who bought A

    Definition: unit = customers, follow = any purchase within the window,
    ``same_basket`` and ``censoring`` as given (see the module docstring).

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_date`` and ``item_column``.
    within_days : int
        Length of the window N after the first purchase of A, in days (>= 1).
    item_column : str
        The item column.
    censoring : {"complete_windows", "kaplan_meier", "none"}
        What to do with customers whose window is not over by ``as_of``.
    same_basket : bool
        Whether B bought on the day of the first A counts.
    as_of : str or Timestamp, optional
        Last day of history (inclusive). Default: the last order date.
    min_customers : int
        Keep rules with at least this many customers in the denominator.

    Returns
    -------
    pandas.DataFrame
        :data:`WINDOW_COLUMNS`, one row per pair with at least one B in a
        window: ``antecedent_customers`` = customers in the denominator (with
        ``"complete_windows"``, those whose first A is at least N days before
        ``as_of``); ``count`` = those who bought B within the window;
        ``probability`` = ``count / antecedent_customers``, or ``1 - S(N)`` of
        the Kaplan-Meier curve with ``"kaplan_meier"``; ``baseline`` = the same
        quantity counted from each customer's *first order* instead of their
        first A; ``lift = probability / baseline``; ``median_lag_days`` among
        the ``count`` customers; ``within_days``, ``same_basket``,
        ``censoring`` = the definition. A rule with A = B measures repeat
        purchase. Sorted by antecedent, then probability (highest first).
    """
    if isinstance(within_days, bool) or not isinstance(within_days, (int, np.integer)) or within_days < 1:
        raise ValueError(f"within_days must be a whole number of days >= 1; got {within_days!r}.")
    if censoring not in CENSORING:
        raise ValueError(f"censoring must be one of {', '.join(CENSORING)}; got {censoring!r}.")
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item_column], LINES, hint=LINES_HINT)
    bought, cut = _purchase_days(lines, item_column, as_of)
    rules = _window_counts(_first_purchases(bought), bought, cut, within_days, censoring, same_basket)
    starts = bought.groupby(s.CUSTOMER_ID, as_index=False)[s.ORDER_DATE].min()
    starts = starts.rename(columns={s.ORDER_DATE: "start_date"}).assign(antecedent="first order")
    baseline = _window_counts(starts, bought, cut, within_days, censoring, same_basket).set_index("consequent")
    rules = rules.assign(baseline=rules["consequent"].map(baseline["probability"]).to_numpy())
    rules = rules.assign(lift=rules["probability"] / rules["baseline"], within_days=within_days, same_basket=same_basket,
                         censoring=censoring)
    rules = rules[rules["antecedent_customers"] >= min_customers]
    rules = rules.sort_values(["antecedent", "probability"], ascending=[True, False], kind="stable")
    return rules[WINDOW_COLUMNS].reset_index(drop=True)


def compare_definitions(
    lines: pd.DataFrame,
    antecedent: object,
    consequent: object,
    *,
    within_days: int = 90,
    item_column: str = s.CATEGORY,
    as_of: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """"B after A" for one pair under each definition the package uses, side by side.

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_id``, ``order_date`` and ``item_column``.
    antecedent, consequent : object
        A and B, values of ``item_column``.
    within_days : int
        The window N of the customer definitions.
    item_column : str
        The item column.
    as_of : str or Timestamp, optional
        Last day of history (inclusive). Default: the last order date.

    Returns
    -------
    pandas.DataFrame
        :data:`DEFINITION_COLUMNS`, one row per definition: ``exposed`` (the
        denominator: orders or customers), ``events``, ``estimate`` and
        ``used_by`` (the public functions that report it). The estimates
        differ because the definitions do: the next order only vs. a window,
        orders vs. customers, the same basket counted or not, unfinished
        windows dropped, weighted (Kaplan-Meier) or counted as "not bought".
    """
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, item_column], LINES, hint=LINES_HINT)
    cut = _last_day(lines, as_of)
    rows = []
    nxt = next_order_rules(lines, item_column=item_column, as_of=cut)
    pair = nxt[(nxt["antecedent"] == antecedent) & (nxt["consequent"] == consequent)]
    exposed = nxt.loc[nxt["antecedent"] == antecedent, "antecedent_orders"]
    rows.append({
        "definition": "next order holds B", "unit": "orders", "follow": "next_order", "same_basket": False,
        "censoring": "none", "within_days": np.nan, "exposed": int(exposed.iloc[0]) if len(exposed) else 0,
        "events": int(pair["count"].sum()), "estimate": float(pair["probability"].iloc[0]) if len(pair) else 0.0,
        "used_by": "basket.next_order_rules; lifecycle.best_moment (next_order_probability); triggers.purchase_rules",
    })  # fmt: skip
    used_by = {
        ("complete_windows", False): "basket.sequential_rules",
        ("kaplan_meier", False): "lifecycle.best_moment (share_within); triggers.delay_profile (caught at delay 0)",
        ("none", True): "kpis.attach_rate(within_days=N)",
    }
    for (censoring, same_basket), users in used_by.items():
        rule = _pair_window(lines, antecedent, consequent, within_days, item_column, censoring, same_basket, cut)
        rows.append({
            "definition": f"B {'on the same day or' if same_basket else 'on a later day'} within N days of the first A",
            "unit": "customers", "follow": "any_later", "same_basket": same_basket, "censoring": censoring,
            "within_days": within_days, **rule, "used_by": users,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=DEFINITION_COLUMNS)


# --- helpers --------------------------------------------------------------------------


def _pair_window(lines, antecedent, consequent, within_days, item_column, censoring, same_basket, cut) -> dict:
    bought, cut = _purchase_days(lines, item_column, cut)
    starts = _first_purchases(bought)
    starts = starts[starts["antecedent"] == antecedent]
    counts = _window_counts(starts, bought[bought["item"] == consequent], cut, within_days, censoring, same_basket)
    exposed = len(starts) if censoring != "complete_windows" else int(
        (starts["start_date"] + pd.Timedelta(days=within_days) <= cut).sum())
    if counts.empty:
        return {"exposed": exposed, "events": 0, "estimate": 0.0 if exposed else np.nan}
    row = counts.iloc[0]
    return {"exposed": int(row["antecedent_customers"]), "events": int(row["count"]), "estimate": float(row["probability"])}


def _window_counts(starts, bought, cut, within_days, censoring, same_basket) -> pd.DataFrame:
    """Per (antecedent, consequent): customers in the denominator, customers with B in the window, the rate."""
    if censoring == "complete_windows":
        starts = starts[starts["start_date"] + pd.Timedelta(days=within_days) <= cut]
    rules = _first_later_counts(starts, bought, within_days, same_basket).merge(
        starts.groupby("antecedent").size().rename("antecedent_customers").reset_index(), on="antecedent"
    )
    if censoring != "kaplan_meier":
        return rules.assign(probability=rules["count"] / rules["antecedent_customers"])
    grid = _waits_from(starts, bought[bought["item"].isin(rules["consequent"].unique())], cut, same_basket)
    shares = {
        key: share_within(kaplan_meier(group), within_days) for key, group in grid.groupby(["antecedent", "consequent"])
    }
    keys = list(zip(rules["antecedent"], rules["consequent"]))
    return rules.assign(probability=[shares[key] for key in keys])


#: Rows of the order-pair (or start-purchase) stream counted at once: the memory of the
#: counting is a few arrays of this length (about 200 MB), whatever the number of items.
PAIR_CHUNK_ROWS = 2**22


def _range_pairs(lo_a: np.ndarray, n_a: np.ndarray, lo_b: np.ndarray, n_b: np.ndarray, chunk_rows: int):
    """Yield ``(row, a, b)`` index arrays, at most about ``chunk_rows`` long each.

    Row ``r`` pairs each of the ``n_a[r]`` positions from ``lo_a[r]`` with each of
    the ``n_b[r]`` positions from ``lo_b[r]`` (row-major, ``b`` fastest). A row is
    never split, so a chunk exceeds ``chunk_rows`` only when one row does.
    """
    sizes = n_a.astype("int64") * n_b.astype("int64")
    ends = np.cumsum(sizes)
    start, done = 0, 0
    while start < len(sizes):
        stop = max(int(np.searchsorted(ends, done + chunk_rows, side="right")), start + 1)
        size = sizes[start:stop]
        row = np.repeat(np.arange(start, stop), size)
        within = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
        width = n_b[row]
        yield row, lo_a[row] + within // width, lo_b[row] + within % width
        done, start = int(ends[stop - 1]), stop


def _key_counts(keys: list[np.ndarray], lags: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct keys (sorted), how often each occurs, and the median lag of each."""
    key = np.concatenate(keys) if keys else np.zeros(0, dtype="int64")
    lag = np.concatenate(lags) if lags else np.zeros(0, dtype="int32")
    order = np.lexsort((lag, key))
    key, lag = key[order], lag[order].astype("float64")
    del order
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype="int64")
    counts = np.diff(np.r_[first, len(key)])
    median = (lag[first + (counts - 1) // 2] + lag[first + counts // 2]) / 2
    return key[first], counts.astype("int64"), median


def _next_order_counts(orders: pd.DataFrame, held: pd.DataFrame, group: str) -> pd.DataFrame:
    """Per (group, A, B): orders holding A whose next order holds B, and the median lag.

    Counted on integer codes in chunks of :data:`PAIR_CHUNK_ROWS` order pairs
    instead of joining every order's items with its next order's (about ten
    million rows of text for UCI Online Retail at product level). Sorted by
    group, antecedent, consequent, as a ``groupby`` would.
    """
    held = held.sort_values(s.ORDER_ID, kind="stable")
    order_code, order_ids = pd.factorize(held[s.ORDER_ID])
    item_code, items = pd.factorize(held["antecedent"], sort=True)
    by_order = np.argsort(order_code, kind="stable")
    item_code = item_code[by_order]
    size = np.bincount(order_code, minlength=len(order_ids))
    offset = np.r_[0, np.cumsum(size)[:-1]]
    this, after = order_ids.get_indexer(orders[s.ORDER_ID]), order_ids.get_indexer(orders["next_order"])
    group_code, groups = pd.factorize(orders[group], sort=True)
    lag_days = orders["lag_days"].to_numpy(dtype="float64").astype("int32")
    n_items = np.int64(max(len(items), 1))
    keys, lags = [], []
    for row, a, b in _range_pairs(offset[this], size[this], offset[after], size[after], PAIR_CHUNK_ROWS):
        keys.append((group_code[row].astype("int64") * n_items + item_code[a]) * n_items + item_code[b])
        lags.append(lag_days[row])
    key, counts, median = _key_counts(keys, lags)
    del keys, lags
    return pd.DataFrame({
        group: _take(groups, key // (n_items * n_items)), "antecedent": _take(items, key // n_items % n_items),
        "consequent": _take(items, key % n_items), "count": counts, "median_lag_days": median,
    })  # fmt: skip


def _take(uniques: pd.Index, codes: np.ndarray) -> pd.Series:
    """The values of ``codes`` in ``uniques`` (a factorization), typed as a ``groupby`` key would be.

    Text held in an ``object`` column comes back as pandas' string dtype, as the
    keys of ``groupby`` do; any other dtype (categories, numbers) is kept.
    """
    values = uniques.take(codes)
    if values.dtype == object:
        return pd.Series(pd.Index(values.to_numpy()))
    return pd.Series(values)


def _first_later_counts(starts: pd.DataFrame, bought: pd.DataFrame, within_days: int, same_basket: bool) -> pd.DataFrame:
    """Per (A, B): customers whose first later B comes within ``within_days`` of their start, and the median lag.

    The counting of :func:`_first_later` restricted to the window, on integer
    codes in chunks of :data:`PAIR_CHUNK_ROWS` (start, purchase) pairs, so memory
    stays bounded whatever the number of items (a self-join of UCI Online Retail
    at product level needed about 6 GB). Sorted by antecedent, then consequent.
    """
    customers = pd.Index(pd.concat([starts[s.CUSTOMER_ID], bought[s.CUSTOMER_ID]], ignore_index=True).unique())
    start_customer = customers.get_indexer(starts[s.CUSTOMER_ID])
    antecedent_code, antecedents = pd.factorize(starts["antecedent"], sort=True)
    start_day = starts["start_date"].to_numpy().astype("datetime64[D]").astype("int64")
    item_code, items = pd.factorize(bought["item"], sort=True)
    bought_customer = customers.get_indexer(bought[s.CUSTOMER_ID])
    bought_day = bought[s.ORDER_DATE].to_numpy().astype("datetime64[D]").astype("int64")
    order = np.lexsort((bought_day, item_code, bought_customer))
    item_code, bought_customer, bought_day = item_code[order], bought_customer[order], bought_day[order]
    size = np.bincount(bought_customer, minlength=len(customers))
    offset = np.r_[0, np.cumsum(size)[:-1]]
    n_items = np.int64(max(len(items), 1))
    keys, lags = [], []
    ones = np.ones(len(starts), dtype="int64")
    rows = np.arange(len(starts))
    for row, _, b in _range_pairs(rows, ones, offset[start_customer], size[start_customer], PAIR_CHUNK_ROWS):
        lag = bought_day[b] - start_day[row]
        keep = lag >= 0 if same_basket else lag > 0
        row, b, lag = row[keep], b[keep], lag[keep]
        first = np.r_[True, (row[1:] != row[:-1]) | (item_code[b[1:]] != item_code[b[:-1]])] if len(row) else keep[:0]
        inside = first & (lag <= within_days)
        keys.append(antecedent_code[row[inside]].astype("int64") * n_items + item_code[b[inside]])
        lags.append(lag[inside].astype("int32"))
    key, counts, median = _key_counts(keys, lags)
    del keys, lags
    return pd.DataFrame({
        "antecedent": _take(antecedents, key // n_items),
        "consequent": _take(items, key % n_items),
        "count": counts, "median_lag_days": median,
    })  # fmt: skip


def _waits_from(starts: pd.DataFrame, bought: pd.DataFrame, cut: pd.Timestamp, same_basket: bool) -> pd.DataFrame:
    """Every start (customer, antecedent, start_date) crossed with every item of ``bought``: the censored wait."""
    later = _first_later(starts, bought, same_basket)
    grid = starts.merge(pd.DataFrame({"consequent": bought["item"].unique()}), how="cross")
    grid = grid.merge(later, on=[s.CUSTOMER_ID, "antecedent", "consequent"], how="left")
    observed = grid["lag_days"].notna()
    duration = grid["lag_days"].where(observed, (cut - grid["start_date"]) / pd.Timedelta(days=1))
    grid = grid.assign(**{DURATION: duration.astype("float64"), OBSERVED: observed})
    return grid.sort_values(s.CUSTOMER_ID, kind="stable")[WAIT_COLUMNS].reset_index(drop=True)


def _first_later(starts: pd.DataFrame, bought: pd.DataFrame, same_basket: bool) -> pd.DataFrame:
    """For each start (customer, antecedent, start_date), the lag to the first purchase of every item on/after it."""
    joined = starts.merge(bought.rename(columns={"item": "consequent"}), on=s.CUSTOMER_ID)
    lag = (joined[s.ORDER_DATE] - joined["start_date"]) / pd.Timedelta(days=1)
    keep = lag >= 0 if same_basket else lag > 0
    joined = joined.assign(lag_days=lag)[keep]
    return joined.groupby([s.CUSTOMER_ID, "antecedent", "consequent"], as_index=False)["lag_days"].min()


def _first_purchases(bought: pd.DataFrame) -> pd.DataFrame:
    first = bought.groupby([s.CUSTOMER_ID, "item"], as_index=False)[s.ORDER_DATE].min()
    return first.rename(columns={"item": "antecedent", s.ORDER_DATE: "start_date"})


def _purchase_days(lines: pd.DataFrame, item_column: str, as_of) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Distinct (customer, item, calendar day) up to ``as_of``, and ``as_of`` as a day."""
    _require_filled(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item_column])
    cut = _last_day(lines, as_of)
    kept = lines.loc[lines[s.ORDER_DATE] < cut + pd.Timedelta(days=1), [s.CUSTOMER_ID, item_column, s.ORDER_DATE]]
    kept = kept.assign(**{s.ORDER_DATE: kept[s.ORDER_DATE].dt.normalize()}).rename(columns={item_column: "item"})
    return kept.drop_duplicates().reset_index(drop=True), cut


def _last_day(lines: pd.DataFrame, as_of) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    if lines.empty:
        raise DataValidationError([Problem(LINES, s.ORDER_DATE, "hold no order: nothing to follow", 0)])
    return lines[s.ORDER_DATE].max().normalize()


def _up_to(lines: pd.DataFrame, as_of) -> pd.DataFrame:
    if as_of is None:
        return lines
    return lines[lines[s.ORDER_DATE] < pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)]


def _require_filled(lines: pd.DataFrame, columns: list[str]) -> None:
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
    _require_filled(lines, columns)
    orders = _distinct(lines, columns).sort_values([s.CUSTOMER_ID, s.ORDER_DATE, s.ORDER_ID], kind="stable")
    if orders[s.ORDER_ID].duplicated().any():
        example = orders.loc[orders[s.ORDER_ID].duplicated(), s.ORDER_ID].iloc[0]
        raise ValueError(
            f"table 'lines': order {example!r} has several customers, dates or {by} values; each order must have one."
        )
    following = orders.groupby(s.CUSTOMER_ID)
    day = orders[s.ORDER_DATE].dt.normalize()
    orders = orders.assign(
        next_order=following[s.ORDER_ID].shift(-1),
        lag_days=(day.groupby(orders[s.CUSTOMER_ID]).shift(-1) - day) / pd.Timedelta(days=1),
    )
    if not by:
        orders = orders.assign(_all="all")
    return orders.dropna(subset=["next_order"])[[s.ORDER_ID, "next_order", "lag_days", group]]
