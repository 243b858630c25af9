"""Refresh stability: would the advice stand if the last weeks of data had not come in yet?

`refresh_stability(dataset, model, plan)` refits the model on the history without its last 4 and 8
weeks (the same starts and seed, fewer draws, no holdout or cross-validation) and plans again at
the same budget. It reports how far the contribution shares and the best split move, whether the
action would differ, and whether a ``move`` keeps its direction: every category it gives money to
still gains against today's split and every category it takes from still loses. A move whose
direction does not survive is a move the next two weeks of data could reverse; `settle` turns it
into a ``test`` (reason ``unstable_on_refresh``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner import CATEGORIES

__all__ = ["REFRESH_DRAWS", "REFRESH_WEEKS", "Refit", "Stability", "refresh_stability", "settle", "truncate"]

#: Weeks left out of each refit: what a monthly and a bimonthly refresh would add.
REFRESH_WEEKS = (4, 8)
#: Posterior draws of each refit (the run's own draws when fewer): enough for a median split.
REFRESH_DRAWS = 100
#: The refits' sampler: a shorter chain from the refit's mode (the run's own walks 300 + 400 steps).
REFRESH_CHAIN = {"burn": 100, "steps": 150}
#: A refit needs at least this many weeks (as the model's cross-validation does).
MIN_REFIT_WEEKS = 52


def truncate(dataset, weeks: int):
    """`dataset` without its last `weeks` weeks (a `planner.reading.data.Dataset` of the earlier history)."""
    from planner.reading.data import Dataset

    keep = dataset.frame.index[: len(dataset.frame) - weeks]
    regions = None
    if dataset.regions is not None:
        regions = dataset.regions[dataset.regions.index.get_level_values(0).isin(keep)]
    return Dataset(
        params=dataset.params,
        frame=dataset.frame.loc[keep],
        sha256=f"{dataset.sha256}-{weeks}",
        warnings=[],
        regions=regions,
    )


@dataclass
class Refit:
    """One refit on the history without its last `weeks_dropped` weeks."""

    weeks_dropped: int
    shares: dict | None = None
    candidate: dict | None = None
    action: str | None = None
    reason: str | None = None
    share_change: float | None = None
    split_change: float | None = None
    direction_holds: bool | None = None
    error: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "weeks_dropped": self.weeks_dropped,
            "shares": self.shares,
            "candidate": self.candidate,
            "action": self.action,
            "reason": self.reason,
            "share_change": self.share_change,
            "split_change": self.split_change,
            "direction_holds": self.direction_holds,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Stability:
    """The refits and what they say about the run's advice.

    Attributes
    ----------
    action : str
        The run's action before the check (``move``, ``keep``, ``test``).
    refits : list of Refit
    share_change, split_change : float or None
        The largest change of any category's contribution share / best-split share over the refits
        (share points as fractions).
    action_differs : bool
        Whether any refit's action differs from the run's.
    direction_holds : bool or None
        For a move: whether every refit keeps its direction; None for keep or test, or when no refit ran.
    seconds : float
        Time the refits took.
    """

    action: str
    refits: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def _done(self) -> list:
        return [r for r in self.refits if r.error is None]

    @property
    def share_change(self) -> float | None:
        values = [r.share_change for r in self._done if r.share_change is not None]
        return max(values) if values else None

    @property
    def split_change(self) -> float | None:
        values = [r.split_change for r in self._done if r.split_change is not None]
        return max(values) if values else None

    @property
    def action_differs(self) -> bool:
        return any(r.action != self.action for r in self._done)

    @property
    def direction_holds(self) -> bool | None:
        flags = [r.direction_holds for r in self._done if r.direction_holds is not None]
        if self.action != "move" or not flags:
            return None
        return all(flags)

    @property
    def unstable_weeks(self) -> int | None:
        """The fewest dropped weeks whose refit reverses the move (None when none does)."""
        bad = [r.weeks_dropped for r in self._done if r.direction_holds is False]
        return min(bad) if bad else None

    def to_dict(self) -> dict:
        """The ``stability`` section of results.json."""
        return {
            "action": self.action,
            "share_change": self.share_change,
            "split_change": self.split_change,
            "action_differs": self.action_differs,
            "direction_holds": self.direction_holds,
            "seconds": round(self.seconds, 3),
            "refits": [r.to_dict() for r in self.refits],
        }


def _direction_holds(plan, candidate: pd.Series) -> bool | None:
    """Whether a refit's best split moves money the way the run's move does, from today's split."""
    if plan.action != "move":
        return None
    current = plan.current.split
    gains, losses = plan.moved_to, plan.moved_from
    if not gains and not losses:
        return None
    return all(candidate[c] > current[c] for c in gains) and all(candidate[c] < current[c] for c in losses)


