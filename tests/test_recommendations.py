"""Recommendations: amounts at stake, confidence in words, figures that add up, totals that count once."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from xsell_lab import basket, recommendations

from skips import import_or_skip


def _lines(rows: list[tuple]) -> pd.DataFrame:
    """Sales lines from (customer, order, category, revenue[, order date]); 1 Jan 2024 when no date is given."""
    rows = [(*row, "2024-01-01") if len(row) == 4 else row for row in rows]
    lines = pd.DataFrame(rows, columns=["customer_id", "order_id", "category", "revenue", "order_date"])
    return lines.assign(order_date=pd.to_datetime(lines["order_date"]))


@pytest.mark.parametrize(
    ("p_value", "words"),
    [(0.0, "very likely real"), (0.009, "very likely real"), (0.01, "likely real"), (0.049, "likely real"),
     (0.1, "possible, not proven"), (0.2, "could be chance"), (0.9, "could be chance"), (None, "not tested"),
     (float("nan"), "not tested")],
)
def test_confidence_words_follow_the_p_value(p_value, words):
    assert recommendations.confidence_words(p_value) == words


def test_a_shown_difference_is_the_difference_of_the_shown_values():
    # 52.4 and 44.6 differ by 7.8, which rounds to 8; shown as 52 and 45 the gap must read 7
    assert recommendations.shown_difference(52.4, 44.6) == (52.0, 45.0, 7.0)
    assert recommendations.shown_difference(14.16, 5.84, 1) == (14.2, 5.8, 8.4)


def test_money_text_shows_the_currency_only_when_given():
    assert recommendations.money_text(1234.4, "EUR") == "1,234 EUR"
    assert recommendations.money_text(18287.6) == "18,288"
    assert recommendations.money_text(float("nan")) == "–"
    assert recommendations.amounts_note("") == "Amounts in the data's currency."
    assert "money" not in recommendations.amounts_note("").lower()


def test_gap_p_value_is_two_sided_and_missing_without_an_error():
    assert recommendations.gap_p_value(1.96, 1.0) == pytest.approx(0.05, abs=1e-3)
    assert recommendations.gap_p_value(-1.96, 1.0) == pytest.approx(0.05, abs=1e-3)
    assert math.isnan(recommendations.gap_p_value(3.0, 0.0))


def _pair_world() -> pd.DataFrame:
    """Printers and ink both lead to paper; some customers own printer and ink but no paper.

    Customer c's first order is on day 5 c (within 2023); half of the paper buyers take it in that order, the other
    half on day 400 + c, inside the window of :data:`WINDOW` (whose cohort is counted on day 346).
    """
    rows = []
    start = pd.Timestamp("2023-01-01")
    for customer in range(60):
        owned = ["printer", "ink"] if customer < 20 else ["printer"] if customer < 40 else ["ink"]
        day = start + pd.Timedelta(days=5 * customer)
        for item in owned + (["paper"] if customer % 4 == 0 else []):
            price = {"printer": 200.0, "ink": 30.0, "paper": 10.0}[item]
            rows.append((f"C{customer}", f"O{customer}", item, price, day))
        if customer % 4 == 2:
            rows.append((f"C{customer}", f"P{customer}", "paper", 10.0, start + pd.Timedelta(days=400 + customer)))
    for filler in range(300):  # orders without the pair items, so that the pairs stand out against chance
        rows.append((f"F{filler}", f"F{filler}", "cable", 5.0, start + pd.Timedelta(days=2 * filler + 1)))
    return _lines(rows)


#: The whitespace day and the later-conversion window of the tests: the last window runs from day 346 to day 546.
WINDOW = {"as_of": "2024-06-30", "days": 200}


def _rules(lines: pd.DataFrame) -> pd.DataFrame:
    itemsets = basket.frequent_itemsets(lines, min_support=0.01, max_len=2, item_column="category")
    return basket.add_significance(basket.association_rules(itemsets, metric="lift", min_threshold=1.0))


def test_pair_opportunities_read_from_main_item_to_add_on_with_their_whitespace():
    lines = _pair_world()
    opportunities = recommendations.pair_opportunities(lines, _rules(lines), item_column="category", n=5, **WINDOW)
    paper = opportunities[opportunities["add_on_item"] == "paper"].set_index("main_item")
    assert set(paper.index) == {"printer", "ink"}  # the pricier item is the main one, paper the add-on
    # printer owners without paper: customers 0-39, the odd ones (20)
    assert paper.loc["printer", "customers_without_it"] == 20
    assert paper.loc["ink", "customers_without_it"] == 20  # customers 0-19 and 40-59, the odd ones
    assert (opportunities["leverage"].diff().dropna() <= 0).all()  # ranked as notebook 04 ranks pairs
    # on day 346, 30 printer owners lacked paper (the 20 odd ones and the 10 who buy it on day 400 + c): 10 of 30 bought it
    assert paper.loc["printer", "conversion"] == pytest.approx(1 / 3) and paper.loc["ink", "conversion"] == pytest.approx(1 / 3)
    assert paper.loc["printer", "expected_buyers"] == pytest.approx(20 / 3)
    assert paper.loc["printer", "conversion_low"] < 1 / 3 < paper.loc["printer", "conversion_high"]
    largest = recommendations.pair_opportunities(lines, _rules(lines), item_column="category", by="expected_revenue", **WINDOW)
    assert (largest["expected_revenue"].diff().dropna() <= 0).all()


def test_the_total_counts_each_customer_once_per_add_on():
    lines = _pair_world()
    opportunities = recommendations.pair_opportunities(lines, _rules(lines), item_column="category", n=5, **WINDOW)
    paper = opportunities[opportunities["add_on_item"] == "paper"]
    total = recommendations.opportunity_total(lines, paper, item_column="category")
    # 10 odd customers own printer and ink: listed twice (40 rows), counted once (30 offers)
    assert paper["customers_without_it"].sum() == 40
    assert total["offers"] == 30 and total["customers"] == 30
    assert total["expected_revenue"] < paper["expected_revenue"].sum()
    rates = paper.set_index("main_item")["conversion"]
    expected = 10 * rates["printer"] + 10 * rates["ink"] + 10 * rates.max()  # the shared 10 at the larger rate
    assert total["expected_buyers"] == pytest.approx(expected)


def test_no_pairs_give_no_opportunities_and_a_zero_total():
    lines = _pair_world()
    empty = recommendations.pair_opportunities(lines, pd.DataFrame(), item_column="category")
    assert empty.empty
    assert recommendations.opportunity_total(lines, empty, item_column="category")["expected_revenue"] == 0.0
    rules = _rules(lines)
    none_significant = recommendations.pair_opportunities(lines, rules.assign(significant=False), item_column="category", **WINDOW)
    assert none_significant.empty and list(none_significant.columns) == list(empty.columns)


def _offers() -> pd.DataFrame:
    rows = []
    for arm, size, buyers, channel in [("control", 400, 20, "none"), ("mail_arm", 400, 80, "email")]:
        for index in range(size):
            rows.append({"experiment_id": "EXP-1", "variant": arm, "customer_id": f"{arm}{index}", "product_id": "WAR",
                         "channel": channel, "accepted": index < buyers, "revenue": 50.0 if index < buyers else 0.0,
                         "offer_date": pd.Timestamp("2025-01-01")})
    return pd.DataFrame(rows)


def test_offer_results_name_the_offer_by_product_and_channel_not_by_codes():
    results = recommendations.offer_results(_offers(), labels={"WAR": "extended warranty"})
    (row,) = results.itertuples(index=False)
    assert row.offer == "the extended warranty offer by email"
    assert row.rate_treatment == pytest.approx(0.2) and row.rate_control == pytest.approx(0.05)
    assert row.uplift_points == 15.0 and row.proven
    assert row.revenue_difference == pytest.approx(50 * 0.2 - 50 * 0.05)


def test_offer_results_without_offers_are_empty():
    assert recommendations.offer_results(None).empty
    only_control = _offers().query("variant == 'control'")
    assert recommendations.offer_results(only_control).empty


def test_recommendations_rank_by_amount_at_stake_and_say_how_sure():
    lines = _pair_world()
    opportunities = recommendations.pair_opportunities(lines, _rules(lines), item_column="category", **WINDOW)
    total = recommendations.opportunity_total(lines, opportunities, item_column="category")
    tests = recommendations.offer_results(_offers(), labels={"WAR": "extended warranty"})
    gap = pd.DataFrame({"comparison": ["naive", "matched"], "treated_customers": [100, 80], "control_customers": [90, 70],
                        "treated_mean": [52.4, 49.4], "control_mean": [44.6, 38.4], "difference": [7.8, 11.0]})
    table = recommendations.recommendations(opportunities=opportunities, opportunity_sum=total, offer_tests=tests, clv_gap=gap,
                                            gap_error=5.0, currency="EUR")
    assert list(table.columns) == recommendations.RECOMMENDATION_COLUMNS
    assert (table["money_at_stake"].diff().dropna() <= 0).all()
    by_kind = table.set_index("kind")
    assert by_kind.loc["whitespace", "money_at_stake"] == pytest.approx(total["expected_revenue"])
    assert by_kind.loc["offer", "money_at_stake"] == pytest.approx(7.5 * 400)
    assert by_kind.loc["offer", "recommendation"].startswith("Roll out the extended warranty offer by email")
    assert by_kind.loc["offer", "confidence_words"] == "very likely real"
    assert by_kind.loc["early", "money_at_stake"] == pytest.approx(11 * 90)  # the shown gap (49 - 38) x customers not cross-sold
    assert "49.40 EUR" in by_kind.loc["early", "evidence"] and "a gap of 11.00 EUR" in by_kind.loc["early", "evidence"]
    assert by_kind.loc["early", "confidence_words"].startswith("possible, not proven")
    for text in table["recommendation"]:
        assert "EXP-" not in text and "mail_arm" not in text and "_" not in text


def test_a_whitespace_recommendation_is_as_sure_as_the_pair_it_names():
    lines = _pair_world()
    opportunities = recommendations.pair_opportunities(lines, _rules(lines), item_column="category", **WINDOW)
    weak = pd.concat([opportunities.head(1), opportunities.head(1).assign(p_adjusted=0.048, main="x", add_on="y")], ignore_index=True)
    row = recommendations.recommendations(opportunities=weak).set_index("kind").loc["whitespace"]
    assert row["p_value"] == pytest.approx(float(opportunities["p_adjusted"].iloc[0]))  # not the weaker second pair's 0.048
    assert row["confidence_words"].startswith(recommendations.confidence_words(float(opportunities["p_adjusted"].iloc[0])) + " that they go together")
    assert "far more often" not in row["evidence"]
    # review: the amount is unprompted buying, so the action is a test and the words say the sales are untested
    assert row["recommendation"].startswith("Test an offer of") and "the sales are an untested estimate" in row["confidence_words"]
    assert "only the test on a random half measures" in row["evidence"]


def test_recommendations_adapt_to_the_evidence_the_data_has():
    assert recommendations.recommendations().empty
    tests = recommendations.offer_results(_offers().assign(accepted=lambda o: o.index % 10 == 0, revenue=0.0))
    table = recommendations.recommendations(offer_tests=tests)
    assert list(table["kind"]) == ["offer"] and table.loc[0, "recommendation"].startswith("Do not roll out")
    assert table.loc[0, "confidence_words"] == "could be chance"
    assert len(recommendations.recommendations(offer_tests=pd.concat([tests] * 7), n=5)) == 5


def test_headline_table_shows_a_dash_for_a_missing_figure():
    table = recommendations.headline_table({"Customers": "5,210", "Proven offers": None, "Best opportunity": ""})
    assert table.to_dict("list") == {"Figure": ["Customers", "Proven offers", "Best opportunity"], "Value": ["5,210", "–", "–"]}


def test_whole_periods_leave_out_quarters_cut_by_the_data_edges():
    # Online Retail's shape: 1 Dec 2010 to 9 Dec 2011, so the first and last quarters are partial
    trend = pd.DataFrame({"quarter": pd.date_range("2010-10-01", "2011-10-01", freq="QS"), "value": 0.5})
    flagged = recommendations.whole_periods(trend, "quarter", "2010-12-01", "2011-12-09")
    assert flagged["whole"].tolist() == [False, True, True, True, False]
    assert flagged["covered_to"].iloc[-1] == pd.Timestamp("2011-12-09")
    # a quarter missing one day at the data's edge still counts as whole
    assert recommendations.whole_periods(trend, "quarter", "2010-10-05", "2011-12-30")["whole"].tolist() == [True] * 5
    with pytest.raises(ValueError, match="period"):
        recommendations.whole_periods(trend, "week", "2010-12-01", "2011-12-09")


def test_more_or_less_words_a_negative_gap_as_less():
    assert recommendations.more_or_less(-12.37) == "12 less"
    assert recommendations.more_or_less(24.75, "EUR") == "25 EUR more"
    assert recommendations.more_or_less(-0.4) == "no more and no less"


def test_money_text_with_decimals_for_small_amounts():
    assert recommendations.money_text(4.974, decimals=2) == "4.97"


def test_why_no_recommendation_names_a_negative_matched_gap_not_too_few_customers():
    gap = pd.DataFrame({"comparison": ["naive", "matched"], "treated_mean": [40.0, 20.0], "control_mean": [16.0, 32.0]})
    sentence = recommendations.why_no_recommendation(pd.DataFrame(), pd.DataFrame(), gap)
    assert "too few customers" not in sentence
    assert "no strong product pairs, no offer tests and customers cross-sold early brought no more" in sentence
    assert "too few customers" in recommendations.why_no_recommendation(None, None, pd.DataFrame())


def test_largest_opportunities_skip_strong_pairs_with_nothing_left_to_sell():
    # Online Retail's herb markers: always bought together, the highest lift, and no customer lacks the add-on
    rows = [(f"H{customer}", f"H{customer}", item, price) for customer in range(30) for item, price in (("mint", 3.0), ("rosemary", 2.0))]
    lines = pd.concat([_pair_world(), _lines(rows)], ignore_index=True)
    rules = _rules(lines)
    strongest = recommendations.pair_opportunities(lines, rules, item_column="category", n=1, **WINDOW)
    assert strongest.loc[0, "main_item"] == "mint" and strongest.loc[0, "customers_without_it"] == 0
    assert math.isnan(strongest.loc[0, "conversion"])  # nobody ever lacked rosemary: no rate to measure, and no opportunity below
    largest = recommendations.pair_opportunities(lines, rules, item_column="category", n=5, by="expected_revenue", **WINDOW)
    assert "mint" not in set(largest["main_item"]) and (largest["customers_without_it"] > 0).all()
    assert set(largest["main_item"]) == {"printer", "ink"}
    with pytest.raises(ValueError, match="by"):
        recommendations.pair_opportunities(lines, rules, item_column="category", by="support")


def test_the_answer_keeps_given_sentences_and_refuses_fragments():
    assert recommendations.the_answer(["One.", None, "", "Two?"]) == "One. Two?"
    with pytest.raises(ValueError, match="0 sentences"):
        recommendations.the_answer([None, ""])
    with pytest.raises(ValueError, match="5 sentences"):
        recommendations.the_answer(["A."] * 5)
    with pytest.raises(ValueError, match="do not end with a full stop, e.g. 'No stop'"):
        recommendations.the_answer(["No stop", "Fine."])


# --- the executive report agrees with the method notebooks (issue 12 item 4) ---------------------------------------


def _notebook_04_top_pairs(lines: pd.DataFrame, n: int) -> list[frozenset]:
    """Notebook 04's ranking, recomputed as its cells do: significant pairs with lift above 1, each pair once, by leverage."""
    itemsets = basket.frequent_itemsets(lines, min_support=0.01, max_len=2, item_column="category")
    tested = basket.add_significance(basket.association_rules(itemsets, metric="lift", min_threshold=1.0))
    kept = tested[tested["significant"] & (tested["lift"] > 1)]
    pair = [a | c for a, c in zip(kept["antecedents"], kept["consequents"])]
    once = kept[~pd.Series(pair, index=kept.index).duplicated()]
    return [a | c for a, c in zip(*once.nlargest(n, "leverage")[["antecedents", "consequents"]].T.to_numpy())]


