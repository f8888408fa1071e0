"""Event triggers: "when E happens, offer Y after D days through channel C", backtested on the history.

A trigger turns a moment in the customer's life into an offer: a printer
purchase (offer ink), a support contact (offer the care plan), a site visit.
Marketing practice calls these event-driven or trigger-based campaigns; they
answer much better than calendar mailings because they arrive when the need
is there (Kamakura 2008; Li, Sun & Wilcox 2005 on products bought in a natural
order; Blattberg, Kim & Neslin 2008, *Database Marketing*, ch. 28).

:func:`event_history`
    Purchases (one row per order and category) and marketing events in one
    table: the moments a rule can fire on.
:class:`TriggerRule`
    One rule: event, optional event category, offered category, delay,
    response window, channel and a cool-down between two firings.
:func:`purchase_rules`, :func:`event_rules`
    The rules the data suggests: purchases customers come back after for an
    add-on, and marketing events about the categories they concern most.
:func:`fire_triggers`
    Who would have been triggered when, and what they bought afterwards.
:func:`baseline_moments` and :func:`backtest_triggers`
    The hit rate of each rule against a baseline of ordinary moments, with
    intervals and the uplift (observational: nobody was randomised).
:func:`moment_verdicts`
    Which rules mark a sales moment: better than after an ordinary order
    *and* better than the same customers on a random day.
:func:`add_milestones` and :func:`milestone_rule`
    Customer milestones as events: the anniversary of a purchase (N days
    after it), so "a year after the printer, offer ink" is backtested like
    any other trigger.
:func:`delay_profile`, :func:`delay_backtest`, :func:`best_delay`
    Which delay D catches most buyers before they buy elsewhere, from the
    Kaplan-Meier curve of the purchase lag (:mod:`xsell_lab.stats.sequences`,
    :mod:`xsell_lab.stats.survival`) and
    from the backtest itself.

Timing convention: the offer goes out at the end of day ``event_date + D``;
a purchase of the offered category ``lag`` days after the event is a *hit*
when ``D < lag <= D + W`` and was *already bought* when ``0 < lag <= D``.
Anything bought on the event's own day (the same basket, for a purchase) is
neither: that is the attach rate's business (:mod:`xsell_lab.kpis`).

Inputs are never modified; bad input raises
:class:`~xsell_lab.data.validation.DataValidationError` naming the table, the
column, the count and an example.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xsell_lab import basket
from xsell_lab._deprecation import renamed_parameters
from xsell_lab.data import schema as s
from xsell_lab.data.validation import DataValidationError, Problem, require_columns
from xsell_lab.stats import newcombe_interval, pooled_z_test, sequences, wilson_interval
from xsell_lab.stats.survival import DURATION, OBSERVED, kaplan_meier, share_within

#: The ``event`` value of purchases in :func:`event_history`.
PURCHASE = "purchase"
#: The ``event`` value of the milestones :func:`add_milestones` adds (a purchase's anniversary).
MILESTONE = "milestone"
#: Name of the event table in error messages.
HISTORY = "event_history"
#: Columns of :func:`event_history`.
HISTORY_COLUMNS = [s.CUSTOMER_ID, s.EVENT_DATE, "event", s.CATEGORY, s.PRODUCT_ID, s.ORDER_ID, s.CHANNEL]
#: Columns of :func:`fire_triggers`.
TRIGGER_COLUMNS = [
    "rule", s.CUSTOMER_ID, s.EVENT_DATE, s.OFFER_DATE, "window_end", s.CHANNEL, "complete", "already_bought", "hit",
    "next_order_date", "next_order_holds_offer",
]
#: Columns of :func:`backtest_triggers`.
BACKTEST_COLUMNS = [
    "rule", "description", "baseline", "triggers", "complete", "hits", "hit_rate", "ci_low", "ci_high",
    "already_bought_share", "baseline_moments", "baseline_hits", "baseline_rate", "baseline_ci_low", "baseline_ci_high",
    "uplift", "uplift_ci_low", "uplift_ci_high", "p_value", "lift", "next_orders", "next_order_hits",
    "next_order_hit_rate", "next_ci_low", "next_ci_high", "baseline_next_order_rate",
]
#: Columns of :func:`delay_profile`.
DELAY_PROFILE_COLUMNS = ["delay_days", "window_days", "customers", "already_bought", "caught", "caught_among_waiting"]
#: Columns of :func:`delay_backtest`.
DELAY_BACKTEST_COLUMNS = ["delay_days", "window_days", "complete", "hits", "hit_rate", "ci_low", "ci_high", "already_bought_share"]
#: How :meth:`TriggerRule.describe` names the events.
_EVENT_WORDS = {PURCHASE: "purchase", "support": "support contact", "site_visit": "site visit", "referral": "referral",
                "consideration": "consideration event", MILESTONE: "milestone"}
#: Columns of :func:`moment_verdicts`.
VERDICT_COLUMNS = ["rule", "beats_ordinary_orders", "beats_same_customers", "sales_moment", "verdict"]
#: Channel values that name no channel (:meth:`TriggerRule.describe` says so in words).
UNNAMED_CHANNELS = ("", "unspecified")
#: Kinds of baseline :func:`baseline_moments` knows.
BASELINES = ("other_orders", "random_day")


# --- the event history ------------------------------------------------------------------


def event_history(
    lines: pd.DataFrame,
    marketing_events: pd.DataFrame | None = None,
    products: pd.DataFrame | None = None,
    *,
    item_column: str = s.CATEGORY,
) -> pd.DataFrame:
    """Every moment a trigger can fire on: purchases and marketing events, in one table.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`: ``customer_id``, ``order_id``,
        ``order_date``, ``product_id``, ``category``, ``channel``.
    marketing_events : pandas.DataFrame, optional
        The canonical ``marketing_events`` table (``customer_id``,
        ``event_date``, ``event_type``, ``channel``, ``product_id``).
    products : pandas.DataFrame, optional
        ``product_id``, ``category``: gives marketing events the category of
        the product concerned (empty without it).
    item_column : str
        What a rule fires on and offers: ``"category"`` (default) or
        ``"product_id"`` (:func:`xsell_lab.data.schema.item_column` of the
        ``level``). The history's ``category`` column then holds that item:
        the product id of the purchase or event at product level.

    Returns
    -------
    pandas.DataFrame
        :data:`HISTORY_COLUMNS`: one row per order and item (``event`` =
        ``"purchase"``, ``product_id`` the first product of that item in
        the order) and one per marketing event (``event`` = its
        ``event_type``, no ``order_id``); sorted by customer, date, order.
    """
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, s.PRODUCT_ID, item_column, s.CHANNEL], "sales_lines")
    _require_dates(lines, s.ORDER_DATE, "sales_lines")
    items = lines[[s.CUSTOMER_ID, s.ORDER_DATE, s.PRODUCT_ID, s.ORDER_ID, s.CHANNEL]].assign(**{s.CATEGORY: lines[item_column]})
    purchases = items[[s.CUSTOMER_ID, s.ORDER_DATE, s.CATEGORY, s.PRODUCT_ID, s.ORDER_ID, s.CHANNEL]]
    purchases = purchases.drop_duplicates([s.ORDER_ID, s.CATEGORY]).rename(columns={s.ORDER_DATE: s.EVENT_DATE})
    frames = [purchases.assign(event=PURCHASE)]
    if marketing_events is not None:
        require_columns(marketing_events, [s.CUSTOMER_ID, s.EVENT_DATE, s.EVENT_TYPE, s.CHANNEL, s.PRODUCT_ID], s.MARKETING_EVENTS)
        _require_dates(marketing_events, s.EVENT_DATE, s.MARKETING_EVENTS)
        events = marketing_events[[s.CUSTOMER_ID, s.EVENT_DATE, s.EVENT_TYPE, s.CHANNEL, s.PRODUCT_ID]]
        events = events.rename(columns={s.EVENT_TYPE: "event"})
        if item_column == s.PRODUCT_ID:
            events = events.assign(**{s.CATEGORY: events[s.PRODUCT_ID]})
        elif products is not None:
            require_columns(products, [s.PRODUCT_ID, item_column], s.PRODUCTS)
            events = events.assign(**{s.CATEGORY: events[s.PRODUCT_ID].map(products.set_index(s.PRODUCT_ID)[item_column])})
        frames.append(events)
    history = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else frames[0]
    for column in HISTORY_COLUMNS:
        if column not in history.columns:
            history[column] = pd.Series(pd.NA, index=history.index, dtype="object")
    history = history.sort_values([s.CUSTOMER_ID, s.EVENT_DATE, s.ORDER_ID], kind="stable", na_position="first")
    return history[HISTORY_COLUMNS].reset_index(drop=True)


# --- rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriggerRule:
    """When ``event`` (of ``event_category``) happens, offer ``offer`` after ``delay_days`` through ``channel``.

    Parameters
    ----------
    name : str
        Short label, e.g. ``"printer -> ink"``.
    event : str
        ``"purchase"`` or a marketing event type (``support``, ``site_visit``, ...).
    offer : str
        The category offered (what counts as a hit).
    event_category : str, optional
        Only events concerning this category (for a purchase: an order holding it).
    delay_days : int
        D: days from the event to the offer (>= 0).
    window_days : int
        W: days after the offer in which a purchase of ``offer`` counts (>= 1).
    channel : str
        Contact channel the offer would use (carried into the results).
    cooldown_days : int, optional
        A customer is not triggered again by this rule within this many days
        of the last firing; default ``delay_days + window_days`` (never two
        open offers of one rule at a time: too many triggers wear out trust).
    """

    name: str
    event: str
    offer: str
    event_category: str | None = None
    delay_days: int = 0
    window_days: int = 30
    channel: str = "email"
    cooldown_days: int | None = None

    def __post_init__(self) -> None:
        if self.delay_days < 0:
            raise ValueError(f"TriggerRule {self.name!r}: delay_days must be >= 0. Got {self.delay_days!r}.")
        if self.window_days < 1:
            raise ValueError(f"TriggerRule {self.name!r}: window_days must be >= 1. Got {self.window_days!r}.")
        if self.cooldown_days is not None and self.cooldown_days < 0:
            raise ValueError(f"TriggerRule {self.name!r}: cooldown_days must be >= 0. Got {self.cooldown_days!r}.")

    @property
    def cooldown(self) -> int:
        """Days before the rule may fire again for the same customer."""
        return self.delay_days + self.window_days if self.cooldown_days is None else self.cooldown_days

    def describe(self, labels: Mapping[str, str] | None = None) -> str:
        """The rule in one plain sentence; ``labels`` (:func:`xsell_lab.catalogue.item_labels`) names its items."""
        show = lambda item: str((labels or {}).get(item, item)).replace("_", " ")  # noqa: E731
        what = _EVENT_WORDS.get(self.event, self.event.replace("_", " "))
        if self.event_category:
            what = f"{what} of {show(self.event_category)}" if self.event == PURCHASE else f"{what} about {show(self.event_category)}"
        by = f"by {self.channel}" if self.channel not in UNNAMED_CHANNELS else "through a channel still to choose"
        if self.event == MILESTONE:
            after = f" {self.delay_days} days later" if self.delay_days else " on the day"
            return (f"On each milestone of a purchase{' of ' + show(self.event_category) if self.event_category else ''} "
                    f"(the rule {self.name!r}), offer {show(self.offer)}{after} {by}; "
                    f"a purchase in the next {self.window_days} days is a hit.")
        return (f"When a {what} happens, offer {show(self.offer)} after {self.delay_days} days {by}; "
                f"a purchase in the next {self.window_days} days is a hit.")

    def with_delay(self, delay_days: int) -> TriggerRule:
        """The same rule with another delay (the cool-down follows unless it was set)."""
        return TriggerRule(self.name, self.event, self.offer, self.event_category, delay_days, self.window_days,
                           self.channel, self.cooldown_days)


def purchase_rules(
    lines: pd.DataFrame,
    *,
    count: int = 3,
    anchor: str = "auto",
    add_on: str = "auto",
    delay_days: int = 0,
    window_days: int = 30,
    channel: str = "email",
    min_count: int = 20,
    item_column: str = s.CATEGORY,
    labels: Mapping[str, str] | None = None,
) -> list[TriggerRule]:
    """Purchase triggers the data suggests: "when a customer buys A, offer B", main rule first.

    The main rule is :func:`xsell_lab.basket.choose_next_pair` (the given
    pair, or the anchor whose orders are most often followed by an order
    with the add-on, by lift). The others are the next-order rules
    (:func:`xsell_lab.basket.next_order_rules`) followed most often, with a
    lift above 1 and at least ``min_count`` next orders, one per anchor and
    none on the main rule's anchor: the add-ons customers come back for,
    which a later offer can catch (an add-on bought in the same basket
    cannot be).

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`: ``customer_id``, ``order_id``, ``order_date``, ``category``.
    count : int
        Rules wanted (>= 1); fewer when the data has fewer.
    anchor, add_on : str
        Categories of the main rule, or ``"auto"``.
    delay_days, window_days, channel
        As in :class:`TriggerRule`, for every rule.
    min_count : int
        Fewest next orders holding the add-on for a rule chosen by the data.
    item_column : str
        What the rules fire on and offer: ``"category"`` (default) or
        ``"product_id"``, as in :func:`event_history`.
    labels : mapping, optional
        What the rules' names show for each item (:func:`xsell_lab.catalogue.item_labels`);
        default: the item itself. ``offer`` and ``event_category`` keep the items.

    Returns
    -------
    list of TriggerRule
        Named ``"anchor -> add_on"``.

    Raises
    ------
    ValueError
        ``count`` below 1, or as :func:`xsell_lab.basket.choose_next_pair`:
        a category not in the data, or no customer who came back for a
        different category.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1. Got {count!r}.")
    main = basket.choose_next_pair(lines, anchor, add_on, item_column=item_column, min_count=min_count)
    rules = basket.next_order_rules(lines, item_column=item_column)
    rules = rules[(rules["antecedent"].astype(str) != rules["consequent"].astype(str)) & (rules["lift"] > 1)
                  & (rules["count"] >= min_count) & (rules["antecedent"].astype(str) != str(main["anchor"]))]
    others = rules.sort_values(["count", "lift"], ascending=False, kind="stable").drop_duplicates("antecedent")
    pairs = [(str(main["anchor"]), str(main["add_on"]))]
    pairs += list(zip(others["antecedent"].astype(str), others["consequent"].astype(str)))[: count - 1]
    show = lambda item: str((labels or {}).get(item, item))  # noqa: E731
    return [TriggerRule(f"{show(first)} -> {show(then)}", PURCHASE, then, first, delay_days, window_days, channel)
            for first, then in pairs]


