"""One report: run a notebook, then print it to PDF.

:func:`render_pdf` prints an already executed notebook; :func:`make_report`
does both steps with one pseudonym key, so ids drawn in charts (kernel side)
and ids in tables (HTML side) get the same pseudonyms. It reads the customer
ids to pseudonymise before the notebook runs (:func:`report_customer_ids`),
so a wrong data folder or mapping fails at once and nothing is executed.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat

from xsell_lab.lab.report.document import report_html
from xsell_lab.lab.report.pdf import html_to_pdf
from xsell_lab.lab.report.privacy import (
    PseudonymisationError,
    kernel_settings,
    known_customer_ids,
)
from xsell_lab.lab.report.provenance import data_source, read_provenance, run_values
from xsell_lab.lab.runner import execute_notebook, output_path, validate_parameters


@dataclass(frozen=True)
class Report:
    """What one report run produced.

    Attributes
    ----------
    notebook : pathlib.Path
        The executed notebook.
    pdf : pathlib.Path or None
        The PDF, when one was asked for.
    renderer : str
        ``"weasyprint"`` or ``"chromium"`` (empty without PDF).
    seconds_run, seconds_pdf : float
        Wall time of the two steps.
    """

    notebook: Path
    pdf: Path | None
    renderer: str
    seconds_run: float
    seconds_pdf: float


def new_pseudonym_key() -> str:
    """A random key for one command run (see :mod:`xsell_lab.lab.report.privacy`)."""
    return secrets.token_hex(16)


def report_customer_ids(notebook: str | os.PathLike, parameters: Mapping[str, object] | None = None) -> frozenset[str]:
    """The customer ids a report of this notebook would show, read before it runs.

    The data folder and mapping are the run's ``data_path`` and
    ``mapping_path`` (given, else the notebook's defaults; relative to the
    notebook's folder), read by :func:`~xsell_lab.lab.report.privacy.known_customer_ids`.

    Raises
    ------
    ParameterError
        When a parameter is unknown or of the wrong type.
    FileNotFoundError, MappingError, DataFileError, DataValidationError
        When the customers table cannot be found or read through the mapping.
    """
    values = run_values(notebook, validate_parameters(notebook, parameters or {}))
    return known_customer_ids(*data_source(notebook, values))


def render_pdf(
    executed: str | os.PathLike,
    target: str | os.PathLike,
    *,
    show_ids: bool = False,
    pseudonym_key: str | None = None,
    renderer: str = "auto",
    paper: str = "A4",
    customer_ids: frozenset[str] | None = None,
) -> str:
    """Print an executed notebook to a PDF file.

    Parameters
    ----------
    executed : str or path-like
        Notebook executed by :func:`xsell_lab.lab.runner.execute_notebook`.
    target : str or path-like
        The PDF to write (atomically; an existing file is replaced, so pick
        the name with :func:`xsell_lab.lab.runner.output_path`).
    show_ids, pseudonym_key, paper, customer_ids
        See :func:`xsell_lab.lab.report.document.report_html`.
    renderer : {"auto", "weasyprint", "chromium"}
        See :func:`xsell_lab.lab.report.pdf.html_to_pdf`.

    Returns
    -------
    str
        The renderer used.

    Raises
    ------
    PseudonymisationError
        When a known customer id would be left in the report; no PDF is written.
    """
    notebook = nbformat.read(executed, as_version=4)
    document = report_html(
        notebook,
        read_provenance(executed),
        show_ids=show_ids,
        pseudonym_key=pseudonym_key or new_pseudonym_key(),
        paper=paper,
        customer_ids=customer_ids,
    )
    return html_to_pdf(document, target, renderer=renderer)


def make_report(
    notebook: str | os.PathLike,
    out_dir: str | os.PathLike = "reports",
    parameters: Mapping[str, object] | None = None,
    *,
    stem: str | None = None,
    pdf: bool = True,
    force: bool = False,
    show_ids: bool = False,
    pseudonym_key: str | None = None,
    renderer: str = "auto",
    paper: str = "A4",
    progress: bool = True,
) -> Report:
    """Execute a notebook into ``out_dir`` and, if asked, print it to PDF.

    Parameters are checked, and for a pseudonymised PDF the customer ids
    read (:func:`report_customer_ids`), before anything runs (see
    :func:`xsell_lab.lab.runner.validate_parameters`); neither the executed
    notebook nor the PDF overwrites an existing file unless ``force``. When
    the PDF would show a known customer id, no PDF is written and the
    executed notebook is renamed ``<stem>.failed.ipynb``.

    Raises
    ------
    PseudonymisationError
        When the report would show a known customer id.
    """
    key = pseudonym_key or new_pseudonym_key()
    customer_ids = report_customer_ids(notebook, parameters) if pdf and not show_ids else None
    started = time.perf_counter()
    executed = execute_notebook(
        notebook,
        out_dir,
        parameters,
        stem=stem,
        force=force,
        progress=progress,
        kernel_env=kernel_settings(show_ids, key),
    )
    ran = time.perf_counter()
    if not pdf:
        return Report(executed, None, "", ran - started, 0.0)
    target = output_path(out_dir, executed.stem, ".pdf", force=force)
    try:
        used = render_pdf(
            executed, target, show_ids=show_ids, pseudonym_key=key, renderer=renderer, paper=paper,
            customer_ids=customer_ids,
        )
    except PseudonymisationError as error:
        failed = executed.with_name(f"{executed.stem}.failed.ipynb")
        os.replace(executed, failed)
        raise PseudonymisationError(f"{error} The executed notebook is {failed.name}.") from None
    return Report(executed, target, used, ran - started, time.perf_counter() - ran)
