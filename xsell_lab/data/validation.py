"""Check tables against the canonical data model and say exactly what is wrong.

:func:`validate_table` turns a raw table (as read from CSV, Parquet or Excel,
already renamed to canonical column names) into a clean, typed table, or
raises one :class:`DataValidationError` listing *every* problem found. Each
problem names the table, the column, the number of bad rows and an example
value with its row number, so an analyst can find it in the source file.

:func:`validate_tables` does the same for a whole company: it validates every
table, collects the problems of all of them into one error, and only then
checks the references between tables (which need valid types everywhere).

Two problems are repaired instead of refused, because real exports contain
them and the repair is unambiguous: exact duplicate rows are dropped, and
optional columns that are absent are added empty. Both are written to the
cleaning log (a DataFrame) with counts, so nothing changes silently.

The input DataFrame is never modified.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xsell_lab.data import schema
from xsell_lab.data.schema import ColumnSpec, TableSpec
from xsell_lab.exceptions import DataValidationError, DataWarning, Problem

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}

#: Columns of the cleaning log returned by :func:`validate_table`.
CLEANING_LOG_COLUMNS = ["table", "step", "rows", "detail"]

#: Said when other problems stopped the checks of references between tables.
FOREIGN_KEYS_NOT_CHECKED = (
    "References between tables (e.g. order lines to products) were not checked yet: "
    "they are checked once every table is free of the problems above."
)

# Text that reads as a number with a decimal comma (899,00 or 1.299,00), with
# ',' between thousands (1,299 or 1,299.00), or with '.' between thousands (1.299).
_DECIMAL_COMMA = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+")
_COMMA_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_DOT_THOUSANDS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?")
_ROW_NUMBERS = re.compile(r"\brows? \d")

#: Dates before this are implausible in a company's data (a warning, unless the mapping gives a ``date_range``).
PLAUSIBLE_FIRST_DATE = pd.Timestamp("1900-01-01")
#: The largest whole number a float holds exactly (2**53): larger counts are not counts.
LARGEST_WHOLE_NUMBER = 2**53
#: Dates a ``datetime64[ns]`` column can hold (about 1677-09-21 to 2262-04-11).
_HELD_DATES = (pd.Timestamp.min, pd.Timestamp.max)


def validate_table(
    frame: pd.DataFrame,
    table: str,
    *,
    date_format: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    date_range: tuple[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Type, check and clean one canonical table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The raw table with canonical column names (see :mod:`xsell_lab.data.schema`).
        Extra columns are kept unchanged.
    table : str
        Name of the table in :data:`xsell_lab.data.schema.TABLES`, e.g. ``"orders"``.
    date_format : str, optional
        ``strftime`` format of the date columns (e.g. ``"%d/%m/%Y"``). By
        default dates must be ISO 8601 (``2024-03-31`` or ``2024-03-31 14:05``).
    decimal : str, default "."
        Decimal mark of numbers held as text, e.g. ``","`` for ``899,00``.
    thousands : str, optional
        Thousands separator of numbers held as text, e.g. ``"."`` for
        ``1.299,00``; removed before reading.
    date_range : (str, str), optional
        First and last plausible date (ISO), inclusive: dates outside are
        errors. By default dates before :data:`PLAUSIBLE_FIRST_DATE` or after
        today are loaded with a :class:`~xsell_lab.exceptions.DataWarning`.

    Returns
    -------
    clean : pandas.DataFrame
        A typed copy: ids and text as strings, dates as ``datetime64``,
        numbers as ``float64`` / ``int64``, flags as ``bool`` (nullable
        ``boolean`` when empty values are allowed).
    cleaning_log : pandas.DataFrame
        Repairs made, columns ``table``, ``step``, ``rows``, ``detail``.

    Raises
    ------
    DataValidationError
        With every problem found: empty table, missing columns, values that
        cannot be read as their type (also dates beyond 1677-2262, infinite
        numbers, NUL characters in text), empty required values, values out of
        range or outside the allowed list, duplicated keys.

    Warns
    -----
    DataWarning
        When the table loads but holds implausible dates (before 1900, after
        today) or a column whose name is close to an absent optional column
        (``marketing_consnet``: did you mean ``marketing_consent``?).
    """
    spec = _spec(table)
    if len(frame) == 0:
        raise DataValidationError(
            [
                Problem(
                    table,
                    "(all columns)",
                    "found: the table has no rows",
                    0,
                    hint="Check the file path, the export and the filters applied",
                )
            ]
        )
    _check_columns_present(frame, spec)
    clean = frame.reset_index(drop=True)  # the index is the row position from here on
    log: list[dict] = []
    problems: list[Problem] = []
    notices = _misspelt_optional_columns(frame, spec)
    formats = _Formats(date_format, decimal, thousands)
    for col in spec.columns:
        if col.name not in clean.columns:
            clean[col.name] = _empty_column(col, len(clean))
            log.append(_log(table, "added empty optional column", len(clean), col.name))
            continue
        clean[col.name], col_problems = _coerce(clean[col.name], col, table, formats)
        problems += col_problems
        if not col_problems:
            problems += _check_values(clean[col.name], col, table)
            if col.kind == "date":
                outside = _implausible_dates(clean[col.name], col, table, date_range)
                (problems if date_range else notices).extend(outside)
    clean, dropped = _drop_exact_duplicates(clean)
    if not any(p.column in spec.key for p in problems):
        problems += _check_key(clean, spec)
    if problems:
        raise DataValidationError(problems)
    if notices:
        warnings.warn(DataWarning(notices), stacklevel=2)
    if dropped:
        log.append(_log(table, "dropped exact duplicate rows", dropped, "identical in every column"))
    clean = clean.reset_index(drop=True)
    return clean, pd.DataFrame(log, columns=CLEANING_LOG_COLUMNS)


