"""Cross-sell KPIs: how much more than one thing do customers buy from us?

Each KPI is one small function that takes the line table of
:func:`xsell_lab.sales_lines` (or a canonical table: ``orders``, ``offers``,
``marketing_events``) and returns a number, or a table when grouped.

Conventions shared by every function here
-----------------------------------------
level
    ``"category"`` (default) counts product categories, ``"product"`` counts
    products (``product_id``). Data without categories (e.g. a raw retail
    export) uses ``level="product"``: at category level, lines with fewer
    than two categories raise :class:`xsell_lab.exceptions.InsufficientDataError`
    (every customer would have bought "one category" and every rate would read
    0), and :func:`xsell_lab.data.profile.default_level` chooses the level
    from the data.
by
    ``None`` returns the headline number (a ``float``). A column name or a
    list of them (``"segment"``, ``"channel"``, ``"region"``, ...) returns a
    DataFrame with one row per group: the group columns, the counts behind the
    KPI and the KPI itself. ``"month"``, ``"quarter"`` and ``"year"`` may be
    used even when the table has no such column: they are derived from
    ``order_date`` (the first day of the period, as a timestamp). Unless a
    docstring says otherwise, a KPI by group is computed on the rows of that
    group only (e.g. the cross-sell rate by month counts what customers bought
    within the month). A group whose denominator is zero gets ``NaN``.
    Rows whose group value is missing (a customer without a segment) form one
    group labelled ``"(no segment)"`` (:func:`missing_group_label`); a
    sentence naming the best or worst group should leave it out
    (:func:`known_groups`).
shares
    KPIs that are shares are returned as fractions in [0, 1];
    :func:`kpi_summary` shows them in percent.
backend
    :func:`cross_sell_rate`, :func:`product_penetration`, :func:`cross_sell_ratio`,
    :func:`average_order_value`, :func:`revenue_contribution`, :func:`retention_rate`
    and :func:`kpi_summary` also run on Spark
    (``backend="spark"``, lines as a pyspark DataFrame) and return the same result
    as on pandas, the default.
errors
    Missing columns raise :class:`xsell_lab.DataValidationError` naming the
    table and the column. Inputs are never modified.

Sources
-------
The definitions follow the cross-selling KPI literature: Kamakura (2008),
"Cross-selling: offering the right product to the right customer at the right
time", *Journal of Relationship Marketing* 6(3-4); Li, Sun & Wilcox (2005),
"Cross-selling sequentially ordered products", *Journal of Marketing Research*
42(2); Farris, Bendle, Pfeifer & Reibstein (2010), *Marketing Metrics*, 2nd
ed., Wharton School Publishing (ch. 2 penetration, ch. 5 retention, ch. 8
average order value); and the practitioner definition of the cross-sell rate
("of 200 customers who bought a laptop, 50 also bought accessories: 25%").
Wilson (1927), "Probable inference, the law of succession, and statistical
inference", *JASA* 22(158), for the conversion-rate interval (recommended by
Brown, Cai & DasGupta 2001, *Statistical Science* 16(2)).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import sparse, stats

from xsell_lab import _spark
from xsell_lab._deprecation import day_before, renamed_parameters
from xsell_lab.data import schema as s
from xsell_lab.data.validation import as_list, require_columns, table_name
from xsell_lab.exceptions import InsufficientDataError
from xsell_lab.stats import wilson_interval

#: Name of the wide line table in error messages.
SALES_LINES = "sales_lines"
#: Columns of :func:`kpi_summary`.
KPI_SUMMARY_COLUMNS = ["kpi", "value", "unit", "definition"]
#: Variant name of the experiment arm that receives no offer (see :mod:`xsell_lab.data.schema`).
CONTROL_VARIANT = "control"
#: KPIs :func:`kpi_trend` knows.
TREND_KPIS = (
    "average_order_value",
    "cross_sell_rate",
    "product_penetration",
    "revenue_contribution",
    "attach_rate",
    "retention_rate",
)

#: Columns of :func:`windowed_cross_sell_ratio`.
WINDOWED_RATIO_COLUMNS = ["customers_before", "customers_after", "ratio_before", "ratio_after", "estimate", "std_error", "ci_low", "ci_high", "p_value"]
#: The count column that weights each period of a KPI's trend in :func:`kpi_trend_test`: the KPI's denominator.
TREND_WEIGHTS = {
    "average_order_value": "orders",
    "cross_sell_rate": "customers",
    "product_penetration": "customers",
    "revenue_contribution": "revenue",
    "attach_rate": "anchor_units",
    "retention_rate": "active_customers",
}
#: Columns of :func:`kpi_trend_test`.
TREND_TEST_COLUMNS = ["kpi", "periods", "fitted_first", "fitted_last", "estimate", "std_error", "ci_low", "ci_high", "p_value"]

#: More different products than this and, at product level, "bought two or more products" is true of nearly
#: every customer: see :func:`product_level_caveat`.
MANY_PRODUCTS = 100

_PERIODS = {"month": "M", "quarter": "Q", "year": "Y"}
_REVENUE = "revenue"

By = str | Sequence[str] | None


# --- groups with a missing value ---------------------------------------------


def missing_group_label(column: str) -> str:
    """The label shown for rows whose ``column`` value is missing: ``"(no segment)"``.

    Parameters
    ----------
    column : str
        The grouping column, e.g. ``"segment"``.

    Returns
    -------
    str
        ``"(no <column>)"``.
    """
    return f"(no {column})"


def label_missing_groups(frame: pd.DataFrame, columns: By) -> pd.DataFrame:
    """``frame`` with missing values of ``columns`` replaced by :func:`missing_group_label`.

    Real data often leaves a grouping column empty for some rows (households
    without demographics have no segment); grouped by it, they would form a
    ``NaN`` group. Here they form one group with a readable label instead.

    Parameters
    ----------
    frame : DataFrame
        Any table holding ``columns``.
    columns : str or list of str
        The grouping columns (columns not in ``frame`` are ignored).

    Returns
    -------
    DataFrame
        A copy when a value was replaced, else ``frame`` itself (never modified).
    """
    missing = [c for c in as_list(columns) if c in frame.columns and frame[c].isna().any()]
    if not missing:
        return frame
    frame = frame.copy()
    for column in missing:
        label = missing_group_label(column)
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            if label not in values.cat.categories:
                values = values.cat.add_categories([label])
            frame[column] = values.fillna(label)
        else:
            frame[column] = values.astype(object).where(values.notna(), label)
    return frame


def known_groups(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows of a grouped result whose ``column`` is a real value, not the missing-value label.

    Use it before naming the best or worst group in a sentence: "(no segment)"
    is not a segment.

    Parameters
    ----------
    table : DataFrame
        A KPI grouped by ``column`` (e.g. ``cross_sell_rate(..., by="segment")``).
    column : str
        The grouping column.

    Returns
    -------
    DataFrame
        ``table`` without the rows labelled :func:`missing_group_label` (or missing).
    """
    values = table[column]
    return table.loc[values.notna() & (values.astype(object) != missing_group_label(column))]


