"""Small helpers of the sentences the lab prints: counted nouns, p-values and codes in words.

Every layer writes sentences, so these live at the bottom (no import from the lab):

* :func:`counted` writes a count with its noun in the right number
  (``1 order``, ``2 orders``), never ``order(s)``;
* :func:`p_value_text` writes a p-value as the lab prints it everywhere:
  ``p < 0.001`` below 0.001, else two significant digits (``p = 0.019``),
  never an exponent such as ``5.9e-06``. Two digits is what a p-value supports:
  its third digit moves with the test's approximation (Wasserstein & Lazar 2016,
  ASA statement on p-values);
* :func:`code_words` writes a code of the data (a segment ``small_business``)
  as the words a reader says (``small business``).

References
----------
Wasserstein, R. L. & Lazar, N. A. (2016). The ASA statement on p-values:
context, process, and purpose. *The American Statistician*, 70(2), 129-133.
"""

from __future__ import annotations

import math

#: Nouns whose plural is not the noun plus "s".
IRREGULAR_PLURALS = {"category": "categories", "opportunity": "opportunities", "child": "children", "person": "people",
                     "property": "properties", "company": "companies", "delivery": "deliveries", "entry": "entries"}
#: Below this a p-value prints as ``p < 0.001``.
SMALLEST_P_SHOWN = 0.001


def plural(noun: str, count: float) -> str:
    """The noun in the number the count asks for: singular for exactly 1, else plural.

    Examples
    --------
    >>> plural("order", 1), plural("order", 0), plural("category", 2), plural("channel", 3)
    ('order', 'orders', 'categories', 'channels')
    """
    if count == 1:
        return noun
    return IRREGULAR_PLURALS.get(noun, noun + ("es" if noun.endswith(("s", "sh", "ch", "x")) else "s"))


def counted(count: float, noun: str) -> str:
    """A whole count with thousands separators and its noun in the right number.

    Examples
    --------
    >>> counted(1, "experiment"), counted(2, "channel"), counted(1500, "customer")
    ('1 experiment', '2 channels', '1,500 customers')
    """
    return f"{count:,.0f} {plural(noun, count)}"


def p_value_text(p_value: float, *, name: str = "p") -> str:
    """A p-value as the lab prints it: ``p < 0.001``, else two significant digits.

    Parameters
    ----------
    p_value : float
        The p-value (NaN prints as ``p not computed``).
    name : str
        What is written before it (``"p"``, ``"adjusted p"``).

    Examples
    --------
    >>> p_value_text(5.9e-06), p_value_text(0.01934), p_value_text(0.35), p_value_text(0.962, name="adjusted p")
    ('p < 0.001', 'p = 0.019', 'p = 0.35', 'adjusted p = 0.96')
    """
    if not math.isfinite(p_value):
        return f"{name} not computed"
    if p_value < SMALLEST_P_SHOWN:
        return f"{name} < {SMALLEST_P_SHOWN:g}"
    return f"{name} = {p_value:.2g}" if p_value < 0.1 else f"{name} = {p_value:.2f}"


def code_words(code: object) -> str:
    """A code of the data as the words a reader says: underscores become spaces.

    Examples
    --------
    >>> code_words("small_business"), code_words("student"), code_words(3)
    ('small business', 'student', '3')
    """
    return str(code).replace("_", " ")
