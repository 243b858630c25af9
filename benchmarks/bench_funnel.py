"""Funnel benchmark: conversion, deal values and the value of an encounter against a known truth, and
the loss of the revenue plan; prints markdown.

For every scenario of `planner.simulate.synth` and every seed: generate a history with its funnel
(``generate(seed, scenario=..., funnel=True)``), fit and analyse it as `planner run` does (the
params of ``params/example.yaml`` with its funnel section -> `load_dict` -> `from_frame` ->
`EncounterModel(data, params.model).fit()` -> `planner.inference.funnel.analyse_dataset`), plan for revenue
(``plan.objective: revenue``, the value per encounter and content's warming of the leads as
`planner run` builds them) and score
against ``syn.truth.funnel``:

- close-rate trend: the slope of the close rate per EUR 1,000 a week of content carryover against
  the generator's ``close_rate.slope_per_eur_1000``;
- deal value per channel (EUR) against ``deal_value``;
- value per quality-weighted encounter, revenue (EUR) and deals, against
  ``value_per_weighted_encounter`` (the expected revenue and deals over the weighted encounters,
  summed over the generated weeks: the expected values given the encounters as they happened, which
  is the estimand of `planner.inference.funnel`'s interval), and the nested route's cross-check beside it;
- coverage: the share of cases whose interval (the model's, 80 %) holds the truth; the target is
  75-90 %. Bias (mean relative error) against the interval's half-width tells a shifted estimate
  from a too narrow interval;
- the revenue plan's loss: (true revenue of the truly best split - that of the recommended split)
  / the truly best, over the plan's horizon with its budget spent evenly, the best split found on
  the true response within the plan's own share bounds (grid of 0.1 % steps, then SLSQP, as in
  `bench_calibration`).

The true revenue response (`TrueRevenue`) follows the generator's funnel: the encounters the split
buys at each week's close rate, and content's carryover moving the close rate of every lead, so a
split with more content is worth more than its encounters say; the plan values that through the
funnel's close-rate trend (`planner.plan.Warming`). Self-service revenue is taken per weighted
encounter (the generator's follows the web encounters only).

Coverage over 80 cases (40 seeds per scenario) moves by about 4.5 points from chance alone
(binomial; each figure is printed with its 95 % Wilson range), so the benchmark also scores many
more histories without the encounter model's fit (``--histories``, default 300 per scenario): the
deal values and the value per encounter by the functions `analyse` uses (these need no fit), and
the close-rate trend's distributed lag with its lags chosen from the generator's content decay
instead of the model's draws (the trend needs no decay otherwise). The two
scenarios use disjoint generator seeds (``scenario_seed``): with the same seed they draw the same
spend, noise and funnel, and their errors correlate at about 0.8.

The nested route's flag (``value_routes[kind]["disagree"]``, a 95 % test, no warning) is counted
on these honest histories: how often it would have cried wolf.

A case that raises is counted and reported, never a crash. Everything is seeded, so the same
arguments give the same tables with any number of processes.

    python benchmarks/bench_funnel.py                      # 2 scenarios x 40 seeds, 2 processes
    python benchmarks/bench_funnel.py --quick              # 3 seeds, few draws: a smoke run
    python benchmarks/bench_funnel.py --scenarios content_driven --seeds 5 --out funnel.md
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "benchmarks"):  # run as a script from anywhere
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench_calibration import _action, _error_text, _share_bounds, markdown, refine, run_tasks, true_total  # noqa: E402
from docs_section import write_report  # noqa: E402

from planner import CATEGORIES  # noqa: E402
from planner.simulate.synth import SCENARIOS  # noqa: E402

CATS = list(CATEGORIES)
PARAMS = ROOT / "params" / "example.yaml"
TARGET_COVERAGE = (0.75, 0.90)
#: Seeds of the second scenario start here: with the same seed the two scenarios draw the same
#: spend, noise and funnel (their funnel errors correlate at 0.8), so shared seeds would count
#: about half as many independent histories as cases.
SCENARIO_SEED_OFFSET = 100_000
#: The quantities scored, in the order of the tables.
QUANTITIES = (
    "close-rate trend",
    "deal value self_service",
    "deal value assisted",
    "value per encounter revenue",
    "value per encounter deals",
)


class TrueRevenue:
    """The true revenue response of a split over the horizon, content's warming of the leads included.

    With the generator's funnel (``syn.truth.funnel``): ``l`` leads per weighted encounter, ``v_a``
    the assisted deal value, the close rate ``c(C) = clip(base + slope C / 1000)`` of content's
    true carryover ``C``, ``c_w`` its encounter-weighted mean over the data and ``r_ss = value per
    weighted encounter - l v_a c_w`` the self-service revenue per weighted encounter. A split's
    weekly spend gives the true spend-driven encounters ``E[t, cat]`` and content's carryover
    ``C[t]`` (true decays, from the true state at the end of the data), and its revenue is

        sum_t sum_cat E[t, cat] (r_ss + l v_a c(C[t])) + sum_t B l v_a (c(C[t]) - c_w)

    with ``B`` the mean weekly encounters the spend did not drive over the data's last ``weeks``:
    the revenue of the encounters the spend buys at that week's close rate, and what the close
    rate's departure from the data's average adds to (or takes from) every other encounter's leads.
    What does not depend on the split is left out, so this is the spend-attributable revenue the
    loss is a share of. ``horizon_totals`` (the interface `bench_calibration.true_best` searches
    on) puts the second sum in content's column; `best` searches it.
    """

    def __init__(self, truth, funnel: dict, baseline_weekly: float):
        self.truth = truth
        close = funnel["close_rate"]
        self.leads = float(funnel["leads_per_weighted_encounter"])
        self.assisted = float(funnel["deal_value"]["assisted"])
        self.base, self.slope = float(close["base"]), float(close["slope_per_eur_1000"])
        self.clip = tuple(float(c) for c in close["clip"])
        self.mean_close = float(close["encounter_weighted_mean"])
        per_encounter = float(funnel["value_per_weighted_encounter"]["revenue"])
        self.self_service = per_encounter - self.leads * self.assisted * self.mean_close
        self.baseline = float(baseline_weekly)

    def close_rate(self, carry: np.ndarray) -> np.ndarray:
        return np.clip(self.base + self.slope * np.asarray(carry) / 1000.0, *self.clip)

    def _weekly(self, x: np.ndarray, rows: int) -> np.ndarray:
        """Revenue per week, row and category (weeks, rows, 3) for spend x (weeks, rows * 3)."""
        from planner.inference.transforms import adstock, hill

        t = self.truth
        weeks = x.shape[0]
        a = adstock(x, np.tile(t.decay.to_numpy(), rows), initial=np.tile(t.last_state.to_numpy(), rows))
        k, s, b = (np.tile(v.to_numpy(), rows) for v in (t.half_saturation, t.shape, t.beta))
        enc = (b * hill(a, k, s)).reshape(weeks, rows, len(CATS))
        close = self.close_rate(a.reshape(weeks, rows, len(CATS))[:, :, CATS.index("content")])  # (weeks, rows)
        out = enc * (self.self_service + self.leads * self.assisted * close)[:, :, None]
        out[:, :, CATS.index("content")] += self.baseline * self.leads * self.assisted * (close - self.mean_close)
        return out

    def best(self, budget: float, weeks: int, lo, hi, step: float = 0.0025) -> tuple[np.ndarray, float]:
        """The truly best split within [lo, hi]: every split on a grid of `step` over the simplex
        scored exactly (the warming ties the categories together, so the separable tables of
        `bench_calibration.true_best` do not apply), then SLSQP from the best of them."""
        lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
        n = int(round(1 / step))
        i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
        keep = i + j <= n
        w = np.column_stack([i[keep], j[keep], n - i[keep] - j[keep]]) / n
        w = w[np.all((w >= lo - 1e-12) & (w <= hi + 1e-12), axis=1)]
        scores = np.concatenate(
            [self.horizon_totals(part * budget / weeks, weeks).sum(axis=1) for part in np.array_split(w, 20)]
        )
        start = w[int(np.argmax(scores))]

        def total(split) -> float:
            return true_total(self, split, budget, weeks)

        best = refine(total, start, lo, hi)
        return best, total(best)

    def simulate(self, spend) -> np.ndarray:
        """Revenue per week and category (weeks, 3) for weekly spend (weeks, 3), as `true_total` asks."""
        return self._weekly(np.asarray(spend, dtype=float), 1)[:, 0, :]

    def horizon_totals(self, weekly: np.ndarray, weeks: int) -> np.ndarray:
        """Per row of weekly spend (rows, 3): each category's revenue over ``weeks`` even weeks, the
        warming of the other encounters' leads in content's column."""
        weekly = np.asarray(weekly, dtype=float)
        rows = weekly.shape[0]
        x = np.tile(weekly.reshape(1, -1), (weeks, 1))  # (weeks, rows * 3), categories innermost
        return self._weekly(x, rows).sum(axis=0)


def _raw_params(n_draws: int | None) -> dict:
    import yaml

    raw = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
    if n_draws is not None:
        raw["model"]["draws"] = n_draws
    return raw


def scenario_seed(scenario: str, seed: int) -> int:
    """The generator's seed for a scenario's ``seed``-th case (disjoint between scenarios)."""
    return seed + SCENARIO_SEED_OFFSET * sorted(SCENARIOS).index(scenario)


def _wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson 95 % interval of a binomial proportion: the chance spread of a coverage figure."""
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _est(d: dict | None) -> dict | None:
    return None if d is None else {k: float(d[k]) for k in ("value", "low", "high")}


