"""xsell_lab.data.fixes: the mapping settings that make a refused export load."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from xsell_lab.data.fixes import FIX_COLUMNS, guess_date_format, suggest_fixes
from xsell_lab.exceptions import DataValidationError, Problem


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["03/01/2024", "29/02/2024", None], "%d/%m/%Y"),  # 29 cannot be a month
        (["12/31/2024", "01/02/2024"], "%m/%d/%Y"),
        (["31.12.2024"], "%d.%m.%Y"),
        (["01/02/2024", "03/04/2024"], None),  # either day-first or month-first: the analyst decides
        (["not a date"], None),
        ([None], None),
    ],
)
def test_guess_date_format_takes_the_one_format_reading_every_value(values, expected):
    assert guess_date_format(pd.Series(values, dtype=object)) == expected


def test_suggest_fixes_reads_number_settings_from_hints_and_tries_date_formats():
    error = DataValidationError([
        Problem("products", "price", "cannot be read as a number", 3, "'1.049,00' (row 1)",
                "The file seems to use a decimal comma: set decimal: ',' and thousands: '.' for this table in the mapping"),
        Problem("orders", "order_date", "cannot be read as a date", 2, "'17/01/2024' (row 1)", "Dates must be ISO 8601"),
        Problem("order_lines", "quantity", "are zero or negative (must be > 0)", 1, "-2 (row 3)", "Returns ..."),
    ])  # fmt: skip
    raw = {"orders": pd.DataFrame({"order_date": ["17/01/2024", "03/02/2024"]})}
    fixes = suggest_fixes(error, raw)
    assert list(fixes.columns) == FIX_COLUMNS
    assert fixes[["table", "setting", "value"]].values.tolist() == [
        ["products", "decimal", ","], ["products", "thousands", "."], ["orders", "date_format", "%d/%m/%Y"],
    ]  # fmt: skip
    assert fixes.loc[2, "why"] == "column 'order_date': 2 row(s) cannot be read as a date, e.g. '17/01/2024' (row 1)"


def test_the_fixed_starter_mapping_of_the_example_export_loads(tmp_path):
    import glob

    import yaml

    from xsell_lab.data.io import load_company, read_raw_tables
    from xsell_lab.data.starter import starter_mapping

    folder = str(Path(__file__).resolve().parents[1] / "examples" / "shop_export")
    mapping = yaml.safe_load(starter_mapping(sorted(glob.glob(f"{folder}/*.csv"))))
    with pytest.raises(DataValidationError) as refused:
        load_company(folder, mapping)
    for row in suggest_fixes(refused.value, read_raw_tables(folder, mapping).tables).itertuples():
        mapping["tables"][row.table][row.setting] = row.value
    company = load_company(folder, mapping)
    assert company.products["price"].max() == 1049.0
    assert company.orders["order_date"].min() == pd.Timestamp("2024-01-03")
