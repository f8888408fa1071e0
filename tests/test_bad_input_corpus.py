"""The bad-input contract as a corpus: every way an export goes wrong, and what the analyst sees.

Each :class:`Case` starts from a copy of the bundled company's four required tables (``data/*.parquet``,
plus an optional table where the case is about it) in a temporary data folder, breaks one table or
writes a mapping, and loads the folder with ``load_company(folder, mapping)``. For every case the test
asserts:

- the class of what is raised (:class:`DataValidationError`, :class:`DataFileError`,
  :class:`MappingError`, ``FileNotFoundError``), or of the warning issued for data that is possible but
  probably wrong (:class:`DataWarning`), or that the data loads and the cleaning log says what was
  repaired (``expected=None``);
- that the message holds the case's words: the table, the column, the count and an example value, or
  the file; and no pandas exception is chained to it (the user sees one message, not a traceback);
- that a :class:`MappingError` about the mapping itself comes before any data file is read;
- that every file (data, mapping, the file outside the data folder) is byte-identical afterwards
  (sha256), and that no message quotes the content of a file outside the data folder.

The README's table of problems and what the analyst sees ("Use your own data") is made from the
cases with a ``readme`` text; :func:`test_the_readme_table_is_the_corpus` checks it is current.
``python tests/test_bad_input_corpus.py`` rewrites it.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from xsell_lab import load_company
from xsell_lab.data import io
from xsell_lab.exceptions import DataFileError, DataValidationError, DataWarning, MappingError

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLED = REPO_ROOT / "data"
README = REPO_ROOT / "README.md"
REQUIRED = ("customers", "products", "orders", "order_lines")
#: The content of a file next to (outside) the data folder: no message may quote it.
SECRET = "s3cr3t-first-line-never-shown"
README_HEADER = "| problem | what you see / what to do |"

Mapping = dict | str | None
Change = Callable[[Path], Mapping]


@dataclass(frozen=True)
class Case:
    """One bad input and what loading it must say.

    Attributes
    ----------
    name : str
        Test id.
    problem : str
        What is wrong, in the analyst's words (the README's first column).
    change : callable
        Breaks the data folder it is given (a copy of the bundled tables); returns the mapping
        to load it with (a dict, YAML text, or None).
    expected : type or None
        The exception or warning class; None when the data loads (``words`` are then looked for
        in the cleaning log).
    words : tuple of str
        Text the message must hold: table, column, count, example, or the file.
    readme : str
        What the analyst sees, for the README's table; empty when the case is not a row of it.
    tables : tuple of str
        Optional tables copied into the folder too.
    """

    name: str
    problem: str
    change: Change
    expected: type | None
    words: tuple[str, ...]
    readme: str = ""
    tables: tuple[str, ...] = ()


# --- ways to break a data folder ----------------------------------------------------------------


def frame_of(folder: Path, table: str) -> pd.DataFrame:
    """The table's Parquet file in the folder, removed, as a DataFrame of objects (cells editable)."""
    file = folder / f"{table}.parquet"
    frame = pd.read_parquet(file)
    file.unlink()
    return frame.astype(object)


def csv(table: str, edit: Callable[[pd.DataFrame], pd.DataFrame] = lambda f: f, *, mapping: Mapping = None,
        name: str | None = None, **to_csv) -> Change:
    """Write ``table`` as CSV (``name``, default ``<table>.csv``) after ``edit``; load with ``mapping``."""

    def change(folder: Path) -> Mapping:
        edit(frame_of(folder, table)).to_csv(folder / (name or f"{table}.csv"), index=False, **to_csv)
        return mapping

    return change


