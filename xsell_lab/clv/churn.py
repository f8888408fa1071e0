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

The offer list then applies the guardrails every campaign needs: no offer
without marketing consent (empty consent means no), no more than
``max_contacts`` contacts per customer in the last ``contact_window_days``,
and at most ``budget`` offers, highest CLV at risk first (the consent and
cap rules are those of :mod:`xsell_lab.guardrails`). Every suppressed
customer is logged with the reason.
"""

from __future__ import annotations

import pandas as pd

from xsell_lab.clv._customers import values_by_customer
from xsell_lab.data import schema as s
from xsell_lab.data.validation import require_columns
from xsell_lab.guardrails import has_consent, recent_offer_counts

#: Columns of :func:`churn_risk`.
RISK_COLUMNS = [
    s.CUSTOMER_ID, "p_alive", "p_alive_earlier", "p_alive_drop", "clv", "clv_if_alive", "clv_at_risk", "at_risk",
]
#: Columns of the offer list of :func:`retention_offer_list`.
OFFER_COLUMNS = [s.CUSTOMER_ID, "clv_at_risk", "p_alive", s.PREFERRED_CHANNEL, "rank"]
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
        Output of :func:`churn_risk` (``customer_id``, ``at_risk``,
        ``clv_at_risk``, ``p_alive``), highest priority first.
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
        ``p_alive``, ``preferred_channel`` (empty when ``customers`` has none), ``rank`` (1 = first to contact);
        a default ``RangeIndex``.
    suppressed : pandas.DataFrame
        Columns :data:`SUPPRESSION_COLUMNS`: how many at-risk customers each
        guardrail removed (``no marketing consent``, ``contact cap reached``,
        ``over budget``), in the order applied.
    """
    require_columns(risk, [s.CUSTOMER_ID, "at_risk", "clv_at_risk", "p_alive"], "risk", hint="Build the table with xsell_lab.clv.churn_risk")
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
            s.PREFERRED_CHANNEL: channels.reindex(chosen[s.CUSTOMER_ID]).to_numpy(),
            "rank": range(1, len(chosen) + 1),
        }
    )
    return offer_list, pd.DataFrame(log, columns=SUPPRESSION_COLUMNS)

