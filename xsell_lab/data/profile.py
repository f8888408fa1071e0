"""What a company's data supports, and what it would take to support the rest.

Every notebook section needs something of the data: two or more categories to count
cross-buying between them, unit costs to speak of margin, an experiment with a control
arm to measure uplift. :func:`profile` checks each of these *capabilities* once and says,
per capability, whether the data supports it, what the data has, what is needed and how to
add it. A notebook section asks :func:`supports` and, when the answer is no, prints
:func:`skip_message` (one plain sentence) instead of failing deep inside pandas.

:func:`require_minimum` is the stricter check a notebook makes in its first cell: the
least it needs to run at all (customers, repeat buyers, orders, categories, days of
history), with one message naming need against have.

:func:`default_level` and :func:`period` are the two choices most notebooks derive from
the data: the item level (categories when there are at least two, else products) and
the period analysed (the data's own first and last order days).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.exceptions import InsufficientDataError

#: Columns of :func:`profile`.
PROFILE_COLUMNS = ["capability", "supported", "have", "need", "how_to_add"]

#: Repeat buyers a model of repeat purchase (BG/NBD, propensity) needs at the least.
MIN_REPEAT_BUYERS = 30
#: Days of order history below which trends, holdouts and lifetimes are not measured.
MIN_HISTORY_DAYS = 180


@dataclass(frozen=True)
class Capability:
    """One thing an analysis may need of the data.

    Attributes
    ----------
    name : str
        Short key, e.g. ``"categories"``.
    need : str
        What is needed, in words ("two or more product categories").
    how_to_add : str
        Where it comes from in an export, in words.
    measure : callable
        ``measure(company) -> (supported, have)``: whether the data has it, and what it
        has, in words.
    """

    name: str
    need: str
    how_to_add: str
    measure: Callable


def _distinct(frame: pd.DataFrame | None, column: str) -> list:
    if frame is None or column not in frame:
        return []
    values = frame[column].dropna().astype(str).str.strip()
    return sorted(set(values[values != ""]))


def _several(frame: pd.DataFrame | None, column: str, noun: str, at_least: int = 2) -> tuple[bool, str]:
    values = _distinct(frame, column)
    if not values:
        return False, f"no {noun}"
    if len(values) == 1:
        return at_least <= 1, f"a single value of {column} ({values[0]})"
    shown = ", ".join(values[:4]) + (", ..." if len(values) > 4 else "")
    return len(values) >= at_least, f"{len(values):,} {noun} ({shown})"


def _categories(company) -> tuple[bool, str]:
    """Categories of the products sold (a catalogue category nobody bought cannot be cross-sold); the catalogue's count besides."""
    products = company.products
    sold = products[products[s.PRODUCT_ID].isin(company.order_lines[s.PRODUCT_ID])] if s.PRODUCT_ID in products else products
    supported, have = _several(sold, s.CATEGORY, "categories sold")
    listed = len(_distinct(products, s.CATEGORY))
    sold_count = len(_distinct(sold, s.CATEGORY))
    return supported, have + (f" of {listed:,} in the catalogue" if listed > sold_count and sold_count > 1 else "")


def _filled(frame: pd.DataFrame | None, column: str, rows: str) -> tuple[bool, str]:
    if frame is None or column not in frame or len(frame) == 0 or frame[column].isna().all():
        return False, f"no {column}"
    filled = int(frame[column].notna().sum())
    return filled == len(frame), f"{column} for {filled:,} of {len(frame):,} {rows}"


def _accounts(company) -> tuple[bool, str]:
    if company.accounts is None or company.contacts is None:
        return False, "no accounts or no contacts table"
    with_contacts = company.accounts[s.CUSTOMER_ID].isin(company.contacts[s.CUSTOMER_ID]).sum()
    return bool(with_contacts), f"{with_contacts:,} accounts with contacts"


def _rows(frame: pd.DataFrame | None, noun: str) -> tuple[bool, str]:
    rows = 0 if frame is None else len(frame)
    return rows > 0, f"{rows:,} {noun}" if rows else f"no {noun}"


def _repeat_buyers(company) -> tuple[bool, str]:
    orders_per_customer = company.orders.groupby(s.CUSTOMER_ID)[s.ORDER_ID].nunique()
    repeat = int((orders_per_customer >= 2).sum())
    return repeat >= MIN_REPEAT_BUYERS, f"{repeat:,} of {len(orders_per_customer):,} buying customers ordered twice or more"


def _history(company) -> tuple[bool, str]:
    if len(company.orders) == 0:
        return False, "no orders (a campaign export)"
    first, last = period(company)
    days = (last - first).days + 1
    return days >= MIN_HISTORY_DAYS, f"{days:,} days of orders ({first:%Y-%m-%d} to {last:%Y-%m-%d})"


