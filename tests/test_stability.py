"""Refresh stability: refits without the last weeks, and a move they reverse becomes a test."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from planner import CATEGORIES
from planner.inference.model import EncounterModel
from planner.inference.stability import MIN_REFIT_WEEKS, Refit, Stability, refresh_stability, settle, truncate
from planner.plan import plan_budget
from planner.plan.decision import after_refresh
from planner.reading.data import load_data
from planner.reading.params import load
from planner.results import validate_section

CATS = list(CATEGORIES)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    from tests.conftest import EXAMPLE_PARAMS

    params = load(EXAMPLE_PARAMS)
    params = params.model_copy(update={"model": params.model.model_copy(update={"draws": 100})})
    data = load_data(params)
    model = EncounterModel(data, params.model).fit()
    plan = plan_budget(model, params.plan, data.spend)
    return data, model, plan


def test_truncate_keeps_the_earlier_weeks_only(example):
    data, _, _ = example
    short = truncate(data, 8)
    assert short.weeks == data.weeks - 8
    assert short.frame.index[-1] == data.frame.index[-9]
    pd.testing.assert_frame_equal(short.frame, data.frame.iloc[:-8])
    assert short.sha256 != data.sha256  # a different key wherever results are cached by data


def test_refits_on_the_example_keep_its_content_led_move(example):
    data, model, plan = example
    assert plan.action == "move" and "content" in plan.moved_to
    stability = refresh_stability(data, model, plan)
    assert [r.weeks_dropped for r in stability.refits] == [4, 8]
    assert all(r.error is None for r in stability.refits)
    # a few weeks less data move the shares by a few points at most, and the move stands
    assert stability.share_change < 0.1
    assert stability.direction_holds is True
    assert settle(plan, stability) is plan
    section = validate_section("stability", stability.to_dict())
    assert section.refits[0].candidate.content > plan.current.split["content"]


def _reversing(plan) -> Stability:
    """A refit whose best split gives back to the categories the move takes from."""
    back = plan.current.split.copy()
    for c in plan.moved_to:
        back[c] -= 0.05
    for c in plan.moved_from:
        back[c] += 0.05
    cand = {c: float(back[c]) for c in CATS}
    refit = Refit(weeks_dropped=4, candidate=cand, action="move", reason="clearly_better", direction_holds=False)
    return Stability(action="move", refits=[refit, Refit(weeks_dropped=8, direction_holds=True, action="move")])


def test_a_move_the_refresh_reverses_becomes_a_test(example):
    _, _, plan = example
    stability = _reversing(plan)
    assert stability.direction_holds is False and stability.unstable_weeks == 4
    settled = settle(plan, stability)
    assert settled.action == "test"
    assert settled.action_reason["code"] == "unstable_on_refresh"
    assert "4 weeks" in settled.action_reason["text"]
    # keep the current split, and still show the best split found as the thing to test
    pd.testing.assert_series_equal(settled.recommended.split, plan.current.split.rename("recommended"))
    pd.testing.assert_series_equal(settled.candidate.split, plan.candidate.split)
    section = validate_section("allocation", settled.to_dict())
    assert section.action == "test" and section.action_reason.code == "unstable_on_refresh"


def test_the_direction_check_reads_the_refits_best_split(example):
    data, model, plan = example
    stability = refresh_stability(data, model, plan, weeks=(4,))
    refit = stability.refits[0]
    # every category the move gives to still gains from today's split in the refit, and the losers lose
    for c in plan.moved_to:
        assert refit.candidate[c] > plan.current.split[c]
    for c in plan.moved_from:
        assert refit.candidate[c] < plan.current.split[c]


def test_keep_and_test_are_never_changed(example):
    _, _, plan = example
    kept = replace(plan, action="keep")
    assert after_refresh(kept, False, 4) is kept
    assert after_refresh(plan, None, None) is plan
    assert after_refresh(plan, True, None) is plan


def test_a_refit_on_too_short_a_history_is_reported_not_run(example):
    data, model, plan = example
    weeks = data.weeks - MIN_REFIT_WEEKS + 1
    stability = refresh_stability(data, model, plan, weeks=(weeks,))
    (refit,) = stability.refits
    assert refit.error and "a refit needs" in refit.error
    assert stability.direction_holds is None and settle(plan, stability) is plan


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_the_headline_of_an_unstable_move_says_why_it_is_a_test(lang):
    import json
    from pathlib import Path

    from planner.presentation.brief import headline
    from planner.results import parse_results

    raw = json.loads((Path(__file__).parent / "fixtures" / "results_content.json").read_text(encoding="utf-8"))
    alloc = raw["allocation"]
    assert alloc["action"] == "move"
    alloc["action"] = "test"
    alloc["action_reason"] = {"code": "unstable_on_refresh", "text": "", "context": {"weeks": 4}}
    alloc["recommended"] = {**alloc["current"]}
    raw["run"]["language"] = lang
    line = headline(parse_results(raw))
    assert line.text.startswith("Test" if lang == "en" else "Testaa")
    text = f"{line.text} {line.reason}"
    assert ("without the last weeks" in text) if lang == "en" else ("viimeisiä viikkoja" in text)
    assert "weak" not in text and "heikko" not in text
