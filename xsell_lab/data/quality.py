"""The data-quality report of a data folder: what is there, and what loading it will do.

:func:`quality_report` reads the tables as :func:`xsell_lab.data.io.load_company`
does (files or ``sql:`` queries, renamed by the mapping), without validating
them, and counts per table: rows, the date range, missing values, exact
duplicate rows, repeated keys, returns, and each repair loading will make
(defaults filled, duplicates dropped, optional columns added). It is what
``xsell-lab check`` prints before trying to load the data.
"""

from __future__ import annotations

import pandas as pd

from xsell_lab._text import counted
from xsell_lab.data import schema as s
from xsell_lab.data.validation import parse_dates

#: Columns of :func:`quality_report`.
QUALITY_COLUMNS = ["table", "check", "rows", "detail"]


def quality_report(raw) -> pd.DataFrame:
    """Counts per table of what the data holds and what loading will repair.

    Parameters
    ----------
    raw : xsell_lab.data.io.RawTables
        The tables as read (:func:`xsell_lab.data.io.read_raw_tables`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`QUALITY_COLUMNS`: ``table``, ``check`` (``rows``,
        ``source``, ``date range``, ``missing values``, ``duplicate rows``,
        ``repeated key``, ``returns``, ``cleaning: ...``), ``rows`` (a count)
        and ``detail`` (a sentence).
    """
    found: list[dict] = []

    def add(table: str, check: str, rows: int, detail: str = "") -> None:
        found.append({"table": table, "check": check, "rows": int(rows), "detail": detail})

    for table, frame in raw.tables.items():
        spec = s.TABLES[table]
        options = raw.options.get(table, {})
        add(table, "rows", len(frame), f"{counted(frame.shape[1], 'column')}. {raw.sources.get(table, '')}".strip())
        for col in spec.columns:
            if col.kind != "date" or col.name not in frame.columns:
                continue
            dates = parse_dates(frame[col.name], options.get("date_format"))
            if dates.notna().any():
                add(table, "date range", int(dates.notna().sum()),
                    f"{col.name}: {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d} ({counted((dates.max() - dates.min()).days + 1, 'day')})")
            unreadable = int((frame[col.name].notna() & dates.isna()).sum())
            if unreadable:
                add(table, "unreadable dates", unreadable, f"{col.name}: set date_format in the mapping")
        for col in spec.columns:
            if col.name not in frame.columns:
                if not col.nullable:
                    add(table, "missing column", len(frame), f"{col.name} (required: loading fails; map a column onto it)")
                continue
            empty = int(frame[col.name].isna().sum())
            if empty:
                share = empty / max(len(frame), 1)
                kind = "required" if not col.nullable and col.name not in spec.key else ("key" if col.name in spec.key else "optional")
                add(table, "missing values", empty, f"{col.name} ({kind}): {share:.1%} of rows empty")
        duplicated = int(frame.duplicated().sum())
        if duplicated:
            add(table, "duplicate rows", duplicated, "identical in every column")
            add(table, "cleaning: duplicate rows dropped", duplicated, "loading keeps the first of each")
        if spec.key and all(k in frame.columns for k in spec.key):
            repeated = int(frame.drop_duplicates().duplicated(list(spec.key), keep=False).sum())
            if repeated:
                add(table, "repeated key", repeated,
                    f"rows sharing {' + '.join(spec.key)} but differing elsewhere: loading fails; combine them (an aggregating SQL query does)")
        if table == s.ORDER_LINES and s.QUANTITY in frame.columns:
            negative = int((pd.to_numeric(frame[s.QUANTITY], errors="coerce") <= 0).sum())
            if negative:
                add(table, "returns", negative, "zero or negative quantities: loading fails; put them in the returns table")
        if table == s.RETURNS:
            add(table, "returns", len(frame), "return lines in the returns table")
        added = [col.name for col in spec.columns if col.nullable and col.name not in frame.columns]
        if added:
            add(table, "cleaning: empty optional columns added", len(frame), ", ".join(added))
    for row in raw.log.itertuples(index=False):
        add(row.table, f"cleaning: {row.step}", row.rows, row.detail)
    absent = [name for name in s.TABLES if name not in raw.tables]
    if absent:
        add("(all)", "tables absent", len(absent), ", ".join(absent) + " (optional: the sections that need them are skipped)")
    order = {name: i for i, name in enumerate([*s.TABLES, "(all)"])}
    report = pd.DataFrame(found, columns=QUALITY_COLUMNS)
    return report.sort_values("table", key=lambda t: t.map(order), kind="stable").reset_index(drop=True)

