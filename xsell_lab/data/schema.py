"""The canonical data model: table and column names, types and rules.

Every analysis in xsell-lab reads the same eleven tables. This module names
their columns once (as constants, so a typo is an ``AttributeError`` and not a
silent ``KeyError`` three notebooks later) and describes each table's contract:
column types, which columns may be empty, allowed values and ranges, the
primary key and the foreign keys between tables.

The contract is *checked* by :mod:`xsell_lab.data.validation`; this module only
describes it, so that the documentation, the loader, the synthetic company and
the validation all read from one place.

Tables
------
customers
    One row per customer: ``customer_id`` (key), ``signup_date``, ``region``,
    ``segment``, ``acquisition_channel``, ``preferred_channel``,
    ``marketing_consent`` (may we send offers at all).
products
    One row per product: ``product_id`` (key), ``product_name``,
    ``category``, ``tier`` (basic < standard < premium, the up-sell ladder),
    ``price`` (list price), ``unit_cost``; optional product roles
    ``requires`` (the category a customer must own for the product to be of
    use: a case needs its device) and ``repeatable`` (bought again and again:
    owning one is no reason not to offer it). Where the roles are empty,
    :mod:`xsell_lab.catalogue` derives them from purchase behaviour.
orders
    One row per order (basket): ``order_id`` (key), ``customer_id``,
    ``order_date``, ``channel`` (where it was bought).
order_lines
    One row per product in an order: ``order_id``, ``product_id`` (together
    the key), ``quantity`` (> 0), ``unit_price`` (price actually paid).
marketing_events
    Touches before and around purchases: ``customer_id``, ``event_date``,
    ``event_type`` (awareness, consideration, site_visit, support, referral),
    ``channel``, ``product_id`` (the product concerned, may be empty).
offers
    Who was offered what, in which experiment arm, and what came of it:
    ``offer_id`` (key), ``customer_id``, ``product_id``, ``offer_date``,
    ``experiment_id``, ``variant``, ``channel``, ``accepted``, ``revenue``.
returns
    Products sent back: ``order_id``, ``product_id``, ``return_date``,
    ``quantity`` (> 0), ``reason``.
surveys
    Satisfaction surveys: ``customer_id``, ``survey_date``, ``nps_score``
    (0-10, "How likely are you to recommend us?").
weekly_sales
    Weekly price and units per product, for price elasticity:
    ``week_start``, ``product_id`` (together the key), ``price``, ``units``,
    ``on_promotion``.
accounts
    Business customers served as accounts: ``customer_id`` (key), ``rep``
    (the seller's relationship owner).
contacts
    The key people of each account: ``contact_id`` (key), ``customer_id``,
    ``role`` (buyer, user, finance, IT), ``reached`` (the rep has a working
    relationship with this person).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# --- column names ---------------------------------------------------------
CUSTOMER_ID = "customer_id"
SIGNUP_DATE = "signup_date"
REGION = "region"
SEGMENT = "segment"
ACQUISITION_CHANNEL = "acquisition_channel"
PREFERRED_CHANNEL = "preferred_channel"
MARKETING_CONSENT = "marketing_consent"

PRODUCT_ID = "product_id"
PRODUCT_NAME = "product_name"
CATEGORY = "category"
TIER = "tier"
PRICE = "price"
UNIT_COST = "unit_cost"
REQUIRES = "requires"
REPEATABLE = "repeatable"

ORDER_ID = "order_id"
ORDER_DATE = "order_date"
CHANNEL = "channel"

QUANTITY = "quantity"
UNIT_PRICE = "unit_price"

EVENT_DATE = "event_date"
EVENT_TYPE = "event_type"

OFFER_ID = "offer_id"
OFFER_DATE = "offer_date"
EXPERIMENT_ID = "experiment_id"
VARIANT = "variant"
ACCEPTED = "accepted"
REVENUE = "revenue"

RETURN_DATE = "return_date"
REASON = "reason"

SURVEY_DATE = "survey_date"
NPS_SCORE = "nps_score"

WEEK_START = "week_start"
UNITS = "units"
ON_PROMOTION = "on_promotion"

REP = "rep"
CONTACT_ID = "contact_id"
ROLE = "role"
REACHED = "reached"

# --- table names ----------------------------------------------------------
CUSTOMERS = "customers"
PRODUCTS = "products"
ORDERS = "orders"
ORDER_LINES = "order_lines"
MARKETING_EVENTS = "marketing_events"
OFFERS = "offers"
RETURNS = "returns"
SURVEYS = "surveys"
WEEKLY_SALES = "weekly_sales"
ACCOUNTS = "accounts"
CONTACTS = "contacts"

# --- controlled vocabularies ----------------------------------------------
TIERS = ("basic", "standard", "premium")
EVENT_TYPES = ("awareness", "consideration", "site_visit", "support", "referral")
LIFECYCLE_STAGES = (
    "awareness",
    "consideration",
    "purchase",
    "retention",
    "loyalty",
    "advocacy",
)
#: Roles of an account's contacts (Miller & Heiman's buying influences, in plain words).
CONTACT_ROLES = ("buyer", "user", "finance", "IT")
#: The roles that decide a purchase: the budget holder and the person who signs the order.
DECISION_ROLES = ("buyer", "finance")
#: Item levels an analysis can work at (its ``level`` parameter) and the column each reads.
ITEM_LEVELS = {"category": CATEGORY, "product": PRODUCT_ID}


def item_column(level: str) -> str:
    """The column of the sales lines that holds items at ``level`` (see :data:`ITEM_LEVELS`).

    Raises
    ------
    ValueError
        For a level not in :data:`ITEM_LEVELS`.
    """
    if level not in ITEM_LEVELS:
        raise ValueError(f"level must be one of {', '.join(map(repr, ITEM_LEVELS))}; got {level!r}")
    return ITEM_LEVELS[level]


@dataclass(frozen=True)
class ColumnSpec:
    """One column's contract.

    Parameters
    ----------
    name : str
        Canonical column name.
    kind : {"id", "text", "date", "float", "int", "bool"}
        Logical type. ``id`` columns are read as text so that ``"00123"``
        keeps its zeros.
    nullable : bool
        Whether empty values are allowed.
    minimum, maximum : float, optional
        Inclusive bounds for numbers.
    strictly_positive : bool
        For numbers: values must be > 0 (quantities, list prices).
    allowed : tuple of str, optional
        The only values allowed (a controlled vocabulary).
    description : str
        What the column means, in business words.
    """

    name: str
    kind: str
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    strictly_positive: bool = False
    allowed: tuple[str, ...] | None = None
    description: str = ""


@dataclass(frozen=True)
class ForeignKey:
    """``column`` of this table must exist in ``ref_table.ref_column``."""

    column: str
    ref_table: str
    ref_column: str


@dataclass(frozen=True)
class TableSpec:
    """One table's contract: its columns, primary key and foreign keys."""

    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        """The canonical column names, in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        """The spec of column ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"Table '{self.name}' has no column '{name}'.")


