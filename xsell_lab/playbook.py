"""The sales playbook: whom to call, with what, why in words a rep can say, and what they will hear.

A call list is only used when the rep can say *why*: "customers who bought what you
bought usually add this, about this long after; here is how sure we are". Every reason
here comes from the customers' own purchase sequences (:func:`xsell_lab.stats.sequences.window_rules`,
"B within N days of the first A", counted per customer; Agrawal & Srikant, 1995), with
Wilson's interval on the share (Wilson, 1927) and the lift over the rate from a first
order, so the evidence is graded rather than asserted (corrected for the number of
rules, Dunn, 1961).

* :func:`reasons` — every "A then B" rule with its interval and a grade of evidence;
* :func:`call_list` — for each top customer: the item, the reason, the moment and the channel;
* :func:`with_verdicts` — the guardrails' verdict on each call (:func:`xsell_lab.guardrails.apply_guardrails`);
* :func:`role_play_cards` — for training: the situation, a likely objection and a good answer,
  chosen from the customer's data;
* :func:`response_by_offers_received` — the over-selling check: does an offer still work on a
  customer who has already received several?
* :func:`offer_stages` and :func:`tactics_by_stage` — which offers converted at which stage of
  the customer's life (prospect, first-time buyer, repeat buyer, lapsed), against the control arm;
  :func:`best_tactics` keeps the best per stage, next to the documents' example for that stage.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from xsell_lab import guardrails
from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.stats.intervals import newcombe_interval, wilson_interval
from xsell_lab.stats.sequences import window_rules

#: Grades of evidence of :func:`reasons`, strongest first.
EVIDENCE = ("strong", "suggestive")
#: Columns of :func:`reasons`.
REASON_COLUMNS = [
    "antecedent", "consequent", "antecedent_customers", "count", "probability", "ci_low", "ci_high",
    "baseline", "lift", "median_lag_days", "within_days", "evidence",
]
#: Columns of :func:`call_list`.
CALL_COLUMNS = [
    s.CUSTOMER_ID, s.REVENUE, "item", "because", "bought_on", "due_date", s.CHANNEL, "probability", "ci_low",
    "ci_high", "lift", "antecedent_customers", "count", "median_lag_days", "evidence", "reason",
]
#: Columns of :func:`response_by_offers_received`.
OVERSELLING_COLUMNS = ["offers_before", "offers", "accepted", "rate", "ci_low", "ci_high"]
#: Columns of :func:`role_play_cards`.
ROLE_PLAY_COLUMNS = ["call", "situation", "objection", "answer"]
#: Stages of :func:`offer_stages`, earliest first.
BUYER_STAGES = ("prospect", "first_time_buyer", "repeat_buyer", "lapsed")
#: The documents' tactic for each stage: a reference shown next to what the data measured, never a finding.
DOCUMENT_TACTICS = {
    "prospect": "a bundle while the customer is considering",
    "first_time_buyer": "a warranty or protection plan at purchase",
    "repeat_buyer": "a loyalty discount; the new model for loyal upgraders",
    "lapsed": "a win-back offer (the documents' advocates get a referral discount)",
}
#: Columns of :func:`tactics_by_stage`.
TACTIC_COLUMNS = [
    "stage", s.EXPERIMENT_ID, s.VARIANT, s.PRODUCT_ID, s.CHANNEL, "offers", "accepted", "rate", "ci_low", "ci_high",
    "control_offers", "control_rate", "uplift", "uplift_ci_low", "uplift_ci_high",
]
#: Columns of :func:`best_tactics`.
BEST_TACTIC_COLUMNS = [*TACTIC_COLUMNS, "document_tactic", "data_backs"]
#: Fewest customers behind a reason a rep may say: a story of two or three customers is an anecdote, not a reason.
MIN_BUYERS = 10
#: A customer who ordered this recently "just bought" (days).
RECENT_ORDER_DAYS = 30


def reasons(
    lines: pd.DataFrame,
    *,
    within_days: int = 90,
    level: str = "category",
    as_of: str | pd.Timestamp | None = None,
    min_customers: int = 20,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The "A then B" rules a rep can cite, with their interval and a grade of evidence.

    A rule is kept when B follows A more often than B follows a first order
    (``lift > 1``). Its evidence is ``"strong"`` when the lower end of the interval of
    ``probability`` lies above ``baseline`` even at the Bonferroni-corrected level
    ``1 - (1 - confidence) / rules`` (every rule is a test: with thousands of them,
    some clear an ordinary interval by chance; Dunn, 1961), else ``"suggestive"``. The
    ``ci_low``/``ci_high`` columns are the ordinary interval at ``confidence``.

    Parameters
    ----------
    lines : pandas.DataFrame
        Kept order lines (:func:`xsell_lab.kept_lines`).
    within_days : int
        The window after the first A in which B counts.
    level : str
        ``"category"`` or ``"product"``.
    as_of : str or Timestamp, optional
        Last day of history (inclusive); customers whose window is not over are left
        out (``censoring="complete_windows"``). Default: the last order date.
    min_customers : int
        Fewest customers of A a rule is counted on.
    confidence : float
        Level of the interval on ``probability``.

    Returns
    -------
    pandas.DataFrame
        :data:`REASON_COLUMNS`, strongest evidence first, then highest probability.
    """
    rules = window_rules(lines, within_days=within_days, item_column=s.item_column(level), censoring="complete_windows",
                         as_of=as_of, min_customers=min_customers)
    rules = rules[(rules["antecedent"] != rules["consequent"]) & (rules["lift"] > 1)].copy()
    rules["ci_low"], rules["ci_high"] = wilson_interval(rules["count"], rules["antecedent_customers"], confidence)
    corrected_low, _ = wilson_interval(rules["count"], rules["antecedent_customers"], 1 - (1 - confidence) / max(len(rules), 1))
    rules["evidence"] = np.where(corrected_low > rules["baseline"], EVIDENCE[0], EVIDENCE[1])
    rules["rank"] = rules["evidence"].map({grade: i for i, grade in enumerate(EVIDENCE)})
    rules = rules.sort_values(["rank", "probability", "antecedent", "consequent"], ascending=[True, False, True, True])
    return rules[REASON_COLUMNS].reset_index(drop=True)


