"""BG/NBD and Gamma-Gamma: published CDNOW estimates, lifetimes, planted truth, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xsell_lab import DataValidationError
from xsell_lab.exceptions import NotFittedError
from xsell_lab.clv import BetaGeoModel, ConvergenceError, GammaGammaModel
from xsell_lab.synth import simulate_repeat_purchases

from skips import import_or_skip

lifetimes = import_or_skip("lifetimes")
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value  # noqa: E402

# Fader, Hardie & Lee (2005), "Counting your customers the easy way", section 4: CDNOW, 39 weeks.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_BGNBD_LL = -9582.4
# Fader & Hardie (2013), "The Gamma-Gamma model of monetary value", CDNOW repeat buyers.
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def _significant(value: float, digits: int) -> float:
    return float(f"{value:.{digits - 1}e}")


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow_summary_data_with_monetary_value()


@pytest.fixture(scope="module")
def cdnow_bgnbd(cdnow) -> BetaGeoModel:
    return BetaGeoModel().fit(cdnow)


@pytest.fixture(scope="module")
def cdnow_gamma_gamma(cdnow) -> GammaGammaModel:
    return GammaGammaModel().fit(cdnow)


def test_bgnbd_reproduces_published_cdnow_estimates(cdnow_bgnbd):
    for name, published in PUBLISHED_BGNBD.items():
        assert _significant(cdnow_bgnbd.params_[name], 3) == _significant(published, 3), name
    assert cdnow_bgnbd.log_likelihood_ == pytest.approx(PUBLISHED_BGNBD_LL, abs=0.05)
    assert cdnow_bgnbd.n_customers_ == 2357


def test_gamma_gamma_reproduces_published_cdnow_estimates(cdnow_gamma_gamma):
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert _significant(cdnow_gamma_gamma.params_[name], 3) == _significant(published, 3), name
    assert cdnow_gamma_gamma.n_customers_ == 946
    assert cdnow_gamma_gamma.n_excluded_ == 2357 - 946


def test_bgnbd_matches_lifetimes_estimates_errors_and_predictions(cdnow, cdnow_bgnbd):
    reference = lifetimes.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    np.testing.assert_allclose(cdnow_bgnbd.params_.to_numpy(), reference.params_.to_numpy(), rtol=1e-4)
    summary = cdnow_bgnbd.summary()
    np.testing.assert_allclose(summary["std_error"], reference.summary["se(coef)"], rtol=1e-3)
    np.testing.assert_allclose(
        cdnow_bgnbd.conditional_probability_alive(cdnow),
        reference.conditional_probability_alive(cdnow["frequency"], cdnow["recency"], cdnow["T"]),
        rtol=1e-4,
    )
    np.testing.assert_allclose(
        cdnow_bgnbd.conditional_expected_purchases(39.0, cdnow),
        reference.conditional_expected_number_of_purchases_up_to_time(
            39.0, cdnow["frequency"], cdnow["recency"], cdnow["T"]
        ),
        rtol=1e-3,
    )
    np.testing.assert_allclose(
        cdnow_bgnbd.expected_purchases(np.array([10.0, 52.0])), reference.expected_number_of_purchases_up_to_time([10.0, 52.0]), rtol=1e-3
    )


def test_gamma_gamma_matches_lifetimes(cdnow, cdnow_gamma_gamma):
    repeat = cdnow[cdnow["frequency"] > 0]
    reference = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    np.testing.assert_allclose(cdnow_gamma_gamma.params_.to_numpy(), reference.params_.to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(cdnow_gamma_gamma.summary()["std_error"], reference.summary["se(coef)"], rtol=1e-3)
    np.testing.assert_allclose(
        cdnow_gamma_gamma.conditional_expected_spend(cdnow),
        reference.conditional_expected_average_profit(cdnow["frequency"], cdnow["monetary_value"]),
        rtol=1e-4,
    )


def test_bgnbd_holdout_forecast_is_close_to_what_cdnow_customers_did(cdnow, cdnow_bgnbd):
    """FHL (2005, fig. 4): the 39-week holdout forecast tracks the 1,882 actual repeat purchases."""
    expected = cdnow_bgnbd.conditional_expected_purchases(39.0, cdnow).sum()
    assert expected == pytest.approx(1882, rel=0.15)


def test_p_alive_is_one_without_repeats_and_falls_with_silence(cdnow_bgnbd):
    rfm = pd.DataFrame({"frequency": [0, 3, 3], "recency": [0.0, 30.0, 5.0], "T": [38.0, 38.0, 38.0]})
    p_alive = cdnow_bgnbd.conditional_probability_alive(rfm)
    assert p_alive.iloc[0] == 1.0
    assert p_alive.iloc[1] > p_alive.iloc[2]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_bgnbd_and_gamma_gamma_recover_planted_parameters(seed):
    truth = {"r": 0.6, "alpha": 8.0, "a": 0.8, "b": 3.0, "p": 5.0, "q": 4.0, "gamma": 12.0}
    horizon = np.random.default_rng(seed).uniform(20, 80, 20_000)
    lines = simulate_repeat_purchases(20_000, **truth, T=horizon, seed=seed)
    per_customer = lines.groupby("customer_id").agg(n=("t", "size"), recency=("t", "max"), total=("value", "sum"))
    first_value = lines.groupby("customer_id")["value"].first()
    frequency = per_customer["n"] - 1
    rfm = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": per_customer["recency"],
            "T": horizon,
            "monetary_value": np.where(frequency > 0, (per_customer["total"] - first_value) / frequency.clip(lower=1), 0.0),
        }
    )
    for model in (BetaGeoModel().fit(rfm), GammaGammaModel().fit(rfm)):
        summary = model.summary()
        z = (summary["estimate"] - pd.Series(truth)[summary.index]) / summary["std_error"]
        assert (z.abs() < 4).all(), summary.assign(truth=pd.Series(truth), z=z)
        assert (summary["std_error"] < 0.3 * summary["estimate"]).all()


def test_bgnbd_recovers_the_bundled_company_parameters(bundled_lines, ground_truth):
    from xsell_lab.clv import rfm_summary

    planted = ground_truth["repeat_purchases"]
    lines = bundled_lines
    rfm = rfm_summary(lines, ground_truth["meta"]["end"])
    summary = BetaGeoModel().fit(rfm).summary()
    for name in ("r", "alpha", "a", "b"):
        low, high = summary.loc[name, "ci_low"], summary.loc[name, "ci_high"]
        # 99.9% interval: widen the 95% one by 3.29 / 1.96 around the estimate.
        half = (high - low) / 2 * 3.29 / 1.96
        assert abs(summary.loc[name, "estimate"] - planted[name]) < half, (name, summary, planted)


def test_non_convergence_is_an_error_that_says_what_to_try(cdnow):
    with pytest.raises(ConvergenceError, match="did not converge.*What to try.*initial_params.*max_iter"):
        BetaGeoModel(max_iter=2).fit(cdnow)


def test_all_single_purchase_customers_cannot_be_fitted():
    rfm = pd.DataFrame({"frequency": [0, 0], "recency": [0.0, 0.0], "T": [10.0, 20.0]})
    with pytest.raises(ValueError, match="all 2 customers have frequency 0"):
        BetaGeoModel().fit(rfm)
    with pytest.raises(ValueError, match="none of the 2 customers has a repeat purchase"):
        GammaGammaModel().fit(rfm.assign(monetary_value=0.0))


def test_bgnbd_refuses_recency_after_t(cdnow):
    bad = cdnow.copy()
    bad.iloc[0, bad.columns.get_loc("recency")] = 50.0
    with pytest.raises(DataValidationError, match="recency': 1 row"):
        BetaGeoModel().fit(bad)


def test_gamma_gamma_refuses_non_positive_repeat_spend(cdnow):
    bad = cdnow.copy()
    repeaters = np.flatnonzero(bad["frequency"].to_numpy() > 0)[:3]
    bad.iloc[repeaters, bad.columns.get_loc("monetary_value")] = -5.0
    with pytest.raises(DataValidationError, match=r"monetary_value': 3 row\(s\).*-5.0"):
        GammaGammaModel().fit(bad)
    with_ids = bad.reset_index().assign(customer_id=lambda f: "c" + f["customer_id"].astype(str))  # the id as a column
    with pytest.raises(DataValidationError, match=rf"-5.0 \(customer 'c{bad.index[repeaters[0]]}'\)"):
        GammaGammaModel().fit(with_ids)


def test_per_customer_predictions_are_named_series_aligned_to_the_rows_given(cdnow, cdnow_bgnbd, cdnow_gamma_gamma):
    rfm = cdnow.reset_index().sample(frac=1.0, random_state=3).set_axis(np.arange(len(cdnow)) * 10)  # any order, any index
    p_alive = cdnow_bgnbd.conditional_probability_alive(rfm)
    expected = cdnow_bgnbd.conditional_expected_purchases(13.0, rfm)
    spend = cdnow_gamma_gamma.conditional_expected_spend(rfm)
    for series, name in ((p_alive, "p_alive"), (expected, "expected_purchases"), (spend, "expected_spend")):
        assert series.name == name
        assert series.index.equals(rfm.index)
    by_id = rfm.assign(p_alive=p_alive).set_index("customer_id")["p_alive"]
    original = cdnow_bgnbd.conditional_probability_alive(cdnow)  # lifetimes' table, indexed by customer_id
    pd.testing.assert_series_equal(by_id.reindex(original.index), original, check_names=False)


def test_customers_first_seen_on_the_cutoff_do_not_change_the_fit(cdnow, cdnow_bgnbd):
    newcomers = pd.DataFrame({"frequency": [0] * 50, "recency": 0.0, "T": 0.0, "monetary_value": 0.0})
    refit = BetaGeoModel().fit(pd.concat([cdnow, newcomers], ignore_index=True))
    np.testing.assert_allclose(refit.params_, cdnow_bgnbd.params_, rtol=1e-4)


def test_unfitted_model_says_so(cdnow):
    with pytest.raises(NotFittedError, match=r"not fitted yet: call fit\(rfm\) first"):
        BetaGeoModel().conditional_probability_alive(cdnow)


def test_repr_shows_the_cdnow_estimates_to_four_digits(cdnow_bgnbd, cdnow_gamma_gamma):
    """The published CDNOW estimates (Fader, Hardie & Lee 2005: r 0.243, alpha 4.41, a 0.793, b 2.43;
    Fader & Hardie 2013: p 6.25, q 3.74, gamma 15.44)."""
    assert repr(cdnow_bgnbd).splitlines() == [
        "BetaGeoModel(initial_params=None, max_iter=1000)",
        "  fitted on 2,357 rows: r=0.2426, alpha=4.414, a=0.7929, b=2.426",
    ]
    assert repr(cdnow_gamma_gamma).splitlines()[1] == "  fitted on 2,357 rows: p=6.249, q=3.745, gamma=15.45"


def test_weights_equal_repeated_rows(cdnow):
    head = cdnow.iloc[:400]
    doubled = BetaGeoModel().fit(pd.concat([head, head]))
    weighted = BetaGeoModel().fit(head, weights=np.full(len(head), 2.0))
    np.testing.assert_allclose(doubled.params_, weighted.params_, rtol=1e-4)


@pytest.mark.parametrize(
    ("model", "other_start"),
    [(BetaGeoModel, {"r": 0.5, "alpha": 8.0, "a": 0.5, "b": 5.0}), (GammaGammaModel, {"p": 3.0, "q": 5.0, "gamma": 30.0})],
)
def test_the_estimate_does_not_depend_on_where_the_optimizer_starts(cdnow, model, other_start):
    """Two starts, one maximum to 10 significant digits: what makes fits agree across CPUs and BLAS kernels.

    L-BFGS-B alone stops anywhere inside its tolerance (Gamma-Gamma's flat likelihood: the 7th digit);
    the Newton polish takes both answers to the maximum.
    """
    default = model().fit(cdnow).params_
    moved = model(initial_params=other_start).fit(cdnow).params_
    np.testing.assert_allclose(moved.to_numpy(), default.to_numpy(), rtol=1e-10)
