"""Checks of a fitted encounter model, and the plain-language warnings and verdicts built on them.

Pure functions on arrays: `planner.inference.model` calls them; thresholds live here as named constants.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson

from planner import CATEGORIES
from planner.inference.posterior import ar1_transform
from planner.presentation import i18n

__all__ = [
    "CLAIM_BANDS",
    "CLAIM_INTERVAL",
    "CLAIM_LABEL",
    "CLAIM_TOLERANCE",
    "COLLINEARITY_VIF",
    "LOW_VARIATION_CV",
    "NO_VARIATION_CV",
    "POOR_HOLDOUT_MAPE",
    "POOR_HOLDOUT_RATIO",
    "QUALITY_RULES",
    "AUTOCORRELATION_P",
    "MULTIPLICATIVE_CV_GAIN",
    "MULTIPLICATIVE_FIT_AIC",
    "SPEND_EFFECT_GAP",
    "claim_code",
    "claim_context",
    "choose_baseline_form",
    "claim_verdict",
    "BEND_REASONS",
    "IDENTIFICATION_REASONS",
    "MAX_DETECTABLE_FRACTION",
    "ONE_OFF_SHARE",
    "ONE_OFF_WEEKS",
    "SMOOTH_KNOT_WEEKS",
    "SMOOTH_RATIO",
    "smooth_knots",
    "fit_stats",
    "identification",
    "judge_quality",
    "ljung_box",
    "quality",
    "residual_variation",
    "spend_effect_gap",
    "vif",
]

#: A category whose weekly spend, once the baseline terms (trend, season, holidays, events,
#: controls) are taken out, varies by less than this fraction of its mean "hardly varied".
LOW_VARIATION_CV = 0.10
#: Below this the spend is as good as constant: its effect cannot be told from the baseline at all,
#: so the category is left out of the fit and its share is reported as anywhere from 0 to 100 %.
NO_VARIATION_CV = 0.02
#: Variance inflation factor of a category's carryover series, given the other categories'
#: (after the baseline), above which the effects cannot be told well apart. R^2 = 0.9 between them.
COLLINEARITY_VIF = 10.0
#: Ljung-Box p-value of the residuals below which they are called autocorrelated.
AUTOCORRELATION_P = 0.01
#: Holdout error more than this many times the in-sample error, or (ols) a holdout MAPE above
#: POOR_HOLDOUT_MAPE, is a poor holdout.
POOR_HOLDOUT_RATIO = 2.0
POOR_HOLDOUT_MAPE = 0.20
#: ``model.baseline_form: auto`` takes the multiplicative season only when both hold:
#: its rolling-origin cross-validation RMSE is below the additive form's by at least this fraction
#: (it forecasts better) ...
MULTIPLICATIVE_CV_GAIN = 0.02
#: ... and its fit to the data weeks is better by at least this much Gaussian AIC,
#: ``weeks * log(SSE_additive / SSE_multiplicative)`` (the two forms have the same number of
#: parameters): 4 is "considerably more support". The folds' 52 or so forecast weeks alone are a
#: noisy judge: on 20 additive histories (`planner.simulate.generators.make("additive_hill", seed)`, seeds
#: 0-19) the multiplicative form forecast them 2-23 % better in 5, while its fit was never better
#: by this much. With both required, auto keeps all 20 additive and takes the multiplicative form
#: on 13 of 20 `multiplicative_season` histories; on the other 7 the two forms forecast or fit
#: within a few per cent of each other.
MULTIPLICATIVE_FIT_AIC = 4.0
#: (label, minimum in-sample R^2, maximum out-of-sample / in-sample RMSE ratio), checked in order.
QUALITY_RULES = (("good", 0.70, 1.5), ("fair", 0.40, 2.5))

#: The claim under test (DOMAIN.md): content about 80 %, design and technology 10-15 % each.
CLAIM_BANDS = {"content": (0.75, 0.85), "design": (0.10, 0.15), "technology": (0.10, 0.15)}
CLAIM_LABEL = "80/10-15/10-15"
#: The claim's numbers are approximate ("about 80 %"): each band is widened by this much before
#: the shares are set against it.
CLAIM_TOLERANCE = 0.025
#: "contradicted" needs the interval of this width (not the display interval) wholly outside the
#: widened band, so that false alarms stay rare: a 95 % interval misses on one given side about
#: 2.5 % of the time when it is honest.
CLAIM_INTERVAL = 0.95
#: A category whose share of the spend (over all the data) exceeds its share of the spend-driven
#: encounters by at least this much is named as spending more than it brings.
SPEND_EFFECT_GAP = 0.15
#: Identification (`identification`). A category is identified only when the data could detect its
#: effect: the smallest effect in proportion to its carried-over spend that a regression on the
#: model's baseline would detect (80 % power, 5 % two-sided, at the data's weekly noise and error
#: autocorrelation, over the fitted weeks) must be at most this fraction of all encounters.
MAX_DETECTABLE_FRACTION = 0.5
#: ... and that detectable effect may grow at most this many times when the baseline is allowed to
#: bend every SMOOTH_KNOT_WEEKS weeks: identification that a slightly more flexible trend or season
#: would take away rests on slow movement (a licence step at renewal that coincides with the trend)
#: that the baseline could explain just as well. Measured on the generators: spend that varies week
#: to week grows by 1.0-1.2 times, a flat licence with one step by 2-2.6 times.
SMOOTH_RATIO = 1.5
SMOOTH_KNOT_WEEKS = 26
#: A category held for one of these reasons may have an effect that moves slowly or comes in one
#: block of weeks (a licence step, a platform bought once that works for a year): left out of the
#: fit, it would land on the categories whose spend happens to move at the same time. The fit's
#: baseline then bends every SMOOTH_KNOT_WEEKS weeks to take it in, the baseline the identified
#: categories were judged identifiable against.
BEND_REASONS = ("one_off", "follows_baseline")
#: Spend bought in one go: ONE_OFF_SHARE of it or more falls in ONE_OFF_WEEKS weeks or fewer. One
#: week's response cannot trace a curve, nor be told from any other one-week shock.
ONE_OFF_WEEKS = 4
ONE_OFF_SHARE = 0.8
#: Why a category is not identified, in the order they are checked.
IDENTIFICATION_REASONS = ("flat", "one_off", "follows_baseline", "too_little_variation", "collinear")
# Spend shows no clear effect when the lower end of the CLAIM_INTERVAL interval of the spend-driven
# encounters, as a share of all encounters, is below this: the split of an effect that may be nil
# cannot be judged, so the model is weak (reason no_spend_effect) and the claim inconclusive.
NO_EFFECT_SHARE = 0.005


def fit_stats(actual: np.ndarray, predicted: np.ndarray) -> dict:
    """R^2, MAPE (weeks with a positive actual), RMSE and NRMSE (RMSE over the mean actual)."""
    actual = np.asarray(actual, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    err = actual - predicted
    sst = float(np.sum((actual - actual.mean()) ** 2))
    rmse = float(np.sqrt(np.mean(err**2))) if err.size else math.nan
    pos = actual > 0
    mape = float(np.mean(np.abs(err[pos]) / actual[pos])) if pos.any() else math.nan
    mean = float(actual.mean()) if actual.size else math.nan
    return {
        "r2": 1.0 - float(np.sum(err**2)) / sst if sst > 0 else math.nan,
        "mape": mape,
        "rmse": rmse,
        "nrmse": rmse / mean if mean > 0 else math.nan,
    }


def ljung_box(resid: np.ndarray) -> tuple[int, float, float]:
    """(lags, Ljung-Box p-value, Durbin-Watson) of the residuals; lags = min(10, weeks // 5)."""
    resid = np.asarray(resid, dtype=float)
    lags = int(max(1, min(10, resid.size // 5)))
    table = acorr_ljungbox(resid, lags=[lags])
    return lags, float(table["lb_pvalue"].iloc[0]), float(durbin_watson(resid))


def residual_variation(spend: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Per column of `spend`: sd of what the baseline columns do not explain, over its mean.

    A spend series that only follows the trend, the season or the holidays is as uninformative as
    a constant one: its effect cannot be told apart from the baseline.
    """
    spend = np.asarray(spend, dtype=float)
    coef, *_ = np.linalg.lstsq(base, spend, rcond=None)
    rest = spend - base @ coef
    mean = spend.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(mean > 0, rest.std(axis=0) / mean, 0.0)
    return np.where(out < 1e-9, 0.0, out)  # rounding noise of a constant series


def vif(series: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Variance inflation factor of each column of `series` given the others, after the baseline."""
    series = np.asarray(series, dtype=float)
    coef, *_ = np.linalg.lstsq(base, series, rcond=None)
    rest = series - base @ coef
    m = rest.shape[1]
    out = np.full(m, 1.0)
    for j in range(m):
        others = np.delete(rest, j, axis=1)
        target = rest[:, j]
        sst = float(target @ target)
        if others.shape[1] == 0 or sst <= 0:
            out[j] = math.inf if sst <= 0 else 1.0
            continue
        b, *_ = np.linalg.lstsq(others, target, rcond=None)
        r2 = 1.0 - float(np.sum((target - others @ b) ** 2)) / sst
        out[j] = math.inf if r2 >= 1.0 - 1e-12 else 1.0 / (1.0 - r2)
    return out


def _projector(columns: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the column space of `columns` (rank-revealing, via the SVD)."""
    if columns.shape[1] == 0:
        return np.zeros((columns.shape[0], 0))
    u, sv, _ = np.linalg.svd(columns, full_matrices=False)
    rank = int(np.sum(sv > sv[0] * 1e-10)) if sv.size and sv[0] > 0 else 0
    return u[:, :rank]


def _detectable(series: np.ndarray, q: np.ndarray, sums: np.ndarray, sigma: float, z: float) -> np.ndarray:
    """Smallest detectable total effect of each column of `series` (transformed) once the space of
    `q` is projected out: ``z * sigma / |M x| * sum`` (infinite where nothing is left)."""
    rest = series - q @ (q.T @ series)
    norm_ = np.sqrt(np.sum(rest**2, axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            norm_ > 1e-12 * np.maximum(np.sqrt(np.sum(series**2, axis=0)), 1e-300), z * sigma * sums / norm_, np.inf
        )


def smooth_knots(n: int, every: int = SMOOTH_KNOT_WEEKS) -> list[int]:
    """Weeks where a trend over `n` weeks may bend: every `every` weeks, none in the last half-period."""
    return [int(k) for k in np.arange(every, n - every // 2, every)]


def smooth_columns(n: int, every: int = SMOOTH_KNOT_WEEKS) -> np.ndarray:
    """Hinges ``max(0, t - knot)`` at `smooth_knots`: a trend that may bend."""
    t = np.arange(n, dtype=float)
    knots = smooth_knots(n, every)
    return np.column_stack([np.maximum(0.0, t - k) for k in knots]) if knots else np.zeros((n, 0))


def judge_category(
    cv: float, one_off_weeks: int, ratio: float, frac: float, *, moves_with_baseline: bool = False
) -> dict:
    """One category's identification entry from its measures, the reasons checked in their order:
    `flat` (variation under NO_VARIATION_CV), `one_off` (ONE_OFF_SHARE of the spend in at most
    ONE_OFF_WEEKS weeks), `follows_baseline` (the detectable effect grows over SMOOTH_RATIO when the
    trend may bend, or the spend moves only with the baseline), `too_little_variation` (detectable
    effect over MAX_DETECTABLE_FRACTION of all encounters). `collinear` is judged afterwards, against
    the other identified categories; ``detectable_given_others`` is filled in then."""
    if cv < NO_VARIATION_CV:
        reason = "flat"
    elif one_off_weeks <= ONE_OFF_WEEKS:
        reason = "one_off"
    elif moves_with_baseline or ratio > SMOOTH_RATIO:
        reason = "follows_baseline"
    elif frac > MAX_DETECTABLE_FRACTION:
        reason = "too_little_variation"
    else:
        reason = None
    return {
        "identified": reason is None,
        "reason": reason,
        "variation": round(cv, 6),
        "one_off_weeks": one_off_weeks,
        "detectable": frac if math.isfinite(frac) else None,
        "detectable_given_others": None,
        "smooth_ratio": ratio if math.isfinite(ratio) else None,
    }


def identification(
    spend: np.ndarray,
    carry: np.ndarray,
    base: np.ndarray,
    *,
    sigma: float,
    total: float,
    sw: np.ndarray | None = None,
    rho: float = 0.0,
    warmup: int = 0,
    power: float = 0.8,
    alpha: float = 0.05,
) -> list[dict]:
    """Whether the data can show each category's effect, and if not, why; judged once, before the fit.

    Parameters
    ----------
    spend : (n, k) array
        Weekly spend per category.
    carry : (n, k) array
        The carried-over spend the model would use (a first fit's carryover); the spend itself
        where no decay is known.
    base : (n, p) array
        The baseline columns (trend, season, holidays, events, controls).
    sigma : float
        The sd of one week's error once weighted and AR(1)-transformed (as the fit sees it).
    total : float
        All encounters over the fitted weeks (the unit of the detectable effect's fraction).
    sw, rho, warmup
        The fit's square-root weights, AR(1) coefficient of the errors and warm-up weeks.
    power, alpha : float
        Of the detection: the effect found with probability `power` by a two-sided test at `alpha`
        (the same rule as the next test's detectable lift).

    Returns
    -------
    list of dict, one per column
        ``identified``, ``reason`` (None, or one of IDENTIFICATION_REASONS), ``variation`` (sd over
        mean of the weekly spend), ``one_off_weeks`` (how few weeks hold ONE_OFF_SHARE of it),
        ``detectable`` (the smallest detectable effect given the baseline that may bend, as a
        fraction of `total`), ``detectable_given_others`` (also given the other identified
        categories) and ``smooth_ratio`` (how many times the detectable effect grows when the
        baseline may bend).

    Notes
    -----
    The detectable effect is that of an effect proportional to the carried-over spend:
    ``(z_alpha + z_power) * sigma / |M T c| * sum(c)``, where ``T`` weights and AR(1)-transforms the
    weeks as the fit does and ``M`` projects out the baseline; weeks of autocorrelated errors count
    for less, and spend that only moves with the baseline counts for nothing. Checks, in order:
    ``flat`` (the spend varies by less than NO_VARIATION_CV of its mean), ``one_off`` (bought in
    ONE_OFF_WEEKS weeks or fewer), ``follows_baseline`` (what varies is the trend, season or
    holidays, or the detectable effect grows more than SMOOTH_RATIO times when the baseline may
    bend: a step that coincides with the trend), ``too_little_variation`` (the detectable effect is
    above MAX_DETECTABLE_FRACTION of all encounters) and ``collinear`` (identified alone, but not
    once the other identified categories are taken out: its spend moves with theirs).
    """
    spend = np.asarray(spend, dtype=float)
    carry = np.asarray(carry, dtype=float)
    n, k = spend.shape
    sw = np.ones(n) if sw is None else np.asarray(sw, dtype=float)
    w0 = int(min(max(warmup, 0), max(n - 1, 0)))
    z = float(norm.ppf(1 - alpha / 2) + norm.ppf(power))
    total = float(total)

    def transform(x: np.ndarray) -> np.ndarray:
        return ar1_transform(x[w0:] * sw[w0:, None], rho)

    q_base = _projector(transform(base))
    rich = transform(np.column_stack([base, smooth_columns(n)]))
    q_rich = _projector(rich)
    tc = transform(carry)
    sums = carry[w0:].sum(axis=0)
    d_base = _detectable(tc, q_base, sums, sigma, z)
    d_rich = _detectable(tc, q_rich, sums, sigma, z)
    resid_var = residual_variation(spend, base)

    out = []
    for j in range(k):
        x = spend[:, j]
        mean = float(x.mean())
        cv = float(x.std() / mean) if mean > 0 else 0.0
        ordered = np.sort(x)[::-1]
        held = np.cumsum(ordered)
        weeks = int(np.searchsorted(held, ONE_OFF_SHARE * held[-1] - 1e-9) + 1) if held[-1] > 0 else 0
        ratio = float(d_rich[j] / d_base[j]) if np.isfinite(d_base[j]) and d_base[j] > 0 else math.inf
        frac = float(d_rich[j] / total) if total > 0 else math.inf
        out.append(judge_category(cv, weeks, ratio, frac, moves_with_baseline=resid_var[j] < NO_VARIATION_CV))
    alone = [j for j in range(k) if out[j]["identified"]]
    for j in alone:
        others = [i for i in alone if i != j]
        q_all = _projector(np.column_stack([rich, tc[:, others]]))
        frac = float(_detectable(tc[:, [j]], q_all, sums[[j]], sigma, z)[0] / total) if total > 0 else math.inf
        out[j]["detectable_given_others"] = frac if math.isfinite(frac) else None
        if frac > MAX_DETECTABLE_FRACTION:
            out[j].update(identified=False, reason="collinear")
    return out


def judge_quality(r2: float, ratio: float | None, check: str | None = None) -> tuple[str, dict]:
    """good | fair | weak, and the rule that decided it, as ``(label, {"code", "context"})``.

    Parameters
    ----------
    r2 : float
        In-sample R^2.
    ratio : float or None
        Out-of-sample / in-sample RMSE ratio; None when there was no out-of-sample check.
    check : str, optional
        Where `ratio` comes from (``"holdout"`` or ``"cv"``), passed on in the context.

    Returns
    -------
    label : str
        See QUALITY_RULES, checked in order. Without any out-of-sample check the best mark is "fair".
    reason : dict
        ``code`` is one of ``good_fit_and_forecast``, ``no_forecast_check`` (fair: the fit would be
        good, but nothing was forecast), ``moderate_fit`` (fair: R^2 below the good rule's),
        ``moderate_forecast`` (fair: forecast error above the good rule's), ``poor_fit`` (weak: R^2
        below the fair rule's), ``poor_forecast`` (weak: forecast error above the fair rule's, or
        not finite) and ``no_fit`` (weak: R^2 undefined). ``context`` holds ``r2``, ``ratio``,
        ``check`` and the threshold the code refers to (``min_r2`` and/or ``max_ratio``).
    """
    (_, good_r2, good_ratio), (_, fair_r2, fair_ratio) = QUALITY_RULES
    context: dict = {
        "r2": round(float(r2), 4) if np.isfinite(r2) else None,
        "ratio": round(float(ratio), 3) if ratio is not None and np.isfinite(ratio) else None,
        "check": check if ratio is not None else None,
    }

    def reason(code: str, **thresholds) -> dict:
        return {"code": code, "context": {**context, **thresholds}}

    if not np.isfinite(r2):
        return "weak", reason("no_fit")
    if ratio is None:
        if r2 >= good_r2:
            return "fair", reason("no_forecast_check", min_r2=good_r2)
        if r2 >= fair_r2:
            return "fair", reason("moderate_fit", min_r2=good_r2)
        return "weak", reason("poor_fit", min_r2=fair_r2)
    if r2 < fair_r2:
        return "weak", reason("poor_fit", min_r2=fair_r2)
    if not np.isfinite(ratio) or ratio > fair_ratio:
        return "weak", reason("poor_forecast", max_ratio=fair_ratio)
    if r2 >= good_r2 and ratio <= good_ratio:
        return "good", reason("good_fit_and_forecast", min_r2=good_r2, max_ratio=good_ratio)
    if r2 < good_r2:
        return "fair", reason("moderate_fit", min_r2=good_r2)
    return "fair", reason("moderate_forecast", max_ratio=good_ratio)


def quality(r2: float, ratio: float | None) -> str:
    """good | fair | weak from the in-sample R^2 and the out-of-sample / in-sample RMSE ratio.

    See QUALITY_RULES and `judge_quality` (which also says which rule decided).
    """
    return judge_quality(r2, ratio)[0]


def spend_effect_gap(
    spend_shares: dict[str, float],
    effect_shares: dict[str, float],
    identified: dict[str, bool],
    quality: str | None = None,
) -> dict | None:
    """The category whose share of spend exceeds its share of effect by the most, if by enough.

    Parameters
    ----------
    spend_shares : {category: share of the spend over all the data}
    effect_shares : {category: share of the spend-driven encounters over all the data}
    identified : {category: whether the data can show its effect at all}; others are skipped.
    quality : str, optional
        The model's quality mark; a "weak" model names no gap.

    Returns
    -------
    dict or None
        ``{"category", "spend_share", "effect_share"}`` when the largest gap is at least
        SPEND_EFFECT_GAP and the model is not weak, else None.
    """
    if quality == "weak":
        return None
    gaps = {
        c: float(spend_shares[c]) - float(effect_shares[c])
        for c in CATEGORIES
        if identified.get(c, True)
        and c in spend_shares
        and effect_shares.get(c) is not None
        and math.isfinite(float(effect_shares[c]))
    }
    if not gaps:
        return None
    worst = max(gaps, key=gaps.get)
    if gaps[worst] < SPEND_EFFECT_GAP:
        return None
    return {
        "category": worst,
        "spend_share": float(spend_shares[worst]),
        "effect_share": float(effect_shares[worst]),
    }


def _finite(x) -> bool:
    return x is not None and math.isfinite(float(x))


def claim_code(claim: dict) -> str:
    """The catalogue code of a claim verdict's sentence: ``claim_<verdict>``."""
    return f"claim_{claim['verdict']}"


def claim_context(claim: dict, shares: dict[str, tuple[float | None, float | None, float | None]]) -> dict:
    """The context the catalogue renders a claim verdict's sentence from (see `claim_code`).

    Parameters
    ----------
    claim : dict
        A verdict as `claim_verdict` returns it (or results.json's ``model.claim``).
    shares : {category: (share, low, high)}
        The shares the sentence shows (results.json's ``contributions``); low and high None or NaN
        without intervals.

    Returns
    -------
    dict
        ``claim`` (the claim as numbers), ``shares`` ({category: [share, low, high], [share]
        without intervals, or None when the data cannot show it}), ``category``, ``direction``,
        ``band_low`` and ``band_high`` (the claim's band of that category), ``unidentified`` and
        ``why``, as the verdict has them.
    """
    unknown = set(claim.get("unidentified") or [])
    shown: dict = {}
    for cat in CATEGORIES:
        s, lo, hi = (tuple(shares.get(cat) or ()) + (None, None, None))[:3]
        if cat in unknown and _finite(lo) and _finite(hi):
            shown[cat] = [None, round(float(lo), 4), round(float(hi), 4)]
        elif unknown and _finite(lo) and _finite(hi):
            # beside a category the data cannot show, a point share rests on a guess of it: the range only
            shown[cat] = [None, round(float(lo), 4), round(float(hi), 4), "identified"]
        elif cat in unknown or not _finite(s):
            shown[cat] = None
        elif _finite(lo) and _finite(hi):
            shown[cat] = [round(float(s), 4), round(float(lo), 4), round(float(hi), 4)]
        else:
            shown[cat] = [round(float(s), 4)]
    context = {
        "claim": CLAIM_LABEL,
        "shares": shown,
        "category": claim.get("category"),
        "direction": claim.get("direction"),
        "unidentified": list(claim.get("unidentified") or []),
        "why": claim.get("why"),
    }
    reasons = claim.get("unidentified_reasons") or {}
    if context["unidentified"]:
        context["reason"] = reasons.get(context["unidentified"][0], "flat")
    band = (claim.get("bands") or {}).get(claim.get("category"))
    if band is not None:
        context.update(band_low=float(band[0]), band_high=float(band[1]))
    return context


def claim_verdict(
    shares: dict[str, tuple[float, float, float]],
    identified: dict[str, bool],
    judged: dict[str, tuple[float, float, float]] | None = None,
    quality: str | None = None,
    no_effect: bool = False,
    reasons: dict[str, str | None] | None = None,
) -> dict:
    """Set the contribution shares against the claim (CLAIM_BANDS).

    Parameters
    ----------
    shares : {category: (share, low, high)}, the display intervals; low and high NaN when there
        are no intervals. They are what the text shows.
    identified : {category: whether the data can show its effect at all}
    judged : {category: (share, low, high)}, optional
        The CLAIM_INTERVAL intervals the verdict is judged on (default: `shares`).
    quality : str, optional
        The model's quality mark; a "weak" model's verdict is always "inconclusive".
    no_effect : bool
        Spend shows no clear effect at all (see NO_EFFECT_SHARE): the verdict is "inconclusive".
    reasons : {category: reason}, optional
        Why each unidentified category cannot be shown (`identification`); returned as
        ``unidentified_reasons`` and worded in the verdict's sentence.

    Returns
    -------
    dict
        ``{"verdict", "category", "direction", "bands", "unidentified", "why", "text"}``. ``verdict`` is
        "consistent", "contradicted" or "inconclusive". A contradiction names the ``category``
        farthest outside its band and the ``direction`` ("more" or "less" than the claim gives
        it), so readers word it without judging again; both are None for the other verdicts.
        ``bands`` are the claim's bands as stated (CLAIM_BANDS, before CLAIM_TOLERANCE), as
        ``[low, high]`` lists; ``unidentified`` lists the categories whose effect the data cannot
        show. ``why`` says what made an "inconclusive" verdict (``no_effect``, ``unidentified``,
        ``weak``, ``no_intervals`` or ``wide``; None for the other verdicts). ``text`` is the
        English sentence of the catalogue (`claim_code`, `claim_context` with `shares`), which
        renders the verdict in any language from results.json's ``model.claim`` and
        ``contributions``.

    Notes
    -----
    Each band is widened by CLAIM_TOLERANCE. contradicted: the model is not weak and some
    category's judged interval lies wholly outside its band. consistent: the model is not weak,
    every point estimate lies within its band and every category's effect can be told from the
    data. Otherwise inconclusive. Without intervals (no posterior draws) nothing is contradicted:
    a point estimate alone cannot rule a claim out.
    """
    judged = shares if judged is None else judged
    unknown = [c for c in CATEGORIES if not identified.get(c, True)]

    def verdict(name: str, category: str | None = None, direction: str | None = None, why: str | None = None) -> dict:
        out = {
            "verdict": name,
            "category": category,
            "direction": direction,
            "bands": {c: [float(lo), float(hi)] for c, (lo, hi) in CLAIM_BANDS.items()},
            "unidentified": list(unknown),
            "unidentified_reasons": {c: str((reasons or {}).get(c) or "flat") for c in unknown},
            "why": why,
        }
        out["text"] = i18n.render(claim_code(out), claim_context(out, shares), "en")
        return out

    weak = quality == "weak" or no_effect
    no_intervals = any(math.isnan(shares[c][1]) or math.isnan(shares[c][2]) for c in CATEGORIES)

    outside = {}
    for cat in CATEGORIES:
        if weak or no_intervals or not identified.get(cat, True):
            continue
        s, lo, hi = judged[cat]
        if math.isnan(lo) or math.isnan(hi):
            continue
        band_lo, band_hi = CLAIM_BANDS[cat][0] - CLAIM_TOLERANCE, CLAIM_BANDS[cat][1] + CLAIM_TOLERANCE
        if lo > band_hi:
            outside[cat] = ("more", lo - band_hi)
        elif hi < band_lo:
            outside[cat] = ("less", band_lo - hi)
    if outside:
        cat, (direction, _) = max(outside.items(), key=lambda kv: kv[1][1])
        return verdict("contradicted", cat, direction)

    close = all(
        CLAIM_BANDS[c][0] - CLAIM_TOLERANCE <= shares[c][0] <= CLAIM_BANDS[c][1] + CLAIM_TOLERANCE for c in CATEGORIES
    )
    if close and not weak and all(identified.get(c, True) for c in CATEGORIES):
        return verdict("consistent")
    if no_effect:
        why = "no_effect"
    elif unknown:
        why = "unidentified"
    elif weak:
        why = "weak"
    elif no_intervals:
        why = "no_intervals"
    else:
        why = "wide"
    return verdict("inconclusive", why=why)


def choose_baseline_form(requested: str, seasonal: bool, cv: dict, fit: dict, weeks: int) -> tuple[str, str]:
    """The baseline form that runs and what chose it.

    Parameters
    ----------
    requested : str
        ``model.baseline_form``: "auto", "additive" or "multiplicative".
    seasonal : bool
        Whether the baseline has any seasonal column (harmonics or holiday weeks) to multiply by.
    cv, fit : dict
        Per form ("additive", "multiplicative"): the rolling-origin cross-validation RMSE and the
        RMSE of its fit to the data weeks, in the encounters' own scale (None or missing: not
        computed, or too few weeks for the folds).
    weeks : int
        The weeks the fits' RMSE is over.

    Returns
    -------
    form : str
        "additive" or "multiplicative".
    chosen_by : str
        "params" (set in the params file), "cv" (auto: the forms compared; the multiplicative form
        only when it forecasts the folds better by MULTIPLICATIVE_CV_GAIN and fits the data weeks
        better by MULTIPLICATIVE_FIT_AIC), "no_season" (no seasonal column: the forms are the same
        model) or "no_cv" (auto without folds: additive).
    """
    if not seasonal:
        return "additive", "no_season"
    if requested in ("additive", "multiplicative"):
        return requested, "params"
    cv_a, cv_m = cv.get("additive"), cv.get("multiplicative")
    if cv_a is None or cv_m is None:
        return "additive", "no_cv"
    fit_a, fit_m = fit.get("additive"), fit.get("multiplicative")
    forecasts = cv_m <= (1.0 - MULTIPLICATIVE_CV_GAIN) * cv_a
    fits = bool(fit_a and fit_m) and 2.0 * weeks * math.log(fit_a / fit_m) >= MULTIPLICATIVE_FIT_AIC
    return ("multiplicative" if forecasts and fits else "additive"), "cv"
