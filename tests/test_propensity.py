"""Propensity models and next best offer: by hand, planted truth, independent references, real data, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from xsell_lab import sales_lines
from xsell_lab.data import schema as s
from xsell_lab.propensity import (
    TARGET_COLUMNS,
    PropensityModel,
    best_opportunity,
    calibration_table,
    category_margins,
    choose_targets,
    customer_features,
    gains_table,
    next_best_offer,
    offer_hit_rates,
    propensity_dataset,
    purchase_labels,
    roc_auc,
    score_customers,
    time_split,
)


def _tiny_lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b", "a", "b"],
            "order_id": ["o1", "o1", "o2", "o3", "o3", "o4", "o5"],
            "order_date": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-03-01", "2024-02-15", "2024-02-15", "2024-04-01", "2024-06-01"]
            ),
            "category": ["printer", "paper", "ink", "laptop", "mouse", "ink", "software"],
            "revenue": [200.0, 10.0, 40.0, 900.0, 30.0, 40.0, 120.0],
        }
    )


def _tiny_customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ["a", "b"], "segment": ["consumer", None], "preferred_channel": ["web", "store"]})


def test_features_use_only_orders_up_to_as_of_inclusive():
    features = customer_features(_tiny_lines(), _tiny_customers(), as_of="2024-03-31").set_index("customer_id")
    a, b = features.loc["a"], features.loc["b"]
    assert a["orders"] == 2 and a["spend_hundreds"] == pytest.approx(2.5)  # o4 the day after as_of is not history
    assert a["recency_months"] == pytest.approx(31 / (365.25 / 12))  # 2024-03-01 -> the start of 2024-04-01
    assert a["tenure_months"] == pytest.approx(91 / (365.25 / 12))
    assert (a["owns_printer"], a["owns_ink"], a["last_ink"], a["last_printer"]) == (1, 1, 1, 0)
    assert (b["owns_laptop"], b["last_mouse"], b["owns_software"]) == (1, 1, 0)
    assert (a["segment"], b["segment"], b["preferred_channel"]) == ("consumer", "unknown", "store")
    assert (features["as_of"] == pd.Timestamp("2024-03-31")).all()
    with_last_day = customer_features(_tiny_lines(), _tiny_customers(), as_of="2024-04-01").set_index("customer_id")
    assert with_last_day.loc["a", "orders"] == 3  # as_of is inclusive: o4 on that day counts


def test_the_old_exclusive_cutoff_keeps_its_meaning():
    lines, customers = _tiny_lines(), _tiny_customers()
    with pytest.warns(FutureWarning, match=r"cutoff= is now as_of= .*converted: An exclusive end of history \(the first day after it\) as the inclusive"):
        old = customer_features(lines, customers, cutoff="2024-04-01")
    pd.testing.assert_frame_equal(old, customer_features(lines, customers, as_of="2024-03-31"))
    with pytest.warns(FutureWarning, match="cutoff="):
        old_labels = purchase_labels(lines, "ink", cutoff="2024-04-01", horizon_days=30)
    pd.testing.assert_series_equal(old_labels, purchase_labels(lines, "ink", as_of="2024-03-31", horizon_days=30))
    with pytest.warns(FutureWarning, match="cutoffs="):
        old_data = propensity_dataset(lines, customers, "ink", cutoffs=["2024-04-01"], horizon_days=30)
    pd.testing.assert_frame_equal(old_data, propensity_dataset(lines, customers, "ink", as_of_dates=["2024-03-31"], horizon_days=30))
    with pytest.raises(TypeError, match="got both cutoff= and as_of="):
        customer_features(lines, customers, as_of="2024-03-31", cutoff="2024-04-01")
    with pytest.raises(TypeError):  # positional dates are refused: a silent one-day shift would be worse
        customer_features(lines, customers, "2024-04-01")


def test_labels_window_and_next_order():
    lines = _tiny_lines()
    window = purchase_labels(lines, "ink", as_of="2024-03-31", horizon_days=30)
    assert window.to_dict() == {"a": 1}  # b's June order is outside the 30 days
    software = purchase_labels(lines, "software", as_of="2024-03-31", horizon_days=90, label="next_order")
    assert software.to_dict() == {"a": 0, "b": 1}
    data = propensity_dataset(lines, _tiny_customers(), "ink", as_of_dates=["2024-03-31"], horizon_days=30)
    assert data.set_index("customer_id")["label"].to_dict() == {"a": 1, "b": 0}


def test_time_split_training_labels_end_where_validation_starts(bundled_company, bundled_lines):
    lines = bundled_lines
    train, test = time_split(lines, bundled_company.customers, "ink", test_as_of="2025-06-30", horizon_days=90, n_train_cutoffs=3)
    assert test["as_of"].unique().tolist() == [pd.Timestamp("2025-06-30")]
    last_train = train["as_of"].max()
    assert last_train + pd.Timedelta(days=90) == pd.Timestamp("2025-06-30")  # its label window ends on the validation as_of
    assert train["as_of"].nunique() == 3
    with pytest.warns(FutureWarning, match="test_cutoff="):
        old_train, old_test = time_split(lines, bundled_company.customers, "ink", test_cutoff="2025-07-01", horizon_days=90, n_train_cutoffs=3)
    pd.testing.assert_frame_equal(old_train, train)
    pd.testing.assert_frame_equal(old_test, test)


def test_auc_by_hand_and_against_scikit_learn():
    from sklearn import metrics as sklearn_metrics
    # buyers score 0.9, 0.4; others 0.4, 0.1: pairs (0.9>0.4, 0.9>0.1, 0.4=0.4 half, 0.4>0.1) = 3.5 / 4
    assert roc_auc([1, 1, 0, 0], [0.9, 0.4, 0.4, 0.1]) == pytest.approx(0.875)
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    score = np.round(rng.random(500) + 0.3 * y, 1)  # ties on purpose
    assert roc_auc(y, score) == pytest.approx(sklearn_metrics.roc_auc_score(y, score), abs=1e-12)


def test_gains_table_by_hand():
    y = [1, 0, 1, 0, 0, 0, 1, 0, 0, 0]
    score = np.linspace(1, 0.1, 10)  # already sorted high to low
    gains = gains_table(y, score, bins=5)
    assert gains["buyers"].tolist() == [1, 1, 0, 1, 0]
    assert gains["lift"].iloc[0] == pytest.approx(0.5 / 0.3)
    assert gains["cumulative_buyers"].tolist() == pytest.approx([1 / 3, 2 / 3, 2 / 3, 1, 1])
    assert gains["cumulative_lift"].iloc[1] == pytest.approx((2 / 3) / 0.4)


def test_calibration_uniform_bins_match_scikit_learn():
    from sklearn import calibration
    rng = np.random.default_rng(5)
    p = rng.random(2000)
    y = (rng.random(2000) < p).astype(int)
    ours = calibration_table(y, p, bins=8, strategy="uniform")
    observed, predicted = calibration.calibration_curve(y, p, n_bins=8, strategy="uniform")
    assert ours["observed_rate"].to_numpy() == pytest.approx(observed)
    assert ours["mean_predicted"].to_numpy() == pytest.approx(predicted)
    assert (ours["ci_low"] <= ours["observed_rate"]).all() and (ours["observed_rate"] <= ours["ci_high"]).all()


def test_next_best_offer_arithmetic_one_offer_per_customer():
    scores = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "category": ["ink", "warranty", "ink", "warranty"],
            "propensity": [0.40, 0.10, 0.05, 0.08],
            "driver": ["last order had: printer", "", "", "has bought: laptop"],
        }
    )
    offers = next_best_offer(scores, {"ink": 25.0, "warranty": 100.0}, horizon_days=90)
    assert offers["customer_id"].tolist() == ["a", "b"]  # 0.4 x 25 = 10 > 0.1 x 100; b: 8 > 1.25
    assert offers["category"].tolist() == ["ink", "warranty"]
    assert offers["expected_value"].tolist() == pytest.approx([10.0, 8.0])
    assert offers["reason"].iloc[0] == "40% likely to buy ink within 90 days x margin 25 = 10.00 expected; main driver: last order had: printer"
    with_uplift = next_best_offer(scores, {"ink": 25.0, "warranty": 100.0}, uplift={"ink": 0.6, "warranty": 1.67})
    assert with_uplift.set_index("customer_id")["expected_value"].to_dict() == pytest.approx({"a": 16.7, "b": 13.36})
    assert with_uplift["category"].tolist() == ["warranty", "warranty"]
    with pytest.raises(ValueError, match="No margin for categor.*warranty"):
        next_best_offer(scores, {"ink": 25.0})


def test_category_margins_from_the_catalogue(bundled_company):
    margins = category_margins(bundled_company.products)
    ink = bundled_company.products[bundled_company.products["category"] == "ink"]
    assert margins["ink"] == pytest.approx((ink["price"] - ink["unit_cost"]).mean())


# --- on the bundled company ------------------------------------------------------------------


@pytest.fixture(scope="module")
def lines(bundled_lines):
    return bundled_lines


@pytest.fixture(scope="module")
def ink_next_order(bundled_company, lines):
    """'When they come back, is ink in the next order?' - the quantity the generator plants."""
    train, test = time_split(
        lines, bundled_company.customers, "ink", test_as_of="2025-06-30", horizon_days=90, n_train_cutoffs=16, step_days=30,
        label="next_order",
    )
    return PropensityModel().fit(train), train, test


def _planted(ground_truth, group: pd.DataFrame) -> float:
    by_segment = ground_truth["next_purchase"]["printer"]["expected_next_order_contains_by_segment"]
    return float(group["segment"].map(by_segment).mean())


def test_planted_printer_owners_next_order_holds_ink(ground_truth, ink_next_order):
    model, train, test = ink_next_order
    for data in (train, test):
        printer_last = data[data["last_printer"] == 1]
        predicted = model.predict_proba(printer_last).mean()
        planted = _planted(ground_truth, printer_last)
        assert predicted == pytest.approx(planted, abs=0.08), (predicted, planted, len(printer_last))
    others = test[test["last_printer"] == 0]
    assert model.predict_proba(others).mean() < 0.25  # planted baselines are 0.05-0.24
    assert model.summary().loc["last_printer", "odds_ratio"] > 5


def test_summary_intervals_are_statsmodels_and_the_old_alpha_keeps_its_meaning(ink_next_order):
    model, _, _ = ink_next_order
    table = model.summary(confidence=0.9)
    reference = model.result_.conf_int(0.1)
    np.testing.assert_allclose(table["ci_low"], reference[0], rtol=1e-12)
    np.testing.assert_allclose(table["ci_high"], reference[1], rtol=1e-12)
    np.testing.assert_allclose(table["odds_ratio_high"], np.exp(reference[1]), rtol=1e-12)
    assert table.index[0] == "const" and table.index.name == "parameter"
    with pytest.warns(FutureWarning, match=r"alpha= of an interval is now confidence="):
        old = model.summary(alpha=0.1)
    pd.testing.assert_frame_equal(old, table)


def test_predict_proba_is_one_column_aligned_with_the_rows(ink_next_order):
    model, _, test = ink_next_order
    rows = test.iloc[[5, 2, 9]]
    score = model.predict_proba(rows)
    assert isinstance(score, pd.Series) and score.name == "propensity"
    assert score.index.equals(rows.index)
    assert score.between(0, 1).all()


def test_planted_segments_rank_as_planted_for_ink(ground_truth, ink_next_order):
    model, train, _ = ink_next_order
    baseline = ground_truth["next_purchase"]["printer"]["baseline_probability_by_segment"]
    others = train[train["last_printer"] == 0]
    predicted = model.predict_proba(others).groupby(others["segment"]).mean()
    assert predicted.sort_values().index.tolist() == sorted(baseline, key=baseline.get)


def test_planted_offer_response_by_segment(ground_truth, bundled_company):
    """Response propensity to the bundle offer, by segment, from the offers table (planted 0.10 / 0.06 / 0.20)."""
    offers = bundled_company.offers
    treated = offers[(offers["experiment_id"] == "EXP-BUNDLE") & (offers["variant"] == "bundle_offer")]
    data = treated.merge(bundled_company.customers[["customer_id", "segment"]], on="customer_id")
    data = data.assign(label=data["accepted"].astype(int))[["segment", "label"]]
    model = PropensityModel(categorical=["segment"]).fit(data)
    predicted = model.predict_proba(data).groupby(data["segment"]).mean()
    planted = pd.Series(ground_truth["experiments"]["EXP-BUNDLE"]["arms"]["bundle_offer"]["conversion_rate"])
    n = data["segment"].value_counts()
    tolerance = 3 * np.sqrt(planted * (1 - planted) / n[planted.index])
    assert (abs(predicted[planted.index] - planted) < tolerance).all(), (predicted, planted)
    assert predicted.idxmax() == planted.idxmax() == "student"


def test_statsmodels_logit_matches_unpenalized_scikit_learn(bundled_company, lines):
    from sklearn import linear_model
    train, _ = time_split(lines, bundled_company.customers, "software", test_as_of="2025-03-31", horizon_days=90, n_train_cutoffs=3)
    model = PropensityModel().fit(train)
    design = model.design_matrix(train).to_numpy()
    unpenalized = linear_model.LogisticRegression(C=np.inf, max_iter=5000, tol=1e-10)  # C = inf: no penalty
    reference = unpenalized.fit(design, train["label"])
    assert reference.intercept_[0] == pytest.approx(model.params_["const"], abs=2e-3)
    assert reference.coef_[0] == pytest.approx(model.params_[model.features_].to_numpy(), abs=2e-3)


def test_validation_auc_and_lift_out_of_time_and_boosting_is_seeded(bundled_company, lines):
    train, test = time_split(lines, bundled_company.customers, "ink", test_as_of="2025-06-30", horizon_days=90, n_train_cutoffs=6)
    logit = PropensityModel().fit(train)
    score = logit.predict_proba(test)
    assert roc_auc(test["label"], score) > 0.7
    gains = gains_table(test["label"], score)
    assert gains["lift"].iloc[0] > 2  # the top tenth buys at more than twice the average rate
    assert gains["cumulative_buyers"].is_monotonic_increasing
    boost = PropensityModel("boosting", seed=7, max_iter=60).fit(train)
    again = PropensityModel("boosting", seed=7, max_iter=60).fit(train)
    assert boost.predict_proba(test).equals(again.predict_proba(test))
    assert roc_auc(test["label"], boost.predict_proba(test)) > 0.65


def test_score_customers_and_drivers(bundled_company, lines, ink_next_order):
    model, _, test = ink_next_order
    scores = score_customers({"ink": model}, test)
    assert len(scores) == len(test)
    printer_rows = scores[test["last_printer"].to_numpy() == 1]
    assert (printer_rows["driver"] == "last order had: printer").mean() > 0.9


# --- bad input --------------------------------------------------------------------------------


def test_as_of_outside_the_data_is_a_clear_error(bundled_company, lines):
    with pytest.raises(ValueError, match=r"as_of 2025-12-31 with a 90-day label window .* outside the data \(2023-01-05 to 2025-12-30\)"):
        propensity_dataset(lines, bundled_company.customers, "ink", as_of_dates=["2025-12-31"])
    with pytest.raises(ValueError, match="as_of 2022-05-31"):
        propensity_dataset(lines, bundled_company.customers, "ink", as_of_dates=["2022-05-31"])


def test_category_nobody_buys_is_a_clear_error(bundled_company, lines):
    with pytest.raises(ValueError, match=r"Nobody bought category 'fax_machine' .* Known values: cable, charger"):
        propensity_dataset(lines, bundled_company.customers, "fax_machine", as_of_dates=["2024-12-31"])
    data = pd.DataFrame({"segment": ["a", "b"] * 10, "label": 0})
    with pytest.raises(ValueError, match="has 0 buyers among 20 rows"):
        PropensityModel(categorical=["segment"]).fit(data)


def test_missing_columns_are_named(bundled_company, lines):
    with pytest.raises(ValueError, match=r"table 'sales_lines', column 'revenue'.*missing: the column is required"):
        customer_features(lines.drop(columns="revenue"), bundled_company.customers, as_of="2024-12-31")


# --- real data ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_online_retail_product_propensity(shared_data):
    """UCI Online Retail: will a customer buy the best-selling product in the next 60 days?

    The data has no categories, so products are the items. AUC is checked against scikit-learn,
    and a model using history must beat chance clearly out of time.
    """
    from sklearn import metrics as sklearn_metrics
    from xsell_lab.data.adapters import online_retail

    company = online_retail(shared_data / "online_retail.csv.gz").to_company()
    lines = sales_lines(company)
    top = lines[s.PRODUCT_ID].value_counts().index[:15].tolist()
    train, test = time_split(
        lines, company.customers, top[0], test_as_of="2011-08-31", horizon_days=60, n_train_cutoffs=3,
        items=top, item_column=s.PRODUCT_ID,
    )
    model = PropensityModel().fit(train)
    score = model.predict_proba(test)
    auc = roc_auc(test["label"], score)
    assert auc == pytest.approx(sklearn_metrics.roc_auc_score(test["label"], score), abs=1e-12)
    assert auc > 0.7
    assert model.summary().loc[f"owns_{top[0]}", "odds_ratio"] > 1  # past buyers of the item buy it again


def test_offer_hit_rates_compare_only_items_with_enough_expected_buyers():
    """Issue #10: on Complete Journey two customers were recommended an item and the notebook printed
    'bought it 0.0 times as often as the average customer'."""
    bought = pd.DataFrame({"ink": [1, 0, 0, 0, 1, 1, 0, 0, 0, 0] * 10, "mouse": [0] * 99 + [1]},
                          index=pd.Index([f"c{i}" for i in range(100)], name=s.CUSTOMER_ID))
    offers = pd.DataFrame({s.CUSTOMER_ID: bought.index, s.CATEGORY: ["ink"] * 60 + ["mouse"] * 40})
    table = offer_hit_rates(offers, bought)
    assert list(table.columns) == ["recommended_to", "their_buying_rate", "everyones_buying_rate", "comparable"]
    assert table.loc["ink"].tolist() == [60, 0.3, 0.3, True]  # 60 x 0.3 = 18 buyers expected
    assert table.loc["mouse", "recommended_to"] == 40 and table.loc["mouse", "their_buying_rate"] == 0.025
    assert not table.loc["mouse", "comparable"]  # 40 x 0.01 = 0.4 buyers expected: one buyer decides the ratio
    assert offer_hit_rates(offers, bought, min_expected=0.4)["comparable"].all()


def test_best_opportunity_is_an_item_whose_recommended_customers_beat_the_average():
    """Online Retail: the headline named the item with the most offers, whose recommended customers bought it 0.9
    times as often as the average customer."""
    hits = pd.DataFrame({"recommended_to": [335, 301, 139, 40], "their_buying_rate": [0.039, 0.08, 0.158, 0.5],
                         "everyones_buying_rate": [0.044, 0.055, 0.059, 0.01], "comparable": [True, True, True, False]},
                        index=pd.Index(["tins", "bunting", "bag", "rare"], name=s.CATEGORY))
    sent = pd.Series({"tins": 335, "bunting": 301, "bag": 139, "rare": 400})
    assert best_opportunity(sent, hits) == "bunting"  # tins: below average; rare: too few to compare
    assert best_opportunity(sent.drop("bunting"), hits) == "bag"  # none of it sent: not an opportunity
    assert best_opportunity(sent, hits.drop(index=["bunting", "bag"])) is None


def test_a_feature_few_buyers_hold_is_left_out_and_named():
    """Issue #10: on Online Retail an item three buyers held got an odds ratio of 14 (95% CI 3 to 67)."""
    row = np.arange(400)
    data = pd.DataFrame({"orders": (row % 7).astype(float), "owns_rare": (row % 16 == 1).astype(float),
                         "owns_common": (row % 2).astype(float)})
    data["label"] = ((row % 4 == 0) | ((row % 2 == 1) & (row % 3 == 0))).astype(int)
    assert 0 < data.loc[data["owns_rare"] == 1, "label"].sum() < 10 < data.loc[data["owns_common"] == 1, "label"].sum()
    model = PropensityModel(categorical=[]).fit(data)
    assert model.left_out_.to_dict() == {"owns_rare": "too few buyers"}
    assert "owns_rare" not in model.summary().index and "owns_common" in model.summary().index
    assert "owns_rare" in PropensityModel(categorical=[], min_buyers=1).fit(data).features_


