"""Many reports in one go: several notebooks, or one PDF per value of a column.

``xsell-lab report NOTEBOOK --by region`` becomes one :class:`Job` per region,
run by :func:`run_jobs` on a pool of worker processes (at most one per CPU
core). A failing job does not stop the others; the result table lists every
job with its outcome, and :func:`write_index` prints it as an index PDF.
"""

from __future__ import annotations

import datetime as dt
import html
import multiprocessing
import os
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from tqdm import tqdm

import xsell_lab
from xsell_lab.lab.report.pdf import html_to_pdf
from xsell_lab.lab.report.provenance import data_fingerprint
from xsell_lab.lab.report.render import make_report
from xsell_lab.lab.runner import NotebookExecutionError, output_path, slug

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

    Path parameters (``*_path``) are left out of the name.
    """
    parts = [Path(notebook).stem]
    parts += [f"{name}-{slug(value)[:40]}" for name, value in parameters.items() if not name.endswith("_path")]
    return "--".join(parts)


def column_values(data_path: str | os.PathLike, column: str) -> list[str]:
    """Distinct values of a column in the first table of a data folder that has it.

    Tables are searched in name order, ``customers`` first (region and segment
    live there). Empty values are left out.

    Raises
    ------
    ValueError
        When no table in the folder has the column, listing the columns found.
    """
    folder = Path(data_path)
    files = sorted(
        (f for f in folder.iterdir() if f.suffix in (".parquet", ".csv")),
        key=lambda f: (f.stem != "customers", f.name),
    ) if folder.is_dir() else []
    seen: set[str] = set()
    for file in files:
        columns = pq.read_schema(file).names if file.suffix == ".parquet" else list(pd.read_csv(file, nrows=0).columns)
        seen.update(columns)
        if column in columns:
            reader = pd.read_parquet if file.suffix == ".parquet" else pd.read_csv
            values = reader(file, columns=[column]) if file.suffix == ".parquet" else reader(file, usecols=[column])
            return sorted(str(value) for value in values[column].dropna().unique())
    raise ValueError(
        f"No table in '{folder}' has a column '{column}'. Columns found: {', '.join(sorted(seen)) or 'none'}."
    )


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


def write_index(
    results: pd.DataFrame,
    out_dir: str | os.PathLike,
    stem: str,
    *,
    title: str,
    data_path: str | os.PathLike | None = None,
    force: bool = False,
    renderer: str = "auto",
) -> Path:
    """An index PDF listing each report of a batch, its file and outcome.

    Returns
    -------
    pathlib.Path
        The index PDF (versioned like any report unless ``force``).
    """
    rows = []
    for row in results.itertuples(index=False):
        outcome = "failed: " + row.error.splitlines()[0] if row.error else "ok"
        file = Path(row.pdf).name if row.pdf is not None else ""
        link = f'<a href="{html.escape(file)}">{html.escape(file)}</a>' if file else "—"
        cls = ' class="failed"' if row.error else ""
        rows.append(
            f"<tr{cls}><th>{html.escape(str(row.label))}</th><td>{link}</td>"
            f"<td>{html.escape(outcome)}</td></tr>"
        )
    failed = int((results["error"] != "").sum())
    document = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
@page {{ size: A4; margin: 22mm 18mm; @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #6b7280; }} }}
html {{ font-family: "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 10pt; color: #1f2937; }}
h1 {{ font-size: 22pt; border-bottom: 2pt solid #2563eb; padding-bottom: 3mm; }}
table {{ width: 100%; border-collapse: collapse; margin-top: 6mm; }}
th, td {{ text-align: left; padding: 1.6mm 2mm; border-bottom: 0.5pt solid #e5e7eb; vertical-align: top; }}
thead th {{ border-bottom: 1pt solid #6b7280; }}
table {{ table-layout: fixed; }}
thead th:nth-child(1) {{ width: 18%; }}
thead th:nth-child(2) {{ width: 46%; }}
td:nth-child(2) {{ font-family: "Liberation Mono", monospace; font-size: 8pt; }}
a {{ color: #1d4ed8; text-decoration: none; }}
tr.failed td {{ color: #b91c1c; }}
.meta {{ color: #4b5563; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="meta">{len(results)} reports, {failed} failed. Data fingerprint {data_fingerprint(data_path)}.
Generated {dt.datetime.now().astimezone():%d %B %Y, %H:%M %Z} by xsell-lab {xsell_lab.__version__}.</p>
<table><thead><tr><th>Value</th><th>Report</th><th>Outcome</th></tr></thead><tbody>
{"".join(rows)}
</tbody></table></body></html>"""
    target = output_path(out_dir, stem, ".pdf", force=force)
    html_to_pdf(document, target, renderer=renderer)
    return target
