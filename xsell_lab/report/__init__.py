"""Reports: executed notebooks rendered as business-ready PDFs.

``render_pdf`` turns an executed notebook into a PDF (title page, contents,
code hidden, customer ids pseudonymised); :mod:`~xsell_lab.report.batch` makes
one PDF per value of a column. See :mod:`~xsell_lab.report.privacy` for how
ids are hidden and :mod:`~xsell_lab.report.document` for what a PDF leaves out.
"""

from xsell_lab.report.pdf import RENDERERS, RendererUnavailable, html_to_pdf
from xsell_lab.report.privacy import display_ids
from xsell_lab.report.render import render_pdf

__all__ = ["RENDERERS", "RendererUnavailable", "display_ids", "html_to_pdf", "render_pdf"]
