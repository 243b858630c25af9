"""The encounter model: how many quality-weighted encounters each category's spend generates.

`EncounterModel(dataset, spec).fit()` returns `ModelResults`: weekly encounters explained by the
three categories' spend, each through geometric carryover and Hill saturation (effects >= 0), on
top of a baseline of trend, yearly season, Finnish holidays, events and controls.

How it is estimated
-------------------
Variable projection. For given carryover and saturation parameters (per category: decay,
half-saturation as a multiple of the category's mean weekly spend, shape) the rest of the model is
linear: the baseline is projected out and the three spend effects are solved in closed form under
``beta >= 0`` (an exact non-negative least squares on three columns). The nine nonlinear
parameters are then found by bounded L-BFGS-B from several deterministic starts (the middle of the
search box and a Latin hypercube seeded by ``spec.seed``), with exact gradients.

The criterion is a penalised profile likelihood: ``n/2 log(SSE/n)`` plus a Gaussian penalty that
pulls each parameter, on a unit scale across its search range (log scale for half-saturation and
shape), toward the middle of the range with sd ``tau``. Weekly data rarely pin down all nine
nonlinear parameters; without the penalty the fit wanders along flat ridges where an effect trades
places with the baseline. The strength ``tau`` is chosen by rolling-origin time-series
cross-validation on the weeks before the holdout (``spec.cv_folds`` folds; each fold refits the
whole search and forecasts the next block of weeks). The criterion never looks at how the effect
shares compare with the spend shares.

The last ``spec.holdout_weeks`` weeks are kept out of one fit and forecast as a final check; the
reported estimates then come from a fit on all weeks (the same search, warm-started).

Families: ``ols`` is least squares with Newey-West (HAC) standard errors. ``poisson`` and
``negative_binomial`` keep the model additive (an identity link): the expected count is baseline
plus spend-driven encounters, so contributions add up exactly as in the OLS model and a
category's effect does not scale with the season. The search weights weeks by the family's
variance and the final linear part is a statsmodels GLM; a spend effect that would turn negative
is held at zero.

Uncertainty: a moving-block bootstrap of the residuals (``spec.block_weeks``) that refits
everything, the nonlinear search included (warm-started at the estimate plus one random start),
``spec.n_bootstrap`` times. Draw ``i`` uses ``SeedSequence(spec.seed).spawn(n)[i]``, so the
numbers do not depend on how many processes run the draws.
"""

from __future__ import annotations

import contextlib
import html
import math
import warnings as _warnings
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from itertools import combinations
from multiprocessing import get_context

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.signal import lfilter
from scipy.stats import qmc
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import OLS, WLS
from statsmodels.tools.sm_exceptions import DomainWarning
from threadpoolctl import threadpool_limits

from planner import CATEGORIES
from planner import diagnostics as diag
from planner.params import ModelSpec
from planner.transforms import adstock, hill

__all__ = ["PRIOR_GRID", "EncounterModel", "ModelResults", "ModelSummary", "baseline_design"]

#: Candidate prior sds (unit scale of the search range); rolling-origin CV picks one.
PRIOR_GRID = (0.1, 0.2, 0.4, 0.8)
#: Used when the data are too short for any cross-validation fold.
DEFAULT_PRIOR = 0.25
N_STARTS = 8  # starts of the main searches (the middle of the box + a Latin hypercube)
CV_STARTS = 4  # starts of each cross-validation search
BOOT_STARTS = 1  # random starts of a bootstrap refit, besides the estimate itself
MIN_TRAIN_WEEKS = 52  # the holdout is shortened to keep at least a year for the fit
MIN_DRAWS_FOR_INTERVALS = 10
PARAMETERS = ("decay", "half_saturation", "shape")
_TINY = 1e-9


# -- BLAS threads -------------------------------------------------------------------------------


@contextlib.contextmanager
def _single_threaded_blas():
    """Run BLAS on one thread: the model's matrices are tiny, and OpenBLAS threads that wait for
    work on every call of the search make a fit several times slower (about 8x on two cores)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# -- the baseline -------------------------------------------------------------------------------


def _holiday_flags(index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Christmas/New Year and July weeks, judged by each week's Thursday (the ISO convention)."""
    thu = index + pd.Timedelta(days=3)
    christmas = ((thu.month == 12) & (thu.day >= 25)) | ((thu.month == 1) & (thu.day <= 7))
    return np.asarray(christmas, dtype=float), np.asarray(thu.month == 7, dtype=float)


