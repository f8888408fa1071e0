"""Customer lifecycle: where each customer stands with us, and when to offer the next product.

Stages (:data:`xsell_lab.data.schema.LIFECYCLE_STAGES`), each reached on a date:

awareness
    First contact: the customer's ``signup_date`` or first ``awareness`` event.
consideration
    First ``consideration`` (or ``site_visit``) event: the customer looked at a product.
purchase
    First order.
retention
    Second order (a repeat purchase).
loyalty
    The K-th order (``loyalty_min_orders``, K = 4 by default).
advocacy
    First ``referral`` event, or first survey answer with NPS >= 9 (a promoter).

The ladder follows the customer-journey stages of Kotler & Keller (2016),
*Marketing Management*, 15th ed., ch. 5 (the "brand/marketing funnel") and the
loyalty ladder of Christopher, Payne & Ballantyne (1991), *Relationship
Marketing*. A customer's ``stage`` is the furthest stage reached.

Functions
---------
:func:`customer_stages`
    One row per customer as of a date: the stage and the date each stage was reached.
:func:`stage_funnel`, :func:`stage_distribution`, :func:`stage_transitions`
    Funnel counts and conversion, current-stage mix, stage at t0 vs t1.
:func:`time_to_next_order`, :func:`time_to_category`
    Time to the next purchase, with right censoring at ``as_of``, for a survival curve
    (:func:`kaplan_meier`, :func:`median_time` and :func:`share_within` live in
    :mod:`xsell_lab.stats.survival` and are re-exported here).
:func:`best_moment`
    For "bought A, then B" pairs: how often and how soon B follows A (the timing of a
    cross-sell offer; Li, Sun & Wilcox 2005 on sequentially ordered products). The
    counting is :mod:`xsell_lab.stats.sequences`, shared with :mod:`xsell_lab.basket`
    and :mod:`xsell_lab.triggers`: ``share_within`` is Kaplan-Meier over customers (later
    day, censored at ``as_of``), ``next_order_probability`` is
    :func:`xsell_lab.basket.next_order_rules` (orders, the next order only).
:func:`offer_timing`
    The one answer to "when to offer B after A" for a pair (or a few): the share of A's
    buyers who took B in the same basket, the share of the others who bought it within
    30 and 90 days (Kaplan-Meier), and the median delay of those later buyers, each with
    its interval. Every notebook that speaks of timing states these numbers, in the
    words of :func:`offer_timing_text` (and :func:`offer_timing_answer` for a director).
:func:`choose_timing_pair`
    The trigger, target and baseline a timing lesson studies when its parameters say
    ``"auto"``. (``next_item_rules`` is a deprecated alias of
    :func:`xsell_lab.basket.next_order_rules`.)

Inputs are canonical tables (:mod:`xsell_lab.data.schema`) and are never modified.
Errors name the table, the column, the row count and an example.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from xsell_lab._deprecation import renamed_parameters
from xsell_lab.data import schema as s
from xsell_lab.data.validation import (
    AUTOMATIC,
    DataValidationError,
    Problem,
    as_list,
    require_columns,
    require_known_values,
    table_name,
)
from xsell_lab.stats import sequences, wilson_interval
from xsell_lab.stats.survival import (  # noqa: F401 (re-exported: lifecycle.kaplan_meier worked before 0.2)
    DURATION,
    KAPLAN_MEIER_COLUMNS,
    OBSERVED,
    kaplan_meier,
    median_time,
    share_within,
)

#: Stages in ladder order.
STAGES = s.LIFECYCLE_STAGES
#: Stage of a customer with no evidence of contact by the cut-off date.
NOT_AWARE = "not_aware"
#: Ordered stage values of :func:`customer_stages` (``not_aware`` first).
STAGE_ORDER = (NOT_AWARE, *STAGES)
#: Event types that count as consideration by default.
CONSIDERATION_EVENTS = ("consideration", "site_visit")
#: Customer attributes carried into the stage table when present.
CUSTOMER_ATTRIBUTES = [s.SEGMENT, s.REGION, s.ACQUISITION_CHANNEL]
#: Date column of each stage in :func:`customer_stages`.
STAGE_DATE_COLUMNS = {stage: f"{stage}_date" for stage in STAGES}
#: Columns of :func:`best_moment`.
BEST_MOMENT_COLUMNS = [
    "trigger", "target", "trigger_customers", "bought_later", "median_lag_days", "lag_p25_days", "lag_p75_days",
    "within_days", "share_within", "next_orders", "next_order_probability",
]

#: Columns of the deprecated :func:`next_item_rules`.
NEXT_ITEM_COLUMNS = ["trigger", "target", "next_orders", "next_holds", "next_order_probability"]
#: Columns of :func:`offer_timing` with the default windows (30 and 90 days): each
#: window N adds ``later_Nd``, ``later_Nd_ci_low`` and ``later_Nd_ci_high``.
OFFER_TIMING_COLUMNS = [
    "anchor", "add_on", "anchor_customers", "same_basket", "same_basket_share", "same_basket_ci_low",
    "same_basket_ci_high", "waiting", "later_30d", "later_30d_ci_low", "later_30d_ci_high", "later_90d",
    "later_90d_ci_low", "later_90d_ci_high", "later_buyers", "median_delay_days", "median_delay_ci_low",
    "median_delay_ci_high", "censoring", "moment", "chosen_by_data",
]
#: Fewest next orders of an anchor, and fewest of them holding the add-on, for the automatic
#: pair of :func:`offer_timing`.
OFFER_TIMING_MIN_ORDERS, OFFER_TIMING_MIN_HOLDS = 30, 20
#: How :func:`offer_timing` chooses its pair when it is ``"auto"``, in words for the notebooks.
OFFER_PAIR_CHOICE = (
    f"the pair whose anchor most surely raises the chance that the next order holds the add-on: the highest lower 95% "
    f"limit of that chance over its usual rate (the lift), among pairs seen in {OFFER_TIMING_MIN_HOLDS} or more next orders"
)
#: Columns of :func:`choose_timing_pair`.
TIMING_PAIR_COLUMNS = ["trigger", "target", "baseline", "next_orders", "next_order_probability", "chosen_by_data"]


# --- stages -------------------------------------------------------------------


def customer_stages(
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    marketing_events: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    as_of: str | pd.Timestamp | None = None,
    loyalty_min_orders: int = 4,
    promoter_min_nps: int = 9,
    consideration_events: Sequence[str] = CONSIDERATION_EVENTS,
) -> pd.DataFrame:
    """Each customer's lifecycle stage as of a date, with the date each stage was reached.

    Only rows dated on or before ``as_of`` count (the whole day): the table
    shows what was known on that day. Evidence of a later stage implies the
    earlier ones: a purchase without a recorded consideration event sets the
    consideration date to the first purchase date, and any evidence at all
    sets the awareness date (so customers without marketing events are aware
    from their ``signup_date`` or, lacking one, from their first order).
    Retention and loyalty are never implied: they count orders. Advocacy does
    not require loyalty (a one-time buyer may refer a friend); the ``stage`` is
    the furthest stage reached on the ladder.

    Parameters
    ----------
    customers : pandas.DataFrame
        Needs ``customer_id``; ``signup_date`` (first contact) and the columns
        of :data:`CUSTOMER_ATTRIBUTES` are used when present.
    orders : pandas.DataFrame
        ``orders`` (or :func:`xsell_lab.sales_lines`): ``customer_id``,
        ``order_id``, ``order_date``. Each order counts once.
    marketing_events : pandas.DataFrame, optional
        ``customer_id``, ``event_date``, ``event_type``.
    surveys : pandas.DataFrame, optional
        ``customer_id``, ``survey_date``, ``nps_score``.
    as_of : str or Timestamp, optional
        The cut-off date (inclusive). Default: the latest date in the data.
    loyalty_min_orders : int
        K: a customer is loyal from their K-th order (K >= 3; K = 2 would be retention).
    promoter_min_nps : int
        NPS answers at or above this mark a promoter (9 in Reichheld 2003,
        "The one number you need to grow", *Harvard Business Review* 81(12)).
    consideration_events : sequence of str
        Event types that show consideration.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``customers``, in its order: ``customer_id``, the
        customer attributes present, ``stage`` (ordered categorical over
        :data:`STAGE_ORDER`; ``not_aware`` when nothing is known by ``as_of``),
        ``awareness_date`` ... ``advocacy_date`` (NaT when not reached),
        ``n_orders``, ``referrals``, ``last_nps`` (latest answer, NaN if none).
        ``attrs["as_of"]`` holds the cut-off.

    Raises
    ------
    DataValidationError
        Missing columns, customers unknown to ``customers``, or events, orders
        or survey answers dated before the customer's ``signup_date`` (first
        contact cannot follow a contact; fix the date or leave it empty).
    ValueError
        When ``loyalty_min_orders < 3``.
    """
    if loyalty_min_orders < 3:
        raise ValueError(f"customer_stages: loyalty_min_orders must be >= 3 (2 orders is retention). Got {loyalty_min_orders!r}.")
    sources = _stage_sources(customers, orders, marketing_events, surveys)
    _check_known_customers(customers, sources)
    _check_not_before_signup(customers, sources)
    cut = _cut_off(as_of, sources)
    within = {table: frame[frame[date] < cut + pd.Timedelta(days=1)] for table, (frame, date) in sources.items()}
    ids = customers[s.CUSTOMER_ID]
    dates = pd.DataFrame(index=pd.Index(ids, name=s.CUSTOMER_ID))
    signup = customers.set_index(s.CUSTOMER_ID)[s.SIGNUP_DATE] if s.SIGNUP_DATE in customers else None
    events = within.get(s.MARKETING_EVENTS)
    dates["awareness"] = _first(events, s.EVENT_DATE, events[s.EVENT_TYPE] == "awareness" if events is not None else None)
    if signup is not None:
        known_signup = signup.where(signup < cut + pd.Timedelta(days=1))
        dates["awareness"] = dates["awareness"].combine(known_signup.reindex(dates.index), _earliest)
    dates["consideration"] = _first(
        events, s.EVENT_DATE, events[s.EVENT_TYPE].isin(list(consideration_events)) if events is not None else None
    )
    ranked = _order_dates(within[s.ORDERS])
    for stage, rank in (("purchase", 1), ("retention", 2), ("loyalty", loyalty_min_orders)):
        dates[stage] = ranked.loc[ranked["rank"] == rank].set_index(s.CUSTOMER_ID)[s.ORDER_DATE]
    answers = within.get(s.SURVEYS)
    referral = _first(events, s.EVENT_DATE, events[s.EVENT_TYPE] == "referral" if events is not None else None)
    promoter = _first(answers, s.SURVEY_DATE, answers[s.NPS_SCORE] >= promoter_min_nps if answers is not None else None)
    dates["advocacy"] = referral.reindex(dates.index).combine(promoter.reindex(dates.index), _earliest)
    dates = _imply_earlier_stages(dates)
    return _stage_table(customers, dates, ranked, events, answers, cut)


def _stage_sources(customers, orders, marketing_events, surveys) -> dict[str, tuple[pd.DataFrame, str]]:
    require_columns(customers, [s.CUSTOMER_ID], s.CUSTOMERS)
    require_columns(orders, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE], s.ORDERS)
    sources = {s.ORDERS: (orders[[s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE]].drop_duplicates(), s.ORDER_DATE)}
    if marketing_events is not None:
        require_columns(marketing_events, [s.CUSTOMER_ID, s.EVENT_DATE, s.EVENT_TYPE], s.MARKETING_EVENTS)
        sources[s.MARKETING_EVENTS] = (marketing_events, s.EVENT_DATE)
    if surveys is not None:
        require_columns(surveys, [s.CUSTOMER_ID, s.SURVEY_DATE, s.NPS_SCORE], s.SURVEYS)
        sources[s.SURVEYS] = (surveys, s.SURVEY_DATE)
    return sources


def _check_known_customers(customers: pd.DataFrame, sources: dict) -> None:
    known = set(customers[s.CUSTOMER_ID])
    problems = []
    for table, (frame, _) in sources.items():
        unknown = ~frame[s.CUSTOMER_ID].isin(known)
        if unknown.any():
            example = frame.loc[unknown, s.CUSTOMER_ID].iloc[0]
            problems.append(Problem(table, s.CUSTOMER_ID, "refer to customers missing from table 'customers'", int(unknown.sum()), repr(example)))
    if problems:
        raise DataValidationError(problems)


def _check_not_before_signup(customers: pd.DataFrame, sources: dict) -> None:
    if s.SIGNUP_DATE not in customers:
        return
    signup = customers.set_index(s.CUSTOMER_ID)[s.SIGNUP_DATE]
    problems = []
    for table, (frame, date) in sources.items():
        their_signup = frame[s.CUSTOMER_ID].map(signup)
        early = frame[date] < their_signup
        if early.any():
            row = frame.loc[early].iloc[0]
            example = f"customer {row[s.CUSTOMER_ID]!r}: {date} {row[date]:%Y-%m-%d} < signup_date {signup[row[s.CUSTOMER_ID]]:%Y-%m-%d}"
            problems.append(
                Problem(table, date, "are dated before the customer's signup_date (first contact)", int(early.sum()), example,
                        hint="Correct signup_date, or leave it empty to date first contact from the events")
            )
    if problems:
        raise DataValidationError(problems)


def _cut_off(as_of, sources: dict) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    latest = [frame[date].max() for frame, date in sources.values() if len(frame)]
    if not latest:
        raise ValueError("customer_stages: no dated rows in orders, marketing_events or surveys; pass as_of.")
    return max(latest).normalize()


def _first(frame: pd.DataFrame | None, date: str, mask: pd.Series | None) -> pd.Series:
    """Earliest ``date`` per customer among rows where ``mask`` holds (empty Series without a table)."""
    if frame is None:
        return pd.Series(dtype="datetime64[ns]")
    return frame.loc[mask].groupby(s.CUSTOMER_ID)[date].min()


def _earliest(a, b):
    return min(x for x in (a, b) if pd.notna(x)) if pd.notna(a) or pd.notna(b) else pd.NaT


def _order_dates(orders: pd.DataFrame) -> pd.DataFrame:
    ranked = orders.sort_values([s.CUSTOMER_ID, s.ORDER_DATE, s.ORDER_ID], kind="stable")
    return ranked.assign(rank=ranked.groupby(s.CUSTOMER_ID).cumcount() + 1)


def _imply_earlier_stages(dates: pd.DataFrame) -> pd.DataFrame:
    """A purchase implies consideration; any stage implies awareness (dates: the earliest evidence)."""
    dates = dates.astype("datetime64[ns]")
    consideration = dates[["consideration", "purchase"]].min(axis=1)
    awareness = dates[list(STAGES)].min(axis=1)
    return dates.assign(consideration=consideration, awareness=awareness)


def _stage_table(customers, dates, ranked, events, answers, cut) -> pd.DataFrame:
    reached = dates[list(STAGES)].notna().to_numpy()
    furthest = np.where(reached.any(axis=1), len(STAGES) - np.argmax(reached[:, ::-1], axis=1), 0)
    table = customers[[s.CUSTOMER_ID] + [c for c in CUSTOMER_ATTRIBUTES if c in customers]].reset_index(drop=True)
    table["stage"] = pd.Categorical.from_codes(furthest, categories=list(STAGE_ORDER), ordered=True)
    for stage, column in STAGE_DATE_COLUMNS.items():
        table[column] = dates[stage].to_numpy()
    ids = table[s.CUSTOMER_ID]
    table["n_orders"] = ids.map(ranked.groupby(s.CUSTOMER_ID).size()).fillna(0).astype("int64").to_numpy()
    referrals = events.loc[events[s.EVENT_TYPE] == "referral"].groupby(s.CUSTOMER_ID).size() if events is not None else pd.Series(dtype="int64")
    table["referrals"] = ids.map(referrals).fillna(0).astype("int64").to_numpy()
    last_nps = answers.sort_values(s.SURVEY_DATE, kind="stable").groupby(s.CUSTOMER_ID)[s.NPS_SCORE].last() if answers is not None else pd.Series(dtype="float64")
    table["last_nps"] = ids.map(last_nps).astype("float64").to_numpy()
    table.attrs["as_of"] = cut
    return table


# --- funnel, distribution, transitions --------------------------------------------


def stage_funnel(stages: pd.DataFrame, *, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """How many customers reached each stage, and how many moved on from the previous one.

    ::

        conversion_rate(k) = customers who reached stages k-1 and k / customers who reached stage k-1

    a conditional probability in [0, 1] (the stage-to-stage conversion of the
    marketing funnel; Kotler & Keller 2016, ch. 5). For ``awareness`` the
    "previous stage" is being in the table at all. For ``advocacy`` the
    previous stage is loyalty, so non-loyal advocates count in ``customers``
    but not in ``converted``. Customers who reached a stage shortly before the
    cut-off have had little time to move on: their conversion is censored
    (compare cohorts of similar age, or use :func:`kaplan_meier`).

    Parameters
    ----------
    stages : pandas.DataFrame
        Output of :func:`customer_stages`.
    by : str or list of str, optional
        Group columns of ``stages`` (``segment``, ``acquisition_channel``, ``region``).

    Returns
    -------
    pandas.DataFrame
        One row per group and stage: ``stage``, ``customers`` (reached it),
        ``share_of_aware``, ``from_previous`` (reached the previous stage),
        ``converted`` (reached both), ``conversion_rate``,
        ``mean_days_from_previous`` and ``median_days_from_previous`` (over the
        converted; 0 for implied dates).
    """
    keys = as_list(by)
    require_columns(stages, [*STAGE_DATE_COLUMNS.values(), *keys], "stages")
    groups = stages.groupby(keys, sort=True, observed=True) if keys else [((), stages)]
    rows = []
    for key, frame in groups:
        labels = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        aware = int(frame[STAGE_DATE_COLUMNS["awareness"]].notna().sum())
        previous = pd.Series(pd.Timestamp(0), index=frame.index)
        for stage, column in STAGE_DATE_COLUMNS.items():
            date = frame[column]
            converted = previous.notna() & date.notna()
            lag = (date[converted] - previous[converted]) / pd.Timedelta(days=1)
            rows.append({
                **labels,
                "stage": stage,
                "customers": int(date.notna().sum()),
                "share_of_aware": date.notna().sum() / aware if aware else np.nan,
                "from_previous": int(previous.notna().sum()),
                "converted": int(converted.sum()),
                "mean_days_from_previous": lag.mean() if stage != "awareness" else np.nan,
                "median_days_from_previous": lag.median() if stage != "awareness" else np.nan,
            })
            previous = date
    funnel = pd.DataFrame(rows)
    funnel.insert(funnel.columns.get_loc("converted") + 1, "conversion_rate", funnel["converted"] / funnel["from_previous"].where(funnel["from_previous"] > 0))
    return funnel


def stage_distribution(stages: pd.DataFrame, *, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """How many customers are at each stage now (their furthest stage), per group.

    Parameters
    ----------
    stages : pandas.DataFrame
        Output of :func:`customer_stages`.
    by : str or list of str, optional
        Group columns of ``stages``.

    Returns
    -------
    pandas.DataFrame
        One row per group and stage of :data:`STAGE_ORDER` (zeros included):
        ``stage``, ``customers``, ``share`` (of the group's customers).
    """
    keys = as_list(by)
    require_columns(stages, ["stage", *keys], "stages")
    counts = stages.groupby([*keys, "stage"], observed=False).size().rename("customers").reset_index()
    totals = counts.groupby(keys)["customers"].transform("sum") if keys else counts["customers"].sum()
    return counts.assign(share=counts["customers"] / totals)


def stage_transitions(before: pd.DataFrame, after: pd.DataFrame, *, normalize: bool = True) -> pd.DataFrame:
    """Stage at the start of a period (rows) against the stage at its end (columns).

    Stages are the furthest reached, so customers only move down and right
    (a first-order Markov view of the lifecycle, as in Pfeifer & Carraway
    2000, "Modeling customer relationships as Markov chains", *Journal of
    Interactive Marketing* 14(2)); the diagonal holds those who stood still.

    Parameters
    ----------
    before, after : pandas.DataFrame
        :func:`customer_stages` of the same customers as of the period's
        start and end.
    normalize : bool
        Row shares (each row sums to 1) instead of counts.

    Returns
    -------
    pandas.DataFrame
        Index ``stage_before`` (stages with at least one customer), columns
        ``stage_after`` (every stage of :data:`STAGE_ORDER`).

    Raises
    ------
    ValueError
        When the two tables do not hold the same customers.
    """
    require_columns(before, [s.CUSTOMER_ID, "stage"], "before")
    require_columns(after, [s.CUSTOMER_ID, "stage"], "after")
    unmatched = set(before[s.CUSTOMER_ID]).symmetric_difference(after[s.CUSTOMER_ID])
    if unmatched:
        raise ValueError(
            f"stage_transitions: {len(unmatched):,} customer(s) appear in only one of the tables "
            f"'before' and 'after', e.g. {sorted(unmatched)[0]!r}; build both from the same customers table."
        )
    pairs = before[[s.CUSTOMER_ID, "stage"]].merge(after[[s.CUSTOMER_ID, "stage"]], on=s.CUSTOMER_ID, suffixes=("_before", "_after"))
    matrix = pd.crosstab(pairs["stage_before"], pairs["stage_after"], dropna=False)
    matrix = matrix.reindex(index=list(STAGE_ORDER), columns=list(STAGE_ORDER), fill_value=0)
    matrix = matrix.loc[matrix.sum(axis=1) > 0]
    matrix.index.name, matrix.columns.name = "stage_before", "stage_after"
    return matrix.div(matrix.sum(axis=1), axis=0) if normalize else matrix


# --- time to the next purchase ---------------------------------------------------------


@renamed_parameters(cutoff="as_of", item_col="item_column")
def time_to_next_order(
    lines: pd.DataFrame, *, as_of: str | pd.Timestamp | None = None, item_column: str | None = None
) -> pd.DataFrame:
    """Days from each order to the same customer's next order, censored at the cut-off.

    An order with no later order by ``as_of`` is *censored*: we only know the
    wait is longer than ``as_of - order_date`` (right censoring, Kaplan &
    Meier 1958). Orders after the cut-off are left out. Waits count calendar
    days: a time of day in ``order_date`` is dropped.

    Parameters
    ----------
    lines : pandas.DataFrame
        ``orders`` or :func:`xsell_lab.sales_lines`: ``customer_id``,
        ``order_id``, ``order_date`` (and ``item_column``).
    as_of : str or Timestamp, optional
        Last day of history (inclusive; ``cutoff=`` until 0.3). Default: the latest order date.
    item_column : str, optional
        E.g. ``"category"``: one row per order *and* item it holds, with the
        item in a column ``trigger``, to compare waits by what was bought.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``order_id``, ``order_date``, [``trigger``],
        ``duration_days`` (float, >= 0), ``observed`` (True: the next order
        came; False: censored).
    """
    columns = [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE]
    require_columns(lines, columns + ([item_column] if item_column else []), table_name(lines))
    cut = _order_cutoff(lines, as_of)
    orders = _order_days(lines, cut, columns).drop_duplicates()
    orders = orders.sort_values([s.CUSTOMER_ID, s.ORDER_DATE, s.ORDER_ID], kind="stable")
    following = orders.groupby(s.CUSTOMER_ID)[s.ORDER_DATE].shift(-1)
    end = following.fillna(cut)
    orders = orders.assign(**{DURATION: (end - orders[s.ORDER_DATE]) / pd.Timedelta(days=1), OBSERVED: following.notna()})
    if item_column:
        items = lines[[s.ORDER_ID, item_column]].drop_duplicates().rename(columns={item_column: "trigger"})
        orders = orders.merge(items, on=s.ORDER_ID)[[*columns, "trigger", DURATION, OBSERVED]]
    return orders.reset_index(drop=True)


@renamed_parameters(cutoff="as_of", item_col="item_column")
def time_to_category(
    lines: pd.DataFrame,
    trigger: object,
    target: object,
    *,
    as_of: str | pd.Timestamp | None = None,
    item_column: str = s.CATEGORY,
    waiting_only: bool = False,
) -> pd.DataFrame:
    """Days from a customer's first ``trigger`` purchase to their first later ``target`` purchase.

    Counted once per customer, from the first order holding ``trigger``; only
    orders on a later day count (the same basket is the attach rate's
    business). Customers who have not bought ``target`` by the cut-off are
    censored at ``as_of - trigger date``.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`: ``customer_id``, ``order_date``, ``item_column``.
    trigger, target : object
        Values of ``item_column``, e.g. ``"printer"`` and ``"ink"``.
    as_of : str or Timestamp, optional
        Last day of history (inclusive; ``cutoff=`` until 0.3). Default: the latest order date.
    item_column : str
        ``"category"`` or ``"product_id"`` (``item_col=`` until 0.3).
    waiting_only : bool
        Leave out the customers who bought ``target`` on the day of their first
        ``trigger`` (in the same basket): the customers whose later shares
        :func:`offer_timing` reports.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``trigger_date``, ``duration_days``, ``observed``;
        one row per customer who bought ``trigger`` (and, with
        ``waiting_only``, did not buy ``target`` that day).
    """
    waits = _trigger_waits(lines, as_of, item_column, triggers=[trigger], targets=[target])
    waits = waits.loc[waits["target"] == target] if len(waits) else waits
    if waiting_only:
        same_day = _trigger_waits(lines, as_of, item_column, triggers=[trigger], targets=[target], same_basket=True)
        same_day = same_day.loc[(same_day["target"] == target) & same_day[OBSERVED] & (same_day[DURATION] == 0), s.CUSTOMER_ID]
        waits = waits[~waits[s.CUSTOMER_ID].isin(same_day)]
    return waits[[s.CUSTOMER_ID, "trigger_date", DURATION, OBSERVED]].reset_index(drop=True)


@renamed_parameters(cutoff="as_of", item_col="item_column")
def best_moment(
    lines: pd.DataFrame,
    *,
    pairs: Sequence[tuple[object, object]] | None = None,
    within_days: int = 30,
    as_of: str | pd.Timestamp | None = None,
    item_column: str = s.CATEGORY,
    min_customers: int = 30,
) -> pd.DataFrame:
    """When to offer B after A: how often B follows A, and how soon.

    For each pair (trigger A, target B), from each customer's first purchase
    of A (see :func:`time_to_category`): the lag quartiles among customers who
    bought B later (the offer window), and the Kaplan-Meier share who buy B
    within ``within_days`` (censoring accounted for). The next-order view is
    added: of the orders holding A that were followed by another order, the
    share whose very next order held B (Li, Sun & Wilcox 2005, "Cross-selling
    sequentially ordered products", *Journal of Marketing Research* 42(2),
    on products bought in a natural order).

    The lag quartiles are among buyers by the cut-off, so long lags of recent
    triggers are not seen yet: read them as "typically", not as a law.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`: ``customer_id``, ``order_id``, ``order_date``, ``item_column``.
    pairs : sequence of (trigger, target), optional
        Pairs to report; default every pair with at least ``min_customers``
        trigger customers and one later target purchase.
    within_days : int
        N of "share within N days".
    as_of : str or Timestamp, optional
        Last day of history (inclusive; ``cutoff=`` until 0.3). Default: the latest order date.
    item_column : str
        ``"category"`` or ``"product_id"`` (``item_col=`` until 0.3).
    min_customers : int
        Smallest number of trigger customers for a default pair.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BEST_MOMENT_COLUMNS`: ``trigger``, ``target``,
        ``trigger_customers``, ``bought_later``, ``median_lag_days``,
        ``lag_p25_days``, ``lag_p75_days``, ``within_days``, ``share_within``,
        ``next_orders`` (trigger orders followed by an order),
        ``next_order_probability``; in the order of ``pairs``, or by
        ``share_within`` (highest first).
    """
    triggers = targets = None
    if pairs is not None:
        triggers, targets = [p[0] for p in pairs], [p[1] for p in pairs]
    waits = _trigger_waits(lines, as_of, item_column, triggers=triggers, targets=targets)
    if pairs is None:
        counts = waits.groupby(["trigger", "target"]).agg(n=(s.CUSTOMER_ID, "size"), later=(OBSERVED, "sum"))
        keep = counts[(counts["n"] >= min_customers) & (counts["later"] > 0)].index
        wanted = [(a, b) for a, b in keep if a != b]
    else:
        wanted = list(pairs)
    followed = sequences.next_order_rules(lines, item_column=item_column, as_of=_order_cutoff(lines, as_of))
    next_orders = followed.drop_duplicates("antecedent").set_index("antecedent")["antecedent_orders"]
    next_holds = followed.set_index(["antecedent", "consequent"])["count"]
    groups = dict(iter(waits.groupby(["trigger", "target"], sort=False)))
    rows = [
        _moment_row(groups.get((a, b), waits.iloc[:0]), a, b, within_days, next_orders.get(a, 0), next_holds.get((a, b), 0))
        for a, b in wanted
    ]
    table = pd.DataFrame(rows, columns=BEST_MOMENT_COLUMNS)
    if pairs is None:
        table = table.sort_values(["share_within", "trigger", "target"], ascending=[False, True, True], kind="stable")
    return table.reset_index(drop=True)



def offer_timing(
    lines: pd.DataFrame,
    *,
    anchor: str = "auto",
    add_on: str = "auto",
    pairs: Sequence[tuple[object, object]] | None = None,
    level: str = "category",
    within_days: Sequence[int] = (30, 90),
    as_of: str | pd.Timestamp | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """When to offer B after A: in the same basket, or later, and how much later.

    For each pair (anchor A, add-on B), counted once per customer from the day
    of their first A (:func:`xsell_lab.stats.sequences.waits`):

    - ``same_basket_share`` = customers who bought B on the day of their first
      A / customers who bought A, with Wilson's interval (Wilson 1927);
    - ``later_Nd`` = among the customers who did not (``waiting``), the share
      who bought B within N days (on day 1 to N), by Kaplan-Meier: a customer
      whose window is not over by ``as_of`` counts for as long as they were
      watched (Kaplan & Meier 1958); the interval is Greenwood's, on the
      log(-log) scale (:func:`xsell_lab.stats.survival.kaplan_meier`);
    - ``median_delay_days`` = the median wait, in days, of those who bought B
      on a later day by ``as_of`` (``later_buyers``), with the distribution-free
      interval of the median from order statistics (Conover 1999, *Practical
      Nonparametric Statistics*, 3rd ed., section 3.2). It counts only waits
      that ended by ``as_of``, so it leans short for recent anchors.

    A customer who bought B before their first A is in ``waiting`` like any
    other (a consumable is bought again).

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.kept_lines`: ``customer_id``, ``order_id``, ``order_date`` and the ``level`` column.
    anchor, add_on : str
        Values of the item column, or ``"auto"`` (or ``""``): the data chooses
        :data:`OFFER_PAIR_CHOICE`, from the next-order rules
        (:func:`xsell_lab.stats.sequences.next_order_rules`) of anchors with at
        least :data:`OFFER_TIMING_MIN_ORDERS` next orders, ranked by the lower
        limit of Wilson's interval of the next-order share divided by the
        share of all next orders holding the add-on (its ``baseline``): a pair
        seen in a handful of orders does not win on luck, nor a popular add-on
        that fills every next order anyway. Ignored when ``pairs`` is given.
    pairs : sequence of (anchor, add_on), optional
        Several pairs, one row each, in this order (e.g. the pairs bought by the
        most customers, :func:`xsell_lab.basket.choose_pairs`).
    level : {"category", "product"}
        What an item is.
    within_days : sequence of int
        The windows N (days >= 1) of the ``later_Nd`` columns.
    as_of : str or Timestamp, optional
        Last day of history (inclusive). Default: the last order date.
    confidence : float
        Level of every interval.

    Returns
    -------
    pandas.DataFrame
        :data:`OFFER_TIMING_COLUMNS` (one ``later_Nd`` triple per window N):
        ``anchor``, ``add_on``, ``anchor_customers``, ``same_basket`` (count),
        ``same_basket_share`` and its ``_ci_low``/``_ci_high``, ``waiting``,
        ``later_Nd`` with its interval, ``later_buyers``,
        ``median_delay_days`` with its interval, ``censoring``
        (``"kaplan_meier"``), ``moment`` (``"basket"`` when at least as many
        anchor buyers took the add-on on the anchor's day as are expected to
        take it within the longest window after, else ``"later"``) and
        ``chosen_by_data`` (True when the pair was ``"auto"``).

    Raises
    ------
    ValueError
        An unknown item, a window below 1 day, or (``"auto"``) data where no
        anchor's next order holds another item.
    """
    item_column = s.item_column(level)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, item_column], table_name(lines))
    windows = [int(days) for days in within_days]
    if not windows or min(windows) < 1:
        raise ValueError(f"within_days must hold whole numbers of days >= 1; got {list(within_days)!r}.")
    chosen_by_data = pairs is None and (anchor in AUTOMATIC or add_on in AUTOMATIC)
    if pairs is None:
        require_known_values(lines, item_column, table_name(lines), anchor=anchor, add_on=add_on)
        pairs = [_offer_pair(lines, anchor, add_on, item_column)]
    cut = _order_cutoff(lines, as_of)
    anchors, add_ons = [a for a, _ in pairs], [b for _, b in pairs]
    waits = sequences.waits(lines, item_column=item_column, antecedents=anchors, consequents=add_ons, as_of=cut, same_basket=True)
    groups = dict(iter(waits.groupby(["antecedent", "consequent"], sort=False)))
    rows = [_timing_row(groups.get((a, b), waits.iloc[:0]), a, b, windows, confidence) for a, b in pairs]
    columns = ["anchor", "add_on", "anchor_customers", "same_basket", "same_basket_share", "same_basket_ci_low",
               "same_basket_ci_high", "waiting"]
    columns += [f"later_{days}d{end}" for days in windows for end in ("", "_ci_low", "_ci_high")]
    columns += ["later_buyers", "median_delay_days", "median_delay_ci_low", "median_delay_ci_high", "censoring", "moment"]
    return pd.DataFrame(rows, columns=columns).assign(chosen_by_data=chosen_by_data)



def offer_timing_text(timing: pd.Series, labels: dict | None = None) -> str:
    """Two sentences from one row of :func:`offer_timing`: the measured numbers, then the moment they point to.

    The same words in every notebook that speaks of timing, so the lessons
    state the same numbers; the moment is the row's ``moment``.

    Parameters
    ----------
    timing : pandas.Series
        A row of :func:`offer_timing`.
    labels : dict, optional
        Item -> display name (:func:`xsell_lab.catalogue.item_labels`).

    Returns
    -------
    str
        E.g. "Of 910 printer buyers, 40% (interval 37%-43%) took ink in the
        same basket; of the 544 who did not, 7.4% (5.5%-10.0%) bought it within
        30 days and 16% (13%-19%) within 90 days (Kaplan-Meier), after a median
        110 days (93-132) for the 200 who bought it later by the end of the
        data. The moment for ink is the basket: ..." (intervals at the
        ``confidence`` of :func:`offer_timing`).
    """
    name = (labels or {}).get
    anchor, add_on = name(timing["anchor"], timing["anchor"]), name(timing["add_on"], timing["add_on"])
    windows = sorted(int(column[len("later_"):-1]) for column in timing.index if column.startswith("later_") and column.endswith("d"))
    later = " and ".join(
        f"{_share_and_interval(timing, f'later_{days}d')}{' bought it' if i == 0 else ''} within {days} days" for i, days in enumerate(windows)
    )
    delay = (
        f", after a median {timing['median_delay_days']:,.0f} days"
        + (f" ({timing['median_delay_ci_low']:,.0f}-{timing['median_delay_ci_high']:,.0f})" if pd.notna(timing["median_delay_ci_low"]) else "")
        + f" for the {timing['later_buyers']:,} who bought it later by the end of the data"
        if timing["later_buyers"] else ", and none bought it later by the end of the data"
    )
    facts = (
        f"Of {timing['anchor_customers']:,} {anchor} buyers, {_share(timing['same_basket_share'])} "
        f"(interval {_share(timing['same_basket_ci_low'])}-{_share(timing['same_basket_ci_high'])}) took {add_on} in the same basket; "
        f"of the {timing['waiting']:,} who did not, {later} (Kaplan-Meier){delay}."
    )
    longest = windows[-1]
    if timing["moment"] == "basket":
        moment = (f"The moment for {add_on} is the basket: more {anchor} buyers take it at the checkout than in the {longest} days after, "
                  "so offer it with the purchase and let a later reminder reach the rest.")
    else:
        moment = (f"The moment for {add_on} is later: more {anchor} buyers take it in the {longest} days after the purchase than in its "
                  "basket, so time a reminder to the delay above rather than the checkout alone.")
    return f"{facts} {moment}"



def offer_timing_answer(timing: pd.Series, labels: dict | None = None) -> str:
    """One sentence for a director from a row of :func:`offer_timing`: the moment and its two key shares.

    E.g. "For printer -> ink the moment is the basket: 40% of printer buyers
    took ink with it, and 16% of the others within 90 days." The same sentence
    closes every notebook that speaks of timing.
    """
    name = (labels or {}).get
    anchor, add_on = name(timing["anchor"], timing["anchor"]), name(timing["add_on"], timing["add_on"])
    longest = max(int(column[len("later_"):-1]) for column in timing.index if column.startswith("later_") and column.endswith("d"))
    where = "the basket" if timing["moment"] == "basket" else "later, not the basket"
    return (f"For {anchor} -> {add_on} the moment is {where}: {_share(timing['same_basket_share'])} of {anchor} buyers took "
            f"{add_on} with it, and {_share(timing[f'later_{longest}d'])} of the others within {longest} days.")


def _share_and_interval(timing: pd.Series, column: str) -> str:
    """A share with its interval, or the share alone when it has none (no event yet: 0%)."""
    low, high = timing[f"{column}_ci_low"], timing[f"{column}_ci_high"]
    interval = f" ({_share(low)}-{_share(high)})" if pd.notna(low) and pd.notna(high) else ""
    return f"{_share(timing[column])}{interval}"


def _share(value: float) -> str:
    """A share as printed in timing sentences: one decimal under 10 %, whole percent above."""
    return "–" if pd.isna(value) else f"{value:.1%}" if value < 0.1 else f"{value:.0%}"



def _offer_pair(lines: pd.DataFrame, anchor, add_on, item_column: str) -> tuple:
    """The pair of :func:`offer_timing`: the one given, or :data:`OFFER_PAIR_CHOICE`."""
    if anchor not in AUTOMATIC and add_on not in AUTOMATIC:
        return anchor, add_on
    rules = sequences.next_order_rules(lines, item_column=item_column)
    rules = rules[rules["antecedent"].astype(str) != rules["consequent"].astype(str)]
    if anchor in AUTOMATIC:
        rules = rules[rules["antecedent_orders"] >= OFFER_TIMING_MIN_ORDERS]
    else:
        rules = rules[rules["antecedent"].astype(str) == str(anchor)]
    if add_on not in AUTOMATIC:
        rules = rules[rules["consequent"].astype(str) == str(add_on)]
    rules = rules[rules["count"] >= OFFER_TIMING_MIN_HOLDS]
    if rules.empty:
        raise ValueError(
            f"In column '{item_column}', no item's next orders hold another item {OFFER_TIMING_MIN_HOLDS} times or more"
            + (f" (anchor {anchor!r})" if anchor not in AUTOMATIC else "") + (f" (add-on {add_on!r})" if add_on not in AUTOMATIC else "")
            + ": a timing lesson needs customers who come back for another item."
        )
    low_lift = wilson_interval(rules["count"], rules["antecedent_orders"], 0.95)[0] / rules["baseline"].to_numpy()
    best = rules.assign(low_lift=low_lift).sort_values(["low_lift", "count"], ascending=False, kind="stable").iloc[0]
    return best["antecedent"], best["consequent"]


def _timing_row(waits: pd.DataFrame, anchor, add_on, windows: list[int], confidence: float) -> dict:
    """One row of :func:`offer_timing` from the waits (same day counted) of one pair."""
    same_day = waits[OBSERVED] & (waits[DURATION] == 0)
    later = waits[~same_day]
    low, high = wilson_interval(int(same_day.sum()), len(waits), confidence)
    row = {
        "anchor": anchor, "add_on": add_on, "anchor_customers": len(waits), "same_basket": int(same_day.sum()),
        "same_basket_share": same_day.mean() if len(waits) else np.nan, "same_basket_ci_low": float(low),
        "same_basket_ci_high": float(high), "waiting": len(later),
    }  # fmt: skip
    curve = kaplan_meier(later, confidence=confidence) if len(later) else None
    for days in windows:
        row.update(_km_share(curve, days, f"later_{days}d"))
    lags = np.sort(later.loc[later[OBSERVED], DURATION].to_numpy())
    longest = row[f"later_{max(windows)}d"]
    moment = "basket" if row["same_basket"] >= row["waiting"] * (0.0 if np.isnan(longest) else longest) else "later"
    row.update(later_buyers=int(lags.size), censoring="kaplan_meier", moment=moment)
    row.update(zip(["median_delay_days", "median_delay_ci_low", "median_delay_ci_high"], _median_interval(lags, confidence)))
    return row


def _km_share(curve: pd.DataFrame | None, days: int, name: str) -> dict:
    """``1 - S(days)`` of a Kaplan-Meier curve and its interval (the curve's interval, turned over)."""
    if curve is None:
        return {name: np.nan, f"{name}_ci_low": np.nan, f"{name}_ci_high": np.nan}
    before = curve[curve["time"] <= days]
    if before.empty or before["survival"].iloc[-1] >= 1:
        return {name: 0.0, f"{name}_ci_low": 0.0, f"{name}_ci_high": np.nan}
    last = before.iloc[-1]
    return {name: float(1 - last["survival"]), f"{name}_ci_low": float(1 - last["ci_high"]), f"{name}_ci_high": float(1 - last["ci_low"])}


def _median_interval(values: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """The median of sorted ``values`` and its distribution-free interval ``(x_(k), x_(n-k+1))``.

    ``k`` is the largest rank with ``P(Binomial(n, 1/2) < k) <= (1 - confidence) / 2``
    (Conover 1999, section 3.2); NaN limits when ``n`` is too small for one.
    """
    n = values.size
    if n == 0:
        return np.nan, np.nan, np.nan
    k = int(stats.binom.ppf((1 - confidence) / 2, n, 0.5))  # P(B <= k - 1) < alpha / 2 <= P(B <= k)
    if k < 1:
        return float(np.median(values)), np.nan, np.nan
    return float(np.median(values)), float(values[k - 1]), float(values[n - k])


@renamed_parameters(item_col="item_column")
def next_item_rules(lines: pd.DataFrame, *, item_column: str = s.CATEGORY, min_orders: int = 1) -> pd.DataFrame:
    """Deprecated alias of :func:`xsell_lab.basket.next_order_rules` without repeats, in trigger/target words.

    .. deprecated:: 0.2
        Use :func:`xsell_lab.basket.next_order_rules` (or
        :func:`xsell_lab.stats.sequences.next_order_rules`): ``trigger`` is its
        ``antecedent``, ``target`` its ``consequent``, ``next_orders`` its
        ``antecedent_orders``, ``next_holds`` its ``count`` and
        ``next_order_probability`` its ``probability``. Removed in 0.3.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`NEXT_ITEM_COLUMNS`, pairs of different items, highest
        probability first (ties: more ``next_holds``, then by trigger and target).
    """
    warnings.warn(
        "lifecycle.next_item_rules() is deprecated (xsell-lab 0.2) and stops working in 0.3: use "
        "basket.next_order_rules() (antecedent = trigger, consequent = target, probability = next_order_probability)",
        FutureWarning,
        stacklevel=2,
    )
    return _next_item_table(lines, item_column, min_orders)


def _next_item_table(lines: pd.DataFrame, item_column: str, min_orders: int) -> pd.DataFrame:
    """The next-order rules of two different items, in trigger/target words, most probable first."""
    rules = sequences.next_order_rules(lines, item_column=item_column, min_orders=min_orders)
    rules = rules[rules["antecedent"] != rules["consequent"]].rename(columns={
        "antecedent": "trigger", "consequent": "target", "antecedent_orders": "next_orders",
        "count": "next_holds", "probability": "next_order_probability",
    })  # fmt: skip
    rules = rules.sort_values(
        ["next_order_probability", "next_holds", "trigger", "target"], ascending=[False, False, True, True], kind="stable"
    )
    return rules[NEXT_ITEM_COLUMNS].reset_index(drop=True)


@renamed_parameters(item_col="item_column")
def choose_timing_pair(
    lines: pd.DataFrame,
    trigger: str = "auto",
    target: str = "auto",
    baseline: str = "auto",
    *,
    triggers: Sequence[object] | None = None,
    item_column: str = s.CATEGORY,
    min_orders: int = 30,
) -> pd.Series:
    """The trigger, target and baseline a timing lesson studies: the ones given, or the data's choice.

    A timing lesson asks how soon after a first purchase (the trigger) customers
    buy another item (the target), against the same wait after a baseline
    purchase that gives no reason to need the target. ``"auto"`` (or ``""``)
    lets the data decide, from the next-order rules
    (:func:`xsell_lab.stats.sequences.next_order_rules`):

    - ``trigger`` and ``target``: the pair whose target most often fills the
      trigger buyers' next order, among the ``triggers`` (default: every item)
      with at least ``min_orders`` next orders; with one of them given, the
      best partner of that one;
    - ``baseline``: the first of ``triggers`` (default: the items bought by
      the most customers first) that is neither the trigger nor the target.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`: ``customer_id``, ``order_id``, ``order_date``, ``item_column``.
    trigger, target, baseline : str
        Values of ``item_column``, or ``"auto"``.
    triggers : sequence, optional
        Candidate triggers and baselines, most important first (e.g.
        :func:`xsell_lab.kpis.top_primary_items`).
    item_column : str
        ``"category"`` or ``"product_id"`` (``item_col=`` until 0.3).
    min_orders : int
        Fewest next orders an automatic trigger needs.

    Returns
    -------
    pandas.Series
        :data:`TIMING_PAIR_COLUMNS`: ``next_orders`` and
        ``next_order_probability`` of the pair (its ``antecedent_orders`` and
        ``probability`` in :func:`xsell_lab.basket.next_order_rules`);
        ``chosen_by_data`` is True when any of the three was ``"auto"``.

    Raises
    ------
    ValueError
        A given value that is not in column ``item_column`` (the message lists
        the most bought ones), a baseline equal to the trigger or target, or
        data where no trigger's next order holds another item (or no third
        item is left for the baseline).
    """
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, item_column], table_name(lines))
    items = lines.groupby(item_column, observed=True)[s.CUSTOMER_ID].nunique()
    items = items.rename("customers").reset_index().sort_values(["customers", item_column], ascending=[False, True], kind="stable")
    known = items[item_column].astype(str).tolist()
    require_known_values(lines, item_column, table_name(lines), trigger=trigger, target=target, baseline=baseline)
    pair = _timing_rule(_next_item_table(lines, item_column, 1), trigger, target, triggers, min_orders, item_column)
    chosen_baseline = _timing_baseline(pair, baseline, list(triggers) if triggers is not None else known, item_column)
    return pd.Series({
        "trigger": pair["trigger"], "target": pair["target"], "baseline": chosen_baseline,
        "next_orders": int(pair["next_orders"]), "next_order_probability": float(pair["next_order_probability"]),
        "chosen_by_data": any(value in AUTOMATIC for value in (trigger, target, baseline)),
    })[TIMING_PAIR_COLUMNS]


