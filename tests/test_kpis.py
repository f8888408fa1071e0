"""Tests of xsell_lab.kpis (cross-sell KPIs), xsell_lab.customers (customer profiles) and xsell_lab.plots.kpis.

Three kinds of checks:

1. Hand-computed tiny examples for every KPI, including edge cases
   (one-order customers, empty groups, a date split with nothing after it,
   missing columns).
2. Planted truth: on the bundled synthetic company, attach rates, offer
   conversion rates and sales-cycle times recover what the generator planted
   (data/ground_truth.json), within binomial / sampling tolerance.
3. Independent reference: the same KPIs recomputed in DuckDB SQL, on the
   synthetic company and on the real UCI Online Retail data
   (../shared/data, skipped with a reason when absent).
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from xsell_lab import DataValidationError, kpis
from xsell_lab.customers import customer_profile
from xsell_lab.data import schema as s
from xsell_lab.data.company import kept_lines, net_of_returns
from xsell_lab.plots import kpis as kpi_plots

from skips import import_or_skip

# --- a tiny company, computed by hand -----------------------------------------
#
# customer  order  date        channel  product (category)        revenue
# c1        o1     2024-01-05  web      L1 (laptops)               1000
# c1        o1     2024-01-05  web      A1 (accessories)             50
# c1        o2     2024-02-10  web      S1 (software)               100
# c2        o3     2024-01-20  store    L1 (laptops)                900
# c3        o4     2024-02-01  web      A1 (accessories)             30
# c3        o5     2024-03-15  store    A2 (accessories)             20
# c4        o6     2024-03-03  store    S1 (software)               200
# c4        o6     2024-03-03  store    L1 (laptops)                800
# segments: c1, c2 smb; c3, c4 consumer. Total revenue 3100, 6 orders.

_ROWS = [
    ("o1", "c1", "2024-01-05", "web", "L1", "laptops", 1000.0, "smb"),
    ("o1", "c1", "2024-01-05", "web", "A1", "accessories", 50.0, "smb"),
    ("o2", "c1", "2024-02-10", "web", "S1", "software", 100.0, "smb"),
    ("o3", "c2", "2024-01-20", "store", "L1", "laptops", 900.0, "smb"),
    ("o4", "c3", "2024-02-01", "web", "A1", "accessories", 30.0, "consumer"),
    ("o5", "c3", "2024-03-15", "store", "A2", "accessories", 20.0, "consumer"),
    ("o6", "c4", "2024-03-03", "store", "S1", "software", 200.0, "consumer"),
    ("o6", "c4", "2024-03-03", "store", "L1", "laptops", 800.0, "consumer"),
]


@pytest.fixture
def lines() -> pd.DataFrame:
    frame = pd.DataFrame(
        _ROWS,
        columns=[s.ORDER_ID, s.CUSTOMER_ID, s.ORDER_DATE, s.CHANNEL, s.PRODUCT_ID, s.CATEGORY, "revenue", s.SEGMENT],
    )
    return frame.assign(**{s.ORDER_DATE: pd.to_datetime(frame[s.ORDER_DATE])})


@pytest.fixture
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            s.CUSTOMER_ID: ["c1", "c1", "c2", "c3", "c4", "c5"],
            s.EVENT_DATE: pd.to_datetime(
                ["2023-12-26", "2024-01-01", "2024-01-15", "2024-02-05", "2024-01-01", "2024-01-01"]
            ),
            s.EVENT_TYPE: ["awareness", "consideration", "consideration", "awareness", "site_visit", "awareness"],
        }
    )


def _by(table: pd.DataFrame, key: str, column: str) -> dict:
    return dict(zip(table[key], table[column]))


def test_cross_sell_rate_literature_example():
    # 200 laptop buyers, 50 of whom also bought accessories: 25 %.
    buyers = [f"c{i}" for i in range(200)]
    laptop = pd.DataFrame({s.CUSTOMER_ID: buyers, s.CATEGORY: "laptops"})
    accessories = pd.DataFrame({s.CUSTOMER_ID: buyers[:50], s.CATEGORY: "accessories"})
    others = pd.DataFrame({s.CUSTOMER_ID: ["x1", "x2"], s.CATEGORY: "accessories"})
    table = pd.concat([laptop, accessories, others], ignore_index=True)
    assert kpis.cross_sell_rate(table, anchor="laptops", target="accessories") == pytest.approx(0.25)


def test_cross_sell_rate_by_hand(lines):
    assert kpis.cross_sell_rate(lines) == pytest.approx(2 / 4)  # c1 (3 categories), c4 (2)
    assert kpis.cross_sell_rate(lines, level="product") == pytest.approx(3 / 4)  # c1, c3, c4
    assert kpis.cross_sell_rate(lines, anchor="laptops", target="accessories") == pytest.approx(1 / 3)
    assert kpis.cross_sell_rate(lines, anchor="laptops") == pytest.approx(2 / 3)  # c1, c4 of c1, c2, c4
    by_segment = kpis.cross_sell_rate(lines, level="product", by="segment")
    assert _by(by_segment, s.SEGMENT, "cross_sell_rate") == {"consumer": 1.0, "smb": 0.5}
    assert _by(by_segment, s.SEGMENT, "customers") == {"consumer": 2, "smb": 2}


def test_missing_group_values_form_one_labelled_group_left_out_of_known_groups(lines):
    # c3 and c4 have no segment (a household without demographics): one "(no segment)" group, not NaN
    unsegmented = lines.assign(**{s.SEGMENT: lines[s.SEGMENT].where(lines[s.SEGMENT] == "smb")})
    for frame in (unsegmented, unsegmented.astype({s.SEGMENT: "category"})):
        by_segment = kpis.cross_sell_rate(frame, level="product", by=s.SEGMENT)
        assert _by(by_segment, s.SEGMENT, "cross_sell_rate") == {"(no segment)": 1.0, "smb": 0.5}
        assert by_segment[s.SEGMENT].notna().all()
        assert kpis.known_groups(by_segment, s.SEGMENT)[s.SEGMENT].tolist() == ["smb"]
        assert set(kpis.average_order_value(frame, by=s.SEGMENT)[s.SEGMENT]) == {"(no segment)", "smb"}
    assert frame[s.SEGMENT].isna().sum() == 4  # the input is not modified
    assert kpis.missing_group_label("channel") == "(no channel)"


def test_cross_sell_rate_equals_penetration_at_two(lines):
    for level in ("category", "product"):
        assert kpis.cross_sell_rate(lines, level=level) == kpis.product_penetration(lines, level=level)


def test_cross_sell_rate_single_order_customers_and_unknown_anchor(lines):
    one_each = lines.loc[lines[s.ORDER_ID].isin(["o3", "o4"])]  # two customers, one line each
    assert kpis.cross_sell_rate(one_each) == 0.0
    assert np.isnan(kpis.cross_sell_rate(lines, anchor="printers"))  # nobody bought it: 0 / 0


def test_product_level_caveat_only_for_a_large_catalogue_at_product_level(lines):
    """Online Retail's 3,280 products: '98% bought two or more products' is no cross-selling across kinds."""
    assert kpis.product_level_caveat(lines, level="product") == "", "4 products are few"
    assert kpis.product_level_caveat(lines, level="category") == ""
    catalogue = pd.DataFrame({s.CUSTOMER_ID: "c1", s.PRODUCT_ID: [f"P{i}" for i in range(101)]})
    sentence = kpis.product_level_caveat(catalogue, level="product", how_to_add="a department column")
    assert sentence.startswith("These KPIs count 101 individual products") and "a department column would make them" in sentence
    assert kpis.product_level_caveat(catalogue, level="product", many=101) == ""
    assert kpis.product_level_caveat(catalogue, level="category") == ""


