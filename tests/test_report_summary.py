"""Cells tagged report-summary: their outputs go on the title page, and only there."""

from __future__ import annotations

import html

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from xsell_lab.lab.report.document import SUMMARY_TAG, notebook_body_html, summary_html


def _notebook(tagged: bool) -> nbformat.NotebookNode:
    summary = new_code_cell("advice", outputs=[
        new_output("display_data", data={"text/html": "<table><thead><tr><th>What to do next</th><th>At stake</th></tr></thead>"
                                                     "<tbody><tr><td>Offer paper to printer owners</td><td>1234.0</td></tr></tbody></table>",
                                         "text/plain": "table"}),
        new_output("stream", name="stdout", text="Amounts in the data's currency.\n"),
        new_output("stream", name="stderr", text="a warning\n"),
    ])
    if tagged:
        summary.metadata["tags"] = [SUMMARY_TAG]
    return new_notebook(cells=[
        new_markdown_cell("# 99 · Title\n\n**Business question:** What now?"),
        new_markdown_cell("## Recommendations"),
        summary,
        new_code_cell("print('evidence')", outputs=[new_output("stream", name="stdout", text="The evidence.\n")]),
    ])


def test_summary_outputs_leave_the_body_for_the_title_page():
    notebook = _notebook(tagged=True)
    summary, body = summary_html(notebook), notebook_body_html(notebook)
    assert 'class="summary"' in summary and "Offer paper to printer owners" in summary
    assert "Amounts in the data&#39;s currency." in summary or "Amounts in the data's currency." in summary
    assert "a warning" not in summary  # stderr is left out, as in the body
    assert ">1,234<" in summary and ">1234.0<" not in summary  # tables are tidied like the body's (an amount at stake: whole)
    assert "Offer paper to printer owners" not in body and "The evidence." in body


def test_without_the_tag_there_is_no_summary_and_the_body_keeps_the_cell():
    notebook = _notebook(tagged=False)
    assert summary_html(notebook) == ""
    assert "Offer paper to printer owners" in notebook_body_html(notebook)


def test_notebooks_03_and_10_put_their_answer_first_on_the_title_page():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "notebooks"
    for name, opening in [("03-finding-opportunities.ipynb", "Of the 5,152 buying customers, "),
                          ("10-executive-report.ipynb", "71% of our 5,152 customers have bought two or more categories; ")]:
        notebook = nbformat.read(folder / name, as_version=4)
        tagged = [cell for cell in notebook.cells if SUMMARY_TAG in cell.metadata.get("tags", [])]
        assert len(tagged) == 1 and "recommendations.the_answer(" in tagged[0].source, name
        printed = [output["text"] for output in tagged[0].outputs if output.get("name") == "stdout"]
        answer = printed[0].strip()
        assert answer.startswith(opening) and 2 <= answer.count(". ") + 1 <= 4, answer  # two to four sentences, computed
        assert html.escape(opening.strip()) in summary_html(notebook), name  # the sentences open the PDF's title page
