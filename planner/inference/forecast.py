"""The run's forecast of its horizon: total quality-weighted encounters week by week, with intervals.

`forecast(model, plan)` forecasts every week of the plan horizon for the current split and the
recommended one: the baseline (trend, season, holidays, controls at their recent level, no events)
plus the spend-driven encounters, per posterior draw, plus the noise of a single week drawn from the
model's own noise model (its weights, the AR(1) correlation of its errors and a noise scale drawn
per draw). The intervals therefore say where a week's actual count should fall, not only where its
expected value lies. A later run scores these numbers (`planner.inference.track`).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from planner import CATEGORIES

__all__ = [
    "FORECAST_SCENARIOS",
    "NOISE_PER_DRAW",
    "REPLAY_DRAWS",
    "Forecast",
    "forecast",
    "noise_model",
    "replay",
    "weeks_sha256",
]

#: The splits every run forecasts.
FORECAST_SCENARIOS = ("current", "recommended")
#: Noise paths simulated per posterior draw (the noise is cheap; more paths smooth the tails).
NOISE_PER_DRAW = 4
#: Posterior draws kept in the forecast (the ``replay`` record) so that a later run can forecast the
#: same weeks again at the spend that actually happened.
REPLAY_DRAWS = 50
#: The forecast's noise is at most this many times the residuals' own (a model whose out-of-sample
#: errors are larger still is weak, and says so).
MAX_INFLATION = 3.0
#: Seed offset of the forecast's noise, so that it never reuses the model's own random streams.
_NOISE_SEED = 2_100_021


def weeks_sha256(frame: pd.DataFrame, start=None, end=None) -> str:
    """A fingerprint of the data's rows from `start` to `end` (inclusive week starts).

    Only the values matter (the columns in name order, rounded to 6 significant digits, so that a
    file re-saved with other number formatting keeps its hash); a later run hashes the same weeks of
    its own data and compares, to tell a changed history from new weeks.
    """
    part = frame.loc[start:end] if (start is not None or end is not None) else frame
    columns = sorted(part.columns)
    text = "\n".join([",".join(map(str, columns)), *_week_lines(part, columns)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _week_lines(frame: pd.DataFrame, columns: list) -> list[str]:
    """Each week's row as text: its date, then `columns`' values rounded to 6 significant digits."""
    values = np.asarray(frame[columns].to_numpy(dtype=float), dtype=float)
    return [
        f"{day.date().isoformat()}," + ",".join(f"{v:.6g}" for v in row)
        for day, row in zip(frame.index, values, strict=True)
    ]


#: Hex digits kept of each week's fingerprint (`week_hashes`).
WEEK_HASH_DIGITS = 12


def week_hashes(frame: pd.DataFrame, columns: list[str] | None = None) -> list[str]:
    """A short fingerprint of each week's row, in the frame's order, over `columns` (default all, by name).

    Week by week, so that a later run can compare the weeks both runs saw and nothing else: a data
    file that drops its oldest weeks (a rolling window) or gains a column keeps the fingerprints of
    the weeks and columns the earlier run saw. Values are rounded as in `weeks_sha256`.
    """
    cols = sorted(frame.columns) if columns is None else list(columns)
    return [hashlib.sha256(line.encode("utf-8")).hexdigest()[:WEEK_HASH_DIGITS] for line in _week_lines(frame, cols)]


@dataclass(frozen=True)
class NoiseModel:
    """A week's noise around the model's expected encounters.

    ``r[t] = e[t] / sw[t]`` with ``e[t] = rho e[t-1] + sigma z[t]``: ``sw`` are the square roots of the
    family's weights (1 for least squares; for count families they follow the expected count),
    ``rho`` the errors' AR(1) correlation, ``sigma`` the innovations' scale with ``dof`` degrees of
    freedom, ``last`` the weighted error of the last data week (the start of the AR(1) path).
    """

    sigma: float
    dof: int
    rho: float
    last: float
    family: str
    alpha: float
    weight_norm: float | None  # count families: sw = (mu + alpha mu^2)^-1/2 / weight_norm
    inflation: float = 1.0  # sigma's factor over the residuals' own scale (see `out_of_sample_inflation`)

    def sw(self, mu: np.ndarray) -> np.ndarray:
        if self.weight_norm is None:
            return np.ones_like(mu)
        m = np.maximum(mu, 0.5)
        return 1.0 / np.sqrt(m + self.alpha * m * m) / self.weight_norm

    def draw(self, mu: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Noise paths for expected encounters ``mu`` (draws, weeks): each draw its own scale."""
        n, weeks = mu.shape
        sigma = self.sigma * np.sqrt(self.dof / rng.chisquare(max(self.dof, 1), size=n))
        z = rng.standard_normal((n, weeks))
        e = np.empty((n, weeks))
        prev = np.full(n, self.last)
        for t in range(weeks):
            prev = self.rho * prev + sigma * z[:, t]
            e[:, t] = prev
        return e / self.sw(mu)

    def to_dict(self) -> dict:
        return {
            "family": self.family,
            "sigma": self.sigma,
            "rho": self.rho,
            "dof": self.dof,
            "inflation": self.inflation,
        }

    def replay_dict(self) -> dict:
        """Everything `draw` needs, for the forecast's replay record."""
        out = {**self.to_dict(), "last": self.last, "alpha": self.alpha, "weight_norm": self.weight_norm}
        return out


