"""Tests of xsell_lab.experiments: hand-worked numbers, published numbers, planted truth,
independent references (statsmodels, scipy, the real Hillstrom e-mail experiment) and bad input."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_effectsize, proportions_ztest

from xsell_lab import experiments as ex
from xsell_lab.data import schema as s
from xsell_lab.data.validation import DataValidationError

from planted_offers import experiments_with_truth, planted_rates
from skips import shared_file


def _offers(experiment: str, arms: dict[str, tuple[int, int]], revenue_per_conversion: float = 10.0) -> pd.DataFrame:
    """An offers table with ``arms = {variant: (customers, conversions)}``."""
    frames = []
    for arm, (customers, conversions) in arms.items():
        accepted = np.arange(customers) < conversions
        frames.append(pd.DataFrame({
            s.EXPERIMENT_ID: experiment, s.VARIANT: arm,
            s.CUSTOMER_ID: [f"{experiment}-{arm}-{i}" for i in range(customers)],
            s.ACCEPTED: accepted, s.REVENUE: accepted * revenue_per_conversion,
        }))
    return pd.concat(frames, ignore_index=True)


# --- hand-worked and published examples ---------------------------------------------


def test_two_by_two_table_worked_by_hand():
    # control 20/200 = 0.10, offer 40/200 = 0.20.
    # pooled p = 60/400 = 0.15; se0 = sqrt(0.15 * 0.85 * (1/200 + 1/200)) = sqrt(0.001275) = 0.035707
    # z = 0.10 / 0.035707 = 2.8006; two-sided p = 2 * (1 - Phi(2.8006)) = 0.0051
    # Wilson 95% (z = 1.959964): 40/200 -> [0.15045, 0.26086]; 20/200 -> [0.06567, 0.14941]
    # Newcombe: low = 0.10 - sqrt((0.20 - 0.15045)^2 + (0.14941 - 0.10)^2) = 0.10 - 0.06997 = 0.03003
    #           high = 0.10 + sqrt((0.26086 - 0.20)^2 + (0.10 - 0.06567)^2) = 0.10 + 0.06987 = 0.16987
    result = ex.compare_conversion(_offers("EXP", {"control": (200, 20), "offer": (200, 40)})).iloc[0]
    assert result["uplift"] == pytest.approx(0.10)
    assert result["relative_uplift"] == pytest.approx(1.0)
    assert result["z"] == pytest.approx(2.8006, abs=1e-4)
    assert result["p_value"] == pytest.approx(0.0051, abs=1e-4)
    assert result["ci_low"] == pytest.approx(0.03003, abs=1e-4)
    assert result["ci_high"] == pytest.approx(0.16987, abs=1e-4)
    assert bool(result["significant"])


def test_newcombe_interval_matches_newcombe_1998_published_examples():
    # Newcombe (1998), Table II, method 10: (a) 56/70 - 48/80 -> 0.0524 to 0.3339; (b) 9/10 - 3/10 -> 0.1705 to 0.8090.
    assert np.round(ex.newcombe_interval(56, 70, 48, 80), 4).tolist() == [0.0524, 0.3339]
    assert np.round(ex.newcombe_interval(9, 10, 3, 10), 4).tolist() == [0.1705, 0.8090]


def test_cohens_h_and_sample_size_worked_by_hand():
    # h = 2 asin(sqrt(0.6)) - 2 asin(sqrt(0.5)) = 2 (0.886077 - 0.785398) = 0.201358
    assert float(ex.cohens_h(0.6, 0.5)) == pytest.approx(0.201358, abs=1e-6)
    # n per arm = 2 (1.959964 + 0.841621)^2 / 0.201358^2 = 2 * 7.848879 / 0.040545 = 387.2 -> 388
    plan = ex.sample_size_two_proportions(0.5, 0.1).iloc[0]
    assert plan["customers_control"] == 388
    assert plan["customers_total"] == 776


def test_sample_size_agrees_with_kohavi_rule_of_thumb():
    # Kohavi, Tang & Xu (2020, ch. 17; van Belle 2008): n per arm ~ 16 sigma^2 / delta^2 for alpha 0.05 and
    # power 0.8. Baseline 5 %, uplift 1 point: sigma^2 = 0.05 * 0.95 -> 7,600 (the rule uses the control
    # variance only, so it is a few percent low).
    plan = ex.sample_size_two_proportions(0.05, 0.01).iloc[0]
    rule = 16 * 0.05 * 0.95 / 0.01**2
    assert rule < plan["customers_control"] < 1.10 * rule


def test_sample_size_and_power_agree_with_statsmodels():
    power_analysis = NormalIndPower()
    plan = ex.sample_size_two_proportions([0.03, 0.10], [0.02, 0.05], alpha=0.05, power=0.8, ratio=2.0)
    for row in plan.itertuples():
        h = proportion_effectsize(row.treatment_rate, row.baseline_rate)
        expected = power_analysis.solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=2.0)
        assert row.customers_control == int(np.ceil(expected))
        assert row.customers_treatment == int(np.ceil(2.0 * row.customers_control))
    power = ex.power_two_proportions(0.10, 0.05, [200, 681, 2000])
    h = proportion_effectsize(0.15, 0.10)
    for row in power.itertuples():
        assert row.power == pytest.approx(power_analysis.power(effect_size=h, nobs1=row.customers_control, alpha=0.05), abs=1e-9)
    # the planned size reaches the planned power, one customer fewer does not
    n = int(ex.sample_size_two_proportions(0.10, 0.05)["customers_control"].iloc[0])
    assert n == 681
    at_plan, below = ex.power_two_proportions(0.10, 0.05, [n, n - 1])["power"]
    assert at_plan >= 0.8 > below


# --- independent references: statsmodels and scipy on the same numbers ---------------


def test_conversion_test_agrees_with_statsmodels(bundled_company):
    result = ex.compare_conversion(bundled_company.offers, correction="none")
    assert len(result) == 5  # three experiments' four offer arms and the uplift campaign's one
    for row in result.itertuples():
        z, p = proportions_ztest([row.conversions_treatment, row.conversions_control],
                                 [row.customers_treatment, row.customers_control])
        low, high = confint_proportions_2indep(row.conversions_treatment, row.customers_treatment,
                                               row.conversions_control, row.customers_control, method="newcomb")
        assert (row.z, row.p_value) == pytest.approx((z, p), rel=1e-9)
        assert (row.ci_low, row.ci_high) == pytest.approx((low, high), rel=1e-9)


def test_multiple_arm_correction_agrees_with_statsmodels(bundled_company):
    for method in ("holm", "fdr_bh"):
        result = ex.compare_conversion(bundled_company.offers, correction=method)
        ink = result[result[s.EXPERIMENT_ID] == "EXP-INK-CHANNEL"]
        assert len(ink) == 2
        expected = multipletests(ink["p_value"], method=method)[1]
        np.testing.assert_allclose(ink["p_adjusted"], expected)
        assert (ink["p_adjusted"] >= ink["p_value"]).all()
    one_arm = result[result[s.EXPERIMENT_ID] == "EXP-WARRANTY"]
    assert (one_arm["p_adjusted"] == one_arm["p_value"]).all()  # one arm, nothing to correct


def test_revenue_test_agrees_with_scipy_welch(bundled_company):
    offers = bundled_company.offers
    result = ex.compare_revenue(offers, n_bootstrap=0, correction="none")
    for row in result.itertuples():
        experiment = offers[offers[s.EXPERIMENT_ID] == row.experiment_id]
        treated = experiment.loc[experiment[s.VARIANT] == row.variant, s.REVENUE]
        control = experiment.loc[experiment[s.VARIANT] == "control", s.REVENUE]
        reference = stats.ttest_ind(treated, control, equal_var=False)
        interval = reference.confidence_interval(0.95)
        assert (row.t, row.p_value, row.df) == pytest.approx((reference.statistic, reference.pvalue, reference.df), rel=1e-9)
        assert (row.ci_low, row.ci_high) == pytest.approx((interval.low, interval.high), rel=1e-9)
    assert result["boot_ci_low"].isna().all()


def test_bootstrap_is_seeded_and_close_to_welch(bundled_company):
    offers = bundled_company.offers
    first = ex.compare_revenue(offers, n_bootstrap=1000, seed=7)
    again = ex.compare_revenue(offers, n_bootstrap=1000, seed=7)
    other = ex.compare_revenue(offers, n_bootstrap=1000, seed=8)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["boot_ci_low"], other["boot_ci_low"])
    # with hundreds of customers per arm the percentile bootstrap and Welch intervals nearly coincide
    width = first["ci_high"] - first["ci_low"]
    assert ((first["boot_ci_low"] - first["ci_low"]).abs() < 0.1 * width).all()
    assert ((first["boot_ci_high"] - first["ci_high"]).abs() < 0.1 * width).all()


def test_srm_chi_square_agrees_with_scipy():
    offers = _offers("EXP", {"control": (500, 10), "a": (450, 10), "b": (550, 10)})
    result = ex.sample_ratio_mismatch(offers, {"EXP": {"control": 1, "a": 1, "b": 1}}, warn=False)
    reference = stats.chisquare([500, 450, 550])
    assert result["chi2"].iloc[0] == pytest.approx(reference.statistic)
    assert result["p_value"].iloc[0] == pytest.approx(reference.pvalue)
    assert (result["dof"] == 2).all()


# --- planted truth (data/ground_truth.json, key "experiments") ------------------------


# Like the other planted-truth tests of the project (test_metrics), every family of checks is run at a
# family-wise error rate of 0.001 (Bonferroni): a correct method fails one run in a thousand.
FAMILY_ERROR = 0.001


def test_planted_arm_rates_inside_simultaneous_intervals(bundled_company, ground_truth):
    """Every planted arm rate (over the arm's own segment or kind mix) lies in its Wilson interval."""
    offers = bundled_company.offers.merge(bundled_company.customers[[s.CUSTOMER_ID, s.SEGMENT]], on=s.CUSTOMER_ID)
    arms = offers[[s.EXPERIMENT_ID, s.VARIANT]].drop_duplicates()
    assert sorted(arms[s.EXPERIMENT_ID].unique()) == sorted(experiments_with_truth(ground_truth))
    assert len(arms) == 9
    for experiment, arm in arms.itertuples(index=False):
        arm_rows = offers[(offers[s.EXPERIMENT_ID] == experiment) & (offers[s.VARIANT] == arm)]
        low, high = ex.wilson_interval(arm_rows[s.ACCEPTED].sum(), len(arm_rows), 1 - FAMILY_ERROR / len(arms))
        planted = planted_rates(ground_truth, experiment, arm, arm_rows).mean()
        assert low <= planted <= high, f"{experiment}/{arm}: planted {planted:.3f} outside [{low:.3f}, {high:.3f}]"


def test_planted_uplifts_inside_intervals(bundled_company, ground_truth):
    """Each planted uplift (over the experiment's own segment mix) lies in its simultaneous Newcombe interval."""
    offers = bundled_company.offers
    result = ex.compare_conversion(offers, confidence=1 - FAMILY_ERROR / 5)
    segments = offers.merge(bundled_company.customers[[s.CUSTOMER_ID, s.SEGMENT]], on=s.CUSTOMER_ID)
    assert len(result) == 5
    for row in result.itertuples():
        rows = segments[segments[s.EXPERIMENT_ID] == row.experiment_id]
        planted = (planted_rates(ground_truth, row.experiment_id, row.variant, rows)
                   - planted_rates(ground_truth, row.experiment_id, "control", rows)).mean()
        assert row.ci_low <= planted <= row.ci_high, f"{row.experiment_id}/{row.variant}: planted {planted:.3f}"
    detected = ex.compare_conversion(offers).set_index(s.VARIANT)
    assert detected.loc["email_offer", "ci_low"] > 0  # planted +5 points on ~600 customers per arm: detected
    assert detected.loc["bundle_offer", "ci_low"] > 0


def test_planted_segment_uplifts_and_the_student_effect(bundled_company, ground_truth):
    truth = ground_truth["experiments"]
    result = ex.segment_effects(bundled_company.offers, bundled_company.customers)
    wide = ex.segment_effects(bundled_company.offers, bundled_company.customers, confidence=1 - FAMILY_ERROR / len(result))
    offers = bundled_company.offers.merge(bundled_company.customers[[s.CUSTOMER_ID, s.SEGMENT]], on=s.CUSTOMER_ID)
    for row in wide.itertuples():
        rows = offers[(offers[s.EXPERIMENT_ID] == row.experiment_id) & (offers[s.SEGMENT] == row.segment)]
        planted = (planted_rates(ground_truth, row.experiment_id, row.variant, rows)
                   - planted_rates(ground_truth, row.experiment_id, "control", rows)).mean()
        assert row.ci_low <= planted <= row.ci_high, f"{row.experiment_id}/{row.variant}/{row.segment}: {planted:.3f}"
    rates = truth["EXP-BUNDLE"]["arms"]
    planted = {seg: rates["bundle_offer"]["conversion_rate"][seg] - rates["control"]["conversion_rate"][seg]
               for seg in rates["control"]["conversion_rate"]}
    assert max(planted, key=planted.get) == "student"
    bundle = result[result[s.EXPERIMENT_ID] == "EXP-BUNDLE"].set_index(s.SEGMENT)
    assert bundle.loc["student", "ci_low"] > 0 and bool(bundle.loc["student", "significant"])
    assert bundle["uplift"].idxmax() == "student"
    assert bundle["heterogeneity_p_value"].iloc[0] < 0.05  # planted: effects differ by segment
    warranty = result[result[s.EXPERIMENT_ID] == "EXP-WARRANTY"]
    assert warranty["heterogeneity_p_value"].iloc[0] > 0.05  # planted: one rate for every segment


def test_segment_effects_recover_planted_rates_on_a_large_simulated_bundle_test(ground_truth):
    """Drawn from the planted EXP-BUNDLE rates with 4,000 customers per segment and arm (seeded)."""
    arms = ground_truth["experiments"]["EXP-BUNDLE"]["arms"]
    rng = np.random.default_rng(3)
    rows = []
    for arm, spec in arms.items():
        for segment, rate in spec["conversion_rate"].items():
            rows.append(pd.DataFrame({s.EXPERIMENT_ID: "EXP-BUNDLE", s.VARIANT: arm, s.SEGMENT: segment,
                                      s.ACCEPTED: rng.random(4000) < rate}))
    offers = pd.concat(rows, ignore_index=True)
    offers[s.CUSTOMER_ID] = [f"C{i}" for i in range(len(offers))]
    customers = offers[[s.CUSTOMER_ID, s.SEGMENT]]
    result = ex.segment_effects(offers.drop(columns=s.SEGMENT), customers, confidence=1 - FAMILY_ERROR / 3)
    for row in result.itertuples():
        planted = arms["bundle_offer"]["conversion_rate"][row.segment] - arms["control"]["conversion_rate"][row.segment]
        assert row.ci_low <= planted <= row.ci_high, row.segment
    assert result["heterogeneity_p_value"].iloc[0] < 1e-6


def test_srm_flags_a_deliberately_unbalanced_split_and_not_the_real_ones(bundled_company):
    offers = bundled_company.offers
    real = ex.sample_ratio_mismatch(offers, warn=False).drop_duplicates(s.EXPERIMENT_ID).set_index(s.EXPERIMENT_ID)
    assert not real.loc["EXP-WARRANTY", "mismatch"]
    assert not real.loc["EXP-INK-CHANNEL", "mismatch"]
    # lose 15 % of the e-mail arm of EXP-WARRANTY, as a broken tracking pixel would
    warranty = offers[offers[s.EXPERIMENT_ID] == "EXP-WARRANTY"]
    email = warranty.index[warranty[s.VARIANT] == "email_offer"]
    broken = offers.drop(index=email[: int(0.15 * len(email))])
    with pytest.warns(ex.SampleRatioMismatchWarning, match="Sample ratio mismatch in experiment EXP-WARRANTY"):
        flagged = ex.sample_ratio_mismatch(broken)
    assert flagged.loc[flagged[s.EXPERIMENT_ID] == "EXP-WARRANTY", "mismatch"].all()
    # a planned 70/30 split is checked against 70/30, not 50/50
    planned = _offers("EXP", {"control": (700, 0), "offer": (300, 0)})
    assert not ex.sample_ratio_mismatch(planned, {"EXP": {"control": 0.7, "offer": 0.3}}, warn=False)["mismatch"].any()
    with pytest.warns(ex.SampleRatioMismatchWarning):
        assert ex.sample_ratio_mismatch(planned)["mismatch"].all()


def test_peeking_inflates_false_positives_but_fixed_horizon_keeps_alpha():
    result = ex.peeking_simulation(base_rate=0.1, customers_per_arm=5000, looks=10, alpha=0.05, n_simulations=4000, seed=1)
    final = result.iloc[-1]
    se = np.sqrt(0.05 * 0.95 / 4000)
    assert abs(final["significant_at_this_look"] - 0.05) < 3.5 * se
    # Pocock (1982) / Armitage, McPherson & Rowe (1969): 10 unadjusted looks at 5 % give about 19 %
    assert final["false_positive_rate_peeking"] == pytest.approx(0.19, abs=0.03)
    assert result["false_positive_rate_peeking"].is_monotonic_increasing
    assert result["customers_per_arm"].iloc[-1] == 5000
    single = ex.peeking_simulation(looks=1, n_simulations=4000, seed=1).iloc[0]
    assert single["false_positive_rate_peeking"] == single["significant_at_this_look"]
    pd.testing.assert_frame_equal(ex.peeking_simulation(seed=5), ex.peeking_simulation(seed=5))


def test_cuped_recovers_planted_effect_and_variance_reduction():
    """Planted: Y = 2 + 0.5 T + 0.8 X + noise, corr(X, Y) = 0.8 / sqrt(0.8^2 + 1) = 0.625 (within arms)."""
    rng = np.random.default_rng(11)
    n = 20_000
    treated = rng.random(n) < 0.5
    x = rng.normal(0, 1, n)
    y = 2 + 0.5 * treated + 0.8 * x + rng.normal(0, 1, n)
    offers = pd.DataFrame({s.EXPERIMENT_ID: "SIM", s.VARIANT: np.where(treated, "offer", "control"),
                           s.CUSTOMER_ID: np.arange(n).astype(str), s.ACCEPTED: False, "outcome": y, "pre": x})
    result = ex.cuped_comparison(offers, covariate="pre", metric="outcome").set_index("method")
    rho_squared = 0.8**2 / (0.8**2 + 1)
    assert result.loc["cuped", "theta"] == pytest.approx(0.8, abs=0.03)
    assert result.loc["cuped", "variance_reduction"] == pytest.approx(rho_squared, abs=0.02)
    assert result.loc["cuped", "ci_width_ratio"] == pytest.approx(np.sqrt(1 - rho_squared), abs=0.02)
    assert result.loc["cuped", "ci_low"] <= 0.5 <= result.loc["cuped", "ci_high"]
    # independent reference: regression adjustment (ANCOVA, statsmodels OLS) gives nearly the same estimate
    import statsmodels.api as sm

    design = sm.add_constant(np.column_stack([treated.astype(float), x - x.mean()]))
    ols = sm.OLS(y, design).fit()
    assert result.loc["cuped", "difference"] == pytest.approx(ols.params[1], abs=0.1 * ols.bse[1])
    assert result.loc["cuped", "std_error"] == pytest.approx(ols.bse[1], rel=0.02)


def test_cuped_on_bundled_data_uses_pre_period_spend(bundled_company, bundled_lines, ground_truth):
    lines = bundled_lines
    offers = ex.pre_period_spend(lines, bundled_company.offers, days=365)
    assert len(offers) == len(bundled_company.offers)
    triggered = offers[offers[s.EXPERIMENT_ID].isin(ground_truth["experiments"])]
    assert (triggered["pre_period_spend"] > 0).all()  # every triggered offer follows a qualifying (trigger) order
    campaign = offers[offers[s.EXPERIMENT_ID] == ground_truth["uplift_campaign"]["experiment_id"]]
    assert (campaign["pre_period_spend"] > 0).mean() > 0.5  # the campaign's customers have bought before, some over a year ago
    one = offers.iloc[0]
    window = lines[(lines[s.CUSTOMER_ID] == one[s.CUSTOMER_ID]) & (lines[s.ORDER_DATE] < one[s.OFFER_DATE])
                   & (lines[s.ORDER_DATE] >= one[s.OFFER_DATE] - pd.Timedelta(days=365))]
    assert one["pre_period_spend"] == pytest.approx(window[s.REVENUE].sum())
    result = ex.cuped_comparison(offers)
    plain = result[result["method"] == "unadjusted"].reset_index(drop=True)
    cuped = result[result["method"] == "cuped"].reset_index(drop=True)
    assert (cuped["variance_reduction"] >= 0).all()
    assert (cuped["ci_width_ratio"] <= 1).all()
    assert ((cuped["difference"] - plain["difference"]).abs() < plain["std_error"]).all()


# --- the real Hillstrom e-mail experiment --------------------------------------------


@pytest.fixture(scope="module")
def hillstrom_offers():
    from xsell_lab.data.adapters import hillstrom

    path = shared_file("hillstrom_email.csv")
    return hillstrom(path).tables[s.OFFERS], path


def _raw_hillstrom_counts(path) -> dict[str, dict[str, float]]:
    """Independent recomputation straight from the CSV with the csv module (no pandas, no adapter)."""
    counts: dict[str, dict[str, float]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            arm = counts.setdefault(row["segment"], {"n": 0, "visit": 0, "conversion": 0, "spend": 0.0})
            arm["n"] += 1
            arm["visit"] += int(row["visit"])
            arm["conversion"] += int(row["conversion"])
            arm["spend"] += float(row["spend"])
    return counts


def test_hillstrom_overall_rates_match_published_figures(hillstrom_offers):
    offers, _ = hillstrom_offers
    # pyuplift's documentation of load_hillstrom_email_marketing: 64,000 customers, average visit rate 0.14678,
    # conversion rate 0.00903, spend 1.05091.
    assert len(offers) == 64_000
    assert offers["visit"].mean() == pytest.approx(0.14678, abs=5e-6)
    assert offers[s.ACCEPTED].mean() == pytest.approx(0.00903, abs=5e-6)
    assert offers[s.REVENUE].mean() == pytest.approx(1.05091, abs=5e-6)


def test_hillstrom_uplifts_match_an_independent_recomputation(hillstrom_offers):
    offers, path = hillstrom_offers
    raw = _raw_hillstrom_counts(path)
    labels = {"mens": "Mens E-Mail", "womens": "Womens E-Mail"}
    control = raw["No E-Mail"]
    for outcome, frame in (("conversion", offers), ("visit", offers.assign(**{s.ACCEPTED: offers["visit"]}))):
        result = ex.compare_conversion(frame).set_index(s.VARIANT)
        for arm, label in labels.items():
            treated = raw[label]
            expected = treated[outcome] / treated["n"] - control[outcome] / control["n"]
            low, high = confint_proportions_2indep(treated[outcome], treated["n"], control[outcome], control["n"],
                                                   method="newcomb")
            row = result.loc[arm]
            assert row["uplift"] == pytest.approx(expected, rel=1e-12)
            assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-9)
            assert row["ci_low"] > 0, f"the {arm} e-mail raised {outcome}"
        # the well-known ordering: the Mens e-mail beat the Womens e-mail on both outcomes
        assert result.loc["mens", "uplift"] > result.loc["womens", "uplift"]
    revenue = ex.compare_revenue(offers, n_bootstrap=200, seed=1).set_index(s.VARIANT)
    for arm, label in labels.items():
        expected = raw[label]["spend"] / raw[label]["n"] - control["spend"] / control["n"]
        assert revenue.loc[arm, "difference"] == pytest.approx(expected, rel=1e-9)
    assert not ex.sample_ratio_mismatch(offers, warn=False)["mismatch"].any()  # randomised thirds


# --- choosing the experiment and arm a notebook studies -------------------------------


def test_choose_experiment_by_hand():
    offers = pd.concat([
        _offers("EXP-BIG", {"control": (30, 3), "offer": (30, 6)}),
        _offers("EXP-WIDE", {"control": (10, 1), "a": (12, 2), "b": (9, 3)}),
        _offers("EXP-NO-CONTROL", {"x": (50, 5), "y": (50, 5)}),
    ], ignore_index=True)
    chosen = ex.choose_experiment(offers)
    assert chosen.to_dict() == {s.EXPERIMENT_ID: "EXP-BIG", s.VARIANT: "offer", "arms": 2, "customers": 60,
                                "arm_customers": 30, "chosen_by_data": True}
    wide = ex.choose_experiment(offers, most="arms")
    assert (wide[s.EXPERIMENT_ID], wide[s.VARIANT], wide["arm_customers"]) == ("EXP-WIDE", "a", 12)
    assert ex.choose_experiment(offers, min_arms=3)[s.EXPERIMENT_ID] == "EXP-WIDE"
    given = ex.choose_experiment(offers, "EXP-WIDE", arm="b")
    assert (given[s.VARIANT], given["arm_customers"], given["chosen_by_data"]) == ("b", 9, False)


def test_choose_experiment_breaks_ties_by_the_other_count_then_by_name():
    offers = pd.concat([
        _offers("EXP-B", {"control": (10, 1), "offer": (10, 1)}),
        _offers("EXP-A", {"control": (10, 1), "offer": (10, 1)}),
        _offers("EXP-C", {"control": (8, 1), "x": (6, 1), "y": (6, 1)}),
    ], ignore_index=True)
    assert ex.choose_experiment(offers)[s.EXPERIMENT_ID] == "EXP-C"  # 20 customers each: more arms wins
    assert ex.choose_experiment(offers, min_arms=2, most="arms")[s.EXPERIMENT_ID] == "EXP-C"
    two_arms = offers[offers[s.EXPERIMENT_ID] != "EXP-C"]
    assert ex.choose_experiment(two_arms)[s.EXPERIMENT_ID] == "EXP-A"
    assert ex.choose_experiment(offers, "EXP-C")[s.VARIANT] == "x"  # equal arms: the first name


def test_choose_experiment_on_bundled_data_agrees_with_planted_truth_and_a_plain_count(bundled_company, ground_truth):
    offers = bundled_company.offers
    customers: dict[str, set] = {}
    arm_sizes: dict[tuple[str, str], int] = {}
    for experiment, arm, customer in zip(offers[s.EXPERIMENT_ID], offers[s.VARIANT], offers[s.CUSTOMER_ID]):
        customers.setdefault(experiment, set()).add(customer)
        arm_sizes[experiment, arm] = arm_sizes.get((experiment, arm), 0) + 1
    largest = max(customers, key=lambda experiment: len(customers[experiment]))
    chosen = ex.choose_experiment(offers)
    assert (chosen[s.EXPERIMENT_ID], chosen["customers"]) == (largest, len(customers[largest]))
    planted = ground_truth["experiments"]
    widest = max(planted, key=lambda experiment: len(planted[experiment]["arms"]))
    multi_arm = ex.choose_experiment(offers, most="arms")
    assert (multi_arm[s.EXPERIMENT_ID], multi_arm["arms"]) == (widest, len(planted[widest]["arms"]))
    offer_arms = {arm: n for (experiment, arm), n in arm_sizes.items() if experiment == widest and arm != "control"}
    assert multi_arm[s.VARIANT] == max(offer_arms, key=offer_arms.get)
    assert multi_arm[s.VARIANT] in planted[widest]["arms"]


def test_choose_experiment_on_the_hillstrom_test(hillstrom_offers):
    offers, path = hillstrom_offers
    raw = _raw_hillstrom_counts(path)
    chosen = ex.choose_experiment(offers)
    assert (chosen[s.EXPERIMENT_ID], chosen["arms"], chosen["customers"]) == ("hillstrom-email", 3, 64_000)
    labels = {"mens": "Mens E-Mail", "womens": "Womens E-Mail"}
    assert chosen["arm_customers"] == max(raw[label]["n"] for label in labels.values())
    assert raw[labels[chosen[s.VARIANT]]]["n"] == chosen["arm_customers"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"experiment": "EXP-NOPE"}, "experiment 'EXP-NOPE' is not a value of column 'experiment_id' (experiments: EXP with"),
        ({"experiment": "EXP-X"}, "experiment 'EXP-X' needs a 'control' arm and at least 2 arms in column 'variant'; it "
                                  "has EXP-X with 20 customers in 2 arm(s), no control"),
        ({"arm": "sms"}, "arm 'sms' is not an offer arm (column 'variant') of experiment 'EXP', whose offer arms are offer"),
        ({"min_arms": 3}, "No experiment in column 'experiment_id' has a 'control' arm and at least 3 arms"),
        ({"min_arms": 1}, "min_arms must be at least 2"),
        ({"most": "uplift"}, "most must be one of customers, arms. Got 'uplift'"),
    ],
)
def test_choose_experiment_names_the_bad_value_and_the_choices(kwargs, message):
    offers = pd.concat([_offers("EXP", {"control": (10, 1), "offer": (10, 2)}),
                        _offers("EXP-X", {"email": (10, 1), "sms": (10, 2)})], ignore_index=True)
    with pytest.raises(ValueError) as error:
        ex.choose_experiment(offers, **kwargs)
    assert message in str(error.value)