def parquet(table: str, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Change:
    """Rewrite ``table``'s Parquet file after ``edit`` (its column types as ``edit`` leaves them)."""

    def change(folder: Path) -> None:
        file = folder / f"{table}.parquet"
        edit(pd.read_parquet(file)).to_parquet(file, index=False)

    return change


def cell(column: str, row: int, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """An edit setting one cell (``row`` counts from 0; messages count rows from 1)."""

    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame.loc[row, column] = value
        return frame

    return edit


def mapped(mapping: Mapping, before: Change | None = None) -> Change:
    """Load the untouched folder (or the one ``before`` made) with ``mapping``."""

    def change(folder: Path) -> Mapping:
        if before is not None:
            before(folder)
        return mapping

    return change


def raw_file(name: str, content: bytes, *, drop: str | None = None, mapping: Mapping = None) -> Change:
    """Write ``content`` as ``name`` (removing table ``drop``'s Parquet file); load with ``mapping``."""

    def change(folder: Path) -> Mapping:
        if drop:
            (folder / f"{drop}.parquet").unlink()
        (folder / name).write_bytes(content)
        return mapping

    return change


def csv_bytes(table: str, edit=lambda f: f, **to_csv) -> Callable[[Path], bytes]:
    return lambda folder: edit(pd.read_parquet(folder / f"{table}.parquet")).to_csv(index=False, **to_csv).encode()


def truncated_gzip(folder: Path) -> None:
    data = gzip.compress(frame_of(folder, "orders").to_csv(index=False).encode())
    (folder / "orders.csv.gz").write_bytes(data[: len(data) // 2])


def parquet_date_9999(folder: Path) -> None:
    """order_date as microseconds in Parquet (as Spark or DuckDB write it), one of them 9999-12-31."""
    file = folder / "orders.parquet"
    table = pq.read_table(file)
    days = table.column("order_date").cast(pa.timestamp("us")).to_pylist()
    days[6] = pd.Timestamp("9999-12-31").to_pydatetime()
    pq.write_table(table.set_column(table.schema.get_field_index("order_date"), "order_date", pa.array(days, pa.timestamp("us"))), file)


def date32_9999(folder: Path) -> None:
    """order_date as Parquet dates (date32, as R's arrow writes a Date), one of them 9999-12-31."""
    file = folder / "orders.parquet"
    table = pq.read_table(file)
    days = table.column("order_date").cast(pa.date32()).to_pylist()
    days[3] = pd.Timestamp("9999-12-31").date()
    pq.write_table(table.set_column(table.schema.get_field_index("order_date"), "order_date", pa.array(days, pa.date32())), file)


def excel_orders(edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Change:
    """orders.xlsx (real Excel dates) after ``edit``."""

    def change(folder: Path) -> None:
        edit(frame_of(folder, "orders")).to_excel(folder / "orders.xlsx", index=False)

    return change


def with_offsets(offsets: Callable[[int], str]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """order_date written at 10:00 local time with a UTC offset (``offsets(row)``), as web shops log it."""
    return lambda f: f.assign(order_date=[f"{day:%Y-%m-%d}T10:00:00{offsets(i)}" for i, day in enumerate(f["order_date"])])


def float_ids(value: Callable[[pd.Series], pd.Series]) -> Change:
    """customer_id as float64 in customers and orders (numeric ids from a spreadsheet or a database)."""

    def change(folder: Path) -> None:
        for table in ("customers", "orders"):
            parquet(table, lambda f: f.assign(customer_id=value(f["customer_id"].str[1:].astype(float))))(folder)

    return change


def second_file(folder: Path) -> None:
    """customers.csv written next to the (now stale) customers.parquet."""
    pd.read_parquet(folder / "customers.parquet").head(100).to_csv(folder / "customers.csv", index=False)


def utf16(folder: Path, mapping: Mapping = None) -> Mapping:
    frame_of(folder, "customers").to_csv(folder / "customers.csv", index=False, encoding="utf-16")
    return mapping


def excel(sheet: str, mapping: Mapping) -> Change:
    def change(folder: Path) -> Mapping:
        frame_of(folder, "products").to_excel(folder / "products.xlsx", sheet_name=sheet, index=False)
        return mapping

    return change


def multi_sheet(folder: Path) -> None:
    products = frame_of(folder, "products")
    with pd.ExcelWriter(folder / "products.xlsx") as writer:
        products.to_excel(writer, sheet_name="Catalogue", index=False)
        products.head(3).to_excel(writer, sheet_name="Old", index=False)


def duplicate_header(folder: Path) -> None:
    """orders.csv whose header names 'channel' twice."""
    orders = frame_of(folder, "orders")
    text = orders.assign(extra=orders["channel"]).to_csv(index=False)
    (folder / "orders.csv").write_text(text.replace(",extra\n", ",channel\n", 1), encoding="utf-8")


def rows_twice(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.iloc[[3, 4]]], ignore_index=True)


def ragged_line(folder: Path) -> None:
    """orders.csv whose second data line has two cells more than the header."""
    lines = frame_of(folder, "orders").to_csv(index=False).splitlines()
    lines[2] += ",extra,cells"
    (folder / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def same_key(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.iloc[[3]].assign(quantity=frame.loc[3, "quantity"] + 1)], ignore_index=True)


LATIN_REGION = cell("region", 2, "Süd")

# --- the corpus ---------------------------------------------------------------------------------

CASES = [
    # the mapping itself: checked before any file is read
    Case("unknown-table", "a typo in the mapping", mapped({"tables": {"order": {"file": "orders.parquet"}}}), MappingError,
         ("unknown table 'order'", "did you mean 'orders'"),
         "`unknown table 'order'` / `'orderdate' (did you mean 'order_date'?)`, before any file is read"),
    Case("unknown-canonical-column", "a mapped column that is not canonical",
         mapped({"tables": {"orders": {"columns": {"Datum": "orderdate"}}}}), MappingError,
         ("table 'orders'", "'orderdate'", "did you mean 'order_date'")),
    Case("unknown-option", "a misspelt option", mapped({"tables": {"orders": {"seperator": ";"}}}), MappingError,
         ("table 'orders'", "unknown option 'seperator'", "did you mean 'sep'")),
    Case("unknown-top-level-key", "a misspelt top-level key", mapped({"table": {}}), MappingError,
         ("unknown top-level key 'table'", "did you mean 'tables'")),
    Case("columns-as-list", "`columns:` written as a list", mapped({"tables": {"orders": {"columns": ["order_id", "customer_id"]}}}),
         MappingError, ("table 'orders'", "'columns' must be a mapping", "got a list"),
         "`'columns' must be a mapping`, with how to write it"),
    Case("defaults-as-list", "`defaults:` written as a list", mapped({"tables": {"orders": {"defaults": ["web"]}}}),
         MappingError, ("table 'orders'", "'defaults' must be a mapping", "got a list")),
    Case("tables-as-list", "`tables:` written as a list", mapped({"tables": ["orders"]}), MappingError,
         ("'tables' must be a mapping", "got a list")),
    Case("encoding-ansi", "an encoding named as Windows names it (`ansi`)", mapped({"tables": {"orders": {"encoding": "ansi"}}}),
         MappingError, ("table 'orders'", "'encoding' 'ansi'", "use 'cp1252'"),
         "the encoding to use instead (`ansi`: `cp1252`), before any file is read"),
    Case("encoding-unknown", "an encoding that does not exist", mapped({"tables": {"orders": {"encoding": "latin-9000"}}}),
         MappingError, ("table 'orders'", "'latin-9000'", "'utf-8', 'latin-1' or 'cp1252'")),
    Case("date-format-bad-code", "a `date_format` with a code that does not exist (`%d/%m/%Q`)",
         mapped({"tables": {"orders": {"date_format": "%d/%m/%Q"}}}), MappingError,
         ("table 'orders'", "'%Q' is not a date code", "'%d/%m/%Y'"),
         "the code that does not exist and how to write the format, before any file is read"),
    Case("date-format-code-twice", "a `date_format` with a code twice (`%d/%d/%Y`)",
         mapped({"tables": {"orders": {"date_format": "%d/%d/%Y"}}}), MappingError,
         ("table 'orders'", "'%d' is given twice")),
    Case("date-format-without-codes", "a `date_format` written as `dd/mm/yyyy`", mapped({"date_format": "dd/mm/yyyy"}),
         MappingError, ("'dd/mm/yyyy'", "it has no %-codes", "'%d/%m/%Y'")),
    Case("sep-too-long", "a delimiter of several characters", mapped({"tables": {"orders": {"sep": ";;"}}}), MappingError,
         ("table 'orders'", "'sep' must be one character", "';;'")),
    Case("decimal-too-long", "a decimal mark of several characters", mapped({"tables": {"order_lines": {"decimal": ",,"}}}),
         MappingError, ("table 'order_lines'", "'decimal' must be one character")),
    Case("decimal-equals-thousands", "the same decimal and thousands mark",
         mapped({"tables": {"order_lines": {"decimal": ",", "thousands": ","}}}), MappingError,
         ("table 'order_lines'", "'decimal' and 'thousands' are both ','")),
    Case("two-columns-onto-one", "two columns mapped onto one canonical column",
         mapped({"tables": {"orders": {"columns": {"Datum": "order_date", "Date": "order_date"}}}}), MappingError,
         ("table 'orders'", "'order_date' from 'Date', 'Datum'")),
    Case("default-unknown-column", "a default for a column that is not canonical",
         mapped({"tables": {"orders": {"defaults": {"chanel": "web"}}}}), MappingError,
         ("table 'orders'", "'chanel'", "did you mean 'channel'")),
    Case("date-range-not-dates", "a `date_range` that is not two dates", mapped({"date_range": "2020"}), MappingError,
         ("'date_range' must be two dates",)),
    Case("allow-outside-not-bool", "`allow_outside_data_folder: yes please`", mapped({"allow_outside_data_folder": "yes please"}),
         MappingError, ("'allow_outside_data_folder' must be true or false",)),
    Case("invalid-yaml", "a mapping that is not valid YAML", mapped("tables:\n  orders: {file: orders.parquet\n"), MappingError,
         ("is not valid YAML", "line")),
    Case("sql-with-file", "`sql:` and `file:` both given",
         mapped({"tables": {"orders": {"sql": "SELECT 1", "file": "orders.parquet"}}}), MappingError,
         ("table 'orders'", "'sql' replaces 'file'")),
    Case("file-parent-folder", "a mapping `file:` with `../`", mapped({"tables": {"customers": {"file": "../outside.csv"}}}),
         MappingError, ("table 'customers'", "file '../outside.csv' is outside the data folder", "allow_outside_data_folder: true"),
         "refused unless the mapping sets `allow_outside_data_folder: true`; no message quotes a file's content"),
    Case("file-absolute-path", "a mapping `file:` with an absolute path",
         lambda folder: {"tables": {"customers": {"file": str(folder.parent / "outside.csv")}}}, MappingError,
         ("table 'customers'", "is outside the data folder", "allow_outside_data_folder: true")),
    Case("outside-file-allowed-but-not-a-table", "`allow_outside_data_folder: true` and a file that is not a table",
         mapped({"allow_outside_data_folder": True, "tables": {"customers": {"file": "../outside.csv"}}}), DataValidationError,
         ("table 'customers'", "column 'customer_id'", "missing: the column is required", "File: 'outside.csv'")),
    # files
    Case("missing-file", "a file named in the mapping is missing", mapped({"tables": {"orders": {"file": "auftraege.csv"}}}),
         DataFileError, ("table 'orders'", "auftraege.csv", "does not exist", "Files in", "orders.parquet")),
    Case("missing-required-table", "a required table has no file", lambda folder: (folder / "products.parquet").unlink(),
         FileNotFoundError, ("1 required table(s) not found", "products", "products.csv", "Files there: customers.parquet")),
    Case("missing-sheet", "a missing file or sheet", excel("Catalogue", {"tables": {"products": {"sheet": "Products"}}}),
         DataFileError, ("table 'products'", "products.xlsx", "has no sheet 'Products'", "1 sheet(s): Catalogue"),
         "the files in the folder / the sheets of the workbook"),
    Case("several-sheets", "a workbook with several sheets and none named after the table", multi_sheet, DataFileError,
         ("table 'products'", "products.xlsx", "2 sheets (Catalogue, Old)", "Set 'sheet'")),
    Case("two-files-one-table", "two files for one table (`customers.parquet` and `customers.csv`)", second_file, DataFileError,
         ("table 'customers'", "2 files could hold this table: 'customers.parquet' and 'customers.csv'", "file: customers.csv"),
         "an error naming both files: remove the stale one, or name the file in the mapping"),
    Case("empty-file", "empty file or header only", raw_file("orders.csv", b"", drop="orders"), DataFileError,
         ("table 'orders'", "orders.csv", "the file is empty"), "the table and the file"),
    Case("header-only", "a file with a header and no rows", csv("orders", lambda f: f.iloc[0:0]), DataValidationError,
         ("table 'orders'", "0 row(s) found: the table has no rows", "File: 'orders.csv'")),
    Case("wrong-delimiter", "the file reads as one wide column", csv("orders", sep=";"), DataFileError,
         ("table 'orders'", "orders.csv", "one wide column ('order_id;customer_id;order_date;channel')", "11,465 rows", "sep: ';'"),
         "another delimiter: the message suggests `sep: ';'` (or tab, `|`)"),
    Case("ragged-line", "a line with more cells than the header",
         ragged_line,
         DataFileError, ("table 'orders'", "orders.csv", "line 3", "sep=','")),
    Case("latin-1-as-utf-8", "`UnicodeDecodeError`", csv("customers", LATIN_REGION, encoding="latin-1"), DataFileError,
         ("table 'customers'", "customers.csv", "byte b'\\xfc'", "(line 4)", "encoding: latin-1", "cp1252"),
         "the file, the byte and its position and line; set `encoding: latin-1` or `cp1252`"),
    Case("utf-16", "a UTF-16 file (Excel's 'Unicode text')", utf16, DataFileError,
         ("table 'customers'", "customers.csv", "is UTF-16 text", "encoding: utf-16"),
         "`encoding: utf-16`, which reads it (not latin-1, which reads it as garbage)"),
    Case("utf-16-read-as-latin-1", "a UTF-16 file with `encoding: latin-1`",
         lambda folder: utf16(folder, {"tables": {"customers": {"encoding": "latin-1"}}}), DataFileError,
         ("table 'customers'", "is UTF-16 text", "not latin-1", "encoding: utf-16")),
    Case("truncated-gzip", "a truncated `.csv.gz`", truncated_gzip, DataFileError,
         ("table 'orders'", "orders.csv.gz", "damaged or truncated gzip file"),
         "the table and the file: copy or export it again"),
    Case("corrupt-parquet", "a file that is not Parquet, named `.parquet`",
         raw_file("orders.parquet", b"order_id,customer_id\nO1,C1\n"), DataFileError,
         ("table 'orders'", "orders.parquet", "is not a readable Parquet file")),
    Case("corrupt-excel", "a file that is not a workbook, named `.xlsx`", raw_file("products.xlsx", b"not a zip", drop="products"),
         DataFileError, ("table 'products'", "products.xlsx", "is not a readable Excel file")),
    Case("unknown-file-type", "a file type that is not a table", raw_file("kunden.json", b"{}", mapping={"tables": {"customers": {"file": "kunden.json"}}}),
         DataFileError, ("table 'customers'", "kunden.json", "unknown file type")),
    # columns
    Case("missing-required-column", "a required column is absent", csv("orders", lambda f: f.drop(columns="order_date")),
         DataValidationError, ("table 'orders'", "column 'order_date'", "11,465 row(s) missing: the column is required",
                               "Columns found: order_id, customer_id, channel"),
         "the column, the columns found, and a reminder to map it"),
    Case("misspelt-required-column", "a required column named one letter off", csv("orders", lambda f: f.rename(columns={"order_date": "order_dat"})),
         DataValidationError, ("table 'orders'", "column 'order_date'", "missing", "did you mean 'order_date' for 'order_dat'")),
    Case("mapped-column-absent", "a column named in the mapping is not in the file",
         csv("orders", mapping={"tables": {"orders": {"columns": {"Datum": "order_date"}}}}), DataFileError,
         ("table 'orders'", "orders.csv", "1 column(s) named in the mapping are not in the file", "'Datum' (mapped to 'order_date')",
          "Columns in the file: order_id")),
    Case("misspelt-optional-column", "an optional column named one letter off (`marketing_consnet`)",
         csv("customers", lambda f: f.rename(columns={"marketing_consent": "marketing_consnet"})), DataWarning,
         ("table 'customers'", "column 'marketing_consnet'", "12,000 row(s)", "did you mean marketing_consent?", "e.g. 'True' (row 1)",
          "File: 'customers.csv'"),
         "a warning: `did you mean marketing_consent?`, with the count; the column is added empty"),
    Case("column-twice-after-stripping", "two columns with one name once spaces are stripped (`channel`, ` channel `)",
         csv("orders", lambda f: f.assign(**{" channel ": f["channel"]})), DataFileError,
         ("table 'orders'", "orders.csv", "'channel' from 'channel' and ' channel '"),
         "the name and the columns that get it: keep one"),
    Case("mapped-onto-existing-column", "a column mapped onto a name the file already has",
         csv("orders", lambda f: f.assign(Kanal=f["channel"]), mapping={"tables": {"orders": {"columns": {"Kanal": "channel"}}}}),
         DataFileError, ("table 'orders'", "orders.csv", "'channel' from 'channel' and 'Kanal'")),
    Case("excel-header-names-a-column-twice", "a workbook whose header names one column twice",
         excel_orders(lambda f: f.assign(extra=f["channel"]).rename(columns={"extra": "channel"})), DataFileError,
         ("table 'orders'", "orders.xlsx", "'channel' from 'channel' and 'channel'")),
    Case("header-names-a-column-twice", "a header naming one column twice", duplicate_header, DataFileError,
         ("table 'orders'", "orders.csv", "'channel' from 'channel' and 'channel'")),
    # values: dates
    Case("placeholder-date-9999", "dates outside 1677-2262 (`9999-12-31`, an ERP's 'no date')",
         csv("orders", cell("order_date", 6, "9999-12-31")), DataValidationError,
         ("table 'orders'", "column 'order_date'", "1 row(s) are beyond the dates that can be held", "'9999-12-31' (row 7)",
          "placeholders for 'no date'", "File: 'orders.csv'"),
         "count and first such date with its row: leave 'no date' empty"),
    Case("placeholder-signup-9999", "`signup_date` 9999-12-31", csv("customers", cell("signup_date", 9, "9999-12-31")),
         DataValidationError, ("table 'customers'", "column 'signup_date'", "1 row(s) are beyond", "'9999-12-31' (row 10)")),
    Case("placeholder-date-0001", "`order_date` 0001-01-01", csv("orders", cell("order_date", 2, "0001-01-01")),
         DataValidationError, ("table 'orders'", "column 'order_date'", "1 row(s) are beyond", "'0001-01-01' (row 3)")),
    Case("placeholder-date-in-parquet", "`order_date` 9999-12-31 in Parquet", parquet_date_9999, DataValidationError,
         ("table 'orders'", "column 'order_date'", "1 row(s) are beyond", "'9999-12-31' (row 7)", "File: 'orders.parquet'")),
    Case("date-in-2099", "implausible dates (2099, 1850)", csv("orders", cell("order_date", 4, "2099-03-01")), DataWarning,
         ("table 'orders'", "column 'order_date'", "1 row(s) are after", "(today)", "'2099-03-01' (row 5)", "date_range"),
         "a warning with the count and first such date; a `date_range` in the mapping makes them errors or accepts them"),
    Case("date-in-1850", "an order date in 1850", csv("orders", cell("order_date", 8, "1850-06-30")), DataWarning,
         ("table 'orders'", "column 'order_date'", "1 row(s) are before 1900-01-01", "'1850-06-30' (row 9)")),
    Case("signup-in-2099", "a signup date in 2099", csv("customers", cell("signup_date", 0, "2099-01-01")), DataWarning,
         ("table 'customers'", "column 'signup_date'", "1 row(s) are after", "'2099-01-01' (row 1)")),
    Case("outside-date-range", "dates outside the mapping's `date_range`",
         csv("orders", mapping={"date_range": ["2024-01-01", "2025-12-31"]}), DataValidationError,
         ("table 'orders'", "column 'order_date'", "row(s) are before 2024-01-01", "'2023-01-05' (row 1)",
          "The mapping's date_range is 2024-01-01 to 2025-12-31")),
    Case("outside-date-range-yaml-dates", "a `date_range` written as YAML dates",
         csv("orders", mapping="date_range: [2024-01-01, 2025-12-31]\n"), DataValidationError,
         ("table 'orders'", "column 'order_date'", "row(s) are before 2024-01-01", "'2023-01-05' (row 1)")),
    Case("unparseable-date", "text in a number or date column", csv("orders", cell("order_date", 1, "someday")),
         DataValidationError, ("table 'orders'", "column 'order_date'", "1 row(s) cannot be read as a date", "'someday' (row 2)"),
         "count and first bad value with its row; for dates set `date_format`"),
    Case("day-first-dates", "dates that do not match the `date_format` given",
         csv("orders", mapping={"tables": {"orders": {"date_format": "%d/%m/%Y"}}}), DataValidationError,
         ("table 'orders'", "column 'order_date'", "11,465 row(s) do not match date_format '%d/%m/%Y'", "'2023-01-05 00:00:00' (row 1)",
          "They are ISO 8601 dates"),
         "the format tried and the first bad value; ISO dates are recognised"),
    Case("placeholder-date-in-parquet-dates", "`order_date` 9999-12-31 as a Parquet date (date32)", date32_9999,
         DataValidationError, ("table 'orders'", "column 'order_date'", "1 row(s) are beyond", "'9999-12-31' (row 4)")),
    Case("placeholder-date-in-excel", "`order_date` 9999-12-31 as an Excel date",
         excel_orders(cell("order_date", 3, pd.Timestamp("9999-12-31").to_pydatetime())), DataValidationError,
         ("table 'orders'", "column 'order_date'", "1 row(s) are beyond", "'9999-12-31' (row 4)", "File: 'orders.xlsx'")),
    Case("dates-with-an-offset", "order dates with a UTC offset (`2024-03-31T10:00:00+01:00`)",
         csv("orders", with_offsets(lambda row: "+01:00")), None, ()),
    Case("dates-with-mixed-offsets", "order dates with offsets that differ from row to row (summer time)",
         csv("orders", with_offsets(lambda row: "+01:00" if row % 2 else "+02:00")), None, ()),
    Case("empty-required-date", "an empty required date", csv("orders", cell("order_date", 3, None)), DataValidationError,
         ("table 'orders'", "column 'order_date'", "1 row(s) are empty but the column is required", "row 4")),
    # values: numbers
    Case("quantity-inf", "quantity `inf`", csv("order_lines", cell("quantity", 3, "inf")), DataValidationError,
         ("table 'order_lines'", "column 'quantity'", "1 row(s) are infinite (inf)", "'inf' (row 4)"),
         "count and first such value with its row"),
    Case("unit-price-inf", "unit price `inf`", csv("order_lines", cell("unit_price", 5, "inf")), DataValidationError,
         ("table 'order_lines'", "column 'unit_price'", "1 row(s) are infinite (inf)", "'inf' (row 6)")),
    Case("unit-price-overflow", "a unit price too large for a number (`1e400`)", csv("order_lines", cell("unit_price", 5, "1e400")),
         DataValidationError, ("table 'order_lines'", "column 'unit_price'", "1 row(s) are infinite", "'1e400' (row 6)")),
    Case("price-minus-inf", "a list price `-inf`", csv("products", cell("price", 2, "-inf")), DataValidationError,
         ("table 'products'", "column 'price'", "1 row(s) are infinite", "'-inf' (row 3)")),
    Case("quantity-true-false", "a quantity column of true/false (Parquet booleans)",
         parquet("order_lines", lambda f: f.assign(quantity=f["quantity"] > 1)), DataValidationError,
         ("table 'order_lines'", "column 'quantity'", "cannot be read as a whole number", "True (row 1)")),
    Case("quantity-1e30", "quantity `1e30`", csv("order_lines", cell("quantity", 7, "1e30")), DataValidationError,
         ("table 'order_lines'", "column 'quantity'", "1 row(s) are larger than 9,007,199,254,740,992", "'1e30' (row 8)"),
         "the value as written (`1e30`), too large to be a count"),
    Case("quantity-2-to-the-63", "quantity 9223372036854775808 (2**63)", csv("order_lines", cell("quantity", 2, "9223372036854775808")),
         DataValidationError, ("table 'order_lines'", "column 'quantity'", "1 row(s) are larger than", "'9223372036854775808' (row 3)")),
    Case("quantity-nan-text", "quantity written `NaN`", csv("order_lines", cell("quantity", 2, "NaN")), DataValidationError,
         ("table 'order_lines'", "column 'quantity'", "1 row(s) cannot be read as a whole number", "'NaN' (row 3)")),
    Case("negative-quantity", "zero or negative quantities", csv("order_lines", cell("quantity", 3, "-2")), DataValidationError,
         ("table 'order_lines'", "column 'quantity'", "1 row(s) are zero or negative", "-2 (row 4)", "'returns' table"),
         "move returns and cancellations to the `returns` table"),
    Case("zero-quantity", "a zero quantity", csv("order_lines", cell("quantity", 0, "0")), DataValidationError,
         ("table 'order_lines'", "column 'quantity'", "1 row(s) are zero or negative", "0 (row 1)")),
    Case("fractional-quantity", "a quantity that is not a whole number", csv("order_lines", cell("quantity", 2, "1.5")),
         DataValidationError, ("table 'order_lines'", "column 'quantity'", "1 row(s) are not whole numbers", "'1.5' (row 3)")),
    Case("negative-unit-price", "a negative unit price", csv("order_lines", cell("unit_price", 2, "-5")), DataValidationError,
         ("table 'order_lines'", "column 'unit_price'", "1 row(s) are below the minimum 0", "-5.0 (row 3)")),
    Case("zero-list-price", "a list price of 0", csv("products", cell("price", 1, "0")), DataValidationError,
         ("table 'products'", "column 'price'", "1 row(s) are zero or negative", "0.0 (row 2)")),
    Case("text-in-price", "text in a price column", csv("order_lines", cell("unit_price", 4, "n/a")), DataValidationError,
         ("table 'order_lines'", "column 'unit_price'", "1 row(s) cannot be read as a number", "'n/a' (row 5)")),
    Case("decimal-comma", "numbers with a decimal comma (`899,00`)",
         csv("order_lines", lambda f: f.assign(unit_price=f["unit_price"].map(lambda v: f"{v:.2f}".replace(".", ","))), sep=";",
             mapping={"tables": {"order_lines": {"sep": ";"}}}), DataValidationError,
         ("table 'order_lines'", "column 'unit_price'", "18,332 row(s) cannot be read as a number", "'69,00' (row 1)",
          "set decimal: ','"),
         "a hint to set `decimal: ','` (and `thousands: '.'` for `1.049,00`)"),
    Case("negative-unit-cost", "a negative unit cost", csv("products", cell("unit_cost", 0, "-1")), DataValidationError,
         ("table 'products'", "column 'unit_cost'", "1 row(s) are below the minimum 0", "-1.0 (row 1)")),
    Case("unknown-tier", "a tier outside the ladder", csv("products", cell("tier", 0, "gold")), DataValidationError,
         ("table 'products'", "column 'tier'", "1 row(s) are not one of basic, standard, premium", "'gold' (row 1)")),
    Case("consent-not-a-flag", "a consent flag that is not true/false", csv("customers", cell("marketing_consent", 5, "maybe")),
         DataValidationError, ("table 'customers'", "column 'marketing_consent'", "1 row(s) cannot be read as true/false", "'maybe' (row 6)")),
    Case("nps-above-10", "an NPS score of 11", csv("surveys", cell("nps_score", 0, "11")), DataValidationError,
         ("table 'surveys'", "column 'nps_score'", "1 row(s) are above the maximum 10", "11 (row 1)"), tables=("surveys",)),
    Case("unknown-event-type", "an unknown marketing event type", csv("marketing_events", cell("event_type", 2, "billboard")),
         DataValidationError, ("table 'marketing_events'", "column 'event_type'", "1 row(s) are not one of", "'billboard' (row 3)"),
         tables=("marketing_events",)),
    Case("zero-return-quantity", "a return of 0 units", csv("returns", cell("quantity", 1, "0")), DataValidationError,
         ("table 'returns'", "column 'quantity'", "1 row(s) are zero or negative", "0 (row 2)"), tables=("returns",)),
    # values: text and ids
    Case("nul-byte", "NUL bytes in a value", csv("customers", cell("region", 5, "No\x00rth")), DataValidationError,
         ("table 'customers'", "column 'region'", "1 row(s) contain a NUL character", "'No\\x00rth' (row 6)"),
         "count and first such value: the file is damaged or UTF-16"),
    Case("float-ids-in-parquet", "numeric ids stored as floats in Parquet", float_ids(lambda v: v), None, ()),
    Case("infinite-float-id", "an id `inf` in a float id column", float_ids(lambda v: v.where(v.index != 3, np.inf)),
         DataValidationError, ("table 'customers'", "column 'customer_id'", "1 row(s) cannot be read as an id", "inf (row 4)")),
    Case("huge-float-ids", "float ids beyond 2**63", float_ids(lambda v: v * 1e20), None, ()),
    Case("blank-id", "an id of spaces only", csv("orders", cell("order_id", 2, "   ")), DataValidationError,
         ("table 'orders'", "column 'order_id'", "1 row(s) are empty but the column is required", "row 3")),
    Case("empty-customer-id", "an empty required id", csv("orders", cell("customer_id", 2, None)), DataValidationError,
         ("table 'orders'", "column 'customer_id'", "1 row(s) are empty but the column is required", "row 3")),
    # keys and references
    Case("exact-duplicate-rows", "rows repeated exactly", csv("orders", rows_twice), None,
         ("orders", "dropped exact duplicate rows", "2"), "dropped, and counted in `company.cleaning_log`"),
    Case("same-key-different-values", "the same key with different values (an order line twice, different quantities)",
         csv("order_lines", same_key), DataValidationError,
         ("table 'order_lines'", "column 'order_id + product_id'", "2 row(s) share their key", "(rows 4 and 18333)"),
         "an error with the rows of the first such pair: combine or correct them"),
    Case("duplicate-customer-id", "a customer id twice", csv("customers", cell("customer_id", 1, "C00001")), DataValidationError,
         ("table 'customers'", "column 'customer_id'", "2 row(s) share their key", "customer_id='C00001' (rows 1 and 2)")),
    Case("orphan-product", "ids not found in the referenced table (a product sold but not in products)",
         csv("order_lines", cell("product_id", 2, "NOPE-1")), DataValidationError,
         ("table 'order_lines'", "column 'product_id'", "1 row(s) refer to a product_id that is not in table 'products'",
          "'NOPE-1' (row 3)"),
         "count and example; checked once every table's values are readable"),
    Case("orphan-customer", "an order of an unknown customer", csv("orders", cell("customer_id", 0, "C99999")), DataValidationError,
         ("table 'orders'", "column 'customer_id'", "1 row(s) refer to a customer_id that is not in table 'customers'", "'C99999' (row 1)")),
    Case("orphan-order", "an order line of an unknown order", csv("order_lines", cell("order_id", 9, "O999999")), DataValidationError,
         ("table 'order_lines'", "column 'order_id'", "1 row(s) refer to a order_id that is not in table 'orders'", "'O999999' (row 10)")),
    Case("ids-lose-zeros-in-csv", "ids written as numbers in one table only (`1591.0` for `C01591`)",
         csv("orders", lambda f: f.assign(customer_id=f["customer_id"].str[1:].astype(float))), DataValidationError,
         ("table 'orders'", "column 'customer_id'", "11,465 row(s) refer to a customer_id", "'1591.0' (row 1)")),
]


# --- the test -----------------------------------------------------------------------------------


def checksums(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def build(case: Case, root: Path) -> tuple[Path, Path | None]:
    """The case's data folder under ``root`` and its mapping file (None without a mapping)."""
    folder = root / "data"
    folder.mkdir(parents=True)
    for table in (*REQUIRED, *case.tables):
        shutil.copy(BUNDLED / f"{table}.parquet", folder)
    (root / "outside.csv").write_text(f"notes\n{SECRET}\n", encoding="utf-8")
    mapping = case.change(folder)
    if mapping is None:
        return folder, None
    file = root / "mapping.yaml"
    file.write_text(mapping if isinstance(mapping, str) else yaml.safe_dump(mapping), encoding="utf-8")
    return folder, file


def load(case: Case, folder: Path, mapping: Path | None) -> tuple[str, list]:
    """Load the case's folder: the message of what it raised or warned (or the cleaning log's text) and its problems."""
    if case.expected is None:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataWarning)
            return load_company(folder, mapping).cleaning_log.to_string(), []
    if issubclass(case.expected, Warning):
        with pytest.warns(case.expected) as caught:
            load_company(folder, mapping)
        found = [w.message for w in caught if issubclass(w.category, case.expected)]
        return "\n".join(map(str, found)), [p for message in found for p in message.problems]
    with pytest.raises(case.expected) as error:
        load_company(folder, mapping)
    assert error.value.__cause__ is None and (error.value.__context__ is None or error.value.__suppress_context__), (
        f"{case.name}: a {type(error.value.__context__).__name__} is chained to the message"
    )
    return str(error.value), getattr(error.value, "problems", [])


@pytest.fixture
def reads(monkeypatch) -> list[Path]:
    """Every table file read by io.read_table."""
    calls: list[Path] = []
    original = io.read_table
    monkeypatch.setattr(io, "read_table", lambda file, source: calls.append(Path(file)) or original(file, source))
    return calls


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case, tmp_path, reads):
    folder, mapping = build(case, tmp_path)
    before = checksums(tmp_path)
    message, problems = load(case, folder, mapping)
    for words in case.words:
        assert words in message, f"{case.name}: {words!r} not in:\n{message}"
    for problem in problems:  # each names its table, column, count and an example (rows, or the columns found)
        assert problem.table and problem.column and problem.count >= 0, problem
        assert problem.example or problem.count == 0 or "Columns found" in problem.hint, problem
    if case.expected is DataFileError:
        assert "file '" in message
    if case.expected is MappingError:
        assert reads == [], f"{case.name}: files were read before the mapping was refused: {reads}"
    assert SECRET not in message
    assert checksums(tmp_path) == before, f"{case.name}: an input file changed"


def test_the_corpus_is_large_and_names_are_unique():
    assert len(CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)


def test_the_bundled_tables_load_without_warnings(tmp_path):
    """The corpus's starting point is clean: each case's message comes from its change alone."""
    case = Case("untouched", "", lambda folder: None, None, ())
    folder, mapping = build(case, tmp_path)
    assert load(case, folder, mapping)[1] == []


def test_following_the_utf16_advice_loads_the_file(tmp_path):
    folder, _ = build(Case("utf-16", "", utf16, None, ()), tmp_path)
    company = load_company(folder, {"tables": {"customers": {"encoding": "utf-16"}}})
    assert len(company.customers) == len(pd.read_parquet(BUNDLED / "customers.parquet"))


def test_a_date_range_accepts_the_dates_it_covers(tmp_path):
    folder, _ = build(Case("2099", "", csv("orders", cell("order_date", 4, "2099-03-01")), None, ()), tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        company = load_company(folder, {"tables": {"orders": {"date_range": ["2020-01-01", "2099-12-31"]}}})
    assert company.orders["order_date"].max() == pd.Timestamp("2099-03-01")


def test_float_ids_read_as_whole_numbers(tmp_path):
    folder, _ = build(Case("floats", "", float_ids(lambda v: v), None, ()), tmp_path)
    company = load_company(folder)
    assert company.orders["customer_id"].iloc[0] == "1591"
    huge, _ = build(Case("huge", "", float_ids(lambda v: v * 1e20), None, ()), tmp_path / "huge")
    assert load_company(huge).customers["customer_id"].iloc[0] == str(int(1.0 * 1e20))


# --- the README's table -------------------------------------------------------------------------


def readme_table() -> str:
    """The README's table of problems and what the analyst sees: the cases with a ``readme`` text."""
    rows = [README_HEADER, "|---|---|"]
    rows += [f"| {case.problem} | {case.readme} |" for case in CASES if case.readme]
    return "\n".join(rows) + "\n"


def readme_with_table(text: str) -> str:
    """``text`` (the README) with its table of problems replaced by :func:`readme_table`."""
    start = text.index(README_HEADER)
    end = text.index("\n\n", start) + 1
    return text[:start] + readme_table() + text[end:]


def test_the_readme_table_is_the_corpus():
    text = README.read_text(encoding="utf-8")
    assert readme_with_table(text) == text, "README's bad-input table is out of date: run python tests/test_bad_input_corpus.py"


if __name__ == "__main__":
    README.write_text(readme_with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_quality_report_reads_every_case(case, tmp_path):
    """``xsell-lab check`` prints the quality report before loading: it reads every case, or refuses it clearly."""
    from xsell_lab.data.quality import QUALITY_COLUMNS, quality_report

    folder, mapping = build(case, tmp_path)
    try:
        raw = io.read_raw_tables(folder, mapping)
    except (DataFileError, MappingError, FileNotFoundError) as error:
        assert case.expected is not None and isinstance(error, case.expected), error
        return
    assert list(quality_report(raw).columns) == QUALITY_COLUMNS


def test_row_numbers_become_line_numbers_after_a_value_on_several_lines(tmp_path):
    def multi_line_name(folder: Path) -> None:
        products = frame_of(folder, "products")
        products.loc[1, "product_name"] = "Northwind Laptop\nwith two lines\nof name"
        products.loc[3, "price"] = "cheap"
        products.to_csv(folder / "products.csv", index=False)

    folder, _ = build(Case("multi-line", "", multi_line_name, None, ()), tmp_path)
    with pytest.raises(DataValidationError) as error:
        load_company(folder)
    assert "'cheap' (row 4). Values in this file span several lines: row 4 is on line 7. File: 'products.csv'" in str(error.value)


def test_a_file_given_as_the_data_folder_is_named_as_a_file(tmp_path):
    folder, _ = build(Case("file", "", lambda folder: None, None, ()), tmp_path)
    with pytest.raises(FileNotFoundError) as error:
        load_company(folder / "orders.parquet")
    assert "orders.parquet' is a file, not a data folder" in str(error.value)
    assert f"('{folder}')" in str(error.value)


def test_dates_with_offsets_keep_their_local_time(tmp_path):
    case = next(case for case in CASES if case.name == "dates-with-mixed-offsets")
    folder, _ = build(case, tmp_path)
    dates = load_company(folder).orders["order_date"]
    assert dates.dt.tz is None and (dates.dt.hour == 10).all()
    assert dates.iloc[0] == pd.Timestamp("2023-01-05 10:00")


@pytest.mark.parametrize("date_format", ["%d/%m/%Y", "%d.%m.%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%G-W%V-%u", "%b %d, %Y", "ISO8601"])
def test_the_mapping_accepts_every_date_format_pandas_reads(date_format):
    from xsell_lab.data.mapping import parse_mapping

    assert parse_mapping({"tables": {"orders": {"date_format": date_format}}})["orders"].date_format == date_format
    day = pd.Timestamp("2024-03-31 13:05:07", tz="UTC")
    text = day.isoformat() if date_format == "ISO8601" else day.strftime(date_format)
    assert pd.to_datetime(pd.Series([text]), format=date_format).notna().all()
