"""The budget optimiser: the best split for the next horizon under visible bounds.

`plan_budget(response, spec, history_spend)` works with anything that implements the response
protocol (`simulate(spend, draws=False)`, `last_state`; see docs/architecture.md), so the fitted
model and the synthetic generator's truth are planned for in the same way.

How the optimum is found
------------------------
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

import html
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from planner import CATEGORIES
from planner.i18n import fmt_eur, fmt_int, fmt_number, fmt_pct
from planner.params import PlanSpec

__all__ = [
    "MOVED_SHARE",
    "REASON_CODES",
    "SAME_SPLIT",
    "UNBOUNDED_TOLERANCE",
    "Allocation",
    "PlanError",
    "PlanResults",
    "PlanSummary",
    "decide",
    "plan_budget",
]

_CATS = list(CATEGORIES)
_TOL = 1e-4  # a share this close to a bound counts as "at the bound" (0.01 share points)
_N_LEVELS = 121  # weekly euro levels of the tabulated response curves
_N_GRID = 241  # grid points per axis of the global step (separable case)
_N_GRID_DIRECT = 13  # the same when the response has to be called for every split
_N_STARTS = 4  # local searches started from the grid
_START_DISTANCE = 0.05  # grid starts differ by at least this share in some category

#: The unbounded optimum differs from the candidate when some share differs by more than this
#: (0.5 share points) and it expects more encounters; otherwise the bounds cost nothing.
UNBOUNDED_TOLERANCE = 0.005
#: A category gives or receives money (``moved_from`` / ``moved_to``) when its euros change by more
#: than this share of the budget between the current split and the candidate.
MOVED_SHARE = 0.01


class PlanError(ValueError):
    """The plan cannot be made: conflicting bounds, no budget, or a response of the wrong shape."""


# -- bounds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Limit:
    """One lower or upper share limit of a category and where it comes from."""

    share: float
    name: str  # as listed under `binding`, e.g. "technology.min_share"
    note: str  # the limit in the user's terms, e.g. "0.6" or "100 000 EUR"


@dataclass(frozen=True)
class _Box:
    lower: tuple[tuple[_Limit, ...], ...]  # per category
    upper: tuple[tuple[_Limit, ...], ...]

    @property
    def lo(self) -> np.ndarray:
        return np.array([max([0.0] + [li.share for li in ls]) for ls in self.lower])

    @property
    def hi(self) -> np.ndarray:
        return np.array([min([1.0] + [li.share for li in ls]) for ls in self.upper])

    def active_lower(self, i: int) -> list[_Limit]:
        lo = self.lo[i]
        return [li for li in self.lower[i] if abs(li.share - lo) <= _TOL]

    def active_upper(self, i: int) -> list[_Limit]:
        hi = self.hi[i]
        return [li for li in self.upper[i] if abs(li.share - hi) <= _TOL]


# English texts (summary, warnings, errors) use the brief's formatting, with plain spaces
def _plain(text: str) -> str:
    return text.replace("\u00a0", " ")


def _pct(x: float) -> str:
    return _plain(fmt_pct(x, "en", 0 if abs(100 * x - round(100 * x)) < 0.05 else 1))


def _eur(x: float) -> str:
    return _plain(fmt_eur(x, "en"))


def _num(x: float) -> str:
    return fmt_int(x, "en")


def _signed(x: float, digits: int = 0) -> str:
    text = fmt_number(x, "en", digits)
    return text if text.startswith(("\u2212", "-")) or text.strip("0.") == "" else "+" + text


def _box(spec: PlanSpec, budget: float, current: pd.Series, unbounded: bool = False) -> _Box:
    """Every share limit per category, named after the params key that sets it."""
    if unbounded:
        return _Box(tuple(() for _ in _CATS), tuple(() for _ in _CATS))
    lower, upper = [], []
    for cat in _CATS:
        lo: list[_Limit] = []
        hi: list[_Limit] = []
        b = spec.bound(cat)

        def tag(key: str, cat=cat) -> str:
            return " (default)" if spec.is_default(cat, key) else ""

        lo.append(_Limit(b.min_share, f"{cat}.min_share", f"{b.min_share:g}{tag('min_share')}"))
        hi.append(_Limit(b.max_share, f"{cat}.max_share", f"{b.max_share:g}{tag('max_share')}"))
        if b.min_eur is not None:
            lo.append(_Limit(b.min_eur / budget, f"{cat}.min_eur", f"{_eur(b.min_eur)} = {_pct(b.min_eur / budget)}"))
        if b.max_eur is not None:
            hi.append(_Limit(b.max_eur / budget, f"{cat}.max_eur", f"{_eur(b.max_eur)} = {_pct(b.max_eur / budget)}"))
        if spec.max_change is not None:
            cur = float(current[cat])
            note = f"{spec.max_change:g} around the current {_pct(cur)}"
            lo.append(_Limit(max(0.0, cur * (1 - spec.max_change)), f"{cat}.max_change (lower)", note))
            hi.append(_Limit(min(1.0, cur * (1 + spec.max_change)), f"{cat}.max_change (upper)", note))
        if spec.max_deviation_from_reference is not None:
            ref = float(spec.reference_split[cat])
            d = spec.max_deviation_from_reference
            note = f"{d:g} around the reference {_pct(ref)}"
            lo.append(_Limit(max(0.0, ref - d), f"{cat}.max_deviation_from_reference (lower)", note))
            hi.append(_Limit(min(1.0, ref + d), f"{cat}.max_deviation_from_reference (upper)", note))
        lower.append(tuple(lo))
        upper.append(tuple(hi))
    return _Box(tuple(lower), tuple(upper))


def _describe_limits(limits: list[_Limit]) -> str:
    return " + ".join(f"{li.name} {li.note}" for li in limits)


def _check_feasible(box: _Box, budget: float) -> None:
    """Raise a PlanError naming the bounds that cannot all hold."""
    lo, hi = box.lo, box.hi
    problems = []
    for i, cat in enumerate(_CATS):
        if lo[i] > hi[i] + 1e-9:
            problems.append(
                f"{cat}: the lower bound {_pct(lo[i])} ({_describe_limits(box.active_lower(i))}) is above "
                f"the upper bound {_pct(hi[i])} ({_describe_limits(box.active_upper(i))})"
            )
    if not problems and lo.sum() > 1 + 1e-9:
        parts = [box.active_lower(i) for i in range(len(_CATS))]
        named = _describe_limits([li for p in parts for li in p])
        problems.append(
            f"min shares add up to {_pct(lo.sum())} of the {_eur(budget)} budget: {named}; "
            "lower one of them so that they add up to 100 % or less"
        )
    if not problems and hi.sum() < 1 - 1e-9:
        parts = [box.active_upper(i) for i in range(len(_CATS))]
        named = _describe_limits([li for p in parts for li in p])
        problems.append(
            f"max shares add up to only {_pct(hi.sum())} of the {_eur(budget)} budget: {named}; "
            "raise one of them so that they add up to 100 % or more"
        )
    if problems:
        raise PlanError("the plan's bounds conflict: " + "; ".join(problems))


def _project(w: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The nearest split (Euclidean) within the box that adds up to one."""
    a, b = float(np.min(w - hi)) - 1.0, float(np.max(w - lo)) + 1.0
    for _ in range(100):  # sum(clip(w - t)) falls as t rises
        t = 0.5 * (a + b)
        if np.clip(w - t, lo, hi).sum() > 1:
            a = t
        else:
            b = t
    out = np.clip(w - 0.5 * (a + b), lo, hi)
    # absorb the last rounding in the category with the most room
    room = np.where(out.sum() < 1, hi - out, out - lo)
    out[int(np.argmax(room))] += 1 - out.sum()
    return np.clip(out, lo, hi)


