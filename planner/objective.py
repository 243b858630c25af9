"""What a plan maximises: the closed set of `plan.objective`, defined once.

The params schema, the plan (`planner.plan.value`), results.json and the brief all read this one
enum: its values, what each needs from the params' funnel section, its unit and whether it is a
value objective (counted in deals or euros rather than encounters). It imports nothing of the
planner, so any module can use it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PlanObjective"]


class PlanObjective(StrEnum):
    """The plan's objective (``plan.objective`` in the params, ``allocation.objective`` in results.json).

    Examples
    --------
    >>> PlanObjective("profit").needs
    ('revenue', 'margin')
    >>> PlanObjective.ENCOUNTERS.is_value
    False
    """

    ENCOUNTERS = "encounters"
    DEALS = "deals"
    REVENUE = "revenue"
    PROFIT = "profit"

    @property
    def needs(self) -> tuple[str, ...]:
        """The keys of the params' funnel section this objective needs."""
        return _NEEDS[self.value]

    @property
    def is_value(self) -> bool:
        """Whether the plan counts this objective in deals or euros (needs the value of an encounter)."""
        return self is not PlanObjective.ENCOUNTERS

    @property
    def value_kind(self) -> str | None:
        """What an encounter's value is measured in for this objective: deals or revenue (None for encounters)."""
        return {"encounters": None, "deals": "deals", "revenue": "revenue", "profit": "revenue"}[self.value]

    @property
    def unit(self) -> str:
        """The unit of the objective's numbers in results.json: encounters, deals or EUR."""
        return {"encounters": "encounters", "deals": "deals", "revenue": "EUR", "profit": "EUR"}[self.value]

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The values in order, for messages."""
        return tuple(o.value for o in cls)


_NEEDS = {"encounters": (), "deals": ("deals",), "revenue": ("revenue",), "profit": ("revenue", "margin")}
