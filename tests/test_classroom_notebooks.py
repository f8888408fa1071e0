"""Notebooks 04-06 carry the trainer's kit (issue #14): the tagging contract of
:mod:`xsell_lab.lab.classroom` on the real notebooks, checked without running them.

Each has one computational exercise (a ``solution`` cell whose scaffold sets the answer to ``None``,
and a ``check`` cell calling :func:`~xsell_lab.lab.classroom.check`), one judgement exercise (a
``judgement`` model answer), slides, deep dives on heading cells, a link to the glossary in its first
cell and a trainer guide whose timing adds up.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from xsell_lab.lab import classroom

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("0[456]-*.ipynb"))


def _tagged(notebook, tag: str) -> list:
    return [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem[:2] for path in NOTEBOOKS])
def test_the_notebook_carries_the_trainers_kit(path):
    notebook = nbformat.read(path, as_version=4)
    (solution,), (check,), (judgement,) = (_tagged(notebook, tag) for tag in ("solution", "check", "judgement"))
    scaffold = solution.source.split("### BEGIN SOLUTION")[0]
    assert re.fullmatch(r"my_\w+ = None\n", scaffold), f"{path.name}: the scaffold is {scaffold!r}"
    assert "from xsell_lab.lab.classroom import check" in check.source and "check(" in check.source
    assert "assert " not in check.source, f"{path.name}: a bare assert shows a traceback to the learner"
    assert "<!-- BEGIN SOLUTION -->" in judgement.source
    headings = [cell.source.splitlines()[0] for cell in notebook.cells if cell.cell_type == "markdown"]
    assert [h for h in headings if h.startswith("## Exercise")] == [
        h for h in headings if re.match(r"## Exercise [12]: \S", h)
    ] and len([h for h in headings if h.startswith("## Exercise")]) == 2
    assert 10 <= sum(bool(set(cell.metadata.get("tags", [])) & set(classroom.SLIDE_TAGS)) for cell in notebook.cells) <= 20
    dives = _tagged(notebook, classroom.DEEP_DIVE)
    assert dives and all(cell.cell_type == "markdown" and cell.source.startswith("#") for cell in dives)
    assert "[glossary](glossary.md)" in notebook.cells[0].source
    guide = yaml.safe_load((path.parent / "guide" / f"{path.stem}.yaml").read_text(encoding="utf-8"))
    assert sum(step["minutes"] for step in guide["timing"]) == guide["minutes"] == 45
    assert 2 <= len(guide["discussion"]) <= 3 and all(item["expected"] for item in guide["discussion"])
