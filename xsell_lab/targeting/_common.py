"""Helpers shared by the modules of :mod:`xsell_lab.targeting` (not public).

The name of the line table in messages, the check of a per-customer target
and the quantile bins with readable labels used by target-customer profiles
and lookalike reasons.
"""

from __future__ import annotations

import pandas as pd

from xsell_lab.data import schema as s

#: Name of the wide line table in error messages.
SALES_LINES = "sales_lines"


def with_target(features: pd.DataFrame, target: pd.Series) -> pd.DataFrame:
    """``features`` of the customers with a target value, plus a bool column ``_target``."""
    if not pd.api.types.is_bool_dtype(target):
        raise ValueError(f"The target must be True/False per customer. Got dtype {target.dtype}.")
    no_features = target.index.difference(pd.Index(features[s.CUSTOMER_ID]))
    if len(no_features):
        raise ValueError(
            f"{len(no_features):,} target customer(s) have no row in 'features' (customers without orders?), "
            f"e.g. {no_features[0]!r}: features exist only for customers who ordered."
        )
    frame = features[features[s.CUSTOMER_ID].isin(target.index)].reset_index(drop=True)
    frame = frame.assign(_target=frame[s.CUSTOMER_ID].map(target).astype(bool))
    if frame.empty:
        raise ValueError("No customer has both features and a target value.")
    if not frame["_target"].any():
        raise ValueError(f"None of the {len(frame):,} customers is a target customer: there is no profile to describe.")
    return frame


def binned(values: pd.Series, bins: int, reference: pd.Series | None = None) -> pd.Series:
    """Quantile bins of ``reference`` (default ``values``) labelled by the observed range, e.g. ``"120-450"``.

    Labels are ordered categories; values outside the reference's bins are missing.
    """
    reference = values if reference is None else reference
    if reference.nunique() < 2:
        return values.map("{:,.0f}".format)
    edges = pd.qcut(reference, q=bins, duplicates="drop").cat.categories
    ranges = reference.groupby(pd.cut(reference, bins=edges), observed=False).agg(["min", "max"])
    for decimals in (0, 1, 2, 3, 6):
        pairs = [(f"{low:,.{decimals}f}", f"{high:,.{decimals}f}", low < high) for low, high in ranges.itertuples(index=False)]
        labels = [f"{low}-{high}" for low, high, _ in pairs]
        if len(set(labels)) == len(labels) and all(low != high for low, high, differ in pairs if differ):
            break
    return pd.cut(values, bins=edges).cat.rename_categories(dict(zip(edges, labels)))
