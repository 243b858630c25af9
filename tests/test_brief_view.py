"""The brief's view and the notebook displays read the typed contract: quick checks without a PDF.

The fixtures are results.json files of real runs (`scripts/make_fixtures.py`); the PDFs built from
them are tested in test_brief.py (slow).
"""

from __future__ import annotations

import json
import typing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.inference.funnel import _render_sentence
from planner.objective import PlanObjective
from planner.plan import PlanError, plan_budget
from planner.plan.response import ResponseModel
from planner.plan.value import OBJECTIVES
from planner.presentation import display
from planner.presentation.brief.view import BriefView, distinct_digits
from planner.presentation.i18n import Messages
from planner.reading.params import PlanSpec
from planner.results import Allocation, Results, ResultsError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
LANGS = ("en", "fi")


def view(name: str, lang: str = "en") -> BriefView:
    raw = json.loads((FIXTURES / f"results_{name}.json").read_text(encoding="utf-8"))
    raw["run"]["language"] = lang
    return BriefView(Results.model_validate(raw))


def test_the_objective_is_one_enum_read_everywhere():
    """params, the plan, results.json and the brief take plan.objective from one definition."""
    assert PlanSpec.model_fields["objective"].annotation is PlanObjective
    assert Allocation.model_fields["objective"].annotation is PlanObjective
    assert OBJECTIVES == tuple(o.value for o in PlanObjective)
    assert [o.is_value for o in PlanObjective] == [False, True, True, True]
    assert PlanObjective("profit").needs == ("revenue", "margin")
    assert view("funnel_profit").objective is PlanObjective.PROFIT
    with pytest.raises(ValueError, match="objective"):
        PlanSpec(objective="margin")


def test_the_brief_needs_a_finished_run():
    raw = json.loads((FIXTURES / "results_content.json").read_text(encoding="utf-8"))
    del raw["allocation"]
    with pytest.raises(ValueError, match="allocation"):
        BriefView(Results.model_validate(raw))


def test_the_brief_and_the_displays_read_fields_not_defaults():
    """No fallback reader: a field renamed in the contract fails loudly instead of reading a default."""
    presentation = ROOT / "planner" / "presentation"
    for path in [*(presentation / "brief").glob("*.py"), presentation / "display.py"]:
        assert "_get(" not in path.read_text(encoding="utf-8"), path
    test = json.loads((FIXTURES / "results_held.json").read_text(encoding="utf-8"))["next_test"]
    assert "teknologian" in display.next_test(test, "fi").data  # a typed test renders in the language
    del test["weeks"]
    with pytest.raises(ResultsError, match="weeks"):
        display.next_test(test, "en")


@pytest.mark.parametrize("lang", LANGS)
def test_an_interval_is_never_rounded_into_a_point(lang):
    v = view("funnel_revenue", lang)
    # encounters: two significant figures would read "+1,000 to +1,000"
    text = v.encounters_interval(1012.0, 1049.0, signed=True)
    low, high = text.strip(" ()").replace("\u00a0", " ").split(" to " if lang == "en" else " – ")
    assert low != high
    # euros in a table cell, in millions and in thousands
    for lo, hi in ((1_210_000.0, 1_240_000.0), (12_010.0, 12_040.0)):
        cell = v.value_range(lo, hi)
        parts = [p.strip() for p in cell.replace("\u00a0", " ").replace(" to ", "|").replace(" – ", "|").split("|")]
        assert len(parts) == 2 and parts[0] != parts[1], cell
    # shares: "0.2–0.4%", not "0–0%"
    assert len(set(v.share_ends(0.002, 0.004))) == 2
    assert distinct_digits(5.0, 5.0, lambda x, d: str(round(x, d))) == 2  # a true point stays as it is


@pytest.mark.parametrize("lang", LANGS)
def test_deal_values_close_together_keep_their_interval(lang):
    m = Messages(lang)
    text = _render_sentence(
        m, "funnel_deal_value", {"direction": "more", "value": 850.2, "low": 849.6, "high": 850.9, "difference": 0.2}
    )
    assert m.eur(850) in text and m.eur(851) in text


def test_the_response_is_a_protocol_the_plan_checks():
    assert isinstance(typing.get_type_hints(ResponseModel.simulate)["return"], type)

    class NoSimulate:
        interval = 0.8

    spend = pd.DataFrame(
        np.full((20, 3), 100.0),
        columns=["content", "design", "technology"],
        index=pd.date_range("2024-01-01", periods=20, freq="7D"),
    )
    with pytest.raises(PlanError, match="response protocol"):
        plan_budget(NoSimulate(), PlanSpec(horizon_weeks=4), spend)


@pytest.mark.parametrize("lang", LANGS)
def test_the_value_gain_parts_read_in_each_parts_own_scale(lang):
    """A part of a few hundred thousand euros beside a gain of millions keeps its own interval."""
    v = view("funnel_revenue", lang)
    line = v.gain_parts
    parts = v.alloc.gain_vs_current.parts
    assert line and v.value_interval(parts.encounters.low, parts.encounters.high, 1.0) in line


@pytest.mark.parametrize("case", ("funnel_revenue", "funnel_profit", "content"))
def test_the_budget_chart_is_in_the_objectives_unit(case):
    """Under a value objective the best-split curve and the current split's dot are in deals or euros,
    so the dot can never sit above a curve of another unit."""
    v = view(case)
    points, current, labels = v.frontier_points
    alloc = v.alloc
    if v.value_objective:
        assert [p["y"] for p in points] == [r.value.value for r in v.frontier_rows]
        assert current == (v.budget, alloc.current.value.value)
        assert labels is not None and ("revenue" in labels[0] or "profit" in labels[0])
        # the best split at the planned budget does at least as well as the current split
        at = min(points, key=lambda p: abs(p["budget"] - v.budget))
        assert at["y"] >= current[1]
    else:
        assert [p["y"] for p in points] == [r.expected_encounters for r in v.frontier_rows]
        assert labels is None
