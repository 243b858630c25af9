"""The budget optimiser: the best split for the next horizon under visible bounds.

`plan_budget(response, spec, history_spend)` works with anything that implements the response
protocol (`simulate(spend, draws=False)`, `last_state`; see docs/architecture.md), so the fitted
model and the synthetic generator's truth are planned for in the same way. It returns a
`PlanResults`: the decision (move, keep or test) with its reason, the candidate and recommended
splits beside the current one (the last horizon's), the scenarios, the bounds as applied and the
ones that bind, the budget frontier and the weekly plan.

The package, by job:

- `bounds`: the params' bounds as a share range per category, conflicts named, binding bounds;
- `response`: the response protocol as the optimiser calls it (cached, counted, tabulated);
- `search`: the global grid step and the local SLSQP search for the best split;
- `decision`: the action and its reason code, and the plan's tolerances;
- `frontier`: the best expected encounters at each budget level;
- `results`: `Allocation`, `PlanResults` and `PlanSummary`;
- `budget`: `plan_budget`, which puts them together.
"""

from __future__ import annotations

from planner.plan._common import PlanError
from planner.plan.budget import plan_budget
from planner.plan.decision import MOVED_SHARE, REASON_CODES, SAME_SPLIT, UNBOUNDED_TOLERANCE, decide
from planner.plan.results import Allocation, PlanResults, PlanSummary

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