def test_product_penetration_by_hand(lines):
    assert kpis.product_penetration(lines, min_items=3) == pytest.approx(1 / 4)  # c1
    assert kpis.product_penetration(lines, min_items=1) == 1.0
    assert kpis.product_penetration(lines, min_items=2, level="product") == pytest.approx(3 / 4)
    with pytest.raises(ValueError, match="min_items"):
        kpis.product_penetration(lines, min_items=0)


def test_cross_sell_ratio_by_hand(lines):
    ratio = kpis.cross_sell_ratio(lines, "2024-01-31")
    # base: c1 (L1, A1 before; + S1 after) and c2 (L1); c3, c4 are new after the date.
    assert ratio.loc[0, "customers"] == 2
    assert ratio.loc[0, "ratio_before"] == pytest.approx(1.5)
    assert ratio.loc[0, "ratio_after"] == pytest.approx(2.0)
    assert ratio.loc[0, "change"] == pytest.approx(0.5)
    by_segment = kpis.cross_sell_ratio(lines, "2024-01-31", level="category", by="segment")
    assert list(by_segment[s.SEGMENT]) == ["smb"]


def test_cross_sell_ratio_as_of_is_inclusive_and_the_old_split_date_is_the_day_after(lines):
    last_day = lines[s.ORDER_DATE].max()
    on_the_last_day = set(lines.loc[lines[s.ORDER_DATE] == last_day, s.CUSTOMER_ID])
    up_to_the_day = kpis.cross_sell_ratio(lines, last_day)
    up_to_the_day_before = kpis.cross_sell_ratio(lines, last_day - pd.Timedelta(days=1))
    assert on_the_last_day, "the fixture has orders on its last day"
    assert up_to_the_day.loc[0, "customers"] >= up_to_the_day_before.loc[0, "customers"]
    assert up_to_the_day.loc[0, "ratio_after"] == up_to_the_day.loc[0, "ratio_before"], "nothing after the last day"
    with pytest.warns(FutureWarning, match="split_date= is now as_of="):
        old = kpis.cross_sell_ratio(lines, split_date="2024-02-01")
    pd.testing.assert_frame_equal(old, kpis.cross_sell_ratio(lines, "2024-01-31"))
    with pytest.raises(TypeError, match="got both split_date= and as_of="):
        kpis.cross_sell_ratio(lines, as_of="2024-01-31", split_date="2024-02-01")


def test_cross_sell_ratio_without_after_purchases(lines):
    ratio = kpis.cross_sell_ratio(lines, "2024-06-01")
    assert ratio.loc[0, "customers"] == 4
    assert ratio.loc[0, "ratio_before"] == ratio.loc[0, "ratio_after"] == pytest.approx(2.0)
    assert ratio.loc[0, "change"] == 0.0
    nobody = kpis.cross_sell_ratio(lines, "2020-01-01")
    assert nobody.loc[0, "customers"] == 0 and np.isnan(nobody.loc[0, "ratio_before"])


def test_attach_rate_basket_level_by_hand(lines):
    assert kpis.attach_rate(lines, "laptops", "accessories") == pytest.approx(1 / 3)  # o1 of o1, o3, o6
    assert kpis.attach_rate(lines, "software", "laptops") == pytest.approx(1 / 2)  # o6 of o2, o6
    by_channel = kpis.attach_rate(lines, "laptops", "accessories", by=s.CHANNEL)
    assert _by(by_channel, s.CHANNEL, "attach_rate") == {"store": 0.0, "web": 1.0}
    assert _by(by_channel, s.CHANNEL, "anchor_units") == {"store": 2, "web": 1}
    with pytest.raises(ValueError, match="must differ"):
        kpis.attach_rate(lines, "laptops", "laptops")


def test_attach_rate_empty_group_is_nan(lines):
    by_month = kpis.attach_rate(lines, "laptops", "accessories", by="month")
    rates = _by(by_month, "month", "attach_rate")
    assert rates[pd.Timestamp("2024-01-01")] == pytest.approx(1 / 2)
    assert np.isnan(rates[pd.Timestamp("2024-02-01")])  # no laptop order in February
    assert rates[pd.Timestamp("2024-03-01")] == 0.0


def test_attach_rate_customer_level_window(lines):
    # laptops -> software: c1 after 36 days, c4 in the same basket, c2 never.
    assert kpis.attach_rate(lines, "laptops", "software", within_days=40) == pytest.approx(2 / 3)
    assert kpis.attach_rate(lines, "laptops", "software", within_days=30) == pytest.approx(1 / 3)
    # software -> laptops: c1's laptop came before the software, so only c4 counts.
    assert kpis.attach_rate(lines, "software", "laptops", within_days=365) == pytest.approx(1 / 2)


def test_attach_rate_matrix_agrees_with_attach_rate(lines):
    matrix = kpis.attach_rate_matrix(lines)
    assert len(matrix) == 3 * 2
    for row in matrix.itertuples():
        assert row.attach_rate == pytest.approx(kpis.attach_rate(lines, row.anchor, row.attached))
    subset = kpis.attach_rate_matrix(lines, level="product", items=["L1", "S1"])
    assert set(subset["anchor"]) == {"L1", "S1"}
    assert _by(subset, "anchor", "both_orders") == {"L1": 1, "S1": 1}


def test_primary_items_and_revenue_contribution(lines):
    primary = kpis.primary_items(lines)
    assert _by(primary, s.CUSTOMER_ID, "primary_item") == {
        "c1": "laptops",
        "c2": "laptops",
        "c3": "accessories",
        "c4": "laptops",  # 800 laptops beat 200 software in the first order
    }
    # cross-sold: c1 accessories 50 + software 100, c4 software 200.
    assert kpis.revenue_contribution(lines) == pytest.approx(350 / 3100)
    # product level adds c3's second accessory A2 (20).
    assert kpis.revenue_contribution(lines, level="product") == pytest.approx(370 / 3100)
    by_month = kpis.revenue_contribution(lines, by="month")
    assert _by(by_month, "month", "cross_sold_revenue") == {
        pd.Timestamp("2024-01-01"): 50.0,
        pd.Timestamp("2024-02-01"): 100.0,
        pd.Timestamp("2024-03-01"): 200.0,
    }


