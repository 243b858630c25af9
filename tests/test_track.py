"""The track record: earlier runs found, their forecasts scored against the weeks since, a changed
history reported instead of scored, and the block on page 2 of the brief."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from planner.inference.track import HISTORY_FILE, earlier_runs, history_folder, table, track_record
from planner.presentation.brief.track import track_lines
from planner.reading.data import from_frame
from planner.reading.params import load
from planner.results import load_results, validate_section
from planner.running.cli import EXIT_INVALID, main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FIRST = FIXTURES / "results_track_first.json"
SECOND = FIXTURES / "results_track_second.json"


@pytest.fixture
def example_data():
    from tests.conftest import EXAMPLE_CSV, EXAMPLE_PARAMS

    params = load(EXAMPLE_PARAMS)
    frame = pd.read_csv(EXAMPLE_CSV)
    return params, frame


def _history(tmp_path: Path, results: dict, name: str = "20260105-090000") -> Path:
    run = tmp_path / "reports" / "example" / name
    run.mkdir(parents=True)
    (run / "results.json").write_text(json.dumps(results), encoding="utf-8")
    return run


def test_the_second_run_of_the_pair_scores_the_first(example_data, tmp_path):
    params, frame = example_data
    first = json.loads(FIRST.read_text(encoding="utf-8"))
    run = _history(tmp_path, first)
    track = track_record(from_frame(frame, params), [run])
    (row,) = track.runs
    assert row["status"] == "scored"
    # the forecast made again at the spend that happened falls close to what happened
    assert abs(row["error"]) < 0.05
    assert row["low"] < row["actual"] < row["high"] and row["inside"] is True
    assert row["weekly_coverage"] >= 0.5
    # the first run planned a move the example's spend did not follow
    assert first["allocation"]["action"] == "move" and row["followed"] is False
    record = validate_section("track_record", track.to_dict())
    assert record.scored == 1 and record.inside == 1


def test_the_fixture_pair_is_the_example_run_twice():
    first, second = load_results(FIRST), load_results(SECOND)
    assert first.track_record.scored == 0  # nothing earlier to score
    assert second.track_record.scored == 1 and second.track_record.runs[0].run == "20260105-090000"
    assert first.forecast.start == pd.Timestamp(first.data.end).date() + pd.Timedelta(weeks=1)
    assert second.data.rows == first.data.rows + 13
    assert second.forecast.start > first.forecast.end


def test_a_changed_past_week_is_reported_not_scored(example_data, tmp_path):
    params, frame = example_data
    run = _history(tmp_path, json.loads(FIRST.read_text(encoding="utf-8")))
    frame = frame.copy()
    frame.loc[20, "enc_web"] += 50  # someone corrected a week the first run saw
    track = track_record(from_frame(frame, params), [run])
    assert [r["status"] for r in track.runs] == ["changed"]
    assert track.to_dict()["scored"] == 0 and track.to_dict()["changed"] == 1
    (warning,) = track.warnings()
    assert warning["code"] == "track_history_changed" and "20260105-090000" in warning["text"]


def test_a_forecast_whose_weeks_are_not_all_in_yet_waits(example_data, tmp_path):
    params, frame = example_data
    run = _history(tmp_path, json.loads(FIRST.read_text(encoding="utf-8")))
    track = track_record(from_frame(frame.iloc[:-3], params), [run])
    assert [r["status"] for r in track.runs] == ["pending"]
    assert track.to_dict()["pending"] == 1


def test_only_finished_runs_of_the_plan_count_oldest_first(tmp_path):
    first = json.loads(FIRST.read_text(encoding="utf-8"))
    unfinished = {**first, "run": {**first["run"], "finished": None}}
    a = _history(tmp_path, first, "20260406-090000")
    b = _history(tmp_path, first, "20260105-090000")
    _history(tmp_path, unfinished, "20260701-090000")
    _history(tmp_path, first, "20260801-090000-failed")
    (tmp_path / "reports" / "example" / ".20260901-090000.abcd1234.partial").mkdir()
    folder = tmp_path / "reports" / "example"
    assert earlier_runs(folder) == [b, a]
    assert earlier_runs(folder, exclude=a) == [b]
    # a run folder looks beside itself, or where --history pointed it
    now = folder / "20261001-090000"
    now.mkdir()
    assert history_folder(now, "example") == folder
    other = tmp_path / "elsewhere"
    (other / "example").mkdir(parents=True)
    (now / HISTORY_FILE).write_text(str(other), encoding="utf-8")
    assert history_folder(now, "example") == other / "example"


def test_page_two_says_how_the_last_forecasts_fared_in_both_languages():
    second = load_results(SECOND)
    lines = track_lines(second)
    assert any(line.startswith("Our last forecast: 1 of 1 inside its 80% interval") for line in lines), lines
    assert any("Refitted without the last" in line for line in lines)
    finnish = second.model_copy(update={"run": second.run.model_copy(update={"language": "fi"})})
    assert any(line.startswith("Viimeisin ennusteemme: 1/1 osui") for line in track_lines(finnish))
    assert not any("track_" in line for line in lines)
    frame = table(second.track_record, "en")
    assert frame.iloc[0]["status"] == "scored" and frame.iloc[0]["inside interval"] == "yes"


def test_the_brief_of_the_second_run_shows_the_track_record_on_page_two(tmp_path):
    from pypdf import PdfReader

    from planner.presentation.brief import build_pdf

    pdf = build_pdf(load_results(SECOND), tmp_path / "brief.pdf")
    pages = PdfReader(pdf).pages
    assert len(pages) == 2
    text = " ".join(pages[1].extract_text().split())
    assert "Our last forecast: 1 of 1 inside its 80% interval" in text


def test_run_refuses_a_history_folder_that_does_not_exist(tmp_path, capsys):
    code = main(["run", str(ROOT / "params" / "example.yaml"), "--history", str(tmp_path / "nowhere")])
    assert code == EXIT_INVALID
    err = capsys.readouterr().err
    assert "--history" in err and "no such folder" in err


def test_the_pipeline_records_the_sections_and_forecast_csv(tmp_path):
    from planner.presentation.tables import read_csv
    from planner.running.pipeline import Pipeline
    from tests.conftest import EXAMPLE_CSV, EXAMPLE_PARAMS

    folder = tmp_path / "plan"
    folder.mkdir()
    shutil.copy(EXAMPLE_CSV, folder / "data.csv")
    text = EXAMPLE_PARAMS.read_text(encoding="utf-8").replace("../data/example_weekly.csv", "data.csv")
    text = text.replace("draws: 500 ", "draws: 60  ")
    (folder / "plan.yaml").write_text(text, encoding="utf-8")
    pipe = Pipeline(folder / "plan.yaml", folder / "run")
    results = pipe.results()
    assert results.forecast is not None and results.stability is not None and results.track_record is not None
    assert results.track_record.scored == 0 and results.track_record.runs == []
    csv = read_csv(folder / "run" / "forecast.csv")
    assert set(csv["scenario"]) == {"current", "recommended"} and len(csv) == 2 * results.forecast.horizon_weeks
    before = results.stability.action
    assert results.allocation.action == ("test" if results.stability.direction_holds is False else before)


def _with_week_hashes(results: dict, params, frame: pd.DataFrame) -> dict:
    """The first run's results with the per-week fingerprints of the weeks it saw (as runs now write)."""
    from planner.inference.forecast import week_hashes

    seen = from_frame(frame, params).frame.loc[: results["forecast"]["data_end"]]
    forecast = {**results["forecast"], "data_columns": sorted(seen.columns), "data_week_hashes": week_hashes(seen)}
    return {**results, "forecast": forecast}