def test_the_report_agrees_with_notebooks_04_06_and_08_on_the_bundled_data(bundled_company):
    from xsell_lab import catalogue, experiments, kept_lines, pricing, sales_lines

    company = bundled_company
    sold, kept = sales_lines(company), kept_lines(company)
    # 04: the report's pairs are 04's top pairs by leverage (each read once, from the pricier item to its add-on)
    itemsets = basket.frequent_itemsets(sold, min_support=0.01, max_len=2, item_column="category")
    rules = basket.add_significance(basket.association_rules(itemsets, metric="lift", min_threshold=1.0))
    pairs = recommendations.pair_opportunities(kept, rules, item_column="category", n=5)
    assert [frozenset({a, b}) for a, b in zip(pairs["main_item"], pairs["add_on_item"])] == _notebook_04_top_pairs(sold, 5)
    # 06: the bundle of its pair at its default 10 % off loses margin (24,307 in its output, counted on kept lines as 06 counts), so the report does not recommend it
    weekly, products = company.weekly_sales, company.products.set_index("product_id")
    main = pricing.choose_focus_product(weekly)
    add_on = pricing.choose_price_pair(weekly, kept, main)["add_on"]
    orders = kept.assign(has_main=kept["product_id"] == main, has_addon=kept["product_id"] == add_on).groupby("order_id")[["has_main", "has_addon"]].any()
    buying = orders[orders["has_main"] | orders["has_addon"]]
    what_if = pricing.bundle_what_if(
        main_price=products.loc[main, "price"], main_cost=products.loc[main, "unit_cost"], addon_price=products.loc[add_on, "price"],
        addon_cost=products.loc[add_on, "unit_cost"], customers=len(buying),
        share_main_only=(buying["has_main"] & ~buying["has_addon"]).mean(), share_addon_only=(~buying["has_main"] & buying["has_addon"]).mean(),
        share_both=(buying["has_main"] & buying["has_addon"]).mean(), bundle_discount=0.10, uptake_main_only=0.20,
    ).set_index("strategy")
    bundle = recommendations.bundle_check(kept, company.products, weekly)
    assert bundle.loc[0, "margin_change"] == pytest.approx(what_if.loc["mixed_bundling", "margin_change"])
    assert round(what_if.loc["mixed_bundling", "margin_change"]) == -24307 and not bundle.loc[0, "recommended"]
    # 08: proven offers are the arms significant after Holm's correction; a segment whose interval includes zero is a caveat
    labels = catalogue.item_labels(company.products, "product")
    tests = recommendations.offer_results(company.offers, customers=company.customers, labels=labels)
    conversion = experiments.compare_conversion(company.offers, correction="holm").set_index(["experiment_id", "variant"])
    for test in tests.itertuples(index=False):
        assert test.proven == bool(conversion.loc[(test.experiment_id, test.variant), "significant"])
    segments = experiments.segment_effects(company.offers, company.customers, correction="holm")
    bundle_arm = segments[(segments["experiment_id"] == "EXP-BUNDLE") & (segments["variant"] == "bundle_offer")].set_index("segment")
    assert bundle_arm.loc["small_business", "ci_low"] < 0 < bundle_arm.loc["small_business", "ci_high"]  # 08's caveat
    advice = recommendations.recommendations(opportunities=pairs, offer_tests=tests, bundle=bundle, n=10)
    rolled_out = advice[advice["recommendation"].str.startswith("Roll out")]
    assert len(rolled_out) == int(tests["proven"].sum())
    bundle_offer = rolled_out[rolled_out["recommendation"].str.contains("Phone Accessory Bundle")]
    assert bundle_offer["recommendation"].str.contains("not yet to the small business segment").all() and len(bundle_offer) == 1
    bundle_row = advice.set_index("kind").loc["bundle"]
    assert bundle_row["recommendation"].startswith("Do not sell") and advice["kind"].iloc[-1] == "bundle"  # cautions come last


