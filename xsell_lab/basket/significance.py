"""Which rules to believe: a significance filter and the pruning of redundant rules.

Thousands of rules are mined at once, so some look strong by pure chance.
:func:`add_significance` tests each rule ``A -> B`` for a *positive*
association with Fisher's exact test on its 2 x 2 table of baskets

===========  =============  ======================
             B              not B
===========  =============  ======================
A            n(AB)          n(A) - n(AB)
not A        n(B) - n(AB)   N - n(A) - n(B) + n(AB)
===========  =============  ======================

whose one-sided p-value is the hypergeometric tail
``P(X >= n(AB))`` with ``X ~ Hypergeometric(N, n(A), n(B))`` (Fisher 1922;
used for rules by Webb 2007, "Discovering significant patterns"), then
controls the false discovery rate over all rules with the Benjamini-Hochberg
(1995) step-up procedure.

:func:`prune_redundant_rules` drops a rule ``A -> B`` when a rule with a
smaller antecedent ``A' c A`` and the same consequent is at least as
confident: its *improvement* ``conf(A -> B) - max conf(A' -> B)`` (Bayardo,
Agrawal & Gunopulos 2000) is not above ``min_improvement``.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy.stats import hypergeom
from statsmodels.stats.multitest import multipletests

from xsell_lab.data.validation import require_columns

#: Columns added by :func:`add_significance`.
SIGNIFICANCE_COLUMNS = ["p_value", "p_adjusted", "significant"]


def add_significance(rules: pd.DataFrame, *, alpha: float = 0.05, method: str = "fdr_bh") -> pd.DataFrame:
    """Add a one-sided Fisher exact p-value and a multiple-testing correction to each rule.

    Parameters
    ----------
    rules : pandas.DataFrame
        Output of :func:`~xsell_lab.basket.association_rules` (needs
        ``antecedent_count``, ``consequent_count``, ``count``, ``n_baskets``).
    alpha : float
        False discovery rate (or family-wise error rate, depending on
        ``method``) to control, in (0, 1).
    method : str
        Any method of :func:`statsmodels.stats.multitest.multipletests`;
        ``"fdr_bh"`` is Benjamini-Hochberg, ``"bonferroni"`` the strictest.

    Returns
    -------
    pandas.DataFrame
        A copy of ``rules`` with ``p_value`` (chance of seeing at least this
        many joint baskets if A and B were unrelated), ``p_adjusted`` and
        ``significant`` (``p_adjusted <= alpha``).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
    require_columns(rules, ["antecedent_count", "consequent_count", "count", "n_baskets"], "rules",
                    hint="Pass the output of association_rules")
    p_value = hypergeom.sf(rules["count"] - 1, rules["n_baskets"], rules["antecedent_count"], rules["consequent_count"])
    p_value = np.clip(p_value, 0.0, 1.0)
    significant, p_adjusted, _, _ = multipletests(p_value, alpha=alpha, method=method)
    return rules.assign(p_value=p_value, p_adjusted=p_adjusted, significant=significant)


def prune_redundant_rules(rules: pd.DataFrame, *, min_improvement: float = 0.0) -> pd.DataFrame:
    """Drop rules that a rule with fewer antecedent items already explains.

    Parameters
    ----------
    rules : pandas.DataFrame
        Output of :func:`~xsell_lab.basket.association_rules`.
    min_improvement : float
        A rule is kept when its confidence beats every simpler rule with the
        same consequent by more than this (0 = must be strictly better).

    Returns
    -------
    pandas.DataFrame
        The kept rules, in their original order, with an ``improvement``
        column (NaN for one-item antecedents, which have no simpler rule and
        are always kept).
    """
    confidence = dict(zip(zip(rules["antecedents"], rules["consequents"]), rules["confidence"]))
    improvement = np.array(
        [_improvement(a, b, conf, confidence) for a, b, conf in zip(rules["antecedents"], rules["consequents"], rules["confidence"])]
    )
    keep = np.isnan(improvement) | (improvement > min_improvement)
    return rules.assign(improvement=improvement)[keep].reset_index(drop=True)


def _improvement(antecedent: frozenset, consequent: frozenset, conf: float, confidence: dict) -> float:
    simpler = [
        confidence.get((frozenset(part), consequent), -np.inf)
        for size in range(1, len(antecedent))
        for part in combinations(antecedent, size)
    ]
    return conf - max(simpler) if simpler else np.nan
