"""Churn risk and a retention-offer list that respects consent and contact caps.

In a non-contractual business nobody announces they are leaving; the BG/NBD
P(alive) falls as a customer stays silent for longer than their own buying
rhythm predicts. A customer is flagged *at risk* when P(alive) is below a
threshold and has dropped since an earlier reference date. Customers are
ranked by **CLV at risk**, the value that would be kept if the customer
were certainly still active:

``CLV if alive = CLV / P(alive)``, ``CLV at risk = CLV if alive - CLV``

(the BG/NBD expectation is P(alive) times the expectation for an active
customer, Fader, Hardie & Lee 2005, eq. 10).

P(alive) cannot see customers who bought only once: in the BG/NBD one can
only leave right after a repeat purchase, so their P(alive) is 1 however long
they have been silent. :func:`silence_risk` ranks everybody with **the chance
of buying in the next t** (:func:`purchase_probability`), which falls with
every silent week for one-time and repeat buyers alike: a customer is at risk
when that chance has fallen below a share of what it was on the day of their
last purchase, and is ranked by the lifetime value the silence has cost
(value then minus value now).

The offer list then applies the guardrails every campaign needs: no offer
without marketing consent (empty consent means no), no more than
``max_contacts`` contacts per customer in the last ``contact_window_days``,
and at most ``budget`` offers, highest CLV at risk first (the consent and
cap rules are those of :mod:`xsell_lab.guardrails`). Every suppressed
customer is logged with the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.clv._customers import values_by_customer
from xsell_lab.clv.bgnbd import BetaGeoModel
from xsell_lab.clv.rfm import validate_rfm
from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.guardrails import has_consent, recent_offer_counts

#: Columns of :func:`churn_risk`.
RISK_COLUMNS = [
    s.CUSTOMER_ID, "p_alive", "p_alive_earlier", "p_alive_drop", "clv", "clv_if_alive", "clv_at_risk", "at_risk",
]
#: Columns of :func:`silence_risk`.
SILENCE_COLUMNS = [
    s.CUSTOMER_ID, "frequency", "p_alive", "purchase_probability", "usual_probability", "remaining_share",
    "remaining_share_earlier", "clv", "clv_then", "clv_at_risk", "at_risk",
]
#: Columns of the offer list of :func:`retention_offer_list`.
OFFER_COLUMNS = [s.CUSTOMER_ID, "clv_at_risk", "p_alive", "purchase_probability", s.PREFERRED_CHANNEL, "rank"]
#: Columns of the suppression log of :func:`retention_offer_list`.
SUPPRESSION_COLUMNS = ["reason", "customers"]


def churn_risk(
    clv: pd.DataFrame,
    p_alive_earlier: pd.DataFrame,
    *,
    threshold: float = 0.5,
    min_drop: float = 0.1,
) -> pd.DataFrame:
    """Customers whose P(alive) has dropped, ranked by the CLV they put at risk.

    P(alive) is 1 for customers without repeat purchases, so this list never
    names a one-time buyer; :func:`silence_risk` ranks everybody (notebook 07
    uses it). Here CLV at risk is ``CLV / P(alive) - CLV``.

    Parameters
    ----------
    clv : pandas.DataFrame
        Output of :func:`xsell_lab.clv.customer_lifetime_value` (``customer_id``,
        ``p_alive``, ``clv``).
    p_alive_earlier : pandas.DataFrame
        Columns ``customer_id`` and ``p_alive``: P(alive) of the customers at
        an earlier date (e.g. 90 days before), from the same model on the RFM
        table of that date, e.g. ``earlier.assign(p_alive=model.conditional_probability_alive(earlier))``.
        Joined on ``customer_id``; customers absent then (new since) count as 1.
        A Series indexed by customer id still works until 0.3, with a
        ``FutureWarning``.
    threshold : float, default 0.5
        At risk only when P(alive) is below this.
    min_drop : float, default 0.1
        ... and has fallen by at least this much since the earlier date.

    Returns
    -------
    pandas.DataFrame
        One row per customer of ``clv``, columns :data:`RISK_COLUMNS`, sorted by
        ``clv_at_risk`` (highest first; ties keep the order of ``clv``), with a
        default ``RangeIndex``.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1]. Got {threshold}.")
    require_columns(clv, [s.CUSTOMER_ID, "p_alive", "clv"], "clv", hint="Build the table with xsell_lab.clv.customer_lifetime_value")
    before = values_by_customer(p_alive_earlier, "p_alive", "p_alive_earlier", "churn_risk")
    earlier = pd.Series(before.reindex(clv[s.CUSTOMER_ID]).to_numpy(), index=clv.index).fillna(1.0)
    p_alive = clv["p_alive"]
    clv_if_alive = clv["clv"] / p_alive.clip(lower=1e-12)
    table = pd.DataFrame(
        {
            s.CUSTOMER_ID: clv[s.CUSTOMER_ID],
            "p_alive": p_alive,
            "p_alive_earlier": earlier,
            "p_alive_drop": earlier - p_alive,
            "clv": clv["clv"],
            "clv_if_alive": clv_if_alive,
            "clv_at_risk": clv_if_alive - clv["clv"],
        },
        index=clv.index,
    )
    table["at_risk"] = (table["p_alive"] < threshold) & (table["p_alive_drop"] >= min_drop)
    return table.sort_values("clv_at_risk", ascending=False, kind="stable").reset_index(drop=True)[RISK_COLUMNS]