def test_primary_item_ties_break_alphabetically():
    tie = pd.DataFrame(
        {
            s.CUSTOMER_ID: ["c1", "c1", "c1"],
            s.ORDER_ID: ["o2", "o2", "o1"],
            s.ORDER_DATE: pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01"]),
            s.CATEGORY: ["tv", "audio", "cables"],
            "revenue": [10.0, 10.0, 99.0],
        }
    )
    # o1 and o2 are on the same day: o1 comes first by id, so its only item is primary.
    assert kpis.primary_items(tie).loc[0, "primary_item"] == "cables"
    same_order = tie.loc[tie[s.ORDER_ID] == "o2"]
    assert kpis.primary_items(same_order).loc[0, "primary_item"] == "audio"



def test_top_primary_items_by_hand_with_ties(lines):
    # primary items: c1, c2, c4 laptops; c3 accessories
    assert kpis.top_primary_items(lines, n=4) == ["laptops", "accessories"]
    assert kpis.top_primary_items(lines, n=1) == ["laptops"]
    one_each = lines[lines[s.CUSTOMER_ID].isin(["c2", "c3"])]  # laptops 1, accessories 1: the name decides
    assert kpis.top_primary_items(one_each, n=2) == ["accessories", "laptops"]
    with pytest.raises(ValueError, match="n must be >= 1"):
        kpis.top_primary_items(lines, n=0)


def test_top_primary_items_are_the_planted_main_anchors(bundled_company, company_lines, ground_truth):
    lines = company_lines
    segments = ground_truth["customers"]["segment_mix"]
    planted = pd.DataFrame(ground_truth["baskets"]["anchor_mix_by_segment"]).mul(pd.Series(segments)).sum(axis=1)
    top = kpis.top_primary_items(lines, n=2)
    assert set(top) == set(planted.nlargest(2).index), (top, planted.nlargest(3).to_dict())
    # an independent count: the primary item of each customer's first order, read from the orders table
    first = bundled_company.orders.sort_values([s.ORDER_DATE, s.ORDER_ID]).drop_duplicates(s.CUSTOMER_ID)[s.ORDER_ID]
    first_lines = lines[lines[s.ORDER_ID].isin(first)]
    per_item = first_lines.groupby([s.CUSTOMER_ID, s.CATEGORY], as_index=False)["revenue"].sum()
    per_item = per_item.sort_values([s.CUSTOMER_ID, "revenue", s.CATEGORY], ascending=[True, False, True])
    counts = per_item.drop_duplicates(s.CUSTOMER_ID)[s.CATEGORY].value_counts()
    assert top == sorted(counts.index, key=lambda item: (-counts[item], item))[:2]


def test_average_order_value_by_hand(lines):
    assert kpis.average_order_value(lines) == pytest.approx(3100 / 6)
    by_channel = kpis.average_order_value(lines, by=s.CHANNEL)
    assert _by(by_channel, s.CHANNEL, "average_order_value") == pytest.approx({"web": 1180 / 3, "store": 1920 / 3})
    assert _by(by_channel, s.CHANNEL, "orders") == {"web": 3, "store": 3}


def test_retention_rate_by_hand(lines):
    # Jan: c1, c2 -> Feb buyers c1, c3: 1 of 2. Feb: c1, c3 -> Mar buyers c3, c4: 1 of 2. March is last.
    per_month = kpis.retention_rate(lines, by="month")
    assert list(per_month["month"]) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    assert list(per_month["retention_rate"]) == [0.5, 0.5]
    assert kpis.retention_rate(lines) == pytest.approx(2 / 4)
    by_segment = kpis.retention_rate(lines, by="segment")
    # smb active: c1 Jan (yes), c2 Jan (no), c1 Feb (no); consumer: c3 Feb (yes).
    assert _by(by_segment, s.SEGMENT, "retention_rate") == pytest.approx({"smb": 1 / 3, "consumer": 1.0})


def test_retention_rate_with_one_period_is_nan(lines):
    assert np.isnan(kpis.retention_rate(lines, period="quarter"))  # all of it in Q1 2024
    with pytest.raises(ValueError, match="period"):
        kpis.retention_rate(lines, period="week")


def test_retention_rate_skips_empty_months(lines):
    # A customer who buys in January and again in March is not retained from January.
    gap = lines.loc[lines[s.CUSTOMER_ID] == "c3"].assign(**{s.ORDER_DATE: pd.to_datetime(["2024-01-10", "2024-03-10"])})
    per_month = kpis.retention_rate(gap, by="month")
    assert _by(per_month, "month", "retention_rate") == {pd.Timestamp("2024-01-01"): 0.0}


def test_offer_conversion_rate_and_wilson_interval():
    from statsmodels.stats.proportion import proportion_confint

    offers = pd.DataFrame(
        {
            s.EXPERIMENT_ID: ["e1"] * 20 + ["e2"] * 3,
            s.VARIANT: ["control"] * 10 + ["offer"] * 10 + ["offer"] * 3,
            s.ACCEPTED: [True] + [False] * 9 + [True] * 4 + [False] * 6 + [False] * 3,
        }
    )
    table = kpis.offer_conversion_rate(offers)
    assert list(table["offers"]) == [10, 10, 3]
    assert list(table["accepted"]) == [1, 4, 0]
    assert list(table["conversion_rate"]) == pytest.approx([0.1, 0.4, 0.0])
    low, high = proportion_confint([1, 4, 0], [10, 10, 3], alpha=0.05, method="wilson")
    assert table["ci_low"].to_numpy() == pytest.approx(low)
    assert table["ci_high"].to_numpy() == pytest.approx(high)
    assert table.loc[2, "ci_low"] == pytest.approx(0.0, abs=1e-12) and table.loc[2, "ci_high"] > 0.4
    overall = kpis.offer_conversion_rate(offers, by=None)
    assert overall.loc[0, "conversion_rate"] == pytest.approx(5 / 23)
    with pytest.raises(ValueError, match="confidence"):
        kpis.offer_conversion_rate(offers, confidence=95)


def test_sales_cycle_by_hand(lines, events):
    cycles = kpis.sales_cycle_days(events, lines)
    # c1: 2023-12-26 -> 2024-01-05 = 10 days; c2: 01-15 -> 01-20 = 5 days.
    # c3 first touched after buying, c4 only had a site visit, c5 never bought.
    assert _by(cycles, s.CUSTOMER_ID, "sales_cycle_days") == {"c1": 10.0, "c2": 5.0}
    assert kpis.sales_cycle_time(events, lines) == pytest.approx(7.5)
    assert kpis.sales_cycle_time(events, lines, start_events=["consideration"]) == pytest.approx(4.5)
    by_channel = kpis.sales_cycle_time(events, lines, by=s.CHANNEL)
    assert _by(by_channel, s.CHANNEL, "median_days") == {"store": 5.0, "web": 10.0}


