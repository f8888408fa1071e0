"""The README works as typed: its shell commands run in a fresh clone, its quotes are the real files.

The ```bash blocks are run line by line, in README order, from the root of a fresh ``git clone`` of
the repository's HEAD (so uncommitted changes are not what is tested: commit first). Each line must
exit 0, and where it is cheap to check, leave what it promises (``make reports``: an executed
notebook and a PDF per notebook; ``run``: a notebook in ``reports/``; ``--pdf``: a PDF). A line
``cd FOLDER`` moves the lines after it, in the same block, into that folder.

``make reports`` is run in full (about a minute on two cores), not exempted: it is the first command
a new user types, and it is the only test that renders the PDF of every real notebook; nbval
re-executes the notebooks but makes no PDF. The whole test takes about two and a half minutes.

The clone's environment
-----------------------
``make`` would create ``.venv`` and ``pip install -e '.[dev]'`` into it, downloading every
dependency; the test gives the clone a working ``.venv`` without that, as the Makefile's recipe does
minus the two pip lines:

- ``python -m venv --without-pip .venv`` on the interpreter running the tests;
- a ``.pth`` file naming the clone's root (its ``xsell_lab`` package, as an editable install
  would) and this environment's site-packages (the dependencies, already installed here), plus
  symlinks to this environment's ``share/jupyter`` and ``etc/jupyter`` data (nbconvert templates,
  JupyterLab), which pip installs outside site-packages;
- the console scripts of the clone's ``pyproject.toml`` (``.venv/bin/xsell-lab``), written as pip
  writes them; ``pip install --no-deps -e`` cannot do it offline: the project needs setuptools >= 77
  to build, and without build isolation the environment's own setuptools is used;
- the kernelspec (``ipykernel install --sys-prefix``), and ``.venv/.installed-stamp`` touched after
  the clone, so ``make`` sees an installed environment (checked with ``make -q venv``).

The commands see the user's environment minus this one: ``VIRTUAL_ENV``, ``PYTHONPATH`` and this
environment's ``bin`` folder on ``PATH`` are removed, so a bare ``xsell-lab`` fails as it would for
a user who did not activate ``.venv``. Lines that must not run here are listed in
:data:`EXEMPT` with the reason; an exemption whose line left the README fails
:func:`test_every_exemption_is_a_line_of_the_readme`, so the list cannot rot.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from xsell_lab.data import schema

from skips import REPO_ROOT, skip_test

README = REPO_ROOT / "README.md"
MAPPING = REPO_ROOT / "examples" / "shop_export_mapping.yaml"
#: README command lines not run here, with the reason (a line's command without its comment).
EXEMPT = {
    "make test": "the test suite itself: running it from a test would recurse",
    "make lab": "starts a JupyterLab server that runs until stopped; tests/test_jupyterlab.py opens "
    "the notebooks in JupyterLab in a real browser instead",
    "make test-fast": "runs most of the suite this test belongs to (minutes); the single-file and "
    "single-notebook lines next to it run the same pytest the same way",
    "make test-blas": "re-validates every notebook twice under other BLAS kernels (minutes); .ci/run runs it "
    "after make test on every submission",
}
LINE_SECONDS = 600
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)
YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)
DESCRIBE_COMMAND = re.compile(r"`(\.venv/bin/python -c \"[^`\"]*describe_tables\(\)[^`\"]*\")`")
CONSOLE_SCRIPT = """#!{python}
import sys
from {module} import {function}
if __name__ == "__main__":
    sys.argv[0] = sys.argv[0].removesuffix(".exe")
    sys.exit({function}())
