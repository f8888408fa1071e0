"""The Spark session and the order lines as a Spark DataFrame, for the ``backend="spark"`` paths.

Functions that run on Spark (:func:`xsell_lab.clv.rfm_summary`, the headline KPIs of
:mod:`xsell_lab.kpis` and their :func:`~xsell_lab.kpis.kpi_summary`,
:func:`xsell_lab.basket.frequent_itemsets`) take ``backend="spark"`` and share what is kept
here: the session (the active one, ``SparkSession.getActiveSession()``, or else a local one),
the check of a ``backend`` that is ``"pandas"`` or ``"spark"``, the conversions through Arrow
(a pandas DataFrame of lines to a Spark one, a Spark result back to pandas), times read as
microseconds in UTC whatever the session time zone, and the first row of each group. pyspark is imported only when a Spark path runs: it needs the optional extra
``pip install "xsell-lab[spark]"`` and a Java 17 runtime.

To run on a cluster, create the session first (``spark-submit`` does, or
``SparkSession.builder.master("spark://host:7077")`` / ``"yarn"``): the functions then use it.
"""

from __future__ import annotations

import os
import shutil

#: The values of every ``backend=`` parameter that runs on pandas or on Spark.
BACKENDS = ("pandas", "spark")
#: What to install when pyspark or Java is absent.
INSTALL = 'pip install "xsell-lab[spark]" and a Java 17 runtime (java on the PATH or JAVA_HOME)'


def check_backend(backend: str, function: str) -> bool:
    """True for ``"spark"``, False for ``"pandas"``.

    Parameters
    ----------
    backend : str
        The caller's ``backend`` argument.
    function : str
        The caller's name, for the message.

    Returns
    -------
    bool
        Whether the Spark path runs.

    Raises
    ------
    ValueError
        For any other value, naming the allowed ones.
    """
    if backend not in BACKENDS:
        raise ValueError(f"{function}: backend must be one of {', '.join(map(repr, BACKENDS))}; got {backend!r}")
    return backend == "spark"


def session():
    """The active Spark session, or a new local one using every core.

    Returns
    -------
    pyspark.sql.SparkSession

    Raises
    ------
    ImportError
        When pyspark is not installed (the message names the extra and Java).
    RuntimeError
        When there is no active session and no Java runtime to start a local one.
    """
    functions()  # raises the ImportError that says how to install pyspark
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise RuntimeError(f"backend='spark' starts a local Spark, which needs Java: {INSTALL}.")
    return SparkSession.builder.master("local[*]").appName("xsell-lab").getOrCreate()


def functions():
    """:mod:`pyspark.sql.functions`, imported on first use.

    Raises
    ------
    ImportError
        When pyspark is not installed (the message names the extra and Java).
    """
    try:
        from pyspark.sql import functions as spark_functions
    except ImportError as error:
        raise ImportError(f"backend='spark' needs pyspark: {INSTALL}.") from error
    return spark_functions


def is_spark_frame(frame: object) -> bool:
    """Whether ``frame`` is a pyspark SQL DataFrame (classic or Spark Connect), without importing pyspark."""
    return any(cls.__module__.startswith("pyspark.sql.") and cls.__name__ == "DataFrame" for cls in type(frame).__mro__)


def column_frame(frame):
    """``frame`` itself when it is pandas; an empty pandas frame with its columns when it is Spark.

    Lets :func:`xsell_lab.data.validation.require_columns` check a Spark frame's columns
    without reading its rows.
    """
    import pandas as pd

    return pd.DataFrame(columns=list(frame.columns)) if is_spark_frame(frame) else frame


def collect(frame):
    """A Spark DataFrame's rows as a pandas DataFrame, through Arrow (no row-by-row Python).

    For the result of an aggregation: one row per group or per customer, never the lines.
    Arrow's types map to NumPy's (``bigint`` to ``int64``, ``double`` to ``float64``,
    ``date`` to ``datetime.date`` objects, ``string`` to pandas' default string dtype);
    the callers give the columns the dtypes of their pandas path.

    Parameters
    ----------
    frame : pyspark.sql.DataFrame

    Returns
    -------
    pandas.DataFrame
        A default ``RangeIndex``; the columns of ``frame``.
    """
    return frame.toArrow().to_pandas()


