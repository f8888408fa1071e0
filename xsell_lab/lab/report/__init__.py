"""Reports: executed notebooks rendered as business-ready PDFs.

Commands
--------
``xsell-lab report NOTEBOOK [-p NAME VALUE ...] [--pdf]`` runs a notebook with
papermill and prints it to PDF; ``--by COLUMN`` makes one PDF per value plus an
index; ``make reports`` runs ``xsell-lab report --all --force``. See
:mod:`xsell_lab.lab.cli`.

What a PDF contains
-------------------
A title page that fits one page (title and the whole business question from
the notebook's first cell, the title and running header naming the region,
segment and period when the run chose them, the settings chosen for the run,
data source and its fingerprint, date, version, whether customer ids are
pseudonymised), a table of contents of the ``##`` headings (with page numbers
under WeasyPrint), then prose, tables and figures, and last the table of all
parameters used. Code, prompts, warnings (stderr), plot-object reprs, the
parameters cell, empty sections, learner sections and cells tagged
``report-skip`` are left out (:mod:`~xsell_lab.lab.report.document`).

Tables (:mod:`~xsell_lab.lab.report.tables`): column labels come from one
registry of display names (``DISPLAY_NAMES``: ``p_value`` -> "p-value"; else
the words of the code: ``median_days`` -> "Median days"); bare numbers are formatted by
the kind their column's name gives (counts ``5,210``, money ``149.00``, shares
``35.4%``, ratios to 2 significant figures, p-values ``< 0.001``); missing
values print as "–" with a note; wide tables are set smaller, the widest on a
landscape page.

For notebook authors
--------------------
* Learner material needs no tag: a section headed ``What you will learn``,
  ``Exercise`` or ``Exercises`` (any heading level) is left out with every
  cell up to the next heading of the same or a higher level. Tag other
  learner-only cells ``report-skip``.
* Put the answer on page 1: the outputs of cells tagged ``report-summary``
  are set on the title page, under the business question, and left out of the body.
* Publish the headline figures a ``--by`` index compares: tag one cell
  ``report-headline`` whose output is a small table of figure names and
  formatted values, one named "Best opportunity" if there is one
  (:mod:`~xsell_lab.lab.report.batch`).
* Name columns by code or in words: codes become words in the PDF; add a code
  whose words read badly to ``tables.DISPLAY_NAMES``.
* Label charts that show customer ids with
  :func:`~xsell_lab.lab.report.privacy.display_ids`: the report command runs the
  kernel with ``XSELL_LAB_SHOW_IDS=0`` and a per-run key, and the function then
  returns the same pseudonyms the PDF's tables get. Ids in tables and printed
  text are replaced automatically (every whole word equal to a ``customer_id``
  of the notebook's ``data_path``); ``--show-ids`` keeps real ids.
* Print sentences with ``print``: they become call-outs in the body font;
  aligned text (two spaces in a row) stays monospaced.
* Give Styler tables a fixed ``set_uuid(...)`` so nbval sees identical HTML.

Renderers
---------
WeasyPrint first (pure Python over Pango: present on Debian/Ubuntu; macOS
``brew install pango``; conda-forge's ``weasyprint`` brings it), then a local
Chrome/Chromium in headless mode (``--print-to-pdf``) when WeasyPrint cannot
load. The command prints which renderer made each PDF; ``--renderer`` forces
one. No LaTeX, no network.
"""

import importlib

from xsell_lab.lab.report.pdf import RENDERERS, RendererUnavailable, html_to_pdf

# Imported on first use (PEP 562), so that `xsell-lab list` and `--help`, which need only
# RENDERERS and PAPER_SIZES from the light pdf module, do not load pandas and nbconvert.
_LAZY = {"display_ids": "xsell_lab.lab.report.privacy", "render_pdf": "xsell_lab.lab.report.render"}

__all__ = ["RENDERERS", "RendererUnavailable", "display_ids", "html_to_pdf", "render_pdf"]


def __getattr__(name: str) -> object:
    """``display_ids`` and ``render_pdf``, imported when first asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
