"""Charts legible in print (issue #13): every helper of ``xsell_lab.plots``, on inputs with long names and
many rows, draws no text that prints under 8 pt in a report and no two text labels that overlap."""

from __future__ import annotations

import io
import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from xsell_lab import plots  # noqa: E402
from xsell_lab.plots import accounts, basket, channels, clv, experiments, kpis, lifecycle, pricing, propensity, targeting, tour  # noqa: E402
from xsell_lab.plots import playbook as playbook_plots  # noqa: E402

RNG = np.random.default_rng(7)
#: Names as long as real catalogues have them (Online Retail descriptions), and as many as real data gives.
NAMES = [f"{word} HANGING HEART T-LIGHT HOLDER NO {i}" for i, word in zip(range(30), itertools.cycle(["WHITE", "RED", "PINK"]))]


def _rules(count: int = 30) -> pd.DataFrame:
    pairs = [(NAMES[i % 12], NAMES[(i * 7 + 1) % 12]) for i in range(count)]
    pairs = [(a, b) for a, b in dict.fromkeys(pairs) if a != b]
    return pd.DataFrame({
        "antecedents": [frozenset([a]) for a, _ in pairs], "consequents": [frozenset([b]) for _, b in pairs],
        "support": RNG.uniform(0.01, 0.2, len(pairs)), "confidence": RNG.uniform(0.1, 0.9, len(pairs)),
        "lift": RNG.uniform(1.1, 6.0, len(pairs)),
    })


def _rates(n: int, **extra) -> dict:
    rate = RNG.uniform(0.2, 0.7, n)
    return {"rate": rate, "ci_low": rate - 0.05, "ci_high": rate + 0.05, **extra}


