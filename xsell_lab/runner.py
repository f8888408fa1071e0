"""Execute notebooks with papermill: parameters checked first, outputs written whole.

A notebook declares its parameters in one cell tagged ``parameters``, one
literal per line, ``name: type = value  # comment``. :func:`notebook_parameters`
reads that cell without running it, :func:`validate_parameters`
checks and converts the values a user passes against it, and
:func:`execute_notebook` runs the notebook into a report folder.

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

``python -m xsell_lab.runner --out reports`` executes every notebook in
``notebooks/`` (the same as ``xsell-lab run --all --out reports``).
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import io
import os
import re
import sys
import tempfile
import tokenize
from collections.abc import Iterator, Mapping
from pathlib import Path

import nbformat
import pandas as pd
import papermill

#: Columns of :func:`notebook_parameters`.
PARAMETER_COLUMNS = ["name", "type", "default", "help"]

#: Kernel every notebook runs on (installed by ``make venv``).
KERNEL_NAME = "python3"

#: Matplotlib backend of the kernel. ``make`` exports ``MPLBACKEND=Agg`` for
#: scripts; a kernel that inherited it would draw no inline figures at all.
KERNEL_MPLBACKEND = "module://matplotlib_inline.backend_inline"

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_SCALAR_TYPES = {"str": str, "int": int, "float": float, "bool": bool}


class ParameterError(ValueError):
    """A parameter the notebook does not declare, or a value of the wrong type."""


class NotebookExecutionError(RuntimeError):
    """A notebook raised an error while running; ``failed_path`` keeps the executed cells."""

    def __init__(self, message: str, failed_path: Path | None):
        super().__init__(message)
        self.failed_path = failed_path


def repo_root() -> Path:
    """The folder holding ``notebooks/`` and ``data/`` (the parent of the package)."""
    return Path(__file__).resolve().parents[1]


def discover_notebooks(folder: str | os.PathLike | None = None) -> list[Path]:
    """The notebooks of a folder in reading order (sorted by file name).

    Parameters
    ----------
    folder : str or path-like, optional
        Defaults to ``notebooks/`` of the repository.

    Returns
    -------
    list of pathlib.Path
        ``*.ipynb`` files, checkpoints excluded.
    """
    folder = Path(folder) if folder is not None else repo_root() / "notebooks"
    if not folder.is_dir():
        raise FileNotFoundError(f"Notebook folder '{folder}' does not exist.")
    return sorted(path for path in folder.glob("*.ipynb") if not path.name.startswith("."))


def notebook_parameters(notebook: str | os.PathLike) -> pd.DataFrame:
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
    pandas.DataFrame
        One row per parameter, columns :data:`PARAMETER_COLUMNS`: ``name``,
        ``type`` (the annotation, e.g. ``"str"``; for an unannotated literal
        its Python type; ``"None"`` when unknown), ``default`` (the value as
        written), ``help`` (the comment at the end of its line).
    """
    path = Path(notebook)
    if not path.is_file():
        raise FileNotFoundError(f"Notebook '{path}' does not exist.")
    cells = [c for c in nbformat.read(path, as_version=4).cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return pd.DataFrame(columns=PARAMETER_COLUMNS)
    source = cells[0].source
    comments = {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    rows = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, type_name = node.target.id, ast.unparse(node.annotation)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, type_name = node.targets[0].id, _literal_type(node.value)
        else:
            continue
        rows.append(
            {
                "name": name,
                "type": type_name,
                "default": ast.get_source_segment(source, node.value),
                "help": comments.get(node.end_lineno, ""),
            }
        )
    return pd.DataFrame(rows, columns=PARAMETER_COLUMNS)


def _literal_type(value: ast.expr) -> str:
    try:
        return type(ast.literal_eval(value)).__name__
    except ValueError:
        return "None"


def describe_parameters(parameters: pd.DataFrame) -> str:
    """Human-readable list of declared parameters, one per line."""
    if parameters.empty:
        return "  (this notebook declares no parameters)"
    return "\n".join(
        f"  {row.name}: {row.type} = {row.default}" + (f"  # {row.help}" if row.help else "")
        for row in parameters.itertuples(index=False)
    )


def convert_value(name: str, value: object, type_name: str) -> object:
    """Convert one value to the declared type without evaluating it.

    Strings (from the command line) are parsed: ``int`` and ``float`` by their
    constructors, ``bool`` from true/false/yes/no/1/0/on/off. Values that are
    already of the right type (from a YAML file) pass through; an ``int`` is
    accepted for a ``float``. Parameters named ``*_date`` must be ISO dates.

    Raises
    ------
    ParameterError
        When the value does not fit the type.
    """
    target = _SCALAR_TYPES.get(type_name.strip())
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
    if name.endswith("_date") and isinstance(converted, str):
        try:
            dt.date.fromisoformat(converted)
        except ValueError:
            raise ParameterError(f"Parameter '{name}' must be a date like 2024-12-31; got {converted!r}.") from None
    return converted


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
    declared = notebook_parameters(notebook)
    types = dict(zip(declared["name"], declared["type"], strict=True))
    unknown = [name for name in values if name not in types]
    if unknown:
        raise ParameterError(
            f"Unknown parameter(s) for {Path(notebook).name}: {', '.join(map(repr, unknown))}.\n"
            f"Allowed parameters:\n{describe_parameters(declared)}"
        )
    try:
        return {name: convert_value(name, value, types[name]) for name, value in values.items()}
    except ParameterError as error:
        raise ParameterError(f"{error}\nAllowed parameters:\n{describe_parameters(declared)}") from None


def slug(text: object) -> str:
    """A file-name-safe version of a parameter value (``"North East"`` -> ``"north-east"``)."""
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-").lower()
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
    source = Path(notebook).resolve()
    values = validate_parameters(source, parameters or {})
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem or source.stem
    handle, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{stem}.", suffix=".tmp.ipynb")
    os.close(handle)
    tmp = Path(tmp_name)
    tmp.chmod(_file_mode())
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


def _file_mode() -> int:
    """Permissions of a new ordinary file under the current umask (mkstemp makes 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def main(argv: list[str] | None = None) -> int:
    """``python -m xsell_lab.runner [--out DIR] [--force]``: ``xsell-lab run --all`` (every notebook, no PDF)."""
    from xsell_lab.cli import main as cli_main  # the command line lives in cli; cli imports this module

    return cli_main(["run", "--all", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
