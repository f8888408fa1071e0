"""A starter column mapping guessed from an export's files (``xsell-lab init-mapping``).

:func:`guess_columns` reads the header and a sample of each file and guesses
which canonical column each source column is: by its name first
(``InvoiceNo`` -> ``order_id``, ``CustomerID`` -> ``customer_id``, ``Menge``
-> ``quantity``), then, for date columns, by parsing the sample.
:func:`starter_mapping` turns the guesses into a YAML mapping with comments
saying what was guessed from what and which required columns are left to fill
in. One file holding whole transactions (order, customer, date, product on
each line) becomes four ``sql:`` tables over that file (distinct orders,
summed lines, distinct products, distinct customers). The result is a start,
to be read and corrected: ``xsell-lab check`` then says what loads.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.fixes import DATE_FORMATS, guess_date_format

#: Normalised header (lower case, letters and digits only) -> canonical column.
SYNONYMS = {
    s.ORDER_ID: ["orderid", "orderno", "ordernumber", "order", "invoiceno", "invoice", "invoiceid", "invoicenumber",
                 "basketid", "basket", "transactionid", "receiptid", "receipt", "belegnr", "auftragsnr", "ticketid"],
    s.CUSTOMER_ID: ["customerid", "customer", "custid", "customerno", "customernumber", "clientid", "client", "userid",
                    "householdid", "household", "memberid", "accountid", "kundennr", "kunde", "buyerid"],
    s.PRODUCT_ID: ["productid", "product", "sku", "stockcode", "itemid", "item", "articleid", "article", "artikel",
                   "artikelnr", "upc", "ean", "productcode", "itemcode"],
    s.PRODUCT_NAME: ["productname", "description", "itemname", "itemdescription", "name", "title", "bezeichnung"],
    s.CATEGORY: ["category", "productcategory", "department", "family", "productgroup", "group", "warengruppe",
                 "aisle", "class", "commodity", "commoditydesc"],
    s.QUANTITY: ["quantity", "qty", "units", "menge", "anzahl", "count", "numberofunits"],
    s.UNIT_PRICE: ["unitprice", "priceeach", "preis", "sellingprice", "saleprice", "price"],
    s.PRICE: ["listprice", "listenpreis", "regularprice", "msrp"],
    s.UNIT_COST: ["unitcost", "cost", "costprice", "einstandspreis", "purchaseprice"],
    s.ORDER_DATE: ["orderdate", "invoicedate", "date", "transactiondate", "transactiontimestamp", "timestamp",
                   "purchasedate", "datum", "orderdatetime", "day"],
    s.REGION: ["region", "country", "state", "city", "land"],
    s.SEGMENT: ["segment", "customersegment", "customertype"],
    s.CHANNEL: ["channel", "saleschannel", "kanal", "source"],
    s.SIGNUP_DATE: ["signupdate", "registrationdate", "createdat", "customersince", "firstseen"],
    s.MARKETING_CONSENT: ["marketingconsent", "newsletter", "optin", "consent"],
}
_LOOKUP = {name: canonical for canonical, names in SYNONYMS.items() for name in names}
SAMPLE_ROWS = 2000


def normalise(header: str) -> str:
    """``"Invoice No."`` -> ``"invoiceno"``: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", str(header).lower())


def read_sample(file: str | Path, rows: int = SAMPLE_ROWS) -> tuple[pd.DataFrame, dict]:
    """The first ``rows`` rows of a file as text, and how it was read (``sep``, ``encoding``)."""
    file = Path(file)
    name = file.name.lower()
    if name.endswith(".parquet"):
        return pd.read_parquet(file).head(rows).astype("string"), {}
    if name.endswith((".xlsx", ".xlsm")):
        return pd.read_excel(file, nrows=rows, dtype=str), {}
    read: dict = {}
    for encoding in ("utf-8", "cp1252"):
        try:
            head = pd.read_csv(file, nrows=5, dtype=str, sep=None, engine="python", encoding=encoding)
            read["encoding"] = encoding
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"'{file}': cannot read it as utf-8 or cp1252 text.")
    with pd.io.common.get_handle(file, "r", encoding=read["encoding"], compression="infer") as handle:
        first = handle.handle.readline()
    try:
        read["sep"] = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        read["sep"] = ","
    del head
    frame = pd.read_csv(file, nrows=rows, dtype=str, sep=read["sep"], encoding=read["encoding"])
    return frame, read


