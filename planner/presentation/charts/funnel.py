"""Charts of the funnel: the close rate of warmed leads and the deal value per channel by month, and
the experience score's response to each category's carryover.

Each function takes a `planner.inference.funnel.FunnelResults` (or None when the params have no funnel
section) and the run's language, and returns a `matplotlib.figure.Figure` whose title states what
the chart shows. Without the data a chart needs, the figure is a small note saying which params
keys would draw it. Nothing here computes an estimate: the intervals and the trend's direction are
the funnel analysis's.
"""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from babel.dates import format_skeleton
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from planner import CATEGORIES
from planner.presentation.charts import COLORS, figure, interval, styled, wrap
from planner.presentation.i18n.notebooks import messages

__all__ = ["CHANNEL_COLORS", "close_rate_by_month", "deal_value_by_month", "experience_effects"]

#: Okabe-Ito colours of the two sales channels (none of them a category's colour).
CHANNEL_COLORS = {"self_service": "#009E73", "assisted": "#D55E00"}
_RATE = "#0072B2"


def _note(m, key: str) -> Figure:
    """A small figure holding one sentence: what is missing and how to get it."""
    with styled():
        fig = figure(8.0, 0.9)
        ax = fig.subplots()
        ax.set_axis_off()
        ax.text(0.0, 0.5, m(key), ha="left", va="center", fontsize=9, transform=ax.transAxes, wrap=True)
    return fig


def _months(ax, m) -> None:
    """Month ticks in the language ("Jan 2023", "tammi 2023"), every half year."""
    locale = m.catalogue.locale
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _pos=None: format_skeleton("yMMM", mdates.num2date(x).date(), locale=locale))
    )
    for label in ax.get_xticklabels():
        label.set_rotation(0)


def _by_month(ax, m, fmt, ylabel: str, title: str, ncol: int) -> None:
    """The monthly charts' axes, legend and title: values formatted by `fmt`, months in the language."""
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos=None: fmt(v)))
    ax.set_ylabel(ylabel)
    ax.set_xlabel(m("ch_month"))
    _months(ax, m)
    ax.legend(loc="upper left", ncol=ncol)
    ax.set_title(wrap(title, ax.figure, share=0.85), loc="left")


def _level(funnel, m) -> str:
    return m.pct(float(getattr(funnel, "interval", 0.8) or 0.8))


def close_rate_by_month(funnel, lang: Any = "en") -> Figure:
    """The close rate of warmed leads (assisted deals per lead) by month with Wilson intervals.

    The dashed line is the rate over all weeks; the title says whether the rate moved with
    content's carryover, as the funnel analysis judged it (``close_rate["trend"]["direction"]``).

    Parameters
    ----------
    funnel : planner.inference.funnel.FunnelResults or None
    lang : str or Messages
        The language of the title, labels and numbers.

    Returns
    -------
    matplotlib.figure.Figure
        A small note when there are no leads and assisted deals.
    """
    m = messages(lang)
    table = funnel.close_rate_by_month() if funnel is not None else None
    if table is None or table.empty or funnel.close_rate is None:
        return _note(m, "ch_funnel_no_close_rate")
    overall = funnel.close_rate
    trend = overall.get("trend") or {}
    direction = trend.get("direction")
    key = f"ch_close_rate_title_{direction}" if direction in ("up", "down", "unclear") else "ch_close_rate_title"
    title = m(key, rate=m.pct(overall["value"], 1))
    x = pd.DatetimeIndex(pd.to_datetime(table.index))
    with styled():
        fig = figure(9.0, 3.4)
        ax = fig.subplots()
        ax.fill_between(
            x,
            table["low"],
            table["high"],
            color=_RATE,
            alpha=0.18,
            lw=0,
            label=m("ch_interval_wilson", width=_level(funnel, m)),
        )
        ax.plot(x, table["rate"], color=_RATE, lw=1.6, marker="o", ms=3, label=m("ch_close_rate_month"))
        ax.axhline(overall["value"], color=COLORS["reference"], lw=1, ls="--", label=m("ch_all_weeks"))
        _by_month(ax, m, m.pct, m("ch_close_rate_y"), title, ncol=3)
    return fig


