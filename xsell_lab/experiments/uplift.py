"""Uplift: whom does an offer persuade? Per-customer offer effects from a randomised test.

A propensity model (:mod:`xsell_lab.propensity`) ranks customers by how likely they are to buy;
an uplift model ranks them by how much the offer *changes* that likelihood. Radcliffe & Surry
(2011) name four kinds of customer: **persuadables** buy only with the offer (uplift above 0),
**sure things** buy anyway and **lost causes** never do (uplift 0 for both: an offer to them is
wasted), **do-not-disturbs** buy less when contacted (uplift below 0: the offer costs a sale).
A propensity ranking puts sure things first; an uplift ranking puts persuadables first.

The effects are learnt from a randomised test (the ``offers`` table: a control arm without the
offer and one or more offer arms), so treated and control customers are alike on average:

:class:`UpliftModel`
    ``method="two_model"``, the T-learner: one outcome model per arm, ``tau_a(x) = mu_a(x) - mu_c(x)``.
    ``method="x_learner"``, the X-learner (Künzel et al. 2019): imputed effects
    ``D_a = Y_a - mu_c(X_a)`` for treated and ``D_c = mu_a(X_c) - Y_c`` for control customers,
    regressions ``tau_a``, ``tau_c`` of them, and ``tau(x) = e tau_c(x) + (1 - e) tau_a(x)`` with ``e``
    the arm's share of the pair (the randomisation's known propensity). It borrows strength when
    one arm is much smaller than the other, as control arms often are.
:func:`qini_curve`, :func:`qini_area`, :func:`qini_interval`
    How good a ranking is at finding extra buyers (Radcliffe 2007): target the top ``k`` customers
    of the ranking; the Qini value is the extra outcomes of the treated among them over what the
    control among them predict, ``Q(k) = Y_t(k) - Y_c(k) N_t(k) / N_c(k)``. A random ranking gains
    in proportion to ``k``; the area between the two curves (per customer, over the share targeted)
    is the ranking's gain, with a bootstrap interval.
:func:`profit_curve`
    Is it worth sending? The margin the offer adds at each depth of a ranking, less the cost of
    contacting those customers.
:func:`holdout_mask`
    Which customers to keep aside to judge a model on: the same share of every arm, at random.
:func:`experiment_customers`
    The customers of one experiment with what was known of them on the offer date (the features).
:func:`uplift_by_group`
    The honest check: customers grouped by predicted uplift, each group's observed uplift (treated
    rate minus control rate) with a Newcombe interval beside the model's prediction.

References
----------
Künzel, S. R., Sekhon, J. S., Bickel, P. J. & Yu, B. (2019). Metalearners for estimating
heterogeneous treatment effects using machine learning. *PNAS*, 116(10), 4156-4165.
Radcliffe, N. J. (2007). Using control groups to target on predicted lift: building and
assessing uplift models. *Direct Marketing Analytics Journal*, 1, 14-21.
Radcliffe, N. J. & Surry, P. D. (2011). Real-world uplift modelling with significance-based uplift
trees. Stochastic Solutions White Paper.
Rzepakowski, P. & Jaroszewicz, S. (2012). Decision trees for uplift modeling with single and
multiple treatments. *Knowledge and Information Systems*, 32(2), 303-327.
Gutierrez, P. & Gérardy, J.-Y. (2017). Causal inference and uplift modelling: a review of the
literature. *PMLR* 67, 1-13.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from xsell_lab._threads import one_thread
from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.exceptions import DataValidationError, ParameterError, Problem
from xsell_lab.stats.estimator import Estimator, requires_fit, wald_table
from xsell_lab.stats.intervals import newcombe_interval

#: The ways to estimate per-customer uplift (:class:`UpliftModel`).
METHODS = ("two_model", "x_learner")
#: The outcome models: a regularised logistic regression / ridge regression, or gradient boosting.
LEARNERS = ("linear", "boosting")
#: Columns of :func:`qini_curve`.
QINI_COLUMNS = [
    "targeted", "share_targeted", "treated", "control", "treated_outcome", "control_outcome", "qini", "random",
    "incremental_outcome",
]  # fmt: skip
#: Columns of :func:`profit_curve`.
PROFIT_COLUMNS = ["targeted", "share_targeted", "incremental_margin", "contact_costs", "incremental_profit"]
#: Columns :func:`experiment_customers` adds for what each customer did before the offer.
HISTORY_FEATURES = ["orders_before", "spend_before", "days_as_customer"]
#: Customer columns :func:`experiment_customers` uses as features when the data has two or more values.
ATTRIBUTE_FEATURES = [s.SEGMENT, s.REGION, s.PREFERRED_CHANNEL, s.ACQUISITION_CHANNEL]
#: What a missing customer attribute becomes (a value of its own, not a guess).
NOT_RECORDED = "(not recorded)"
#: Columns of :func:`uplift_by_group`.
GROUP_COLUMNS = [
    "group", "customers", "treated", "control", "rate_treated", "rate_control", "observed_uplift",
    "ci_low", "ci_high", "predicted_uplift",
]  # fmt: skip
#: Least customers per arm (and, for a 0/1 outcome, buyers and non-buyers) to fit an arm's model.
MIN_ROWS_PER_ARM = 30


def _is_binary(values: pd.Series) -> bool:
    return bool(values.dropna().isin([0, 1]).all())


class UpliftModel(Estimator):
    """Per-customer uplift of each offer arm over the control arm of one randomised test.

    Parameters
    ----------
    features : list of str
        Customer columns the effect may depend on: numbers are used as they are, other
        columns as one 0/1 column per value (the most common value is the reference).
    arm_column : str, default "variant"
        The column naming each customer's arm.
    outcome : str, default "accepted"
        What the offer should change: 0/1 (bought or not) or an amount (revenue).
    control : str, default "control"
        The arm that got no offer.
    method : {"two_model", "x_learner"}
        See the module documentation.
    learner : {"linear", "boosting"}
        The outcome models: ``"linear"`` is scikit-learn's ``LogisticRegression`` (0/1 outcome)
        or ``Ridge`` (amounts and the X-learner's second stage), both L2-regularised (``C = 1``,
        ``alpha = 1``) on standardised inputs; ``"boosting"`` is ``HistGradientBoostingClassifier``
        / ``Regressor`` with ``seed``.
    seed : int, default 0
        Random state of the boosting learners (the linear ones have none).

    Attributes
    ----------
    arms_ : list of str
        The offer arms, in order of appearance.
    levels_ : dict of str to list of str
        The values of each non-numeric feature seen at fit, reference first.
    n_rows_ : int
        Customers fitted.
    """

    _fit_call = "fit(test), test having the features, the arm column and the outcome"

    def __init__(
        self,
        features: list[str],
        *,
        arm_column: str = "variant",
        outcome: str = "accepted",
        control: str = "control",
        method: str = "two_model",
        learner: str = "linear",
        seed: int = 0,
    ) -> None:
        self.features = features
        self.arm_column = arm_column
        self.outcome = outcome
        self.control = control
        self.method = method
        self.learner = learner
        self.seed = seed

    # -- fitting -------------------------------------------------------------------------------

    def fit(self, test: pd.DataFrame) -> UpliftModel:
        """Fit the outcome models on a randomised test, one row per customer.

        Parameters
        ----------
        test : pandas.DataFrame
            Columns ``features``, ``arm_column`` and ``outcome``.

        Returns
        -------
        UpliftModel
            The fitted model (``self``).

        Raises
        ------
        ParameterError
            For an unknown ``method`` or ``learner``, or no features.
        DataValidationError
            When a column is missing, the outcome has missing values, there is no control arm or
            no offer arm, or an arm has fewer than :data:`MIN_ROWS_PER_ARM` customers (or, for a
            0/1 outcome, of buyers or non-buyers).
        """
        if self.method not in METHODS:
            raise ParameterError(f"method must be one of {list(METHODS)}, not {self.method!r}.")
        if self.learner not in LEARNERS:
            raise ParameterError(f"learner must be one of {list(LEARNERS)}, not {self.learner!r}.")
        if not list(self.features):
            raise ParameterError("features is empty: name at least one customer column the effect may depend on.")
        require_columns(test, [*self.features, self.arm_column, self.outcome], "test")
        missing = test[self.outcome].isna()
        if missing.any():
            raise DataValidationError([Problem(
                "test", self.outcome, "are empty (an uplift model needs every customer's outcome)", int(missing.sum()),
                f"row {test.index[missing][0]!r}", "Fill or drop them.",
            )])  # fmt: skip
        arms = test[self.arm_column].astype(str)
        if self.control not in set(arms):
            raise DataValidationError([Problem(
                "test", self.arm_column, f"are in an arm, but there is no {self.control!r} arm", len(arms),
                f"arms {sorted(set(arms))}", "Uplift is measured against customers who got no offer: set control to that arm's name.",
            )])  # fmt: skip
        self.binary_ = _is_binary(test[self.outcome])
        self.levels_ = {
            column: test[column].astype(str).value_counts().index.tolist()
            for column in self.features if not pd.api.types.is_numeric_dtype(test[column])
        }  # fmt: skip
        self.arms_ = [arm for arm in pd.unique(arms) if arm != self.control]
        if not self.arms_:
            raise DataValidationError([Problem(
                "test", self.arm_column, f"are in the {self.control!r} arm, and there is no other arm", len(arms),
                f"arm {self.control!r}", "There is no offer to measure.",
            )])  # fmt: skip
        design = self._design(test)
        y = test[self.outcome].to_numpy(dtype=float)
        for arm in [self.control, *self.arms_]:
            self._check_arm(arm, y[(arms == arm).to_numpy()], test.index[(arms == arm).to_numpy()])
        with one_thread():
            self._fit_models(design, y, arms)
        self.ate_ = self._average_effects(arms, y)
        self.n_rows_ = len(test)
        self.mean_predicted_ = self.predict(test)[self.arms_].mean()
        return self

    def _fit_models(self, design: np.ndarray, y: np.ndarray, arms: pd.Series) -> None:
        """The outcome model of each arm and, for the X-learner, the effect models of each offer arm."""
        in_control = (arms == self.control).to_numpy()
        self.outcome_models_ = {arm: self._outcome_model().fit(design[(arms == arm).to_numpy()], y[(arms == arm).to_numpy()])
                                for arm in [self.control, *self.arms_]}
        self.effect_models_ = {}
        if self.method == "x_learner":
            for arm in self.arms_:
                in_arm = (arms == arm).to_numpy()
                imputed_treated = y[in_arm] - self._predict_outcome(self.control, design[in_arm])
                imputed_control = self._predict_outcome(arm, design[in_control]) - y[in_control]
                share = in_arm.sum() / (in_arm.sum() + in_control.sum())
                self.effect_models_[arm] = (
                    self._effect_model().fit(design[in_arm], imputed_treated),
                    self._effect_model().fit(design[in_control], imputed_control),
                    share,
                )

    def _check_arm(self, arm: str, y: np.ndarray, rows: pd.Index) -> None:
        buyers = int((y > 0).sum()) if self.binary_ else len(y)
        too_few = len(y) < MIN_ROWS_PER_ARM or (self.binary_ and min(buyers, len(y) - buyers) < MIN_ROWS_PER_ARM // 3)
        if too_few:
            raise DataValidationError([Problem(
                "test", self.arm_column, f"are in arm {arm!r}, with {buyers:,} of {self.outcome} = 1: too few", len(y),
                f"row {rows[0]!r}" if len(rows) else "",
                f"An uplift model needs at least {MIN_ROWS_PER_ARM} customers per arm, and at least "
                f"{MIN_ROWS_PER_ARM // 3} buyers and non-buyers in each, to learn who responds.",
            )])  # fmt: skip

    def _design(self, frame: pd.DataFrame) -> np.ndarray:
        """The inputs: numeric features, then a 0/1 column per non-reference value of the others."""
        parts = [frame[c].astype(float).to_numpy()[:, None] for c in self.features if c not in self.levels_]
        for column, levels in self.levels_.items():
            values = frame[column].astype(str).to_numpy()
            parts.extend((values == level).astype(float)[:, None] for level in levels[1:])
        design = np.hstack(parts) if parts else np.zeros((len(frame), 0))
        if np.isnan(design).any():
            column = next(c for c in self.features if c not in self.levels_ and frame[c].isna().any())
            empty = frame[column].isna()
            raise DataValidationError([Problem("customers", column, "are empty", int(empty.sum()), f"row {frame.index[empty][0]!r}",
                                               "Fill or drop them: the model needs every feature.")])
        return design

    def _outcome_model(self):
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
        from sklearn.linear_model import LogisticRegression, Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        if self.learner == "boosting":
            kind = HistGradientBoostingClassifier if self.binary_ else HistGradientBoostingRegressor
            return kind(max_iter=100, learning_rate=0.1, random_state=self.seed)
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000) if self.binary_ else Ridge(alpha=1.0))

    def _effect_model(self):
        from sklearn.ensemble import HistGradientBoostingRegressor
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        if self.learner == "boosting":
            return HistGradientBoostingRegressor(max_iter=100, learning_rate=0.1, random_state=self.seed)
        return make_pipeline(StandardScaler(), Ridge(alpha=1.0))

    def _predict_outcome(self, arm: str, design: np.ndarray) -> np.ndarray:
        model = self.outcome_models_[arm]
        return model.predict_proba(design)[:, 1] if self.binary_ else model.predict(design)

    def _average_effects(self, arms: pd.Series, y: np.ndarray) -> pd.DataFrame:
        """Each arm's average effect: difference in means with its unpooled standard error."""
        control = y[(arms == self.control).to_numpy()]
        rows = {}
        for arm in self.arms_:
            treated = y[(arms == arm).to_numpy()]
            std_error = np.sqrt(treated.var(ddof=1) / len(treated) + control.var(ddof=1) / len(control))
            rows[arm] = (treated.mean() - control.mean(), std_error)
        return pd.DataFrame(rows, index=["estimate", "std_error"]).T

    # -- using the model -----------------------------------------------------------------------

    @requires_fit
    def predict(self, customers: pd.DataFrame) -> pd.DataFrame:
        """Each customer's predicted outcome without an offer and uplift with each offer arm.

        Parameters
        ----------
        customers : pandas.DataFrame
            The ``features`` columns.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``customers``: ``baseline`` (predicted outcome without the offer: a
            buying probability for a 0/1 outcome), one column per offer arm (:attr:`arms_`, named by
            the arm) with the predicted uplift, ``best_arm`` (the arm of the largest uplift) and
            ``best_uplift`` (that uplift; below 0 when every offer is predicted to put the customer off).
        """
        require_columns(customers, list(self.features), "customers")
        design = self._design(customers)
        with one_thread():
            return self._predictions(design, customers.index)

    def _predictions(self, design: np.ndarray, index: pd.Index) -> pd.DataFrame:
        baseline = self._predict_outcome(self.control, design)
        uplift = pd.DataFrame(index=index)
        for arm in self.arms_:
            if self.method == "two_model":
                uplift[arm] = self._predict_outcome(arm, design) - baseline
            else:
                treated_model, control_model, share = self.effect_models_[arm]
                uplift[arm] = share * control_model.predict(design) + (1 - share) * treated_model.predict(design)
        result = pd.DataFrame({"baseline": baseline}, index=index).join(uplift)
        result["best_arm"] = uplift.idxmax(axis=1)
        result["best_uplift"] = uplift.max(axis=1)
        return result

    def _parameters(self) -> pd.Series:
        return self.ate_["estimate"].rename(lambda arm: f"uplift[{arm}]")

    def _summary(self, confidence: float) -> pd.DataFrame:
        table = wald_table(self.ate_["estimate"], self.ate_["std_error"], confidence).rename_axis("arm")
        table["mean_predicted_uplift"] = self.mean_predicted_
        return table


