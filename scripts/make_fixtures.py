"""Regenerate the brief's test fixtures and the README thumbnail from real runs.

Each fixture is the results.json of an actual run of the data, model and plan stages on a small
generated history with a known truth, so the brief is tested on what the pipeline writes, never on
hand-written dicts that drift from the schema. Run it after any change to what results.json holds:

    .venv/bin/python scripts/make_fixtures.py            # fixtures and docs/brief-page1.png
    .venv/bin/python scripts/make_fixtures.py --check    # only report which fixtures are stale
    .venv/bin/python scripts/make_fixtures.py funnel_revenue   # only the cases named

The cases: a content-led history, a technology-driven one, a weak one, one where spend has no
effect at all and one whose technology is a flat licence the data cannot show (these five without a
funnel); and a synthetic history with the funnel (leads, deals,
revenue, an experience score) planned for revenue and for profit.

The pair ``track_first`` / ``track_second`` is the example run twice into the same reports folder:
first on its history without the last 13 weeks, then on the whole history, whose run finds the
first run and scores its forecast (the track record on page 2).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
THUMBNAIL = ROOT / "docs" / "brief-page1.png"
EXAMPLE_PARAMS = ROOT / "params" / "example.yaml"

# fixture name -> (generator, seed); "no_spend_effect" is an additive-Hill history with the
# spend effect taken out of its encounters (`planner.simulate.generators.without_spend_effect`); "synth:<objective>"
# is `planner.simulate.synth.generate(seed, funnel=True)` run with params/example.yaml (its funnel section)
# and that plan.objective ("synth:profit:500000" at a total budget below profit's budget level)
CASES = {
    "content": ("additive_hill", 1),
    "technology": ("technology_driven", 1),
    "weak": ("small_counts", 3),
    "no_effect": ("no_spend_effect", 1),
    "held": ("flat_licence", 0),
    "funnel_revenue": ("synth:revenue", 1),
    "funnel_profit": ("synth:profit", 1),
    "funnel_profit_low": ("synth:profit:500000", 1),
}
#: The example run twice: the first run on the history without its last TRACK_WEEKS weeks.
PAIR = ("track_first", "track_second")
TRACK_WEEKS = 13
#: The fixed start times of the pair's runs (their folder names under reports/<name>/).
PAIR_STAMPS = ("20260105-090000", "20260406-090000")


def _generated(generator: str, seed: int) -> tuple:
    """The data frame and raw params of a generated history."""
    from planner.simulate import generators

    case = generators.make("additive_hill" if generator == "no_spend_effect" else generator, seed)
    frame = generators.without_spend_effect(case) if generator == "no_spend_effect" else case.frame
    return frame, json.loads(json.dumps(case.params, default=str))


def _synthetic(objective: str, seed: int, budget: float | None = None) -> tuple:
    """The synthetic history with its funnel and the example's params, planned for `objective`
    (at `budget` euros over the horizon when given, else the last horizon's spend)."""
    from planner.simulate import synth

    frame = synth.generate(seed=seed, funnel=True).frame
    raw = yaml.safe_load(EXAMPLE_PARAMS.read_text(encoding="utf-8"))
    raw["plan"]["objective"] = objective
    if budget is not None:
        raw["plan"]["total_budget"] = budget
    return frame, raw


def run_case(generator: str, seed: int, folder: Path) -> dict:
    """The results.json dict of a run of the data, model (funnel) and plan stages on a generated history."""
    from planner.pipeline import Pipeline

    synthetic = generator.startswith("synth:")
    if synthetic:
        _, objective, *budget = generator.split(":")
        frame, raw = _synthetic(objective, seed, float(budget[0]) if budget else None)
        name = f"funnel_{objective}" + ("_low" if budget else "")
    else:
        frame, raw = _generated(generator, seed)
        name = generator
    data_path = folder / f"{name}.csv"
    frame.to_csv(data_path, index=False)
    raw["data"]["path"] = str(data_path)
    raw.setdefault("report", {})["title"] = "Content-impact budget plan"
    raw["report"]["organisation"] = "Example Oy"
    raw.setdefault("output", {})["dir"] = str(folder / "reports")
    params_path = folder / f"{name}.yaml"
    params_path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    pipe = Pipeline(params_path, folder / "run")
    pipe.record_data()
    pipe.record_model()
    if synthetic:
        pipe.record_funnel()
    pipe.record_plan()
    pipe.record_forecast()
    results = json.loads((folder / "run" / "results.json").read_text(encoding="utf-8"))
    # a fixed time: a fixture changes only when what the run computes changes
    results["run"].update(started="2026-01-05T09:00:00", finished="2026-01-05T09:01:00")
    results["planner_version"] = "fixture"
    # paths of this machine's temporary folder mean nothing in a fixture
    results["run"]["params_file"] = f"params/{name}.yaml"
    results["params"]["source"] = None
    results["params"]["data"]["path"] = f"data/{name}.csv"
    results["params"]["output"]["dir"] = "reports"
    if results.get("track_record") and results["track_record"]["source"]:
        results["track_record"]["source"] = f"reports/{name}"
    return _fixed_times(results)


def _fixed_times(results: dict) -> dict:
    """Times measured on this machine are fixed, so that a fixture changes only when the computation does."""
    if results.get("stability"):
        results["stability"]["seconds"] = 0.0
        for refit in results["stability"].get("refits") or []:
            refit["seconds"] = 0.0
    return results


def run_pair(folder: Path, weeks: int = TRACK_WEEKS) -> tuple[dict, dict]:
    """The example run twice into one reports folder: on its history without the last `weeks` weeks,
    then on the whole history; returns both results.json dicts (the second scores the first)."""
    import pandas as pd
    from planner.pipeline import Pipeline

    raw = yaml.safe_load(EXAMPLE_PARAMS.read_text(encoding="utf-8"))
    frame = pd.read_csv((EXAMPLE_PARAMS.parent / raw["data"]["path"]).resolve())
    reports = folder / "reports"
    raw["output"] = {**raw.get("output", {}), "dir": str(reports), "name": "example"}
    out = []
    for i, (data, stamp) in enumerate(zip((frame.iloc[:-weeks], frame), PAIR_STAMPS, strict=True)):
        data_path = folder / f"example_{i + 1}.csv"
        data.to_csv(data_path, index=False)
        raw["data"]["path"] = str(data_path)
        params_path = folder / f"example_{i + 1}.yaml"
        params_path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        run_dir = reports / "example" / stamp
        pipe = Pipeline(params_path, run_dir)
        results = pipe.results().to_dict()
        started = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T09:00:00"
        results["run"].update(started=started, finished=started[:-5] + "01:00")
        (run_dir / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
        out.append(results)
    for i, results in enumerate(out):
        results["planner_version"] = "fixture"
        results["run"]["params_file"] = "params/example.yaml"
        results["params"]["source"] = None
        results["params"]["data"]["path"] = f"data/example_{i + 1}.csv"
        results["params"]["output"]["dir"] = "reports"
        if results.get("track_record") and results["track_record"]["source"]:
            results["track_record"]["source"] = "reports/example"
        _fixed_times(results)
    return out[0], out[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", metavar="CASE", help=f"only these cases ({', '.join([*CASES, *PAIR])})")
    parser.add_argument("--check", action="store_true", help="report stale fixtures, write nothing")
    parser.add_argument("--no-thumbnail", action="store_true", help="skip docs/brief-page1.png")
    args = parser.parse_args(argv)
    unknown = [c for c in args.cases if c not in CASES and c not in PAIR]
    if unknown:
        parser.error(f"unknown case {', '.join(unknown)}; choose from {', '.join([*CASES, *PAIR])}")
    chosen = {name: CASES[name] for name in (args.cases or CASES) if name in CASES}
    pair = not args.cases or any(c in PAIR for c in args.cases)
    stale = []
    FIXTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (generator, seed) in chosen.items():
            folder = Path(tmp) / name
            folder.mkdir()
            results = run_case(generator, seed, folder)
            target = FIXTURES / f"results_{name}.json"
            text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
            action = results["allocation"]["action"]
            quality = results["model"]["quality"]
            print(f"{name}: {generator} seed {seed}: quality {quality}, action {action}", file=sys.stderr)
            if target.is_file() and target.read_text(encoding="utf-8") == text:
                continue
            stale.append(target.name)
            if not args.check:
                target.write_text(text, encoding="utf-8")
        if pair:
            folder = Path(tmp) / "pair"
            folder.mkdir()
            for name, results in zip(PAIR, run_pair(folder), strict=True):
                target = FIXTURES / f"results_{name}.json"
                text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
                track = results["track_record"]
                print(f"{name}: example, {track['scored']} forecast(s) scored", file=sys.stderr)
                if target.is_file() and target.read_text(encoding="utf-8") == text:
                    continue
                stale.append(target.name)
                if not args.check:
                    target.write_text(text, encoding="utf-8")
        if not args.check and not args.no_thumbnail and "content" in chosen:
            from planner.brief import build_pdf
            from planner.preview import render_pages

            pdf = build_pdf(json.loads((FIXTURES / "results_content.json").read_text()), Path(tmp) / "brief.pdf")
            THUMBNAIL.write_bytes(render_pages(pdf, dpi=110)[0])
            print(f"wrote {THUMBNAIL.relative_to(ROOT)}", file=sys.stderr)
    if stale:
        print(("stale: " if args.check else "rewrote: ") + ", ".join(stale), file=sys.stderr)
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
