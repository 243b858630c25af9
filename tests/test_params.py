"""The params schema: defaults, every problem at once, located and explained."""

from pathlib import Path

import pytest

from planner import params
from planner.params import ParamsError

HERE = Path(__file__).parent / "params"


def test_minimal_file_is_valid_and_defaulted():
    p = params.load(HERE / "minimal.yaml")
    assert p.report.language == "en"
    assert p.data.frequency == "weekly"
    assert p.plan.horizon_weeks == 13
    assert p.plan.total_budget is None
    assert p.plan.reference_split == {"content": 0.8, "design": 0.1, "technology": 0.1}
    assert p.output.dir == "reports"
    assert p.model.family == "auto"
    # data path and output dir are resolved against the params file's folder
    assert p.data_path == (HERE / "data.csv").resolve()
    assert p.output_dir == (HERE / "reports").resolve()
    assert p.name == "minimal"


def test_default_bounds_are_explicit():
    p = params.load(HERE / "minimal.yaml")
    b = p.plan.bound("design")
    assert (b.min_share, b.max_share) == (0.05, 0.90)


def test_shipped_example_is_valid():
    p = params.load(Path(__file__).parent.parent / "params" / "example.yaml")
    assert p.data.controls == ["market_index"]
    assert p.plan.bound("technology").max_share == 0.9
    assert "balanced" in p.plan.scenarios


def test_unknown_key_suggests_the_right_one():
    with pytest.raises(
        ParamsError,
        match=r"(?s)wrong_typo.yaml.*line 9: unknown key 'horizon_week' in plan; "
        r"did you mean 'horizon_weeks'\?",
    ):
        params.load(HERE / "wrong_typo.yaml")


def test_every_problem_is_listed_at_once_with_line_and_key():
    with pytest.raises(ParamsError) as info:
        params.load(HERE / "wrong_many.yaml")
    text = str(info.value)
    expected = [
        r"line 2: report.language: expected 'en' or 'fi', got 'sv'",
        r"line 5: data.encounters: quality weights must be numbers > 0",
        r"line 8: data.spend.design: needs at least 1 item",
        r"data.spend.technology: required key is missing",
        r"line 10: plan.horizon_weeks: must be > 0 \(got -4\)",
        r"line 11: plan.reference_split: reference_split shares must add up to 1 \(they add up to 0.9\)",
        r"line 13: plan.bounds: 'tech' is not a category; did you mean 'technology'\?",
        r"line 14: plan.bounds.design: min_share 0.5 is above max_share 0.2",
        r"line 16: model.draws: expected a whole number",
    ]
    import re

    for pattern in expected:
        assert re.search(pattern, text), f"missing: {pattern}\n{text}"
    assert len(info.value.problems) == len(expected)


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(ParamsError, match=r"(?s)wrong_yaml.yaml.*line \d+, column \d+: not valid YAML"):
        params.load(HERE / "wrong_yaml.yaml")


def test_yaml_is_loaded_safely():
    with pytest.raises(ParamsError, match="not valid YAML"):
        params.load(HERE / "wrong_unsafe.yaml")


def test_output_name_cannot_climb_out():
    with pytest.raises(ParamsError, match=r"output.name: expected letters, digits"):
        params.load(HERE / "wrong_output_name.yaml")


def test_missing_file():
    with pytest.raises(ParamsError, match=r"(?s)nothere.yaml.*file not found"):
        params.load(HERE / "nothere.yaml")


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing\n")
    with pytest.raises(ParamsError, match="must hold a mapping of sections.*it is empty"):
        params.load(empty)


def test_column_with_two_roles(tmp_path):
    f = tmp_path / "two.yaml"
    f.write_text("data:\n  path: d.csv\n  encounters: {a: 1}\n  spend: {content: [a], design: [b], technology: [c]}\n")
    with pytest.raises(ParamsError, match=r"'a' is in both encounters and spend.content"):
        params.load(f)


def test_scenarios_must_be_complete_splits(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(
        "data:\n  path: d.csv\n  encounters: {a: 1}\n  spend: {content: [x], design: [b], technology: [c]}\n"
        "plan:\n  scenarios:\n    bold: {content: 0.9, design: 0.1}\n"
    )
    with pytest.raises(ParamsError, match=r"scenario 'bold' needs a share for every category; missing: technology"):
        params.load(f)


def test_a_side_left_open_keeps_its_default(tmp_path):
    f = tmp_path / "b.yaml"
    f.write_text(
        "data:\n  path: d.csv\n  encounters: {a: 1}\n  spend: {content: [x], design: [b], technology: [c]}\n"
        "plan:\n  bounds:\n    technology: {min_share: 0.1}\n    content: {min_eur: 1000, max_share: 1}\n"
    )
    plan = params.load(f).plan
    assert (plan.bound("technology").min_share, plan.bound("technology").max_share) == (0.1, 0.9)
    assert plan.is_default("technology", "max_share") and not plan.is_default("technology", "min_share")
    content = plan.bound("content")
    assert (content.min_share, content.max_share, content.min_eur) == (0.05, 1.0, 1000)


def test_duplicate_keys_are_errors_naming_both_lines():
    """YAML keeps the last of two equal keys without a word; a plan would silently use the other value."""
    with pytest.raises(ParamsError) as info:
        params.load(HERE / "wrong_duplicate.yaml")
    assert info.value.problems == [
        "line 3: duplicate key 'enc_web' in data.encounters (first at line 3); keep one of the two",
        "line 11: duplicate key 'horizon_weeks' in plan (first at line 9); keep one of the two",
        "line 12: plan.max_change: must be > 0.0 (got -1)",
    ]


def test_same_key_in_different_sections_is_fine(tmp_path):
    text = (HERE / "minimal.yaml").read_text() + "plan:\n  horizon_weeks: 26\noutput:\n  name: x\n"
    (tmp_path / "p.yaml").write_text(text)
    assert params.load(tmp_path / "p.yaml").plan.horizon_weeks == 26
