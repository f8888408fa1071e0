"""The column mapping: how an analyst's own files map onto the canonical tables.

A mapping says, for each canonical table, which file holds it, how to read
that file and which of its columns is which canonical column. It is written
in YAML (or given as the same structure in a Python ``dict``)::

    date_format: "%d/%m/%Y"          # optional, default for every table
    date_range: [2010-01-01, 2011-12-31]  # optional: plausible dates (default: 1900 to today, a warning outside)
    allow_outside_data_folder: false # optional; true lets `file` point outside the data folder
    tables:
      orders:
        file: my_orders.csv          # relative to the data folder
        sep: ";"                     # CSV only; default ","
        encoding: latin-1            # CSV only; default utf-8
        decimal: ","                 # decimal mark of numbers written as text, default "."
        thousands: "."               # thousands separator of numbers written as text, default none
        date_format: "%d/%m/%Y"      # overrides the top-level one
        columns:                     # your name: canonical name
          OrderNo: order_id
          Client: customer_id
          Date: order_date
        defaults:                    # canonical column: value for empty cells
          channel: web
      products:
        file: catalogue.xlsx
        sheet: Products              # Excel only; default: the only sheet
        columns: {SKU: product_id, Name: product_name, Family: category, ListPrice: price}
      customers:
        sql: |                       # a DuckDB query over the data folder's files, instead of `file`
          SELECT DISTINCT Client AS customer_id FROM 'my_orders.csv'

A table given as ``sql`` is one SELECT run by DuckDB (see :mod:`xsell_lab.data.sql`):
it can filter, take distinct rows, aggregate, derive, union and join; file
names in it are relative to the data folder. ``columns``, ``defaults``,
``date_format``, ``decimal`` and ``thousands`` apply to its result as to a
file; the reading options of a file (``sep``, ``encoding``, ``sheet``) go
into the query (``read_csv('x.csv', delim=';')``).

A table's ``file`` must lie inside the data folder (after resolving ``..``
and symbolic links): ``../other/orders.csv`` or an absolute path is refused
when the data is loaded, before any file is read, unless the mapping sets
``allow_outside_data_folder: true``.

Tables not listed are looked up in the data folder by their canonical name
(``customers.csv``, ``customers.parquet``, ...). Columns not listed keep
their name, so files that already use canonical names need no ``columns``.

:func:`parse_mapping` checks the mapping itself (unknown table names, unknown
canonical columns, misspelt options, two source columns mapped to the same
canonical one, encodings Python does not know, date formats pandas cannot read)
before any data file is opened, so a typo in the mapping is
reported as such and not as a puzzling data error.
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from xsell_lab.data import schema as s
from xsell_lab.exceptions import MappingError

#: Options a table entry may have, with what they mean.
TABLE_OPTIONS = {
    "file": "file holding the table (.csv, .csv.gz, .parquet, .xlsx), relative to the data folder",
    "columns": "mapping {your column name: canonical column name}",
    "date_format": "strftime format of the date columns, e.g. '%d/%m/%Y' (default ISO 8601)",
    "sep": "CSV delimiter, e.g. ';' or '\\t' (default ',')",
    "encoding": "CSV text encoding, e.g. 'latin-1' or 'cp1252' (default 'utf-8')",
    "decimal": "decimal mark of numbers written as text, e.g. ',' for 899,00 (default '.')",
    "thousands": "thousands separator of numbers written as text, e.g. '.' for 1.299,00 (default none)",
    "sheet": "Excel sheet name (default: the sheet named after the table, or the only sheet)",
    "defaults": "mapping {canonical column: value} used where the column is absent or empty",
    "sql": "a DuckDB SELECT over the data folder's files, instead of 'file' (file names relative to the folder)",
    "date_range": "first and last plausible date, e.g. [1850-01-01, 2099-12-31]: dates outside are errors "
    "(default: dates before 1900 or after today load with a warning)",
}
#: Options that describe reading a file, meaningless for a table given as ``sql``.
_FILE_ONLY_OPTIONS = ("file", "sep", "encoding", "sheet")
#: Other names analysts give the options (pandas', Excel's), for "did you mean".
_SYNONYMS = {"separator": "sep", "delimiter": "sep", "delim": "sep", "sheet_name": "sheet", "format": "date_format",
             "path": "file", "filename": "file", "default": "defaults", "query": "sql"}
_TOP_LEVEL_OPTIONS = ("tables", "date_format", "date_range", "allow_outside_data_folder", "sample")
#: What a data set may be a sample of (the mapping's top-level ``sample``), and what that means for the figures.
SAMPLES = {
    "lines": "a sample of order lines: every order misses some of its lines, so baskets are incomplete",
    "orders": "a sample of orders: customers' histories miss orders, so counts and repeat rates are of the sample",
    "customers": "a sample of customers with all their orders: totals are of the sample, baskets and histories are whole",
}
#: The ``strftime`` codes pandas reads dates with; ``date_format`` may use only these.
DATE_CODES = "aAbBcdfGHIjmMpSuUVwWxXyYzZ%"
#: Encodings named as Windows names them, with the Python name that reads such files.
_ENCODING_NAMES = {"ansi": "cp1252", "windows": "cp1252", "unicode": "utf-16", "ucs-2": "utf-16", "excel": "cp1252"}


@dataclass(frozen=True)
class TableSource:
    """Where and how to read one canonical table.

    Attributes
    ----------
    table : str
        Canonical table name.
    file : str or None
        File name, relative to the data folder; ``None`` means look for
        ``<table>.parquet`` / ``.csv`` / ``.csv.gz`` / ``.xlsx``.
    allow_outside : bool
        True when the mapping's ``allow_outside_data_folder`` lets ``file``
        lie outside the data folder (see :func:`xsell_lab.data.io.locate_table_file`).
    columns : dict of str to str
        Source column name -> canonical column name.
    date_format, sep, encoding, decimal, thousands, sheet : str or None
        Reading options (``None`` = default).
    date_range : (str, str) or None
        First and last plausible date, ISO; ``None``: the default plausibility
        check of :func:`xsell_lab.data.validation.validate_table`.
    defaults : dict of str to object
        Canonical column -> value for absent or empty cells.
    sql : str or None
        A DuckDB SELECT making the table from the data folder's files
        (instead of ``file``), see :mod:`xsell_lab.data.sql`.
    """

    table: str
    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    sep: str | None = None
    encoding: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    sheet: str | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    allow_outside: bool = False
    sql: str | None = None
    date_range: tuple[str, str] | None = None


def parse_mapping(mapping: str | os.PathLike | dict | None) -> dict[str, TableSource]:
    """Read and check a column mapping.

    Parameters
    ----------
    mapping : str, path-like, dict or None
        A YAML file, or the same structure as a ``dict`` (see the module
        docstring). ``None`` means no mapping: every table is read under its
        canonical name.

    Returns
    -------
    dict of str to TableSource
        One entry per table listed in the mapping, by canonical table name;
        with a top-level ``date_format``, every other table too (read under
        its canonical name, with that date format).

    Raises
    ------
    MappingError
        When the mapping names an unknown table, an unknown canonical column,
        an unknown option, maps two source columns onto one canonical column,
        gives a ``decimal``, ``thousands`` or ``sep`` that is not one character (or
        the same decimal and thousands mark), an ``encoding`` Python does not
        know, a ``date_format`` with a code pandas cannot read, a
        ``date_range`` that is not two dates, ``columns`` or ``defaults``
        that are not mappings, is not valid YAML, gives an
        ``allow_outside_data_folder`` that is not true or false, or a
        ``sample`` that is not one of :data:`SAMPLES`.
    FileNotFoundError
        When the mapping file does not exist.
    """
    if mapping is None:
        return {}
    where = "the column mapping"
    if not isinstance(mapping, dict):
        where = f"mapping file '{mapping}'"
        mapping = _read_yaml(Path(mapping))
    _check_keys(mapping, _TOP_LEVEL_OPTIONS, where, "top-level key")
    _sample(mapping, where)
    tables = mapping.get("tables") or {}
    if not isinstance(tables, dict):
        raise MappingError(f"In {where}: 'tables' must be a mapping of table name to options, got {_kind(tables)}.")
    default_format = mapping.get("date_format")
    if default_format is not None:
        _check_date_format(str(default_format), where)
    default_range = _date_range(mapping.get("date_range"), where)
    outside = _allow_outside(mapping, where)
    listed = {
        table: replace(_parse_table(table, options or {}, default_format, where), allow_outside=outside)
        for table, options in tables.items()
    }
    listed = {table: source if source.date_range else replace(source, date_range=default_range) for table, source in listed.items()}
    if default_format is None and default_range is None:
        return listed
    unlisted = {
        table: TableSource(table, date_format=_optional_text(default_format), date_range=default_range)
        for table in s.TABLES
        if table not in listed
    }
    return listed | unlisted


def sample_of(mapping: str | os.PathLike | dict | None) -> str:
    """What the data is a sample of, as the mapping's top-level ``sample`` declares.

    Parameters
    ----------
    mapping : str, path-like, dict or None
        The column mapping (a YAML file or the equivalent ``dict``).

    Returns
    -------
    str
        ``""`` (the data is whole, or no mapping) or a key of :data:`SAMPLES`:
        ``"lines"``, ``"orders"`` or ``"customers"``.

    Raises
    ------
    MappingError
        When ``sample`` is not one of :data:`SAMPLES`.
    """
    if mapping is None:
        return ""
    where = "the column mapping"
    if not isinstance(mapping, dict):
        where = f"mapping file '{mapping}'"
        mapping = _read_yaml(Path(mapping))
    return _sample(mapping, where)


def _sample(mapping: dict, where: str) -> str:
    value = mapping.get("sample") or ""
    if value not in ("", *SAMPLES):
        raise MappingError(
            f"In {where}: 'sample' must be one of {', '.join(SAMPLES)} (what the data is a sample of), got {value!r}."
        )
    return value


def _allow_outside(mapping: dict, where: str) -> bool:
    value = mapping.get("allow_outside_data_folder", False)
    if not isinstance(value, bool):
        raise MappingError(f"In {where}: 'allow_outside_data_folder' must be true or false, got {value!r}.")
    return value


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"Mapping file '{path}' does not exist (working directory: {Path.cwd()}).")
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise MappingError(f"Mapping file '{path}' is not valid YAML: {_yaml_problem(error)}") from None
    if not isinstance(content, dict):
        raise MappingError(
            f"Mapping file '{path}' must hold a mapping with a 'tables' key, got {_kind(content)}."
        )
    return content


def _yaml_problem(error: yaml.YAMLError) -> str:
    """What is wrong and where (line, column), without quoting the file's text."""
    problem = getattr(error, "problem", None) or type(error).__name__
    mark = getattr(error, "problem_mark", None)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})." if mark is not None else f"{problem}."


