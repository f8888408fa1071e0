"""Did the offer pay? Each offer arm judged on incremental margin after discount, contact cost and returns.

:func:`campaign_profit` compares every offer arm with the control arm of its
experiment on two outcomes per customer: the revenue the offered product
brought in (what was paid, net of the returns expected for that product) and
the margin it left after the discount, the returns and the cost of the
contact. The control arm was never contacted and got no discount; whatever it
bought of the offered product it bought at the recorded price.

For customer *i* of an arm, with ``accepted`` a_i, the price paid p_i, the
offered product's unit cost c and its return rate r (returned units over
units sold, :func:`return_rates`; the category's when the product itself was never sold)::

    revenue_i = a_i x p_i x (1 - r)
    margin_i  = a_i x (p_i - c) x (1 - r) - contact_cost   (offer arms)
    margin_i  = a_i x (p_i - c) x (1 - r)                  (control arm)

A returned unit is refunded and restocked: it takes back its price and its
margin, nothing more. The effect of an arm is the difference of the two arms'
means, with Welch's interval and test (Welch 1947; Kohavi, Tang & Xu 2020,
ch. 17), the same readout as :func:`~xsell_lab.experiments.compare_revenue`.

The discount is a share of the list price (``products.price``). ``"auto"``
reads it from the data: one minus the revenue of the accepted offers of the
arm over their list price (:func:`observed_discounts`); on data that records
list-price revenue that is 0, and :func:`discount_statement` says so. A stated
``discount`` replaces the recorded price of the offer arms' accepted offers by
``price x (1 - discount)``.

References
----------
Welch, B. L. (1947). The generalization of "Student's" problem when several
different population variances are involved. *Biometrika*, 34, 28-35.
Kohavi, R., Tang, D. & Xu, Y. (2020). *Trustworthy Online Controlled
Experiments*. Cambridge University Press, ch. 17.
Shah, D. & Kumar, V. (2012). The dark side of cross-selling. *Harvard Business
Review*, 90(12), 21-23 (campaigns that sell more and earn less).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsell_lab.data import margins
from xsell_lab.data import schema as s
from xsell_lab.data.validation import AUTOMATIC, require_columns
from xsell_lab.experiments._common import check_probability, pair_frames, require_numeric, welch_test
from xsell_lab.experiments.checks import check_experiments

#: What :func:`campaign_profit` calls an arm, from its revenue and margin intervals.
VERDICTS = (
    "raises revenue and margin",
    "raises revenue, loses margin",
    "raises revenue, margin not shown to rise",
    "loses margin",
    "no effect shown",
    "margin unknown",
)
#: Columns of :func:`campaign_profit`.
CAMPAIGN_PROFIT_COLUMNS = [
    s.EXPERIMENT_ID, s.VARIANT, s.PRODUCT_ID, "customers", "customers_control", "discount", "contact_cost",
    "return_rate", "unit_cost", "revenue_difference", "revenue_ci_low", "revenue_ci_high",
    "estimate", "std_error", "ci_low", "ci_high", "p_value", "incremental_margin", "break_even_discount",
    "break_even_contact_cost", "verdict",
]
#: Columns of :func:`return_rates` (the first is the ``level``'s column).
RETURN_RATE_COLUMNS = ["units_sold", "units_returned", "return_rate"]


def return_rates(lines: pd.DataFrame, returns: pd.DataFrame | None, *, level: str = "product") -> pd.DataFrame:
    """Each product's (or category's) return rate: units returned over units sold.

    Parameters
    ----------
    lines : pandas.DataFrame
        Sales lines as sold (:func:`xsell_lab.sales_lines`): ``order_id``,
        ``product_id``, ``quantity`` and the ``level``'s column.
    returns : pandas.DataFrame or None
        The canonical ``returns`` table; None (no table) gives every rate 0.
    level : {"product", "category"}, default "product"
        What a rate is of.

    Returns
    -------
    pandas.DataFrame
        The ``level``'s column then :data:`RETURN_RATE_COLUMNS`, one row per
        item sold. Returns that match no sold line are ignored, and no line
        returns more than it sold.
    """
    item = s.item_column(level)
    require_columns(lines, [s.ORDER_ID, s.PRODUCT_ID, s.QUANTITY, item], "sales lines")
    sold = lines.groupby([s.ORDER_ID, s.PRODUCT_ID], observed=True).agg(units_sold=(s.QUANTITY, "sum"), item=(item, "first"))
    if returns is None or returns.empty:
        back = pd.Series(0, index=sold.index)
    else:
        back = returns.groupby([s.ORDER_ID, s.PRODUCT_ID], observed=True)[s.QUANTITY].sum().reindex(sold.index, fill_value=0)
    sold["units_returned"] = np.minimum(back, sold["units_sold"])
    table = sold.groupby("item", observed=True)[["units_sold", "units_returned"]].sum().rename_axis(item).reset_index()
    table["return_rate"] = table["units_returned"] / table["units_sold"]
    return table[[item, *RETURN_RATE_COLUMNS]]


def offered_return_rate(rates: dict[str, pd.Series], product: str, category) -> float:
    """The return rate counted for an offered product: its own, else its category's, else NaN (neither sold)."""
    for level, key in (("product", product), ("category", category)):
        if key in rates[level].index:
            return float(rates[level][key])
    return np.nan


