"""Discounted customer lifetime value from the BG/NBD and Gamma-Gamma models.

For each customer, the expected purchases in each future period (BG/NBD,
conditional on their history) times the expected spend per purchase
(Gamma-Gamma) times the margin rate, discounted back to today:

``CLV = sum_k margin * E[spend] * (E[Y(k d)] - E[Y((k - 1) d)]) / (1 + rate)^k``

for periods ``k = 1..periods`` of length ``d``. This is the discrete-period
form used by Fader, Hardie & Lee (2005, "RFM and CLV", section on discounted
expected transactions) and by lifetimes' ``customer_lifetime_value``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.clv._customers import values_by_customer
from xsell_lab.clv.bgnbd import BetaGeoModel
from xsell_lab.clv.gamma_gamma import GammaGammaModel
from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns

#: Columns of :func:`customer_lifetime_value`.
CLV_COLUMNS = [s.CUSTOMER_ID, "p_alive", "expected_purchases", "expected_spend", "margin_rate", "clv"]


def customer_lifetime_value(
    bgnbd: BetaGeoModel,
    spend: GammaGammaModel | float,
    rfm: pd.DataFrame,
    *,
    periods: int = 12,
    period_length: float = 52.0 / 12.0,
    discount_rate: float = 0.01,
    margin_rate: float | pd.DataFrame = 0.3,
) -> pd.DataFrame:
    """Expected discounted margin each customer will bring over a horizon.

    Parameters
    ----------
    bgnbd : BetaGeoModel
        Fitted repeat-purchase model.
    spend : GammaGammaModel or float
        Fitted spend model, or one expected spend per purchase for everybody
        (e.g. the average order value when the Gamma-Gamma model finds no
        differences between customers).
    rfm : pandas.DataFrame
        Columns ``customer_id``, ``frequency``, ``recency``, ``T`` (and
        ``monetary_value`` with a Gamma-Gamma model), in the time unit the
        models were fitted in (e.g. :func:`xsell_lab.clv.rfm_summary`).
    periods : int, default 12
        Number of future periods (12 months = one year).
    period_length : float, default 52/12
        Length of one period in the RFM time unit (a month in weeks).
    discount_rate : float, default 0.01
        Discount rate per period (1% a month is about 12.7% a year).
    margin_rate : float or pandas.DataFrame, default 0.3
        Share of spend kept as margin; a DataFrame with ``customer_id`` and
        ``margin_rate`` columns (one row per customer, joined on
        ``customer_id``; extra customers are ignored) gives each customer their
        own rate, e.g. from their product mix. A Series indexed by customer id
        still works until 0.3, with a ``FutureWarning``.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``rfm``, in its order and with its index; columns
        :data:`CLV_COLUMNS`: ``customer_id``, ``p_alive``,
        ``expected_purchases`` over the horizon, ``expected_spend`` per
        purchase, ``margin_rate`` and ``clv`` (discounted margin).

    Raises
    ------
    DataValidationError
        When ``rfm`` has no ``customer_id`` column, or ``margin_rate`` lacks
        a column or repeats a customer.
    ValueError
        For a horizon, discount rate or spend out of range, or a customer of
        ``rfm`` without a margin rate.
    """
    require_columns(rfm, [s.CUSTOMER_ID], "rfm", hint="Build the table with xsell_lab.clv.rfm_summary")
    if periods < 1 or period_length <= 0:
        raise ValueError(f"periods must be >= 1 and period_length > 0. Got {periods} and {period_length}.")
    if not -1 < discount_rate:
        raise ValueError(f"discount_rate must be > -1. Got {discount_rate}.")
    cumulative = np.column_stack(
        [np.zeros(len(rfm))]
        + [bgnbd.conditional_expected_purchases(k * period_length, rfm).to_numpy() for k in range(1, periods + 1)]
    )
    per_period = np.diff(cumulative, axis=1)
    discount = (1 + discount_rate) ** -np.arange(1, periods + 1)
    if isinstance(spend, GammaGammaModel):
        expected_spend = spend.conditional_expected_spend(rfm)
    elif spend > 0:
        expected_spend = pd.Series(float(spend), index=rfm.index)
    else:
        raise ValueError(f"spend must be a fitted GammaGammaModel or a number > 0. Got {spend!r}.")
    if np.isscalar(margin_rate):
        margin = pd.Series(margin_rate, index=rfm.index)
    else:
        rates = values_by_customer(margin_rate, "margin_rate", "margin_rate", "customer_lifetime_value")
        margin = pd.Series(rates.reindex(rfm[s.CUSTOMER_ID]).to_numpy(), index=rfm.index)
    if margin.isna().any():
        raise ValueError(
            f"margin_rate has no value for {int(margin.isna().sum()):,} customer(s), "
            f"e.g. {rfm.loc[margin.isna(), s.CUSTOMER_ID].tolist()[0]!r}. Give every customer in rfm a rate."
        )
    return pd.DataFrame(
        {
            s.CUSTOMER_ID: rfm[s.CUSTOMER_ID],
            "p_alive": bgnbd.conditional_probability_alive(rfm),
            "expected_purchases": cumulative[:, -1],
            "expected_spend": expected_spend,
            "margin_rate": margin,
            "clv": expected_spend * margin * (per_period @ discount),
        },
        index=rfm.index,
    )
