"""The params schema: defaults, every problem at once, located and explained."""

import re
from pathlib import Path

import pytest
import yaml

from planner.reading import params
from planner.reading.params import ParamsError

HERE = Path(__file__).parent / "params"
ROOT_PARAMS = Path(__file__).resolve().parents[1] / "params"


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


# -- experiments ---------------------------------------------------------------------------------


def test_experiments_default_to_none():
    assert params.load(HERE / "minimal.yaml").experiments == []


def _with_experiments(tmp_path, entries: str) -> Path:
    f = tmp_path / "e.yaml"
    f.write_text((HERE / "minimal.yaml").read_text() + "experiments:\n" + entries)
    return f


def test_experiment_is_read_with_its_weeks_and_standard_error(tmp_path):
    f = _with_experiments(
        tmp_path,
        "  - {name: spring, category: content, start: 2023-03-08, end: 2023-03-19,\n"
        "     spend_change_eur_per_week: 5000, lift: 1200, lift_se: 300, note: regional newsletter pause}\n"
        "  - {name: autumn, category: design, start: '2023-09-04', end: '2023-09-30',\n"
        "     spend_change_eur_per_week: -2000, lift: -300, lift_low: -500, lift_high: -100,\n"
        "     measured_weeks_after: 2}\n",
    )
    spring, autumn = params.load(f).experiments
    assert spring.lift_se == 300 and spring.se == 300
    assert spring.level == 0.9 and spring.measured_weeks_after == 0
    # any day of a week stands for its week: Wednesday 8 March is in the week of Monday 6 March
    assert (spring.first_week.isoformat(), spring.last_week.isoformat(), spring.window_weeks) == (
        "2023-03-06",
        "2023-03-13",
        2,
    )
    assert autumn.window_weeks == 4 and autumn.measured_weeks_after == 2
    # a 90 % interval of half-width 200 is 200 / 1.6449 standard errors
    assert autumn.se == pytest.approx(200 / 1.6448536269514722, rel=1e-12)


def test_interval_level_sets_the_standard_error(tmp_path):
    f = _with_experiments(
        tmp_path,
        "  - {name: a, category: technology, start: 2023-03-06, end: 2023-03-19,\n"
        "     spend_change_eur_per_week: 5000, lift: 100, lift_low: 50, lift_high: 150, level: 0.95}\n",
    )
    assert params.load(f).experiments[0].se == pytest.approx(50 / 1.959963984540054, rel=1e-12)


def test_a_lift_against_the_change_is_data_not_an_error(tmp_path):
    f = _with_experiments(
        tmp_path,
        "  - {name: surprise, category: content, start: 2023-03-06, end: 2023-03-19,\n"
        "     spend_change_eur_per_week: 5000, lift: -40, lift_se: 300}\n",
    )
    assert params.load(f).experiments[0].lift == -40


def test_every_bad_experiment_has_its_message():
    with pytest.raises(ParamsError) as info:
        params.load(HERE / "wrong_experiments.yaml")
    assert info.value.problems == [
        "line 9: experiments[0]: the lift's uncertainty is missing: give lift_se (its standard error), "
        "or lift_low and lift_high (its interval at level, default 0.9)",
        "line 21: experiments[1].lift_se: give the lift's uncertainty one way only: lift_se, or lift_low and "
        "lift_high (both lift_se and lift_low are given)",
        "line 29: experiments[2].lift_low: lift_low (600) must be below lift_high (200)",
        "line 35: experiments[3].spend_change_eur_per_week: must not be 0: give the change against the usual "
        "weekly spend (negative for a cut)",
        "line 41: experiments[4].end: the window 2023-09-04..2023-09-10 lies in one week (the week of "
        "2023-09-04); a test must run at least two weeks to be told apart from the weekly noise",
        "line 46: experiments[5].category: 'contnet' is not a category; did you mean 'content'?",
        "line 58: unknown key 'lift_sd' in experiments[6]; did you mean 'lift_se'?",
        "line 62: experiments[7].end: end 2024-01-22 is before start 2024-02-05",
        "line 74: experiments[8].level: must be < 1.0 (got 1.5)",
    ]


