"""Charts: one colour-blind-safe palette (Okabe-Ito) with a fixed colour per category.

Chart functions live in submodules (`charts.data`, `charts.model`, `charts.funnel`, `charts.plan`), take
computed results and return a `matplotlib.figure.Figure`; they never compute estimates themselves.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg", force=False)

from matplotlib.figure import Figure  # noqa: E402

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
COLORS = {
    "content": "#0072B2",  # blue
    "design": "#E69F00",  # orange
    "technology": "#CC79A7",  # reddish purple
    "baseline": "#BBBBBB",  # grey
    "reference": "#000000",
    "current": "#999999",
    "recommended": "#009E73",  # bluish green
    "holdout": "#D55E00",  # vermillion
    "actual": "#000000",
    "fitted": "#56B4E9",  # sky blue
}

# the same order everywhere: categories, then the baseline
ORDER = ("content", "design", "technology", "baseline")

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "font.family": "DejaVu Sans",
}


def figure(width: float = 8.0, height: float = 3.6, **kwargs) -> Figure:
    """A new figure in the house style (not registered with pyplot, so it never leaks)."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height), layout="constrained", **kwargs)
    return fig


def wrap(text: str, fig: Figure, *, fontsize: float = 11.0, share: float = 1.0, bold: bool = True) -> str:
    """`text` broken into lines that fit `share` of the figure's width at `fontsize` points, so a
    title in a long language (Finnish) is never cut at the figure's edge."""
    per_char = fontsize * (0.64 if bold else 0.58) / 72.0  # inches, a generous average glyph
    width = max(int(fig.get_figwidth() * share / per_char), 20)
    return "\n".join(textwrap.fill(line, width, break_on_hyphens=False) for line in str(text).split("\n"))


def styled():
    """Context manager applying the house style while drawing."""
    return matplotlib.rc_context(STYLE)


def interval(ax, y, low, high, *, color: str = "black", lw: float = 1.0, cap: float = 0.12) -> None:
    """Draw horizontal intervals from `low` to `high` at heights `y`, with end caps.

    Drawn from the interval's own ends rather than as +- errors around an estimate: a percentile
    interval of skewed draws need not be centred on their mean, and must be shown as it is.
    """
    import numpy as np

    y, low, high = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (y, low, high))
    ok = np.isfinite(low) & np.isfinite(high)
    ax.hlines(y[ok], low[ok], high[ok], color=color, lw=lw, zorder=3)
    for end in (low[ok], high[ok]):
        ax.vlines(end, y[ok] - cap, y[ok] + cap, color=color, lw=lw, zorder=3)


def literal(text: str) -> str:
    """User text (a column or scenario name) as matplotlib must be given it to show it as written.

    matplotlib reads the text between two `$` as mathematics: `cost_$_web, visits_$` would be
    drawn garbled or stop the chart with a parse error. An escaped `\\$` is drawn as `$`.
    """
    return str(text).replace("$", r"\$")


def color(name: str) -> str:
    """The fixed colour of a category or series name."""
    return COLORS[name]


__all__ = ["COLORS", "ORDER", "STYLE", "color", "figure", "interval", "literal", "styled"]
