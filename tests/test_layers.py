"""The package's layers hold: imports only go down, and nothing imports in a circle.

Layers, top to bottom (the order of ``LAYERS``; README "How the package is built"):
``exceptions`` < ``data`` < ``stats`` < the business concepts < ``plots`` < ``synth`` < ``lab``.
A module may import from its own layer or a lower one, never from a higher one. The
imports are read from the source (``ast``), including those inside functions and under
``TYPE_CHECKING``, so a lazy import cannot hide an upward arrow.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import xsell_lab

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "xsell_lab"

#: Layer of each top-level module or subpackage, lowest first.
LAYERS = {
    "exceptions": 0,
    "_deprecation": 0,
    "_files": 0,
    "_threads": 0,
    "_spark": 0,
    "_text": 0,
    "data": 1,
    "stats": 2,
    **dict.fromkeys(
        ["kpis", "customers", "lifecycle", "targeting", "basket", "propensity", "catalogue", "guardrails", "pricing", "clv", "experiments", "channels", "triggers", "recommendations", "accounts", "playbook"],
        3,
    ),
    "plots": 4,
    "synth": 5,
    "lab": 6,
}
LAYER_NAMES = ["exceptions", "data", "stats", "concepts", "plots", "synth", "lab"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py")) if "bundle" not in path.parts}


def imported_modules(path: Path) -> set[str]:
    """The xsell_lab modules a file imports (``from pkg import sub`` counts as ``pkg.sub``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("xsell_lab")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("xsell_lab") and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return found


GRAPH = {name: imported_modules(path) - {name} for name, path in MODULES.items()}


def top_level(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_top_level_module_has_a_layer():
    tops = {top_level(name) for name in MODULES} - {None, "__main__"}
    assert tops <= set(LAYERS), f"modules without a layer in tests/test_layers.py: {sorted(tops - set(LAYERS))}"


def test_imports_only_go_down_the_layers():
    upward = []
    for name, targets in GRAPH.items():
        source = top_level(name)
        if source in (None, "__main__"):
            continue
        for target in targets:
            destination = top_level(target)
            if destination is not None and LAYERS[destination] > LAYERS[source]:
                upward.append(f"{name} ({LAYER_NAMES[LAYERS[source]]}) imports {target} ({LAYER_NAMES[LAYERS[destination]]})")
    assert not upward, "imports against the layer order:\n" + "\n".join(sorted(upward))


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the components of more than one module."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def package_of(name: str) -> str:
    """The top-level module or subpackage a module belongs to (``xsell_lab.basket.rules`` -> ``xsell_lab.basket``)."""
    return ".".join(name.split(".")[:2])


def test_no_import_cycle_between_modules_of_different_parts():
    """A cycle inside a subpackage through its ``__init__`` re-exports is Python's usual shape; one across parts is not."""
    across = {name: {package_of(t) for t in targets if package_of(t) != package_of(name)} for name, targets in GRAPH.items()}
    parts = {}
    for name, targets in across.items():
        parts.setdefault(package_of(name), set()).update(targets)
    assert strongly_connected(parts) == []


def test_no_import_cycle_between_modules():
    # a package's __init__ importing its submodules is not a cycle; a submodule importing its own __init__ would be
    assert strongly_connected(GRAPH) == []


def test_the_checker_sees_an_upward_import_and_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    (tree,) = [ast.parse("def f():\n    from xsell_lab.lab import cli\n")]
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imports and imports[0].module == "xsell_lab.lab", "imports inside functions are read"


def moved_paths_used(text: str) -> list[str]:
    """The moved module paths a Python source imports (IPython magics ignored)."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines())
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return sorted({name for name in found if xsell_lab._new_path(name) is not None})


def project_sources() -> list[Path]:
    files = [*PACKAGE.rglob("*.py"), *(ROOT / "tests").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py"), *(ROOT / "notebooks").glob("*.ipynb")]
    return [file for file in files if file.name != "test_layers.py"]


@pytest.mark.parametrize("path", project_sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_project_file_uses_a_moved_path(path):
    if path.suffix == ".ipynb":
        text = "\n".join("".join(cell["source"]) for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code")
    else:
        text = path.read_text()
    assert moved_paths_used(text) == []


def test_old_paths_still_import_the_same_module_with_a_future_warning():
    import importlib
    import sys

    from xsell_lab.data import schema
    from xsell_lab.lab.report import batch

    for name in ("xsell_lab.schema", "xsell_lab.report", "xsell_lab.report.batch"):
        sys.modules.pop(name, None)
    with pytest.warns(FutureWarning, match=r"xsell_lab\.schema moved to xsell_lab\.data\.schema"):
        old_schema = importlib.import_module("xsell_lab.schema")
    with pytest.warns(FutureWarning) as caught:
        old_batch = importlib.import_module("xsell_lab.report.batch")
    assert [str(w.message).split(" in ")[0] for w in caught] == [
        "xsell_lab.report moved to xsell_lab.lab.report",
        "xsell_lab.report.batch moved to xsell_lab.lab.report.batch",
    ]
    assert old_schema is schema and old_batch is batch
    assert schema.__spec__.name == "xsell_lab.data.schema", "the real module keeps its own spec"


def test_moved_path_checker_finds_an_old_import():
    assert moved_paths_used("from xsell_lab import basket, schema\n") == ["xsell_lab.schema"]
    assert moved_paths_used("def f():\n    import xsell_lab.report.batch\n") == ["xsell_lab.report.batch"]
    assert moved_paths_used("from xsell_lab.data import schema\n") == []
