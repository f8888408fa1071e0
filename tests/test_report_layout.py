"""Reports read as reports: no learner material, a one-page title, tables inside the page, a comparing index.

Word positions come from pypdf: a content-stream visitor sees every text-showing
operator with its text matrix, and the font's glyph widths give where the text
ends (:func:`text_runs`).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from xsell_lab.plots import set_theme
from xsell_lab.lab.report import batch, document, tables
from xsell_lab.lab.report.privacy import pseudonym
from xsell_lab.lab.report.render import make_report, render_pdf

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "report_notebooks"
TABLES_NOTEBOOK = FIXTURES / "98-fixture-tables.ipynb"
KEY = "00112233445566778899aabbccddeeff"
MM = 72 / 25.4
#: Left and right page margins of the report stylesheet and of the index (print.css, batch.write_index).
REPORT_MARGIN, INDEX_MARGIN = 18 * MM, 15 * MM
LEARNER_WORDS = ("Exercise", "What you will learn", "Replace the answer below")
MISSING_WORDS = re.compile(r"\b(nan|NaN|NaT)\b")


def _glyph_widths(font) -> tuple[dict[int, float], float, int]:
    """Glyph code -> advance width (1/1000 em), the default width, and bytes per code of a PDF font."""
    font = font.get_object()
    if font.get("/Subtype") != "/Type0":
        first = int(font.get("/FirstChar", 0))
        return {first + k: float(w) for k, w in enumerate(font.get("/Widths", []))}, 500.0, 1
    cid_font = font["/DescendantFonts"][0].get_object()
    widths, spec, i = {}, list(cid_font.get("/W", [])), 0
    while i < len(spec):
        first, following = int(spec[i]), spec[i + 1].get_object()
        if isinstance(following, ArrayObject):
            widths.update({first + k: float(w) for k, w in enumerate(following)})
            i += 2
        else:
            widths.update({code: float(spec[i + 2]) for code in range(first, int(following) + 1)})
            i += 3
    return widths, float(cid_font.get("/DW", 1000)), 2


def text_runs(page) -> list[tuple[float, float]]:
    """Left and right x (points) of every text-showing operator on a page."""
    fonts, cache, current, runs = page["/Resources"]["/Font"], {}, {}, []

    def visit(operator, operands, cm, tm):
        if operator == b"Tf":
            if operands[0] not in cache:
                cache[operands[0]] = _glyph_widths(fonts[operands[0]])
            current.update(font=cache[operands[0]], size=float(operands[1]))
        elif operator in (b"Tj", b"TJ") and current:
            widths, default, size = current["font"]
            advance = 0.0
            for item in operands[0] if operator == b"TJ" else [operands[0]]:
                if isinstance(item, (int, float)) or hasattr(item, "as_numeric"):
                    advance -= float(item)
                    continue
                data = item.original_bytes if hasattr(item, "original_bytes") else bytes(item)
                advance += sum(widths.get(int.from_bytes(data[k : k + size], "big"), default) for k in range(0, len(data), size))
            scale = tm[0] * cm[0] + tm[1] * cm[2]
            left = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            runs.append((left, left + advance / 1000 * current["size"] * scale))

    page.extract_text(visitor_operand_before=visit)
    return runs


def words_outside(pdf: Path, margin: float) -> list[str]:
    """Text runs that start or end outside the page's text area (``margin`` points on the left and right)."""
    outside = []
    for number, page in enumerate(PdfReader(pdf).pages, start=1):
        width = float(page.mediabox.width)
        outside += [
            f"page {number}: x {left:.0f}-{right:.0f} of {width:.0f}"
            for left, right in text_runs(page)
            if right - left > 0.5 and (left < margin - 1 or right > width - margin + 1)
        ]
    return outside


def pdf_pages(pdf: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages]


def assert_reads_as_a_report(pdf: Path, question: str) -> None:
    """No learner material, no missing-value codes, nothing outside the text area, a one-page title page."""
    pages = pdf_pages(pdf)
    text = "\n".join(pages)
    for word in LEARNER_WORDS:
        assert word not in text, f"{pdf.name}: {word!r} in the report"
    assert not MISSING_WORDS.search(text), f"{pdf.name}: {MISSING_WORDS.search(text).group(0)!r} in the text"
    assert words_outside(pdf, REPORT_MARGIN) == [], pdf.name
    squeezed = "".join(question.split())  # pypdf may set a space where a line breaks after a hyphen
    assert squeezed in "".join(pages[0].split()), f"{pdf.name}: the title page does not hold the whole question"
    assert "Contents" in pages[1][:200], f"{pdf.name}: the title page spills onto page 2"  # after the running header


# --- learner sections ---------------------------------------------------------------------------


