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
  :func:`best_tactics` keeps the best per stage, next to the documents' example for that stage;
* :func:`channels_weighed` — each contact channel with its response against control, cost per
  contact, opt-outs after contact and speed; :func:`channel_for_customer` — the decision aid
  "which channel for this customer"; :func:`overselling_check` — acceptance and opt-outs by
  offers received;
* :func:`incentive_inputs` and :func:`commission_simulation` — a small, labelled what-if of a
  commission on add-ons: more add-on sales, lower acceptance, more returns and opt-outs, and
  the margin left after the commission.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from xsell_lab import guardrails
from xsell_lab.experiments import feedback
from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from scipy import stats as scipy_stats

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
#: Columns of :func:`channels_weighed`.
CHANNEL_WEIGHT_COLUMNS = [
    s.CHANNEL, "experiments", "offers", "accepted", "rate", "ci_low", "ci_high", "uplift", "uplift_ci_low",
    "uplift_ci_high", "cost_per_contact", "cost_given", "cost_per_extra_sale", "contacts", "opted_out",
    "opt_out_rate", "opt_out_ci_low", "opt_out_ci_high", "purchases_timed", "median_days_to_purchase",
]
#: Columns of :func:`channel_for_customer`.
CUSTOMER_CHANNEL_COLUMNS = [s.CUSTOMER_ID, s.PREFERRED_CHANNEL, s.CHANNEL, "reason"]
#: Columns of :func:`overselling_check` after :data:`OVERSELLING_COLUMNS`.
OPT_OUT_BY_OFFERS_COLUMNS = ["contacts", "opted_out", "opt_out_rate", "opt_out_ci_low", "opt_out_ci_high"]
#: Columns of :func:`commission_simulation`.
COMMISSION_COLUMNS = [
    "scenario", "contacts", "sales", "acceptance", "returned", "kept_sales", "revenue", "margin", "commission",
    "margin_after_commission", "opt_outs",
]
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
    verdict = calls[s.CUSTOMER_ID].map(stopped)
    return calls.assign(verdict=verdict.astype(object).where(verdict.notna(), "call"))  # no call stopped: map gives floats


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
    back an offer at that stage. ``document_tactic`` is the documents' example for the
    stage (:data:`DOCUMENT_TACTICS`), shown only where the data backs an offer at that
    stage (empty otherwise): a reference for the reader, not something the data measured.

    Returns
    -------
    pandas.DataFrame
        :data:`BEST_TACTIC_COLUMNS`, one row per stage that has such an arm.
    """
    require_columns(tactics, TACTIC_COLUMNS, "tactics by stage")
    usable = tactics[(tactics["offers"] >= min_offers) & tactics["uplift_ci_low"].notna()]
    best = usable.sort_values("uplift_ci_low", ascending=False, kind="stable").drop_duplicates("stage")
    best = best.assign(order=best["stage"].map({stage: i for i, stage in enumerate(BUYER_STAGES)})).sort_values("order")
    best["data_backs"] = best["uplift_ci_low"] > 0
    best["document_tactic"] = best["stage"].map(DOCUMENT_TACTICS).where(best["data_backs"], "")
    return best[BEST_TACTIC_COLUMNS].reset_index(drop=True)


def parse_costs(text: str) -> dict[str, float]:
    """``"email=0.05, sms=0.10"`` as ``{"email": 0.05, "sms": 0.1}`` (empty text: no cost given)."""
    costs = {}
    for part in filter(None, (piece.strip() for piece in str(text or "").split(","))):
        name, _, value = part.partition("=")
        try:
            costs[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"contact costs are written channel=cost, separated by commas (e.g. 'email=0.05, sms=0.1'). "
                             f"Got {part!r}.") from None
    return costs


def channels_weighed(
    offers: pd.DataFrame,
    lines: pd.DataFrame,
    opt_outs: pd.DataFrame | None = None,
    *,
    costs: Mapping[str, float] | None = None,
    default_cost: float = 1.0,
    control: str = "control",
    window_days: int = 30,
    opt_out_days: int = 60,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Each contact channel weighed with numbers: response against control, cost, opt-outs and speed.

    ::

        rate                = accepted / offers sent through the channel           (Wilson interval)
        uplift              = sum_e w_e (rate_e - control rate_e),  w_e = the channel's offers in experiment e / its offers
        cost per extra sale = cost per contact / uplift                           (only when the uplift is above zero)
        opt-out rate        = contacts followed by the customer's first opt-out within opt_out_days / contacts
        speed               = median days from the offer to the first kept purchase of the offered product
                              (accepted offers, within window_days)

    The uplift is stratified by experiment (each channel is compared with the control arm of
    the experiments it was tested in, weighted by its offers there: Cochran, 1954), with the
    normal interval of a weighted sum of independent differences; arms were randomised within
    each experiment, so it is what the channel added (Kohavi, Tang & Xu, 2020, ch. 3).

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical ``offers`` table (``offer_id``, ``customer_id``, ``product_id``,
        ``offer_date``, ``experiment_id``, ``variant``, ``channel``, ``accepted``).
    lines : pandas.DataFrame
        Kept order lines (``customer_id``, ``product_id``, ``order_date``), for the speed.
    opt_outs : pandas.DataFrame, optional
        The canonical ``opt_outs`` table; without it the opt-out columns are empty.
    costs : mapping, optional
        Cost per contact by channel; a channel not in it costs ``default_cost``
        (``cost_given`` says which).
    default_cost : float
        Cost per contact of a channel without one in ``costs``.
    control : str
        The arm that received nothing.
    window_days : int
        Days after the offer in which a purchase is timed (the response window).
    opt_out_days : int
        Days after a contact in which an opt-out counts (:func:`xsell_lab.experiments.feedback.offer_contacts`).
    confidence : float
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        :data:`CHANNEL_WEIGHT_COLUMNS`, one row per contact channel of the offer arms, largest
        uplift first; ``experiments`` counts the experiments with a control it was tested in.
    """
    require_columns(offers, [s.OFFER_ID, s.CUSTOMER_ID, s.PRODUCT_ID, s.OFFER_DATE, s.EXPERIMENT_ID, s.VARIANT,
                             s.CHANNEL, s.ACCEPTED], s.OFFERS)
    frame = offers.assign(accepted=offers[s.ACCEPTED].astype(bool))
    base = frame[frame[s.VARIANT] == control].groupby(s.EXPERIMENT_ID)["accepted"].agg(n0="size", x0="sum")
    sent = frame[frame[s.VARIANT] != control]
    cells = sent.groupby([s.CHANNEL, s.EXPERIMENT_ID], observed=True)["accepted"].agg(n="size", x="sum").reset_index()
    cells = cells.merge(base.reset_index(), on=s.EXPERIMENT_ID, how="inner")
    cells["p"], cells["p0"] = cells["x"] / cells["n"], cells["x0"] / cells["n0"]
    cells["w"] = cells["n"] / cells.groupby(s.CHANNEL)["n"].transform("sum")
    cells["d"] = cells["w"] * (cells["p"] - cells["p0"])
    cells["v"] = cells["w"] ** 2 * (cells["p"] * (1 - cells["p"]) / cells["n"] + cells["p0"] * (1 - cells["p0"]) / cells["n0"])
    pooled = cells.groupby(s.CHANNEL).agg(experiments=(s.EXPERIMENT_ID, "nunique"), uplift=("d", "sum"), variance=("v", "sum"))
    table = sent.groupby(s.CHANNEL, observed=True)["accepted"].agg(offers="size", accepted="sum").join(pooled, how="left")
    table["experiments"] = table["experiments"].fillna(0).astype(int)
    table["accepted"] = table["accepted"].astype(int)
    table["rate"] = table["accepted"] / table["offers"]
    table["ci_low"], table["ci_high"] = wilson_interval(table["accepted"], table["offers"], confidence)
    half = scipy_stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(table["variance"])
    table["uplift_ci_low"], table["uplift_ci_high"] = table["uplift"] - half, table["uplift"] + half
    given = dict(costs or {})
    table["cost_given"] = table.index.isin(list(given))
    table["cost_per_contact"] = [float(given.get(channel, default_cost)) for channel in table.index]
    table["cost_per_extra_sale"] = (table["cost_per_contact"] / table["uplift"]).where(table["uplift"] > 0)
    table = table.join(_opt_outs_by_channel(offers, opt_outs, control, opt_out_days, confidence))
    table = table.join(_speed_by_channel(sent[sent["accepted"]], lines, window_days))
    table["purchases_timed"] = table["purchases_timed"].fillna(0).astype(int)
    table = table.rename_axis(s.CHANNEL).reset_index().sort_values(["uplift", s.CHANNEL], ascending=[False, True], kind="stable")
    return table[CHANNEL_WEIGHT_COLUMNS].reset_index(drop=True)


