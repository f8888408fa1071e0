"""Check tables against the canonical data model and say exactly what is wrong.

:func:`validate_table` turns a raw table (as read from CSV, Parquet or Excel,
already renamed to canonical column names) into a clean, typed table, or
raises one :class:`DataValidationError` listing *every* problem found. Each
problem names the table, the column, the number of bad rows and an example
value with its row number, so an analyst can find it in the source file.

Two problems are repaired instead of refused, because real exports contain
them and the repair is unambiguous: exact duplicate rows are dropped, and
optional columns that are absent are added empty. Both are written to the
cleaning log (a DataFrame) with counts, so nothing changes silently.

The input DataFrame is never modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xsell_lab import schema
from xsell_lab.schema import ColumnSpec, TableSpec

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}

#: Columns of the cleaning log returned by :func:`validate_table`.
CLEANING_LOG_COLUMNS = ["table", "step", "rows", "detail"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a table."""

    table: str
    column: str
    rule: str
    count: int
    example: str = ""
    hint: str = ""

    def __str__(self) -> str:
        text = f"table '{self.table}', column '{self.column}': {self.count:,} row(s) {self.rule}"
        if self.example:
            text += f", e.g. {self.example}"
        if self.hint:
            text += f". {self.hint}"
        return text


class DataValidationError(ValueError):
    """Raised when a table breaks the data model; ``problems`` lists why."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = [f"{len(self.problems)} problem(s) found in the input data:"]
        lines += [f"  - {p}" for p in self.problems]
        if any("(row " in p.example for p in self.problems):
            lines.append("Row numbers count data rows from 1: in a file with a header line, row N is on line N + 1.")
        super().__init__("\n".join(lines))


def validate_table(
    frame: pd.DataFrame,
    table: str,
    *,
    date_format: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Type, check and clean one canonical table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The raw table with canonical column names (see :mod:`xsell_lab.schema`).
        Extra columns are kept unchanged.
    table : str
        Name of the table in :data:`xsell_lab.schema.TABLES`, e.g. ``"orders"``.
    date_format : str, optional
        ``strftime`` format of the date columns (e.g. ``"%d/%m/%Y"``). By
        default dates must be ISO 8601 (``2024-03-31`` or ``2024-03-31 14:05``).

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
        cannot be read as their type, empty required values, values out of
        range or outside the allowed list, duplicated keys.
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
    clean = frame.copy()
    log: list[dict] = []
    problems: list[Problem] = []
    for col in spec.columns:
        if col.name not in clean.columns:
            clean[col.name] = _empty_column(col, len(clean))
            log.append(_log(table, "added empty optional column", len(clean), col.name))
            continue
        clean[col.name], col_problems = _coerce(clean[col.name], col, table, date_format)
        problems += col_problems
        if not col_problems:
            problems += _check_values(clean[col.name], col, table)
    if problems:
        raise DataValidationError(problems)
    clean, dropped = _drop_exact_duplicates(clean)
    if dropped:
        log.append(_log(table, "dropped exact duplicate rows", dropped, "identical in every column"))
    _check_key(clean, spec)
    clean = clean.reset_index(drop=True)
    return clean, pd.DataFrame(log, columns=CLEANING_LOG_COLUMNS)


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


def require_columns(frame: pd.DataFrame, columns: Sequence[str], table: str) -> None:
    """Check that ``frame`` (called ``table`` in messages) has ``columns``.

    Every analysis function calls this on entry, so a missing column is
    reported by name, with the columns that are there, instead of as a
    ``KeyError`` from deep inside pandas.

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
                Problem(table, column, "missing: the column is required", len(frame), hint=f"Columns found: {found}")
                for column in missing
            ]
        )


# --- helpers --------------------------------------------------------------


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
        hint = (
            f"Columns found: {found}. Rename them with a column mapping "
            "(see README, 'Use your own data')"
        )
        if frame.shape[1] == 1 and any(sep in str(frame.columns[0]) for sep in ";\t|"):
            hint = (
                f"The file was read as one column ('{frame.columns[0]}'): it probably uses "
                "another delimiter. Pass sep=';' (or the right one) or set 'sep' in the mapping"
            )
        raise DataValidationError(
            [Problem(spec.name, name, "missing: the column is required", len(frame), hint=hint) for name in missing]
        )


def _empty_column(col: ColumnSpec, n: int) -> pd.Series:
    dtype = {
        "date": "datetime64[ns]",
        "float": "float64",
        "int": "Int64",
        "bool": "boolean",
    }.get(col.kind, "object")
    return pd.Series([None] * n, dtype=dtype)


def _coerce(
    values: pd.Series, col: ColumnSpec, table: str, date_format: str | None
) -> tuple[pd.Series, list[Problem]]:
    missing = values.isna()
    problems = []
    if missing.any() and not col.nullable:
        problems.append(
            Problem(table, col.name, "are empty but the column is required", int(missing.sum()), _example_rows(missing))
        )
    converter = {
        "id": _to_id,
        "text": _to_text,
        "date": lambda v: _to_date(v, date_format),
        "float": _to_float,
        "int": _to_float,
        "bool": _to_bool,
    }[col.kind]
    converted = converter(values)
    unreadable = converted.isna() & ~missing
    if unreadable.any():
        rule = f"cannot be read as {_kind_words(col.kind)}"
        hint = ""
        if col.kind == "date":
            hint = "Dates must be ISO 8601 (2024-03-31), or give their format as date_format"
        problems.append(Problem(table, col.name, rule, int(unreadable.sum()), _example(values, unreadable), hint))
        return values, problems
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


def _kind_words(kind: str) -> str:
    return {
        "date": "a date",
        "float": "a number",
        "int": "a whole number",
        "bool": "true/false",
    }.get(kind, kind)


def _to_id(values: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if (whole == np.floor(whole)).all():
            values = values.astype("Int64")
    return _to_text(values)


def _to_text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.astype(object).where(text.notna(), None)


def _to_date(values: pd.Series, date_format: str | None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    fmt = date_format or "ISO8601"
    return pd.to_datetime(values, format=fmt, errors="coerce").astype("datetime64[ns]")


def _to_float(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    return pd.to_numeric(values, errors="coerce").astype("float64")


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


def _check_key(frame: pd.DataFrame, spec: TableSpec) -> None:
    if not spec.key:
        return
    duplicated = frame.duplicated(list(spec.key), keep=False)
    if duplicated.any():
        key_text = " + ".join(spec.key)
        first = frame.loc[duplicated, list(spec.key)].iloc[0]
        example = ", ".join(f"{k}={first[k]!r}" for k in spec.key)
        raise DataValidationError(
            [
                Problem(
                    spec.name,
                    key_text,
                    "share their key with another row that differs in other columns",
                    int(duplicated.sum()),
                    example,
                    "Each key must identify one row: combine or correct these rows",
                )
            ]
        )


def _example(values: pd.Series, mask: pd.Series) -> str:
    position = int(np.flatnonzero(mask.to_numpy())[0])
    value = values.iloc[position]
    if isinstance(value, np.generic):
        value = value.item()
    return f"{value!r} (row {position + 1})"


def _example_rows(mask: pd.Series) -> str:
    rows = np.flatnonzero(mask.to_numpy())[:3] + 1
    return "rows " + ", ".join(map(str, rows))


def _log(table: str, step: str, rows: int, detail: str) -> dict:
    return {"table": table, "step": step, "rows": int(rows), "detail": detail}
