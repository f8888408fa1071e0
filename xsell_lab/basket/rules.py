"""Association rules "customers who buy A also buy B", with every usual interest measure.

For a rule ``A -> B`` over N baskets, with ``s(X)`` the support of itemset X:

=================  ===================================================  =====================
column             formula                                              reads as
=================  ===================================================  =====================
support            s(A u B)                                             how common the pair is
confidence         s(A u B) / s(A)                                      P(B | A)
lift               confidence / s(B)                                    x times more likely than usual
leverage           s(A u B) - s(A) s(B)                                 extra share of baskets
conviction         (1 - s(B)) / (1 - confidence)  (inf if conf = 1)     how rarely A comes without B
zhangs_metric      leverage / max(s(AuB)(1 - s(A)), s(A)(s(B) - s(AuB)))  -1 (repel) .. +1 (attract)
jaccard            s(A u B) / (s(A) + s(B) - s(A u B))                  overlap of the two customer groups
kulczynski         (P(B | A) + P(A | B)) / 2                            symmetric, robust to size gaps
=================  ===================================================  =====================

Sources: Agrawal, Imielinski & Swami (1993) for support and confidence;
Brin, Motwani, Ullman & Tsur (1997) for lift and conviction;
Piatetsky-Shapiro (1991) for leverage; Zhang (2000) "Association rule mining
models and algorithms"; Tan, Kumar & Srivastava (2004) "Selecting the right
objective measure for association analysis" for Jaccard and Kulczynski.
The formulas match ``mlxtend.frequent_patterns.association_rules``.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

import numpy as np
import pandas as pd

from xsell_lab.data.validation import require_columns
from xsell_lab.exceptions import NoFrequentItemsetsError

#: Columns of the table returned by :func:`association_rules`.
RULE_COLUMNS = [
    "antecedents",
    "consequents",
    "antecedent_count",
    "consequent_count",
    "count",
    "n_baskets",
    "antecedent_support",
    "consequent_support",
    "support",
    "confidence",
    "lift",
    "leverage",
    "conviction",
    "zhangs_metric",
    "jaccard",
    "kulczynski",
]
METRICS = RULE_COLUMNS[6:]


def association_rules(itemsets: pd.DataFrame, *, metric: str = "confidence", min_threshold: float = 0.0) -> pd.DataFrame:
    """All rules ``A -> B`` from frequent itemsets, with their interest measures.

    Every frequent itemset of two or more items is split in every way into a
    non-empty antecedent ``A`` and consequent ``B`` (as mlxtend does).

    Parameters
    ----------
    itemsets : pandas.DataFrame
        The output of :func:`~xsell_lab.basket.frequent_itemsets` (columns
        ``itemsets``, ``support``, ``count``).
    metric : str
        Column of :data:`METRICS` to filter on.
    min_threshold : float
        Keep rules with ``metric >= min_threshold``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RULE_COLUMNS` (see the module docstring for formulas;
        ``*_count`` are basket counts, ``n_baskets`` is N), sorted by lift,
        then confidence (highest first).

    Raises
    ------
    NoFrequentItemsetsError
        When no itemset has two items, or no rule reaches the threshold.
    """
    _check_input(itemsets, metric)
    n_baskets = _n_baskets(itemsets)
    sets = itemsets["itemsets"].to_numpy()
    antecedent, consequent, whole = _splits(sets)
    if len(antecedent) == 0:
        raise NoFrequentItemsetsError(
            "No frequent itemset has two or more items, so there is no rule: lower min_support "
            f"(the itemsets table has {len(itemsets):,} single items)."
        )
    counts = itemsets["count"].to_numpy(dtype=np.int64)
    rules = _measures(sets[antecedent], sets[consequent], counts[antecedent], counts[consequent], counts[whole], n_baskets)
    kept = rules[rules[metric] >= min_threshold]
    if kept.empty:
        raise NoFrequentItemsetsError(
            f"No rule reaches {metric} >= {min_threshold:g}; the highest is {rules[metric].max():.4g} "
            f"over {len(rules):,} rules. Lower min_threshold or min_support."
        )
    texts = np.array([_key(itemset) for itemset in sets], dtype=object)
    keep = kept.index.to_numpy()
    keys = np.asarray(texts[antecedent[keep]] + " -> " + texts[consequent[keep]], dtype=str)
    order = np.lexsort((keys, -kept["confidence"].to_numpy(), -kept["lift"].to_numpy()))
    return kept.iloc[order].reset_index(drop=True)


def empty_rules() -> pd.DataFrame:
    """A rule table without rules: the columns and types of :func:`association_rules`, no row.

    For a section that goes on when no pair is frequent (see
    :func:`~xsell_lab.basket.no_frequent_pair`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RULE_COLUMNS`, zero rows.
    """
    none = np.array([], dtype=np.int64)
    rules = _measures(np.array([], dtype=object), np.array([], dtype=object), none, none, none, 0)
    return rules.astype({"antecedents": object, "consequents": object})[RULE_COLUMNS]


def _check_input(itemsets: pd.DataFrame, metric: str) -> None:
    require_columns(itemsets, ["itemsets", "support", "count"], "itemsets", hint="Pass the output of frequent_itemsets")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}.")


def _n_baskets(itemsets: pd.DataFrame) -> int:
    ratios = (itemsets["count"] / itemsets["support"]).round().astype(np.int64).unique()
    if len(ratios) != 1:
        raise ValueError(
            f"table 'itemsets': count / support differs between rows ({len(ratios)} values, e.g. "
            f"{ratios[:3].tolist()}): the rows come from different sets of baskets."
        )
    return int(ratios[0])


def _splits(sets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every split of every itemset of two or more items into an antecedent and a consequent.

    Each part of a split is itself a row of ``sets`` (every subset of a frequent itemset is
    frequent, Agrawal & Srikant 1994), so a rule is three row numbers. The itemsets of each
    length are coded as rows of item ranks (increasing), and each part is found among the
    itemsets of its length by sorting and binary search, in NumPy.

    Parameters
    ----------
    sets : numpy.ndarray of frozenset
        The ``itemsets`` column.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Row numbers (int64) of each rule's antecedent, consequent and whole itemset.

    Raises
    ------
    ValueError
        When a part of a split is not in ``sets`` (a table that is not all the frequent itemsets).
    """
    rank = {item: r for r, item in enumerate(sorted(set().union(*sets), key=str))}
    lengths = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    coded = {size: _ranks(sets, lengths, size, rank) for size in np.unique(lengths).tolist()}
    parts = [], [], []
    for size, (rows, codes) in coded.items():
        for ante_size in range(size - 1, 0, -1):
            for columns in combinations(range(size), ante_size):
                rest = [c for c in range(size) if c not in columns]
                parts[0].append(_find(coded, codes[:, list(columns)]))
                parts[1].append(_find(coded, codes[:, rest]))
                parts[2].append(rows)
    empty = [np.array([], dtype=np.int64)]
    return tuple(np.concatenate(p or empty) for p in parts)


