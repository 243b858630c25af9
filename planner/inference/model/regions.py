"""The pooled model: one fit over many regions, each region's effects pooled toward the market's.

`RegionalModel(dataset, spec).fit()` returns `PooledResults`, a `ModelResults` for the national
totals (same shares, intervals, response protocol and results.json sections) that also holds each
region's contributions and how much the regions were pooled.

The model, region ``r`` of size ``w_r`` (its share of all encounters over the data)::

    y[t, r] = level_r + trend_r * t + w_r * S[t] gamma
              + w_r * sum_c b[r, c] * hill(adstock(x[t, r, c] / w_r; decay_c); k_c, shape_c) + e[t, r]
    b[r, c] = b_c + u[r, c],   u[r, c] ~ Normal(0, tau_c^2)

A region's level and trend are its own; the season, holiday dips, events and controls (``S``) are
the market's, scaled to the region's size; each category has one carryover and saturation curve
(in national euros a week: a region's spend is divided by its size); ``b_c`` is the market's effect
and ``tau_c`` how far regions stray from it. ``tau_c`` is estimated with everything else (its
ratio to the noise, on a log scale over `POOLING_RANGE`, is a parameter of the posterior), so
the degree of pooling comes from the data: regions that agree are pooled almost to one effect,
regions that differ keep theirs. The errors are weighted by each region's own noise sd and follow
one AR(1) process (both measured on the residuals of a first fit).

The posterior of the carryover and saturation parameters and the pooling (the linear part
integrated out exactly: a Gaussian with a flat prior on the market's terms and the noise variance
integrated out) is sampled by emcee, in `chains` independent chains that may run as Dask tasks;
for each kept point the linear part is drawn from its conditional posterior (``b_c >= 0``; a
region's effect below zero counts as none). Everything is seeded by ``spec.seed``.

Identification is judged on the regional variation (`identification`): spend that is flat in the
national totals but moves differently by region is identified when each region's moves, once its
own level and trend and the market's baseline are taken out, would show the effect.

Honesty across levels: a region whose own estimate differs from its category's effect by more
than pooling allows (Bonferroni over regions and categories at `DISAGREE_ALPHA`) gives the warning
``regions_disagree``; a region with much less information about a category than the others
(`LITTLE_DATA`) gives ``region_borrows_strength``, its effect mostly the market's.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import norm

from planner import CATEGORIES
from planner.inference import diagnostics as diag
from planner.inference import posterior as post
from planner.inference.model import messages
from planner.inference.model.design import baseline_design, independent_columns
from planner.inference.model.estimation import MAX_RHO, WARMUP_WEEKS, EncounterModel
from planner.inference.model.results import ModelResults
from planner.inference.transforms import BACKCAST_WEEKS, adstock, backcast, hill
from planner.presentation.i18n import warning

__all__ = [
    "DISAGREE_ALPHA",
    "LITTLE_DATA",
    "POOLING_RANGE",
    "PooledResults",
    "RegionalModel",
    "identification",
    "use_pooled",
]

#: log10 of the pooling penalty (noise variance over tau^2) relative to a typical region's own
#: information about its effect: -3 is no pooling at all, +3 one effect for every region.
POOLING_RANGE = (-3.0, 3.0)
#: A region disagrees when its own estimate is this improbable under the pooled spread (two-sided,
#: Bonferroni over the regions and categories).
DISAGREE_ALPHA = 0.05
#: A region whose own information about a category is below this fraction of the median region's
#: borrows strength: its effect is mostly the market's.
LITTLE_DATA = 0.25
N_STARTS = 3
BURN = 150
STEPS = 150
_TINY = 1e-12


def use_pooled(dataset, spec) -> bool:
    """Whether the pooled model runs: ``model.regions`` pooled, or auto with data by region.

    The pooled model does not take lift tests in yet: with ``experiments`` in the params, auto fits
    the national totals (which calibrate on them) and pooled is refused.
    """
    how = getattr(spec, "regions", "auto")
    has = getattr(dataset, "regions", None) is not None and len(dataset.region_names) >= 2
    tests = bool(getattr(dataset.params, "experiments", None))
    if how == "pooled" and not has:
        raise ValueError(
            "model.regions: pooled needs data by region or brand; set data.region or data.group, or use "
            "model.regions: national"
        )
    if how == "pooled" and tests:
        raise ValueError(
            "model.regions: pooled does not take lift tests (experiments) yet; use model.regions: national to "
            "calibrate on them, or leave the experiments out"
        )
    return has and not tests and how in ("auto", "pooled")


def _arrays(dataset):
    """(y (T, R), spend (T, R, 3), names) from a Dataset with regions, on its weeks."""
    names = list(dataset.region_names)
    y = dataset.region_y.unstack("region")[names].to_numpy(dtype=float)
    x = np.stack([dataset.region_spend[c].unstack("region")[names].to_numpy(dtype=float) for c in CATEGORIES], axis=2)
    return y, x, names


def _transform(v: np.ndarray, rho: float) -> np.ndarray:
    """Prais-Winsten along axis 0 (weeks), any trailing shape."""
    return post.ar1_transform(v, rho)


class _Problem:
    """The pooled posterior for fixed noise weights and error correlation.

    Parameters are the unit box of ``3 m`` carryover and saturation parameters (as
    `planner.inference.posterior.Problem`) followed by ``m`` pooling parameters (log penalty over
    `POOLING_RANGE`).
    """

    def __init__(self, y, z, w, shared, local, lo, hi, prior_sd, scale, sigma, rho, warmup):
        self.T, self.R = y.shape
        self.y_raw = np.asarray(y, dtype=float)
        self.m = z.shape[2]
        self.z = np.ascontiguousarray(z)  # (T, R, m) national-equivalent spend
        self.w = np.asarray(w, dtype=float)
        self.lo = np.asarray(lo, dtype=float).reshape(self.m, 3)
        self.hi = np.asarray(hi, dtype=float).reshape(self.m, 3)
        self.span = self.hi - self.lo
        self.logspan = np.log(self.hi[:, 1:] / self.lo[:, 1:])
        self.prior_sd = float(prior_sd)
        self.scale = np.asarray(scale, dtype=float)
        self.sigma = np.asarray(sigma, dtype=float)
        self.rho = float(rho)
        self.w0 = int(warmup)
        self.early = self.z[:BACKCAST_WEEKS]
        w0 = self.w0
        pt = _transform(local[w0:], self.rho)  # (T', l) the region's own level and trend
        self.q_local, _ = np.linalg.qr(pt)
        self.l = local.shape[1]

        def resid(v):  # take each region's level and trend out (the same space for every region)
            flat = v.reshape(v.shape[0], -1)
            return (flat - self.q_local @ (self.q_local.T @ flat)).reshape(v.shape)

        self._resid = resid
        self.local = local
        self.shared_raw = shared
        self.sbar = resid(_transform(shared[w0:], self.rho)) if shared.shape[1] else np.zeros((pt.shape[0], 0))
        self.q = self.sbar.shape[1]
        self.ytil = _transform(y[w0:] / self.sigma[None, :], self.rho)  # (T', R)
        self.ybar = resid(self.ytil)
        self.a = self.w / self.sigma  # (R,) the region's column scale
        self.SS = float(np.sum(self.a**2)) * (self.sbar.T @ self.sbar)
        self.Sy = self.sbar.T @ (self.ybar * self.a[None, :]).sum(axis=1)
        self.c0 = float(np.sum(self.ybar**2))
        self.n_eff = self.ybar.size - self.R * self.l
        self.dof = max(self.n_eff - self.q - self.m, 1)
        ref = self._info(np.full(4 * self.m, 0.5))
        self.ref = np.maximum(np.median(ref, axis=0), _TINY)  # (m,) a typical region's information

    # -- parameters -------------------------------------------------------------------------------

    def theta(self, u):
        u = np.clip(np.asarray(u, dtype=float)[..., : 3 * self.m].reshape(*np.shape(u)[:-1], self.m, 3), 0, 1)
        lam = self.lo[:, 0] + u[..., 0] * self.span[:, 0]
        half = self.lo[:, 1] * np.exp(u[..., 1] * self.logspan[:, 0])
        shape = self.lo[:, 2] * np.exp(u[..., 2] * self.logspan[:, 1])
        return lam, half, shape

    def unit(self, theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=float).reshape(self.m, 3)
        out = np.empty_like(theta)
        out[:, 0] = (theta[:, 0] - self.lo[:, 0]) / self.span[:, 0]
        out[:, 1:] = np.log(theta[:, 1:] / self.lo[:, 1:]) / self.logspan
        return np.clip(out, 0.0, 1.0).ravel()

    def penalty(self, u):
        v = np.clip(np.asarray(u, dtype=float)[..., 3 * self.m :], 0, 1)
        lo, hi = POOLING_RANGE
        return self.ref * 10.0 ** (lo + v * (hi - lo))

    # -- features -----------------------------------------------------------------------------------

    def raw_features(self, us: np.ndarray) -> np.ndarray:
        """hill(adstock(z)) for each point: (W, T, R, m)."""
        lam, half, shape = self.theta(np.atleast_2d(us))  # (W, m)
        W = lam.shape[0]
        x = self.z.reshape(self.T, -1)  # (T, R*m)
        lam_r = np.repeat(lam[:, None, :], self.R, axis=1).reshape(W, -1)
        start = post._backcast(x[: self.early.shape[0]], lam_r)
        a = post._scan_adstock(x, lam_r, start).reshape(self.T, W, self.R, self.m)
        k = (half * self.scale)[None, :, None, :]
        s = shape[None, :, None, :]
        h = 1.0 / (1.0 + (k / np.maximum(a, 1e-9 * k)) ** s)
        return h.transpose(1, 0, 2, 3)

    def _hbar(self, us):
        h = self.raw_features(us)[:, self.w0 :]  # (W, T', R, m)
        W = h.shape[0]
        ht = _transform(h.transpose(1, 0, 2, 3), self.rho)  # (T', W, R, m)
        return self._resid(ht).transpose(1, 2, 0, 3).reshape(W, self.R, -1, self.m)  # (W, R, T', m)

    def _info(self, u):
        hb = self._hbar(np.atleast_2d(u))[0]
        return np.einsum("rti,rti->ri", hb, hb) * (self.a**2)[:, None]  # (R, m)

    # -- the linear algebra ------------------------------------------------------------------------

    def blocks(self, us):
        """Per point the Schur system of the market's terms (gamma, b) with each region's u eliminated."""
        us = np.atleast_2d(us)
        hb = self._hbar(us)  # (W, R, T', m)
        a2 = (self.a**2)[None, :, None, None]
        UU = np.einsum("wrti,wrtj->wrij", hb, hb) * a2
        US = np.einsum("wrti,tk->wrik", hb, self.sbar) * a2
        Uy = np.einsum("wrti,tr->wri", hb, self.ybar) * self.a[None, :, None]
        pen = self.penalty(us)  # (W, m)
        A = UU + pen[:, None, :, None] * np.eye(self.m)
        Ainv = np.linalg.inv(A)
        C = np.concatenate([US, UU], axis=3)  # (W, R, m, q+m)
        AiC = Ainv @ C
        Aiy = (Ainv @ Uy[..., None])[..., 0]
        W = us.shape[0]
        qm = self.q + self.m
        D = np.zeros((W, qm, qm))
        D[:, : self.q, : self.q] = self.SS
        D[:, : self.q, self.q :] = US.sum(axis=1).transpose(0, 2, 1)
        D[:, self.q :, : self.q] = US.sum(axis=1)
        D[:, self.q :, self.q :] = UU.sum(axis=1)
        K = D - np.einsum("wrij,wrik->wjk", C, AiC)
        g = np.concatenate([np.broadcast_to(self.Sy, (W, self.q)), Uy.sum(axis=1)], axis=1)
        rhs = g - np.einsum("wrij,wri->wj", C, Aiy)
        c0 = self.c0 - np.einsum("wri,wri->w", Uy, Aiy)
        return {"hb": hb, "A": A, "Ainv": Ainv, "C": C, "Uy": Uy, "K": K, "rhs": rhs, "c0": c0, "pen": pen}

    def _gain(self, K, rhs):
        """max over b >= 0 (gamma free) of 2 rhs'beta - beta'K beta, per point; and the b part's system."""
        q = self.q
        Kgg, Kgb, Kbb = K[:, :q, :q], K[:, :q, q:], K[:, q:, q:]
        rg, rb = rhs[:, :q], rhs[:, q:]
        if q:
            ridge = 1e-12 * np.trace(Kgg, axis1=1, axis2=2)[:, None, None] * np.eye(q)
            X = np.linalg.solve(Kgg + ridge, np.concatenate([rg[..., None], Kgb], axis=2))
            g0 = np.einsum("wi,wi->w", rg, X[:, :, 0])
            Kb = Kbb - np.einsum("wij,wik->wjk", Kgb, X[:, :, 1:])
            rb2 = rb - np.einsum("wij,wi->wj", Kgb, X[:, :, 0])
        else:
            g0, Kb, rb2 = np.zeros(K.shape[0]), Kbb, rb
        return g0 + post._batched_nnls_gain(Kb, rb2), Kb, rb2

    def log_post_many(self, us):
        us = np.atleast_2d(np.asarray(us, dtype=float))
        out = np.full(us.shape[0], -math.inf)
        inside = np.all((us >= 0) & (us <= 1), axis=1)
        if not inside.any():
            return out
        u = us[inside]
        B = self.blocks(u)
        gain, _, _ = self._gain(B["K"], B["rhs"])
        sse = np.maximum(B["c0"] - gain, 1e-300)
        _, logdet_a = np.linalg.slogdet(B["A"])
        _, logdet_k = np.linalg.slogdet(B["K"])
        du = u[:, : 3 * self.m] - 0.5
        prior = -0.5 * np.sum(du * du, axis=1) / self.prior_sd**2
        lml = (
            0.5 * self.R * np.sum(np.log(B["pen"]), axis=1)
            - 0.5 * logdet_a.sum(axis=1)
            - 0.5 * logdet_k
            - 0.5 * self.dof * np.log(sse)
        )
        out[inside] = prior + lml
        return out

    def neg_and_grad(self, u, step=1e-4):
        """-log posterior and its forward-difference gradient, all points in one batch."""
        dim = u.size
        pts = np.repeat(u[None, :], dim + 1, axis=0)
        h = np.where(u + step <= 1.0, step, -step)
        pts[1:] += np.diag(h)
        f = self.log_post_many(pts)
        if not np.isfinite(f[0]):
            return 1e300, np.zeros(dim)
        grad = (f[1:] - f[0]) / h
        grad = np.where(np.isfinite(grad), grad, 0.0)
        return -float(f[0]), -grad

    # -- one point's linear part ----------------------------------------------------------------------

    def solve(self, u, rng=None):
        """The linear part at `u`: its mean, or (with `rng`) one draw from its conditional posterior.

        Returns gamma (q,), b (m,), u_r (R, m), local (R, l) in the encounters' scale, sse.
        """
        B = self.blocks(u[None, :])
        K, rhs = B["K"][0], B["rhs"][0]
        gain, Kb, rb = self._gain(B["K"], B["rhs"])
        sse = max(float(B["c0"][0] - gain[0]), 1e-300)
        q, m = self.q, self.m
        s2 = sse / self.dof if rng is None else sse / rng.chisquare(self.dof)
        Kb, rb = Kb[0], rb[0]
        reg = Kb + np.eye(m) * 1e-10 * max(np.trace(Kb), 1e-300)
        mean_b = np.linalg.solve(reg, rb)
        if rng is not None:
            mean_b = mean_b + np.linalg.cholesky(np.linalg.inv(reg) * s2) @ rng.standard_normal(m)
        b = post.nnls_gram(reg, reg @ mean_b)
        if q:
            Kgg = K[:q, :q] + np.eye(q) * 1e-12 * max(np.trace(K[:q, :q]), 1e-300)
            gamma = np.linalg.solve(Kgg, rhs[:q] - K[:q, q:] @ b)
            if rng is not None:
                gamma = gamma + np.linalg.cholesky(np.linalg.inv(Kgg) * s2) @ rng.standard_normal(q)
        else:
            gamma = np.zeros(0)
        beta = np.concatenate([gamma, b])
        Ainv, C, Uy = B["Ainv"][0], B["C"][0], B["Uy"][0]
        ur = np.einsum("rij,rj->ri", Ainv, Uy - C @ beta)
        if rng is not None:
            chol = np.linalg.cholesky(Ainv * s2 + 1e-300 * np.eye(m))
            ur = ur + np.einsum("rij,rj->ri", chol, rng.standard_normal((self.R, m)))
        # each region's own level and trend, back in the encounters' scale
        hb_raw = self.raw_features(u[None, :])[0][self.w0 :]  # (T', R, m)
        ht = _transform(hb_raw, self.rho)
        st = _transform(self.shared_raw[self.w0 :], self.rho)
        fitted = (st @ gamma)[:, None] * self.a[None, :] + np.einsum("trm,rm->tr", ht, b[None, :] + ur) * self.a[
            None, :
        ]
        rest = self.ytil - fitted
        pt = _transform(self.local[self.w0 :], self.rho)
        coef, *_ = np.linalg.lstsq(pt, rest, rcond=None)  # (l, R)
        if rng is not None:
            cov = np.linalg.inv(pt.T @ pt) * s2
            coef = coef + np.linalg.cholesky(cov + 1e-300 * np.eye(self.l)) @ rng.standard_normal((self.l, self.R))
        local = (coef * self.sigma[None, :]).T  # (R, l)
        return gamma, b, ur, local, sse

    def residuals(self, u) -> np.ndarray:
        """Raw-scale residuals (T, R) at `u` (its mean linear part), all weeks."""
        gamma, b, ur, local, _ = self.solve(u)
        return self.y_raw - self.fitted(u, gamma, b, ur, local)

    def fitted(self, u, gamma, b, ur, local) -> np.ndarray:
        h = self.raw_features(u[None, :])[0]  # (T, R, m)
        eff = np.einsum("trm,rm->tr", h, np.maximum(b[None, :] + ur, 0.0)) * self.w[None, :]
        return self.local @ local.T + (self.shared_raw @ gamma)[:, None] * self.w[None, :] + eff


