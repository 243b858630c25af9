"""Tests of the geo split: the regional generator, the design's noise and power against simulated
geo tests, the choice between a time test and a geo split, and how the brief words it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from planner import CATEGORIES
from planner.inference import geo
from planner.inference.experiments import CHANGES, design_next_test
from planner.inference.model import EncounterModel
from planner.plan import plan_budget
from planner.presentation.brief import BriefView, build_pdf
from planner.presentation.i18n import NBSP
from planner.reading.data import from_frame
from planner.reading.params import load_dict
from planner.results import NextTest, Results
from planner.simulate import synth
from planner.simulate.generators import make

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLE = ROOT / "params" / "example.yaml"


def region_y(regional: synth.Regional, weights: dict) -> pd.DataFrame:
    """Weighted encounters, one column per region in the generator's order."""
    frame = regional.frame
    y = sum(frame[c].astype(float) * w for c, w in weights.items())
    wide = pd.DataFrame({"week": frame["week_start"], "region": frame["region"], "y": y})
    return wide.pivot(index="week", columns="region", values="y")[list(regional.size.index)]


def test_the_regions_add_up_to_the_national_history():
    national = synth.generate(seed=2, weeks=80, funnel=True)
    regional = synth.split_regions(national, n_regions=5, seed=4)
    summed = regional.frame.drop(columns="region").groupby("week_start").sum()
    frame = national.frame.set_index("week_start")
    for col in ("enc_web", "enc_meetings", "content_video_eur", "tech_crm_eur", "warmed_leads", "deals_sales"):
        assert (summed[col].to_numpy() == frame[col].to_numpy()).all(), col
    assert summed["revenue_web_eur"].to_numpy() == pytest.approx(frame["revenue_web_eur"].to_numpy(), abs=1e-6)
    assert list(regional.size.index) == list(synth.REGION_NAMES[:5])
    assert regional.size.is_monotonic_decreasing and regional.size.sum() == pytest.approx(1.0)
    # each region follows the nation at its own scale, with noise of its own
    y = region_y(regional, national.weights)
    shares = y.div(y.sum(axis=1), axis=0)
    assert shares.mean().to_numpy() == pytest.approx(regional.size.to_numpy(), abs=0.02)
    assert (shares.std() > 0.002).all()


def test_a_balanced_split_mirrors_the_treated_group():
    size = pd.Series([30.0, 22.0, 18.0, 12.0, 10.0, 8.0], index=list("ABCDEF"))
    first, second = geo.balanced_split(size)
    assert sorted(first + second) == list("ABCDEF") and "A" in first
    assert abs(size[first].sum() - size[second].sum()) <= 10.0  # within the smallest region's size... or so
    assert abs(size[first].sum() - size[second].sum()) < abs(size[["A", "B", "C"]].sum() - size[["D", "E", "F"]].sum())


