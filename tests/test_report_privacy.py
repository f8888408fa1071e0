"""Customer ids and local paths in PDF reports: what a reader of the PDF (and of its HTML) can see.

The reports run real notebooks (03 and 10) on the bundled company rewritten into awkward own
data: the customers file named ``kunden.csv`` (semicolons, German column names, read through a
mapping) or ``customers.csv.gz``, and ids that are e-mail addresses, contain spaces, dots and
slashes, or are padded with spaces.
"""

from __future__ import annotations

import datetime as dt

import hashlib
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from pypdf import PdfReader

import xsell_lab
from xsell_lab.data import id_mark
from xsell_lab.data import schema as s
from xsell_lab.lab.report import document, privacy, provenance
from xsell_lab.lab.report.render import make_report, render_pdf

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
DATA = REPO / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
KEY = "00112233445566778899aabbccddeeff"
#: Tables that hold customer ids besides customers itself.
CUSTOMER_TABLES = ("orders", "offers", "marketing_events", "surveys")
GERMAN = {
    s.CUSTOMER_ID: "Kundennr", "signup_date": "Anmeldung", "region": "Gebiet", "segment": "Segment",
    "acquisition_channel": "Herkunft", "preferred_channel": "Wunschkanal", "marketing_consent": "Newsletter",
}


def awkward_id(canonical: str) -> str:
    """``C00017`` as an e-mail, a name with a space and a dot, a slashed id, or padded with spaces.

    The number comes first, so that the shapes interleave when a notebook sorts ids.
    """
    number = canonical[1:]
    shapes = (f"{number}.kunde@example.com", f"{number} ACME Ltd.", f"{number}/A", f"  {number} Kd  ")
    return shapes[sum(map(int, number)) % len(shapes)]  # digit sum: not in step with the data's own patterns


def numeric_id(canonical: str) -> str:
    """``C00017`` as ``17``: ids that read like numbers, as Complete Journey's households (1 to 2,500)."""
    return str(int(canonical[1:]))


def rewrite_ids(folder: Path, shape=awkward_id) -> dict[str, pd.DataFrame]:
    """The bundled tables, copied to ``folder`` as Parquet, customer ids replaced by ``shape`` (:func:`awkward_id`)."""
    folder.mkdir()
    tables = {}
    for file in sorted(DATA.glob("*.parquet")):
        frame = pd.read_parquet(file)
        spec = s.TABLES.get(file.stem)
        # every column that holds a customer id (its own, or a reference such as referrals.referrer_id)
        id_columns = {key.column for key in spec.foreign_keys if key.ref_table == s.CUSTOMERS} if spec else set()
        for column in id_columns | ({s.CUSTOMER_ID} & set(frame.columns)):
            frame[column] = frame[column].map(shape)
        tables[file.stem] = frame
        if file.stem != s.CUSTOMERS:
            frame.to_parquet(folder / file.name, index=False)
    return tables


def real_ids(tables: dict[str, pd.DataFrame]) -> set[str]:
    """The ids as a reader would see them: stripped, white space runs read as one space."""
    return {" ".join(value.split()) for value in tables[s.CUSTOMERS][s.CUSTOMER_ID]}


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def shown(ids: set[str], text: str) -> set[str]:
    return {value for value in ids if value in text}


def absolute_paths_in(text: str, *folders: Path) -> list[str]:
    """Which local folders (also broken over lines) a text names."""
    squeezed = "".join(text.split())
    candidates = [str(folder) for folder in folders] + ["/work", str(Path.home()), "/tmp/"]
    return [path for path in candidates if path in text or path in squeezed]


@pytest.fixture(scope="module")
def kunden(tmp_path_factory) -> tuple[Path, Path, set[str]]:
    """Data folder with ``kunden.csv`` (';', German names) and its mapping in another folder."""
    root = tmp_path_factory.mktemp("own")
    folder = root / "kunden_daten"
    tables = rewrite_ids(folder)
    tables[s.CUSTOMERS].rename(columns=GERMAN).to_csv(folder / "kunden.csv", sep=";", index=False)
    mapping = root / "mapping" / "meine_zuordnung.yaml"
    mapping.parent.mkdir()
    columns = ", ".join(f"{german}: {canonical}" for canonical, german in GERMAN.items())
    mapping.write_text(f'tables:\n  customers:\n    file: kunden.csv\n    sep: ";"\n    columns: {{{columns}}}\n')
    return folder, mapping, real_ids(tables)


