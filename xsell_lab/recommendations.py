"""What to do next: recommendations with their money at stake, in words a manager reads.

The executive report (notebook 10) composes the method notebooks' results into
three to six recommendations. The results come from the same package
functions the method notebooks use, read the way those notebooks read them;
this module turns them into actions:

* :func:`pair_opportunities`: strong product pairs (notebook 04's significant
  association rules with lift above 1, ranked by leverage as 04 ranks them)
  and the customers who own the main item but not the add-on ("whitespace"),
  sized by what such customers did next
  (:func:`xsell_lab.targeting.conversion_forecast`: the later conversion, with
  its interval and back-test); :func:`opportunity_total` adds them up counting
  each customer and add-on once;
* :func:`offer_results`: each offer test's best arm against its control
  (conversion and revenue per customer, notebook 08's readout with the arms'
  p-values adjusted by Holm's method, and the segments where the test cannot
  tell), described by the offered product and the channel instead of internal codes
  (:func:`offer_name` names any arm so, its codes once in parentheses);
* :func:`bundle_check`: notebook 06's bundle what-if on its pair, read as a
  verdict (a bundle that loses margin at the planned discount is not recommended);
* :func:`cross_sell_gap_error`: the standard error of the naive gap between
  early cross-sold customers and the others (notebook 07's comparison);
* :func:`recommendations`: the actions, largest money at stake first, then the
  cautions (what not to do).

Helpers of the report's sentences: :func:`whole_periods` keeps a trend to the
periods the data covers (a first or last period cut by the data's edges is
not compared with whole ones); :func:`rate_change` and :func:`change_words`
give the latest change with its interval ("no clear change" when it includes
zero); :func:`cross_sell_state` opens an answer with the cross-sell rate, its caveat and its trend;
:func:`main_item_note` names how notebook 03's narrower list counts the same pair; :func:`stake_note` says what the amounts measure; :func:`more_or_less` says a signed gap in words;
:func:`why_no_recommendation` says which evidence the data lacked.

Figures that add up: :func:`shown_difference` gives a difference from the values
as displayed, so a sentence never shows ``52 - 45`` as a gap of ``8``.
Confidence is said in words (:func:`confidence_words`); the statistics behind the
words are for an appendix. Amounts are written by :func:`money_text`: with a
currency when one is given, else as plain numbers (the report then notes
"amounts in the data's currency").
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import norm

from xsell_lab import kpis, pricing, targeting
from xsell_lab._text import plural
from xsell_lab.data import schema as s
from xsell_lab.data.margins import unit_costs
from xsell_lab.experiments import compare_conversion, compare_revenue, experiment_customers, offer_margin, segment_effects, targeted_share
from xsell_lab.stats.intervals import newcombe_interval

#: Columns of :func:`recommendations`.
RECOMMENDATION_COLUMNS = ["recommendation", "money_at_stake", "confidence_words", "evidence", "kind", "p_value"]
#: Columns of :func:`pair_opportunities`.
OPPORTUNITY_COLUMNS = [
    "main", "add_on", "count", "support", "confidence", "lift", "leverage", "p_adjusted", "customers_without_it", "days",
    "conversion", "conversion_low", "conversion_high", "expected_buyers", "expected_low", "expected_high", "expected_revenue",
    "backtest_holds",
]
#: Columns of :func:`offer_results`.
OFFER_COLUMNS = [
    s.EXPERIMENT_ID, s.VARIANT, "offer", "customers_treatment", "rate_treatment", "rate_control", "uplift_points",
    "p_value", "p_adjusted", "revenue_difference", "last_offer", "proven", "unclear_segments", "targeted_share",
    "margin_difference", "margin_ci_low", "margin_ci_high", "margin_verdict",
]
#: Upper p-value bounds and the words said for them, strictest first (:func:`confidence_words`).
CONFIDENCE_WORDS = [(0.01, "very likely real"), (0.05, "likely real"), (0.2, "possible, not proven"), (1.0, "could be chance")]
#: Significance level under which an offer test counts as proven.
ALPHA = 0.05
#: Share of a period's days the data must cover for :func:`whole_periods` to count it whole.
MIN_COVERAGE = 0.95
#: pandas period codes of the trend periods :func:`whole_periods` knows.
PERIOD_CODES = {"month": "M", "quarter": "Q", "year": "Y"}
#: Columns of :func:`bundle_check`.
BUNDLE_CHECK_COLUMNS = [
    "main_product", "add_on_product", "main", "add_on", "orders", "bundle_discount", "bundle_uptake", "bundle_price", "margin_change",
    "recommended",
]
#: Columns of :func:`rate_change`.
RATE_CHANGE_COLUMNS = ["latest_period", "earlier_period", "latest_rate", "earlier_rate", "estimate", "ci_low", "ci_high"]
#: How a missing figure prints (as in report tables).
MISSING = "–"


def confidence_words(p_value: float | None) -> str:
    """How sure we are, in plain words, from a p-value.

    Parameters
    ----------
    p_value : float or None
        The chance of a result at least this large if there were no effect.

    Returns
    -------
    str
        ``"very likely real"`` (p < 0.01), ``"likely real"`` (p < 0.05),
        ``"possible, not proven"`` (p < 0.2), ``"could be chance"``; ``"not
        tested"`` for None or NaN.

    Examples
    --------
    >>> confidence_words(0.0001), confidence_words(0.03), confidence_words(0.5)
    ('very likely real', 'likely real', 'could be chance')
    """
    if p_value is None or not math.isfinite(p_value):
        return "not tested"
    return next(words for bound, words in CONFIDENCE_WORDS if p_value < bound or bound == 1.0)


def gap_p_value(gap: float, std_error: float) -> float:
    """Two-sided normal p-value of a gap against its standard error (NaN without a positive error)."""
    if not std_error > 0:
        return float("nan")
    return float(2 * norm.sf(abs(gap) / std_error))


def shown_difference(first: float, second: float, decimals: int = 0) -> tuple[float, float, float]:
    """Two values as displayed and their difference computed from the displayed values.

    A sentence that shows ``52`` and ``45`` then shows a gap of ``7``, never the
    ``8`` the unrounded values give.

    Parameters
    ----------
    first, second : float
        The two values.
    decimals : int
        Decimals they are displayed with.

    Returns
    -------
    tuple of float
        ``(first_shown, second_shown, first_shown - second_shown)``, each rounded to ``decimals``.

    Examples
    --------
    >>> shown_difference(52.4, 44.6)
    (52.0, 45.0, 7.0)
    """
    first_shown, second_shown = round(first, decimals), round(second, decimals)
    return first_shown, second_shown, round(first_shown - second_shown, decimals)


def money_text(amount: float | None, currency: str = "", decimals: int = 0) -> str:
    """An amount with separators (whole by default), followed by the currency when one is given.

    Examples
    --------
    >>> money_text(18287.6, "EUR"), money_text(18287.6), money_text(None), money_text(4.974, decimals=2)
    ('18,288 EUR', '18,288', '–', '4.97')
    """
    if amount is None or not math.isfinite(amount):
        return MISSING
    return f"{amount:,.{decimals}f} {currency}".strip()


def whole_periods(
    trend: pd.DataFrame, period: str, first_day: str | pd.Timestamp, last_day: str | pd.Timestamp,
    *, min_coverage: float = MIN_COVERAGE,
) -> pd.DataFrame:
    """Flag the periods of a trend that the data covers, so that partial ones are not compared.

    A data set that starts on 1 December and ends on 9 December of the next
    year has a first quarter of one month and a last one of ten weeks; their
    rates are not comparable with whole quarters. A period counts as whole
    when the days from ``first_day`` to ``last_day`` cover at least
    ``min_coverage`` of its days (a quarter missing a day or two at the data's
    edge still counts).

    Parameters
    ----------
    trend : pandas.DataFrame
        :func:`xsell_lab.kpis.kpi_trend`: a column named ``period`` holding each
        period's first day.
    period : {"month", "quarter", "year"}
        The trend's period.
    first_day, last_day : str or Timestamp
        The first and last day of the data (or of the selection), inclusive.
    min_coverage : float
        Share of a period's days that must be covered.

    Returns
    -------
    pandas.DataFrame
        ``trend`` plus ``period_end`` (its last day), ``covered_from`` and
        ``covered_to`` (the days the data covers) and ``whole`` (boolean).

    Examples
    --------
    >>> trend = pd.DataFrame({"quarter": pd.to_datetime(["2010-10-01", "2011-01-01", "2011-10-01"])})
    >>> whole_periods(trend, "quarter", "2010-12-01", "2011-12-09")["whole"].tolist()
    [False, True, False]
    """
    if period not in PERIOD_CODES:
        raise ValueError(f"period must be one of {', '.join(PERIOD_CODES)}. Got {period!r}.")
    first, last = pd.Timestamp(first_day).normalize(), pd.Timestamp(last_day).normalize()
    starts = pd.to_datetime(trend[period])
    ends = starts.map(lambda start: pd.Period(start, freq=PERIOD_CODES[period]).end_time.normalize())
    covered_from, covered_to = starts.clip(lower=first), ends.clip(upper=last)
    covered = ((covered_to - covered_from).dt.days + 1).clip(lower=0)
    length = (ends - starts).dt.days + 1
    return trend.assign(period_end=ends, covered_from=covered_from, covered_to=covered_to,
                        whole=(covered / length >= min_coverage).to_numpy())


def more_or_less(amount: float, currency: str = "", decimals: int = 0) -> str:
    """A signed gap in words: ``"12 more"``, ``"12 less"`` or ``"no more and no less"``.

    Examples
    --------
    >>> more_or_less(11.6), more_or_less(-12.4, "EUR"), more_or_less(0.2)
    ('12 more', '12 EUR less', 'no more and no less')
    """
    shown = round(amount, decimals)
    if shown == 0:
        return "no more and no less"
    return f"{money_text(abs(shown), currency, decimals)} {'more' if shown > 0 else 'less'}"


def why_no_recommendation(
    opportunities: pd.DataFrame | None, offer_tests: pd.DataFrame | None, clv_gap: pd.DataFrame | None,
) -> str:
    """One sentence saying why the results support no recommendation, true of what the data had.

    Parameters
    ----------
    opportunities, offer_tests, clv_gap : pandas.DataFrame or None
        The inputs of :func:`recommendations` (None or empty when the data had none).

    Returns
    -------
    str
        The sentence, naming for each kind of evidence what was missing or
        why it led to no action.
    """
    reasons = []
    if opportunities is None or opportunities.empty:
        reasons.append("no strong product pairs")
    if offer_tests is None or offer_tests.empty:
        reasons.append("no offer tests")
    if clv_gap is None or clv_gap.empty:
        reasons.append("too few customers to compare early cross-selling")
    else:
        matched = clv_gap.set_index("comparison").loc["matched"]
        if shown_difference(matched["treated_mean"], matched["control_mean"])[2] <= 0:
            reasons.append("customers cross-sold early brought no more later than similar customers who were not")
    listed = ", ".join(reasons[:-1]) + (" and " if len(reasons) > 1 else "") + reasons[-1] if reasons else "no result with an amount at stake"
    return f"The results of this selection support no recommendation with an amount at stake: {listed}."


def stake_note(advice: pd.DataFrame, money: str = "revenue", *, offers_in_margin: bool = False) -> str:
    """What the amounts at stake of :func:`recommendations` measure, in words: revenue, except the kinds measured in margin.

    Early cross-selling is measured in ``money`` (margin when the data has costs); a bundle always in margin; an
    offer in margin when :func:`offer_results` had its margins (``offers_in_margin``).

    Examples
    --------
    >>> stake_note(pd.DataFrame({"kind": ["whitespace", "early", "bundle"]}), "margin")
    'revenue, except for early cross-selling and bundles (margin)'
    >>> stake_note(pd.DataFrame({"kind": ["whitespace", "offer", "bundle"]}), offers_in_margin=True)
    'revenue, except for offers and bundles (margin)'
    """
    kinds = set(advice["kind"]) if len(advice) else set()
    in_margin = [words for kind, words, measured in (("offer", "offers", offers_in_margin), ("early", "early cross-selling", money == "margin"),
                                                      ("bundle", "bundles", True))
                 if kind in kinds and measured]
    if in_margin and len(in_margin) == len(kinds):
        return "margin"
    listed = " and ".join(in_margin) if len(in_margin) < 3 else f"{', '.join(in_margin[:-1])} and {in_margin[-1]}"
    return "revenue" + (f", except for {listed} (margin)" if in_margin else "")


def amounts_note(currency: str = "") -> str:
    """The sentence stating the unit of the amounts: the currency, or the data's own."""
    return f"Amounts in {currency}." if currency else "Amounts in the data's currency."