def purchase_probability(model: BetaGeoModel, rfm: pd.DataFrame, t: float) -> pd.Series:
    """The chance that each customer buys at least once in the next ``t``: P(X(T, T + t] > 0 | x, t_x, T).

    ``P(no purchase) = 1 - P(alive) + P(alive) ((alpha + T) / (alpha + T + t))^(r + x)``:
    a customer who has left never buys again; one who is still active buys at
    their own rate lambda, which after ``x`` repeat purchases in ``T`` follows
    a Gamma(r + x, alpha + T) distribution, and misses the next ``t`` with
    probability E[exp(-lambda t)]. Equivalently, it is the ratio of the BG/NBD
    likelihoods of the history observed up to ``T + t`` and up to ``T``
    (Fader, Hardie & Lee 2005, eq. 6, and their note 021 for P(alive)). Unlike
    P(alive), it falls with silence for customers without repeat purchases too:
    for them it is ``1 - ((alpha + T) / (alpha + T + t))^r``.

    Parameters
    ----------
    model : BetaGeoModel
        A fitted BG/NBD model.
    rfm : pandas.DataFrame
        Columns ``frequency``, ``recency``, ``T`` in the model's time unit
        (e.g. :func:`xsell_lab.clv.rfm_summary`, weeks).
    t : float
        The window ahead, in the same unit (13 for a quarter in weeks).

    Returns
    -------
    pandas.Series
        Named ``purchase_probability``, one value in [0, 1] per row of ``rfm``,
        with its index.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your
    customers" the easy way: an alternative to the Pareto/NBD model.
    *Marketing Science* 24(2), 275-284.
    """
    if not t > 0:
        raise ValueError(f"t must be > 0. Got {t}.")
    validate_rfm(rfm)
    r, alpha = (float(model.params_[name]) for name in ("r", "alpha"))
    x, big_t = rfm["frequency"].to_numpy(dtype="float64"), rfm["T"].to_numpy(dtype="float64")
    log_quiet_if_alive = (r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + t))
    p_alive = model.conditional_probability_alive(rfm).to_numpy()
    return pd.Series(p_alive * -np.expm1(log_quiet_if_alive), index=rfm.index, name="purchase_probability")


def at_last_purchase(rfm: pd.DataFrame) -> pd.DataFrame:
    """The RFM table as it stood on each customer's last purchase day (``T`` = ``recency``).

    Parameters
    ----------
    rfm : pandas.DataFrame
        Columns ``frequency``, ``recency``, ``T`` (e.g. :func:`xsell_lab.clv.rfm_summary`).

    Returns
    -------
    pandas.DataFrame
        A copy of ``rfm`` with ``T`` set to ``recency`` (0 for customers
        without repeat purchases: the day of their first purchase).
    """
    validate_rfm(rfm)
    return rfm.assign(T=rfm["recency"])