def known_first(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """A grouped result with the missing-value group moved to the end: the real groups first.

    Customers without a segment are not a segment; a table shows them apart,
    as its last row, still labelled :func:`missing_group_label`.

    Parameters
    ----------
    table : DataFrame
        A KPI grouped by ``column``.
    column : str
        The grouping column.

    Returns
    -------
    DataFrame
        The rows of :func:`known_groups`, then the others; index reset.
    """
    known = known_groups(table, column)
    return pd.concat([known, table.drop(index=known.index)]).reset_index(drop=True)


def tied_extremes(table: pd.DataFrame, column: str, value: str, *, decimals: int = 2) -> tuple[list, list]:
    """The groups at the top and at the bottom of ``value``, ties kept together.

    Values are compared as they are shown (rounded to ``decimals``): two
    segments that both show "100%" are tied, and naming the first of them as
    "the best" would rank them by their names.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per group, e.g. :func:`known_groups` of a grouped KPI.
    column : str
        The group column (its values are returned).
    value : str
        The column to rank by; NaN rows are left out.
    decimals : int
        Decimals of ``value`` as it is shown (2 for a share shown in whole percent).

    Returns
    -------
    tuple of list
        ``(top, bottom)``: the group values sharing the highest shown value and
        those sharing the lowest, each in the table's order. Both are empty when
        no row has a value; they are equal when every group shows the same value.
    """
    shown = table[value].round(decimals)
    rows = table[shown.notna()]
    shown = shown[shown.notna()]
    if rows.empty:
        return [], []
    return rows.loc[shown == shown.max(), column].tolist(), rows.loc[shown == shown.min(), column].tolist()


# --- cross-sell rate and penetration ------------------------------------------


def cross_sell_rate(
    lines: pd.DataFrame,
    *,
    level: str = "category",
    anchor: str | None = None,
    target: str | None = None,
    by: By = None,
    backend: str = "pandas",
) -> float | pd.DataFrame:
    """Share of customers who bought more than their primary purchase.

    Without ``anchor``: the share of buying customers who bought at least one
    item (category or product, see ``level``) other than their primary one,
    i.e. customers with 2 or more distinct items::

        cross-sell rate = customers with >= 2 distinct items / customers who bought

    This equals ``product_penetration(lines, min_items=2, level=level)``.

    With ``anchor``: of the customers who bought ``anchor``, the share who
    also bought ``target`` (or, when ``target`` is None, any item other than
    ``anchor``), at any time in ``lines``::

        cross-sell rate(X -> Y) = customers who bought X and Y / customers who bought X

    The practitioners' example: 200 customers bought a laptop, 50 of them also
    bought accessories, so the cross-sell rate is 50 / 200 = 25% (Kamakura
    2008; see the module docstring).

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs ``customer_id`` and the ``level``
        column (``category`` or ``product_id``).
    level : {"category", "product"}
        What counts as a different item.
    anchor, target : str, optional
        Item values (e.g. ``"laptops"``, ``"accessories"``) for the anchored form.
    by : str or list of str, optional
        Group columns (see module docstring).
    backend : {"pandas", "spark"}
        ``"spark"`` computes on Spark (:mod:`xsell_lab._spark`): ``lines`` may then
        be a pyspark DataFrame with the same columns (or a pandas one, sent
        through Arrow), only the small result is collected, and it equals the
        pandas one (group columns of a Spark frame take the dtypes pandas infers
        from their values).

    Returns
    -------
    float or pandas.DataFrame
        The rate, or per group: ``customers`` (the base: buyers, or buyers of
        ``anchor``), ``cross_sold_customers`` and ``cross_sell_rate``.
    """
    if anchor is None and target is not None:
        raise ValueError("cross_sell_rate: 'target' needs an 'anchor' (of the buyers of anchor, who also bought target).")
    if _spark.check_backend(backend, "cross_sell_rate"):
        return _spark_cross_sell_rate(lines, level, anchor, target, by)
    item = _item_column(lines, level)
    frame, keys = _prepare(lines, [s.CUSTOMER_ID, item], SALES_LINES, by)
    held = frame[keys + [s.CUSTOMER_ID, item]].drop_duplicates()
    if anchor is None:
        per_customer = held.groupby(keys + [s.CUSTOMER_ID], dropna=False).size().rename("items").reset_index()
        per_customer["customers"] = True
        per_customer["cross_sold_customers"] = per_customer["items"] >= 2
    else:
        other = held[item] != anchor if target is None else held[item] == target
        flags = held.assign(customers=held[item] == anchor, cross_sold_customers=other)
        per_customer = flags.groupby(keys + [s.CUSTOMER_ID], dropna=False)[["customers", "cross_sold_customers"]].any()
        per_customer = per_customer.reset_index()
        per_customer["cross_sold_customers"] = per_customer["customers"] & per_customer["cross_sold_customers"]
    return _rate(per_customer, keys, "cross_sold_customers", "customers", "cross_sell_rate")


def product_level_caveat(
    lines: pd.DataFrame,
    *,
    level: str,
    how_to_add: str = "a category column in the products file",
    many: int = MANY_PRODUCTS,
) -> str:
    """One plain sentence when the KPIs count individual products of a large catalogue; empty otherwise.

    With thousands of products (a wholesaler's 3,280 SKUs), nearly every
    repeat customer buys two different products and most revenue falls outside
    their first one: the cross-sell rate and the cross-sold revenue share are
    then high by construction, and say nothing about selling *other kinds* of
    products. Categories make them meaningful.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs ``product_id`` when ``level`` is ``"product"``.
    level : {"category", "product"}
        What the KPIs count as an item.
    how_to_add : str
        How to add categories, in words (the ``how_to_add`` of the data
        profile's ``categories`` row, :mod:`xsell_lab.data.profile`).
    many : int
        More different products than this is a large catalogue.

    Returns
    -------
    str
        The sentence, or ``""`` at category level or with ``many`` products or fewer.
    """
    if level != "product":
        return ""
    require_columns(lines, [s.PRODUCT_ID], SALES_LINES)
    products = lines[s.PRODUCT_ID].nunique()
    if products <= many:
        return ""
    return (
        f"These KPIs count {products:,} individual products: buying two different products is not yet cross-selling "
        f"across kinds of products, so at this level the rates are high by construction; {how_to_add} would make them meaningful."
    )


def product_penetration(
    lines: pd.DataFrame,
    *,
    min_items: int = 2,
    level: str = "category",
    by: By = None,
    backend: str = "pandas",
) -> float | pd.DataFrame:
    """Share of customers holding at least ``min_items`` distinct items.

    ::

        penetration = customers with >= min_items distinct items / customers who bought

    Farris et al. (2010), *Marketing Metrics*, section 2.5 ("penetration"),
    applied to the depth of the relationship: with ``min_items=2`` it is the
    share of multi-category (or multi-product) customers.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs ``customer_id`` and the ``level`` column.
    min_items : int
        Threshold, at least 1.
    level : {"category", "product"}
        What counts as an item.
    by : str or list of str, optional
        Group columns.
    backend : {"pandas", "spark"}
        ``"spark"`` computes on Spark (:mod:`xsell_lab._spark`): ``lines`` may then
        be a pyspark DataFrame with the same columns (or a pandas one, sent
        through Arrow), only the small result is collected, and it equals the
        pandas one (group columns of a Spark frame take the dtypes pandas infers
        from their values).

    Returns
    -------
    float or pandas.DataFrame
        The share, or per group: ``customers``, ``penetrated_customers``,
        ``penetration``.
    """
    if min_items < 1:
        raise ValueError(f"product_penetration: min_items must be >= 1. Got {min_items!r}.")
    if _spark.check_backend(backend, "product_penetration"):
        return _spark_penetration(lines, min_items, level, by)
    item = _item_column(lines, level)
    frame, keys = _prepare(lines, [s.CUSTOMER_ID, item], SALES_LINES, by)
    held = frame[keys + [s.CUSTOMER_ID, item]].drop_duplicates()
    per_customer = held.groupby(keys + [s.CUSTOMER_ID], dropna=False).size().rename("items").reset_index()
    per_customer["customers"] = True
    per_customer["penetrated_customers"] = per_customer["items"] >= min_items
    return _rate(per_customer, keys, "penetrated_customers", "customers", "penetration")


@renamed_parameters(split_date=("as_of", day_before))
def cross_sell_ratio(
    lines: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    level: str = "product",
    by: By = None,
    backend: str = "pandas",
) -> pd.DataFrame:
    """Distinct items per customer up to a day and at the end of ``lines`` (cumulative).

    The cross-sell ratio is the number of products a customer holds (Kamakura
    2008; in banking, "products per customer")::

        ratio_before = mean over customers of distinct items bought on or before as_of
        ratio_after  = mean over the same customers of distinct items bought at any time in ``lines``

    The base is the customers who bought on or before ``as_of`` (customers won
    later would dilute the comparison). ``change = ratio_after - ratio_before``
    is the number of new items per existing customer. Customers who buy nothing
    after the date keep their ratio, so with no purchase after the date,
    ``ratio_after == ratio_before``. Filter ``lines`` to end the window.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs ``customer_id``, ``order_date``
        and the ``level`` column.
    as_of : str or pandas.Timestamp
        The last day of "before", inclusive (the package's ``as_of``).
    level : {"product", "category"}
        What counts as an item.
    by : str or list of str, optional
        Group columns (customer attributes such as ``segment`` or ``region``
        make most sense here).
    backend : {"pandas", "spark"}
        ``"spark"`` computes on Spark (:mod:`xsell_lab._spark`): ``lines`` may then
        be a pyspark DataFrame with the same columns (or a pandas one, sent
        through Arrow), only the small result is collected, and it equals the
        pandas one (group columns of a Spark frame take the dtypes pandas infers
        from their values).

    ``split_date=`` (0.1), the exclusive form (purchases strictly before it were
    "before"), is still accepted as ``as_of = split_date - 1 day`` with a
    ``FutureWarning`` until 0.3.

    Returns
    -------
    pandas.DataFrame
        One row (or one per group): ``customers``, ``ratio_before``,
        ``ratio_after``, ``change``.
    """
    if _spark.check_backend(backend, "cross_sell_ratio"):
        return _spark_cross_sell_ratio(lines, as_of, level, by)
    item = _item_column(lines, level)
    frame, keys = _prepare(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item], SALES_LINES, by)
    before = frame[s.ORDER_DATE].dt.normalize() <= pd.Timestamp(as_of).normalize()
    unit = keys + [s.CUSTOMER_ID]
    items_before = frame.loc[before].groupby(unit, dropna=False)[item].nunique().rename("items_before")
    items_total = frame.groupby(unit, dropna=False)[item].nunique().rename("items_after")
    per_customer = pd.concat([items_before, items_total], axis=1, join="inner").reset_index()
    grouped = per_customer.groupby(keys, dropna=False) if keys else per_customer.assign(_all=0).groupby("_all")
    result = grouped.agg(
        customers=(s.CUSTOMER_ID, "size"),
        ratio_before=("items_before", "mean"),
        ratio_after=("items_after", "mean"),
    )
    if not keys and result.empty:
        result = pd.DataFrame({"customers": [0], "ratio_before": [np.nan], "ratio_after": [np.nan]})
    result["change"] = result["ratio_after"] - result["ratio_before"]
    return result.reset_index(drop=not keys)



