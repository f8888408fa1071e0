"""The ``xsell-lab`` command: run notebooks, make PDF reports, list notebooks.

Examples
--------
::

    xsell-lab init my-lab                           # a lab folder: notebooks, data, examples
    cd my-lab
    xsell-lab list
    xsell-lab run 01 -p region North -p start_date 2025-10-01
    xsell-lab report 10 -p region North --pdf
    xsell-lab report 10 --by region --pdf          # one PDF per region + an index
    xsell-lab report --all --pdf --force            # every notebook (what `make reports` does)

    xsell-lab import online-retail online_retail.csv.gz my_retail   # a public data set -> a data folder
    xsell-lab init-mapping export/*.csv --out mapping.yaml          # a starter mapping for your files
    xsell-lab check --data export --mapping mapping.yaml            # data-quality report and profile
    xsell-lab classroom course                                      # learner/instructor editions, slides, guide

Which notebooks a command uses is :data:`xsell_lab.lab.workspace.LAB_RULE`.

Exit status: 0 when everything was made, 1 when a notebook or a batch value
failed (the others are still made), 2 for a usage or parameter error (nothing
runs).

Only the standard library is imported up front, so ``--help``, ``list`` and
``init`` answer at once; running and rendering import papermill, pandas and
nbconvert when they start.
"""

from __future__ import annotations

import argparse
import difflib
import os
import signal
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from xsell_lab.exceptions import UsageError, XsellLabError
from xsell_lab.lab import workspace
from xsell_lab.lab.report.pdf import PAPER_SIZES, RENDERERS
from xsell_lab.lab.runner import (
    NotebookFormatError,
    ParameterError,
    describe_parameters,
    discover_notebooks,
    notebook_headline,
    read_notebook,
    read_parameters,
    validate_parameters,
)

if TYPE_CHECKING:
    import pandas as pd

    from xsell_lab.lab.report.batch import Job


def resolve_notebook(name: str, folder: Path | None = None) -> Path:
    """A notebook given as a path, or as a prefix of a name in ``notebooks/`` (``"10"``, ``"01-cross"``).

    ``folder`` defaults to ``notebooks/`` of the lab folder (:func:`xsell_lab.lab.workspace.lab_root`).
    """
    path = Path(name)
    if path.is_file():
        return path
    folder = folder or workspace.notebook_folder()
    matches = [nb for nb in discover_notebooks(folder) if nb.stem.startswith(name) or nb.name == name]
    if len(matches) == 1:
        return matches[0]
    available = ", ".join(nb.stem for nb in discover_notebooks(folder)) or "none"
    problem = "matches several notebooks" if matches else "is neither a file nor the start of a notebook name"
    raise UsageError(f"'{name}' {problem}. Notebooks in {folder}: {available}.")


