"""A/B tests of cross-sell offers: did the offer work, how sure are we, how big must the next test be?

Every function reads the canonical ``offers`` table (one row per customer and
experiment: ``experiment_id``, ``variant``, ``customer_id``, ``accepted``,
``revenue``) and returns a tidy DataFrame. The arm named ``control`` (the
default of every ``control`` parameter) received no offer; every other arm is
compared with it. One module per question; every public name is importable
from ``xsell_lab.experiments``.

Checking and choosing (:mod:`~xsell_lab.experiments.checks`, :mod:`~xsell_lab.experiments.choosing`)
    :func:`check_experiments`, :func:`experiment_overview` and
    :func:`choose_experiment` (the experiment and offer arm a notebook studies
    when its parameters say ``"auto"``).
Planning (:mod:`~xsell_lab.experiments.planning`)
    :func:`sample_size_two_proportions`, :func:`power_two_proportions`, :func:`control_conversion_rate`
    (normal approximation on Cohen's *h*, :func:`cohens_h`).
Reading a test (:mod:`~xsell_lab.experiments.readout`, :mod:`~xsell_lab.experiments.sample_ratio`, :mod:`~xsell_lab.experiments.segments`)
    :func:`compare_conversion` (uplift, Newcombe interval, pooled z-test,
    Holm / Benjamini-Hochberg across arms), :func:`compare_revenue` (Welch
    t-test and a seeded bootstrap), :func:`sample_ratio_mismatch`,
    :func:`segment_effects` (with a heterogeneity test).
Did it pay? (:mod:`~xsell_lab.experiments.profit`)
    :func:`campaign_profit` (incremental revenue and margin per customer offered after
    discount, contact cost and returns, Welch intervals, a verdict such as "raises
    revenue, loses margin"), :func:`discount_statement`, :func:`observed_discounts`, :func:`offer_margin`,
    :func:`return_rates`.
Whom to offer (:mod:`~xsell_lab.experiments.uplift`)
    :class:`UpliftModel` (per-customer uplift: two-model and X-learner, Künzel et al.
    2019), :func:`qini_curve`, :func:`qini_area`, :func:`qini_interval` and
    :func:`uplift_by_group` (Radcliffe 2007), :func:`profit_curve`,
    :func:`experiment_customers`.
Whom to send it, for profit (:mod:`~xsell_lab.experiments.offer_lists`)
    :func:`incremental_profit` and :func:`expected_incremental_profit` (``p1 x (m - d) - p0 x m - c``,
    Gubela, Lessmann & Jaroszewicz 2020), :func:`offer_list_comparison` (the profit-based list
    against propensity x margin, judged on planted truth), :func:`targeted_share`.
Sharper and safer tests (:mod:`~xsell_lab.experiments.cuped`, :mod:`~xsell_lab.experiments.peeking`)
    :func:`pre_period_spend` + :func:`cuped_comparison` (Deng et al. 2013),
    :func:`peeking_simulation` (the cost of looking at a running test).

Result columns follow the package vocabulary (``std_error``, ``ci_low``,
``ci_high``, ``p_value``); intervals take ``confidence``, ``alpha`` is only a
test's significance level. Bad input (no control arm, an arm without
customers, a customer in two arms, missing columns) raises
:class:`~xsell_lab.exceptions.DataValidationError` naming the table, the
column, the count and an example.

References
----------
Kohavi, R., Tang, D. & Xu, Y. (2020). *Trustworthy Online Controlled
Experiments*. Cambridge University Press.
Deng, A., Xu, Y., Kohavi, R. & Walker, T. (2013). Improving the sensitivity of
online controlled experiments by utilizing pre-experiment data. *WSDM '13*.
Newcombe, R. G. (1998). Interval estimation for the difference between
independent proportions: comparison of eleven methods. *Statistics in
Medicine*, 17, 873-890.
Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*
(2nd ed.), chapter 6.
"""

from xsell_lab.data.validation import AUTOMATIC
from xsell_lab.exceptions import DataValidationError, Problem, SampleRatioMismatchWarning
from xsell_lab.experiments.checks import check_experiments
from xsell_lab.experiments.choosing import RANKINGS, choose_experiment, experiment_overview
from xsell_lab.experiments.cuped import cuped_comparison, pre_period_spend
from xsell_lab.experiments.offer_lists import expected_incremental_profit, incremental_profit, offer_list_comparison, targeted_share
from xsell_lab.experiments.peeking import peeking_simulation
from xsell_lab.experiments.profit import (
    CAMPAIGN_PROFIT_COLUMNS,
    VERDICTS,
    campaign_profit,
    discount_statement,
    observed_discounts,
    offer_margin,
    return_rates,
)
from xsell_lab.experiments.planning import cohens_h, control_conversion_rate, power_two_proportions, sample_size_two_proportions
from xsell_lab.experiments.readout import CONVERSION_COLUMNS, CORRECTIONS, compare_conversion, compare_revenue
from xsell_lab.experiments.sample_ratio import SRM_GRADES, sample_ratio_mismatch, srm_grade
from xsell_lab.experiments.segments import segment_effects
from xsell_lab.experiments.uplift import (
    UpliftModel,
    experiment_customers,
    holdout_mask,
    other_customer_columns,
    profit_curve,
    qini_area,
    qini_curve,
    qini_interval,
    uplift_by_group,
)
from xsell_lab.stats import newcombe_interval, pooled_z_test, wilson_interval

__all__ = [
    "CAMPAIGN_PROFIT_COLUMNS",
    "CONVERSION_COLUMNS",
    "CORRECTIONS",
    "RANKINGS",
    "SRM_GRADES",
    "VERDICTS",
    "UpliftModel",
    "check_experiments",
    "choose_experiment",
    "cohens_h",
    "compare_conversion",
    "campaign_profit",
    "compare_revenue",
    "control_conversion_rate",
    "cuped_comparison",
    "discount_statement",
    "experiment_customers",
    "experiment_overview",
    "expected_incremental_profit",
    "incremental_profit",
    "offer_list_comparison",
    "observed_discounts",
    "offer_margin",
    "other_customer_columns",
    "holdout_mask",
    "peeking_simulation",
    "power_two_proportions",
    "pre_period_spend",
    "profit_curve",
    "qini_area",
    "qini_curve",
    "qini_interval",
    "return_rates",
    "sample_ratio_mismatch",
    "sample_size_two_proportions",
    "segment_effects",
    "srm_grade",
    "targeted_share",
    "uplift_by_group",
    # Imported by xsell_lab.experiments before it became a package; kept importable from here.
    "AUTOMATIC",
    "DataValidationError",
    "Problem",
    "SampleRatioMismatchWarning",
    "newcombe_interval",
    "pooled_z_test",
    "wilson_interval",
]
