"""Shared fixtures: the shipped example and helpers to write corrupted copies of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CSV = ROOT / "data" / "example_weekly.csv"
EXAMPLE_PARAMS = ROOT / "params" / "example.yaml"


#: Whole modules of end-to-end runs: notebooks executed with papermill, the wheel, hostile inputs
#: through the whole CLI, the benchmarks' smoke runs, the runner's batches and the PDFs and HTML
#: built from real runs. `scripts/test --fast` (``-m "not slow"``) leaves them out; CI runs everything.
SLOW_MODULES = {
    "test_suite",
    "test_install",
    "test_hardening",
    "test_benchmarks",
    "test_runner",
    "test_report",
    "test_brief",
    "test_chart_layout",
}
#: Tests by name: notebooks run end to end, and calibration checked over many simulated histories.
SLOW_NAMES = ("notebook", "matches_simulated", "cover_the_truth_about", "calibrated_over_many", "pooled_end_to_end")
#: ... except the tests that only read the stored notebooks (their order, thinness, first cell): unit tests.
FAST_NAMES = ("thin_and_stripped", "thin_and_stored", "five_notebooks_in_order", "first_notebook_says")


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module is not None else ""
        by_name = any(name in item.name for name in SLOW_NAMES) and not any(n in item.name for n in FAST_NAMES)
        if module in SLOW_MODULES or by_name or "suite_runs" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def example_frame() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE_CSV, dtype=str, keep_default_na=False)


@pytest.fixture
def write_case(tmp_path):
    """Write a data frame and a params file beside it; return the params path.

    `changes` are merged into the example params (nested dicts merge, other values replace).
    """

    def write(
        frame: pd.DataFrame | None = None, changes: dict | None = None, *, name="plan", data_name="data.csv", **to_csv
    ) -> Path:
        raw = yaml.safe_load(EXAMPLE_PARAMS.read_text(encoding="utf-8"))
        raw["data"]["path"] = data_name
        raw["output"]["dir"] = "reports"
        for key, value in (changes or {}).items():
            if isinstance(value, dict) and isinstance(raw.get(key), dict):
                raw[key].update(value)
            else:
                raw[key] = value
        if frame is not None:
            if data_name.endswith(".csv"):
                frame.to_csv(tmp_path / data_name, index=False, **to_csv)
            elif data_name.endswith(".xlsx"):
                frame.to_excel(tmp_path / data_name, index=False)
            else:
                frame.to_parquet(tmp_path / data_name, index=False)
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def example_copy(tmp_path) -> Path:
    """The example params and data copied into a temporary folder; returns the params path."""
    (tmp_path / "data").mkdir()
    shutil.copy(EXAMPLE_CSV, tmp_path / "data" / EXAMPLE_CSV.name)
    (tmp_path / "params").mkdir()
    target = tmp_path / "params" / "example.yaml"
    shutil.copy(EXAMPLE_PARAMS, target)
    return target


@pytest.fixture(scope="session")
def suite_runs(tmp_path_factory) -> dict[str, Path]:
    """The whole suite run once per pytest session on the example, in English and in Finnish (40
    posterior draws, to keep it quick); {language: run folder}. Tests that only read a run's outputs
    share it instead of running notebooks of their own."""
    from planner.running import runner

    folder = tmp_path_factory.mktemp("suite")
    (folder / "data").mkdir()
    (folder / "data" / EXAMPLE_CSV.name).write_bytes(EXAMPLE_CSV.read_bytes())
    (folder / "params").mkdir()
    raw = yaml.safe_load(EXAMPLE_PARAMS.read_text())
    raw["model"]["draws"] = 40
    out = {}
    for lang in ("en", "fi"):
        raw["report"]["language"] = lang
        path = folder / "params" / f"example_{lang}.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True))
        outcome = runner.run(path, progress=lambda _: None)
        assert outcome.status == "ok", outcome.message
        out[lang] = outcome.run_dir
    return out


@pytest.fixture
def run_notebook(tmp_path):
    """Execute one notebook of the suite with papermill into tmp_path/run; return (notebook, run_dir)."""

    def execute(name: str, params_path: Path):
        import nbformat
        import papermill

        run_dir = tmp_path / "run"
        run_dir.mkdir(exist_ok=True)
        out = run_dir / f"{name}.ipynb"
        papermill.execute_notebook(
            str(ROOT / "notebooks" / f"{name}.ipynb"),
            str(out),
            parameters={"params_path": str(params_path), "run_dir": str(run_dir)},
            cwd=str(run_dir),
            kernel_name="python3",
            progress_bar=False,
        )
        return nbformat.read(out, as_version=4), run_dir

    return execute
