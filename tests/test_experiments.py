"""Tests of the next-test design: when a test is proposed, what it promises, and its power."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from planner import CATEGORIES
from planner.inference.experiments import design_next_test, needs_test, with_and_without
from planner.inference.model import EncounterModel
from planner.plan import plan_budget
from planner.presentation.brief import BriefView, build_pdf
from planner.presentation.i18n import NBSP
from planner.reading.data import from_frame
from planner.reading.params import load_dict
from planner.results import Results
from planner.simulate.generators import make, with_experiment

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def small_counts_fit():
    case = make("small_counts", 1)
    params = load_dict(case.params, ROOT / "params" / "example.yaml")
    data = from_frame(case.frame, params)
    res = EncounterModel(data, params.model.model_copy(update={"draws": 200})).fit()
    return res, plan_budget(res, params.plan, data.spend)


def test_the_design_is_feasible_and_says_what_it_promises(small_counts_fit):
    res, plan = small_counts_fit
    test = design_next_test(res, plan)
    assert test["category"] in CATEGORIES and test["weeks"] in (4, 8, 12)
    weekly = plan.bounds[test["category"]]
    now = float(res.spend[test["category"]].iloc[-plan.horizon_weeks :].mean())
    assert weekly["min_eur"] / plan.horizon_weeks - 1e-6 <= now + test["spend_change_eur_per_week"]
    assert now + test["spend_change_eur_per_week"] <= weekly["max_eur"] / plan.horizon_weeks + 1e-6
    now_lo, now_hi = test["share_interval_now"]
    after_lo, after_hi = test["share_interval_after"]
    assert now_lo < now_hi and after_lo < after_hi
    assert after_hi - after_lo <= now_hi - now_lo + 1e-9  # a test never promises less knowledge
    assert np.sign(test["expected_lift"]) == np.sign(test["spend_change_eur_per_week"])
    json.dumps(test, allow_nan=False)
    assert test == design_next_test(res, plan)  # seeded


def test_switching_a_category_off_teaches_its_share_more_than_a_step_up(small_counts_fit, monkeypatch):
    """Without a plan's bounds the designer may switch a category off; on weak data that test promises
    a narrower share interval than any +25 % step, so it is the one proposed."""
    from planner.inference import experiments

    res, _ = small_counts_fit

    def narrowing(test):
        (lo, hi), (alo, ahi) = test["share_interval_now"], test["share_interval_after"]
        return (hi - lo) - (ahi - alo)

    proposed = design_next_test(res)
    now = float(res.spend[proposed["category"]].iloc[-res.horizon_weeks :].mean())
    assert proposed["spend_change_eur_per_week"] == pytest.approx(-now, abs=0.01)
    monkeypatch.setattr(experiments, "CHANGES", (0.25,))
    step_up = design_next_test(res)
    assert narrowing(proposed) > narrowing(step_up) + 0.05


def test_the_power_matches_a_simulation_of_the_test(small_counts_fit):
    res, plan = small_counts_fit
    test = design_next_test(res, plan)
    rng = np.random.default_rng(3)
    se, lift = test["measurement_se"], test["expected_lift"]
    measured = lift + se * rng.standard_normal(20_000)
    detected = np.mean(np.abs(measured) / se > 1.959964)
    assert detected == pytest.approx(test["power"], abs=0.02)
    # a lift the size of the detectable one is found four times in five
    at_detectable = test["detectable_lift"] + se * rng.standard_normal(20_000)
    assert np.mean(np.abs(at_detectable) / se > 1.959964) == pytest.approx(0.8, abs=0.02)


def test_a_test_is_proposed_only_when_the_data_cannot_decide(small_counts_fit):
    res, plan = small_counts_fit
    weak = copy.copy(res)
    weak.quality = "weak"
    assert needs_test(weak)
    clear = dataclasses.replace(plan, action="move")
    assert needs_test(res, clear) == (res.quality == "weak" or not res.identified.all())
    unsure = dataclasses.replace(plan, action="keep", gain_vs_current={**plan.gain_vs_current, "low": -1.0})
    assert needs_test(res, unsure)


@pytest.mark.parametrize(("lang", "words"), [("en", "Next step"), ("fi", "Seuraava askel")])
def test_the_brief_states_the_proposed_test_whenever_the_run_has_one(lang, words, tmp_path):
    raw = json.loads((FIXTURES / "results_weak.json").read_text(encoding="utf-8"))
    assert raw["allocation"]["action"] == "test"
    raw["run"]["language"] = raw["params"]["report"]["language"] = lang
    raw["next_test"] = {
        "category": "design",
        "spend_change_eur_per_week": 2500.0,
        "weeks": 8,
        "expected_lift": 1830.0,
        "detectable_lift": 1400.0,
        "power": 0.93,
        "powered": True,
        "measurement_se": 500.0,
        "share_interval_now": [0.0, 0.4],
        "share_interval_after": [0.05, 0.25],
        "candidates": 36,
    }
    text = BriefView(Results.model_validate(raw)).next_step
    assert text.startswith(words) and "8" in text
    assert "2500" in re.sub(r"[\s,\u00a0]", "", text)
    pdf = build_pdf(Results.model_validate(raw), tmp_path / f"brief_{lang}.pdf")
    page1 = re.sub(r"\s+", " ", PdfReader(pdf).pages[0].extract_text().replace(NBSP, " "))
    assert re.sub(r"\s+", " ", text.replace(NBSP, " ")).strip() in page1
    # an underpowered design is not proposed as if it could succeed
    raw["next_test"].update(power=0.12, powered=False)
    weak_text = BriefView(Results.model_validate(raw)).next_step
    assert not weak_text.startswith(words) and "12" in weak_text
    raw["allocation"]["action"] = "move"  # page 1 shows the run's test whatever the action
    assert BriefView(Results.model_validate(raw)).next_step == weak_text
    raw["next_test"] = None
    assert BriefView(Results.model_validate(raw)).next_step is None


def test_with_and_without_the_tests_side_by_side():
    syn_case = make("additive_hill", 3)
    raw = copy.deepcopy(syn_case.params)
    tested, entry, _ = with_experiment(syn_case, "design", 110, 8, 2000.0, seed=1)
    raw["experiments"] = [entry]
    params = load_dict(raw, ROOT / "params" / "example.yaml")
    data = from_frame(tested.frame, params)
    res = EncounterModel(data, params.model.model_copy(update={"draws": 60})).fit()
    table = with_and_without(res, plan_budget(res, params.plan, data.spend), data)
    assert list(table.index) == list(CATEGORIES)
    assert table[("with tests", "share")].sum() == pytest.approx(1.0)
    assert table[("without tests", "share")].sum() == pytest.approx(1.0)
    assert not np.allclose(table[("with tests", "share")], table[("without tests", "share")])


def test_a_direction_to_test_gets_a_test_along_it():
    """A weak model that still finds a clearly better split: the proposed test takes a step that way."""
    case = make("small_counts", 3)
    params = load_dict(case.params, ROOT / "params" / "example.yaml")
    data = from_frame(case.frame, params)
    res = EncounterModel(data, params.model.model_copy(update={"draws": 200})).fit()
    plan = plan_budget(res, params.plan, data.spend)
    assert plan.action == "test" and plan.action_reason["code"] == "weak_model"
    test = design_next_test(res, plan)
    gives = float(plan.candidate.euros[test["category"]] - plan.current.euros[test["category"]])
    assert test["spend_change_eur_per_week"] * gives > 0


def test_the_next_test_is_for_the_category_the_data_cannot_show():
    """A flat licence: the plan holds technology, and the test proposed is a powered test of it,
    its size free of the plan's hold, with a lift that does not pretend to be the model's."""
    case = make("flat_licence", 0)
    params = load_dict(case.params, ROOT / "params" / "example.yaml")
    data = from_frame(case.frame, params)
    res = EncounterModel(data, params.model.model_copy(update={"draws": 200})).fit()
    plan = plan_budget(res, params.plan, data.spend)
    assert plan.held == ["technology"]
    test = design_next_test(res, plan)
    assert test["category"] == "technology" and test["powered"]
    assert test["spend_change_eur_per_week"] != 0.0
    # held at its current share by the plan, yet the test may change its spend
    now = float(data.spend["technology"].iloc[-plan.horizon_weeks :].mean())
    assert abs(test["spend_change_eur_per_week"]) <= now + 1e-6
    low, high = test["share_interval_now"]
    assert high - low > 0.3  # the range it could lie in, not a posterior it does not have
    # and it is expected to narrow that range
    assert test["share_interval_after"][1] - test["share_interval_after"][0] < high - low


def test_a_held_categorys_next_test_quotes_the_same_share_range_as_the_claim():
    """One range for one share: the next test's "share now" of a category the data cannot show is
    the bound range the shares (and the claim, and the brief) give it."""
    import json
    from pathlib import Path

    seen = 0
    for path in sorted((Path(__file__).parent / "fixtures").glob("results_*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        test = raw.get("next_test")
        if not test:
            continue
        share = raw["contributions"][test["category"]]
        if share["identified"]:
            continue
        seen += 1
        assert test["share_interval_now"] == pytest.approx([share["low"], share["high"]]), path.name
    assert seen >= 1  # the held fixture at least
