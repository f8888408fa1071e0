"""The products table: the planted catalogue with the roles its basket mechanism gives each product."""

from __future__ import annotations

import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.synth.world import (
    ADDON_PROBABILITIES,
    ANCHOR_MIX,
    ATTACH_PROBABILITIES,
    CATALOGUE,
    CONSUMABLE_CATEGORIES,
    WARRANTY_FOR,
)


def products_table() -> pd.DataFrame:
    """The products table from :data:`CATALOGUE` (unit cost rounded to cents), with the planted roles.

    ``requires`` and ``repeatable`` state what the basket mechanism does, so the planted
    truth travels with the data: see :func:`_required_category` and
    :data:`CONSUMABLE_CATEGORIES`.
    """
    rows = [
        {s.PRODUCT_ID: pid, s.PRODUCT_NAME: name, s.CATEGORY: cat, s.TIER: tier, s.PRICE: price,
         s.UNIT_COST: round(price * cost_share, 2), s.REQUIRES: _required_category(pid, cat),
         s.REPEATABLE: cat in CONSUMABLE_CATEGORIES}
        for pid, name, cat, tier, price, cost_share in CATALOGUE
    ]
    return pd.DataFrame(rows)


def _required_category(product_id: str, category: str) -> str | None:
    """The category a product is only ever sold with, as the basket mechanism plants it.

    A warranty covers the device of :data:`WARRANTY_FOR`. Another product needs a
    category when its own category is never an anchor nor an independent add-on and
    is attached (:data:`ATTACH_PROBABILITIES`) to that one anchor category only;
    otherwise it stands alone (``None``).
    """
    covered = [device for device, warranty in WARRANTY_FOR.items() if warranty == product_id]
    if covered:
        return covered[0]
    anchors = {anchor for mix in ANCHOR_MIX.values() for anchor in mix}
    attached_to = [anchor for anchor, complements in ATTACH_PROBABILITIES.items() if category in complements]
    alone = category in anchors or category in ADDON_PROBABILITIES
    return attached_to[0] if len(attached_to) == 1 and not alone else None