def _ranks(sets: np.ndarray, lengths: np.ndarray, size: int, rank: dict) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers of the itemsets of ``size`` items and their item ranks (increasing along each row).

    Sorted by :func:`_as_bytes` of the ranks, so that :func:`_find` can search them.
    """
    rows = np.flatnonzero(lengths == size)
    codes = np.array([sorted(rank[item] for item in sets[row]) for row in rows], dtype=np.int64).reshape(len(rows), size)
    order = np.argsort(_as_bytes(codes), kind="stable")
    return rows[order], codes[order]


def _find(coded: dict, parts: np.ndarray) -> np.ndarray:
    """Row numbers of the itemsets whose ranks are the rows of ``parts`` (see :func:`_ranks`)."""
    rows, codes = coded.get(parts.shape[1], (np.array([], dtype=np.int64), np.empty((0, parts.shape[1]), dtype=np.int64)))
    keys, wanted = _as_bytes(codes), _as_bytes(parts)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    if len(keys) == 0 or np.any(keys[at] != wanted):
        raise ValueError(
            "table 'itemsets': a subset of a frequent itemset is missing, so its rules cannot be measured; "
            "pass every itemset frequent_itemsets found (do not filter the table before association_rules)."
        )
    return rows[at]


def _as_bytes(codes: np.ndarray) -> np.ndarray:
    """Each row of an int64 matrix as one fixed-size bytes value (equal rows, equal values)."""
    codes = np.ascontiguousarray(codes)
    return codes.view(np.dtype((np.void, codes.itemsize * codes.shape[1]))).ravel()


def _measures(
    antecedents: np.ndarray, consequents: np.ndarray, n_a: np.ndarray, n_b: np.ndarray, n_ab: np.ndarray, n_baskets: int
) -> pd.DataFrame:
    """The rule table of :data:`RULE_COLUMNS` from the counts of ``A``, ``B`` and ``A u B``."""
    s_a, s_b, s_ab = n_a / n_baskets, n_b / n_baskets, n_ab / n_baskets
    confidence = n_ab / n_a
    leverage = s_ab - s_a * s_b
    with np.errstate(divide="ignore", invalid="ignore"):
        conviction = np.where(n_ab == n_a, np.inf, (1 - s_b) / (1 - confidence))
        zhang_denominator = np.maximum(s_ab * (1 - s_a), s_a * (s_b - s_ab))
        zhang = np.where(zhang_denominator == 0, 0.0, leverage / zhang_denominator)
    return pd.DataFrame(
        {
            "antecedents": antecedents,
            "consequents": consequents,
            "antecedent_count": n_a,
            "consequent_count": n_b,
            "count": n_ab,
            "n_baskets": np.full(len(n_a), n_baskets, dtype=np.int64),
            "antecedent_support": s_a,
            "consequent_support": s_b,
            "support": s_ab,
            "confidence": confidence,
            "lift": confidence / s_b,
            "leverage": leverage,
            "conviction": conviction,
            "zhangs_metric": zhang,
            "jaccard": n_ab / (n_a + n_b - n_ab),
            "kulczynski": (n_ab / n_a + n_ab / n_b) / 2,
        }
    )


def readable_counts(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` to show: its integer columns as text with thousands separators.

    ``1294`` shows as ``1,294``, as the notebooks' sentences print counts (pandas
    prints integers without separators, whatever its display options); the
    other columns are unchanged. For display only: the text does not sort as
    numbers.
    """
    counts = table.select_dtypes("integer").columns
    return table.assign(**{column: table[column].map("{:,}".format) for column in counts})