def _products_sold(company) -> tuple[bool, str]:
    sold = company.order_lines[s.PRODUCT_ID].dropna().astype(str).nunique()
    return sold >= 2, f"{sold:,} product{'s' if sold != 1 else ''} sold"


def _experiments(company) -> tuple[bool, str]:
    offers = company.offers
    if offers is None or len(offers) == 0:
        return False, "no offers table"
    arms = offers.groupby(s.EXPERIMENT_ID)[s.VARIANT].agg(lambda v: set(v.astype(str)))
    randomised = [name for name, variants in arms.items() if "control" in variants and len(variants) >= 2]
    return bool(randomised), f"{len(randomised):,} of {len(arms):,} experiments with a control arm and another arm"


def _weekly_prices(company) -> tuple[bool, str]:
    weekly = company.weekly_sales
    if weekly is None or len(weekly) == 0:
        return False, "no weekly_sales table"
    varied = int((weekly.groupby(s.PRODUCT_ID)[s.PRICE].nunique() >= 2).sum())
    return varied > 0, f"{varied:,} products whose weekly price changed"


def _whole_baskets(company) -> tuple[bool, str]:
    sample = getattr(company, "sample", "")
    if len(company.order_lines) == 0:
        return False, "no order lines"
    if sample == "lines":
        return False, "a sample of order lines (the mapping says sample: lines)"
    return True, "every line of each order" + (f" (a sample of {sample}, each with all its lines)" if sample else "")


def _roles(company) -> tuple[bool, str]:
    products = company.products
    filled = [column for column in (s.REQUIRES, s.REPEATABLE) if column in products and products[column].notna().any()]
    if not filled:
        return False, "no product roles (they are derived from purchases)"
    return True, "products." + " and products.".join(filled)


#: Every capability the notebooks ask about, in the order :func:`profile` lists them.
CAPABILITIES = {
    capability.name: capability
    for capability in [
        Capability("history", f"at least {MIN_HISTORY_DAYS} days of orders", "orders.order_date over a longer export",
                   _history),
        Capability("repeat_buyers", f"at least {MIN_REPEAT_BUYERS} customers with two or more orders",
                   "a longer period, or the customer id on every order", _repeat_buyers),
        Capability("products", "two or more products sold", "the product id on every order line (one product per line)",
                   _products_sold),
        Capability("whole_baskets", "every line of each order (not a sample of lines)",
                   "the full order-line export instead of a sample of lines", _whole_baskets),
        Capability("categories", "two or more product categories", "a category column in the products file",
                   _categories),
        Capability("costs", "a unit cost for every product", "a unit_cost column in the products file",
                   lambda c: _filled(c.products, s.UNIT_COST, "products")),
        Capability("tiers", "two or more product tiers", "a tier column (basic, standard, premium) in the products file",
                   lambda c: _several(c.products, s.TIER, "tiers")),
        Capability("product_roles", "products.requires or products.repeatable",
                   "requires / repeatable columns in the products file", _roles),
        Capability("segments", "two or more customer segments", "a segment column in the customers file",
                   lambda c: _several(c.customers, s.SEGMENT, "segments")),
        Capability("regions", "two or more customer regions", "a region column in the customers file",
                   lambda c: _several(c.customers, s.REGION, "regions")),
        Capability("acquisition_channels", "two or more acquisition channels",
                   "an acquisition_channel column in the customers file",
                   lambda c: _several(c.customers, s.ACQUISITION_CHANNEL, "acquisition channels")),
        Capability("preferred_channels", "a preferred channel for the customers",
                   "a preferred_channel column in the customers file",
                   lambda c: _several(c.customers, s.PREFERRED_CHANNEL, "preferred channels", at_least=1)),
        Capability("consent", "marketing consent for every customer", "a marketing_consent column in the customers file",
                   lambda c: _filled(c.customers, s.MARKETING_CONSENT, "customers")),
        Capability("order_channels", "two or more purchase channels", "a channel column in the orders file",
                   lambda c: _several(c.orders, s.CHANNEL, "purchase channels")),
        Capability("experiments", "an offer experiment with a control arm", "an offers file (see README, the data model)",
                   _experiments),
        Capability("marketing_events", "marketing events (touches before purchase)", "a marketing_events file",
                   lambda c: _rows(c.marketing_events, "marketing events")),
        Capability("surveys", "survey answers (NPS)", "a surveys file", lambda c: _rows(c.surveys, "survey answers")),
        Capability("returns", "returned order lines", "a returns file", lambda c: _rows(c.returns, "returns")),
        Capability("weekly_prices", "weekly prices that change", "a weekly_sales file", _weekly_prices),
        Capability("opt_outs", "unsubscribes or complaints after offers", "an opt_outs file (customer_id, opt_out_date, reason)",
                   lambda c: _rows(c.opt_outs, "opt-outs")),
        Capability("purchase_surveys", "post-purchase survey answers about order lines",
                   "a purchase_surveys file (order_id, product_id, survey_date, nps_score)",
                   lambda c: _rows(c.purchase_surveys, "post-purchase answers")),
        Capability("referrals", "who referred whom", "a referrals file (referrer_id, customer_id, referral_date)",
                   lambda c: _rows(c.referrals, "referrals")),
        Capability("accounts", "business accounts with their contacts' roles", "an accounts file and a contacts file",
                   _accounts),
    ]
}


