"""From posterior draws to the numbers people read: shares, intervals, curves, slopes, saturation.

Pure functions on arrays. Every point value is the posterior mean of the quantity asked for,
computed from the same draws as its interval; with a single "draw" (the mode, shape (1, 3)) the
same functions give the mode's values and no interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import CATEGORIES
from planner.transforms import hill

__all__ = ["MIN_DRAWS_FOR_INTERVALS", "curves", "saturation_level", "share_table", "slopes"]

#: Fewer posterior draws than this give no intervals (the mode is used instead).
MIN_DRAWS_FOR_INTERVALS = 10
TINY = 1e-9


def share_table(
    draw_totals: np.ndarray | None,
    totals: np.ndarray,
    identified: np.ndarray,
    widen_to_zero: np.ndarray,
    level: float,
) -> pd.DataFrame:
    """Contribution shares with their central `level` intervals.

    Parameters
    ----------
    draw_totals : (d, 3) array or None
        Each draw's spend-driven encounters per category over the data; None without draws.
    totals : (3,) array
        The point totals, used without draws (the intervals are then NaN).
    identified : (3,) bool array
        A category left out of the fit reads "anywhere from 0 to 100 %".
    widen_to_zero : (3,) bool array
        Categories whose spend hardly varied: their interval reaches down to 0.
    level : float

    Returns
    -------
    DataFrame indexed by category: ``share``, ``low``, ``high``, ``identified``.
    """
    if draw_totals is not None:
        # a draw without any spend effect has no split: shares are taken over the draws that have one
        t = draw_totals
        total = t.sum(axis=1)
        some = total > TINY * max(float(np.abs(total).max()), 1.0)
        t = t[some] if some.any() else t
        total = t.sum(axis=1, keepdims=True)
        s = np.divide(t, total, out=np.zeros_like(t), where=total > 0)
        share = s.mean(axis=0)
        low, high = np.quantile(s, (1 - level) / 2, axis=0), np.quantile(s, (1 + level) / 2, axis=0)
    else:
        share = totals / totals.sum() if totals.sum() > 0 else np.zeros(3)
        low, high = np.full(3, np.nan), np.full(3, np.nan)
    for i in range(len(CATEGORIES)):
        if not identified[i]:
            low[i], high[i] = 0.0, 1.0
        elif widen_to_zero[i]:
            low[i] = 0.0
    return pd.DataFrame(
        {"share": share, "low": low, "high": high, "identified": np.asarray(identified, dtype=bool)},
        index=pd.Index(CATEGORIES, name="category"),
    )


def curves(x: np.ndarray, beta: np.ndarray, k: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Steady-state weekly encounters of one category at weekly spends `x`, per draw.

    `beta`, `k`, `s` are (d,) arrays of that category's draws; returns (d, len(x)).
    """
    return beta[:, None] * hill(x[None, :], k[:, None], s[:, None])


def slopes(x: np.ndarray, beta: np.ndarray, k: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Posterior mean slope of each category's steady-state curve at weekly spend `x` (3,).

    Extra encounters per week per extra euro a week; `beta`, `k`, `s` are (d, 3).
    """
    x = np.maximum(x, TINY)
    h = hill(x[None, :], k, s)
    return (beta * s * h * (1 - h) / x[None, :]).mean(axis=0)


def saturation_level(x: np.ndarray, k: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Posterior mean Hill level h(x) in 0-1 of each category at steady weekly spend `x` (3,).

    With the carryover normalised to keep the spend's scale, a spend kept up week after week
    carries over to itself, so h is taken at the spend; `k`, `s` are (d, 3).
    """
    x = np.maximum(x, TINY)
    return hill(x[None, :], k, s).mean(axis=0)
