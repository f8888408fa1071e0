"""After the offer: do offers annoy customers, and are cross-sold purchases as happy as others?

Two questions of the documents' "annoyed customer", measured rather than mentioned:

Opt-outs after contact (:func:`offer_contacts`, :func:`opt_out_rates`)
    Each row of the offers table is a contact (an offer arm) or a randomised non-contact
    (the control arm). A contact is followed by an opt-out when the customer unsubscribes or
    complains (the ``opt_outs`` table) within ``window_days`` after it. Grouped by how many
    offers the customer had received before (the over-selling check) and by a support touch
    shortly before the offer (customers with a problem, who may not want to be disturbed),
    with Wilson intervals (Wilson 1927). The control arm gives the rate without contact.
Feedback on cross-sold purchases (:func:`purchase_feedback`, :func:`matched_difference`)
    A sold line is cross-sold when its category is not the customer's primary item (the
    top category of their first order, :func:`xsell_lab.kpis.primary_items`: the lab's one
    definition, as in :func:`~xsell_lab.kpis.revenue_contribution`). Cross-sold purchases
    are compared with purchases of the same category by customers for whom it was the
    primary item, in the same segment and month: coarsened exact matching (Iacus, King &
    Porro 2012), each stratum weighted by its cross-sold purchases (the effect on the
    cross-sold), with the stratified variance of Cochran (1977, ch. 5) from the pooled
    within-stratum variance of each group. Outcomes: the post-purchase NPS (a promoter
    counts +100, a detractor -100, so the mean is the NPS; Reichheld 2003) and the return
    rate (the ``returns`` table).

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*JASA*, 22, 209-212.
Iacus, S. M., King, G. & Porro, G. (2012). Causal inference without balance checking:
coarsened exact matching. *Political Analysis*, 20(1), 1-24.
Cochran, W. G. (1977). *Sampling Techniques* (3rd ed.), ch. 5. Wiley.
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*, 81(12).
Shah, D. & Kumar, V. (2012). The dark side of cross-selling. *Harvard Business Review*, 90(12).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.kpis import primary_items
from xsell_lab.stats import wilson_interval

#: Columns of :func:`offer_contacts`.
CONTACT_COLUMNS = [s.OFFER_ID, s.CUSTOMER_ID, s.OFFER_DATE, s.EXPERIMENT_ID, s.VARIANT, "contacted", "offers_before",
                   "support_before", "opted_out", "complained"]
#: Columns of :func:`opt_out_rates` (after the group columns).
OPT_OUT_COLUMNS = ["offers", "opted_out", "opt_out_rate", "ci_low", "ci_high"]
#: Columns of :func:`purchase_feedback`.
PURCHASE_FEEDBACK_COLUMNS = [s.ORDER_ID, s.PRODUCT_ID, s.CUSTOMER_ID, s.CATEGORY, s.SEGMENT, "month", "cross_sold",
                             "returned", s.NPS_SCORE, "nps_points"]
#: Columns of :func:`matched_difference`.
MATCHED_COLUMNS = ["outcome", "cross_sold_purchases", "comparable_purchases", "strata", "unmatched_cross_sold",
                   "cross_sold_mean", "comparable_mean", "estimate", "std_error", "ci_low", "ci_high", "p_value"]
#: The label of a control-arm row in :func:`opt_out_rates`' ``contact`` column.
NOT_CONTACTED = "not contacted (control)"


def offer_contacts(
    offers: pd.DataFrame,
    opt_outs: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    window_days: int = 60,
    support_days: int = 90,
    control: str = "control",
) -> pd.DataFrame:
    """Every offer with what came after it: did the customer opt out within ``window_days``?

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical offers table.
    opt_outs : pandas.DataFrame
        The canonical ``opt_outs`` table (``customer_id``, ``opt_out_date``, ``reason``).
    events : pandas.DataFrame, optional
        The ``marketing_events`` table, for ``support_before``; without it that column is empty.
    window_days : int, default 60
        Days after the offer date (the day itself excluded) in which an opt-out counts.
    support_days : int, default 90
        Days before the offer in which a ``support`` event makes ``support_before`` true.
    control : str, default "control"
        The arm that was not contacted.

    Returns
    -------
    pandas.DataFrame
        :data:`CONTACT_COLUMNS`, one row per offer made while the customer had not opted
        out yet (an offer after the customer's first opt-out is left out: it should not
        have been sent, and ``frame.attrs["after_opt_out"]`` counts them). ``contacted``:
        an offer arm; ``offers_before``: offer-arm offers the customer received earlier;
        ``opted_out`` / ``complained``: the customer's first opt-out (a complaint) fell
        in the window.
    """
    require_columns(offers, [s.OFFER_ID, s.CUSTOMER_ID, s.OFFER_DATE, s.EXPERIMENT_ID, s.VARIANT], s.OFFERS)
    require_columns(opt_outs, [s.CUSTOMER_ID, s.OPT_OUT_DATE, s.REASON], s.OPT_OUTS)
    if window_days < 1 or support_days < 1:
        raise ValueError(f"window_days and support_days are whole days, 1 or more; got {window_days!r} and {support_days!r}.")
    frame = offers.sort_values([s.CUSTOMER_ID, s.OFFER_DATE, s.OFFER_ID], kind="stable")[CONTACT_COLUMNS[:5]].reset_index(drop=True)
    frame["contacted"] = frame[s.VARIANT] != control
    frame["offers_before"] = frame.groupby(s.CUSTOMER_ID)["contacted"].cumsum().astype(int) - frame["contacted"].astype(int)
    first = opt_outs.sort_values(s.OPT_OUT_DATE, kind="stable").drop_duplicates(s.CUSTOMER_ID).set_index(s.CUSTOMER_ID)
    out_date = frame[s.CUSTOMER_ID].map(first[s.OPT_OUT_DATE])
    after = out_date <= frame[s.OFFER_DATE]
    days = (out_date - frame[s.OFFER_DATE]).dt.days
    frame["opted_out"] = (days >= 1) & (days <= window_days)
    frame["complained"] = frame["opted_out"] & (frame[s.CUSTOMER_ID].map(first[s.REASON]) == "complaint")
    frame["support_before"] = _support_before(frame, events, support_days)
    kept = frame[~after.fillna(False)].reset_index(drop=True)
    kept.attrs["after_opt_out"] = int(after.fillna(False).sum())
    return kept[CONTACT_COLUMNS]


def _support_before(frame: pd.DataFrame, events: pd.DataFrame | None, days: int) -> pd.Series:
    """Whether the customer had a support event in the ``days`` days before each offer (NA without events)."""
    if events is None:
        return pd.Series(pd.NA, index=frame.index, dtype="boolean")
    support = events.loc[events[s.EVENT_TYPE] == "support", [s.CUSTOMER_ID, s.EVENT_DATE]]
    joined = frame[[s.CUSTOMER_ID, s.OFFER_DATE]].reset_index().merge(support, on=s.CUSTOMER_ID)
    before = (joined[s.EVENT_DATE] < joined[s.OFFER_DATE]) & (joined[s.EVENT_DATE] >= joined[s.OFFER_DATE] - pd.Timedelta(days=days))
    return pd.Series(frame.index.isin(joined.loc[before, "index"]), index=frame.index, dtype="boolean")


def opt_out_rates(contacts: pd.DataFrame, *, by: str | None = None, most: int = 3, confidence: float = 0.95) -> pd.DataFrame:
    """Opt-out rate after an offer, by how many offers came before it (the over-selling check).

    Parameters
    ----------
    contacts : pandas.DataFrame
        :func:`offer_contacts`.
    by : str, optional
        Another column of ``contacts`` to split by (e.g. ``"support_before"``).
    most : int, default 3
        Offers of this rank and later are one group ("3rd or later").
    confidence : float, default 0.95
        Level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        ``contact`` (``"not contacted (control)"``, ``"1st offer"``, ``"2nd offer"``, ...,
        the last "or later"), the ``by`` column when given, then :data:`OPT_OUT_COLUMNS`.
    """
    require_columns(contacts, ["contacted", "offers_before", "opted_out"], "offer contacts")
    rank = (contacts["offers_before"] + 1).clip(upper=most)
    labels = {k: f"{k}{_suffix(k)} offer" + (" or later" if k == most else "") for k in range(1, most + 1)}
    contact = rank.map(labels).where(contacts["contacted"], NOT_CONTACTED)
    order = [NOT_CONTACTED, *labels.values()]
    keys = ["contact"] + ([by] if by else [])
    grouped = contacts.assign(contact=pd.Categorical(contact, categories=order, ordered=True)).groupby(keys, observed=True)
    table = grouped["opted_out"].agg(offers="size", opted_out="sum").reset_index()
    table["opted_out"] = table["opted_out"].astype(int)
    table["opt_out_rate"] = table["opted_out"] / table["offers"]
    table["ci_low"], table["ci_high"] = wilson_interval(table["opted_out"], table["offers"], confidence)
    table["contact"] = table["contact"].astype(str)
    return table[keys + OPT_OUT_COLUMNS]


def _suffix(k: int) -> str:
    return {1: "st", 2: "nd", 3: "rd"}.get(k if k < 20 else k % 10, "th")


def purchase_feedback(lines: pd.DataFrame, purchase_surveys: pd.DataFrame | None, returns: pd.DataFrame | None) -> pd.DataFrame:
    """Every sold line with whether it was cross-sold, returned, and its post-purchase score.

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines as sold (:func:`xsell_lab.sales_lines`): ``order_id``, ``product_id``,
        ``customer_id``, ``order_date``, ``category``, ``segment``, ``revenue``.
    purchase_surveys : pandas.DataFrame or None
        The ``purchase_surveys`` table (first answer per line); None: every score empty.
    returns : pandas.DataFrame or None
        The ``returns`` table; None: ``returned`` empty.

    Returns
    -------
    pandas.DataFrame
        :data:`PURCHASE_FEEDBACK_COLUMNS`, one row per line: ``month`` the order's
        month (``YYYY-MM``), ``cross_sold`` (category is not the customer's primary item),
        ``returned`` (any unit came back; NA without a returns table), ``nps_score`` (NA
        when not asked) and ``nps_points`` (+100 promoter 9-10, 0 passive 7-8, -100 detractor 0-6).
    """
    require_columns(lines, [s.ORDER_ID, s.PRODUCT_ID, s.CUSTOMER_ID, s.ORDER_DATE, s.CATEGORY, s.SEGMENT, "revenue"], "sales lines")
    frame = lines.merge(primary_items(lines, level="category"), on=s.CUSTOMER_ID, how="left")
    frame["cross_sold"] = frame[s.CATEGORY] != frame["primary_item"]
    frame["month"] = frame[s.ORDER_DATE].dt.strftime("%Y-%m")
    key = [s.ORDER_ID, s.PRODUCT_ID]
    if returns is None:
        frame["returned"] = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    else:
        back = returns[key].drop_duplicates().assign(returned=True)
        frame = frame.merge(back, on=key, how="left")
        frame["returned"] = frame["returned"].astype("boolean").fillna(False)
    if purchase_surveys is None:
        frame[s.NPS_SCORE] = pd.Series(np.nan, index=frame.index)
    else:
        answers = purchase_surveys.sort_values(s.SURVEY_DATE, kind="stable").drop_duplicates(key)[[*key, s.NPS_SCORE]]
        frame = frame.merge(answers, on=key, how="left")
    score = pd.to_numeric(frame[s.NPS_SCORE], errors="coerce")
    frame["nps_points"] = np.select([score >= 9, score <= 6], [100.0, -100.0], 0.0)
    frame.loc[score.isna(), "nps_points"] = np.nan
    frame[s.SEGMENT] = frame[s.SEGMENT].astype(object).where(frame[s.SEGMENT].notna(), "(not recorded)")
    return frame[PURCHASE_FEEDBACK_COLUMNS].reset_index(drop=True)


def matched_difference(
    feedback: pd.DataFrame,
    outcome: str,
    *,
    match_on: list[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Cross-sold purchases against comparable ones, matched exactly on ``match_on`` (coarsened exact matching).

    ::

        estimate = sum_k w_k (mean_cross_k - mean_comparable_k),   w_k = cross-sold purchases in stratum k / all matched
        std_error^2 = sum_k w_k^2 (v_cross / n_cross_k + v_comparable / n_comparable_k)

    with ``v`` each group's pooled within-stratum variance (Cochran 1977, ch. 5). Only the
    strata holding both kinds of purchase count; the cross-sold purchases of the others are
    reported as unmatched.

    Parameters
    ----------
    feedback : pandas.DataFrame
        :func:`purchase_feedback`.
    outcome : str
        ``"nps_points"`` (the NPS) or ``"returned"`` (the return rate); rows where it is empty are left out.
    match_on : list of str, optional
        Strata columns; default ``["category", "segment", "month"]``.
    confidence : float, default 0.95
        Level of the normal interval.

    Returns
    -------
    pandas.DataFrame
        One row, :data:`MATCHED_COLUMNS`: ``estimate`` is cross-sold minus comparable
        (NPS points, or a difference of shares for ``returned``); NaN when no stratum matches.
    """
    match_on = match_on or [s.CATEGORY, s.SEGMENT, "month"]
    require_columns(feedback, ["cross_sold", outcome, *match_on], "purchase feedback")
    data = feedback.dropna(subset=[outcome]).assign(y=lambda f: f[outcome].astype(float))
    cells = data.groupby([*match_on, "cross_sold"], observed=True)["y"].agg(["size", "mean", "var"]).unstack("cross_sold")
    both = cells.dropna(subset=[("size", True), ("size", False)])
    crossed = int(data["cross_sold"].sum())
    row = dict.fromkeys(MATCHED_COLUMNS, np.nan)
    row.update(outcome=outcome, strata=len(both), cross_sold_purchases=int(both[("size", True)].sum()) if len(both) else 0,
               comparable_purchases=int(both[("size", False)].sum()) if len(both) else 0)
    row["unmatched_cross_sold"] = crossed - row["cross_sold_purchases"]
    if both.empty:
        return pd.DataFrame([row], columns=MATCHED_COLUMNS)
    weight = both[("size", True)] / both[("size", True)].sum()
    pooled = {flag: _pooled_variance(both[("size", flag)], both[("var", flag)]) for flag in (True, False)}
    estimate = float((weight * (both[("mean", True)] - both[("mean", False)])).sum())
    se = float(np.sqrt((weight**2 * (pooled[True] / both[("size", True)] + pooled[False] / both[("size", False)])).sum()))
    z = stats.norm.ppf(0.5 + confidence / 2)
    row.update(cross_sold_mean=float((weight * both[("mean", True)]).sum()), comparable_mean=float((weight * both[("mean", False)]).sum()),
               estimate=estimate, std_error=se, ci_low=estimate - z * se, ci_high=estimate + z * se,
               p_value=float(2 * stats.norm.sf(abs(estimate) / se)) if se > 0 else np.nan)
    return pd.DataFrame([row], columns=MATCHED_COLUMNS)


def _pooled_variance(sizes: pd.Series, variances: pd.Series) -> float:
    """The within-stratum variance pooled over strata: sum (n_k - 1) v_k / sum (n_k - 1)."""
    dof = (sizes - 1).clip(lower=0)
    return float((dof * variances.fillna(0)).sum() / dof.sum()) if dof.sum() > 0 else np.nan
