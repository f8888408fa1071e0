"""Benchmark how fast the package and the command start: ``import xsell_lab``, ``--help``, ``list``.

Run from the repository root (a few seconds; not part of the test suite):

    .venv/bin/python benchmarks/bench_startup.py
    .venv/bin/python benchmarks/bench_startup.py --repeat 21

Each measurement is a fresh interpreter (``subprocess``), timed from start to exit, so what a
user waits for is measured: interpreter start-up, imports, and the command's own work. The
table gives the median and the minimum of ``--repeat`` runs, with a bare ``python -c pass``
as the floor nothing can go below. ``xsell-lab`` is the console script next to this Python
(the one pip installs). Every command runs from the repository root, with whichever
``xsell_lab`` this Python imports (the script prints its path; ``python -P`` keeps the current
folder off ``sys.path``, as for the console script): put another checkout first on
``PYTHONPATH`` to compare two versions on the same machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUN_ALL_ARGS = ["--repeat", "11"]
REPO = Path(__file__).resolve().parents[1]


def commands() -> dict[str, list[str]]:
    """What is measured, by label: each a command line run in a fresh process."""
    script = Path(sys.executable).with_name("xsell-lab")
    cli = [str(script)] if script.is_file() else [sys.executable, "-m", "xsell_lab"]
    return {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "import xsell_lab": [sys.executable, "-P", "-c", "import xsell_lab"],
        "xsell-lab --help": [*cli, "--help"],
        "xsell-lab list": [*cli, "list"],
    }


def seconds_of(command: list[str]) -> float:
    """Wall seconds of one run; a failed run stops the benchmark with its error."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-1000:]}")
    return elapsed


def measure(repeat: int) -> list[dict]:
    """Median and minimum seconds of each command, runs interleaved so load changes hit all alike."""
    runs: dict[str, list[float]] = {label: [] for label in commands()}
    for round_number in range(repeat):
        print(f"round {round_number + 1}/{repeat}", file=sys.stderr)
        for label, command in commands().items():
            runs[label].append(seconds_of(command))
    return [{"command": label, "median": statistics.median(times), "min": min(times)} for label, times in runs.items()]


def table(rows: list[dict], repeat: int) -> str:
    """The Markdown table of :func:`measure`."""
    lines = [f"| command | median seconds ({repeat} runs) | min seconds |", "|---|---:|---:|"]
    lines += [f"| `{row['command']}` | {row['median']:.3f} | {row['min']:.3f} |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=11, help="fresh-process runs per command (default: 11)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    where = subprocess.run([sys.executable, "-P", "-c", "import xsell_lab; print(xsell_lab.__file__)"],
                           capture_output=True, text=True, check=True).stdout.strip()
    try:
        rows = measure(args.repeat)
    except RuntimeError as error:
        print(f"bench_startup: {error}", file=sys.stderr)
        return 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, load average {load:.1f}; "
          f"xsell_lab from {where}\n")
    print(table(rows, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
