"""Tables as a reader sees them: plain column labels, numbers formatted by kind, no "NaN".

Notebooks display pandas tables; a report rewrites their HTML (:func:`tidy_table`):

Column labels
    Every header that is a code (``cross_sold_revenue``) becomes words: the
    label in :data:`DISPLAY_NAMES` when there is one, else the words of the
    name with known abbreviations in capitals (:func:`display_name`). Row
    labels are renamed only when :data:`DISPLAY_NAMES` knows them.
Numbers
    A cell pandas printed as a bare number (``5210.0``, ``149.000``) is
    formatted by the kind of its column (:func:`column_kind`), and so is a
    number pandas printed with thousands separators (the lab's display format
    prints ``1,546`` above 1,000 and ``149.000`` below, so one column would
    mix two forms): counts as
    integers with thousands separators, money with 2 decimals (estimates,
    amounts at stake, expected or incremental, of 100 or more: whole), shares as
    percentages, ratios to 2 significant figures, p-values as ``< 0.001`` or 2
    significant figures, anything else with the decimals its column's size
    needs (one number of decimals per column); ids and years stay as
    printed, without separators. Interval bounds (``ci_low``,
    ``odds_ratio_high``) print like the estimate to their left. Cells the notebook formatted
    itself (``"5.1%"``, ``"1,546 EUR"``) are kept.
Missing values
    ``nan``, ``NaN``, ``NaT``, ``None`` and ``<NA>`` print as :data:`MISSING`,
    with a note under the table.
Width
    Tables with more than :data:`WIDE_TABLE_COLUMNS` columns are set smaller;
    tables with more than :data:`TURN_TABLE_COLUMNS` columns are set on a
    landscape page (``print.css``). Text wraps between words; numbers never
    wrap.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable

#: Column and row labels for the codes notebooks use as column names; :func:`display_name` falls back to words.
DISPLAY_NAMES = {
    "aov": "Average order value",
    "antecedent": "If bought",
    "antecedents": "If bought",
    "at_risk": "At risk",
    "attach_rate": "Attach rate",
    "boot_ci_high": "95% interval, high (bootstrap)",
    "boot_ci_low": "95% interval, low (bootstrap)",
    "ci_high": "95% interval, high",
    "ci_low": "95% interval, low",
    "ci_width_ratio": "Interval width ratio",
    "clv": "Customer lifetime value",
    "clv_at_risk": "Customer lifetime value at risk",
    "cohens_h": "Effect size (Cohen's h)",
    "consequent": "Then buys",
    "consequents": "Then buys",
    "cross_sell_rate": "Cross-sell rate",
    "cross_sold_customers": "Cross-sold customers",
    "cross_sold_revenue": "Cross-sold revenue",
    "cross_sold_revenue_share": "Cross-sold revenue share",
    "customer_id": "Customer",
    "dof": "Degrees of freedom",
    "experiment_id": "Test",
    "heterogeneity_p_value": "p-value, segments differ",
    "historical_clv": "Historical lifetime value",
    "kpi": "KPI",
    "kulczynski": "Kulczynski",
    "lag_p25_days": "Days, first quarter of buyers",
    "n_obs": "Observations",
    "n_orders": "Orders",
    "odds_ratio_high": "Odds ratio, 95% high",
    "odds_ratio_low": "Odds ratio, 95% low",
    "p_adjusted": "p-value, adjusted",
    "p_alive": "Probability still active",
    "p_value": "p-value",
    "product_id": "Product",
    "std_error": "Standard error",
    "uplift_ci_high": "Uplift, 95% high",
    "uplift_ci_low": "Uplift, 95% low",
    "zhangs_metric": "Zhang's metric",
}
#: Words written in capitals in a label made from a code (``aov`` -> ``AOV``).
ABBREVIATIONS = {"aov": "AOV", "auc": "AUC", "ci": "CI", "clv": "CLV", "id": "ID", "kpi": "KPI", "rfm": "RFM", "sku": "SKU"}
#: How a missing value prints.
MISSING = "–"
#: Tables with more columns than this are set in a smaller font.
WIDE_TABLE_COLUMNS = 7
#: Tables with more columns than this are set on a landscape page.
TURN_TABLE_COLUMNS = 11

#: Name words (split at ``_``) that give a column's kind; the first kind with a matching word wins.
KIND_WORDS = {
    "share": {"rate", "share", "probability", "propensity", "confidence", "support", "survival", "alive", "uplift", "pct"},
    "money": {"revenue", "clv", "spend", "price", "cost", "margin", "aov", "monetary", "amount", "profit", "sales", "stake"},
    "count": {"customers", "orders", "units", "lines", "buyers", "conversions", "events", "offers", "peers", "obs",
              "rows", "count", "itemsets", "purchases", "baskets", "owners", "n"},
    "ratio": {"lift", "ratio", "elasticity", "conviction", "leverage", "kulczynski", "zhangs", "cohens", "correlation"},
}
#: Name words of money columns that hold estimates (an amount at stake, an expected revenue, the margin a campaign
#: adds): whole numbers from 100 on, as the sentences say them (:func:`xsell_lab.recommendations.money_text`);
#: cents would be precision they lack.
WHOLE_MONEY_WORDS = {"stake", "expected", "incremental"}
#: Name words of columns whose numbers are codes (ids, years): printed as they are, so an id stays the
#: word the pseudonymisation looks for (:mod:`~xsell_lab.lab.report.privacy`).
CODE_WORDS = {"id", "ids", "customer", "year", "code", "zip", "postcode", "sku", "ean"}
#: Name words that make a column an average or a rate of something counted, so never a count.
_NOT_COUNT = {"mean", "median", "average", "avg", "per", "expected", "share", "rate"}
_INTERVAL = re.compile(r"(^|_)(ci|low|high|lower|upper)(_|$)")
_P_VALUE = re.compile(r"(^|_)p_(value|adjusted)$|^p$|^q_value$")
_CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_PANDAS_NUMBER = re.compile(r"^-?\d+(\.\d+)?(e[+-]?\d+)?$|^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_MISSING_TEXTS = {"nan", "NaN", "NaT", "None", "<NA>"}
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.DOTALL)
_CELL = re.compile(r"<(?P<tag>t[hd])\b(?P<attributes>[^>]*)>(?P<text>.*?)</(?P=tag)>", re.DOTALL)
_INTEGER_ROW_HEADER = re.compile(r"(<tr\b[^>]*>\s*)<th>-?\d+</th>")
_EMPTY_CORNER = re.compile(r"(<thead>\s*<tr\b[^>]*>\s*)<th></th>")
_FORMATTED_NUMBER = re.compile(r"^[+\-\u2212]?[$€£]?\s?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?\s*(%|pp|[kmKM])?$")


def display_name(name: str) -> str:
    """The label a reader sees for a column or row code.

    Parameters
    ----------
    name : str
        A column name as the notebook wrote it.

    Returns
    -------
    str
        :data:`DISPLAY_NAMES`' label; else, for a lower-case code such as
        ``"cross_sold_revenue"``, its words with the first capitalised
        (``"Cross sold revenue"``) and :data:`ABBREVIATIONS` in capitals; any
        other text unchanged (``"Top-decile lift"``).

    Examples
    --------
    >>> display_name("p_value"), display_name("median_lag_days"), display_name("AUC")
    ('p-value', 'Median lag days', 'AUC')
    """
    if name in DISPLAY_NAMES:
        return DISPLAY_NAMES[name]
    if not _CODE.match(name):
        return name
    words = [ABBREVIATIONS.get(word, word) for word in name.split("_")]
    words[0] = words[0][0].upper() + words[0][1:]
    return " ".join(words)


def column_kind(name: str) -> str:
    """The kind of numbers a column holds, read from its name.

    Returns
    -------
    str
        ``"code"`` (see :data:`CODE_WORDS`), ``"p-value"``, ``"share"``,
        ``"money"``, ``"count"``, ``"ratio"``, or ``"number"`` when the name
        says nothing (see :data:`KIND_WORDS`; averages such as
        ``median_orders`` are never counts).
    """
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    words = set(key.split("_"))
    if words & CODE_WORDS:
        return "code"
    if _P_VALUE.search(key):
        return "p-value"
    for kind, markers in KIND_WORDS.items():
        if words & markers and not (kind == "count" and words & _NOT_COUNT):
            return kind
    return "number"


def _significant(value: float, digits: int = 2) -> str:
    """``value`` to ``digits`` significant figures, with thousands separators and no exponent."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{round(value, decimals):,.{decimals}f}"


