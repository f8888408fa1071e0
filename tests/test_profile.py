"""The data profile says what the data supports, what it has and how to add what it lacks."""

from __future__ import annotations

import pandas as pd
import pytest

from xsell_lab.data import adapters
from xsell_lab.data import profile as p
from xsell_lab.data import schema as s
from xsell_lab.data.company import Company
from xsell_lab.exceptions import InsufficientDataError
from skips import shared_file


def small_company(categories=("laptop", "ink"), segments=None, unit_cost=True) -> Company:
    products = pd.DataFrame({s.PRODUCT_ID: ["p1", "p2"], s.PRODUCT_NAME: ["P1", "P2"], s.CATEGORY: list(categories), s.PRICE: [10.0, 2.0]})
    if unit_cost:
        products[s.UNIT_COST] = [6.0, 1.0]
    customers = pd.DataFrame({s.CUSTOMER_ID: ["a", "b", "c"]})
    if segments:
        customers[s.SEGMENT] = segments
    orders = pd.DataFrame({s.ORDER_ID: ["o1", "o2", "o3", "o4"], s.CUSTOMER_ID: ["a", "a", "b", "c"],
                           s.ORDER_DATE: ["2024-01-01", "2024-02-01", "2024-03-01", "2024-03-02"]})
    lines = pd.DataFrame({s.ORDER_ID: ["o1", "o2", "o3", "o4"], s.PRODUCT_ID: ["p1", "p2", "p1", "p2"], s.QUANTITY: [1, 2, 1, 1],
                          s.UNIT_PRICE: [10.0, 2.0, 10.0, 2.0]})
    return Company.from_tables({s.CUSTOMERS: customers, s.PRODUCTS: products, s.ORDERS: orders, s.ORDER_LINES: lines})


def test_the_bundled_company_supports_every_capability(bundled_company):
    table = bundled_company.profile()
    assert list(table.columns) == p.PROFILE_COLUMNS
    assert list(table["capability"]) == list(p.CAPABILITIES)
    assert table["supported"].all(), table.loc[~table["supported"], ["capability", "have"]]
    assert p.default_level(bundled_company) == "category"
    first, last = p.period(bundled_company)
    assert (first, last) == (bundled_company.orders[s.ORDER_DATE].min(), bundled_company.orders[s.ORDER_DATE].max())


def test_a_small_company_is_profiled_by_hand():
    company = small_company(categories=("unknown", "unknown"), unit_cost=False)
    table = company.profile().set_index("capability")
    assert not table.loc["categories", "supported"] and table.loc["categories", "have"] == "a single value of category (unknown)"
    assert not table.loc["costs", "supported"] and table.loc["costs", "have"] == "no unit_cost"
    assert table.loc["repeat_buyers", "have"] == "1 of 3 buying customers ordered twice or more"
    assert table.loc["history", "have"] == "62 days of orders (2024-01-01 to 2024-03-02)"
    assert not table.loc["experiments", "supported"] and table.loc["experiments", "have"] == "no offers table"
    assert p.default_level(company) == "product"


def test_supports_and_skip_message():
    table = small_company(segments=["x", "x", "y"]).profile()
    assert p.supports(table, "categories", "costs", "segments")
    assert p.skip_message(table, "the rate by segment", "segments") == ""
    table = small_company().profile()
    assert not p.supports(table, "segments")
    assert p.skip_message(table, "the cross-sell rate by segment", "segments", "costs") == (
        "Skipped: the cross-sell rate by segment needs two or more customer segments; this data has no segments. "
        "To run it, add a segment column in the customers file."
    )
    with pytest.raises(ValueError, match="unknown capability 'segment'; known: history"):
        p.supports(table, "segment")