def identification(z, w, sigma, rho, local, shared, decay, total, warmup, power=0.8, alpha=0.05) -> list[dict]:
    """`diagnostics.identification`'s rows, judged on the regional variation.

    The detectable effect of a category is that of an effect proportional to its carried-over
    spend in every region (``w_r * adstock(z_r)``) once each region's own level and trend and the
    market's baseline (scaled to the region) are taken out, the weeks weighted by each region's
    noise and AR(1)-transformed as the fit does: ``(z_alpha + z_power) / |M c|`` summed over the
    regions. ``follows_baseline`` compares it with a market baseline that may bend
    (`diagnostics.smooth_columns`, the same bends in every region): staggered moves survive it,
    moves every region makes at once do not. ``flat`` and ``one_off`` read each region's own spend
    (its variation within the region; the median region's weeks).
    """
    T, R, m = z.shape
    zq = float(norm.ppf(1 - alpha / 2) + norm.ppf(power))
    carry = np.stack(
        [adstock(z[:, :, j], decay, initial=backcast(z[:, :, j], decay)) for j in range(m)], axis=2
    )  # (T, R, m)
    a = w / sigma
    pt = _transform(local[warmup:], rho)
    ql, _ = np.linalg.qr(pt)

    def resid(v):
        flat = v.reshape(v.shape[0], -1)
        return (flat - ql @ (ql.T @ flat)).reshape(v.shape)

    def stacked(cols):  # (T, k) market columns -> (T'*R, k) scaled per region
        if cols.shape[1] == 0:
            return np.zeros(((T - warmup) * R, 0))
        c = resid(_transform(cols[warmup:], rho))
        return (c[:, None, :] * a[None, :, None]).reshape(-1, cols.shape[1])

    ct = resid(_transform(carry[warmup:], rho)) * a[None, :, None]  # (T', R, m)
    cs = ct.reshape(-1, m)
    base = stacked(shared)
    rich = np.column_stack([base, stacked(diag.smooth_columns(T))])
    q_base, q_rich = diag._projector(base), diag._projector(rich)
    sums = (carry[warmup:] * w[None, :, None]).sum(axis=(0, 1))
    d_base = diag._detectable(cs, q_base, sums, 1.0, zq)
    d_rich = diag._detectable(cs, q_rich, sums, 1.0, zq)
    out = []
    for j in range(m):
        x = z[:, :, j]
        mean = float(x.mean())
        within = x - x.mean(axis=0, keepdims=True)
        cv = float(within.std() / mean) if mean > 0 else 0.0
        weeks = []
        for r in range(R):
            ordered = np.sort(x[:, r])[::-1]
            held = np.cumsum(ordered)
            weeks.append(int(np.searchsorted(held, diag.ONE_OFF_SHARE * held[-1] - 1e-9) + 1) if held[-1] > 0 else 0)
        one_off = int(np.median(weeks))
        ratio = float(d_rich[j] / d_base[j]) if np.isfinite(d_base[j]) and d_base[j] > 0 else math.inf
        frac = float(d_rich[j] / total) if total > 0 else math.inf
        out.append(diag.judge_category(cv, one_off, ratio, frac))
    alone = [j for j in range(m) if out[j]["identified"]]
    for j in alone:
        others = [i for i in alone if i != j]
        q_all = diag._projector(np.column_stack([rich, cs[:, others]]))
        frac = float(diag._detectable(cs[:, [j]], q_all, sums[[j]], 1.0, zq)[0] / total) if total > 0 else math.inf
        out[j]["detectable_given_others"] = frac if math.isfinite(frac) else None
        if frac > diag.MAX_DETECTABLE_FRACTION:
            out[j].update(identified=False, reason="collinear")
    return out


