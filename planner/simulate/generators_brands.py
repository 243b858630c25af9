"""Histories of several brands with a known truth: one pool of brands sharing their curves' shapes.

Each brand ``g`` has a size ``w_g`` (its share of the pool's encounters at the mean) and answers its
own spend like the regions of `planner.simulate.generators_regional`:

    y[t, g] = w_g * (baseline_g[t] + sum_c b[g, c] * hill(adstock(x[t, g, c] / w_g))) + noise

one carryover and saturation curve per category for every brand (half-saturation in pool euros a
week), each brand's effects scattered around the category's by ``REGION_SCATTER``, its own level
and trend on the market's season, AR(1) noise that grows relatively as the brand shrinks. The
scenario (`make_brands`), built to show what pooling over brands gives that one brand's data cannot:

- brand sizes differ (log-uniform over a 1:6 range) and the last brand is small (a twentieth of
  the average): its own data say little, so its estimate should borrow from the others';
- each brand's technology licence steps up once at a week of its own, except the first brand's,
  whose licence is flat (`truth["flat_brand"]`): fitted alone, that brand cannot show technology at
  all; pooled, the others' steps show the shared curve and its effect is drawn from theirs.

`make_brands(seed, n_brands, weeks)` returns a `BrandsCase`: the long frame (one row per week and
brand, brand column ``brand``), the params mapping (``data.group: brand``) and the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner import CATEGORIES
from planner.inference.transforms import adstock, hill
from planner.simulate.generators_regional import (
    BURN_IN,
    NOISE,
    REGION_SCATTER,
    SPEND_LEVEL,
    _bursts,
    ar1_noise,
    calendar,
)

__all__ = ["BrandsCase", "SMALL_BRAND", "make_brands"]

#: The small brand's size relative to the average brand's.
SMALL_BRAND = 0.05


@dataclass
class BrandsCase:
    """Several brands' histories with their truth.

    Attributes
    ----------
    seed : int
    frame : DataFrame
        ``week_start``, ``brand``, ``encounters``, ``content_eur``, ``design_eur``,
        ``technology_eur``, ``event_trade_fair``, ``market_index``: one row per week and brand.
    params : dict
        A raw params mapping (``data.group: brand``) for `planner.reading.params.load_dict`.
    size : Series
        Each brand's true size (shares summing to 1).
    truth : dict
        ``shares`` (the pool's, over the data), ``brand_shares`` ({brand: {cat: share}}), ``decay``,
        ``half_saturation`` (pool EUR/week), ``shape``, ``effect`` ({brand: {cat: b}}),
        ``flat_brand`` (whose licence is flat) and ``small_brand``.
    """

    seed: int
    frame: pd.DataFrame
    params: dict
    size: pd.Series
    truth: dict = field(default_factory=dict)

    @property
    def brands(self) -> list[str]:
        return list(self.size.index)

    def dataset(self, model: dict | None = None):
        """Every brand's rows read as one file with ``data.group`` (`planner.reading.data.from_frame`)."""
        from planner.reading.data import from_frame
        from planner.reading.params import load_dict

        raw = {**self.params, "data": dict(self.params["data"]), "model": dict(model or {})}
        return from_frame(self.frame, load_dict(raw))

    def brand_frame(self, brand: str) -> pd.DataFrame:
        """One brand's rows as that brand's own file would hold them (no brand column)."""
        part = self.frame[self.frame["brand"] == brand]
        if part.empty:
            raise ValueError(f"no brand {brand!r}; the brands are {', '.join(self.brands)}")
        return part.drop(columns="brand").reset_index(drop=True)

    def brand_dataset(self, brand: str, model: dict | None = None):
        """One brand's data alone, as a params file of that brand reads them."""
        from planner.reading.data import from_frame
        from planner.reading.params import load_dict

        raw = {**self.params, "data": dict(self.params["data"]), "model": dict(model or {})}
        raw["data"].pop("group")
        return from_frame(self.brand_frame(brand), load_dict(raw))


def make_brands(seed: int = 0, n_brands: int = 5, weeks: int = 156) -> BrandsCase:
    """A pool of brands with its truth (see the module's docstring).

    Parameters
    ----------
    seed : int
        Draws the truth (curves, effects, sizes, timing) and the noise.
    n_brands : int
        Brands, at least 3 (the flat-licence brand, the small brand and one more).
    weeks : int
        Weeks of data (after a burn-in of `BURN_IN` weeks that is dropped), at least 60.

    Returns
    -------
    BrandsCase

    Raises
    ------
    ValueError
        For fewer than three brands or fewer than 60 weeks.
    """
    if n_brands < 3:
        raise ValueError(f"n_brands must be at least 3, got {n_brands}")
    if weeks < 60:
        raise ValueError(f"weeks must be at least 60, got {weeks}")
    rng = np.random.default_rng([seed, 7919, n_brands, weeks])
    total = weeks + BURN_IN
    raw = np.exp(rng.uniform(np.log(0.5), np.log(3.0), n_brands))
    raw[-1] = SMALL_BRAND * raw[:-1].mean()
    size = raw / raw.sum()
    n = n_brands
    z = np.empty((total, n, 3))
    for g in range(n):
        z[:, g, 0] = _bursts(rng, total, total // 13, (2, 6)) * rng.uniform(0.85, 1.15, total)
        z[:, g, 1] = _bursts(rng, total, max(total // 40, 2), (6, 14)) * rng.uniform(0.9, 1.1, total)
        tech = np.full(total, 1.0)
        if g != 0:  # the first brand's licence is flat; every other brand's steps once, at its own week
            step = int(rng.integers(BURN_IN + 20, total - 20))
            tech[step:] *= rng.uniform(1.4, 1.9)
        z[:, g, 2] = tech
    z *= (SPEND_LEVEL / z.mean(axis=(0, 1)))[None, None, :]
    x = np.round(z * size[None, :, None])
    z = x / size[None, :, None]

    decay = np.array([rng.uniform(0.3, 0.7), rng.uniform(0.4, 0.8), rng.uniform(0.5, 0.85)])
    half = SPEND_LEVEL * rng.uniform(0.6, 1.6, 3)
    shape = rng.uniform(0.8, 1.8, 3)
    level = 20000.0
    share_target = np.array([rng.uniform(0.45, 0.65), 0.0, 0.0])
    share_target[1] = rng.uniform(0.3, 0.5) * (1 - share_target[0])
    share_target[2] = 1 - share_target[:2].sum()
    mean_h = np.array(
        [float(hill(adstock(z[:, :, c].mean(axis=1), decay[c]), half[c], shape[c]).mean()) for c in range(3)]
    )
    b = 0.3 * level * share_target / np.maximum(mean_h, 1e-9)
    effect = b[None, :] * np.exp(REGION_SCATTER * rng.standard_normal((n, 3)) - REGION_SCATTER**2 / 2)

    t, index, event, market, common = calendar(total, rng)

    names = [f"B{g + 1}" for g in range(n)]
    contrib = np.empty((total, n, 3))
    y = np.empty((total, n))
    for g in range(n):
        base = level * rng.uniform(0.9, 1.1) * (common + rng.uniform(-0.001, 0.003) * t)
        for c in range(3):
            contrib[:, g, c] = size[g] * effect[g, c] * hill(adstock(z[:, g, c], decay[c]), half[c], shape[c])
        e = ar1_noise(rng, total, NOISE * level * np.sqrt(size[g] / n))
        y[:, g] = np.maximum(np.round(size[g] * base + contrib[:, g].sum(axis=1) + e), 0.0)

    keep = slice(BURN_IN, None)
    weeks_idx = index[keep]
    rows = [
        pd.DataFrame(
            {
                "week_start": weeks_idx,
                "brand": name,
                "encounters": y[keep, g],
                "content_eur": x[keep, g, 0],
                "design_eur": x[keep, g, 1],
                "technology_eur": x[keep, g, 2],
                "event_trade_fair": event[keep].astype(int),
                "market_index": np.round(market[keep], 2),
            }
        )
        for g, name in enumerate(names)
    ]
    frame = pd.concat(rows).sort_values(["week_start", "brand"], kind="stable").reset_index(drop=True)
    c = contrib[keep]
    totals = c.sum(axis=(0, 1))
    brand_totals = c.sum(axis=0)
    truth = {
        "shares": dict(zip(CATEGORIES, (totals / totals.sum()).tolist(), strict=True)),
        "brand_shares": {
            name: dict(zip(CATEGORIES, (bt / bt.sum()).tolist(), strict=True))
            for name, bt in zip(names, brand_totals, strict=True)
        },
        "decay": dict(zip(CATEGORIES, decay.tolist(), strict=True)),
        "half_saturation": dict(zip(CATEGORIES, half.tolist(), strict=True)),
        "shape": dict(zip(CATEGORIES, shape.tolist(), strict=True)),
        "effect": {name: dict(zip(CATEGORIES, e.tolist(), strict=True)) for name, e in zip(names, effect, strict=True)},
        "flat_brand": names[0],
        "small_brand": names[-1],
    }
    params = {
        "report": {"title": f"brands seed {seed}"},
        "data": {
            "path": f"brands_{seed}.csv",
            "group": "brand",
            "encounters": {"encounters": 1.0},
            "spend": {"content": ["content_eur"], "design": ["design_eur"], "technology": ["technology_eur"]},
            "events": ["event_trade_fair"],
            "controls": ["market_index"],
        },
        "plan": {"horizon_weeks": 13},
    }
    return BrandsCase(
        seed=seed, frame=frame, params=params, size=pd.Series(size, index=names, name="size"), truth=truth
    )
