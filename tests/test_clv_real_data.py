"""CLV on real, messy public data (../shared/data): lifetimes as the reference on the same RFM tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xsell_lab import DataValidationError
from xsell_lab.clv import BetaGeoModel, GammaGammaModel, calibration_holdout_summary, rfm_summary

from skips import import_or_skip

lifetimes = import_or_skip("lifetimes")


@pytest.fixture(scope="module")
def online_retail(shared_data) -> pd.DataFrame:
    raw = pd.read_csv(
        shared_data / "online_retail.csv.gz",
        dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str},
        usecols=["InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"],
    )
    raw = raw.dropna(subset=["CustomerID"])
    return pd.DataFrame(
        {
            "customer_id": raw["CustomerID"],
            "order_date": pd.to_datetime(raw["InvoiceDate"]),
            "revenue": raw["Quantity"] * raw["UnitPrice"],
            "cancelled": raw["InvoiceNo"].str.startswith("C"),
        }
    )


def test_online_retail_cancellations_are_refused_with_an_example(online_retail):
    with pytest.raises(DataValidationError, match=r"table 'purchases', column 'revenue': .* net spend is negative"):
        rfm_summary(online_retail, "2011-12-09")


@pytest.mark.slow
def test_online_retail_fits_match_lifetimes(online_retail):
    purchases = online_retail[~online_retail["cancelled"] & (online_retail["revenue"] > 0)]
    rfm = rfm_summary(purchases, "2011-12-09")
    assert len(rfm) == purchases["customer_id"].nunique()
    ours = BetaGeoModel().fit(rfm)
    theirs = lifetimes.BetaGeoFitter().fit(rfm["frequency"], rfm["recency"], rfm["T"])
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=1e-3)
    repeat = rfm[rfm["frequency"] > 0]
    spend = GammaGammaModel().fit(rfm)
    reference = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    np.testing.assert_allclose(spend.params_, reference.params_, rtol=1e-3)


def test_grocery_event_log_holdout_matches_lifetimes(shared_data):
    """Platzer & Reutterer's grocery log: same calibration/holdout split and fit as lifetimes."""
    log = pd.read_csv(shared_data / "btydplus_groceryElog.csv", dtype={"cust": str}, parse_dates=["date"])
    log = log.rename(columns={"cust": "customer_id", "date": "order_date"}).assign(revenue=1.0)
    in_days = calibration_holdout_summary(log, "2006-12-31", "2007-12-30", time_unit=1.0)
    theirs = lifetimes.utils.calibration_and_holdout_data(
        log, "customer_id", "order_date", calibration_period_end="2006-12-31",
        observation_period_end="2007-12-30", freq="D",
        monetary_value_col="revenue",  # lifetimes 0.11.3 under pandas 3 fails without one
    ).reindex(in_days["customer_id"])
    np.testing.assert_array_equal(in_days["frequency"], theirs["frequency_cal"])
    np.testing.assert_allclose(in_days["recency"], theirs["recency_cal"])
    np.testing.assert_allclose(in_days["T"], theirs["T_cal"])
    np.testing.assert_array_equal(in_days["frequency_holdout"], theirs["frequency_holdout"])
    in_weeks = calibration_holdout_summary(log, "2006-12-31", "2007-12-30")
    model = BetaGeoModel().fit(in_weeks)
    reference = lifetimes.BetaGeoFitter().fit(in_weeks["frequency"], in_weeks["recency"], in_weeks["T"])
    np.testing.assert_allclose(model.params_, reference.params_, rtol=1e-3)
