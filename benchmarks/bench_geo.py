"""Geo-split benchmark: does the power the design computes match the share of simulated geo tests
that come out significant?

For each setting, `--sims` regional histories are split from one national history of
`planner.simulate.synth.generate` (seed 5) by `planner.simulate.synth.split_regions` (each with its own seed: its own
region sizes, spend shares and AR(1) region noise of the given autocorrelation). Each history is
designed exactly as `planner.inference.geo` does it (balanced groups by the last 13 weeks' encounters, the
matched difference series, its AR(1) noise, the difference-in-differences standard error against a
26-week pre-period), a true lift of ``lift`` standard errors is added to the treated regions over
the test's weeks (after the history), and the test is judged significant at 5 % (two-sided) with
the design's own standard error. Reported: the mean computed power, the simulated share of
significant tests (with its binomial standard error), and the ratio of the estimates' empirical sd
to the mean computed standard error (1 is exact; the true lift is zero in the rows with lift 0,
where the share is the false-positive rate).

    python benchmarks/bench_geo.py              # 300 tests per setting
    python benchmarks/bench_geo.py --quick      # 60 tests per setting: a smoke run
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np
import pandas as pd
from docs_section import write_report

from planner.inference import geo
from planner.simulate import synth

#: (regions, rho, weeks, lift in standard errors)
SETTINGS = [
    (6, 0.0, 8, 0.0),
    (6, 0.0, 8, 2.5),
    (6, 0.4, 8, 0.0),
    (6, 0.4, 8, 1.5),
    (6, 0.4, 8, 2.5),
    (6, 0.7, 8, 0.0),
    (6, 0.7, 8, 2.5),
    (6, 0.4, 4, 2.5),
    (6, 0.4, 12, 2.5),
    (3, 0.4, 8, 2.5),
    (10, 0.4, 8, 2.5),
]


def region_y(regional: synth.Regional, weights: dict) -> pd.DataFrame:
    frame = regional.frame
    y = sum(frame[c].astype(float) * w for c, w in weights.items())
    wide = pd.DataFrame({"week": frame["week_start"], "region": frame["region"], "y": y})
    return wide.pivot(index="week", columns="region", values="y")[list(regional.size.index)]


def run(n_regions: int, rho: float, weeks: int, lift_in_se: float, sims: int) -> dict:
    national = synth.generate(seed=5, weeks=130 + weeks)
    powers, hits, errors, ses = [], [], [], []
    for s in range(sims):
        regional = synth.split_regions(national, n_regions=n_regions, seed=100 + s, noise=0.05, rho=rho)
        y = region_y(regional, national.weights)
        history = y.iloc[:-weeks]
        treated, control = geo.balanced_split(history.iloc[-13:].sum())
        k, var, r = geo.difference_noise(history, treated, control)
        se = geo.did_se(var, r, weeks, geo.PRE_WEEKS)
        lift = lift_in_se * se
        tested = y.copy()
        share = regional.size[treated] / regional.size[treated].sum()
        tested.loc[tested.index[-weeks:], treated] += np.outer(np.full(weeks, lift / weeks), share)
        measured = geo.did_estimate(tested, treated, control, k, weeks, geo.PRE_WEEKS)
        powers.append(geo.power(lift, se) if lift else 0.05)
        hits.append(abs(measured) / se > 1.959964)
        errors.append(measured - lift)
        ses.append(se)
    share = float(np.mean(hits))
    return {
        "regions": n_regions,
        "rho": rho,
        "weeks": weeks,
        "lift (se)": lift_in_se,
        "computed power": float(np.mean(powers)),
        "simulated": share,
        "+-": math.sqrt(share * (1 - share) / sims),
        "sd / se": float(np.std(errors, ddof=1) / np.mean(ses)),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="60 tests per setting")
    parser.add_argument("--write-docs", action="store_true", help="also write the report into docs/benchmarks.md")
    args = parser.parse_args(argv)
    sims = 60 if args.quick else args.sims
    start = time.perf_counter()
    rows = [run(*setting, sims=sims) for setting in SETTINGS]
    lines = [f"{sims} simulated geo tests per setting ({time.perf_counter() - start:.0f} s)\n"]
    head = list(rows[0])
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---:|" * len(head))
    for row in rows:
        cells = [
            f"{v:.3f}" if isinstance(v, float) and k not in ("rho", "lift (se)") else f"{v:g}" for k, v in row.items()
        ]
        lines.append("| " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        write_report("geo", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
