"""Benchmark the CLV models and the RFM summary (a script, not a test).

1. BG/NBD + Gamma-Gamma fitted on an RFM table of 1,000,000 simulated
   customers (exact BG/NBD / Gamma-Gamma draws, continuous times, so no two
   rows are alike), by xsell_lab and by lifetimes 0.11.3 in the same run:
   wall time, peak traced memory, and the estimates side by side.
2. The RFM summary from 10,000,000 purchase lines (string customer ids,
   timestamps, spend), by xsell_lab; lifetimes' ``summary_data_from_transaction_data``
   on the first 1,000,000 lines for scale.

Timings are taken without tracing; peak memory (tracemalloc, NumPy and
pandas buffers included) is measured in a second, traced run of each step.
Progress goes to stderr; the Markdown tables (steps, estimates) and the
machine go to stdout and to ``benchmarks/results/clv.json``. The exit status
is 1 when the two fitters disagree at four significant figures.

3. At scale (``--part scale``): BG/NBD + Gamma-Gamma on ``--scale-customers`` simulated
   customers whose times are whole days (as an RFM table from order dates is), where customers
   with identical (frequency, recency, T) are fitted once; and the out-of-core RFM summary
   (``rfm_summary_parquet``, DuckDB over Parquet) of ``--scale-lines`` purchase lines beside the
   in-memory ``rfm_summary`` of the same lines. Peak memory here is the process's peak
   resident memory (DuckDB allocates outside tracemalloc's view).
4. Out of core at full size (``--part parquet``): ``--parquet-lines`` purchase lines (default
   100,000,000; string customer ids, timestamps, spend, as in 2.) are written to one Parquet
   file in chunks of 10,000,000 (pyarrow, rows groups of 1,000,000, never all in memory) in a
   temporary folder under ``--tmp`` (deleted afterwards; check ``df -h`` first: 100M lines take
   about 1.7 GB), then ``rfm_summary_parquet`` runs in a fresh process (up to one pass per 25 million
   lines): its wall and CPU seconds (``getrusage``), the child process's wall time (interpreter, imports
   and all), its peak resident memory (``getrusage(RUSAGE_CHILDREN)``), the UTC time and the load average
   before and after. The number of customers is checked against the count kept while writing.
   ``--parquet-file PATH`` writes the file there and keeps it (its customer count in ``PATH.json``), or
   reuses it when it exists, so that several runs read the same file (delete both afterwards).

Run from the repository root::

    nice .venv/bin/python benchmarks/bench_clv.py [--customers 1000000] [--lines 10000000] [--seed 1] [--part all|models|rfm|scale|parquet] [--parquet-file PATH]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from xsell_lab.clv import BetaGeoModel, GammaGammaModel, rfm_summary
from xsell_lab.synth import simulate_repeat_purchases

RESULTS = Path(__file__).resolve().parent / "results" / "clv.json"
PLANTED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "gamma": 15.44}


def measure(label: str, step: Callable[[], object]) -> tuple[object, dict]:
    """Run ``step`` once for time, once traced for peak memory."""
    gc.collect()
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    del result
    gc.collect()
    tracemalloc.start()
    result = step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    _progress(f"  {label:<48} {seconds:8.2f} s  {peak / 2**20:8.0f} MiB")
    return result, {"step": label, "seconds": round(seconds, 2), "peak_MiB": round(peak / 2**20)}


def simulated_rfm(n_customers: int, seed: int) -> pd.DataFrame:
    horizon = np.random.default_rng(seed).uniform(27, 39, n_customers)  # CDNOW-like ages, weeks
    lines = simulate_repeat_purchases(n_customers, **PLANTED, T=horizon, seed=seed)
    customer = lines["customer_id"].to_numpy()
    n = np.bincount(customer, minlength=n_customers)
    recency = np.zeros(n_customers)
    np.maximum.at(recency, customer, lines["t"].to_numpy())
    total = np.bincount(customer, weights=lines["value"].to_numpy(), minlength=n_customers)
    first_value = lines["value"].to_numpy()[np.r_[0, np.cumsum(n)[:-1]]]
    frequency = n - 1
    monetary = np.where(frequency > 0, (total - first_value) / np.maximum(frequency, 1), 0.0)
    return pd.DataFrame({"frequency": frequency, "recency": recency, "T": horizon, "monetary_value": monetary})


def purchase_lines(n_lines: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_customers = n_lines // 5
    customer = rng.integers(0, n_customers, n_lines)
    seconds = rng.integers(0, 3 * 365 * 86400, n_lines)
    return pd.DataFrame(
        {
            "customer_id": pd.Series(customer).map("C{:08d}".format).astype("str"),
            "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(seconds, unit="s"),
            "revenue": np.round(rng.gamma(2.0, 30.0, n_lines), 2),
        }
    )


def bench_models(n_customers: int, seed: int) -> list[dict]:
    import lifetimes

    _progress(f"Simulating {n_customers:,} customers ...")
    rfm = simulated_rfm(n_customers, seed)
    repeat = rfm[rfm["frequency"] > 0]
    _progress(f"  {len(repeat):,} repeat buyers; fitting (time, then traced memory):")
    ours_bg, row_bg = measure("xsell_lab BetaGeoModel.fit", lambda: BetaGeoModel().fit(rfm))
    ours_gg, row_gg = measure("xsell_lab GammaGammaModel.fit", lambda: GammaGammaModel().fit(rfm))
    ref_bg, ref_row_bg = measure(
        "lifetimes BetaGeoFitter.fit", lambda: lifetimes.BetaGeoFitter().fit(rfm["frequency"], rfm["recency"], rfm["T"])
    )
    ref_gg, ref_row_gg = measure(
        "lifetimes GammaGammaFitter.fit",
        lambda: lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"]),
    )
    estimates = pd.DataFrame(
        {
            "planted": pd.Series(PLANTED),
            "xsell_lab": pd.concat([ours_bg.params_, ours_gg.params_]),
            "lifetimes": pd.concat([ref_bg.params_, ref_gg.params_.rename({"v": "gamma"})]),
        }
    )
    estimates["same_to_4_sf"] = [
        f"{a:.3e}" == f"{b:.3e}" for a, b in zip(estimates["xsell_lab"], estimates["lifetimes"])
    ]
    speedup = (ref_row_bg["seconds"] + ref_row_gg["seconds"]) / (row_bg["seconds"] + row_gg["seconds"])
    _progress(f"  speed-up BG/NBD + Gamma-Gamma: {speedup:.1f}x")
    return [row_bg, row_gg, ref_row_bg, ref_row_gg], estimates.rename_axis("parameter").reset_index()


def bench_rfm(n_lines: int, seed: int) -> list[dict]:
    from lifetimes.utils import summary_data_from_transaction_data

    _progress(f"Generating {n_lines:,} purchase lines ...")
    lines = purchase_lines(n_lines, seed)
    rfm, row = measure(f"xsell_lab rfm_summary, {n_lines:,} lines", lambda: rfm_summary(lines, "2025-12-31"))
    _progress(f"  {len(rfm):,} customers")
    if n_lines <= 1_000_000:
        return [row]
    head = lines.iloc[:1_000_000]
    _, ours_head = measure(f"xsell_lab rfm_summary, {len(head):,} lines", lambda: rfm_summary(head, "2025-12-31"))
    _, ref_head = measure(
        f"lifetimes summary_data..., {len(head):,} lines",
        lambda: summary_data_from_transaction_data(
            head, "customer_id", "order_date", monetary_value_col="revenue",
            observation_period_end="2025-12-31", freq="D",
        ),
    )
    return [row, ours_head, ref_head]


def day_granular_rfm(n_customers: int, seed: int) -> pd.DataFrame:
    """Simulated customers' RFM in weeks with every time a whole number of days, as from order dates."""
    horizon = np.random.default_rng(seed).integers(27 * 7, 39 * 7 + 1, n_customers) / 7
    lines = simulate_repeat_purchases(n_customers, **PLANTED, T=horizon, seed=seed)
    customer = lines["customer_id"].to_numpy()
    n = np.bincount(customer, minlength=n_customers)
    recency = np.zeros(n_customers)
    np.maximum.at(recency, customer, np.floor(lines["t"].to_numpy() * 7) / 7)
    total = np.bincount(customer, weights=lines["value"].to_numpy(), minlength=n_customers)
    first_value = lines["value"].to_numpy()[np.r_[0, np.cumsum(n)[:-1]]]
    frequency = n - 1
    monetary = np.where(frequency > 0, np.round((total - first_value) / np.maximum(frequency, 1), 2), 0.0)
    return pd.DataFrame({"frequency": frequency, "recency": recency, "T": horizon, "monetary_value": monetary})


