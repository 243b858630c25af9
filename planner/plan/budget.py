"""`plan_budget`: the plan for the next horizon from a response, the params' plan section and the
spend history (the current split is the last horizon's).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from planner.plan._common import CATS, TOL, PlanError, percentiles
from planner.plan.bounds import Box, binding_bounds, bounds_table, check_feasible, make_box
from planner.plan.decision import MOVED_SHARE, UNBOUNDED_TOLERANCE, decide
from planner.plan.frontier import frontier_levels, marginal_cost
from planner.plan.response import Curves, Response, checked, tabulate
from planner.plan.results import Allocation, PlanResults
from planner.plan.search import Solution, solve
from planner.plan.value import (
    LEVEL_EXTRA_STEPS,
    LEVEL_RANGE,
    Experience,
    Guard,
    Objective,
    Value,
    budget_level,
    experience_estimate,
    marginal,
    objective_of,
)
from planner.presentation import i18n
from planner.reading.params import PlanSpec


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


def plan_budget(
    response,
    spec: PlanSpec,
    history_spend: pd.DataFrame,
    *,
    value: Value | None = None,
    experience: Experience | None = None,
) -> PlanResults:
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
    value : Value, optional
        What a quality-weighted encounter is worth (draws of deals or revenue per encounter, and
        the gross margin for profit), from the funnel analysis. Needed by ``plan.objective`` deals,
        revenue and profit; without it (objective encounters) the plan is in encounters only.
    experience : Experience, optional
        Draws of the experience score's change per EUR 1,000 a week of carryover per category, from
        the funnel analysis. Each scenario then carries its expected steady-state score change
        against the current split, and ``plan.experience_guard`` makes "no expected fall" a
        constraint of the optimiser.

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

    Objectives (``spec.objective``). For deals, revenue and profit (= margin * revenue - budget) the
    scenarios, the gain over the current split, its probability and the frontier are in the
    objective's unit, each posterior encounter draw paired with a value draw, so their intervals
    carry the uncertainty of both. The value per encounter does not depend on the split; with it
    alone the best split at a fixed budget is the one with the most expected encounters, and the
    objective changes the unit, the gain and its interval, not the split (unless the experience
    guard binds). A `Value` with ``warming`` (content's carryover raising the close rate of every
    lead; `planner.plan.value.Warming`) adds a term linear in content's weekly euros, and the search
    then maximises the objective itself, so content's warming of the leads can move the split.
    ``min_gain`` then compares like with like: the gain in the objective's unit as a share of the
    last horizon's encounters valued the same way (for profit its gross margin). Profit also gives
    ``budget_level``: where the expected margin * marginal revenue of the best split falls to one on
    the frontier, which is extended (up to `planner.plan.value.LEVEL_RANGE` times the budget) when
    the crossing lies beyond its levels; a plan warning says when it lies beyond those too.

    Experience guard (``spec.experience_guard`` with `experience`): the candidate (and the unbounded
    optimum) may not lower the expected steady-state score against the current split (posterior
    mean of the draws times the change of weekly spend in EUR 1,000; a steady spend is its own
    carryover). ``experience_guard`` records whether it binds, the best split without it and what the
    guard costs. The frontier and the budget level are those of the bounds alone.

    Examples
    --------
    >>> from planner.simulate.synth import generate
    >>> from planner.reading.params import PlanSpec
    >>> syn = generate(seed=0)
    >>> plan = plan_budget(syn.truth, PlanSpec(), syn.truth.spend)  # doctest: +SKIP
    >>> print(plan.summary())                                         # doctest: +SKIP
    """
    started = time.perf_counter()
    setup = _prepare(checked(response), spec, history_spend, value, experience)
    search = _search(setup, spec)
    timings = dict(search.timings)
    mark = time.perf_counter()

    allocation = setup.allocation
    current = allocation("current", setup.current_w)
    reference = allocation("reference", np.array([spec.reference_split[c] for c in CATS]))
    candidate = allocation("candidate", search.best.split)
    unbounded = None
    if (
        np.max(np.abs(search.free.split - search.best.split)) > UNBOUNDED_TOLERANCE
        and search.free.score > search.best.score
    ):
        unbounded = allocation("unbounded", search.free.split)
    user = {name: allocation(name, np.array([split[c] for c in CATS])) for name, split in spec.scenarios.items()}

    gain = _gain(candidate, current, setup.interval)
    action, reason = _decision(response, spec, setup, gain, search.best)
    recommended = _recommended(candidate if action == "move" else current)
    guard_record = _guard_record(setup, search, candidate) if experience is not None else None
    timings["scenarios"] = time.perf_counter() - mark

    mark = time.perf_counter()
    frontier, level = _frontier(
        setup.resp,
        setup.curves,
        spec,
        setup.budget,
        setup.current_split,
        setup.levels,
        search.plain,
        setup.interval,
        setup.objective,
        setup.held,
    )
    timings["frontier"] = time.perf_counter() - mark
    warnings = _warnings(candidate, current, setup.box, setup.history, setup.weeks, action)
    warnings += _held_warnings(setup.held, {"reference": reference, **user})
    warnings += _value_warnings(
        setup.objective,
        candidate,
        action,
        setup.guard_asked,
        experience,
        guard_record,
        level,
        setup.budget,
    )
    timings["total"] = time.perf_counter() - started

    return PlanResults(
        total_budget=setup.budget,
        horizon_weeks=setup.weeks,
        interval=setup.interval,
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
        bounds=bounds_table(spec, setup.box, setup.budget),
        binding=binding_bounds(setup.box, search.best.split),
        frontier=frontier,
        week_index=setup.resp.index,
        warnings=warnings,
        history_weekly=pd.DataFrame({"min": setup.history.min(), "max": setup.history.max()}),
        n_draws=int(recommended.draws.size),
        calls=setup.resp.calls,
        timings={k: round(v, 4) for k, v in timings.items()},
        objective=setup.objective.name,
        unit=setup.objective.unit,
        budget_level=level,
        experience_guard=guard_record,
    )