def deal_value_by_month(funnel, lang: Any = "en") -> Figure:
    """Average deal value (EUR per deal) by month for self-service and assisted deals, with intervals.

    Parameters
    ----------
    funnel : planner.inference.funnel.FunnelResults or None
    lang : str or Messages
        The language of the title, labels and numbers.

    Returns
    -------
    matplotlib.figure.Figure
        A small note when there are no deals and revenue per channel.
    """
    m = messages(lang)
    table = funnel.deal_value_by_month() if funnel is not None else None
    if table is None or table.empty or funnel.deal_value is None:
        return _note(m, "ch_funnel_no_deal_value")
    dv = funnel.deal_value
    title = m(
        "ch_deal_value_title", self_service=m.eur(dv["self_service"]["value"]), assisted=m.eur(dv["assisted"]["value"])
    )
    with styled():
        fig = figure(9.0, 3.4)
        ax = fig.subplots()
        for channel in ("self_service", "assisted"):
            if channel not in table.index.get_level_values("channel"):
                continue
            rows = table.xs(channel, level="channel")
            x = pd.DatetimeIndex(pd.to_datetime(rows.index))
            colour = CHANNEL_COLORS[channel]
            ax.fill_between(x, rows["low"], rows["high"], color=colour, alpha=0.18, lw=0)
            ax.plot(x, rows["value"], color=colour, lw=1.6, marker="o", ms=3, label=m(f"ch_channel_{channel}"))
            ax.axhline(dv[channel]["value"], color=colour, lw=0.8, ls="--")
        ax.plot([], [], color="#777777", lw=6, alpha=0.3, label=m("ch_interval", width=_level(funnel, m)))
        ax.plot([], [], color="#777777", lw=0.8, ls="--", label=m("ch_all_weeks"))
        _by_month(ax, m, m.eur, m("ch_deal_value_y"), title, ncol=4)
    return fig


def experience_effects(funnel, lang: Any = "en") -> Figure:
    """The experience score's change per EUR 1,000 a week more carryover, per category, with intervals.

    A category whose effect could not be estimated (its spend never varied) is marked unknown.

    Parameters
    ----------
    funnel : planner.inference.funnel.FunnelResults or None
    lang : str or Messages
        The language of the title, labels and numbers.

    Returns
    -------
    matplotlib.figure.Figure
        A small note when there is no experience score.
    """
    m = messages(lang)
    experience = funnel.experience if funnel is not None else None
    effects = (experience or {}).get("effect") or {}
    known = {c: e for c, e in effects.items() if e is not None}
    if not known:
        return _note(m, "ch_funnel_no_experience")
    largest = max(known, key=lambda c: abs(known[c]["value"]))  # the title names the largest, as it says
    title = m(
        "ch_experience_title",
        current=m.number(experience.get("current", float("nan")), 1),
        category=m.category(largest, "cap"),
        value=m.number(known[largest]["value"], 2),
        extra=m.eur(1000),
    )
    cats = list(CATEGORIES)[::-1]  # content on top
    y = np.arange(len(cats))
    span = max(max(abs(e["low"]), abs(e["high"]), abs(e["value"])) for e in known.values()) or 1.0
    with styled():
        fig = figure(9.0, 2.8)
        ax = fig.subplots()
        ax.axvline(0, color=COLORS["reference"], lw=0.8)
        for yi, cat in zip(y, cats, strict=True):
            est = effects.get(cat)
            if est is None:
                ax.text(0, yi, m("ch_unknown_never_varied"), ha="center", va="center", fontsize=8)
                continue
            ax.barh(yi, est["value"], color=COLORS[cat], height=0.5)
            interval(ax, yi, est["low"], est["high"])
            label = f"{m.number(est['value'], 2)} ({m.range(m.number(est['low'], 2), m.number(est['high'], 2))})"
            right = max(est["high"], est["value"], 0.0)
            ax.text(right + 0.03 * span, yi + 0.12, label, va="center", fontsize=8)
        ax.set_yticks(y, [m.category(c, "cap") for c in cats])
        lowest = min(min(e["low"], e["value"]) for e in known.values())
        highest = max(max(e["high"], e["value"]) for e in known.values())
        ax.set_xlim(min(lowest, 0.0) - 0.1 * span, max(highest, 0.0) + 0.6 * span)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos=None: m.number(v, 1)))
        ax.set_xlabel(m("ch_experience_x", extra=m.eur(1000), width=_level(funnel, m)))
        ax.grid(axis="y", visible=False)
        ax.set_title(wrap(title, fig, share=0.85), loc="left")
    return fig
