"""Every error and warning the lab raises, in one place.

Each class derives from :class:`XsellLabError` (or :class:`XsellLabWarning`) *and*
from the built-in exception a Python programmer would expect (``ValueError`` for bad
input, ``RuntimeError`` for a computation that failed, ...), so both
``except XsellLabError`` and ``except ValueError`` catch them. This module imports
nothing from the lab: every layer may raise these (scikit-learn keeps its errors the
same way, in ``sklearn.exceptions``).

The modules that raise an error also re-export it (``xsell_lab.data.validation.DataValidationError``
is this module's class), so ``except`` clauses written against either path work.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

_ROW_NUMBERS = re.compile(r"\brows? \d")


class XsellLabError(Exception):
    """Base class of every error raised by xsell-lab."""


class XsellLabWarning(UserWarning):
    """Base class of every warning issued by xsell-lab."""


# --- input data -------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a table: where, which rule, how many rows, an example."""

    table: str
    column: str
    rule: str
    count: int
    example: str = ""
    hint: str = ""

    def __str__(self) -> str:
        text = f"table '{self.table}', column '{self.column}': {self.count:,} row(s) {self.rule}"
        if self.example:
            text += f", e.g. {self.example}"
        if self.hint:
            text += f". {self.hint}"
        return text


class DataValidationError(XsellLabError, ValueError):
    """Raised when a table breaks the data model; ``problems`` lists why."""

    def __init__(self, problems: list[Problem], *, note: str = ""):
        self.problems = list(problems)
        self.note = note
        lines = [f"{len(self.problems)} problem(s) found in the input data:"]
        lines += [f"  - {p}" for p in self.problems]
        if any(_ROW_NUMBERS.search(p.example) for p in self.problems):
            lines.append("Row numbers count data rows from 1: in a file with a header line, row N is on line N + 1.")
        if note:
            lines.append(note)
        super().__init__("\n".join(lines))


class DataFileError(DataValidationError):
    """A data file cannot be read as a table: missing, empty, wrong format, delimiter or encoding.

    Attributes
    ----------
    table : str
        Canonical table the file was meant to hold.
    file : pathlib.Path
        The file.
    """

    def __init__(self, table: str, file: str | os.PathLike, message: str):
        self.table = table
        self.file = Path(file)
        self.problems = []
        self.note = ""
        ValueError.__init__(self, f"table '{table}', file '{self.file}': {message}")


class MappingError(XsellLabError, ValueError):
    """The column mapping itself is wrong (not the data it points at)."""


class MissingTableError(XsellLabError, ValueError):
    """An analysis needs an optional table that the data does not have."""


class InsufficientDataError(XsellLabError, ValueError):
    """The data is too small for an analysis to run at all; the message names need against have."""


# --- statistics and models ---------------------------------------------------------


class NotFittedError(XsellLabError, AttributeError):
    """A model was asked for results before :meth:`fit` was called.

    Derives from ``AttributeError`` as well, as scikit-learn's ``NotFittedError`` does,
    because the fitted attributes do not exist yet.
    """


class ConvergenceError(XsellLabError, RuntimeError):
    """A model fit did not reach a maximum of the likelihood; the message says what to try."""


class BasketMemoryError(XsellLabError, MemoryError):
    """Raised *before* allocating when a mining run would not fit in memory."""


class NoFrequentItemsetsError(XsellLabError, ValueError):
    """Raised when no itemset (or no rule) reaches the requested threshold."""


class SampleRatioMismatchWarning(XsellLabWarning):
    """An experiment's arms are not the sizes the plan said they would be."""


# --- the lab: notebooks, reports, command line --------------------------------------


class ParameterError(XsellLabError, ValueError):
    """A parameter the notebook does not declare, or a value of the wrong type."""


class NotebookFormatError(XsellLabError, ValueError):
    """A file that is not a Jupyter notebook of format 4."""


class NotebookExecutionError(XsellLabError, RuntimeError):
    """A notebook raised an error while running; ``failed_path`` keeps the executed cells."""

    def __init__(self, message: str, failed_path: Path | None):
        super().__init__(message)
        self.failed_path = failed_path


class PseudonymisationError(XsellLabError, RuntimeError):
    """A report would show customer ids although it says they are pseudonymised."""


class RendererUnavailable(XsellLabError, RuntimeError):
    """No PDF renderer could be used; the message says how to install one."""


class NoLabFolderError(XsellLabError, FileNotFoundError):
    """No lab folder around the current folder and no checkout to fall back on."""


class LabFolderNotEmptyError(XsellLabError, FileExistsError):
    """``xsell-lab init`` was pointed at a folder that already holds files."""


class UsageError(XsellLabError):
    """A command line that cannot be run; the message says why."""


class DataWarning(XsellLabWarning):
    """Values that are possible but probably wrong; the data loads, and the warning says what and where.

    A date in 2099 or 1850, a column named one letter off an optional column. Each of
    ``problems`` names the table, the column, the count and an example, as in
    :class:`DataValidationError`.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = [f"{len(self.problems)} thing(s) in the input data look wrong; the data was loaded as it is:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))