# -- the steps of plan_budget --------------------------------------------------------------------


@dataclass
class _Setup:
    """What every step of a plan reads: the history, the current split, the budget, the bounds, the
    response as the optimiser calls it, the objective and the experience guard."""

    history: pd.DataFrame
    weeks: int
    current_split: pd.Series
    budget: float
    interval: float
    held: dict[str, float]
    box: Box
    resp: Response
    levels: np.ndarray
    curves: Curves | None
    objective: Objective
    experience: Experience | None
    guard_asked: bool
    guard: Guard | None
    linear: np.ndarray | None

    @property
    def current_w(self) -> np.ndarray:
        return self.current_split.to_numpy()

    def allocation(self, name: str, w: np.ndarray, at: float | None = None) -> Allocation:
        """One split at the budget (or `at`): its encounters with their draws and interval, the
        objective's value and the experience score's change against the current split."""
        at = self.budget if at is None else at
        weeks, resp, objective = self.weeks, self.resp, self.objective
        w = np.asarray(w, dtype=float)
        weekly = w * at / weeks
        point = float(resp.per_category(weekly).sum())
        draws = resp.draws(weekly)
        low, high = percentiles(draws, self.interval)
        extra = {}
        if objective.is_value:
            v_draws = objective.draws(draws, point, at, weekly, weeks)
            v_low, v_high = percentiles(v_draws, self.interval)
            value_point = objective.point(point, at, weekly, weeks)
            extra = dict(value=value_point, value_low=v_low, value_high=v_high, value_draws=v_draws)
            extra["value_warming"] = objective.warming_part(weekly, weeks)
            extra["value_warming_draws"] = objective.warming_draws(np.asarray(draws).size, weekly, weeks)
        if self.experience is not None:
            delta = (w * at - self.current_w * self.budget) / weeks
            extra["experience_change"] = experience_estimate(self.experience, delta, self.interval)
        return Allocation(
            name=name,
            split=pd.Series(w, index=CATS, name=name),
            euros=pd.Series(w * at, index=CATS, name=name),
            expected_encounters=point,
            low=low,
            high=high,
            draws=draws,
            **extra,
        )


@dataclass
class _Search:
    """The best splits: within the bounds without the guard (`plain`), with it (`best`), and without
    the bounds (`free`)."""

    plain: Solution
    best: Solution
    free: Solution
    guard_binds: bool
    timings: dict[str, float]


def _prepare(
    response, spec: PlanSpec, history_spend: pd.DataFrame, value: Value | None, experience: Experience | None
) -> _Setup:
    """Check the history, take the current split and budget, the bounds, the response's curves and the
    objective (``plan.objective`` against the value it needs)."""
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

    held = _held(response, current_split)
    box = make_box(spec, budget, current_split, held=held)
    check_feasible(box, budget)

    resp = Response(response, _future_weeks(history, weeks))
    levels = np.linspace(spec.frontier.low, spec.frontier.high, spec.frontier.steps)
    top = max(1.0, float(levels.max())) * budget / weeks
    curves = tabulate(resp, top) if resp.separable(top) else None

    objective = Objective(objective_of(spec, value), value)
    guard_asked = bool(getattr(spec, "experience_guard", False))
    cur_w = current_split.to_numpy()
    guard = Guard.against(experience, budget / weeks, cur_w) if guard_asked and experience is not None else None
    linear = objective.linear(weeks) if objective.is_value else None
    return _Setup(
        history=history,
        weeks=weeks,
        current_split=current_split,
        budget=budget,
        interval=interval,
        held=held,
        box=box,
        resp=resp,
        levels=levels,
        curves=curves,
        objective=objective,
        experience=experience,
        guard_asked=guard_asked,
        guard=guard,
        linear=linear,
    )