def _kind(value: Any) -> str:
    """A value's kind for a message (``"a str"``, ``"a list"``), never its content."""
    return "nothing" if value is None else f"a {type(value).__name__}"


def _parse_table(table: str, options: dict, default_format: str | None, where: str) -> TableSource:
    if table not in s.TABLES:
        raise MappingError(f"In {where}: unknown table '{table}'{_suggest(table, s.TABLES)}. Known tables: {', '.join(s.TABLES)}.")
    if not isinstance(options, dict):
        raise MappingError(f"In {where}, table '{table}': options must be a mapping, got {_kind(options)}.")
    _check_keys(options, TABLE_OPTIONS, f"{where}, table '{table}'", "option")
    canonical = s.TABLES[table].column_names
    for option in ("columns", "defaults"):
        if not isinstance(options.get(option) or {}, dict):
            raise MappingError(
                f"In {where}, table '{table}': '{option}' must be a mapping ({TABLE_OPTIONS[option]}), "
                f"got {_kind(options[option])}. Write it as {{name: name, ...}} or one 'name: name' per line."
            )
    columns = {str(k): str(v) for k, v in (options.get("columns") or {}).items()}
    unknown = [v for v in columns.values() if v not in canonical]
    if unknown:
        raise MappingError(
            f"In {where}, table '{table}': {len(unknown)} mapped column(s) are not canonical columns of "
            f"'{table}', e.g. '{unknown[0]}'{_suggest(unknown[0], canonical)}. "
            f"Canonical columns: {', '.join(canonical)}."
        )
    targets = list(columns.values())
    doubled = sorted({v for v in targets if targets.count(v) > 1})
    if doubled:
        sources = [k for k, v in columns.items() if v == doubled[0]]
        raise MappingError(
            f"In {where}, table '{table}': {len(doubled)} canonical column(s) receive several source columns, "
            f"e.g. '{doubled[0]}' from {', '.join(map(repr, sources))}. Map exactly one column onto each."
        )
    defaults = dict(options.get("defaults") or {})
    unknown = [k for k in defaults if k not in canonical]
    if unknown:
        raise MappingError(
            f"In {where}, table '{table}': {len(unknown)} default(s) name a column that is not canonical, "
            f"e.g. '{unknown[0]}'{_suggest(unknown[0], canonical)}. Canonical columns: {', '.join(canonical)}."
        )
    sql = options.get("sql")
    if sql is not None:
        if not isinstance(sql, str) or not sql.strip():
            raise MappingError(f"In {where}, table '{table}': 'sql' must be the text of a SELECT query, got {_kind(sql)}.")
        given = [option for option in _FILE_ONLY_OPTIONS if options.get(option) is not None]
        if given:
            raise MappingError(
                f"In {where}, table '{table}': 'sql' replaces 'file'; '{given[0]}' cannot be given with it. "
                "Name the file and how to read it inside the query, e.g. read_csv('orders.csv', delim=';')."
            )
    source = TableSource(
        table=table,
        sql=sql,
        file=_optional_text(options.get("file")),
        columns=columns,
        date_format=_optional_text(options.get("date_format", default_format)),
        sep=_optional_text(options.get("sep")),
        encoding=_optional_text(options.get("encoding")),
        decimal=_optional_text(options.get("decimal")),
        thousands=_optional_text(options.get("thousands")),
        sheet=_optional_text(options.get("sheet")),
        defaults=defaults,
        date_range=_date_range(options.get("date_range"), f"{where}, table '{table}'"),
    )
    _check_number_marks(source, f"{where}, table '{table}'")
    _check_reading_options(source, f"{where}, table '{table}'")
    return source


