"""Customer ids in reports: pseudonymised by default, shown only on request.

A PDF leaves the analyst's hands, so customer ids in it are replaced by
pseudonyms unless the user asks for ``--show-ids``. Two places can print an id,
and both are covered by one keyed hash, so a customer gets the same pseudonym
in a table and in a chart of the same report (or batch of reports):

1. **Text, tables and printed output** are post-processed: after the
   notebook is converted to HTML, every occurrence of a known customer id in
   the text is replaced by its pseudonym (:func:`pseudonymise_html`). The
   known ids are the ``customer_id`` column of the ``customers`` table, read
   the way :func:`xsell_lab.load_company` reads it for the notebook (same
   column mapping, file name, format and id clean-up), and *before* the
   notebook runs (:func:`known_customer_ids`). Notebook authors need to do
   nothing.

   Ids that read like numbers (``17``, ``12346``) cannot be told from the
   report's own numbers (``17%``, ``01 Oct 2017``). For them the report's
   kernel loads every id with a mark in front (``#17``,
   :mod:`xsell_lab.data.id_mark`; the order of the ids is unchanged, so are
   the results), and the report replaces the marked ids, never a bare number
   (:func:`id_forms`).
2. **Pictures** (ids drawn on a chart's axis) cannot be post-processed. The
   report command therefore runs the kernel with the environment variables
   :data:`SHOW_IDS_VARIABLE` (``"0"`` or ``"1"``) and :data:`KEY_VARIABLE`;
   notebook authors label charts with :func:`display_ids`, which honours them
   (and returns the ids unchanged in an interactive session).

Before a report is written, :func:`surviving_ids` checks the final document's
text once more; any known id left makes the report fail
(:class:`PseudonymisationError`) instead of shipping it.

How an id is matched
--------------------
Ids are matched as exact, case-sensitive strings of any shape (``C00017``,
``anna@example.com``, ``ACME Ltd.``, ``A/17``); a run of white space inside an
id also matches a different run of white space (HTML may wrap or pad it). When
one id is a prefix of another (``17`` and ``175``), the longest one that fits
is replaced. An occurrence counts only where it is not part of a longer word
or number:

* an id that starts (ends) with a letter, digit or ``_`` must not touch
  another letter, digit or ``_`` on that side: ``17`` is not found in
  ``2017``, ``17th`` or ``C17``, nor ``anna@example.com`` in
  ``hanna@example.com``;
* an id that starts (ends) with a digit must also not continue a number or
  date through one of ``. , - / :`` followed by a digit: ``17`` is not found
  in ``17.5``, ``0.17``, ``1,017``, ``2024-01-17``, ``17/01/2024`` or ``12:17``;
* an id that starts (ends) with another character (``#17``, ``(A)``) has no
  boundary on that side.

Limits
------
* **Ids that read like numbers** are found only in their marked form
  (``#17``), as the loaded tables hold them, and quoted (``'17'``), as an
  error message quotes them. A notebook that shows such an id before
  loading the data (a raw file's first rows), or turns it into a number,
  must label it with :func:`display_ids`; the final check cannot tell it
  from a number either.
* Ids are not found where a notebook changed their form: upper/lower case,
  a table cell shortened with ``...`` by pandas, a number formatting
  (``1,017`` for id ``1017``) or an id split across two HTML elements; and
  an id that continues into a number (``C17-2`` for id ``C17``) is left as is.
* Ids drawn into charts are only hidden when the notebook labels the chart
  with :func:`display_ids`; pictures cannot be checked.

A pseudonym is ``cust-`` plus the first 8 hex digits of
HMAC-SHA256(key, id). The key is random per command run, so the pseudonyms of
two runs cannot be linked with each other or reversed by hashing a list of ids.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import html
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from xsell_lab.data.id_mark import ID_MARK, MARK_VARIABLE, needs_mark, reads_like_number
from xsell_lab.exceptions import PseudonymisationError

#: Kernel environment variable: ``"1"`` shows real ids, ``"0"`` pseudonymises.
SHOW_IDS_VARIABLE = "XSELL_LAB_SHOW_IDS"
#: Kernel environment variable holding the hex key of the pseudonyms.
KEY_VARIABLE = "XSELL_LAB_PSEUDONYM_KEY"

# Where an id may start and end (see the module docstring): the lookarounds test the id's own
# first (last) character, then its neighbour outside the id.
_START = r"(?:(?=\d)(?<!\w)(?<!\d[.,\-/:])|(?=[^\W\d])(?<!\w)|(?=\W))"
_END = r"(?:(?<=\d)(?!\w)(?![.,\-/:]\d)|(?<=[^\W\d])(?!\w)|(?<=\W))"
_SPACE = re.compile(r"\s+")
_UNIT = re.compile(r"\s+|.", re.DOTALL)
_TEXT_NODE = re.compile(r">([^<]+)<")
_SCRIPT_OR_STYLE = re.compile(r"(<(script|style)\b[^>]*>.*?</\2\s*>)", re.DOTALL | re.IGNORECASE)
_CSS_STRING = re.compile(r"""content:\s*"((?:[^"\\]|\\.)*)\"""")


def pseudonym(customer_id: object, key: str) -> str:
    """The pseudonym of one id: ``cust-`` + 8 hex digits of HMAC-SHA256(key, id).

    An id that reads like a number has one pseudonym in all its forms: ``17``,
    ``#17`` (marked, see :mod:`xsell_lab.data.id_mark`) and ``'17'`` (quoted
    in an error message).
    """
    digest = hmac.new(bytes.fromhex(key), _plain_id(str(customer_id)).encode(), hashlib.sha256).hexdigest()
    return f"cust-{digest[:8]}"


def _plain_id(form: str) -> str:
    """The id itself behind a marked (``#17``) or quoted (``'17'``) form of an id that reads like a number."""
    if len(form) > 2 and form[0] == form[-1] == "'" and reads_like_number(form[1:-1]):
        return form[1:-1]
    if form.startswith(ID_MARK) and reads_like_number(form[len(ID_MARK):]):
        return form[len(ID_MARK):]
    return form


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
    """The environment variables a report kernel runs with (pseudonymised: ids that read like numbers marked)."""
    return {SHOW_IDS_VARIABLE: "1" if show_ids else "0", KEY_VARIABLE: key, MARK_VARIABLE: "0" if show_ids else "1"}


def known_customer_ids(data_path: str | os.PathLike | None, mapping: str | os.PathLike | dict | None = None) -> frozenset[str]:
    """The customer ids a report on this data may show, read before the notebook runs.

    Only the ``customers`` table is read, through the column mapping exactly
    as :func:`xsell_lab.load_company` reads it (any file name and format the
    mapping names, its delimiter, encoding and column names), and its
    ``customer_id`` column is cleaned as validation cleans it (text, white
    space stripped), so the ids are those the notebook prints.

    Parameters
    ----------
    data_path : str, path-like or None
        The data folder; ``None`` for a notebook that reads no data (no ids).
    mapping : str, path-like or dict, optional
        The column mapping the notebook is given (see :mod:`xsell_lab.data.mapping`).

    Returns
    -------
    frozenset of str
        The texts the report replaces: the ids, or when some read like
        numbers their marked and quoted forms (:func:`id_forms`).

    Raises
    ------
    FileNotFoundError
        When the data folder does not exist or has no ``customers`` table.
    MappingError, DataFileError, DataValidationError
        When the mapping is wrong or the table cannot be read (as ``load_company``).
    """
    if data_path is None:
        return frozenset()
    from xsell_lab.data import schema as s
    from xsell_lab.data.io import FILE_SUFFIXES, locate_table_file, read_source
    from xsell_lab.data.mapping import TableSource, parse_mapping
    from xsell_lab.data.validation import validate_table

    folder = Path(data_path)
    if not folder.is_dir():
        raise FileNotFoundError(f"Data folder '{folder.name}' does not exist: the customer ids to pseudonymise cannot be read.")
    source = parse_mapping(mapping).get(s.CUSTOMERS, TableSource(s.CUSTOMERS))
    file = locate_table_file(folder, source) if source.sql is None else None
    if file is None and source.sql is None and mapping is None:  # a raw export (notebook 11): the customers file the starter mapping finds
        from xsell_lab.data.starter import starter_mapping

        import yaml

        raw_files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".parquet", ".xlsx"))
        guessed = parse_mapping(yaml.safe_load(starter_mapping(raw_files, folder))) if raw_files else {}
        if s.CUSTOMERS in guessed and guessed[s.CUSTOMERS].sql is None:
            source = guessed[s.CUSTOMERS]
            file = locate_table_file(folder, source)
    read = read_source(folder, source)
    if read is None:
        looked = ", ".join(f"{s.CUSTOMERS}{suffix}" for suffix in FILE_SUFFIXES)
        raise FileNotFoundError(
            f"No '{s.CUSTOMERS}' table in data folder '{folder.name}' (looked for {looked}), so the customer ids "
            "to pseudonymise are unknown. Name its file in the column mapping, or run with --show-ids."
        )
    frame, origin = read
    if s.CUSTOMER_ID not in frame.columns:
        found = ", ".join(map(str, frame.columns[:15]))
        raise FileNotFoundError(
            f"Table '{s.CUSTOMERS}' ({origin}): no column '{s.CUSTOMER_ID}' (map yours onto it). Columns found: {found}."
        )
    clean, _ = validate_table(frame[[s.CUSTOMER_ID]], s.CUSTOMERS)
    return id_forms(str(value) for value in clean[s.CUSTOMER_ID] if value)