def test_learner_sections_are_cut_by_their_headings_across_cells():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md("# 01 · Title\n\n**Business question:** Why?"),
        md("## What you will learn\n\n- something"),
        md("## Results\n\nKept.\n\n### Exercises: by hand\n\nDo it.\n\n```python\n# Exercise: a comment, not a heading\n```"),
        code("my_answer = 1"),
        md("### Details\n\nKept too."),
        md("Intro kept.\n\n## Exercise\n\nReplace the answer below with your own code."),
        code("check()"),
        md("```python\n## not a heading\n```\n\nStill in the exercise."),
        md("## References\n\n- A book."),
    ]
    kept = document.without_learner_sections(cells)
    sources = [cell.source for cell in kept]
    assert sources[0] == cells[0].source and sources[1] == "## Results\n\nKept.\n"
    assert sources[2:] == ["### Details\n\nKept too.", "Intro kept.\n", "## References\n\n- A book."]
    assert cells[2].source.startswith("## Results") and "Do it." in cells[2].source  # the input is not modified


def test_the_answer_section_is_on_the_title_page_not_again_in_the_body():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    answer = code("print(recommendations.the_answer(['Sell more.']))")
    answer.metadata["tags"] = [document.SUMMARY_TAG]
    cells = [md("## Results\n\nKept."), md("## The answer\n\nThree sentences for the director."), answer, md("## Key ideas\n\n- One.")]
    sources = [cell.source for cell in document.without_learner_sections(cells)]
    assert sources == ["## Results\n\nKept.", "## Key ideas\n\n- One."]


def test_business_question_spanning_lines_is_read_whole_and_left_out_of_the_body():
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# 02 · T\n\n**Business question:** Where is each\ncustomer, and when?\n\nStory.")]
    )
    from xsell_lab.lab.report.provenance import business_question

    assert business_question(notebook) == "Where is each customer, and when?"
    assert document.printable_notebook(notebook).cells[0].source.strip() == "Story."


def test_the_text_above_a_chart_is_kept_with_it_in_print():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    chart = code("plot()")
    chart.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]
    printed = code("print(1)")
    printed.outputs = [nbformat.v4.new_output("stream", name="stdout", text="A sentence.\n")]
    notebook = nbformat.v4.new_notebook(cells=[md("# 01 · T\n\n**Business question:** Why?"), md("## Trend\n\nWords."), chart,
                                               md("## Table"), printed])
    body = document.notebook_body_html(notebook)
    kept = re.findall(r'<div data-keep-with-next="yes" class="cell[^>]*>\s*<div class="inner_cell">\s*<div[^>]*>\s*<h2 id="(\w+)"', body)
    assert kept == ["Trend"]
    assert "[data-keep-with-next] { break-after: avoid; }" in (Path(document.__file__).parent / "templates" / "print.css").read_text()


# --- tables -------------------------------------------------------------------------------------


def test_display_names_come_from_the_registry_or_read_as_words():
    assert tables.display_name("cross_sold_revenue") == "Cross-sold revenue"
    assert tables.display_name("p_value") == "p-value"
    assert tables.display_name("ci_low") == "95% interval, low"
    assert tables.display_name("median_orders_per_clv") == "Median orders per CLV"
    assert tables.display_name("Top-decile lift") == "Top-decile lift"  # already words: kept


@pytest.mark.parametrize(
    ("name", "kind"),
    [("customers", "count"), ("median_orders", "number"), ("cross_sold_revenue", "money"), ("At stake", "money"),
     ("attach_rate", "share"),
     ("lift", "ratio"), ("p_value", "p-value"), ("heterogeneity_p_value", "p-value"), ("tenure_months", "number"),
     ("customer_id", "code"), ("year", "code")],
)
def test_column_kind_is_read_from_the_name(name, kind):
    assert tables.column_kind(name) == kind


def test_numbers_are_formatted_by_kind_and_missing_values_are_a_dash():
    frame = pd.DataFrame(
        {
            "segment": ["consumer", "student"],
            "customers": [5210.0, 1118.0],
            "revenue": [149.0, 1546.0],
            "attach_rate": [0.4331, np.nan],
            "ci_low": [0.417, 0.4],
            "lift": [1.4481, 12.345],
            "p_value": [0.00001, 0.0412],
            "median_days": [12.5, 130.25],
            "first_date": pd.to_datetime(["2024-01-02", None]),
        }
    )
    table = tables.tidy_table(frame.to_html())
    cells = [html.unescape(cell) for cell in re.findall(r"<td[^>]*>([^<]*)</td>", table)]
    assert cells == [
        "consumer", "5,210", "149.00", "43.3%", "41.7%", "1.4", "< 0.001", "12", "2024-01-02",
        "student", "1,118", "1,546.00", tables.MISSING, "40.0%", "12", "0.041", "130", tables.MISSING,
    ]
    assert "<th class=\"num\">Customers</th>" in table and "<th>Segment</th>" in table
    assert "no value" in table  # the note under a table with a gap
    assert 'data-wide="yes"' in table  # nine columns: smaller type


