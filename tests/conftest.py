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
bundled_lines
    ``sales_lines(bundled_company)``, the wide sales-lines table of the bundled company, built
    once per session.
ground_truth
    ``data/ground_truth.json`` (the planted truth of the synthetic company) as a dict.

The three session objects are shared by every test that asks for them, so no test may change
them: a test that needs to change one works on a copy (``frame.copy()``, ``copy.deepcopy``).
Each is fingerprinted when built and again when the session ends; a change fails the session's
last test at teardown, naming the object. ``tests/test_test_suite.py`` checks that test modules
use these fixtures instead of loading the bundled company, its sales lines or its ground truth
themselves.

Helpers
-------
Small hand-made tables that several modules need live in ``tests/factories.py``
(``from factories import random_lines``): test modules never import each other.

Skipping
--------
A test that cannot run here skips through the helpers of ``tests/skips.py``
(``from skips import skip_test``), which give every reason the shape the closing summary reads.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
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


def _fingerprint(frame: pd.DataFrame) -> tuple:
    """Columns, dtypes and a SHA-256 of every row's values and index, in row order."""
    rows = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    return tuple(frame.columns), tuple(map(str, frame.dtypes)), hashlib.sha256(rows.tobytes()).hexdigest()


def _fail_if_changed(name: str, before, after) -> None:
    if before != after:
        pytest.fail(
            f"the session fixture {name} was changed by a test: every test shares it, so a test that "
            "needs to change it must work on a copy (frame.copy(), copy.deepcopy).",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def bundled_company() -> Iterator:
    """The bundled synthetic company, validated, shared by the whole session (never changed)."""
    from xsell_lab import load_company

    _require_bundled_data()
    company = load_company(DATA_DIR)
    before = {name: _fingerprint(frame) for name, frame in company.tables().items()}
    yield company
    _fail_if_changed("bundled_company", before, {name: _fingerprint(frame) for name, frame in company.tables().items()})


@pytest.fixture(scope="session")
def bundled_lines(bundled_company) -> Iterator[pd.DataFrame]:
    """``sales_lines(bundled_company)``, shared by the whole session (never changed)."""
    from xsell_lab import sales_lines

    lines = sales_lines(bundled_company)
    before = _fingerprint(lines)
    yield lines
    _fail_if_changed("bundled_lines", before, _fingerprint(lines))


@pytest.fixture(scope="session")
def ground_truth() -> Iterator[dict]:
    """The planted truth of the bundled synthetic company, shared by the whole session (never changed)."""
    _require_bundled_data()
    truth = json.loads((DATA_DIR / "ground_truth.json").read_text(encoding="utf-8"))
    before = copy.deepcopy(truth)
    yield truth
    _fail_if_changed("ground_truth", before, truth)