def _chain(problem: _Problem, u_mode: np.ndarray, n_draws: int, seed, burn: int, steps: int):
    """One emcee chain from a ball around the mode; `n_draws` points and its acceptance."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    walker_seed, ball_seed = ss.spawn(2)
    nw = max(16, 2 * u_mode.size + 2)
    nw += nw % 2
    points, acceptance = post.run_ensemble(
        problem.log_post_many, u_mode, nw, n_draws, walker_seed, ball_seed, burn, steps
    )
    # each kept point's linear part, drawn in the same task (the costly half at many regions)
    rng = np.random.default_rng(ss.spawn(1)[0])
    draws = [_draw(problem, u, rng, problem.m, problem.R, problem.l) for u in points]
    return draws, acceptance, nw


def _run_chains(problem, u_mode, n_draws, seed, chains, executor, burn, steps):
    """`chains` independent chains (seeds spawned from `seed`), one task each on Dask or in turn."""
    seeds = np.random.SeedSequence(seed).spawn(chains)
    per = [n_draws // chains + (1 if i < n_draws % chains else 0) for i in range(chains)]
    if executor == "dask":
        import dask

        tasks = [dask.delayed(_chain)(problem, u_mode, n, s, burn, steps) for n, s in zip(per, seeds, strict=True)]
        try:
            from dask.distributed import get_client

            client = get_client()
            out = client.gather(client.compute(tasks))
        except (ImportError, ValueError):
            out = dask.compute(*tasks, scheduler="processes", num_workers=min(chains, 2))
    elif executor == "local":
        out = [_chain(problem, u_mode, n, s, burn, steps) for n, s in zip(per, seeds, strict=True)]
    else:
        raise ValueError(f"unknown executor {executor!r}; expected 'local' or 'dask'")
    points = [d for o in out for d in o[0]]
    return points, {
        "walkers": int(out[0][2]),
        "chains": chains,
        "steps": burn + steps,
        "acceptance": float(np.mean([o[1] for o in out])),
    }


class RegionalModel:
    """The encounter model fitted to every region at once, the regions' effects partially pooled.

    Parameters
    ----------
    dataset : planner.reading.data.Dataset
        With data by region (``dataset.regions``).
    spec : planner.reading.params.ModelSpec
    chains : int
        Independent sampler chains (each a Dask task with ``executor="dask"``).
    executor : "local" or "dask"
    burn, steps : int
        Sampler steps per chain before and after the burn-in.

    Examples
    --------
    >>> RegionalModel(dataset, params.model).fit().pooling["regions"]  # doctest: +SKIP
    6
    """

    def __init__(
        self, dataset, spec=None, *, chains: int = 2, executor: str = "local", burn: int = BURN, steps: int = STEPS
    ):
        if dataset.regions is None:
            raise ValueError("the pooled model needs data by region or brand (data.region or data.group)")
        self.dataset = dataset
        self.spec = spec if spec is not None else dataset.params.model
        self.chains, self.executor, self.burn, self.steps = int(chains), executor, int(burn), int(steps)

    def fit(self) -> PooledResults:
        """Fit the pooled model; the national totals' own fit supplies the forecast checks."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return self._fit()

    def _fit(self) -> PooledResults:
        spec, ds = self.spec, self.dataset
        # the national fit: its holdout and cross-validation judge forecasts of the totals
        national = EncounterModel(ds, spec.model_copy(update={"draws": 0})).fit()
        y, x, names = _arrays(ds)
        T, R, _ = x.shape
        index = pd.DatetimeIndex(ds.y.index)
        w = y.sum(axis=0) / y.sum()
        z = x / w[None, :, None]
        warmup = min(WARMUP_WEEKS, T // 10)
        events, controls = ds.events.set_axis(index), ds.controls.set_axis(index)

        def design_for(knots=()):
            full = baseline_design(index, spec, events, controls, knots=knots)
            keep, _ = independent_columns(full.iloc[warmup:])
            return full[keep]

        design = design_for()
        local_names = [c for c in ("intercept", "trend") if c in design.columns]
        search = spec.search
        decay_mid = float(np.mean(search.decay))

        def split(d):
            shared_cols = [c for c in d.columns if c not in local_names]
            return d[local_names].to_numpy(), d[shared_cols].to_numpy(), shared_cols

        local, shared, _ = split(design)
        # noise weights and error correlation from a first linear fit (effects as straight lines)
        carry = np.stack([adstock(z[:, :, j], decay_mid, initial=backcast(z[:, :, j], decay_mid)) for j in range(3)], 2)
        sigma, rho = _first_noise(y, carry, w, local, shared, warmup)
        total = float(y[warmup:].sum())
        ident = identification(z, w, sigma, rho, local, shared, decay_mid, total, warmup)
        warnings: list[dict] = []
        if any(row["reason"] in diag.BEND_REASONS for row in ident):
            design = design_for(diag.smooth_knots(T))
            local, shared, _ = split(design)
        knots = [k for k in diag.smooth_knots(T) if f"bend{k}" in design.columns]
        identified = [row["identified"] for row in ident]
        cats = [c for c, ok in zip(CATEGORIES, identified, strict=True) if ok]
        pos = [CATEGORIES.index(c) for c in cats]
        for cat, row in zip(CATEGORIES, ident, strict=True):
            if not row["identified"]:
                warnings.append(messages.unidentified(cat, row))
        m = len(cats)
        scale = np.maximum(x.sum(axis=1).mean(axis=0), 1e-9)[pos]
        lo = np.tile([search.decay[0], search.half_saturation[0], search.shape[0]], (m, 1))
        hi = np.tile([search.decay[1], search.half_saturation[1], search.shape[1]], (m, 1))

        def problem_for(sig, r):
            return _Problem(y, z[:, :, pos], w, shared, local, lo, hi, spec.prior_sd, scale, sig, r, warmup)

        u_mode = np.zeros(0)
        problem = problem_for(sigma, rho)
        if m:
            nat = national.mode
            start_nat = (
                problem.unit(
                    np.array(
                        [
                            [nat[f"decay[{c}]"], nat[f"half_saturation[{c}]"] / s, nat[f"shape[{c}]"]]
                            for c, s in zip(cats, scale, strict=True)
                        ]
                    )
                )
                if all(national.identified[c] for c in cats)
                else np.full(3 * m, 0.5)
            )
            mid = np.full(m, 0.5)
            starts = [np.concatenate([start_nat, mid])] + [
                np.concatenate([s, mid]) for s in post.starts(3 * m, N_STARTS, spec.seed)[: N_STARTS - 1]
            ]
            u_mode = _mode(problem, starts)
            # the noise of each region and the error correlation, from the residuals at that mode
            resid = problem.residuals(u_mode)[warmup:]
            rho = float(np.clip(np.mean([post.lag1_correlation(resid[:, r]) for r in range(R)]), 0.0, MAX_RHO))
            sigma = np.maximum(np.sqrt(np.mean(_transform(resid, rho) ** 2, axis=0)), 1e-9)
            problem = problem_for(sigma, rho)
            u_mode = _mode(problem, [u_mode])

        # the draws: theta, pooling; each with its linear part
        n_draws = int(spec.draws)
        sampler = None
        if m and n_draws > 0:
            draws, sampler = _run_chains(
                problem, u_mode, n_draws, spec.seed, self.chains, self.executor, self.burn, self.steps
            )
        else:
            draws = []
        mode = _draw(problem, u_mode, None, m, R, local.shape[1])

        return _build(
            ds,
            spec,
            national,
            design,
            local_names,
            knots,
            cats,
            pos,
            ident,
            scale,
            problem,
            names,
            w,
            x,
            z,
            mode,
            draws if n_draws > 0 and m else None,
            sampler,
            warnings,
            rho,
        )


def _first_noise(y, carry, w, local, shared, warmup):
    """Each region's noise sd and the errors' lag-1 correlation from a linear fit per region."""
    T, R = y.shape
    sig, rhos = np.empty(R), []
    for r in range(R):
        X = np.column_stack([local, shared * w[r], carry[:, r, :] * w[r]])[warmup:]
        coef, *_ = np.linalg.lstsq(X, y[warmup:, r], rcond=None)
        e = y[warmup:, r] - X @ coef
        rhos.append(post.lag1_correlation(e))
        sig[r] = max(float(np.sqrt(np.mean(e**2))), 1e-9)
    rho = float(np.clip(np.mean(rhos), 0.0, MAX_RHO))
    return sig, rho


def _mode(problem: _Problem, starts) -> np.ndarray:
    best, best_f = starts[0], math.inf
    for u0 in starts:
        res = minimize(
            problem.neg_and_grad,
            u0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, 1.0)] * u0.size,
            options={"maxiter": 200},
        )
        if res.fun < best_f:
            best, best_f = np.clip(res.x, 0.0, 1.0), float(res.fun)
    return best