# --- bad input -------------------------------------------------------------------------


def test_experiment_without_control_arm_is_refused():
    offers = _offers("EXP-X", {"email": (10, 1), "sms": (10, 2)})
    with pytest.raises(DataValidationError) as error:
        ex.compare_conversion(offers)
    message = str(error.value)
    assert "table 'offers', column 'variant'" in message
    assert "1 row(s) experiment(s) have no 'control' arm" in message
    assert "'EXP-X' has arms email, sms" in message


def test_customer_in_two_arms_is_refused():
    offers = _offers("EXP", {"control": (10, 1), "offer": (10, 2)})
    offers.loc[0, s.CUSTOMER_ID] = offers.loc[15, s.CUSTOMER_ID]
    with pytest.raises(DataValidationError) as error:
        ex.compare_revenue(offers)
    message = str(error.value)
    assert "table 'offers', column 'customer_id': 1 row(s) customer(s) are in more than one arm" in message
    assert "'EXP-offer-5' in experiment 'EXP', arms control, offer" in message


def test_customer_twice_in_one_arm_is_refused():
    offers = _offers("EXP", {"control": (10, 1), "offer": (10, 2)})
    offers = pd.concat([offers, offers.iloc[[3]]], ignore_index=True)
    with pytest.raises(DataValidationError, match="appear more than once in the same arm, e.g. 'EXP-control-3'"):
        ex.sample_ratio_mismatch(offers)


