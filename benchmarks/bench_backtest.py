"""Backtest: the planner run as a schedule on the generators' histories, its forecasts scored.

For each generator history (`planner.simulate.generators`), the planner runs every 13 weeks over the last two
years of the history, each run seeing only the weeks before it: the model is fitted, the plan made,
the refresh check run (a move the refits reverse becomes a test) and the horizon forecast, exactly
as a run's pipeline does. Each forecast is then made again at the spend that actually followed (the
track record's replay) and scored against the generator's actual weeks.

Reported per generator and overall:

- coverage: the share of forecast weeks whose actual encounters fell inside the 80 % interval
  (target 75-90 %);
- MAPE of the forecast against a seasonal-naive forecast (the same week a year earlier); the
  forecast should beat it wherever spend matters (in every generator; ``no_effect`` is one whose
  design alone generates nothing);
- flips: consecutive run pairs where the next run withdraws or reverses a decision (a move or keep
  followed by the other, by a test, or a move followed by a best split the other way), as a share
  of all pairs on the histories whose truth does not change (every generator but ``drifting_mix``;
  target under 10 %). A ``test`` followed by a decision is the test resolving as the history
  grows (a weak early model, or a move the refresh held back) and is counted apart, as is any
  change of action at all;
- gain: the true spend-driven encounters of following each run's recommended split against keeping
  the first run's split, at each run's budget (the truth's response over each horizon at flat
  spend, from the carryover state at the end of the history: an approximation that treats the
  splits alike).

    python benchmarks/bench_backtest.py                      # six generators, seed 0, 100 draws
    python benchmarks/bench_backtest.py --generators additive_hill no_effect --draws 50
    python benchmarks/bench_backtest.py --write-docs         # also docs/benchmarks.md and docs/forecast.md
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docs_section import write_report  # noqa: E402

from planner import CATEGORIES  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CATS = list(CATEGORIES)
STEP = 13  # weeks between scheduled runs (a quarter)
SPAN = 104  # the schedule covers the last two years of each history
SEASON = 52  # seasonal-naive: the same week a year earlier
#: Generators whose spend has no effect at all (none of planner.simulate.generators: in ``no_effect`` only
#: design does nothing) and whose truth drifts (its channel mix changes over the years).
NO_SPEND_EFFECT: set[str] = set()
DRIFTING = {"drifting_mix"}
COVERAGE_TARGET = (0.75, 0.90)
#: The default histories: a few minutes with --jobs 1 (every generator of 156 weeks works too).
DEFAULT_GENERATORS = (
    "additive_hill",
    "multiplicative_baseline",
    "logistic_bursts",
    "technology_driven",
    "drifting_mix",
    "no_effect",
)
FLIP_TARGET = 0.10


def _params(case, draws: int):
    from planner.reading.params import load_dict

    raw = {**case.params}
    raw["model"] = {**raw.get("model", {}), "draws": draws}
    raw["plan"] = {**raw.get("plan", {}), "horizon_weeks": STEP}
    return load_dict(raw, ROOT / "params" / "example.yaml")


def scheduled_run(data, value=None):
    """One scheduled run as the pipeline makes it: model, plan, refresh check, forecast."""
    from planner.inference.forecast import forecast
    from planner.inference.model import EncounterModel
    from planner.inference.stability import refresh_stability, settle
    from planner.plan import plan_budget

    params = data.params
    started = time.perf_counter()
    model = EncounterModel(data, params.model).fit()
    first = plan_budget(model, params.plan, data.spend)
    mark = time.perf_counter()
    stability = refresh_stability(data, model, first)
    refresh_s = time.perf_counter() - mark
    plan = settle(first, stability)
    fc = forecast(model, plan, data=data)
    return model, plan, fc, stability, {"total": time.perf_counter() - started, "refresh": refresh_s}


def backtest(name: str, seed: int, draws: int) -> dict:
    """The schedule on one generator history: per-run rows and the history's summary."""
    from planner.inference.forecast import replay
    from planner.inference.stability import truncate
    from planner.reading.data import from_frame
    from planner.simulate import generators

    case = generators.make(name, seed)
    params = _params(case, draws)
    data = from_frame(case.frame, params, source=f"generator:{name}:{seed}")
    n = data.weeks
    origins = [o for o in range(n - SPAN, n - STEP + 1, STEP) if o >= SEASON]
    y = data.y.to_numpy(dtype=float)
    runs = []
    for origin in origins:
        past = truncate(data, n - origin)
        model, plan, fc, stability, seconds = scheduled_run(past)
        weeks = slice(origin, origin + STEP)
        actual = y[weeks]
        again = replay(fc.replay, data.spend.iloc[weeks][CATS].to_numpy(), fc.interval)
        inside = (actual >= again["weekly_low"]) & (actual <= again["weekly_high"])
        naive = y[origin - SEASON : origin - SEASON + STEP]
        runs.append(
            {
                "origin": origin,
                "action": plan.action,
                "reason": plan.action_reason["code"],
                "quality": model.quality,
                "current": plan.current.split.to_numpy(),
                "candidate": plan.candidate.split.to_numpy(),
                "recommended": plan.recommended.split.to_numpy(),
                "moved_to": plan.moved_to,
                "moved_from": plan.moved_from,
                "budget": plan.total_budget,
                "inside": inside,
                "ape": np.abs(again["weekly_total"] - actual) / np.maximum(np.abs(actual), 1e-9),
                "ape_naive": np.abs(naive - actual) / np.maximum(np.abs(actual), 1e-9),
                "total_inside": bool(again["low"] <= actual.sum() <= again["high"]),
                "unstable": plan.action_reason["code"] == "unstable_on_refresh",
                "inflation": fc.noise.inflation,
                "seconds": seconds["total"],
                "refresh_seconds": seconds["refresh"],
            }
        )
    return {"name": name, "seed": seed, "runs": runs, "gain": _gain(case, runs)}


