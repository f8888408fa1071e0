"""``xsell-lab import``, ``init-mapping`` and ``check``, and the shipped example mappings on the real files."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from xsell_lab import load_company
from xsell_lab.data.adapters import online_retail
from xsell_lab.lab.cli import main

from skips import REPO_ROOT, import_or_skip, shared_file

EXAMPLES = REPO_ROOT / "examples"


def test_import_online_retail_writes_a_whole_folder_and_its_cleaning_report(tmp_path, capsys):
    source = shared_file("online_retail.csv.gz")
    out = tmp_path / "retail"
    assert main(["import", "online-retail", str(source), str(out)]) == 0
    printed = capsys.readouterr().out
    assert {"orders.parquet", "order_lines.parquet", "customers.parquet", "products.parquet", "cleaning_report.md"} <= {
        p.name for p in out.iterdir()}
    report = (out / "cleaning_report.md").read_text(encoding="utf-8")
    assert "| order_lines | blank CustomerID dropped | 134,084 |" in report
    company = load_company(out)
    assert len(company.orders) == 18_402 and len(company.customers) == 4_334
    assert "Data profile:" in printed and "categories" in printed and f"xsell-lab check --data {out}" in printed
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_import_refuses_a_folder_with_files_and_a_data_set_without_the_required_tables(tmp_path, capsys):
    source = shared_file("groceries.csv")
    out = tmp_path / "groceries"
    assert main(["import", "groceries", str(source), str(out)]) == 2
    assert "not customers, orders" in capsys.readouterr().err and not out.exists()
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["import", "groceries", str(source), str(out)]) == 2
    assert "not empty" in capsys.readouterr().err and (out / "keep.txt").exists()


def test_init_mapping_guesses_the_example_export(tmp_path, capsys):
    folder = EXAMPLES / "shop_export"
    out = tmp_path / "mapping.yaml"
    assert main(["init-mapping", *map(str, sorted(folder.glob("*.csv"))), "--out", str(out)]) == 0
    mapping = yaml.safe_load(out.read_text(encoding="utf-8"))["tables"]
    assert mapping["orders"]["columns"] == {"Belegnr": "order_id", "Kundennr": "customer_id", "Datum": "order_date", "Kanal": "channel"}
    assert mapping["order_lines"]["columns"]["Menge"] == "quantity" and mapping["order_lines"]["sep"] == ";"
    assert mapping["products"]["columns"]["Listenpreis"] == "price"
    assert "# guessed: Belegnr -> order_id (from its name)" in out.read_text(encoding="utf-8")
    assert main(["init-mapping", str(folder / "kunden.csv"), "--out", str(out)]) == 2  # no overwrite without --force


def test_init_mapping_of_one_transaction_file_gives_sql_tables_that_load(tmp_path, capsys):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "sales.csv").write_text(
        "InvoiceNo,CustomerID,Purchased,StockCode,Description,Quantity,UnitPrice\n"
        "1,17,2024-01-05 10:00,A,Pen,2,1.5\n1,17,2024-01-05 10:00,B,Ink,1,9\n2,18,2024-02-01 11:30,A,Pen,1,1.5\n",
        encoding="utf-8")
    out = tmp_path / "mapping.yaml"
    assert main(["init-mapping", str(folder / "sales.csv"), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Purchased -> order_date (its values parse as dates)" in text and "sql: |" in text
    company = load_company(folder, out)
    assert len(company.orders) == 2 and len(company.order_lines) == 3


def test_init_mapping_writes_the_day_first_date_format_the_sample_proves(tmp_path, capsys):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "sales.csv").write_text(
        "InvoiceNo,CustomerID,Purchased,StockCode,Quantity,UnitPrice\n"
        "1,17,05/01/2011 10:00,A,2,1.5\n1,17,05/01/2011 10:00,B,1,9\n2,18,31/01/2011 11:30,A,1,1.5\n",
        encoding="utf-8")
    out = tmp_path / "mapping.yaml"
    assert main(["init-mapping", str(folder / "sales.csv"), "--out", str(out)]) == 0
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["tables"]["orders"]["date_format"] == "%d/%m/%Y %H:%M"
    company = load_company(folder, out)
    assert sorted(company.orders["order_date"].dt.strftime("%Y-%m-%d")) == ["2011-01-05", "2011-01-31"]


def test_init_mapping_says_when_the_sample_cannot_tell_day_first_from_month_first(tmp_path, capsys):
    file = tmp_path / "orders.csv"
    file.write_text("OrderId,CustomerId,OrderDate\n1,17,01/02/2011\n2,18,03/04/2011\n", encoding="utf-8")
    assert main(["init-mapping", str(file)]) == 0
    printed = capsys.readouterr().out
    assert "date_format:" not in printed.replace("# set date_format:", "")
    assert "OrderDate: the sample reads as %d/%m/%Y or as %m/%d/%Y" in printed


def test_init_mapping_writes_no_date_format_for_iso_dates(tmp_path, capsys):
    file = tmp_path / "orders.csv"
    file.write_text("OrderId,CustomerId,OrderDate\n1,17,2011-01-31\n2,18,2011-02-01\n", encoding="utf-8")
    assert main(["init-mapping", str(file)]) == 0
    assert "date_format" not in capsys.readouterr().out


def test_check_prints_the_quality_report_and_the_profile(capsys):
    status = main(["check", "--data", str(EXAMPLES / "shop_export"), "--mapping", str(EXAMPLES / "shop_export_mapping.yaml")])
    printed = capsys.readouterr().out
    assert status == 0
    assert "Data-quality report" in printed and "date range" in printed and "The data loads:" in printed
    assert "Data profile:" in printed and "repeat_buyers" in printed


def test_check_exits_non_zero_with_the_validation_message(tmp_path, capsys):
    folder = tmp_path / "bad"
    shutil.copytree(EXAMPLES / "shop_export", folder)
    lines = folder / "positionen.csv"
    text = lines.read_text(encoding="latin-1").splitlines()
    header, first = text[0], text[1].split(";")
    quantity = header.split(";").index("Menge")
    first[quantity] = "-2"
    lines.write_text("\n".join([header, ";".join(first), *text[2:]]) + "\n", encoding="latin-1")
    assert main(["check", "--data", str(folder), "--mapping", str(EXAMPLES / "shop_export_mapping.yaml")]) == 1
    err = capsys.readouterr().err
    assert "returns" in err and "The data does not load:" in err and "zero or negative" in err


# --- the shipped example mappings, on the real files, against an independent DuckDB computation ---


def _headline(company) -> tuple[int, int, float]:
    lines = company.order_lines
    return len(company.orders), company.orders["customer_id"].nunique(), round(float((lines["quantity"] * lines["unit_price"]).sum()), 2)


def test_online_retail_mapping_on_the_raw_file(tmp_path):
    source = shared_file("online_retail.csv.gz")
    duckdb = import_or_skip("duckdb")
    folder = tmp_path / "retail"
    folder.mkdir()
    shutil.copy(source, folder)
    company = load_company(folder, EXAMPLES / "online_retail_mapping.yaml")
    # independent: pandas over the raw CSV, with the adapter's documented cleaning rules
    raw = pd.read_csv(source, dtype={"CustomerID": str, "InvoiceNo": str, "StockCode": str})
    code = raw["StockCode"].str.strip().str.upper()
    keep = (raw["CustomerID"].notna() & (raw["Quantity"] > 0) & (raw["UnitPrice"] > 0)
            & ~raw["InvoiceNo"].str.strip().str.startswith("C")
            & ~code.isin(["POST", "M", "B", "D", "DOT", "BANK CHARGES", "AMAZONFEE", "CRUK", "S", "PADS", "C2"]))
    sales = raw[keep]
    expected = (sales["InvoiceNo"].nunique(), sales["CustomerID"].nunique(), round(float((sales["Quantity"] * sales["UnitPrice"]).sum()), 2))
    assert _headline(company) == expected == (18_402, 4_334, 8_761_066.65)
    assert company.products["category"].eq("unknown").all() and company.customers["region"].nunique() == 37
    del duckdb


def test_online_retail_mapping_and_adapter_give_the_same_returns(tmp_path):
    source = shared_file("online_retail.csv.gz")
    duckdb = import_or_skip("duckdb")
    folder = tmp_path / "retail"
    folder.mkdir()
    shutil.copy(source, folder)
    by_mapping = load_company(folder, EXAMPLES / "online_retail_mapping.yaml").returns
    by_adapter = online_retail(source).tables["returns"]
    assert len(by_mapping) == len(by_adapter) > 7_000
    assert by_mapping["quantity"].sum() == by_adapter["quantity"].sum()
    assert by_mapping["reason"].value_counts().to_dict() == by_adapter["reason"].value_counts().to_dict()
    keys = ["return_id", "product_id"]
    assert by_mapping[keys].drop_duplicates().merge(by_adapter[keys].drop_duplicates()).shape[0] == len(by_adapter)
    del duckdb


def test_completejourney_mapping_on_the_real_files(tmp_path):
    files = [shared_file(f"completejourney/{name}") for name in ("transactions_sample.csv.gz", "products.csv.gz", "demographics.csv")]
    duckdb = import_or_skip("duckdb")
    folder = tmp_path / "journey"
    folder.mkdir()
    for file in files:
        shutil.copy(file, folder)
    company = load_company(folder, EXAMPLES / "completejourney_mapping.yaml")
    con = duckdb.connect()
    orders, customers, revenue = con.execute(
        "SELECT count(DISTINCT basket_id), count(DISTINCT household_id), round(sum(sales_value), 2) "
        f"FROM read_csv('{files[0]}') WHERE quantity > 0 AND quantity = floor(quantity) AND sales_value >= 0").fetchone()
    assert _headline(company) == (orders, customers, pytest.approx(revenue, abs=0.01))
    assert company.products["category"].nunique() >= 20
    demographics = pd.read_csv(files[2], dtype={"household_id": str})
    with_segment = company.customers["segment"].notna()
    assert set(company.customers.loc[with_segment, "customer_id"]) <= set(demographics["household_id"])
    assert company.customers["segment"].nunique() == demographics["household_comp"].nunique()