def bench_scale(n_customers: int, n_lines: int, seed: int) -> list[dict]:
    import resource

    from xsell_lab.clv import rfm_summary_parquet

    def timed(label: str, step: Callable[[], object]) -> tuple[object, dict]:
        gc.collect()
        start = time.perf_counter()
        result = step()
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        _progress(f"  {label:<60} {seconds:8.2f} s  peak RSS so far {peak:8.0f} MiB")
        return result, {"step": label, "seconds": round(seconds, 2), "peak_MiB": round(peak)}

    _progress(f"Simulating {n_customers:,} customers (whole days) ...")
    rfm = day_granular_rfm(n_customers, seed)
    distinct = len(rfm.drop_duplicates(["frequency", "recency", "T"]))
    _progress(f"  {distinct:,} distinct (frequency, recency, T) rows")
    bg, row_bg = timed(f"xsell_lab BetaGeoModel.fit, {n_customers:,} customers ({distinct:,} distinct rows)", lambda: BetaGeoModel().fit(rfm))
    gg, row_gg = timed(f"xsell_lab GammaGammaModel.fit, {n_customers:,} customers", lambda: GammaGammaModel().fit(rfm))
    _progress(f"  estimates: {dict(bg.params_.round(4))} {dict(gg.params_.round(4))}")
    rows = [row_bg, row_gg]
    _progress(f"Generating {n_lines:,} purchase lines into Parquet ...")
    lines = purchase_lines(n_lines, seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lines.parquet"
        lines.to_parquet(path, row_group_size=1_000_000)
        del lines
        gc.collect()
        out_of_core, row = timed(f"xsell_lab rfm_summary_parquet, {n_lines:,} lines (DuckDB, 3 GB limit)",
                                 lambda: rfm_summary_parquet(path, "2025-12-31"))
        rows.append(row)
        lines = pd.read_parquet(path)
        in_memory, row = timed(f"xsell_lab rfm_summary, same {n_lines:,} lines in memory", lambda: rfm_summary(lines, "2025-12-31"))
        rows.append(row)
    same = in_memory.sort_values("customer_id").reset_index(drop=True)
    agree = np.allclose(same[["recency", "T", "monetary_value"]], out_of_core[["recency", "T", "monetary_value"]]) and (
        same["frequency"].to_numpy() == out_of_core["frequency"].to_numpy()).all()
    _progress(f"  out-of-core and in-memory summaries agree: {agree}")
    return rows


#: Lines generated and written at a time by :func:`write_purchase_parquet`.
PARQUET_CHUNK = 10_000_000


def write_purchase_parquet(path: Path, n_lines: int, seed: int) -> int:
    """Write :func:`purchase_lines`-like lines (``C{:08d}`` ids, timestamps, spend) to ``path`` in chunks.

    Returns the number of distinct customers written (counted with a bitmap, not by DuckDB).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_customers = n_lines // 5
    seen = np.zeros(n_customers, dtype=bool)
    writer = None
    for start in range(0, n_lines, PARQUET_CHUNK):
        n = min(PARQUET_CHUNK, n_lines - start)
        customer = rng.integers(0, n_customers, n)
        seen[customer] = True
        seconds = rng.integers(0, 3 * 365 * 86400, n)
        table = pa.table(
            {
                "customer_id": _customer_ids(customer),
                "order_date": pa.array(np.datetime64("2023-01-01", "ns") + seconds.astype("timedelta64[s]")),
                "revenue": np.round(rng.gamma(2.0, 30.0, n), 2),
            }
        )
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=1_000_000)
        _progress(f"  {start + n:,} lines written")
    writer.close()
    return int(seen.sum())


def _customer_ids(customer: np.ndarray):
    """``C`` and eight digits, as ``"C{:08d}".format``, built as bytes (no Python call per line)."""
    import pyarrow as pa

    text = np.empty((len(customer), 9), dtype=np.uint8)
    text[:, 0] = ord("C")
    text[:, 1:] = customer[:, None] // 10 ** np.arange(7, -1, -1) % 10 + ord("0")
    return pa.array(text.view("S9").ravel()).cast(pa.string())


def bench_parquet(n_lines: int, seed: int, tmp: str, keep: str = "") -> list[dict]:
    """``rfm_summary_parquet`` of ``n_lines`` lines in a fresh process: wall and CPU seconds, peak resident memory.

    ``keep``: a Parquet file to reuse (written there, with its customer count beside it in ``<file>.json``,
    when it does not exist yet), so that rounds of runs read the same file.
    """
    with tempfile.TemporaryDirectory(dir=tmp) as folder:
        path = Path(keep or Path(folder) / "lines.parquet")
        counted = path.with_name(path.name + ".json")
        if keep and path.exists():
            n_customers = json.loads(counted.read_text())["customers"]
            _progress(f"Reusing {path}, {path.stat().st_size / 2**30:.2f} GiB, {n_customers:,} customers")
        else:
            _progress(f"Writing {n_lines:,} purchase lines to {path} ...")
            start = time.perf_counter()
            n_customers = write_purchase_parquet(path, n_lines, seed)
            counted.write_text(json.dumps({"lines": n_lines, "seed": seed, "customers": n_customers}))
            _progress(f"  written in {time.perf_counter() - start:.0f} s, {path.stat().st_size / 2**30:.2f} GiB, {n_customers:,} customers")
        return _time_rfm_parquet(path, n_customers)


def _time_rfm_parquet(path: Path, n_customers: int) -> list[dict]:
    """Run :func:`_rfm_parquet_child` on ``path``; check its customer count; one row of seconds and memory."""
    import resource
    import subprocess

    load_before, started = os.getloadavg()[0], time.strftime("%H:%M:%S", time.gmtime())
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--rfm-parquet-child", str(path)], capture_output=True, text=True, check=True)
    process_seconds = time.perf_counter() - start
    child = json.loads(done.stdout.strip().splitlines()[-1])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    load = f"{load_before:.1f}-{os.getloadavg()[0]:.1f}"
    agree = child["customers"] == n_customers
    _progress(f"  rfm_summary_parquet {child['seconds']:.1f} s, CPU {child['cpu_seconds']:.1f} s (process {process_seconds:.1f} s), "
              f"peak RSS {peak:,.0f} MiB, {child['customers']:,} customers (as written: {agree}); UTC {started}, load average {load}")
    if not agree:
        raise SystemExit(f"rfm_summary_parquet found {child['customers']:,} customers; {n_customers:,} were written.")
    return [
        {"step": f"xsell_lab rfm_summary_parquet, {child['lines']:,} lines (DuckDB, 3 GB limit, {child['passes']} pass(es)), fresh process, "
                 f"UTC {started}, load average {load}",
         "seconds": round(child["seconds"], 1), "cpu_seconds": round(child["cpu_seconds"], 1), "peak_MiB": round(peak)},
        {"step": "the same process, interpreter and imports included", "seconds": round(process_seconds, 1), "peak_MiB": round(peak)},
    ]


def _rfm_parquet_child(path: str) -> None:
    import resource

    import pyarrow.parquet as pq

    from xsell_lab.clv import rfm_summary_parquet
    from xsell_lab.clv.rfm import LINES_PER_PASS

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    cpu_start, start = cpu(), time.perf_counter()
    rfm = rfm_summary_parquet(path, "2025-12-31")
    seconds, cpu_seconds = time.perf_counter() - start, cpu() - cpu_start
    lines = pq.ParquetFile(path).metadata.num_rows
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "customers": len(rfm), "lines": lines,
                      "passes": f"up to {-(-lines // LINES_PER_PASS)}"}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--part", choices=["all", "models", "rfm", "scale", "parquet"], default="all")
    parser.add_argument("--scale-customers", type=int, default=10_000_000)
    parser.add_argument("--scale-lines", type=int, default=10_000_000)
    parser.add_argument("--parquet-lines", type=int, default=100_000_000)
    parser.add_argument("--tmp", default=tempfile.gettempdir(), help="folder for the Parquet file of --part parquet")
    parser.add_argument("--parquet-file", default="", help="--part parquet: reuse this file (written and kept if missing)")
    parser.add_argument("--rfm-parquet-child", metavar="PARQUET", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rfm_parquet_child:
        _rfm_parquet_child(args.rfm_parquet_child)
        return
    steps, estimates = [], pd.DataFrame()
    if args.part in ("all", "models"):
        model_steps, estimates = bench_models(args.customers, args.seed)
        steps += model_steps
    if args.part in ("all", "rfm"):
        steps += bench_rfm(args.lines, args.seed)
    if args.part == "scale":
        steps += bench_scale(args.scale_customers, args.scale_lines, args.seed)
    if args.part == "parquet":
        steps += bench_parquet(args.parquet_lines, args.seed, args.tmp, args.parquet_file)
    machine = _machine()
    print(f"Machine: {machine}\n")
    print(_markdown(pd.DataFrame(steps)))
    if len(estimates):
        print("\n" + _markdown(estimates))
    _write({"machine": machine, "arguments": vars(args), "steps": steps, "estimates": estimates.to_dict("records")})
    if len(estimates) and not estimates["same_to_4_sf"].all():
        sys.exit(1)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _machine() -> str:
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, load average {load}"


def _markdown(table: pd.DataFrame) -> str:
    def cell(value: object) -> str:
        return f"{value:.5g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * table.shape[1]]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def _write(result: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=RESULTS.parent, suffix=".tmp", delete=False) as handle:
        json.dump(result, handle, indent=1, default=str)
    os.replace(handle.name, RESULTS)


if __name__ == "__main__":
    main()
