"""Smoke runs of the benchmark scripts on the smallest settings they take.

The benchmarks are the only place where accuracy and timing targets are measured; a change in the
package (a renamed key, a new argument) once broke them without any test noticing. Each runs here
as a user runs it, as a script in a fresh process, on one case with few draws: the run must end,
print its report and fail no case, and one figure of its report must lie within a bound that a
broken estimator, optimiser or reader would miss (the runs are seeded, so the figures repeat).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

#: script, arguments, a line of the report that only a finished run prints, exit codes that count as
#: a finished run (bench_plan exits 1 when a target is missed, which one case may do)
RUNS = [
    (
        "bench_calibration.py",
        ["--generators", "small_counts", "--seeds", "1", "--jobs", "1", "--n-draws", "20"],
        "| small_counts | 0 |",
        (0,),
    ),
    (
        "bench_plan.py",
        ["--seeds", "0", "--scenarios", "technology_driven", "--draws", "20", "--weeks", "104"],
        "- slowest frontier:",
        (0, 1),
    ),
    ("bench_geo.py", ["--sims", "10"], "| 6 | 0.4 | 8 |", (0,)),
    (
        "bench_funnel.py",
        ["--scenarios", "content_driven", "--seeds", "1", "--histories", "2", "--n-draws", "20", "--jobs", "1"],
        "## Revenue plan against the true best split",
        (0,),
    ),
    ("bench_backtest.py", ["--generators", "additive_hill", "--draws", "20"], "| additive_hill | 8 |", (0, 1)),
    ("bench_data.py", ["--quick"], "- target (regions_1000 under 30 s and 1500 MB): not judged", (0,)),
    ("bench_regions.py", ["--seeds", "1", "--regions", "4", "--draws", "20"], "| **all** |", (0,)),
    (
        "bench_experiments.py",
        ["--generators", "small_counts", "--seeds", "1", "--n-draws", "20", "--jobs", "1"],
        "| small_counts |",
        (0,),
    ),
]


def table_rows(report: str, column: str) -> list[dict[str, str]]:
    """The rows of the first markdown table of `report` with a column `column`, as {header: cell}."""
    lines = report.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and column in cells:
            rows = []
            for body in lines[i + 2 :]:
                if not body.startswith("|"):
                    break
                rows.append(dict(zip(cells, (c.strip() for c in body.strip().strip("|").split("|")), strict=True)))
            return rows
    raise AssertionError(f"no table with a column {column!r} in the report")


def _calibration(report):
    # on this history the model's worst share error is no more than 10 points above the oracle's
    (row,) = [r for r in table_rows(report, "median err pp") if r["generator"] == "small_counts"]
    assert row["failed"] == "0"
    assert float(row["median err pp"]) <= float(row["oracle median pp"]) + 10


def _plan(report):
    # the plan loses at most 3 % of the truly best split's encounters (1.4 % when last measured)
    (row,) = table_rows(report, "loss %")
    assert 0 <= float(row["loss %"]) <= 3


def _geo(report):
    # the power the design computes is the normal approximation's: 0.05 at no lift, 0.323 at 1.5 se,
    # 0.705 at 2.5 se, whatever the regions and autocorrelation (the simulated shares are too few here)
    expected = {"0": 0.05, "1.5": 0.323, "2.5": 0.705}
    rows = table_rows(report, "computed power")
    assert len(rows) == 11
    for row in rows:
        assert float(row["computed power"]) == pytest.approx(expected[row["lift (se)"]], abs=0.001)


def _data(report):
    # every file is read within the 1,000-region target's bounds (30 s, 1,500 MB)
    for row in table_rows(report, "parse and check s"):
        assert float(row["parse and check s"]) < 30 and float(row["peak MB"]) < 1500, row


def _funnel(report):
    # deal values are ratio estimates: unbiased within 5 %; the revenue plan finds the best split
    rows = {r["quantity"]: r for r in table_rows(report, "bias %")}
    for ch in ("self_service", "assisted"):
        assert abs(float(rows[f"deal value {ch}"]["bias %"])) < 5
    (plan,) = [r for r in table_rows(report, "loss max %") if r["scenario"] == "content_driven"]
    assert float(plan["loss max %"]) <= 1


def _experiments(report):
    # one lift test per category does not leave the share error worse than none by more than 5 points
    rows = {r["tests"]: r for r in table_rows(report, "share error median pp")}
    assert all(r["failed"] == "0" for r in rows.values())
    assert float(rows["3"]["share error median pp"]) <= float(rows["0"]["share error median pp"]) + 5


def _backtest(report):
    # even 20 draws forecast better than last year's same week, and the weekly intervals are not empty
    (row,) = [r for r in table_rows(report, "MAPE naive") if r["generator"] == "additive_hill"]
    assert float(row["MAPE"]) < float(row["MAPE naive"])
    assert 0.5 <= float(row["coverage"]) <= 1


def _regions(report):
    # pooling the regions is no worse than the national fit on the worst category (half of it when measured)
    (row,) = [r for r in table_rows(report, "national worst error") if r["generator"] == "**all**"]
    assert float(row["pooled worst error"]) <= float(row["national worst error"])


CHECKS = {
    "bench_backtest.py": _backtest,
    "bench_regions.py": _regions,
    "bench_calibration.py": _calibration,
    "bench_plan.py": _plan,
    "bench_geo.py": _geo,
    "bench_funnel.py": _funnel,
    "bench_data.py": _data,
    "bench_experiments.py": _experiments,
}


@pytest.mark.parametrize(("script", "args", "marker", "codes"), RUNS, ids=[r[0] for r in RUNS])
def test_benchmark_runs_to_its_report(script, args, marker, codes, tmp_path):
    out = tmp_path / "report.md"
    extra = ["--out", str(out)] if script not in ("bench_plan.py", "bench_geo.py") else []
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args, *extra],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert proc.returncode in codes, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert marker in proc.stdout, proc.stdout[-3000:]
    assert "## Failures" not in proc.stdout, proc.stdout[-3000:]
    if extra:
        assert out.read_text(encoding="utf-8").strip() in proc.stdout
    CHECKS[script](proc.stdout)


def test_a_test_resolving_into_a_decision_is_not_a_flip_but_a_withdrawn_move_is():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_backtest import _flipped

    split = np.array([0.3, 0.3, 0.4])
    run = {"current": split, "candidate": split, "moved_to": ["content"], "moved_from": ["technology"]}
    test, keep = {**run, "action": "test"}, {**run, "action": "keep"}
    move = {**run, "action": "move", "candidate": np.array([0.5, 0.3, 0.2])}
    onward = {**move}  # the next run's best split still has more content and less technology
    back = {**move, "candidate": np.array([0.2, 0.3, 0.5])}  # ... or the other way
    assert not _flipped(test, move) and not _flipped(test, keep)
    assert _flipped(move, test) and _flipped(move, keep) and _flipped(keep, move)
    assert not _flipped(move, onward) and _flipped(move, back)