#: Out-of-sample forecasts whose fit saw fewer weeks than a year (or than the longest fit there is)
#: do not measure the full fit's error: their season is extrapolated from less than one.
SEASON_WEEKS = 52


def out_of_sample_error(model) -> tuple[float, float] | None:
    """The model's own out-of-sample forecast error: (mean squared error, weeks of the full fit / weeks behind it).

    The rolling-origin cross-validation folds and the holdout are forecasts of unseen weeks from
    fits on fewer weeks. A fold fitted on half a year forecasts far worse than the full fit will (its
    season is a guess), so only the forecasts whose fit saw at least a year of weeks (else those
    with the longest fit) are pooled, weighted by their weeks. The second value says how many times
    more weeks the full fit saw than those fits did, on average. None when the model has no
    out-of-sample forecast at all.
    """
    cv, hold = model.cv or {}, model.holdout or {}
    full = cv.get("weeks") or len(model.index)
    parts = []  # (rmse, forecast weeks, weeks behind the fit)
    for rmse, train in zip(cv.get("fold_rmse") or [], cv.get("fold_train_weeks") or [], strict=False):
        parts.append((float(rmse), int(cv["fold_weeks"]), int(train)))
    if hold.get("rmse") is not None and hold.get("weeks"):
        parts.append((float(hold["rmse"]), int(hold["weeks"]), int(full) - int(hold["weeks"])))
    parts = [p for p in parts if math.isfinite(p[0])]
    if not parts:  # results written before the folds were kept one by one
        out = cv.get("rmse") if cv.get("rmse") is not None else hold.get("rmse")
        return None if out is None or not math.isfinite(float(out)) else (float(out) ** 2, 1.0)
    longest = max(p[2] for p in parts)
    kept = [p for p in parts if p[2] >= min(SEASON_WEEKS, longest)]
    weeks = sum(p[1] for p in kept)
    mse = sum(p[0] ** 2 * p[1] for p in kept) / weeks
    behind = sum(p[2] * p[1] for p in kept) / weeks
    return mse, max(float(full) / behind, 1.0)


def out_of_sample_inflation(model, parameter_var: float) -> float:
    """How much wider a week's noise must be for the forecast to match the model's own forecast errors.

    The residuals measure the noise around the fit; forecasts of unseen weeks also miss by what the
    baseline and the season cannot foresee. `out_of_sample_error` measures that total error
    ``oos_mse`` from the model's own forecasts of unseen weeks. Part of it is those fits' parameter
    error, and they saw fewer weeks than the full fit: their parameter variance is taken as the
    full fit's ``parameter_var`` (the spread of the expected encounters over the draws) times
    ``ratio`` (full weeks / weeks behind them), the variance of an estimate growing as the weeks
    behind it shrink. The noise makes up the rest:
    ``sigma' = sqrt((oos_mse - parameter_var * ratio) / fit_rmse^2) sigma``, never below ``sigma`` and at
    most `MAX_INFLATION` times it.
    """
    fit_rmse = float(model.diagnostics.get("rmse") or 0.0)
    error = out_of_sample_error(model)
    if not fit_rmse > 0 or error is None:
        return 1.0
    mse, ratio = error
    excess = (mse - parameter_var * ratio) / fit_rmse**2
    return float(min(max(math.sqrt(max(excess, 0.0)), 1.0), MAX_INFLATION))