def test_money_has_one_format_in_a_table_the_lab_displays():
    frame = pd.DataFrame({"product": ["pen", "desk"], "revenue": [890.0, 1258.0], "median_days": [12.5, 1130.25]})
    with plt.rc_context(), pd.option_context("display.float_format", None, "display.max_colwidth", 50):
        set_theme()  # the plot style and table format stay inside this block
        shown = frame.to_html()  # the lab's display format: "890.000" and "1,258"
    assert "1,258" in shown and "890.000" in shown
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", tables.tidy_table(shown))
    assert cells == ["pen", "890.00", "12", "desk", "1,258.00", "1,130"]


def test_amounts_at_stake_print_whole_as_the_sentences_say_them():
    """Notebook 10's "At stake" column: money_text writes 26,066 and 946; the PDF must not make them 26,066.00 and 946.00."""
    from xsell_lab.recommendations import money_text

    amounts = [26066.4, 946.0, 10512.0]
    frame = pd.DataFrame({"What to do next": ["a", "b", "c"], "At stake": [money_text(a) for a in amounts]})
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", tables.tidy_table(frame.to_html()))
    assert cells[1::2] == [money_text(a) for a in amounts] == ["26,066", "946", "10,512"]
    small = re.findall(r"<td[^>]*>([^<]*)</td>", tables.tidy_table(pd.DataFrame({"At stake": [4.5, 12.25]}).to_html()))
    assert small == ["4.50", "12.25"], "amounts under 100 keep their cents (a grocery basket's stake)"
    expected = re.findall(r"<td[^>]*>([^<]*)</td>", tables.tidy_table(pd.DataFrame({"Expected revenue": [9629.4, 512.0]}).to_html()))
    assert expected == ["9,629", "512"], "an expected amount is an estimate too"
    money = re.findall(r"<td[^>]*>([^<]*)</td>", tables.tidy_table(pd.DataFrame({"revenue": [890.0, 1258.0]}).to_html()))
    assert money == ["890.00", "1,258.00"], "other money columns keep 2 decimals"


def test_ids_and_years_keep_their_digits():
    frame = pd.DataFrame({"customer_id": [1001, 17], "order_id": [123456.0, 2.0], "year": [2024, 2025], "orders": [1001, 17]})
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", tables.tidy_table(frame.to_html()))
    assert cells == ["1001", "123456", "2024", "1,001", "17", "2", "2025", "17"]


def test_formatted_cells_are_kept_and_interval_bounds_follow_their_estimate():
    frame = pd.DataFrame({"offer": ["case"], "uplift": [0.031], "uplift_ci_low": [0.01], "customers": ["1,381"]})
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", tables.tidy_table(frame.to_html()))
    assert cells == ["case", "3.1%", "1.0%", "1,381"]


# --- rendered reports ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables_report(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("tables")
    report = make_report(
        TABLES_NOTEBOOK, out, {"region": "North"}, pdf=True, pseudonym_key=KEY, renderer="weasyprint", progress=False
    )
    return report.notebook, report.pdf


def test_fixture_report_reads_as_a_report(tables_report):
    executed, report_pdf = tables_report
    question = nbformat.read(executed, as_version=4).cells[0].source.split("**Business question:**")[1].split("\n\n")[0]
    assert_reads_as_a_report(report_pdf, question)
    text = "\n".join(pdf_pages(report_pdf))
    for expected in ["Cross-sold revenue share", "p-value", "5,210", "1,546.25", "35.4%", "Wide tables are set smaller"]:
        assert expected in text, expected
    assert "Parameters used" in pdf_pages(report_pdf)[-1]
    assert "ANALYSIS REPORT" in pdf_pages(report_pdf)[0] and "NOTEBOOK 99" not in pdf_pages(report_pdf)[0].upper()


def test_the_widest_table_is_turned(tables_report):
    _, report_pdf = tables_report
    turned = [page for page in PdfReader(report_pdf).pages if float(page.mediabox.width) > float(page.mediabox.height)]
    assert len(turned) == 1 and "Median days from previous" in " ".join(turned[0].extract_text().split())


def test_the_word_check_finds_a_table_running_off_the_page(tmp_path):
    from xsell_lab.lab.report.pdf import html_to_pdf

    target = tmp_path / "wide.pdf"
    row = "".join(f"<td>{'unbreakable_value_' * 2}{i}</td>" for i in range(12))
    html_to_pdf(
        f"<style>@page {{ size: A4; margin: 22mm 18mm; }} td {{ white-space: nowrap; }}</style><table><tr>{row}</tr></table>",
        target, renderer="weasyprint",
    )
    assert words_outside(target, REPORT_MARGIN)