def _cases():
    n = len(NAMES)
    months = pd.date_range("2023-01-01", periods=36, freq="MS")
    rate = _rates(n)
    yield "kpi_trend", lambda: kpis.plot_kpi_trend(pd.DataFrame(
        {"month": months, "customers": 400, "cross_sold_customers": RNG.integers(208, 224, 36)}).assign(
        kpi="cross_sell_rate", value=lambda t: t["cross_sold_customers"] / t["customers"]), percent=True)
    yield "kpi_by_group", lambda: kpis.plot_kpi_by_group(
        pd.DataFrame({"group": NAMES, "value": rate["rate"], "low": rate["ci_low"], "high": rate["ci_high"]}),
        "group", "value", ci_low="low", ci_high="high", percent=True)
    yield "attach_heatmap", lambda: kpis.plot_attach_heatmap(pd.DataFrame(
        [(a, b, RNG.uniform()) for a in NAMES[:20] for b in NAMES[:20] if a != b], columns=["anchor", "attached", "attach_rate"]))
    yield "rules_scatter", lambda: basket.plot_rules_scatter(_rules())
    yield "rule_network", lambda: basket.plot_rule_network(_rules())
    pairs = pd.DataFrame({"antecedents": [frozenset([NAMES[i]]) for i in range(30)],
                          "consequents": [frozenset([NAMES[i ^ 1]]) for i in range(30)], "lift": np.linspace(9, 3, 30)})
    yield "rule_network_of_pairs", lambda: basket.plot_rule_network(pairs)  # Online Retail: 20 families of two
    yield "pair_heatmap", lambda: basket.plot_pair_heatmap(_rules(80))
    yield "lag_histogram", lambda: basket.plot_lag_histogram(pd.DataFrame({"lag_days": RNG.integers(1, 300, 500)}), within_days=90)
    channel_rates = {"channel": NAMES[:8], "cross_sell_rate": RNG.uniform(0.2, 0.8, 8), "attach_rate": RNG.uniform(0.05, 0.5, 8)}
    yield "channel_kpis", lambda: channels.plot_channel_kpis(pd.DataFrame(channel_rates).assign(
        cross_sell_ci_low=lambda t: t["cross_sell_rate"] - 0.05, cross_sell_ci_high=lambda t: t["cross_sell_rate"] + 0.05,
        attach_ci_low=lambda t: t["attach_rate"] - 0.03, attach_ci_high=lambda t: t["attach_rate"] + 0.03))
    yield "contact_response", lambda: channels.plot_contact_response(pd.DataFrame({
        "experiment_id": "EXP-LONG-NAME-01", "variant": ["control", "treatment_a", "treatment_b", "treatment_c"],
        "channel": ["email", "phone call", "direct mail", "sms"], "conversion_rate": [0.05, 0.07, 0.08, 0.06],
        "ci_low": [0.04, 0.06, 0.07, 0.05], "ci_high": [0.06, 0.08, 0.09, 0.07], "uplift": [np.nan, 0.02, 0.03, 0.01]}),
        "EXP-LONG-NAME-01")
    yield "trigger_backtest", lambda: channels.plot_trigger_backtest(pd.DataFrame({
        "rule": [f"bought {name} -> offer the matching accessory" for name in NAMES[:12]], "hit_rate": rate["rate"][:12],
        "ci_low": rate["ci_low"][:12], "ci_high": rate["ci_high"][:12], "baseline_rate": rate["rate"][:12] / 2,
        "baseline_ci_low": rate["ci_low"][:12] / 2, "baseline_ci_high": rate["ci_high"][:12] / 2}))
    yield "delay_profile", lambda: channels.plot_delay_profile(pd.DataFrame({
        "window_days": 30, "delay_days": np.arange(0, 60, 5), "caught": np.linspace(0.5, 0.1, 12),
        "already_bought": np.linspace(0, 0.4, 12)}))
    uplifts = pd.DataFrame({"experiment_id": [f"EXP-{i:02d}" for i in range(12)], "variant": NAMES[:12],
                            "uplift": RNG.uniform(-0.02, 0.05, 12)}).assign(ci_low=lambda t: t["uplift"] - 0.02,
                                                                             ci_high=lambda t: t["uplift"] + 0.02)
    yield "uplift", lambda: experiments.plot_uplift(uplifts, title="Uplift of every offer")
    yield "segment_effects", lambda: experiments.plot_segment_effects(uplifts.assign(segment=NAMES[12:24]))
    yield "power_curve", lambda: experiments.plot_power_curve(pd.DataFrame(
        {"customers_control": np.arange(100, 5000, 100), "power": np.linspace(0.05, 0.99, 49)}), highlight=1200, title="Power")
    yield "peeking", lambda: experiments.plot_peeking(pd.DataFrame({"customers_per_arm": np.arange(100, 2100, 100),
        "false_positive_rate_peeking": np.linspace(0.05, 0.3, 20), "significant_at_this_look": 0.05}), title="Peeking")
    yield "holdout", lambda: clv.plot_holdout_by_frequency(pd.DataFrame(
        {"label": [str(i) for i in range(10)] + ["10+"], "actual": RNG.uniform(0, 5, 11), "expected": RNG.uniform(0, 5, 11)}))
    days = pd.date_range("2023-01-01", periods=100, freq="W")
    yield "cumulative", lambda: clv.plot_cumulative_purchases(pd.DataFrame({"date": days, "actual": np.arange(100) * 3.0,
        "expected": np.arange(100) * 3.1, "period_type": ["calibration"] * 70 + ["holdout"] * 30}))
    yield "cohorts", lambda: clv.plot_cohort_retention(pd.DataFrame(
        [(c, a, 0.5 / (a + 1)) for c in pd.date_range("2023-01-01", periods=12, freq="MS") for a in range(12)],
        columns=["cohort", "age", "retention"]))
    yield "whale", lambda: clv.plot_profit_concentration(pd.Series(RNG.lognormal(3, 1, 500)))
    stages = ["awareness", "consideration", "purchase", "retention", "loyalty", "advocacy"]
    yield "funnel", lambda: lifecycle.plot_funnel(pd.DataFrame(
        {"stage": stages, "customers": [100000, 52000, 31000, 12000, 5000, 900], "conversion_rate": [1, .52, .6, .39, .42, .18]}))
    yield "stage_distribution", lambda: lifecycle.plot_stage_distribution(pd.DataFrame(
        [(g, s, 1 / 6) for g in NAMES[:10] for s in stages], columns=["segment", "stage", "share"]), "segment")
    yield "transitions", lambda: lifecycle.plot_transition_heatmap(pd.DataFrame(
        RNG.dirichlet(np.ones(6), 6), index=stages, columns=stages))
    curves = pd.DataFrame([(g, t, np.exp(-t / 90)) for g in NAMES[:6] for t in range(1, 365, 7)], columns=["group", "time", "survival"])
    yield "survival", lambda: lifecycle.plot_survival_curves(
        curves.assign(ci_low=curves["survival"] - 0.05, ci_high=curves["survival"] + 0.05), by="group", mark_days=60)
    weekly = pd.DataFrame({"product_id": "LAPTOP", "price": RNG.uniform(800, 1200, 100), "units": RNG.integers(5, 90, 100),
                           "on_promotion": RNG.uniform(size=100) < 0.2})
    yield "price_units", lambda: pricing.plot_price_units_scatter(weekly, "LAPTOP", elasticity=-1.4)
    products = NAMES[:10]
    elasticity = pd.DataFrame([(a, b, RNG.uniform(-2, 1)) for a in products for b in products], columns=["product", "price_of", "estimate"])
    elasticity = elasticity.assign(ci_low=elasticity["estimate"] - 0.3, ci_high=elasticity["estimate"] + 0.3,
                                   kind=np.where(elasticity["product"] == elasticity["price_of"], "own", "cross"),
                                   relationship=lambda t: np.where(t["kind"] == "own", "own", np.where(t["estimate"] < 0, "complement", "substitute")))
    yield "elasticities", lambda: pricing.plot_elasticities(elasticity)
    yield "cross_elasticity", lambda: pricing.plot_cross_elasticity_matrix(elasticity)
    yield "price_response", lambda: pricing.plot_price_response(pd.DataFrame(
        [(p, c, 1000 * c * (i - 3)) for i, p in enumerate([*products[:6], "total"]) for c in np.linspace(-0.2, 0.2, 9)],
        columns=["product", "price_change", "margin_change"]))
    yield "bundles", lambda: pricing.plot_bundle_strategies(pd.DataFrame(
        {"strategy": ["pure_components", "pure_bundling", "mixed_bundling", "bundle_with_discount_of_ten_percent"],
         "revenue": [100000, 120000, 130000, 125000], "margin": [30000, 35000, 40000, 33000]}))
    gains = pd.DataFrame({"decile": range(1, 11), "cumulative_customers": np.linspace(0.1, 1, 10),
                          "cumulative_buyers": np.sqrt(np.linspace(0.1, 1, 10)), "lift": np.linspace(3, 0.2, 10)})
    yield "gains", lambda: propensity.plot_gains({"logistic regression": gains, "gradient boosting": gains})
    yield "lift", lambda: propensity.plot_lift(gains)
    yield "calibration", lambda: propensity.plot_calibration(pd.DataFrame({"mean_predicted": np.linspace(0.05, 0.6, 10),
        "observed_rate": np.linspace(0.04, 0.62, 10), "ci_low": np.linspace(0.02, 0.55, 10), "ci_high": np.linspace(0.07, 0.68, 10)}))
    odds = RNG.uniform(0.3, 5, 20)
    yield "odds_ratios", lambda: propensity.plot_odds_ratios(pd.DataFrame({"estimate": np.log(odds), "odds_ratio": odds,
        "odds_ratio_low": odds / 1.5, "odds_ratio_high": odds * 1.5, "meaning": [f"owns {name}" for name in NAMES[:20]]},
        index=[f"owns_{i}" for i in range(20)]))
    yield "guardrails", lambda: propensity.plot_guardrail_funnel(pd.DataFrame({
        "rule": ["all_offers", "already_owns_the_item", "contacted_in_the_last_30_days", "no_marketing_consent", "returned_a_product"],
        "remaining": [250000, 180000, 120000, 90000, 85000], "removed": [0, 70000, 60000, 30000, 5000]}))
    whitespace = pd.DataFrame([(g, i, RNG.uniform(0, 900)) for g in NAMES[:8] for i in NAMES[8:28]],
                              columns=["segment", "item", "expected_value_per_customer"])
    yield "whitespace_heatmap", lambda: targeting.plot_whitespace_heatmap(whitespace, index="segment", title="Whitespace")
    yield "top_whitespace", lambda: targeting.plot_top_whitespace(pd.DataFrame({"main_item": NAMES, "item": NAMES[::-1],
        "customers_without_it": RNG.integers(100, 5000, n), "probability": RNG.uniform(size=n),
        "expected_value": np.sort(RNG.uniform(1000, 90000, n))[::-1]}), title="Top whitespace")
    yield "profile_lift", lambda: targeting.plot_profile_lift(pd.DataFrame({"feature": ["first_category"] * 15 + ["tenure_days"] * 15,
        "value": NAMES, "customers": RNG.integers(50, 2000, n), "lift": RNG.uniform(0.6, 1.4, n)}), title="Profile")
    yield "lookalikes", lambda: targeting.plot_lookalike_scores(pd.DataFrame({"neighbours": 25, "score": RNG.uniform(size=500)}),
                                                                base_rate=0.2, title="Lookalikes")
    catalogue = pd.DataFrame({"category": [name for name in NAMES[:20] for _ in range(3)],
                              "tier": ["basic", "standard", "premium"] * 20, "price": RNG.uniform(10, 2000, 60),
                              "unit_cost": RNG.uniform(5, 9, 60)})
    yield "price_ladder", lambda: tour.plot_price_ladder(catalogue)
    yield "margin_by_category", lambda: tour.plot_margin_by_category(catalogue)
    orders = pd.DataFrame({"order_date": pd.to_datetime("2023-01-01") + pd.to_timedelta(RNG.integers(0, 1000, 3000), unit="D"),
                           "channel": RNG.choice(["web", "store", "phone", "marketplace partner"], 3000)})
    yield "orders_by_month", lambda: tour.plot_orders_by_month(orders)
    yield "count_by", lambda: tour.plot_count_by(pd.DataFrame({"region": RNG.choice(NAMES, 3000)}), "region", top=15)
    yield "value_by_breadth", lambda: tour.plot_value_by_breadth(pd.DataFrame(
        {"breadth": pd.Categorical(RNG.choice(["1", "2", "3", "4", "5+"], 500)), "revenue": RNG.uniform(10, 900, 500)}))

    grid = pd.DataFrame([(role, name, role != "IT", i < 12, role != "IT" and i < 12)
                         for role in ("buyer", "user", "finance", "IT") for i, name in enumerate(NAMES[:15])],
                        columns=["role", "solution", "reached", "held", "intersection"])
    yield "account_map", lambda: accounts.plot_account_map(grid, next_step=("east", NAMES[12]), title="Account map")
    uplift = RNG.uniform(-0.05, 0.2, 12)
    tactics = pd.DataFrame({"stage": np.repeat(["first_time_buyer", "repeat_buyer", "lapsed"], 4), "experiment_id": NAMES[:12],
                            "variant": "email_offer", "channel": "email", "uplift": uplift, "uplift_ci_low": uplift - 0.06,
                            "uplift_ci_high": uplift + 0.06})
    yield "tactics_by_stage", lambda: playbook_plots.plot_tactics_by_stage(tactics, title="What each offer added over control, by stage")


