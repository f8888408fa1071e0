"""The statistics kernel: what several business concepts compute the same way.

Intervals (:mod:`~xsell_lab.stats.intervals`), hypothesis tests
(:mod:`~xsell_lab.stats.hypothesis_tests`) and the estimator protocol every model follows
(:mod:`~xsell_lab.stats.estimator`) live here once, so an offer's conversion, a
channel's attach rate and a trigger's uplift get the same interval from the same code.
Kaplan-Meier (:mod:`~xsell_lab.stats.survival`) and "A then B"
(:mod:`~xsell_lab.stats.sequences`, with the definitional choices as parameters) too.
The kernel depends on the data layer at most, never on a business concept.
"""

from xsell_lab.stats.estimator import Estimator
from xsell_lab.stats.hypothesis_tests import pooled_z_test
from xsell_lab.stats.intervals import newcombe_interval, wilson_interval
from xsell_lab.stats.sequences import compare_definitions, window_rules
from xsell_lab.stats.survival import kaplan_meier, median_time, share_within

__all__ = [
    "Estimator", "compare_definitions", "kaplan_meier", "median_time", "newcombe_interval", "pooled_z_test",
    "share_within", "wilson_interval", "window_rules",
]
