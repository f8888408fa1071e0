"""Adapters: well-known public data sets turned into canonical tables.

Each adapter reads one public format, applies a documented list of cleaning
steps and returns an :class:`AdaptedData`: the canonical tables plus a
cleaning report with the row count of every step, so nothing is dropped
silently. :meth:`AdaptedData.to_company` validates the tables into a
:class:`~xsell_lab.data.company.Company` when the data set has the four required
tables (Online Retail, CDNOW); the others give the tables they can
(Groceries: baskets; Hillstrom: customers and offers; Instacart: no prices).

Adapters
--------
:func:`online_retail`
    UCI Online Retail (Chen, Sain & Guo 2012), transactions of a UK gift
    retailer, 2010-12-01 to 2011-12-09.
:func:`groceries`
    The "Groceries" baskets of R ``arules`` (Hahsler, Hornik & Reutterer 2006).
:func:`cdnow`
    The CDNOW master file (Fader, Hardie & Lee 2005), as shipped by ``lifetimes``.
:func:`hillstrom`
    Kevin Hillstrom's MineThatData e-mail experiment (2008).
:func:`instacart`
    Instacart-style ``orders.csv`` + ``order_products__*.csv`` + ``products.csv``.

Every adapter reads its input files only; they are never modified.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.company import Company
from xsell_lab.data.validation import CLEANING_LOG_COLUMNS

#: Stock codes of UCI Online Retail that are fees, postage or manual adjustments, not products.
ONLINE_RETAIL_NON_PRODUCT_CODES = (
    "POST", "M", "B", "D", "DOT", "BANK CHARGES", "AMAZONFEE", "CRUK", "S", "PADS", "C2",
)
#: Category given to products of data sets that have none (Online Retail, Groceries).
UNKNOWN_CATEGORY = "unknown"
_ONLINE_RETAIL_COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
_HILLSTROM_VARIANTS = {"Mens E-Mail": "mens", "Womens E-Mail": "womens", "No E-Mail": "control"}


@dataclass
class AdaptedData:
    """Canonical tables made from a public data set, and how they were cleaned.

    Attributes
    ----------
    tables : dict of str to pandas.DataFrame
        Canonical tables by name (columns of :mod:`xsell_lab.data.schema`, plus
        documented extra columns).
    report : pandas.DataFrame
        One row per cleaning step: ``table``, ``step``, ``rows`` (rows
        affected) and ``detail``. The first row is always the raw row count.
    """

    tables: dict[str, pd.DataFrame]
    report: pd.DataFrame

    def to_company(self) -> Company:
        """Validate the tables into a :class:`Company`; its cleaning log starts with this report.

        Raises
        ------
        ValueError
            When the data set lacks a required table (Groceries, Hillstrom,
            Instacart without prices).
        DataValidationError
            When a table breaks the data model.
        """
        company = Company.from_tables(self.tables)
        log = pd.concat([self.report, company.cleaning_log], ignore_index=True) if len(company.cleaning_log) else self.report
        return dataclasses.replace(company, cleaning_log=log)

    def step(self, step: str) -> int:
        """Rows affected by the cleaning step named ``step`` (summed over tables; 0 if absent)."""
        return int(self.report.loc[self.report["step"] == step, "rows"].sum())


class _Report:
    """Collects cleaning steps in order."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, table: str, step: str, rows: int, detail: str = "") -> None:
        self.rows.append({"table": table, "step": step, "rows": int(rows), "detail": detail})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=CLEANING_LOG_COLUMNS)


# --- UCI Online Retail ------------------------------------------------------