def test_a_separating_feature_is_dropped_without_a_warning():
    """A number that splits buyers from non-buyers makes Newton's method diverge: the column is dropped
    as unstable and the model refitted, with no ConvergenceWarning or overflow printed."""
    import warnings

    row = np.arange(200)
    data = pd.DataFrame({"orders": (row % 10).astype(float), "recency_months": (row % 13).astype(float)})
    data["label"] = (data["orders"] >= 7).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = PropensityModel(categorical=[]).fit(data)
        score = model.predict_proba(data)
    assert model.left_out_.to_dict() == {"orders": "unstable"}
    assert model.result_.mle_retvals["converged"] and list(model.params_.index) == ["const", "recency_months"]
    assert score.between(0, 1).all()


def test_drivers_name_the_feature_in_words():
    data = pd.DataFrame(
        {"orders": [1.0, 1, 2, 6, 1, 1, 3, 1] * 10, "owns_printer": [0.0, 1] * 40, "segment": ["x", "y", "x", "x"] * 20}
    )
    row = np.arange(80)
    data["label"] = (((data["orders"] > 2) & (row % 5 != 0)) | ((data["owns_printer"] == 1) & (row % 3 == 0))).astype(int)
    model = PropensityModel(categorical=["segment"], min_count=5).fit(data)
    drivers = model.drivers(data)
    assert drivers.iloc[3] == "many orders so far"  # 6 orders, far above the mean of 2
    assert drivers.iloc[1] == "has bought: printer"