def test_rate_change_gives_newcombes_interval_and_says_no_clear_change():
    trend = pd.DataFrame({"quarter": pd.date_range("2024-01-01", periods=5, freq="QS"), "customers": [800, 900, 850, 870, 866],
                          "cross_sold_customers": [423, 470, 440, 450, 441]})
    change = recommendations.rate_change(trend, "quarter").iloc[0]
    assert change["earlier_period"] == pd.Timestamp("2024-01-01")  # the same quarter a year earlier
    statsmodels = import_or_skip("statsmodels.stats.proportion")
    low, high = statsmodels.confint_proportions_2indep(441, 866, 423, 800, method="newcomb", compare="diff")
    assert (change["ci_low"], change["ci_high"]) == pytest.approx((low, high), abs=1e-9)
    # 50.9 % against 52.9 %: the interval includes zero
    assert recommendations.change_words(change) == "down 2.0 percentage points (95% interval -6.7 to +2.8): no clear change"
    assert change["estimate"] == pytest.approx(441 / 866 - 423 / 800)
    clear = recommendations.rate_change(trend.assign(cross_sold_customers=[600, 470, 440, 450, 441]), "quarter").iloc[0]
    assert recommendations.change_words(clear).startswith("down ") and "no clear change" not in recommendations.change_words(clear)
    assert recommendations.rate_change(trend.head(1), "quarter").empty