def event_rules(
    history: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    delay_days: int = 0,
    window_days: int = 30,
    channel: str = "email",
    item_column: str = s.CATEGORY,
    labels: Mapping[str, str] | None = None,
) -> list[TriggerRule]:
    """Marketing-event triggers the data suggests: one per event type that names a product.

    For each event type of ``history`` other than purchases whose events
    concern a category (most such events first): the rule "when this event
    about its most frequent category happens, offer the add-on bought most
    with that category" (:func:`xsell_lab.basket.choose_pair`). Event types
    whose events name no product, and categories nobody bought with another,
    give no rule.

    Parameters
    ----------
    history : pandas.DataFrame
        :func:`event_history` (with marketing events and their categories).
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`, for the add-ons.
    delay_days, window_days, channel
        As in :class:`TriggerRule`, for every rule.
    item_column : str
        The item ``history`` was built on (:func:`event_history`): the add-on
        is the ``item_column`` value bought most with the event's item.
    labels : mapping, optional
        What the rules' names show for each item (:func:`xsell_lab.catalogue.item_labels`).

    Returns
    -------
    list of TriggerRule
        Named ``"<event> about <category> -> <add-on>"``; empty when the
        history holds no marketing event about a category.
    """
    require_columns(history, ["event", s.CATEGORY], HISTORY)
    events = history[(history["event"] != PURCHASE) & history[s.CATEGORY].notna()]
    counts = events.groupby(["event", s.CATEGORY], observed=True).size().rename("events").reset_index()
    counts = counts.sort_values(["events", "event", s.CATEGORY], ascending=[False, True, True], kind="stable")
    rules = []
    for event in counts["event"].drop_duplicates():
        category = str(counts.loc[counts["event"] == event, s.CATEGORY].iloc[0])
        try:
            offer = str(basket.choose_pair(lines, anchor=category, item_column=item_column)["add_on"])
        except ValueError:  # nobody bought the category with another one
            continue
        show = lambda item: str((labels or {}).get(item, item))  # noqa: E731
        name = f"{_EVENT_WORDS.get(event, event.replace('_', ' '))} about {show(category)} -> {show(offer)}"
        rules.append(TriggerRule(name, event, offer, category, delay_days, window_days, channel))
    return rules