CASES = dict(_cases())


@pytest.fixture(autouse=True)
def _lab_theme():
    with plt.rc_context():
        plots.set_theme()
        yield
    plt.close("all")
    pd.reset_option("display.float_format")
    pd.reset_option("display.max_colwidth")


def _texts(figure) -> list[Text]:
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip() and t.get_alpha() != 0]


def _corners(text: Text, renderer) -> np.ndarray:
    """The four corners of the text's (possibly rotated) box, in pixels."""
    box = text.get_window_extent(renderer)
    angle = np.deg2rad(text.get_rotation() % 180)
    if abs(np.sin(angle)) < 1e-6:
        return np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]])
    sizes = [renderer.get_text_width_height_descent(line or " ", text.get_fontproperties(), ismath=False)
             for line in text.get_text().split("\n")]
    width = max(size[0] for size in sizes)
    spacing = text.get_linespacing()
    height = sum(size[1] for size in sizes) * (spacing if isinstance(spacing, float) else 1.2)
    along, across = np.array([np.cos(angle), np.sin(angle)]), np.array([-np.sin(angle), np.cos(angle)])
    centre = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
    return np.array([centre + sx * width / 2 * along + sy * height / 2 * across for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))])


def _overlap(a: np.ndarray, b: np.ndarray, tolerance: float = 1.0) -> bool:
    """Whether two convex boxes overlap by more than ``tolerance`` pixels (separating axis test)."""
    for box in (a, b):
        for i in range(4):
            edge = box[(i + 1) % 4] - box[i]
            axis = np.array([-edge[1], edge[0]]) / np.hypot(*edge)
            pa, pb = a @ axis, b @ axis
            if pa.max() - tolerance <= pb.min() or pb.max() - tolerance <= pa.min():
                return False
    return True


