"""The encounter model: how many quality-weighted encounters each category's spend generates.

`EncounterModel(dataset, spec).fit()` returns `ModelResults`: weekly encounters explained by the
three categories' spend, each through geometric carryover and Hill saturation (effects >= 0), on
top of a baseline of trend, yearly season, Finnish holidays, events and controls.

How it is estimated
-------------------
A posterior, computed in `planner.posterior`. For given carryover and saturation parameters (per
category: decay, half-saturation as a multiple of the category's mean weekly spend, shape) the
rest of the model is linear: the baseline is projected out and the three spend effects are solved
exactly under ``beta >= 0``. The nine nonlinear parameters get an explicit prior, a Gaussian
centred on the middle of each search range with sd ``spec.prior_sd`` on the unit scale of the
range (log scale for half-saturation and shape), truncated to the range. Their posterior (the
linear part profiled, the noise variance integrated out) is sampled with emcee's ensemble sampler
started around the posterior mode; for every kept draw the linear part is drawn from its own
conditional posterior. Shares, curves, scenario outcomes and gains are posterior means and
percentiles of the same draws: weekly data rarely pin down all nine nonlinear parameters, and an
average over the flat ridges they leave is a better answer than any one point on them.

The first ``WARMUP_WEEKS`` weeks only warm the carryover up: the spend before the data is unseen
(its state is estimated by `planner.transforms.backcast`), so those weeks' encounters stay out of
the likelihood instead of pushing their misfit onto the effects.

The errors may run in streaks (a baseline that misses a pattern does that): their first-order
autocorrelation, measured on the residuals at the mode, enters the likelihood as an AR(1) error
process (Prais-Winsten), so streaks widen the intervals instead of reading as signal.

The last ``spec.holdout_weeks`` weeks are forecast blind by the posterior mode of a fit without
them, and rolling-origin cross-validation (``spec.cv_folds`` folds) checks forecasts the same way;
both feed the quality mark. Nothing in the estimate looks at how effect shares compare with spend
shares.

Families: ``auto`` (the default) picks a count family when the weighted encounters are small whole
numbers (see `choose_family`), else ``ols``. ``ols`` is least squares (the final linear fit in
statsmodels with Newey-West errors). ``poisson`` and ``negative_binomial`` keep the model additive
(an identity link): each week is weighted by the family's variance and the final linear part is a
statsmodels GLM; a GLM that does not converge falls back to weighted least squares with a warning.

Draw ``i`` of everything is seeded from ``spec.seed``: the same data and params give the same
numbers.
"""

from __future__ import annotations

import contextlib
import html
import math
import warnings as _warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import OLS, WLS
from statsmodels.tools.sm_exceptions import ConvergenceWarning, DomainWarning
from threadpoolctl import threadpool_limits

from planner import CATEGORIES
from planner import diagnostics as diag
from planner import posterior as post
from planner.params import ModelSpec
from planner.transforms import adstock, backcast, hill, spend_plan

__all__ = ["EncounterModel", "ModelResults", "ModelSummary", "baseline_design", "choose_family"]

N_STARTS = 8  # starts of the main mode search (the middle of the box + a Latin hypercube)
CV_STARTS = 3  # starts of each cross-validation search
MIN_TRAIN_WEEKS = 52  # the holdout is shortened to keep at least a year for the fit
MIN_DRAWS_FOR_INTERVALS = 10
#: The first weeks warm the carryover up: the spend before the data is unseen, so their
#: encounters stay out of the likelihood (at most a tenth of the data).
WARMUP_WEEKS = 8
MAX_RHO = 0.9  # the AR(1) coefficient of the errors is capped: beyond it, trends and effects blur
#: ``family: auto`` chooses a count family when the weighted encounters are whole numbers and their
#: median week is at most this (larger counts are as well served by least squares).
COUNT_MEDIAN_MAX = 500
#: ... and a negative binomial instead of Poisson when the Pearson dispersion exceeds this.
OVERDISPERSION = 1.5
PARAMETERS = ("decay", "half_saturation", "shape")
#: A lift test and the history disagree when the history's prediction (without the test) misses
#: the measured lift by more than this many combined sds.
EXPERIMENT_DISAGREEMENT_Z = 2.0
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


def independent_columns(design: pd.DataFrame, protected: int = 1) -> tuple[list[str], list[tuple[str, str]]]:
    """Columns of `design` that add something to the ones before them; the others with a reason.

    A column is dropped when it does not vary (an event that never happens) or when it is, up to
    rounding, a combination of the columns kept before it (an event column that repeats the
    built-in holiday dips, a control that is a copy of another). The first `protected` columns
    (the intercept) are always kept.

    Returns
    -------
    keep : list of str
    dropped : list of (column, reason) with reason ``"constant"`` or ``"duplicate"``
    """
    keep: list[str] = []
    dropped: list[tuple[str, str]] = []
    kept_values: list[np.ndarray] = []
    for pos, name in enumerate(design.columns):
        col = design[name].to_numpy(dtype=float)
        if pos < protected:
            keep.append(name)
            kept_values.append(col)
            continue
        if np.ptp(col) <= 0:
            dropped.append((name, "constant"))
            continue
        basis = np.column_stack(kept_values)
        coef, *_ = np.linalg.lstsq(basis, col, rcond=None)
        rest = col - basis @ coef
        centred = col - col.mean()
        if float(rest @ rest) <= 1e-10 * max(float(centred @ centred), 1e-300):
            dropped.append((name, "duplicate"))
            continue
        keep.append(name)
        kept_values.append(col)
    return keep, dropped