def collect_parameters(args: argparse.Namespace) -> dict[str, object]:
    """Parameters from ``--params FILE.yaml``, then ``--data``/``--mapping``, then ``-p`` (later wins)."""
    values: dict[str, object] = {}
    for option, path in (("--params", args.params), ("--data", args.data), ("--mapping", args.mapping)):
        if path and not Path(path).exists():
            raise UsageError(f"{option} {path}: no such file or folder (working directory: {Path.cwd()}).")
    if args.params:
        import yaml

        try:
            loaded = yaml.safe_load(Path(args.params).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise UsageError(f"{args.params} is not valid YAML: {error}") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"{args.params} must hold 'name: value' lines; found a {type(loaded).__name__}.")
        values.update({str(name): value for name, value in loaded.items()})
    if args.data:
        values["data_path"] = str(Path(args.data).resolve())
    if args.mapping:
        values["mapping_path"] = str(Path(args.mapping).resolve())
    values.update(dict(args.parameter or []))
    return values


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="file, or start of a name in notebooks/ (e.g. 10)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                        help="set a parameter (repeatable); the value is converted to the declared type, never evaluated")
    parser.add_argument("--params", metavar="FILE.yaml", help="parameters from a YAML file of 'name: value' lines")
    parser.add_argument("--data", metavar="PATH", help="data folder or file (sets the data_path parameter)")
    parser.add_argument("--mapping", metavar="FILE", help="column mapping YAML (sets the mapping_path parameter)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: reports/ of the lab folder)")
    parser.add_argument("--force", action="store_true", help="replace existing outputs instead of writing versioned names")
    parser.add_argument("--all", action="store_true", help="every notebook in notebooks/")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``xsell-lab``."""
    parser = argparse.ArgumentParser(
        prog="xsell-lab", description=f"Run xsell-lab notebooks and make PDF reports. {workspace.LAB_RULE}",
        epilog="Exit status: 0 all made, 1 something failed, 2 usage or parameter error.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser(
        "init", help="create a lab folder: notebooks/, data/, examples/ and a README",
        description="Create a lab folder to work in, outside the repository: the notebooks, the bundled data, "
        "the examples and a README with the next commands. DIR must be new or empty unless --force.",
    )
    init.add_argument("folder", type=Path, metavar="DIR", help="the folder to create")
    init.add_argument("--force", action="store_true",
                      help="write into a folder that holds files; lab files of the same name are replaced and listed")
    listing = commands.add_parser("list", help="the notebooks with their questions and parameters")
    listing.add_argument("--notebooks", type=Path, default=None, help="notebook folder (default: notebooks/ of the lab folder)")
    run = commands.add_parser("run", help="execute notebooks into the output folder")
    _add_run_options(run)
    report = commands.add_parser("report", help="execute notebooks and render PDF reports")
    _add_run_options(report)
    report.add_argument("--pdf", action="store_true", help="render a PDF (what report always does)")
    report.add_argument("--by", metavar="COLUMN", help="one report per value of this column (a notebook parameter)")
    report.add_argument("--values", metavar="V1,V2", help="with --by: these values instead of all values in the data")
    report.add_argument("--jobs", type=int, default=None, help="parallel workers (default: CPU cores)")
    report.add_argument("--show-ids", action="store_true", help="show real customer ids (pseudonymised by default)")
    report.add_argument("--renderer", choices=RENDERERS, default="auto", help="PDF renderer (default: auto)")
    report.add_argument("--paper", choices=PAPER_SIZES, default="A4", help="page size (default: A4)")
    importing = commands.add_parser(
        "import", help="turn a public data set into a data folder (Parquet) with its cleaning report",
        description="Read a known public data set with its adapter (xsell_lab.data.adapters), clean it, and write "
        "a canonical data folder: one Parquet file per table and cleaning_report.md; the folder is written whole or "
        "not at all. Adapters: " + ", ".join(ADAPTERS) + ".",
    )
    importing.add_argument("adapter", choices=list(ADAPTERS), metavar="ADAPTER", help=", ".join(ADAPTERS))
    importing.add_argument("source", type=Path, metavar="SOURCE", help="the data set's file (or folder, for instacart)")
    importing.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="the data folder to write (new or empty)")
    importing.add_argument("--force", action="store_true", help="replace an existing data folder")
    starter = commands.add_parser(
        "init-mapping", help="write a starter column mapping guessed from your files",
        description="Guess canonical columns from the headers and a sample of each file (InvoiceNo -> order_id, "
        "dates by parsing) and write a commented YAML mapping to check and complete.",
    )
    starter.add_argument("files", nargs="+", type=Path, metavar="FILE", help="the export's files (CSV, .csv.gz, Parquet, Excel)")
    starter.add_argument("--out", type=Path, default=None, help="write the mapping here (default: print it)")
    starter.add_argument("--data", type=Path, default=None, metavar="DIR",
                         help="the data folder file names are relative to (default: the first file's folder)")
    starter.add_argument("--force", action="store_true", help="replace an existing --out file")
    check = commands.add_parser(
        "check", help="print the data-quality report and the profile of a data folder",
        description="Read a data folder (with its mapping), print per table rows, date range, missing values, "
        "duplicates, returns and what cleaning will do, then load it and print the profile. Exit status 0 when the "
        "data loads, 1 with the validation message when it does not.",
    )
    check.add_argument("--data", type=Path, required=True, metavar="DIR", help="the data folder")
    check.add_argument("--mapping", type=Path, default=None, metavar="FILE", help="its column mapping (YAML)")
    classroom = commands.add_parser(
        "classroom", help="a trainer's kit: learner and instructor editions, solutions PDF, slides, trainer guide",
        description="Write OUT/learner/ (solutions replaced by scaffolds, exercise outputs cleared, checks kept), "
        "OUT/instructor/, OUT/solutions.pdf, OUT/slides/NN-name.slides.html and OUT/trainer-guide.pdf from the "
        "tagged notebooks (tags: README, 'Running a course'). OUT is written whole or not at all.",
    )
    classroom.add_argument("out", type=Path, metavar="OUT", help="the folder to write (new or empty, or --force)")
    classroom.add_argument("--notebooks", type=Path, default=None, help="notebook folder (default: notebooks/ of the lab folder)")
    classroom.add_argument("--learner-only", action="store_true",
                           help="only the learner notebooks and START-HERE.ipynb, directly in OUT (what `make lab` uses)")
    classroom.add_argument("--force", action="store_true", help="replace OUT if it exists")
    classroom.add_argument("--reveal-url-prefix", metavar="URL_OR_DIR", default=None,
                           help="where the slides load reveal.js 4 from (default: a CDN, so showing them needs the internet)")
    classroom.add_argument("--renderer", choices=RENDERERS, default="auto", help="PDF renderer (default: auto)")
    return parser


def make_classroom(args: argparse.Namespace) -> str:
    """``xsell-lab classroom``: write the kit (:func:`xsell_lab.lab.classroom.write_kit`) and say what was written."""
    from xsell_lab.lab import classroom

    folder = args.notebooks or workspace.notebook_folder()
    glossary = folder / classroom.GLOSSARY
    kit = classroom.write_kit(
        args.out, discover_notebooks(folder), glossary=glossary if glossary.is_file() else None,
        learner_only=args.learner_only, force=args.force, reveal_url_prefix=args.reveal_url_prefix,
        renderer=args.renderer,
    )
    if args.learner_only:
        return f"Learner notebooks ({len(kit.notebooks)}) in {kit.folder}; open {kit.folder / classroom.LANDING_PAGE} first."
    lines = [f"Classroom kit for {len(kit.notebooks)} notebook(s) in {kit.folder}:",
             "  learner/            hand these out (solutions replaced by scaffolds, exercise outputs cleared)",
             "  instructor/         the notebooks with solutions",
             f"  solutions.pdf       every exercise with its solution  [{kit.renderer}]",
             "  slides/             one reveal.js deck per notebook (open in a browser)",
             "  trainer-guide.pdf   timing, discussion questions, expected answers"]
    if not args.reveal_url_prefix:
        lines.append("The slides load reveal.js from a CDN: showing them needs the internet (or --reveal-url-prefix).")
    if kit.slides_untagged:
        lines.append(f"No slide tags yet in: {', '.join(kit.slides_untagged)} (their decks outline the headings).")
    if kit.guides_missing:
        lines.append(f"No trainer guide yet for: {', '.join(kit.guides_missing)} (copy guide/TEMPLATE.yaml).")
    return "\n".join(lines)


#: ``xsell-lab import`` adapters: command name -> function name in :mod:`xsell_lab.data.adapters`.
ADAPTERS = {
    "online-retail": "online_retail",
    "instacart": "instacart",
    "cdnow": "cdnow",
    "groceries": "groceries",
    "hillstrom": "hillstrom",
}


def import_data(adapter: str, source: Path, out_dir: Path, force: bool = False) -> str:
    """Read a public data set with its adapter and write a data folder and its cleaning report.

    The tables are validated into a company first; the folder is written into
    a temporary sibling and renamed into place, so ``out_dir`` is whole or
    absent. ``cleaning_report.md`` in it lists every cleaning step with its
    row count.

    Returns
    -------
    str
        What was done: the tables and their rows, the period, the cleaning
        report, the data profile and the next commands.

    Raises
    ------
    UsageError
        When the source is absent, ``out_dir`` holds files (without
        ``force``), or the data set lacks a table every data folder needs
        (groceries: no customers or dates; hillstrom: no orders).
    """
    import shutil
    import tempfile

    from xsell_lab.data import adapters
    from xsell_lab.data import schema as s
    from xsell_lab.data.io import write_company
    from xsell_lab.exceptions import DataValidationError

    if not source.exists():
        raise UsageError(f"{source}: no such file or folder (working directory: {Path.cwd()}).")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())) and not force:
        raise UsageError(f"{out_dir} already exists and is not empty; choose a new folder or add --force to replace it.")
    try:
        data = getattr(adapters, ADAPTERS[adapter])(source)
    except (ValueError, FileNotFoundError, KeyError) as error:
        raise UsageError(f"{adapter}: cannot read {source}: {error}") from None
    missing = [name for name in s.REQUIRED_TABLES if name not in data.tables]
    if missing:
        raise UsageError(
            f"{adapter} gives the tables {', '.join(data.tables)} ({', '.join(f'{len(f):,} rows' for f in data.tables.values())}), "
            f"not {', '.join(missing)}, which every data folder needs: nothing written. Use its tables from Python "
            f"(xsell_lab.data.adapters.{ADAPTERS[adapter]}) together with your own."
        )
    try:
        company = data.to_company()
    except DataValidationError as error:
        raise UsageError(f"{adapter}: the cleaned tables do not make a data folder, nothing written:\n{error}") from None
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        write_company(company, partial)
        (partial / "cleaning_report.md").write_text(cleaning_report_markdown(adapter, source, data.report, company), encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir) if out_dir.is_dir() else out_dir.unlink()
        partial.rename(out_dir)
    finally:
        if partial.exists():
            shutil.rmtree(partial)
    first, last = company.orders["order_date"].min(), company.orders["order_date"].max()
    lines = [f"Imported {source} with the {adapter} adapter into {out_dir}:"]
    lines += [f"  {name:<12} {len(frame):>9,} rows" for name, frame in company.tables().items()]
    lines += [f"  orders from {first:%Y-%m-%d} to {last:%Y-%m-%d}; {company.customers.shape[0]:,} customers.",
              f"Cleaning report ({out_dir / 'cleaning_report.md'}):",
              _indented_table(data.report), "Data profile:", _indented_table(company.profile()),
              "Next:", f"  xsell-lab check --data {out_dir}", f"  xsell-lab run 01 --data {out_dir}"]
    return "\n".join(lines)


def cleaning_report_markdown(adapter: str, source: Path, report: pd.DataFrame, company) -> str:
    """The ``cleaning_report.md`` of an imported data folder: source, every step with its count, the tables."""
    rows = ["| table | step | rows | detail |", "|---|---|---:|---|"]
    rows += [f"| {r.table} | {r.step} | {r.rows:,} | {str(r.detail).replace('|', '/')} |" for r in report.itertuples(index=False)]
    tables = ["| table | rows |", "|---|---:|"] + [f"| {n} | {len(f):,} |" for n, f in company.tables().items()]
    return "\n".join([
        f"# Cleaning report: {source.name} ({adapter})", "",
        f"Made by `xsell-lab import {adapter} {source.name} ...` with `xsell_lab.data.adapters.{ADAPTERS[adapter]}`. "
        "Every row dropped, merged or repaired is counted below, in order.", "", *rows, "",
        "## Tables written (Parquet)", "", *tables, "",
    ])


def write_starter_mapping(files: list[Path], out: Path | None, data: Path | None, force: bool) -> str:
    """``xsell-lab init-mapping``: the starter mapping's text, written to ``out`` when given."""
    from xsell_lab.data.starter import starter_mapping

    absent = [str(f) for f in files if not f.is_file()]
    if absent:
        raise UsageError(f"{absent[0]}: no such file (working directory: {Path.cwd()}).")
    if out is not None and out.exists() and not force:
        raise UsageError(f"{out} already exists; choose another --out or add --force to replace it.")
    try:
        text = starter_mapping(files, data)
    except (ValueError, OSError) as error:
        raise UsageError(f"cannot read the files: {error}") from None
    if out is None:
        return text
    out.write_text(text, encoding="utf-8")
    return (f"{text}\nWrote this starter mapping to {out}. Read every guess, fill in each TODO, then:\n"
            f"  xsell-lab check --data {data or files[0].parent} --mapping {out}")


