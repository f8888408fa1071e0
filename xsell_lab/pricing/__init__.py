"""Pricing: how prices move sales, the profit-maximising price, and bundles.

A cross-seller prices products that are bought together. Cutting the price of
a printer sells more printers *and* more ink (complements); cutting the price
of the standard laptop sells fewer basic laptops (substitutes). This package
measures those links and turns them into pricing what-ifs, one module per
concept; every public name is importable from ``xsell_lab.pricing``.

Price elasticity (:mod:`~xsell_lab.pricing.elasticity`, :mod:`~xsell_lab.pricing.pooled`)
    :class:`PriceElasticityModel` (and the shortcut :func:`price_elasticities`)
    fits one log-log regression per product on weekly price and units,

    ``log(units_i,t) = a_i + e_ii log(price_i,t) + sum_j e_ij log(price_j,t)
    + b_i promotion_i,t + season_t + u_i,t``,

    so each slope is an elasticity: the percent change in units of product
    ``i`` for a 1 % change in the price of product ``j`` (Tellis 1988; Taddy
    2019, ch. 2). Standard errors are robust to autocorrelation (Newey & West
    1987) by default. :func:`pooled_own_elasticity` fits one common own-price
    slope with product intercepts (Taddy's orange-juice model). With sales by
    market (stores), week fixed effects are on by default, so chain-wide weekly
    shocks do not pass for cross-price effects; :func:`shared_weekly_shocks`
    checks one series per product for such shocks.
Optimal price (:mod:`~xsell_lab.pricing.optimal`, :mod:`~xsell_lab.pricing.scenarios`)
    :func:`optimal_price` / :func:`optimal_prices` apply the Lerner /
    inverse-elasticity rule ``(p - c) / p = -1 / e``, i.e. ``p* = c e / (1 + e)``
    for a constant elasticity ``e < -1`` (Lerner 1934; Tirole 1988, sec. 1.1).
    :func:`price_response` is the what-if table of a price change, own and
    cross effects included.
Bundles (:mod:`~xsell_lab.pricing.bundles`)
    :func:`bundle_what_if` compares pure components, pure bundling and mixed
    bundling (Adams & Yellen 1976; terms as in Stremersch & Tellis 2002).
Choosing what to study (:mod:`~xsell_lab.pricing.choosing`)
    :func:`choose_focus_product` (the product with the most revenue) and
    :func:`choose_price_pair` (the pair of priced products the most customers
    bought both of) give a notebook its products when its parameters say "auto".
Margins (:mod:`xsell_lab.data.margins`, re-exported here until 0.3)
    :func:`unit_costs` (the data's unit cost, else an explicit ``assumed_margin_rate``),
    :func:`describe_margin_basis` (the sentence stated wherever a margin is shown) and
    :func:`has_margins`: a margin is never silently 0.

Dynamic pricing (:mod:`~xsell_lab.pricing.scenarios`)
    :func:`markdown_what_if` evaluates a simple seasonal promotion rule with a
    fitted model. It is a what-if, not a pricing engine: see its caveats.

Table contracts
---------------
Input: a weekly sales table with the canonical columns of
:data:`xsell_lab.data.schema.TABLES` ``["weekly_sales"]``: ``week_start``,
``product_id``, ``price`` (> 0), ``units`` (> 0, or zero with
``zero_units="drop"``), ``on_promotion``; optionally a market column (e.g.
a store) for panel data. The input is never modified.

Errors name the table, the column, the number of bad rows and an example
(:class:`xsell_lab.DataValidationError`).

References
----------
Adams, W. J. & Yellen, J. L. (1976). Commodity bundling and the burden of monopoly.
*Quarterly Journal of Economics* 90(3), 475-498.
Duan, N. (1983). Smearing estimate: a nonparametric retransformation method.
*JASA* 78(383), 605-610.
Lerner, A. P. (1934). The concept of monopoly and the measurement of monopoly power.
*Review of Economic Studies* 1(3), 157-175.
Newey, W. K. & West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity
and autocorrelation consistent covariance matrix. *Econometrica* 55(3), 703-708.
Stremersch, S. & Tellis, G. J. (2002). Strategic bundling of products and prices.
*Journal of Marketing* 66(1), 55-72.
Taddy, M. (2019). *Business Data Science*, McGraw-Hill, ch. 2 (orange-juice elasticities).
Tellis, G. J. (1988). The price elasticity of selective demand: a meta-analysis of
econometric models of sales. *Journal of Marketing Research* 25(4), 331-341.
Tirole, J. (1988). *The Theory of Industrial Organization*, MIT Press, sec. 1.1.
"""

from xsell_lab.basket.sequences import choose_pair
from xsell_lab.data.validation import require_columns
from xsell_lab.exceptions import DataValidationError, Problem
from xsell_lab.pricing.bundles import BUNDLE_COLUMNS, bundle_what_if
from xsell_lab.pricing.choosing import choose_focus_product, choose_price_pair
from xsell_lab.pricing.elasticity import ELASTICITY_COLUMNS, SHOCK_COLUMNS, PriceElasticityModel, price_elasticities, shared_weekly_shocks
from xsell_lab.data.margins import check_margin_rate, describe_margin_basis, has_margins, unit_costs
from xsell_lab.pricing.optimal import optimal_price, optimal_prices
from xsell_lab.pricing.pooled import pooled_own_elasticity
from xsell_lab.pricing.scenarios import MARKDOWN_COLUMNS, PRICE_RESPONSE_COLUMNS, markdown_what_if, price_response
from xsell_lab.stats.estimator import Estimator, check_confidence, confidence_from_alpha, requires_fit

__all__ = [
    "BUNDLE_COLUMNS",
    "ELASTICITY_COLUMNS",
    "MARKDOWN_COLUMNS",
    "PRICE_RESPONSE_COLUMNS",
    "SHOCK_COLUMNS",
    "PriceElasticityModel",
    "bundle_what_if",
    "check_margin_rate",
    "describe_margin_basis",
    "has_margins",
    "unit_costs",
    "choose_focus_product",
    "choose_price_pair",
    "markdown_what_if",
    "optimal_price",
    "optimal_prices",
    "pooled_own_elasticity",
    "price_elasticities",
    "price_response",
    "shared_weekly_shocks",
    # Imported by xsell_lab.pricing before it became a package; kept importable from here.
    "DataValidationError",
    "Estimator",
    "Problem",
    "check_confidence",
    "choose_pair",
    "confidence_from_alpha",
    "require_columns",
    "requires_fit",
]
