"""The track record: earlier runs' forecasts scored against the weeks that have happened since.

`earlier_runs(folder)` lists the finished runs of one plan (the `reports/<name>/` run folders, or a
folder given with ``planner run --history DIR``); `track_record(dataset, runs)` scores each run whose
forecast weeks are all in the data now: the actual total against the forecast of the split the
actual spend was nearest to (error, inside the interval or not, and the weekly coverage), and where
the plan was followed, the realised gain against the forecast one. A run whose data weeks have a
different fingerprint now (`planner.inference.forecast.week_hashes`, compared over the weeks
and columns both runs hold) is reported as changed, not scored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planner import CATEGORIES

__all__ = ["FOLLOW_BUDGET", "FOLLOW_SHARE", "HISTORY_FILE", "Track", "earlier_runs", "history_folder", "track_record"]

#: The actual spend followed a split when no category's share differs by more than this ...
FOLLOW_SHARE = 0.05
#: ... and its total is within this fraction of the split's.
FOLLOW_BUDGET = 0.2
#: The run-folder file that names the folder of earlier runs (written by ``planner run --history DIR``).
HISTORY_FILE = "history.txt"


def history_folder(run_dir: Path | None, name: str) -> Path | None:
    """Where a run looks for earlier runs: the folder `HISTORY_FILE` names, else the run folder's parent.

    A named folder may hold run folders directly or a `<name>/` folder of them.
    """
    if run_dir is None:
        return None
    named = run_dir / HISTORY_FILE
    if named.is_file():
        folder = Path(named.read_text(encoding="utf-8").strip())
        if (folder / name).is_dir() and not any(_is_run(p) for p in folder.iterdir()):
            folder = folder / name
        return folder
    return run_dir.parent


def _is_run(path: Path) -> bool:
    from planner.running.runner import run_order

    return path.is_dir() and run_order(path.name) is not None


def earlier_runs(folder: Path | None, *, exclude: Path | None = None) -> list[Path]:
    """The finished run folders under `folder` (results.json with a finish time), oldest first."""
    from planner.running.runner import run_order

    if folder is None or not folder.is_dir():
        return []
    runs = []
    for path in folder.iterdir():
        if not _is_run(path) or (exclude is not None and path.resolve() == exclude.resolve()):
            continue
        try:
            raw = json.loads((path / "results.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (raw.get("run") or {}).get("finished"):
            runs.append(path)
    return sorted(runs, key=lambda p: run_order(p.name))


@dataclass
class Track:
    """The scored runs and their summary (see `planner.results.TrackRecord`)."""

    source: str | None
    runs: list = field(default_factory=list)

    def _scored(self) -> list[dict]:
        return [r for r in self.runs if r["status"] == "scored"]

    def to_dict(self) -> dict:
        """The ``track_record`` section of results.json."""
        scored = self._scored()
        errors = [abs(r["error"]) for r in scored if r["error"] is not None]
        inside_weeks = [(r["weekly_coverage"], r["weeks"]) for r in scored if r["weekly_coverage"] is not None]
        weeks = sum(n for _, n in inside_weeks)
        return {
            "source": self.source,
            "interval": scored[-1]["interval"] if scored else None,
            "scored": len(scored),
            "inside": sum(bool(r["inside"]) for r in scored),
            "mean_abs_error": float(np.mean(errors)) if errors else None,
            "weekly_coverage": (sum(c * n for c, n in inside_weeks) / weeks) if weeks else None,
            "followed": sum(bool(r["followed"]) for r in scored),
            "changed": sum(r["status"] == "changed" for r in self.runs),
            "pending": sum(r["status"] == "pending" for r in self.runs),
            "runs": [{k: v for k, v in r.items() if k not in ("weeks", "interval")} for r in self.runs],
        }

    def warnings(self) -> list[dict]:
        """A warning per run whose data weeks have changed since it ran."""
        from planner.presentation.i18n import warning

        return [warning("track_history_changed", run=r["run"]) for r in self.runs if r["status"] == "changed"]


def _row(path: Path, status: str, raw: dict, forecast: dict | None) -> dict:
    return {
        "run": path.name,
        "started": (raw.get("run") or {}).get("started"),
        "status": status,
        "action": None if forecast is None else forecast["action"],
        "start": None if forecast is None else forecast["start"],
        "end": None if forecast is None else forecast["end"],
        "scenario": None,
        "spend_matches": None,
        "followed": None,
        "forecast": None,
        "planned_forecast": None,
        "low": None,
        "high": None,
        "actual": None,
        "error": None,
        "inside": None,
        "weekly_coverage": None,
        "forecast_gain": None,
        "realised_gain": None,
        "weeks": 0,
        "interval": None if forecast is None else forecast["interval"],
    }


def _near(spend: pd.Series, scenario: dict) -> tuple[bool, float]:
    """Whether actual weekly spend is near a forecast split, and its largest share difference."""
    planned = pd.Series(scenario["weekly_spend"]).reindex(list(CATEGORIES)).astype(float)
    total, planned_total = float(spend.sum()), float(planned.sum())
    if total <= 0 or planned_total <= 0:
        return False, float("inf")
    diff = float(np.max(np.abs(spend / total - planned / planned_total)))
    return diff <= FOLLOW_SHARE and abs(total / planned_total - 1) <= FOLLOW_BUDGET, diff


def _history_unchanged(frame: pd.DataFrame, forecast: dict, start: pd.Timestamp, end: pd.Timestamp) -> bool:
    """Whether the weeks and columns an earlier run saw are the same in `frame` now.

    With the run's per-week fingerprints, only the weeks both hold are compared, over the columns
    the run saw: weeks dropped from the start (a rolling window) and new columns are not a change;
    a changed value, a missing column or a week missing after the frame's first week is. Older
    runs (one fingerprint of all their weeks) need the same first week and the same columns.
    """
    from planner.inference.forecast import week_hashes, weeks_sha256

    index = frame.index
    if end not in index:
        return False
    hashes, columns = forecast.get("data_week_hashes") or [], forecast.get("data_columns") or []
    if not hashes or not columns:
        return index[0] == start and weeks_sha256(frame, start, end) == forecast["data_weeks_sha256"]
    seen = pd.date_range(start, periods=len(hashes), freq="7D")
    if seen[-1] != end or any(c not in frame.columns for c in columns):
        return False
    shared = seen >= index[0]
    weeks = seen[shared]
    if not weeks.isin(index).all():
        return False
    now = week_hashes(frame.loc[weeks], columns)
    return now == [h for h, keep in zip(hashes, shared, strict=True) if keep]


def score_run(path: Path, dataset) -> dict:
    """One earlier run's forecast scored against `dataset` (a `planner.reading.data.Dataset`)."""
    raw = json.loads((path / "results.json").read_text(encoding="utf-8"))
    forecast = raw.get("forecast")
    if not forecast:
        return _row(path, "no_forecast", raw, None)
    index = dataset.frame.index
    start, end = pd.Timestamp(forecast["data_start"]), pd.Timestamp(forecast["data_end"])
    weeks = pd.DatetimeIndex([w["week_start"] for w in forecast["scenarios"]["recommended"]["weeks"]])
    if not weeks.isin(index).all():
        return _row(path, "pending", raw, forecast)
    if not _history_unchanged(dataset.frame, forecast, start, end):
        return _row(path, "changed", raw, forecast)
    row = _row(path, "scored", raw, forecast)
    spend = dataset.spend.loc[weeks].mean()
    scenarios = forecast["scenarios"]
    followed, _ = _near(spend, scenarios["recommended"])
    near = {name: _near(spend, sc) for name, sc in scenarios.items()}
    name = "recommended" if followed else min(near, key=lambda k: near[k][1])
    chosen = scenarios[name]
    actual_weeks = dataset.y.loc[weeks].to_numpy(dtype=float)
    planned = chosen["total"]
    if forecast.get("replay"):
        # the same model's forecast at the spend that happened: a forecast is judged on what it was asked
        from planner.inference.forecast import replay

        again = replay(forecast["replay"], dataset.spend.loc[weeks, list(CATEGORIES)].to_numpy(), forecast["interval"])
        total = {k: again[k] for k in ("total", "low", "high")}
        low_w, high_w = again["weekly_low"], again["weekly_high"]
    else:
        total = planned
        low_w = np.array([w["low"] for w in chosen["weeks"]])
        high_w = np.array([w["high"] for w in chosen["weeks"]])
    actual = float(actual_weeks.sum())
    row.update(
        scenario=name,
        spend_matches=bool(near[name][0]),
        followed=bool(followed),
        planned_forecast=float(planned["total"]),
        forecast=float(total["total"]),
        low=float(total["low"]),
        high=float(total["high"]),
        actual=actual,
        error=actual / float(total["total"]) - 1.0 if total["total"] else None,
        inside=bool(total["low"] <= actual <= total["high"]),
        weekly_coverage=float(np.mean((actual_weeks >= low_w) & (actual_weeks <= high_w))),
        weeks=len(weeks),
    )
    if followed and forecast["action"] == "move":
        current = float(scenarios["current"]["total"]["total"])
        row.update(forecast_gain=float(total["total"]) - current, realised_gain=actual - current)
    return row


