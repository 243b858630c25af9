"""Regions benchmark: does pooling the regions beat a fit of the national totals?

Each regional generator of `planner.simulate.generators_regional` (campaigns timed by region, a licence flat
nationally but staggered by region, regions of very different size, one region with a different
effect) gives `--seeds` histories of `--regions` regions and 156 weeks. Each history is fitted
twice: the pooled model over the regions (`planner.inference.model.regions.RegionalModel`) and the national
model on the same history's national totals (`planner.inference.model.EncounterModel`). Reported per
generator and overall, against the truth: the worst category's share error (the largest absolute
error of the three shares; median over the histories), the coverage of the 80 % share intervals
(identified categories), whether technology was called identified, whether the differing region
was flagged (``regions_disagree``), and the oracle's error (each region fitted with the true
carryover and saturation curves, its own baseline: the error no model of these curves can beat).
`--scale` times the pooled fit by number of regions (the largest on the Dask executor).

Brands (`planner.simulate.generators_brands`, `--brand-seeds` histories of `--brands` brands): the
pooled model over the brands (``data.group``) against each brand fitted alone (the national model
on that brand's data), per brand against its own true shares: the worst category's share error,
the coverage of the 80 % share intervals, whether technology was identified (one brand's licence is
flat: alone it cannot be) and whether the small brand was said to borrow strength.

    python benchmarks/bench_regions.py --quick            # 2 seeds, 8 regions: a smoke run
    python benchmarks/bench_regions.py --write-docs       # 5 seeds, the docs section "regions"
    python benchmarks/bench_regions.py --scale 5,20,200   # fit time by number of regions
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from planner import CATEGORIES
from planner.inference.model import EncounterModel
from planner.inference.model.regions import RegionalModel
from planner.simulate import generators_regional as gr
from planner.simulate.generators_brands import make_brands

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def oracle_shares(case: gr.RegionalCase) -> np.ndarray:
    """Shares of a fit that knows the true curves: each region regressed on its true effects' shapes
    and its own baseline (level, trend, season, holidays, event, control)."""
    from planner.inference.model import baseline_design

    ds = case.dataset(regions=False)
    index = ds.y.index
    design = baseline_design(index, ds.params.model, ds.events.set_axis(index), ds.controls.set_axis(index)).to_numpy()
    frame = case.frame.set_index(["week_start", "region"])
    totals = np.zeros(3)
    for region in case.size.index:
        y = frame.xs(region, level="region")["encounters"].to_numpy(dtype=float)
        true = case.contributions.xs(region, level="region").to_numpy()
        shape = true / np.maximum(true.max(axis=0), 1e-9)
        x = np.column_stack([design, shape])
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        totals += np.maximum(coef[-3:], 0.0) * shape.sum(axis=0)
    return totals / totals.sum()


def score(shares, truth: dict) -> dict:
    t = np.array([truth[c] for c in CATEGORIES])
    s = shares["share"].to_numpy()
    inside = [
        bool(shares.loc[c, "low"] <= truth[c] <= shares.loc[c, "high"])
        for c in CATEGORIES
        if shares.loc[c, "identified"] and np.isfinite(shares.loc[c, "low"])
    ]
    return {
        "worst": float(np.max(np.abs(s - t))),
        "covered": inside,
        "tech_identified": bool(shares.loc["technology", "identified"]),
    }


def run_case(name: str, seed: int, regions: int, draws: int) -> dict:
    case = gr.make(name, seed, n_regions=regions)
    model = {"draws": draws, "seed": seed}
    ds_r, ds_n = case.dataset(model=model), case.dataset(regions=False, model=model)
    t0 = time.perf_counter()
    pooled = RegionalModel(ds_r, ds_r.params.model).fit()
    t1 = time.perf_counter()
    national = EncounterModel(ds_n, ds_n.params.model).fit()
    t2 = time.perf_counter()
    truth = case.truth["shares"]
    oracle = oracle_shares(case)
    flagged = sorted({row["region"] for row in pooled.pooling["disagree"]})
    return {
        "name": name,
        "seed": seed,
        "pooled": score(pooled.shares(), truth),
        "national": score(national.shares(), truth),
        "oracle": float(np.max(np.abs(oracle - np.array([truth[c] for c in CATEGORIES])))),
        "flagged": flagged,
        "differing": case.truth["differing_region"],
        "seconds_pooled": t1 - t0,
        "seconds_national": t2 - t1,
    }


def summary(rows: list[dict], regions: int, draws: int) -> str:
    lines = [
        f"Each generator: {len(rows) // len(gr.GENERATORS)} seeds of {regions} regions x 156 weeks, {draws} draws; "
        "share error is the worst category's absolute error (median over the seeds); coverage of the 80 % share "
        "intervals over identified categories.",
        "",
        "| generator | pooled worst error | national worst error | oracle worst error | pooled coverage | "
        "national coverage | technology identified (pooled / national) | differing region flagged | "
        "other regions flagged | pooled fit s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]

    def block(part, label):
        pw = np.median([r["pooled"]["worst"] for r in part])
        nw = np.median([r["national"]["worst"] for r in part])
        ow = np.median([r["oracle"] for r in part])
        pc = [x for r in part for x in r["pooled"]["covered"]]
        nc = [x for r in part for x in r["national"]["covered"]]
        pt = sum(r["pooled"]["tech_identified"] for r in part)
        nt = sum(r["national"]["tech_identified"] for r in part)
        diff = [r for r in part if r["differing"]]
        hit = f"{sum(r['differing'] in r['flagged'] for r in diff)}/{len(diff)}" if diff else "-"
        others = sum(len([f for f in r["flagged"] if f != r["differing"]]) for r in part)
        secs = np.median([r["seconds_pooled"] for r in part])
        return (
            f"| {label} | {pw:.3f} | {nw:.3f} | {ow:.3f} | {np.mean(pc):.0%} ({len(pc)}) | "
            f"{(np.mean(nc) if nc else float('nan')):.0%} ({len(nc)}) | {pt}/{len(part)} / {nt}/{len(part)} | {hit} | "
            f"{others} | {secs:.1f} |"
        )

    for name in gr.GENERATORS:
        lines.append(block([r for r in rows if r["name"] == name], name))
    lines.append(block(rows, "**all**"))
    pw = np.median([r["pooled"]["worst"] for r in rows])
    nw = np.median([r["national"]["worst"] for r in rows])
    pc = np.mean([x for r in rows for x in r["pooled"]["covered"]])
    flat = [r for r in rows if r["name"] == "flat_licence"]
    lines += [
        "",
        "Targets: pooled median worst error at most half the national fit's: "
        f"{pw:.3f} vs {nw:.3f} ({'met' if pw <= nw / 2 else 'not met'}); coverage 75-90 %: {pc:.0%} "
        f"({'met' if 0.75 <= pc <= 0.90 else 'not met'}); the flat national licence identified by the pooled model: "
        f"{sum(r['pooled']['tech_identified'] for r in flat)}/{len(flat)} (national: "
        f"{sum(r['national']['tech_identified'] for r in flat)}/{len(flat)}).",
    ]
    return "\n".join(lines)


def scaling(sizes: list[int], draws: int, big: int) -> str:
    lines = [
        f"Pooled fit time by number of regions (156 weeks, {draws} draws in 2 chains, the national fit included; "
        f"from {big} regions the chains run as Dask tasks on a local process pool of 2 workers).",
        "",
        "| regions | executor | seconds |",
        "|---|---|---|",
    ]
    for n in sizes:
        case = gr.make("staggered_campaigns", 0, n_regions=n)
        ds = case.dataset(model={"draws": draws})
        executor = "dask" if n >= big else "local"
        t = time.perf_counter()
        RegionalModel(ds, ds.params.model, executor=executor).fit()
        lines.append(f"| {n} | {executor} | {time.perf_counter() - t:.1f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


def _brand_score(table, truth: dict) -> dict:
    """Worst share error and coverage of one brand's shares (`table`: share, low, high, identified)."""
    t = np.array([truth[c] for c in CATEGORIES])
    s = table.loc[list(CATEGORIES), "share"].to_numpy(dtype=float)
    inside = [
        bool(table.loc[c, "low"] <= truth[c] <= table.loc[c, "high"])
        for c in CATEGORIES
        if table.loc[c, "identified"] and table.loc[c, "low"] is not None and np.isfinite(table.loc[c, "low"])
    ]
    return {"worst": float(np.max(np.abs(s - t))), "covered": inside}


