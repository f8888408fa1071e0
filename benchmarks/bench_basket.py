"""Benchmark the basket engine against its peers: rusket, pyfim, DuckDB SQL and mlxtend, in one run.

Run from the repository root (not part of the test suite; the largest size takes minutes):

    .venv/bin/python benchmarks/bench_basket.py                          # 1M x 10k and 3M x 50k
    .venv/bin/python benchmarks/bench_basket.py --sizes 1M --engines xsell_lab duckdb rusket
    .venv/bin/python -m pip install -e ".[bench]"                          # the peers (optional)

For every size it generates synthetic baskets (seeded), writes them once to a Parquet file,
and then runs each engine *in a fresh subprocess* on that same file: the subprocess imports
the engine (timed: ``import s``), reads the Parquet file into a pandas DataFrame of order lines
(not timed), then goes from those order lines to the frequent itemsets of up to 3 items at
min_support 0.001 (timed: ``run s``, wall clock, and ``run CPU s``, the process's CPU time, which
other jobs on the machine inflate less; for xsell_lab the association rules too). ``peak MB`` is
the subprocess's peak resident memory minus its resident memory once the input was loaded,
i.e. what the engine needed above the input. An engine running longer than ``--timeout``
seconds is stopped and reported so.

The engines:

``xsell_lab``
    ``basket.frequent_itemsets`` (default engine) then ``basket.association_rules``.
``rusket``
    rusket's Rust FP-growth (``from_transactions_csr`` then ``fpgrowth``, mlxtend-style API).
``pyfim``
    Christian Borgelt's C FP-growth (``fim.fpgrowth``, absolute support), fed lists of items.
``duckdb``
    hand-written SQL: distinct lines, frequent items, then pairs and triples by self-joins of
    the lines on the frequent items, counted with ``GROUP BY ... HAVING``.
``mlxtend``
    ``basket.frequent_itemsets(backend="mlxtend")``: mlxtend's FP-growth on a dense one-hot
    table of the frequent items (the teaching backend).

Every engine's itemsets and basket counts are compared, item for item, with those of the
hand-written DuckDB SQL (exact counting by a database, independent of every miner); a peer
that disagrees is reported with the number of itemsets it misses, adds or counts differently.
Supports are turned into the same basket count threshold for every engine
(``xsell_lab.basket.transactions.min_count``), and given as that absolute count where the
engine accepts one (pyfim, DuckDB), else as the share (rusket, mlxtend).

The results go to ``benchmarks/results/basket.json`` and the Markdown table (the README's) to
``benchmarks/results/basket.md``, with the date, the machine and its load average.

Synthetic baskets: item popularity follows a Zipf law (exponent 1, as in Instacart's product
counts), basket sizes are 1 + Poisson(9) (Instacart's mean basket is about 10 items), and 20
planted pairs and 5 planted triples are added to 2% of baskets each so that longer itemsets exist.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

SIZES = {"10k": (10_000, 500), "100k": (100_000, 2_000), "1M": (1_000_000, 10_000), "3M": (3_000_000, 50_000)}
ENGINES = ("xsell_lab", "rusket", "duckdb", "pyfim", "mlxtend")
REFERENCE = "duckdb"
MIN_SUPPORT = 0.001
MAX_LEN = 3
RESULTS = Path(__file__).resolve().parent / "results"
RUN_ALL_ARGS = ["--sizes", "100k", "--engines", "xsell_lab", "duckdb", "mlxtend"]


def synthetic_baskets(n_baskets: int, n_items: int, seed: int = 0) -> pd.DataFrame:
    """Long table (order_id, product_id) of Zipf-popular items with planted pairs and triples."""
    rng = np.random.default_rng(seed)
    sizes = 1 + rng.poisson(9, n_baskets)
    weights = 1.0 / np.arange(1, n_items + 1)
    order = np.repeat(np.arange(n_baskets, dtype=np.int64), sizes)
    item = rng.choice(n_items, size=len(order), p=weights / weights.sum()).astype(np.int64)
    extra_orders, extra_items = [], []
    for length, count in ((2, 20), (3, 5)):
        for _ in range(count):
            members = rng.choice(np.arange(50, min(n_items, 2_000)), size=length, replace=False)
            chosen = np.flatnonzero(rng.random(n_baskets) < 0.02)
            extra_orders.append(np.repeat(chosen, length))
            extra_items.append(np.tile(members, len(chosen)))
    order = np.concatenate([order, *extra_orders])
    item = np.concatenate([item, *extra_items])
    by_order = np.argsort(order, kind="stable")
    return pd.DataFrame({"order_id": order[by_order], "product_id": item[by_order]})


# --- one engine, in a child process ------------------------------------------------------


def _import(engine: str):
    if engine in ("xsell_lab", "mlxtend"):
        from xsell_lab import basket

        return basket
    if engine == "rusket":
        import rusket

        return rusket
    if engine == "pyfim":
        import fim

        return fim
    import duckdb

    return duckdb


def _mine(engine: str, module, lines: pd.DataFrame, min_count: int) -> list[tuple[list[int], int]]:
    """Itemsets of up to MAX_LEN items in at least ``min_count`` baskets, as (sorted items, count)."""
    n_baskets = lines["order_id"].nunique() if engine in ("rusket", "mlxtend") else None
    if engine == "xsell_lab":
        itemsets = module.frequent_itemsets(lines, MIN_SUPPORT, max_len=MAX_LEN, memory_limit=20 * 1024**3)
        module.association_rules(itemsets, metric="confidence", min_threshold=0.0)
        return [(sorted(map(int, s)), int(c)) for s, c in zip(itemsets["itemsets"], itemsets["count"])]
    if engine == "mlxtend":
        itemsets = module.frequent_itemsets(lines, MIN_SUPPORT, max_len=MAX_LEN, backend="mlxtend", memory_limit=20 * 1024**3)
        return [(sorted(map(int, s)), int(c)) for s, c in zip(itemsets["itemsets"], itemsets["count"])]
    if engine == "rusket":
        matrix, names = module.from_transactions_csr(lines, "order_id", "product_id")
        n_baskets = matrix.shape[0]
        itemsets = module.fpgrowth(matrix, min_support=MIN_SUPPORT, max_len=MAX_LEN, use_colnames=True, column_names=names)
        return [(sorted(int(i) for i in s), round(float(p) * n_baskets)) for s, p in zip(itemsets["itemsets"], itemsets["support"])]
    if engine == "pyfim":
        grouped = lines.groupby("order_id", sort=False)["product_id"].unique()
        found = module.fpgrowth([basket.tolist() for basket in grouped], target="s", supp=-min_count, zmax=MAX_LEN, report="a")
        return [(sorted(int(i) for i in s), int(c)) for s, c in found]
    connection = module.connect()
    connection.register("lines", lines)
    return [(sorted(items), int(n)) for items, n in connection.execute(duckdb_sql(min_count)).fetchall()]


def duckdb_sql(min_count: int) -> str:
    """Hand-written SQL counting the items, pairs and triples in at least ``min_count`` baskets."""
    return f"""
    WITH l AS (SELECT DISTINCT order_id AS o, product_id AS i FROM lines),
    one AS (SELECT i, count(*) AS n FROM l GROUP BY i HAVING count(*) >= {min_count}),
    f AS (SELECT l.o, l.i FROM l SEMI JOIN one USING (i)),
    two AS (SELECT a.i AS i, b.i AS j, count(*) AS n FROM f a JOIN f b ON a.o = b.o AND a.i < b.i
            GROUP BY 1, 2 HAVING count(*) >= {min_count}),
    fp AS (SELECT a.o, a.i, b.i AS j FROM f a JOIN f b ON a.o = b.o AND a.i < b.i SEMI JOIN two ON two.i = a.i AND two.j = b.i),
    three AS (SELECT fp.i, fp.j, c.i AS k, count(*) AS n FROM fp JOIN f c ON fp.o = c.o AND fp.j < c.i
              GROUP BY 1, 2, 3 HAVING count(*) >= {min_count})
    SELECT [i] AS items, n FROM one UNION ALL SELECT [i, j], n FROM two UNION ALL SELECT [i, j, k], n FROM three
    """


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_one(path: str, engine: str, min_count: int, out: str) -> dict:
    """Import, load and mine with one engine; the itemsets go to ``out`` (JSON), the timings are returned."""
    start = time.perf_counter()
    module = _import(engine)
    import_seconds = time.perf_counter() - start
    lines = pd.read_parquet(path)
    baseline = _rss_bytes()
    start, cpu_start = time.perf_counter(), time.process_time()
    found = _mine(engine, module, lines, min_count)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    Path(out).write_text(json.dumps(found))
    return {
        "import_s": import_seconds, "run_s": seconds, "cpu_s": cpu_seconds, "peak_mb": max(peak - baseline, 0) / 1024**2,
        "n_itemsets": len(found),
    }


# --- the parent: every engine on every size ----------------------------------------------


def agreement(found: list, reference: dict) -> str:
    """``"yes"``, or how the itemsets differ from the reference's (missing, extra, other counts)."""
    ours = {tuple(items): count for items, count in found}
    missing = len(reference.keys() - ours.keys())
    extra = len(ours.keys() - reference.keys())
    other = sum(ours[k] != reference[k] for k in ours.keys() & reference.keys())
    parts = [f"{n} itemsets {what}" for n, what in ((missing, "missing"), (extra, "extra"), (other, "with another count")) if n]
    return "yes" if not parts else "no: " + ", ".join(parts)


