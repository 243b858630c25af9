"""Small figures for the executive brief, drawn from the results.json dict at print size.

Each function returns a `Figure` sized in inches as it appears on the A4 page (fonts 7-8 pt), with
labels from the brief's message catalogue so the charts speak the brief's language. The section
heading above each chart in the PDF states the finding; the charts carry no titles of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.ticker as mticker
from matplotlib.figure import Figure

from planner import CATEGORIES
from planner.presentation.charts import COLORS, STYLE, figure, interval
from planner.presentation.i18n import Messages

__all__ = ["BRIEF_STYLE", "claim_shares", "frontier", "split_bars"]

INK = "#222222"
MUTED = "#6b6b6b"

#: The house style, scaled down for charts printed a few centimetres wide.
BRIEF_STYLE = {
    **STYLE,
    "font.size": 7,
    "axes.labelsize": 7,
    "axes.labelcolor": MUTED,
    "axes.edgecolor": "#9a9a9a",
    "axes.linewidth": 0.6,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 7,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "xtick.major.width": 0.5,
    "ytick.major.width": 0.5,
    "xtick.major.size": 2.5,
    "ytick.major.size": 0,
    "legend.fontsize": 6.5,
    "grid.linewidth": 0.5,
    "grid.alpha": 0.35,
    "pdf.fonttype": 42,  # embed TrueType, so the chart text stays text in the PDF
    "svg.fonttype": "none",
}


def _styled():
    return matplotlib.rc_context(BRIEF_STYLE)


def _small_figure(width: float, height: float) -> Figure:
    with _styled():
        fig = figure(width, height)
        fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02, wspace=0, hspace=0)
    return fig


def _pct_formatter(m: Messages) -> mticker.FuncFormatter:
    return mticker.FuncFormatter(lambda x, _: m.pct(x))


def split_bars(
    rows: Sequence[tuple[str, Mapping[str, float]]],
    m: Messages,
    *,
    width: float = 2.9,
    height: float | None = None,
    highlight: str | None = None,
) -> Figure:
    """Splits side by side as 100 % bars, one per row, each category in its fixed colour.

    Parameters
    ----------
    rows : sequence of (label, split)
        e.g. [("Current", {"content": 0.2, ...}), ("Recommended", {...})], top to bottom.
    m : Messages
        Language of the labels.
    highlight : str, optional
        Label of the row drawn with a bold label (the recommendation).
    """
    height = height or 0.42 * len(rows) + 0.35
    fig = _small_figure(width, height)
    with _styled():
        ax = fig.subplots()
        for y, (_label, split) in enumerate(rows):
            left = 0.0
            for c in CATEGORIES:
                share = float(split.get(c, 0.0))
                ax.barh(y, share, left=left, color=COLORS[c], height=0.62, linewidth=0.8, edgecolor="white")
                if share >= 0.14:
                    ax.text(
                        left + share / 2,
                        y,
                        m.pct(share),
                        ha="center",
                        va="center",
                        color="white",
                        fontsize=6.5,
                        fontweight="bold",
                    )
                left += share
        ax.set_yticks(range(len(rows)), [label for label, _ in rows])
        for tick, (label, _) in zip(ax.get_yticklabels(), rows, strict=True):
            if label == highlight:
                tick.set_fontweight("bold")
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_locator(mticker.MultipleLocator(0.25))
        ax.xaxis.set_major_formatter(_pct_formatter(m))
        ax.grid(False)
        ax.spines[["left", "bottom"]].set_visible(False)
        ax.tick_params(axis="x", length=0, pad=1)
        handles = [matplotlib.patches.Patch(color=COLORS[c]) for c in CATEGORIES]
        ax.legend(
            handles,
            [m.category(c) for c in CATEGORIES],
            loc="lower center",
            ncols=3,
            bbox_to_anchor=(0.5, 1.0),
            handlelength=1.0,
            handleheight=0.8,
            columnspacing=1.2,
            borderaxespad=0.1,
        )
    return fig


def claim_shares(
    contributions: Mapping[str, Mapping[str, float]],
    spend_shares: Mapping[str, float] | None,
    claim: Mapping[str, tuple[float, float]],
    m: Messages,
    *,
    width: float = 3.0,
    height: float = 1.75,
    unknown: Sequence[str] = (),
) -> Figure:
    """Each category's share of spend-driven encounters (dot, interval) against the claim's band.

    Parameters
    ----------
    contributions : mapping
        results.json ``contributions``: ``{category: {share, low, high, ...}}``; a missing
        ``low``/``high`` draws the dot alone.
    spend_shares : mapping or None
        Each category's share of spend over the data, drawn as a pale bar behind the dots.
    claim : mapping
        The claim's band per category, e.g. ``{"content": (0.75, 0.85), "design": (0.10, 0.15)}``.
    unknown : sequence of str
        Categories whose effect the data cannot show: labelled "unknown" instead of a dot.
    """
    fig = _small_figure(width, height)
    labels = {"effect": m("chart_claim_effect"), "spend": m("chart_claim_spend"), "claim": m("chart_claim_claim")}
    with _styled():
        ax = fig.subplots()
        cats = [c for c in CATEGORIES if c in contributions]
        for y, c in enumerate(cats):
            row = contributions[c]
            if spend_shares is not None and c in spend_shares:
                ax.barh(
                    y, spend_shares[c], height=0.62, color=COLORS[c], alpha=0.18, linewidth=0, label=labels["spend"]
                )
            lo, hi = claim.get(c, (None, None))
            if lo is not None:
                ax.barh(
                    y,
                    max(hi - lo, 0.008),
                    left=lo,
                    height=0.9,
                    color=COLORS["reference"],
                    alpha=0.22,
                    linewidth=0,
                    label=labels["claim"],
                )
            share = row.get("share")
            if c in unknown or share is None:
                ax.text(
                    0.5,
                    y,
                    m("chart_claim_unknown"),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color=MUTED,
                    style="italic",
                )
                continue
            low, high = row.get("low"), row.get("high")
            if low is not None and high is not None:
                interval(ax, y, low, high, color=COLORS[c], lw=1.6, cap=0.1)
            ax.plot(share, y, "o", color=COLORS[c], markersize=5, label=labels["effect"], zorder=4)
            ax.annotate(
                m.pct(share),
                (high if high is not None else share, y),
                xytext=(5, 0),
                textcoords="offset points",
                va="center",
                fontsize=6.5,
                color=INK,
            )
        ax.set_yticks(range(len(cats)), [m.category(c, "cap") for c in cats])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_locator(mticker.MultipleLocator(0.2))
        ax.xaxis.set_major_formatter(_pct_formatter(m))
        ax.grid(axis="y", visible=False)
        ax.spines[["left"]].set_visible(False)
        found: dict = {}
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            found.setdefault(label, handle)  # the first category's marker stands for all
        order = [labels[k] for k in ("effect", "spend", "claim") if labels[k] in found]
        ax.legend(
            [found[k] for k in order],
            order,
            loc="lower center",
            ncols=3,
            bbox_to_anchor=(0.5, 1.0),
            handlelength=1.4,
            columnspacing=1.0,
            borderaxespad=0.1,
        )
    return fig


def frontier(
    rows: Sequence[Mapping[str, float]],
    m: Messages,
    *,
    budget: float | None = None,
    current: tuple[float, float] | None = None,
    period: str = "",
    width: float = 3.0,
    height: float = 1.9,
    y_labels: tuple[str, str] | None = None,
) -> Figure:
    """The best split's objective against the total budget, with the interval as a band.

    Parameters
    ----------
    rows : sequence of mappings
        ``{budget, y, low, high}`` per budget level: the best split's expected objective (encounters,
        or deals or euros under a value objective) with its interval.
    budget : float, optional
        The planned budget, marked with a vertical line.
    current : (budget, y), optional
        The current split at the planned budget, marked as a grey dot.
    period : str
        The horizon in words, for the x-axis label.
    y_labels : (str, str), optional
        The y-axis label in thousands and in units, for an objective other than encounters.
    """
    fig = _small_figure(width, height)
    rows = sorted(rows, key=lambda r: r["budget"])
    x = [r["budget"] for r in rows]
    with _styled():
        ax = fig.subplots()
        if all(r.get("low") is not None and r.get("high") is not None for r in rows):
            ax.fill_between(
                x,
                [r["low"] for r in rows],
                [r["high"] for r in rows],
                color=COLORS["recommended"],
                alpha=0.15,
                linewidth=0,
            )
        ys = [r["y"] for r in rows]
        ax.plot(x, ys, color=COLORS["recommended"], linewidth=1.6, label=m("chart_frontier_best"))
        if budget is not None:
            ax.axvline(
                budget, color=COLORS["reference"], linewidth=0.7, linestyle=(0, (3, 2)), label=m("chart_frontier_today")
            )
        if current is not None:
            ax.plot(
                [current[0]],
                [current[1]],
                "o",
                color=COLORS["current"],
                markersize=4.5,
                label=m("chart_frontier_current"),
                zorder=3,
            )
        # thousands only where the numbers are in the thousands: 200 encounters stay 200, not "0"
        x_unit = 1000 if max(x) >= 10_000 else 1
        top = max(abs(r["high"]) if r.get("high") is not None else abs(r["y"]) for r in rows)
        y_unit = 1000 if top >= 10_000 else 1
        ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: m.number(v / x_unit)))
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: m.number(v / y_unit)))
        ax.xaxis.set_major_locator(mticker.MaxNLocator(5, integer=x_unit == 1))
        ax.yaxis.set_major_locator(mticker.MaxNLocator(4, integer=y_unit == 1))
        lows = [r["low"] if r.get("low") is not None else r["y"] for r in rows]
        if current is not None:
            lows.append(current[1])
        if min(lows) >= 0:
            ax.set_ylim(bottom=0)
        ax.set_xlabel(m("chart_frontier_x" if x_unit == 1000 else "chart_frontier_x_units", period=period))
        if y_labels is not None:
            ax.set_ylabel(y_labels[0] if y_unit == 1000 else y_labels[1])
        else:
            ax.set_ylabel(m("chart_frontier_y" if y_unit == 1000 else "chart_frontier_y_units"))
        ax.legend(loc="lower right", handlelength=1.4)
    return fig
