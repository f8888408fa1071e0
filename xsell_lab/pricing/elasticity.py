"""Own- and cross-price elasticities from weekly prices and units.

:class:`PriceElasticityModel` (and the shortcut :func:`price_elasticities`)
fits one log-log regression per product on weekly price and units,

``log(units_i,t) = a_i + e_ii log(price_i,t) + sum_j e_ij log(price_j,t)
+ b_i promotion_i,t + season_t + u_i,t``,

so each slope is an elasticity: the percent change in units of product
``i`` for a 1 % change in the price of product ``j`` (Tellis 1988; Taddy
2019, ch. 2). Standard errors are robust to autocorrelation (Newey & West
1987) by default; panel data (a market column) get market intercepts by the
within transformation (Wooldridge 2010) and clustered errors, and, by
default, week fixed effects: prices are compared between markets within the
same week, so a chain-wide weekly shock (a holiday, the weather, a
competitor's campaign) that moves every brand's sales in the weeks the chain
cuts prices is not read as a price effect (two-way fixed effects, Wooldridge
2010, sec. 10.5; Angrist & Pischke 2009, sec. 5.1). Predicted units are
retransformed with Duan's (1983) smearing factor.

References
----------
Angrist, J. D. & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*, Princeton
University Press, sec. 5.1 (fixed effects for time and units).
Duan, N. (1983). Smearing estimate: a nonparametric retransformation method.
*JASA* 78(383), 605-610.
Dunn, O. J. (1961). Multiple comparisons among means. *JASA* 56(293), 52-64.
Newey, W. K. & West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity
and autocorrelation consistent covariance matrix. *Econometrica* 55(3), 703-708.
Taddy, M. (2019). *Business Data Science*, McGraw-Hill, ch. 2 (orange-juice elasticities).
Tellis, G. J. (1988). The price elasticity of selective demand: a meta-analysis of
econometric models of sales. *Journal of Marketing Research* 25(4), 331-341.
Wooldridge, J. M. (2010). *Econometric Analysis of Cross Section and Panel Data*
(2nd ed.), MIT Press, sec. 10.5 (fixed effects by the within transformation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from xsell_lab.data import schema as s
from xsell_lab.exceptions import DataValidationError, Problem
from xsell_lab.pricing._common import category_dummies, clean_sales
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

#: Columns of :func:`shared_weekly_shocks`.
SHOCK_COLUMNS = ["products", "weeks", "estimate", "chance_bound"]

_SEASONS = {"month": 12, "quarter": 4}
_COV_TYPES = ("HAC", "HC1", "cluster")


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
    week_effects : bool
        With a ``market`` column, give every week its own intercept (per
        product; the default): elasticities then come from price differences
        between markets in the same week, and a shock that hits every market
        in a week (a holiday, a heatwave, a chain-wide advertising week) cannot
        pass for a price effect. Without them, chain-wide promotions that
        coincide with such shocks make substitutes look like complements (on
        Dominick's 11 orange-juice brands, most of the complements disappear
        with week effects; ``tests/test_pricing.py``). Week dummies replace the
        season dummies (a week determines its season). With one series per
        product (no ``market``) a week's own intercept would absorb that
        week's prices, so there is nothing to compare within a week: the
        model keeps ``season`` and ``week_effects_`` is False. False switches
        them off, e.g. to show in class what they change.
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
    residuals_ : pandas.DataFrame
        Each regression's residuals: the key columns (``market``, ``week_start``,
        ``product_id``) and ``residual`` (log units the model does not explain).
    week_effects_ : bool
        Whether week fixed effects were fitted (``week_effects`` and a ``market`` column).
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
        week_effects: bool = True,
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
        self.week_effects = week_effects
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
        self.week_effects_ = bool(self.week_effects and self.market)
        frame, self.dropped_zero_units_ = clean_sales(weekly_sales, table, self._required_columns(), self.zero_units, self._keys())
        self._products = sorted(frame[s.PRODUCT_ID].unique())
        self._weeks = sorted(frame[s.WEEK_START].unique())  # the week effects' categories, also when predicting
        self._check_cross_products(table)
        self.results_, self.smearing_, self.market_intercepts_ = {}, {}, {}
        residuals = []
        for product in self._products:
            y, x = self._design(frame, product)
            _check_enough_weeks(table, product, len(y), x.shape[1], self.min_weeks)
            _check_price_variation(table, product, x)
            if self._absorbs_markets():
                result = self._fit_within_markets(frame, product, y, x)
            else:
                result = sm.OLS(y, x).fit(**self._cov_kwargs(frame, x.index))
            self.results_[product] = result
            residuals.append(frame.loc[x.index, self._keys()].assign(residual=np.asarray(result.resid)))
            self.smearing_[product] = float(np.mean(np.exp(result.resid)))
        self.coefficients_ = pd.concat(
            [_coefficient_table(p, r, 1 - self.confidence) for p, r in self.results_.items()], ignore_index=True
        )
        self.interval_confidence_ = 1 - self._interval_alpha(self.confidence)
        self.elasticities_ = self._summary(self.confidence)
        self.residuals_ = pd.concat(residuals, ignore_index=True)
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
        frame, _ = clean_sales(scenario.assign(**{s.UNITS: 1}), table, required + [s.UNITS], "error", self._keys())
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
        if self.week_effects_:
            x = x.join(category_dummies(own[s.WEEK_START], self._weeks, "week"))
        elif self.season:
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


def shared_weekly_shocks(model: PriceElasticityModel, *, confidence: float = 0.95) -> pd.DataFrame:
    """Do the products' unexplained weekly ups and downs move together? A check for shocks shared by every product.

    A week that lifts or sinks every product at once (a holiday, the weather, a
    chain-wide advertising push) leaves the same sign in every product's
    residual that week. The check is the mean Pearson correlation of the
    residuals of every pair of products over the weeks (and markets) they
    share. For independent products each pairwise correlation has a variance
    of about ``1 / n`` for ``n`` shared weeks (Fisher 1921, *Metron* 1, 3-32),
    and the correlations of different pairs are uncorrelated, so the mean of
    ``m`` of them stays within ``z * sqrt(1 / (m n))`` (``chance_bound``) with
    probability ``confidence``. A mean above it is the footprint of a shared
    shock that week effects (:class:`PriceElasticityModel` with a market
    column) would remove.

    Parameters
    ----------
    model : PriceElasticityModel
        A fitted model (its ``residuals_``).
    confidence : float
        Level of the chance bound.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`SHOCK_COLUMNS`: ``products``, ``weeks`` (the median
        number of shared observations of a pair), ``estimate`` (the mean pairwise
        correlation) and ``chance_bound``.
    """
    residuals = model.residuals_
    wide = residuals.pivot(index=[k for k in model._keys() if k != s.PRODUCT_ID], columns=s.PRODUCT_ID, values="residual")
    correlations = wide.corr(min_periods=3).to_numpy()
    shared = wide.notna().astype(float).T.dot(wide.notna().astype(float)).to_numpy()
    upper = np.triu_indices(wide.shape[1], k=1)
    pairs = ~np.isnan(correlations[upper])
    weeks = float(np.median(shared[upper][pairs])) if pairs.any() else 0.0
    bound = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(1 / (pairs.sum() * weeks)) if pairs.any() else np.nan
    mean = float(correlations[upper][pairs].mean()) if pairs.any() else np.nan
    return pd.DataFrame([{"products": wide.shape[1], "weeks": int(weeks), "estimate": mean, "chance_bound": bound}], columns=SHOCK_COLUMNS)


# --- checks and tables of the regressions --------------------------------------


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
    return category_dummies(period, list(range(1, _SEASONS[season] + 1)), "season")


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
