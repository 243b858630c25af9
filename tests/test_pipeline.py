"""The pipeline: each stage computed once per run, in memory, and nothing executable on disk."""

from planner import pipeline
from planner.model import EncounterModel
from planner.pipeline import Pipeline


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