def guess_columns(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Source column -> (canonical column, why), from the headers and, for dates, the values.

    A canonical column is given to at most one source column (the first that
    matches by name). A column whose name says nothing but whose sample parses
    as dates becomes ``order_date`` when no column is called so.
    """
    guesses: dict[str, tuple[str, str]] = {}
    taken: set[str] = set()
    for column in frame.columns:
        canonical = _LOOKUP.get(normalise(column))
        if canonical and canonical not in taken:
            guesses[str(column)] = (canonical, "from its name")
            taken.add(canonical)
    if s.ORDER_DATE not in taken:
        for column in frame.columns:
            if str(column) in guesses:
                continue
            values = frame[column].dropna().astype(str)
            if len(values) and not values.str.fullmatch(r"[\d.,-]+").all():
                parsed = pd.to_datetime(values, errors="coerce", format="mixed")
                if parsed.notna().mean() > 0.95:
                    guesses[str(column)] = (s.ORDER_DATE, "its values parse as dates")
                    break
    return guesses


def date_format_lines(values: pd.Series, column: str, indent: str) -> list[str]:
    """The mapping lines that say how to read a date column: a ``date_format`` line, a comment, or nothing.

    ISO 8601 dates need nothing. Otherwise the one format of
    :data:`~xsell_lab.data.fixes.DATE_FORMATS` that reads every value of the
    sample is written (``31/01/2011`` proves day first, since no month is 31).
    When the sample cannot tell (every day is 12 or less, so ``01/02/2011``
    reads both ways) or no format reads it, a ``TODO`` comment says so.

    Parameters
    ----------
    values : pandas.Series
        The column's sample, as text.
    column : str
        The source column's name (for the comments).
    indent : str
        Spaces before each line.

    Returns
    -------
    list of str
        Zero or more YAML lines.
    """
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty or pd.to_datetime(text, format="ISO8601", errors="coerce").notna().all():
        return []
    found = guess_date_format(text)
    if found is not None:
        return [f"{indent}# {column}: dates read as {found} (the only format that reads every value of the sample)",
                f"{indent}date_format: {found!r}"]
    fitting = [fmt for fmt in DATE_FORMATS if pd.to_datetime(text, format=fmt, errors="coerce").notna().all()]
    if fitting:
        return [f"{indent}# TODO: {column}: the sample reads as {' or as '.join(fitting)} (no day above 12 tells which);",
                f"{indent}# set date_format: to the right one"]
    return [f"{indent}# TODO: {column}: no common format reads every date of the sample; set date_format: by hand"]


def _table_of(canonicals: set[str]) -> str | None:
    if {s.ORDER_ID, s.PRODUCT_ID} <= canonicals:
        return s.ORDER_LINES
    if s.ORDER_ID in canonicals:
        return s.ORDERS
    if s.PRODUCT_ID in canonicals:
        return s.PRODUCTS
    if s.CUSTOMER_ID in canonicals:
        return s.CUSTOMERS
    return None


def starter_mapping(files: list[str | Path], folder: str | Path | None = None) -> str:
    """A commented YAML mapping guessed from the files.

    Parameters
    ----------
    files : list of str or path-like
        The export's files (CSV, ``.csv.gz``, Parquet, Excel).
    folder : str or path-like, optional
        The data folder the mapping will be used with; file names are written
        relative to it (default: the folder of the first file).

    Returns
    -------
    str
        The mapping's text, ready to save and edit.
    """
    paths = [Path(f) for f in files]
    folder = Path(folder) if folder is not None else paths[0].parent
    lines = ["# Starter column mapping written by `xsell-lab init-mapping` from: " + ", ".join(p.name for p in paths),
             "# Every guess is commented; check each one, fill in what is marked TODO, then run",
             f"#   xsell-lab check --data {folder} --mapping <this file>",
             "# File names are relative to the data folder. Canonical columns: see README 'Use your own data'.",
             "tables:"]
    read = []
    for path in paths:
        frame, how = read_sample(path)
        guesses = guess_columns(frame)
        read.append((path, frame, how, guesses))
    single = [r for r in read if {s.ORDER_ID, s.CUSTOMER_ID, s.ORDER_DATE, s.PRODUCT_ID} <= {g for g, _ in r[3].values()}]
    if len(read) == 1 and single:
        lines += _transaction_file(folder, *single[0])
    else:
        used: set[str] = set()
        for path, frame, how, guesses in read:
            lines += _plain_table(folder, path, frame, how, guesses, used)
    return "\n".join(lines) + "\n"


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.resolve().relative_to(folder.resolve()))
    except ValueError:
        return path.name


def _guess_comments(guesses: dict, frame: pd.DataFrame, indent: str) -> list[str]:
    out = [f"{indent}# guessed: {source} -> {canonical} ({why})" for source, (canonical, why) in guesses.items()]
    unused = [str(c) for c in frame.columns if str(c) not in guesses]
    if unused:
        out.append(f"{indent}# not mapped (kept as extra columns, or map them yourself): {', '.join(unused)}")
    return out


def _plain_table(folder: Path, path: Path, frame: pd.DataFrame, how: dict, guesses: dict, used: set[str]) -> list[str]:
    table = _table_of({c for c, _ in guesses.values()})
    if table is None or table in used:
        reason = "no id column recognised" if table is None else f"a second file for '{table}'"
        return [f"  # {path.name}: not mapped ({reason}); give it a table name and columns by hand."]
    used.add(table)
    canonical = set(s.TABLES[table].column_names)
    if table == s.PRODUCTS and s.PRICE not in {c for c, _ in guesses.values()}:  # a catalogue's price is its list price
        guesses = {k: ((s.PRICE, why) if c == s.UNIT_PRICE else (c, why)) for k, (c, why) in guesses.items()}
    columns = {src: can for src, (can, _) in guesses.items() if can in canonical}
    out = [f"  {table}:", f"    file: {_relative(path, folder)}"]
    if how.get("sep", ",") != ",":
        out.append(f"    sep: {how['sep']!r}")
    if how.get("encoding", "utf-8") != "utf-8":
        out.append(f"    encoding: {how['encoding']}")
    for source, canonical in columns.items():
        if s.TABLES[table].column(canonical).kind == "date":
            out += date_format_lines(frame[source], source, "    ")
            break
    out += _guess_comments({k: v for k, v in guesses.items() if k in columns}, frame, "    ")
    out.append("    columns: {" + ", ".join(f"{_yaml_key(k)}: {v}" for k, v in columns.items()) + "}")
    missing = [c.name for c in s.TABLES[table].columns if not c.nullable and c.name not in columns.values()]
    if missing:
        out.append(f"    # TODO: required columns not found: {', '.join(missing)} (map a column, or set them in defaults)")
    return out


def _transaction_file(folder: Path, path: Path, frame: pd.DataFrame, how: dict, guesses: dict) -> list[str]:
    col = {canonical: source for source, (canonical, _) in guesses.items()}
    options = []
    if how.get("sep", ",") != ",":
        options.append(f"delim = {_sql_text(how['sep'])}")
    if how.get("encoding", "utf-8") != "utf-8":
        options.append(f"encoding = {_sql_text(how['encoding'].replace('cp1252', 'latin-1'))}")
    ids = ", ".join(f"{_sql_text(col[c])}: 'VARCHAR'" for c in (s.ORDER_ID, s.CUSTOMER_ID, s.PRODUCT_ID))
    source = f"read_csv({_sql_text(_relative(path, folder))}, {', '.join([*options, 'types = {' + ids + '}'])})"
    if path.name.lower().endswith(".parquet"):
        source = f"{_sql_text(_relative(path, folder))}"

    def q(canonical: str) -> str:
        return '"' + col[canonical].replace('"', '""') + '"'

    quantity = q(s.QUANTITY) if s.QUANTITY in col else "1"
    price = q(s.UNIT_PRICE) if s.UNIT_PRICE in col else None
    where = f"WHERE {q(s.CUSTOMER_ID)} IS NOT NULL AND {quantity} > 0"
    out = [f"  # {path.name} holds whole transactions (order, customer, date and product on each line), so every",
           "  # table below is a DuckDB query over it. Returns (quantity <= 0) are left out of the sales.",
           *_guess_comments(guesses, frame, "  ")]
    if price is None:
        out.append("  # TODO: no price column recognised: replace NULL by the price paid per unit.")
    price_sql = f"sum({quantity} * {price}) / sum({quantity})" if price else "NULL"
    channel = f", any_value({q(s.CHANNEL)}) AS channel" if s.CHANNEL in col else ""
    out += ["  orders:", "    sql: |",
            f"      SELECT {q(s.ORDER_ID)} AS order_id, min({q(s.CUSTOMER_ID)}) AS customer_id, min({q(s.ORDER_DATE)}) AS order_date{channel}",
            f"      FROM {source}", f"      {where}", f"      GROUP BY {q(s.ORDER_ID)}",
            *date_format_lines(frame[col[s.ORDER_DATE]], col[s.ORDER_DATE], "    "),
            "  order_lines:", "    sql: |",
            f"      SELECT {q(s.ORDER_ID)} AS order_id, {q(s.PRODUCT_ID)} AS product_id, sum({quantity}) AS quantity, {price_sql} AS unit_price",
            f"      FROM {source}", f"      {where}", "      GROUP BY ALL"]
    name = f"min({q(s.PRODUCT_NAME)})" if s.PRODUCT_NAME in col else q(s.PRODUCT_ID)
    category = f"min({q(s.CATEGORY)})" if s.CATEGORY in col else "'unknown'"
    out += ["  products:", "    sql: |",
            f"      SELECT {q(s.PRODUCT_ID)} AS product_id, {name} AS product_name, {category} AS category, "
            f"{'median(' + price + ')' if price else 'NULL'} AS price",
            f"      FROM {source}", f"      {where}", f"      GROUP BY {q(s.PRODUCT_ID)}"]
    if s.CATEGORY not in col:
        out.append("    # TODO: no category column recognised: every product is 'unknown' (analyses then work per product).")
    region = f", min({q(s.REGION)}) AS region" if s.REGION in col else ""
    segment = f", min({q(s.SEGMENT)}) AS segment" if s.SEGMENT in col else ""
    out += ["  customers:", "    sql: |",
            f"      SELECT {q(s.CUSTOMER_ID)} AS customer_id{region}{segment}",
            f"      FROM {source}", f"      {where}", f"      GROUP BY {q(s.CUSTOMER_ID)}"]
    return out


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _yaml_key(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ ]*", value) and not value.endswith(" ") else repr(value)