def run_brands(seed: int, n_brands: int, draws: int) -> list[dict]:
    """One pool of brands: the pooled fit over them and each brand alone, scored per brand."""
    case = make_brands(seed, n_brands=n_brands)
    model = {"draws": draws, "seed": seed}
    ds = case.dataset(model=model)
    t0 = time.perf_counter()
    pooled = RegionalModel(ds, ds.params.model).fit()
    seconds = time.perf_counter() - t0
    table = pooled.region_contributions()
    borrowing = {row["region"] for row in pooled.pooling["borrowing"]}
    rows = []
    for brand in case.brands:
        truth = case.truth["brand_shares"][brand]
        mine = table[table["region"] == brand].set_index("category")
        mine = mine[["share", "low_share", "high_share", "identified"]].rename(
            columns={"low_share": "low", "high_share": "high"}
        )
        ds_b = case.brand_dataset(brand, model=model)
        alone = EncounterModel(ds_b, ds_b.params.model).fit()
        role = (
            "flat licence"
            if brand == case.truth["flat_brand"]
            else "small"
            if brand == case.truth["small_brand"]
            else "other"
        )
        rows.append(
            {
                "seed": seed,
                "brand": brand,
                "role": role,
                "pooled": {**_brand_score(mine, truth), "tech_identified": bool(pooled.identified["technology"])},
                "alone": {
                    **_brand_score(alone.shares(), truth),
                    "tech_identified": bool(alone.identified["technology"]),
                },
                "borrows": brand in borrowing,
                "seconds_pooled": seconds,
            }
        )
    return rows