def _fk(column: str, table: str) -> ForeignKey:
    return ForeignKey(column, table, column)


TABLES: dict[str, TableSpec] = {
    CUSTOMERS: TableSpec(
        CUSTOMERS,
        (
            ColumnSpec(CUSTOMER_ID, "id", description="Customer identifier"),
            ColumnSpec(SIGNUP_DATE, "date", nullable=True, description="First contact / account creation"),
            ColumnSpec(REGION, "text", nullable=True, description="Sales region"),
            ColumnSpec(SEGMENT, "text", nullable=True, description="Customer segment"),
            ColumnSpec(ACQUISITION_CHANNEL, "text", nullable=True, description="Channel that brought the customer"),
            ColumnSpec(PREFERRED_CHANNEL, "text", nullable=True, description="Channel the customer prefers to be contacted on"),
            ColumnSpec(MARKETING_CONSENT, "bool", nullable=True, description="True if the customer agreed to receive offers; empty = unknown, treated as no consent"),
        ),
        key=(CUSTOMER_ID,),
        description="One row per customer",
    ),
    PRODUCTS: TableSpec(
        PRODUCTS,
        (
            ColumnSpec(PRODUCT_ID, "id", description="Product identifier (SKU)"),
            ColumnSpec(PRODUCT_NAME, "text", description="Name shown to customers"),
            ColumnSpec(CATEGORY, "text", description="Product category"),
            ColumnSpec(TIER, "text", nullable=True, allowed=TIERS, description="Up-sell ladder: basic < standard < premium"),
            ColumnSpec(PRICE, "float", strictly_positive=True, description="List price"),
            ColumnSpec(UNIT_COST, "float", nullable=True, minimum=0, description="Cost of one unit to the company"),
            ColumnSpec(REQUIRES, "text", nullable=True, description="Category a customer must own for the product to be of use (a case needs its device); empty = stands alone or unknown"),
            ColumnSpec(REPEATABLE, "bool", nullable=True, description="True if customers buy it again and again (consumables): owning one is no reason not to offer it; empty = unknown"),
        ),
        key=(PRODUCT_ID,),
        foreign_keys=(ForeignKey(REQUIRES, PRODUCTS, CATEGORY),),
        description="One row per product",
    ),
    ORDERS: TableSpec(
        ORDERS,
        (
            ColumnSpec(ORDER_ID, "id", description="Order (basket) identifier"),
            ColumnSpec(CUSTOMER_ID, "id", description="Who ordered"),
            ColumnSpec(ORDER_DATE, "date", description="When the order was placed"),
            ColumnSpec(CHANNEL, "text", nullable=True, description="Where it was placed (store, web, app, phone)"),
        ),
        key=(ORDER_ID,),
        foreign_keys=(_fk(CUSTOMER_ID, CUSTOMERS),),
        description="One row per order",
    ),
    ORDER_LINES: TableSpec(
        ORDER_LINES,
        (
            ColumnSpec(ORDER_ID, "id", description="Order the line belongs to"),
            ColumnSpec(PRODUCT_ID, "id", description="Product bought"),
            ColumnSpec(QUANTITY, "int", strictly_positive=True, description="Units bought (> 0; returns go to the returns table)"),
            ColumnSpec(UNIT_PRICE, "float", minimum=0, description="Price paid per unit"),
        ),
        key=(ORDER_ID, PRODUCT_ID),
        foreign_keys=(_fk(ORDER_ID, ORDERS), _fk(PRODUCT_ID, PRODUCTS)),
        description="One row per product in an order",
    ),
    MARKETING_EVENTS: TableSpec(
        MARKETING_EVENTS,
        (
            ColumnSpec(CUSTOMER_ID, "id", description="Who was touched"),
            ColumnSpec(EVENT_DATE, "date", description="When"),
            ColumnSpec(EVENT_TYPE, "text", allowed=EVENT_TYPES, description="Kind of touch"),
            ColumnSpec(CHANNEL, "text", description="Channel of the touch"),
            ColumnSpec(PRODUCT_ID, "id", nullable=True, description="Product concerned, if any"),
        ),
        foreign_keys=(_fk(CUSTOMER_ID, CUSTOMERS), _fk(PRODUCT_ID, PRODUCTS)),
        description="Marketing and service touches",
    ),
    OFFERS: TableSpec(
        OFFERS,
        (
            ColumnSpec(OFFER_ID, "id", description="Offer identifier"),
            ColumnSpec(CUSTOMER_ID, "id", description="Who received the offer"),
            ColumnSpec(PRODUCT_ID, "id", description="Product offered"),
            ColumnSpec(OFFER_DATE, "date", description="When it was sent"),
            ColumnSpec(EXPERIMENT_ID, "id", description="Experiment (campaign test) it belongs to"),
            ColumnSpec(VARIANT, "text", description="Arm of the experiment ('control' gets no offer)"),
            ColumnSpec(CHANNEL, "text", description="Channel used"),
            ColumnSpec(ACCEPTED, "bool", description="True if the customer bought the product within the response window"),
            ColumnSpec(REVENUE, "float", minimum=0, description="Revenue from the response"),
        ),
        key=(OFFER_ID,),
        foreign_keys=(_fk(CUSTOMER_ID, CUSTOMERS), _fk(PRODUCT_ID, PRODUCTS)),
        description="Offers and experiment arms",
    ),
    RETURNS: TableSpec(
        RETURNS,
        (
            ColumnSpec(ORDER_ID, "id", description="Order the product came from"),
            ColumnSpec(PRODUCT_ID, "id", description="Product returned"),
            ColumnSpec(RETURN_DATE, "date", description="When it came back"),
            ColumnSpec(QUANTITY, "int", strictly_positive=True, description="Units returned"),
            ColumnSpec(REASON, "text", nullable=True, description="Why"),
        ),
        foreign_keys=(_fk(ORDER_ID, ORDERS), _fk(PRODUCT_ID, PRODUCTS)),
        description="Returned products",
    ),
    SURVEYS: TableSpec(
        SURVEYS,
        (
            ColumnSpec(CUSTOMER_ID, "id", description="Who answered"),
            ColumnSpec(SURVEY_DATE, "date", description="When"),
            ColumnSpec(NPS_SCORE, "int", minimum=0, maximum=10, description="0-10 likelihood to recommend"),
        ),
        foreign_keys=(_fk(CUSTOMER_ID, CUSTOMERS),),
        description="Satisfaction / NPS survey answers",
    ),
    WEEKLY_SALES: TableSpec(
        WEEKLY_SALES,
        (
            ColumnSpec(WEEK_START, "date", description="Monday of the week"),
            ColumnSpec(PRODUCT_ID, "id", description="Product"),
            ColumnSpec(PRICE, "float", strictly_positive=True, description="Average shelf price that week"),
            ColumnSpec(UNITS, "int", minimum=0, description="Units sold that week"),
            ColumnSpec(ON_PROMOTION, "bool", description="Featured in a promotion that week"),
        ),
        key=(WEEK_START, PRODUCT_ID),
        foreign_keys=(_fk(PRODUCT_ID, PRODUCTS),),
        description="Weekly price and units per product",
    ),
    ACCOUNTS: TableSpec(
        ACCOUNTS,
        (
            ColumnSpec(CUSTOMER_ID, "id", description="The business customer served as an account"),
            ColumnSpec(REP, "text", description="The seller's relationship owner"),
        ),
        key=(CUSTOMER_ID,),
        foreign_keys=(_fk(CUSTOMER_ID, CUSTOMERS),),
        description="Business accounts and their relationship owners",
    ),
    CONTACTS: TableSpec(
        CONTACTS,
        (
            ColumnSpec(CONTACT_ID, "id", description="Contact identifier"),
            ColumnSpec(CUSTOMER_ID, "id", description="The account the person works for"),
            ColumnSpec(ROLE, "text", allowed=CONTACT_ROLES, description="Role in the account's buying"),
            ColumnSpec(REACHED, "bool", description="True if the rep has a working relationship with this person"),
        ),
        key=(CONTACT_ID,),
        foreign_keys=(_fk(CUSTOMER_ID, CUSTOMERS),),
        description="Key people of each account and whether the rep reaches them",
    ),
}

