"""The bounds of a plan as a share range per category: built from the params, checked for
conflicts (the error names them), reported as applied and as binding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.plan._common import CATS, TOL, PlanError, en_eur, en_pct
from planner.reading.params import PlanSpec


@dataclass(frozen=True)
class Limit:
    """One lower or upper share limit of a category and where it comes from."""

    share: float
    name: str  # as listed under `binding`, e.g. "technology.min_share"
    note: str  # the limit in the user's terms, e.g. "0.6" or "100 000 EUR"


@dataclass(frozen=True)
class Box:
    lower: tuple[tuple[Limit, ...], ...]  # per category
    upper: tuple[tuple[Limit, ...], ...]

    @property
    def lo(self) -> np.ndarray:
        return np.array([max([0.0] + [li.share for li in ls]) for ls in self.lower])

    @property
    def hi(self) -> np.ndarray:
        return np.array([min([1.0] + [li.share for li in ls]) for ls in self.upper])

    def active_lower(self, i: int) -> list[Limit]:
        lo = self.lo[i]
        return [li for li in self.lower[i] if abs(li.share - lo) <= TOL]

    def active_upper(self, i: int) -> list[Limit]:
        hi = self.hi[i]
        return [li for li in self.upper[i] if abs(li.share - hi) <= TOL]


def make_box(
    spec: PlanSpec, budget: float, current: pd.Series, unbounded: bool = False, held: dict[str, float] | None = None
) -> Box:
    """Every share limit per category, named after the params key that sets it.

    `held` maps a category the data cannot show (not identified) to the share it keeps (its current
    share): its range is exactly that share (``<category>.held``), whatever else the params say, so
    that no split moves money into or out of it on the strength of the model; at the current budget
    that is its current amount. `unbounded` drops every other limit.
    """
    held = held or {}

    def hold(cat: str) -> Limit:
        share = float(held[cat])
        return Limit(share, f"{cat}.held", f"{en_pct(share)}, the current share (not identified)")

    if unbounded:
        keep = [(hold(c),) if c in held else () for c in CATS]
        return Box(tuple(keep), tuple(keep))
    lower, upper = [], []
    for cat in CATS:
        if cat in held:
            lower.append((hold(cat),))
            upper.append((hold(cat),))
            continue
        lo: list[Limit] = []
        hi: list[Limit] = []
        b = spec.bound(cat)

        def tag(key: str, cat=cat) -> str:
            return " (default)" if spec.is_default(cat, key) else ""

        lo.append(Limit(b.min_share, f"{cat}.min_share", f"{b.min_share:g}{tag('min_share')}"))
        hi.append(Limit(b.max_share, f"{cat}.max_share", f"{b.max_share:g}{tag('max_share')}"))
        if b.min_eur is not None:
            lo.append(
                Limit(b.min_eur / budget, f"{cat}.min_eur", f"{en_eur(b.min_eur)} = {en_pct(b.min_eur / budget)}")
            )
        if b.max_eur is not None:
            hi.append(
                Limit(b.max_eur / budget, f"{cat}.max_eur", f"{en_eur(b.max_eur)} = {en_pct(b.max_eur / budget)}")
            )
        if spec.max_change is not None:
            cur = float(current[cat])
            note = f"{spec.max_change:g} around the current {en_pct(cur)}"
            lo.append(Limit(max(0.0, cur * (1 - spec.max_change)), f"{cat}.max_change (lower)", note))
            hi.append(Limit(min(1.0, cur * (1 + spec.max_change)), f"{cat}.max_change (upper)", note))
        if spec.max_deviation_from_reference is not None:
            ref = float(spec.reference_split[cat])
            d = spec.max_deviation_from_reference
            note = f"{d:g} around the reference {en_pct(ref)}"
            lo.append(Limit(max(0.0, ref - d), f"{cat}.max_deviation_from_reference (lower)", note))
            hi.append(Limit(min(1.0, ref + d), f"{cat}.max_deviation_from_reference (upper)", note))
        lower.append(tuple(lo))
        upper.append(tuple(hi))
    return Box(tuple(lower), tuple(upper))


def describe_limits(limits: list[Limit]) -> str:
    return " + ".join(f"{li.name} {li.note}" for li in limits)


def check_feasible(box: Box, budget: float) -> None:
    """Raise a PlanError naming the bounds that cannot all hold."""
    lo, hi = box.lo, box.hi
    problems = []
    for i, cat in enumerate(CATS):
        if lo[i] > hi[i] + 1e-9:
            problems.append(
                f"{cat}: the lower bound {en_pct(lo[i])} ({describe_limits(box.active_lower(i))}) is above "
                f"the upper bound {en_pct(hi[i])} ({describe_limits(box.active_upper(i))})"
            )
    if not problems and lo.sum() > 1 + 1e-9:
        parts = [box.active_lower(i) for i in range(len(CATS))]
        named = describe_limits([li for p in parts for li in p])
        problems.append(
            f"min shares add up to {en_pct(lo.sum())} of the {en_eur(budget)} budget: {named}; "
            "lower one of them so that they add up to 100 % or less"
        )
    if not problems and hi.sum() < 1 - 1e-9:
        parts = [box.active_upper(i) for i in range(len(CATS))]
        named = describe_limits([li for p in parts for li in p])
        problems.append(
            f"max shares add up to only {en_pct(hi.sum())} of the {en_eur(budget)} budget: {named}; "
            "raise one of them so that they add up to 100 % or more"
        )
    if problems:
        raise PlanError("the plan's bounds conflict: " + "; ".join(problems))


def project(w: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
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


def bounds_table(spec: PlanSpec, box: Box, budget: float) -> dict:
    """The bounds as applied: per category the share range the optimiser used, what sets each
    end, and the bound as given (defaults included); then the limits that apply to every category."""
    out: dict = {}
    lo, hi = box.lo, box.hi
    for i, cat in enumerate(CATS):
        b = spec.bound(cat)
        out[cat] = {
            "min_share": round(float(lo[i]), 6),
            "max_share": round(float(hi[i]), 6),
            "min_eur": round(float(lo[i] * budget), 2),
            "max_eur": round(float(hi[i] * budget), 2),
            "min_set_by": sorted({li.name for li in box.active_lower(i)}) if lo[i] > 0 else [],
            "max_set_by": sorted({li.name for li in box.active_upper(i)}) if hi[i] < 1 else [],
            "held": any(li.name.endswith(".held") for li in box.lower[i]),
            "default": cat not in spec.bounds,
            "defaulted": [k for k in ("min_share", "max_share") if spec.is_default(cat, k)],
            "given": {"min_share": b.min_share, "max_share": b.max_share, "min_eur": b.min_eur, "max_eur": b.max_eur},
        }
    out["max_change"] = spec.max_change
    out["max_change_relative_to"] = "current share"
    out["max_deviation_from_reference"] = spec.max_deviation_from_reference
    return out


def binding_bounds(box: Box, w: np.ndarray) -> list[dict]:
    """The bounds the split `w` sits on: ``{category, side ("min" or "max"), share}`` each."""
    out: list[dict] = []
    lo, hi = box.lo, box.hi
    for i, cat in enumerate(CATS):
        if any(li.name.endswith(".held") for li in box.lower[i]):
            continue  # held at its amount: not a bound that shapes the split
        if w[i] <= lo[i] + TOL and lo[i] > 0:
            out.append({"category": cat, "side": "min", "share": round(float(lo[i]), 6)})
        if w[i] >= hi[i] - TOL and hi[i] < 1:
            out.append({"category": cat, "side": "max", "share": round(float(hi[i]), 6)})
    return out
