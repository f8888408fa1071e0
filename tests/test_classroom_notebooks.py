"""The numbered notebooks as course material (issue #14), under the tagging contract of
:mod:`xsell_lab.lab.classroom`.

Every notebook carries at least one computational exercise (a ``solution`` cell and its ``check``)
and one judgement task (a ``judgement`` model answer), a slide deck sized by its tags, a link to the
glossary and a trainer guide. The learner edition of each notebook is executed on the bundled data in
a real kernel: every check must fail with its hint (``Not yet: …``, no traceback) on the blank
scaffold, and nothing else may fail. That the checks pass on the solutions is shown by the committed
instructor notebooks (their check cells print their success line, and nbval re-runs them).
"""

from __future__ import annotations

import copy
import re

import nbformat
import pytest

from xsell_lab.lab import classroom
from xsell_lab.lab.runner import discover_notebooks

NOTEBOOKS = discover_notebooks()
GUIDES = NOTEBOOKS[0].parent / "guide"


def _tagged(notebook, tag: str) -> list:
    return [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]


def _errors(cell) -> list:
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem[:2] for path in NOTEBOOKS])
def test_the_notebook_teaches_with_an_exercise_a_judgement_task_slides_a_glossary_and_a_guide(path):
    notebook = nbformat.read(path, as_version=4)
    solutions, checks, judgements = (_tagged(notebook, tag) for tag in ("solution", "check", "judgement"))
    assert solutions and checks, f"{path.name} has no computational exercise (a 'solution' cell and its 'check')"
    assert judgements, f"{path.name} has no judgement task (a 'judgement' cell with a model answer)"
    assert all("check(" in cell.source for cell in checks), f"{path.name}: a 'check' cell does not call check()"
    assert not any("assert " in cell.source for cell in checks), f"{path.name}: a bare assert shows the learner a traceback"
    for cell in solutions:  # the learner edition starts from a blank answer
        scaffold = cell.source.split("### BEGIN SOLUTION")[0]
        assert re.search(r"^my_\w+ = (None|\{)$", scaffold, re.MULTILINE) and "### END" not in scaffold, (
            f"{path.name}: the scaffold is {scaffold!r}"
        )
    assert all("<!-- BEGIN SOLUTION -->" in cell.source for cell in judgements)
    headings = [cell.source.splitlines()[0] for cell in notebook.cells if cell.cell_type == "markdown" and cell.source]
    exercises = [heading for heading in headings if heading.startswith("## Exercise")]
    assert len(exercises) >= 2 and all(re.match(r"## Exercise \d: \S", heading) for heading in exercises), exercises
    for cell in checks:  # the committed instructor edition: the solution passes its check
        printed = "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")
        assert printed.strip() and not _errors(cell), f"{path.name}: a check does not pass on the solution: {cell.outputs}"
    slides = sum(bool(set(cell.metadata.get("tags", [])) & set(classroom.SLIDE_TAGS)) for cell in notebook.cells)
    assert 10 <= slides <= 25, f"{path.name}: {slides} slide cells; a 45-minute deck has 10 to 25"
    dives = _tagged(notebook, classroom.DEEP_DIVE)
    assert all(cell.cell_type == "markdown" and cell.source.startswith("#") for cell in dives), f"{path.name}: a deep-dive tag off a heading"
    assert "(glossary.md)" in notebook.cells[0].source, f"{path.name}: the first cell does not link the glossary"
    guide = GUIDES / f"{path.stem}.yaml"
    assert guide.is_file(), f"{path.name} has no trainer guide ({guide.relative_to(path.parents[1])})"
    assert 2 <= len(classroom.read_guide(guide).discussion) <= 3  # read_guide checks the timing fills the session


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem[:2] for path in NOTEBOOKS])
def test_every_learner_check_fails_with_its_hint_on_the_scaffold(path):
    from nbclient import NotebookClient

    learner = classroom.learner_notebook(nbformat.read(path, as_version=4), path.name)
    executed = copy.deepcopy(learner)
    # run beside the instructor notebooks, so the default data path (../data) is the bundled data
    NotebookClient(executed, kernel_name="python3", allow_errors=True, timeout=600,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    checks = {id(cell) for cell in _tagged(executed, "check")}
    for index, cell in enumerate(executed.cells):
        errors = _errors(cell)
        if id(cell) not in checks:
            assert not errors, f"{path.name}, cell {index}: the learner edition fails outside a check: {errors[0].ename}: {errors[0].evalue}"
            continue
        assert len(errors) == 1 and errors[0].ename == "ExerciseNotSolved", (
            f"{path.name}, cell {index}: the check does not fail on the blank scaffold: {cell.outputs}"
        )
        hint = errors[0].evalue
        assert len(hint.split()) >= 5, f"{path.name}, cell {index}: the hint is too short to help: {hint!r}"
        assert errors[0].traceback == [f"Not yet: {hint}"], f"{path.name}, cell {index}: the learner sees a traceback"


def test_the_readme_lists_every_exercise():
    readme = (NOTEBOOKS[0].parents[1] / "README.md").read_text(encoding="utf-8").split("**The exercises.**", 1)[1]
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        titles = [cell.source.splitlines()[0].split(": ", 1)[1] for cell in notebook.cells
                  if cell.cell_type == "markdown" and cell.source.startswith("## Exercise")]
        row = next((line for line in readme.splitlines() if line.startswith(f"| {path.name[:2]} | ")), "")
        assert all(title in row for title in titles), f"README 'The exercises' misses {path.name}'s {titles}: {row!r}"