def call_list(
    lines: pd.DataFrame,
    customers: pd.DataFrame,
    rules: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    top: int = 10,
    among: pd.Series | None = None,
    level: str = "category",
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """For each top customer, the one item to offer, the reason to say, the moment and the channel.

    The top customers are those who spent most up to ``as_of`` (among ``among``, e.g. the
    accounts, when given) and have a rule to offer. A customer's item is the consequent of
    the best rule (:func:`reasons`' order) that at least :data:`MIN_BUYERS` customers
    followed, whose antecedent they first bought within the rule's window before ``as_of``
    (the moment is still open) and whose consequent they do not hold. The moment (``due_date``) is their first purchase of the antecedent plus
    the rule's median lag, or the day after ``as_of`` when that has passed. The channel is
    the customer's preferred channel, else the channel of most of their orders.

    Parameters
    ----------
    lines : pandas.DataFrame
        Kept order lines (:func:`xsell_lab.kept_lines`).
    customers : pandas.DataFrame
        The customers table (``customer_id``; ``preferred_channel`` when present).
    rules : pandas.DataFrame
        Output of :func:`reasons`.
    as_of : str or Timestamp
        The day the list is made (inclusive): purchases after it are not seen.
    top : int
        Customers on the list.
    among : pandas.Series, optional
        Customer ids the list is drawn from (default: every customer).
    level : str
        The item level of ``rules``.
    labels : mapping, optional
        Display names of the items in the reason (:func:`xsell_lab.catalogue.item_labels`).

    Returns
    -------
    pandas.DataFrame
        :data:`CALL_COLUMNS`, highest spend first; ``reason`` is the sentence to say.
    """
    item = s.item_column(level)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, s.REVENUE, item], "lines")
    cut = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    seen = lines[lines[s.ORDER_DATE] < cut]
    if among is not None:
        seen = seen[seen[s.CUSTOMER_ID].isin(among)]
    first = seen.groupby([s.CUSTOMER_ID, item], observed=True)[s.ORDER_DATE].min()
    spend = seen.groupby(s.CUSTOMER_ID)[s.REVENUE].sum().sort_values(ascending=False, kind="stable")
    channels = _channels(seen, customers)
    names = labels or {}
    rows = []
    rules = rules[rules["count"] >= MIN_BUYERS]
    window = pd.Timedelta(days=int(rules["within_days"].iloc[0])) if len(rules) else pd.Timedelta(0)
    for customer, revenue in spend.items():
        held = first.loc[customer]
        still_open = held.index[held >= cut - window]
        fitting = rules[rules["antecedent"].isin(still_open) & ~rules["consequent"].isin(held.index)]
        if fitting.empty:
            continue
        rule = fitting.iloc[0]
        bought_on = held[rule["antecedent"]]
        due = max(bought_on + pd.Timedelta(days=float(rule["median_lag_days"])), cut).normalize()
        rows.append((customer, revenue, rule["consequent"], rule["antecedent"], bought_on, due, channels.get(customer, ""),
                     *rule[["probability", "ci_low", "ci_high", "lift", "antecedent_customers", "count", "median_lag_days",
                            "evidence"]], _reason(rule, names)))
        if len(rows) == top:
            break
    return pd.DataFrame(rows, columns=CALL_COLUMNS)


