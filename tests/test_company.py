"""Company: building from raw tables, subsetting, and the wide sales-lines table."""

import pandas as pd
import pytest

from xsell_lab import Company, DataValidationError, MissingTableError, sales_lines
from xsell_lab.data import schema as s


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Two customers, three products, three orders: small enough to check by hand."""
    customers = pd.DataFrame(
        {
            s.CUSTOMER_ID: ["c1", "c2"],
            s.REGION: ["North", "South"],
            s.SEGMENT: ["consumer", "student"],
        }
    )
    products = pd.DataFrame(
        {
            s.PRODUCT_ID: ["LAP", "CASE", "INK"],
            s.PRODUCT_NAME: ["Laptop", "Laptop case", "Ink"],
            s.CATEGORY: ["Laptops", "Laptop accessories", "Ink"],
            s.PRICE: [1000.0, 40.0, 25.0],
            s.UNIT_COST: [900.0, 10.0, None],
        }
    )
    orders = pd.DataFrame(
        {
            s.ORDER_ID: ["o1", "o2", "o3"],
            s.CUSTOMER_ID: ["c1", "c1", "c2"],
            s.ORDER_DATE: ["2024-01-05", "2024-02-10 15:30", "2024-03-31"],
            s.CHANNEL: ["web", "store", "web"],
        }
    )
    lines = pd.DataFrame(
        {
            s.ORDER_ID: ["o1", "o1", "o2", "o3"],
            s.PRODUCT_ID: ["LAP", "CASE", "INK", "CASE"],
            s.QUANTITY: ["1", "2", "3", "1"],
            s.UNIT_PRICE: ["950", "40", "25", "35"],
        }
    )
    return {s.CUSTOMERS: customers, s.PRODUCTS: products, s.ORDERS: orders, s.ORDER_LINES: lines}


@pytest.fixture
def company() -> Company:
    return Company.from_tables(tiny_tables())


def test_from_tables_types_columns(company):
    assert pd.api.types.is_datetime64_any_dtype(company.orders[s.ORDER_DATE])
    assert company.order_lines[s.QUANTITY].dtype == "int64"
    assert company.order_lines[s.UNIT_PRICE].dtype == "float64"
    # optional columns absent from the input are added empty and logged
    assert s.MARKETING_CONSENT in company.customers
    assert company.customers[s.MARKETING_CONSENT].isna().all()
    assert "added empty optional column" in set(company.cleaning_log["step"])


def test_from_tables_does_not_modify_input():
    tables = tiny_tables()
    before = {name: frame.copy() for name, frame in tables.items()}
    Company.from_tables(tables)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_missing_required_table_is_named():
    tables = tiny_tables()
    del tables[s.ORDER_LINES]
    with pytest.raises(ValueError, match="order_lines"):
        Company.from_tables(tables)


def test_unknown_product_in_lines_is_reported_with_count_and_example():
    tables = tiny_tables()
    tables[s.ORDER_LINES].loc[3, s.PRODUCT_ID] = "GHOST"
    with pytest.raises(DataValidationError) as info:
        Company.from_tables(tables)
    message = str(info.value)
    assert "order_lines" in message and "product_id" in message
    assert "1 row(s)" in message and "'GHOST'" in message


def test_problems_of_every_table_come_in_one_error():
    tables = tiny_tables()
    tables[s.ORDERS] = tables[s.ORDERS].assign(order_date=["2024-01-05", "31/02/2024", "2024-03-31"])
    tables[s.ORDER_LINES] = tables[s.ORDER_LINES].assign(quantity=["1", "2", "-3", "1"], product_id=["LAP", "CASE", "INK", "GHOST"])
    with pytest.raises(DataValidationError) as info:
        Company.from_tables(tables)
    assert [(p.table, p.column) for p in info.value.problems] == [(s.ORDERS, s.ORDER_DATE), (s.ORDER_LINES, s.QUANTITY)]
    assert "were not checked yet" in str(info.value)  # the unknown product GHOST waits for valid types


def test_sales_lines_revenue_and_margin_by_hand(company):
    lines = sales_lines(company)
    assert list(lines.columns) == list(lines.columns.unique())
    laptop = lines[lines[s.PRODUCT_ID] == "LAP"].iloc[0]
    assert laptop["revenue"] == 950.0
    assert laptop["margin"] == 50.0  # 1 x (950 - 900)
    ink = lines[lines[s.PRODUCT_ID] == "INK"].iloc[0]
    assert ink["revenue"] == 75.0
    assert pd.isna(ink["margin"])  # unit cost unknown: margin unknown, not zero
    assert lines["revenue"].sum() == 950 + 80 + 75 + 35
    assert lines[s.REGION].tolist() == ["North", "North", "North", "South"]


def test_subset_by_date_is_inclusive_of_end_day(company):
    sub = company.subset(start="2024-02-10", end="2024-02-10")
    assert sub.orders[s.ORDER_ID].tolist() == ["o2"]  # 15:30 on the end day is kept
    assert sub.order_lines[s.PRODUCT_ID].tolist() == ["INK"]


def test_subset_by_segment_cascades_to_orders(company):
    sub = company.subset(segment="student")
    assert sub.customers[s.CUSTOMER_ID].tolist() == ["c2"]
    assert sub.orders[s.ORDER_ID].tolist() == ["o3"]
    assert len(company.orders) == 3  # the original is unchanged


def test_subset_unknown_segment_lists_known_values(company):
    with pytest.raises(ValueError, match="Known values: consumer, student"):
        company.subset(segment="enterprise")


def test_subset_empty_window_says_what_the_data_covers(company):
    with pytest.raises(ValueError, match="2024-01-05 to 2024-03-31"):
        company.subset(start="2030-01-01")


def test_summary_counts_rows(company):
    summary = company.summary()
    assert summary.loc[s.ORDER_LINES, "rows"] == 4
    assert summary.loc[s.ORDERS, "first_date"] == pd.Timestamp("2024-01-05")


def test_require_names_the_missing_table_and_its_columns(company):
    company.require(s.ORDERS, purpose="Anything")  # present: no error
    with pytest.raises(MissingTableError, match=r"Notebook 08 needs the table\(s\) 'offers' \(offers and experiment arms: offer_id, "):
        company.require(s.OFFERS, purpose="Notebook 08")
