"""The geo split: a lift test in which some regions change spend while the others hold.

Used by `planner.inference.experiments.design_next_test` when the data are by region (`data.region`). With
``Y[t, r]`` a region's quality-weighted encounters in week ``t``:

- **Groups.** The regions are split in two groups of about equal size (their encounters over the
  last plan horizon): largest first, each region to the group that is smaller so far, so that the
  control mirrors the treatment. Either group may be the treated one: both are tried.
- **Matching.** ``T[t]`` and ``C[t]`` are the groups' weekly totals; the control is scaled to the
  treated group's level, ``k = mean(T) / mean(C)`` over the history, and the difference series is
  ``d[t] = T[t] - k * C[t]``. Shocks common to all regions (season, holidays, national campaigns,
  the market) cancel in ``d``; what is left is the regions' own week-to-week variation.
- **Estimate.** The test runs ``W`` weeks right after the data; its pre-period is the data's last
  ``P = min(PRE_WEEKS, weeks of data)`` weeks: ``lift_hat = sum_test d[t] - W * mean_pre d[t]``
  (difference in differences of treated against control, test weeks against the pre-period).
- **Noise.** ``d`` is treated as AR(1) with the variance ``v`` and lag-1 autocorrelation ``rho`` of
  the history's difference series (``rho`` clipped to 0..0.95). With ``a`` the estimator's weights
  (``-W/P`` on each pre week, ``1`` on each test week, consecutive weeks) and
  ``Sigma[i, j] = v * rho**|i - j|``, ``se = sqrt(a' Sigma a)``.
- **Change and lift.** A step of ``c`` (a share, as `planner.inference.experiments.CHANGES`) of the treated
  regions' weekly spend in one category: ``change = c * share_T * now`` euros a week, where
  ``share_T`` is the treated regions' share of that category's spend over the last horizon and
  ``now`` its national weekly spend; the national spend ``now + change`` must stay within the
  plan's bounds. The treated regions are taken to respond like the whole market at their own scale,
  so the expected lift over the ``W`` weeks is ``share_T * sum_w [f(now with the category
  * (1 + c)) - f(now)]`` with ``f`` the model's response (per posterior draw).
- **Power.** As for a time test: detectable lift ``(z_0.975 + z_0.8) * se``, power
  ``Phi(|lift| / se - z_0.975)``.

`choose(time_test, geo, best)` prefers a geo split when it reaches 80 % power and the time test does
not, or when it reaches it with fewer weeks or a smaller spend change (and neither more weeks nor a
larger change) than the time test.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.stats import norm

from planner import CATEGORIES

__all__ = [
    "PRE_WEEKS",
    "balanced_split",
    "choose",
    "detectable",
    "did_estimate",
    "did_se",
    "difference_noise",
    "geo_candidates",
    "power",
]

#: Pre-period weeks the test weeks are compared against (fewer when the history is shorter).
PRE_WEEKS = 26
POWER = 0.8
ALPHA = 0.05
MAX_RHO = 0.95


def power(lift: float, se: float) -> float:
    """Power of a two-sided 5 % test to detect `lift` measured with standard error `se`."""
    return float(norm.cdf(abs(lift) / se - norm.ppf(1 - ALPHA / 2))) if se > 0 else 1.0


def detectable(se: float) -> float:
    """The smallest lift detected with 80 % power by a two-sided 5 % test of standard error `se`."""
    return float((norm.ppf(1 - ALPHA / 2) + norm.ppf(POWER)) * se)


def balanced_split(size: pd.Series) -> tuple[list[str], list[str]]:
    """Two groups of regions of about equal total `size`: largest first, each to the smaller group.

    Returns the groups in the order of `size`'s index, the group holding the largest region first.
    """
    order = size.sort_values(ascending=False, kind="stable").index
    groups: tuple[list, list] = ([], [])
    totals = [0.0, 0.0]
    for r in order:
        g = 0 if totals[0] <= totals[1] else 1
        groups[g].append(r)
        totals[g] += float(size[r])
    keep = list(size.index)
    return [r for r in keep if r in groups[0]], [r for r in keep if r in groups[1]]


def difference_noise(y: pd.DataFrame, treated: list[str], control: list[str]) -> tuple[float, float, float]:
    """The matching factor ``k``, the variance and the lag-1 autocorrelation of ``T - k * C``.

    Parameters
    ----------
    y : DataFrame
        Weekly encounters, one column per region (the history).
    treated, control : list of str
        The groups.

    Returns
    -------
    (k, variance, rho)
    """
    t, c = y[treated].sum(axis=1).to_numpy(), y[control].sum(axis=1).to_numpy()
    k = float(t.mean() / c.mean()) if c.mean() > 0 else 1.0
    d = t - k * c
    d = d - d.mean()
    var = float(np.var(d, ddof=1))
    rho = float(np.sum(d[1:] * d[:-1]) / np.sum(d * d)) if np.sum(d * d) > 0 else 0.0
    return k, var, float(min(max(rho, 0.0), MAX_RHO))


def did_se(variance: float, rho: float, weeks: int, pre_weeks: int) -> float:
    """Standard error of ``sum_test d - weeks * mean_pre d`` for an AR(1) difference series."""
    a = np.concatenate([np.full(pre_weeks, -weeks / pre_weeks), np.ones(weeks)])
    lag = np.abs(np.subtract.outer(np.arange(a.size), np.arange(a.size)))
    return float(math.sqrt(max(variance * a @ (rho**lag) @ a, 0.0)))


def did_estimate(
    y: pd.DataFrame, treated: list[str], control: list[str], k: float, weeks: int, pre_weeks: int
) -> float:
    """The measured lift of a geo test in the last `weeks` rows of `y` against the `pre_weeks` before."""
    d = (y[treated].sum(axis=1) - k * y[control].sum(axis=1)).to_numpy()
    test, pre = d[-weeks:], d[-weeks - pre_weeks : -weeks]
    return float(test.sum() - weeks * pre.mean())


def _groups(region_y: pd.DataFrame, region_spend: pd.DataFrame, horizon: int):
    """Both ways to treat one of the two balanced groups: [(treated, control, the treated regions'
    share of the category's spend over the last horizon)]."""
    first, second = balanced_split(region_y.iloc[-horizon:].sum())
    spend = region_spend.iloc[-horizon:].sum()
    total = float(spend.sum())
    share = float(spend[first].sum()) / total if total > 0 else 0.0
    return [(first, second, share), (second, first, 1.0 - share if total > 0 else 0.0)]


def geo_candidates(
    model,
    dataset,
    limits: dict,
    weekly_now: pd.Series,
    changes,
    weeks_tried,
    interval_after: Callable[[int, np.ndarray, float], list[float]],
    share_now: Callable[[int], list[float]],
    lift_of: Callable[[int, float, int], np.ndarray] | None = None,
    categories: list[str] | None = None,
) -> list[dict]:
    """Every feasible geo-split design, in the form of `design_next_test`'s candidates.

    Parameters
    ----------
    model : planner.inference.model.ModelResults
        Its ``simulate(..., draws=True)`` gives the lift; ``identified`` and ``horizon_weeks``.
    dataset : planner.reading.data.Dataset
        With `regions` (data by region).
    limits : dict
        Each category's (low, high) national weekly spend within the plan's bounds.
    weekly_now : Series
        National weekly spend per category over the last horizon.
    changes, weeks_tried : sequences
        Spend steps (shares of the treated regions' spend) and test lengths to try.
    interval_after : callable
        ``(category_index, lift_draws, se) -> [low, high]``, the share interval expected after.
    share_now : callable
        ``category_index -> [low, high]``, the share interval now.
    lift_of : callable, optional
        ``(category_index, step, weeks) -> draws`` of the national lift if every region's spend of
        the category were scaled by ``1 + step`` for that many weeks; default the model's curves.
    categories : list of str, optional
        The categories to design for; default the identified ones.

    Returns
    -------
    list of dict
        The candidates, each with ``design: "geo"``, ``treated_regions`` and ``control_regions``.
    """
    if dataset is None or dataset.regions is None or dataset.unit_kind != "region":
        return []  # brands share no geography: a split by brand is not a geo test
    horizon = int(model.horizon_weeks)
    region_y = dataset.region_y.unstack("region")[dataset.region_names]
    pre = int(min(PRE_WEEKS, len(region_y)))
    if lift_of is None:

        def lift_of(i: int, step: float, weeks: int) -> np.ndarray:
            base = np.tile(weekly_now.to_numpy(), (weeks, 1))
            scaled = base.copy()
            scaled[:, i] *= 1.0 + step
            return (model.simulate(scaled, draws=True) - model.simulate(base, draws=True))[:, :, i].sum(axis=1)

    wanted = [c for c in CATEGORIES if model.identified[c]] if categories is None else list(categories)
    out = []
    for i, cat in enumerate(CATEGORIES):
        if cat not in wanted:
            continue
        spend = dataset.region_spend[cat].unstack("region")[dataset.region_names]
        now = float(weekly_now[cat])
        lo, hi = limits[cat]
        for treated, control, share in _groups(region_y, spend, horizon):
            if share <= 0:
                continue
            _, var, rho = difference_noise(region_y, treated, control)
            for step in changes:
                change = step * share * now
                if not lo - 1e-9 <= now + change <= hi + 1e-9:
                    continue
                for weeks in weeks_tried:
                    lift = share * lift_of(i, step, weeks)
                    se = did_se(var, rho, weeks, pre)
                    expected = float(lift.mean())
                    chance = power(expected, se)
                    out.append(
                        {
                            "category": cat,
                            "spend_change_eur_per_week": round(change, 2),
                            "weeks": weeks,
                            "expected_lift": expected,
                            "detectable_lift": detectable(se),
                            "power": chance,
                            "powered": chance >= POWER,
                            "measurement_se": se,
                            "share_interval_now": share_now(i),
                            "share_interval_after": interval_after(i, lift, se),
                            "design": "geo",
                            "treated_regions": list(treated),
                            "control_regions": list(control),
                        }
                    )
    return out


def choose(time_test: dict | None, geo: list[dict], best: Callable[[list[dict]], dict]) -> dict | None:
    """The test to propose: a geo split when one reaches 80 % power and the time test does not, or
    when one reaches it with no more weeks and no larger spend change than the time test and with
    fewer weeks or a smaller change; when nothing is powered, the more powerful; else the time test.

    Parameters
    ----------
    time_test : dict or None
        The best time test (`planner.inference.experiments`), or None.
    geo : list of dict
        The geo-split candidates (`geo_candidates`).
    best : callable
        Picks the best of a list of candidates (the rule for time tests).
    """
    powered = [g for g in geo if g["powered"]]
    if time_test is None:
        return best(geo) if geo else None
    if not geo:
        return time_test
    if not time_test["powered"]:
        if powered:
            return best(powered)
        strongest = best(geo)
        return strongest if strongest["power"] > time_test["power"] else time_test
    weeks, change = time_test["weeks"], abs(time_test["spend_change_eur_per_week"])
    lighter = [
        g
        for g in powered
        if g["weeks"] <= weeks
        and abs(g["spend_change_eur_per_week"]) <= change
        and (g["weeks"] < weeks or abs(g["spend_change_eur_per_week"]) < change)
    ]
    return best(lighter) if lighter else time_test
