"""Bundles: pure components, pure bundling and mixed bundling compared.

:func:`bundle_what_if` counts buyers, units, revenue and margin of the three
strategies of Adams & Yellen (1976), named as in Stremersch & Tellis (2002).

References
----------
Adams, W. J. & Yellen, J. L. (1976). Commodity bundling and the burden of monopoly.
*Quarterly Journal of Economics* 90(3), 475-498.
Stremersch, S. & Tellis, G. J. (2002). Strategic bundling of products and prices.
*Journal of Marketing* 66(1), 55-72.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of :func:`bundle_what_if`.
BUNDLE_COLUMNS = [
    "strategy",
    "bundle_price",
    "buyers_main_only",
    "buyers_addon_only",
    "buyers_both",
    "units_main",
    "units_addon",
    "revenue",
    "margin",
    "margin_change",
]


def bundle_what_if(
    *,
    main_price: float,
    main_cost: float,
    addon_price: float,
    addon_cost: float,
    customers: float,
    share_main_only: float,
    share_addon_only: float,
    share_both: float,
    bundle_discount: float,
    uptake_main_only: float,
) -> pd.DataFrame:
    """Revenue and margin of pure components, pure bundling and mixed bundling.

    Terms of Stremersch & Tellis (2002); the strategies of Adams & Yellen
    (1976). The arithmetic is deliberately simple, and every assumption is a
    parameter you can argue about:

    * **pure components** (today): ``share_main_only`` of ``customers`` buy
      the main product alone, ``share_addon_only`` the add-on alone,
      ``share_both`` both, at list prices;
    * **mixed bundling** (both sold separately *and* as a bundle at
      ``(main_price + addon_price) * (1 - bundle_discount)``): everyone who
      bought both now pays the bundle price (the discount is given away to
      them); ``uptake_main_only`` of the main-only buyers are tipped into the
      bundle; add-on-only buyers are unchanged;
    * **pure bundling** (only the bundle is sold): both-buyers and the
      ``uptake_main_only`` share of main-only buyers buy the bundle; the other
      main-only buyers and all add-on-only buyers are lost.

    Parameters
    ----------
    main_price, main_cost, addon_price, addon_cost : float
        List prices and unit costs.
    customers : float
        Buyers of the main product or the add-on in the period.
    share_main_only, share_addon_only, share_both : float
        Shares of ``customers`` (sum to 1). ``share_both / (share_both +
        share_main_only)`` is the attach rate of the add-on.
    bundle_discount : float
        Discount on the sum of list prices, in [0, 1).
    uptake_main_only : float
        Share of main-only buyers who take the bundle (from a test, not a guess).

    Returns
    -------
    pandas.DataFrame
        One row per strategy (``pure_components``, ``mixed_bundling``,
        ``pure_bundling``): ``bundle_price`` (NaN without a bundle), buyer
        counts, ``units_main``, ``units_addon``, ``revenue``, ``margin``,
        ``margin_change`` vs pure components. Worked example: prices 1000 and
        50, costs 850 and 20, 100 customers, shares 0.7 / 0.1 / 0.2, discount
        0.1 and uptake 0.2 give a pure-components margin of
        ``90 * 150 + 30 * 30 = 14,400`` and a mixed-bundling margin of
        ``70*0.8*150 + 10*30 + 34*(945 - 870) = 11,250``.
    """
    shares = (share_main_only, share_addon_only, share_both, uptake_main_only)
    if any(not 0 <= v <= 1 for v in shares) or not np.isclose(sum(shares[:3]), 1.0):
        raise ValueError(
            "The three buyer shares must lie in [0, 1] and sum to 1, and uptake_main_only in [0, 1]. "
            f"Got main_only={share_main_only}, addon_only={share_addon_only}, both={share_both}, uptake={uptake_main_only}."
        )
    if not 0 <= bundle_discount < 1:
        raise ValueError(f"bundle_discount must be in [0, 1). Got {bundle_discount!r}.")
    bundle_price = (main_price + addon_price) * (1 - bundle_discount)
    bundle_margin = bundle_price - main_cost - addon_cost
    main_margin, addon_margin = main_price - main_cost, addon_price - addon_cost
    main_only, addon_only, both = (customers * v for v in shares[:3])
    switchers = main_only * uptake_main_only
    strategies = {
        "pure_components": (np.nan, main_only, addon_only, both, 0.0),
        "mixed_bundling": (bundle_price, main_only - switchers, addon_only, 0.0, both + switchers),
        "pure_bundling": (bundle_price, 0.0, 0.0, 0.0, both + switchers),
    }
    rows = []
    for name, (price, only_main, only_addon, both_separately, bundles) in strategies.items():
        rows.append(
            {
                "strategy": name,
                "bundle_price": price,
                "buyers_main_only": only_main,
                "buyers_addon_only": only_addon,
                "buyers_both": both_separately + bundles,
                "units_main": only_main + both_separately + bundles,
                "units_addon": only_addon + both_separately + bundles,
                "revenue": only_main * main_price + only_addon * addon_price
                + both_separately * (main_price + addon_price) + bundles * (0 if np.isnan(price) else price),
                "margin": only_main * main_margin + only_addon * addon_margin
                + both_separately * (main_margin + addon_margin) + bundles * bundle_margin,
            }
        )
    table = pd.DataFrame(rows)
    return table.assign(margin_change=table["margin"] - table["margin"].iloc[0])[BUNDLE_COLUMNS]
