"""The planner and PyMC-Marketing's MMM side by side on the same generated histories; prints markdown.

For each history (by default `additive_hill`, `multiplicative_baseline` and `pymc_example` of
`planner.simulate.generators`, seed 0; `--cases` takes any name in `planner.simulate.generators.GENERATORS` or a
`planner.simulate.synth` scenario) both models are fitted to the same weekly data, and their contribution
shares of the spend-driven encounters are compared with the truth: share and 80 % interval per
category, error in percentage points, the worst category's error, how many of the three intervals
cover the true share, and the wall and CPU time of each fit.

`pymc_example` is PyMC-Marketing's own MMM example history (`planner.simulate.generators.pymc_example`): its
x1 and x2 are the content and design spend, and a technology spend that generates nothing is the
third channel. The MMM gets the three spend columns and the same trend, seasonality, holiday and
event controls as on any other history (the example's own fit used `l_max=8` and the controls
event_1, event_2 and t).

- planner: `EncounterModel(data, params.model).fit()` with the case's params and the model defaults
  (its intervals included, one process), exactly as `planner run` fits it.
- PyMC-Marketing: its `MMM` (`pymc_marketing.mmm.multidimensional.MMM`; the older
  `pymc_marketing.mmm.MMM` is deprecated since 0.19 and builds the same model with the same
  defaults) with `GeometricAdstock` and `LogisticSaturation` at their default priors, NUTS
  (PyMC's sampler), 4 chains on 2 cores, the default draws and tuning unless asked otherwise.
  y is the quality-weighted encounters the planner models (encounter columns times their weights),
  the channels are the three category spend totals (the planner also sums a category's columns).
  Baseline information as close to the planner's as the MMM allows: yearly Fourier seasonality of
  the same order, a linear trend, the planner's holiday dips (the same Christmas/New Year and July
  weeks), the events, and the controls. The MMM does not scale controls, so the trend runs from 0
  to 1 and each control is centred and divided by its standard deviation; 0/1 columns are passed
  as they are. A share is a channel's contribution summed over the weeks (original units) over the
  sum of the three, per posterior draw; the table shows the posterior mean and the central interval
  of the planner's `model.interval` (80 %: the 10th-90th percentiles), as the planner reports its own.

The "oracle" is a yardstick only (`planner.simulate.generators.oracle_shares`): least squares handed the
true curves, i.e. the error that the noise alone causes.

Install (a separate environment, outside the repository: PyMC-Marketing brings PyMC and PyTensor,
which compiles C code with the system's gcc):

    python3.11 -m venv ../peer-venv
    ../peer-venv/bin/pip install -e ".[peer]"

Run (the PyMC-Marketing fits dominate: about 4-6 minutes each on 2 busy cores, 15 minutes in all):

    ../peer-venv/bin/python benchmarks/bench_peer.py --out peer.md
    ../peer-venv/bin/python benchmarks/bench_peer.py --cases pymc_example --draws 500 --tune 500
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import resource
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from docs_section import write_report

from planner import CATEGORIES
from planner.inference.model import EncounterModel
from planner.reading.data import from_frame
from planner.reading.params import load_dict

ROOT = Path(__file__).resolve().parents[1]
CATS = list(CATEGORIES)
DEFAULT_CASES = ("additive_hill", "multiplicative_baseline", "pymc_example")
#: Weeks of carryover the MMM's geometric adstock keeps. PyMC-Marketing's weekly examples use 8;
#: 12 leaves out less than 1 % of the effect up to a decay of 0.68 and 3 % at 0.75.
L_MAX = 12
PEER_CORES = 2
PEER_CHAINS = 4


@dataclass
class History:
    """One generated history: the user's table, its params and the true shares."""

    name: str
    seed: int
    frame: pd.DataFrame
    params: object  # planner.reading.params.Params
    truth: pd.Series
    oracle: pd.Series | None


@dataclass
class Fit:
    """One model's shares (columns share, low, high; index CATS) and its wall time."""

    model: str
    shares: pd.DataFrame
    seconds: float
    cpu_seconds: float
    notes: str


class Stopwatch:
    """Wall time and CPU time of this process and of the child processes it waited for (samplers)."""

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), self._cpu_now()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._wall
        self.cpu = self._cpu_now() - self._cpu

    @staticmethod
    def _cpu_now() -> float:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + kids.ru_utime + kids.ru_stime


