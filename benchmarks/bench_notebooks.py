"""Time every notebook's execution and measure its kernel's peak memory.

Run from the repository root (``make benchmarks`` runs it through ``run_all.py``):

    .venv/bin/python benchmarks/bench_notebooks.py                 # every notebook
    .venv/bin/python benchmarks/bench_notebooks.py --only 00 04    # notebooks by number
    .venv/bin/python benchmarks/bench_notebooks.py --repeat 5

Each run executes one notebook with its default parameters exactly as ``make reports`` does
(``xsell_lab.lab.runner.execute_notebook``: papermill, working directory ``notebooks/``, inline
figures, ``PYTHONHASHSEED=0``) in a fresh Python process, writing into a temporary folder.
That process reports

* ``seconds``: wall time of ``execute_notebook`` (kernel start-up included, interpreter start-up not);
* ``kernel_peak_mib``: peak resident memory of the kernel, from ``getrusage(RUSAGE_CHILDREN)``
  (the largest reaped descendant: the kernel, which papermill shuts down and waits for).

A notebook is run ``--repeat`` times when its first run took less than ``--cheap`` seconds,
once otherwise. Results go to ``benchmarks/results/notebooks.json`` (git-ignored, written
whole) and a Markdown table is printed for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run_all import write_whole  # the scripts share one folder; run_all.py writes results whole

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "benchmarks" / "results" / "notebooks.json"


def run_one(notebook: str) -> dict:
    """Execute one notebook in this process (called in a child by :func:`measure`)."""
    from xsell_lab.lab.runner import execute_notebook

    with tempfile.TemporaryDirectory() as out_dir:
        start = time.perf_counter()
        execute_notebook(notebook, out_dir, progress=False, kernel_env={"PYTHONHASHSEED": "0"})
        seconds = time.perf_counter() - start
    kernel_peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return {"seconds": seconds, "kernel_peak_mib": kernel_peak_kib / 1024}


def measure(notebook: Path) -> dict:
    """One run of a notebook in a fresh child process."""
    done = subprocess.run(
        [sys.executable, __file__, "--one", str(notebook)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{notebook.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def code_cell_count(notebook: Path) -> int:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return sum(cell["cell_type"] == "code" for cell in cells)


def benchmark(notebook: Path, repeat: int, cheap_seconds: float) -> dict:
    runs = [measure(notebook)]
    if runs[0]["seconds"] < cheap_seconds:
        runs += [measure(notebook) for _ in range(repeat - 1)]
    seconds = [run["seconds"] for run in runs]
    return {
        "notebook": notebook.name,
        "code_cells": code_cell_count(notebook),
        "file_kib": round(notebook.stat().st_size / 1024),
        "runs": len(runs),
        "seconds_median": round(statistics.median(seconds), 2),
        "seconds_min": round(min(seconds), 2),
        "seconds_all": [round(s, 2) for s in seconds],
        "kernel_peak_mib": round(max(run["kernel_peak_mib"] for run in runs), 1),
    }


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
    }


def markdown_table(rows: list[dict]) -> str:
    lines = [
        "| notebook | code cells | runs | median s | min s | kernel peak MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['notebook']} | {r['code_cells']} | {r['runs']} | {r['seconds_median']:.1f} | "
        f"{r['seconds_min']:.1f} | {r['kernel_peak_mib']:.0f} |"
        for r in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NN", help="notebook numbers to run (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per cheap notebook (default 3)")
    parser.add_argument("--cheap", type=float, default=60, help="repeat notebooks whose first run is under this many seconds")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one)))
        return 0

    notebooks = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
    if args.only:
        notebooks = [nb for nb in notebooks if nb.name[:2] in args.only]
    rows, failures = [], {}
    for notebook in notebooks:
        print(f"running {notebook.name} ...", file=sys.stderr, flush=True)
        try:
            rows.append(benchmark(notebook, args.repeat, args.cheap))
        except RuntimeError as error:  # a broken notebook must not hide the others' numbers
            failures[notebook.name] = str(error)
            print(error, file=sys.stderr)
    write_whole(RESULTS, {"machine": machine(), "notebooks": rows, "failed": failures})
    print(markdown_table(rows))
    print(f"\n{machine()['cpus']} CPUs, Python {machine()['python']}; details in {RESULTS.relative_to(REPO_ROOT)}")
    if failures:
        print(f"failed: {', '.join(failures)}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