def printed_problems(figure) -> list[str]:
    """Texts that would print under 8 pt in a report, and pairs of texts that overlap."""
    saved = io.BytesIO()
    figure.savefig(saved, format="png", dpi=plots.NOTEBOOK_DPI, bbox_inches="tight")  # as the notebook shows it
    width, height = Image.open(saved).size
    scale = plots.printed_scale(width / plots.NOTEBOOK_DPI, height / plots.NOTEBOOK_DPI)
    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()
    texts = _texts(figure)
    for text in texts:
        if text.get_wrap():  # measured as drawn: wrapped at the figure's edge
            text.set_text(text._get_wrapped_text())
    problems = [f"{t.get_text()!r} prints at {t.get_fontsize() * scale:.1f} pt" for t in texts
                if t.get_fontsize() * scale < plots.MIN_PRINTED_POINTS - 1e-9]
    boxes = [_corners(t, renderer) for t in texts]
    for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
        if _overlap(a, b):
            problems.append(f"{texts[i].get_text()!r} overlaps {texts[j].get_text()!r}")
    return problems


@pytest.mark.parametrize("name", list(CASES))
def test_chart_prints_legibly(name):
    ax = CASES[name]()
    assert printed_problems(ax.figure) == []


def test_the_check_finds_small_and_overlapping_text():
    figure, ax = plt.subplots(figsize=(12, 4))
    ax.text(0.5, 0.5, "small print", fontsize=8)
    ax.text(0.5, 0.5, "on top of it", fontsize=12)
    problems = printed_problems(figure)
    assert "'small print' prints at 4.5 pt" in problems and "'small print' overlaps 'on top of it'" in problems