# --- milestones -------------------------------------------------------------------------


def add_milestones(history: pd.DataFrame, *, days: int = 365, item: str | None = None) -> pd.DataFrame:
    """The history with each purchase's anniversary added as a ``"milestone"`` event.

    A customer milestone ("a year after you bought your printer") is a moment
    marketing practice uses to reach a customer with a reason (Blattberg, Kim
    & Neslin 2008, ch. 28, on event-driven marketing). Each purchase (one row
    per order and item, :func:`event_history`) of ``item`` (every item when
    empty) gets an event ``days`` days later, on or before the last purchase
    day, with the purchase's customer, item, product and channel and no order.
    A rule on :data:`MILESTONE` (:func:`milestone_rule`) then fires, is
    evaluated and meets its baselines like any other trigger.

    Parameters
    ----------
    history : pandas.DataFrame
        :func:`event_history`.
    days : int
        N: days from the purchase to its milestone (>= 1; 365 is the anniversary).
    item : str, optional
        Only purchases of this item (the history's ``category`` column) get a milestone.

    Returns
    -------
    pandas.DataFrame
        :data:`HISTORY_COLUMNS`, the input rows and the milestones, sorted as
        :func:`event_history` sorts.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1. Got {days!r}.")
    require_columns(history, HISTORY_COLUMNS, HISTORY)
    purchases = history[history["event"] == PURCHASE]
    if item is not None:
        purchases = purchases[purchases[s.CATEGORY] == item]
    last = history.loc[history["event"] == PURCHASE, s.EVENT_DATE].max()
    milestones = purchases.assign(**{s.EVENT_DATE: purchases[s.EVENT_DATE] + pd.Timedelta(days=days), "event": MILESTONE,
                                     s.ORDER_ID: pd.NA})
    milestones = milestones[milestones[s.EVENT_DATE] <= last].drop_duplicates([s.CUSTOMER_ID, s.EVENT_DATE, s.CATEGORY])
    combined = pd.concat([history, milestones], ignore_index=True) if len(milestones) else history
    combined = combined.sort_values([s.CUSTOMER_ID, s.EVENT_DATE, s.ORDER_ID], kind="stable", na_position="first")
    return combined[HISTORY_COLUMNS].reset_index(drop=True)


def milestone_rule(
    item: str,
    offer: str,
    *,
    days: int = 365,
    window_days: int = 30,
    channel: str = "",
    labels: Mapping[str, str] | None = None,
) -> TriggerRule:
    """The rule "``days`` days after a purchase of ``item``, offer ``offer``", on the milestones of :func:`add_milestones`.

    The offer goes out on the milestone itself (``delay_days = 0``) through
    ``channel`` (empty: a channel still to choose, said so by
    :meth:`TriggerRule.describe`); the name says the delay, e.g.
    ``"365 days after printer -> ink"``.
    """
    show = lambda value: str((labels or {}).get(value, value))  # noqa: E731
    return TriggerRule(f"{days} days after {show(item)} -> {show(offer)}", MILESTONE, offer, item, 0, window_days, channel)


# --- firing and evaluating --------------------------------------------------------------


@renamed_parameters(cutoff="as_of")
def fire_triggers(rule: TriggerRule, history: pd.DataFrame, *, as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Who the rule would have triggered, when, and what they bought afterwards.

    Events up to ``as_of`` fire (one per order for purchases, one per
    customer and day for other events), except within the rule's cool-down
    of an earlier firing for the same customer. Each firing is evaluated on
    the purchases up to ``as_of`` (see the module's timing convention).

    Parameters
    ----------
    rule : TriggerRule
        The rule.
    history : pandas.DataFrame
        :func:`event_history`.
    as_of : str or Timestamp, optional
        Last day of history (inclusive; ``cutoff=`` until 0.3); default the last purchase date.

    Returns
    -------
    pandas.DataFrame
        :data:`TRIGGER_COLUMNS`: ``complete`` (the whole window lies before the
        cut-off; only complete firings count in hit rates), ``already_bought``
        and ``hit`` (booleans), ``next_order_date`` and
        ``next_order_holds_offer`` (does the customer's next order after the
        event hold the offered category; empty when no order followed).

    Raises
    ------
    DataValidationError
        Missing columns, or no event of the rule's kind in the history.
    """
    cut = _cutoff(history, as_of)
    moments = _rule_moments(rule, history, cut)
    fired = moments[_cooldown_mask(moments, rule.cooldown)]
    return _evaluate(fired, rule, history, cut)


