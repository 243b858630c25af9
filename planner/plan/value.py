"""Plans for value: what an encounter is worth, the plan's objective in its own unit, the
customer-experience guard and the budget level where one more euro stops paying for itself.

The inputs come from the funnel analysis (`planner.inference.funnel`), seeded there:

- `Value`: draws of deals or revenue per quality-weighted encounter, and the gross margin for the
  profit objective;
- `Experience`: draws of the experience score's change per EUR 1,000 a week of carryover, per
  category.

The value per encounter is the average over the data's weeks. Content also warms the leads: the
close rate moves with content's carryover (`planner.inference.funnel`'s trend), so a split that carries more
content than the data did closes a larger share of every lead, whoever brought the encounter. With
`Warming` the expected objective of a split over the horizon's weeks ``t = 0..H-1`` is

    value * E(split) + sum_t w * (C[t] - C_ref) / 1000

where ``value`` is the value per encounter, ``E`` the split's expected spend-driven encounters,
``w`` the objective's change per week per EUR 1,000 a week of content carryover (leads per
encounter x the weekly encounters x the slope of the close rate, x the assisted deal value for
revenue), ``C[t] = decay**(t+1) C_end + (1 - decay**(t+1)) x`` content's carryover in the horizon
from its state at the end of the data under the split's weekly content spend ``x``, and ``C_ref``
its mean over the data (the carryover behind the average value per encounter). For profit: margin
times that revenue, less the budget. Without warming (no close-rate trend in the data, or the
encounters objective) the best split at a fixed budget is the one with the most encounters (unless
the experience guard cuts it off) and only the unit, the gain and its interval change; with it, the
search maximises the objective itself, which is linear in content's euros on top of the encounters.
The intervals pair each posterior encounter draw with a value draw (and its warming draw, by the same
index; the shorter set is resampled with a fixed seed), so they carry the uncertainty of all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from planner.inference.transforms import adstock, backcast
from planner.objective import PlanObjective
from planner.plan._common import CATS, PlanError, percentiles

#: The objectives' names (the closed set is `planner.objective.PlanObjective`).
OBJECTIVES = PlanObjective.names()
#: The unit of each objective's numbers.
UNITS = {o.value: o.unit for o in PlanObjective}
#: The budget levels searched for profit's budget level, as multiples of the plan's budget: the
#: frontier is extended to these ends when the level lies beyond the frontier's own range. A level
#: beyond them is reported as above (or below) the plausible range.
LEVEL_RANGE = (0.1, 4.0)
#: Most budget levels added on either side of the frontier in the search for the budget level.
LEVEL_EXTRA_STEPS = 30
_PAIRING_SEED = 0


@dataclass(frozen=True, eq=False)
class Warming:
    """What content's carryover adds through the close rate of the leads (see the module docstring).

    Attributes
    ----------
    draws : numpy.ndarray
        Shape (n,): the objective's change (deals or EUR of revenue) per week per EUR 1,000 a week
        of content carryover, one per draw (seeded upstream).
    decay : float
        Content's carryover decay (normalised geometric adstock).
    start : float
        Content's carryover at the end of the data (EUR a week).
    reference : float
        Content's mean carryover over the data (EUR a week), the one behind the average value per
        encounter.
    """

    draws: np.ndarray = field(repr=False)
    decay: float
    start: float
    reference: float

    def __post_init__(self):
        draws = np.asarray(self.draws, dtype=float).ravel()
        if draws.size == 0 or not np.all(np.isfinite(draws)):
            raise PlanError("the warming of the leads needs at least one finite draw")
        object.__setattr__(self, "draws", draws)
        if not 0 <= float(self.decay) < 1:
            raise PlanError(f"content's carryover decay must lie in [0, 1), got {self.decay}")

    @classmethod
    def from_funnel(cls, funnel, model, kind: str) -> Warming | None:
        """The warming the funnel analysis measured (`planner.inference.funnel.FunnelResults.warming`), in deals
        or revenue; None without a close-rate trend (no leads, no content carryover) or, for revenue,
        without the assisted deal value.

        The draws are normal around that value, with the spread that matches its interval (seeded by
        the funnel's seed; the slope's uncertainty, the other factors' being small beside it). Decay,
        end state and mean are those of content's carryover at the funnel's decay.
        """
        est = funnel.warming(kind)
        decay = float(funnel.decay.get("content", np.nan))
        if est is None or not np.isfinite(decay):
            return None
        z = float(stats.norm.ppf(0.5 + funnel.interval / 2.0))
        se = max(est["high"] - est["low"], 0.0) / (2.0 * z)
        rng = np.random.default_rng([int(funnel.seed), 7])
        draws = est["value"] + se * rng.standard_normal(max(int(funnel.n_draws), 1))
        x = model.spend["content"].to_numpy(dtype=float)
        carry = adstock(x, decay, initial=backcast(x, decay))
        return cls(draws, decay, float(carry[-1]), float(carry.mean()))

    def ramp(self, weeks: int) -> float:
        """``sum_t (1 - decay**(t+1))`` over the horizon: the carryover-weeks one euro a week adds."""
        t = np.arange(1, weeks + 1)
        return float(np.sum(1.0 - float(self.decay) ** t))

    def carryover_weeks(self, weekly_content: float, weeks: int) -> float:
        """``sum_t (C[t] - C_ref)`` in EUR 1,000 carryover-weeks for a flat weekly content spend."""
        t = np.arange(1, weeks + 1)
        kept = float(self.decay) ** t
        carry = kept * float(self.start) + (1.0 - kept) * float(weekly_content)
        return float(np.sum(carry - float(self.reference))) / 1000.0


@dataclass(frozen=True, eq=False)
class Value:
    """What a quality-weighted encounter is worth: draws of deals or revenue (EUR) per encounter.

    Attributes
    ----------
    kind : str
        ``"deals"`` or ``"revenue"``.
    draws : numpy.ndarray
        Shape (n,): the value per weighted encounter, one per draw (seeded upstream). One draw is
        a known value without uncertainty.
    margin : float or None
        Gross margin (0 < margin <= 1) for the profit objective; profit = margin * revenue - budget.
    warming : Warming or None
        What content's carryover adds through the close rate, in the same unit (deals or EUR);
        None leaves the value per encounter alone.
    """

    kind: str
    draws: np.ndarray = field(repr=False)
    margin: float | None = None
    warming: Warming | None = None

    def __post_init__(self):
        if self.kind not in ("deals", "revenue"):
            raise PlanError(f"the value per encounter is of deals or revenue, not {self.kind!r}")
        draws = np.asarray(self.draws, dtype=float).ravel()
        if draws.size == 0 or not np.all(np.isfinite(draws)):
            raise PlanError("the value per encounter needs at least one finite draw")
        object.__setattr__(self, "draws", draws)
        if self.margin is not None and not 0 < float(self.margin) <= 1:
            raise PlanError(f"the gross margin must lie in (0, 1], got {self.margin}")


@dataclass(frozen=True, eq=False)
class Experience:
    """The experience score's change per EUR 1,000 a week of carryover, per category.

    Attributes
    ----------
    draws : numpy.ndarray
        Shape (n, 3), columns in `planner.CATEGORIES` order (seeded upstream).
    decay : numpy.ndarray or None
        The carryover decay per category behind the score's model, shape (3,). The plan compares
        steady states, where a steady spend x gives the carryover x whatever the decay (normalised
        adstock), so the decay does not enter the change; it is kept with the draws it belongs to.
    """

    draws: np.ndarray = field(repr=False)
    decay: np.ndarray | None = None

    def __post_init__(self):
        draws = np.asarray(self.draws, dtype=float)
        if draws.ndim == 1 and draws.size == 3:
            draws = draws[None, :]
        if draws.ndim != 2 or draws.shape[1] != 3 or draws.shape[0] == 0 or not np.all(np.isfinite(draws)):
            raise PlanError(f"the experience draws must be finite, of shape (n, 3); got shape {draws.shape}")
        object.__setattr__(self, "draws", draws)
        if self.decay is not None:
            decay = np.asarray(self.decay, dtype=float).ravel()
            if decay.shape != (3,):
                raise PlanError(f"the experience decay must have one value per category; got shape {decay.shape}")
            object.__setattr__(self, "decay", decay)

    def change(self, weekly_delta: np.ndarray) -> np.ndarray:
        """Steady-state score change per draw for a change of weekly spend (EUR, per category)."""
        return self.draws @ (np.asarray(weekly_delta, dtype=float) / 1000.0)

    def gradient(self, weekly_budget: float) -> np.ndarray:
        """The expected score change per unit of share, per category, at this weekly budget."""
        return self.draws.mean(axis=0) * weekly_budget / 1000.0


def objective_of(spec, value: Value | None) -> PlanObjective:
    """The plan's objective: ``spec.objective`` (validated by the params schema) when the spec has
    one, else the value's kind; checked here only against the `value` it needs."""
    name = getattr(spec, "objective", None) or (value.kind if value is not None else "encounters")
    try:
        objective = PlanObjective(name)
    except ValueError:
        raise PlanError(f"plan.objective must be one of {', '.join(OBJECTIVES)}, not {name!r}") from None
    if not objective.is_value:
        return objective
    if value is None:
        raise PlanError(
            f"plan.objective {objective} needs the value of an encounter (the funnel's {' and '.join(objective.needs)})"
        )
    if "margin" in objective.needs and (value.kind != objective.value_kind or value.margin is None):
        raise PlanError(f"plan.objective {objective} needs {objective.value_kind} per encounter and funnel.margin")
    if value.kind != objective.value_kind:
        raise PlanError(
            f"plan.objective {objective} needs the {objective.value_kind} per encounter, "
            f"got the {value.kind} per encounter"
        )
    return objective


class Objective:
    """The objective's number for a split: its point, its draws and the last horizon's like."""

    def __init__(self, name: str | PlanObjective, value: Value | None):
        objective = PlanObjective(name)
        self.name = objective.value
        self.unit = objective.unit
        self.value = value if objective.is_value else None
        self._pairs: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def is_value(self) -> bool:
        return self.value is not None

    @property
    def mean_value(self) -> float:
        return float(self.value.draws.mean())

    @property
    def scale(self) -> float:
        """Objective units per encounter (margin times revenue per encounter for profit)."""
        margin = self.value.margin if self.name == "profit" else 1.0
        return float(margin) * self.mean_value

    @property
    def _margin(self) -> float:
        return float(self.value.margin) if self.name == "profit" else 1.0

    @property
    def warming(self) -> Warming | None:
        return None if self.value is None else self.value.warming

    def linear(self, weeks: int) -> np.ndarray | None:
        """The warming in encounter-equivalents per euro of weekly spend, per category (content
        only), for the search: the objective is ``scale * (E + linear @ weekly)`` plus a constant."""
        w = self.warming
        if w is None or self.mean_value <= 0:
            return None
        per_eur = float(w.draws.mean()) * w.ramp(weeks) / 1000.0 / self.mean_value
        return np.array([per_eur if c == "content" else 0.0 for c in CATS])

    def warming_part(self, weekly: np.ndarray | None, weeks: int) -> float | None:
        """The part of `point` that content's warming of the leads brings (None without warming)."""
        w = self.warming
        if w is None or weekly is None:
            return None
        return self._margin * float(w.draws.mean()) * w.carryover_weeks(float(weekly[CATS.index("content")]), weeks)

    def point(self, encounters: float, budget: float, weekly: np.ndarray | None = None, weeks: int = 0) -> float:
        """The objective for a split: its expected encounters valued, plus the warming when the
        split's weekly spend (`weekly`, per category) and the horizon's `weeks` are given."""
        out = self.scale * encounters + (self.warming_part(weekly, weeks) or 0.0)
        return out - budget if self.name == "profit" else out

    def pairs(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices pairing n encounter draws with the value draws (the same for every split)."""
        if n not in self._pairs:
            m = self.value.draws.size
            size = max(n, m)
            rng = np.random.default_rng(_PAIRING_SEED)

            def take(k: int) -> np.ndarray:
                if k == size:
                    return np.arange(size)
                return np.concatenate([np.arange(k), rng.integers(0, k, size - k)])

            self._pairs[n] = (take(n), take(m))
        return self._pairs[n]

    def draws(
        self,
        encounter_draws: np.ndarray,
        encounters: float,
        budget: float,
        weekly: np.ndarray | None = None,
        weeks: int = 0,
    ) -> np.ndarray:
        """The objective per draw: each encounter draw times a value draw (plus the warming draw of
        the same index, resampled to the value draws' number when it differs).

        With fewer than two encounter draws (a known truth, or no draws) the encounters are taken as
        known (the one draw, or the point) and only the value is uncertain.
        """
        enc = np.asarray(encounter_draws, dtype=float)
        if enc.size < 2:
            enc = np.array([float(enc[0]) if enc.size else float(encounters)])
        ie, iv = self.pairs(enc.size)
        out = enc[ie] * self.value.draws[iv]
        w = self.warming
        if w is not None and weekly is not None:
            pick = self._warming_index(w.draws.size)[iv]
            out = out + w.draws[pick] * w.carryover_weeks(float(weekly[CATS.index("content")]), weeks)
        out = self._margin * out
        return out - budget if self.name == "profit" else out

    def warming_draws(self, n_encounter_draws: int, weekly: np.ndarray | None, weeks: int) -> np.ndarray | None:
        """The warming's part of `draws` per draw (the same pairing, margin included), so that the
        gain's warming part and its encounter part each get an interval; None without warming."""
        w = self.warming
        if w is None or weekly is None:
            return None
        _, iv = self.pairs(n_encounter_draws if n_encounter_draws >= 2 else 1)
        pick = self._warming_index(w.draws.size)[iv]
        return self._margin * w.draws[pick] * w.carryover_weeks(float(weekly[CATS.index("content")]), weeks)

    def _warming_index(self, k: int) -> np.ndarray:
        """Indices into k warming draws, one per value draw (seeded, the same for every split)."""
        m = self.value.draws.size
        rng = np.random.default_rng([_PAIRING_SEED, 1])
        return np.arange(m) % k if k >= m else np.concatenate([np.arange(k), rng.integers(0, k, m - k)])

    def recent(self, encounters: float | None) -> float | None:
        """The last horizon's total in the objective's unit, for ``min_gain``.

        Deals and revenue: the observed encounters times the expected value per encounter. Profit:
        the gross profit of that revenue (margin times it), since at a fixed budget a split's gain
        in profit is the margin times its gain in revenue; so ``min_gain`` asks the same share of a
        horizon's revenue of a profit plan as of a revenue plan.
        """
        if encounters is None:
            return None
        return self.scale * encounters


def estimate(point: float, draws: np.ndarray | None, interval: float) -> dict:
    """``{value, low, high}`` from a point and draws (no interval with fewer than two draws)."""
    low, high = percentiles(draws, interval) if draws is not None else (None, None)
    return {"value": float(point), "low": low, "high": high}


def experience_estimate(experience: Experience, weekly_delta: np.ndarray, interval: float) -> dict:
    """The expected steady-state score change and its interval for a change of weekly spend."""
    draws = experience.change(weekly_delta)
    point = float(experience.draws.mean(axis=0) @ (np.asarray(weekly_delta, dtype=float) / 1000.0))
    return estimate(point, draws, interval)


# -- profit: the budget level where one more euro stops paying for itself ------------------------


def marginal(budget: np.ndarray, values: np.ndarray) -> np.ndarray:
    """d value / d budget along the frontier: central differences (one-sided at the ends).

    ``values`` is (levels,) or (levels, draws); rows of NaN (infeasible levels) are skipped.
    """
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.nan)
    ok = np.flatnonzero(np.all(np.isfinite(values.reshape(len(budget), -1)), axis=1))
    for pos, j in enumerate(ok):
        left = ok[pos - 1] if pos > 0 else j
        right = ok[pos + 1] if pos + 1 < len(ok) else j
        if left != right:
            out[j] = (values[right] - values[left]) / (budget[right] - budget[left])
    return out


def crossing(budget: np.ndarray, slope: np.ndarray, profit: np.ndarray) -> tuple[float, str]:
    """Where the marginal profit per euro (``slope``) falls through zero.

    Returns (budget, status): status ``found`` for a crossing inside the levels (the most
    profitable one if there are several, interpolated linearly), ``above`` when one more euro still
    pays at the highest level (the budget returned is that level), ``below`` when it does not pay
    even at the lowest one (the lowest level).
    """
    ok = np.isfinite(slope) & np.isfinite(profit)
    b, s, p = budget[ok], slope[ok], profit[ok]
    if b.size == 0:
        return float("nan"), "below"
    best, best_profit = None, -np.inf
    for j in range(len(b) - 1):
        if s[j] >= 0 > s[j + 1]:
            t = s[j] / (s[j] - s[j + 1])
            at = b[j] + t * (b[j + 1] - b[j])
            gain = p[j] + t * (p[j + 1] - p[j])
            if gain > best_profit:
                best, best_profit = at, gain
    if best is not None:
        return float(best), "found"
    if s[-1] >= 0:
        return float(b[-1]), "above"
    return float(b[0]), "below"


def budget_level(budget: np.ndarray, profit: np.ndarray, profit_draws: np.ndarray | None, interval: float) -> dict:
    """Profit's budget level ``{value, low, high, status}`` from the (extended) frontier.

    ``profit`` is the expected profit at each level (levels,), ``profit_draws`` the paired draws
    (levels, draws). The point is where the expected marginal profit crosses zero (margin times
    marginal revenue equals one); the interval is that of each draw's own crossing, a draw that does
    not cross counting at the end of the levels it points beyond.
    """
    value, status = crossing(budget, marginal(budget, profit), profit)
    low = high = None
    if profit_draws is not None and profit_draws.shape[1] >= 2:
        slopes = marginal(budget, profit_draws)
        each = np.array([crossing(budget, slopes[:, i], profit_draws[:, i])[0] for i in range(profit_draws.shape[1])])
        low, high = percentiles(each[np.isfinite(each)], interval)
    return {"value": value, "low": low, "high": high, "status": status}


# -- the experience guard as a constraint of the search ------------------------------------------


@dataclass(frozen=True)
class Guard:
    """The half-space ``direction @ split >= floor`` (shares): the expected score does not fall."""

    direction: np.ndarray
    floor: float

    @classmethod
    def against(cls, experience: Experience, weekly_budget: float, current: np.ndarray) -> Guard:
        g = experience.gradient(weekly_budget)
        norm = float(np.abs(g).max())
        if norm == 0:
            return cls(np.zeros(3), 0.0)
        g = g / norm
        return cls(g, float(g @ current))

    def slack(self, w: np.ndarray) -> np.ndarray:
        return np.asarray(w) @ self.direction - self.floor

    def holds(self, w: np.ndarray, tol: float = 1e-9) -> bool:
        return bool(self.slack(w) >= -tol)

    def best_within(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """The split within the box that raises the score most (lowers it least): fill the
        categories in order of their effect, from the lower bounds."""
        w = lo.astype(float).copy()
        left = 1.0 - w.sum()
        for i in np.argsort(-self.direction, kind="stable"):
            add = min(hi[i] - w[i], left)
            w[i] += add
            left -= add
        return w
