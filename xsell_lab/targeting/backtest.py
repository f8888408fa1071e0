"""Check a target list against what customers did next.

:func:`new_items_after` (who bought an item new to them from a date on) and
:func:`ranking_backtest` (outcome rate by rank group): rank customers with the
data up to a date, then see whether the top of the list did better afterwards,
as a next-product-to-buy model is validated on a later period (Knott, Hayes &
Neslin 2002).

References
----------
Knott, A., Hayes, A. & Neslin, S. A. (2002). Next-product-to-buy models for
cross-selling applications. *Journal of Interactive Marketing* 16(3), 59-75.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.targeting._common import SALES_LINES


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
    item = s.item_column(level)
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


def backtest_date(lines: pd.DataFrame, date: str = "auto") -> str:
    """The cut-off of a back-test: the one given, or the month start nearest two thirds into the data.

    Two thirds of the history to rank on and one third to see what happened (as
    :func:`xsell_lab.clv.calibration_end_date` splits calibration from holdout),
    rounded to the nearest first of a month so the cut-off reads as a calendar date.

    Parameters
    ----------
    lines : pandas.DataFrame
        Needs ``order_date``.
    date : str, default "auto"
        An ISO date, or ``"auto"`` / ``""`` for the default.

    Returns
    -------
    str
        The ISO date of the cut-off.

    Raises
    ------
    ValueError
        When the given date has no orders before it or none on or after it.
    """
    require_columns(lines, [s.ORDER_DATE], SALES_LINES)
    first, last = lines[s.ORDER_DATE].min().normalize(), lines[s.ORDER_DATE].max().normalize()
    if str(date).strip() in ("auto", ""):
        point = first + (last - first) * 2 / 3
        month = point.to_period("M").to_timestamp()
        following = (point + pd.offsets.MonthBegin(1)).normalize()
        chosen = following if following - point < point - month else month
        if not first < chosen <= last:
            chosen = point.normalize()
    else:
        chosen = pd.Timestamp(date).normalize()
    if not first < chosen <= last:
        raise ValueError(
            f"backtest_date {chosen.date()} must lie after the first order ({first.date()}) and on or before the last "
            f"({last.date()}); set it to 'auto' to use two thirds of the period."
        )
    return chosen.date().isoformat()