def run_case(scenario: str, seed: int, n_draws: int | None, slope: float | None = None) -> dict:
    """Generate, fit, analyse and plan one case; every number the tables need, or the error."""
    warnings.simplefilter("ignore")
    from planner.inference.funnel import analyse_dataset
    from planner.inference.model import EncounterModel
    from planner.plan import plan_budget
    from planner.plan.value import Value, Warming
    from planner.reading.data import from_frame
    from planner.reading.params import load_dict
    from planner.simulate.synth import generate

    out: dict = {"scenario": scenario, "seed": seed, "error": None, "stage": None}
    stage = "generate"
    try:
        overrides = True if slope is None else {"close_rate_slope": slope}
        syn = generate(seed=scenario_seed(scenario, seed), scenario=scenario, funnel=overrides)
        truth = syn.truth.funnel
        out["truth"] = _truths(truth)

        stage = "fit"
        params = load_dict(copy.deepcopy(_raw_params(n_draws)), PARAMS)
        data = from_frame(syn.frame, params, source=f"synth:{scenario}:{seed}")
        started = time.perf_counter()
        model = EncounterModel(data, params.model).fit()
        out["fit_s"] = time.perf_counter() - started

        stage = "funnel"
        started = time.perf_counter()
        funnel = analyse_dataset(data, model, seed=seed)
        out["funnel_s"] = time.perf_counter() - started
        trend = funnel.close_rate["trend"]
        vpe = funnel.value_per_encounter
        out["estimate"] = {
            "close-rate trend": None if trend is None else _est({**trend, "value": trend["slope"]}),
            "deal value self_service": _est(funnel.deal_value["self_service"]),
            "deal value assisted": _est(funnel.deal_value["assisted"]),
            "value per encounter revenue": _est(vpe["revenue"]),
            "value per encounter deals": _est(vpe["deals"]),
        }
        out["nested"] = {k: _est(funnel.value_routes[k]["nested"]) for k in ("revenue", "deals")}
        out["disagree"] = {k: bool(funnel.value_routes[k]["disagree"]) for k in ("revenue", "deals")}

        stage = "plan"
        spec = params.plan.model_copy(update={"objective": "revenue"})
        started = time.perf_counter()
        value = Value("revenue", funnel.value_draws("revenue"), warming=Warming.from_funnel(funnel, model, "revenue"))
        plan = plan_budget(model, spec, data.spend, value=value)
        out["plan_s"] = time.perf_counter() - started
        out["action"] = _action(plan)
        budget, weeks = float(plan.total_budget), int(plan.horizon_weeks)
        rec = plan.recommended.split[CATS].to_numpy(dtype=float)
        out["recommended"] = rec.tolist()

        stage = "true optimum"
        driven = syn.truth.contributions.sum(axis=1).reindex(model.index)
        baseline = float((model.y - driven).iloc[-weeks:].mean())
        response = TrueRevenue(syn.truth, truth, baseline)
        lo, hi = _share_bounds(plan)
        best, best_value = response.best(budget, weeks, lo, hi)
        got = true_total(response, rec, budget, weeks)
        current = true_total(response, plan.current.split[CATS].to_numpy(dtype=float), budget, weeks)
        out["best"] = best.tolist()
        out["best_revenue"] = best_value
        out["loss"] = (best_value - got) / best_value if best_value > 0 else 0.0
        out["current_loss"] = (best_value - current) / best_value if best_value > 0 else 0.0
    except Exception as exc:  # counted and reported, never a crash of the whole benchmark
        out["error"] = _error_text(exc)
        out["stage"] = stage
    return out


