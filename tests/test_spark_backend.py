"""The RFM summary and the headline KPIs on Spark (backend="spark", local mode) equal their pandas results.

Checked three ways: Spark against pandas (the bundled company and a random company, pandas and
Spark frames in, with groups and cut-off days), both against the truth planted in the random
company (each customer's distinct categories and purchase days are drawn first, the lines
built from them; for the KPI summary also times of day, first touches and offers), and the
cross-sell rate and the retention rate against DuckDB SQL recounts.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from skips import import_or_skip

from xsell_lab import _spark, clv, kept_lines, kpis
from xsell_lab.data import schema as s
from xsell_lab.data.validation import DataValidationError

slow = pytest.mark.slow
CATEGORIES = [f"cat{i}" for i in range(6)]
SEGMENTS = ["retail", "trade", "online"]


def planted_company(seed: int, n_customers: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Order lines of customers whose distinct categories and purchase days are drawn first.

    Returns the lines (rows shuffled, a tenth of the segments missing) and the truth: per
    customer ``items`` (distinct categories), ``days`` (distinct purchase days), ``first_day``
    and ``last_day``.
    """
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01")
    rows, truth = [], []
    for number in range(n_customers):
        customer = f"K{number:04d}"
        days = np.sort(rng.choice(700, size=int(rng.integers(1, 6)), replace=False))
        categories = rng.choice(CATEGORIES, size=int(rng.integers(1, 5)), replace=False)
        lines_per_day = rng.integers(1, 4, size=len(days))
        lines_per_day[0] += max(0, len(categories) - lines_per_day.sum())
        day_of_line = np.repeat(days, lines_per_day)
        segment = None if rng.random() < 0.1 else str(rng.choice(SEGMENTS))
        for line, day in enumerate(day_of_line):
            rows.append((f"{customer}-{day}", customer, start + pd.Timedelta(days=int(day)), str(categories[line % len(categories)]),
                         f"p{rng.integers(40)}", round(float(rng.uniform(5, 500)), 2), segment, str(rng.choice(["web", "store"]))))
        truth.append((customer, len(categories), len(days), start + pd.Timedelta(days=int(days[0])), start + pd.Timedelta(days=int(days[-1]))))
    columns = [s.ORDER_ID, s.CUSTOMER_ID, s.ORDER_DATE, s.CATEGORY, s.PRODUCT_ID, "revenue", "segment", "channel"]
    lines = pd.DataFrame(rows, columns=columns).sample(frac=1, random_state=seed).reset_index(drop=True)
    return lines, pd.DataFrame(truth, columns=[s.CUSTOMER_ID, "items", "days", "first_day", "last_day"])


@pytest.fixture(scope="module")
def planted():
    return planted_company(7)


@pytest.fixture(scope="module")
def bundled_kept(bundled_company):
    return kept_lines(bundled_company)


def as_spark_frame(spark, lines: pd.DataFrame):
    """The lines as a Spark DataFrame, the way a user's own would come (built by Spark, not by our converter)."""
    import pyarrow as pa

    return spark.createDataFrame(pa.Table.from_pandas(lines, preserve_index=False))


