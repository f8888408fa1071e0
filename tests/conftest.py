"""Shared fixtures for the test suite.

Session-wide environment setup (hash seed, plotting backend, nbval markers) lives in the
repository-root ``conftest.py``; this file only provides fixtures.

Fixtures
--------
repo_root
    The repository root (a :class:`~pathlib.Path`).
notebook_paths
    Every committed notebook ``notebooks/*.ipynb``, sorted by name.
shared_data
    ``../shared/data`` next to the repository (real public data sets, or the folder named by
    ``XSELL_LAB_SHARED_DATA``); the test is skipped, group ``real data``, when it is absent.
bundled_company
    The bundled synthetic company, ``load_company(<repo>/data)``, loaded once per session.
    It is committed, so its absence is a failure, never a skip.
ground_truth
    ``data/ground_truth.json`` (the planted truth of the synthetic company) as a dict.

Skipping
--------
A test that cannot run here skips through :func:`skip_test`, :func:`shared_file` or
:func:`import_or_skip`, never with free prose: the reason then has the shape
``[group] detail; to enable: how`` (:func:`skip_reason`), with ``group`` one of
:data:`SKIP_GROUPS`. The repository-root ``conftest.py`` reads that shape to end the run with one
line per skipped group and how to enable it. Import the helpers with
``from conftest import skip_test`` (pytest puts ``tests/`` on ``sys.path``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
DATA_DIR = REPO_ROOT / "data"
SHARED_DATA_VARIABLE = "XSELL_LAB_SHARED_DATA"
SHARED_DATA_DIR = Path(os.environ.get(SHARED_DATA_VARIABLE) or REPO_ROOT.parent / "shared" / "data")
# Why a test may skip, and what makes it run: the group names the root conftest.py summarises.
SKIP_GROUPS = {
    "browser": "install chromium and chromium-driver",
    "real data": f"put the public data sets in ../shared/data or set {SHARED_DATA_VARIABLE}",
    "spark": "pip install -e '.[spark]' and Java 17",
    "dev extra": "pip install -e '.[dev]'",
    "git checkout": "run the tests in a git clone of the repository, with git installed",
}


def skip_reason(group: str, detail: str) -> str:
    """The reason of a skip, in the shape the closing summary line reads.

    Parameters
    ----------
    group : str
        A key of :data:`SKIP_GROUPS`.
    detail : str
        What is missing here, e.g. the absent file.

    Returns
    -------
    str
        ``"[group] detail; to enable: how"``.

    Raises
    ------
    ValueError
        If ``group`` is not a known group.
    """
    if group not in SKIP_GROUPS:
        raise ValueError(f"unknown skip group {group!r}; use one of {sorted(SKIP_GROUPS)}")
    return f"[{group}] {detail}; to enable: {SKIP_GROUPS[group]}"


def skip_test(group: str, detail: str) -> NoReturn:
    """Skip the running test (or fixture) with a :func:`skip_reason`."""
    pytest.skip(skip_reason(group, detail))


def shared_file(relative: str) -> Path:
    """A file of the real public data sets, or skip (group ``real data``) when it is absent.

    Parameters
    ----------
    relative : str
        The file's path inside the shared data folder, e.g. ``"dominicks/orangejuice_yx.csv.gz"``.

    Returns
    -------
    pathlib.Path
        The existing file.
    """
    path = SHARED_DATA_DIR / relative
    if not path.exists():
        skip_test("real data", f"{path} is absent")
    return path


def import_or_skip(module: str, group: str = "dev extra") -> ModuleType:
    """Import an optional module, or skip with a :func:`skip_reason` naming its group.

    Only for modules outside the package's own dependencies: a missing required dependency
    is a broken install, and must fail.
    """
    return pytest.importorskip(module, reason=skip_reason(group, f"{module} is not installed"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def notebook_paths() -> list[Path]:
    """The committed notebooks, in reading order."""
    return sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public data sets, or skip when this checkout has none."""
    if not SHARED_DATA_DIR.is_dir():
        skip_test("real data", f"{SHARED_DATA_DIR} does not exist")
    return SHARED_DATA_DIR


def _require_bundled_data() -> None:
    truth = DATA_DIR / "ground_truth.json"
    if not truth.is_file():
        pytest.fail(f"{truth} is missing: the bundled company is committed; regenerate it with `make data`.")


@pytest.fixture(scope="session")
def bundled_company():
    """The bundled synthetic company, validated, shared by the whole session (do not mutate)."""
    from xsell_lab import load_company

    _require_bundled_data()
    return load_company(DATA_DIR)


@pytest.fixture(scope="session")
def ground_truth() -> dict:
    """The planted truth of the bundled synthetic company."""
    _require_bundled_data()
    return json.loads((DATA_DIR / "ground_truth.json").read_text(encoding="utf-8"))