@pytest.fixture(scope="module")
def gzipped(tmp_path_factory) -> tuple[Path, set[str]]:
    """Data folder with ``customers.csv.gz`` under canonical names, no mapping."""
    folder = tmp_path_factory.mktemp("gz") / "gz_daten"
    tables = rewrite_ids(folder)
    tables[s.CUSTOMERS].to_csv(folder / "customers.csv.gz", index=False)
    return folder, real_ids(tables)


def run_report(notebook: str, data: Path, mapping: Path | None, out: Path):
    """One pseudonymised PDF report; the input files are only read."""
    inputs = [*sorted(data.iterdir()), *([mapping] if mapping else [])]
    before = [hashlib.sha256(file.read_bytes()).hexdigest() for file in inputs]
    parameters = {"data_path": str(data), **({"mapping_path": str(mapping)} if mapping else {})}
    report = make_report(NOTEBOOKS / notebook, out, parameters, pseudonym_key=KEY, renderer="weasyprint", progress=False)
    assert [hashlib.sha256(file.read_bytes()).hexdigest() for file in inputs] == before
    assert sorted(file.name for file in data.iterdir()) == [file.name for file in inputs if file != mapping]
    return report


@pytest.fixture(scope="module")
def numeric(tmp_path_factory) -> tuple[Path, set[str]]:
    """Data folder whose customer ids read like numbers (``17``), every table in Parquet."""
    folder = tmp_path_factory.mktemp("numeric") / "nummern"
    tables = rewrite_ids(folder, numeric_id)
    tables[s.CUSTOMERS].to_parquet(folder / "customers.parquet", index=False)
    return folder, real_ids(tables)


@pytest.fixture(scope="module")
def report_03_kunden(kunden, tmp_path_factory):
    return run_report("03-finding-opportunities.ipynb", kunden[0], kunden[1], tmp_path_factory.mktemp("r03k"))


@pytest.fixture(scope="module")
def report_03_gz(gzipped, tmp_path_factory):
    return run_report("03-finding-opportunities.ipynb", gzipped[0], None, tmp_path_factory.mktemp("r03gz"))


@pytest.fixture(scope="module")
def report_10_kunden(kunden, tmp_path_factory):
    return run_report("10-executive-report.ipynb", kunden[0], kunden[1], tmp_path_factory.mktemp("r10k"))


#: Report fixture -> (the data fixture it reads, whether the report prints customer ids).
REPORTS = {"report_03_kunden": ("kunden", True), "report_03_gz": ("gzipped", True), "report_10_kunden": ("kunden", False)}


def test_ids_are_read_through_the_mapping_in_their_loaded_form(kunden, gzipped):
    folder, mapping, ids = kunden
    assert privacy.known_customer_ids(folder, mapping) == ids
    assert {"00003 Kd", "00001 ACME Ltd.", "00013.kunde@example.com", "00002/A"} <= ids  # padding stripped as load_company strips it
    assert privacy.known_customer_ids(gzipped[0]) == gzipped[1]


@pytest.mark.slow
@pytest.mark.parametrize("which", list(REPORTS))
def test_no_real_id_in_the_pdf_or_its_html_and_the_note_is_true(which, request):
    report = request.getfixturevalue(which)
    data, prints_ids = REPORTS[which]
    ids = request.getfixturevalue(data)[-1]
    text = pdf_text(report.pdf)
    assert shown(ids, text) == set()
    note = re.search(r"pseudonymised \((none shown in this report|([\d,]+) ids? replaced)\)", text)
    replaced = int(note.group(2).replace(",", "")) if note.group(2) else 0
    assert (replaced > 0) == prints_ids
    assert text.count("cust-") >= replaced
    html = document.report_html(
        nbformat.read(report.notebook, as_version=4), provenance.read_provenance(report.notebook), pseudonym_key=KEY
    )
    assert shown(ids, " ".join(re.sub(r"data:[^\"']+", "", html).split())) == set()


