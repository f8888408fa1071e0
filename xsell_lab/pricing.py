"""Pricing: how prices move sales, the profit-maximising price, and bundles.

A cross-seller prices products that are bought together. Cutting the price of
a printer sells more printers *and* more ink (complements); cutting the price
of the standard laptop sells fewer basic laptops (substitutes). This module
measures those links and turns them into pricing what-ifs.

Price elasticity
    :class:`PriceElasticityModel` (and the shortcut :func:`price_elasticities`)
    fits one log-log regression per product on weekly price and units,

    ``log(units_i,t) = a_i + e_ii log(price_i,t) + sum_j e_ij log(price_j,t)
    + b_i promotion_i,t + season_t + u_i,t``,

    so each slope is an elasticity: the percent change in units of product
    ``i`` for a 1 % change in the price of product ``j`` (Tellis 1988; Taddy
    2019, ch. 2). Standard errors are robust to autocorrelation (Newey & West
    1987) by default. :func:`pooled_own_elasticity` fits one common own-price
    slope with product intercepts (Taddy's orange-juice model).
Optimal price
    :func:`optimal_price` / :func:`optimal_prices` apply the Lerner /
    inverse-elasticity rule ``(p - c) / p = -1 / e``, i.e. ``p* = c e / (1 + e)``
    for a constant elasticity ``e < -1`` (Lerner 1934; Tirole 1988, sec. 1.1).
    :func:`price_response` is the what-if table of a price change, own and
    cross effects included.
Bundles
    :func:`bundle_what_if` compares pure components, pure bundling and mixed
    bundling (Adams & Yellen 1976; terms as in Stremersch & Tellis 2002).
Choosing what to study
    :func:`choose_focus_product` (the product with the most revenue) and
    :func:`choose_price_pair` (the pair of priced products the most customers
    bought both of) give a notebook its products when its parameters say "auto".
Dynamic pricing
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

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm

from xsell_lab.data import schema as s
from xsell_lab.basket.sequences import choose_pair
from xsell_lab.data.validation import DataValidationError, Problem, require_columns
from xsell_lab.stats.estimator import Estimator, check_confidence, confidence_from_alpha, requires_fit

#: Columns of the elasticity table (:meth:`PriceElasticityModel.summary`).
ELASTICITY_COLUMNS = [
    "product",
    "price_of",
    "kind",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "relationship",
    "n_obs",
]
#: Columns of :func:`price_response`.
PRICE_RESPONSE_COLUMNS = [
    "price_change",
    "product",
    "price",
    "units",
    "revenue",
    "margin",
    "units_change",
    "margin_change",
]
#: Columns of :func:`bundle_what_if`.
BUNDLE_COLUMNS = [
    "strategy",
    "bundle_price",
    "buyers_main_only",
    "buyers_addon_only",
    "buyers_both",
    "units_main",
    "units_addon",
    "revenue",
    "margin",
    "margin_change",
]
#: Columns of :func:`markdown_what_if`.
MARKDOWN_COLUMNS = ["scenario", "weeks_discounted", "units", "revenue", "margin", "margin_change"]

_SEASONS = {"month": 12, "quarter": 4}
_COV_TYPES = ("HAC", "HC1", "cluster")


# --- elasticity estimation -----------------------------------------------------


class PriceElasticityModel(Estimator):
    """Own- and cross-price elasticities by log-log OLS, one regression per product.

    For each product ``i`` the model regresses ``log(units_i)`` on the log of
    its own price, the logs of the other products' prices (``cross_prices``),
    a promotion flag and season dummies (Tellis 1988; Taddy 2019, ch. 2).
    With constant elasticities the slopes are the elasticities: a slope of
    -1.6 on ``log(price)`` means 1 % higher price, 1.6 % fewer units.

    Parameters
    ----------
    cross_prices : "all", None or mapping of str to list of str
        Whose prices enter each product's regression besides its own: every
        other product (``"all"``), none (``None``: own price only), or
        ``{product: [other products]}`` (products not in the mapping get none).
    season : {"month", "quarter"} or None
        Season dummies from ``week_start`` (controls for seasonal demand that
        would otherwise be credited to seasonal prices).
    promotion : bool
        Control for ``on_promotion`` (a promotion lifts sales beyond its
        price cut: display, advertising). Controls that never vary for a
        product (never promoted, a month absent) are left out of its regression.
    market : str, optional
        Column naming the market of each row (e.g. a store) for panel data;
        rows are then keyed by market, week and product, cross prices are
        matched within market and week.
    market_effects : bool
        Give each market its own intercept (per product), so that only price
        changes *within* a market identify the elasticity. Fitted by the
        within transformation (see ``market_intercepts_``).
    cov_type : {"HAC", "HC1", "cluster"}
        Standard errors: Newey-West HAC with ``maxlags`` (weekly series are
        autocorrelated; the default), White/HC1 heteroskedasticity-robust, or
        clustered by ``market``. HAC needs one series per product (no
        ``market``).
    maxlags : int
        Lags of the HAC estimator (4 weeks by default).
    confidence : float
        Level of the intervals (0.95). Before xsell-lab 0.2 this was ``alpha``
        (``= 1 - confidence``); ``alpha=`` keeps that meaning, with a
        ``FutureWarning``, until 0.3.
    simultaneous : bool
        Widen every interval of the elasticity table to a Bonferroni
        simultaneous interval (level ``1 - (1 - confidence) / m`` for ``m``
        elasticities), so that the whole table has at most a ``1 - confidence``
        chance of showing a relationship that is not there. With "all" cross prices, ten products
        mean 90 cross elasticities: at 95 % about four or five pure-noise pairs
        look related by chance (Dunn 1961, *JASA* 56(293)). ``coefficients_``
        keeps the ordinary intervals.
    min_weeks : int
        Fewest usable observations per product; fewer raises an error.
    zero_units : {"error", "drop"}
        Weeks with zero units have no logarithm: refuse them (default) or drop
        them. Dropping is counted per product in ``dropped_zero_units_`` but it
        biases elasticities toward zero when zeros are frequent (the weeks
        dropped are the high-price ones).

    Attributes
    ----------
    elasticities_ : pandas.DataFrame
        The tidy table of :meth:`summary`.
    coefficients_ : pandas.DataFrame
        Every coefficient of every regression: ``product``, ``term``,
        ``estimate``, ``std_error``, ``ci_low``, ``ci_high`` (terms: ``log_price:<id>``,
        ``promotion``, ``season_<k>``, and ``const`` unless market intercepts
        are absorbed).
    market_intercepts_ : dict of str to pandas.Series
        With a market column and ``market_effects``: the intercept of each
        market, per product (empty otherwise).
    results_ : dict of str to statsmodels RegressionResults
        The fitted regressions by product.
    smearing_ : dict of str to float
        Duan's (1983) smearing factor ``mean(exp(residual))`` per product, used
        to turn predicted log units into units.
    interval_confidence_ : float
        The level of the intervals in the elasticity table (``confidence``, or
        ``1 - (1 - confidence) / m`` when ``simultaneous``).
    dropped_zero_units_ : dict of str to int
        Zero-unit weeks dropped per product (``zero_units="drop"`` only).
    n_rows_ : int
        Rows of the weekly sales table given to :meth:`fit`.

    Notes
    -----
    Follows the package's estimator protocol (:mod:`xsell_lab.stats.estimator`):
    :meth:`fit` returns the model, :meth:`summary` and :meth:`predict_units` raise
    :class:`~xsell_lab.exceptions.NotFittedError` before it, and the ``repr`` shows the
    first elasticities (``e(product,price_of)``) and the number of rows.
    """

    _fit_call = "fit(weekly_sales)"
    _deprecated_settings = ("alpha",)

    def __init__(
        self,
        *,
        cross_prices: str | Mapping[str, Sequence[str]] | None = "all",
        season: str | None = "month",
        promotion: bool = True,
        market: str | None = None,
        market_effects: bool = True,
        cov_type: str = "HAC",
        maxlags: int = 4,
        confidence: float = 0.95,
        simultaneous: bool = False,
        min_weeks: int = 26,
        zero_units: str = "error",
        alpha: float | None = None,
    ):
        self.cross_prices = cross_prices
        self.season = season
        self.promotion = promotion
        self.market = market
        self.market_effects = market_effects
        self.cov_type = cov_type
        self.maxlags = maxlags
        self.confidence = confidence_from_alpha(alpha, confidence, "PriceElasticityModel")
        self.simultaneous = simultaneous
        self.min_weeks = min_weeks
        self.zero_units = zero_units

    def fit(self, weekly_sales: pd.DataFrame, *, table: str = s.WEEKLY_SALES) -> PriceElasticityModel:
        """Fit one regression per product.

        Parameters
        ----------
        weekly_sales : pandas.DataFrame
            Columns ``week_start``, ``product_id``, ``price``, ``units``,
            ``on_promotion`` (only if ``promotion``), and ``market`` if set.
        table : str
            Name of the table in error messages.

        Returns
        -------
        PriceElasticityModel
            self, fitted.

        Raises
        ------
        xsell_lab.DataValidationError
            Missing columns, non-positive prices, negative (or, by default,
            zero) units, duplicated keys, too few weeks for a product, or a
            price that never changes.
        """
        self._check_settings()
        frame, self.dropped_zero_units_ = _clean_sales(weekly_sales, table, self._required_columns(), self.zero_units, self._keys())
        self._products = sorted(frame[s.PRODUCT_ID].unique())
        self._check_cross_products(table)
        self.results_, self.smearing_, self.market_intercepts_ = {}, {}, {}
        for product in self._products:
            y, x = self._design(frame, product)
            _check_enough_weeks(table, product, len(y), x.shape[1], self.min_weeks)
            _check_price_variation(table, product, x)
            if self._absorbs_markets():
                result = self._fit_within_markets(frame, product, y, x)
            else:
                result = sm.OLS(y, x).fit(**self._cov_kwargs(frame, x.index))
            self.results_[product] = result
            self.smearing_[product] = float(np.mean(np.exp(result.resid)))
        self.coefficients_ = pd.concat(
            [_coefficient_table(p, r, 1 - self.confidence) for p, r in self.results_.items()], ignore_index=True
        )
        self.interval_confidence_ = 1 - self._interval_alpha(self.confidence)
        self.elasticities_ = self._summary(self.confidence)
        self.n_rows_ = len(weekly_sales)
        return self

    @requires_fit
    def summary(self, *, confidence: float | None = None) -> pd.DataFrame:
        """The elasticity table: one row per elasticity (product, price_of).

        Parameters
        ----------
        confidence : float, optional
            Level of the intervals; default the model's ``confidence`` (0.95 unless
            set). With ``simultaneous`` every interval is widened to Bonferroni's
            ``1 - (1 - confidence) / m``.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`ELASTICITY_COLUMNS`: ``product`` (whose units),
            ``price_of`` (whose price), ``kind`` (``own`` / ``cross``),
            ``estimate`` (the elasticity), ``std_error``, ``ci_low``, ``ci_high``,
            ``p_value`` (test of a zero elasticity), ``relationship`` (``own`` for
            own-price rows; for cross rows ``complement`` when the whole interval is
            below zero, ``substitute`` when above, otherwise ``independent``) and
            ``n_obs`` (observations used).

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        """
        if confidence is None:
            return self.elasticities_.copy()
        return self._summary(check_confidence(confidence))

    def _summary(self, confidence: float) -> pd.DataFrame:
        alpha = self._interval_alpha(confidence)
        rows = [_elasticity_rows(p, r, alpha) for p, r in self.results_.items()]
        return pd.concat(rows, ignore_index=True)[ELASTICITY_COLUMNS]

    def _parameters(self) -> pd.Series:
        table = self.elasticities_
        return pd.Series(table["estimate"].to_numpy(), index=[f"e({p},{o})" for p, o in zip(table["product"], table["price_of"])])

    def _interval_alpha(self, confidence: float) -> float:
        """``1 - confidence``, divided by the number of elasticities when ``simultaneous`` (Bonferroni)."""
        n_elasticities = sum(term.startswith("log_price:") for r in self.results_.values() for term in r.params.index)
        return (1 - confidence) / n_elasticities if self.simultaneous else 1 - confidence

    @requires_fit
    def predict_units(self, scenario: pd.DataFrame, *, table: str = "scenario") -> pd.DataFrame:
        """Expected units under a price scenario.

        Parameters
        ----------
        scenario : pandas.DataFrame
            Same columns as the fitting table except ``units``: one row per
            (market,) week and product, holding *every* product whose price
            the regressions use. Products that were not fitted are only used
            as cross prices.
        table : str
            Name of the table in error messages.

        Returns
        -------
        pandas.DataFrame
            ``scenario``'s rows of fitted products with a column
            ``expected_units = exp(x b) * smearing`` (Duan 1983).
        """
        required = [c for c in self._required_columns() if c != s.UNITS]
        frame, _ = _clean_sales(scenario.assign(**{s.UNITS: 1}), table, required + [s.UNITS], "error", self._keys())
        parts = []
        for product in self._products:
            if not (frame[s.PRODUCT_ID] == product).any():
                continue
            _, x = self._design(frame, product)
            result = self.results_[product]
            rows = frame.loc[x.index]
            log_units = x.reindex(columns=result.model.exog_names, fill_value=0.0).to_numpy() @ result.params.to_numpy()
            if self._absorbs_markets():
                log_units = log_units + rows[self.market].map(self.market_intercepts_[product]).to_numpy()
            predicted = np.exp(log_units) * self.smearing_[product]
            parts.append(rows.drop(columns=s.UNITS).assign(expected_units=predicted))
        return pd.concat(parts).sort_index()

    # --- helpers ------------------------------------------------------------

    def _keys(self) -> list[str]:
        return ([self.market] if self.market else []) + [s.WEEK_START, s.PRODUCT_ID]

    def _required_columns(self) -> list[str]:
        columns = self._keys() + [s.PRICE, s.UNITS]
        return columns + ([s.ON_PROMOTION] if self.promotion else [])

    def _check_settings(self) -> None:
        if self.cov_type not in _COV_TYPES:
            raise ValueError(f"cov_type must be one of {', '.join(_COV_TYPES)}. Got {self.cov_type!r}.")
        if self.cov_type == "HAC" and self.market:
            raise ValueError("cov_type='HAC' needs one time series per product; with a market column use 'cluster' or 'HC1'.")
        if self.cov_type == "cluster" and not self.market:
            raise ValueError("cov_type='cluster' clusters by market: give the market column, or use 'HAC'.")
        if self.season not in (None, *_SEASONS):
            raise ValueError(f"season must be 'month', 'quarter' or None. Got {self.season!r}.")
        if self.zero_units not in ("error", "drop"):
            raise ValueError(f"zero_units must be 'error' or 'drop'. Got {self.zero_units!r}.")

    def _cross_for(self, product: str) -> list[str]:
        if self.cross_prices is None:
            return []
        if isinstance(self.cross_prices, str):
            if self.cross_prices != "all":
                raise ValueError(f"cross_prices must be 'all', None or a mapping. Got {self.cross_prices!r}.")
            return [p for p in self._products if p != product]
        return [p for p in self.cross_prices.get(product, []) if p != product]

    def _check_cross_products(self, table: str) -> None:
        if not isinstance(self.cross_prices, Mapping):
            return
        wanted = sorted({p for others in self.cross_prices.values() for p in others} | set(self.cross_prices))
        unknown = [p for p in wanted if p not in self._products]
        if unknown:
            raise DataValidationError(
                [Problem(table, s.PRODUCT_ID, "named in cross_prices have no rows", len(unknown), repr(unknown[0]))]
            )

    def _design(self, frame: pd.DataFrame, product: str) -> tuple[pd.Series, pd.DataFrame]:
        """Response and regressors of one product's regression (rows missing a cross price are left out)."""
        index = [self.market, s.WEEK_START] if self.market else [s.WEEK_START]
        own = frame.loc[(frame[s.PRODUCT_ID] == product) & (frame[s.UNITS] > 0)]
        others = self._cross_for(product)
        x = pd.DataFrame({f"log_price:{product}": np.log(own[s.PRICE].to_numpy())}, index=own.index)
        if others:
            wide = frame.loc[frame[s.PRODUCT_ID].isin(others)].pivot(index=index, columns=s.PRODUCT_ID, values=s.PRICE)
            matched = wide.reindex(pd.MultiIndex.from_frame(own[index]) if self.market else own[s.WEEK_START])
            for other in others:
                x[f"log_price:{other}"] = np.log(matched[other].to_numpy()) if other in matched else np.nan
        if self.promotion:
            x["promotion"] = own[s.ON_PROMOTION].astype(float).to_numpy()
        if self.season:
            x = x.join(_season_dummies(own[s.WEEK_START], self.season))
        constant_controls = [c for c in x.columns if not c.startswith("log_price:") and x[c].nunique() <= 1]
        x = sm.add_constant(x.drop(columns=constant_controls), has_constant="add").dropna()
        y = np.log(own.loc[x.index, s.UNITS].astype(float)).rename("log_units")
        return y, x

    def _absorbs_markets(self) -> bool:
        return bool(self.market) and self.market_effects

    def _fit_within_markets(self, frame: pd.DataFrame, product: str, y: pd.Series, x: pd.DataFrame):
        """OLS with one intercept per market, by the within (demeaning) transformation.

        Same slopes and residuals as OLS with market dummies (Frisch-Waugh-Lovell
        theorem; Wooldridge 2010, *Econometric Analysis of Cross Section and Panel
        Data*, sec. 10.5), with the residual degrees of freedom reduced by the
        absorbed intercepts, but without a design matrix with a column per market.
        """
        markets = frame.loc[x.index, self.market]
        slopes = x.drop(columns="const")
        y_within = y - y.groupby(markets).transform("mean")
        x_within = slopes - slopes.groupby(markets).transform("mean")
        model = sm.OLS(y_within, x_within)
        model.df_resid = model.df_resid - (markets.nunique() - 1) - 1
        result = model.fit(**self._cov_kwargs(frame, x.index))
        intercepts = y.groupby(markets).mean() - slopes.groupby(markets).mean() @ result.params
        self.market_intercepts_[product] = intercepts
        return result

    def _cov_kwargs(self, frame: pd.DataFrame, index: pd.Index) -> dict:
        if self.cov_type == "HAC":
            return {"cov_type": "HAC", "cov_kwds": {"maxlags": self.maxlags}}
        if self.cov_type == "cluster":
            groups = pd.factorize(frame.loc[index, self.market])[0]
            return {"cov_type": "cluster", "cov_kwds": {"groups": groups}}
        return {"cov_type": "HC1"}


