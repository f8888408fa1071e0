"""Read and write a company's tables.

A company lives in a folder with one file per table. By default each file is
named after its table (``orders.parquet``, ``orders.csv``, ``orders.csv.gz``
or ``orders.xlsx``) and uses the canonical column names. An analyst's own
files, with their own names, delimiters, encodings, date formats and column
names, are described by a column mapping (see :mod:`xsell_lab.data.mapping`).

:func:`load_company` reads whatever is there, renames, validates and returns a
:class:`~xsell_lab.data.company.Company`. Every problem with the files (missing,
empty, wrong delimiter, wrong encoding, unknown sheet, unreadable) raises a
:class:`DataFileError` naming the table and the file; every problem with the
values raises a :class:`~xsell_lab.data.validation.DataValidationError` naming the
table, the column, the count and an example. Input files are only read,
never written. :func:`write_company` writes Parquet files whole or not at all.

Identifiers are always read as text, so ``"00123"`` keeps its zeros. So are
numbers: a table's ``decimal`` and ``thousands`` marks (``899,00``,
``1.299,00``) are applied when they are typed, by
:func:`~xsell_lab.data.validation.validate_table`.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import os
import re
import warnings
import zlib
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from xsell_lab._files import replaced_whole
from xsell_lab.data import schema as s
from xsell_lab.data.company import Company
from xsell_lab.data.id_mark import mark_customer_ids
from xsell_lab.data.mapping import MappingError, TableSource, parse_mapping, sample_of
from xsell_lab.data.validation import (
    CLEANING_LOG_COLUMNS,
    DataValidationError,
    empty_table,
    validate_tables,
)
from xsell_lab.exceptions import DataFileError, DataWarning, Problem

#: File endings looked for, in this order, when a table has no ``file`` in the mapping.
FILE_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".xlsx")
_DELIMITERS = (",", ";", "\t", "|")


def load_company(
    path: str | os.PathLike = "data",
    mapping: str | os.PathLike | dict | None = None,
    *,
    date_format: str | None = None,
) -> Company:
    """Load, rename and validate every table of a company.

    Parameters
    ----------
    path : str or path-like
        Data folder. Files named in the mapping are relative to it and must
        lie inside it (see :func:`locate_table_file`); tables not in the
        mapping are looked for as ``<table>.parquet`` / ``.csv`` /
        ``.csv.gz`` / ``.xlsx``.
    mapping : str, path-like or dict, optional
        Column mapping (a YAML file or the equivalent ``dict``), see
        :mod:`xsell_lab.data.mapping`. ``None``: files use canonical names.
    date_format : str, optional
        Format of date columns when not ISO 8601, for tables whose mapping
        entry does not give its own.

    Returns
    -------
    Company
        The validated tables; ``cleaning_log`` lists every repair (defaults
        filled, exact duplicate rows dropped, optional columns added) with
        its row count. While a pseudonymised report runs, customer ids that
        read like numbers carry a mark (``#17``, see
        :mod:`xsell_lab.data.id_mark`).

    Raises
    ------
    MappingError
        When the mapping itself is wrong (unknown table or column names), or
        names a file outside the data folder (checked before any file is read).
    DataFileError
        When a file is missing, empty or cannot be read as a table.
    DataValidationError
        When values break the data model, listing the problems of every
        table at once (see :func:`~xsell_lab.data.validation.validate_tables`).

    Warns
    -----
    DataWarning
        When the data loads but holds values that are probably wrong (dates
        before 1900 or after today, a column named nearly as an absent optional
        one), naming the table, the column, the count, an example and the file.
    """
    raw = read_raw_tables(path, mapping, date_format=date_format)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            tables, validation_log = validate_tables(raw.tables, raw.options)
    except DataValidationError as error:
        raise _with_files(error, raw) from None
    for warning in caught:
        _warn_again(warning, raw)
    tables, added = _sales_tables_of_a_campaign_export(tables)
    filled = [log for log in [raw.log, validation_log, pd.DataFrame(added, columns=CLEANING_LOG_COLUMNS)] if len(log)]
    cleaning_log = pd.concat(filled, ignore_index=True) if filled else pd.DataFrame(columns=CLEANING_LOG_COLUMNS)
    tables = mark_customer_ids(tables)  # only while a pseudonymised report runs on ids that read like numbers
    return Company(**tables, cleaning_log=cleaning_log, sample=sample_of(mapping))


@dataclasses.dataclass
class RawTables:
    """The tables of a data folder as read and renamed, before validation.

    Attributes
    ----------
    tables : dict of str to pandas.DataFrame
        Raw tables by canonical name, canonical column names, not yet typed.
    sources : dict of str to str
        Where each table came from: ``"File: 'orders.csv'"`` or ``"SQL query in the mapping"``.
    options : dict of str to dict
        The keyword arguments of :func:`~xsell_lab.data.validation.validate_table` per table.
    log : pandas.DataFrame
        The defaults filled (:data:`~xsell_lab.data.validation.CLEANING_LOG_COLUMNS`).
    files : dict of str to pathlib.Path
        The file of each table read from a file (not from a query).
    entries : dict of str to TableSource
        The mapping entry each table was read with.
    """

    tables: dict[str, pd.DataFrame]
    sources: dict[str, str]
    options: dict[str, dict]
    log: pd.DataFrame
    files: dict[str, Path] = dataclasses.field(default_factory=dict)
    entries: dict[str, TableSource] = dataclasses.field(default_factory=dict)


def read_raw_tables(
    path: str | os.PathLike = "data",
    mapping: str | os.PathLike | dict | None = None,
    *,
    date_format: str | None = None,
) -> RawTables:
    """Read every table of a data folder as :func:`load_company` does, without validating it.

    Tables given as ``sql`` in the mapping are made by DuckDB
    (:func:`xsell_lab.data.sql.run_query`); the others are read from their
    file. The parameters are those of :func:`load_company`.

    Returns
    -------
    RawTables
        The raw tables, where each came from, the validation options, and
        the defaults filled.

    Raises
    ------
    MappingError, DataFileError, FileNotFoundError
        As :func:`load_company`; a failing SQL query raises MappingError
        naming the table and quoting DuckDB's message.
    """
    folder = Path(path)
    if folder.is_file():
        raise FileNotFoundError(
            f"'{folder}' is a file, not a data folder: give the folder that holds the tables ('{folder.parent}'), "
            "and name this file in a column mapping if it is not called after its table."
        )
    if not folder.is_dir():
        raise FileNotFoundError(f"Data folder '{folder}' does not exist (working directory: {Path.cwd()}).")
    sources = parse_mapping(mapping)
    queries = {name: source for name, source in sources.items() if source.sql is not None}
    for name, source in queries.items():
        from xsell_lab.data.sql import check_query  # DuckDB only when the mapping has a query

        check_query(name, source.sql)
    located = {
        name: locate_table_file(folder, sources.get(name, TableSource(name))) for name in s.TABLES if name not in queries
    }
    raw_tables, origins, options, logs, entries = {}, {}, {}, [], {}
    for name in s.TABLES:
        source = sources.get(name, TableSource(name))
        if name not in queries and located.get(name) is None:
            continue
        frame, origins[name] = read_source(folder, source)
        entries[name] = source
        source = dataclasses.replace(source, date_format=source.date_format or date_format)
        raw_tables[name], log = _apply_defaults(frame, source)
        options[name] = {
            "date_format": source.date_format,
            "decimal": source.decimal or ".",
            "thousands": source.thousands,
            "date_range": source.date_range,
        }
        logs.append(log)
    _check_required(raw_tables, folder)
    filled = [log for log in logs if len(log)]
    log = pd.concat(filled, ignore_index=True) if filled else pd.DataFrame(columns=CLEANING_LOG_COLUMNS)
    files = {name: file for name, file in located.items() if file is not None and name in raw_tables}
    return RawTables(raw_tables, origins, options, log, files, entries)


def read_source(folder: str | os.PathLike, source: TableSource) -> tuple[pd.DataFrame, str] | None:
    """One table as the mapping gives it, renamed to canonical columns, and where it came from.

    The result of the table's ``sql`` query (DuckDB, contained in ``folder``) or its file
    (:func:`locate_table_file`, :func:`read_table`); ``None`` when the table has neither.
    Not validated: :func:`read_raw_tables` and :func:`load_company` do that.
    """
    folder = Path(folder)
    if source.sql is not None:
        from xsell_lab.data.sql import run_query  # DuckDB only when the mapping has a query

        frame = run_query(source.table, source.sql, folder, allow_outside=source.allow_outside)
        return _rename_query_result(frame, source), "Made by the SQL query of the mapping"
    file = locate_table_file(folder, source)
    if file is None:
        return None
    return read_table(file, source), f"File: '{file.name}'"


def _rename_query_result(frame: pd.DataFrame, source: TableSource) -> pd.DataFrame:
    """A query's result renamed by ``columns``; whole-number id columns as text without ``.0``."""
    absent = [col for col in source.columns if col not in frame.columns]
    if absent:
        raise MappingError(
            f"In the column mapping, table '{source.table}': {len(absent)} column(s) named in 'columns' are not in the "
            f"result of its SQL query, e.g. '{absent[0]}'. The query returns: {', '.join(map(str, frame.columns[:15]))}."
        )
    _check_unique_columns(frame, source, "its SQL query", lambda message: MappingError(
        f"In the column mapping, table '{source.table}': the result of its SQL query {message}"
    ))
    frame = frame.rename(columns=source.columns)
    ids = [c.name for c in s.TABLES[source.table].columns if c.kind == "id" and c.name in frame.columns]
    return frame.assign(**{col: frame[col].map(_excel_id, na_action="ignore") for col in ids})


