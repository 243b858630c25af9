"""The data overview's charts draw the data's own numbers, with titles that state them."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.patches import Rectangle

from planner import CATEGORIES
from planner.presentation.charts import data as charts
from planner.reading.data import load_data
from planner.reading.params import load
from tests.conftest import EXAMPLE_PARAMS

CATS = list(CATEGORIES)


@pytest.fixture(scope="module")
def example():
    return load_data(load(EXAMPLE_PARAMS))


def test_spend_mix_stacks_the_three_categories_and_names_the_lead(example):
    fig = charts.spend_mix(example)
    top, bottom = fig.axes[:2]
    assert len(top.collections) == len(bottom.collections) == 3
    assert [t.get_text() for t in top.get_legend().get_texts()] == CATS  # the English category names
    lead = example.split().idxmax()
    assert lead == "technology"  # the example's spend is technology-led
    assert f"{example.split()[lead]:.0%}" in top.get_title() and "Technology" in top.get_title()
    # the top of the stack is the month's total spend
    monthly = example.spend.resample("MS").sum().sum(axis=1)
    highest = max(c.get_paths()[0].vertices[:, 1].max() for c in top.collections)
    assert highest == pytest.approx(monthly.max())


def test_split_bars_are_the_last_horizon_and_the_reference(example):
    fig = charts.split_vs_reference(example)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 6  # two rows of three categories
    h = example.params.plan.horizon_weeks
    actual = example.split(h)
    reference = example.params.plan.reference_split
    np.testing.assert_allclose([b.get_width() for b in bars[:3]], [actual[c] for c in CATS])
    np.testing.assert_allclose([b.get_width() for b in bars[3:]], [reference[c] for c in CATS])
    assert f"{actual['technology']:.0%}" in ax.get_title() and f"{reference['content']:.0%}" in ax.get_title()


def test_encounters_by_channel_draws_each_channel_and_the_digital_share(example):
    fig = charts.encounters_by_channel(example)
    channels = list(example.encounters.columns)
    assert len(fig.axes) == len(channels) + 1
    for ax, ch in zip(fig.axes, channels, strict=False):
        np.testing.assert_allclose(ax.lines[0].get_ydata(), example.encounters[ch])
    digital = example.digital_share()
    np.testing.assert_allclose(fig.axes[-1].lines[0].get_ydata(), digital)
    assert f"{digital.mean():.0%}" in fig.axes[0].get_title()


def test_weighted_encounters_are_what_the_model_explains(example):
    fig = charts.weighted_encounters(example)
    ax = fig.axes[0]
    assert len(ax.lines) == 2  # the weeks and their rolling mean
    np.testing.assert_allclose(ax.lines[0].get_ydata(), example.y)
    rolling = example.y.rolling(13, center=True, min_periods=4).mean()
    np.testing.assert_allclose(ax.lines[1].get_ydata(), rolling)
    assert f"{example.y.mean():,.0f}" in ax.get_title()
