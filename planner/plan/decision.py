"""The plan's judgements, made once for every reader: the action (move, keep or test) with its
reason code, and the tolerances behind "the unbounded optimum differs" and "moved from / to".
"""

from __future__ import annotations

from planner.objective import PlanObjective
from planner.presentation import i18n

#: The unbounded optimum differs from the candidate when some share differs by more than this
#: (0.5 share points) and it expects more encounters; otherwise the bounds cost nothing.
UNBOUNDED_TOLERANCE = 0.005
#: A category gives or receives money (``moved_from`` / ``moved_to``) when its euros change by more
#: than this share of the budget between the current split and the candidate.
MOVED_SHARE = 0.01
#: A candidate that moves less than this share of the budget in any category is the current split.
SAME_SPLIT = 0.005
#: Every reason `decide` can give, with the action it goes with.
REASON_CODES = {
    "clearly_better": "move",
    "no_uncertainty": "move",
    "weak_model": "test",
    "weak_no_direction": "test",
    "no_better_split": "keep",
    "small_gain": "keep",
    "not_clearly_better": "keep",
    "no_draws": "keep",
    "unstable_on_refresh": "test",
}


def decide(
    quality: str | None,
    gain: dict,
    min_probability: float,
    largest_shift: float,
    *,
    min_gain: float = 0.0,
    recent_encounters: float | None = None,
    objective: str = "encounters",
) -> tuple[str, dict]:
    """The plan's action and its reason, decided once for every reader of the plan.

    Parameters
    ----------
    quality : str or None
        The model's quality mark ("good", "fair", "weak"); None for a response that is not a
        fitted model (a known truth): without draws, it is taken at its word.
    gain : dict
        The candidate's gain over the current split (``encounters``, ``low``, ``high``,
        ``probability_better``); for a value objective ``value`` is the gain in the objective's
        unit, and it is what is judged (``probability_better`` is then in the objective as well).
    min_probability : float
        The probability of beating the current split that a move needs.
    largest_shift : float
        The largest change of any category's share between the candidate and the current split.
    min_gain : float
        The smallest expected gain worth a move, as a share of `recent_encounters`.
    recent_encounters : float, optional
        All encounters (baseline included) of the last horizon in the data, in the objective's unit
        for a value objective (see `planner.plan.value.Objective.recent`), so that the gain and the
        horizon it is a share of are like with like; without it (a response that is not a fitted
        model) any gain counts.
    objective : str
        The plan's objective; named in the reason's context when it is not ``encounters``.

    Returns
    -------
    (action, reason)
        ``action`` is ``move``, ``keep`` or ``test``; ``reason`` is ``{code, text, context}``, its
        English text from the message catalogue.
    """
    prob = gain.get("probability_better")
    context = {
        "probability_better": None if prob is None else round(float(prob), 4),
        "min_probability": min_probability,
    }
    if PlanObjective(objective).is_value:
        context["objective"] = objective
    amount = gain["value"] if gain.get("value") is not None else gain["encounters"]

    def reason(action: str, code: str) -> tuple[str, dict]:
        return action, {"code": code, "text": i18n.render(code, context, "en"), "context": context}

    if quality == "weak":
        # a direction to test only when the weak model still finds it clearly better; else no direction
        if prob is not None and prob >= min_probability and amount > 0 and largest_shift >= SAME_SPLIT:
            return reason("test", "weak_model")
        return reason("test", "weak_no_direction")
    if largest_shift < SAME_SPLIT or amount <= 0:
        return reason("keep", "no_better_split")
    if recent_encounters is not None and recent_encounters > 0 and amount < min_gain * recent_encounters:
        context.update(gain_share=round(float(amount / recent_encounters), 5), min_gain=min_gain)
        return reason("keep", "small_gain")
    if prob is None and quality is None:
        return reason("move", "no_uncertainty")
    if prob is None:
        return reason("keep", "no_draws")
    if prob < min_probability:
        return reason("keep", "not_clearly_better")
    return reason("move", "clearly_better")


def after_refresh(plan, direction_holds: bool | None, weeks: int | None):
    """The plan once the refresh check has run (`planner.inference.stability`): a ``move`` whose direction a
    refit on a shorter history reverses becomes a ``test`` with the reason ``unstable_on_refresh``.

    Parameters
    ----------
    plan : PlanResults
    direction_holds : bool or None
        Whether every refit keeps the move's direction (None: not a move, or no refit ran).
    weeks : int or None
        The fewest dropped weeks whose refit reverses the move (the reason's context).

    Returns
    -------
    PlanResults
        `plan` itself when nothing changes; else a copy with the current split recommended.
    """
    from dataclasses import replace

    if plan.action != "move" or direction_holds is not False:
        return plan
    context = {**plan.action_reason.get("context", {}), "weeks": weeks}
    text = i18n.render("unstable_on_refresh", context, "en")
    reason = {"code": "unstable_on_refresh", "text": text, "context": context}
    current = plan.current
    split, euros = current.split.rename("recommended"), current.euros.rename("recommended")
    recommended = replace(current, name="recommended", split=split, euros=euros)
    return replace(plan, action="test", action_reason=reason, recommended=recommended)