def run_size(size: str, engines: list[str], timeout: float, folder: Path) -> list[dict]:
    from xsell_lab.basket.transactions import min_count

    n_baskets, n_items = SIZES[size]
    path = folder / f"baskets_{size}.parquet"
    lines = synthetic_baskets(n_baskets, n_items)
    lines.to_parquet(path)
    threshold = min_count(MIN_SUPPORT, lines["order_id"].nunique())
    rows, results = [], {}
    for engine in [REFERENCE] + [e for e in engines if e != REFERENCE]:
        out = folder / f"{size}_{engine}.json"
        row = {"size": size, "lines": len(lines), "engine": engine}
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(path), engine, str(threshold), str(out)],
                capture_output=True, text=True, timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            row["same_result"] = f"stopped after {timeout:.0f} s"
        else:
            if done.returncode:
                row["same_result"] = "failed: " + (done.stderr.strip().splitlines() or ["no message"])[-1][:200]
            else:
                row.update(json.loads(done.stdout.strip().splitlines()[-1]))
                results[engine] = json.loads(out.read_text())
        row["load_average"] = os.getloadavg()[0]
        rows.append(row)
        print(row, file=sys.stderr, flush=True)
    reference = {tuple(items): count for items, count in results.get(REFERENCE, [])}
    for row in rows:
        if row["engine"] in results and "same_result" not in row:
            row["same_result"] = agreement(results[row["engine"]], reference) if reference else "no reference"
    ours = next((r.get("run_s") for r in rows if r["engine"] == "xsell_lab"), None)
    for row in rows:
        row["x_xsell_lab"] = row["run_s"] / ours if ours and row.get("run_s") else None
    return [r for r in rows if r["engine"] in engines]


