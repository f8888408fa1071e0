"""A trainer's kit from one source: learner and instructor editions, solutions, slides and a guide.

The numbered notebooks are the instructor source. ``xsell-lab classroom OUT``
(:func:`write_kit`) writes

``OUT/learner/``
    every notebook with its solution regions replaced by a scaffold and the
    outputs of its exercise cells cleared; checks kept; ``START-HERE.ipynb``
    (:func:`landing_page`) and the glossary beside them;
``OUT/instructor/``
    the notebooks as they are, with solutions and outputs;
``OUT/solutions.pdf``
    every exercise with its solution or model answer;
``OUT/slides/NN-name.slides.html``
    a reveal.js deck per notebook, made by nbconvert from the tagged cells;
``OUT/trainer-guide.pdf``
    timing, discussion questions and expected answers from ``guide/NN-name.yaml``.

The tagging contract
--------------------
Cell tags (``metadata.tags``):

``solution``
    A code cell holding one or more solution regions: the lines from
    ``### BEGIN SOLUTION`` to ``### END SOLUTION`` (nbgrader's markers). In the
    learner edition each region becomes ``# YOUR CODE HERE``; the lines outside
    the regions are the scaffold both editions share (typically
    ``answer = None``). Its outputs are cleared.
``judgement``
    A markdown cell holding a model answer to a judgement task between
    ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` (invisible when
    rendered). The learner edition shows ``*Your answer here.*`` instead.
``check``
    A code cell that checks an answer with :func:`check`. Kept in the learner
    edition, its outputs cleared. On the scaffold it must fail with its hint,
    on the solution it must pass.
``slide``, ``subslide``, ``fragment``
    The cells the slides show (set as nbconvert's ``slideshow.slide_type``);
    untagged cells are skipped; code cells show their outputs only.
``deep-dive``
    On a heading cell: the section up to the next heading of the same or a
    higher level is the analyst's deep dive. The slides leave it out; the
    editions keep it; the trainer guide lists it as optional.

A solution region in a cell that is not tagged ``solution`` or ``judgement``,
such a tag on a cell without a region, or an unclosed region is an error
(:class:`ClassroomError`): a misplaced tag would hand out the answer.
Everything else is copied unchanged.

Checks
------
:func:`check` prints a short confirmation, or raises :class:`ExerciseNotSolved`,
which Jupyter shows as the hint alone, without a traceback.
"""

from __future__ import annotations

import copy
import html
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xsell_lab._files import write_whole
from xsell_lab.exceptions import UsageError, XsellLabError

#: Tags of the contract (see the module documentation).
SOLUTION, JUDGEMENT, CHECK, DEEP_DIVE = "solution", "judgement", "check", "deep-dive"
#: Tags that become nbconvert's ``slideshow.slide_type``.
SLIDE_TAGS = ("slide", "subslide", "fragment")
#: Cells whose outputs the learner edition clears.
EXERCISE_TAGS = frozenset({SOLUTION, JUDGEMENT, CHECK})
#: What a solution region becomes in the learner edition, by cell type.
SCAFFOLD = {"code": "# YOUR CODE HERE", "markdown": "*Your answer here.*"}
#: Name of the landing page written beside the learner notebooks.
LANDING_PAGE = "START-HERE.ipynb"
#: The glossary page, beside the notebooks.
GLOSSARY = "glossary.md"

_BEGIN = re.compile(r"^(?P<indent>[ \t]*)(?:#+|<!--)\s*BEGIN SOLUTION\b")
_END = re.compile(r"^[ \t]*(?:#+|<!--)\s*END SOLUTION\b")
_HEADING = re.compile(r"^(#{1,6})\s+\S")


class ClassroomError(UsageError):
    """A notebook or guide that breaks the tagging contract; the message names the file and cell."""


class ExerciseNotSolved(AssertionError, XsellLabError):
    """An exercise check that failed; Jupyter shows only the hint (no traceback)."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback."""
        return [f"Not yet: {self}"]