# -- judging a ranking -------------------------------------------------------------------------


def _ranking_arrays(score, treated, outcome) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    score, treated, outcome = (np.asarray(v, dtype=float) for v in (score, treated, outcome))
    if not (len(score) == len(treated) == len(outcome)):
        raise ParameterError(f"score, treated and outcome must have one value per customer: {len(score)}, {len(treated)}, {len(outcome)}.")
    if not np.isin(treated, [0, 1]).all():
        raise ParameterError("treated must be 0 (control) or 1 (got the offer) for every customer.")
    for name, values in (("score", score), ("outcome", outcome)):
        if not np.isfinite(values).all():
            raise ParameterError(f"{name} has {int((~np.isfinite(values)).sum()):,} missing or infinite values.")
    if treated.sum() == 0 or treated.sum() == len(treated):
        raise ParameterError("a Qini curve needs treated and control customers; one group is empty.")
    return score, treated, outcome


def qini_curve(score, treated, outcome) -> pd.DataFrame:
    """Extra outcomes gained by targeting the top of a ranking, at every depth (Radcliffe 2007).

    Customers are sorted by ``score``, highest first; customers with equal scores enter
    together. At each depth ``k`` (the customers targeted)::

        qini(k) = Y_t(k) - Y_c(k) * N_t(k) / N_c(k)

    with ``N_t``, ``N_c`` the treated and control customers among the top ``k`` and ``Y_t``,
    ``Y_c`` their summed outcomes (0 for ``Y_c`` while ``N_c`` is 0). ``random`` is the straight
    line of a ranking that knows nothing, ``share_targeted x qini(all)``.
    ``incremental_outcome = k (Y_t(k) / N_t(k) - Y_c(k) / N_c(k))`` (the uplift curve of Rzepakowski &
    Jaroszewicz 2012; 0 while either group is empty) is what offering the offer to all ``k``
    customers adds: the Qini value scales to the treated among them, this one to all.

    Parameters
    ----------
    score : array-like
        The ranking score, one per customer (a predicted uplift; higher means target first).
    treated : array-like of 0/1
        1 for a customer who got the offer in the test, 0 for control.
    outcome : array-like
        The customer's outcome (0/1 bought, or an amount).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`QINI_COLUMNS`, a first row for depth 0, then one row per distinct score.
    """
    score, treated, outcome = _ranking_arrays(score, treated, outcome)
    order = np.argsort(-score, kind="stable")
    score, treated, outcome = score[order], treated[order], outcome[order]
    ends = np.r_[np.flatnonzero(np.diff(score)), len(score) - 1]  # the last row of each run of equal scores
    n_treated = np.cumsum(treated)[ends]
    n_control = (ends + 1) - n_treated
    y_treated = np.cumsum(outcome * treated)[ends]
    y_control = np.cumsum(outcome * (1 - treated))[ends]
    ratio = np.divide(n_treated, n_control, out=np.zeros_like(n_treated), where=n_control > 0)
    qini = y_treated - y_control * ratio
    both = (n_treated > 0) & (n_control > 0)
    per_customer = np.divide(y_treated, n_treated, out=np.zeros_like(y_treated), where=both) - np.divide(
        y_control, n_control, out=np.zeros_like(y_control), where=both
    )
    targeted = np.r_[0, ends + 1]
    curve = pd.DataFrame(
        {
            "targeted": targeted,
            "share_targeted": targeted / len(score),
            "treated": np.r_[0, n_treated].astype(int),
            "control": np.r_[0, n_control].astype(int),
            "treated_outcome": np.r_[0.0, y_treated],
            "control_outcome": np.r_[0.0, y_control],
            "qini": np.r_[0.0, qini],
        }
    )
    curve["random"] = curve["share_targeted"] * curve["qini"].iloc[-1]
    curve["incremental_outcome"] = np.r_[0.0, per_customer * (ends + 1)]
    return curve[QINI_COLUMNS]