@renamed_parameters(cutoff="as_of")
def baseline_moments(
    rule: TriggerRule,
    history: pd.DataFrame,
    *,
    kind: str = "other_orders",
    as_of: str | pd.Timestamp | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Ordinary moments to compare a trigger with, evaluated like the trigger.

    ``"other_orders"``: every order that would *not* fire the rule (for a
    purchase rule with an ``event_category``, orders without it; otherwise
    every order), with the rule's cool-down: "what do customers buy after an
    ordinary purchase?". ``"random_day"``: for each firing of the rule, the
    same customer on a day drawn uniformly between their first purchase and
    ``as_of - D - W``: "what would these very customers have bought at some
    other time?" (it may land near a real trigger, which makes the baseline
    conservative). Neither is randomised: read the difference as evidence,
    not proof.

    Parameters
    ----------
    rule : TriggerRule
        The rule.
    history : pandas.DataFrame
        :func:`event_history`.
    kind : {"other_orders", "random_day"}
        The baseline.
    as_of : str or Timestamp, optional
        As in :func:`fire_triggers`.
    seed : int
        Seed of the random days.

    Returns
    -------
    pandas.DataFrame
        :data:`TRIGGER_COLUMNS`, one row per baseline moment.
    """
    if kind not in BASELINES:
        raise ValueError(f"baseline kind must be one of {', '.join(BASELINES)}. Got {kind!r}.")
    cut = _cutoff(history, as_of)
    orders = _orders(history, cut)
    if kind == "other_orders":
        moments = orders
        if rule.event == PURCHASE and rule.event_category is not None:
            firing = history.loc[(history["event"] == PURCHASE) & (history[s.CATEGORY] == rule.event_category), s.ORDER_ID]
            moments = orders[~orders[s.ORDER_ID].isin(set(firing))]
        moments = moments.reset_index(drop=True)
        return _evaluate(moments[_cooldown_mask(moments, rule.cooldown)], rule, history, cut)
    fired = fire_triggers(rule, history, as_of=cut)
    first = orders.groupby(s.CUSTOMER_ID)[s.EVENT_DATE].min()
    start = fired[s.CUSTOMER_ID].map(first)
    last = cut - pd.Timedelta(days=rule.delay_days + rule.window_days)
    span = ((last - start) / pd.Timedelta(days=1)).to_numpy()
    usable = np.isfinite(span) & (span >= 0)
    rng = np.random.default_rng(seed)
    days = np.floor(rng.random(int(usable.sum())) * (span[usable] + 1))
    moments = fired.loc[usable, [s.CUSTOMER_ID]].reset_index(drop=True)
    moments[s.EVENT_DATE] = start[usable].reset_index(drop=True) + pd.to_timedelta(days, unit="D")
    moments[s.ORDER_ID] = pd.Series(pd.NA, index=moments.index, dtype=orders[s.ORDER_ID].dtype)
    return _evaluate(moments, rule, history, cut)


@renamed_parameters(cutoff="as_of")
def backtest_triggers(
    rules: Sequence[TriggerRule],
    history: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp | None = None,
    baseline: str = "other_orders",
    seed: int = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Hit rate of each rule against a baseline, with intervals: would the trigger have found buyers?

    ::

        hit rate      = complete firings followed by a purchase of the offer in (D, D + W] / complete firings
        baseline rate = the same share after the baseline moments (:func:`baseline_moments`)
        uplift        = hit rate - baseline rate,   lift = hit rate / baseline rate

    Wilson intervals for the rates, Newcombe's interval and the pooled
    z-test for the uplift (:mod:`xsell_lab.experiments`). The next-order view
    (share of firings whose next order held the offer) does not depend on D
    and W and is the number the cross-selling literature calls the
    next-purchase probability (Li, Sun & Wilcox 2005). Firings of one
    customer are treated as independent, which makes the intervals a little
    too narrow when customers fire often.

    This is a backtest of history, not an experiment: customers who fire a
    trigger differ from the others, and no offer was actually sent. It
    shows where demand is; an A/B test (notebook 08) shows what the offer adds.

    Parameters
    ----------
    rules : sequence of TriggerRule
        Rules to test.
    history : pandas.DataFrame
        :func:`event_history`.
    as_of : str or Timestamp, optional
        As in :func:`fire_triggers`.
    baseline : {"other_orders", "random_day"}
        See :func:`baseline_moments`.
    seed : int
        Seed of the ``random_day`` baseline.
    confidence : float
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        :data:`BACKTEST_COLUMNS`, one row per rule, in the given order.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1). Got {confidence!r}.")
    return pd.DataFrame([
        _backtest_row(rule, history, as_of, baseline, seed, confidence) for rule in rules
    ], columns=BACKTEST_COLUMNS)


def _backtest_row(rule, history, as_of, baseline, seed, confidence) -> dict:
    fired = fire_triggers(rule, history, as_of=as_of)
    base = baseline_moments(rule, history, kind=baseline, as_of=as_of, seed=seed)
    done, base_done = fired[fired["complete"]], base[base["complete"]]
    n, x = len(done), int(done["hit"].sum())
    n0, x0 = len(base_done), int(base_done["hit"].sum())
    low, high = wilson_interval(np.array([x, x0]), np.array([n, n0]), confidence)
    d_low, d_high = newcombe_interval(x, n, x0, n0, confidence) if n and n0 else (np.nan, np.nan)
    _, p_value = pooled_z_test(x, n, x0, n0) if n and n0 else (np.nan, np.nan)
    followed = fired["next_order_holds_offer"].dropna()
    base_followed = base["next_order_holds_offer"].dropna()
    next_low, next_high = wilson_interval(int(followed.sum()), len(followed), confidence)
    rate, base_rate = _share(x, n), _share(x0, n0)
    return {
        "rule": rule.name, "description": rule.describe(), "baseline": baseline, "triggers": len(fired), "complete": n,
        "hits": x, "hit_rate": rate, "ci_low": low[0], "ci_high": high[0],
        "already_bought_share": _share(int(done["already_bought"].sum()), n),
        "baseline_moments": n0, "baseline_hits": x0, "baseline_rate": base_rate, "baseline_ci_low": low[1],
        "baseline_ci_high": high[1], "uplift": rate - base_rate, "uplift_ci_low": float(d_low), "uplift_ci_high": float(d_high),
        "p_value": float(p_value), "lift": rate / base_rate if base_rate else np.nan, "next_orders": len(followed),
        "next_order_hits": int(followed.sum()), "next_order_hit_rate": _share(int(followed.sum()), len(followed)),
        "next_ci_low": float(next_low), "next_ci_high": float(next_high),
        "baseline_next_order_rate": _share(int(base_followed.sum()), len(base_followed)),
    }


def moment_verdicts(ordinary: pd.DataFrame, same_customers: pd.DataFrame) -> pd.DataFrame:
    """Which rules mark a sales moment, judged against both baselines.

    A rule beats a baseline when the lower end of its uplift interval lies
    above zero. Beating ordinary orders alone is not enough: customers who
    fire a trigger may simply be customers who buy the add-on at any time.
    Only a rule that also beats the *same customers* on a random day of their
    history shows that the *moment* matters.

    Parameters
    ----------
    ordinary : pandas.DataFrame
        :func:`backtest_triggers` with ``baseline="other_orders"``.
    same_customers : pandas.DataFrame
        :func:`backtest_triggers` with ``baseline="random_day"`` on the same
        rules (rules missing here count as not beating it).

    Returns
    -------
    pandas.DataFrame
        :data:`VERDICT_COLUMNS`, one row per rule of ``ordinary`` in its order:
        two booleans, ``sales_moment`` (both true) and the verdict in words.
    """
    random_low = same_customers.set_index("rule")["uplift_ci_low"]
    beats_ordinary = ordinary["uplift_ci_low"].to_numpy() > 0
    beats_same = ordinary["rule"].map(random_low).fillna(-np.inf).to_numpy() > 0
    verdict = np.select(
        [beats_ordinary & beats_same, beats_ordinary],
        ["a sales moment: better than an ordinary order and than the same customers on a random day",
         "not a sales moment: it beats an ordinary order, but not these customers on a random day (they buy the add-on at other times too)"],
        "not a sales moment: no better than an ordinary order",
    )
    return pd.DataFrame({"rule": ordinary["rule"].to_numpy(), "beats_ordinary_orders": beats_ordinary,
                         "beats_same_customers": beats_same, "sales_moment": beats_ordinary & beats_same,
                         "verdict": verdict}, columns=VERDICT_COLUMNS)


# --- the best delay ---------------------------------------------------------------------


@renamed_parameters(cutoff="as_of", item_col="item_column")
def delay_profile(
    lines: pd.DataFrame,
    trigger: str,
    target: str,
    *,
    delays: Sequence[int] = (0, 7, 14, 30, 60, 90),
    window_days: int = 30,
    as_of: str | pd.Timestamp | None = None,
    item_column: str = s.CATEGORY,
    waiting_only: bool = False,
) -> pd.DataFrame:
    """For each delay D, the share of trigger customers an offer window (D, D + W] would catch.

    From the Kaplan-Meier curve ``S(t)`` of the wait from the customer's
    first ``trigger`` purchase to their first later ``target`` purchase
    (:func:`xsell_lab.stats.sequences.waits`, a later day, censored at
    ``as_of``, and :func:`xsell_lab.stats.survival.kaplan_meier`: the
    definition of ``share_within`` in :func:`xsell_lab.lifecycle.best_moment`,
    so ``caught`` at delay 0 is its ``share_within`` with ``within_days = W``)::

        already bought       = 1 - S(D)               (the offer comes too late for them)
        caught               = S(D) - S(D + W)        (their first purchase falls in the window)
        caught among waiting = caught / S(D)

    The best delay maximises ``caught``: early enough that few have bought
    elsewhere, late enough that the need has come (Li, Sun & Wilcox 2005 on
    the timing of sequential cross-selling).

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`xsell_lab.sales_lines`.
    trigger, target : str
        Values of ``item_column`` (e.g. ``"printer"``, ``"ink"``).
    delays : sequence of int
        Delays D to evaluate (days, >= 0).
    window_days : int
        W (>= 1).
    as_of : str or Timestamp, optional
        Last day of history (inclusive; ``cutoff=`` until 0.3); default the last order date.
    item_column : str
        ``"category"`` or ``"product_id"``.
    waiting_only : bool
        Leave out the customers who bought ``target`` on the day of their first
        ``trigger`` (in the same basket; no later offer is needed for them):
        ``customers`` is then the ``waiting`` of
        :func:`xsell_lab.lifecycle.offer_timing`, and ``caught`` at delay 0 its
        ``later_Wd``.

    Returns
    -------
    pandas.DataFrame
        :data:`DELAY_PROFILE_COLUMNS`, one row per delay.
    """
    delays = _check_delays(delays, window_days)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item_column], "sales_lines")
    waits = sequences.waits(lines, item_column=item_column, antecedents=[trigger], consequents=[target], as_of=as_of)
    waits = waits[waits["consequent"] == target]
    if waits.empty:
        raise DataValidationError([Problem("sales_lines", item_column, f"hold no purchase of trigger {trigger!r}", 0,
                                           hint="Check the spelling against the item column's values")])
    if waiting_only:
        same = sequences.waits(lines, item_column=item_column, antecedents=[trigger], consequents=[target], as_of=as_of, same_basket=True)
        same = same.loc[(same["consequent"] == target) & same[OBSERVED] & (same[DURATION] == 0), s.CUSTOMER_ID]
        waits = waits[~waits[s.CUSTOMER_ID].isin(same)]
    curve = kaplan_meier(waits)
    rows = []
    for delay in delays:
        before, by_end = share_within(curve, delay), share_within(curve, delay + window_days)
        waiting = 1 - before
        rows.append({"delay_days": delay, "window_days": window_days, "customers": len(waits), "already_bought": before,
                     "caught": by_end - before, "caught_among_waiting": (by_end - before) / waiting if waiting > 0 else np.nan})
    return pd.DataFrame(rows, columns=DELAY_PROFILE_COLUMNS)


@renamed_parameters(cutoff="as_of")
def delay_backtest(
    rule: TriggerRule,
    history: pd.DataFrame,
    *,
    delays: Sequence[int] = (0, 7, 14, 30, 60, 90),
    as_of: str | pd.Timestamp | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The rule's backtested hit rate for each delay D (its window and channel unchanged).

    The empirical counterpart of :func:`delay_profile`: fires the rule with
    each delay (:func:`fire_triggers`) and reports the hit rate of the
    complete firings with a Wilson interval, and the share who had already
    bought the offer before it would have arrived.

    Parameters
    ----------
    rule : TriggerRule
        The rule; its ``delay_days`` is replaced by each delay.
    history : pandas.DataFrame
        :func:`event_history`.
    delays : sequence of int
        Delays to try.
    as_of : str or Timestamp, optional
        As in :func:`fire_triggers`.
    confidence : float
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        :data:`DELAY_BACKTEST_COLUMNS`, one row per delay.
    """
    delays = _check_delays(delays, rule.window_days)
    rows = []
    for delay in delays:
        done = fire_triggers(rule.with_delay(delay), history, as_of=as_of)
        done = done[done["complete"]]
        n, x = len(done), int(done["hit"].sum())
        low, high = wilson_interval(x, n, confidence) if n else (np.nan, np.nan)
        rows.append({"delay_days": delay, "window_days": rule.window_days, "complete": n, "hits": x, "hit_rate": _share(x, n),
                     "ci_low": float(low), "ci_high": float(high),
                     "already_bought_share": _share(int(done["already_bought"].sum()), n)})
    return pd.DataFrame(rows, columns=DELAY_BACKTEST_COLUMNS)


