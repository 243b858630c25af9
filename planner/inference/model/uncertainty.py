"""From posterior draws to the numbers people read: shares, intervals, curves, slopes, saturation.

Pure functions on arrays. Every point value is the posterior mean of the quantity asked for,
computed from the same draws as its interval; with a single "draw" (the mode, shape (1, 3)) the
same functions give the mode's values and no interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import CATEGORIES
from planner.inference.transforms import hill

__all__ = [
    "MIN_DRAWS_FOR_INTERVALS",
    "PLAUSIBLE_EFFICIENCY",
    "curves",
    "hidden_bounds",
    "saturation_level",
    "share_table",
    "slopes",
]

#: Fewer posterior draws than this give no intervals (the mode is used instead).
MIN_DRAWS_FOR_INTERVALS = 10
TINY = 1e-9
#: An unidentified category is taken to buy at most this many times as many encounters per euro as
#: the identified category that buys the most (over the data): the upper end of what its spend
#: could plausibly buy, where the baseline does not cap it first.
PLAUSIBLE_EFFICIENCY = 3.0


def hidden_bounds(totals: np.ndarray, baseline: np.ndarray, spent: np.ndarray, identified: np.ndarray) -> np.ndarray:
    """Per draw, the most each unidentified category could have generated over the data.

    Parameters
    ----------
    totals : (d, 3) array
        Each draw's spend-driven encounters per category over the data (0 for unidentified ones).
    baseline : (d,) array
        Each draw's baseline encounters over the data (where an unidentified effect would hide).
    spent : (3,) array
        Euros spent per category over the data.
    identified : (3,) bool array

    Returns
    -------
    (d, 3) array
        ``min(baseline, PLAUSIBLE_EFFICIENCY * best encounters per euro * spent)`` for unidentified
        categories, 0 for identified ones. Without any identified category that spent, the baseline.
    """
    totals = np.atleast_2d(np.asarray(totals, dtype=float))
    known = np.asarray(identified, dtype=bool) & (np.asarray(spent) > 0)
    if known.any():
        best = (totals[:, known] / spent[known]).max(axis=1)  # (d,)
        cap = np.minimum(baseline[:, None], PLAUSIBLE_EFFICIENCY * best[:, None] * spent[None, :])
    else:
        cap = np.repeat(np.asarray(baseline, dtype=float)[:, None], len(spent), axis=1)
    return np.where(np.asarray(identified, dtype=bool)[None, :], 0.0, np.maximum(cap, 0.0))


def share_table(
    draw_totals: np.ndarray | None,
    totals: np.ndarray,
    identified: np.ndarray,
    widen_to_zero: np.ndarray,
    level: float,
    hidden: np.ndarray | None = None,
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
    hidden : (d, 3) array, optional
        The most each unidentified category could have generated, per draw (`hidden_bounds`; one row
        without draws). Shares are then honest bounds over everything it could be: an identified
        category's low end is taken with every unidentified one at its most, its high end with them
        at none; an unidentified category's range runs from 0 to its most. Point shares take them
        at half their most (the middle of what they could be).

    Returns
    -------
    DataFrame indexed by category: ``share``, ``low``, ``high``, ``identified``.
    """
    if hidden is not None and np.any(~np.asarray(identified, dtype=bool)):
        return _bounded_shares(draw_totals, totals, hidden, np.asarray(identified, dtype=bool), widen_to_zero, level)
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


def _bounded_shares(draw_totals, totals, hidden, identified, widen_to_zero, level) -> pd.DataFrame:
    """`share_table` with unidentified categories: bounds over what they could be (see there)."""
    t = np.atleast_2d(np.asarray(totals if draw_totals is None else draw_totals, dtype=float))
    hidden = np.atleast_2d(np.asarray(hidden, dtype=float))
    known = t * identified[None, :]
    total = known.sum(axis=1, keepdims=True)

    def ratio(num, den):
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    at_most = ratio(known, total + hidden.sum(axis=1, keepdims=True))  # unidentified at their most
    at_none = ratio(known, total)  # unidentified at none
    middle = ratio(known + hidden / 2.0, total + hidden.sum(axis=1, keepdims=True) / 2.0)
    own_most = ratio(hidden, total + hidden)  # one unidentified category at its most, the others at none
    share = middle.mean(axis=0)
    if draw_totals is None or t.shape[0] < 2:
        low = np.where(identified, np.nan, 0.0)
        high = np.where(identified, np.nan, own_most[0])
    else:
        lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
        low = np.where(identified, np.quantile(at_most, lo_q, axis=0), 0.0)
        high = np.where(identified, np.quantile(at_none, hi_q, axis=0), np.quantile(own_most, hi_q, axis=0))
    low = np.where(identified & widen_to_zero, 0.0, low)
    return pd.DataFrame(
        {"share": share, "low": low, "high": high, "identified": identified},
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