def profit_curve(score, treated, margin, *, contact_cost: float = 0.0) -> pd.DataFrame:
    """What offering to the top of a ranking earns after the cost of contacting, at every depth.

    ``incremental_margin`` is the uplift curve of :func:`qini_curve` with each customer's margin
    as the outcome (the margin of what the offer sold them, 0 for customers who did not buy):
    the margin the offer adds when sent to the top ``targeted`` customers, net of any discount
    (the margin is what the sale earned at the price paid). ``contact_costs = targeted x
    contact_cost`` and ``incremental_profit = incremental_margin - contact_costs``.

    Parameters
    ----------
    score, treated : array-like
        As in :func:`qini_curve`.
    margin : array-like
        Each customer's margin from the offered product in the response window (0 if none).
    contact_cost : float, default 0.0
        Cost of making the offer to one customer (e-mail, call, printed letter).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROFIT_COLUMNS`, one row per depth of :func:`qini_curve`.
    """
    if not np.isfinite(contact_cost) or contact_cost < 0:
        raise ParameterError(f"contact_cost is a cost per customer contacted, 0 or more; got {contact_cost!r}.")
    curve = qini_curve(score, treated, margin)
    profit = pd.DataFrame({"targeted": curve["targeted"], "share_targeted": curve["share_targeted"],
                           "incremental_margin": curve["incremental_outcome"]})
    profit["contact_costs"] = profit["targeted"] * float(contact_cost)
    profit["incremental_profit"] = profit["incremental_margin"] - profit["contact_costs"]
    return profit[PROFIT_COLUMNS]


