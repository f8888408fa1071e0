"""A mapping's ``file:`` stays inside the data folder, and errors never quote a file's content."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from xsell_lab import load_company
from xsell_lab.data import io
from xsell_lab.data import schema as s
from xsell_lab.data.mapping import MappingError, parse_mapping
from xsell_lab.lab.report.privacy import known_customer_ids

SECRET = "s3cr3t-line-do-not-print"


def write_company(folder: Path) -> Path:
    """The four required tables as canonical CSVs."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        s.CUSTOMERS: pd.DataFrame({s.CUSTOMER_ID: ["c1", "c2"]}),
        s.PRODUCTS: pd.DataFrame({s.PRODUCT_ID: ["p1"], s.PRODUCT_NAME: ["Pen"], s.CATEGORY: ["Office"], s.PRICE: ["2"]}),
        s.ORDERS: pd.DataFrame({s.ORDER_ID: ["o1"], s.CUSTOMER_ID: ["c1"], s.ORDER_DATE: ["2024-01-05"]}),
        s.ORDER_LINES: pd.DataFrame({s.ORDER_ID: ["o1"], s.PRODUCT_ID: ["p1"], s.QUANTITY: ["1"], s.UNIT_PRICE: ["2"]}),
    }
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture
def data(tmp_path) -> Path:
    folder = write_company(tmp_path / "data")
    (tmp_path / "outside.csv").write_text(f"customer_id\n{SECRET}\n")
    return folder


@pytest.fixture
def reads(monkeypatch) -> list[Path]:
    """Every table file read by io.read_table."""
    calls: list[Path] = []
    original = io.read_table
    monkeypatch.setattr(io, "read_table", lambda file, source: calls.append(Path(file)) or original(file, source))
    return calls


@pytest.mark.parametrize("file", ["../outside.csv", "sub/../../outside.csv", "{tmp}/outside.csv"])
def test_a_file_outside_the_data_folder_is_refused_before_any_file_is_read(data, reads, file):
    file = file.format(tmp=data.parent)
    mapping = {"tables": {"orders": {"file": "orders.csv"}, "customers": {"file": file}}}
    with pytest.raises(MappingError) as error:
        load_company(data, mapping)
    message = str(error.value)
    for expected in ["table 'customers'", f"file '{file}'", f"data folder '{data}'", "allow_outside_data_folder: true"]:
        assert expected in message, expected
    assert SECRET not in message
    assert reads == []  # not even the tables inside were read


def test_a_symbolic_link_pointing_out_is_refused(data, reads):
    (data / "customers.csv").unlink()
    (data / "customers.csv").symlink_to(data.parent / "outside.csv")
    with pytest.raises(MappingError, match=r"table 'customers': 'customers.csv' \(a symbolic link\) is outside"):
        load_company(data)
    (data / "kunden.csv").symlink_to(data.parent / "outside.csv")
    with pytest.raises(MappingError, match=r"table 'customers': file 'kunden.csv' is outside"):
        load_company(data, {"tables": {"customers": {"file": "kunden.csv"}}})
    assert reads == []


def test_the_report_id_lookup_obeys_the_same_rule(data):
    with pytest.raises(MappingError, match=r"table 'customers': file '../outside.csv' is outside the data folder"):
        known_customer_ids(data, {"tables": {"customers": {"file": "../outside.csv"}}})


def test_paths_that_stay_inside_are_fine(data):
    (data / "sub").mkdir()
    (data / "sub" / "kunden.csv").write_text("customer_id\nc1\nc2\n")
    company = load_company(data, {"tables": {"customers": {"file": "sub/../sub/kunden.csv"}}})
    assert list(company.customers[s.CUSTOMER_ID]) == ["c1", "c2"]


def test_allow_outside_data_folder_opts_in(data):
    outside = data.parent / "kunden.csv"
    outside.write_text("customer_id\nc1\nc2\n")
    before = hashlib.sha256(outside.read_bytes()).hexdigest()
    mapping = {"allow_outside_data_folder": True, "tables": {"customers": {"file": str(outside)}}}
    assert list(load_company(data, mapping).customers[s.CUSTOMER_ID]) == ["c1", "c2"]
    assert hashlib.sha256(outside.read_bytes()).hexdigest() == before
    with pytest.raises(MappingError, match="'allow_outside_data_folder' must be true or false, got 'yes'"):
        parse_mapping({"allow_outside_data_folder": "yes", "tables": {}})


def test_mapping_errors_do_not_quote_the_mapping_file(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(f"tables:\n  customers: {SECRET}: x\n")
    with pytest.raises(MappingError, match=r"is not valid YAML: mapping values are not allowed here \(line 2, column") as error:
        parse_mapping(broken)
    assert SECRET not in str(error.value)
    not_a_mapping = tmp_path / "passwd.yaml"
    not_a_mapping.write_text(f"root:x:0:0:{SECRET}\n")
    with pytest.raises(MappingError, match="must hold a mapping with a 'tables' key, got a str") as error:
        parse_mapping(not_a_mapping)
    assert SECRET not in str(error.value)
    with pytest.raises(MappingError, match="options must be a mapping, got a str") as error:
        parse_mapping({"tables": {"customers": SECRET}})
    assert SECRET not in str(error.value)
