"""Unit costs for margins: moved to :mod:`xsell_lab.data.margins`.

The names below stay importable from here (and from :mod:`xsell_lab.pricing`) until
xsell-lab 0.3; new code imports them from :mod:`xsell_lab.data.margins`, the one
home of the assumed-margin rule, its check and its sentences.
"""

from __future__ import annotations

from xsell_lab.data.margins import check_margin_rate, describe_margin_basis, has_margins, unit_costs

__all__ = ["check_margin_rate", "describe_margin_basis", "has_margins", "unit_costs"]