def _reason(rule: pd.Series, names: Mapping[str, str]) -> str:
    """The reason a rep can say aloud, from one rule."""
    a, b = names.get(rule["antecedent"], rule["antecedent"]), names.get(rule["consequent"], rule["consequent"])
    return (
        f"Of {rule['antecedent_customers']:,} customers who bought {a}, {rule['count']:,} ({rule['probability']:.0%}) added {b} "
        f"within {rule['within_days']} days, half of them within {rule['median_lag_days']:.0f} days; that is "
        f"{rule['lift']:.1f} times the rate after a first order ({rule['evidence']} evidence)."
    )


def _channels(lines: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """Each customer's preferred channel, else the channel of most of their orders."""
    found = pd.Series(dtype=object)
    if s.CHANNEL in lines:
        by_orders = lines.drop_duplicates([s.CUSTOMER_ID, s.ORDER_ID]) if s.ORDER_ID in lines else lines
        found = by_orders.groupby(s.CUSTOMER_ID)[s.CHANNEL].agg(lambda c: c.value_counts().index[0] if c.notna().any() else "")
    if s.PREFERRED_CHANNEL in customers:
        preferred = customers.set_index(s.CUSTOMER_ID)[s.PREFERRED_CHANNEL].dropna()
        found = preferred.combine_first(found)
    return found


def with_verdicts(
    calls: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    lines: pd.DataFrame,
    history: pd.DataFrame | None = None,
    policy: guardrails.GuardrailPolicy | None = None,
    level: str = "category",
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The call list with the guardrails' verdict on each call.

    Each call is put through :func:`xsell_lab.guardrails.apply_guardrails` as an
    offer of its item on its channel; ``verdict`` is ``"call"`` when every rule
    passes, else the reason the first failing rule gives.

    Parameters
    ----------
    calls : pandas.DataFrame
        Output of :func:`call_list`.
    customers, lines, history, policy, level, labels
        As :func:`xsell_lab.guardrails.apply_guardrails` takes them.
    as_of : str or Timestamp
        The day the calls are made.

    Returns
    -------
    pandas.DataFrame
        ``calls`` with a ``verdict`` column.
    """
    offers = calls[[s.CUSTOMER_ID, "item", s.CHANNEL]].rename(columns={"item": s.item_column(level)})
    offers[s.CHANNEL] = offers[s.CHANNEL].replace("", None)
    _, log = guardrails.apply_guardrails(offers, customers, as_of=as_of, lines=lines, history=history, policy=policy,
                                         level=level, labels=labels)
    stopped = log.drop_duplicates(s.CUSTOMER_ID).set_index(s.CUSTOMER_ID)["reason"]
    return calls.assign(verdict=calls[s.CUSTOMER_ID].map(stopped).fillna("call"))


def role_play_cards(calls: pd.DataFrame, lines: pd.DataFrame, *, as_of: str | pd.Timestamp, level: str = "category",
                    labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Training cards from the call list: the customer's situation, a likely objection, a good answer.

    The objection is the one the customer's data makes likely, checked in this order:
    they ordered in the last :data:`RECENT_ORDER_DAYS` days ("we just ordered"); the
    item usually costs more than their typical order ("too expensive"); the evidence is
    only suggestive ("I don't need it"); else "we're happy with what we have". The
    answer cites the rule's numbers; no card names the customer.

    Parameters
    ----------
    calls : pandas.DataFrame
        Output of :func:`call_list`.
    lines : pandas.DataFrame
        Kept order lines (for recency, order values and the item's usual price).
    as_of : str or Timestamp
        The day of the call.
    level : str
        The item level of the call list.
    labels : mapping, optional
        Display names of the items.

    Returns
    -------
    pandas.DataFrame
        :data:`ROLE_PLAY_COLUMNS`, one card per call (``call`` is the call's number).
    """
    names = labels or {}
    item_column = s.item_column(level)
    cut = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    seen = lines[lines[s.ORDER_DATE] < cut]
    order_values = seen.groupby([s.CUSTOMER_ID, s.ORDER_ID])[s.REVENUE].sum().groupby(s.CUSTOMER_ID).median()
    last_order = seen.groupby(s.CUSTOMER_ID)[s.ORDER_DATE].max()
    item_price = seen.groupby([item_column, s.ORDER_ID])[s.REVENUE].sum().groupby(item_column).median()
    rows = []
    for number, call in enumerate(calls.itertuples(index=False), start=1):
        a, b = names.get(call.because, call.because), names.get(call.item, call.item)
        days = (pd.Timestamp(as_of) - call.bought_on).days
        situation = (f"A customer who first bought {a} {days:,} days ago and has spent {call.revenue:,.0f} with us; "
                     f"you call about {b} by {call.channel or 'their usual channel'}.")
        evidence = (f"{call.count:,} of the {call.antecedent_customers:,} customers who bought {a} added {b}, "
                    f"half of them within {call.median_lag_days:.0f} days")
        recent = (pd.Timestamp(as_of) - last_order.get(call.customer_id, pd.NaT)).days <= RECENT_ORDER_DAYS
        price, typical = item_price.get(call.item, np.nan), order_values.get(call.customer_id, np.nan)
        if recent:
            objection = "We only just ordered from you."
            answer = f"That is why I call now: {evidence}, while what you bought is new."
        elif price > typical:
            objection = f"{b[:1].upper()}{b[1:]} is more than we usually spend."
            answer = (f"It usually costs about {price:,.0f} against your typical order of {typical:,.0f}; {evidence}, "
                      "so let us look at what it saves you before the price.")
        elif call.evidence != EVIDENCE[0]:
            objection = f"I don't see why we would need {b}."
            answer = (f"Fair question: {call.probability:.0%} of customers like you added it, so it is not for everyone; "
                      "tell me how you use what you bought, and we decide together.")
        else:
            objection = "We're happy with what we have."
            answer = f"Good; {evidence}, about {call.lift:.1f} times as often as after a first order: it completes what you have."
        rows.append((number, situation, objection, answer))
    return pd.DataFrame(rows, columns=ROLE_PLAY_COLUMNS)


def response_by_offers_received(
    offers: pd.DataFrame, *, control: str = "control", most: int = 2, confidence: float = 0.95
) -> pd.DataFrame:
    """The over-selling check: acceptance of an offer by how many offers the customer had received before it.

    A customer flooded with offers stops answering them (offer fatigue; Kumar, George
    & Pancras, 2008, on cross-selling the wrong product at the wrong time). Offers are
    ordered per customer by ``offer_date`` (then ``offer_id``); rows of the ``control``
    arm were not sent, so they neither count as received nor are judged. The rate of
    each group has Wilson's interval.

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical ``offers`` table (``offer_id``, ``customer_id``, ``offer_date``,
        ``variant``, ``accepted``).
    control : str
        The arm that received nothing.
    most : int
        Groups 0, 1, ... up to ``most`` offers before, the last one "``most`` or more".
    confidence : float
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        :data:`OVERSELLING_COLUMNS`, one row per group (``offers_before`` as text: "0",
        "1", "2+"), fewest offers before first.
    """
    require_columns(offers, [s.OFFER_ID, s.CUSTOMER_ID, s.OFFER_DATE, s.VARIANT, s.ACCEPTED], s.OFFERS)
    sent = offers[offers[s.VARIANT] != control].sort_values([s.CUSTOMER_ID, s.OFFER_DATE, s.OFFER_ID], kind="stable")
    before = sent.groupby(s.CUSTOMER_ID).cumcount().clip(upper=most)
    labels = before.map(lambda n: f"{n}+" if n == most else str(n))
    table = sent.groupby(labels.to_numpy())[s.ACCEPTED].agg(offers="size", accepted="sum")
    table = table.reindex([label for label in [*map(str, range(most)), f"{most}+"] if label in table.index])
    table["rate"] = table["accepted"] / table["offers"]
    table["ci_low"], table["ci_high"] = wilson_interval(table["accepted"], table["offers"], confidence)
    return table.rename_axis("offers_before").reset_index()[OVERSELLING_COLUMNS]


def offer_stages(offers: pd.DataFrame, lines: pd.DataFrame, *, lapsed_days: int = 365) -> pd.Series:
    """The stage of the customer's life each offer reached them in, from their orders before the offer day.

    ::

        prospect          no kept order before the offer day
        first_time_buyer  one order, the last within lapsed_days
        repeat_buyer      two or more orders, the last within lapsed_days
        lapsed            the last order more than lapsed_days before the offer

    The simplest stages the purchase history alone supports (the buying
    stages of Kotler & Keller, 2016, *Marketing Management*, ch. 6:
    awareness and consideration need marketing events, which many
    businesses lack; :func:`xsell_lab.lifecycle.customer_stages` uses them).

    Parameters
    ----------
    offers : pandas.DataFrame
        ``customer_id``, ``offer_date``.
    lines : pandas.DataFrame
        Kept order lines (:func:`xsell_lab.kept_lines`): ``customer_id``, ``order_id``, ``order_date``.
    lapsed_days : int
        Days without an order after which a customer is lapsed (>= 1).

    Returns
    -------
    pandas.Series
        One of :data:`BUYER_STAGES` per offer, on ``offers``' index, named ``stage``.
    """
    if lapsed_days < 1:
        raise ValueError(f"lapsed_days must be at least 1. Got {lapsed_days!r}.")
    require_columns(offers, [s.CUSTOMER_ID, s.OFFER_DATE], s.OFFERS)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE], "sales_lines")
    orders = lines.groupby(s.ORDER_ID, observed=True).agg(**{s.CUSTOMER_ID: (s.CUSTOMER_ID, "first"),
                                                             "day": (s.ORDER_DATE, "min")})
    orders["day"] = orders["day"].dt.normalize()
    asked = offers[[s.CUSTOMER_ID, s.OFFER_DATE]].reset_index(names="_offer")
    joined = asked.merge(orders, on=s.CUSTOMER_ID, how="left")
    joined = joined[joined["day"] < joined[s.OFFER_DATE].dt.normalize()]
    before = joined.groupby("_offer").agg(orders=("day", "size"), last=("day", "max"))
    count = asked["_offer"].map(before["orders"]).fillna(0).to_numpy()
    gap = ((asked[s.OFFER_DATE].dt.normalize() - asked["_offer"].map(before["last"])).dt.days).to_numpy()
    stage = np.select([count == 0, gap > lapsed_days, count == 1], list(np.array(BUYER_STAGES)[[0, 3, 1]]), BUYER_STAGES[2])
    return pd.Series(stage, index=offers.index, name="stage")


