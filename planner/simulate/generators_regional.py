"""Regional histories with a known truth: one market in regions whose spend moves differently.

Each region ``r`` has a size ``w_r`` (its share of the market) and answers its own spend the way the
whole market would at its scale: its weekly weighted encounters are

    y[t, r] = w_r * (baseline_r[t] + sum_c b[r, c] * hill(adstock(x[t, r, c] / w_r))) + noise

with one carryover and saturation curve per category for every region (half-saturation in
national euros a week), a region's baseline its own level and trend on the market's season and
holiday dips, and AR(1) noise whose sd relative to the region's encounters grows as the region
shrinks (a small region is noisier). ``b[r, c]`` scatters around the category's effect by
``REGION_SCATTER`` (relative sd) unless a scenario says otherwise. The generators:

``staggered_campaigns``
    Content runs in bursts whose weeks differ by region, design in projects of a few months at
    each region's own time, technology a licence per region stepped up once at a week of its own.
``flat_licence``
    As ``staggered_campaigns``, but the technology licence is moved between regions: pairs of
    regions step up and down by the same euros in the same week, so the national licence is one
    flat amount every week (a national fit cannot show technology) while each region's steps.
``uneven_sizes``
    Regions from a fifth to four times the average size (log-uniform), the small ones noisy.
``one_region_differs``
    One region's content effect is three times the others' (``truth["differing_region"]``): a
    pooled model should say that the regions disagree rather than average it away.

``make(name, seed, n_regions, weeks)`` returns a `RegionalCase`: the long frame a user's file
would hold (one row per week and region), the params mapping, and the truth (national shares
over the data, per-region shares, the curves).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner import CATEGORIES
from planner.inference.transforms import adstock, hill

__all__ = ["GENERATORS", "REGION_SCATTER", "RegionalCase", "make"]

GENERATORS = ("staggered_campaigns", "flat_licence", "uneven_sizes", "one_region_differs")
#: Relative sd of a region's true effect around its category's effect (a real but modest spread).
REGION_SCATTER = 0.10
#: Weekly noise sd as a fraction of an average-size region's mean encounters.
NOISE = 0.05
#: Lag-1 autocorrelation of each region's noise.
NOISE_RHO = 0.3
BURN_IN = 26
#: Mean national euros a week per category (content, design, technology).
SPEND_LEVEL = np.array([9000.0, 4000.0, 12000.0])


@dataclass
class RegionalCase:
    """One regional history with its truth.

    Attributes
    ----------
    name, seed : str, int
    frame : DataFrame
        ``week_start``, ``region``, ``encounters``, ``content_eur``, ``design_eur``,
        ``technology_eur``, ``event_trade_fair``, ``market_index``: one row per week and region.
    params : dict
        A raw params mapping (``data.region: region``) for `planner.reading.params.load_dict`.
    size : Series
        Each region's true size (shares summing to 1), largest first.
    contributions : DataFrame
        True spend-driven encounters per (week_start, region) and category.
    truth : dict
        ``shares`` (national, over the data), ``region_shares`` ({region: {cat: share}}), ``decay``,
        ``half_saturation`` (national EUR/week), ``shape``, ``effect`` ({region: {cat: b}}),
        ``differing_region`` (or None), ``national_flat`` (categories whose national spend is flat).
    """

    name: str
    seed: int
    frame: pd.DataFrame
    params: dict
    size: pd.Series
    contributions: pd.DataFrame
    truth: dict = field(default_factory=dict)

    def dataset(self, regions: bool = True, model: dict | None = None):
        """The history read as a user's file (`planner.reading.data.from_frame`); nationally summed when
        `regions` is False (the same weeks as the national totals a user without regions holds)."""
        from planner.reading.data import from_frame
        from planner.reading.params import load_dict

        raw = {**self.params, "data": dict(self.params["data"]), "model": dict(model or {})}
        if regions:
            return from_frame(self.frame, load_dict(raw))
        raw["data"].pop("region")
        national = self.frame.drop(columns="region").groupby("week_start", sort=True).sum()
        national["market_index"] = self.frame.groupby("week_start", sort=True)["market_index"].mean()
        national["event_trade_fair"] = self.frame.groupby("week_start", sort=True)["event_trade_fair"].max()
        return from_frame(national.reset_index(), load_dict(raw))


def calendar(total: int, rng: np.random.Generator):
    """The weeks shared by every unit: (weeks since the burn-in, week starts, trade-fair weeks, market
    index, the common multiplier of the baseline: season, Christmas and July dips, events, market)."""
    t = np.arange(total) - BURN_IN
    index = pd.date_range("2022-01-03", periods=total, freq="W-MON") - pd.Timedelta(weeks=BURN_IN)
    thu = index + pd.Timedelta(days=3)
    phase = 2 * np.pi * (np.asarray(thu.day_of_year, dtype=float) - 1) / 365.25
    season = 0.10 * np.sin(phase) + 0.05 * np.cos(2 * phase)
    christmas = np.asarray(((thu.month == 12) & (thu.day >= 25)) | ((thu.month == 1) & (thu.day <= 7)), dtype=float)
    july = np.asarray(thu.month == 7, dtype=float)
    event = (rng.random(total) < 0.04).astype(float)
    market = 100.0 + np.cumsum(rng.normal(0, 0.3, total))
    common = 1.0 + season - 0.25 * christmas - 0.2 * july + 0.05 * event + 0.004 * (market - 100.0)
    return t, index, event, market, common


def ar1_noise(rng: np.random.Generator, total: int, sd: float) -> np.ndarray:
    """AR(1) noise (correlation `NOISE_RHO`) of standard deviation `sd`."""
    e = np.empty(total)
    e[0] = rng.normal(0, sd)
    for k in range(1, total):
        e[k] = NOISE_RHO * e[k - 1] + rng.normal(0, sd * np.sqrt(1 - NOISE_RHO**2))
    return e


def _sizes(rng, n: int, name: str) -> np.ndarray:
    if name == "uneven_sizes":
        raw = np.exp(rng.uniform(np.log(0.2), np.log(4.0), n))
    else:
        raw = rng.dirichlet(np.full(n, 6.0)) * n
    size = np.sort(raw / raw.sum())[::-1]
    return size


def _bursts(rng, weeks: int, n_bursts: int, length: tuple[int, int]) -> np.ndarray:
    """1 + a few bursts of extra spend, at weeks of their own."""
    out = np.full(weeks, 0.4)
    for _ in range(n_bursts):
        start = int(rng.integers(0, weeks - 2))
        out[start : start + int(rng.integers(*length))] += rng.uniform(1.0, 2.5)
    return out


def _spend(rng, name: str, total: int, n: int) -> np.ndarray:
    """National-equivalent spend (euros a week at national scale) per week, region and category."""
    z = np.empty((total, n, 3))
    for r in range(n):
        content = _bursts(rng, total, total // 13, (2, 6))
        design = _bursts(rng, total, max(total // 40, 2), (6, 14))
        tech = np.full(total, 1.0)
        step = int(rng.integers(BURN_IN + 20, total - 20))
        tech[step:] *= rng.uniform(1.3, 1.8)
        z[:, r, 0] = content * rng.uniform(0.85, 1.15, total)
        z[:, r, 1] = design * rng.uniform(0.9, 1.1, total)
        z[:, r, 2] = tech
    if name == "flat_licence":
        # the licence moves between regions: one up, another down by the same euros, the same week
        z[:, :, 2] = 1.0
    level = SPEND_LEVEL / z.mean(axis=(0, 1))
    return z * level[None, None, :]


def _flat_licence(rng, z: np.ndarray, size: np.ndarray, total: int) -> np.ndarray:
    """Technology in euros per region: pairs of regions step in opposite directions in one week."""
    n = size.size
    x = np.full((total, n), SPEND_LEVEL[2]) * size[None, :]
    order = rng.permutation(n)
    for a, b in zip(order[0::2], order[1::2], strict=False):
        week = int(rng.integers(BURN_IN + 20, total - 20))
        moved = 0.4 * min(x[week, a], x[week, b])
        sign = 1.0 if rng.random() < 0.5 else -1.0
        x[week:, a] += sign * moved
        x[week:, b] -= sign * moved
    return x


def make(name: str, seed: int = 0, n_regions: int = 8, weeks: int = 156) -> RegionalCase:
    """A regional history with its truth.

    Parameters
    ----------
    name : str
        One of `GENERATORS`.
    seed : int
        Draws the truth (curves, effects, sizes, timing) and the noise.
    n_regions : int
        Regions, at least 2.
    weeks : int
        Weeks of data (after a burn-in of `BURN_IN` weeks that is dropped).

    Returns
    -------
    RegionalCase

    Raises
    ------
    ValueError
        For an unknown generator, fewer than two regions or fewer than 60 weeks.
    """
    if name not in GENERATORS:
        raise ValueError(f"unknown regional generator {name!r}; expected one of {', '.join(GENERATORS)}")
    if n_regions < 2:
        raise ValueError(f"n_regions must be at least 2, got {n_regions}")
    if weeks < 60:
        raise ValueError(f"weeks must be at least 60, got {weeks}")
    rng = np.random.default_rng([seed, GENERATORS.index(name), n_regions, weeks])
    total = weeks + BURN_IN
    size = _sizes(rng, n_regions, name)
    z = _spend(rng, name, total, n_regions)
    x = z * size[None, :, None]
    if name == "flat_licence":
        x[:, :, 2] = _flat_licence(rng, z, size, total)
        z[:, :, 2] = x[:, :, 2] / size[None, :]
    x = np.round(x)
    z = x / size[None, :, None]

    decay = np.array([rng.uniform(0.3, 0.7), rng.uniform(0.4, 0.8), rng.uniform(0.5, 0.85)])
    half = SPEND_LEVEL * np.array([rng.uniform(0.6, 1.6), rng.uniform(0.6, 1.6), rng.uniform(0.6, 1.6)])
    shape = np.array([rng.uniform(0.8, 1.8), rng.uniform(0.8, 1.8), rng.uniform(0.8, 1.8)])
    level = 20000.0
    share_target = np.array([rng.uniform(0.55, 0.75), 0.0, 0.0])
    share_target[1] = rng.uniform(0.3, 0.6) * (1 - share_target[0])
    share_target[2] = 1 - share_target[:2].sum()
    # national effects b (encounters a week at full saturation) giving those shares of a spend-driven
    # part of about 30 % of all encounters at the mean spend
    mean_h = np.array(
        [float(hill(adstock(z[:, :, c].mean(axis=1), decay[c]), half[c], shape[c]).mean()) for c in range(3)]
    )
    b = 0.3 * level * share_target / np.maximum(mean_h, 1e-9)
    effect = b[None, :] * np.exp(REGION_SCATTER * rng.standard_normal((n_regions, 3)) - REGION_SCATTER**2 / 2)
    differing = None
    if name == "one_region_differs":
        r = int(rng.integers(0, n_regions))
        effect[r, 0] *= 3.0
        differing = f"R{r + 1:02d}"

    t, index, event, market, common = calendar(total, rng)

    names = [f"R{r + 1:02d}" for r in range(n_regions)]
    contrib = np.empty((total, n_regions, 3))
    y = np.empty((total, n_regions))
    for r in range(n_regions):
        growth = rng.uniform(-0.001, 0.003)
        lvl = rng.uniform(0.9, 1.1)
        base = level * lvl * (common + growth * t)
        for c in range(3):
            contrib[:, r, c] = size[r] * effect[r, c] * hill(adstock(z[:, r, c], decay[c]), half[c], shape[c])
        e = ar1_noise(rng, total, NOISE * level * np.sqrt(size[r] / n_regions))  # 5 % of an average region's
        y[:, r] = np.maximum(np.round(size[r] * base + contrib[:, r].sum(axis=1) + e), 0.0)

    keep = slice(BURN_IN, None)
    weeks_idx = index[keep]
    rows = []
    for r, region in enumerate(names):
        rows.append(
            pd.DataFrame(
                {
                    "week_start": weeks_idx,
                    "region": region,
                    "encounters": y[keep, r],
                    "content_eur": x[keep, r, 0],
                    "design_eur": x[keep, r, 1],
                    "technology_eur": x[keep, r, 2],
                    "event_trade_fair": event[keep].astype(int),
                    "market_index": np.round(market[keep], 2),
                }
            )
        )
    frame = pd.concat(rows).sort_values(["week_start", "region"], kind="stable").reset_index(drop=True)
    c = contrib[keep]
    totals = c.sum(axis=(0, 1))
    region_totals = c.sum(axis=0)
    nat = x[keep].sum(axis=1)  # whole euros: flat up to rounding
    flat = [cat for j, cat in enumerate(CATEGORIES) if np.ptp(nat[:, j]) <= 1e-3 * nat[:, j].mean()]
    truth = {
        "shares": dict(zip(CATEGORIES, (totals / totals.sum()).tolist(), strict=True)),
        "region_shares": {
            n: dict(zip(CATEGORIES, (rt / rt.sum()).tolist(), strict=True))
            for n, rt in zip(names, region_totals, strict=True)
        },
        "decay": dict(zip(CATEGORIES, decay.tolist(), strict=True)),
        "half_saturation": dict(zip(CATEGORIES, half.tolist(), strict=True)),
        "shape": dict(zip(CATEGORIES, shape.tolist(), strict=True)),
        "effect": {n: dict(zip(CATEGORIES, e.tolist(), strict=True)) for n, e in zip(names, effect, strict=True)},
        "differing_region": differing,
        "national_flat": flat,
    }
    mi = pd.MultiIndex.from_product([weeks_idx, names], names=["week_start", "region"])
    contributions = pd.DataFrame(c.reshape(-1, 3), index=mi, columns=list(CATEGORIES))
    params = {
        "report": {"title": f"{name} seed {seed}"},
        "data": {
            "path": f"{name}_{seed}.csv",
            "region": "region",
            "encounters": {"encounters": 1.0},
            "spend": {"content": ["content_eur"], "design": ["design_eur"], "technology": ["technology_eur"]},
            "events": ["event_trade_fair"],
            "controls": ["market_index"],
        },
        "plan": {"horizon_weeks": 13},
    }
    return RegionalCase(
        name=name,
        seed=seed,
        frame=frame,
        params=params,
        size=pd.Series(size, index=names, name="size"),
        contributions=contributions,
        truth=truth,
    )
