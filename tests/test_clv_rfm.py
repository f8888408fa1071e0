"""RFM summaries: hand-checked cases, bad input, and the CDNOW summary published by Hardie."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xsell_lab import DataValidationError
from xsell_lab import clv
from xsell_lab.clv import calibration_holdout_summary, rfm_summary, validate_rfm

from skips import import_or_skip

lifetimes = import_or_skip("lifetimes")
CDNOW_DIR = Path(lifetimes.__file__).parent / "datasets"


def _purchases(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "revenue"]).assign(
        order_date=lambda f: pd.to_datetime(f["order_date"], format="ISO8601")
    )


def test_hand_computed_summary():
    purchases = _purchases(
        [
            ("a", "2024-01-01", 10.0),
            ("a", "2024-01-01 15:00", 5.0),  # same day: one purchase period of 15
            ("a", "2024-01-15", 30.0),
            ("a", "2024-01-29", 50.0),
            ("b", "2024-01-08", 20.0),  # single purchase
        ]
    )
    rfm = rfm_summary(purchases, "2024-02-05")
    assert rfm.columns.tolist() == clv.RFM_COLUMNS
    assert rfm.index.equals(pd.RangeIndex(2))
    assert rfm.to_numpy().tolist() == [["a", 2, 4.0, 5.0, 40.0], ["b", 0, 0.0, 4.0, 0.0]]
    days = rfm_summary(purchases, "2024-02-05", time_unit=1.0).set_index("customer_id")
    assert days.loc["a", "T"] == 35.0


def test_other_column_names_and_the_old_col_keywords():
    purchases = _purchases([("a", "2024-01-01", 10.0), ("a", "2024-01-15", 30.0), ("b", "2024-01-08", 20.0)])
    renamed = purchases.rename(columns={"customer_id": "client", "order_date": "day", "revenue": "amount"})
    expected = rfm_summary(purchases, "2024-02-05")
    given = rfm_summary(renamed, "2024-02-05", customer_column="client", date_column="day", value_column="amount")
    pd.testing.assert_frame_equal(given, expected)  # the id column is customer_id whatever it was called
    with pytest.warns(FutureWarning, match="customer_col= is now customer_column="):
        old = calibration_holdout_summary(renamed, "2024-01-10", "2024-02-05", customer_col="client", date_column="day", value_column="amount")
    pd.testing.assert_frame_equal(old, calibration_holdout_summary(purchases, "2024-01-10", "2024-02-05"))
    with pytest.warns(FutureWarning, match="date_col= is now date_column="):
        assert clv.calibration_end_date(renamed, "2024-02-05", date_col="day") == "2024-01-24"  # 2/3 of 35 days


def test_purchase_on_the_cutoff_day_is_in_calibration_not_holdout():
    purchases = _purchases(
        [("a", "2024-01-01", 10.0), ("a", "2024-01-31 18:30", 20.0), ("a", "2024-02-10", 40.0)]
    )
    summary = calibration_holdout_summary(purchases, "2024-01-31", "2024-03-01", time_unit=1.0).set_index("customer_id")
    assert summary.loc["a", "frequency"] == 1
    assert summary.loc["a", "recency"] == summary.loc["a", "T"] == 30.0
    assert summary.loc["a", "frequency_holdout"] == 1
    assert summary.loc["a", "monetary_value_holdout"] == 40.0
    assert summary.loc["a", "duration_holdout"] == 30.0


def test_customer_first_seen_on_cutoff_has_t_zero_and_holdout_only_customers_are_left_out():
    purchases = _purchases([("a", "2024-01-31", 10.0), ("late", "2024-02-02", 10.0)])
    summary = calibration_holdout_summary(purchases, "2024-01-31", "2024-03-01")
    assert summary.columns.tolist() == clv.RFM_COLUMNS + clv.rfm.HOLDOUT_COLUMNS
    assert summary["customer_id"].tolist() == ["a"]
    assert summary.loc[0, "T"] == 0.0


def test_negative_spend_day_is_refused_with_customer_and_day():
    purchases = _purchases(
        [("a", "2024-01-01", 10.0), ("b", "2024-01-01", 10.0), ("b", "2024-01-05", 25.0), ("b", "2024-01-05", -40.0)]
    )
    with pytest.raises(DataValidationError) as error:
        rfm_summary(purchases, "2024-02-01")
    message = str(error.value)
    assert "table 'purchases', column 'revenue': 1 row(s)" in message
    assert "'b' on 2024-01-05: -15.00" in message
    assert "returns" in message


def test_returns_netted_within_a_day_are_accepted():
    purchases = _purchases([("a", "2024-01-01", 10.0), ("a", "2024-01-05", 25.0), ("a", "2024-01-05", -5.0)])
    assert rfm_summary(purchases, "2024-02-01")["monetary_value"].tolist() == [20.0]


def test_missing_ids_and_dates_are_reported_together():
    purchases = pd.DataFrame(
        {"customer_id": ["a", None, "c"], "order_date": ["2024-01-01", "2024-01-02", "not a date"], "revenue": [1, 2, 3]}
    )
    with pytest.raises(DataValidationError) as error:
        rfm_summary(purchases, "2024-02-01")
    assert len(error.value.problems) == 2
    assert "'not a date' (row 3)" in str(error.value)


def test_input_is_not_modified():
    purchases = _purchases([("a", "2024-01-01", 10.0), ("a", "2024-01-09", 5.0)])
    before = purchases.copy()
    calibration_holdout_summary(purchases, "2024-01-05", "2024-02-01")
    pd.testing.assert_frame_equal(purchases, before)


def test_validate_rfm_refuses_recency_after_t():
    rfm = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "frequency": [1, 2, 0], "recency": [3.0, 9.0, 0.0], "T": [5.0, 8.0, 2.0]}
    )
    with pytest.raises(DataValidationError) as error:
        validate_rfm(rfm)
    message = str(error.value)
    assert "column 'recency': 1 row(s) are greater than T" in message
    assert "row 2 (id 'b': frequency=2" in message


def test_validate_rfm_refuses_fractional_frequency_and_recency_without_repeats():
    rfm = pd.DataFrame({"frequency": [1.5, 0], "recency": [1.0, 2.0], "T": [5.0, 8.0]})
    with pytest.raises(DataValidationError) as error:
        validate_rfm(rfm)
    assert len(error.value.problems) == 2


def _cdnow_transactions() -> pd.DataFrame:
    raw = pd.read_csv(
        CDNOW_DIR / "CDNOW_sample.txt", sep=r"\s+", header=None,
        names=["master_id", "customer_id", "date", "cds", "revenue"], dtype={"customer_id": str, "date": str},
    )
    return raw.assign(order_date=pd.to_datetime(raw["date"], format="%Y%m%d"))


def test_cdnow_summary_matches_the_published_customer_by_sufficient_statistic_file():
    """Hardie's CDNOW x, t_x, T, zbar file (rounded to 2 decimals), rebuilt from the raw log."""
    summary = calibration_holdout_summary(_cdnow_transactions(), "1997-09-30", "1998-06-30")
    published = pd.read_csv(CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv", dtype={"ID": str})
    published = published.assign(customer_id=published["ID"].str.zfill(4))
    assert len(summary) == len(published) == 2357
    joined = summary.merge(published.rename(columns={"T": "T_published"}), on="customer_id", validate="one_to_one")
    assert len(joined) == 2357
    assert (joined["frequency"] == joined["x"]).all()
    np.testing.assert_allclose(joined["recency"], joined["t_x"], atol=0.0051)
    np.testing.assert_allclose(joined["T"], joined["T_published"], atol=0.0051)
    np.testing.assert_allclose(joined["monetary_value"], joined["zbar"], atol=0.0051)
    # 2,457 repeat transactions in the calibration weeks (Fader, Hardie & Lee 2005, fig. 3 data).
    assert summary["frequency"].sum() == published["x"].sum()


def test_cdnow_holdout_matches_lifetimes():
    from lifetimes.utils import calibration_and_holdout_data

    # lifetimes averages holdout spend per line, we per purchase day: compare on daily totals.
    transactions = _cdnow_transactions().groupby(["customer_id", "order_date"], as_index=False)["revenue"].sum()
    ours = calibration_holdout_summary(transactions, "1997-09-30", "1998-06-30", time_unit=1.0)
    theirs = calibration_and_holdout_data(
        transactions, "customer_id", "order_date", calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30", freq="D", monetary_value_col="revenue",
    )
    theirs = theirs.reindex(ours["customer_id"])
    np.testing.assert_array_equal(ours["frequency_holdout"], theirs["frequency_holdout"])
    np.testing.assert_allclose(ours["recency"], theirs["recency_cal"])
    np.testing.assert_allclose(ours["monetary_value_holdout"], theirs["monetary_value_holdout"])


def test_calibration_end_date_is_two_thirds_into_the_data_unless_given():
    purchases = pd.DataFrame({"order_date": pd.to_datetime(["2024-01-01", "2024-06-01", "2024-12-31"])})
    # 365 days from the first purchase to the holdout end: day 243 is 2024-08-31
    assert clv.calibration_end_date(purchases, "2024-12-31") == "2024-08-31"
    assert clv.calibration_end_date(purchases, "2024-12-31", "2024-06-30") == "2024-06-30"
    with pytest.raises(ValueError, match="must lie between the first purchase"):
        clv.calibration_end_date(purchases, "2024-12-31", "2025-02-01")


def test_the_old_observation_end_keyword_still_works():
    purchases = pd.DataFrame(
        {"customer_id": ["a", "a", "b"], "order_date": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-01-20"]), "revenue": [10.0, 20.0, 5.0]}
    )
    with pytest.warns(FutureWarning, match="observation_end= is now as_of="):
        old = rfm_summary(purchases, observation_end="2024-01-31")
    pd.testing.assert_frame_equal(old, rfm_summary(purchases, as_of="2024-01-31"))


@pytest.mark.parametrize("passes", [3, 7])
def test_out_of_core_summary_in_several_passes_equals_the_in_memory_summary(bundled_lines, tmp_path, passes):
    """Customers split into ranges of ids, each range summarised alone and written sorted by id, the parts
    joined in range order: the same table as :func:`rfm_summary` of the lines in memory (and as the one-pass summary)."""
    path = tmp_path / "lines.parquet"
    bundled_lines.to_parquet(path)
    as_of = bundled_lines["order_date"].max() - pd.Timedelta(days=90)
    expected = rfm_summary(bundled_lines, as_of).sort_values("customer_id").reset_index(drop=True)
    ours = clv.rfm_summary_parquet(path, as_of, lines_per_pass=-(-len(bundled_lines) // passes), memory_limit="200MB")
    one_pass = clv.rfm_summary_parquet(path, as_of)
    assert list(ours.columns) == list(expected.columns) and list(ours.dtypes) == list(one_pass.dtypes)
    assert ours["customer_id"].tolist() == expected["customer_id"].tolist()
    assert (ours["frequency"] == expected["frequency"]).all() and (ours["frequency"] > 0).any()
    for column in ("recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[column], expected[column], rtol=1e-12, atol=1e-9)
    pd.testing.assert_frame_equal(ours, one_pass, check_exact=False, rtol=1e-12)


def test_out_of_core_summary_in_several_passes_refuses_a_negative_spend_day(tmp_path):
    returns = _purchases([("a", "2024-01-01", 10.0), ("a", "2024-02-01", 5.0), ("a", "2024-02-01", -8.0), ("b", "2024-01-05", 3.0)])
    returns.to_parquet(tmp_path / "returns.parquet")
    with pytest.raises(DataValidationError, match="net spend is negative.*customer 'a'"):
        clv.rfm_summary_parquet(tmp_path / "returns.parquet", "2024-03-01", lines_per_pass=1)


def _assert_out_of_core_equals_in_memory(path, as_of, **options) -> pd.DataFrame:
    """``rfm_summary_parquet(path)`` equals :func:`rfm_summary` (the reference) of the lines pandas reads from
    ``path`` (a file or a folder), sorted by id, dtypes included; return it."""
    expected = rfm_summary(pd.read_parquet(path), as_of).sort_values("customer_id", ignore_index=True)
    ours = clv.rfm_summary_parquet(path, as_of, **options)
    pd.testing.assert_frame_equal(ours, expected, check_exact=False, rtol=1e-12, atol=1e-9)
    return ours


@pytest.mark.parametrize(("run", "places"), [(0, 8), (1, 1), (1, 2)])
def test_out_of_core_ranges_survive_an_empty_or_tiny_sample(bundled_lines, tmp_path, monkeypatch, run, places):
    """A sample of no line (one range), of one line (one bound: every other id lies below or above it)
    or of two lines (at most two bounds, far fewer than the passes asked for) still covers every customer."""
    monkeypatch.setattr(clv.rfm, "SAMPLE_RUN", run)
    monkeypatch.setattr(clv.rfm, "SAMPLE_PLACES", places)
    bundled_lines.to_parquet(tmp_path / "lines.parquet")
    as_of = bundled_lines["order_date"].max()
    _assert_out_of_core_equals_in_memory(tmp_path / "lines.parquet", as_of, lines_per_pass=100)


def test_out_of_core_ranges_hold_the_ids_outside_the_sampled_ones(tmp_path, monkeypatch):
    """The sample is the first line only ("m"): ids below ("a") and above ("z") it are summarised too."""
    monkeypatch.setattr(clv.rfm, "SAMPLE_RUN", 1)
    monkeypatch.setattr(clv.rfm, "SAMPLE_PLACES", 1)
    lines = _purchases([("m", "2024-01-03", 4.0), ("z", "2024-01-01", 1.0), ("a", "2024-01-02", 2.0), ("z", "2024-01-09", 3.0),
                        ("a", "2024-01-05", 5.0), ("m", "2024-01-04", 6.0)])
    lines.to_parquet(tmp_path / "lines.parquet", row_group_size=2)
    ours = _assert_out_of_core_equals_in_memory(tmp_path / "lines.parquet", "2024-01-31", lines_per_pass=1)
    assert ours["customer_id"].tolist() == ["a", "m", "z"] and ours["monetary_value"].tolist() == [5.0, 6.0, 3.0]


@pytest.mark.parametrize("ids", ["text", "integers"])
def test_out_of_core_ranges_follow_the_order_of_the_id_type(tmp_path, ids):
    """Numeric-looking text ids sort as text ("10" < "100" < "11" < "9"), integer ids as numbers, in every pass."""
    numbers = [9, 100, 11, 10, 9, 100, 2, 11]
    lines = _purchases([(str(n), f"2024-01-{day:02d}", float(day)) for day, n in enumerate(numbers, start=1)])
    if ids == "integers":
        lines["customer_id"] = numbers
    lines.to_parquet(tmp_path / "lines.parquet", row_group_size=3)
    ours = _assert_out_of_core_equals_in_memory(tmp_path / "lines.parquet", "2024-01-31", lines_per_pass=2)
    order = ["10", "100", "11", "2", "9"] if ids == "text" else [2, 9, 10, 11, 100]
    assert ours["customer_id"].tolist() == order


def test_out_of_core_ranges_of_a_single_customer(tmp_path):
    """Every sampled id is the same: one bound, the range below it empty, the customer summarised once."""
    lines = _purchases([("only", f"2024-0{month}-01", 10.0 * month) for month in range(1, 8)])
    lines.to_parquet(tmp_path / "lines.parquet", row_group_size=2)
    ours = _assert_out_of_core_equals_in_memory(tmp_path / "lines.parquet", "2024-12-31", lines_per_pass=1)
    assert ours[["customer_id", "frequency", "monetary_value"]].to_numpy().tolist() == [["only", 6, 45.0]]


def test_out_of_core_ranges_over_several_files(bundled_lines, tmp_path):
    """A glob of files of unequal length: the sample is taken at the same places in each, the ranges cover all."""
    bundled_lines.to_parquet(tmp_path / "lines.parquet")
    folder = tmp_path / "lines"
    folder.mkdir()
    for number, (start, stop) in enumerate([(0, 100), (100, len(bundled_lines) // 2), (len(bundled_lines) // 2, None)]):
        bundled_lines.iloc[start:stop].to_parquet(folder / f"part-{number}.parquet")
    as_of = bundled_lines["order_date"].max() - pd.Timedelta(days=30)
    ours = clv.rfm_summary_parquet(folder / "*.parquet", as_of, lines_per_pass=len(bundled_lines) // 5)
    pd.testing.assert_frame_equal(ours, _assert_out_of_core_equals_in_memory(tmp_path / "lines.parquet", as_of))


@pytest.mark.parametrize("statistics", [True, False])
def test_out_of_core_counts_empty_ids_with_or_without_column_statistics(tmp_path, statistics):
    """Empty ids are counted from the files' null counts, or by reading the ids when the files have no statistics."""
    lines = _purchases([("a", "2024-01-01", 1.0), (None, "2024-01-02", 2.0), (None, "2024-01-03", 3.0), ("b", "2024-01-04", 4.0)])
    lines.to_parquet(tmp_path / "lines.parquet", write_statistics=statistics)
    with pytest.raises(DataValidationError, match=r"customer_id.*2 row\(s\) are empty"):
        clv.rfm_summary_parquet(tmp_path / "lines.parquet", "2024-03-01")
