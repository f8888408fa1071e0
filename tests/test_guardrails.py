"""Guardrails: each rule on a hand-made example, the suppression log and its counts, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from xsell_lab import catalogue
from xsell_lab.guardrails import (
    REPEAT_COLUMNS,
    RULES,
    GuardrailPolicy,
    apply_guardrails,
    choose_channel,
    choose_repeatable,
    consent_recorded,
    guardrail_funnel,
    has_consent,
    owned_categories,
    recent_offer_counts,
    recorded_rules,
)

AS_OF = "2025-06-15"
#: The hand-made catalogue of these tests: what needs a main product, and the consumables.
PREREQUISITES = {"ink": ("printer",), "laptop_case": ("laptop",)}
REPEATABLE = ("ink",)


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "marketing_consent": [True, False, None, True, True],
            "preferred_channel": ["web", "app", "store", "phone", None],
            "other_channels": ["app", None, None, "web, store", "web"],
        }
    )


def _lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "d", "d", "e"],
            "order_date": pd.to_datetime(["2024-01-05", "2024-01-05", "2025-02-01", "2025-07-01", "2025-03-03"]),
            "category": ["printer", "laptop_case", "laptop", "printer", "ink"],
        }
    )


def _run(offers, policy, history=None):
    return apply_guardrails(offers, _customers(), as_of=AS_OF, lines=_lines(), history=history, policy=policy)


def test_consent_false_and_unknown_both_block():
    offers = pd.DataFrame({"customer_id": list("abcd"), "category": "mouse"})
    kept, log = _run(offers, GuardrailPolicy(rules=("consent",)))
    assert kept["customer_id"].tolist() == ["a", "d"]
    assert log["customer_id"].tolist() == ["b", "c"]
    assert set(log["rule"]) == {"consent"}
    assert has_consent(_customers()).to_dict() == {"a": True, "b": False, "c": False, "d": True, "e": True}


def test_channel_preferred_or_consented_and_filled_when_empty():
    offers = pd.DataFrame(
        {"customer_id": ["a", "a", "a", "d", "e"], "category": "mouse", "channel": [None, "app", "sms", "store", "phone"]}
    )
    kept, log = _run(offers, GuardrailPolicy(rules=("channel",), consented_channels_column="other_channels"))
    # a: empty -> web (preferred); app consented; sms refused. d: store consented. e: no preference, phone not consented.
    assert kept["channel"].tolist() == ["web", "app", "store"]
    assert log["channel"].tolist() == ["sms", "phone"]
    assert "prefers web" in log["reason"].iloc[0]
    kept_strict, log_strict = _run(offers, GuardrailPolicy(rules=("channel",)))
    assert kept_strict["channel"].tolist() == ["web"]  # without the consented list only the preferred channel is allowed
    assert len(log_strict) == 4


def test_offer_without_any_channel_is_logged_not_dropped_silently():
    offers = pd.DataFrame({"customer_id": ["e"], "category": "mouse"})
    kept, log = _run(offers, GuardrailPolicy(rules=("channel",)))
    assert kept.empty
    assert log["reason"].iloc[0] == "no channel: no preferred channel on file"


def test_sensitive_by_category_or_product():
    offers = pd.DataFrame(
        {"customer_id": ["a", "a", "d"], "category": ["subscription", "mouse", "warranty"], "product_id": ["SUB-BAS", "MOU-1", "WAR-LAP"]}
    )
    kept, log = _run(offers, GuardrailPolicy(rules=("sensitive",), sensitive=("subscription", "WAR-LAP")))
    assert kept["category"].tolist() == ["mouse"]
    assert log["product_id"].tolist() == ["SUB-BAS", "WAR-LAP"]


def test_the_default_policy_knows_no_catalogue():
    """Which categories need a device or are consumables comes from the data, never from a default."""
    policy = GuardrailPolicy()
    assert policy.prerequisites == {} and policy.repeatable == ()
    offers = pd.DataFrame({"customer_id": ["d", "a"], "category": ["ink", "laptop_case"]})
    kept, log = _run(offers, GuardrailPolicy(rules=("already_owned", "prerequisite")))
    # d owns no printer yet, but no default says ink needs one; a owns a laptop case, and no default spares it
    assert list(zip(kept["customer_id"], kept["category"])) == [("d", "ink")]
    assert log["rule"].tolist() == ["already_owned"]


def test_already_owned_counts_only_purchases_before_as_of_and_spares_consumables():
    offers = pd.DataFrame({"customer_id": ["a", "a", "d", "e"], "category": ["laptop_case", "printer", "printer", "ink"]})
    kept, log = _run(offers, GuardrailPolicy(rules=("already_owned",), repeatable=REPEATABLE))
    # a owns both; d's printer is bought after as_of (not owned yet); e's ink is a consumable.
    assert list(zip(kept["customer_id"], kept["category"])) == [("d", "printer"), ("e", "ink")]
    assert log["reason"].tolist() == ["already bought laptop case before", "already bought printer before"]


def test_prerequisite_no_ink_without_a_printer():
    offers = pd.DataFrame({"customer_id": ["a", "d", "e", "e"], "category": ["ink", "ink", "ink", "mouse"]})
    kept, log = _run(offers, GuardrailPolicy(rules=("prerequisite",), prerequisites=PREREQUISITES))
    assert list(zip(kept["customer_id"], kept["category"])) == [("a", "ink"), ("e", "mouse")]
    assert log["customer_id"].tolist() == ["d", "e"]  # d's printer comes after as_of
    assert log["reason"].iloc[0] == "ink needs a printer, which the customer does not own"


def test_season_rule_uses_the_month_of_as_of():
    offers = pd.DataFrame({"customer_id": ["a", "a"], "category": ["laptop_case", "mouse"]})
    kept, log = _run(offers, GuardrailPolicy(rules=("season",), season={"laptop_case": (8, 9), "mouse": (5, 6, 7)}))
    assert kept["category"].tolist() == ["mouse"]  # June
    assert "month 6" in log["reason"].iloc[0]


def test_contact_cap_counts_history_in_window_and_keeps_the_most_valuable():
    history = pd.DataFrame(
        {"customer_id": ["a", "d", "d"], "offer_date": pd.to_datetime(["2025-06-01", "2025-05-01", "2025-06-15"])}
    )
    offers = pd.DataFrame(
        {"customer_id": ["a", "d", "d", "e", "e", "e"], "category": list("pqrstu"), "expected_value": [5, 1, 2, 1, 3, 2]}
    )
    kept, log = _run(offers, GuardrailPolicy(rules=("contact_cap",), max_offers=2, window_days=30), history=history)
    # a: 1 recent + 1 -> ok; d: 1 recent (05-01 is 45 days ago) -> keeps its best (r); e: none recent -> best two (t, u)
    assert kept["category"].tolist() == ["p", "r", "t", "u"]
    assert log["category"].tolist() == ["q", "s"]
    assert recent_offer_counts(history, AS_OF, 30).to_dict() == {"a": 1, "d": 1}


def test_the_control_arm_of_a_test_was_never_contacted_and_does_not_count_for_the_cap():
    history = pd.DataFrame({"customer_id": ["a", "b", "b"], "variant": ["control", "offer", "control"],
                            "offer_date": pd.to_datetime(["2025-06-01", "2025-06-01", "2025-06-10"])})
    assert recent_offer_counts(history, AS_OF, 30).to_dict() == {"b": 1}
    offers = pd.DataFrame({"customer_id": ["a", "b"], "category": ["p", "q"]})
    kept, log = _run(offers, GuardrailPolicy(rules=("contact_cap",), max_offers=1, window_days=30), history=history)
    assert kept["customer_id"].tolist() == ["a"] and log["customer_id"].tolist() == ["b"]


def test_all_rules_in_order_and_the_funnel_counts_add_up():
    offers = pd.DataFrame(
        {
            "customer_id": ["b", "c", "a", "a", "a", "d", "d", "e"],
            "category": ["mouse", "mouse", "subscription", "laptop_case", "ink", "ink", "mouse", "mouse"],
            "expected_value": [9, 9, 9, 8, 7, 6, 5, 4],
        }
    )
    policy = GuardrailPolicy(sensitive=("subscription",), max_offers=1, prerequisites=PREREQUISITES, repeatable=REPEATABLE)
    kept, log = _run(offers, policy)
    counts = log["rule"].value_counts().to_dict()
    # b, c: consent; e: no channel; a/subscription: sensitive; a/laptop_case: owned; d/ink: no printer yet
    assert counts == {"consent": 2, "channel": 1, "sensitive": 1, "already_owned": 1, "prerequisite": 1}
    assert list(zip(kept["customer_id"], kept["category"])) == [("a", "ink"), ("d", "mouse")]
    funnel = guardrail_funnel(len(offers), log)
    assert funnel["rule"].tolist() == ["offer list", *RULES]
    assert funnel["removed"].sum() == len(offers) - len(kept)
    assert funnel["remaining"].iloc[-1] == len(kept)
    assert funnel.set_index("rule").loc["contact_cap", "removed"] == 0


def test_inputs_are_not_modified():
    offers = pd.DataFrame({"customer_id": ["a", "b"], "category": ["mouse", "mouse"]})
    customers, before = _customers(), offers.copy()
    apply_guardrails(offers, customers, as_of=AS_OF, lines=_lines())
    pd.testing.assert_frame_equal(offers, before)
    pd.testing.assert_frame_equal(customers, _customers())


def test_missing_consent_column_is_a_clear_error():
    offers = pd.DataFrame({"customer_id": ["a"], "category": ["mouse"]})
    with pytest.raises(ValueError, match=r"table 'customers', column 'marketing_consent'.*missing: the column is required"):
        apply_guardrails(offers, _customers().drop(columns="marketing_consent"), as_of=AS_OF, lines=_lines())


def test_consent_not_recorded_is_not_everyone_refusing():
    """Issue #10: Online Retail has no consent column, and every offer was removed as 'no consent'.
    Unrecorded consent leaves the rule out (the notebook says to check it); recorded consent keeps it."""
    silent = _customers().assign(marketing_consent=None)
    assert not consent_recorded(silent) and not consent_recorded(_customers().drop(columns="marketing_consent"))
    assert consent_recorded(_customers())
    assert recorded_rules(silent) == tuple(rule for rule in RULES if rule != "consent")
    assert recorded_rules(_customers()) == RULES
    no_channels = silent.assign(preferred_channel=None)
    assert recorded_rules(no_channels) == tuple(rule for rule in RULES if rule not in ("consent", "channel"))
    offers = pd.DataFrame({"customer_id": list("abcd"), "category": "mouse"})
    for customers in (silent, silent.drop(columns="marketing_consent")):
        kept, log = apply_guardrails(offers, customers, as_of=AS_OF, lines=_lines(),
                                     policy=GuardrailPolicy(rules=recorded_rules(customers)))
        assert kept["customer_id"].tolist() == list("abcd") and "consent" not in set(log["rule"])


def test_unknown_customer_and_missing_lines_are_clear_errors():
    with pytest.raises(ValueError, match=r"1 offer\(s\) name customers absent.*'zz'"):
        apply_guardrails(pd.DataFrame({"customer_id": ["zz"], "category": ["mouse"]}), _customers(), as_of=AS_OF, lines=_lines())
    with pytest.raises(ValueError, match="need the sales lines"):
        apply_guardrails(pd.DataFrame({"customer_id": ["a"], "category": ["mouse"]}), _customers(), as_of=AS_OF)
    with pytest.raises(ValueError, match="Unknown guardrail rule"):
        GuardrailPolicy(rules=("consent", "vibes"))


def test_bundled_company_guardrails_respect_consent_and_ownership(bundled_company, bundled_lines):
    """On the synthetic company: no kept offer goes to a non-consenting customer or repeats a durable they own."""
    s_customer = "customer_id"
    lines = bundled_lines
    buyers = lines[s_customer].drop_duplicates().head(600)
    offers = pd.DataFrame({s_customer: buyers, "category": "laptop_case"})
    roles = catalogue.category_roles(bundled_company.products, lines)  # from the products table's columns
    policy = GuardrailPolicy(prerequisites=catalogue.prerequisites(roles), repeatable=catalogue.repeatable_categories(roles))
    kept, log = apply_guardrails(offers, bundled_company.customers, as_of="2025-01-01", lines=lines,
                                 history=bundled_company.offers, policy=policy)
    consent = has_consent(bundled_company.customers)
    assert consent[kept[s_customer]].all()
    assert (log["rule"] == "consent").sum() == (~consent[buyers]).sum()
    owned = owned_categories(lines, "2025-01-01")
    owners = set(owned.loc[owned["category"] == "laptop_case", s_customer])
    laptop_owners = set(owned.loc[owned["category"] == "laptop", s_customer])
    assert not set(kept[s_customer]) & owners
    assert set(kept[s_customer]) <= laptop_owners
    assert len(kept) + len(log) == len(offers)


# --- choices the data makes ------------------------------------------------------------------


def test_choose_channel_given_auto_or_each_customers_own(bundled_company, ground_truth):
    people = pd.DataFrame({"preferred_channel": ["web", "store", "store", None, "web"]})
    assert choose_channel(people) == "store"  # tie 2 - 2 goes to the name first in order
    assert choose_channel(people, "web") == "web" and choose_channel(people, "") == ""
    with pytest.raises(ValueError, match=r"Channel 'fax' is not a value of column 'preferred_channel'.*store, web"):
        choose_channel(people, "fax")
    with pytest.raises(ValueError, match="empty for all 1 customers"):
        choose_channel(pd.DataFrame({"preferred_channel": [None]}))
    planted = ground_truth["customers"]
    share = {
        channel: sum(planted["segment_mix"][seg] * mix.get(channel, 0) for seg, mix in planted["preferred_channel_mix_by_segment"].items())
        for channel in planted["preferred_channel_mix_by_segment"]["consumer"]
    }
    assert choose_channel(bundled_company.customers) == max(share, key=share.get)


def test_choose_repeatable_by_hand():
    lines = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b", "b", "c"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-03-01", "2024-01-01", "2024-02-01", "2024-02-01", "2024-01-01"]),
            "category": ["printer", "ink", "ink", "ink", "ink", "laptop", "printer"],
        }
    )
    with pytest.warns(FutureWarning, match="catalogue.category_roles"):
        table = choose_repeatable(lines).set_index("category")
    # returning buyers: printer a (c never came back), ink a and b; laptop nobody (b's last order)
    assert table.loc["ink", ["returning_buyers", "bought_again"]].tolist() == [2, 2]
    assert table.loc["printer", ["returning_buyers", "bought_again"]].tolist() == [1, 0]
    assert table["repeatable"].to_dict() == {"ink": True, "printer": False, "laptop": False}  # pooled share 2 / 3
    assert list(table.reset_index().columns) == REPEAT_COLUMNS
    with pytest.warns(FutureWarning):
        assert choose_repeatable(lines, ["printer"]).set_index("category")["repeatable"].to_dict() == {
            "ink": False, "printer": True, "laptop": False
        }
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match=r"repeatable 'paper' not found in column 'category'.*ink, laptop, printer"):
        choose_repeatable(lines, ["paper"])


def test_choose_repeatable_on_the_planted_data(bundled_lines, ground_truth):
    lines = bundled_lines
    with pytest.warns(FutureWarning):
        table = choose_repeatable(lines).set_index("category")
    planted = ground_truth["baskets"]
    anchors = set(planted["anchor_mix_by_segment"]["consumer"])
    attached_only = {c for complements in planted["attach_probability"].values() for c in complements} - anchors
    assert table.loc["ink", "repeatable"]  # its own orders' anchor, and the planted next purchase after a printer
    assert not table.loc[sorted(attached_only), "repeatable"].any()  # only ever bought with a main item
    days = lines[["customer_id", "category", "order_date"]].drop_duplicates()
    ink = days[days["category"] == "ink"].groupby("customer_id")["order_date"].agg(["min", "size"])
    returning = ink[ink["min"] < lines.groupby("customer_id")["order_date"].max().reindex(ink.index)]
    assert table.loc["ink", "returning_buyers"] == len(returning)
    assert table.loc["ink", "bought_again"] == int((returning["size"] > 1).sum())
