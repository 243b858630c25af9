"""The funnel analysis against a funnel with a known truth built on the synthetic encounters: the
close-rate trend, deal values per channel, the value of an encounter, the experience effects, the
cross-check of the two value routes, and missing optional columns."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import yaml

from planner import CATEGORIES
from planner.inference.funnel import COLUMNS, FunnelResults, analyse, analyse_dataset
from planner.inference.model import EncounterModel
from planner.presentation.i18n import Messages
from planner.reading.data import from_frame
from planner.reading.params import load_dict
from planner.simulate.synth import generate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PARAMS = ROOT / "params" / "example.yaml"


def implied(syn) -> dict:
    """The generator's funnel truth (``syn.truth.funnel``) as the numbers the tests compare."""
    t = syn.truth.funnel
    return {
        "slope": t["close_rate"]["slope_per_eur_1000"],
        "close_rate": t["close_rate"]["mean"],
        "deal_value": t["deal_value"],
        "experience_effect": t["experience"]["effect_per_eur_1000"],
        "revenue_per_encounter": t["value_per_weighted_encounter"]["revenue"],
        "deals_per_encounter": t["value_per_weighted_encounter"]["deals"],
    }


def make_params(**model):
    raw = yaml.safe_load(EXAMPLE_PARAMS.read_text(encoding="utf-8"))
    raw["model"].update({"draws": 100, "cv_folds": 2, "holdout_weeks": 0, **model})
    return load_dict(raw, EXAMPLE_PARAMS)


def fit(syn, **model):
    """The dataset (with its funnel) and the fitted encounter model, as `planner run` makes them."""
    params = make_params(**model)
    data = from_frame(syn.frame, params)
    return data, EncounterModel(data, params.model).fit()


def covers(est: dict, value: float) -> bool:
    return est["low"] <= value <= est["high"]


SEEDS = (0, 1, 2, 3, 4, 5)
SCENARIOS = ("content_driven", "technology_driven")


@pytest.fixture(scope="module")
def cases():
    out = []
    for seed in SEEDS:
        # both scenarios: content drives the encounters (and the close rate) in one, not in the other
        syn = generate(seed=seed, scenario=SCENARIOS[seed % 2], funnel=True)
        data, model = fit(syn)
        out.append((syn, model, data.funnel, implied(syn), analyse(data.funnel, model, seed=seed)))
    return out


@pytest.fixture(scope="module")
def case(cases):
    return cases[0]


# -- recovery of the truth ------------------------------------------------------------------------


def test_the_warming_sentence_prices_the_close_rate_trend_as_the_plan_does(cases):
    from planner.plan import Warming

    for _, model, _, _, res in cases[:2]:
        warming = res.warming()
        plan_side = Warming.from_funnel(res, model, "revenue")
        assert warming["value"] == pytest.approx(plan_side.draws.mean(), rel=0.1)
        assert warming["low"] < warming["value"] < warming["high"]
        keys = [s["key"] for s in res.sentences()]
        assert "funnel_warming" in keys
        for lang, words in (("en", "Through the close rate alone"), ("fi", "Pelkän klousausprosentin kautta")):
            text = res.sentence_text(res.sentences()[keys.index("funnel_warming")], lang)
            assert text.startswith(words) and Messages(lang).eur_cost(warming["value"]) in text


def test_trend_lags_cover_the_carryover_of_the_slowest_decay_draws():
    from planner.inference import funnel as fn

    # 0.5 ** 7 = 0.0078 <= 1 %, 0.5 ** 6 = 0.0156 is not: lags 0..6
    assert fn.trend_lags(0.5) == 6
    draws = np.r_[np.full(90, 0.3), np.full(10, 0.8)]  # the 95th percentile is 0.8
    lags = fn.trend_lags(draws)
    assert 0.8 ** (lags + 1) <= fn.TREND_TAIL < 0.8**lags
    assert fn.trend_lags(0.0) == 2 and fn.trend_lags(0.999) == fn.TREND_MAX_LAGS
    assert fn.trend_lags([np.nan, 0.5]) == 6