def price_elasticities(weekly_sales: pd.DataFrame, **settings) -> pd.DataFrame:
    """The elasticity table in one call: ``PriceElasticityModel(**settings).fit(weekly_sales).summary()``.

    See :class:`PriceElasticityModel` for the settings and the columns.
    """
    return PriceElasticityModel(**settings).fit(weekly_sales).summary()


def pooled_own_elasticity(
    sales: pd.DataFrame,
    *,
    promotion: bool = False,
    confidence: float = 0.95,
    cov_type: str = "HC1",
    table: str = s.WEEKLY_SALES,
    alpha: float | None = None,
) -> pd.DataFrame:
    """One own-price elasticity shared by all products, with product intercepts.

    ``log(units) = a_product + e log(price) [+ b promotion] + u`` pooled over
    every row (Taddy 2019, ch. 2: the orange-juice regression
    ``log(sales) ~ brand + log(price)``). Useful for a category-level answer
    ("juice buyers are price-sensitive") when per-product series are short.

    Parameters
    ----------
    sales : pandas.DataFrame
        Columns ``product_id``, ``price`` (> 0), ``units`` (> 0) and
        ``on_promotion`` if ``promotion``; any number of rows per product
        (weeks, stores).
    promotion : bool
        Control for ``on_promotion``.
    confidence : float
        Level of the interval (0.95).
    cov_type : str
        statsmodels covariance type (``"HC1"`` robust by default, ``"nonrobust"`` classic).
    table : str
        Name of the table in error messages.
    alpha : float, optional
        Deprecated: ``1 - confidence`` (the keyword's name before xsell-lab 0.2).

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` (the elasticity), ``std_error``, ``ci_low``,
        ``ci_high``, ``n_obs``, ``n_products``.
    """
    confidence = confidence_from_alpha(alpha, confidence, "pooled_own_elasticity")
    required = [s.PRODUCT_ID, s.PRICE, s.UNITS] + ([s.ON_PROMOTION] if promotion else [])
    frame, _ = _clean_sales(sales, table, required, "error", keys=[])
    products = sorted(frame[s.PRODUCT_ID].unique())
    x = pd.DataFrame({"log_price": np.log(frame[s.PRICE].to_numpy())}, index=frame.index)
    if promotion:
        x["promotion"] = frame[s.ON_PROMOTION].astype(float)
    x = sm.add_constant(x.join(_category_dummies(frame[s.PRODUCT_ID], products, "product")), has_constant="add")
    result = sm.OLS(np.log(frame[s.UNITS].astype(float)), x).fit(cov_type=cov_type)
    low, high = result.conf_int(1 - confidence).loc["log_price"]
    return pd.DataFrame(
        {
            "estimate": [result.params["log_price"]],
            "std_error": [result.bse["log_price"]],
            "ci_low": [low],
            "ci_high": [high],
            "n_obs": [int(result.nobs)],
            "n_products": [len(products)],
        }
    )


