"""Sales and contact channels, and personal fit: where and how should a cross-sell offer reach the customer?

Two kinds of channel meet in cross-selling. The **purchase channel** is where
an order was placed (``orders.channel``: store, web, app, phone); the
**contact channel** is how an offer was sent (``offers.channel``: email, sms;
``none`` for a control group). This module measures both, and the "personal
touch" of an offer (does it fit what the customer already owns?).

Purchase channels (observational: who uses a channel also differs)
    :func:`channel_performance` (cross-sell rate, attach rate, AOV and
    revenue contribution per channel, with counts and intervals),
    :func:`preferred_channel_share` (how often customers buy through the
    channel they say they prefer).
Contact channels (randomised: a fair comparison)
    :func:`choose_contact_experiment` (the test a notebook compares channels
    in), :func:`contact_channel_response` (response and uplift over control
    per arm), :func:`arm_balance` (are the arms the same population?),
    :func:`choose_contact_channel` (the channel offers would use),
    :func:`best_channel_gap` (the best channel against the next one of the
    same test, with its own interval), and the sentences that read them:
    :func:`contact_channel_sentences`, :func:`contact_channel_answer`.
Personalization
    :func:`tier_match` (do customers pick the accessory tier that matches
    their device?), :func:`offer_tier_fit` (did an offer match the device
    the customer owns?).

Inputs are never modified. Missing columns and bad values raise
:class:`~xsell_lab.data.validation.DataValidationError` naming the table, the
column, the count and an example.

References
----------
Neslin, S. A. et al. (2006). Challenges and opportunities in multichannel
customer management. *Journal of Service Research*, 9(2), 95-112.
Kumar, V. & Venkatesan, R. (2005). Who are the multichannel shoppers and how
do they perform? *Journal of Interactive Marketing*, 19(2), 44-62.
Kohavi, R., Tang, D. & Xu, Y. (2020). *Trustworthy Online Controlled
Experiments*. Cambridge University Press (ch. 3: randomisation and balance).
Arora, N. et al. (2008). Putting one-to-one marketing to work: personalization,
customization, and choice. *Marketing Letters*, 19, 305-321.
Wilson, E. B. (1927). Probable inference, the law of succession, and
statistical inference. *JASA*, 22(158), 209-212.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from xsell_lab import catalogue, experiments, kpis
from xsell_lab._text import counted, p_value_text
from xsell_lab.data import schema as s
from xsell_lab.data.validation import AUTOMATIC, DataValidationError, Problem, as_list, require_columns
from xsell_lab.stats import wilson_interval

#: Columns of :func:`channel_performance` (after the channel column).
CHANNEL_PERFORMANCE_COLUMNS = [
    "customers", "orders", "revenue", "revenue_share", "average_order_value", "aov_ci_low", "aov_ci_high",
    "cross_sold_customers", "cross_sell_rate", "cross_sell_ci_low", "cross_sell_ci_high",
    "multi_item_orders", "attach_rate", "attach_ci_low", "attach_ci_high",
    "cross_sold_revenue", "revenue_contribution", "cross_sold_revenue_share",
]
#: Columns of :func:`preferred_channel_share` (after the ``by`` columns).
PREFERRED_SHARE_COLUMNS = [
    "orders", "in_preferred", "share_in_preferred", "ci_low", "ci_high", "chance_share", "preference_strength",
]
#: Columns of :func:`contact_channel_response`.
CONTACT_RESPONSE_COLUMNS = [
    s.EXPERIMENT_ID, s.VARIANT, s.CHANNEL, "customers", "conversions", "conversion_rate", "ci_low", "ci_high",
    "uplift", "uplift_ci_low", "uplift_ci_high", "p_value", "p_adjusted",
]
#: Columns of :func:`best_channel_gap`.
CHANNEL_GAP_COLUMNS = [
    s.EXPERIMENT_ID, "best_variant", "best_channel", "other_variant", "other_channel", "customers_best", "customers_other",
    "estimate", "ci_low", "ci_high", "p_value",
]
#: Columns of :func:`arm_balance`.
ARM_BALANCE_COLUMNS = [s.EXPERIMENT_ID, "attribute", "levels", "customers", "chi2", "dof", "p_value", "balanced"]
#: Columns of :func:`tier_match`.
TIER_MATCH_COLUMNS = ["category", "lines", "matched", "match_rate", "ci_low", "ci_high", "chance_rate", "match_lift"]
#: Columns :func:`offer_tier_fit` adds to the offers.
OFFER_FIT_COLUMNS = ["device_category", "device_tier", "offered_tier", "tier_matched"]

_SALES_LINES = "sales_lines"


# --- purchase channels ------------------------------------------------------------


def channel_performance(
    lines: pd.DataFrame, *, channel: str = s.CHANNEL, level: str = "category", confidence: float = 0.95
) -> pd.DataFrame:
    """Cross-sell KPIs per purchase channel, with counts and confidence intervals.

    Per channel, on the order lines placed through it (definitions of
    :mod:`xsell_lab.kpis`, after Kamakura 2008 and Farris et al. 2010)::

        cross-sell rate      = customers with >= 2 distinct items in the channel / customers of the channel
        attach rate          = orders with >= 2 distinct items / orders      (basket attach, any add-on)
        AOV                  = revenue / orders
        revenue contribution = revenue outside each customer's primary item / revenue
        cross-sold revenue share = the channel's cross-sold revenue / all cross-sold revenue

    Rates get Wilson intervals (Wilson 1927); the AOV gets a Student-t
    interval on the per-order revenues (the mean of many orders is close to
    normal even when order values are skewed). The primary item is found on
    all of ``lines`` (the customer's first order), so a customer's later
    purchases count as cross-sold in whichever channel they happen.

    Differences between channels describe, they do not explain: customers
    choose their channel, and who they are (segment, device) drives both.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`: ``customer_id``, ``order_id``,
        ``order_date``, ``revenue``, ``channel`` and the ``level`` column.
    channel : str
        Column holding the purchase channel.
    level : {"category", "product"}
        What counts as a different item.
    confidence : float
        Level of the intervals, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        ``channel`` then :data:`CHANNEL_PERFORMANCE_COLUMNS`, one row per
        channel, by revenue (largest first).
    """
    _check_confidence(confidence)
    item = s.item_column(level)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, "revenue", channel, item], _SALES_LINES)
    _refuse_empty(lines, channel, _SALES_LINES)
    rate = kpis.cross_sell_rate(lines, level=level, by=channel).set_index(channel)
    contribution = kpis.revenue_contribution(lines, level=level, by=channel).set_index(channel)
    per_order = lines.groupby([channel, s.ORDER_ID], observed=True).agg(revenue=("revenue", "sum"), items=(item, "nunique"))
    orders = per_order.groupby(level=0, observed=True).agg(
        orders=("revenue", "size"), revenue=("revenue", "sum"), aov_sd=("revenue", "std"),
        multi_item_orders=("items", lambda n: int((n >= 2).sum())),
    )
    table = orders.join(rate[["customers", "cross_sold_customers", "cross_sell_rate"]]).join(
        contribution[["cross_sold_revenue", "revenue_contribution"]]
    )
    table["revenue_share"] = table["revenue"] / table["revenue"].sum()
    table["average_order_value"] = table["revenue"] / table["orders"]
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(table["orders"] - 1, 1))
    half = t * table["aov_sd"].fillna(0.0) / np.sqrt(table["orders"])
    table["aov_ci_low"], table["aov_ci_high"] = table["average_order_value"] - half, table["average_order_value"] + half
    table["cross_sell_ci_low"], table["cross_sell_ci_high"] = wilson_interval(
        table["cross_sold_customers"], table["customers"], confidence)
    table["attach_rate"] = table["multi_item_orders"] / table["orders"]
    table["attach_ci_low"], table["attach_ci_high"] = wilson_interval(
        table["multi_item_orders"], table["orders"], confidence)
    table["cross_sold_revenue_share"] = table["cross_sold_revenue"] / table["cross_sold_revenue"].sum()
    table = table.astype({"customers": "int64", "cross_sold_customers": "int64", "multi_item_orders": "int64"})
    table = table.sort_values("revenue", ascending=False, kind="stable").reset_index()
    return table[[channel, *CHANNEL_PERFORMANCE_COLUMNS]]


def preferred_channel_share(
    orders: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """How often customers order through the channel they prefer.

    ::

        share in preferred = orders placed in the customer's preferred_channel / orders

    ``chance_share`` is what the share would be if the channel of an order
    had nothing to do with the stated preference, with the group's own mix of
    preferences and channels: ``sum over c of P(preferred = c) x P(channel = c)``
    (the expected agreement of Cohen's kappa; Cohen 1960, *Educational and
    Psychological Measurement* 20(1)). A share well above chance means the
    stored preference is worth using when choosing where to make an offer.
    ``preference_strength`` is Cohen's kappa,
    ``(share - chance) / (1 - chance)``: the share of orders that follow the
    preference beyond what chance gives. When a customer orders in the
    preferred channel with probability p and otherwise in a channel drawn
    from the group's preference mix, kappa equals p.
    Orders of customers without a preferred channel are left out.

    Parameters
    ----------
    orders : pandas.DataFrame
        ``customer_id``, ``channel`` (and ``by`` columns found in ``orders``).
    customers : pandas.DataFrame
        ``customer_id``, ``preferred_channel`` (and ``by`` columns found in ``customers``).
    by : str or list of str, optional
        Group columns, e.g. ``"segment"``.
    confidence : float
        Level of the Wilson interval.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns then :data:`PREFERRED_SHARE_COLUMNS`; one row when
        ``by`` is None.
    """
    _check_confidence(confidence)
    keys = as_list(by)
    require_columns(orders, [s.CUSTOMER_ID, s.CHANNEL], s.ORDERS)
    require_columns(customers, [s.CUSTOMER_ID, s.PREFERRED_CHANNEL], s.CUSTOMERS)
    from_customers = [k for k in keys if k not in orders.columns]
    require_columns(customers, from_customers, s.CUSTOMERS)
    joined = orders[[s.CUSTOMER_ID, s.CHANNEL, *[k for k in keys if k in orders.columns]]].merge(
        customers[[s.CUSTOMER_ID, s.PREFERRED_CHANNEL, *from_customers]], on=s.CUSTOMER_ID, how="left", validate="many_to_one"
    )
    unknown = joined[s.PREFERRED_CHANNEL].isna() & ~joined[s.CUSTOMER_ID].isin(customers[s.CUSTOMER_ID])
    if unknown.any():
        raise DataValidationError([Problem(s.ORDERS, s.CUSTOMER_ID, "are not in table 'customers'", int(unknown.sum()),
                                           repr(joined.loc[unknown, s.CUSTOMER_ID].iloc[0]))])
    usable = joined.dropna(subset=[s.PREFERRED_CHANNEL, s.CHANNEL, *keys])
    if usable.empty:
        empty = [c for c in (s.PREFERRED_CHANNEL, *from_customers) if joined[c].isna().all()] or [s.PREFERRED_CHANNEL]
        raise DataValidationError([Problem(s.CUSTOMERS, empty[0], "of the ordering customers are filled", 0,
                                           hint="Without a stated preference there is nothing to compare the orders with")])
    joined = usable
    grouped = joined.assign(_all=0).groupby(keys or ["_all"], observed=True)
    rows = grouped.apply(_preferred_row, include_groups=False)
    rows = rows.astype({"orders": "int64", "in_preferred": "int64"})
    rows["ci_low"], rows["ci_high"] = wilson_interval(rows["in_preferred"], rows["orders"], confidence)
    rows["preference_strength"] = (rows["share_in_preferred"] - rows["chance_share"]) / (1 - rows["chance_share"])
    return rows.reset_index(drop=not keys)[[*keys, *PREFERRED_SHARE_COLUMNS]]


def _preferred_row(group: pd.DataFrame) -> pd.Series:
    hits = int((group[s.CHANNEL] == group[s.PREFERRED_CHANNEL]).sum())
    preferred_mix = group[s.PREFERRED_CHANNEL].value_counts(normalize=True)
    channel_mix = group[s.CHANNEL].value_counts(normalize=True)
    chance = float((preferred_mix * channel_mix.reindex(preferred_mix.index, fill_value=0.0)).sum())
    return pd.Series({"orders": len(group), "in_preferred": hits, "share_in_preferred": hits / len(group),
                      "chance_share": chance})


# --- contact channels (experiments) ---------------------------------------------------


def contact_channel_response(
    offers: pd.DataFrame,
    *,
    experiment_id: str | Sequence[str] | None = None,
    control: str = "control",
    confidence: float = 0.95,
    correction: str = "holm",
) -> pd.DataFrame:
    """Offer response per contact channel (experiment arm), and its uplift over the control group.

    For each arm: the response (conversion) rate with a Wilson interval
    (:func:`xsell_lab.kpis.offer_conversion_rate`); for each offer arm
    the uplift over control with Newcombe's interval, the pooled z-test and
    the p-value adjusted over the arms (:func:`xsell_lab.experiments.compare_conversion`).
    Because customers were assigned to arms at random, the arms are the same
    population and the comparison of channels is fair (check it with
    :func:`arm_balance`); differences between *purchase* channels
    (:func:`channel_performance`) are not.

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical ``offers`` table (``experiment_id``, ``variant``,
        ``channel``, ``customer_id``, ``accepted``).
    experiment_id : str or list of str, optional
        Experiments to keep; default all.
    control : str
        Name of the arm that received no offer.
    confidence : float
        Level of the intervals.
    correction : {"holm", "fdr_bh", "bonferroni", "none"}
        Multiple-testing correction over the arms of an experiment.

    Returns
    -------
    pandas.DataFrame
        :data:`CONTACT_RESPONSE_COLUMNS`, one row per experiment and arm,
        control first; the uplift columns are empty on the control row.
        ``channel`` is the arm's contact channel (joined with ``+`` if an arm
        used several).
    """
    require_columns(offers, [s.EXPERIMENT_ID, s.VARIANT, s.CHANNEL, s.CUSTOMER_ID, s.ACCEPTED], s.OFFERS)
    if experiment_id is not None:
        wanted = as_list(experiment_id)
        absent = [e for e in wanted if e not in set(offers[s.EXPERIMENT_ID])]
        if absent:
            known = ", ".join(sorted(map(str, offers[s.EXPERIMENT_ID].unique()))[:8])
            raise DataValidationError([Problem(s.OFFERS, s.EXPERIMENT_ID, "experiment(s) asked for are not in the table",
                                               len(absent), repr(absent[0]), f"Known experiments: {known}")])
        offers = offers[offers[s.EXPERIMENT_ID].isin(wanted)]
    uplift = experiments.compare_conversion(offers, control=control, confidence=confidence, correction=correction)
    rates = kpis.offer_conversion_rate(offers, by=[s.EXPERIMENT_ID, s.VARIANT], confidence=confidence)
    rates = rates.rename(columns={"offers": "customers", "accepted": "conversions"})
    channels = offers.groupby([s.EXPERIMENT_ID, s.VARIANT], observed=True)[s.CHANNEL].agg(
        lambda c: "+".join(sorted(map(str, c.dropna().unique())))).rename(s.CHANNEL)
    table = rates.merge(channels.reset_index(), on=[s.EXPERIMENT_ID, s.VARIANT]).merge(
        uplift[[s.EXPERIMENT_ID, s.VARIANT, "uplift", "ci_low", "ci_high", "p_value", "p_adjusted"]].rename(
            columns={"ci_low": "uplift_ci_low", "ci_high": "uplift_ci_high"}),
        on=[s.EXPERIMENT_ID, s.VARIANT], how="left",
    )
    table = table.assign(_order=(table[s.VARIANT] != control).astype(int))
    table = table.sort_values([s.EXPERIMENT_ID, "_order", s.VARIANT], kind="stable").reset_index(drop=True)
    return table[CONTACT_RESPONSE_COLUMNS]


def choose_contact_experiment(offers: pd.DataFrame, experiment: str = "auto", *, control: str = "control") -> pd.Series:
    """The offer test whose contact channels a notebook compares: the one given, or the data's choice.

    ``"auto"`` (or ``""``) picks, among the experiments with a ``control``
    arm and an offer arm, the one whose offer arms use the most distinct
    contact channels (``offers.channel``); ties go to the most customers,
    then to the first ``experiment_id``.

    Parameters
    ----------
    offers : pandas.DataFrame
        ``experiment_id``, ``variant``, ``channel``, ``customer_id``.
    experiment : str
        A value of ``experiment_id``, or ``"auto"``.
    control : str
        Name of the arm that received no offer.

    Returns
    -------
    pandas.Series
        ``experiment_id``, ``channels`` (distinct contact channels of its
        offer arms), ``arms`` (control included), ``customers``,
        ``chosen_by_data``.

    Raises
    ------
    ValueError
        As :func:`xsell_lab.experiments.choose_experiment`: an experiment not
        in the data or without a control arm, or none to choose from.
    """
    require_columns(offers, [s.EXPERIMENT_ID, s.VARIANT, s.CHANNEL, s.CUSTOMER_ID], s.OFFERS)
    overview = experiments.experiment_overview(offers, control=control)
    treated = offers[offers[s.VARIANT].astype(str) != control]
    overview["channels"] = overview[s.EXPERIMENT_ID].map(
        treated.groupby(s.EXPERIMENT_ID, observed=True)[s.CHANNEL].nunique()).fillna(0).astype(int)
    automatic = experiment in AUTOMATIC
    if automatic:
        candidates = overview[overview["has_control"] & (overview["arms"] >= 2)]
        ranked = candidates.sort_values(["channels", "customers"], ascending=False, kind="stable")
        experiment = str(ranked[s.EXPERIMENT_ID].iloc[0]) if len(ranked) else experiment
    chosen = experiments.choose_experiment(offers, experiment, control=control)
    row = overview.set_index(s.EXPERIMENT_ID).loc[chosen[s.EXPERIMENT_ID]]
    return pd.Series({s.EXPERIMENT_ID: chosen[s.EXPERIMENT_ID], "channels": int(row["channels"]),
                      "arms": int(row["arms"]), "customers": int(row["customers"]),
                      "chosen_by_data": automatic})


def arm_balance(
    offers: pd.DataFrame,
    customers: pd.DataFrame,
    attributes: Sequence[str],
    *,
    threshold: float = 0.001,
) -> pd.DataFrame:
    """Are the arms of each experiment the same population? (chi-square test of independence)

    For each experiment and customer attribute (segment, region, preferred
    channel, ...): the contingency table arm x attribute level and Pearson's
    chi-square test of independence (``scipy.stats.chi2_contingency``).
    Randomisation makes the arms alike on every attribute fixed before the
    offer, so small p-values are rare; a p-value below ``threshold`` points
    to a broken assignment, as the sample-ratio check does (Kohavi, Tang &
    Xu 2020, ch. 3 and 21). Customers with an empty attribute are left out
    of that attribute's test.

    Parameters
    ----------
    offers : pandas.DataFrame
        ``experiment_id``, ``variant``, ``customer_id``.
    customers : pandas.DataFrame
        ``customer_id`` and the ``attributes``.
    attributes : sequence of str
        Customer columns to compare across arms.
    threshold : float
        p-value below which ``balanced`` is False.

    Returns
    -------
    pandas.DataFrame
        :data:`ARM_BALANCE_COLUMNS`, one row per experiment and attribute.
    """
    attributes = list(attributes)
    require_columns(offers, [s.EXPERIMENT_ID, s.VARIANT, s.CUSTOMER_ID], s.OFFERS)
    require_columns(customers, [s.CUSTOMER_ID, *attributes], s.CUSTOMERS)
    labelled = offers[[s.EXPERIMENT_ID, s.VARIANT, s.CUSTOMER_ID]].merge(
        customers[[s.CUSTOMER_ID, *attributes]], on=s.CUSTOMER_ID, how="left", validate="many_to_one")
    rows = []
    for experiment, group in labelled.groupby(s.EXPERIMENT_ID, observed=True, sort=True):
        for attribute in attributes:
            counts = pd.crosstab(group[s.VARIANT], group[attribute])
            chi2, p_value, dof, _ = stats.chi2_contingency(counts, correction=False) if min(counts.shape) > 1 else (0.0, 1.0, 0, None)
            rows.append({s.EXPERIMENT_ID: experiment, "attribute": attribute, "levels": counts.shape[1],
                         "customers": int(counts.to_numpy().sum()), "chi2": float(chi2), "dof": int(dof),
                         "p_value": float(p_value), "balanced": bool(p_value >= threshold)})
    return pd.DataFrame(rows, columns=ARM_BALANCE_COLUMNS)


def choose_contact_channel(
    response: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    orders: pd.DataFrame | None = None,
    channel: str = "auto",
    *,
    control: str = "control",
) -> pd.Series:
    """The channel offers (e.g. trigger offers) would use: the one given, or the best evidence in the data.

    ``"auto"`` (or ``""``) takes, in this order: the contact channel of the
    offer arm with the largest uplift in a randomised test (``response``,
    from :func:`contact_channel_response`); else the ``preferred_channel``
    most customers state; else the purchase channel most orders come
    through. Counting ties go to the first name.

    Parameters
    ----------
    response : pandas.DataFrame, optional
        :func:`contact_channel_response` rows (``variant``, ``channel``, ``uplift``).
    customers : pandas.DataFrame, optional
        ``preferred_channel``.
    orders : pandas.DataFrame, optional
        ``channel``.
    channel : str
        A channel, or ``"auto"``.
    control : str
        Name of the arm that received no offer.

    Returns
    -------
    pandas.Series
        ``channel``, ``reason`` (why, in words) and ``chosen_by_data``.

    Raises
    ------
    ValueError
        A given channel that none of the tables knows (the message lists
        theirs), or ``"auto"`` with no channel in any table.
    """
    tested = pd.DataFrame() if response is None else response[response[s.VARIANT].astype(str) != control].dropna(subset=["uplift"])
    stated = pd.Series(dtype=object) if customers is None else customers[s.PREFERRED_CHANNEL].dropna().astype(str)
    used = pd.Series(dtype=object) if orders is None else orders[s.CHANNEL].dropna().astype(str)
    if channel not in AUTOMATIC:
        known = sorted(set(stated) | set(used) | set(tested[s.CHANNEL].astype(str) if len(tested) else []))
        if known and channel not in known:
            raise ValueError(f"channel {channel!r} is not a channel of the data (offers.{s.CHANNEL}, "
                             f"customers.{s.PREFERRED_CHANNEL}, orders.{s.CHANNEL}: {', '.join(known)}). "
                             "Use one of them, or 'auto'.")
        return pd.Series({s.CHANNEL: channel, "reason": "set in the parameters", "chosen_by_data": False})
    if len(tested):
        best = tested.sort_values(["uplift", s.CHANNEL], ascending=[False, True], kind="stable").iloc[0]
        reason = f"the contact channel with the largest uplift in {best[s.EXPERIMENT_ID]}"
        return pd.Series({s.CHANNEL: str(best[s.CHANNEL]), "reason": reason, "chosen_by_data": True})
    for values, reason in ((stated, "the channel most customers prefer"), (used, "the channel most orders come through")):
        if len(values):
            counts = values.value_counts().sort_index(kind="stable").sort_values(ascending=False, kind="stable")
            return pd.Series({s.CHANNEL: counts.index[0], "reason": reason, "chosen_by_data": True})
    raise ValueError(f"No channel in the data: no tested offer arm, no customers.{s.PREFERRED_CHANNEL} and no "
                     f"orders.{s.CHANNEL} is filled. Set the channel.")



def best_channel_gap(offers: pd.DataFrame, response: pd.DataFrame, *, control: str = "control",
                     confidence: float = 0.95) -> pd.DataFrame:
    """The offer arm with the largest uplift against the next one of the same test: is the best channel better?

    Each arm's uplift over control (:func:`contact_channel_response`) does not
    say whether the best arm beats the second: two intervals that overlap can
    still differ, and two that do not overlap prove more than their own
    comparison. This compares the two arms directly, as a test would compare
    an offer with a control (:func:`xsell_lab.experiments.compare_conversion`
    with the second arm as the comparison: the difference of the two
    conversion rates with Newcombe's interval and the pooled z-test; Newcombe
    1998). The pair is chosen by its results, so read a p-value near 0.05 as
    a hint, not a proof.

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical ``offers`` table (``experiment_id``, ``variant``, ``customer_id``, ``accepted``).
    response : pandas.DataFrame
        :func:`contact_channel_response` of the same offers.
    control : str
        Name of the arm that received no offer.
    confidence : float
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        :data:`CHANNEL_GAP_COLUMNS`, one row per experiment with two or more
        offer arms: the arm with the largest uplift (``best_*``; ties go to
        the first channel name), the next one (``other_*``), and the
        difference of their conversion rates (``estimate``, a share) with its
        interval and p-value. Empty when no experiment has two offer arms.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between
    independent proportions. *Statistics in Medicine*, 17(8), 873-890.
    """
    require_columns(response, [s.EXPERIMENT_ID, s.VARIANT, s.CHANNEL, "customers", "uplift"], "contact_channel_response")
    rows = []
    tested = response[(response[s.VARIANT].astype(str) != control) & response["uplift"].notna()]
    for experiment, arms in tested.groupby(s.EXPERIMENT_ID, observed=True, sort=True):
        if len(arms) < 2:
            continue
        best, other = arms.sort_values(["uplift", s.CHANNEL], ascending=[False, True], kind="stable").iloc[:2].itertuples()
        pair = offers[(offers[s.EXPERIMENT_ID] == experiment) & offers[s.VARIANT].isin([best.variant, other.variant])]
        gap = experiments.compare_conversion(pair, control=other.variant, confidence=confidence, correction="none").iloc[0]
        rows.append({s.EXPERIMENT_ID: experiment, "best_variant": best.variant, "best_channel": best.channel,
                     "other_variant": other.variant, "other_channel": other.channel, "customers_best": int(best.customers),
                     "customers_other": int(other.customers), "estimate": float(gap["uplift"]), "ci_low": float(gap["ci_low"]),
                     "ci_high": float(gap["ci_high"]), "p_value": float(gap["p_value"])})
    return pd.DataFrame(rows, columns=CHANNEL_GAP_COLUMNS)


def named_test(offers: pd.DataFrame, experiment_id: str, labels: dict | None = None, *, control: str = "control") -> str:
    """A test named for a reader: "the test of the LABEL offer (ID)" when its offer arms offer one product, else "the test ID"."""
    arms = offers[(offers[s.EXPERIMENT_ID] == experiment_id) & (offers[s.VARIANT].astype(str) != control)]
    products = arms[s.PRODUCT_ID].dropna().unique() if s.PRODUCT_ID in arms else []
    if len(products) != 1:
        return f"the test {experiment_id}"
    return f"the test of the {(labels or {}).get(products[0], products[0])} offer ({experiment_id})"


def _points(value: float) -> str:
    return f"{100 * value:+.1f}"


def contact_channel_sentences(response: pd.DataFrame, gaps: pd.DataFrame, *, confidence: float = 0.95,
                              control: str = "control") -> list[str]:
    """What a channel test shows, one sentence per line: control, each channel against control, the best against the next.

    Parameters
    ----------
    response : pandas.DataFrame
        :func:`contact_channel_response` of one experiment.
    gaps : pandas.DataFrame
        :func:`best_channel_gap` of the same offers.
    confidence : float
        Level of the intervals (as computed).
    control : str
        Name of the arm that received no offer.

    Returns
    -------
    list of str
        The control arm's rate, each offer arm's uplift over control with its
        interval and adjusted p-value (:func:`xsell_lab._text.p_value_text`),
        and, with two or more offer arms, the best arm against the next with
        its own interval: the sentence says the best sells more only when
        that interval lies above zero.
    """
    said = []
    for row in response[response[s.VARIANT].astype(str) == control].itertuples():
        said.append(f"Without any offer, {row.conversion_rate:.1%} of the {counted(row.customers, 'control customer')} bought anyway.")
    for row in response[response[s.VARIANT].astype(str) != control].itertuples():
        said.append(f"By {row.channel} ({row.variant} arm): {row.conversion_rate:.1%} of {row.customers:,} bought, "
                    f"{_points(row.uplift)} percentage points over control ({confidence:.0%} CI {_points(row.uplift_ci_low)} to "
                    f"{_points(row.uplift_ci_high)}; {p_value_text(row.p_adjusted, name='adjusted p')}).")
    for gap in gaps[gaps[s.EXPERIMENT_ID].isin(response[s.EXPERIMENT_ID])].itertuples():
        said.append(f"Directly, {gap.best_channel} against {gap.other_channel}: {_points(gap.estimate)} percentage points "
                    f"({confidence:.0%} CI {_points(gap.ci_low)} to {_points(gap.ci_high)}; {p_value_text(gap.p_value)}): "
                    + (f"{gap.best_channel} sells more than {gap.other_channel}." if gap.ci_low > 0 else
                       f"the test cannot tell {gap.best_channel} from {gap.other_channel} apart; each is judged against control above."))
    return said


def contact_channel_answer(response: pd.DataFrame, gaps: pd.DataFrame, test: str, *, confidence: float = 0.95,
                           control: str = "control") -> str | None:
    """The sales director's sentence on a channel test: which channel to send offers by, and how sure.

    Parameters
    ----------
    response, gaps : pandas.DataFrame
        :func:`contact_channel_response` of one experiment and :func:`best_channel_gap`.
    test : str
        The test in words (:func:`named_test`).
    confidence : float
        Level of the intervals (as computed).
    control : str
        Name of the arm that received no offer.

    Returns
    -------
    str or None
        One sentence: the best channel's uplift over no offer with its
        interval, and against the next channel when there is one; a channel
        is named "the one to send offers by" only when it beats both no offer
        and the next channel beyond chance. None without an offer arm.
    """
    arms = response[(response[s.VARIANT].astype(str) != control) & response["uplift"].notna()]
    if arms.empty:
        return None
    best = arms.sort_values(["uplift", s.CHANNEL], ascending=[False, True], kind="stable").iloc[0]
    over_control = (f"In {test}, an offer by {best[s.CHANNEL]} raised buying by {_points(best['uplift'])} points over no offer "
                    f"({confidence:.0%} CI {_points(best['uplift_ci_low'])} to {_points(best['uplift_ci_high'])})")
    if best["uplift_ci_low"] <= 0:
        return over_control + ", which could be chance: no channel is proven yet."
    gap = gaps[(gaps[s.EXPERIMENT_ID] == best[s.EXPERIMENT_ID]) & (gaps["best_variant"] == best[s.VARIANT])]
    if gap.empty:
        return over_control + f", the only channel tested: send offers by {best[s.CHANNEL]}."
    gap = gap.iloc[0]
    against = f"{_points(gap['estimate'])} points over {gap['other_channel']} ({_points(gap['ci_low'])} to {_points(gap['ci_high'])})"
    if gap["ci_low"] > 0:
        return f"{over_control} and by {against}: send offers by {best[s.CHANNEL]}."
    return (f"{over_control}, but the test cannot tell it from {gap['other_channel']} ({against}): "
            f"{best[s.CHANNEL]} is the better bet, not a proven winner.")


# --- personalization -------------------------------------------------------------------


def tier_match(
    lines: pd.DataFrame,
    products: pd.DataFrame,
    *,
    device_categories: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Do customers pick the accessory tier that matches their device's tier?

    Looks at orders holding exactly one tiered device (a product of
    ``device_categories`` with a tier) and, in the same order, accessories
    of categories that offer a product of the device's tier. Per accessory
    category::

        match rate  = accessory lines whose tier equals the device's tier / accessory lines
        chance rate = mean over those lines of (products of the category with the device's tier
                      / products of the category)
        match lift  = match rate / chance rate

    The chance rate is what a customer picking among the category's products
    at random would show. A lift well above 1 says customers choose by fit
    with what they own: an offer of the *matching* tier speaks to the
    customer's own history (personalization in the sense of Arora et al.
    2008). This is observational: it shows what customers choose, not that a
    matched offer would be answered more often.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`: ``order_id``, ``product_id``, ``category``, ``tier``.
    products : pandas.DataFrame
        The ``products`` table: ``product_id``, ``category``, ``tier``.
    device_categories : sequence of str, optional
        Categories that are devices (anchors). Default: the categories other
        products require (:func:`xsell_lab.catalogue.device_categories` of
        :func:`xsell_lab.catalogue.category_requirements`: the ``requires`` column of
        ``products``, else derived from ``lines``, which then needs
        ``customer_id`` and ``order_date``).
    confidence : float
        Level of the Wilson interval.

    Returns
    -------
    pandas.DataFrame
        :data:`TIER_MATCH_COLUMNS`, one row per accessory category, most
        lines first.
    """
    _check_confidence(confidence)
    require_columns(lines, [s.ORDER_ID, s.PRODUCT_ID, s.CATEGORY, s.TIER], _SALES_LINES)
    require_columns(products, [s.PRODUCT_ID, s.CATEGORY, s.TIER], s.PRODUCTS)
    device_categories = _devices(products, lines, device_categories)
    is_device = lines[s.CATEGORY].isin(list(device_categories)) & lines[s.TIER].notna()
    devices = lines.loc[is_device, [s.ORDER_ID, s.TIER]].rename(columns={s.TIER: "device_tier"})
    devices = devices[devices.groupby(s.ORDER_ID)[s.ORDER_ID].transform("size") == 1]
    accessories = lines.loc[~lines[s.CATEGORY].isin(list(device_categories)) & lines[s.TIER].notna(),
                            [s.ORDER_ID, s.CATEGORY, s.TIER]]
    paired = accessories.merge(devices, on=s.ORDER_ID)
    tiers = products.dropna(subset=[s.TIER])
    offered = tiers.groupby([s.CATEGORY, s.TIER]).size().rename("with_tier").reset_index()
    offered = offered.merge(products.groupby(s.CATEGORY).size().rename("in_category").reset_index(), on=s.CATEGORY)
    paired = paired.merge(offered.rename(columns={s.TIER: "device_tier"}), on=[s.CATEGORY, "device_tier"], how="inner")
    paired = paired.assign(matched=paired[s.TIER] == paired["device_tier"], chance=paired["with_tier"] / paired["in_category"])
    table = paired.groupby(s.CATEGORY).agg(lines=("matched", "size"), matched=("matched", "sum"), chance_rate=("chance", "mean"))
    table = table.astype({"lines": "int64", "matched": "int64"})
    table["match_rate"] = table["matched"] / table["lines"]
    table["ci_low"], table["ci_high"] = wilson_interval(table["matched"], table["lines"], confidence)
    table["match_lift"] = table["match_rate"] / table["chance_rate"]
    table = table.reset_index().rename(columns={s.CATEGORY: "category"})
    return table.sort_values(["lines", "category"], ascending=[False, True], kind="stable").reset_index(drop=True)[TIER_MATCH_COLUMNS]


def offer_tier_fit(
    offers: pd.DataFrame,
    lines: pd.DataFrame,
    products: pd.DataFrame,
    *,
    device_categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Did each offer's product match the tier of the customer's device?

    The device is the customer's most recent purchase of a tiered product of
    ``device_categories`` on or before the offer date. ``tier_matched`` is
    True when the offered product's tier equals the device's tier, False
    when both have a tier and they differ, and empty when either has none
    (including control rows, which are kept: their product is what the arm
    would have offered). Use it to split a randomised test by fit, e.g.
    ``experiments.segment_effects(offers, fitted, segment_column="tier_matched")``
    per experiment: within each fit group the arms are still randomised.

    Parameters
    ----------
    offers : pandas.DataFrame
        ``offer_id``, ``customer_id``, ``product_id``, ``offer_date``.
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`: ``customer_id``, ``order_date``, ``category``, ``tier``.
    products : pandas.DataFrame
        ``product_id``, ``tier`` (and ``category``, ``requires`` for the default devices).
    device_categories : sequence of str, optional
        Categories that are devices; default as in :func:`tier_match`.

    Returns
    -------
    pandas.DataFrame
        ``offers`` (same rows, same order) plus :data:`OFFER_FIT_COLUMNS`;
        ``tier_matched`` is a nullable boolean.
    """
    require_columns(offers, [s.OFFER_ID, s.CUSTOMER_ID, s.PRODUCT_ID, s.OFFER_DATE], s.OFFERS)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, s.CATEGORY, s.TIER], _SALES_LINES)
    require_columns(products, [s.PRODUCT_ID, s.TIER], s.PRODUCTS)
    device_categories = _devices(products, lines, device_categories)
    devices = lines.loc[lines[s.CATEGORY].isin(list(device_categories)) & lines[s.TIER].notna(),
                        [s.CUSTOMER_ID, s.ORDER_DATE, s.CATEGORY, s.TIER]]
    devices = devices.rename(columns={s.CATEGORY: "device_category", s.TIER: "device_tier"})
    devices = devices.sort_values(s.ORDER_DATE, kind="stable")
    keyed = offers[[s.OFFER_ID, s.CUSTOMER_ID, s.OFFER_DATE]].sort_values(s.OFFER_DATE, kind="stable")
    last = pd.merge_asof(keyed, devices, left_on=s.OFFER_DATE, right_on=s.ORDER_DATE, by=s.CUSTOMER_ID, direction="backward")
    tiers = products.set_index(s.PRODUCT_ID)[s.TIER]
    fitted = offers.merge(last[[s.OFFER_ID, "device_category", "device_tier"]], on=s.OFFER_ID, how="left", validate="one_to_one")
    fitted["offered_tier"] = fitted[s.PRODUCT_ID].map(tiers)
    both = fitted["device_tier"].notna() & fitted["offered_tier"].notna()
    fitted["tier_matched"] = pd.array((fitted["device_tier"] == fitted["offered_tier"]).to_numpy(), dtype="boolean")
    fitted.loc[~both, "tier_matched"] = pd.NA
    return fitted


# --- helpers ---------------------------------------------------------------------------


def _devices(products: pd.DataFrame, lines: pd.DataFrame, given: Sequence[str] | None) -> list[str]:
    """The device categories: those given, else those the catalogue's roles name."""
    if given is not None:
        return list(given)
    return list(catalogue.device_categories(catalogue.category_requirements(products, lines)))


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1). Got {confidence!r}.")


def _refuse_empty(frame: pd.DataFrame, column: str, table: str) -> None:
    empty = frame[column].isna()
    if empty.any():
        position = int(np.flatnonzero(empty.to_numpy())[0])
        raise DataValidationError([Problem(table, column, "are empty (every order needs a channel here)", int(empty.sum()),
                                           f"order {frame[s.ORDER_ID].iloc[position]!r} (row {position + 1})",
                                           "Fill the channel or drop those orders before comparing channels")])