def online_retail(path: str | os.PathLike) -> AdaptedData:
    """Canonical tables from UCI Online Retail.

    Cleaning steps, in order, each counted in the report:

    1. stock codes upper-cased (``85123a`` and ``85123A`` are one product);
    2. non-product codes dropped (:data:`ONLINE_RETAIL_NON_PRODUCT_CODES`:
       postage, fees, manual lines, discounts, adjustments);
    3. lines without a CustomerID dropped (no customer, no cross-sell);
    4. cancellations (invoice starting with ``C``) and other negative
       quantities set aside as return candidates;
    5. sales lines with a zero or negative unit price dropped (free samples,
       write-offs);
    6. repeated lines of the same product in one invoice aggregated: quantities
       summed, ``unit_price`` = revenue / quantity (so revenue is unchanged);
    7. returns matched to the latest earlier order of the same customer
       containing the product (``pandas.merge_asof``); returns with no such
       order (bought before December 2010) dropped; repeated lines of one
       return aggregated. ``returns`` keeps the cancellation invoice as the
       extra column ``return_id``.

    Choices: ``region`` = the customer's most frequent Country; ``channel`` =
    ``"web"`` (an online retailer); ``category`` = :data:`UNKNOWN_CATEGORY`
    (the data has none); ``price`` = the median unit price paid;
    ``product_name`` = the most frequent Description; ``unit_cost`` empty;
    ``order_date`` = the invoice's first timestamp.

    Parameters
    ----------
    path : str or path-like
        The CSV (optionally gzipped) with columns InvoiceNo, StockCode,
        Description, Quantity, InvoiceDate (``YYYY-MM-DD HH:MM:SS``),
        UnitPrice, CustomerID, Country.

    Returns
    -------
    AdaptedData
        Tables customers, products, orders, order_lines, returns; the report.
    """
    report = _Report()
    raw = _read_text_csv(path, _ONLINE_RETAIL_COLUMNS, "Online Retail")
    report.add("raw", "rows read", len(raw), Path(path).name)
    lines = pd.DataFrame(
        {
            s.ORDER_ID: raw["InvoiceNo"].str.strip(),
            s.PRODUCT_ID: raw["StockCode"].str.strip().str.upper(),
            s.PRODUCT_NAME: raw["Description"].str.strip(),
            s.QUANTITY: pd.to_numeric(raw["Quantity"]),
            s.ORDER_DATE: pd.to_datetime(raw["InvoiceDate"], format="%Y-%m-%d %H:%M:%S"),
            s.UNIT_PRICE: pd.to_numeric(raw["UnitPrice"]),
            s.CUSTOMER_ID: _whole_number_text(raw["CustomerID"]),
            s.REGION: raw["Country"].str.strip(),
        }
    )
    report.add("order_lines", "stock codes upper-cased", (raw["StockCode"].str.strip() != lines[s.PRODUCT_ID]).sum())
    non_product = lines[s.PRODUCT_ID].isin(ONLINE_RETAIL_NON_PRODUCT_CODES)
    counts = lines.loc[non_product, s.PRODUCT_ID].value_counts()
    report.add("order_lines", "non-product codes dropped", non_product.sum(), ", ".join(f"{k}: {v}" for k, v in counts.items()))
    lines = lines.loc[~non_product]
    anonymous = lines[s.CUSTOMER_ID].isna()
    report.add("order_lines", "blank CustomerID dropped", anonymous.sum(), "lines without a customer")
    lines = lines.loc[~anonymous]
    is_return = lines[s.ORDER_ID].str.startswith("C") | (lines[s.QUANTITY] < 0)
    report.add("returns", "cancellations and negative quantities set aside", is_return.sum(), "return candidates")
    sales, return_lines = lines.loc[~is_return], lines.loc[is_return]
    free = sales[s.UNIT_PRICE] <= 0
    report.add("order_lines", "zero or negative prices dropped", free.sum(), "unit price <= 0")
    sales = sales.loc[~free]
    order_lines, merged = _aggregate_lines(sales)
    report.add("order_lines", "repeated invoice + product lines aggregated", merged, "lines merged into another line")
    orders = _first_per_order(sales)
    customers = _customers_by_main_region(sales, report)
    products = _products_from_lines(sales)
    returns = _match_returns(return_lines, sales, products, report)
    report.add("order_lines", "order lines kept", len(order_lines), f"{len(orders):,} orders, {len(customers):,} customers, {len(products):,} products")
    tables = {s.CUSTOMERS: customers, s.PRODUCTS: products, s.ORDERS: orders, s.ORDER_LINES: order_lines, s.RETURNS: returns}
    return AdaptedData(tables, report.frame())