def holdout_mask(arms: pd.Series, share: float, *, seed: int) -> np.ndarray:
    """Which rows to keep aside to judge a model on: ``share`` of every arm, drawn at random.

    Splitting each arm alike keeps the test's arm sizes in both halves, so an uplift measured on
    the held-out rows compares like with like.

    Parameters
    ----------
    arms : pandas.Series
        Each customer's arm.
    share : float
        Share of each arm held out, strictly between 0 and 1 (rounded to whole customers).
    seed : int
        Seed of the draw.

    Returns
    -------
    numpy.ndarray of bool
        True for the rows held out, in the order of ``arms``.
    """
    if not 0 < share < 1:
        raise ParameterError(f"the held-out share must be strictly between 0 and 1 (0.5 for half); got {share!r}.")
    rng = np.random.default_rng(seed)
    held_out = np.zeros(len(arms), dtype=bool)
    for _, rows in pd.Series(arms.to_numpy()).groupby(arms.to_numpy()).indices.items():
        held_out[rng.choice(rows, size=int(round(len(rows) * share)), replace=False)] = True
    return held_out


def experiment_customers(
    offers: pd.DataFrame,
    customers: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    experiment: str,
    arms: list[str],
    days: int = 365,
    customer_columns: Sequence[str] = (),
) -> pd.DataFrame:
    """The customers of one randomised experiment with what was known of them on the offer date.

    The features of an uplift model must be measured before the offer, so that the offer cannot
    have changed them: ``orders_before`` and ``spend_before`` count the orders and revenue of the
    ``days`` days before each customer's offer date (the day itself excluded), ``days_as_customer``
    the days from the customer's first order to it (0 for a customer with no earlier order); one
    with a single value for every customer (a campaign export has no orders) is left out. The
    customer attributes of :data:`ATTRIBUTE_FEATURES` that the data has, with two or more values,
    are added; a missing value becomes ``"(not recorded)"``. So are the ``customer_columns`` asked
    for.

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical offers table.
    customers : pandas.DataFrame
        The canonical customers table.
    lines : pandas.DataFrame
        Sales lines (:func:`xsell_lab.data.company.sales_lines`): ``customer_id``, ``order_id``,
        ``order_date``, ``revenue``.
    experiment : str
        A value of ``offers.experiment_id``.
    arms : list of str
        The arms kept (the control arm and the offer arm(s) studied).
    days : int, default 365
        Length of the history window.
    customer_columns : sequence of str, optional
        More columns of the customers table to describe each customer, such as a campaign
        export's own ``recency`` or ``history`` (:func:`other_customer_columns` lists them). They
        must have been measured before the offer, which the data cannot show. Numeric and
        true/false columns are used as numbers (an empty value is refused by the model), others
        as categories. A column named as an arm or a column of the result (``womens`` in a test
        with a ``womens`` arm) becomes ``customers.womens``.

    Returns
    -------
    pandas.DataFrame
        One row per customer: the offers columns ``customer_id``, ``variant``, ``offer_date``,
        ``product_id``, ``accepted`` (0/1), ``revenue``, then the :data:`HISTORY_FEATURES`,
        attribute columns and customer columns used. ``features`` in ``frame.attrs`` lists the
        feature columns.

    Raises
    ------
    DataValidationError
        When a column of ``customer_columns`` is not in the customers table.
    """
    require_columns(offers, [s.EXPERIMENT_ID, s.VARIANT, s.CUSTOMER_ID, s.OFFER_DATE, s.PRODUCT_ID, s.ACCEPTED, s.REVENUE], s.OFFERS)
    require_columns(lines, [s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE, s.REVENUE], "sales lines")
    kept = offers[(offers[s.EXPERIMENT_ID] == experiment) & offers[s.VARIANT].isin(arms)]
    if kept.empty:
        raise DataValidationError([Problem(s.OFFERS, s.EXPERIMENT_ID, f"are in experiment {experiment!r} with arms {arms}", 0,
                                           f"experiments {sorted(offers[s.EXPERIMENT_ID].unique())[:5]}")])
    test = kept[[s.CUSTOMER_ID, s.VARIANT, s.OFFER_DATE, s.PRODUCT_ID, s.ACCEPTED, s.REVENUE]].reset_index(drop=True)
    test[s.ACCEPTED] = test[s.ACCEPTED].astype(int)
    orders = lines.drop_duplicates(s.ORDER_ID)[[s.CUSTOMER_ID, s.ORDER_ID, s.ORDER_DATE]]
    revenue = lines.groupby(s.ORDER_ID)[s.REVENUE].sum()
    joined = test[[s.CUSTOMER_ID, s.OFFER_DATE]].reset_index().merge(orders, on=s.CUSTOMER_ID)
    joined["order_revenue"] = joined[s.ORDER_ID].map(revenue)
    before = joined[joined[s.ORDER_DATE] < joined[s.OFFER_DATE]]
    window = before[before[s.ORDER_DATE] >= before[s.OFFER_DATE] - pd.Timedelta(days=days)]
    test["orders_before"] = window.groupby("index").size().reindex(test.index, fill_value=0).astype(int)
    test["spend_before"] = window.groupby("index")["order_revenue"].sum().reindex(test.index, fill_value=0.0)
    first = before.groupby("index")[s.ORDER_DATE].min()
    test["days_as_customer"] = (test[s.OFFER_DATE] - first.reindex(test.index)).dt.days.fillna(0).astype(int)
    history = [c for c in HISTORY_FEATURES if test[c].nunique() >= 2]
    absent = [c for c in customer_columns if c not in customers]
    if absent:
        raise DataValidationError([Problem(s.CUSTOMERS, absent[0], "named in customer_columns is not a column of the table",
                                           len(absent), f"columns {', '.join(other_customer_columns(customers)) or '(none)'}",
                                           "Name columns of the customers file.")])
    attributes = [c for c in ATTRIBUTE_FEATURES if c in customers and customers[c].nunique() >= 2 and c not in customer_columns]
    values = customers.set_index(s.CUSTOMER_ID)
    for column in attributes:
        test[column] = test[s.CUSTOMER_ID].map(values[column]).astype(object).where(lambda v: v.notna(), NOT_RECORDED).astype(str)
    named = []
    for column in customer_columns:
        own = test[s.CUSTOMER_ID].map(values[column])
        numeric = pd.api.types.is_numeric_dtype(values[column]) or pd.api.types.is_bool_dtype(values[column])
        name = f"{s.CUSTOMERS}.{column}" if column in test.columns or column in arms or column == "baseline" else column
        test[name] = own.astype(float) if numeric else own.astype(object).where(own.notna(), NOT_RECORDED).astype(str)
        named.append(name)
    test.attrs["features"] = [*history, *attributes, *named]
    return test


