"""Charts of the budget plan: scenarios side by side, the budget frontier and the weekly plan.

Each function takes a `planner.plan.PlanResults` and returns a `matplotlib.figure.Figure` whose
title states what the chart shows; nothing here computes an estimate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from babel.dates import format_skeleton
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from planner import CATEGORIES
from planner.presentation.charts import COLORS, figure, interval, literal, styled, wrap
from planner.presentation.i18n.notebooks import messages

__all__ = ["frontier_chart", "scenario_chart", "weekly_plan_chart"]

_OTHER = "#56B4E9"  # user scenarios (sky blue, not a category colour)


def _thousands(x: float, m) -> str:
    return m("ch_thousands", value=m.int(x / 1000)) if abs(x) >= 1000 else m.int(x)


def _ticks(m) -> FuncFormatter:
    return FuncFormatter(lambda x, _pos=None: _thousands(x, m))


def _pct(m) -> FuncFormatter:
    return FuncFormatter(lambda x, _pos=None: m.pct(x))


def _scenario_colour(kind: str) -> str:
    if kind == "reference":
        return "#555555"  # the palette's black reads as a heavy block in a bar
    return COLORS.get(kind, _OTHER if kind == "user" else COLORS["current"])


def _label(name: str, kind: str, m) -> str:
    """A scenario's name in the language; a user scenario keeps its name from the params file."""
    return literal(name) if kind == "user" else m(f"ch_scenario_{kind}")