def _decimals_for(values: list[float]) -> int:
    """Decimals of a column of plain numbers: none for whole numbers, else as the largest value needs."""
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if all(v == int(v) for v in values if math.isfinite(v)) or largest >= 100:
        return 0
    if largest >= 10:
        return 1
    if largest >= 1 or largest == 0:
        return 2
    return min(4, 1 - math.floor(math.log10(largest)))


def column_formatter(name: str, values: list[float]) -> Callable[[float], str]:
    """How the bare numbers of one column print.

    Parameters
    ----------
    name : str
        The column's name (its kind: :func:`column_kind`).
    values : list of float
        All its bare numbers: a share column with values beyond ±1, or a count
        column with fractions, prints as a plain number instead.

    Returns
    -------
    callable
        Number -> text.
    """
    kind = column_kind(name)
    finite = [v for v in values if math.isfinite(v)]
    if kind == "code":
        return lambda v: f"{v:.0f}" if v == int(v) else f"{v:g}"
    if kind == "share" and all(abs(v) <= 1 for v in finite) and "pct" not in name:
        return lambda v: f"{100 * v:.1f}%"
    if kind == "count" and all(v == int(v) for v in finite):
        return lambda v: f"{v:,.0f}"
    if kind == "money":
        whole = bool(set(name.strip().lower().replace("-", " ").replace("_", " ").split()) & WHOLE_MONEY_WORDS) and \
            max((abs(v) for v in finite), default=0.0) >= 100
        return (lambda v: f"{v:,.0f}") if whole else (lambda v: f"{v:,.2f}")
    if kind == "ratio":
        return _significant
    if kind == "p-value":
        return lambda v: "< 0.001" if 0 <= v < 0.001 else _significant(v)
    decimals = _decimals_for(finite)
    return lambda v: f"{v:,.{decimals}f}"


