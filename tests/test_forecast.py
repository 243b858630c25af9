"""The horizon's forecast: intervals that hold a week's actual count, its replay at another spend,
the data fingerprint, and its results.json section."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner import CATEGORIES
from planner.inference.forecast import forecast, noise_model, replay, weeks_sha256
from planner.inference.model import EncounterModel
from planner.inference.stability import truncate
from planner.plan import plan_budget
from planner.reading.data import from_frame
from planner.reading.params import load_dict
from planner.results import validate_section
from planner.simulate.generators import make

CATS = list(CATEGORIES)
HORIZON = 13


def _fitted(name: str, seed: int, hold_back: int = HORIZON, draws: int = 100):
    case = make(name, seed)
    raw = {**case.params, "model": {**case.params.get("model", {}), "draws": draws}}
    raw["plan"] = {**raw.get("plan", {}), "horizon_weeks": HORIZON}
    params = load_dict(raw, None)
    data = from_frame(case.frame, params)
    past = truncate(data, hold_back)
    model = EncounterModel(past, params.model).fit()
    plan = plan_budget(model, params.plan, past.spend)
    return data, past, model, plan


@pytest.fixture(scope="module")
def fitted():
    return _fitted("additive_hill", 0)


def test_intervals_hold_a_weeks_noise_not_only_the_parameters(fitted):
    data, past, model, plan = fitted
    fc = forecast(model, plan, data=past)
    week = fc.weekly["current"]
    # the model's own interval of the expected encounters is narrower than that of a week's count
    spend = pd.DataFrame([(plan.current.euros / HORIZON).to_numpy()] * HORIZON, index=fc.weeks, columns=CATS)
    expected = model.predict(spend)
    assert ((week["high"] - week["low"]) > (expected["total_high"] - expected["total_low"])).all()
    # and at least as wide as the noise alone would make it (80 %: +-1.28 sd of a week's noise)
    noise = noise_model(model)
    assert (week["high"] - week["low"]).min() > 2 * 1.2 * noise.sigma


def test_forecast_totals_are_baseline_plus_spend_and_the_recommended_split_is_forecast(fitted):
    _, past, model, plan = fitted
    fc = forecast(model, plan, data=past)
    for name in ("current", "recommended"):
        w = fc.weekly[name]
        np.testing.assert_allclose(w["total"], w["baseline"] + w["spend_driven"])
        assert (w["low"] < w["total"]).all() and (w["total"] < w["high"]).all()
        assert fc.totals[name]["low"] < fc.totals[name]["total"] < fc.totals[name]["high"]
    np.testing.assert_allclose(fc.weekly["current"]["baseline"], fc.weekly["recommended"]["baseline"])
    assert list(fc.weeks) == list(plan.week_index)
    section = validate_section("forecast", fc.to_dict())
    assert section.scenarios["recommended"].weeks[0].week_start == fc.weeks[0].date()
    frame = fc.to_frame()
    assert list(frame.columns) == ["scenario", "baseline", "spend_driven", "total", "low", "high"]
    assert len(frame) == 2 * HORIZON


def test_the_replay_reproduces_the_forecast_at_its_own_spend(fitted):
    _, past, model, plan = fitted
    fc = forecast(model, plan, data=past)
    spend = np.tile((plan.recommended.euros / HORIZON).to_numpy(), (HORIZON, 1))
    again = replay(fc.replay, spend, fc.interval)
    # the replay keeps a thinned set of the draws: the same expectation, the same interval
    np.testing.assert_allclose(again["weekly_total"], fc.weekly["recommended"]["total"], rtol=0.01)
    width = fc.totals["recommended"]["high"] - fc.totals["recommended"]["low"]
    assert abs((again["high"] - again["low"]) - width) < 0.25 * width


def test_weekly_intervals_calibrated_over_many_actual_weeks():
    """Backtest on generated histories: each fit forecasts the 13 weeks it did not see, at the spend
    that happened; the 80 % intervals must hold about 80 % of the actual weeks."""
    inside = []
    for name, seed in (("additive_hill", 1), ("logistic_bursts", 0), ("technology_driven", 2)):
        for hold in (HORIZON, 2 * HORIZON):
            data, past, model, plan = _fitted(name, seed, hold_back=hold, draws=100)
            fc = forecast(model, plan, data=past)
            n = past.weeks
            spend = data.spend.iloc[n : n + HORIZON][CATS].to_numpy()
            actual = data.y.iloc[n : n + HORIZON].to_numpy()
            again = replay(fc.replay, spend, fc.interval)
            inside.extend((actual >= again["weekly_low"]) & (actual <= again["weekly_high"]))
    coverage = float(np.mean(inside))
    assert 0.65 <= coverage <= 0.95, coverage


def test_a_model_without_draws_still_forecasts_a_weeks_noise():
    data, past, model, plan = _fitted("additive_hill", 0, draws=0)
    fc = forecast(model, plan, data=past)
    w = fc.weekly["current"]
    assert (w["high"] - w["low"] > 0).all()
    assert len(fc.replay["beta"]) == 1


def test_the_fingerprint_of_shared_weeks_survives_new_weeks_and_catches_a_changed_one(fitted):
    data, past, _, _ = fitted
    start, end = past.frame.index[0], past.frame.index[-1]
    assert weeks_sha256(data.frame, start, end) == weeks_sha256(past.frame)
    changed = data.frame.copy()
    changed.iloc[10, 0] += 1.0
    assert weeks_sha256(changed, start, end) != weeks_sha256(past.frame)


def test_the_forecast_error_is_measured_on_fits_that_saw_a_year_not_on_half_year_folds():
    from types import SimpleNamespace

    from planner.inference.forecast import out_of_sample_error, out_of_sample_inflation

    index = pd.date_range("2024-01-01", periods=143, freq="7D")
    cv = {"folds": 4, "fold_weeks": 13, "weeks": 143, "fold_train_weeks": [26, 52, 78, 104], "rmse": 3000.0}
    cv["fold_rmse"] = [9000.0, 1500.0, 1200.0, 1300.0]  # the half-year fold guesses its season
    model = SimpleNamespace(cv=cv, holdout={"weeks": 13, "rmse": 1000.0}, index=index, diagnostics={"rmse": 800.0})
    mse, ratio = out_of_sample_error(model)
    assert mse == pytest.approx((1500**2 + 1200**2 + 1300**2 + 1000**2) / 4)
    assert ratio == pytest.approx(143 / np.mean([52, 78, 104, 130]))
    # the parameters' own spread is part of that error, more so for the shorter fits
    assert out_of_sample_inflation(model, 0.0) == pytest.approx(np.sqrt(mse) / 800)
    assert out_of_sample_inflation(model, 200.0**2) < out_of_sample_inflation(model, 0.0)
    # a short history: only the fold with the longest fit counts; results of old runs: the pooled rmse
    short = SimpleNamespace(cv={**cv, "fold_train_weeks": [20, 30, 40, 45]}, holdout=None, index=index, diagnostics={})
    assert out_of_sample_error(short)[0] == pytest.approx(1300.0**2)
    old = {k: v for k, v in cv.items() if not k.startswith("fold_")}
    assert out_of_sample_error(SimpleNamespace(cv=old, holdout=None, index=index))[0] == pytest.approx(3000.0**2)