def _gain(case, runs: list[dict]) -> tuple[float, float]:
    """True spend-driven encounters of following the plans and of keeping the first split."""
    first = runs[0]["current"] if runs else None
    follow = keep = 0.0
    for r in runs:
        weekly = r["budget"] / STEP
        follow += float(case.horizon_totals((r["recommended"] * weekly)[None], STEP).sum())
        keep += float(case.horizon_totals((first * weekly)[None], STEP).sum())
    return follow, keep


def _reversed_move(a: dict, b: dict) -> bool:
    """Whether the next run's best split `b` reverses run `a`'s move (from the move's own starting split)."""
    if a["action"] != "move":
        return False
    cur, nxt = a["current"], b["candidate"]
    gains = [CATS.index(c) for c in a["moved_to"]]
    losses = [CATS.index(c) for c in a["moved_from"]]
    return not (all(nxt[i] > cur[i] for i in gains) and all(nxt[i] < cur[i] for i in losses))


def _reversed(runs: list[dict]) -> int:
    """Moves whose direction the next run's best split reverses."""
    return sum(_reversed_move(a, b) for a, b in zip(runs, runs[1:], strict=False))


def _flipped(a: dict, b: dict) -> bool:
    """Whether the next run withdraws or reverses run `a`'s decision.

    A decision (move or keep) flips when the next run decides otherwise (keep after move, move after
    keep, a test after either) or moves the other way. A ``test`` is not a decision: it says the data
    cannot tell yet, and the next run deciding is the test resolving (counted apart), not a flip.
    """
    if a["action"] == "test":
        return False
    return b["action"] != a["action"] or (a["action"] == "move" and _reversed_move(a, b))


def summarise(result: dict) -> dict:
    runs = result["runs"]
    inside = np.concatenate([r["inside"] for r in runs])
    ape = np.concatenate([r["ape"] for r in runs])
    ape_naive = np.concatenate([r["ape_naive"] for r in runs])
    pairs = list(zip(runs, runs[1:], strict=False))
    changes = sum(a["action"] != b["action"] for a, b in pairs)
    flips = sum(_flipped(a, b) for a, b in pairs)
    resolved = sum(a["action"] == "test" and b["action"] != "test" for a, b in pairs)
    follow, keep = result["gain"]
    return {
        "generator": result["name"],
        "runs": len(runs),
        "coverage": float(inside.mean()),
        "totals inside": sum(r["total_inside"] for r in runs) / len(runs),
        "MAPE": float(ape.mean()),
        "MAPE naive": float(ape_naive.mean()),
        "beats naive": bool(ape.mean() < ape_naive.mean()),
        "actions": "".join(r["action"][0] for r in runs),
        "flips": flips,
        "tests resolved": resolved,
        "changes": changes,
        "pairs": len(pairs),
        "reversed moves": _reversed(runs),
        "unstable": sum(r["unstable"] for r in runs),
        "widening": float(np.median([r["inflation"] for r in runs])),
        "gain %": 100 * (follow - keep) / keep if keep > 0 else float("nan"),
        "run s": float(np.mean([r["seconds"] for r in runs])),
        "refresh s": float(np.mean([r["refresh_seconds"] for r in runs])),
        "_weeks": inside.size,
        "_inside": int(inside.sum()),
        "_follow": follow,
        "_keep": keep,
    }