def test_plots_return_their_axes(bundled_company, lines):
    import matplotlib.pyplot as plt

    from xsell_lab.guardrails import apply_guardrails, guardrail_funnel
    from xsell_lab.plots import propensity as plots

    train, test = time_split(lines, bundled_company.customers, "ink", test_as_of="2025-06-30", n_train_cutoffs=2)
    model = PropensityModel().fit(train)
    score = model.predict_proba(test)
    offers = pd.DataFrame({"customer_id": test["customer_id"].head(50), "category": "ink"})
    kept, log = apply_guardrails(offers, bundled_company.customers, as_of="2025-07-01", lines=lines)
    for draw in (
        lambda ax: plots.plot_gains(gains_table(test["label"], score), ax=ax),
        lambda ax: plots.plot_lift(gains_table(test["label"], score), ax=ax),
        lambda ax: plots.plot_calibration(calibration_table(test["label"], score, bins=5), ax=ax),
        lambda ax: plots.plot_odds_ratios(model.summary(), top=5, ax=ax),
        lambda ax: plots.plot_guardrail_funnel(guardrail_funnel(len(offers), log), ax=ax),
    ):
        fig, ax = plt.subplots()
        assert draw(ax) is ax
        plt.close(fig)
    assert len(kept) + len(log) == 50