# --- optimal price and price response -------------------------------------------


def optimal_price(unit_cost: float, elasticity: float) -> float:
    """Profit-maximising price under a constant elasticity (the Lerner rule).

    With demand ``q = A p^e`` and unit cost ``c``, profit ``(p - c) A p^e``
    peaks where ``(p - c) / p = -1 / e`` (Lerner 1934; Tirole 1988, eq. 1.1),
    i.e. ``p* = c e / (1 + e)``. Example: ``c = 60``, ``e = -2`` gives
    ``p* = 120`` (a 50 % margin, since ``-1 / e = 0.5``).

    Parameters
    ----------
    unit_cost : float
        Cost of one more unit (> 0).
    elasticity : float
        Own-price elasticity (< -1).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For inelastic demand (``-1 <= e``): each price rise then *raises*
        revenue and lowers cost, so profit grows without limit and there is no
        interior optimum. In reality the constant elasticity stops holding
        at higher prices; measure there, or price the product jointly with
        what it sells alongside (see :func:`price_response`).
    """
    if not unit_cost > 0:
        raise ValueError(f"unit_cost must be > 0. Got {unit_cost!r}.")
    if not elasticity < -1:
        raise ValueError(
            f"No profit-maximising price for elasticity {elasticity:g}: demand is inelastic (|e| <= 1), so a higher "
            "price always raises revenue and profit and the constant-elasticity model has no interior optimum. "
            "The model is only valid near the prices observed: test a moderate increase, or price the product "
            "together with its complements."
        )
    return unit_cost * elasticity / (1.0 + elasticity)


