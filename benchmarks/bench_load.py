"""Measure loading a large CSV export: wall time and peak memory per route, against plain pandas.

Run from the repository root (``make benchmarks`` runs it at 1 million lines through ``run_all.py``):

    .venv/bin/python benchmarks/bench_load.py                      # 5 million order lines
    .venv/bin/python benchmarks/bench_load.py --lines 1000000
    .venv/bin/python benchmarks/bench_load.py --only canonical pandas

A canonical export is generated, seeded and deterministic, into a temporary folder: ``--lines``
order lines (about 4 per order, products distinct within an order), with the orders, customers
(one per 25 lines) and products (one per 1,000 lines, at least 100) they refer to. The same rows
are also written as a shop's own export (semicolons, its own column names, day/month/year dates,
decimal commas) read through a column mapping, and with line totals instead of unit prices for a
mapping whose ``order_lines`` is a ``sql:`` query (DuckDB) deriving ``unit_price``.

Each route runs in a fresh Python process; its peak resident memory is that process's
``ru_maxrss`` as returned by ``os.wait4`` (so the interpreter and its imports are included, the
parent's memory is not), its seconds the wall time of the load itself, imports excluded:

* ``pandas.read_csv``: the four canonical files with pandas' defaults, the reference;
* ``load_company``: the canonical folder (read, typed, checked, references checked);
* ``load_company + sales_lines``: the same, then the wide table every notebook starts from;
* ``mapping``: the shop's own export with ``decimal``/``date_format`` in the mapping;
* ``sql: mapping``: order lines made by a DuckDB query (unit price = line total / quantity).

The table gives each route's seconds and peak GB and its ratio to the pandas reference measured
in the same run; the issue's bound is a peak under 3 GB at 5 million lines. Results go to
``benchmarks/results/load.json`` (git-ignored, written whole). Exits 1 when a route fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from run_all import write_whole  # the scripts share one folder; run_all.py writes results whole

RUN_ALL_ARGS = ["--lines", "1000000"]
REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "benchmarks" / "results" / "load.json"
BOUND_GB = 3.0
TABLES = ("customers", "products", "orders", "order_lines")

MAPPING = """\
date_format: "%d/%m/%Y"
tables:
  customers:
    file: kunden.csv
    sep: ";"
    columns: {Kundennr: customer_id, Region: region, Segment: segment}
  products:
    file: artikel.csv
    sep: ";"
    decimal: ","
    columns: {Artikel: product_id, Bezeichnung: product_name, Warengruppe: category, Listenpreis: price}
  orders:
    file: auftraege.csv
    sep: ";"
    columns: {Belegnr: order_id, Kundennr: customer_id, Datum: order_date, Kanal: channel}
  order_lines:
    file: positionen.csv
    sep: ";"
    decimal: ","
    columns: {Belegnr: order_id, Artikel: product_id, Menge: quantity, Preis: unit_price}
"""

SQL_LINES = """\
  order_lines:
    sql: |
      SELECT Belegnr AS order_id, Artikel AS product_id, Menge AS quantity,
             round(Betrag / Menge, 2) AS unit_price
      FROM read_csv('positionen_summen.csv', delim = ';', decimal_separator = ',',
                    types = {'Belegnr': 'VARCHAR', 'Artikel': 'VARCHAR'})
