"""Benchmark the basket backends: wall time and peak memory of mining frequent itemsets.

Run from the repository root (not part of the test suite; it takes minutes at
the largest size):

    .venv/bin/python benchmarks/bench_basket.py                    # all sizes
    .venv/bin/python benchmarks/bench_basket.py --sizes 10k 100k   # some sizes
    .venv/bin/python benchmarks/bench_basket.py --backends sparse mlxtend

For every size it generates synthetic baskets (seeded), writes them once to a
temporary Parquet file, and then mines itemsets of up to 3 items at
min_support 0.001 with each backend *in a fresh subprocess*, so that the peak
resident memory (``ru_maxrss``) of one run is not inflated by another. The
reported memory is the peak RSS of that subprocess minus its RSS after loading
the input, i.e. what mining itself needed (the input table is not counted).
CPU seconds (user + system) are reported next to wall time because the
machine may be shared: the 1-minute load average at the end is printed too.
Results are checked to be identical across backends, and printed as a
Markdown table (optionally appended to a CSV with --csv).

Synthetic baskets: item popularity follows a Zipf law (exponent 1, as in
Instacart's product counts), basket sizes are 1 + Poisson(9) (Instacart's
mean basket is about 10 items), and 20 planted pairs and 5 planted triples
are added to 2% of baskets each so that longer itemsets exist.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

SIZES = {"10k": (10_000, 500), "100k": (100_000, 2_000), "1M": (1_000_000, 10_000), "3M": (3_000_000, 50_000)}
MIN_SUPPORT = 0.001
MAX_LEN = 3


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


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_one(path: str, backend: str) -> dict:
    """Mine one file with one backend (called in a subprocess); returns time, memory and a result digest."""
    from xsell_lab import basket

    lines = pd.read_parquet(path)
    baseline = _rss_bytes()
    cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    itemsets = basket.frequent_itemsets(lines, MIN_SUPPORT, max_len=MAX_LEN, backend=backend, memory_limit=20 * 1024**3)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_seconds = usage.ru_utime + usage.ru_stime - cpu_start.ru_utime - cpu_start.ru_stime
    peak = usage.ru_maxrss * 1024
    digest = sorted((sorted(map(int, s)), int(c)) for s, c in zip(itemsets["itemsets"], itemsets["count"]))
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "load_average": os.getloadavg()[0],
        "peak_mb": max(peak - baseline, 0) / 1024**2,
        "n_itemsets": len(itemsets),
        "digest": hashlib.sha1(json.dumps(digest).encode()).hexdigest(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--backends", nargs="+", default=["sparse", "mlxtend"])
    parser.add_argument("--csv", help="append the results to this CSV file")
    parser.add_argument("--one", nargs=2, metavar=("PARQUET", "BACKEND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            n_baskets, n_items = SIZES[size]
            path = Path(tmp) / f"baskets_{size}.parquet"
            synthetic_baskets(n_baskets, n_items).to_parquet(path)
            for backend in args.backends:
                done = subprocess.run(
                    [sys.executable, __file__, "--one", str(path), backend], capture_output=True, text=True
                )
                if done.returncode:
                    rows.append({"size": size, "backend": backend, "error": done.stderr.strip().splitlines()[-1]})
                else:
                    rows.append({"size": size, "backend": backend, **json.loads(done.stdout.strip().splitlines()[-1])})
                print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    if "digest" in table:
        table["identical"] = table.groupby("size")["digest"].transform(lambda d: d.dropna().nunique() == 1)
        reference = table[table["backend"] == "mlxtend"].set_index("size")["seconds"]
        table["speed_vs_mlxtend"] = table["size"].map(reference) / table["seconds"]
        table = table.drop(columns="digest")
    print(table.to_markdown(index=False, floatfmt=".2f") if _has_tabulate() else table.to_string(index=False))
    if args.csv:
        table.to_csv(args.csv, mode="a", header=not Path(args.csv).exists(), index=False)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
