"""Margins when the data has no unit costs: moved to :mod:`xsell_lab.data.margins`.

The names below stay importable from here (and from :mod:`xsell_lab.clv`) until
xsell-lab 0.3; new code imports them from :mod:`xsell_lab.data.margins`, the one
home of the assumed-margin rule, its check and its sentences.
"""

from __future__ import annotations

from xsell_lab.data.margins import MARGIN_SOURCES, margin_known, margin_statement, with_assumed_margin

__all__ = ["MARGIN_SOURCES", "margin_known", "margin_statement", "with_assumed_margin"]