def windowed_cross_sell_ratio(
    lines: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    days: int,
    level: str = "product",
    by: By = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Items per new customer won in the ``days`` before a day and in the ``days`` after it, like for like: it can fall.

    Unlike the cumulative :func:`cross_sell_ratio`, which only grows, this
    compares two cohorts at the same tenure::

        before = customers whose first order falls in the days as_of - days + 1 to as_of (inclusive)
        after  = customers whose first order falls in the days as_of + 1 to as_of + days
        a customer's ratio = the distinct items they bought in their first ``days`` days
                             (the day of the first order and the days - 1 days after it)
        ratio_before, ratio_after = the mean ratio of each cohort
        estimate = ratio_after - ratio_before

    Both cohorts are new customers followed for the same number of days, so
    neither customers growing older with the company (established customers
    buy more kinds of things) nor customers won or lost between the windows
    move the comparison: a change is a change in how broadly new customers
    buy. The interval and p-value are Welch's two-sample t test (Welch 1947,
    *Biometrika* 34(1-2)); products per customer as in Kamakura (2008).

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.kept_lines`; needs ``customer_id``, ``order_date`` and
        the ``level`` column. A customer's first order is their first in
        ``lines``: when customers bought before the data begins, put
        ``as_of - days`` after the data's first day so that they are not taken
        for new ones.
    as_of : str or pandas.Timestamp
        The last day of "before", inclusive (the package's ``as_of``).
    days : int
        Length of each window and of each customer's follow-up, at least 1.
    level : {"product", "category"}
        What counts as an item.
    by : str or list of str, optional
        Group columns (customer attributes such as ``segment``).
    confidence : float
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row (or one per group) with :data:`WINDOWED_RATIO_COLUMNS`:
        ``customers_before`` and ``customers_after`` (the cohorts' sizes), the
        ratios and the change as ``estimate``, ``std_error``, ``ci_low``,
        ``ci_high``, ``p_value`` (NaN when a cohort has fewer than two customers).

    Raises
    ------
    ValueError
        When ``days`` < 1, or ``lines`` end before the after cohort's follow-up
        does (``as_of + 2 * days``): its customers would be counted on fewer days.
    """
    if days < 1:
        raise ValueError(f"windowed_cross_sell_ratio: days must be >= 1. Got {days!r}.")
    item = _item_column(lines, level)
    frame, keys = _prepare(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item], SALES_LINES, by)
    day, end, window = frame[s.ORDER_DATE].dt.normalize(), pd.Timestamp(as_of).normalize(), pd.Timedelta(days=days)
    if len(frame) and day.max() < end + 2 * window - pd.Timedelta(days=1):
        raise ValueError(
            f"windowed_cross_sell_ratio: the customers won up to {(end + window).date()} are followed {days} days, to "
            f"{(end + 2 * window - pd.Timedelta(days=1)).date()}, but the lines end on {day.max().date()}; choose an earlier as_of or fewer days."
        )
    first = day.groupby([frame[k] for k in keys] + [frame[s.CUSTOMER_ID]], dropna=False).transform("min")
    cohort = pd.Series(np.select([(first > end - window) & (first <= end), (first > end) & (first <= end + window)], ["before", "after"], ""),
                       index=frame.index)
    kept = (cohort != "") & (day - first < window)
    per_customer = (frame.loc[kept].assign(_cohort=cohort[kept])
                    .groupby(keys + ["_cohort", s.CUSTOMER_ID], dropna=False)[item].nunique().rename("_items").reset_index())
    grouped = per_customer.groupby(keys, dropna=False) if keys else [((), per_customer)]
    rows = [dict(zip(keys, name if isinstance(name, tuple) else (name,))) | _cohort_change(group, confidence) for name, group in grouped]
    return pd.DataFrame(rows, columns=keys + WINDOWED_RATIO_COLUMNS)


def ratio_windows(first_day: str | pd.Timestamp, last_day: str | pd.Timestamp, *, as_of: str = "auto", days: int = 0) -> tuple[pd.Timestamp, int]:
    """The ``as_of`` and ``days`` of :func:`windowed_cross_sell_ratio` that fit the data's period.

    With both automatic, the period is cut in four equal windows of ``days``:
    a lead-in (customers who bought in it are not new), the "before" window,
    the "after" window, and the follow-up of the customers won last. A given
    ``as_of`` keeps the longest ``days`` that leaves a lead-in and a follow-up
    that long; given ``days`` put ``as_of`` after a lead-in of ``days``.

    Parameters
    ----------
    first_day, last_day : str or pandas.Timestamp
        The data's first and last day, inclusive.
    as_of : str
        A day (ISO date) or ``"auto"``.
    days : int
        The window length, or 0 for automatic.

    Returns
    -------
    tuple of (pandas.Timestamp, int)
        ``as_of`` and ``days``.

    Raises
    ------
    ValueError
        When the windows do not fit in the period (fewer than 4 days, or a given
        ``as_of`` or ``days`` that leaves no room for the lead-in and the follow-up).
    """
    first, last = pd.Timestamp(first_day).normalize(), pd.Timestamp(last_day).normalize()
    span = (last - first).days + 1
    if as_of in ("auto", "", None):
        days = days or span // 4
        chosen = first + pd.Timedelta(days=2 * days - 1)
    else:
        chosen = pd.Timestamp(as_of).normalize()
        days = days or min(((chosen - first).days + 1) // 2, (last - chosen).days // 2)
    if days < 1 or chosen - pd.Timedelta(days=2 * days - 1) < first or chosen + pd.Timedelta(days=2 * days) > last + pd.Timedelta(days=1):
        raise ValueError(f"ratio_windows: windows of {days} days around {chosen.date()} do not fit in {first.date()} to {last.date()} "
                         "with a lead-in before and a follow-up after them; choose another as_of or fewer days.")
    return chosen, int(days)


def _cohort_change(per_customer: pd.DataFrame, confidence: float) -> dict:
    """The two cohorts' mean items and their difference, with Welch's interval and p-value."""
    before = per_customer.loc[per_customer["_cohort"] == "before", "_items"].to_numpy(dtype=float)
    after = per_customer.loc[per_customer["_cohort"] == "after", "_items"].to_numpy(dtype=float)
    row = {"customers_before": len(before), "customers_after": len(after),
           "ratio_before": before.mean() if len(before) else np.nan, "ratio_after": after.mean() if len(after) else np.nan}
    row |= {"estimate": row["ratio_after"] - row["ratio_before"], "std_error": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
    if min(len(before), len(after)) >= 2:
        shares = before.var(ddof=1) / len(before), after.var(ddof=1) / len(after)
        se = float(np.sqrt(sum(shares)))
        if se == 0:  # every customer of both cohorts bought as many items: the change is exact
            return row | {"std_error": 0.0, "ci_low": row["estimate"], "ci_high": row["estimate"], "p_value": float(row["estimate"] == 0)}
        df = se**4 / (shares[0] ** 2 / (len(before) - 1) + shares[1] ** 2 / (len(after) - 1))  # Welch-Satterthwaite
        half = stats.t.ppf(0.5 + confidence / 2, df) * se
        row |= {"std_error": se, "ci_low": row["estimate"] - half, "ci_high": row["estimate"] + half,
                "p_value": float(2 * stats.t.sf(abs(row["estimate"]) / se, df))}
    return row


# --- attach rate --------------------------------------------------------------


def attach_rate(
    lines: pd.DataFrame,
    anchor: str,
    attached: str,
    *,
    level: str = "category",
    within_days: int | None = None,
    by: By = None,
) -> float | pd.DataFrame:
    """How often ``attached`` is bought with ``anchor``.

    Basket level (default)::

        attach rate = orders containing anchor and attached / orders containing anchor

    This is the confidence of the association rule {anchor} -> {attached}
    (Agrawal, Imielinski & Swami 1993) read as a retail KPI.

    Customer level (``within_days=N``)::

        attach rate = customers who bought attached within N days on or after
                      their first anchor purchase / customers who bought anchor

    The window is ``0 <= date(attached) - date(first anchor) <= N`` days, so
    the same basket counts and an earlier purchase of ``attached`` does not.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs ``order_id`` (basket level) or
        ``customer_id`` and ``order_date`` (customer level), and the ``level`` column.
    anchor, attached : str
        Item values, e.g. ``"laptops"`` and ``"accessories"``; must differ.
    level : {"category", "product"}
        What the items are.
    within_days : int, optional
        Switches to the customer level with this window.
    by : str or list of str, optional
        Group columns.

    Returns
    -------
    float or pandas.DataFrame
        The rate, or per group: ``anchor_units`` (orders or customers with
        ``anchor``), ``attached_units`` (of those, with ``attached``) and
        ``attach_rate``.
    """
    if anchor == attached:
        raise ValueError(f"attach_rate: anchor and attached must differ. Got {anchor!r} twice.")
    item = _item_column(lines, level)
    if within_days is None:
        frame, keys = _prepare(lines, [s.ORDER_ID, item], SALES_LINES, by)
        flags = frame.assign(anchor_units=frame[item] == anchor, attached_units=frame[item] == attached)
        per_unit = flags.groupby(keys + [s.ORDER_ID], dropna=False)[["anchor_units", "attached_units"]].any()
        per_unit = per_unit.reset_index()
    else:
        if within_days < 0:
            raise ValueError(f"attach_rate: within_days must be >= 0. Got {within_days!r}.")
        frame, keys = _prepare(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item], SALES_LINES, by)
        unit = keys + [s.CUSTOMER_ID]
        first_anchor = frame.loc[frame[item] == anchor].groupby(unit, dropna=False)[s.ORDER_DATE].min()
        later = frame.loc[frame[item] == attached, unit + [s.ORDER_DATE]].merge(
            first_anchor.rename("first_anchor").reset_index(), on=unit, how="inner"
        )
        lag = later[s.ORDER_DATE] - later["first_anchor"]
        in_window = later.loc[(lag >= pd.Timedelta(0)) & (lag <= pd.Timedelta(days=within_days)), unit]
        per_unit = first_anchor.rename("anchor_units").reset_index()
        per_unit["anchor_units"] = True
        hits = in_window.drop_duplicates().assign(attached_units=True)
        per_unit = per_unit.merge(hits, on=unit, how="left")
        per_unit["attached_units"] = per_unit["attached_units"].fillna(False).astype(bool)
    per_unit["attached_units"] = per_unit["anchor_units"] & per_unit["attached_units"]
    return _rate(per_unit, keys, "attached_units", "anchor_units", "attach_rate")


def attach_rate_matrix(
    lines: pd.DataFrame,
    *,
    level: str = "category",
    items: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Basket-level attach rate of every item to every other item.

    ``attach_rate[a, b] = orders with a and b / orders with a`` (see
    :func:`attach_rate`), for all ordered pairs of distinct items. Computed
    with a sparse order x item matrix ``M``: the co-occurrence counts are
    ``M.T @ M`` and its diagonal holds the orders per item.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs ``order_id`` and the ``level`` column.
    level : {"category", "product"}
        What the items are.
    items : sequence of str, optional
        Restrict to these items (recommended at product level: the result
        has ``len(items) ** 2`` rows). Other items are ignored; baskets keep
        their other lines out of the counts.

    Returns
    -------
    pandas.DataFrame
        Columns ``anchor``, ``attached``, ``anchor_orders``, ``both_orders``,
        ``attach_rate``; sorted by ``anchor`` then ``attached``.
    """
    item = _item_column(lines, level)
    frame, _ = _prepare(lines, [s.ORDER_ID, item], SALES_LINES, None)
    pairs = frame[[s.ORDER_ID, item]].dropna().drop_duplicates()
    if items is not None:
        pairs = pairs.loc[pairs[item].isin(list(items))]
    order_codes, _ = pd.factorize(pairs[s.ORDER_ID], sort=True)
    item_codes, item_names = pd.factorize(pairs[item], sort=True)
    basket = sparse.csr_matrix(
        (np.ones(len(pairs), dtype=np.int64), (order_codes, item_codes)),
        shape=(len(np.unique(order_codes)), len(item_names)),
    )
    together = (basket.T @ basket).toarray()
    anchors, attached = np.meshgrid(np.arange(len(item_names)), np.arange(len(item_names)), indexing="ij")
    off_diagonal = anchors != attached
    anchor_orders = np.diag(together)[anchors[off_diagonal]]
    both = together[off_diagonal]
    return pd.DataFrame(
        {
            "anchor": np.asarray(item_names)[anchors[off_diagonal]],
            "attached": np.asarray(item_names)[attached[off_diagonal]],
            "anchor_orders": anchor_orders,
            "both_orders": both,
            "attach_rate": both / anchor_orders,
        }
    )


# --- revenue and orders -------------------------------------------------------


def amount_text(amount: float) -> str:
    """An amount of money with the precision it deserves: cents below 100, whole units above.

    A grocery basket of 4.97 must not print as "5", nor a year's revenue of
    1,818,630.16 with its cents.

    Parameters
    ----------
    amount : float
        The amount, in the data's currency.

    Returns
    -------
    str
        ``"4.97"``, ``"463"``, ``"1,818,630"``.

    Examples
    --------
    >>> amount_text(4.974), amount_text(462.96), amount_text(1818630.16)
    ('4.97', '463', '1,818,630')
    """
    return f"{amount:,.2f}" if abs(amount) < 100 else f"{amount:,.0f}"


def orders_per_day_by_month(order_dates: pd.Series) -> pd.Series:
    """Average orders per day in each calendar month, counting only the days the data covers.

    A fair way to name the busiest month of data that starts or ends within a
    month (or covers one month twice): the orders of each calendar month are
    divided by the days of that month between the first and the last order
    date, so nine days of a December do not count as a quiet December.

    Parameters
    ----------
    order_dates : pandas.Series
        One date per order (e.g. ``orders.order_date``).

    Returns
    -------
    pandas.Series
        Named ``orders_per_day``, indexed by the month number (1-12) of the
        months the data covers, sorted by month.
    """
    dates = pd.to_datetime(order_dates).dropna()
    if dates.empty:
        return pd.Series(dtype="float64", name="orders_per_day")
    days = pd.date_range(dates.min().normalize(), dates.max().normalize(), freq="D")
    covered = pd.Series(1, index=days).groupby(days.month).sum()
    orders = dates.groupby(dates.dt.month).size().reindex(covered.index, fill_value=0)
    per_day = (orders / covered).rename("orders_per_day")
    per_day.index.name = "month"
    return per_day


def returns_statement(sold: pd.DataFrame, kept: pd.DataFrame) -> str:
    """One sentence saying what taking returns off the sales changed ("" when nothing).

    Parameters
    ----------
    sold : pandas.DataFrame
        :func:`xsell_lab.sales_lines` as sold (needs ``revenue``).
    kept : pandas.DataFrame
        The same lines net of returns (:func:`xsell_lab.kept_lines`).

    Returns
    -------
    str
        E.g. "Returns are taken off the sales: 520 order lines came back in
        full and are left out, and revenue is 1,818,630 after returns
        (1,937,045 as sold)."; an empty string when no line came back.
    """
    dropped, before, after = len(sold) - len(kept), sold[_REVENUE].sum(), kept[_REVENUE].sum()
    if dropped == 0 and np.isclose(before, after):
        return ""
    return (
        f"Returns are taken off the sales: {dropped:,} order line{'s' if dropped != 1 else ''} came back in full "
        f"and {'are' if dropped != 1 else 'is'} left out, and revenue is {amount_text(after)} after returns "
        f"({amount_text(before)} as sold)."
    )


def primary_items(lines: pd.DataFrame, *, level: str = "category") -> pd.DataFrame:
    """Each customer's primary item: what they came to us for.

    The primary item is the item with the most revenue in the customer's
    first order (the earliest ``order_date``; orders on the same date are
    ordered by ``order_id``). Revenue ties are broken by the item's name
    (alphabetical), so the result is deterministic.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs ``customer_id``, ``order_id``,
        ``order_date``, ``revenue`` and the ``level`` column.
    level : {"category", "product"}
        What the items are.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``primary_item``; one row per customer.
    """
    item = _item_column(lines, level)
    frame, _ = _prepare(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, item, _REVENUE], SALES_LINES, None)
    orders = frame[[s.CUSTOMER_ID, s.ORDER_DATE, s.ORDER_ID]].drop_duplicates()
    first = orders.sort_values([s.CUSTOMER_ID, s.ORDER_DATE, s.ORDER_ID]).drop_duplicates(s.CUSTOMER_ID)
    first_lines = frame.merge(first[[s.CUSTOMER_ID, s.ORDER_ID]], on=[s.CUSTOMER_ID, s.ORDER_ID], how="inner")
    per_item = first_lines.groupby([s.CUSTOMER_ID, item], as_index=False)[_REVENUE].sum()
    per_item = per_item.sort_values([s.CUSTOMER_ID, _REVENUE, item], ascending=[True, False, True])
    primary = per_item.drop_duplicates(s.CUSTOMER_ID)[[s.CUSTOMER_ID, item]]
    return primary.rename(columns={item: "primary_item"}).reset_index(drop=True)


def top_primary_items(lines: pd.DataFrame, *, n: int = 4, level: str = "category") -> list:
    """The ``n`` items customers most often came to us for: the commonest primary items.

    Counts the customers whose primary item (:func:`primary_items`) is each
    item; ties go to the item whose name sorts first, so the choice is
    deterministic.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`, as for :func:`primary_items`.
    n : int
        How many items (>= 1); fewer when the data has fewer primary items.
    level : {"category", "product"}
        What the items are.

    Returns
    -------
    list
        Item values, the most customers first.
    """
    if n < 1:
        raise ValueError(f"top_primary_items: n must be >= 1. Got {n!r}.")
    counts = primary_items(lines, level=level)["primary_item"].value_counts().rename("customers").reset_index()
    counts = counts.sort_values(["customers", "primary_item"], ascending=[False, True], kind="stable")
    return counts["primary_item"].head(n).tolist()


def revenue_contribution(
    lines: pd.DataFrame,
    *,
    level: str = "category",
    by: By = None,
    backend: str = "pandas",
) -> float | pd.DataFrame:
    """Share of revenue that comes from cross-sold items.

    ::

        revenue contribution = revenue of lines outside the customer's primary item
                               / total revenue

    The primary item is defined by :func:`primary_items` (the top-revenue item
    of the customer's first order) and is computed on all of ``lines`` before
    grouping, so by month it reads "cross-sold revenue in that month, over
    revenue in that month". Kamakura (2008) and Li, Sun & Wilcox (2005)
    measure the value of cross-selling the same way: revenue beyond the
    customer's initial product.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs ``customer_id``, ``order_id``,
        ``order_date``, ``revenue`` and the ``level`` column.
    level : {"category", "product"}
        What the items are.
    by : str or list of str, optional
        Group columns.
    backend : {"pandas", "spark"}
        ``"spark"`` computes on Spark (:mod:`xsell_lab._spark`): ``lines`` may then
        be a pyspark DataFrame with the same columns (or a pandas one, sent
        through Arrow), only the small result is collected, and it equals the
        pandas one (group columns of a Spark frame take the dtypes pandas infers
        from their values). ``order_date`` is read to the microsecond in UTC
        (:func:`xsell_lab._spark.utc_micros`), whatever the session time zone.

    Returns
    -------
    float or pandas.DataFrame
        The share, or per group: ``revenue``, ``cross_sold_revenue``,
        ``revenue_contribution``.
    """
    if _spark.check_backend(backend, "revenue_contribution"):
        return _spark_revenue_contribution(lines, level, by)
    item = _item_column(lines, level)
    frame, keys = _prepare(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, item, _REVENUE], SALES_LINES, by)
    flagged = frame.merge(primary_items(frame, level=level), on=s.CUSTOMER_ID, how="left")
    flagged["cross_sold_revenue"] = flagged[_REVENUE].where(flagged[item] != flagged["primary_item"], 0.0)
    return _rate(flagged, keys, "cross_sold_revenue", _REVENUE, "revenue_contribution")


def average_order_value(lines: pd.DataFrame, *, by: By = None, backend: str = "pandas") -> float | pd.DataFrame:
    """Average order value (AOV): revenue per order.

    ::

        AOV = total revenue / number of orders

    Farris et al. (2010), *Marketing Metrics*. Group by order-level or
    customer-level columns (``channel``, ``segment``, ``month``); grouping by a
    line-level column such as ``category`` gives the category's revenue per
    order containing it.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`; needs ``order_id`` and ``revenue``.
    by : str or list of str, optional
        Group columns.
    backend : {"pandas", "spark"}
        ``"spark"`` computes on Spark (:mod:`xsell_lab._spark`): ``lines`` may then
        be a pyspark DataFrame with the same columns (or a pandas one, sent
        through Arrow), only the small result is collected, and it equals the
        pandas one (group columns of a Spark frame take the dtypes pandas infers
        from their values).

    Returns
    -------
    float or pandas.DataFrame
        AOV, or per group: ``orders``, ``revenue``, ``average_order_value``.
    """
    if _spark.check_backend(backend, "average_order_value"):
        return _spark_average_order_value(lines, by)
    frame, keys = _prepare(lines, [s.ORDER_ID, _REVENUE], SALES_LINES, by)
    per_order = frame.groupby(keys + [s.ORDER_ID], dropna=False, as_index=False)[_REVENUE].sum()
    per_order["orders"] = 1
    return _rate(per_order, keys, _REVENUE, "orders", "average_order_value")


# --- offers, retention, sales cycle ------------------------------------------


def offer_conversion_rate(
    offers: pd.DataFrame,
    *,
    by: By = (s.EXPERIMENT_ID, s.VARIANT),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of offers accepted, with a Wilson confidence interval.

    ::

        conversion rate = accepted offers / offers sent

    The interval is Wilson's score interval (Wilson 1927), which keeps its
    coverage for small samples and rates near 0 or 1 (Brown, Cai & DasGupta
    2001)::

        centre = (p + z^2 / 2n) / (1 + z^2 / n)
        half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical ``offers`` table; needs ``accepted`` and the ``by`` columns.
    by : str or list of str, optional
        Group columns; default experiment and variant (arm). ``None`` gives
        one overall row.
    confidence : float
        Confidence level of the interval, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Group columns, ``offers``, ``accepted``, ``conversion_rate``,
        ``ci_low``, ``ci_high``.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"offer_conversion_rate: confidence must be in (0, 1). Got {confidence!r}.")
    keys = as_list(by)
    require_columns(offers, [s.ACCEPTED] + keys, s.OFFERS)
    accepted = offers[s.ACCEPTED].astype("boolean").fillna(False).astype(bool)
    frame = label_missing_groups(offers[keys], keys).assign(offers=1, accepted=accepted)
    grouped = frame.groupby(keys, dropna=False) if keys else frame.assign(_all=0).groupby("_all")
    result = grouped[["offers", "accepted"]].sum()
    result["conversion_rate"] = result["accepted"] / result["offers"]
    low, high = wilson_interval(result["accepted"].to_numpy(), result["offers"].to_numpy(), confidence)
    result["ci_low"], result["ci_high"] = low, high
    return result.reset_index(drop=not keys)


def retention_rate(
    lines: pd.DataFrame,
    *,
    period: str = "month",
    by: By = None,
    backend: str = "pandas",
) -> float | pd.DataFrame:
    """Share of customers active in a period who buy again in the next one.

    ::

        retention(t) = customers buying in t and in t + 1 / customers buying in t

    (Farris et al. 2010, *Marketing Metrics*, section 5.3.) The headline
    number pools all periods: ``sum retained / sum active`` over every period
    ``t`` whose next period is in the data; the last period is left out
    because its next period is not observed. A partial last period (data ending
    mid-month) biases the previous period's retention down: filter to
    complete periods first.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines` or the ``orders`` table; needs
        ``customer_id`` and ``order_date``.
    period : {"month", "quarter", "year"}
        Length of a period.
    by : str or list of str, optional
        Group columns. Use the period's own name (e.g. ``"month"``) for
        retention per period ``t``. Other columns (``segment``, ``channel``)
        group the activity in ``t``; buying again in ``t + 1`` counts through
        any channel.
    backend : {"pandas", "spark"}
        ``"spark"`` computes on Spark (:mod:`xsell_lab._spark`): ``lines`` may then
        be a pyspark DataFrame with the same columns (or a pandas one, sent
        through Arrow), only the small result is collected, and it equals the
        pandas one (group columns of a Spark frame take the dtypes pandas infers
        from their values). ``order_date`` is read to the microsecond in UTC
        (:func:`xsell_lab._spark.utc_micros`), whatever the session time zone.

    Returns
    -------
    float or pandas.DataFrame
        The pooled rate, or per group: ``active_customers``,
        ``retained_customers``, ``retention_rate``.
    """
    if period not in _PERIODS:
        raise ValueError(f"retention_rate: period must be one of {', '.join(_PERIODS)}. Got {period!r}.")
    if _spark.check_backend(backend, "retention_rate"):
        return _spark_retention_rate(lines, period, by)
    keys = as_list(by)
    frame, _ = _prepare(lines, [s.CUSTOMER_ID, s.ORDER_DATE], table_name(lines), [k for k in keys if k != period])
    index = _period_index(frame[s.ORDER_DATE], period)
    bought = pd.DataFrame({s.CUSTOMER_ID: frame[s.CUSTOMER_ID], "_t": index}).drop_duplicates()
    active = frame[[k for k in keys if k != period] + [s.CUSTOMER_ID]].assign(_t=index)
    active = active.loc[active["_t"] < index.max()].drop_duplicates()
    next_buyers = bought.assign(_t=bought["_t"] - 1, retained_customers=True)
    active = active.merge(next_buyers, on=[s.CUSTOMER_ID, "_t"], how="left")
    active["retained_customers"] = active["retained_customers"].fillna(False).astype(bool)
    active["active_customers"] = True
    if period in keys:
        active[period] = _period_start_from_index(active["_t"], period)
    return _rate(active, keys, "retained_customers", "active_customers", "retention_rate")


def sales_cycle_days(
    marketing_events: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    start_events: Sequence[str] = ("awareness", "consideration"),
) -> pd.DataFrame:
    """Days from a customer's first awareness/consideration touch to the first purchase.

    ::

        sales cycle = date(first order) - date(first event of start_events)

    The usual B2B/B2C definition of sales-cycle length (time from first
    contact to closed sale). Only customers with a start event on or before
    their first order are counted; customers whose first touch came after
    their first purchase have no acquisition cycle to measure.

    Parameters
    ----------
    marketing_events : pandas.DataFrame
        The canonical ``marketing_events`` table; needs ``customer_id``,
        ``event_date``, ``event_type``.
    orders : pandas.DataFrame
        The ``orders`` table or :func:`xsell_lab.sales_lines`; needs
        ``customer_id`` and ``order_date``. Other columns of the first order
        (``channel``, ``segment``, ...) are kept for grouping.
    start_events : sequence of str
        Event types that start the cycle; the earliest one counts.

    Returns
    -------
    pandas.DataFrame
        The first order's columns plus ``first_touch_date``,
        ``first_purchase_date``, ``sales_cycle_days`` (float, fractional
        when dates have times); one row per customer.
    """
    require_columns(marketing_events, [s.CUSTOMER_ID, s.EVENT_DATE, s.EVENT_TYPE], s.MARKETING_EVENTS)
    require_columns(orders, [s.CUSTOMER_ID, s.ORDER_DATE], table_name(orders))
    starts = marketing_events.loc[marketing_events[s.EVENT_TYPE].isin(list(start_events))]
    first_touch = starts.groupby(s.CUSTOMER_ID)[s.EVENT_DATE].min().rename("first_touch_date")
    first_order = orders.sort_values([s.CUSTOMER_ID, s.ORDER_DATE], kind="stable").drop_duplicates(s.CUSTOMER_ID)
    cycles = first_order.merge(first_touch.reset_index(), on=s.CUSTOMER_ID, how="inner")
    cycles["first_purchase_date"] = cycles[s.ORDER_DATE]
    cycles["sales_cycle_days"] = (cycles[s.ORDER_DATE] - cycles["first_touch_date"]) / pd.Timedelta(days=1)
    return cycles.loc[cycles["sales_cycle_days"] >= 0].reset_index(drop=True)


def sales_cycle_time(
    marketing_events: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    start_events: Sequence[str] = ("awareness", "consideration"),
    by: By = None,
) -> float | pd.DataFrame:
    """Median sales-cycle length in days (see :func:`sales_cycle_days`).

    The median is the headline number because cycle times are right-skewed
    (a few long deliberations pull the mean up).

    Parameters
    ----------
    marketing_events, orders : pandas.DataFrame
        As in :func:`sales_cycle_days`.
    start_events : sequence of str
        Event types that start the cycle.
    by : str or list of str, optional
        Columns of the first order (``channel``, or ``segment``/``region``
        when ``orders`` is :func:`xsell_lab.sales_lines`).

    Returns
    -------
    float or pandas.DataFrame
        The median, or per group: ``customers``, ``mean_days``, ``median_days``.
    """
    cycles = sales_cycle_days(marketing_events, orders, start_events=start_events)
    cycles, keys = _prepare(cycles, [], table_name(orders), by)
    if not keys:
        return float(cycles["sales_cycle_days"].median()) if len(cycles) else float("nan")
    return (
        cycles.groupby(keys, dropna=False)
        .agg(
            customers=(s.CUSTOMER_ID, "size"),
            mean_days=("sales_cycle_days", "mean"),
            median_days=("sales_cycle_days", "median"),
        )
        .reset_index()
    )


# --- summaries ----------------------------------------------------------------


def kpi_summary(
    lines: pd.DataFrame,
    *,
    offers: pd.DataFrame | None = None,
    marketing_events: pd.DataFrame | None = None,
    level: str = "category",
    penetration_min_items: int = 3,
    period: str = "month",
    backend: str = "pandas",
) -> pd.DataFrame:
    """The headline cross-sell KPIs as one tidy table.

    Shares are shown in percent (unit ``"%"``). Offer conversion and the
    sales cycle appear only when their tables are given.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`.
    offers : pandas.DataFrame, optional
        The ``offers`` table (conversion over all offers sent; rows of the
        ``"control"`` variant receive no offer and are left out).
    marketing_events : pandas.DataFrame, optional
        The ``marketing_events`` table (sales-cycle time).
    level : {"category", "product"}
        Item level of the cross-sell rate, penetration, items per customer
        and revenue contribution.
    penetration_min_items : int
        Threshold of the penetration row (the cross-sell rate already reports
        2+ items, so the default shows the deeper relationships, 3+).
    period : {"month", "quarter", "year"}
        Period of the retention rate.
    backend : {"pandas", "spark"}
        ``"spark"`` computes every row on Spark (:mod:`xsell_lab._spark`):
        ``lines`` may then be a pyspark DataFrame with the same columns (or a
        pandas one, sent through Arrow once), every KPI is a Spark aggregation
        over the lines and only small results are collected; the table equals
        the pandas one (counts exactly, sums and means to the rounding of a
        different order of addition). ``offers`` and ``marketing_events`` may be
        pandas or pyspark frames: they are small, so a Spark one is collected
        to pandas (the offers' ``accepted`` and ``variant``, the events' customer,
        type and date). ``order_date`` and ``event_date`` are read to the
        microsecond as UTC (:func:`xsell_lab._spark.utc_micros`), so the session
        time zone moves no purchase to another period.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`KPI_SUMMARY_COLUMNS` (``kpi``, ``value``, ``unit``,
        ``definition``).
    """
    if _spark.check_backend(backend, "kpi_summary"):
        values = _spark_summary_values(lines, offers, marketing_events, level, penetration_min_items, period)
    else:
        values = _summary_values(lines, offers, marketing_events, level, penetration_min_items, period)
    return _summary_table(values, level, penetration_min_items, period)


def _summary_values(lines, offers, marketing_events, level: str, penetration_min_items: int, period: str) -> dict:
    """The values of :func:`kpi_summary`'s rows on pandas, shares as fractions (offer and cycle rows only when given)."""
    require_columns(lines, [s.ORDER_ID, s.CUSTOMER_ID, _REVENUE], SALES_LINES)
    values = {
        "customers": lines[s.CUSTOMER_ID].nunique(),
        "orders": lines[s.ORDER_ID].nunique(),
        "revenue": float(lines[_REVENUE].sum()),
        "average_order_value": average_order_value(lines),
        "cross_sell_rate": cross_sell_rate(lines, level=level),
        "product_penetration": product_penetration(lines, min_items=penetration_min_items, level=level),
        "items_per_customer": lines.groupby(s.CUSTOMER_ID)[_item_column(lines, level)].nunique().mean(),
        "revenue_contribution": revenue_contribution(lines, level=level),
        "retention_rate": retention_rate(lines, period=period),
    }
    if offers is not None:
        values["offer_conversion_rate"] = _sent_offers_conversion(offers)
    if marketing_events is not None:
        values["sales_cycle_time"] = sales_cycle_time(marketing_events, lines)
    return values


def _sent_offers_conversion(offers: pd.DataFrame) -> float:
    """Accepted / sent over the offers sent: the ``"control"`` rows, which receive no offer, left out."""
    sent = offers.loc[offers[s.VARIANT] != CONTROL_VARIANT] if s.VARIANT in offers.columns else offers
    return offer_conversion_rate(sent, by=None)["conversion_rate"].iloc[0]


def _summary_table(values: dict, level: str, penetration_min_items: int, period: str) -> pd.DataFrame:
    """:func:`kpi_summary`'s table from its values: the unit and definition of each row, shares in percent."""
    items = "products" if level == "product" else "categories"
    rows = {
        "customers": ("customers", "Customers with at least one order"),
        "orders": ("orders", "Orders placed"),
        "revenue": ("currency", "Sum of quantity x unit price"),
        "average_order_value": ("currency", "Revenue / orders"),
        "cross_sell_rate": ("%", f"Customers who bought 2+ {items} / customers"),
        "product_penetration": ("%", f"Customers who bought {penetration_min_items}+ {items} / customers"),
        "items_per_customer": (items, f"Distinct {items} per customer (cross-sell ratio)"),
        "revenue_contribution": ("%", f"Revenue outside each customer's primary {level} (top {level} of the first order) / revenue"),
        "retention_rate": (
            "%",
            f"Customers buying in a {period} who buy again the next {period} / customers buying in the {period}",
        ),
        "offer_conversion_rate": ("%", "Accepted offers / offers sent (control arms, which get no offer, left out)"),
        "sales_cycle_time": ("days", "Median days from first awareness/consideration touch to first purchase"),
    }
    summary = pd.DataFrame(
        [(kpi, 100 * value if rows[kpi][0] == "%" else value, *rows[kpi]) for kpi, value in values.items()],
        columns=KPI_SUMMARY_COLUMNS,
    )
    summary["value"] = summary["value"].astype("float64")
    return summary


def kpi_trend(lines: pd.DataFrame, kpi: str, *, freq: str = "month", **options) -> pd.DataFrame:
    """One KPI per period, for trend plots.

    Calls the KPI function with ``by=freq`` (for ``retention_rate``, also
    ``period=freq``), so each period's value is computed as that function
    documents for grouped results.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`.
    kpi : str
        One of :data:`TREND_KPIS`.
    freq : {"month", "quarter", "year"}
        Period length.
    **options
        Passed to the KPI function (e.g. ``anchor=``, ``attached=`` for
        ``attach_rate``; ``level=``).

    Returns
    -------
    pandas.DataFrame
        The KPI function's grouped table (period column named ``freq``, the
        first day of the period) plus ``kpi`` (the name) and ``value`` (the
        KPI), sorted by period.
    """
    functions = {
        "average_order_value": average_order_value,
        "cross_sell_rate": cross_sell_rate,
        "product_penetration": product_penetration,
        "revenue_contribution": revenue_contribution,
        "attach_rate": attach_rate,
        "retention_rate": retention_rate,
    }
    if kpi not in functions:
        raise ValueError(f"kpi_trend: unknown kpi {kpi!r}. Known: {', '.join(TREND_KPIS)}.")
    if freq not in _PERIODS:
        raise ValueError(f"kpi_trend: freq must be one of {', '.join(_PERIODS)}. Got {freq!r}.")
    if kpi == "retention_rate":
        options = {**options, "period": freq}
    if kpi == "attach_rate":
        table = attach_rate(lines, options.pop("anchor"), options.pop("attached"), by=freq, **options)
    else:
        table = functions[kpi](lines, by=freq, **options)
    value_column = {"product_penetration": "penetration"}.get(kpi, kpi)
    return table.assign(kpi=kpi, value=table[value_column]).sort_values(freq).reset_index(drop=True)


def kpi_trend_test(trend: pd.DataFrame, *, period: str = "month", confidence: float = 0.95) -> pd.DataFrame:
    """Is a KPI rising or falling? The slope of its per-period values on time, per year, with an interval.

    A straight line is fitted to the KPI's values of :func:`kpi_trend` by
    weighted least squares, each period weighted by the KPI's denominator
    (:data:`TREND_WEIGHTS`: a month of 400 customers says more than one of 40)::

        value_t = a + b * years_t + e_t,   years_t = (start of period t - start of the first period) / 365.25 days

    ``estimate`` is ``b``, the change of the KPI per year (for a share, 0.012
    is 1.2 percentage points a year). Its standard error is Newey-West's
    (1987), robust to months that resemble their neighbours, with the
    automatic lag ``floor(4 (T / 100) ** (2 / 9))`` of Newey & West (1994,
    *Review of Economic Studies* 61(4)); the spread of the values around the
    line is estimated from the data, so variation beyond the binomial noise
    of a share (seasons, campaigns) widens the interval instead of passing
    for a trend. The interval and p-value use Student's t with ``T - 2``
    degrees of freedom (small samples of periods). The slope is the
    ordinary trend test of a KPI series (e.g. Wooldridge 2016, *Introductory
    Econometrics*, 6th ed., sec. 10.5, "trending time series").

    Parameters
    ----------
    trend : pandas.DataFrame
        :func:`kpi_trend` output: the ``period`` column, ``kpi``, ``value`` and
        the weight column of :data:`TREND_WEIGHTS`.
    period : {"month", "quarter", "year"}
        The period column of ``trend``.
    confidence : float
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`TREND_TEST_COLUMNS`: ``periods`` (T),
        ``fitted_first`` and ``fitted_last`` (the line at the first and last
        period), and the slope per year as ``estimate``, ``std_error``,
        ``ci_low``, ``ci_high``, ``p_value``.

    Raises
    ------
    ValueError
        With fewer than three periods with a value (a line through two points has no error to measure).
    """
    kpi = str(trend["kpi"].iloc[0]) if "kpi" in trend and len(trend) else ""
    if kpi not in TREND_WEIGHTS:
        raise ValueError(f"kpi_trend_test: needs a kpi_trend table of one of {', '.join(TREND_WEIGHTS)}. Got kpi {kpi!r}.")
    require_columns(trend, [period, "value", TREND_WEIGHTS[kpi]], "trend")
    used = trend.loc[trend["value"].notna() & (trend[TREND_WEIGHTS[kpi]] > 0)].sort_values(period)
    if len(used) < 3:
        raise ValueError(f"kpi_trend_test: {len(used)} {period}s with a value; a trend needs at least 3.")
    years = ((pd.to_datetime(used[period]) - pd.to_datetime(used[period]).iloc[0]) / pd.Timedelta(days=365.25)).to_numpy()
    design = np.column_stack([np.ones(len(used)), years])
    lags = int(np.floor(4 * (len(used) / 100) ** (2 / 9)))
    fit = sm.WLS(used["value"].to_numpy(dtype=float), design, weights=used[TREND_WEIGHTS[kpi]].to_numpy(dtype=float)).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags}, use_t=True
    )
    low, high = fit.conf_int(1 - confidence)[1]
    return pd.DataFrame([{
        "kpi": kpi, "periods": len(used), "fitted_first": fit.params[0], "fitted_last": fit.params[0] + fit.params[1] * years[-1],
        "estimate": fit.params[1], "std_error": fit.bse[1], "ci_low": low, "ci_high": high, "p_value": fit.pvalues[1],
    }], columns=TREND_TEST_COLUMNS)


def trend_sentence(test: pd.DataFrame, *, what: str, period: str = "month", points: bool = True, confidence: float = 0.95) -> str:
    """A trend test in plain words: "... is rising by 1.2 points a year (95% interval ...)" or "... shows no clear change".

    Parameters
    ----------
    test : pandas.DataFrame
        :func:`kpi_trend_test` (its one row).
    what : str
        The KPI in words, the sentence's subject, e.g. ``"The cross-sell rate within a month"``.
    period : str
        The period of the trend, in words (``"month"``).
    points : bool
        The KPI is a share: the slope is said in percentage points (else in the KPI's own unit).
    confidence : float
        The level the test was computed at.

    Returns
    -------
    str
        One sentence: rising or falling when the interval excludes zero, else "no clear change", with the interval.
    """
    row = test.iloc[0]
    scale, unit = (100, " points") if points else (1, "")
    estimate, low, high = (scale * row[column] for column in ("estimate", "ci_low", "ci_high"))
    basis = f"{confidence:.0%} interval {low:+.1f} to {high:+.1f}{unit} a year, from {row['periods']:,} {period}s"
    if row["ci_low"] > 0 or row["ci_high"] < 0:
        return f"{what} is {'rising' if estimate > 0 else 'falling'} by {abs(estimate):.1f}{unit} a year ({basis})."
    return f"{what} shows no clear change: {estimate:+.1f}{unit} a year ({basis}, which includes no change)."


# --- helpers ------------------------------------------------------------------



def _item_column(lines: pd.DataFrame, level: str) -> str:
    """The column of ``level``; refuses the category level when the lines hold fewer than two categories.

    With one category (a retail export whose products all say "unknown"),
    every customer has bought "one category" whatever they bought, and a
    category KPI would be 0 for a reason that has nothing to do with the
    customers. Empty lines pass (their KPIs are NaN).
    """
    item = s.item_column(level)
    if item == s.CATEGORY and s.CATEGORY in lines.columns and len(lines):
        _require_two_categories(lines[s.CATEGORY].dropna().unique())
    return item


def _require_two_categories(categories: Sequence) -> None:
    """Raise :class:`InsufficientDataError` when lines that have rows hold fewer than two (non-missing) categories."""
    if len(categories) < 2:
        have = f"one category ({categories[0]!r})" if len(categories) else "no category"
        raise InsufficientDataError(
            f"KPIs at level='category' need two or more categories, but the lines have {have}: every customer would have "
            "bought a single category and every cross-sell KPI would read 0. Count products instead (level='product'; "
            "xsell_lab.data.profile.default_level chooses it from the data), or add a category column to the products file."
        )


def _prepare(frame: pd.DataFrame, columns: Sequence[str], table: str, by: By) -> tuple[pd.DataFrame, list[str]]:
    """Check columns and add derived period columns named in ``by``."""
    keys = as_list(by)
    derived = [k for k in keys if k in _PERIODS and k not in frame.columns]
    require_columns(frame, list(columns) + [k for k in keys if k not in derived] + ([s.ORDER_DATE] if derived else []), table)
    if derived:
        frame = frame.assign(**{k: frame[s.ORDER_DATE].dt.to_period(_PERIODS[k]).dt.start_time for k in derived})
    return label_missing_groups(frame, [k for k in keys if k not in derived]), keys


def _period_index(dates: pd.Series, period: str) -> pd.Series:
    """Consecutive integers per period (months since year 0, etc.)."""
    per_year = {"month": 12, "quarter": 4, "year": 1}[period]
    within = {"month": dates.dt.month - 1, "quarter": dates.dt.quarter - 1, "year": 0 * dates.dt.year}[period]
    return dates.dt.year * per_year + within


def _period_start_from_index(index: pd.Series, period: str) -> pd.Series:
    per_year = {"month": 12, "quarter": 4, "year": 1}[period]
    months_per_period = 12 // per_year
    year, within = np.divmod(index.to_numpy(), per_year)
    starts = pd.to_datetime({"year": year, "month": within * months_per_period + 1, "day": 1})
    return pd.Series(starts.to_numpy(), index=index.index)


def _rate(table: pd.DataFrame, keys: list[str], numerator: str, denominator: str, name: str) -> float | pd.DataFrame:
    """Sum numerator and denominator per group; their ratio, NaN where the denominator is 0."""
    if not keys:
        den = float(table[denominator].sum())
        return float(table[numerator].sum()) / den if den else float("nan")
    result = table.groupby(keys, dropna=False)[[denominator, numerator]].sum()
    den = result[denominator].astype("float64")
    result[name] = (result[numerator] / den.where(den != 0)).astype("float64")
    return result.reset_index()


# --- the Spark backend (backend="spark") ---------------------------------------
# Each function mirrors its pandas twin above step by step, as Spark aggregations; only the
# one-row-per-group result is collected, then typed and sorted as the pandas path returns it.


def _spark_cross_sell_rate(lines, level: str, anchor: str | None, target: str | None, by: By) -> float | pd.DataFrame:
    """:func:`cross_sell_rate` on Spark."""
    F = _spark.functions()
    frame, keys, item = _spark_items(lines, level, [s.CUSTOMER_ID], by)
    unit = [*keys, s.CUSTOMER_ID]
    if anchor is None:
        per_customer = frame.groupBy(*unit).agg(_spark_distinct_items(frame[item]).alias("items"))
        flags = per_customer.select(*keys, F.lit(1).alias("customers"), (F.col("items") >= 2).cast("long").alias("cross_sold_customers"))
    else:
        other = F.coalesce(frame[item] != anchor, F.lit(True)) if target is None else F.coalesce(frame[item] == target, F.lit(False))
        per_customer = frame.groupBy(*unit).agg(
            F.max(F.coalesce(frame[item] == anchor, F.lit(False)).cast("long")).alias("customers"),
            F.max(other.cast("long")).alias("other"),
        )
        flags = per_customer.select(*keys, "customers", (F.col("customers") * F.col("other")).alias("cross_sold_customers"))
    return _spark_rate(lines, flags, keys, "cross_sold_customers", "customers", "cross_sell_rate", "int64")


def _spark_penetration(lines, min_items: int, level: str, by: By) -> float | pd.DataFrame:
    """:func:`product_penetration` on Spark."""
    F = _spark.functions()
    frame, keys, item = _spark_items(lines, level, [s.CUSTOMER_ID], by)
    per_customer = frame.groupBy(*keys, s.CUSTOMER_ID).agg(_spark_distinct_items(frame[item]).alias("items"))
    flags = per_customer.select(*keys, F.lit(1).alias("customers"), (F.col("items") >= min_items).cast("long").alias("penetrated_customers"))
    return _spark_rate(lines, flags, keys, "penetrated_customers", "customers", "penetration", "int64")


def _spark_cross_sell_ratio(lines, as_of: str | pd.Timestamp, level: str, by: By) -> pd.DataFrame:
    """:func:`cross_sell_ratio` on Spark."""
    F = _spark.functions()
    frame, keys, item = _spark_items(lines, level, [s.CUSTOMER_ID, s.ORDER_DATE], by)
    before = _spark.utc_date(frame, s.ORDER_DATE) <= F.lit(pd.Timestamp(as_of).date())
    per_customer = (
        frame.groupBy(*keys, s.CUSTOMER_ID)
        .agg(
            F.count_distinct(F.when(before, frame[item])).alias("items_before"),
            F.count_distinct(frame[item]).alias("items_after"),
            F.max(before.cast("long")).alias("bought_before"),
        )
        .where(F.col("bought_before") == 1)
    )
    ratios = [F.count(F.lit(1)).alias("customers"), F.avg("items_before").alias("ratio_before"), F.avg("items_after").alias("ratio_after")]
    columns = {"customers": "int64", "ratio_before": "float64", "ratio_after": "float64"}
    grouped = per_customer.groupBy(*keys).agg(*ratios) if keys else per_customer.agg(*ratios)
    result = _spark_result(lines, grouped, keys, columns)
    result["change"] = result["ratio_after"] - result["ratio_before"]
    return result


def _spark_average_order_value(lines, by: By) -> float | pd.DataFrame:
    """:func:`average_order_value` on Spark."""
    F = _spark.functions()
    frame, keys = _spark_lines(lines, [s.ORDER_ID, _REVENUE], by)
    per_order = frame.groupBy(*keys, s.ORDER_ID).agg(F.sum(frame[_REVENUE].cast("double")).alias(_REVENUE), F.lit(1).alias("orders"))
    return _spark_rate(lines, per_order, keys, _REVENUE, "orders", "average_order_value", {_REVENUE: "float64", "orders": "int64"})


def _spark_summary_values(lines, offers, marketing_events, level: str, penetration_min_items: int, period: str) -> dict:
    """:func:`_summary_values` on Spark: the lines sent (or narrowed) once, each row a Spark aggregation."""
    F = _spark.functions()
    if period not in _PERIODS:
        raise ValueError(f"retention_rate: period must be one of {', '.join(_PERIODS)}. Got {period!r}.")
    item = s.item_column(level)
    frame, _ = _spark_lines(lines, [s.ORDER_ID, s.CUSTOMER_ID, _REVENUE, s.ORDER_DATE, item], None, times=True)
    totals = frame.agg(
        F.count_distinct(s.CUSTOMER_ID).alias("customers"), F.count_distinct(s.ORDER_ID).alias("orders"), F.sum(frame[_REVENUE].cast("double")).alias(_REVENUE)
    ).collect()[0]
    values = {
        "customers": totals["customers"],
        "orders": totals["orders"],
        "revenue": float(totals[_REVENUE] or 0.0),
        "average_order_value": _spark_average_order_value(frame, None),
        "cross_sell_rate": _spark_cross_sell_rate(frame, level, None, None, None),
        "product_penetration": _spark_penetration(frame, penetration_min_items, level, None),
        "items_per_customer": _spark_items_per_customer(frame, item),
        "revenue_contribution": _spark_revenue_contribution(frame, level, None),
        "retention_rate": _spark_retention_rate(frame, period, None),
    }
    if offers is not None:
        values["offer_conversion_rate"] = _sent_offers_conversion(_spark_small_table(offers, [s.ACCEPTED, s.VARIANT], ()))
    if marketing_events is not None:
        events = _spark_small_table(marketing_events, [s.CUSTOMER_ID, s.EVENT_TYPE, s.EVENT_DATE], (s.EVENT_DATE,))
        values["sales_cycle_time"] = sales_cycle_time(events, _spark_first_purchases(frame, events))
    return values


def _spark_small_table(table, columns: list[str], times: tuple[str, ...]) -> pd.DataFrame:
    """A small table (offers, marketing events) as pandas: a pandas one as it is, a Spark one collected (its ``columns``)."""
    if not _spark.is_spark_frame(table):
        return table
    return _spark.collect_times(table, [c for c in columns if c in table.columns], times)


def _spark_items_per_customer(frame, item: str) -> float:
    """Mean distinct ``item`` values per customer (missing items not counted, as pandas' ``nunique``)."""
    F = _spark.functions()
    per_customer = frame.where(frame[s.CUSTOMER_ID].isNotNull()).groupBy(s.CUSTOMER_ID).agg(F.count_distinct(item).alias("items"))
    mean = per_customer.agg(F.avg("items")).collect()[0][0]
    return float("nan") if mean is None else float(mean)


def _spark_primary_items(frame, item: str):
    """:func:`primary_items` on Spark (lines with ``_at``, their time in microseconds): ``customer_id``, ``_primary``."""
    F = _spark.functions()
    orders = frame.select(s.CUSTOMER_ID, "_at", s.ORDER_ID).distinct()
    first = _spark.first_rows(orders, [s.CUSTOMER_ID], [F.asc_nulls_last("_at"), F.asc_nulls_last(s.ORDER_ID)])
    first_lines = frame.join(first.select(s.CUSTOMER_ID, s.ORDER_ID), [s.CUSTOMER_ID, s.ORDER_ID], "inner").where(F.col(item).isNotNull())
    per_item = first_lines.groupBy(s.CUSTOMER_ID, item).agg(F.coalesce(F.sum(F.col(_REVENUE).cast("double")), F.lit(0.0)).alias(_REVENUE))
    primary = _spark.first_rows(per_item, [s.CUSTOMER_ID], [F.desc(_REVENUE), F.asc(item)])
    return primary.select(s.CUSTOMER_ID, F.col(item).alias("_primary"))


def _spark_revenue_contribution(lines, level: str, by: By) -> float | pd.DataFrame:
    """:func:`revenue_contribution` on Spark (a missing item is never the primary one, as in pandas)."""
    F = _spark.functions()
    frame, keys, item = _spark_items(lines, level, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, _REVENUE], by, times=True)
    flagged = frame.join(_spark_primary_items(frame, item), s.CUSTOMER_ID, "left")
    revenue = flagged[_REVENUE].cast("double")
    cross_sold = F.when(F.coalesce(flagged[item] != flagged["_primary"], F.lit(True)), revenue).otherwise(F.lit(0.0))
    table = flagged.select(*keys, revenue.alias(_REVENUE), cross_sold.alias("cross_sold_revenue"))
    return _spark_rate(lines, table, keys, "cross_sold_revenue", _REVENUE, "revenue_contribution", "float64")


def _spark_retention_rate(lines, period: str, by: By) -> float | pd.DataFrame:
    """:func:`retention_rate` on Spark: per customer and period, bought in the next period?

    Counted per period index (:func:`_period_index` of each line's UTC day) with a window over each
    customer's periods; only the counts per group and period are collected, then the last period,
    whose next one is not observed, is left out and the groups summed as the pandas path does.
    """
    from pyspark.sql import Window

    F = _spark.functions()
    others = [k for k in as_list(by) if k != period]
    frame, _ = _spark_lines(lines, [s.CUSTOMER_ID, s.ORDER_DATE], others, times=True)
    per_year = {"month": 12, "quarter": 4, "year": 1}[period]
    day = _spark.utc_day(F.col("_at"))
    dated = frame.where(F.col("_at").isNotNull()).withColumn("_t", F.year(day) * per_year + F.floor((F.month(day) - 1) / (12 // per_year)).cast("int"))
    bought = dated.select(s.CUSTOMER_ID, "_t").distinct()
    following = F.lead("_t").over(Window.partitionBy(s.CUSTOMER_ID).orderBy("_t"))
    flags = bought.select(F.col(s.CUSTOMER_ID).alias("_customer"), F.col("_t").alias("_period"),
                          F.coalesce(following == F.col("_t") + 1, F.lit(False)).cast("long").alias("retained_customers"))
    active = dated.select(*others, s.CUSTOMER_ID, "_t").distinct()
    joined = active.join(flags, active[s.CUSTOMER_ID].eqNullSafe(flags["_customer"]) & (active["_t"] == flags["_period"])) if others else flags.withColumnRenamed("_period", "_t")
    counts = joined.groupBy(*others, "_t").agg(F.count(F.lit(1)).alias("active_customers"), F.sum("retained_customers").alias("retained_customers"))
    table = _spark.collect(counts)
    table = table.loc[table["_t"] < table["_t"].max()].reset_index(drop=True)
    for key in others:
        table[key] = _spark_key_values(lines, key, table[key])
    if period in as_list(by):
        table[period] = _period_start_from_index(table["_t"], period)
    return _rate(table, as_list(by), "retained_customers", "active_customers", "retention_rate")


def _spark_first_purchases(frame, events: pd.DataFrame) -> pd.DataFrame:
    """Each touched customer's first purchase time, collected: ``customer_id``, ``order_date`` (as :func:`sales_cycle_days` needs).

    Only the customers in ``events`` (a pandas table) are kept, by a broadcast semi-join.
    """
    F = _spark.functions()
    touched = _spark.to_spark(events[[s.CUSTOMER_ID]].drop_duplicates(), [s.CUSTOMER_ID])
    lines = frame.join(F.broadcast(touched), s.CUSTOMER_ID, "left_semi")
    first = _spark.collect(lines.groupBy(s.CUSTOMER_ID).agg(F.min("_at").alias("_at")))
    return pd.DataFrame({s.CUSTOMER_ID: first[s.CUSTOMER_ID], s.ORDER_DATE: pd.to_datetime(first["_at"], unit="us")})


def _spark_lines(lines, columns: Sequence[str], by: By, *, times: bool = False):
    """:func:`_prepare` on Spark: the needed columns as a Spark DataFrame, period keys derived, missing keys labelled.

    With ``times``, ``order_date`` is sent to the microsecond (not as a day) and the frame gets ``_at``
    (:func:`xsell_lab._spark.utc_micros` of it); period keys are derived from its UTC day either way
    (:func:`xsell_lab._spark.utc_date`), whatever the session time zone.
    """
    F = _spark.functions()
    keys = as_list(by)
    derived = [k for k in keys if k in _PERIODS and k not in lines.columns]
    needed = list(dict.fromkeys([*columns, *(k for k in keys if k not in derived), *([s.ORDER_DATE] if derived else [])]))
    require_columns(_spark.column_frame(lines), needed, SALES_LINES)
    frame = _spark.to_spark(lines, needed, **({"timestamps": (s.ORDER_DATE,)} if times else {"dates": (s.ORDER_DATE,)}))
    if times:
        frame = frame.withColumn("_at", _spark.utc_micros(frame, s.ORDER_DATE))
    day = (_spark.utc_day(F.col("_at")) if times else _spark.utc_date(frame, s.ORDER_DATE)) if s.ORDER_DATE in needed else None
    # text columns, and columns with no value at all (Arrow's and Spark's null type), take the missing-value label
    text = {field.name for field in frame.schema.fields if field.dataType.typeName() in ("string", "void")}
    frame = frame.withColumns({k: F.coalesce(frame[k].cast("string"), F.lit(missing_group_label(k))) for k in keys if k in text})
    # Spark's trunc units are the periods' own names: "month", "quarter", "year"
    return frame.withColumns({k: F.trunc(day, k) for k in derived}), keys


def _spark_items(lines, level: str, columns: Sequence[str], by: By, *, times: bool = False):
    """:func:`_spark_lines` with the ``level`` column, checked as :func:`_item_column` does."""
    item = s.item_column(level)
    frame, keys = _spark_lines(lines, [*columns, item], by, times=times)
    if item == s.CATEGORY:
        found = [row[0] for row in frame.select(item).distinct().limit(3).collect()]
        if found:
            _require_two_categories([value for value in found if value is not None])
    return frame, keys, item


def _spark_distinct_items(item):
    """Distinct values of ``item`` per group, a missing one counting as one item (as pandas' ``drop_duplicates`` does)."""
    F = _spark.functions()
    return F.count_distinct(item) + F.max(item.isNull().cast("long"))


def _spark_rate(lines, table, keys: list[str], numerator: str, denominator: str, name: str, dtypes: str | dict) -> float | pd.DataFrame:
    """:func:`_rate` on Spark: sums per group collected, their ratio (NaN where the denominator is 0)."""
    F = _spark.functions()
    sums = [F.sum(denominator).alias(denominator), F.sum(numerator).alias(numerator)]
    if not keys:
        row = table.agg(*sums).collect()[0]
        den = float(row[denominator] or 0)
        return float(row[numerator] or 0) / den if den else float("nan")
    columns = {column: dtypes if isinstance(dtypes, str) else dtypes[column] for column in (denominator, numerator)}
    result = _spark_result(lines, table.groupBy(*keys).agg(*sums), keys, columns)
    den = result[denominator].astype("float64")
    result[name] = (result[numerator] / den.where(den != 0)).astype("float64")
    return result


def _spark_result(lines, grouped, keys: list[str], columns: dict[str, str]) -> pd.DataFrame:
    """The collected rows of a Spark aggregation, typed and sorted by the keys as pandas' ``groupby`` returns them."""
    result = _spark.collect(grouped.select(*keys, *columns)).astype(columns)
    for key in keys:
        result[key] = _spark_key_values(lines, key, result[key])
    return result.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True) if keys else result


def _spark_key_values(lines, key: str, values: pd.Series) -> pd.Series:
    """A group column collected from Spark, in the dtype the pandas path gives it."""
    if key in _PERIODS and key not in lines.columns:
        dates = lines[s.ORDER_DATE].iloc[:0] if not _spark.is_spark_frame(lines) else pd.Series(dtype="datetime64[ns]")
        return pd.to_datetime(values).astype(dates.dt.to_period(_PERIODS[key]).dt.start_time.dtype)
    if _spark.is_spark_frame(lines):
        return values
    sample = pd.concat([lines[[key]].head(1), lines.loc[lines[key].isna(), [key]].head(1)])
    grouped = label_missing_groups(sample, key).groupby(key, dropna=False).size().reset_index()
    return values.astype(grouped[key].dtype)

