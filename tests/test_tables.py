"""plan.csv in the run's language or in the machine form, and `planner validate` in the run's language."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from planner.presentation.tables import read_csv
from planner.running import cli
from planner.running.pipeline import Pipeline

BOM = "\ufeff".encode()


@pytest.fixture
def plan_frame() -> pd.DataFrame:
    """A table shaped like `weekly_plan`, with cents so the decimal mark shows."""
    index = pd.DatetimeIndex(pd.date_range("2025-01-06", periods=3, freq="W-MON"), name="week_start")
    frame = pd.DataFrame(
        {"content": [1200.5, 1200.25, 1200.0], "design": [150.75, 150.0, 150.0], "technology": [149, 150, 151]},
        index=index,
    )
    frame["total"] = frame.sum(axis=1)
    return frame


def _save(write_case, example_frame, frame, language: str, csv: str | None = None):
    output = {"csv": csv} if csv else {}
    path = write_case(example_frame, {"report": {"language": language}, "output": output})
    pipe = Pipeline(path, path.parent / "run")
    return pipe.save_table(frame, "plan.csv")


def test_a_finnish_plan_csv_opens_in_finnish_excel_and_reads_back(write_case, example_frame, plan_frame):
    target = _save(write_case, example_frame, plan_frame, "fi")
    raw = target.read_bytes()
    assert raw.startswith(BOM)  # Excel shows "Yhteensä", not "YhteensÃ¤"
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "Viikon alku;Sisältö;Muotoilu;Teknologia;Yhteensä"
    assert lines[1] == "2025-01-06;1200,5;150,75;149;1500,25"
    back = read_csv(target)
    assert list(back.columns) == list(plan_frame.columns) and back.index.name == "week_start"
    pd.testing.assert_frame_equal(back, plan_frame, check_dtype=False, check_freq=False)


def test_machine_csv_is_the_same_in_every_language(write_case, example_frame, plan_frame):
    target = _save(write_case, example_frame, plan_frame, "fi", csv="machine")
    assert target.read_text(encoding="utf-8") == plan_frame.to_csv(index=True)
    assert not target.read_bytes().startswith(BOM)
    pd.testing.assert_frame_equal(read_csv(target), plan_frame, check_dtype=False, check_freq=False)


def test_an_english_plan_csv_is_unchanged(write_case, example_frame, plan_frame):
    target = _save(write_case, example_frame, plan_frame, "en")
    assert target.read_bytes() == plan_frame.to_csv(index=True).encode("utf-8")


def test_an_unknown_csv_form_is_refused(write_case, example_frame, capsys):
    path = write_case(example_frame, {"output": {"csv": "excel"}})
    assert cli.main(["validate", str(path)]) == cli.EXIT_INVALID
    assert "output.csv: expected 'localised' or 'machine', got 'excel'" in capsys.readouterr().err


def test_validate_prints_numbers_in_the_run_language(write_case, example_frame, capsys):
    for lang, budget, cents, first_day, pct in [
        ("fi", "479\u00a0948\u00a0€", "637\u00a0259,00\u00a0€", "3.1.2022", "80\u00a0%"),
        ("en", "€479,948", "€637,259.00", "3 Jan 2022", "80%"),
    ]:
        path = write_case(example_frame, {"report": {"language": lang}}, name=f"plan_{lang}")
        assert cli.main(["validate", str(path)]) == cli.EXIT_OK
        out = capsys.readouterr().out
        assert f"budget      {budget} for 13 weeks" in out, out
        assert f"rows        156 weeks, {first_day} .. " in out
        assert f"content {pct} / design" in out
        assert re.search(rf"content: content_articles_eur\s+{cents}\s", out)
