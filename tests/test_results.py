"""results.json as a typed contract: a real run validates against the published schema and parses
into objects; a wrong section is refused naming the field; older files are refused with what to do."""

from __future__ import annotations

import copy
import json
import math
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from planner import CATEGORIES
from planner.results import (
    RESULTS_SCHEMA,
    Results,
    ResultsError,
    json_schema,
    load_results,
    validate_section,
)
from planner.running import cli
from planner.running import pipeline as pipeline_module
from planner.running.pipeline import Pipeline, base_results, write_json
from tests.conftest import EXAMPLE_CSV, EXAMPLE_PARAMS

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT / "docs" / "results.schema.json"
REFRESH = "planner schema > docs/results.schema.json"


@pytest.fixture(scope="module")
def real_run(tmp_path_factory) -> Path:
    """A real run of the example's data, model and plan (few draws), as the notebooks record it."""
    folder = tmp_path_factory.mktemp("contract")
    (folder / "data").mkdir()
    shutil.copy(EXAMPLE_CSV, folder / "data" / EXAMPLE_CSV.name)
    (folder / "params").mkdir()
    raw = yaml.safe_load(EXAMPLE_PARAMS.read_text(encoding="utf-8"))
    raw["model"]["draws"] = 40
    raw["report"]["language"] = "fi"
    params = folder / "params" / "example.yaml"
    params.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    run_dir = folder / "run"
    pipe = Pipeline(params, run_dir)
    write_json(run_dir / "results.json", base_results(pipe.params))
    pipe.record_data()
    pipe.record_model()
    pipe.record_plan()
    return run_dir / "results.json"


@pytest.fixture(scope="module")
def real(real_run) -> dict:
    return json.loads(real_run.read_text(encoding="utf-8"))


def test_a_real_run_validates_against_the_published_schema(real):
    schema = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(real)
    assert real["schema"] == 2
    assert "warning_codes" not in real
    broken = copy.deepcopy(real)
    broken["allocation"]["action"] = "shift"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)


def test_a_real_run_parses_into_objects_that_agree_with_each_other(real_run):
    results = load_results(real_run, finished=True)
    assert isinstance(results, Results)
    assert results.schema == RESULTS_SCHEMA
    assert results.run.language == "fi"
    data, alloc, model = results.data, results.allocation, results.model
    # "current" is the last horizon everywhere
    assert data.horizon_weeks == alloc.horizon_weeks == 13
    for c in CATEGORIES:
        assert alloc.current.split[c] == pytest.approx(data.split.current[c], abs=1e-4)
    assert sum(data.split.all_data.values()) == pytest.approx(1)
    assert alloc.total_budget == pytest.approx(sum(data.spend_by_category.current.values()), rel=1e-6)
    # the plan's own judgements, recorded once
    expected = alloc.candidate if alloc.action == "move" else alloc.current
    assert alloc.recommended.split == expected.split
    moved = sum(max(alloc.candidate.euros[c] - alloc.current.euros[c], 0) for c in CATEGORIES)
    assert alloc.moved_eur == pytest.approx(moved, abs=0.05)
    assert set(alloc.moved_from).isdisjoint(alloc.moved_to)
    assert [s.name for s in alloc.scenarios] == list(results.params["plan"]["scenarios"])
    for b in alloc.binding:
        assert b.share == alloc.bounds[b.category].__getattribute__(b.side)
    assert model.claim.bands["content"][0] < model.claim.bands["content"][1]
    assert set(model.saturation) == {c for c in CATEGORIES if model.identified[c]}
    assert all(0 <= s.level <= 1 for s in model.saturation.values())
    for w in results.warnings:
        assert w.code and w.text and isinstance(w.context, dict)
    # round trip: the dict written is the dict read
    assert results.to_dict() == json.loads(real_run.read_text(encoding="utf-8"))


def test_published_schema_is_current():
    published = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    assert published == json_schema(), f"docs/results.schema.json is out of date; refresh it with `{REFRESH}`"


def test_planner_schema_prints_the_schema(capsys):
    assert cli.main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()


def test_every_field_has_a_description():
    schema = json_schema()
    missing = [
        f"{name}.{field}"
        for name, definition in schema["$defs"].items()
        for field, spec in definition.get("properties", {}).items()
        if not spec.get("description")
    ]
    missing += [f"Results.{f}" for f, spec in schema["properties"].items() if not spec.get("description")]
    assert not missing


# -- refused ----------------------------------------------------------------------------------------


