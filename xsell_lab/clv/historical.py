"""Historical CLV and cohort curves: the view sales teams already know.

The textbook formula multiplies four averages::

    CLV = average order value x purchases per year x margin rate x expected lifespan (years)

It is quick and explainable, and it misleads in a specific way: the averages
are taken over everybody who ever bought, including customers who have
already left, and the same lifespan is applied to a customer who bought
last week and to one who has been silent for two years. The probabilistic
CLV of :mod:`xsell_lab.clv.value` fixes that by weighting each customer's
future by their chance of still being a customer.

Cohort curves (customers grouped by the month of their first purchase)
show the same story over time: how many are still buying k months later,
and what they spend.

References
----------
Gupta, S. & Lehmann, D. R. (2003). Customers as assets. *Journal of
Interactive Marketing* 17(1), 9-24 (the margin x retention formula).
Fader, P. S. & Hardie, B. G. S. (2012). Reconciling and clarifying CLV
formulas. Note, http://brucehardie.com/notes/024/.
"""

from __future__ import annotations

import pandas as pd

from xsell_lab._deprecation import renamed_parameters
from xsell_lab.data import schema as s
from xsell_lab.clv.rfm import purchase_days

#: A period shorter than a month still counts as a month, so a few days of data
#: do not turn into hundreds of orders a year.
_MIN_YEARS = 1 / 12

#: Columns of :func:`historical_clv` (after the ``by`` column, when grouped).
HISTORICAL_COLUMNS = [
    "customers", "average_order_value", "purchases_per_year", "margin_rate", "lifespan_years", "historical_clv",
]
#: Columns of :func:`cohort_curves`.
COHORT_COLUMNS = [
    "cohort", "age", "cohort_size", "active_customers", "retention", "revenue", "revenue_per_customer",
    "cumulative_revenue_per_customer",
]