COMMITTED = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("notebook", COMMITTED, ids=[path.stem[:2] for path in COMMITTED])
def test_every_lab_report_reads_as_a_report(notebook, tmp_path, monkeypatch):
    """The reports of ``make reports``, printed from the committed (executed) notebooks."""
    monkeypatch.chdir(notebook.parent)  # papermill's input_path in the notebooks is relative to their folder
    target = tmp_path / f"{notebook.stem}.pdf"
    render_pdf(notebook, target, pseudonym_key=KEY, renderer="weasyprint")
    from xsell_lab.lab.report.provenance import business_question

    assert_reads_as_a_report(target, business_question(nbformat.read(notebook, as_version=4)))


# --- batch index --------------------------------------------------------------------------------


def _executed(path: Path, figures: dict[str, str] | None) -> Path:
    cell = nbformat.v4.new_code_cell("figures")
    if figures is not None:
        cell.metadata["tags"] = [batch.HEADLINE_TAG]
        frame = pd.Series(figures, name="Value").to_frame()
        cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/html": frame.to_html()}, execution_count=1)]
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    return path


def _results(rows: list[tuple[str, Path | None, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"notebook": "10.ipynb", "label": label, "executed": executed, "pdf": executed.with_suffix(".pdf") if executed else None,
          "renderer": "weasyprint", "seconds_run": 1.0, "seconds_pdf": 1.0, "seconds": 2.0, "error": error}
         for label, executed, error in rows],
        columns=batch.RESULT_COLUMNS,
    )


def test_index_compares_the_segments_side_by_side(tmp_path):
    north = _executed(tmp_path / "r--region-north.ipynb", {"cross_sell_rate": "31%", "Revenue": "1,200 EUR",
                                                          "Best opportunity": "Ink for printer owners"})
    south = _executed(tmp_path / "r--region-south.ipynb", {"cross_sell_rate": "28%", "Revenue": "980 EUR"})
    results = _results([("North", north, ""), ("South", south, ""), ("East", None, "ValueError: no sales\nmore")])
    assert batch.headline_figures(north) == {"Cross-sell rate": "31%", "Revenue": "1,200 EUR", "Best opportunity": "Ink for printer owners"}
    index = batch.write_index(results, tmp_path, "index", title="Sales: one report per region", by="region",
                              renderer="weasyprint")
    reader = PdfReader(index)
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    for expected in ["Region", "Cross-sell rate", "Revenue", "Best opportunity", "north.pdf 31% 1,200 EUR Ink for printer owners",
                     "south.pdf 28% 980 EUR –", "failed: ValueError: no sales"]:
        assert expected in text, expected
    links = [a.get_object()["/A"].get("/URI") for a in reader.pages[0].get("/Annots", [])]
    assert any(str(link).endswith("r--region-north.pdf") for link in links)
    assert words_outside(index, INDEX_MARGIN) == []


def test_index_is_pseudonymised_like_the_reports(tmp_path):
    north = _executed(tmp_path / "r--region-north.ipynb", {"Customers": "249", "Best opportunity": "Call C00017 first"})
    results = _results([("North", north, "")])
    index = batch.write_index(results, tmp_path, "index", title="T", by="region", renderer="weasyprint",
                              pseudonym_key=KEY, customer_ids=frozenset({"1", "249", "C00017"}))  # "1 reports": the lab's count stays
    text = " ".join(PdfReader(index).pages[0].extract_text().split())
    assert "249" not in text and "C00017" not in text
    assert f"Call {pseudonym('C00017', KEY)} first" in text
    assert "Customer ids: pseudonymised (2 ids replaced)" in text
    shown = batch.write_index(results, tmp_path, "shown", title="T", by="region", renderer="weasyprint", show_ids=True)
    assert "Call C00017 first" in " ".join(PdfReader(shown).pages[0].extract_text().split())


def test_the_kicker_names_the_kind_of_report_never_a_notebook_number():
    assert document.report_kind("Executive cross-sell report") == "Executive report · cross-selling"
    assert document.report_kind("Market basket analysis and next purchase") == "Analysis report · cross-selling"


def test_index_without_published_figures_lists_files_and_says_how_to_publish(tmp_path):
    plain = _executed(tmp_path / "r--region-north.ipynb", None)
    index = batch.write_index(_results([("North", plain, "")]), tmp_path, "index", title="T", renderer="weasyprint")
    text = " ".join(PdfReader(index).pages[0].extract_text().split())
    assert "r--region-north.pdf ok" in text.replace("North ", "")
    assert f"tag a cell {batch.HEADLINE_TAG}" in text