def _margins(offers: pd.DataFrame, estimate: float, ci_low: float, ci_high: float, verdict: str) -> pd.DataFrame:
    """A campaign_profit table for the offer arm of ``offers`` with the given margin effect."""
    from xsell_lab.experiments import CAMPAIGN_PROFIT_COLUMNS

    row = dict.fromkeys(CAMPAIGN_PROFIT_COLUMNS, float("nan"))
    row.update({"experiment_id": "EXP-1", "variant": "mail_arm", "estimate": estimate, "ci_low": ci_low, "ci_high": ci_high, "verdict": verdict})
    return pd.DataFrame([row])


def test_an_offer_is_judged_on_the_margin_it_adds_when_campaign_profit_is_given():
    """Issue 15 item 3: a campaign that raises revenue but loses margin is called what it is, in the report too."""
    offers = _offers()
    paying = recommendations.offer_results(offers, labels={"WAR": "warranty"}, profit=_margins(offers, 2.5, 1.0, 4.0, "raises revenue and margin"))
    (row,) = paying.itertuples(index=False)
    assert (row.margin_difference, row.margin_ci_low, row.margin_ci_high) == (2.5, 1.0, 4.0)
    advice = recommendations.recommendations(offer_tests=paying).set_index("kind").loc["offer"]
    assert advice["recommendation"].startswith("Roll out the warranty offer by email")
    assert advice["money_at_stake"] == pytest.approx(2.5 * 400), "money at stake is the margin added, not the revenue (7.5 x 400)"
    assert "2.50 more margin per customer offered after the discount, the contact cost and the returns" in advice["evidence"]
    losing = recommendations.offer_results(offers, labels={"WAR": "warranty"}, profit=_margins(offers, -3.0, -5.0, -1.0, "raises revenue, loses margin"))
    advice = recommendations.recommendations(offer_tests=losing).set_index("kind").loc["offer"]
    assert advice["recommendation"].startswith("Do not roll out the warranty offer by email as it is: it wins buyers but loses margin")
    assert advice["money_at_stake"] == pytest.approx(3.0 * 400) and "it raises revenue, loses margin" in advice["evidence"]
    assert "3.00 less margin per customer offered" in advice["evidence"]
    unknown = recommendations.offer_results(offers, labels={"WAR": "warranty"})
    assert unknown["margin_difference"].isna().all()
    assert recommendations.recommendations(offer_tests=unknown).set_index("kind").loc["offer", "money_at_stake"] == pytest.approx(7.5 * 400)