# -- the response -----------------------------------------------------------------------------


class _Response:
    """Horizon totals of a response for flat weekly spend, with the calls counted."""

    def __init__(self, response, index: pd.Index):
        self.response = response
        self.index = index
        self.weeks = len(index)
        self.calls = 0
        self._cache: dict[tuple, np.ndarray] = {}

    def _frame(self, weekly: np.ndarray) -> pd.DataFrame:
        values = np.tile(np.maximum(np.asarray(weekly, dtype=float), 0.0), (self.weeks, 1))
        return pd.DataFrame(values, index=self.index, columns=_CATS)

    def per_category(self, weekly) -> np.ndarray:
        """Encounters over the horizon per category, shape (3,)."""
        key = tuple(np.round(np.asarray(weekly, dtype=float), 9))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        self.calls += 1
        out = np.asarray(self.response.simulate(self._frame(weekly)), dtype=float)
        if out.shape != (self.weeks, len(_CATS)):
            raise PlanError(
                f"the response returned shape {out.shape} for {self.weeks} weeks; expected ({self.weeks}, {len(_CATS)})"
            )
        if not np.all(np.isfinite(out)):
            raise PlanError(
                "the response returned encounters that are not finite numbers for the weekly spend "
                + ", ".join(f"{c} {_eur(float(v))}" for c, v in zip(_CATS, weekly, strict=True))
            )
        totals = out.sum(axis=0)
        self._cache[key] = totals
        return totals

    def draws(self, weekly) -> np.ndarray:
        """Encounters over the horizon per bootstrap draw, shape (n_draws,)."""
        out = np.asarray(self.response.simulate(self._frame(weekly), draws=True), dtype=float)
        if out.ndim != 3 or out.shape[1:] != (self.weeks, len(_CATS)):
            raise PlanError(
                f"the response returned shape {out.shape} for draws=True; "
                f"expected (n_draws, {self.weeks}, {len(_CATS)})"
            )
        return out.sum(axis=(1, 2))

    def separable(self, top: float) -> bool:
        """Whether each category's encounters depend only on its own spend."""
        levels = top * np.array([0.15, 0.55, 0.9])
        a, b, c = levels
        base = self.per_category([a, b, c])
        checks = [
            (self.per_category([a, c, b]), 0),
            (self.per_category([c, b, a]), 1),
            (self.per_category([b, a, c]), 2),
        ]
        scale = max(float(np.abs(base).max()), 1e-12)
        return all(abs(out[i] - base[i]) <= 1e-9 * scale for out, i in checks)


@dataclass
class _Curves:
    """Each category's horizon encounters against flat weekly spend, tabulated once."""

    levels: np.ndarray  # weekly euros, (n,)
    values: np.ndarray  # horizon encounters, (n, 3)

    def __call__(self, weekly: np.ndarray, i: int) -> np.ndarray:
        return np.interp(weekly, self.levels, self.values[:, i])


def _tabulate(resp: _Response, top_weekly: float) -> _Curves:
    # Quadratic spacing: S-shaped curves bend at low spend, where a category near its minimum sits.
    levels = top_weekly * np.linspace(0.0, 1.0, _N_LEVELS) ** 2
    values = np.array([resp.per_category(np.full(len(_CATS), x)) for x in levels])
    return _Curves(levels, values)


# -- the search -------------------------------------------------------------------------------


