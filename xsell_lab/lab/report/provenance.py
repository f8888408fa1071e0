"""Where a report comes from: its notebook, parameters, data and their fingerprint.

Everything the title page states is read from the *executed* notebook, so the
page describes the run that produced the numbers: papermill records the
source notebook and the injected parameters in the notebook's metadata, and
the notebook's ``parameters`` cell holds the defaults of the others.

A report never shows a local path: the data and the mapping are named by
their folder and file names (:func:`path_label`), with the data fingerprint.
"""

from __future__ import annotations

import ast
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from xsell_lab.lab.runner import notebook_headline, notebook_parameters

#: Files that count as data for the fingerprint.
DATA_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".xlsx", ".json", ".yaml", ".yml")
#: Notebook parameters naming the data folder and the column mapping (paths relative to the notebook's folder).
DATA_PARAMETER, MAPPING_PARAMETER = "data_path", "mapping_path"


@dataclass(frozen=True)
class Provenance:
    """What the title page of one report states.

    Attributes
    ----------
    title, number, question : str
        From the notebook's first ``# NN · Title`` heading and its whole
        ``**Business question:**`` paragraph (:func:`business_question`; empty when absent).
    parameters : pandas.DataFrame
        Columns ``name``, ``value`` (as used in the run), ``default`` (the
        notebook's default), ``help``, ``given`` (True when the user set it,
        False for the notebook's default).
    data_path : pathlib.Path or None
        The data folder (or file) the run read, resolved against the notebook's folder.
    data_label : str
        The data folder's name (``"data"``), for display; empty without ``data_path``.
    fingerprint : str
        :func:`data_fingerprint` of ``data_path``.
    mapping_path : pathlib.Path or None
        The column mapping the run read (parameter ``mapping_path``), None without one.
    """

    title: str
    number: str
    question: str
    parameters: pd.DataFrame
    data_path: Path | None
    data_label: str
    fingerprint: str
    mapping_path: Path | None = None


def data_fingerprint(path: str | os.PathLike | None) -> str:
    """SHA-256 over the data files' names and bytes, as 12 hex digits.

    Files with a suffix in :data:`DATA_SUFFIXES` directly inside the folder
    (or the single file) count, in name order; the same data gives the same
    fingerprint on any machine. ``"no data"`` when the path does not exist.
    """
    if path is None or not Path(path).exists():
        return "no data"
    target = Path(path)
    files = [target] if target.is_file() else sorted(f for f in target.iterdir() if f.name.endswith(DATA_SUFFIXES))
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
        A notebook executed by :func:`xsell_lab.lab.runner.execute_notebook`.
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
    title, number, _ = notebook_headline(notebook)
    question = business_question(notebook)
    data_path, mapping_path = data_source(source, dict(zip(parameters["name"], parameters["value"])))
    return Provenance(
        title, number, question, parameters, data_path, path_label(data_path), data_fingerprint(data_path), mapping_path
    )


def business_question(notebook: nbformat.NotebookNode) -> str:
    """The whole business question of a notebook (:func:`xsell_lab.lab.runner.notebook_headline`).

    The paragraph that starts with ``**Business question:**`` in the notebook's title cell, its
    lines joined by single spaces; empty when it states none.
    """
    return notebook_headline(notebook)[2]


def data_source(notebook: str | os.PathLike, values: dict[str, object]) -> tuple[Path | None, Path | None]:
    """The data folder and column mapping a run of the notebook reads.

    Parameters
    ----------
    notebook : str or path-like
        The source notebook: relative paths are relative to its folder (the
        folder it runs in).
    values : dict
        Every parameter value of the run (given or default), by name.

    Returns
    -------
    tuple of (pathlib.Path or None, pathlib.Path or None)
        The resolved ``data_path`` and ``mapping_path``; None when the
        notebook has no such parameter or it is empty.
    """
    folder = Path(notebook).resolve().parent
    data, mapping = (str(values.get(name) or "") for name in (DATA_PARAMETER, MAPPING_PARAMETER))
    return (folder / data).resolve() if data else None, (folder / mapping).resolve() if mapping else None


def run_values(notebook: str | os.PathLike, given: dict[str, object]) -> dict[str, object]:
    """Every parameter value of a run before it starts: the given ones, else the notebook's defaults."""
    declared = notebook_parameters(notebook)
    return {name: given.get(name, _literal(default)) for name, default in zip(declared["name"], declared["default"])}


def path_label(path: str | os.PathLike | None) -> str:
    """How a report names a local file or folder: its last name only (``"data"``), never the path."""
    return Path(path).name if path else ""
