"""An executed notebook as a print-ready HTML document.

The document is what a manager reads: a title page that fits one page (title,
the whole business question, the settings chosen for the run, data source and
fingerprint, date, version), a table of contents built from the ``##``
headings, then the notebook's prose, tables (:mod:`~xsell_lab.lab.report.tables`)
and figures with every code cell, prompt and warning left out, and last the
table of all parameters used.

What is left out
----------------
* all code (input) and prompts;
* the cells tagged ``parameters`` / ``injected-parameters`` (the title page lists
  the values) and the ``## Parameters`` heading above them;
* learner sections: a heading (any level) whose text starts with one of
  :data:`LEARNER_HEADINGS` ("What you will learn", "Exercise", "Exercises")
  or :data:`TITLE_PAGE_HEADINGS` ("The answer", already on the title page),
  and everything after it, text and cells, up to the next heading of the same
  or a higher level (:func:`without_learner_sections`); no notebook tag needed;
* cells tagged :data:`SKIP_TAG` (for other learner-only cells);
* cells tagged :data:`SUMMARY_TAG`: their outputs (the answer, e.g. the
  recommendations) go on the title page instead (:func:`summary_html`);
* ``stderr`` output (warnings, progress bars) and the ``# NN · Title`` heading
  and business question paragraph (they are on the title page).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import html
import re
from importlib import resources
from string import Template

import nbformat
from nbconvert import HTMLExporter

import xsell_lab
from xsell_lab.data import schema as s
from xsell_lab.data.id_mark import ID_MARK
from xsell_lab.lab.report.pdf import PAPER_SIZES
from xsell_lab.lab.report.privacy import (
    check_pseudonymised,
    known_customer_ids,
    pseudonymise_html,
)
from xsell_lab.lab.report.provenance import Provenance, path_label
from xsell_lab.lab.report.tables import tidy_table

#: Cells with this tag are left out of PDFs.
SKIP_TAG = "report-skip"
#: The outputs of cells with this tag are set on the title page, under the business question.
SUMMARY_TAG = "report-summary"
#: Parameters that name the slice of the business a report covers (see :func:`report_title`).
SCOPE_PARAMETERS = ("region", "segment")
#: Parameters that name the period a report covers.
PERIOD_PARAMETERS = ("start_date", "end_date")

#: Headings of sections written for learners; a report leaves such a section out (see :func:`without_learner_sections`).
LEARNER_HEADINGS = ("What you will learn", "Exercise", "Exercises")
#: Headings of sections whose content the title page already shows (the ``report-summary`` answer); left out of the body.
TITLE_PAGE_HEADINGS = ("The answer",)

_HIDDEN_TAGS = {"parameters", "injected-parameters", SKIP_TAG, SUMMARY_TAG}
_HEADLINE_LINES = re.compile(
    r"^#\s[^\n]+\n?|^\*\*Business question:\*\*.*?(?:\n[ \t]*\n|\n?\Z)", re.MULTILINE | re.DOTALL
)
_HEADING_LINE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*$")
_LEARNER_TITLE = re.compile(
    r"^(?:" + "|".join(re.escape(h) for h in sorted(LEARNER_HEADINGS + TITLE_PAGE_HEADINGS, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
_FENCE = ("```", "~~~")
_ONLY_HEADING = re.compile(r"^(#{1,6})\s+[^\n]+$")
_ANCHOR = re.compile(r'<a class="anchor-link" href="[^"]*">[^<]*</a>')
_SECTION = re.compile(r'<h2 id="(?P<id>[^"]+)">(?P<text>.*?)</h2>', re.DOTALL)
_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.DOTALL)
_OBJECT_REPR = re.compile(r"^(<[^<>]*>|Text\(.*\)|\[<matplotlib.*\]|\[Text\(.*\))$", re.DOTALL)
_STDOUT_PRE = re.compile(r'output_stdout[^"]*">\s*<pre>(?P<text>.*?)</pre>', re.DOTALL)
_DRAWING = re.compile(r"[\u2500-\u257f|+]-|[\u2500-\u257f]")
_CELL_START = re.compile(r'(?=<div class="cell\b)')
_STYLE = re.compile(r"<style scoped[^>]*>.*?</style>", re.DOTALL)


def without_learner_sections(cells: list) -> list:
    """The cells without learner sections, cut by their headings.

    A learner section starts at a markdown heading whose text starts with one
    of :data:`LEARNER_HEADINGS` or :data:`TITLE_PAGE_HEADINGS` (case-insensitive, e.g. ``## Exercise`` or
    ``### Exercises: lift by hand``) and runs to the next heading of the same
    or a higher level, in the same cell or a later one: the lines of markdown
    cells and the whole code cells in between are left out. Lines inside
    fenced code blocks are never headings. Markdown cells left empty are dropped.

    Parameters
    ----------
    cells : list of nbformat.NotebookNode
        The notebook's cells, in order (not modified).

    Returns
    -------
    list of nbformat.NotebookNode
        The cells to keep; a markdown cell that lost lines is a copy.
    """
    kept, skipping = [], None  # skipping: level of the learner heading whose section is being left out
    for cell in cells:
        if cell.cell_type != "markdown":
            if skipping is None:
                kept.append(cell)
            continue
        lines, fenced = [], False
        for line in cell.source.splitlines(keepends=True):
            heading = None if fenced else _HEADING_LINE.match(line)
            if line.lstrip().startswith(_FENCE):
                fenced = not fenced
            if heading:
                level = len(heading["hashes"])
                if skipping is not None and level <= skipping:
                    skipping = None
                if skipping is None and _LEARNER_TITLE.match(heading["text"]):
                    skipping = level
            if skipping is None:
                lines.append(line)
        source = "".join(lines)
        if source == cell.source:
            kept.append(cell)
        elif source.strip():
            shortened = copy.deepcopy(cell)
            shortened.source = source.rstrip() + "\n"
            kept.append(shortened)
    return kept


def printable_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the notebook without the cells and outputs a report leaves out (see module doc)."""
    kept = []
    cells = without_learner_sections(notebook.cells)
    for index, cell in enumerate(cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & _HIDDEN_TAGS:
            continue
        following = cells[index + 1] if index + 1 < len(cells) else None
        if cell.cell_type == "markdown" and cell.source.strip() == "## Parameters" and following is not None and (
            "parameters" in following.get("metadata", {}).get("tags", [])
        ):
            continue
        cell = copy.deepcopy(cell)
        if cell.cell_type == "markdown":
            cell.source = _HEADLINE_LINES.sub("", cell.source) if not kept else cell.source
            if not cell.source.strip():
                continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if _printable_output(o)]
            if not cell.outputs:
                continue
        kept.append(cell)
    printable = copy.deepcopy(notebook)
    printable.cells = _without_empty_sections(kept)
    return printable


def _printable_output(output: nbformat.NotebookNode) -> bool:
    """False for stderr and for the bare repr of a plot object (``Text(0.5, 1.0, 'title')``)."""
    if output.output_type == "stream":
        return output.get("name") != "stderr"
    data = output.get("data", {})
    if output.output_type in ("execute_result", "display_data") and set(data) == {"text/plain"}:
        return not _OBJECT_REPR.match(str(data["text/plain"]).strip())
    return True


def _heading_level(cell: nbformat.NotebookNode) -> int | None:
    """Level of a markdown cell that holds nothing but one heading, else None."""
    if cell.cell_type != "markdown":
        return None
    match = _ONLY_HEADING.match(cell.source.strip())
    return len(match.group(1)) if match else None


def _opening_level(cell: nbformat.NotebookNode) -> int | None:
    """Level of the heading a markdown cell starts with, else None."""
    match = _ONLY_HEADING.match(cell.source.strip().splitlines()[0]) if cell.cell_type == "markdown" else None
    return len(match.group(1)) if match else None


def _without_empty_sections(cells: list) -> list:
    """Drop heading-only cells whose section lost all its content (e.g. code without output)."""
    kept = []
    for index, cell in enumerate(cells):
        level = _heading_level(cell)
        following = cells[index + 1] if index + 1 < len(cells) else None
        next_level = _opening_level(following) if following is not None else 0
        if level is not None and next_level is not None and next_level <= level:
            continue
        kept.append(cell)
    return kept


def notebook_body_html(notebook: nbformat.NotebookNode) -> str:
    """The printable cells as HTML without code, prompts or anchor links, tables tidied.

    A cell holding a table too wide for a portrait page is marked
    ``data-turned`` and set on a page of its own in landscape (``print.css``),
    with the text cell just above it (its heading). A text cell just above a
    chart is marked ``data-keep-with-next``, so that its heading and words
    are not left at the foot of a page with the chart on the next one.
    """
    cells = _CELL_START.split(_cells_html(printable_notebook(notebook)))
    turned = {i for i, cell in enumerate(cells) if 'data-wide="turn"' in cell}
    turned |= {i - 1 for i in turned if i > 0 and "text_cell" in cells[i - 1][:80]}  # the heading above goes along
    charts = {i for i, cell in enumerate(cells) if "<img" in cell and "text_cell" not in cell[:80]}
    kept = {i - 1 for i in charts if i > 0 and "text_cell" in cells[i - 1][:80]}
    return "".join(_mark_cell(cell, turned=i in turned, keep_with_next=i in kept) for i, cell in enumerate(cells))


def _mark_cell(cell: str, *, turned: bool, keep_with_next: bool) -> str:
    """The cell's HTML with the print attributes of :func:`notebook_body_html`."""
    marks = ('data-turned="yes" ' if turned else "") + ('data-keep-with-next="yes" ' if keep_with_next else "")
    return cell.replace('<div class="cell', f'<div {marks}class="cell', 1) if marks else cell


def _cells_html(notebook: nbformat.NotebookNode) -> str:
    """The cells' outputs and prose as HTML without code, prompts, anchor links or scoped styles, tables tidied."""
    exporter = HTMLExporter(
        template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(notebook)
    body = _ANCHOR.sub("", body)
    body = _STYLE.sub("", body)
    body = _STDOUT_PRE.sub(_mark_prose, body)
    return _TABLE.sub(lambda table: tidy_table(table.group(0)), body)


def summary_html(notebook: nbformat.NotebookNode) -> str:
    """The title page's summary: the printable outputs of the code cells tagged :data:`SUMMARY_TAG`.

    Empty when no cell has the tag (or its outputs are all left out); the body
    leaves these cells out (:func:`printable_notebook`).
    """
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and SUMMARY_TAG in cell.get("metadata", {}).get("tags", []):
            cell = copy.deepcopy(cell)
            cell.outputs = [o for o in cell.outputs if _printable_output(o)]
            cells += [cell] if cell.outputs else []
    if not cells:
        return ""
    summary = copy.deepcopy(notebook)
    summary.cells = cells
    return f'<div class="summary">{_cells_html(summary)}</div>'


def _mark_prose(match: re.Match) -> str:
    """Printed sentences read as prose; printed tables and diagrams keep the monospaced font."""
    text = match.group("text")
    aligned = "  " in text.strip() or _DRAWING.search(text)
    return match.group(0) if aligned else match.group(0).replace("<pre>", '<pre class="prose">', 1)


def table_of_contents(body: str) -> str:
    """``<li>`` links to every ``##`` section of the body, in order."""
    items = [
        f'<li><a href="#{m["id"]}">{re.sub(r"<[^>]+>", "", m["text"]).strip()}</a></li>'
        for m in _SECTION.finditer(body)
    ]
    return "\n".join(items)


def _parameter_rows(provenance: Provenance) -> str:
    """The title page's parameter table; path parameters (``*_path``) show only a file or folder name."""
    rows = []
    for row in provenance.parameters.itertuples(index=False):
        given = ' class="given"' if row.given else ""
        value = path_label(str(row.value)) if str(row.name).endswith("_path") else str(row.value)
        rows.append(
            f"<tr><th>{html.escape(str(row.name))}</th><td{given}>{html.escape(value)}</td>"
            f"<td>{html.escape(str(row.help))}</td></tr>"
        )
    return "\n".join(rows) or '<tr><td colspan="3">This notebook has no parameters.</td></tr>'


def _ids_in_parameters_marked(provenance: Provenance, customer_ids: frozenset[str]) -> Provenance:
    """The provenance with each parameter that names a customer written as the kernel marks the id.

    A parameter names a customer when its help says ``customer_id`` (notebook
    13's ``account``). When ids read like numbers, the report replaces only
    their marked form ``#17`` (:func:`~xsell_lab.lab.report.privacy.id_forms`),
    so such a value is marked first; other parameters keep their values, even
    one that equals an id (``top = 10``) or contains one (a segment
    ``1 Adult Kids``).
    """
    table = provenance.parameters

    def as_shown(value: object, help_text: object) -> object:
        names_customer = isinstance(value, str) and s.CUSTOMER_ID in str(help_text)
        return ID_MARK + value if names_customer and ID_MARK + value in customer_ids else value

    marked = [as_shown(value, help_text) for value, help_text in zip(table["value"], table["help"])]
    return dataclasses.replace(provenance, parameters=table.assign(value=marked))


def settings_text(provenance: Provenance) -> str:
    """The title page's one line on the run's settings: the parameters set for it, by name and value.

    Path parameters (``*_path``) show only a file or folder name; the full
    table of parameters is the report's last section.
    """
    given = provenance.parameters.loc[provenance.parameters["given"].astype(bool)]
    where = "all parameters are listed at the end"
    if given.empty:
        return f"the notebook's defaults ({where})"
    values = [
        f"{name} = {path_label(str(value)) if str(name).endswith('_path') else value}"
        for name, value in zip(given["name"], given["value"])
    ]
    return f"{', '.join(values)}; others at the notebook's defaults ({where})"


def report_title(provenance: Provenance) -> str:
    """The notebook's title, followed by the slice and period when the run chose one.

    When any of :data:`SCOPE_PARAMETERS` or :data:`PERIOD_PARAMETERS` differs
    from the notebook's default, the title names the region and segment that
    differ (underscores read as spaces) and the whole period, e.g.
    ``"Executive cross-sell report — North, 2025-01-01 to 2025-12-31"``. A
    run on the defaults keeps the plain title.
    """
    table = provenance.parameters.set_index("name")
    names = [name for name in (*SCOPE_PARAMETERS, *PERIOD_PARAMETERS) if name in table.index]
    changed = [name for name in names if str(table.loc[name, "value"]) != str(table.loc[name, "default"])]
    if not changed:
        return provenance.title
    parts = [str(table.loc[name, "value"]).replace("_", " ") for name in SCOPE_PARAMETERS if name in changed]
    if all(name in table.index for name in PERIOD_PARAMETERS):
        parts.append(" to ".join(str(day) for day in report_period(provenance)))
    else:
        parts += [f"{name.replace('_', ' ')} {table.loc[name, 'value']}" for name in PERIOD_PARAMETERS if name in changed]
    return f"{provenance.title} — {', '.join(parts)}"


def report_period(provenance: Provenance) -> tuple[str, str]:
    """The first and last day a run covers: its ``start_date`` and ``end_date``, or the data's own.

    An empty date parameter means the data's own period (the notebooks print "Period
    analysed: ... (from the data)"); it is read here from the run's data, in the run's
    region and segment, so the title names the days the report is about.
    """
    table = provenance.parameters.set_index("name")
    given = [str(table.loc[name, "value"]) if name in table.index else "" for name in PERIOD_PARAMETERS]
    if all(given) or provenance.data_path is None:
        return given[0], given[1]
    from xsell_lab.data.io import load_company
    from xsell_lab.data.profile import period

    scope = {name: str(table.loc[name, "value"]) for name in SCOPE_PARAMETERS if name in table.index}
    company = load_company(provenance.data_path, provenance.mapping_path).subset(start=given[0] or None, end=given[1] or None, **scope)
    first, last = period(company)
    return given[0] or f"{first:%Y-%m-%d}", given[1] or f"{last:%Y-%m-%d}"


def report_kind(title: str) -> str:
    """The title page's kicker: what kind of document this is, in a manager's words.

    A notebook titled as an executive report gives ``"Executive report"``;
    every other notebook an ``"Analysis report"``. Notebook numbers belong
    to the classroom, not to a document that leaves it, so none is shown.
    """
    kind = "Executive report" if "executive" in title.lower() else "Analysis report"
    return f"{kind} · cross-selling"


def ids_note(show_ids: bool, replaced: int) -> str:
    """What the title page says about customer ids."""
    if show_ids:
        return "shown (--show-ids)"
    shown = "none shown in this report" if replaced == 0 else f"{replaced:,} id{'s' if replaced != 1 else ''} replaced"
    return f"pseudonymised ({shown}); run with --show-ids to show them"


def data_source_text(provenance: Provenance) -> str:
    """The title page's data source: the data folder's and the mapping's names, never their paths."""
    if not provenance.data_label:
        return "not stated by the notebook"
    mapping = f", column mapping '{path_label(provenance.mapping_path)}'" if provenance.mapping_path else ""
    return f"data folder '{provenance.data_label}'{mapping}"


def _pseudonymised_text(escaped: str, ids: frozenset[str], key: str) -> tuple[str, int]:
    """An escaped text without tags (a title, the settings line) through :func:`~xsell_lab.lab.report.privacy.pseudonymise_html`."""
    shown, count = pseudonymise_html(f"<span>{escaped}</span>", ids, key)
    return shown[len("<span>") : -len("</span>")], count


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def report_html(
    notebook: nbformat.NotebookNode,
    provenance: Provenance,
    *,
    show_ids: bool = False,
    pseudonym_key: str,
    paper: str = "A4",
    generated: dt.datetime | None = None,
    customer_ids: frozenset[str] | None = None,
) -> str:
    """The whole report as one self-contained HTML document.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The executed notebook.
    provenance : Provenance
        What the title page states (:func:`~xsell_lab.lab.report.provenance.read_provenance`).
    show_ids : bool
        Keep real customer ids; by default they are pseudonymised
        (:func:`~xsell_lab.lab.report.privacy.pseudonymise_html`).
    pseudonym_key : str
        Hex key of the pseudonyms (the one the kernel ran with).
    paper : {"A4", "Letter"}
        Page size.
    generated : datetime, optional
        Time stamp of the title page; now (local time) by default.
    customer_ids : frozenset of str, optional
        The ids to pseudonymise, read before the run
        (:func:`~xsell_lab.lab.report.privacy.known_customer_ids`); by default
        read now from the provenance's data folder and mapping.

    Raises
    ------
    PseudonymisationError
        When ids are pseudonymised but a known id is still in the text the
        document shows from the run: title (and running header), question,
        summary, settings, data source, body and parameters (see
        :func:`~xsell_lab.lab.report.privacy.check_pseudonymised`). The lab's
        own furniture (time stamp, version, "SHA-256", the count of ids
        replaced) is no customer's id, even where it equals a short one.
    """
    if paper not in PAPER_SIZES:
        raise ValueError(f"Paper must be one of {', '.join(PAPER_SIZES)}; got {paper!r}.")
    if not show_ids:
        if customer_ids is None:
            customer_ids = known_customer_ids(provenance.data_path, provenance.mapping_path)
        provenance = _ids_in_parameters_marked(provenance, customer_ids)
    body, parameter_rows, summary = notebook_body_html(notebook), _parameter_rows(provenance), summary_html(notebook)
    settings = html.escape(settings_text(provenance))
    title = html.escape(report_title(provenance))
    replaced = 0
    if not show_ids:
        body, in_body = pseudonymise_html(body, customer_ids, pseudonym_key)
        parameter_rows, in_parameters = pseudonymise_html(parameter_rows, customer_ids, pseudonym_key)
        settings, in_settings = _pseudonymised_text(settings, customer_ids, pseudonym_key)
        title, in_title = _pseudonymised_text(title, customer_ids, pseudonym_key)  # a region or segment chosen for the run
        summary, in_summary = pseudonymise_html(summary, customer_ids, pseudonym_key)
        replaced = in_body + in_parameters + in_settings + in_title + in_summary
    generated = generated or dt.datetime.now().astimezone()
    title = html.unescape(title)
    templates = resources.files("xsell_lab.lab.report") / "templates"
    css = (templates / "print.css").read_text(encoding="utf-8")
    page_rules = f"@page {{ size: {paper}; @top-left {{ content: {_css_string(title)}; }} }}"
    document = Template((templates / "report.html").read_text(encoding="utf-8")).substitute(
        css=css + "\n" + page_rules,
        title=html.escape(title),
        kicker=html.escape(report_kind(provenance.title)),
        question=html.escape(provenance.question),
        summary=summary,
        parameter_rows=parameter_rows,
        settings=settings,
        data_source=html.escape(data_source_text(provenance)),
        fingerprint=html.escape(provenance.fingerprint),
        generated=generated.strftime("%d %B %Y, %H:%M %Z").strip(),
        version=html.escape(xsell_lab.__version__),
        ids_note=html.escape(ids_note(show_ids, replaced)),
        toc=table_of_contents(body) + '\n<li><a href="#parameters-used">Parameters used</a></li>',
        body=body,
    )
    if not show_ids:
        lines = (html.escape(title), html.escape(provenance.question), settings, html.escape(data_source_text(provenance)))
        from_the_data = [page_rules, *(f"<p>{line}</p>" for line in lines), summary, body, parameter_rows]
        check_pseudonymised("\n".join(from_the_data), customer_ids, pseudonym_key)
    return document
