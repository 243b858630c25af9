"""Tests for planner.inference.transforms and planner.simulate.synth: the curves, the generator and its truth."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner import CATEGORIES
from planner.inference.transforms import adstock, hill
from planner.simulate.synth import FUNNEL, FUNNEL_COLUMNS, SCENARIOS, generate, write_example

DATA = Path(__file__).resolve().parents[1] / "data"
CHANNELS = ["enc_web", "enc_calls", "enc_meetings"]


def adstock_loop(x, decay, initial=None):
    """The definition of docs/architecture.md, one week at a time."""
    out, prev = [], x[0] if initial is None else initial
    for value in x:
        prev = decay * prev + (1 - decay) * value
        out.append(prev)
    return np.array(out)


@pytest.fixture(scope="module")
def example():
    return generate(seed=0)


@pytest.fixture(scope="module")
def funnel():
    return generate(seed=0, funnel=True)


@pytest.fixture(scope="module")
def tech():
    return generate(seed=0, scenario="technology_driven")


# --- transforms -------------------------------------------------------------------------------


@pytest.mark.parametrize("decay", [0.0, 0.3, 0.9])
def test_adstock_matches_loop_1d(decay):
    x = np.random.default_rng(1).gamma(2.0, 1000.0, 60)
    np.testing.assert_allclose(adstock(x, decay), adstock_loop(x, decay), rtol=1e-12)
    np.testing.assert_allclose(adstock(x, decay, initial=5.0), adstock_loop(x, decay, 5.0), rtol=1e-12)


def test_adstock_2d_per_column_decay_and_initial():
    x = np.random.default_rng(2).gamma(2.0, 1000.0, (40, 3))
    decay, initial = np.array([0.2, 0.5, 0.8]), np.array([100.0, 0.0, 9000.0])
    expected = np.column_stack([adstock_loop(x[:, j], decay[j], initial[j]) for j in range(3)])
    np.testing.assert_allclose(adstock(x, decay, initial=initial), expected, rtol=1e-12)
    same = np.column_stack([adstock_loop(x[:, j], 0.6) for j in range(3)])
    np.testing.assert_allclose(adstock(x, 0.6), same, rtol=1e-12)


def test_adstock_pandas_aligns_by_column_name():
    x = pd.DataFrame({"a": [1.0, 0.0, 0.0], "b": [4.0, 4.0, 0.0]})
    out = adstock(x, {"b": 0.5, "a": 0.0})
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["a", "b"]
    np.testing.assert_allclose(out["a"], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(out["b"], [4.0, 4.0, 2.0])


def test_adstock_steady_state_and_known_values():
    np.testing.assert_allclose(adstock(np.full(20, 700.0), 0.8), 700.0)
    np.testing.assert_allclose(adstock([10.0, 0.0, 0.0], 0.5), [10.0, 5.0, 2.5])
    np.testing.assert_allclose(adstock([0.0, 0.0], 0.5, initial=8.0), [4.0, 2.0])


@pytest.mark.parametrize("decay", [-0.1, 1.0, [0.5, 1.2]])
def test_adstock_rejects_bad_decay(decay):
    with pytest.raises(ValueError, match="decay must be in"):
        adstock(np.ones((5, 2)), decay)


def test_hill_known_values_and_loop():
    assert hill(5000.0, 5000.0, 2.7) == pytest.approx(0.5)
    a = np.array([0.0, 1.0, 250.0, 5000.0, 1e9])
    loop = [v**1.5 / (v**1.5 + 400.0**1.5) for v in a]
    np.testing.assert_allclose(hill(a, 400.0, 1.5), loop, rtol=1e-12)
    assert hill(1e300, 1.0, 3.0) == 1.0  # no overflow to nan


def test_hill_broadcasts_per_column_and_is_monotone():
    a = np.linspace(0.0, 40000.0, 50)[:, None] * np.ones(3)
    h = hill(a, [8000.0, 5000.0, 15000.0], [1.5, 1.2, 1.0])
    assert np.all(np.diff(h, axis=0) > 0)
    np.testing.assert_allclose(h[:, 1], hill(a[:, 1], 5000.0, 1.2))


@pytest.mark.parametrize(("k", "s", "match"), [(0.0, 1.0, "half_saturation"), (1.0, -1.0, "shape")])
def test_hill_rejects_bad_parameters(k, s, match):
    with pytest.raises(ValueError, match=match):
        hill([1.0], k, s)


# --- generator ---------------------------------------------------------------------------------


def test_same_seed_same_data_other_seed_other_data(example):
    pd.testing.assert_frame_equal(generate(seed=0).frame, example.frame)
    assert not generate(seed=1).frame.equals(example.frame)


def test_scenarios_share_the_spend_history(example, tech):
    spend = [c for cols in example.spend_columns.values() for c in cols]
    pd.testing.assert_frame_equal(example.frame[spend], tech.frame[spend])
    assert not example.frame["enc_web"].equals(tech.frame["enc_web"])


def test_content_driven_truth_shares(example):
    shares = example.truth.contribution_shares()
    assert list(shares.index) == list(CATEGORIES)
    assert 0.75 <= shares["content"] <= 0.85
    assert 0.05 <= shares["design"] <= 0.15 and 0.05 <= shares["technology"] <= 0.15
    assert shares.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [1, 2])
def test_technology_driven_truth_shares(seed):
    shares = generate(seed=seed, scenario="technology_driven").truth.contribution_shares()
    assert shares.idxmax() == "technology" and shares["technology"] >= 0.6


def test_spend_history_is_technology_led_and_varied(example):
    spend = example.truth.spend
    np.testing.assert_allclose(spend.sum() / spend.to_numpy().sum(), [0.2, 0.1, 0.7], atol=0.01)
    assert 30_000 <= spend.sum(axis=1).mean() <= 60_000
    assert (spend.std() / spend.mean()).min() > 0.2  # every category varies
    corr = np.corrcoef(spend.to_numpy().T)[np.triu_indices(3, 1)]
    assert np.abs(corr).max() < 0.5  # categories are not near-collinear


def test_spend_columns_sum_to_category_spend(example):
    frame = example.frame.set_index("week_start")
    for cat, cols in example.spend_columns.items():
        assert (frame[cols] >= 0).all().all()
        np.testing.assert_array_equal(frame[cols].sum(axis=1), example.truth.spend[cat])


def test_frame_columns_dates_and_integer_counts(example):
    frame = example.frame
    assert list(frame.columns[:4]) == ["week_start", *CHANNELS]
    assert list(frame.columns[-2:]) == ["event_trade_fair", "market_index"]
    assert len(frame) == 156 and frame["week_start"].iloc[0] == pd.Timestamp("2022-01-03")
    assert (frame["week_start"].dt.day_of_week == 0).all()
    assert (frame["week_start"].diff().dropna() == pd.Timedelta(days=7)).all()
    for col in CHANNELS:
        assert pd.api.types.is_integer_dtype(frame[col]) and (frame[col] > 0).all()
    raw = frame[CHANNELS].sum()
    assert 0.88 <= raw["enc_web"] / raw.sum() <= 0.96  # most encounters are digital
    assert set(frame["event_trade_fair"]) == {0, 1} and 6 <= frame["event_trade_fair"].sum() <= 12
    assert frame["market_index"].between(85, 115).all()


def test_weighted_encounters_are_truth_plus_moderate_noise(example):
    truth, frame = example.truth, example.frame
    weighted = sum(w * frame[ch].to_numpy() for ch, w in example.weights.items())
    expected = truth.baseline_encounters.to_numpy() + truth.contributions.to_numpy().sum(axis=1)
    residual = weighted - expected
    assert abs(residual.mean()) < 0.5 * truth.baseline["noise_sd"]
    assert residual.std() == pytest.approx(truth.baseline["noise_sd"], rel=0.25)
    assert 0.3 <= truth.contributions.to_numpy().sum() / expected.sum() <= 0.5


def test_noise_free_data_reproduce_the_truth_up_to_rounding():
    syn = generate(seed=3, weeks=52, noise=0.0)
    weighted = sum(w * syn.frame[ch].to_numpy() for ch, w in syn.weights.items())
    expected = syn.truth.baseline_encounters + syn.truth.contributions.sum(axis=1)
    assert np.abs(weighted - expected.to_numpy()).max() <= 0.5 + 1.5 + 5.0  # rounding per channel


def test_n_subchannels_names_and_totals(example):
    syn = generate(seed=0, n_subchannels=10)
    counts = {cat: len(cols) for cat, cols in syn.spend_columns.items()}
    assert counts == {"content": 4, "design": 3, "technology": 3}
    assert "content_sub01_eur" in syn.frame and "tech_sub03_eur" in syn.frame
    pd.testing.assert_frame_equal(syn.truth.spend, example.truth.spend, atol=5.0)
    with pytest.raises(ValueError, match="at least 3"):
        generate(n_subchannels=2)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown scenario"):
        generate(scenario="design_driven")
    with pytest.raises(ValueError, match="Monday"):
        generate(start="2022-01-04")


# --- response protocol -------------------------------------------------------------------------


def test_last_state_gives_the_last_contribution(example):
    truth = example.truth
    expected = truth.beta * hill(truth.last_state, truth.half_saturation, truth.shape)
    np.testing.assert_allclose(truth.contributions.iloc[-1], expected, rtol=1e-10)


@pytest.mark.parametrize("name", ["example", "tech"])
def test_simulate_continues_from_the_last_week(name, request):
    truth = request.getfixturevalue(name).truth
    last = truth.spend.iloc[[-1]].reset_index(drop=True)
    out = truth.simulate(last)
    assert out.shape == (1, 3)
    np.testing.assert_allclose(out[0], truth.contributions.iloc[-1], rtol=0.25)
    assert truth.simulate(last, draws=True).shape == (1, 1, 3)


def test_simulate_zero_spend_decays_and_steady_spend_converges(example):
    truth = example.truth
    zero = truth.simulate(pd.DataFrame(0.0, index=range(60), columns=list(CATEGORIES)))
    assert np.all(np.diff(zero, axis=0) < 0) and np.all(zero[0] < truth.contributions.iloc[-1])
    assert zero[-1].max() < 1.0
    steady = pd.DataFrame([[9000.0, 4500.0, 31500.0]] * 80, columns=list(CATEGORIES))
    plateau = truth.beta * hill(steady.iloc[0], truth.half_saturation, truth.shape)
    np.testing.assert_allclose(truth.simulate(steady)[-1], plateau, rtol=1e-6)


def test_simulate_reads_columns_by_name_and_checks_input(example):
    truth = example.truth
    plan = pd.DataFrame({"technology": [30000.0], "content": [10000.0], "design": [0.0]})
    np.testing.assert_allclose(truth.simulate(plan), truth.simulate(plan[list(CATEGORIES)].to_numpy()))
    with pytest.raises(ValueError, match="negative"):
        truth.simulate(-plan)
    with pytest.raises(ValueError, match="weeks, 3"):
        truth.simulate(np.ones((4, 2)))


def test_truth_pickles(example):
    clone = pickle.loads(pickle.dumps(example.truth))
    np.testing.assert_allclose(clone.simulate(np.ones((3, 3))), example.truth.simulate(np.ones((3, 3))))


# --- shipped example ---------------------------------------------------------------------------


def test_shipped_example_files_are_what_the_generator_writes(tmp_path):
    csv_path, json_path = write_example(tmp_path)
    assert (DATA / "example_weekly.csv").read_bytes() == csv_path.read_bytes()
    assert json.loads((DATA / "example_truth.json").read_text(encoding="utf-8")) == json.loads(
        json_path.read_text(encoding="utf-8")
    )


def test_shipped_csv_reads_back_as_the_generated_frame(funnel):
    shipped = pd.read_csv(DATA / "example_weekly.csv", parse_dates=["week_start"])
    pd.testing.assert_frame_equal(shipped, funnel.frame, check_dtype=False)


def test_shipped_truth_records_the_scenario_parameters():
    truth = json.loads((DATA / "example_truth.json").read_text(encoding="utf-8"))
    assert truth["scenario"] == "content_driven" and truth["seed"] == 0
    for i, cat in enumerate(CATEGORIES):
        for name in ("decay", "half_saturation", "shape", "beta"):
            assert truth["categories"][cat][name] == SCENARIOS["content_driven"][name][i]
    assert sum(c["contribution_share"] for c in truth["categories"].values()) == pytest.approx(1.0)


# --- the funnel --------------------------------------------------------------------------------


def _ols(y, *columns):
    """Least-squares coefficients of y on an intercept and the columns."""
    x = np.column_stack([np.ones(len(y)), *columns])
    return np.linalg.lstsq(x, y, rcond=None)[0]


def test_the_funnel_changes_nothing_else(example, funnel):
    pd.testing.assert_frame_equal(funnel.frame[example.frame.columns], example.frame)
    assert list(funnel.frame.columns[-6:]) == list(FUNNEL_COLUMNS.values())
    plain = example.truth.to_dict()
    assert "funnel" not in plain and example.truth.funnel is None
    assert {k: v for k, v in funnel.truth.to_dict().items() if k != "funnel"} == plain


def test_the_funnel_is_reproducible_from_its_seed(funnel):
    cols = list(FUNNEL_COLUMNS.values())
    pd.testing.assert_frame_equal(generate(seed=0, funnel=True).frame[cols], funnel.frame[cols])
    assert generate(seed=0, funnel=True).truth.funnel == funnel.truth.funnel
    assert not generate(seed=1, funnel=True).frame[cols].equals(funnel.frame[cols])


def test_the_funnel_truth_records_its_parameters(funnel):
    truth = funnel.truth.funnel
    assert truth["columns"] == FUNNEL_COLUMNS
    assert truth["leads_per_weighted_encounter"] == FUNNEL["leads_per_encounter"]
    assert truth["close_rate"]["base"] == FUNNEL["close_rate_base"]
    assert truth["close_rate"]["slope_per_eur_1000"] == FUNNEL["close_rate_slope"] > 0
    assert truth["close_rate"]["category"] == "content" and truth["close_rate"]["decay"] == 0.5
    assert truth["self_service_deals_per_web_encounter"] == FUNNEL["self_service_per_web_encounter"]
    value = truth["deal_value"]
    assert value["self_service"] > value["assisted"] > 0
    effect = truth["experience"]["effect_per_eur_1000"]
    assert list(effect) == list(CATEGORIES) and effect["design"] > 0
    assert truth["experience"]["decay"] == dict(zip(CATEGORIES, SCENARIOS["content_driven"]["decay"], strict=True))
    assert 0 < truth["self_service_revenue_share"] < 1
    json.dumps(truth)  # JSON-ready as it stands


def test_the_funnel_columns_are_consistent(funnel):
    f = funnel.frame
    for col in ("warmed_leads", "deals_web", "deals_sales"):
        assert pd.api.types.is_integer_dtype(f[col]) and (f[col] >= 0).all()
    assert (f["deals_sales"] <= f["warmed_leads"]).all()
    for deals, revenue in (("deals_web", "revenue_web_eur"), ("deals_sales", "revenue_sales_eur")):
        assert ((f[revenue] > 0) == (f[deals] > 0)).all()
    assert f["nps"].between(-100, 100).all()


def test_the_data_recover_the_documented_truth(funnel):
    """What a reader of the truth expects to see in the data, within the noise of three years."""
    f, truth = funnel.frame, funnel.truth.funnel
    weighted = sum(w * f[ch].to_numpy() for ch, w in funnel.weights.items())
    assert f["warmed_leads"].sum() / weighted.sum() == pytest.approx(truth["leads_per_weighted_encounter"], rel=0.02)
    assert f["deals_web"].sum() / f["enc_web"].sum() == pytest.approx(
        truth["self_service_deals_per_web_encounter"], rel=0.05
    )
    carry = adstock(funnel.truth.spend.to_numpy(), funnel.truth.decay.to_numpy())  # without burn-in: close enough
    k = carry / 1000.0
    rate = f["deals_sales"] / f["warmed_leads"]
    base, slope = _ols(rate.to_numpy(), k[:, 0])
    assert slope == pytest.approx(truth["close_rate"]["slope_per_eur_1000"], abs=0.003)
    assert base == pytest.approx(truth["close_rate"]["base"], abs=0.03)
    for deals, revenue, channel in (
        ("deals_web", "revenue_web_eur", "self_service"),
        ("deals_sales", "revenue_sales_eur", "assisted"),
    ):
        assert f[revenue].sum() / f[deals].sum() == pytest.approx(truth["deal_value"][channel], rel=0.03)
    revenue = f["revenue_web_eur"] + f["revenue_sales_eur"]
    assert revenue.sum() / weighted.sum() == pytest.approx(truth["value_per_weighted_encounter"]["revenue"], rel=0.03)
    deals = f["deals_web"] + f["deals_sales"]
    assert deals.sum() / weighted.sum() == pytest.approx(truth["value_per_weighted_encounter"]["deals"], rel=0.03)
    assert f["revenue_web_eur"].sum() / revenue.sum() == pytest.approx(truth["self_service_revenue_share"], abs=0.03)
    coef = _ols(f["nps"].to_numpy(), *k.T)
    effect = truth["experience"]["effect_per_eur_1000"]
    assert coef[2] == pytest.approx(effect["design"], abs=0.4)
    assert coef[1] == pytest.approx(effect["content"], abs=0.2)


def test_funnel_parameters_can_be_replaced():
    flat = generate(seed=2, weeks=104, funnel={"close_rate_slope": 0.0, "deal_value": {"assisted": 2_000.0}})
    truth = flat.truth.funnel
    assert truth["close_rate"]["slope_per_eur_1000"] == 0.0 and truth["close_rate"]["min"] == truth["close_rate"]["max"]
    assert truth["deal_value"] == {"self_service": 1_150.0, "assisted": 2_000.0, "gamma_shape": 4.0}
    with pytest.raises(ValueError, match="unknown funnel parameter"):
        generate(seed=2, funnel={"close_rate": 0.3})


def test_shipped_truth_records_the_funnel(funnel):
    truth = json.loads((DATA / "example_truth.json").read_text(encoding="utf-8"))
    assert truth["funnel"] == funnel.truth.funnel
