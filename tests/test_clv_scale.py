"""CLV at scale: the fits evaluate each distinct RFM row once and still give the per-customer maximum.

BG/NBD and Gamma-Gamma merge customers with identical ``(frequency, recency, T)`` (resp.
``(frequency, monetary_value)``) into one weighted row before fitting. Checked against the
per-customer likelihood (its gradient is zero at the merged fit's estimate), against lifetimes
(an independent fitter, on every customer row) on simulated customers with day-granular times,
and against the planted parameters of that simulation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xsell_lab.clv import BetaGeoModel, GammaGammaModel, bgnbd, gamma_gamma
from xsell_lab.clv._mle import distinct_rows
from xsell_lab.synth import simulate_repeat_purchases

from skips import import_or_skip

lifetimes = import_or_skip("lifetimes")
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value  # noqa: E402

TRUTH = {"r": 0.6, "alpha": 8.0, "a": 0.8, "b": 3.0, "p": 5.0, "q": 4.0, "gamma": 12.0}


def day_granular_rfm(n_customers: int, seed: int) -> pd.DataFrame:
    """RFM in weeks of simulated customers, times rounded to whole days as from order dates; spend in cents."""
    horizon = np.random.default_rng(seed).integers(20 * 7, 80 * 7, n_customers) / 7
    lines = simulate_repeat_purchases(n_customers, **TRUTH, T=horizon, seed=seed)
    lines["t"] = np.floor(lines["t"] * 7) / 7
    per_customer = lines.groupby("customer_id").agg(n=("t", "size"), recency=("t", "max"), total=("value", "sum"))
    first_value = lines.groupby("customer_id")["value"].first()
    frequency = per_customer["n"] - 1
    spend = np.where(frequency > 0, (per_customer["total"] - first_value) / frequency.clip(lower=1), 0.0)
    return pd.DataFrame({"frequency": frequency, "recency": per_customer["recency"], "T": horizon, "monetary_value": spend.round(0)})


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow_summary_data_with_monetary_value()


def test_distinct_rows_sum_the_weights_of_identical_rows_as_pandas_groupby(cdnow):
    columns = [cdnow[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T")]
    weights = np.arange(1.0, len(cdnow) + 1)
    (x, t_x, big_t), merged = distinct_rows(columns, weights)
    reference = cdnow.assign(w=weights).groupby(["frequency", "recency", "T"], sort=False)["w"].sum()
    assert len(x) == len(reference) < 0.7 * len(cdnow)  # CDNOW's weeks come in days: many identical rows
    assert dict(zip(zip(x, t_x, big_t), merged)) == pytest.approx(dict(zip(reference.index, reference.to_numpy())), rel=1e-15)
    assert merged.sum() == weights.sum()


@pytest.mark.parametrize(
    ("model", "likelihood", "columns"),
    [
        (BetaGeoModel, bgnbd._LogLikelihood, ("frequency", "recency", "T")),
        (GammaGammaModel, gamma_gamma._LogLikelihood, ("frequency", "monetary_value")),
    ],
)
def test_the_merged_fit_is_the_maximum_of_the_per_customer_likelihood(cdnow, monkeypatch, model, likelihood, columns):
    sizes = []
    module = bgnbd if model is BetaGeoModel else gamma_gamma
    monkeypatch.setattr(module, "_LogLikelihood", lambda x, *rest: sizes.append(len(x)) or likelihood(x, *rest))
    fitted = model().fit(cdnow)
    customers = cdnow[cdnow["frequency"] > 0] if model is GammaGammaModel else cdnow
    assert set(sizes) == {len(customers.drop_duplicates(list(columns)))}  # each distinct row evaluated once
    arrays = [customers[c].to_numpy(dtype="float64") for c in columns]
    per_customer = likelihood(*arrays, np.ones(len(customers)))
    value, gradient = per_customer.total_negative(fitted.params_.to_numpy())
    assert -value == pytest.approx(fitted.log_likelihood_, rel=1e-12)
    # zero gradient on the log scale, relative to the likelihood's size: the same maximum
    assert np.max(np.abs(gradient * fitted.params_.to_numpy())) < 1e-6 * abs(value)
    assert fitted.n_customers_ == len(customers)


@pytest.mark.slow
def test_day_granular_customers_fit_like_lifetimes_on_every_row_and_recover_the_planted_parameters():
    rfm = day_granular_rfm(20_000, seed=3)
    repeat = rfm[rfm["frequency"] > 0]
    assert len(rfm.drop_duplicates(["frequency", "recency", "T"])) < 0.75 * len(rfm)
    ours_bg, ours_gg = BetaGeoModel().fit(rfm), GammaGammaModel().fit(rfm)
    reference_bg = lifetimes.BetaGeoFitter().fit(rfm["frequency"], rfm["recency"], rfm["T"])
    reference_gg = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    np.testing.assert_allclose(ours_bg.params_.to_numpy(), reference_bg.params_[["r", "alpha", "a", "b"]].to_numpy(), rtol=1e-3)
    np.testing.assert_allclose(ours_gg.params_.to_numpy(), reference_gg.params_[["p", "q", "v"]].to_numpy(), rtol=1e-3)
    for model in (ours_bg, ours_gg):
        summary = model.summary()
        z = (summary["estimate"] - pd.Series(TRUTH)[summary.index]) / summary["std_error"]
        assert (z.abs() < 4).all(), summary.assign(z=z)


def test_rfm_summary_out_of_core_equals_the_in_memory_summary(bundled_lines, tmp_path):
    from xsell_lab.clv import rfm_summary, rfm_summary_parquet

    path = tmp_path / "lines.parquet"
    bundled_lines.to_parquet(path)
    as_of = bundled_lines["order_date"].max() - pd.Timedelta(days=90)  # later purchases are left out
    expected = rfm_summary(bundled_lines, as_of).sort_values("customer_id").reset_index(drop=True)
    ours = rfm_summary_parquet(path, as_of, memory_limit="200MB")
    assert list(ours.columns) == list(expected.columns)
    assert ours["customer_id"].tolist() == expected["customer_id"].tolist()
    assert (ours["frequency"] == expected["frequency"]).all() and ours["frequency"].dtype == expected["frequency"].dtype
    for column in ("recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[column], expected[column], rtol=1e-12, atol=1e-9)
    assert (ours["frequency"] > 0).any() and len(ours) < bundled_lines["customer_id"].nunique()


def test_rfm_summary_out_of_core_refuses_what_the_in_memory_summary_refuses(tmp_path):
    from xsell_lab import DataValidationError
    from xsell_lab.clv import rfm_summary_parquet

    lines = pd.DataFrame(
        {"customer_id": ["a", "a", None, "b"], "order_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-01", None]),
         "revenue": [10.0, 5.0, 1.0, 2.0]}
    )
    lines.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(DataValidationError, match=r"customer_id.*1 row\(s\) are empty[\s\S]*order_date.*1 row\(s\) are empty or not dates"):
        rfm_summary_parquet(tmp_path / "bad.parquet", "2024-03-01")
    returns = pd.DataFrame({"customer_id": ["a", "a", "a"], "order_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-01"]),
                            "revenue": [10.0, 5.0, -8.0]})
    returns.to_parquet(tmp_path / "returns.parquet")
    with pytest.raises(DataValidationError, match="net spend is negative"):
        rfm_summary_parquet(tmp_path / "returns.parquet", "2024-03-01")