def pair_opportunities(
    lines: pd.DataFrame,
    rules: pd.DataFrame,
    *,
    item_column: str = s.CATEGORY,
    n: int = 5,
    labels: Mapping[str, str] | None = None,
    by: str = "leverage",
    as_of: str | pd.Timestamp | None = None,
    days: int = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The pairs notebook 04 ranks first, read from main item to add-on, and what their whitespace will buy.

    The pairs are those notebook 04 keeps (significant after
    :func:`xsell_lab.basket.add_significance`, lift above 1), each pair of
    items once, read from its main item (the one with the larger average line
    revenue) to its add-on, and ranked as 04 ranks bundle candidates: by
    ``leverage``, the extra share of orders that hold both compared with
    independence (Piatetsky-Shapiro 1991), not by lift, which favours rare pairs.

    Their whitespace is the customers who own the main item but not the add-on
    on ``as_of``. How many will buy is what customers in the same situation did:
    :func:`xsell_lab.targeting.conversion_forecast` (of the customers who had the
    main item and not the add-on ``days`` before ``as_of``, the share who bought
    it within those days, with a Wilson interval; back-tested on the window
    before). ``expected_revenue`` prices the expected buyers at the add-on's
    average line revenue. It is what customers did unprompted, not what an
    offer adds: only a controlled test measures that.

    Parameters
    ----------
    lines : pandas.DataFrame
        Kept lines (:func:`xsell_lab.kept_lines`) with ``item_column``.
    rules : pandas.DataFrame
        :func:`xsell_lab.basket.association_rules` of pairs with
        :func:`xsell_lab.basket.add_significance` (``significant``, ``p_adjusted``).
    item_column : str
        The items' column (``category`` or ``product_id``).
    n : int
        How many pairs.
    labels : mapping, optional
        Item -> label (:func:`xsell_lab.catalogue.item_labels`) for ``main`` and ``add_on``; items by key otherwise.
    by : {"leverage", "expected_revenue"}
        Which pairs: the ``n`` with the largest leverage (notebook 04's
        ranking), or the ``n`` largest opportunities (expected revenue),
        leaving out pairs without customers left to buy the add-on or
        whose later conversion cannot be measured.
    as_of : str or Timestamp, optional
        The day the whitespace is counted (inclusive); default the last order day.
    days : int
        The window of the later conversion; 0: :func:`xsell_lab.targeting.conversion_days`.
    confidence : float
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        :data:`OPPORTUNITY_COLUMNS`, one row per pair, largest ``leverage``
        first (``by="leverage"``) or largest ``expected_revenue`` first;
        ``conversion`` with ``conversion_low``/``conversion_high`` is the later
        conversion, ``expected_low``/``expected_high`` the expected buyers'
        interval; ``main_item`` and ``add_on_item`` hold the keys. Empty when no pair qualifies.

    References
    ----------
    Piatetsky-Shapiro, G. (1991). Discovery, analysis, and presentation of strong rules.
    In *Knowledge Discovery in Databases*, 229-248. AAAI/MIT Press.
    """
    columns = [*OPPORTUNITY_COLUMNS, "main_item", "add_on_item"]
    if by not in ("leverage", "expected_revenue"):
        raise ValueError(f"by must be 'leverage' or 'expected_revenue'. Got {by!r}.")
    if rules.empty:
        return pd.DataFrame(columns=columns)
    price = lines.groupby(item_column)[s.REVENUE].mean()
    first = rules["antecedents"].map(lambda items: next(iter(items)))
    second = rules["consequents"].map(lambda items: next(iter(items)))
    main_first = first.map(price).to_numpy() >= second.map(price).to_numpy()
    kept = rules["significant"].to_numpy() & (rules["lift"] > 1).to_numpy() & main_first
    chosen = rules.assign(main_item=first, add_on_item=second)[kept]
    chosen = chosen.sort_values(["leverage", "main_item", "add_on_item"], ascending=[False, True, True]).head(n if by == "leverage" else None)
    if chosen.empty:
        return pd.DataFrame(columns=columns)
    level = next(name for name, column in s.ITEM_LEVELS.items() if column == item_column)
    window = targeting.conversion_days(lines, days)
    forecast = targeting.conversion_forecast(
        lines, pd.DataFrame({"main_item": chosen["main_item"].to_numpy(), "item": chosen["add_on_item"].to_numpy()}),
        as_of=lines[s.ORDER_DATE].max() if as_of is None else as_of, days=window, level=level, confidence=confidence,
    )
    label = (lambda item: labels.get(item, item)) if labels is not None else (lambda item: item)
    table = chosen.reset_index(drop=True).assign(
        main=lambda r: r["main_item"].map(label), add_on=lambda r: r["add_on_item"].map(label),
        customers_without_it=forecast["customers_without_it"].to_numpy(), conversion=forecast["estimate"].to_numpy(),
        conversion_low=forecast["ci_low"].to_numpy(), conversion_high=forecast["ci_high"].to_numpy(),
        expected_buyers=forecast["expected_buyers"].to_numpy(), expected_low=forecast["expected_low"].to_numpy(),
        expected_high=forecast["expected_high"].to_numpy(), backtest_holds=forecast["backtest_holds"].to_numpy(), days=window,
    )
    table["expected_revenue"] = table["expected_buyers"] * table["add_on_item"].map(price)
    if by == "expected_revenue":
        measured = table["conversion"].notna()  # some customers lacked the add-on a window ago: the rate is measured
        table = table[(table["customers_without_it"] > 0) & measured].sort_values("expected_revenue", ascending=False, kind="stable")
    return table[columns].head(n).reset_index(drop=True)


def opportunity_total(lines: pd.DataFrame, opportunities: pd.DataFrame, *, item_column: str = s.CATEGORY) -> dict[str, float]:
    """All opportunities together, each customer and add-on counted once.

    A customer who owns two main items of the same add-on (ink and printer,
    both leading to paper) is one buyer of that add-on, not two: per customer
    and add-on the largest later conversion of the main items they own counts
    (with the interval of that pair).

    Parameters
    ----------
    lines : pandas.DataFrame
        The lines :func:`pair_opportunities` was given.
    opportunities : pandas.DataFrame
        :func:`pair_opportunities`' result.
    item_column : str
        The items' column.

    Returns
    -------
    dict
        ``customers`` (distinct customers with at least one opportunity),
        ``offers`` (distinct customer and add-on pairs), ``expected_buyers``
        with ``expected_low`` and ``expected_high``, and ``expected_revenue``;
        zeros without opportunities.
    """
    if opportunities.empty:
        return {"customers": 0, "offers": 0, "expected_buyers": 0.0, "expected_low": 0.0, "expected_high": 0.0, "expected_revenue": 0.0}
    price = lines.groupby(item_column)[s.REVENUE].mean()
    owned = lines.groupby(s.CUSTOMER_ID)[item_column].agg(set)
    rows = []
    for pair in opportunities.itertuples(index=False):
        targets = owned.index[owned.map(lambda bought: pair.main_item in bought and pair.add_on_item not in bought).to_numpy()]
        rows.append(pd.DataFrame({s.CUSTOMER_ID: targets, "add_on": pair.add_on_item, "rate": pair.conversion,
                                  "low": pair.conversion_low, "high": pair.conversion_high}))
    targets = pd.concat(rows).fillna({"rate": 0.0, "low": 0.0, "high": 0.0}).sort_values("rate", ascending=False, kind="stable")
    targets = targets.drop_duplicates([s.CUSTOMER_ID, "add_on"])
    return {
        "customers": int(targets[s.CUSTOMER_ID].nunique()),
        "offers": len(targets),
        "expected_buyers": float(targets["rate"].sum()),
        "expected_low": float(targets["low"].sum()),
        "expected_high": float(targets["high"].sum()),
        "expected_revenue": float((targets["rate"] * targets["add_on"].map(price)).sum()),
    }


def offer_results(
    offers: pd.DataFrame | None,
    *,
    control: str = "control",
    labels: Mapping[str, str] | None = None,
    customers: pd.DataFrame | None = None,
    correction: str = "holm",
    profit: pd.DataFrame | None = None,
    lines: pd.DataFrame | None = None,
    products: pd.DataFrame | None = None,
    contact_cost: float = 0.0,
    seed: int = 0,
    assumed_margin_rate: float = 0.0,
) -> pd.DataFrame:
    """Each offer test's best arm against its control, read as notebook 08 reads it, described in words.

    The best arm has the highest conversion; its uplift and p-values come from
    :func:`xsell_lab.experiments.compare_conversion` with the p-values of a
    test's arms adjusted together (Holm 1979 by default, notebook 08's
    ``correction``: picking the best of several arms is a multiple
    comparison), its extra revenue per customer from
    :func:`xsell_lab.experiments.compare_revenue` when the offers table has
    ``revenue``. With ``customers`` that have segments, the segments where the
    arm's uplift interval includes zero (:func:`xsell_lab.experiments.segment_effects`,
    adjusted the same way) are the caveat of a rollout. The offer is named by
    the product offered and the arm's channel when the table has them
    ("warranty by email"), else by the arm.

    Parameters
    ----------
    offers : pandas.DataFrame or None
        The canonical offers table.
    control : str
        Name of the control arm.
    labels : mapping, optional
        Product id -> label (:func:`xsell_lab.catalogue.item_labels` at product level).
    customers : pandas.DataFrame, optional
        The customers table; its ``segment`` column gives the segment caveats.
    correction : str
        Multiple-arm correction of :func:`xsell_lab.experiments.compare_conversion`.
    profit : pandas.DataFrame, optional
        :func:`xsell_lab.experiments.campaign_profit` of the same offers: each
        arm's margin added per customer offered, after the discount, the
        contact cost and the returns, with its interval and verdict. Without
        it the margin columns are empty and an offer is judged on revenue.
    lines, products : pandas.DataFrame, optional
        Kept order lines and the products table: with ``customers``, each best arm is read as
        notebook 12 reads a test (:func:`xsell_lab.experiments.targeted_share`), so a rollout
        goes only to the customers an uplift model finds it persuades when the model can tell.
    contact_cost : float, default 0.0
        Cost of one contact, counted in that reading.
    seed : int, default 0
        Seed of that reading's split and bootstrap.
    assumed_margin_rate : float, default 0.0
        Margin share of the list price for offered products without a unit cost in that reading
        (:func:`xsell_lab.experiments.offer_margin`); 0 assumes none.

    Returns
    -------
    pandas.DataFrame
        :data:`OFFER_COLUMNS`, the most recent test first; ``margin_difference``,
        ``margin_ci_low``, ``margin_ci_high`` and ``margin_verdict`` are the best
        arm's row of ``profit`` (``estimate``, ``ci_low``, ``ci_high``, ``verdict``); ``uplift_points``
        is the difference of the two rates as displayed with two decimals
        (:func:`shown_difference`); ``p_value`` is the arm's own,
        ``p_adjusted`` the corrected one and ``proven`` = ``p_adjusted < ALPHA``;
        ``unclear_segments`` names the segments (", "-joined; "" for none)
        where the interval includes zero; ``targeted_share`` is the share of the test's
        customers worth the offer by :func:`~xsell_lab.experiments.targeted_share` (NaN when it
        cannot tell, or without ``lines`` and ``products``). Empty when no test has a control and an offer arm.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    *Scandinavian Journal of Statistics* 6(2), 65-70.
    """
    if offers is None or offers.empty:
        return pd.DataFrame(columns=OFFER_COLUMNS)
    arms = offers.groupby(s.EXPERIMENT_ID)[s.VARIANT]
    testable = offers[arms.transform(lambda v: (v == control).any() and (v != control).any()).astype(bool)]
    if testable.empty:
        return pd.DataFrame(columns=OFFER_COLUMNS)
    compared = compare_conversion(testable, control=control, correction=correction)
    best = compared.loc[compared.groupby(s.EXPERIMENT_ID)["rate_treatment"].idxmax()].reset_index(drop=True)
    if s.REVENUE in testable:
        revenue = compare_revenue(testable, control=control, correction="none", n_bootstrap=0)
        best = best.merge(revenue[[s.EXPERIMENT_ID, s.VARIANT, "difference"]], on=[s.EXPERIMENT_ID, s.VARIANT], how="left")
    else:
        best = best.assign(difference=np.nan)
    names = []
    for row in best.itertuples(index=False):
        arm = testable[(testable[s.EXPERIMENT_ID] == row.experiment_id) & (testable[s.VARIANT] == row.variant)]
        names.append(_offer_name(arm, row.variant, labels))
    shown = [shown_difference(100 * t, 100 * c, 2) for t, c in zip(best["rate_treatment"], best["rate_control"])]
    last_offer = testable.groupby(s.EXPERIMENT_ID)[s.OFFER_DATE].max() if s.OFFER_DATE in testable else None
    table = pd.DataFrame({
        s.EXPERIMENT_ID: best[s.EXPERIMENT_ID], s.VARIANT: best[s.VARIANT], "offer": names,
        "customers_treatment": best["customers_treatment"], "rate_treatment": best["rate_treatment"],
        "rate_control": best["rate_control"], "uplift_points": [gap for _, _, gap in shown], "p_value": best["p_value"],
        "p_adjusted": best["p_adjusted"], "revenue_difference": best["difference"],
        "last_offer": best[s.EXPERIMENT_ID].map(last_offer) if last_offer is not None else pd.NaT,
        "unclear_segments": _unclear_segments(testable, customers, best, control, correction),
        "targeted_share": _targeted_shares(testable, customers, lines, products, best, control, contact_cost, seed,
                                           assumed_margin_rate),
    })
    table["proven"] = table["p_adjusted"] < ALPHA
    table = _with_margins(table, profit)
    return table.sort_values(["last_offer", s.EXPERIMENT_ID], ascending=[False, True]).reset_index(drop=True)[OFFER_COLUMNS]


def _targeted_shares(offers, customers, lines, products, best, control: str, contact_cost: float, seed: int,
                     assumed_margin_rate: float) -> list[float]:
    """Per best arm, :func:`~xsell_lab.experiments.targeted_share` of its test (NaN where the margin is unknown)."""
    if customers is None or lines is None or products is None or lines.empty or s.PRODUCT_ID not in offers:
        return [float("nan")] * len(best)
    shares = []
    for row in best.itertuples(index=False):
        money = offer_margin(offers, products, experiment=row.experiment_id, arm=row.variant, control=control,
                             assumed_margin_rate=assumed_margin_rate)
        if not np.isfinite(money["margin"]):
            shares.append(float("nan"))
            continue
        test = experiment_customers(offers, customers, lines, experiment=row.experiment_id, arms=[control, row.variant])
        shares.append(targeted_share(test, arm=row.variant, margin=money["margin"], discount=money["discount"],
                                     contact_cost=contact_cost, control=control, seed=seed))
    return shares


def _with_margins(table: pd.DataFrame, profit: pd.DataFrame | None) -> pd.DataFrame:
    """The best arms with their margin added per customer offered (campaign_profit's columns renamed; NaN without it)."""
    names = {"estimate": "margin_difference", "ci_low": "margin_ci_low", "ci_high": "margin_ci_high", "verdict": "margin_verdict"}
    if profit is None or profit.empty:
        return table.assign(**{column: np.nan for column in names.values()})
    margins = profit[[s.EXPERIMENT_ID, s.VARIANT, *names]].rename(columns=names)
    return table.merge(margins, on=[s.EXPERIMENT_ID, s.VARIANT], how="left", validate="one_to_one")


def _unclear_segments(
    offers: pd.DataFrame, customers: pd.DataFrame | None, best: pd.DataFrame, control: str, correction: str
) -> list[str]:
    """Per best arm, the segments where its uplift interval includes zero, ", "-joined ("" without segments).

    A segment in which the arm has no control customers to compare with (a small selection) cannot tell either,
    so it is named too, and only the comparable segments are tested.
    """
    if customers is None or s.SEGMENT not in customers or customers[s.SEGMENT].isna().all():
        return [""] * len(best)
    segment_of = offers[s.CUSTOMER_ID].map(customers.drop_duplicates(s.CUSTOMER_ID).set_index(s.CUSTOMER_ID)[s.SEGMENT])
    has_control = offers[s.VARIANT].eq(control).groupby([offers[s.EXPERIMENT_ID], segment_of]).transform("any")
    untestable = offers[~has_control & segment_of.notna()][[s.EXPERIMENT_ID, s.VARIANT]].assign(**{s.SEGMENT: segment_of})
    comparable = offers[has_control | segment_of.isna()]
    effects = segment_effects(comparable, customers, control=control, correction=correction) if len(comparable) else pd.DataFrame(
        columns=[s.EXPERIMENT_ID, s.VARIANT, s.SEGMENT, "ci_low", "ci_high"])
    unclear = pd.concat([effects[(effects["ci_low"] <= 0) & (effects["ci_high"] >= 0)][[s.EXPERIMENT_ID, s.VARIANT, s.SEGMENT]],
                         untestable.drop_duplicates()], ignore_index=True)
    names = unclear.groupby([s.EXPERIMENT_ID, s.VARIANT])[s.SEGMENT].agg(lambda v: ", ".join(sorted(set(map(str, v)))))
    return [names.get((experiment, variant), "") for experiment, variant in zip(best[s.EXPERIMENT_ID], best[s.VARIANT])]


def offer_name(offers: pd.DataFrame, experiment_id: str, variant: str, labels: Mapping[str, str] | None = None) -> str:
    """One offer arm in words for a manager, its codes once in parentheses for the analyst.

    Examples
    --------
    >>> offers = pd.DataFrame({"experiment_id": ["EXP-W"], "variant": ["email_offer"], "product_id": ["WAR-LAP"],
    ...                        "channel": ["email"]})
    >>> offer_name(offers, "EXP-W", "email_offer", {"WAR-LAP": "Laptop Warranty"})
    'the Laptop Warranty offer by email (EXP-W, arm email_offer)'
    """
    arm = offers[(offers[s.EXPERIMENT_ID] == experiment_id) & (offers[s.VARIANT] == variant)]
    return f"{_offer_name(arm, variant, labels)} ({experiment_id}, arm {variant})"


def _offer_name(arm: pd.DataFrame, variant: str, labels: Mapping[str, str] | None) -> str:
    """"the LABEL offer by CHANNEL" from the arm's single product and channel; the arm's words otherwise."""
    products = arm[s.PRODUCT_ID].dropna().unique() if s.PRODUCT_ID in arm else []
    channels = arm[s.CHANNEL].dropna().unique() if s.CHANNEL in arm else []
    what = f"the {(labels or {}).get(products[0], products[0])} offer" if len(products) == 1 else f"the offer '{variant.replace('_', ' ')}'"
    by = f" by {channels[0]}" if len(channels) == 1 and str(channels[0]) not in ("none", "") else ""
    return f"{what}{by}".replace("_", " ")


def cross_sell_gap_error(followed: pd.DataFrame, *, treatment: str = "cross_sold", outcome: str = "outcome_margin") -> float:
    """Standard error of the naive gap in ``outcome`` between treated and other customers.

    ``sqrt(var_t / n_t + var_c / n_c)`` over the rows of
    :func:`xsell_lab.clv.cross_sell_followup`; NaN with fewer than two customers in a group.
    """
    spread = followed.groupby(treatment)[outcome].agg(["var", "count"])
    if len(spread) < 2 or (spread["count"] < 2).any():
        return float("nan")
    return float((spread["var"] / spread["count"]).sum() ** 0.5)


def recommendations(
    *,
    opportunities: pd.DataFrame | None = None,
    opportunity_sum: Mapping[str, float] | None = None,
    offer_tests: pd.DataFrame | None = None,
    clv_gap: pd.DataFrame | None = None,
    gap_error: float = float("nan"),
    bundle: pd.DataFrame | None = None,
    items: str = "categories",
    money: str = "revenue",
    currency: str = "",
    n: int = 5,
) -> pd.DataFrame:
    """The actions that follow from the results, largest money at stake first, then what not to do.

    One recommendation per kind of evidence the data has:

    ``whitespace``
        Offer each strong pair's add-on to the owners of its main item who lack
        it (:func:`pair_opportunities`); money at stake: all opportunities
        together at their later conversion, each customer and add-on once
        (:func:`opportunity_total`); confidence: the named pair's significance.
    ``offer``
        One per tested offer (:func:`offer_results`): roll it out when proven
        and its margin interval is not below zero, keep testing when not
        proven, do not roll out one that loses margin; money at stake: the
        margin it adds per customer offered after the discount, the contact
        cost and the returns (:func:`xsell_lab.experiments.campaign_profit`;
        the extra revenue when the margin is unknown) times as many customers
        as the test offered it to.
    ``early``
        Cross-sell in a customer's first days
        (:func:`xsell_lab.clv.matched_comparison`); money at stake: the matched
        gap per customer times the customers who were not cross-sold early;
        confidence: the naive gap against ``gap_error``, said as an association.
    ``bundle``
        Sell notebook 06's pair as a discounted bundle only when its what-if
        gains margin (:func:`bundle_check`); otherwise the recommendation is
        not to, and the money at stake is the margin the discount would cost.

    Parameters
    ----------
    opportunities, opportunity_sum : optional
        :func:`pair_opportunities` and :func:`opportunity_total`.
    offer_tests : pandas.DataFrame, optional
        :func:`offer_results`.
    clv_gap : pandas.DataFrame, optional
        :func:`xsell_lab.clv.matched_comparison` (rows ``naive`` and ``matched``).
    gap_error : float
        :func:`cross_sell_gap_error` of the naive gap.
    bundle : pandas.DataFrame, optional
        :func:`bundle_check` (notebook 06's what-if).
    items : str
        What is cross-sold, in words ("categories" or "products").
    money : str
        What the CLV gap measures, in words ("margin" or "revenue").
    currency : str
        Currency of the amounts in the sentences (:func:`money_text`).
    n : int
        At most this many recommendations.

    Returns
    -------
    pandas.DataFrame
        :data:`RECOMMENDATION_COLUMNS`, the actions to take by money at stake
        (largest first), then the cautions ("Do not ...") by money at stake:
        the action in one sentence, its money
        at stake (a number; NaN when it has none), how sure we are in words,
        the evidence in one sentence, its kind and the p-value behind the
        words (for an appendix). Empty when the results support no action.
    """
    rows = []
    if opportunities is not None and len(opportunities):
        rows.append(_whitespace_row(opportunities, opportunity_sum or {}, items))
    if offer_tests is not None:
        for test in offer_tests.itertuples(index=False):
            rows.append(_offer_row(test, currency))
    if clv_gap is not None and len(clv_gap):
        gaps = clv_gap.set_index("comparison")
        naive, matched = gaps.loc["naive"], gaps.loc["matched"]
        treated, control, gap = shown_difference(matched["treated_mean"], matched["control_mean"], 2)
        p_value = gap_p_value(naive["difference"], gap_error)
        if gap > 0:
            rows.append({
                "recommendation": f"Cross-sell early: help new customers to a second of our {items} in their first days.",
                "money_at_stake": gap * naive["control_customers"],
                "confidence_words": f"{confidence_words(p_value)}; an association, not a tested cause",
                "evidence": f"Customers who bought two or more {items} early later brought {money_text(treated, currency, 2)} in {money} "
                            f"each against {money_text(control, currency, 2)} for similar customers who did not (a gap of "
                            f"{money_text(gap, currency, 2)}), shown for the {naive['control_customers']:,.0f} customers not cross-sold early; "
                            "an upper bound, as not every one of them could be cross-sold.",
                "kind": "early", "p_value": p_value,
            })
    if bundle is not None and len(bundle):
        rows.append(_bundle_row(bundle.iloc[0], currency))
    table = pd.DataFrame(rows, columns=RECOMMENDATION_COLUMNS)
    if table.empty:
        return table
    # actions to take first, largest amount first; then what not to do (an unproven offer, a bundle that loses margin)
    caution = table["recommendation"].str.startswith("Do not")
    order = table.assign(_caution=caution, _money=table["money_at_stake"].fillna(-np.inf)).sort_values(
        ["_caution", "_money"], ascending=[True, False], kind="stable").index
    return table.loc[order].head(n).reset_index(drop=True)


def _bundle_row(check: pd.Series, currency: str) -> dict:
    """The bundle verdict of :func:`bundle_check` as a recommendation (margin at stake)."""
    main, add_on = str(check["main"]), str(check["add_on"])
    change = float(check["margin_change"])
    action = (f"Offer {main} with {add_on} as a bundle at {check['bundle_discount']:.0%} off." if check["recommended"]
              else f"Do not sell {main} with {add_on} as a bundle at {check['bundle_discount']:.0%} off: the discount costs more "
                   "margin than the extra add-ons bring.")
    return {
        "recommendation": action,
        "money_at_stake": abs(change),
        "confidence_words": "a what-if, not a test",
        "evidence": f"Of the {check['orders']:,} orders with either, mixed bundling at {check['bundle_discount']:.0%} off would change "
                    f"the margin by {money_text(change, currency)} over the period, assuming {check['bundle_uptake']:.0%} of the "
                    f"buyers of {main} alone take the bundle (the pricing analysis's what-if).",
        "kind": "bundle", "p_value": float("nan"),
    }


def _offer_row(test, currency: str) -> dict:
    """One offer test as a recommendation: judged on the margin it adds when that is known, else on revenue."""
    rate_t, rate_c, _ = shown_difference(100 * test.rate_treatment, 100 * test.rate_control, 2)
    by_margin = math.isfinite(getattr(test, "margin_difference", float("nan")))
    per_customer = test.margin_difference if by_margin else test.revenue_difference
    shown = money_text(abs(per_customer) if by_margin else per_customer, currency, decimals=2) if math.isfinite(per_customer) else None
    action = _offer_action(test)
    if by_margin:
        money = (f"; {shown} {'more' if per_customer >= 0 else 'less'} margin per customer offered after the discount, the "
                 f"contact cost and the returns ({money_text(test.margin_ci_low, currency, decimals=2)} to "
                 f"{money_text(test.margin_ci_high, currency, decimals=2)}): it {test.margin_verdict}")
    else:
        money = f"; {shown} more in revenue per customer" if shown else ""
    loses_margin = action.startswith("do not roll out") and test.proven  # the money at stake is then the margin a rollout would lose
    return {
        "recommendation": action[0].upper() + action[1:],
        "money_at_stake": (-1 if loses_margin else 1) * per_customer * test.customers_treatment,
        "confidence_words": confidence_words(test.p_adjusted),
        "evidence": f"In a controlled test {rate_t:.2f}% of customers offered it bought, against {rate_c:.2f}% without the "
                    f"offer ({test.uplift_points:+.2f} points){money}"
                    + (f"; shown for as many customers again as the test reached ({test.customers_treatment:,})." if shown else "."),
        "kind": "offer", "p_value": float(test.p_adjusted),
    }


def _offer_action(test) -> str:
    """Roll out a proven offer that does not lose margin (except where its segments' test cannot tell), or keep testing."""
    if not test.proven:
        return f"do not roll out {test.offer} yet: keep testing or stop it."
    if math.isfinite(getattr(test, "margin_ci_high", float("nan"))) and test.margin_ci_high < 0:
        return f"do not roll out {test.offer} as it is: it wins buyers but loses margin once the discount, contact and returns are paid."
    share = getattr(test, "targeted_share", float("nan"))
    if math.isfinite(share):
        return (f"roll out {test.offer} only to the customers an uplift model finds it persuades (about {share:.0%} of those "
                "tested), keeping a small control group.")
    unclear = getattr(test, "unclear_segments", "")
    if unclear:
        return (f"roll out {test.offer}, keeping a small control group, but not yet to the {unclear.replace('_', ' ')} "
                f"segment{'s' if ', ' in unclear else ''}: there the test cannot tell whether it works.")
    return f"roll out {test.offer}, keeping a small control group."


def _whitespace_row(opportunities: pd.DataFrame, total: Mapping[str, float], items: str) -> dict:
    """The recommendation of the largest pair opportunity, sized by later conversion (:func:`pair_opportunities`)."""
    top = opportunities.iloc[0]
    main, add_on = str(top["main"]).replace("_", " "), str(top["add_on"]).replace("_", " ")
    more = len(opportunities) - 1
    buyers = total.get("expected_buyers", top["expected_buyers"])
    low, high = total.get("expected_low", top["expected_low"]), total.get("expected_high", top["expected_high"])
    backtest = "" if top["backtest_holds"] else "; the window before did not predict this rate, so read it as rough"
    return {
        "recommendation": f"Test an offer of {add_on} on a random half of the {top['customers_without_it']:,} customers who own {main} "
                          f"but not {add_on}" + (f", then of the {more} other opportunit{'ies' if more > 1 else 'y'} listed." if more else "."),
        "money_at_stake": total.get("expected_revenue", top["expected_revenue"]),
        # the words say how sure we are that the named pair goes together, and that the sales are not yet an offer's effect
        "confidence_words": f"{confidence_words(float(top['p_adjusted']))} that they go together; the sales are an untested estimate"
                            + (", back-test missed" if not top["backtest_holds"] else ""),
        "evidence": f"{len(opportunities)} pair{'s' if len(opportunities) > 1 else ''} of {items} listed are bought together more often "
                    f"than chance. Of the customers who owned {main} but not {add_on} {top['days']:,} days before the end, "
                    f"{top['conversion']:.1%} bought it within those days ({top['conversion_low']:.1%} to {top['conversion_high']:.1%}){backtest}; "
                    f"at each pair's rate about {buyers:,.0f} of today's customers without the add-on will buy it "
                    f"(between {low:,.0f} and {high:,.0f}; each customer counted once per add-on) without an offer: what an offer adds, "
                    "only the test on a random half measures.",
        "kind": "whitespace", "p_value": float(top["p_adjusted"]),
    }


def bundle_check(
    lines: pd.DataFrame,
    products: pd.DataFrame,
    weekly_sales: pd.DataFrame | None,
    *,
    bundle_discount: float = 0.10,
    bundle_uptake: float = 0.20,
    assumed_margin_rate: float = 0.0,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Notebook 06's bundle what-if, read as a verdict: is the bundle of its pair worth its discount?

    The pair is notebook 06's (:func:`xsell_lab.pricing.choose_focus_product`
    and :func:`xsell_lab.pricing.choose_price_pair` on the products with weekly
    prices), the buyer shares are counted per order as 06 counts them (orders
    with the main product only, the add-on only, both), and
    :func:`xsell_lab.pricing.bundle_what_if` gives the margin change of mixed
    bundling at ``bundle_discount`` (Adams & Yellen 1976). A bundle that loses
    margin at the planned discount is not recommended.

    Parameters
    ----------
    lines : pandas.DataFrame
        The sales lines notebook 06 reads: what customers bought and kept (:func:`xsell_lab.kept_lines`).
    products : pandas.DataFrame
        The products table (``price``, ``unit_cost``).
    weekly_sales : pandas.DataFrame or None
        The weekly prices; None (or empty) gives an empty table.
    bundle_discount, bundle_uptake : float
        Notebook 06's parameters of the same names.
    assumed_margin_rate : float
        Margin assumed for products without a ``unit_cost``.
    labels : mapping, optional
        Product id -> label for ``main`` and ``add_on``; ids otherwise.

    Returns
    -------
    pandas.DataFrame
        :data:`BUNDLE_CHECK_COLUMNS`, one row (empty without weekly prices, an
        order of the pair or unit costs of both products): ``orders`` holding
        either product, ``margin_change`` of mixed bundling over the period and
        ``recommended`` (``margin_change > 0``).

    References
    ----------
    Adams, W. J. & Yellen, J. L. (1976). Commodity bundling and the burden of monopoly.
    *Quarterly Journal of Economics* 90(3), 475-498.
    """
    empty = pd.DataFrame(columns=BUNDLE_CHECK_COLUMNS)
    if weekly_sales is None or weekly_sales.empty:
        return empty
    main = pricing.choose_focus_product(weekly_sales)
    add_on = pricing.choose_price_pair(weekly_sales, lines, main)["add_on"]
    indexed = products.set_index(s.PRODUCT_ID)
    cost = unit_costs(indexed, assumed_margin_rate)
    per_order = lines.assign(has_main=lines[s.PRODUCT_ID] == main, has_addon=lines[s.PRODUCT_ID] == add_on).groupby(s.ORDER_ID)[
        ["has_main", "has_addon"]].any()
    buying = per_order[per_order["has_main"] | per_order["has_addon"]]
    if buying.empty or cost[[main, add_on]].isna().any():
        return empty
    what_if = pricing.bundle_what_if(
        main_price=indexed.loc[main, s.PRICE], main_cost=cost[main], addon_price=indexed.loc[add_on, s.PRICE], addon_cost=cost[add_on],
        customers=len(buying), share_main_only=(buying["has_main"] & ~buying["has_addon"]).mean(),
        share_addon_only=(~buying["has_main"] & buying["has_addon"]).mean(), share_both=(buying["has_main"] & buying["has_addon"]).mean(),
        bundle_discount=bundle_discount, uptake_main_only=bundle_uptake,
    ).set_index("strategy").loc["mixed_bundling"]
    return pd.DataFrame([{
        "main_product": main, "add_on_product": add_on, "main": (labels or {}).get(main, main), "add_on": (labels or {}).get(add_on, add_on),
        "orders": len(buying), "bundle_discount": bundle_discount, "bundle_uptake": bundle_uptake, "bundle_price": what_if["bundle_price"], "margin_change": what_if["margin_change"], "recommended": what_if["margin_change"] > 0,
    }])[BUNDLE_CHECK_COLUMNS]


def cross_sell_state(
    lines: pd.DataFrame, rate_percent: float, *, level: str, change: pd.DataFrame | None = None, period: str = "quarter",
    confidence: float = 0.95,
) -> str:
    """The first sentence of a report's answer: the cross-sell rate, its caveat at product level, and its latest change.

    At product level in a catalogue of more than :data:`xsell_lab.kpis.MANY_PRODUCTS`
    products, "bought two or more products" is true of nearly every repeat
    customer (:func:`xsell_lab.kpis.product_level_caveat`): the sentence then
    says the rate is high by construction, with the number of products.

    Parameters
    ----------
    lines : pandas.DataFrame
        The kept lines the rate was measured on (``customer_id``, and ``product_id`` at product level).
    rate_percent : float
        The cross-sell rate, in percent.
    level : {"category", "product"}
        What the rate counts as an item.
    change : pandas.DataFrame, optional
        :func:`rate_change` of the trend (its first row is said); empty or None: too short for a trend.
    period : str
        The trend's period in words ("quarter").
    confidence : float
        Level of the change's interval.

    Returns
    -------
    str
        One sentence.
    """
    items = plural(level, 2)
    customers = lines[s.CUSTOMER_ID].nunique()
    caveat = kpis.product_level_caveat(lines, level=level)
    said = f"{rate_percent:.0f}% of our {customers:,} customers have bought two or more {items}"
    if caveat:
        said += (f", a share high by construction among {lines[s.PRODUCT_ID].nunique():,} different products "
                 "(categories would measure cross-selling)")
    if change is None or not len(change):
        return said + f"; the period is too short for a {period} trend."
    latest = change.iloc[0]
    return (said + f"; the {period} starting {latest['latest_period']:%d %b %Y} against the one starting "
            f"{latest['earlier_period']:%d %b %Y}: {change_words(latest, confidence)}.")


def main_item_note(lines: pd.DataFrame, opportunity: pd.Series, *, level: str, labels: Mapping[str, str] | None = None) -> str:
    """How notebook 03's opportunity list counts the same pair: only among the customers whose main item it is.

    :func:`pair_opportunities` targets every owner of the main item who lacks
    the add-on; notebook 03 (:func:`xsell_lab.targeting.sized_opportunities`)
    lists a customer under their main item only (the top item of their first
    order, :func:`xsell_lab.targeting.main_items`), so its count for the same
    pair is smaller (and 03 leaves out main items with too few customers). Both are right; this says the
    difference with 03's count.

    Parameters
    ----------
    lines : pandas.DataFrame
        The lines :func:`pair_opportunities` was given.
    opportunity : pandas.Series
        One row of :func:`pair_opportunities` (``main_item``, ``add_on_item``, ``customers_without_it``).
    level : {"category", "product"}
        What the items are.
    labels : mapping, optional
        Item -> label.

    Returns
    -------
    str
        One sentence; ``""`` when both counts agree.
    """
    pair = pd.DataFrame({"main_item": [opportunity["main_item"]], "item": [opportunity["add_on_item"]]})
    main = targeting.main_items(lines, level=level)
    narrower = int(targeting.later_conversion(lines, pair, as_of=lines[s.ORDER_DATE].max(), days=1, level=level,
                                              main=main)["customers"].iloc[0])
    if narrower == opportunity["customers_without_it"]:
        return ""
    main_words = (labels or {}).get(opportunity["main_item"], opportunity["main_item"])
    return (f"The detailed opportunity analysis groups customers by their main {level} (the top item of their first order): "
            f"{narrower:,} of these {int(opportunity['customers_without_it']):,} customers have {main_words} as theirs, "
            "so its figures for this pair are smaller.").replace("_", " ")


def rate_change(trend: pd.DataFrame, period: str, *, confidence: float = 0.95) -> pd.DataFrame:
    """The latest period's cross-sell rate against the same period a year earlier (else the previous one), with an interval.

    ::

        estimate = rate_latest - rate_earlier,  interval: Newcombe (1998) hybrid score for two proportions

    Each period's customers are taken as an independent sample (a customer
    buying in both periods makes the interval somewhat wider than it need be).

    Parameters
    ----------
    trend : pandas.DataFrame
        :func:`xsell_lab.kpis.kpi_trend` of ``cross_sell_rate`` over whole
        periods (:func:`whole_periods`): ``period``, ``customers`` and
        ``cross_sold_customers``.
    period : {"month", "quarter", "year"}
        The trend's period.
    confidence : float
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        :data:`RATE_CHANGE_COLUMNS`, one row; empty with fewer than two periods.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. *Statistics in Medicine* 17(8), 873-890.
    """
    if period not in PERIOD_CODES:
        raise ValueError(f"period must be one of {', '.join(PERIOD_CODES)}. Got {period!r}.")
    if len(trend) < 2:
        return pd.DataFrame(columns=RATE_CHANGE_COLUMNS)
    per_year = {"month": 12, "quarter": 4, "year": 1}[period]
    latest = trend.iloc[-1]
    earlier = trend.iloc[-1 - per_year] if len(trend) > per_year else trend.iloc[-2]
    low, high = newcombe_interval(latest["cross_sold_customers"], latest["customers"], earlier["cross_sold_customers"],
                                  earlier["customers"], confidence)
    rate_latest = latest["cross_sold_customers"] / latest["customers"]
    rate_earlier = earlier["cross_sold_customers"] / earlier["customers"]
    return pd.DataFrame([{
        "latest_period": latest[period], "earlier_period": earlier[period], "latest_rate": rate_latest, "earlier_rate": rate_earlier,
        "estimate": rate_latest - rate_earlier, "ci_low": float(low), "ci_high": float(high),
    }])[RATE_CHANGE_COLUMNS]


def change_words(change: pd.Series, confidence: float = 0.95) -> str:
    """A period-over-period change in words: "down 1.9 percentage points (95% interval -4.6 to +0.8): no clear change".

    The change is the difference of the two rates as shown with one decimal
    (:func:`shown_difference`); "no clear change" when the interval includes
    zero, else "up" or "down" is a real change at that confidence.

    Examples
    --------
    >>> change_words(pd.Series({"latest_rate": 0.509, "earlier_rate": 0.528, "ci_low": -0.046, "ci_high": 0.008}))
    'down 1.9 percentage points (95% interval -4.6 to +0.8): no clear change'
    """
    _, _, points = shown_difference(100 * change["latest_rate"], 100 * change["earlier_rate"], 1)
    interval = f"{confidence:.0%} interval {100 * change['ci_low']:+.1f} to {100 * change['ci_high']:+.1f}"
    said = f"{'up' if points > 0 else 'down'} {abs(points):.1f} percentage points" if points else "unchanged"
    clear = change["ci_low"] > 0 or change["ci_high"] < 0
    return f"{said} ({interval})" + ("" if clear else ": no clear change")


def headline_table(figures: Mapping[str, str | None]) -> pd.DataFrame:
    """A report's headline figures as the table a ``report-headline`` cell shows.

    Parameters
    ----------
    figures : mapping of str to str or None
        Figure name -> its value formatted as the reader should see it; None
        (a figure this data cannot give) prints as ``"–"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``Figure`` (the names, in order) and ``Value``.

    Examples
    --------
    >>> headline_table({"Customers": "5,210", "Proven offers": None})["Value"].tolist()
    ['5,210', '–']
    """
    values = [MISSING if value is None or value == "" else str(value) for value in figures.values()]
    return pd.DataFrame({"Figure": list(figures), "Value": values})


def the_answer(sentences: list[str | None]) -> str:
    """A notebook's answer for a director: its key numbers and the decision, in two to four sentences.

    Every notebook ends with a ``## The answer`` heading and one code cell
    tagged ``report-summary`` that prints this text, so the same sentences open
    the notebook's PDF report on its title page. The sentences are written
    from the notebook's own results (never typed figures); a sentence the
    data cannot support is passed as ``None`` or ``""`` and left out.

    Parameters
    ----------
    sentences : list of str or None
        The sentences, in reading order; each ends with ".", "!" or "?".

    Returns
    -------
    str
        The sentences that are given, joined by a space.

    Raises
    ------
    ValueError
        When fewer than one or more than four sentences are left, or one does
        not end like a sentence.

    Examples
    --------
    >>> the_answer(["5,152 customers bought from us.", None, "Offer ink to printer buyers."])
    '5,152 customers bought from us. Offer ink to printer buyers.'
    """
    given = [sentence.strip() for sentence in sentences if sentence and sentence.strip()]
    if not 1 <= len(given) <= 4:
        raise ValueError(f"the answer has {len(given)} sentences; give one to four (three is best)")
    unfinished = [sentence for sentence in given if not sentence.endswith((".", "!", "?"))]
    if unfinished:
        raise ValueError(f"{len(unfinished)} sentence(s) of the answer do not end with a full stop, e.g. {unfinished[0]!r}")
    return " ".join(given)
