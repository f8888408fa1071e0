"""The two install routes and the two README commands stay in step.

* ``environment.yml`` (conda-forge) lists exactly the packages of ``pyproject.toml``'s core
  dependencies plus the ``dev`` extra, with the same version floors. Where conda-forge names a
  package differently, :data:`CONDA_TO_PIP` maps it (add a line there, with the reason, when
  you add such a package).
* CI (``.ci/run``) runs ``make test``, and the README's Quickstart shows ``make reports`` and
  ``make test``.
* The runtime dependencies (``[project].dependencies``) are what the package and its shipped
  notebooks import, found by walking their code with :mod:`ast` and mapping modules to
  distributions with :func:`importlib.metadata.packages_distributions`; the few exceptions are
  listed below with their reason. Test tools live in the ``dev`` extra.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[1]

# conda-forge name -> PyPI name, only where they differ.
CONDA_TO_PIP = {
    "matplotlib-base": "matplotlib",  # conda-forge's matplotlib without the Qt GUI backends
    "python-duckdb": "duckdb",  # conda-forge calls the Python bindings python-duckdb
}
# conda entries that are the interpreter and the installer, not project dependencies.
CONDA_ONLY = {"python", "pip"}
PIP_EXTRAS_IN_CONDA = ("dev", "spark")

# Runtime dependencies nothing imports, each with the reason it is a runtime dependency.
RUNTIME_WITHOUT_IMPORT = {
    "openpyxl": "pandas' engine for the .xlsx files xsell_lab.data.io reads (pandas does not require it)",
    "jupyterlab": "the lab is opened in JupyterLab (`jupyter lab`, as the README of `xsell-lab init` says)",
    "ipykernel": "papermill runs every notebook on the python3 kernel ipykernel provides",
}
# Third-party modules imported without being a runtime dependency of their own, and why that is right.
IMPORTED_THROUGH = {
    "IPython": ("ipykernel", "notebook 10 displays Markdown with IPython, which the kernel (ipykernel) requires"),
}
# Modules imported only by optional features: module -> the extra that declares their distribution.
OPTIONAL_IMPORTS = {"pyspark": "spark"}
# Development tools: never runtime dependencies, always in the dev extra.
TEST_TOOLS = ("pytest", "nbval", "selenium", "pypdf", "lifetimes")
CONDA_SPEC = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<spec>.*?)\s*$")


def _pyproject() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _environment() -> dict:
    return yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))


def _pip_requirements() -> dict[str, SpecifierSet]:
    """Core dependencies plus the extras mirrored in conda, by canonical name."""
    project = _pyproject()["project"]
    lines = list(project["dependencies"])
    for extra in PIP_EXTRAS_IN_CONDA:
        lines += project["optional-dependencies"][extra]
    requirements = {}
    for line in lines:
        requirement = Requirement(line)
        requirements[canonicalize_name(requirement.name)] = requirement.specifier
    return requirements


def _conda_entries() -> list[str]:
    return [entry for entry in _environment()["dependencies"] if isinstance(entry, str)]


def _conda_requirements() -> dict[str, SpecifierSet]:
    """conda-forge packages by their PyPI canonical name (``python`` and ``pip`` left out)."""
    requirements = {}
    for entry in _conda_entries():
        match = CONDA_SPEC.match(entry)
        assert match, f"environment.yml: cannot read the entry {entry!r}"
        name, spec = match["name"].lower(), match["spec"].replace(" ", "")
        if name in CONDA_ONLY:
            continue
        assert not re.match(r"^=[^=]", spec), (
            f"environment.yml: {entry!r} uses conda's fuzzy '=' pin; write a floor '>=' as pyproject.toml does"
        )
        requirements[canonicalize_name(CONDA_TO_PIP.get(name, name))] = SpecifierSet(spec)
    return requirements


def test_environment_uses_conda_forge_only():
    assert _environment()["channels"] == ["conda-forge"], "environment.yml must use the conda-forge channel only"


def test_environment_installs_this_package_with_pip():
    pip_sections = [entry["pip"] for entry in _environment()["dependencies"] if isinstance(entry, dict)]
    assert ["-e ."] in pip_sections, "environment.yml must end with `- pip: [-e .]` so the xsell_lab package is importable"


def test_python_floor_matches_requires_python():
    python = [e for e in _conda_entries() if CONDA_SPEC.match(e)["name"].lower() == "python"]
    assert python, "environment.yml does not list python"
    conda_floor = SpecifierSet(CONDA_SPEC.match(python[0])["spec"].replace(" ", ""))
    assert conda_floor == SpecifierSet(_pyproject()["project"]["requires-python"]), (
        f"python: environment.yml says {conda_floor}, pyproject.toml requires-python says "
        f"{_pyproject()['project']['requires-python']}"
    )


def test_same_packages_in_both_files():
    pip, conda = _pip_requirements(), _conda_requirements()
    only_pip, only_conda = sorted(pip.keys() - conda.keys()), sorted(conda.keys() - pip.keys())
    assert not only_pip and not only_conda, (
        f"environment.yml and pyproject.toml (core + {', '.join(PIP_EXTRAS_IN_CONDA)}) have drifted: "
        f"only in pyproject.toml: {only_pip or 'none'}; only in environment.yml: {only_conda or 'none'}. "
        "Add the package to both (conda-forge name in environment.yml; if it differs from the PyPI name, "
        "map it in CONDA_TO_PIP in tests/test_environment.py)."
    )


def test_same_version_floors_in_both_files():
    pip, conda = _pip_requirements(), _conda_requirements()
    drifted = [
        f"{name}: pyproject.toml '{pip[name] or '(none)'}' vs environment.yml '{conda[name] or '(none)'}'"
        for name in sorted(pip.keys() & conda.keys())
        if pip[name] != conda[name]
    ]
    assert not drifted, "version constraints differ: " + "; ".join(drifted)


def test_ci_runs_make_test():
    ci_script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci_script.splitlines() if not line.lstrip().startswith("#")]
    assert "make test" in commands, ".ci/run must run exactly the README's test command, `make test`"


def _readme_section(title: str) -> str:
    readme = REPO_ROOT / "README.md"
    assert readme.is_file(), "README.md is missing"
    match = re.search(
        rf"^(#+)\s*{re.escape(title)}\s*$(?P<body>.*?)(?=^#{{1,2}}\s|\Z)",
        readme.read_text(encoding="utf-8"),
        flags=re.MULTILINE | re.DOTALL | re.IGNORECASE,
    )
    assert match, f"README.md has no '{title}' section"
    return match["body"]


@pytest.mark.parametrize("command", ["make reports", "make test"])
def test_readme_quickstart_shows_the_command(command):
    quickstart = _readme_section("Quickstart")
    code_blocks = "\n".join(re.findall(r"```[^\n]*\n(.*?)```", quickstart, flags=re.DOTALL))
    commands = [line.split("#")[0].strip() for line in code_blocks.splitlines()]
    assert command in commands, f"README.md's Quickstart must show `{command}` in a code block"


def _names(lines: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in lines}


def _runtime() -> set[str]:
    return _names(_pyproject()["project"]["dependencies"])


def _top_level_imports(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _notebook_code(notebook: Path) -> str:
    """The code cells of a notebook, without IPython magics and shell lines."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    return "\n".join(line for source in sources for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def _third_party_imports() -> dict[str, set[str]]:
    """Third-party top-level modules imported by xsell_lab/ and the shipped notebooks -> where."""
    sources = {str(path.relative_to(REPO_ROOT)): path.read_text(encoding="utf-8") for path in (REPO_ROOT / "xsell_lab").rglob("*.py")}
    sources |= {str(path.relative_to(REPO_ROOT)): _notebook_code(path) for path in (REPO_ROOT / "notebooks").glob("*.ipynb")}
    found: dict[str, set[str]] = {}
    for where, source in sources.items():
        for module in _top_level_imports(source) - set(sys.stdlib_module_names) - {"xsell_lab"}:
            found.setdefault(module, set()).add(where)
    return found