def test_arms_with_zero_customers_are_refused():
    offers = _offers("EXP", {"control": (10, 1), "offer": (10, 2)})
    with pytest.raises(DataValidationError, match=r"column 'variant': 1 row\(s\) planned arm\(s\) have zero customers, "
                                                  r"e.g. experiment 'EXP', arm 'sms'"):
        ex.sample_ratio_mismatch(offers, {"EXP": {"control": 1, "offer": 1, "sms": 1}})
    categorical = offers.assign(**{s.VARIANT: pd.Categorical(offers[s.VARIANT], categories=["control", "offer", "sms"])})
    with pytest.raises(DataValidationError, match=r"arm\(s\) have zero customers, e.g. experiment 'EXP', arm 'sms'"):
        ex.compare_conversion(categorical)


def test_missing_columns_and_values_are_named():
    offers = _offers("EXP", {"control": (10, 1), "offer": (10, 2)})
    with pytest.raises(DataValidationError, match="table 'offers', column 'accepted': 20 row"):
        ex.compare_conversion(offers.drop(columns=s.ACCEPTED))
    with pytest.raises(DataValidationError, match="column 'revenue': 1 row.*are empty or not numbers, e.g. nan \\(row 5\\)"):
        ex.compare_revenue(offers.assign(**{s.REVENUE: offers[s.REVENUE].where(offers.index != 4)}))
    with pytest.raises(ValueError, match="correction must be one of"):
        ex.compare_conversion(offers, correction="sidak-ish")
    with pytest.raises(ValueError, match="baseline_rate=0.98, uplift=0.05"):
        ex.sample_size_two_proportions(0.98, 0.05)


