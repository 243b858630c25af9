"""Benchmark of the budget plan against the synthetic generator's truth; prints a markdown table.

For each scenario and seed: generate data with a known truth, fit the encounter model, plan the
budget with the model, and score the recommended split with the *true* response against the truly
best split (the optimiser run on the truth itself, same budget and bounds). Target: the loss is at
most 1 % of the spend-driven encounters; one optimisation under 1 s and the frontier under 5 s.

    python benchmarks/bench_plan.py                      # 5 seeds per scenario, 20 posterior draws
    python benchmarks/bench_plan.py --seeds 0 1 2 --draws 0
    python benchmarks/bench_plan.py --response truth     # the optimiser alone (no model error)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from docs_section import write_report

from planner import CATEGORIES
from planner.plan import plan_budget
from planner.reading.data import from_frame
from planner.reading.params import load_dict
from planner.simulate.synth import generate

ROOT = Path(__file__).resolve().parents[1]
CATS = list(CATEGORIES)


def _params(draws: int, plan: dict | None):
    raw = yaml.safe_load((ROOT / "params" / "example.yaml").read_text(encoding="utf-8"))
    raw.pop("funnel", None)  # generated histories have no funnel columns
    raw["model"]["draws"] = draws
    raw["plan"] = plan if plan is not None else {"horizon_weeks": 13}
    return load_dict(raw, ROOT / "params" / "example.yaml")


def true_total(truth, split: pd.Series, budget: float, weeks: int) -> float:
    spend = pd.DataFrame([(split[CATS] * budget / weeks).to_list()] * weeks, columns=CATS)
    return float(truth.simulate(spend).sum())


def run_case(scenario: str, seed: int, weeks: int, draws: int, response: str, plan: dict | None) -> dict:
    syn = generate(seed=seed, weeks=weeks, scenario=scenario)
    params = _params(draws, plan)
    data = from_frame(syn.frame, params, source=f"synth:{scenario}:{seed}")
    spec = params.plan

    fit_s = 0.0
    if response == "model":
        from planner.inference.model import EncounterModel

        start = time.perf_counter()
        model = EncounterModel(data, params.model).fit()
        fit_s = time.perf_counter() - start
    else:
        model = syn.truth
    plan_m = plan_budget(model, spec, data.spend)
    # The truly best split for the same budget and bounds, found on the true response.
    spec_true = spec.model_copy(update={"total_budget": plan_m.total_budget})
    plan_t = plan_budget(syn.truth, spec_true, data.spend)

    budget, h = plan_m.total_budget, spec.horizon_weeks
    got = true_total(syn.truth, plan_m.recommended.split, budget, h)
    best = true_total(syn.truth, plan_t.recommended.split, budget, h)
    current = true_total(syn.truth, plan_m.current.split, budget, h)
    return {
        "scenario": scenario,
        "seed": seed,
        "recommended": "/".join(f"{100 * plan_m.recommended.split[c]:.0f}" for c in CATS),
        "truly best": "/".join(f"{100 * plan_t.recommended.split[c]:.0f}" for c in CATS),
        "true enc. (rec.)": got,
        "true enc. (best)": best,
        "loss %": 100 * (best - got) / best,
        "gain vs current %": 100 * (got - current) / current,
        "model says gain %": 100 * plan_m.gain_vs_current["encounters"] / plan_m.current.expected_encounters,
        "gain interval %": _interval(plan_m),
        "P(better)": plan_m.gain_vs_current["probability_better"],
        "fit s": fit_s,
        "optimise s": plan_m.timings["optimisation"],
        "frontier s": plan_m.timings["frontier"],
        "plan s": plan_m.timings["total"],
    }


def _interval(plan) -> str:
    g, base = plan.gain_vs_current, plan.current.expected_encounters
    if g["low"] is None:
        return "-"
    return f"{100 * g['low'] / base:+.1f} .. {100 * g['high'] / base:+.1f}"


def markdown(frame: pd.DataFrame) -> str:
    def cell(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return "-"
        if isinstance(v, float):
            return f"{v:,.0f}".replace(",", " ") if abs(v) >= 1000 else f"{v:.2f}"
        return str(v)

    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(frame[c]) else "---" for c in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--scenarios", nargs="+", default=["content_driven", "technology_driven"])
    ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--draws", type=int, default=20, help="posterior draws of the model (speed)")
    ap.add_argument("--response", choices=["model", "truth"], default="model")
    ap.add_argument("--max-change", type=float, default=None, help="also bound each share to +-this")
    ap.add_argument("--write-docs", action="store_true", help="also write the report into docs/benchmarks.md")
    args = ap.parse_args(argv)

    plan = {"horizon_weeks": 13}
    if args.max_change is not None:
        plan["max_change"] = args.max_change
    rows = [
        run_case(sc, seed, args.weeks, args.draws, args.response, plan) for sc in args.scenarios for seed in args.seeds
    ]
    table = pd.DataFrame(rows)
    limits = f", max_change {args.max_change:g}" if args.max_change is not None else ""
    worst = float(table["loss %"].max())
    slow_opt = float(table["optimise s"].max())
    slow_front = float(table["frontier s"].max())
    text = "\n".join(
        [
            f"## Budget plan vs the true response ({args.response}, {args.weeks} weeks, "
            f"draws={args.draws}, default bounds 5-90 %{limits})\n",
            markdown(table),
            "",
            f"- worst loss: {worst:.3f} % of the truly best split's spend-driven encounters (target <= 1 %): "
            f"{'met' if worst <= 1 else 'NOT met'}",
            f"- mean loss: {table['loss %'].mean():.3f} %",
            f"- slowest optimisation: {slow_opt:.3f} s (target < 1 s): {'met' if slow_opt < 1 else 'NOT met'}",
            f"- slowest frontier: {slow_front:.3f} s (target < 5 s): {'met' if slow_front < 5 else 'NOT met'}",
        ]
    )
    print(text)
    if args.write_docs:
        write_report("plan", text)
    return 0 if worst <= 1 and slow_opt < 1 and slow_front < 5 else 1


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    sys.exit(main())
