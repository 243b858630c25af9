"""Charts of the encounter model: fit, decomposition, shares against the claim, response curves.

Each function takes a `planner.inference.model.ModelResults` and returns a `matplotlib.figure.Figure` whose
title states what the chart shows; nothing here computes an estimate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from planner import CATEGORIES
from planner.inference.diagnostics import CLAIM_BANDS, CLAIM_LABEL
from planner.presentation.charts import COLORS, figure, interval, styled, wrap
from planner.presentation.i18n.notebooks import messages

__all__ = ["actual_vs_fitted", "decomposition", "response_curves", "shares_vs_claim"]


def _thousands(x: float, m) -> str:
    """An axis number: thousands as "12k" ("12 t."), from 1 000 up with one decimal when it shows."""
    if abs(x) >= 10_000:
        return m("ch_thousands", value=m.int(x / 1000))
    if abs(x) >= 1000:
        value = x / 1000
        return m("ch_thousands", value=m.int(value) if round(value, 1).is_integer() else m.number(value, 1))
    return m.int(x)


def _ticks(m) -> FuncFormatter:
    return FuncFormatter(lambda x, _pos=None: _thousands(x, m))


def _pct(m) -> FuncFormatter:
    return FuncFormatter(lambda x, _pos=None: m.pct(x))


def actual_vs_fitted(res, lang: Any = "en") -> Figure:
    """Weekly encounters against the model, with the unseen holdout weeks shaded.

    Parameters
    ----------
    res : planner.inference.model.ModelResults
    lang : str or Messages
        The language of the title, labels and numbers.

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = messages(lang)
    r2 = m.number(res.diagnostics["r2"], 2)
    hold = res.holdout
    if hold:
        title = m("ch_fit_title", r2=r2, weeks=m.int(hold["weeks"]), mape=m.pct(hold["mape"], 1))
    else:
        title = m("ch_fit_title_no_check", r2=r2)
    with styled():
        fig = figure(9.0, 3.6)
        ax = fig.subplots()
        ax.plot(res.index, res.y, color=COLORS["actual"], lw=1.1, label=m("ch_actual"))
        ax.plot(res.index, res.fitted, color=COLORS["fitted"], lw=1.4, label=m("ch_fitted"))
        if hold:
            start = res.index[-hold["weeks"]]
            ax.axvspan(start, res.index[-1], color=COLORS["holdout"], alpha=0.10, lw=0)
            ax.plot(
                res.index[-hold["weeks"] :],
                hold["predicted"],
                color=COLORS["holdout"],
                lw=1.4,
                ls="--",
                label=m("ch_forecast"),
            )
            ax.text(
                start,
                0.98,
                " " + m("ch_unseen"),
                transform=ax.get_xaxis_transform(),
                va="top",
                ha="left",
                fontsize=8,
                color=COLORS["holdout"],
            )
        ax.set_ylabel(m("ch_weighted_y"))
        ax.set_xlabel(m("ch_week"))
        ax.yaxis.set_major_formatter(_ticks(m))
        ax.legend(loc="lower left", ncol=3)
        ax.set_title(wrap(title, fig, share=0.85), loc="left")
    return fig


