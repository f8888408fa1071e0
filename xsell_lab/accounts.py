"""Selling to accounts: the account map, coverage, whitespace and the next step north or east.

In business-to-business selling, cross-selling is "expanding the number and quality
of relationships between key people in the buying organization and the selling
organization". An account's **map** crosses the roles the rep reaches (up the page,
"north") with the solutions the account holds (across the page, "east"); the filled
part of the grid, reached roles x held solutions, is the current **intersection**
(Miller & Heiman, 1985, the buying influences; Hunt, 2002, the cross-selling
intersection).

* :func:`solutions_held` — what each account bought and kept, at an item ``level``;
* :func:`roles_reached` — for each account and role, the contacts and how many the rep reaches;
* :func:`account_map` — one account's grid of roles x solutions;
* :func:`coverage` — per account, the decision makers reached and the solutions held;
* :func:`account_whitespace` — solutions the most similar accounts hold and this one does not;
* :func:`next_steps` — one step per account: north (a decision maker not yet reached) or east
  (the solution its peers hold most);
* :func:`cross_sells_by_rep` — the solutions accounts added since a day, credited to their rep
  (what a commission on add-ons would pay for), and :func:`rep_difference`, whether the reps'
  shares of accounts cross-sold differ beyond chance.

The roles are the canonical :data:`~xsell_lab.data.schema.CONTACT_ROLES`; the decision
makers are :data:`~xsell_lab.data.schema.DECISION_ROLES`. Solutions, reps and accounts
come from the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns

#: Columns of :func:`solutions_held`.
HOLDINGS_COLUMNS = [s.CUSTOMER_ID, "solution", "orders", "first_bought", "last_bought", s.REVENUE]
#: Columns of :func:`roles_reached`.
REACH_COLUMNS = [s.CUSTOMER_ID, s.ROLE, "contacts", "reached"]
#: Columns of :func:`account_map`.
MAP_COLUMNS = [s.ROLE, "solution", "reached", "held", "intersection"]
#: Columns of :func:`coverage`.
COVERAGE_COLUMNS = [
    s.CUSTOMER_ID, s.REP, "contacts", "roles_reached", "decision_roles", "decision_reached",
    "solutions_held", "solutions_in_book", "decision_share", "solution_share", "coverage",
]
#: Columns of :func:`account_whitespace`.
WHITESPACE_COLUMNS = [s.CUSTOMER_ID, "solution", "peers", "peers_holding", "peer_share"]
#: Columns of :func:`cross_sells_by_rep`.
REP_COLUMNS = [s.REP, "accounts", "accounts_cross_sold", "solutions_added", s.REVENUE]
#: Columns of :func:`next_steps`.
NEXT_STEP_COLUMNS = [s.CUSTOMER_ID, s.REP, "direction", "step", "reason"]


def solutions_held(lines: pd.DataFrame, accounts: pd.DataFrame, *, level: str = "category") -> pd.DataFrame:
    """What each account holds: every item it bought and kept, with when and how often.

    Parameters
    ----------
    lines : pandas.DataFrame
        Kept order lines (:func:`xsell_lab.kept_lines`): ``customer_id``, ``order_id``,
        ``order_date``, ``revenue`` and the item column of ``level``.
    accounts : pandas.DataFrame
        The canonical ``accounts`` table (``customer_id``).
    level : str
        ``"category"`` or ``"product"`` (:data:`~xsell_lab.data.schema.ITEM_LEVELS`).

    Returns
    -------
    pandas.DataFrame
        :data:`HOLDINGS_COLUMNS`, one row per account and solution held, sorted by account
        and solution; ``orders`` counts the orders holding it.
    """
    item = s.item_column(level)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, s.REVENUE, item], "lines")
    require_columns(accounts, [s.CUSTOMER_ID], s.ACCOUNTS)
    mine = lines[lines[s.CUSTOMER_ID].isin(accounts[s.CUSTOMER_ID])]
    held = mine.groupby([s.CUSTOMER_ID, item], as_index=False, observed=True).agg(
        orders=(s.ORDER_ID, "nunique"), first_bought=(s.ORDER_DATE, "min"),
        last_bought=(s.ORDER_DATE, "max"), revenue=(s.REVENUE, "sum"),
    )
    held = held.rename(columns={item: "solution"}).astype({"solution": str})
    return held[HOLDINGS_COLUMNS].sort_values([s.CUSTOMER_ID, "solution"]).reset_index(drop=True)


def roles_reached(contacts: pd.DataFrame) -> pd.DataFrame:
    """For each account and role: its contacts, and how many of them the rep reaches.

    Parameters
    ----------
    contacts : pandas.DataFrame
        The canonical ``contacts`` table (``customer_id``, ``role``, ``reached``).

    Returns
    -------
    pandas.DataFrame
        :data:`REACH_COLUMNS`, one row per account and role it has contacts in.
    """
    require_columns(contacts, [s.CUSTOMER_ID, s.ROLE, s.REACHED], s.CONTACTS)
    table = contacts.groupby([s.CUSTOMER_ID, s.ROLE], as_index=False).agg(
        contacts=(s.REACHED, "size"), reached=(s.REACHED, "sum")
    )
    return table[REACH_COLUMNS].sort_values([s.CUSTOMER_ID, s.ROLE]).reset_index(drop=True)


def account_map(account: str, reach: pd.DataFrame, held: pd.DataFrame, *, solutions: list[str] | None = None) -> pd.DataFrame:
    """One account's map: every role x every solution, with the intersection marked.

    Parameters
    ----------
    account : str
        The account's ``customer_id``.
    reach : pandas.DataFrame
        Output of :func:`roles_reached`.
    held : pandas.DataFrame
        Output of :func:`solutions_held`.
    solutions : list of str, optional
        The columns of the map (e.g. every solution of the book, or the account's
        own and its whitespace); by default the solutions the account holds.

    Returns
    -------
    pandas.DataFrame
        :data:`MAP_COLUMNS`, one row per role of
        :data:`~xsell_lab.data.schema.CONTACT_ROLES` and solution: ``reached`` (the
        rep reaches someone in that role), ``held`` (the account holds the solution),
        ``intersection`` (both: where the rep sells today).
    """
    mine = held.loc[held[s.CUSTOMER_ID] == account, "solution"]
    if mine.empty and reach[s.CUSTOMER_ID].ne(account).all():
        raise ValueError(f"account {account!r} has neither contacts nor solutions held")
    columns = list(mine) if solutions is None else list(solutions)
    roles_in = set(reach.loc[(reach[s.CUSTOMER_ID] == account) & (reach["reached"] > 0), s.ROLE])
    grid = pd.DataFrame([(role, solution) for role in s.CONTACT_ROLES for solution in columns], columns=[s.ROLE, "solution"])
    grid["reached"] = grid[s.ROLE].isin(roles_in)
    grid["held"] = grid["solution"].isin(set(mine))
    grid["intersection"] = grid["reached"] & grid["held"]
    return grid[MAP_COLUMNS]


def coverage(accounts: pd.DataFrame, reach: pd.DataFrame, held: pd.DataFrame) -> pd.DataFrame:
    """How far each account is covered: decision makers reached and solutions held.

    ``decision_share`` is the share of the decision roles
    (:data:`~xsell_lab.data.schema.DECISION_ROLES`) the rep reaches (a decision role
    the account lists no contact in is not reached: ``decision_roles`` counts those
    it lists); ``solution_share`` the share of the book's solutions (held by any
    account) it holds; ``coverage`` their mean, 0 to 1 (the two axes of the
    intersection, weighted alike).

    Parameters
    ----------
    accounts : pandas.DataFrame
        The canonical ``accounts`` table (``customer_id``, ``rep``).
    reach, held : pandas.DataFrame
        Outputs of :func:`roles_reached` and :func:`solutions_held`.

    Returns
    -------
    pandas.DataFrame
        :data:`COVERAGE_COLUMNS`, one row per account, lowest coverage first.
    """
    require_columns(accounts, [s.CUSTOMER_ID, s.REP], s.ACCOUNTS)
    table = accounts[[s.CUSTOMER_ID, s.REP]].copy()
    by_account = reach.groupby(s.CUSTOMER_ID)
    decision = reach[reach[s.ROLE].isin(s.DECISION_ROLES)].groupby(s.CUSTOMER_ID)
    ids = table[s.CUSTOMER_ID]
    table["contacts"] = ids.map(by_account["contacts"].sum()).fillna(0).astype(int)
    table["roles_reached"] = ids.map(reach[reach["reached"] > 0].groupby(s.CUSTOMER_ID).size()).fillna(0).astype(int)
    table["decision_roles"] = ids.map(decision.size()).fillna(0).astype(int)
    table["decision_reached"] = ids.map(decision["reached"].apply(lambda r: int((r > 0).sum()))).fillna(0).astype(int)
    table["solutions_held"] = ids.map(held.groupby(s.CUSTOMER_ID).size()).fillna(0).astype(int)
    table["solutions_in_book"] = held["solution"].nunique()
    table["decision_share"] = table["decision_reached"] / len(s.DECISION_ROLES)
    table["solution_share"] = table["solutions_held"] / max(table["solutions_in_book"].iloc[0] if len(table) else 0, 1)
    table["coverage"] = table[["decision_share", "solution_share"]].mean(axis=1)
    return table[COVERAGE_COLUMNS].sort_values(["coverage", s.CUSTOMER_ID]).reset_index(drop=True)


def account_whitespace(held: pd.DataFrame, *, peers: int = 10) -> pd.DataFrame:
    """Solutions an account does not hold, with the share of its most similar accounts that do.

    The peers of an account are the ``peers`` other accounts whose held solutions
    are most alike (Jaccard similarity of the two sets, ties by ``customer_id``):
    user-based collaborative filtering (Resnick et al., 1994; Sarwar et al., 2001)
    on the book of accounts.

    Parameters
    ----------
    held : pandas.DataFrame
        Output of :func:`solutions_held`.
    peers : int
        Similar accounts each account is compared with.

    Returns
    -------
    pandas.DataFrame
        :data:`WHITESPACE_COLUMNS`, one row per account and solution it lacks that at
        least one peer holds; ``peer_share`` = ``peers_holding`` / ``peers``. Sorted by
        account, then highest share first.
    """
    if peers < 1:
        raise ValueError(f"peers must be at least 1; got {peers}")
    require_columns(held, [s.CUSTOMER_ID, "solution"], "held")
    ownership = pd.crosstab(held[s.CUSTOMER_ID], held["solution"]).gt(0)
    matrix = ownership.to_numpy(dtype=float)
    both = matrix @ matrix.T
    sizes = matrix.sum(axis=1)
    similarity = both / np.maximum(sizes[:, None] + sizes[None, :] - both, 1)
    np.fill_diagonal(similarity, -np.inf)
    rows = []
    for index, account in enumerate(ownership.index):
        order = np.lexsort((np.arange(len(ownership)), -similarity[index]))  # most similar first, ties by id
        nearest = [i for i in order if i != index][:peers]
        if not nearest:
            continue
        holding = matrix[nearest].sum(axis=0)
        for column, solution in enumerate(ownership.columns):
            if not matrix[index, column] and holding[column] > 0:
                rows.append((account, solution, len(nearest), int(holding[column])))
    table = pd.DataFrame(rows, columns=WHITESPACE_COLUMNS[:-1])
    table["peer_share"] = table["peers_holding"] / table["peers"]
    return table.sort_values([s.CUSTOMER_ID, "peer_share", "solution"], ascending=[True, False, True]).reset_index(drop=True)


def next_steps(table: pd.DataFrame, whitespace: pd.DataFrame, reach: pd.DataFrame) -> pd.DataFrame:
    """One next step per account: north to a decision maker, else east to a new solution.

    North first: a solution sold without the buyer or finance on side is easily
    lost, so an account whose rep does not reach one of its decision roles is sent
    to the first of them (:data:`~xsell_lab.data.schema.DECISION_ROLES`, in order).
    Otherwise east: the solution its peers hold most (:func:`account_whitespace`);
    without whitespace, north to any other role not reached; else nothing ("hold").
    A role the account lists no contact in counts as not reached.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`coverage`.
    whitespace : pandas.DataFrame
        Output of :func:`account_whitespace`.
    reach : pandas.DataFrame
        Output of :func:`roles_reached`.

    Returns
    -------
    pandas.DataFrame
        :data:`NEXT_STEP_COLUMNS`: ``direction`` is "north", "east" or "hold",
        ``step`` the role or solution, ``reason`` a sentence a rep can read.
    """
    best = whitespace.drop_duplicates(s.CUSTOMER_ID).set_index(s.CUSTOMER_ID)
    reached = reach[reach["reached"] > 0]
    rows = []
    for account, rep in zip(table[s.CUSTOMER_ID], table[s.REP]):
        missing = set(s.CONTACT_ROLES) - set(reached.loc[reached[s.CUSTOMER_ID] == account, s.ROLE])
        decision = [role for role in s.DECISION_ROLES if role in missing]
        other = [role for role in s.CONTACT_ROLES if role in missing and role not in s.DECISION_ROLES]
        if decision:
            rows.append((account, rep, "north", decision[0],
                         f"nobody in {decision[0]} is reached yet: meet them before the next proposal"))
        elif account in best.index:
            peer = best.loc[account]
            rows.append((account, rep, "east", peer["solution"],
                         f"{peer['peers_holding']} of its {peer['peers']} most similar accounts hold {peer['solution']}"))
        elif other:
            rows.append((account, rep, "north", other[0], f"nobody in {other[0]} is reached yet"))
        else:
            rows.append((account, rep, "hold", "", "every role reached and no solution its peers hold is missing"))
    return pd.DataFrame(rows, columns=NEXT_STEP_COLUMNS)


def cross_sells_by_rep(held: pd.DataFrame, accounts: pd.DataFrame, *, since: str | pd.Timestamp) -> pd.DataFrame:
    """The cross-sells of each rep's accounts: solutions first bought on or after ``since``.

    Only accounts that bought before ``since`` count (for a new account every solution
    is new, and that is acquisition, not cross-selling). Each added solution is credited
    to the account's rep, with the revenue the account spent on it (kept, from
    :func:`solutions_held`): the base a commission on add-ons would be paid on.

    Parameters
    ----------
    held : pandas.DataFrame
        Output of :func:`solutions_held`.
    accounts : pandas.DataFrame
        The canonical ``accounts`` table (``customer_id``, ``rep``).
    since : str or Timestamp
        First day of the period credited.

    Returns
    -------
    pandas.DataFrame
        :data:`REP_COLUMNS`, one row per rep: ``accounts`` that bought before ``since``,
        ``accounts_cross_sold`` among them that added a solution, ``solutions_added`` and
        their ``revenue``; most solutions added first.
    """
    require_columns(accounts, [s.CUSTOMER_ID, s.REP], s.ACCOUNTS)
    start = pd.Timestamp(since)
    first = held.groupby(s.CUSTOMER_ID)["first_bought"].min()
    existing = accounts[accounts[s.CUSTOMER_ID].map(first) < start]
    added = held[held[s.CUSTOMER_ID].isin(existing[s.CUSTOMER_ID]) & (held["first_bought"] >= start)]
    added = added.merge(existing[[s.CUSTOMER_ID, s.REP]], on=s.CUSTOMER_ID)
    table = existing.groupby(s.REP).size().rename("accounts").to_frame()
    table["accounts_cross_sold"] = added.groupby(s.REP)[s.CUSTOMER_ID].nunique()
    table["solutions_added"] = added.groupby(s.REP).size()
    table[s.REVENUE] = added.groupby(s.REP)[s.REVENUE].sum()
    table = table.fillna(0).astype({"accounts_cross_sold": int, "solutions_added": int})
    return table.reset_index().sort_values(["solutions_added", s.REP], ascending=[False, True])[REP_COLUMNS].reset_index(drop=True)


def rep_difference(table: pd.DataFrame) -> float:
    """Whether the reps' shares of accounts cross-sold differ beyond chance: the p-value.

    Pearson's chi-square test of independence (Pearson, 1900) of rep x (cross-sold or
    not), without continuity correction; 1.0 when fewer than two reps have accounts.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`cross_sells_by_rep`.

    Returns
    -------
    float
        The p-value: a small one (below 0.05) says the reps' results differ by more than
        the luck of which accounts each was given.
    """
    counts = np.column_stack([table["accounts_cross_sold"], table["accounts"] - table["accounts_cross_sold"]])
    counts = counts[counts.sum(axis=1) > 0]
    if len(counts) < 2 or (counts.sum(axis=0) == 0).any():
        return 1.0
    return float(stats.chi2_contingency(counts, correction=False)[1])
