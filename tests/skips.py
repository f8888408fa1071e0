"""Skipping a test that cannot run here, in the one shape the closing summary line reads.

A test that cannot run here skips through :func:`skip_test`, :func:`shared_file` or
:func:`import_or_skip`, never with free prose: the reason then has the shape
``[group] detail; to enable: how`` (:func:`skip_reason`), with ``group`` one of
:data:`SKIP_GROUPS`. The repository-root ``conftest.py`` reads that shape to end the run with one
line per skipped group and how to enable it.

Import the helpers with ``from skips import skip_test`` (pytest puts ``tests/`` on ``sys.path``).
They live here rather than in ``conftest.py`` because several ``conftest`` modules exist in the
tree (the root one, ``tests/``, a fixture folder) and ``import conftest`` gets whichever pytest
loaded last.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
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