def test_the_report_judges_the_bundled_offers_on_margin_as_notebook_08_does(bundled_company):
    from xsell_lab import experiments, sales_lines

    company = bundled_company
    profit = experiments.campaign_profit(company.offers, company.products, sales_lines(company), company.returns)
    tests = recommendations.offer_results(company.offers, customers=company.customers, profit=profit)
    by_arm = profit.set_index(["experiment_id", "variant"])
    for test in tests.itertuples(index=False):
        assert test.margin_difference == pytest.approx(by_arm.loc[(test.experiment_id, test.variant), "estimate"])
        assert test.margin_verdict == by_arm.loc[(test.experiment_id, test.variant), "verdict"]
    advice = recommendations.recommendations(offer_tests=tests, n=10)
    offers = advice[advice["kind"] == "offer"]
    assert offers["evidence"].str.contains("margin per customer offered").all()
    expected = sorted((tests["margin_difference"] * tests["customers_treatment"]).abs(), reverse=True)
    assert sorted(offers["money_at_stake"], reverse=True) == pytest.approx(expected)


def test_a_segment_without_control_customers_is_named_unclear_not_an_error(bundled_company):
    """README's own command (report 10, North, from 2025-10-01) failed: a segment of a small selection had no control."""
    company = bundled_company.subset(region="North", start="2025-10-01")
    tests = recommendations.offer_results(company.offers, customers=company.customers)
    segment = company.offers.merge(company.customers, on="customer_id")
    lonely = segment.groupby(["experiment_id", "segment"])["variant"].agg(lambda v: "control" not in set(v))
    assert lonely.any(), "the selection must hold a segment without control customers for this test to mean anything"
    for (experiment, name) in lonely[lonely].index:
        named = tests.loc[tests["experiment_id"] == experiment, "unclear_segments"]
        assert named.empty or named.str.contains(name).all()


