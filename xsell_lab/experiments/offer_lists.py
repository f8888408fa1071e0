"""Whom to send an offer: a list by expected incremental profit, and its back-test against a known truth.

A list ranked by propensity x margin (how likely a customer is to buy, times what a sale earns)
sends the offer to the customers most likely to buy: many would have bought anyway (sure things:
the offer only gives them the discount) and some buy *less* when contacted (do-not-disturbs). The
profit the offer adds to one customer (Gubela, Lessmann & Jaroszewicz 2020, the profit
decomposition of a discount offer) is::

    incremental profit = p1 x (m - d) - p0 x m - c

with ``p1`` / ``p0`` the customer's buying probability with / without the offer, ``m`` the margin
of a sale at the list price, ``d`` the discount given with the offer and ``c`` the cost of the
contact. It is the issue's ``uplift x (m - d) - c`` less ``p0 x d``: the discount given away to
customers who would have paid the full price. Ranking by it puts persuadables first; a customer
whose expected incremental profit is below zero is better left alone.

:func:`expected_incremental_profit`
    Each customer's expected incremental profit from an uplift model's predictions.
:func:`offer_list_comparison`
    The profit-based list against the propensity x margin list of the same length, judged on
    each customer's true (planted) buying probabilities: how many of each kind of customer each
    list reaches and the profit it truly adds.
:func:`targeted_share`
    Notebook 12's reading of a test in one call, for the executive report: the share of the
    test's customers worth the offer, when an uplift model can tell them apart.

References
----------
Gubela, R. M., Lessmann, S. & Jaroszewicz, S. (2020). Response transformation and profit
decomposition for revenue uplift modeling. *European Journal of Operational Research*, 283(2),
647-661.
Radcliffe, N. J. & Surry, P. D. (2011). Real-world uplift modelling with significance-based uplift
trees. Stochastic Solutions White Paper.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.exceptions import ParameterError
from xsell_lab.experiments.uplift import MIN_ROWS_PER_ARM, UpliftModel, holdout_mask, qini_interval

#: Columns of :func:`expected_incremental_profit`.
PROFIT_COLUMNS = ["rate_without_offer", "rate_with_offer", "expected_margin", "expected_incremental_profit"]
#: Columns of :func:`offer_list_comparison` besides one count column per kind of customer.
COMPARISON_COLUMNS = ["list", "customers", "true_extra_buyers", "true_incremental_profit"]


def incremental_profit(rate_without, rate_with, *, margin: float, discount: float = 0.0, contact_cost: float = 0.0):
    """The profit an offer adds to one customer: ``p1 x (m - d) - p0 x m - c``.

    Parameters
    ----------
    rate_without, rate_with : float or array-like
        The customer's buying probability without and with the offer.
    margin : float
        Margin of one sale at the list price (price less unit cost).
    discount : float, default 0.0
        Money off one sale made with the offer.
    contact_cost : float, default 0.0
        Cost of making the offer to one customer.

    Returns
    -------
    float or numpy.ndarray
        Expected incremental profit per customer offered (Gubela, Lessmann & Jaroszewicz 2020).
    """
    for name, value in (("margin", margin), ("discount", discount), ("contact_cost", contact_cost)):
        if not np.isfinite(value) or (name != "margin" and value < 0):
            raise ParameterError(f"{name} is an amount of money per customer{', 0 or more' if name != 'margin' else ''}; got {value!r}.")
    return np.asarray(rate_with) * (margin - discount) - np.asarray(rate_without) * margin - contact_cost


def expected_incremental_profit(
    predicted: pd.DataFrame, *, arm: str, margin: float, discount: float = 0.0, contact_cost: float = 0.0
) -> pd.DataFrame:
    """Each customer's expected margin with the offer and the profit the offer is expected to add.

    Parameters
    ----------
    predicted : pandas.DataFrame
        :meth:`~xsell_lab.experiments.UpliftModel.predict` output: ``baseline`` (the buying
        probability without the offer) and the arm's predicted uplift in column ``arm``.
    arm : str
        The offer arm.
    margin, discount, contact_cost : float
        As in :func:`incremental_profit`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``predicted``: ``rate_without_offer`` and ``rate_with_offer`` (the
        predictions, clipped to 0..1), ``expected_margin`` (``rate_with_offer x (margin -
        discount)``: the propensity x margin score of a next-best-offer list) and
        ``expected_incremental_profit`` (:func:`incremental_profit`).
    """
    require_columns(predicted, ["baseline", arm], "uplift predictions")
    without = predicted["baseline"].clip(0, 1)
    with_offer = (predicted["baseline"] + predicted[arm]).clip(0, 1)
    profit = incremental_profit(without, with_offer, margin=margin, discount=discount, contact_cost=contact_cost)
    return pd.DataFrame(
        {"rate_without_offer": without, "rate_with_offer": with_offer, "expected_margin": with_offer * (margin - discount),
         "expected_incremental_profit": profit},
        index=predicted.index,
    )[PROFIT_COLUMNS]


def offer_list_comparison(
    scores: pd.DataFrame, truth: pd.DataFrame, *, margin: float, discount: float = 0.0, contact_cost: float = 0.0
) -> pd.DataFrame:
    """The profit-based offer list against the propensity x margin list, judged on the true rates.

    The profit-based list holds the customers whose expected incremental profit is above zero;
    the propensity x margin list holds as many customers, those of the highest expected margin;
    "everyone" offers to all. Each list is judged on the customers' true buying probabilities
    (known only for planted data): the extra buyers it truly brings (the sum of ``p1 - p0``) and
    the profit it truly adds (the sum of :func:`incremental_profit`).

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`expected_incremental_profit` output.
    truth : pandas.DataFrame
        Indexed like ``scores``: ``kind`` (each customer's kind), ``rate_without_offer`` and
        ``rate_with_offer`` (the true buying probabilities).
    margin, discount, contact_cost : float
        As in :func:`incremental_profit`.

    Returns
    -------
    pandas.DataFrame
        One row per list (``by expected incremental profit``, ``by propensity x margin``,
        ``everyone``): :data:`COMPARISON_COLUMNS`, then the number of customers of each kind
        in the list (one column per kind, sorted by name).
    """
    require_columns(scores, ["expected_margin", "expected_incremental_profit"], "offer scores")
    require_columns(truth, ["kind", "rate_without_offer", "rate_with_offer"], "planted truth")
    if not scores.index.equals(truth.index):
        raise ParameterError("scores and truth must have the same index (the same customers in the same order).")
    size = int((scores["expected_incremental_profit"] > 0).sum())
    by_margin = scores["expected_margin"].sort_values(ascending=False, kind="stable").index[:size]
    lists = {
        "by expected incremental profit": scores.index[scores["expected_incremental_profit"].to_numpy() > 0],
        "by propensity x margin": by_margin,
        "everyone": scores.index,
    }
    true_profit = pd.Series(
        incremental_profit(truth["rate_without_offer"], truth["rate_with_offer"], margin=margin, discount=discount,
                           contact_cost=contact_cost),
        index=truth.index,
    )
    extra = truth["rate_with_offer"] - truth["rate_without_offer"]
    kinds = sorted(truth["kind"].unique())
    rows = []
    for name, members in lists.items():
        counts = truth.loc[members, "kind"].value_counts().reindex(kinds, fill_value=0)
        rows.append({"list": name, "customers": len(members), "true_extra_buyers": float(extra.loc[members].sum()),
                     "true_incremental_profit": float(true_profit.loc[members].sum()), **counts.astype(int).to_dict()})
    return pd.DataFrame(rows, columns=[*COMPARISON_COLUMNS, *kinds])


def targeted_share(
    test: pd.DataFrame, *, arm: str, margin: float, discount: float = 0.0, contact_cost: float = 0.0,
    control: str = "control", holdout_share: float = 0.5, seed: int = 0, confidence: float = 0.95, n_boot: int = 300,
) -> float:
    """The share of a test's customers worth the offer, when an uplift model can tell them apart; else NaN.

    Notebook 12's reading of one test in a single call: a linear two-model
    :class:`~xsell_lab.experiments.UpliftModel` learns on one part of the test (:func:`holdout_mask`),
    its ranking of the other part is judged by the Qini area's bootstrap interval
    (:func:`qini_interval`), and, when that interval lies above zero, the answer is the share of the
    judged customers whose :func:`expected_incremental_profit` is above zero.

    Parameters
    ----------
    test : pandas.DataFrame
        :func:`~xsell_lab.experiments.experiment_customers` of the control and offer arms
        (its ``features`` in ``attrs``).
    arm : str
        The offer arm.
    margin, discount, contact_cost : float
        As in :func:`incremental_profit`.
    control : str, default "control"
        The arm kept from the offer.
    holdout_share : float, default 0.5
        Share of each arm judged, never fitted on.
    seed : int, default 0
        Seed of the split and the bootstrap.
    confidence : float, default 0.95
        Level of the Qini interval.
    n_boot : int, default 300
        Bootstrap resamples of the Qini interval.

    Returns
    -------
    float
        A share in 0..1, or NaN when an arm of the fitting part has fewer than
        :data:`~xsell_lab.experiments.uplift.MIN_ROWS_PER_ARM` customers or buyers, or the
        ranking is not shown to beat random order.
    """
    held = holdout_mask(test[s.VARIANT], holdout_share, seed=seed)
    fit_on, judged = test[~held], test[held]
    counts = fit_on.groupby(s.VARIANT)[s.ACCEPTED].agg(["size", "sum"])
    if len(counts) < 2 or (counts["size"] < MIN_ROWS_PER_ARM).any() or (counts["sum"] < MIN_ROWS_PER_ARM // 3).any():
        return float("nan")
    model = UpliftModel(test.attrs["features"], control=control).fit(fit_on)
    predicted = model.predict(judged)
    treated = (judged[s.VARIANT] != control).to_numpy()
    low, _ = qini_interval(predicted[arm], treated, judged[s.ACCEPTED], confidence=confidence, n_boot=n_boot, seed=seed)
    if not low > 0:
        return float("nan")
    scores = expected_incremental_profit(predicted, arm=arm, margin=margin, discount=discount, contact_cost=contact_cost)
    return float((scores["expected_incremental_profit"] > 0).mean())