def tactics_by_stage(
    offers: pd.DataFrame, stages: pd.Series, *, control: str = "control", confidence: float = 0.95
) -> pd.DataFrame:
    """Which offers converted at which stage: each offer arm against its experiment's control arm, stage by stage.

    ::

        rate    = accepted / offers                           (Wilson interval)
        uplift  = rate - control rate of the same experiment and stage   (Newcombe's interval)

    The arms were randomised within each experiment, so within a stage the
    uplift is what the offer added (Kohavi, Tang & Xu, 2020, ch. 3); the
    stages themselves were not randomised, so comparing stages describes
    who responds, it does not prove the stage is the cause.

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical ``offers`` table (``experiment_id``, ``variant``, ``product_id``,
        ``channel``, ``accepted``).
    stages : pandas.Series
        :func:`offer_stages`, on ``offers``' index.
    control : str
        The arm that received nothing.
    confidence : float
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        :data:`TACTIC_COLUMNS`, one row per stage, experiment and offer arm (stages in
        :data:`BUYER_STAGES` order); the control columns and the uplift are empty when
        the stage has no control offer in that experiment.
    """
    require_columns(offers, [s.EXPERIMENT_ID, s.VARIANT, s.PRODUCT_ID, s.CHANNEL, s.ACCEPTED], s.OFFERS)
    frame = offers.assign(stage=stages.reindex(offers.index), accepted=offers[s.ACCEPTED].astype(bool))
    keys = ["stage", s.EXPERIMENT_ID]
    base = frame[frame[s.VARIANT] == control].groupby(keys)["accepted"].agg(control_offers="size", control_accepted="sum")
    arms = frame[frame[s.VARIANT] != control].groupby([*keys, s.VARIANT], observed=True).agg(
        **{s.PRODUCT_ID: (s.PRODUCT_ID, lambda v: v.mode().iloc[0]), s.CHANNEL: (s.CHANNEL, lambda v: v.mode().iloc[0]),
           "offers": ("accepted", "size"), "accepted": ("accepted", "sum")}).reset_index()
    table = arms.merge(base.reset_index(), on=keys, how="left")
    table["rate"] = table["accepted"] / table["offers"]
    table["ci_low"], table["ci_high"] = wilson_interval(table["accepted"], table["offers"], confidence)
    table["control_rate"] = table["control_accepted"] / table["control_offers"]
    table["uplift"] = table["rate"] - table["control_rate"]
    table["uplift_ci_low"] = table["uplift_ci_high"] = np.nan
    has = table["control_rate"].notna()
    if has.any():
        low, high = newcombe_interval(table.loc[has, "accepted"], table.loc[has, "offers"], table.loc[has, "control_accepted"],
                                      table.loc[has, "control_offers"], confidence)
        table.loc[has, "uplift_ci_low"], table.loc[has, "uplift_ci_high"] = low, high
    table["control_offers"] = table["control_offers"].fillna(0).astype(int)
    table["accepted"] = table["accepted"].astype(int)
    table["stage"] = pd.Categorical(table["stage"], categories=BUYER_STAGES, ordered=True)
    table = table.sort_values(["stage", s.EXPERIMENT_ID, s.VARIANT], kind="stable")
    table["stage"] = table["stage"].astype(str)
    return table[TACTIC_COLUMNS].reset_index(drop=True)