def test_inputs_are_not_modified(bundled_company):
    offers = bundled_company.offers
    before = offers.copy()
    ex.compare_conversion(offers)
    ex.compare_revenue(offers, n_bootstrap=10)
    ex.sample_ratio_mismatch(offers, warn=False)
    ex.segment_effects(offers, bundled_company.customers)
    pd.testing.assert_frame_equal(offers, before)


# --- plots -----------------------------------------------------------------------------


def test_uplift_labels_with_dollar_signs_are_shown_as_written():
    # Hillstrom's history segments read "2) $100 - $200": matplotlib would typeset the text between two $ as math.
    import matplotlib.pyplot as plt

    from xsell_lab.plots import experiments as experiment_plots

    table = pd.DataFrame({s.VARIANT: ["mens"], s.SEGMENT: ["2) $100 - $200"], "uplift": [0.01], "ci_low": [0.0],
                          "ci_high": [0.02]})
    ax = experiment_plots.plot_segment_effects(table)
    try:
        label = ax.get_yticklabels()[0]
        assert label.get_text() == r"mens · 2) \$100 - \$200"  # an escaped $ is drawn as a dollar sign
        ax.figure.canvas.draw()
    finally:
        plt.close(ax.figure)


def test_plot_helpers_return_their_axes(bundled_company):
    import matplotlib.pyplot as plt

    from xsell_lab.plots import experiments as experiment_plots

    conversion = ex.compare_conversion(bundled_company.offers)
    segments = ex.segment_effects(bundled_company.offers, bundled_company.customers)
    fig, axes = plt.subplots(2, 2)
    try:
        drawn = [
            experiment_plots.plot_uplift(conversion, title="uplift", ax=axes[0, 0]),
            experiment_plots.plot_segment_effects(segments[segments[s.EXPERIMENT_ID] == "EXP-BUNDLE"], ax=axes[0, 1]),
            experiment_plots.plot_peeking(ex.peeking_simulation(n_simulations=50), ax=axes[1, 0]),
            experiment_plots.plot_power_curve(ex.power_two_proportions(0.1, 0.04, [100, 500, 1000]), highlight=230,
                                              ax=axes[1, 1]),
        ]
        assert drawn == list(axes.flat)
        assert [t.get_text() for t in axes[0, 0].get_yticklabels()][0] == "EXP-BUNDLE · bundle_offer"
        assert axes[0, 0].get_title() == "uplift"
        assert len(axes[1, 0].get_lines()) == 3
    finally:
        plt.close(fig)
    own = experiment_plots.plot_uplift(conversion)
    assert own.figure is not fig
    plt.close(own.figure)