def _check_reading_options(source: TableSource, where: str) -> None:
    """``sep``, ``encoding`` and ``date_format`` as the readers will use them, checked before any file is read."""
    if source.sep is not None and len(source.sep) != 1:
        raise MappingError(f"In {where}: 'sep' must be one character, e.g. ';' or '\\t' (in double quotes), got {source.sep!r}.")
    if source.encoding is not None:
        try:
            codecs.lookup(source.encoding)
        except LookupError:
            known = _ENCODING_NAMES.get(source.encoding.lower())
            instead = f"'{known}'" if known else "'utf-8', 'latin-1' or 'cp1252' (Excel on Windows)"
            if source.encoding.isdigit():
                instead = f"'cp{source.encoding}'"
            raise MappingError(
                f"In {where}: 'encoding' {source.encoding!r} is not an encoding Python knows; use {instead}."
            ) from None
    if source.date_format is not None:
        _check_date_format(source.date_format, where)


def _check_date_format(date_format: str, where: str) -> None:
    """A ``strftime`` format pandas can read dates with: ``%``-codes only from :data:`DATE_CODES`."""
    if date_format == "ISO8601":
        return
    codes = re.findall(r"%(.?)", date_format)
    unknown = [code for code in codes if code not in DATE_CODES]
    repeated = [code for code in dict.fromkeys(codes) if code != "%" and codes.count(code) > 1]
    if unknown or repeated or not codes:
        problem = (
            f"'%{unknown[0]}' is not a date code" if unknown
            else f"'%{repeated[0]}' is given twice" if repeated
            else "it has no %-codes"
        )
        raise MappingError(
            f"In {where}: 'date_format' {date_format!r} cannot be used: {problem}. Write it with strftime codes, "
            f"e.g. '%d/%m/%Y' for 31/03/2024 or '%Y-%m-%d %H:%M' (codes: {', '.join('%' + c for c in DATE_CODES)})."
        )