def check(passed: bool | Callable[[], bool], hint: str, *, success: str = "Correct.") -> None:
    """Check a learner's answer: print ``success``, or fail with ``hint``.

    Parameters
    ----------
    passed : bool or callable
        The condition, or a function returning it. A function that raises
        (the answer is still ``None``, a name is misspelt) counts as failed,
        so the learner sees the hint, never a traceback.
    hint : str
        What to look at again; shown when the check fails.
    success : str
        Printed when the check passes.

    Raises
    ------
    ExerciseNotSolved
        When the condition is false or cannot be evaluated.
    """
    if callable(passed):
        try:
            passed = passed()
        except Exception:  # noqa: BLE001 - any error in evaluating a learner's answer means "not yet"
            passed = False
    if not passed:
        raise ExerciseNotSolved(hint)
    print(success)


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _scaffolded(source: str, cell_type: str, where: str) -> tuple[str, int]:
    """The source with each solution region replaced by the scaffold line, and the number of regions."""
    kept, regions, indent = [], 0, None
    for line in source.splitlines(keepends=True):
        if indent is None:
            begin = _BEGIN.match(line)
            if begin:
                indent, regions = begin["indent"], regions + 1
            elif _END.match(line):
                raise ClassroomError(f"{where}: 'END SOLUTION' without 'BEGIN SOLUTION' before it.")
            else:
                kept.append(line)
        elif _END.match(line):
            kept.append(f"{indent}{SCAFFOLD[cell_type]}" + ("\n" if line.endswith("\n") else ""))
            indent = None
        elif _BEGIN.match(line):
            raise ClassroomError(f"{where}: a second 'BEGIN SOLUTION' before 'END SOLUTION'.")
    if indent is not None:
        raise ClassroomError(f"{where}: 'BEGIN SOLUTION' is never closed by 'END SOLUTION'.")
    return "".join(kept), regions


def learner_notebook(notebook, name: str = "notebook"):
    """The learner edition of a notebook (a copy; the source is not changed).

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The instructor source.
    name : str
        The notebook's name, for error messages.

    Returns
    -------
    nbformat.NotebookNode
        Solution regions replaced by :data:`SCAFFOLD`, outputs and execution
        counts of cells tagged ``solution``, ``judgement`` or ``check``
        cleared; every other cell as it was.

    Raises
    ------
    ClassroomError
        When a cell breaks the tagging contract (see the module documentation).
    """
    learner = copy.deepcopy(notebook)
    for index, cell in enumerate(learner.cells):
        tags, where = _tags(cell), f"{name}, cell {index + 1} ({cell.cell_type})"
        source, regions = _scaffolded(cell.source, cell.cell_type, where) if cell.cell_type in SCAFFOLD else (cell.source, 0)
        expected = SOLUTION if cell.cell_type == "code" else JUDGEMENT
        if regions and expected not in tags:
            raise ClassroomError(f"{where} has a solution region but is not tagged '{expected}': tag it, or remove the markers.")
        if not regions and tags & {SOLUTION, JUDGEMENT}:
            raise ClassroomError(
                f"{where} is tagged {sorted(tags & {SOLUTION, JUDGEMENT})} but has no BEGIN/END SOLUTION region: "
                "the learner would get the answer."
            )
        if {SOLUTION, JUDGEMENT} <= tags or (SOLUTION in tags and cell.cell_type != "code") or (
            JUDGEMENT in tags and cell.cell_type != "markdown"
        ):
            raise ClassroomError(f"{where}: 'solution' tags code cells, 'judgement' markdown cells.")
        cell.source = source
        if cell.cell_type == "code" and tags & EXERCISE_TAGS:
            cell.outputs, cell.execution_count = [], None
    return learner


def _heading_level(cell) -> int | None:
    match = _HEADING.match(cell.source.lstrip()) if cell.cell_type == "markdown" else None
    return len(match.group(1)) if match else None


def deep_dive_cells(notebook) -> list[int]:
    """Indices of the cells in deep-dive sections: a heading tagged ``deep-dive`` up to the next heading of its level or higher."""
    inside, level = [], None
    for index, cell in enumerate(notebook.cells):
        heading = _heading_level(cell)
        if level is not None and heading is not None and heading <= level:
            level = None
        if level is None and heading is not None and DEEP_DIVE in _tags(cell):
            level = heading
        if level is not None:
            inside.append(index)
    return inside


def has_slide_tags(notebook) -> bool:
    """Whether any cell carries a slide tag (:data:`SLIDE_TAGS`)."""
    return any(_tags(cell) & set(SLIDE_TAGS) for cell in notebook.cells)