# --- which add-ons to model ------------------------------------------------------------------


def test_choose_targets_by_hand():
    lines = _tiny_lines().assign(unit_price=[200.0, 10.0, 40.0, 900.0, 30.0, 40.0, 120.0])
    # a: printer + paper, then ink twice; b: laptop + mouse, then software. Printer and laptop come first in
    # every pair they are in (on the same day: the pricier item), so they are anchors, never add-ons
    chosen = choose_targets(lines, count=10).set_index("target")
    assert chosen.loc["ink", "later_buyers"] == 1 and chosen.loc["paper", "later_buyers"] == 0
    assert "printer" not in chosen.index and "laptop" not in chosen.index  # anchors of their pairs
    assert list(choose_targets(lines, count=10).columns) == TARGET_COLUMNS
    given = choose_targets(lines, ["software", "laptop"])
    assert given["target"].tolist() == ["software", "laptop"] and given["anchor"].iloc[1] == ""
    assert choose_targets(lines, count=2)["later_buyers"].tolist() == [1, 1]


def test_choose_targets_finds_the_planted_add_ons(bundled_company, lines, ground_truth):
    chosen = choose_targets(lines, count=5)
    attached = ground_truth["baskets"]["attach_probability"]
    for row in chosen.itertuples():
        assert row.target in attached[row.anchor], f"{row.target} is not a planted add-on of {row.anchor}"
    planted_next = {v["next_category"] for k, v in ground_truth["next_purchase"].items() if isinstance(v, dict)}
    assert planted_next <= set(chosen["target"])
    # later buyers, counted customer by customer
    first_order = lines.groupby("customer_id")["order_date"].min()
    for row in chosen.itertuples():
        first_buy = lines[lines["category"] == row.target].groupby("customer_id")["order_date"].min()
        assert row.later_buyers == int((first_buy > first_order.reindex(first_buy.index)).sum())


