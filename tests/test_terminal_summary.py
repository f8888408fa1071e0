"""The closing line of a run: one entry per group of skipped tests, with how to enable it.

The hook lives in the repository-root ``conftest.py``; these tests copy it into a tiny temporary
project and run pytest there in a subprocess, with skip reasons made by ``tests/conftest.py``'s
helpers, so the shape the helpers write and the shape the hook reads cannot drift apart.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from skips import SKIP_GROUPS, skip_reason

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


@pytest.fixture(scope="module")
def root_conftest():
    """The root conftest.py as a module of its own (the name ``conftest`` is tests/conftest.py's)."""
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT_CONFTEST)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def _run_pytest(folder: Path, files: dict[str, str]) -> list[str]:
    """Run pytest (with the root conftest.py) on ``files`` in ``folder``; its output lines."""
    (folder / "conftest.py").write_text(ROOT_CONFTEST.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    for name, source in files.items():
        (folder / name).write_text(source, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-ra", "-p", "no:cacheprovider", str(folder)],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout.splitlines()


def test_one_line_per_skipped_group_just_above_pytests_final_line(tmp_path):
    browser = skip_reason("browser", "chromium is not installed")
    real_data = skip_reason("real data", "/nowhere/groceries.csv is absent")
    lines = _run_pytest(
        tmp_path,
        {
            "test_mixed.py": f"""
import pytest

def test_runs():
    pass

def test_browser():
    pytest.skip({browser!r})

@pytest.mark.skipif(True, reason={browser!r})
def test_browser_marked():
    pass

@pytest.fixture
def groceries():
    pytest.skip({real_data!r})

def test_real_data(groceries):
    pass

def test_unclassified():
    pytest.skip("free prose, no group")
""",
            "test_module_level.py": f"""
import pytest

pytest.importorskip("no_such_module_xsell", reason={skip_reason("spark", "pyspark is not installed")!r})

def test_never_collected():
    pass
""",
        },
    )
    assert lines[-2] == (
        "skipped: browser (2 tests: install chromium and chromium-driver), "
        f"real data (1 test: {SKIP_GROUPS['real data']}), "
        "spark (1 file: pip install -e '.[spark]' and Java 17), "
        "other (1 test: free prose, no group)"
    )
    assert lines[-1].strip("= ").startswith("1 passed, 5 skipped in "), lines[-1]


def test_a_run_without_skips_says_so(tmp_path):
    lines = _run_pytest(tmp_path, {"test_plain.py": "def test_runs():\n    pass\n"})
    assert lines[-2] == "skipped: none (every selected test ran)"
    assert lines[-1].strip("= ").startswith("1 passed in "), lines[-1]


@pytest.mark.parametrize("group", sorted(SKIP_GROUPS))
def test_every_group_reads_back_from_its_reason(root_conftest, group):
    assert root_conftest.classify_skip(skip_reason(group, "a detail; with a semicolon")) == (group, SKIP_GROUPS[group])


def test_other_shapes_are_listed_with_their_reason(root_conftest):
    assert root_conftest.classify_skip("[browser] no hint given") == ("other", "[browser] no hint given")


def test_an_unknown_group_is_refused():
    with pytest.raises(ValueError, match="unknown skip group 'gpu'"):
        skip_reason("gpu", "no CUDA")
