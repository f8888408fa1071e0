"""The application layer: what turns the package into a lab.

:mod:`~xsell_lab.lab.cli` (the ``xsell-lab`` command), :mod:`~xsell_lab.lab.runner`
(parameterised notebook runs with papermill), :mod:`~xsell_lab.lab.report` (executed
notebooks as PDF reports) and :mod:`~xsell_lab.lab.workspace` (lab folders and the
bundled notebooks). It may import every other layer; no other layer imports it.
"""