# after the offer (issue 15): opt-outs, post-purchase surveys, referrals
OPT_OUTS = "opt_outs"
PURCHASE_SURVEYS = "purchase_surveys"
REFERRALS = "referrals"
OPT_OUT_DATE = "opt_out_date"
REFERRER_ID = "referrer_id"
REFERRAL_DATE = "referral_date"
#: Reasons in the ``opt_outs`` table.
OPT_OUT_REASONS = ("unsubscribe", "complaint")
TABLES[OPT_OUTS] = TableSpec(
    OPT_OUTS,
    (
        ColumnSpec(CUSTOMER_ID, "id", description="Who opted out"),
        ColumnSpec(OPT_OUT_DATE, "date", description="When"),
        ColumnSpec(REASON, "text", allowed=OPT_OUT_REASONS, description="'unsubscribe' (no more offers) or 'complaint' (about being contacted)"),
    ),
    foreign_keys=(_fk(CUSTOMER_ID, CUSTOMERS),),
    description="Customers who unsubscribed from offers or complained about them",
)
TABLES[PURCHASE_SURVEYS] = TableSpec(
    PURCHASE_SURVEYS,
    (
        ColumnSpec(ORDER_ID, "id", description="Order of the purchase asked about"),
        ColumnSpec(PRODUCT_ID, "id", description="Product asked about"),
        ColumnSpec(SURVEY_DATE, "date", description="When"),
        ColumnSpec(NPS_SCORE, "int", minimum=0, maximum=10, description="0-10 likelihood to recommend, after this purchase"),
    ),
    foreign_keys=(_fk(ORDER_ID, ORDERS), _fk(PRODUCT_ID, PRODUCTS)),
    description="Post-purchase survey answers about one product of one order",
)
TABLES[REFERRALS] = TableSpec(
    REFERRALS,
    (
        ColumnSpec(REFERRER_ID, "id", description="The customer who recommended us"),
        ColumnSpec(CUSTOMER_ID, "id", description="The customer they brought"),
        ColumnSpec(REFERRAL_DATE, "date", description="When the recommendation was made"),
    ),
    key=(CUSTOMER_ID,),
    foreign_keys=(ForeignKey(REFERRER_ID, CUSTOMERS, CUSTOMER_ID), _fk(CUSTOMER_ID, CUSTOMERS)),
    description="Who referred whom (one referrer per referred customer)",
)