def test_a_wrong_section_is_refused_naming_the_field(real):
    alloc = copy.deepcopy(real["allocation"])
    alloc["action"] = "shift"
    del alloc["current"]["split"]["design"]
    with pytest.raises(ResultsError) as info:
        validate_section("allocation", alloc)
    message = str(info.value)
    assert "allocation.action" in message
    assert "allocation.current.split.design: Field required" in message
    with pytest.raises(ResultsError, match=r"model\.claim\.verdict"):
        validate_section("model", {**real["model"], "claim": {**real["model"]["claim"], "verdict": "maybe"}})
    with pytest.raises(ResultsError, match=r"data\.spend_by_category\.all.*Extra inputs"):
        spend = {"all": {}, **real["data"]["spend_by_category"]}  # the schema-1 key
        validate_section("data", {**real["data"], "spend_by_category": spend})
    with pytest.raises(ResultsError, match=r"contributions\.design\.share"):
        bad = copy.deepcopy(real["contributions"])
        bad["design"]["share"] = math.nan
        validate_section("contributions", bad)
    with pytest.raises(KeyError, match="no section 'alocation'"):
        validate_section("alocation", alloc)


def test_record_refuses_an_invalid_section_and_writes_nothing(example_copy, tmp_path):
    run = tmp_path / "run"
    pipe = Pipeline(example_copy, run)
    write_json(run / "results.json", base_results(pipe.params))
    before = (run / "results.json").read_text()
    summary = pipe.data.summary()
    summary["rows"] = "many"
    with pytest.raises(ResultsError, match=r"data\.rows"):
        pipe.record("data", summary)
    assert (run / "results.json").read_text() == before
    pipe.record("data", pipe.data.summary())
    assert load_results(run).data.rows == 156


def test_schema_1_files_are_refused_saying_to_rerun(tmp_path):
    raw = json.loads((ROOT / "tests" / "fixtures" / "results_content.json").read_text(encoding="utf-8"))
    raw["schema"] = 1
    old = tmp_path / "results_schema1.json"
    old.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ResultsError, match=r"results_schema1\.json has schema 1.*Re-run the plan"):
        load_results(old)
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "results.json").write_text("{not json")
    with pytest.raises(ResultsError, match=r"run/results\.json: not valid JSON"):
        load_results(folder)


def test_a_file_with_a_bad_field_is_refused_naming_file_and_field(real, tmp_path):
    broken = copy.deepcopy(real)
    broken["warning_codes"] = []
    broken["allocation"]["moved_eur"] = -5
    path = tmp_path / "results.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(ResultsError) as info:
        load_results(path)
    message = str(info.value)
    assert str(path) in message
    assert "warning_codes: Extra inputs are not permitted" in message
    assert "allocation.moved_eur" in message


def test_a_run_in_progress_is_valid_but_not_finished(example_copy, tmp_path, real):
    pipe = Pipeline(example_copy, tmp_path / "run")
    start = base_results(pipe.params)
    write_json(tmp_path / "run" / "results.json", start)
    results = load_results(tmp_path / "run" / "results.json")
    assert not results.finished()
    assert results.missing() == ["data", "model", "contributions", "allocation", "next_test"]
    assert results.to_dict() == start  # sections not recorded stay absent
    with pytest.raises(ResultsError, match="not finished; missing section.*data, model"):
        load_results(tmp_path / "run" / "results.json", finished=True)
    sections = {k: real[k] for k in ("data", "model", "contributions", "allocation")}
    assert Results.model_validate({**start, **sections}).missing() == ["next_test"]
    # a null next_test is recorded (no test needed), not missing
    assert Results.model_validate({**start, **sections, "next_test": None}).finished()


# -- warnings ---------------------------------------------------------------------------------------


def test_warnings_are_one_list_of_code_text_context_each_once(example_copy, tmp_path):
    pipe = Pipeline(example_copy, tmp_path / "run")
    write_json(tmp_path / "run" / "results.json", base_results(pipe.params))
    first = {"code": "low_variation", "text": "design spend hardly varied", "context": {"category": "design"}}
    other = {"code": "low_variation", "text": "content spend hardly varied", "context": {"category": "content"}}
    pipe.warn([first, other])
    pipe.warn([dict(first, text="reworded")])  # same code and context: the same warning
    written = json.loads((tmp_path / "run" / "results.json").read_text())
    assert "warning_codes" not in written
    assert written["warnings"] == [first, other]
    with pytest.raises(ResultsError, match=r"warnings\.0\.code"):
        pipe.warn([{"code": None, "text": "x", "context": {}}])


# -- the transitional adapters -----------------------------------------------------------------------


def test_pipeline_results_returns_the_typed_object(example_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline_module, "_RUN_STORE", {})
    raw = yaml.safe_load(example_copy.read_text())
    raw["model"]["draws"] = 0
    example_copy.write_text(yaml.safe_dump(raw))
    results = Pipeline(example_copy, "").results()
    assert isinstance(results, Results) and results.finished()
    assert results.model.method == "mode"
    assert results.allocation.action_reason.code == "no_draws"