def id_forms(customer_ids: Iterable[str]) -> frozenset[str]:
    """The texts a pseudonymised report replaces for these ids.

    When no id reads like a number, the ids themselves. Otherwise the report's
    kernel marks every id (:mod:`xsell_lab.data.id_mark`), and the forms are:
    each id with the mark (``#17``), each id that reads like a number in quotes
    as an error message quotes it (``'17'``), and each other id as it is
    (``C17``, which a report may show before it is loaded). An id that reads
    like a number is never looked for bare, so a number of the report that
    equals an id (``17%``, ``01 Oct``) stays as it is.

    Parameters
    ----------
    customer_ids : iterable of str
        The ids of the ``customers`` table, as loaded.

    Returns
    -------
    frozenset of str
    """
    ids = frozenset(customer_ids)
    if not needs_mark(ids):
        return ids
    marked = {ID_MARK + value for value in ids}
    return frozenset(marked | {f"'{value}'" if reads_like_number(value) else value for value in ids})


def pseudonymise_html(html_text: str, ids: Iterable[str], key: str) -> tuple[str, int]:
    """Replace every known customer id in the text of an HTML document by its pseudonym.

    Only text between tags is touched: never attributes, embedded images,
    scripts or style sheets. Ids are matched by the rule of the module
    docstring, in the text as a reader sees it (``&amp;`` is ``&``).

    Parameters
    ----------
    html_text : str
        An HTML document or fragment.
    ids : iterable of str
        Known customer ids (:func:`known_customer_ids`).
    key : str
        Hex key of the pseudonyms.

    Returns
    -------
    tuple of (str, int)
        The new HTML and the number of replacements.
    """
    pattern, originals = _id_pattern(frozenset(ids))
    if pattern is None:
        return html_text, 0
    count = 0

    def replace_id(match: re.Match) -> str:
        nonlocal count
        count += 1
        return pseudonym(originals[_SPACE.sub(" ", match.group(0))], key)

    def replace_text(text: str) -> str:
        plain = html.unescape(text)
        replaced = pattern.sub(replace_id, plain)
        return text if replaced == plain else html.escape(replaced, quote=False)

    return _map_text_nodes(html_text, replace_text), count


