"""`plan_budget`: the plan for the next horizon from a response, the params' plan section and the
spend history (the current split is the last horizon's).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd

from planner import i18n
from planner.params import PlanSpec
from planner.plan._common import CATS, TOL, PlanError, percentiles
from planner.plan.bounds import Box, binding_bounds, bounds_table, check_feasible, make_box
from planner.plan.decision import UNBOUNDED_TOLERANCE, decide
from planner.plan.frontier import frontier_table
from planner.plan.response import Response, tabulate
from planner.plan.results import Allocation, PlanResults
from planner.plan.search import solve


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
    missing = [c for c in CATS if c not in history_spend.columns]
    if missing:
        raise PlanError(f"history_spend lacks the spend of: {', '.join(missing)}")
    history = history_spend[CATS].astype(float)
    if len(history) == 0:
        raise PlanError("history_spend has no rows")
    weeks = spec.horizon_weeks
    current_split, current_total = _current(history, weeks)
    budget = float(spec.total_budget) if spec.total_budget is not None else current_total
    interval = float(getattr(response, "interval", 0.8) or 0.8)

    box = make_box(spec, budget, current_split)
    check_feasible(box, budget)

    resp = Response(response, _future_weeks(history, weeks))
    levels = np.linspace(spec.frontier.low, spec.frontier.high, spec.frontier.steps)
    top = max(1.0, float(levels.max())) * budget / weeks
    curves = tabulate(resp, top) if resp.separable(top) else None

    cur_w = current_split.to_numpy()
    best = solve(resp, curves, budget, box.lo, box.hi, [cur_w])
    timings = {"optimisation": time.perf_counter() - started}
    free = solve(resp, curves, budget, np.zeros(3), np.ones(3), [cur_w, best.split])
    timings["unbounded"] = time.perf_counter() - started - timings["optimisation"]
    mark = time.perf_counter()

    def allocation(name: str, w: np.ndarray, at: float = budget) -> Allocation:
        w = np.asarray(w, dtype=float)
        point = float(resp.per_category(w * at / weeks).sum())
        draws = resp.draws(w * at / weeks)
        low, high = percentiles(draws, interval)
        return Allocation(
            name=name,
            split=pd.Series(w, index=CATS, name=name),
            euros=pd.Series(w * at, index=CATS, name=name),
            expected_encounters=point,
            low=low,
            high=high,
            draws=draws,
        )

    current = allocation("current", cur_w)
    reference = allocation("reference", np.array([spec.reference_split[c] for c in CATS]))
    candidate = allocation("candidate", best.split)
    unbounded = None
    if np.max(np.abs(free.split - best.split)) > UNBOUNDED_TOLERANCE and free.value > best.value:
        unbounded = allocation("unbounded", free.split)
    user = {name: allocation(name, np.array([split[c] for c in CATS])) for name, split in spec.scenarios.items()}

    paired = candidate.draws.size == current.draws.size and current.draws.size >= 2
    if paired:
        diff = candidate.draws - current.draws
        g_low, g_high = percentiles(diff, interval)
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
    frontier = frontier_table(resp, curves, spec, budget, current_split, levels, best, interval)
    timings["frontier"] = time.perf_counter() - mark
    warnings = _warnings(candidate, current, box, history, weeks, action)
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
        bounds=bounds_table(spec, box, budget),
        binding=binding_bounds(box, best.split),
        frontier=frontier,
        week_index=resp.index,
        warnings=warnings,
        history_weekly=pd.DataFrame({"min": history.min(), "max": history.max()}),
        n_draws=int(recommended.draws.size),
        calls=resp.calls,
        timings={k: round(v, 4) for k, v in timings.items()},
    )


def _warnings(
    candidate: Allocation, current: Allocation, box: Box, history: pd.DataFrame, weeks: int, action: str
) -> list:
    """Where the candidate leaves the spend seen in the data, and a current split outside the bounds.

    The sentences come from the catalogue (`planner.i18n`); ``split`` says whether the candidate is
    the recommendation (``move``) or only the best split found (keep, test).
    """
    out = []
    split = "recommended" if action == "move" else "best_found"
    top, bottom = history.max(), history.min()
    for i, cat in enumerate(CATS):
        weekly = float(candidate.euros[cat]) / weeks
        if weekly > float(top[cat]) * 1.05:
            out.append(
                i18n.warning(
                    "plan_beyond_history",
                    category=cat,
                    weekly_eur=round(weekly, 2),
                    max_weekly_eur=float(top[cat]),
                    split=split,
                )
            )
        elif weekly < float(bottom[cat]) * 0.95:
            out.append(
                i18n.warning(
                    "plan_below_history",
                    category=cat,
                    weekly_eur=round(weekly, 2),
                    min_weekly_eur=float(bottom[cat]),
                    split=split,
                )
            )
        share = float(current.split[cat])
        if share < box.lo[i] - TOL or share > box.hi[i] + TOL:
            out.append(
                i18n.warning(
                    "plan_current_outside_bounds",
                    category=cat,
                    share=round(share, 6),
                    min_share=round(float(box.lo[i]), 6),
                    max_share=round(float(box.hi[i]), 6),
                )
            )
    return out
