"""The test suite's own rules: shared fixtures and helpers, never another test module.

Two rules hold for every ``tests/*.py`` file, read from the source with ``ast`` (imports inside
functions count too):

1. **No test module is imported.** A statement ``import test_x``, ``import tests.test_x``,
   ``from test_x import ...``, ``from tests.test_x import ...``, ``from tests import test_x`` or
   ``from . import test_x`` (any dotted part or imported name starting with ``test_``) fails.
   Shared helpers live in ``tests/factories.py``, shared fixtures in ``tests/conftest.py``.
2. **No test module rebuilds the bundled company's data.** The session fixtures of
   ``tests/conftest.py`` (``bundled_company``, ``bundled_lines``, ``ground_truth``) are built once;
   a test module (``tests/test_*.py``) fails when it contains

   * a call ``sales_lines(bundled_company)`` (also ``xsell_lab.sales_lines(...)`` and any other
     ``<module>.sales_lines``) whose first argument is the name ``bundled_company``: use
     ``bundled_lines``;
   * a call ``load_company(<bundled data folder>, ...)`` (bare or as an attribute): use
     ``bundled_company``;
   * a call ``json.loads(...)`` or ``json.load(...)`` whose argument contains
     ``<bundled data folder> / "ground_truth.json"``: use ``ground_truth``.

   A *bundled data folder* is the string ``"data"`` (relative to the repository root, where the
   suite runs), ``<repository root> / "data"``, or a module-level name assigned one of these. The
   *repository root* is the ``repo_root`` fixture, a name ``REPO_ROOT`` (e.g. imported from
   ``skips``), an expression containing ``__file__`` that ends in ``.parents[1]`` or
   ``.parent.parent`` (``tests/`` is one level down), or a module-level name assigned such an
   expression. A folder under ``tmp_path`` is never the bundled one, and comparing the committed
   file's bytes (``read_bytes``) is not parsing it.

The rules read names, not values: ``company = bundled_company; sales_lines(company)`` is not
caught, nor ``json.load(f)`` of a file opened on an earlier line. They catch the way the suite actually spelled these rebuilds, which is what lets
``tests/conftest.py`` build each object once; the hand-written examples below show what is and is
not caught.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SUITE_FILES = sorted(TESTS.glob("*.py"))
TEST_MODULES = [path for path in SUITE_FILES if path.name.startswith("test_")]
GROUND_TRUTH_FILE = "ground_truth.json"
DATA_FOLDER = "data"


def _is_test_module_name(name: str) -> bool:
    return any(part.startswith("test_") for part in name.split("."))


def imported_test_modules(tree: ast.AST) -> list[str]:
    """Each import of a test module in ``tree``, as ``"line N: <module>"``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: {alias.name}" for alias in node.names if _is_test_module_name(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.module and _is_test_module_name(node.module):
                found.append(f"line {node.lineno}: {node.module}")
            elif node.module in (None, "tests"):  # from . import test_x / from tests import test_x
                found += [f"line {node.lineno}: {alias.name}" for alias in node.names if alias.name.startswith("test_")]
    return found


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


class _Paths:
    """Which expressions of one module name the repository root or the bundled data folder."""

    def __init__(self, tree: ast.Module) -> None:
        self.roots = {"repo_root", "REPO_ROOT"}
        self.data_folders: set[str] = set()
        for node in tree.body:  # module-level names, in order: DATA = REPO / "data" after REPO = ...
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                if self.is_root(node.value):
                    self.roots.add(name)
                elif self.is_data_folder(node.value):
                    self.data_folders.add(name)

    def is_root(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.roots
        text = ast.unparse(node)
        return "__file__" in text and (text.endswith(".parents[1]") or text.endswith(".parent.parent"))

    def is_data_folder(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return node.value == DATA_FOLDER
        if isinstance(node, ast.Name):
            return node.id in self.data_folders
        return (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Div)
            and isinstance(node.right, ast.Constant)
            and node.right.value == DATA_FOLDER
            and self.is_root(node.left)
        )

    def is_ground_truth_file(self, node: ast.expr) -> bool:
        return (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Div)
            and isinstance(node.right, ast.Constant)
            and node.right.value == GROUND_TRUTH_FILE
            and self.is_data_folder(node.left)
        )


