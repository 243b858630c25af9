"""A batch's pools: params files sharing a top-level ``pool:`` name are brands of one pooled fit.

`prepare(files, out)` reads the batch's params files; those with a ``pool`` key are grouped by it,
checked to agree on everything the pooled model shares (`SHARED_EXCEPT` lists what may differ),
and their data written as one file in long form with a brand column (each file's data one brand,
named by the file's plan name) beside a params file with ``data.group`` that runs the pooled model
(`planner.inference.model.regions`). The batch then runs that one params file for the pool: one
run folder, ``<output dir>/<pool>/<time>/``, over every brand, and each member file's entry in the
batch's summary points at it. Per-brand run folders (each brand's own plan from the pooled fit) are
not built yet; the pooled run's ``contributions_by_region`` holds each brand's shares.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from planner.reading import params as params_module
from planner.reading.data import DataError, load_data
from planner.reading.params import ParamsError

__all__ = ["INPUT_FOLDER", "SHARED_EXCEPT", "Batch", "PoolError", "prepare"]

#: Params keys that may differ between the files of one pool: where each brand's data live and how
#: the file is written, its budget (the pool's is their sum), the brief's title and where runs go.
SHARED_EXCEPT = (
    "data.path",
    "data.sheet",
    "data.header_row",
    "data.date_format",
    "data.decimal",
    "data.frequency",
    "data.accept_outliers",
    "plan.total_budget",
    "report",
    "output",
    "pool",
)
#: The folder under ``<output dir>/<pool>/`` that holds the pool's combined data and params.
INPUT_FOLDER = "pool-input"


class PoolError(ValueError):
    """The files of a pool cannot be fitted together (the message names the files and keys)."""


@dataclass
class Batch:
    """What a batch runs: `jobs` (params files; a pool's members replaced by its one pooled file)
    and, per input file in order, its job's index (None when its pool is invalid) and a note."""

    jobs: list[str] = field(default_factory=list)
    members: list[tuple[str, int | None, str]] = field(default_factory=list)


def _flat(value, prefix: str = "") -> dict:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: value}


def _shared(raw: dict) -> dict:
    flat = _flat(raw)
    return {k: v for k, v in flat.items() if not any(k == s or k.startswith(s + ".") for s in SHARED_EXCEPT)}


def _check(pool: str, members: list[tuple[str, params_module.Params]]) -> None:
    problems = []
    names: dict[str, str] = {}
    for path, p in members:
        if p.name in names:
            problems.append(
                f"{names[p.name]} and {path} have the same plan name '{p.name}'; each file of a pool is one brand, "
                "named by its plan name (output.name or the file's name): give each its own"
            )
        names.setdefault(p.name, path)
        if p.data.group is not None:
            problems.append(f"{path}: data.group is set; each file of a pool holds one brand (remove data.group)")
        if p.experiments:
            problems.append(
                f"{path}: experiments are given; the pooled model does not take lift tests yet (remove them, or "
                "remove pool: to run the file on its own)"
            )
    first_path, first = members[0]
    base = _shared(first.model_dump(mode="json"))
    for path, p in members[1:]:
        other = _shared(p.model_dump(mode="json"))
        keys = sorted(k for k in set(base) | set(other) if base.get(k) != other.get(k))
        if keys:
            listed = "; ".join(f"{k}: {base.get(k)!r} vs {other.get(k)!r}" for k in keys[:8])
            more = f" (and {len(keys) - 8} more)" if len(keys) > 8 else ""
            problems.append(
                f"{first_path} and {path} disagree on {listed}{more}; the files of a pool share every setting but "
                f"{', '.join(SHARED_EXCEPT)}"
            )
    if problems:
        raise PoolError(f"pool '{pool}': " + "\n  ".join(["", *problems]).lstrip())


def _combined(pool: str, members: list[tuple[str, params_module.Params]]) -> tuple[pd.DataFrame, str]:
    """The members' weekly data in long form with a brand column, and that column's name."""
    problems, sets = [], []
    for path, p in members:
        try:
            ds = load_data(p)
        except DataError as exc:
            problems.append(f"{path}: {exc}")
            continue
        sets.append((path, p, ds))
    if problems:
        raise PoolError(f"pool '{pool}': the data of its files have problems:\n  " + "\n  ".join(problems))
    weeks = [pd.DatetimeIndex(ds.frame.index) for _, _, ds in sets]
    if any(not w.equals(weeks[0]) for w in weeks[1:]):
        spans = "; ".join(
            f"{path}: {w[0].date()}..{w[-1].date()} ({len(w)} weeks)"
            for (path, _, _), w in zip(sets, weeks, strict=True)
        )
        raise PoolError(
            f"pool '{pool}': the files' weeks differ ({spans}); every brand of a pool needs the same weeks: cut "
            "the files to the weeks they share, or run them without pool:"
        )
    spec = members[0][1].data
    taken = {spec.date_column, *([spec.region] if spec.region else [])}
    for _, _p, ds in sets:
        taken |= set(ds.frame.columns)
    column = next(c for c in ("brand", "pool_brand", "pool_brand_name") if c not in taken)
    parts = []
    for _, p, ds in sets:
        if ds.regions is not None:
            part = ds.regions.reset_index().rename(columns={"week_start": spec.date_column, "region": spec.region})
        else:
            part = ds.frame.reset_index()
            part = part.rename(columns={part.columns[0]: spec.date_column})
        part.insert(1, column, p.name)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame[spec.date_column] = pd.to_datetime(frame[spec.date_column]).dt.strftime("%Y-%m-%d")
    return frame, column