def slides_notebook(notebook):
    """A copy whose slide tags are nbconvert's ``slideshow.slide_type``; every other cell ``skip``.

    A notebook without any slide tag gets an outline deck: one slide per
    markdown cell that opens with a ``#`` or ``##`` heading. Deep-dive sections
    are always left out.
    """
    slides = copy.deepcopy(notebook)
    deep = set(deep_dive_cells(notebook))
    tagged = has_slide_tags(notebook)
    for index, cell in enumerate(slides.cells):
        if tagged:
            chosen = [tag for tag in SLIDE_TAGS if tag in _tags(cell)]
            kind = chosen[0] if chosen else "skip"
        else:
            level = _heading_level(cell)
            kind = "slide" if level is not None and level <= 2 else "skip"
        cell.metadata["slideshow"] = {"slide_type": "skip" if index in deep else kind}
    return slides


def slides_html(notebook, reveal_url_prefix: str | None = None) -> str:
    """A reveal.js deck (nbconvert's ``SlidesExporter``) of the tagged cells, code hidden.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The instructor notebook (its stored outputs are shown).
    reveal_url_prefix : str, optional
        Where the browser loads reveal.js 4 from: a folder or URL. By default
        nbconvert's CDN address, so showing the deck needs the internet.
    """
    from nbconvert import SlidesExporter

    options = {"exclude_input": True, "exclude_input_prompt": True, "exclude_output_prompt": True}
    if reveal_url_prefix:
        options["reveal_url_prefix"] = reveal_url_prefix
    from xsell_lab.lab.runner import notebook_headline

    title, number, _ = notebook_headline(notebook)
    name = f"{number} · {title}" if number else title
    body, _ = SlidesExporter(**options).from_notebook_node(slides_notebook(notebook), resources={"metadata": {"name": name}})
    return body


def landing_page(notebooks: list[Path], repository_links: bool = False) -> str:
    """The landing page in Markdown: reading order, each notebook's question, where to read more.

    Parameters
    ----------
    notebooks : list of pathlib.Path
        The notebooks in reading order; their titles and business questions
        are read from their first cell (:func:`~xsell_lab.lab.runner.notebook_headline`).
    repository_links : bool
        Link the repository's README, ``data/README.md`` and ``examples/``
        (for learner copies in a folder of the repository, such as ``work/``).
    """
    from xsell_lab.lab.runner import notebook_headline, read_notebook

    rows = ["| # | notebook | what it answers |", "|---|---|---|"]
    for path in notebooks:
        notebook = read_notebook(path)
        title, number, question = notebook_headline(notebook)
        rows.append(f"| {number} | [{title}]({path.name}) | {question.replace('|', '/')} |")
    return "\n".join([
        "# Start here",
        "",
        "These are **your copies** of the xsell-lab notebooks: change, run and break them freely. "
        "`make reset` (in the repository folder) gives you fresh ones; it throws your changes away.",
        "",
        "Read them in this order; each answers one business question. Every notebook ends with exercises: "
        "fill in the cells marked `# YOUR CODE HERE` or *Your answer here.*, then run the check below them.",
        "",
        *rows,
        "",
        f"Words you do not know: the [glossary]({GLOSSARY})."
        + (" The project: [README](../README.md); the bundled company: [data/README.md](../data/README.md); "
           "your own data: [examples/](../examples/README.md)." if repository_links else ""),
        "",
    ])


def _landing_notebook(markdown: str) -> bytes:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(markdown)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(notebook).encode("utf-8")


@dataclass(frozen=True)
class Guide:
    """One notebook's trainer guide, read from ``guide/NN-name.yaml`` (:func:`read_guide`).

    Attributes
    ----------
    minutes : int
        Length of the session.
    goal : str
        What the learners can do afterwards.
    timing : list of (int, str)
        Minutes and activity, in order; they add up to ``minutes``.
    discussion : list of (str, str)
        Question and expected answer.
    """

    minutes: int
    goal: str
    timing: list[tuple[int, str]]
    discussion: list[tuple[str, str]]


def read_guide(path: Path) -> Guide:
    """Read and check a trainer guide YAML file (see ``notebooks/guide/TEMPLATE.yaml``).

    Raises
    ------
    ClassroomError
        When a key is missing, a value has the wrong type, or the timing does
        not add up to ``minutes``; the message names the file.
    """
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ClassroomError(f"{path}: not valid YAML: {error}") from None
    try:
        minutes, goal = int(data["minutes"]), str(data["goal"]).strip()
        timing = [(int(step["minutes"]), str(step["activity"]).strip()) for step in data["timing"]]
        discussion = [(str(item["question"]).strip(), str(item["expected"]).strip()) for item in data["discussion"]]
    except (KeyError, TypeError, ValueError) as error:
        raise ClassroomError(
            f"{path}: needs minutes, goal, timing (minutes, activity) and discussion (question, expected); {error!r}"
        ) from None
    if sum(step for step, _ in timing) != minutes:
        raise ClassroomError(f"{path}: the timing adds up to {sum(s for s, _ in timing)} minutes, not {minutes}.")
    if not discussion:
        raise ClassroomError(f"{path}: give at least one discussion question with its expected answer.")
    return Guide(minutes, goal, timing, discussion)


