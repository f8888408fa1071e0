"""Many reports in one go: several notebooks, or one PDF per value of a column.

``xsell-lab report NOTEBOOK --by region`` becomes one :class:`Job` per region,
run by :func:`run_jobs` on a pool of worker processes (at most one per CPU
core). A failing job does not stop the others; the result table lists every
job with its outcome, and :func:`write_index` prints it as a one-page index
that compares the segments side by side and links to each report.

Headline figures: the contract between a notebook and the index
---------------------------------------------------------------
A notebook publishes its headline figures by tagging one code cell
:data:`HEADLINE_TAG` (``report-headline``) whose output is a small table: one
row per figure, the figure's name first (index or first column) and its value,
formatted as the reader should see it, last. A pandas Series does it::

    pd.Series({"Cross-sell rate": f"{rate:.0%}", "Revenue": f"{revenue:,.0f} EUR",
               "Best opportunity": f"{pair}: {money:,.0f} EUR"}, name="Value").to_frame()

The figure named :data:`BEST_OPPORTUNITY` (``"Best opportunity"``) gets its own
column; the index shows the first :data:`INDEX_FIGURES` other figures, in the
order the reports give them. Figures are aggregates; the index is
pseudonymised like the reports (with the batch's key, unless ``--show-ids``),
so a number that equals a short customer id is replaced there too. The table
is also part of the notebook's PDF. A
notebook that publishes nothing gets an index of reports and outcomes, with a
note on how to publish figures (:func:`headline_figures`). No dependency
beyond nbformat: the index reads the executed notebooks.
"""

from __future__ import annotations

import datetime as dt
import html
import multiprocessing
import os
import re
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
import pyarrow.parquet as pq
from tqdm import tqdm

import xsell_lab
from xsell_lab.lab.report.document import ids_note
from xsell_lab.lab.report.pdf import html_to_pdf
from xsell_lab.lab.report.privacy import check_pseudonymised, pseudonymise_html
from xsell_lab.lab.report.provenance import data_fingerprint
from xsell_lab.lab.report.render import make_report
from xsell_lab.lab.report.tables import MISSING, display_name, tidy_table
from xsell_lab.lab.runner import NotebookExecutionError, output_path, slug

#: Tag of the cell whose output table holds a report's headline figures (see module doc).
HEADLINE_TAG = "report-headline"
#: The headline figure the index shows in its own column.
BEST_OPPORTUNITY = "Best opportunity"
#: At most this many headline figures (besides :data:`BEST_OPPORTUNITY`) fit the index page.
INDEX_FIGURES = 5
#: Columns of :func:`run_jobs`' result.
RESULT_COLUMNS = ["notebook", "label", "executed", "pdf", "renderer", "seconds_run", "seconds_pdf", "seconds", "error"]


@dataclass(frozen=True)
class Job:
    """One report to make: a notebook, its parameters and the output name.

    ``label`` names the job in progress and result tables (e.g. ``"North"``).
    The remaining attributes are passed to
    :func:`xsell_lab.lab.report.render.make_report`.
    """

    notebook: Path
    label: str
    parameters: Mapping[str, object] = field(default_factory=dict)
    stem: str | None = None
    out_dir: Path = Path("reports")
    pdf: bool = True
    force: bool = False
    show_ids: bool = False
    pseudonym_key: str | None = None
    renderer: str = "auto"
    paper: str = "A4"


def report_stem(notebook: str | os.PathLike, parameters: Mapping[str, object]) -> str:
    """Output name of a parameterised report: ``10-executive-report--region-north``.

    A run on another data folder is named after it (``10-executive-report--data-my-shop``), so
    it never reads as a second version of the bundled company's report; other path parameters
    (``mapping_path``) are left out of the name.
    """
    parts = [Path(notebook).stem]
    if parameters.get("data_path"):
        parts.append(f"data-{slug(Path(str(parameters['data_path'])).name)[:40]}")
    parts += [f"{name}-{slug(value)[:40]}" for name, value in parameters.items() if not name.endswith("_path")]
    return "--".join(parts)


