"""Finding cross-sell opportunities: whitespace, target-customer profiles and lookalikes.

Three questions a sales team asks before any campaign, each answered by a
few small functions that take the line table of :func:`xsell_lab.sales_lines`
(and the ``customers`` table) and return DataFrames. One module per question
(:mod:`~xsell_lab.targeting.whitespace`, :mod:`~xsell_lab.targeting.profiles`,
:mod:`~xsell_lab.targeting.lookalikes`, and :mod:`~xsell_lab.targeting.backtest`
for checking a list); every public name is importable from ``xsell_lab.targeting``.

Whitespace: who does not own what, and what is it worth?
    :func:`ownership_matrix` (customers x items, owned or not),
    :func:`whitespace_summary` (share of customers without each item, overall
    or by group), :func:`main_items` (each customer's main product),
    :func:`peer_ownership_rates` (P(item | main product), counted),
    :func:`item_margins`, :func:`expected_whitespace_value` (one row per
    customer and item not owned: probability x margin of a typical sale),
    :func:`top_whitespace` (the opportunity list, with counts) and
    :func:`whitespace_value_by_group` (per segment, region, ...).
Target-customer profiles: what do the customers who cross-bought have in common?
    :func:`customer_features` (segment, region, channels, tenure, first
    category, early spend), :func:`cross_buyers` (who bought 2+ items) and
    :func:`profile_lift` (share in the group / share overall, with counts).
Lookalikes: who resembles the cross-buyers but has not cross-bought yet?
    :func:`lookalikes` (k-nearest-neighbour share on standardized features,
    with the reasons in words); :func:`new_items_after` and
    :func:`ranking_backtest` check a list against what customers did next.
Later conversion: of the customers who lack an item, how many will buy it?
    :func:`later_conversion` (of the customers who had A and not B on a day,
    the share who bought B in the N days after, with a Wilson interval),
    :func:`conversion_forecast` (that share on the last window, applied to
    today's whitespace, back-tested on the window before),
    :func:`sized_opportunities` (the opportunity list sized by it) and
    :func:`conversion_days` (the window, from the data).

The whitespace score is an association-based *next-product-to-buy* score:
Knott, Hayes & Neslin (2002) rank products by the probability that a
customer buys them next given what they own; Kamakura (2008) frames
cross-selling as "the right product to the right customer". Here the
probability is the empirical share of owners among the customer's peers
(the customers with the same main product), the confidence of the rule
"main product -> item" (Agrawal, Imielinski & Swami 1993), so every score can
be read out as "38 % of customers whose main product is a laptop own a
case". Multiplying by the item's margin per typical sale gives an expected value
(Kamakura, Wedel, de Rosa & Mazzon 2003 weigh the same probabilities by
profitability). It describes who is *likely to own* an item, not who an offer
would *persuade*: only an experiment measures that (notebook 08).

Conventions
-----------
level
    ``"category"`` (default) or ``"product"`` (``product_id``), as in
    :mod:`xsell_lab.kpis`. Data without categories (UCI Online Retail,
    whose adapter puts every product in category ``"unknown"``) uses
    ``level="product"``: the whitespace is then "customers x products" and
    the main item is the customer's main product; restrict ``items`` to the
    few hundred best sellers to keep the matrix small.
errors
    Missing columns raise :class:`~xsell_lab.exceptions.DataValidationError` naming the
    table and the column; unknown items, customers without orders and empty
    results raise ``ValueError`` with the count and an example. Inputs are
    never modified.

References
----------
Agrawal, R., Imielinski, T. & Swami, A. (1993). Mining association rules
between sets of items in large databases. *SIGMOD '93*, 207-216.
Kamakura, W. A. (2008). Cross-selling: offering the right product to the right
customer at the right time. *Journal of Relationship Marketing* 6(3-4), 41-58.
Kamakura, W. A., Wedel, M., de Rosa, F. & Mazzon, J. A. (2003). Cross-selling
through database marketing: a mixed data factor analyzer for data
augmentation and prediction. *International Journal of Research in
Marketing* 20(1), 45-65.
Knott, A., Hayes, A. & Neslin, S. A. (2002). Next-product-to-buy models for
cross-selling applications. *Journal of Interactive Marketing* 16(3), 59-75.
Hastie, T., Tibshirani, R. & Friedman, J. (2009). *The Elements of Statistical
Learning*, 2nd ed., section 13.3 (k-nearest-neighbour classifiers).
"""

from xsell_lab.targeting._common import SALES_LINES
from xsell_lab.targeting.backtest import backtest_date, new_items_after, ranking_backtest
from xsell_lab.targeting.conversion import (
    CONVERSION_FORECAST_COLUMNS, LATER_CONVERSION_COLUMNS, SIZED_OPPORTUNITY_COLUMNS, conversion_days, conversion_forecast,
    later_conversion, sized_opportunities,
)
from xsell_lab.targeting.lookalikes import LOOKALIKE_COLUMNS, MIN_REASON_LIFT, lookalikes
from xsell_lab.targeting.profiles import (
    CROSS_BUYER_COLUMNS, FEATURE_COLUMNS, PROFILE_LIFT_COLUMNS, cross_buyers, customer_features, feature_name, profile_lift,
    readable_features,
)
from xsell_lab.targeting.whitespace import (
    ITEM_MARGIN_COLUMNS, PEER_RATE_COLUMNS, TOP_WHITESPACE_COLUMNS, WHITESPACE_SUMMARY_COLUMNS, WHITESPACE_VALUE_COLUMNS,
    expected_whitespace_value, item_margins, main_items, ownership_matrix, peer_ownership_rates, top_whitespace,
    whitespace_summary, whitespace_value_by_group,
)

__all__ = [
    "CONVERSION_FORECAST_COLUMNS",
    "CROSS_BUYER_COLUMNS",
    "FEATURE_COLUMNS",
    "ITEM_MARGIN_COLUMNS",
    "LATER_CONVERSION_COLUMNS",
    "LOOKALIKE_COLUMNS",
    "MIN_REASON_LIFT",
    "PEER_RATE_COLUMNS",
    "PROFILE_LIFT_COLUMNS",
    "SALES_LINES",
    "SIZED_OPPORTUNITY_COLUMNS",
    "TOP_WHITESPACE_COLUMNS",
    "WHITESPACE_SUMMARY_COLUMNS",
    "WHITESPACE_VALUE_COLUMNS",
    "backtest_date",
    "conversion_days",
    "conversion_forecast",
    "cross_buyers",
    "customer_features",
    "expected_whitespace_value",
    "feature_name",
    "item_margins",
    "later_conversion",
    "lookalikes",
    "main_items",
    "new_items_after",
    "ownership_matrix",
    "peer_ownership_rates",
    "profile_lift",
    "ranking_backtest",
    "readable_features",
    "sized_opportunities",
    "top_whitespace",
    "whitespace_summary",
    "whitespace_value_by_group",
]