def check_data(data: Path, mapping: Path | None) -> tuple[str, int]:
    """``xsell-lab check``: the data-quality report and the profile, and the exit status (0 loads, 1 not)."""
    from xsell_lab.data.io import load_company, read_raw_tables
    from xsell_lab.data.quality import quality_report
    from xsell_lab.exceptions import DataValidationError, MappingError

    if not data.is_dir():
        raise UsageError(f"--data {data}: no such folder (working directory: {Path.cwd()}).")
    if mapping is not None and not mapping.is_file():
        raise UsageError(f"--mapping {mapping}: no such file (working directory: {Path.cwd()}).")
    lines = [f"Data folder {data}" + (f", mapping {mapping}" if mapping else "") + "."]
    try:
        raw = read_raw_tables(data, mapping)
    except (DataValidationError, MappingError, FileNotFoundError) as error:
        return "\n".join([*lines, "The data cannot be read:", str(error)]), 1
    lines += ["Data-quality report (counts before cleaning):", _indented_table(quality_report(raw))]
    try:
        company = load_company(data, mapping)
    except (DataValidationError, MappingError, FileNotFoundError) as error:
        return "\n".join([*lines, "The data does not load:", str(error)]), 1
    first, last = company.orders["order_date"].min(), company.orders["order_date"].max()
    lines += [f"The data loads: {len(company.customers):,} customers, {len(company.orders):,} orders from "
              f"{first:%Y-%m-%d} to {last:%Y-%m-%d}, {len(company.products):,} products.",
              "Data profile:", _indented_table(company.profile()),
              "Next:", f"  xsell-lab run 01 --data {data}" + (f" --mapping {mapping}" if mapping else "")]
    return "\n".join(lines), 0