def read_table(file: str | os.PathLike, source: TableSource) -> pd.DataFrame:
    """Read one raw table and rename its columns to canonical names.

    Parameters
    ----------
    file : str or path-like
        A ``.csv`` (optionally ``.gz``), ``.parquet`` or ``.xlsx`` file.
    source : TableSource
        How to read it (delimiter, encoding, sheet) and the column renaming.

    Returns
    -------
    pandas.DataFrame
        The table as read, every CSV cell as text (empty cells as missing),
        with mapped columns renamed; other columns keep their names. Not yet
        validated.

    Raises
    ------
    DataFileError
        When the file is empty, in another encoding or delimiter, not a valid
        Parquet / Excel file, has no such sheet, or lacks a mapped column.
    """
    file = Path(file)
    name = file.name.lower()
    if name.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        frame = _read_csv(file, source)
    elif name.endswith(".parquet"):
        frame = _read_parquet(file, source)
    elif name.endswith((".xlsx", ".xlsm")):
        frame = _read_excel(file, source)
    else:
        raise DataFileError(source.table, file, "unknown file type; use .csv, .csv.gz, .parquet or .xlsx.")
    return _rename(frame, file, source)


def write_company(company: Company, path: str | os.PathLike) -> list[Path]:
    """Write each table as Parquet, atomically (a temporary file, then a rename).

    Parameters
    ----------
    company : Company
        The tables to write.
    path : str or path-like
        Target folder, created if needed.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in company.tables().items():
        target = folder / f"{name}.parquet"
        with replaced_whole(target) as partial:
            frame.to_parquet(partial, index=False)
        written.append(target)
    return written


# --- locating files -------------------------------------------------------


def locate_table_file(folder: str | os.PathLike, source: TableSource) -> Path | None:
    """The file holding one table in a data folder, checked without reading it.

    Parameters
    ----------
    folder : str or path-like
        The data folder.
    source : TableSource
        The table's mapping entry: its ``file``, or none to look for
        ``<table>`` with each of :data:`FILE_SUFFIXES`.

    Returns
    -------
    pathlib.Path or None
        The file; None when the mapping names no file and no
        ``<table>.<suffix>`` exists.

    Raises
    ------
    MappingError
        When ``file`` lies outside the data folder once ``..`` and symbolic
        links are resolved (an absolute path, ``../x.csv``, a link pointing
        out), unless the mapping sets ``allow_outside_data_folder: true``.
    DataFileError
        When the file named in the mapping does not exist, or when the
        mapping names no file and two files could hold the table
        (``customers.parquet`` and ``customers.csv``: one is probably stale).
    """
    folder = Path(folder)
    if source.file is not None:
        file = folder / source.file
        _check_inside(folder, file, source)
        if not file.is_file():
            raise DataFileError(
                source.table, file, f"the file named in the mapping does not exist. Files in '{folder}': {_listing(folder)}."
            )
        return file
    candidates = [folder / f"{source.table}{suffix}" for suffix in FILE_SUFFIXES]
    found = [file for file in candidates if file.is_file()]
    if len(found) > 1:
        names = " and ".join(f"'{file.name}'" for file in found)
        raise DataFileError(
            source.table,
            found[0],
            f"{len(found)} files could hold this table: {names}. One is probably out of date: remove it, or name "
            f"the file to read in the mapping (tables: {{{source.table}: {{file: {found[1].name}}}}}).",
        )
    if not found:
        return None
    _check_inside(folder, found[0], source)
    return found[0]


def _check_inside(folder: Path, file: Path, source: TableSource) -> None:
    """Refuse a table file that resolves to a place outside the data folder (unless the mapping allows it)."""
    if source.allow_outside or file.resolve().is_relative_to(folder.resolve()):
        return
    named = f"file '{source.file}'" if source.file is not None else f"'{file.name}' (a symbolic link)"
    raise MappingError(
        f"In the column mapping, table '{source.table}': {named} is outside the data folder '{folder}'. "
        "Put the file in the data folder, or set 'allow_outside_data_folder: true' at the top of the mapping."
    )


def _check_required(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """Every required table is there, or the folder is a campaign export (:data:`~xsell_lab.data.schema.CAMPAIGN_TABLES`)."""
    missing = [name for name in s.REQUIRED_TABLES if name not in tables]
    if missing and not _is_campaign_export(tables):
        looked = ", ".join(f"{missing[0]}{suffix}" for suffix in FILE_SUFFIXES)
        raise FileNotFoundError(
            f"{len(missing)} required table(s) not found in '{folder}': {', '.join(missing)} "
            f"(looked for {looked}). Name their files in a column mapping, or give the customers and offers "
            f"of a test alone (a campaign export). Files there: {_listing(folder)}."
        )


def _is_campaign_export(tables: Mapping[str, object]) -> bool:
    """Whether the tables are a campaign export: customers and offers, but no orders."""
    return all(name in tables for name in s.CAMPAIGN_TABLES) and s.ORDERS not in tables


def _sales_tables_of_a_campaign_export(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """The required tables a campaign export lacks, empty (typed, no rows), and the cleaning log's rows saying so."""
    absent = [name for name in s.REQUIRED_TABLES if name not in tables]
    log = [
        {"table": name, "step": "empty table added", "rows": 0,
         "detail": "a campaign export (customers and offers, no orders): the analyses of sales are skipped"}
        for name in absent
    ]
    return {**tables, **{name: empty_table(name) for name in absent}}, log