def bundled_rebuilds(tree: ast.Module) -> list[str]:
    """Each place ``tree`` rebuilds the bundled company, its sales lines or its ground truth."""
    paths = _Paths(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name, first = _called_name(node), node.args[0]
        if name == "sales_lines" and isinstance(first, ast.Name) and first.id == "bundled_company":
            found.append(f"line {node.lineno}: sales_lines(bundled_company); use the bundled_lines fixture")
        elif name == "load_company" and paths.is_data_folder(first):
            found.append(f"line {node.lineno}: load_company({ast.unparse(first)}); use the bundled_company fixture")
        elif (
            isinstance(node.func, ast.Attribute)
            and ast.unparse(node.func) in ("json.loads", "json.load")
            and any(isinstance(part, ast.expr) and paths.is_ground_truth_file(part) for part in ast.walk(first))
        ):
            found.append(f"line {node.lineno}: {ast.unparse(node.func)} of the committed {GROUND_TRUTH_FILE}; use the ground_truth fixture")
    return found


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# --- the rules, on hand-written sources: what is caught and what is not ---------------------

CAUGHT_IMPORTS = [
    "import test_io",
    "import tests.test_io as io",
    "from test_io import write_csvs",
    "from tests.test_io import write_csvs",
    "from tests import test_io",
    "from . import test_io",
    "def f():\n    from test_basket import random_lines",
]
ALLOWED_IMPORTS = ["from factories import random_lines", "from skips import skip_test", "import pytest", "from xsell_lab import sales_lines"]


@pytest.mark.parametrize("source", CAUGHT_IMPORTS)
def test_an_imported_test_module_is_caught(source):
    assert len(imported_test_modules(ast.parse(source))) == 1


@pytest.mark.parametrize("source", ALLOWED_IMPORTS)
def test_helper_and_library_imports_are_allowed(source):
    assert imported_test_modules(ast.parse(source)) == []


CAUGHT_REBUILDS = [
    "def test_x(bundled_company):\n    lines = sales_lines(bundled_company)",
    "@pytest.fixture\ndef lines(bundled_company):\n    return xsell_lab.sales_lines(bundled_company)",
    "company = load_company('data')",
    "REPO = Path(__file__).resolve().parents[1]\ncompany = xsell_lab.load_company(REPO / 'data')",
    "DATA = Path(__file__).resolve().parents[1] / 'data'\ncompany = load_company(DATA)",
    "def test_x(repo_root):\n    company = load_company(repo_root / 'data', mapping=None)",
    "from skips import REPO_ROOT\ncompany = load_company(REPO_ROOT / 'data')",
    "DATA = Path(__file__).parent.parent / 'data'\ntruth = json.loads((DATA / 'ground_truth.json').read_text())",
    "REPO = Path(__file__).resolve().parents[1]\ntruth = json.loads((REPO / 'data' / 'ground_truth.json').read_text())['baskets']",
    "REPO = Path(__file__).parents[1]\nDATA = REPO / 'data'\ntruth = json.load(open(DATA / 'ground_truth.json', encoding='utf-8'))",
]
ALLOWED_REBUILDS = [
    "def test_x(bundled_lines):\n    lines = bundled_lines",
    "def test_x(company):\n    lines = sales_lines(company)",
    "def test_x(tmp_path):\n    company = load_company(tmp_path / 'data', 'mapping.yaml')",
    "def test_x(tmp_path):\n    truth = json.loads((tmp_path / 'ground_truth.json').read_text(encoding='utf-8'))",
    "def test_x(repo_root, tmp_path):\n    assert (tmp_path / 'g.json').read_bytes() == (repo_root / 'data' / 'ground_truth.json').read_bytes()",
    "FIXTURES = Path(__file__).resolve().parent / 'fixtures'\ncompany = load_company(FIXTURES / 'data')",
]


@pytest.mark.parametrize("source", CAUGHT_REBUILDS)
def test_a_rebuild_of_the_bundled_data_is_caught(source):
    assert len(bundled_rebuilds(ast.parse(source))) == 1


@pytest.mark.parametrize("source", ALLOWED_REBUILDS)
def test_other_data_and_the_fixtures_are_allowed(source):
    assert bundled_rebuilds(ast.parse(source)) == []


# --- the rules, on the suite itself ------------------------------------------------------


def test_the_suite_has_the_modules_these_rules_read():
    names = {path.name for path in SUITE_FILES}
    assert {"conftest.py", "factories.py", "test_test_suite.py"} <= names
    assert len(TEST_MODULES) > 20


@pytest.mark.parametrize("path", SUITE_FILES, ids=[path.name for path in SUITE_FILES])
def test_no_suite_file_imports_a_test_module(path):
    assert imported_test_modules(_parse(path)) == [], f"{path.name}: move the shared helper to tests/factories.py"


@pytest.mark.parametrize("path", TEST_MODULES, ids=[path.name for path in TEST_MODULES])
def test_no_test_module_rebuilds_the_bundled_data(path):
    assert bundled_rebuilds(_parse(path)) == [], f"{path.name}: use the session fixtures of tests/conftest.py"