def _number(text: str) -> float:
    """The value of a cell pandas printed as a number, bare (``149.000``) or with thousands separators (``1,546``)."""
    return float(text.replace(",", ""))


def _kind_name(names: list[str], position: int) -> str:
    """The name that gives a column its kind: an interval bound (``ci_low``) takes its estimate's, the nearest column to its left that is no bound."""
    for name in reversed(names[: position + 1]):
        if not _INTERVAL.search(name.strip().lower().replace(" ", "_")):
            return name
    return names[position]


def _cells(row: str) -> list[re.Match]:
    return list(_CELL.finditer(row))


def _span(cell: re.Match) -> int:
    found = re.search(r'colspan="(\d+)"', cell["attributes"])
    return int(found.group(1)) if found else 1


def _plain(cell_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell_html)).strip()


def without_default_index(table: str) -> str:
    """Drop a pandas table's unnamed integer index column (row numbers mean nothing to a reader)."""
    head, _, body = table.partition("</thead>")
    rows = len(re.findall(r"<tr\b", body))
    single_header = head.count("<tr") == 1 and _EMPTY_CORNER.search(head)
    if not single_header or rows == 0 or len(_INTEGER_ROW_HEADER.findall(body)) != rows:
        return table
    return _EMPTY_CORNER.sub(r"\1", head, count=1) + "</thead>" + _INTEGER_ROW_HEADER.sub(r"\1", body)


def _column_names(head: str) -> list[str]:
    """Per column position, the last non-empty header text above it (multi-row headers read bottom-up)."""
    names: list[str] = []
    for row in _ROW.findall(head):
        position = 0
        for cell in _cells(row):
            text = _plain(cell["text"])
            for _ in range(_span(cell)):
                if position >= len(names):
                    names.append("")
                if text:
                    names[position] = text
                position += 1
    return names