def test_cross_sell_state_says_a_product_level_rate_is_high_by_construction_in_a_large_catalogue():
    from xsell_lab import kpis

    many = pd.DataFrame({"customer_id": [f"c{i // 2}" for i in range(300)], "product_id": [f"p{i}" for i in range(300)],
                         "category": "one", "order_date": pd.Timestamp("2024-01-01")})
    assert kpis.product_level_caveat(many, level="product")  # the kpis rule: 300 products are a large catalogue
    said = recommendations.cross_sell_state(many, 100.0, level="product")
    assert said.startswith("100% of our 150 customers have bought two or more products, a share high by construction among 300 ")
    assert said.endswith("the period is too short for a quarter trend.")
    few = many.assign(product_id=[f"p{i % 4}" for i in range(300)])
    assert "by construction" not in recommendations.cross_sell_state(few, 100.0, level="product")
    assert "by construction" not in recommendations.cross_sell_state(many, 100.0, level="category")
    change = pd.DataFrame({"latest_period": [pd.Timestamp("2025-10-01")], "earlier_period": [pd.Timestamp("2024-10-01")],
                           "latest_rate": [0.509], "earlier_rate": [0.528], "ci_low": [-0.064], "ci_high": [0.026]})
    with_trend = recommendations.cross_sell_state(few, 71.2, level="category", change=change)
    assert with_trend == ("71% of our 150 customers have bought two or more categories; the quarter starting 01 Oct 2025 against "
                          "the one starting 01 Oct 2024: down 1.9 percentage points (95% interval -6.4 to +2.6): no clear change.")


