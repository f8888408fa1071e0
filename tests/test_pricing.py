"""Tests of xsell_lab.pricing: hand-computed examples, planted truth, Dominick's orange juice."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import optimize

from xsell_lab import DataValidationError, pricing
from xsell_lab.data import schema as s
from xsell_lab.exceptions import NotFittedError
from xsell_lab.plots import pricing as pricing_plots

from skips import shared_file

# --- small hand-made data -------------------------------------------------------


def _noiseless_sales(n_weeks: int = 80, own: float = -2.0, cross: float = 0.5, promo: float = 0.1) -> pd.DataFrame:
    """Two products: A's units follow an exact log-log law in its own and B's price."""
    rng = np.random.default_rng(7)
    weeks = pd.date_range("2024-01-01", periods=n_weeks, freq="7D")
    price_a = 100 * np.exp(rng.normal(0, 0.1, n_weeks))
    price_b = 40 * np.exp(rng.normal(0, 0.1, n_weeks))
    promo_a = rng.random(n_weeks) < 0.3
    units_a = 500 * price_a**own * price_b**cross * np.exp(promo * promo_a)
    units_b = 300 * price_b**-1.5 * price_a**0.2
    frame_a = pd.DataFrame({s.WEEK_START: weeks, s.PRODUCT_ID: "A", s.PRICE: price_a, s.UNITS: units_a, s.ON_PROMOTION: promo_a})
    frame_b = pd.DataFrame({s.WEEK_START: weeks, s.PRODUCT_ID: "B", s.PRICE: price_b, s.UNITS: units_b, s.ON_PROMOTION: False})
    return pd.concat([frame_a, frame_b], ignore_index=True)


def test_noiseless_log_log_series_recovers_the_exact_elasticities():
    table = pricing.price_elasticities(_noiseless_sales(), season=None, cov_type="HC1").set_index(["product", "price_of"])
    assert table.loc[("A", "A"), "estimate"] == pytest.approx(-2.0, abs=1e-9)
    assert table.loc[("A", "B"), "estimate"] == pytest.approx(0.5, abs=1e-9)
    assert table.loc[("B", "B"), "estimate"] == pytest.approx(-1.5, abs=1e-9)
    assert table.loc[("B", "A"), "estimate"] == pytest.approx(0.2, abs=1e-9)
    assert table.loc[("A", "B"), "relationship"] == "substitute"
    assert list(table.reset_index().columns) == pricing.ELASTICITY_COLUMNS


def test_promotion_coefficient_and_predictions_are_exact_without_noise():
    sales = _noiseless_sales()
    model = pricing.PriceElasticityModel(season="quarter", cov_type="HC1").fit(sales)
    promo = model.coefficients_.set_index(["product", "term"]).loc[("A", "promotion"), "estimate"]
    assert promo == pytest.approx(0.1, abs=1e-9)
    predicted = model.predict_units(sales.drop(columns=s.UNITS))
    assert np.allclose(predicted["expected_units"], sales.loc[predicted.index, s.UNITS], rtol=1e-8)


def test_input_table_is_not_modified():
    sales = _noiseless_sales()
    before = sales.copy()
    pricing.PriceElasticityModel(cov_type="HC1").fit(sales)
    pd.testing.assert_frame_equal(sales, before)


# --- optimal price ----------------------------------------------------------------


def test_lerner_rule_on_a_worked_example():
    # cost 60, elasticity -2: margin share -1/e = 50 %, so p* = 120 (= 60 * -2 / -1)
    assert pricing.optimal_price(60.0, -2.0) == pytest.approx(120.0)
    assert pricing.optimal_price(100.0, -3.0) == pytest.approx(150.0)


def test_lerner_rule_matches_a_numerical_profit_maximum():
    cost, elasticity = 764.15, -1.6
    best = optimize.minimize_scalar(lambda p: -(p - cost) * p**elasticity, bounds=(cost, 20 * cost), method="bounded")
    assert pricing.optimal_price(cost, elasticity) == pytest.approx(best.x, rel=1e-4)


@pytest.mark.parametrize("elasticity", [-1.0, -0.8, 0.3])
def test_inelastic_demand_raises_a_clear_error(elasticity):
    with pytest.raises(ValueError, match="inelastic"):
        pricing.optimal_price(10.0, elasticity)


def test_inelastic_error_prints_the_elasticity_to_two_decimals():
    """Notebook 06 printed 'elasticity -0.713751': a regression estimate shown to six digits."""
    with pytest.raises(ValueError, match=r"for elasticity -0\.71: demand is inelastic"):
        pricing.optimal_price(10.0, -0.713751)


def test_optimal_prices_table_names_the_inelastic_products():
    products = pd.DataFrame(
        {s.PRODUCT_ID: ["LAP", "INK", "CASE"], s.PRICE: [900.0, 39.0, 29.0], s.UNIT_COST: [760.0, 13.65, 13.0], "elasticity": [-1.6, -0.8, -1.0]}
    )
    with pytest.raises(DataValidationError) as error:
        pricing.optimal_prices(products)
    message = str(error.value)
    assert "'products', column 'elasticity'" in message and "2 row(s)" in message and "'INK'" in message
    elastic = pricing.optimal_prices(products.iloc[:1])
    assert elastic["optimal_price"].iloc[0] == pytest.approx(760 * 1.6 / 0.6)
    assert elastic["optimal_margin_pct"].iloc[0] == pytest.approx(62.5)


def test_price_response_by_hand():
    elasticities = pd.DataFrame(
        {
            "product": ["P", "INK", "CASE"],
            "price_of": ["P", "P", "P"],
            "estimate": [-2.0, -0.5, 0.01],
            "relationship": ["own", "complement", "independent"],
        }
    )
    baseline = pd.DataFrame({s.PRODUCT_ID: ["P", "INK", "CASE"], s.PRICE: [200.0, 40.0, 30.0], s.UNIT_COST: [170.0, 14.0, 13.0], s.UNITS: [100.0, 300.0, 50.0]})
    table = pricing.price_response(elasticities, baseline, "P", [-0.1, 0.0])
    cut = table.loc[table["price_change"] == -0.1].set_index("product")
    assert set(cut.index) == {"P", "INK", "total"}  # the independent case is left out
    assert cut.loc["P", "units"] == pytest.approx(100 * 0.9**-2.0)
    assert cut.loc["INK", "units"] == pytest.approx(300 * 0.9**-0.5)
    printer = (180 - 170) * 100 / 0.81 - 30 * 100
    ink = 26 * 300 * (0.9**-0.5 - 1)
    assert cut.loc["P", "margin_change"] == pytest.approx(printer)
    assert cut.loc["total", "margin_change"] == pytest.approx(printer + ink)
    unchanged = table.loc[table["price_change"] == 0.0]
    assert np.allclose(unchanged["margin_change"], 0.0)


# --- bundles ----------------------------------------------------------------------


def test_bundle_arithmetic_by_hand():
    table = pricing.bundle_what_if(
        main_price=1000, main_cost=850, addon_price=50, addon_cost=20, customers=100,
        share_main_only=0.7, share_addon_only=0.1, share_both=0.2, bundle_discount=0.1, uptake_main_only=0.2,
    ).set_index("strategy")
    # pure components: 70 laptops alone, 10 cases alone, 20 both at list prices
    assert table.loc["pure_components", "revenue"] == pytest.approx(70 * 1000 + 10 * 50 + 20 * 1050)
    assert table.loc["pure_components", "margin"] == pytest.approx(90 * 150 + 30 * 30)
    # mixed: bundle at 945 (margin 75) for the 20 + 14 switchers; 56 laptops alone; 10 cases alone
    assert table.loc["mixed_bundling", "bundle_price"] == pytest.approx(945)
    assert table.loc["mixed_bundling", "revenue"] == pytest.approx(56 * 1000 + 10 * 50 + 34 * 945)
    assert table.loc["mixed_bundling", "margin"] == pytest.approx(56 * 150 + 10 * 30 + 34 * 75)
    assert table.loc["mixed_bundling", "units_addon"] == pytest.approx(44)
    # pure bundling: only the 34 bundles
    assert table.loc["pure_bundling", "margin"] == pytest.approx(34 * 75)
    assert table.loc["mixed_bundling", "margin_change"] == pytest.approx(11250 - 14400)


def test_bundle_shares_must_add_up():
    with pytest.raises(ValueError, match="sum to 1"):
        pricing.bundle_what_if(
            main_price=10, main_cost=5, addon_price=2, addon_cost=1, customers=10,
            share_main_only=0.5, share_addon_only=0.5, share_both=0.5, bundle_discount=0.1, uptake_main_only=0.1,
        )


# --- planted truth --------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted(bundled_company):
    return pricing.PriceElasticityModel().fit(bundled_company.weekly_sales)


def test_planted_elasticities_are_recovered_within_3_5_standard_errors(fitted, ground_truth):
    table = fitted.summary().set_index(["product", "price_of"])
    for product, spec in ground_truth["weekly_sales"]["products"].items():
        planted = {product: spec["own_elasticity"], **spec["cross_elasticities"]}
        for price_of, value in planted.items():
            row = table.loc[(product, price_of)]
            assert abs(row["estimate"] - value) <= 3.5 * row["std_error"], (product, price_of, row["estimate"], value)
            assert np.sign(row["estimate"]) == np.sign(value), (product, price_of)
            if price_of != product:
                expected = "complement" if value < 0 else "substitute"
                assert row["relationship"] == expected, (product, price_of, row["relationship"])
        assert row["std_error"] < 0.25


def test_planted_promotion_lift_is_recovered(fitted, ground_truth):
    lift = ground_truth["weekly_sales"]["promotion_lift_log"]
    promo = fitted.coefficients_.loc[fitted.coefficients_["term"] == "promotion"]
    assert (abs(promo["estimate"] - lift) <= 3.5 * promo["std_error"]).all(), promo


def test_simultaneous_intervals_find_every_planted_pair_and_no_phantom_pairs(bundled_company, ground_truth):
    table = pricing.price_elasticities(bundled_company.weekly_sales, simultaneous=True)
    products = ground_truth["weekly_sales"]["products"]
    planted = {(p, o) for p, spec in products.items() for o in spec["cross_elasticities"]}
    cross = table.loc[table["kind"] == "cross"]
    is_planted = np.array([(p, o) in planted for p, o in zip(cross["product"], cross["price_of"])])
    assert (cross.loc[is_planted, "relationship"] != "independent").all()
    # family-wise 5 %: at most one or two of the 80 planted zeros may look related
    assert (cross.loc[~is_planted, "relationship"] != "independent").sum() <= 2
    ordinary = pricing.price_elasticities(bundled_company.weekly_sales)
    width = (table["ci_high"] - table["ci_low"]) / (ordinary["ci_high"] - ordinary["ci_low"])
    assert np.allclose(width, 3.4808 / 1.95996, rtol=1e-3)  # z(1 - 0.05 / 200) / z(0.975)


def test_markdown_rule_units_follow_the_fitted_elasticity_and_promotion_lift(fitted, bundled_company):
    weekly = bundled_company.weekly_sales
    table = pricing.markdown_what_if(
        fitted, weekly, "LAP-STD", unit_cost=764.15, list_price=899.0, discount=0.2, months=[11, 12]
    ).set_index("scenario")
    coefficients = fitted.coefficients_.set_index(["product", "term"])
    own = coefficients.loc[("LAP-STD", "log_price:LAP-STD"), "estimate"]
    lift = coefficients.loc[("LAP-STD", "promotion"), "estimate"]
    weeks = weekly.loc[weekly[s.PRODUCT_ID] == "LAP-STD", s.WEEK_START]
    in_markdown = weeks.dt.month.isin([11, 12]).to_numpy()
    assert table.loc["markdown_in_months", "weeks_discounted"] == in_markdown.sum()
    base = fitted.predict_units(
        weekly.assign(
            **{
                s.PRICE: weekly[s.PRICE].where(weekly[s.PRODUCT_ID] != "LAP-STD", 899.0),
                s.ON_PROMOTION: weekly[s.ON_PROMOTION].where(weekly[s.PRODUCT_ID] != "LAP-STD", False),
            }
        ).drop(columns=s.UNITS)
    )
    base_units = base.loc[base[s.PRODUCT_ID] == "LAP-STD", "expected_units"].to_numpy()
    expected = base_units.sum() + base_units[in_markdown].sum() * (0.8**own * np.exp(lift) - 1)
    assert table.loc["markdown_in_months", "units"] == pytest.approx(expected, rel=1e-9)
    assert table.loc["list_price_all_year", "units"] == pytest.approx(base_units.sum(), rel=1e-9)


# --- bad input ----------------------------------------------------------------------------


def test_non_positive_price_is_named_with_count_and_example():
    sales = _noiseless_sales()
    sales.loc[[3, 5], s.PRICE] = [0.0, -1.0]
    with pytest.raises(DataValidationError) as error:
        pricing.PriceElasticityModel(cov_type="HC1").fit(sales)
    message = str(error.value)
    assert "table 'weekly_sales', column 'price': 2 row(s)" in message
    assert "log(price) is undefined" in message and "0.0 (row 4)" in message


def test_zero_units_are_refused_or_dropped_and_counted():
    sales = _noiseless_sales()
    sales.loc[[1, 2, 90], s.UNITS] = 0
    with pytest.raises(DataValidationError, match=r"column 'units': 3 row\(s\) are zero or negative.*zero_units='drop'"):
        pricing.PriceElasticityModel(cov_type="HC1").fit(sales)
    model = pricing.PriceElasticityModel(cov_type="HC1", season=None, zero_units="drop").fit(sales)
    assert model.dropped_zero_units_ == {"A": 2, "B": 1}
    assert model.summary().set_index(["product", "price_of"]).loc[("A", "A"), "n_obs"] == 78


def test_too_few_weeks_is_a_clear_error():
    with pytest.raises(DataValidationError, match=r"week_start.*too few for .* coefficients \(need at least 26\)"):
        pricing.PriceElasticityModel(cov_type="HC1", season=None).fit(_noiseless_sales(n_weeks=20))


def test_a_price_that_never_changes_is_a_clear_error():
    sales = _noiseless_sales()
    sales.loc[sales[s.PRODUCT_ID] == "B", s.PRICE] = 40.0
    with pytest.raises(DataValidationError, match=r"price.*product 'B' never change"):
        pricing.PriceElasticityModel(cov_type="HC1", season=None).fit(sales)


def test_duplicated_weeks_and_missing_columns_are_named():
    sales = _noiseless_sales()
    with pytest.raises(DataValidationError, match=r"week_start \+ product_id.*share their key"):
        pricing.PriceElasticityModel(cov_type="HC1").fit(pd.concat([sales, sales.iloc[:1]]))
    with pytest.raises(DataValidationError, match="column 'on_promotion': .* missing"):
        pricing.PriceElasticityModel(cov_type="HC1").fit(sales.drop(columns=s.ON_PROMOTION))


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="market column"):
        pricing.PriceElasticityModel(market="store", cov_type="HAC").fit(_noiseless_sales())
    with pytest.raises(NotFittedError, match=r"call fit\(weekly_sales\) first"):
        pricing.PriceElasticityModel().summary()


def test_the_old_alpha_keyword_and_elasticity_column_keep_their_meaning(fitted, bundled_company):
    with pytest.warns(FutureWarning, match=r"alpha= of an interval is now confidence="):
        old = pricing.PriceElasticityModel(alpha=0.1)
    assert old.confidence == pytest.approx(0.9) and "alpha" not in repr(old)
    z90, z95 = 1.6448536, 1.9599640
    at_90 = fitted.summary(confidence=0.9)
    width = (at_90["ci_high"] - at_90["ci_low"]) / (fitted.summary()["ci_high"] - fitted.summary()["ci_low"])
    assert np.allclose(width, z90 / z95, rtol=1e-6)
    with pytest.warns(FutureWarning, match=r"alpha= of an interval is now confidence="):
        pooled_old = pricing.pooled_own_elasticity(bundled_company.weekly_sales, alpha=0.1)
    pd.testing.assert_frame_equal(pooled_old, pricing.pooled_own_elasticity(bundled_company.weekly_sales, confidence=0.9))
    baseline = pd.DataFrame({s.PRODUCT_ID: ["LAP-STD"], s.PRICE: [899.0], s.UNIT_COST: [764.15], s.UNITS: [100.0]})
    own = fitted.summary().query("product == price_of")
    new = pricing.price_response(own, baseline, "LAP-STD", [-0.1])
    with pytest.warns(FutureWarning, match="column 'elasticity' is now 'estimate'"):
        renamed = pricing.price_response(own.rename(columns={"estimate": "elasticity"}), baseline, "LAP-STD", [-0.1])
    pd.testing.assert_frame_equal(renamed, new)


# --- independent reference: Dominick's orange juice ----------------------------------------------


@pytest.fixture(scope="module")
def orange_juice_3brand():
    return pd.read_csv(shared_file("dominicks/dominicks_oj_3brand.csv.gz"))


def _oj_sales(oj: pd.DataFrame, brand: pd.Series, price: pd.Series, promotion: pd.Series) -> pd.DataFrame:
    """Dominick's rows in the weekly-sales shape; week numbers become (arbitrary) Mondays."""
    return pd.DataFrame(
        {
            "store": oj["store"].astype(str),
            s.WEEK_START: pd.Timestamp("1989-01-02") + pd.to_timedelta(oj["week"] * 7, unit="D"),
            s.PRODUCT_ID: brand,
            s.PRICE: price,
            s.UNITS: np.exp(oj["logmove"]),
            s.ON_PROMOTION: promotion.astype(bool),
        }
    )


