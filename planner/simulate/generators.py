"""Synthetic weekly histories with a known truth, most of them deliberately unlike the model.

The calibration benchmark (``benchmarks/bench_calibration.py``) fits the planner to these and
scores its shares, intervals, verdicts and plans against the truth. ``make(name, seed)`` returns a
`Case`; every seed draws a different truth (carryover, saturation, shares, spend levels), not
only different noise. The model assumes normalised geometric adstock, Hill saturation, an additive
baseline (linear trend, two yearly harmonics, Finnish holiday dips, events, controls) and Gaussian
noise. The generators, and where each departs from that:

``additive_hill``
    Like the model: Hill on normalised adstock, additive baseline, Gaussian noise of 2-4 % of the
    mean. Content-led truth: content 76-86 %, the rest split between design and technology.
``multiplicative_baseline``
    Baseline = level * (1 + growth)**t * (1 + season(t)) * holiday and market factors, so season
    and trend scale each other (the model adds them). Spend effects additive, Hill on *un-normalised*
    carryover ``a[t] = decay * a[t-1] + x[t]``. Content 60-85 %.
``logistic_bursts``
    Saturation ``(1 - exp(-a/k)) / (1 + exp(-a/k))`` (logistic, always concave), spend in on/off
    bursts with many zero weeks, a concave (logarithmic) trend. Content 45-75 %.
``no_effect``
    Design truly generates nothing (share 0) while its spend varies as much as the others'. Hill on
    normalised adstock, additive baseline. Content 55-90 %, technology the rest.
``small_counts``
    Two years (104 weeks) of one encounter column (meetings, weight 1) with Poisson noise around a
    mean of about 40 a week. Hill on normalised adstock. Content 60-85 %.
``technology_driven``
    Technology truly generates 60-70 %, content most of the rest. Hill on normalised adstock.
``collinear``
    Content and technology spend move together (a shared campaign calendar; correlation about
    0.9), design independent. Content 65-85 %.
``drifting_mix``
    Each category's spend is split into sub-channels of different effectiveness, carryover and
    saturation, and the mix drifts over the years (video and automation grow): a category's true
    response is not one curve of its summed spend. Content 60-85 %.
``flat_licence``
    Technology is a licence: one flat weekly fee from the burn-in on, stepped up once by 20-50 % in
    a data week between 45 and 75, flat again after. Season and holidays are multiplicative and
    scale every encounter, the spend effects too: ``expected = multiplier[t] * (level * (1 +
    growth * t) + events and controls + spend effects)``. Content 60-80 %. Technology's effect is
    unidentifiable: a constant one week after another (bar the step), scaled like the baseline.
``one_week``
    Technology is bought in one week: no technology spend except one payment of 40-60 weeks'
    budget in a data week between 30 and 100. What it buys works for 52 weeks: the truth acts on
    the payment spread evenly over the 52 weeks from the purchase, the data record the one week.
    Additive baseline. Content 60-80 %. Technology's effect is unidentifiable.
``technology_flat``
    Technology truly generates 50-65 % but its spend is one identical amount every week, so its
    effect cannot be told from the baseline's level (unidentifiable). Additive baseline.
``multiplicative_season``
    Spend as in ``additive_hill``, but a multiplicative season with July and Christmas dips of a
    quarter or more scales every encounter, spend effects included. Content 65-85 %.
``pymc_example``
    PyMC-Marketing's MMM example as its notebook documents it (``mmm_example.ipynb``, published as
    ``data/mmm_example.csv``): x1 (content) and x2 (design) through 8-lag normalised geometric
    adstock and logistic saturation, a concave trend, two harmonics, two events, Gaussian noise; 179
    weeks, one encounter column of weight 1. A technology spend drawn like x1 generates nothing
    (share 0). Content 80.7 %, design 19.3 % for every seed (the seed draws the technology spend and
    the noise). Unlike the rest: no burn-in (the carryover starts from no spend, as the example's
    does), events ``event_1`` and ``event_2``, no control, and no experiments can be overlaid.

Every generator writes ``week_start`` (Mondays), encounter columns, spend columns (one or more per
category; the model sums them) and, except ``small_counts``, an event (``event_trade_fair``) and a
control (``market_index``). The first 26 weeks are a burn-in that is dropped, so the carryover at
the start of the data is that of real past spend.

``truth["unidentifiable"]`` lists the categories whose effect the data cannot show (a model should
call them unidentified); ``no_effect``'s design is identifiable, its effect is zero. The
multiplicative generators (``flat_licence``, ``multiplicative_season``) give the weekly multiplier
over the data in ``truth["multiplier"]``; their ``features`` and ``baseline`` include it, and the
future response (`Case.simulate`, `Case.horizon_totals`) applies the multiplier of the future weeks'
own dates (the same season and holiday factors, `Multiplier`).

``with_experiment(case, category, start, weeks, change)`` overlays a lift test on a case: the spend
change in its window, the encounters regenerated from the truth with the case's own noise draw, and
a params ``experiments`` entry whose lift is the true lift measured with noise.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from planner import CATEGORIES
from planner.inference.transforms import adstock, hill, spend_plan
from planner.simulate.common import BURN_IN_WEEKS, WEIGHTS, Case, holiday_flags
from planner.simulate.common import CHANNEL_SHARES as _CHANNEL_SHARES

__all__ = [
    "GENERATORS",
    "Case",
    "Generated",
    "Multiplier",
    "Response",
    "make",
    "oracle_shares",
    "with_experiment",
    "without_spend_effect",
]

CATS = list(CATEGORIES)
START = "2022-01-03"
#: Expected share of each channel in the weighted encounters, in the order of WEIGHTS.
CHANNEL_SHARES = np.array([_CHANNEL_SHARES[ch] for ch in WEIGHTS])
#: Spend columns per category (an average split; the truth acts on their sum unless the
#: generator says otherwise).
SPEND_COLUMNS = {
    "content": ("content_articles_eur", "content_video_eur", "content_social_eur"),
    "design": ("design_ux_eur", "design_visual_eur"),
    "technology": ("tech_automation_eur", "tech_crm_eur", "tech_analytics_eur"),
}


# -- the true response -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Response:
    """The true spend-driven response, per spend channel; a category has one channel or more.

    Attributes
    ----------
    category : numpy.ndarray of int
        Per channel, the index of its category in CATEGORIES.
    names : tuple of str
        Channel names (the category's name when it has a single channel).
    decay : numpy.ndarray
        Weekly carryover rate per channel.
    half_saturation : numpy.ndarray
        ``k`` per channel, in the units of the carryover state (EUR/week when normalised).
    shape : numpy.ndarray
        Hill ``s`` per channel (unused by the logistic curve).
    beta : numpy.ndarray
        Weighted encounters per week at full saturation, per channel.
    normalised : bool
        ``a[t] = d a[t-1] + (1 - d) x[t]`` when True, else ``a[t] = d a[t-1] + x[t]``.
    saturation : {"hill", "logistic"}
        ``a**s / (a**s + k**s)`` or ``(1 - exp(-a/k)) / (1 + exp(-a/k))``.
    mix : numpy.ndarray
        Share of its category's spend each channel gets after the end of the data.
    """

    category: np.ndarray
    names: tuple
    decay: np.ndarray
    half_saturation: np.ndarray
    shape: np.ndarray
    beta: np.ndarray
    normalised: bool
    saturation: str
    mix: np.ndarray

    def carryover(self, x: np.ndarray, initial: np.ndarray | None = None) -> np.ndarray:
        """Carryover state per week and channel for channel spend ``x`` (weeks, channels)."""
        d = self.decay
        if self.normalised:
            return adstock(x, d, initial=initial)
        # a = b / (1 - d) where b is the normalised adstock: a[t] = d a[t-1] + x[t].
        start = None if initial is None else np.asarray(initial) * (1.0 - d)
        return adstock(x, d, initial=start) / (1.0 - d)

    def saturate(self, a: np.ndarray) -> np.ndarray:
        """Saturation in [0, 1) of the carryover state."""
        if self.saturation == "hill":
            return hill(a, self.half_saturation, self.shape)
        z = np.exp(-np.maximum(a, 0.0) / self.half_saturation)
        return (1.0 - z) / (1.0 + z)

    def per_category(self, per_channel: np.ndarray) -> np.ndarray:
        """Sum channels (last axis) into the three categories."""
        out = np.zeros(per_channel.shape[:-1] + (len(CATS),))
        for j, c in enumerate(self.category):
            out[..., c] += per_channel[..., j]
        return out

    def split_spend(self, spend: np.ndarray) -> np.ndarray:
        """Category spend (..., 3) to channel spend (..., channels) with the future mix."""
        return spend[..., self.category] * self.mix


@dataclass(frozen=True)
class Multiplier:
    """A multiplicative season with Christmas/New Year and July dips, as a function of the week.

    ``(1 + season(t)) * (1 - christmas * is_christmas(t)) * (1 - july * is_july(t))``, where the
    season is the yearly two-harmonic cycle of `_season` and the holiday weeks are judged by their
    Thursday (`_flags`). Being a function of the date, it gives the future weeks' multiplier too.

    Attributes
    ----------
    amplitude : float
        Amplitude of the yearly cycle (a fraction of the level).
    phases : tuple of float
        Phases of its two harmonics.
    christmas : float
        Fraction taken off in Christmas/New Year weeks.
    july : float
        Fraction taken off in July weeks.
    """

    amplitude: float
    phases: tuple
    christmas: float
    july: float

    @classmethod
    def draw(cls, rng, july: tuple[float, float], christmas: tuple[float, float] = (0.25, 0.35)) -> Multiplier:
        """Seeded factors: a season of amplitude 0.1-0.2 and dips drawn from the given ranges."""
        amplitude = float(rng.uniform(0.1, 0.2))
        phases = tuple(float(v) for v in rng.uniform(0, 2 * np.pi, 2))
        return cls(amplitude, phases, float(rng.uniform(*christmas)), float(rng.uniform(*july)))

    def season(self, index: pd.DatetimeIndex) -> np.ndarray:
        """``1 + season(t)``: the multiplier without the holiday dips."""
        return 1.0 + _yearly(pd.DatetimeIndex(index), self.amplitude, self.phases)

    def __call__(self, index: pd.DatetimeIndex) -> np.ndarray:
        """The weekly multiplier for weeks starting on ``index``."""
        index = pd.DatetimeIndex(index)
        christmas, july = _flags(index)
        return self.season(index) * (1.0 - self.christmas * christmas) * (1.0 - self.july * july)


# -- the case ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Generated(Case):
    """One synthetic history with its truth (a `planner.simulate.Case`); implements the response protocol.

    Attributes
    ----------
    name : str
        The generator's name (a key of GENERATORS).
    seed : int
        The seed it was made with.
    frame : pandas.DataFrame
        The data exactly as a user's file would hold it: ``week_start``, encounter columns, spend
        columns, event and control columns.
    params : dict
        A raw params mapping (as YAML would give) for ``planner.reading.params.load_dict``; ``data.path``
        is a dummy name, the data go through ``planner.reading.data.from_frame``. Model keys are left at
        their defaults.
    contributions : pandas.DataFrame
        True spend-driven weighted encounters per week (index ``week_start``) and category.
    features : pandas.DataFrame
        Per category the true shape of its effect (carried-over, saturated spend), so that
        ``contributions == features * coefficients``; for a category of several channels, their
        effectiveness-weighted mean; times the weekly multiplier where the case has one.
    coefficients : pandas.Series
        Per category, weighted encounters per unit of ``features`` (0 for a category with no effect).
    spend : pandas.DataFrame
        Spend per category (EUR/week), the sum of its columns in ``frame``.
    baseline : pandas.Series
        True expected encounters without any spend effect, per week (multiplier included), so that
        ``baseline + contributions.sum(axis=1) == expected``.
    expected : pandas.Series
        True expected weighted encounters per week (baseline + spend effects), before noise.
    last_state : pandas.Series
        Carryover state per channel at the end of the data (the response continues from it).
    response : Response
        The true curves.
    truth : dict
        A readable summary of the true parameters (for reports); ``truth["experiments"]`` lists the
        experiments overlaid by `with_experiment`, each with its true lift.
    history : dict
        What `with_experiment` needs to regenerate the history with other spend: the spend columns
        including the burn-in weeks, the channels' effectiveness, the noise draws, the multiplier
        over the data and an amortised purchase (``one_week``).
    multiplier : Multiplier or None
        The multiplicative season that scales every encounter, spend effects included; None for an
        additive case. The future response applies it at the future weeks' dates.
    """

    name: str
    seed: int
    frame: pd.DataFrame
    params: dict
    contributions: pd.DataFrame
    features: pd.DataFrame
    coefficients: pd.Series
    spend: pd.DataFrame
    baseline: pd.Series
    expected: pd.Series
    last_state: pd.Series
    response: Response
    truth: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict, repr=False)
    multiplier: Multiplier | None = field(default=None, repr=False)

    #: The truth is one "draw"; the plan asks for it to make intervals.
    interval = 0.8

    @property
    def weights(self) -> dict:
        """Quality weight per encounter column (the params' ``data.encounters``)."""
        return dict(self.params["data"]["encounters"])

    @property
    def spend_columns(self) -> dict:
        """Category -> its spend columns in ``frame`` (the params' ``data.spend``)."""
        spend = self.params["data"]["spend"]
        return {cat: [cols] if isinstance(cols, str) else list(cols) for cat, cols in spend.items()}

    def true_shares(self) -> pd.Series:
        """Each category's share of the true spend-driven weighted encounters over the data."""
        totals = self.contributions[CATS].sum()
        return (totals / totals.sum()).rename("share")

    def simulate(self, spend, *, draws: bool = False) -> np.ndarray:
        """True spend-driven weighted encounters for weekly spend following the end of the data.

        Parameters
        ----------
        spend : pandas.DataFrame or array_like
            One row per future week, columns CATEGORIES (EUR/week); an array is read in that order.
            A category's spend is split among its channels by the mix of the data's last weeks.
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
        r = self.response
        a = r.carryover(r.split_spend(x), initial=self.last_state.to_numpy())
        out = r.per_category(r.beta * r.saturate(a)) * self.future_multiplier(len(x))[:, None]
        return out[None, ...] if draws else out

    def future_multiplier(self, weeks: int) -> np.ndarray:
        """The multiplier of the ``weeks`` weeks after the data, from their dates (ones if none)."""
        if self.multiplier is None:
            return np.ones(weeks)
        last = pd.Timestamp(self.spend.index[-1])
        return self.multiplier(pd.date_range(last + pd.Timedelta(weeks=1), periods=weeks, freq="7D"))

    def horizon_totals(self, weekly: np.ndarray, weeks: int) -> np.ndarray:
        """True spend-driven encounters over ``weeks`` per category for flat weekly spend.

        Vectorised (closed-form carryover) for searching many splits at once; equal to summing
        `simulate` over the weeks.

        Parameters
        ----------
        weekly : array_like
            Shape (n, 3): EUR/week per category, the same every week.
        weeks : int
            Length of the horizon.

        Returns
        -------
        numpy.ndarray
            Shape (n, 3).
        """
        r = self.response
        x = r.split_spend(np.atleast_2d(np.asarray(weekly, dtype=float)))  # (n, m)
        t = np.arange(1, weeks + 1)[:, None]  # (H, 1)
        dt = r.decay[None, :] ** t  # (H, m)
        steady = x if r.normalised else x / (1.0 - r.decay)
        a = dt[None] * self.last_state.to_numpy()[None, None, :] + (1.0 - dt)[None] * steady[:, None, :]
        m = self.future_multiplier(weeks)[None, :, None]
        return r.per_category((r.beta * r.saturate(a) * m).sum(axis=1))


# -- building blocks ---------------------------------------------------------------------------


def _weeks(n: int, start: str = START) -> pd.DatetimeIndex:
    """Burn-in weeks and data weeks, Mondays."""
    first = pd.Timestamp(start) - pd.Timedelta(weeks=BURN_IN_WEEKS)
    return pd.date_range(first, periods=BURN_IN_WEEKS + n, freq="7D")


def _flags(index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Christmas/New Year and July weeks as 0/1 floats (`holiday_flags`)."""
    christmas, july = holiday_flags(index)
    return christmas.astype(float), july.astype(float)


def _phase(index: pd.DatetimeIndex) -> np.ndarray:
    thu = index + pd.Timedelta(days=3)
    return 2.0 * np.pi * (np.asarray(thu.day_of_year, dtype=float) - 1.0) / 365.25


def _season(rng, index: pd.DatetimeIndex, amplitude: float) -> np.ndarray:
    """A yearly cycle of the given amplitude (two harmonics, random phases), mean zero."""
    return _yearly(index, amplitude, rng.uniform(0, 2 * np.pi, 2))


def _yearly(index: pd.DatetimeIndex, amplitude: float, phases) -> np.ndarray:
    """The yearly cycle of `_season` with given phases."""
    p = _phase(index)
    a1, a2 = phases
    return amplitude * (0.85 * np.sin(p + a1) + 0.35 * np.sin(2 * p + a2))


def _spend(
    rng,
    index: pd.DatetimeIndex,
    mean: float,
    *,
    jitter: float = 0.2,
    p_burst: float = 0.08,
    burst_len: tuple[int, int] = (2, 5),
    burst_mult: tuple[float, float] = (1.6, 2.6),
    step_sd: float = 0.25,
    fixed: float = 0.0,
) -> np.ndarray:
    """One category's weekly spend: quarterly budget steps, jitter, bursts, quiet and holiday weeks."""
    n = len(index)
    christmas, july = _flags(index)
    level = np.repeat(rng.lognormal(0.0, step_sd, n // 13 + 1), 13)[:n]
    burst = np.ones(n)
    starts = np.flatnonzero(rng.random(n) < p_burst)
    for t in starts:
        length = rng.integers(burst_len[0], burst_len[1] + 1)
        burst[t : t + length] = np.maximum(burst[t : t + length], rng.uniform(*burst_mult))
    quiet = np.where(rng.random(n) < 0.04, rng.uniform(0.05, 0.3, n), 1.0)
    holiday = np.where((christmas + july) > 0, 0.5, 1.0)
    variable = level * rng.lognormal(0.0, jitter, n) * burst * quiet * holiday
    series = fixed + (1.0 - fixed) * variable / variable.mean()
    return series * mean / series.mean()


def _on_off(rng, index: pd.DatetimeIndex, mean: float, on: tuple[int, int], off: tuple[int, int]) -> np.ndarray:
    """Flights: runs of spend weeks and runs of zero weeks; the last 13 weeks hold a flight."""
    n = len(index)
    out = np.zeros(n)
    t = int(rng.integers(0, off[1]))
    while t < n:
        length = int(rng.integers(on[0], on[1] + 1))
        out[t : t + length] = rng.lognormal(0.0, 0.3) * rng.lognormal(0.0, 0.2, min(length, n - t))
        t += length + int(rng.integers(off[0], off[1] + 1))
    if not out[-13:].any():  # a plan needs a current split with this category in it
        out[-6:-2] = rng.lognormal(0.0, 0.2, 4)
    return out * mean / out.mean()


def _split_columns(rng, cat: str, total: np.ndarray, drift: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Whole-euro sub-channel columns of a category that add up to about ``total``."""
    cols = SPEND_COLUMNS[cat]
    if drift is None:
        base = rng.dirichlet(np.full(len(cols), 4.0))
        props = rng.dirichlet(60.0 * base + 1e-3, size=len(total))
    else:
        props = drift
    parts = np.round(total[:, None] * props)
    return dict(zip(cols, parts.T, strict=True))


def _market_index(rng, n: int) -> np.ndarray:
    """A mean-reverting index around 100."""
    walk = np.empty(n)
    walk[0] = rng.normal(0.0, 3.0)
    shocks = rng.normal(0.0, 1.0, n)
    for t in range(1, n):
        walk[t] = 0.95 * walk[t - 1] + shocks[t]
    return np.round(100.0 + walk, 2)


def _trade_fairs(rng, index: pd.DatetimeIndex, per_year: int = 3) -> np.ndarray:
    """A few event weeks a year, in spring and autumn."""
    thu = index + pd.Timedelta(days=3)
    out = np.zeros(len(index), dtype=int)
    ok = np.isin(thu.month, (2, 3, 4, 5, 9, 10, 11))
    for year in np.unique(thu.year):
        eligible = np.flatnonzero(ok & (thu.year == year))
        if eligible.size:
            out[rng.choice(eligible, size=min(per_year, eligible.size), replace=False)] = 1
    return out


def _split_rest(rng, first: float, lo: float = 0.3, hi: float = 0.7) -> tuple[float, float]:
    """Split ``1 - first`` between the two other categories."""
    f = rng.uniform(lo, hi)
    return (1.0 - first) * f, (1.0 - first) * (1.0 - f)


def _hill_curves(rng, mean_spend: np.ndarray, normalised: bool = True) -> dict:
    """Seeded carryover and Hill parameters per category around plausible values."""
    decay = np.array([rng.uniform(0.3, 0.65), rng.uniform(0.1, 0.45), rng.uniform(0.4, 0.75)])
    level = mean_spend if normalised else mean_spend / (1.0 - decay)
    return {
        "decay": decay,
        "half_saturation": level * rng.uniform(0.5, 1.6, 3),
        "shape": rng.uniform(0.8, 2.0, 3),
    }


def _mean_spend(rng) -> np.ndarray:
    """Average EUR/week per category: usually technology-led, as many organisations run it."""
    return np.array([rng.uniform(8_000, 15_000), rng.uniform(3_000, 7_000), rng.uniform(15_000, 35_000)])


def _params(name: str, seed: int, encounters: dict, spend_columns: dict, events, controls) -> dict:
    data = {
        "path": f"{name}_{seed}.csv",
        "encounters": dict(encounters),
        "spend": {c: list(cols) for c, cols in spend_columns.items()},
    }
    if events:
        data["events"] = list(events)
    if controls:
        data["controls"] = list(controls)
    if "enc_web" in encounters:
        data["digital"] = ["enc_web"]
    return {"report": {"title": f"{name} seed {seed}"}, "data": data, "plan": {"horizon_weeks": 13}}


@dataclass
class _Spec:
    """What a generator decides; `_assemble` turns it into a Case."""

    name: str
    seed: int
    rng: np.random.Generator
    index: pd.DatetimeIndex  # burn-in + data weeks
    columns: dict  # category -> {spend column: whole euros per week (burn-in included)}
    response: dict  # Response fields except beta and mix, plus "effectiveness" per channel
    channel_spend: np.ndarray | None  # (weeks, channels), None: one channel per category (its sum)
    shares: np.ndarray  # target true shares per category
    effect_fraction: float  # spend-driven part of the expected encounters over the data
    baseline: np.ndarray  # over the data weeks
    noise: str = "gaussian"  # or "poisson"
    noise_sd: float = 0.03  # Gaussian: sd as a fraction of the mean expected encounters
    extra: dict = field(default_factory=dict)  # events and controls over the data weeks
    events: tuple = ()
    controls: tuple = ()
    single_column: str | None = None  # poisson: the one encounter column (weight 1)
    truth: dict = field(default_factory=dict)
    # Scales every encounter, spend effects included; `baseline` is then the part inside it.
    multiplier: Multiplier | None = None
    # A purchase the truth spreads over weeks: {"category", "week" (among all weeks), "amount", "weeks"}.
    amortise: dict | None = None


def _spend_arrays(columns: dict, per_column: bool) -> tuple[np.ndarray, np.ndarray]:
    """Category spend (weeks, 3) and the channel spend the truth acts on (weeks, channels)."""
    cat_spend = np.column_stack([np.sum(list(columns[c].values()), axis=0) for c in CATS])
    if not per_column:
        return cat_spend, cat_spend
    return cat_spend, np.column_stack([v for c in CATS for v in columns[c].values()])


def _acting_spend(x: np.ndarray, amortise: dict | None) -> np.ndarray:
    """The spend the truth acts on: the recorded one, with an amortised purchase's payment spread
    evenly over the weeks it works for instead of the week it was paid."""
    if not amortise:
        return x
    out = np.array(x, dtype=float)  # a copy: x may be the category spend itself
    c, t, amount, weeks = amortise["category"], amortise["week"], amortise["amount"], amortise["weeks"]
    out[t, c] -= amount
    out[t : t + weeks, c] += amount / weeks
    return out


def _future_mix(cat_spend: np.ndarray, x: np.ndarray, category: np.ndarray) -> np.ndarray:
    """Each channel's share of its category's spend over the last 13 weeks (the mix after the data).

    A category without spend in those weeks keeps its mix over all weeks, so spend put in it
    after the data still acts.
    """
    n_all = len(x)
    last = slice(n_all - 13, n_all)
    cat_last = cat_spend[last].sum(axis=0)[category]
    cat_all = cat_spend.sum(axis=0)[category]
    recent = x[last].sum(axis=0) / np.where(cat_last > 0, cat_last, 1.0)
    overall = x.sum(axis=0) / np.where(cat_all > 0, cat_all, 1.0)
    return np.where(cat_last > 0, recent, np.where(cat_all > 0, overall, 0.0))


def _true_features(
    unit: Response, x: np.ndarray, eff: np.ndarray, multiplier: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Carryover state (all weeks, channels) and per category the effectiveness-weighted mean
    saturation over the data weeks (the `features` of a Case), times the weekly multiplier if any."""
    state = unit.carryover(x)
    h = unit.saturate(state)[BURN_IN_WEEKS:]  # (n, m)
    feature = np.zeros((len(h), len(CATS)))
    for c in range(len(CATS)):
        mine = unit.category == c
        feature[:, c] = (h[:, mine] * eff[mine]).sum(axis=1) / eff[mine].sum()
    if multiplier is not None:
        feature *= multiplier[:, None]
    return state, feature


def _gaussian_columns(weighted: np.ndarray, props: np.ndarray) -> dict[str, np.ndarray]:
    """Whole encounters per channel from noisy weighted encounters and the channel proportions."""
    return {
        col: np.round(np.maximum(weighted, 0.0) * props[:, i] / w).astype(int)
        for i, (col, w) in enumerate(WEIGHTS.items())
    }


def _assemble(s: _Spec) -> Generated:
    """Calibrate the effect sizes to the target shares, add noise and write the frame."""
    data_index = pd.DatetimeIndex(s.index[BURN_IN_WEEKS:], name="week_start")
    per_column = s.channel_spend is not None
    cat_spend, x = _spend_arrays(s.columns, per_column)  # per column: the channels are the spend columns
    r = dict(s.response)
    eff = np.asarray(r.pop("effectiveness"), dtype=float)
    category = np.asarray(r["category"])
    mix = _future_mix(cat_spend, x, category)
    unit = Response(beta=np.ones(len(category)), mix=mix, **r)
    multiplier = None if s.multiplier is None else s.multiplier(data_index)
    state, feature = _true_features(unit, _acting_spend(x, s.amortise), eff, multiplier)
    baseline = s.baseline if multiplier is None else s.baseline * multiplier

    # Effect sizes so that the true shares are exactly the target ones over the data (the features
    # carry the multiplier, so the shares are those of the multiplied contributions).
    total_effect = s.effect_fraction / (1.0 - s.effect_fraction) * baseline.sum()
    coef = np.zeros(len(CATS))
    beta = np.zeros(len(category))
    for c in range(len(CATS)):
        mine = category == c
        f = feature[:, c]
        coef[c] = s.shares[c] * total_effect / f.sum() if f.sum() > 0 else 0.0
        beta[mine] = coef[c] * eff[mine] / eff[mine].sum()
    response = Response(beta=beta, mix=mix, **r)
    contrib = feature * coef
    expected = baseline + contrib.sum(axis=1)

    rng = s.rng
    frame = pd.DataFrame({"week_start": data_index})
    history = {
        "columns": s.columns,
        "per_column": per_column,
        "effectiveness": eff,
        "noise": s.noise,
        "multiplier": multiplier,
        "amortise": s.amortise,
    }
    if s.noise == "poisson":
        counts = rng.poisson(np.maximum(expected, 0.0))
        frame[s.single_column] = counts.astype(int)
        encounters = {s.single_column: 1.0}
        history["single_column"] = s.single_column
    else:
        error = rng.normal(0.0, s.noise_sd * expected.mean(), len(expected))
        props = rng.dirichlet(1500.0 * CHANNEL_SHARES, size=len(expected))
        for col, values in _gaussian_columns(expected + error, props).items():
            frame[col] = values
        encounters = dict(WEIGHTS)
        history.update(error=error, props=props)
    spend_columns = {}
    for c in CATS:
        spend_columns[c] = list(s.columns[c])
        for col, values in s.columns[c].items():
            frame[col] = values[BURN_IN_WEEKS:].astype(int)
    for col, values in s.extra.items():
        frame[col] = values

    names = tuple(r["names"])
    truth = {
        "generator": s.name,
        "seed": s.seed,
        "shares": dict(zip(CATS, np.round(s.shares, 4).tolist(), strict=True)),
        "effect_fraction": s.effect_fraction,
        "noise": s.noise if s.noise == "poisson" else f"gaussian sd {s.noise_sd:.3f} of the mean",
        "channels": {
            nm: {
                "category": CATS[int(category[j])],
                "decay": round(float(r["decay"][j]), 4),
                "half_saturation": round(float(r["half_saturation"][j]), 1),
                "shape": round(float(r["shape"][j]), 3),
                "beta": round(float(beta[j]), 2),
            }
            for j, nm in enumerate(names)
        },
        "unidentifiable": [],
        **({} if multiplier is None else {"multiplier": multiplier.tolist()}),
        **s.truth,
    }
    return Generated(
        name=s.name,
        seed=s.seed,
        frame=frame,
        params=_params(s.name, s.seed, encounters, spend_columns, s.events, s.controls),
        contributions=pd.DataFrame(contrib, index=data_index, columns=CATS),
        features=pd.DataFrame(feature, index=data_index, columns=CATS),
        coefficients=pd.Series(coef, index=CATS, name="coefficient"),
        spend=pd.DataFrame(cat_spend[BURN_IN_WEEKS:], index=data_index, columns=CATS),
        baseline=pd.Series(baseline, index=data_index, name="baseline"),
        expected=pd.Series(expected, index=data_index, name="expected"),
        last_state=pd.Series(state[-1], index=list(names), name="last_state"),
        response=response,
        truth=truth,
        history=history,
        multiplier=s.multiplier,
    )


def _category_columns(rng, index, means: np.ndarray, cats=CATS, **styles) -> dict:
    """Spend columns of each category in ``cats`` from `_spend` with per-category styles."""
    default = {"content": {}, "design": {"jitter": 0.25, "p_burst": 0.06}, "technology": {"fixed": 0.3}}
    out = {}
    for i, c in enumerate(CATS):
        if c in cats:
            total = _spend(rng, index, means[i], **{**default[c], **styles.get(c, {})})
            out[c] = _split_columns(rng, c, total)
    return out


def _flat_columns(rng, cat: str, total: np.ndarray) -> dict[str, np.ndarray]:
    """Whole-euro columns of a category in fixed proportions: each column holds one amount for
    each amount of ``total`` (whole euros), and the columns add up to it exactly."""
    cols = SPEND_COLUMNS[cat]
    props = rng.dirichlet(np.full(len(cols), 4.0))
    parts = np.zeros((len(total), len(cols)))
    for amount in np.unique(total):
        parts[total == amount] = _whole_euros((amount * props)[None, :], int(amount))
    return dict(zip(cols, parts.T, strict=True))


def _additive_baseline(rng, data_index, level: float) -> tuple[np.ndarray, dict]:
    """Level + linear trend + season + holiday dips + trade fairs + market index (the model's form)."""
    n = len(data_index)
    christmas, july = _flags(data_index)
    fair = _trade_fairs(rng, data_index)
    market = _market_index(rng, n)
    base = (
        level * (1.0 + rng.uniform(-0.1, 0.25) * np.arange(n) / n)
        + _season(rng, data_index, level * rng.uniform(0.05, 0.12))
        - level * rng.uniform(0.2, 0.35) * christmas
        - level * rng.uniform(0.1, 0.25) * july
        + level * rng.uniform(0.1, 0.2) * fair
        + level * 0.005 * (market - 100.0)
    )
    return base, {"event_trade_fair": fair, "market_index": market}


def _one_channel(curves: dict, saturation: str = "hill", normalised: bool = True) -> dict:
    return {
        "category": np.arange(3),
        "names": tuple(CATS),
        "normalised": normalised,
        "saturation": saturation,
        "effectiveness": np.ones(3),
        **curves,
    }


def _additive_hill_history(name, seed, rng, index, means, columns, shares, **spec) -> Case:
    """The rest of an additive-baseline, Hill-on-normalised-adstock history once spend and target
    shares are drawn (the rng is consumed in the same order by every generator that uses it);
    ``spec`` sets further `_Spec` fields (``truth``, ``amortise``)."""
    base, extra = _additive_baseline(rng, index[BURN_IN_WEEKS:], rng.uniform(12_000, 18_000))
    return _assemble(
        _Spec(
            name=name,
            seed=seed,
            rng=rng,
            index=index,
            columns=columns,
            response=_one_channel(_hill_curves(rng, means)),
            channel_spend=None,
            shares=shares,
            effect_fraction=rng.uniform(0.35, 0.45),
            baseline=base,
            noise_sd=rng.uniform(0.02, 0.04),
            extra=extra,
            events=("event_trade_fair",),
            controls=("market_index",),
            **spec,
        )
    )


def _hill_case(name: str, seed: int, shares_of, n: int = 156, **spend_styles) -> Case:
    """An additive-baseline, Hill-on-normalised-adstock history with the shares ``shares_of(rng)``."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])  # a stream per generator
    index = _weeks(n)
    means = _mean_spend(rng)
    columns = _category_columns(rng, index, means, **spend_styles)
    shares = np.asarray(shares_of(rng), dtype=float)
    return _additive_hill_history(name, seed, rng, index, means, columns, shares)


# -- the generators ----------------------------------------------------------------------------


def additive_hill(seed: int) -> Case:
    """Like the model: Hill on normalised adstock, additive baseline; content 76-86 %."""

    def shares(rng):
        content = rng.uniform(0.76, 0.86)
        return (content, *_split_rest(rng, content, 0.35, 0.65))

    return _hill_case("additive_hill", seed, shares)


def no_effect(seed: int) -> Case:
    """Design truly generates nothing while its spend varies; content 55-90 %, technology the rest."""

    def shares(rng):
        content = rng.uniform(0.55, 0.9)
        return (content, 0.0, 1.0 - content)

    return _hill_case("no_effect", seed, shares)


def technology_driven(seed: int) -> Case:
    """Technology truly generates 60-70 %, content 60-85 % of the rest."""

    def shares(rng):
        tech = rng.uniform(0.6, 0.7)
        content, design = _split_rest(rng, tech, 0.6, 0.85)
        return (content, design, tech)

    return _hill_case("technology_driven", seed, shares)


def multiplicative_baseline(seed: int) -> Case:
    """Season and trend scale each other; Hill on un-normalised carryover; content 60-85 %."""
    rng = np.random.default_rng([seed, 2])
    index = _weeks(156)
    data_index = index[BURN_IN_WEEKS:]
    n = len(data_index)
    means = _mean_spend(rng)
    columns = _category_columns(rng, index, means)
    content = rng.uniform(0.6, 0.85)
    shares = np.array([content, *_split_rest(rng, content)])
    christmas, july = _flags(data_index)
    fair = _trade_fairs(rng, data_index)
    market = _market_index(rng, n)
    growth = rng.uniform(0.0015, 0.004)  # 26-86 % over three years, compounding
    level = rng.uniform(10_000, 15_000)
    base = (
        level
        * (1.0 + growth) ** np.arange(n)
        * (1.0 + _season(rng, data_index, rng.uniform(0.12, 0.2)))
        * (1.0 - rng.uniform(0.2, 0.35) * christmas)
        * (1.0 - rng.uniform(0.1, 0.25) * july)
        * (1.0 + rng.uniform(0.1, 0.2) * fair)
        * (1.0 + 0.005 * (market - 100.0))
    )
    return _assemble(
        _Spec(
            name="multiplicative_baseline",
            seed=seed,
            rng=rng,
            index=index,
            columns=columns,
            response=_one_channel(_hill_curves(rng, means, normalised=False), normalised=False),
            channel_spend=None,
            shares=shares,
            effect_fraction=rng.uniform(0.3, 0.42),
            baseline=base,
            noise_sd=rng.uniform(0.02, 0.04),
            extra={"event_trade_fair": fair, "market_index": market},
            events=("event_trade_fair",),
            controls=("market_index",),
            truth={"baseline": "level * (1 + growth)**t * (1 + season)", "growth_per_week": round(growth, 5)},
        )
    )


def logistic_bursts(seed: int) -> Case:
    """Logistic saturation, spend in on/off flights (many zero weeks), concave trend; content 45-75 %."""
    rng = np.random.default_rng([seed, 3])
    index = _weeks(156)
    data_index = index[BURN_IN_WEEKS:]
    n = len(data_index)
    means = _mean_spend(rng)
    flights = {"content": ((3, 8), (2, 6)), "design": ((2, 5), (3, 9)), "technology": ((4, 10), (2, 6))}
    columns = {c: _split_columns(rng, c, _on_off(rng, index, means[i], *flights[c])) for i, c in enumerate(CATS)}
    content = rng.uniform(0.45, 0.75)
    shares = np.array([content, *_split_rest(rng, content)])
    decay = np.array([rng.uniform(0.2, 0.6), rng.uniform(0.1, 0.4), rng.uniform(0.3, 0.7)])
    curves = {"decay": decay, "half_saturation": means * rng.uniform(0.4, 1.2, 3), "shape": np.ones(3)}
    christmas, july = _flags(data_index)
    fair = _trade_fairs(rng, data_index)
    market = _market_index(rng, n)
    level = rng.uniform(10_000, 16_000)
    base = (
        level * (1.0 + rng.uniform(0.15, 0.35) * np.log1p(np.arange(n) / rng.uniform(8.0, 30.0)) / np.log1p(n / 15))
        + _season(rng, data_index, level * rng.uniform(0.05, 0.12))
        - level * rng.uniform(0.2, 0.35) * christmas
        - level * rng.uniform(0.1, 0.25) * july
        + level * rng.uniform(0.1, 0.2) * fair
        + level * 0.005 * (market - 100.0)
    )
    return _assemble(
        _Spec(
            name="logistic_bursts",
            seed=seed,
            rng=rng,
            index=index,
            columns=columns,
            response=_one_channel(curves, saturation="logistic"),
            channel_spend=None,
            shares=shares,
            effect_fraction=rng.uniform(0.3, 0.45),
            baseline=base,
            noise_sd=rng.uniform(0.02, 0.04),
            extra={"event_trade_fair": fair, "market_index": market},
            events=("event_trade_fair",),
            controls=("market_index",),
            truth={"saturation": "(1 - exp(-a/k)) / (1 + exp(-a/k))", "trend": "concave (log)"},
        )
    )


def small_counts(seed: int) -> Case:
    """Two years of Poisson meeting counts around 40 a week, one column of weight 1; content 60-85 %."""
    rng = np.random.default_rng([seed, 4])
    n = 104
    index = _weeks(n)
    data_index = index[BURN_IN_WEEKS:]
    means = _mean_spend(rng)
    columns = _category_columns(rng, index, means)
    content = rng.uniform(0.6, 0.85)
    shares = np.array([content, *_split_rest(rng, content)])
    effect_fraction = rng.uniform(0.35, 0.45)
    christmas, july = _flags(data_index)
    fair = _trade_fairs(rng, data_index, per_year=4)
    level = 40.0 * (1.0 - effect_fraction) / 0.97  # the dips take ~3 % off the mean
    base = (
        level * (1.0 + rng.uniform(-0.05, 0.15) * np.arange(n) / n)
        + _season(rng, data_index, level * rng.uniform(0.05, 0.12))
        - level * rng.uniform(0.2, 0.35) * christmas
        - level * rng.uniform(0.1, 0.25) * july
        + level * rng.uniform(0.15, 0.3) * fair
    )
    return _assemble(
        _Spec(
            name="small_counts",
            seed=seed,
            rng=rng,
            index=index,
            columns=columns,
            response=_one_channel(_hill_curves(rng, means)),
            channel_spend=None,
            shares=shares,
            effect_fraction=effect_fraction,
            baseline=base,
            noise="poisson",
            extra={"event_trade_fair": fair},
            events=("event_trade_fair",),
            single_column="enc_meetings",
        )
    )


def collinear(seed: int) -> Case:
    """Content and technology spend follow one campaign calendar (correlation ~0.9); content 65-85 %."""
    rng = np.random.default_rng([seed, 5])
    index = _weeks(156)
    means = _mean_spend(rng)
    common = _spend(rng, index, 1.0, jitter=0.15, p_burst=0.1, step_sd=0.3)
    design = _spend(rng, index, means[1], jitter=0.25, p_burst=0.06)
    content_total = means[0] * common * rng.lognormal(0.0, 0.15, len(index))
    tech_total = means[2] * (0.15 + 0.85 * common * rng.lognormal(0.0, 0.15, len(index)))
    columns = {
        "content": _split_columns(rng, "content", content_total),
        "design": _split_columns(rng, "design", design),
        "technology": _split_columns(rng, "technology", tech_total),
    }
    content = rng.uniform(0.65, 0.85)
    shares = np.array([content, *_split_rest(rng, content)])
    return _additive_hill_history("collinear", seed, rng, index, means, columns, shares)


def drifting_mix(seed: int) -> Case:
    """Sub-channels of different effectiveness whose mix drifts over the years; content 60-85 %."""
    rng = np.random.default_rng([seed, 6])
    index = _weeks(156)
    n_all = len(index)
    means = _mean_spend(rng)
    ramp = np.linspace(0.0, 1.0, n_all)[:, None]
    columns, names, category, effectiveness, decay, k, shape, spend = {}, [], [], [], [], [], [], []
    for i, c in enumerate(CATS):
        total = _spend(rng, index, means[i], **({"fixed": 0.3} if c == "technology" else {}))
        cols = SPEND_COLUMNS[c]
        start, end = rng.dirichlet(np.full(len(cols), 3.0)), rng.dirichlet(np.full(len(cols), 3.0))
        mix = (1 - ramp) * start + ramp * end
        mix = mix * rng.lognormal(0.0, 0.1, mix.shape)
        mix /= mix.sum(axis=1, keepdims=True)
        columns[c] = _split_columns(rng, c, total, drift=mix)
        for col, values in columns[c].items():
            names.append(col)
            category.append(i)
            effectiveness.append(rng.lognormal(0.0, 0.6))
            decay.append(rng.uniform(0.1, 0.7))
            k.append(max(values.mean(), 1.0) * rng.uniform(0.5, 1.6))
            shape.append(rng.uniform(0.8, 2.0))
            spend.append(values)
    content = rng.uniform(0.6, 0.85)
    shares = np.array([content, *_split_rest(rng, content)])
    base, extra = _additive_baseline(rng, index[BURN_IN_WEEKS:], rng.uniform(12_000, 18_000))
    response = {
        "category": np.array(category),
        "names": tuple(names),
        "decay": np.array(decay),
        "half_saturation": np.array(k),
        "shape": np.array(shape),
        "normalised": True,
        "saturation": "hill",
        "effectiveness": np.array(effectiveness),
    }
    return _assemble(
        _Spec(
            name="drifting_mix",
            seed=seed,
            rng=rng,
            index=index,
            columns=columns,
            response=response,
            channel_spend=np.column_stack(spend),
            shares=shares,
            effect_fraction=rng.uniform(0.35, 0.45),
            baseline=base,
            noise_sd=rng.uniform(0.02, 0.04),
            extra=extra,
            events=("event_trade_fair",),
            controls=("market_index",),
            truth={"effectiveness": dict(zip(names, np.round(effectiveness, 3).tolist(), strict=True))},
        )
    )


def _stream(name: str, seed: int) -> np.random.Generator:
    """The generator's own random stream for a seed."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _multiplicative_history(name, seed, rng, index, means, columns, shares, multiplier, truth) -> Case:
    """A Hill-on-normalised-adstock history whose every encounter is scaled by ``multiplier``:
    ``expected = multiplier[t] * (level * (1 + growth * t) + trade fairs + market index + spend effects)``."""
    data_index = index[BURN_IN_WEEKS:]
    n = len(data_index)
    fair = _trade_fairs(rng, data_index)
    market = _market_index(rng, n)
    level = rng.uniform(12_000, 18_000)
    # No season or holiday terms inside: the multiplier is the season.
    base = (
        level * (1.0 + rng.uniform(-0.1, 0.25) * np.arange(n) / n)
        + level * rng.uniform(0.1, 0.2) * fair
        + level * 0.005 * (market - 100.0)
    )
    return _assemble(
        _Spec(
            name=name,
            seed=seed,
            rng=rng,
            index=index,
            columns=columns,
            response=_one_channel(_hill_curves(rng, means)),
            channel_spend=None,
            shares=shares,
            effect_fraction=rng.uniform(0.35, 0.45),
            baseline=base,
            noise_sd=rng.uniform(0.02, 0.04),
            extra={"event_trade_fair": fair, "market_index": market},
            events=("event_trade_fair",),
            controls=("market_index",),
            truth={
                "baseline": "multiplier * (level * (1 + growth * t) + events + controls + spend effects)",
                "multiplier_factors": {
                    "season_amplitude": round(multiplier.amplitude, 4),
                    "christmas": round(multiplier.christmas, 4),
                    "july": round(multiplier.july, 4),
                },
                **truth,
            },
            multiplier=multiplier,
        )
    )


def flat_licence(seed: int) -> Case:
    """Technology a flat licence fee stepped up once; multiplicative season scaling every encounter;
    content 60-80 %; technology unidentifiable."""
    name = "flat_licence"
    rng = _stream(name, seed)
    index = _weeks(156)
    means = _mean_spend(rng)
    columns = _category_columns(rng, index, means, cats=("content", "design"))
    fee = float(np.rint(means[2]))
    step = int(rng.integers(45, 76))  # the renewal's data week
    raised = float(np.rint(fee * (1.0 + rng.uniform(0.2, 0.5))))
    licence = np.where(np.arange(len(index)) < BURN_IN_WEEKS + step, fee, raised)
    columns["technology"] = _flat_columns(rng, "technology", licence)
    content = rng.uniform(0.6, 0.8)
    shares = np.array([content, *_split_rest(rng, content)])
    multiplier = Multiplier.draw(rng, july=(0.2, 0.3))
    truth = {
        "licence": {"fee": fee, "renewed_fee": raised, "renewal_week": index[BURN_IN_WEEKS + step].date().isoformat()},
        "unidentifiable": ["technology"],
    }
    return _multiplicative_history(name, seed, rng, index, means, columns, shares, multiplier, truth)


def one_week(seed: int) -> Case:
    """Technology bought in one week and working for the 52 weeks after; content 60-80 %; technology
    unidentifiable.

    The truth acts on the purchase spread evenly over its 52 weeks (through Hill on normalised
    adstock); the data record the one payment. The purchase week is at most data week 100, so the
    platform's year has ended by the end of the data. Any other technology spend, in the data or
    after it (`Case.simulate`), acts in the week it is paid, through the same adstock and Hill curve.
    """
    name = "one_week"
    rng = _stream(name, seed)
    index = _weeks(156)
    means = _mean_spend(rng)
    columns = _category_columns(rng, index, means, cats=("content", "design"))
    week = BURN_IN_WEEKS + int(rng.integers(30, 101))
    amount = float(np.rint(means[2] * rng.uniform(40.0, 60.0)))
    payment = np.zeros(len(index))
    payment[week] = amount
    columns["technology"] = _flat_columns(rng, "technology", payment)
    content = rng.uniform(0.6, 0.8)
    shares = np.array([content, *_split_rest(rng, content)])
    amortise = {"category": CATS.index("technology"), "week": week, "amount": amount, "weeks": 52}
    truth = {
        "purchase": {"week": index[week].date().isoformat(), "amount": amount, "works_weeks": 52},
        "unidentifiable": ["technology"],
    }
    return _additive_hill_history(name, seed, rng, index, means, columns, shares, amortise=amortise, truth=truth)


def technology_flat(seed: int) -> Case:
    """Technology truly generates 50-65 % on one identical weekly amount; technology unidentifiable."""
    name = "technology_flat"
    rng = _stream(name, seed)
    index = _weeks(156)
    means = _mean_spend(rng)
    columns = _category_columns(rng, index, means, cats=("content", "design"))
    columns["technology"] = _flat_columns(rng, "technology", np.full(len(index), float(np.rint(means[2]))))
    tech = rng.uniform(0.5, 0.65)
    content, design = _split_rest(rng, tech, 0.6, 0.85)
    shares = np.array([content, design, tech])
    return _additive_hill_history(
        name, seed, rng, index, means, columns, shares, truth={"unidentifiable": ["technology"]}
    )


def multiplicative_season(seed: int) -> Case:
    """Spend as in additive_hill; a multiplicative season with July and Christmas dips of a quarter
    or more scales every encounter; content 65-85 %."""
    name = "multiplicative_season"
    rng = _stream(name, seed)
    index = _weeks(156)
    means = _mean_spend(rng)
    columns = _category_columns(rng, index, means)
    content = rng.uniform(0.65, 0.85)
    shares = np.array([content, *_split_rest(rng, content)])
    multiplier = Multiplier.draw(rng, july=(0.25, 0.3))
    return _multiplicative_history(name, seed, rng, index, means, columns, shares, multiplier, {})


# -- PyMC-Marketing's example history ----------------------------------------------------------

#: Seed of the media and noise draws in PyMC-Marketing's MMM example (``sum(map(ord, "mmm"))``).
PYMC_EXAMPLE_SEED = sum(map(ord, "mmm"))
#: Euros a week per unit of the example's spend (its x1 and x2 lie in [0, 1]); only the spend
#: columns are scaled, the truth's adstock and saturation act on the example's own units.
PYMC_EXAMPLE_EUR_PER_UNIT = 20_000.0
#: The example's documented parameters (x1 is content, x2 design).
PYMC_EXAMPLE_TRUTH = {
    "alpha": {"x1": 0.4, "x2": 0.2},
    "l_max": 8,
    "normalize": True,
    "lam": {"x1": 4.0, "x2": 3.0},
    "beta": {"x1": 3.0, "x2": 2.0},
    "intercept": 2.0,
    "events": {"2019-05-13": 1.5, "2020-09-14": 2.5},
    "noise_sd": 0.25,
    "amplitude": 1000.0,
}


def _window_adstock(x: np.ndarray, alpha: float, l_max: int) -> np.ndarray:
    """PyMC-Marketing's normalised geometric adstock: weights ``alpha**l`` for lags 0..l_max-1,
    divided by their sum, with no spend before the first week."""
    w = alpha ** np.arange(l_max)
    return np.convolve(x, w / w.sum())[: len(x)]


def _logistic(x: np.ndarray, lam: float) -> np.ndarray:
    """PyMC-Marketing's logistic saturation ``(1 - exp(-lam x)) / (1 + exp(-lam x))``."""
    z = np.exp(-lam * x)
    return (1.0 - z) / (1.0 + z)


def _media(rng, n: int, threshold: float, below: float) -> np.ndarray:
    """The example's media draw: uniform on [0, 1], kept above ``threshold``, else times ``below``."""
    u = rng.uniform(low=0.0, high=1.0, size=n)
    return np.where(u > threshold, u, u * below)


def pymc_example(seed: int) -> Case:
    """PyMC-Marketing's MMM example history (x1 content, x2 design) plus a technology spend with no effect.

    The data-generating process of the example notebook
    (pymc-labs/pymc-marketing, ``docs/source/notebooks/mmm/mmm_example.ipynb``; its output is the
    repository's ``data/mmm_example.csv``), re-implemented: 179 weeks of Mondays from 2018-04-02
    to 2021-08-30 (``W-MON`` from 2018-04-01 to 2021-09-01); with ``rng = default_rng(sum(map(ord,
    "mmm")))``, ``x1 = u if u > 0.9 else u / 2`` and ``x2 = u if u > 0.8 else 0`` for uniform ``u``
    (x1's 179 draws, then x2's), then the noise ``eps ~ N(0, 0.25)``; geometric adstock over 8 lags
    with weights ``alpha**l`` divided by their sum (``normalize=True``; alpha 0.4 and 0.2), logistic
    saturation (lam 4 and 3) and

        y = 1000 * (2 + trend + season + 1.5 event_1 + 2.5 event_2
                    + 3 sat(adstock(x1)) + 2 sat(adstock(x2)) + eps),
        trend = (linspace(0, 50, 179) + 10) ** (1/4) - 1,
        season = 0.5 * (cos(2 pi d / 365.5) - sin(4 pi d / 365.5)),   d = the Monday's day of the year,

    with events in the weeks of 2019-05-13 and 2020-09-14. Seed 0 redraws x1, x2 and eps exactly
    (its weighted encounters are the published ``y`` rounded to whole encounters). The adstock
    starts from no spend, as the example's does: there is no burn-in, the first weeks carry over
    only the data's own spend. The truth (features, contributions, shares) is computed exactly so;
    only the future response (`Case.simulate`, `Case.horizon_totals`) continues the carryover with
    the untruncated recursion of `Response`, whose weights differ from the 8-lag window's by the
    window's missing tail, ``alpha**8`` (under 0.07 %).

    Our additions: the spend columns are x1 and x2 in euros (times ``PYMC_EXAMPLE_EUR_PER_UNIT``;
    the truth acts on the example's units), a technology column drawn like x1 from its own stream
    that generates nothing (share 0), and one encounter column ``enc_web`` of weight 1 holding
    ``y`` (whole encounters, about 3,000-8,500 a week). x1, x2 and the curves are the same for
    every seed (the truth's shares too); the seed draws the technology spend and, from seed 1 on,
    the noise. The example has no control column; its events are ``event_1`` and ``event_2``.
    No experiment can be overlaid (`with_experiment` needs a history with a burn-in).
    """
    doc = PYMC_EXAMPLE_TRUTH
    dates = pd.date_range(start="2018-04-01", end="2021-09-01", freq="W-MON")
    n = len(dates)
    documented = np.random.default_rng(seed=PYMC_EXAMPLE_SEED)
    x1 = _media(documented, n, 0.9, 0.5)
    x2 = _media(documented, n, 0.8, 0.0)
    own = np.random.default_rng([seed, zlib.crc32(b"pymc_example")])
    x3 = _media(own, n, 0.9, 0.5)  # technology: spent like x1, without effect
    eps = documented.normal(0.0, doc["noise_sd"], n) if seed == 0 else own.normal(0.0, doc["noise_sd"], n)

    units = np.column_stack([x1, x2, x3])
    decay = np.array([doc["alpha"]["x1"], doc["alpha"]["x2"], doc["alpha"]["x1"]])
    lam = np.array([doc["lam"]["x1"], doc["lam"]["x2"], doc["lam"]["x1"]])
    carried = np.column_stack([_window_adstock(units[:, j], decay[j], doc["l_max"]) for j in range(3)])
    # technology's feature is x1's curve on its spend: what a model could wrongly credit it with
    feature = np.column_stack([_logistic(carried[:, j], lam[j]) for j in range(3)])
    amplitude = doc["amplitude"]
    coef = amplitude * np.array([doc["beta"]["x1"], doc["beta"]["x2"], 0.0])
    contrib = feature * coef

    day = np.asarray(dates.day_of_year, dtype=float)
    trend = (np.linspace(start=0.0, stop=50, num=n) + 10) ** (1 / 4) - 1
    season = 0.5 * (-np.sin(2 * 2 * np.pi * day / 365.5) + np.cos(1 * 2 * np.pi * day / 365.5))
    events = {f"event_{i}": np.asarray(dates == day_, dtype=int) for i, day_ in enumerate(doc["events"], start=1)}
    lift = sum(size * events[f"event_{i}"] for i, size in enumerate(doc["events"].values(), start=1))
    baseline = amplitude * (doc["intercept"] + trend + season + lift)
    expected = baseline + contrib.sum(axis=1)

    eur = units * PYMC_EXAMPLE_EUR_PER_UNIT
    columns = {"content": "content_x1_eur", "design": "design_x2_eur", "technology": "tech_no_effect_eur"}
    data_index = pd.DatetimeIndex(dates, name="week_start")
    frame = pd.DataFrame({"week_start": data_index})
    frame["enc_web"] = np.round(expected + amplitude * eps).astype(int)
    for j, c in enumerate(CATS):
        frame[columns[c]] = eur[:, j]
    for name, values in events.items():
        frame[name] = values

    response = Response(
        category=np.arange(len(CATS)),
        names=tuple(CATS),
        decay=decay,
        half_saturation=PYMC_EXAMPLE_EUR_PER_UNIT / lam,  # a/k = lam * (the example's units)
        shape=np.ones(len(CATS)),
        beta=coef,
        normalised=True,
        saturation="logistic",
        mix=np.ones(len(CATS)),
    )
    totals = contrib.sum(axis=0)
    shares = totals / totals.sum()
    truth = {
        "generator": "pymc_example",
        "seed": seed,
        "shares": dict(zip(CATS, np.round(shares, 4).tolist(), strict=True)),
        "effect_fraction": float(contrib.sum() / expected.sum()),
        "noise": f"gaussian sd {amplitude * doc['noise_sd']:.0f} encounters",
        "channels": {
            c: {
                "category": c,
                "decay": float(decay[j]),
                "half_saturation": round(float(response.half_saturation[j]), 1),
                "shape": 1.0,
                "beta": float(coef[j]),
            }
            for j, c in enumerate(CATS)
        },
        "source": "pymc-labs/pymc-marketing docs/source/notebooks/mmm/mmm_example.ipynb (data/mmm_example.csv)",
        "documented": {**doc, "seed": PYMC_EXAMPLE_SEED},
        "eur_per_unit": PYMC_EXAMPLE_EUR_PER_UNIT,
        "no_effect": ["technology"],
        "unidentifiable": [],
    }
    return Generated(
        name="pymc_example",
        seed=seed,
        frame=frame,
        params=_params("pymc_example", seed, {"enc_web": 1.0}, {c: [columns[c]] for c in CATS}, events, ()),
        contributions=pd.DataFrame(contrib, index=data_index, columns=CATS),
        features=pd.DataFrame(feature, index=data_index, columns=CATS),
        coefficients=pd.Series(coef, index=CATS, name="coefficient"),
        spend=pd.DataFrame(eur, index=data_index, columns=CATS),
        baseline=pd.Series(baseline, index=data_index, name="baseline"),
        expected=pd.Series(expected, index=data_index, name="expected"),
        last_state=pd.Series(carried[-1] * PYMC_EXAMPLE_EUR_PER_UNIT, index=list(CATS), name="last_state"),
        response=response,
        truth=truth,
    )


#: Generator name -> function of the seed returning a Case.
GENERATORS: dict[str, Callable[[int], Generated]] = {
    "additive_hill": additive_hill,
    "multiplicative_baseline": multiplicative_baseline,
    "logistic_bursts": logistic_bursts,
    "no_effect": no_effect,
    "small_counts": small_counts,
    "technology_driven": technology_driven,
    "collinear": collinear,
    "drifting_mix": drifting_mix,
    "flat_licence": flat_licence,
    "one_week": one_week,
    "technology_flat": technology_flat,
    "multiplicative_season": multiplicative_season,
    "pymc_example": pymc_example,
}


def make(name: str, seed: int = 0) -> Generated:
    """Generate one case.

    Parameters
    ----------
    name : str
        A key of GENERATORS.
    seed : int, default 0
        Seeds the truth (curves, shares, spend levels), the spend history and the noise.

    Returns
    -------
    Case

    Raises
    ------
    ValueError
        If the generator is unknown.

    Examples
    --------
    >>> case = make("no_effect", seed=3)
    >>> float(case.true_shares()["design"])
    0.0
    """
    if name not in GENERATORS:
        raise ValueError(f"unknown generator {name!r}; choose one of {', '.join(GENERATORS)}")
    return GENERATORS[name](int(seed))


def without_spend_effect(case: Generated) -> pd.DataFrame:
    """The case's data as they would be if spend generated nothing.

    Every encounter column is scaled week by week by ``baseline / expected``, so the baseline, its
    season and events and the noise stay and the spend effect goes; counts are rounded. The spend
    columns are unchanged, so a model sees the same spend with no effect behind it.
    """
    frame = case.frame.copy()
    ratio = (case.baseline / case.expected).to_numpy()
    for column in case.params["data"]["encounters"]:
        frame[column] = (frame[column].to_numpy() * ratio).round()
    return frame


# -- experiments -------------------------------------------------------------------------------


def _whole_euros(parts: np.ndarray, total: int) -> np.ndarray:
    """Round each row of ``parts`` to whole euros that add up to ``total`` (largest remainders).

    Flooring keeps ``spend + part`` >= 0 wherever the unrounded sum is (spend is whole euros).
    """
    low = np.floor(parts)
    short = np.rint(total - low.sum(axis=1)).astype(int)  # 0 .. columns - 1
    order = np.argsort(-(parts - low), axis=1, kind="stable")
    for i, k in enumerate(short):
        low[i, order[i, :k]] += 1.0
    return low


def with_experiment(
    case: Generated,
    category: str,
    start,
    weeks: int,
    change_eur_per_week: float | str,
    *,
    measured_weeks_after: int = 0,
    se: float | None = None,
    seed: int = 0,
) -> tuple[Generated, dict, float]:
    """Overlay a lift test on a case: a spend change in a window of weeks, and its lift measured with noise.

    The new case is the old one with the category's spend changed by ``change_eur_per_week`` in
    each of the ``weeks`` weeks from ``start``, spread over the category's spend columns in
    proportion to their spend that week (whole euros, as the frame holds them), and everything
    that follows from spend recomputed from the truth: ``frame``, ``spend``, ``features``,
    ``contributions``, ``expected``, ``last_state`` and the response's future mix. The noise is
    the original draw: Gaussian cases keep their noise and channel proportions, so only the
    experiment's effect differs; count cases keep their counts, add Poisson counts where the
    expected encounters rose and thin them binomially where they fell (both exact for Poisson
    counts), so a change of 0 returns the case unchanged.

    Parameters
    ----------
    case : Case
        A case from `make` (or from an earlier `with_experiment`: experiments can be stacked).
    category : {"content", "design", "technology"}
        The category whose spend changes.
    start : datetime.date, str, pandas.Timestamp or int
        The window's first week: a day in it, or its position among the data's weeks (0 = first).
    weeks : int
        Length of the window in weeks (at least 2, as the params require).
    change_eur_per_week : float or "off"
        Change against the history's spend in each window week (EUR/week, rounded to whole euros);
        negative for a cut, which must not exceed the category's spend in any window week.
        ``"off"`` switches the category's spend off in the window (an on/off test): every window
        week's spend becomes 0, and the entry's change is minus the window's mean weekly spend (in
        whole euros), as the one who switched it off would report the usual spend.
    measured_weeks_after : int, default 0
        Weeks after the window that the lift is measured over too (they must lie in the data).
    se : float, optional
        Standard error of the measured lift; default 25 % of the true lift's absolute value, and
        at least 1 % of the mean weekly expected encounters.
    seed : int, default 0
        Seeds the measurement noise (and the extra or thinned counts of a count case). The stream
        also depends on the experiment's name (category and first week), so several experiments
        overlaid with the same seed get independent errors.

    Returns
    -------
    (case, entry, true_lift) : tuple of Case, dict and float
        ``entry`` is a raw params entry for the ``experiments`` list, ready for
        `planner.reading.params.load_dict`: ``name`` (``"<category>_<first Monday>"``), ``category``,
        ``start`` (the first week's Monday) and ``end`` (the last week's Sunday) as ISO dates,
        ``spend_change_eur_per_week``, ``lift`` (the true lift plus Gaussian noise of sd ``se``),
        ``lift_se`` and ``measured_weeks_after``. ``true_lift`` is the true extra weighted
        encounters (with the change minus without it, window plus measured weeks after); it is
        also recorded in the new case's ``truth["experiments"]``. The case's ``params`` are left
        as they were: add the entry to ``params["experiments"]`` to calibrate with it.

    Raises
    ------
    ValueError
        For an unknown category, a window shorter than two weeks or outside the data (measured
        weeks included), or a cut larger than the category's spend in a window week.

    Examples
    --------
    >>> case = make("additive_hill", seed=1)
    >>> tested, entry, true_lift = with_experiment(case, "design", "2023-03-06", 4, 3000.0)
    >>> entry["name"], entry["end"]
    ('design_2023-03-06', '2023-04-02')
    >>> bool(true_lift > 0)
    True
    """
    history = case.history
    if not history:
        raise ValueError(f"case {case.name!r} holds no spend history to regenerate: no experiment can be overlaid")
    if category not in CATS:
        raise ValueError(f"unknown category {category!r}; choose one of {', '.join(CATS)}")
    index = pd.DatetimeIndex(case.spend.index)
    n = len(index)
    if isinstance(start, int | np.integer):
        first = int(start)
    else:
        day = pd.Timestamp(start)
        first = int((day.normalize() - pd.Timedelta(days=day.weekday()) - index[0]).days // 7)
    weeks, after = int(weeks), int(measured_weeks_after)
    if weeks < 2:
        raise ValueError(f"an experiment needs a window of at least two weeks (got {weeks})")
    if after < 0:
        raise ValueError(f"measured_weeks_after must be 0 or more (got {after})")
    last = first + weeks - 1
    if first < 0 or last + after >= n:
        raise ValueError(
            f"the window (weeks {first}..{last}) plus {after} measured week(s) after it must lie within the "
            f"data's {n} weeks ({index[0].date()}..{index[-1].date()})"
        )
    off = isinstance(change_eur_per_week, str)
    if off and change_eur_per_week != "off":
        raise ValueError(f"change_eur_per_week must be a number or 'off' (got {change_eur_per_week!r})")
    change = 0.0 if off else float(np.rint(change_eur_per_week))

    # the spend: the change spread over the category's columns by their spend in each week
    columns = {c: {col: np.array(v, dtype=float) for col, v in cols.items()} for c, cols in history["columns"].items()}
    rows = np.arange(BURN_IN_WEEKS + first, BURN_IN_WEEKS + last + 1)
    names = list(columns[category])
    block = np.column_stack([columns[category][col][rows] for col in names])
    total = block.sum(axis=1)
    if off:
        change = -float(np.rint(total.mean()))
        if change == 0:
            raise ValueError(f"{category} has no spend in the window to switch off")
        block = np.zeros_like(block)
    elif change < 0 and np.any(total + change < 0):
        bad = [f"{index[first + i].date()} ({total[i]:,.0f} EUR)" for i in np.flatnonzero(total + change < 0)]
        raise ValueError(
            f"a cut of {-change:,.0f} EUR/week is larger than the {category} spend in the week(s) of {', '.join(bad)}"
        )
    else:
        overall = block.sum(axis=0) if block.sum() > 0 else np.ones(len(names))
        weights = np.where(
            total[:, None] > 0, block / np.where(total > 0, total, 1.0)[:, None], overall / overall.sum()
        )
        block = block + _whole_euros(change * weights, int(change))
    for j, col in enumerate(names):
        columns[category][col][rows] = block[:, j]

    # the truth's response to the new spend
    cat_spend, x = _spend_arrays(columns, history["per_column"])
    r = case.response
    mix = _future_mix(cat_spend, x, r.category)
    unit = replace(r, beta=np.ones(len(r.category)), mix=mix)
    acting = _acting_spend(x, history.get("amortise"))
    state, feature = _true_features(unit, acting, history["effectiveness"], history.get("multiplier"))
    coef = case.coefficients.to_numpy()
    contrib = feature * coef
    expected = case.baseline.to_numpy() + contrib.sum(axis=1)
    old = case.expected.to_numpy()
    measured = slice(first, last + after + 1)
    true_lift = float(expected[measured].sum() - old[measured].sum())

    name = f"{category}_{index[first].date().isoformat()}"
    rng = np.random.default_rng([int(seed), zlib.crc32(name.encode())])
    sd = float(se) if se is not None else max(0.25 * abs(true_lift), 0.01 * float(old.mean()))
    lift = true_lift + float(rng.normal(0.0, sd))

    frame = case.frame.copy()
    for col in names:
        frame[col] = columns[category][col][BURN_IN_WEEKS:].astype(int)
    if history["noise"] == "poisson":
        col = history["single_column"]
        counts = frame[col].to_numpy().astype(np.int64)
        lam_old, lam_new = np.maximum(old, 0.0), np.maximum(expected, 0.0)
        extra = rng.poisson(np.maximum(lam_new - lam_old, 0.0))
        keep = np.where(lam_new < lam_old, lam_new / np.where(lam_old > 0, lam_old, 1.0), 1.0)
        frame[col] = (rng.binomial(counts, keep) + extra).astype(int)
    else:
        for col, values in _gaussian_columns(expected + history["error"], history["props"]).items():
            frame[col] = values

    entry = {
        "name": name,
        "category": category,
        "start": index[first].date().isoformat(),
        "end": (index[last] + pd.Timedelta(days=6)).date().isoformat(),
        "spend_change_eur_per_week": change,
        "lift": lift,
        "lift_se": sd,
        "measured_weeks_after": after,
    }
    data_index = case.spend.index
    truth = {**case.truth, "experiments": [*case.truth.get("experiments", []), {**entry, "true_lift": true_lift}]}
    tested = replace(
        case,
        frame=frame,
        contributions=pd.DataFrame(contrib, index=data_index, columns=CATS),
        features=pd.DataFrame(feature, index=data_index, columns=CATS),
        spend=pd.DataFrame(cat_spend[BURN_IN_WEEKS:], index=data_index, columns=CATS),
        expected=pd.Series(expected, index=data_index, name="expected"),
        last_state=pd.Series(state[-1], index=case.last_state.index, name="last_state"),
        response=replace(r, mix=mix),
        truth=truth,
        history={**history, "columns": columns},
    )
    return tested, entry, true_lift


# -- the oracle --------------------------------------------------------------------------------


def oracle_shares(case: Generated, params, data) -> pd.Series:
    """Shares of a least-squares fit handed the true curves: the error the noise alone causes.

    ``y`` (the data's weighted encounters) is regressed on the case's true ``features`` and the
    model's own baseline design (`planner.inference.model.baseline_design`); the baseline is projected out and
    the spend coefficients are held >= 0 (non-negative least squares).

    Parameters
    ----------
    case : Case
        The truth behind the data.
    params : planner.reading.params.Params
        Validated params (``params.model`` sets the baseline terms).
    data : planner.reading.data.Dataset
        The case's frame as `planner.reading.data.from_frame` read it.

    Returns
    -------
    pandas.Series
        Share per category (content, design, technology); all zero if no effect is found.
    """
    from planner.inference.model import baseline_design  # the model module is heavy; load it when used

    y = np.asarray(data.y, dtype=float)
    index = pd.DatetimeIndex(data.y.index)
    design = baseline_design(index, params.model, data.events.set_axis(index), data.controls.set_axis(index))
    base = design.to_numpy(dtype=float)
    feats = case.features.reindex(index)[CATS].to_numpy(dtype=float)

    def resid(a):
        coef, *_ = np.linalg.lstsq(base, a, rcond=None)
        return a - base @ coef

    coef, _ = nnls(resid(feats), resid(y))
    totals = coef * feats.sum(axis=0)
    shares = totals / totals.sum() if totals.sum() > 0 else np.zeros(len(CATS))
    return pd.Series(shares, index=CATS, name="oracle")