def test_missing_columns_name_table_and_column(lines, events):
    with pytest.raises(DataValidationError, match=r"sales_lines.*column 'category'"):
        kpis.cross_sell_rate(lines.drop(columns=[s.CATEGORY]))
    with pytest.raises(DataValidationError, match=r"column 'revenue'"):
        kpis.average_order_value(lines.drop(columns=["revenue"]))
    with pytest.raises(DataValidationError, match=r"column 'region'"):
        kpis.attach_rate(lines, "laptops", "software", by=s.REGION)
    with pytest.raises(DataValidationError, match=r"marketing_events.*column 'event_type'"):
        kpis.sales_cycle_days(events.drop(columns=[s.EVENT_TYPE]), lines)
    with pytest.raises(DataValidationError, match=r"offers.*column 'accepted'"):
        kpis.offer_conversion_rate(pd.DataFrame({s.EXPERIMENT_ID: ["e"], s.VARIANT: ["a"]}))
    with pytest.raises(ValueError, match="level must be one of 'category', 'product'; got 'brand'"):
        kpis.cross_sell_rate(lines, level="brand")


def test_a_table_that_may_be_lines_or_orders_is_named_by_what_it_is(lines):
    orders = lines[[s.ORDER_ID, s.CUSTOMER_ID, s.ORDER_DATE]].drop_duplicates()
    with pytest.raises(DataValidationError, match=r"'orders'.*column 'region'"):
        kpis.retention_rate(orders, by=s.REGION)
    with pytest.raises(DataValidationError, match=r"'sales_lines'.*column 'region'"):
        kpis.retention_rate(lines, by=s.REGION)


def test_customer_profile_checks_its_columns_like_every_analysis(lines):
    with pytest.raises(DataValidationError, match=r"'sales_lines'.*column 'category'.*xsell_lab.sales_lines\(company\)"):
        customer_profile(lines.drop(columns=[s.CATEGORY]))
    profile = customer_profile(lines).set_index(s.CUSTOMER_ID)
    assert profile.loc["c1", ["orders", "products", "categories", "revenue"]].tolist() == [2, 3, 3, 1150.0]
    assert str(profile.loc["c4", "breadth"]) == "2 categories"


def test_customer_profile_counts_products_at_product_level(lines):
    by_product = customer_profile(lines, level="product").set_index(s.CUSTOMER_ID)
    assert str(by_product.loc["c1", "breadth"]) == "3 products"
    assert list(by_product["breadth"].cat.categories) == ["1 product", "2 products", "3 products", "4+ products"]
    assert (by_product["breadth"].astype(str).str[0].astype(int) == by_product["products"].clip(upper=4)).all()
    with pytest.raises(ValueError, match="level"):
        customer_profile(lines, level="brand")


def test_inputs_are_not_modified(lines, events):
    before = lines.copy()
    kpis.kpi_summary(lines, marketing_events=events)
    kpis.kpi_trend(lines, "revenue_contribution")
    pd.testing.assert_frame_equal(lines, before)


def test_kpi_summary_is_tidy_and_consistent(lines, events):
    summary = kpis.kpi_summary(lines, marketing_events=events)
    assert list(summary.columns) == kpis.KPI_SUMMARY_COLUMNS
    values = dict(zip(summary["kpi"], summary["value"]))
    assert values["average_order_value"] == pytest.approx(3100 / 6)
    assert values["cross_sell_rate"] == pytest.approx(50.0)
    assert values["product_penetration"] == pytest.approx(25.0)  # 3+ categories: c1
    assert values["revenue_contribution"] == pytest.approx(100 * 350 / 3100)
    assert values["retention_rate"] == pytest.approx(50.0)
    assert values["items_per_customer"] == pytest.approx((3 + 1 + 1 + 2) / 4)
    assert values["sales_cycle_time"] == pytest.approx(7.5)
    assert "offer_conversion_rate" not in values
    assert summary["definition"].str.len().min() > 10
    offers = pd.DataFrame({s.VARIANT: ["control", "control", "offer", "offer"], s.ACCEPTED: [True, True, True, False]})
    with_offers = kpis.kpi_summary(lines, offers=offers).set_index("kpi")
    assert with_offers.loc["offer_conversion_rate", "value"] == pytest.approx(50.0)  # controls got no offer


def test_kpi_trend_by_month(lines):
    trend = kpis.kpi_trend(lines, "average_order_value")
    assert list(trend["month"]) == list(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]))
    assert list(trend["value"]) == pytest.approx([1950 / 2, 130 / 2, 1020 / 2])
    attach = kpis.kpi_trend(lines, "attach_rate", anchor="laptops", attached="accessories")
    assert attach["value"].iloc[0] == pytest.approx(0.5)
    quarterly = kpis.kpi_trend(lines, "product_penetration", freq="quarter")
    assert list(quarterly["value"]) == [0.5]
    with pytest.raises(ValueError, match="unknown kpi"):
        kpis.kpi_trend(lines, "nps")


# --- plots --------------------------------------------------------------------


def test_plots_draw_into_the_given_axes_and_leave_pyplot_alone(lines):
    rc_before = dict(matplotlib.rcParams)
    figure, axes = plt.subplots(1, 3)
    figures_before = plt.get_fignums()
    try:
        trend = kpis.kpi_trend(lines, "cross_sell_rate")
        ax = kpi_plots.plot_kpi_trend(trend, percent=True, ax=axes[0])
        assert ax is axes[0] and len(ax.lines) == 1
        assert list(ax.lines[0].get_ydata()) == list(trend["value"])
        offers = pd.DataFrame({s.VARIANT: ["a", "a", "b"], s.ACCEPTED: [True, False, False]})
        conversion = kpis.offer_conversion_rate(offers, by=s.VARIANT)
        ax = kpi_plots.plot_kpi_by_group(
            conversion, s.VARIANT, "conversion_rate", ci_low="ci_low", ci_high="ci_high", ax=axes[1]
        )
        assert ax is axes[1] and [p.get_width() for p in ax.patches] == pytest.approx([0.5, 0.0])
        ax = kpi_plots.plot_attach_heatmap(kpis.attach_rate_matrix(lines), ax=axes[2])
        assert ax is axes[2] and ax.images[0].get_array().shape == (3, 3)
        assert plt.get_fignums() == figures_before
        assert dict(matplotlib.rcParams) == rc_before
    finally:
        plt.close(figure)


def test_plot_without_axes_makes_a_new_figure(lines):
    ax = kpi_plots.plot_kpi_trend(kpis.kpi_trend(lines, "average_order_value"))
    try:
        assert ax.get_xlabel() == "month" and "average order value" in ax.get_ylabel()
    finally:
        plt.close(ax.figure)


# --- independent reference: DuckDB SQL ------------------------------------------
#
# The same KPIs written as plain SQL over a view ``lines(order_id, customer_id,
# order_date, item, revenue)``, run by DuckDB, and compared with the pandas code.

