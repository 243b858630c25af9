"""The next lift test to run: which category, how large a spend change, how many weeks.

`design_next_test(model, plan)` looks at time-based step tests that start after the data: one
category's weekly spend changed by a share of its current level for a few weeks (or switched off).
For each it computes, from the model's own posterior draws:

- the expected lift (extra quality-weighted encounters over the test weeks, posterior mean);
- the noise of measuring it: a week's error sd (the model's residuals), summed over the weeks
  with the error autocorrelation the model measured, ``se = sd * sqrt(weeks * (1 + rho) / (1 - rho))``;
- the smallest lift the test detects with 80 % power at the 5 % level, ``(1.96 + 0.84) * se``, and
  the power to detect the expected lift;
- how much the test would narrow the category's share interval: the draws are weighted by the
  likelihood of lifts the test might measure (simulated from the posterior predictive), and the
  weighted interval's width is averaged over those simulated outcomes (a preposterior analysis).

The proposal is the design with the largest expected narrowing among those with at least 80 %
power, within the plan's bounds when a plan is given, and along the plan's direction when the plan
is to test one (more spend where its best split adds money, less where it takes money away). If
none reaches 80 % power, the most powerful design, marked ``powered: false`` so that readers say no
test within the bounds can show the effect yet.

A category the data cannot show (not identified) is what the test is for: while there is one, only
tests of it are designed, and its spend may change whatever the plan's bounds (the plan holds it,
but an experiment is how it gets a share). Without a curve, its lift is taken in proportion to its
spend at every effect it could have: ``U / spent * change * weeks`` for ``U`` drawn uniformly from
none to the most its spend could plausibly buy (`ModelResults` share bounds), so the expected lift is
that of the middle of its share range, and the expected narrowing weighs those possibilities by
the outcomes the test might measure, as for the other categories; its power is taken at the lower
quartile of those lifts (UNKNOWN_POWER_QUANTILE). Its changes are scaled to its
mean weekly spend over the data where it spends nothing now (a purchase made once). Since any
powered test of it tells what it brings, the proposal is the powered design that changes the fewest
euros in all (a step before a pause, a short test before a long one).

When the data are by region (``dataset.regions``), the geo splits of `planner.inference.geo` are compared as
well (some regions change spend, the others hold; the same steps, lengths and bounds) and the best
of them replaces the time test when it reaches 80 % power with fewer weeks or a smaller spend
change, or when no time test reaches it (`planner.inference.geo.choose`). ``design`` says which: "time" or
"geo" (with ``treated_regions`` and ``control_regions``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import norm

from planner import CATEGORIES
from planner.inference.geo import choose, geo_candidates

__all__ = ["CHANGES", "WEEKS", "design_next_test", "needs_test", "with_and_without"]

#: Spend changes tried, as shares of the category's current weekly spend; -1 switches it off (an
#: on/off test, which measures the curve all the way down to zero spend: in the experiments
#: benchmark, one per category halved the share error of weak data where +50 % steps did not),
#: tried where the plan's bounds allow no spend in the category.
CHANGES = (0.5, 0.25, -0.25, -0.5, -1.0)
#: Test lengths tried, in weeks.
WEEKS = (4, 8, 12)
POWER = 0.8
ALPHA = 0.05
N_OUTCOMES = 40  # simulated test outcomes behind the expected narrowing
#: The power of a test of a category the data cannot show is taken at this quantile of the lifts it
#: could have (from none to the most its spend could buy): a test that sees it only at its most is
#: not worth running.
UNKNOWN_POWER_QUANTILE = 0.25


def needs_test(model, plan=None) -> bool:
    """Whether the planner should propose a test: a weak model, a category the data cannot show,
    or a plan that keeps or tests with a gain interval that includes zero."""
    if model.quality == "weak" or not bool(model.identified.all()):
        return True
    if plan is None:
        return False
    low = plan.gain_vs_current.get("low")
    return plan.action == "test" or (plan.action == "keep" and (low is None or low <= 0))


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> np.ndarray:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    cum = cum / cum[-1]
    return np.interp(qs, cum, v)


def design_next_test(model, plan=None, seed: int | None = None, dataset=None) -> dict | None:
    """The most informative feasible lift test, or None when the model has no draws.

    Parameters
    ----------
    model : planner.inference.model.ModelResults
        With posterior draws.
    plan : planner.plan.PlanResults, optional
        Its bounds limit the spend change (the test's weekly spend stays within each category's
        share range at the plan's budget).
    seed : int, optional
        Seed of the simulated outcomes (default: the model's seed).
    dataset : planner.reading.data.Dataset, optional
        With `regions` (data by region), geo splits are designed too.

    Returns
    -------
    dict or None
        ``category``, ``spend_change_eur_per_week``, ``weeks``, ``expected_lift``,
        ``detectable_lift`` (80 % power), ``power``, ``share_interval_now`` [low, high],
        ``share_interval_after`` [low, high] (expected), ``measurement_se`` and ``candidates``
        (how many designs were compared), ``design`` ("time" or "geo") and, for a geo split,
        ``treated_regions`` and ``control_regions``.
    """
    if model.draws is None:
        return None
    rng = np.random.default_rng(model.spec.seed if seed is None else seed)
    horizon = int(model.horizon_weeks)
    weekly_now = model.spend.iloc[-horizon:].mean()
    resid = model.resid.to_numpy()
    sd = float(np.std(resid[np.isfinite(resid)], ddof=1))
    rho = float(min(max(model.rho, 0.0), 0.9))
    inflation = math.sqrt((1.0 + rho) / (1.0 - rho))
    z_alpha, z_power = norm.ppf(1 - ALPHA / 2), norm.ppf(POWER)
    level = model.interval
    qs = [(1 - level) / 2, (1 + level) / 2]

    totals = model._draw_contrib_totals
    unknown = [c for c in CATEGORIES if not model.identified[c]]
    shares, per_euro = _share_draws(model, totals, unknown, rng)

    def lift_of(i: int, change: float, weeks: int) -> np.ndarray:
        """Draws of the lift of `change` EUR a week for `weeks` weeks in category `i`."""
        if CATEGORIES[i] in unknown:
            return per_euro[:, i] * change * weeks
        base = np.tile(weekly_now.to_numpy(), (weeks, 1))
        test = base.copy()
        test[:, i] += change
        return (model.simulate(test, draws=True) - model.simulate(base, draws=True))[:, :, i].sum(axis=1)

    # the share range the claim and the brief quote: for a category the data cannot show, its bounds
    # (none to the most it could bring), not the quantiles of a uniform guess inside them
    table = model._share_table(level)

    def share_now(i: int) -> list[float]:
        cat = CATEGORIES[i]
        if cat in unknown:
            return [float(table.loc[cat, "low"]), float(table.loc[cat, "high"])]
        return [float(v) for v in np.quantile(shares[:, i], qs)]

    limits = _weekly_limits(plan, weekly_now)
    for cat in unknown:  # held by the plan, free for an experiment
        limits[cat] = (0.0, math.inf)
    targets = unknown or [c for c in CATEGORIES if model.identified[c]]
    candidates = []
    for i, cat in enumerate(CATEGORIES):
        if cat not in targets:
            continue
        now = float(weekly_now[cat])
        scale = now if now > 0 or cat not in unknown else float(model.spend[cat].mean())
        lo, hi = limits[cat]
        for change_share in CHANGES:
            change = change_share * max(scale, 1.0)
            if not lo - 1e-9 <= now + change <= hi + 1e-9:
                continue
            for weeks in WEEKS:
                lift = lift_of(i, change, weeks)
                se = sd * math.sqrt(weeks) * inflation
                expected = float(lift.mean())
                # a category the data cannot show: powered only if the test would see it even at a
                # quarter of the most it could bring (the lower quartile of its possible lifts)
                judged = float(np.quantile(np.abs(lift), UNKNOWN_POWER_QUANTILE)) if cat in unknown else expected
                power = float(norm.cdf(abs(judged) / se - z_alpha)) if se > 0 else 1.0
                after = _expected_interval(shares[:, i], lift, se, qs, rng)
                candidates.append(
                    {
                        "category": cat,
                        "spend_change_eur_per_week": round(change, 2),
                        "weeks": weeks,
                        "expected_lift": expected,
                        "detectable_lift": float((z_alpha + z_power) * se),
                        "power": power,
                        "powered": power >= POWER,
                        "measurement_se": se,
                        "share_interval_now": share_now(i),
                        "share_interval_after": after,
                    }
                )
    geo = geo_candidates(
        model,
        dataset,
        limits,
        weekly_now,
        CHANGES,
        WEEKS,
        lambda i, lift, se: _expected_interval(shares[:, i], lift, se, qs, rng),
        share_now,
        lift_of=lambda i, step, weeks: lift_of(i, step * float(weekly_now.iloc[i]), weeks),
        categories=targets,
    )
    if not candidates and not geo:
        return None
    candidates, geo = _along_the_direction(candidates, plan), _along_the_direction(geo, plan)
    pick = _least_disruptive if unknown else _best
    time_test = {**pick(candidates), "design": "time"} if candidates else None
    best = choose(time_test, geo, pick)
    return {**best, "candidates": len(candidates) + len(geo)}


def _share_draws(model, totals: np.ndarray, unknown: list[str], rng) -> tuple[np.ndarray, np.ndarray]:
    """Share draws per category, and per euro the encounters of each unidentified category.

    An identified category's draws are its posterior shares. An unidentified one gets, per draw,
    an effect ``U`` uniform from none to the most its spend could plausibly buy (the bound behind
    its share range): its share ``U / (T + U)`` and its encounters per euro ``U / spent``.
    """
    t = np.asarray(totals, dtype=float)
    per_euro = np.zeros_like(t)
    if unknown:
        hidden = model.hidden_bounds()
        t = t.copy()
        spent = model.spend.sum().to_numpy(dtype=float)
        for cat in unknown:
            i = CATEGORIES.index(cat)
            u = hidden[:, i] * rng.random(hidden.shape[0])
            t[:, i] = u
            per_euro[:, i] = u / spent[i] if spent[i] > 0 else 0.0
    total = t.sum(axis=1, keepdims=True)
    return np.divide(t, total, out=np.zeros_like(t), where=total > 0), per_euro


def _least_disruptive(candidates: list[dict]) -> dict:
    """For a category the data cannot show: the powered design that changes the fewest euros in all
    (a step before a pause, a short test before a long one), since any powered test tells what it
    brings; when none is powered, the strongest."""
    powered = [c for c in candidates if c["powered"]]
    if powered:
        return min(powered, key=lambda c: (abs(c["spend_change_eur_per_week"]) * c["weeks"], c["weeks"]))
    return _best(candidates)


def _best(candidates: list[dict]) -> dict:
    """The powered design with the largest expected narrowing (then fewer weeks, a smaller change);
    when none is powered, the strongest (marked ``powered`` false)."""

    def narrowing(c):
        now, after = c["share_interval_now"], c["share_interval_after"]
        return (now[1] - now[0]) - (after[1] - after[0])

    powered = [c for c in candidates if c["powered"]]
    if powered:
        return max(powered, key=lambda c: (round(narrowing(c), 4), -c["weeks"], -abs(c["spend_change_eur_per_week"])))
    # none is worth running as designed: show the strongest, and say so (``powered`` false)
    return max(candidates, key=lambda c: (round(c["power"], 4), round(narrowing(c), 4)))


def _along_the_direction(candidates: list[dict], plan) -> list[dict]:
    """When the plan's action is to test a direction (a weak model that still finds a clearly better
    split), only the tests that take a step along it: more spend where the best split adds money,
    less where it takes money away. The test then checks what the brief proposes to do."""
    if plan is None or plan.action != "test" or plan.action_reason.get("code") != "weak_model":
        return candidates
    diff = plan.candidate.euros - plan.current.euros
    along = [c for c in candidates if c["spend_change_eur_per_week"] * float(diff[c["category"]]) > 0]
    return along or candidates


def _expected_interval(share: np.ndarray, lift: np.ndarray, se: float, qs, rng) -> list[float]:
    """The share interval expected after a test of noise `se`: draws weighted by the likelihood of
    simulated outcomes (a true lift from the posterior plus measurement noise), widths averaged."""
    lows, highs = [], []
    picks = rng.integers(0, lift.size, N_OUTCOMES)
    for p in picks:
        measured = lift[p] + se * rng.standard_normal()
        logw = -0.5 * ((lift - measured) / se) ** 2
        w = np.exp(logw - logw.max())
        lo, hi = _weighted_quantiles(share, w, qs)
        lows.append(lo)
        highs.append(hi)
    return [float(np.mean(lows)), float(np.mean(highs))]


def _weekly_limits(plan, weekly_now: pd.Series) -> dict:
    """Each category's weekly spend range for the test: the plan's bounds at its budget, else any."""
    if plan is None:
        return {c: (0.0, math.inf) for c in CATEGORIES}
    out = {}
    for c in CATEGORIES:
        b = plan.bounds[c]
        out[c] = (float(b["min_eur"]) / plan.horizon_weeks, float(b["max_eur"]) / plan.horizon_weeks)
    return out


def with_and_without(model, plan, dataset) -> pd.DataFrame:
    """Shares and the plan with the lift tests against a fit of the same data without them.

    Parameters
    ----------
    model : planner.inference.model.ModelResults
        The fit with the params' lift tests.
    plan : planner.plan.PlanResults
        Its plan.
    dataset : planner.reading.data.Dataset
        The data both fits read.

    Returns
    -------
    DataFrame
        One row per category: ``share`` (low, high) with and without the tests and the plan's
        recommended share with and without; empty when the params list no tests.
    """
    if not model.experiments:
        return pd.DataFrame()
    from planner.inference.model import EncounterModel
    from planner.plan import plan_budget

    plain = EncounterModel(dataset, model.spec, use_experiments=False).fit()
    plain_plan = plan_budget(plain, dataset.params.plan, dataset.spend)
    rows = {}
    for name, res, p in (("with tests", model, plan), ("without tests", plain, plain_plan)):
        shares = res.shares()
        rows[(name, "share")] = shares["share"]
        rows[(name, "low")] = shares["low"]
        rows[(name, "high")] = shares["high"]
        rows[(name, f"recommended ({p.action})")] = p.recommended.split
    out = pd.DataFrame(rows)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out