"""
# Makefile variables an outer `make test` exports; an inner `make` must not inherit its jobserver.
MAKE_VARIABLES = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")


def bash_blocks(readme: str) -> list[list[str]]:
    """The command lines of each ```bash block: blank and comment-only lines dropped, ``\\`` continuations joined."""
    blocks = []
    for block in BASH_BLOCK.findall(readme):
        joined = block.replace("\\\n", " ")
        blocks.append([line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")])
    return blocks


def command_of(line: str) -> str:
    """A command line without its trailing comment and extra spaces: the key of :data:`EXEMPT`."""
    return " ".join(shlex.split(line, comments=True))


def _check_output(arguments: list[str | Path], cwd: Path | None = None) -> str:
    run = subprocess.run([str(a) for a in arguments], cwd=cwd, capture_output=True, text=True, timeout=LINE_SECONDS)
    assert run.returncode == 0, f"{' '.join(map(str, arguments))} exited {run.returncode}:\n{run.stdout}{run.stderr}"
    return run.stdout


def _write_console_scripts(clone: Path, python: Path) -> None:
    """The ``[project.scripts]`` of the clone's pyproject.toml, as pip writes them into ``.venv/bin``."""
    scripts = tomllib.loads((clone / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    for name, target in scripts.items():
        module, function = target.split(":")
        script = python.parent / name
        script.write_text(CONSOLE_SCRIPT.format(python=python, module=module, function=function), encoding="utf-8")
        script.chmod(0o755)


def _link_jupyter_data(venv: Path) -> None:
    """Symlink this environment's Jupyter data (all but kernels) and configuration into the clone's."""
    here = Path(sys.prefix)
    for item in sorted((here / "share" / "jupyter").glob("*")):
        if item.name != "kernels":
            target = venv / "share" / "jupyter" / item.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(item, target_is_directory=item.is_dir())
    if (here / "etc" / "jupyter").is_dir():
        (venv / "etc").mkdir(exist_ok=True)
        (venv / "etc" / "jupyter").symlink_to(here / "etc" / "jupyter", target_is_directory=True)


def borrow_environment(clone: Path) -> Path:
    """Give ``clone`` a working ``.venv`` on this environment's packages; its python (see the module docstring)."""
    venv = clone / ".venv"
    _check_output([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    site_packages = Path(_check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    (site_packages / "xsell_lab_borrowed.pth").write_text(f"{clone}\n{sysconfig.get_paths()['purelib']}\n", encoding="utf-8")
    _write_console_scripts(clone, python)
    _link_jupyter_data(venv)
    _check_output([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3",
                   "--display-name", "Python 3 (xsell-lab)"])  # fmt: skip
    (venv / ".installed-stamp").touch()
    return python


def user_environment() -> dict[str, str]:
    """The environment a user's shell would have: this virtual environment and outer make left out."""
    own_bin = Path(sys.prefix, "bin").resolve()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", *MAKE_VARIABLES)}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != own_bin)
    return env


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A fresh clone of HEAD with a working ``.venv`` that ``make`` takes as installed."""
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        skip_test("git checkout", f"{REPO_ROOT} is not a git checkout, or git is not installed")
    folder = tmp_path_factory.mktemp("readme") / "xsell-lab"
    _check_output(["git", "clone", "--quiet", REPO_ROOT, folder])
    python = borrow_environment(folder)
    imported = _check_output([python, "-c", "import xsell_lab; print(xsell_lab.__file__)"], cwd=folder.parent)
    assert Path(imported.strip()).is_relative_to(folder), f"the clone's .venv imports xsell_lab from {imported}"
    stale = subprocess.run(["make", "-q", "venv"], cwd=folder, env=user_environment(), capture_output=True, text=True)
    assert stale.returncode == 0, f"make would reinstall the clone's .venv: {stale.stdout}{stale.stderr}"
    return folder


def _files(folder: Path) -> set[Path]:
    return set(folder.rglob("*")) if folder.is_dir() else set()


def reports_folder(command: str, cwd: Path) -> Path:
    """Where a command line writes its reports: ``--out FOLDER``, else ``reports/`` of its folder."""
    words = command.split()
    return cwd / (words[words.index("--out") + 1] if "--out" in words[:-1] else "reports")


def broken_promises(command: str, output: str, new_files: set[Path], cwd: Path) -> list[str]:
    """What a command line run in ``cwd`` promised but did not leave (cheap checks, by the command's shape)."""
    made = {path.suffix for path in new_files}
    words = command.split()
    notebooks = sorted((cwd / "notebooks").glob("*.ipynb"))
    listing = words[0].endswith("xsell-lab") and words[1:2] == ["list"]
    broken = []
    if (command == "make reports" or listing) and not notebooks:
        broken.append("no notebooks/*.ipynb in the clone to check against")
    if command == "make reports":
        broken += [f"no reports/{notebook.stem}{suffix}" for notebook in notebooks for suffix in (".ipynb", ".pdf")
                   if not (cwd / "reports" / f"{notebook.stem}{suffix}").is_file()]  # fmt: skip
    if listing:
        broken += [f"{notebook.stem} not listed" for notebook in notebooks if notebook.stem not in output]
    if words[0].endswith("xsell-lab") and words[1:2] in (["run"], ["report"]) and ".ipynb" not in made:
        broken.append(f"no new executed notebook in {reports_folder(command, cwd)}")
    if "--pdf" in words and ".pdf" not in made:
        broken.append(f"no new PDF in {reports_folder(command, cwd)}")
    return broken


def run_readme_line(line: str, cwd: Path) -> str | None:
    """Run one README line in ``cwd``; ``None`` if it kept its promises, else what went wrong."""
    reports = reports_folder(command_of(line), cwd)
    before = _files(reports)
    run = subprocess.run(["bash", "-c", line], cwd=cwd, env=user_environment(), capture_output=True, text=True,
                         timeout=LINE_SECONDS)  # fmt: skip
    output = run.stdout + run.stderr
    if run.returncode != 0:
        return f"{line!r} exited {run.returncode}:\n{output[-3000:]}"
    broken = broken_promises(command_of(line), output, _files(reports) - before, cwd)
    return f"{line!r}: {'; '.join(broken)}\n{output[-2000:]}" if broken else None


@pytest.mark.slow
def test_readme_bash_blocks_run_in_a_fresh_clone(clone):
    blocks = bash_blocks((clone / "README.md").read_text(encoding="utf-8"))
    assert blocks, "the README has no ```bash block"
    problems, ran = [], 0
    for block in blocks:
        cwd = clone
        for line in block:
            command = command_of(line)
            if command in EXEMPT:
                continue
            if command.split()[0] == "cd":
                cwd = (cwd / Path(command.split()[1]).expanduser()).resolve()
                problems += [] if cwd.is_dir() else [f"{line!r}: no folder {cwd}"]
                continue
            ran += 1
            problem = run_readme_line(line, cwd)
            problems += [problem] if problem else []
    assert ran >= 5, f"only {ran} README lines ran: did the ```bash blocks change shape?"
    assert not problems, "\n\n".join(problems)