def test_main_item_note_counts_notebook_03s_narrower_list_as_a_pandas_recount(bundled_lines):
    owners = bundled_lines.groupby("customer_id")["category"].agg(set)
    lacking = int(owners.map(lambda bought: "laptop" in bought and "software" not in bought).sum())
    top = pd.Series({"main_item": "laptop", "add_on_item": "software", "customers_without_it": lacking}, dtype=object)
    first = bundled_lines[bundled_lines["order_date"] == bundled_lines.groupby("customer_id")["order_date"].transform("min")]
    first_order = first[first["order_id"] == first.groupby("customer_id")["order_id"].transform("min")]
    main = first_order.groupby(["customer_id", "category"])["revenue"].sum().reset_index().sort_values(
        ["customer_id", "revenue", "category"], ascending=[True, False, True]).drop_duplicates("customer_id").set_index("customer_id")["category"]
    narrower = int(((main == "laptop") & main.index.map(lambda c: "software" not in owners[c])).sum())
    note = recommendations.main_item_note(bundled_lines, top, level="category")
    assert 0 < narrower < top["customers_without_it"]
    assert f"{narrower:,} of these {top['customers_without_it']:,} customers have laptop as theirs" in note
    assert recommendations.main_item_note(bundled_lines, pd.Series({**top, "customers_without_it": narrower}), level="category") == ""


