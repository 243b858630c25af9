"""The regional plan: the national plan's euros per category split across the regions.

With ``plan.by_region: true`` and the pooled model over regions (`planner.inference.model.regions`), the
budget is split by category and region. The national plan (`plan_budget`) decides each category's
euros as before, inside the national bounds; this module splits them across the regions so that
the regions together bring the most encounters, where

- each category's regional euros add up to the national plan's (the national bounds hold);
- each region keeps its share of the budget (its share of all spend over the last horizon: a
  region's budget is seldom the marketing plan's to move);
- each region's split keeps within the same share bounds as the national split (its category's
  ``min_share`` .. ``max_share`` and the other limits of `planner.plan.bounds.make_box`); where
  both cannot hold at once the region bounds are dropped and ``bounds_relaxed`` says so;
- a category the data cannot show (held nationally) keeps each region's current part of it.

A region's response to a steady weekly spend ``x`` of a category is its pooled effect times the
shared curve at its national-equivalent spend, ``w_r * b[r, c] * hill(x / w_r)`` (posterior mean
over the draws, steady state: the carryover at the start of the horizon is left out of the split).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from planner import CATEGORIES

__all__ = ["MAX_DRAWS", "RegionalPlan", "regional_plan"]

#: Posterior draws averaged in the objective (evenly spaced over the model's draws).
MAX_DRAWS = 200


@dataclass(frozen=True)
class RegionalPlan:
    """The split by category and region.

    Attributes
    ----------
    table : DataFrame
        One row per (region, category): ``current`` and ``recommended`` euros over the horizon and
        the ``expected_encounters`` of each (posterior mean, steady state).
    bounds_relaxed : bool
        The region bounds could not hold together with the national plan's category totals.
    horizon_weeks : int
    week_index : Index
        The horizon's weeks.
    """

    table: pd.DataFrame
    bounds_relaxed: bool
    horizon_weeks: int
    week_index: pd.Index

    def weekly_plan(self) -> pd.DataFrame:
        """Recommended whole euros per week, region and category (plan.csv with a region column):
        indexed by ``week_start``, columns ``region``, the categories and ``total``; each region's and
        category's horizon total spread as evenly as whole euros allow."""
        n = self.horizon_weeks
        rows = []
        wide = self.table.pivot(index="region", columns="category", values="recommended")
        regions = list(dict.fromkeys(self.table["region"]))
        for region in regions:
            cols = {}
            for cat in CATEGORIES:
                total = int(round(float(wide.loc[region, cat])))
                base, extra = divmod(total, n)
                cols[cat] = np.array([base + (1 if t < extra else 0) for t in range(n)], dtype=np.int64)
            frame = pd.DataFrame(cols, index=self.week_index)
            frame.insert(0, "region", region)
            frame["total"] = frame[list(CATEGORIES)].sum(axis=1)
            rows.append(frame)
        out = pd.concat(rows).sort_index(kind="stable")
        out.index.name = "week_start"
        return out

    def to_dict(self) -> dict:
        """The ``allocation_by_region`` section of results.json."""
        regions = list(dict.fromkeys(self.table["region"]))
        out = []
        for region in regions:
            part = self.table[self.table["region"] == region].set_index("category")
            out.append(
                {
                    "region": region,
                    "current": {c: float(part.loc[c, "current"]) for c in CATEGORIES},
                    "recommended": {c: float(part.loc[c, "recommended"]) for c in CATEGORIES},
                    "expected_encounters": float(part["expected_recommended"].sum()),
                    "expected_encounters_current": float(part["expected_current"].sum()),
                }
            )
        return {"regions": out, "bounds_relaxed": self.bounds_relaxed}


def _response(model, picks):
    """Per draw: b (d, R, 3) regional effects, k (d, 3), s (d, 3) in CATEGORIES order."""
    eff = model.region_effect_draws()[picks]  # (d, R, 3)
    theta = model.theta_draws()[picks]  # (d, 3, 3): decay, half-saturation (EUR/week), shape
    k = np.nan_to_num(theta[:, :, 1], nan=1.0)
    s = np.nan_to_num(theta[:, :, 2], nan=1.0)
    return eff, k, s


