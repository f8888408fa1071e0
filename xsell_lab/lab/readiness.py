"""Which notebooks a company's data runs, and which of their sections it skips.

Each notebook declares what it needs in its own code, with the calls of
:mod:`xsell_lab.data.profile`: ``profile.require_minimum(company, purpose,
customers=..., ...)`` in its load cell (the least it needs to run at all), an
``if not profile.supports(...): raise ...`` where a whole notebook needs a
capability, and ``profile.skip_message(table, "section", *capabilities)`` for
each section that is skipped when the data lacks a capability.

:func:`notebook_needs` reads those calls from a notebook's code cells (with
``ast``, nothing is executed; a minimum given by a parameter takes the
parameter's default), and :func:`readiness` compares them with a company, so
an analyst sees before running anything which notebooks will run and what they
will leave out. It reads what the notebooks declare: a notebook can still stop
for a reason it does not declare this way (a model that does not converge).
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field

import pandas as pd

from xsell_lab.data import profile
from xsell_lab.lab.runner import discover_notebooks, notebook_headline, read_notebook, read_parameters

#: Columns of :func:`readiness`.
READINESS_COLUMNS = ["notebook", "title", "runs", "why_not", "sections_skipped", "skipped"]

_MINIMA = ("customers", "repeat_buyers", "orders", "categories", "history_days")


@dataclass
class NotebookNeeds:
    """What one notebook declares it needs (see :func:`notebook_needs`).

    Attributes
    ----------
    minimum : dict of str to int
        Keyword arguments of its ``profile.require_minimum`` call that could be read.
    required : list of str
        Capabilities without which the notebook stops in its load cell.
    sections : list of tuple of (str, tuple of str)
        Each section that is skipped without its capabilities: ``(section, capabilities)``.
    """

    minimum: dict[str, int] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    sections: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


def notebook_needs(notebook: str | os.PathLike) -> NotebookNeeds:
    """Read what a notebook needs from its ``profile`` calls, without running it.

    Parameters
    ----------
    notebook : str or path-like
        An ``.ipynb`` file.

    Returns
    -------
    NotebookNeeds
        Its minimum (literal values, constants of :mod:`xsell_lab.data.profile`
        or parameters' defaults; a conditional value is left out), the capabilities it stops without, and its
        sections that skip, each once, in the order they appear.
    """
    defaults = {p.name: _literal(p.default) for p in read_parameters(notebook)}
    needs = NotebookNeeds()
    for cell in read_notebook(notebook)["cells"]:
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse(cell["source"])
        except SyntaxError:  # a cell magic or shell line: nothing declared there
            continue
        for node in ast.walk(tree):
            if _is_profile_call(node, "require_minimum"):
                for keyword in node.keywords:
                    value = _value(keyword.value, defaults)
                    if keyword.arg in _MINIMA and isinstance(value, int):
                        needs.minimum[keyword.arg] = max(needs.minimum.get(keyword.arg, 0), value)
            elif isinstance(node, ast.If) and _stops(node):
                for call in ast.walk(node.test):
                    if _is_profile_call(call, "supports"):
                        needs.required += [c for c in _strings(call.args[1:]) if c not in needs.required]
            elif _is_profile_call(node, "skip_message") and len(node.args) >= 3:
                section = _value(node.args[1], {})
                capabilities = tuple(_strings(node.args[2:]))
                entry = (section, capabilities)
                if isinstance(section, str) and capabilities and entry not in needs.sections:
                    needs.sections.append(entry)
    needs.sections = [(s, caps) for s, caps in needs.sections if not set(caps) <= set(needs.required)]
    return needs


def readiness(company, folder: str | os.PathLike | None = None) -> pd.DataFrame:
    """Which notebooks run on a company's data, and which sections each skips.

    Parameters
    ----------
    company : xsell_lab.data.company.Company
        The loaded data.
    folder : str or path-like, optional
        The notebooks' folder (default: the lab's, as ``xsell-lab list``).

    Returns
    -------
    pandas.DataFrame
        :data:`READINESS_COLUMNS`, one row per notebook: ``notebook`` (its
        number), ``title``, ``runs`` (bool: the minimum and the capabilities it
        stops without are met), ``why_not`` (the stop message, else empty),
        ``sections_skipped`` (count) and ``skipped`` (the sections, ``; ``-separated).
    """
    table = company.profile()
    rows = []
    for notebook in discover_notebooks(folder):
        needs = notebook_needs(notebook)
        title, number, _ = notebook_headline(read_notebook(notebook))
        why_not = ""
        try:
            profile.require_minimum(company, f"Notebook {number}", **needs.minimum)
        except profile.InsufficientDataError as error:
            why_not = str(error)
        if not why_not and not profile.supports(table, *needs.required):
            why_not = profile.skip_message(table, f"notebook {number}", *needs.required).removeprefix("Skipped: ")
        skipped = [] if why_not else [s for s, caps in needs.sections if not profile.supports(table, *caps)]
        rows.append([number, title, not why_not, why_not, len(skipped), "; ".join(skipped)])
    return pd.DataFrame(rows, columns=READINESS_COLUMNS)


def _is_profile_call(node: ast.AST, name: str) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == name) or (isinstance(func, ast.Name) and func.id == name)


def _stops(node: ast.If) -> bool:
    """``if not profile.supports(...): raise ...``."""
    negated = isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
    return negated and _is_profile_call(node.test.operand, "supports") and any(isinstance(n, ast.Raise) for n in node.body)


def _value(node: ast.expr, names: dict) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "profile":
        return getattr(profile, node.attr, None)  # profile.MIN_REPEAT_BUYERS and the like
    return None


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None


def _strings(nodes: list[ast.expr]) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


__all__ = ["READINESS_COLUMNS", "NotebookNeeds", "notebook_needs", "readiness"]