def test_close_rate_trend_is_recovered(cases):
    hits = 0
    for _, _, _, truth, res in cases:
        trend = res.close_rate["trend"]
        assert trend["direction"] == "up"
        assert trend["slope"] == pytest.approx(truth["slope"], rel=0.35)
        hits += covers(trend, truth["slope"])
        assert res.close_rate["value"] == pytest.approx(truth["close_rate"], abs=0.01)
    assert hits >= len(cases) / 2


def test_deal_values_per_channel_are_recovered_and_self_service_is_larger(cases):
    values = cases[0][3]["deal_value"]
    for channel in ("self_service", "assisted"):
        hits = sum(covers(res.deal_value[channel], values[channel]) for *_, res in cases)
        assert hits >= len(cases) / 2, channel
        for *_, res in cases:
            assert res.deal_value[channel]["value"] == pytest.approx(values[channel], rel=0.03)
    true_diff = values["self_service"] / values["assisted"] - 1
    for *_, res in cases:
        diff = res.deal_value["difference"]
        assert diff["low"] > 0  # clearly larger self-service deals
        assert diff["value"] == pytest.approx(true_diff, abs=0.05)


def test_value_per_encounter_is_recovered_and_its_interval_covers(cases):
    """Bias under 0.2 % and half-width about 1.2 % (bench_funnel); over six seeds and both kinds at
    least 7 of the 12 intervals hold the truth (the calibration over many histories is
    `test_intervals_are_calibrated_over_many_histories`), and no estimate misses it by much."""
    hits = 0
    for kind in ("revenue", "deals"):
        errors = []
        for *_, truth, res in cases:
            true = truth[f"{kind}_per_encounter"]
            est = res.value_per_encounter[kind]
            hits += covers(est, true)
            errors.append(est["value"] / true - 1)
            assert est["value"] == pytest.approx(true, rel=0.04), kind
            assert (est["high"] - est["low"]) / 2 < 0.04 * true, kind  # informative, not wide
        assert abs(np.mean(errors)) < 0.015, kind
    assert hits >= 7  # no bias over the seeds and scenarios


def test_intervals_are_calibrated_over_many_histories():
    """60 histories (30 per scenario, disjoint seeds) without the encounter model's fit, by the
    functions `analyse` uses (the close-rate trend's lags from the generator's decay): every 80 % interval
    holds the truth in 65-92 % of them (73-77 % on these seeds) and the errors over the standard
    errors spread about like a standard normal (sd 0.8-1.3; 1.04-1.27 here, the revenue per
    encounter's 1.27 from one history 4.3 standard errors off, 3.9 even with the generator's exact
    standard error; about 1.0 over 800 others). bench_funnel scores 600 histories."""
    from planner.inference import funnel as fn

    params = make_params()
    z80 = fn._z(0.8)
    scores: dict[str, list[float]] = {}
    for seed in range(30):
        for scenario in SCENARIOS:
            # disjoint seeds: with the same seed the two scenarios draw nearly the same funnel
            syn = generate(seed=seed + 100_000 * SCENARIOS.index(scenario), scenario=scenario, funnel=True)
            t = syn.truth.funnel
            data = from_frame(syn.frame, params)
            f, y = data.funnel.astype(float), data.y.astype(float)
            sm: dict = {}
            close, _ = fn._close_rate(f, y, data.spend, fn.trend_lags(t["close_rate"]["decay"]), 0.8, sm)
            deal_value, _ = fn._deal_values(f, 0.8, seed)
            trend = close["trend"]
            pairs = {
                "trend": ((trend["low"], trend["slope"], trend["high"]), t["close_rate"]["slope_per_eur_1000"]),
                **{
                    ch: ((deal_value[ch]["low"], deal_value[ch]["value"], deal_value[ch]["high"]), t["deal_value"][ch])
                    for ch in ("self_service", "assisted")
                },
            }
            for kind in ("revenue", "deals"):
                value, se, _ = fn._funnel_value(f, y, kind, sm)
                pairs[kind] = ((value - z80 * se, value, value + z80 * se), t["value_per_weighted_encounter"][kind])
            for name, ((low, value, high), true) in pairs.items():
                scores.setdefault(name, []).append(z80 * (value - true) / ((high - low) / 2))
    for name, z in scores.items():
        z = np.asarray(z)
        assert 0.65 <= np.mean(np.abs(z) <= z80) <= 0.92, name
        assert 0.8 <= z.std(ddof=1) <= 1.3, name