def column_values(data_path: str | os.PathLike, column: str, mapping: str | os.PathLike | None = None) -> list[str]:
    """Distinct values of a column in the first table of a data folder that has it.

    With a ``mapping``, the tables are read through it (any file name, format or
    SQL query, columns renamed as the notebooks see them); without one, the
    Parquet and CSV files of the folder are read as they are. Tables are searched
    ``customers`` first (region and segment live there), then in name order.
    Empty values are left out.

    Raises
    ------
    ValueError
        When no table has the column, listing the columns found.
    """
    folder = Path(data_path)
    if mapping:
        from xsell_lab.data.io import read_raw_tables

        tables = read_raw_tables(folder, mapping).tables
        frames = [(name, lambda frame=frame: frame, list(frame.columns))
                  for name, frame in sorted(tables.items(), key=lambda item: (item[0] != "customers", item[0]))]
    else:
        files = sorted(
            (f for f in folder.iterdir() if f.suffix in (".parquet", ".csv")),
            key=lambda f: (f.stem != "customers", f.name),
        ) if folder.is_dir() else []
        frames = [(file.name, lambda file=file: _read_column(file, column), _column_names(file)) for file in files]
    seen: set[str] = set()
    for _, read, columns in frames:
        seen.update(columns)
        if column in columns:
            return sorted(str(value) for value in read()[column].dropna().unique())
    where = f"'{folder}'" + (f" read through the mapping '{Path(mapping).name}'" if mapping else "")
    raise ValueError(f"No table in {where} has a column '{column}'. Columns found: {', '.join(sorted(seen)) or 'none'}.")


def _column_names(file: Path) -> list[str]:
    return pq.read_schema(file).names if file.suffix == ".parquet" else list(pd.read_csv(file, nrows=0).columns)


def _read_column(file: Path, column: str) -> pd.DataFrame:
    return pd.read_parquet(file, columns=[column]) if file.suffix == ".parquet" else pd.read_csv(file, usecols=[column])


def _run_job(job: Job, progress: bool) -> dict:
    started = time.perf_counter()
    row = {
        "notebook": job.notebook.name, "label": job.label, "executed": None, "pdf": None, "renderer": "",
        "seconds_run": float("nan"), "seconds_pdf": float("nan"), "error": "",
    }
    try:
        report = make_report(
            job.notebook,
            job.out_dir,
            job.parameters,
            stem=job.stem,
            pdf=job.pdf,
            force=job.force,
            show_ids=job.show_ids,
            pseudonym_key=job.pseudonym_key,
            renderer=job.renderer,
            paper=job.paper,
            progress=progress,
        )
        row.update(
            executed=report.notebook, pdf=report.pdf, renderer=report.renderer,
            seconds_run=report.seconds_run, seconds_pdf=report.seconds_pdf,
        )
    except NotebookExecutionError as error:
        row.update(error=str(error), executed=error.failed_path)
    except Exception as error:  # noqa: BLE001  (a batch reports any failure of one job and goes on)
        row.update(error=f"{type(error).__name__}: {error}")
    row["seconds"] = time.perf_counter() - started
    return row


def run_jobs(jobs: list[Job], *, workers: int | None = None) -> pd.DataFrame:
    """Make every report, in parallel, continuing past failures.

    Parameters
    ----------
    jobs : list of Job
        The reports to make; parameters should already be validated.
    workers : int, optional
        Worker processes; at most the number of CPU cores (the default) and
        the number of jobs. With one worker the jobs run in this process and
        papermill shows its per-cell progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per job in the order given, columns :data:`RESULT_COLUMNS`:
        the executed notebook and PDF (None when not made), the renderer,
        wall seconds of the notebook run, of the PDF and of the whole job
        (in the worker, so pool start-up is not counted), and ``error``
        (empty for a job that succeeded).
    """
    cores = os.cpu_count() or 1
    workers = max(1, min(workers or cores, cores, len(jobs)))
    if workers == 1:
        rows = [_run_job(job, progress=len(jobs) == 1) for job in tqdm(jobs, desc="Reports", disable=len(jobs) == 1)]
        return pd.DataFrame(rows, columns=RESULT_COLUMNS)
    rows: dict[int, dict] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_run_job, job, False): index for index, job in enumerate(jobs)}
        for future in tqdm(as_completed(futures), total=len(futures), desc=f"Reports ({workers} workers)"):
            rows[futures[future]] = future.result()
    return pd.DataFrame([rows[index] for index in range(len(jobs))], columns=RESULT_COLUMNS)