def _grid(lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
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


def _starts(splits: np.ndarray, scores: np.ndarray, k: int, within: float) -> list[np.ndarray]:
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
class _Solution:
    split: np.ndarray
    value: float


def _solve(
    resp: _Response,
    curves: _Curves | None,
    budget: float,
    lo: np.ndarray,
    hi: np.ndarray,
    extra_starts: list[np.ndarray],
) -> _Solution:
    """The best split within [lo, hi] for this budget: global grid step, then SLSQP."""
    weekly = budget / resp.weeks

    def value(w: np.ndarray) -> float:
        return float(resp.per_category(w * weekly).sum())

    if np.all(hi - lo <= 1e-12) or abs(hi.sum() - 1) <= 1e-12 or abs(lo.sum() - 1) <= 1e-12:
        w = _project(0.5 * (lo + hi), lo, hi)
        return _Solution(w, value(w))

    if curves is not None:
        # The tabulated curves are close to the response, so a grid peak far below the best cannot
        # lead to the optimum: only near-best peaks get a local search.
        splits = _grid(lo, hi, _N_GRID)
        scores = sum(curves(splits[..., i] * weekly, i) for i in range(len(_CATS)))
        starts = _starts(splits, scores, _N_STARTS, within=0.02)
        top = value(starts[0])
    else:
        # Without separable curves the grid is coarse, so the extra starts (current split,
        # neighbouring budget's optimum) are searched from as well.
        splits = _grid(lo, hi, _N_GRID_DIRECT)
        scores = np.array([value(w) for w in splits.reshape(-1, 3)]).reshape(splits.shape[:2])
        starts = _starts(splits, scores, _N_STARTS, within=np.inf)
        top = value(starts[0])
        for s in extra_starts:
            w = _project(s, lo, hi)
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
            return -(up - base) / step / scale
        f0 = value(w)
        return np.array([-(value(w + step * np.eye(3)[i]) - f0) / step / scale for i in range(3)])

    best = _Solution(starts[0], value(starts[0]))
    for s in starts:
        candidates = [s]
        res = minimize(
            fun,
            s,
            jac=jac,
            method="SLSQP",
            bounds=list(zip(lo, hi, strict=True)),
            constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1, "jac": lambda w: np.ones(3)}],
            options={"maxiter": 200, "ftol": 1e-12},
        )
        if np.all(np.isfinite(res.x)):
            candidates.append(_project(res.x, lo, hi))
        for w in candidates:
            v = value(w)
            if v > best.value + 1e-12 * scale:
                best = _Solution(w, v)
    w = _snap(best.split, lo, hi)
    return _Solution(w, value(w))


def _snap(w: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
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


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    """One split of the budget and what the response expects it to bring in the horizon.

    Attributes
    ----------
    name : str
    split : pandas.Series
        Share per category (adds up to one).
    euros : pandas.Series
        Euros per category over the horizon.
    expected_encounters : float
        Spend-driven quality-weighted encounters over the horizon (point estimate), including the
        carryover of past spend into the horizon.
    low, high : float or None
        Interval from the posterior draws (None without draws).
    draws : numpy.ndarray
        Horizon encounters per draw (paired across allocations: draw i is the same refit).
    """

    name: str
    split: pd.Series
    euros: pd.Series
    expected_encounters: float
    low: float | None
    high: float | None
    draws: np.ndarray = field(repr=False)

    @property
    def total_eur(self) -> float:
        return float(self.euros.sum())

    @property
    def cost_per_encounter(self) -> float | None:
        """Euros of the horizon per expected encounter (None when none are expected)."""
        return self.total_eur / self.expected_encounters if self.expected_encounters > 0 else None

    def to_dict(self) -> dict:
        """`{split, euros, expected_encounters, low, high, cost_per_encounter}`, JSON-ready."""
        return {
            "split": {c: round(float(self.split[c]), 6) for c in _CATS},
            "euros": {c: round(float(self.euros[c]), 2) for c in _CATS},
            "expected_encounters": round(float(self.expected_encounters), 2),
            "low": _r(self.low),
            "high": _r(self.high),
            "cost_per_encounter": _r(self.cost_per_encounter, 4),
        }


def _r(x, digits: int = 2):
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


class PlanSummary:
    """The plan in a few lines: prints as text, renders as HTML in a notebook."""

    def __init__(self, title: str, sections: list[tuple[str, list[str]]]):
        self.title = title
        self.sections = sections

    def __str__(self) -> str:
        out = [self.title, "=" * len(self.title)]
        for head, lines in self.sections:
            out.append("")
            out.append(head)
            out.extend(f"  {line}" for line in lines)
        return "\n".join(out)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(self.title)}</h4>"]
        for head, lines in self.sections:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
            parts.append(f"<p><b>{html.escape(head)}</b></p><ul>{items}</ul>")
        return "<div class='planner-summary'>" + "".join(parts) + "</div>"


