"""What every part of the plan shares: the categories, the plan's error and the English
formatting of its messages (the brief's formats, with plain spaces).
"""

from __future__ import annotations

import numpy as np

from planner import CATEGORIES
from planner.presentation.i18n import fmt_eur, fmt_int, fmt_number, fmt_pct

CATS = list(CATEGORIES)
TOL = 1e-4  # a share this close to a bound counts as "at the bound" (0.01 share points)


class PlanError(ValueError):
    """The plan cannot be made: conflicting bounds, no budget, or a response of the wrong shape."""


# English texts (summary, warnings, errors) use the brief's formatting, with plain spaces


def plain_spaces(text: str) -> str:
    return text.replace("\u00a0", " ")


def en_pct(x: float) -> str:
    return plain_spaces(fmt_pct(x, "en", 0 if abs(100 * x - round(100 * x)) < 0.05 else 1))


def en_eur(x: float) -> str:
    return plain_spaces(fmt_eur(x, "en"))


def en_num(x: float) -> str:
    return fmt_int(x, "en")


def en_signed(x: float, digits: int = 0) -> str:
    text = fmt_number(x, "en", digits)
    return text if text.startswith(("\u2212", "-")) or text.strip("0.") == "" else "+" + text


def percentiles(draws: np.ndarray, interval: float) -> tuple[float | None, float | None]:
    """The central `interval` of the draws; (None, None) with fewer than two draws."""
    if draws.size < 2:
        return None, None
    q = 100 * (1 - interval) / 2
    lo, hi = np.percentile(draws, [q, 100 - q])
    return float(lo), float(hi)