def optimal_prices(products: pd.DataFrame, *, table: str = "products") -> pd.DataFrame:
    """The Lerner rule for a table of products.

    Parameters
    ----------
    products : pandas.DataFrame
        Columns ``product_id``, ``price`` (current), ``unit_cost`` (> 0) and
        ``elasticity`` (own-price, < -1).
    table : str
        Name of the table in error messages.

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``optimal_price`` (:func:`optimal_price`),
        ``optimal_margin_pct`` (``-100 / e``), ``current_margin_pct`` and
        ``price_change_pct`` (optimal vs current).

    Raises
    ------
    xsell_lab.DataValidationError
        Naming the products whose demand is inelastic (no interior optimum,
        see :func:`optimal_price`) or whose cost is not positive.
    """
    require_columns(products, [s.PRODUCT_ID, s.PRICE, s.UNIT_COST, "elasticity"], table)
    problems = []
    for column, bad, rule in (
        ("elasticity", ~(products["elasticity"] < -1), "are inelastic (elasticity >= -1): no profit-maximising price exists, profit keeps rising with price"),
        (s.UNIT_COST, ~(products[s.UNIT_COST] > 0), "are not positive"),
    ):
        if bad.any():
            example = f"{products.loc[bad, s.PRODUCT_ID].iloc[0]!r} ({column} = {products.loc[bad, column].iloc[0]!r})"
            problems.append(Problem(table, column, rule, int(bad.sum()), example))
    if problems:
        raise DataValidationError(problems)
    e = products["elasticity"]
    best = products[s.UNIT_COST] * e / (1 + e)
    return products.assign(
        optimal_price=best,
        optimal_margin_pct=-100.0 / e,
        current_margin_pct=100.0 * (products[s.PRICE] - products[s.UNIT_COST]) / products[s.PRICE],
        price_change_pct=100.0 * (best / products[s.PRICE] - 1),
    )


