"""Run every benchmark script: ``make benchmarks``.

Discovers ``benchmarks/bench_*.py`` (``bench_notebooks.py`` first, then by name), runs each
as its own process from the repository root with ``PYTHONHASHSEED=0``, and passes its
output through. A script may declare a module-level literal ``RUN_ALL_ARGS = [...]``: the
command-line arguments this runner gives it (read with ``ast``, the script is not imported);
without it the script runs with no arguments. One failing script does not stop the others;
the exit status says whether all succeeded. Timing of each script goes to
``benchmarks/results/run_all.json``. See ``benchmarks/README.md`` for the convention.

    .venv/bin/python benchmarks/run_all.py                  # everything
    .venv/bin/python benchmarks/run_all.py --only notebooks basket
    .venv/bin/python benchmarks/run_all.py --list
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
REPO_ROOT = BENCHMARKS.parent
SUMMARY = BENCHMARKS / "results" / "run_all.json"
FIRST = "bench_notebooks.py"


def discover() -> list[Path]:
    """The benchmark scripts, notebooks first, then alphabetical."""
    return sorted(BENCHMARKS.glob("bench_*.py"), key=lambda path: (path.name != FIRST, path.name))


def declared_args(script: Path) -> list[str]:
    """The script's ``RUN_ALL_ARGS`` literal, or no arguments."""
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == "RUN_ALL_ARGS" for t in targets) and node.value is not None:
            value = ast.literal_eval(node.value)
            if not (isinstance(value, list) and all(isinstance(arg, str) for arg in value)):
                raise ValueError(f"{script.name}: RUN_ALL_ARGS must be a list of strings, got {value!r}")
            return value
    return []


def short_name(script: Path) -> str:
    return script.stem.removeprefix("bench_")


def run(script: Path) -> dict:
    command = [sys.executable, str(script.relative_to(REPO_ROOT)), *declared_args(script)]
    print(f"\n## {short_name(script)}\n\n`{' '.join(['python', *command[1:]])}`\n", flush=True)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    start = time.perf_counter()
    returncode = subprocess.run(command, cwd=REPO_ROOT, env=env, check=False).returncode
    seconds = round(time.perf_counter() - start, 1)
    return {"script": script.name, "args": command[2:], "returncode": returncode, "seconds": seconds}


def write_whole(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="scripts by short name (bench_NAME.py)")
    parser.add_argument("--list", action="store_true", help="list the scripts and their arguments, run nothing")
    args = parser.parse_args(argv)
    scripts = discover()
    if args.only:
        unknown = sorted(set(args.only) - {short_name(s) for s in scripts})
        if unknown:
            parser.error(f"no benchmarks/bench_<name>.py for {unknown}; available: {[short_name(s) for s in scripts]}")
        scripts = [s for s in scripts if short_name(s) in args.only]
    if args.list:
        for script in scripts:
            print(script.name, *declared_args(script))
        return 0
    summary = [run(script) for script in scripts]
    write_whole(SUMMARY, summary)
    failed = [entry["script"] for entry in summary if entry["returncode"] != 0]
    print("\n## summary\n\n| script | seconds | status |\n|---|---:|---|")
    for entry in summary:
        print(f"| {entry['script']} | {entry['seconds']} | {'ok' if entry['returncode'] == 0 else 'FAILED'} |")
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