def validate_tables(
    tables: dict[str, pd.DataFrame], options: dict[str, dict] | None = None
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Validate every table of a company, then the references between them.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Raw tables by canonical name, with canonical column names.
    options : dict of str to dict, optional
        Keyword arguments of :func:`validate_table` per table, e.g.
        ``{"orders": {"date_format": "%d/%m/%Y"}}``; a table's
        :class:`~xsell_lab.exceptions.DataWarning` is issued as it is validated.

    Returns
    -------
    clean : dict of str to pandas.DataFrame
        The typed tables, by name.
    cleaning_log : pandas.DataFrame
        The repairs made in every table, columns :data:`CLEANING_LOG_COLUMNS`.

    Raises
    ------
    DataValidationError
        Listing the problems of *every* table at once. References between
        tables are checked only when no table has a problem (an unreadable
        id or date makes them meaningless); the message then says they
        were not checked yet.
    """
    options = options or {}
    clean, logs, problems = {}, [], []
    for name, frame in tables.items():
        try:
            clean[name], log = validate_table(frame, name, **options.get(name, {}))
        except DataValidationError as error:
            problems += error.problems
            continue
        logs.append(log)
    if problems:
        raise DataValidationError(problems, note=FOREIGN_KEYS_NOT_CHECKED)
    check_foreign_keys(clean)
    filled = [log for log in logs if len(log)]
    cleaning_log = pd.concat(filled, ignore_index=True) if filled else pd.DataFrame(columns=CLEANING_LOG_COLUMNS)
    return clean, cleaning_log


def check_foreign_keys(tables: dict[str, pd.DataFrame]) -> None:
    """Check that every reference between tables points at an existing row.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Validated canonical tables by name; absent tables are not checked.

    Raises
    ------
    DataValidationError
        Listing each unknown id with its count and an example, e.g. order
        lines whose ``product_id`` is not in ``products``.
    """
    problems = []
    for name, frame in tables.items():
        for fk in _spec(name).foreign_keys:
            if fk.ref_table not in tables or fk.column not in frame.columns:
                continue
            known = pd.Index(tables[fk.ref_table][fk.ref_column].dropna().unique())
            values = frame[fk.column]
            unknown = values.notna() & ~values.isin(known)
            if unknown.any():
                problems.append(
                    Problem(
                        name,
                        fk.column,
                        f"refer to a {fk.ref_column} that is not in table '{fk.ref_table}'",
                        int(unknown.sum()),
                        _example(values, unknown),
                        f"Add the missing rows to '{fk.ref_table}' or remove these rows",
                    )
                )
    if problems:
        raise DataValidationError(problems)


#: Parameter values that let the data decide (a notebook's ``"auto"`` default, or left empty).
AUTOMATIC = ("auto", "")


def require_known_values(frame: pd.DataFrame, column: str, table: str, **given: object) -> None:
    """Check that each given value (other than :data:`AUTOMATIC`) occurs in ``frame[column]``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (called ``table`` in messages).
    column : str
        The column the values must come from.
    table : str
        Table name for messages.
    **given
        ``name=value`` pairs, e.g. ``anchor="printer"``.

    Raises
    ------
    ValueError
        Naming the parameter, its value, the column, how many values it has
        and the most frequent ones.
    """
    counts = frame[column].astype(str).value_counts().sort_index().sort_values(ascending=False, kind="stable")
    for name, value in given.items():
        if value not in AUTOMATIC and str(value) not in counts.index:
            raise ValueError(
                f"{name} {value!r} is not a value of column '{column}' of table '{table}' ({len(counts):,} values; "
                f"most frequent: {', '.join(counts.index[:8])}). Use one of them, or 'auto'."
            )


def require_columns(frame: pd.DataFrame, columns: Sequence[str], table: str, *, hint: str = "") -> None:
    """Check that ``frame`` (called ``table`` in messages) has ``columns``.

    Every analysis function calls this on entry, so a missing column is
    reported by name, with the columns that are there, instead of as a
    ``KeyError`` from deep inside pandas.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : sequence of str
        The columns the caller reads.
    table : str
        What the caller calls ``frame`` (``"lines"``, ``"offers"``, ...).
    hint : str, optional
        How to fix it, added after the columns found (e.g. which parameter names the
        caller's own column).

    Raises
    ------
    DataValidationError
        One problem per missing column.
    """
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns[:12])) + (" ..." if frame.shape[1] > 12 else "")
        raise DataValidationError(
            [
                Problem(table, column, "missing: the column is required", len(frame), hint=f"Columns found: {found}" + (f". {hint}" if hint else ""))
                for column in missing
            ]
        )


def as_list(by: str | Sequence[str] | None) -> list[str]:
    """Grouping columns as a list: ``None`` -> ``[]``, ``"segment"`` -> ``["segment"]``."""
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def table_name(frame: pd.DataFrame) -> str:
    """What messages call a table that is either the sales lines or the orders.

    ``"sales_lines"`` (the wide table of :func:`xsell_lab.data.company.sales_lines`)
    when it has a ``product_id`` column, else ``"orders"``.
    """
    return "sales_lines" if schema.PRODUCT_ID in frame.columns else schema.ORDERS


# --- helpers --------------------------------------------------------------


@dataclass(frozen=True)
class _Formats:
    """How dates and numbers held as text are written."""

    date_format: str | None = None
    decimal: str = "."
    thousands: str | None = None


def _spec(table: str) -> TableSpec:
    if table not in schema.TABLES:
        known = ", ".join(schema.TABLES)
        raise ValueError(f"Unknown table '{table}'. Known tables: {known}.")
    return schema.TABLES[table]


def _check_columns_present(frame: pd.DataFrame, spec: TableSpec) -> None:
    required = [c.name for c in spec.columns if not c.nullable]
    missing = [name for name in required if name not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns[:12])) + (" ..." if frame.shape[1] > 12 else "")
        close = _close_column(missing[0], [c for c in frame.columns if c not in spec.column_names])
        hint = (
            f"Columns found: {found}{f' (did you mean {missing[0]!r} for {close!r}?)' if close else ''}. "
            "Rename them with a column mapping (see README, 'Use your own data')"
        )
        if frame.shape[1] == 1 and any(sep in str(frame.columns[0]) for sep in ";\t|"):
            hint = (
                f"The file was read as one column ('{frame.columns[0]}'): it probably uses "
                "another delimiter. Pass sep=';' (or the right one) or set 'sep' in the mapping"
            )
        raise DataValidationError(
            [Problem(spec.name, name, "missing: the column is required", len(frame), hint=hint) for name in missing]
        )


def empty_table(table: str) -> pd.DataFrame:
    """A table with no rows: its canonical columns, typed as :func:`validate_table` types them.

    Parameters
    ----------
    table : str
        Canonical table name.

    Returns
    -------
    pandas.DataFrame
    """
    columns = _spec(table).columns
    whole = {col.name: {"bool": "bool", "int": "int64"}[col.kind] for col in columns if col.kind in ("bool", "int")}  # no value missing
    return pd.DataFrame({col.name: _empty_column(col, 0) for col in columns}).astype(whole)


def _empty_column(col: ColumnSpec, n: int) -> pd.Series:
    dtype = {
        "date": "datetime64[ns]",
        "float": "float64",
        "int": "Int64",
        "bool": "boolean",
    }.get(col.kind, "object")
    return pd.Series([None] * n, dtype=dtype)


def _coerce(values: pd.Series, col: ColumnSpec, table: str, formats: _Formats) -> tuple[pd.Series, list[Problem]]:
    missing = values.isna()
    if col.kind == "id":  # an id of spaces only is no id
        missing |= values.astype("string").str.strip().eq("").fillna(False).astype(bool)
        values = values.where(~missing, None)
    problems = []
    if missing.any() and not col.nullable:
        problems.append(
            Problem(table, col.name, "are empty but the column is required", int(missing.sum()), _example_rows(missing))
        )
    converter = {
        "id": _to_id,
        "text": _to_text,
        "date": lambda v: parse_dates(v, formats.date_format),
        "float": lambda v: _to_float(v, formats.decimal, formats.thousands),
        "int": lambda v: _to_float(v, formats.decimal, formats.thousands),
        "bool": _to_bool,
    }[col.kind]
    converted = converter(values)
    unreadable = converted.isna() & ~missing
    if unreadable.any():
        rule, hint = _unreadable_words(col.kind, values[unreadable], formats)
        problems.append(Problem(table, col.name, rule, int(unreadable.sum()), _example(values, unreadable), hint))
        return values, problems
    unfit = _unfit_values(values, converted, col, table)
    if unfit:
        return values, problems + unfit
    if col.kind == "date":
        converted = converted.astype("datetime64[ns]")
    if col.kind == "int":
        fractional = converted.notna() & (converted != np.floor(converted))
        if fractional.any():
            problems.append(
                Problem(table, col.name, "are not whole numbers", int(fractional.sum()), _example(values, fractional))
            )
            return values, problems
        converted = converted.astype("int64") if not converted.isna().any() else converted.astype("Int64")
    if col.kind == "bool" and not converted.isna().any():
        converted = converted.astype(bool)
    return converted, problems


def _unfit_values(values: pd.Series, converted: pd.Series, col: ColumnSpec, table: str) -> list[Problem]:
    """Values read as their type that a column still cannot hold: dates beyond 1677-2262, inf, NUL characters."""
    checks = []
    if col.kind == "date":
        beyond = converted.notna() & ((converted < _HELD_DATES[0]) | (converted > _HELD_DATES[1]))
        checks.append((
            f"are beyond the dates that can be held ({_HELD_DATES[0]:%Y-%m-%d} to {_HELD_DATES[1]:%Y-%m-%d})", beyond,
            "9999-12-31 and 0001-01-01 are often placeholders for 'no date': leave such cells empty, or remove the rows",
        ))
    if col.kind in ("float", "int"):
        checks.append(("are infinite (inf), not numbers", pd.Series(np.isinf(converted), index=converted.index), ""))
    if col.kind == "int":
        huge = converted.abs() > LARGEST_WHOLE_NUMBER
        checks.append((f"are larger than {LARGEST_WHOLE_NUMBER:,}, too large to be a count", huge & np.isfinite(converted), ""))
    if col.kind in ("id", "text"):
        nul = converted.astype("string").str.contains("\x00", regex=False).fillna(False).astype(bool)
        checks.append((
            "contain a NUL character (\\x00), which is not text", nul,
            "The file is damaged, or in another encoding (UTF-16: set 'encoding: utf-16' in the mapping)",
        ))
    return [
        Problem(table, col.name, rule, int(bad.sum()), _example(values, bad), hint) for rule, bad, hint in checks if bad.any()
    ]


def _implausible_dates(dates: pd.Series, col: ColumnSpec, table: str, date_range: tuple[str, str] | None) -> list[Problem]:
    """Dates outside ``date_range`` (inclusive), or by default before 1900 or after today."""
    if date_range:
        first, last = (pd.Timestamp(day) for day in date_range)
        hint = f"The mapping's date_range is {first:%Y-%m-%d} to {last:%Y-%m-%d}"
    else:
        first, last = PLAUSIBLE_FIRST_DATE, pd.Timestamp.today().normalize()
        hint = "If they are right, give the table a date_range in the mapping, e.g. date_range: [1850-01-01, 2099-12-31]"
    checks = [
        (f"are before {first:%Y-%m-%d}", dates < first),
        (f"are after {last:%Y-%m-%d}{'' if date_range else ' (today)'}", dates >= last + pd.Timedelta(days=1)),
    ]
    return [
        Problem(table, col.name, rule, int(bad.sum()), _example(dates.dt.strftime("%Y-%m-%d"), bad), hint)
        for rule, bad in checks
        if bad.any()
    ]


def _misspelt_optional_columns(frame: pd.DataFrame, spec: TableSpec) -> list[Problem]:
    """Columns that are not canonical but named close to an absent optional column (``marketing_consnet``)."""
    extras = [str(c) for c in frame.columns if c not in spec.column_names]
    found = []
    for col in spec.columns:
        close = _close_column(col.name, extras) if col.nullable and col.name not in frame.columns else None
        if close is not None:
            found.append(
                Problem(
                    spec.name, close, f"are in a column that is not canonical (did you mean {col.name}?)",
                    len(frame), _example(frame[close], pd.Series(True, index=frame.index)),
                    f"'{col.name}' was added empty. Map the column onto it: columns: {{{close}: {col.name}}}",
                )
            )
    return found


def _close_column(name: str, candidates: list[str]) -> str | None:
    """The candidate column named nearly as ``name`` (one letter off, two swapped), if any."""
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.85)
    return close[0] if close else None


def _unreadable_words(kind: str, bad: pd.Series, formats: _Formats) -> tuple[str, str]:
    """The rule broken by unreadable values, and a hint at the likely cause."""
    if kind == "date" and formats.date_format:
        hint = "Check date_format for this table in the mapping"
        if pd.to_datetime(bad, format="ISO8601", errors="coerce").notna().all():
            hint = "They are ISO 8601 dates: remove date_format for this table"
        return f"do not match date_format {formats.date_format!r}", hint
    if kind == "date":
        return "cannot be read as a date", "Dates must be ISO 8601 (2024-03-31), or give their format as date_format"
    if kind in ("float", "int"):
        return f"cannot be read as {_kind_words(kind)}", _number_hint(bad, formats)
    if kind == "id":
        return "cannot be read as an id", "Ids must be text or whole numbers (not inf or NaN)"
    return f"cannot be read as {_kind_words(kind)}", ""


def _number_hint(bad: pd.Series, formats: _Formats) -> str:
    """Suggest ``decimal`` / ``thousands`` when most unreadable numbers are written that way."""
    text = bad.astype("string").str.strip()

    def most_look_like(pattern: re.Pattern) -> bool:
        return bool(text.str.fullmatch(pattern).fillna(False).mean() >= 0.5)

    if formats.decimal == "." and not formats.thousands:
        if most_look_like(_COMMA_THOUSANDS):
            return "The file seems to use ',' between thousands: set thousands: ',' for this table in the mapping"
        if most_look_like(_DECIMAL_COMMA):
            also = " and thousands: '.'" if text.str.contains(".", regex=False).any() else ""
            return f"The file seems to use a decimal comma: set decimal: ','{also} for this table in the mapping"
    if formats.decimal == "," and not formats.thousands and most_look_like(_DOT_THOUSANDS):
        return "The file seems to use '.' between thousands: set thousands: '.' for this table in the mapping"
    return ""


def _kind_words(kind: str) -> str:
    return {
        "date": "a date",
        "float": "a number",
        "int": "a whole number",
        "bool": "true/false",
    }.get(kind, kind)


def _to_id(values: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(values):
        return values.astype(object).map(_float_id, na_action="ignore").where(values.notna(), None)
    return _to_text(values)


def _float_id(value: float) -> str | None:
    """A number read as an id: ``1591.0`` -> ``"1591"``, ``1.5`` -> ``"1.5"``; ``inf`` -> None (unreadable)."""
    if not math.isfinite(value):
        return None
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _to_text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.astype(object).where(text.notna(), None)


def parse_dates(values: pd.Series, date_format: str | None) -> pd.Series:
    """Read a date column as :func:`validate_table` does; unreadable values become NaT.

    Parameters
    ----------
    values : pandas.Series
        Text (or dates, or Python date objects) as read from a file.
    date_format : str, optional
        ``strftime`` format; by default ISO 8601.

    Returns
    -------
    pandas.Series
        Dates at the resolution read (pandas 3: microseconds), so that 9999-12-31 is
        seen before it overflows nanoseconds. Dates with a time zone or an offset
        (``2024-03-31T10:00:00+01:00``) keep their local time, the day and hour where
        the order was placed; the offset is dropped.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return _local_time(values)
    fmt = date_format or "ISO8601"
    try:
        return _local_time(pd.to_datetime(values, format=fmt, errors="coerce"))
    except ValueError:  # offsets that differ from row to row ("Mixed timezones detected")
        local = {text: _local_time(pd.to_datetime(pd.Series([text]), format=fmt, errors="coerce"))[0] for text in values.dropna().unique()}
        return pd.to_datetime(values.map(local), errors="coerce")


def _local_time(dates: pd.Series) -> pd.Series:
    """Time-zone-aware dates as their local (wall-clock) time; naive dates unchanged."""
    return dates.dt.tz_localize(None) if isinstance(dates.dtype, pd.DatetimeTZDtype) else dates


def _to_float(values: pd.Series, decimal: str = ".", thousands: str | None = None) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):  # true/false is no quantity, price or amount: every value is unreadable
        return pd.Series(np.nan, index=values.index, dtype="float64")
    if (decimal != "." or thousands) and not pd.api.types.is_numeric_dtype(values):
        values = _dot_decimal(values.astype("string"), decimal, thousands)
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _dot_decimal(text: pd.Series, decimal: str, thousands: str | None) -> pd.Series:
    """Rewrite ``1.299,50`` (thousands '.', decimal ',') as ``1299.50``; a stray '.' makes the value unreadable."""
    if decimal != "." and thousands != ".":
        text = text.where(~text.str.contains(".", regex=False).fillna(False))
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    return text.str.replace(decimal, ".", regex=False)


def _to_bool(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    text = values.astype("string").str.strip().str.lower()
    result = pd.Series(pd.NA, index=values.index, dtype="boolean")
    result[text.isin(_TRUE).fillna(False).astype(bool)] = True
    result[text.isin(_FALSE).fillna(False).astype(bool)] = False
    return result


def _check_values(values: pd.Series, col: ColumnSpec, table: str) -> list[Problem]:
    checks = []
    present = values.notna()
    if col.strictly_positive:
        checks.append(("are zero or negative (must be > 0)", present & (values <= 0)))
    if col.minimum is not None:
        checks.append((f"are below the minimum {col.minimum:g}", present & (values < col.minimum)))
    if col.maximum is not None:
        checks.append((f"are above the maximum {col.maximum:g}", present & (values > col.maximum)))
    if col.allowed is not None:
        outside = present & ~values.isin(col.allowed)
        checks.append((f"are not one of {', '.join(col.allowed)}", outside))
    problems = []
    for rule, bad in checks:
        bad = bad.fillna(False).astype(bool)
        if bad.any():
            hint = ""
            if col.name == schema.QUANTITY and table == schema.ORDER_LINES:
                hint = "Returns and cancellations belong in the 'returns' table, not as negative order lines"
            problems.append(Problem(table, col.name, rule, int(bad.sum()), _example(values, bad), hint))
    return problems


def _drop_exact_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    duplicated = frame.duplicated(keep="first")
    return frame.loc[~duplicated], int(duplicated.sum())


def _check_key(frame: pd.DataFrame, spec: TableSpec) -> list[Problem]:
    """Rows sharing a key; ``frame``'s index must be the row position in the input."""
    if not spec.key:
        return []
    keys = list(spec.key)
    duplicated = frame.duplicated(keys, keep=False)
    if not duplicated.any():
        return []
    group = frame.groupby(keys, dropna=False, sort=False).ngroup()
    first = frame.loc[duplicated, keys].iloc[0]
    pair = group.index[group == group[duplicated].iloc[0]][:2] + 1
    example = ", ".join(f"{k}={first[k]!r}" for k in keys) + f" (rows {pair[0]} and {pair[1]})"
    return [
        Problem(
            spec.name,
            " + ".join(keys),
            "share their key with another row that differs in other columns",
            int(duplicated.sum()),
            example,
            "Each key must identify one row: combine or correct these rows",
        )
    ]


def _example(values: pd.Series, mask: pd.Series) -> str:
    position = int(np.flatnonzero(mask.to_numpy())[0])
    value = values.iloc[position]
    if isinstance(value, datetime.date):  # also pandas' Timestamp and Python's datetime
        value = pd.Timestamp(value).isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
        value = value.removesuffix(" 00:00:00")
    if isinstance(value, np.generic):
        value = value.item()
    return f"{value!r} (row {position + 1})"


def _example_rows(mask: pd.Series) -> str:
    rows = np.flatnonzero(mask.to_numpy())[:3] + 1
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(map(str, rows))


def _log(table: str, step: str, rows: int, detail: str) -> dict:
    return {"table": table, "step": step, "rows": int(rows), "detail": detail}