def test_value_per_encounter_follows_the_funnel_links(case):
    _, model, funnel, _, res = case
    y = model.y.to_numpy(dtype=float)
    revenue = funnel[["revenue_self_service", "revenue_assisted"]].to_numpy().sum()
    deals = funnel[["deals_self_service", "deals_assisted"]].to_numpy().sum()
    # the links' product: leads per encounter x close rate x deal value, plus self-service
    assert res.value_per_encounter["revenue"]["value"] == pytest.approx(revenue / y.sum())
    assert res.value_per_encounter["deals"]["value"] == pytest.approx(deals / y.sum())
    links = res.value_links["revenue"]
    assert links["close_rate"] == pytest.approx(res.close_rate["value"])
    assert links["assisted_deal_value"] == pytest.approx(res.deal_value["assisted"]["value"])
    # without leads the assisted deals per encounter are one link; the value is the same
    res2 = analyse(funnel.drop(columns=["leads"]), model)
    assert res2.value_per_encounter["revenue"]["value"] == pytest.approx(revenue / y.sum())
    assert res2.close_rate is None


def test_experience_effect_of_design_is_positive_and_recovered(cases):
    for *_, truth, res in cases:
        design = res.experience["effect"]["design"]
        assert design["low"] > 0
        assert design["value"] == pytest.approx(truth["experience_effect"]["design"], abs=0.35)
        tech = res.experience["effect"]["technology"]
        assert tech["value"] == pytest.approx(truth["experience_effect"]["technology"], abs=0.1)


def test_monthly_tables_add_up_and_have_wilson_intervals(case):
    _, _, funnel, _, res = case
    months = res.close_rate_by_month()
    assert months["leads"].sum() == funnel["leads"].sum()
    assert months["deals"].sum() == funnel["deals_assisted"].sum()
    assert (months["low"] < months["rate"]).all() and (months["rate"] < months["high"]).all()
    deals = res.deal_value_by_month()
    for ch in ("self_service", "assisted"):
        part = deals.xs(ch, level="channel")
        assert part["revenue"].sum() == pytest.approx(funnel[f"revenue_{ch}"].sum())
        # a month has fewer deals than all the data, so its interval is wider than the overall one
        overall = res.deal_value[ch]["high"] - res.deal_value[ch]["low"]
        assert ((part["high"] - part["low"]) > overall).all()


def test_chain_is_the_last_horizon(case):
    _, model, funnel, _, res = case
    h = model.horizon_weeks
    chain = res.chain
    assert chain["weeks"] == h
    assert chain["encounters"] == pytest.approx(model.y.iloc[-h:].sum())
    assert chain["leads"] == funnel["leads"].iloc[-h:].sum()
    assert chain["close_rate"] == pytest.approx(funnel["deals_assisted"].iloc[-h:].sum() / chain["leads"])
    revenue = funnel[["revenue_self_service", "revenue_assisted"]].iloc[-h:].to_numpy().sum()
    assert chain["revenue_per_encounter"] == pytest.approx(revenue / chain["encounters"])


# -- the cross-check ------------------------------------------------------------------------------