def test_choose_targets_says_what_is_wrong():
    with pytest.raises(ValueError, match=r"targets 'tent' not found in column 'category'.*ink, laptop"):
        choose_targets(_tiny_lines(), ["tent"])
    alone = _tiny_lines().iloc[[0]]
    with pytest.raises(ValueError, match="no customer bought two different items"):
        choose_targets(alone)


def test_next_best_offer_without_margins_ranks_by_likelihood_and_says_so():
    from xsell_lab import propensity as pr
    scores = pd.DataFrame({"customer_id": ["a", "a", "b"], "category": ["x", "y", "x"], "propensity": [0.2, 0.5, 0.1]})
    offers = pr.next_best_offer(scores, None, horizon_days=30)
    assert offers["category"].tolist() == ["y", "x"]
    assert offers["expected_value"].isna().all() and offers["margin"].isna().all()
    assert "no margin known" in offers["reason"].iloc[0]


def test_category_margins_use_an_assumed_rate_only_when_asked():
    from xsell_lab import propensity as pr
    products = pd.DataFrame({"category": ["x", "y"], "price": [10.0, 20.0], "unit_cost": [6.0, None]})
    assert pr.category_margins(products).to_dict() == {"x": 4.0}
    assert pr.category_margins(products, assumed_margin_rate=0.25).to_dict() == {"x": 4.0, "y": 5.0}


