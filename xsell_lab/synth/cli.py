"""Command line: ``python -m xsell_lab.synth --out data [--seed 14]`` writes the tables and the truth."""

from __future__ import annotations

import argparse
from pathlib import Path

from xsell_lab.data.io import write_company
from xsell_lab.synth.company import generate_company
from xsell_lab.synth.truth import write_ground_truth
from xsell_lab.synth.world import (
    DEFAULT_END,
    DEFAULT_N_CUSTOMERS,
    DEFAULT_SEED,
    DEFAULT_START,
)


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m xsell_lab.synth --out data [--seed 14]``."""
    parser = argparse.ArgumentParser(description="Generate the synthetic company Northwind Tech.")
    parser.add_argument("--out", default="data", help="output folder (default: data)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})")
    parser.add_argument("--n-customers", type=int, default=DEFAULT_N_CUSTOMERS, help="people in the customers table")
    parser.add_argument("--start", default=DEFAULT_START, help="first day (ISO date)")
    parser.add_argument("--end", default=DEFAULT_END, help="last day (ISO date)")
    args = parser.parse_args(argv)
    company, truth = generate_company(args.seed, args.n_customers, args.start, args.end)
    written = write_company(company, args.out)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    written.append(write_ground_truth(truth, Path(args.out) / "ground_truth.json"))
    for name, frame in company.tables().items():
        print(f"{name:<17} {len(frame):>7,} rows")
    for path in written:
        print(f"wrote {path} ({path.stat().st_size / 1024:,.0f} KiB)")
