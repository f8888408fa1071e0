"""Lookalikes: who resembles the cross-buyers but has not cross-bought yet?

:func:`lookalikes` ranks customers by the share of cross-buyers among their k
nearest neighbours on standardized features, with the reasons in words (the
feature values with the highest :func:`~xsell_lab.targeting.profiles.profile_lift`).

References
----------
Hastie, T., Tibshirani, R. & Friedman, J. (2009). *The Elements of Statistical
Learning*, 2nd ed., section 13.3 (k-nearest-neighbour classifiers).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.kpis import missing_group_label
from xsell_lab.targeting._common import binned, with_target
from xsell_lab.targeting.profiles import profile_lift

#: A feature value is given as a lookalike reason only when its lift reaches this (5 % over-represented).
MIN_REASON_LIFT = 1.05
#: Columns of :func:`lookalikes`.
LOOKALIKE_COLUMNS = [s.CUSTOMER_ID, "rank", "score", "similar_target_customers", "neighbours", "reasons"]


def lookalikes(
    features: pd.DataFrame,
    target: pd.Series,
    *,
    candidates: Sequence[str] | None = None,
    k: int = 25,
    columns: Sequence[str] | None = None,
    n_reasons: int = 2,
    seed: int = 42,
    bins: int = 4,
) -> pd.DataFrame:
    """Rank customers by how much they resemble the target customers.

    Each customer becomes a point: categorical features one-hot encoded,
    numeric ones standardized (z-scores), so every feature counts on the same
    scale. A candidate's score is the share of target customers among their
    ``k`` nearest labelled customers (Euclidean distance; the candidate
    themself excluded): the k-nearest-neighbour estimate of
    P(target | features) (Hastie, Tibshirani & Friedman 2009, section 13.3).
    Distance ties are broken by a random order drawn from ``seed``.

    The reasons name the candidate's feature values that are most
    over-represented among the targets (highest lift of :func:`profile_lift`,
    at least :data:`MIN_REASON_LIFT`), e.g.
    ``"first_category = printer (lift 1.80)"``.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with ``customer_id`` (:func:`customer_features`);
        must cover the labelled customers and the candidates.
    target : pandas.Series
        Bool per labelled customer, index ``customer_id`` (e.g.
        ``cross_bought``, or "accepted the offer" among those offered).
    candidates : sequence of str, optional
        Customers to rank. Default: the labelled customers who are not
        targets (e.g. the customers who have not cross-bought yet).
    k : int
        Neighbours per candidate (at least 1, fewer than the labelled customers).
    columns : sequence of str, optional
        Features to compare; default every column but ``customer_id``.
    n_reasons : int
        How many reasons to give per customer.
    seed : int
        Seed of the tie-breaking order.
    bins : int
        Quantile bins of numeric features in the reasons (see :func:`profile_lift`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LOOKALIKE_COLUMNS`, one row per candidate: ``rank``
        (1 = most alike), ``score`` (share of targets among the neighbours),
        ``similar_target_customers`` (their count), ``neighbours`` (= k) and
        ``reasons`` (text). Sorted by rank; equal scores are ordered by
        ``customer_id``.

    Raises
    ------
    ValueError
        When ``k`` is out of range, candidates have no features (no orders),
        a numeric feature is empty (a missing label is the value "(no <column>)"), no candidate is left, or no labelled customer is
        a target.
    """
    require_columns(features, [s.CUSTOMER_ID], "features")
    columns = [c for c in features.columns if c != s.CUSTOMER_ID] if columns is None else list(columns)
    require_columns(features, columns, "features")
    labelled = with_target(features, target)
    wanted = labelled.loc[~labelled["_target"], s.CUSTOMER_ID] if candidates is None else pd.Index(candidates).unique()
    no_features = pd.Index(wanted).difference(pd.Index(features[s.CUSTOMER_ID]))
    if len(no_features):
        raise ValueError(
            f"{len(no_features):,} candidate(s) have no row in 'features' (customers without orders?), e.g. {no_features[0]!r}."
        )
    if len(wanted) == 0:
        raise ValueError("lookalikes: no candidate to rank (every labelled customer is already a target customer).")
    if not 1 <= k < len(labelled):
        raise ValueError(f"lookalikes: k must be between 1 and {len(labelled) - 1} (labelled customers - 1). Got {k!r}.")
    ranked = features[features[s.CUSTOMER_ID].isin(set(wanted))].reset_index(drop=True)
    unlabelled = ranked[~ranked[s.CUSTOMER_ID].isin(set(labelled[s.CUSTOMER_ID]))]
    everyone = pd.concat([labelled.drop(columns="_target"), unlabelled], ignore_index=True)
    points = _design_matrix(everyone, columns)  # each customer once, so z-scores are not weighted by duplicates
    row = pd.Series(np.arange(len(everyone)), index=everyone[s.CUSTOMER_ID])
    hits = _neighbour_target_counts(
        points[row.loc[ranked[s.CUSTOMER_ID]].to_numpy()],
        points[: len(labelled)],
        labelled["_target"].to_numpy(),
        ranked[s.CUSTOMER_ID].to_numpy(),
        labelled[s.CUSTOMER_ID].to_numpy(),
        k,
        seed,
    )
    result = pd.DataFrame({s.CUSTOMER_ID: ranked[s.CUSTOMER_ID].to_numpy(), "similar_target_customers": hits, "neighbours": k})
    result["score"] = result["similar_target_customers"] / k
    result = result.sort_values(["score", s.CUSTOMER_ID], ascending=[False, True]).reset_index(drop=True)
    result["rank"] = np.arange(1, len(result) + 1)
    lift = profile_lift(labelled, target, columns=columns, bins=bins)
    reasons = _reasons(ranked, lift, labelled, columns, n_reasons, bins)
    fallback = "no feature value is over-represented among the targets"
    result["reasons"] = [reasons.get(customer, fallback) for customer in result[s.CUSTOMER_ID]]
    return result[LOOKALIKE_COLUMNS]


def _design_matrix(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Numeric columns as z-scores, the others one-hot (0/1); a missing label is its own value
    (``"(no segment)"``), a missing number is an error."""
    parts = []
    for column in columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values):
            values = values.astype("object").where(values.notna(), missing_group_label(column))
        if values.isna().any():
            example = frame.loc[values.isna(), s.CUSTOMER_ID].iloc[0]
            raise ValueError(
                f"Table 'features', column '{column}': {int(values.isna().sum()):,} row(s) empty, e.g. customer {example!r}: "
                "fill or drop them before ranking lookalikes."
            )
        if pd.api.types.is_numeric_dtype(values):
            spread = values.std(ddof=0)
            parts.append(((values - values.mean()) / (spread if spread > 0 else 1.0)).to_numpy("float64")[:, None])
        else:
            parts.append(pd.get_dummies(values.astype("object"), dtype="float64").to_numpy())
    return np.hstack(parts)


def _neighbour_target_counts(
    queries: np.ndarray,
    reference: np.ndarray,
    is_target: np.ndarray,
    query_ids: np.ndarray,
    reference_ids: np.ndarray,
    k: int,
    seed: int,
    chunk: int = 512,
) -> np.ndarray:
    """For each query, how many of its k nearest reference points (itself excluded) are targets."""
    order = np.random.default_rng(seed).permutation(len(reference))
    reference, is_target, reference_ids = reference[order], is_target[order], reference_ids[order]
    position = pd.Series(np.arange(len(reference_ids)), index=reference_ids)
    own = position.reindex(query_ids).to_numpy()  # a query's own row in the reference, NaN if not labelled
    squared = (reference**2).sum(axis=1)
    counts = np.empty(len(queries), dtype="int64")
    for start in range(0, len(queries), chunk):
        block = queries[start : start + chunk]
        distance = (block**2).sum(axis=1)[:, None] + squared[None, :] - 2 * block @ reference.T
        np.maximum(distance, 0, out=distance)
        self_rows = np.flatnonzero(~np.isnan(own[start : start + chunk]))
        distance[self_rows, own[start : start + chunk][self_rows].astype("int64")] = np.inf  # not one's own neighbour
        nearest = np.argsort(distance, axis=1, kind="stable")[:, :k]
        counts[start : start + chunk] = is_target[nearest].sum(axis=1)
    return counts


def _reasons(
    ranked: pd.DataFrame, lift: pd.DataFrame, labelled: pd.DataFrame, columns: Sequence[str], n_reasons: int, bins: int
) -> pd.Series:
    """Per ranked customer: their feature values with the highest lift (>= MIN_REASON_LIFT), in words.

    Numeric values are put in the quantile bins of the labelled customers (those of ``lift``).
    """
    values = {
        column: (
            binned(ranked[column], bins, reference=labelled[column])
            if pd.api.types.is_numeric_dtype(labelled[column])
            else ranked[column]
        ).astype("object")
        for column in columns
    }
    long = pd.DataFrame({s.CUSTOMER_ID: ranked[s.CUSTOMER_ID], **values})
    long = long.melt(id_vars=s.CUSTOMER_ID, var_name="feature", value_name="value").dropna(subset=["value"])
    long["value"] = long["value"].astype(str)
    long = long.merge(lift[["feature", "value", "lift"]], on=["feature", "value"], how="inner")
    long = long[long["lift"] >= MIN_REASON_LIFT].sort_values([s.CUSTOMER_ID, "lift", "feature"], ascending=[True, False, True])
    long = long.groupby(s.CUSTOMER_ID, sort=False).head(n_reasons)
    if long.empty:
        return pd.Series(dtype="str")
    long["text"] = long["feature"] + " = " + long["value"] + " (lift " + long["lift"].map("{:.2f}".format) + ")"
    return long.groupby(s.CUSTOMER_ID, sort=False)["text"].agg("; ".join)
