"""Which products a notebook studies when its parameters say ``"auto"``.

:func:`choose_focus_product` takes the product given or the one with the most
revenue; :func:`choose_price_pair` a main product and its add-on, both
priced, as customers buy them (:func:`xsell_lab.basket.choose_pair` on the
priced products).
"""

from __future__ import annotations

import pandas as pd

from xsell_lab.basket.sequences import choose_pair
from xsell_lab.data import schema as s
from xsell_lab.data.validation import AUTOMATIC, require_columns


def choose_focus_product(weekly_sales: pd.DataFrame, product: str = "auto") -> str:
    """The product given, or the one with the most revenue (price x units) in ``weekly_sales``.

    Parameters
    ----------
    weekly_sales : pandas.DataFrame
        ``product_id``, ``price`` and ``units``.
    product : str, default "auto"
        A value of ``product_id``, or ``"auto"`` (or ``""``) to let the data
        decide (ties by name).

    Returns
    -------
    str
        The product id.

    Raises
    ------
    ValueError
        A product that is not in ``weekly_sales`` (the message lists them, most revenue first).
    """
    require_columns(weekly_sales, [s.PRODUCT_ID, s.PRICE, s.UNITS], s.WEEKLY_SALES)
    revenue = (weekly_sales[s.PRICE] * weekly_sales[s.UNITS]).groupby(weekly_sales[s.PRODUCT_ID].astype(str)).sum()
    revenue = revenue.sort_index().sort_values(ascending=False, kind="stable")
    if product in AUTOMATIC:
        if revenue.empty:
            raise ValueError(f"Table '{s.WEEKLY_SALES}' has no rows: no product to study.")
        return str(revenue.index[0])
    if product not in revenue.index:
        raise ValueError(
            f"Product {product!r} is not a value of column '{s.PRODUCT_ID}' of table '{s.WEEKLY_SALES}'; "
            f"values, most revenue first: {', '.join(revenue.index[:15])}. Use one of them, or 'auto'."
        )
    return product


def choose_price_pair(
    weekly_sales: pd.DataFrame, lines: pd.DataFrame, anchor: str = "auto", add_on: str = "auto"
) -> pd.Series:
    """A main product and its add-on, both priced in ``weekly_sales``, as customers buy them.

    :func:`xsell_lab.basket.choose_pair` at product level on the order lines
    of the products ``weekly_sales`` holds: with both auto, the pair the most
    customers bought both of; with ``anchor`` given, its most bought companion.

    Parameters
    ----------
    weekly_sales : pandas.DataFrame
        ``product_id`` (the products whose prices the elasticities measure).
    lines : pandas.DataFrame
        Order lines (:func:`xsell_lab.sales_lines`): ``customer_id``,
        ``order_date``, ``product_id``, ``unit_price``.
    anchor, add_on : str
        Values of ``product_id`` in ``weekly_sales``, or ``"auto"``.

    Returns
    -------
    pandas.Series
        As :func:`xsell_lab.basket.choose_pair`: ``anchor``, ``add_on``,
        ``customers``, ``anchor_first_share``, ``chosen_by_data``.

    Raises
    ------
    ValueError
        A product outside ``weekly_sales`` (the message lists them), or no
        customer who bought two of its products.
    """
    require_columns(weekly_sales, [s.PRODUCT_ID], s.WEEKLY_SALES)
    priced = sorted(weekly_sales[s.PRODUCT_ID].astype(str).unique())
    for name, value in (("anchor", anchor), ("add_on", add_on)):
        if value not in AUTOMATIC and value not in priced:
            raise ValueError(
                f"{name} {value!r} is not a value of column '{s.PRODUCT_ID}' of table '{s.WEEKLY_SALES}'; "
                f"values: {', '.join(priced)}. Use one of them, or 'auto'."
            )
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, s.PRODUCT_ID], "sales_lines")
    return choose_pair(lines[lines[s.PRODUCT_ID].astype(str).isin(priced)], anchor, add_on, item_column=s.PRODUCT_ID)