def as_spark_instants(spark, frame: pd.DataFrame, column: str):
    """A Spark frame whose ``column`` holds UTC instants (``TimestampType``), as a user's own UTC times would come."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    position = table.schema.get_field_index(column)
    return spark.createDataFrame(table.set_column(position, column, table[column].cast(pa.timestamp("us", tz="UTC"))))


def assert_same(pandas_result, spark_result, *, exact: bool, check_dtype: bool = True) -> None:
    """Same value (floats), or same frame: columns, dtypes, index and order; counts exactly, means to rtol 1e-12."""
    if isinstance(pandas_result, float):
        assert isinstance(spark_result, float)
        assert spark_result == pandas_result if exact else spark_result == pytest.approx(pandas_result, rel=1e-12, nan_ok=True)
        return
    pd.testing.assert_frame_equal(spark_result, pandas_result, check_exact=exact, rtol=1e-12, check_dtype=check_dtype)


def top_category(lines: pd.DataFrame) -> str:
    """The category with the most customers: an anchor chosen from the data."""
    return lines.groupby(s.CATEGORY)[s.CUSTOMER_ID].nunique().sort_values(ascending=False, kind="stable").index[0]


KPI_CASES = [
    ("cross_sell_rate", {}),
    ("cross_sell_rate", {"by": "segment"}),
    ("cross_sell_rate", {"by": ["quarter", "channel"], "level": "product"}),
    ("cross_sell_rate", {"anchor": "TOP", "by": "segment"}),
    ("product_penetration", {"min_items": 3}),
    ("product_penetration", {"by": "month"}),
    ("cross_sell_ratio", {"as_of": "MIDDLE", "by": "segment", "level": "category"}),
    ("cross_sell_ratio", {"as_of": "MIDDLE"}),
    ("average_order_value", {}),
    ("average_order_value", {"by": ["segment", "year"]}),
    ("revenue_contribution", {}),
    ("revenue_contribution", {"by": ["segment", "quarter"], "level": "product"}),
    ("retention_rate", {}),
    ("retention_rate", {"period": "quarter", "by": ["quarter", "segment"]}),
    ("retention_rate", {"by": ["channel", "year"]}),
]
EXACT = {"cross_sell_rate", "product_penetration", "retention_rate"}  # ratios of two counts: the same division on both paths
#: KPIs that read a Spark time as an instant in UTC (to the microsecond); the others read its day in the session time zone.
UTC_TIMES = {"revenue_contribution", "retention_rate"}


def kpi_arguments(lines: pd.DataFrame, arguments: dict) -> dict:
    """The case's arguments with the anchor and the cut-off day read from the data."""
    middle = lines[s.ORDER_DATE].min() + (lines[s.ORDER_DATE].max() - lines[s.ORDER_DATE].min()) / 2
    replace = {"TOP": top_category(lines), "MIDDLE": middle.normalize()}
    return {name: replace.get(value, value) if isinstance(value, str) else value for name, value in arguments.items()}


@slow
@pytest.mark.parametrize("name, arguments", KPI_CASES, ids=lambda case: str(case))
def test_kpis_on_spark_equal_pandas_on_the_bundled_company(spark, bundled_kept, name, arguments):
    arguments = kpi_arguments(bundled_kept, arguments)
    function = getattr(kpis, name)
    assert_same(function(bundled_kept, **arguments), function(bundled_kept, backend="spark", **arguments), exact=name in EXACT)


@slow
@pytest.mark.parametrize("name, arguments", KPI_CASES, ids=lambda case: str(case))
def test_kpis_on_spark_equal_pandas_on_a_random_company_given_as_a_spark_frame(spark, planted, name, arguments):
    lines = planted[0]
    arguments = kpi_arguments(lines, arguments)
    function = getattr(kpis, name)
    expected = function(lines, **arguments)
    frame = as_spark_instants(spark, lines, s.ORDER_DATE) if name in UTC_TIMES else as_spark_frame(spark, lines)
    got = function(frame, backend="spark", **arguments)
    # A Spark frame carries no pandas dtype: its text group columns come back as pandas infers them.
    assert_same(expected, got, exact=name in EXACT, check_dtype=not isinstance(expected, pd.DataFrame) or "segment" not in expected)
    if isinstance(expected, pd.DataFrame):
        assert got.index.equals(expected.index) and list(got.columns) == list(expected.columns)


@slow
def test_a_group_column_without_any_value_is_one_missing_group_on_spark_too(spark, planted):
    # Complete Journey's lines have no channel at all: Arrow and Spark type such a column as null, not text
    lines = planted[0].assign(channel=None)
    expected = kpis.average_order_value(lines, by="channel")
    assert expected["channel"].tolist() == [kpis.missing_group_label("channel")]
    assert_same(expected, kpis.average_order_value(lines, by="channel", backend="spark"), exact=False)


@slow
def test_kpis_on_spark_find_the_planted_counts_and_agree_with_duckdb(spark, planted):
    duckdb = pytest.importorskip("duckdb")
    lines, truth = planted
    planted_rate = float((truth["items"] >= 2).mean())
    assert kpis.cross_sell_rate(lines, backend="spark") == planted_rate == kpis.cross_sell_rate(lines)
    assert kpis.product_penetration(lines, min_items=3, backend="spark") == float((truth["items"] >= 3).mean())
    recount = duckdb.sql(
        """SELECT coalesce(segment, '(no segment)') AS segment, count(*) AS customers, sum((items >= 2)::BIGINT) AS cross_sold_customers
           FROM (SELECT segment, customer_id, count(DISTINCT category) AS items FROM lines GROUP BY ALL) GROUP BY ALL ORDER BY segment"""
    ).df()
    got = kpis.cross_sell_rate(lines, by="segment", backend="spark")
    pd.testing.assert_frame_equal(got[["customers", "cross_sold_customers"]], recount[["customers", "cross_sold_customers"]], check_dtype=False)
    assert got["segment"].tolist() == recount["segment"].tolist()


