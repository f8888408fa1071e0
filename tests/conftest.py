"""Shared fixtures for the test suite.

Session-wide environment setup (hash seed, plotting backend, nbval markers) lives in the
repository-root ``conftest.py``; this file only provides fixtures.

Fixtures
--------
repo_root
    The repository root (a :class:`~pathlib.Path`).
notebook_paths
    Every committed notebook ``notebooks/*.ipynb``, sorted by name.
shared_data
    ``../shared/data`` next to the repository (real public data sets, or the folder named by
    ``XSELL_LAB_SHARED_DATA``); the test is skipped, group ``real data``, when it is absent.
bundled_company
    The bundled synthetic company, ``load_company(<repo>/data)``, loaded once per session.
    It is committed, so its absence is a failure, never a skip.
bundled_lines
    ``sales_lines(bundled_company)``, the wide sales-lines table of the bundled company, built
    once per session.
ground_truth
    ``data/ground_truth.json`` (the planted truth of the synthetic company) as a dict.
spark
    One local Spark session (``local[1]``) for the whole session, shared by the Spark tests;
    skipped, group ``spark``, without pyspark or a Java runtime.
online_retail_folder, completejourney_folder, purchase_log_folder, shop_export_folder
    Real data sets as data folders for the notebooks (a :class:`RealDataFolder`: folder, mapping,
    how it was made), built once per session: Online Retail through its adapter and
    Complete Journey through its shipped mapping (Online Retail sampled by customer); the purchase log
    (customer and date only) as one product; the three-customer ``examples/shop_export``. The
    first three skip, group ``real data``, when ``../shared/data`` lacks their files.

The three session objects are shared by every test that asks for them, so no test may change
them: a test that needs to change one works on a copy (``frame.copy()``, ``copy.deepcopy``).
Each is fingerprinted when built and again when the session ends; a change fails the session's
last test at teardown, naming the object. ``tests/test_test_suite.py`` checks that test modules
use these fixtures instead of loading the bundled company, its sales lines or its ground truth
themselves.

Helpers
-------
Small hand-made tables that several modules need live in ``tests/factories.py``
(``from factories import random_lines``): test modules never import each other.

Skipping
--------
A test that cannot run here skips through the helpers of ``tests/skips.py``
(``from skips import skip_test``), which give every reason the shape the closing summary reads.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from skips import SHARED_DATA_DIR, import_or_skip, skip_test

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
DATA_DIR = REPO_ROOT / "data"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def notebook_paths() -> list[Path]:
    """The committed notebooks, in reading order."""
    return sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public data sets, or skip when this checkout has none."""
    if not SHARED_DATA_DIR.is_dir():
        skip_test("real data", f"{SHARED_DATA_DIR} does not exist")
    return SHARED_DATA_DIR


def _require_bundled_data() -> None:
    truth = DATA_DIR / "ground_truth.json"
    if not truth.is_file():
        pytest.fail(f"{truth} is missing: the bundled company is committed; regenerate it with `make data`.")


def _fingerprint(frame: pd.DataFrame) -> tuple:
    """Columns, dtypes and a SHA-256 of every row's values and index, in row order."""
    rows = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    return tuple(frame.columns), tuple(map(str, frame.dtypes)), hashlib.sha256(rows.tobytes()).hexdigest()