_SQL = {
    "average_order_value": "SELECT sum(revenue) / count(DISTINCT order_id) FROM lines",
    "penetration": """
        SELECT avg(CASE WHEN n >= 2 THEN 1.0 ELSE 0.0 END)
        FROM (SELECT customer_id, count(DISTINCT item) AS n FROM lines GROUP BY customer_id)""",
    "anchored_cross_sell_rate": """
        WITH a AS (SELECT DISTINCT customer_id FROM lines WHERE item = $anchor),
             b AS (SELECT DISTINCT customer_id FROM lines WHERE item = $attached)
        SELECT count(b.customer_id) / count(*) FROM a LEFT JOIN b USING (customer_id)""",
    "attach_rate": """
        WITH a AS (SELECT DISTINCT order_id FROM lines WHERE item = $anchor),
             b AS (SELECT DISTINCT order_id FROM lines WHERE item = $attached)
        SELECT count(b.order_id) / count(*) FROM a LEFT JOIN b USING (order_id)""",
    "attach_rate_30_days": """
        WITH f AS (SELECT customer_id, min(order_date) AS t0 FROM lines WHERE item = $anchor GROUP BY customer_id)
        SELECT avg(CASE WHEN EXISTS (
                   SELECT 1 FROM lines l WHERE l.customer_id = f.customer_id AND l.item = $attached
                   AND l.order_date >= f.t0 AND l.order_date <= f.t0 + INTERVAL 30 DAY) THEN 1.0 ELSE 0.0 END)
        FROM f""",
    "retention_rate": """
        WITH act AS (SELECT DISTINCT customer_id, date_trunc('month', order_date) AS m FROM lines),
             last AS (SELECT max(m) AS mx FROM act)
        SELECT count(n.customer_id) / count(*)
        FROM act a CROSS JOIN last
        LEFT JOIN act n ON n.customer_id = a.customer_id AND n.m = a.m + INTERVAL 1 MONTH
        WHERE a.m < last.mx""",
    "revenue_contribution": """
        WITH firsts AS (
                 SELECT customer_id, order_id FROM (
                     SELECT customer_id, order_id,
                            row_number() OVER (PARTITION BY customer_id ORDER BY order_date, order_id) AS k
                     FROM (SELECT DISTINCT customer_id, order_id, order_date FROM lines))
                 WHERE k = 1),
             first_items AS (
                 SELECT l.customer_id, l.item, sum(l.revenue) AS r
                 FROM lines l JOIN firsts f USING (customer_id, order_id) GROUP BY l.customer_id, l.item),
             primary_item AS (
                 SELECT customer_id, item FROM (
                     SELECT customer_id, item,
                            row_number() OVER (PARTITION BY customer_id ORDER BY r DESC, item) AS k
                     FROM first_items)
                 WHERE k = 1)
        SELECT sum(CASE WHEN l.item <> p.item THEN l.revenue ELSE 0 END) / sum(l.revenue)
        FROM lines l JOIN primary_item p USING (customer_id)""",
}


def _duckdb_kpis(con, anchor: str, attached: str) -> dict[str, float]:
    params = {"anchor": anchor, "attached": attached}
    values = {}
    for name, sql in _SQL.items():
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        values[name] = float(con.execute(sql, used).fetchone()[0])
    return values


def _pandas_kpis(lines: pd.DataFrame, level: str, anchor: str, attached: str) -> dict[str, float]:
    return {
        "average_order_value": kpis.average_order_value(lines),
        "penetration": kpis.product_penetration(lines, min_items=2, level=level),
        "anchored_cross_sell_rate": kpis.cross_sell_rate(lines, level=level, anchor=anchor, target=attached),
        "attach_rate": kpis.attach_rate(lines, anchor, attached, level=level),
        "attach_rate_30_days": kpis.attach_rate(lines, anchor, attached, level=level, within_days=30),
        "retention_rate": kpis.retention_rate(lines, period="month"),
        "revenue_contribution": kpis.revenue_contribution(lines, level=level),
    }


def _assert_same_kpis(ours: dict, reference: dict) -> None:
    assert ours.keys() == reference.keys()
    for name in ours:
        assert ours[name] == pytest.approx(reference[name], rel=1e-9), name


def test_duckdb_reference_on_the_tiny_company(lines):
    duckdb = import_or_skip("duckdb")
    con = duckdb.connect()
    con.register("raw", lines)
    con.execute("CREATE VIEW lines AS SELECT order_id, customer_id, order_date, category AS item, revenue FROM raw")
    _assert_same_kpis(_pandas_kpis(lines, "category", "laptops", "software"), _duckdb_kpis(con, "laptops", "software"))


@pytest.fixture(scope="module")
def online_retail(shared_data):
    """UCI Online Retail, cleaned minimally, as a DuckDB view and as a pandas line table.

    Cleaning (done independently in SQL and in pandas): drop cancellations
    (InvoiceNo starting with 'C'), non-positive quantity or price, and blank
    CustomerID. StockCode is the product; there are no categories.
    """
    duckdb = import_or_skip("duckdb")
    path = shared_data / "online_retail.csv.gz"
    con = duckdb.connect()
    con.execute(
        f"""
        CREATE TABLE lines AS
        SELECT InvoiceNo AS order_id, CustomerID AS customer_id, InvoiceDate AS order_date,
               StockCode AS item, Quantity * UnitPrice AS revenue
        FROM read_csv('{path.as_posix()}', header = true,
                      types = {{'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'CustomerID': 'VARCHAR'}})
        WHERE NOT starts_with(InvoiceNo, 'C') AND Quantity > 0 AND UnitPrice > 0
          AND CustomerID IS NOT NULL AND trim(CustomerID) <> ''
        """
    )
    raw = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str})
    keep = (
        ~raw["InvoiceNo"].str.startswith("C")
        & (raw["Quantity"] > 0)
        & (raw["UnitPrice"] > 0)
        & raw["CustomerID"].notna()
        & (raw["CustomerID"].str.strip() != "")
    )
    clean = raw.loc[keep]
    frame = pd.DataFrame(
        {
            s.ORDER_ID: clean["InvoiceNo"],
            s.CUSTOMER_ID: clean["CustomerID"],
            s.ORDER_DATE: pd.to_datetime(clean["InvoiceDate"]),
            s.PRODUCT_ID: clean["StockCode"],
            "revenue": clean["Quantity"] * clean["UnitPrice"],
        }
    ).reset_index(drop=True)
    return con, frame


def test_duckdb_reference_on_uci_online_retail(online_retail):
    con, frame = online_retail
    assert con.execute("SELECT count(*) FROM lines").fetchone()[0] == len(frame)
    # The two products in most orders, found by SQL (not by the code under test).
    anchor, attached = [
        row[0]
        for row in con.execute(
            "SELECT item FROM lines GROUP BY item ORDER BY count(DISTINCT order_id) DESC, item LIMIT 2"
        ).fetchall()
    ]
    reference = _duckdb_kpis(con, anchor, attached)
    _assert_same_kpis(_pandas_kpis(frame, "product", anchor, attached), reference)
    # Sanity of the real-data numbers: a gift wholesaler's customers buy many products.
    assert 0.9 < reference["penetration"] < 1.0
    assert 0.0 < reference["attach_rate"] < 1.0


