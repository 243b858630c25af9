"""Benchmark of the encounter model against the synthetic generator's truth; prints markdown tables.

For each scenario and seed: generate three years of weekly data with a known truth, fit the model
through the same path as a planning run (params dict -> `from_frame` -> `EncounterModel`), and
compare the contribution shares with the true ones. Targets (issue 3): shares within 3 points of
the truth; the 80 % intervals covering the truth in at least 70 % of category x seed cases; one fit
with the search under 5 s; 200 bootstrap refits under 30 s on 2 cores.

The "oracle" columns are a yardstick, not part of the method: the same linear fit with the carryover
and saturation parameters set to the generator's true values. Their error is how far the shares
move with the noise alone, before any search.

    python benchmarks/bench_model.py                       # 5 seeds x 2 scenarios, 200 refits
    python benchmarks/bench_model.py --seeds 0 1 --n-bootstrap 50 --jobs 1
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from planner import CATEGORIES
from planner.data import from_frame
from planner.model import EncounterModel, _Core, _Linear
from planner.params import load_dict
from planner.synth import generate

ROOT = Path(__file__).resolve().parents[1]
CATS = list(CATEGORIES)
SCENARIOS = ("content_driven", "technology_driven")


def _params(n_bootstrap: int):
    raw = yaml.safe_load((ROOT / "params" / "example.yaml").read_text(encoding="utf-8"))
    raw["model"]["n_bootstrap"] = n_bootstrap
    return load_dict(raw, ROOT / "params" / "example.yaml")


def _oracle_shares(res, truth) -> np.ndarray:
    """Shares of the linear fit at the true carryover and saturation (a yardstick only)."""
    x = res.spend[CATS].to_numpy()
    lo = np.array([[0.0, 1e-6, 1e-6]] * 3)
    core = _Core(x, res.design.to_numpy(), lo, lo + 1.0)
    theta = np.column_stack([truth.decay[CATS], truth.half_saturation[CATS] / core.scale, truth.shape[CATS]])
    # evaluate the features directly at theta (bypassing the unit box)
    from planner.transforms import adstock, hill

    h = hill(adstock(x, theta[:, 0]), theta[:, 1] * core.scale, theta[:, 2])
    beta, _, _ = _Linear(core.base, np.ones(len(x)), len(x)).solve(h, res.y.to_numpy())
    c = (h * beta).sum(axis=0)
    return c / c.sum()


def run_case(scenario: str, seed: int, n_bootstrap: int, jobs: int) -> tuple[dict, list[dict]]:
    syn = generate(seed=seed, scenario=scenario)
    truth = syn.truth.contribution_shares()[CATS].to_numpy()

    params0 = _params(0)
    data = from_frame(syn.frame, params0, source=f"synth:{scenario}:{seed}")
    start, cpu = time.perf_counter(), time.process_time()
    EncounterModel(data, params0.model).fit()
    fit_s, fit_cpu = time.perf_counter() - start, time.process_time() - cpu

    params = _params(n_bootstrap)
    data = from_frame(syn.frame, params, source=f"synth:{scenario}:{seed}")
    start, cpu = time.perf_counter(), time.process_time()
    res = EncounterModel(data, params.model, n_jobs=jobs).fit()
    boot_s, boot_cpu = time.perf_counter() - start, time.process_time() - cpu

    shares = res.shares()
    oracle = _oracle_shares(res, syn.truth)
    rows = []
    for i, cat in enumerate(CATS):
        s, lo, hi = (float(shares.loc[cat, k]) for k in ("share", "low", "high"))
        rows.append(
            {
                "scenario": scenario,
                "seed": seed,
                "category": cat,
                "true %": 100 * truth[i],
                "estimate %": 100 * s,
                "low %": 100 * lo,
                "high %": 100 * hi,
                "abs error (points)": 100 * abs(s - truth[i]),
                "covered": bool(lo <= truth[i] <= hi),
                "oracle error (points)": 100 * abs(oracle[i] - truth[i]),
            }
        )
    case = {
        "scenario": scenario,
        "seed": seed,
        "fit s": fit_s,
        "fit cpu s": fit_cpu,
        f"fit + {n_bootstrap} refits s": boot_s,
        f"fit + {n_bootstrap} refits cpu s": boot_cpu if jobs == 1 else float("nan"),
        "prior sd": res.prior_sd,
        "quality": res.quality,
        "claim": res.claim()["verdict"],
        "warnings": ", ".join(w["code"] for w in res.warnings) or "-",
    }
    return case, rows


def markdown(frame: pd.DataFrame, digits: int = 1) -> str:
    """A pipe table (no extra dependency)."""

    def cell(v) -> str:
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        if isinstance(v, (float, np.floating)):
            return f"{v:.{digits}f}"
        return str(v)

    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    ap.add_argument("--n-bootstrap", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)

    cases, rows = [], []
    for scenario in args.scenarios:
        for seed in args.seeds:
            case, case_rows = run_case(scenario, seed, args.n_bootstrap, args.jobs)
            cases.append(case)
            rows += case_rows
    table = pd.DataFrame(rows)
    cases = pd.DataFrame(cases)

    print("## Contribution shares against the truth\n")
    print(markdown(table, 1))
    print("\n## Per fit\n")
    print(markdown(cases, 2))

    summary = []
    for scenario, part in table.groupby("scenario", sort=False):
        summary.append(_summary_row(scenario, part))
    summary.append(_summary_row("all", table))
    print("\n## Summary\n")
    print(markdown(pd.DataFrame(summary), 2))

    boot_col = f"fit + {args.n_bootstrap} refits s"
    print(
        f"\nTargets: shares within 3 points: {100 * (table['abs error (points)'] <= 3).mean():.0f} % of cases "
        f"(max error {table['abs error (points)'].max():.1f}); 80 % intervals cover the truth in "
        f"{100 * table['covered'].mean():.0f} % (target >= 70 %); fit max {cases['fit s'].max():.2f} s "
        f"(target < 5 s); fit + {args.n_bootstrap} refits max {cases[boot_col].max():.1f} s with "
        f"{args.jobs} process(es) (target < 30 s for 200)."
    )
    return 0


def _summary_row(name: str, part: pd.DataFrame) -> dict:
    return {
        "scenario": name,
        "cases": len(part),
        "mean abs error (points)": part["abs error (points)"].mean(),
        "max abs error (points)": part["abs error (points)"].max(),
        "within 3 points %": 100 * (part["abs error (points)"] <= 3).mean(),
        "coverage of 80 % intervals %": 100 * part["covered"].mean(),
        "oracle mean abs error (points)": part["oracle error (points)"].mean(),
        "oracle within 3 points %": 100 * (part["oracle error (points)"] <= 3).mean(),
    }


if __name__ == "__main__":
    raise SystemExit(main())