def other_customer_columns(customers: pd.DataFrame) -> list[str]:
    """The columns of a customers table beyond the canonical ones, with two or more values.

    Candidates for :func:`experiment_customers`' ``customer_columns`` (a campaign export's
    ``recency`` or ``history``), to be used only when they were measured before the offer.

    Parameters
    ----------
    customers : pandas.DataFrame
        The canonical customers table.

    Returns
    -------
    list of str
        In the table's order.
    """
    canonical = set(s.TABLES[s.CUSTOMERS].column_names)
    return [c for c in customers.columns if c not in canonical and customers[c].nunique() >= 2]


def qini_area(score, treated, outcome) -> float:
    """The area between a ranking's Qini curve and the random line, over the share targeted.

    In outcome units (extra buyers, or extra revenue): the ranking's gain over random targeting,
    averaged over every depth from nobody to everybody (trapezoids between the curve's points).
    0 for a ranking no better than chance; negative when it puts the do-not-disturbs first.

    Parameters
    ----------
    score, treated, outcome : array-like
        As in :func:`qini_curve`.

    Returns
    -------
    float
    """
    curve = qini_curve(score, treated, outcome)
    gain = (curve["qini"] - curve["random"]).to_numpy()
    width = np.diff(curve["share_targeted"].to_numpy())
    return float(np.sum(width * (gain[1:] + gain[:-1]) / 2))