def observed_discounts(offers: pd.DataFrame, products: pd.DataFrame, *, control: str = "control") -> pd.DataFrame:
    """The discount each offer arm gave, read from the data: 1 - revenue / list price of its accepted offers.

    Returns
    -------
    pandas.DataFrame
        ``experiment_id``, ``variant``, ``accepted`` (offers accepted) and
        ``discount`` (a share of the list price; NaN for an arm with no
        accepted offer, or whose product has no list price in ``products``),
        one row per offer arm.
    """
    price = products.set_index(s.PRODUCT_ID)[s.PRICE]
    taken = offers[(offers[s.VARIANT] != control) & offers[s.ACCEPTED].astype(bool)]
    arms = offers.loc[offers[s.VARIANT] != control, [s.EXPERIMENT_ID, s.VARIANT]].drop_duplicates()
    sums = taken.assign(list_price=taken[s.PRODUCT_ID].map(price)).groupby([s.EXPERIMENT_ID, s.VARIANT], observed=True).agg(
        accepted=(s.ACCEPTED, "size"), priced=("list_price", "count"), revenue=(s.REVENUE, "sum"), list_price=("list_price", "sum"))
    table = arms.merge(sums.reset_index(), on=[s.EXPERIMENT_ID, s.VARIANT], how="left")
    table["accepted"] = table["accepted"].fillna(0).astype(int)
    table["discount"] = (1 - table["revenue"] / table["list_price"]).where(table["priced"] == table["accepted"])
    return table.sort_values([s.EXPERIMENT_ID, s.VARIANT]).reset_index(drop=True)[[s.EXPERIMENT_ID, s.VARIANT, "accepted", "discount"]]


def offer_margin(
    offers: pd.DataFrame, products: pd.DataFrame, *, experiment: str, arm: str, control: str = "control",
    assumed_margin_rate: float = 0.0,
) -> dict:
    """What one sale of an offer arm's product earns: the margin at the list price and the discount given with it.

    The unit cost is the data's, else ``price x (1 - assumed_margin_rate)``
    (:func:`xsell_lab.data.margins.unit_costs`); the discount is the one the data shows
    (:func:`observed_discounts`; 0 when the arm has no accepted offer).

    Returns
    -------
    dict
        ``product_id``, ``price`` (list), ``unit_cost`` (NaN when unknown), ``margin`` (``price -
        unit_cost``), ``discount_share`` and ``discount`` (``discount_share x price``).
    """
    require_columns(offers, [s.EXPERIMENT_ID, s.VARIANT, s.PRODUCT_ID], s.OFFERS)
    product = offers.loc[(offers[s.EXPERIMENT_ID] == experiment) & (offers[s.VARIANT] == arm), s.PRODUCT_ID].iloc[0]
    catalogue = products.set_index(s.PRODUCT_ID)
    price = float(catalogue[s.PRICE].get(product, np.nan))
    cost = float(pd.Series(margins.unit_costs(products, assumed_margin_rate).to_numpy(), index=products[s.PRODUCT_ID]).get(product, np.nan))
    found = observed_discounts(offers, products, control=control).set_index([s.EXPERIMENT_ID, s.VARIANT])["discount"]
    share = float(np.nan_to_num(found.get((experiment, arm), 0.0)))
    return {"product_id": product, "price": price, "unit_cost": cost, "margin": price - cost, "discount_share": share,
            "discount": share * price}