def test_pooled_orange_juice_elasticity_matches_taddy(orange_juice_3brand):
    # Taddy (2019), Business Data Science, ch. 2: glm(log(sales) ~ brand + log(price)) on these 28,947 rows
    # gives log(price) = -3.13869 (s.e. 0.023), brand intercepts minute.maid 0.87017, tropicana 1.52994.
    oj = orange_juice_3brand
    sales = _oj_sales(oj, oj["brand"], oj["price"], oj["feat"])
    pooled = pricing.pooled_own_elasticity(sales, cov_type="nonrobust").iloc[0]
    assert pooled["estimate"] == pytest.approx(-3.13869, abs=5e-5)
    assert pooled["std_error"] == pytest.approx(0.023, abs=5e-4)
    assert pooled["n_obs"] == 28947


def test_brand_elasticities_match_the_interaction_model_and_formula_api(orange_juice_3brand):
    oj = orange_juice_3brand
    sales = _oj_sales(oj, oj["brand"], oj["price"], oj["feat"])
    settings = dict(cross_prices=None, season=None, promotion=False, market="store", cov_type="cluster", week_effects=False)  # as published: no time effects
    plain = pricing.PriceElasticityModel(**settings, market_effects=False).fit(sales).summary().set_index("product")
    # glm(log(sales) ~ log(price) * brand): dominicks -3.3775, minute.maid -3.3775 + 0.0568,
    # tropicana -3.3775 + 0.6658 (Taddy's ch. 2 interaction model, as reproduced in course notes)
    published = {"dominicks": -3.3775, "minute.maid": -3.3207, "tropicana": -2.7118}
    formula = smf.ols('logmove ~ np.log(price) * C(brand, Treatment("dominicks"))', data=oj).fit()
    slope = formula.params["np.log(price)"]
    for brand, value in published.items():
        term = f'np.log(price):C(brand, Treatment("dominicks"))[T.{brand}]'
        reference = slope + formula.params.get(term, 0.0)
        assert plain.loc[brand, "estimate"] == pytest.approx(reference, abs=1e-8)
        assert plain.loc[brand, "estimate"] == pytest.approx(value, abs=1e-3)
    # with store intercepts: identical to statsmodels with C(store) dummies, brand by brand
    within = pricing.PriceElasticityModel(**settings).fit(sales).summary().set_index("product")
    for brand, rows in oj.groupby("brand"):
        reference = smf.ols("logmove ~ np.log(price) + C(store)", data=rows).fit(cov_type="cluster", cov_kwds={"groups": rows["store"]})
        assert within.loc[brand, "estimate"] == pytest.approx(reference.params["np.log(price)"], abs=1e-8)
        assert within.loc[brand, "std_error"] == pytest.approx(reference.bse["np.log(price)"], rel=0.02)
        assert -4.5 < within.loc[brand, "estimate"] < -2.0  # juice shoppers are price-sensitive