def headline_figures(executed: str | os.PathLike | None) -> dict[str, str]:
    """The headline figures an executed notebook publishes (see module doc).

    Parameters
    ----------
    executed : str or path-like or None
        An executed notebook; None (a job that made none) gives no figures.

    Returns
    -------
    dict of str to str
        Figure name (through :func:`~xsell_lab.lab.report.tables.display_name`)
        to its value as displayed, in the table's order; empty when no cell is
        tagged :data:`HEADLINE_TAG`, it has no table output, or the file
        cannot be read.
    """
    if executed is None or not Path(executed).exists():
        return {}
    notebook = nbformat.read(executed, as_version=4)
    for cell in notebook.cells:
        if HEADLINE_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            table = output.get("data", {}).get("text/html")
            if table and "<table" in table:
                return _figures(tidy_table(table[table.index("<table") : table.rindex("</table>") + len("</table>")]))
    return {}


def _figures(table: str) -> dict[str, str]:
    """Name (first cell) and value (last cell) of each body row of a tidied table."""
    body = table.partition("</thead>")[2] or table
    figures = {}
    for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", body, re.DOTALL):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
        if len(cells) >= 2 and cells[0]:
            figures[display_name(cells[0])] = cells[-1] or MISSING
    return figures


def _index_rows(results: pd.DataFrame) -> tuple[str, str, bool]:
    """The index table's header cells and body rows, and whether they compare figures (else files and outcomes)."""
    figures = [headline_figures(row.executed) if not row.error else {} for row in results.itertuples(index=False)]
    names = list(dict.fromkeys(name for found in figures for name in found if name != BEST_OPPORTUNITY))[:INDEX_FIGURES]
    best = any(BEST_OPPORTUNITY in found for found in figures)
    columns = [*names, *([BEST_OPPORTUNITY] if best else [])]
    if not columns:
        columns = ["Report", "Outcome"]
    rows = []
    for row, found in zip(results.itertuples(index=False), figures):
        file = Path(row.pdf).name if row.pdf is not None else ""
        label = html.escape(str(row.label))
        link = f'<a href="{html.escape(file)}">{label}</a><span class="file">{html.escape(file)}</span>' if file else label
        if row.error:
            cells = f'<td colspan="{len(columns)}">failed: {html.escape(row.error.splitlines()[0])}</td>'
        elif names or best:
            cells = "".join(f'<td class="figure">{html.escape(found.get(name, MISSING))}</td>' for name in names)
            cells += f"<td>{html.escape(found.get(BEST_OPPORTUNITY, MISSING))}</td>" if best else ""
        else:
            cells = f'<td class="file">{html.escape(file) or MISSING}</td><td>ok</td>'
        failed = ' class="failed"' if row.error else ""
        rows.append(f"<tr{failed}><th>{link}</th>{cells}</tr>")
    header = "".join(
        f'<th class="figure">{html.escape(name)}</th>' if name in names else f"<th>{html.escape(name)}</th>"
        for name in columns
    )
    return header, "".join(rows), bool(names or best)