def price_response(
    elasticities: pd.DataFrame,
    baseline: pd.DataFrame,
    product: str,
    price_changes: Sequence[float],
    *,
    significant_only: bool = True,
) -> pd.DataFrame:
    """What-if table: change one product's price, see units, revenue and margin of it and its neighbours.

    Units follow the constant-elasticity model, ``q_j' = q_j (1 + x)^{e_jk}``
    for a price change ``x`` of product ``k`` (own effect for ``j = k``, cross
    effects otherwise; Tellis 1988). Everything else stays at the baseline.

    Parameters
    ----------
    elasticities : pandas.DataFrame
        The table of :meth:`PriceElasticityModel.summary` (columns
        ``product``, ``price_of``, ``estimate``, ``relationship``). A table whose
        elasticity column has the pre-0.2 name ``elasticity`` is read with a
        ``FutureWarning`` until 0.3.
    baseline : pandas.DataFrame
        One row per product: ``product_id``, ``price``, ``unit_cost``,
        ``units`` (e.g. average weekly units at the current price).
    product : str
        Whose price changes.
    price_changes : sequence of float
        Relative changes, e.g. ``[-0.1, 0, 0.1]`` for -10 %, 0, +10 %.
    significant_only : bool
        Use only cross effects whose interval excludes zero (``relationship``
        complement / substitute); the others count as zero.

    Returns
    -------
    pandas.DataFrame
        Columns ``price_change``, ``product``, ``price``, ``units``,
        ``revenue``, ``margin``, ``units_change`` (vs baseline),
        ``margin_change`` (vs baseline); one row per price change and affected
        product (the product itself and those whose units react to its
        price), plus a row ``product = "total"`` per price change.
    """
    if "estimate" not in elasticities and "elasticity" in elasticities:
        warnings.warn(
            "price_response(): the elasticity table's column 'elasticity' is now 'estimate' (xsell-lab 0.2, "
            "PriceElasticityModel.summary); 'elasticity' stops working in 0.3",
            FutureWarning,
            stacklevel=2,
        )
        elasticities = elasticities.rename(columns={"elasticity": "estimate"})
    require_columns(elasticities, ["product", "price_of", "estimate", "relationship"], "elasticities")
    require_columns(baseline, [s.PRODUCT_ID, s.PRICE, s.UNIT_COST, s.UNITS], "baseline")
    effects = elasticities.loc[elasticities["price_of"] == product]
    if significant_only:
        effects = effects.loc[effects["relationship"] != "independent"]
    if not (effects["product"] == product).any():
        raise ValueError(f"No own-price elasticity of {product!r} in the elasticity table.")
    base = baseline.set_index(s.PRODUCT_ID)
    missing = sorted(set(effects["product"]) - set(base.index))
    if missing:
        raise DataValidationError([Problem("baseline", s.PRODUCT_ID, "are missing from the baseline", len(missing), repr(missing[0]))])
    rows = []
    for change in price_changes:
        if not change > -1:
            raise ValueError(f"A price change must be above -100 %. Got {change!r}.")
        for affected, e in effects.set_index("product")["estimate"].items():
            b = base.loc[affected]
            price = b[s.PRICE] * (1 + change) if affected == product else b[s.PRICE]
            units = b[s.UNITS] * (1 + change) ** e
            rows.append(
                {
                    "price_change": change,
                    "product": affected,
                    "price": price,
                    "units": units,
                    "revenue": price * units,
                    "margin": (price - b[s.UNIT_COST]) * units,
                    "units_change": units - b[s.UNITS],
                    "margin_change": (price - b[s.UNIT_COST]) * units - (b[s.PRICE] - b[s.UNIT_COST]) * b[s.UNITS],
                }
            )
    table = pd.DataFrame(rows, columns=PRICE_RESPONSE_COLUMNS)
    totals = table.groupby("price_change", as_index=False)[["revenue", "margin", "margin_change"]].sum()
    totals = totals.assign(product="total", price=np.nan, units=np.nan, units_change=np.nan)
    combined = pd.concat([table, totals[PRICE_RESPONSE_COLUMNS]], ignore_index=True)
    return combined.sort_values("price_change", kind="stable", ignore_index=True)


