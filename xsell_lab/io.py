"""Read and write a company's tables.

A company lives in a folder with one file per table, named after the table
(``orders.parquet``, ``orders.csv`` or ``orders.xlsx``). :func:`load_company`
reads whatever is there, validates it and returns a :class:`Company`;
:func:`write_company` writes Parquet files whole or not at all.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from xsell_lab import schema as s
from xsell_lab.company import Company

_READERS = {
    ".parquet": pd.read_parquet,
    ".csv": lambda path: pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]),
    ".xlsx": pd.read_excel,
}


def load_company(path: str | os.PathLike = "data", *, date_format: str | None = None) -> Company:
    """Load and validate every table found in a folder.

    Parameters
    ----------
    path : str or path-like
        Folder holding ``<table>.parquet`` / ``.csv`` / ``.xlsx`` files.
    date_format : str, optional
        Format of the date columns when they are not ISO 8601.

    Returns
    -------
    Company
        The validated tables.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"Data folder '{folder}' does not exist (working directory: {Path.cwd()}).")
    tables = {}
    for name in s.TABLES:
        for suffix, reader in _READERS.items():
            file = folder / f"{name}{suffix}"
            if file.exists():
                tables[name] = reader(file)
                break
    return Company.from_tables(tables, date_format=date_format)


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
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as handle:
            tmp = Path(handle.name)
        try:
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        written.append(target)
    return written