#: Tables every analysis needs; the others are optional.
REQUIRED_TABLES = (CUSTOMERS, PRODUCTS, ORDERS, ORDER_LINES)
#: A campaign export: customers and the offers of a test load without orders (the sales tables are then empty).
CAMPAIGN_TABLES = (CUSTOMERS, OFFERS)


class DataModelTable(pd.DataFrame):
    """The data model table of :func:`describe_tables`: a DataFrame that prints in full.

    ``print(describe_tables())`` shows every row, column and description, where pandas would
    elide some with ``...``. Selections and copies are plain DataFrames again, shown as usual.
    """

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def __repr__(self) -> str:
        text = self.astype(str)
        widths = {name: max(len(name), *text[name].str.len()) for name in text.columns}
        left = {name: f"{{:<{width}}}".format for name, width in widths.items()}
        lines = text.to_string(index=False, justify="left", formatters=left).splitlines()
        return "\n".join(line.rstrip() for line in lines)


def describe_tables() -> DataModelTable:
    """The data model as a table, one row per column, for notebooks and docs.

    Returns
    -------
    DataModelTable
        A DataFrame with columns ``table``, ``column``, ``type``, ``required``, ``rule``,
        ``description``, whose printed form is complete (no ``...``).
    """
    rows = []
    for table in TABLES.values():
        for col in table.columns:
            rows.append(
                {
                    "table": table.name,
                    "column": col.name,
                    "type": col.kind,
                    "required": not col.nullable,
                    "rule": _rule_text(col),
                    "description": col.description,
                }
            )
    return DataModelTable(rows)


def _rule_text(col: ColumnSpec) -> str:
    rules = []
    if col.strictly_positive:
        rules.append("> 0")
    if col.minimum is not None:
        rules.append(f">= {col.minimum:g}")
    if col.maximum is not None:
        rules.append(f"<= {col.maximum:g}")
    if col.allowed:
        rules.append("one of " + ", ".join(col.allowed))
    return "; ".join(rules)
