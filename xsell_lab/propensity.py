"""Propensity to buy and next-best-offer: who will buy which add-on next, and what to offer each customer.

A **propensity model** scores each customer with the probability of buying
a target category in the next ``horizon_days`` days. Everything the model
sees happened on or before an ``as_of`` day (the last day of history,
inclusive), and the label is what happened after it, so the score is an
honest forecast (no leakage). Several ``as_of`` days are stacked for training
(each customer appears once per day); the model is validated on a later
``as_of`` whose label window begins where the training windows end (a
time-based split).

Features (per customer and ``as_of``, :func:`customer_features`):
``recency_months`` (since the last order), ``tenure_months`` (since the
first), ``orders``, ``spend_hundreds`` (revenue / 100), ``owns_<item>``
(bought the item before), ``last_<item>`` (it was in the last order),
``segment`` and ``preferred_channel``.

The model is a logistic regression (statsmodels ``Logit``; its coefficients
read as odds ratios, ``exp(beta)``, Hosmer, Lemeshow & Sturdivant 2013,
ch. 3) or gradient-boosted trees (scikit-learn
``HistGradientBoostingClassifier``, Friedman 2001). It is judged by the AUC
(the probability that a buyer scores above a non-buyer, Hanley & McNeil
1982), the gains / lift table by decile (Blattberg, Kim & Neslin 2008,
ch. 10) and calibration (do customers scored 30 % buy 30 % of the time?).

The **next best offer** of a customer is the category with the highest
expected value ``propensity x margin`` (times the offer's relative uplift
when an experiment measured one), one offer per customer, with the reason in
words. Send it only after :mod:`xsell_lab.guardrails`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from scipy.optimize import brentq
from scipy.special import expit, logit
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from xsell_lab._deprecation import day_before, days_before, renamed_parameters
from xsell_lab._threads import one_thread
from xsell_lab.data import schema as s
from xsell_lab.basket.sequences import pair_counts
from xsell_lab.data.validation import require_columns
from xsell_lab.data.margins import unit_costs
from xsell_lab.stats import wilson_interval
from xsell_lab.stats.estimator import Estimator, confidence_from_alpha, requires_fit, wald_table

#: Numeric features of :func:`customer_features` (besides ``owns_*`` and ``last_*``).
NUMERIC_FEATURES = ["recency_months", "tenure_months", "orders", "spend_hundreds"]
#: Categorical features, one-hot encoded against their most frequent level.
CATEGORICAL_FEATURES = [s.SEGMENT, s.PREFERRED_CHANNEL]
#: Label kinds of :func:`propensity_dataset`.
LABELS = ("window", "next_order")
#: Columns of :func:`gains_table`.
GAINS_COLUMNS = ["decile", "customers", "buyers", "response_rate", "lift", "cumulative_customers", "cumulative_buyers", "cumulative_lift"]
#: Columns of :func:`calibration_table`.
CALIBRATION_COLUMNS = ["bin", "customers", "mean_predicted", "observed_rate", "ci_low", "ci_high"]

#: Edges of the predicted-probability groups of a probability-calibration check (``calibration_table(bins=...)``):
#: fine where most scores are, and one group for the rare high ones.
PROBABILITY_GROUPS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)

#: Columns of :func:`calibration_slope`.
SLOPE_COLUMNS = ["estimate", "std_error", "ci_low", "ci_high", "p_value"]

#: Columns of :func:`offer_outcomes`.
OUTCOME_COLUMNS = [s.CUSTOMER_ID, s.CATEGORY, "propensity", "bought"]
#: Columns of :func:`choose_targets`.
TARGET_COLUMNS = ["target", "anchor", "later_buyers"]
#: Columns of :func:`next_best_offer`.
OFFER_COLUMNS = [s.CUSTOMER_ID, s.CATEGORY, "propensity", "margin", "uplift", "expected_value", "reason"]
#: Columns of :func:`offer_hit_rates`.
HIT_COLUMNS = ["recommended_to", "their_buying_rate", "everyones_buying_rate", "comparable"]
#: Fewest buyers a rate among recommended customers must expect (at everyone's rate) to be compared
#: with everyone's: below it, one buyer more or less swings the ratio (the expected-count rule of thumb
#: of the chi-square test, Cochran 1954).
MIN_EXPECTED_BUYERS = 5
#: Fewest buyers, and fewest non-buyers, among the customers with a 0/1 feature for the logit to
#: estimate its effect (about ten outcomes per estimated effect, Peduzzi et al. 1996).
MIN_FEATURE_BUYERS = 10
_DAYS_PER_MONTH = 365.25 / 12


# --- features and labels ------------------------------------------------------------------


@renamed_parameters(cutoff=("as_of", day_before))
def customer_features(
    lines: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    items: Sequence[str] | None = None,
    item_column: str = s.CATEGORY,
) -> pd.DataFrame:
    """Features of every customer who bought by ``as_of``, from purchases on or before that day.

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines (:func:`xsell_lab.sales_lines`: ``customer_id``,
        ``order_id``, ``order_date``, ``revenue`` and ``item_column``).
    customers : pandas.DataFrame
        The customers table; ``segment`` and ``preferred_channel`` are used
        when present (``"unknown"`` otherwise).
    as_of : str or pandas.Timestamp
        The last day of history (inclusive): orders of that day count. Recency
        and tenure are measured to the start of the next day, the first day of
        the label window.
    items : sequence of str, optional
        The items to make ``owns_*`` / ``last_*`` flags for; default every
        value of ``item_column``.
    item_column : str, default "category"
        ``category``, or ``product_id`` for data without categories.

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``customer_id``, ``as_of``,
        :data:`NUMERIC_FEATURES`, ``owns_<item>`` and ``last_<item>`` (0/1),
        :data:`CATEGORICAL_FEATURES`.

    Raises
    ------
    ValueError
        When no order is dated on or before ``as_of``.
    """
    as_of = _day(as_of)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, "revenue", item_column], "sales_lines")
    start = as_of + pd.Timedelta(days=1)
    before = lines.loc[lines[s.ORDER_DATE] < start]
    if before.empty:
        raise ValueError(
            f"as_of {as_of:%Y-%m-%d} is before the first order ({lines[s.ORDER_DATE].min():%Y-%m-%d}): no history to learn from."
        )
    items = list(items) if items is not None else sorted(lines[item_column].dropna().unique())
    by_customer = before.groupby(s.CUSTOMER_ID, sort=True)
    first, last = by_customer[s.ORDER_DATE].min(), by_customer[s.ORDER_DATE].max()
    features = pd.DataFrame(
        {
            "as_of": as_of,
            "recency_months": (start - last).dt.days / _DAYS_PER_MONTH,
            "tenure_months": (start - first).dt.days / _DAYS_PER_MONTH,
            "orders": by_customer[s.ORDER_ID].nunique(),
            "spend_hundreds": by_customer["revenue"].sum() / 100,
        }
    )
    in_last = before[s.ORDER_DATE].to_numpy() == before[s.CUSTOMER_ID].map(last).to_numpy()
    owns = _item_flags(before, items, item_column, "owns_")
    last_items = _item_flags(before.loc[in_last], items, item_column, "last_")
    features = features.join(owns).join(last_items).fillna(0)
    people = customers.set_index(s.CUSTOMER_ID)
    for column in CATEGORICAL_FEATURES:
        values = people[column].reindex(features.index) if column in people else pd.Series(np.nan, index=features.index)
        features[column] = values.astype("object").fillna("unknown").astype(str)
    return features.rename_axis(s.CUSTOMER_ID).reset_index()


@renamed_parameters(cutoff=("as_of", day_before))
def purchase_labels(
    lines: pd.DataFrame,
    target: str,
    *,
    as_of: str | pd.Timestamp,
    horizon_days: int = 90,
    label: str = "window",
    item_column: str = s.CATEGORY,
) -> pd.Series:
    """What customers bought in the ``horizon_days`` days after ``as_of``.

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines (``customer_id``, ``order_date``, ``item_column``).
    target : str
        The item (category) whose purchase is the label.
    as_of : str or pandas.Timestamp
        The last day of history; the label window is the ``horizon_days`` days
        after it, ``as_of + 1`` to ``as_of + horizon_days``.
    horizon_days : int, default 90
        Length of the window.
    label : {"window", "next_order"}
        ``window``: 1 if the customer bought ``target`` in the window, for
        customers with an order in it (the others are 0 by
        :func:`propensity_dataset`). ``next_order``: 1 if the customer's first
        order in the window holds ``target`` ("when they come back, what do
        they buy?"), only for customers who order in the window.

    Returns
    -------
    pandas.Series
        0/1 indexed by ``customer_id`` (customers who ordered in the window).
    """
    if label not in LABELS:
        raise ValueError(f"label must be one of {', '.join(LABELS)}. Got {label!r}.")
    start = _day(as_of) + pd.Timedelta(days=1)
    window = lines.loc[(lines[s.ORDER_DATE] >= start) & (lines[s.ORDER_DATE] < start + pd.Timedelta(days=horizon_days))]
    if label == "next_order":
        first_date = window.groupby(s.CUSTOMER_ID)[s.ORDER_DATE].transform("min")
        window = window.loc[window[s.ORDER_DATE] == first_date]
    hit = (window[item_column] == target).groupby(window[s.CUSTOMER_ID]).any()
    return hit.astype(int).rename("label")


@renamed_parameters(cutoffs=("as_of_dates", days_before))
def propensity_dataset(
    lines: pd.DataFrame,
    customers: pd.DataFrame,
    target: str,
    *,
    as_of_dates: Iterable[str | pd.Timestamp],
    horizon_days: int = 90,
    label: str = "window",
    items: Sequence[str] | None = None,
    item_column: str = s.CATEGORY,
) -> pd.DataFrame:
    """Features up to each ``as_of`` day and the label after it, stacked over the days.

    Parameters
    ----------
    lines, customers : pandas.DataFrame
        Sales lines and the customers table (see :func:`customer_features`).
    target : str
        The item whose purchase is predicted (a value of ``item_column``).
    as_of_dates : iterable of str or pandas.Timestamp
        Snapshot days, each the last day of history of its snapshot. Each label
        window must end by the last order date.
    horizon_days : int, default 90
        Label window length.
    label : {"window", "next_order"}
        See :func:`purchase_labels`. With ``window`` every customer with
        history is a row (0 when they bought nothing); with ``next_order``
        only customers who ordered in the window are.
    items, item_column
        See :func:`customer_features`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`customer_features` plus ``label`` (0/1), one row
        per customer and ``as_of``.

    Raises
    ------
    ValueError
        When ``target`` is never bought, or an ``as_of`` leaves no history up
        to it or no full label window after it.
    """
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item_column], "sales_lines")
    known = lines[item_column].dropna().unique()
    if target not in set(known):
        shown = ", ".join(sorted(map(str, known))[:25])
        raise ValueError(f"Nobody bought {item_column} {target!r} in table 'sales_lines' ({len(lines):,} lines). Known values: {shown}.")
    first_day, last_day = lines[s.ORDER_DATE].min().normalize(), lines[s.ORDER_DATE].max().normalize()
    frames = []
    for as_of in map(_day, as_of_dates):
        end = as_of + pd.Timedelta(days=horizon_days)
        if as_of < first_day or end > last_day:
            raise ValueError(
                f"as_of {as_of:%Y-%m-%d} with a {horizon_days}-day label window (to {end:%Y-%m-%d}) is outside the data "
                f"({first_day:%Y-%m-%d} to {last_day:%Y-%m-%d}): it needs history up to it and a whole window after it."
            )
        features = customer_features(lines, customers, as_of=as_of, items=items, item_column=item_column)
        labels = purchase_labels(lines, target, as_of=as_of, horizon_days=horizon_days, label=label, item_column=item_column)
        how = "inner" if label == "next_order" else "left"
        merged = features.merge(labels, left_on=s.CUSTOMER_ID, right_index=True, how=how)
        frames.append(merged.assign(label=merged["label"].fillna(0).astype(int)))
    return pd.concat(frames, ignore_index=True)


@renamed_parameters(test_cutoff=("test_as_of", day_before))
def time_split(
    lines: pd.DataFrame,
    customers: pd.DataFrame,
    target: str,
    *,
    test_as_of: str | pd.Timestamp,
    horizon_days: int = 90,
    n_train_cutoffs: int = 4,
    step_days: int | None = None,
    label: str = "window",
    items: Sequence[str] | None = None,
    item_column: str = s.CATEGORY,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training snapshots whose label windows end where the validation window starts.

    The training snapshots end on ``test_as_of - horizon_days - k x step_days``
    for ``k = 0 .. n_train_cutoffs - 1``: every training label is observed
    by ``test_as_of``, so nothing of the validation period leaks in.

    Parameters
    ----------
    lines, customers, target, horizon_days, label, items, item_column
        See :func:`propensity_dataset`.
    test_as_of : str or pandas.Timestamp
        Last day of history of the validation snapshot.
    n_train_cutoffs : int, default 4
        Number of stacked training snapshots.
    step_days : int, optional
        Days between training snapshots; default ``horizon_days``.

    Returns
    -------
    train, test : pandas.DataFrame
        Two outputs of :func:`propensity_dataset`.
    """
    test_as_of = _day(test_as_of)
    step = step_days or horizon_days
    train_as_of = [test_as_of - pd.Timedelta(days=horizon_days + k * step) for k in range(n_train_cutoffs)]
    options = dict(horizon_days=horizon_days, label=label, items=items, item_column=item_column)
    train = propensity_dataset(lines, customers, target, as_of_dates=sorted(train_as_of), **options)
    test = propensity_dataset(lines, customers, target, as_of_dates=[test_as_of], **options)
    return train, test


# --- the model ------------------------------------------------------------------------------


class PropensityModel(Estimator):
    """Probability of buying, from customer features.

    Parameters
    ----------
    method : {"logit", "boosting"}, default "logit"
        Logistic regression (statsmodels ``Logit``, Newton's method, no
        penalty) or gradient-boosted trees (scikit-learn
        ``HistGradientBoostingClassifier``).
    categorical : sequence of str
        Columns one-hot encoded (reference = the most frequent level).
    min_count : int, default 20
        0/1 columns with fewer ones (or zeros) than this are left out: too
        rare to estimate, and they make the logit unstable.
    min_buyers : int, default :data:`MIN_FEATURE_BUYERS`
        Logit only: 0/1 columns held by fewer buyers, or fewer non-buyers, than
        this are left out too: their odds ratio would rest on a handful of customers
        (with none, the estimate runs off to infinity: separation, Albert &
        Anderson 1984).
    seed : int, default 0
        Random state of the boosting model (the logit is deterministic).
    max_iter : int, default 100
        Newton iterations (logit) or boosting rounds.
    labels : mapping, optional
        What :meth:`summary` and :meth:`drivers` show for each item of the
        ``owns_`` / ``last_`` features (:func:`xsell_lab.catalogue.item_labels`);
        default: the item itself.
    shrink : bool, default False
        Logit only: shrink the predicted log-odds towards the average by the
        heuristic factor ``(LR chi2 - df) / LR chi2`` of the fit (van
        Houwelingen & le Cessie 1990; Steyerberg 2009, ch. 13), with the
        constant re-estimated so the mean prediction on the training data stays
        the training buying rate. A model with many features and few buyers
        over-fits, and its highest probabilities come out too high; shrinking
        pulls them back. :meth:`summary` keeps the fitted (unshrunk) coefficients.

    Attributes
    ----------
    features_ : list of str
        Columns of the design matrix (after encoding and dropping).
    params_ : pandas.Series
        Logit coefficients, ``const`` first (logit only).
    base_rate_ : float
        Share of positive labels in the training data.
    shrinkage_ : float
        The factor applied to the log-odds by :meth:`predict_proba` (1 without
        ``shrink``; 0 would predict the base rate for everybody).
    n_rows_ : int
        Rows (customer snapshots) the model was fitted on.
    left_out_ : pandas.Series
        The 0/1 features left out of the model, indexed by feature, with the
        reason in words (logit only; empty for boosting): ``"too few buyers"``
        (fewer than ``min_buyers`` buyers or non-buyers hold it) or ``"unstable"`` (logit only: the fit
        did not converge with it, so it was dropped and the model refitted).

    Notes
    -----
    Follows the package's estimator protocol (:mod:`xsell_lab.stats.estimator`):
    :meth:`fit` returns the model, the methods below raise
    :class:`~xsell_lab.exceptions.NotFittedError` before it, and the ``repr`` shows the
    first logit coefficients and the number of rows.
    """

    _fit_call = "fit(data)"

    def __init__(
        self,
        method: str = "logit",
        *,
        categorical: Sequence[str] = tuple(CATEGORICAL_FEATURES),
        min_count: int = 20,
        min_buyers: int = MIN_FEATURE_BUYERS,
        seed: int = 0,
        max_iter: int = 100,
        labels: Mapping[str, str] | None = None,
        shrink: bool = False,
    ) -> None:
        self.labels = labels
        self.shrink = shrink
        self.method = method
        self.categorical = categorical
        self.min_count = min_count
        self.min_buyers = min_buyers
        self.seed = seed
        self.max_iter = max_iter

    def fit(self, data: pd.DataFrame, label: str = "label") -> PropensityModel:
        """Fit on a :func:`propensity_dataset` (or any frame of features and a 0/1 label).

        Raises
        ------
        ValueError
            When the label column is missing or has a single class (nobody, or
            everybody, bought).
        """
        if self.method not in ("logit", "boosting"):
            raise ValueError(f"method must be 'logit' or 'boosting'. Got {self.method!r}.")
        require_columns(data, [label], "propensity data")
        y = data[label].to_numpy(dtype=float)
        positives = int(y.sum())
        if positives == 0 or positives == len(y):
            raise ValueError(
                f"Column '{label}' of the propensity data has {positives:,} buyers among {len(y):,} rows: "
                "a model needs both buyers and non-buyers (is the target ever bought in the label windows?)."
            )
        self.label_ = label
        self.levels_ = {c: data[c].value_counts().index.tolist() for c in self.categorical if c in data}
        design = self._encode(data)
        self.features_ = _informative_columns(design, y, self.min_count)
        self.base_rate_ = float(y.mean())
        self.left_out_ = pd.Series(index=pd.Index([], name="feature"), name="reason", dtype=object)
        if self.method == "logit":
            rare = _rare_columns(design[self.features_], y, self.min_buyers)
            self.result_, unstable = _stable_logit(y, design[[c for c in self.features_ if c not in rare]], self.max_iter)
            self.left_out_ = pd.Series(["too few buyers"] * len(rare) + ["unstable"] * len(unstable),
                                       index=pd.Index(rare + unstable, name="feature"), name="reason", dtype=object)
            self.features_ = [c for c in self.features_ if c not in self.left_out_.index]
            self.params_ = self.result_.params
            self.shrinkage_, self.shrunk_const_ = self._shrinkage(design[self.features_].to_numpy(dtype=float))
        else:
            from sklearn.ensemble import HistGradientBoostingClassifier

            self.shrinkage_ = 1.0
            self.booster_ = HistGradientBoostingClassifier(max_iter=self.max_iter, learning_rate=0.1, random_state=self.seed)
            with one_thread():  # a notebook-sized fit: threads gain little and stall on a busy machine (xsell_lab._threads)
                self.booster_.fit(design[self.features_].to_numpy(dtype=float), y)
        self.means_ = design[self.features_].mean()
        self.n_rows_ = len(data)
        return self

    def _parameters(self) -> pd.Series:
        return self.params_ if self.method == "logit" else pd.Series(dtype=float)

    def _shrinkage(self, design: np.ndarray) -> tuple[float, float]:
        """The shrinkage factor and the constant that keeps the mean prediction at the base rate."""
        if not self.shrink:
            return 1.0, float(self.params_["const"])
        chi2, df = float(self.result_.llr), float(self.result_.df_model)
        factor = float(np.clip((chi2 - df) / chi2, 0.0, 1.0)) if chi2 > 0 else 0.0
        linear = factor * (design @ self.params_[self.features_].to_numpy())
        const = brentq(lambda c: expit(c + linear).mean() - self.base_rate_, -50.0, 50.0)
        return factor, float(const)

    @requires_fit
    def design_matrix(self, data: pd.DataFrame) -> pd.DataFrame:
        """The model's inputs for ``data``: columns :attr:`features_` (0/1 dummies, numbers), no constant."""
        return self._encode(data).reindex(columns=self.features_, fill_value=0.0)

    @requires_fit
    def predict_proba(self, data: pd.DataFrame) -> pd.Series:
        """Probability of buying, one per row of ``data`` (same index).

        Returns
        -------
        pandas.Series
            ``propensity``, P(label = 1), indexed like ``data``.

        Notes
        -----
        One column, not scikit-learn's two (``[P(0), P(1)]``): the label is 0/1, so the
        second column says everything and the first is ``1 -`` it. A Series indexed like
        ``data`` keeps every score next to its customer snapshot
        (``data.assign(propensity=model.predict_proba(data))``), and goes straight into
        :func:`roc_auc`, :func:`gains_table` and :func:`calibration_table`. For an
        array in scikit-learn's shape, ``np.column_stack([1 - p, p])``.
        """
        design = self.design_matrix(data)
        if self.method == "logit":
            linear = self.shrunk_const_ + self.shrinkage_ * (design.to_numpy(dtype=float) @ self.params_[self.features_].to_numpy())
            return pd.Series(expit(linear), index=data.index, name="propensity")
        with one_thread():
            scores = self.booster_.predict_proba(design.to_numpy(dtype=float))[:, 1]
        return pd.Series(scores, index=data.index, name="propensity")

    @requires_fit
    def summary(self, *, confidence: float = 0.95, alpha: float | None = None) -> pd.DataFrame:
        """Logit coefficients with Wald intervals, and as odds ratios (logit only).

        ``odds ratio = exp(beta)``: the factor by which the odds of buying are
        multiplied for one more unit of the feature (for a 0/1 feature: with it
        versus without it), the others held equal (Hosmer, Lemeshow & Sturdivant
        2013, sec. 3.3). Its interval is the exponential of the coefficient's.

        Parameters
        ----------
        confidence : float, default 0.95
            Level of the intervals.
        alpha : float, optional
            Deprecated: ``1 - confidence`` (the keyword's name before xsell-lab 0.2).

        Returns
        -------
        pandas.DataFrame
            Indexed by ``parameter`` (``const`` first): ``estimate`` (the coefficient,
            log-odds), ``std_error``, ``ci_low``, ``ci_high`` (Wald), ``p_value``
            (Wald test of a zero coefficient), ``odds_ratio``, ``odds_ratio_low``,
            ``odds_ratio_high`` and ``meaning`` (the feature in words).

        Raises
        ------
        ValueError
            For ``method="boosting"``, which has no coefficients.
        """
        return super().summary(confidence=confidence_from_alpha(alpha, confidence, "PropensityModel.summary"))

    def _summary(self, confidence: float) -> pd.DataFrame:
        if self.method != "logit":
            raise ValueError("Coefficients and odds ratios exist for method='logit' only; a boosting model has none.")
        table = wald_table(self.params_, self.result_.bse, confidence)
        return table.assign(
            p_value=self.result_.pvalues,
            odds_ratio=np.exp(table["estimate"]),
            odds_ratio_low=np.exp(table["ci_low"]),
            odds_ratio_high=np.exp(table["ci_high"]),
            meaning=[describe_feature(name, self.levels_, labels=self.labels) for name in table.index],
        )

    @requires_fit
    def drivers(self, data: pd.DataFrame) -> pd.Series:
        """The feature that raises each row's score most above an average customer's (logit only).

        The contribution of feature ``j`` is ``beta_j (x_j - mean_j)`` on the
        log-odds scale (the training mean); the largest positive one is named
        in words (:func:`describe_driver`), or ``"no single strong driver"``
        when none is positive.
        """
        if self.method != "logit":
            raise ValueError("Drivers are read from logit coefficients; use method='logit'.")
        design = self.design_matrix(data)
        above = (design - self.means_).to_numpy()
        contribution = above * self.params_[self.features_].to_numpy()
        top = contribution.argmax(axis=1)
        names = [describe_driver(self.features_[j], above[i, j] > 0, labels=self.labels) for i, j in enumerate(top)]
        positive = contribution.max(axis=1) > 0
        return pd.Series(np.where(positive, names, "no single strong driver"), index=data.index, name="driver")

    def _encode(self, data: pd.DataFrame) -> pd.DataFrame:
        flags = [c for c in data.columns if c.startswith(("owns_", "last_"))]
        numeric = [c for c in NUMERIC_FEATURES if c in data] + flags
        parts = [data[numeric].astype(float)]
        for column, levels in self.levels_.items():
            values = data[column].astype(str)
            parts.append(pd.DataFrame({f"{column}={level}": (values == level).astype(float) for level in levels[1:]}, index=data.index))
        return pd.concat(parts, axis=1)


def describe_feature(name: str, levels: Mapping[str, list[str]] | None = None, *, labels: Mapping[str, str] | None = None) -> str:
    """A feature name in words, e.g. ``owns_printer`` -> ``has bought: printer``.

    ``labels`` (:func:`xsell_lab.catalogue.item_labels`) names the item of an
    ``owns_`` / ``last_`` feature (``owns_85099B`` -> ``has bought: JUMBO BAG RED RETROSPOT``).
    """
    if name == "const":
        return "baseline (reference customer)"
    if name.startswith(("owns_", "last_")):
        item = name[5:]
        shown = str((labels or {}).get(item, item)).replace("_", " ")
        return f"{'has bought' if name.startswith('owns_') else 'last order had'}: {shown}"
    if "=" in name:
        column, level = name.split("=", 1)
        reference = (levels or {}).get(column, ["the most common"])[0]
        return f"{column.replace('_', ' ')} {level} (vs {reference})"
    return {
        "recency_months": "one more month since the last order",
        "tenure_months": "one more month since the first order",
        "orders": "one more order so far",
        "spend_hundreds": "100 more spent so far",
    }.get(name, name)


def describe_driver(name: str, above_average: bool, *, labels: Mapping[str, str] | None = None) -> str:
    """Why a feature raises a customer's score, in words: ``orders`` above average -> ``many orders so far``."""
    numeric = {
        "recency_months": ("a long time since the last order", "a recent last order"),
        "tenure_months": ("a long-standing customer", "a new customer"),
        "orders": ("many orders so far", "few orders so far"),
        "spend_hundreds": ("high spend so far", "low spend so far"),
    }
    if name in numeric:
        return numeric[name][0 if above_average else 1]
    if "=" in name:
        column, level = name.split("=", 1)
        return f"{column.replace('_', ' ')} {'' if above_average else 'not '}{level}"
    if not above_average:
        return f"not {describe_feature(name, labels=labels)}"
    return describe_feature(name, labels=labels)


def _informative_columns(design: pd.DataFrame, label: np.ndarray, min_count: int) -> list[str]:
    """Columns worth estimating: not constant, not a copy of an earlier column, and for 0/1 columns at
    least ``min_count`` ones and zeros, and both buyers and non-buyers among the ones (otherwise the
    logit's estimate runs off to infinity: separation, Albert & Anderson 1984). :func:`_rare_columns`
    then names those too rare among buyers to estimate."""
    values = design.to_numpy(dtype=float) + 0.0  # + 0.0 turns -0.0 into 0.0, so equal columns have equal bytes
    seen: set[bytes] = set()
    kept = []
    for j in range(values.shape[1]):
        column = values[:, j]
        if column.tobytes() in seen or np.ptp(column) == 0:
            continue
        seen.add(column.tobytes())
        if np.isin(column, (0.0, 1.0)).all():
            ones = column == 1
            buyers = label[ones].sum()
            if min(ones.sum(), (~ones).sum()) < min_count or buyers == 0 or buyers == ones.sum():
                continue
        kept.append(design.columns[j])
    return kept


def _rare_columns(design: pd.DataFrame, label: np.ndarray, min_buyers: int) -> list[str]:
    """The 0/1 columns held by fewer than ``min_buyers`` buyers, or fewer than ``min_buyers`` non-buyers."""
    binary = [c for c in design.columns if design[c].isin((0.0, 1.0)).all()]
    ones = design[binary].to_numpy(dtype=float)
    buyers = label @ ones
    non_buyers = ones.sum(axis=0) - buyers
    return [c for c, b, n in zip(binary, buyers, non_buyers) if min(b, n) < min_buyers]


def _stable_logit(y: np.ndarray, design: pd.DataFrame, max_iter: int):
    """A converged logit fit, and the columns dropped to get it.

    When Newton's method does not converge, or a standard error is not finite (near-separation: a
    combination of features that only buyers, or only non-buyers, show), the column with the largest
    standard error is dropped and the model refitted, until the fit converges.

    Returns
    -------
    result : statsmodels LogitResults
        The converged fit.
    unstable : list of str
        The dropped columns, in the order they were dropped.
    """
    unstable: list[str] = []
    columns = list(design.columns)
    while True:
        with warnings.catch_warnings():
            # non-convergence and separation are read from mle_retvals below and answered by dropping a column
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            warnings.filterwarnings("ignore", message="overflow encountered in exp", category=RuntimeWarning)
            result = sm.Logit(y, sm.add_constant(design[columns], has_constant="add")).fit(method="newton", maxiter=max_iter, disp=False)
        errors = result.bse.drop("const")
        if not columns or (result.mle_retvals["converged"] and np.isfinite(errors).all()):
            return result, unstable
        worst = errors.fillna(np.inf).idxmax()
        unstable.append(worst)
        columns.remove(worst)


# --- evaluation ------------------------------------------------------------------------


def roc_auc(label: Sequence[int], score: Sequence[float]) -> float:
    """Area under the ROC curve: P(a random buyer scores above a random non-buyer), ties count half.

    Computed from mid-ranks (the Mann-Whitney U statistic divided by
    ``n_buyers x n_others``, Hanley & McNeil 1982, eq. 2).
    """
    y = np.asarray(label, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"AUC needs buyers and non-buyers. Got {n_pos} buyers and {n_neg} others.")
    ranks = stats.rankdata(np.asarray(score, dtype=float))
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def gains_table(label: Sequence[int], score: Sequence[float], bins: int = 10) -> pd.DataFrame:
    """Gains and lift by score decile (decile 1 = the highest scores).

    Customers are sorted by score (ties in their given order) and cut into
    ``bins`` groups of (nearly) equal size. ``lift`` = the group's response
    rate / the overall rate; ``cumulative_buyers`` = the share of all buyers
    found in the top groups so far (the gains curve); ``cumulative_lift`` =
    that share / the share of customers contacted.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GAINS_COLUMNS`, one row per decile.
    """
    y = np.asarray(label, dtype=float)
    order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
    groups = np.array_split(y[order], bins)
    customers = np.array([len(g) for g in groups])
    buyers = np.array([g.sum() for g in groups])
    overall = y.mean()
    cum_customers = customers.cumsum() / customers.sum()
    cum_buyers = buyers.cumsum() / buyers.sum()
    return pd.DataFrame(
        {
            "decile": np.arange(1, bins + 1),
            "customers": customers,
            "buyers": buyers.astype(int),
            "response_rate": buyers / customers,
            "lift": buyers / customers / overall,
            "cumulative_customers": cum_customers,
            "cumulative_buyers": cum_buyers,
            "cumulative_lift": cum_buyers / cum_customers,
        },
        columns=GAINS_COLUMNS,
    )


def calibration_table(
    label: Sequence[int], score: Sequence[float], bins: int | Sequence[float] = 10, strategy: str = "quantile"
) -> pd.DataFrame:
    """Mean predicted probability against the observed buying rate, by score bin (probability calibration).

    Parameters
    ----------
    label, score : sequences
        0/1 outcomes and predicted probabilities.
    bins : int or sequence of float, default 10
        How many bins; or their edges on [0, 1] (e.g. ``[0, 0.05, 0.1, 0.2,
        0.5, 1]``, each bin holding the scores above its lower edge and up to
        its upper edge, the first one from 0), which ignores ``strategy``.
    strategy : {"quantile", "uniform"}
        ``quantile``: groups of equal size by score rank; ``uniform``: bins of
        equal width on [0, 1] (empty bins left out).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CALIBRATION_COLUMNS`; ``ci_low`` / ``ci_high`` are the
        95 % Wilson interval of the observed rate (Wilson 1927).
    """
    y, p = np.asarray(label, dtype=float), np.asarray(score, dtype=float)
    if not np.isscalar(bins):
        edges = np.asarray(bins, dtype=float)
        if edges.size < 2 or np.any(np.diff(edges) <= 0) or edges[0] > p.min(initial=1.0) or edges[-1] < p.max(initial=0.0):
            raise ValueError(f"bins must be increasing edges that cover every score. Got {list(edges)}.")
        group = np.clip(np.searchsorted(edges, p, side="left") - 1, 0, edges.size - 2)
    elif strategy == "quantile":
        group = np.empty(len(p), dtype=int)
        for index, chunk in enumerate(np.array_split(np.argsort(p, kind="stable"), bins)):
            group[chunk] = index
    elif strategy == "uniform":
        group = np.clip(np.searchsorted(np.linspace(0, 1, bins + 1)[1:-1], p, side="right"), 0, bins - 1)
    else:
        raise ValueError(f"strategy must be 'quantile' or 'uniform'. Got {strategy!r}.")
    table = pd.DataFrame({"bin": group, "y": y, "p": p}).groupby("bin").agg(
        customers=("y", "size"), buyers=("y", "sum"), mean_predicted=("p", "mean")
    )
    table["observed_rate"] = table["buyers"] / table["customers"]
    low, high = wilson_interval(table["buyers"].to_numpy(), table["customers"].to_numpy())
    table["ci_low"], table["ci_high"] = low, high
    return table.reset_index()[CALIBRATION_COLUMNS]


def calibration_slope(label: Sequence[int], score: Sequence[float], *, confidence: float = 0.95) -> pd.DataFrame:
    """Cox's calibration intercept and slope: ``logit P(buy) = intercept + slope x logit(score)``.

    A slope of 1 and an intercept of 0 mean the probabilities can be taken at
    face value; a slope below 1 means the model is over-confident (its high
    scores too high, its low ones too low), above 1 under-confident (Cox 1958;
    Steyerberg 2009, ch. 15).

    Parameters
    ----------
    label, score : sequences
        0/1 outcomes and predicted probabilities (strictly between 0 and 1; the
        extremes are clipped to 1e-12 from them).
    confidence : float, default 0.95
        Level of the Wald intervals.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``parameter`` (``intercept``, ``slope``), columns
        :data:`SLOPE_COLUMNS`; ``p_value`` tests an intercept of 0 and a slope of 1.

    References
    ----------
    Cox, D. R. (1958). Two further applications of a model for binary regression.
    *Biometrika* 45(3/4), 562-565.
    """
    y = np.asarray(label, dtype=float)
    x = logit(np.clip(np.asarray(score, dtype=float), 1e-12, 1 - 1e-12))
    result = sm.Logit(y, sm.add_constant(x, has_constant="add")).fit(disp=0)
    names = pd.Index(["intercept", "slope"], name="parameter")
    table = wald_table(pd.Series(np.asarray(result.params), index=names), pd.Series(np.asarray(result.bse), index=names), confidence)
    null = np.array([0.0, 1.0])
    z = (table["estimate"].to_numpy() - null) / table["std_error"].to_numpy()
    return table.assign(p_value=2 * stats.norm.sf(np.abs(z)))[SLOPE_COLUMNS]


def offer_outcomes(offers: pd.DataFrame, bought: pd.DataFrame) -> pd.DataFrame:
    """Each offer's predicted probability next to whether the customer then bought the item offered.

    Parameters
    ----------
    offers : pandas.DataFrame
        :func:`next_best_offer` (``customer_id``, ``category``, ``propensity``).
    bought : pandas.DataFrame
        0/1, indexed by ``customer_id``, one column per item, as for :func:`offer_hit_rates`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`OUTCOME_COLUMNS`, one row per offer whose customer and
        item ``bought`` covers, in the order of ``offers``: ``bought`` is 0/1.
    """
    require_columns(offers, [s.CUSTOMER_ID, s.CATEGORY, "propensity"], "offers")
    took = bought.stack().rename("bought").rename_axis([s.CUSTOMER_ID, s.CATEGORY]).reset_index()
    table = offers[[s.CUSTOMER_ID, s.CATEGORY, "propensity"]].merge(took, on=[s.CUSTOMER_ID, s.CATEGORY], how="inner")
    return table.assign(bought=table["bought"].astype(int))[OUTCOME_COLUMNS]


# --- next best offer ---------------------------------------------------------------------


def score_customers(models: Mapping[str, PropensityModel], features: pd.DataFrame) -> pd.DataFrame:
    """Every customer's propensity for every target, in long form.

    Parameters
    ----------
    models : mapping of str to PropensityModel
        Fitted models by target category.
    features : pandas.DataFrame
        :func:`customer_features` at the scoring date.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``category``, ``propensity``, ``driver`` (the
        main reason in words, logit models; empty for boosting).
    """
    frames = []
    for category, model in models.items():
        driver = model.drivers(features) if model.method == "logit" else pd.Series("", index=features.index)
        frames.append(
            pd.DataFrame(
                {
                    s.CUSTOMER_ID: features[s.CUSTOMER_ID],
                    s.CATEGORY: category,
                    "propensity": model.predict_proba(features),
                    "driver": driver,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def category_margins(
    products: pd.DataFrame, *, item_column: str = s.CATEGORY, assumed_margin_rate: float = 0.0
) -> pd.Series:
    """Average list margin (``price - unit_cost``) of the products of each item.

    Parameters
    ----------
    products : pandas.DataFrame
        ``price``, ``item_column`` and, when the data has it, ``unit_cost``.
    item_column : str, default "category"
        ``category``, or ``product_name`` / ``product_id`` at product level.
    assumed_margin_rate : float, default 0.0
        Share of the list price taken as margin for products without a unit cost
        (:func:`xsell_lab.pricing.unit_costs`); 0 assumes nothing.

    Returns
    -------
    pandas.Series
        Margin per sale, indexed by ``item_column``; items without a known or
        assumed cost are left out (never a silent 0).
    """
    require_columns(products, [item_column, s.PRICE], s.PRODUCTS)
    costs = unit_costs(products, assumed_margin_rate)
    margin = (products[s.PRICE] - costs).groupby(products[item_column]).mean()
    return margin.dropna().rename("margin")


#: Horizons tried, longest first, when :func:`choose_cutoff` derives ``horizon_days`` from the data.
HORIZON_CHOICES = (90, 60, 30)
#: Fewest training snapshots a derived horizon must leave (one year of data fits three of 60 days).
MIN_TRAIN_CUTOFFS = 3
#: Fewest buyers (label 1) a training set and a validation set need for a model to be fitted
#: and read: fewer, and a notebook prints a skip sentence (about ten events per parameter
#: is the usual rule of thumb for a logistic regression, Peduzzi et al. 1996).
MIN_BUYERS = 20


def enough_buyers(train: pd.DataFrame, test: pd.DataFrame, *, min_buyers: int = MIN_BUYERS, label: str = "label") -> bool:
    """Whether both sets of :func:`time_split` hold at least ``min_buyers`` buyers and one non-buyer.

    Returns
    -------
    bool
        False when a model could not be fitted (no buyer) or not be validated
        (too few buyers for an AUC or a gains table worth reading).
    """
    require_columns(train, [label], "propensity data")
    require_columns(test, [label], "propensity data")
    counts = [(int(frame[label].sum()), len(frame)) for frame in (train, test)]
    return all(min_buyers <= buyers < rows for buyers, rows in counts)


def choose_cutoff(
    lines: pd.DataFrame, offer_day: str = "auto", *, horizon_days: int = 90, n_train_cutoffs: int = 4
) -> pd.Series:
    """The day offers go out and the training snapshots before it, from the data's period.

    ``"auto"`` (or ``""``) is the first day of the month on or before the last
    order day minus two horizons: the models are validated on the first horizon
    after the offer day, and the last horizon of the export, often incomplete
    (open orders, returns not yet booked), is used neither to train nor to
    validate. Training snapshots end ``horizon_days`` apart before the
    validation snapshot (as :func:`time_split`); those with less than one
    horizon of history before them are dropped.

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines with ``order_date``.
    offer_day : str, default "auto"
        The day the offers go out (an ISO day), or ``"auto"``.
    horizon_days : int, default 90
        Label window length. ``0`` derives it from the data: the longest of
        :data:`HORIZON_CHOICES` that leaves ``n_train_cutoffs`` training
        snapshots, or at least :data:`MIN_TRAIN_CUTOFFS` (one year of data gets
        60 days), else the one that leaves the most.
    n_train_cutoffs : int, default 4
        Most training snapshots wanted.

    Returns
    -------
    pandas.Series
        ``cutoff`` (the offer day), ``as_of`` (its eve, the validation
        snapshot's last day of history), ``n_train_cutoffs`` (kept),
        ``train_as_of`` (list of days, oldest first), ``first_day``,
        ``last_day``, ``chosen_by_data``, ``horizon_days`` (given or derived)
        and ``horizon_chosen_by_data``.

    Raises
    ------
    ValueError
        When the cut-off leaves no whole horizon after it or no history before
        it, or no training snapshot fits (the message gives the period).
    """
    require_columns(lines, [s.ORDER_DATE], "sales_lines")
    if horizon_days == 0 and n_train_cutoffs >= 1:
        fits = {}
        for days in HORIZON_CHOICES:
            try:
                fits[days] = choose_cutoff(lines, offer_day, horizon_days=days, n_train_cutoffs=n_train_cutoffs)
            except ValueError:
                continue
            if fits[days]["n_train_cutoffs"] >= min(n_train_cutoffs, MIN_TRAIN_CUTOFFS):
                return pd.concat([fits[days].drop("horizon_chosen_by_data"), pd.Series({"horizon_chosen_by_data": True})])
        if fits:
            best = max(fits.values(), key=lambda split: split["n_train_cutoffs"])
            return pd.concat([best.drop("horizon_chosen_by_data"), pd.Series({"horizon_chosen_by_data": True})])
        horizon_days = HORIZON_CHOICES[-1]
    if horizon_days < 1 or n_train_cutoffs < 1:
        raise ValueError(f"horizon_days and n_train_cutoffs must be at least 1; got {horizon_days!r} and {n_train_cutoffs!r}.")
    first_day, last_day = lines[s.ORDER_DATE].min().normalize(), lines[s.ORDER_DATE].max().normalize()
    horizon = pd.Timedelta(days=horizon_days)
    chosen_by_data = offer_day in ("auto", "")
    day = (last_day - 2 * horizon).to_period("M").to_timestamp() if chosen_by_data else _day(offer_day)
    as_of = day - pd.Timedelta(days=1)
    period = f"the data runs from {first_day:%Y-%m-%d} to {last_day:%Y-%m-%d}"
    if as_of + horizon > last_day or as_of < first_day:
        raise ValueError(
            f"Cut-off {day:%Y-%m-%d} needs history before it and a whole {horizon_days}-day window after it, but {period}. "
            "Choose a cut-off inside the period, or a shorter horizon_days."
        )
    train = [as_of - horizon - k * horizon for k in range(n_train_cutoffs)]
    train = [d for d in train if d >= first_day + horizon]
    if not train:
        raise ValueError(
            f"No training snapshot fits before the cut-off {day:%Y-%m-%d} with {horizon_days} days of history and a "
            f"{horizon_days}-day label window: {period}. Use a longer export or a shorter horizon_days."
        )
    return pd.Series(
        {"cutoff": day, "as_of": as_of, "n_train_cutoffs": len(train), "train_as_of": sorted(train),
         "first_day": first_day, "last_day": last_day, "chosen_by_data": chosen_by_data,
         "horizon_days": horizon_days, "horizon_chosen_by_data": False}
    )


def feature_items(lines: pd.DataFrame, *, item_column: str = s.CATEGORY, max_items: int = 40, keep: Sequence[str] = ()) -> list[str]:
    """The items to describe customers by: every item, or the ``max_items`` most customers bought.

    With a few dozen categories every one gets ``owns_`` / ``last_`` flags; at
    product level (thousands of products) only the ones bought by the most
    customers (ties by name), plus ``keep`` (the targets and anchors), so the
    models stay small.

    Returns
    -------
    list of str
        Sorted by name.
    """
    require_columns(lines, [s.CUSTOMER_ID, item_column], "sales_lines")
    buyers = lines.groupby(item_column, observed=True)[s.CUSTOMER_ID].nunique()
    buyers.index = buyers.index.astype(str)
    top = buyers.sort_index().sort_values(ascending=False, kind="stable").head(max_items).index
    return sorted(set(top) | set(map(str, keep)))


def offer_hit_rates(offers: pd.DataFrame, bought: pd.DataFrame, *, min_expected: float = MIN_EXPECTED_BUYERS) -> pd.DataFrame:
    """Did the customers recommended an item buy it more often than everyone?

    Parameters
    ----------
    offers : pandas.DataFrame
        One offer per row: ``customer_id`` and ``category`` (the item offered), as
        :func:`next_best_offer` returns.
    bought : pandas.DataFrame
        0/1, indexed by ``customer_id``, one column per item: whether the customer
        bought it in the label window (the ``label`` of each item's validation data).
    min_expected : float, default :data:`MIN_EXPECTED_BUYERS`
        Fewest buyers the recommended customers must expect at everyone's rate for
        the two rates to be compared.

    Returns
    -------
    pandas.DataFrame
        Indexed by the item, columns :data:`HIT_COLUMNS`: ``recommended_to`` (customers),
        ``their_buying_rate``, ``everyones_buying_rate`` and ``comparable``
        (``recommended_to x everyones_buying_rate >= min_expected``); items in
        the order of ``bought``'s columns, those never recommended left out.
    """
    require_columns(offers, [s.CUSTOMER_ID, s.CATEGORY], "offers")
    took = bought.stack().rename("bought_it").rename_axis([s.CUSTOMER_ID, s.CATEGORY]).reset_index()
    hits = offers[[s.CUSTOMER_ID, s.CATEGORY]].merge(took, on=[s.CUSTOMER_ID, s.CATEGORY], how="left")
    table = hits.groupby(s.CATEGORY)["bought_it"].agg(["size", "mean"]).set_axis(HIT_COLUMNS[:2], axis=1)
    table = table.reindex([item for item in bought.columns if item in table.index])
    table["everyones_buying_rate"] = bought.mean().reindex(table.index)
    table["comparable"] = table["recommended_to"] * table["everyones_buying_rate"] >= min_expected
    return table.rename_axis(s.CATEGORY)[HIT_COLUMNS]


def best_opportunity(sent: pd.Series, hits: pd.DataFrame) -> str | None:
    """The item to headline: the most offers left, among those the check says beat the average customer.

    An item qualifies when its check of :func:`offer_hit_rates` is ``comparable`` and
    the customers recommended it bought it at least as often as everyone
    (``their_buying_rate >= everyones_buying_rate``): an item whose recommended
    customers bought it less than average is no opportunity, however many offers
    of it pass the guardrails.

    Parameters
    ----------
    sent : pandas.Series
        Offers that may be sent per item (item -> count), e.g. the ``value_counts``
        of the item column of the offers left after the guardrails.
    hits : pandas.DataFrame
        :func:`offer_hit_rates`.

    Returns
    -------
    str or None
        The qualifying item with the most offers sent (ties: the higher ratio of
        the two rates, then by name); None when no item qualifies or none is sent.
    """
    require_columns(hits, HIT_COLUMNS, "hits")
    ratio = hits["their_buying_rate"] / hits["everyones_buying_rate"]
    beat = hits.index[hits["comparable"] & (ratio >= 1)]
    candidates = pd.DataFrame({"sent": sent.reindex(beat).fillna(0), "ratio": ratio.reindex(beat)})
    candidates = candidates[candidates["sent"] > 0].rename_axis("item").reset_index()
    if candidates.empty:
        return None
    candidates["item"] = candidates["item"].astype(str)
    return str(candidates.sort_values(["sent", "ratio", "item"], ascending=[False, False, True], kind="stable")["item"].iloc[0])


def next_best_offer(
    scores: pd.DataFrame,
    margins: pd.Series | Mapping[str, float] | None,
    *,
    uplift: pd.Series | Mapping[str, float] | None = None,
    horizon_days: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The one offer per customer with the highest expected value, and why.

    ``expected_value = propensity x margin x uplift`` where ``uplift`` is the
    offer's relative uplift measured in an experiment (treated rate / control
    rate - 1; the extra purchases the offer causes per purchase that would
    happen anyway) and 1 when no experiment measured it. Without uplift the
    expected value is the margin at stake, not the margin the offer adds:
    read it as a ranking, not a promise (Blattberg, Kim & Neslin 2008, ch. 21).

    Parameters
    ----------
    scores : pandas.DataFrame
        ``customer_id``, ``category``, ``propensity`` (and optionally
        ``driver``), e.g. :func:`score_customers`.
    margins : pandas.Series or mapping, or None
        Margin per sale by category (:func:`category_margins`). ``None`` when
        no margin is known (no unit cost and no assumed margin rate): the
        offer is then the most likely purchase, ``margin`` and
        ``expected_value`` stay empty and the reason says no margin is known
        (never a silent 0).
    uplift : pandas.Series or mapping, optional
        Relative uplift by category; categories absent count as 1 (give it
        for every category, or for none, to compare like with like).
    horizon_days : int, optional
        Stated in the reason ("within 90 days").
    labels : mapping, optional
        What the reason shows for each item (:func:`xsell_lab.catalogue.item_labels`);
        default: the item itself. The ``category`` column keeps the item.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`OFFER_COLUMNS`, one row per customer, sorted by
        ``expected_value`` (highest first); ties go to the first category in
        ``scores``.

    Raises
    ------
    ValueError
        When a scored category has no margin.
    """
    require_columns(scores, [s.CUSTOMER_ID, s.CATEGORY, "propensity"], "scores")
    if margins is None:
        table = scores.assign(margin=np.nan, uplift=np.nan, expected_value=np.nan)
        best = table.sort_values("propensity", ascending=False, kind="stable").drop_duplicates(s.CUSTOMER_ID)
        best["reason"] = _reasons(best, horizon_days, labels)
        return best.reset_index(drop=True)[OFFER_COLUMNS]
    margins = pd.Series(margins, dtype=float)
    missing = sorted(set(scores[s.CATEGORY]) - set(margins.dropna().index))
    if missing:
        raise ValueError(f"No margin for categor(ies) {', '.join(missing)} of table 'scores'; give a margin for every scored category.")
    uplift_factor = pd.Series(uplift if uplift is not None else {}, dtype=float)
    table = scores.assign(
        margin=scores[s.CATEGORY].map(margins),
        uplift=scores[s.CATEGORY].map(uplift_factor).fillna(1.0) if uplift is not None else np.nan,
    )
    factor = table["uplift"].fillna(1.0)
    table["expected_value"] = table["propensity"] * table["margin"] * factor
    best = table.sort_values("expected_value", ascending=False, kind="stable").drop_duplicates(s.CUSTOMER_ID)
    best["reason"] = _reasons(best, horizon_days, labels)
    return best.reset_index(drop=True)[OFFER_COLUMNS]


def _reasons(best: pd.DataFrame, horizon_days: int | None, labels: Mapping[str, str] | None = None) -> list[str]:
    within = f" within {horizon_days} days" if horizon_days else ""
    drivers = best["driver"] if "driver" in best else pd.Series("", index=best.index)
    reasons = []
    for row, driver in zip(best.itertuples(), drivers):
        text = f"{row.propensity:.0%} likely to buy {str((labels or {}).get(row.category, row.category)).replace('_', ' ')}{within}"
        if np.isnan(row.margin):
            reasons.append(text + " (no margin known: ranked by likelihood alone)" + (f"; main driver: {driver}" if driver else ""))
            continue
        text += f" x margin {row.margin:,.0f}"
        if not np.isnan(row.uplift):
            text += f" x uplift {row.uplift:.2f}"
        text += f" = {row.expected_value:,.2f} expected"
        if driver:
            text += f"; main driver: {driver}"
        reasons.append(text)
    return reasons


# --- what to model ------------------------------------------------------------------------


def choose_targets(
    lines: pd.DataFrame, targets: Sequence[str] = (), count: int = 5, *, item_column: str = s.CATEGORY
) -> pd.DataFrame:
    """The add-ons to model: the ones given, or those customers came back for most.

    An item is an **add-on** when, in its pair with the most customers
    (:func:`xsell_lab.basket.pair_counts`), it is the item bought after or
    with the other one, the pair's ``anchor``. Its ``later_buyers`` are the
    customers whose first purchase of it came on a later day than their first
    order: the buyers a propensity model can still find after a first sale.

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines (``customer_id``, ``order_date``, ``item_column``; ``unit_price`` for same-day pairs).
    targets : sequence of str, default ()
        Items to model; empty lets the data choose.
    count : int, default 5
        How many add-ons the data chooses (fewer when it has fewer).
    item_column : str, default "category"
        ``category``, or ``product_id`` for data without categories.

    Returns
    -------
    pandas.DataFrame
        :data:`TARGET_COLUMNS`, one row per target: given targets in their
        order (``anchor`` empty when the item is no add-on), else the add-ons
        with the most ``later_buyers`` first (ties by name).

    Raises
    ------
    ValueError
        A given target that is not a value of ``item_column`` (the message
        lists the values), or data in which no customer bought two items.
    """
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_DATE, item_column], "sales_lines")
    known = lines[item_column].dropna().astype(str).unique()
    unknown = [target for target in targets if target not in set(known)]
    if unknown:
        raise ValueError(
            f"targets {', '.join(map(repr, unknown))} not found in column '{item_column}' of table 'sales_lines'; "
            f"values: {', '.join(sorted(known)[:25])}{' ...' if len(known) > 25 else ''}."
        )
    pairs = pair_counts(lines, item_column=item_column)
    both_ways = pd.concat([pairs.assign(item=pairs["add_on"]), pairs.assign(item=pairs["anchor"])])
    top = both_ways.sort_values("customers", ascending=False, kind="stable").drop_duplicates("item")
    add_ons = top.loc[top["item"] == top["add_on"]].set_index("item")["anchor"]
    first_order = lines.groupby(s.CUSTOMER_ID)[s.ORDER_DATE].transform("min")
    first_buy = lines.assign(_first_order=first_order).groupby([item_column, s.CUSTOMER_ID], observed=True).agg(
        first=(s.ORDER_DATE, "min"), first_order=("_first_order", "min")
    )
    later = (first_buy["first"] > first_buy["first_order"]).groupby(level=0, observed=True).sum()
    later.index = later.index.astype(str)
    if targets:
        table = pd.DataFrame({"target": list(targets)})
    else:
        if add_ons.empty:
            raise ValueError(
                f"No add-on in column '{item_column}' of table 'sales_lines': no customer bought two different items "
                f"({lines[s.CUSTOMER_ID].nunique():,} customers, {len(known):,} items). Name the targets instead."
            )
        table = pd.DataFrame({"target": add_ons.index.astype(str)})
    table = table.assign(
        anchor=table["target"].map(add_ons.rename(index=str)).fillna("").astype(str),
        later_buyers=table["target"].map(later).fillna(0).astype("int64"),
    )
    if not targets:
        table = table.sort_values(["later_buyers", "target"], ascending=[False, True], kind="stable").head(count)
    return table[TARGET_COLUMNS].reset_index(drop=True)


# --- helpers -------------------------------------------------------------------------------


def _day(value: str | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()



def _item_flags(lines: pd.DataFrame, items: list[str], item_column: str, prefix: str) -> pd.DataFrame:
    """0/1 flags, one row per customer with a line of one of ``items`` (sorted ids), one column per item.

    One scatter into a customers x items array (the crosstab of the chosen lines clipped at 1,
    without pandas' per-cell Python aggregation).
    """
    position = pd.Index(items).get_indexer(lines[item_column])
    chosen = (position >= 0) & lines[s.CUSTOMER_ID].notna().to_numpy()
    codes, customers = lines[s.CUSTOMER_ID].loc[chosen].factorize(sort=True)
    flags = np.zeros((len(customers), len(items)))
    flags[codes, position[chosen]] = 1.0
    return pd.DataFrame(flags, index=customers.rename(s.CUSTOMER_ID), columns=[f"{prefix}{item}" for item in items])