def choose_family(y: np.ndarray, requested: str) -> tuple[str, str]:
    """The family that runs and why (a sentence), for ``model.family`` = `requested`.

    ``auto``: a count family when every week's weighted encounters are whole, non-negative numbers
    and the median week is at most COUNT_MEDIAN_MAX (Poisson; the negative binomial is chosen
    later, once the Pearson dispersion of a Poisson fit is known); otherwise ``ols``.
    """
    y = np.asarray(y, dtype=float)
    if requested != "auto":
        return requested, f"{requested.replace('_', ' ')} as set in the params file"
    whole = bool(np.all(np.abs(y - np.round(y)) < 1e-9) and np.all(y >= 0))
    median = float(np.median(y)) if y.size else 0.0
    if whole and median <= COUNT_MEDIAN_MAX:
        return "poisson", (
            f"the weighted encounters are whole counts with a median of {median:,.0f} a week "
            f"(at most {COUNT_MEDIAN_MAX}), so a count family suits them better than least squares"
        )
    why = "are not whole numbers" if not whole else f"are large counts (median {median:,.0f} a week)"
    return "ols", f"least squares: the weighted encounters {why}"


# -- the model ----------------------------------------------------------------------------------


def _label(cat: str, what: str) -> str:
    return f"{what}[{cat}]"


def _stats_at(problem: post.Problem, u, y, rows_fit: int, rows_test: int) -> tuple[dict, np.ndarray]:
    beta, gamma = problem.point(u)
    pred = problem.predict(u, beta, gamma, rows_fit + rows_test)
    return diag.fit_stats(y[rows_fit : rows_fit + rows_test], pred[rows_fit:]), pred