def _aggregate_lines(sales: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    revenue = sales[s.QUANTITY] * sales[s.UNIT_PRICE]
    grouped = sales.assign(_revenue=revenue).groupby([s.ORDER_ID, s.PRODUCT_ID], sort=False, as_index=False)
    lines = grouped.agg(quantity=(s.QUANTITY, "sum"), _revenue=("_revenue", "sum"))
    lines = lines.assign(unit_price=lines["_revenue"] / lines[s.QUANTITY]).drop(columns="_revenue")
    return lines[[s.ORDER_ID, s.PRODUCT_ID, s.QUANTITY, s.UNIT_PRICE]], len(sales) - len(lines)


def _first_per_order(sales: pd.DataFrame) -> pd.DataFrame:
    orders = sales.sort_values(s.ORDER_DATE, kind="stable").drop_duplicates(s.ORDER_ID)
    return orders[[s.ORDER_ID, s.CUSTOMER_ID, s.ORDER_DATE]].assign(channel="web").reset_index(drop=True)


def _customers_by_main_region(sales: pd.DataFrame, report: _Report) -> pd.DataFrame:
    counts = sales.groupby([s.CUSTOMER_ID, s.REGION]).size().rename("n").reset_index()
    countries = counts.groupby(s.CUSTOMER_ID).size()
    report.add("customers", "customers in several countries: most frequent kept", (countries > 1).sum())
    main = counts.sort_values([s.CUSTOMER_ID, "n", s.REGION], ascending=[True, False, True]).drop_duplicates(s.CUSTOMER_ID)
    return main[[s.CUSTOMER_ID, s.REGION]].reset_index(drop=True)


def _products_from_lines(sales: pd.DataFrame) -> pd.DataFrame:
    names = sales.groupby([s.PRODUCT_ID, s.PRODUCT_NAME]).size().rename("n").reset_index()
    names = names.sort_values([s.PRODUCT_ID, "n", s.PRODUCT_NAME], ascending=[True, False, True]).drop_duplicates(s.PRODUCT_ID)
    prices = sales.groupby(s.PRODUCT_ID)[s.UNIT_PRICE].median().rename(s.PRICE)
    products = names[[s.PRODUCT_ID, s.PRODUCT_NAME]].merge(prices, on=s.PRODUCT_ID, how="right")
    products = products.assign(product_name=products[s.PRODUCT_NAME].fillna(products[s.PRODUCT_ID]), category=UNKNOWN_CATEGORY)
    return products[[s.PRODUCT_ID, s.PRODUCT_NAME, s.CATEGORY, s.PRICE]].reset_index(drop=True)


def _match_returns(candidates: pd.DataFrame, sales: pd.DataFrame, products: pd.DataFrame, report: _Report) -> pd.DataFrame:
    known = candidates[s.PRODUCT_ID].isin(products[s.PRODUCT_ID])
    report.add("returns", "returns of products never sold dropped", (~known).sum(), "product not in products")
    candidates = candidates.loc[known]
    bought = sales[[s.CUSTOMER_ID, s.PRODUCT_ID, s.ORDER_DATE, s.ORDER_ID]].rename(columns={s.ORDER_ID: "_bought_in"})
    returns = pd.merge_asof(
        candidates.sort_values(s.ORDER_DATE),
        bought.sort_values(s.ORDER_DATE),
        on=s.ORDER_DATE,
        by=[s.CUSTOMER_ID, s.PRODUCT_ID],
        direction="backward",
    )
    unmatched = returns["_bought_in"].isna()
    report.add("returns", "returns without an earlier order dropped", unmatched.sum(), "no earlier purchase of the product by the customer")
    returns = returns.loc[~unmatched]
    reason = returns[s.ORDER_ID].str.startswith("C").map({True: "cancellation", False: "negative quantity"})
    returns = pd.DataFrame(
        {
            s.ORDER_ID: returns["_bought_in"],
            s.PRODUCT_ID: returns[s.PRODUCT_ID],
            s.RETURN_DATE: returns[s.ORDER_DATE],
            s.QUANTITY: -returns[s.QUANTITY],
            s.REASON: reason,
            "return_id": returns[s.ORDER_ID],
        }
    )
    returns = returns.groupby(["return_id", s.ORDER_ID, s.PRODUCT_ID, s.RETURN_DATE, s.REASON], as_index=False, sort=False)[s.QUANTITY].sum()
    report.add("returns", "repeated return lines aggregated", len(reason) - len(returns), "same return, order and product")
    report.add("returns", "returns kept", len(returns), "matched to the order they came from")
    return returns


# --- Groceries --------------------------------------------------------------


def groceries(path: str | os.PathLike) -> AdaptedData:
    """Baskets from the arules "Groceries" file.

    The file has one basket per line, items separated by commas, and no
    header, ids, customers, dates or prices. So: ``order_id`` is synthesised
    as ``"B00001"``, ``"B00002"``, ... in file order; each item becomes an
    order line with ``quantity`` 1; an item repeated within a basket is kept
    once (counted); empty items are dropped (counted).

    Parameters
    ----------
    path : str or path-like
        The ``groceries.csv`` file.

    Returns
    -------
    AdaptedData
        Tables ``order_lines`` (order_id, product_id, quantity) and
        ``products`` (product_id, product_name = product_id, category
        :data:`UNKNOWN_CATEGORY`). Not a full company: no customers, dates
        or prices.
    """
    report = _Report()
    baskets = _read_text(Path(path), "Groceries").splitlines()
    report.add("raw", "rows read", len(baskets), f"{Path(path).name}: one basket per line")
    items = pd.Series(baskets, dtype="str").str.split(",")
    order_ids = pd.Series([f"B{i:05d}" for i in range(1, len(baskets) + 1)])
    lines = pd.DataFrame({s.ORDER_ID: order_ids, s.PRODUCT_ID: items}).explode(s.PRODUCT_ID, ignore_index=True)
    lines = lines.assign(product_id=lines[s.PRODUCT_ID].str.strip())
    empty = lines[s.PRODUCT_ID].isna() | (lines[s.PRODUCT_ID] == "")
    report.add("order_lines", "empty items dropped", empty.sum(), "e.g. a trailing comma")
    lines = lines.loc[~empty]
    repeated = lines.duplicated([s.ORDER_ID, s.PRODUCT_ID])
    report.add("order_lines", "items repeated in a basket kept once", repeated.sum())
    lines = lines.loc[~repeated].assign(quantity=1).reset_index(drop=True)
    report.add("orders", "order ids synthesised", order_ids.size, "B + line number; the file has no ids")
    names = sorted(lines[s.PRODUCT_ID].unique())
    products = pd.DataFrame({s.PRODUCT_ID: names, s.PRODUCT_NAME: names, s.CATEGORY: UNKNOWN_CATEGORY})
    return AdaptedData({s.ORDER_LINES: lines, s.PRODUCTS: products}, report.frame())


# --- CDNOW ------------------------------------------------------------------


def cdnow(path: str | os.PathLike | None = None) -> AdaptedData:
    """Canonical tables from the CDNOW master file (Fader, Hardie & Lee 2005).

    The file lists, for the 23,570 customers who made their first purchase at
    CDNOW in the first quarter of 1997, every purchase until June 1998:
    customer id, date (``YYYYMMDD``), number of CDs, dollar value.

    Choices: each row is one order, ``order_id`` = ``<customer>-<n>`` with
    ``n`` the purchase's rank for that customer in file order (the file has
    no order ids; same-day rows stay separate orders); one product ``"CD"``
    (titles are not recorded) with ``unit_price`` = value / units and
    ``price`` = the median unit price; ``signup_date`` = the first purchase
    date (the data set is a cohort of first-time buyers); ``channel`` =
    ``"web"``. Customer ids keep their leading zeros.

    Parameters
    ----------
    path : str or path-like, optional
        ``CDNOW_master.txt`` (whitespace-separated; a header line, as in the
        ``lifetimes`` copy, is skipped). Default: the copy shipped with the
        ``lifetimes`` package.

    Returns
    -------
    AdaptedData
        Tables customers, products, orders, order_lines; the report.
    """
    file = Path(path) if path is not None else lifetimes_dataset_path("CDNOW_master.txt")
    report = _Report()
    raw = pd.read_csv(file, sep=r"\s+", header=None, names=["id", "date", "units", "value"], dtype=str)
    has_header = not raw["date"].iloc[0].isdigit()
    raw = raw.iloc[1:] if has_header else raw
    report.add("raw", "rows read", len(raw), f"{file.name}{' (header line skipped)' if has_header else ''}")
    units = pd.to_numeric(raw["units"])
    value = pd.to_numeric(raw["value"])
    empty = (units <= 0) | (value < 0)
    report.add("order_lines", "rows with no units or a negative value dropped", empty.sum())
    raw, units, value = raw.loc[~empty], units.loc[~empty], value.loc[~empty]
    rank = raw.groupby("id", sort=False).cumcount() + 1
    order_ids = raw["id"] + "-" + rank.astype(str)
    dates = pd.to_datetime(raw["date"], format="%Y%m%d")
    orders = pd.DataFrame({s.ORDER_ID: order_ids, s.CUSTOMER_ID: raw["id"], s.ORDER_DATE: dates, s.CHANNEL: "web"})
    lines = pd.DataFrame({s.ORDER_ID: order_ids, s.PRODUCT_ID: "CD", s.QUANTITY: units, s.UNIT_PRICE: value / units})
    report.add("orders", "order ids synthesised", len(orders), "<customer>-<purchase number>; the file has no ids")
    customers = orders.groupby(s.CUSTOMER_ID, as_index=False)[s.ORDER_DATE].min().rename(columns={s.ORDER_DATE: s.SIGNUP_DATE})
    products = pd.DataFrame(
        {s.PRODUCT_ID: ["CD"], s.PRODUCT_NAME: ["CD (title not recorded)"], s.CATEGORY: ["music"], s.PRICE: [float((value / units).median())]}
    )
    tables = {
        s.CUSTOMERS: customers,
        s.PRODUCTS: products,
        s.ORDERS: orders.reset_index(drop=True),
        s.ORDER_LINES: lines.reset_index(drop=True),
    }
    return AdaptedData(tables, report.frame())


def lifetimes_dataset_path(name: str) -> Path:
    """Path of a data file shipped in the ``lifetimes`` package's ``datasets`` folder.

    Raises
    ------
    FileNotFoundError
        When ``lifetimes`` is not installed.
    """
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"{name} ships with the 'lifetimes' package, which is not installed: pip install lifetimes, or pass path=.")
    return Path(spec.origin).parent / "datasets" / name


