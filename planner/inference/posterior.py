"""The numerical core of the encounter model: log posterior, its mode and its draws.

Plain arrays only (no pandas): `planner.inference.model` builds the problem and reads the draws back.

The model for weekly quality-weighted encounters ``y`` is ``y = H(theta) beta + B gamma + e``:
``H`` holds each category's saturation of its carried-over spend (nonlinear in ``theta``: decay,
half-saturation, shape per category), ``beta >= 0`` the spend effects, ``B`` the baseline columns.
The errors are weighted (count families: 1 / variance) and follow an AR(1) process with a fixed
``rho`` (the Prais-Winsten transform ``T``), so week-to-week runs of misfit widen the intervals
instead of being read as signal.

Posterior of the nonlinear parameters ``u`` (the nine parameters scaled to the unit box of the
search ranges; log scale for half-saturation and shape)::

    log p(u | y) = -|u - 1/2|^2 / (2 prior_sd^2) - (n - q) / 2 * log SSE(u) + const

where ``SSE(u)`` is the residual sum of squares of the transformed data once ``gamma`` is
projected out and ``beta >= 0`` solved exactly (a profile over the linear part with the noise
variance integrated out under a scale-free prior; ``q`` counts the linear coefficients). The
prior is a Gaussian centred on the middle of each search range, truncated to the range. Draws of
``u`` come from emcee's affine-invariant ensemble sampler started around the mode; for each
kept ``u`` the linear part is drawn from its conditional posterior (``sigma^2`` from a scaled
inverse chi-square, ``beta`` from the normal projected onto ``beta >= 0``, ``gamma`` given
``beta``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.optimize import minimize
from scipy.signal import lfilter
from scipy.stats import qmc

from planner.inference.transforms import BACKCAST_WEEKS

__all__ = ["Problem", "draw_posterior", "find_mode", "nnls_gram"]

_TINY = 1e-9


def nnls_gram(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:
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


@dataclass(frozen=True)
class Lift:
    """One lift test as the fit sees it.

    ``j`` is the test's category among the modelled ones; the spend of weeks ``first..last``
    (positions, inclusive) was changed by ``change`` EUR a week; ``lift`` (sd ``se``) extra
    weighted encounters were measured over weeks ``first..stop-1`` (the window and any weeks after
    it that the measurement covered).
    """

    j: int
    first: int
    last: int
    stop: int
    change: float
    lift: float
    se: float


def _backcast(early: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """`planner.inference.transforms.backcast` for the inner loop: early (k, m), lam (m,) or (W, m)."""
    powers = lam[..., None] ** np.arange(early.shape[0])  # (..., m, k)
    return np.einsum("...mk,km->...m", powers, early) / powers.sum(axis=-1)


def _scan_adstock(x: np.ndarray, lam: np.ndarray, start: np.ndarray) -> np.ndarray:
    """``a[t] = lam a[t-1] + (1 - lam) x[t]`` from ``a[-1] = start``, for many decays at once.

    ``x`` is (weeks, m) with ``lam`` (W, m), or (weeks,) with ``lam`` (W,); returns (weeks, W, m) or
    (weeks, W). A prefix scan: log2(weeks) whole-array steps instead of one small step per week.
    """
    a = (1.0 - lam) * x[:, None, ...]
    a[0] += lam * start
    power, shift = lam, 1
    while shift < a.shape[0]:
        a[shift:] += power * a[:-shift]
        power, shift = power * power, 2 * shift
    return a


def _batched_nnls_gain(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """max over b >= 0 of 2 r'b - b'Gb for each of W small problems, (W, m, m), (W, m) -> (W,).

    The unconstrained solution answers most problems; the others try every active set at once,
    and the best feasible one is the exact solution (the problem is convex, so the best feasible
    stationary point of a face is the optimum).
    """
    w, m, _ = gram.shape
    ridge = 1e-12 * np.trace(gram, axis1=1, axis2=2)[:, None, None] * np.eye(m)
    gram = gram + ridge
    b = np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]
    best = np.einsum("wi,wi->w", rhs, b)  # at a stationary point, 2 r'b - b'Gb = r'b
    bad = np.flatnonzero(~np.all(b >= 0, axis=1))
    if bad.size == 0:
        return best
    g_bad, r_bad = gram[bad], rhs[bad]
    sub_best = np.zeros(bad.size)
    for size in range(1, m):
        for subset in combinations(range(m), size):
            idx = list(subset)
            r = r_bad[:, idx]
            bs = np.linalg.solve(g_bad[:, idx][:, :, idx], r[:, :, None])[:, :, 0]
            gain = np.einsum("wi,wi->w", r, bs)
            sub_best = np.where(np.all(bs >= 0, axis=1) & (gain > sub_best), gain, sub_best)
    best[bad] = sub_best
    return best


def ar1_transform(v: np.ndarray, rho: float) -> np.ndarray:
    """Prais-Winsten: ``out[0] = sqrt(1 - rho^2) v[0]``, ``out[t] = v[t] - rho v[t-1]`` (axis 0)."""
    if rho == 0.0:
        return v
    out = np.empty_like(v)
    out[0] = math.sqrt(1.0 - rho * rho) * v[0]
    out[1:] = v[1:] - rho * v[:-1]
    return out


def lag1_correlation(r: np.ndarray) -> float:
    """First-order autocorrelation of a residual series (0 for fewer than three weeks)."""
    r = np.asarray(r, dtype=float) - float(np.mean(r))
    den = float(r @ r)
    if r.size < 3 or den <= 0:
        return 0.0
    return float(r[1:] @ r[:-1]) / den


class Problem:
    """Spend, baseline, weights, error correlation and search box of one fit on the first `rows` weeks.

    Parameters
    ----------
    spend : (n, m) array
        Weekly spend of the modelled categories.
    base : (n, p) array
        Baseline columns (full column rank).
    y : (n,) array
        Weighted encounters.
    lo, hi : (m, 3) arrays
        Search box: decay, half-saturation (multiple of the category's mean weekly spend), shape.
    prior_sd : float
        Sd of the prior on the unit scale of the box.
    sw : (n,) array, optional
        Square roots of the weights (1 / sd of each week's error up to a common factor).
    rho : float
        AR(1) coefficient of the errors.
    rows : int, optional
        Fit to the first `rows` weeks only (default all).
    warmup : int
        The first weeks only carry spend over: their encounters are left out of the likelihood,
        because the carryover from the unseen weeks before the data is only estimated there.
    experiments : list of Lift, optional
        Lift tests: each is one more observation, of the model's own prediction of the lift (see
        `Lift`). Tests whose measured weeks reach past `rows` are left out of this fit.
    noise_sd : float, optional
        The sd of one week's (weighted, AR(1)-transformed) error, from a fit without the tests:
        it puts each test's row on the scale of the weekly rows (a test of sd ``se`` counts as
        ``(noise_sd / se)**2`` weeks' worth of information about its lift).
    """

    def __init__(
        self,
        spend,
        base,
        y,
        lo,
        hi,
        prior_sd,
        sw=None,
        rho=0.0,
        rows=None,
        warmup=0,
        experiments=None,
        noise_sd=None,
    ):
        self.spend = np.ascontiguousarray(spend, dtype=float)
        self.base = np.ascontiguousarray(base, dtype=float)
        self.y = np.asarray(y, dtype=float)
        n = self.y.size
        self.n = n
        self.rows = n if rows is None else int(rows)
        self.m = self.spend.shape[1]
        self.p = self.base.shape[1]
        self.scale = np.maximum(self.spend.mean(axis=0), _TINY)
        self.early = self.spend[:BACKCAST_WEEKS]  # stands in for the weeks before the data
        self.lo = np.asarray(lo, dtype=float).reshape(self.m, 3)
        self.hi = np.asarray(hi, dtype=float).reshape(self.m, 3)
        self.span = self.hi - self.lo
        self.logspan = np.log(self.hi[:, 1:] / self.lo[:, 1:])
        self.prior_sd = float(prior_sd)
        self.sw = np.ones(n) if sw is None else np.asarray(sw, dtype=float)
        self.rho = float(rho)
        r = self.rows
        w0 = self.w0 = int(min(max(warmup, 0), max(r - 1, 0)))
        self.yt = ar1_transform(self.y[w0:r] * self.sw[w0:r], self.rho)
        bt = ar1_transform(self.base[w0:r] * self.sw[w0:r, None], self.rho)
        u, sv, vt = np.linalg.svd(bt, full_matrices=False)
        rank = int(np.sum(sv > sv[0] * 1e-10)) if sv.size and sv[0] > 0 else 0
        self.rank = rank
        self.q_base = u[:, :rank]
        self.pinv_base = (vt[:rank].T / sv[:rank]) @ u[:, :rank].T  # (p, rows)
        self.base_cov = (vt[:rank].T / sv[:rank] ** 2) @ vt[:rank]  # (B'B)^-1 of the transformed base
        self.ry = self.yt - self.q_base @ (self.q_base.T @ self.yt)
        self.dof = max(r - w0 - rank - self.m, 1)
        self.lifts = [e for e in (experiments or []) if e.stop <= r and self.m > 0]
        if self.lifts and not (noise_sd and noise_sd > 0):
            raise ValueError("lift tests need the weekly noise sd of a fit without them")
        self.noise_sd = float(noise_sd or 0.0)
        # per test: the spend without the test, the row's scale and its scaled measurement
        self._cf = [self.spend_without(e) for e in self.lifts]
        self._lift_scale = np.array([self.noise_sd / e.se for e in self.lifts])
        self._lift_obs = np.array([e.lift for e in self.lifts]) * self._lift_scale
        # the carryover is linear in spend, so without the test it is the history's minus the
        # change's own carryover (closed form below) - exact when the window starts after the
        # backcast's weeks and taking the change out leaves every week's spend as it is minus the change
        self._closed = []
        for e in self.lifts:
            moved = self.spend[e.first : e.last + 1, e.j] - e.change
            exact = e.first >= BACKCAST_WEEKS and bool(np.all(moved >= 0.0))
            self._closed.append(exact)

    # -- parameters ---------------------------------------------------------------------------

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

    # -- features -------------------------------------------------------------------------------

    def spend_without(self, lift: Lift) -> np.ndarray:
        """The spend as it would have been without the test: its change taken out of the window."""
        x = self.spend.copy()
        x[lift.first : lift.last + 1, lift.j] -= lift.change
        return np.maximum(x, 0.0)

    @staticmethod
    def _change_carryover(lift: Lift, lam: np.ndarray, grad: bool = False):
        """The carryover of a test's change per unit of change, over its measured weeks.

        ``g[t] = (1 - lam) sum_{s=first..min(t, last)} lam^(t - s) = lam^max(t - last, 0) - lam^(t - first + 1)``
        for ``t = first..stop-1``: shape (weeks measured,) + lam's shape; with grad also dg/dlam.
        """
        tau = np.arange(lift.stop - lift.first, dtype=float).reshape((-1,) + (1,) * np.ndim(lam))
        p1 = np.maximum(tau - (lift.last - lift.first), 0.0)
        p2 = tau + 1.0
        lp1, lp2 = lam**p1, lam**p2
        if not grad:
            return lp1 - lp2
        dg = np.where(p1 > 0, p1 * lam ** np.maximum(p1 - 1.0, 0.0), 0.0) - p2 * lam ** (p2 - 1.0)
        return lp1 - lp2, dg

    def features(self, u: np.ndarray, rows: int | None = None, grad: bool = False, spend=None, parts=None):
        """Saturation of the carried-over spend, (rows, m); with grad, d/du as (rows, m, 3).

        The same recursion and curve as `planner.inference.transforms.adstock` and `hill`, from the start
        state `planner.inference.transforms.backcast`, written for the inner loop. `spend` (default the
        data's) gives the features of another history of the same weeks. A dict `parts` receives
        the carried-over spend before its floor (``a``) and, with grad, its d/d decay (``da``).
        """
        theta = self.theta(u)
        full = self.spend if spend is None else spend
        early = full[:BACKCAST_WEEKS]
        x = full if rows is None else full[:rows]
        lam, k, s = theta[:, 0], theta[:, 1] * self.scale, theta[:, 2]
        start = _backcast(early, lam)
        a = np.empty_like(x)
        for j in range(self.m):
            a[:, j] = lfilter([1.0 - lam[j]], [1.0, -lam[j]], x[:, j], zi=[lam[j] * start[j]])[0]
        if parts is not None:
            parts["a"] = a
        a = np.maximum(a, _TINY * self.scale)
        lr = np.log(k) - np.log(a)
        q = np.exp(s * lr)
        h = 1.0 / (1.0 + q)
        if not grad:
            return h
        c = h * h * q  # h (1 - h)
        a_prev = np.vstack([start[None, :], a[:-1]])
        # d start / d lam: the backcast is a weighted mean with weights lam**k
        kk = np.arange(early.shape[0])[:, None]
        w = lam**kk
        dw = kk * lam ** np.maximum(kk - 1, 0)
        dstart = (np.sum(dw * early, axis=0) - start * np.sum(dw, axis=0)) / np.sum(w, axis=0)
        da = np.empty_like(x)
        for j in range(self.m):
            da[:, j] = lfilter([1.0], [1.0, -lam[j]], a_prev[:, j] - x[:, j], zi=[lam[j] * dstart[j]])[0]
        if parts is not None:
            parts["da"] = da
        d = np.empty(x.shape + (3,))
        d[:, :, 0] = c * s / a * da * self.span[:, 0]
        d[:, :, 1] = -c * s * self.logspan[:, 0]
        d[:, :, 2] = -c * lr * s * self.logspan[:, 1]
        return h, d

    def _transformed(self, h: np.ndarray) -> np.ndarray:
        """Weighted and AR(1)-transformed fitted weeks of `h` (weeks from the first on)."""
        return ar1_transform(h[self.w0 : self.rows] * self.sw[self.w0 : self.rows, None], self.rho)

    def lift_features(self, u: np.ndarray, h=None, grad: bool = False, parts: dict | None = None):
        """Per test, what its category's saturation gained from the test over the measured weeks.

        ``D[e] = sum over the measured weeks of h_j(spend) - h_j(spend without the test)``, so the
        model's predicted lift of test ``e`` is ``beta_j * D[e]``. With grad also dD/du, (k, m, 3).
        `h` (with grad: ``(h, dh)``) and `parts` are `features` of this `u` when the caller has them.

        The carryover without the test is the history's minus the change's own carryover,
        ``a_j(without)[t] = a_j[t] - change * g[t]`` (`_change_carryover`), so only the measured
        weeks are computed again.
        """
        k = len(self.lifts)
        out = np.empty(k)
        dout = np.zeros((k, self.m, 3)) if grad else None
        if k == 0:
            return (out, dout) if grad else out
        if h is None or parts is None:
            parts = {}
            h = self.features(u, max(e.stop for e in self.lifts), grad=grad, parts=parts)
        h, dh = h if grad else (h, None)
        theta = self.theta(u)
        lam, half, shape = theta[:, 0], theta[:, 1] * self.scale, theta[:, 2]
        for e, lift in enumerate(self.lifts):
            j, rows = lift.j, slice(lift.first, lift.stop)
            if not self._closed[e]:
                out[e], d_e = self._lift_feature_by_scan(u, e, h, dh, grad)
                if grad:
                    dout[e, j] = d_e
                continue
            g = self._change_carryover(lift, lam[j], grad=grad)
            g, dg = g if grad else (g, None)
            ac = np.maximum(parts["a"][rows, j] - lift.change * g, _TINY * self.scale[j])
            lr = math.log(half[j]) - np.log(ac)
            q = np.exp(shape[j] * lr)
            hc = 1.0 / (1.0 + q)
            out[e] = float(np.sum(h[rows, j] - hc))
            if grad:
                c = hc * hc * q
                dac = parts["da"][rows, j] - lift.change * dg
                dc = np.column_stack(
                    [
                        c * shape[j] / ac * dac * self.span[j, 0],
                        -c * shape[j] * self.logspan[j, 0],
                        -c * lr * shape[j] * self.logspan[j, 1],
                    ]
                )
                dout[e, j] = np.sum(dh[rows, j] - dc, axis=0)
        return (out, dout) if grad else out

    def _lift_feature_by_scan(self, u, e, h, dh, grad):
        """`lift_features` of test `e` by running the carryover of the spend without it from the start."""
        lift, cf = self.lifts[e], self._cf[e]
        rows = slice(lift.first, lift.stop)
        sub = self._column_problem(lift.j)
        uj = u[3 * lift.j : 3 * lift.j + 3]
        if grad:
            hc, dc = sub.features(uj, lift.stop, grad=True, spend=cf[:, [lift.j]])
            return float(np.sum(h[rows, lift.j] - hc[rows, 0])), np.sum(dh[rows, lift.j] - dc[rows, 0], axis=0)
        hc = sub.features(uj, lift.stop, spend=cf[:, [lift.j]])
        return float(np.sum(h[rows, lift.j] - hc[rows, 0])), None

    def lift_features_many(self, us: np.ndarray) -> np.ndarray:
        """`lift_features` for many points at once, (W, dim) -> (W, k)."""
        us = np.atleast_2d(np.asarray(us, dtype=float))
        k = len(self.lifts)
        if k == 0 or us.shape[0] == 0:
            return np.zeros((us.shape[0], k))
        uu = np.clip(us, 0.0, 1.0).reshape(-1, self.m, 3)
        lam = self.lo[:, 0] + uu[:, :, 0] * self.span[:, 0]  # (W, m)
        half = self.lo[:, 1] * np.exp(uu[:, :, 1] * self.logspan[:, 0]) * self.scale
        shape = self.lo[:, 2] * np.exp(uu[:, :, 2] * self.logspan[:, 1])
        stop = max(e.stop for e in self.lifts)
        a = _scan_adstock(self.spend[:stop], lam, _backcast(self.early, lam))
        h = 1.0 / (1.0 + (half / np.maximum(a, _TINY * self.scale)) ** shape)
        return np.column_stack([self._lift_d_batch(e, lam, half, shape, a, h) for e in range(k)])

    def _lift_d_batch(self, e, lam, half, shape, a, h) -> np.ndarray:
        """D of test `e` for W points: lam, half, shape (W, m); a (unfloored) and h (weeks, W, m)."""
        lift, cf = self.lifts[e], self._cf[e]
        j, rows = lift.j, slice(lift.first, lift.stop)
        if self._closed[e]:
            ac = a[rows, :, j] - lift.change * self._change_carryover(lift, lam[:, j])
        else:
            ac = _scan_adstock(
                cf[: lift.stop, j], lam[:, j], _backcast(cf[:BACKCAST_WEEKS, j, None], lam[:, j, None])[:, 0]
            )[rows]
        ac = np.maximum(ac, _TINY * self.scale[j])
        hc = 1.0 / (1.0 + (half[:, j] / ac) ** shape[:, j])  # (weeks measured, W)
        return np.sum(h[rows, :, j] - hc, axis=0)

    def _column_problem(self, j: int) -> Problem:
        """A one-category view of this problem (same box and scale), for that category's features."""
        cache = self.__dict__.setdefault("_columns", {})
        if j not in cache:
            view = object.__new__(Problem)
            view.spend = self.spend[:, [j]]
            view.m = 1
            view.scale = self.scale[[j]]
            view.lo, view.hi = self.lo[[j]], self.hi[[j]]
            view.span, view.logspan = self.span[[j]], self.logspan[[j]]
            cache[j] = view
        return cache[j]

    def _lift_rows(self, d: np.ndarray) -> np.ndarray:
        """The tests' rows of the linear system, (k, m): scaled D in its category's column."""
        rows = np.zeros((len(self.lifts), self.m))
        for e, lift in enumerate(self.lifts):
            rows[e, lift.j] = self._lift_scale[e] * d[e]
        return rows

    def linear(self, h: np.ndarray, u: np.ndarray | None = None, d: np.ndarray | None = None, parts=None):
        """Projected transformed features, their Gram matrix, rhs and the NNLS beta and residual.

        With lift tests (`u` or their `d` given) their rows follow the weekly ones in all of these.
        """
        ht = self._transformed(h)
        rh = ht - self.q_base @ (self.q_base.T @ ht)
        ry = self.ry
        if self.lifts:
            d = self.lift_features(u, h, parts=parts) if d is None else d
            rh = np.vstack([rh, self._lift_rows(d)])
            ry = np.concatenate([ry, self._lift_obs])
        gram, rhs = rh.T @ rh, rh.T @ ry
        beta = nnls_gram(gram, rhs)
        resid = ry - rh @ beta
        return ht, rh, gram, rhs, beta, resid

    def gamma(self, ht: np.ndarray, beta: np.ndarray) -> np.ndarray:
        return self.pinv_base @ (self.yt - ht @ beta)

    # -- the posterior ------------------------------------------------------------------------------

    def log_prior(self, u: np.ndarray) -> float:
        du = np.asarray(u, dtype=float) - 0.5
        return -0.5 * float(du @ du) / self.prior_sd**2

    def log_post(self, u: np.ndarray) -> float:
        """Log posterior up to a constant; -inf outside the box."""
        u = np.asarray(u, dtype=float)
        if np.any(u < 0.0) or np.any(u > 1.0):
            return -math.inf
        if self.m == 0:
            return 0.0
        parts: dict = {}
        h = self.features(u, self.rows, parts=parts)
        *_, resid = self.linear(h, u, parts=parts)
        sse = max(float(resid @ resid), 1e-300)
        return self.log_prior(u) - 0.5 * (self.dof + self.m) * math.log(sse)

    def log_post_many(self, us: np.ndarray) -> np.ndarray:
        """`log_post` for many points at once, (W, dim) -> (W,): the sampler's inner loop."""
        us = np.atleast_2d(np.asarray(us, dtype=float))
        w = us.shape[0]
        out = np.full(w, -math.inf)
        inside = np.all((us >= 0.0) & (us <= 1.0), axis=1)
        if self.m == 0:
            out[inside] = 0.0
            return out
        if not inside.any():
            return out
        uu = us[inside].reshape(-1, self.m, 3)
        lam = self.lo[:, 0] + uu[:, :, 0] * self.span[:, 0]  # (W, m)
        k = self.lo[:, 1] * np.exp(uu[:, :, 1] * self.logspan[:, 0]) * self.scale
        s = self.lo[:, 2] * np.exp(uu[:, :, 2] * self.logspan[:, 1])
        x = self.spend[: self.rows]
        a = _scan_adstock(x, lam, _backcast(self.early, lam))
        h = 1.0 / (1.0 + (k / np.maximum(a, _TINY * self.scale)) ** s)  # (rows, W, m)
        ht = ar1_transform(h[self.w0 :] * self.sw[self.w0 : self.rows, None, None], self.rho)
        flat = ht.reshape(ht.shape[0], -1)
        rh = (flat - self.q_base @ (self.q_base.T @ flat)).reshape(ht.shape)
        rw = rh.transpose(1, 0, 2)  # (W, rows, m)
        gram = rw.transpose(0, 2, 1) @ rw
        rhs = np.einsum("wti,t->wi", rw, self.ry)
        total = float(self.ry @ self.ry)
        for e, lift in enumerate(self.lifts):
            j = lift.j
            row = self._lift_scale[e] * self._lift_d_batch(e, lam, k, s, a, h)  # (W,)
            gram[:, j, j] += row * row
            rhs[:, j] += row * self._lift_obs[e]
            total += float(self._lift_obs[e] ** 2)
        gain = _batched_nnls_gain(gram, rhs)
        sse = np.maximum(total - gain, 1e-300)
        du = uu.reshape(uu.shape[0], -1) - 0.5
        prior = -0.5 * np.sum(du * du, axis=1) / self.prior_sd**2
        out[inside] = prior - 0.5 * (self.dof + self.m) * np.log(sse)
        return out

    def neg_log_post_grad(self, u: np.ndarray):
        """-log posterior and its gradient (envelope theorem over the linear part), for L-BFGS-B."""
        parts: dict = {}
        h, d = self.features(u, self.rows, grad=True, parts=parts)
        lift_d = lift_grad = None
        if self.lifts:
            lift_d, lift_grad = self.lift_features(u, (h, d), grad=True, parts=parts)
        _, _, _, _, beta, resid = self.linear(h, u, lift_d)
        sse = max(float(resid @ resid), 1e-300)
        # d(resid)/du = -(projected transformed dH/du) beta; projection is idempotent, so r'P = r'
        dt = ar1_transform(d[self.w0 : self.rows] * self.sw[self.w0 : self.rows, None, None], self.rho)
        weekly = resid[: dt.shape[0]]
        g_sse = -2.0 * np.einsum("t,tjk,j->jk", weekly, dt, beta)
        for e, lift in enumerate(self.lifts):  # the tests' rows: resid_e = obs_e - scale_e beta_j D_e
            r_e = resid[dt.shape[0] + e]
            g_sse[lift.j] -= 2.0 * r_e * self._lift_scale[e] * beta[lift.j] * lift_grad[e, lift.j]
        g_sse = g_sse.ravel()
        du = np.asarray(u, dtype=float) - 0.5
        half = 0.5 * (self.dof + self.m)
        f = half * math.log(sse) + 0.5 * float(du @ du) / self.prior_sd**2
        return f, half * g_sse / sse + du / self.prior_sd**2

    def point(self, u: np.ndarray):
        """beta and gamma of the best linear part at `u`."""
        if self.m == 0:
            return np.zeros(0), self.pinv_base @ self.yt
        parts: dict = {}
        h = self.features(u, self.rows, parts=parts)
        ht, _, _, _, beta, _ = self.linear(h, u, parts=parts)
        return beta, self.gamma(ht, beta)

    def predict(self, u, beta, gamma, rows=None) -> np.ndarray:
        n = self.n if rows is None else rows
        h = self.features(u, n) if self.m else np.zeros((n, 0))
        return h @ beta + self.base[:n] @ gamma


def starts(dim: int, n: int, seed) -> list[np.ndarray]:
    """The middle of the unit box, then n - 1 Latin-hypercube points."""
    out = [np.full(dim, 0.5)]
    if n > 1:
        out += list(qmc.LatinHypercube(d=dim, seed=seed).random(n - 1))
    return out


def find_mode(problem: Problem, start_points: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """The posterior mode by L-BFGS-B from each start; returns (u, log posterior)."""
    dim = problem.m * 3
    if dim == 0:
        return np.zeros(0), 0.0
    best_u, best_f = np.full(dim, 0.5), math.inf
    for u0 in start_points:
        res = minimize(problem.neg_log_post_grad, u0, jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * dim)
        if res.fun < best_f:
            best_u, best_f = np.clip(res.x, 0.0, 1.0), float(res.fun)
    return best_u, -best_f


def linear_draw(problem: Problem, u: np.ndarray, rng, d: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One draw of (beta, gamma) from their conditional posterior at `u` (`d`: its `lift_features`)."""
    if problem.m == 0:
        sigma = math.sqrt(float(problem.ry @ problem.ry) / rng.chisquare(max(problem.dof, 1)))
        gamma = problem.pinv_base @ problem.yt
        chol = np.linalg.cholesky(problem.base_cov + 1e-12 * np.eye(problem.p))
        return np.zeros(0), gamma + sigma * chol @ rng.standard_normal(problem.p)
    parts: dict = {}
    h = problem.features(u, problem.rows, parts=parts)
    ht, rh, gram, rhs, beta_c, resid = problem.linear(h, u, d, parts=parts)
    sigma2 = float(resid @ resid) / rng.chisquare(problem.dof)
    m = problem.m
    reg = gram + np.eye(m) * (1e-10 * max(np.trace(gram), 1e-300))
    mean = np.linalg.solve(reg, rhs)
    chol = np.linalg.cholesky(np.linalg.inv(reg) * sigma2)
    free = mean + chol @ rng.standard_normal(m)
    # projected onto beta >= 0 in the metric of the data (the nearest fit with no negative effect):
    # an effect whose conditional posterior straddles zero is exactly zero in a matching share of
    # the draws, so "no effect at all" stays inside its interval
    beta = nnls_gram(reg, reg @ free)
    gamma = problem.gamma(ht, beta)
    bchol = np.linalg.cholesky(problem.base_cov * sigma2 + 1e-12 * np.eye(problem.p))
    return beta, gamma + bchol @ rng.standard_normal(problem.p)


def draw_posterior(
    problem: Problem,
    u_mode: np.ndarray,
    n_draws: int,
    seed,
    walkers: int | None = None,
    burn: int = 300,
    steps: int = 400,
) -> tuple[np.ndarray, dict]:
    """Posterior draws, one row (theta (m*3), beta (m), gamma (p)) each, and sampler facts.

    emcee's ensemble sampler (a mix of differential-evolution moves, which cross the flat ridges
    of these models better than the stretch move alone) runs `burn` steps from a small ball
    around the mode, then `steps` more; `n_draws` states are taken evenly from the kept steps.
    Everything is seeded by `seed`, so the same data give the same draws.
    """
    ss = np.random.SeedSequence(seed)
    walker_seed, ball_seed, linear_seed = ss.spawn(3)
    dim = problem.m * 3
    rng_lin = np.random.default_rng(linear_seed)
    if dim == 0:
        rows = []
        for _ in range(n_draws):
            beta, gamma = linear_draw(problem, np.zeros(0), rng_lin)
            rows.append(np.concatenate([beta, gamma]))
        return np.array(rows).reshape(n_draws, -1), {"walkers": 0, "steps": 0, "acceptance": math.nan}
    nw = walkers or max(24, 2 * dim + 2)
    nw += nw % 2
    points, acceptance = run_ensemble(problem.log_post_many, u_mode, nw, n_draws, walker_seed, ball_seed, burn, steps)
    lift_d = problem.lift_features_many(points)  # (n_draws, tests), all draws at once
    rows = []
    for n, u in enumerate(points):
        beta, gamma = linear_draw(problem, u, rng_lin, lift_d[n] if problem.lifts else None)
        rows.append(np.concatenate([problem.theta(u).ravel(), beta, gamma]))
    info = {"walkers": nw, "steps": burn + steps, "acceptance": acceptance}
    return np.array(rows), info


def run_ensemble(log_post_many, u_mode, walkers: int, n_draws: int, walker_seed, ball_seed, burn: int, steps: int):
    """emcee's ensemble sampler from a small ball around the mode: `burn` steps, then `steps` kept.

    A mix of differential-evolution moves (they cross the flat ridges of these models better than
    the stretch move alone); `n_draws` states taken evenly from the kept steps. Returns those
    states (n_draws, dim) and the mean acceptance. Seeded by `walker_seed` and `ball_seed`.
    """
    import emcee

    dim = u_mode.size
    ball = np.random.default_rng(ball_seed)
    p0 = np.clip(u_mode + 0.03 * ball.standard_normal((walkers, dim)), 1e-4, 1 - 1e-4)
    moves = [(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)]
    sampler = emcee.EnsembleSampler(walkers, dim, log_post_many, moves=moves, vectorize=True)
    sampler.random_state = np.random.RandomState(np.random.default_rng(walker_seed).integers(2**31)).get_state()
    state = sampler.run_mcmc(p0, burn, skip_initial_state_check=True)
    sampler.reset()
    sampler.run_mcmc(state, steps, skip_initial_state_check=True)
    chain = sampler.get_chain(flat=True)  # (steps * walkers, dim)
    pick = np.linspace(0, chain.shape[0] - 1, n_draws).round().astype(int)
    return chain[pick], float(np.mean(sampler.acceptance_fraction))