def noise_model(model) -> NoiseModel:
    """The fitted model's noise: its residuals weighted as its likelihood weighs them, whitened by rho.

    The warm-up weeks stay out, as they stay out of the fit.
    """
    from planner.inference.model import WARMUP_WEEKS
    from planner.inference.posterior import ar1_transform

    resid = model.resid.to_numpy(dtype=float)
    fitted = model.fitted.to_numpy(dtype=float)
    n = resid.size
    w0 = int(min(WARMUP_WEEKS, max(n // 10, 0)))
    sw = np.sqrt(np.asarray(model.weights, dtype=float))
    counts = not np.allclose(sw, sw[0])
    norm = None
    alpha = float(getattr(model, "alpha", 0.0) or 0.0)
    if counts:
        raw = 1.0 / np.sqrt(np.maximum(fitted, 0.5) + alpha * np.maximum(fitted, 0.5) ** 2)
        norm = float(np.median(raw[w0:] / sw[w0:]))
    weighted = resid * sw
    rho = float(model.rho)
    innov = ar1_transform(weighted[w0:], rho)
    n_lin = len(model.params) - 3 * len(CATEGORIES)  # the baseline's coefficients
    n_spend = 4 * int(model.identified.sum())  # beta and the three curve parameters
    dof = max(int(innov.size - n_lin - n_spend), 1)
    sigma = math.sqrt(float(innov @ innov) / dof)
    return NoiseModel(
        sigma=sigma, dof=dof, rho=rho, last=float(weighted[-1]), family=model.family, alpha=alpha, weight_norm=norm
    )


@dataclass
class Forecast:
    """The forecast of the plan horizon, per week and split.

    Attributes
    ----------
    weeks : DatetimeIndex
        The horizon's weeks (Mondays following the data).
    interval : float
        Width of the intervals (the model's, 0.8 by default).
    weekly : dict of DataFrame
        Per split (``current``, ``recommended``): ``baseline``, ``spend_driven``, ``total`` (expected
        encounters) and ``low``/``high`` (the interval of a week's actual total, noise included).
    totals : dict of dict
        Per split, the horizon's ``{total, low, high}`` (the interval of the sum of its weeks).
    splits : dict of dict
        Per split, the weekly spend per category behind it (EUR/week) and its shares.
    value : dict or None
        Under a value objective (deals, revenue): per split, ``{total, low, high}`` of the value of
        all the horizon's encounters and the unit; None otherwise.
    noise : NoiseModel
    data_start, data_end : Timestamp
        The weeks the model saw.
    data_weeks_sha256 : str
        `weeks_sha256` of the model's data (a later run checks its own copy of these weeks).
    data_columns : list of str
        The data's columns, by name, behind `data_week_hashes`.
    data_week_hashes : list of str
        `week_hashes` of each week the model saw, from `data_start` on.
    action : str
        The plan's action when the forecast was made.
    """

    weeks: pd.DatetimeIndex
    interval: float
    weekly: dict
    totals: dict
    splits: dict
    noise: NoiseModel
    data_start: pd.Timestamp
    data_end: pd.Timestamp
    data_weeks_sha256: str
    action: str
    data_columns: list = field(default_factory=list)
    data_week_hashes: list = field(default_factory=list)
    value: dict | None = None
    samples: dict = field(default_factory=dict, repr=False)
    replay: dict | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per week and split: ``week_start``, ``scenario``, ``baseline``, ``spend_driven``,
        ``total``, ``low``, ``high`` (forecast.csv)."""
        parts = []
        for name, frame in self.weekly.items():
            part = frame.copy()
            part.insert(0, "scenario", name)
            parts.append(part)
        out = pd.concat(parts)
        out.index.name = "week_start"
        return out

    def to_dict(self) -> dict:
        """The ``forecast`` section of results.json."""

        def week_rows(frame: pd.DataFrame) -> list[dict]:
            return [
                {"week_start": idx.date().isoformat(), **{k: float(row[k]) for k in frame.columns}}
                for idx, row in frame.iterrows()
            ]

        return {
            "horizon_weeks": len(self.weeks),
            "interval": self.interval,
            "start": self.weeks[0].date().isoformat(),
            "end": self.weeks[-1].date().isoformat(),
            "data_start": self.data_start.date().isoformat(),
            "data_end": self.data_end.date().isoformat(),
            "data_weeks_sha256": self.data_weeks_sha256,
            "data_columns": list(self.data_columns),
            "data_week_hashes": list(self.data_week_hashes),
            "action": self.action,
            "noise": self.noise.to_dict(),
            "scenarios": {
                name: {
                    "weekly_spend": {c: float(self.splits[name]["weekly_spend"][c]) for c in CATEGORIES},
                    "split": {c: float(self.splits[name]["split"][c]) for c in CATEGORIES},
                    "total": self.totals[name],
                    "value": None if self.value is None else self.value[name],
                    "weeks": week_rows(self.weekly[name]),
                }
                for name in self.weekly
            },
            "unit": None if self.value is None else self.value["unit"],
            "replay": self.replay,
        }


def _parameter_var(model, index: pd.DatetimeIndex, weekly: pd.Series) -> float:
    """Mean over the weeks of the variance over the draws of the expected encounters (0 without draws)."""
    if model.draws is None:
        return 0.0
    spend = pd.DataFrame([weekly.reindex(list(CATEGORIES)).to_numpy(dtype=float)] * len(index), index=index)
    spend.columns = list(CATEGORIES)
    mu = model.simulate(spend, draws=True).sum(axis=2) + _baseline_draws(model, index, spend)
    return float(mu.var(axis=0).mean())


def _baseline_draws(model, index: pd.DatetimeIndex, spend: pd.DataFrame) -> np.ndarray:
    """The baseline of the horizon's weeks per draw (d, weeks); the mode's as one draw without draws."""
    base_x = model._future_design(index, spend, None, None)  # the model's own future baseline columns
    m = model.future_multiplier(index)
    gamma = model._draw_gamma if model._draw_gamma is not None else model._gamma[None, :]
    inner = gamma @ base_x.T
    if model.baseline_form == "multiplicative":
        inner = np.maximum(inner, 0.0)  # as the fitted baseline: a multiplied season needs a positive base
    return inner * m[None, :]


def forecast(
    model,
    plan,
    *,
    data=None,
    value_draws: np.ndarray | None = None,
    unit: str | None = None,
    seed: int | None = None,
) -> Forecast:
    """Forecast each week of the plan horizon for the current and the recommended split.

    Parameters
    ----------
    model : planner.inference.model.ModelResults
    plan : planner.plan.PlanResults
    data : planner.reading.data.Dataset, optional
        The model's data, whose weeks are fingerprinted (`weeks_sha256`) for a later run's check.
    value_draws : ndarray, optional
        Draws of the value of one encounter in the objective's unit (deals or EUR of revenue), for a
        value objective: the horizon's value is forecast as well.
    unit : str, optional
        The unit of `value_draws` (``deals`` or ``EUR``).
    seed : int, optional
        Default the model's seed.

    Returns
    -------
    Forecast
    """
    index = pd.DatetimeIndex(plan.week_index, name="week_start")
    weeks = len(index)
    interval = float(model.interval)
    q_lo, q_hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    noise = noise_model(model)
    spread = _parameter_var(model, index, plan.current.euros / weeks)
    factor = out_of_sample_inflation(model, spread)
    noise = replace(noise, sigma=noise.sigma * factor, inflation=factor)
    rng_seed = int(model.spec.seed if seed is None else seed) + _NOISE_SEED
    weekly, totals, splits, samples = {}, {}, {}, {}
    value = {} if value_draws is not None else None
    allocations = {"current": plan.current, "recommended": plan.recommended}
    for name in FORECAST_SCENARIOS:
        alloc = allocations[name]
        per_week = (alloc.euros / weeks).reindex(list(CATEGORIES)).astype(float)
        spend = pd.DataFrame([per_week.to_numpy()] * weeks, index=index, columns=list(CATEGORIES))
        if model.draws is not None:
            driven = model.simulate(spend, draws=True).sum(axis=2)
        else:
            driven = model.simulate(spend)[None, :, :].sum(axis=2)
        base = _baseline_draws(model, index, spend)
        mu = np.repeat(driven + base, NOISE_PER_DRAW, axis=0)
        # the same noise for every split (common random numbers): their difference is the spend's
        rng = np.random.default_rng(rng_seed)
        sim = mu + noise.draw(mu, rng)
        samples[name] = sim
        frame = pd.DataFrame(
            {
                "baseline": base.mean(axis=0),
                "spend_driven": driven.mean(axis=0),
                "total": (driven + base).mean(axis=0),
                "low": np.quantile(sim, q_lo, axis=0),
                "high": np.quantile(sim, q_hi, axis=0),
            },
            index=index,
        )
        weekly[name] = frame
        horizon = sim.sum(axis=1)
        totals[name] = {
            "total": float(frame["total"].sum()),
            "low": float(np.quantile(horizon, q_lo)),
            "high": float(np.quantile(horizon, q_hi)),
        }
        total_split = float(per_week.sum())
        splits[name] = {
            "weekly_spend": per_week,
            "split": per_week / total_split if total_split > 0 else per_week * 0.0,
        }
        if value is not None:
            v = np.asarray(value_draws, dtype=float)
            pick = np.random.default_rng(rng_seed + 1).integers(0, v.size, horizon.size)
            valued = horizon * v[pick]
            value[name] = {
                "total": float(totals[name]["total"] * v.mean()),
                "low": float(np.quantile(valued, q_lo)),
                "high": float(np.quantile(valued, q_hi)),
            }
    if value is not None:
        value["unit"] = unit or "value"
    base = _baseline_draws(model, index, spend)
    replay_record = _replay_record(model, base, noise, rng_seed)
    return Forecast(
        weeks=index,
        interval=interval,
        weekly=weekly,
        totals=totals,
        splits=splits,
        noise=noise,
        data_start=pd.Timestamp(model.index[0]),
        data_end=pd.Timestamp(model.index[-1]),
        data_weeks_sha256="" if data is None else weeks_sha256(data.frame),
        data_columns=[] if data is None else sorted(data.frame.columns),
        data_week_hashes=[] if data is None else week_hashes(data.frame),
        action=str(plan.action),
        value=value,
        samples=samples,
        replay=replay_record,
    )


def _replay_record(model, base: np.ndarray, noise: NoiseModel, seed: int) -> dict:
    """A thinned set of the model's draws: what `replay` needs to forecast the horizon at any spend."""
    from planner.inference.model.layout import filled

    if model.draws is not None:
        theta, beta, state = model._draw_theta, model._draw_beta, model._draw_state
    else:
        theta, beta, state = model._theta[None], model._beta[None], model.last_state.to_numpy()[None]
    n = theta.shape[0]
    pick = np.unique(np.linspace(0, n - 1, min(REPLAY_DRAWS, n)).round().astype(int))
    lam, k, s = filled(theta[pick])
    m = model.future_multiplier(len(base[0]))
    return {
        "seed": seed,
        "decay": lam.round(5).tolist(),
        "half_saturation": _sig(k),
        "shape": s.round(4).tolist(),
        "beta": _sig(beta[pick]),
        "state": _sig(state[pick]),
        "baseline": _sig(base[pick % base.shape[0]]),
        "multiplier": np.asarray(m, dtype=float).round(5).tolist(),
        "noise": noise.replay_dict(),
    }


def _sig(values: np.ndarray, digits: int = 6) -> list:
    """Values to `digits` significant figures, as nested lists (the record's numbers stay short)."""
    v = np.asarray(values, dtype=float)
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.maximum(np.abs(v), 1e-12))))
    return (np.round(v * scale) / scale).tolist()


