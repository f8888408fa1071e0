"""Executing notebooks: parameter checks, atomic outputs, versioned names."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from xsell_lab.lab import runner

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOTEBOOK = FIXTURES / "report_notebooks" / "99-fixture-report.ipynb"
SALES = pd.read_csv(FIXTURES / "report_data" / "sales.csv")


def _stream_text(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
    )


def test_parameters_are_read_from_the_tagged_cell():
    declared = runner.notebook_parameters(NOTEBOOK)
    assert list(declared.columns) == runner.PARAMETER_COLUMNS
    assert list(declared["name"]) == ["data_path", "region", "min_amount", "top_n", "show_plot"]
    assert declared.set_index("name").loc["top_n", "type"] == "int"
    assert declared.set_index("name").loc["region", "help"] == 'region to report on, or "all"'


def test_parameters_as_a_list_and_as_a_table_agree():
    declared = runner.read_parameters(NOTEBOOK)
    assert declared[3] == runner.Parameter("top_n", "int", "3", "customers listed in the top table")
    table = runner.notebook_parameters(NOTEBOOK)
    assert [tuple(row) for row in table.itertuples(index=False)] == [tuple(p) for p in declared]
    assert runner.describe_parameters(declared) == runner.describe_parameters(table)
    assert "  top_n: int = 3  # customers listed in the top table" in runner.describe_parameters(declared).splitlines()


def test_headline_is_read_from_the_first_title_cell():
    headline = runner.notebook_headline(runner.read_notebook(NOTEBOOK))
    assert headline == ("Fixture sales report", "99", "How much did each region sell?")
    assert runner.notebook_headline(nbformat.read(NOTEBOOK, as_version=4)) == headline  # nbformat's form works too


@pytest.mark.parametrize(
    ("content", "expected"),
    [("not json at all", "is not a Jupyter notebook \\(not JSON"), ('{"nbformat": 3, "worksheets": []}', "of format 4")],
)
def test_a_file_that_is_not_a_notebook_is_named(tmp_path, content, expected):
    bad = tmp_path / "bad.ipynb"
    bad.write_text(content)
    with pytest.raises(runner.NotebookFormatError, match=expected):
        runner.read_parameters(bad)
    with pytest.raises(FileNotFoundError, match="missing.ipynb' does not exist"):
        runner.read_notebook(tmp_path / "missing.ipynb")


def test_text_values_are_converted_to_the_declared_types():
    values = runner.validate_parameters(
        NOTEBOOK, {"top_n": "5", "min_amount": "2", "show_plot": "no", "region": "North"}
    )
    assert values == {"top_n": 5, "min_amount": 2.0, "show_plot": False, "region": "North"}
    assert isinstance(values["min_amount"], float)


def test_unknown_parameter_lists_the_allowed_ones():
    with pytest.raises(runner.ParameterError) as caught:
        runner.validate_parameters(NOTEBOOK, {"regoin": "North"})
    message = str(caught.value)
    assert "'regoin'" in message
    for line in ["region: str", "top_n: int = 3", "min_amount: float = 0.0", "customers listed in the top table"]:
        assert line in message


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [("top_n", "three", "must be of type int"), ("show_plot", "maybe", "true or false"), ("top_n", True, "type int")],
)
def test_wrong_type_names_the_parameter(name, value, expected):
    with pytest.raises(runner.ParameterError, match=expected) as caught:
        runner.validate_parameters(NOTEBOOK, {name: value})
    assert f"'{name}'" in str(caught.value)
    assert "Allowed parameters:" in str(caught.value)


def test_dates_must_be_iso():
    assert runner.convert_value("start_date", "2024-03-01", "str") == "2024-03-01"
    with pytest.raises(runner.ParameterError, match="start_date.*date like"):
        runner.convert_value("start_date", "01/03/2024", "str")


def test_a_parameter_whose_default_is_a_date_takes_only_dates():
    assert runner.convert_value("transition_start", "2024-06-01", "str", '"2024-01-01"') == "2024-06-01"
    with pytest.raises(runner.ParameterError, match="transition_start.*date like"):
        runner.convert_value("transition_start", "01/12/2024", "str", '"2024-01-01"')  # read as 12 January before
    assert runner.convert_value("backtest_date", "auto", "str", '"auto"') == "auto"
    assert runner.convert_value("end_date", "", "str", '""') == ""


def test_counts_and_amounts_are_not_negative():
    with pytest.raises(runner.ParameterError, match="'top_n' is a count.*0 or more; got -3"):
        runner.convert_value("top_n", "-3", "int", "10")  # listed 15 pairs before
    with pytest.raises(runner.ParameterError, match="'contact_cost'.*0 or more"):
        runner.convert_value("contact_cost", -1.5, "float", "0.0")
    assert runner.convert_value("top_n", "0", "int", "10") == 0
    assert runner.convert_value("offset", "-3", "int", "-1") == -3  # a notebook may declare a negative default


def test_a_list_parameter_takes_a_list_or_comma_separated_items():
    assert runner.convert_value("markdown_months", "11", "list", "[11, 12]") == [11]  # was the text '11': "months 11 (0 weeks)"
    assert runner.convert_value("markdown_months", "11, 12", "list", "[11, 12]") == [11, 12]
    assert runner.convert_value("targets", "ink,paper", "list", "[]") == ["ink", "paper"]
    assert runner.convert_value("markdown_months", [1, 2], "list", "[11, 12]") == [1, 2]
    with pytest.raises(runner.ParameterError, match="'markdown_months' is a list of whole numbers"):
        runner.convert_value("markdown_months", "November", "list", "[11, 12]")
    with pytest.raises(runner.ParameterError, match="'targets' is a list"):
        runner.convert_value("targets", 3, "list", "[]")


def test_versioned_names_never_overwrite(tmp_path):
    assert runner.output_path(tmp_path, "00-x", ".pdf") == tmp_path / "00-x.pdf"
    (tmp_path / "00-x.pdf").write_bytes(b"old")
    (tmp_path / "00-x.v2.pdf").write_bytes(b"old")
    assert runner.output_path(tmp_path, "00-x", ".pdf") == tmp_path / "00-x.v3.pdf"
    assert runner.output_path(tmp_path, "00-x", ".pdf", force=True) == tmp_path / "00-x.pdf"


def test_execute_writes_the_report_and_versions_a_second_run(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # what `make` exports: figures must still be drawn
    first = runner.execute_notebook(NOTEBOOK, tmp_path, {"region": "South"}, progress=False)
    assert first == tmp_path / "99-fixture-report.ipynb"
    expected = SALES.loc[SALES["region"] == "South", "amount"].sum()
    assert f"Total revenue: {expected:,.2f} EUR" in _stream_text(first)
    executed = nbformat.read(first, as_version=4)
    assert any("image/png" in output.get("data", {}) for cell in executed.cells for output in cell.get("outputs", []))

    second = runner.execute_notebook(NOTEBOOK, tmp_path, {"region": "North"}, progress=False)
    assert second == tmp_path / "99-fixture-report.v2.ipynb"
    north = SALES.loc[SALES["region"] == "North", "amount"].sum()
    assert f"Total revenue: {north:,.2f} EUR" in _stream_text(second)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["99-fixture-report.ipynb", "99-fixture-report.v2.ipynb"]


def test_hostile_value_is_a_value_and_failure_leaves_no_report(tmp_path):
    hostile = '"); raise SystemExit("pwned") #'
    with pytest.raises(runner.NotebookExecutionError) as caught:
        runner.execute_notebook(NOTEBOOK, tmp_path, {"region": hostile}, progress=False)
    assert "No sales for region" in str(caught.value)
    assert repr(hostile) in str(caught.value)  # the notebook saw the literal text
    assert caught.value.failed_path == tmp_path / "99-fixture-report.failed.ipynb"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["99-fixture-report.failed.ipynb"]


def test_bad_parameter_fails_before_running(tmp_path):
    with pytest.raises(runner.ParameterError):
        runner.execute_notebook(NOTEBOOK, tmp_path, {"top_n": "many"}, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_parameters_cell_is_parsed_without_running_it(tmp_path):
    cell = nbformat.v4.new_code_cell(
        'mapping_path: str = ""  # YAML mapping ("" = canonical names already)\n'
        "ratio = 0.5  # an unannotated literal\n"
        "import os  # not a parameter\n"
        'label: str = "a # b"  # the # inside the string is not the comment'
    )
    cell.metadata["tags"] = ["parameters"]
    notebook = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), notebook)
    declared = runner.notebook_parameters(notebook).set_index("name")
    assert list(declared.index) == ["mapping_path", "ratio", "label"]
    assert declared.loc["mapping_path", "help"] == 'YAML mapping ("" = canonical names already)'
    assert declared.loc["ratio", "type"] == "float"
    assert declared.loc["label", "default"] == '"a # b"'
    assert declared.loc["label", "help"] == "the # inside the string is not the comment"
