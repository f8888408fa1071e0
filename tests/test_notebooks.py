"""Static checks of the committed notebooks (fast: nothing is executed here).

Re-execution and output comparison is nbval's job (``make test`` collects ``notebooks/``);
these tests check what nbval cannot: the file name, the skeleton (section order), the
parameters cell, that the stored outputs come from a clean run with the default parameters,
and that the outputs are portable and small.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from pathlib import Path

import nbformat
import pytest
from IPython.core.displayhook import DisplayHook
from IPython.core.inputtransformer2 import TransformerManager

import factories

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))

FILE_NAME = re.compile(r"^(?P<number>\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*\.ipynb$")
MAX_BYTES = 3 * 1024 * 1024
FIRST_SECTIONS = ["What you will learn", "Parameters", "Load and validate the data"]
LAST_SECTIONS = ["Key ideas", "Exercise", "References"]
ABSOLUTE_PATH = re.compile(r"(?<![\w.~])(?:/tmp|/root|/work|/home|/Users|[A-Za-z]:\\\\?Users)(?:/|\\|\b)")
TEXT_MIME_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _python_source(cell) -> str:
    """The cell's code with IPython syntax (magics, !shell) turned into plain Python."""
    return TransformerManager().transform_cell(cell.source)


def _code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _headings(notebook, level: int) -> list[tuple[int, str]]:
    """``(cell index, heading text)`` of every markdown heading of the given level."""
    marker = "#" * level + " "
    return [
        (index, line[len(marker) :].strip())
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith(marker)
    ]


