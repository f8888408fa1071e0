"""Are cross-sold customers worth more, or were they worth more anyway?

Customers who buy from several categories have higher CLV almost
everywhere, but comparing them with single-category customers mixes two
things: the effect of cross-selling and *selection*, since heavy buyers
have more occasions to pick up a second category, and some segments
(small businesses) buy both more and more broadly. Two precautions reduce
the bias:

1. Define cross-selling on an early window only (the first ``window_days``
   after the first purchase) and measure value *afterwards*, so the
   outcome does not count the very purchases that made the customer
   "cross-sold".
2. Compare like with like: coarsened exact matching (Iacus, King & Porro
   2012) puts customers in strata of equal early behaviour (orders and
   spend in the window, segment, cohort...) and averages the treated-minus-
   control difference over the strata of the cross-sold customers.

What remains is still an association: unobserved differences (needs,
budgets) can drive both. Only a randomised offer (notebook 08) measures the
causal effect.

References
----------
Iacus, S. M., King, G. & Porro, G. (2012). Causal inference without
balance checking: coarsened exact matching. *Political Analysis* 20(1), 1-24.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns

#: Fewest customers each group (cross-sold and not) needs before notebooks 07 and 10 compare them: with
#: fewer, one or two customers' spend sets the gap.
MIN_GROUP_CUSTOMERS = 30

#: Columns of :func:`early_cross_sell_status`.
STATUS_COLUMNS = [s.CUSTOMER_ID, "first_purchase", "early_orders", "early_spend", "early_categories", "cross_sold"]
#: Columns of :func:`matched_comparison`.
COMPARISON_COLUMNS = [
    "comparison", "treated_customers", "control_customers", "treated_mean", "control_mean", "difference",
]


def early_cross_sell_status(sales: pd.DataFrame, window_days: int = 90, *, level: str = "category") -> pd.DataFrame:
    """Whether each customer bought two or more items (categories or products) soon after their first purchase.

    Parameters
    ----------
    sales : pandas.DataFrame
        Sales lines with ``customer_id``, ``order_id``, ``order_date``,
        ``category`` and ``revenue``.
    window_days : int, default 90
        Length of the early window, the first purchase day included.
    level : {"category", "product"}, default "category"
        What counts as a different item: a category, or a product (for data
        without categories).

    Returns
    -------
    pandas.DataFrame
        One row per customer (sorted by ``customer_id``, default ``RangeIndex``),
        columns :data:`STATUS_COLUMNS`: ``customer_id``, ``first_purchase``, ``early_orders`` and ``early_spend`` (in the
        window), ``early_categories`` (distinct items of ``level`` bought in the
        window) and ``cross_sold`` (``early_categories >= 2``).
    """
    item = s.item_column(level)
    first = sales.groupby(s.CUSTOMER_ID)[s.ORDER_DATE].transform("min").dt.normalize()
    early = sales.loc[sales[s.ORDER_DATE] < first + pd.Timedelta(days=window_days)]
    table = early.groupby(s.CUSTOMER_ID, as_index=False).agg(
        first_purchase=(s.ORDER_DATE, "min"),
        early_orders=(s.ORDER_ID, "nunique"),
        early_spend=(s.REVENUE, "sum"),
        early_categories=(item, "nunique"),
    )
    table["first_purchase"] = table["first_purchase"].dt.normalize()
    table["cross_sold"] = table["early_categories"] >= 2
    return table[STATUS_COLUMNS]


#: Columns of :func:`cross_sell_followup`: :data:`STATUS_COLUMNS`, then the outcome, segment and cohort.
FOLLOWUP_COLUMNS = [*STATUS_COLUMNS, "outcome_margin", s.SEGMENT, "cohort"]


def cross_sell_followup(
    sales: pd.DataFrame,
    customers: pd.DataFrame,
    outcome_start: str | pd.Timestamp,
    window_days: int = 90,
    *,
    level: str = "category",
) -> pd.DataFrame:
    """Early cross-sell status before a date, and the margin each customer brought after it.

    The design behind "are cross-sold customers worth more?": customers whose
    whole early window (``window_days`` from their first purchase) ends on or
    before ``outcome_start`` are labelled cross-sold or not from the orders up
    to ``outcome_start``; their outcome is the margin of their orders after it.
    Feed the result to :func:`matched_comparison` with
    ``match_on=["early_orders", "early_spend", "segment", "cohort"]``.

    Parameters
    ----------
    sales : pandas.DataFrame
        Sales lines (:func:`xsell_lab.sales_lines`), with ``margin``.
    customers : pandas.DataFrame
        The ``customers`` table (for ``segment``).
    outcome_start : str or pandas.Timestamp
        Last day of the labelling period; the outcome counts orders after it.
    window_days : int, default 90
        Length of the early window.
    level : {"category", "product"}, default "category"
        As in :func:`early_cross_sell_status`.

    Returns
    -------
    pandas.DataFrame
        One row per customer (sorted by ``customer_id``, default ``RangeIndex``),
        columns :data:`FOLLOWUP_COLUMNS`: :data:`STATUS_COLUMNS` plus
        ``outcome_margin`` (0 for customers who did not buy again),
        ``segment`` (empty when ``customers`` has none) and ``cohort`` (quarter of the first purchase, e.g.
        ``"2024Q1"``).
    """
    start = pd.Timestamp(outcome_start)
    early = early_cross_sell_status(sales[sales[s.ORDER_DATE] <= start], window_days=window_days, level=level)
    early = early[early["first_purchase"] <= start - pd.Timedelta(days=window_days)].reset_index(drop=True)
    outcome = sales[sales[s.ORDER_DATE] > start].groupby(s.CUSTOMER_ID)["margin"].sum()
    segments = customers.set_index(s.CUSTOMER_ID)[s.SEGMENT] if s.SEGMENT in customers else pd.Series(dtype=object)
    return early.assign(
        outcome_margin=outcome.reindex(early[s.CUSTOMER_ID], fill_value=0.0).to_numpy(),
        segment=segments.reindex(early[s.CUSTOMER_ID]).to_numpy(),
        cohort=early["first_purchase"].dt.to_period("Q").astype(str),
    )[FOLLOWUP_COLUMNS]


def matched_comparison(
    customers: pd.DataFrame,
    *,
    treatment: str,
    outcome: str,
    match_on: list[str],
    bins: int = 4,
) -> pd.DataFrame:
    """Naive and matched (coarsened exact matching) difference in an outcome.

    Numeric matching columns are cut into ``bins`` quantile bins, other
    columns are matched exactly. Strata without both treated and control
    customers are dropped; the matched difference is the average of the
    within-stratum differences weighted by treated customers (the effect on
    the treated, ATT).

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with the treatment flag, the outcome and the
        matching columns.
    treatment : str
        Boolean column (e.g. ``cross_sold``).
    outcome : str
        Numeric column to compare (e.g. future margin or CLV).
    match_on : list of str
        Columns describing customers *before* treatment.
    bins : int, default 4
        Quantile bins per numeric matching column.

    Returns
    -------
    pandas.DataFrame
        Two rows, ``comparison`` = ``naive`` and ``matched``, with
        :data:`COMPARISON_COLUMNS`.

    Raises
    ------
    DataValidationError
        When ``customers`` lacks one of the columns named.
    ValueError
        When every customer, or none, is treated.
    """
    require_columns(customers, [treatment, outcome, *match_on], "customers")
    treated = customers[treatment].astype(bool).to_numpy()
    if treated.all() or not treated.any():
        raise ValueError(f"Column '{treatment}' must have both treated and control customers to compare.")
    strata = pd.Series(0, index=customers.index, dtype="int64")
    for column in match_on:
        values = customers[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            coarse = pd.qcut(values.rank(method="first"), q=bins, labels=False)
        else:
            coarse = pd.Series(pd.factorize(values)[0], index=customers.index)
        strata = strata * (int(coarse.max()) + 2) + coarse.astype("int64")
    frame = pd.DataFrame({"stratum": strata.to_numpy(), "treated": treated, "y": customers[outcome].to_numpy()})
    per_stratum = frame.groupby(["stratum", "treated"])["y"].agg(["mean", "size"]).unstack("treated")
    matched = per_stratum.dropna()
    weights = matched[("size", True)]
    rows = [
        _comparison_row("naive", frame.loc[frame["treated"], "y"], frame.loc[~frame["treated"], "y"]),
        {
            "comparison": "matched",
            "treated_customers": int(weights.sum()),
            "control_customers": int(matched[("size", False)].sum()),
            "treated_mean": float(np.average(matched[("mean", True)], weights=weights)),
            "control_mean": float(np.average(matched[("mean", False)], weights=weights)),
        },
    ]
    table = pd.DataFrame(rows)
    table["difference"] = table["treated_mean"] - table["control_mean"]
    return table[COMPARISON_COLUMNS]


def _comparison_row(name: str, treated: pd.Series, control: pd.Series) -> dict:
    return {
        "comparison": name,
        "treated_customers": len(treated),
        "control_customers": len(control),
        "treated_mean": float(treated.mean()),
        "control_mean": float(control.mean()),
    }

