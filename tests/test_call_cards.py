"""The playbook as a PDF (xsell_lab.lab.report.call_cards): every card printed, ids pseudonymised on request."""

from __future__ import annotations

import pandas as pd
from pypdf import PdfReader

from xsell_lab.lab.report import call_cards, privacy


def _calls() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["C00017", "C00042"], "item": ["ink", "paper"], "because": ["printer", "printer"],
        "bought_on": pd.to_datetime(["2025-11-01", "2025-12-01"]), "due_date": pd.to_datetime(["2026-01-01", "2026-01-05"]),
        "channel": ["phone", ""], "reason": ["Of 800 customers who bought printer, 55% added ink.", "Of 800 customers, 20% added paper."],
        "verdict": ["call", "no marketing consent"],
    })


def _cards() -> pd.DataFrame:
    return pd.DataFrame({"call": [1, 2], "situation": ["A customer who bought a printer."] * 2,
                         "objection": ["We only just ordered from you.", "We're happy with what we have."],
                         "answer": ["That is why I call now.", "Good; it completes what you have."]})


def _text(path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_every_call_and_role_play_card_is_printed(tmp_path, monkeypatch):
    monkeypatch.delenv(privacy.SHOW_IDS_VARIABLE, raising=False)
    path = call_cards.write_playbook_pdf(_calls(), _cards(), tmp_path / "cards" / "playbook.pdf", title="Call list")
    text = _text(path)
    assert len(PdfReader(path).pages) == 2  # four cards, three to a page
    for expected in ("Call 1 · customer C00017", "55% added ink", "clear to call", "do not call: no marketing consent",
                     "by their usual channel", "Role play 2 (training)", "We only just ordered from you."):
        assert expected in text, expected
    assert "pseudonymised" not in text


def test_ids_are_pseudonymised_when_the_report_hides_them(tmp_path, monkeypatch):
    key = "00" * 16
    monkeypatch.setenv(privacy.SHOW_IDS_VARIABLE, "0")
    monkeypatch.setenv(privacy.KEY_VARIABLE, key)
    text = _text(call_cards.write_playbook_pdf(_calls(), _cards(), tmp_path / "playbook.pdf", title="Call list"))
    assert "C00017" not in text and "C00042" not in text
    assert f"customer {privacy.pseudonym('C00017', key)} (pseudonymised)" in text


def test_an_empty_list_still_prints_a_page(tmp_path):
    path = call_cards.write_playbook_pdf(_calls().head(0), _cards().head(0), tmp_path / "empty.pdf", title="Nothing to call")
    assert "Nothing to call" in _text(path)