@dataclass(frozen=True, eq=False)
class PlanResults:
    """The budget plan: recommended split, scenarios, frontier and the bounds behind them.

    Attributes
    ----------
    total_budget : float
        Euros over the horizon.
    horizon_weeks : int
    interval : float
        Width of the intervals (the response's, 0.8 by default).
    current, reference : Allocation
        The last horizon's actual mix and the reference split, at `total_budget`.
    candidate : Allocation
        The best split under the bounds, by the model's expected encounters.
    action : str
        ``move``, ``keep`` or ``test``, decided here once (see `decide`): ``move`` only when the
        model is not weak and the candidate beats the current split with probability at least
        ``spec.min_probability``; ``test`` when the model is weak; otherwise ``keep``.
    action_reason : dict
        ``{code, text, context}``: why this action.
    min_probability, min_gain : float
        The thresholds of the decision (``plan.min_probability`` and ``plan.min_gain``).
    recommended : Allocation
        What to spend: the candidate when the action is ``move``, else the current split.
    unbounded : Allocation or None
        The optimum with only "no negative spend" as bound; None when it does not differ from the
        candidate by more than `UNBOUNDED_TOLERANCE` in any share (see `unbounded_differs`).
    user_scenarios : dict of Allocation
        The further splits of ``plan.scenarios``.
    gain_vs_current : dict
        The candidate's gain over the current split: ``encounters``, ``low``, ``high``,
        ``probability_better`` (paired posterior draws).
    bounds : dict
        The bounds as applied (defaults included) and the share range they give each category.
    binding : list of dict
        The bounds the best split (`candidate`) sits on, ``{category, side, share}`` with side
        ``"min"`` or ``"max"``; ``bounds[category]["min_set_by"]`` names the params keys behind it.
    frontier : pandas.DataFrame
        One row per budget level: best expected encounters, interval, split, marginal cost.
    week_index : pandas.DatetimeIndex
        The horizon's weeks (Mondays following the data).
    warnings : list of dict
        ``{code, text, context}`` for results.json.
    history_weekly : pandas.DataFrame
        Smallest and largest weekly spend per category in the data (to flag extrapolation).
    n_draws : int
        Posterior draws behind the intervals (0 or 1: no intervals).
    calls : int
        Calls of ``response.simulate`` made for the optimisation.
    timings : dict
        Seconds spent: ``optimisation`` (the recommended split, including the tabulation of the
        curves), ``unbounded``, ``scenarios``, ``frontier`` and ``total``.
    """

    total_budget: float
    horizon_weeks: int
    interval: float
    current: Allocation
    reference: Allocation
    recommended: Allocation
    candidate: Allocation
    action: str
    action_reason: dict
    min_probability: float
    min_gain: float
    unbounded: Allocation | None
    user_scenarios: dict
    gain_vs_current: dict
    bounds: dict
    binding: list
    frontier: pd.DataFrame
    week_index: pd.Index
    warnings: list
    history_weekly: pd.DataFrame
    n_draws: int
    calls: int
    timings: dict

    @property
    def unbounded_differs(self) -> bool:
        """Whether the optimum without bounds differs from the candidate (see `UNBOUNDED_TOLERANCE`)."""
        return self.unbounded is not None

    @property
    def moved_eur(self) -> float:
        """Euros the candidate moves between categories against the current split (the sum of the
        increases), whatever the action: with ``keep`` or ``test`` it is what a move would shift."""
        diff = self.candidate.euros - self.current.euros
        return float(diff[diff > 0].sum())

    @property
    def moved_from(self) -> list[str]:
        """Categories the candidate takes money from (more than `MOVED_SHARE` of the budget), the
        largest cut first."""
        diff = self.candidate.euros - self.current.euros
        out = diff[diff < -MOVED_SHARE * self.total_budget].sort_values(kind="stable")
        return [str(c) for c in out.index]

    @property
    def moved_to(self) -> list[str]:
        """Categories the candidate gives money to (more than `MOVED_SHARE` of the budget), the
        largest increase first."""
        diff = self.candidate.euros - self.current.euros
        out = diff[diff > MOVED_SHARE * self.total_budget].sort_values(ascending=False, kind="stable")
        return [str(c) for c in out.index]

    # -- tables --

    @property
    def scenarios(self) -> pd.DataFrame:
        """One row per scenario: shares, euros, expected encounters with interval, cost per encounter."""
        rows = {}
        for kind, alloc in self._allocations():
            row = {"kind": kind}
            row.update({f"{c}_share": float(alloc.split[c]) for c in _CATS})
            row.update({f"{c}_eur": float(alloc.euros[c]) for c in _CATS})
            row["total_eur"] = alloc.total_eur
            row["expected_encounters"] = alloc.expected_encounters
            row["low"] = np.nan if alloc.low is None else alloc.low
            row["high"] = np.nan if alloc.high is None else alloc.high
            row["cost_per_encounter"] = np.nan if alloc.cost_per_encounter is None else alloc.cost_per_encounter
            rows[alloc.name] = row
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "scenario"
        return frame

    def scenario_table(self) -> pd.DataFrame:
        """The scenarios rounded for reading: shares in %, whole euros and encounters."""
        t = self.scenarios
        out = pd.DataFrame(index=t.index)
        for c in _CATS:
            out[f"{c} %"] = (100 * t[f"{c}_share"]).round(1)
        for c in _CATS:
            out[f"{c} EUR"] = t[f"{c}_eur"].round().astype("Int64")
        for col, name in (("expected_encounters", "encounters"), ("low", "low"), ("high", "high")):
            out[name] = t[col].round().astype("Int64")
        out["EUR per encounter"] = t["cost_per_encounter"].round(2)
        return out

    def _allocations(self) -> list[tuple[str, Allocation]]:
        out = [("current", self.current), ("reference", self.reference), ("recommended", self.recommended)]
        if self.action != "move":
            out.append(("candidate", self.candidate))
        if self.unbounded is not None:
            out.append(("unbounded", self.unbounded))
        out.extend(("user", a) for a in self.user_scenarios.values())
        return out

    def weekly_plan(self) -> pd.DataFrame:
        """Recommended whole euros per category and week, indexed by ``week_start``: the candidate's
        euros when the action is ``move``, the current split's when it is ``keep`` or ``test``.

        Each category's horizon total is rounded to whole euros (the totals add up to the rounded
        budget) and spread as evenly as whole euros allow, so every column sums exactly.
        """
        return self._weekly(self.recommended)

    def candidate_weekly_plan(self) -> pd.DataFrame:
        """The candidate's whole euros per category and week, whatever the action (e.g. to plan a
        test of the best split found); shaped like `weekly_plan`."""
        return self._weekly(self.candidate)

    def _weekly(self, alloc: Allocation) -> pd.DataFrame:
        n = self.horizon_weeks
        totals = _round_preserving(alloc.euros.to_numpy(), round(self.total_budget))
        table = {}
        for cat, total in zip(_CATS, totals, strict=True):
            base, extra = divmod(int(total), n)
            table[cat] = np.array([base + (1 if t < extra else 0) for t in range(n)], dtype=np.int64)
        frame = pd.DataFrame(table, index=self.week_index)
        frame["total"] = frame[_CATS].sum(axis=1)
        return frame

    # -- text --

    def summary(self) -> PlanSummary:
        """The plan in plain words, with the bounds in view."""
        cur, rec = self.current, self.candidate
        first = self.week_index[0]
        start = first.strftime("%Y-%m-%d") if isinstance(first, pd.Timestamp) else str(first)
        title = f"Budget plan: {_eur(self.total_budget)} over {self.horizon_weeks} weeks from {start}"
        split_lines = [
            f"{c:<11} {_pct(cur.split[c]):>5} -> {_pct(rec.split[c]):>5}   "
            f"({_eur(cur.euros[c])} -> {_eur(rec.euros[c])})"
            for c in _CATS
        ]
        width = _pct(self.interval)

        def enc(a: Allocation) -> str:
            text = f"{_num(a.expected_encounters)}"
            if a.low is not None:
                text += f" ({width} interval {_num(a.low)} .. {_num(a.high)})"
            cpe = a.cost_per_encounter
            return text + (f", {cpe:,.2f} EUR per encounter" if cpe is not None else "")

        g = self.gain_vs_current
        rel = g["encounters"] / cur.expected_encounters if cur.expected_encounters > 0 else float("nan")
        gain = f"{_signed(g['encounters'])} encounters ({_signed(100 * rel, 1)} %)"
        if g["low"] is not None:
            gain += f", {width} interval {_signed(g['low'])} .. {_signed(g['high'])}"
            gain += f"; better than the current split in {_pct(g['probability_better'])} of the posterior draws"
        results = [f"{a.name}: {enc(a)}" for _, a in self._allocations()]
        results.append(f"gain of the best split over current: {gain}")
        if g["low"] is not None and g["low"] <= 0:
            results.append(
                "the interval of the gain includes zero: the data do not show the best split to be "
                "better than the current one"
            )
        elif g["low"] is None:
            results.append("no intervals: the response has no posterior draws")

        bound_lines = []
        for cat in _CATS:
            row = self.bounds[cat]
            if row["default"] and not self._global_limits():
                origin = "default bounds"
            else:
                lo_by = "lower set by " + ", ".join(row["min_set_by"]) if row["min_set_by"] else "no lower bound"
                hi_by = "upper set by " + ", ".join(row["max_set_by"]) if row["max_set_by"] else "no upper bound"
                origin = f"{lo_by}; {hi_by}"
                if row["defaulted"]:
                    origin += "; default " + " and ".join(row["defaulted"])
            bound_lines.append(f"{cat}: {_pct(row['min_share'])} .. {_pct(row['max_share'])} of the budget ({origin})")
        mc = self.bounds["max_change"]
        md = self.bounds["max_deviation_from_reference"]
        bound_lines.append(f"max_change: {'none' if mc is None else f'{mc:g} (relative to the current share)'}")
        bound_lines.append(f"max_deviation_from_reference: {'none' if md is None else f'{md:g} share points'}")
        names = [n for b in self.binding for n in self.bounds[b["category"]][f"{b['side']}_set_by"]]
        bound_lines.append("binding: " + (", ".join(names) if names else "none"))
        if self.unbounded is None:
            bound_lines.append("without any bounds the optimum is the same split")
        else:
            u = self.unbounded
            bound_lines.append(
                "without any bounds: "
                + ", ".join(f"{c} {_pct(u.split[c])}" for c in _CATS)
                + f" ({_num(u.expected_encounters)} encounters)"
            )
        action = {"move": "MOVE to the best split", "keep": "KEEP the current split", "test": "TEST before moving"}
        sections = [
            ("Decision", [f"{action[self.action]}: {self.action_reason['text']}"]),
            ("Best split within the bounds (current -> best)", split_lines),
            ("Expected spend-driven encounters in the horizon", results),
            ("Bounds applied (defaults included)", bound_lines),
        ]
        frontier = self.frontier.dropna(subset=["expected_encounters"])
        here = frontier.loc[np.isclose(frontier["budget"], self.total_budget), "marginal_cost_per_encounter"]
        if len(here) and pd.notna(here.iloc[0]):
            sections.append(
                (
                    "Budget frontier",
                    [
                        f"at this budget one more encounter costs about {here.iloc[0]:,.2f} EUR "
                        f"(from {len(frontier)} budget levels, "
                        f"{_eur(frontier['budget'].min())} .. {_eur(frontier['budget'].max())})"
                    ],
                )
            )
        if self.warnings:
            sections.append(("Take note", [w["text"] for w in self.warnings]))
        return PlanSummary(title, sections)

    def _global_limits(self) -> bool:
        return self.bounds["max_change"] is not None or self.bounds["max_deviation_from_reference"] is not None

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    # -- results.json --

    def to_dict(self) -> dict:
        """The ``allocation`` section of results.json (JSON-ready)."""
        frontier = []
        for _, row in self.frontier.iterrows():
            frontier.append(
                {
                    "budget": round(float(row["budget"]), 2),
                    "expected_encounters": _r(row["expected_encounters"]),
                    "low": _r(row["low"]),
                    "high": _r(row["high"]),
                    "split": None
                    if pd.isna(row["expected_encounters"])
                    else {c: round(float(row[c]), 6) for c in _CATS},
                    "marginal_cost_per_encounter": _r(row["marginal_cost_per_encounter"], 4),
                }
            )
        g = self.gain_vs_current
        return {
            "total_budget": round(float(self.total_budget), 2),
            "horizon_weeks": int(self.horizon_weeks),
            "interval": float(self.interval),
            "current": self.current.to_dict(),
            "reference": self.reference.to_dict(),
            "recommended": self.recommended.to_dict(),
            "candidate": self.candidate.to_dict(),
            "objective": "encounters",
            "action": self.action,
            "action_reason": self.action_reason,
            "min_probability": float(self.min_probability),
            "min_gain": float(self.min_gain),
            "moved_eur": round(float(self.moved_eur), 2),
            "moved_from": self.moved_from,
            "moved_to": self.moved_to,
            "gain_vs_current": {
                "encounters": round(float(g["encounters"]), 2),
                "low": _r(g["low"]),
                "high": _r(g["high"]),
                "probability_better": _r(g["probability_better"], 4),
            },
            "bounds": {
                c: {
                    "min": round(float(self.bounds[c]["min_share"]), 6),
                    "max": round(float(self.bounds[c]["max_share"]), 6),
                }
                for c in _CATS
            },
            "binding": [dict(b) for b in self.binding],
            "scenarios": [{"name": name, **a.to_dict()} for name, a in self.user_scenarios.items()],
            "unbounded": None if self.unbounded is None else self.unbounded.to_dict(),
            "unbounded_differs": self.unbounded_differs,
            "frontier": frontier,
        }