# --- Hillstrom --------------------------------------------------------------


def hillstrom(path: str | os.PathLike, *, offer_date: str = "2008-01-01") -> AdaptedData:
    """Customers and offers from Kevin Hillstrom's MineThatData e-mail experiment.

    64,000 customers who bought in the last twelve months were randomised to
    a men's merchandise e-mail, a women's merchandise e-mail, or no e-mail,
    and followed for two weeks.

    Choices: ``customer_id`` and ``offer_id`` are synthesised as ``"H00001"``,
    ... in file order; ``variant`` is ``mens`` / ``womens`` / ``control``;
    ``product_id`` is the merchandise promoted (``mens``, ``womens``, ``none``
    for control); ``channel`` is ``email``, or ``none`` for the control group
    that got no e-mail (the lab's convention for control arms); ``accepted`` = ``conversion``; ``revenue`` = ``spend``;
    ``region`` = ``zip_code`` (Urban / Suburban / Rural, the file's typo
    "Surburban" corrected, counted); ``segment`` = ``history_segment``;
    ``preferred_channel`` = ``channel``. The data has no dates, so every
    offer gets ``offer_date`` (a placeholder). Extra columns kept: customers
    ``recency``, ``history``, ``mens``, ``womens``, ``newbie``; offers ``visit``.

    Parameters
    ----------
    path : str or path-like
        ``hillstrom_email.csv``.
    offer_date : str, default "2008-01-01"
        Placeholder date for every offer.

    Returns
    -------
    AdaptedData
        Tables customers and offers (no orders: not a full company).
    """
    columns = ["recency", "history_segment", "history", "mens", "womens", "zip_code", "newbie", "channel", "segment", "visit", "conversion", "spend"]
    raw = _read_text_csv(path, columns, "Hillstrom")
    report = _Report()
    report.add("raw", "rows read", len(raw), Path(path).name)
    ids = pd.Series([f"H{i:05d}" for i in range(1, len(raw) + 1)])
    typo = raw["zip_code"] == "Surburban"
    report.add("customers", "zip_code 'Surburban' corrected to 'Suburban'", typo.sum())
    report.add("customers", "customer ids synthesised", len(raw), "H + row number; the file has no ids")
    customers = pd.DataFrame(
        {
            s.CUSTOMER_ID: ids,
            s.REGION: raw["zip_code"].where(~typo, "Suburban"),
            s.SEGMENT: raw["history_segment"],
            s.PREFERRED_CHANNEL: raw["channel"],
            "recency": pd.to_numeric(raw["recency"]),
            "history": pd.to_numeric(raw["history"]),
            "mens": raw["mens"] == "1",
            "womens": raw["womens"] == "1",
            "newbie": raw["newbie"] == "1",
        }
    )
    unknown = ~raw["segment"].isin(list(_HILLSTROM_VARIANTS))
    if unknown.any():
        raise ValueError(
            f"Hillstrom file '{path}', column 'segment': {int(unknown.sum())} row(s) are not one of "
            f"{', '.join(_HILLSTROM_VARIANTS)}, e.g. {raw['segment'][unknown].iloc[0]!r}."
        )
    variant = raw["segment"].map(_HILLSTROM_VARIANTS)
    offers = pd.DataFrame(
        {
            s.OFFER_ID: ids,
            s.CUSTOMER_ID: ids,
            s.PRODUCT_ID: variant.replace("control", "none"),
            s.OFFER_DATE: pd.Timestamp(offer_date),
            s.EXPERIMENT_ID: "hillstrom-email",
            s.VARIANT: variant,
            s.CHANNEL: variant.map(lambda arm: "none" if arm == "control" else "email"),
            s.ACCEPTED: raw["conversion"] == "1",
            s.REVENUE: pd.to_numeric(raw["spend"]),
            "visit": raw["visit"] == "1",
        }
    )
    return AdaptedData({s.CUSTOMERS: customers, s.OFFERS: offers}, report.frame())