@pytest.fixture(scope="module")
def orange_juice_11brand() -> pd.DataFrame:
    """Dominick's 11 orange-juice brands in 83 stores (Montgomery 1997), one row per store, week and brand."""
    oj = pd.read_csv(shared_file("dominicks/orangejuice_yx.csv.gz"))
    prices = oj[[f"price{b}" for b in range(1, 12)]].to_numpy()
    own_price = np.take_along_axis(prices, (oj["brand"].to_numpy() - 1)[:, None], axis=1)[:, 0]
    return _oj_sales(oj, "brand" + oj["brand"].astype(str).str.zfill(2), pd.Series(own_price), oj["deal"])


@pytest.fixture(scope="module")
def orange_juice_tables(orange_juice_11brand) -> dict[bool, pd.DataFrame]:
    """The simultaneous elasticity tables without and with week fixed effects, keyed by ``week_effects``."""
    settings = dict(market="store", cov_type="cluster", season=None, simultaneous=True)
    return {
        week_effects: pricing.price_elasticities(orange_juice_11brand, week_effects=week_effects, **settings).set_index(["product", "price_of"])
        for week_effects in (False, True)
    }


#: A cross elasticity smaller than this in size is a small effect: 10 % dearer brand, under 1.5 % fewer units of another.
SMALL_CROSS_ELASTICITY = 0.15