def test_experiment_names_are_unique():
    with pytest.raises(ParamsError) as info:
        params.load(HERE / "wrong_experiment_names.yaml")
    assert info.value.problems == [
        "line 23: experiments[2].name: 'spring' is already the name of experiments[0]; give each experiment its "
        "own name"
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("lift_low: 10, lift_high: 10", r"experiments\[0\].lift_low: lift_low \(10\) must be below lift_high \(10\)"),
        ("lift_low: 10", r"experiments\[0\].lift_low: lift_low needs lift_high too \(or give lift_se instead\)"),
        ("lift_se: 0", r"experiments\[0\].lift_se: must be > 0"),
        ("lift_se: 5, start: 2023-03-13", r"experiments\[0\].end: the window 2023-03-13..2023-03-19 lies in one week"),
        ("lift_se: 5, start: 31.2.2023", r"experiments\[0\].start: expected a date such as 2024-03-04"),
        ("lift_se: 5, measured_weeks_after: -1", r"experiments\[0\].measured_weeks_after: must be >= 0"),
        ("lift_se: 5, category: tech", r"experiments\[0\].category: 'tech' is not a category"),
        ("lift_se: 5, name: ''", r"experiments\[0\].name: must not be empty"),
    ],
)
def test_one_bad_key(tmp_path, entry, message):
    base = {
        "name": "a",
        "category": "content",
        "start": "2023-03-06",
        "end": "2023-03-19",
        "spend_change_eur_per_week": 100,
        "lift": 10,
    }
    for part in entry.split(", "):
        key, value = part.split(": ")
        base[key] = value
    body = ", ".join(f"{k}: {v}" for k, v in base.items())
    f = _with_experiments(tmp_path, f"  - {{{body}}}\n")
    with pytest.raises(ParamsError, match=r"line 10: " + message):
        params.load(f)


def test_the_former_n_bootstrap_key_still_sets_the_draws():
    example = HERE.parent.parent / "params" / "example.yaml"
    raw = yaml.safe_load(example.read_text(encoding="utf-8"))
    raw["model"].pop("draws", None)
    raw["model"]["n_bootstrap"] = 40
    assert params.load_dict(raw, example).model.draws == 40
    raw["model"]["draws"] = 70  # the new key wins
    assert params.load_dict(raw, example).model.draws == 70


# -- the funnel section, plan.objective and plan.experience_guard --------------------------------


def test_without_a_funnel_section_plans_for_encounters():
    p = params.load(HERE / "minimal.yaml")
    assert p.funnel is None
    assert p.plan.objective == "encounters" and p.plan.experience_guard is False


def test_shipped_example_uses_the_funnel_section():
    p = params.load(Path(__file__).parent.parent / "params" / "example.yaml")
    assert p.funnel is not None and p.funnel.margin == 0.35
    assert p.funnel.columns() == {
        "leads": "warmed_leads",
        "deals_self_service": "deals_web",
        "deals_assisted": "deals_sales",
        "revenue_self_service": "revenue_web_eur",
        "revenue_assisted": "revenue_sales_eur",
        "experience": "nps",
    }
    assert p.plan.objective == "encounters" and p.plan.experience_guard is False


def test_every_funnel_field_is_described():
    for model in (params.FunnelSpec, params.DealColumns, params.RevenueColumns):
        assert all(f.description for f in model.model_fields.values()), model
    for name in ("objective", "experience_guard"):
        assert params.PlanSpec.model_fields[name].description


def test_funnel_problems_are_all_listed_with_line_and_key():
    with pytest.raises(ParamsError) as info:
        params.load(HERE / "wrong_funnel.yaml")
    assert info.value.problems == [
        "line 10: funnel.deals: expected a column per channel: {self_service: <column>, assisted: <column>} "
        "(got 'deals_web')",
        "line 11: funnel.revenue.assisted: required key is missing",
        "line 12: unknown key 'margn' in funnel; did you mean 'margin'?",
        "line 15: plan.objective: objective 'profit' needs funnel.margin; add it to the funnel section, or use "
        "objective: encounters",
    ]


