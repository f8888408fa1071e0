"""Mapping settings that would make a data folder load, read from what stopped it.

When :func:`xsell_lab.data.io.load_company` refuses an export, its
:class:`~xsell_lab.exceptions.DataValidationError` lists each problem with a
hint. :func:`suggest_fixes` turns the problems a mapping setting solves into
those settings: a decimal comma or a thousands mark (the hint names them) and
the ``date_format`` of dates that are not ISO 8601 (found by trying common
formats on the raw values: the one format that reads every value). Problems no
setting solves (negative quantities, unknown ids) are left to the analyst.
"""

from __future__ import annotations

import re

import pandas as pd

from xsell_lab.exceptions import DataValidationError

#: Columns of :func:`suggest_fixes`.
FIX_COLUMNS = ["table", "setting", "value", "why"]

#: Date formats tried on dates that are not ISO 8601, most common first.
DATE_FORMATS = ("%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M",
                "%d.%m.%Y %H:%M", "%d/%m/%y", "%m/%d/%y", "%Y%m%d")  # fmt: skip
_SETTING = re.compile(r"(decimal|thousands): '(.)'")


def suggest_fixes(error: DataValidationError, raw_tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The mapping settings that solve the problems of a failed load.

    Parameters
    ----------
    error : DataValidationError
        What :func:`~xsell_lab.data.io.load_company` raised.
    raw_tables : dict of str to pandas.DataFrame
        The tables as read, before validation
        (:attr:`xsell_lab.data.io.RawTables.tables`), to try date formats on.

    Returns
    -------
    pandas.DataFrame
        :data:`FIX_COLUMNS`: the ``table``, the ``setting`` of its mapping
        entry (``decimal``, ``thousands``, ``date_format``), its ``value`` and
        ``why`` (the problem it solves). Empty when no setting solves any problem;
        a date column no single format reads is left out.
    """
    fixes: dict[tuple[str, str], dict] = {}
    for problem in error.problems:
        why = f"column '{problem.column}': {problem.count:,} row(s) {problem.rule}, e.g. {problem.example}"
        for setting, value in _SETTING.findall(problem.hint or ""):
            fixes.setdefault((problem.table, setting), {"value": value, "why": why})
        if "date" in problem.rule and problem.table in raw_tables and problem.column in raw_tables[problem.table]:
            date_format = guess_date_format(raw_tables[problem.table][problem.column])
            if date_format is not None:
                fixes.setdefault((problem.table, "date_format"), {"value": date_format, "why": why})
    rows = [[table, setting, fix["value"], fix["why"]] for (table, setting), fix in fixes.items()]
    return pd.DataFrame(rows, columns=FIX_COLUMNS)


def guess_date_format(values: pd.Series) -> str | None:
    """The one format of :data:`DATE_FORMATS` that reads every non-empty value, else None.

    None also when two formats read every value (``01/02/2024`` is the first of
    February or the second of January): the analyst must say which.
    """
    text = values.dropna().astype(str).str.strip()
    if text.empty:
        return None
    fitting = [fmt for fmt in DATE_FORMATS if pd.to_datetime(text, format=fmt, errors="coerce").notna().all()]
    return fitting[0] if len(fitting) == 1 else None
