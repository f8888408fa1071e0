"""The account map (xsell_lab.accounts): against the planted accounts and an independent recount."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

import xsell_lab
from xsell_lab import accounts
from xsell_lab.data import schema as s


@pytest.fixture(scope="module")
def book(bundled_company):
    lines = xsell_lab.kept_lines(bundled_company)
    held = accounts.solutions_held(lines, bundled_company.accounts)
    reach = accounts.roles_reached(bundled_company.contacts)
    table = accounts.coverage(bundled_company.accounts, reach, held)
    whitespace = accounts.account_whitespace(held)
    return {"held": held, "reach": reach, "coverage": table, "whitespace": whitespace,
            "steps": accounts.next_steps(table, whitespace, reach)}


def test_the_roles_reached_are_the_planted_ones(book, ground_truth):
    planted = ground_truth["accounts"]["per_account"]
    reach = book["reach"]
    found = reach[reach["reached"] > 0].groupby(s.CUSTOMER_ID)[s.ROLE].agg(sorted).to_dict()
    assert len(planted) == ground_truth["accounts"]["n_accounts"] == len(book["coverage"])
    assert {account: found.get(account, []) for account in planted} == {a: t["roles_reached"] for a, t in planted.items()}


def test_the_reach_of_each_role_matches_its_planted_probability(book, ground_truth, bundled_company):
    contacts = bundled_company.contacts
    for role, probability in ground_truth["accounts"]["reach_probability"].items():
        reached = contacts.loc[contacts[s.ROLE] == role, s.REACHED]
        n = len(reached)
        # within four binomial standard errors of the planted probability
        assert abs(reached.mean() - probability) < 4 * (probability * (1 - probability) / n) ** 0.5, role


def test_the_next_step_is_the_planted_one(book, ground_truth):
    planted = ground_truth["accounts"]["per_account"]
    steps = book["steps"].set_index(s.CUSTOMER_ID)
    for account, truth in planted.items():
        assert steps.loc[account, "direction"] == truth["next_direction"], account
        if truth["next_role"]:
            assert steps.loc[account, "step"] == truth["next_role"], account
    east = steps[steps["direction"] == "east"]
    assert len(east) > 0 and (east["step"] != "").all()


def test_solutions_held_match_a_duckdb_recount_net_of_returns(book, bundled_company):
    c = bundled_company
    recount = duckdb.sql("""
        with sold as (
            select o.customer_id, p.category, l.order_id, l.product_id, l.quantity from order_lines l
            join orders o using (order_id) join products p using (product_id)
            where o.customer_id in (select customer_id from accounts)),
        back as (select order_id, product_id, sum(quantity) as q from returns group by all)
        select customer_id, category as solution, count(distinct order_id) as orders from sold
        left join back using (order_id, product_id)
        where quantity - coalesce(q, 0) > 0 group by all order by all
    """, connection=_connection(c)).df()
    ours = book["held"][[s.CUSTOMER_ID, "solution", "orders"]]
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), recount.astype({"orders": "int64"}), check_dtype=False)


def _connection(company):
    connection = duckdb.connect()
    for name in ("order_lines", "orders", "products", "returns", "accounts"):
        connection.register(name, getattr(company, name))
    return connection


def test_coverage_is_a_pandas_recount(book, bundled_company):
    contacts, table = bundled_company.contacts, book["coverage"].set_index(s.CUSTOMER_ID)
    held = book["held"]
    book_solutions = held["solution"].nunique()
    for account, people in contacts.groupby(s.CUSTOMER_ID):
        decision_share = people.loc[people[s.REACHED] & people[s.ROLE].isin(s.DECISION_ROLES), s.ROLE].nunique() / 2
        solution_share = (held[s.CUSTOMER_ID] == account).sum() / book_solutions
        assert table.loc[account, "coverage"] == pytest.approx((decision_share + solution_share) / 2)
        assert table.loc[account, "roles_reached"] == people.loc[people[s.REACHED], s.ROLE].nunique()


def test_whitespace_counts_the_nearest_peers_by_jaccard():
    held = pd.DataFrame({s.CUSTOMER_ID: ["a", "a", "b", "b", "b", "c", "d"],
                         "solution": ["x", "y", "x", "y", "z", "q", "x"]})
    # a's nearest peers: b (2/3), then d (1/2); c shares nothing (0)
    table = accounts.account_whitespace(held, peers=2)
    mine = table[table[s.CUSTOMER_ID] == "a"]
    assert mine[["solution", "peers_holding", "peer_share"]].values.tolist() == [["z", 1, 0.5]]
    # with three peers, c joins and q appears
    assert set(accounts.account_whitespace(held, peers=3).query("customer_id == 'a'")["solution"]) == {"q", "z"}
    with pytest.raises(ValueError, match="at least 1"):
        accounts.account_whitespace(held, peers=0)


def test_the_map_fills_reached_roles_times_held_solutions(book):
    account = book["coverage"][s.CUSTOMER_ID].iloc[-1]
    grid = accounts.account_map(account, book["reach"], book["held"])
    reach = book["reach"]
    roles = set(reach.loc[(reach[s.CUSTOMER_ID] == account) & (reach["reached"] > 0), s.ROLE])
    mine = set(book["held"].loc[book["held"][s.CUSTOMER_ID] == account, "solution"])
    assert set(map(tuple, grid.loc[grid["intersection"], [s.ROLE, "solution"]].values)) == {(r, x) for r in roles for x in mine}
    assert len(grid) == len(s.CONTACT_ROLES) * len(mine)
    with pytest.raises(ValueError, match="neither contacts"):
        accounts.account_map("nobody", book["reach"], book["held"])


def test_decision_makers_come_first_then_whitespace_then_other_roles():
    people = [("a", "user", 1), ("b", "user", 0), ("c", "buyer", 1), ("c", "finance", 1), ("d", "buyer", 1), ("d", "finance", 1)]
    reach = pd.DataFrame(people, columns=[s.CUSTOMER_ID, s.ROLE, "reached"]).assign(contacts=1)
    held = pd.DataFrame({s.CUSTOMER_ID: ["a", "b", "b", "c", "d", "d"], "solution": ["x", "x", "y", "x", "x", "y"]})
    table = accounts.coverage(pd.DataFrame({s.CUSTOMER_ID: list("abcd"), s.REP: "r"}), reach, held)
    # an account without a decision contact has reached none of its decision makers
    assert table.set_index(s.CUSTOMER_ID)["coverage"].to_dict() == {"a": 0.25, "b": 0.5, "c": 0.75, "d": 1.0}
    steps = accounts.next_steps(table, accounts.account_whitespace(held), reach).set_index(s.CUSTOMER_ID)
    assert steps[["direction", "step"]].values.tolist() == [["north", "buyer"], ["north", "buyer"], ["east", "y"], ["north", "user"]]


def test_the_account_tables_load_from_files_and_are_validated(tmp_path):
    from factories import canonical_tables, write_csvs

    from xsell_lab.data import profile
    from xsell_lab.exceptions import DataValidationError

    tables = canonical_tables()
    without = xsell_lab.load_company(write_csvs(tmp_path / "plain", tables))
    assert not profile.supports(without.profile(), "accounts") and without.accounts is None
    tables[s.ACCOUNTS] = pd.DataFrame({s.CUSTOMER_ID: ["00123"], s.REP: ["Rep One"]})
    tables[s.CONTACTS] = pd.DataFrame({s.CONTACT_ID: ["k1", "k2"], s.CUSTOMER_ID: ["00123", "00123"],
                                       s.ROLE: ["buyer", "IT"], s.REACHED: ["true", "false"]})
    company = xsell_lab.load_company(write_csvs(tmp_path / "accounts", tables))
    assert company.contacts[s.REACHED].tolist() == [True, False] and company.accounts[s.CUSTOMER_ID].tolist() == ["00123"]
    assert profile.supports(company.profile(), "accounts")
    assert company.subset(end="2024-01-31").contacts[s.CONTACT_ID].tolist() == ["k1", "k2"]  # no dates: kept whole
    tables[s.CONTACTS].loc[1, s.ROLE] = "chief wizard"
    with pytest.raises(DataValidationError, match="contacts"):
        xsell_lab.load_company(write_csvs(tmp_path / "bad", tables))


def test_cross_sells_by_rep_recount_and_the_planted_random_assignment(book, bundled_company, ground_truth):
    held, accounts_table = book["held"], bundled_company.accounts
    since = held["first_bought"].max() - pd.Timedelta(days=365)
    table = accounts.cross_sells_by_rep(held, accounts_table, since=since).set_index(s.REP)
    # recount account by account
    rows = []
    for account, rep in zip(accounts_table[s.CUSTOMER_ID], accounts_table[s.REP]):
        mine = held[held[s.CUSTOMER_ID] == account]
        if mine.empty or mine["first_bought"].min() >= since:
            continue
        new = mine[mine["first_bought"] >= since]
        rows.append((rep, int(len(new) > 0), len(new), new[s.REVENUE].sum()))
    recount = pd.DataFrame(rows, columns=[s.REP, "cross_sold", "added", "revenue"]).groupby(s.REP).agg(
        accounts=("added", "size"), accounts_cross_sold=("cross_sold", "sum"), solutions_added=("added", "sum"), revenue=("revenue", "sum"))
    assert table[["accounts", "accounts_cross_sold", "solutions_added"]].sort_index().to_dict() == \
        recount[["accounts", "accounts_cross_sold", "solutions_added"]].sort_index().to_dict()
    assert table[s.REVENUE].sort_index().to_numpy() == pytest.approx(recount["revenue"].sort_index().to_numpy())
    # the reps were assigned at random (planted): no rep's accounts cross-buy differently beyond chance
    assert set(table.index) <= set(ground_truth["accounts"]["reps"])
    counts = np.array([[row.accounts_cross_sold, row.accounts - row.accounts_cross_sold] for row in table.itertuples()], dtype=float)
    expected = counts.sum(axis=1, keepdims=True) * counts.sum(axis=0) / counts.sum()
    statistic = ((counts - expected) ** 2 / expected).sum()  # Pearson's chi-square, by hand
    assert accounts.rep_difference(table.reset_index()) == pytest.approx(chi2.sf(statistic, (counts.shape[0] - 1) * (counts.shape[1] - 1)))
    assert accounts.rep_difference(table.reset_index()) > 0.001
    assert accounts.rep_difference(table.reset_index().head(1)) == 1.0