def _opt_outs_by_channel(offers, opt_outs, control, days, confidence) -> pd.DataFrame:
    """Contacts, opt-outs within ``days`` and their rate with Wilson's interval, per channel (empty without opt-outs)."""
    columns = ["contacts", "opted_out", "opt_out_rate", "opt_out_ci_low", "opt_out_ci_high"]
    if opt_outs is None:
        return pd.DataFrame(columns=columns, dtype=float)
    contacts = feedback.offer_contacts(offers, opt_outs, window_days=days, control=control)
    contacts = contacts[contacts["contacted"]]
    contacts = contacts.assign(**{s.CHANNEL: contacts[s.OFFER_ID].map(offers.set_index(s.OFFER_ID)[s.CHANNEL])})
    table = contacts.groupby(s.CHANNEL, observed=True)["opted_out"].agg(contacts="size", opted_out="sum")
    table["opted_out"] = table["opted_out"].astype(int)
    table["opt_out_rate"] = table["opted_out"] / table["contacts"]
    table["opt_out_ci_low"], table["opt_out_ci_high"] = wilson_interval(table["opted_out"], table["contacts"], confidence)
    return table[columns]


def _speed_by_channel(accepted: pd.DataFrame, lines: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """Median days from an accepted offer to the first kept purchase of its product within the window, per channel."""
    require_columns(lines, [s.CUSTOMER_ID, s.PRODUCT_ID, s.ORDER_DATE], "sales_lines")
    bought = lines[[s.CUSTOMER_ID, s.PRODUCT_ID, s.ORDER_DATE]].drop_duplicates()
    pairs = accepted[[s.OFFER_ID, s.CUSTOMER_ID, s.PRODUCT_ID, s.OFFER_DATE, s.CHANNEL]].merge(bought, on=[s.CUSTOMER_ID, s.PRODUCT_ID])
    days = (pairs[s.ORDER_DATE].dt.normalize() - pairs[s.OFFER_DATE].dt.normalize()).dt.days
    pairs = pairs[(days >= 0) & (days <= window_days)].assign(days=days)
    first = pairs.groupby([s.OFFER_ID, s.CHANNEL], observed=True)["days"].min().reset_index()
    return first.groupby(s.CHANNEL, observed=True)["days"].agg(purchases_timed="size", median_days_to_purchase="median")


def channel_for_customer(customers: pd.DataFrame, weighed: pd.DataFrame) -> pd.DataFrame:
    """The decision aid "which channel for this customer": their preferred channel if it performs, else the best measured one.

    A channel *performs* when the lower end of its uplift interval in :func:`channels_weighed`
    lies above zero. The best measured channel is the performing one with the highest
    lower end (the uplift we are surest of); when no channel performs, none is proposed.

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id``, ``preferred_channel`` (may be empty).
    weighed : pandas.DataFrame
        :func:`channels_weighed`.

    Returns
    -------
    pandas.DataFrame
        :data:`CUSTOMER_CHANNEL_COLUMNS`, one row per customer; ``channel`` empty when no
        channel performs.
    """
    require_columns(customers, [s.CUSTOMER_ID], s.CUSTOMERS)
    require_columns(weighed, [s.CHANNEL, "uplift_ci_low"], "channels weighed")
    performing = weighed[weighed["uplift_ci_low"] > 0].sort_values("uplift_ci_low", ascending=False, kind="stable")
    best = str(performing[s.CHANNEL].iloc[0]) if len(performing) else None
    preferred = customers[s.PREFERRED_CHANNEL] if s.PREFERRED_CHANNEL in customers else pd.Series(pd.NA, index=customers.index)
    use_preferred = preferred.isin(set(performing[s.CHANNEL].astype(str)))
    channel = preferred.where(use_preferred, best)
    reason = np.select([use_preferred.to_numpy(), preferred.isna().to_numpy() & (best is not None),
                        np.full(len(customers), best is not None)],
                       ["their preferred channel, which performs in the experiments",
                        "the best measured channel (no preferred channel recorded)",
                        "the best measured channel (their preferred one was not shown to perform)"],
                       "no channel has an uplift proven above zero")
    return pd.DataFrame({s.CUSTOMER_ID: customers[s.CUSTOMER_ID].to_numpy(), s.PREFERRED_CHANNEL: preferred.to_numpy(),
                         s.CHANNEL: channel.to_numpy(), "reason": reason}, columns=CUSTOMER_CHANNEL_COLUMNS)


def overselling_check(
    offers: pd.DataFrame,
    opt_outs: pd.DataFrame | None = None,
    *,
    control: str = "control",
    most: int = 2,
    opt_out_days: int = 60,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Acceptance (:func:`response_by_offers_received`) and opt-outs after the offer, by offers received before it.

    Over-selling shows twice: customers stop accepting, and they stop listening
    (unsubscribe or complain; Kumar, George & Pancras, 2008). The opt-out side counts
    the contacts of :func:`xsell_lab.experiments.feedback.offer_contacts` (offers sent
    after the customer's opt-out are left out there, so ``contacts`` can be fewer than
    ``offers``) whose first opt-out fell within ``opt_out_days``, with Wilson's interval.

    Returns
    -------
    pandas.DataFrame
        :data:`OVERSELLING_COLUMNS` then :data:`OPT_OUT_BY_OFFERS_COLUMNS` (empty without
        ``opt_outs``), one row per group of offers received before.
    """
    table = response_by_offers_received(offers, control=control, most=most, confidence=confidence)
    if opt_outs is None:
        return table.reindex(columns=[*OVERSELLING_COLUMNS, *OPT_OUT_BY_OFFERS_COLUMNS])
    contacts = feedback.offer_contacts(offers, opt_outs, window_days=opt_out_days, control=control)
    contacts = contacts[contacts["contacted"]]
    before = contacts["offers_before"].clip(upper=most).map(lambda n: f"{n}+" if n == most else str(n))
    outs = contacts.groupby(before.to_numpy())["opted_out"].agg(contacts="size", opted_out="sum")
    outs["opted_out"] = outs["opted_out"].astype(int)
    outs["opt_out_rate"] = outs["opted_out"] / outs["contacts"]
    outs["opt_out_ci_low"], outs["opt_out_ci_high"] = wilson_interval(outs["opted_out"], outs["contacts"], confidence)
    return table.merge(outs.rename_axis("offers_before").reset_index(), on="offers_before", how="left")


def incentive_inputs(
    offers: pd.DataFrame,
    sold: pd.DataFrame,
    kept: pd.DataFrame,
    overselling: pd.DataFrame | None = None,
    *,
    margin_rate: float | None = None,
    control: str = "control",
) -> pd.Series:
    """What :func:`commission_simulation` starts from, measured on the data.

    ::

        acceptance        = accepted offers / offers sent (offer arms)
        revenue_per_sale  = mean revenue of an accepted offer (``offers.revenue``; else of a kept order line)
        margin_rate       = kept margin / kept revenue (when the lines have a margin; else the ``margin_rate`` given)
        return_rate       = 1 - kept order lines / sold order lines
        opt_out_rate      = opt-out rate after a first offer       (:func:`overselling_check`, group "0")
        opt_out_rate_more = opt-out rate after one more offer      (its next group)

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical ``offers`` table.
    sold, kept : pandas.DataFrame
        :func:`xsell_lab.sales_lines` and :func:`xsell_lab.kept_lines`.
    overselling : pandas.DataFrame, optional
        :func:`overselling_check` with opt-outs; without it the opt-out rates are empty.
    margin_rate : float, optional
        Used when the lines carry no margin (no product costs); required then.
    control : str
        The arm that received nothing.

    Returns
    -------
    pandas.Series
        The six inputs, and ``margin_measured`` (whether ``margin_rate`` came from the data).
    """
    require_columns(offers, [s.VARIANT, s.ACCEPTED], s.OFFERS)
    sent = offers[offers[s.VARIANT] != control]
    accepted = sent[sent[s.ACCEPTED].astype(bool)]
    if s.REVENUE in accepted and accepted[s.REVENUE].notna().any() and accepted[s.REVENUE].sum() > 0:
        revenue_per_sale = float(accepted[s.REVENUE].mean())
    else:
        revenue_per_sale = float(kept[s.REVENUE].mean())
    measured = "margin" in kept and kept["margin"].notna().all() and kept[s.REVENUE].sum() > 0
    if measured:
        margin_rate = float(kept["margin"].sum() / kept[s.REVENUE].sum())
    elif margin_rate is None:
        raise ValueError("The order lines carry no margin (no product costs): give margin_rate, the share of revenue left after costs.")
    opt_out = opt_out_more = np.nan
    if overselling is not None and overselling["opt_out_rate"].notna().any():
        rates = overselling["opt_out_rate"].dropna()
        opt_out, opt_out_more = float(rates.iloc[0]), float(rates.iloc[1] if len(rates) > 1 else rates.iloc[0])
    return pd.Series({
        "acceptance": float(sent[s.ACCEPTED].astype(bool).mean()), "revenue_per_sale": revenue_per_sale,
        "margin_rate": float(margin_rate), "margin_measured": bool(measured), "return_rate": 1 - len(kept) / len(sold),
        "opt_out_rate": opt_out, "opt_out_rate_more": opt_out_more,
    })


def commission_simulation(
    inputs: pd.Series,
    *,
    contacts: int = 1000,
    commission_rate: float = 0.10,
    extra_contacts: float = 0.5,
    pushed_acceptance: float = 0.5,
    pushed_returns: float = 2.0,
) -> pd.DataFrame:
    """What a commission on add-ons does to margin and to customers: an expected-value what-if, not a measurement.

    Without a commission the reps make ``contacts`` offers to the customers the playbook
    picks. With a commission of ``commission_rate`` on the kept revenue of add-ons, they
    also push add-ons to customers with a lower propensity: ``extra_contacts`` x
    ``contacts`` more offers, accepted at ``pushed_acceptance`` x the usual acceptance,
    returned at ``pushed_returns`` x the usual return rate (capped at 1), and answered
    with opt-outs at the rate after one more offer (over-selling; Kumar, George &
    Pancras, 2008, on cross-selling the wrong customer). The commission is paid on every
    kept add-on, those the reps would have sold anyway included: that is the cost that
    eats the margin (Anderson & Oliver, 1987, on outcome-based sales pay)::

        sales       = contacts x acceptance                  (pushed: x pushed_acceptance)
        kept sales  = sales x (1 - return rate)              (pushed: return rate x pushed_returns)
        revenue     = kept sales x revenue per sale,   margin = revenue x margin rate
        commission  = commission_rate x revenue,       margin after commission = margin - commission
        opt-outs    = contacts x opt-out rate              (pushed: x the rate after one more offer)

    Parameters
    ----------
    inputs : pandas.Series
        :func:`incentive_inputs`.
    contacts : int
        Offers made without a commission (the scale of the table).
    commission_rate : float
        Share of the kept add-on revenue paid to the rep, in [0, 1].
    extra_contacts : float
        Extra offers under the commission, as a share of ``contacts`` (>= 0).
    pushed_acceptance : float
        Acceptance of a pushed offer relative to the usual acceptance, in [0, 1].
    pushed_returns : float
        Return rate of a pushed sale relative to the usual return rate (>= 1).

    Returns
    -------
    pandas.DataFrame
        :data:`COMMISSION_COLUMNS`, two rows: ``"no commission"`` and ``"commission"``
        (expected values; ``opt_outs`` empty when the inputs have no opt-out rate).
    """
    if not 0 <= commission_rate <= 1 or not 0 <= pushed_acceptance <= 1 or extra_contacts < 0 or pushed_returns < 1 or contacts < 1:
        raise ValueError("commission_rate and pushed_acceptance are shares in [0, 1], extra_contacts >= 0, pushed_returns >= 1 "
                         f"and contacts >= 1. Got {commission_rate!r}, {pushed_acceptance!r}, {extra_contacts!r}, {pushed_returns!r}, {contacts!r}.")
    usual = _offer_outcome(contacts, inputs["acceptance"], inputs["return_rate"], inputs["opt_out_rate"])
    pushed = _offer_outcome(contacts * extra_contacts, inputs["acceptance"] * pushed_acceptance,
                            min(1.0, inputs["return_rate"] * pushed_returns), inputs["opt_out_rate_more"])
    rows = []
    for scenario, parts, rate in (("no commission", [usual], 0.0), ("commission", [usual, pushed], commission_rate)):
        total = {key: sum(part[key] for part in parts) for key in usual}
        revenue = total["kept_sales"] * inputs["revenue_per_sale"]
        margin = revenue * inputs["margin_rate"]
        rows.append({"scenario": scenario, **total, "acceptance": total["sales"] / total["contacts"], "revenue": revenue,
                     "margin": margin, "commission": rate * revenue, "margin_after_commission": margin - rate * revenue})
    return pd.DataFrame(rows, columns=COMMISSION_COLUMNS)


def _offer_outcome(contacts: float, acceptance: float, return_rate: float, opt_out_rate: float) -> dict:
    """Expected sales, returns, kept sales and opt-outs of ``contacts`` offers."""
    sales = contacts * acceptance
    return {"contacts": contacts, "sales": sales, "returned": sales * return_rate, "kept_sales": sales * (1 - return_rate),
            "opt_outs": contacts * opt_out_rate}