def best_tactics(tactics: pd.DataFrame, *, min_offers: int = 30) -> pd.DataFrame:
    """The tactic and channel that added most at each stage, next to the documents' example for that stage.

    Among the arms of :func:`tactics_by_stage` with at least ``min_offers`` offers and a
    control, the one with the highest lower end of the uplift interval (the uplift we
    are surest of; Kohavi, Tang & Xu, 2020, on deciding on the interval, not the point).
    ``data_backs`` says whether that interval lies above zero: only then does the data
    back an offer at that stage. ``document_tactic`` is :data:`DOCUMENT_TACTICS`, a
    reference for the reader, not something the data measured.

    Returns
    -------
    pandas.DataFrame
        :data:`BEST_TACTIC_COLUMNS`, one row per stage that has such an arm.
    """
    require_columns(tactics, TACTIC_COLUMNS, "tactics by stage")
    usable = tactics[(tactics["offers"] >= min_offers) & tactics["uplift_ci_low"].notna()]
    best = usable.sort_values("uplift_ci_low", ascending=False, kind="stable").drop_duplicates("stage")
    best = best.assign(order=best["stage"].map({stage: i for i, stage in enumerate(BUYER_STAGES)})).sort_values("order")
    best["document_tactic"] = best["stage"].map(DOCUMENT_TACTICS)
    best["data_backs"] = best["uplift_ci_low"] > 0
    return best[BEST_TACTIC_COLUMNS].reset_index(drop=True)