class EncounterModel:
    """Weekly quality-weighted encounters explained by content, design and technology spend.

    Parameters
    ----------
    dataset : planner.data.Dataset
        ``y``, ``spend``, ``events``, ``controls`` and ``params`` (for the plan horizon).
    spec : ModelSpec, optional
        Default: ``dataset.params.model``.
    n_jobs : int, optional
        Accepted for compatibility; the sampler runs in one process (it is fast enough), so the
        numbers never depend on it.

    Examples
    --------
    >>> from planner.data import load_data                       # doctest: +SKIP
    >>> res = EncounterModel(load_data(params), params.model).fit()  # doctest: +SKIP
    >>> res.shares()                                             # doctest: +SKIP
    """

    def __init__(
        self, dataset, spec: ModelSpec | None = None, *, n_jobs: int | None = None, use_experiments: bool = True
    ):
        self.dataset = dataset
        self.spec = spec if spec is not None else dataset.params.model
        self.n_jobs = n_jobs
        self.use_experiments = use_experiments

    def fit(self) -> ModelResults:
        """Mode, checks and posterior draws; see the module docstring for the method.

        Returns
        -------
        ModelResults
        """
        with _single_threaded_blas(), np.errstate(over="ignore", under="ignore"):
            return self._fit()

    def _problem(self, core_args: dict, sw, rho, rows=None, lifts=None, noise_sd=None) -> post.Problem:
        warmup = min(WARMUP_WEEKS, len(core_args["y"]) // 10)
        return post.Problem(**core_args, sw=sw, rho=rho, rows=rows, warmup=warmup, experiments=lifts, noise_sd=noise_sd)

    def _lifts(self, cats: list[str], index: pd.DatetimeIndex, warnings: list[dict]) -> list:
        """The params' lift tests as the fit sees them (`planner.posterior.Lift`), with their names."""
        specs = list(getattr(self.dataset.params, "experiments", None) or []) if self.use_experiments else []
        out = []
        for spec in specs:
            if spec.category not in cats:
                warnings.append(_experiment_unused(spec.name, spec.category))
                continue
            from planner.data import experiment_weeks

            first, last = experiment_weeks(spec, index)
            stop = min(last + 1 + int(spec.measured_weeks_after), len(index))
            lift = post.Lift(
                j=cats.index(spec.category),
                first=first,
                last=last,
                stop=stop,
                change=float(spec.spend_change_eur_per_week),
                lift=float(spec.lift),
                se=float(spec.se),
            )
            out.append((spec.name, spec.category, lift))
        return out

    def _fit(self) -> ModelResults:
        spec, ds = self.spec, self.dataset
        y = np.asarray(ds.y, dtype=float)
        index = pd.DatetimeIndex(ds.y.index)
        n = y.size
        spend = ds.spend[list(CATEGORIES)].astype(float).set_axis(index)
        design = baseline_design(index, spec, ds.events.set_axis(index), ds.controls.set_axis(index))
        warnings: list[dict] = []
        keep, dropped_why = independent_columns(design.iloc[min(WARMUP_WEEKS, n // 10) :])
        for name, why in dropped_why:
            if why == "duplicate":
                warnings.append(_duplicate_column(name))
        dropped = [name for name, _ in dropped_why]
        design = design[keep]
        base = design.to_numpy()

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
        core_args = {"spend": spend[cats].to_numpy(), "base": base, "y": y, "lo": lo, "hi": hi}
        core_args["prior_sd"] = spec.prior_sd
        dim = len(cats) * 3
        starts = post.starts(dim, N_STARTS, spec.seed)

        # the family, and the weights of a count family from a first fit
        family, family_reason = choose_family(y, spec.family)
        if family != "ols" and spec.family != "auto" and np.any(np.abs(y - np.round(y)) > 1e-9):
            warnings.append(_not_counts(family))
        sw = np.ones(n)
        alpha = 0.0
        first = self._problem(core_args, sw, 0.0)
        u0, _ = post.find_mode(first, starts[:2])
        if family != "ols":
            b0, g0 = first.point(u0)
            mu0 = first.predict(u0, b0, g0)
            if spec.family == "auto":
                dispersion = _pearson_dispersion(y, mu0, base.shape[1] + 4 * len(cats))
                if dispersion > OVERDISPERSION:
                    family = "negative_binomial"
                    family_reason += (
                        f"; negative binomial because the counts vary {dispersion:.1f} times as much as "
                        f"Poisson counts would (above {OVERDISPERSION:g})"
                    )
            sw, alpha = _count_weights(family, y, mu0)
            first = self._problem(core_args, sw, 0.0)
            u0, _ = post.find_mode(first, [u0] + starts[1:2])

        # streaks in the errors: their lag-1 autocorrelation at the mode
        b0, g0 = first.point(u0)
        rho = float(np.clip(post.lag1_correlation((y - first.predict(u0, b0, g0)) * sw), 0.0, MAX_RHO))

        # lift tests: one more observation each, on the scale of the weekly errors of a fit without them
        named = self._lifts(cats, index, warnings)
        lifts = [lift for _, _, lift in named]
        noise_sd = None
        before = []
        if lifts:
            plain = self._problem(core_args, sw, rho)
            u_plain = u0  # the mode of the history alone (an extra search would move it little)
            *_, resid = plain.linear(plain.features(u_plain))
            noise_sd = math.sqrt(float(resid @ resid) / plain.dof)
            beta_plain, _ = plain.point(u_plain)
            probe = self._problem(core_args, sw, rho, lifts=lifts, noise_sd=noise_sd)
            d_plain = probe.lift_features(u_plain)
            before = [float(beta_plain[lift.j] * d_plain[e]) for e, lift in enumerate(lifts)]

        # the holdout keeps at least a year of weeks for the fit
        holdout = int(max(0, min(spec.holdout_weeks, n - MIN_TRAIN_WEEKS)))
        if holdout < spec.holdout_weeks:
            warnings.append(_holdout_shortened(n, holdout, spec.holdout_weeks))
        n_train = n - holdout
        cv = _cross_validate(self, core_args, y, sw, rho, n_train, spec, u0)

        hold = None
        u_train = None
        if holdout > 0:
            train = self._problem(core_args, sw, rho, rows=n_train, lifts=lifts, noise_sd=noise_sd)
            u_train, _ = post.find_mode(train, [u0] + starts)
            out, pred = _stats_at(train, u_train, y, n_train, holdout)
            inside = diag.fit_stats(y[:n_train], pred[:n_train])
            hold = {
                "weeks": holdout,
                "mape": out["mape"],
                "nrmse": out["nrmse"],
                "rmse": out["rmse"],
                "rmse_ratio": out["rmse"] / inside["rmse"] if inside["rmse"] > 0 else math.nan,
                "actual": y[n_train:].copy(),
                "predicted": pred[n_train:].copy(),
            }

        problem = self._problem(core_args, sw, rho, lifts=lifts, noise_sd=noise_sd)
        u_hat, _ = post.find_mode(problem, [u0] + ([u_train] if u_train is not None else []) + starts)
        theta = problem.theta(u_hat) if problem.m else np.zeros((0, 3))
        h = problem.features(u_hat) if problem.m else np.zeros((n, 0))
        beta_ls, gamma_ls = problem.point(u_hat)

        # the final linear part at the mode in statsmodels (HAC for ols, an identity-link GLM for counts)
        w0 = problem.w0
        sm_results, beta, gamma, ran = _statsmodels_fit(
            family, y[w0:], h[w0:], cats, design.iloc[w0:], beta_ls, gamma_ls, sw[w0:], alpha
        )
        if ran != family:
            warnings.append(_glm_fallback(family, ran))
            family_reason += f"; the {family.replace('_', ' ')} fit did not converge, so weighted least squares ran"
            family = ran

        draws, sampler = None, None
        if spec.draws > 0:
            draws, sampler = post.draw_posterior(problem, u_hat, int(spec.draws), spec.seed)
        experiments = _experiment_table(problem, named, before, u_hat, draws, float(spec.interval))
        for row in experiments:
            if row["disagrees"]:
                warnings.append(_experiment_disagrees(row))

        at_bound = []
        for j, cat in enumerate(cats):
            for k, name in enumerate(PARAMETERS):
                uk = u_hat[3 * j + k]
                side = "lower" if uk <= 0.005 else "upper" if uk >= 0.995 else None
                if side is None or (name == "decay" and side == "lower" and search.decay[0] == 0):
                    continue  # no carryover at all is an answer, not the edge of the search
                value = float(theta[j, k] * (problem.scale[j] if name == "half_saturation" else 1.0))
                at_bound.append((cat, name, side, value))

        return ModelResults(
            spec=spec,
            family=family,
            family_reason=family_reason,
            index=index,
            y=pd.Series(y, index=index, name="weighted_encounters"),
            spend=spend,
            design=design,
            dropped=dropped,
            categories=cats,
            variation=pd.Series(variation, index=list(CATEGORIES)),
            theta=theta,
            scale=problem.scale,
            beta=beta,
            gamma=gamma,
            weights=sw**2,
            alpha=alpha,
            rho=rho,
            cv=cv,
            holdout=hold,
            sm_results=sm_results,
            draws=draws,
            sampler=sampler,
            at_bound=at_bound,
            warnings=warnings,
            horizon_weeks=int(ds.params.plan.horizon_weeks),
            event_columns=[c for c in ds.events.columns if c in design.columns],
            control_columns=[c for c in ds.controls.columns if c in design.columns],
            search_box={name: tuple(getattr(search, name)) for name in PARAMETERS},
            experiments=experiments,
        )


def _experiment_table(problem, named, before, u_hat, draws, interval) -> list[dict]:
    """Each lift test: measured, predicted before calibration (the mode of a fit without the
    tests) and after (posterior mean and interval), and whether the two disagree beyond both
    uncertainties (the measurement's and the posterior's)."""
    if not named:
        return []
    m = problem.m
    if draws is not None and len(draws):
        preds = []
        for row in draws:
            u = problem.unit(row[: 3 * m].reshape(m, 3))
            d = problem.lift_features(u)
            preds.append([row[3 * m + lift.j] * d[e] for e, (_, _, lift) in enumerate(named)])
        preds = np.array(preds)
    else:
        beta, _ = problem.point(u_hat)
        d = problem.lift_features(u_hat)
        preds = np.array([[beta[lift.j] * d[e] for e, (_, _, lift) in enumerate(named)]])
    out = []
    for e, (name, category, lift) in enumerate(named):
        p = preds[:, e]
        mean, sd = float(p.mean()), float(p.std())
        low, high = (float(v) for v in np.quantile(p, [(1 - interval) / 2, (1 + interval) / 2]))
        gap = abs(lift.lift - before[e]) if before else abs(lift.lift - mean)
        out.append(
            {
                "name": name,
                "category": category,
                "weeks": lift.last - lift.first + 1,
                "spend_change_eur_per_week": lift.change,
                "measured": lift.lift,
                "measured_se": lift.se,
                "predicted_before": before[e] if before else None,
                "predicted": mean,
                "low": low,
                "high": high,
                "disagrees": bool(gap > EXPERIMENT_DISAGREEMENT_Z * math.sqrt(lift.se**2 + sd**2)),
            }
        )
    return out


def _cross_validate(model, core_args, y, sw, rho, n_train, spec, u0) -> dict | None:
    """Rolling-origin forecasts: fit the mode on the weeks before each fold, forecast the fold."""
    m = core_args["spend"].shape[1]
    folds = spec.cv_folds
    test = max(4, min(13, n_train // (folds + 3)))
    min_rows = max(26, core_args["base"].shape[1] + m + 5)
    ends = [e for e in (n_train - (folds - f) * test for f in range(folds)) if e >= min_rows]
    if not ends:
        return None
    starts = [u0] + post.starts(m * 3, CV_STARTS, spec.seed)[1:]
    actual, forecast = [], []
    for e in ends:
        problem = model._problem(core_args, sw, rho, rows=e)
        u, _ = post.find_mode(problem, starts)
        _, pred = _stats_at(problem, u, y, e, test)
        actual.append(y[e : e + test])
        forecast.append(pred[e:])
    stats = diag.fit_stats(np.concatenate(actual), np.concatenate(forecast))
    return {"folds": len(ends), "fold_weeks": test, **{k: stats[k] for k in ("mape", "rmse", "nrmse")}}


def _pearson_dispersion(y: np.ndarray, mu: np.ndarray, n_params: int) -> float:
    mu = np.maximum(mu, 0.5)
    return float(np.sum((y - mu) ** 2 / mu) / max(y.size - n_params, 1))


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
    """Final linear fit at the mode; spend effects the constrained solution holds at zero stay out.

    Returns the statsmodels results, beta, gamma and the family that actually ran: a count GLM that
    fails to converge (or leaves the region of positive means) falls back to weighted least squares.
    """
    names = [_label(c, "beta") for c in cats]
    n = y.size
    ran = family
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
                    _warnings.simplefilter("error", ConvergenceWarning)
                    res = GLM(y, exog, family=fam).fit(start_params=start, maxiter=100)
                if not np.all(np.isfinite(res.params)) or np.any(res.fittedvalues <= 0):
                    raise ValueError("identity-link GLM left the valid region")
                ran = family
            except Exception:  # noqa: BLE001 - fall back to the weighted least squares solution
                res = WLS(y, exog, weights=sw**2).fit()
                ran = "wls"
        b = res.params.to_numpy()
        negative = [active[i] for i in range(len(active)) if b[i] < 0]
        if not negative:
            break
        active = [j for j in active if j not in negative]
    beta = np.zeros(len(cats))
    beta[active] = b[: len(active)]
    gamma = b[len(active) :]
    return res, beta, gamma, ran


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


def _experiment_unused(name: str, category: str) -> dict:
    text = (
        f"The lift test '{name}' on {category} was left out: {category} spend never varied, so the model "
        f"leaves {category} out and has no effect of it for the test to calibrate."
    )
    return _warning("experiment_unused", text, experiment=name, category=category)


def _experiment_disagrees(row: dict) -> dict:
    text = (
        f"The lift test '{row['name']}' measured {row['measured']:,.0f} extra encounters from {row['category']}, "
        f"but the history alone implies about {row['predicted_before']:,.0f}: the two disagree beyond both "
        "uncertainties. Check the test (its window, its spend change, how the lift was measured) before "
        "trusting either; the model now weighs both."
    )
    return _warning(
        "experiment_disagrees",
        text,
        experiment=row["name"],
        category=row["category"],
        measured=round(row["measured"], 2),
        predicted_before=None if row["predicted_before"] is None else round(row["predicted_before"], 2),
    )


def _duplicate_column(name: str) -> dict:
    text = (
        f"The baseline column '{name}' repeats what other baseline terms already hold (for example an "
        "event column that marks the same weeks as the built-in holiday dips), so it was left out: "
        "two columns that say the same thing cannot both get an effect."
    )
    return _warning("baseline_column_dropped", text, column=name)


def _glm_fallback(family: str, ran: str) -> dict:
    text = (
        f"The {family.replace('_', ' ')} fit did not converge, so the model fell back to weighted least "
        "squares with the same weights; its numbers are approximate."
    )
    return _warning("glm_fallback", text, family=family, ran=ran)


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

    Point values are posterior means of the quantity asked for (shares, contributions, curves,
    simulated encounters), computed from the same draws as their intervals; without draws
    (``draws: 0``) they are those of the posterior mode.

    Attributes
    ----------
    params : Series
        Posterior medians (the mode without draws): ``beta[cat]`` (weighted encounters per week at
        full saturation), ``decay[cat]``, ``half_saturation[cat]`` (EUR/week), ``shape[cat]``, then
        the baseline coefficients (``intercept``, ``trend`` per week, ``sin1``...,
        ``christmas_new_year``, ``july``, events and controls).
    mode : Series
        The posterior mode in the same layout (the linear part from statsmodels at the mode).
    draws : DataFrame or None
        One row per posterior draw, the same columns as ``params``.
    last_state : Series
        Carryover state per category at the end of the data (EUR/week), at the mode.
    identified : Series of bool
        False for a category whose spend never varied: it is left out (its effect reads as 0).
    family, family_reason : str
        The family that ran, and why (``auto`` decides from the data).
    rho : float
        First-order autocorrelation of the errors used in the likelihood.
    warnings : list of dict
        ``{"code", "text", "context"}``; see docs/architecture.md.
    quality : str
        "good" | "fair" | "weak" (see `planner.diagnostics.judge_quality`).
    quality_reason : dict
        ``{"code", "context"}``: the quality rule that decided the mark.
    sm_results : statsmodels results
        The final linear fit at the posterior mode.
    interval : float
        Width of the intervals (``spec.interval``).
    """

    def __init__(
        self,
        *,
        spec,
        family,
        family_reason,
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
        weights,
        alpha,
        rho,
        cv,
        holdout,
        sm_results,
        draws,
        sampler,
        at_bound,
        warnings,
        horizon_weeks,
        event_columns,
        control_columns,
        search_box,
        experiments=None,
    ):
        self.spec = spec
        self.experiments = list(experiments or [])
        self.family = family
        self.family_reason = family_reason
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
        self.rho = rho
        self.prior_sd = float(spec.prior_sd)
        self.sampler = sampler
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
        pos = [CATEGORIES.index(c) for c in cats]
        unscale = np.column_stack([np.ones(m), scale, np.ones(m)])

        # the mode, per category in CATEGORIES order (left-out categories: no effect)
        self._theta = np.full((3, 3), np.nan)
        self._beta = np.zeros(3)
        if m:
            self._theta[pos] = theta * unscale
            self._beta[pos] = beta
        self._gamma = np.asarray(gamma, dtype=float)
        self.mode = self._param_series(self._beta, self._theta, self._gamma).rename("mode")

        # draws in the same layout
        if draws is not None and len(draws) >= MIN_DRAWS_FOR_INTERVALS:
            nd = draws.shape[0]
            th = np.full((nd, 3, 3), np.nan)
            be = np.zeros((nd, 3))
            if m:
                th[:, pos] = draws[:, : 3 * m].reshape(nd, m, 3) * unscale
                be[:, pos] = draws[:, 3 * m : 4 * m]
            ga = draws[:, 4 * m : 4 * m + p]
            self._draw_theta, self._draw_beta, self._draw_gamma = th, be, ga
            self.draws = pd.DataFrame(
                [self._param_series(be[i], th[i], ga[i]).to_numpy() for i in range(nd)],
                columns=self.mode.index,
            )
            self.draws.index.name = "draw"
            self.params = self.draws.median().rename("params")
        else:
            self._draw_theta = self._draw_beta = self._draw_gamma = None
            self.draws = None
            self.params = self.mode.rename("params")

        # contributions and carryover state: per draw, and their means
        x = spend.to_numpy()
        mode_contrib, state = self._spend_effects(x, self._theta, self._beta)
        self.last_state = pd.Series(state, index=list(CATEGORIES), name="last_state")
        base_mode = design.to_numpy() @ self._gamma
        if self.draws is not None:
            per = [
                self._spend_effects(x, th_i, be_i) for th_i, be_i in zip(self._draw_theta, self._draw_beta, strict=True)
            ]
            contrib = np.array([c for c, _ in per])  # (d, weeks, 3)
            self._draw_contrib_totals = contrib.sum(axis=1)
            self._draw_state = np.array([s for _, s in per])
            self._contrib = contrib.mean(axis=0)
            self._baseline = (self._draw_gamma @ design.to_numpy().T).mean(axis=0)
        else:
            self._draw_contrib_totals = None
            self._draw_state = None
            self._contrib = mode_contrib
            self._baseline = base_mode

        self.fitted = pd.Series(self._contrib.sum(axis=1) + self._baseline, index=index, name="fitted")
        self.resid = (y - self.fitted).rename("resid")
        self.diagnostics = self._diagnostics(spend)
        self.warnings = list(warnings) + self._more_warnings(at_bound)
        if holdout:
            check, ratio = "holdout", holdout["rmse_ratio"]
        elif cv:
            check, ratio = "cv", cv["rmse"] / self.diagnostics["rmse"]
        else:
            check, ratio = None, None
        self.quality, self.quality_reason = diag.judge_quality(self.diagnostics["r2"], ratio, check)
        self._shares = self._share_table(self.interval)
        self._claim_shares = self._share_table(diag.CLAIM_INTERVAL)

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
        a = adstock(x, lam, initial=backcast(x, lam))
        return beta * hill(a, k, s), a[-1]

    def _diagnostics(self, spend) -> dict:
        y = self.y.to_numpy()
        stats = diag.fit_stats(y, self.fitted.to_numpy())
        lags, lb_p, dw = diag.ljung_box(self.resid.to_numpy())
        lam, _, _ = self._filled(self._point_theta())
        carried = adstock(spend.to_numpy(), lam, initial=backcast(spend.to_numpy(), lam))
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
            "rho": self.rho,
        }

    def _point_theta(self) -> np.ndarray:
        """Decay, half-saturation and shape per category: posterior medians, else the mode."""
        if self._draw_theta is None:
            return self._theta
        return np.median(self._draw_theta, axis=0)

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

    def _share_table(self, level: float) -> pd.DataFrame:
        """Posterior mean shares with their central `level` intervals (NaN without draws)."""
        if self._draw_contrib_totals is not None:
            t = self._draw_contrib_totals
            total = t.sum(axis=1, keepdims=True)
            s = np.divide(t, total, out=np.zeros_like(t), where=total > 0)
            share = s.mean(axis=0)
            low, high = np.quantile(s, (1 - level) / 2, axis=0), np.quantile(s, (1 + level) / 2, axis=0)
        else:
            totals = self._contrib.sum(axis=0)
            share = totals / totals.sum() if totals.sum() > 0 else np.zeros(3)
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
        """Intervals of `params`: posterior percentiles, else HAC/GLM normal intervals (linear only).

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
            q = self.draws.quantile([alpha / 2, 1 - alpha / 2]).T
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
        out.insert(0, "baseline", self._baseline)
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
        low = high = np.full(x.shape, np.nan)
        if self._draw_theta is not None:
            _, k, s = self._filled_draws()
            curves = self._draw_beta[:, i, None] * hill(x[None, :], k[:, i, None], s[:, i, None])
            point = curves.mean(axis=0)
            lo_q, hi_q = (1 - self.interval) / 2, 1 - (1 - self.interval) / 2
            low, high = np.quantile(curves, lo_q, axis=0), np.quantile(curves, hi_q, axis=0)
        else:
            _, k, s = self._filled(self._theta)
            point = self._beta[i] * hill(x, k[i], s[i])
        return pd.DataFrame({"encounters": point, "low": low, "high": high}, index=pd.Index(x, name="spend"))

    def marginal(self, weekly_spend: Mapping[str, float] | pd.Series) -> pd.Series:
        """Extra steady-state encounters per week per extra euro a week, at the given spend.

        The posterior mean of the slope of each category's steady-state curve (the mode's slope
        without draws).
        """
        x = np.maximum(np.array([float(weekly_spend[c]) for c in CATEGORIES]), _TINY)
        if self._draw_theta is not None:
            _, k, s = self._filled_draws()
            beta = self._draw_beta
        else:
            _, k, s = (v[None, :] for v in self._filled(self._theta))
            beta = self._beta[None, :]
        h = hill(x[None, :], k, s)
        slope = (beta * s * h * (1 - h) / x[None, :]).mean(axis=0)
        return pd.Series(slope, index=list(CATEGORIES), name="encounters_per_eur")

    def _filled_draws(self):
        """Per draw (d, 3): decay, k, s with harmless values for left-out categories."""
        th = self._draw_theta
        return (
            np.nan_to_num(th[:, :, 0], nan=0.0),
            np.nan_to_num(th[:, :, 1], nan=1.0),
            np.nan_to_num(th[:, :, 2], nan=1.0),
        )

    # -- the response protocol ------------------------------------------------------------------

    def _spend_array(self, spend) -> np.ndarray:
        return spend_plan(spend, CATEGORIES)

    def simulate(self, spend, *, draws: bool = False) -> np.ndarray:
        """Spend-driven weighted encounters for weekly spend following the end of the data.

        Parameters
        ----------
        spend : DataFrame or array_like
            One row per future week, columns CATEGORIES (EUR/week); an array in that order.
        draws : bool, default False
            One result per posterior draw, each from its own carryover state (the mode alone when
            there are no draws).

        Returns
        -------
        ndarray
            (weeks, 3): the posterior mean; or (n_draws, weeks, 3) with ``draws=True``.
        """
        x = self._spend_array(spend)
        if self._draw_theta is not None:
            out = self._simulate_draws(x)
            return out if draws else out.mean(axis=0)
        lam, k, s = self._filled(self._theta)
        if x.shape[0] == 0:
            out = np.zeros((0, 3))
        else:
            a = adstock(x, lam, initial=self.last_state.to_numpy())
            out = self._beta * hill(a, k, s)
        return out[None, ...] if draws else out

    def _simulate_draws(self, x: np.ndarray) -> np.ndarray:
        lam, k, s = self._filled_draws()  # (n_draws, 3)
        a = self._draw_state.copy()
        out = np.empty((lam.shape[0], x.shape[0], 3))
        for t in range(x.shape[0]):  # the adstock recursion, vectorised over the draws
            a = lam * a + (1.0 - lam) * x[t]
            out[:, t, :] = self._draw_beta * hill(a, k, s)
        return out

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
        base_d = None if self._draw_gamma is None else self._draw_gamma @ base_x.T  # (d, weeks)
        out["baseline"] = base_x @ self._gamma if base_d is None else base_d.mean(axis=0)
        out["total"] = out["spend_driven"] + out["baseline"]
        lo_q, hi_q = (1 - self.interval) / 2, 1 - (1 - self.interval) / 2
        cols = list(CATEGORIES) + ["spend_driven", "baseline", "total"]
        if self._draw_theta is not None and len(self._draw_theta) >= MIN_DRAWS_FOR_INTERVALS:
            sim = self.simulate(x, draws=True)  # (d, weeks, 3)
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
        """The claim verdict: ``{"verdict", "category", "direction", "bands", "unidentified", "text"}``.

        See `diagnostics.claim_verdict`; ``category`` is the category the verdict is about (None
        unless contradicted), so a chart or sentence naming "the" category uses it.

        Shown with the display intervals; judged with the wider CLAIM_INTERVAL ones, and never more
        than "inconclusive" from a weak model.
        """

        def rows(table):
            return {c: tuple(float(table.loc[c, k]) for k in ("share", "low", "high")) for c in CATEGORIES}

        return diag.claim_verdict(
            rows(self._shares), self.identified.to_dict(), judged=rows(self._claim_shares), quality=self.quality
        )

    @property
    def current_weekly_spend(self) -> pd.Series:
        """Mean weekly spend per category over the last plan horizon (the "current" spend)."""
        return self.spend.iloc[-self.horizon_weeks :].mean().rename("current_weekly_spend")

    def spend_shares(self) -> pd.Series:
        """Each category's share of the spend over all the data."""
        total = float(self.spend.to_numpy().sum())
        spent = self.spend.sum()
        return (spent / total if total > 0 else spent * 0.0).rename("spend_share")

    def spend_effect_gap(self) -> dict | None:
        """The category that spends the most more than it brings (see `diagnostics.spend_effect_gap`).

        Shares of spend and of effect over all the data; None when no gap reaches
        `diagnostics.SPEND_EFFECT_GAP` or the model is weak.
        """
        return diag.spend_effect_gap(
            self.spend_shares().to_dict(),
            self._shares["share"].to_dict(),
            self.identified.to_dict(),
            quality=self.quality,
        )

    def saturation(self, weekly_spend: Mapping[str, float] | pd.Series | None = None) -> pd.DataFrame:
        """How saturated each category is at a steady weekly spend, and what one more encounter costs.

        Parameters
        ----------
        weekly_spend : mapping or Series, optional
            EUR/week per category; default `current_weekly_spend` (the last plan horizon).

        Returns
        -------
        DataFrame indexed by category: ``weekly_spend``, ``level`` (the Hill saturation h(a) at the
        carryover a reached when this spend is kept up, 0-1, posterior mean; NaN for a category
        left out of the fit) and ``marginal_cost_per_encounter`` (EUR per extra encounter there;
        NaN when an extra euro brings nothing).
        """
        weekly = self.current_weekly_spend if weekly_spend is None else weekly_spend
        x = np.maximum(np.array([float(weekly[c]) for c in CATEGORIES]), _TINY)
        if self._draw_theta is not None:
            _, k, s = self._filled_draws()
        else:
            _, k, s = (v[None, :] for v in self._filled(self._theta))
        level = hill(x[None, :], k, s).mean(axis=0)
        level = np.where(self.identified.to_numpy(), level, np.nan)
        slope = self.marginal(weekly).to_numpy()
        cost = np.divide(1.0, slope, out=np.full(3, np.nan), where=slope > 0)
        return pd.DataFrame(
            {
                "weekly_spend": [float(weekly[c]) for c in CATEGORIES],
                "level": level,
                "marginal_cost_per_encounter": cost,
            },
            index=pd.Index(CATEGORIES, name="category"),
        )

    def contributions_dict(self) -> dict:
        """The ``contributions`` section of results.json."""
        weekly_last = self.current_weekly_spend
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
                "identified": bool(self.identified[cat]),
            }
        return out

    def to_dict(self) -> dict:
        """The ``model`` section of results.json."""
        d = self.diagnostics
        cats = [c for c in CATEGORIES if self.identified[c]]
        th = pd.DataFrame(self._point_theta(), index=list(CATEGORIES), columns=list(PARAMETERS))
        beta = self.params[[_label(c, "beta") for c in CATEGORIES]].to_numpy()
        fit = {k: _num(d[k]) for k in ("r2", "mape", "rmse", "nrmse", "ljung_box_p", "durbin_watson")}
        fit.update(
            weeks=self.n_weeks,
            prior_sd=self.prior_sd,
            rho=_num(self.rho),
            vif={c: _num(v) for c, v in d["vif"].items()},
        )
        hold = {}
        if self.holdout:
            hold = {k: _num(self.holdout[k]) for k in ("mape", "nrmse", "rmse", "rmse_ratio")}
            hold["weeks"] = self.holdout["weeks"]
        return {
            "family": self.family,
            "family_reason": self.family_reason,
            "method": "posterior" if self.draws is not None else "mode",
            "decay": {c: _num(th.loc[c, "decay"]) for c in cats},
            "half_saturation": {c: _num(th.loc[c, "half_saturation"]) for c in cats},
            "shape": {c: _num(th.loc[c, "shape"]) for c in cats},
            "beta": {c: _num(beta[i]) for i, c in enumerate(CATEGORIES)},
            "identified": {c: bool(self.identified[c]) for c in CATEGORIES},
            "fit": fit,
            "holdout": hold,
            "cv": {k: (_num(v) if isinstance(v, float) else v) for k, v in (self.cv or {}).items()},
            "draws": 0 if self.draws is None else len(self.draws),
            "sampler": self.sampler,
            "interval": self.interval,
            "seed": self.spec.seed,
            "quality": self.quality,
            "quality_reason": self.quality_reason,
            "claim": self.claim(),
            "spend_effect_gap": self.spend_effect_gap(),
            "saturation": {
                c: {
                    "level": _num(row["level"]),
                    "marginal_cost_per_encounter": _num(row["marginal_cost_per_encounter"]),
                }
                for c, row in self.saturation().iterrows()
            },
            "experiments": [
                {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()} for row in self.experiments
            ],
        }

    def experiment_table(self) -> pd.DataFrame:
        """The lift tests: measured lift against the model's prediction before and after calibration.

        ``predicted_before`` is the posterior mode of a fit without the tests; ``predicted``,
        ``low`` and ``high`` are the posterior mean and interval of the calibrated fit.
        """
        columns = ["category", "weeks", "spend_change_eur_per_week", "measured", "measured_se"]
        columns += ["predicted_before", "predicted", "low", "high", "disagrees"]
        if not self.experiments:
            return pd.DataFrame(columns=columns, index=pd.Index([], name="experiment"))
        return pd.DataFrame(self.experiments).set_index("name").rename_axis("experiment")[columns]

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
                    self.family_reason,
                    self.prior_sd,
                    self.rho,
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
                "why this family",
                "prior sd (unit scale of the search ranges)",
                "error autocorrelation (AR(1) rho)",
                "posterior draws",
                "intervals",
            ],
        )
        notes = [self.claim()["text"]] + [w["text"] for w in self.warnings]
        tables = [("Model", info), ("Contribution shares", shares)]
        if self.experiments:
            tables.append(
                ("Lift tests (measured against predicted before and after calibration)", self.experiment_table())
            )
        tables += [("Parameters", params), ("Checks", self.diagnostics_table())]
        return ModelSummary(
            "Encounter model",
            tables,
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