def test_orange_juice_brands_are_substitutes_without_week_effects(orange_juice_tables):
    table = orange_juice_tables[False]
    own = table.loc[table["kind"] == "own"]
    assert (own["ci_high"] < 0).all(), own  # more juice sold when its price falls, every brand
    assert (own["estimate"] < -1).all(), own
    cross = table.loc[table["kind"] == "cross"]
    counts = cross["relationship"].value_counts()
    assert counts.get("substitute", 0) > 3 * counts.get("complement", 0), counts
    assert cross["estimate"].median() > 0
    # Tropicana 64 oz (brand 4) and Minute Maid 64 oz (brand 5), the two big national 64 oz brands
    assert table.loc[("brand04", "brand05"), "relationship"] == "substitute"
    assert table.loc[("brand05", "brand04"), "relationship"] == "substitute"


def test_week_effects_leave_no_juice_brand_a_clear_complement(orange_juice_tables):
    # Juice brands are bought instead of each other, not together: a "complement" between two of them is a chain-wide
    # weekly shock that coincides with chain-wide price cuts. Without week effects three pairs are complements by more
    # than a small effect (Dominick's 64 oz with Tropicana Premium 96 oz: -1.44); with them, none is.
    def clear_complements(table):
        return table.loc[(table["kind"] == "cross") & (table["ci_high"] < -SMALL_CROSS_ELASTICITY)]

    without, within_weeks = orange_juice_tables[False], orange_juice_tables[True]
    assert len(clear_complements(without)) >= 3 and without.loc[("brand10", "brand02"), "ci_high"] < -1
    assert clear_complements(within_weeks).empty, clear_complements(within_weeks)
    complements = (within_weeks["relationship"] == "complement").sum()
    assert complements < (without["relationship"] == "complement").sum() / 3
    own = within_weeks.loc[within_weeks["kind"] == "own", "estimate"]
    assert (own < 0).all() and own.median() < -1.5  # demand still falls with a brand's own price


