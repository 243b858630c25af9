"""Figures of the data overview: spend mix, the last horizon's split, encounters by channel."""

from __future__ import annotations

import matplotlib.ticker as mticker
from matplotlib.figure import Figure

from planner import CATEGORIES
from planner.charts import COLORS, figure, styled
from planner.data import Dataset

_EUR = mticker.FuncFormatter(lambda x, _: f"{x / 1000:,.0f}k")
_PCT = mticker.PercentFormatter(1.0, decimals=0)


def spend_mix(data: Dataset) -> Figure:
    """Monthly spend per category (stacked) and each category's share of it."""
    monthly = data.spend.resample("MS").sum()
    shares = monthly.div(monthly.sum(axis=1), axis=0)
    lead = data.split().idxmax()
    with styled():
        fig = figure(8, 4.8)
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        top.stackplot(
            monthly.index,
            *(monthly[c] for c in CATEGORIES),
            labels=CATEGORIES,
            colors=[COLORS[c] for c in CATEGORIES],
            alpha=0.9,
            step="post",
        )
        top.yaxis.set_major_formatter(_EUR)
        top.set_ylabel("spend per month (EUR)")
        top.set_title(f"Spend mix by month: {lead} takes {data.split()[lead]:.0%} of all spend")
        top.legend(loc="upper left", ncols=3)
        bottom.stackplot(
            shares.index,
            *(shares[c] for c in CATEGORIES),
            colors=[COLORS[c] for c in CATEGORIES],
            alpha=0.9,
            step="post",
        )
        bottom.yaxis.set_major_formatter(_PCT)
        bottom.set_ylabel("share of spend")
        bottom.set_ylim(0, 1)
    return fig


def split_vs_reference(data: Dataset) -> Figure:
    """The last horizon's actual split beside the reference split, as 100 % bars."""
    h = data.params.plan.horizon_weeks
    rows = {f"last {h} weeks (actual)": data.split(h), "reference": data.params.plan.reference_split}
    with styled():
        fig = figure(8, 2.2)
        ax = fig.subplots()
        for y, split in enumerate(rows.values()):
            left = 0.0
            for c in CATEGORIES:
                share = float(split[c])
                ax.barh(y, share, left=left, color=COLORS[c], label=c if y == 0 else None, height=0.6)
                if share >= 0.06:
                    ax.text(
                        left + share / 2,
                        y,
                        f"{share:.0%}",
                        ha="center",
                        va="center",
                        color="white",
                        fontsize=9,
                        fontweight="bold",
                    )
                left += share
        ax.set_yticks(range(len(rows)), list(rows))
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(_PCT)
        ax.set_xlim(0, 1)
        ax.grid(False)
        actual = data.split(h)
        ax.set_title(
            f"Last {h} weeks: content {actual['content']:.0%}, technology {actual['technology']:.0%} "
            f"of spend (reference {rows['reference']['content']:.0%} / {rows['reference']['technology']:.0%})"
        )
        fig.legend(loc="outside lower center", ncols=3)
    return fig


def encounters_by_channel(data: Dataset) -> Figure:
    """Weekly encounters per channel (raw counts), each on its own panel, and the digital share."""
    channels = list(data.encounters.columns)
    digital = data.digital_share()
    with styled():
        fig = figure(8, 1.6 * (len(channels) + 1))
        axes = fig.subplots(len(channels) + 1, 1, sharex=True)
        for ax, ch in zip(axes, channels, strict=False):
            ax.plot(data.encounters.index, data.encounters[ch], color="#444444", lw=1)
            ax.set_ylabel(f"{ch}\n(per week)")
            ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
        axes[-1].plot(digital.index, digital, color=COLORS["recommended"], lw=1.2)
        axes[-1].yaxis.set_major_formatter(_PCT)
        axes[-1].set_ylabel("digital share")
        axes[0].set_title(f"Encounters by channel: {digital.mean():.0%} of encounters were digital on average")
    return fig


def weighted_encounters(data: Dataset) -> Figure:
    """Quality-weighted encounters per week: the quantity the model explains."""
    y = data.y
    weights = ", ".join(f"{k} x{w:g}" for k, w in data.params.data.encounters.items())
    with styled():
        fig = figure(8, 2.8)
        ax = fig.subplots()
        ax.plot(y.index, y, color=COLORS["actual"], lw=1.2)
        ax.plot(
            y.index,
            y.rolling(13, center=True, min_periods=4).mean(),
            color=COLORS["fitted"],
            lw=2,
            label="13-week average",
        )
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
        ax.set_ylabel("weighted encounters per week")
        ax.set_title(f"Quality-weighted encounters: {y.mean():,.0f} a week on average")
        ax.text(0.0, -0.22, f"weights: {weights}", transform=ax.transAxes, fontsize=8, color="#555555")
        ax.legend(loc="upper left")
    return fig
