"""Bad input: every case gives one clear error naming the table, the column, the count and an example.

Each test writes a small company as CSV files, breaks one thing, loads it with
:func:`load_company` and checks the message, so the checks cover the whole path
an analyst's file takes (reading, mapping, validation, cross-table checks).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from xsell_lab import DataValidationError, load_company
from xsell_lab.data import schema as s
from xsell_lab.data.io import DataFileError

from factories import canonical_tables, checksums, write_csvs


def broken(tmp_path, table: str, change) -> "Path":  # noqa: F821 - Path only in the annotation
    """Write the canonical CSVs with ``change(frame)`` applied to ``table``."""
    tables = canonical_tables()
    tables[table] = change(tables[table])
    return write_csvs(tmp_path, tables)


def load_error(folder, mapping=None, error=DataValidationError) -> str:
    with pytest.raises(error) as info:
        load_company(folder, mapping)
    message = str(info.value)
    assert "Traceback" not in message
    return message


def assert_names(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, f"{part!r} not in:\n{message}"


def test_missing_column(tmp_path):
    folder = broken(tmp_path, s.ORDER_LINES, lambda f: f.drop(columns=[s.QUANTITY]))
    message = load_error(folder)
    assert_names(message, "table 'order_lines'", "column 'quantity'", "4 row(s) missing", "Columns found: order_id", "File: 'order_lines.csv'")


def test_wrong_type(tmp_path):
    folder = broken(tmp_path, s.ORDER_LINES, lambda f: f.assign(unit_price=["950", "forty", "25", "n/a"]))
    message = load_error(folder)
    assert_names(message, "table 'order_lines'", "column 'unit_price'", "2 row(s) cannot be read as a number", "'forty' (row 2)")


def test_fractional_quantity(tmp_path):
    folder = broken(tmp_path, s.ORDER_LINES, lambda f: f.assign(quantity=["1", "2.5", "3", "1"]))
    assert_names(load_error(folder), "table 'order_lines'", "column 'quantity'", "1 row(s) are not whole numbers", "'2.5' (row 2)")


def test_unparseable_dates(tmp_path):
    folder = broken(tmp_path, s.ORDERS, lambda f: f.assign(order_date=["2024-01-05", "31/02/2024", "yesterday"]))
    message = load_error(folder)
    assert_names(message, "table 'orders'", "column 'order_date'", "2 row(s) cannot be read as a date", "'31/02/2024' (row 2)", "date_format")


def test_dates_in_the_wrong_declared_format_name_the_format(tmp_path):
    folder = write_csvs(tmp_path, canonical_tables())
    message = load_error(folder, {"tables": {"orders": {"date_format": "%d/%m/%Y"}}})
    assert_names(message, "table 'orders'", "column 'order_date'", "3 row(s) do not match date_format '%d/%m/%Y'", "'2024-01-05' (row 1)")
    assert_names(message, "They are ISO 8601 dates: remove date_format")
    assert "Dates must be ISO 8601" not in message


def test_dates_partly_off_the_declared_format(tmp_path):
    folder = broken(tmp_path, s.ORDERS, lambda f: f.assign(order_date=["05.01.2024", "10/02/2024", "31.03.2024"]))
    message = load_error(folder, {"date_format": "%d.%m.%Y"})
    assert_names(message, "1 row(s) do not match date_format '%d.%m.%Y', e.g. '10/02/2024' (row 2)", "Check date_format")
    assert "ISO 8601" not in message


@pytest.mark.parametrize(("cells", "rows"), [(["o1", None, "o3"], "e.g. row 2."), ([None, None, "o3"], "e.g. rows 1, 2.")])
def test_empty_required_values_name_the_rows(tmp_path, cells, rows):
    folder = broken(tmp_path, s.ORDERS, lambda f: f.assign(order_id=cells))
    assert_names(load_error(folder), "table 'orders'", "column 'order_id'", "are empty but the column is required", rows, "Row numbers count")


@pytest.mark.parametrize("bad", ["0", "-2"])
def test_zero_or_negative_quantity(tmp_path, bad):
    folder = broken(tmp_path, s.ORDER_LINES, lambda f: f.assign(quantity=["1", bad, "3", "1"]))
    message = load_error(folder)
    assert_names(message, "table 'order_lines'", "column 'quantity'", "1 row(s) are zero or negative", f"{int(bad)} (row 2)", "'returns' table")


def test_exact_duplicate_order_lines_are_dropped_and_logged(tmp_path):
    folder = broken(tmp_path, s.ORDER_LINES, lambda f: pd.concat([f, f.iloc[[0, 0, 2]]], ignore_index=True))
    company = load_company(folder)
    assert len(company.order_lines) == 4
    log = company.cleaning_log.query("step == 'dropped exact duplicate rows'")
    assert log[["table", "rows"]].values.tolist() == [["order_lines", 3]]


def test_same_key_with_different_values_is_an_error(tmp_path):
    extra = pd.DataFrame({s.ORDER_ID: ["o1", "o1"], s.PRODUCT_ID: ["CASE", "CASE"], s.QUANTITY: ["5", "6"], s.UNIT_PRICE: ["40", "40"]})
    folder = broken(tmp_path, s.ORDER_LINES, lambda f: pd.concat([f, extra], ignore_index=True))
    message = load_error(folder)
    assert_names(message, "table 'order_lines'", "column 'order_id + product_id'", "3 row(s) share their key", "order_id='o1', product_id='CASE' (rows 2 and 5)")


def test_duplicate_key_rows_count_from_the_input_even_after_exact_duplicates(tmp_path):
    def change(f):
        repeated = pd.concat([f.iloc[[0]], f], ignore_index=True)  # row 2 repeats row 1 exactly and is dropped
        return pd.concat([repeated, f.iloc[[2]].assign(quantity="9")], ignore_index=True)

    message = load_error(broken(tmp_path, s.ORDER_LINES, change))
    assert_names(message, "2 row(s) share their key", "order_id='o2', product_id='INK' (rows 4 and 6)")


def test_unknown_product_ids(tmp_path):
    folder = broken(tmp_path, s.ORDER_LINES, lambda f: f.assign(product_id=["007", "CASE", "MOUSE", "MOUSE"]))
    message = load_error(folder)
    assert_names(message, "table 'order_lines'", "column 'product_id'", "2 row(s) refer to a product_id that is not in table 'products'", "'MOUSE' (row 3)")
    assert "not checked" not in message


def test_unknown_customer_ids_keep_leading_zeros_in_the_message(tmp_path):
    folder = broken(tmp_path, s.ORDERS, lambda f: f.assign(customer_id=["123", "00123", "c2"]))
    assert_names(load_error(folder), "table 'orders'", "column 'customer_id'", "1 row(s) refer to a customer_id", "'123' (row 1)")


def test_empty_table_with_header_only(tmp_path):
    folder = broken(tmp_path, s.ORDERS, lambda f: f.iloc[0:0])
    message = load_error(folder)
    assert_names(message, "table 'orders'", "column '(all columns)'", "0 row(s) found: the table has no rows", "File: 'orders.csv'")


def test_empty_file(tmp_path):
    folder = write_csvs(tmp_path, canonical_tables())
    (folder / "products.csv").write_bytes(b"")
    message = load_error(folder, error=DataFileError)
    assert_names(message, "table 'products'", "products.csv", "the file is empty")


def test_other_delimiter_suggests_sep(tmp_path):
    tables = canonical_tables()
    folder = write_csvs(tmp_path, {k: v for k, v in tables.items() if k != s.ORDERS})
    tables[s.ORDERS].to_csv(folder / "orders.csv", sep=";", index=False)
    message = load_error(folder, error=DataFileError)
    assert_names(message, "table 'orders'", "orders.csv", "one wide column ('order_id;customer_id;order_date;channel')", "3 rows", "sep: ';'")
    assert len(load_company(folder, {"tables": {"orders": {"sep": ";"}}}).orders) == 3


def test_other_encoding_names_byte_position_and_suggests_encoding(tmp_path):
    tables = canonical_tables()
    tables[s.CUSTOMERS] = tables[s.CUSTOMERS].assign(region=["Nord", "Süd"])
    folder = write_csvs(tmp_path, {k: v for k, v in tables.items() if k != s.CUSTOMERS})
    tables[s.CUSTOMERS].to_csv(folder / "customers.csv", index=False, encoding="latin-1")
    raw = (folder / "customers.csv").read_bytes()
    position = raw.index(b"\xfc")
    message = load_error(folder, error=DataFileError)
    assert_names(message, "table 'customers'", "customers.csv", f"byte b'\\xfc' at byte position {position}", "line 3", "encoding: latin-1", "cp1252")
    fixed = load_company(folder, {"tables": {"customers": {"encoding": "latin-1"}}})
    assert fixed.customers[s.REGION].tolist() == ["Nord", "Süd"]


def test_missing_file_named_in_mapping(tmp_path):
    folder = write_csvs(tmp_path, canonical_tables())
    message = load_error(folder, {"tables": {"orders": {"file": "my_orders.csv"}}}, error=DataFileError)
    assert_names(message, "table 'orders'", "my_orders.csv", "does not exist", "Files in", "orders.csv")


def test_missing_required_table(tmp_path):
    tables = canonical_tables()
    folder = write_csvs(tmp_path, {k: v for k, v in tables.items() if k != s.PRODUCTS})
    message = load_error(folder, error=FileNotFoundError)
    assert_names(message, "1 required table(s) not found", "products", "products.csv", "Files there: customers.csv")


def test_missing_data_folder(tmp_path):
    assert_names(load_error(tmp_path / "nope", error=FileNotFoundError), "Data folder", "nope", "does not exist")


def test_mapped_column_absent_from_file(tmp_path):
    folder = write_csvs(tmp_path, canonical_tables())
    mapping = {"tables": {"orders": {"columns": {"OrderNo": "order_id", "Date": "order_date"}}}}
    message = load_error(folder, mapping, error=DataFileError)
    assert_names(message, "table 'orders'", "orders.csv", "2 column(s) named in the mapping are not in the file", "'OrderNo' (mapped to 'order_id')", "Columns in the file: order_id")


def test_excel_missing_sheet(tmp_path):
    tables = canonical_tables()
    folder = write_csvs(tmp_path, {k: v for k, v in tables.items() if k != s.PRODUCTS})
    tables[s.PRODUCTS].to_excel(folder / "products.xlsx", sheet_name="Catalogue", index=False)
    message = load_error(folder, {"tables": {"products": {"sheet": "Products"}}}, error=DataFileError)
    assert_names(message, "table 'products'", "products.xlsx", "has no sheet 'Products'", "1 sheet(s): Catalogue")


def test_ragged_csv_names_the_line(tmp_path):
    folder = write_csvs(tmp_path, canonical_tables())
    (folder / "orders.csv").write_text("order_id,customer_id,order_date,channel\no1,00123,2024-01-05,web\no2,00123,2024-02-10,web,extra,cells\n", encoding="utf-8")
    message = load_error(folder, error=DataFileError)
    assert_names(message, "table 'orders'", "orders.csv", "line 3", "sep=','")


def test_all_problems_of_a_table_are_listed_together(tmp_path):
    folder = broken(tmp_path, s.ORDER_LINES, lambda f: f.assign(quantity=["1", "-1", "3", "1"], unit_price=["x", "40", "25", "35"]))
    message = load_error(folder)
    assert re.search(r"^2 problem\(s\)", message)
    assert_names(message, "column 'unit_price'", "'x' (row 1)")


def test_bad_input_leaves_files_untouched(tmp_path):
    folder = broken(tmp_path, s.ORDER_LINES, lambda f: f.assign(quantity=["1", "-1", "3", "1"]))
    before = checksums(folder)
    load_error(folder)
    assert checksums(folder) == before


def test_problems_of_every_table_are_listed_together(tmp_path):
    tables = canonical_tables()
    tables[s.ORDERS] = tables[s.ORDERS].assign(order_date=["2024-01-05", "someday", "2024-03-31"])
    tables[s.ORDER_LINES] = tables[s.ORDER_LINES].assign(quantity=["1", "-2", "3", "1"])
    tables[s.PRODUCTS] = tables[s.PRODUCTS].assign(price=["1000", "40", "cheap"])
    message = load_error(write_csvs(tmp_path, tables))
    assert re.search(r"^3 problem\(s\)", message)
    assert_names(message, "table 'products', column 'price'", "'cheap' (row 3)", "File: 'products.csv'")
    assert_names(message, "table 'orders', column 'order_date'", "'someday' (row 2)", "File: 'orders.csv'")
    assert_names(message, "table 'order_lines', column 'quantity'", "-2 (row 2)", "File: 'order_lines.csv'")
    assert_names(message, "References between tables", "were not checked yet")


def european(tmp_path, unit_prices: list[str], mapping_entry: dict | None = None):
    """The canonical company with order lines exported ';'-separated, prices as given."""
    tables = canonical_tables()
    folder = write_csvs(tmp_path, {k: v for k, v in tables.items() if k != s.ORDER_LINES})
    tables[s.ORDER_LINES].assign(unit_price=unit_prices).to_csv(folder / "lines.csv", sep=";", index=False)
    return folder, {"tables": {"order_lines": {"file": "lines.csv", "sep": ";", **(mapping_entry or {})}}}


def test_decimal_comma_is_explained_then_read_with_the_decimal_option(tmp_path):
    folder, mapping = european(tmp_path, ["899,00", "39,90", "25", "34,5"])
    message = load_error(folder, mapping)
    assert_names(message, "column 'unit_price'", "3 row(s) cannot be read as a number", "'899,00' (row 1)", "seems to use a decimal comma: set decimal: ','")
    mapping["tables"]["order_lines"]["decimal"] = ","
    company = load_company(folder, mapping)
    assert company.order_lines[s.UNIT_PRICE].tolist() == [899.0, 39.9, 25.0, 34.5]


def test_thousands_separator_with_decimal_comma(tmp_path):
    folder, mapping = european(tmp_path, ["1.299,00", "39,90", "25", "35"], {"decimal": ","})
    assert_names(load_error(folder, mapping), "'1.299,00' (row 1)", "seems to use '.' between thousands: set thousands: '.'")
    mapping["tables"]["order_lines"]["thousands"] = "."
    assert load_company(folder, mapping).order_lines[s.UNIT_PRICE].tolist() == [1299.0, 39.9, 25.0, 35.0]


def test_decimal_comma_file_refuses_a_stray_dot(tmp_path):
    folder, mapping = european(tmp_path, ["899,00", "39.90", "25", "35"], {"decimal": ","})
    message = load_error(folder, mapping)
    assert_names(message, "1 row(s) cannot be read as a number", "'39.90' (row 2)")
    assert "set decimal" not in message


def test_comma_between_thousands_is_explained(tmp_path):
    folder = broken(tmp_path, s.ORDER_LINES, lambda f: f.assign(unit_price=["1,299.00", "40", "25", "1,035"]))
    message = load_error(folder)
    assert_names(message, "2 row(s) cannot be read as a number", "set thousands: ','")
    assert "decimal comma" not in message


def test_plain_text_in_a_number_column_gets_no_decimal_hint(tmp_path):
    folder = broken(tmp_path, s.ORDER_LINES, lambda f: f.assign(unit_price=["950", "forty", "25", "n/a"]))
    message = load_error(folder)
    assert "decimal" not in message and "thousands" not in message


def test_require_known_values_names_the_parameter_the_column_and_the_values():
    from xsell_lab.data.validation import require_known_values

    frame = pd.DataFrame({"category": ["printer", "ink", "ink", "paper"]})
    require_known_values(frame, "category", "lines", anchor="printer", add_on="auto", other="")
    with pytest.raises(ValueError, match=r"anchor 'laptop' is not a value of column 'category' of table 'lines' "
                                         r"\(3 values; most frequent: ink, paper, printer\)"):
        require_known_values(frame, "category", "lines", anchor="laptop")


# --- product roles (optional columns of products) ----------------------------------------------


def test_product_roles_are_optional_and_read_when_given(tmp_path):
    company = load_company(write_csvs(tmp_path / "without", canonical_tables()))
    assert company.products[[s.REQUIRES, s.REPEATABLE]].isna().all().all()
    log = company.cleaning_log
    added = log[(log["table"] == s.PRODUCTS) & (log["step"] == "added empty optional column")]["detail"]
    assert {s.REQUIRES, s.REPEATABLE} <= set(added)
    tables = canonical_tables()
    tables[s.PRODUCTS] = tables[s.PRODUCTS].assign(requires=["", "Laptops", ""], repeatable=["no", "no", "yes"])
    products = load_company(write_csvs(tmp_path / "with", tables)).products
    assert products[s.REQUIRES].tolist() == [None, "Laptops", None]
    assert products[s.REPEATABLE].tolist() == [False, False, True]


def test_a_required_category_must_be_a_category_of_products(tmp_path):
    folder = broken(tmp_path, s.PRODUCTS, lambda f: f.assign(requires=["", "laptops", ""]))  # categories are case-sensitive: "Laptops"
    assert_names(load_error(folder), "table 'products'", "column 'requires'",
                 "1 row(s) refer to a category that is not in table 'products'", "'laptops' (row 2)")