def itemset_text(itemsets: pd.Series, labels: Mapping[str, str] | None = None) -> pd.Series:
    """Item sets as sorted, comma-separated text, e.g. ``"laptop, laptop_case"``.

    Easier to read in a table than ``frozenset({...})``, and the same on every
    run (a frozenset's printed order depends on the hash seed). ``labels``
    (:func:`xsell_lab.catalogue.item_labels`) shows each item by its label,
    sorted by label; default: the items themselves.
    """
    if labels is None:
        return itemsets.map(_key)
    return itemsets.map(lambda items: ", ".join(sorted(str(labels.get(i, i)) for i in items)))


def relabel_rules(rules: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """The same rules with every item of ``antecedents`` and ``consequents`` shown by its label.

    For plots and tables at product level, where the items are ``product_id``
    and the labels :func:`xsell_lab.catalogue.item_labels` (unique, so no two
    items merge). Items without a label stay as they are.

    Parameters
    ----------
    rules : pandas.DataFrame
        :func:`association_rules` (``antecedents`` and ``consequents`` frozensets).
    labels : mapping
        ``{item: label}``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``rules``, same rows and order.
    """
    require_columns(rules, ["antecedents", "consequents"], "rules")
    relabel = lambda items: frozenset(str(labels.get(i, i)) for i in items)  # noqa: E731
    return rules.assign(antecedents=rules["antecedents"].map(relabel), consequents=rules["consequents"].map(relabel))


def _key(items: frozenset) -> str:
    return ", ".join(sorted(map(str, items)))
