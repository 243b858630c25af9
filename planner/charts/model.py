"""Charts of the encounter model: fit, decomposition, shares against the claim, response curves.

Each function takes a `planner.model.ModelResults` and returns a `matplotlib.figure.Figure` whose
title states what the chart shows; nothing here computes an estimate.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from planner import CATEGORIES
from planner.charts import COLORS, figure, interval, styled
from planner.diagnostics import CLAIM_BANDS, CLAIM_LABEL

__all__ = ["actual_vs_fitted", "decomposition", "response_curves", "shares_vs_claim"]


def _thousands(x: float, _pos=None) -> str:
    if abs(x) >= 10_000:
        return f"{x / 1000:,.0f} k".replace(",", " ")
    if abs(x) >= 1000:
        return f"{x / 1000:.1f} k".replace(".0 k", " k")
    return f"{x:,.0f}"


def actual_vs_fitted(res) -> Figure:
    """Weekly encounters against the model, with the unseen holdout weeks shaded.

    Parameters
    ----------
    res : planner.model.ModelResults

    Returns
    -------
    matplotlib.figure.Figure
    """
    r2 = res.diagnostics["r2"]
    hold = res.holdout
    if hold:
        title = (
            f"The model follows weekly encounters (R\u00b2 {r2:.2f}) and missed the {hold['weeks']} "
            f"unseen weeks by {hold['mape']:.1%} on average"
        )
    else:
        title = f"The model follows weekly encounters (R\u00b2 {r2:.2f}); no weeks were kept out for a check"
    with styled():
        fig = figure(9.0, 3.6)
        ax = fig.subplots()
        ax.plot(res.index, res.y, color=COLORS["actual"], lw=1.1, label="actual")
        ax.plot(res.index, res.fitted, color=COLORS["fitted"], lw=1.4, label="model (fitted to all weeks)")
        if hold:
            start = res.index[-hold["weeks"]]
            ax.axvspan(start, res.index[-1], color=COLORS["holdout"], alpha=0.10, lw=0)
            ax.plot(
                res.index[-hold["weeks"] :],
                hold["predicted"],
                color=COLORS["holdout"],
                lw=1.4,
                ls="--",
                label="forecast of the unseen weeks",
            )
            ax.text(
                start,
                0.98,
                " unseen weeks",
                transform=ax.get_xaxis_transform(),
                va="top",
                ha="left",
                fontsize=8,
                color=COLORS["holdout"],
            )
        ax.set_ylabel("quality-weighted encounters per week")
        ax.set_xlabel("week")
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.legend(loc="lower left", ncol=3)
        ax.set_title(title, loc="left")
    return fig


def decomposition(res) -> Figure:
    """Weekly encounters split into the baseline and each category's spend-driven encounters.

    Parameters
    ----------
    res : planner.model.ModelResults

    Returns
    -------
    matplotlib.figure.Figure
    """
    parts = res.contributions()
    shares = res.shares()["share"]
    top = shares.idxmax()
    spend_driven = parts[list(CATEGORIES)].to_numpy().sum()
    total = spend_driven + parts["baseline"].sum()
    title = (
        f"{top.capitalize()} drives {shares[top]:.0%} of the spend-driven encounters, which are "
        f"{spend_driven / total:.0%} of all"
    )
    with styled():
        fig = figure(9.0, 3.8)
        ax = fig.subplots()
        order = ["baseline", *CATEGORIES]
        ax.stackplot(
            parts.index,
            *[parts[c].to_numpy() for c in order],
            colors=[COLORS[c] for c in order],
            labels=order,
            alpha=0.9,
            lw=0,
        )
        ax.plot(res.index, res.y, color=COLORS["actual"], lw=0.9, label="actual")
        ax.set_ylabel("quality-weighted encounters per week")
        ax.set_xlabel("week")
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title(title, loc="left")
    return fig


def shares_vs_claim(res) -> Figure:
    """Contribution shares with their intervals against the claim's bands and the spend shares.

    Parameters
    ----------
    res : planner.model.ModelResults

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = res.shares()
    claim = res.claim()
    spend = res.spend.sum() / res.spend.to_numpy().sum()
    verdict = claim["verdict"]
    if verdict == "consistent":
        title = f"Your data are consistent with the {CLAIM_LABEL} claim"
    elif verdict == "contradicted":
        top = claim.get("category") or table["share"].idxmax()  # the category the verdict is about
        title = f"Your data contradict the {CLAIM_LABEL} claim: {top} brings {table.loc[top, 'share']:.0%}"
    else:
        title = f"Your data cannot settle the {CLAIM_LABEL} claim"
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
                    "unknown: spend never varied",
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
                label = f"{share:.0%} ({low:.0%}-{high:.0%})"
                ax.text(min(high + 0.02, 0.98), yi + 0.08, label, va="center", fontsize=8)
            else:
                ax.text(min(share + 0.02, 0.98), yi + 0.08, f"{share:.0%}", va="center", fontsize=8)
            ax.plot(spend[cat], yi - 0.32, marker="D", color=COLORS["current"], ms=5, ls="none")
        ax.set_yticks(y, cats)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("share of spend-driven encounters (bars: estimate and interval)")
        ax.grid(axis="y", visible=False)
        handles = [
            Patch(color=COLORS["reference"], alpha=0.10, label=f"claim {CLAIM_LABEL}"),
            ax.plot([], [], marker="D", color=COLORS["current"], ls="none", label="share of spend")[0],
        ]
        ax.legend(handles=handles, loc="lower right")
        ax.set_title(title, loc="left")
    return fig


def response_curves(res) -> Figure:
    """Steady-state encounters against weekly spend per category, today's spend marked.

    Today's spend is the mean weekly spend over the last plan horizon of the data.

    Parameters
    ----------
    res : planner.model.ModelResults

    Returns
    -------
    matplotlib.figure.Figure
    """
    current = res.spend.iloc[-res.horizon_weeks :].mean()
    per_k = 1000.0 * res.marginal(current)
    best = per_k.idxmax()
    title = (
        f"At today's spend, an extra 1 000 EUR a week brings the most in {best} ({per_k[best]:.0f} encounters a week)"
    )
    with styled():
        fig = figure(10.0, 3.4)
        axes = fig.subplots(1, 3)
        for ax, cat in zip(axes, CATEGORIES, strict=True):
            ax.set_title(cat, loc="left", fontsize=10)
            ax.set_xlabel("weekly spend (EUR)")
            ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
            ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
            if not res.identified[cat]:
                ax.text(
                    0.5,
                    0.5,
                    "spend never varied:\neffect unknown",
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
                f"today {_thousands(now)}",
                (now, float(at["encounters"].iloc[0])),
                xytext=(4, -12),
                textcoords="offset points",
                fontsize=8,
            )
        axes[0].set_ylabel("spend-driven encounters per week")
        fig.suptitle(title, x=0.0, ha="left", fontweight="bold", fontsize=11)
    return fig