def test_week_effects_are_the_week_dummies_of_statsmodels(orange_juice_11brand):
    # one brand (Dominick's 64 oz), three prices: the lab's two-way within fit against OLS with store and week dummies
    brands = ["brand10", "brand02", "brand04"]
    sales = orange_juice_11brand.loc[orange_juice_11brand[s.PRODUCT_ID].isin(brands)]
    model = pricing.PriceElasticityModel(cross_prices={"brand10": brands}, season=None, market="store", cov_type="cluster")
    table = model.fit(sales).summary().set_index(["product", "price_of"]).loc["brand10"]
    assert model.week_effects_
    wide = sales.pivot_table(index=["store", s.WEEK_START], columns=s.PRODUCT_ID, values=s.PRICE).add_prefix("price_")
    rows = sales.loc[sales[s.PRODUCT_ID] == "brand10"].join(wide, on=["store", s.WEEK_START])
    rows = rows.assign(log_units=np.log(rows[s.UNITS]), week=rows[s.WEEK_START].dt.strftime("%Y%m%d"), deal=rows[s.ON_PROMOTION].astype(float))
    formula = "log_units ~ " + " + ".join(f"np.log(price_{b})" for b in brands) + " + deal + C(store) + C(week)"
    reference = smf.ols(formula, data=rows).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(rows["store"])[0]})
    for brand in brands:
        assert table.loc[brand, "estimate"] == pytest.approx(reference.params[f"np.log(price_{brand})"], abs=1e-8)
        assert table.loc[brand, "std_error"] == pytest.approx(reference.bse[f"np.log(price_{brand})"], rel=0.02)