def _distributions(module: str) -> set[str]:
    return {canonicalize_name(name) for name in packages_distributions().get(module, [])}


def test_every_third_party_import_is_a_declared_dependency():
    runtime, extras = _runtime(), _pyproject()["project"]["optional-dependencies"]
    undeclared = []
    for module, where in sorted(_third_party_imports().items()):
        if module in OPTIONAL_IMPORTS:
            declared = _names(extras[OPTIONAL_IMPORTS[module]])
            ok = canonicalize_name(module) in declared or bool(_distributions(module) & declared)
        elif module in IMPORTED_THROUGH:
            ok = IMPORTED_THROUGH[module][0] in runtime and bool(_distributions(module))
        else:
            ok = bool(_distributions(module) & runtime)
        if not ok:
            undeclared.append(f"{module} (imported in {', '.join(sorted(where)[:3])})")
    assert not undeclared, (
        "imported but not a runtime dependency in pyproject.toml [project].dependencies: " + "; ".join(undeclared)
    )


def test_every_runtime_dependency_is_imported_or_explained():
    imported = {name for module in _third_party_imports() for name in _distributions(module)}
    unexplained = sorted(_runtime() - imported - set(RUNTIME_WITHOUT_IMPORT))
    assert not unexplained, (
        f"runtime dependencies nothing in xsell_lab/ or notebooks/ imports: {unexplained}. Move them to the dev "
        "extra, or add them to RUNTIME_WITHOUT_IMPORT in tests/test_environment.py with the reason."
    )
    stale = sorted(set(RUNTIME_WITHOUT_IMPORT) - _runtime())
    assert not stale, f"RUNTIME_WITHOUT_IMPORT names packages that are no runtime dependency: {stale}"
    assert not set(RUNTIME_WITHOUT_IMPORT) & imported, "an imported package needs no entry in RUNTIME_WITHOUT_IMPORT"


@pytest.mark.parametrize("tool", TEST_TOOLS)
def test_test_tools_are_development_dependencies_only(tool):
    assert tool not in _runtime(), f"{tool} is a test tool: move it from [project].dependencies to the dev extra"
    assert tool in _names(_pyproject()["project"]["optional-dependencies"]["dev"]), f"{tool} is missing from the dev extra"
