"""Margins when the data has no unit costs: an explicit, stated assumption, never a silent 0.

:func:`xsell_lab.sales_lines` computes ``margin = quantity x (unit_price - unit_cost)``,
empty where a product has no ``unit_cost`` (UCI Online Retail has none). Summed, the
empty margins become 0 and every lifetime value 0. :func:`with_assumed_margin` fills
them from an explicit rate (a notebook's ``assumed_margin_rate`` parameter) and records
where each line's margin comes from; :func:`margin_statement` says it in one sentence,
to be printed wherever a margin is shown; :func:`margin_known` tells a section whether
it may speak of margin at all (otherwise it falls back to revenue, labelled, or skips).
"""

from __future__ import annotations

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns

#: Values of the ``margin_source`` column added by :func:`with_assumed_margin`.
MARGIN_SOURCES = ("unit_cost", "assumed", "unknown")


def with_assumed_margin(sales: pd.DataFrame, assumed_margin_rate: float = 0.0) -> pd.DataFrame:
    """Sales lines whose missing margins are ``assumed_margin_rate x revenue``.

    Parameters
    ----------
    sales : pandas.DataFrame
        Sales lines with ``revenue`` and ``margin`` (:func:`xsell_lab.sales_lines`).
    assumed_margin_rate : float, default 0.0
        Share of revenue kept as margin on lines without a unit cost, in ``[0, 1)``.
        ``0.0`` means *no assumption*: those lines keep an empty margin.

    Returns
    -------
    pandas.DataFrame
        A copy of ``sales`` with ``margin`` filled where it was empty (only when the
        rate is above 0) and a ``margin_source`` column: ``"unit_cost"``,
        ``"assumed"`` or ``"unknown"`` (:data:`MARGIN_SOURCES`).

    Raises
    ------
    ValueError
        When ``assumed_margin_rate`` is outside ``[0, 1)``.
    """
    require_columns(sales, [s.REVENUE, "margin"], "sales")
    rate = float(assumed_margin_rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(
            f"assumed_margin_rate must be a share of revenue between 0 (no assumption) and 1, e.g. 0.3; got {assumed_margin_rate!r}."
        )
    missing = sales["margin"].isna()
    out = sales.assign(margin_source=pd.Series("unit_cost", index=sales.index).where(~missing, "unknown"))
    if rate > 0 and missing.any():
        out.loc[missing, "margin"] = out.loc[missing, s.REVENUE] * rate
        out.loc[missing, "margin_source"] = "assumed"
    return out


def margin_known(sales: pd.DataFrame) -> bool:
    """Whether every line has a margin (from its unit cost or assumed), so margins may be summed."""
    return len(sales) > 0 and bool(sales["margin"].notna().all())


def margin_statement(sales: pd.DataFrame, assumed_margin_rate: float = 0.0) -> str:
    """Where the margins come from, in one sentence that names the notebook parameter.

    Parameters
    ----------
    sales : pandas.DataFrame
        Output of :func:`with_assumed_margin`.
    assumed_margin_rate : float
        The rate given to it.

    Returns
    -------
    str
        E.g. ``"This data has no unit costs: every margin below assumes 30% of revenue
        (the assumed_margin_rate parameter), it is not measured."``
    """
    require_columns(sales, [s.REVENUE, "margin_source"], "sales")
    revenue = sales.groupby("margin_source")[s.REVENUE].sum().reindex(MARGIN_SOURCES, fill_value=0.0)
    total = revenue.sum()
    share = {source: (revenue[source] / total if total > 0 else 0.0) for source in MARGIN_SOURCES}
    if share["unknown"] == 0 and share["assumed"] == 0:
        return "Margins are measured: revenue minus the products' unit costs."
    if share["unknown"] > 0:
        have = "no unit costs" if share["unit_cost"] == 0 else f"no unit costs for {share['unknown']:.0%} of revenue"
        return (
            f"This data has {have} and no margin rate is assumed, so margins are unknown: the sections below show "
            "revenue instead where they can, labelled as such, and skip the rest. To speak of margin, add a unit_cost "
            "column to the products file, or set the assumed_margin_rate parameter (e.g. 0.3 for 30% of revenue)."
        )
    where = "every margin below assumes" if share["unit_cost"] == 0 else (
        f"{share['unit_cost']:.0%} of revenue has unit costs; the margin of the rest assumes")
    return (
        f"This data has {'no' if share['unit_cost'] == 0 else 'incomplete'} unit costs: {where} {assumed_margin_rate:.0%} "
        "of revenue (the assumed_margin_rate parameter); it is an assumption, not a measurement."
    )