def _draw(problem: _Problem, u, rng, m, R, n_local) -> dict:
    if m == 0:
        return {
            "u": u,
            "gamma": np.zeros(problem.q),
            "b": np.zeros(0),
            "ur": np.zeros((R, 0)),
            "local": np.zeros((R, n_local)),
            "hsum": np.zeros((R, 0)),
        }
    gamma, b, ur, local, _ = problem.solve(u, rng)
    return {
        "u": u,
        "gamma": gamma,
        "b": b,
        "ur": ur,
        "local": local,
        "hsum": problem.raw_features(u[None, :])[0].sum(axis=0),
    }


def _build(
    ds,
    spec,
    national,
    design,
    local_names,
    knots,
    cats,
    pos,
    ident,
    scale,
    problem,
    names,
    w,
    x,
    z,
    mode,
    draws,
    sampler,
    warnings,
    rho,
    keep=None,
    pooling=None,
) -> PooledResults:
    """A `PooledResults` whose national parameters reproduce the pooled fit's totals.

    The market's carryover and saturation are the regions' (half-saturation in national euros a
    week); each category's national effect is the one whose national curve gives the same
    encounters over the data as the regions' effects together; the baseline's level and trend are
    the sums of the regions', its season and the rest the market's (the sizes sum to 1).

    With `keep` (a mask over the units) the "market" is the kept units only (`ds` and `national`
    then theirs): their sizes sum to ``W``, so the season is ``W`` times the market's and the
    half-saturation in their euros ``W`` times the market's; `pooling` (the whole fit's) is reused.
    """
    args = locals().copy()
    m = len(cats)
    keep = np.ones(len(names), dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
    W = float(w[keep].sum())
    w_all, names_all = w, list(names)
    names = [n for n, k in zip(names, keep, strict=True) if k]
    index = pd.DatetimeIndex(ds.y.index)
    xn = ds.spend[list(CATEGORIES)].to_numpy(dtype=float)[:, pos]
    shared_cols = [c for c in design.columns if c not in local_names]

    def national_row(d):
        if m:
            lam, half, shape = problem.theta(d["u"][None, :])
            lam, half, shape = lam[0], half[0], shape[0]
            eff = np.maximum(d["b"][None, :] + d["ur"], 0.0)[keep]  # (R, m)
            region_totals = d["hsum"][keep] * eff * w[keep][:, None]  # (R, m) over the data
            a = adstock(xn, lam, initial=backcast(xn, lam))
            hn = hill(a, half * scale * W, shape).sum(axis=0)
            beta = region_totals.sum(axis=0) / np.maximum(hn, 1e-300)
            theta = np.column_stack([lam, half, shape]).ravel()
        else:
            region_totals, beta, theta = np.zeros((len(names), 0)), np.zeros(0), np.zeros(0)
        gam = dict(zip(shared_cols, d["gamma"] * W, strict=True))
        for i, c in enumerate(local_names):
            gam[c] = float(d["local"][keep, i].sum())
        gamma = np.array([gam[c] for c in design.columns])
        return np.concatenate([theta, beta, gamma]), region_totals

    mode_row, mode_regions = national_row(mode)
    if draws is not None:
        rows = [national_row(d) for d in draws]
        draw_rows = np.array([r for r, _ in rows])
        region_draws = np.array([t for _, t in rows])  # (d, R, m)
    else:
        draw_rows, region_draws = None, mode_regions[None, :, :]
    effects = np.zeros((len(draws) if draws is not None else 1, len(names), 3))
    for i, d in enumerate(draws if draws is not None else [mode]):
        if m:
            effects[i][:, pos] = np.maximum(d["b"][None, :] + d["ur"], 0.0)[keep]
    beta_mode = mode_row[3 * m : 4 * m]
    theta_mode = mode_row[: 3 * m].reshape(m, 3) if m else np.zeros((0, 3))
    gamma_mode = mode_row[4 * m :]
    if pooling is None:
        pooling = _pooling(problem, mode, draws, cats, names_all, w_all, None, spec, ds)
    pooling = dict(pooling)
    pool_warnings = pooling.pop("_warnings", [])
    if not keep.all():  # the kept units' own pooling warnings
        mine = set(names)
        pool_warnings = [x for x in pool_warnings if x["context"].get("brand", x["context"].get("region")) in mine]
    warnings = warnings + pool_warnings
    variation = pd.Series([row["variation"] for row in ident], index=list(CATEGORIES))
    return PooledResults(
        spec=spec,
        family="ols",
        family_reason=f"the pooled model of {len(names_all)} {_UNIT_PLURAL[pooling.get('unit', 'region')]} is "
        "fitted by least squares",
        index=index,
        y=national.y,
        spend=national.spend,
        design=design,
        dropped=[],
        categories=cats,
        variation=variation,
        identification=dict(zip(CATEGORIES, ident, strict=True)),
        theta=theta_mode,
        scale=scale * W,
        beta=beta_mode,
        gamma=gamma_mode,
        weights=np.ones(len(index)),
        alpha=0.0,
        rho=rho,
        cv=national.cv,
        holdout=national.holdout,
        sm_results=national.sm_results,
        draws=draw_rows,
        sampler=sampler,
        at_bound=[],
        warnings=warnings,
        horizon_weeks=int(ds.params.plan.horizon_weeks),
        event_columns=[c for c in ds.events.columns if c in design.columns],
        control_columns=[c for c in ds.controls.columns if c in design.columns],
        search_box={n: tuple(getattr(spec.search, n)) for n in ("decay", "half_saturation", "shape")},
        knots=knots,
        experiments=[],
        baseline_form="additive",
        season=None,
        baseline_choice={"chosen_by": "params"},
        region_names=names,
        region_size=pd.Series(w[keep] / W, index=names, name="size"),
        region_draws=region_draws,
        region_effects=effects,
        region_categories=cats,
        pooling=pooling,
        national=national,
        parts={k: v for k, v in args.items() if k not in ("ds", "national", "keep", "pooling")},
        pool_warnings=pool_warnings if keep.all() else None,
    )


_UNIT_PLURAL = {"region": "regions", "brand": "brands", "brand x region": "brand x region pairs"}


def _kind(ds) -> str:
    """The dataset's pooling unit ("region" for a dataset without `unit_kind`)."""
    return getattr(ds, "unit_kind", None) or "region"


def _pooling(problem, mode, draws, cats, names, w, region_draws, spec, ds) -> dict:
    """How much the units were pooled, which disagree beyond it, which borrow strength.

    Rows name the unit under ``region`` whatever the unit; the warnings of brands (and brand x
    region pairs) are ``brands_disagree`` and ``brand_borrows_strength``."""
    kind = _kind(ds)
    R, m = len(names), len(cats)
    out_warn: list[dict] = []
    per_cat: dict = {}
    disagree: list[dict] = []
    borrowing: list[dict] = []
    if m:
        u = mode["u"]
        B = problem.blocks(u[None, :])
        pen = B["pen"][0]
        info = np.einsum("rii->ri", B["A"][0]) - pen[None, :]  # each region's own information (R, m)
        s2 = max(float(problem.solve(u)[4]) / problem.dof, 1e-300)
        weight = pen[None, :] / (info + pen[None, :])  # how much of a region's effect is the market's
        b = mode["b"]
        # a region's own estimate of its deviation and its noise, given the market's terms
        UU = B["A"][0] - pen[None, :, None] * np.eye(m)[None]
        beta = np.concatenate([mode["gamma"], b])
        resid_rhs = B["Uy"][0] - B["C"][0] @ beta
        z_thresh = float(norm.ppf(1 - DISAGREE_ALPHA / (2 * R * m)))
        tau2 = s2 / pen  # (m,)
        for r in range(R):
            for j in range(m):
                own_info = UU[r, j, j]
                if own_info <= 0:
                    continue
                own = resid_rhs[r, j] / own_info
                z = own / math.sqrt(s2 / own_info + tau2[j])
                if abs(z) > z_thresh:
                    disagree.append({"region": names[r], "category": cats[j], "z": round(float(z), 2)})
        med = np.median(info, axis=0)
        for r in range(R):
            for j in range(m):
                if info[r, j] < LITTLE_DATA * med[j]:
                    borrowing.append(
                        {"region": names[r], "category": cats[j], "pooled_weight": round(float(weight[r, j]), 3)}
                    )
        for j, c in enumerate(cats):
            rel = math.sqrt(tau2[j]) / b[j] if b[j] > 0 else None
            per_cat[c] = {
                "between_region_sd": round(rel, 4) if rel is not None and math.isfinite(rel) else None,
                "pooling": round(float(np.mean(weight[:, j])), 4),
            }
        by_brand = kind != "region"
        for row in disagree:
            if by_brand:
                out_warn.append(warning("brands_disagree", brand=row["region"], category=row["category"], z=row["z"]))
            else:
                out_warn.append(warning("regions_disagree", **row))
        for row in borrowing:
            if by_brand:
                out_warn.append(
                    warning(
                        "brand_borrows_strength",
                        brand=row["region"],
                        category=row["category"],
                        pooled_weight=row["pooled_weight"],
                    )
                )
            else:
                out_warn.append(warning("region_borrows_strength", **row))
    return {
        "unit": kind,
        "units": R,
        "regions": R,
        "names": list(names),
        "categories": per_cat,
        "disagree": disagree,
        "borrowing": borrowing,
        "_warnings": out_warn,
    }


class PooledResults(ModelResults):
    """`ModelResults` of the pooled model: national numbers plus each region's and the pooling.

    Attributes (beyond `ModelResults`)
    ----------------------------------
    region_names : list of str
    region_size : Series
        Each region's share of all encounters over the data (the size its spend is scaled by).
    pooling : dict
        ``regions`` (how many), ``names``, ``categories`` ({cat: {between_region_sd (relative to the
        market's effect), pooling (mean weight of the market's effect in a region's, 0-1)}}),
        ``disagree`` ([{region, category, z}]) and ``borrowing`` ([{region, category, pooled_weight}]).
    national : ModelResults
        The fit of the national totals alone (its holdout and cross-validation are this model's).
    """

    def __init__(
        self,
        *,
        region_names,
        region_size,
        region_draws,
        region_effects,
        region_categories,
        pooling,
        national,
        parts=None,
        pool_warnings=None,
        **kw,
    ):
        super().__init__(**kw)
        self._parts = parts  # what `_build` was given: a view of some units rebuilds from it
        self._pool_warnings = pool_warnings
        self._region_effects = region_effects  # (d, R, 3) each region's effect per draw (0: none or unidentified)
        self.region_names = list(region_names)
        self.region_size = region_size
        self._region_draws = region_draws  # (d, R, m) spend-driven encounters over the data
        self._region_categories = list(region_categories)
        self.pooling = pooling
        self.national = national

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_parts"] = None  # the fit's internals hold closures; a brand's view needs the fit in memory
        return state

    def brand_view(self, brand: str, dataset) -> PooledResults:
        """This fit seen from one brand: the "market" is the brand's units (itself, or its regions).

        Shares, intervals, curves and the response are the brand's own from the pooled fit (its
        effects, drawn toward the other brands', on the shared curves at its size); `pooling` still
        says what the whole fit pooled (the brief: "pools N brands"), its warnings only the brand's.

        Parameters
        ----------
        brand : str
            A brand of the fit (``pooling["unit"]`` brand or brand x region).
        dataset : planner.reading.data.Dataset
            The brand's own data (its file), on the fit's weeks.

        Raises
        ------
        ValueError
            For a fit over regions, an unknown brand, or data on other weeks.
        """
        unit = self.pooling.get("unit", "region")
        if unit == "region" or self._parts is None:
            raise ValueError("a brand's view needs a pooled fit over brands (data.group or a batch's pool:)")
        keep = np.array([n == brand or n.startswith(f"{brand} / ") for n in self.pooling["names"]])
        if not keep.any():
            raise ValueError(f"no brand {brand!r} in the pooled fit; its brands are {', '.join(self.pooling['names'])}")
        if not pd.DatetimeIndex(dataset.y.index).equals(pd.DatetimeIndex(self.index)):
            raise ValueError(f"brand {brand!r}: its data's weeks are not the pooled fit's")
        national = EncounterModel(dataset, self.spec.model_copy(update={"draws": 0})).fit()
        pooling = {**self.pooling, "_warnings": list(self._pool_warnings or [])}
        return _build(dataset, national=national, keep=keep, pooling=pooling, **self._parts)

    def region_effect_draws(self) -> np.ndarray:
        """Each region's effect per draw, (d, R, 3) in CATEGORIES order (the mode as one draw without
        draws): encounters a week at full saturation, national-equivalent (times the region's size for
        its own)."""
        return self._region_effects

    def theta_draws(self) -> np.ndarray:
        """Decay, half-saturation (national EUR/week) and shape per draw, (d, 3, 3); NaN for a category
        left out of the fit; the mode as one draw without draws."""
        return self._draw_theta if self._draw_theta is not None else self._theta[None, :, :]

    def region_contributions(self) -> pd.DataFrame:
        """Per region and category: spend-driven encounters over the data (``encounters``, ``low``,
        ``high``) and the region's share of its spend-driven encounters (``share``, ``low_share``,
        ``high_share``); an unidentified category reads 0 with no interval."""
        d = self._region_draws
        R = len(self.region_names)
        full = np.zeros((d.shape[0], R, 3))
        for j, c in enumerate(self._region_categories):
            full[:, :, CATEGORIES.index(c)] = d[:, :, j]
        tot = full.sum(axis=2, keepdims=True)
        share = np.divide(full, tot, out=np.zeros_like(full), where=tot > 0)
        lo_q, hi_q = (1 - self.interval) / 2, (1 + self.interval) / 2
        rows = []
        for r, name in enumerate(self.region_names):
            for i, c in enumerate(CATEGORIES):
                many = d.shape[0] > 1
                rows.append(
                    {
                        "region": name,
                        "category": c,
                        "encounters": float(full[:, r, i].mean()),
                        "low": float(np.quantile(full[:, r, i], lo_q)) if many else None,
                        "high": float(np.quantile(full[:, r, i], hi_q)) if many else None,
                        "share": float(share[:, r, i].mean()),
                        "low_share": float(np.quantile(share[:, r, i], lo_q)) if many else None,
                        "high_share": float(np.quantile(share[:, r, i], hi_q)) if many else None,
                        "identified": bool(self.identified[c]),
                    }
                )
        return pd.DataFrame(rows)

    def contributions_by_region_dict(self) -> list[dict]:
        """The ``contributions_by_region`` section of results.json."""
        frame = self.region_contributions()
        out = []
        for name in self.region_names:
            part = frame[frame["region"] == name].set_index("category")
            out.append(
                {
                    "region": name,
                    "size": round(float(self.region_size[name]), 6),
                    "categories": {
                        c: {
                            k: (
                                None
                                if part.loc[c, k] is None
                                or (isinstance(part.loc[c, k], float) and math.isnan(part.loc[c, k]))
                                else part.loc[c, k]
                            )
                            for k in ("encounters", "low", "high", "share", "low_share", "high_share", "identified")
                        }
                        for c in CATEGORIES
                    },
                }
            )
        return out

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["pooling"] = {k: v for k, v in self.pooling.items()}
        return out