def _fail_if_changed(name: str, before, after) -> None:
    if before != after:
        pytest.fail(
            f"the session fixture {name} was changed by a test: every test shares it, so a test that "
            "needs to change it must work on a copy (frame.copy(), copy.deepcopy).",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def bundled_company() -> Iterator:
    """The bundled synthetic company, validated, shared by the whole session (never changed)."""
    from xsell_lab import load_company

    _require_bundled_data()
    company = load_company(DATA_DIR)
    before = {name: _fingerprint(frame) for name, frame in company.tables().items()}
    yield company
    _fail_if_changed("bundled_company", before, {name: _fingerprint(frame) for name, frame in company.tables().items()})


@pytest.fixture(scope="session")
def bundled_lines(bundled_company) -> Iterator[pd.DataFrame]:
    """``sales_lines(bundled_company)``, shared by the whole session (never changed)."""
    from xsell_lab import sales_lines

    lines = sales_lines(bundled_company)
    before = _fingerprint(lines)
    yield lines
    _fail_if_changed("bundled_lines", before, _fingerprint(lines))


@pytest.fixture(scope="session")
def ground_truth() -> Iterator[dict]:
    """The planted truth of the bundled synthetic company, shared by the whole session (never changed)."""
    _require_bundled_data()
    truth = json.loads((DATA_DIR / "ground_truth.json").read_text(encoding="utf-8"))
    before = copy.deepcopy(truth)
    yield truth
    _fail_if_changed("ground_truth", before, truth)


# --- real data sets as data folders, for tests/test_real_data_notebooks.py --------------------------
#
# Each fixture below gives a ``RealDataFolder`` (a data folder and the mapping to read it with) built
# once per session in a temporary folder; the real data stays read-only in ../shared/data. The large
# data set, Online Retail, is sampled *by customer*, deterministically: the customers sorted by id,
# every k-th one kept with all its orders, order lines and returns (a stride over sorted ids rather than the first
# n ids, because Online Retail numbers its customers by country blocks: the 12xxx ids are mostly
# outside the United Kingdom). A customer sample keeps every basket whole, so basket rules,
# repeat-purchase timing and lifetime value are those of the customers kept.

#: Online Retail: every 4th customer (1,084 of 4,334 customers, 4,184 orders, 90,508 order lines,
#: 3,280 products), well above every notebook's minimum. Notebook 04 (basket rules at product level)
#: dominates the time: about 80 s on this sample, and it grows faster than the number of baskets.
ONLINE_RETAIL_CUSTOMER_STRIDE = 4
#: The Complete Journey files its shipped mapping reads (examples/completejourney_mapping.yaml).
COMPLETEJOURNEY_FILES = ("transactions_sample.csv.gz", "products.csv.gz", "demographics.csv")


@dataclass(frozen=True)
class RealDataFolder:
    """A data folder for the notebooks, the mapping to read it with (``""``: canonical Parquet files)
    and how it was made (one sentence, shown in failure messages)."""

    name: str
    data_path: Path
    mapping_path: str
    made: str

    def parameters(self) -> dict[str, str]:
        """The notebook parameters that point a notebook at this data, and nothing else."""
        return {"data_path": str(self.data_path), "mapping_path": self.mapping_path}


def _every_kth(ids, stride: int, key=str) -> set:
    """Every ``stride``-th id of the distinct ``ids`` sorted by ``key``, starting with the first."""
    return set(sorted(set(ids), key=key)[::stride])


@pytest.fixture(scope="session")
def online_retail_folder(tmp_path_factory) -> RealDataFolder:
    """UCI Online Retail through ``adapters.online_retail``, every 4th customer, as Parquet files."""
    from xsell_lab import Company, write_company
    from xsell_lab.data import adapters
    from xsell_lab.data import schema as s

    from skips import shared_file

    tables = dict(adapters.online_retail(shared_file("online_retail.csv.gz")).tables)
    kept = _every_kth(tables[s.CUSTOMERS][s.CUSTOMER_ID], ONLINE_RETAIL_CUSTOMER_STRIDE)
    tables[s.CUSTOMERS] = tables[s.CUSTOMERS][tables[s.CUSTOMERS][s.CUSTOMER_ID].isin(kept)]
    tables[s.ORDERS] = tables[s.ORDERS][tables[s.ORDERS][s.CUSTOMER_ID].isin(kept)]
    orders = set(tables[s.ORDERS][s.ORDER_ID])
    for name in (s.ORDER_LINES, s.RETURNS):
        tables[name] = tables[name][tables[name][s.ORDER_ID].isin(orders)]
    sold = set(tables[s.ORDER_LINES][s.PRODUCT_ID])
    tables[s.PRODUCTS] = tables[s.PRODUCTS][tables[s.PRODUCTS][s.PRODUCT_ID].isin(sold)]
    folder = tmp_path_factory.mktemp("online_retail")
    write_company(Company.from_tables({name: frame.reset_index(drop=True) for name, frame in tables.items()}), folder)
    return RealDataFolder(
        "online_retail", folder, "",
        f"adapters.online_retail, every {ONLINE_RETAIL_CUSTOMER_STRIDE}th customer by id, written with write_company",
    )  # fmt: skip


@pytest.fixture(scope="session")
def completejourney_folder(tmp_path_factory) -> RealDataFolder:
    """dunnhumby Complete Journey read through the shipped examples/completejourney_mapping.yaml.

    Not sampled further: ``transactions_sample`` is already a 75,000-line sample (2,373 households,
    47,034 baskets) and every notebook runs on it in seconds. The three files the mapping reads are
    copied, unchanged, into one data folder (the mapping's file names are relative to it).
    """
    import shutil

    from skips import shared_file

    folder = tmp_path_factory.mktemp("completejourney")
    for name in COMPLETEJOURNEY_FILES:
        shutil.copyfile(shared_file(f"completejourney/{name}"), folder / name)
    return RealDataFolder(
        "completejourney", folder, str(REPO_ROOT / "examples" / "completejourney_mapping.yaml"),
        "examples/completejourney_mapping.yaml on the shipped files (2,373 households)",
    )  # fmt: skip


@pytest.fixture(scope="session")
def purchase_log_folder(tmp_path_factory) -> RealDataFolder:
    """The BTYDplus grocery event log (customer and date only) as the four required tables.

    The log has no products, amounts or order ids, so the folder is the least a company can be:
    every event is an order of one unit of one product ("purchase", category "purchase", price 1),
    order ids are the event's row number; customers have no other column. All 1,525 customers
    (10,483 events) are kept: it is small.
    """
    from xsell_lab import Company, write_company
    from xsell_lab.data import schema as s

    from skips import shared_file

    log = pd.read_csv(shared_file("btydplus_groceryElog.csv"), dtype={"cust": str})
    orders = pd.DataFrame({s.ORDER_ID: [f"E{row}" for row in range(len(log))], s.CUSTOMER_ID: log["cust"], s.ORDER_DATE: log["date"]})
    tables = {
        s.CUSTOMERS: pd.DataFrame({s.CUSTOMER_ID: sorted(log["cust"].unique(), key=int)}),
        s.PRODUCTS: pd.DataFrame({s.PRODUCT_ID: ["P1"], s.PRODUCT_NAME: ["purchase"], s.CATEGORY: ["purchase"], s.PRICE: [1.0]}),
        s.ORDERS: orders,
        s.ORDER_LINES: pd.DataFrame({s.ORDER_ID: orders[s.ORDER_ID], s.PRODUCT_ID: "P1", s.QUANTITY: 1, s.UNIT_PRICE: 1.0}),
    }
    folder = tmp_path_factory.mktemp("purchase_log")
    write_company(Company.from_tables(tables), folder)
    return RealDataFolder("purchase_log", folder, "", "btydplus_groceryElog.csv: one product, one unit per event, price 1")


#: Hillstrom's e-mail test: every 4th of its 64,000 customers (16,000: about 5,300 per arm).
HILLSTROM_CUSTOMER_STRIDE = 4


@pytest.fixture(scope="session")
def hillstrom_folder(tmp_path_factory) -> RealDataFolder:
    """Kevin Hillstrom's e-mail test as a campaign export: customers and offers only, no orders.

    ``adapters.hillstrom`` makes the two tables; every 4th customer by id is kept with their offer,
    and the two are written as Parquet files, as an analyst with a campaign export has them.
    """
    from xsell_lab.data import adapters
    from xsell_lab.data import schema as s

    from skips import shared_file

    tables = adapters.hillstrom(shared_file("hillstrom_email.csv")).tables
    kept = _every_kth(tables[s.CUSTOMERS][s.CUSTOMER_ID], HILLSTROM_CUSTOMER_STRIDE)
    folder = tmp_path_factory.mktemp("hillstrom")
    for name in (s.CUSTOMERS, s.OFFERS):
        tables[name][tables[name][s.CUSTOMER_ID].isin(kept)].to_parquet(folder / f"{name}.parquet", index=False)
    return RealDataFolder(
        "hillstrom", folder, "",
        f"adapters.hillstrom, every {HILLSTROM_CUSTOMER_STRIDE}th customer by id: customers and offers only (a campaign export)",
    )  # fmt: skip


@pytest.fixture(scope="session")
def shop_export_folder() -> RealDataFolder:
    """The three-customer ERP export shipped in examples/shop_export, read through its mapping."""
    return RealDataFolder(
        "shop_export", REPO_ROOT / "examples" / "shop_export", str(REPO_ROOT / "examples" / "shop_export_mapping.yaml"),
        "examples/shop_export with examples/shop_export_mapping.yaml (3 customers, 4 orders)",
    )  # fmt: skip


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for every Spark test (pyspark and Java needed, else a skip)."""
    import_or_skip("pyspark", "spark")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        skip_test("spark", "no Java runtime (java on the PATH or JAVA_HOME)")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("xsell-lab-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