def run_histories(scenario: str, first: int, count: int) -> list[dict]:
    """Histories ``first .. first + count - 1`` scored without the model's fit (see the docstring)."""
    warnings.simplefilter("ignore")
    from planner.inference import funnel as fn
    from planner.reading.data import from_frame
    from planner.reading.params import load_dict
    from planner.simulate.synth import generate

    params = load_dict(copy.deepcopy(_raw_params(None)), PARAMS)
    interval = float(params.model.interval)
    z = fn._z(interval)
    out = []
    for seed in range(first, first + count):
        row: dict = {"scenario": scenario, "seed": seed, "error": None}
        try:
            syn = generate(seed=scenario_seed(scenario, seed), scenario=scenario, funnel=True)
            truth = syn.truth.funnel
            row["truth"] = _truths(truth)
            data = from_frame(syn.frame, params, source=f"synth:{scenario}:{seed}")
            f, y = data.funnel.astype(float), data.y.astype(float)
            sm: dict = {}
            lags = fn.trend_lags(truth["close_rate"]["decay"])
            close, _ = fn._close_rate(f, y, data.spend, lags, interval, sm)
            deal_value, _ = fn._deal_values(f, interval, seed)
            trend = close["trend"]
            row["estimate"] = {
                "close-rate trend": _est({**trend, "value": trend["slope"]}),
                "deal value self_service": _est(deal_value["self_service"]),
                "deal value assisted": _est(deal_value["assisted"]),
            }
            for kind in ("revenue", "deals"):
                value, se, _ = fn._funnel_value(f, y, kind, sm)
                row["estimate"][f"value per encounter {kind}"] = _est(
                    {"value": value, "low": value - z * se, "high": value + z * se}
                )
        except Exception as exc:  # counted, never a crash
            row["error"] = _error_text(exc)
        out.append(row)
    return out