def surviving_ids(html_text: str, ids: Iterable[str]) -> list[str]:
    """Known ids still in the text a reader of the document sees, by the rule of the module docstring.

    The text is every text node outside scripts and style sheets, plus the
    ``content: "..."`` strings of the style sheets (running headers).

    Returns
    -------
    list of str
        The ids found, each once, in order of first appearance.
    """
    pattern, originals = _id_pattern(frozenset(ids))
    if pattern is None:
        return []
    texts: list[str] = []
    _map_text_nodes(html_text, lambda text: texts.append(html.unescape(text)) or text)
    texts += _CSS_STRING.findall(html_text)
    found = (originals[_SPACE.sub(" ", match.group(0))] for text in texts for match in pattern.finditer(text))
    return list(dict.fromkeys(found))


def check_pseudonymised(html_text: str, ids: Iterable[str], key: str) -> None:
    """Fail when any known id is left in a document that claims to be pseudonymised.

    Raises
    ------
    PseudonymisationError
        Naming the count and the pseudonym of the first id left (never the id
        itself: the message may end up in a batch index).
    """
    left = surviving_ids(html_text, ids)
    if left:
        raise PseudonymisationError(
            f"{len(left)} customer id(s) of table 'customers', column 'customer_id' would still be shown in the report "
            f"(e.g. the id with pseudonym {pseudonym(left[0], key)}); no report was written. "
            "Label them with xsell_lab.lab.report.display_ids, or run with --show-ids for an in-house report."
        )


def _map_text_nodes(html_text: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to every text node outside ``<script>`` and ``<style>`` elements."""
    parts = _SCRIPT_OR_STYLE.split(html_text)
    # split() yields [text, element, tag name, text, element, tag name, ...]
    for index in range(0, len(parts), 3):
        parts[index] = _TEXT_NODE.sub(lambda m: ">" + change(m.group(1)) + "<", parts[index])
    return "".join(part for index, part in enumerate(parts) if index % 3 != 2)


@functools.lru_cache(maxsize=4)
def _id_pattern(ids: frozenset[str]) -> tuple[re.Pattern | None, Mapping[str, str]]:
    """One regular expression for all ids (a trie, longest match first) and id by matched text.

    Returns
    -------
    pattern : re.Pattern or None
        None when there are no ids.
    originals : mapping of str to str
        The id for a match whose white-space runs are single spaces.
    """
    originals = {_SPACE.sub(" ", value): value for value in sorted(ids) if value.strip()}
    if not originals:
        return None, originals
    trie: dict = {}
    for text in originals:
        node = trie
        for unit in _UNIT.findall(text):
            node = node.setdefault(" " if unit.isspace() else unit, {})
        node[""] = {}
    return re.compile(_START + "(?:" + _trie_pattern(trie) + ")" + _END), originals


def _trie_pattern(node: dict) -> str:
    """The pattern of a trie node: its branches, the longer ones tried first (greedy)."""
    branches = [(r"\s+" if unit == " " else re.escape(unit)) + _trie_pattern(child) for unit, child in node.items() if unit]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body