def known_cases() -> list[str]:
    """The names `--cases` takes: every generator of `planner.simulate.generators` (read when the benchmark
    runs, so generators added later count too), then `planner.simulate.synth`'s scenarios."""
    try:
        from planner.simulate.generators import GENERATORS
    except ImportError:
        GENERATORS = {}
    from planner.simulate.synth import SCENARIOS

    return list(GENERATORS) + [name for name in sorted(SCENARIOS) if name not in GENERATORS]


def load_history(name: str, seed: int) -> History:
    """Generate the named history with `planner.simulate.generators` (or `planner.simulate.synth`'s scenarios)."""
    try:
        from planner.simulate import generators
    except ImportError:
        generators = None
    if generators is not None and name in generators.GENERATORS:
        case = generators.make(name, seed)
        params = load_dict(case.params, ROOT / "params" / f"{name}.yaml")
        data = from_frame(case.frame, params, source=f"generators:{name}:{seed}")
        try:
            oracle = generators.oracle_shares(case, params, data)[CATS]
        except Exception as exc:  # the yardstick is optional; the comparison does not need it
            print(f"oracle unavailable for {name}: {exc}", file=sys.stderr)
            oracle = None
        return History(name, seed, case.frame, params, case.true_shares()[CATS], oracle)

    from planner.simulate.synth import SCENARIOS, generate

    if name not in SCENARIOS:
        known = sorted(SCENARIOS) + (sorted(generators.GENERATORS) if generators else [])
        raise SystemExit(f"unknown case {name!r}; choose from {', '.join(known)}")
    import yaml

    path = ROOT / "params" / "example.yaml"
    syn = generate(seed=seed, scenario=name)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw.pop("funnel", None)  # generated histories have no funnel columns
    params = load_dict(raw, path)
    return History(name, seed, syn.frame, params, syn.truth.contribution_shares()[CATS], None)


# -- the planner -------------------------------------------------------------------------------


def fit_planner(history: History) -> tuple[Fit, object]:
    """Fit the planner as a planning run does (its params, one process) and time it."""
    data = from_frame(history.frame, history.params, source=f"{history.name}:{history.seed}")
    with Stopwatch() as clock:
        res = EncounterModel(data, history.params.model).fit()
    shares = res.shares()[["share", "low", "high"]].reindex(CATS).astype(float)
    spec = history.params.model
    notes = [f"quality {getattr(res, 'quality', '?')}"]
    if getattr(spec, "draws", None) is not None:  # the posterior sampler's draws
        notes.append(f"{spec.draws} posterior draws")
    elif getattr(spec, "n_bootstrap", None) is not None:  # the former bootstrap
        notes.append(f"{spec.n_bootstrap} bootstrap refits")
    family = getattr(res, "family", None)
    if family:
        notes.append(f"family {family}")
    return Fit("planner", shares, clock.wall, clock.cpu, ", ".join(notes)), data


# -- PyMC-Marketing ----------------------------------------------------------------------------


