"""The baseline form: a multiplicative season chosen by rolling-origin CV against the additive one."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from planner import CATEGORIES
from planner.inference import diagnostics as diag
from planner.inference.model import EncounterModel
from planner.inference.model.season import log_linear_start, refine
from planner.presentation import display
from planner.reading.data import from_frame
from planner.reading.params import ParamsError, load_dict
from planner.results import validate_section
from planner.simulate import generators as gen

#: The true season of the multiplicative history: July and Christmas take these fractions off every
#: encounter, spend-driven ones included; a yearly cycle of this amplitude on the log scale.
JULY_DIP = 0.30
CHRISTMAS_DIP = 0.35
CYCLE = 0.10


def _inner_history(seed: int) -> gen.Case:
    """Before the season: an inner baseline of level, trend, trade fairs and a market index, Hill
    effects on normalised carryover, Gaussian noise (the generators' blocks)."""
    rng = np.random.default_rng([seed, 4242])
    index = gen._weeks(156)
    data_index = index[gen.BURN_IN_WEEKS :]
    n = len(data_index)
    means = gen._mean_spend(rng)
    columns = gen._category_columns(rng, index, means)
    content = rng.uniform(0.7, 0.85)
    shares = np.array([content, *gen._split_rest(rng, content)])
    fair = gen._trade_fairs(rng, data_index)
    market = gen._market_index(rng, n)
    level = rng.uniform(12_000, 18_000)
    inner = level * (1.0 + 0.15 * np.arange(n) / n) + level * 0.15 * fair + level * 0.005 * (market - 100.0)
    return gen._assemble(
        gen._Spec(
            name="multiplicative_history",
            seed=seed,
            rng=rng,
            index=index,
            columns=columns,
            response=gen._one_channel(gen._hill_curves(rng, means)),
            channel_spend=None,
            shares=shares,
            effect_fraction=0.4,
            baseline=inner,
            noise_sd=0.02,
            extra={"event_trade_fair": fair, "market_index": market},
            events=("event_trade_fair",),
            controls=("market_index",),
        )
    )


def true_multiplier(index: pd.DatetimeIndex) -> pd.Series:
    """The true season: a yearly cycle and the July and Christmas dips, log-centred over `index`."""
    christmas, july = gen._flags(index)
    phase = gen._phase(index)
    log_m = CYCLE * np.sin(phase + 0.6) + np.log1p(-CHRISTMAS_DIP) * christmas + np.log1p(-JULY_DIP) * july
    return pd.Series(np.exp(log_m - log_m.mean()), index=index, name="multiplier")


def _scaled(case: gen.Case, m: pd.Series) -> gen.Case:
    """Every encounter of week t (noise included) multiplied by m_t; ``truth["multiplier"]`` = m."""
    frame = case.frame.copy()
    for col in gen.WEIGHTS:
        frame[col] = np.round(frame[col].to_numpy() * m.to_numpy()).astype(int)
    return dataclasses.replace(
        case,
        frame=frame,
        contributions=case.contributions.mul(m, axis=0),
        baseline=case.baseline * m,
        expected=case.expected * m,
        truth={**case.truth, "multiplier": m},
    )


def multiplicative_history(seed: int = 0) -> gen.Case:
    """A history whose season and holiday dips scale every encounter, with ``truth["multiplier"]``."""
    inner = _inner_history(seed)
    return _scaled(inner, true_multiplier(inner.contributions.index))


def fit(case: gen.Case, **model):
    raw = copy.deepcopy(case.params)
    raw.setdefault("model", {}).update(model)
    params = load_dict(raw, "x.yaml")
    return EncounterModel(from_frame(case.frame, params, source="x"), params.model).fit()


@pytest.fixture(scope="module", params=["multiplicative_season", "built_here"])
def mult_case(request):
    """Two histories whose season scales every encounter: the generator's (July dip 23 %, Christmas
    40 % on seed 0) and the one built above (35 % and 32 %, its cycle included)."""
    if request.param == "built_here":
        return multiplicative_history(0)
    return gen.make("multiplicative_season", 0)


@pytest.fixture(scope="module")
def mult_auto(mult_case):
    return fit(mult_case)


@pytest.fixture(scope="module")
def additive_auto():
    return fit(gen.make("additive_hill", 0))


@pytest.fixture(scope="module")
def additive_forced_mult():
    return fit(gen.make("additive_hill", 0), baseline_form="multiplicative")


def _dip(multiplier: pd.Series, flag: pd.Series, other: pd.Series) -> float:
    """How much lower the multiplier is in the flagged weeks than in the ordinary ones."""
    return 1.0 - float(multiplier[flag].mean() / multiplier[other].mean())


def test_auto_picks_the_multiplicative_form_on_a_history_whose_season_scales_every_encounter(mult_case, mult_auto):
    res = mult_auto
    assert res.baseline_form == "multiplicative"
    choice = res.baseline_choice
    assert choice["chosen_by"] == "cv"
    assert choice["multiplicative_rmse"] < (1 - diag.MULTIPLICATIVE_CV_GAIN) * choice["additive_rmse"]
    assert choice["multiplicative_fit_rmse"] < choice["additive_fit_rmse"]
    # the model's CV is the chosen form's
    assert res.cv["rmse"] == pytest.approx(choice["multiplicative_rmse"])


def test_the_recovered_multiplier_matches_the_true_one(mult_case, mult_auto):
    est = mult_auto.multiplier
    true = pd.Series(np.asarray(mult_case.truth["multiplier"], dtype=float), index=est.index)
    assert np.corrcoef(true, est)[0, 1] > 0.95
    assert float(np.log(est).mean()) == pytest.approx(0.0, abs=1e-9)  # centred: log m has mean 0
    july = mult_auto.design["july"] == 1
    christmas = mult_auto.design["christmas_new_year"] == 1
    ordinary = ~july & ~christmas
    # the additive form has no multiplier at all (all ones): the dips are the multiplicative form's
    assert _dip(est, july, ordinary) == pytest.approx(_dip(true, july, ordinary), abs=0.04)
    assert _dip(est, christmas, ordinary) == pytest.approx(_dip(true, christmas, ordinary), abs=0.04)
    assert min(_dip(true, july, ordinary), _dip(true, christmas, ordinary)) > 0.2


def test_the_spend_driven_encounters_dip_with_the_season(mult_auto):
    contrib = mult_auto.contributions()
    spend_driven = contrib[list(CATEGORIES)].sum(axis=1)
    m = mult_auto.multiplier
    # contributions are m times the inner model's: dividing by m leaves no July dip in what spend brings
    july = mult_auto.design["july"] == 1
    ratio = spend_driven / m
    assert spend_driven[july].mean() / spend_driven[~july].mean() < 0.9 * ratio[july].mean() / ratio[~july].mean()


def test_auto_keeps_the_additive_form_on_an_additive_history(additive_auto):
    res = additive_auto
    assert res.baseline_form == "additive"
    assert res.baseline_choice["chosen_by"] == "cv"
    assert res.baseline_choice["additive_rmse"] == pytest.approx(res.cv["rmse"])
    assert res.baseline_choice["multiplicative_rmse"] is not None
    assert np.all(res.multiplier == 1.0)
    assert res.horizon_multiplier == 1.0


def test_a_forced_multiplicative_form_adds_up_in_the_encounters_scale(additive_forced_mult):
    res = additive_forced_mult
    assert res.baseline_form == "multiplicative"
    assert res.baseline_choice["chosen_by"] == "params"
    assert res.baseline_choice["additive_rmse"] is None
    contrib = res.contributions()
    total = contrib.sum(axis=1)
    np.testing.assert_allclose(total.to_numpy(), res.fitted.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose((res.y - res.fitted).to_numpy(), res.resid.to_numpy())
    assert (contrib["baseline"] > 0).all()
    assert not np.allclose(res.multiplier, 1.0)  # the season lives in the multiplier
    # the baseline is the inner baseline times m: the season's columns are not among its coefficients
    assert "july" not in res.params.index and "sin1" not in res.params.index
    assert "july" in res.design.columns  # the full design stays for readers such as the funnel
    inner = (
        res.design[[c for c in res.design.columns if c not in res.season.columns]]
        @ res.mode[[c for c in res.design.columns if c not in res.season.columns]]
    )
    assert np.corrcoef(contrib["baseline"] / res.multiplier, inner)[0, 1] > 0.99
    # the forecasts checked are in the encounters' own scale
    assert res.holdout["actual"] == pytest.approx(res.y.to_numpy()[-res.holdout["weeks"] :])
    assert res.holdout["rmse"] < 0.2 * float(res.y.mean())


def _week_plan(res, week: str) -> pd.DataFrame:
    current = res.current_weekly_spend
    return pd.DataFrame([current.to_numpy()], index=pd.DatetimeIndex([week]), columns=list(CATEGORIES))


def test_simulate_multiplies_future_weeks_by_their_season(mult_auto):
    res = mult_auto
    last = res.index[-1]
    july = next(d for d in pd.date_range(last, periods=60, freq="7D")[1:] if (d + pd.Timedelta(days=3)).month == 7)
    october = next(d for d in pd.date_range(last, periods=60, freq="7D")[1:] if (d + pd.Timedelta(days=3)).month == 10)
    in_july = res.simulate(_week_plan(res, july)).sum()
    in_october = res.simulate(_week_plan(res, october)).sum()
    # same spend from the same carryover state: only the season differs
    assert in_july < 0.8 * in_october
    ratio = res.future_multiplier(pd.DatetimeIndex([july]))[0] / res.future_multiplier(pd.DatetimeIndex([october]))[0]
    assert in_july / in_october == pytest.approx(ratio, rel=1e-9)
    # draws carry the same multiplier
    draws = res.simulate(_week_plan(res, july), draws=True)
    assert draws.mean(axis=0).sum() == pytest.approx(in_july, rel=1e-9)
    # without dates, the weeks are those following the data
    plan = _week_plan(res, res.index[-1] + pd.Timedelta(weeks=1))
    np.testing.assert_allclose(res.simulate(plan.to_numpy()), res.simulate(plan))


def test_predict_and_the_curves_use_the_coming_weeks_multiplier(mult_auto):
    res = mult_auto
    weeks = res.horizon_weeks
    spend = pd.DataFrame(np.tile(res.current_weekly_spend.to_numpy(), (weeks, 1)), columns=list(CATEGORIES))
    out = res.predict(spend)
    m = res.future_multiplier(weeks)
    np.testing.assert_allclose(out["total"], out["spend_driven"] + out["baseline"])
    np.testing.assert_allclose(out["spend_driven"], res.simulate(spend).sum(axis=1))
    assert res.horizon_multiplier == pytest.approx(float(m.mean()))
    # the steady-state curve is per week of the coming horizon: its mean multiplier applies
    cat = "content"
    at = float(res.current_weekly_spend[cat])
    curve = res.response_curve(cat, [at])["encounters"].iloc[0]
    _, k, s = res._curve_draws()
    beta = res._curve_draws()[0][:, 0]
    from planner.inference.model import uncertainty as unc

    plain = unc.curves(np.array([at]), beta, k[:, 0], s[:, 0]).mean()
    assert curve == pytest.approx(plain * res.horizon_multiplier, rel=1e-9)


def test_the_results_section_records_the_form_and_the_choice(mult_auto, additive_auto):
    for res in (mult_auto, additive_auto):
        section = res.to_dict()
        validate_section("model", section)
        assert section["baseline_form"] == res.baseline_form
        assert set(section["baseline_choice"]) == {
            "additive_rmse",
            "multiplicative_rmse",
            "additive_fit_rmse",
            "multiplicative_fit_rmse",
            "chosen_by",
        }
    assert mult_auto.to_dict()["baseline_form"] == "multiplicative"


def test_the_summary_and_the_notebook_sentence_name_the_form(mult_auto):
    text = str(mult_auto.summary("en"))
    assert "multiplicative" in text
    fi = str(mult_auto.summary("fi"))
    assert "multiplikatiivinen" in fi
    html = display.baseline_form(mult_auto, "en").data
    assert "scale every encounter" in html
    assert f"{round(mult_auto.baseline_choice['multiplicative_rmse']):,}" in html
    section = mult_auto.to_dict()
    assert display.baseline_form(section, "fi").data == display.baseline_form(mult_auto, "fi").data


def test_baseline_form_is_validated_like_the_other_model_keys(mult_case):
    raw = copy.deepcopy(mult_case.params)
    raw["model"] = {"baseline_form": "both"}
    with pytest.raises(ParamsError, match="model.baseline_form"):
        load_dict(raw, "x.yaml")
    assert load_dict(copy.deepcopy(mult_case.params), "x.yaml").model.baseline_form == "auto"


def test_without_seasonal_columns_the_forms_are_one():
    case = gen.make("additive_hill", 1)
    res = fit(case, seasonality=0, holidays="none", baseline_form="multiplicative", draws=0)
    assert res.baseline_form == "additive"
    assert res.baseline_choice["chosen_by"] == "no_season"


@pytest.mark.parametrize(
    ("cv", "fit_rmse", "expected"),
    [
        ({"additive": 100.0, "multiplicative": 90.0}, {"additive": 80.0, "multiplicative": 75.0}, "multiplicative"),
        # forecasts better, fits no better: a lucky set of folds
        ({"additive": 100.0, "multiplicative": 80.0}, {"additive": 80.0, "multiplicative": 79.5}, "additive"),
        # fits better, forecasts no better
        ({"additive": 100.0, "multiplicative": 99.0}, {"additive": 80.0, "multiplicative": 70.0}, "additive"),
    ],
)
def test_the_choice_needs_better_forecasts_and_a_better_fit(cv, fit_rmse, expected):
    assert diag.choose_baseline_form("auto", True, cv, fit_rmse, 148) == (expected, "cv")
    assert diag.choose_baseline_form("auto", True, {"additive": 100.0}, fit_rmse, 148) == ("additive", "no_cv")
    assert diag.choose_baseline_form("additive", True, cv, fit_rmse, 148) == ("additive", "params")


def test_refine_recovers_the_season_of_a_noiseless_history():
    rng = np.random.default_rng(3)
    n = 150
    season = rng.normal(size=(n, 3))
    season -= season.mean(axis=0)
    features = rng.uniform(0.2, 0.9, (n, 2))
    inner = np.column_stack([np.ones(n), np.arange(n) / n])
    truth = np.array([0.2, -0.3, 0.1])
    y = np.exp(season @ truth) * (features @ [3000.0, 1500.0] + inner @ [500.0, 200.0])
    start = log_linear_start(y, season, inner, slice(0, n))
    assert np.abs(start - truth).max() > 0.01  # the spend's encounters bias the log-linear start
    np.testing.assert_allclose(refine(y, season, features, inner, start, np.ones(n), slice(0, n), 5), truth, atol=1e-6)


def test_a_july_lift_test_is_read_in_the_encounters_scale():
    """A lift test run in July measures the spend's encounters after the July dip; the multiplicative
    fit sees it divided by the dip and predicts it back in the encounters' own scale."""
    inner = _inner_history(0)
    m = true_multiplier(inner.contributions.index)
    tested, entry, _ = gen.with_experiment(inner, "content", "2023-07-03", 4, 6000.0, measured_weeks_after=2)
    weeks = slice(pd.Timestamp(entry["start"]), pd.Timestamp(entry["start"]) + pd.Timedelta(weeks=5))
    lift = float(((tested.contributions - inner.contributions).sum(axis=1) * m).loc[weeks].sum())
    assert lift < 0.8 * float((tested.contributions - inner.contributions).sum(axis=1).loc[weeks].sum())
    entry.update(lift=lift, lift_se=0.1 * lift)
    case = _scaled(tested, m)
    case.params["experiments"] = [entry]
    res = fit(case, baseline_form="multiplicative")
    row = res.experiment_table().iloc[0]
    assert row["measured"] == pytest.approx(lift)
    assert not row["disagrees"]
    assert row["predicted"] == pytest.approx(lift, rel=0.25)