def test_objective_and_guard_need_their_columns_and_a_column_has_one_role():
    with pytest.raises(ParamsError) as info:
        params.load(HERE / "wrong_funnel_needs.yaml")
    assert info.value.problems == [
        "line 11: funnel.margin: must be <= 1.0 (got 1.35)",
        "line 13: plan.objective: objective 'revenue' needs funnel.revenue; add it to the funnel section, or use "
        "objective: encounters",
        "line 14: plan.experience_guard: true needs funnel.experience (the column of a customer-experience "
        "score); add it to the funnel section, or set experience_guard: false",
    ]
    text = (HERE / "wrong_funnel_needs.yaml").read_text().replace("margin: 1.35", "margin: 0.35")
    with pytest.raises(ParamsError) as info:
        params.load_dict(yaml.safe_load(text), HERE / "x.yaml", text)
    assert info.value.problems[0] == (
        "line 10: funnel.deals.assisted: 'deals_web' is also in funnel.deals.self_service; a column can have "
        "only one role"
    )


@pytest.mark.parametrize(
    ("funnel", "plan", "message"),
    [
        ("{}", "", r"line 8: funnel: the funnel section names no column"),
        ("{margin: 0.3}", "", r"line 8: funnel: the funnel section names no column"),
        ("{leads: ux_eur}", "", r"line 8: funnel.leads: 'ux_eur' is also in data.spend.design"),
        ("{experience: week_start}", "", r"funnel.experience: 'week_start' is also in data.date_column"),
        ("{deals: {self_service: a, assisted: b, online: c}}", "", r"unknown key 'online' in funnel.deals"),
        ("{revenue: [a, b]}", "", r"funnel.revenue: expected a column per channel"),
        ("{leads: l}", "objective: deals", r"line 10: plan.objective: objective 'deals' needs funnel.deals;"),
        ("{leads: l}", "objective: profit", r"objective 'profit' needs funnel.revenue and funnel.margin; add them"),
        ("{leads: l}", "objective: sales", r"plan.objective: expected 'encounters', 'deals', 'revenue' or 'profit'"),
        ("{leads: l}", "experience_guard: true", r"line 10: plan.experience_guard: true needs funnel.experience"),
        ("{leads: l}", "objectiv: deals", r"unknown key 'objectiv' in plan; did you mean 'objective'\?"),
    ],
)
def test_one_bad_funnel_key(tmp_path, funnel, plan, message):
    text = (HERE / "minimal.yaml").read_text().replace("  date_column: week_start\n", "")
    assert text.count("\n") == 7  # so that funnel is on line 8 and plan's key on line 10
    text += f"funnel: {funnel}\n" + (f"plan:\n  {plan}\n" if plan else "")
    f = tmp_path / "plan.yaml"
    f.write_text(text)
    with pytest.raises(ParamsError, match=message):
        params.load(f)


def test_objectives_with_what_they_need_are_valid(tmp_path):
    base = yaml.safe_load((HERE / "minimal.yaml").read_text())
    full = {
        "leads": "l",
        "deals": {"self_service": "d1", "assisted": "d2"},
        "revenue": {"self_service": "r1", "assisted": "r2"},
        "margin": 0.4,
        "experience": "nps",
    }
    for objective in ("encounters", "deals", "revenue", "profit"):
        p = params.load_dict({**base, "funnel": full, "plan": {"objective": objective, "experience_guard": True}})
        assert p.plan.objective == objective and p.plan.experience_guard
    p = params.load_dict({**base, "funnel": {"experience": "nps"}})
    assert p.funnel.columns() == {"experience": "nps"} and p.funnel.deals is None


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("enc_web", r"line \d+: data: a column can have only one role: 'enc_web' is in both encounters and region"),
        ("week_start", r"'week_start' is in both date_column and region"),
        (
            "' '",
            r"line \d+: data.region: must name the column of each row's region; leave data.region out for national",
        ),
        ("[north, south]", r"line \d+: data.region: expected text"),
        ("nps", r"funnel.experience: 'nps' is also in data.region; a column can have only one role"),
    ],
)
def test_data_region_names_one_column_of_its_own(region, message):
    text = (ROOT_PARAMS / "example.yaml").read_text(encoding="utf-8")
    text = text.replace("  # region: region   ", f"  region: {region}   ", 1)
    assert f"region: {region}" in text
    with pytest.raises(ParamsError) as info:
        params.load_dict(yaml.safe_load(text), ROOT_PARAMS / "example.yaml", text)
    assert any(re.search(message, p) for p in info.value.problems), info.value.problems