# --- planted truth: the bundled synthetic company ------------------------------


def _family_z(tests: int, family_alpha: float = 0.001) -> float:
    """Two-sided z for ``tests`` checks with a Bonferroni family error rate."""
    from scipy.stats import norm

    return float(norm.ppf(1 - family_alpha / (2 * tests)))


@pytest.fixture(scope="module")
def company_lines(bundled_lines) -> pd.DataFrame:
    return bundled_lines


def test_attach_rates_recover_planted_basket_probabilities(company_lines, ground_truth):
    # P(category B in basket | anchor category A in basket) for the hardware anchors
    # (which only ever appear as anchors), as planted: 1 - (1 - attach) * (1 - addon).
    expected = ground_truth["baskets"]["expected_conditional_frequency"]
    pairs = [(a, b, p) for a, targets in expected.items() for b, p in targets.items() if a != b]
    assert len(pairs) >= 10
    z = _family_z(len(pairs))
    matrix = kpis.attach_rate_matrix(company_lines).set_index(["anchor", "attached"])
    for anchor, attached, planted in pairs:
        rate = kpis.attach_rate(company_lines, anchor, attached)
        n = matrix.loc[(anchor, attached), "anchor_orders"] if (anchor, attached) in matrix.index else 0
        assert n > 100, f"too few {anchor} orders to test"
        assert matrix.loc[(anchor, attached), "attach_rate"] == pytest.approx(rate)
        tolerance = z * np.sqrt(planted * (1 - planted) / n)
        assert abs(rate - planted) <= tolerance, f"{anchor} -> {attached}: {rate:.3f} vs planted {planted:.3f} (n={n})"


def test_offer_conversion_recovers_planted_arm_rates(bundled_company, ground_truth):
    offers = bundled_company.offers.merge(
        bundled_company.customers[[s.CUSTOMER_ID, s.SEGMENT]], on=s.CUSTOMER_ID, how="left"
    )
    checks = []
    for experiment_id, design in ground_truth["experiments"].items():
        for arm, spec in design["arms"].items():
            rate = spec["conversion_rate"]
            if isinstance(rate, dict):
                checks += [((experiment_id, arm, segment), p) for segment, p in rate.items()]
            else:
                checks.append(((experiment_id, arm), rate))
    confidence = 1 - 0.001 / len(checks)
    by_arm = kpis.offer_conversion_rate(offers, confidence=confidence).set_index([s.EXPERIMENT_ID, s.VARIANT])
    by_segment = kpis.offer_conversion_rate(
        offers, by=[s.EXPERIMENT_ID, s.VARIANT, s.SEGMENT], confidence=confidence
    ).set_index([s.EXPERIMENT_ID, s.VARIANT, s.SEGMENT])
    for key, planted in checks:
        row = (by_arm if len(key) == 2 else by_segment).loc[key]
        assert row["offers"] > 50, f"{key}: too few offers to test"
        assert row["ci_low"] <= planted <= row["ci_high"], (
            f"{key}: planted {planted} outside [{row['ci_low']:.3f}, {row['ci_high']:.3f}], "
            f"observed {row['conversion_rate']:.3f} of {row['offers']}"
        )


def test_sales_cycle_recovers_planted_funnel_lags(bundled_company, ground_truth):
    funnel = ground_truth["funnel"]
    to_consideration = funnel["mean_lag_awareness_to_consideration_days"]
    to_purchase = funnel["mean_lag_consideration_to_purchase_days"]
    events, orders = bundled_company.marketing_events, bundled_company.orders
    from_awareness = kpis.sales_cycle_days(events, orders, start_events=["awareness"])
    from_consideration = kpis.sales_cycle_days(events, orders, start_events=["consideration"])
    both = from_awareness.merge(from_consideration, on=s.CUSTOMER_ID, suffixes=("_a", "_c"))
    lags = {
        "awareness -> purchase": (from_awareness["sales_cycle_days"], to_consideration + to_purchase),
        "consideration -> purchase": (from_consideration["sales_cycle_days"], to_purchase),
        "awareness -> consideration": (both["sales_cycle_days_a"] - both["sales_cycle_days_c"], to_consideration),
    }
    z = _family_z(len(lags))
    for name, (days, planted) in lags.items():
        assert len(days) > 500
        standard_error = days.std() / np.sqrt(len(days))
        # + 0.05 day: rounding the planted Gamma lags to whole days shifts the mean slightly.
        assert abs(days.mean() - planted) <= z * standard_error + 0.05, f"{name}: {days.mean():.2f} vs {planted}"
    # The default cycle starts at the earliest awareness/consideration touch: here awareness.
    assert kpis.sales_cycle_time(events, orders) == from_awareness["sales_cycle_days"].median()


def test_duckdb_reference_on_the_synthetic_company(company_lines):
    duckdb = import_or_skip("duckdb")
    con = duckdb.connect()
    con.register("raw", company_lines)
    con.execute("CREATE VIEW lines AS SELECT order_id, customer_id, order_date, category AS item, revenue FROM raw")
    reference = _duckdb_kpis(con, "laptop", "software")
    _assert_same_kpis(_pandas_kpis(company_lines, "category", "laptop", "software"), reference)


# --- what customers kept, and numbers shown as they deserve (issue #10) -------------------


def test_net_of_returns_takes_returned_units_off_their_lines(lines):
    """Online Retail: a 74,215-unit order cancelled the same day counted as a sale."""
    sold = lines.assign(**{s.QUANTITY: [10, 1, 1, 1, 1, 1, 2, 1], "margin": [100.0, 5, 10, 90, 3, 2, 40, 80]})
    returns = pd.DataFrame(
        {s.ORDER_ID: ["o1", "o1", "o3", "o6", "zz"], s.PRODUCT_ID: ["L1", "L1", "L1", "S1", "A1"], s.QUANTITY: [3, 1, 5, 1, 1]}
    )
    kept = net_of_returns(sold, returns)
    assert list(kept.columns) == list(sold.columns)
    by_line = kept.set_index([s.ORDER_ID, s.PRODUCT_ID])
    assert by_line.loc[("o1", "L1"), s.QUANTITY] == 6, "two returns of the same line add up"
    assert by_line.loc[("o1", "L1"), "revenue"] == pytest.approx(600.0) and by_line.loc[("o1", "L1"), "margin"] == pytest.approx(60.0)
    assert ("o3", "L1") not in by_line.index, "a line returned in full (even 'more than bought') is no sale"
    assert by_line.loc[("o6", "S1"), s.QUANTITY] == 1 and by_line.loc[("o6", "S1"), "revenue"] == pytest.approx(100.0)
    assert len(kept) == len(sold) - 1, "a return matching no line changes nothing"
    assert net_of_returns(sold, None).equals(sold)
    assert "1 order line came back in full and is left out, and revenue is 1,700 after returns (3,100 as sold)" in (
        kpis.returns_statement(sold, kept)
    )
    assert kpis.returns_statement(sold, sold) == ""


