"""Benchmark the Spark backend (local mode) against the pandas path on the same order lines (a script, not a test).

Generates ``--lines`` order lines (string customer and order ids, timestamps, 20 categories, spend; one
customer per 5 lines, one order per 2.5 lines) into a Parquet file, then runs the same functions twice:

* pandas: ``pandas.read_parquet`` of the file, then ``clv.rfm_summary``, ``kpis.cross_sell_rate``,
  ``kpis.average_order_value`` and ``kpis.kpi_summary`` (with a small pandas table of marketing events:
  an awareness touch for one customer in ten, for the sales cycle) on the DataFrame;
* Spark: a ``local[*]`` session (``--driver-memory``), ``spark.read.parquet`` of the same file, then the same
  functions with ``backend="spark"`` (each call reads the Parquet file again, as a cluster job would).

Every Spark result is compared with the pandas one (``pandas.testing.assert_frame_equal``, rtol 1e-9, the
customer ids' string dtype aside). Progress goes to stderr; the Markdown table (seconds, Spark / pandas) and
the machine go to stdout and to ``benchmarks/results/spark.json``. Exit status 1 when a result differs.

Run from the repository root (needs the ``[spark]`` extra and Java 17)::

    nice .venv/bin/python benchmarks/bench_spark.py [--lines 10000000] [--seed 1] [--driver-memory 4g]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from xsell_lab import clv, kpis

RESULTS = Path(__file__).resolve().parent / "results" / "spark.json"
RUN_ALL_ARGS = ["--lines", "1000000"]
AS_OF = "2025-12-31"


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def order_lines(n_lines: int, seed: int) -> pd.DataFrame:
    """``n_lines`` lines of ``n_lines / 2.5`` orders by ``n_lines / 5`` customers over three years."""
    rng = np.random.default_rng(seed)
    n_orders = int(n_lines / 2.5)
    order = np.sort(rng.integers(0, n_orders, n_lines))
    customer_of_order = rng.integers(0, n_lines // 5, n_orders)
    seconds_of_order = rng.integers(0, 3 * 365 * 86400, n_orders)
    return pd.DataFrame(
        {
            "order_id": pd.Series(order).map("O{:09d}".format).astype("str"),
            "customer_id": pd.Series(customer_of_order[order]).map("C{:08d}".format).astype("str"),
            "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(seconds_of_order[order], unit="s"),
            "category": pd.Series(rng.zipf(1.6, n_lines) % 20).map("cat{:02d}".format).astype("str"),
            "revenue": np.round(rng.gamma(2.0, 30.0, n_lines), 2),
        }
    )


def marketing_events(n_lines: int, seed: int) -> pd.DataFrame:
    """An awareness touch at a random second of the three years for one customer in ten of :func:`order_lines`."""
    rng = np.random.default_rng(seed + 1)
    customers = rng.choice(n_lines // 5, size=n_lines // 50, replace=False)
    return pd.DataFrame(
        {
            "customer_id": pd.Series(customers).map("C{:08d}".format).astype("str"),
            "event_type": "awareness",
            "event_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365 * 86400, len(customers)), unit="s"),
        }
    )


EVENTS: list[pd.DataFrame] = []  # the marketing events of the run, set by main
STEPS: dict[str, Callable] = {
    "rfm_summary": lambda lines, backend: clv.rfm_summary(lines, AS_OF, backend=backend),
    "cross_sell_rate": lambda lines, backend: kpis.cross_sell_rate(lines, backend=backend),
    "average_order_value by month": lambda lines, backend: kpis.average_order_value(lines, by="month", backend=backend),
    "kpi_summary": lambda lines, backend: kpis.kpi_summary(lines, marketing_events=EVENTS[0], backend=backend),
}


def timed(label: str, step: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    _progress(f"  {label:<50} {seconds:8.2f} s")
    return result, seconds


def same(expected, got) -> bool:
    if isinstance(expected, float):
        return bool(np.isclose(expected, got, rtol=1e-9, atol=0))
    try:
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, check_dtype=False)
    except AssertionError as error:
        _progress(f"    differs: {str(error)[:300]}")
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--driver-memory", default="4g")
    args = parser.parse_args(argv)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lines.parquet"
        _progress(f"Generating {args.lines:,} order lines into Parquet ...")
        order_lines(args.lines, args.seed).to_parquet(path, row_group_size=1_000_000)
        EVENTS.append(marketing_events(args.lines, args.seed))
        _progress("pandas:")
        lines, read_pandas = timed("pandas.read_parquet", lambda: pd.read_parquet(path))
        expected = {name: timed(name, lambda step=step, lines=lines: step(lines, "pandas")) for name, step in STEPS.items()}
        del lines
        _progress("Spark, local mode:")
        from pyspark.sql import SparkSession

        spark, start_spark = timed(
            "start the session",
            lambda: SparkSession.builder.master("local[*]").config("spark.driver.memory", args.driver_memory)
            .config("spark.ui.enabled", "false").getOrCreate(),
        )
        spark.sparkContext.setLogLevel("ERROR")
        spark_lines = spark.read.parquet(str(path))
        for name, step in STEPS.items():
            got, seconds = timed(name, lambda step=step: step(spark_lines, "spark"))
            result, pandas_seconds = expected[name]
            rows.append({"step": name, "pandas_s": round(pandas_seconds, 2), "spark_s": round(seconds, 2),
                         "spark_over_pandas": round(seconds / pandas_seconds, 1), "same_result": same(result, got)})
        spark.stop()
    machine = f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}, load average {os.getloadavg()[0]:.1f}"
    customers = len(expected["rfm_summary"][0])
    print(f"{args.lines:,} order lines of {customers:,} customers; pandas.read_parquet {read_pandas:.1f} s; Spark session start {start_spark:.1f} s; {machine}\n")
    print("| step | pandas s | Spark local s | Spark / pandas | same result |")
    print("|---|---:|---:|---:|---|")
    for row in rows:
        print(f"| {row['step']} | {row['pandas_s']} | {row['spark_s']} | {row['spark_over_pandas']}x | {'yes' if row['same_result'] else 'no'} |")
    RESULTS.parent.mkdir(exist_ok=True)
    temporary = RESULTS.with_suffix(".tmp")
    temporary.write_text(json.dumps({"lines": args.lines, "customers": customers, "machine": machine, "read_parquet_s": round(read_pandas, 2),
                                     "spark_start_s": round(start_spark, 2), "steps": rows}, indent=2))
    os.replace(temporary, RESULTS)
    return 0 if all(row["same_result"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