def test_week_effects_need_markets(bundled_company):
    model = pricing.PriceElasticityModel(cross_prices=None).fit(bundled_company.weekly_sales)
    assert not model.week_effects_  # one series per product: a week's own intercept would absorb its prices
    assert model.coefficients_["term"].str.startswith("season_").any()


def test_shared_weekly_shocks_are_absent_from_the_planted_noise_and_found_when_added(fitted, bundled_company):
    # the generator draws each product's weekly noise independently (xsell_lab/synth/weekly_sales.py)
    planted = pricing.shared_weekly_shocks(fitted).iloc[0]
    wide = fitted.residuals_.pivot(index=s.WEEK_START, columns=s.PRODUCT_ID, values="residual")
    correlations = np.corrcoef(wide.to_numpy().T)[np.triu_indices(wide.shape[1], k=1)]  # numpy's recount
    assert planted["estimate"] == pytest.approx(correlations.mean(), abs=1e-12)
    assert planted["chance_bound"] == pytest.approx(1.959964 / np.sqrt(len(correlations) * len(wide)), rel=1e-6)
    assert abs(planted["estimate"]) < planted["chance_bound"]
    weekly = bundled_company.weekly_sales
    shock = pd.Series(np.random.default_rng(5).normal(0, 0.1, weekly[s.WEEK_START].nunique()), index=sorted(weekly[s.WEEK_START].unique()))
    shocked = weekly.assign(**{s.UNITS: (weekly[s.UNITS] * np.exp(weekly[s.WEEK_START].map(shock))).round().clip(lower=1)})
    found = pricing.shared_weekly_shocks(pricing.PriceElasticityModel().fit(shocked)).iloc[0]
    assert found["estimate"] > 5 * found["chance_bound"]


