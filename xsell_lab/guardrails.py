"""Guardrails: which offers must NOT be sent, applied to any offer list, with a log of why.

A propensity model happily recommends whatever sells. Cross-selling that
ignores the customer's wishes, floods them with messages or pushes products
they cannot use destroys trust and, in the end, profit: Shah & Kumar (2012)
found that a sizeable share of cross-buyers are unprofitable, often because
they were pushed into products they did not need and then returned them or
called support. The rules here run in a fixed order, each on the offers the
previous ones kept:

1. ``consent`` - no offer unless ``marketing_consent`` is True (empty means no;
   GDPR Art. 6-7, ePrivacy Directive Art. 13 for electronic marketing). When
   the data records no consent at all (:func:`consent_recorded`), the rule
   cannot tell refusal from silence: leave it out of the policy's ``rules``
   (:func:`recorded_rules`) and check consent before sending;
2. ``channel`` - only through the customer's preferred channel or another
   channel they consented to; an offer without a channel gets the preferred one
   (left out by :func:`recorded_rules` when no preferred channel is recorded);
3. ``sensitive`` - products on a configurable sensitive list (e.g. recurring
   subscriptions) are never offered automatically;
4. ``already_owned`` - do not offer what the customer already owns
   (repeatable categories, the consumables, are exempt);
5. ``prerequisite`` - do not offer an add-on without its main product
   (no case to customers without the device it fits);
6. ``season`` - categories with a season are offered only in its months;
7. ``contact_cap`` - no more than ``max_offers`` offers per customer in any
   ``window_days`` days, counting the offers already sent (fatigue).

Nothing is dropped silently: every removed offer is a row of the suppression
log, with the rule and a reason in words, and :func:`guardrail_funnel`
counts them per rule.

Which categories are repeatable and which need a main product is catalogue
knowledge: it comes from the company's data (the ``requires`` and
``repeatable`` columns of ``products``, or derived from purchases) through
:func:`xsell_lab.catalogue.category_roles`, never from this module.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns

#: The rules, in the order they are applied.
_ITEM, _SHOWN = "_offered_item", "_offered_label"
RULES = ("consent", "channel", "sensitive", "already_owned", "prerequisite", "season", "contact_cap")
#: Columns of the suppression log returned by :func:`apply_guardrails`.
LOG_COLUMNS = [s.CUSTOMER_ID, s.CATEGORY, s.PRODUCT_ID, s.CHANNEL, "rule", "reason"]
#: Columns of :func:`guardrail_funnel`.
FUNNEL_COLUMNS = ["rule", "removed", "remaining"]
#: Columns of :func:`choose_repeatable` (deprecated).
REPEAT_COLUMNS = [s.CATEGORY, "returning_buyers", "bought_again", "again_share", "repeatable"]


@dataclass(frozen=True)
class GuardrailPolicy:
    """The settings of the guardrails.

    Parameters
    ----------
    max_offers : int, default 1
        Contact cap: at most this many offers per customer in ``window_days``.
    window_days : int, default 30
        The cap's window, ending on the ``as_of`` day.
    sensitive : tuple of str, default ()
        Categories or product ids that are never offered automatically.
    prerequisites : mapping of str to tuple of str, default {}
        ``{add-on category: main categories}``: the add-on is offered only to
        owners of at least one of the main categories. From the data:
        :func:`xsell_lab.catalogue.prerequisites` of
        :func:`~xsell_lab.catalogue.category_roles`.
    repeatable : tuple of str, default ()
        Categories exempt from the ``already_owned`` rule (consumables). From the
        data: :func:`xsell_lab.catalogue.repeatable_categories`.
    season : mapping of str to tuple of int, default {}
        ``{category: months}`` (1-12): the category is offered only when the
        ``as_of`` date falls in one of these months.
    consented_channels_column : str, optional
        A column of the customers table listing further channels each customer
        agreed to, comma-separated (e.g. ``"web,phone"``). ``None`` = only the
        preferred channel.
    rules : tuple of str, default :data:`RULES`
        The rules to apply (always in the order of :data:`RULES`).
    """

    max_offers: int = 1
    window_days: int = 30
    sensitive: tuple[str, ...] = ()
    prerequisites: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    repeatable: tuple[str, ...] = ()
    season: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    consented_channels_column: str | None = None
    rules: tuple[str, ...] = RULES

    def __post_init__(self) -> None:
        unknown = [rule for rule in self.rules if rule not in RULES]
        if unknown:
            raise ValueError(f"Unknown guardrail rule(s) {', '.join(map(repr, unknown))}. Known rules: {', '.join(RULES)}.")
        if self.max_offers < 0 or self.window_days < 1:
            raise ValueError(f"max_offers must be >= 0 and window_days >= 1. Got {self.max_offers} and {self.window_days}.")
        bad_months = {c: m for c, m in self.season.items() if not set(m) <= set(range(1, 13))}
        if bad_months:
            raise ValueError(f"season months must be 1-12. Got {bad_months}.")


def choose_channel(customers: pd.DataFrame, channel: str = "auto") -> str:
    """The channel a campaign uses: the one given, or the channel most customers prefer.

    Parameters
    ----------
    customers : pandas.DataFrame
        Needs ``preferred_channel``.
    channel : str, default "auto"
        A value of ``preferred_channel``; ``"auto"`` for the most frequent one
        (ties by name); ``""`` for each customer's own preferred channel.

    Returns
    -------
    str
        The channel, or ``""`` (each customer's preferred channel).

    Raises
    ------
    ValueError
        A channel that no customer prefers (the message lists the channels),
        or ``"auto"`` when no customer has a preferred channel.
    """
    if channel == "":
        return ""
    require_columns(customers, [s.PREFERRED_CHANNEL], s.CUSTOMERS)
    counts = customers[s.PREFERRED_CHANNEL].dropna().astype(str).value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    if channel == "auto":
        if counts.empty:
            raise ValueError(
                f"Table 'customers', column '{s.PREFERRED_CHANNEL}' is empty for all {len(customers):,} customers: "
                "name the campaign channel, or use '' for each customer's preferred channel."
            )
        return str(counts.index[0])
    if channel not in counts.index:
        raise ValueError(
            f"Channel {channel!r} is not a value of column '{s.PREFERRED_CHANNEL}' of table 'customers'; "
            f"values: {', '.join(counts.index)}. Use one of them, 'auto' or ''."
        )
    return channel


def choose_repeatable(lines: pd.DataFrame, repeatable: Sequence[str] = ()) -> pd.DataFrame:
    """Which categories customers buy again: the ones given, or those the data shows (deprecated).

    .. deprecated:: 0.2
        Use :func:`xsell_lab.catalogue.category_roles`, which reads the
        ``repeatable`` column of ``products`` and derives it from purchases only
        when the column is empty; removed in 0.3.

    For each category, its **returning buyers** are the customers who ordered
    anything on a day after their first purchase of it; ``bought_again``
    counts those who bought the category itself again on a later day. The data
    calls a category repeatable when its ``again_share`` is above the share
    over all categories together (the returning buyers of every category
    pooled): its buyers come back for it more often than for an average
    category, as they do for consumables.

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines (``customer_id``, ``order_date``, ``category``).
    repeatable : sequence of str, default ()
        Categories to call repeatable; empty lets the data decide.

    Returns
    -------
    pandas.DataFrame
        :data:`REPEAT_COLUMNS`, one row per category, highest ``again_share``
        first (ties by name).

    Raises
    ------
    ValueError
        A given category that is not a value of ``category`` (the message
        lists the values).
    """
    warnings.warn("guardrails.choose_repeatable is deprecated and will be removed in 0.3: use "
                  "catalogue.category_roles(products, lines, repeatable=...), which reads products.repeatable "
                  "and derives it from purchases when it is empty.", FutureWarning, stacklevel=2)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, s.CATEGORY], "sales_lines")
    days = lines[[s.CUSTOMER_ID, s.CATEGORY, s.ORDER_DATE]].drop_duplicates()
    days = days.assign(**{s.CATEGORY: days[s.CATEGORY].astype(str)})
    unknown = [c for c in repeatable if c not in set(days[s.CATEGORY])]
    if unknown:
        raise ValueError(
            f"repeatable {', '.join(map(repr, unknown))} not found in column '{s.CATEGORY}' of table 'sales_lines'; "
            f"values: {', '.join(sorted(days[s.CATEGORY].unique()))}."
        )
    per_buyer = days.groupby([s.CATEGORY, s.CUSTOMER_ID]).agg(first=(s.ORDER_DATE, "min"), days=(s.ORDER_DATE, "size"))
    last_order = days.groupby(s.CUSTOMER_ID)[s.ORDER_DATE].max()
    returning = per_buyer[per_buyer["first"].to_numpy() < per_buyer.index.get_level_values(s.CUSTOMER_ID).map(last_order)]
    table = returning.groupby(level=s.CATEGORY).agg(returning_buyers=("days", "size"), bought_again=("days", lambda d: int((d > 1).sum())))
    table = table.reindex(sorted(days[s.CATEGORY].unique()), fill_value=0).rename_axis(s.CATEGORY).reset_index()
    table["again_share"] = table["bought_again"] / table["returning_buyers"].where(table["returning_buyers"] > 0)
    pooled = table["bought_again"].sum() / max(table["returning_buyers"].sum(), 1)
    table["repeatable"] = table[s.CATEGORY].isin(repeatable) if repeatable else table["again_share"] > pooled
    table = table.sort_values(["again_share", s.CATEGORY], ascending=[False, True], kind="stable", na_position="last")
    return table[REPEAT_COLUMNS].reset_index(drop=True)


def consent_recorded(customers: pd.DataFrame) -> bool:
    """Whether the customers table records marketing consent for anyone.

    False when the ``marketing_consent`` column is missing or empty for every
    customer: the data says nothing about consent, which is not the same as
    every customer refusing it.
    """
    return s.MARKETING_CONSENT in customers and bool(customers[s.MARKETING_CONSENT].notna().any())


def recorded_rules(customers: pd.DataFrame, rules: tuple[str, ...] = RULES) -> tuple[str, ...]:
    """The guardrail rules the data can apply: without ``consent`` or ``channel`` when the data records none.

    Parameters
    ----------
    customers : pandas.DataFrame
        The customers table.
    rules : tuple of str, default :data:`RULES`
        The rules wanted.

    Returns
    -------
    tuple of str
        ``rules``, less ``"consent"`` when :func:`consent_recorded` is False, and
        less ``"channel"`` when no customer has a ``preferred_channel`` (the
        offers must then be checked against both before they are sent).
    """
    channels = s.PREFERRED_CHANNEL in customers and bool(customers[s.PREFERRED_CHANNEL].notna().any())
    unrecorded = {"consent": not consent_recorded(customers), "channel": not channels}
    return tuple(rule for rule in rules if not unrecorded.get(rule, False))


def has_consent(customers: pd.DataFrame) -> pd.Series:
    """Whether each customer may receive marketing offers.

    Parameters
    ----------
    customers : pandas.DataFrame
        Needs ``customer_id`` and ``marketing_consent``.

    Returns
    -------
    pandas.Series
        Boolean, indexed by ``customer_id``; an empty (unknown) consent is False.

    Raises
    ------
    ValueError
        When the ``marketing_consent`` column is missing: without it nobody
        may be contacted, and guessing is not an option.
    """
    require_columns(customers, [s.CUSTOMER_ID, s.MARKETING_CONSENT], s.CUSTOMERS)
    consent = customers[s.MARKETING_CONSENT].astype("boolean").fillna(False).astype(bool)
    return pd.Series(consent.to_numpy(), index=pd.Index(customers[s.CUSTOMER_ID], name=s.CUSTOMER_ID), name=s.MARKETING_CONSENT)


def recent_offer_counts(
    history: pd.DataFrame | None, as_of: str | pd.Timestamp, window_days: int, *, control: str = "control"
) -> pd.Series:
    """Offers each customer received in the ``window_days`` days up to ``as_of``.

    A row of a test's control arm (``variant`` equal to ``control``, when ``history`` has a
    ``variant`` column) is a customer kept from the offer: never contacted, it does not count.

    Parameters
    ----------
    history : pandas.DataFrame or None
        Offers already sent (``customer_id``, ``offer_date``, optional ``variant``); None = none.
    as_of : str or pandas.Timestamp
        The last day of the window (inclusive).
    window_days : int
        Window length: offers dated in ``(as_of - window_days, as_of]`` count.
    control : str, default "control"
        The ``variant`` of the customers kept from an offer.

    Returns
    -------
    pandas.Series
        Count of offers, indexed by ``customer_id`` (customers without offers absent).
    """
    if history is None or len(history) == 0:
        return pd.Series(dtype="int64", index=pd.Index([], name=s.CUSTOMER_ID))
    require_columns(history, [s.CUSTOMER_ID, s.OFFER_DATE], s.OFFERS)
    as_of = pd.Timestamp(as_of)
    dates = history[s.OFFER_DATE]
    recent = (dates <= as_of) & (dates > as_of - pd.Timedelta(days=window_days))
    if s.VARIANT in history:
        recent &= history[s.VARIANT] != control
    return history.loc[recent].groupby(s.CUSTOMER_ID).size()


def owned_categories(lines: pd.DataFrame, as_of: str | pd.Timestamp, *, level: str = "category") -> pd.DataFrame:
    """The items (categories, or products at product level) each customer bought before ``as_of``.

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines (``customer_id``, ``order_date``, ``category``), e.g. from
        :func:`xsell_lab.sales_lines`.
    as_of : str or pandas.Timestamp
        Only purchases strictly before this day count.
    level : {"category", "product"}, default "category"
        The items: ``category`` or ``product_id`` (:func:`xsell_lab.data.schema.item_column`).

    Returns
    -------
    pandas.DataFrame
        Distinct pairs ``customer_id`` and the item column.
    """
    item = s.item_column(level)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item], "sales_lines")
    before = lines.loc[lines[s.ORDER_DATE] < pd.Timestamp(as_of), [s.CUSTOMER_ID, item]]
    return before.drop_duplicates().reset_index(drop=True)


def apply_guardrails(
    offers: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    lines: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    policy: GuardrailPolicy | None = None,
    level: str = "category",
    labels: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove the offers that must not be sent, and log each removal.

    Parameters
    ----------
    offers : pandas.DataFrame
        Any offer list: ``customer_id`` and the item column of ``level``
        (``category``, or ``product_id`` at product level) required; optional
        ``product_id``, ``channel`` (empty = the preferred channel) and
        ``expected_value`` (under the contact cap, the most valuable offers of
        a customer are kept; otherwise the list order decides).
    customers : pandas.DataFrame
        The customers table (``customer_id``, ``marketing_consent``,
        ``preferred_channel``, and the consented-channels column if the policy
        names one).
    as_of : str or pandas.Timestamp
        The day the offers go out (ownership counts purchases before it; the
        season and the cap's window are taken at it).
    lines : pandas.DataFrame, optional
        Sales lines, needed by the ``already_owned`` and ``prerequisite`` rules.
    history : pandas.DataFrame, optional
        Offers already sent (``customer_id``, ``offer_date``), for the cap.
    policy : GuardrailPolicy, optional
        The settings; default :class:`GuardrailPolicy()`. Its repeatable items,
        prerequisites and seasons name items at ``level``
        (:func:`xsell_lab.catalogue.item_roles`).
    level : {"category", "product"}, default "category"
        What an offer offers, and what "already owned" compares it with: the
        customer's categories, or products (by ``product_id``).
    labels : mapping, optional
        What the reasons show for each item (:func:`xsell_lab.catalogue.item_labels`);
        default: the item itself.

    Returns
    -------
    kept : pandas.DataFrame
        The offers that pass every rule, in their original order, with
        ``channel`` filled in.
    log : pandas.DataFrame
        Columns :data:`LOG_COLUMNS`, one row per removed offer: the ``rule``
        that removed it and the ``reason`` in words.

    Raises
    ------
    ValueError
        When a required column is missing (e.g. ``marketing_consent`` under the
        ``consent`` rule), when
        an offer names an unknown customer, or when ownership rules are asked
        for without ``lines``.
    """
    policy = policy or GuardrailPolicy()
    item = s.item_column(level)
    require_columns(offers, [s.CUSTOMER_ID, item], "offers")
    require_columns(customers, [s.CUSTOMER_ID], s.CUSTOMERS)
    consent = has_consent(customers) if "consent" in policy.rules else None
    unknown = ~offers[s.CUSTOMER_ID].isin(customers[s.CUSTOMER_ID])
    if unknown.any():
        raise ValueError(
            f"Table 'offers', column '{s.CUSTOMER_ID}': {int(unknown.sum())} offer(s) name customers absent from "
            f"table 'customers', e.g. {offers.loc[unknown, s.CUSTOMER_ID].iloc[0]!r}."
        )
    if lines is None and {"already_owned", "prerequisite"} & set(policy.rules):
        raise ValueError("The 'already_owned' and 'prerequisite' rules need the sales lines: pass lines=sales_lines(company).")
    people = customers.set_index(s.CUSTOMER_ID)
    frame = offers.reset_index(drop=True).assign(**{s.CHANNEL: _offer_channel(offers, people)})
    frame[_ITEM] = frame[item].astype(str)
    frame[_SHOWN] = frame[_ITEM].map(lambda i: str((labels or {}).get(i, i)))
    owned = _owned_sets(lines, as_of, level) if lines is not None else {}
    checks = {
        "consent": lambda f: _consent_reasons(f, consent),
        "channel": lambda f: _channel_reasons(f, people, policy),
        "sensitive": lambda f: _sensitive_reasons(f, policy),
        "already_owned": lambda f: _owned_reasons(f, owned, policy),
        "prerequisite": lambda f: _prerequisite_reasons(f, owned, policy, labels),
        "season": lambda f: _season_reasons(f, pd.Timestamp(as_of), policy),
        "contact_cap": lambda f: _cap_reasons(f, recent_offer_counts(history, as_of, policy.window_days), policy),
    }
    logs = []
    for rule in RULES:
        if rule not in policy.rules or frame.empty:
            continue
        reasons = checks[rule](frame)
        removed = reasons.notna()
        logs.append(_log_rows(frame.loc[removed], rule, reasons[removed]))
        frame = frame.loc[~removed]
    log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=LOG_COLUMNS)
    return frame.drop(columns=[_ITEM, _SHOWN]).reset_index(drop=True), log