def _search(setup: _Setup, spec: PlanSpec) -> _Search:
    """The best split within the bounds (again under the experience guard when it binds) and without them."""
    started = time.perf_counter()
    resp, curves, budget, box, guard, linear = (
        setup.resp,
        setup.curves,
        setup.budget,
        setup.box,
        setup.guard,
        setup.linear,
    )
    cur_w = setup.current_w
    plain = solve(resp, curves, budget, box.lo, box.hi, [cur_w], linear=linear)
    guard_binds = guard is not None and not guard.holds(plain.split)
    best = (
        solve(resp, curves, budget, box.lo, box.hi, [cur_w, plain.split], guard, linear=linear)
        if guard_binds
        else plain
    )
    timings = {"optimisation": time.perf_counter() - started}
    open_box = make_box(spec, budget, setup.current_split, unbounded=True, held=setup.held)
    free = solve(resp, curves, budget, open_box.lo, open_box.hi, [cur_w, best.split], guard, linear=linear)
    timings["unbounded"] = time.perf_counter() - started - timings["optimisation"]
    return _Search(plain, best, free, guard_binds, timings)


def _decision(response, spec: PlanSpec, setup: _Setup, gain: dict, best: Solution) -> tuple[str, dict]:
    """Move, keep or test (`planner.plan.decision.decide`), the gain judged against the last horizon's
    encounters (valued like the objective)."""
    weeks = setup.weeks
    observed = getattr(response, "y", None)
    recent = (
        float(np.sum(observed.to_numpy()[-weeks:])) * weeks / min(weeks, len(observed))
        if observed is not None
        else None
    )
    if setup.objective.is_value:
        recent = setup.objective.recent(recent)
    return decide(
        getattr(response, "quality", None),
        gain,
        spec.min_probability,
        np.max(np.abs(best.split - setup.current_w)),
        min_gain=spec.min_gain,
        recent_encounters=recent,
        objective=setup.objective.name,
    )


def _recommended(chosen: Allocation) -> Allocation:
    """What to spend: the chosen split under the name ``recommended``."""
    recommended = replace(chosen, name="recommended", split=chosen.split.rename("recommended"))
    return replace(recommended, euros=chosen.euros.rename("recommended"))


def _guard_record(setup: _Setup, search: _Search, candidate: Allocation) -> dict:
    """The experience guard: applied, whether it binds, whether some split keeps the score, and the
    best split without it with what the guard costs."""
    guard = setup.guard
    unguarded = setup.allocation("unguarded", search.plain.split) if search.guard_binds else None
    return {
        "applied": guard is not None,
        "binds": search.guard_binds,
        "feasible": guard is None or guard.holds(search.best.split),
        "unguarded_split": None if unguarded is None else unguarded.split,
        "unguarded_change": None if unguarded is None else unguarded.experience_change,
        "cost": None if unguarded is None else _objective_value(unguarded) - _objective_value(candidate),
    }


def _held(response, current_split: pd.Series) -> dict[str, float]:
    """The categories a fitted model cannot show (``response.identified`` False), each with the share
    it keeps: its current share (its current amount at the current budget)."""
    identified = getattr(response, "identified", None)
    if identified is None:
        return {}
    return {c: float(current_split[c]) for c in CATS if not bool(identified.get(c, True))}


def _objective_value(a: Allocation) -> float:
    return a.expected_encounters if a.value is None else a.value


def _gain(candidate: Allocation, current: Allocation, interval: float) -> dict:
    """The candidate's gain over the current split from paired draws; for a value objective also in
    its unit (``value``, ``value_low``, ``value_high``), and the probability is then the objective's."""
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
    if candidate.value is not None:
        diff = candidate.value_draws - current.value_draws
        v_low, v_high = percentiles(diff, interval)
        gain.update(value=candidate.value - current.value, value_low=v_low, value_high=v_high)
        if candidate.value_warming is not None and current.value_warming is not None:
            gain["warming"] = candidate.value_warming - current.value_warming
            gain["parts"] = _gain_parts(candidate, current, gain, interval)
        gain["probability_better"] = float(np.mean(diff > 0)) if diff.size >= 2 else None
    return gain


def _gain_parts(candidate: Allocation, current: Allocation, gain: dict, interval: float) -> dict:
    """The value gain in two parts that add up to it, each with its interval from the same paired
    draws: what content's warming of the leads adds (``warming``) and what the change in encounters
    brings at the value of an encounter (``encounters``; a loss when the split buys fewer)."""
    warming = candidate.value_warming_draws - current.value_warming_draws
    rest = (candidate.value_draws - current.value_draws) - warming
    w_low, w_high = percentiles(warming, interval)
    e_low, e_high = percentiles(rest, interval)
    return {
        "warming": {"value": gain["warming"], "low": w_low, "high": w_high},
        "encounters": {"value": gain["value"] - gain["warming"], "low": e_low, "high": e_high},
    }


