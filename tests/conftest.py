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
A test that cannot run here skips through the helpers of ``tests/skips.py``
(``from skips import skip_test``), which give every reason the shape the closing summary reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skips import SHARED_DATA_DIR, skip_test

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
DATA_DIR = REPO_ROOT / "data"
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