def guardrail_funnel(n_offers: int, log: pd.DataFrame, rules: tuple[str, ...] = RULES) -> pd.DataFrame:
    """How many offers each rule removed, and how many were left after it.

    Parameters
    ----------
    n_offers : int
        Offers in the list before the guardrails.
    log : pandas.DataFrame
        The suppression log of :func:`apply_guardrails`.
    rules : tuple of str, default :data:`RULES`
        The rules to list (rules that removed nothing show 0).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FUNNEL_COLUMNS`, first row ``"offer list"`` (removed 0,
        remaining ``n_offers``), then one row per rule in order.
    """
    counts = log["rule"].value_counts().reindex(list(rules), fill_value=0)
    remaining = n_offers - counts.cumsum()
    rows = [{"rule": "offer list", "removed": 0, "remaining": n_offers}]
    rows += [{"rule": rule, "removed": int(counts[rule]), "remaining": int(remaining[rule])} for rule in rules]
    return pd.DataFrame(rows, columns=FUNNEL_COLUMNS)


# --- one function per rule: a reason (str) for each removed offer, NaN for the kept ones ---


def _consent_reasons(frame: pd.DataFrame, consent: pd.Series) -> pd.Series:
    ok = frame[s.CUSTOMER_ID].map(consent).to_numpy(dtype=bool)
    return pd.Series(None, index=frame.index, dtype="object").where(ok, "no marketing consent (or consent unknown)")