def _frontier(
    resp: Response,
    curves: Curves | None,
    spec: PlanSpec,
    budget: float,
    current_split: pd.Series,
    levels: np.ndarray,
    best: Solution,
    interval: float,
    objective: Objective,
    held: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, dict | None]:
    """The frontier and, for profit, the budget level, extending the frontier's levels (at its own
    step, within `LEVEL_RANGE` times the budget) while the level lies beyond them."""
    args = (spec, budget, current_split)
    frame, draws = frontier_levels(resp, curves, *args, levels, best, interval, objective, held)
    if objective.name != "profit":
        return frame, None
    level = budget_level(frame["budget"].to_numpy(), frame["value"].to_numpy(), draws, interval)
    step = (levels.max() - levels.min()) / max(len(levels) - 1, 1)
    extra = None
    if level["status"] == "above" and levels.max() < LEVEL_RANGE[1]:
        extra = np.arange(1, LEVEL_EXTRA_STEPS + 1) * step + levels.max()
        extra = extra[extra <= LEVEL_RANGE[1] + 1e-9]
        if curves is not None:
            curves = tabulate(resp, float(extra.max()) * budget / resp.weeks)
    elif level["status"] == "below" and levels.min() > LEVEL_RANGE[0]:
        extra = levels.min() - np.arange(LEVEL_EXTRA_STEPS, 0, -1) * step
        extra = extra[extra >= LEVEL_RANGE[0] - 1e-9]
    if extra is None or not len(extra):
        return frame, level
    more, more_draws = frontier_levels(resp, curves, *args, extra, best, interval, objective, held)
    frame = pd.concat([frame, more]).sort_values("budget", kind="stable").reset_index(drop=True)
    order = np.argsort(np.concatenate([levels, extra]), kind="stable")
    draws = np.vstack([draws, more_draws])[order]
    b = frame["budget"].to_numpy()
    frame["marginal_cost_per_encounter"] = marginal_cost(b, frame["expected_encounters"].to_numpy())
    frame["marginal_value"] = marginal(b, frame["value"].to_numpy())
    return frame, budget_level(b, frame["value"].to_numpy(), draws, interval)


def _value_warnings(
    objective: Objective,
    candidate: Allocation,
    action: str,
    guard_asked: bool,
    experience: Experience | None,
    guard: dict | None,
    level: dict | None,
    budget: float,
) -> list:
    """The plan's warnings about value and experience, from the catalogue."""
    out = []
    split = "recommended" if action == "move" else "best_found"
    change = candidate.experience_change
    if guard_asked and experience is None:
        out.append(i18n.warning("plan_experience_guard_unavailable"))
    if change is not None and guard is not None and not guard["applied"] and change["value"] < 0:
        out.append(
            i18n.warning(
                "plan_lowers_experience",
                change=round(change["value"], 4),
                low=None if change["low"] is None else round(change["low"], 4),
                high=None if change["high"] is None else round(change["high"], 4),
                split=split,
            )
        )
    if guard is not None and guard["applied"] and not guard["feasible"]:
        out.append(i18n.warning("plan_experience_guard_infeasible", change=round(change["value"], 4)))
    elif guard is not None and guard["binds"]:
        unguarded = guard["unguarded_change"]["value"]
        out.append(
            i18n.warning(
                "plan_experience_guard_binds",
                unguarded_change=round(unguarded, 4),
                cost=round(float(guard["cost"]), 2),
                objective=objective.name,
            )
        )
    if level is not None and level["status"] != "found":
        out.append(
            i18n.warning(
                "plan_budget_level_outside",
                status=level["status"],
                budget_eur=round(float(level["value"]), 2),
                multiple=round(float(level["value"]) / budget, 4),
            )
        )
    return out


def _held_warnings(held: dict[str, float], scenarios: dict[str, Allocation]) -> list:
    """A scenario (the reference split, the user's) that moves money into or out of a held category:
    the model counts that category's encounters as none at any spend, so the scenario's encounters
    are not comparable with the current split's."""
    out = []
    for name, a in scenarios.items():
        moved = [c for c, share in held.items() if abs(float(a.split[c]) - share) > MOVED_SHARE]
        if moved:
            out.append(i18n.warning("scenario_moves_held", scenario=name, categories=moved))
    return out


def _warnings(
    candidate: Allocation, current: Allocation, box: Box, history: pd.DataFrame, weeks: int, action: str
) -> list:
    """Where the candidate leaves the spend seen in the data, and a current split outside the bounds.

    The sentences come from the catalogue (`planner.presentation.i18n`); ``split`` says whether the candidate is
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