def test_amount_text_keeps_cents_only_where_they_matter():
    assert [kpis.amount_text(x) for x in (4.974, 99.5, 462.96, 1_818_630.16)] == ["4.97", "99.50", "463", "1,818,630"]


def test_orders_per_day_by_month_counts_only_the_days_the_data_covers():
    """Online Retail: December is covered twice, once for nine days; order counts alone made it look busy or quiet."""
    dates = pd.Series(pd.to_datetime(["2010-12-30", "2010-12-31", "2011-01-01", "2011-01-31", "2011-12-01", "2011-12-02"]))
    per_day = kpis.orders_per_day_by_month(dates)
    # December: 2 days of 2010 and 2 days of 2011 covered, 4 orders; January: 31 days, 2 orders
    assert per_day[12] == pytest.approx(4 / 4) and per_day[1] == pytest.approx(2 / 31)
    assert per_day.index.tolist() == list(range(1, 13)) and per_day[6] == 0
    assert kpis.orders_per_day_by_month(pd.Series([], dtype="datetime64[ns]")).empty


def test_tied_extremes_name_every_group_that_shows_the_same_value():
    """Complete Journey: three segments at 100% were ranked by name ('1 Adult Kids cross-buys most')."""
    table = pd.DataFrame({"segment": ["A", "B", "C", "D"], "rate": [1.0, 0.998, 194 / 195, 1.0]})
    assert kpis.tied_extremes(table, "segment", "rate") == (["A", "B", "D"], ["C"])
    flat = pd.DataFrame({"segment": ["A", "B"], "rate": [0.5, 0.501]})
    most, least = kpis.tied_extremes(flat, "segment", "rate")
    assert most == least == ["A", "B"]
    assert kpis.tied_extremes(flat.iloc[0:0], "segment", "rate") == ([], [])


def test_known_first_shows_customers_without_a_segment_apart_and_last():
    table = pd.DataFrame({"segment": ["(no segment)", "b", "a"], "customers": [9, 2, 3]})
    assert kpis.known_first(table, "segment")["segment"].tolist() == ["b", "a", "(no segment)"]


def test_kept_lines_is_the_one_basis_of_counts(bundled_company, bundled_lines):
    """Notebooks counted 5,210 customers as sold in some places and 5,152 kept in others."""
    kept = kept_lines(bundled_company)
    assert kept.equals(net_of_returns(bundled_lines, bundled_company.returns).reset_index(drop=True))
    returned_in_full = bundled_company.returns.groupby([s.ORDER_ID, s.PRODUCT_ID])[s.QUANTITY].sum()
    sold = bundled_lines.groupby([s.ORDER_ID, s.PRODUCT_ID])[s.QUANTITY].sum()
    full = (returned_in_full.reindex(sold.index).fillna(0) >= sold).sum()
    assert full > 0 and len(kept) == len(bundled_lines) - full
    assert kept[s.CUSTOMER_ID].nunique() < bundled_lines[s.CUSTOMER_ID].nunique()
    assert list(kept.index) == list(range(len(kept)))
    assert kept_lines(bundled_company.__class__(**{**bundled_company.tables(), "returns": None})).equals(bundled_lines)


# --- is it growing? trend test and like-for-like cross-sell ratio -------------------------------


def _monthly_customers(shares: list[float], customers: int = 400, seed: int = 3) -> pd.DataFrame:
    """Order lines of ``customers`` new customers a month; in month k a random share ``shares[k]`` of them buy two categories."""
    rng = np.random.default_rng(seed)
    rows = []
    for month, share in enumerate(shares):
        day = pd.Timestamp("2022-01-01") + pd.DateOffset(months=month)
        for customer in range(customers):
            cid = f"m{month}c{customer}"
            rows.append((f"{cid}o", cid, day, "laptops"))
            if rng.random() < share:
                rows.append((f"{cid}o", cid, day, "accessories"))
    return pd.DataFrame(rows, columns=[s.ORDER_ID, s.CUSTOMER_ID, s.ORDER_DATE, s.CATEGORY])


def test_trend_test_detects_a_constructed_fall_and_matches_a_weighted_least_squares_recount():
    shares = np.linspace(0.6, 0.3, 24)  # 30 points down in 23 months: -15.7 points a year
    trend = kpis.kpi_trend(_monthly_customers(list(shares)), "cross_sell_rate")
    test = kpis.kpi_trend_test(trend).iloc[0]
    planted = (shares[-1] - shares[0]) / (trend["month"].iloc[-1] - trend["month"].iloc[0]).days * 365.25
    assert test["ci_high"] < 0 and test["p_value"] < 0.001
    assert test["ci_low"] < planted < test["ci_high"]
    years = (trend["month"] - trend["month"].iloc[0]).dt.days / 365.25
    slope, _ = np.polyfit(years, trend["value"], 1, w=np.sqrt(trend["customers"]))  # numpy's weighted least squares
    assert test["estimate"] == pytest.approx(slope, rel=1e-9)
    sentence = kpis.trend_sentence(kpis.kpi_trend_test(trend), what="The rate")
    assert sentence.startswith(f"The rate is falling by {abs(100 * test['estimate']):.1f} points a year (95% interval")


def test_trend_test_of_a_flat_series_finds_no_change_and_needs_three_periods():
    trend = kpis.kpi_trend(_monthly_customers([0.45] * 24), "cross_sell_rate")
    test = kpis.kpi_trend_test(trend)
    assert (test["ci_low"] < 0).all() and (test["ci_high"] > 0).all()
    assert "shows no clear change" in kpis.trend_sentence(test, what="The rate")
    with pytest.raises(ValueError, match="2 months with a value; a trend needs at least 3"):
        kpis.kpi_trend_test(trend.head(2))
    with pytest.raises(ValueError, match="needs a kpi_trend table"):
        kpis.kpi_trend_test(trend.assign(kpi="nps"))


def test_trend_of_the_bundled_cross_sell_rate_finds_no_planted_trend(bundled_company, ground_truth):
    # the generator draws every basket from attach probabilities that do not depend on the date
    assert all(isinstance(p, float) for probabilities in ground_truth["baskets"]["attach_probability"].values() for p in probabilities.values())
    trend = kpis.kpi_trend(kept_lines(bundled_company), "cross_sell_rate", level="category")
    test = kpis.kpi_trend_test(trend).iloc[0]
    assert test["ci_low"] < 0 < test["ci_high"]
    assert abs(test["estimate"]) < 0.02  # under 2 points a year either way
    statsmodels = import_or_skip("statsmodels.api")
    years = ((trend["month"] - trend["month"].iloc[0]).dt.days / 365.25).to_numpy()
    plain = statsmodels.WLS(trend["value"].to_numpy(), statsmodels.add_constant(years), weights=trend["customers"].to_numpy()).fit()
    assert test["estimate"] == pytest.approx(plain.params[1], rel=1e-9)  # same line; only the standard error is robust


