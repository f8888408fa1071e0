"""Item labels (names shown, ids grouped), roles and guardrails at product level, and the one home of margin."""


import numpy as np
import pandas as pd
import pytest

from xsell_lab import basket, catalogue, clv, guardrails, pricing, propensity, triggers
from xsell_lab.data import margins

PRODUCTS = pd.DataFrame({
    "product_id": ["1", "2", "3", "4"],
    "product_name": ["MUG", "MUG", "BOWL", None],
    "category": ["unknown"] * 4,
    "price": [2.0, 2.5, 4.0, 1.0],
})


def test_item_labels_names_unique_products_and_add_the_id_where_names_are_shared():
    labels = catalogue.item_labels(PRODUCTS, "product")
    assert dict(labels) == {"1": "MUG (1)", "2": "MUG (2)", "3": "BOWL", "4": "4"}
    assert len(set(labels.values())) == len(labels)
    assert labels["not a product"] == "not a product"
    assert pd.Series(["3", "x"]).map(labels).tolist() == ["BOWL", "x"]


def test_item_labels_at_category_level_are_the_categories():
    assert dict(catalogue.item_labels(PRODUCTS, "category")) == {"unknown": "unknown"}
    with pytest.raises(ValueError, match="level"):
        catalogue.item_labels(PRODUCTS, "brand")


def _lines():
    rows = []
    for customer in range(40):
        rows.append((f"c{customer}", "1", 1, "2025-01-01"))  # everyone buys product 1 first ...
        rows.append((f"c{customer}", "3", 3 if customer % 2 else 1, "2025-02-01"))  # ... then 3, half of them several
    lines = pd.DataFrame(rows, columns=["customer_id", "product_id", "quantity", "order_date"])
    return lines.assign(order_date=pd.to_datetime(lines["order_date"]), category="unknown",
                        order_id=lines["customer_id"] + lines["order_date"])


def test_item_roles_at_product_level_derive_from_purchases_of_products():
    roles = catalogue.item_roles(PRODUCTS, _lines(), level="product")
    assert list(roles.columns[:1]) == ["product_id"]
    assert catalogue.prerequisites(roles) == {"3": ("1",)}
    assert catalogue.repeatable_categories(roles) == ("3",)
    text = catalogue.describe_roles(roles, catalogue.item_labels(PRODUCTS, "product"))
    assert "BOWL needs MUG (1)" in text and ": BOWL." in text
    assert catalogue.item_roles(PRODUCTS, _lines(), level="product", repeatable=["1"])["repeatable"].tolist() == [True, False, False, False]


def test_guardrails_at_product_level_compare_products_and_show_labels():
    lines = _lines()
    customers = pd.DataFrame({"customer_id": ["c0", "c1"], "marketing_consent": [True, True], "preferred_channel": ["email", "email"]})
    offers = pd.DataFrame({"customer_id": ["c0", "c1"], "product_id": ["1", "2"]})
    policy = guardrails.GuardrailPolicy(rules=("already_owned",))
    kept, log = guardrails.apply_guardrails(offers, customers, as_of="2025-03-01", lines=lines, policy=policy,
                                            level="product", labels=catalogue.item_labels(PRODUCTS, "product"))
    assert kept["product_id"].tolist() == ["2"]
    assert log["reason"].tolist() == ["already bought MUG (1) before"]


def test_rules_and_triggers_show_labels_but_keep_keys():
    rules = pd.DataFrame({"antecedents": [frozenset({"1"})], "consequents": [frozenset({"3", "2"})]})
    labels = catalogue.item_labels(PRODUCTS, "product")
    assert basket.itemset_text(rules["consequents"], labels).tolist() == ["BOWL, MUG (2)"]
    assert basket.relabel_rules(rules, labels)["antecedents"].iloc[0] == frozenset({"MUG (1)"})
    rule = triggers.TriggerRule("x", "purchase", "3", "1")
    assert "of MUG (1) happens, offer BOWL" in rule.describe(labels)
    assert propensity.describe_feature("owns_3", labels=labels) == "has bought: BOWL"


def test_level_column_is_deprecated():
    with pytest.warns(FutureWarning, match="item_labels"):
        assert basket.level_column("product") == "product_name"


def test_margin_lives_in_the_data_layer_and_old_names_still_import():
    assert clv.with_assumed_margin is margins.with_assumed_margin and pricing.unit_costs is margins.unit_costs
    from xsell_lab.clv.margin import margin_statement  # noqa: F401  kept until 0.3
    from xsell_lab.pricing.margins import describe_margin_basis  # noqa: F401
    for bad in (-0.1, 1.0):
        with pytest.raises(ValueError, match="assumed_margin_rate"):
            margins.check_margin_rate(bad)
        with pytest.raises(ValueError, match="assumed_margin_rate"):
            margins.unit_costs(PRODUCTS, bad)
        with pytest.raises(ValueError, match="assumed_margin_rate"):
            margins.with_assumed_margin(pd.DataFrame({"revenue": [1.0], "margin": [np.nan]}), bad)


def test_one_rule_for_assumed_margins_on_lines_and_list_prices():
    lines = pd.DataFrame({"revenue": [10.0, 4.0], "margin": [np.nan, 1.0]})
    assumed = margins.with_assumed_margin(lines, 0.3)
    assert assumed["margin"].tolist() == pytest.approx([3.0, 1.0])
    assert margins.with_assumed_margin(lines, 0.0)["margin"].isna().tolist() == [True, False]
    costs = margins.unit_costs(PRODUCTS, 0.3)
    assert (PRODUCTS["price"] - costs).tolist() == pytest.approx((0.3 * PRODUCTS["price"]).tolist())
    assert margins.unit_costs(PRODUCTS).isna().all()
    for sentence in (margins.margin_statement(margins.with_assumed_margin(lines, 0.0)), margins.describe_margin_basis(PRODUCTS)):
        assert "assumed_margin_rate parameter" in sentence
    assert "(the assumed_margin_rate parameter)" in margins.describe_margin_basis(PRODUCTS, 0.3)
    assert "(the assumed_margin_rate parameter)" in margins.margin_statement(assumed, 0.3)
