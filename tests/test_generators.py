"""Tests for planner.simulate.generators: the calibration benchmark's truths and its oracle."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from planner import CATEGORIES
from planner.inference.transforms import adstock, hill
from planner.reading.data import from_frame
from planner.reading.params import ParamsError, load_dict
from planner.simulate.generators import (
    GENERATORS,
    PYMC_EXAMPLE_EUR_PER_UNIT,
    PYMC_EXAMPLE_SEED,
    Case,
    make,
    oracle_shares,
    with_experiment,
)

CATS = list(CATEGORIES)
#: Generators whose truth is a published one, the same for every seed.
FIXED_TRUTH = ("pymc_example",)
#: Generators with a history that `with_experiment` can regenerate.
WITH_HISTORY = [name for name in GENERATORS if name not in FIXED_TRUTH]
#: Weeks of data where not the usual three years.
WEEKS = {"small_counts": 104, "pymc_example": 179}


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    return {name: make(name, seed=1) for name in GENERATORS}


def _read(case: Case):
    params = load_dict(case.params, "generated.yaml")
    return params, from_frame(case.frame, params, source=case.name)


def test_unknown_generator_is_named():
    with pytest.raises(ValueError, match="unknown generator 'nope'"):
        make("nope", 0)


@pytest.mark.parametrize("name", [name for name in GENERATORS if name not in FIXED_TRUTH])
def test_same_seed_same_case_other_seed_other_truth(name):
    a, b, c = make(name, 4), make(name, 4), make(name, 5)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_series_equal(a.true_shares(), b.true_shares())
    # another seed is another truth, not only other noise
    assert not np.allclose(a.true_shares(), c.true_shares(), atol=1e-3)
    assert not np.allclose(a.response.decay, c.response.decay)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_case_reads_as_user_data(name, cases):
    case = cases[name]
    params, data = _read(case)
    assert "model" not in case.params  # the model runs with its defaults, as for a new user
    assert (case.frame["week_start"].dt.day_of_week == 0).all()
    assert data.weeks == len(case.contributions) == WEEKS.get(name, 156)
    assert data.warnings == []
    shares = case.true_shares()
    assert list(shares.index) == CATS
    assert shares.sum() == pytest.approx(1.0)
    assert (shares >= 0).all()
    # contributions are the coefficient times the true feature, as the oracle assumes
    np.testing.assert_allclose(case.contributions, case.features * case.coefficients, rtol=1e-9, atol=1e-9)
    # realistic euros: thousands to tens of thousands a week per category
    assert ((case.spend.mean() > 1_000) & (case.spend.mean() < 60_000)).all()
    # the spend columns of the frame add up to the spend the truth used
    np.testing.assert_allclose(data.spend[CATS].to_numpy(), case.spend.to_numpy())
    if name not in ("small_counts", "pymc_example"):
        assert {"event_trade_fair", "market_index"} <= set(case.frame.columns)
    if name != "small_counts":
        noise = (data.y - case.expected.to_numpy()).std() / data.y.mean()
        assert 0.01 < noise < 0.06


def test_no_effect_design_generates_nothing(cases):
    case = cases["no_effect"]
    assert case.true_shares()["design"] == 0.0
    assert (case.contributions["design"] == 0).all()
    assert case.spend["design"].std() / case.spend["design"].mean() > 0.2  # its spend does vary
    assert case.simulate(np.full((13, 3), 10_000.0))[:, 1].sum() == 0.0


def test_small_counts_are_whole_counts_near_forty(cases):
    case = cases["small_counts"]
    assert list(case.params["data"]["encounters"].items()) == [("enc_meetings", 1.0)]
    counts = case.frame["enc_meetings"]
    assert pd.api.types.is_integer_dtype(counts) and (counts >= 0).all()
    assert 30 < counts.mean() < 50
    assert 30 < case.expected.mean() < 50


def test_technology_driven_truth(cases):
    for seed in range(3):
        assert 0.6 <= make("technology_driven", seed).true_shares()["technology"] <= 0.7


def test_collinear_spend_moves_together(cases):
    corr = cases["collinear"].spend.corr()
    assert corr.loc["content", "technology"] > 0.8
    assert abs(corr.loc["content", "design"]) < 0.5


def test_logistic_bursts_have_zero_weeks(cases):
    case = cases["logistic_bursts"]
    assert ((case.spend == 0).mean() > 0.2).all()
    assert (case.spend.iloc[-13:].sum() > 0).all()  # a current split exists for the plan


def test_drifting_mix_drifts(cases):
    case = cases["drifting_mix"]
    cols = case.params["data"]["spend"]["content"]
    mix = case.frame[cols].div(case.frame[cols].sum(axis=1), axis=0)
    assert (mix.iloc[:26].mean() - mix.iloc[-26:].mean()).abs().max() > 0.05
    assert len(case.response.names) > 3


def _documented_example(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x1, x2 and the weekly y of PyMC-Marketing's MMM example, written out from its notebook."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start="2018-04-01", end="2021-09-01", freq="W-MON")
    n = len(dates)
    u1 = rng.uniform(0.0, 1.0, n)
    x1 = np.where(u1 > 0.9, u1, u1 / 2)
    u2 = rng.uniform(0.0, 1.0, n)
    x2 = np.where(u2 > 0.8, u2, 0)

    def carried(x, alpha):  # 8 lags, weights divided by their sum, nothing before the first week
        w = alpha ** np.arange(8) / (alpha ** np.arange(8)).sum()
        return np.array([sum(w[k] * x[t - k] for k in range(min(8, t + 1))) for t in range(n)])

    def saturated(x, lam):
        return (1 - np.exp(-lam * x)) / (1 + np.exp(-lam * x))

    day = dates.day_of_year.to_numpy()
    y = 1000.0 * (
        2.0
        + (np.linspace(0.0, 50, n) + 10) ** (1 / 4)
        - 1
        + 0.5 * (-np.sin(4 * np.pi * day / 365.5) + np.cos(2 * np.pi * day / 365.5))
        + 1.5 * (dates == "2019-05-13")
        + 2.5 * (dates == "2020-09-14")
        + 3.0 * saturated(carried(x1, 0.4), 4.0)
        + 2.0 * saturated(carried(x2, 0.2), 3.0)
        + rng.normal(0.0, 0.25, n)
    )
    return x1, x2, y


def test_pymc_example_seed_0_is_the_documented_history(cases):
    case = make("pymc_example", 0)
    assert PYMC_EXAMPLE_SEED == 327
    x1, x2, y = _documented_example(PYMC_EXAMPLE_SEED)
    params, data = _read(case)
    np.testing.assert_allclose(case.spend["content"] / PYMC_EXAMPLE_EUR_PER_UNIT, x1, rtol=1e-12)
    np.testing.assert_allclose(case.spend["design"] / PYMC_EXAMPLE_EUR_PER_UNIT, x2, rtol=1e-12)
    assert list(params.data.encounters.items()) == [("enc_web", 1.0)]
    assert params.data.events == ["event_1", "event_2"] and params.data.controls == []
    np.testing.assert_array_equal(case.frame["enc_web"], np.round(y))
    assert case.frame["week_start"].iloc[0] == pd.Timestamp("2018-04-02")
    assert case.frame.loc[case.frame["event_1"] == 1, "week_start"].tolist() == [pd.Timestamp("2019-05-13")]
    # the truth adds up: baseline plus the spend effects, each the coefficient times the feature
    np.testing.assert_allclose(case.baseline + case.contributions.sum(axis=1), case.expected, rtol=1e-12)
    np.testing.assert_allclose(case.contributions, case.features * case.coefficients, rtol=1e-12)
    # the first week carries over no spend from before the data: its state is the window's first weight
    w0 = 1 / (0.4 ** np.arange(8)).sum()
    first = (1 - np.exp(-4 * w0 * x1[0])) / (1 + np.exp(-4 * w0 * x1[0]))
    assert case.features["content"].iloc[0] == pytest.approx(first, rel=1e-12)


def test_pymc_example_truth_is_the_documented_one(cases):
    case = cases["pymc_example"]
    doc = case.truth["documented"]
    assert doc["alpha"] == {"x1": 0.4, "x2": 0.2} and doc["l_max"] == 8 and doc["normalize"] is True
    assert doc["lam"] == {"x1": 4.0, "x2": 3.0}
    assert doc["beta"] == {"x1": 3.0, "x2": 2.0}
    assert case.truth["unidentifiable"] == []
    np.testing.assert_array_equal(case.response.decay[:2], [0.4, 0.2])
    # the curves act on the example's units: a / k = lam * (euros / euros per unit)
    np.testing.assert_allclose(case.response.half_saturation[:2] * [4.0, 3.0], PYMC_EXAMPLE_EUR_PER_UNIT)
    np.testing.assert_allclose(case.coefficients, [3000.0, 2000.0, 0.0])
    shares = case.true_shares()
    totals = case.contributions.sum()
    assert shares["content"] == pytest.approx(totals["content"] / (totals["content"] + totals["design"]))
    assert shares["technology"] == 0.0


def test_pymc_example_technology_generates_nothing(cases):
    case = cases["pymc_example"]
    assert (case.contributions["technology"] == 0).all()
    tech, content = case.spend["technology"], case.spend["content"]
    assert tech.std() / tech.mean() > 0.5  # it varies like x1 does
    assert 0.7 < tech.mean() / content.mean() < 1.4
    assert abs(np.corrcoef(tech, content)[0, 1]) < 0.3
    assert case.simulate(np.full((13, 3), 10_000.0))[:, 2].sum() == 0.0


def test_pymc_example_seeds_draw_technology_and_noise_only():
    a, b, c = make("pymc_example", 3), make("pymc_example", 3), make("pymc_example", 4)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    spend = ["content_x1_eur", "design_x2_eur"]
    pd.testing.assert_frame_equal(a.frame[spend], c.frame[spend])
    pd.testing.assert_series_equal(a.true_shares(), c.true_shares())
    assert not np.allclose(a.frame["tech_no_effect_eur"], c.frame["tech_no_effect_eur"])
    assert not np.allclose(a.frame["enc_web"], c.frame["enc_web"])
    noise = a.frame["enc_web"] - a.expected.to_numpy()
    assert 200 < noise.std() < 300  # the example's sd of 0.25 times its amplitude of 1000


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pymc_example_oracle_recovers_the_shares(seed):
    case = make("pymc_example", seed)
    params, data = _read(case)
    got = oracle_shares(case, params, data)
    assert (got - case.true_shares()).abs().max() < 0.03


def test_pymc_example_takes_no_experiment(cases):
    with pytest.raises(ValueError, match="no experiment can be overlaid"):
        with_experiment(cases["pymc_example"], "content", 30, 4, 1000.0)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_simulate_continues_the_history(name, cases):
    case = cases[name]
    last = case.spend.iloc[-13:].to_numpy()
    again = case.simulate(last)
    assert again.shape == (13, 3)
    assert case.simulate(last, draws=True).shape == (1, 13, 3)
    # the same spend again gives contributions of the size the last weeks had (one_week's platform
    # leaves a trace of carryover in the last weeks that no spend continues)
    recent = case.contributions.iloc[-13:].to_numpy().sum(axis=0)
    np.testing.assert_allclose(again.sum(axis=0), recent, rtol=0.35, atol=1e-4 * recent.sum())
    # no spend: only the carryover, fading away from where the data ended
    fade = case.simulate(np.zeros((30, 3))).sum(axis=1)
    assert fade[0] > 0 and fade[-1] < 0.2 * fade[0]
    # the vectorised horizon totals equal the summed simulation
    weekly = np.array([[9_000.0, 4_000.0, 20_000.0], [1_000.0, 0.0, 50_000.0]])
    for row, totals in zip(weekly, case.horizon_totals(weekly, 13), strict=True):
        np.testing.assert_allclose(totals, case.simulate(np.tile(row, (13, 1))).sum(axis=0), rtol=1e-9)
    with pytest.raises(ValueError, match="must not be negative"):
        case.simulate(-last)


def test_simulate_is_monotone_and_saturating(cases):
    case = cases["multiplicative_baseline"]
    lows, highs = (case.horizon_totals(np.full((1, 3), v), 13)[0] for v in (10_000.0, 20_000.0))
    huge = case.horizon_totals(np.full((1, 3), 1e9), 13)[0]
    assert (highs > lows).all()
    assert (huge <= 13 * case.response.beta + 1e-6).all()


@pytest.mark.parametrize("name", ["additive_hill", "logistic_bursts", "drifting_mix"])
def test_oracle_recovers_a_noise_free_truth(name, cases):
    case = cases[name]
    params, _ = _read(case)
    # noise-free encounters whose baseline the model's design can express exactly
    frame = case.frame.copy()
    for col in params.data.encounters:
        frame[col] = 0
    first = next(iter(params.data.encounters))
    weights = params.data.encounters[first]
    frame[first] = (20_000.0 + case.contributions.sum(axis=1).to_numpy()) / weights
    clean = replace(case, frame=frame)
    data = from_frame(clean.frame, params, source="noise-free")
    got = oracle_shares(clean, params, data)
    np.testing.assert_allclose(got.to_numpy(), case.true_shares().to_numpy(), atol=0.005)


def test_oracle_is_close_on_the_noisy_model_like_case(cases):
    case = cases["additive_hill"]
    params, data = _read(case)
    got = oracle_shares(case, params, data)
    assert got.sum() == pytest.approx(1.0)
    assert (got - case.true_shares()).abs().max() < 0.08


# -- experiments overlaid on a history -----------------------------------------------------------


def _same_case(a: Case, b: Case) -> None:
    """Bit for bit: the frame, everything derived from spend, and the truth's future mix."""
    assert a.frame.equals(b.frame)
    for field in ("contributions", "features", "spend"):
        np.testing.assert_array_equal(getattr(a, field).to_numpy(), getattr(b, field).to_numpy())
    np.testing.assert_array_equal(a.expected.to_numpy(), b.expected.to_numpy())
    np.testing.assert_array_equal(a.last_state.to_numpy(), b.last_state.to_numpy())
    np.testing.assert_array_equal(a.response.mix, b.response.mix)