def test_a_trend_draws_its_interval_band_on_an_axis_that_states_where_it_starts():
    ax = CASES["kpi_trend"]()
    assert len(ax.collections) == 1  # the 95% band (Wilson, from the counts)
    low, _ = ax.get_ylim()
    assert low == pytest.approx(0.45) and ax.get_ylabel().endswith("(axis starts at 45%)")
    assert plots.honest_floor(0.52, 0.56) == pytest.approx(0.5)
    assert plots.honest_floor(0.1, 0.9) == 0.0  # the lowest point below half the highest: from zero
    assert plots.honest_floor(1_210, 1_480) == 1_200


def test_dense_heatmaps_leave_cells_blank_and_dark_cells_get_white_text():
    assert plots.cell_text_colour((0.05, 0.1, 0.3, 1.0)) == "white" and plots.cell_text_colour((0.95, 0.95, 0.9, 1.0)) == "black"
    sparse = kpis.plot_attach_heatmap(pd.DataFrame([(a, b, 0.9) for a in "ABC" for b in "ABC" if a != b],
                                                   columns=["anchor", "attached", "attach_rate"]))
    assert {t.get_color() for t in sparse.texts} == {"white"} and len(sparse.texts) == 6
    assert len(CASES["attach_heatmap"]().texts) == 0  # 20 x 20 names: no room for the values at 8 pt


def test_long_lists_are_cut_to_their_top_rows_and_long_names_shortened():
    ax = CASES["kpi_by_group"]()
    assert len(ax.get_yticklabels()) == plots.MAX_LABELLED_ROWS and ax.get_ylabel() == "group (top 15 of 30)"
    assert plots.shorten("WHITE HANGING HEART T-LIGHT HOLDER NO 3", 20) == "WHITE HANGING…R NO 3"


def test_a_long_title_set_after_the_helper_wraps_instead_of_shrinking_the_chart():
    ax = CASES["lag_histogram"]()
    ax.set_title(f"Days from a customer's first {NAMES[0]} to their first later {NAMES[1]}")
    assert printed_problems(ax.figure) == []


def test_orders_per_month_start_at_zero_or_say_where_the_axis_starts():
    ax = CASES["orders_by_month"]()
    assert ax.get_ylim()[0] == 0 and ax.get_ylabel() == "orders per month"
    months = pd.date_range("2023-01-01", periods=24, freq="MS")
    steady = pd.DataFrame({"order_date": np.repeat(months, np.arange(80, 104))})  # 80 to 103 orders a month
    ax = tour.plot_orders_by_month(steady, by=None)
    assert ax.get_ylim()[0] == 80 and ax.get_ylabel() == "orders per month (axis starts at 80)"


def test_network_names_are_never_clipped_by_the_axes():
    rules = pd.DataFrame({"antecedents": [frozenset([a]) for a in ["MEAT", "DELI", "PASTRY"]],
                          "consequents": [frozenset(["GROCERY"])] * 3, "lift": [1.5, 1.4, 1.3]})
    ax = basket.plot_rule_network(rules)
    assert all(not text.get_clip_on() for text in ax.texts) and {t.get_text() for t in ax.texts} >= {"PASTRY", "GROCERY"}
