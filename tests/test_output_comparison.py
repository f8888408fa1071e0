"""The stored notebook outputs are compared strictly: a changed figure fails ``make test``.

Machine independence (README "Tests: outputs that do not depend on the CPU") comes from
computing figures to machine precision and printing them at the precision the method
supports, never from a comparison that looks away. These tests keep it that way:

* every sanitizer in ``tests/nbval_sanitize.cfg`` leaves the figures a notebook prints
  (counts, money, shares, p-values, dates, ids) untouched;
* nbval, run with the project's own options on a one-cell notebook whose stored output
  differs from the fresh one in the last digit of a figure, reports a failure; the same
  notebook with the right stored output passes (so the failure is the digit's doing).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SANITIZE_FILE = REPO_ROOT / "tests" / "nbval_sanitize.cfg"

#: Figures of the kinds the notebooks print; no sanitizer may touch any of them.
PRINTED_FIGURES = [
    "92 customers get a retention offer, worth 10,516 of margin at risk",
    "C07490           225.361    0.384               web    10",
    "<td>225.361</td>",
    "45% of customers; lift 3.9; 2.3 percentage points",
    "chi-square 6.90, p = 0.0086",
    "between 2023-01-01 and 2025-12-31",
    "Those who did waited 30 days (median).",
    "estimate 1.2635494251, std_error 0.0312",
    "-3.139 (interval -3.2 to -3.05)",
]


def sanitizers() -> list[tuple[str, str]]:
    """The ``(regex, replacement)`` pairs of ``tests/nbval_sanitize.cfg``, in file order (nbval's own parsing)."""
    from nbval.plugin import get_sanitize_patterns

    return get_sanitize_patterns(SANITIZE_FILE.read_text(encoding="utf-8"))


def sanitize(text: str) -> str:
    """Apply every sanitizer, as nbval does to both the stored and the fresh output."""
    for regex, replacement in sanitizers():
        text = re.sub(regex, replacement, text)
    return text


def test_the_sanitize_file_has_rules():
    assert len(sanitizers()) >= 4, f"{SANITIZE_FILE} lost its rules (nbval reads 'regex: ' / 'replace: ' pairs)"


@pytest.mark.parametrize("figure", PRINTED_FIGURES)
def test_sanitizers_leave_printed_figures_alone(figure):
    assert sanitize(figure) == figure, f"a sanitizer rewrites a computed figure: {figure!r} -> {sanitize(figure)!r}"


@pytest.mark.parametrize(
    ("volatile", "expected"),
    [
        ("<xsell_lab.clv.BetaGeoModel object at 0x7f3a2c1b9e50>", "<xsell_lab.clv.BetaGeoModel object at 0xADDRESS>"),
        ("Wall time: 1.23 s", "Wall time: TIME"),
        ("<Figure size 675x183.6 with 1 Axes>", "<Figure with 1 Axes>"),  # the plot style's size, not a result
    ],
)
def test_sanitizers_still_normalise_volatile_text(volatile, expected):
    assert sanitize(volatile) == expected


def _one_cell_notebook(path: Path, stored_output: str) -> None:
    """A notebook whose code cell prints a figure, with ``stored_output`` as its stored output."""
    cell = nbformat.v4.new_code_cell(
        'print(f"worth {10516:,} of margin at risk")',
        execution_count=1,
        outputs=[nbformat.v4.new_output("stream", name="stdout", text=stored_output + "\n")],
    )
    notebook = nbformat.v4.new_notebook(cells=[cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


def _run_nbval(notebook: Path) -> subprocess.CompletedProcess:
    """pytest with the options ``make test`` gives nbval, on one notebook, in its own folder."""
    command = [
        sys.executable, "-m", "pytest", str(notebook), "-q", "-p", "no:cacheprovider",
        "--rootdir", str(notebook.parent), "-c", os.devnull,
        "--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE_FILE),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=notebook.parent)


@pytest.mark.slow
def test_a_changed_last_digit_fails_and_the_right_one_passes(tmp_path):
    wrong = tmp_path / "wrong" / "figure.ipynb"
    right = tmp_path / "right" / "figure.ipynb"
    for path, stored in ((wrong, "worth 10,517 of margin at risk"), (right, "worth 10,516 of margin at risk")):
        path.parent.mkdir()
        _one_cell_notebook(path, stored)
    failed = _run_nbval(wrong)
    assert failed.returncode == 1, f"nbval did not fail on a changed digit:\n{failed.stdout}\n{failed.stderr}"
    assert "1 failed" in failed.stdout and "10,517" in failed.stdout
    passed = _run_nbval(right)
    assert passed.returncode == 0, f"the unchanged notebook should pass:\n{passed.stdout}\n{passed.stderr}"
    assert "1 passed" in passed.stdout