def test_routes_never_warn_and_flag_only_a_difference_beyond_the_nested_interval(cases):
    """The nested route is a rough cross-check: it raises no warning. Its flag is a 95 % test of the
    difference, so it is never raised while the direct value lies inside the nested 80 % interval;
    on these six histories (100 draws) it is still raised for 5 of the 12 routes, the unstable
    nested centres of seeds 3-5, which is why it is no warning."""
    for *_, res in cases:
        assert not any(w["code"].startswith("value_routes") for w in res.warnings)
        for kind in ("revenue", "deals"):
            route = res.value_routes[kind]
            assert route["nested"] is not None
            if covers(route["nested"], route["direct"]["value"]):
                assert not route["disagree"], kind


def test_routes_flag_revenue_that_ignores_the_encounters_spend_buys():
    """Revenue that follows only the encounters the spend did not buy: the direct route still sees
    a value per encounter, the nested one sees little, and the flag (no warning) says they differ;
    the same history with its own revenue is not flagged. Technology-driven, where the spend-driven
    encounters do not move with content's carryover (the nested route's control)."""
    syn = generate(seed=6, scenario="technology_driven", noise=0.08, funnel=True)
    data, model = fit(syn)
    funnel, truth = data.funnel, implied(syn)
    organic = model.y - syn.truth.contributions.sum(axis=1).reindex(model.index)
    scrambled = funnel.copy()
    revenue = truth["revenue_per_encounter"] * organic
    scrambled["revenue_assisted"] = np.maximum(revenue * 0.5, 0.0)
    scrambled["revenue_self_service"] = np.maximum(revenue * 0.5, 0.0)
    res = analyse(scrambled, model)
    routes = res.value_routes["revenue"]
    assert routes["disagree"]
    assert routes["nested"]["high"] < routes["direct"]["low"]
    assert not any(w["code"].startswith("value_routes") for w in res.warnings)
    # the same funnel with its own revenue is not flagged
    assert not analyse(funnel, model).value_routes["revenue"]["disagree"]


def test_shuffled_revenue_has_no_value_per_encounter(case):
    _, model, funnel, _, _ = case
    rng = np.random.default_rng(3)
    shuffled = funnel.copy()
    order = rng.permutation(len(funnel))
    for col in ("revenue_self_service", "revenue_assisted"):
        shuffled[col] = funnel[col].to_numpy()[order]
    res = analyse(shuffled, model)
    # the funnel's links take every euro to come through an encounter, so the headline keeps the
    # average; the nested route, which asks the weeks, finds no value in the spend's encounters
    assert res.value_per_encounter["revenue"]["value"] == pytest.approx(
        funnel[["revenue_self_service", "revenue_assisted"]].to_numpy().sum() / model.y.sum()
    )
    assert covers(res.value_routes["revenue"]["nested"], 0.0)


# -- draws for the plan ---------------------------------------------------------------------------


def test_value_draws_are_seeded_and_match_the_interval(case):
    _, model, funnel, _, res = case
    draws = res.value_draws("revenue")
    assert draws.shape == (len(model.draws),)
    assert np.array_equal(draws, res.value_draws("revenue"))
    assert np.array_equal(draws, analyse(funnel, model, seed=0).value_draws("revenue"))
    assert not np.array_equal(draws, analyse(funnel, model, seed=1).value_draws("revenue"))
    big = analyse(funnel, model, n_draws=20000)
    q = np.percentile(big.value_draws("revenue"), [10, 90])
    est = big.value_per_encounter["revenue"]
    assert q == pytest.approx([est["low"], est["high"]], rel=0.03)
    assert res.value_draws("deals").shape == draws.shape
    with pytest.raises(ValueError, match="kind must be one of"):
        res.value_draws("profit")


def test_experience_draws_and_change(case):
    _, model, funnel, _, res = case
    draws = res.experience_draws()
    assert draws.shape == (len(model.draws), 3)
    assert np.array_equal(draws, res.experience_draws())
    current = model.spend.iloc[-model.horizon_weeks :].mean()
    same = res.experience_change(current)
    assert same["value"] == pytest.approx(0.0, abs=1e-9)
    more_design = current.copy()
    more_design["design"] += 2000.0
    change = res.experience_change(more_design)
    assert change["low"] > 0  # design raises the score
    assert change["value"] == pytest.approx(2 * res.experience["effect"]["design"]["value"])
    big = analyse(funnel, model, n_draws=20000).experience_draws()
    assert np.percentile(big[:, 1] * 2, [10, 90]) == pytest.approx([change["low"], change["high"]], rel=0.05)


