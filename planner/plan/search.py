"""The search for the best split within the bounds: a global grid step, then SLSQP.

The spend in the horizon is flat per category: ``budget * share / horizon_weeks`` euros a week.
Every bound (shares, euros, ``max_change``, ``max_deviation_from_reference``) is a lower and an
upper share per category, so the feasible set is a box cut by the simplex ``sum(share) = 1``.
S-shaped response curves give several local optima, so a local search alone is not enough:

1. Global step. When each category's encounters depend only on its own spend (checked with a few
   calls, true for the model and the generator), the horizon's encounters of every category are
   tabulated once against the weekly euro level, and a fine grid over the feasible simplex
   (~58 000 splits) is scored from that table. Otherwise a coarse grid is scored by calling the
   response directly.
2. Local step. SLSQP on the response itself, started from the best grid splits in distinct
   regions, from the current split and (on the frontier) from the neighbouring budget's optimum.
   The best end point wins. Everything is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from planner.plan._common import CATS
from planner.plan.bounds import project
from planner.plan.response import Curves, Response
from planner.plan.value import Guard

_N_GRID = 241  # grid points per axis of the global step (separable case)
_N_GRID_DIRECT = 13  # the same when the response has to be called for every split
_N_STARTS = 4  # local searches started from the grid
_START_DISTANCE = 0.05  # grid starts differ by at least this share in some category


def grid_splits(lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """Splits covering the box cut by the simplex, shape (rows, cols, 3); includes its corners.

    Rows run over the first category's share, columns over the second's within the range that the
    third's bounds leave, so neighbours in the array are neighbours on the simplex.
    """
    a_lo, a_hi = max(lo[0], 1 - hi[1] - hi[2]), min(hi[0], 1 - lo[1] - lo[2])
    w0 = np.linspace(a_lo, a_hi, n) if a_hi > a_lo else np.array([a_lo])
    b_lo = np.maximum(lo[1], 1 - w0 - hi[2])
    b_hi = np.minimum(hi[1], 1 - w0 - lo[2])
    t = np.linspace(0.0, 1.0, n)
    w1 = b_lo[:, None] + np.maximum(b_hi - b_lo, 0.0)[:, None] * t[None, :]
    w0 = np.broadcast_to(w0[:, None], w1.shape)
    return np.stack([w0, w1, 1 - w0 - w1], axis=-1)


def grid_starts(splits: np.ndarray, scores: np.ndarray, k: int, within: float) -> list[np.ndarray]:
    """Local maxima of the grid scores (best first), scoring within `within` (relative) of the
    best and at least _START_DISTANCE apart.

    Each local maximum of the grid marks a region where the response has a local optimum (S-shaped
    curves have several); a local search from each finds them all.
    """
    padded = np.pad(scores, 1, constant_values=-np.inf)
    rows, cols = scores.shape
    peak = np.ones_like(scores, dtype=bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                peak &= scores >= padded[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols]
    best = float(scores.max())
    floor = best - within * abs(best)
    cand = np.flatnonzero(peak.ravel() & (scores.ravel() >= floor))
    cand = cand[np.argsort(-scores.ravel()[cand], kind="stable")]
    flat = splits.reshape(-1, 3)
    taken: list[np.ndarray] = []
    for j in cand:
        if all(np.max(np.abs(flat[j] - t)) >= _START_DISTANCE for t in taken):
            taken.append(flat[j])
            if len(taken) == k:
                break
    if not taken:  # cannot happen with finite scores; kept so a NaN response fails loudly later
        taken.append(flat[int(np.nanargmax(scores.ravel()))])
    return taken


@dataclass
class Solution:
    """A split, its expected encounters (`value`) and what the search maximised (`score`: the
    encounters plus the linear term; the encounters when there is none)."""

    split: np.ndarray
    value: float
    score: float | None = None

    def __post_init__(self):
        if self.score is None:
            self.score = self.value


def solve(
    resp: Response,
    curves: Curves | None,
    budget: float,
    lo: np.ndarray,
    hi: np.ndarray,
    extra_starts: list[np.ndarray],
    guard: Guard | None = None,
    linear: np.ndarray | None = None,
) -> Solution:
    """The best split within [lo, hi] for this budget: global grid step, then SLSQP.

    With a `guard` (the experience guard) only splits on its side count; when no split within the
    bounds is, the one that comes closest (`Guard.best_within`) is returned. `linear` (per category,
    encounter-equivalents per euro of weekly spend; `planner.plan.value.Objective.linear`) adds a
    term linear in the weekly euros to what is maximised; `Solution.value` stays the encounters.
    """
    weekly = budget / resp.weeks
    lin = np.zeros(3) if linear is None else np.asarray(linear, dtype=float)

    def encounters(w: np.ndarray) -> float:
        return float(resp.per_category(w * weekly).sum())

    def value(w: np.ndarray) -> float:
        return encounters(w) + float(lin @ w) * weekly

    def solution(w: np.ndarray) -> Solution:
        e = encounters(w)
        return Solution(w, e, e + float(lin @ w) * weekly)

    if guard is not None:
        closest = guard.best_within(lo, hi)
        if not guard.holds(closest):
            return solution(closest)

    if np.all(hi - lo <= 1e-12) or abs(hi.sum() - 1) <= 1e-12 or abs(lo.sum() - 1) <= 1e-12:
        w = project(0.5 * (lo + hi), lo, hi)
        if guard is not None and not guard.holds(w):
            w = closest
        return solution(w)

    def allowed(splits: np.ndarray) -> np.ndarray:
        return np.ones(splits.shape[:-1], dtype=bool) if guard is None else guard.slack(splits) >= -1e-12

    if curves is not None:
        # The tabulated curves are close to the response, so a grid peak far below the best cannot
        # lead to the optimum: only near-best peaks get a local search.
        splits = grid_splits(lo, hi, _N_GRID)
        scores = sum(curves(splits[..., i] * weekly, i) + lin[i] * splits[..., i] * weekly for i in range(len(CATS)))
        scores = np.where(allowed(splits), scores, -np.inf)
        starts = (
            grid_starts(splits, scores, _N_STARTS, within=0.02)
            if guard is None or np.isfinite(scores).any()
            else [closest]
        )
        top = value(starts[0])
    else:
        # Without separable curves the grid is coarse, so the extra starts (current split,
        # neighbouring budget's optimum) are searched from as well.
        splits = grid_splits(lo, hi, _N_GRID_DIRECT)
        ok = allowed(splits)
        scores = np.array([value(w) if k else -np.inf for w, k in zip(splits.reshape(-1, 3), ok.ravel(), strict=True)])
        scores = scores.reshape(splits.shape[:2])
        starts = (
            grid_starts(splits, scores, _N_STARTS, within=np.inf)
            if guard is None or np.isfinite(scores).any()
            else [closest]
        )
        top = value(starts[0])
        for s in extra_starts:
            w = project(s, lo, hi)
            if all(np.max(np.abs(w - t)) >= 1e-3 for t in starts):
                starts.append(w)

    scale = max(abs(top), 1e-9)
    step = 1e-7

    def fun(w: np.ndarray) -> float:
        return -value(np.clip(w, lo, hi)) / scale

    def jac(w: np.ndarray) -> np.ndarray:
        w = np.clip(w, lo, hi)
        if curves is not None:  # separable: one call moves every category at once
            base = resp.per_category(w * weekly)
            up = resp.per_category((w + step) * weekly)
            return -((up - base) / step + lin * weekly) / scale
        f0 = value(w)
        return np.array([-(value(w + step * np.eye(3)[i]) - f0) / step / scale for i in range(3)])

    constraints = [{"type": "eq", "fun": lambda w: w.sum() - 1, "jac": lambda w: np.ones(3)}]
    if guard is not None:
        constraints.append({"type": "ineq", "fun": guard.slack, "jac": lambda w: guard.direction})

    def ok(w: np.ndarray) -> bool:
        return guard is None or guard.holds(w)

    best = solution(starts[0] if ok(starts[0]) else closest)
    for s in starts:
        candidates = [s]
        res = minimize(
            fun,
            s,
            jac=jac,
            method="SLSQP",
            bounds=list(zip(lo, hi, strict=True)),
            constraints=constraints,
            options={"maxiter": 200, "ftol": 1e-12},
        )
        if np.all(np.isfinite(res.x)):
            candidates.append(project(res.x, lo, hi))
        for w in candidates:
            found = solution(w)
            if ok(w) and found.score > best.score + 1e-12 * scale:
                best = found
    w = snap(best.split, lo, hi)
    if not ok(w):
        w = best.split
    return solution(w)


def snap(w: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Put shares within rounding of a bound exactly on it (0 stays 0, not 1e-17)."""
    w = w.copy()
    at = np.isclose(w, lo, rtol=0, atol=1e-9) | np.isclose(w, hi, rtol=0, atol=1e-9)
    w = np.where(np.isclose(w, lo, rtol=0, atol=1e-9), lo, w)
    w = np.where(np.isclose(w, hi, rtol=0, atol=1e-9), hi, w)
    free = ~at
    if free.any():
        j = int(np.flatnonzero(free)[np.argmax(w[free])])
        w[j] += 1 - w.sum()
    return w