# --- bundles --------------------------------------------------------------------


def bundle_what_if(
    *,
    main_price: float,
    main_cost: float,
    addon_price: float,
    addon_cost: float,
    customers: float,
    share_main_only: float,
    share_addon_only: float,
    share_both: float,
    bundle_discount: float,
    uptake_main_only: float,
) -> pd.DataFrame:
    """Revenue and margin of pure components, pure bundling and mixed bundling.

    Terms of Stremersch & Tellis (2002); the strategies of Adams & Yellen
    (1976). The arithmetic is deliberately simple, and every assumption is a
    parameter you can argue about:

    * **pure components** (today): ``share_main_only`` of ``customers`` buy
      the main product alone, ``share_addon_only`` the add-on alone,
      ``share_both`` both, at list prices;
    * **mixed bundling** (both sold separately *and* as a bundle at
      ``(main_price + addon_price) * (1 - bundle_discount)``): everyone who
      bought both now pays the bundle price (the discount is given away to
      them); ``uptake_main_only`` of the main-only buyers are tipped into the
      bundle; add-on-only buyers are unchanged;
    * **pure bundling** (only the bundle is sold): both-buyers and the
      ``uptake_main_only`` share of main-only buyers buy the bundle; the other
      main-only buyers and all add-on-only buyers are lost.

    Parameters
    ----------
    main_price, main_cost, addon_price, addon_cost : float
        List prices and unit costs.
    customers : float
        Buyers of the main product or the add-on in the period.
    share_main_only, share_addon_only, share_both : float
        Shares of ``customers`` (sum to 1). ``share_both / (share_both +
        share_main_only)`` is the attach rate of the add-on.
    bundle_discount : float
        Discount on the sum of list prices, in [0, 1).
    uptake_main_only : float
        Share of main-only buyers who take the bundle (from a test, not a guess).

    Returns
    -------
    pandas.DataFrame
        One row per strategy (``pure_components``, ``mixed_bundling``,
        ``pure_bundling``): ``bundle_price`` (NaN without a bundle), buyer
        counts, ``units_main``, ``units_addon``, ``revenue``, ``margin``,
        ``margin_change`` vs pure components. Worked example: prices 1000 and
        50, costs 850 and 20, 100 customers, shares 0.7 / 0.1 / 0.2, discount
        0.1 and uptake 0.2 give a pure-components margin of
        ``90 * 150 + 30 * 30 = 14,400`` and a mixed-bundling margin of
        ``70*0.8*150 + 10*30 + 34*(945 - 870) = 11,250``.
    """
    shares = (share_main_only, share_addon_only, share_both, uptake_main_only)
    if any(not 0 <= v <= 1 for v in shares) or not np.isclose(sum(shares[:3]), 1.0):
        raise ValueError(
            "The three buyer shares must lie in [0, 1] and sum to 1, and uptake_main_only in [0, 1]. "
            f"Got main_only={share_main_only}, addon_only={share_addon_only}, both={share_both}, uptake={uptake_main_only}."
        )
    if not 0 <= bundle_discount < 1:
        raise ValueError(f"bundle_discount must be in [0, 1). Got {bundle_discount!r}.")
    bundle_price = (main_price + addon_price) * (1 - bundle_discount)
    bundle_margin = bundle_price - main_cost - addon_cost
    main_margin, addon_margin = main_price - main_cost, addon_price - addon_cost
    main_only, addon_only, both = (customers * v for v in shares[:3])
    switchers = main_only * uptake_main_only
    strategies = {
        "pure_components": (np.nan, main_only, addon_only, both, 0.0),
        "mixed_bundling": (bundle_price, main_only - switchers, addon_only, 0.0, both + switchers),
        "pure_bundling": (bundle_price, 0.0, 0.0, 0.0, both + switchers),
    }
    rows = []
    for name, (price, only_main, only_addon, both_separately, bundles) in strategies.items():
        rows.append(
            {
                "strategy": name,
                "bundle_price": price,
                "buyers_main_only": only_main,
                "buyers_addon_only": only_addon,
                "buyers_both": both_separately + bundles,
                "units_main": only_main + both_separately + bundles,
                "units_addon": only_addon + both_separately + bundles,
                "revenue": only_main * main_price + only_addon * addon_price
                + both_separately * (main_price + addon_price) + bundles * (0 if np.isnan(price) else price),
                "margin": only_main * main_margin + only_addon * addon_margin
                + both_separately * (main_margin + addon_margin) + bundles * bundle_margin,
            }
        )
    table = pd.DataFrame(rows)
    return table.assign(margin_change=table["margin"] - table["margin"].iloc[0])[BUNDLE_COLUMNS]


# --- dynamic pricing: a simple markdown rule -------------------------------------