def _cohort_lines(items_first: int, items_second: int, customers: int = 60) -> pd.DataFrame:
    """New customers on 2024-01-10 buying ``items_first`` categories, and on 2024-02-10 buying ``items_second``;
    everyone comes back on day 5 for one more category, and on day 40 for another (outside a 30-day follow-up)."""
    rows = []
    for cohort, (day, items) in enumerate([(pd.Timestamp("2024-01-10"), items_first), (pd.Timestamp("2024-02-10"), items_second)]):
        for customer in range(customers):
            cid = f"k{cohort}c{customer}"
            width = items + (customer % 2)  # half of them one more: a spread to test against
            rows += [(f"{cid}a", cid, day, f"cat{i}") for i in range(width)]
            rows += [(f"{cid}b", cid, day + pd.Timedelta(days=5), "extra"), (f"{cid}c", cid, day + pd.Timedelta(days=40), "late")]
    rows.append(("end", "k-last", pd.Timestamp("2024-04-30"), "cat0"))  # the data run to the end of the follow-up
    return pd.DataFrame(rows, columns=[s.ORDER_ID, s.CUSTOMER_ID, s.ORDER_DATE, s.CATEGORY])


def test_windowed_cross_sell_ratio_counts_new_customers_on_equal_days_and_can_fall():
    lines = _cohort_lines(items_first=3, items_second=2)
    ratio = kpis.windowed_cross_sell_ratio(lines, "2024-01-31", days=31, level="category").iloc[0]
    # first cohort: 3 or 4 categories + "extra" (day 5); "late" (day 40) is after the 31 days
    assert (ratio["customers_before"], ratio["customers_after"]) == (60, 60)
    assert ratio["ratio_before"] == pytest.approx(4.5) and ratio["ratio_after"] == pytest.approx(3.5)
    assert ratio["estimate"] == pytest.approx(-1.0) and ratio["ci_high"] < 0 and ratio["p_value"] < 1e-6
    statsmodels = import_or_skip("statsmodels.stats.weightstats")
    after, before = np.tile([3.0, 4.0], 30), np.tile([4.0, 5.0], 30)
    low, high = statsmodels.CompareMeans.from_data(after, before).tconfint_diff(usevar="unequal")
    assert (ratio["ci_low"], ratio["ci_high"]) == pytest.approx((low, high), rel=1e-9)
    assert kpis.WINDOWED_RATIO_COLUMNS == list(ratio.index)
    with pytest.raises(ValueError, match="the lines end on 2024-04-30; choose an earlier as_of or fewer days"):
        kpis.windowed_cross_sell_ratio(lines, "2024-03-15", days=31, level="category")


def test_windowed_cross_sell_ratio_on_the_bundled_company_matches_a_pandas_recount_and_the_planted_constancy(bundled_company):
    lines = kept_lines(bundled_company)
    first_day, last_day = lines[s.ORDER_DATE].min(), lines[s.ORDER_DATE].max()
    as_of, days = kpis.ratio_windows(first_day, last_day)
    assert days == ((last_day.normalize() - first_day.normalize()).days + 1) // 4
    ratio = kpis.windowed_cross_sell_ratio(lines, as_of, days=days, level="category").iloc[0]
    first = lines.groupby(s.CUSTOMER_ID)[s.ORDER_DATE].transform("min").dt.normalize()
    followed = lines[(lines[s.ORDER_DATE].dt.normalize() - first).dt.days < days]
    for window_end, column in [(as_of, "ratio_before"), (as_of + pd.Timedelta(days=days), "ratio_after")]:
        won = (first[followed.index] > window_end - pd.Timedelta(days=days)) & (first[followed.index] <= window_end)
        assert ratio[column] == pytest.approx(followed[won].groupby(s.CUSTOMER_ID)[s.CATEGORY].nunique().mean(), rel=1e-12)
    assert ratio["ci_low"] < 0 < ratio["ci_high"]  # planted basket probabilities do not change over time


def test_ratio_windows_fit_the_period():
    assert kpis.ratio_windows("2024-01-01", "2024-12-30") == (pd.Timestamp("2024-06-30"), 91)  # 365 days: 4 x 91 and one spare
    assert kpis.ratio_windows("2024-01-01", "2024-12-30", as_of="2024-05-31") == (pd.Timestamp("2024-05-31"), 76)  # lead-in: 152 days // 2
    with pytest.raises(ValueError, match="do not fit in 2024-01-01 to 2024-12-30"):
        kpis.ratio_windows("2024-01-01", "2024-12-30", as_of="2024-02-01", days=60)


# --- category KPIs on data with a single category (issue 12 item 8) ---------------------------


def test_category_kpis_refuse_a_single_category_and_product_level_still_counts(lines):
    from xsell_lab.exceptions import InsufficientDataError

    one = lines.assign(**{s.CATEGORY: "unknown"})  # a retail export: every product in one category
    calls = {
        "cross_sell_rate": lambda level: kpis.cross_sell_rate(one, level=level),
        "product_penetration": lambda level: kpis.product_penetration(one, level=level),
        "revenue_contribution": lambda level: kpis.revenue_contribution(one, level=level),
        "attach_rate_matrix": lambda level: kpis.attach_rate_matrix(one, level=level),
        "cross_sell_ratio": lambda level: kpis.cross_sell_ratio(one, "2024-01-31", level=level),
        "kpi_summary": lambda level: kpis.kpi_summary(one, level=level),
        "kpi_trend": lambda level: kpis.kpi_trend(one, "cross_sell_rate", level=level),
    }
    for name, call in calls.items():
        with pytest.raises(InsufficientDataError, match=r"need two or more categories, but the lines have one category \('unknown'\).*level='product'"):
            call("category")
        call("product")  # the same data at product level is fine
    # before: 0.0 silently; at product level the rate is the pandas recount (c1, c3 and c4 bought 2+ products of 4)
    assert kpis.cross_sell_rate(one, level="product") == pytest.approx((one.groupby(s.CUSTOMER_ID)[s.PRODUCT_ID].nunique() >= 2).mean())
    with pytest.raises(InsufficientDataError, match="the lines have no category"):
        kpis.cross_sell_rate(lines.assign(**{s.CATEGORY: None}))
    assert np.isnan(kpis.cross_sell_rate(one.iloc[:0]))  # no lines: nothing to refuse, the rate is undefined


def test_kpi_by_group_draws_a_rate_of_one_whose_upper_limit_rounds_below_it():
    """A Wilson interval of 62 successes in 62 ends a rounding error below 1: no negative error bar (notebook 09)."""
    from xsell_lab.stats import wilson_interval

    low, high = wilson_interval(62, 62)
    table = pd.DataFrame({"group": ["a", "b"], "rate": [1.0, 0.5], "ci_low": [float(low), 0.4], "ci_high": [float(high) - 1e-12, 0.6]})
    ax = kpi_plots.plot_kpi_by_group(table, "group", "rate", ci_low="ci_low", ci_high="ci_high", percent=True)
    assert len(ax.patches) == 2
