"""A campaign export: the customers and offers of a test, without orders, loads and is read as a test.

Many companies can export a campaign (who was randomised to which arm, who bought) long before
they can export their order history. Such a folder loads: the sales tables are empty, the data
profile says so, and the notebooks about offers (08 A/B testing, 12 uplift) read the test while
the others stop with one sentence (``tests/test_real_data_notebooks.py`` runs every notebook on
Hillstrom's e-mail test, a real campaign export). Here the bundled bundled_company's customers and offers
alone make the export, so every figure can be recounted from the full company.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import xsell_lab
from xsell_lab import experiments
from xsell_lab.data import margins, profile
from xsell_lab.data import schema as s
from xsell_lab.exceptions import DataValidationError

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """The bundled customers and offers files, and nothing else."""
    folder = tmp_path_factory.mktemp("campaign") / "export"
    folder.mkdir()
    for name in (s.CUSTOMERS, s.OFFERS):
        shutil.copyfile(DATA_DIR / f"{name}.parquet", folder / f"{name}.parquet")
    return folder


@pytest.fixture(scope="module")
def campaign(export):
    return xsell_lab.load_company(export)


def test_a_campaign_export_loads_with_empty_sales_tables_typed_as_loaded_ones(campaign, bundled_company):
    pd.testing.assert_frame_equal(campaign.customers, bundled_company.customers)
    pd.testing.assert_frame_equal(campaign.offers, bundled_company.offers)
    for name in (s.PRODUCTS, s.ORDERS, s.ORDER_LINES):
        empty, full = getattr(campaign, name), getattr(bundled_company, name)
        assert len(empty) == 0 and list(empty.columns) == list(s.TABLES[name].column_names)
        shared = [column for column in empty.columns if column in full.columns]
        assert empty[shared].dtypes.equals(full[shared].dtypes), name
    added = campaign.cleaning_log[campaign.cleaning_log["step"] == "empty table added"]
    assert sorted(added["table"]) == sorted([s.ORDER_LINES, s.ORDERS, s.PRODUCTS])


def test_its_profile_and_period_come_from_the_offers(campaign, bundled_company):
    first, last = profile.period(campaign)
    dates = bundled_company.offers[s.OFFER_DATE]
    assert (first, last) == (dates.min().normalize(), dates.max().normalize())
    have = campaign.profile().set_index("capability")
    assert not have.loc["history", "supported"] and have.loc["history", "have"] == "no orders (a campaign export)"
    assert not have.loc["whole_baskets", "supported"]
    assert have.loc["experiments", "supported"] == profile.supports(bundled_company.profile(), "experiments")
    with pytest.raises(xsell_lab.exceptions.InsufficientDataError, match=r"1 orders \(this data has 0\)"):
        profile.require_minimum(campaign, "Notebook 01")


def test_a_period_of_a_campaign_export_keeps_the_offers_in_it(campaign, bundled_company):
    offers = bundled_company.offers
    middle = offers[s.OFFER_DATE].quantile(0.5).normalize()
    kept = campaign.subset(start=str(middle.date()))
    expected = offers[offers[s.OFFER_DATE] >= middle].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept.offers, expected)
    with pytest.raises(ValueError, match=r"No offers left for start='2099-01-01'.*the data covers"):
        campaign.subset(start="2099-01-01")


def test_customers_alone_and_orders_without_lines_are_still_refused(tmp_path):
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copyfile(DATA_DIR / "customers.parquet", alone / "customers.parquet")
    with pytest.raises(FileNotFoundError, match=r"3 required table\(s\) not found.*a campaign export"):
        xsell_lab.load_company(alone)
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in (s.CUSTOMERS, s.OFFERS, s.ORDERS):
        shutil.copyfile(DATA_DIR / f"{name}.parquet", partial / f"{name}.parquet")
    with pytest.raises(FileNotFoundError, match=r"2 required table\(s\) not found.*products, order_lines"):
        xsell_lab.load_company(partial)  # it has orders: not a campaign export, so its sales tables must be whole


def test_the_uplift_features_of_a_campaign_export_leave_out_the_empty_history(campaign, bundled_company):
    chosen = experiments.choose_experiment(bundled_company.offers, "auto")
    arms = ["control", chosen[s.VARIANT]]
    test = experiments.experiment_customers(
        campaign.offers, campaign.customers, xsell_lab.kept_lines(campaign), experiment=chosen[s.EXPERIMENT_ID], arms=arms
    )
    full = experiments.experiment_customers(
        bundled_company.offers, bundled_company.customers, xsell_lab.kept_lines(bundled_company), experiment=chosen[s.EXPERIMENT_ID], arms=arms
    )
    history = experiments.uplift.HISTORY_FEATURES
    assert set(history) <= set(full.attrs["features"])  # the full company has orders before the offer ...
    assert test.attrs["features"] == [c for c in full.attrs["features"] if c not in history]  # ... the export has none
    recount = bundled_company.offers[bundled_company.offers[s.EXPERIMENT_ID] == chosen[s.EXPERIMENT_ID]].groupby(s.VARIANT)[s.ACCEPTED].mean()
    assert test.groupby(s.VARIANT)[s.ACCEPTED].mean().to_dict() == pytest.approx(recount[arms].to_dict())


def test_columns_of_the_customers_file_can_describe_the_customers(bundled_company):
    chosen = experiments.choose_experiment(bundled_company.offers, "auto")
    arm = chosen[s.VARIANT]
    rng = np.random.default_rng(7)
    customers = bundled_company.customers.assign(
        recency=rng.integers(1, 13, len(bundled_company.customers)), newbie=rng.random(len(bundled_company.customers)) < 0.5,
        **{arm: rng.normal(size=len(bundled_company.customers)), "tier_text": rng.choice(["a", "b"], len(bundled_company.customers))},
    )
    assert experiments.other_customer_columns(customers) == ["recency", "newbie", arm, "tier_text"]
    test = experiments.experiment_customers(
        bundled_company.offers, customers, xsell_lab.kept_lines(bundled_company), experiment=chosen[s.EXPERIMENT_ID], arms=["control", arm],
        customer_columns=["recency", "newbie", arm, "tier_text"],
    )
    assert test.attrs["features"][-4:] == ["recency", "newbie", f"customers.{arm}", "tier_text"]  # an arm's name is taken
    own = customers.set_index(s.CUSTOMER_ID)
    assert test["recency"].tolist() == own.loc[test[s.CUSTOMER_ID], "recency"].astype(float).tolist()
    assert test["newbie"].tolist() == own.loc[test[s.CUSTOMER_ID], "newbie"].astype(float).tolist()
    assert not pd.api.types.is_numeric_dtype(test["tier_text"]) and set(test["tier_text"]) == {"a", "b"}
    with pytest.raises(DataValidationError, match=r"table 'customers', column 'tenure'.*not a column of the table"):
        experiments.experiment_customers(
            bundled_company.offers, customers, xsell_lab.kept_lines(bundled_company), experiment=chosen[s.EXPERIMENT_ID], arms=["control", arm],
            customer_columns=["tenure"],
        )


def test_without_list_prices_the_discount_and_margin_are_unknown_not_infinite(campaign, bundled_company):
    read = experiments.observed_discounts(campaign.offers, campaign.products)
    assert read["accepted"].sum() > 0 and read["discount"].isna().all()
    assert "the offered products have no list price in the products table" in experiments.discount_statement(campaign.offers, campaign.products)
    assert experiments.observed_discounts(bundled_company.offers, bundled_company.products)["discount"].notna().any()  # the full company shows them
    assert margins.describe_margin_basis(campaign.products).startswith("No margin: the products table has none of these products")