def baseline_design(
    index: pd.DatetimeIndex,
    spec: ModelSpec,
    events: pd.DataFrame | None = None,
    controls: pd.DataFrame | None = None,
    origin: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The baseline columns of the model for the given weeks.

    Parameters
    ----------
    index : DatetimeIndex
        Mondays of the weeks.
    spec : ModelSpec
        ``trend``, ``seasonality`` (Fourier harmonics of the year) and ``holidays``.
    events, controls : DataFrame, optional
        Columns added as they are (events 0/1, controls numeric), aligned to ``index``.
    origin : Timestamp, optional
        The week the trend counts from (default: the first of ``index``); pass the data's first
        week to extend the baseline past the end of the data.

    Returns
    -------
    DataFrame
        ``intercept``, ``trend`` (weeks since the origin), ``sin1``, ``cos1``, ...,
        ``christmas_new_year``, ``july``, then the events and controls.
    """
    index = pd.DatetimeIndex(index)
    origin = index[0] if origin is None else pd.Timestamp(origin)
    cols: dict[str, np.ndarray] = {"intercept": np.ones(len(index))}
    if spec.trend:
        cols["trend"] = np.asarray((index - origin).days / 7.0, dtype=float)
    thu = index + pd.Timedelta(days=3)
    phase = 2.0 * np.pi * (np.asarray(thu.day_of_year, dtype=float) - 1.0) / 365.25
    for k in range(1, spec.seasonality + 1):
        cols[f"sin{k}"] = np.sin(k * phase)
        cols[f"cos{k}"] = np.cos(k * phase)
    if spec.holidays == "fi":
        cols["christmas_new_year"], cols["july"] = _holiday_flags(index)
    for extra in (events, controls):
        if extra is None:
            continue
        for name in extra.columns:
            key = name if name not in cols else f"data_{name}"
            cols[key] = np.asarray(extra[name], dtype=float)
    return pd.DataFrame(cols, index=index)


# -- numerical core (plain arrays; also runs in worker processes) -------------------------------


class _Core:
    """Spend, baseline columns and search box of one problem; `m` modelled categories."""

    def __init__(self, spend: np.ndarray, base: np.ndarray, lo: np.ndarray, hi: np.ndarray):
        self.spend = np.ascontiguousarray(spend, dtype=float)  # (n, m)
        self.base = np.ascontiguousarray(base, dtype=float)  # (n, p)
        self.m = self.spend.shape[1]
        self.scale = np.maximum(self.spend.mean(axis=0), _TINY)
        self.lo = np.asarray(lo, dtype=float)  # (m, 3): decay, half-saturation multiple, shape
        self.hi = np.asarray(hi, dtype=float)
        self.span = self.hi - self.lo
        self.logspan = np.log(self.hi[:, 1:] / self.lo[:, 1:])

    def theta(self, u: np.ndarray) -> np.ndarray:
        """Unit-box point -> (m, 3) decay, half-saturation multiple, shape."""
        u = np.clip(np.asarray(u, dtype=float).reshape(self.m, 3), 0.0, 1.0)
        out = np.empty_like(u)
        out[:, 0] = self.lo[:, 0] + u[:, 0] * self.span[:, 0]
        out[:, 1:] = self.lo[:, 1:] * np.exp(u[:, 1:] * self.logspan)
        return out

    def unit(self, theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=float).reshape(self.m, 3)
        out = np.empty_like(theta)
        out[:, 0] = (theta[:, 0] - self.lo[:, 0]) / self.span[:, 0]
        out[:, 1:] = np.log(theta[:, 1:] / self.lo[:, 1:]) / self.logspan
        return np.clip(out, 0.0, 1.0).ravel()

    def features(self, u: np.ndarray, rows: int | None = None, grad: bool = False):
        """Saturation of the carried-over spend, (rows, m); with grad, d/du as (rows, m, 3).

        The same recursion and curve as `planner.transforms.adstock` and `hill` (the start state
        is the first week's spend), written for the inner loop of the search.
        """
        theta = self.theta(u)
        x = self.spend if rows is None else self.spend[:rows]
        lam, k, s = theta[:, 0], theta[:, 1] * self.scale, theta[:, 2]
        a = np.empty_like(x)
        for j in range(self.m):
            a[:, j] = lfilter([1.0 - lam[j]], [1.0, -lam[j]], x[:, j], zi=[lam[j] * x[0, j]])[0]
        a = np.maximum(a, _TINY * self.scale)
        lr = np.log(k) - np.log(a)
        q = np.exp(s * lr)
        h = 1.0 / (1.0 + q)
        if not grad:
            return h
        c = h * h * q  # h (1 - h)
        a_prev = np.vstack([x[:1], a[:-1]])
        da = np.empty_like(x)
        for j in range(self.m):
            da[:, j] = lfilter([1.0], [1.0, -lam[j]], a_prev[:, j] - x[:, j])
        d = np.empty(x.shape + (3,))
        d[:, :, 0] = c * s / a * da * self.span[:, 0]
        d[:, :, 1] = -c * s * self.logspan[:, 0]
        d[:, :, 2] = -c * lr * s * self.logspan[:, 1]
        return h, d


def _nnls_gram(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """min b'Gb - 2 r'b subject to b >= 0, for a handful of columns (exact, by active sets)."""
    m = rhs.size
    if m == 0:
        return np.zeros(0)
    gram = gram + np.eye(m) * (1e-12 * max(np.trace(gram), 1e-300))
    try:
        beta = np.linalg.solve(gram, rhs)
        if np.all(beta >= 0):
            return beta
    except np.linalg.LinAlgError:
        pass
    best, best_obj = np.zeros(m), 0.0
    for size in range(m - 1, 0, -1):
        for subset in combinations(range(m), size):
            idx = list(subset)
            try:
                b = np.linalg.solve(gram[np.ix_(idx, idx)], rhs[idx])
            except np.linalg.LinAlgError:
                continue
            if np.all(b >= 0):
                obj = -float(rhs[idx] @ b)
                if obj < best_obj:
                    best_obj, best = obj, np.zeros(m)
                    best[idx] = b
    return best


class _Linear:
    """Weighted least squares of y on [H, baseline] over the first `rows` weeks, H's betas >= 0."""

    def __init__(self, base: np.ndarray, sw: np.ndarray, rows: int):
        self.rows = rows
        self.sw = sw[:rows]
        xw = base[:rows] * self.sw[:, None]
        u, sv, vt = np.linalg.svd(xw, full_matrices=False)
        rank = int(np.sum(sv > sv[0] * 1e-10)) if sv.size and sv[0] > 0 else 0
        self.u = u[:, :rank]
        self.pinv = (vt[:rank].T / sv[:rank]) @ u[:, :rank].T  # (p, rows)

    def solve(self, h: np.ndarray, y: np.ndarray):
        """beta (m,), gamma (p,), projected weighted residual (rows,), projected weighted H."""
        yw = y[: self.rows] * self.sw
        hw = h[: self.rows] * self.sw[:, None]
        ry = yw - self.u @ (self.u.T @ yw)
        rh = hw - self.u @ (self.u.T @ hw)
        beta = _nnls_gram(rh.T @ rh, rh.T @ ry)
        resid = ry - rh @ beta
        gamma = self.pinv @ (yw - hw @ beta)
        return beta, gamma, resid


class _Objective:
    """Penalised profile likelihood of the nonlinear parameters on the first `rows` weeks."""

    def __init__(self, core: _Core, y: np.ndarray, sw: np.ndarray, rows: int, tau: float, linear=None):
        self.core, self.y, self.rows, self.tau = core, y, rows, tau
        self.linear = linear if linear is not None else _Linear(core.base, sw, rows)
        self.sw = sw[:rows]

    def __call__(self, u: np.ndarray):
        h, d = self.core.features(u, self.rows, grad=True)
        beta, _, resid = self.linear.solve(h, self.y)
        sse = max(float(resid @ resid), 1e-300)
        n = self.rows
        # envelope theorem: d SSE / d theta = -2 r' (dH/dtheta) beta at the optimal linear part
        g_sse = -2.0 * np.einsum("t,tjk,j->jk", resid * self.sw, d, beta).ravel()
        du = np.asarray(u, dtype=float) - 0.5
        f = 0.5 * n * math.log(sse / n) + 0.5 * float(du @ du) / self.tau**2
        return f, 0.5 * n * g_sse / sse + du / self.tau**2


def _starts(dim: int, n: int, seed) -> list[np.ndarray]:
    """The middle of the unit box, then n - 1 Latin-hypercube points."""
    out = [np.full(dim, 0.5)]
    if n > 1:
        out += list(qmc.LatinHypercube(d=dim, seed=seed).random(n - 1))
    return out


def _search(objective: _Objective, starts: list[np.ndarray]) -> tuple[np.ndarray, float]:
    dim = objective.core.m * 3
    best_u, best_f = np.full(dim, 0.5), math.inf
    for u0 in starts:
        res = minimize(objective, u0, jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * dim)
        if res.fun < best_f:
            best_u, best_f = np.clip(res.x, 0.0, 1.0), float(res.fun)
    return best_u, best_f


def _fit_rows(core, y, sw, rows, tau, starts, linear=None):
    """Search on the first `rows` weeks; returns u, beta, gamma."""
    if core.m == 0:
        lin = linear or _Linear(core.base, sw, rows)
        _, gamma, _ = lin.solve(np.zeros((len(y), 0)), y)
        return np.zeros(0), np.zeros(0), gamma
    obj = _Objective(core, y, sw, rows, tau, linear)
    u, _ = _search(obj, starts)
    h = core.features(u, rows)
    beta, gamma, _ = obj.linear.solve(h, y)
    return u, beta, gamma


def _predict(core, u, beta, gamma, rows=None) -> np.ndarray:
    h = core.features(u, rows) if core.m else np.zeros((core.spend.shape[0] if rows is None else rows, 0))
    base = core.base if rows is None else core.base[:rows]
    return h @ beta + base @ gamma


def _choose_prior(core, y, sw, n_train, folds, seed) -> tuple[float, dict | None]:
    """Rolling-origin CV of the whole search for each prior sd in PRIOR_GRID."""
    test = max(4, min(13, n_train // (folds + 3)))
    min_rows = max(26, core.base.shape[1] + core.m + 5)
    ends = [n_train - (folds - f) * test for f in range(folds)]
    ends = [e for e in ends if e >= min_rows]
    if not ends or core.m == 0:
        return DEFAULT_PRIOR, None
    linears = {e: _Linear(core.base, sw, e) for e in ends}
    starts = _starts(core.m * 3, CV_STARTS, seed)
    scores, forecasts = [], []
    for tau in PRIOR_GRID:
        sse, pred = 0.0, []
        for e in ends:
            u, beta, gamma = _fit_rows(core, y, sw, e, tau, starts, linears[e])
            p = _predict(core, u, beta, gamma, e + test)[e:]
            err = (y[e : e + test] - p) * sw[e : e + test]
            sse += float(err @ err)
            pred.append(p)
        scores.append(sse)
        forecasts.append(np.concatenate(pred))
    best = int(np.argmin(scores))
    actual = np.concatenate([y[e : e + test] for e in ends])
    stats = diag.fit_stats(actual, forecasts[best])
    table = {
        "folds": len(ends),
        "fold_weeks": test,
        "prior_sd": PRIOR_GRID[best],
        "scores": {str(t): s / actual.size for t, s in zip(PRIOR_GRID, scores, strict=True)},
        **{k: stats[k] for k in ("mape", "rmse", "nrmse")},
    }
    return PRIOR_GRID[best], table


def _bootstrap_draws(payload: dict, seeds: list) -> np.ndarray:
    """Refit everything on residual-block resamples; one row (theta, beta, gamma) per seed."""
    core: _Core = payload["core"]
    fitted, resid, scale = payload["fitted"], payload["resid"], payload["resid_scale"]
    sw, tau, u_hat, block = payload["sw"], payload["tau"], payload["u_hat"], payload["block"]
    n = fitted.size
    block = max(1, min(block, n))
    with _single_threaded_blas():
        return _draws(core, fitted, resid, scale, sw, tau, u_hat, block, payload["count"], seeds)


def _draws(core, fitted, resid, scale, sw, tau, u_hat, block, count, seeds) -> np.ndarray:
    n = fitted.size
    linear = _Linear(core.base, sw, n)
    rows = []
    for seq in seeds:
        rng = np.random.default_rng(seq)
        first = rng.integers(0, n - block + 1, size=-(-n // block))
        e = np.concatenate([resid[i : i + block] for i in first])[:n]
        y = fitted + (e - e.mean()) * scale
        if count:
            y = np.maximum(y, 0.0)
        starts = [u_hat] + [rng.random(core.m * 3) for _ in range(BOOT_STARTS)]
        u, beta, gamma = _fit_rows(core, y, sw, n, tau, starts, linear)
        theta = core.theta(u) if core.m else np.zeros((0, 3))
        rows.append(np.concatenate([theta.ravel(), beta, gamma]))
    return np.array(rows).reshape(len(seeds), -1)


def _run_bootstrap(payload: dict, n: int, seed: int, n_jobs: int) -> np.ndarray:
    seeds = np.random.SeedSequence(seed).spawn(n)
    if n_jobs <= 1 or n < 2 * n_jobs:
        return _bootstrap_draws(payload, seeds)
    chunks = [list(c) for c in np.array_split(np.arange(n), 4 * n_jobs) if len(c)]
    ctx = get_context("forkserver")
    ctx.set_forkserver_preload(["planner.model"])
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as pool:
        futures = [pool.submit(_bootstrap_draws, payload, [seeds[i] for i in c]) for c in chunks]
        return np.vstack([f.result() for f in futures])


def _centred(point, draws: np.ndarray) -> np.ndarray:
    """Bootstrap draws of a quantity, moved so that their median is the point estimate.

    The estimate is pulled toward the middle of the search ranges, and every refit on data made
    from it is pulled again, so raw draws centre on a twice-pulled value and their percentile
    interval can miss the estimate altogether. Centring on the estimate (a median-bias correction,
    in the spirit of the basic bootstrap) keeps the spread and removes that double pull.
    """
    draws = np.asarray(draws, dtype=float)
    return draws - np.median(draws, axis=0) + np.asarray(point, dtype=float)


# -- the model ----------------------------------------------------------------------------------


def _label(cat: str, what: str) -> str:
    return f"{what}[{cat}]"


class EncounterModel:
    """Weekly quality-weighted encounters explained by content, design and technology spend.

    Parameters
    ----------
    dataset : planner.data.Dataset
        ``y``, ``spend``, ``events``, ``controls`` and ``params`` (for the plan horizon).
    spec : ModelSpec, optional
        Default: ``dataset.params.model``.
    n_jobs : int, optional
        Processes for the bootstrap refits (default 1: 200 refits take a few seconds in one
        process). The numbers do not depend on it. Worker processes start from a fork server, so
        a script that asks for more than one needs the ``if __name__ == "__main__":`` guard.

    Examples
    --------
    >>> from planner.data import load_data                       # doctest: +SKIP
    >>> res = EncounterModel(load_data(params), params.model).fit()  # doctest: +SKIP
    >>> res.shares()                                             # doctest: +SKIP
    """

    def __init__(self, dataset, spec: ModelSpec | None = None, *, n_jobs: int | None = None):
        self.dataset = dataset
        self.spec = spec if spec is not None else dataset.params.model
        self.n_jobs = n_jobs

    def fit(self) -> ModelResults:
        """Search, fit, check and bootstrap; see the module docstring for the method.

        Returns
        -------
        ModelResults
        """
        with _single_threaded_blas(), np.errstate(over="ignore", under="ignore"):
            return self._fit()

    def _fit(self) -> ModelResults:
        spec, ds = self.spec, self.dataset
        y = np.asarray(ds.y, dtype=float)
        index = pd.DatetimeIndex(ds.y.index)
        n = y.size
        spend = ds.spend[list(CATEGORIES)].astype(float).set_axis(index)
        design = baseline_design(index, spec, ds.events.set_axis(index), ds.controls.set_axis(index))
        # a column that does not vary (an event that never happens) says nothing beside the intercept
        keep = [c for c in design.columns if c == "intercept" or np.ptp(design[c].to_numpy()) > 0]
        dropped = [c for c in design.columns if c not in keep]
        design = design[keep]
        base = design.to_numpy()
        warnings: list[dict] = []

        # which categories the data can speak about at all
        variation = diag.residual_variation(spend.to_numpy(), base)
        identified = variation >= diag.NO_VARIATION_CV
        cats = [c for c, ok in zip(CATEGORIES, identified, strict=True) if ok]
        for cat, v, ok in zip(CATEGORIES, variation, identified, strict=True):
            if v < diag.LOW_VARIATION_CV:
                warnings.append(_low_variation(cat, float(v), bool(ok)))

        search = spec.search
        lo = np.tile([search.decay[0], search.half_saturation[0], search.shape[0]], (len(cats), 1))
        hi = np.tile([search.decay[1], search.half_saturation[1], search.shape[1]], (len(cats), 1))
        core = _Core(spend[cats].to_numpy(), base, lo, hi)
        dim = core.m * 3
        count = spec.family != "ols"

        # the holdout keeps at least a year of weeks for the fit
        holdout = int(max(0, min(spec.holdout_weeks, n - MIN_TRAIN_WEEKS)))
        if holdout < spec.holdout_weeks:
            warnings.append(_holdout_shortened(n, holdout, spec.holdout_weeks))
        n_train = n - holdout

        # weights: 1 for least squares, 1/variance for the count families (from a first fit)
        sw = np.ones(n)
        alpha = 0.0
        if count:
            if np.any(np.abs(y - np.round(y)) > 1e-9):
                warnings.append(_not_counts(spec.family))
            _, _, mu0 = self._quick_mean(core, y, sw)
            sw, alpha = _count_weights(spec.family, y, mu0)

        tau, cv = _choose_prior(core, y, sw, n_train, spec.cv_folds, spec.seed)
        starts = _starts(dim, N_STARTS, spec.seed)

        hold = None
        u_train = None
        if holdout > 0:
            u_train, beta_t, gamma_t = _fit_rows(core, y, sw, n_train, tau, starts)
            pred = _predict(core, u_train, beta_t, gamma_t)
            inside = diag.fit_stats(y[:n_train], pred[:n_train])
            out = diag.fit_stats(y[n_train:], pred[n_train:])
            hold = {
                "weeks": holdout,
                "mape": out["mape"],
                "nrmse": out["nrmse"],
                "rmse": out["rmse"],
                "rmse_ratio": out["rmse"] / inside["rmse"] if inside["rmse"] > 0 else math.nan,
                "actual": y[n_train:].copy(),
                "predicted": pred[n_train:].copy(),
            }

        final_starts = ([u_train] if u_train is not None else []) + starts
        u_hat, beta_ls, gamma_ls = _fit_rows(core, y, sw, n, tau, final_starts)
        theta = core.theta(u_hat) if core.m else np.zeros((0, 3))
        h = core.features(u_hat) if core.m else np.zeros((n, 0))

        # the final linear part in statsmodels (HAC for ols, an identity-link GLM for counts)
        sm_results, beta, gamma = _statsmodels_fit(spec.family, y, h, cats, design, beta_ls, gamma_ls, sw, alpha)
        fitted = h @ beta + base @ gamma

        # bootstrap: residual blocks, everything refitted
        n_boot = int(spec.n_bootstrap)
        draws = None
        if n_boot > 0:
            if count:
                sd = 1.0 / sw
                resid = (y - fitted) / sd
            else:
                sd = np.ones(n)
                resid = y - fitted
            payload = {
                "core": core,
                "fitted": fitted,
                "resid": resid,
                "resid_scale": sd,
                "sw": sw,
                "tau": tau,
                "u_hat": u_hat,
                "block": spec.block_weeks,
                "count": count,
            }
            draws = _run_bootstrap(payload, n_boot, spec.seed, int(self.n_jobs or 1))

        at_bound = []
        for j, cat in enumerate(cats):
            for k, name in enumerate(PARAMETERS):
                uk = u_hat[3 * j + k]
                side = "lower" if uk <= 0.005 else "upper" if uk >= 0.995 else None
                if side is None or (name == "decay" and side == "lower" and search.decay[0] == 0):
                    continue  # no carryover at all is an answer, not the edge of the search
                value = float(theta[j, k] * (core.scale[j] if name == "half_saturation" else 1.0))
                at_bound.append((cat, name, side, value))

        return ModelResults(
            spec=spec,
            index=index,
            y=pd.Series(y, index=index, name="weighted_encounters"),
            spend=spend,
            design=design,
            dropped=dropped,
            categories=cats,
            variation=pd.Series(variation, index=list(CATEGORIES)),
            theta=theta,
            scale=core.scale,
            beta=beta,
            gamma=gamma,
            fitted=fitted,
            weights=sw**2,
            alpha=alpha,
            tau=tau,
            cv=cv,
            holdout=hold,
            sm_results=sm_results,
            draws=draws,
            at_bound=at_bound,
            warnings=warnings,
            horizon_weeks=int(ds.params.plan.horizon_weeks),
            event_columns=list(ds.events.columns),
            control_columns=list(ds.controls.columns),
            search_box={name: tuple(getattr(search, name)) for name in PARAMETERS},
        )

    @staticmethod
    def _quick_mean(core, y, sw):
        """A one-start least-squares fit, for the variance weights of the count families."""
        u, beta, gamma = _fit_rows(core, y, sw, y.size, DEFAULT_PRIOR, [np.full(core.m * 3, 0.5)])
        return u, beta, _predict(core, u, beta, gamma)


def _count_weights(family: str, y: np.ndarray, mu0: np.ndarray) -> tuple[np.ndarray, float]:
    """sqrt of 1/variance: Poisson var = mu; negative binomial var = mu + alpha mu^2 (moments)."""
    floor = max(0.5, 1e-3 * float(np.mean(np.abs(y))))
    mu = np.maximum(mu0, floor)
    alpha = 0.0
    if family == "negative_binomial":
        alpha = max(0.0, float(np.sum((y - mu) ** 2 - mu) / np.sum(mu**2)))
    var = mu + alpha * mu**2
    sw = 1.0 / np.sqrt(var)
    return sw / sw.mean(), alpha


def _statsmodels_fit(family, y, h, cats, design, beta_ls, gamma_ls, sw, alpha):
    """Final linear fit; spend effects the constrained solution holds at zero stay out."""
    names = [_label(c, "beta") for c in cats]
    n = y.size
    active = [j for j in range(len(cats)) if beta_ls[j] > 0]
    for _ in range(len(cats) + 1):
        exog = pd.concat(
            [pd.DataFrame(h[:, active], index=design.index, columns=[names[j] for j in active]), design],
            axis=1,
        )
        if family == "ols":
            lags = int(math.floor(4 * (n / 100.0) ** (2.0 / 9.0)))
            res = OLS(y, exog).fit(cov_type="HAC", cov_kwds={"maxlags": max(lags, 1)})
        else:
            link = families.links.Identity()
            fam = (
                families.Poisson(link=link)
                if family == "poisson"
                else families.NegativeBinomial(link=link, alpha=max(alpha, 1e-8))
            )
            start = np.concatenate([beta_ls[active], gamma_ls])
            try:
                with np.errstate(all="ignore"), _warnings.catch_warnings():
                    # the identity link is chosen on purpose (see the module docstring)
                    _warnings.simplefilter("ignore", DomainWarning)
                    res = GLM(y, exog, family=fam).fit(start_params=start, maxiter=100)
                if not np.all(np.isfinite(res.params)) or np.any(res.fittedvalues <= 0):
                    raise ValueError("identity-link GLM left the valid region")
            except Exception:  # noqa: BLE001 - fall back to the weighted least squares solution
                res = WLS(y, exog, weights=sw**2).fit()
        b = res.params.to_numpy()
        negative = [active[i] for i in range(len(active)) if b[i] < 0]
        if not negative:
            break
        active = [j for j in active if j not in negative]
    beta = np.zeros(len(cats))
    beta[active] = b[: len(active)]
    gamma = b[len(active) :]
    return res, beta, gamma


# -- warnings -------------------------------------------------------------------------------------


def _warning(code: str, text: str, **context) -> dict:
    return {"code": code, "text": text, "context": context}


def _low_variation(cat: str, variation: float, identified: bool) -> dict:
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
    return _warning("low_variation", text, category=cat, variation=round(variation, 4), identified=identified)


def _holdout_shortened(n: int, used: int, asked: int) -> dict:
    text = (
        f"Only {n} weeks of data: the final check on unseen weeks was shortened from {asked} to "
        f"{used} weeks to keep a year of data for the fit."
    )
    return _warning("holdout_shortened", text, weeks=used, asked=asked, rows=n)


def _not_counts(family: str) -> dict:
    text = (
        f"The {family.replace('_', ' ')} model is meant for counts, but the quality-weighted "
        "encounters are not whole numbers; the model treats them as counts, so its intervals are "
        "approximate. Weight every channel 1 for a true count model, or use family: ols."
    )
    return _warning("not_counts", text, family=family)


# -- results ------------------------------------------------------------------------------------


def _fmt(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}".replace(",", " ")
    if isinstance(x, (float, np.floating)):
        ax = abs(float(x))
        if ax >= 1000:
            return f"{float(x):,.0f}".replace(",", " ")
        return f"{float(x):.{digits}g}"
    return str(x)


class ModelSummary:
    """Tables of a fitted model; prints as text and renders as HTML in a notebook."""

    def __init__(self, title: str, tables: list[tuple[str, pd.DataFrame]], notes: list[str]):
        self.title, self.tables, self.notes = title, tables, notes

    def __str__(self) -> str:
        lines = [self.title, "=" * len(self.title)]
        for name, table in self.tables:
            shown = table.map(_fmt) if not table.empty else table
            lines += ["", name, "-" * len(name), shown.to_string()]
        if self.notes:
            lines += ["", "Notes", "-----"] + [f"- {n}" for n in self.notes]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(self.title)}</h4>"]
        for name, table in self.tables:
            shown = table.map(_fmt) if not table.empty else table
            parts.append(f"<h5>{html.escape(name)}</h5>")
            parts.append(shown.to_html(escape=True, border=0))
        if self.notes:
            parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ul>")
        return "\n".join(parts)


class ModelResults:
    """A fitted encounter model, in the statsmodels spirit; implements the response protocol.

    Attributes
    ----------
    params : Series
        Point estimates: ``beta[cat]`` (weighted encounters per week at full saturation),
        ``decay[cat]``, ``half_saturation[cat]`` (EUR/week), ``shape[cat]``, then the baseline
        coefficients (``intercept``, ``trend`` per week, ``sin1``..., ``christmas_new_year``,
        ``july``, events and controls).
    draws : DataFrame or None
        One row per bootstrap refit, the same columns as ``params``.
    last_state : Series
        Carryover state per category at the end of the data (EUR/week).
    identified : Series of bool
        False for a category whose spend never varied: it is left out (its effect reads as 0).
    warnings : list of dict
        ``{"code", "text", "context"}``; see docs/architecture.md.
    quality : str
        "good" | "fair" | "weak" (see `planner.diagnostics.quality`).
    sm_results : statsmodels results
        The final linear fit at the chosen carryover and saturation.
    interval : float
        Width of the intervals (``spec.interval``).
    """

    def __init__(
        self,
        *,
        spec,
        index,
        y,
        spend,
        design,
        dropped,
        categories,
        variation,
        theta,
        scale,
        beta,
        gamma,
        fitted,
        weights,
        alpha,
        tau,
        cv,
        holdout,
        sm_results,
        draws,
        at_bound,
        warnings,
        horizon_weeks,
        event_columns,
        control_columns,
        search_box,
    ):
        self.spec = spec
        self.family = spec.family
        self.interval = float(spec.interval)
        self.index = index
        self.y = y
        self.spend = spend
        self.design = design
        self.dropped_columns = list(dropped)
        self.identified = pd.Series([c in categories for c in CATEGORIES], index=list(CATEGORIES))
        self.variation = variation
        self.weights = weights
        self.alpha = alpha
        self.prior_sd = tau
        self.cv = cv
        self.holdout = holdout
        self.sm_results = sm_results
        self.horizon_weeks = horizon_weeks
        self.search_box = search_box
        self.event_columns = list(event_columns)
        self.control_columns = list(control_columns)
        self.n_weeks = len(index)

        cats = list(categories)
        base_names = list(design.columns)
        self._base_names = base_names
        m = len(cats)
        p = len(base_names)

        # point estimates, per category in CATEGORIES order (left-out categories: no effect)
        self._theta = np.full((3, 3), np.nan)
        self._beta = np.zeros(3)
        pos = [CATEGORIES.index(c) for c in cats]
        if m:
            self._theta[pos] = theta * np.column_stack([np.ones(m), scale, np.ones(m)])
            self._beta[pos] = beta
        self._gamma = np.asarray(gamma, dtype=float)
        self.params = self._param_series(self._beta, self._theta, self._gamma)

        # draws in the same layout
        if draws is not None and len(draws):
            nd = draws.shape[0]
            th = np.full((nd, 3, 3), np.nan)
            be = np.zeros((nd, 3))
            if m:
                th[:, pos] = draws[:, : 3 * m].reshape(nd, m, 3) * np.column_stack([np.ones(m), scale, np.ones(m)])
                be[:, pos] = draws[:, 3 * m : 4 * m]
            ga = draws[:, 4 * m : 4 * m + p]
            self._draw_theta, self._draw_beta, self._draw_gamma = th, be, ga
            self.draws = pd.DataFrame(
                [self._param_series(be[i], th[i], ga[i]).to_numpy() for i in range(nd)],
                columns=self.params.index,
            )
            self.draws.index.name = "draw"
        else:
            self._draw_theta = self._draw_beta = self._draw_gamma = None
            self.draws = None

        # contributions and carryover state, point and per draw
        x = spend.to_numpy()
        self._contrib, state = self._spend_effects(x, self._theta, self._beta)
        self.last_state = pd.Series(state, index=list(CATEGORIES), name="last_state")
        if self.draws is not None:
            per = [
                self._spend_effects(x, th_i, be_i) for th_i, be_i in zip(self._draw_theta, self._draw_beta, strict=True)
            ]
            self._draw_contrib_totals = np.array([c.sum(axis=0) for c, _ in per])
            self._draw_state = np.array([s for _, s in per])
        else:
            self._draw_contrib_totals = None
            self._draw_state = None

        self.fitted = pd.Series(fitted, index=index, name="fitted")
        self.resid = (y - self.fitted).rename("resid")
        self.diagnostics = self._diagnostics(spend)
        self.warnings = list(warnings) + self._more_warnings(at_bound)
        self.quality = diag.quality(
            self.diagnostics["r2"],
            holdout["rmse_ratio"] if holdout else (cv["rmse"] / self.diagnostics["rmse"] if cv else None),
        )
        self._shares = self._share_table()

    # -- construction helpers ---------------------------------------------------------------

    def _param_series(self, beta, theta, gamma) -> pd.Series:
        values, names = [], []
        for i, cat in enumerate(CATEGORIES):
            values.append(beta[i])
            names.append(_label(cat, "beta"))
            for k, what in enumerate(PARAMETERS):
                values.append(theta[i, k])
                names.append(_label(cat, what))
        values += list(gamma)
        names += self._base_names
        return pd.Series(np.asarray(values, dtype=float), index=names, name="params")

    @staticmethod
    def _filled(theta):
        """Decay, k, s with harmless values for left-out categories (their beta is 0)."""
        lam = np.nan_to_num(theta[:, 0], nan=0.0)
        k = np.nan_to_num(theta[:, 1], nan=1.0)
        s = np.nan_to_num(theta[:, 2], nan=1.0)
        return lam, k, s

    def _spend_effects(self, x, theta, beta):
        lam, k, s = self._filled(theta)
        a = adstock(x, lam)
        return beta * hill(a, k, s), a[-1]

    def _diagnostics(self, spend) -> dict:
        y = self.y.to_numpy()
        stats = diag.fit_stats(y, self.fitted.to_numpy())
        lags, lb_p, dw = diag.ljung_box(self.resid.to_numpy())
        lam, _, _ = self._filled(self._theta)
        carried = adstock(spend.to_numpy(), lam)
        vifs = diag.vif(carried, self.design.to_numpy())
        vifs[~self.identified.to_numpy()] = np.nan  # a left-out category has no effect to inflate
        return {
            **stats,
            "weeks": self.n_weeks,
            "ljung_box_lags": lags,
            "ljung_box_p": lb_p,
            "durbin_watson": dw,
            "vif": dict(zip(CATEGORIES, vifs.tolist(), strict=True)),
            "prior_sd": self.prior_sd,
        }

    def _more_warnings(self, at_bound) -> list[dict]:
        out = []
        d = self.diagnostics
        high = [c for c in CATEGORIES if self.identified[c] and d["vif"][c] > diag.COLLINEARITY_VIF]
        if len(high) >= 2:
            shown = ", ".join(f"{c} {d['vif'][c]:.0f}" for c in high)
            out.append(
                _warning(
                    "collinearity",
                    f"{' and '.join(high).capitalize()} spend rose and fell together (variance "
                    f"inflation {shown}), so the model cannot fully tell their effects apart; their "
                    f"intervals are wide.",
                    categories=high,
                    vif={c: round(d["vif"][c], 1) for c in high},
                )
            )
        h = self.holdout
        if h is not None and (
            h["rmse_ratio"] > diag.POOR_HOLDOUT_RATIO or (self.family == "ols" and h["mape"] > diag.POOR_HOLDOUT_MAPE)
        ):
            out.append(
                _warning(
                    "poor_holdout",
                    f"On the last {h['weeks']} weeks, which the model had not seen, its predictions "
                    f"were off by {h['mape']:.1%} on average ({h['rmse_ratio']:.1f} times its error on "
                    f"the weeks it was fitted to): treat the numbers with care.",
                    weeks=h["weeks"],
                    mape=round(h["mape"], 4),
                    ratio=round(h["rmse_ratio"], 2),
                )
            )
        for cat, name, side, value in at_bound:
            lo, hi = self.search_box[name]
            shown = f"{value:,.0f} EUR/week".replace(",", " ") if name == "half_saturation" else f"{value:.2f}"
            out.append(
                _warning(
                    "at_bound",
                    f"The {name.replace('_', '-')} of {cat} ({shown}) sits at the {side} edge of its "
                    f"search range [{lo:g}, {hi:g}]; the true value may lie beyond it.",
                    category=cat,
                    parameter=name,
                    side=side,
                    value=round(value, 4),
                )
            )
        if d["ljung_box_p"] < diag.AUTOCORRELATION_P:
            out.append(
                _warning(
                    "autocorrelation",
                    f"The model's errors repeat from week to week (Ljung-Box p = {d['ljung_box_p']:.3g} "
                    f"over {d['ljung_box_lags']} weeks), so the intervals may be too narrow; the "
                    f"baseline may be missing a pattern.",
                    p_value=d["ljung_box_p"],
                    lags=d["ljung_box_lags"],
                )
            )
        return out

    def _share_table(self) -> pd.DataFrame:
        totals = self._contrib.sum(axis=0)
        share = totals / totals.sum() if totals.sum() > 0 else np.zeros(3)
        lo_q, hi_q = (1 - self.interval) / 2, 1 - (1 - self.interval) / 2
        low, high = share.copy(), share.copy()
        if self._draw_contrib_totals is not None and len(self._draw_contrib_totals) >= MIN_DRAWS_FOR_INTERVALS:
            t = self._draw_contrib_totals
            s = np.divide(t, t.sum(axis=1, keepdims=True), out=np.zeros_like(t), where=t.sum(axis=1, keepdims=True) > 0)
            s = np.clip(_centred(share, s), 0.0, 1.0)
            low, high = np.quantile(s, lo_q, axis=0), np.quantile(s, hi_q, axis=0)
        else:
            low, high = np.full(3, np.nan), np.full(3, np.nan)
        for i, cat in enumerate(CATEGORIES):
            if not self.identified[cat]:
                low[i], high[i] = 0.0, 1.0
            elif self.variation[cat] < diag.LOW_VARIATION_CV:
                low[i] = 0.0
        return pd.DataFrame(
            {"share": share, "low": low, "high": high, "identified": self.identified.to_numpy()},
            index=pd.Index(CATEGORIES, name="category"),
        )

    # -- statsmodels-like API --------------------------------------------------------------------

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Intervals of `params`: bootstrap percentiles, else HAC/GLM normal intervals (linear only).

        Parameters
        ----------
        alpha : float, optional
            1 - coverage; default ``1 - spec.interval``.

        Returns
        -------
        DataFrame with columns ``lower`` and ``upper``.
        """
        alpha = 1.0 - self.interval if alpha is None else float(alpha)
        if self.draws is not None and len(self.draws) >= MIN_DRAWS_FOR_INTERVALS:
            centred = pd.DataFrame(
                _centred(self.params[self.draws.columns].to_numpy(), self.draws.to_numpy()), columns=self.draws.columns
            )
            q = centred.quantile([alpha / 2, 1 - alpha / 2]).T
            q.columns = ["lower", "upper"]
            return q
        out = pd.DataFrame(np.nan, index=self.params.index, columns=["lower", "upper"])
        ci = self.sm_results.conf_int(alpha)
        for name in ci.index:
            if name in out.index:
                out.loc[name] = ci.loc[name].to_numpy()
        return out

    def contributions(self) -> pd.DataFrame:
        """Weekly encounters: ``baseline`` and each category's spend-driven encounters."""
        out = pd.DataFrame(self._contrib, index=self.index, columns=list(CATEGORIES))
        out.insert(0, "baseline", self.design.to_numpy() @ self._gamma)
        return out

    def shares(self) -> pd.DataFrame:
        """Contribution shares over the data: ``share``, ``low``, ``high``, ``identified``."""
        return self._shares.copy()

    def response_curve(self, category: str, spend=None) -> pd.DataFrame:
        """Steady-state weekly encounters of one category against its weekly spend.

        Parameters
        ----------
        category : str
        spend : array_like, optional
            Weekly spend (EUR/week); default 0 to 1.5 times the highest week in the data.

        Returns
        -------
        DataFrame indexed by ``spend``: ``encounters``, ``low``, ``high`` (spend-driven encounters
        per week when this spend is kept up week after week).
        """
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}; expected one of {', '.join(CATEGORIES)}")
        i = CATEGORIES.index(category)
        if spend is None:
            spend = np.linspace(0.0, 1.5 * float(self.spend[category].max()), 121)
        x = np.asarray(spend, dtype=float)
        lam, k, s = self._filled(self._theta)
        point = self._beta[i] * hill(x, k[i], s[i])
        low = high = np.full(x.shape, np.nan)
        if self._draw_theta is not None and len(self._draw_theta) >= MIN_DRAWS_FOR_INTERVALS:
            curves = np.array(
                [
                    self._draw_beta[d, i] * hill(x, *[v[i] for v in self._filled(self._draw_theta[d])[1:]])
                    for d in range(len(self._draw_theta))
                ]
            )
            curves = np.maximum(_centred(point, curves), 0.0)
            lo_q, hi_q = (1 - self.interval) / 2, 1 - (1 - self.interval) / 2
            low, high = np.quantile(curves, lo_q, axis=0), np.quantile(curves, hi_q, axis=0)
        return pd.DataFrame({"encounters": point, "low": low, "high": high}, index=pd.Index(x, name="spend"))

    def marginal(self, weekly_spend: Mapping[str, float] | pd.Series) -> pd.Series:
        """Extra steady-state encounters per week per extra euro a week, at the given spend."""
        lam, k, s = self._filled(self._theta)
        out = {}
        for i, cat in enumerate(CATEGORIES):
            x = max(float(weekly_spend[cat]), _TINY)
            h = float(hill(x, k[i], s[i]))
            out[cat] = self._beta[i] * s[i] * h * (1 - h) / x
        return pd.Series(out, name="encounters_per_eur")

    # -- the response protocol ------------------------------------------------------------------

    def _spend_array(self, spend) -> np.ndarray:
        if isinstance(spend, pd.DataFrame):
            missing = [c for c in CATEGORIES if c not in spend.columns]
            if missing:
                raise ValueError(f"the spend plan lacks column(s) {', '.join(missing)}")
            spend = spend[list(CATEGORIES)]
        x = np.asarray(spend, dtype=float)
        if x.ndim != 2 or x.shape[1] != len(CATEGORIES):
            raise ValueError(f"spend must be (weeks, {len(CATEGORIES)}), got shape {x.shape}")
        if not np.all(np.isfinite(x)) or np.any(x < 0):
            raise ValueError("spend must be finite and not negative")
        return x

    def simulate(self, spend, *, draws: bool = False) -> np.ndarray:
        """Spend-driven weighted encounters for weekly spend following the end of the data.

        Parameters
        ----------
        spend : DataFrame or array_like
            One row per future week, columns CATEGORIES (EUR/week); an array in that order.
        draws : bool, default False
            One result per bootstrap refit, each from its own carryover state (the point estimate
            alone when there are no draws).

        Returns
        -------
        ndarray
            (weeks, 3), or (n_draws, weeks, 3) with ``draws=True``.
        """
        x = self._spend_array(spend)
        if not draws or self._draw_theta is None:
            lam, k, s = self._filled(self._theta)
            if x.shape[0] == 0:
                out = np.zeros((0, 3))
            else:
                a = adstock(x, lam, initial=self.last_state.to_numpy())
                out = self._beta * hill(a, k, s)
            return out[None, ...] if draws else out
        lam = np.nan_to_num(self._draw_theta[:, :, 0], nan=0.0)  # (n_draws, 3)
        k = np.nan_to_num(self._draw_theta[:, :, 1], nan=1.0)
        s = np.nan_to_num(self._draw_theta[:, :, 2], nan=1.0)
        a = self._draw_state.copy()
        out = np.empty((lam.shape[0], x.shape[0], 3))
        for t in range(x.shape[0]):  # the adstock recursion, vectorised over the draws
            a = lam * a + (1.0 - lam) * x[t]
            out[:, t, :] = self._draw_beta * hill(a, k, s)
        return np.maximum(_centred(self.simulate(x), out), 0.0)

    def predict(self, spend_plan: pd.DataFrame, events=None, controls=None) -> pd.DataFrame:
        """Expected encounters in the weeks following the data, for a weekly spend plan.

        Parameters
        ----------
        spend_plan : DataFrame
            Columns CATEGORIES (EUR/week), one row per future week. A DatetimeIndex gives the
            weeks; otherwise they follow the last week of the data.
        events, controls : DataFrame, optional
            Future values of the event and control columns; taken from ``spend_plan`` when it has
            them. Otherwise events are 0 and controls stay at their mean of the last 13 weeks.

        Returns
        -------
        DataFrame
            Per week: ``content``, ``design``, ``technology``, ``spend_driven``, ``baseline``,
            ``total``, each with ``_low`` and ``_high`` (the model's uncertainty about the expected
            encounters; a single week's count varies more).
        """
        x = self._spend_array(spend_plan)
        weeks = x.shape[0]
        if isinstance(spend_plan, pd.DataFrame) and isinstance(spend_plan.index, pd.DatetimeIndex):
            index = pd.DatetimeIndex(spend_plan.index, name="week_start")
        else:
            index = pd.date_range(self.index[-1] + pd.Timedelta(weeks=1), periods=weeks, freq="7D", name="week_start")
        base_x = self._future_design(index, spend_plan, events, controls)
        point = self.simulate(x)
        out = pd.DataFrame(point, index=index, columns=list(CATEGORIES))
        out["spend_driven"] = point.sum(axis=1)
        out["baseline"] = base_x @ self._gamma
        out["total"] = out["spend_driven"] + out["baseline"]
        lo_q, hi_q = (1 - self.interval) / 2, 1 - (1 - self.interval) / 2
        cols = list(CATEGORIES) + ["spend_driven", "baseline", "total"]
        if self._draw_theta is not None and len(self._draw_theta) >= MIN_DRAWS_FOR_INTERVALS:
            sim = self.simulate(x, draws=True)  # (d, weeks, 3)
            base_d = _centred(out["baseline"].to_numpy(), self._draw_gamma @ base_x.T)  # (d, weeks)
            parts = {c: sim[:, :, i] for i, c in enumerate(CATEGORIES)}
            parts["spend_driven"] = sim.sum(axis=2)
            parts["baseline"] = base_d
            parts["total"] = parts["spend_driven"] + base_d
            for c in cols:
                out[f"{c}_low"] = np.quantile(parts[c], lo_q, axis=0)
                out[f"{c}_high"] = np.quantile(parts[c], hi_q, axis=0)
        else:
            for c in cols:
                out[f"{c}_low"] = np.nan
                out[f"{c}_high"] = np.nan
        return out

    def _future_design(self, index, spend_plan, events, controls) -> np.ndarray:
        def pick(name, given, default):
            for source in (given, spend_plan):
                if isinstance(source, pd.DataFrame) and name in source.columns:
                    return np.asarray(source[name], dtype=float)
            return np.full(len(index), default)

        recent = self.design.iloc[-13:]
        ev = pd.DataFrame({c: pick(c, events, 0.0) for c in self.event_columns}, index=index)
        co = pd.DataFrame(
            {c: pick(c, controls, float(recent[c].mean()) if c in recent else 0.0) for c in self.control_columns},
            index=index,
        )
        design = baseline_design(index, self.spec, ev, co, origin=self.index[0])
        return design.reindex(columns=self._base_names, fill_value=0.0).to_numpy()

    # -- verdicts and sections of results.json ---------------------------------------------------

    def claim(self) -> dict:
        """The claim verdict: ``{"verdict": ..., "text": ...}`` (see `diagnostics.claim_verdict`)."""
        table = self._shares
        shares = {
            c: (float(table.loc[c, "share"]), float(table.loc[c, "low"]), float(table.loc[c, "high"]))
            for c in CATEGORIES
        }
        return diag.claim_verdict(shares, self.identified.to_dict())

    def contributions_dict(self) -> dict:
        """The ``contributions`` section of results.json."""
        weekly_last = self.spend.iloc[-self.horizon_weeks :].mean()
        marginal = self.marginal(weekly_last)
        totals = self._contrib.sum(axis=0)
        spent = self.spend.sum()
        out = {}
        for i, cat in enumerate(CATEGORIES):
            row = self._shares.loc[cat]
            enc = float(totals[i])
            out[cat] = {
                "share": _num(row["share"]),
                "low": _num(row["low"]),
                "high": _num(row["high"]),
                "encounters": _num(enc),
                "cost_per_encounter": _num(spent[cat] / enc) if enc > 0 else None,
                "marginal_cost_per_encounter": _num(1.0 / marginal[cat]) if marginal[cat] > 0 else None,
            }
        return out

    def to_dict(self) -> dict:
        """The ``model`` section of results.json."""
        d = self.diagnostics
        cats = [c for c in CATEGORIES if self.identified[c]]
        th = pd.DataFrame(self._theta, index=list(CATEGORIES), columns=list(PARAMETERS))
        fit = {k: _num(d[k]) for k in ("r2", "mape", "rmse", "nrmse", "ljung_box_p", "durbin_watson")}
        fit.update(weeks=self.n_weeks, prior_sd=self.prior_sd, vif={c: _num(v) for c, v in d["vif"].items()})
        hold = {}
        if self.holdout:
            hold = {k: _num(self.holdout[k]) for k in ("mape", "nrmse", "rmse", "rmse_ratio")}
            hold["weeks"] = self.holdout["weeks"]
        return {
            "family": self.family,
            "decay": {c: _num(th.loc[c, "decay"]) for c in cats},
            "half_saturation": {c: _num(th.loc[c, "half_saturation"]) for c in cats},
            "shape": {c: _num(th.loc[c, "shape"]) for c in cats},
            "beta": {c: _num(self._beta[CATEGORIES.index(c)]) for c in CATEGORIES},
            "identified": {c: bool(self.identified[c]) for c in CATEGORIES},
            "fit": fit,
            "holdout": hold,
            "cv": {k: (_num(v) if isinstance(v, float) else v) for k, v in (self.cv or {}).items()},
            "n_bootstrap": 0 if self.draws is None else len(self.draws),
            "interval": self.interval,
            "seed": self.spec.seed,
            "quality": self.quality,
            "claim": self.claim(),
        }

    def diagnostics_table(self) -> pd.DataFrame:
        """The checks with their values, thresholds and verdicts, for people."""
        d = self.diagnostics
        rows = [
            (
                "R^2 (all weeks)",
                d["r2"],
                f">= {diag.QUALITY_RULES[0][1]:g} good, >= {diag.QUALITY_RULES[1][1]:g} fair",
                "ok" if d["r2"] >= diag.QUALITY_RULES[1][1] else "low",
            ),
            ("MAPE (all weeks)", d["mape"], "", ""),
            ("NRMSE (all weeks)", d["nrmse"], "", ""),
        ]
        if self.holdout:
            h = self.holdout
            rows += [
                (
                    f"Holdout MAPE (last {h['weeks']} weeks)",
                    h["mape"],
                    f"<= {diag.POOR_HOLDOUT_MAPE:g}" if self.family == "ols" else "",
                    "poor" if self.family == "ols" and h["mape"] > diag.POOR_HOLDOUT_MAPE else "ok",
                ),
                ("Holdout NRMSE", h["nrmse"], "", ""),
                (
                    "Holdout / in-sample RMSE",
                    h["rmse_ratio"],
                    f"<= {diag.POOR_HOLDOUT_RATIO:g}",
                    "poor" if h["rmse_ratio"] > diag.POOR_HOLDOUT_RATIO else "ok",
                ),
            ]
        if self.cv:
            rows.append((f"CV MAPE ({self.cv['folds']} folds)", self.cv["mape"], "", ""))
        rows.append(
            (
                "Ljung-Box p",
                d["ljung_box_p"],
                f">= {diag.AUTOCORRELATION_P:g}",
                "ok" if d["ljung_box_p"] >= diag.AUTOCORRELATION_P else "autocorrelated",
            )
        )
        rows.append(("Durbin-Watson", d["durbin_watson"], "about 2", ""))
        for c in CATEGORIES:
            rows.append(
                (
                    f"VIF {c}",
                    d["vif"][c],
                    f"<= {diag.COLLINEARITY_VIF:g}",
                    "left out"
                    if not self.identified[c]
                    else "ok"
                    if d["vif"][c] <= diag.COLLINEARITY_VIF
                    else "collinear",
                )
            )
        for c in CATEGORIES:
            v = float(self.variation[c])
            rows.append(
                (
                    f"Spend variation {c}",
                    v,
                    f">= {diag.LOW_VARIATION_CV:g}",
                    "ok" if v >= diag.LOW_VARIATION_CV else "low",
                )
            )
        table = pd.DataFrame(rows, columns=["check", "value", "threshold", "verdict"]).set_index("check")
        return table

    def summary(self) -> ModelSummary:
        """Fit, parameters with intervals, shares, checks and warnings."""
        ci = self.conf_int()
        params = pd.DataFrame({"estimate": self.params, "lower": ci["lower"], "upper": ci["upper"]})
        shares = self._shares.copy()
        shares["spend_share"] = (self.spend.sum() / self.spend.to_numpy().sum()).to_numpy()
        n_draws = 0 if self.draws is None else len(self.draws)
        info = pd.DataFrame(
            {
                "value": [
                    self.family,
                    self.n_weeks,
                    f"{self.index[0]:%Y-%m-%d} to {self.index[-1]:%Y-%m-%d}",
                    self.quality,
                    self.diagnostics["r2"],
                    self.holdout["mape"] if self.holdout else None,
                    self.prior_sd,
                    n_draws,
                    f"{self.interval:.0%}",
                ]
            },
            index=[
                "family",
                "weeks",
                "period",
                "quality",
                "R^2",
                "holdout MAPE",
                "prior sd (chosen by CV)" if self.cv else "prior sd (default: too few weeks for CV)",
                "bootstrap refits",
                "intervals",
            ],
        )
        notes = [self.claim()["text"]] + [w["text"] for w in self.warnings]
        return ModelSummary(
            "Encounter model",
            [
                ("Model", info),
                ("Contribution shares", shares),
                ("Parameters", params),
                ("Checks", self.diagnostics_table()),
            ],
            notes,
        )

    def __repr__(self) -> str:
        s = self._shares["share"]
        parts = ", ".join(f"{c} {s[c]:.0%}" for c in CATEGORIES)
        return f"<ModelResults {self.family}, {self.n_weeks} weeks, quality {self.quality}: {parts}>"


def _num(x):
    """A JSON-safe float (None for NaN and infinities)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None