def _indented_table(frame: pd.DataFrame) -> str:
    import pandas as pd

    with pd.option_context("display.max_colwidth", 90, "display.width", 250, "display.max_rows", 500):
        return textwrap.indent(frame.to_string(index=False), "  ")


def list_notebooks(folder: Path | None) -> str:
    """The text of ``xsell-lab list`` (reads the notebooks' JSON; nothing heavy is imported)."""
    blocks = []
    for notebook in discover_notebooks(folder):
        title, _, question = notebook_headline(read_notebook(notebook))
        blocks.append(
            f"{notebook.stem}\n  {title}" + (f"\n  Question: {question}" if question else "")
            + "\n  Parameters:\n" + textwrap.indent(describe_parameters(read_parameters(notebook)), "  ")
        )
    return "\n\n".join(blocks) or "No notebooks found."


def make_lab(folder: Path, force: bool) -> str:
    """Create a lab folder (:func:`xsell_lab.lab.workspace.init_lab`) and say what was done and what next."""
    result = workspace.init_lab(folder, force=force)
    lines = [f"Lab folder {result.folder}: {len(result.created)} file(s) created"
             + (f", {len(result.unchanged)} already there unchanged" if result.unchanged else "") + "."]
    if result.replaced:
        lines.append(f"Replaced {len(result.replaced)} file(s) that differed (--force):")
        lines += [f"  {path}" for path in result.replaced]
    lines += ["Next:", f"  cd {result.folder}", "  xsell-lab list", "  xsell-lab run 01",
              "  xsell-lab report 10", "  jupyter lab", "See README.md there for using your own data."]
    return "\n".join(lines)


