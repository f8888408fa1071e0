"""What customers who lack an item did next: the later conversion of a whitespace pair.

A customer who owns item A and has not bought item B is a whitespace target
for B. How many such customers will buy B? Not as many as the share of A's
baskets that hold B: those who wanted B with A mostly took it at once, and the
ones left without it have, for now, said no. The honest rate is the one the
data shows for the same situation earlier:

::

    later conversion(A -> B, t, N) = customers who had A and not B on day t and bought B in the N days after
                                     / customers who had A and not B on day t

:func:`later_conversion` counts it for one cut-off day ``t`` with a Wilson
interval (Wilson 1927; :func:`xsell_lab.stats.intervals.wilson_interval`);
:func:`conversion_forecast` measures it on the last complete window (cut-off
``as_of`` minus N days), applies it to the customers who lack B on ``as_of``
(the expected buyers, with the interval) and back-tests the method: the rate
measured one window earlier is the prediction, the last window is what
happened (a next-product-to-buy score validated on a later period, as Knott,
Hayes & Neslin 2002 do). :func:`conversion_days` chooses N from the data.

References
----------
Knott, A., Hayes, A. & Neslin, S. A. (2002). Next-product-to-buy models for
cross-selling applications. *Journal of Interactive Marketing* 16(3), 59-75.
Wilson, E. B. (1927). Probable inference, the law of succession, and
statistical inference. *Journal of the American Statistical Association*
22(158), 209-212.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.stats.intervals import wilson_interval
from xsell_lab.targeting._common import SALES_LINES

#: Columns of :func:`later_conversion`.
LATER_CONVERSION_COLUMNS = ["main_item", "item", "as_of", "window_end", "customers", "converted", "estimate", "ci_low", "ci_high"]
#: Columns of :func:`conversion_forecast`.
CONVERSION_FORECAST_COLUMNS = [
    "main_item", "item", "customers_without_it", "customers", "converted", "estimate", "ci_low", "ci_high",
    "expected_buyers", "expected_low", "expected_high", "backtest_estimate", "backtest_ci_low", "backtest_ci_high",
    "backtest_holds",
]
#: Columns of :func:`sized_opportunities`.
SIZED_OPPORTUNITY_COLUMNS = [
    "main_item", "item", "customers_without_it", "peers", "peer_owners", "probability", "estimate", "ci_low", "ci_high",
    "expected_buyers", "expected_low", "expected_high", "margin_per_sale", "expected_value", "value_low", "value_high",
    "backtest_estimate", "backtest_holds",
]
#: Longest window :func:`conversion_days` chooses (a year: seasonal buying is then inside every window).
MAX_DAYS = 365


def conversion_days(lines: pd.DataFrame, days: int = 0) -> int:
    """The window N of a later conversion: the one given, or a third of the data's period, at most a year.

    Three windows must fit in the data: the history before the first cut-off,
    the back-test window and the last window. A third of the period, rounded
    down to whole 30-day months when it is two months or more, at most
    :data:`MAX_DAYS`.

    Parameters
    ----------
    lines : pandas.DataFrame
        Needs ``order_date``.
    days : int, default 0
        A window in days; 0 (or less) for the default.

    Returns
    -------
    int
        Days, at least 1.

    Examples
    --------
    >>> lines = pd.DataFrame({"order_date": pd.to_datetime(["2023-01-01", "2025-12-31"])})
    >>> conversion_days(lines), conversion_days(lines, 90)
    (365, 90)
    """
    if days > 0:
        return int(days)
    require_columns(lines, [s.ORDER_DATE], SALES_LINES)
    span = (lines[s.ORDER_DATE].max().normalize() - lines[s.ORDER_DATE].min().normalize()).days
    third = min(MAX_DAYS, span // 3)
    return max(1, third // 30 * 30 if 60 <= third < MAX_DAYS else third)


def later_conversion(
    lines: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    days: int,
    level: str = "category",
    main: pd.Series | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Of the customers who had ``main_item`` and not ``item`` on ``as_of``, the share who bought ``item`` in the ``days`` after.

    ::

        estimate = converted / customers

    with ``customers`` the customers who bought ``main_item`` on or before
    ``as_of`` (inclusive) and ``item`` never on or before it, and
    ``converted`` those of them who bought ``item`` after ``as_of`` and on or
    before ``as_of + days``. The interval is Wilson's (Wilson 1927).

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.kept_lines`; needs ``customer_id``, ``order_date`` and
        the ``level`` column.
    pairs : pandas.DataFrame
        Columns ``main_item`` and ``item`` (keys of the ``level`` column), one row per pair.
    as_of : str or Timestamp
        The day the customers are counted (inclusive).
    days : int
        Length of the window after ``as_of``.
    level : {"category", "product"}
        What the items are.
    main : pandas.Series, optional
        Each customer's main item (:func:`xsell_lab.targeting.main_items`),
        index ``customer_id``: then "had ``main_item``" means it is their main
        item and their first order is on or before ``as_of``, as the
        opportunity list of notebook 03 counts its customers.
    confidence : float
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        :data:`LATER_CONVERSION_COLUMNS`, one row per pair in the order given;
        ``estimate`` and the interval are NaN when no customer qualifies.

    Raises
    ------
    ValueError
        When ``days`` < 1 or ``pairs`` lacks its columns.
    """
    if days < 1:
        raise ValueError(f"later_conversion: days must be >= 1. Got {days!r}.")
    require_columns(pairs, ["main_item", "item"], "pairs")
    first = _first_dates(lines, level)
    start = pd.Timestamp(as_of).normalize()
    end = start + pd.Timedelta(days=days)
    customers, converted = [], []
    for a, b in zip(pairs["main_item"], pairs["item"]):
        had = _had(first, a, start, main)
        date_b = first.get(b, pd.Series(dtype="datetime64[ns]")).reindex(had.index)
        lacks = had & ~(date_b <= start)
        customers.append(int(lacks.sum()))
        converted.append(int((lacks & (date_b > start) & (date_b <= end)).sum()))
    customers_, converted_ = np.array(customers, dtype="int64"), np.array(converted, dtype="int64")
    low, high = wilson_interval(converted_, customers_, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = converted_ / customers_
    return pd.DataFrame({
        "main_item": pairs["main_item"].to_numpy(), "item": pairs["item"].to_numpy(), "as_of": start, "window_end": end,
        "customers": customers_, "converted": converted_, "estimate": estimate, "ci_low": low, "ci_high": high,
    })[LATER_CONVERSION_COLUMNS]


def conversion_forecast(
    lines: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    days: int,
    level: str = "category",
    main: pd.Series | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Expected buyers of each pair's item among the customers who lack it on ``as_of``, with a back-test.

    ::

        estimate        = later_conversion(as_of - days)            (the last complete window)
        expected_buyers = customers_without_it on as_of x estimate           (interval: x ci_low, x ci_high)
        back-test       = later_conversion(as_of - 2 days) predicts the estimate;
                          backtest_holds when the estimate lies inside its interval

    The rate comes from customers in the same situation (they had the main
    item and not yet the add-on), so it already counts that most of them do
    not want it, unlike a basket rate, which counts the buyers who took both
    at once (Knott, Hayes & Neslin 2002 validate next-product-to-buy scores
    on a later period the same way). It is what customers did unprompted: an
    offer's own effect needs a controlled test.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.kept_lines`.
    pairs : pandas.DataFrame
        Columns ``main_item`` and ``item``.
    as_of : str or Timestamp
        The day the whitespace is counted (inclusive), usually the last day of the data.
    days : int
        The window (:func:`conversion_days`).
    level, main, confidence
        As in :func:`later_conversion`.

    Returns
    -------
    pandas.DataFrame
        :data:`CONVERSION_FORECAST_COLUMNS`, one row per pair in the order
        given: ``customers_without_it`` on ``as_of``; ``customers``,
        ``converted``, ``estimate``, ``ci_low``, ``ci_high`` of the last
        window; the expected buyers and their interval (not rounded); the
        back-test window's estimate and interval, and ``backtest_holds``
        (False when either window has no customer).

    Raises
    ------
    ValueError
        When the back-test's cut-off (``as_of`` - 2 x ``days``) is not after the first order.
    """
    require_columns(lines, [s.ORDER_DATE], SALES_LINES)
    end = pd.Timestamp(as_of).normalize()
    first_day = lines[s.ORDER_DATE].min().normalize()
    if not end - pd.Timedelta(days=2 * days) > first_day:
        raise ValueError(
            f"conversion_forecast: two windows of {days} days before {end:%Y-%m-%d} start on or before the first order "
            f"({first_day:%Y-%m-%d}): use a shorter window (at most a third of the period, conversion_days)."
        )
    last = later_conversion(lines, pairs, as_of=end - pd.Timedelta(days=days), days=days, level=level, main=main,
                            confidence=confidence)
    earlier = later_conversion(lines, pairs, as_of=end - pd.Timedelta(days=2 * days), days=days, level=level, main=main,
                               confidence=confidence)
    now = later_conversion(lines, pairs, as_of=end, days=1, level=level, main=main, confidence=confidence)
    table = last[["main_item", "item", "customers", "converted", "estimate", "ci_low", "ci_high"]].assign(
        customers_without_it=now["customers"].to_numpy(),
        backtest_estimate=earlier["estimate"].to_numpy(), backtest_ci_low=earlier["ci_low"].to_numpy(),
        backtest_ci_high=earlier["ci_high"].to_numpy(),
    )
    table["expected_buyers"] = table["customers_without_it"] * table["estimate"]
    table["expected_low"] = table["customers_without_it"] * table["ci_low"]
    table["expected_high"] = table["customers_without_it"] * table["ci_high"]
    table["backtest_holds"] = (table["backtest_ci_low"] <= table["estimate"]) & (table["estimate"] <= table["backtest_ci_high"])
    return table[CONVERSION_FORECAST_COLUMNS]


def _first_dates(lines: pd.DataFrame, level: str) -> dict[str, pd.Series]:
    """Item -> the first day each customer bought it (index ``customer_id``), plus the first order day under ``None``."""
    item = s.item_column(level)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item], SALES_LINES)
    days = lines[s.ORDER_DATE].dt.normalize()
    first = days.groupby([lines[item], lines[s.CUSTOMER_ID]]).min()
    dates = {key: group.droplevel(0) for key, group in first.groupby(level=0)}
    dates[None] = days.groupby(lines[s.CUSTOMER_ID]).min()
    return dates


def _had(first: dict, item: str, as_of: pd.Timestamp, main: pd.Series | None) -> pd.Series:
    """Bool per customer (index: every customer who ordered): had ``item`` on ``as_of`` (or as main item, with ``main``)."""
    customers = first[None]
    if main is None:
        return first.get(item, pd.Series(dtype="datetime64[ns]")).reindex(customers.index) <= as_of
    return (main.reindex(customers.index) == item) & (customers <= as_of)


def sized_opportunities(
    candidates: pd.DataFrame, forecast: pd.DataFrame, *, n: int = 10, min_peer_owners: int = 1
) -> pd.DataFrame:
    """The opportunity list sized by later conversion: expected buyers x the item's typical sale, largest first.

    ::

        expected_value = expected_buyers x margin_per_sale     (interval: expected_low, expected_high x margin_per_sale)

    Parameters
    ----------
    candidates : pandas.DataFrame
        :func:`xsell_lab.targeting.top_whitespace` (its pairs, peer counts and ``margin_per_sale``).
    forecast : pandas.DataFrame
        :func:`conversion_forecast` of the same pairs.
    n : int
        How many pairs to keep.
    min_peer_owners : int
        Pairs owned by fewer of the peers come after all others, as in
        :func:`xsell_lab.targeting.top_whitespace`.

    Returns
    -------
    pandas.DataFrame
        :data:`SIZED_OPPORTUNITY_COLUMNS`: the candidates' pair, ``customers_without_it``,
        ``peers``, ``peer_owners``, ``probability`` (peer ownership) and
        ``margin_per_sale``; the later conversion (``estimate``, ``ci_low``,
        ``ci_high``), the expected buyers and ``expected_value`` with its
        interval (``value_low``, ``value_high``). Sorted by ``expected_value``
        (largest first; pairs with fewer than ``min_peer_owners`` last), then by pair.
        Pairs whose last window had no customer without the item are left
        out: their later conversion cannot be measured.
    """
    require_columns(candidates, ["main_item", "item", "customers_without_it", "peers", "peer_owners", "probability", "margin_per_sale"],
                    "candidates")
    require_columns(forecast, CONVERSION_FORECAST_COLUMNS, "forecast")
    table = candidates.drop(columns=["expected_value", "customers_without_it"], errors="ignore").merge(
        forecast, on=["main_item", "item"], how="inner", validate="one_to_one"
    )
    table = table[table["customers"] > 0].copy()  # no customer lacked the item a window ago: its rate cannot be measured
    table["expected_value"] = table["expected_buyers"] * table["margin_per_sale"]
    table["value_low"] = table["expected_low"] * table["margin_per_sale"]
    table["value_high"] = table["expected_high"] * table["margin_per_sale"]
    table = table.assign(few_owners=table["peer_owners"] < min_peer_owners).sort_values(
        ["few_owners", "expected_value", "main_item", "item"], ascending=[True, False, True, True], na_position="last"
    )
    return table.head(n).reset_index(drop=True)[SIZED_OPPORTUNITY_COLUMNS]