def markdown_what_if(
    model: PriceElasticityModel,
    weekly_sales: pd.DataFrame,
    product: str,
    *,
    unit_cost: float,
    list_price: float,
    discount: float,
    months: Sequence[int],
) -> pd.DataFrame:
    """Evaluate a seasonal markdown rule with a fitted elasticity model.

    Two scenarios over the weeks of ``weekly_sales``: ``list_price_all_year``
    (no promotion, the product at ``list_price`` every week) and
    ``markdown_in_months`` (``discount`` off, flagged as a promotion, in the
    given calendar months). Other products keep their observed prices. Units
    come from :meth:`PriceElasticityModel.predict_units` (own, cross,
    promotion and season effects of the fitted model).

    Caveats: the model has seen discounts of the size it was fitted on only,
    ignores stock-piling (customers waiting for the sale) and competitor
    reactions, and prices that change too often or differ between customers
    hurt trust and can be unfair (Haws & Bearden 2006, *Journal of Consumer
    Research* 33(3)). A rule like this is a hypothesis for an A/B test.

    Parameters
    ----------
    model : PriceElasticityModel
        Fitted on data including ``product``.
    weekly_sales : pandas.DataFrame
        The weeks to evaluate (the fitting table works).
    product : str
        Product marked down.
    unit_cost, list_price : float
        The product's cost and undiscounted price.
    discount : float
        Markdown, in (0, 1).
    months : sequence of int
        Calendar months (1-12) of the markdown.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``weeks_discounted``, ``units``, ``revenue``,
        ``margin`` of ``product`` over the period, ``margin_change`` vs list
        price all year.
    """
    if not 0 < discount < 1:
        raise ValueError(f"discount must be in (0, 1). Got {discount!r}.")
    if model.market:
        raise ValueError("markdown_what_if needs a model fitted on one series per product (no market column).")
    weeks = weekly_sales.loc[weekly_sales[s.PRODUCT_ID] == product, s.WEEK_START]
    if weeks.empty:
        raise DataValidationError([Problem(s.WEEKLY_SALES, s.PRODUCT_ID, "match the product", 0, repr(product))])
    rows = []
    for name, in_markdown in (
        ("list_price_all_year", pd.Series(False, index=weeks.index)),
        ("markdown_in_months", weeks.dt.month.isin(list(months))),
    ):
        is_product = weekly_sales[s.PRODUCT_ID] == product
        flag = pd.Series(False, index=weekly_sales.index)
        flag.loc[in_markdown.index] = in_markdown.to_numpy()
        scenario = weekly_sales.assign(
            **{
                s.PRICE: weekly_sales[s.PRICE].where(~is_product, np.where(flag, list_price * (1 - discount), list_price)),
                s.ON_PROMOTION: weekly_sales[s.ON_PROMOTION].where(~is_product, flag),
            }
        ).drop(columns=s.UNITS)
        predicted = model.predict_units(scenario)
        mine = predicted.loc[predicted[s.PRODUCT_ID] == product]
        units = mine["expected_units"]
        rows.append(
            {
                "scenario": name,
                "weeks_discounted": int(in_markdown.sum()),
                "units": units.sum(),
                "revenue": (mine[s.PRICE] * units).sum(),
                "margin": ((mine[s.PRICE] - unit_cost) * units).sum(),
            }
        )
    table = pd.DataFrame(rows)
    return table.assign(margin_change=table["margin"] - table["margin"].iloc[0])[MARKDOWN_COLUMNS]


# --- which products to study ---------------------------------------------------------


def choose_focus_product(weekly_sales: pd.DataFrame, product: str = "auto") -> str:
    """The product given, or the one with the most revenue (price x units) in ``weekly_sales``.

    Parameters
    ----------
    weekly_sales : pandas.DataFrame
        ``product_id``, ``price`` and ``units``.
    product : str, default "auto"
        A value of ``product_id``, or ``"auto"`` (or ``""``) to let the data
        decide (ties by name).

    Returns
    -------
    str
        The product id.

    Raises
    ------
    ValueError
        A product that is not in ``weekly_sales`` (the message lists them, most revenue first).
    """
    require_columns(weekly_sales, [s.PRODUCT_ID, s.PRICE, s.UNITS], s.WEEKLY_SALES)
    revenue = (weekly_sales[s.PRICE] * weekly_sales[s.UNITS]).groupby(weekly_sales[s.PRODUCT_ID].astype(str)).sum()
    revenue = revenue.sort_index().sort_values(ascending=False, kind="stable")
    if product in ("auto", ""):
        if revenue.empty:
            raise ValueError(f"Table '{s.WEEKLY_SALES}' has no rows: no product to study.")
        return str(revenue.index[0])
    if product not in revenue.index:
        raise ValueError(
            f"Product {product!r} is not a value of column '{s.PRODUCT_ID}' of table '{s.WEEKLY_SALES}'; "
            f"values, most revenue first: {', '.join(revenue.index[:15])}. Use one of them, or 'auto'."
        )
    return product


def choose_price_pair(
    weekly_sales: pd.DataFrame, lines: pd.DataFrame, anchor: str = "auto", add_on: str = "auto"
) -> pd.Series:
    """A main product and its add-on, both priced in ``weekly_sales``, as customers buy them.

    :func:`xsell_lab.basket.choose_pair` at product level on the order lines
    of the products ``weekly_sales`` holds: with both auto, the pair the most
    customers bought both of; with ``anchor`` given, its most bought companion.

    Parameters
    ----------
    weekly_sales : pandas.DataFrame
        ``product_id`` (the products whose prices the elasticities measure).
    lines : pandas.DataFrame
        Order lines (:func:`xsell_lab.sales_lines`): ``customer_id``,
        ``order_date``, ``product_id``, ``unit_price``.
    anchor, add_on : str
        Values of ``product_id`` in ``weekly_sales``, or ``"auto"``.

    Returns
    -------
    pandas.Series
        As :func:`xsell_lab.basket.choose_pair`: ``anchor``, ``add_on``,
        ``customers``, ``anchor_first_share``, ``chosen_by_data``.

    Raises
    ------
    ValueError
        A product outside ``weekly_sales`` (the message lists them), or no
        customer who bought two of its products.
    """
    require_columns(weekly_sales, [s.PRODUCT_ID], s.WEEKLY_SALES)
    priced = sorted(weekly_sales[s.PRODUCT_ID].astype(str).unique())
    for name, value in (("anchor", anchor), ("add_on", add_on)):
        if value not in ("auto", "") and value not in priced:
            raise ValueError(
                f"{name} {value!r} is not a value of column '{s.PRODUCT_ID}' of table '{s.WEEKLY_SALES}'; "
                f"values: {', '.join(priced)}. Use one of them, or 'auto'."
            )
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, s.PRODUCT_ID], "sales_lines")
    return choose_pair(lines[lines[s.PRODUCT_ID].astype(str).isin(priced)], anchor, add_on, item_column=s.PRODUCT_ID)


