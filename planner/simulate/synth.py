"""Synthetic weekly marketing data with a known truth, for the example, the tests and benchmarks.

``python -m planner.simulate.synth OUTDIR`` writes the shipped example_weekly.csv and example_truth.json, and
example_regions.csv (the same history split into six regions, `split_regions`).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner import CATEGORIES
from planner.inference.transforms import adstock, hill, spend_plan
from planner.simulate.common import BURN_IN_WEEKS, CHANNEL_SHARES, WEIGHTS, Case, holiday_flags

__all__ = [
    "FUNNEL",
    "FUNNEL_COLUMNS",
    "GENERATOR_VERSION",
    "REGION_NAMES",
    "Regional",
    "SCENARIOS",
    "Synthetic",
    "Truth",
    "generate",
    "region_noise",
    "split_regions",
    "write_example",
    "write_regional_example",
]

GENERATOR_VERSION = "1"

#: Named sub-channel spend columns and their average share of the category's spend.
SUBCHANNELS = {
    "content": {"content_articles_eur": 0.45, "content_video_eur": 0.30, "content_social_eur": 0.25},
    "design": {"design_ux_eur": 0.60, "design_visual_eur": 0.40},
    "technology": {"tech_automation_eur": 0.45, "tech_crm_eur": 0.35, "tech_analytics_eur": 0.20},
}
_PREFIX = {"content": "content", "design": "design", "technology": "tech"}
#: Average spend in EUR/week over the generated weeks: a technology-led 20/10/70 split of 45 k.
MEAN_SPEND = {"content": 9_000.0, "design": 4_500.0, "technology": 31_500.0}

#: True response parameters per scenario, in CATEGORIES order (content, design, technology).
SCENARIOS = {
    "content_driven": {
        "decay": (0.5, 0.3, 0.6),
        "half_saturation": (8_000.0, 5_000.0, 40_000.0),
        "shape": (1.5, 1.2, 1.0),
        "beta": (14_700.0, 2_100.0, 2_300.0),
    },
    "technology_driven": {
        "decay": (0.5, 0.3, 0.6),
        "half_saturation": (8_000.0, 5_000.0, 25_000.0),
        "shape": (1.5, 1.2, 1.3),
        "beta": (3_000.0, 2_100.0, 11_000.0),
    },
}
#: Baseline of weighted encounters per week (the same in both scenarios).
BASELINE = {
    "intercept": 14_000.0,  # at the first generated week
    "trend_per_week": 10.0,
    "season_sin": 1_100.0,  # yearly cycle, phase from the Thursday's day of the year
    "season_cos": 500.0,
    "christmas": -4_500.0,  # the week whose Thursday is 25-31 Dec and the one whose is 1-7 Jan
    "july": -3_000.0,  # weeks whose Thursday is in July
    "trade_fair": 2_500.0,  # per event_trade_fair week
    "market_index": 80.0,  # per point of market_index above 100
}

#: The funnel's truth (``generate(..., funnel=True)``); carryover is each category's adstock with
#: the scenario's decay, in EUR 1,000 a week.
FUNNEL = {
    # warmed leads ~ Poisson(leads_per_encounter * the week's weighted encounters)
    "leads_per_encounter": 0.01,
    # assisted deals ~ Binomial(leads, close rate); close rate = base + slope * content carryover
    "close_rate_base": 0.10,
    "close_rate_slope": 0.012,
    "close_rate_clip": (0.01, 0.9),
    # self-service deals ~ Poisson(rate * the week's web encounters)
    "self_service_per_web_encounter": 0.002,
    # revenue of n deals ~ Gamma(n * shape, value / shape): each deal's value is Gamma with this mean
    # and a coefficient of variation 1 / sqrt(shape); self-service deals are the larger ones
    "deal_value": {"self_service": 1_150.0, "assisted": 950.0},
    "deal_value_shape": 4.0,
    # score = base + sum over categories of effect * carryover + Normal(0, noise_sd), within -100..100
    "experience_base": 20.0,
    "experience_effect": {"content": 0.3, "design": 1.5, "technology": -0.05},
    "experience_noise_sd": 3.0,
}
#: Column names of the funnel in the generated frame, by the standard names of `Dataset.funnel`.
FUNNEL_COLUMNS = {
    "leads": "warmed_leads",
    "deals_self_service": "deals_web",
    "deals_assisted": "deals_sales",
    "revenue_self_service": "revenue_web_eur",
    "revenue_assisted": "revenue_sales_eur",
    "experience": "nps",
}

# Spend style per category: weekly jitter sd (log), burst probability per week, burst length
# (weeks), burst multiplier, and the share that is fixed (technology's licences).
_SPEND_STYLE = {
    "content": (0.20, 0.10, (2, 4), (1.6, 2.6), 0.0),
    "design": (0.25, 0.06, (3, 6), (2.0, 3.5), 0.0),
    "technology": (0.15, 0.08, (3, 8), (1.6, 2.4), 0.30),
}


@dataclass(frozen=True, eq=False)
class Truth:
    """The true parameters behind a synthetic data set; implements the response protocol.

    Attributes
    ----------
    scenario, seed, noise : str, int, float
        How the data were generated.
    decay, half_saturation, shape, beta : pandas.Series
        Per category: carryover rate, Hill ``k`` (EUR/week), Hill ``s`` and the weighted
        encounters per week at full saturation.
    baseline : dict
        The baseline coefficients (see ``BASELINE``) plus ``noise_sd`` in weighted encounters.
    weights : dict
        Quality weight per encounter channel.
    spend : pandas.DataFrame
        Spend per category (EUR/week) as summed from the data's spend columns.
    contributions : pandas.DataFrame
        True spend-driven weighted encounters per week and category.
    baseline_encounters : pandas.Series
        True baseline weighted encounters per week (without noise).
    last_state : pandas.Series
        Adstock state ``a[T]`` per category at the end of the data.
    funnel : dict or None
        The funnel's truth when generated with ``funnel=True`` (JSON-ready; see `generate`'s Notes),
        else None.
    """

    scenario: str
    seed: int
    noise: float
    decay: pd.Series
    half_saturation: pd.Series
    shape: pd.Series
    beta: pd.Series
    baseline: dict
    weights: dict
    spend: pd.DataFrame
    contributions: pd.DataFrame
    baseline_encounters: pd.Series
    last_state: pd.Series
    funnel: dict | None = None

    def simulate(self, spend, *, draws: bool = False) -> np.ndarray:
        """Spend-driven weighted encounters for weekly spend following the end of the data.

        Parameters
        ----------
        spend : pandas.DataFrame or array_like
            One row per future week, columns CATEGORIES (EUR/week); an array is read in that order.
        draws : bool, default False
            Return shape (1, weeks, 3): the truth is a single "draw".

        Returns
        -------
        numpy.ndarray
            Shape (weeks, 3), or (1, weeks, 3) with ``draws=True``.

        Raises
        ------
        ValueError
            If the spend is negative or not (weeks, 3).
        """
        x = spend_plan(spend, CATEGORIES)
        a = adstock(x, self.decay.to_numpy(), initial=self.last_state.to_numpy())
        out = self.beta.to_numpy() * hill(a, self.half_saturation.to_numpy(), self.shape.to_numpy())
        return out[None, ...] if draws else out

    def contribution_shares(self) -> pd.Series:
        """Each category's share of all spend-driven weighted encounters over the data."""
        totals = self.contributions.sum()
        return totals / totals.sum()

    def to_dict(self) -> dict:
        """JSON-ready summary: parameters, shares and baseline (rounded for a stable file)."""
        shares = self.contribution_shares()
        spend_shares = self.spend.sum() / self.spend.to_numpy().sum()
        total = self.contributions.to_numpy().sum()
        categories = {
            cat: {
                "decay": float(self.decay[cat]),
                "half_saturation": float(self.half_saturation[cat]),
                "shape": float(self.shape[cat]),
                "beta": float(self.beta[cat]),
                "contribution_share": round(float(shares[cat]), 6),
                "spend_share": round(float(spend_shares[cat]), 6),
                "spend_driven_encounters": round(float(self.contributions[cat].sum()), 2),
                "last_state": round(float(self.last_state[cat]), 2),
            }
            for cat in CATEGORIES
        }
        out = {
            "generator": "planner.simulate.synth",
            "generator_version": GENERATOR_VERSION,
            "scenario": self.scenario,
            "seed": self.seed,
            "noise": self.noise,
            "weeks": len(self.contributions),
            "start": self.contributions.index[0].strftime("%Y-%m-%d"),
            "categories": categories,
            "spend_driven_fraction": round(float(total / (total + self.baseline_encounters.sum())), 6),
            "baseline": {k: round(float(v), 4) for k, v in self.baseline.items()},
            "weights": dict(self.weights),
        }
        if self.funnel is not None:
            out["funnel"] = self.funnel
        return out


