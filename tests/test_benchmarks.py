"""Smoke runs of the benchmark scripts on the smallest settings they take.

The benchmarks are the only place where accuracy and timing targets are measured; a change in the
package (a renamed key, a new argument) once broke them without any test noticing. Each runs here
as a user runs it, as a script in a fresh process, on one case with few draws: the run must end,
print its report and fail no case. The figures themselves are not asserted (one case says nothing).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    ("bench_data.py", ["--quick"], "- target (regions_1000 under 30 s and 1500 MB): not judged", (0,)),
    ("bench_regions.py", ["--seeds", "1", "--regions", "4", "--draws", "20"], "| **all** |", (0,)),
    (
        "bench_experiments.py",
        ["--generators", "small_counts", "--seeds", "1", "--n-draws", "20", "--jobs", "1"],
        "| small_counts |",
        (0,),
    ),
]


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
