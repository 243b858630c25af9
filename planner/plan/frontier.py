"""The budget frontier: the best expected encounters at each budget level within the bounds,
with the split and the marginal cost per encounter.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.params import PlanSpec
from planner.plan._common import CATS, PlanError, percentiles
from planner.plan.bounds import check_feasible, make_box
from planner.plan.response import Curves, Response
from planner.plan.search import Solution, solve


def frontier_table(
    resp: Response,
    curves: Curves | None,
    spec: PlanSpec,
    budget: float,
    current_split: pd.Series,
    levels: np.ndarray,
    best: Solution,
    interval: float,
) -> pd.DataFrame:
    """Best expected encounters at each budget level, with split and marginal cost."""
    rows = []
    previous: np.ndarray | None = None
    for m in levels:
        at = float(m * budget)
        row = {"budget_multiple": float(m), "budget": at}
        box = make_box(spec, at, current_split)
        try:
            check_feasible(box, at)
        except PlanError:
            rows.append({**row, "expected_encounters": np.nan, "low": np.nan, "high": np.nan, "feasible": False})
            continue
        if math.isclose(m, 1.0, abs_tol=1e-9):
            sol = best
        else:
            extra = [current_split.to_numpy(), best.split] + ([previous] if previous is not None else [])
            sol = solve(resp, curves, at, box.lo, box.hi, extra)
        previous = sol.split
        low, high = percentiles(resp.draws(sol.split * at / resp.weeks), interval)
        rows.append(
            {
                **row,
                "expected_encounters": sol.value,
                "low": np.nan if low is None else low,
                "high": np.nan if high is None else high,
                "feasible": True,
                **{c: float(sol.split[i]) for i, c in enumerate(CATS)},
            }
        )
    frame = pd.DataFrame(rows)
    for c in CATS:
        if c not in frame:
            frame[c] = np.nan
    frame["marginal_cost_per_encounter"] = marginal_cost(
        frame["budget"].to_numpy(), frame["expected_encounters"].to_numpy()
    )
    cols = [
        "budget_multiple",
        "budget",
        "expected_encounters",
        "low",
        "high",
        *CATS,
        "marginal_cost_per_encounter",
        "feasible",
    ]
    return frame[cols]


def marginal_cost(budget: np.ndarray, encounters: np.ndarray) -> np.ndarray:
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
