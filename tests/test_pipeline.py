"""The pipeline: each stage computed once per run, in memory, and nothing executable on disk."""

import pytest

from planner.inference.model import EncounterModel
from planner.running import pipeline
from planner.running.pipeline import Pipeline


def test_model_is_fitted_once_per_run_and_never_written(example_copy, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(EncounterModel, "fit", lambda self: calls.append(self) or f"fit {len(calls)}")
    monkeypatch.setattr(pipeline, "_RUN_STORE", {})
    run = tmp_path / "run"
    run.mkdir()
    # the notebooks of one run each make their own Pipeline in the same kernel
    first, second = Pipeline(example_copy, run), Pipeline(example_copy, run)
    assert first.model == second.model == "fit 1"
    assert len(calls) == 1
    assert list(run.iterdir()) == []  # no cache files, no pickles
    # another run folder, a changed params file, or a notebook opened by hand: computed afresh
    assert Pipeline(example_copy, tmp_path / "other").model == "fit 2"
    example_copy.write_text(example_copy.read_text().replace("seed: 0", "seed: 1"))
    assert Pipeline(example_copy, run).model == "fit 3"
    assert Pipeline(example_copy, "").model == "fit 4"
    assert Pipeline(example_copy, "").model == "fit 5"


def test_results_json_is_written_and_read_as_schema_2(example_copy, tmp_path):
    import yaml

    from planner.results import Results
    from planner.running.pipeline import base_results, read_results, write_json

    raw = yaml.safe_load(example_copy.read_text())
    raw["report"]["language"] = "fi"
    example_copy.write_text(yaml.safe_dump(raw, allow_unicode=True))
    run = tmp_path / "run"
    pipe = Pipeline(example_copy, run)
    write_json(run / "results.json", base_results(pipe.params))
    pipe.record_data()
    results = read_results(run / "results.json")
    assert isinstance(results, Results)
    assert results.schema == 2 and results.run.language == "fi"
    assert results.data.split.current.technology == pytest.approx(
        float(pipe.data.split(pipe.params.plan.horizon_weeks)["technology"]), abs=1e-6
    )
    assert results.missing() == ["model", "contributions", "allocation", "next_test"]
