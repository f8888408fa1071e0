"""Tables given as a DuckDB query in the column mapping.

A mapping entry may give ``sql:`` instead of ``file:``: one ``SELECT`` (or
``WITH ... SELECT``) over the files of the data folder, run by DuckDB, whose
result columns are the canonical ones (or are renamed by ``columns``)::

    tables:
      orders:
        sql: |
          SELECT InvoiceNo AS order_id, any_value(CustomerID) AS customer_id,
                 min(InvoiceDate) AS order_date
          FROM 'online_retail.csv.gz'
          WHERE CustomerID IS NOT NULL
          GROUP BY InvoiceNo

File names in the query are relative to the data folder (``'sales.csv'``,
``read_csv('export/*.csv', delim=';')``). The query can filter, take distinct
rows, aggregate, derive columns, union and join; everything DuckDB's SQL does.

The containment guarantee of ``file:`` holds for queries too, enforced by
DuckDB itself: the connection may only read files inside the (resolved) data
folder (``allowed_directories`` with ``enable_external_access = false``, then
the configuration is locked), so ``'../other.csv'``, an absolute path or a
symbolic link pointing out is refused, unless the mapping sets
``allow_outside_data_folder: true``. A query must be one ``SELECT``
statement: ``COPY``, ``ATTACH``, ``SET`` and the like are refused, so the
data folder is only read, never written.

DuckDB is a runtime dependency of xsell-lab; it is imported here, on the first
query, so loading a folder without ``sql:`` tables never pays for it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from xsell_lab.exceptions import MappingError

#: DuckDB's first version with ``allowed_directories`` (the containment guarantee relies on it).
MIN_DUCKDB = (1, 3)


def _duckdb():
    try:
        import duckdb
    except ImportError:  # a broken install: duckdb is a declared dependency
        raise MappingError(
            "The column mapping gives a table as 'sql:', which needs the duckdb package, and it is not "
            "installed. Install it with: pip install 'duckdb>=1.3' (or conda install -c conda-forge python-duckdb)."
        ) from None
    version = tuple(int(part) for part in duckdb.__version__.split(".")[:2] if part.isdigit())
    if version < MIN_DUCKDB:
        raise MappingError(
            f"'sql:' tables need duckdb >= {'.'.join(map(str, MIN_DUCKDB))}; this is {duckdb.__version__}. "
            "Upgrade it: pip install -U duckdb."
        )
    return duckdb


def check_query(table: str, query: str) -> None:
    """Refuse a mapping query that is not exactly one ``SELECT`` statement.

    Raises
    ------
    MappingError
        Naming the table, when the query is empty, holds several statements,
        is another kind of statement (``COPY``, ``ATTACH``, ...) or does not
        parse (quoting DuckDB's message).
    """
    duckdb = _duckdb()
    where = f"In the column mapping, table '{table}'"
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as error:
        raise MappingError(f"{where}: the SQL query does not parse. DuckDB says: {_first_lines(error)}") from None
    if len(statements) != 1:
        raise MappingError(f"{where}: 'sql' must hold exactly one SELECT statement; it holds {len(statements)}.")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise MappingError(
            f"{where}: 'sql' must be a SELECT query (it only reads); got a {kind.name} statement."
        )


def run_query(table: str, query: str, folder: str | Path, *, allow_outside: bool = False) -> pd.DataFrame:
    """Run one mapping query over the files of a data folder.

    Parameters
    ----------
    table : str
        The canonical table the query makes (named in messages).
    query : str
        One SELECT statement; file names in it are relative to ``folder``.
    folder : str or path-like
        The data folder.
    allow_outside : bool, default False
        The mapping's ``allow_outside_data_folder``: when False, DuckDB may
        read only files inside ``folder``.

    Returns
    -------
    pandas.DataFrame
        The query's result, column names as the query gives them, rows sorted by
        every column in turn (so a run gives the same rows in the same order
        every time); not yet validated.

    Raises
    ------
    MappingError
        When the query is not one SELECT, reads a file outside the data
        folder, or fails; the message names the table and quotes DuckDB's.
    """
    check_query(table, query)
    duckdb = _duckdb()
    root = Path(folder).resolve()
    where = f"In the column mapping, table '{table}'"
    connection = duckdb.connect(":memory:")
    try:
        if not allow_outside:
            connection.execute("SET allowed_directories = $dirs", {"dirs": [str(root) + "/"]})
            connection.execute("SET enable_external_access = false")
            connection.execute("SET lock_configuration = true")
        try:
            # ORDER BY ALL: one order whatever DuckDB's threads did (a GROUP BY comes back in any order)
            ordered = f"SELECT * FROM (\n{_absolute_file_names(query, root).rstrip().rstrip(';')}\n) ORDER BY ALL"
            result = connection.execute(ordered)
            frame = result.df()
        except duckdb.PermissionException as error:
            raise MappingError(
                f"{where}: the SQL query reads a file outside the data folder '{folder}', which is refused "
                f"(DuckDB says: {_first_lines(error)}). Put the file in the data folder and name it relative to it, "
                "or set 'allow_outside_data_folder: true' at the top of the mapping."
            ) from None
        except duckdb.Error as error:
            raise MappingError(f"{where}: the SQL query failed. DuckDB says: {_first_lines(error)}") from None
    finally:
        connection.close()
    if frame.columns.duplicated().any():
        doubled = frame.columns[frame.columns.duplicated()][0]
        raise MappingError(f"{where}: the SQL query returns the column '{doubled}' twice; give each column its own name (AS ...).")
    return frame


def files_in_query(query: str, folder: str | Path) -> list[Path]:
    """The files of ``folder`` a query names (its string constants that are file names or patterns there)."""
    duckdb = _duckdb()
    root = Path(folder).resolve()
    found = []
    for start, kind in duckdb.tokenize(query):
        if kind == duckdb.token_type.string_const:
            name = _string_at(query, start)
            found += _matches(name, root)
    return found


def _absolute_file_names(query: str, root: Path) -> str:
    """Rewrite each string constant that names a file (or a glob) relative to the data folder as its full path.

    DuckDB resolves relative names against the working directory, and refuses
    them once access is restricted; the analyst writes them relative to the
    data folder. Other strings (values in a WHERE, ``'../x.csv'`` and
    absolute paths) are left as they are, and DuckDB refuses the paths.
    """
    duckdb = _duckdb()
    pieces, last = [], 0
    for start, kind in duckdb.tokenize(query):
        if kind != duckdb.token_type.string_const:
            continue
        name = _string_at(query, start)
        if not _matches(name, root):
            continue
        end = start + len(name.replace("'", "''")) + 2
        full = str(root / name).replace("'", "''")
        pieces += [query[last:start], f"'{full}'"]
        last = end
    return "".join(pieces) + query[last:]


def _string_at(query: str, start: int) -> str:
    """The value of the single-quoted SQL string starting at ``start`` (``''`` is one quote)."""
    i, value = start + 1, []
    while i < len(query):
        if query[i] == "'":
            if query[i + 1 : i + 2] == "'":
                value.append("'")
                i += 2
                continue
            break
        value.append(query[i])
        i += 1
    return "".join(value)


def _matches(name: str, root: Path) -> list[Path]:
    if not name or name.startswith(("/", "~", "\\")) or ".." in Path(name).parts or "://" in name or "\n" in name:
        return []
    if any(char in name for char in "*?["):
        return sorted(p for p in root.glob(name) if p.is_file())
    path = root / name
    return [path] if path.is_file() else []


def _first_lines(error: Exception, lines: int = 3) -> str:
    text = str(error).strip()
    return " ".join(line.strip() for line in text.splitlines()[:lines] if line.strip())
