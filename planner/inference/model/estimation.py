"""Estimating the encounter model: `EncounterModel(dataset, spec).fit()` returns `ModelResults`.

The mode search, the AR(1) error correlation, lift tests as extra observations, the holdout and
rolling-origin cross-validation, the baseline form (additive, or a multiplicative season estimated
before the fit; `planner.inference.model.season`), and the posterior draws (computed in `planner.inference.posterior`).
In the multiplicative form the season's multiplier is held fixed during the draws: years of data pin
it down, and its own uncertainty is left out of the intervals.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from planner import CATEGORIES
from planner.inference import diagnostics as diag
from planner.inference import posterior as post
from planner.inference.model import messages
from planner.inference.model.design import baseline_design, independent_columns
from planner.inference.model.families import (
    OVERDISPERSION,
    choose_family,
    count_weights,
    pearson_dispersion,
    statsmodels_fit,
)
from planner.inference.model.layout import PARAMETERS
from planner.inference.model.results import ModelResults
from planner.inference.model.season import Season, log_linear_start, refine, season_columns
from planner.inference.transforms import adstock, backcast
from planner.reading.params import ModelSpec

__all__ = [
    "CV_STARTS",
    "EXPERIMENT_DISAGREEMENT_Z",
    "MAX_RHO",
    "MIN_TRAIN_WEEKS",
    "N_STARTS",
    "SEASON_REFINEMENTS",
    "SEASON_ROUNDS",
    "WARMUP_WEEKS",
    "EncounterModel",
]

N_STARTS = 8  # starts of the main mode search (the middle of the box + a Latin hypercube)
CV_STARTS = 3  # starts of each cross-validation search
MIN_TRAIN_WEEKS = 52  # the holdout is shortened to keep at least a year for the fit
#: The first weeks warm the carryover up: the spend before the data is unseen, so their
#: encounters stay out of the likelihood (at most a tenth of the data).
WARMUP_WEEKS = 8
MAX_RHO = 0.9  # the AR(1) coefficient of the errors is capped: beyond it, trends and effects blur
#: A lift test and the history disagree when the history's prediction (without the test) misses
#: the measured lift by more than this many combined sds.
EXPERIMENT_DISAGREEMENT_Z = 2.0
#: Gauss-Newton steps that refine the multiplicative season after its log-linear start, jointly with
#: the linear part of the model (see `planner.inference.model.season.refine`).
SEASON_REFINEMENTS = 3
#: Rounds of (carryover and saturation mode, season refinement) of the multiplicative form on all
#: the data; the cross-validation folds re-estimate the season in one round at the first mode.
SEASON_ROUNDS = 2


@contextlib.contextmanager
def _single_threaded_blas():
    """Run BLAS on one thread: the model's matrices are tiny, and OpenBLAS threads that wait for
    work on every call of the search make a fit several times slower (about 8x on two cores)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _stats_at(problem: post.Problem, u, y, rows_fit: int, rows_test: int, mult) -> tuple[dict, np.ndarray]:
    """Forecast statistics of the weeks after `rows_fit`, in the encounters' own scale (times `mult`)."""
    beta, gamma = problem.point(u)
    pred = problem.predict(u, beta, gamma, rows_fit + rows_test) * mult[: rows_fit + rows_test]
    return diag.fit_stats(y[rows_fit : rows_fit + rows_test], pred[rows_fit:]), pred


@dataclasses.dataclass
class _Form:
    """One baseline form, set up for the fits.

    ``core`` holds the arguments of `planner.inference.posterior.Problem` in this form: the inner baseline's
    columns and, in the multiplicative form, the encounters divided by the multiplier ``mult``.
    ``sw`` are the square roots of the weights of the encounters in their own scale; the problem
    weighs ``sw * mult``. ``u0`` is the mode of a first fit, ``rho`` the lag-1 autocorrelation of
    its errors and ``fit_rmse`` their root mean square.
    """

    name: str
    core: dict
    inner_columns: list
    season_x: np.ndarray  # (n, k) the seasonal columns over the data weeks
    season: Season
    mult: np.ndarray
    sw: np.ndarray
    family: str
    family_reason: str
    alpha: float
    u0: np.ndarray
    rho: float
    fit_rmse: float  # RMSE of the first fit over the fitted weeks, in the encounters' own scale

    @property
    def psw(self) -> np.ndarray:
        return self.sw * self.mult


