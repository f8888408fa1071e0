"""Every figure in a notebook's prose is one its outputs print (issue #12 items 9 and 10).

A sentence typed in markdown cannot follow the data: on another company's data, or after a change
to the synthetic company, it turns false while the outputs move on. So a number written in a markdown
cell must be one the notebook's outputs print, or a constant its code uses (a threshold, a parameter
default), compared after removing thousands separators. Left out of the comparison: code spans and
fenced code, links, comments, headings, the title cell, the References section, single digits (counting
words: "two pairs", "3 steps"), years and chapter or page numbers of citations, notebook and section
numbers, and worked examples: a paragraph or list item that says it is one ("for example", "e.g.") teaches
with made-up numbers. A share the code holds as 0.95 may be written as 95 %.

And every notebook answers its business question in a ``## The answer`` section right before ``## Key
ideas``: one code cell tagged ``report-summary`` printing ``recommendations.the_answer([...])``, so the
same computed sentences open its PDF report.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))

_NUMBER = re.compile(r"(?<![\w.\-])[-+−]?\d[\d,]*(?:\.\d+)?")
#: Numbers that are not figures: years and chapters of citations, notebook and section numbers.
_NOT_FIGURES = re.compile(
    r"\b(?:1[89]|20)\d\d[a-z]?\b|\b(?:ch|chapter|p|pp|eq|vol|no)\.?\s*\d+(?:[-–]\d+)?"
    r"|\b(?:notebooks?|section|exercise)\**\s+\d+(?:\s*(?:,|and|or)\s*\d+)*\b",
    re.IGNORECASE,
)
#: A paragraph or list item (worked examples are judged as a whole).
_BLOCK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*]|\d+\.)\s)")
#: A worked example says so ("for example", "e.g."): its numbers are made up to teach, not read from the data.
_EXAMPLE = re.compile(r"\bexamples?\b|\be\.g\.", re.IGNORECASE)
_LEFT_OUT = [
    re.compile(r"```.*?```|~~~.*?~~~", re.DOTALL),  # fenced code
    re.compile(r"`[^`\n]*`"),  # code spans
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"<!--.*?-->", re.DOTALL),  # comments (model answers are checked by the classroom tests)
    re.compile(r"https?://\S+"),
]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _plain(number: str) -> str:
    return number.replace("−", "-").lstrip("+").replace(",", "")


def _output_text(output) -> str:
    if "text" in output:
        return output["text"]
    data = output.get("data", {})
    return " ".join(data.get(kind, "") for kind in ("text/plain", "text/html", "text/markdown"))


def _known_numbers(notebook) -> set[float]:
    """The numbers the notebook's outputs print and its code uses (a share also as a percentage)."""
    text = " ".join(
        [_output_text(output) for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
        + [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    )
    numbers = {float(_plain(number)) for number in _NUMBER.findall(text)}
    return numbers | {round(number * 100, 10) for number in numbers if abs(number) <= 1}  # 0.95 is also "95 %"


def prose_numbers(notebook) -> list[tuple[str, str]]:
    """(number, line) for every figure written in the notebook's markdown prose (see the module doc)."""
    found = []
    for cell in notebook.cells[1:]:
        if cell.cell_type != "markdown":
            continue
        if cell.source.lstrip().startswith("## References"):
            break
        prose = cell.source
        for pattern in _LEFT_OUT:
            prose = pattern.sub(" ", prose)
        for block in _BLOCK.split(prose):
            if _EXAMPLE.search(block):
                continue
            for line in block.splitlines():
                if line.lstrip().startswith("#"):
                    continue
                for number in _NUMBER.findall(_NOT_FIGURES.sub(" ", line)):
                    if len(_plain(number).lstrip("-")) > 1:
                        found.append((number, line.strip()))
    return found


@pytest.fixture(params=NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def notebook(request) -> nbformat.NotebookNode:
    return _read(request.param)


def test_every_figure_in_the_prose_is_printed_by_the_outputs_or_used_by_the_code(notebook):
    known = _known_numbers(notebook)
    typed = [(number, line) for number, line in prose_numbers(notebook) if float(_plain(number)) not in known]
    assert not typed, (
        f"{len(typed)} figure(s) in the prose that no output prints and no code uses, e.g. {typed[0][0]!r} in "
        f"{typed[0][1][:120]!r}: print it from the data, or write the sentence without it"
    )


def test_the_prose_check_catches_a_typed_figure():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 99 · T"),
        nbformat.v4.new_markdown_cell(
            "Over three years, 41% of baskets held 1,359 pairs (Kohavi 2020, ch. 18; notebook 08); `0.05` in code.\n\n"
            "- For example, a lift of 1.25 means 25% more often."
        ),
        nbformat.v4.new_code_cell("print(f'{1359:,} pairs')", outputs=[nbformat.v4.new_output("stream", text="1,359 pairs\n")]),
        nbformat.v4.new_markdown_cell("## References\n\n- Kohavi 2020, 123 pages."),
    ])
    assert [number for number, _ in prose_numbers(notebook)] == ["41", "1,359"]
    assert 1359 in _known_numbers(notebook) and 41 not in _known_numbers(notebook)


#: Titles of the section that answers the business question: the executive report's answer is its recommendations.
ANSWER_TITLES = ("## The answer", "## Recommendations")
#: Sections that may stand between the answer and the key ideas (an appendix of the report).
APPENDIX_TITLES = ("## Definitions and methods",)


def test_the_notebook_answers_its_question_before_the_key_ideas(notebook):
    titles = [(index, cell.source.splitlines()[0]) for index, cell in enumerate(notebook.cells)
              if cell.cell_type == "markdown" and cell.source.startswith("## ")]
    names = [title for _, title in titles]
    answers = [position for position, name in enumerate(names) if name in ANSWER_TITLES]
    assert answers, f"the notebook has no answer section ({' or '.join(ANSWER_TITLES)})"
    answer = answers[-1]
    between = names[answer + 1 : names.index("## Key ideas")]
    assert all(name in APPENDIX_TITLES for name in between), (
        f"'{names[answer]}' must come right before '## Key ideas' (or its appendix), not before {between}"
    )
    section = notebook.cells[titles[answer][0] + 1 : titles[answer + 1][0]]
    summary = [cell for cell in section if cell.cell_type == "code" and "report-summary" in cell.metadata.get("tags", [])]
    assert len(summary) == 1, "the answer section holds exactly one code cell tagged report-summary (its output opens the PDF report)"
    assert "the_answer(" in summary[0].source, "the answer's cell prints recommendations.the_answer([...])"
    printed = "".join(output.get("text", "") for output in summary[0].get("outputs", []) if output.get("name") == "stdout")
    assert re.search(r"[.!?]\s*$", printed.split("\n\n")[0].strip() or "x") or printed.strip().endswith((".", "!", "?")), (
        "the answer's cell printed no sentences on the bundled data"
    )