def _parameters_cells(notebook) -> list[tuple[int, object]]:
    return [(i, c) for i, c in enumerate(notebook.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]


def _parameter_defaults(cell) -> dict:
    return {
        node.target.id: ast.literal_eval(node.value)
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None
    }


@pytest.fixture(params=NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def notebook_path(request) -> Path:
    return request.param


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


def test_notebook_numbers_are_unique():
    numbers = [path.name[:2] for path in NOTEBOOKS]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    assert not duplicates, f"two notebooks share the number(s) {duplicates}"


def test_file_name_is_number_and_kebab_title(notebook_path):
    assert FILE_NAME.match(notebook_path.name), (
        f"{notebook_path.name}: name it NN-kebab-title.ipynb (two digits, lower-case words joined by '-')"
    )


def test_file_is_small(notebook_path):
    size = notebook_path.stat().st_size
    assert size < MAX_BYTES, (
        f"{notebook_path.name} is {size / 1e6:.1f} MB (limit 3 MB): lower figure dpi or show fewer table rows"
    )


def test_title_cell_states_the_business_question(notebook_path):
    first = _read(notebook_path).cells[0]
    number = notebook_path.name[:2]
    assert first.cell_type == "markdown", f"{notebook_path.name}: the first cell must be the markdown title"
    assert re.match(rf"^# {number} · \S", first.source), (
        f"{notebook_path.name}: the first cell must start with '# {number} · Title', found {first.source[:40]!r}"
    )
    assert "**Business question:**" in first.source, (
        f"{notebook_path.name}: the title cell must hold a line '**Business question:** ...'"
    )


def _sections(notebook) -> list[str]:
    """The '## ' section titles, with consecutive exercise sections (``Exercise 1: ...``,
    ``Exercise 2: ...``) counted as one ``Exercise``."""
    sections = []
    for _, title in _headings(notebook, 2):
        title = "Exercise" if title.startswith("Exercise") else title
        if not (title == "Exercise" and sections and sections[-1] == "Exercise"):
            sections.append(title)
    return sections


def test_sections_follow_the_skeleton(notebook_path):
    notebook = _read(notebook_path)
    sections = _sections(notebook)
    expected = f"{FIRST_SECTIONS} + method sections + {LAST_SECTIONS}"
    assert len(sections) > len(FIRST_SECTIONS) + len(LAST_SECTIONS), (
        f"{notebook_path.name}: sections are {sections}; expected {expected} with at least one method section"
    )
    assert sections[: len(FIRST_SECTIONS)] == FIRST_SECTIONS, (
        f"{notebook_path.name}: the first '## ' sections are {sections[:3]}, expected {FIRST_SECTIONS}"
    )
    assert sections[-len(LAST_SECTIONS) :] == LAST_SECTIONS, (
        f"{notebook_path.name}: the last '## ' sections are {sections[-3:]}, expected {LAST_SECTIONS}"
    )
    assert len(_headings(notebook, 1)) == 1, f"{notebook_path.name}: exactly one '# ' title heading is allowed"


def test_one_parameters_cell_under_the_parameters_heading(notebook_path):
    notebook = _read(notebook_path)
    cells = _parameters_cells(notebook)
    assert len(cells) == 1, f"{notebook_path.name}: {len(cells)} cells are tagged 'parameters', expected exactly 1"
    index, cell = cells[0]
    assert cell.cell_type == "code", f"{notebook_path.name}: the 'parameters' cell must be a code cell"
    section_at = {title: i for i, title in _headings(notebook, 2)}
    assert section_at.get("Parameters", len(notebook.cells)) < index < section_at.get("Load and validate the data", -1), (
        f"{notebook_path.name}: the parameters cell must sit between '## Parameters' and '## Load and validate the data'"
    )


def test_parameters_are_typed_commented_literals(notebook_path):
    (_, cell), *_ = _parameters_cells(_read(notebook_path)) or [(None, None)]
    assert cell is not None, f"{notebook_path.name}: no 'parameters' cell"
    tree = ast.parse(cell.source)
    comment_lines = {
        token.start[0] for token in tokenize.generate_tokens(io.StringIO(cell.source).readline) if token.type == tokenize.COMMENT
    }
    assert tree.body, f"{notebook_path.name}: the parameters cell is empty"
    for node in tree.body:
        line = ast.get_source_segment(cell.source, node)
        assert isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None, (
            f"{notebook_path.name}: parameters must look like `name: type = value  # comment`, found {line!r}"
        )
        try:
            ast.literal_eval(node.value)
        except ValueError:
            pytest.fail(f"{notebook_path.name}: parameter {node.target.id} must be a literal, found {line!r}")
        assert node.end_lineno in comment_lines, (
            f"{notebook_path.name}: parameter {node.target.id} needs a trailing '# comment' saying what it means"
        )


def test_own_data_can_be_mapped(notebook_path):
    """Every notebook that reads data takes the standard ``mapping_path`` and passes it to the loader.

    ``xsell-lab run NB --mapping FILE`` sets ``mapping_path``; a notebook without it refuses the
    analyst's mapping.
    """
    notebook = _read(notebook_path)
    (_, cell), *_ = _parameters_cells(notebook) or [(None, None)]
    defaults = _parameter_defaults(cell) if cell is not None else {}
    if "data_path" not in defaults:
        pytest.skip(f"{notebook_path.name} reads no data")
    assert defaults.get("mapping_path") == "", f"{notebook_path.name}: add `mapping_path: str = \"\"` after data_path"
    comment = next(line for line in cell.source.splitlines() if line.startswith("mapping_path"))
    assert "=" not in comment.split("#", 1)[1] and '"' not in comment.split("#", 1)[1], (
        f"{notebook_path.name}: papermill cannot parse a parameter comment holding '=' or quotes: {comment!r}"
    )
    loads = [c.source for c in _code_cells(notebook) if "load_company(" in c.source]
    assert loads and all("mapping=mapping_path" in source for source in loads), (
        f"{notebook_path.name}: load the data with load_company(data_path, mapping=mapping_path or None)"
    )


def test_executed_in_order_by_a_clean_run(notebook_path):
    counts = [cell.execution_count for cell in _code_cells(_read(notebook_path)) if cell.source.strip()]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{notebook_path.name}: execution counts are {counts}; store the outputs of one clean top-to-bottom run "
        "(`make reports` output or Restart Kernel and Run All)"
    )


def test_executed_with_the_default_parameters(notebook_path):
    notebook = _read(notebook_path)
    injected = [i for i, c in enumerate(notebook.cells) if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    assert not injected, f"{notebook_path.name}: cell(s) {injected} hold papermill-injected parameters; commit a default run"
    (_, cell), *_ = _parameters_cells(notebook) or [(None, None)]
    assert cell is not None, f"{notebook_path.name}: no 'parameters' cell"
    defaults = _parameter_defaults(cell)
    used = notebook.metadata.get("papermill", {}).get("parameters", {})
    differing = {name: value for name, value in used.items() if defaults.get(name, object()) != value}
    assert not differing, f"{notebook_path.name}: executed with non-default parameters {differing}; defaults are {defaults}"


def _output_texts(output) -> list[str]:
    if output.output_type == "stream":
        return [output.text]
    if output.output_type == "error":
        return [output.ename, output.evalue, *output.traceback]
    data = output.get("data", {})
    return [text if isinstance(text, str) else json.dumps(text) for key, text in data.items() if key in TEXT_MIME_TYPES]


def test_no_error_outputs_or_warnings(notebook_path):
    problems = []
    for index, cell in enumerate(_read(notebook_path).cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"cell {index}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr" and re.search(r"\w+Warning\b", output.text):
                problems.append(f"cell {index}: a warning on stderr: {output.text.strip()[:200]}")
    assert not problems, f"{notebook_path.name}: " + "; ".join(problems)


def test_outputs_and_metadata_hold_no_absolute_paths(notebook_path):
    notebook = _read(notebook_path)
    found = [
        f"cell {index}: {match.group(0)!r} in {text.strip()[:120]!r}"
        for index, cell in enumerate(notebook.cells)
        for output in cell.get("outputs", [])
        for text in _output_texts(output)
        for match in [ABSOLUTE_PATH.search(text)]
        if match
    ]
    metadata = json.dumps(notebook.metadata)
    if ABSOLUTE_PATH.search(metadata):
        found.append(f"notebook metadata: {ABSOLUTE_PATH.search(metadata).group(0)!r} (run papermill with relative paths)")
    assert not found, f"{notebook_path.name}: outputs must use relative paths; found " + "; ".join(found)


def test_no_global_warning_filters(notebook_path):
    for index, cell in enumerate(_code_cells(_read(notebook_path))):
        for node in ast.walk(ast.parse(_python_source(cell))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "filterwarnings",
                "simplefilter",
            ):
                arguments = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "action")]
                actions = [a.value for a in arguments if isinstance(a, ast.Constant)]
                assert "ignore" not in actions, (
                    f"{notebook_path.name}, code cell {index}: warnings filtered to 'ignore'; fix the cause instead"
                )


def test_no_trailing_semicolons(notebook_path):
    """nbval 0.11 executes cells with store_history=False, so IPython ignores a trailing ';'
    (nbval issue #194, IPython issue #14162) and the re-run shows an output the stored run did not.
    Assign instead: ``ax = plot_something(...)``."""
    for index, cell in enumerate(_code_cells(_read(notebook_path))):
        source = _python_source(cell)
        assert not (source.strip() and DisplayHook.semicolon_at_end_of_expression(source)), (
            f"{notebook_path.name}, code cell {index} ends with ';' which nbval does not honour; "
            f"assign the result instead (`ax = ...`): {cell.source.strip()[-80:]!r}"
        )


def _is_friendly_check(node) -> bool:
    """``assert ..., 'message'``, or ``check(condition, 'hint', ...)`` of :mod:`xsell_lab.lab.classroom`."""
    if isinstance(node, ast.Assert):
        return node.msg is not None
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check" and len(node.args) >= 2


def test_exercise_has_a_friendly_check(notebook_path):
    notebook = _read(notebook_path)
    headings = _headings(notebook, 2)
    start = next((i for i, title in headings if title.startswith("Exercise")), 0)
    end = next((i for i, title in headings if title == "References"), 0)
    checks = [
        node
        for cell in notebook.cells[start:end]
        if cell.cell_type == "code"
        for node in ast.walk(ast.parse(_python_source(cell)))
        if _is_friendly_check(node)
    ]
    assert checks, (
        f"{notebook_path.name}: the Exercise section needs a check cell, `check(condition, 'hint')` "
        "(xsell_lab.lab.classroom) or `assert ..., 'friendly message'`"
    )


# --- the data decides, not the code ---------------------------------------------------------

#: Canonical vocabulary every company's data uses the same way (the data model's, not Northwind's).
CANONICAL_VALUES = {"control", "none", "all", "auto"}
@pytest.fixture(scope="module")
def world_values(bundled_company) -> set[str]:
    """Every value of the bundled company's world columns (factories.WORLD_COLUMNS), less the canonical vocabulary."""
    return factories.world_values(bundled_company) - CANONICAL_VALUES


def _string_literals(source: str) -> list[str]:
    return [
        node.value for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]  # fmt: skip


def test_no_code_cell_names_the_synthetic_company(notebook_path, world_values):
    """Principle 1: a product, category, experiment, arm, region, segment or channel of Northwind
    in a code cell (parameter defaults included) breaks on another company's data; such choices are
    parameters whose default ("auto" or empty) the data decides."""
    found = [
        f"cell {index}: {literal!r}"
        for index, cell in enumerate(_read(notebook_path).cells)
        if cell.cell_type == "code"
        for literal in _string_literals(_python_source(cell))
        if literal in world_values
    ]
    assert not found, f"{notebook_path.name} names the synthetic company's world: " + ", ".join(found)