def _truths(truth: dict) -> dict:
    return {
        "close-rate trend": truth["close_rate"]["slope_per_eur_1000"],
        "deal value self_service": truth["deal_value"]["self_service"],
        "deal value assisted": truth["deal_value"]["assisted"],
        "value per encounter revenue": truth["value_per_weighted_encounter"]["revenue"],
        "value per encounter deals": truth["value_per_weighted_encounter"]["deals"],
    }


# -- tables ---------------------------------------------------------------------------------------


def _split(w) -> str:
    return "/".join(f"{100 * v:.0f}" for v in w)


def recovery(rows: list[dict]) -> pd.DataFrame:
    """One row per case and quantity: truth, estimate, interval, covered, relative error and width."""
    out = []
    for r in rows:
        if "estimate" not in r:
            continue
        for q in QUANTITIES:
            e, t = r["estimate"][q], r["truth"][q]
            if e is None:
                continue
            out.append(
                {
                    "scenario": r["scenario"],
                    "seed": r["seed"],
                    "quantity": q,
                    "truth": t,
                    "estimate": e["value"],
                    "low": e["low"],
                    "high": e["high"],
                    "covered": bool(e["low"] <= t <= e["high"]),
                    "error %": 100 * (e["value"] / t - 1),
                    "half-width %": 100 * (e["high"] - e["low"]) / 2 / abs(t),
                }
            )
    return pd.DataFrame(out)


def coverage(table: pd.DataFrame, scenarios: list[str]) -> pd.DataFrame:
    """Per quantity (and scenario): coverage against the target, bias and width."""
    rows = []
    for q in QUANTITIES:
        for sc in [*scenarios, "all"]:
            part = table[(table["quantity"] == q) & ((table["scenario"] == sc) | (sc == "all"))]
            if part.empty or (sc != "all" and len(scenarios) == 1):
                continue
            cov = float(part["covered"].mean())
            ok = TARGET_COVERAGE[0] <= cov <= TARGET_COVERAGE[1]
            low, high = _wilson(int(part["covered"].sum()), len(part))
            rows.append(
                {
                    "quantity": q,
                    "scenario": sc,
                    "cases": len(part),
                    "coverage %": 100 * cov,
                    "95 % chance range": f"{100 * low:.0f}-{100 * high:.0f}",
                    "target 75-90 %": "met" if ok else "NOT met",
                    "bias %": float(part["error %"].mean()),
                    "sd of error %": float(part["error %"].std(ddof=1)) if len(part) > 1 else float("nan"),
                    "median half-width %": float(part["half-width %"].median()),
                }
            )
    return pd.DataFrame(rows)


def _case_table(table: pd.DataFrame, quantity: str, scale: float = 1.0) -> pd.DataFrame:
    part = table[table["quantity"] == quantity].copy()
    for c in ("truth", "estimate", "low", "high"):
        part[c] = scale * part[c]
    return part[["scenario", "seed", "truth", "estimate", "low", "high", "covered", "error %"]]


