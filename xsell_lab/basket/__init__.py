"""Market basket analysis: what is bought together, and what is bought next.

One shape for every engine: a long table of order lines in, a tidy
DataFrame out.

>>> from xsell_lab import basket
>>> itemsets = basket.frequent_itemsets(lines, min_support=0.01, max_len=3)   # doctest: +SKIP
>>> rules = basket.association_rules(itemsets, metric="lift", min_threshold=1.0)  # doctest: +SKIP
>>> rules = basket.prune_redundant_rules(basket.add_significance(rules))      # doctest: +SKIP

Functions
---------
clean_baskets
    Lines -> clean :class:`Baskets` (counted cleaning log).
frequent_itemsets
    Itemsets with support and count; backends ``sparse``, ``mlxtend``, ``spark``.
association_rules
    Rules with support, confidence, lift, leverage, conviction, Zhang's
    metric, Jaccard, Kulczynski and basket counts.
itemset_text, relabel_rules, readable_counts
    Items shown by their labels (:func:`xsell_lab.catalogue.item_labels`); counts
    shown with thousands separators.
add_significance, prune_redundant_rules
    Fisher's exact test with Benjamini-Hochberg FDR; drop rules a shorter
    rule already explains.
next_order_rules, min_next_orders, sequential_rules, purchase_lags, next_purchase
    Customer level: "next order holds B after A" (and the fewest next orders
    such a rule needs), "bought A, then B within N days", the delay between
    them, and each customer's likely next item.
pair_counts, choose_pair
    Customers who bought both items of each pair, ordered anchor -> add-on;
    the pair a notebook studies when its parameters say "auto".
choose_pairs, choose_next_pair
    Pairs without a shared item (a hand-sized example from the data); the
    "A, then B in the next order" pair with the highest lift.
"""

from xsell_lab.basket.choices import LEVEL_COLUMNS, choose_next_pair, choose_pairs, level_column
from xsell_lab.basket.itemsets import BACKENDS, ITEMSET_COLUMNS, frequent_itemsets, no_frequent_pair
from xsell_lab.basket.rules import (
    METRICS,
    RULE_COLUMNS,
    association_rules,
    empty_rules,
    itemset_text,
    readable_counts,
    relabel_rules,
)
from xsell_lab.basket.sequences import (
    NEXT_ORDER_COLUMNS,
    PAIR_COLUMNS,
    SEQUENTIAL_COLUMNS,
    choose_pair,
    min_next_orders,
    next_order_rules,
    next_purchase,
    pair_counts,
    purchase_lags,
    sequential_rules,
)
from xsell_lab.basket.significance import SIGNIFICANCE_COLUMNS, add_significance, prune_redundant_rules
from xsell_lab.basket.transactions import (
    BasketMemoryError,
    Baskets,
    NoFrequentItemsetsError,
    clean_baskets,
)

__all__ = [
    "empty_rules",
    "no_frequent_pair",
    "BACKENDS",
    "LEVEL_COLUMNS",
    "ITEMSET_COLUMNS",
    "METRICS",
    "NEXT_ORDER_COLUMNS",
    "PAIR_COLUMNS",
    "RULE_COLUMNS",
    "SEQUENTIAL_COLUMNS",
    "SIGNIFICANCE_COLUMNS",
    "BasketMemoryError",
    "Baskets",
    "NoFrequentItemsetsError",
    "add_significance",
    "association_rules",
    "choose_next_pair",
    "choose_pair",
    "choose_pairs",
    "clean_baskets",
    "frequent_itemsets",
    "itemset_text",
    "level_column",
    "min_next_orders",
    "next_order_rules",
    "next_purchase",
    "pair_counts",
    "prune_redundant_rules",
    "purchase_lags",
    "readable_counts",
    "relabel_rules",
    "sequential_rules",
]
