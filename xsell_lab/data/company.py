"""A company's data: the canonical tables, validated together.

:class:`Company` is what every notebook loads first. It holds the eleven tables
of :mod:`xsell_lab.data.schema` (the four required ones always, the others when
the data has them) plus the cleaning log of what validation repaired.

:func:`sales_lines` is the one wide table most analyses start from: every
order line with its order, customer and product attributes, revenue and
margin.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import CLEANING_LOG_COLUMNS, require_columns, validate_tables
from xsell_lab.exceptions import MissingTableError


@dataclass
class Company:
    """The canonical tables of one company.

    Attributes
    ----------
    customers, products, orders, order_lines : pandas.DataFrame
        Required tables (see :mod:`xsell_lab.data.schema` for their columns).
    marketing_events, offers, returns, surveys, weekly_sales, opt_outs, purchase_surveys, referrals, accounts, contacts : pandas.DataFrame or None
        Optional tables; ``None`` when the data does not have them.
    cleaning_log : pandas.DataFrame
        What validation repaired: columns ``table``, ``step``, ``rows``, ``detail``.
    sample : str
        What the data is a sample of, as its mapping declares (``sample:``):
        ``""`` (whole), ``"lines"``, ``"orders"`` or ``"customers"`` (see
        :data:`xsell_lab.data.mapping.SAMPLES`); the data profile reads it.
    """

    customers: pd.DataFrame
    products: pd.DataFrame
    orders: pd.DataFrame
    order_lines: pd.DataFrame
    marketing_events: pd.DataFrame | None = None
    offers: pd.DataFrame | None = None
    returns: pd.DataFrame | None = None
    surveys: pd.DataFrame | None = None
    weekly_sales: pd.DataFrame | None = None
    opt_outs: pd.DataFrame | None = None
    purchase_surveys: pd.DataFrame | None = None
    referrals: pd.DataFrame | None = None
    accounts: pd.DataFrame | None = None
    contacts: pd.DataFrame | None = None
    cleaning_log: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CLEANING_LOG_COLUMNS))
    sample: str = ""

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables that are present, by canonical name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name in s.TABLES and getattr(self, f.name) is not None
        }

    def require(self, *tables: str, purpose: str) -> None:
        """Stop with a clear message when an optional table this analysis needs is absent.

        Parameters
        ----------
        *tables : str
            Canonical table names, e.g. ``"offers"``.
        purpose : str
            What needs them, in words, e.g. ``"Notebook 08 (A/B testing of offers)"``.

        Raises
        ------
        MissingTableError
            Naming the missing tables, what they hold and the columns they need.
        """
        missing = [name for name in tables if getattr(self, name, None) is None or len(getattr(self, name)) == 0]
        if missing:
            details = "; ".join(
                f"'{name}' ({s.TABLES[name].description.lower()}: {', '.join(s.TABLES[name].column_names)})"
                for name in missing
            )
            raise MissingTableError(
                f"{purpose} needs the table(s) {details}, which this data does not have. "
                "Add the file(s) to the data folder (see README, 'Use your own data'), or use a notebook that does not need them."
            )

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame], *, date_format: str | None = None) -> Company:
        """Validate raw canonical tables and build a :class:`Company`.

        Parameters
        ----------
        tables : dict of str to pandas.DataFrame
            Tables by canonical name, with canonical column names. The four
            required tables must be present.
        date_format : str, optional
            Format of date columns when they are not ISO 8601.

        Raises
        ------
        DataValidationError
            When tables break the data model or refer to unknown ids, listing
            the problems of every table at once.
        """
        missing = [name for name in s.REQUIRED_TABLES if name not in tables]
        if missing:
            raise ValueError(
                f"Missing required table(s): {', '.join(missing)}. "
                f"Every analysis needs {', '.join(s.REQUIRED_TABLES)}."
            )
        unknown = [name for name in tables if name not in s.TABLES]
        if unknown:
            raise ValueError(f"Unknown table(s): {', '.join(unknown)}. Known tables: {', '.join(s.TABLES)}.")
        clean, cleaning_log = validate_tables(tables, {name: {"date_format": date_format} for name in tables})
        return cls(**clean, cleaning_log=cleaning_log)

    def subset(
        self,
        *,
        start: str | None = None,
        end: str | None = None,
        segment: str = "all",
        region: str = "all",
    ) -> Company:
        """The same company restricted to a date window and/or a customer group.

        Dated tables keep rows with ``start <= date <= end`` (``end`` is
        inclusive: the whole day). Customer filters keep the customers of the
        segment / region and every row that belongs to them. ``"all"`` (or
        ``None``) means no filter. Products are never filtered.

        Parameters
        ----------
        start, end : str, optional
            ISO dates, e.g. ``"2024-01-01"``.
        segment, region : str
            A value of ``customers.segment`` / ``customers.region``, or ``"all"``.

        Returns
        -------
        Company
            A new company; this one is unchanged.

        Raises
        ------
        ValueError
            When the segment or region does not exist (the message lists the
            values that do), or when nothing is left in the window.
        """
        customers = self.customers
        for column, value in ((s.SEGMENT, segment), (s.REGION, region)):
            if value in (None, "all"):
                continue
            known = sorted(customers[column].dropna().unique())
            if value not in known:
                raise ValueError(f"Unknown {column} '{value}' in table 'customers'. Known values: {', '.join(known)}, or 'all'.")
            customers = customers[customers[column] == value]
        low = pd.Timestamp(start) if start else None
        high = pd.Timestamp(end) + pd.Timedelta(days=1) if end else None
        kept = set(customers[s.CUSTOMER_ID])

        def window(frame: pd.DataFrame | None, date_column: str, by_customer: bool = True) -> pd.DataFrame | None:
            if frame is None:
                return None
            mask = pd.Series(True, index=frame.index)
            if low is not None:
                mask &= frame[date_column] >= low
            if high is not None:
                mask &= frame[date_column] < high
            if by_customer:
                mask &= frame[s.CUSTOMER_ID].isin(kept)
            return frame[mask].reset_index(drop=True)

        orders, offers = window(self.orders, s.ORDER_DATE), window(self.offers, s.OFFER_DATE)
        # what must be left: orders, or a campaign export's offers (it has no orders)
        what, dates, left = (
            ("orders", self.orders[s.ORDER_DATE], orders) if len(self.orders) or self.offers is None
            else ("offers", self.offers[s.OFFER_DATE], offers)
        )
        if left.empty:
            raise ValueError(
                f"No {what} left for start={start!r}, end={end!r}, segment={segment!r}, region={region!r}: "
                f"the data covers {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}."
            )
        order_ids = set(orders[s.ORDER_ID])
        lines = self.order_lines[self.order_lines[s.ORDER_ID].isin(order_ids)].reset_index(drop=True)
        returns = None
        if self.returns is not None:
            returns = self.returns[self.returns[s.ORDER_ID].isin(order_ids)].reset_index(drop=True)
        return Company(
            customers=customers.reset_index(drop=True),
            products=self.products,
            orders=orders,
            order_lines=lines,
            marketing_events=window(self.marketing_events, s.EVENT_DATE),
            offers=offers,
            returns=returns,
            surveys=window(self.surveys, s.SURVEY_DATE),
            weekly_sales=window(self.weekly_sales, s.WEEK_START, by_customer=False),
            opt_outs=window(self.opt_outs, s.OPT_OUT_DATE),
            purchase_surveys=None if self.purchase_surveys is None else window(
                self.purchase_surveys[self.purchase_surveys[s.ORDER_ID].isin(order_ids)], s.SURVEY_DATE, by_customer=False),
            referrals=window(self.referrals, s.REFERRAL_DATE),
            accounts=None if self.accounts is None else self.accounts[self.accounts[s.CUSTOMER_ID].isin(kept)].reset_index(drop=True),
            contacts=None if self.contacts is None else self.contacts[self.contacts[s.CUSTOMER_ID].isin(kept)].reset_index(drop=True),
            cleaning_log=self.cleaning_log,
            sample=self.sample,
        )

    def profile(self) -> pd.DataFrame:
        """What this data supports: :func:`xsell_lab.data.profile.profile` of this company."""
        from xsell_lab.data.profile import profile

        return profile(self)

    def summary(self) -> pd.DataFrame:
        """Rows, columns and date range of each table present.

        Returns
        -------
        pandas.DataFrame
            Indexed by table, columns ``rows``, ``columns``, ``first_date``,
            ``last_date`` (empty for tables without dates).
        """
        rows = []
        for name, frame in self.tables().items():
            dates = [c.name for c in s.TABLES[name].columns if c.kind == "date" and c.name in frame]
            first = frame[dates[0]].min() if dates else pd.NaT
            last = frame[dates[0]].max() if dates else pd.NaT
            rows.append({"table": name, "rows": len(frame), "columns": frame.shape[1], "first_date": first, "last_date": last})
        return pd.DataFrame(rows).set_index("table")


#: Columns of :func:`sales_lines`.
SALES_LINE_COLUMNS = [
    s.ORDER_ID,
    s.CUSTOMER_ID,
    s.ORDER_DATE,
    s.CHANNEL,
    s.PRODUCT_ID,
    s.PRODUCT_NAME,
    s.CATEGORY,
    s.TIER,
    s.QUANTITY,
    s.UNIT_PRICE,
    "revenue",
    "margin",
    s.REGION,
    s.SEGMENT,
]


def sales_lines(company: Company) -> pd.DataFrame:
    """Every order line with its order, product and customer attributes.

    ``revenue = quantity x unit_price`` and
    ``margin = quantity x (unit_price - unit_cost)`` (empty where the unit
    cost is unknown; :func:`xsell_lab.data.margins.with_assumed_margin` fills it
    from an explicitly assumed margin rate, and says so).

    Parameters
    ----------
    company : Company
        A validated company.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SALES_LINE_COLUMNS`, one row per order line, sorted by
        ``order_date`` then ``order_id`` then ``product_id``.
    """
    lines = company.order_lines.merge(company.orders, on=s.ORDER_ID, how="inner", validate="many_to_one")
    lines = lines.merge(
        company.products[[s.PRODUCT_ID, s.PRODUCT_NAME, s.CATEGORY, s.TIER, s.UNIT_COST]],
        on=s.PRODUCT_ID,
        how="left",
        validate="many_to_one",
    )
    lines = lines.merge(
        company.customers[[s.CUSTOMER_ID, s.REGION, s.SEGMENT]], on=s.CUSTOMER_ID, how="left", validate="many_to_one"
    )
    lines["revenue"] = lines[s.QUANTITY] * lines[s.UNIT_PRICE]
    lines["margin"] = lines[s.QUANTITY] * (lines[s.UNIT_PRICE] - lines[s.UNIT_COST])
    lines = lines.sort_values([s.ORDER_DATE, s.ORDER_ID, s.PRODUCT_ID], kind="stable").reset_index(drop=True)
    return lines[SALES_LINE_COLUMNS]


def kept_lines(company: Company) -> pd.DataFrame:
    """The order lines customers bought and kept: :func:`sales_lines` net of returns.

    This is the basis of every count in the lab (customers, orders, revenue,
    pairs): a sale that came back in full is not a sale, and a partly returned
    line counts its kept units (:func:`net_of_returns`). Data without a
    ``returns`` table gives :func:`sales_lines` unchanged.

    Parameters
    ----------
    company : Company
        A validated company.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SALES_LINE_COLUMNS`, one row per order line with units
        kept, sorted as :func:`sales_lines`.
    """
    return net_of_returns(sales_lines(company), company.returns).reset_index(drop=True)


def net_of_returns(lines: pd.DataFrame, returns: pd.DataFrame | None) -> pd.DataFrame:
    """The sales lines net of returns: what customers bought and kept.

    Each returned quantity is taken off the order line it came from (same
    ``order_id`` and ``product_id``; never more than the line's units), and
    ``revenue`` and ``margin`` shrink in proportion. A line returned in full
    is dropped: an order cancelled the day it was placed is not a sale, and a
    huge order that came back must not set the value of a product. Returns
    that match no line are ignored.

    Parameters
    ----------
    lines : pandas.DataFrame
        :func:`sales_lines`; needs ``order_id``, ``product_id``,
        ``quantity``, ``revenue`` (and ``margin`` when present).
    returns : pandas.DataFrame or None
        The canonical ``returns`` table (``order_id``, ``product_id``,
        ``quantity``); ``None`` or empty returns ``lines`` unchanged (a copy).

    Returns
    -------
    pandas.DataFrame
        The columns of ``lines``, with ``quantity``, ``revenue`` and ``margin``
        net of returns, without the lines returned in full; same row order.
    """
    if returns is None or returns.empty:
        return lines.copy()
    require_columns(lines, [s.ORDER_ID, s.PRODUCT_ID, s.QUANTITY, "revenue"], "sales_lines")
    require_columns(returns, [s.ORDER_ID, s.PRODUCT_ID, s.QUANTITY], s.RETURNS)
    returned = returns.groupby([s.ORDER_ID, s.PRODUCT_ID], as_index=False)[s.QUANTITY].sum()
    returned = returned.rename(columns={s.QUANTITY: "_returned"})
    merged = lines.merge(returned, on=[s.ORDER_ID, s.PRODUCT_ID], how="left", validate="many_to_one")
    # a line split in two (same product twice in one order) loses its returned units first on its first rows
    already = merged.groupby([s.ORDER_ID, s.PRODUCT_ID])[s.QUANTITY].cumsum() - merged[s.QUANTITY]
    taken = (merged["_returned"].fillna(0) - already).clip(lower=0).clip(upper=merged[s.QUANTITY])
    kept = (merged[s.QUANTITY] - taken) / merged[s.QUANTITY]
    net = lines.copy()
    net[s.QUANTITY] = (merged[s.QUANTITY] - taken).astype(lines[s.QUANTITY].dtype).to_numpy()
    for money in ["revenue", "margin"]:
        if money in net:
            net[money] = net[money] * kept.to_numpy()
    return net[net[s.QUANTITY].to_numpy() > 0]
