"""Execute notebooks with papermill: parameters checked first, outputs written whole.

A notebook declares its parameters in one cell tagged ``parameters``, one
literal per line, ``name: type = value  # comment``. :func:`read_parameters`
(and its table form :func:`notebook_parameters`) reads that cell without
running it, :func:`validate_parameters` checks and converts the values a user
passes against it, and :func:`execute_notebook` runs the notebook into a report
folder.

Reading a notebook's parameters and headline needs only the standard library
(the notebook is JSON), so ``xsell-lab list`` and the checks before a run start
at once; pandas and papermill are imported by the functions that use
them.

Safety rules
------------
* Values are *converted* (``int("3")``, ``float("0.5")``, ``"yes" -> True``),
  never evaluated as code; papermill writes them into the notebook as escaped
  literals.
* The executed notebook is written to a temporary file in the target folder and
  moved into place with :func:`os.replace` only when the run succeeded, so a
  crash never leaves a half-written report under the final name. A failed run
  is kept as ``<name>.failed.ipynb`` for debugging.
* An existing report is never overwritten silently: without ``force`` the next
  free versioned name (``name.v2.ipynb``, ``name.v3.ipynb``, ...) is used.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import io
import json
import os
import re
import tempfile
import tokenize
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from xsell_lab._files import current_umask
from xsell_lab.exceptions import (
    NotebookExecutionError,
    NotebookFormatError,
    ParameterError,
)
from xsell_lab.lab import workspace

if TYPE_CHECKING:
    import pandas as pd

#: Kernel every notebook runs on (installed by ``make venv``).
KERNEL_NAME = "python3"

#: Matplotlib backend of the kernel. ``make`` exports ``MPLBACKEND=Agg`` for
#: scripts; a kernel that inherited it would draw no inline figures at all.
KERNEL_MPLBACKEND = "module://matplotlib_inline.backend_inline"

_TITLE = re.compile(r"^#\s+(?:(?P<number>\d+)\s*·\s*)?(?P<title>.+?)\s*$", re.MULTILINE)
#: The business question: the paragraph starting with **Business question:** (it may span lines; a blank line ends it).
_QUESTION = re.compile(r"\*\*Business question:\*\*\s*(?P<question>.*?)(?:\n[ \t]*\n|\Z)", re.DOTALL)
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_SCALAR_TYPES = {"str": str, "int": int, "float": float, "bool": bool}


class Parameter(NamedTuple):
    """One parameter a notebook declares (see :func:`read_parameters`)."""

    name: str
    type: str
    default: str
    help: str


#: Columns of :func:`notebook_parameters`.
PARAMETER_COLUMNS = list(Parameter._fields)


def discover_notebooks(folder: str | os.PathLike | None = None) -> list[Path]:
    """The notebooks of a folder in reading order (sorted by file name).

    Parameters
    ----------
    folder : str or path-like, optional
        Defaults to ``notebooks/`` of the lab folder (:func:`xsell_lab.lab.workspace.lab_root`).

    Returns
    -------
    list of pathlib.Path
        ``*.ipynb`` files, checkpoints excluded.
    """
    folder = Path(folder) if folder is not None else workspace.notebook_folder()
    if not folder.is_dir():
        raise FileNotFoundError(f"Notebook folder '{folder}' does not exist.")
    return sorted(path for path in folder.glob("*.ipynb") if not path.name.startswith("."))


def read_notebook(notebook: str | os.PathLike) -> dict:
    """A notebook file as plain JSON, each cell's ``source`` joined into one string.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    NotebookFormatError
        When it is not JSON or not notebook format 4.
    """
    path = Path(notebook)
    if not path.is_file():
        raise FileNotFoundError(f"Notebook '{path}' does not exist.")
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise NotebookFormatError(f"'{path}' is not a Jupyter notebook (not JSON: {error}).") from None
    if not isinstance(content, dict) or content.get("nbformat") != 4 or not isinstance(content.get("cells"), list):
        raise NotebookFormatError(
            f"'{path}' is not a Jupyter notebook of format 4; open and save it in JupyterLab to convert it."
        )
    for cell in content["cells"]:
        source = cell.get("source", "")
        cell["source"] = "".join(source) if isinstance(source, list) else source
    return content


def notebook_headline(notebook: Mapping) -> tuple[str, str, str]:
    """Title, number and business question from the first ``# NN · Title`` markdown cell.

    The question is the whole ``**Business question:**`` paragraph of that cell, its lines
    joined by single spaces (a paragraph ends at a blank line).

    Parameters
    ----------
    notebook : mapping
        A notebook from :func:`read_notebook` or ``nbformat.read``.
    """
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        heading = _TITLE.search(cell["source"])
        if heading:
            question = _QUESTION.search(cell["source"])
            return heading["title"], heading["number"] or "", " ".join(question["question"].split()) if question else ""
    return "Report", "", ""


def read_parameters(notebook: str | os.PathLike) -> list[Parameter]:
    """The parameters a notebook declares in its ``parameters`` cell.

    The cell is parsed with :mod:`ast` and :mod:`tokenize` (nothing is
    executed). papermill's ``inspect_notebook`` is not used: its line regex
    drops parameters whose comment holds an ``=`` (``# ("" = no mapping)``).

    Parameters
    ----------
    notebook : str or path-like
        The ``.ipynb`` file.

    Returns
    -------
    list of Parameter
        In the cell's order: ``name``, ``type`` (the annotation, e.g.
        ``"str"``; for an unannotated literal its Python type; ``"None"`` when
        unknown), ``default`` (the value as written), ``help`` (the comment at
        the end of its line). Empty without a ``parameters`` cell.
    """
    cells = [c for c in read_notebook(notebook)["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return []
    source = cells[0]["source"]
    comments = {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    parameters = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, type_name = node.target.id, ast.unparse(node.annotation)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, type_name = node.targets[0].id, _literal_type(node.value)
        else:
            continue
        default = ast.get_source_segment(source, node.value)
        parameters.append(Parameter(name, type_name, default, comments.get(node.end_lineno, "")))
    return parameters


def notebook_parameters(notebook: str | os.PathLike) -> pd.DataFrame:
    """:func:`read_parameters` as a table.

    Returns
    -------
    pandas.DataFrame
        One row per parameter, columns :data:`PARAMETER_COLUMNS`: ``name``,
        ``type``, ``default`` and ``help``.
    """
    import pandas as pd

    return pd.DataFrame(read_parameters(notebook), columns=PARAMETER_COLUMNS)


def _literal_type(value: ast.expr) -> str:
    try:
        return type(ast.literal_eval(value)).__name__
    except ValueError:
        return "None"


def describe_parameters(parameters: Iterable[Parameter] | pd.DataFrame) -> str:
    """Human-readable list of declared parameters, one per line.

    Parameters
    ----------
    parameters : iterable of Parameter, or pandas.DataFrame
        From :func:`read_parameters`, or the table of :func:`notebook_parameters`.
    """
    rows = list(parameters.itertuples(index=False) if hasattr(parameters, "itertuples") else parameters)
    if not rows:
        return "  (this notebook declares no parameters)"
    return "\n".join(
        f"  {row.name}: {row.type} = {row.default}" + (f"  # {row.help}" if row.help else "")
        for row in rows
    )


#: An ISO date, as a date parameter's default or value is written.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Values a date parameter may take besides a date: "the data's own" (empty) and "chosen from the data".
_DATE_WORDS = ("", "auto")


def convert_value(name: str, value: object, type_name: str, default: str | None = None) -> object:
    """Convert one value to the declared type without evaluating it, and check its range.

    Strings (from the command line) are parsed: ``int`` and ``float`` by their
    constructors, ``bool`` from true/false/yes/no/1/0/on/off. Values that are
    already of the right type (from a YAML file) pass through; an ``int`` is
    accepted for a ``float``. A date parameter (named ``*_date``, or whose
    ``default`` is an ISO date) must be an ISO date, empty or ``auto``. A number
    whose default is 0 or more (every count, number of days, share, rate and
    cost of the notebooks) must be 0 or more. A ``list`` takes a list (YAML) or
    comma-separated text, its items of the type of the default's items.

    Raises
    ------
    ParameterError
        When the value does not fit the type or the range.
    """
    target = _SCALAR_TYPES.get(type_name.strip())
    if type_name.strip() == "list":
        return _list_value(name, value, default)
    if target is None:
        converted = value
    elif isinstance(value, str) and target is not str:
        converted = _parse_text(name, value, target)
    elif target is float and isinstance(value, int) and not isinstance(value, bool):
        converted = float(value)
    elif isinstance(value, target) and not (target is int and isinstance(value, bool)):
        converted = value
    else:
        raise ParameterError(
            f"Parameter '{name}' must be of type {type_name}; got {value!r} ({type(value).__name__})."
        )
    default_text = (default or "").strip().strip("\"'")
    is_date = name.endswith("_date") or bool(_ISO_DATE.fullmatch(default_text))
    if is_date and isinstance(converted, str) and converted.strip().lower() not in _DATE_WORDS:
        try:
            dt.date.fromisoformat(converted)
        except ValueError:
            raise ParameterError(f"Parameter '{name}' must be a date like 2024-12-31; got {converted!r}.") from None
    if target in (int, float) and not isinstance(converted, bool) and converted < 0 and _non_negative(default_text):
        raise ParameterError(f"Parameter '{name}' is a count, a length of time, a share or an amount: 0 or more; got {converted!r}.")
    return converted


def _list_value(name: str, value: object, default: str | None) -> list:
    """A list parameter's value: a list as given (YAML), or comma-separated text (``-p markdown_months 11,12``).

    Items take the type of the default's items (``[11, 12]``: whole numbers), text when the default is empty.
    """
    try:
        example = ast.literal_eval(default) if default else []
    except (ValueError, SyntaxError):
        example = []
    item_type = type(example[0]) if isinstance(example, list) and example else str
    items = [item.strip() for item in value.split(",") if item.strip()] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ParameterError(f"Parameter '{name}' is a list: give its items separated by commas (e.g. {default or 'a,b'}); got {value!r}.")
    try:
        return [item_type(item) if not isinstance(item, item_type) else item for item in items]
    except (TypeError, ValueError):
        kind = "whole numbers" if item_type is int else f"{item_type.__name__} values"
        raise ParameterError(f"Parameter '{name}' is a list of {kind} (default {default}); got {value!r}.") from None


def _non_negative(default: str) -> bool:
    try:
        return float(default) >= 0
    except ValueError:
        return False


def _parse_text(name: str, text: str, target: type) -> object:
    if target is bool:
        lowered = text.strip().lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise ParameterError(f"Parameter '{name}' must be true or false; got {text!r}.")
    try:
        return target(text)
    except ValueError:
        raise ParameterError(f"Parameter '{name}' must be of type {target.__name__}; got {text!r}.") from None


def validate_parameters(notebook: str | os.PathLike, values: Mapping[str, object]) -> dict[str, object]:
    """Check values against a notebook's declared parameters and convert them.

    Parameters
    ----------
    notebook : str or path-like
        The ``.ipynb`` file.
    values : mapping of str to object
        Parameter values by name; strings are converted to the declared type.

    Returns
    -------
    dict
        The converted values, in the order given.

    Raises
    ------
    ParameterError
        Naming the offending parameter(s) and listing every allowed parameter
        with its type, default and comment.
    """
    declared = read_parameters(notebook)
    types = {parameter.name: parameter.type for parameter in declared}
    defaults = {parameter.name: parameter.default for parameter in declared}
    unknown = [name for name in values if name not in types]
    if unknown:
        raise ParameterError(
            f"Unknown parameter(s) for {Path(notebook).name}: {', '.join(map(repr, unknown))}.\n"
            f"Allowed parameters:\n{describe_parameters(declared)}"
        )
    try:
        return {name: convert_value(name, value, types[name], defaults[name]) for name, value in values.items()}
    except ParameterError as error:
        raise ParameterError(f"{error}\nAllowed parameters:\n{describe_parameters(declared)}") from None


def slug(text: object) -> str:
    """A file-name-safe version of a parameter value (``"North East"`` -> ``"north-east"``, ``"Süd"`` -> ``"sud"``).

    Accented letters lose their accents (Unicode NFKD, then ASCII); other characters become dashes.
    """
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()
    return cleaned or "empty"


def output_path(
    out_dir: str | os.PathLike, stem: str, suffix: str, *, force: bool = False
) -> Path:
    """Where to write a report without overwriting an existing one silently.

    Parameters
    ----------
    out_dir : str or path-like
        Report folder.
    stem : str
        File name without suffix, e.g. ``"00-welcome"``.
    suffix : str
        ``".ipynb"`` or ``".pdf"``.
    force : bool
        Reuse ``stem + suffix`` even when it exists (it will be replaced).

    Returns
    -------
    pathlib.Path
        ``stem + suffix`` when free or forced, else the first free
        ``stem.vN + suffix`` with N >= 2.
    """
    folder = Path(out_dir)
    candidate = folder / f"{stem}{suffix}"
    version = 2
    while candidate.exists() and not force:
        candidate = folder / f"{stem}.v{version}{suffix}"
        version += 1
    return candidate


@contextlib.contextmanager
def kernel_environment(extra: Mapping[str, str] | None = None) -> Iterator[None]:
    """Environment variables the kernel inherits while a notebook runs.

    Sets :data:`KERNEL_MPLBACKEND` (so figures are drawn inline even under
    ``MPLBACKEND=Agg``) plus ``extra``; restores the previous values after.
    """
    wanted = {"MPLBACKEND": KERNEL_MPLBACKEND, **(extra or {})}
    previous = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def execute_notebook(
    notebook: str | os.PathLike,
    out_dir: str | os.PathLike = "reports",
    parameters: Mapping[str, object] | None = None,
    *,
    stem: str | None = None,
    force: bool = False,
    progress: bool = True,
    kernel_env: Mapping[str, str] | None = None,
) -> Path:
    """Run a notebook with papermill and write the executed copy atomically.

    The notebook runs with its own folder as working directory (so
    ``../data`` means the bundled data), on kernel :data:`KERNEL_NAME`.

    Parameters
    ----------
    notebook : str or path-like
        The ``.ipynb`` file to run.
    out_dir : str or path-like
        Report folder, created if needed.
    parameters : mapping, optional
        Parameter values; checked and converted by :func:`validate_parameters`.
    stem : str, optional
        Output file name without suffix; defaults to the notebook's.
    force : bool
        Replace an existing report of the same name instead of versioning.
    progress : bool
        Show papermill's per-cell progress bar.
    kernel_env : mapping of str to str, optional
        Extra environment variables for the kernel (see :func:`kernel_environment`).

    Returns
    -------
    pathlib.Path
        The executed notebook.

    Raises
    ------
    ParameterError
        Before anything runs, when a parameter is unknown or of the wrong type.
    NotebookExecutionError
        When a cell fails; the partial notebook is kept as ``<stem>.failed.ipynb``.
    """
    import papermill

    source = Path(notebook).resolve()
    values = validate_parameters(source, parameters or {})
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem or source.stem
    handle, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{stem}.", suffix=".tmp.ipynb")
    os.close(handle)
    tmp = Path(tmp_name)
    tmp.chmod(0o666 & ~current_umask())
    try:
        with kernel_environment(kernel_env):
            papermill.execute_notebook(
                str(source),
                str(tmp),
                parameters=values,
                kernel_name=KERNEL_NAME,
                cwd=str(source.parent),
                progress_bar=progress,
                # the kernel's own log (transport notices, the interrupt at shutdown) is noise to a report reader
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        target = output_path(folder, stem, ".ipynb", force=force)
        os.replace(tmp, target)
    except papermill.PapermillExecutionError as error:
        failed = folder / f"{stem}.failed.ipynb"
        os.replace(tmp, failed)
        raise NotebookExecutionError(
            f"{source.name} failed in cell {error.exec_count}: {error.ename}: {error.evalue}\n"
            f"The executed cells are in {failed}.",
            failed,
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    return target
