"""The planted buying probability of any customer under any arm of the bundled company's offer tests.

The three experiments of ``ground_truth["experiments"]`` plant one rate per arm, or one per
segment; the uplift campaign (``ground_truth["uplift_campaign"]``) plants one per kind of
customer (``kind_by_customer``) and arm (control: without the offer, else with it).
"""

from __future__ import annotations

import pandas as pd

from xsell_lab.data import schema as s


def planted_rates(ground_truth: dict, experiment: str, arm: str, rows: pd.DataFrame) -> pd.Series:
    """The planted probability that each of ``rows`` (``customer_id``, ``segment``) buys under ``arm``."""
    campaign = ground_truth["uplift_campaign"]
    if experiment == campaign["experiment_id"]:
        side = "without_offer" if arm == "control" else "with_offer"
        kind = rows[s.CUSTOMER_ID].map(campaign["kind_by_customer"])
        return kind.map({k: rates[side] for k, rates in campaign["rates_by_kind"].items()}).astype(float)
    rate = ground_truth["experiments"][experiment]["arms"][arm]["conversion_rate"]
    if isinstance(rate, dict):
        return rows[s.SEGMENT].map(rate).astype(float)
    return pd.Series(float(rate), index=rows.index)


def planted_offer_rates(ground_truth: dict, offers: pd.DataFrame) -> pd.Series:
    """The planted acceptance probability of every offer (``offers`` with a ``segment`` column)."""
    parts = [planted_rates(ground_truth, experiment, arm, rows)
             for (experiment, arm), rows in offers.groupby([s.EXPERIMENT_ID, s.VARIANT], sort=False)]
    return pd.concat(parts).reindex(offers.index)


def experiments_with_truth(ground_truth: dict) -> list[str]:
    """Every offer test of the bundled company: the three experiments and the uplift campaign."""
    return [*ground_truth["experiments"], ground_truth["uplift_campaign"]["experiment_id"]]
