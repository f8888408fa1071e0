"""Adapters for public data sets, checked against published counts and an independent re-count.

The independent re-counts read the raw files with the standard library (``csv``,
``gzip``), not with the adapter's pandas code, and apply the documented rules
row by row.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest

from xsell_lab.data import adapters
from xsell_lab.data import schema as s

from skips import import_or_skip


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_report_is_tidy(data: adapters.AdaptedData) -> None:
    assert list(data.report.columns) == ["table", "step", "rows", "detail"]
    assert data.report.iloc[0]["step"] == "rows read"
    assert (data.report["rows"] >= 0).all()


# --- Online Retail ----------------------------------------------------------


@pytest.fixture(scope="module")
def retail_file(shared_data) -> Path:
    return shared_data / "online_retail.csv.gz"


@pytest.fixture(scope="module")
def retail(retail_file) -> adapters.AdaptedData:
    return adapters.online_retail(retail_file)


@pytest.fixture(scope="module")
def retail_recount(retail_file) -> dict:
    """The documented rules applied row by row with the csv module."""
    raw_rows, raw_customers, kept_customers, invoices = 0, set(), set(), set()
    revenue = 0.0
    with gzip.open(retail_file, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            raw_rows += 1
            customer = row["CustomerID"].strip()
            if customer:
                raw_customers.add(customer)
            code = row["StockCode"].strip().upper()
            quantity, price = int(row["Quantity"]), float(row["UnitPrice"])
            sale = not row["InvoiceNo"].startswith("C") and quantity > 0
            if customer and sale and price > 0 and code not in adapters.ONLINE_RETAIL_NON_PRODUCT_CODES:
                kept_customers.add(customer)
                invoices.add(row["InvoiceNo"])
                revenue += quantity * price
    return {"raw_rows": raw_rows, "raw_customers": raw_customers, "customers": kept_customers, "invoices": invoices, "revenue": revenue}


def test_online_retail_matches_published_counts(retail, retail_recount):
    assert retail.step("rows read") == 541_909  # UCI repository page
    assert retail_recount["raw_rows"] == 541_909
    assert len(retail_recount["raw_customers"]) == 4_372  # customers with an id, as usually reported


def test_online_retail_matches_independent_recount(retail, retail_recount):
    tables = retail.tables
    assert set(tables[s.CUSTOMERS][s.CUSTOMER_ID]) == retail_recount["customers"]
    assert set(tables[s.ORDERS][s.ORDER_ID]) == retail_recount["invoices"]
    lines = tables[s.ORDER_LINES]
    revenue = (lines[s.QUANTITY] * lines[s.UNIT_PRICE]).sum()
    assert revenue == pytest.approx(retail_recount["revenue"], rel=1e-9)  # aggregation keeps revenue


def test_online_retail_report_adds_up(retail):
    r = retail.step
    sales_kept = (
        r("rows read")
        - r("non-product codes dropped")
        - r("blank CustomerID dropped")
        - r("cancellations and negative quantities set aside")
        - r("zero or negative prices dropped")
        - r("repeated invoice + product lines aggregated")
    )
    assert sales_kept == len(retail.tables[s.ORDER_LINES]) == r("order lines kept")
    returns_kept = (
        r("cancellations and negative quantities set aside")
        - r("returns of products never sold dropped")
        - r("returns without an earlier order dropped")
        - r("repeated return lines aggregated")
    )
    assert returns_kept == len(retail.tables[s.RETURNS]) == r("returns kept")
    for step in ("blank CustomerID dropped", "non-product codes dropped", "repeated invoice + product lines aggregated"):
        assert r(step) > 0, step
    assert_report_is_tidy(retail)


def test_online_retail_returns_point_at_an_earlier_purchase(retail):
    returns = retail.tables[s.RETURNS]
    orders = retail.tables[s.ORDERS].set_index(s.ORDER_ID)
    assert (returns[s.QUANTITY] > 0).all()
    assert (orders.loc[returns[s.ORDER_ID], s.ORDER_DATE].to_numpy() <= returns[s.RETURN_DATE].to_numpy()).all()
    bought = retail.tables[s.ORDER_LINES].set_index([s.ORDER_ID, s.PRODUCT_ID]).index
    assert pd.MultiIndex.from_frame(returns[[s.ORDER_ID, s.PRODUCT_ID]]).isin(bought).all()


def test_online_retail_becomes_a_valid_company(retail):
    company = retail.to_company()
    assert len(company.order_lines) == len(retail.tables[s.ORDER_LINES])
    assert company.cleaning_log.iloc[: len(retail.report)].equals(retail.report)
    assert set(company.products[s.CATEGORY]) == {adapters.UNKNOWN_CATEGORY}
    assert company.customers[s.REGION].value_counts().index[0] == "United Kingdom"


# --- Groceries --------------------------------------------------------------


def test_groceries_matches_published_counts_and_mlxtend(shared_data):
    from mlxtend.preprocessing import TransactionEncoder

    file = shared_data / "groceries.csv"
    before = sha256(file)
    data = adapters.groceries(file)
    lines = data.tables[s.ORDER_LINES]
    # Hahsler, Hornik & Reutterer (2006) / arules summary(Groceries)
    assert lines[s.ORDER_ID].nunique() == 9_835
    assert len(data.tables[s.PRODUCTS]) == 169
    assert len(lines) == 43_367
    assert (lines[s.PRODUCT_ID] == "whole milk").sum() == 2_513  # most frequent item in arules
    baskets = [line.split(",") for line in file.read_text(encoding="utf-8").splitlines()]
    matrix = TransactionEncoder().fit(baskets).transform(baskets)
    assert matrix.sum() == len(lines)
    assert sha256(file) == before
    assert_report_is_tidy(data)


def test_groceries_is_not_a_full_company(shared_data):
    with pytest.raises(ValueError, match="Missing required table"):
        adapters.groceries(shared_data / "groceries.csv").to_company()


def test_groceries_cleans_empty_and_repeated_items(tmp_path):
    file = tmp_path / "baskets.csv"
    file.write_text("milk,bread,\nbeer,beer,chips\n\nmilk\n", encoding="utf-8")
    data = adapters.groceries(file)
    assert data.step("rows read") == 4
    assert data.step("empty items dropped") == 2  # the trailing comma and the empty line
    assert data.step("items repeated in a basket kept once") == 1
    assert data.tables[s.ORDER_LINES][s.ORDER_ID].tolist() == ["B00001", "B00001", "B00002", "B00002", "B00004"]


# --- CDNOW ------------------------------------------------------------------


def test_cdnow_matches_published_counts_and_recount():
    import_or_skip("lifetimes")
    file = adapters.lifetimes_dataset_path("CDNOW_master.txt")
    data = adapters.cdnow(file)
    company = data.to_company()
    assert len(company.customers) == 23_570  # Fader, Hardie & Lee (2005)
    per_customer = defaultdict(lambda: [0, 0.0])
    with file.open(encoding="utf-8") as handle:
        for line in handle:
            customer, date, units, value = line.split()
            if date.isdigit():
                per_customer[customer][0] += 1
                per_customer[customer][1] += float(value)
    sales = company.order_lines.merge(company.orders, on=s.ORDER_ID)
    ours = sales.assign(value=sales[s.QUANTITY] * sales[s.UNIT_PRICE]).groupby(s.CUSTOMER_ID)["value"].agg(["size", "sum"])
    assert len(ours) == len(per_customer) == 23_570
    assert "00001" in ours.index  # ids keep their leading zeros
    assert ours.loc["00001", "size"] == per_customer["00001"][0]
    expected = pd.DataFrame.from_dict(per_customer, orient="index", columns=["size", "sum"]).sort_index()
    pd.testing.assert_series_equal(ours["size"].sort_index(), expected["size"], check_names=False, check_dtype=False)
    assert ours["sum"].sort_index().to_numpy() == pytest.approx(expected["sum"].to_numpy())
    assert company.customers[s.SIGNUP_DATE].max() < pd.Timestamp("1997-04-01")  # the Q1-1997 cohort


def test_cdnow_without_header(tmp_path):
    file = tmp_path / "cdnow.txt"
    file.write_text(" 00007 19970102  2   20.00\n 00007 19970301  1   9.50\n 00012 19970105  1   12.00\n", encoding="utf-8")
    company = adapters.cdnow(file).to_company()
    assert company.orders[s.ORDER_ID].tolist() == ["00007-1", "00007-2", "00012-1"]
    assert company.order_lines[s.UNIT_PRICE].tolist() == [10.0, 9.5, 12.0]


# --- Hillstrom --------------------------------------------------------------


def test_hillstrom_arms_and_published_conversion(shared_data):
    file = shared_data / "hillstrom_email.csv"
    data = adapters.hillstrom(file)
    offers = data.tables[s.OFFERS]
    with file.open(encoding="utf-8", newline="") as handle:
        arms = Counter(row["segment"] for row in csv.DictReader(handle))
    assert len(offers) == 64_000
    counts = offers[s.VARIANT].value_counts()
    assert counts["mens"] == arms["Mens E-Mail"] and counts["womens"] == arms["Womens E-Mail"]
    assert counts["control"] == arms["No E-Mail"]
    conversion = offers.groupby(s.VARIANT)[s.ACCEPTED].mean()
    # Hillstrom (2008), MineThatData challenge: 1.25% / 0.88% / 0.57%
    assert conversion.round(4).to_dict() == {"control": 0.0057, "mens": 0.0125, "womens": 0.0088}
    assert set(data.tables[s.CUSTOMERS][s.REGION]) == {"Urban", "Suburban", "Rural"}
    assert data.step("zip_code 'Surburban' corrected to 'Suburban'") > 0


# --- Instacart --------------------------------------------------------------


def test_instacart_style_dates_and_categories(tmp_path):
    (tmp_path / "orders.csv").write_text(
        "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order\n"
        "10,1,prior,1,2,8,\n11,1,prior,2,3,9,7.0\n12,1,prior,3,1,9,3.0\n20,2,prior,1,0,10,\n99,2,test,2,0,10,5.0\n",
        encoding="utf-8",
    )
    (tmp_path / "order_products__prior.csv").write_text(
        "order_id,product_id,add_to_cart_order,reordered\n10,5,1,0\n10,6,2,0\n11,5,1,1\n12,6,1,1\n20,6,1,0\n",
        encoding="utf-8",
    )
    (tmp_path / "products.csv").write_text(
        "product_id,product_name,aisle_id,department_id\n5,Banana,24,4\n6,Milk,84,16\n", encoding="utf-8"
    )
    (tmp_path / "departments.csv").write_text("department_id,department\n4,produce\n16,dairy eggs\n", encoding="utf-8")
    before = {p.name: sha256(p) for p in tmp_path.iterdir()}
    data = adapters.instacart(tmp_path, start_date="2020-01-01")
    orders = data.tables[s.ORDERS].set_index(s.ORDER_ID)
    assert orders.loc[["10", "11", "12", "20"], s.ORDER_DATE].dt.strftime("%m-%d").tolist() == ["01-01", "01-08", "01-11", "01-01"]
    assert "99" not in orders.index and data.step("orders without product lines dropped") == 1
    assert data.tables[s.PRODUCTS][s.CATEGORY].tolist() == ["produce", "dairy eggs"]
    assert before == {p.name: sha256(p) for p in tmp_path.iterdir()}


def test_adapter_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="Online Retail file .*nope.csv"):
        adapters.online_retail(tmp_path / "nope.csv")
    bad = tmp_path / "retail.csv"
    bad.write_text("Invoice,StockCode\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"retail.csv.*7 expected column\(s\) missing, e.g. 'InvoiceNo'"):
        adapters.online_retail(bad)