def _listing(folder: Path) -> str:
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    return ", ".join(names[:15]) + (" ..." if len(names) > 15 else "") if names else "(none)"


# --- readers --------------------------------------------------------------


def _read_csv(file: Path, source: TableSource) -> pd.DataFrame:
    sep = source.sep or ("\t" if file.name.lower().endswith(".tsv") else ",")
    encoding = source.encoding or "utf-8"
    _check_utf16(file, source, encoding)
    try:
        frame = pd.read_csv(file, sep=sep, encoding=encoding, dtype=str, keep_default_na=False, na_values=[""])
    except UnicodeDecodeError:
        raise DataFileError(source.table, file, _encoding_message(file, encoding)) from None
    except pd.errors.EmptyDataError:
        raise DataFileError(source.table, file, "the file is empty (no header, no rows).") from None
    except pd.errors.ParserError as error:
        raise DataFileError(
            source.table, file, f"cannot be read as CSV with sep={sep!r}: {error}. Check 'sep' and quoting."
        ) from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise DataFileError(
            source.table, file, f"is a damaged or truncated gzip file ({type(error).__name__}): export or copy it again."
        ) from None
    _check_delimiter(frame, file, source, sep)
    if _renamed_duplicates(frame):
        header = pd.read_csv(file, sep=sep, encoding=encoding, header=None, nrows=1, dtype=str, keep_default_na=False)
        frame.columns = header.iloc[0].tolist()
    return frame