def _timing_rule(rules: pd.DataFrame, trigger, target, triggers, min_orders: int, item_column: str) -> pd.Series:
    """The first rule of ``rules`` that fits the given trigger and target (or the candidates, when automatic)."""
    keep = pd.Series(True, index=rules.index)
    if trigger in AUTOMATIC:
        keep &= rules["next_orders"] >= min_orders
        if triggers is not None:
            keep &= rules["trigger"].isin(list(triggers))
    else:
        keep &= rules["trigger"].astype(str) == trigger
    if target not in AUTOMATIC:
        keep &= rules["target"].astype(str) == target
    if not keep.any():
        which = f"trigger {trigger!r}" if trigger not in AUTOMATIC else f"any item followed by {min_orders}+ orders"
        wanted = f"target {target!r}" if target not in AUTOMATIC else "another item"
        raise ValueError(
            f"In column '{item_column}', no order holding {which} is followed by an order holding {wanted}: "
            "a timing lesson needs customers who come back for another item."
        )
    return rules[keep].iloc[0]


def _timing_baseline(pair: pd.Series, baseline, candidates: list, item_column: str):
    """The baseline given (checked) or the first candidate that is neither the trigger nor the target."""
    taken = {pair["trigger"], pair["target"]}
    if baseline not in AUTOMATIC:
        if baseline in taken:
            raise ValueError(f"baseline {baseline!r} must differ from the trigger and the target ({', '.join(map(str, taken))}).")
        return baseline
    left = [item for item in candidates if item not in taken]
    if not left:
        raise ValueError(
            f"No baseline left in column '{item_column}': every candidate ({', '.join(map(str, candidates))}) is the "
            "trigger or the target. A timing lesson compares with a third item."
        )
    return left[0]


