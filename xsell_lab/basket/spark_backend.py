"""Itemset mining with Spark's parallel FP-growth, for data beyond one machine.

Uses :class:`pyspark.ml.fpm.FPGrowth` (Li, Wang, Zhang, Zhang & Chang 2008,
"PFP: parallel FP-growth for query recommendation"). It needs the optional
extra ``pip install "xsell-lab[spark]"`` and a Java runtime. Spark's FP-growth
has no length limit, so itemsets longer than ``max_len`` are mined and then
dropped. The threshold handed to Spark is ``(min_count - 0.5) / N``, which
Spark's ``ceil(minSupport * N)`` turns into exactly ``min_count``.

The session is the active one (``SparkSession.getActiveSession()``) or,
when there is none, a local one using every core (:func:`xsell_lab._spark.session`):
to run on a cluster, create the session with ``SparkSession.builder.master("spark://host:7077")``
(or ``yarn``) before calling :func:`~xsell_lab.basket.frequent_itemsets`.
"""

from __future__ import annotations

from xsell_lab import _spark
from xsell_lab.basket.transactions import Baskets


def mine_spark(baskets: Baskets, min_count: int, max_len: int) -> list[tuple[tuple[int, ...], int]]:
    """Same contract as :func:`xsell_lab.basket.sparse_backend.mine_sparse`, computed by Spark.

    Raises
    ------
    ImportError
        When pyspark is not installed (the message says how to install it).
    RuntimeError
        When there is no active Spark session and no Java runtime to start one.
    """
    spark = _spark.session()
    from pyspark.ml.fpm import FPGrowth

    matrix = baskets.matrix
    rows = [(matrix.indices[start:end].tolist(),) for start, end in zip(matrix.indptr[:-1], matrix.indptr[1:])]
    frame = spark.createDataFrame(rows, "items array<int>")
    model = FPGrowth(itemsCol="items", minSupport=(min_count - 0.5) / baskets.n_baskets, minConfidence=1.0).fit(frame)
    found = model.freqItemsets.where(f"size(items) <= {max_len} and freq >= {min_count}").collect()
    return [(tuple(sorted(row["items"])), int(row["freq"])) for row in found]


