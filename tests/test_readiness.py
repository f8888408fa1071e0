"""xsell_lab.lab.readiness: what each notebook declares it needs, read from its code, against a company."""

from __future__ import annotations

import json

import pytest
from factories import canonical_tables

from xsell_lab.data.company import Company

from xsell_lab.lab.readiness import READINESS_COLUMNS, notebook_needs, readiness


def write_notebook(path, *code_cells, parameters='min_customers: int = 5  # the least customers'):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": f"# {path.name[:2]} · A test notebook\n\n**Business question:** Does it?"},
             {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": parameters, "outputs": [], "execution_count": None}]
    cells += [{"cell_type": "code", "metadata": {}, "source": code, "outputs": [], "execution_count": None} for code in code_cells]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


LOAD = (
    "profile.require_minimum(company, 'Notebook 90', customers=min_customers, orders=2,\n"
    "                        repeat_buyers=profile.MIN_REPEAT_BUYERS, categories=2 if level == 'category' else 0)\n"
    "if not profile.supports(capabilities, 'weekly_prices'):\n"
    "    raise InsufficientDataError('no')\n"
)
SECTIONS = (
    "if profile.supports(capabilities, 'segments'):\n    pass\nelse:\n"
    "    print(profile.skip_message(capabilities, 'the rate by segment', 'segments'))\n"
    "print(profile.skip_message(capabilities, 'the rate by segment', 'segments'))\n"
    "print(profile.skip_message(capabilities, 'the price chart', 'weekly_prices'))\n"
    "print(profile.skip_message(capabilities, section_name, 'consent'))\n"
)


def test_notebook_needs_reads_minimum_required_capabilities_and_sections(tmp_path):
    from xsell_lab.data import profile

    needs = notebook_needs(write_notebook(tmp_path / "90-test.ipynb", LOAD, SECTIONS, "%%time\nx = 1"))
    # a parameter's default, a literal and a profile constant; the conditional categories are left out
    assert needs.minimum == {"customers": 5, "orders": 2, "repeat_buyers": profile.MIN_REPEAT_BUYERS}
    assert needs.required == ["weekly_prices"]
    # once each; a section about a capability the notebook stops without is not listed; a section named
    # by a variable cannot be read
    assert needs.sections == [("the rate by segment", ("segments",))]


def test_readiness_on_the_bundled_company_runs_every_declared_notebook(bundled_company, tmp_path):
    write_notebook(tmp_path / "90-test.ipynb", SECTIONS)
    result = readiness(bundled_company, tmp_path)
    assert list(result.columns) == READINESS_COLUMNS
    assert result.to_dict("records") == [
        {"notebook": "90", "title": "A test notebook", "runs": True, "why_not": "", "sections_skipped": 0, "skipped": ""}
    ]


def test_readiness_says_why_a_notebook_stops_and_which_sections_are_skipped(tmp_path):
    company = Company.from_tables(canonical_tables())  # two customers, three orders
    write_notebook(tmp_path / "90-stops.ipynb", "profile.require_minimum(company, 'x', customers=10_000)")
    write_notebook(tmp_path / "91-needs.ipynb", LOAD.replace("min_customers", "1").replace("profile.MIN_REPEAT_BUYERS", "0"))
    write_notebook(tmp_path / "92-skips.ipynb", SECTIONS.replace("'segments'", "'experiments'"))
    result = readiness(company, tmp_path).set_index("notebook")
    assert not result.loc["90", "runs"]
    assert "needs at least 10,000 buying customers" in result.loc["90", "why_not"]
    assert not result.loc["91", "runs"] and "weekly prices" in result.loc["91", "why_not"]
    assert result.loc["92", "runs"]
    assert result.loc["92", "skipped"] == "the rate by segment; the price chart"
    assert result.loc["92", "sections_skipped"] == 2


def test_readiness_of_the_shipped_notebooks_names_each_one(bundled_company):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "notebooks"
    result = readiness(bundled_company, folder)
    assert result["notebook"].tolist() == sorted(p.name[:2] for p in folder.glob("*.ipynb"))
    assert result["runs"].all(), result.loc[~result["runs"], ["notebook", "why_not"]]


@pytest.mark.parametrize("bad", ["not python (", "!ls"])
def test_cells_that_are_not_python_are_ignored(tmp_path, bad):
    assert notebook_needs(write_notebook(tmp_path / "90-x.ipynb", bad)).sections == []
