"""Session setup shared by the unit tests and the notebook tests (nbval).

It lives at the repository root so that it is loaded however pytest is started
(``make test``, ``pytest tests/...`` or ``pytest notebooks/01-....ipynb``).
Fixtures live in ``tests/conftest.py``.

The notebooks' stored outputs were produced by ``make reports``/papermill with
``PYTHONHASHSEED=0`` and the Jupyter inline matplotlib backend; nbval re-executes
them in a kernel that inherits this process's environment, so the same two
settings are enforced here before any kernel starts.

A run ends with one line, just above pytest's own final line, naming each group of skipped
tests and how to enable it (:func:`skip_summary`). Tests give their skip reasons the shape
``[group] detail; to enable: how`` through the helpers in ``tests/conftest.py``; a skip in
another shape is listed as group ``other`` with its reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field

import pytest

EXPECTED_HASH_SEED = "0"
# Set by ipykernel itself when MPLBACKEND is absent; a kernel started with MPLBACKEND=Agg
# would draw no figure at all, so stored figures would go missing.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# The shape tests/conftest.py's skip_reason gives a skip reason.
GROUPED_SKIP = re.compile(r"\[(?P<group>[a-z][a-z ]*)\] (?P<detail>.+); to enable: (?P<enable>.+)", re.DOTALL)
OTHER_GROUP = "other"


def pytest_configure(config: pytest.Config) -> None:
    """Fix the hash seed and the plotting backend for every kernel nbval starts."""
    hash_seed = os.environ.setdefault("PYTHONHASHSEED", EXPECTED_HASH_SEED)
    if hash_seed != EXPECTED_HASH_SEED:
        raise pytest.UsageError(
            f"PYTHONHASHSEED is {hash_seed!r}, but the notebooks' stored outputs were produced with "
            f"PYTHONHASHSEED={EXPECTED_HASH_SEED}. Run `make test`, or unset PYTHONHASHSEED, "
            f"or set it to {EXPECTED_HASH_SEED}."
        )
    # Kernels must use the inline backend (ipykernel's default when MPLBACKEND is unset);
    # this process draws headless with Agg, whatever the desktop offers.
    os.environ.pop("MPLBACKEND", None)
    import matplotlib

    matplotlib.use("Agg")
    _anchor_sanitize_file(config)


def _anchor_sanitize_file(config: pytest.Config) -> None:
    """Resolve ``--nbval-sanitize-with`` against the rootdir, so pytest may run from any folder."""
    sanitize_file = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize_file and not os.path.isabs(sanitize_file):
        config.option.nbval_sanitize_with = str(config.rootpath / sanitize_file)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every notebook cell collected by nbval as ``notebook`` and ``slow``."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
            item.add_marker(pytest.mark.slow)


@dataclass
class SkipGroup:
    """Skipped tests and files sharing a group, with what would make them run."""

    tests: int = 0
    files: int = 0
    hints: list[str] = field(default_factory=list)

    def add(self, report: pytest.TestReport | pytest.CollectReport, hint: str) -> None:
        """Count one skip report (a whole file when skipped while collecting) and keep its hint once."""
        if isinstance(report, pytest.CollectReport):
            self.files += 1
        else:
            self.tests += 1
        if hint not in self.hints:
            self.hints.append(hint)

    def describe(self, name: str) -> str:
        """``name (N tests: hint)``, e.g. ``browser (2 tests: install chromium and chromium-driver)``."""
        counts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in ((self.tests, "test"), (self.files, "file")) if n]
        return f"{name} ({', '.join(counts)}: {'; '.join(self.hints)})"


def skip_message(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The reason a report was skipped for, without pytest's ``Skipped: `` prefix."""
    longrepr = report.longrepr
    message = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return message.removeprefix("Skipped: ").strip()


def classify_skip(message: str) -> tuple[str, str]:
    """The group of a skip reason and how to enable it; ``("other", message)`` for any other shape."""
    grouped = GROUPED_SKIP.fullmatch(message)
    if grouped is None:
        return OTHER_GROUP, message
    return grouped["group"], grouped["enable"]


def skip_summary(reports: Iterable[pytest.TestReport | pytest.CollectReport]) -> str:
    """One line naming each group of skipped tests, with its count and how to enable it.

    Parameters
    ----------
    reports : iterable of pytest.TestReport or pytest.CollectReport
        The skipped reports (``terminalreporter.stats["skipped"]``).

    Returns
    -------
    str
        ``"skipped: browser (2 tests: install ...), other (1 test: <reason>)"``, groups in
        alphabetical order and ``other`` last; or a line saying that nothing was skipped.
    """
    groups: dict[str, SkipGroup] = {}
    for report in reports:
        name, hint = classify_skip(skip_message(report))
        groups.setdefault(name, SkipGroup()).add(report, hint)
    if not groups:
        return "skipped: none (every selected test ran)"
    names = sorted(groups, key=lambda name: (name == OTHER_GROUP, name))
    return "skipped: " + ", ".join(groups[name].describe(name) for name in names)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Generator[None]:
    """After every other summary (including ``-ra``'s list), write the :func:`skip_summary` line.

    ``tryfirst`` makes this wrapper enclose pytest's own, so the line comes last, just above
    pytest's final ``N passed, M skipped in ...`` line, which stays untouched.
    """
    result = yield
    terminalreporter.write_line(skip_summary(terminalreporter.stats.get("skipped", [])))
    return result
