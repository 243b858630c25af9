"""The budget optimiser: the best split for the next horizon under visible bounds.

`plan_budget(response, spec, history_spend, *, value=None, experience=None)` works with anything
that implements the response protocol (`simulate(spend, draws=False)`, `last_state`; see
docs/architecture.md), so the fitted model and the synthetic generator's truth are planned for in
the same way. It returns a `PlanResults`: the decision (move, keep or test) with its reason, the
candidate and recommended splits beside the current one (the last horizon's), the scenarios, the
bounds as applied and the ones that bind, the budget frontier and the weekly plan. With `value`
(what an encounter is worth) the plan is in the objective's unit (deals, revenue or profit); with
`experience` each split carries its expected change of the customer-experience score, and
``plan.experience_guard`` keeps the optimiser from lowering it.

The package, by job:

- `bounds`: the params' bounds as a share range per category, conflicts named, binding bounds;
- `response`: the response protocol as the optimiser calls it (cached, counted, tabulated);
- `search`: the global grid step and the local SLSQP search for the best split;
- `decision`: the action and its reason code, and the plan's tolerances;
- `frontier`: the best expected encounters at each budget level;
- `value`: plans for value: `Value` (what an encounter is worth), `Experience` (the experience
  score's response to carryover), the objective in its unit, the experience guard and profit's
  budget level;
- `results`: `Allocation`, `PlanResults` and `PlanSummary`;
- `budget`: `plan_budget`, which puts them together.
"""

from __future__ import annotations

from planner.plan._common import PlanError
from planner.plan.budget import plan_budget
from planner.plan.decision import MOVED_SHARE, REASON_CODES, SAME_SPLIT, UNBOUNDED_TOLERANCE, decide
from planner.plan.results import Allocation, PlanResults, PlanSummary
from planner.plan.value import OBJECTIVES, Experience, Value, Warming

__all__ = [
    "MOVED_SHARE",
    "OBJECTIVES",
    "REASON_CODES",
    "SAME_SPLIT",
    "UNBOUNDED_TOLERANCE",
    "Allocation",
    "Experience",
    "PlanError",
    "PlanResults",
    "PlanSummary",
    "Value",
    "Warming",
    "decide",
    "plan_budget",
]
