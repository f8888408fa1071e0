"""Customer ids in reports: pseudonymised by default, shown only on request.

A PDF leaves the analyst's hands, so customer ids in it are replaced by
pseudonyms unless the user asks for ``--show-ids``. Two places can print an id,
and both are covered by one keyed hash, so a customer gets the same pseudonym
in a table and in a chart of the same report (or batch of reports):

1. **Text, tables and printed output** are post-processed: after the
   notebook is converted to HTML, every whole word equal to a known customer
   id (the ``customer_id`` column of the ``customers`` table in the notebook's
   ``data_path``) is replaced by its pseudonym (:func:`pseudonymise_html`).
   Notebook authors need to do nothing.
2. **Pictures** (ids drawn on a chart's axis) cannot be post-processed. The
   report command therefore runs the kernel with the environment variables
   :data:`SHOW_IDS_VARIABLE` (``"0"`` or ``"1"``) and :data:`KEY_VARIABLE`;
   notebook authors label charts with :func:`display_ids`, which honours them
   (and returns the ids unchanged in an interactive session).

A pseudonym is ``cust-`` plus the first 8 hex digits of
HMAC-SHA256(key, id). The key is random per command run, so the pseudonyms of
two runs cannot be linked with each other or reversed by hashing a list of ids.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from xsell_lab import schema as s

#: Kernel environment variable: ``"1"`` shows real ids, ``"0"`` pseudonymises.
SHOW_IDS_VARIABLE = "XSELL_LAB_SHOW_IDS"
#: Kernel environment variable holding the hex key of the pseudonyms.
KEY_VARIABLE = "XSELL_LAB_PSEUDONYM_KEY"

# A whole "word" (letters, digits, _ and -) that is not part of a number such as 1,234.5.
_TOKEN = re.compile(r"(?<![\w.,-])[\w-]+(?![\w-]|[.,]\d)")
_TEXT_NODE = re.compile(r">([^<]+)<")


def pseudonym(customer_id: object, key: str) -> str:
    """The pseudonym of one id: ``cust-`` + 8 hex digits of HMAC-SHA256(key, id)."""
    digest = hmac.new(bytes.fromhex(key), str(customer_id).encode(), hashlib.sha256).hexdigest()
    return f"cust-{digest[:8]}"


def display_ids(ids: Iterable[object]) -> list[object]:
    """Ids as a report may show them; use it for chart labels.

    Parameters
    ----------
    ids : iterable
        Customer ids.

    Returns
    -------
    list
        Pseudonyms when the kernel runs for a report without ``--show-ids``
        (environment variable :data:`SHOW_IDS_VARIABLE` is ``"0"``), the ids
        unchanged otherwise.
    """
    ids = list(ids)
    key = os.environ.get(KEY_VARIABLE)
    if os.environ.get(SHOW_IDS_VARIABLE, "1") == "1" or not key:
        return ids
    return [pseudonym(value, key) for value in ids]


def kernel_settings(show_ids: bool, key: str) -> dict[str, str]:
    """The environment variables a report kernel runs with."""
    return {SHOW_IDS_VARIABLE: "1" if show_ids else "0", KEY_VARIABLE: key}


def known_customer_ids(data_path: str | os.PathLike | None) -> set[str]:
    """Customer ids of the ``customers`` table in a data folder (empty when there is none).

    Reads only the ``customer_id`` column of ``customers.parquet``,
    ``customers.csv`` or ``customers.xlsx``.
    """
    if data_path is None:
        return set()
    folder = Path(data_path)
    readers = {
        "customers.parquet": lambda f: pd.read_parquet(f, columns=[s.CUSTOMER_ID]),
        "customers.csv": lambda f: pd.read_csv(f, usecols=[s.CUSTOMER_ID], dtype=str),
        "customers.xlsx": lambda f: pd.read_excel(f, usecols=[s.CUSTOMER_ID], dtype=str),
    }
    for name, reader in readers.items():
        if (folder / name).is_file():
            return {str(value) for value in reader(folder / name)[s.CUSTOMER_ID].dropna()}
    return set()


def pseudonymise_html(html: str, ids: set[str], key: str) -> tuple[str, int]:
    """Replace every whole-word customer id in the text of an HTML document.

    Only text between tags is touched (never attributes or embedded images).

    Returns
    -------
    tuple of (str, int)
        The new HTML and the number of replacements.
    """
    if not ids:
        return html, 0
    count = 0

    def replace_token(match: re.Match) -> str:
        nonlocal count
        token = match.group(0)
        if token not in ids:
            return token
        count += 1
        return pseudonym(token, key)

    def replace_text(match: re.Match) -> str:
        return ">" + _TOKEN.sub(replace_token, match.group(1)) + "<"

    return _TEXT_NODE.sub(replace_text, html), count