@pytest.mark.slow
@pytest.mark.parametrize("which", ["report_03_kunden", "report_03_gz"])
def test_every_id_shape_of_the_report_is_replaced_and_show_ids_shows_them(which, request, tmp_path):
    report = request.getfixturevalue(which)
    ids = request.getfixturevalue(REPORTS[which][0])[-1]
    target = tmp_path / "shown.pdf"
    render_pdf(report.notebook, target, show_ids=True, renderer="weasyprint")
    visible = shown(ids, pdf_text(target))
    endings = {end for value in visible for end in ("@example.com", " ACME Ltd.", "/A", " Kd") if value.endswith(end)}
    assert len(endings) == 4, visible  # every shape is printed by notebook 03 ...
    pseudonymised = "".join(pdf_text(report.pdf).split())  # a narrow table cell may break a pseudonym after its dash
    assert all(privacy.pseudonym(value, KEY) in pseudonymised for value in visible)  # ... and replaced by default
    assert "shown (--show-ids)" in pdf_text(target)


@pytest.mark.slow
@pytest.mark.parametrize("which", list(REPORTS))
def test_no_absolute_path_in_the_pdf(which, request):
    report = request.getfixturevalue(which)
    data = request.getfixturevalue(REPORTS[which][0])
    folder = data[0]
    text = pdf_text(report.pdf)
    assert absolute_paths_in(text, folder, folder.parent, REPO) == []
    assert f"data folder '{folder.name}'" in text
    assert provenance.data_fingerprint(folder) in text
    if data is request.getfixturevalue("kunden"):
        assert "column mapping 'meine_zuordnung.yaml'" in text


def test_a_bad_mapping_fails_before_anything_runs(kunden, tmp_path):
    folder, _, _ = kunden
    mapping = tmp_path / "wrong.yaml"
    mapping.write_text("tables:\n  customers:\n    file: ../../elsewhere.csv\n")
    out = tmp_path / "reports"
    with pytest.raises(ValueError, match=r"table 'customers': file '\.\./\.\./elsewhere\.csv' is outside the data folder"):
        make_report(
            NOTEBOOKS / "03-finding-opportunities.ipynb", out, {"data_path": str(folder), "mapping_path": str(mapping)},
            progress=False,
        )
    assert not out.exists()  # no notebook was run, nothing written


def test_an_id_left_in_the_document_fails_the_report():
    parameters = pd.DataFrame(
        {"name": ["region"], "value": ["CU-1001"], "default": ["all"], "help": [""], "given": [True]}
    )
    source = provenance.Provenance("Sales", "10", "Why did CU-1001 buy twice?", parameters, None, "", "no data")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Result\n\nCU-1001 bought twice.")])
    with pytest.raises(privacy.PseudonymisationError, match=r"1 customer id\(s\).*pseudonym cust-") as error:
        document.report_html(notebook, source, pseudonym_key=KEY, customer_ids=frozenset({"CU-1001"}))
    assert "CU-1001" not in str(error.value)  # the message may end up in a batch index
    shown_html = document.report_html(notebook, source, pseudonym_key=KEY, show_ids=True)
    assert "CU-1001 bought twice" in shown_html


