"""Data-reading benchmark: how long `planner.reading.data.load_data` takes to read and check a large file, and
its peak memory, against reading back the run's saved parse (`planner.reading.data.save_parsed`).

Three generated CSV files, written with the example's column layout (random whole-euro spend):

- ``weekly_40``: 10 years weekly, 40 spend columns;
- ``daily_5y``: 5 years daily;
- ``regions_1000``: 1,000 regions x 1,000 weeks in long form (`data.region`, as
  data/example_regions.csv), a million rows.

Each case runs in a fresh process, so its peak resident memory (``ru_maxrss``, the whole process with
Python and pandas) is its own. Target: ``regions_1000`` validates in under 30 s and under 1.5 GB.

    python benchmarks/bench_data.py            # the three cases at full size
    python benchmarks/bench_data.py --quick    # small files: a smoke run (the target is not judged)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from docs_section import write_report

TARGET_SECONDS = 30.0
TARGET_MB = 1500.0
TARGET_CASE = "regions_1000"

#: name: (rows of dates, spend columns, regions, frequency)
FULL = {
    "weekly_40": (520, 40, 0, "weekly"),
    "daily_5y": (5 * 365 + 1, 8, 0, "daily"),
    "regions_1000": (1000, 8, 1000, "weekly"),
}
QUICK = {
    "weekly_40": (104, 40, 0, "weekly"),
    "daily_5y": (400, 8, 0, "daily"),
    "regions_1000": (60, 8, 20, "weekly"),
}
CATEGORY_PREFIX = {"content": "content", "design": "design", "technology": "tech"}


def _spend_columns(n: int) -> dict[str, list[str]]:
    """`n` spend columns spread over the three categories as evenly as they go."""
    out: dict[str, list[str]] = {c: [] for c in CATEGORY_PREFIX}
    for i in range(n):
        category = list(CATEGORY_PREFIX)[i % 3]
        out[category].append(f"{CATEGORY_PREFIX[category]}_{len(out[category]) + 1}_eur")
    return out


def write_case(folder: Path, name: str, rows: int, n_spend: int, regions: int, frequency: str) -> Path:
    """Write one generated data file and its params file into `folder`; return the params path."""
    rng = np.random.default_rng(7)
    step = "D" if frequency == "daily" else "7D"
    dates = pd.date_range("2010-01-04", periods=rows, freq=step)
    n_regions = max(regions, 1)
    spend = _spend_columns(n_spend)
    cols: dict[str, object] = {"week_start": np.repeat(dates.strftime("%Y-%m-%d"), n_regions)}
    size = rows * n_regions
    if regions:
        cols["region"] = np.tile([f"region_{i:04d}" for i in range(regions)], rows)
    for enc, scale in (("enc_web", 3000), ("enc_calls", 150), ("enc_meetings", 30)):
        cols[enc] = rng.poisson(scale, size)
    for names in spend.values():
        for col in names:
            cols[col] = rng.integers(100, 5000, size)
    cols["event_trade_fair"] = (rng.random(size) < 0.02).astype(int)
    cols["market_index"] = np.round(100 + rng.normal(0, 2, size), 2)
    data = folder / f"{name}.csv"
    pd.DataFrame(cols).to_csv(data, index=False)
    params = {
        "data": {
            "path": data.name,
            "frequency": frequency,
            "encounters": {"enc_web": 1.0, "enc_calls": 3.0, "enc_meetings": 10.0},
            "digital": ["enc_web"],
            "spend": spend,
            "controls": ["market_index"],
            "events": ["event_trade_fair"],
        },
    }
    if regions:
        params["data"]["region"] = "region"
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    return path


def measure(params_path: str, saved: str) -> dict:
    """In this (fresh) process: parse and check the file, save the parse, and read it back in another process."""
    from planner.reading import params as params_module
    from planner.reading.data import load_data, save_parsed

    p = params_module.load(params_path)
    t0 = time.perf_counter()
    ds = load_data(p)
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    Path(saved).mkdir(exist_ok=True)
    save_parsed(ds, saved)
    return {"seconds": seconds, "peak_mb": peak_mb, "weeks": ds.weeks}


def measure_read_back(params_path: str, saved: str) -> dict:
    """In this (fresh) process: read the saved parse back (what every notebook of a run does)."""
    from planner.reading import params as params_module
    from planner.reading.data import load_data

    p = params_module.load(params_path)
    t0 = time.perf_counter()
    ds = load_data(p, parsed=saved)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "weeks": ds.weeks}


def _child(mode: str, params_path: Path, saved: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(params_path), str(saved)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} of {params_path.name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small files: a smoke run")
    ap.add_argument("--cases", nargs="*", help="only these cases (default: all)")
    ap.add_argument("--out", help="also write the report (markdown) to this file")
    ap.add_argument("--write-docs", action="store_true", help="also write the report into docs/benchmarks.md")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "PARAMS", "SAVED"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        mode, params_path, saved = args.child
        result = measure(params_path, saved) if mode == "parse" else measure_read_back(params_path, saved)
        print(json.dumps(result))
        return 0

    cases = QUICK if args.quick else FULL
    names = args.cases or list(cases)
    lines = [
        "## Reading the data (`load_data`)" + (" - quick sizes" if args.quick else ""),
        "",
        "| case | rows in file | weeks | file MB | parse and check s | peak MB | read back s | read-back peak MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    verdict = ""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in names:
            rows, n_spend, regions, frequency = cases[name]
            params_path = write_case(folder, name, rows, n_spend, regions, frequency)
            data = folder / f"{name}.csv"
            saved = folder / f"{name}-run"
            parsed = _child("parse", params_path, saved)
            back = _child("read", params_path, saved)
            lines.append(
                f"| {name} | {rows * max(regions, 1):,} | {parsed['weeks']:,} | {data.stat().st_size / 1e6:.1f} "
                f"| {parsed['seconds']:.1f} | {parsed['peak_mb']:.0f} | {back['seconds']:.2f} | {back['peak_mb']:.0f} |"
            )
            if name == TARGET_CASE:
                met = parsed["seconds"] < TARGET_SECONDS and parsed["peak_mb"] < TARGET_MB
                target = f"- target ({TARGET_CASE} under {TARGET_SECONDS:.0f} s and {TARGET_MB:.0f} MB): "
                if args.quick:
                    verdict = target + "not judged at quick sizes"
                else:
                    verdict = target + (
                        f"{'met' if met else 'NOT met'} ({parsed['seconds']:.1f} s, {parsed['peak_mb']:.0f} MB)"
                    )
    lines += ["", verdict or "- target case not run", ""]
    report = "\n".join(lines)
    print(report)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")
    if args.write_docs:
        write_report("data", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