def test_choose_cutoff_leaves_two_horizons_and_drops_snapshots_without_history():
    from xsell_lab import propensity as pr
    lines = pd.DataFrame({"order_date": pd.to_datetime(["2024-01-01", "2024-12-30"])})
    chosen = pr.choose_cutoff(lines, horizon_days=60, n_train_cutoffs=4)
    assert chosen["cutoff"] == pd.Timestamp("2024-09-01")  # the first of the month of 2024-12-30 - 2 x 60 days
    assert chosen["n_train_cutoffs"] == 3
    assert all(day >= pd.Timestamp("2024-01-01") + pd.Timedelta(days=60) for day in chosen["train_as_of"])
    with pytest.raises(ValueError, match="whole 60-day window"):
        pr.choose_cutoff(lines, "2024-12-01", horizon_days=60)


def _noisy_buyers(seed: int, n: int = 4000, noise: int = 40) -> pd.DataFrame:
    """Planted truth: buying depends on two features; many noise features and few buyers make a plain logit over-fit."""
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({f"owns_x{j}": rng.binomial(1, 0.2, n).astype(float) for j in range(noise)})
    data["recency_months"] = rng.exponential(6.0, n)
    data["orders"] = rng.poisson(2.0, n).astype(float)
    truth = expit(-3.2 + 1.0 * data["owns_x0"] - 0.15 * data["recency_months"] + 0.25 * data["orders"])
    return data.assign(label=rng.binomial(1, truth), truth=truth)