def profile(company) -> pd.DataFrame:
    """What the data supports, capability by capability.

    Parameters
    ----------
    company : xsell_lab.data.company.Company

    Returns
    -------
    pandas.DataFrame
        :data:`PROFILE_COLUMNS`, one row per capability of :data:`CAPABILITIES`:
        ``supported`` (bool), ``have`` (what the data has, in words), ``need`` and
        ``how_to_add``.
    """
    rows = []
    for capability in CAPABILITIES.values():
        supported, have = capability.measure(company)
        rows.append([capability.name, bool(supported), have, capability.need, capability.how_to_add])
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)


def _row(profile_table: pd.DataFrame, capability: str) -> pd.Series:
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}; known: {', '.join(CAPABILITIES)}")
    return profile_table.set_index("capability").loc[capability]


def supports(profile_table: pd.DataFrame, *capabilities: str) -> bool:
    """Whether the data supports every one of ``capabilities`` (names of :data:`CAPABILITIES`)."""
    return all(bool(_row(profile_table, name)["supported"]) for name in capabilities)


def skip_message(profile_table: pd.DataFrame, section: str, *capabilities: str) -> str:
    """One plain sentence saying why ``section`` does not run on this data, and how to make it run.

    Example: ``"Skipped: the cross-sell rate by segment needs two or more customer segments;
    this data has no segments. To run it, add a segment column in the customers file."``
    Empty when every capability is supported.
    """
    missing = [_row(profile_table, name) for name in capabilities if not _row(profile_table, name)["supported"]]
    if not missing:
        return ""
    needs = " and ".join(row["need"] for row in missing)
    haves = "; ".join(row["have"] for row in missing)
    adds = "; ".join(row["how_to_add"] for row in missing)
    return f"Skipped: {section} needs {needs}; this data has {haves}. To run it, add {adds}."


def period(company) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and the last order day of the data (of a campaign export without orders: the first and last offer day)."""
    dates = company.orders[s.ORDER_DATE]
    if dates.isna().all() and company.offers is not None and company.offers[s.OFFER_DATE].notna().any():
        dates = company.offers[s.OFFER_DATE]
    return dates.min().normalize(), dates.max().normalize()


def period_source(company) -> str:
    """What :func:`period` read, in words for a sentence: ``"order days"`` or, for a campaign export, ``"offer days: it has no orders"``."""
    return "order days" if len(company.orders) else "offer days: it has no orders"


def default_level(company) -> str:
    """``"category"`` when the products have two or more categories, else ``"product"``."""
    return "category" if len(_distinct(company.products, s.CATEGORY)) >= 2 else "product"


def require_minimum(
    company,
    purpose: str,
    *,
    customers: int = 1,
    repeat_buyers: int = 0,
    orders: int = 1,
    categories: int = 0,
    history_days: int = 0,
) -> None:
    """Stop at once, with one message, when the data is below what ``purpose`` needs to run at all.

    Parameters
    ----------
    company : xsell_lab.data.company.Company
    purpose : str
        Who needs it, e.g. ``"Notebook 07 (customer lifetime value)"``.
    customers, repeat_buyers, orders, categories, history_days : int
        The least number of buying customers, customers with two or more orders,
        orders, distinct categories and days between the first and last order.

    Raises
    ------
    InsufficientDataError
        Naming, for each shortfall, what is needed and what the data has.
    """
    per_customer = company.orders.groupby(s.CUSTOMER_ID)[s.ORDER_ID].nunique()
    first, last = period(company) if len(company.orders) else (pd.NaT, pd.NaT)
    have = {
        "buying customers": (customers, len(per_customer)),
        "customers with two or more orders": (repeat_buyers, int((per_customer >= 2).sum())),
        "orders": (orders, company.orders[s.ORDER_ID].nunique()),
        "product categories": (categories, len(_distinct(company.products, s.CATEGORY))),
        "days of order history": (history_days, (last - first).days + 1 if len(company.orders) else 0),
    }
    short = [f"{need:,} {what} (this data has {has:,})" for what, (need, has) in have.items() if has < need]
    if short:
        raise InsufficientDataError(f"{purpose} needs at least " + "; ".join(short) + ". Use a longer or larger export.")
