"""Customer profiles: what each customer has bought, how broadly and for how much.

The breadth of a customer's relationship (how many categories they buy) is the
quantity cross-selling tries to grow (Kumar, George & Pancras 2008, "Cross-buying
in retailing: drivers and consequences", Journal of Retailing 84(1)).
"""

from __future__ import annotations

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns

#: Columns of :func:`customer_profile`.
PROFILE_COLUMNS = [
    s.CUSTOMER_ID,
    "orders",
    "products",
    "categories",
    "revenue",
    "first_order",
    "last_order",
    "breadth",
]


def customer_profile(lines: pd.DataFrame, *, level: str = "category") -> pd.DataFrame:
    """One row per buying customer: orders, distinct products and categories, revenue.

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines as returned by :func:`xsell_lab.sales_lines` (needs
        ``customer_id``, ``order_id``, ``order_date``, ``product_id``,
        ``category``, ``revenue``).
    level : {"category", "product"}
        What ``breadth`` counts: distinct categories (default) or distinct
        products (for data without categories).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROFILE_COLUMNS`: ``orders`` (distinct orders),
        ``products`` / ``categories`` (distinct ones bought), ``revenue``
        (sum), ``first_order`` / ``last_order`` (dates) and ``breadth``, a
        label ``"1 category"``, ``"2 categories"``, ``"3 categories"``,
        ``"4+ categories"`` for plots (``"1 product"`` ... ``"4+ products"`` when
        ``level`` is ``"product"``). Sorted by ``customer_id``.

    Raises
    ------
    DataValidationError
        A required column is missing (a ``ValueError``), named with the columns found.
    ValueError
        ``level`` is neither ``"category"`` nor ``"product"``.
    """
    if level not in ("category", "product"):
        raise ValueError(f"level must be 'category' or 'product', got {level!r}")
    require_columns(
        lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, s.PRODUCT_ID, s.CATEGORY, s.REVENUE], "sales_lines",
        hint="Build the table with xsell_lab.sales_lines(company)",
    )
    profile = lines.groupby(s.CUSTOMER_ID, sort=True).agg(
        orders=(s.ORDER_ID, "nunique"),
        products=(s.PRODUCT_ID, "nunique"),
        categories=(s.CATEGORY, "nunique"),
        revenue=(s.REVENUE, "sum"),
        first_order=(s.ORDER_DATE, "min"),
        last_order=(s.ORDER_DATE, "max"),
    )
    profile["breadth"] = breadth_label(profile["categories" if level == "category" else "products"], noun=level)
    return profile.reset_index()[PROFILE_COLUMNS]


def breadth_label(counts: pd.Series, *, noun: str = "category") -> pd.Series:
    """Label item counts as ordered buckets ``1 category`` ... ``4+ categories``.

    ``noun`` names the item (``"category"`` or ``"product"``); its plural is used from 2 on.
    """
    plural = "categories" if noun == "category" else f"{noun}s"
    labels = [f"1 {noun}", f"2 {plural}", f"3 {plural}", f"4+ {plural}"]
    bucket = counts.clip(upper=4).astype(int)
    return pd.Categorical(bucket.map(dict(zip(range(1, 5), labels))), categories=labels, ordered=True)
