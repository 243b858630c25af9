"""The response protocol as the optimiser calls it: horizon totals for flat weekly spend, cached
and counted, checked for shape, and tabulated per category when the categories do not interact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from planner.plan._common import CATS, PlanError, en_eur

_N_LEVELS = 121  # weekly euro levels of the tabulated response curves


@runtime_checkable
class ResponseModel(Protocol):
    """What the optimiser needs of a response: a fitted model (`planner.inference.model.ModelResults`) or a
    generator's truth (`planner.simulate.synth.Synthetic.truth`) implement it.

    ``simulate(spend, draws=False)`` returns the spend-driven quality-weighted encounters per week and
    category for a future weekly spend plan (one row per week after the data, columns
    `planner.CATEGORIES`, EUR a week), from the carryover state at the end of the data: shape
    (weeks, 3), the posterior mean; with ``draws=True``, (n_draws, weeks, 3).

    A response may also have (read with their meaning when present): ``interval`` (the width of its
    intervals, 0.8 when absent), ``quality`` (good, fair, weak: the plan's action reads it),
    ``identified`` (per category; a category it cannot show is held at its current share) and ``y``
    (the weekly encounters of the data, for ``min_gain``).
    """

    def simulate(self, spend: pd.DataFrame, *, draws: bool = False) -> np.ndarray: ...


def checked(response) -> ResponseModel:
    """`response` if it follows `ResponseModel`, else a `PlanError` that says what it lacks."""
    if not isinstance(response, ResponseModel):
        raise PlanError(
            f"the response ({type(response).__name__}) does not follow the response protocol: it needs "
            "simulate(spend, draws=False) returning encounters per week and category"
        )
    return response


class Response:
    """Horizon totals of a response for flat weekly spend, with the calls counted."""

    def __init__(self, response, index: pd.Index):
        self.response = response
        self.index = index
        self.weeks = len(index)
        self.calls = 0
        self._cache: dict[tuple, np.ndarray] = {}

    def _frame(self, weekly: np.ndarray) -> pd.DataFrame:
        values = np.tile(np.maximum(np.asarray(weekly, dtype=float), 0.0), (self.weeks, 1))
        return pd.DataFrame(values, index=self.index, columns=CATS)

    def per_category(self, weekly) -> np.ndarray:
        """Encounters over the horizon per category, shape (3,)."""
        key = tuple(np.round(np.asarray(weekly, dtype=float), 9))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        self.calls += 1
        out = np.asarray(self.response.simulate(self._frame(weekly)), dtype=float)
        if out.shape != (self.weeks, len(CATS)):
            raise PlanError(
                f"the response returned shape {out.shape} for {self.weeks} weeks; expected ({self.weeks}, {len(CATS)})"
            )
        if not np.all(np.isfinite(out)):
            raise PlanError(
                "the response returned encounters that are not finite numbers for the weekly spend "
                + ", ".join(f"{c} {en_eur(float(v))}" for c, v in zip(CATS, weekly, strict=True))
            )
        totals = out.sum(axis=0)
        self._cache[key] = totals
        return totals

    def draws(self, weekly) -> np.ndarray:
        """Encounters over the horizon per bootstrap draw, shape (n_draws,)."""
        out = np.asarray(self.response.simulate(self._frame(weekly), draws=True), dtype=float)
        if out.ndim != 3 or out.shape[1:] != (self.weeks, len(CATS)):
            raise PlanError(
                f"the response returned shape {out.shape} for draws=True; expected (n_draws, {self.weeks}, {len(CATS)})"
            )
        return out.sum(axis=(1, 2))

    def separable(self, top: float) -> bool:
        """Whether each category's encounters depend only on its own spend."""
        levels = top * np.array([0.15, 0.55, 0.9])
        a, b, c = levels
        base = self.per_category([a, b, c])
        checks = [
            (self.per_category([a, c, b]), 0),
            (self.per_category([c, b, a]), 1),
            (self.per_category([b, a, c]), 2),
        ]
        scale = max(float(np.abs(base).max()), 1e-12)
        return all(abs(out[i] - base[i]) <= 1e-9 * scale for out, i in checks)


@dataclass
class Curves:
    """Each category's horizon encounters against flat weekly spend, tabulated once."""

    levels: np.ndarray  # weekly euros, (n,)
    values: np.ndarray  # horizon encounters, (n, 3)

    def __call__(self, weekly: np.ndarray, i: int) -> np.ndarray:
        return np.interp(weekly, self.levels, self.values[:, i])


def tabulate(resp: Response, top_weekly: float) -> Curves:
    # Quadratic spacing: S-shaped curves bend at low spend, where a category near its minimum sits.
    levels = top_weekly * np.linspace(0.0, 1.0, _N_LEVELS) ** 2
    values = np.array([resp.per_category(np.full(len(CATS), x)) for x in levels])
    return Curves(levels, values)
