"""One OpenMP thread for the small models of the lab.

scikit-learn's histogram gradient boosting runs on OpenMP with one thread per core. On the
data of a notebook (thousands to a few hundred thousand rows) the threads gain little, and on
a shared machine, where other processes hold the cores, OpenMP's waiting threads make the same
fit 5-10 times slower (measured: 8,000 customers, 1.3 s on one thread, 11 s on two with the
machine's two cores busy). :func:`one_thread` fits such models on one thread, which is also
what makes their results independent of the machine's core count.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Limit OpenMP (scikit-learn's boosting) to one thread inside the ``with`` block."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):
        yield