class EncounterModel:
    """Weekly quality-weighted encounters explained by content, design and technology spend.

    Parameters
    ----------
    dataset : planner.reading.data.Dataset
        ``y``, ``spend``, ``events``, ``controls`` and ``params`` (for the plan horizon).
    spec : ModelSpec, optional
        Default: ``dataset.params.model``.
    n_jobs : int, optional
        Accepted for compatibility; the sampler runs in one process (it is fast enough), so the
        numbers never depend on it.

    Examples
    --------
    >>> from planner.reading.data import load_data                       # doctest: +SKIP
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
        #: The sampler's ``burn`` and ``steps`` when not its defaults (a refit that needs fewer draws
        #: can walk a shorter chain from its mode; see `planner.inference.stability`).
        self.chain: dict = {}

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
        """The params' lift tests as the fit sees them (`planner.inference.posterior.Lift`), with their names."""
        specs = list(getattr(self.dataset.params, "experiments", None) or []) if self.use_experiments else []
        out = []
        for spec in specs:
            if spec.category not in cats:
                warnings.append(messages.experiment_unused(spec.name, spec.category))
                continue
            from planner.reading.data import experiment_weeks

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

    def _season_fit(self, form_core: dict, y, season_x, season: Season, sw, rows: int, u, search=None, rounds=1):
        """The multiplicative season's ``delta`` from the first `rows` weeks, and the mode it used.

        A log-linear start (`planner.inference.model.season.log_linear_start`), then `rounds` rounds of: the
        inner model at the current multiplier (with `search`, start points, its carryover and
        saturation mode is searched, from `search` in the first round and from the last mode after;
        otherwise they stay at `u`), and SEASON_REFINEMENTS Gauss-Newton steps on ``delta`` jointly
        with the linear part at those carryover and saturation parameters (`refine`).
        """
        warm = slice(min(WARMUP_WEEKS, len(y) // 10), rows)
        delta = log_linear_start(y, season_x, form_core["base"], warm)
        centred = season_x - season.centre
        for r in range(rounds):
            m = np.exp(season.with_delta(delta).log_multiplier(season_x))
            problem = self._problem({**form_core, "y": y / m}, sw * m, 0.0, rows=rows)
            if search is not None:
                u, _ = post.find_mode(problem, search if r == 0 else [u])
            h = problem.features(u, rows) if problem.m else np.zeros((rows, 0))
            base = form_core["base"][:rows]
            delta = refine(y[:rows], centred[:rows], h, base, delta, sw[:rows] ** 2, warm, SEASON_REFINEMENTS)
        return season.with_delta(delta), u

    def _form(self, name, y, design, seasonal, core_args, starts, family_choice) -> _Form:
        """Set up one baseline form: its multiplier, family weights, first mode and error correlation."""
        spec = self.spec
        n = y.size
        family, family_reason = family_choice
        inner_columns = [c for c in design.columns if name == "additive" or c not in seasonal]
        season_x = design[seasonal].to_numpy(dtype=float)
        # centred over the data weeks: log m has mean 0 there and the inner intercept keeps the level
        season = Season(tuple(seasonal), np.zeros(len(seasonal)), season_x.mean(axis=0))
        if name == "additive":
            season = Season.flat()
        core = {**core_args, "base": design[inner_columns].to_numpy()}
        sw = np.ones(n)
        alpha = 0.0
        mult = np.ones(n)
        u0 = None
        if name == "multiplicative":
            season, u0 = self._season_fit(
                core, y, season_x, season, sw, n, None, search=starts[:2], rounds=SEASON_ROUNDS
            )
            mult = season.multiplier(design)
        core["y"] = y / mult

        # the family, and the weights of a count family from a first fit
        first = self._problem(core, sw * mult, 0.0)
        u0, _ = post.find_mode(first, ([u0] if u0 is not None else []) + starts[: 2 if u0 is None else 1])
        if family != "ols":
            b0, g0 = first.point(u0)
            mu0 = first.predict(u0, b0, g0) * mult
            if spec.family == "auto":
                dispersion = pearson_dispersion(y, mu0, design.shape[1] + 4 * len(core_args["lo"]))
                if dispersion > OVERDISPERSION:
                    family = "negative_binomial"
                    family_reason += (
                        f"; negative binomial because the counts vary {dispersion:.1f} times as much as "
                        f"Poisson counts would (above {OVERDISPERSION:g})"
                    )
            sw, alpha = count_weights(family, y, mu0)
            first = self._problem(core, sw * mult, 0.0)
            u0, _ = post.find_mode(first, [u0] + starts[1:2])

        # streaks in the errors: their lag-1 autocorrelation at the mode
        b0, g0 = first.point(u0)
        miss = y - first.predict(u0, b0, g0) * mult
        rho = float(np.clip(post.lag1_correlation(miss * sw), 0.0, MAX_RHO))
        fit_rmse = float(np.sqrt(np.mean(miss[first.w0 :] ** 2)))
        return _Form(
            name, core, inner_columns, season_x, season, mult, sw, family, family_reason, alpha, u0, rho, fit_rmse
        )

    def _form_at(self, form: _Form, y, rows: int) -> tuple[dict, np.ndarray, np.ndarray]:
        """The form's problem arguments, weights and multiplier from the first `rows` weeks alone.

        The multiplicative season is estimated again on those weeks (the carryover and saturation
        held at the form's first mode), so a forecast of the later weeks never sees them.
        """
        if form.name == "additive" or rows >= len(y):
            return form.core, form.psw, form.mult
        season, _ = self._season_fit(form.core, y, form.season_x, form.season, form.sw, rows, form.u0)
        mult = np.exp(season.log_multiplier(form.season_x))
        return {**form.core, "y": y / mult}, form.sw * mult, mult

    def _fit(self) -> ModelResults:
        spec, ds = self.spec, self.dataset
        y = np.asarray(ds.y, dtype=float)
        index = pd.DatetimeIndex(ds.y.index)
        n = y.size
        spend = ds.spend[list(CATEGORIES)].astype(float).set_axis(index)
        events, controls = ds.events.set_axis(index), ds.controls.set_axis(index)

        def baseline(knots=()) -> tuple[pd.DataFrame, list]:
            """The baseline columns that add something, and the dropped ones with their reasons."""
            full = baseline_design(index, spec, events, controls, knots=knots)
            keep, why = independent_columns(full.iloc[min(WARMUP_WEEKS, n // 10) :])
            return full[keep], why

        design, dropped_why = baseline()
        warnings: list[dict] = []
        for name, why in dropped_why:
            if why == "duplicate":
                warnings.append(messages.duplicate_column(name))
        base = design.to_numpy()

        # which categories the data can speak about at all, judged once before the fit
        search = spec.search
        variation = diag.residual_variation(spend.to_numpy(), base)
        identification = _identify(spend.to_numpy(), base, y, float(np.mean(search.decay)), n)
        identified = np.array([row["identified"] for row in identification])
        cats = [c for c, ok in zip(CATEGORIES, identified, strict=True) if ok]
        for cat, v, row in zip(CATEGORIES, variation, identification, strict=True):
            if not row["identified"]:
                warnings.append(messages.unidentified(cat, row))
            elif v < diag.LOW_VARIATION_CV:
                warnings.append(messages.low_variation(cat, float(v), True))
        knots: list[int] = []
        if any(row["reason"] in diag.BEND_REASONS for row in identification):
            design, dropped_why = baseline(diag.smooth_knots(n))
            base = design.to_numpy()
            knots = [k for k in diag.smooth_knots(n) if f"bend{k}" in design.columns]
        dropped = [name for name, _ in dropped_why]

        lo = np.tile([search.decay[0], search.half_saturation[0], search.shape[0]], (len(cats), 1))
        hi = np.tile([search.decay[1], search.half_saturation[1], search.shape[1]], (len(cats), 1))
        core_args = {"spend": spend[cats].to_numpy(), "base": base, "y": y, "lo": lo, "hi": hi}
        core_args["prior_sd"] = spec.prior_sd
        dim = len(cats) * 3
        starts = post.starts(dim, N_STARTS, spec.seed)

        family, family_reason = choose_family(y, spec.family)
        if family != "ols" and spec.family != "auto" and np.any(np.abs(y - np.round(y)) > 1e-9):
            warnings.append(messages.not_counts(family))

        # the holdout keeps at least a year of weeks for the fit
        holdout = int(max(0, min(spec.holdout_weeks, n - MIN_TRAIN_WEEKS)))
        if holdout < spec.holdout_weeks:
            warnings.append(messages.holdout_shortened(n, holdout, spec.holdout_weeks))
        n_train = n - holdout

        # the baseline form: additive, multiplicative, or (auto) multiplicative only when it forecasts and fits better
        seasonal = season_columns(design.columns)
        requested = spec.baseline_form if seasonal else "additive"
        names = ("additive", "multiplicative") if requested == "auto" else (requested,)
        forms = {f: self._form(f, y, design, seasonal, core_args, starts, (family, family_reason)) for f in names}
        cvs = {f: _cross_validate(self, form, y, n_train, spec) for f, form in forms.items()}
        rmse = {f: (cv["rmse"] if cv else None) for f, cv in cvs.items()}
        fit_rmse = {f: form.fit_rmse for f, form in forms.items()}
        weeks_fitted = n - min(WARMUP_WEEKS, n // 10)
        chosen, chosen_by = diag.choose_baseline_form(spec.baseline_form, bool(seasonal), rmse, fit_rmse, weeks_fitted)
        form = forms[chosen]
        cv = cvs[chosen]
        baseline_choice = {
            "additive_rmse": rmse.get("additive"),
            "multiplicative_rmse": rmse.get("multiplicative"),
            "additive_fit_rmse": fit_rmse.get("additive"),
            "multiplicative_fit_rmse": fit_rmse.get("multiplicative"),
            "chosen_by": chosen_by,
        }
        family, family_reason, alpha, sw, rho, u0 = (
            form.family,
            form.family_reason,
            form.alpha,
            form.sw,
            form.rho,
            form.u0,
        )
        mult, psw = form.mult, form.psw

        # lift tests: one more observation each, on the scale of the weekly errors of a fit without them.
        # In the multiplicative form the fit sees each test divided by the mean multiplier of its
        # measured weeks (the spend's encounters there are m times the inner model's)
        named = self._lifts(cats, index, warnings)
        factors = [float(mult[lift.first : lift.stop].mean()) for _, _, lift in named]
        lifts = [
            dataclasses.replace(lift, lift=lift.lift / f, se=lift.se / f)
            for (_, _, lift), f in zip(named, factors, strict=True)
        ]
        noise_sd = None
        before = []
        if lifts:
            plain = self._problem(form.core, psw, rho)
            u_plain = u0  # the mode of the history alone (an extra search would move it little)
            *_, resid = plain.linear(plain.features(u_plain))
            noise_sd = math.sqrt(float(resid @ resid) / plain.dof)
            beta_plain, _ = plain.point(u_plain)
            probe = self._problem(form.core, psw, rho, lifts=lifts, noise_sd=noise_sd)
            d_plain = probe.lift_features(u_plain)
            before = [float(beta_plain[lift.j] * d_plain[e]) for e, lift in enumerate(lifts)]

        hold = None
        u_train = None
        if holdout > 0:
            core_t, psw_t, mult_t = self._form_at(form, y, n_train)
            train = self._problem(core_t, psw_t, rho, rows=n_train, lifts=lifts, noise_sd=noise_sd)
            u_train, _ = post.find_mode(train, [u0] + starts)
            out, pred = _stats_at(train, u_train, y, n_train, holdout, mult_t)
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

        problem = self._problem(form.core, psw, rho, lifts=lifts, noise_sd=noise_sd)
        u_hat, _ = post.find_mode(problem, [u0] + ([u_train] if u_train is not None else []) + starts)
        theta = problem.theta(u_hat) if problem.m else np.zeros((0, 3))
        h = problem.features(u_hat) if problem.m else np.zeros((n, 0))
        beta_ls, gamma_ls = problem.point(u_hat)

        # the final linear part at the mode in statsmodels (HAC for ols, an identity-link GLM for counts);
        # in the multiplicative form the columns are multiplied by m, which is the model in the
        # encounters' own scale: y = m (H beta + B gamma) + e
        w0 = problem.w0
        inner = design[form.inner_columns]
        sm_results, beta, gamma, ran = statsmodels_fit(
            family,
            y[w0:],
            h[w0:] * mult[w0:, None],
            cats,
            inner.iloc[w0:].mul(mult[w0:], axis=0),
            beta_ls,
            gamma_ls,
            sw[w0:],
            alpha,
        )
        if ran != family:
            warnings.append(messages.glm_fallback(family, ran))
            family_reason += f"; the {family.replace('_', ' ')} fit did not converge, so weighted least squares ran"
            family = ran

        draws, sampler = None, None
        if spec.draws > 0:
            draws, sampler = post.draw_posterior(problem, u_hat, int(spec.draws), spec.seed, **self.chain)
        experiments = _experiment_table(problem, named, before, u_hat, draws, float(spec.interval), factors)
        for row in experiments:
            if row["disagrees"]:
                warnings.append(messages.experiment_disagrees(row))

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
            identification=dict(zip(CATEGORIES, identification, strict=True)),
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
            knots=knots,
            experiments=experiments,
            baseline_form=form.name,
            season=form.season,
            baseline_choice=baseline_choice,
        )


def _identify(spend: np.ndarray, base: np.ndarray, y: np.ndarray, decay: float, n: int) -> list[dict]:
    """`diagnostics.identification` before the fit: the carryover at the middle of the decay range, the
    noise and error autocorrelation of a linear fit of the encounters on the baseline and that
    carryover (the spend effects taken as straight lines: a little more noise than the final fit sees)."""
    warmup = min(WARMUP_WEEKS, n // 10)
    carry = adstock(spend, np.full(spend.shape[1], decay), initial=backcast(spend, np.full(spend.shape[1], decay)))
    varied = carry[:, np.ptp(spend, axis=0) > 0]
    design = np.column_stack([base, varied])[warmup:]
    coef, *_ = np.linalg.lstsq(design, y[warmup:], rcond=None)
    resid = y[warmup:] - design @ coef
    rho = float(np.clip(post.lag1_correlation(resid), 0.0, MAX_RHO))
    innov = post.ar1_transform(resid, rho)
    dof = max(innov.size - np.linalg.matrix_rank(design), 1)
    sigma = math.sqrt(float(innov @ innov) / dof)
    return diag.identification(spend, carry, base, sigma=sigma, total=float(y[warmup:].sum()), rho=rho, warmup=warmup)


def _experiment_table(problem, named, before, u_hat, draws, interval, factors) -> list[dict]:
    """Each lift test: measured, predicted before calibration (the mode of a fit without the
    tests) and after (posterior mean and interval), and whether the two disagree beyond both
    uncertainties (the measurement's and the posterior's).

    `named` holds the tests as measured; the problem sees each divided by its `factors` entry
    (the mean multiplier of its weeks, 1 in the additive form), so its predictions are multiplied
    back here.
    """
    if not named:
        return []
    scale = np.asarray(factors, dtype=float)
    before = [b * f for b, f in zip(before, scale, strict=True)] if before else before
    m = problem.m
    if draws is not None and len(draws):
        us = np.array([problem.unit(row[: 3 * m]) for row in draws])
        js = [lift.j for _, _, lift in named]
        preds = draws[:, [3 * m + j for j in js]] * problem.lift_features_many(us)
    else:
        beta, _ = problem.point(u_hat)
        d = problem.lift_features(u_hat)
        preds = np.array([[beta[lift.j] * d[e] for e, (_, _, lift) in enumerate(named)]])
    preds = preds * scale
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


def _cross_validate(model, form: _Form, y, n_train, spec) -> dict | None:
    """Rolling-origin forecasts: fit the mode on the weeks before each fold, forecast the fold.

    Each fold's fit sees only its own weeks, the multiplicative season included; the errors are in
    the encounters' own scale in both forms, so the two compare.
    """
    m = form.core["spend"].shape[1]
    folds = spec.cv_folds
    test = max(4, min(13, n_train // (folds + 3)))
    min_rows = max(26, form.core["base"].shape[1] + form.season_x.shape[1] * (form.name != "additive") + m + 5)
    ends = [e for e in (n_train - (folds - f) * test for f in range(folds)) if e >= min_rows]
    if not ends:
        return None
    starts = [form.u0] + post.starts(m * 3, CV_STARTS, spec.seed)[1:]
    actual, forecast = [], []
    for e in ends:
        core, psw, mult = model._form_at(form, y, e)
        problem = model._problem(core, psw, form.rho, rows=e)
        u, _ = post.find_mode(problem, starts)
        _, pred = _stats_at(problem, u, y, e, test, mult)
        actual.append(y[e : e + test])
        forecast.append(pred[e:])
    stats = diag.fit_stats(np.concatenate(actual), np.concatenate(forecast))
    return {
        "folds": len(ends),
        "fold_weeks": test,
        "weeks": len(y),  # the weeks the full fit sees (warm-up included, as the folds' ends)
        "fold_train_weeks": [int(e) for e in ends],  # the weeks each fold's fit saw
        "fold_rmse": [float(np.sqrt(np.mean((a - f) ** 2))) for a, f in zip(actual, forecast, strict=True)],
        **{k: stats[k] for k in ("mape", "rmse", "nrmse")},
    }