def _document(title: str, body: str) -> str:
    """A printable HTML document in the reports' print style."""
    from importlib import resources

    css = (resources.files("xsell_lab.lab.report") / "templates" / "print.css").read_text(encoding="utf-8")
    extra = (
        "h1.kit { font-size: 20pt; border-bottom: 2pt solid #2563eb; padding-bottom: 3mm; }"
        " section.notebook { break-before: page; } section.notebook:first-of-type { break-before: auto; }"
        " pre { white-space: pre-wrap; font-size: 8.5pt; background: #f3f4f6; padding: 2mm; }"
        " table.guide { width: 100%; border-collapse: collapse; } table.guide td, table.guide th"
        " { border-bottom: 0.5pt solid #e5e7eb; padding: 1mm 2mm; text-align: left; vertical-align: top; }"
        " .missing { color: #b45309; }"
        f" @page {{ @top-left {{ content: \"{title}\"; }} }}"
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{css}\n{extra}</style></head><body><h1 class=\"kit\">{html.escape(title)}</h1>{body}</body></html>"
    )


def _solutions_section(path: Path, notebook) -> str:
    """The exercises of one notebook with their solutions: each exercise cell after the text just above it."""
    import nbformat
    from nbconvert import HTMLExporter

    from xsell_lab.lab.runner import notebook_headline

    picked: list[int] = []
    for index, cell in enumerate(notebook.cells):
        if _tags(cell) & EXERCISE_TAGS:
            prompt = index - 1
            while prompt >= 0 and notebook.cells[prompt].cell_type != "markdown":
                prompt -= 1
            picked += [i for i in (prompt, index) if i >= 0 and i not in picked]
    title, number, _ = notebook_headline(notebook)
    heading = f"<h2>{html.escape(number + ' · ' if number else '')}{html.escape(title)}</h2>"
    if not picked:
        return f'<section class="notebook">{heading}<p class="missing">No tagged exercises yet.</p></section>'
    chosen = copy.deepcopy(notebook)
    chosen.cells = [copy.deepcopy(notebook.cells[i]) for i in sorted(picked)]
    for cell in chosen.cells:  # the model answer shows, its markers do not
        if cell.cell_type == "markdown":
            cell.source = "\n".join(line for line in cell.source.splitlines() if not (_BEGIN.match(line) or _END.match(line)))
    exporter = HTMLExporter(template_name="basic", exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.from_dict(chosen))
    return f'<section class="notebook">{heading}<p>From {html.escape(path.name)}.</p>{body}</section>'


def _guide_section(path: Path, notebook, guide: Guide | None, guide_file: Path) -> str:
    from xsell_lab.lab.runner import notebook_headline

    title, number, question = notebook_headline(notebook)
    parts = [f'<section class="notebook"><h2>{html.escape(number + " · " if number else "")}{html.escape(title)}</h2>',
             f"<p><strong>Business question:</strong> {html.escape(question)}</p>"]
    if guide is None:
        parts.append(f'<p class="missing">No guide yet: copy guide/TEMPLATE.yaml to guide/{guide_file.name} and fill it in.</p>')
    else:
        parts.append(f"<p><strong>Session:</strong> {guide.minutes} minutes. <strong>Goal:</strong> {html.escape(guide.goal)}</p>")
        parts.append('<h3>Timing</h3><table class="guide"><tr><th>minutes</th><th>activity</th></tr>')
        parts += [f"<tr><td>{m}</td><td>{html.escape(a)}</td></tr>" for m, a in guide.timing]
        parts.append('</table><h3>Discussion questions</h3><table class="guide"><tr><th>question</th><th>expected answer</th></tr>')
        parts += [f"<tr><td>{html.escape(q)}</td><td>{html.escape(a)}</td></tr>" for q, a in guide.discussion]
        parts.append("</table>")
    deep = [notebook.cells[i].source.lstrip("# ").splitlines()[0] for i in deep_dive_cells(notebook) if _heading_level(notebook.cells[i])]
    if deep:
        parts.append("<p><strong>Optional analyst deep dives</strong> (not on the slides; skip with a sales audience): "
                     + "; ".join(html.escape(d) for d in deep) + ".</p>")
    parts.append("</section>")
    return "".join(parts)