def track_record(dataset, runs: list[Path], source: Path | None = None) -> Track:
    """Score every earlier run in `runs` (see `score_run`); a run whose file cannot be read is left out."""
    track = Track(source=None if source is None else str(source))
    for path in runs:
        try:
            track.runs.append(score_run(path, dataset))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return track


def table(record, lang: str = "en") -> pd.DataFrame:
    """The track record (`planner.results.TrackRecord`) as a table for people, headers in `lang`."""
    from planner.presentation.i18n.notebooks import messages

    m = messages(lang)
    rows = []
    for r in record.runs if record is not None else []:
        rows.append(
            {
                m("track_col_run"): r.run,
                m("track_col_weeks"): "" if r.start is None else m.period_dates(r.start, r.end),
                m("track_col_status"): m(f"track_status_{r.status}") if r.status != "no_forecast" else "",
                m("track_col_forecast"): None if r.forecast is None else round(r.forecast),
                m("track_col_actual"): None if r.actual is None else round(r.actual),
                m("track_col_error"): None if r.error is None else m.pct(r.error, 1),
                m("track_col_inside"): None if r.inside is None else m("ms_yes" if r.inside else "ms_no"),
                m("track_col_followed"): None if r.followed is None else m("ms_yes" if r.followed else "ms_no"),
            }
        )
    return pd.DataFrame(rows)