def output_folder(args: argparse.Namespace) -> Path:
    """``--out``, or ``reports/`` of the lab folder (:func:`xsell_lab.lab.workspace.lab_root`)."""
    return args.out if args.out is not None else workspace.lab_root() / "reports"


def plan_jobs(args: argparse.Namespace, pdf: bool) -> list[Job]:
    """Validate everything the command line asks for and turn it into jobs (nothing runs yet)."""
    if args.all == bool(args.notebooks):
        raise UsageError("Name one or more notebooks, or use --all (not both).")
    notebooks = discover_notebooks() if args.all else [resolve_notebook(name) for name in args.notebooks]
    values = collect_parameters(args)
    by = getattr(args, "by", None)
    planned = []  # (notebook, label, checked parameters)
    for notebook in notebooks:
        checked = checked_parameters(notebook, values)
        if not by:
            planned.append((notebook, notebook.stem, checked))
            continue
        for value in _batch_values(notebook, by, checked, args.values):
            planned.append((notebook, value, validate_parameters(notebook, {**checked, by: value})))
    from xsell_lab.lab.report.batch import (  # heavy (pandas, nbconvert): only once the input is valid
        Job,
        report_stem,
    )
    from xsell_lab.lab.report.render import new_pseudonym_key

    common = dict(out_dir=output_folder(args), pdf=pdf, force=args.force, show_ids=getattr(args, "show_ids", False),
                  pseudonym_key=new_pseudonym_key(), renderer=getattr(args, "renderer", "auto"),
                  paper=getattr(args, "paper", "A4"))
    return [Job(notebook, label, one, report_stem(notebook, one), **common) for notebook, label, one in planned]