def _split(sizes: dict[str, int]) -> pd.DataFrame:
    """An offers table of one experiment with the given arm sizes, nobody converting."""
    variants = [arm for arm, size in sizes.items() for _ in range(size)]
    return pd.DataFrame({
        s.CUSTOMER_ID: [f"C{i}" for i in range(len(variants))], s.EXPERIMENT_ID: "EXP",
        s.VARIANT: variants, s.OFFER_DATE: pd.Timestamp("2025-01-01"), s.ACCEPTED: False,
    })  # fmt: skip


@pytest.mark.parametrize(
    ("sizes", "grade", "flagged"),
    [
        ({"control": 44_700, "offer": 45_489}, "likely mismatch", True),  # chi-square 6.90, p = 0.0086
        ({"control": 1_000, "offer": 1_300}, "mismatch", True),  # chi-square 39.1, p = 4e-10
        ({"control": 1_000, "offer": 1_100}, "borderline", False),  # chi-square 4.76, p = 0.029
        ({"control": 1_000, "offer": 1_010}, "consistent", False),  # p = 0.82
    ],
)
def test_srm_verdicts_are_graded_and_never_call_p_0_0086_a_match(sizes, grade, flagged):
    result = ex.sample_ratio_mismatch(_split(sizes), warn=False).iloc[0]
    chi2, p_value = stats.chisquare(list(sizes.values()))
    assert result["chi2"] == pytest.approx(chi2) and result["p_value"] == pytest.approx(p_value)
    assert result["grade"] == grade, (p_value, result["message"])
    assert bool(result["mismatch"]) is flagged
    assert "match the plan" not in result["message"]
    assert result["message"].startswith("Sample ratio mismatch") is flagged


