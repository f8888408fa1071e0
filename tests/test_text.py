"""Tests of xsell_lab._text: counted nouns and the one p-value format of the lab's sentences."""

from __future__ import annotations

import pytest
from scipy import stats

from xsell_lab._text import counted, p_value_text, plural


@pytest.mark.parametrize(("count", "noun", "said"), [
    (1, "order", "1 order"), (0, "order", "0 orders"), (2, "channel", "2 channels"), (1, "category", "1 category"),
    (3, "category", "3 categories"), (2, "box", "2 boxes"), (12_500, "customer", "12,500 customers"),
])
def test_counted_writes_the_number_the_count_asks_for(count, noun, said):
    assert counted(count, noun) == said
    assert "(s)" not in said


def test_p_value_text_never_prints_an_exponent():
    tiny = stats.binomtest(58, 233, 0.087).pvalue  # far below 0.001 (a Python float prints it as 1e-11 or so)
    assert "e-" in f"{tiny}" and p_value_text(tiny) == "p < 0.001"
    assert p_value_text(0.0221) == "p = 0.022" and p_value_text(0.35) == "p = 0.35"
    assert p_value_text(0.001) == "p = 0.001"  # the bound itself is shown
    assert p_value_text(float("nan")) == "p not computed"
    assert p_value_text(0.019, name="adjusted p") == "adjusted p = 0.019"
    assert plural("offer", 1) == "offer" and plural("offer", 1.5) == "offers"


def test_code_words_reads_a_segment_code_as_words(bundled_company):
    from xsell_lab._text import code_words

    segments = bundled_company.customers["segment"].dropna().unique()
    assert "small_business" in segments  # the bundled data's codes hold underscores ...
    assert all("_" not in code_words(segment) for segment in segments)  # ... a sentence never does
    assert code_words("small_business") == "small business" and code_words(7) == "7"