def test_a_rolling_window_that_dropped_its_oldest_weeks_is_still_scored(example_data, tmp_path):
    params, frame = example_data
    first = _with_week_hashes(json.loads(FIRST.read_text(encoding="utf-8")), params, frame)
    run = _history(tmp_path, first)
    rolled = frame.iloc[26:].reset_index(drop=True)  # the file now keeps a moving window of weeks
    (row,) = track_record(from_frame(rolled, params), [run]).runs
    assert row["status"] == "scored" and row["actual"] > 0
    # ... but a changed value among the weeks both saw is still a changed history
    edited = rolled.copy()
    edited.loc[40, "enc_web"] += 50
    (row,) = track_record(from_frame(edited, params), [run]).runs
    assert row["status"] == "changed"


def test_a_new_column_does_not_change_the_history_but_a_missing_week_does(example_data, tmp_path):
    params, frame = example_data
    first = _with_week_hashes(json.loads(FIRST.read_text(encoding="utf-8")), params, frame)
    run = _history(tmp_path, first)
    data = from_frame(frame, params)
    wider = replace(data, frame=data.frame.assign(new_control=1.0))  # a column the first run did not see
    (row,) = track_record(wider, [run]).runs
    assert row["status"] == "scored"
    gap = replace(data, frame=data.frame.drop(index=data.frame.index[60]))  # a week the first run saw is gone
    (row,) = track_record(gap, [run]).runs
    assert row["status"] == "changed"


def test_every_run_now_records_a_fingerprint_per_week(example_data):
    from planner.inference.forecast import week_hashes

    params, frame = example_data
    data = from_frame(frame, params)
    hashes = week_hashes(data.frame)
    assert len(hashes) == len(data.frame) and len(set(hashes)) == len(hashes)
    # the same values (a file re-saved) keep their fingerprints; a changed value changes its week's only
    again = data.frame.astype(float).copy()
    assert week_hashes(again) == hashes
    again.iloc[5, 0] += 1
    assert week_hashes(again)[5] != hashes[5] and week_hashes(again)[6] == hashes[6]
