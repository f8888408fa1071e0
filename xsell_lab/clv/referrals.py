"""Value with referrals: a customer is worth what they bought and what the customers they brought bought.

Advocates bring customers: Kumar, Petersen & Leone (2007) value a customer's referrals
besides their purchases (customer referral value). Here the value is historical and one
level deep::

    value_with_referrals(c) = own_value(c) + sum of own_value(r) over the customers r that c referred

with ``own_value`` the margin (or revenue) of the lines a customer bought and kept
(:func:`xsell_lab.kept_lines`). :func:`ranking_change` says how much the ranking of "who
is worth keeping" moves when referrals count: Spearman's rank correlation of the two values
and the overlap of the two top-N lists.

References
----------
Kumar, V., Petersen, J. A. & Leone, R. P. (2007). How valuable is word of mouth? *Harvard
Business Review*, 85(10), 139-146.
Spearman, C. (1904). The proof and measurement of association between two things. *American
Journal of Psychology*, 15, 72-101.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns

#: Columns of :func:`value_with_referrals`.
REFERRAL_VALUE_COLUMNS = [s.CUSTOMER_ID, "own_value", "referred_customers", "referred_value", "value_with_referrals",
                          "rank_own", "rank_with_referrals"]
#: Columns of :func:`ranking_change`.
RANKING_CHANGE_COLUMNS = ["customers", "rank_correlation", "top", "top_overlap", "top_overlap_share", "entered_top"]


def value_with_referrals(lines: pd.DataFrame, referrals: pd.DataFrame, *, value: str = "margin") -> pd.DataFrame:
    """Each customer's own value, the value of the customers they referred, and the two added up.

    Parameters
    ----------
    lines : pandas.DataFrame
        Lines bought and kept (:func:`xsell_lab.kept_lines`): ``customer_id`` and the ``value`` column.
    referrals : pandas.DataFrame
        The canonical ``referrals`` table (``referrer_id``, ``customer_id``).
    value : str, default "margin"
        The column of ``lines`` that is summed (``"margin"`` or ``"revenue"``); empty values count 0.

    Returns
    -------
    pandas.DataFrame
        :data:`REFERRAL_VALUE_COLUMNS`, one row per customer who bought or referred,
        sorted by ``value_with_referrals`` (highest first, then ``customer_id``).
        ``rank_own`` / ``rank_with_referrals``: 1 for the most valuable customer by
        each value (ties broken by ``customer_id``).
    """
    require_columns(lines, [s.CUSTOMER_ID, value], "sales lines")
    require_columns(referrals, [s.REFERRER_ID, s.CUSTOMER_ID], s.REFERRALS)
    own = pd.to_numeric(lines[value], errors="coerce").fillna(0.0).groupby(lines[s.CUSTOMER_ID]).sum()
    links = referrals[[s.REFERRER_ID, s.CUSTOMER_ID]].drop_duplicates(s.CUSTOMER_ID)
    links = links.assign(referred_value=links[s.CUSTOMER_ID].map(own).fillna(0.0))
    brought = links.groupby(s.REFERRER_ID).agg(referred_customers=(s.CUSTOMER_ID, "size"), referred_value=("referred_value", "sum"))
    ids = own.index.union(brought.index)
    table = pd.DataFrame({s.CUSTOMER_ID: ids, "own_value": own.reindex(ids, fill_value=0.0).to_numpy(),
                          "referred_customers": brought["referred_customers"].reindex(ids, fill_value=0).astype(int).to_numpy(),
                          "referred_value": brought["referred_value"].reindex(ids, fill_value=0.0).to_numpy()})
    table["value_with_referrals"] = table["own_value"] + table["referred_value"]
    for column, rank in (("own_value", "rank_own"), ("value_with_referrals", "rank_with_referrals")):
        order = table.sort_values([column, s.CUSTOMER_ID], ascending=[False, True], kind="stable").index
        table.loc[order, rank] = np.arange(1, len(table) + 1)
        table[rank] = table[rank].astype(int)
    return table.sort_values("rank_with_referrals").reset_index(drop=True)[REFERRAL_VALUE_COLUMNS]


def ranking_change(values: pd.DataFrame, *, top: int = 100) -> pd.DataFrame:
    """How much counting referrals moves the ranking of customers by value.

    Parameters
    ----------
    values : pandas.DataFrame
        :func:`value_with_referrals`.
    top : int, default 100
        Length of the "worth keeping" list compared (at most the number of customers).

    Returns
    -------
    pandas.DataFrame
        One row, :data:`RANKING_CHANGE_COLUMNS`: ``rank_correlation`` is Spearman's
        correlation of ``own_value`` and ``value_with_referrals`` over every customer;
        ``top_overlap`` the customers in both top lists; ``entered_top`` those in the
        top list only once referrals count.
    """
    require_columns(values, ["own_value", "value_with_referrals", "rank_own", "rank_with_referrals"], "customer values")
    if top < 1:
        raise ValueError(f"top is the length of a list of customers, 1 or more; got {top!r}.")
    top = min(int(top), len(values))
    in_own, in_with = values["rank_own"] <= top, values["rank_with_referrals"] <= top
    correlation = stats.spearmanr(values["own_value"], values["value_with_referrals"]).statistic if len(values) > 1 else np.nan
    overlap = int((in_own & in_with).sum())
    row = {"customers": len(values), "rank_correlation": float(correlation), "top": top, "top_overlap": overlap,
           "top_overlap_share": overlap / top if top else np.nan, "entered_top": int((in_with & ~in_own).sum())}
    return pd.DataFrame([row], columns=RANKING_CHANGE_COLUMNS)
