"""Printable call cards and role-play cards: the sales playbook as a PDF a team can hold.

:func:`write_playbook_pdf` lays out the call list of :func:`xsell_lab.playbook.call_list`
(with its guardrail verdicts, :func:`xsell_lab.playbook.with_verdicts`) as cards, three to
an A4 page, then the role-play cards of :func:`xsell_lab.playbook.role_play_cards`. Customer
ids on the call cards go through :func:`xsell_lab.lab.report.privacy.display_ids`: in a report
run without ``--show-ids`` they are pseudonyms, and the cards say so. Role-play cards name
no customer.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from pathlib import Path

import matplotlib
from matplotlib.patches import FancyBboxPatch

from xsell_lab.lab.report.privacy import display_ids

#: A4 portrait, inches.
PAGE = (8.27, 11.69)
#: Cards per page.
CARDS_PER_PAGE = 3
#: Characters per line of a card's text (at 10 pt across the page).
LINE_CHARACTERS = 92


def write_playbook_pdf(
    calls,
    cards,
    path: str | os.PathLike,
    *,
    title: str,
    labels: Mapping[str, str] | None = None,
) -> Path:
    """Write the call cards and the role-play cards to one PDF.

    Parameters
    ----------
    calls : pandas.DataFrame
        :func:`xsell_lab.playbook.with_verdicts` of a call list.
    cards : pandas.DataFrame
        :func:`xsell_lab.playbook.role_play_cards` of the same list.
    path : str or os.PathLike
        The PDF to write (its folder is made).
    title : str
        Printed at the top of every page.
    labels : mapping, optional
        Display names of the items.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    names = labels or {}
    shown = display_ids(calls["customer_id"])
    pseudonymised = list(shown) != list(calls["customer_id"])
    blocks = [_call_card(number, who, call, names, pseudonymised)
              for number, (who, call) in enumerate(zip(shown, calls.itertuples(index=False)), start=1)]
    blocks += [_role_play_card(card) for card in cards.itertuples(index=False)]
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}), PdfPages(target, metadata={"Title": title}) as pdf:
        for start in range(0, max(len(blocks), 1), CARDS_PER_PAGE):
            figure = Figure(figsize=PAGE)
            figure.text(0.06, 0.965, title, fontsize=13, weight="bold", va="top")
            for slot, (heading, body) in enumerate(blocks[start:start + CARDS_PER_PAGE]):
                top = 0.92 - slot * 0.30
                figure.patches.append(FancyBboxPatch(
                    (0.05, top - 0.27), 0.90, 0.27, boxstyle="round,pad=0.005", fill=False, edgecolor="#555555",
                    transform=figure.transFigure, figure=figure))
                figure.text(0.07, top - 0.015, heading, fontsize=11.5, weight="bold", va="top")
                figure.text(0.07, top - 0.045, body, fontsize=10, va="top", linespacing=1.45)
            pdf.savefig(figure)
    return target


def _wrap(label: str, text: str) -> str:
    return textwrap.fill(f"{label}: {text}", LINE_CHARACTERS, subsequent_indent="    ")


def _call_card(number: int, who, call, names: Mapping[str, str], pseudonymised: bool) -> tuple[str, str]:
    item, because = names.get(call.item, call.item), names.get(call.because, call.because)
    heading = f"Call {number} · customer {who}" + (" (pseudonymised)" if pseudonymised else "")
    lines = [
        _wrap("Offer", f"{item} (they bought {because} on {call.bought_on:%Y-%m-%d})"),
        _wrap("Say", call.reason),
        _wrap("When and how", f"from {call.due_date:%Y-%m-%d}, by {call.channel or 'their usual channel'}"),
        _wrap("Guardrails", "clear to call" if call.verdict == "call" else f"do not call: {call.verdict}"),
    ]
    return heading, "\n".join(lines)


def _role_play_card(card) -> tuple[str, str]:
    lines = [_wrap("Situation", card.situation), _wrap("The customer says", card.objection), _wrap("A good answer", card.answer)]
    return f"Role play {card.call} (training)", "\n".join(lines)