def test_shrunk_logit_predictions_are_better_calibrated_on_new_customers_and_keep_the_base_rate():
    from xsell_lab.propensity import calibration_slope

    train, test = _noisy_buyers(1), _noisy_buyers(2, n=40_000)
    plain = PropensityModel(categorical=[], min_count=1, min_buyers=1).fit(train.drop(columns="truth"))
    shrunk = PropensityModel(categorical=[], min_count=1, min_buyers=1, shrink=True).fit(train.drop(columns="truth"))
    result = plain.result_
    assert shrunk.shrinkage_ == pytest.approx((result.llr - result.df_model) / result.llr)  # van Houwelingen & le Cessie
    assert plain.shrinkage_ == 1.0 and 0.3 < shrunk.shrinkage_ < 1.0
    assert shrunk.predict_proba(train).mean() == pytest.approx(train["label"].mean(), rel=1e-9)
    pd.testing.assert_frame_equal(shrunk.summary(), plain.summary())  # the odds ratios are the fit's
    slopes = {name: calibration_slope(test["label"], model.predict_proba(test)).loc["slope"]
              for name, model in (("plain", plain), ("shrunk", shrunk))}
    assert slopes["plain"]["ci_high"] < 1  # over-confident on new customers
    assert abs(slopes["shrunk"]["estimate"] - 1) < abs(slopes["plain"]["estimate"] - 1)
    assert shrunk.predict_proba(test).max() < plain.predict_proba(test).max()


