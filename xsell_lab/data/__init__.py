"""The data layer: the canonical data model and everything that brings a company's data into it.

:mod:`~xsell_lab.data.schema` (tables, columns, types), :mod:`~xsell_lab.data.validation`
(clear errors naming table, column, count and an example), :mod:`~xsell_lab.data.mapping`
(your export's columns to the canonical ones), :mod:`~xsell_lab.data.io` (read and write a
company folder), :mod:`~xsell_lab.data.company` (the tables of one company, joined sales
lines) and :mod:`~xsell_lab.data.adapters` (public data sets as companies). Nothing here
imports an analysis.
"""
