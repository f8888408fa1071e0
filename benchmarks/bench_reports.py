"""Benchmark report generation: notebook run, PDF rendering, and the whole `make reports`.

Run from the repository root (not part of the test suite; a few minutes):

    .venv/bin/python benchmarks/bench_reports.py                 # every notebook
    .venv/bin/python benchmarks/bench_reports.py --notebooks 00 01 --skip-all
    .venv/bin/python benchmarks/bench_reports.py --csv benchmarks/results/reports.csv

For every notebook it measures, one after the other in this process:

* ``run``: papermill execution on the bundled data (kernel start included);
* ``html``: title page, contents and body HTML (nbconvert + post-processing);
* ``weasyprint`` and ``chromium``: HTML -> PDF with each renderer;

then the whole ``python -m xsell_lab report --all --force`` (what ``make
reports`` runs, with one worker per core) in a subprocess, wall time. The issue's
targets: one executed notebook to PDF in a few seconds; `make reports` under
10 minutes on 2 cores. Results print as a table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pandas as pd
from pypdf import PdfReader

from xsell_lab.lab.cli import resolve_notebook
from xsell_lab.lab.report.document import report_html
from xsell_lab.lab.report.pdf import find_chromium, html_to_pdf, weasyprint_available
from xsell_lab.lab.report.provenance import read_provenance
from xsell_lab.lab.report.render import new_pseudonym_key
from xsell_lab.lab.runner import discover_notebooks, execute_notebook

REPO = Path(__file__).resolve().parents[1]


def _timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def bench_notebook(notebook: Path, work: Path) -> dict:
    """Seconds of each step for one notebook, pages and size of its PDF."""
    executed, run = _timed(execute_notebook, notebook, work, progress=False, force=True)
    key = new_pseudonym_key()
    document, build = _timed(
        lambda: report_html(nbformat.read(executed, as_version=4), read_provenance(executed), pseudonym_key=key)
    )
    row = {"notebook": notebook.stem, "run_s": run, "html_s": build}
    for renderer, available in (("weasyprint", weasyprint_available()), ("chromium", find_chromium() is not None)):
        target = work / f"{notebook.stem}.{renderer}.pdf"
        if not available:
            row[f"{renderer}_s"] = float("nan")
            continue
        _, seconds = _timed(html_to_pdf, document, target, renderer=renderer)
        row[f"{renderer}_s"] = seconds
        row[f"{renderer}_pages"] = len(PdfReader(target).pages)
        row[f"{renderer}_kb"] = round(target.stat().st_size / 1024)
    return row


def bench_make_reports(work: Path) -> float:
    """Wall seconds of `python -m xsell_lab report --all --force` into a fresh folder."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "xsell_lab", "report", "--all", "--force", "--out", str(work)],
        cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"},
    )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", nargs="*", help="names or prefixes (default: all in notebooks/)")
    parser.add_argument("--skip-all", action="store_true", help="do not time the whole `make reports`")
    parser.add_argument("--csv", type=Path, help="append the per-notebook rows to this CSV")
    args = parser.parse_args(argv)
    notebooks = [resolve_notebook(name) for name in args.notebooks] if args.notebooks else discover_notebooks()
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as work:
        rows = pd.DataFrame([bench_notebook(notebook, Path(work)) for notebook in notebooks])
        print(rows.round(1).to_string(index=False))
        if args.csv:
            args.csv.parent.mkdir(parents=True, exist_ok=True)
            rows.assign(cores=os.cpu_count()).to_csv(args.csv, mode="a", header=not args.csv.exists(), index=False)
        if not args.skip_all:
            total = bench_make_reports(Path(work) / "all")
            print(f"\nmake reports equivalent ({len(discover_notebooks())} notebooks, PDFs): {total:.0f} s wall")


if __name__ == "__main__":
    main()
