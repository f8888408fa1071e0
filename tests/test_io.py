"""Loading a company from files: formats, column mapping, reading options, round trip."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from xsell_lab import load_company, write_company
from xsell_lab.data import schema as s
from xsell_lab.data.io import DataFileError
from xsell_lab.data.mapping import MappingError, parse_mapping

from factories import canonical_tables, checksums, write_csvs

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_csv_folder_keeps_leading_zeros_and_types(tmp_path):
    company = load_company(write_csvs(tmp_path, canonical_tables()))
    assert set(company.customers[s.CUSTOMER_ID]) == {"00123", "c2"}
    assert "007" in set(company.order_lines[s.PRODUCT_ID])
    assert company.order_lines[s.QUANTITY].sum() == 7
    assert pd.api.types.is_datetime64_any_dtype(company.orders[s.ORDER_DATE])


def test_numeric_ids_in_parquet_become_text(tmp_path):
    tables = canonical_tables()
    tables[s.CUSTOMERS] = tables[s.CUSTOMERS].assign(customer_id=[123, 2])
    tables[s.ORDERS] = tables[s.ORDERS].assign(customer_id=[123, 123, 2])
    for name, frame in tables.items():
        frame.to_parquet(tmp_path / f"{name}.parquet", index=False)
    company = load_company(tmp_path)
    assert company.orders[s.CUSTOMER_ID].tolist() == ["123", "123", "2"]


def test_mapping_renames_reads_options_and_defaults(tmp_path):
    tables = canonical_tables()
    orders = tables.pop(s.ORDERS).drop(columns=[s.CHANNEL])
    orders = orders.assign(order_date=["05/01/2024", "10/02/2024", "31/03/2024"])
    orders = orders.rename(columns={s.ORDER_ID: "OrderNo", s.CUSTOMER_ID: "Client", s.ORDER_DATE: "Datum"})
    orders.assign(Note=["é", "ü", "ß"]).to_csv(tmp_path / "my_orders.csv", sep=";", index=False, encoding="latin-1")
    write_csvs(tmp_path, tables)
    mapping = {
        "tables": {
            "orders": {
                "file": "my_orders.csv",
                "sep": ";",
                "encoding": "latin-1",
                "date_format": "%d/%m/%Y",
                "columns": {"OrderNo": "order_id", "Client": "customer_id", "Datum": "order_date"},
                "defaults": {"channel": "web"},
            }
        }
    }
    company = load_company(tmp_path, mapping)
    assert company.orders[s.ORDER_DATE].tolist() == list(pd.to_datetime(["2024-01-05", "2024-02-10", "2024-03-31"]))
    assert company.orders[s.CHANNEL].tolist() == ["web"] * 3
    assert company.orders["Note"].tolist() == ["é", "ü", "ß"]
    filled = company.cleaning_log.query("step == 'filled default value'")
    assert filled[["table", "rows"]].values.tolist() == [["orders", 3]]


def test_defaults_fill_only_empty_cells(tmp_path):
    tables = canonical_tables()
    tables[s.ORDERS] = tables[s.ORDERS].assign(channel=["store", None, None])
    company = load_company(write_csvs(tmp_path, tables), {"tables": {"orders": {"defaults": {"channel": "web"}}}})
    assert company.orders[s.CHANNEL].tolist() == ["store", "web", "web"]
    assert company.cleaning_log.query("step == 'filled default value'")["rows"].tolist() == [2]


def test_mapping_from_yaml_file_and_global_date_format(tmp_path):
    tables = canonical_tables()
    tables[s.ORDERS] = tables[s.ORDERS].assign(order_date=["05.01.2024", "10.02.2024", "31.03.2024"])
    write_csvs(tmp_path / "data", tables)
    yaml_file = tmp_path / "mapping.yaml"
    yaml_file.write_text('date_format: "%d.%m.%Y"\ntables:\n  orders: {file: orders.csv}\n', encoding="utf-8")
    company = load_company(tmp_path / "data", yaml_file)
    assert company.orders[s.ORDER_DATE].dt.month.tolist() == [1, 2, 3]


def test_excel_with_named_sheet(tmp_path):
    tables = canonical_tables()
    write_csvs(tmp_path, {k: v for k, v in tables.items() if k != s.PRODUCTS})
    products = tables[s.PRODUCTS].assign(price=[1000.0, 40.0, 25.0], product_id=["007", 5, 6])
    with pd.ExcelWriter(tmp_path / "catalogue.xlsx") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Notes", index=False)
        products.rename(columns={s.PRODUCT_ID: "SKU"}).to_excel(writer, sheet_name="Products", index=False)
    tables[s.ORDER_LINES].assign(product_id=["007", "5", "6", "5"]).to_csv(tmp_path / "order_lines.csv", index=False)
    mapping = {"tables": {"products": {"file": "catalogue.xlsx", "sheet": "Products", "columns": {"SKU": "product_id"}}}}
    company = load_company(tmp_path, mapping)
    assert company.products[s.PRODUCT_ID].tolist() == ["007", "5", "6"]


def test_excel_sheet_errors_name_the_sheets(tmp_path):
    write_csvs(tmp_path, canonical_tables())
    with pd.ExcelWriter(tmp_path / "book.xlsx") as writer:
        canonical_tables()[s.PRODUCTS].to_excel(writer, sheet_name="A", index=False)
        canonical_tables()[s.PRODUCTS].to_excel(writer, sheet_name="B", index=False)
    with pytest.raises(DataFileError, match=r"table 'products', file .*book\.xlsx.*has no sheet 'C'.*2 sheet\(s\): A, B"):
        load_company(tmp_path, {"tables": {"products": {"file": "book.xlsx", "sheet": "C"}}})
    with pytest.raises(DataFileError, match=r"has 2 sheets \(A, B\) and none is named 'products'.*Set 'sheet'"):
        load_company(tmp_path, {"tables": {"products": {"file": "book.xlsx"}}})


def test_input_files_are_never_modified(tmp_path):
    tables = canonical_tables()
    tables[s.ORDER_LINES] = pd.concat([tables[s.ORDER_LINES], tables[s.ORDER_LINES].iloc[[0]]])
    folder = write_csvs(tmp_path, tables)
    before = checksums(folder)
    company = load_company(folder)
    assert company.cleaning_log["step"].str.contains("duplicate").any()
    assert checksums(folder) == before


def test_write_then_load_round_trip(tmp_path):
    company = load_company(write_csvs(tmp_path / "in", canonical_tables()))
    written = write_company(company, tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(f"{t}.parquet" for t in s.REQUIRED_TABLES)
    assert not list((tmp_path / "out").glob("*.tmp"))
    again = load_company(tmp_path / "out")
    pd.testing.assert_frame_equal(again.order_lines, company.order_lines)
    assert again.customers[s.CUSTOMER_ID].tolist() == ["00123", "c2"]


def test_gzipped_csv_is_read(tmp_path):
    tables = canonical_tables()
    write_csvs(tmp_path, {k: v for k, v in tables.items() if k != s.ORDER_LINES})
    tables[s.ORDER_LINES].to_csv(tmp_path / "order_lines.csv.gz", index=False)
    assert len(load_company(tmp_path).order_lines) == 4


# --- the mapping itself ----------------------------------------------------


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"tables": {"order": {}}}, r"unknown table 'order' \(did you mean 'orders'\?\)"),
        ({"tables": {"orders": {"columns": {"Date": "orderdate"}}}}, r"table 'orders': 1 mapped column.*'orderdate' \(did you mean 'order_date'\?\)"),
        ({"tables": {"orders": {"colums": {}}}}, r"unknown option 'colums' \(did you mean 'columns'\?\)"),
        ({"tables": {"orders": {"defaults": {"chanel": "web"}}}}, r"default.*'chanel' \(did you mean 'channel'\?\)"),
        ({"tables": {"orders": {"columns": {"A": "order_id", "B": "order_id"}}}}, r"'order_id' from 'A', 'B'"),
        ({"table": {}}, r"unknown top-level key 'table' \(did you mean 'tables'\?\)"),
        ({"tables": {"orders": {"decimal": ",,"}}}, r"table 'orders': 'decimal' must be one character.*got ',,'"),
        ({"tables": {"orders": {"decimal": ",", "thousands": ","}}}, r"'decimal' and 'thousands' are both ','"),
        ({"tables": {"orders": {"thousands": "."}}}, r"'decimal' and 'thousands' are both '\.'"),
    ],
)
def test_mapping_errors_name_the_bad_entry(mapping, message):
    with pytest.raises(MappingError, match=message):
        parse_mapping(mapping)


def test_mapping_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Mapping file .*nope.yaml"):
        parse_mapping(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("tables: {orders: [unclosed\n", encoding="utf-8")
    with pytest.raises(MappingError, match="not valid YAML"):
        parse_mapping(bad)


def test_example_mappings_are_valid():
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert files, "examples/ should hold at least one mapping"
    for file in files:
        assert parse_mapping(file), file


def test_example_export_loads_with_its_mapping():
    before = checksums(EXAMPLES / "shop_export")
    company = load_company(EXAMPLES / "shop_export", EXAMPLES / "shop_export_mapping.yaml")
    assert company.customers[s.CUSTOMER_ID].tolist() == ["000417", "000982", "001204"]
    assert company.customers[s.REGION].tolist() == ["Nord", "Süd", "Nord"]
    assert company.orders[s.ORDER_DATE].max() == pd.Timestamp("2024-02-29")
    assert company.orders[s.CHANNEL].value_counts()["Web"] == 2
    assert company.products[s.PRICE].tolist() == [1049.0, 39.9, 24.9]  # 1.049,00 / 39,90 / 24,90
    assert company.order_lines[s.UNIT_PRICE].sum() == pytest.approx(949 + 35 + 24.9 + 24.9 + 999 + 39.9)
    assert checksums(EXAMPLES / "shop_export") == before


def test_bundled_company_survives_an_analyst_style_export(tmp_path, bundled_company):
    """Planted data -> own names, ';', day-first dates, Excel -> mapping -> the same tables."""
    renamed = {table: {c: f"My {c.replace('_', ' ').title()}" for c in frame.columns} for table, frame in bundled_company.tables().items()}
    mapping: dict = {"tables": {}}
    for table, frame in bundled_company.tables().items():
        own = frame.rename(columns=renamed[table])
        entry = {"columns": {v: k for k, v in renamed[table].items()}}
        if table == s.PRODUCTS:
            own.to_excel(tmp_path / "catalogue.xlsx", sheet_name="Products", index=False)
            entry |= {"file": "catalogue.xlsx"}
        else:
            own.to_csv(tmp_path / f"export_{table}.csv", sep=";", index=False, date_format="%d/%m/%Y %H:%M:%S")
            entry |= {"file": f"export_{table}.csv", "sep": ";", "date_format": "%d/%m/%Y %H:%M:%S"}
        mapping["tables"][table] = entry
    again = load_company(tmp_path, mapping)
    for table, frame in bundled_company.tables().items():
        pd.testing.assert_frame_equal(again.tables()[table], frame, check_dtype=False, obj=table)
