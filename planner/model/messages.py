"""The warnings the encounter model emits, as ``{"code", "text", "context"}`` dicts.

``code`` and ``context`` are what readers act on; ``text`` is the English sentence.
"""

from __future__ import annotations

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
    "not_counts",
    "poor_holdout",
    "warning",
]


def warning(code: str, text: str, **context) -> dict:
    return {"code": code, "text": text, "context": context}


def low_variation(cat: str, variation: float, identified: bool) -> dict:
    if not identified:
        text = (
            f"{cat.capitalize()} spend did not vary beyond the trend, season and holidays, so the "
            f"data cannot tell its effect from the baseline at all: {cat} is left out of the fit and "
            f"its share is reported as unknown (anywhere from 0 to 100 %)."
        )
    else:
        text = (
            f"{cat.capitalize()} spend hardly varied (by {variation:.0%} of its mean once trend, season "
            f"and holidays are taken out), so the data cannot show how many encounters {cat} "
            f"generates; its estimate rests on the model's assumptions and its interval is widened "
            f"down to zero."
        )
    return warning("low_variation", text, category=cat, variation=round(variation, 4), identified=identified)


def experiment_unused(name: str, category: str) -> dict:
    text = (
        f"The lift test '{name}' on {category} was left out: {category} spend never varied, so the model "
        f"leaves {category} out and has no effect of it for the test to calibrate."
    )
    return warning("experiment_unused", text, experiment=name, category=category)


def experiment_disagrees(row: dict) -> dict:
    text = (
        f"The lift test '{row['name']}' measured {row['measured']:,.0f} extra encounters from {row['category']}, "
        f"but the history alone implies about {row['predicted_before']:,.0f}: the two disagree beyond both "
        "uncertainties. Check the test (its window, its spend change, how the lift was measured) before "
        "trusting either; the model now weighs both."
    )
    return warning(
        "experiment_disagrees",
        text,
        experiment=row["name"],
        category=row["category"],
        measured=round(row["measured"], 2),
        predicted_before=None if row["predicted_before"] is None else round(row["predicted_before"], 2),
    )


def duplicate_column(name: str) -> dict:
    text = (
        f"The baseline column '{name}' repeats what other baseline terms already hold (for example an "
        "event column that marks the same weeks as the built-in holiday dips), so it was left out: "
        "two columns that say the same thing cannot both get an effect."
    )
    return warning("baseline_column_dropped", text, column=name)


def glm_fallback(family: str, ran: str) -> dict:
    text = (
        f"The {family.replace('_', ' ')} fit did not converge, so the model fell back to weighted least "
        "squares with the same weights; its numbers are approximate."
    )
    return warning("glm_fallback", text, family=family, ran=ran)


def holdout_shortened(n: int, used: int, asked: int) -> dict:
    text = (
        f"Only {n} weeks of data: the final check on unseen weeks was shortened from {asked} to "
        f"{used} weeks to keep a year of data for the fit."
    )
    return warning("holdout_shortened", text, weeks=used, asked=asked, rows=n)


def not_counts(family: str) -> dict:
    text = (
        f"The {family.replace('_', ' ')} model is meant for counts, but the quality-weighted "
        "encounters are not whole numbers; the model treats them as counts, so its intervals are "
        "approximate. Weight every channel 1 for a true count model, or use family: ols."
    )
    return warning("not_counts", text, family=family)


def collinearity(vifs: dict[str, float]) -> dict:
    """Two or more categories whose carryover series rose and fell together (`vifs` of those)."""
    high = list(vifs)
    shown = ", ".join(f"{c} {vifs[c]:.0f}" for c in high)
    return warning(
        "collinearity",
        f"{' and '.join(high).capitalize()} spend rose and fell together (variance "
        f"inflation {shown}), so the model cannot fully tell their effects apart; their "
        f"intervals are wide.",
        categories=high,
        vif={c: round(vifs[c], 1) for c in high},
    )


def poor_holdout(weeks: int, mape: float, ratio: float) -> dict:
    return warning(
        "poor_holdout",
        f"On the last {weeks} weeks, which the model had not seen, its predictions "
        f"were off by {mape:.1%} on average ({ratio:.1f} times its error on "
        f"the weeks it was fitted to): treat the numbers with care.",
        weeks=weeks,
        mape=round(mape, 4),
        ratio=round(ratio, 2),
    )


def at_bound(cat: str, name: str, side: str, value: float, box: tuple[float, float]) -> dict:
    lo, hi = box
    shown = f"{value:,.0f} EUR/week".replace(",", " ") if name == "half_saturation" else f"{value:.2f}"
    return warning(
        "at_bound",
        f"The {name.replace('_', '-')} of {cat} ({shown}) sits at the {side} edge of its "
        f"search range [{lo:g}, {hi:g}]; the true value may lie beyond it.",
        category=cat,
        parameter=name,
        side=side,
        value=round(value, 4),
    )


def autocorrelation(p_value: float, lags: int) -> dict:
    return warning(
        "autocorrelation",
        f"The model's errors repeat from week to week (Ljung-Box p = {p_value:.3g} "
        f"over {lags} weeks), so the intervals may be too narrow; the "
        f"baseline may be missing a pattern.",
        p_value=p_value,
        lags=lags,
    )