def test_calibration_slope_is_one_for_true_probabilities_and_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    from xsell_lab.propensity import calibration_slope

    rng = np.random.default_rng(3)
    truth = expit(rng.normal(-2.0, 1.0, 50_000))
    label = rng.binomial(1, truth)
    honest = calibration_slope(label, truth)
    assert honest.index.tolist() == ["intercept", "slope"]
    assert honest.loc["slope", "ci_low"] <= 1 <= honest.loc["slope", "ci_high"]
    assert honest.loc["intercept", "ci_low"] <= 0 <= honest.loc["intercept", "ci_high"]
    extreme = expit(2 * np.log(truth / (1 - truth)))  # twice the log-odds: over-confident
    table = calibration_slope(label, extreme)
    assert table.loc["slope", "estimate"] == pytest.approx(0.5, abs=0.03) and table.loc["slope", "p_value"] < 1e-6
    reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(np.log(extreme / (1 - extreme))[:, None], label)
    assert table.loc["slope", "estimate"] == pytest.approx(reference.coef_[0, 0], rel=1e-5)
    assert table.loc["intercept", "estimate"] == pytest.approx(reference.intercept_[0], rel=1e-5)


def test_calibration_table_by_probability_edges_matches_a_pandas_recount():
    rng = np.random.default_rng(4)
    score = rng.beta(0.5, 6.0, 5000)
    label = rng.binomial(1, score)
    edges = [0, 0.05, 0.1, 0.2, 0.5, 1]
    table = calibration_table(label, score, bins=edges)
    groups = pd.cut(score, edges, include_lowest=True)
    recount = pd.DataFrame({"y": label, "p": score}).groupby(groups, observed=True).agg(n=("y", "size"), p=("p", "mean"), y=("y", "mean"))
    assert table["customers"].tolist() == recount["n"].tolist()
    np.testing.assert_allclose(table["mean_predicted"], recount["p"])
    np.testing.assert_allclose(table["observed_rate"], recount["y"])
    assert (table["ci_low"] <= table["observed_rate"]).all() and (table["observed_rate"] <= table["ci_high"]).all()
    with pytest.raises(ValueError, match="cover every score"):
        calibration_table(label, score, bins=[0.1, 0.5, 1])


def test_offer_outcomes_pair_each_offer_with_what_its_customer_bought():
    from xsell_lab.propensity import OUTCOME_COLUMNS, offer_outcomes

    offers = pd.DataFrame({"customer_id": ["a", "b", "c"], "category": ["ink", "case", "ink"], "propensity": [0.9, 0.2, 0.1]})
    bought = pd.DataFrame({"ink": [1, 0, 0], "case": [0, 0, 1]}, index=pd.Index(["a", "b", "d"], name="customer_id"))
    outcomes = offer_outcomes(offers, bought)
    assert outcomes.columns.tolist() == OUTCOME_COLUMNS
    assert outcomes.to_dict("list") == {"customer_id": ["a", "b"], "category": ["ink", "case"], "propensity": [0.9, 0.2], "bought": [1, 0]}


def test_item_flags_equal_a_pandas_recount(bundled_company, lines):
    """owns_/last_ flags (built by one scatter) against a groupby recount of the same lines; an item nobody bought is 0."""
    as_of = pd.Timestamp("2025-03-31")
    items = sorted(lines["category"].unique())[:6] + ["no such item"]
    features = customer_features(lines, bundled_company.customers, as_of=as_of, items=items).set_index("customer_id")
    before = lines[lines["order_date"] <= as_of]
    on_last_day = before[before["order_date"] == before.groupby("customer_id")["order_date"].transform("max")]
    for prefix, held in (("owns_", before), ("last_", on_last_day)):
        recount = held.groupby(["customer_id", "category"]).size().unstack(fill_value=0).gt(0)
        expected = recount.reindex(index=features.index, columns=items, fill_value=False).astype(float)
        observed = features[[f"{prefix}{item}" for item in items]].set_axis(items, axis=1)
        pd.testing.assert_frame_equal(observed, expected, check_names=False)
    assert features["owns_no such item"].eq(0).all() and features[[f"owns_{i}" for i in items[:6]]].to_numpy().sum() > 0


def test_duplicate_and_constant_columns_are_left_out_of_the_model():
    """A copy of a column (here with -0.0 for 0.0) and a constant column are not estimated; the first copy is."""
    row = np.arange(400)
    orders = (row % 7).astype(float)
    data = pd.DataFrame({"orders": orders, "orders_copy": np.where(orders == 0, -0.0, orders), "one": 1.0,
                         "label": ((row * 7919) % 5 < 2).astype(int)})
    model = PropensityModel(categorical=()).fit(data)
    assert model.features_ == ["orders"]