def replay(record: dict, weekly_spend: np.ndarray, interval: float) -> dict:
    """An earlier forecast made again at another spend (the spend that happened), from its replay record.

    Parameters
    ----------
    record : dict
        The ``replay`` record of a forecast section (results.json ``forecast.replay``).
    weekly_spend : (weeks, 3) array
        Euros per week and category (CATEGORIES order) over the forecast's weeks.
    interval : float

    Returns
    -------
    dict
        ``total``, ``low``, ``high`` of the weeks' sum and per week ``weekly_total``, ``weekly_low``,
        ``weekly_high`` (arrays), noise included as in `forecast`.
    """
    from planner.inference.transforms import hill

    x = np.asarray(weekly_spend, dtype=float)
    lam, k, s = (np.asarray(record[key], dtype=float) for key in ("decay", "half_saturation", "shape"))
    beta, a = np.asarray(record["beta"], dtype=float), np.asarray(record["state"], dtype=float).copy()
    base = np.asarray(record["baseline"], dtype=float)
    mult = np.asarray(record["multiplier"], dtype=float)
    weeks = x.shape[0]
    driven = np.empty((lam.shape[0], weeks))
    for t in range(weeks):
        a = lam * a + (1.0 - lam) * x[t]
        driven[:, t] = (beta * hill(a, k, s)).sum(axis=1) * mult[t]
    mu = np.repeat(driven + base[:, :weeks], NOISE_PER_DRAW, axis=0)
    nz = record["noise"]
    noise = NoiseModel(
        sigma=nz["sigma"],
        dof=nz["dof"],
        rho=nz["rho"],
        last=nz["last"],
        family=nz["family"],
        alpha=nz["alpha"],
        weight_norm=nz["weight_norm"],
        inflation=nz.get("inflation", 1.0),
    )
    sim = mu + noise.draw(mu, np.random.default_rng(int(record["seed"])))
    q_lo, q_hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    horizon = sim.sum(axis=1)
    return {
        "total": float(mu.mean(axis=0).sum()),
        "low": float(np.quantile(horizon, q_lo)),
        "high": float(np.quantile(horizon, q_hi)),
        "weekly_total": mu.mean(axis=0),
        "weekly_low": np.quantile(sim, q_lo, axis=0),
        "weekly_high": np.quantile(sim, q_hi, axis=0),
    }