@slow
@pytest.mark.parametrize("as_of", ["2023-01-01", "2023-11-30", "2024-12-31", "2022-06-30"])
def test_rfm_summary_on_spark_equals_pandas_and_the_planted_days(spark, planted, as_of):
    lines, truth = planted
    expected = clv.rfm_summary(lines, as_of)
    got = clv.rfm_summary(lines, as_of, backend="spark")
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    bought = set(lines.loc[lines[s.ORDER_DATE] <= as_of, s.CUSTOMER_ID])
    assert got[s.CUSTOMER_ID].tolist() == [c for c in dict.fromkeys(lines[s.CUSTOMER_ID]) if c in bought], "order of first appearance"
    if as_of == "2024-12-31":  # every purchase counts: the planted days
        planted_rfm = truth.set_index(s.CUSTOMER_ID).loc[got[s.CUSTOMER_ID]]
        assert (got["frequency"].to_numpy() == planted_rfm["days"].to_numpy() - 1).all()
        assert np.allclose(got["recency"], (planted_rfm["last_day"] - planted_rfm["first_day"]).dt.days / 7, rtol=0)


@slow
def test_rfm_summary_on_spark_from_a_spark_frame_and_on_the_bundled_company(spark, planted, bundled_kept):
    lines = planted[0]
    got = clv.rfm_summary(as_spark_frame(spark, lines), "2024-06-30", backend="spark")
    pd.testing.assert_frame_equal(got, clv.rfm_summary(lines, "2024-06-30"), check_exact=False, rtol=1e-12, check_dtype=False)
    assert got["frequency"].dtype == "int64"
    last = bundled_kept[s.ORDER_DATE].max()
    pd.testing.assert_frame_equal(clv.rfm_summary(bundled_kept, last, backend="spark"), clv.rfm_summary(bundled_kept, last), check_exact=False, rtol=1e-12)


@slow
def test_rfm_summary_on_spark_refuses_what_pandas_refuses(spark, planted):
    lines = planted[0].copy()
    lines.loc[3, "revenue"] = -1e6
    messages = []
    for backend in ("pandas", "spark"):
        with pytest.raises(DataValidationError, match="net spend is negative") as caught:
            clv.rfm_summary(lines, "2024-12-31", backend=backend)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    lines.loc[5, s.CUSTOMER_ID] = None
    with pytest.raises(DataValidationError, match="customer_id.*are empty"):
        clv.rfm_summary(lines, "2024-12-31", backend="spark")


@slow
def test_category_kpis_on_spark_refuse_lines_of_one_category(spark, planted):
    lines = planted[0].assign(category="only")
    with pytest.raises(kpis.InsufficientDataError, match="one category"):
        kpis.cross_sell_rate(lines, backend="spark")


