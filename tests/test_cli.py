"""The xsell-lab command: errors before running, batches that survive a failing value, listing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from scipy import stats

from xsell_lab import recommendations
from xsell_lab.lab import cli, workspace
from xsell_lab.lab.report.batch import column_values, report_stem

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOTEBOOK = FIXTURES / "report_notebooks" / "99-fixture-report.ipynb"
DATA = FIXTURES / "report_data"
REPO = Path(__file__).resolve().parents[1]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_bad_parameter_is_a_clear_error_and_nothing_runs(tmp_path, capsys):
    status = cli.main(["report", str(NOTEBOOK), "-p", "top_n", "many", "--out", str(tmp_path)])
    error = capsys.readouterr().err
    assert status == 2
    assert "Parameter 'top_n' must be of type int; got 'many'" in error
    assert "Allowed parameters:" in error and "region: str" in error and "show_plot: bool = True" in error
    assert list(tmp_path.iterdir()) == []


def test_misspelt_parameter_gets_a_suggestion(tmp_path, capsys):
    status = cli.main(["run", str(NOTEBOOK), "-p", "regoin", "North", "-p", "colour", "red", "--out", str(tmp_path)])
    error = capsys.readouterr().err
    assert status == 2
    headline = error.splitlines()[0]
    assert "'regoin' (did you mean 'region'?)" in headline
    assert "'colour'" in headline and "'colour' (did you mean" not in headline  # nothing close: no guess
    assert "Allowed parameters:" in error and "region: str" in error
    assert list(tmp_path.iterdir()) == []


def test_unknown_parameter_from_yaml_file_is_named(tmp_path, capsys):
    params = tmp_path / "params.yaml"
    params.write_text("region: North\nsegmnet: retail\n")
    status = cli.main(["run", str(NOTEBOOK), "--params", str(params), "--out", str(tmp_path / "out")])
    assert status == 2
    assert "Unknown parameter(s) for 99-fixture-report.ipynb: 'segmnet'" in capsys.readouterr().err


def test_by_a_column_the_notebook_cannot_filter_on(tmp_path, capsys):
    status = cli.main(["report", str(NOTEBOOK), "--by", "segment", "--out", str(tmp_path)])
    assert status == 2
    assert "has no parameter 'segment'" in capsys.readouterr().err


def test_unknown_notebook_lists_the_available_ones(capsys):
    with pytest.raises(cli.UsageError, match="neither a file nor the start of a notebook name"):
        cli.resolve_notebook("no-such-notebook", NOTEBOOK.parent)
    assert cli.resolve_notebook("99", NOTEBOOK.parent) == NOTEBOOK


def test_batch_values_come_from_the_data():
    expected = sorted(pd.read_csv(DATA / "customers.csv")["region"].unique())
    assert column_values(DATA, "region") == expected
    with pytest.raises(ValueError, match="No table in .* has a column 'colour'. Columns found: amount, customer_id"):
        column_values(DATA, "colour")


def test_batch_values_are_read_through_the_mapping():
    shop = REPO / "examples" / "shop_export"
    assert column_values(shop, "region", REPO / "examples" / "shop_export_mapping.yaml") == ["Nord", "Süd"]
    with pytest.raises(ValueError, match="read through the mapping 'shop_export_mapping.yaml' has a column 'colour'"):
        column_values(shop, "colour", REPO / "examples" / "shop_export_mapping.yaml")


def test_file_names_transliterate_accents():
    assert report_stem(NOTEBOOK, {"region": "Süd-Ost", "segment": "Café & Bar"}) == "99-fixture-report--region-sud-ost--segment-cafe-bar"


def test_a_reader_that_stops_early_ends_the_listing_quietly():
    import subprocess

    command = [sys.executable, "-m", "xsell_lab", "list"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO) as process:
        process.stdout.close()  # the reader is gone before the listing is written, like `| head` that has had enough
        error = process.stderr.read().decode()
    assert "Traceback" not in error and "BrokenPipeError" not in error, error
    assert process.returncode == 141


def test_report_names_carry_parameters_but_not_paths():
    assert report_stem(NOTEBOOK, {"region": "North East", "data_path": "/x/my shop"}) == "99-fixture-report--data-my-shop--region-north-east"
    assert report_stem(NOTEBOOK, {"region": "North East", "mapping_path": "/x/m.yaml"}) == "99-fixture-report--region-north-east"


@pytest.mark.slow
def test_batch_continues_past_a_failing_value_and_exits_non_zero(tmp_path, capsys):
    status = cli.main(
        ["report", str(NOTEBOOK), "--by", "region", "--values", "North,Nowhere,South", "--out", str(tmp_path), "--jobs", "2"]
    )
    captured = capsys.readouterr()
    assert status == 1
    made = sorted(p.name for p in tmp_path.glob("*.pdf"))
    assert made == [
        "99-fixture-report--by-region--index.pdf",
        "99-fixture-report--region-north.pdf",
        "99-fixture-report--region-south.pdf",
    ]
    assert (tmp_path / "99-fixture-report--region-nowhere.failed.ipynb").exists()
    assert "FAILED Nowhere" in captured.err and "No sales for region 'Nowhere'" in captured.err
    assert "2 made, 1 failed" in captured.out
    south = pd.read_csv(DATA / "sales.csv").query("region == 'South'")["amount"].sum()
    assert f"Total revenue: {south:,.2f} EUR" in pdf_text(tmp_path / "99-fixture-report--region-south.pdf")
    index = " ".join(pdf_text(tmp_path / "99-fixture-report--by-region--index.pdf").split())
    assert "3 reports, 1 failed" in index
    assert "99-fixture-report--region-north.pdf" in index and "No sales for region 'Nowhere'" in index


@pytest.mark.slow
def test_run_never_overwrites_silently(tmp_path, capsys):
    arguments = ["run", str(NOTEBOOK), "-p", "region", "East", "--out", str(tmp_path)]
    assert cli.main(arguments) == 0
    assert cli.main(arguments) == 0
    assert cli.main([*arguments, "--force"]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["99-fixture-report--region-east.ipynb", "99-fixture-report--region-east.v2.ipynb"]
    assert "99-fixture-report--region-east.v2.ipynb" in capsys.readouterr().out


def test_list_shows_questions_and_parameters_through_python_m():
    done = subprocess.run(
        [sys.executable, "-m", "xsell_lab", "list", "--notebooks", str(NOTEBOOK.parent)],
        capture_output=True, text=True, check=False, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    assert "Question: How much did each region sell?" in done.stdout
    assert 'min_amount: float = 0.0  # ignore sales below this amount (EUR)' in done.stdout


@pytest.mark.slow
def test_real_notebook_00_renders_with_its_numbers(tmp_path):
    notebook = REPO / "notebooks" / "00-welcome.ipynb"
    if not notebook.exists():
        pytest.fail("notebooks/00-welcome.ipynb is part of the repository and must exist")
    assert cli.main(["report", "00", "--out", str(tmp_path)]) == 0
    text = pdf_text(tmp_path / "00-welcome.pdf")
    orders = pd.read_parquet(REPO / "data" / "orders.parquet")
    customers = pd.read_parquet(REPO / "data" / "customers.parquet")
    assert "Welcome to xsell-lab" in text
    assert f"{len(customers):,}" in text and f"{len(orders):,}" in text
    assert "import xsell_lab" not in text and "load_company(data_path)" not in text
    assert 6 <= len(PdfReader(tmp_path / "00-welcome.pdf").pages) <= 20


def _notebook_07_cross_sell_gap(bundled_company, region: str) -> tuple[pd.DataFrame, str]:
    """Naive and matched margin comparison as notebook 07 defines them (the data's own period and a 90-day window), and its calibration end."""
    import xsell_lab
    from xsell_lab import clv
    from xsell_lab.data import schema

    company = bundled_company.subset(region=region)  # no dates given: the data's own period
    lines = xsell_lab.kept_lines(company)  # what customers bought and kept, as notebook 07 counts
    calibration_end = clv.calibration_end_date(lines, lines[schema.ORDER_DATE].max())  # the rule itself: tests/test_clv_rfm.py
    early = clv.early_cross_sell_status(lines[lines[schema.ORDER_DATE] <= calibration_end])
    early = early[early["first_purchase"] <= pd.Timestamp(calibration_end) - pd.Timedelta(days=90)]
    future_margin = lines[lines[schema.ORDER_DATE] > calibration_end].groupby(schema.CUSTOMER_ID)["margin"].sum()
    customers = early.assign(
        future_margin=early[schema.CUSTOMER_ID].map(future_margin).fillna(0.0),
        segment=early[schema.CUSTOMER_ID].map(company.customers.set_index(schema.CUSTOMER_ID)[schema.SEGMENT]),
        cohort=early["first_purchase"].dt.to_period("Q").astype(str),
    )
    comparison = clv.matched_comparison(
        customers, treatment="cross_sold", outcome="future_margin", match_on=["early_orders", "early_spend", "segment", "cohort"]
    )
    return comparison.set_index("comparison"), calibration_end


def _executive_report(tmp_path: Path, *arguments: str) -> str:
    assert cli.main(["report", "10", "--out", str(tmp_path), *arguments]) == 0
    (made,) = tmp_path.glob("10-executive-report*.pdf")
    return " ".join(pdf_text(made).split())


@pytest.mark.slow
def test_executive_report_for_one_region_matches_data_truth_and_scipy(tmp_path, bundled_company, ground_truth):
    assert cli.main(["report", "10", "--out", str(tmp_path), "-p", "region", "North", "-p", "currency", "EUR"]) == 0
    (made,) = tmp_path.glob("10-executive-report*.pdf")
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(made).pages]
    text = " ".join(pages)
    customers = pd.read_parquet(REPO / "data" / "customers.parquet")
    orders = pd.read_parquet(REPO / "data" / "orders.parquet")
    north = orders.merge(customers, on="customer_id").query("region == 'North'")
    first, last = north["order_date"].min(), north["order_date"].max()  # no dates given: the data's own period

    # page 1 answers: title with region and period, the data set, and 3-5 recommendations with amount and confidence
    page_one = pages[0]
    assert f"Executive cross-sell report — North, {first:%Y-%m-%d} to {last:%Y-%m-%d}" in page_one
    assert f"data · region North · all segments · {first:%Y-%m-%d} to {last:%Y-%m-%d}" in page_one
    assert "What to do next" in page_one and "At stake" in page_one and "How sure" in page_one
    recommended = re.findall(r"(\d{1,3}(?:,\d{3})*) EUR (very likely real|likely real|possible, not proven|could be chance)", page_one)
    assert 3 <= len(recommended) <= 5, page_one
    amounts = [int(amount.replace(",", "")) for amount, _ in recommended]
    actions = amounts[: len(amounts) - page_one.count("Do not ")]  # the actions by amount at stake, then what not to do
    assert actions and actions == sorted(actions, reverse=True)
    assert "Amounts in EUR." in page_one

    # what customers bought and kept (as notebooks 01 and 10 count sales): returned units off their lines, lines returned in full dropped
    lines = north.merge(pd.read_parquet(REPO / "data" / "order_lines.parquet"), on="order_id")
    returned = pd.read_parquet(REPO / "data" / "returns.parquet").groupby(["order_id", "product_id"])["quantity"].sum()
    lines["kept"] = lines["quantity"] - pd.Series(lines.set_index(["order_id", "product_id"]).index.map(returned), index=lines.index).fillna(0).clip(upper=lines["quantity"])
    kept = lines[lines["kept"] > 0]
    body = text.split("Contents")[1]
    summary = f"This report covers {kept['customer_id'].nunique():,} buying customers, {kept['order_id'].nunique():,} orders"
    assert summary in body and "passed the lab's validation checks" in body
    after_contents = body.split("Parameters used", 1)[1]  # the last entry of the contents
    assert after_contents.index(summary) < after_contents.index("Headline KPIs")  # the summary opens the body
    for section in ["Headline KPIs", "Top product pairs", "Top opportunities", "CLV impact", "Latest offer-test results",
                    "Recommendations", "Definitions and methods"]:
        assert section in text
    evidence = after_contents.rsplit("Definitions and methods", 1)[0]  # the body before the appendix (its heading is the last mention)
    for internal in ["Exercise", "What you will learn", "Load and validate", "xsell-lab report 10", "notebook 0", "notebook 1",
                     "EXP-", "bundle_offer", "email_offer", "p-value", "P value", "p <", "p ="]:
        assert internal not in pages[0] + evidence, internal
    assert "money" not in text.lower()
    # counts and amounts without decimals, shares with one decimal and a % sign
    revenue = (kept["kept"] * kept["unit_price"]).sum()
    kpis = body.split("Headline KPIs")[2][:600]
    assert f"Customers {kept['customer_id'].nunique():,} customers" in kpis and f"Revenue {revenue:,.0f} EUR" in kpis
    assert re.search(r"Cross sell rate \d{1,3}\.\d% ", kpis) and ".0 customers" not in kpis

    # the CLV gap follows notebook 07's definition (its cell, re-run here on the North selection); a gap shown next to
    # its two values is their difference as shown
    comparison, calibration_end = _notebook_07_cross_sell_gap(bundled_company, region="North")
    shown = comparison[["treated_mean", "control_mean"]].round(2)  # per customer, to the cent as notebook 07 prints it
    naive, matched = (shown["treated_mean"] - shown["control_mean"]).loc[["naive", "matched"]]
    assert (f"brought {shown.loc['naive', 'treated_mean']:,.2f} EUR in margin each, against {shown.loc['naive', 'control_mean']:,.2f} EUR"
            in text)
    assert (f"(naive gap: {recommendations.more_or_less(naive, 'EUR', 2)} each). Compared with similar customers, the cross-sold "
            f"brought {recommendations.more_or_less(matched, 'EUR', 2)} per customer") in text
    assert f"From {pd.Timestamp(calibration_end) + pd.Timedelta(days=1):%d %b %Y} to {last:%d %b %Y}" in text

    # planted truth: the first whitespace offer is a main product -> add-on pair the generator planted
    truth = ground_truth["baskets"]["attach_probability"]
    offer = re.search(r"The largest opportunity: offer (.+?) to the [\d,]+ customers who own (.+?) but not", text)
    addon, main = (item.replace(" ", "_") for item in offer.groups())
    assert addon in truth.get(main, {}), f"{main} -> {addon} is not a planted pair"

    # independent reference: each test's p-value against scipy's chi-square test (no continuity correction), in words
    # in the body and as a number in the appendix; each shown difference is the difference of the shown rates
    offers = pd.read_parquet(REPO / "data" / "offers.parquet").merge(customers, on="customer_id").query("region == 'North'")
    appendix = text.split("Definitions and methods")[-1]
    for experiment, arms in offers.groupby("experiment_id"):
        rates = arms.groupby("variant")["accepted"].agg(["sum", "count"])
        best = rates.drop(index="control").assign(rate=lambda r: r["sum"] / r["count"])["rate"].idxmax()
        table = [[rates.loc[arm, "sum"], rates.loc[arm, "count"] - rates.loc[arm, "sum"]] for arm in (best, "control")]
        p_value = stats.chi2_contingency(table, correction=False).pvalue
        words = "very likely real" if p_value < 0.01 else "likely real" if p_value < 0.05 else "possible, not proven" if p_value < 0.2 else "could be chance"
        with_offer, without = (round(100 * rates.loc[arm, "sum"] / rates.loc[arm, "count"], 2) for arm in (best, "control"))
        sentence = (f"{with_offer:.2f}% of the customers offered it bought, against {without:.2f}% without an offer "
                    f"({with_offer - without:+.2f} points): {words}")
        assert sentence in evidence, sentence
        expected = "< 0.001" if p_value < 0.001 else f"{p_value:.3f}"
        test_id = re.escape(experiment).replace("\\-", "-\\s?")  # a long id may wrap at its hyphens
        assert re.search(rf"{test_id} {best} .{{0,160}}{re.escape(expected)}", appendix), (experiment, expected)