def test_offer_name_says_the_product_and_channel_and_keeps_the_codes_once(bundled_company, ground_truth):
    from xsell_lab import catalogue

    offers = bundled_company.offers
    labels = catalogue.item_labels(bundled_company.products, "product")
    for experiment, truth in ground_truth["experiments"].items():
        for variant, arm in truth["arms"].items():
            if variant == "control":
                continue
            products = offers[(offers["experiment_id"] == experiment) & (offers["variant"] == variant)]["product_id"].unique()
            name = recommendations.offer_name(offers, experiment, variant, labels)
            assert name.endswith(f"({experiment}, arm {variant})") and name.count(experiment) == 1
            assert f" by {arm['channel']} (" in name  # the planted channel of the arm
            if len(products) == 1:
                assert name.startswith(f"the {labels[products[0]]} offer")


def test_a_rollout_goes_to_the_customers_an_uplift_model_finds_persuaded_as_notebook_12_reads_the_test(
        bundled_company, bundled_lines, ground_truth):
    from xsell_lab import catalogue, experiments

    company = bundled_company
    labels = catalogue.item_labels(company.products, "product")
    tests = recommendations.offer_results(company.offers, customers=company.customers, lines=bundled_lines, labels=labels,
                                          products=company.products, seed=42).set_index("experiment_id")
    campaign = ground_truth["uplift_campaign"]["experiment_id"]
    assert tests["targeted_share"].notna().tolist() == [name == campaign for name in tests.index]
    row = tests.loc[campaign]
    test = experiments.experiment_customers(company.offers, company.customers, bundled_lines, experiment=campaign,
                                            arms=["control", row["variant"]])
    product = company.products.set_index("product_id").loc[ground_truth["uplift_campaign"]["product_id"]]
    share = experiments.targeted_share(test, arm=row["variant"], margin=product["price"] - product["unit_cost"],
                                       discount=ground_truth["uplift_campaign"]["discount"] * product["price"], seed=42)
    assert row["targeted_share"] == pytest.approx(share, abs=1e-9)
    advice = recommendations.recommendations(offer_tests=tests.reset_index(), n=10)
    said = advice.loc[advice["recommendation"].str.contains(labels[ground_truth["uplift_campaign"]["product_id"]], regex=False),
                      "recommendation"].iloc[0]
    assert said.startswith("Roll out") and f"only to the customers an uplift model finds it persuades (about {share:.0%}" in said