def silence_risk(
    model: BetaGeoModel,
    rfm: pd.DataFrame,
    rfm_earlier: pd.DataFrame,
    value: pd.DataFrame,
    value_then: pd.DataFrame,
    *,
    t: float,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Customers whose chance of buying has fallen with their silence, one-time buyers included.

    For each customer the chance of buying in the next ``t``
    (:func:`purchase_probability`) is compared with what it was on the day of
    their last purchase (``usual_probability``, on :func:`at_last_purchase`):
    ``remaining_share = purchase_probability / usual_probability``. A customer
    is **at risk** when that share is below ``threshold`` now and was not on
    the earlier date (``rfm_earlier``): they slipped in between, so a
    retention offer may still reach them. Customers are ranked by **CLV at
    risk**: the lifetime value they had on their last purchase day
    (``value_then``) minus the value expected now, what the silence has cost
    (never below 0).

    Parameters
    ----------
    model : BetaGeoModel
        The fitted BG/NBD model.
    rfm, rfm_earlier : pandas.DataFrame
        :func:`xsell_lab.clv.rfm_summary` tables (``customer_id``,
        ``frequency``, ``recency``, ``T``) on the day of the analysis and on an
        earlier day (e.g. 90 days before). Customers absent from
        ``rfm_earlier`` (new since) count as not at risk then.
    value, value_then : pandas.DataFrame
        :func:`xsell_lab.clv.customer_lifetime_value` on ``rfm`` and on
        ``at_last_purchase(rfm)`` (``customer_id``, ``clv``), same horizon.
    t : float
        The window ahead of the purchase probability, in the RFM time unit.
    threshold : float, default 0.5
        At risk when the remaining share of the chance of buying is below this.

    Returns
    -------
    pandas.DataFrame
        One row per customer of ``rfm``, columns :data:`SILENCE_COLUMNS`,
        sorted by ``clv_at_risk`` (highest first; ties keep the order of
        ``rfm``), with a default ``RangeIndex``.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1]. Got {threshold}.")
    for name, table in (("rfm", rfm), ("rfm_earlier", rfm_earlier)):
        require_columns(table, [s.CUSTOMER_ID], name, hint="Build the table with xsell_lab.clv.rfm_summary")
    for name, table in (("value", value), ("value_then", value_then)):
        require_columns(table, [s.CUSTOMER_ID, "clv"], name, hint="Build the table with xsell_lab.clv.customer_lifetime_value")
    share_now, usual = _remaining_share(model, rfm, t)
    share_before, _ = _remaining_share(model, rfm_earlier, t)
    ids = rfm[s.CUSTOMER_ID]
    earlier = pd.Series(share_before.to_numpy(), index=rfm_earlier[s.CUSTOMER_ID]).reindex(ids).fillna(1.0).to_numpy()
    clv_now = values_by_customer(value, "clv", "value", "silence_risk").reindex(ids).to_numpy()
    clv_then = values_by_customer(value_then, "clv", "value_then", "silence_risk").reindex(ids).to_numpy()
    table = pd.DataFrame(
        {
            s.CUSTOMER_ID: ids.to_numpy(),
            "frequency": rfm["frequency"].to_numpy(),
            "p_alive": model.conditional_probability_alive(rfm).to_numpy(),
            "purchase_probability": (share_now * usual).to_numpy(),
            "usual_probability": usual.to_numpy(),
            "remaining_share": share_now.to_numpy(),
            "remaining_share_earlier": earlier,
            "clv": clv_now,
            "clv_then": clv_then,
            "clv_at_risk": np.maximum(clv_then - clv_now, 0.0),
        }
    )
    table["at_risk"] = (table["remaining_share"] < threshold) & (table["remaining_share_earlier"] >= threshold)
    return table.sort_values("clv_at_risk", ascending=False, kind="stable").reset_index(drop=True)[SILENCE_COLUMNS]