@dataclass(frozen=True)
class Kit:
    """What :func:`write_kit` wrote.

    Attributes
    ----------
    folder : pathlib.Path
        The output folder.
    notebooks : list of str
        Names of the notebooks in each edition.
    renderer : str
        The PDF renderer used (empty for ``learner_only``).
    guides_missing : list of str
        Notebooks without a trainer guide file.
    slides_untagged : list of str
        Notebooks without slide tags, whose decks are outlines of their headings.
    """

    folder: Path
    notebooks: list[str]
    renderer: str
    guides_missing: list[str]
    slides_untagged: list[str]


def write_kit(
    out: Path,
    notebooks: list[Path],
    *,
    glossary: Path | None = None,
    guide_folder: Path | None = None,
    learner_only: bool = False,
    force: bool = False,
    reveal_url_prefix: str | None = None,
    renderer: str = "auto",
) -> Kit:
    """Write the classroom kit (module documentation), whole or not at all.

    Parameters
    ----------
    out : pathlib.Path
        The folder to write; it must be new or empty unless ``force``, which
        replaces it.
    notebooks : list of pathlib.Path
        The instructor notebooks, in reading order.
    glossary : pathlib.Path, optional
        The glossary page copied beside the learner notebooks.
    guide_folder : pathlib.Path, optional
        Where ``NN-name.yaml`` guides are; default ``guide/`` beside the notebooks.
    learner_only : bool
        Write only the learner edition and its landing page, directly in
        ``out`` (what ``make lab`` and ``make reset`` use).
    force : bool
        Replace an existing ``out``.
    reveal_url_prefix : str, optional
        Where the decks load reveal.js from (see :func:`slides_html`).
    renderer : {"auto", "weasyprint", "chromium"}
        The PDF renderer (:func:`xsell_lab.lab.report.html_to_pdf`).

    Raises
    ------
    ClassroomError
        When a notebook or a guide breaks the contract; nothing is written.
    UsageError
        When ``out`` holds files and ``force`` is not given.
    """
    import nbformat

    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise UsageError(f"{out} already exists and is not empty; choose a new folder or add --force to replace it.")
    if not notebooks:
        raise UsageError("No notebooks to make a classroom kit from.")
    sources = {path: nbformat.read(path, as_version=4) for path in notebooks}
    learners = {path: learner_notebook(notebook, path.name) for path, notebook in sources.items()}
    guide_folder = guide_folder or notebooks[0].parent / "guide"
    guides = {path: read_guide(guide_folder / f"{path.stem}.yaml") if (guide_folder / f"{path.stem}.yaml").is_file() else None
              for path in notebooks}
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    renderer_used = ""
    try:
        learner_dir = partial if learner_only else partial / "learner"
        for path, notebook in learners.items():
            write_whole(learner_dir / path.name, nbformat.writes(notebook).encode("utf-8"))
        write_whole(learner_dir / LANDING_PAGE, _landing_notebook(landing_page(notebooks, repository_links=learner_only)))
        if glossary is not None:
            write_whole(learner_dir / GLOSSARY, glossary.read_bytes())
        if not learner_only:
            from xsell_lab.lab.report import html_to_pdf

            for path in notebooks:
                write_whole(partial / "instructor" / path.name, path.read_bytes())
                write_whole(partial / "slides" / f"{path.stem}.slides.html",
                            slides_html(sources[path], reveal_url_prefix).encode("utf-8"))
            if glossary is not None:
                write_whole(partial / "instructor" / GLOSSARY, glossary.read_bytes())
            solutions = "".join(_solutions_section(path, sources[path]) for path in notebooks)
            renderer_used = html_to_pdf(_document("Solutions to the exercises", solutions), partial / "solutions.pdf",
                                        renderer=renderer)
            guide = "".join(_guide_section(p, sources[p], guides[p], guide_folder / f"{p.stem}.yaml") for p in notebooks)
            html_to_pdf(_document("Trainer guide", guide), partial / "trainer-guide.pdf", renderer=renderer_used)
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        partial.rename(out)
    finally:
        if partial.exists():
            shutil.rmtree(partial)
    if learner_only:
        return Kit(out, [p.name for p in notebooks], renderer_used, [], [])
    return Kit(out, [p.name for p in notebooks], renderer_used, [p.name for p, g in guides.items() if g is None],
               [p.name for p, notebook in sources.items() if not has_slide_tags(notebook)])