def discount_statement(offers: pd.DataFrame, products: pd.DataFrame, discount: float | str = "auto", *, control: str = "control") -> str:
    """One sentence saying which discount the profit readout counts, and where it comes from.

    Names the ``discount`` parameter; with ``"auto"`` it says whether the data
    shows one (revenue below the list price) or records list prices (no
    discount visible), never a silent 0.
    """
    if discount not in AUTOMATIC:
        return f"Discount: {float(discount):.0%} of the list price on every accepted offer (the discount parameter)."
    read = observed_discounts(offers, products, control=control)
    found = read.dropna(subset=["discount"])
    if found.empty:
        why = "the offered products have no list price in the products table" if read["accepted"].any() else "no offer arm has an accepted offer"
        return f"Discount: none can be read from the data ({why}); set the discount parameter to count one."
    if (found["discount"].abs() < 0.005).all():
        return ("Discount: the offers table records the list price as the revenue of every accepted offer, so no discount can be "
                "read from it; the readout counts none. If the offers carried one, set the discount parameter (e.g. 0.1 for 10%).")
    parts = ", ".join(f"{row[s.EXPERIMENT_ID]} {row[s.VARIANT]} {row['discount']:.0%}" for _, row in found.iterrows())
    return f"Discount: read from the data as the revenue of accepted offers below their list price ({parts}); set the discount parameter to replace it."