def _round_preserving(values: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers close to `values` that add up to `total` (largest remainders)."""
    floors = np.floor(values).astype(np.int64)
    short = int(total - floors.sum())
    order = np.argsort(-(values - floors), kind="stable")
    for j in range(abs(short)):
        floors[order[j % len(values)]] += 1 if short > 0 else -1
    return floors


# -- the plan ---------------------------------------------------------------------------------


def _future_weeks(history: pd.DataFrame, n: int) -> pd.Index:
    idx = history.index
    if isinstance(idx, pd.DatetimeIndex) and len(idx):
        return pd.DatetimeIndex(pd.date_range(idx[-1] + pd.Timedelta(weeks=1), periods=n, freq="7D"), name="week_start")
    return pd.RangeIndex(1, n + 1, name="week")


def _current(history: pd.DataFrame, weeks: int) -> tuple[pd.Series, float]:
    """The last horizon's split and its spend, scaled to a full horizon if the data are shorter."""
    last = history.iloc[-weeks:]
    eur = last.sum()
    total = float(eur.sum()) * weeks / len(last)
    if not total > 0:
        raise PlanError(
            f"no spend in the last {weeks} weeks of the data, so there is no current split; "
            "set plan.total_budget and check the spend columns"
        )
    return eur / float(eur.sum()), total


def _bounds_dict(spec: PlanSpec, box: _Box, budget: float) -> dict:
    """The bounds as applied: per category the share range the optimiser used, what sets each
    end, and the bound as given (defaults included); then the limits that apply to every category."""
    out: dict = {}
    lo, hi = box.lo, box.hi
    for i, cat in enumerate(_CATS):
        b = spec.bound(cat)
        out[cat] = {
            "min_share": round(float(lo[i]), 6),
            "max_share": round(float(hi[i]), 6),
            "min_eur": round(float(lo[i] * budget), 2),
            "max_eur": round(float(hi[i] * budget), 2),
            "min_set_by": sorted({li.name for li in box.active_lower(i)}) if lo[i] > 0 else [],
            "max_set_by": sorted({li.name for li in box.active_upper(i)}) if hi[i] < 1 else [],
            "default": cat not in spec.bounds,
            "defaulted": [k for k in ("min_share", "max_share") if spec.is_default(cat, k)],
            "given": {"min_share": b.min_share, "max_share": b.max_share, "min_eur": b.min_eur, "max_eur": b.max_eur},
        }
    out["max_change"] = spec.max_change
    out["max_change_relative_to"] = "current share"
    out["max_deviation_from_reference"] = spec.max_deviation_from_reference
    return out


def _binding(box: _Box, w: np.ndarray) -> list[dict]:
    """The bounds the split `w` sits on: ``{category, side ("min" or "max"), share}`` each."""
    out: list[dict] = []
    lo, hi = box.lo, box.hi
    for i, cat in enumerate(_CATS):
        if w[i] <= lo[i] + _TOL and lo[i] > 0:
            out.append({"category": cat, "side": "min", "share": round(float(lo[i]), 6)})
        if w[i] >= hi[i] - _TOL and hi[i] < 1:
            out.append({"category": cat, "side": "max", "share": round(float(hi[i]), 6)})
    return out


def _percentiles(draws: np.ndarray, interval: float) -> tuple[float | None, float | None]:
    if draws.size < 2:
        return None, None
    q = 100 * (1 - interval) / 2
    lo, hi = np.percentile(draws, [q, 100 - q])
    return float(lo), float(hi)


def plan_budget(response, spec: PlanSpec, history_spend: pd.DataFrame) -> PlanResults:
    """Recommend next horizon's split and compare it with the current and reference splits.

    Parameters
    ----------
    response : object
        Implements the response protocol: ``simulate(spend, draws=False)`` returning the
        spend-driven quality-weighted encounters per week and category from the carryover state at
        the end of the data; ``interval`` (optional) is the width of the intervals.
    spec : PlanSpec
        Horizon, budget, reference split, bounds, scenarios and frontier levels.
    history_spend : pandas.DataFrame
        Weekly spend per category of the data (``Dataset.spend``). The current split and the
        default budget are those of its last ``spec.horizon_weeks`` weeks.

    Returns
    -------
    PlanResults

    Raises
    ------
    PlanError
        When the bounds conflict (the message names them), when there is no budget, or when the
        response does not follow the protocol.

    Notes
    -----
    Every bound becomes a share range per category; the tightest end wins and is named in
    ``bounds[category]["min_set_by"]`` / ``["max_set_by"]``:

    - ``min_share`` / ``max_share`` and ``min_eur`` / ``max_eur`` (euros over the horizon) from
      ``spec.bound(category)``: the keys the user gives, and 5 % (min_share) / 90 % (max_share)
      on any side left open.
    - ``max_change``: within ``current_share * (1 -/+ max_change)`` (relative to the current
      *share*, so it also holds at another total budget and on the frontier).
    - ``max_deviation_from_reference``: within ``reference_share -/+ max_deviation`` (share points).

    Expected encounters are the horizon's spend-driven encounters starting from the carryover state
    at the end of the data, so they include what past spend still brings in the first weeks; the
    cost per encounter is therefore a little lower than the new spend alone would buy.

    Examples
    --------
    >>> from planner.synth import generate
    >>> from planner.params import PlanSpec
    >>> syn = generate(seed=0)
    >>> plan = plan_budget(syn.truth, PlanSpec(), syn.truth.spend)  # doctest: +SKIP
    >>> print(plan.summary())                                         # doctest: +SKIP
    """
    started = time.perf_counter()
    missing = [c for c in _CATS if c not in history_spend.columns]
    if missing:
        raise PlanError(f"history_spend lacks the spend of: {', '.join(missing)}")
    history = history_spend[_CATS].astype(float)
    if len(history) == 0:
        raise PlanError("history_spend has no rows")
    weeks = spec.horizon_weeks
    current_split, current_total = _current(history, weeks)
    budget = float(spec.total_budget) if spec.total_budget is not None else current_total
    interval = float(getattr(response, "interval", 0.8) or 0.8)

    box = _box(spec, budget, current_split)
    _check_feasible(box, budget)

    resp = _Response(response, _future_weeks(history, weeks))
    levels = np.linspace(spec.frontier.low, spec.frontier.high, spec.frontier.steps)
    top = max(1.0, float(levels.max())) * budget / weeks
    curves = _tabulate(resp, top) if resp.separable(top) else None

    cur_w = current_split.to_numpy()
    best = _solve(resp, curves, budget, box.lo, box.hi, [cur_w])
    timings = {"optimisation": time.perf_counter() - started}
    free = _solve(resp, curves, budget, np.zeros(3), np.ones(3), [cur_w, best.split])
    timings["unbounded"] = time.perf_counter() - started - timings["optimisation"]
    mark = time.perf_counter()

    def allocation(name: str, w: np.ndarray, at: float = budget) -> Allocation:
        w = np.asarray(w, dtype=float)
        point = float(resp.per_category(w * at / weeks).sum())
        draws = resp.draws(w * at / weeks)
        low, high = _percentiles(draws, interval)
        return Allocation(
            name=name,
            split=pd.Series(w, index=_CATS, name=name),
            euros=pd.Series(w * at, index=_CATS, name=name),
            expected_encounters=point,
            low=low,
            high=high,
            draws=draws,
        )

    current = allocation("current", cur_w)
    reference = allocation("reference", np.array([spec.reference_split[c] for c in _CATS]))
    candidate = allocation("candidate", best.split)
    unbounded = None
    if np.max(np.abs(free.split - best.split)) > UNBOUNDED_TOLERANCE and free.value > best.value:
        unbounded = allocation("unbounded", free.split)
    user = {name: allocation(name, np.array([split[c] for c in _CATS])) for name, split in spec.scenarios.items()}

    paired = candidate.draws.size == current.draws.size and current.draws.size >= 2
    if paired:
        diff = candidate.draws - current.draws
        g_low, g_high = _percentiles(diff, interval)
        prob = float(np.mean(diff > 0))
    else:
        g_low = g_high = prob = None
    gain = {
        "encounters": candidate.expected_encounters - current.expected_encounters,
        "low": g_low,
        "high": g_high,
        "probability_better": prob,
    }
    observed = getattr(response, "y", None)
    recent = (
        float(np.sum(observed.to_numpy()[-weeks:])) * weeks / min(weeks, len(observed))
        if observed is not None
        else None
    )
    action, reason = decide(
        getattr(response, "quality", None),
        gain,
        spec.min_probability,
        np.max(np.abs(best.split - cur_w)),
        min_gain=spec.min_gain,
        recent_encounters=recent,
    )
    chosen = candidate if action == "move" else current
    recommended = replace(chosen, name="recommended", split=chosen.split.rename("recommended"))
    recommended = replace(recommended, euros=chosen.euros.rename("recommended"))

    timings["scenarios"] = time.perf_counter() - mark
    mark = time.perf_counter()
    frontier = _frontier(resp, curves, spec, budget, current_split, levels, best, interval)
    timings["frontier"] = time.perf_counter() - mark
    warnings = _warnings(candidate, current, box, history, weeks)
    timings["total"] = time.perf_counter() - started

    return PlanResults(
        total_budget=budget,
        horizon_weeks=weeks,
        interval=interval,
        current=current,
        reference=reference,
        recommended=recommended,
        candidate=candidate,
        action=action,
        action_reason=reason,
        min_probability=float(spec.min_probability),
        min_gain=float(spec.min_gain),
        unbounded=unbounded,
        user_scenarios=user,
        gain_vs_current=gain,
        bounds=_bounds_dict(spec, box, budget),
        binding=_binding(box, best.split),
        frontier=frontier,
        week_index=resp.index,
        warnings=warnings,
        history_weekly=pd.DataFrame({"min": history.min(), "max": history.max()}),
        n_draws=int(recommended.draws.size),
        calls=resp.calls,
        timings={k: round(v, 4) for k, v in timings.items()},
    )


#: A candidate that moves less than this share of the budget in any category is the current split.
SAME_SPLIT = 0.005
#: Every reason `decide` can give, with the action it goes with.
REASON_CODES = {
    "clearly_better": "move",
    "no_uncertainty": "move",
    "weak_model": "test",
    "no_better_split": "keep",
    "small_gain": "keep",
    "not_clearly_better": "keep",
    "no_draws": "keep",
}


def decide(
    quality: str | None,
    gain: dict,
    min_probability: float,
    largest_shift: float,
    *,
    min_gain: float = 0.0,
    recent_encounters: float | None = None,
) -> tuple[str, dict]:
    """The plan's action and its reason, decided once for every reader of the plan.

    Parameters
    ----------
    quality : str or None
        The model's quality mark ("good", "fair", "weak"); None for a response that is not a
        fitted model (a known truth): without draws, it is taken at its word.
    gain : dict
        The candidate's gain over the current split (``encounters``, ``low``, ``high``,
        ``probability_better``).
    min_probability : float
        The probability of beating the current split that a move needs.
    largest_shift : float
        The largest change of any category's share between the candidate and the current split.
    min_gain : float
        The smallest expected gain worth a move, as a share of `recent_encounters`.
    recent_encounters : float, optional
        All encounters (baseline included) of the last horizon in the data; without it (a
        response that is not a fitted model) any gain counts.

    Returns
    -------
    (action, reason)
        ``action`` is ``move``, ``keep`` or ``test``; ``reason`` is ``{code, text, context}``.
    """
    prob = gain.get("probability_better")
    context = {
        "probability_better": None if prob is None else round(float(prob), 4),
        "min_probability": min_probability,
    }
    if quality == "weak":
        text = (
            "The model fits the data too poorly to plan on: keep the current split and test the direction "
            "it points to before moving money."
        )
        return "test", {"code": "weak_model", "text": text, "context": context}
    if largest_shift < SAME_SPLIT or gain["encounters"] <= 0:
        text = "No split within the bounds does better than the current one: keep it."
        return "keep", {"code": "no_better_split", "text": text, "context": context}
    if recent_encounters is not None and recent_encounters > 0 and gain["encounters"] < min_gain * recent_encounters:
        share = gain["encounters"] / recent_encounters
        context.update(gain_share=round(float(share), 5), min_gain=min_gain)
        text = (
            f"The best split found would add only {share:.1%} to the encounters of a horizon like the last "
            f"(a move needs {min_gain:.1%}): keep the current split."
        )
        return "keep", {"code": "small_gain", "text": text, "context": context}
    if prob is None and quality is None:
        text = "The response has no uncertainty (a known truth, not a fitted model): move to the best split."
        return "move", {"code": "no_uncertainty", "text": text, "context": context}
    if prob is None:
        text = (
            "The model has no posterior draws, so it cannot say how likely any other split is to do better: "
            "keep the current split (set model.draws above 0)."
        )
        return "keep", {"code": "no_draws", "text": text, "context": context}
    if prob < min_probability:
        text = (
            f"The best split found beats the current one in only {prob:.0%} of the posterior draws "
            f"(a move needs {min_probability:.0%}): keep the current split."
        )
        return "keep", {"code": "not_clearly_better", "text": text, "context": context}
    text = (
        f"The best split found beats the current one in {prob:.0%} of the posterior draws "
        f"(at least {min_probability:.0%} needed): move."
    )
    return "move", {"code": "clearly_better", "text": text, "context": context}


def _frontier(
    resp: _Response,
    curves: _Curves | None,
    spec: PlanSpec,
    budget: float,
    current_split: pd.Series,
    levels: np.ndarray,
    best: _Solution,
    interval: float,
) -> pd.DataFrame:
    """Best expected encounters at each budget level, with split and marginal cost."""
    rows = []
    previous: np.ndarray | None = None
    for m in levels:
        at = float(m * budget)
        row = {"budget_multiple": float(m), "budget": at}
        box = _box(spec, at, current_split)
        try:
            _check_feasible(box, at)
        except PlanError:
            rows.append({**row, "expected_encounters": np.nan, "low": np.nan, "high": np.nan, "feasible": False})
            continue
        if math.isclose(m, 1.0, abs_tol=1e-9):
            sol = best
        else:
            extra = [current_split.to_numpy(), best.split] + ([previous] if previous is not None else [])
            sol = _solve(resp, curves, at, box.lo, box.hi, extra)
        previous = sol.split
        low, high = _percentiles(resp.draws(sol.split * at / resp.weeks), interval)
        rows.append(
            {
                **row,
                "expected_encounters": sol.value,
                "low": np.nan if low is None else low,
                "high": np.nan if high is None else high,
                "feasible": True,
                **{c: float(sol.split[i]) for i, c in enumerate(_CATS)},
            }
        )
    frame = pd.DataFrame(rows)
    for c in _CATS:
        if c not in frame:
            frame[c] = np.nan
    frame["marginal_cost_per_encounter"] = _marginal_cost(
        frame["budget"].to_numpy(), frame["expected_encounters"].to_numpy()
    )
    cols = [
        "budget_multiple",
        "budget",
        "expected_encounters",
        "low",
        "high",
        *_CATS,
        "marginal_cost_per_encounter",
        "feasible",
    ]
    return frame[cols]


def _marginal_cost(budget: np.ndarray, encounters: np.ndarray) -> np.ndarray:
    """Euros per extra encounter: central differences of the frontier (one-sided at its ends)."""
    out = np.full(len(budget), np.nan)
    ok = np.flatnonzero(np.isfinite(encounters))
    for pos, j in enumerate(ok):
        left = ok[pos - 1] if pos > 0 else j
        right = ok[pos + 1] if pos + 1 < len(ok) else j
        if left == right:
            continue
        d_enc = encounters[right] - encounters[left]
        if d_enc > 0:
            out[j] = (budget[right] - budget[left]) / d_enc
    return out


def _warnings(recommended: Allocation, current: Allocation, box: _Box, history: pd.DataFrame, weeks: int) -> list:
    out = []
    top, bottom = history.max(), history.min()
    for i, cat in enumerate(_CATS):
        weekly = float(recommended.euros[cat]) / weeks
        if weekly > float(top[cat]) * 1.05:
            out.append(
                {
                    "code": "plan_beyond_history",
                    "text": f"The recommended {cat} spend of {_eur(weekly)} a week is above anything in the "
                    f"data (at most {_eur(float(top[cat]))} a week); the model extrapolates there, so "
                    "treat its encounters with caution or move in steps.",
                    "context": {"category": cat, "weekly_eur": round(weekly, 2), "max_weekly_eur": float(top[cat])},
                }
            )
        elif weekly < float(bottom[cat]) * 0.95:
            out.append(
                {
                    "code": "plan_below_history",
                    "text": f"The recommended {cat} spend of {_eur(weekly)} a week is below anything in the "
                    f"data (at least {_eur(float(bottom[cat]))} a week); the model extrapolates there.",
                    "context": {"category": cat, "weekly_eur": round(weekly, 2), "min_weekly_eur": float(bottom[cat])},
                }
            )
        share = float(current.split[cat])
        if share < box.lo[i] - _TOL or share > box.hi[i] + _TOL:
            out.append(
                {
                    "code": "plan_current_outside_bounds",
                    "text": f"The current {cat} share ({_pct(share)}) lies outside the bounds applied to the "
                    f"plan ({_pct(box.lo[i])} .. {_pct(box.hi[i])}).",
                    "context": {
                        "category": cat,
                        "share": round(share, 6),
                        "min_share": round(float(box.lo[i]), 6),
                        "max_share": round(float(box.hi[i]), 6),
                    },
                }
            )
    return out