def _renamed_duplicates(frame: pd.DataFrame) -> bool:
    """Whether pandas renamed a repeated column name ``x`` to ``x.1``: the header is then read again, as written."""
    names = set(map(str, frame.columns))
    return any(match[1] in names for match in map(_RENAMED_DUPLICATE.fullmatch, names) if match)


_RENAMED_DUPLICATE = re.compile(r"(.*)\.\d+")
_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def _check_utf16(file: Path, source: TableSource, encoding: str) -> None:
    """Refuse a UTF-16 file read with another encoding (every other byte NUL), advising ``encoding: utf-16``."""
    if encoding.lower().replace("-", "").replace("_", "").startswith("utf16"):
        return
    start = _first_bytes(file)
    if start.startswith(_UTF16_MARKS) or (len(start) >= 8 and start.count(b"\x00") >= len(start) // 3):
        raise DataFileError(
            source.table,
            file,
            f"is UTF-16 text (Excel's 'Unicode text'), not {encoding}: set 'encoding: utf-16' for this table in the mapping.",
        )


def _first_bytes(file: Path, size: int = 64) -> bytes:
    opener = gzip.open if file.name.lower().endswith(".gz") else open
    try:
        with opener(file, "rb") as handle:
            return handle.read(size)
    except (EOFError, zlib.error, gzip.BadGzipFile):
        return b""  # read_csv says the gzip file is damaged


def _encoding_message(file: Path, encoding: str) -> str:
    opener = gzip.open if file.name.lower().endswith(".gz") else open
    with opener(file, "rb") as handle:
        raw = handle.read()
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return (
            f"is not valid {encoding} text: byte {raw[error.start:error.start + 1]!r} at byte position "
            f"{error.start:,} (line {line}) cannot be decoded. The file was probably saved in another encoding: "
            "set 'encoding: latin-1' or 'encoding: cp1252' (Excel on Windows) for this table in the mapping."
        )
    return f"is not valid {encoding} text. Set 'encoding' for this table in the mapping."


def _check_delimiter(frame: pd.DataFrame, file: Path, source: TableSource, sep: str) -> None:
    if frame.shape[1] != 1:
        return
    header = str(frame.columns[0])
    counts = {d: header.count(d) for d in _DELIMITERS if d != sep}
    likely = max(counts, key=counts.get)
    if counts[likely] == 0:
        return
    raise DataFileError(
        source.table,
        file,
        f"was read as one wide column ('{header[:60]}') of {len(frame):,} rows with sep={sep!r}: it probably uses "
        f"another delimiter. Set 'sep: {likely!r}' for this table in the mapping.",
    )


def _read_parquet(file: Path, source: TableSource) -> pd.DataFrame:
    try:
        return pd.read_parquet(file)
    except Exception as error:  # pyarrow raises several unrelated types for a corrupt file
        raise DataFileError(source.table, file, f"is not a readable Parquet file ({type(error).__name__}: {error}).") from None


def _read_excel(file: Path, source: TableSource) -> pd.DataFrame:
    try:
        workbook = pd.ExcelFile(file)
    except Exception as error:  # openpyxl / zipfile errors for a damaged workbook
        raise DataFileError(source.table, file, f"is not a readable Excel file ({type(error).__name__}: {error}).") from None
    with workbook:
        sheet = _choose_sheet(workbook.sheet_names, file, source)
        frame = pd.read_excel(workbook, sheet_name=sheet, dtype=object)
        if _renamed_duplicates(frame):
            frame.columns = pd.read_excel(workbook, sheet_name=sheet, header=None, nrows=1).iloc[0].tolist()
    id_sources = _source_columns_of_kind(frame, source, "id")
    return frame.assign(**{col: frame[col].map(_excel_id, na_action="ignore") for col in id_sources})


def _choose_sheet(sheets: list[str], file: Path, source: TableSource) -> str:
    if source.sheet is not None:
        if source.sheet not in sheets:
            raise DataFileError(
                source.table, file, f"has no sheet '{source.sheet}'. Its {len(sheets)} sheet(s): {', '.join(sheets)}."
            )
        return source.sheet
    if source.table in sheets:
        return source.table
    if len(sheets) == 1:
        return sheets[0]
    raise DataFileError(
        source.table,
        file,
        f"has {len(sheets)} sheets ({', '.join(sheets)}) and none is named '{source.table}'. "
        "Set 'sheet' for this table in the mapping.",
    )


def _excel_id(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _source_columns_of_kind(frame: pd.DataFrame, source: TableSource, kind: str) -> list[str]:
    renamed = {col: source.columns.get(str(col), str(col)) for col in frame.columns}
    kinds = {c.name: c.kind for c in s.TABLES[source.table].columns}
    return [col for col, canonical in renamed.items() if kinds.get(canonical) == kind]


# --- renaming, defaults, validation ---------------------------------------


def _rename(frame: pd.DataFrame, file: Path, source: TableSource) -> pd.DataFrame:
    _check_unique_columns(frame, source, "the file", lambda message: DataFileError(source.table, file, message))
    frame = frame.rename(columns=lambda col: str(col).strip())
    absent = [col for col in source.columns if col not in frame.columns]
    if absent:
        found = ", ".join(map(str, frame.columns[:15])) + (" ..." if frame.shape[1] > 15 else "")
        raise DataFileError(
            source.table,
            file,
            f"{len(absent)} column(s) named in the mapping are not in the file, e.g. '{absent[0]}' "
            f"(mapped to '{source.columns[absent[0]]}'). Columns in the file: {found}.",
        )
    return frame.rename(columns=source.columns)


def _check_unique_columns(frame: pd.DataFrame, source: TableSource, what: str, error) -> None:
    """Refuse two columns that get one name once stripped of spaces and renamed by the mapping.

    ``error`` makes the exception from the message (a DataFileError for a file, a
    MappingError for a query's result).
    """
    names: dict[str, list[str]] = {}
    for column in map(str, frame.columns):
        names.setdefault(source.columns.get(column.strip(), column.strip()), []).append(column)
    doubled = {name: columns for name, columns in names.items() if len(columns) > 1}
    if doubled:
        name, columns = next(iter(doubled.items()))
        raise error(
            f"has {len(doubled)} column name(s) given to several columns once spaces are stripped and the mapping "
            f"renames them, e.g. '{name}' from {' and '.join(map(repr, columns))}. Keep one of them: drop the other "
            f"from {what}, or map it to another name."
        )


def _warn_again(warning: warnings.WarningMessage, raw: RawTables) -> None:
    """Issue a warning caught while validating again: a DataWarning with the file of each problem, for the caller."""
    if isinstance(warning.message, DataWarning):
        warnings.warn(DataWarning(_with_sources(warning.message.problems, raw)), stacklevel=3)
    else:
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


def _with_sources(problems: list[Problem], raw: RawTables) -> list[Problem]:
    """Each problem with where its table came from, and the lines of its rows where rows span several lines."""
    starts = {
        table: _row_lines(raw.files[table], raw.entries.get(table, TableSource(table)))
        for table in {p.table for p in problems if _rows_of(p.example)}
        if table in raw.files and raw.files[table].name.lower().endswith((".csv", ".csv.gz", ".tsv", ".txt"))
    }
    return [_with_source(p, raw.sources.get(p.table), starts.get(p.table)) for p in problems]


def _with_source(problem: Problem, source: str | None, starts: list[int] | None) -> Problem:
    words = [problem.hint] if problem.hint else []
    rows = _rows_of(problem.example)
    if starts and rows and any(starts[row - 1] != row + 1 for row in rows if row <= len(starts)):
        where = ", ".join(f"row {row} is on line {starts[row - 1]}" for row in rows if row <= len(starts))
        words.append(f"Values in this file span several lines: {where}")
    if source:
        words.append(source)
    return dataclasses.replace(problem, hint=". ".join(words))


_ROWS = re.compile(r"\brows? (\d+(?:(?:, | and )\d+)*)\)?$")


def _rows_of(example: str) -> list[int]:
    """The row numbers an example ends with: ``'x' (row 5)``, ``rows 1, 2, 3``, ``(rows 2 and 5)``."""
    found = _ROWS.search(example)
    return [int(row) for row in re.findall(r"\d+", found[1])] if found else []


def _row_lines(file: Path, source: TableSource) -> list[int] | None:
    """The line each data row of a CSV file starts on (pandas' rows: blank lines skipped), None if unreadable."""
    sep = source.sep or ("\t" if file.name.lower().endswith(".tsv") else ",")
    encoding = source.encoding or "utf-8"
    opener = gzip.open if file.name.lower().endswith(".gz") else open
    try:
        with opener(file, "rt", encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=sep)
            next(reader, None)
            starts, line = [], reader.line_num + 1
            for record in reader:
                if record:
                    starts.append(line)
                line = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error, EOFError, zlib.error):
        return None
    return starts


def _apply_defaults(frame: pd.DataFrame, source: TableSource) -> tuple[pd.DataFrame, pd.DataFrame]:
    log = []
    for column, value in source.defaults.items():
        empty = frame[column].isna() if column in frame.columns else pd.Series(True, index=frame.index)
        if empty.any():
            filled = frame[column].where(~empty, value) if column in frame.columns else value
            frame = frame.assign(**{column: filled})
            log.append(
                {"table": source.table, "step": "filled default value", "rows": int(empty.sum()), "detail": f"{column} = {value!r}"}
            )
    return frame, pd.DataFrame(log, columns=CLEANING_LOG_COLUMNS)


def _with_files(error: DataValidationError, raw: RawTables) -> DataValidationError:
    return DataValidationError(_with_sources(error.problems, raw), note=error.note)
