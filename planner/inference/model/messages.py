"""The warnings the encounter model emits, as ``{"code", "text", "context"}`` dicts.

``code`` and ``context`` are what readers act on; ``text`` is the English sentence of the message
catalogue (`planner.presentation.i18n`), which renders the same code and context in every language. Each
function puts in the context every value the catalogue's fullest sentence needs.
"""

from __future__ import annotations

from planner.presentation import i18n

__all__ = [
    "at_bound",
    "autocorrelation",
    "collinearity",
    "duplicate_column",
    "experiment_disagrees",
    "experiment_unused",
    "glm_fallback",
    "holdout_shortened",
    "low_variation",
    "negative_baseline",
    "not_counts",
    "unidentified",
    "poor_holdout",
    "warning",
]


def warning(code: str, **context) -> dict:
    """A model warning: ``{code, text, context}`` with the English text from the catalogue."""
    return i18n.warning(code, **context)


def low_variation(cat: str, variation: float, identified: bool) -> dict:
    return warning("low_variation", category=cat, variation=round(variation, 4), identified=identified)


def unidentified(cat: str, row: dict) -> dict:
    """A category the data cannot show, with the reason `diagnostics.identification` gave."""
    detectable = row.get("detectable")
    return warning(
        "unidentified",
        category=cat,
        reason=row["reason"],
        variation=round(float(row["variation"]), 4),
        weeks=int(row["one_off_weeks"]),
        detectable=None if detectable is None else round(float(detectable), 4),
    )


def experiment_unused(name: str, category: str) -> dict:
    return warning("experiment_unused", experiment=name, category=category)


def experiment_disagrees(row: dict) -> dict:
    before = row["predicted_before"]
    return warning(
        "experiment_disagrees",
        experiment=row["name"],
        category=row["category"],
        measured=round(row["measured"], 2),
        predicted_before=None if before is None else round(before, 2),
    )


def duplicate_column(name: str) -> dict:
    return warning("baseline_column_dropped", column=name)


def glm_fallback(family: str, ran: str) -> dict:
    return warning("glm_fallback", family=family, ran=ran)


def holdout_shortened(n: int, used: int, asked: int) -> dict:
    return warning("holdout_shortened", weeks=used, asked=asked, rows=n)


def not_counts(family: str) -> dict:
    return warning("not_counts", family=family)


def collinearity(vifs: dict[str, float]) -> dict:
    """Two or more categories whose carryover series rose and fell together (`vifs` of those)."""
    high = list(vifs)
    return warning("collinearity", categories=high, vif={c: round(vifs[c], 1) for c in high})


def poor_holdout(weeks: int, mape: float, ratio: float) -> dict:
    return warning("poor_holdout", weeks=weeks, mape=round(mape, 4), ratio=round(ratio, 2))


def at_bound(cat: str, name: str, side: str, value: float, box: tuple[float, float]) -> dict:
    """A parameter at the `side` ("lower"/"upper") edge of its search range `box`.

    `value` and `box` are in the parameter's own units: euros a week for the half-saturation.
    """
    lo, hi = box
    return warning(
        "at_bound",
        category=cat,
        parameter=name,
        side=side,
        value=round(value, 4),
        low=round(float(lo), 4),
        high=round(float(hi), 4),
    )


def autocorrelation(p_value: float, lags: int) -> dict:
    return warning("autocorrelation", p_value=p_value, lags=lags)


def negative_baseline(weeks: int, lowest: float) -> dict:
    """The multiplicative form's inner baseline fell below zero in `weeks` weeks (read as 0 there)."""
    return warning("negative_baseline", weeks=weeks, lowest=round(lowest, 1))
