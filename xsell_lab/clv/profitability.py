"""Customer profitability: what each customer earns after margins, returns and contact costs.

Revenue is not profit. A customer's profit here is

``gross margin - margin lost on returns - returns handled x handling cost
- marketing contacts x cost per contact - service contacts x cost per contact``

where gross margin is ``quantity x (unit_price - unit_cost)`` per line, a
marketing contact is an offer sent (``offers``) or a marketing touch
(``marketing_events`` other than support), and a service contact is a
``support`` event. Profit is usually concentrated: a "whale curve" plots
the cumulative share of profit against customers ranked by profit, and
often rises above 100% before falling back, because the least profitable
customers lose money (Kaplan & Narayanan 2001).

References
----------
Kaplan, R. S. & Narayanan, V. G. (2001). Measuring and managing customer
profitability. *Journal of Cost Management* 15(5), 5-15.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s

#: Columns of :func:`customer_profitability`.
PROFIT_COLUMNS = [
    s.CUSTOMER_ID, "revenue", "gross_margin", "returned_margin", "returns", "marketing_contacts", "service_contacts",
    "cost_to_serve", "profit",
]


@dataclass(frozen=True)
class ContactCosts:
    """Unit costs of serving a customer (in the currency of the sales).

    Attributes
    ----------
    marketing_contact : float
        Cost of one offer or marketing touch (e-mail, mailing, call).
    service_contact : float
        Cost of one support contact.
    return_handling : float
        Cost of handling one returned line (shipping, inspection).
    """

    marketing_contact: float = 1.0
    service_contact: float = 8.0
    return_handling: float = 6.0


def customer_profitability(
    sales: pd.DataFrame,
    *,
    marketing_events: pd.DataFrame | None = None,
    offers: pd.DataFrame | None = None,
    returns: pd.DataFrame | None = None,
    costs: ContactCosts = ContactCosts(),
) -> pd.DataFrame:
    """Profit per customer after product margins, returns and contact costs.

    Parameters
    ----------
    sales : pandas.DataFrame
        Sales lines with ``customer_id``, ``order_id``, ``product_id``,
        ``unit_price``, ``revenue`` and ``margin`` (:func:`xsell_lab.sales_lines`).
        Lines without a unit cost count as zero margin.
    marketing_events, offers, returns : pandas.DataFrame, optional
        The company's tables of the same name (absent tables cost nothing).
    costs : ContactCosts
        Unit costs.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a sale, columns :data:`PROFIT_COLUMNS`
        (``customer_id`` first), sorted by profit, highest first (ties by
        ``customer_id``), with a default ``RangeIndex``.
    """
    by_customer = sales.groupby(s.CUSTOMER_ID).agg(revenue=(s.REVENUE, "sum"), gross_margin=("margin", "sum"))
    table = by_customer.assign(
        returned_margin=0.0, returns=0, marketing_contacts=0, service_contacts=0
    )
    if returns is not None and len(returns):
        returned = _returned_margin(sales, returns)
        table["returned_margin"] = returned["returned_margin"].reindex(table.index, fill_value=0.0)
        table["returns"] = returned["returns"].reindex(table.index, fill_value=0).astype("int64")
    if marketing_events is not None and len(marketing_events):
        support = marketing_events[s.EVENT_TYPE] == "support"
        table["service_contacts"] = _count(marketing_events.loc[support], table.index)
        table["marketing_contacts"] = _count(marketing_events.loc[~support], table.index)
    if offers is not None and len(offers):
        table["marketing_contacts"] += _count(offers, table.index)
    table["cost_to_serve"] = (
        table["returns"] * costs.return_handling
        + table["marketing_contacts"] * costs.marketing_contact
        + table["service_contacts"] * costs.service_contact
    )
    table["profit"] = table["gross_margin"] - table["returned_margin"] - table["cost_to_serve"]
    table = table.reset_index()
    return table[PROFIT_COLUMNS].sort_values("profit", ascending=False, kind="stable").reset_index(drop=True)


def profit_concentration(profit: pd.Series, groups: int = 10) -> pd.DataFrame:
    """Share of total profit earned by each group (decile) of customers ranked by profit.

    Parameters
    ----------
    profit : pandas.Series
        Profit per customer.
    groups : int, default 10
        Number of equal-sized groups (10 = deciles).

    Returns
    -------
    pandas.DataFrame
        One row per group, ``group`` 1 = most profitable: ``customers``,
        ``profit``, ``share_of_profit`` and ``cumulative_share`` (which can
        exceed 1 when some customers lose money).
    """
    ranked = profit.sort_values(ascending=False, kind="stable").to_numpy()
    group = np.arange(len(ranked)) * groups // len(ranked) + 1
    table = pd.DataFrame({"group": group, "profit": ranked}).groupby("group").agg(
        customers=("profit", "size"), profit=("profit", "sum")
    )
    total = ranked.sum()
    table["share_of_profit"] = table["profit"] / total
    table["cumulative_share"] = table["share_of_profit"].cumsum()
    return table.reset_index()


def _returned_margin(sales: pd.DataFrame, returns: pd.DataFrame) -> pd.DataFrame:
    """Margin given back on returned lines: returned units x (unit price - unit cost)."""
    lines = sales[[s.ORDER_ID, s.PRODUCT_ID, s.CUSTOMER_ID, s.QUANTITY, "margin"]]
    matched = returns[[s.ORDER_ID, s.PRODUCT_ID, s.QUANTITY]].merge(
        lines, on=[s.ORDER_ID, s.PRODUCT_ID], how="inner", suffixes=("_returned", "")
    )
    unit_margin = matched["margin"].fillna(0.0) / matched[s.QUANTITY]
    matched = matched.assign(returned_margin=unit_margin * matched[f"{s.QUANTITY}_returned"])
    return matched.groupby(s.CUSTOMER_ID).agg(returned_margin=("returned_margin", "sum"), returns=(s.ORDER_ID, "size"))


def _count(frame: pd.DataFrame, index: pd.Index) -> pd.Series:
    return frame.groupby(s.CUSTOMER_ID).size().reindex(index, fill_value=0).astype("int64")