# --- input checks and small helpers ------------------------------------------------


def _clean_sales(
    sales: pd.DataFrame, table: str, required: Sequence[str], zero_units: str, keys: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Check prices and units for logs; count zero-unit rows per product (their prices stay usable as cross prices)."""
    require_columns(sales, required, table)
    if sales.empty:
        raise DataValidationError([Problem(table, "(all columns)", "found: the table has no rows", 0)])
    frame = sales[list(dict.fromkeys(required))]
    problems = []
    for column in (s.PRICE, s.UNITS):
        values = pd.to_numeric(frame[column], errors="coerce")
        unreadable = values.isna()
        if unreadable.any():
            problems.append(Problem(table, column, "are empty or not numbers", int(unreadable.sum()), _example(frame[column], unreadable)))
            continue
        bad = values < 0 if (column == s.UNITS and zero_units == "drop") else values <= 0
        if bad.any():
            rule = "are zero or negative: log(price) is undefined" if column == s.PRICE else (
                "are negative" if zero_units == "drop" else "are zero or negative: log(units) is undefined"
            )
            hint = "" if column == s.PRICE or zero_units == "drop" else "Pass zero_units='drop' to leave zero-unit weeks out (counted)"
            problems.append(Problem(table, column, rule, int(bad.sum()), _example(frame[column], bad), hint))
    if problems:
        raise DataValidationError(problems)
    if keys:
        duplicated = frame.duplicated(list(keys), keep=False)
        if duplicated.any():
            first = frame.loc[duplicated, list(keys)].iloc[0]
            example = ", ".join(f"{k}={first[k]!r}" for k in keys)
            raise DataValidationError(
                [Problem(table, " + ".join(keys), "share their key with another row", int(duplicated.sum()), example,
                         "Aggregate to one row per key (sum units, average price) first")]
            )
    dropped = frame.loc[frame[s.UNITS] == 0, s.PRODUCT_ID].value_counts().astype(int).to_dict()
    return frame, {str(k): v for k, v in dropped.items()}


def _example(values: pd.Series, mask: pd.Series) -> str:
    position = int(np.flatnonzero(mask.to_numpy())[0])
    value = values.iloc[position]
    return f"{value.item() if isinstance(value, np.generic) else value!r} (row {position + 1})"


def _check_enough_weeks(table: str, product: str, n_obs: int, n_params: int, min_weeks: int) -> None:
    needed = max(min_weeks, n_params + 10)
    if n_obs < needed:
        raise DataValidationError(
            [
                Problem(table, s.WEEK_START, f"of product {product!r} are usable, too few for {n_params} coefficients "
                        f"(need at least {needed})", n_obs, repr(product),
                        "Use more weeks, fewer cross prices (cross_prices=None or a mapping) or season='quarter'")
            ]
        )


def _check_price_variation(table: str, product: str, x: pd.DataFrame) -> None:
    prices = [c for c in x.columns if c.startswith("log_price:")]
    flat = [c for c in prices if x[c].nunique() <= 1]
    if flat:
        name = flat[0].removeprefix("log_price:")
        raise DataValidationError(
            [
                Problem(table, s.PRICE, f"of product {name!r} never change in the weeks used for {product!r}, so its "
                        "effect on sales cannot be measured", len(x), f"{np.exp(x[flat[0]].iloc[0]):g}",
                        "Elasticities need price variation (promotions, list-price changes, tests)")
            ]
        )


def _season_dummies(weeks: pd.Series, season: str) -> pd.DataFrame:
    period = weeks.dt.month if season == "month" else weeks.dt.quarter
    return _category_dummies(period, list(range(1, _SEASONS[season] + 1)), "season")


def _category_dummies(values: pd.Series, categories: Sequence, prefix: str) -> pd.DataFrame:
    """0/1 columns for every category but the first (the baseline)."""
    coded = pd.Categorical(values, categories=list(categories))
    dummies = pd.get_dummies(coded, prefix=prefix, drop_first=True, dtype=float)
    dummies.index = values.index
    return dummies


def _coefficient_table(product: str, result, alpha: float) -> pd.DataFrame:
    interval = result.conf_int(alpha)
    return pd.DataFrame(
        {
            "product": product,
            "term": result.params.index,
            "estimate": result.params.to_numpy(),
            "std_error": result.bse.to_numpy(),
            "ci_low": interval[0].to_numpy(),
            "ci_high": interval[1].to_numpy(),
        }
    )


def _elasticity_rows(product: str, result, alpha: float) -> pd.DataFrame:
    terms = [t for t in result.params.index if t.startswith("log_price:")]
    interval = result.conf_int(alpha).loc[terms]
    table = pd.DataFrame(
        {
            "product": product,
            "price_of": [t.removeprefix("log_price:") for t in terms],
            "estimate": result.params[terms].to_numpy(),
            "std_error": result.bse[terms].to_numpy(),
            "ci_low": interval[0].to_numpy(),
            "ci_high": interval[1].to_numpy(),
            "p_value": result.pvalues[terms].to_numpy(),
            "n_obs": int(result.nobs),
        }
    )
    own = table["price_of"] == product
    relationship = np.select(
        [own, table["ci_high"] < 0, table["ci_low"] > 0], ["own", "complement", "substitute"], default="independent"
    )
    return table.assign(kind=np.where(own, "own", "cross"), relationship=relationship)
