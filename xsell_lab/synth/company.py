"""Northwind Tech, whole: every simulation stage in order, the tables, and the planted truth.

:func:`generate_company` draws customers and their funnel
(:mod:`~xsell_lab.synth.customers`), order times and baskets
(:mod:`~xsell_lab.synth.orders`), weekly sales (:mod:`~xsell_lab.synth.weekly_sales`),
marketing events (:mod:`~xsell_lab.synth.events`), returns and surveys
(:mod:`~xsell_lab.synth.aftersales`) and the offer experiments
(:mod:`~xsell_lab.synth.offers`), turns person indices and day offsets into the
canonical tables, and returns them with the ground truth
(:mod:`~xsell_lab.synth.truth`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.company import Company
from xsell_lab.synth.accounts import accounts_truth, simulate_accounts
from xsell_lab.synth.aftersales import simulate_returns, simulate_surveys
from xsell_lab.synth.customers import simulate_people
from xsell_lab.synth.events import simulate_marketing_events, simulate_referrals
from xsell_lab.synth.feedback import simulate_campaign_opt_outs, simulate_opt_outs, simulate_purchase_surveys
from xsell_lab.synth.offers import simulate_offers
from xsell_lab.synth.orders import (
    shelf_prices,
    simulate_baskets,
    simulate_order_schedule,
)
from xsell_lab.synth.products import products_table
from xsell_lab.synth.referrals import simulate_referral_links
from xsell_lab.synth.truth import ground_truth
from xsell_lab.synth.uplift_test import simulate_uplift_campaign
from xsell_lab.synth.weekly_sales import simulate_weekly_sales
from xsell_lab.synth.world import (
    DEFAULT_END,
    DEFAULT_N_CUSTOMERS,
    DEFAULT_SEED,
    DEFAULT_START,
    FUNNEL_HORIZON_DAYS,
)


def generate_company(
    seed: int = DEFAULT_SEED,
    n_customers: int = DEFAULT_N_CUSTOMERS,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
) -> tuple[Company, dict]:
    """Generate Northwind Tech, a synthetic electronics retailer, with its ground truth.

    Parameters
    ----------
    seed : int
        Seed of the random generators: one for customers, orders and
        everything that follows them, and an independent one (seeded
        ``[seed, 1]``) for the weekly sales, so that changing the number of
        customers leaves the weekly price series unchanged.
    n_customers : int
        People in the customers table (leads who never bought included).
    start, end : str
        First and last day of the period (ISO dates, inclusive).

    Returns
    -------
    company : Company
        Validated tables: customers, products, orders, order_lines,
        marketing_events, offers, returns, surveys, weekly_sales, and (from
        their own random streams) opt_outs, purchase_surveys, referrals
        (:func:`_after_the_offer`), accounts and contacts (seeded ``[seed, 13]``).
    ground_truth : dict
        The planted parameters (see ``data/README.md`` for every key).
    """
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    n_days = (end_ts - start_ts).days
    if n_days <= FUNNEL_HORIZON_DAYS + 60:
        raise ValueError(f"The period {start} .. {end} is too short: it needs more than {FUNNEL_HORIZON_DAYS + 60} days.")
    if n_customers < 200:
        raise ValueError(f"n_customers must be >= 200 for every table to have rows. Got {n_customers}.")
    rng = np.random.default_rng(seed)
    products = products_table()
    people = simulate_people(rng, n_customers, start_ts, n_days)
    orders = simulate_order_schedule(rng, people, n_days)
    orders, lines = simulate_baskets(rng, orders, people, products)
    weekly = simulate_weekly_sales(np.random.default_rng([seed, 1]), start_ts, end_ts, products)
    lines = shelf_prices(lines, orders, products, weekly, start_ts)
    events = simulate_marketing_events(rng, people, orders, lines, products, n_days)
    returns = simulate_returns(rng, lines, orders, products, n_days)
    surveys, nps = simulate_surveys(rng, orders, lines, products, n_days)
    events = pd.concat([events, simulate_referrals(rng, orders, nps, n_days)], ignore_index=True)
    offers = simulate_offers(rng, people, orders, lines, products, n_days)
    feedback_rng = np.random.default_rng([seed, 7])
    opt_outs = simulate_opt_outs(feedback_rng, offers, events, n_days)
    campaign_rng = np.random.default_rng([seed, 15])
    campaign = simulate_uplift_campaign(campaign_rng, people, orders, lines, products, n_days, opted_out=opt_outs)
    campaign[s.OFFER_ID] = [f"OF{i:05d}" for i in range(len(offers) + 1, len(offers) + len(campaign) + 1)]
    opt_outs = pd.concat([opt_outs, simulate_campaign_opt_outs(campaign_rng, offers, campaign, events, n_days)], ignore_index=True)
    opt_outs = opt_outs.sort_values(["person", "day"], kind="stable").drop_duplicates("person")
    every_offer = pd.concat([offers, campaign.drop(columns="kind")], ignore_index=True)
    tables = _to_tables(start_ts, people, products, orders, lines, events, every_offer, returns, surveys, weekly)
    tables.update(_after_the_offer(seed, feedback_rng, start_ts, people, products, orders, lines, events, opt_outs, n_days))
    tables.update(simulate_accounts(np.random.default_rng([seed, 13]), tables[s.CUSTOMERS], tables[s.ORDERS]))
    company = Company.from_tables(tables)
    truth = ground_truth(seed, n_customers, start, end, orders)
    truth["accounts"].update(accounts_truth(tables[s.CONTACTS]))
    ids = people[s.CUSTOMER_ID].to_numpy()
    truth["uplift_campaign"]["kind_by_customer"] = dict(zip(ids[campaign["person"].to_numpy()].tolist(), campaign["kind"].tolist()))
    return company, truth


def _to_tables(start, people, products, orders, lines, events, offers, returns, surveys, weekly) -> dict:
    """Replace person indices by customer ids and day offsets by dates."""
    ids = people[s.CUSTOMER_ID].to_numpy()

    def date(days) -> pd.Series:
        return pd.Series(start + pd.to_timedelta(np.asarray(days, dtype=int), unit="D"))

    customers = people[[s.CUSTOMER_ID, s.REGION, s.SEGMENT, s.ACQUISITION_CHANNEL, s.PREFERRED_CHANNEL,
                        s.MARKETING_CONSENT]].assign(**{s.SIGNUP_DATE: date(people["awareness_day"])})
    customers = customers[s.TABLES[s.CUSTOMERS].column_names]
    order_table = pd.DataFrame(
        {s.ORDER_ID: orders[s.ORDER_ID], s.CUSTOMER_ID: ids[orders["person"].to_numpy()],
         s.ORDER_DATE: date(orders["day"]), s.CHANNEL: orders[s.CHANNEL]}
    )
    events = events.assign(**{s.CUSTOMER_ID: ids[events["person"].to_numpy()], s.EVENT_DATE: date(events["day"])})
    events = events.sort_values([s.EVENT_DATE, s.CUSTOMER_ID, s.EVENT_TYPE], kind="stable").reset_index(drop=True)
    offers = offers.assign(**{s.CUSTOMER_ID: ids[offers["person"].to_numpy()], s.OFFER_DATE: date(offers["day"])})
    returns = returns.assign(**{s.RETURN_DATE: date(returns["day"])}).sort_values(
        [s.RETURN_DATE, s.ORDER_ID, s.PRODUCT_ID], kind="stable"
    )
    surveys = surveys.assign(**{s.CUSTOMER_ID: ids[surveys["person"].to_numpy()], s.SURVEY_DATE: date(surveys["day"])})
    surveys = surveys.sort_values([s.SURVEY_DATE, s.CUSTOMER_ID], kind="stable")
    tables = {
        s.CUSTOMERS: customers,
        s.PRODUCTS: products,
        s.ORDERS: order_table,
        s.ORDER_LINES: lines,
        s.MARKETING_EVENTS: events,
        s.OFFERS: offers,
        s.RETURNS: returns,
        s.SURVEYS: surveys,
        s.WEEKLY_SALES: weekly,
    }
    return {name: frame[s.TABLES[name].column_names].reset_index(drop=True) for name, frame in tables.items()}


def _after_the_offer(seed, feedback_rng, start, people, products, orders, lines, events, opt_outs, n_days) -> dict:
    """Opt-outs (drawn already), post-purchase surveys (stream ``[seed, 7]``, after the opt-outs) and referrals (``[seed, 8]``), as tables.

    Drawn after everything else from streams of their own, so that every other table is the
    same with or without them. ``opt_outs`` holds those after the experiments' offers (stream
    ``[seed, 7]``) and after the uplift campaign (its own stream), a person once, at the first.
    """
    ids = people[s.CUSTOMER_ID].to_numpy()
    purchase_surveys = simulate_purchase_surveys(feedback_rng, orders, lines, products, n_days)
    links = simulate_referral_links(np.random.default_rng([seed, 8]), people, events)

    def date(days) -> pd.Series:
        return pd.Series(start + pd.to_timedelta(np.asarray(days, dtype=int), unit="D"))

    tables = {
        s.OPT_OUTS: pd.DataFrame({s.CUSTOMER_ID: ids[opt_outs["person"].to_numpy()], s.OPT_OUT_DATE: date(opt_outs["day"]),
                                  s.REASON: opt_outs[s.REASON].to_numpy()}).sort_values([s.OPT_OUT_DATE, s.CUSTOMER_ID], kind="stable"),
        s.PURCHASE_SURVEYS: purchase_surveys.assign(**{s.SURVEY_DATE: date(purchase_surveys["day"])}).sort_values(
            [s.SURVEY_DATE, s.ORDER_ID, s.PRODUCT_ID], kind="stable"),
        s.REFERRALS: pd.DataFrame({s.REFERRER_ID: ids[links["referrer"].to_numpy()], s.CUSTOMER_ID: ids[links["person"].to_numpy()],
                                   s.REFERRAL_DATE: date(links["day"])}).sort_values([s.REFERRAL_DATE, s.CUSTOMER_ID], kind="stable"),
    }
    return {name: frame[s.TABLES[name].column_names].reset_index(drop=True) for name, frame in tables.items()}