def test_data_region_is_optional_and_misspelt_keys_are_named():
    text = (ROOT_PARAMS / "example.yaml").read_text(encoding="utf-8")
    assert params.load_dict(yaml.safe_load(text), ROOT_PARAMS / "example.yaml", text).data.region is None
    named = text.replace("  # region: region   ", "  region: area   ", 1)
    assert params.load_dict(yaml.safe_load(named), ROOT_PARAMS / "example.yaml", named).data.region == "area"
    typo = text.replace("  # region: region   ", "  regoin: area   ", 1)
    with pytest.raises(ParamsError) as info:
        params.load_dict(yaml.safe_load(typo), ROOT_PARAMS / "example.yaml", typo)
    assert any(
        re.search(r"line 59: unknown key 'regoin' in data; did you mean 'region'\?", p) for p in info.value.problems
    )


def _alias_bomb(levels: int) -> str:
    """Nested anchors and aliases ("billion laughs"): 9**levels values from a few hundred bytes."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n" + (HERE / "minimal.yaml").read_text()


@pytest.mark.parametrize("levels", [6, 9])
def test_an_alias_bomb_is_refused_at_once(tmp_path, levels):
    import time

    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_alias_bomb(levels))
    assert bomb.stat().st_size < 2048
    start = time.perf_counter()
    with pytest.raises(ParamsError, match=r"(?s)bomb.yaml: 1 problem.*aliases \(&name, \*name\) expand to more than"):
        params.load(bomb)
    assert time.perf_counter() - start < 1.0


def test_an_alias_inside_itself_is_refused(tmp_path):
    loop = tmp_path / "loop.yaml"
    loop.write_text("a: &x [1, *x]\n" + (HERE / "minimal.yaml").read_text())
    with pytest.raises(
        ParamsError, match=r"(?s)loop.yaml.*line 1: an alias refers to the list or mapping it is inside"
    ):
        params.load(loop)


def test_a_few_aliases_are_fine(tmp_path):
    text = (HERE / "minimal.yaml").read_text()
    text += "plan:\n  scenarios:\n    a: &split {content: 0.5, design: 0.25, technology: 0.25}\n    b: *split\n"
    (tmp_path / "data.csv").touch()
    path = tmp_path / "aliases.yaml"
    path.write_text(text)
    p = params.load(path)
    assert p.plan.scenarios["a"] == p.plan.scenarios["b"]


def test_params_names_are_read_in_nfc(tmp_path):
    import unicodedata

    text = (HERE / "minimal.yaml").read_text().replace("date_column: week_start", "date_column: ä_week")
    assert "ä_week" in text
    path = tmp_path / "nfd.yaml"
    path.write_text(unicodedata.normalize("NFD", text))
    assert params.load(path).data.date_column == "ä_week"  # composed, as the data's headers are read


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("header_row", 0, r"data.header_row: must be >= 1"),
        ("date_format", "%Y-%m", r"data.date_format: expected a strptime format with %d, %m and %Y"),
        ("accept_outliers", "content_eur", r"data.accept_outliers: expected a list"),
    ],
)
def test_reading_keys_are_checked(tmp_path, key, value, message):
    raw = yaml.safe_load((HERE / "minimal.yaml").read_text())
    raw["data"][key] = value
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ParamsError, match=message):
        params.load(path)


def test_run_cell_timeout_defaults_to_ten_minutes_and_is_checked(tmp_path):
    assert params.load(HERE / "minimal.yaml").run.cell_timeout_s == 600
    assert params.load(ROOT_PARAMS / "example.yaml").run.cell_timeout_s == 600  # documented at its default
    text = (HERE / "minimal.yaml").read_text(encoding="utf-8")
    (tmp_path / "data.csv").write_text("")
    for value, message in (
        ("0", r"line \d+: run.cell_timeout_s: must be >= 1 \(got 0\)"),
        ("ten", r"line \d+: run.cell_timeout_s: "),
        ("90000", r"line \d+: run.cell_timeout_s: must be <= 86400"),
    ):
        f = tmp_path / "p.yaml"
        f.write_text(text + f"run:\n  cell_timeout_s: {value}\n", encoding="utf-8")
        with pytest.raises(ParamsError, match=message):
            params.load(f)
    f.write_text(text + "run:\n  cell_timeout: 60\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"did you mean 'cell_timeout_s'"):
        params.load(f)
