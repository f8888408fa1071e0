"""The lab as a package: the wheel carries notebooks, data, examples and templates, and stands alone.

The fast tests check the packaging configuration against the repository: every package of
``xsell_lab/`` is listed in ``pyproject.toml``, the bundle's file patterns equal
:data:`xsell_lab.lab.workspace.BUNDLE_FILES`, and every committed notebook, data file and example
matches them. The slow test builds the wheel from a copy of the sources, installs it with its
dependencies into a fresh virtual environment, and in a folder outside the repository runs
``xsell-lab init lab``, ``xsell-lab list``, ``xsell-lab run 01`` and ``xsell-lab report 10``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from xsell_lab.lab import workspace

REPO = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
BUNDLE_PACKAGE = "xsell_lab.bundle."
#: What the build reads: the package, the folders mapped into its bundle, and the readme.
BUILD_INPUTS = ("pyproject.toml", "README.md", "xsell_lab", "notebooks", "data", "examples")
#: Never part of the wheel.
NOT_SHIPPED = ("__pycache__", ".ipynb_checkpoints", "tests/", ".pyc")


def _bundle_patterns_in_pyproject() -> dict[str, tuple[str, ...]]:
    """pyproject's package data of the bundle, as patterns relative to the repository's folders."""
    patterns: dict[str, list[str]] = {}
    for package, globs in SETUPTOOLS["package-data"].items():
        if package.startswith(BUNDLE_PACKAGE):
            folder, _, subfolder = SETUPTOOLS["package-dir"][package].partition("/")
            patterns.setdefault(folder, []).extend(f"{subfolder}/{glob}" if subfolder else glob for glob in globs)
    return {folder: tuple(globs) for folder, globs in patterns.items()}


def test_every_package_is_listed_in_pyproject():
    code = {
        ".".join(init.parent.relative_to(REPO).parts) for init in (REPO / "xsell_lab").rglob("__init__.py")
    } | {"xsell_lab.lab.report.templates"}
    bundle = {f"{BUNDLE_PACKAGE}{folder}" for folder in workspace.BUNDLE_FILES} | {f"{BUNDLE_PACKAGE}examples.shop_export"}
    assert set(SETUPTOOLS["packages"]) == code | bundle, (
        "[tool.setuptools] packages in pyproject.toml must list every package of xsell_lab/ (a missing one is "
        "left out of the wheel)"
    )
    for package in bundle:
        assert (REPO / SETUPTOOLS["package-dir"][package]).is_dir(), f"{package} maps to a missing folder"


def test_bundle_patterns_are_the_same_in_pyproject_and_workspace():
    assert _bundle_patterns_in_pyproject() == workspace.BUNDLE_FILES


def test_every_committed_notebook_data_file_and_example_is_in_the_bundle():
    listed = subprocess.run(
        ["git", "ls-files", *workspace.BUNDLE_FILES], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert listed.returncode == 0, f"git ls-files failed: {listed.stderr}"
    committed = {Path(line) for line in listed.stdout.splitlines()}
    assert len(committed) > 20, f"too few committed bundle files found: {sorted(committed)}"
    left_out = sorted(str(path) for path in committed - set(workspace.bundle_files()))
    assert not left_out, f"committed but matching no pattern of workspace.BUNDLE_FILES (so not shipped): {left_out}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built with pip from a copy of the build inputs (no build/ folder in the repository)."""
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", ".*"))
        else:
            shutil.copy2(REPO / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(dist), str(source)],
        capture_output=True, text=True, check=False,
    )
    assert built.returncode == 0, f"pip wheel failed:\n{built.stdout[-3000:]}\n{built.stderr[-3000:]}"
    (made,) = dist.glob("xsell_lab-*.whl")
    return made


@pytest.mark.slow
def test_the_wheel_carries_the_code_and_the_bundle(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {str(path.relative_to(REPO)) for path in (REPO / "xsell_lab").rglob("*.py") if "__pycache__" not in path.parts}
    bundle = {f"xsell_lab/bundle/{path}" for path in workspace.bundle_files()}
    templates = {f"xsell_lab/lab/report/templates/{name}" for name in ("report.html", "print.css")}
    missing = sorted((modules | bundle | templates) - names)
    assert not missing, f"missing from the wheel: {missing}"
    junk = sorted(name for name in names if any(part in name for part in NOT_SHIPPED))
    assert not junk, f"the wheel carries files it should not: {junk}"


def _environment(venv: Path, home: Path) -> dict[str, str]:
    """The environment of a user who installed the wheel in ``venv``: nothing from this checkout."""
    env = {name: value for name, value in os.environ.items() if name not in {"PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND"}}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    env["JUPYTER_DATA_DIR"] = str(home / "jupyter")  # no kernelspec of the developer's home folder
    return env


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_installed_wheel_makes_a_lab_that_lists_runs_and_reports(wheel, tmp_path):
    venv, work = tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = _environment(venv, tmp_path)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], work, env, timeout=900)
    print(f"fresh virtual environment with the wheel and its dependencies: {time.perf_counter() - started:.0f} s")
    installed = _run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"], work, env).stdout
    names = {package["name"].lower() for package in json.loads(installed)}
    assert "xsell-lab" in names and not names & {"nbval", "pytest", "selenium", "pypdf", "lifetimes"}
    where = _run([str(venv / "bin" / "python"), "-c", "import xsell_lab; print(xsell_lab.__file__)"], work, env).stdout
    assert Path(where.strip()).is_relative_to(venv), f"xsell_lab imported from {where}, not from the wheel"

    command = str(venv / "bin" / "xsell-lab")
    made = _run([command, "init", "lab"], work, env).stdout
    lab = work / "lab"
    notebooks = sorted(path.name for path in (REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert sorted(path.name for path in (lab / "notebooks").glob("*.ipynb")) == notebooks
    assert (lab / "data" / "ground_truth.json").read_bytes() == (REPO / "data" / "ground_truth.json").read_bytes()
    assert (lab / "examples" / "shop_export_mapping.yaml").is_file() and (lab / "README.md").is_file()
    assert f"Lab folder {lab}:" in made

    listing = _run([command, "list"], lab / "notebooks", env).stdout  # from a folder inside the lab
    assert [line for line in listing.splitlines() if line and not line.startswith(" ")] == [n[:-6] for n in notebooks]
    assert listing.count("Question: ") == len(notebooks) and 'data_path: str = "../data"' in listing

    ran = _run([command, "run", "01"], lab, env).stdout
    executed = lab / "reports" / "01-cross-sell-kpis.ipynb"
    assert f"-> {executed}" in ran
    cells = [cell for cell in json.loads(executed.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code"]
    assert cells and all(cell["execution_count"] for cell in cells)
    assert not [out for cell in cells for out in cell["outputs"] if out["output_type"] == "error"]

    reported = _run([command, "report", "10"], lab, env).stdout
    pdf = lab / "reports" / "10-executive-report.pdf"
    assert f"-> {pdf}" in reported and "PDF renderer:" in reported
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(pdf).pages).split())
    assert "Executive cross-sell report" in text and "Headline KPIs" in text and "Recommendations" in text
    assert not (work / "reports").exists()  # reports go to the lab folder