def value_table(rows: list[dict], table: pd.DataFrame) -> pd.DataFrame:
    """Value per encounter per case: the headline against the truth and the nested cross-check."""
    out = []
    for kind, scale in (("revenue", 1.0), ("deals", 1000.0)):
        part = table[table["quantity"] == f"value per encounter {kind}"]
        for _, p in part.iterrows():
            r = next(x for x in rows if x["scenario"] == p["scenario"] and x["seed"] == p["seed"])
            n = r["nested"][kind]
            out.append(
                {
                    "kind": kind if kind == "revenue" else "deals per 1,000",
                    "scenario": p["scenario"],
                    "seed": p["seed"],
                    "truth": scale * p["truth"],
                    "estimate": scale * p["estimate"],
                    "low": scale * p["low"],
                    "high": scale * p["high"],
                    "covered": p["covered"],
                    "nested": None if n is None else scale * n["value"],
                    "nested low": None if n is None else scale * n["low"],
                    "nested high": None if n is None else scale * n["high"],
                    "nested covers": None if n is None else bool(n["low"] <= p["truth"] <= n["high"]),
                    "flag": r["disagree"][kind],
                }
            )
    return pd.DataFrame(out)


def _flag_rates(rows: list[dict]) -> str:
    parts = []
    for kind in ("revenue", "deals"):
        flags = [r["disagree"][kind] for r in rows if "disagree" in r]
        if flags:
            parts.append(f"{kind} {sum(flags)} of {len(flags)} ({100 * np.mean(flags):.0f} %)")
    return ", ".join(parts) or "no cases"


def plan_table(rows: list[dict]) -> pd.DataFrame:
    out = []
    for r in rows:
        if "loss" not in r:
            continue
        out.append(
            {
                "scenario": r["scenario"],
                "seed": r["seed"],
                "action": r["action"],
                "recommended": _split(r["recommended"]),
                "true best": _split(r["best"]),
                "loss %": 100 * r["loss"],
                "current's loss %": 100 * r["current_loss"],
                "true best revenue EUR k": r["best_revenue"] / 1000.0,
            }
        )
    return pd.DataFrame(out)


def plan_summary(plans: pd.DataFrame, scenarios: list[str]) -> pd.DataFrame:
    rows = []
    for sc in [*scenarios, "all"]:
        part = plans[(plans["scenario"] == sc) | (sc == "all")] if len(plans) else plans
        if part.empty:
            continue
        rows.append(
            {
                "scenario": sc,
                "cases": len(part),
                "move": int((part["action"] == "move").sum()),
                "loss median %": float(part["loss %"].median()),
                "loss p90 %": float(part["loss %"].quantile(0.9)),
                "loss max %": float(part["loss %"].max()),
                "current's loss median %": float(part["current's loss %"].median()),
            }
        )
    return pd.DataFrame(rows)


def timing(rows: list[dict]) -> pd.DataFrame:
    out = []
    for key, name in (("fit_s", "fit"), ("funnel_s", "funnel analysis"), ("plan_s", "revenue plan")):
        v = pd.Series([r[key] for r in rows if key in r], dtype=float)
        if len(v):
            out.append({"stage": name, "cases": len(v), "median s": v.median(), "max s": v.max(), "total s": v.sum()})
    return pd.DataFrame(out)