# -- missing parts --------------------------------------------------------------------------------


def test_no_experience_and_no_revenue_leave_those_parts_none(case):
    _, model, funnel, _, _ = case
    res = analyse(funnel.drop(columns=["experience", "revenue_self_service", "revenue_assisted"]), model)
    assert res.experience is None and res.experience_draws() is None
    assert res.experience_change(model.spend.iloc[-1]) is None
    assert res.deal_value is None and res.self_service_revenue_share is None
    assert res.value_per_encounter["revenue"] is None and res.value_draws("revenue") is None
    assert res.value_per_encounter["deals"] is not None
    assert res.close_rate is not None and res.chain["revenue"] is None
    out = res.to_dict()
    assert out["experience"] is None and out["deal_value"] is None
    json.dumps(out, allow_nan=False)
    str(res.summary("fi"))


def test_only_an_experience_score(case):
    _, model, funnel, _, _ = case
    res = analyse(funnel[["experience"]], model)
    assert res.close_rate is None and res.value_per_encounter is None and res.deal_value is None
    assert res.experience["effect"]["design"]["low"] > 0
    assert res.to_dict()["value_per_encounter"] is None


def test_a_single_channel_or_missing_weeks_are_refused(case):
    _, model, funnel, _, _ = case
    with pytest.raises(ValueError, match="deals needs both channels"):
        analyse(funnel.drop(columns=["deals_assisted"]), model)
    with pytest.raises(ValueError, match="lacks 2 week"):
        analyse(funnel.iloc[2:], model)


def test_analyse_dataset_reads_the_funnel_or_returns_none(case):
    syn, model, funnel, _, res = case

    class Plain:
        pass

    assert analyse_dataset(Plain(), model) is None
    with_funnel = Plain()
    with_funnel.funnel = funnel
    again = analyse_dataset(with_funnel, model)
    assert again.to_dict() == res.to_dict()


# -- output ---------------------------------------------------------------------------------------


def test_to_dict_has_the_issue_shape_and_is_json(case):
    *_, res = case
    out = res.to_dict()
    json.dumps(out, allow_nan=False)
    assert set(out["close_rate"]) >= {"value", "low", "high", "trend"}
    assert set(out["close_rate"]["trend"]) >= {"slope", "low", "high"}
    assert set(out["deal_value"]) >= {"self_service", "assisted"}
    for ch in ("self_service", "assisted"):
        assert set(out["deal_value"][ch]) == {"value", "low", "high"}
    assert set(out["self_service_revenue_share"]) == {"value", "low", "high"}
    assert set(out["value_per_encounter"]) == {"revenue", "deals"}
    assert set(out["experience"]["effect"]) == set(CATEGORIES)
    assert out["chain"]["weeks"] == 13
    assert pickle.loads(pickle.dumps(res)).to_dict() == out


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_summary_states_the_sentences_in_each_language(case, lang):
    *_, res = case
    text = str(res.summary(lang))
    html = res.summary(lang)._repr_html_()
    m = Messages(lang)
    dv = res.deal_value["self_service"]
    assert m.eur(round(dv["value"], -1)) in text
    assert m.pct(res.close_rate["value"], 1) in text
    assert m("funnel_title") in text and "<p>" in html
    if lang == "en":
        assert "more than face to face" in text
        assert "The close rate rose with content" in text
    else:
        assert "enemmän kuin kasvokkain" in text


def test_columns_are_the_standard_names():
    assert COLUMNS == (
        "leads",
        "deals_self_service",
        "deals_assisted",
        "revenue_self_service",
        "revenue_assisted",
        "experience",
    )
    assert isinstance(FunnelResults, type)
