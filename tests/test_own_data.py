"""Every notebook runs on an analyst's data that has only the four required tables.

An analyst's export rarely has offers, marketing events, surveys or weekly prices. Each notebook must
then either run to the end (sections that need a missing table say so and are skipped) or stop at
once with :class:`xsell_lab.MissingTableError` naming the table it cannot do without (e.g. the A/B
testing notebook without an ``offers`` table). A ``KeyError``, ``AttributeError`` on ``None`` or an
empty plot is a failure.
"""

from __future__ import annotations

import pytest

from xsell_lab import Company, write_company
from xsell_lab.data import schema as s
from xsell_lab.lab.runner import NotebookExecutionError, discover_notebooks, execute_notebook

NOTEBOOKS = discover_notebooks()

#: Notebooks whose subject is an optional table: without it they must stop with MissingTableError.
NEEDS = {
    "06": s.WEEKLY_SALES,  # price elasticity from weekly prices and units
    "08": s.OFFERS,  # A/B tests of offers
    "12": s.OFFERS,  # uplift models learn from a randomised offer test
    "14": s.OFFERS,  # what follows an offer: profit, opt-outs, feedback, referrals
}


@pytest.fixture(scope="module")
def required_tables_only(tmp_path_factory, bundled_company):
    """The bundled company reduced to customers, products, orders and order lines, as Parquet files."""
    minimal = Company(
        customers=bundled_company.customers,
        products=bundled_company.products,
        orders=bundled_company.orders,
        order_lines=bundled_company.order_lines,
    )
    folder = tmp_path_factory.mktemp("own_data")
    write_company(minimal, folder)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_or_names_the_missing_table(notebook, required_tables_only, tmp_path):
    number = notebook.name[:2]
    try:
        execute_notebook(notebook, tmp_path, {"data_path": str(required_tables_only)}, progress=False)
    except NotebookExecutionError as error:
        assert "MissingTableError" in str(error), f"{notebook.name} broke on data without optional tables: {error}"
        assert number in NEEDS and NEEDS[number] in str(error), (
            f"{notebook.name} refused data without optional tables, but only {sorted(NEEDS)} may: {error}"
        )
    else:
        assert number not in NEEDS, f"{notebook.name} ran without the '{NEEDS.get(number)}' table it is about"
