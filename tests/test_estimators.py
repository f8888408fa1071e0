"""The estimator protocol (README "Contributing", ``xsell_lab.stats.estimator``), checked on every model.

Each model is fitted on small simulated data with known structure; the checks are the same for all:
``fit`` returns the model, every method that needs a fit raises ``NotFittedError`` before it, the
``repr`` shows the settings, the number of rows and the parameters to four significant digits, and
``summary(confidence=...)`` has the vocabulary's columns with intervals that hold the estimate and widen
with the confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from xsell_lab.clv import BetaGeoModel, GammaGammaModel
from xsell_lab.data import schema as s
from xsell_lab.exceptions import NotFittedError, ParameterError
from xsell_lab.experiments import UpliftModel
from xsell_lab.pricing import PriceElasticityModel
from xsell_lab.propensity import PropensityModel
from xsell_lab.stats import Estimator
from xsell_lab.stats.estimator import REPR_DIGITS, SUMMARY_COLUMNS
from xsell_lab.synth import simulate_repeat_purchases, simulate_uplift_test


def _rfm(n_customers: int = 3000, seed: int = 3) -> pd.DataFrame:
    """An RFM table simulated from the BG/NBD and Gamma-Gamma models (Fader, Hardie & Lee 2005)."""
    horizon = np.random.default_rng(seed).uniform(20, 60, n_customers)
    truth = {"r": 0.6, "alpha": 8.0, "a": 0.8, "b": 3.0, "p": 5.0, "q": 4.0, "gamma": 12.0}
    lines = simulate_repeat_purchases(n_customers, **truth, T=horizon, seed=seed)
    per_customer = lines.groupby("customer_id").agg(n=("t", "size"), recency=("t", "max"), total=("value", "sum"))
    first_value = lines.groupby("customer_id")["value"].first()
    frequency = per_customer["n"] - 1
    return pd.DataFrame(
        {
            "frequency": frequency,
            "recency": np.where(frequency > 0, per_customer["recency"], 0.0),
            "T": horizon,
            "monetary_value": np.where(frequency > 0, (per_customer["total"] - first_value) / frequency.clip(lower=1), 0.0),
        }
    )


def _propensity_data(n_rows: int = 2000, seed: int = 4) -> pd.DataFrame:
    """Customer snapshots whose label follows a known logit in recency, orders, a flag and the segment."""
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "recency_months": rng.exponential(6, n_rows),
            "orders": rng.poisson(3, n_rows).astype(float),
            "owns_anchor": (rng.random(n_rows) < 0.4).astype(float),
            s.SEGMENT: rng.choice(["consumer", "small_business"], n_rows),
            s.PREFERRED_CHANNEL: rng.choice(["web", "store"], n_rows),
        }
    )
    linear = -1.5 - 0.1 * data["recency_months"] + 0.2 * data["orders"] + 1.0 * data["owns_anchor"]
    data["label"] = (rng.random(n_rows) < 1 / (1 + np.exp(-linear))).astype(int)
    return data


def _weekly_sales(n_weeks: int = 104, seed: int = 5) -> pd.DataFrame:
    """Two products whose units follow a log-log law (own -2 and -1.5, cross 0.5 and 0.2) with noise."""
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2024-01-01", periods=n_weeks, freq="7D")
    price_a, price_b = 100 * np.exp(rng.normal(0, 0.1, n_weeks)), 40 * np.exp(rng.normal(0, 0.1, n_weeks))
    promo = rng.random(n_weeks) < 0.3
    noise = np.exp(rng.normal(0, 0.05, (2, n_weeks)))
    units_a = 500 * price_a**-2.0 * price_b**0.5 * np.exp(0.1 * promo) * noise[0]
    units_b = 300 * price_b**-1.5 * price_a**0.2 * noise[1]
    return pd.concat(
        [
            pd.DataFrame({s.WEEK_START: weeks, s.PRODUCT_ID: "A", s.PRICE: price_a, s.UNITS: units_a, s.ON_PROMOTION: promo}),
            pd.DataFrame({s.WEEK_START: weeks, s.PRODUCT_ID: "B", s.PRICE: price_b, s.UNITS: units_b, s.ON_PROMOTION: False}),
        ],
        ignore_index=True,
    )


@dataclass
class Case:
    """One estimator: how to make it, what to fit it on, and the arguments of its methods that need a fit."""

    make: type
    data: pd.DataFrame
    settings: dict = field(default_factory=dict)
    #: Methods that need a fit, with their arguments (besides self).
    methods: dict = field(default_factory=dict)

    def model(self) -> Estimator:
        return self.make(**self.settings)


def _cases() -> dict[str, Case]:
    rfm, propensity_data, weekly = _rfm(), _propensity_data(), _weekly_sales()
    uplift_test = simulate_uplift_test(6000, seed=6)
    offered = uplift_test["variant"] == "offer"  # three offer arms of the same offer, so three average effects
    uplift_test.loc[offered, "variant"] = np.random.default_rng(6).choice(["email", "phone", "letter"], offered.sum())
    return {
        "BetaGeoModel": Case(
            BetaGeoModel,
            rfm,
            methods={
                "conditional_probability_alive": (rfm,),
                "conditional_expected_purchases": (13.0, rfm),
                "expected_purchases": (13.0,),
                "summary": (),
            },
        ),
        "GammaGammaModel": Case(
            GammaGammaModel, rfm, methods={"conditional_expected_spend": (rfm,), "population_mean_spend": (), "summary": ()}
        ),
        "PropensityModel": Case(
            PropensityModel,
            propensity_data,
            methods={
                "predict_proba": (propensity_data,),
                "design_matrix": (propensity_data,),
                "drivers": (propensity_data,),
                "summary": (),
            },
        ),
        "PriceElasticityModel": Case(
            PriceElasticityModel,
            weekly,
            settings={"season": None, "cov_type": "HC1"},
            methods={"predict_units": (weekly.drop(columns=s.UNITS),), "summary": ()},
        ),
        "UpliftModel": Case(
            UpliftModel,
            uplift_test,
            settings={"features": ["engagement", "segment"]},
            methods={"predict": (uplift_test,), "summary": ()},
        ),
    }


CASES = _cases()


@pytest.fixture(scope="module", params=list(CASES))
def case(request) -> Case:
    return CASES[request.param]


@pytest.fixture(scope="module")
def fitted(case) -> Estimator:
    return case.model().fit(case.data)


def test_fit_returns_the_model_itself(case):
    model = case.model()
    assert isinstance(model, Estimator)
    assert model.fit(case.data) is model
    assert model.is_fitted and model.n_rows_ == len(case.data)


def test_the_methods_marked_requires_fit_are_the_ones_checked_here(case):
    marked = {name for name, member in vars(case.make).items() if getattr(member, "requires_fit", False)}
    assert marked | {"summary"} == set(case.methods)


@pytest.mark.parametrize(
    ("estimator", "name"), [pytest.param(e, m, id=f"{e}.{m}") for e, c in CASES.items() for m in c.methods]
)
def test_every_method_that_needs_a_fit_raises_not_fitted_error_before_it(estimator, name):
    case = CASES[estimator]
    model = case.model()
    with pytest.raises(NotFittedError, match=rf"This {estimator} is not fitted yet: call fit\("):
        getattr(model, name)(*case.methods[name])
    with pytest.raises(AttributeError):  # NotFittedError is an AttributeError too, as in scikit-learn
        getattr(model, name)(*case.methods[name])


def test_every_method_works_after_fit(case, fitted):
    for name, arguments in case.methods.items():
        getattr(fitted, name)(*arguments)


def test_repr_shows_settings_rows_and_rounded_parameters(case, fitted):
    unfitted = repr(case.model())
    settings = case.model().get_params()
    assert unfitted.startswith(f"{case.make.__name__}(") and unfitted.endswith("not fitted")
    for name, value in settings.items():
        assert f"{name}={value!r}" in unfitted
    text = repr(fitted)
    assert "object at 0x" not in text
    head, fitted_line = text.splitlines()
    assert head == unfitted.splitlines()[0]
    assert fitted_line.startswith(f"  fitted on {len(case.data):,} rows: ")
    shown = re.findall(r"=(-?[0-9.]+(?:e[+-]\d+)?)", fitted_line)
    assert shown, fitted_line
    for number in shown:  # at most REPR_DIGITS significant digits: the same text on every CPU
        assert len(number.lstrip("-").split("e")[0].replace(".", "").lstrip("0")) <= REPR_DIGITS, number
    first_name, first_value = re.search(r"rows: ([^=]+)=([^,]+)", fitted_line).groups()
    assert float(first_value) == pytest.approx(fitted._parameters().iloc[0], rel=10 ** (1 - REPR_DIGITS))


def test_summary_has_the_vocabulary_columns_and_intervals_around_the_estimate(fitted):
    table = fitted.summary(confidence=0.95)
    assert [c for c in table.columns if c in SUMMARY_COLUMNS] == SUMMARY_COLUMNS
    assert len(table) >= 3
    assert (table["std_error"] > 0).all()
    assert (table["ci_low"] < table["estimate"]).all() and (table["estimate"] < table["ci_high"]).all()
    if "p_value" in table:
        assert table["p_value"].between(0, 1).all()


def test_a_wider_confidence_gives_a_wider_interval(fitted):
    narrow, wide = fitted.summary(confidence=0.8), fitted.summary(confidence=0.99)
    pd.testing.assert_series_equal(narrow["estimate"], wide["estimate"])
    assert ((wide["ci_high"] - wide["ci_low"]) > (narrow["ci_high"] - narrow["ci_low"])).all()
    assert (wide["ci_low"] < narrow["ci_low"]).all() and (narrow["ci_high"] < wide["ci_high"]).all()


@pytest.mark.parametrize("confidence", [0, 1, 95, "high"])
def test_a_confidence_outside_zero_one_is_refused(fitted, confidence):
    with pytest.raises(ParameterError, match="strictly between 0 and 1"):
        fitted.summary(confidence=confidence)


def test_confidence_is_given_by_name(fitted):
    """Positional use is refused: ``summary(0.05)`` meant alpha = 0.05 in the propensity model before 0.2."""
    with pytest.raises(TypeError):
        fitted.summary(0.9)
