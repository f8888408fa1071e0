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
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from xsell_lab.exceptions import UsageError
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
    return parser


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
        return column_values(folder, column)
    except (ValueError, FileNotFoundError) as error:
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
    """Entry point of ``xsell-lab`` and ``python -m xsell_lab``."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "list":
            print(list_notebooks(args.notebooks))
            return 0
        if args.command == "init":
            print(make_lab(args.folder, args.force))
            return 0
        jobs = plan_jobs(args, pdf=args.command == "report")
    except (UsageError, ParameterError, NotebookFormatError, FileNotFoundError, FileExistsError,
            NotADirectoryError) as error:
        print(f"xsell-lab: error: {error}", file=sys.stderr)
        return 2
    return _run(jobs, args)


def _run(jobs: list[Job], args: argparse.Namespace) -> int:
    """Make the planned reports, the index of a ``--by`` batch, and print the outcome."""
    from xsell_lab.lab.report.batch import run_jobs, write_index

    out = jobs[0].out_dir
    results = run_jobs(jobs, workers=getattr(args, "jobs", None) or (1 if len(jobs) == 1 else None))
    if getattr(args, "by", None):
        first = jobs[0]
        title, _, _ = notebook_headline(read_notebook(first.notebook))
        index = write_index(
            results, out, f"{first.notebook.stem}--by-{args.by}--index", title=f"{title}: one report per {args.by}",
            by=args.by, data_path=_data_folder(first.notebook, dict(first.parameters)), force=args.force,
            renderer=args.renderer,
        )
        print(f"Index: {index}")
    _print_results(results, out)
    return 1 if (results["error"] != "").any() else 0

if __name__ == "__main__":
    sys.exit(main())
