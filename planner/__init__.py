"""planner: measure which spend generates customer encounters, and plan next period's budget.

The package holds all logic; the notebooks in `notebooks/` (shipped in the wheel as
`planner/notebooks/`) call it and show the results.
"""

CATEGORIES = ("content", "design", "technology")

__version__ = "0.1.0"

__all__ = ["CATEGORIES", "__version__"]