@pytest.mark.slow
def test_the_readme_describe_tables_command_prints_every_column(clone):
    readme = (clone / "README.md").read_text(encoding="utf-8")
    (command,) = DESCRIBE_COMMAND.findall(readme)
    printed = subprocess.run(["bash", "-c", command], cwd=clone, env=user_environment(), capture_output=True,
                             text=True, timeout=120)  # fmt: skip
    assert printed.returncode == 0, printed.stderr
    for table in schema.TABLES.values():
        for column in table.columns:
            assert re.search(rf"^{table.name}\s+{column.name}\s.*{re.escape(column.description)}$", printed.stdout,
                             re.MULTILINE), f"{table.name}.{column.name} is not printed in full"  # fmt: skip


def test_describe_tables_prints_in_full_and_selects_as_a_plain_frame():
    model = schema.describe_tables()
    lines = str(model).splitlines()
    assert lines[0].split() == ["table", "column", "type", "required", "rule", "description"]
    assert len(lines) == 1 + sum(len(table.columns) for table in schema.TABLES.values())
    assert "..." not in str(model)
    consent = next(line for line in lines if " marketing_consent " in line)
    assert consent.endswith("True if the customer agreed to receive offers; empty = unknown, treated as no consent")
    assert type(model[model["table"] == schema.ORDERS]) is pd.DataFrame  # notebooks show selections as usual


def test_every_exemption_is_a_line_of_the_readme():
    commands = {command_of(line) for block in bash_blocks(README.read_text(encoding="utf-8")) for line in block}
    assert not set(EXEMPT) - commands, f"exempted lines no longer in the README: {sorted(set(EXEMPT) - commands)}"


def test_the_readme_quotes_the_example_mapping_file_verbatim():
    quoted = YAML_BLOCK.findall(README.read_text(encoding="utf-8"))
    assert MAPPING.read_text(encoding="utf-8") in quoted, (
        f"the README's ```yaml block must be {MAPPING.relative_to(REPO_ROOT)} exactly; copy the file into it"
    )


def test_line_parsing_drops_comments_and_joins_continuations():
    readme = "text\n```bash\n# a comment\nmake reports   # every notebook\n\nxsell-lab run 01 \\\n  -p region North\n```\n"
    assert bash_blocks(readme) == [["make reports   # every notebook", "xsell-lab run 01    -p region North"]]
    assert command_of("make reports   # every notebook") == "make reports"