@renamed_parameters(observation_end="as_of")
def historical_clv(
    sales: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    lifespan_years: float | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Average order value x purchases per year x margin rate x lifespan.

    The two first averages are those of the practitioners' formula: the
    average order value of Farris et al. (2010), *Marketing Metrics*, and the
    purchase frequency, the orders of a period divided by the customers who
    bought in it (usually over one year; here turned into a yearly rate)::

        average order value = revenue / orders
        purchases per year  = orders / customers / years of the period

    so that, over a lifespan as long as the period, the historical CLV is the
    revenue (or margin) per customer the period actually saw. The period runs
    from the first order day in ``sales`` to ``as_of``: every customer who
    bought in it counts, including those who started late (a rate per year
    since each customer's own first purchase would give that first purchase
    no time behind it, and recent customers would inflate the rate).

    Parameters
    ----------
    sales : pandas.DataFrame
        Sales lines with ``customer_id``, ``order_id``, ``order_date``,
        ``revenue`` and ``margin``, plus ``by`` if given. Pass the lines net
        of returns (:func:`xsell_lab.data.company.net_of_returns`) for the average
        order value of notebooks 01 and 10.
    as_of : str or pandas.Timestamp
        Last day of the data used (inclusive).
    lifespan_years : float, optional
        Expected customer lifespan. By default the lifespan the data supports
        (``supported_lifespan_years`` of :func:`lifespan_estimate`): ``1 / annual
        churn``, where annual churn is the share of customers who bought in the
        year before the last one and did not buy in the last year, but no longer
        than the history itself.
    by : str, optional
        Column to compute the formula per group (``"segment"``, or
        ``"customer_id"`` for the per-customer version sales teams use). Every
        group shares the period of the whole ``sales``; rows whose ``by`` is
        missing are left out.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by it, with the ``by`` column first (e.g.
        ``customer_id``) then :data:`HISTORICAL_COLUMNS`; one row of
        :data:`HISTORICAL_COLUMNS` when ``by`` is None. A default ``RangeIndex``.
    """
    end = pd.Timestamp(as_of).normalize()
    used = sales.loc[sales[s.ORDER_DATE] < end + pd.Timedelta(days=1)]
    if lifespan_years is None:
        lifespan_years = float(lifespan_estimate(used, end)["supported_lifespan_years"].iloc[0])
    period_years = max(((end - used[s.ORDER_DATE].min().normalize()).days + 1) / 365.25, _MIN_YEARS)
    group = pd.Series("all", index=used.index) if by is None else used[by]
    orders = used.assign(group=group).groupby(["group", s.CUSTOMER_ID, s.ORDER_ID], as_index=False).agg(
        revenue=(s.REVENUE, "sum"), margin=("margin", lambda values: values.sum(min_count=1))
    )
    table = orders.groupby("group").agg(
        customers=(s.CUSTOMER_ID, "nunique"),
        orders=(s.ORDER_ID, "size"),
        revenue=("revenue", "sum"),
        margin=("margin", lambda values: values.sum(min_count=1)),
    )
    table = table.assign(
        average_order_value=table["revenue"] / table["orders"],
        purchases_per_year=table["orders"] / table["customers"] / period_years,
        margin_rate=table["margin"] / table["revenue"],
        lifespan_years=float(lifespan_years),
    )
    table["historical_clv"] = (
        table["average_order_value"] * table["purchases_per_year"] * table["margin_rate"] * table["lifespan_years"]
    )
    if by is None:
        return table[HISTORICAL_COLUMNS].reset_index(drop=True)
    return table[HISTORICAL_COLUMNS].rename_axis(by).reset_index()


@renamed_parameters(observation_end="as_of")
def cohort_curves(
    sales: pd.DataFrame, as_of: str | pd.Timestamp, *, period: str = "M"
) -> pd.DataFrame:
    """Retention and revenue of customer cohorts by age (periods since the first purchase).

    Parameters
    ----------
    sales : pandas.DataFrame
        Sales lines with ``customer_id``, ``order_date`` and ``revenue``.
    as_of : str or pandas.Timestamp
        Last day of the data; only periods that ended by then are shown.
    period : {"M", "Q"}, default "M"
        Cohort and age unit: month or quarter.

    Returns
    -------
    pandas.DataFrame
        One row per cohort and age, columns :data:`COHORT_COLUMNS`:
        ``cohort`` (first day of the cohort's period), ``age`` (0 = the
        period of the first purchase), ``cohort_size``, ``active_customers``
        (bought in that period), ``retention`` (their share),
        ``revenue``, ``revenue_per_customer`` and its cumulative sum.
    """
    if period not in ("M", "Q"):
        raise ValueError(f"period must be 'M' or 'Q'. Got {period!r}.")
    end = pd.Timestamp(as_of).normalize()
    days = purchase_days(sales.loc[sales[s.ORDER_DATE] < end + pd.Timedelta(days=1)])
    months_per_period = 1 if period == "M" else 3
    month_index = days["purchase_date"].dt.year * 12 + days["purchase_date"].dt.month - 1
    period_index = month_index // months_per_period
    cohort_index = period_index.groupby(days[s.CUSTOMER_ID]).transform("min")
    last_complete = ((end + pd.Timedelta(days=1)).year * 12 + (end + pd.Timedelta(days=1)).month - 1) // months_per_period - 1
    frame = pd.DataFrame(
        {"cohort_index": cohort_index, "age": period_index - cohort_index, "customer": days[s.CUSTOMER_ID],
         "spend": days["spend"]}
    ).loc[period_index <= last_complete]
    sizes = frame.loc[frame["age"] == 0].groupby("cohort_index")["customer"].nunique().rename("cohort_size")
    observed = frame.groupby(["cohort_index", "age"]).agg(active_customers=("customer", "nunique"), revenue=("spend", "sum"))
    grid = pd.MultiIndex.from_tuples(
        [(c, age) for c in sizes.index for age in range(last_complete - c + 1)], names=["cohort_index", "age"]
    )
    curves = observed.reindex(grid, fill_value=0).reset_index().merge(sizes, on="cohort_index")
    curves["retention"] = curves["active_customers"] / curves["cohort_size"]
    curves["revenue_per_customer"] = curves["revenue"] / curves["cohort_size"]
    curves["cumulative_revenue_per_customer"] = curves.groupby("cohort_index")["revenue_per_customer"].cumsum()
    months = curves["cohort_index"] * months_per_period
    curves["cohort"] = pd.to_datetime({"year": months // 12, "month": months % 12 + 1, "day": 1})
    return curves[COHORT_COLUMNS]


#: Columns of :func:`lifespan_estimate`.
LIFESPAN_COLUMNS = [
    "window_days", "customers_before", "customers_stayed", "annual_churn", "lifespan_years", "history_years",
    "supported_lifespan_years",
]


def _churn_table(days: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    first = days["purchase_date"].min()
    history = (end - first).days + 1
    # with a year and a quarter of history or more: the share of the customers of the year before the
    # last who did not buy in the last year; less: the same over two halves of the history, turned into
    # a yearly rate (retention compounds)
    window = 365 if history >= 365 + 90 else history // 2
    if window < 30:
        raise ValueError(
            f"Cannot estimate the annual churn from {history:,} days of orders (at least 60 are needed). "
            "Set the lifespan_years parameter."
        )
    last_window = days["purchase_date"] > end - pd.Timedelta(days=window)
    window_before = (days["purchase_date"] > end - pd.Timedelta(days=2 * window)) & ~last_window
    before = set(days.loc[window_before, s.CUSTOMER_ID])
    if not before:
        raise ValueError(
            f"Cannot estimate the annual churn: nobody bought in the {window} days before the last {window}. "
            "Set the lifespan_years parameter."
        )
    stayed = before & set(days.loc[last_window, s.CUSTOMER_ID])
    churn = 1 - (len(stayed) / len(before)) ** (365 / window)
    if churn <= 0:
        raise ValueError("Nobody churned, so the lifespan is unbounded. Set the lifespan_years parameter.")
    history_years = history / 365.25
    row = [window, len(before), len(stayed), churn, 1 / churn, history_years, min(1 / churn, history_years)]
    return pd.DataFrame([row], columns=LIFESPAN_COLUMNS)


def lifespan_estimate(sales: pd.DataFrame, as_of: str | pd.Timestamp) -> pd.DataFrame:
    """Annual churn, the lifespan it implies (``1 / churn``) and the lifespan the data supports.

    With 455 days of history or more (a year and a quarter), annual churn is the share
    of the customers who bought in the year before the last one and did not buy in the
    last year (the default of :func:`historical_clv`). With less, the two halves of the
    history play the two years and the retention over half the history is
    compounded to a year: ``churn = 1 - retention ** (365 / window_days)``, so one
    year of data works.

    ``1 / churn`` is how long customers would stay if this churn held for ever: with a
    low churn it runs far beyond the history (a churn of 12% a year gives 8.7 years from
    one year of orders), an extrapolation the data cannot check. The lifespan the data
    supports is ``1 / churn`` capped at the length of the history, the default of
    :func:`historical_clv`.

    Parameters
    ----------
    sales : pandas.DataFrame
        Sales lines with ``customer_id``, ``order_date`` and ``revenue``.
    as_of : str or pandas.Timestamp
        Last day of the data used (inclusive).

    Returns
    -------
    pandas.DataFrame
        One row of :data:`LIFESPAN_COLUMNS`: the length of each window in days,
        the customers who bought in the earlier window, how many of them bought
        again in the later one, the annual churn, the lifespan it implies
        (``lifespan_years``, ``1 / annual_churn``), the length of the history in
        years (first purchase day to ``as_of``, inclusive, in years of 365.25 days)
        and ``supported_lifespan_years``, the smaller of the two.

    Raises
    ------
    ValueError
        When the history is shorter than 60 days, nobody bought in the earlier
        window or everybody came back.
    """
    end = pd.Timestamp(as_of).normalize()
    used = sales.loc[sales[s.ORDER_DATE] < end + pd.Timedelta(days=1)]
    return _churn_table(purchase_days(used), end)


def horizon_months(sales: pd.DataFrame, as_of: str | pd.Timestamp, horizon: str | int = "auto") -> int:
    """The CLV horizon: the one given, or 12 months capped at half the history.

    A model fitted on a year of orders has seen customers for at most a year;
    forecasting further ahead than half of what it saw extrapolates, so the
    default is ``min(12, whole months of history // 2)`` (at least 1).

    Parameters
    ----------
    sales : pandas.DataFrame
        With ``order_date``.
    as_of : str or pandas.Timestamp
        Last day of the history.
    horizon : str or int, default "auto"
        A number of months, or ``"auto"`` / ``""`` for the default.

    Returns
    -------
    int
    """
    if str(horizon).strip() not in ("auto", ""):
        months = int(horizon)
        if months < 1:
            raise ValueError(f"horizon_months must be a whole number of months, 1 or more, or 'auto'; got {horizon!r}.")
        return months
    days = (pd.Timestamp(as_of).normalize() - sales[s.ORDER_DATE].min().normalize()).days + 1
    return int(max(1, min(12, int(days / 30.4375) // 2)))
