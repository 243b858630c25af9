"""Benchmark of the whole planner: stage times, growth with data size, batch throughput, memory.

Prints markdown tables (quote them in the README with the machine they ran on).

    python benchmarks/bench_suite.py            # everything: about 15 minutes on 2 cores
    python benchmarks/bench_suite.py --quick    # smaller sweep and batch: about 4 minutes

Targets: the whole suite on the example (5 notebooks, PDF, HTML) under 30 s on 2 cores; fit time
no worse than linear in weeks and 10 years of weekly data fitted in under 15 s; a batch of 20
params files with --jobs 2 at least 1.7x the throughput of --jobs 1.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from docs_section import write_report

from planner import __version__
from planner.inference.model import EncounterModel
from planner.plan import plan_budget
from planner.reading.data import load_data
from planner.reading.params import load as load_params
from planner.running import runner
from planner.running.pipeline import Pipeline
from planner.simulate.synth import generate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "params" / "example.yaml"


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    """Median wall time of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def case(
    folder: Path,
    name: str,
    *,
    weeks: int = 156,
    n_subchannels: int | None = None,
    seed: int = 0,
    draws: int | None = None,
) -> Path:
    """Write generated data and a params file for it (the example's settings otherwise)."""
    syn = generate(seed=seed, weeks=weeks, n_subchannels=n_subchannels, funnel=True)  # the example's columns
    data = folder / f"{name}.csv"
    syn.frame.to_csv(data, index=False)
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["data"]["path"] = data.name
    raw["data"]["spend"] = {c: list(cols) for c, cols in syn.spend_columns.items()}
    raw["output"] = {"dir": "reports"}
    if draws is not None:
        raw["model"]["draws"] = draws
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def stage_times(folder: Path) -> list[tuple[str, float, str]]:
    params = load_params(EXAMPLE)
    rows = []
    t, _ = timed(lambda: runner.validate(EXAMPLE), repeat=3)
    rows.append(("validate (params + data)", t, "planner validate on the example"))
    data = load_data(params)
    spec0 = params.model.model_copy(update={"draws": 0})
    t, _ = timed(lambda: EncounterModel(data, spec0).fit(), repeat=3)
    rows.append(("posterior mode only", t, "draws 0"))
    t, res = timed(lambda: EncounterModel(data, params.model).fit())
    rows.append((f"fit + {params.model.draws} posterior draws", t, "the notebook's fit"))
    t, plan = timed(lambda: plan_budget(res, params.plan, data.spend), repeat=3)
    timings = getattr(plan, "timings", {}) or {}
    if "optimisation" in timings:
        rows.append(("one optimisation", timings["optimisation"], "bounded split"))
    if "frontier" in timings:
        rows.append((f"frontier ({params.plan.frontier.steps} budget levels)", timings["frontier"], ""))
    rows.append(("whole plan", t, "optimisation, scenarios, frontier, draws"))
    from planner.inference.forecast import forecast
    from planner.inference.stability import refresh_stability

    t, _ = timed(lambda: refresh_stability(data, res, plan))
    rows.append(("refresh refits", t, "without the last 4 and 8 weeks, each fit and plan"))
    t, _ = timed(lambda: forecast(res, plan, data=data), repeat=3)
    rows.append(("forecast", t, "both splits, noise included"))
    run_dir = folder / "stage-run"
    run_dir.mkdir()
    pipe = Pipeline(EXAMPLE, run_dir)
    pipe.results()  # fills data, model and plan sections
    t, _ = timed(lambda: pipe.brief(), repeat=3)
    rows.append(("brief.pdf", t, "from results.json"))
    shutil.copy(EXAMPLE, folder / "example.yaml")
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["data"]["path"] = str(ROOT / "data" / "example_weekly.csv")
    raw["output"] = {"dir": str(folder / "reports")}
    (folder / "example.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    t, outcome = timed(lambda: runner.run(folder / "example.yaml", progress=lambda _: None))
    assert outcome.ok, outcome.message
    per_nb = (outcome.run_dir / "run.log").read_text().splitlines()
    detail = ", ".join(line.split(" INFO ")[1].replace(".ipynb done in", "") for line in per_nb if "done in" in line)
    rows.append((f"whole suite ({len(runner.notebooks())} notebooks, PDF, HTML)", t, detail))
    return rows


def growth(folder: Path, years: list[int], subchannels: list[int]) -> list[tuple[str, float, float]]:
    cases = [
        (f"{y} year(s), {{weeks}} weeks, 8 spend columns", f"years{y}", {"weeks": 52 * y + (y >= 5)}) for y in years
    ]
    cases += [(f"3 years, {n} spend columns", f"sub{n}", {"n_subchannels": n}) for n in subchannels]
    rows = []
    for label, name, kwargs in cases:
        path = case(folder, name, **kwargs)
        params = load_params(path)
        data = load_data(params)
        spec0 = params.model.model_copy(update={"draws": 0})
        t_fit, _ = timed(lambda data=data, spec0=spec0: EncounterModel(data, spec0).fit())
        t_suite, outcome = timed(lambda path=path: runner.run(path, progress=lambda _: None))
        assert outcome.ok, outcome.message
        rows.append((label.format(weeks=data.weeks), t_fit, t_suite))
    return rows


def batch(folder: Path, n_files: int) -> list[tuple[int, float, float]]:
    batch_dir = folder / "batch"
    batch_dir.mkdir()
    files = [case(batch_dir, f"market{i:02d}", seed=i) for i in range(n_files)]
    rows = []
    for jobs in (1, 2):
        out = folder / f"batch-out-{jobs}"
        t, outcomes = timed(lambda jobs=jobs, out=out: runner.run_many(files, out, jobs=jobs))
        failed = [o for o in outcomes if not o.ok]
        assert not failed, failed[0].message
        rows.append((jobs, t, 60 * n_files / t))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sweep and a batch of 4 files")
    ap.add_argument("--batch", type=int, default=None, help="params files in the batch test (default 20)")
    ap.add_argument(
        "--parts",
        nargs="+",
        choices=("stages", "growth", "batch"),
        default=["stages", "growth", "batch"],
        help="which tables to measure (default: all)",
    )
    ap.add_argument(
        "--write-docs",
        action="store_true",
        help="also write each table measured into docs/benchmarks.md (suite-stages, suite-growth, suite-batch)",
    )
    args = ap.parse_args(argv)
    years = [1, 3] if args.quick else [1, 3, 5, 10]
    subchannels = [3, 30] if args.quick else [3, 10, 30]
    n_batch = args.batch or (4 if args.quick else 20)

    machine = (
        f"planner {__version__} on {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores"
    )
    print(machine + "\n")
    tables = {}  # docs section -> its lines

    def out(part: str, line: str) -> None:
        print(line, flush=True)
        tables.setdefault(part, []).append(line)

    with tempfile.TemporaryDirectory(prefix="planner-bench-") as tmp:
        folder = Path(tmp)
        if "stages" in args.parts:
            out("stages", "| stage | seconds | note |\n|---|---:|---|")
            for name, t, note in stage_times(folder):
                out("stages", f"| {name} | {t:.2f} | {note} |")
        if "growth" in args.parts:
            out("growth", "\n| data | fit with search (s) | whole suite (s) |\n|---|---:|---:|")
            for name, t_fit, t_suite in growth(folder, years, subchannels):
                out("growth", f"| {name} | {t_fit:.2f} | {t_suite:.1f} |")
        if "batch" in args.parts:
            out("batch", f"\n| batch of {n_batch} params files | seconds | runs per minute |\n|---|---:|---:|")
            rows = batch(folder, n_batch)
            for jobs, t, rate in rows:
                out("batch", f"| --jobs {jobs} | {t:.1f} | {rate:.2f} |")
            out("batch", f"\nspeed-up of --jobs 2 over --jobs 1: {rows[1][2] / rows[0][2]:.2f}x")
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    memory = f"peak memory: this process {self_mb:.0f} MB; largest child process (kernel, worker) {kids_mb:.0f} MB"
    print(memory)
    if args.write_docs:
        for part, lines in tables.items():
            write_report(f"suite-{part}", "\n".join([machine, "", *lines, "", memory]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