def checked_parameters(notebook: Path, values: dict[str, object]) -> dict[str, object]:
    """:func:`~xsell_lab.lab.runner.validate_parameters`, with a "did you mean" hint for misspelt names.

    Raises
    ------
    ParameterError
        As ``validate_parameters``; an unknown name close to a declared one
        gets ``(did you mean 'region'?)`` on the first line of the message.
    """
    try:
        return validate_parameters(notebook, values)
    except ParameterError as error:
        declared = [parameter.name for parameter in read_parameters(notebook)]
        headline, _, rest = str(error).partition("\n")
        for name in values:
            close = difflib.get_close_matches(name, declared, n=1) if name not in declared else []
            if close:
                headline = headline.replace(repr(name), f"{name!r} (did you mean {close[0]!r}?)", 1)
        raise ParameterError(f"{headline}\n{rest}" if rest else headline) from None


def _data_folder(notebook: Path, parameters: dict[str, object]) -> Path | None:
    """The data folder a run of the notebook reads (None when it has no ``data_path`` parameter)."""
    defaults = {parameter.name: parameter.default for parameter in read_parameters(notebook)}
    if "data_path" not in defaults:
        return None
    data = parameters.get("data_path", defaults["data_path"].strip("\"'"))
    return (notebook.resolve().parent / str(data)).resolve()


def _batch_values(notebook: Path, column: str, parameters: dict[str, object], given: str | None) -> list[str]:
    from xsell_lab.lab.report.batch import column_values

    declared = read_parameters(notebook)
    if column not in {parameter.name for parameter in declared}:
        raise ParameterError(
            f"--by {column}: {notebook.name} has no parameter '{column}' to filter on.\n"
            f"Allowed parameters:\n{describe_parameters(declared)}"
        )
    if given:
        return [value.strip() for value in given.split(",") if value.strip()]
    folder = _data_folder(notebook, parameters)
    if folder is None:
        raise UsageError(f"{notebook.name} has no data_path parameter; give the values with --values.")
    try:
        return column_values(folder, column, parameters.get("mapping_path") or None)
    except (ValueError, FileNotFoundError, XsellLabError) as error:
        raise UsageError(str(error)) from None


