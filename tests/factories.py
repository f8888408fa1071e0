"""Small hand-made tables shared by several test modules.

Test modules never import each other (``tests/test_test_suite.py`` checks): a helper that more than
one module needs lives here, one that needs pytest's machinery (a fixture) in ``tests/conftest.py``.
Import with ``from factories import random_lines`` (pytest puts ``tests/`` on ``sys.path``).

Baskets (the basket tests: backends, plots, Spark, real data)
    :func:`random_lines`, :func:`onehot`, :func:`between_counts`.
A company as files (the loading and validation tests)
    :func:`canonical_tables`, :func:`write_csvs`, :func:`checksums`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s

# --- baskets --------------------------------------------------------------------------


def random_lines(seed: int, n_baskets: int = 400, n_items: int = 25, max_size: int = 7) -> pd.DataFrame:
    """Baskets with skewed item popularity, some repeated items and a planted pair (3, 7)."""
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, n_items + 1)
    rows = []
    for order in range(n_baskets):
        size = int(rng.integers(1, max_size + 1))
        items = rng.choice(n_items, size=size, p=weights / weights.sum()).tolist()
        if rng.random() < 0.2:
            items += [3, 7]
        rows += [(f"o{order}", f"p{item:02d}") for item in items]
    return pd.DataFrame(rows, columns=[s.ORDER_ID, s.PRODUCT_ID])


def onehot(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per order, one boolean column per product: the input mlxtend expects."""
    return pd.crosstab(lines[s.ORDER_ID], lines[s.PRODUCT_ID]).astype(bool)


def between_counts(share: float, n: int) -> float:
    """A threshold half-way between two attainable supports, so no library's rounding matters."""
    return (np.floor(share * n) + 0.5) / n


# --- a company as files ---------------------------------------------------------------


def canonical_tables() -> dict[str, pd.DataFrame]:
    """Two customers (one with leading zeros), three products, three orders."""
    return {
        s.CUSTOMERS: pd.DataFrame({s.CUSTOMER_ID: ["00123", "c2"], s.REGION: ["North", "South"]}),
        s.PRODUCTS: pd.DataFrame(
            {
                s.PRODUCT_ID: ["007", "CASE", "INK"],
                s.PRODUCT_NAME: ["Laptop", "Laptop case", "Ink"],
                s.CATEGORY: ["Laptops", "Accessories", "Ink"],
                s.PRICE: ["1000", "40", "25"],
            }
        ),
        s.ORDERS: pd.DataFrame(
            {
                s.ORDER_ID: ["o1", "o2", "o3"],
                s.CUSTOMER_ID: ["00123", "00123", "c2"],
                s.ORDER_DATE: ["2024-01-05", "2024-02-10", "2024-03-31"],
                s.CHANNEL: ["web", "store", "web"],
            }
        ),
        s.ORDER_LINES: pd.DataFrame(
            {
                s.ORDER_ID: ["o1", "o1", "o2", "o3"],
                s.PRODUCT_ID: ["007", "CASE", "INK", "CASE"],
                s.QUANTITY: ["1", "2", "3", "1"],
                s.UNIT_PRICE: ["950", "40", "25", "35"],
            }
        ),
    }


def write_csvs(folder: Path, tables: dict[str, pd.DataFrame], **to_csv) -> Path:
    """Write each table to ``folder/<name>.csv`` (no index; ``to_csv`` options passed on); return ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, **to_csv)
    return folder


def checksums(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in ``folder``, by file name: proves a load left the files untouched."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


#: Columns of the bundled company whose values are its world: products, categories, experiments, arms,
#: places, people, channels, return reasons (tests/test_notebooks.py and tests/test_real_data_notebooks.py
#: look for them in notebook code and in outputs).
WORLD_COLUMNS = {
    "customers": ["region", "segment", "acquisition_channel", "preferred_channel"],
    "products": ["product_id", "product_name", "category"],
    "orders": ["channel"],
    "offers": ["product_id", "experiment_id", "variant", "channel"],
    "marketing_events": ["channel"],
    "returns": ["reason"],
    "accounts": ["rep"],
}


def world_values(company) -> set[str]:
    """Every value of ``company``'s :data:`WORLD_COLUMNS`, as text."""
    values = set()
    for table, columns in WORLD_COLUMNS.items():
        frame = getattr(company, table)
        for column in columns:
            values |= {str(value) for value in frame[column].dropna().unique()}
    return values