# --- plots ---------------------------------------------------------------------------------


def test_plots_return_axes(fitted, bundled_company):
    table = fitted.summary()
    weekly = bundled_company.weekly_sales.groupby(s.PRODUCT_ID)[[s.PRICE, s.UNITS]].mean().reset_index()
    baseline = weekly.merge(bundled_company.products[[s.PRODUCT_ID, s.UNIT_COST]], on=s.PRODUCT_ID)
    response = pricing.price_response(table, baseline, "PRN-STD", [-0.1, 0.0, 0.1])
    bundles = pricing.bundle_what_if(
        main_price=899, main_cost=764.15, addon_price=29, addon_cost=13.05, customers=1000,
        share_main_only=0.7, share_addon_only=0.05, share_both=0.25, bundle_discount=0.1, uptake_main_only=0.2,
    )
    drawings = [
        lambda ax: pricing_plots.plot_price_units_scatter(bundled_company.weekly_sales, "LAP-STD", elasticity=-1.6, ax=ax),
        lambda ax: pricing_plots.plot_elasticities(table.loc[table["kind"] == "own"], ax=ax),
        lambda ax: pricing_plots.plot_cross_elasticity_matrix(table, ax=ax),
        lambda ax: pricing_plots.plot_price_response(response, ax=ax),
        lambda ax: pricing_plots.plot_bundle_strategies(bundles, ax=ax),
    ]
    for draw in drawings:
        fig, ax = plt.subplots()
        assert draw(ax) is ax
        plt.close(fig)
    with pytest.raises(ValueError, match="Nothing to plot: no "):
        pricing_plots.plot_elasticities(table.iloc[:0])


