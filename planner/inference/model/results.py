"""`ModelResults`: a fitted encounter model, its response protocol and its results.json sections.

Built by `planner.inference.model.estimation.EncounterModel.fit`; turns the mode and the posterior draws into
labelled parameters, contributions, shares, curves, forecasts and the judgements readers render
(quality, claim verdict, spend/effect gap, saturation at the current spend).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from planner import CATEGORIES
from planner.inference import diagnostics as diag
from planner.inference.model import messages
from planner.inference.model import summary as summary_mod
from planner.inference.model import uncertainty as unc
from planner.inference.model.design import baseline_design
from planner.inference.model.layout import PARAMETERS, filled, label
from planner.inference.model.season import Season
from planner.inference.model.summary import ModelSummary
from planner.inference.model.uncertainty import MIN_DRAWS_FOR_INTERVALS
from planner.inference.transforms import adstock, backcast, hill, spend_plan

__all__ = ["BASELINE_CHOICE_RMSE", "ModelResults"]

#: The numbers of ``baseline_choice``: each form's cross-validation RMSE and RMSE of its fit.
BASELINE_CHOICE_RMSE = ("additive_rmse", "multiplicative_rmse", "additive_fit_rmse", "multiplicative_fit_rmse")


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
        False for a category the data cannot show (`diagnostics.identification`): it is left out of
        the fit (its effect reads as 0), its share is a range, and the plan holds it.
    identification : dict
        Per category, `diagnostics.identification`'s row: ``identified``, ``reason`` and the
        numbers behind it.
    family, family_reason : str
        The family that ran, and why (``auto`` decides from the data).
    rho : float
        First-order autocorrelation of the errors used in the likelihood.
    warnings : list of dict
        ``{"code", "text", "context"}``; see docs/architecture.md.
    quality : str
        "good" | "fair" | "weak" (see `planner.inference.diagnostics.judge_quality`).
    quality_reason : dict
        ``{"code", "context"}``: the quality rule that decided the mark.
    sm_results : statsmodels results
        The final linear fit at the posterior mode.
    interval : float
        Width of the intervals (``spec.interval``).
    baseline_form : str
        "additive": the season and the holiday dips add to the encounters; "multiplicative": they
        scale every week's encounters, spend-driven ones included, by ``multiplier``.
    multiplier : Series
        The season's multiplier ``m`` over the data weeks (all ones in the additive form; its log
        has mean 0 over the data). Contributions, baseline and fitted values already include it.
    season : planner.inference.model.season.Season
        The multiplicative season's coefficients (no columns in the additive form).
    baseline_choice : dict
        ``{"additive_rmse", "multiplicative_rmse", "additive_fit_rmse", "multiplicative_fit_rmse",
        "chosen_by"}``: each form's rolling-origin CV RMSE and the RMSE of its fit to the data weeks
        (None when not computed) and what chose the form (see
        `planner.inference.diagnostics.choose_baseline_form`).

    Notes
    -----
    In the multiplicative form the multiplier is estimated before the fit and held fixed during the
    posterior draws: years of data pin the season down, and its own uncertainty is left out of the
    intervals. Steady-state quantities (`response_curve`, `marginal`, `saturation`'s cost of an
    encounter) are per week of the coming plan horizon: the curves times the mean multiplier of its
    weeks (``horizon_multiplier``), as `simulate` multiplies each of those weeks by its own.
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
        identification=None,
        knots=(),
        baseline_form="additive",
        season=None,
        baseline_choice=None,
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
        self.knots = [int(k) for k in knots]
        self.identification = {
            c: dict((identification or {}).get(c) or {"identified": c in categories, "reason": None})
            for c in CATEGORIES
        }
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
        self.baseline_form = baseline_form
        self.season = season if season is not None and baseline_form == "multiplicative" else Season.flat()
        self.baseline_choice = {k: None for k in BASELINE_CHOICE_RMSE} | {"chosen_by": "params"}
        self.baseline_choice.update(baseline_choice or {})
        # the baseline's own coefficients: all columns in the additive form, the inner ones (intercept,
        # trend, events, controls) in the multiplicative form, whose season lives in the multiplier
        base_names = [c for c in design.columns if c not in self.season.columns]
        inner = design[base_names].to_numpy()
        self._inner = inner
        mult = self.season.multiplier(design)
        self.multiplier = pd.Series(mult, index=index, name="multiplier")
        self._future_m_cache: dict = {}
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
        mode_contrib = mode_contrib * mult[:, None]
        self.last_state = pd.Series(state, index=list(CATEGORIES), name="last_state")
        base_mode = inner @ self._gamma
        if self.draws is not None:
            per = [
                self._spend_effects(x, th_i, be_i) for th_i, be_i in zip(self._draw_theta, self._draw_beta, strict=True)
            ]
            contrib = np.array([c for c, _ in per]) * mult[None, :, None]  # (d, weeks, 3)
            self._draw_contrib_totals = contrib.sum(axis=1)
            self._draw_state = np.array([s for _, s in per])
            self._contrib = contrib.mean(axis=0)
            inner_base = (self._draw_gamma @ inner.T).mean(axis=0)
        else:
            self._draw_contrib_totals = None
            self._draw_state = None
            self._contrib = mode_contrib
            inner_base = base_mode
        negative = inner_base < 0
        if baseline_form == "multiplicative" and negative.any():
            # a multiplied season cannot turn a negative inner baseline into encounters: those weeks'
            # baseline reads 0 (the spend's encounters explain all of them) and a warning says so
            warnings = list(warnings) + [messages.negative_baseline(int(negative.sum()), float(inner_base.min()))]
            inner_base = np.maximum(inner_base, 0.0)
        self._baseline = inner_base * mult

        self.fitted = pd.Series(self._contrib.sum(axis=1) + self._baseline, index=index, name="fitted")
        self.resid = (y - self.fitted).rename("resid")
        self.diagnostics = self._diagnostics(spend)
        scales = dict(zip(cats, np.asarray(scale, dtype=float).tolist(), strict=True))
        self.warnings = list(warnings) + self._more_warnings(at_bound, scales)
        if holdout:
            check, ratio = "holdout", holdout["rmse_ratio"]
        elif cv:
            check, ratio = "cv", cv["rmse"] / self.diagnostics["rmse"]
        else:
            check, ratio = None, None
        self.quality, self.quality_reason = diag.judge_quality(self.diagnostics["r2"], ratio, check)
        self.spend_effect = self._spend_effect()
        if self.spend_effect is not None and self.spend_effect["low"] < diag.NO_EFFECT_SHARE:
            # an effect that may be nil has no split to judge: nothing here can be planned on
            self.quality = "weak"
            self.quality_reason = {
                "code": "no_spend_effect",
                "context": {
                    "low": round(self.spend_effect["low"], 5),
                    "high": round(self.spend_effect["high"], 5),
                    "min_share": diag.NO_EFFECT_SHARE,
                },
            }
        unknown = [c for c in CATEGORIES if not self.identified[c]]
        if unknown and self.quality == "good":
            # a share that rests on a category the data cannot show is never a good basis
            self.quality = "fair"
            self.quality_reason = {
                "code": "unidentified_category",
                "context": {
                    **self.quality_reason.get("context", {}),
                    "categories": unknown,
                    "reasons": [self.identification[c].get("reason") for c in unknown],
                },
            }
        self._shares = self._share_table(self.interval)
        self._claim_shares = self._share_table(diag.CLAIM_INTERVAL)

    # -- construction helpers ---------------------------------------------------------------

    def _param_series(self, beta, theta, gamma) -> pd.Series:
        values, names = [], []
        for i, cat in enumerate(CATEGORIES):
            values.append(beta[i])
            names.append(label(cat, "beta"))
            for k, what in enumerate(PARAMETERS):
                values.append(theta[i, k])
                names.append(label(cat, what))
        values += list(gamma)
        names += self._base_names
        return pd.Series(np.asarray(values, dtype=float), index=names, name="params")

    def _spend_effects(self, x, theta, beta):
        lam, k, s = filled(theta)
        a = adstock(x, lam, initial=backcast(x, lam))
        return beta * hill(a, k, s), a[-1]

    def _diagnostics(self, spend) -> dict:
        y = self.y.to_numpy()
        stats = diag.fit_stats(y, self.fitted.to_numpy())
        lags, lb_p, dw = diag.ljung_box(self.resid.to_numpy())
        lam, _, _ = filled(self._point_theta())
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

    def _more_warnings(self, at_bound, scale: dict[str, float]) -> list[dict]:
        """Warnings judged on the fit; `scale` is each fitted category's euros per unit of half-saturation."""
        out = []
        d = self.diagnostics
        high = [c for c in CATEGORIES if self.identified[c] and d["vif"][c] > diag.COLLINEARITY_VIF]
        if len(high) >= 2:
            out.append(messages.collinearity({c: d["vif"][c] for c in high}))
        h = self.holdout
        if h is not None and (
            h["rmse_ratio"] > diag.POOR_HOLDOUT_RATIO or (self.family == "ols" and h["mape"] > diag.POOR_HOLDOUT_MAPE)
        ):
            out.append(messages.poor_holdout(h["weeks"], h["mape"], h["rmse_ratio"]))
        for cat, name, side, value in at_bound:
            lo, hi = self.search_box[name]
            if name == "half_saturation":  # the range is in multiples of the mean weekly spend
                lo, hi = lo * scale.get(cat, math.nan), hi * scale.get(cat, math.nan)
            out.append(messages.at_bound(cat, name, side, value, (lo, hi)))
        if d["ljung_box_p"] < diag.AUTOCORRELATION_P:
            out.append(messages.autocorrelation(d["ljung_box_p"], d["ljung_box_lags"]))
        return out

    def _spend_effect(self) -> dict | None:
        """Spend-driven encounters as a share of all encounters: posterior mean and CLAIM_INTERVAL interval."""
        if self._draw_contrib_totals is None:
            return None
        total = float(self.y.sum())
        if total <= 0:
            return None
        frac = self._draw_contrib_totals.sum(axis=1) / total
        q = (1 - diag.CLAIM_INTERVAL) / 2
        low, high = np.quantile(frac, [q, 1 - q])
        return {"share": float(frac.mean()), "low": float(low), "high": float(high)}

    @property
    def no_spend_effect(self) -> bool:
        """Whether spend shows no clear effect on encounters at all (see `diagnostics.NO_EFFECT_SHARE`)."""
        return self.quality_reason.get("code") == "no_spend_effect"

    def _share_table(self, level: float) -> pd.DataFrame:
        """Posterior mean shares with their central `level` intervals (NaN without draws)."""
        return unc.share_table(
            self._draw_contrib_totals,
            self._contrib.sum(axis=0),
            self.identified.to_numpy(),
            (self.variation < diag.LOW_VARIATION_CV).to_numpy(),
            level,
            hidden=self.hidden_bounds(),
        )

    def hidden_bounds(self) -> np.ndarray | None:
        """The most each unidentified category could have generated over the data, per draw (d, 3).

        Its effect, if any, hides in the baseline, so it is at most the baseline's encounters; and
        its spend buys at most `uncertainty.PLAUSIBLE_EFFICIENCY` times as many encounters per euro as the
        identified category that buys the most. Zero for identified categories; None when every
        category is identified.
        """
        if bool(self.identified.all()):
            return None
        if self._draw_gamma is not None:
            mult = self.multiplier.to_numpy()
            baseline = (np.maximum(self._draw_gamma @ self._inner.T, 0.0) * mult[None, :]).sum(axis=1)
            totals = self._draw_contrib_totals
        else:
            baseline = np.array([max(float(self._baseline.clip(min=0).sum()), 0.0)])
            totals = self._contrib.sum(axis=0)[None, :]
        return unc.hidden_bounds(totals, baseline, self.spend.sum().to_numpy(dtype=float), self.identified.to_numpy())

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
        per week when this spend is kept up week after week; in the multiplicative form, in a week
        of the coming plan horizon's mean multiplier, ``horizon_multiplier``).
        """
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}; expected one of {', '.join(CATEGORIES)}")
        i = CATEGORIES.index(category)
        if spend is None:
            spend = np.linspace(0.0, 1.5 * float(self.spend[category].max()), 121)
        x = np.asarray(spend, dtype=float)
        low = high = np.full(x.shape, np.nan)
        if self._draw_theta is not None:
            beta, k, s = self._curve_draws()
            curves = unc.curves(x, beta[:, i], k[:, i], s[:, i]) * self.horizon_multiplier
            point = curves.mean(axis=0)
            lo_q, hi_q = (1 - self.interval) / 2, 1 - (1 - self.interval) / 2
            low, high = np.quantile(curves, lo_q, axis=0), np.quantile(curves, hi_q, axis=0)
        else:
            _, k, s = filled(self._theta)
            point = self._beta[i] * hill(x, k[i], s[i]) * self.horizon_multiplier
        return pd.DataFrame({"encounters": point, "low": low, "high": high}, index=pd.Index(x, name="spend"))

    def marginal(self, weekly_spend: Mapping[str, float] | pd.Series) -> pd.Series:
        """Extra steady-state encounters per week per extra euro a week, at the given spend.

        The posterior mean of the slope of each category's steady-state curve (the mode's slope
        without draws), in a week of the coming plan horizon (see `response_curve`).
        """
        x = np.array([float(weekly_spend[c]) for c in CATEGORIES])
        slope = unc.slopes(x, *self._curve_draws()) * self.horizon_multiplier
        return pd.Series(slope, index=list(CATEGORIES), name="encounters_per_eur")

    def _curve_draws(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """beta, k, s per draw (d, 3); the mode as a single draw (1, 3) without draws."""
        if self._draw_theta is not None:
            _, k, s = filled(self._draw_theta)
            return self._draw_beta, k, s
        _, k, s = filled(self._theta)
        return self._beta[None, :], k[None, :], s[None, :]

    # -- the response protocol ------------------------------------------------------------------

    def _spend_array(self, spend) -> np.ndarray:
        return spend_plan(spend, CATEGORIES)

    def simulate(self, spend, *, draws: bool = False) -> np.ndarray:
        """Spend-driven weighted encounters for weekly spend following the end of the data.

        Parameters
        ----------
        spend : DataFrame or array_like
            One row per future week, columns CATEGORIES (EUR/week); an array in that order. A
            DataFrame with a DatetimeIndex names its weeks; otherwise they follow the last week of
            the data. In the multiplicative form each week is multiplied by its season's
            multiplier (`future_multiplier`).
        draws : bool, default False
            One result per posterior draw, each from its own carryover state (the mode alone when
            there are no draws).

        Returns
        -------
        ndarray
            (weeks, 3): the posterior mean; or (n_draws, weeks, 3) with ``draws=True``.
        """
        x = self._spend_array(spend)
        m = self.future_multiplier(self._weeks_of(spend, x.shape[0]))[:, None]
        if self._draw_theta is not None:
            out = self._simulate_draws(x) * m
            return out if draws else out.mean(axis=0)
        lam, k, s = filled(self._theta)
        if x.shape[0] == 0:
            out = np.zeros((0, 3))
        else:
            a = adstock(x, lam, initial=self.last_state.to_numpy())
            out = self._beta * hill(a, k, s) * m
        return out[None, ...] if draws else out

    def _simulate_draws(self, x: np.ndarray) -> np.ndarray:
        lam, k, s = filled(self._draw_theta)  # (n_draws, 3)
        a = self._draw_state.copy()
        out = np.empty((lam.shape[0], x.shape[0], 3))
        for t in range(x.shape[0]):  # the adstock recursion, vectorised over the draws
            a = lam * a + (1.0 - lam) * x[t]
            out[:, t, :] = self._draw_beta * hill(a, k, s)
        return out

    def _weeks_of(self, spend, weeks: int) -> pd.DatetimeIndex:
        """The weeks of a spend plan: its own DatetimeIndex, else those following the data."""
        if isinstance(spend, pd.DataFrame) and isinstance(spend.index, pd.DatetimeIndex):
            return pd.DatetimeIndex(spend.index)
        return pd.date_range(self.index[-1] + pd.Timedelta(weeks=1), periods=weeks, freq="7D")

    def future_multiplier(self, weeks: pd.DatetimeIndex | int) -> np.ndarray:
        """The season's multiplier of the given weeks (an int: that many weeks after the data).

        All ones in the additive form. The seasonal columns depend on the calendar alone, so any
        week has one.
        """
        if isinstance(weeks, (int, np.integer)):
            weeks = self._weeks_of(None, int(weeks))
        weeks = pd.DatetimeIndex(weeks)
        if not self.season.columns or len(weeks) == 0:
            return np.ones(len(weeks))
        key = weeks.asi8.tobytes()  # the optimiser asks for the same horizon thousands of times
        if key not in self._future_m_cache:
            design = baseline_design(weeks, self.spec, origin=self.index[0])
            self._future_m_cache[key] = self.season.multiplier(design)
        return self._future_m_cache[key]

    @property
    def horizon_multiplier(self) -> float:
        """The mean season multiplier of the plan horizon after the data (1 in the additive form)."""
        return float(self.future_multiplier(self.horizon_weeks).mean()) if self.horizon_weeks else 1.0

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
        m = self.future_multiplier(index)
        frame = pd.DataFrame(x, index=index, columns=list(CATEGORIES))
        point = self.simulate(frame)
        out = pd.DataFrame(point, index=index, columns=list(CATEGORIES))
        out["spend_driven"] = point.sum(axis=1)
        base_d = None if self._draw_gamma is None else self._draw_gamma @ base_x.T * m  # (d, weeks)
        out["baseline"] = base_x @ self._gamma * m if base_d is None else base_d.mean(axis=0)
        out["total"] = out["spend_driven"] + out["baseline"]
        lo_q, hi_q = (1 - self.interval) / 2, 1 - (1 - self.interval) / 2
        cols = list(CATEGORIES) + ["spend_driven", "baseline", "total"]
        if self._draw_theta is not None and len(self._draw_theta) >= MIN_DRAWS_FOR_INTERVALS:
            sim = self.simulate(frame, draws=True)  # (d, weeks, 3)
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
        design = baseline_design(index, self.spec, ev, co, origin=self.index[0], knots=self.knots)
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
            rows(self._shares),
            self.identified.to_dict(),
            judged=rows(self._claim_shares),
            quality=self.quality,
            no_effect=self.no_spend_effect,
            reasons={c: self.identification[c].get("reason") for c in CATEGORIES if not self.identified[c]},
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
        x = np.array([float(weekly[c]) for c in CATEGORIES])
        _, k, s = self._curve_draws()
        level = unc.saturation_level(x, k, s)
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

    def section(self):
        """The ``model`` section as its typed model (`planner.results.ModelSection`), validated."""
        from planner.results import build_section

        return build_section("model", self.to_dict())

    def contributions_section(self):
        """The ``contributions`` section as its typed model (`planner.results.Contributions`), validated."""
        from planner.results import build_section

        return build_section("contributions", self.contributions_dict())

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
                # a category left out of the fit generated an unknown number, not none
                "encounters": _num(enc) if self.identified[cat] else None,
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
        beta = self.params[[label(c, "beta") for c in CATEGORIES]].to_numpy()
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
        choice = self.baseline_choice
        return {
            "family": self.family,
            "family_reason": self.family_reason,
            "baseline_form": self.baseline_form,
            "baseline_choice": {
                **{k: _num(choice.get(k)) for k in BASELINE_CHOICE_RMSE},
                "chosen_by": choice["chosen_by"],
            },
            "method": "posterior" if self.draws is not None else "mode",
            "decay": {c: _num(th.loc[c, "decay"]) for c in cats},
            "half_saturation": {c: _num(th.loc[c, "half_saturation"]) for c in cats},
            "shape": {c: _num(th.loc[c, "shape"]) for c in cats},
            "beta": {c: _num(beta[i]) for i, c in enumerate(CATEGORIES)},
            "identified": {c: bool(self.identified[c]) for c in CATEGORIES},
            "baseline_bends": list(self.knots),
            "identification": {
                c: {k: (_num(v) if isinstance(v, float) else v) for k, v in self.identification[c].items()}
                for c in CATEGORIES
            },
            "fit": fit,
            "holdout": hold,
            "cv": {k: (_num(v) if isinstance(v, float) else v) for k, v in (self.cv or {}).items()},
            "draws": 0 if self.draws is None else len(self.draws),
            "sampler": None
            if self.sampler is None
            else {k: (_num(v) if isinstance(v, float) else v) for k, v in self.sampler.items()},
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

    def diagnostics_table(self, lang: str = "en") -> pd.DataFrame:
        """The checks with their values, thresholds and verdicts, for people, in `lang`."""
        return summary_mod.diagnostics_table(self, lang)

    def summary(self, lang: str = "en") -> ModelSummary:
        """Fit, parameters with intervals, shares, checks and warnings, worded in `lang`."""
        return summary_mod.model_summary(self, lang)

    def _repr_html_(self) -> str:
        """Quality, effect against spend per category, the claim verdict and the warnings."""
        return summary_mod.results_html(self)

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
