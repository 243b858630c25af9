"""The budget frontier: the best expected encounters at each budget level within the bounds,
with the split and the marginal cost per encounter; for a value objective also the objective at
each level (``value``, ``value_low``, ``value_high``) and its change per extra euro
(``marginal_value``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.plan._common import CATS, PlanError, percentiles
from planner.plan.bounds import check_feasible, make_box
from planner.plan.response import Curves, Response
from planner.plan.search import Solution, solve
from planner.plan.value import Objective, marginal
from planner.reading.params import PlanSpec

VALUE_COLUMNS = ["value", "value_low", "value_high", "marginal_value"]


def frontier_levels(
    resp: Response,
    curves: Curves | None,
    spec: PlanSpec,
    budget: float,
    current_split: pd.Series,
    levels: np.ndarray,
    best: Solution,
    interval: float,
    objective: Objective | None = None,
    held: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The frontier table and, for a value objective, the objective's paired draws per level
    (levels, draws; NaN rows where a level is infeasible)."""
    rows = []
    value_draws: list[np.ndarray | None] = []
    previous: np.ndarray | None = None
    linear = objective.linear(resp.weeks) if objective is not None and objective.is_value else None
    for m in levels:
        at = float(m * budget)
        row = {"budget_multiple": float(m), "budget": at}
        box = make_box(spec, at, current_split, held=held)
        try:
            check_feasible(box, at)
        except PlanError:
            rows.append({**row, "expected_encounters": np.nan, "low": np.nan, "high": np.nan, "feasible": False})
            value_draws.append(None)
            continue
        if math.isclose(m, 1.0, abs_tol=1e-9):
            sol = best
        else:
            extra = [current_split.to_numpy(), best.split] + ([previous] if previous is not None else [])
            sol = solve(resp, curves, at, box.lo, box.hi, extra, linear=linear)
        previous = sol.split
        enc_draws = resp.draws(sol.split * at / resp.weeks)
        low, high = percentiles(enc_draws, interval)
        extra = {}
        if objective is not None and objective.is_value:
            weekly = sol.split * at / resp.weeks
            draws = objective.draws(enc_draws, sol.value, at, weekly, resp.weeks)
            v_low, v_high = percentiles(draws, interval)
            extra = {
                "value": objective.point(sol.value, at, weekly, resp.weeks),
                "value_low": np.nan if v_low is None else v_low,
                "value_high": np.nan if v_high is None else v_high,
            }
            value_draws.append(draws)
        rows.append(
            {
                **row,
                "expected_encounters": sol.value,
                "low": np.nan if low is None else low,
                "high": np.nan if high is None else high,
                "feasible": True,
                **{c: float(sol.split[i]) for i, c in enumerate(CATS)},
                **extra,
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
    if objective is None or not objective.is_value:
        return frame[cols], None
    if "value" not in frame:
        frame["value"] = frame["value_low"] = frame["value_high"] = np.nan
    frame["marginal_value"] = marginal(frame["budget"].to_numpy(), frame["value"].to_numpy())
    width = max((d.size for d in value_draws if d is not None), default=0)
    stacked = np.array([np.full(width, np.nan) if d is None else d for d in value_draws]).reshape(len(frame), width)
    return frame[cols + VALUE_COLUMNS], stacked


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
