"""Figures of the data overview: spend mix, the last horizon's split, encounters by channel.

Each function takes a `planner.reading.data.Dataset` and the run's language (a code or a `Messages`); its
title, labels and numbers are in that language.
"""

from __future__ import annotations

from typing import Any

import matplotlib.ticker as mticker
from matplotlib.figure import Figure

from planner import CATEGORIES
from planner.presentation.charts import COLORS, figure, literal, styled, wrap
from planner.presentation.i18n import fmt_significant
from planner.presentation.i18n.notebooks import messages
from planner.reading.data import Dataset


def _thousands(m):
    return mticker.FuncFormatter(lambda x, _: m("ch_thousands", value=m.int(x / 1000)) if x else "0")


def _pct(m):
    return mticker.FuncFormatter(lambda x, _: m.pct(x))


def _int(m):
    return mticker.FuncFormatter(lambda x, _: m.int(x))


def spend_mix(data: Dataset, lang: Any = "en") -> Figure:
    """Monthly spend per category (stacked) and each category's share of it."""
    m = messages(lang)
    monthly = data.spend.resample("MS").sum()
    shares = monthly.div(monthly.sum(axis=1), axis=0)
    lead = data.split().idxmax()
    with styled():
        fig = figure(8, 4.8)
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        top.stackplot(
            monthly.index,
            *(monthly[c] for c in CATEGORIES),
            labels=[m.category(c) for c in CATEGORIES],
            colors=[COLORS[c] for c in CATEGORIES],
            alpha=0.9,
            step="post",
        )
        top.yaxis.set_major_formatter(_thousands(m))
        top.set_ylabel(m("ch_spend_month"))
        top.set_title(
            wrap(
                m("ch_spend_mix_title", category=m.category(lead, "cap"), share=m.pct(data.split()[lead])),
                fig,
                share=0.85,
            )
        )
        top.legend(loc="upper left", ncols=3)
        bottom.stackplot(
            shares.index,
            *(shares[c] for c in CATEGORIES),
            colors=[COLORS[c] for c in CATEGORIES],
            alpha=0.9,
            step="post",
        )
        bottom.yaxis.set_major_formatter(_pct(m))
        bottom.set_ylabel(m("ch_share_of_spend"))
        bottom.set_ylim(0, 1)
    return fig


def split_vs_reference(data: Dataset, lang: Any = "en") -> Figure:
    """The last horizon's actual split beside the reference split, as 100 % bars."""
    m = messages(lang)
    h = data.params.plan.horizon_weeks
    reference = data.params.plan.reference_split
    actual = data.split(h)
    rows = {m("ch_last_weeks_actual", weeks=m.int(h)): actual, m("ch_reference"): reference}
    with styled():
        fig = figure(8, 2.2)
        ax = fig.subplots()
        for y, split in enumerate(rows.values()):
            left = 0.0
            for c in CATEGORIES:
                share = float(split[c])
                ax.barh(y, share, left=left, color=COLORS[c], label=m.category(c) if y == 0 else None, height=0.6)
                if share >= 0.06:
                    ax.text(
                        left + share / 2,
                        y,
                        m.pct(share),
                        ha="center",
                        va="center",
                        color="white",
                        fontsize=9,
                        fontweight="bold",
                    )
                left += share
        ax.set_yticks(range(len(rows)), list(rows))
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(_pct(m))
        ax.set_xlim(0, 1)
        ax.grid(False)
        title = m(
            "ch_split_title",
            weeks=m.int(h),
            content=m.pct(actual["content"]),
            technology=m.pct(actual["technology"]),
            ref_content=m.pct(reference["content"]),
            ref_design=m.pct(reference["design"]),
            ref_technology=m.pct(reference["technology"]),
        )
        ax.set_title(wrap(title, fig, share=0.85))
        fig.legend(loc="outside lower center", ncols=3)
    return fig


def encounters_by_channel(data: Dataset, lang: Any = "en") -> Figure:
    """Weekly encounters per channel (raw counts), each on its own panel, and the digital share."""
    m = messages(lang)
    channels = list(data.encounters.columns)
    digital = data.digital_share()
    with styled():
        fig = figure(8, 1.6 * (len(channels) + 1))
        axes = fig.subplots(len(channels) + 1, 1, sharex=True)
        for ax, ch in zip(axes, channels, strict=False):
            ax.plot(data.encounters.index, data.encounters[ch], color="#444444", lw=1)
            ax.set_ylabel(m("ch_channel_per_week", channel=literal(ch)))
            ax.yaxis.set_major_formatter(_int(m))
        axes[-1].plot(digital.index, digital, color=COLORS["recommended"], lw=1.2)
        axes[-1].yaxis.set_major_formatter(_pct(m))
        axes[-1].set_ylabel(m("ch_digital_share"))
        axes[0].set_title(wrap(m("ch_channels_title", share=m.pct(digital.mean())), fig, share=0.85))
    return fig


def weighted_encounters(data: Dataset, lang: Any = "en") -> Figure:
    """Quality-weighted encounters per week: the quantity the model explains."""
    m = messages(lang)
    y = data.y
    weights = ", ".join(
        f"{literal(k)} ×{fmt_significant(w, m.lang, 3)}" for k, w in data.params.data.encounters.items()
    )
    with styled():
        fig = figure(8, 2.8)
        ax = fig.subplots()
        ax.plot(y.index, y, color=COLORS["actual"], lw=1.2)
        ax.plot(
            y.index,
            y.rolling(13, center=True, min_periods=4).mean(),
            color=COLORS["fitted"],
            lw=2,
            label=m("ch_rolling_13"),
        )
        ax.yaxis.set_major_formatter(_int(m))
        ax.set_ylabel(m("ch_weighted_per_week"))
        ax.set_title(wrap(m("ch_weighted_title", mean=m.int(y.mean())), fig, share=0.85))
        ax.text(0.0, -0.22, m("ch_weights", weights=weights), transform=ax.transAxes, fontsize=8, color="#555555")
        ax.legend(loc="upper left")
    return fig
