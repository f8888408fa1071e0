"""Tables given as a DuckDB query in the column mapping (``sql:``, xsell_lab.data.sql)."""

from __future__ import annotations

import os

import pytest

from xsell_lab import load_company
from xsell_lab.data.mapping import parse_mapping
from xsell_lab.exceptions import DataValidationError, MappingError

EXPORT = """Invoice;Client;When;Item;Name;Dept;Qty;Value
A1;c1;2024-01-05;p1;Pen;office;2;4.00
A1;c1;2024-01-05;p1;Pen;office;1;2.00
A1;c1;2024-01-05;p2;Ink;office;1;10.00
A2;c2;2024-02-01;p3;Mug;kitchen;3;15.00
A3;c1;2024-03-01;p3;Mug;kitchen;-1;-5.00
"""
LINES = "SELECT Invoice AS order_id, Item AS product_id, sum(Qty) AS quantity, sum(Value) / sum(Qty) AS unit_price FROM {src} WHERE Qty > 0 GROUP BY ALL"
ORDERS = "SELECT DISTINCT Invoice AS order_id, Client AS customer_id, \"When\" AS order_date FROM {src} WHERE Qty > 0"
PRODUCTS = "SELECT Item AS product_id, min(Name) AS product_name, min(Dept) AS category, median(Value / Qty) AS price FROM {src} WHERE Qty > 0 GROUP BY Item"
CUSTOMERS = "SELECT DISTINCT Client AS customer_id FROM {src} UNION SELECT customer_id FROM 'extra_customers.csv'"
SRC = "read_csv('export.csv', delim = ';', types = {'Client': 'VARCHAR'})"


def _folder(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "export.csv").write_text(EXPORT, encoding="utf-8")
    (folder / "extra_customers.csv").write_text("customer_id\nc9\n", encoding="utf-8")
    return folder


def _mapping(**override):
    tables = {
        "order_lines": {"sql": LINES.format(src=SRC)},
        "orders": {"sql": ORDERS.format(src=SRC)},
        "products": {"sql": PRODUCTS.format(src=SRC)},
        "customers": {"sql": CUSTOMERS.format(src=SRC)},
    }
    tables.update(override)
    return {"tables": tables}


def test_sql_tables_filter_distinct_aggregate_derive_and_union(tmp_path):
    company = load_company(_folder(tmp_path), _mapping())
    assert sorted(company.customers["customer_id"]) == ["c1", "c2", "c9"]  # distinct + union
    assert len(company.orders) == 2  # the return (Qty -1) is filtered out
    pen = company.order_lines.set_index(["order_id", "product_id"]).loc[("A1", "p1")]
    assert pen["quantity"] == 3 and pen["unit_price"] == pytest.approx(2.0)  # aggregated, derived
    assert set(company.products["category"]) == {"office", "kitchen"}
    assert str(company.orders["order_date"].dtype) == "datetime64[ns]"


def test_columns_and_defaults_apply_to_a_query_result(tmp_path):
    mapping = _mapping(orders={"sql": f"SELECT DISTINCT Invoice, Client, \"When\" FROM {SRC} WHERE Qty > 0",
                               "columns": {"Invoice": "order_id", "Client": "customer_id", "When": "order_date"},
                               "defaults": {"channel": "web"}})
    company = load_company(_folder(tmp_path), mapping)
    assert set(company.orders["channel"]) == {"web"}
    assert (company.cleaning_log["step"] == "filled default value").any()


def test_a_join_of_two_files(tmp_path):
    folder = _folder(tmp_path)
    (folder / "segments.csv").write_text("cid,seg\nc1,gold\nc2,silver\n", encoding="utf-8")
    mapping = _mapping(customers={"sql": f"SELECT DISTINCT Client AS customer_id, s.seg AS segment FROM {SRC} AS e "
                                         "LEFT JOIN 'segments.csv' AS s ON s.cid = e.Client"})
    company = load_company(folder, mapping)
    assert dict(zip(company.customers["customer_id"], company.customers["segment"])) == {"c1": "gold", "c2": "silver"}


@pytest.mark.parametrize("reference", ["'../outside.csv'", "'{outside}'", "'link.csv'"])
def test_a_query_may_not_read_outside_the_data_folder(tmp_path, reference):
    folder = _folder(tmp_path)
    outside = tmp_path / "outside.csv"
    outside.write_text("customer_id\nsecret\n", encoding="utf-8")
    os.symlink(outside, folder / "link.csv")
    query = "SELECT customer_id FROM " + reference.format(outside=outside)
    with pytest.raises(MappingError, match=r"table 'customers'.*outside the data folder.*DuckDB says: Permission"):
        load_company(folder, _mapping(customers={"sql": query}))


def test_allow_outside_data_folder_lets_a_query_read_outside(tmp_path):
    folder = _folder(tmp_path)
    (tmp_path / "outside.csv").write_text("customer_id\nc1\nc2\n", encoding="utf-8")
    mapping = _mapping(customers={"sql": f"SELECT customer_id FROM '{tmp_path / 'outside.csv'}'"})
    company = load_company(folder, {**mapping, "allow_outside_data_folder": True})
    assert sorted(company.customers["customer_id"]) == ["c1", "c2"]


@pytest.mark.parametrize("query", ["COPY (SELECT 1) TO 'x.csv'", "SELECT 1; SELECT 2", "ATTACH 'x.db'", "SET threads = 1"])
def test_only_one_select_is_accepted_and_nothing_is_written(tmp_path, query):
    folder = _folder(tmp_path)
    with pytest.raises(MappingError, match="table 'customers'"):
        load_company(folder, _mapping(customers={"sql": query}))
    assert sorted(p.name for p in folder.iterdir()) == ["export.csv", "extra_customers.csv"]


def test_a_failing_query_names_the_table_and_quotes_duckdb(tmp_path):
    mapping = _mapping(products={"sql": f"SELECT Item AS product_id, Nmae AS product_name FROM {SRC}"})
    with pytest.raises(MappingError, match=r"table 'products': the SQL query failed\. DuckDB says: Binder Error.*Nmae"):
        load_company(_folder(tmp_path), mapping)


def test_a_query_result_breaking_the_model_names_the_query(tmp_path):
    mapping = _mapping(order_lines={"sql": f"SELECT Invoice AS order_id, Item AS product_id, Qty AS quantity, 1.0 AS unit_price FROM {SRC}"})
    with pytest.raises(DataValidationError, match=r"order_lines.*quantity.*SQL query"):
        load_company(_folder(tmp_path), mapping)


@pytest.mark.parametrize("option", ["file", "sep", "encoding", "sheet"])
def test_file_options_cannot_be_given_with_sql(option):
    with pytest.raises(MappingError, match=f"'sql' replaces 'file'; '{option}'"):
        parse_mapping({"tables": {"orders": {"sql": "SELECT 1", option: "x"}}})


def test_sql_must_be_text():
    with pytest.raises(MappingError, match="'sql' must be the text of a SELECT query"):
        parse_mapping({"tables": {"orders": {"sql": ["SELECT 1"]}}})
