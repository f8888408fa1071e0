"""Where a report comes from: its notebook, parameters, data and their fingerprint.

Everything the title page states is read from the *executed* notebook, so the
page describes the run that produced the numbers: papermill records the
source notebook and the injected parameters in the notebook's metadata, and
the notebook's ``parameters`` cell holds the defaults of the others.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from xsell_lab.runner import notebook_parameters

#: Files that count as data for the fingerprint.
DATA_SUFFIXES = (".parquet", ".csv", ".xlsx", ".json", ".yaml", ".yml")

_TITLE = re.compile(r"^#\s+(?:(?P<number>\d+)\s*·\s*)?(?P<title>.+?)\s*$", re.MULTILINE)
_QUESTION = re.compile(r"\*\*Business question:\*\*\s*(?P<question>.+)")


@dataclass(frozen=True)
class Provenance:
    """What the title page of one report states.

    Attributes
    ----------
    title, number, question : str
        From the notebook's first ``# NN · Title`` heading and its
        ``**Business question:**`` line (empty when absent).
    parameters : pandas.DataFrame
        Columns ``name``, ``value`` (as used in the run), ``default`` (the
        notebook's default), ``help``, ``given`` (True when the user set it,
        False for the notebook's default).
    data_path : pathlib.Path or None
        The data folder (or file) the run read, resolved against the notebook's folder.
    data_label : str
        The data path as the run saw it (``"../data"``), for display.
    fingerprint : str
        :func:`data_fingerprint` of ``data_path``.
    """

    title: str
    number: str
    question: str
    parameters: pd.DataFrame
    data_path: Path | None
    data_label: str
    fingerprint: str


def data_fingerprint(path: str | os.PathLike | None) -> str:
    """SHA-256 over the data files' names and bytes, as 12 hex digits.

    Files with a suffix in :data:`DATA_SUFFIXES` directly inside the folder
    (or the single file) count, in name order; the same data gives the same
    fingerprint on any machine. ``"no data"`` when the path does not exist.
    """
    if path is None or not Path(path).exists():
        return "no data"
    target = Path(path)
    files = [target] if target.is_file() else sorted(f for f in target.iterdir() if f.suffix in DATA_SUFFIXES)
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]


def _literal(text: str) -> object:
    """A parameter default as written (``"../data"`` -> ``../data``), read with ``ast.literal_eval`` (never run)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def read_provenance(executed: str | os.PathLike) -> Provenance:
    """Read title, parameters and data of an executed notebook.

    Parameters
    ----------
    executed : str or path-like
        A notebook executed by :func:`xsell_lab.runner.execute_notebook`.
    """
    notebook = nbformat.read(executed, as_version=4)
    meta = notebook.metadata.get("papermill", {})
    source = Path(meta.get("input_path") or executed)
    given = dict(meta.get("parameters") or {})
    declared = notebook_parameters(executed)
    defaults = [_literal(default) for default in declared["default"]]
    parameters = pd.DataFrame(
        {
            "name": declared["name"],
            "value": [given.get(name, default) for name, default in zip(declared["name"], defaults)],
            "default": defaults,
            "help": declared["help"],
            "given": declared["name"].isin(list(given)),
        }
    )
    title, number, question = notebook_headline(notebook)
    data_label = str(given.get("data_path", _default(declared, "data_path"))) if "data_path" in set(declared["name"]) else ""
    data_path = (source.parent / data_label).resolve() if data_label else None
    return Provenance(title, number, question, parameters, data_path, data_label, data_fingerprint(data_path))


def _default(declared: pd.DataFrame, name: str) -> object:
    return _literal(declared.set_index("name").loc[name, "default"])


def notebook_headline(notebook: nbformat.NotebookNode) -> tuple[str, str, str]:
    """Title, number and business question from the first ``# NN · Title`` markdown cell."""
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        heading = _TITLE.search(cell.source)
        if heading:
            question = _QUESTION.search(cell.source)
            return heading["title"], heading["number"] or "", question["question"].strip() if question else ""
    return "Report", "", ""
