"""Renamed keywords keep working for one release, and say what to write instead."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

from xsell_lab._deprecation import day_before, days_before, renamed_parameters


@renamed_parameters(item_col="item_column", cutoff=("as_of", day_before))
def window(lines, *, as_of, item_column="category"):
    """A function whose keywords were renamed."""
    return as_of, item_column


def test_a_new_name_needs_no_warning_and_the_signature_shows_only_new_names(recwarn):
    assert window(None, as_of="2024-03-31") == ("2024-03-31", "category")
    assert not recwarn.list
    assert list(inspect.signature(window).parameters) == ["lines", "as_of", "item_column"]
    assert window.__doc__ == "A function whose keywords were renamed."
    assert window.renamed_parameters == {"item_col": "item_column", "cutoff": "as_of"}


def test_an_old_name_is_passed_on_with_a_warning_naming_both():
    with pytest.warns(FutureWarning, match=r"window\(\): item_col= is now item_column= \(xsell-lab 0.2\); item_col= stops working in 0.3"):
        assert window(None, as_of="2024-03-31", item_col="product_id") == ("2024-03-31", "product_id")


def test_an_old_name_with_a_new_meaning_is_converted_and_the_warning_says_how():
    with pytest.warns(FutureWarning, match=r"cutoff= is now as_of= .*converted: An exclusive end of history"):
        as_of, _ = window(None, cutoff="2024-04-01")
    assert as_of == pd.Timestamp("2024-03-31")


def test_both_names_at_once_is_an_error():
    with pytest.raises(TypeError, match="got both cutoff= and as_of="):
        window(None, as_of="2024-03-31", cutoff="2024-04-01")


def test_day_before_drops_the_time_of_day():
    assert day_before("2024-03-01 17:30") == pd.Timestamp("2024-02-29")
    assert days_before(["2024-01-01", pd.Timestamp("2025-01-01")]) == [pd.Timestamp("2023-12-31"), pd.Timestamp("2024-12-31")]