# --- Instacart --------------------------------------------------------------


def instacart(folder: str | os.PathLike, *, start_date: str = "2017-01-01") -> AdaptedData:
    """Canonical tables from Instacart-style files.

    Reads ``orders.csv`` (order_id, user_id, order_number,
    days_since_prior_order, ...), every ``order_products__*.csv`` (order_id,
    product_id, add_to_cart_order, reordered) and ``products.csv``
    (product_id, product_name, aisle_id, department_id), plus
    ``departments.csv`` when present.

    Choices: Instacart gives no calendar dates, only days since the
    customer's previous order, so ``order_date`` = ``start_date`` + the
    cumulative days since the customer's first order (every customer starts
    on ``start_date``; the order of purchases and the gaps are real, the
    calendar is not); ``quantity`` = 1 (the format records presence, not
    units); ``category`` = the department name (or the department id);
    orders without any product line (the hidden "test" set) are dropped,
    counted. No prices: the result is not a full company.

    Parameters
    ----------
    folder : str or path-like
        Folder holding the files.
    start_date : str, default "2017-01-01"
        Date given to each customer's first order.

    Returns
    -------
    AdaptedData
        Tables customers, products (no price), orders, order_lines (no
        unit_price).
    """
    folder = Path(folder)
    report = _Report()
    raw_orders = _read_text_csv(folder / "orders.csv", ["order_id", "user_id", "order_number", "days_since_prior_order"], "Instacart")
    line_files = sorted(folder.glob("order_products__*.csv"))
    if not line_files:
        raise FileNotFoundError(f"Instacart folder '{folder}' has no order_products__*.csv file.")
    raw_lines = pd.concat(
        [_read_text_csv(f, ["order_id", "product_id"], "Instacart") for f in line_files], ignore_index=True
    )
    raw_products = _read_text_csv(folder / "products.csv", ["product_id", "product_name", "department_id"], "Instacart")
    report.add("raw", "rows read", len(raw_orders), "orders.csv")
    report.add("raw", "rows read", len(raw_lines), ", ".join(f.name for f in line_files))
    orders = raw_orders.assign(order_number=pd.to_numeric(raw_orders["order_number"])).sort_values(["user_id", "order_number"])
    gap = pd.to_numeric(orders["days_since_prior_order"]).fillna(0)
    days = gap.groupby(orders["user_id"]).cumsum()
    orders = pd.DataFrame(
        {
            s.ORDER_ID: orders["order_id"],
            s.CUSTOMER_ID: orders["user_id"],
            s.ORDER_DATE: pd.Timestamp(start_date) + pd.to_timedelta(days, unit="D"),
            s.CHANNEL: "app",
        }
    )
    report.add("orders", "order dates synthesised", len(orders), f"{start_date} + cumulative days_since_prior_order")
    without_lines = ~orders[s.ORDER_ID].isin(raw_lines["order_id"])
    report.add("orders", "orders without product lines dropped", without_lines.sum(), "e.g. the 'test' evaluation set")
    orders = orders.loc[~without_lines].reset_index(drop=True)
    lines = pd.DataFrame({s.ORDER_ID: raw_lines["order_id"], s.PRODUCT_ID: raw_lines["product_id"], s.QUANTITY: 1})
    category = raw_products["department_id"]
    if (folder / "departments.csv").is_file():
        departments = _read_text_csv(folder / "departments.csv", ["department_id", "department"], "Instacart")
        category = category.map(departments.set_index("department_id")["department"]).fillna(category)
    products = pd.DataFrame(
        {s.PRODUCT_ID: raw_products["product_id"], s.PRODUCT_NAME: raw_products["product_name"], s.CATEGORY: category}
    )
    customers = pd.DataFrame({s.CUSTOMER_ID: orders[s.CUSTOMER_ID].drop_duplicates().reset_index(drop=True)})
    tables = {s.CUSTOMERS: customers, s.PRODUCTS: products, s.ORDERS: orders, s.ORDER_LINES: lines}
    return AdaptedData(tables, report.frame())


# --- reading helpers --------------------------------------------------------


def _read_text_csv(path: str | os.PathLike, required: list[str], dataset: str) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{dataset} file '{path}' does not exist (working directory: {Path.cwd()}).")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{dataset} file '{path}': {len(missing)} expected column(s) missing, e.g. '{missing[0]}'. "
            f"Columns found: {', '.join(map(str, frame.columns[:12]))}."
        )
    return frame


def _read_text(path: Path, dataset: str) -> str:
    if not path.is_file():
        raise FileNotFoundError(f"{dataset} file '{path}' does not exist (working directory: {Path.cwd()}).")
    return path.read_text(encoding="utf-8")


def _whole_number_text(values: pd.Series) -> pd.Series:
    """Ids exported as floats (``"17850.0"``) back to ``"17850"``; other text unchanged."""
    text = values.str.strip()
    return text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