def qini_interval(score, treated, outcome, *, confidence: float = 0.95, n_boot: int = 500, seed: int = 0) -> tuple[float, float]:
    """A bootstrap percentile interval of :func:`qini_area`, the scores held fixed.

    Customers are resampled with replacement within the treated and within the control group
    (so both keep their size), and the area recomputed ``n_boot`` times.

    Parameters
    ----------
    score, treated, outcome : array-like
        As in :func:`qini_curve`.
    confidence : float, default 0.95
        Level of the interval.
    n_boot : int, default 500
        Resamples.
    seed : int, default 0
        Seed of the resampling.

    Returns
    -------
    tuple of float
        ``(ci_low, ci_high)``.
    """
    from xsell_lab.stats.estimator import check_confidence

    confidence = check_confidence(confidence)
    score, treated, outcome = _ranking_arrays(score, treated, outcome)
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(treated == 1), np.flatnonzero(treated == 0)]
    areas = []
    for _ in range(n_boot):
        rows = np.concatenate([rng.choice(group, size=len(group), replace=True) for group in groups])
        areas.append(qini_area(score[rows], treated[rows], outcome[rows]))
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(areas, [tail, 100 - tail])
    return float(low), float(high)


def uplift_by_group(predicted_uplift, treated, outcome, *, groups: int = 5, confidence: float = 0.95) -> pd.DataFrame:
    """Observed against predicted uplift, customers grouped by predicted uplift.

    Customers are cut into ``groups`` groups of (nearly) equal size by predicted uplift, group 1
    the highest. In each, ``observed_uplift = rate_treated - rate_control`` from the test itself,
    with a Newcombe interval for a 0/1 outcome (Welch's normal interval for amounts), beside the
    mean ``predicted_uplift``. A model that finds persuadables shows observed uplift falling from
    group 1 to the last group.

    Parameters
    ----------
    predicted_uplift : array-like
        One per customer.
    treated : array-like of 0/1
        1 for a customer who got the offer.
    outcome : array-like
        0/1 or an amount.
    groups : int, default 5
        Number of groups (5: fifths).
    confidence : float, default 0.95
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GROUP_COLUMNS`, one row per group.
    """
    from scipy import stats

    score, treated, outcome = _ranking_arrays(predicted_uplift, treated, outcome)
    if groups < 2 or groups > len(score):
        raise ParameterError(f"groups must be between 2 and the number of customers ({len(score):,}), not {groups}.")
    rank = np.empty(len(score), dtype=int)
    rank[np.argsort(-score, kind="stable")] = np.arange(len(score))
    group = rank * groups // len(score) + 1
    frame = pd.DataFrame({"group": group, "treated": treated, "outcome": outcome, "score": score})
    rows = []
    for number, part in frame.groupby("group"):
        t, c = part[part["treated"] == 1]["outcome"], part[part["treated"] == 0]["outcome"]
        observed = t.mean() - c.mean() if len(t) and len(c) else np.nan
        if _is_binary(pd.Series(outcome)) and len(t) and len(c):
            low, high = (float(v) for v in newcombe_interval(t.sum(), len(t), c.sum(), len(c), confidence))
        elif len(t) > 1 and len(c) > 1:
            half = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(t.var(ddof=1) / len(t) + c.var(ddof=1) / len(c))
            low, high = observed - half, observed + half
        else:
            low = high = np.nan
        rows.append((number, len(part), len(t), len(c), t.mean() if len(t) else np.nan, c.mean() if len(c) else np.nan,
                     observed, low, high, part["score"].mean()))
    return pd.DataFrame(rows, columns=GROUP_COLUMNS)