def _date_range(value: Any, where: str) -> tuple[str, str] | None:
    """A ``date_range`` as two ISO dates, first <= last; ``None`` when not given."""
    if value is None:
        return None
    try:
        first, last = (pd.Timestamp(str(day)) for day in value)
    except (TypeError, ValueError):
        raise MappingError(
            f"In {where}: 'date_range' must be two dates, first and last, e.g. [1850-01-01, 2099-12-31], got {_kind(value)}."
        ) from None
    if first > last:
        raise MappingError(f"In {where}: 'date_range' starts after it ends ({first:%Y-%m-%d} > {last:%Y-%m-%d}).")
    return f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"


def _check_number_marks(source: TableSource, where: str) -> None:
    marks = {"decimal": source.decimal, "thousands": source.thousands}
    for option, mark in marks.items():
        if mark is not None and len(mark) != 1:
            raise MappingError(f"In {where}: '{option}' must be one character, e.g. ',' or '.', got {mark!r}.")
    decimal = source.decimal or "."
    if decimal == source.thousands:
        raise MappingError(f"In {where}: 'decimal' and 'thousands' are both {decimal!r}; they must differ.")


def _check_keys(options: dict, allowed, where: str, what: str) -> None:
    unknown = [k for k in options if k not in allowed]
    if unknown:
        synonyms = {name: option for name, option in _SYNONYMS.items() if option in allowed}
        synonym = difflib.get_close_matches(str(unknown[0]), list(synonyms), n=1)
        suggestion = f" (did you mean '{synonyms[synonym[0]]}'?)" if synonym else _suggest(str(unknown[0]), allowed)
        raise MappingError(f"In {where}: unknown {what} '{unknown[0]}'{suggestion}. Allowed: {', '.join(allowed)}.")


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