def _with_class(attributes: str, name: str) -> str:
    if 'class="' in attributes:
        return attributes.replace('class="', f'class="{name} ', 1)
    return f'{attributes} class="{name}"'


def tidy_table(table: str) -> str:
    """Print form of one HTML table (see module doc).

    Parameters
    ----------
    table : str
        One ``<table>...</table>`` as pandas (``to_html`` or a Styler) writes it.

    Returns
    -------
    str
        The table with labels, numbers and missing values rewritten, numeric
        cells and their headers right-aligned (class ``num``), the attribute
        ``data-wide="yes"`` or ``data-wide="turn"`` on wide tables, and a note
        after it when a value is missing.
    """
    table = without_default_index(table)
    head, separator, body = table.partition("</thead>")
    names = _column_names(head) if separator else []
    width = len(names)
    body_rows = [[c for c in _cells(row) if c["tag"] == "td"] for row in _ROW.findall(body)]
    numbers: dict[int, list[float]] = {}
    for cells in body_rows:
        for offset, cell in enumerate(cells):
            if _PANDAS_NUMBER.match(_plain(cell["text"])):
                numbers.setdefault(width - len(cells) + offset, []).append(_number(_plain(cell["text"])))
    formats = {position: column_formatter(_kind_name(names, position), values) for position, values in numbers.items()
               if 0 <= position < width}
    seen, not_numeric = set(), set()  # column positions with a number / with text
    missing = False

    def body_cell(cell: re.Match, position: int) -> str:
        nonlocal missing
        text = _plain(cell["text"])
        if cell["tag"] == "th":
            shown = DISPLAY_NAMES.get(text)
            return cell.group(0) if shown is None else f"<th{cell['attributes']}>{html.escape(shown)}</th>"
        if text in _MISSING_TEXTS:
            missing = True
            return f"<td{_with_class(cell['attributes'], 'missing')}>{MISSING}</td>"
        if position in formats and _PANDAS_NUMBER.match(text):
            text = formats[position](_number(text))
        elif "<" in cell["text"] or not _FORMATTED_NUMBER.match(text) or not any(ch.isdigit() for ch in text):
            not_numeric.add(position)
            return cell.group(0)
        seen.add(position)
        return f"<td{_with_class(cell['attributes'], 'num')}>{html.escape(text)}</td>"

    def body_row(row: re.Match) -> str:
        cells = _cells(row.group(0))
        tds = sum(cell["tag"] == "td" for cell in cells)
        out, last, index = [], 0, 0
        for cell in cells:
            position = width - tds + index if cell["tag"] == "td" else -1
            index += cell["tag"] == "td"
            out.append(row.group(0)[last : cell.start()] + body_cell(cell, position))
            last = cell.end()
        return "".join(out) + row.group(0)[last:]

    body = _ROW.sub(body_row, body)
    if separator:
        head = _relabelled_head(head, seen - not_numeric)
    table = head + separator + body
    if width > TURN_TABLE_COLUMNS:
        table = table.replace("<table", '<table data-wide="turn"', 1)
    elif width > WIDE_TABLE_COLUMNS:
        table = table.replace("<table", '<table data-wide="yes"', 1)
    if missing:
        table += f'\n<p class="table-note">{MISSING} no value (not enough data, or does not apply).</p>'
    return table


def _relabelled_head(head: str, numeric: set[int]) -> str:
    """Header cells with display names; the last header row right-aligned over numeric columns."""
    rows = _ROW.findall(head)

    def header_row(row: re.Match) -> str:
        last_row = row.group(0) == rows[-1]
        out, last, position = [], 0, 0
        for cell in _cells(row.group(0)):
            text = _plain(cell["text"])
            attributes = cell["attributes"]
            if last_row and _span(cell) == 1 and position in numeric:
                attributes = _with_class(attributes, "num")
            label = html.escape(display_name(text)) if text and "<" not in cell["text"] else cell["text"]
            out.append(row.group(0)[last : cell.start()] + f"<{cell['tag']}{attributes}>{label}</{cell['tag']}>")
            last = cell.end()
            position += _span(cell)
        return "".join(out) + row.group(0)[last:]

    return _ROW.sub(header_row, head)