@pytest.mark.slow
def test_executive_report_leaves_out_sections_without_data(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for table in ["customers", "products", "orders", "order_lines"]:
        shutil.copy(REPO / "data" / f"{table}.parquet", data / f"{table}.parquet")
    text = _executive_report(tmp_path / "out", "--data", str(data))
    assert "has no offer tests with a control group in the chosen selection; this section is left out" in text
    assert "Roll out" not in text and "In a controlled test" not in text
    assert "Headline KPIs" in text and "customers who own" in text.split("Contents")[0]  # a whitespace offer on page 1


def test_missing_or_broken_input_files_are_usage_errors(tmp_path, capsys):
    assert cli.main(["run", str(NOTEBOOK), "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 2
    assert "--data" in capsys.readouterr().err
    broken = tmp_path / "params.yaml"
    broken.write_text("region: [North\n")
    assert cli.main(["run", str(NOTEBOOK), "--params", str(broken), "--out", str(tmp_path)]) == 2
    assert "is not valid YAML" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]


# --- lab folders: `xsell-lab init` and which notebooks a command uses ---------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_copies_notebooks_data_and_examples_and_says_so(tmp_path, capsys):
    lab = tmp_path / "lab"
    assert cli.main(["init", str(lab)]) == 0
    made = _tree(lab)
    bundle = {str(path): (REPO / path).read_bytes() for path in workspace.bundle_files()}
    assert made == {**bundle, "README.md": made["README.md"]}
    assert {name for name in made if name.startswith("notebooks/")} == {
        f"notebooks/{path.name}" for path in (REPO / "notebooks").glob("[0-9][0-9]-*.ipynb")
    } | {"notebooks/glossary.md"} | {  # the glossary, the trainer guides and their template
        f"notebooks/guide/{path.name}" for path in (REPO / "notebooks" / "guide").glob("*.yaml")
    }
    assert (lab / "data" / "ground_truth.json").is_file() and (lab / "examples" / "shop_export_mapping.yaml").is_file()
    readme = made["README.md"].decode()
    for command in ["xsell-lab list", "xsell-lab run 01", "xsell-lab report 10", "jupyter lab", "--mapping", "data_path"]:
        assert command in readme, command
    out = capsys.readouterr().out
    assert f"Lab folder {lab}: {len(made)} file(s) created." in out
    assert f"cd {lab}" in out and "xsell-lab run 01" in out


def test_init_refuses_a_folder_that_holds_files_and_writes_nothing(tmp_path, capsys):
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "notes.txt").write_text("mine")
    assert cli.main(["init", str(lab)]) == 2
    error = capsys.readouterr().err
    assert f"xsell-lab: error: {lab} is not empty; nothing was written" in error and "--force" in error
    assert _tree(lab) == {"notes.txt": b"mine"}
    assert list(tmp_path.iterdir()) == [lab]  # no staging folder left behind
    (tmp_path / "file").write_text("x")
    assert cli.main(["init", str(tmp_path / "file")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_init_into_an_empty_folder_and_force_lists_what_it_replaced(tmp_path, capsys):
    lab = tmp_path / "lab"
    lab.mkdir()
    assert cli.main(["init", str(lab)]) == 0
    first = _tree(lab)
    edited = lab / "notebooks" / "01-cross-sell-kpis.ipynb"
    edited.write_text("my edits")
    (lab / "data" / "README.md").unlink()
    (lab / "notes.txt").write_text("mine")
    capsys.readouterr()
    assert cli.main(["init", str(lab), "--force"]) == 0
    out = capsys.readouterr().out
    assert f"Lab folder {lab}: 1 file(s) created, {len(first) - 2} already there unchanged." in out
    assert "Replaced 1 file(s) that differed (--force):\n  notebooks/01-cross-sell-kpis.ipynb\n" in out
    assert _tree(lab) == {**first, "notes.txt": b"mine"}


def _numbered_notebook(folder: Path, name: str = "00-a.ipynb") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("{}")


def test_the_lab_folder_is_the_nearest_one_with_numbered_notebooks(tmp_path):
    outer = tmp_path / "outer"
    _numbered_notebook(outer / "notebooks")
    deeper = outer / "inner" / "deeper"
    deeper.mkdir(parents=True)
    _numbered_notebook(outer / "inner" / "notebooks", "scratch.ipynb")  # not NN-*.ipynb: not a lab folder
    assert workspace.find_lab_folder(deeper) == outer
    assert workspace.lab_root(outer / "notebooks") == outer
    _numbered_notebook(outer / "inner" / "notebooks", "01-b.ipynb")
    assert workspace.lab_root(deeper) == outer / "inner"


def test_outside_a_lab_folder_the_checkout_is_used_else_init_is_suggested(tmp_path, monkeypatch, capsys):
    assert workspace.find_lab_folder(tmp_path) is None
    assert workspace.lab_root(tmp_path) == REPO  # these tests run from a checkout
    monkeypatch.setattr(workspace, "checkout_root", lambda: None)  # as an installed package does
    with pytest.raises(workspace.NoLabFolderError, match=r"Create one with `xsell-lab init DIR`"):
        workspace.lab_root(tmp_path)
    monkeypatch.chdir(tmp_path)
    for command in (["list"], ["run", "01"]):
        assert cli.main(command) == 2
        assert "No lab folder here" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_commands_inside_a_lab_folder_use_its_notebooks_and_reports(tmp_path, monkeypatch):
    lab = tmp_path / "lab"
    workspace.init_lab(lab)
    (lab / "notebooks" / "01-cross-sell-kpis.ipynb").write_text(
        (FIXTURES / "report_notebooks" / "99-fixture-report.ipynb").read_text()  # recognisable
    )
    monkeypatch.chdir(lab / "notebooks")
    assert "Question: How much did each region sell?" in cli.list_notebooks(None)
    (job,) = cli.plan_jobs(cli.build_parser().parse_args(["run", "01"]), pdf=False)
    assert job.notebook == lab / "notebooks" / "01-cross-sell-kpis.ipynb"
    assert job.out_dir == lab / "reports"


def test_help_states_how_notebooks_are_found():
    done = subprocess.run([sys.executable, "-m", "xsell_lab", "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "nearest parent folder that has a notebooks/ folder of NN-*.ipynb files" in text
    assert "`xsell-lab init DIR`" in text and "repository checkout" in text and "reports/ of that folder" in text


HEAVY = ("pandas", "numpy", "matplotlib", "papermill", "nbformat", "nbconvert", "weasyprint", "scipy", "sklearn")


@pytest.mark.parametrize(
    "code",
    [
        "import xsell_lab",
        "import xsell_lab.lab.cli as c; c.build_parser().format_help()",
        f"import xsell_lab.lab.cli as c; c.list_notebooks({str(REPO / 'notebooks')!r})",
    ],
)
def test_starting_the_command_imports_nothing_heavy(code):
    probe = f"import sys; {code}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"{code!r} imported {done.stdout.strip()}"


def test_public_names_and_submodules_are_there_on_first_use():
    done = subprocess.run(
        [sys.executable, "-c", "import xsell_lab as x; print(x.Company.__module__, x.load_company.__module__, "
         "x.schema.ORDER_DATE, 'Company' in dir(x), 'clv' in dir(x)); x.no_such_name"],
        capture_output=True, text=True, check=False,
    )
    assert done.stdout.split() == ["xsell_lab.data.company", "xsell_lab.data.io", "order_date", "True", "True"]
    assert "AttributeError: module 'xsell_lab' has no attribute 'no_such_name'" in done.stderr


@pytest.mark.slow
def test_sigterm_during_a_run_leaves_no_temporary_file(tmp_path):
    import signal
    import time

    out = tmp_path / "reports"
    process = subprocess.Popen([sys.executable, "-m", "xsell_lab", "report", "03", "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out.is_dir() and any(out.iterdir())) and process.poll() is None:
        time.sleep(0.2)
    assert process.poll() is None, "the run ended before it could be interrupted"
    assert any(path.name.startswith(".") for path in out.iterdir()), "no temporary file to clean up yet"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert list(out.iterdir()) == []