@dataclass(frozen=True, eq=False)
class Synthetic(Case):
    """A generated data set (a `planner.simulate.Case`): the frame as written to CSV, its truth and
    the quality weights; the response protocol is its truth's."""

    frame: pd.DataFrame
    truth: Truth
    weights: dict
    spend_columns: dict  # category -> list of spend columns in the frame

    @property
    def name(self) -> str:
        return self.truth.scenario

    @property
    def seed(self) -> int:
        return self.truth.seed

    @property
    def spend(self) -> pd.DataFrame:
        return self.truth.spend

    @property
    def contributions(self) -> pd.DataFrame:
        return self.truth.contributions

    @property
    def last_state(self) -> pd.Series:
        return self.truth.last_state

    def true_shares(self) -> pd.Series:
        """Each category's share of the true spend-driven weighted encounters over the data."""
        return self.truth.contribution_shares().rename("share")

    def simulate(self, spend, *, draws: bool = False) -> np.ndarray:
        """The truth's response (`Truth.simulate`)."""
        return self.truth.simulate(spend, draws=draws)


def _category_spend(rng, weeks: pd.DatetimeIndex, n_keep: int) -> pd.DataFrame:
    """Spend per category: budget steps, jitter, campaign bursts, quiet and holiday weeks."""
    n = len(weeks)
    christmas, july = holiday_flags(weeks)
    out = {}
    for cat in CATEGORIES:
        jitter_sd, p_burst, (len_lo, len_hi), (mult_lo, mult_hi), fixed = _SPEND_STYLE[cat]
        # Budget changes every 13 weeks, independently per category (keeps them apart).
        level = np.repeat(rng.lognormal(0.0, 0.25, n // 13 + 1), 13)[:n]
        burst = np.ones(n)
        starts = np.flatnonzero(rng.random(n) < p_burst)
        lengths = rng.integers(len_lo, len_hi + 1, size=starts.size)
        mults = rng.uniform(mult_lo, mult_hi, size=starts.size)
        for t, length, mult in zip(starts, lengths, mults, strict=True):
            burst[t : t + length] = np.maximum(burst[t : t + length], mult)  # bursts do not stack
        quiet = np.where(rng.random(n) < 0.04, rng.uniform(0.05, 0.3, n), 1.0)
        holiday = np.where(christmas | july, 0.4 if fixed == 0 else 0.6, 1.0)
        variable = level * rng.lognormal(0.0, jitter_sd, n) * burst * quiet * holiday
        # Licences: a yearly step in a fixed amount, the rest varies like the other categories.
        licences = np.repeat(rng.lognormal(0.0, 0.15, n // 52 + 1), 52)[:n]
        series = fixed * licences + (1.0 - fixed) * variable / variable.mean()
        out[cat] = series * MEAN_SPEND[cat] / series[-n_keep:].mean()
    return pd.DataFrame(out, index=weeks)


def _subchannel_names(n_subchannels: int | None) -> dict:
    """Column names and average shares per category, named or ``<prefix>_subNN_eur``."""
    if n_subchannels is None:
        return {cat: dict(cols) for cat, cols in SUBCHANNELS.items()}
    if n_subchannels < len(CATEGORIES):
        raise ValueError(f"n_subchannels must be at least {len(CATEGORIES)}, got {n_subchannels}")
    base, extra = divmod(n_subchannels, len(CATEGORIES))
    # Leftover columns go to content first, then technology: they have the most spend.
    counts = {cat: base + (i < extra) for i, cat in enumerate(("content", "technology", "design"))}
    return {
        cat: {f"{_PREFIX[cat]}_sub{i:02d}_eur": 1.0 / counts[cat] for i in range(1, counts[cat] + 1)}
        for cat in CATEGORIES
    }


def generate(
    seed: int = 0,
    weeks: int = 156,
    start: str = "2022-01-03",
    scenario: str = "content_driven",
    n_subchannels: int | None = None,
    noise: float = 0.03,
    funnel: bool | Mapping = False,
) -> Synthetic:
    """Generate weekly spend, encounters and controls with a known truth.

    Parameters
    ----------
    seed : int, default 0
        Seed for ``numpy.random.default_rng``; the spend history depends on the seed only, so two
        scenarios with the same seed share it.
    weeks : int, default 156
        Number of weeks (after a 26-week burn-in that is dropped).
    start : str, default "2022-01-03"
        The first week's Monday.
    scenario : {"content_driven", "technology_driven"}
        Which truth generates the encounters (see Notes).
    n_subchannels : int, optional
        Total number of spend columns across the categories, named ``content_sub01_eur``,
        ``design_sub01_eur``, ``tech_sub01_eur``...; by default the eight named sub-channels.
    noise : float, default 0.03
        Gaussian noise sd on the weighted encounters, as a fraction of their mean.
    funnel : bool or mapping, default False
        True: add the funnel after the encounters (``warmed_leads``, ``deals_web``, ``deals_sales``,
        ``revenue_web_eur``, ``revenue_sales_eur``, ``nps``) drawn from the truth ``FUNNEL``, and
        record it in ``truth.funnel``; a mapping does so with its keys replacing those of ``FUNNEL``.
        The other columns and the truth are the same with or without it (its draws come last).

    Returns
    -------
    Synthetic
        ``frame`` (``week_start``, ``enc_web``, ``enc_calls``, ``enc_meetings``, the spend columns,
        ``event_trade_fair``, ``market_index``, then the funnel's columns), ``truth``, ``weights``
        and ``spend_columns``.

    Raises
    ------
    ValueError
        If the scenario is unknown, ``start`` is not a Monday or a count is out of range.

    Notes
    -----
    True parameters (weighted encounters; ``k`` in EUR/week) and the spend-driven shares for
    seed 0 over 2022-2024; spend is about 9.0 k / 4.5 k / 31.5 k EUR per week (20/10/70 %)::

        scenario           category    decay     k       s    beta    share
        content_driven     content     0.5     8 000    1.5  14 700   ~80 %
                           design      0.3     5 000    1.2   2 100   ~10 %
                           technology  0.6    40 000    1.0   2 300   ~11 %
        technology_driven  content     0.5     8 000    1.5   3 000   ~17 %
                           design      0.3     5 000    1.2   2 100   ~10 %
                           technology  0.6    25 000    1.3  11 000   ~72 %

    Baseline: 14 000 + 10 per week, a yearly cycle (1 100 sin + 500 cos), -4 500 at Christmas and
    New Year, -3 000 in July weeks, +2 500 per trade-fair week, +80 per market_index point above
    100. Spend-driven encounters are about 40 % of the weighted total.

    The funnel (``funnel=True``, parameters in ``FUNNEL``), week by week, with ``w`` the weighted
    encounters and ``web`` the web encounters as written, and ``a_c`` the carryover of category
    ``c`` (its adstock with the scenario's decay) in EUR 1,000 a week::

        warmed_leads  ~ Poisson(0.01 * w)
        close_rate    = clip(0.10 + 0.012 * a_content, 0.01, 0.9)
        deals_sales   ~ Binomial(warmed_leads, close_rate)          # assisted deals
        deals_web     ~ Poisson(0.002 * web)                        # self-service deals
        revenue_*_eur ~ Gamma(deals * 4, value / 4)                 # each deal ~ Gamma(4, value / 4)
                        value: self-service 1 150, assisted 950 EUR
        nps           = clip(20 + 0.3 a_content + 1.5 a_design - 0.05 a_technology
                             + Normal(0, 3), -100, 100)              # rounded to 0.1

    ``truth.funnel`` records these and what they imply over the generated weeks: the mean close
    rate, the self-service share of the expected revenue and the expected revenue and deals per
    weighted encounter (expected revenue over weighted encounters, both summed over the weeks).
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {sorted(SCENARIOS)}")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    first = pd.Timestamp(start)
    if first.day_of_week != 0:
        raise ValueError(f"start must be a Monday, got {first:%Y-%m-%d} ({first:%A})")
    rng = np.random.default_rng(seed)
    all_weeks = pd.date_range(first - pd.Timedelta(weeks=BURN_IN_WEEKS), periods=BURN_IN_WEEKS + weeks, freq="7D")
    index = pd.DatetimeIndex(all_weeks[BURN_IN_WEEKS:], name="week_start")

    # Spend, rounded to whole euros first so that the truth is computed from the data as written.
    cat_spend = _category_spend(rng, all_weeks, weeks)
    subs = _subchannel_names(n_subchannels)
    columns, spend_columns = {}, {}
    for cat in CATEGORIES:
        props = rng.dirichlet(40.0 * np.array(list(subs[cat].values())), size=len(all_weeks))
        parts = np.round(cat_spend[cat].to_numpy()[:, None] * props)
        columns.update(zip(subs[cat], parts.T, strict=True))
        spend_columns[cat] = list(subs[cat])
    spend = pd.DataFrame(
        {cat: np.sum([columns[c] for c in spend_columns[cat]], axis=0) for cat in CATEGORIES},
        index=all_weeks,
    )

    params = {
        name: pd.Series(values, index=list(CATEGORIES), dtype=float) for name, values in SCENARIOS[scenario].items()
    }
    state = adstock(spend.to_numpy(), params["decay"].to_numpy())
    response = params["beta"].to_numpy() * hill(state, params["half_saturation"].to_numpy(), params["shape"].to_numpy())
    contributions = pd.DataFrame(response[BURN_IN_WEEKS:], index=index, columns=list(CATEGORIES))

    # Controls: a few trade-fair weeks a year (spring and autumn), a mean-reverting market index.
    thu = index + pd.Timedelta(days=3)
    christmas, july = holiday_flags(index)
    fair = np.zeros(weeks, dtype=int)
    season_ok = np.isin(thu.month, (2, 3, 4, 5, 9, 10, 11))
    for year in np.unique(thu.year):
        eligible = np.flatnonzero(season_ok & (thu.year == year))
        if eligible.size:
            fair[rng.choice(eligible, size=min(3, eligible.size), replace=False)] = 1
    walk = np.empty(weeks)
    walk[0] = rng.normal(0.0, 3.0)
    shocks = rng.normal(0.0, 1.0, weeks)
    for t in range(1, weeks):
        walk[t] = 0.95 * walk[t - 1] + shocks[t]
    market = np.round(100.0 + walk, 2)

    b = BASELINE
    phase = 2 * np.pi * (thu.day_of_year.to_numpy() - 1) / 365.25
    base = (
        b["intercept"]
        + b["trend_per_week"] * np.arange(weeks)
        + b["season_sin"] * np.sin(phase)
        + b["season_cos"] * np.cos(phase)
        + b["christmas"] * christmas
        + b["july"] * july
        + b["trade_fair"] * fair
        + b["market_index"] * (market - 100.0)
    )
    expected = base + contributions.to_numpy().sum(axis=1)
    noise_sd = noise * expected.mean()
    weighted = expected + rng.normal(0.0, noise_sd, weeks)

    # Split the weighted total into channels; the shares wobble but always sum to one.
    shares = rng.dirichlet(1500.0 * np.array(list(CHANNEL_SHARES.values())), size=weeks)
    counts = {
        ch: np.round(np.maximum(weighted, 0.0) * shares[:, i] / WEIGHTS[ch]).astype(int)
        for i, ch in enumerate(CHANNEL_SHARES)
    }

    frame = pd.DataFrame({"week_start": index, **counts})
    for cat in CATEGORIES:
        for col in spend_columns[cat]:
            frame[col] = columns[col][BURN_IN_WEEKS:].astype(int)
    frame["event_trade_fair"] = fair
    frame["market_index"] = market
    funnel_truth = None
    if funnel is not False:
        overrides = funnel if isinstance(funnel, Mapping) else {}
        columns_added, funnel_truth = _funnel(rng, frame, state[BURN_IN_WEEKS:], params["decay"], overrides)
        for name, values in columns_added.items():
            frame[name] = values

    truth = Truth(
        scenario=scenario,
        seed=seed,
        noise=noise,
        **params,
        baseline={**b, "noise_sd": noise_sd},
        weights=dict(WEIGHTS),
        spend=spend.iloc[BURN_IN_WEEKS:].set_axis(index),
        contributions=contributions,
        baseline_encounters=pd.Series(base, index=index, name="baseline"),
        last_state=pd.Series(state[-1], index=list(CATEGORIES), name="last_state"),
        funnel=funnel_truth,
    )
    return Synthetic(frame=frame, truth=truth, weights=dict(WEIGHTS), spend_columns=spend_columns)


def _funnel(rng, frame: pd.DataFrame, carryover: np.ndarray, decay: pd.Series, overrides: Mapping) -> tuple[dict, dict]:
    """The funnel's columns (by their names in the frame) and its JSON-ready truth (see `generate`)."""
    unknown = sorted(set(overrides) - set(FUNNEL))
    if unknown:
        raise ValueError(f"unknown funnel parameter(s) {', '.join(unknown)}; known: {', '.join(FUNNEL)}")
    f = {**FUNNEL, **overrides}
    value = {**FUNNEL["deal_value"], **f["deal_value"]}
    effect = {**FUNNEL["experience_effect"], **f["experience_effect"]}
    weighted = sum(WEIGHTS[ch] * frame[ch].to_numpy(dtype=float) for ch in WEIGHTS)
    web = frame["enc_web"].to_numpy(dtype=float)
    k = np.asarray(carryover, dtype=float) / 1_000.0  # EUR 1,000 a week
    content = list(CATEGORIES).index("content")
    low, high = f["close_rate_clip"]
    close_rate = np.clip(f["close_rate_base"] + f["close_rate_slope"] * k[:, content], low, high)
    expected_leads = f["leads_per_encounter"] * weighted
    expected_web = f["self_service_per_web_encounter"] * web

    leads = rng.poisson(expected_leads)
    assisted = rng.binomial(leads, close_rate)
    self_service = rng.poisson(expected_web)
    shape = f["deal_value_shape"]

    def revenue(deals: np.ndarray, mean: float) -> np.ndarray:
        draws = rng.gamma(np.maximum(deals, 1) * shape, mean / shape)
        return np.round(np.where(deals > 0, draws, 0.0), 2)

    revenue_web, revenue_sales = revenue(self_service, value["self_service"]), revenue(assisted, value["assisted"])
    score = f["experience_base"] + k @ np.array([effect[c] for c in CATEGORIES])
    nps = np.round(np.clip(score + rng.normal(0.0, f["experience_noise_sd"], len(frame)), -100.0, 100.0), 1)

    names = FUNNEL_COLUMNS
    columns = {
        names["leads"]: leads,
        names["deals_self_service"]: self_service,
        names["deals_assisted"]: assisted,
        names["revenue_self_service"]: revenue_web,
        names["revenue_assisted"]: revenue_sales,
        names["experience"]: nps,
    }
    # expected values given the encounters as written (the noise of leads and deals averaged out)
    expected_assisted = expected_leads * close_rate
    revenue_ss = expected_web * value["self_service"]
    revenue_as = expected_assisted * value["assisted"]
    total_weighted = weighted.sum()
    truth = {
        "columns": dict(names),
        "leads_per_weighted_encounter": float(f["leads_per_encounter"]),
        "close_rate": {
            "base": float(f["close_rate_base"]),
            "slope_per_eur_1000": float(f["close_rate_slope"]),
            "category": "content",
            "decay": float(decay["content"]),
            "clip": [float(low), float(high)],
            "mean": round(float(close_rate.mean()), 6),
            # weighted by the weeks' encounters: the close rate behind the value per encounter
            "encounter_weighted_mean": round(float((weighted * close_rate).sum() / weighted.sum()), 6),
            "min": round(float(close_rate.min()), 6),
            "max": round(float(close_rate.max()), 6),
        },
        "self_service_deals_per_web_encounter": float(f["self_service_per_web_encounter"]),
        "deal_value": {
            "self_service": float(value["self_service"]),
            "assisted": float(value["assisted"]),
            "gamma_shape": float(shape),
        },
        "self_service_revenue_share": round(float(revenue_ss.sum() / (revenue_ss.sum() + revenue_as.sum())), 6),
        "value_per_weighted_encounter": {
            "revenue": round(float((revenue_ss.sum() + revenue_as.sum()) / total_weighted), 6),
            "deals": round(float((expected_web.sum() + expected_assisted.sum()) / total_weighted), 6),
        },
        "experience": {
            "base": float(f["experience_base"]),
            "effect_per_eur_1000": {c: float(effect[c]) for c in CATEGORIES},
            "decay": {c: float(decay[c]) for c in CATEGORIES},
            "noise_sd": float(f["experience_noise_sd"]),
            "range": [-100.0, 100.0],
        },
    }
    return columns, truth


#: Region names of `split_regions` (Finnish regions), in order of size.
REGION_NAMES = (
    "Uusimaa",
    "Pirkanmaa",
    "Varsinais-Suomi",
    "Pohjois-Pohjanmaa",
    "Keski-Suomi",
    "Pohjois-Savo",
    "Satakunta",
    "Päijät-Häme",
    "Lappi",
    "Kanta-Häme",
    "Kymenlaakso",
    "Etelä-Karjala",
)


@dataclass(frozen=True, eq=False)
class Regional:
    """A national history split into regions (`split_regions`).

    Attributes
    ----------
    frame : pandas.DataFrame
        Long form, one row per week and region: ``week_start``, ``region`` and the national frame's
        columns; summed over the regions (controls, events and the score: the same in every region)
        it is the national frame.
    national : Case
        The national history and its truth.
    size : pandas.Series
        Each region's expected share of the weighted encounters (and of the spend).
    noise_sd : pandas.Series
        Each region's own noise sd in weighted encounters a week (before the national totals are
        restored).
    rho : float
        Lag-1 autocorrelation of the regions' own noise.
    """

    frame: pd.DataFrame
    national: Case
    size: pd.Series
    noise_sd: pd.Series
    rho: float


def _integer_split(total: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split whole numbers (weeks,) by shares (weeks, regions) into whole numbers that add up to them
    (largest remainders first); numbers that are not whole are split as they are."""
    raw = total[:, None] * shares
    if not np.all(total == np.round(total)):
        return raw
    out = np.floor(raw)
    short = (total - out.sum(axis=1)).astype(int)
    order = np.argsort(-(raw - out), axis=1)
    for t in np.flatnonzero(short):
        out[t, order[t, : short[t]]] += 1
    return out


def region_noise(rng, size: np.ndarray, scale: float, weeks: int, rho: float) -> np.ndarray:
    """Each region's own AR(1) noise, (weeks, regions), sd ``noise * size[r] * scale`` in every
    week (stationary from the first week), minus each region's size share of the weeks' sum so that
    the regions' noise cancels in the national total."""
    sd = scale * np.asarray(size, dtype=float)
    e = np.empty((weeks, size.size))
    e[0] = rng.normal(0.0, sd)
    innovation = sd * math.sqrt(1.0 - rho**2)
    for t in range(1, weeks):
        e[t] = rho * e[t - 1] + rng.normal(0.0, innovation)
    return e - np.outer(e.sum(axis=1), size)


def split_regions(history: Case, n_regions: int = 6, seed: int = 0, noise: float = 0.05, rho: float = 0.3) -> Regional:
    """Split a national history into `n_regions` regions with region-specific noise; the truth stays.

    Parameters
    ----------
    history : Case
        The national history (`generate`, or a case of `planner.simulate.generators.make`).
    n_regions : int, default 6
        Regions, 2 to 12, named from `REGION_NAMES`.
    seed : int, default 0
        Seed of the regions' sizes, spend shares and noise.
    noise : float, default 0.05
        Each region's own noise sd as a fraction of its mean weighted encounters.
    rho : float, default 0.3
        Lag-1 autocorrelation of that noise (0 <= rho < 1).

    Returns
    -------
    Regional

    Notes
    -----
    Region ``r`` has a size ``s_r`` (Dirichlet(4, ..., 4), sorted, largest first). Its weighted
    encounters in week ``t`` are ``s_r * W[t] + e[t, r] - s_r * sum_q e[t, q]`` with ``W`` the
    national weighted encounters and ``e[., r]`` AR(1) noise of sd ``noise * s_r * mean(W)``: the
    regions share every national movement (season, spend, market) and add their own noise, which
    cancels nationally. Each encounter and funnel count is split in these proportions into whole
    numbers (revenue in whole cents); each spend column is split by the region's size
    with a week-to-week wobble (Dirichlet(200 * s)), in whole euros. The columns summed over the
    regions are the national frame, so a model of the national totals has the national truth.
    """
    if not 2 <= n_regions <= len(REGION_NAMES):
        raise ValueError(f"n_regions must be 2..{len(REGION_NAMES)}, got {n_regions}")
    if not 0.0 <= rho < 1.0:
        raise ValueError(f"rho must be in [0, 1), got {rho}")
    rng = np.random.default_rng(seed)
    size = np.sort(rng.dirichlet(np.full(n_regions, 4.0)))[::-1]
    names = list(REGION_NAMES[:n_regions])
    weights = dict(history.weights)
    spend_cols = [c for cols in history.spend_columns.values() for c in cols]
    nat = history.frame
    weeks = len(nat)
    weighted = sum(nat[c].to_numpy(dtype=float) * w for c, w in weights.items())
    e = region_noise(rng, size, noise * float(weighted.mean()), weeks, rho)
    region_w = np.maximum(weighted[:, None] * size[None, :] + e, 0.0)
    share = region_w / region_w.sum(axis=1, keepdims=True)
    counts = [c for c in nat.columns if c in weights or c in ("warmed_leads", "deals_web", "deals_sales")]
    revenue = [c for c in nat.columns if c.startswith("revenue_")]
    parts = {}
    for c in counts:
        parts[c] = _integer_split(nat[c].to_numpy(dtype=float), share)
    for c in spend_cols:
        wobble = rng.dirichlet(200.0 * size, size=weeks)
        parts[c] = _integer_split(nat[c].to_numpy(dtype=float), wobble)
    for c in revenue:
        parts[c] = _integer_split(np.round(nat[c].to_numpy(dtype=float) * 100.0), share) / 100.0  # in cents
    rows = []
    for r, name in enumerate(names):
        block = nat.copy()
        for c, values in parts.items():
            whole = pd.api.types.is_integer_dtype(nat[c]) and c not in revenue
            block[c] = values[:, r].astype(nat[c].dtype) if whole else values[:, r]
        block.insert(1, "region", name)
        rows.append(block)
    frame = pd.concat(rows).sort_values("week_start", kind="stable").reset_index(drop=True)
    return Regional(
        frame=frame,
        national=history,
        size=pd.Series(size, index=names, name="size"),
        noise_sd=pd.Series(noise * float(weighted.mean()) * size, index=names, name="noise_sd"),
        rho=rho,
    )


def write_example(directory) -> tuple[Path, Path]:
    """Write ``example_weekly.csv`` and ``example_truth.json`` (seed 0, content_driven, 2022-2024, with
    the funnel).

    Parameters
    ----------
    directory : str or pathlib.Path
        Target folder, created if missing.

    Returns
    -------
    tuple of pathlib.Path
        The CSV and JSON paths.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    synthetic = generate(seed=0, weeks=156, start="2022-01-03", scenario="content_driven", funnel=True)
    csv_path, json_path = directory / "example_weekly.csv", directory / "example_truth.json"
    synthetic.frame.to_csv(
        csv_path,
        index=False,
        encoding="utf-8",
        date_format="%Y-%m-%d",
        float_format="%.2f",
        lineterminator="\n",
    )
    summary = {**synthetic.truth.to_dict(), "spend_columns": synthetic.spend_columns}
    json_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return csv_path, json_path


def write_regional_example(directory) -> Path:
    """Write ``example_regions.csv``: the example's history (`write_example`) split into six regions
    (seed 0), one row per week and region, for ``params/example_regions.yaml``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    national = generate(seed=0, weeks=156, start="2022-01-03", scenario="content_driven", funnel=True)
    path = directory / "example_regions.csv"
    split_regions(national, n_regions=6, seed=0).frame.to_csv(
        path,
        index=False,
        encoding="utf-8",
        date_format="%Y-%m-%d",
        float_format="%.2f",
        lineterminator="\n",
    )
    return path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m planner.simulate.synth OUTDIR")
    for path in (*write_example(sys.argv[1]), write_regional_example(sys.argv[1])):
        print(path)