def report(rows: list[dict], args, elapsed: float, histories: list[dict] | None = None) -> str:
    table = recovery(rows)
    plans = plan_table(rows)
    draws = "params default" if args.n_draws is None else str(args.n_draws)
    lines = [
        "# Funnel benchmark",
        "",
        f"{datetime.now():%Y-%m-%d %H:%M}; scenarios: {', '.join(args.scenarios)}; {len(args.seed_list)} seed(s) "
        f"({args.seed_list[0]}..{args.seed_list[-1]}) each; draws: {draws}; {args.jobs} process(es); "
        f"{elapsed / 60:.1f} min in all; close-rate slope: "
        f"{'the generator default' if args.close_rate_slope is None else args.close_rate_slope}.",
        "",
        "Coverage: the share of cases whose interval holds the generator's truth (target 75-90 %). Bias: the "
        "mean relative error of the estimate; against the median half-width of the interval it tells a shifted "
        "estimate from a narrow interval. The 95 % chance range is the Wilson interval of the coverage over these "
        f"cases. The second scenario's generator seeds are the seeds + {SCENARIO_SEED_OFFSET:,} (disjoint histories).",
        "",
        "## Coverage per quantity",
        "",
        markdown(coverage(table, args.scenarios), 1) if len(table) else "(no fitted cases)",
        "",
    ]
    if histories:
        many = recovery(histories)
        failed_h = sum(1 for h in histories if h["error"])
        lines += [
            f"## Coverage over {args.histories} histories per scenario without the fit (seeds "
            f"{args.seed_list[0]}..{args.seed_list[0] + args.histories - 1})",
            "",
            "The deal values and the value per encounter as `analyse` computes them (they need no fit); the "
            "close-rate trend's distributed lag with its lags from the generator's content decay. "
            f"Failed histories: {failed_h}.",
            "",
            markdown(coverage(many, args.scenarios), 1) if len(many) else "(no histories)",
            "",
        ]
    lines += [
        "## Close-rate trend (percentage points per EUR 1,000 a week of content carryover)",
        "",
        markdown(_case_table(table, "close-rate trend", 100.0), 2) if len(table) else "(no fitted cases)",
        "",
        "## Deal value per channel (EUR)",
        "",
    ]
    for ch in ("self_service", "assisted"):
        lines += [f"### {ch}", "", markdown(_case_table(table, f"deal value {ch}"), 0) if len(table) else "-", ""]
    lines += [
        "## Value per quality-weighted encounter (revenue EUR; deals per 1,000 encounters)",
        "",
        "The nested route's flag (`value_routes[kind].disagree`, a 95 % test of the difference, no warning) "
        "on these honest histories: " + _flag_rates(rows) + ".",
        "",
        markdown(value_table(rows, table), 2) if len(table) else "(no fitted cases)",
        "",
        "## Revenue plan against the true best split",
        "",
        markdown(plan_summary(plans, args.scenarios), 2) if len(plans) else "(no planned cases)",
        "",
        markdown(plans, 2) if len(plans) else "",
        "",
        "## Timing",
        "",
        markdown(timing(rows), 1),
    ]
    failed = [r for r in rows if r["error"]]
    if failed:
        lines += ["", "## Failures", "", markdown(pd.DataFrame(failed)[["scenario", "seed", "stage", "error"]])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", nargs="+", default=sorted(SCENARIOS), choices=sorted(SCENARIOS))
    ap.add_argument("--seeds", type=int, default=None, help="seeds 0..N-1 per scenario (default 40; --quick 3)")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    ap.add_argument("--n-draws", type=int, default=None, help="the model's posterior draws (default: the params')")
    ap.add_argument("--quick", action="store_true", help="3 seeds and 100 draws: a smoke run")
    ap.add_argument(
        "--histories",
        type=int,
        default=None,
        help="histories per scenario scored without the fit (default 300; --quick 10)",
    )
    ap.add_argument(
        "--close-rate-slope",
        type=float,
        default=None,
        help="close-rate slope per EUR 1,000 a week of content carryover in the fitted cases (default 0.012)",
    )
    ap.add_argument("--out", type=Path, default=None, help="also write the markdown to this file")
    ap.add_argument("--write-docs", action="store_true", help="also write the report into docs/benchmarks.md")
    args = ap.parse_args(argv)
    n_seeds = args.seeds if args.seeds is not None else (3 if args.quick else 40)
    if args.quick and args.n_draws is None:
        args.n_draws = 100
    args.seed_list = list(range(args.first_seed, args.first_seed + n_seeds))
    if args.histories is None:
        args.histories = 10 if args.quick else 300

    started = time.perf_counter()
    tasks = [(sc, s, args.n_draws, args.close_rate_slope) for sc in args.scenarios for s in args.seed_list]
    rows = run_tasks(
        run_case,
        tasks,
        args.jobs,
        lambda t, error: {"scenario": t[0], "seed": t[1], "error": error, "stage": "worker"},
        lambda row: row["error"],
    )
    chunk = 25
    history_tasks = [
        (sc, first, min(chunk, args.first_seed + args.histories - first))
        for sc in args.scenarios
        for first in range(args.first_seed, args.first_seed + args.histories, chunk)
    ]
    chunks = run_tasks(
        run_histories,
        history_tasks,
        args.jobs,
        lambda t, error: [{"scenario": t[0], "seed": t[1], "error": error}],
        lambda part: "; ".join(h["error"] for h in part if h["error"]),
    )
    histories = [h for part in chunks for h in part]
    text = report(rows, args, time.perf_counter() - started, histories)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    if args.write_docs:
        write_report("funnel", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