def decomposition(res, lang: Any = "en") -> Figure:
    """Weekly encounters split into the baseline and each category's spend-driven encounters.

    Parameters
    ----------
    res : planner.inference.model.ModelResults
    lang : str or Messages
        The language of the title, labels and numbers.

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = messages(lang)
    parts = res.contributions()
    shares = res.shares()["share"]
    top = shares.idxmax()  # the largest share, as the title says (not the claim's verdict)
    spend_driven = parts[list(CATEGORIES)].to_numpy().sum()
    total = spend_driven + parts["baseline"].sum()
    title = m(
        "ch_decomposition_title",
        category=m.category(top, "cap"),
        share=m.pct(shares[top]),
        total=m.pct(spend_driven / total),
    )
    with styled():
        fig = figure(9.0, 3.8)
        ax = fig.subplots()
        order = ["baseline", *CATEGORIES]
        ax.stackplot(
            parts.index,
            *[parts[c].to_numpy() for c in order],
            colors=[COLORS[c] for c in order],
            labels=[m("ch_baseline") if c == "baseline" else m.category(c) for c in order],
            alpha=0.9,
            lw=0,
        )
        ax.plot(res.index, res.y, color=COLORS["actual"], lw=0.9, label=m("ch_actual"))
        ax.set_ylabel(m("ch_weighted_y"))
        ax.set_xlabel(m("ch_week"))
        ax.yaxis.set_major_formatter(_ticks(m))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title(wrap(title, fig, share=0.85), loc="left")
    return fig


def shares_vs_claim(res, lang: Any = "en") -> Figure:
    """Contribution shares with their intervals against the claim's bands and the spend shares.

    Parameters
    ----------
    res : planner.inference.model.ModelResults
    lang : str or Messages
        The language of the title, labels and numbers.

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = messages(lang)
    table = res.shares()
    claim = res.claim()
    spend = res.spend.sum() / res.spend.to_numpy().sum()
    verdict = claim["verdict"]
    about = claim.get("category")  # the category the model's verdict is about, never the largest share
    if verdict in ("contradicted", "partly") and about in CATEGORIES:
        title = m(
            f"ch_claim_{verdict}_by",
            claim=CLAIM_LABEL,
            category=m.category(about),
            share=m.pct(table.loc[about, "share"]),
        )
    elif verdict in ("consistent", "partly", "contradicted"):
        title = m(f"ch_claim_{verdict}", claim=CLAIM_LABEL)
    else:
        title = m("ch_claim_inconclusive", claim=CLAIM_LABEL)
    cats = list(CATEGORIES)[::-1]  # content on top
    y = np.arange(len(cats))
    with styled():
        fig = figure(8.0, 3.2)
        ax = fig.subplots()
        for yi, cat in zip(y, cats, strict=True):
            lo, hi = CLAIM_BANDS[cat]
            ax.fill_betweenx([yi - 0.42, yi + 0.42], lo, hi, color=COLORS["reference"], alpha=0.10, lw=0)
            if not table.loc[cat, "identified"]:
                ax.barh(yi, 1.0, color="white", edgecolor=COLORS[cat], hatch="//", height=0.5)
                ax.text(
                    0.5,
                    yi,
                    m("ch_unknown_never_varied"),
                    ha="center",
                    va="center",
                    fontsize=8,
                    bbox={"facecolor": "white", "edgecolor": "none"},
                )
                continue
            share = table.loc[cat, "share"]
            ax.barh(yi, share, color=COLORS[cat], height=0.5)
            low, high = table.loc[cat, "low"], table.loc[cat, "high"]
            if np.isfinite(low) and np.isfinite(high):
                interval(ax, yi, low, high)
                label = f"{m.pct(share)} ({m.range(m.pct(low), m.pct(high))})"
                ax.text(min(high + 0.02, 0.98), yi + 0.08, label, va="center", fontsize=8)
            else:
                ax.text(min(share + 0.02, 0.98), yi + 0.08, m.pct(share), va="center", fontsize=8)
            ax.plot(spend[cat], yi - 0.32, marker="D", color=COLORS["current"], ms=5, ls="none")
        ax.set_yticks(y, [m.category(c) for c in cats])
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(_pct(m))
        ax.set_xlabel(m("ch_claim_x"))
        ax.grid(axis="y", visible=False)
        handles = [
            Patch(color=COLORS["reference"], alpha=0.10, label=m("ch_claim_band", claim=CLAIM_LABEL)),
            ax.plot([], [], marker="D", color=COLORS["current"], ls="none", label=m("ch_share_of_spend"))[0],
        ]
        ax.legend(handles=handles, loc="lower right")
        ax.set_title(wrap(title, fig, share=0.85), loc="left")
    return fig


def response_curves(res, lang: Any = "en") -> Figure:
    """Steady-state encounters against weekly spend per category, today's spend marked.

    Today's spend is the mean weekly spend over the last plan horizon of the data.

    Parameters
    ----------
    res : planner.inference.model.ModelResults
    lang : str or Messages
        The language of the title, labels and numbers.

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = messages(lang)
    current = res.spend.iloc[-res.horizon_weeks :].mean()
    per_k = 1000.0 * res.marginal(current)
    best = per_k.idxmax()  # the steepest curve at today's spend, as the title says
    title = m("ch_curves_title", extra=m.eur(1000), category=m.category(best, "ill"), encounters=m.int(per_k[best]))
    with styled():
        fig = figure(10.0, 3.4)
        axes = fig.subplots(1, 3)
        for ax, cat in zip(axes, CATEGORIES, strict=True):
            ax.set_title(m.category(cat, "cap"), loc="left", fontsize=10)
            ax.set_xlabel(m("ch_weekly_spend"))
            ax.xaxis.set_major_formatter(_ticks(m))
            ax.yaxis.set_major_formatter(_ticks(m))
            if not res.identified[cat]:
                ax.text(
                    0.5,
                    0.5,
                    m("ch_effect_unknown"),
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    fontsize=9,
                )
                continue
            curve = res.response_curve(cat)
            x = curve.index.to_numpy()
            ax.plot(x, curve["encounters"], color=COLORS[cat], lw=1.8)
            if curve["low"].notna().all():
                ax.fill_between(x, curve["low"], curve["high"], color=COLORS[cat], alpha=0.2, lw=0)
            now = float(current[cat])
            at = res.response_curve(cat, [now])
            ax.axvline(now, color=COLORS["current"], lw=1, ls=":")
            ax.plot([now], at["encounters"], marker="o", color="black", ms=5)
            ax.annotate(
                m("ch_today", value=_thousands(now, m)),
                (now, float(at["encounters"].iloc[0])),
                xytext=(4, -12),
                textcoords="offset points",
                fontsize=8,
            )
        axes[0].set_ylabel(m("ch_spend_driven_week"))
        fig.suptitle(wrap(title, fig, share=0.95), x=0.0, ha="left", fontweight="bold", fontsize=11)
    return fig
