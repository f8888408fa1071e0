"""The statistics kernel: what several business concepts compute the same way.

Intervals (:mod:`~xsell_lab.stats.intervals`), hypothesis tests
(:mod:`~xsell_lab.stats.hypothesis_tests`) and the estimator protocol every model follows
(:mod:`~xsell_lab.stats.estimator`) live here once, so an offer's conversion, a
channel's attach rate and a trigger's uplift get the same interval from the same code.
The kernel depends on the data layer at most, never on a business concept.
"""

from xsell_lab.stats.estimator import Estimator
from xsell_lab.stats.hypothesis_tests import pooled_z_test
from xsell_lab.stats.intervals import newcombe_interval, wilson_interval

__all__ = ["Estimator", "newcombe_interval", "pooled_z_test", "wilson_interval"]
