"""The data parsed once per run: `planner run` saves the weekly frames as Parquet in the run folder and
every notebook reads them back, identical to a fresh parse, while the data file is unchanged."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.reading import data as data_module
from planner.reading import params as params_module
from planner.reading.data import PARSED_FILE, load_data, save_parsed
from planner.running import pipeline
from planner.running.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[1]


def _same(a, b) -> None:
    """Two datasets hold the same frames (values, dtypes, index and its frequency), warnings and sha256."""
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True, check_freq=True)
    assert a.frame.index.freq == b.frame.index.freq
    assert a.frame.index.name == b.frame.index.name
    if a.regions is None:
        assert b.regions is None
    else:
        pd.testing.assert_frame_equal(a.regions, b.regions, check_exact=True, check_freq=True)
        assert a.region_names == b.region_names
    assert a.sha256 == b.sha256
    assert a.warnings == b.warnings
    assert a.summary() == b.summary()
    pd.testing.assert_frame_equal(a.spend, b.spend, check_exact=True)


def _no_parse(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(data_module, "_build", refuse)


@pytest.fixture
def regions_copy(tmp_path):
    """The regional example copied into a temporary folder; returns the params path."""
    root = tmp_path / "regional"
    (root / "data").mkdir(parents=True)
    (root / "params").mkdir()
    shutil.copy(ROOT / "data" / "example_regions.csv", root / "data")
    shutil.copy(ROOT / "params" / "example_regions.yaml", root / "params")
    return root / "params" / "example_regions.yaml"


@pytest.mark.parametrize("which", ["national", "regions", "with_warnings"])
def test_read_back_data_equals_the_parsed(
    which, example_copy, regions_copy, write_case, example_frame, tmp_path, monkeypatch
):
    if which == "national":
        path = example_copy
    elif which == "regions":
        path = regions_copy
    else:  # a short history and an idle column: warnings to carry over
        frame = example_frame.iloc[:60].copy()
        frame["design_visual_eur"] = "0"
        path = write_case(frame)
    p = params_module.load(path)
    parsed = load_data(p)
    if which == "with_warnings":
        assert {w["code"] for w in parsed.warnings} == {"short_history", "idle_spend_column"}
    run = tmp_path / "run"
    run.mkdir()
    save_parsed(parsed, run)
    assert (run / PARSED_FILE).is_file()
    _no_parse(monkeypatch)
    _same(parsed, load_data(p, parsed=run))


def test_a_changed_data_file_or_params_is_parsed_again_and_says_why(example_copy, tmp_path, caplog):
    p = params_module.load(example_copy)
    run = tmp_path / "run"
    run.mkdir()
    save_parsed(load_data(p), run)
    csv = p.data_path
    lines = csv.read_text().splitlines()
    csv.write_text("\n".join(lines[:-1]) + "\n")  # one week fewer
    with caplog.at_level(logging.WARNING, logger="planner.reading.data"):
        fresh = load_data(p, parsed=run)
    assert fresh.weeks == len(lines) - 2
    assert "changed since it was parsed for this run" in caplog.text
    caplog.clear()
    save_parsed(fresh, run)
    example_copy.write_text(example_copy.read_text().replace("horizon_weeks: 13", "horizon_weeks: 12"))
    other = params_module.load(example_copy)
    assert other.plan.horizon_weeks == 12
    with caplog.at_level(logging.WARNING, logger="planner.reading.data"):
        again = load_data(other, parsed=run)
    assert "the params differ" in caplog.text
    pd.testing.assert_frame_equal(fresh.frame, again.frame, check_exact=True)
    assert again.params.plan.horizon_weeks == 12


def test_a_damaged_parsed_file_is_parsed_around(example_copy, tmp_path, caplog):
    p = params_module.load(example_copy)
    run = tmp_path / "run"
    run.mkdir()
    (run / PARSED_FILE).write_bytes(b"not parquet")
    with caplog.at_level(logging.WARNING, logger="planner.reading.data"):
        ds = load_data(p, parsed=run)
    assert "cannot read" in caplog.text
    _same(load_data(p), ds)


def test_pipeline_of_a_run_reads_the_parsed_data_and_standalone_parses(example_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "_RUN_STORE", {})
    p = params_module.load(example_copy)
    parsed = load_data(p)
    run = tmp_path / "run"
    run.mkdir()
    save_parsed(parsed, run)
    calls = []
    build = data_module._build
    monkeypatch.setattr(data_module, "_build", lambda *a, **k: calls.append(1) or build(*a, **k))
    first = Pipeline(example_copy, run).data
    assert calls == []
    _same(parsed, first)
    assert Pipeline(example_copy, run).data is first  # the run's later notebooks: from memory
    alone = Pipeline(example_copy, "").data  # a notebook opened by hand parses as before
    assert calls == [1]
    _same(parsed, alone)


def test_the_bulk_strip_knows_every_space_python_strips():
    spaces = "".join(f"\\x{{{i:x}}}" for i in range(0x110000) if chr(i).isspace())
    assert data_module._PY_SPACE == spaces


def test_text_cells_read_in_bulk_equal_the_cell_rules():
    cells = ["12000", " 12 ", "", None, float("nan"), "\u00a01 234,50\u2009", "x\x1c", "−5", "0012", "1,5", "2.5"]
    column = pd.Series(cells, dtype=object)
    assert list(data_module._text_cells(column)) == [data_module._cell(v) for v in cells]
    for mark in (",", "."):
        fast, fast_empty = data_module._numbers(column.to_numpy(dtype=object), mark)
        slow, slow_empty = data_module._numbers_by_rule(column.to_numpy(dtype=object), mark)
        np.testing.assert_array_equal(fast, slow)
        np.testing.assert_array_equal(fast_empty, slow_empty)