def _offer_channel(offers: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    preferred = offers[s.CUSTOMER_ID].map(people[s.PREFERRED_CHANNEL]) if s.PREFERRED_CHANNEL in people else None
    if s.CHANNEL not in offers:
        return preferred.to_numpy() if preferred is not None else None
    return offers[s.CHANNEL].fillna(preferred).to_numpy() if preferred is not None else offers[s.CHANNEL].to_numpy()


def _channel_reasons(frame: pd.DataFrame, people: pd.DataFrame, policy: GuardrailPolicy) -> pd.Series:
    require_columns(people.reset_index(), [s.PREFERRED_CHANNEL], s.CUSTOMERS)
    preferred = frame[s.CUSTOMER_ID].map(people[s.PREFERRED_CHANNEL])
    allowed = preferred.map(lambda c: {c} if isinstance(c, str) else set())
    if policy.consented_channels_column:
        require_columns(people.reset_index(), [policy.consented_channels_column], s.CUSTOMERS)
        extra = frame[s.CUSTOMER_ID].map(people[policy.consented_channels_column])
        extra = extra.map(lambda text: {c.strip() for c in text.split(",")} if isinstance(text, str) else set())
        allowed = pd.Series([a | e for a, e in zip(allowed, extra)], index=frame.index)
    channel = frame[s.CHANNEL]
    ok = pd.Series([isinstance(c, str) and c in a for c, a in zip(channel, allowed)], index=frame.index)
    reason = [
        "no channel: no preferred channel on file" if not isinstance(c, str)
        else f"channel '{c}' not wanted (prefers {p if isinstance(p, str) else 'nothing on file'})"
        for c, p in zip(channel, preferred)
    ]
    return pd.Series(reason, index=frame.index, dtype="object").where(~ok)


def _sensitive_reasons(frame: pd.DataFrame, policy: GuardrailPolicy) -> pd.Series:
    sensitive = set(policy.sensitive)
    hit = frame[_ITEM].isin(sensitive)
    for column in (s.CATEGORY, s.PRODUCT_ID):
        if column in frame:
            hit |= frame[column].isin(sensitive)
    text = "sensitive product '" + frame[_SHOWN] + "': needs a person, not an automatic offer"
    return text.astype("object").where(hit)


def _owned_sets(lines: pd.DataFrame, as_of: str | pd.Timestamp, level: str = "category") -> dict[str, set[str]]:
    item = s.item_column(level)
    owned = owned_categories(lines, as_of, level=level)
    return owned.groupby(s.CUSTOMER_ID)[item].agg(lambda items: set(items.astype(str))).to_dict()


def _owned_reasons(frame: pd.DataFrame, owned: dict[str, set[str]], policy: GuardrailPolicy) -> pd.Series:
    repeatable = set(policy.repeatable)
    hit = [
        cat not in repeatable and cat in owned.get(cust, ()) for cust, cat in zip(frame[s.CUSTOMER_ID], frame[_ITEM])
    ]
    text = "already bought " + frame[_SHOWN].str.replace("_", " ") + " before"
    return text.astype("object").where(pd.Series(hit, index=frame.index))


def _prerequisite_reasons(frame: pd.DataFrame, owned: dict[str, set[str]], policy: GuardrailPolicy,
                          labels: Mapping[str, str] | None = None) -> pd.Series:
    reasons = []
    for cust, cat, shown in zip(frame[s.CUSTOMER_ID], frame[_ITEM], frame[_SHOWN]):
        needs = policy.prerequisites.get(cat)
        if needs and not set(map(str, needs)) & owned.get(cust, set()):
            named = " or ".join(str((labels or {}).get(n, n)) for n in needs[:3]) + (f" (or one of {len(needs) - 3:,} more)" if len(needs) > 3 else "")
            reasons.append(f"{shown} needs a {named}, which the customer does not own")
        else:
            reasons.append(None)
    return pd.Series(reasons, index=frame.index, dtype="object")


def _season_reasons(frame: pd.DataFrame, as_of: pd.Timestamp, policy: GuardrailPolicy) -> pd.Series:
    out_of_season = {cat for cat, months in policy.season.items() if as_of.month not in months}
    hit = frame[_ITEM].isin(out_of_season)
    months = frame[_ITEM].map(lambda c: ", ".join(map(str, policy.season.get(c, ()))))
    text = frame[_SHOWN] + f" is out of season in month {as_of.month} (offered in months " + months + ")"
    return text.astype("object").where(hit)


def _cap_reasons(frame: pd.DataFrame, recent: pd.Series, policy: GuardrailPolicy) -> pd.Series:
    order = frame
    if "expected_value" in frame:
        order = frame.sort_values("expected_value", ascending=False, kind="stable")
    rank_in_list = order.groupby(s.CUSTOMER_ID, sort=False).cumcount().reindex(frame.index)
    already = frame[s.CUSTOMER_ID].map(recent).fillna(0).astype(int)
    over = already + rank_in_list + 1 > policy.max_offers
    text = [
        f"contact cap: {a} offer(s) already sent in the last {policy.window_days} days"
        + (f" and {r} better offer(s) in this list" if r else "")
        + f" (cap {policy.max_offers})"
        for a, r in zip(already, rank_in_list)
    ]
    return pd.Series(text, index=frame.index, dtype="object").where(over)


def _log_rows(removed: pd.DataFrame, rule: str, reasons: pd.Series) -> pd.DataFrame:
    log = pd.DataFrame(
        {
            s.CUSTOMER_ID: removed[s.CUSTOMER_ID],
            s.CATEGORY: removed[s.CATEGORY] if s.CATEGORY in removed else None,
            s.PRODUCT_ID: removed[s.PRODUCT_ID] if s.PRODUCT_ID in removed else None,
            s.CHANNEL: removed[s.CHANNEL],
            "rule": rule,
            "reason": reasons,
        },
        index=removed.index,
    )
    return log[LOG_COLUMNS]