def _holiday_flags(index: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """The planner's holiday dips: Christmas/New Year and July weeks, judged by each Thursday."""
    thu = index + pd.Timedelta(days=3)
    christmas = ((thu.month == 12) & (thu.day >= 25)) | ((thu.month == 1) & (thu.day <= 7))
    return {"christmas_new_year": np.asarray(christmas, float), "july": np.asarray(thu.month == 7, float)}


def peer_inputs(data, spec) -> tuple[pd.DataFrame, pd.Series, list[str], int | None]:
    """X (date, channels, controls), y, the control columns and the Fourier order for the MMM."""
    index = pd.DatetimeIndex(data.y.index)
    n = len(index)
    x = pd.DataFrame({"date": index})
    spend = data.spend[CATS].astype(float)
    for cat in CATS:
        x[cat] = spend[cat].to_numpy()
    controls: dict[str, np.ndarray] = {}
    if getattr(spec, "trend", True):
        controls["trend"] = np.arange(n, dtype=float) / max(n - 1, 1)
    if getattr(spec, "holidays", "fi") == "fi":
        controls.update(_holiday_flags(index))
    for frame in (data.events, data.controls):
        for col in frame.columns:
            v = np.asarray(frame[col], dtype=float)
            binary = set(np.unique(v)) <= {0.0, 1.0}
            controls[col] = v if binary or v.std() == 0 else (v - v.mean()) / v.std()
    used = []
    for name, v in controls.items():
        if np.ptp(v) == 0:  # a column that never varies says nothing beside the intercept
            continue
        key = name if name not in x.columns and name != "y" else f"control_{name}"
        x[key] = v
        used.append(key)
    order = int(getattr(spec, "seasonality", 2) or 0) or None
    y = pd.Series(np.asarray(data.y, dtype=float), name="y")
    return x, y, used, order


def fit_peer(data, spec, seed: int, chains: int, draws: int | None, tune: int | None) -> Fit:
    """PyMC-Marketing's MMM at its defaults: build and sample (timed), then shares per draw."""
    import arviz as az
    from pymc_marketing.mmm import GeometricAdstock, LogisticSaturation
    from pymc_marketing.mmm.multidimensional import MMM

    x, y, controls, order = peer_inputs(data, spec)
    sample_kwargs = {"chains": chains, "cores": PEER_CORES, "random_seed": seed, "progressbar": False}
    if draws is not None:
        sample_kwargs["draws"] = draws
    if tune is not None:
        sample_kwargs["tune"] = tune

    with Stopwatch() as clock, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        mmm = MMM(
            date_column="date",
            channel_columns=CATS,
            target_column="y",
            adstock=GeometricAdstock(l_max=L_MAX),
            saturation=LogisticSaturation(),
            control_columns=controls or None,
            yearly_seasonality=order,
        )
        idata = mmm.fit(x, y, **sample_kwargs)

    post = idata.posterior
    scale = float(np.asarray(idata.constant_data["target_scale"])) if "target_scale" in idata.constant_data else 1.0
    totals = (post["channel_contribution"] * scale).sum("date").transpose("chain", "draw", "channel")
    totals = totals.sel(channel=CATS).to_numpy().reshape(-1, len(CATS))
    share_draws = totals / totals.sum(axis=1, keepdims=True)
    interval = float(getattr(spec, "interval", 0.8))
    q = (1 - interval) / 2
    shares = pd.DataFrame(
        {
            "share": share_draws.mean(axis=0),
            "low": np.quantile(share_draws, q, axis=0),
            "high": np.quantile(share_draws, 1 - q, axis=0),
        },
        index=CATS,
    )
    divergences = int(idata.sample_stats["diverging"].sum()) if "diverging" in idata.sample_stats else -1
    free = [v.name for v in mmm.model.free_RVs if v.name in post]
    rhat = float(az.rhat(post[free]).to_array().max())
    notes = (
        f"{post.sizes['chain']} chains x {post.sizes['draw']} draws, {divergences} divergences, max R-hat {rhat:.3f}"
    )
    return Fit("PyMC-Marketing", shares, clock.wall, clock.cpu, notes)


# -- report ------------------------------------------------------------------------------------


def _pct(v: float) -> str:
    return "-" if not np.isfinite(v) else f"{100 * v:.1f}"


def _interval(row) -> str:
    return f"{_pct(row['share'])} ({_pct(row['low'])}-{_pct(row['high'])})"


def score(fit: Fit, truth: pd.Series) -> dict:
    err = (fit.shares["share"] - truth).abs()
    covered = (fit.shares["low"] <= truth) & (truth <= fit.shares["high"])
    return {"errors": err, "worst": float(err.max()), "covered": int(covered.sum())}


def history_table(history: History, fits: list[Fit], interval: float) -> str:
    truth = history.truth
    scores = [score(f, truth) for f in fits]
    level = f"{100 * interval:.0f} %"
    head = ["category", "true %"]
    for f in fits:
        head += [f"{f.model} % ({level} interval)", f"{f.model} error (pp)"]
    if history.oracle is not None:
        head.append("oracle error (pp)")
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for cat in CATS:
        cells = [cat, _pct(truth[cat])]
        for f, s in zip(fits, scores, strict=True):
            cells += [_interval(f.shares.loc[cat]), f"{100 * s['errors'][cat]:.1f}"]
        if history.oracle is not None:
            cells.append(f"{100 * abs(history.oracle[cat] - truth[cat]):.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    worst = ["**worst category**", ""]
    cover = ["**intervals covering the truth**", ""]
    for s in scores:
        worst += ["", f"**{100 * s['worst']:.1f}**"]
        cover += [f"{s['covered']} of 3", ""]
    if history.oracle is not None:
        worst.append(f"{100 * float((history.oracle - truth).abs().max()):.1f}")
        cover.append("")
    lines += ["| " + " | ".join(worst) + " |", "| " + " | ".join(cover) + " |"]
    return "\n".join(lines)


def summary_table(rows: list[tuple[History, list[Fit]]]) -> str:
    lines = [
        "| history | model | worst error (pp) | intervals covering | wall time (s) | CPU time (s) | notes |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for history, fits in rows:
        for f in fits:
            s = score(f, history.truth)
            lines.append(
                f"| {history.name} seed {history.seed} | {f.model} | {100 * s['worst']:.1f} | {s['covered']} of 3 "
                f"| {f.seconds:.1f} | {f.cpu_seconds:.1f} | {f.notes} |"
            )
        if len(fits) == 2:
            lines.append(
                f"| {history.name} seed {history.seed} | ratio | | | {fits[1].seconds / fits[0].seconds:.1f}x "
                f"| {fits[1].cpu_seconds / fits[0].cpu_seconds:.1f}x | {fits[1].model} / {fits[0].model} |"
            )
    return "\n".join(lines)


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "not installed"


def _planner_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "planner"], capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (with uncommitted changes in planner/)" if dirty else head


def machine(commit: str, load: tuple[float, float]) -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    pkgs = ["planner", "numpy", "pandas", "scipy", "statsmodels", "pymc-marketing", "pymc", "pytensor", "arviz"]
    return "\n".join(
        [
            f"- machine: {_cpu_model()}, {os.cpu_count()} cores ({usable} usable), {platform.platform()}",
            f"- Python {platform.python_version()}; " + ", ".join(f"{p} {_version(p)}" for p in pkgs),
            f"- planner commit {commit} (read when the run started)",
            f"- load average (1 min) at the start {load[0]:.1f}, at the end {load[1]:.1f}: other work on the "
            "machine slows both fits' wall time; CPU time counts this process and its sampler processes only",
        ]
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    known = known_cases()
    ap.add_argument(
        "--cases",
        nargs="+",
        default=list(DEFAULT_CASES),
        choices=known,  # checked before any fit: a misspelt second name would waste the first one's minutes
        metavar="NAME",
        help=f"histories to compare (default: {' '.join(DEFAULT_CASES)}); one or more of: {', '.join(known)}",
    )
    ap.add_argument("--seed", type=int, default=0, help="seed of the histories and of the sampler (default 0)")
    ap.add_argument("--chains", type=int, default=PEER_CHAINS, help=f"NUTS chains (default {PEER_CHAINS})")
    ap.add_argument("--draws", type=int, default=None, help="draws per chain (default: PyMC's, 1000)")
    ap.add_argument("--tune", type=int, default=None, help="tuning steps per chain (default: PyMC's, 1000)")
    ap.add_argument("--out", type=Path, default=None, help="also write the markdown to this file")
    ap.add_argument("--write-docs", action="store_true", help="also write the report into docs/benchmarks.md")
    args = ap.parse_args(argv)
    commit = _planner_commit()  # before the fits: others may commit while they run
    load0 = os.getloadavg()[0]

    parts = [
        "## The planner and PyMC-Marketing side by side\n",
        f"PyMC-Marketing: MMM, GeometricAdstock(l_max={L_MAX}) + LogisticSaturation, default priors, NUTS, "
        f"{args.chains} chains on {PEER_CORES} cores, random_seed {args.seed}. "
        "Planner: `EncounterModel(data, params.model).fit()` with the model defaults, one process. "
        "Errors in percentage points of share; wall and CPU time of the planner's fit with its intervals and "
        "of the MMM's build + sampling.\n",
    ]
    rows = []
    for name in args.cases:
        history = load_history(name, args.seed)
        print(f"{name} seed {args.seed}: planner ...", file=sys.stderr, flush=True)
        planner_fit, data = fit_planner(history)
        print(f"  {planner_fit.seconds:.1f} s; PyMC-Marketing ...", file=sys.stderr, flush=True)
        peer_fit = fit_peer(data, history.params.model, args.seed, args.chains, args.draws, args.tune)
        print(f"  {peer_fit.seconds:.1f} s", file=sys.stderr, flush=True)
        fits = [planner_fit, peer_fit]
        rows.append((history, fits))
        interval = float(getattr(history.params.model, "interval", 0.8))
        parts.append(f"### {name}, seed {args.seed} ({len(data.y)} weeks)\n")
        parts.append(history_table(history, fits, interval) + "\n")
    parts += [
        "### Summary\n",
        summary_table(rows) + "\n",
        "### Machine\n",
        machine(commit, (load0, os.getloadavg()[0])) + "\n",
    ]
    text = "\n".join(parts)
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    if args.write_docs:  # the default histories, or other `--cases`, each set in a section of its own
        write_report("peer" if list(args.cases) == list(DEFAULT_CASES) else "peer-cases", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