def refresh_stability(
    dataset,
    model,
    plan,
    *,
    weeks=REFRESH_WEEKS,
    draws: int = REFRESH_DRAWS,
    value=None,
    experience=None,
) -> Stability:
    """Refit without the last `weeks` weeks and plan again; see the module docstring.

    Parameters
    ----------
    dataset : planner.reading.data.Dataset
        The run's data.
    model : planner.inference.model.ModelResults
        The run's model (its baseline form and family are kept, so the refits skip that choice).
    plan : planner.plan.PlanResults
        The run's plan, before `settle`.
    weeks : sequence of int
    draws : int
        Posterior draws per refit (at most the run's own).
    value, experience : optional
        The run's objective value and experience guard, passed to each refit's plan.

    Returns
    -------
    Stability
        A refit that cannot run (too short a history, a lift test inside the dropped weeks) carries
        its error and counts for nothing.
    """
    from planner.inference.model import EncounterModel
    from planner.plan import plan_budget

    params = dataset.params
    family = model.family if model.family in ("ols", "poisson", "negative_binomial") else params.model.family
    spec = params.model.model_copy(
        update={
            "draws": min(int(draws), int(params.model.draws)),
            "holdout_weeks": 0,
            "cv_folds": 0,
            "baseline_form": model.baseline_form,
            "family": family,
        }
    )
    # the same budget; the frontier and the user's scenarios are not compared, so the cheapest ones
    frontier = params.plan.frontier.model_copy(update={"steps": 2})
    plan_spec = params.plan.model_copy(
        update={"total_budget": float(plan.total_budget), "frontier": frontier, "scenarios": {}}
    )
    shares_now = model.shares()["share"]
    started = time.perf_counter()
    out = Stability(action=str(plan.action))
    for k in weeks:
        mark = time.perf_counter()
        refit = Refit(weeks_dropped=int(k))
        if dataset.weeks - k < MIN_REFIT_WEEKS:
            refit.error = f"only {dataset.weeks - k} weeks without the last {k} (a refit needs {MIN_REFIT_WEEKS})"
            out.refits.append(refit)
            continue
        try:
            short = truncate(dataset, int(k))
            fitter = EncounterModel(short, spec)
            fitter.chain = dict(REFRESH_CHAIN)
            fitted = fitter.fit()
            again = plan_budget(fitted, plan_spec, short.spend, value=value, experience=experience)
        except Exception as exc:  # noqa: BLE001 - a refit that fails is reported, never fatal to the run
            refit.error = f"{type(exc).__name__}: {exc}"
            refit.seconds = time.perf_counter() - mark
            out.refits.append(refit)
            continue
        shares = fitted.shares()["share"]
        cand = again.candidate.split
        refit.shares = {c: _num(shares[c]) for c in CATEGORIES}
        refit.candidate = {c: float(round(cand[c], 6)) for c in CATEGORIES}
        refit.action = str(again.action)
        refit.reason = str(again.action_reason["code"])
        refit.share_change = _max_abs(shares - shares_now)
        refit.split_change = _max_abs(cand - plan.candidate.split)
        refit.direction_holds = _direction_holds(plan, cand)
        refit.seconds = time.perf_counter() - mark
        out.refits.append(refit)
    out.seconds = time.perf_counter() - started
    return out


def settle(plan, stability: Stability):
    """The plan after the refresh check: a move whose direction a refit reverses becomes a test
    (`planner.plan.decision.after_refresh`, reason ``unstable_on_refresh``)."""
    from planner.plan.decision import after_refresh

    return after_refresh(plan, stability.direction_holds, stability.unstable_weeks)


def _max_abs(diff: pd.Series) -> float | None:
    values = np.abs(diff.to_numpy(dtype=float))
    values = values[np.isfinite(values)]
    return float(round(values.max(), 6)) if values.size else None


def _num(x) -> float | None:
    x = float(x)
    return round(x, 6) if np.isfinite(x) else None