def _pooled_params(pool: str, members, column: str, folder: Path, out: str | None) -> Path:
    first = members[0][1]
    raw = first.model_dump(mode="json", exclude_none=True)
    data = raw["data"]
    data["path"] = "data.csv"
    data["group"] = column
    data["frequency"] = "weekly"
    data["decimal"] = "."
    for key in ("sheet", "header_row", "date_format"):
        data.pop(key, None)
    budgets = [p.plan.total_budget for _, p in members]
    raw["plan"].pop("total_budget", None)
    if all(b is not None for b in budgets):
        raw["plan"]["total_budget"] = float(sum(budgets))
    raw.pop("pool", None)
    raw["output"]["name"] = pool
    raw["output"]["dir"] = str(Path(out).resolve() if out else first.output_dir)
    raw["experiments"] = []
    path = folder / "params.yaml"
    brands = ", ".join(p.name for _, p in members)
    header = (
        f"# The pool '{pool}' of the brands {brands}, written by planner run from\n"
        + "".join(f"#   {m}\n" for m, _ in members)
        + "# Each brand's data are in data.csv under the column data.group names.\n"
    )
    path.write_text(header + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def prepare_pool(pool: str, members: list[tuple[str, params_module.Params]], out: str | None = None) -> Path:
    """Check a pool's files and write its combined data and params; the pooled params file's path.

    Raises
    ------
    PoolError
        When the pool has one file, its files disagree on a shared setting (naming the files and keys),
        a file holds lift tests or several brands, a file's data are bad, or the weeks differ.
    """
    if len(members) < 2:
        raise PoolError(
            f"pool '{pool}': only {members[0][0]} has this pool in the batch; a pool needs at least two params "
            "files (run the other brands' files with it, or remove pool:)"
        )
    _check(pool, members)
    frame, column = _combined(pool, members)
    from planner.running.runner import _safe_name

    base = Path(out).resolve() if out else members[0][1].output_dir
    folder = base / _safe_name(pool) / INPUT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".data.{os.getpid()}.csv"
    frame.to_csv(tmp, index=False)
    os.replace(tmp, folder / "data.csv")
    path = _pooled_params(pool, members, column, folder, out)
    try:
        params_module.load(path)
    except ParamsError as exc:  # a shared setting the pooled file cannot take
        raise PoolError(f"pool '{pool}': the pooled params file {path} is not valid: {exc}") from None
    return path


def prepare(files: list[str], out: str | None = None) -> Batch:
    """The batch's jobs: files without a pool as they are, each pool's files as one pooled params file."""
    loaded: dict[str, params_module.Params | None] = {}
    for f in files:
        try:
            loaded[f] = params_module.load(f)
        except ParamsError:
            loaded[f] = None  # the run reports it as invalid input
    pools: dict[str, list[tuple[str, params_module.Params]]] = {}
    for f in files:
        p = loaded[f]
        if p is not None and p.pool is not None:
            pools.setdefault(p.pool, []).append((f, p))
    batch = Batch()
    pool_job: dict[str, int | None] = {}
    pool_note: dict[str, str] = {}
    for name, members in pools.items():
        try:
            path = prepare_pool(name, members, out)
        except PoolError as exc:
            pool_job[name], pool_note[name] = None, str(exc)
            continue
        pool_job[name] = len(batch.jobs)
        batch.jobs.append(str(path))
        brands = ", ".join(p.name for _, p in members)
        pool_note[name] = f"pooled in '{name}' with the brands {brands}: one run for the pool"
    for f in files:
        p = loaded[f]
        if p is not None and p.pool is not None:
            batch.members.append((f, pool_job[p.pool], pool_note[p.pool]))
        else:
            batch.members.append((f, len(batch.jobs), ""))
            batch.jobs.append(f)
    return batch