def planted_times(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """:func:`planted_company` with a time of day for each order, marketing events and offers, all planted.

    Each order gets a minute of the day; the first orders of a month's first day are put at 01:30 (UTC):
    one time zone west of UTC would move them to the month before. Each customer's first touch is drawn
    as a number of minutes before their first purchase (a fifth of them touched only after it, a tenth
    never touched by a start event); the offers sent are 40, of which 12 accepted, beside a control arm.

    Returns the lines, the marketing events, the offers and the truth: ``items``, ``customers``,
    ``cross_sell_rate``, ``sales_cycle_time`` (the median of the planted cycles, in days) and
    ``offer_conversion_rate``.
    """
    lines, truth = planted_company(seed)
    rng = np.random.default_rng(seed + 1)
    orders = lines[s.ORDER_ID].drop_duplicates()
    minutes = pd.Series(rng.integers(0, 24 * 60, len(orders)), index=orders.to_numpy())
    first_of_month = lines.drop_duplicates(s.ORDER_ID).set_index(s.ORDER_ID)[s.ORDER_DATE].dt.day == 1
    minutes[first_of_month[first_of_month].index] = 90
    lines = lines.assign(order_date=lines[s.ORDER_DATE] + pd.to_timedelta(lines[s.ORDER_ID].map(minutes), unit="min"))
    first_purchase = lines.groupby(s.CUSTOMER_ID)[s.ORDER_DATE].min()
    events, cycles = [], []
    for customer, bought in first_purchase.items():
        draw = rng.random()
        cycle = pd.Timedelta(minutes=int(rng.integers(1, 60 * 24 * 40)))
        if draw < 0.1:
            events.append((customer, "support", bought - cycle))
            continue
        touch = bought + cycle if draw < 0.3 else bought - cycle
        events += [(customer, "awareness", touch), (customer, "consideration", touch + pd.Timedelta(hours=5)), (customer, "referral", touch - cycle)]
        if touch <= bought:
            cycles.append(cycle / pd.Timedelta(days=1))
    events = pd.DataFrame(events, columns=[s.CUSTOMER_ID, s.EVENT_TYPE, s.EVENT_DATE])
    offers = pd.DataFrame({s.EXPERIMENT_ID: "E1", s.VARIANT: ["offer"] * 40 + ["control"] * 10, s.ACCEPTED: [True] * 12 + [False] * 28 + [True] * 10})
    planted = {"items": float(truth["items"].mean()), "customers": len(truth), "cross_sell_rate": float((truth["items"] >= 2).mean()),
               "sales_cycle_time": float(np.median(cycles)), "offer_conversion_rate": 12 / 40}
    return lines, events, offers, planted


@pytest.fixture(scope="module")
def planted_with_times():
    return planted_times(11)


@slow
@pytest.mark.parametrize("period, level", [("month", "category"), ("quarter", "product")])
def test_kpi_summary_on_spark_equals_pandas_on_the_bundled_company(spark, bundled_company, bundled_kept, period, level):
    arguments = {"offers": bundled_company.offers, "marketing_events": bundled_company.marketing_events, "level": level, "period": period}
    expected = kpis.kpi_summary(bundled_kept, **arguments)
    got = kpis.kpi_summary(bundled_kept, backend="spark", **arguments)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    counts = ["customers", "orders", "cross_sell_rate", "product_penetration", "retention_rate", "offer_conversion_rate", "sales_cycle_time"]
    assert got.set_index("kpi").loc[counts, "value"].tolist() == expected.set_index("kpi").loc[counts, "value"].tolist()


@slow
@pytest.mark.parametrize("period", ["month", "quarter", "year"])
def test_kpi_summary_on_spark_finds_the_planted_truth_whatever_the_session_time_zone(spark, planted_with_times, period):
    lines, events, offers, planted = planted_with_times
    expected = kpis.kpi_summary(lines, offers=offers, marketing_events=events, period=period)
    west = kpis.kpi_summary(lines.assign(order_date=lines[s.ORDER_DATE] - pd.Timedelta(hours=5)), period=period)
    if period != "year":  # the 01:30 purchases: five hours west they belong to the month (and quarter) before
        assert west.loc[8, "value"] != expected.loc[8, "value"], "the planted times cross no period boundary"
    zone = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        got = kpis.kpi_summary(as_spark_instants(spark, lines, s.ORDER_DATE), offers=spark.createDataFrame(offers),
                               marketing_events=as_spark_instants(spark, events, s.EVENT_DATE), period=period, backend="spark")
    finally:
        spark.conf.set("spark.sql.session.timeZone", zone)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    value = got.set_index("kpi")["value"]
    assert value["customers"] == planted["customers"]
    assert value["items_per_customer"] == pytest.approx(planted["items"], rel=1e-12)
    assert value["cross_sell_rate"] == pytest.approx(100 * planted["cross_sell_rate"], rel=1e-12)
    assert value["offer_conversion_rate"] == pytest.approx(100 * planted["offer_conversion_rate"], rel=1e-12)
    assert value["sales_cycle_time"] == pytest.approx(planted["sales_cycle_time"], rel=1e-12)
    if period == "month":
        assert value["retention_rate"] == pytest.approx(100 * duckdb_month_retention(lines), rel=1e-12)


@slow
def test_every_spark_kpi_reads_a_purchase_day_in_utc_whatever_the_session_time_zone(spark, planted_with_times):
    """The day KPIs and the RFM summary too (month groups, cut-off days): a 01:30 UTC purchase on the 1st stays on its day."""
    lines = planted_with_times[0]
    first_of_month = lines[lines[s.ORDER_DATE].dt.day == 1]
    cut = first_of_month[s.ORDER_DATE].dt.normalize().iloc[0]
    as_of = str((cut - pd.Timedelta(days=1)).date())  # the day before a 01:30 purchase: five hours west it would count
    calls = {
        "average_order_value": lambda frame, backend: kpis.average_order_value(frame, by="month", backend=backend),
        "cross_sell_ratio": lambda frame, backend: kpis.cross_sell_ratio(frame, as_of, backend=backend),
        "cross_sell_rate": lambda frame, backend: kpis.cross_sell_rate(frame, by="quarter", backend=backend),
        "rfm_summary": lambda frame, backend: clv.rfm_summary(frame, as_of, backend=backend),
    }
    expected = {name: call(lines, "pandas") for name, call in calls.items()}
    west = lines.assign(order_date=lines[s.ORDER_DATE] - pd.Timedelta(hours=5))
    assert not calls["average_order_value"](west, "pandas").equals(expected["average_order_value"])  # the times matter
    zone = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        instants = as_spark_instants(spark, lines, s.ORDER_DATE)
        got = {name: call(instants, "spark") for name, call in calls.items()}
    finally:
        spark.conf.set("spark.sql.session.timeZone", zone)
    for name in calls:
        pd.testing.assert_frame_equal(got[name], expected[name], check_exact=False, rtol=1e-12, obj=name)


def duckdb_month_retention(lines: pd.DataFrame) -> float:
    """The pooled month-to-month retention rate recounted in DuckDB SQL (every month but the last)."""
    duckdb = pytest.importorskip("duckdb")
    return duckdb.sql(
        """WITH bought AS (SELECT DISTINCT customer_id, year(order_date) * 12 + month(order_date) - 1 AS t FROM lines),
                active AS (SELECT * FROM bought WHERE t < (SELECT max(t) FROM bought))
           SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM bought AS next WHERE next.customer_id = active.customer_id AND next.t = active.t + 1))
                  / count(*) AS retention FROM active"""
    ).fetchall()[0][0]


@pytest.mark.parametrize("call", [
    lambda lines: kpis.kpi_summary(lines, backend="polars"),
    lambda lines: kpis.cross_sell_rate(lines, backend="polars"),
    lambda lines: kpis.product_penetration(lines, backend="polars"),
    lambda lines: kpis.cross_sell_ratio(lines, "2023-06-30", backend="polars"),
    lambda lines: kpis.average_order_value(lines, backend="polars"),
    lambda lines: kpis.revenue_contribution(lines, backend="polars"),
    lambda lines: kpis.retention_rate(lines, backend="polars"),
    lambda lines: clv.rfm_summary(lines, "2023-06-30", backend="polars"),
])
def test_an_unknown_backend_names_the_allowed_ones(call):
    with pytest.raises(ValueError, match="backend must be one of 'pandas', 'spark'; got 'polars'"):
        call(planted_company(0, n_customers=5)[0])


def test_without_pyspark_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # import pyspark.sql raises ImportError
    with pytest.raises(ImportError, match=r'pip install "xsell-lab\[spark\]" and a Java 17 runtime'):
        kpis.cross_sell_rate(planted_company(0, n_customers=5)[0], backend="spark")


def test_without_java_the_error_says_so(monkeypatch):
    import_or_skip("pyspark", "spark")
    from pyspark.sql import SparkSession

    monkeypatch.setattr(SparkSession, "getActiveSession", staticmethod(lambda: None))
    monkeypatch.setattr(_spark.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(RuntimeError, match="needs Java"):
        _spark.session()


def test_the_pandas_path_never_imports_pyspark():
    code = (
        "import sys, xsell_lab\n"
        "from xsell_lab import clv, kpis\n"
        "lines = xsell_lab.kept_lines(xsell_lab.load_company('data'))\n"
        "kpis.cross_sell_rate(lines); kpis.average_order_value(lines); clv.rfm_summary(lines, '2023-06-30'); kpis.kpi_summary(lines)\n"
        "assert not [m for m in sys.modules if m.startswith('pyspark')], 'pyspark imported'\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, env={**os.environ, "PYTHONPATH": root})