def markdown(rows: list[dict], draws: int, seeds: list[int]) -> str:
    def cell(v):
        if isinstance(v, bool):
            return "yes" if v else "**no**"
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
        return str(v)

    cols = [c for c in rows[0] if not c.startswith("_")]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(cell(r[c]) for c in cols) + " |" for r in rows]
    weeks = sum(r["_weeks"] for r in rows)
    coverage = sum(r["_inside"] for r in rows) / weeks
    spend = [r for r in rows if r["generator"] not in NO_SPEND_EFFECT]
    steady = [r for r in rows if r["generator"] not in DRIFTING]
    pairs = sum(r["pairs"] for r in steady)
    flips = sum(r["flips"] for r in steady) / pairs if pairs else float("nan")
    changes = sum(r["changes"] for r in steady) / pairs if pairs else float("nan")
    resolved = sum(r["tests resolved"] for r in steady)
    beats = [r["generator"] for r in spend if not r["beats naive"]]
    follow, keep = sum(r["_follow"] for r in rows), sum(r["_keep"] for r in rows)
    lo, hi = COVERAGE_TARGET

    def met(ok: bool) -> str:
        return "met" if ok else "**not met**"

    out = [
        f"Scheduled runs every {STEP} weeks over the last two years of each generator history (seeds "
        f"{', '.join(map(str, seeds))}, {draws} posterior draws, refits without the last 4 and 8 weeks). "
        "Each forecast is made again at the spend that followed and scored against the actual weeks. "
        "Actions: m = move, k = keep, t = test, in run order.",
        "",
        *lines,
        "",
        f"- coverage of the 80 % weekly intervals: {coverage:.1%} of {weeks} weeks "
        f"(target {lo:.0%}-{hi:.0%}): {met(lo <= coverage <= hi)}",
        f"- forecast beats seasonal-naive MAPE on every generator where spend matters: "
        f"{met(not beats)}" + (f" (not on {', '.join(beats)})" if beats else ""),
        f"- decisions flipped between consecutive runs where the truth does not change (a move or keep "
        f"withdrawn, turned into the other, or a move reversed): {flips:.1%} of {pairs} pairs "
        f"(target under {FLIP_TARGET:.0%}): {met(flips < FLIP_TARGET)}; a test resolved into a decision by the "
        f"next run: {resolved} pairs; any change of action at all, those included: {changes:.1%}",
        f"- moves reversed by the next run: {sum(r['reversed moves'] for r in rows)}; moves turned into tests "
        f"by the refresh check: {sum(r['unstable'] for r in rows)}",
        f"- following the plans against keeping the first split: {100 * (follow - keep) / keep:+.2f} % true "
        f"spend-driven encounters over all runs",
        f"- mean time of a scheduled run {np.mean([r['run s'] for r in rows]):.2f} s, of which the refresh "
        f"refits {np.mean([r['refresh s'] for r in rows]):.2f} s",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    from planner.simulate import generators

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--generators",
        nargs="+",
        default=list(DEFAULT_GENERATORS),
        help=f"generator histories (default: {' '.join(DEFAULT_GENERATORS)}; any of {' '.join(generators.GENERATORS)})",
    )
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--draws", type=int, default=100, help="posterior draws of each run's model")
    ap.add_argument("--jobs", type=int, default=1, help="histories backtested at a time")
    ap.add_argument("--out", type=Path, help="also write the report (markdown) to this file")
    ap.add_argument("--write-docs", action="store_true", help="write the report into docs/benchmarks.md")
    args = ap.parse_args(argv)

    tasks = [(g, s, args.draws) for g in args.generators for s in args.seeds]
    started = time.perf_counter()
    if args.jobs > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(backtest, *zip(*tasks, strict=True)))
    else:
        results = [backtest(*t) for t in tasks]
    rows = [summarise(r) for r in results if r["runs"]]
    text = markdown(rows, args.draws, args.seeds)
    text += f"\n- wall time {time.perf_counter() - started:.0f} s with --jobs {args.jobs}"
    print("## Backtest: scheduled runs scored against the generators' actual weeks\n")
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    if args.write_docs:
        write_report("backtest", text)
        write_report("backtest", text, page=ROOT / "docs" / "forecast.md")
    weeks = sum(r["_weeks"] for r in rows)
    coverage = sum(r["_inside"] for r in rows) / weeks if weeks else 0.0
    return 0 if COVERAGE_TARGET[0] <= coverage <= COVERAGE_TARGET[1] else 1


if __name__ == "__main__":
    sys.exit(main())