"""

# What each route runs in its child process; ``folder`` is the data folder. Prints the rows loaded.
ROUTES = {
    "pandas": (
        "`pandas.read_csv` (reference)",
        "canonical",
        """
        import pandas as pd
        start = time.perf_counter()
        frames = {name: pd.read_csv(folder / f"{name}.csv") for name in TABLES}
        rows = len(frames["order_lines"])
        """,
    ),
    "canonical": (
        "`load_company`",
        "canonical",
        """
        from xsell_lab import load_company
        start = time.perf_counter()
        company = load_company(folder)
        rows = len(company.order_lines)
        """,
    ),
    "sales_lines": (
        "`load_company` + `sales_lines`",
        "canonical",
        """
        from xsell_lab import load_company
        from xsell_lab.data.company import sales_lines
        start = time.perf_counter()
        company = load_company(folder)
        rows = len(sales_lines(company))
        """,
    ),
    "mapping": (
        "`load_company` with a mapping (`;`, decimal comma, d/m/Y)",
        "export",
        """
        from xsell_lab import load_company
        start = time.perf_counter()
        company = load_company(folder, folder / "mapping.yaml")
        rows = len(company.order_lines)
        """,
    ),
    "sql": (
        "`load_company` with a `sql:` mapping (DuckDB)",
        "export",
        """
        from xsell_lab import load_company
        start = time.perf_counter()
        company = load_company(folder, folder / "mapping_sql.yaml")
        rows = len(company.order_lines)
        """,
    ),
}


# --- the data -------------------------------------------------------------


def generate(root: Path, lines: int, seed: int) -> None:
    """Write the canonical folder ``root/canonical`` and the shop's export ``root/export``."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as csv

    rng = np.random.default_rng(seed)
    n_products = max(100, lines // 1000)
    n_customers = max(10, lines // 25)
    sizes = rng.integers(1, 8, size=lines // 2 + 8)  # 1..7 lines per order, mean 4
    n_orders = int(np.searchsorted(np.cumsum(sizes), lines) + 1)
    sizes = sizes[:n_orders]
    sizes[-1] -= int(sizes.sum()) - lines
    order_of_line = np.repeat(np.arange(n_orders), sizes)
    position = np.arange(lines) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    first_product = rng.integers(0, n_products, size=n_orders)
    product_of_line = (first_product[order_of_line] + position * 7) % n_products  # distinct within an order

    def ids(prefix: str, numbers, width: int) -> pa.Array:
        return pa.array(np.char.add(prefix, np.char.zfill(np.asarray(numbers).astype(str), width)))

    list_price = np.round(rng.lognormal(3.0, 1.0, size=n_products), 2) + 1.0
    quantity = rng.integers(1, 6, size=lines)
    unit_price = np.round(list_price[product_of_line] * rng.choice([1.0, 0.9, 0.8], size=lines), 2)
    days = rng.integers(0, 730, size=n_orders)
    order_date = pa.array(np.datetime64("2023-01-01") + days.astype("timedelta64[D]"))
    signup = pa.array(np.datetime64("2022-01-01") + rng.integers(0, 365, size=n_customers).astype("timedelta64[D]"))
    regions = np.array(["north", "south", "east", "west"])
    segments = np.array(["consumer", "business"])
    categories = np.array([f"category {i:02d}" for i in range(20)])
    channels = np.array(["web", "store", "phone"])

    customers = {
        "customer_id": ids("C", range(n_customers), 7),
        "signup_date": signup,
        "region": pa.array(regions[rng.integers(0, 4, n_customers)]),
        "segment": pa.array(segments[rng.integers(0, 2, n_customers)]),
    }
    products = {
        "product_id": ids("P", range(n_products), 6),
        "product_name": ids("product ", range(n_products), 6),
        "category": pa.array(categories[np.arange(n_products) % len(categories)]),
        "price": pa.array(list_price),
    }
    orders = {
        "order_id": ids("O", range(n_orders), 8),
        "customer_id": ids("C", rng.integers(0, n_customers, n_orders), 7),
        "order_date": order_date,
        "channel": pa.array(channels[rng.integers(0, 3, n_orders)]),
    }
    order_lines = {
        "order_id": ids("O", order_of_line, 8),
        "product_id": ids("P", product_of_line, 6),
        "quantity": pa.array(quantity),
        "unit_price": pa.array(unit_price),
    }
    canonical, export = root / "canonical", root / "export"
    canonical.mkdir()
    export.mkdir()
    for name, columns in zip(TABLES, (customers, products, orders, order_lines)):
        csv.write_csv(pa.table(columns), canonical / f"{name}.csv")

    def comma(values) -> pa.Array:
        return pc.replace_substring(pc.cast(pa.array(values), pa.string()), ".", ",")

    def day_first(dates: pa.Array) -> pa.Array:
        return pc.strftime(pc.cast(dates, pa.timestamp("s")), format="%d/%m/%Y")

    semicolons = csv.WriteOptions(delimiter=";")
    own = {
        "kunden.csv": {"Kundennr": customers["customer_id"], "Region": customers["region"], "Segment": customers["segment"]},
        "artikel.csv": {"Artikel": products["product_id"], "Bezeichnung": products["product_name"],
                        "Warengruppe": products["category"], "Listenpreis": comma(list_price)},
        "auftraege.csv": {"Belegnr": orders["order_id"], "Kundennr": orders["customer_id"],
                          "Datum": day_first(order_date), "Kanal": orders["channel"]},
        "positionen.csv": {"Belegnr": order_lines["order_id"], "Artikel": order_lines["product_id"],
                           "Menge": order_lines["quantity"], "Preis": comma(unit_price)},
        "positionen_summen.csv": {"Belegnr": order_lines["order_id"], "Artikel": order_lines["product_id"],
                                  "Menge": order_lines["quantity"], "Betrag": comma(np.round(quantity * unit_price, 2))},
    }  # fmt: skip
    for file, columns in own.items():
        csv.write_csv(pa.table(columns), export / file, write_options=semicolons)
    (export / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    sql_mapping = MAPPING[: MAPPING.index("  order_lines:")] + SQL_LINES
    (export / "mapping_sql.yaml").write_text(sql_mapping, encoding="utf-8")


# --- measuring ------------------------------------------------------------


def child_code(route: str, folder: Path) -> str:
    """The program a route's child process runs: imports, then the timed load, then one JSON line."""
    body = textwrap.dedent(ROUTES[route][2])
    return (
        f"import json, time\nfrom pathlib import Path\nTABLES = {TABLES!r}\nfolder = Path({str(folder)!r})\n"
        f"{body}\nprint(json.dumps({{'seconds': time.perf_counter() - start, 'rows': rows}}))\n"
    )


def measure(route: str, folder: Path) -> dict:
    """Run one route in a fresh process: its load seconds, rows and peak resident memory."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": os.pathsep.join(
        [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}  # fmt: skip
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen([sys.executable, "-c", child_code(route, folder)], cwd=REPO_ROOT, env=env,
                                   stdout=out, stderr=err, text=True)  # fmt: skip
        _, status, usage = os.wait4(process.pid, 0)  # reaps the child: its own rusage, not the parent's
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        out, err = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(f"route {route!r} exited {process.returncode}: {err[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    return {"route": route, **result, "peak_gb": usage.ru_maxrss * 1024 / 1e9}  # ru_maxrss is KiB on Linux


def table(results: list[dict], lines: int) -> str:
    """The Markdown table: each route's seconds and peak memory, and its ratio to the pandas reference."""
    reference = next((r for r in results if r["route"] == "pandas"), None)
    head = f"| route ({lines:,} order lines) | rows | seconds | peak GB | x pandas seconds | x pandas memory |"
    out = [head, "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        ratios = (f"{r['seconds'] / reference['seconds']:.1f} | {r['peak_gb'] / reference['peak_gb']:.2f}"
                  if reference else " | ")  # fmt: skip
        out.append(f"| {ROUTES[r['route']][0]} | {r['rows']:,} | {r['seconds']:.1f} | {r['peak_gb']:.2f} | {ratios} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=5_000_000, help="order lines to generate (default: 5,000,000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated export (default: 0)")
    parser.add_argument("--only", nargs="+", choices=list(ROUTES), help="routes to measure (default: all)")
    args = parser.parse_args(argv)
    if args.lines < 100:
        parser.error("--lines must be at least 100")
    routes = args.only or list(ROUTES)
    failed = []
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
        root = Path(tmp)
        print(f"generating {args.lines:,} order lines in {root}", file=sys.stderr)
        started = time.perf_counter()
        generate(root, args.lines, args.seed)
        size_mb = sum(f.stat().st_size for f in (root / "canonical").iterdir()) / 1e6
        print(f"  {time.perf_counter() - started:.0f} s, canonical CSV files {size_mb:,.0f} MB", file=sys.stderr)
        for route in routes:
            print(f"route {route}", file=sys.stderr)
            try:
                results.append(measure(route, root / ROUTES[route][1]))
            except RuntimeError as error:
                print(f"bench_load: {error}", file=sys.stderr)
                failed.append(route)
    write_whole(RESULTS, {"lines": args.lines, "seed": args.seed, "csv_mb": size_mb, "results": results, "failed": failed})
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9 if hasattr(os, "sysconf") else float("nan")
    print(f"Machine: {os.cpu_count()} CPUs, {memory_gb:.0f} GB, Python {platform.python_version()}, "
          f"load average {load:.1f}; canonical CSV files {size_mb:,.0f} MB\n")  # fmt: skip
    print(table(results, args.lines))
    over = [r["route"] for r in results if r["peak_gb"] >= BOUND_GB and r["route"] != "pandas"]
    if over:
        print(f"\nover the {BOUND_GB:g} GB bound: {', '.join(over)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
