"""CLV plot helpers draw on the Axes they are given and return it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from xsell_lab.clv import (
    BetaGeoModel,
    calibration_holdout_summary,
    cohort_curves,
    cumulative_repeat_purchases,
    holdout_by_frequency,
)
from xsell_lab.plots import clv as clv_plots


@pytest.fixture(scope="module")
def fitted(bundled_lines):
    lines = bundled_lines
    summary = calibration_holdout_summary(lines, "2024-12-31", "2025-12-31")
    return lines, summary, BetaGeoModel().fit(summary)


def _draw(function, *args, **kwargs):
    figure, ax = plt.subplots()
    before = plt.get_fignums()
    returned = function(*args, ax=ax, **kwargs)
    assert returned is ax
    assert plt.get_fignums() == before
    return figure, ax


def test_holdout_and_cumulative_plots(fitted):
    lines, summary, model = fitted
    table = holdout_by_frequency(model, summary)
    figure, ax = _draw(clv_plots.plot_holdout_by_frequency, table)
    heights = [patch.get_height() for patch in ax.patches]
    np.testing.assert_allclose(heights, np.r_[table["actual"], table["expected"]])
    plt.close(figure)
    curve = cumulative_repeat_purchases(model, lines, "2024-12-31", "2025-12-31")
    figure, ax = _draw(clv_plots.plot_cumulative_purchases, curve)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), curve["actual"])
    plt.close(figure)


def test_p_alive_matrix_values_come_from_the_model(fitted):
    _, _, model = fitted
    figure, ax = _draw(clv_plots.plot_p_alive_matrix, model, 52.0, max_frequency=5)
    image = ax.images[0].get_array()
    assert image.shape == (6, 60)
    assert np.allclose(image[0], 1.0)  # no repeat purchase: cannot have left
    assert image[5, -1] > image[5, 0]  # recent buyers are more likely alive
    plt.close(figure)


def test_cohort_and_profit_plots(fitted):
    lines, _, _ = fitted
    figure, ax = _draw(clv_plots.plot_cohort_retention, cohort_curves(lines, "2025-12-31", period="Q"), max_cohorts=3)
    assert len(ax.lines) == 3
    plt.close(figure)
    profit = pd.Series(np.r_[np.full(10, 100.0), np.full(90, 1.0)])
    figure, ax = _draw(clv_plots.plot_profit_concentration, profit)
    assert "top 10% earn 92%" in ax.texts[0].get_text()
    plt.close(figure)


def test_plot_without_ax_makes_a_new_figure(fitted):
    _, summary, model = fitted
    before = len(plt.get_fignums())
    ax = clv_plots.plot_holdout_by_frequency(holdout_by_frequency(model, summary))
    assert len(plt.get_fignums()) == before + 1
    plt.close(ax.figure)