def to_spark(frame, columns: list[str], *, dates: tuple[str, ...] = (), timestamps: tuple[str, ...] = ()):
    """``columns`` of a pandas or Spark DataFrame as a Spark DataFrame.

    A pandas frame goes through Arrow (no row-by-row Python); the columns in
    ``dates`` are sent as calendar days (Arrow ``date32``), so no time zone
    can move a purchase to another day; the columns in ``timestamps`` are sent
    as instants in UTC to the microsecond (Arrow ``timestamp[us, UTC]``, Spark
    ``TimestampType``): a naive pandas time is read as UTC, so
    :func:`utc_micros` gives it back whatever the session time zone. A Spark
    frame is only narrowed to ``columns``.

    Parameters
    ----------
    frame : pandas.DataFrame or pyspark.sql.DataFrame
        Holds ``columns`` (the caller checked them).
    columns : list of str
        The columns to keep, in this order.
    dates : tuple of str
        Columns of datetimes (pandas ``datetime64``) to send as days.
    timestamps : tuple of str
        Columns of datetimes to send as UTC instants (microseconds; nanoseconds are dropped).

    Returns
    -------
    pyspark.sql.DataFrame
    """
    if is_spark_frame(frame):
        return frame.select(*[frame[c] for c in columns])
    import pandas as pd
    import pyarrow as pa

    spark = session()
    arrays = []
    for column in columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        if column in dates:
            arrays.append(pa.array(values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]"), mask=values.isna().to_numpy()))
        elif column in timestamps:
            arrays.append(pa.array(values.to_numpy(dtype="datetime64[us]"), type=pa.timestamp("us", tz="UTC"), mask=values.isna().to_numpy()))
        else:
            arrays.append(pa.Array.from_pandas(values))
    return spark.createDataFrame(pa.Table.from_arrays(arrays, names=columns))


#: Microseconds in a day.
MICROS_PER_DAY = 86_400_000_000


def utc_micros(frame, column: str):
    """A date or time column of a Spark frame as microseconds since 1970-01-01 00:00 UTC (a ``long`` Column).

    A ``TimestampType`` value is an instant, counted in UTC whatever the session
    time zone (``spark.sql.session.timeZone`` only changes how Spark shows it), so
    a pandas time sent by :func:`to_spark` as ``timestamps`` comes back as it was.
    A ``TimestampNTZType`` value (a wall-clock time) and a ``DateType`` value
    (midnight) are counted as if that wall clock were UTC.

    Parameters
    ----------
    frame : pyspark.sql.DataFrame
    column : str
        A ``timestamp``, ``timestamp_ntz`` or ``date`` column of ``frame``.

    Returns
    -------
    pyspark.sql.Column

    Raises
    ------
    TypeError
        For a column of another type.
    """
    F = functions()
    kind = frame.schema[column].dataType.typeName()
    if kind == "timestamp":
        return F.unix_micros(frame[column])
    if kind == "timestamp_ntz":
        return F.timestamp_diff("MICROSECOND", F.lit("1970-01-01 00:00:00").cast("timestamp_ntz"), frame[column])
    if kind == "date":
        return F.unix_date(frame[column]).cast("long") * MICROS_PER_DAY
    raise TypeError(f"{column} must hold dates or times on Spark (date, timestamp or timestamp_ntz); it holds {kind}.")


def utc_day(micros):
    """The calendar day (UTC) of microseconds since 1970-01-01 00:00 UTC, as a Spark ``DateType`` Column."""
    F = functions()
    return F.date_from_unix_date(F.floor(micros / MICROS_PER_DAY).cast("int"))


def utc_date(frame, column: str):
    """The calendar day (UTC) of a date or time column, whatever the session time zone (a ``DateType`` Column).

    Every Spark path of the lab reads a purchase's day this way, so a day never
    depends on ``spark.sql.session.timeZone``: :func:`utc_day` of :func:`utc_micros`.
    """
    return utc_day(utc_micros(frame, column))


def first_rows(frame, keys: list[str], order: list):
    """The first row of each group of ``keys`` in ``order`` (a Spark window; ties go to an arbitrary row, so break them in ``order``).

    Parameters
    ----------
    frame : pyspark.sql.DataFrame
    keys : list of str
        The group columns (a missing value is a group of its own, as in pandas' ``drop_duplicates``).
    order : list of pyspark.sql.Column
        Sort columns, e.g. ``[F.asc_nulls_last("order_date"), F.asc_nulls_last("order_id")]``.

    Returns
    -------
    pyspark.sql.DataFrame
        The columns of ``frame``, one row per group.
    """
    from pyspark.sql import Window

    rank = functions().row_number().over(Window.partitionBy(*keys).orderBy(*order))
    return frame.withColumn("_first", rank).where("_first = 1").drop("_first")


def collect_times(frame, columns: list[str], times: tuple[str, ...]):
    """:func:`collect` with the ``times`` columns as naive pandas timestamps in UTC (:func:`utc_micros`).

    Spark would hand its times to pandas in the session time zone; read through
    :func:`utc_micros`, a time that :func:`to_spark` sent comes back unchanged.

    Parameters
    ----------
    frame : pyspark.sql.DataFrame
        A small one (an aggregation's result, a table of offers or marketing events).
    columns : list of str
        The columns to collect, in this order.
    times : tuple of str
        Those of ``columns`` that hold dates or times.

    Returns
    -------
    pandas.DataFrame
        ``times`` columns of dtype ``datetime64[us]``.
    """
    import pandas as pd

    result = collect(frame.select(*[utc_micros(frame, c).alias(c) if c in times else frame[c] for c in columns]))
    for column in times:
        result[column] = pd.to_datetime(result[column], unit="us")
    return result