def _moment_row(pair: pd.DataFrame, trigger, target, within_days: int, next_orders: int, next_holds: int) -> dict:
    lags = pair.loc[pair[OBSERVED], DURATION].to_numpy()
    p25, median, p75 = np.quantile(lags, [0.25, 0.5, 0.75]) if lags.size else (np.nan,) * 3
    return {
        "trigger": trigger,
        "target": target,
        "trigger_customers": len(pair),
        "bought_later": int(lags.size),
        "median_lag_days": median,
        "lag_p25_days": p25,
        "lag_p75_days": p75,
        "within_days": within_days,
        "share_within": share_within(kaplan_meier(pair), within_days) if len(pair) else np.nan,
        "next_orders": int(next_orders),
        "next_order_probability": next_holds / next_orders if next_orders else np.nan,
    }


# --- helpers ------------------------------------------------------------------------


def _trigger_waits(lines, as_of, item_column, *, triggers=None, targets=None, same_basket=False) -> pd.DataFrame:
    """:func:`xsell_lab.stats.sequences.waits` in trigger/target words (``trigger_date`` = first trigger purchase)."""
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item_column], table_name(lines))
    waits = sequences.waits(lines, item_column=item_column, antecedents=triggers, consequents=targets,
                            as_of=_order_cutoff(lines, as_of), same_basket=same_basket)
    return waits.rename(columns={"antecedent": "trigger", "consequent": "target", "start_date": "trigger_date"})


def _order_cutoff(lines: pd.DataFrame, as_of) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    if lines.empty:
        raise ValueError(f"table '{table_name(lines)}' is empty: no orders to measure waits from.")
    return lines[s.ORDER_DATE].max().normalize()


def _order_days(lines: pd.DataFrame, cut: pd.Timestamp, columns: list[str]) -> pd.DataFrame:
    """``columns`` of the lines ordered up to the cut-off day, with ``order_date`` as a calendar day (time of day dropped)."""
    kept = lines.loc[lines[s.ORDER_DATE] < cut + pd.Timedelta(days=1), columns]
    return kept.assign(**{s.ORDER_DATE: kept[s.ORDER_DATE].dt.normalize()})