def _remaining_share(model: BetaGeoModel, rfm: pd.DataFrame, t: float) -> tuple[pd.Series, pd.Series]:
    """The share of the chance of buying left now, and that chance on the last purchase day."""
    usual = purchase_probability(model, at_last_purchase(rfm), t)
    return purchase_probability(model, rfm, t) / usual.clip(lower=1e-300), usual


def retention_offer_list(
    risk: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    offers: pd.DataFrame | None = None,
    as_of: str | pd.Timestamp,
    budget: int = 100,
    max_contacts: int = 1,
    contact_window_days: int = 30,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The at-risk customers to send a retention offer to, after the guardrails.

    Parameters
    ----------
    risk : pandas.DataFrame
        Output of :func:`silence_risk` or :func:`churn_risk` (``customer_id``,
        ``at_risk``, ``clv_at_risk``, ``p_alive``, and ``purchase_probability``
        when there is one), highest priority first.
    customers : pandas.DataFrame
        The customers table (``customer_id``, ``marketing_consent``,
        ``preferred_channel``).
    offers : pandas.DataFrame, optional
        Offers already sent (``customer_id``, ``offer_date``), for the cap.
    as_of : str or pandas.Timestamp
        The day the list is made; the cap counts offers in the
        ``contact_window_days`` before it.
    budget : int, default 100
        Maximum number of offers.
    max_contacts : int, default 1
        A customer already contacted this many times in the window is skipped.
    contact_window_days : int, default 30
        Length of the cap's window.

    Returns
    -------
    offer_list : pandas.DataFrame
        Columns :data:`OFFER_COLUMNS`: ``customer_id``, ``clv_at_risk``,
        ``p_alive``, ``purchase_probability`` (empty when ``risk`` has none),
        ``preferred_channel`` (empty when ``customers`` has none), ``rank`` (1 = first to contact);
        a default ``RangeIndex``.
    suppressed : pandas.DataFrame
        Columns :data:`SUPPRESSION_COLUMNS`: how many at-risk customers each
        guardrail removed (``no marketing consent``, ``contact cap reached``,
        ``over budget``), in the order applied.
    """
    require_columns(risk, [s.CUSTOMER_ID, "at_risk", "clv_at_risk", "p_alive"], "risk", hint="Build the table with xsell_lab.clv.silence_risk or churn_risk")
    candidates = risk.loc[risk["at_risk"].to_numpy(dtype=bool)]
    consent = has_consent(customers).reindex(candidates[s.CUSTOMER_ID], fill_value=False).to_numpy()
    log = [("no marketing consent", int((~consent).sum()))]
    candidates = candidates.loc[consent]
    recent = recent_offer_counts(offers, as_of, contact_window_days).reindex(candidates[s.CUSTOMER_ID], fill_value=0)
    capped = (recent >= max_contacts).to_numpy()
    log.append(("contact cap reached", int(capped.sum())))
    candidates = candidates.loc[~capped]
    log.append(("over budget", max(len(candidates) - budget, 0)))
    chosen = candidates.head(budget)
    channels = customers.set_index(s.CUSTOMER_ID)[s.PREFERRED_CHANNEL] if s.PREFERRED_CHANNEL in customers else pd.Series(dtype=object)
    offer_list = pd.DataFrame(
        {
            s.CUSTOMER_ID: chosen[s.CUSTOMER_ID].to_numpy(),
            "clv_at_risk": chosen["clv_at_risk"].to_numpy(),
            "p_alive": chosen["p_alive"].to_numpy(),
            "purchase_probability": chosen.get("purchase_probability", pd.Series(np.nan, index=chosen.index)).to_numpy(),
            s.PREFERRED_CHANNEL: channels.reindex(chosen[s.CUSTOMER_ID]).to_numpy(),
            "rank": range(1, len(chosen) + 1),
        }
    )
    return offer_list, pd.DataFrame(log, columns=SUPPRESSION_COLUMNS)