def regional_plan(model, plan, region_spend: pd.DataFrame, box_lo, box_hi) -> RegionalPlan:
    """Split the national plan's euros per category across the regions.

    Parameters
    ----------
    model : planner.inference.model.regions.PooledResults
    plan : planner.plan.PlanResults
        The national plan; its recommended euros per category are split.
    region_spend : DataFrame
        Euros per (week_start, region) and category (``Dataset.region_spend``).
    box_lo, box_hi : array_like
        The national share bounds per category (`planner.plan.bounds.Box` ``lo`` and ``hi``), applied
        to each region's split as well.

    Returns
    -------
    RegionalPlan
    """
    names = list(model.region_names)
    R, H = len(names), int(plan.horizon_weeks)
    wide = {c: region_spend[c].unstack("region")[names] for c in CATEGORIES}
    last = np.column_stack([wide[c].iloc[-H:].sum().to_numpy() for c in CATEGORIES])  # (R, 3)
    budget = float(plan.total_budget)
    E = np.array([float(plan.recommended.euros[c]) for c in CATEGORIES])
    B = budget * last.sum(axis=1) / max(last.sum(), 1e-300)  # each region keeps its share
    cat_share = np.divide(last, last.sum(axis=0, keepdims=True), out=np.full_like(last, 1.0 / R), where=last.sum(0) > 0)
    current = last * budget / max(last.sum(), 1e-300)  # the last horizon's split at this budget
    start = cat_share * E[None, :]
    held = [not bool(model.identified[c]) for c in CATEGORIES]
    w = model.region_size[names].to_numpy(dtype=float)
    nd = model.region_effect_draws().shape[0]
    picks = np.linspace(0, nd - 1, min(nd, MAX_DRAWS)).round().astype(int)
    eff, k, s = _response(model, picks)

    def value_grad(e_flat):
        e = np.maximum(e_flat.reshape(R, 3), 0.0)
        z = e[None, :, :] / (H * w[None, :, None]) + 1e-12  # national-equivalent weekly spend
        h = 1.0 / (1.0 + (k[:, None, :] / z) ** s[:, None, :])
        val = (w[None, :, None] * eff * h).sum(axis=(1, 2)).mean() * H
        dh = s[:, None, :] / z * h * (1 - h)
        grad = (eff * dh).mean(axis=0)  # d/de of H * w * b * h(e / (H w))
        return -val, -grad.ravel()

    def expected(e):
        return -value_grad(e.ravel())[0]

    eq = [
        {
            "type": "eq",
            "fun": lambda v, j=j: v.reshape(R, 3)[:, j].sum() - E[j],
            "jac": lambda v, j=j: np.eye(3)[j][None, :].repeat(R, 0).ravel(),
        }
        for j in range(3)
    ]
    eq += [
        {
            "type": "eq",
            "fun": lambda v, r=r: v.reshape(R, 3)[r].sum() - B[r],
            "jac": lambda v, r=r: np.eye(R)[r][:, None].repeat(3, 1).ravel(),
        }
        for r in range(R - 1)
    ]
    lo, hi = np.asarray(box_lo, dtype=float), np.asarray(box_hi, dtype=float)

    def solve(region_bounds: bool):
        bounds = []
        for r in range(R):
            for j in range(3):
                if held[j]:
                    bounds.append((start[r, j], start[r, j]))
                elif region_bounds:
                    bounds.append((lo[j] * B[r], hi[j] * B[r]))
                else:
                    bounds.append((0.0, None))
        x0 = np.clip(start.ravel(), [b[0] for b in bounds], [b[1] if b[1] is not None else np.inf for b in bounds])
        res = minimize(
            value_grad,
            x0,
            jac=True,
            method="SLSQP",
            bounds=bounds,
            constraints=eq,
            options={"maxiter": 300, "ftol": 1e-10},
        )
        e = res.x.reshape(R, 3)
        ok = (
            res.success
            and np.allclose(e.sum(axis=0), E, rtol=1e-4, atol=1.0)
            and np.allclose(e.sum(axis=1), B, rtol=1e-4, atol=1.0)
        )
        return e, ok

    e, ok = solve(True)
    relaxed = False
    if not ok:
        e, ok = solve(False)
        relaxed = True
    if not ok or expected(e) < expected(start):
        e = start  # the national plan's split in each region as it is now: never worse than that
    rows = []
    for r, name in enumerate(names):
        for j, cat in enumerate(CATEGORIES):
            one = np.zeros((R, 3))
            one[r, j] = 1.0
            rows.append(
                {
                    "region": name,
                    "category": cat,
                    "current": float(current[r, j]),
                    "recommended": float(max(e[r, j], 0.0)),
                    "expected_current": expected(current * one),
                    "expected_recommended": expected(np.maximum(e, 0.0) * one),
                }
            )
    return RegionalPlan(table=pd.DataFrame(rows), bounds_relaxed=relaxed, horizon_weeks=H, week_index=plan.week_index)