def _print_results(results: pd.DataFrame, out: Path) -> None:
    width = max(len(str(label)) for label in results["label"])
    for row in results.itertuples(index=False):
        made = row.pdf or row.executed
        status = f"-> {made}" + (f"  [{row.renderer}]" if row.renderer else "") if not row.error else "FAILED"
        print(f"{row.label:<{width}}  {row.seconds:6.1f} s  {status}")
    failures = results[results["error"] != ""]
    for row in failures.itertuples(index=False):
        print(f"\nFAILED {row.label}:\n{row.error}", file=sys.stderr)
    renderers = sorted({r for r in results["renderer"] if r})
    if renderers:
        print(f"PDF renderer: {', '.join(renderers)}")
    print(f"Reports are in {out.resolve()} ({len(results) - len(failures)} made, {len(failures)} failed).")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``xsell-lab`` and ``python -m xsell_lab``.

    A reader that stops early (``xsell-lab list | head``) ends the command quietly, with the
    shell's status for a closed pipe (141), instead of a ``BrokenPipeError`` traceback; SIGTERM
    ends it with status 143 after cleaning up, as SIGINT does.
    """
    signal.signal(signal.SIGTERM, _terminated)
    try:
        return _main(argv)
    except BrokenPipeError:
        # Python would report the broken pipe again when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM ends the command like Ctrl-C does: every ``finally`` runs, so no temporary file is left behind."""
    raise SystemExit(128 + signum)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "list":
            print(list_notebooks(args.notebooks))
            return 0
        if args.command == "init":
            print(make_lab(args.folder, args.force))
            return 0
        if args.command == "import":
            print(import_data(args.adapter, args.source, args.out_dir, args.force))
            return 0
        if args.command == "init-mapping":
            print(write_starter_mapping(args.files, args.out, args.data, args.force))
            return 0
        if args.command == "classroom":
            print(make_classroom(args))
            return 0
        if args.command == "check":
            text, status = check_data(args.data, args.mapping)
            print(text, file=sys.stdout if status == 0 else sys.stderr)
            return status
        jobs = plan_jobs(args, pdf=args.command == "report")
    except (UsageError, ParameterError, NotebookFormatError, FileNotFoundError, FileExistsError,
            NotADirectoryError) as error:
        print(f"xsell-lab: error: {error}", file=sys.stderr)
        return 2
    return _run(jobs, args)


def _run(jobs: list[Job], args: argparse.Namespace) -> int:
    """Make the planned reports, the index of a ``--by`` batch, and print the outcome."""
    from xsell_lab.lab.report.batch import run_jobs, write_index
    from xsell_lab.lab.report.render import report_customer_ids

    out = jobs[0].out_dir
    results = run_jobs(jobs, workers=getattr(args, "jobs", None) or (1 if len(jobs) == 1 else None))
    if getattr(args, "by", None):
        first = jobs[0]
        title, _, _ = notebook_headline(read_notebook(first.notebook))
        try:
            customer_ids = frozenset() if first.show_ids else report_customer_ids(first.notebook, first.parameters)
        except (FileNotFoundError, XsellLabError) as error:
            print(f"No index: the customer ids to pseudonymise could not be read ({error}).", file=sys.stderr)
            _print_results(results, out)
            return 1
        index = write_index(
            results, out, f"{first.notebook.stem}--by-{args.by}--index", title=f"{title}: one report per {args.by}",
            by=args.by, data_path=_data_folder(first.notebook, dict(first.parameters)), force=args.force,
            renderer=args.renderer, show_ids=first.show_ids, pseudonym_key=first.pseudonym_key,
            customer_ids=customer_ids,
        )
        print(f"Index: {index}")
    _print_results(results, out)
    return 1 if (results["error"] != "").any() else 0

if __name__ == "__main__":
    sys.exit(main())
