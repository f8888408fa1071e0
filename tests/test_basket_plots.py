"""Basket plots draw what they are given and refuse to draw nothing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from xsell_lab import basket  # noqa: E402
from xsell_lab.plots import basket as plots  # noqa: E402

from factories import random_lines  # noqa: E402


@pytest.fixture(scope="module")
def rules():
    return basket.association_rules(basket.frequent_itemsets(random_lines(0), 0.02, max_len=2))


def test_each_plot_draws_on_the_given_axes(rules):
    fig, axes = plt.subplots(2, 2)
    assert plots.plot_rules_scatter(rules, ax=axes[0, 0]) is axes[0, 0]
    assert len(axes[0, 0].collections[0].get_offsets()) == len(rules)
    assert plots.plot_rule_network(rules, top=10, ax=axes[0, 1]) is axes[0, 1]
    assert plots.plot_pair_heatmap(rules, top=6, ax=axes[1, 0]) is axes[1, 0]
    lags = pd.DataFrame({"lag_days": [3, 10, 12, 40]})
    assert plots.plot_lag_histogram(lags, within_days=30, ax=axes[1, 1]) is axes[1, 1]
    assert "median 11 days" in [t.get_text() for t in axes[1, 1].get_legend().get_texts()]
    plt.close(fig)


def test_empty_input_is_refused(rules):
    with pytest.raises(ValueError, match="Nothing to plot"):
        plots.plot_rules_scatter(rules.iloc[:0])
    with pytest.raises(ValueError, match="Nothing to plot: no purchase lags"):
        plots.plot_lag_histogram(pd.DataFrame({"lag_days": []}))
