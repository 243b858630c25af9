"""The multiplicative season: the yearly cycle and the holiday dips scale every encounter.

In the multiplicative form the model reads

    y_t = m_t * (inner_t + sum_c beta_c h_c(t)) + e_t,    m_t = exp((S_t - S_bar) delta)

where ``S`` holds the baseline's seasonal columns (the Fourier harmonics ``sin1``, ``cos1``, ... and
the holiday weeks ``christmas_new_year`` and ``july``), ``S_bar`` their mean over the data weeks (so
that the mean of ``log m`` over the data is 0 and the inner intercept keeps the encounters' level)
and the inner baseline keeps the intercept, trend, events and controls. Given ``m``, dividing by it
gives the additive model's own linear-profile problem: ``y / m`` on the inner columns with the
square-root weights multiplied by ``m`` (the error of ``y / m`` has sd ``sigma / m``).

`Season` holds ``delta`` and computes ``m`` for any weeks; `log_linear_start` and `refine` are the
two regressions that estimate ``delta`` (see `planner.inference.model.estimation` for how they alternate with
fits of the inner model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["HOLIDAY_COLUMNS", "Season", "log_linear_start", "refine", "season_columns"]

#: The holiday columns of `planner.inference.model.design.baseline_design` that belong to the season.
HOLIDAY_COLUMNS = ("christmas_new_year", "july")
_HARMONIC = re.compile(r"^(sin|cos)\d+$")
#: log m is kept inside +-this: a multiplier beyond e^3 (20-fold) is a failed regression, not a season.
_MAX_LOG_M = 3.0


def season_columns(columns) -> list[str]:
    """The seasonal columns among a design's `columns` (harmonics and holiday weeks), in order.

    Events and controls never match: `baseline_design` renames a user's column that collides with a
    built-in one (``data_july``).
    """
    return [c for c in columns if _HARMONIC.match(str(c)) or c in HOLIDAY_COLUMNS]


@dataclass(frozen=True)
class Season:
    """A multiplicative season: ``m = exp((S - centre) @ delta)`` over the columns `columns`.

    Attributes
    ----------
    columns : tuple of str
        The seasonal columns of the design (empty: ``m = 1``).
    delta : ndarray
        One coefficient per column, on the log scale (``july = -0.3``: July weeks at 74 %).
    centre : ndarray
        The mean of each column over the data weeks.
    """

    columns: tuple[str, ...]
    delta: np.ndarray
    centre: np.ndarray

    @classmethod
    def flat(cls, columns=()) -> Season:
        """No season: ``m = 1`` in every week."""
        k = len(tuple(columns))
        return cls(tuple(columns), np.zeros(k), np.zeros(k))

    def log_multiplier(self, design: pd.DataFrame | np.ndarray) -> np.ndarray:
        """``log m`` of the weeks of `design`: a frame holding at least `columns`, or an array of
        exactly those columns."""
        if not self.columns:
            return np.zeros(len(design))
        if isinstance(design, pd.DataFrame):
            s = design[list(self.columns)].to_numpy(dtype=float)
        else:
            s = np.asarray(design, dtype=float)
        return np.clip((s - self.centre) @ self.delta, -_MAX_LOG_M, _MAX_LOG_M)

    def multiplier(self, design: pd.DataFrame | np.ndarray) -> np.ndarray:
        """``m`` of the weeks of `design`."""
        return np.exp(self.log_multiplier(design))

    def with_delta(self, delta: np.ndarray) -> Season:
        return Season(self.columns, np.asarray(delta, dtype=float), self.centre)


def _wls(x: np.ndarray, z: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Least-squares coefficients of z on x (weights w), by lstsq (rank-deficient columns get 0-ish)."""
    if w is not None:
        r = np.sqrt(w)
        x, z = x * r[:, None], z * r
    coef, *_ = np.linalg.lstsq(x, z, rcond=None)
    return coef


def log_linear_start(y: np.ndarray, season: np.ndarray, inner: np.ndarray, rows: slice) -> np.ndarray:
    """The first ``delta``: ``log y`` regressed on the inner and seasonal columns (weeks with y > 0).

    The spend's encounters are left in the error here; `refine` takes them into account.
    """
    y, season, inner = y[rows], season[rows], inner[rows]
    ok = y > 0
    k = season.shape[1]
    if k == 0 or ok.sum() <= inner.shape[1] + k + 2:
        return np.zeros(k)
    coef = _wls(np.column_stack([inner[ok], season[ok]]), np.log(y[ok]))
    return coef[-k:]


def refine(
    y: np.ndarray,
    season: np.ndarray,
    features: np.ndarray,
    inner: np.ndarray,
    delta: np.ndarray,
    weights: np.ndarray,
    rows: slice,
    steps: int,
) -> np.ndarray:
    """``delta`` refined by Gauss-Newton steps on the model in the encounters' own scale.

    With the carryover and saturation held (`features`, the spend's saturation curves ``H``), the
    model ``y = exp(season delta) (H beta + inner gamma)`` is fitted by least squares (`weights`:
    1 / variance of each week's encounters up to a factor) in ``delta`` jointly with the linear
    part: each step solves the linear part at the current multiplier ``m``, then regresses the
    residual on ``[m H, m inner, m f season]`` (``f`` the inner fit) and moves ``delta`` by the last
    block, halving the move while it does not lower the sum of squares.

    Refining ``delta`` alone, by regressing ``log(y / inner fit)`` on the seasonal columns with the
    inner fit held, converges slowly: the inner intercept and trend trade off with the season, so
    each round moves little (on a 91-week fold of a multiplicative history that left forecast
    errors 2.6 times those of the joint steps).

    Parameters
    ----------
    y : (n,) array
    season : (n, k) array
        The seasonal columns minus their centre (``log m = season @ delta``).
    features, inner : (n, m) and (n, p) arrays
    delta : (k,) array
        The starting point (`log_linear_start`).
    weights : (n,) array
    rows : slice
        The weeks that count.
    steps : int
    """
    k = season.shape[1]
    if k == 0:
        return np.asarray(delta, dtype=float)
    y, season, weights = y[rows], season[rows], weights[rows]
    x = np.column_stack([features[rows], inner[rows]])
    r = np.sqrt(weights)

    def linear_fit(d):
        m = np.exp(np.clip(season @ d, -_MAX_LOG_M, _MAX_LOG_M))
        coef = _wls(x * m[:, None], y, weights)
        f = x @ coef
        resid = y - m * f
        return m, f, float(np.sum(weights * resid * resid)), resid

    delta = np.asarray(delta, dtype=float)
    m, f, sse, resid = linear_fit(delta)
    for _ in range(steps):
        jac = np.column_stack([x * m[:, None], (m * f)[:, None] * season])
        move, *_ = np.linalg.lstsq(jac * r[:, None], resid * r, rcond=None)
        move = move[-k:]
        for _ in range(4):
            trial = delta + move
            m_t, f_t, sse_t, resid_t = linear_fit(trial)
            if sse_t <= sse:
                delta, m, f, sse, resid = trial, m_t, f_t, sse_t, resid_t
                break
            move = move / 2.0
        else:
            break
    return delta
