"""Tests for planner.generators: the calibration benchmark's truths and its oracle."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from planner import CATEGORIES
from planner.data import from_frame
from planner.generators import GENERATORS, Case, make, oracle_shares
from planner.params import load_dict

CATS = list(CATEGORIES)


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    return {name: make(name, seed=1) for name in GENERATORS}


def _read(case: Case):
    params = load_dict(case.params, "generated.yaml")
    return params, from_frame(case.frame, params, source=case.name)


def test_unknown_generator_is_named():
    with pytest.raises(ValueError, match="unknown generator 'nope'"):
        make("nope", 0)


@pytest.mark.parametrize("name", list(GENERATORS))
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
    assert data.weeks == len(case.contributions) == (104 if name == "small_counts" else 156)
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
    if name != "small_counts":
        assert {"event_trade_fair", "market_index"} <= set(case.frame.columns)
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


@pytest.mark.parametrize("name", list(GENERATORS))
def test_simulate_continues_the_history(name, cases):
    case = cases[name]
    last = case.spend.iloc[-13:].to_numpy()
    again = case.simulate(last)
    assert again.shape == (13, 3)
    assert case.simulate(last, draws=True).shape == (1, 13, 3)
    # the same spend again gives contributions of the size the last weeks had
    recent = case.contributions.iloc[-13:].to_numpy().sum(axis=0)
    np.testing.assert_allclose(again.sum(axis=0), recent, rtol=0.35, atol=1e-9)
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