@pytest.mark.parametrize("name", WITH_HISTORY)
def test_a_change_of_zero_reproduces_the_case(name, cases):
    case = cases[name]
    # in the last 13 weeks too, where the spend sets the truth's future mix
    for start in (30, len(case.spend) - 6):
        again, entry, true_lift = with_experiment(case, "design", start, 4, 0.0)
        _same_case(again, case)
        assert true_lift == 0.0
        # the measured lift is noise of the floor sd: 1 % of a week's mean encounters
        assert entry["lift_se"] == pytest.approx(0.01 * case.expected.mean())


def _content_response(case: Case, spend: np.ndarray) -> np.ndarray:
    """Content's true weekly encounters recomputed from the readable truth (rounded parameters)."""
    ch = case.truth["channels"]["content"]
    return ch["beta"] * hill(adstock(spend, ch["decay"]), ch["half_saturation"], ch["shape"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_positive_change_gives_the_true_lift_of_the_curves(seed):
    case = make("additive_hill", seed)
    tested, entry, true_lift = with_experiment(case, "content", 60, 4, 2000.0, measured_weeks_after=6)
    x = case.spend["content"].to_numpy()
    changed = x.copy()
    changed[60:64] += 2000.0
    reference = (_content_response(case, changed) - _content_response(case, x))[60:70].sum()
    assert true_lift > 0
    assert true_lift == pytest.approx(reference, rel=2e-3)
    assert tested.truth["experiments"] == [{**entry, "true_lift": true_lift}]
    # the carryover after the window is part of the lift: measuring the window only catches less
    _, _, window_only = with_experiment(case, "content", 60, 4, 2000.0)
    assert 0 < window_only < true_lift
    # a small cut loses about as much as a small increase adds (the curve is smooth)
    up, cut = (with_experiment(case, "content", 60, 4, v, measured_weeks_after=6)[2] for v in (500.0, -500.0))
    assert cut < 0 < up and abs(cut) == pytest.approx(up, rel=0.25)


def test_a_category_without_effect_has_no_lift(cases):
    _, _, true_lift = with_experiment(cases["no_effect"], "design", 50, 6, 5000.0, measured_weeks_after=4)
    assert true_lift == 0.0


@pytest.mark.parametrize("name", ["additive_hill", "drifting_mix", "small_counts"])
def test_only_the_window_spend_of_the_category_changes(name, cases):
    case = cases[name]
    tested, entry, _ = with_experiment(case, "technology", "2022-06-15", 5, -3001.4)
    window = np.arange(23, 28)  # 2022-06-13 is the data's week 23
    assert (entry["start"], entry["end"]) == ("2022-06-13", "2022-07-17")
    assert entry["spend_change_eur_per_week"] == -3001.0  # whole euros, as the frame holds spend
    cols = case.params["data"]["spend"]["technology"]
    others = [c for c in case.frame.columns if c not in cols and not c.startswith("enc_")]
    pd.testing.assert_frame_equal(tested.frame[others], case.frame[others])
    diff = tested.frame[cols].to_numpy() - case.frame[cols].to_numpy()
    assert tested.frame[cols].dtypes.map(pd.api.types.is_integer_dtype).all()
    assert set(np.flatnonzero(np.abs(diff).sum(axis=1))) == set(window)
    np.testing.assert_array_equal(diff.sum(axis=1)[window], -3001.0)
    # spread in proportion to each column's spend that week, to the euro
    share = case.frame[cols].to_numpy()[window] / case.spend["technology"].to_numpy()[window, None]
    np.testing.assert_allclose(diff[window], -3001.0 * share, atol=1.0)
    np.testing.assert_array_equal(tested.spend["technology"] - case.spend["technology"], diff.sum(axis=1))
    # the history before the window is untouched; the encounters change from the window on
    enc = [c for c in case.frame.columns if c.startswith("enc_")]
    pd.testing.assert_frame_equal(tested.frame[enc].iloc[:23], case.frame[enc].iloc[:23])
    assert (tested.expected.iloc[:23] == case.expected.iloc[:23]).all()
    assert (tested.expected.iloc[23:28] < case.expected.iloc[23:28]).all()
    np.testing.assert_allclose(tested.contributions, tested.features * tested.coefficients, rtol=1e-9, atol=1e-9)


def test_an_off_test_switches_the_window_spend_off(cases):
    case = cases["additive_hill"]
    tested, entry, true_lift = with_experiment(case, "design", 60, 6, "off")
    window = case.spend["design"].iloc[60:66]
    assert (tested.spend["design"].iloc[60:66] == 0).all()
    pd.testing.assert_series_equal(tested.spend["design"].iloc[:60], case.spend["design"].iloc[:60])
    pd.testing.assert_series_equal(tested.spend["design"].iloc[66:], case.spend["design"].iloc[66:])
    # the reported change is minus the usual spend, so the data minus the change is never negative
    assert entry["spend_change_eur_per_week"] == -round(float(window.mean()))
    assert true_lift < 0
    # it loses more than a cut by half the usual spend
    _, _, half = with_experiment(case, "design", 60, 6, -float(np.floor(window.min())) / 2)
    assert true_lift < half < 0
    with pytest.raises(ValueError, match="a number or 'off'"):
        with_experiment(case, "design", 60, 6, "on")


def test_gaussian_noise_is_the_original_draw(cases):
    case = cases["additive_hill"]
    tested, _, _ = with_experiment(case, "content", 40, 4, 6000.0)
    params, data = _read(case)
    _, tested_data = _read(tested)
    # the observed minus the expected encounters is the same noise (up to rounding to whole encounters)
    noise, tested_noise = data.y - case.expected.to_numpy(), tested_data.y - tested.expected.to_numpy()
    # whole encounters of weight up to 10 in three channels: the rounding moves a week by a few at most
    assert (noise - tested_noise).abs().max() < 20 < 0.05 * noise.std()


def test_counts_follow_the_expected_counts(cases):
    case = cases["small_counts"]
    tested, _, true_lift = with_experiment(case, "content", 20, 30, 20_000.0, seed=3)
    col = "enc_meetings"
    extra = tested.frame[col].iloc[20:50].sum() - case.frame[col].iloc[20:50].sum()
    assert true_lift > 30
    assert extra == pytest.approx(true_lift, abs=4 * np.sqrt(true_lift))  # Poisson sd of the added counts
    assert (tested.frame[col] >= case.frame[col]).all()  # counts are only added where the expected rose


def test_measured_lift_is_the_true_lift_with_noise_of_the_stated_se(cases):
    case = cases["additive_hill"]
    args = (case, "design", 70, 6, 3000.0)
    a, b, c = (with_experiment(*args, seed=s)[1] for s in (5, 5, 6))
    assert a == b and a["lift"] != c["lift"]
    _, first, true_lift = with_experiment(*args)
    assert first["lift_se"] == pytest.approx(max(0.25 * abs(true_lift), 0.01 * case.expected.mean()))
    z = np.array([(with_experiment(*args, se=200.0, seed=s)[1]["lift"] - true_lift) / 200.0 for s in range(400)])
    assert abs(z.mean()) < 0.15 and 0.88 < z.std() < 1.12
    # two experiments overlaid with the same seed get different errors
    errors = [
        entry["lift"] - true
        for _, entry, true in (with_experiment(case, "design", w, 6, 3000.0, se=200.0, seed=5) for w in (70, 90))
    ]
    assert errors[0] != pytest.approx(errors[1], abs=1.0)


def test_experiments_stack_and_the_entries_are_valid_params(cases):
    case = cases["collinear"]
    first, e1, t1 = with_experiment(case, "content", 30, 4, 4000.0, measured_weeks_after=2, seed=1)
    both, e2, t2 = with_experiment(first, "technology", "2023-09-04", 3, -5000.0, seed=2)
    assert [x["name"] for x in both.truth["experiments"]] == ["content_2022-08-01", "technology_2023-09-04"]
    assert t1 > 0 > t2
    raw = {**both.params, "experiments": [e1, e2]}
    params = load_dict(raw, "generated.yaml")
    data = from_frame(both.frame, params, source="with experiments")
    spec = params.experiments[1]
    assert (spec.category, spec.window_weeks, spec.se, spec.lift) == ("technology", 3, e2["lift_se"], e2["lift"])
    np.testing.assert_allclose(data.spend.to_numpy(), both.spend.to_numpy())
    assert "experiments" not in case.params  # the case's own params are left alone


def test_impossible_experiments_are_refused(cases):
    case = cases["additive_hill"]
    with pytest.raises(ValueError, match="larger than the design spend in the week"):
        with_experiment(case, "design", 10, 3, -1e6)
    with pytest.raises(ValueError, match="at least two weeks"):
        with_experiment(case, "design", 10, 1, 100.0)
    with pytest.raises(ValueError, match="must lie within the data's 156 weeks"):
        with_experiment(case, "design", 150, 4, 100.0, measured_weeks_after=3)
    with pytest.raises(ValueError, match="must lie within"):
        with_experiment(case, "design", "2021-12-27", 4, 100.0)
    with pytest.raises(ValueError, match="unknown category 'tech'"):
        with_experiment(case, "tech", 10, 3, 100.0)
    # a change of 0 is a valid overlay but not a valid experiment in params
    _, entry, _ = with_experiment(case, "design", 10, 3, 0.0)
    with pytest.raises(ParamsError, match=r"experiments\[0\].spend_change_eur_per_week: must not be 0"):
        load_dict({**case.params, "experiments": [entry]})


# -- unidentifiable categories and multiplicative seasons ----------------------------------------

UNIDENTIFIABLE = {"flat_licence": ["technology"], "one_week": ["technology"], "technology_flat": ["technology"]}
MULTIPLICATIVE = ["flat_licence", "multiplicative_season"]
NEW = ["flat_licence", "one_week", "technology_flat", "multiplicative_season"]
SHARE_RANGES = {  # (category, low, high) of the target share
    "flat_licence": ("content", 0.6, 0.8),
    "one_week": ("content", 0.6, 0.8),
    "technology_flat": ("technology", 0.5, 0.65),
    "multiplicative_season": ("content", 0.65, 0.85),
}


def _data_weeks(case: Case) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(case.spend.index)


def _all_spend(case: Case) -> np.ndarray:
    """Category spend over the burn-in and data weeks, from the history's columns."""
    cols = case.history["columns"]
    return np.column_stack([np.sum(list(cols[c].values()), axis=0) for c in CATS])


def _unscaled(case: Case, x: np.ndarray) -> np.ndarray:
    """The truth's spend-driven encounters per category over the data without any multiplier
    (every generator here has one channel per category)."""
    r = case.response
    return r.per_category(r.beta * r.saturate(r.carryover(x)))[-len(case.spend) :]


@pytest.mark.parametrize("name", list(GENERATORS))
def test_truth_names_the_unidentifiable_categories(name, cases):
    assert cases[name].truth["unidentifiable"] == UNIDENTIFIABLE.get(name, [])
    assert ("multiplier" in cases[name].truth) == (name in MULTIPLICATIVE)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_baseline_and_contributions_add_up_to_the_expected(name, cases):
    case = cases[name]
    np.testing.assert_allclose(case.baseline + case.contributions.sum(axis=1), case.expected, rtol=1e-12)


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("seed", [0, 7])
def test_true_shares_are_the_targets(name, seed):
    case = make(name, seed)
    target = pd.Series(case.truth["shares"])[CATS]
    np.testing.assert_allclose(case.true_shares(), target, atol=6e-5)  # the truth rounds to 4 digits
    cat, lo, hi = SHARE_RANGES[name]
    assert lo <= case.true_shares()[cat] <= hi
    assert (case.true_shares() > 0).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flat_licence_is_one_fee_then_one_renewed_fee(seed):
    case = make("flat_licence", seed)
    tech = _all_spend(case)[:, 2]
    step = case.spend.index.get_loc(pd.Timestamp(case.truth["licence"]["renewal_week"]))
    assert 45 <= step <= 75
    before, after = np.unique(tech[: 26 + step]), np.unique(tech[26 + step :])  # the burn-in too
    assert len(before) == len(after) == 1
    assert before[0] == np.rint(before[0]) and after[0] == np.rint(after[0])  # whole euros
    assert 1.2 <= after[0] / before[0] <= 1.5 + 1e-4
    for c in ("content", "design"):  # the other categories vary as usual
        assert case.spend[c].std() / case.spend[c].mean() > 0.2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_week_buys_technology_once_and_it_works_for_a_year(seed):
    case = make("one_week", seed)
    tech = _all_spend(case)[:, 2]
    paid = np.flatnonzero(tech)
    assert len(paid) == 1 and 26 + 30 <= paid[0] <= 26 + 100  # one data week between 30 and 100
    week, amount = paid[0], tech[paid[0]]
    assert case.truth["purchase"]["amount"] == amount
    # the truth acts on the payment spread over the 52 weeks from it, not on the payment
    amortised = np.zeros((len(tech), 3))
    amortised[week : week + 52, 2] = amount / 52
    np.testing.assert_allclose(case.contributions["technology"], _unscaled(case, amortised)[:, 2], rtol=1e-9)
    paid_once = np.zeros((len(tech), 3))
    paid_once[week, 2] = amount
    assert not np.allclose(case.contributions["technology"], _unscaled(case, paid_once)[:, 2], rtol=0.05)
    data_week = week - 26
    assert (case.contributions["technology"].iloc[:data_week] == 0).all()
    assert (case.contributions["technology"].iloc[data_week : data_week + 52] > 0).all()
    # future technology spend acts through the same curve (the platform's year is over)
    weekly = case.spend.iloc[-13:].mean().to_numpy().copy()
    assert weekly[2] == 0
    weekly[2] = amount / 52
    assert case.simulate(np.tile(weekly, (13, 1)))[:, 2].sum() > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_technology_flat_is_one_amount_every_week(seed):
    case = make("technology_flat", seed)
    tech = _all_spend(case)[:, 2]
    assert len(np.unique(tech)) == 1 and tech[0] == np.rint(tech[0]) and tech[0] > 0
    assert 0.5 <= case.true_shares()["technology"] <= 0.65
    # the flat spend gives a flat contribution: nothing in the data tells it from the baseline's level
    assert np.ptp(case.contributions["technology"].to_numpy()) < 1e-6 * case.contributions["technology"].mean()


@pytest.mark.parametrize("name", MULTIPLICATIVE)
@pytest.mark.parametrize("seed", [0, 3])
def test_the_multiplier_scales_the_spend_effects(name, seed):
    case = make(name, seed)
    index = _data_weeks(case)
    m = np.asarray(case.truth["multiplier"])
    np.testing.assert_allclose(m, case.multiplier(index))
    thu = index + pd.Timedelta(days=3)
    july = np.asarray(thu.month == 7)
    christmas = np.asarray(((thu.month == 12) & (thu.day >= 25)) | ((thu.month == 1) & (thu.day <= 7)))
    assert july.sum() >= 12 and christmas.sum() >= 4
    # the same spend without the multiplier: the ratio is the multiplier, July's lower by its factor
    ratio = case.contributions.to_numpy() / _unscaled(case, _all_spend(case))
    np.testing.assert_allclose(ratio, np.tile(m[:, None], 3), rtol=1e-9)
    season = case.multiplier.season(index)
    lo = 0.25 if name == "multiplicative_season" else 0.2
    july_factor = ratio[july, 0] / season[july]
    np.testing.assert_allclose(july_factor, 1 - case.multiplier.july, rtol=1e-9)
    assert lo <= case.multiplier.july <= 0.3
    np.testing.assert_allclose(ratio[christmas, 0] / season[christmas], 1 - case.multiplier.christmas, rtol=1e-9)
    assert 0.25 <= case.multiplier.christmas <= 0.35
    plain = ~(july | christmas)
    np.testing.assert_allclose(ratio[plain, 0], season[plain], rtol=1e-9)
    assert 0.1 <= case.multiplier.amplitude <= 0.2
    # the baseline carries the dips; inside the multiplier it has none
    inner = (case.baseline / m).to_numpy()
    summer = np.asarray(thu.month == 6) | np.asarray(thu.month == 8)
    assert case.baseline[july].mean() < 0.85 * case.baseline[summer].mean()
    assert 0.93 < inner[july].mean() / inner[summer].mean() < 1.07


@pytest.mark.parametrize("name", MULTIPLICATIVE)
def test_the_future_response_applies_the_future_weeks_multiplier(name, cases):
    case = cases[name]
    weeks = 60  # the data end in December: a Christmas, New Year and a July ahead
    spend = np.tile(case.spend.iloc[-13:].mean().to_numpy(), (weeks, 1))
    future = pd.date_range(case.spend.index[-1] + pd.Timedelta(weeks=1), periods=weeks, freq="7D")
    unscaled = replace(case, multiplier=None).simulate(spend)
    np.testing.assert_allclose(case.simulate(spend) / unscaled, np.tile(case.multiplier(future)[:, None], 3))
    july = np.asarray((future + pd.Timedelta(days=3)).month == 7)
    assert july.sum() >= 4
    ratio = case.simulate(spend)[july, 0] / unscaled[july, 0]
    np.testing.assert_allclose(ratio / case.multiplier.season(future[july]), 1 - case.multiplier.july)
    np.testing.assert_allclose(case.horizon_totals(spend[:1], weeks)[0], case.simulate(spend).sum(axis=0))