# --- which products to study -------------------------------------------------------------------


def _two_week_sales() -> pd.DataFrame:
    return pd.DataFrame({
        s.PRODUCT_ID: ["PRN", "PRN", "INK", "INK", "CASE", "CASE"],
        s.PRICE: [100.0, 90.0, 30.0, 30.0, 20.0, 10.0],
        s.UNITS: [5, 6, 20, 19, 1, 2],
    })  # fmt: skip


def test_choose_focus_product_is_the_most_revenue():
    weekly = _two_week_sales()  # revenue: PRN 1040, INK 1170, CASE 40
    assert pricing.choose_focus_product(weekly) == "INK"
    assert pricing.choose_focus_product(weekly, "CASE") == "CASE"
    with pytest.raises(ValueError, match=r"Product 'LAP' is not a value of column 'product_id' of table 'weekly_sales'.*INK, PRN, CASE"):
        pricing.choose_focus_product(weekly, "LAP")


def test_choose_price_pair_keeps_to_the_priced_products():
    day = pd.Timestamp("2024-01-01")
    lines = pd.DataFrame({
        s.CUSTOMER_ID: ["a", "a", "b", "b", "c", "c", "d", "d"],
        s.ORDER_DATE: [day, day + pd.Timedelta(days=30), day, day, day, day, day, day],
        s.PRODUCT_ID: ["PRN", "INK", "PRN", "INK", "LAP", "CASE", "LAP", "CASE"],
        s.UNIT_PRICE: [100.0, 30.0, 100.0, 30.0, 900.0, 20.0, 900.0, 20.0],
    })  # fmt: skip
    chosen = pricing.choose_price_pair(_two_week_sales(), lines)  # LAP has no weekly prices: its pair is left out
    assert (chosen["anchor"], chosen["add_on"], chosen["customers"], chosen["chosen_by_data"]) == ("PRN", "INK", 2, True)
    with pytest.raises(ValueError, match=r"anchor 'LAP' is not a value of column 'product_id' of table 'weekly_sales'; values: CASE, INK, PRN"):
        pricing.choose_price_pair(_two_week_sales(), lines, "LAP")
    with pytest.raises(ValueError, match="needs customers who bought two different items"):
        pricing.choose_price_pair(_two_week_sales(), lines, "CASE")


def test_chosen_price_pairs_are_planted_complements(bundled_company, bundled_lines, ground_truth):
    weekly, lines = bundled_company.weekly_sales, bundled_lines
    planted = ground_truth["weekly_sales"]["products"]
    revenue = (weekly[s.PRICE] * weekly[s.UNITS]).groupby(weekly[s.PRODUCT_ID]).sum()
    focus = pricing.choose_focus_product(weekly)
    assert focus == revenue.idxmax()
    for chosen in (pricing.choose_price_pair(weekly, lines), pricing.choose_price_pair(weekly, lines, focus)):
        assert planted[chosen["add_on"]]["cross_elasticities"].get(chosen["anchor"], 0) < 0, chosen.to_dict()