def test_the_noise_of_an_ar1_difference_is_its_exact_variance():
    # white noise: the variance of sum_test - W * mean_pre is W * v + W**2 * v / P
    assert geo.did_se(4.0, 0.0, 8, 26) == pytest.approx(np.sqrt(8 * 4.0 + 64 * 4.0 / 26))
    # positive autocorrelation widens it (the pre-period's correlation with the test weeks aside)
    assert geo.did_se(4.0, 0.5, 8, 26) > geo.did_se(4.0, 0.0, 8, 26)
    rng = np.random.default_rng(0)
    rho, n = 0.5, 20_000
    e = np.zeros((n, 34))
    e[:, 0] = rng.standard_normal(n)
    for t in range(1, 34):
        e[:, t] = rho * e[:, t - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    sims = e[:, 26:].sum(axis=1) - 8 * e[:, :26].mean(axis=1)
    assert sims.std() == pytest.approx(geo.did_se(1.0, rho, 8, 26), rel=0.03)


@pytest.mark.parametrize(("weeks", "lift_in_se"), [(8, 2.5), (4, 1.5)])
def test_the_power_of_a_geo_test_matches_simulated_tests(weeks, lift_in_se):
    """Many geo tests on regional histories of the generator: each designed from its own history
    (groups, matching, noise) and run on the weeks after it with a known lift in the treated regions.
    The share of significant results is the power the design computes."""
    national = synth.generate(seed=5, weeks=130 + weeks)
    n_sims, detected, powers = 300, [], []
    for s in range(n_sims):
        regional = synth.split_regions(national, n_regions=6, seed=100 + s, noise=0.05, rho=0.7)
        y = region_y(regional, national.weights)
        history = y.iloc[:-weeks]
        treated, control = geo.balanced_split(history.iloc[-13:].sum())
        k, var, rho = geo.difference_noise(history, treated, control)
        se = geo.did_se(var, rho, weeks, geo.PRE_WEEKS)
        lift = lift_in_se * se  # a known true lift, spread over the treated regions and the test's weeks
        powers.append(geo.power(lift, se))
        tested = y.copy()
        share = regional.size[treated] / regional.size[treated].sum()
        tested.loc[tested.index[-weeks:], treated] += np.outer(np.full(weeks, lift / weeks), share)
        measured = geo.did_estimate(tested, treated, control, k, weeks, geo.PRE_WEEKS)
        detected.append(abs(measured) / se > 1.959964)
    # 300 tests: the share's sd is about 0.027 at a power of 0.7 (measured: 0.705 computed, 0.707 simulated;
    # 0.323 and 0.333 at 4 weeks). Ignoring the serial correlation gives 0.637 and 0.457 instead.
    assert np.mean(detected) == pytest.approx(np.mean(powers), abs=0.06)


def test_the_detectable_lift_is_found_four_times_in_five():
    rng = np.random.default_rng(1)
    se = 3.0
    measured = geo.detectable(se) + se * rng.standard_normal(40_000)
    assert np.mean(np.abs(measured) / se > 1.959964) == pytest.approx(0.8, abs=0.01)
    assert geo.power(geo.detectable(se), se) == pytest.approx(0.8, abs=1e-3)


def _candidate(weeks, change, power, design="geo"):
    return {
        "weeks": weeks,
        "spend_change_eur_per_week": change,
        "power": power,
        "powered": power >= 0.8,
        "design": design,
        "share_interval_now": [0.1, 0.5],
        "share_interval_after": [0.2, 0.4],
    }


def _first(candidates):
    return candidates[0]


def test_a_geo_split_is_preferred_only_when_it_is_lighter_or_alone_in_reaching_power():
    time_test = _candidate(8, 2000.0, 0.85, "time")
    shorter = _candidate(4, 2000.0, 0.9)
    smaller = _candidate(8, 1000.0, 0.9)
    heavier = _candidate(12, 1000.0, 0.95)
    weak = _candidate(4, 1000.0, 0.5)
    assert geo.choose(time_test, [shorter], _first) is shorter
    assert geo.choose(time_test, [smaller], _first) is smaller
    assert geo.choose(time_test, [heavier, weak], _first) is time_test
    assert geo.choose(time_test, [], _first) is time_test
    unpowered = _candidate(12, 2000.0, 0.4, "time")
    assert geo.choose(unpowered, [heavier], _first) is heavier
    assert geo.choose(unpowered, [weak], _first) is weak  # nothing powered: the more powerful
    assert geo.choose(_candidate(12, 2000.0, 0.6, "time"), [weak], _first)["design"] == "time"


@pytest.fixture(scope="module")
def regional_fit():
    case = make("small_counts", 1)
    regional = synth.split_regions(case, n_regions=6, seed=1)
    raw = {**case.params, "data": {**case.params["data"], "region": "region"}}
    params = load_dict(raw, EXAMPLE)
    data = from_frame(regional.frame, params)
    res = EncounterModel(data, params.model.model_copy(update={"draws": 200})).fit()
    return res, plan_budget(res, params.plan, data.spend), data


def test_with_regions_the_design_may_split_them(regional_fit):
    res, plan, data = regional_fit
    test = design_next_test(res, plan, dataset=data)
    time_only = design_next_test(res, plan)
    assert time_only["design"] == "time" and "treated_regions" not in time_only
    assert test["candidates"] > time_only["candidates"]
    # on this history the regions' own noise is far below the national week-to-week noise
    assert test["design"] == "geo"
    treated, control = test["treated_regions"], test["control_regions"]
    assert treated and control and set(treated).isdisjoint(control)
    assert sorted(treated + control) == sorted(data.region_names)
    assert test["measurement_se"] < time_only["measurement_se"]
    assert test["weeks"] < time_only["weeks"] or abs(test["spend_change_eur_per_week"]) < abs(
        time_only["spend_change_eur_per_week"]
    )
    # within the plan's bounds, scaled to the treated regions' share of the category's spend
    weekly = plan.bounds[test["category"]]
    now = float(res.spend[test["category"]].iloc[-plan.horizon_weeks :].mean())
    assert weekly["min_eur"] / plan.horizon_weeks - 1e-6 <= now + test["spend_change_eur_per_week"]
    assert now + test["spend_change_eur_per_week"] <= weekly["max_eur"] / plan.horizon_weeks + 1e-6
    spend = data.region_spend[test["category"]].unstack("region").iloc[-plan.horizon_weeks :].sum()
    treated_share = spend[treated].sum() / spend.sum()
    steps = [test["spend_change_eur_per_week"] / (treated_share * now)]
    assert min(abs(steps[0] - c) for c in CHANGES) < 1e-3
    NextTest.model_validate(test)
    json.dumps(test, allow_nan=False)
    assert test == design_next_test(res, plan, dataset=data)  # seeded


def test_without_regions_the_design_is_the_time_test(regional_fit):
    res, plan, _ = regional_fit
    national = from_frame(make("small_counts", 1).frame, load_dict(make("small_counts", 1).params, EXAMPLE))
    assert national.regions is None and national.region_y is None
    assert design_next_test(res, plan, dataset=national) == design_next_test(res, plan)


GEO_TEST = {
    "category": "content",
    "spend_change_eur_per_week": 2500.0,
    "weeks": 4,
    "expected_lift": 830.0,
    "detectable_lift": 400.0,
    "power": 0.97,
    "powered": True,
    "measurement_se": 140.0,
    "share_interval_now": [0.2, 0.8],
    "share_interval_after": [0.3, 0.6],
    "candidates": 96,
    "design": "geo",
    "treated_regions": ["Uusimaa", "Keski-Suomi"],
    "control_regions": ["Pirkanmaa", "Lappi"],
}


@pytest.mark.parametrize(
    ("lang", "words", "design"),
    [
        ("en", "Next step", "a split by region: Pirkanmaa and Lappi keep their spend as the comparison"),
        ("fi", "Seuraava askel", "alueittainen koe: alueet Pirkanmaa ja Lappi pitävät"),
    ],
)
def test_the_brief_names_the_geo_split(lang, words, design, tmp_path):
    raw = json.loads((FIXTURES / "results_weak.json").read_text(encoding="utf-8"))
    assert raw["allocation"]["action"] == "test"
    raw["run"]["language"] = raw["params"]["report"]["language"] = lang
    raw["next_test"] = dict(GEO_TEST)
    text = BriefView(Results.model_validate(raw)).next_step
    flat = re.sub(r"\s+", " ", text.replace(NBSP, " "))
    assert flat.startswith(words) and design in flat
    assert re.search(r"Uusimaa (and|ja) Keski-Suomi", flat)
    pdf = build_pdf(Results.model_validate(raw), tmp_path / f"brief_{lang}.pdf")
    page1 = re.sub(r"\s+", " ", PdfReader(pdf).pages[0].extract_text().replace(NBSP, " "))
    assert "Keski-Suomi" in page1 and "Pirkanmaa" in page1
    # an underpowered split by region does not ask for a split by region
    raw["next_test"] = {**GEO_TEST, "power": 0.3, "powered": False}
    weak = BriefView(Results.model_validate(raw)).next_step
    assert not weak.startswith(words) and "Keski-Suomi" in weak
    assert ("not even a split by region" if lang == "en" else "ei alueittainen koekaan") in weak
    assert "or a split by region" not in weak and "tai alueittainen koe." not in weak
    # a time test on national data says nothing of regions; on data by region it says every region
    raw["next_test"] = {k: v for k, v in GEO_TEST.items() if not k.endswith("_regions")} | {"design": "time"}
    national = BriefView(Results.model_validate(raw)).next_step
    assert "Uusimaa" not in national and "region" not in national and "alueilla" not in national
    raw["params"]["data"]["region"] = "region"
    everywhere = BriefView(Results.model_validate(raw)).next_step
    assert ("in every region at once" if lang == "en" else "kaikilla alueilla yhtä aikaa") in everywhere


def test_results_refuse_a_geo_split_without_its_regions():
    with pytest.raises(ValueError, match="treated_regions and control_regions"):
        NextTest.model_validate({**GEO_TEST, "control_regions": None})
    with pytest.raises(ValueError, match="at least one treated and one control"):
        NextTest.model_validate({**GEO_TEST, "treated_regions": []})
    timed = {k: v for k, v in GEO_TEST.items() if not k.endswith("_regions") and k != "design"}
    assert NextTest.model_validate(timed).design == "time"  # results written before the field read as time
    assert "treated_regions" not in NextTest.model_validate(timed).model_dump(mode="json")


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_the_notebook_display_says_which_design(lang):
    from planner.presentation import display

    html = display.next_test(GEO_TEST, lang).data
    assert ("split by region" if lang == "en" else "alueittainen koe") in html
    over_time = {k: v for k, v in GEO_TEST.items() if k not in ("treated_regions", "control_regions")}
    timed = display.next_test({**over_time, "design": "time"}, lang).data
    assert ("over time" if lang == "en" else "ajallinen testi") in timed
    assert ("region" if lang == "en" else "alue") not in timed
    weighed = display.next_test({**over_time, "design": "time"}, lang, ["Uusimaa", "Lappi"]).data
    assert ("a split by region was weighed" if lang == "en" else "alueittaista koetta punnittiin") in weighed
    assert display.next_test(None, lang).data != timed


def test_every_category_can_be_designed(regional_fit):
    res, plan, data = regional_fit
    region_spend = data.region_spend
    assert list(region_spend.columns) == list(CATEGORIES)
    assert region_spend.groupby(level="week_start").sum().to_numpy() == pytest.approx(data.spend.to_numpy())


@pytest.mark.slow
def test_notebook_02_shows_the_geo_split(tmp_path, run_notebook):
    import yaml

    case = make("small_counts", 3)  # a weak model whose plan is to test (see test_experiments)
    regional = synth.split_regions(case, n_regions=4, seed=1)
    regional.frame.to_csv(tmp_path / "regions.csv", index=False, date_format="%Y-%m-%d")
    raw = {**case.params, "data": {**case.params["data"], "path": str(tmp_path / "regions.csv"), "region": "region"}}
    raw["model"] = {**raw.get("model", {}), "draws": 60}
    raw["output"] = {"dir": str(tmp_path / "reports")}
    params = tmp_path / "plan.yaml"
    params.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    nb, _ = run_notebook("02_model", params)
    cell = next(c for c in nb.cells if c.source.strip().startswith("display.next_test("))
    shown = cell.outputs[-1]["data"]["text/html"]
    assert "split by region" in shown and "Uusimaa" in shown


def test_the_shipped_regional_example_is_the_example_split_into_regions(tmp_path):
    from planner.reading import params
    from planner.reading.data import load_data

    written = synth.write_regional_example(tmp_path)
    assert (ROOT / "data" / "example_regions.csv").read_bytes() == written.read_bytes()
    by_region = load_data(params.load(ROOT / "params" / "example_regions.yaml"))
    national = load_data(params.load(EXAMPLE))
    assert len(by_region.region_names) == 6
    pd.testing.assert_frame_equal(by_region.spend, national.spend)
    pd.testing.assert_series_equal(by_region.y, national.y)
    assert by_region.frame.to_numpy() == pytest.approx(national.frame.to_numpy(), abs=1e-6)