def scenario_chart(plan, lang: Any = "en") -> Figure:
    """The splits side by side (left) and the encounters each is expected to bring (right).

    Parameters
    ----------
    plan : planner.plan.PlanResults
    lang : str or Messages
        The language of the title, labels and numbers.

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = messages(lang)
    table = plan.scenarios
    names = list(table.index)[::-1]  # first scenario on top
    y = np.arange(len(names))
    gain = plan.gain_vs_current
    base = plan.current.expected_encounters
    rel = gain["encounters"] / base if base > 0 else float("nan")
    if not np.isfinite(rel) or abs(rel) < 0.01:
        title = m("ch_scenarios_same")
    else:
        change = ("+" if rel > 0 else "") + m.pct(rel)
        if gain["probability_better"] is not None:
            title = m("ch_scenarios_title_prob", change=change, prob=m.pct(gain["probability_better"]))
        else:
            title = m("ch_scenarios_title", change=change)

    with styled():
        fig = figure(9.0, 0.55 * len(names) + 1.9)
        left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1.25, 1]})
        start = np.zeros(len(names))
        for cat in CATEGORIES:
            shares = table.loc[names, f"{cat}_share"].to_numpy()
            left.barh(y, shares, left=start, color=COLORS[cat], label=m.category(cat), height=0.62)
            for yi, (s0, s) in enumerate(zip(start, shares, strict=True)):
                if s >= 0.07:
                    left.text(s0 + s / 2, yi, m.pct(s), ha="center", va="center", color="white", fontsize=8)
            start += shares
        left.set_yticks(y, [_label(n, table.loc[n, "kind"], m) for n in names])
        left.set_xlim(0, 1)
        left.xaxis.set_major_formatter(_pct(m))
        left.set_xlabel(m("ch_share_of_budget"))
        left.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
        left.grid(axis="y", visible=False)

        expected = table.loc[names, "expected_encounters"].to_numpy()
        low = table.loc[names, "low"].to_numpy()
        high = table.loc[names, "high"].to_numpy()
        kinds = [table.loc[n, "kind"] for n in names]
        colours = [_scenario_colour(k) for k in kinds]
        bars = right.barh(y, expected, color=colours, height=0.62, alpha=0.85)
        for bar, kind in zip(bars, kinds, strict=True):
            if kind == "unbounded":  # the optimum without bounds: outlined, not a plan on offer
                bar.set_facecolor("white")
                bar.set_edgecolor(COLORS["recommended"])
                bar.set_hatch("//")
        interval(right, y, low, high)
        for yi, (e, h) in enumerate(zip(expected, np.where(np.isfinite(high), high, expected), strict=True)):
            right.text(h, yi, "  " + _thousands(e, m), va="center", fontsize=8)
        right.xaxis.set_major_formatter(_ticks(m))
        width = m("ch_interval", width=m.pct(plan.interval)) if np.isfinite(low).all() else m("ch_no_interval")
        right.set_xlabel(
            wrap(
                m("ch_scenarios_x", weeks=m.int(plan.horizon_weeks), width=width),
                fig,
                fontsize=9,
                share=0.45,
                bold=False,
            )
        )
        right.set_xlim(0, float(np.nanmax(np.where(np.isfinite(high), high, expected))) * 1.18)
        right.grid(axis="y", visible=False)
        fig.suptitle(wrap(title, fig, share=0.95), fontweight="bold", fontsize=11)
    return fig


def frontier_chart(plan, lang: Any = "en") -> Figure:
    """Best expected encounters against the total budget, with the recommended split at each level.

    The current budget is marked, with the current split's encounters below the frontier: the gap
    between the two is what re-splitting the same money gains. `lang` is the language of the
    title, labels and numbers.
    """
    m = messages(lang)
    f = plan.frontier[plan.frontier["feasible"]]
    budget = f["budget"].to_numpy()
    enc = f["expected_encounters"].to_numpy()
    mc = plan.frontier.loc[np.isclose(plan.frontier["budget"], plan.total_budget), "marginal_cost_per_encounter"]
    mc_here = float(mc.iloc[0]) if len(mc) and np.isfinite(mc.iloc[0]) else None
    last = f["marginal_cost_per_encounter"].dropna()
    if mc_here is not None and len(last):
        title = m("ch_frontier_title", here=m.eur_cost(mc_here), top=m.eur_cost(float(last.iloc[-1])))
    else:
        title = m("ch_frontier_title_plain")

    with styled():
        fig = figure(9.0, 3.8)
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
        if f["low"].notna().all() and len(f):
            left.fill_between(
                budget,
                f["low"],
                f["high"],
                color=COLORS["recommended"],
                alpha=0.18,
                label=m("ch_interval", width=m.pct(plan.interval)),
                lw=0,
            )
        left.plot(budget, enc, color=COLORS["recommended"], marker="o", ms=3, label=m("ch_best_each_budget"))
        left.axvline(plan.total_budget, color=COLORS["reference"], ls="--", lw=0.8)
        left.annotate(
            m("ch_planned_budget"),
            (plan.total_budget, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            va="top",
            fontsize=8,
        )
        left.plot(
            [plan.total_budget],
            [plan.current.expected_encounters],
            "D",
            color=COLORS["current"],
            ms=6,
            label=m("ch_current_planned"),
            zorder=3,
        )
        left.plot(
            [plan.total_budget],
            [plan.recommended.expected_encounters],
            "o",
            color=COLORS["recommended"],
            ms=7,
            zorder=3,
        )
        left.xaxis.set_major_formatter(_ticks(m))
        left.yaxis.set_major_formatter(_ticks(m))
        left.set_xlabel(m("ch_total_budget", weeks=m.int(plan.horizon_weeks)))
        left.set_ylabel(m("ch_spend_driven"))
        left.legend(loc="lower right")

        bottom = np.zeros(len(f))
        for cat in CATEGORIES:
            shares = f[cat].to_numpy()
            right.fill_between(budget, bottom, bottom + shares, color=COLORS[cat], label=m.category(cat), lw=0)
            bottom = bottom + shares
        right.axvline(plan.total_budget, color=COLORS["reference"], ls="--", lw=0.8)
        right.set_ylim(0, 1)
        if len(budget):
            right.set_xlim(budget.min(), budget.max())
        right.yaxis.set_major_formatter(_pct(m))
        right.xaxis.set_major_formatter(_ticks(m))
        right.set_xlabel(m("ch_total_budget", weeks=m.int(plan.horizon_weeks)))
        right.set_ylabel(m("ch_recommended_share"))
        right.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
        right.grid(visible=False)
        fig.suptitle(wrap(title, fig, share=0.95), fontweight="bold", fontsize=11)
    return fig


def weekly_plan_chart(plan, lang: Any = "en") -> Figure:
    """Recommended euros per week and category over the horizon (stacked bars), words in `lang`."""
    m = messages(lang)
    weekly = plan.weekly_plan()
    per_week = plan.total_budget / plan.horizon_weeks
    top = max(CATEGORIES, key=lambda c: float(plan.recommended.split[c]))
    title = m(
        "ch_weekly_title",
        eur=m.eur(round(per_week, -2)),
        share=m.pct(plan.recommended.split[top]),
        category=m.category(top, "ill"),
    )
    with styled():
        fig = figure(9.0, 3.4)
        ax = fig.subplots()
        x = np.arange(len(weekly))
        bottom = np.zeros(len(weekly))
        for cat in CATEGORIES:
            ax.bar(x, weekly[cat], bottom=bottom, color=COLORS[cat], label=m.category(cat), width=0.75)
            bottom += weekly[cat].to_numpy()
        locale = m.catalogue.locale  # day and month in the language: "1 Jul", "1.7."
        labels = [format_skeleton("MMMd", d, locale=locale) if hasattr(d, "month") else str(d) for d in weekly.index]
        ax.set_xticks(x, labels, rotation=0 if len(x) <= 13 else 90)
        ax.yaxis.set_major_formatter(_ticks(m))
        ax.set_ylabel(m("ch_eur_per_week"))
        ax.set_xlabel(m("ch_week_starting"))
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
        ax.grid(axis="x", visible=False)
        ax.set_title(wrap(title, fig, share=0.85), pad=22)
    return fig