def test_revenue_and_cuped_results_use_the_vocabulary_columns():
    offers = _offers("E", {"control": (200, 20), "offer": (200, 40)})
    revenue = ex.compare_revenue(offers, n_bootstrap=0)
    cuped = ex.cuped_comparison(offers.assign(pre_period_spend=np.arange(len(offers)) % 7))
    for table in (revenue, cuped):
        assert {"std_error", "ci_low", "ci_high", "p_value"} <= set(table.columns)
        assert not {"se", "ci_lower", "ci_upper", "pvalue"} & set(table.columns)
    treated, control = offers.loc[offers[s.VARIANT] == "offer", s.REVENUE], offers.loc[offers[s.VARIANT] == "control", s.REVENUE]
    assert revenue["std_error"].iloc[0] == pytest.approx(np.sqrt(treated.var() / 200 + control.var() / 200))


def test_control_conversion_rate_pools_the_control_arms_by_hand():
    offers = pd.DataFrame({
        "experiment_id": ["A"] * 5 + ["B"] * 5,
        "variant": ["control", "control", "control", "offer", "offer", "control", "control", "offer", "offer", "offer"],
        "accepted": [True, False, False, True, True, True, False, True, True, True],
    })
    assert ex.control_conversion_rate(offers) == pytest.approx(2 / 5)
    with pytest.raises(ValueError, match="control"):
        ex.control_conversion_rate(offers[offers["variant"] == "offer"])


def test_control_conversion_rate_of_the_bundled_tests_lies_between_their_control_arms(bundled_company):
    from xsell_lab import kpis

    arms = kpis.offer_conversion_rate(bundled_company.offers)
    controls = arms.loc[arms["variant"] == "control", "conversion_rate"]
    assert controls.min() < ex.control_conversion_rate(bundled_company.offers) < controls.max()
