"""Papermill reads every line of the parameters cells (issue #10).

``xsell-lab run`` and ``xsell-lab report`` pass parameters through papermill, which reads each line of
the parameters cell with a regular expression: a comment holding ``=`` (``0.002 = 0.2%``) made it print
"Unable to parse line ..." and lose the parameter's type and help. The notebooks of this check are the
ones reworded so far (04, 05, 06).
"""

from __future__ import annotations

import logging
from pathlib import Path

import nbformat
import papermill
import pytest

NOTEBOOKS = sorted(path for path in (Path(__file__).resolve().parents[1] / "notebooks").glob("0[456]-*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem[:2] for path in NOTEBOOKS])
def test_papermill_parses_every_parameter(path, caplog):
    cell = next(c for c in nbformat.read(path, as_version=4).cells if "parameters" in c.metadata.get("tags", []))
    assigned = [line for line in cell.source.splitlines() if line and not line.startswith("#")]
    with caplog.at_level(logging.WARNING, logger="papermill"):
        parameters = papermill.inspect_notebook(str(path))
    assert not [r.getMessage() for r in caplog.records if "Unable to parse" in r.getMessage()]
    assert len(parameters) == len(assigned)
    assert all(p["help"] for p in parameters.values()), "every parameter keeps its comment as help"
