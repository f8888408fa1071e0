"""After the sale: returned lines and NPS survey answers (every buyer's latent score drives referrals)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import schema as s
from xsell_lab.synth._sampling import draw_many
from xsell_lab.synth.world import (
    MEAN_RETURN_LAG_DAYS,
    NPS_DISTRIBUTION,
    RETURN_QUANTITY,
    RETURN_RATES,
    RETURN_REASONS,
    SURVEY_RESPONSE_RATE,
)


def simulate_returns(
    rng: np.random.Generator, lines: pd.DataFrame, orders: pd.DataFrame, products: pd.DataFrame, n_days: int
) -> pd.DataFrame:
    """Returned lines: a Bernoulli draw per line at its category's rate, one unit each."""
    category = lines[s.PRODUCT_ID].map(products.set_index(s.PRODUCT_ID)[s.CATEGORY])
    rate = category.map(RETURN_RATES).to_numpy(dtype=float)
    returned = rng.random(len(lines)) < rate
    lag = 1 + np.rint(rng.gamma(2.0, MEAN_RETURN_LAG_DAYS / 2.0, len(lines))).astype(int)
    reason = draw_many(rng, RETURN_REASONS, len(lines))
    order_day = lines[s.ORDER_ID].map(orders.set_index(s.ORDER_ID)["day"]).to_numpy()
    day = order_day + lag
    keep = returned & (day <= n_days)
    return pd.DataFrame(
        {s.ORDER_ID: lines.loc[keep, s.ORDER_ID].to_numpy(), s.PRODUCT_ID: lines.loc[keep, s.PRODUCT_ID].to_numpy(),
         "day": day[keep], s.QUANTITY: RETURN_QUANTITY, s.REASON: reason[keep]}
    )


def simulate_surveys(
    rng: np.random.Generator,
    orders: pd.DataFrame,
    lines: pd.DataFrame,
    products: pd.DataFrame,
    n_days: int,
) -> tuple[pd.DataFrame, pd.Series]:
    """NPS answers of ~30 % of buyers; every buyer's (latent) score drives referrals."""
    protection_ids = products.loc[products[s.CATEGORY].isin(["warranty", "subscription"]), s.PRODUCT_ID]
    protected_orders = lines.loc[lines[s.PRODUCT_ID].isin(protection_ids), s.ORDER_ID]
    protected_people = set(orders.loc[orders[s.ORDER_ID].isin(protected_orders), "person"].tolist())
    first_day = orders.groupby("person", sort=True)["day"].min()
    buyers = first_day.index.to_numpy()
    protected = np.array([person in protected_people for person in buyers])
    scores = np.empty(buyers.size, dtype=int)
    for status, dist in NPS_DISTRIBUTION.items():
        mask = protected == (status == "protected")
        scores[mask] = rng.choice(11, size=int(mask.sum()), p=np.asarray(dist) / sum(dist))
    answered = rng.random(buyers.size) < SURVEY_RESPONSE_RATE
    low = np.minimum(first_day.to_numpy() + 7, n_days)
    day = rng.integers(low, n_days + 1)
    surveys = pd.DataFrame({"person": buyers[answered], "day": day[answered], s.NPS_SCORE: scores[answered]})
    return surveys, pd.Series(scores, index=buyers)