def write_index(
    results: pd.DataFrame,
    out_dir: str | os.PathLike,
    stem: str,
    *,
    title: str,
    by: str = "",
    data_path: str | os.PathLike | None = None,
    force: bool = False,
    renderer: str = "auto",
    show_ids: bool = False,
    pseudonym_key: str = "",
    customer_ids: frozenset[str] = frozenset(),
) -> Path:
    """A one-page index PDF comparing the reports of a batch, linking to each.

    One row per report: its value of the ``--by`` column (linked to its PDF),
    its headline figures side by side and its best opportunity (see module
    doc), or, when no report publishes figures, its file and outcome with a
    note on how a notebook publishes them. Failed reports say why.

    Parameters
    ----------
    results : pandas.DataFrame
        :func:`run_jobs`' result.
    out_dir : str or path-like
        Folder of the reports (links are relative to it).
    stem : str
        File name of the index, without suffix.
    title : str
        The index's heading.
    by : str
        The column the batch is split by, heading the first column (``"Value"`` when empty).
    data_path : str or path-like, optional
        The data folder, for its fingerprint.
    force : bool
        Replace an existing index instead of writing ``stem.v2.pdf``.
    renderer : {"auto", "weasyprint", "chromium"}
        See :func:`~xsell_lab.lab.report.pdf.html_to_pdf`.
    show_ids : bool
        Keep real customer ids, as the batch's reports did (``--show-ids``).
    pseudonym_key : str
        The batch's pseudonym key (the reports' own), so an id gets the same
        pseudonym in the index as in the reports.
    customer_ids : frozenset of str
        The ids to pseudonymise (:func:`~xsell_lab.lab.report.render.report_customer_ids`).

    Returns
    -------
    pathlib.Path
        The index PDF (versioned like any report unless ``force``).

    Raises
    ------
    PseudonymisationError
        When a known customer id would be left in the index; no index is written.
    """
    header, rows, compared = _index_rows(results)
    replaced = 0
    if not show_ids:
        rows, replaced = pseudonymise_html(rows, customer_ids, pseudonym_key)
    note = (
        "Each row is one report; click its name to open it. Figures as each report states them."
        if compared
        else f"The notebook publishes no headline figures: tag a cell <code>{HEADLINE_TAG}</code> whose output is a "
        "table of figure names and values, and this index compares them side by side."
    )
    failed = int((results["error"] != "").sum())
    document = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
@page {{ size: A4 landscape; margin: 16mm 15mm; @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #6b7280; }} }}
html {{ font-family: "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 9.5pt; color: #1f2937; }}
h1 {{ font-size: 20pt; border-bottom: 2pt solid #2563eb; padding-bottom: 3mm; margin: 0 0 3mm 0; }}
table {{ width: 100%; border-collapse: collapse; margin-top: 5mm; }}
th, td {{ text-align: left; padding: 1.6mm 2mm; border-bottom: 0.5pt solid #e5e7eb; vertical-align: top; overflow-wrap: break-word; }}
thead th {{ border-bottom: 1pt solid #6b7280; background: #f3f4f6; vertical-align: bottom; }}
tbody th {{ font-size: 10.5pt; }}
th.figure, td.figure {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
.file {{ display: block; font-family: "Liberation Mono", monospace; font-size: 7pt; font-weight: normal; color: #6b7280; }}
a {{ color: #1d4ed8; text-decoration: none; }}
tr.failed td {{ color: #b91c1c; }}
.meta, .note {{ color: #4b5563; }}
.note {{ font-size: 8.5pt; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="meta">{len(results)} reports, {failed} failed. Data fingerprint {data_fingerprint(data_path)}.
Generated {dt.datetime.now().astimezone():%d %B %Y, %H:%M %Z} by xsell-lab {xsell_lab.__version__}.
Customer ids: {html.escape(ids_note(show_ids, replaced))}.</p>
<table><thead><tr><th>{html.escape(display_name(by) if by else "Value")}</th>{header}</tr></thead><tbody>
{rows}
</tbody></table>
<p class="note">{note}</p></body></html>"""
    if not show_ids:  # the figures and outcomes; the lab's own counts, dates and fingerprint are no ids
        check_pseudonymised(rows, customer_ids, pseudonym_key)
    target = output_path(out_dir, stem, ".pdf", force=force)
    html_to_pdf(document, target, renderer=renderer)
    return target