def best_delay(profile: pd.DataFrame, *, value: str = "caught") -> int:
    """The delay with the highest ``value`` in a :func:`delay_profile` (or ``hit_rate`` of :func:`delay_backtest`); ties go to the shortest."""
    require_columns(profile, ["delay_days", value], "delay profile")
    if profile[value].isna().all():
        raise ValueError(f"delay profile: every {value!r} is empty; no delay can be chosen.")
    ordered = profile.sort_values("delay_days", kind="stable")
    return int(ordered.loc[ordered[value].idxmax(), "delay_days"])


# --- internals ---------------------------------------------------------------------------


def _rule_moments(rule: TriggerRule, history: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    """The events that match the rule, one per order (purchases) or per customer and day (others)."""
    require_columns(history, HISTORY_COLUMNS, HISTORY)
    mask = history["event"] == rule.event
    if not mask.any():
        known = ", ".join(sorted(map(str, history["event"].dropna().unique())))
        raise DataValidationError([Problem(HISTORY, "event", f"match rule {rule.name!r}: no event {rule.event!r}", 0,
                                           hint=f"Events found: {known}")])
    if rule.event_category is not None:
        mask &= history[s.CATEGORY] == rule.event_category
        if not mask.any():
            raise DataValidationError([Problem(HISTORY, s.CATEGORY, f"match rule {rule.name!r}: no {rule.event} of "
                                               f"category {rule.event_category!r}", 0)])
    moments = history.loc[mask & (history[s.EVENT_DATE] <= cut), [s.CUSTOMER_ID, s.EVENT_DATE, s.ORDER_ID]]
    unit = [s.ORDER_ID] if rule.event == PURCHASE else [s.CUSTOMER_ID, s.EVENT_DATE]
    moments = moments.drop_duplicates(unit).sort_values([s.CUSTOMER_ID, s.EVENT_DATE, s.ORDER_ID], kind="stable")
    return moments.reset_index(drop=True)


def _orders(history: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    """One row per order up to the cut-off, in each customer's order sequence."""
    require_columns(history, HISTORY_COLUMNS, HISTORY)
    orders = history.loc[(history["event"] == PURCHASE) & (history[s.EVENT_DATE] <= cut), [s.CUSTOMER_ID, s.EVENT_DATE, s.ORDER_ID]]
    return orders.drop_duplicates(s.ORDER_ID).sort_values([s.CUSTOMER_ID, s.EVENT_DATE, s.ORDER_ID], kind="stable").reset_index(drop=True)


def _cooldown_mask(moments: pd.DataFrame, cooldown: int) -> np.ndarray:
    """Greedy per customer: keep a moment when at least ``cooldown`` days have passed since the last one kept."""
    customers = moments[s.CUSTOMER_ID].to_numpy()
    days = (moments[s.EVENT_DATE].to_numpy().astype("datetime64[D]")).astype("int64")
    keep = np.zeros(len(moments), dtype=bool)
    last_customer, last_day = None, 0
    for i in range(len(moments)):
        if customers[i] != last_customer or days[i] - last_day >= cooldown:
            keep[i] = True
            last_customer, last_day = customers[i], days[i]
    return keep


def _evaluate(moments: pd.DataFrame, rule: TriggerRule, history: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    """Hit, already-bought and next-order flags of each moment (timing convention of the module)."""
    moments = moments.reset_index(drop=True)
    start = moments[s.EVENT_DATE]
    offer_date = start + pd.Timedelta(days=rule.delay_days)
    window_end = offer_date + pd.Timedelta(days=rule.window_days)
    bought = history.loc[(history["event"] == PURCHASE) & (history[s.CATEGORY] == rule.offer) & (history[s.EVENT_DATE] <= cut),
                         [s.CUSTOMER_ID, s.EVENT_DATE]].drop_duplicates()
    pairs = moments[[s.CUSTOMER_ID, s.EVENT_DATE]].reset_index(names="_moment").merge(
        bought.rename(columns={s.EVENT_DATE: "_bought"}), on=s.CUSTOMER_ID)
    lag = ((pairs["_bought"] - pairs[s.EVENT_DATE]) / pd.Timedelta(days=1)).to_numpy()
    early = pairs.loc[(lag > 0) & (lag <= rule.delay_days), "_moment"].unique()
    in_window = pairs.loc[(lag > rule.delay_days) & (lag <= rule.delay_days + rule.window_days), "_moment"].unique()
    next_date, next_holds = _next_orders(moments, rule.offer, history, cut)
    result = pd.DataFrame({
        "rule": rule.name, s.CUSTOMER_ID: moments[s.CUSTOMER_ID], s.EVENT_DATE: start, s.OFFER_DATE: offer_date,
        "window_end": window_end, s.CHANNEL: rule.channel, "complete": (window_end <= cut).to_numpy(),
        "already_bought": np.isin(np.arange(len(moments)), early),
        "hit": np.isin(np.arange(len(moments)), in_window),
        "next_order_date": next_date, "next_order_holds_offer": next_holds,
    })
    return result[TRIGGER_COLUMNS]


def _next_orders(moments: pd.DataFrame, offer: str, history: pd.DataFrame, cut: pd.Timestamp) -> tuple[pd.Series, pd.Series]:
    """The customer's next order after each moment: after the order itself for purchases, after the day otherwise."""
    orders = _orders(history, cut)
    following = orders.assign(next_order=orders.groupby(s.CUSTOMER_ID)[s.ORDER_ID].shift(-1))
    after_order = moments[s.ORDER_ID].map(following.set_index(s.ORDER_ID)["next_order"])
    by_day = moments[[s.CUSTOMER_ID, s.EVENT_DATE]].reset_index(names="_moment").sort_values(s.EVENT_DATE, kind="stable")
    first_after = pd.merge_asof(by_day, orders.rename(columns={s.EVENT_DATE: "_date"}).sort_values("_date", kind="stable"),
                                left_on=s.EVENT_DATE, right_on="_date", by=s.CUSTOMER_ID, direction="forward",
                                allow_exact_matches=False).set_index("_moment").sort_index()[s.ORDER_ID]
    next_order = after_order.where(moments[s.ORDER_ID].notna(), first_after.to_numpy())
    dates = next_order.map(orders.set_index(s.ORDER_ID)[s.EVENT_DATE])
    holding = set(history.loc[(history["event"] == PURCHASE) & (history[s.CATEGORY] == offer), s.ORDER_ID])
    holds = pd.array(next_order.isin(holding).to_numpy(), dtype="boolean")
    holds[next_order.isna().to_numpy()] = pd.NA
    return dates, pd.Series(holds, index=moments.index)


def _cutoff(history: pd.DataFrame, as_of) -> pd.Timestamp:
    require_columns(history, HISTORY_COLUMNS, HISTORY)
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    purchases = history.loc[history["event"] == PURCHASE, s.EVENT_DATE]
    if purchases.empty:
        raise DataValidationError([Problem(HISTORY, "event", "are purchases: none", 0, hint="Triggers are judged on purchases")])
    return purchases.max().normalize()


def _check_delays(delays: Sequence[int], window_days: int) -> list[int]:
    delays = [int(d) for d in delays]
    if not delays or min(delays) < 0:
        raise ValueError(f"delays must be a non-empty list of days >= 0. Got {delays!r}.")
    if window_days < 1:
        raise ValueError(f"window_days must be >= 1. Got {window_days!r}.")
    return delays


def _share(hits: int, total: int) -> float:
    return hits / total if total else float("nan")


def _require_dates(frame: pd.DataFrame, column: str, table: str) -> None:
    values = frame[column]
    if not pd.api.types.is_datetime64_any_dtype(values):
        raise DataValidationError([Problem(table, column, f"are not dates (dtype {values.dtype})", len(frame),
                                           repr(values.iloc[0]) if len(values) else "",
                                           "Load the data with xsell_lab.load_company, or convert with pandas.to_datetime")])
    empty = values.isna()
    if empty.any():
        position = int(np.flatnonzero(empty.to_numpy())[0])
        raise DataValidationError([Problem(table, column, "are empty", int(empty.sum()), f"row {position + 1}")])