def campaign_profit(
    offers: pd.DataFrame,
    products: pd.DataFrame,
    lines: pd.DataFrame | None = None,
    returns: pd.DataFrame | None = None,
    *,
    discount: float | str = "auto",
    contact_cost: float = 0.0,
    assumed_margin_rate: float = 0.0,
    control: str = "control",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Incremental revenue and margin per customer offered, each offer arm against its control arm.

    Parameters
    ----------
    offers : pandas.DataFrame
        The canonical offers table (``experiment_id``, ``variant``,
        ``customer_id``, ``product_id``, ``accepted``, ``revenue``).
    products : pandas.DataFrame
        The canonical products table: ``price`` and, when known, ``unit_cost``.
    lines, returns : pandas.DataFrame, optional
        Sales lines as sold and the returns table, for each product's return
        rate (:func:`return_rates`, the category's for a product never sold); without them no return is counted.
    discount : float or "auto", default "auto"
        Share of the list price given off on the offer arms' accepted offers;
        ``"auto"`` keeps the revenue the data records (see the module text).
    contact_cost : float, default 0.0
        Cost of contacting one customer of an offer arm, in the data's money.
    assumed_margin_rate : float, default 0.0
        Margin share for a product without ``unit_cost``
        (:func:`xsell_lab.data.margins.unit_costs`); 0 assumes none.
    control : str, default "control"
        The arm that received no offer.
    confidence : float, default 0.95
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        :data:`CAMPAIGN_PROFIT_COLUMNS`, one row per offer arm:
        ``revenue_difference`` (with ``revenue_ci_low`` / ``revenue_ci_high``)
        and ``estimate`` (with ``std_error``, ``ci_low``, ``ci_high``,
        ``p_value``) are differences per customer offered;
        ``incremental_margin = estimate x customers`` is the margin the arm
        added; ``return_rate`` is NaN (and no return is counted) when neither
        the product nor its category was ever sold; ``break_even_discount`` is the discount (share of the list
        price) at which ``estimate`` would be 0 if as many customers accepted, and
        ``break_even_contact_cost`` the contact cost at which it would be 0; ``verdict`` is one of
        :data:`VERDICTS` (an effect counts as shown when its interval excludes 0).
    """
    check_experiments(offers, control=control)
    require_columns(offers, [s.PRODUCT_ID, s.ACCEPTED], s.OFFERS)
    require_numeric(offers, s.REVENUE)
    check_probability(confidence, "confidence")
    if not np.isfinite(contact_cost) or contact_cost < 0:
        raise ValueError(f"contact_cost is a cost per customer contacted, 0 or more; got {contact_cost!r}.")
    if discount not in AUTOMATIC and not 0 <= float(discount) < 1:
        raise ValueError(f"discount is a share of the list price in [0, 1), e.g. 0.1 for 10%, or 'auto'; got {discount!r}.")
    catalogue = products.set_index(s.PRODUCT_ID)
    costs = margins.unit_costs(products, assumed_margin_rate).set_axis(products[s.PRODUCT_ID])
    rates = {level: pd.Series(dtype=float) if lines is None else return_rates(lines, returns, level=level).set_index(s.item_column(level))["return_rate"]
             for level in ("product", "category")}
    rows = []
    for (experiment, arm), pair in pair_frames(offers, control):
        product = pair[s.PRODUCT_ID].mode().iloc[0]
        rows.append(_arm_row(pair, experiment, arm, product, float(catalogue[s.PRICE].get(product, np.nan)),
                             float(costs.get(product, np.nan)), offered_return_rate(rates, product, catalogue[s.CATEGORY].get(product)), discount, float(contact_cost),
                             control, confidence))
    return pd.DataFrame(rows, columns=CAMPAIGN_PROFIT_COLUMNS)


def _arm_row(pair, experiment, arm, product, price, cost, return_rate, discount, contact_cost, control, confidence) -> dict:
    """One offer arm against control: the per-customer outcomes, their Welch differences and the verdict."""
    offered = (pair[s.VARIANT] != control).to_numpy()
    accepted = pair[s.ACCEPTED].astype(bool).to_numpy()
    paid = pd.to_numeric(pair[s.REVENUE]).to_numpy(dtype=float)
    if discount not in AUTOMATIC:
        paid = np.where(offered, price * (1 - float(discount)), paid)
    kept = 1 - (0.0 if np.isnan(return_rate) else return_rate)
    revenue = np.where(accepted, paid * kept, 0.0)
    given = "auto" if discount in AUTOMATIC else float(discount)
    row = {s.EXPERIMENT_ID: experiment, s.VARIANT: arm, s.PRODUCT_ID: product, "customers": int(offered.sum()),
           "customers_control": int((~offered).sum()), "discount": given, "contact_cost": contact_cost,
           "return_rate": return_rate, "unit_cost": cost}
    sold = welch_test(revenue[offered], revenue[~offered], confidence)
    row.update(revenue_difference=sold["difference"], revenue_ci_low=sold["ci_low"], revenue_ci_high=sold["ci_high"])
    if np.isnan(cost):
        row.update(estimate=np.nan, std_error=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan,
                   incremental_margin=np.nan, break_even_discount=np.nan, break_even_contact_cost=np.nan,
                   verdict="margin unknown")
        return row
    margin = np.where(accepted, (paid - cost) * kept, 0.0) - np.where(offered, contact_cost, 0.0)
    earned = welch_test(margin[offered], margin[~offered], confidence)
    # the discount d at which the estimate is 0: the offer arm's margin at list price falls by d x price x kept per acceptance
    at_list = np.where(accepted & offered, (price - cost) * kept, 0.0) - contact_cost
    per_point = price * kept * accepted[offered].mean()
    break_even = (at_list[offered].mean() - margin[~offered].mean()) / per_point if per_point > 0 else np.nan
    row.update(estimate=earned["difference"], std_error=earned["std_error"], ci_low=earned["ci_low"], ci_high=earned["ci_high"],
               p_value=earned["p_value"], incremental_margin=earned["difference"] * row["customers"],
               break_even_discount=break_even, break_even_contact_cost=earned["difference"] + contact_cost,
               verdict=_verdict(sold, earned))
    return row


def _verdict(revenue: dict, margin: dict) -> str:
    """The arm's verdict (:data:`VERDICTS`) from its revenue and margin intervals."""
    if revenue["ci_low"] > 0:
        if margin["ci_low"] > 0:
            return VERDICTS[0]
        return VERDICTS[1] if margin["ci_high"] < 0 else VERDICTS[2]
    return VERDICTS[3] if margin["ci_high"] < 0 else VERDICTS[4]