def test_ids_that_read_like_numbers_are_replaced_in_their_marked_and_quoted_forms_never_as_numbers():
    """Complete Journey's household ids run from 1 to 2,500: the report's own numbers equal them."""
    parameters = pd.DataFrame({"name": ["region"], "value": ["all"], "default": ["all"], "help": [""], "given": [False]})
    source = provenance.Provenance("Sales", "10", "", parameters, None, "", "no data")
    said = "Customer #53 bought twice; 53% of our 256 customers cross-bought in the quarter of 01 Oct 2017; refused: '1' (row 5)."
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"## Result\n\n{said}")])
    generated = dt.datetime(2026, 12, 1, 4, 38)
    ids = privacy.id_forms({"1", "53", "256", "2017", "2026", "C7"})
    assert ids == {"#1", "#53", "#256", "#2017", "#2026", "#C7", "'1'", "'53'", "'256'", "'2017'", "'2026'", "C7"}
    page = document.report_html(notebook, source, pseudonym_key=KEY, customer_ids=ids, generated=generated)
    hidden = {value: privacy.pseudonym(value, KEY) for value in ("1", "53")}
    assert f"Customer {hidden['53']} bought twice; 53% of our 256 customers cross-bought in the quarter of 01 Oct 2017" in page
    assert f"refused: {hidden['1']} (row 5)" in page
    assert "SHA-256" in page and "2026" in page and "(2 ids replaced)" in page  # the lab's own text stays
    assert privacy.pseudonym("#53", KEY) == privacy.pseudonym("'53'", KEY) == hidden["53"]  # one customer, one pseudonym
    assert privacy.pseudonym("#C7", KEY) != privacy.pseudonym("C7", KEY)  # only a number-like id loses its mark


def test_a_segment_that_starts_with_an_id_stays_and_a_parameter_naming_a_customer_is_pseudonymised():
    parameters = pd.DataFrame(
        {
            "name": ["segment", "account", "top"],
            "value": ["1 Adult Kids", "53", 53],
            "default": ["all", "auto", 10],
            "help": ["a value of customers.segment", "the account (a customer_id of the accounts table)", "rows shown"],
            "given": [True, True, True],
        }
    )
    source = provenance.Provenance("Sales", "10", "", parameters, None, "", "no data")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Result\n\nSegment 1 Adult Kids.")])
    ids = privacy.id_forms({"1", "53"})  # Complete Journey
    page = document.report_html(notebook, source, pseudonym_key=KEY, customer_ids=ids)
    hidden = privacy.pseudonym("53", KEY)
    assert "Sales — 1 Adult Kids" in page and "Segment 1 Adult Kids." in page
    assert f"segment = 1 Adult Kids, account = {hidden}, top = 53;" in page
    assert "(2 ids replaced)" in page  # the account in the parameter table and the settings line


def test_a_report_kernel_loads_ids_that_read_like_numbers_marked_in_every_table_in_the_same_order(numeric, bundled_company, monkeypatch):
    folder, ids = numeric
    plain = xsell_lab.load_company(folder)
    monkeypatch.setenv(id_mark.MARK_VARIABLE, "1")
    marked = xsell_lab.load_company(folder)
    holding = {name for name in s.TABLES if getattr(plain, name, None) is not None and id_mark.customer_id_columns(name)}
    assert {"customers", "orders", "offers", "accounts", "referrals"} <= holding
    for name in holding:
        for column in id_mark.customer_id_columns(name):
            before, after = getattr(plain, name)[column], getattr(marked, name)[column]
            assert after.equals("#" + before), (name, column)
    order = plain.customers[s.CUSTOMER_ID].sort_values().index
    assert marked.customers[s.CUSTOMER_ID].sort_values().index.equals(order)  # "#10" < "#9" as "10" < "9"
    assert privacy.known_customer_ids(folder) == privacy.id_forms(ids) and "#17" in privacy.known_customer_ids(folder)
    bundled = bundled_company.tables()
    assert id_mark.mark_customer_ids(bundled) is bundled  # ids like C00017: never marked
    assert id_mark.as_loaded("17", marked.customers[s.CUSTOMER_ID]) == "#17"
    assert id_mark.as_loaded("17", plain.customers[s.CUSTOMER_ID]) == "17"


@pytest.fixture(scope="module")
def numeric_reports(numeric, tmp_path_factory) -> dict[str, object]:
    """Notebooks 03 (prints ids) and 10 (prints none) on ids that read like numbers, and 10 again with --show-ids."""
    out = tmp_path_factory.mktemp("r_numeric")
    reports = {notebook: run_report(f"{notebook}.ipynb", numeric[0], None, out / notebook) for notebook in ("03-finding-opportunities", "10-executive-report")}
    parameters = {"data_path": str(numeric[0])}
    reports["shown"] = make_report(NOTEBOOKS / "10-executive-report.ipynb", out / "shown", parameters, show_ids=True, renderer="weasyprint", progress=False)
    return reports


