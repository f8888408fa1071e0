"""The trainer's kit (``xsell-lab classroom``) on the fixture notebook in tests/fixtures/classroom/.

The fixture follows the tagging contract of :mod:`xsell_lab.lab.classroom`: a ``solution`` code cell,
its ``check``, a ``judgement`` model answer, slide tags and a ``deep-dive`` section. Its learner
edition is executed in a real kernel: the check must fail with its hint (no traceback) on the
scaffold and on a wrong answer, and pass on the solution.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from skips import skip_reason
from xsell_lab.lab import classroom
from xsell_lab.lab.cli import main

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "classroom" / "notebooks"
NOTEBOOK = FIXTURES / "01-bundle-lift.ipynb"
SOLUTION_LINE = "my_lift = confidence / (with_case / baskets)"
# Jargon the notebooks may use only with an entry in notebooks/glossary.md: glossary term -> how it is written.
GLOSSARY_WATCH = {
    "Sample-ratio mismatch (SRM)": r"sample[- ]ratio mismatch|\bSRM\b",
    "Chi-square test": r"chi[- ]squared?",
    "Newcombe interval": r"Newcombe",
    "Holm correction": r"\bHolm\b",
    "Welch test": r"\bWelch",
    "Bootstrap": r"bootstrap",
    "CUPED": r"CUPED",
    "Cochran's Q": r"Cochran",
    "Cohen's h": r"Cohen",
    "Lift": r"\blift\b",
    "Confidence (of a rule)": r"\bconfidence\b",
    "Support": r"\bsupport\b",
    "Attach rate": r"attach rate",
    "Cross-sell ratio": r"cross-sell ratio",
    "BG/NBD": r"BG/NBD",
    "Gamma-Gamma": r"Gamma-Gamma",
    "P(alive)": r"P\(alive\)",
    "Elasticity": r"elasticit",
    "Uplift": r"\buplift",
    "Propensity": r"propensit",
    "Kaplan-Meier curve": r"Kaplan",
    "Censoring": r"\bcensor",
    "Newey-West standard error": r"Newey",
    "Wilson interval": r"\bWilson\b",
    "p-value": r"p-value",
    "Bonferroni correction": r"Bonferroni",
    "RFM": r"\bRFM\b",
    "AUC": r"\bAUC\b",
    "Guardrail": r"guardrail",
    "Spark": r"\bSpark\b",
}


def _run(notebook: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Execute a copy of the notebook in a python3 kernel, errors recorded in the cells."""
    from nbclient import NotebookClient

    executed = copy.deepcopy(notebook)
    NotebookClient(executed, kernel_name="python3", allow_errors=True, timeout=120,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return executed


def _cells(notebook, tag: str) -> list:
    return [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]


def _errors(cell) -> list:
    return [output for output in cell.outputs if output.output_type == "error"]


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("kit") / "course"
    assert main(["classroom", str(out), "--notebooks", str(FIXTURES)]) == 0
    return out


def test_kit_holds_both_editions_solutions_slides_and_guide(kit):
    assert sorted(p.relative_to(kit).as_posix() for p in kit.rglob("*") if p.is_file()) == [
        "instructor/01-bundle-lift.ipynb", "instructor/glossary.md",
        "learner/01-bundle-lift.ipynb", "learner/START-HERE.ipynb", "learner/glossary.md",
        "slides/01-bundle-lift.slides.html", "solutions.pdf", "trainer-guide.pdf",
    ]  # fmt: skip
    assert (kit / "instructor" / NOTEBOOK.name).read_bytes() == NOTEBOOK.read_bytes()
    assert not list(kit.parent.glob(".course.partial-*")), "a temporary folder was left behind"


def test_learner_edition_changes_only_exercise_cells(kit):
    source = nbformat.read(NOTEBOOK, as_version=4)
    learner = nbformat.read(kit / "learner" / NOTEBOOK.name, as_version=4)
    assert len(learner.cells) == len(source.cells)
    for before, after in zip(source.cells, learner.cells, strict=True):
        tags = set(before.metadata.get("tags", []))
        assert after.metadata == before.metadata
        if not tags & classroom.EXERCISE_TAGS:
            assert after == before, f"a cell outside the exercises changed: {before.source[:60]!r}"
        elif "solution" in tags:
            assert SOLUTION_LINE in before.source and before.outputs, "the fixture's solution cell lost its answer"
            assert after.source == "my_lift = None\n# YOUR CODE HERE\nmy_lift"
            assert after.outputs == [] and after.execution_count is None
        elif "check" in tags:
            assert after.source == before.source and before.outputs
            assert after.outputs == [] and after.execution_count is None
        else:  # judgement
            assert "Model answer" in before.source
            assert after.source == classroom.SCAFFOLD["markdown"]
    text = json.dumps(learner)
    assert "BEGIN SOLUTION" not in text and "Model answer" not in text


@pytest.mark.slow
def test_checks_fail_with_their_hint_on_the_scaffold_and_a_wrong_answer_and_pass_on_the_solution(kit, tmp_path):
    learner = nbformat.read(kit / "learner" / NOTEBOOK.name, as_version=4)
    wrong = copy.deepcopy(learner)
    for cell in _cells(wrong, "solution"):
        cell.source = cell.source.replace(classroom.SCAFFOLD["code"], "my_lift = confidence")
    instructor = nbformat.read(kit / "instructor" / NOTEBOOK.name, as_version=4)
    for name, notebook in (("scaffold", learner), ("wrong answer", wrong)):
        checks = _cells(_run(notebook, tmp_path), "check")
        assert checks
        for cell in checks:
            errors = _errors(cell)
            assert len(errors) == 1 and errors[0].ename == "ExerciseNotSolved", f"{name}: the check did not fail: {cell.outputs}"
            hint = errors[0].evalue
            assert hint.startswith("Divide the confidence"), f"{name}: not the check's hint: {hint!r}"
            assert errors[0].traceback == [f"Not yet: {hint}"], f"{name}: the learner sees a traceback"
    executed = _run(instructor, tmp_path)
    assert not [e for cell in executed.cells if cell.cell_type == "code" for e in _errors(cell)]
    for cell in _cells(executed, "check"):
        assert [o.text for o in cell.outputs] == [
            "Correct: a laptop basket holds a case three times as often as an average basket.\n"
        ]


def test_check_counts_an_answer_that_cannot_be_evaluated_as_not_yet(capsys):
    with pytest.raises(classroom.ExerciseNotSolved, match="^look again$"):
        classroom.check(lambda: None + 1, "look again")
    with pytest.raises(AssertionError):
        classroom.check(False, "look again")
    classroom.check(lambda: True, "look again", success="Well done.")
    assert capsys.readouterr().out == "Well done.\n"


@pytest.mark.parametrize(
    ("source", "tags", "problem"),
    [
        ("x = 1\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION", [], "not tagged 'solution'"),
        ("x = 2", ["solution"], "no BEGIN/END SOLUTION region"),
        ("### BEGIN SOLUTION\nx = 2", ["solution"], "never closed"),
        ("x = 2\n### END SOLUTION", ["solution"], "without 'BEGIN SOLUTION'"),
    ],
)
def test_a_broken_contract_stops_the_kit_and_writes_nothing(tmp_path, source, tags, problem):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 · Broken"), nbformat.v4.new_code_cell(source)])
    notebook.cells[1].metadata["tags"] = tags
    nbformat.write(notebook, folder / "01-broken.ipynb")
    with pytest.raises(classroom.ClassroomError, match=re.escape(problem)):
        classroom.write_kit(tmp_path / "out", [folder / "01-broken.ipynb"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebooks"]


def test_the_command_refuses_a_folder_with_files_and_keeps_it(tmp_path, capsys):
    out = tmp_path / "course"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["classroom", str(out), "--notebooks", str(FIXTURES), "--learner-only"]) == 2
    assert "--force" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert main(["classroom", str(out), "--notebooks", str(FIXTURES), "--learner-only", "--force"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["01-bundle-lift.ipynb", "START-HERE.ipynb", "glossary.md"]


def test_solutions_and_trainer_guide_pdfs_hold_the_answers(kit):
    from pypdf import PdfReader

    solutions = " ".join(page.extract_text() for page in PdfReader(kit / "solutions.pdf").pages)
    assert "Solutions to the exercises" in solutions and "01 · Bundle lift" in solutions
    assert SOLUTION_LINE in solutions and "Model answer" in solutions
    assert "BEGIN SOLUTION -->" not in solutions
    guide = " ".join(page.extract_text() for page in PdfReader(kit / "trainer-guide.pdf").pages)
    for expected in ("Trainer guide", "45 minutes", "Confidence is 45%. Is that high?", "lift 3.0",
                     "Deep dive: how sure are we?"):
        assert expected in re.sub(r"\s+", " ", guide), expected


def test_a_guide_whose_timing_does_not_fill_the_session_is_refused(tmp_path):
    guide = tmp_path / "01-x.yaml"
    guide.write_text("minutes: 45\ngoal: g\ntiming: [{minutes: 40, activity: a}]\ndiscussion: [{question: q, expected: e}]\n")
    with pytest.raises(classroom.ClassroomError, match="adds up to 40 minutes, not 45"):
        classroom.read_guide(guide)
    guide.write_text("minutes: 45\ngoal: g\ntiming: [{minutes: 45, activity: a}]\ndiscussion: [{question: q}]\n")
    with pytest.raises(classroom.ClassroomError, match="expected"):
        classroom.read_guide(guide)
    assert classroom.read_guide(REPO_ROOT / "notebooks" / "guide" / "TEMPLATE.yaml").minutes == 45


def test_slides_show_the_tagged_cells_without_code_or_deep_dive(kit):
    deck = (kit / "slides" / "01-bundle-lift.slides.html").read_text(encoding="utf-8")
    assert "<title>01 · Bundle lift slides</title>" in deck
    assert "45% of laptop baskets also hold a case." in deck  # an output of a tagged code cell
    assert "Deep dive" not in deck and "with_both / with_laptop" not in deck
    assert "Key ideas" in deck and "Model answer" not in deck


def test_a_notebook_without_slide_tags_gets_an_outline_of_its_headings():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t not in classroom.SLIDE_TAGS]
    kinds = [cell.metadata.slideshow.slide_type for cell in classroom.slides_notebook(notebook).cells]
    shown = [cell.source.splitlines()[0] for cell, kind in zip(notebook.cells, kinds, strict=True) if kind == "slide"]
    assert shown == ["# 01 · Bundle lift", "## Confidence", "## Exercise", "## Key ideas"]  # no deep dive
    assert set(kinds) == {"slide", "skip"}


def test_landing_page_lists_the_notebooks_with_their_questions(kit):
    page = nbformat.read(kit / "learner" / classroom.LANDING_PAGE, as_version=4)
    text = page.cells[0].source
    assert "| 01 | [Bundle lift](01-bundle-lift.ipynb) | Should we offer a laptop case with every laptop? |" in text
    assert "glossary.md" in text and "../README.md" not in text  # the handed-out folder has no repository
    real = classroom.landing_page(sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")), repository_links=True)
    rows = [line for line in real.splitlines() if re.match(r"\| \d\d \|", line)]
    assert len(rows) == len(list((REPO_ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")))
    assert all(row.endswith("? |") for row in rows), f"a business question is cut short: {rows}"  # whole paragraphs
    for target in re.findall(r"\]\(\.\./([^)]+)\)", real):
        assert (REPO_ROOT / target).is_file(), f"the landing page links a missing file: {target}"


def test_every_watched_term_a_notebook_uses_is_in_the_glossary():
    glossary = (REPO_ROOT / "notebooks" / classroom.GLOSSARY).read_text(encoding="utf-8")
    entries = re.findall(r"^\*\*(.+?)\*\* — (.+)$", glossary, re.MULTILINE)
    terms = [term for term, _ in entries]
    assert len(terms) == len(set(terms)), "a term has two entries"
    assert terms == sorted(terms, key=str.casefold), "glossary terms are not in alphabetical order"
    used = {}
    for path in sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        text = " ".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
        for term, pattern in GLOSSARY_WATCH.items():
            if re.search(pattern, text, re.IGNORECASE):
                used.setdefault(term, path.name)
    missing = {term: where for term, where in used.items() if term not in terms}
    assert not missing, f"terms used in notebooks without a glossary entry: {missing}"
    assert used, "no watched term found: is the notebook folder right?"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").is_file() else shutil.which("chromedriver")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason=skip_reason("browser", "chromium is not installed"))
@pytest.mark.skipif(CHROMEDRIVER is None, reason=skip_reason("browser", "chromedriver is not installed"))
def test_a_slide_deck_opens_in_headless_chromium(kit, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.page_load_strategy = "eager"  # the CDN scripts may never answer offline
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(60)
        driver.get((kit / "slides" / "01-bundle-lift.slides.html").as_uri())
        assert driver.title == "01 · Bundle lift slides"
        slides = driver.find_elements("css selector", ".reveal .slides > section")
        headings = [s.find_element("css selector", "h1, h2").get_attribute("textContent").strip() for s in slides]
        assert [h.rstrip("¶") for h in headings] == ["01 · Bundle lift", "Confidence", "Exercise", "Key ideas"]
        assert "45% of laptop baskets also hold a case." in slides[1].get_attribute("textContent")
        if driver.execute_script("return typeof Reveal !== 'undefined' && Reveal.isReady && Reveal.isReady()"):
            assert driver.execute_script("return Reveal.getTotalSlides()") == 4  # reveal.js loaded (online)
    finally:
        driver.quit()
