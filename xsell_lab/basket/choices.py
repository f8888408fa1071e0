"""Which items a notebook studies when its parameters say "auto": the data decides.

:func:`choose_pairs`
    Several pairs without a shared item, the most customers first: the
    items of a hand-sized example drawn from the data.
:func:`choose_next_pair`
    The "A, then B in the next order" pair with the highest lift: the
    add-on customers come back for (ink after a printer).

Both read a long table of order lines such as :func:`xsell_lab.sales_lines`
returns. :func:`xsell_lab.basket.choose_pair` chooses one pair bought by the
most customers, at any time.
"""

from __future__ import annotations

import warnings

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab._deprecation import renamed_parameters
from xsell_lab.basket.sequences import LINES, LINES_HINT, NEXT_ORDER_COLUMNS, next_order_rules, pair_counts
from xsell_lab.data.validation import AUTOMATIC, require_columns, require_known_values


#: Deprecated (removed in 0.3): items are keyed by :func:`xsell_lab.data.schema.item_column`.
LEVEL_COLUMNS = {"category": s.CATEGORY, "product": s.PRODUCT_NAME}


def level_column(level: str) -> str:
    """Deprecated: the sales-lines column ``category`` or ``product_name`` (removed in 0.3).

    Grouping products by name merges distinct products that share one. Analyses
    group by :func:`xsell_lab.data.schema.item_column` (``category`` or
    ``product_id``) and show :func:`xsell_lab.catalogue.item_labels`.

    Parameters
    ----------
    level : {"category", "product"}
        The analysis level.

    Raises
    ------
    ValueError
        Any other level (the message lists the two).
    """
    warnings.warn("basket.level_column is deprecated and will be removed in 0.3: group by "
                  "xsell_lab.data.schema.item_column(level) (product_id at product level) and show "
                  "xsell_lab.catalogue.item_labels(products, level).", FutureWarning, stacklevel=2)
    if level not in LEVEL_COLUMNS:
        raise ValueError(f"level must be one of {', '.join(map(repr, LEVEL_COLUMNS))} (or 'auto' in a notebook); got {level!r}.")
    return LEVEL_COLUMNS[level]


@renamed_parameters(item_col="item_column")
def choose_pairs(lines: pd.DataFrame, count: int, *, item_column: str = s.CATEGORY) -> pd.DataFrame:
    """The ``count`` pairs with the most customers that share no item.

    Going down :func:`~xsell_lab.basket.pair_counts` (most customers first),
    a pair is kept when neither of its items is in a pair kept before.

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_date`` and ``item_column``.
    count : int
        Number of pairs wanted (>= 1).
    item_column : str
        ``"category"`` or ``"product_id"`` (``item_col=`` until 0.3).

    Returns
    -------
    pandas.DataFrame
        ``count`` rows of :data:`~xsell_lab.basket.PAIR_COLUMNS`, most
        customers first, index 0 .. count - 1.

    Raises
    ------
    ValueError
        When the data holds fewer than ``count`` such pairs (the message says
        how many items and pairs it has).
    """
    if count < 1:
        raise ValueError(f"count must be at least 1; got {count!r}.")
    pairs = pair_counts(lines, item_column=item_column)
    used: set[str] = set()
    kept = []
    for index, anchor, add_on in zip(pairs.index, pairs["anchor"].astype(str), pairs["add_on"].astype(str)):
        if anchor not in used and add_on not in used:
            kept.append(index)
            used |= {anchor, add_on}
        if len(kept) == count:
            return pairs.loc[kept].reset_index(drop=True)
    raise ValueError(
        f"Column '{item_column}' has {lines[item_column].nunique():,} values and {len(kept)} pair(s) without a shared item "
        f"bought by the same customers; {count} are needed."
    )


@renamed_parameters(item_col="item_column")
def choose_next_pair(
    lines: pd.DataFrame,
    anchor: str = "auto",
    add_on: str = "auto",
    *,
    item_column: str = s.CATEGORY,
    min_count: int = 20,
    min_customers: int = 0,
) -> pd.Series:
    """The anchor whose orders are most often followed by an order with the add-on.

    From :func:`~xsell_lab.basket.next_order_rules` (two different items,
    at least ``min_count`` next orders holding the add-on), the rule with the
    highest lift; ``anchor`` or ``add_on`` given keep only their rules.

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines with ``customer_id``, ``order_id``, ``order_date`` and ``item_column``.
    anchor, add_on : str
        Values of ``item_column``, or ``"auto"`` (or ``""``) to let the data decide.
    item_column : str
        ``"category"`` or ``"product_id"`` (``item_col=`` until 0.3).
    min_count : int
        Fewest next orders with the add-on for a rule to be chosen by the data
        (fewer is anecdote); ignored when both items are given.
    min_customers : int
        Fewest customers who bought the add-on for a rule to be chosen by the
        data (a model of the add-on needs buyers; a rare add-on can have the
        highest lift); ignored when ``add_on`` is given.

    Returns
    -------
    pandas.Series
        ``anchor``, ``add_on``, then the rule's ``antecedent_orders``,
        ``count``, ``probability``, ``baseline``, ``lift`` and
        ``median_lag_days``, and ``chosen_by_data`` (True when either was auto).

    Raises
    ------
    ValueError
        A given item that is not a value of ``item_column`` (the message lists the
        most sold ones), or no rule to choose from.
    """
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, item_column], LINES, hint=LINES_HINT)
    require_known_values(lines, item_column, "lines", anchor=anchor, add_on=add_on)
    rules = next_order_rules(lines, item_column=item_column)
    rules = rules[rules["antecedent"].astype(str) != rules["consequent"].astype(str)]
    given = anchor not in AUTOMATIC and add_on not in AUTOMATIC
    if not given:
        rules = rules[rules["count"] >= min_count]
    if add_on in AUTOMATIC and min_customers > 0:
        buyers = lines.groupby(item_column, observed=True)[s.CUSTOMER_ID].nunique()
        rules = rules[rules["consequent"].map(buyers).to_numpy() >= min_customers]
    if anchor not in AUTOMATIC:
        rules = rules[rules["antecedent"].astype(str) == anchor]
    if add_on not in AUTOMATIC:
        rules = rules[rules["consequent"].astype(str) == add_on]
    if rules.empty:
        wanted = " ".join(
            f"{name} {value!r}" for name, value in (("anchor", anchor), ("add-on", add_on)) if value not in AUTOMATIC
        )
        raise ValueError(
            f"No next-order pair{' with ' + wanted if wanted else ''} in column '{item_column}' ({lines[item_column].nunique():,} values, "
            f"{len(lines):,} lines): a next-purchase pair needs customers whose next order held a different item"
            + ("" if given else f", at least {min_count} times")
            + (f", with an add-on bought by at least {min_customers:,} customers." if add_on in AUTOMATIC and min_customers > 0 else ".")
        )
    best = rules.sort_values(["lift", "count"], ascending=False, kind="stable").iloc[0]
    chosen = best[NEXT_ORDER_COLUMNS].rename({"antecedent": "anchor", "consequent": "add_on"})
    chosen["chosen_by_data"] = not given
    return chosen