def test_require_minimum_names_need_against_have():
    company = small_company()
    p.require_minimum(company, "Notebook 01", customers=3, orders=4, categories=2)
    with pytest.raises(InsufficientDataError) as caught:
        p.require_minimum(company, "Notebook 07 (customer lifetime value)", repeat_buyers=30, history_days=180)
    assert str(caught.value) == (
        "Notebook 07 (customer lifetime value) needs at least 30 customers with two or more orders (this data has 1); "
        "180 days of order history (this data has 62). Use a longer or larger export."
    )
    assert isinstance(caught.value, ValueError)


def test_the_profile_of_online_retail_matches_a_direct_count():
    """UCI Online Retail (one year, no categories, costs or segments; countries as regions): the profile says so."""
    source = shared_file("online_retail.csv.gz")
    company = adapters.online_retail(source).to_company()
    table = company.profile().set_index("capability")
    for capability in ("categories", "costs", "segments", "tiers", "experiments", "consent"):
        assert not table.loc[capability, "supported"], capability
    assert table.loc["regions", "supported"] and p.default_level(company) == "product"
    per_customer = company.orders.groupby(s.CUSTOMER_ID)[s.ORDER_ID].nunique()
    assert table.loc["repeat_buyers", "have"].startswith(f"{int((per_customer >= 2).sum()):,} of {len(per_customer):,} ")
    days = (company.orders[s.ORDER_DATE].max().normalize() - company.orders[s.ORDER_DATE].min().normalize()).days + 1
    assert table.loc["history", "have"].startswith(f"{days:,} days of orders")


def test_the_products_capability_counts_products_sold():
    assert p.supports(small_company().profile(), "products")
    one = small_company()
    one = Company.from_tables({s.CUSTOMERS: one.customers, s.PRODUCTS: one.products, s.ORDERS: one.orders,
                               s.ORDER_LINES: one.order_lines.assign(**{s.PRODUCT_ID: "p1"})})
    table = one.profile()
    assert not p.supports(table, "products")
    assert "1 product sold" in p.skip_message(table, "basket rules", "products")


def test_a_mapping_that_declares_a_line_sample_marks_baskets_incomplete(tmp_path):
    """Complete Journey's 75,000 sampled lines made "an order is worth 4.97": baskets were incomplete."""
    from xsell_lab.data.io import load_company, write_company
    from xsell_lab.exceptions import MappingError

    write_company(small_company(), tmp_path)
    whole = load_company(tmp_path)
    assert whole.sample == "" and whole.profile().set_index("capability").loc["whole_baskets", "supported"]
    sampled = load_company(tmp_path, mapping={"sample": "lines", "tables": {}})
    row = sampled.profile().set_index("capability").loc["whole_baskets"]
    assert not row["supported"] and "sample of order lines" in row["have"]
    assert "Skipped: the basket section needs every line of each order" in p.skip_message(sampled.profile(), "the basket section", "whole_baskets")
    assert sampled.subset(start="2024-02-01").sample == "lines", "a subset is a sample of the same kind"
    by_customer = load_company(tmp_path, mapping={"sample": "customers", "tables": {}}).profile().set_index("capability")
    assert by_customer.loc["whole_baskets", "supported"] and "a sample of customers" in by_customer.loc["whole_baskets", "have"]
    with pytest.raises(MappingError, match="'sample' must be one of lines, orders, customers .* got 'rows'"):
        load_company(tmp_path, mapping={"sample": "rows", "tables": {}})


def test_categories_count_what_was_sold_and_name_the_catalogue_besides(bundled_company):
    """Review: notebooks said 20 categories where 19 were ever sold (the catalogue's bundle category never is)."""
    sold = bundled_company.products[bundled_company.products[s.PRODUCT_ID].isin(bundled_company.order_lines[s.PRODUCT_ID])]
    have = bundled_company.profile().set_index("capability").loc["categories", "have"]
    assert have.startswith(f"{sold[s.CATEGORY].nunique()} categories sold (")
    assert have.endswith(f" of {bundled_company.products[s.CATEGORY].nunique()} in the catalogue")
    assert sold[s.CATEGORY].nunique() < bundled_company.products[s.CATEGORY].nunique()