def markdown(rows: list[dict]) -> str:
    lines = [
        "| baskets x items (lines) | engine | import s | run s | run CPU s | peak MB above input | run time / xsell_lab's | same result as DuckDB SQL |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        n_baskets, n_items = SIZES[row["size"]]
        cells = [
            f"{n_baskets:,} x {n_items:,} ({row['lines'] / 1e6:.1f}M)",
            _version(row["engine"]),
            f"{row['import_s']:.2f}" if "import_s" in row else "",
            f"{row['run_s']:.2f}" if "run_s" in row else "",
            f"{row['cpu_s']:.2f}" if "cpu_s" in row else "",
            f"{row['peak_mb']:,.0f}" if "peak_mb" in row else "",
            f"{row['x_xsell_lab']:.1f}x" if row.get("x_xsell_lab") else "",
            row.get("same_result", ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _version(engine: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    distribution = {"xsell_lab": "xsell-lab", "pyfim": "pyfim", "mlxtend": "mlxtend", "rusket": "rusket", "duckdb": "duckdb"}[engine]
    try:
        return f"{engine} {version(distribution)}"
    except PackageNotFoundError:
        return f"{engine} (not installed)"


def machine() -> str:
    return (
        f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 1024**3:.0f} GB, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["1M", "3M"], choices=list(SIZES))
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    parser.add_argument("--timeout", type=float, default=600, help="seconds an engine may run (default 600)")
    parser.add_argument("--one", nargs=4, metavar=("PARQUET", "ENGINE", "MIN_COUNT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        path, engine, threshold, out = args.one
        print(json.dumps(run_one(path, engine, int(threshold), out)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            rows += run_size(size, args.engines, args.timeout, Path(tmp))
    table = markdown(rows) + "\n\n" + machine() + "\n"
    print(table)
    RESULTS.mkdir(exist_ok=True)
    for name, text in (("basket.json", json.dumps(rows, indent=1)), ("basket.md", table)):
        partial = RESULTS / (name + ".tmp")
        partial.write_text(text)
        os.replace(partial, RESULTS / name)
    ours_failed = any(r["engine"] == "xsell_lab" and r.get("same_result") != "yes" for r in rows)
    sys.exit(1 if ours_failed else 0)


if __name__ == "__main__":
    main()
