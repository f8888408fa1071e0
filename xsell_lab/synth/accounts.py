"""Northwind's business accounts: key people, their roles and the reps who reach them.

The ``small_business`` customers who ordered often are served as accounts. Each
account has one buyer, one person in finance, one in IT and one to three users
(:data:`~xsell_lab.data.schema.CONTACT_ROLES`); one of the reps of
:data:`~xsell_lab.synth.world.PLANTED_ACCOUNTS` owns the relationship, and reaches
each person with the planted probability of the person's role. The solutions an
account holds are what it bought (the order lines): nothing here changes them.

Everything is drawn from its own random stream (``[seed, 13]``), so the other
tables of the company stay exactly as they were without accounts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.synth.world import PLANTED_ACCOUNTS


def simulate_accounts(rng: np.random.Generator, customers: pd.DataFrame, orders: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The ``accounts`` and ``contacts`` tables of the synthetic company.

    Parameters
    ----------
    rng : numpy.random.Generator
        The accounts' own stream (``np.random.default_rng([seed, 13])``).
    customers, orders : pandas.DataFrame
        The canonical customers and orders tables.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``{"accounts": ..., "contacts": ...}`` with the canonical columns.
    """
    plan = PLANTED_ACCOUNTS
    business = customers.loc[customers[s.SEGMENT] == plan["segment"], s.CUSTOMER_ID]
    per_customer = orders[orders[s.CUSTOMER_ID].isin(business)].groupby(s.CUSTOMER_ID)[s.ORDER_ID].nunique()
    eligible = np.sort(per_customer.index[per_customer >= plan["min_orders"]].to_numpy())
    chosen = np.sort(rng.choice(eligible, size=min(plan["n_accounts"], len(eligible)), replace=False))
    accounts = pd.DataFrame({s.CUSTOMER_ID: chosen, s.REP: rng.choice(plan["reps"], size=len(chosen))})
    rows = []
    for account in chosen:
        roles = ["buyer", "finance", "IT"] + ["user"] * int(rng.integers(1, plan["max_users"] + 1))
        for number, role in enumerate(roles, start=1):
            reached = bool(rng.random() < plan["reach_probability"][role])
            rows.append((f"{account}-P{number}", account, role, reached))
    contacts = pd.DataFrame(rows, columns=[s.CONTACT_ID, s.CUSTOMER_ID, s.ROLE, s.REACHED])
    return {s.ACCOUNTS: accounts, s.CONTACTS: contacts}


def accounts_truth(contacts: pd.DataFrame) -> dict:
    """The planted reach of every account: the roles its rep reaches, and the planted next step.

    The next step is "north" (the first decision role, buyer before finance, the rep
    does not reach) when a decision maker is missing, else "east" (a new solution).
    """
    reached = contacts[contacts[s.REACHED]].groupby(s.CUSTOMER_ID)[s.ROLE].agg(lambda roles: sorted(set(roles)))
    truth = {}
    for account in sorted(contacts[s.CUSTOMER_ID].unique()):
        roles = reached.get(account, [])
        missing = [role for role in s.DECISION_ROLES if role not in roles]
        truth[account] = {"roles_reached": roles, "next_direction": "north" if missing else "east",
                          "next_role": missing[0] if missing else None}
    return {"per_account": truth}
