"""Customer ids that read like numbers, marked while a pseudonymised report runs.

A report hides customer ids by finding them in its text
(:mod:`xsell_lab.lab.report.privacy`). An id such as ``17`` or ``12346`` cannot
be told from the report's own numbers there ("17% of customers", "01 Oct
2017"). So while a pseudonymised report runs, :func:`~xsell_lab.load_company`
writes every customer id of such a company with the mark :data:`ID_MARK` in
front (``#17``): the notebook prints ``#17`` wherever it shows that customer,
and the report replaces exactly those marked ids, leaving every number alone.

The mark is the same for every id, so ids keep their order (``"#10" < "#9"``
as ``"10" < "9"``): sorting, ties and random draws over sorted ids give the
same results as an unmarked run. Companies whose ids do not read like numbers
(``C00017``, e-mail addresses) are never marked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

import pandas as pd

from xsell_lab.data import schema as s

#: Put in front of every customer id of a company whose ids read like numbers.
ID_MARK = "#"
#: Environment variable: ``"1"`` while a pseudonymised report runs (set by the report command).
MARK_VARIABLE = "XSELL_LAB_MARK_IDS"

_NUMBER_LIKE = re.compile(r"\d+(?:[.,]\d+)*")


def reads_like_number(customer_id: str) -> bool:
    """Whether an id could be taken for a number in a report's text (``17``, ``1.5``, ``00123``)."""
    return _NUMBER_LIKE.fullmatch(customer_id) is not None


def needs_mark(customer_ids: Iterable[str]) -> bool:
    """Whether a pseudonymised report must mark these ids: some of them read like numbers."""
    return any(reads_like_number(str(value)) for value in customer_ids if value is not None)


def marking_requested() -> bool:
    """Whether this process runs for a pseudonymised report (:data:`MARK_VARIABLE` is ``"1"``)."""
    return os.environ.get(MARK_VARIABLE) == "1"


def customer_id_columns(table: str) -> list[str]:
    """The columns of a table that hold customer ids: the customers key and every reference to it."""
    spec = s.TABLES[table]
    own = [s.CUSTOMER_ID] if table == s.CUSTOMERS else []
    return own + [key.column for key in spec.foreign_keys if key.ref_table == s.CUSTOMERS]


def mark_customer_ids(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables with :data:`ID_MARK` in front of every customer id, when a report asks for it.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Validated tables by canonical name (ids are text).

    Returns
    -------
    dict of str to pandas.DataFrame
        The same tables (the same objects) unless :func:`marking_requested`
        and the ``customers`` ids :func:`needs_mark`; then copies whose
        customer id columns (:func:`customer_id_columns`) are marked.
    """
    customers = tables.get(s.CUSTOMERS)
    if not marking_requested() or customers is None or not needs_mark(customers[s.CUSTOMER_ID]):
        return tables
    marked = {}
    for name, frame in tables.items():
        columns = [column for column in customer_id_columns(name) if column in frame.columns]
        marked[name] = frame.assign(**{column: ID_MARK + frame[column] for column in columns}) if columns else frame
    return marked


def as_loaded(customer_id: str, loaded_ids: Iterable[str]) -> str:
    """A customer id given by a user (a notebook parameter) as the loaded tables hold it.

    Parameters
    ----------
    customer_id : str
        The id as the user knows it (``17``).
    loaded_ids : iterable of str
        The ids of the loaded tables.

    Returns
    -------
    str
        ``customer_id`` itself, or with :data:`ID_MARK` in front when only
        that form is among ``loaded_ids`` (a pseudonymised report's run).
    """
    known = set(loaded_ids)
    return ID_MARK + customer_id if customer_id not in known and ID_MARK + customer_id in known else customer_id

