"""Charts of the pooled model over regions or brands: each unit's shares as small multiples."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from planner import CATEGORIES
from planner.presentation.charts import COLORS, figure, interval, styled
from planner.presentation.i18n.notebooks import messages

__all__ = ["small_multiples"]

#: At most this many regions are drawn (the largest); the rest are in contributions_by_region.
MAX_PANELS = 24


def small_multiples(res, lang: Any = "en", columns: int = 3) -> Figure:
    """One small panel per region (or brand, or brand and region pair): its categories' shares with
    their intervals, the same axes.

    Parameters
    ----------
    res : planner.inference.model.regions.PooledResults
    lang : str or Messages
    columns : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = messages(lang)
    table = res.region_contributions()
    names = list(res.region_size.sort_values(ascending=False).index[:MAX_PANELS])
    rows = math.ceil(len(names) / columns)
    cats = list(CATEGORIES)[::-1]
    with styled():
        fig = figure(2.9 * columns, 1.5 * rows + 0.7)
        axes = np.atleast_1d(fig.subplots(rows, columns, sharex=True, sharey=True)).ravel()
        for ax, name in zip(axes, names, strict=False):
            part = table[table["region"] == name].set_index("category")
            for yi, cat in enumerate(cats):
                share = part.loc[cat, "share"]
                ax.barh(yi, share, color=COLORS[cat], height=0.55)
                low, high = part.loc[cat, "low_share"], part.loc[cat, "high_share"]
                if low is not None and high is not None and np.isfinite(low) and np.isfinite(high):
                    interval(ax, yi, low, high, cap=0.1)
            ax.set_title(m("ch_region_panel", region=name, size=m.pct(float(res.region_size[name]))), fontsize=8)
            ax.set_xlim(0, 1)
            ax.set_yticks(range(len(cats)), [m.category(c) for c in cats], fontsize=7)
            ax.tick_params(axis="x", labelsize=7)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: m.pct(x)))
            ax.grid(axis="y", visible=False)
        for ax in axes[len(names) :]:
            ax.set_visible(False)
        key = {"brand": "ch_brands_title", "brand x region": "ch_brand_regions_title"}.get(
            res.pooling.get("unit", "region"), "ch_regions_title"
        )
        fig.suptitle(m(key, n=len(res.region_names)), fontsize=9, x=0.01, ha="left")
    return fig