def brands_summary(rows: list[dict], n_brands: int, draws: int) -> str:
    seeds = len({r["seed"] for r in rows})
    lines = [
        f"Brands: {seeds} pools of {n_brands} brands x 156 weeks (sizes over a 1:6 range and one brand a twentieth of "
        f"the average; the first brand's technology licence flat, the others' stepped at weeks of their own), {draws} "
        "draws. Per brand against its own true shares: the pooled model over the brands (data.group) and the brand "
        "fitted alone; worst-category share error (median), coverage of the 80 % share intervals (identified "
        "categories), technology identified.",
        "",
        "| brands | pooled worst error | alone worst error | pooled coverage | alone coverage | technology identified "
        "(pooled / alone) | said to borrow strength |",
        "|---|---|---|---|---|---|---|",
    ]

    def block(part, label):
        pw = np.median([r["pooled"]["worst"] for r in part])
        aw = np.median([r["alone"]["worst"] for r in part])
        pc = [x for r in part for x in r["pooled"]["covered"]]
        ac = [x for r in part for x in r["alone"]["covered"]]
        pt = sum(r["pooled"]["tech_identified"] for r in part)
        at = sum(r["alone"]["tech_identified"] for r in part)
        bo = sum(r["borrows"] for r in part)
        return (
            f"| {label} | {pw:.3f} | {aw:.3f} | {(np.mean(pc) if pc else float('nan')):.0%} ({len(pc)}) | "
            f"{(np.mean(ac) if ac else float('nan')):.0%} ({len(ac)}) | {pt}/{len(part)} / {at}/{len(part)} | "
            f"{bo}/{len(part)} |"
        )

    for role in ("flat licence", "small", "other"):
        lines.append(block([r for r in rows if r["role"] == role], role))
    lines.append(block(rows, "**all**"))
    lines += ["", f"Pooled fit over the brands: median {np.median([r['seconds_pooled'] for r in rows]):.1f} s."]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--regions", type=int, default=8)
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--quick", action="store_true", help="2 seeds")
    ap.add_argument("--scale", default="", help="comma-separated numbers of regions to time, e.g. 5,20,200")
    ap.add_argument("--dask-from", type=int, default=100, help="regions from which the chains run on Dask")
    ap.add_argument("--jobs", type=int, default=1, help="accepted for the suite's interface; fits run in turn")
    ap.add_argument("--write-docs", action="store_true", help='write the "regions" section of docs/benchmarks.md')
    ap.add_argument("--out", type=Path, default=None, help="also write the report (markdown) to this file")
    ap.add_argument("--scale-only", action="store_true", help="only the fit times of --scale (no docs)")
    ap.add_argument("--brands", type=int, default=5, help="brands per pool in the brands comparison")
    ap.add_argument("--brand-seeds", type=int, default=None, help="pools of brands (default: --seeds; 0: none)")
    ap.add_argument("--brands-only", action="store_true", help="only the brands comparison (no docs)")
    args = ap.parse_args(argv)
    if args.scale_only:
        print(scaling([int(s) for s in args.scale.split(",")], args.draws, args.dask_from))
        return 0
    seeds = 2 if args.quick else args.seeds
    brand_seeds = seeds if args.brand_seeds is None else args.brand_seeds
    brand_rows = []
    for seed in range(brand_seeds):
        part = run_brands(seed, args.brands, args.draws)
        brand_rows += part
        print(
            f"brands seed {seed}: "
            + ", ".join(
                f"{r['brand']} pooled {r['pooled']['worst']:.3f} alone {r['alone']['worst']:.3f}" for r in part
            ),
            flush=True,
        )
    if args.brands_only:
        print(brands_summary(brand_rows, args.brands, args.draws))
        return 0
    rows = []
    for name in gr.GENERATORS:
        for seed in range(seeds):
            row = run_case(name, seed, args.regions, args.draws)
            rows.append(row)
            print(
                f"{name} seed {seed}: worst pooled {row['pooled']['worst']:.3f} "
                f"national {row['national']['worst']:.3f} "
                f"oracle {row['oracle']:.3f}; {row['seconds_pooled']:.1f} s",
                flush=True,
            )
    text = summary(rows, args.regions, args.draws)
    if brand_rows:
        text += "\n\n" + brands_summary(brand_rows, args.brands, args.draws)
    if args.scale:
        text += "\n\n" + scaling([int(s) for s in args.scale.split(",")], args.draws, args.dask_from)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    if args.write_docs:
        from docs_section import write_report

        write_report("regions", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