def summary_sentences(executed: Path) -> str:
    notebook = nbformat.read(executed, as_version=4)
    cell = next(cell for cell in notebook.cells if "report-summary" in cell.metadata.get("tags", []))
    return "".join(output.get("text", "") for output in cell.outputs)


@pytest.mark.slow
def test_a_report_on_ids_that_read_like_numbers_keeps_every_number_and_hides_every_id(numeric, numeric_reports):
    executive, shown_ids = numeric_reports["10-executive-report"], numeric_reports["shown"]
    assert summary_sentences(executive.notebook) == summary_sentences(shown_ids.notebook)  # marking changed no result
    text = pdf_text(executive.pdf)
    assert "cust-" not in text and "none shown in this report" in text  # 10 prints no id: no number was taken for one
    assert summary_sentences(executive.notebook).split()[0] in text
    opportunities = numeric_reports["03-finding-opportunities"]
    printed = pdf_text(opportunities.pdf)
    assert re.search(r"#\d", printed) is None  # no marked id left ...
    replaced = int(re.search(r"pseudonymised \(([\d,]+) ids? replaced\)", printed).group(1).replace(",", ""))
    assert replaced > 0 and printed.count("cust-") >= replaced  # ... each replaced by its pseudonym
    assert re.search(r"#\d", json_text(opportunities.notebook))  # the kernel printed marked ids


def json_text(executed: Path) -> str:
    return Path(executed).read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_report_that_would_show_an_id_writes_no_pdf(monkeypatch, tmp_path):
    monkeypatch.setattr(document, "pseudonymise_html", lambda html, ids, key: (html, 0))  # a matcher that misses
    with pytest.raises(privacy.PseudonymisationError, match="no report was written"):
        make_report(
            FIXTURES / "report_notebooks" / "99-fixture-report.ipynb", tmp_path, {"region": "North"},
            pseudonym_key=KEY, renderer="weasyprint", progress=False,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["99-fixture-report.failed.ipynb"]


@pytest.mark.parametrize(
    ("ids", "text", "expected"),
    [
        ({"17"}, "2017 17.5 0.17 1,017 2024-01-17 17/01/2024 12:17 17th C17", "2017 17.5 0.17 1,017 2024-01-17 17/01/2024 12:17 17th C17"),
        ({"17"}, "(17) 17, 17. #17", "(P) P, P. #P"),
        ({"17", "175"}, "175 17 1750", "Q P 1750"),
        ({"anna@example.com"}, "hanna@example.com anna@example.com.", "hanna@example.com P."),
        ({"ACME Ltd."}, "ACME Ltd. bought, ACME  Ltd.", "P bought, P"),
        ({"A/17", "17"}, "A/17 A/175 B/17", "Q A/175 B/P"),
        ({"A&B"}, "A&amp;B", "P"),
    ],
)
def test_matching_rule(ids, text, expected):
    names = dict(zip(sorted(ids, key=len), "PQ"))
    masked, _ = privacy.pseudonymise_html(f"<p>{text}</p>", ids, KEY)
    for value, name in names.items():
        masked = masked.replace(privacy.pseudonym(value, KEY), name)
    assert masked == f"<p>{expected}</p>"


def test_ids_are_read_from_a_customers_table_the_mapping_makes_with_sql(tmp_path):
    """A mapping may make the customers table with a DuckDB query (``sql:``); its ids are the ones to hide."""
    pd.DataFrame({"Invoice": ["1", "2", "3"], "Customer": [" 00123", "00456", "00123"]}).to_csv(tmp_path / "lines.csv", index=False)
    mapping = {"tables": {s.CUSTOMERS: {"sql": "SELECT DISTINCT Customer AS customer_id FROM 'lines.csv'"}}}
    assert privacy.known_customer_ids(tmp_path, mapping) == frozenset({"#00123", "#00456", "'00123'", "'00456'"})
