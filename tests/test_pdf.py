"""PDF reports: what a reader sees (pypdf text), what is hidden, and how files are written."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from pypdf import PdfReader

from xsell_lab.lab.report import document, pdf, privacy, provenance
from xsell_lab.lab.report.render import make_report, render_pdf

from skips import skip_test

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOTEBOOK = FIXTURES / "report_notebooks" / "99-fixture-report.ipynb"
DATA = FIXTURES / "report_data"
SALES = pd.read_csv(DATA / "sales.csv")
KEY = "00112233445566778899aabbccddeeff"
CODE_FRAGMENTS = ["groupby", "import ", "read_csv", "plt.", "data_path: str", "In [", "¶"]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def north_report(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("north")
    report = make_report(
        NOTEBOOK, out, {"region": "North", "top_n": "2"}, pdf=True, pseudonym_key=KEY, renderer="weasyprint",
        progress=False,
    )
    assert report.renderer == "weasyprint"
    return report.notebook, report.pdf


def test_pdf_states_title_question_parameters_and_key_number(north_report):
    _, report_pdf = north_report
    text = pdf_text(report_pdf)
    north = SALES.loc[SALES["region"] == "North", "amount"].sum()
    for expected in [
        "Fixture sales report",
        "How much did each region sell?",
        "Parameters used",
        "region",
        "North",
        "top_n",
        f"Total revenue: {north:,.2f} EUR",
        provenance.data_fingerprint(DATA),
        "Contents",
        "Key ideas",
    ]:
        assert expected in text, expected


def test_title_and_running_header_name_the_region(north_report):
    _, report_pdf = north_report
    pages = [page.extract_text() for page in PdfReader(report_pdf).pages]
    assert "Fixture sales report — North" in pages[0]
    assert all("Fixture sales report — North" in page for page in pages[1:])  # running header


def test_report_title_names_non_default_scope_and_the_period():
    def title(**values) -> str:
        defaults = {"region": "all", "segment": "all", "start_date": "2023-01-01", "end_date": "2025-12-31", "top_n": 5}
        parameters = pd.DataFrame(
            {"name": list(defaults), "value": [values.get(n, d) for n, d in defaults.items()], "default": list(defaults.values()),
             "help": "", "given": [n in values for n in defaults]}
        )
        return document.report_title(provenance.Provenance("Sales", "10", "", parameters, None, "", "no data"))

    assert title() == "Sales"
    assert title(top_n=3, region="all") == "Sales"  # other parameters, or a default given again, keep the plain title
    assert title(region="North") == "Sales — North, 2023-01-01 to 2025-12-31"
    assert title(start_date="2025-01-01") == "Sales — 2025-01-01 to 2025-12-31"
    assert title(segment="small_business", region="East") == "Sales — East, small business, 2023-01-01 to 2025-12-31"


def test_ids_note_reads_naturally():
    assert document.ids_note(False, 0).startswith("pseudonymised (none shown in this report)")
    assert document.ids_note(False, 1).startswith("pseudonymised (1 id replaced)")
    assert document.ids_note(False, 1234).startswith("pseudonymised (1,234 ids replaced)")
    assert document.ids_note(True, 0) == "shown (--show-ids)"


def test_pdf_contains_no_code_and_has_page_numbers(north_report):
    _, report_pdf = north_report
    text = pdf_text(report_pdf)
    for fragment in CODE_FRAGMENTS:
        assert fragment not in text, fragment
    pages = len(PdfReader(report_pdf).pages)
    assert 3 <= pages <= 4  # title page, contents, 1-2 pages of content
    assert f"Page 2 of {pages}" in text


def test_customer_ids_are_pseudonymised_by_default(north_report):
    _, report_pdf = north_report
    text = pdf_text(report_pdf)
    north_ids = SALES.loc[SALES["region"] == "North", "customer_id"].unique()
    for customer in north_ids:
        assert customer not in text
        assert privacy.pseudonym(customer, KEY) in text
    replaced = sum(text.count(privacy.pseudonym(customer, KEY)) for customer in north_ids)
    assert f"pseudonymised ({replaced:,} ids replaced)" in " ".join(text.split())


def test_show_ids_keeps_real_ids(north_report, tmp_path):
    executed, _ = north_report
    target = tmp_path / "shown.pdf"
    render_pdf(executed, target, show_ids=True, renderer="weasyprint")
    text = pdf_text(target)
    assert "CU-1001" in text
    assert "shown (--show-ids)" in text


def test_letter_paper(north_report, tmp_path):
    executed, _ = north_report
    target = tmp_path / "letter.pdf"
    render_pdf(executed, target, renderer="weasyprint", paper="Letter")
    box = PdfReader(target).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


@pytest.mark.browser
def test_chromium_fallback_renders_the_same_report(north_report, tmp_path):
    if pdf.find_chromium() is None:
        skip_test("browser", "no Chrome/Chromium on the PATH")
    executed, _ = north_report
    target = tmp_path / "chromium.pdf"
    assert render_pdf(executed, target, renderer="chromium", pseudonym_key=KEY) == "chromium"
    text = pdf_text(target)
    assert "Fixture sales report" in text
    assert privacy.pseudonym("CU-1001", KEY) in text
    assert "Page 2 of" in text
    assert not any(fragment in text for fragment in CODE_FRAGMENTS)


def test_auto_falls_back_to_chromium_and_explains_when_nothing_works(monkeypatch):
    monkeypatch.setattr(pdf, "weasyprint_available", lambda: False)
    monkeypatch.setattr(pdf, "find_chromium", lambda: "/usr/bin/chromium")
    assert pdf.choose_renderer("auto") == "chromium"
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    with pytest.raises(pdf.RendererUnavailable, match="brew install pango"):
        pdf.choose_renderer("auto")
    with pytest.raises(ValueError, match="Renderer must be one of"):
        pdf.choose_renderer("latex")


def test_a_crash_while_printing_leaves_no_pdf(tmp_path, monkeypatch):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"previous report")

    def crash(html_file: Path, partial: Path) -> None:
        partial.write_bytes(b"%PDF-1.7 half written")
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(pdf, "_weasyprint", crash)
    with pytest.raises(RuntimeError, match="renderer crashed"):
        pdf.html_to_pdf("<p>x</p>", target, renderer="weasyprint")
    assert target.read_bytes() == b"previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_fingerprint_follows_the_bytes_not_the_folder(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(DATA, copy)
    assert provenance.data_fingerprint(copy) == provenance.data_fingerprint(DATA)
    expected = hashlib.sha256()
    for file in sorted(DATA.glob("*.csv")):
        expected.update(file.name.encode() + b"\0" + file.read_bytes())
    assert provenance.data_fingerprint(DATA) == expected.hexdigest()[:12]
    with (copy / "sales.csv").open("a") as handle:
        handle.write("CU-1005,East,1.00\n")
    assert provenance.data_fingerprint(copy) != provenance.data_fingerprint(DATA)
    assert provenance.data_fingerprint(tmp_path / "missing") == "no data"


def test_pseudonymise_html_touches_whole_ids_in_text_only():
    ids = {"CU-1001", "1001"}
    html = '<td title="CU-1001">CU-1001</td><td>CU-10012</td><p>1,001.50 and 1001.50 and 1001.</p>'
    masked, count = privacy.pseudonymise_html(html, ids, KEY)
    assert count == 2
    assert 'title="CU-1001"' in masked  # attributes are not text
    assert f">{privacy.pseudonym('CU-1001', KEY)}<" in masked
    assert "CU-10012" in masked and "1001.50" in masked
    assert f"and {privacy.pseudonym('1001', KEY)}." in masked
    assert privacy.pseudonym("CU-1001", KEY) != privacy.pseudonym("CU-1001", "ff" * 16)


def test_display_ids_honours_the_kernel_settings(monkeypatch):
    monkeypatch.delenv(privacy.SHOW_IDS_VARIABLE, raising=False)
    assert privacy.display_ids(["CU-1"]) == ["CU-1"]  # interactive session: unchanged
    for name, value in privacy.kernel_settings(False, KEY).items():
        monkeypatch.setenv(name, value)
    assert privacy.display_ids(["CU-1"]) == [privacy.pseudonym("CU-1", KEY)]
    monkeypatch.setenv(privacy.SHOW_IDS_VARIABLE, "1")
    assert privacy.display_ids(["CU-1"]) == ["CU-1"]


def test_printable_notebook_drops_hidden_cells_stderr_and_empty_sections():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    params = code("x: int = 1")
    params.metadata["tags"] = ["parameters"]
    skipped = md("learner only")
    skipped.metadata["tags"] = [document.SKIP_TAG]
    noisy = code("print(1)")
    noisy.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="FutureWarning: noise"),
        nbformat.v4.new_output("stream", name="stdout", text="kept"),
    ]
    notebook = nbformat.v4.new_notebook(
        cells=[
            md("# 07 · Title\n\n**Business question:** Why?\n\nStory."),
            md("## Parameters"),
            params,
            md("## Empty section"),
            code("silent = 1"),
            md("## Results"),
            noisy,
            skipped,
        ]
    )
    cells = document.printable_notebook(notebook).cells
    sources = [cell.source for cell in cells]
    assert sources[0].strip() == "Story."
    assert "## Parameters" not in sources and "## Empty section" not in sources
    assert "## Results" in sources and "learner only" not in sources
    assert [output.text for output in cells[-1].outputs] == ["kept"]


def test_plot_object_reprs_are_left_out_but_results_are_kept():
    result = nbformat.v4.new_output
    cell = nbformat.v4.new_code_cell("ax.set_title('x')")
    cell.outputs = [
        result("execute_result", data={"text/plain": "Text(0.5, 1.0, 'Share of revenue')"}, execution_count=1),
        result("execute_result", data={"text/plain": "<Axes: xlabel='month'>"}, execution_count=1),
        result("execute_result", data={"text/plain": "0.25"}, execution_count=1),
    ]
    printable = document.printable_notebook(nbformat.v4.new_notebook(cells=[cell]))
    assert [o["data"]["text/plain"] for o in printable.cells[0].outputs] == ["0.25"]


def test_unnamed_integer_index_is_dropped_from_tables_but_named_index_kept():
    frame = pd.DataFrame({"segment": ["consumer", "student"], "rate": [0.72, 0.77]}, index=[3, 0])
    cell = nbformat.v4.new_code_cell("frame")
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/html": frame.to_html()}, execution_count=1)]
    named = frame.set_index("segment")
    named_cell = nbformat.v4.new_code_cell("named")
    named_cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/html": named.to_html()}, execution_count=2)]
    body = document.notebook_body_html(nbformat.v4.new_notebook(cells=[cell, named_cell]))
    first, second = body.split("</table>")[:2]
    assert "<th>3</th>" not in first and "<td>consumer</td>" in first
    assert "<th>consumer</th>" in second  # a named index is information: kept


def test_printed_sentences_read_as_prose_but_aligned_text_stays_monospaced():
    sentence = nbformat.v4.new_code_cell("print(...)")
    sentence.outputs = [nbformat.v4.new_output("stream", name="stdout", text="72% of customers cross-bought.\n")]
    aligned = nbformat.v4.new_code_cell("print(table)")
    aligned.outputs = [nbformat.v4.new_output("stream", name="stdout", text="kpi     value\nrate     0.72\n")]
    body = document.notebook_body_html(nbformat.v4.new_notebook(cells=[sentence, aligned]))
    assert '<pre class="prose">72% of customers cross-bought.' in body
    assert "<pre>kpi     value" in body


def test_numbers_are_right_aligned_with_their_headers_and_text_is_not():
    frame = pd.DataFrame({"offer": ["laptop case", "paper"], "customers": ["1,381", "571"], "rate": ["5.1%", "7%"]})
    cell = nbformat.v4.new_code_cell("frame")
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/html": frame.to_html()}, execution_count=1)]
    body = document.notebook_body_html(nbformat.v4.new_notebook(cells=[cell]))
    assert '<td class="num">1,381</td>' in body and '<td class="num">5.1%</td>' in body
    assert "<td>laptop case</td>" in body
    assert '<th class="num">Customers</th>' in body and "<th>Offer</th>" in body
