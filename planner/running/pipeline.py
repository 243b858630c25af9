"""What a notebook calls: one planning run's data, model and plan, each computed once.

`Pipeline(params_path, run_dir)` loads and caches; within a run of `planner run` the fitted model
and plan stay in the kernel that runs every notebook of the run (nothing executable is written to
the run folder), and every notebook adds its sections to the run's `results.json`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from planner import __version__
from planner.inference.experiments import design_next_test, needs_test
from planner.objective import PlanObjective
from planner.reading import params as params_module
from planner.reading.data import Dataset, file_sha256, load_data, params_fingerprint
from planner.results import RESULTS_SCHEMA, Results, _jsonable, load_results, parse_results, validate_section

__all__ = ["Pipeline", "RESULTS_SCHEMA", "base_results", "read_results", "write_json"]

# Results computed in this process, shared by the notebooks of one run: `planner run` executes them
# all in one kernel and clears only the notebook's variables in between, so module state survives.
# Keyed by the run folder, the params file's bytes and the data's fingerprint; a notebook opened
# alone starts empty and computes what it needs.
_RUN_STORE: dict[tuple, Any] = {}


def write_json(path: Path, value: Any) -> None:
    """Write JSON atomically: a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(value, fh, indent=2, ensure_ascii=False, allow_nan=False, default=_jsonable)
            fh.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; results are for the team
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise




def read_results(path: Path) -> Results:
    """A run's results.json as a `planner.results.Results` object (see `planner.results.load_results`)."""
    return load_results(path)


def _plain(value: Any) -> Any:
    """`value` as plain JSON data (numpy scalars and arrays, dates and NaN-free floats); a typed
    section as the producer built it (fields it did not set left out)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return json.loads(json.dumps(value, allow_nan=False, default=_jsonable))


def base_results(params: params_module.Params, started: datetime | None = None) -> dict:
    """The sections of results.json known before any notebook runs (validated against schema 2)."""
    results = {
        "schema": RESULTS_SCHEMA,
        "planner_version": __version__,
        "run": {
            "params_file": str(params.source) if params.source else None,
            "started": (started or datetime.now()).isoformat(timespec="seconds"),
            "finished": None,
            "language": params.report.language,
        },
        "params": params.model_dump(mode="json"),
        "warnings": [],
    }
    parse_results(results, "the new results.json")
    return results


class Pipeline:
    """One planning run as the notebooks see it.

    Parameters
    ----------
    params_path : str
        The params file.
    run_dir : str
        The run folder written by `planner run` (relative paths are taken from the current
        folder, which is the run folder when papermill runs the notebooks). Empty when a notebook
        is opened by hand: results then stay in memory and files go to `<output.dir>/<name>/interactive/`.

    Examples
    --------
    >>> pipe = Pipeline("params/example.yaml")  # doctest: +SKIP
    >>> pipe.model.summary()                    # doctest: +SKIP
    """

    def __init__(self, params_path: str | os.PathLike, run_dir: str | os.PathLike = ""):
        self.params = params_module.load(params_path)
        self.run_dir = Path(run_dir).resolve() if str(run_dir) else None
        self._results: dict | None = None  # results.json when the Pipeline has no run folder

    # -- where things go ----------------------------------------------------------------------

    @property
    def folder(self) -> Path:
        """The run folder, or the interactive scratch folder when opened by hand."""
        if self.run_dir is not None:
            return self.run_dir
        return self.params.output_dir / self.params.name / "interactive"

    def path(self, name: str) -> Path:
        """A file in the run folder (its parent folders are created)."""
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    # -- computed once ------------------------------------------------------------------------

    @cached_property
    def data(self) -> Dataset:
        """The checked weekly data (`planner.reading.data.Dataset`).

        In a run, the data `planner run` parsed once and saved in the run folder (read back when the
        data file's sha256 still matches), kept in memory for the run's later notebooks; opened by
        hand, the data file parsed.
        """
        if self.run_dir is None:
            return load_data(self.params)
        source = self.params.data_path
        # a changed data file mid-run gets a new key, and load_data says why it parses again
        sha = file_sha256(source) if source.is_file() else ""
        key = (str(self.run_dir), params_fingerprint(self.params), sha, "data")
        if key not in _RUN_STORE:
            _RUN_STORE[key] = load_data(self.params, parsed=self.run_dir)
        return _RUN_STORE[key]

    def _cached(self, name: str, compute):
        """`compute()` once per run folder, params file and data in this process (the run's kernel)."""
        if self.run_dir is None:
            return compute()
        source = Path(self.params.source) if self.params.source else None
        fingerprint = hashlib.sha256(source.read_bytes()).hexdigest() if source and source.is_file() else ""
        key = (str(self.run_dir), fingerprint, self.data.sha256, name)
        if key not in _RUN_STORE:
            _RUN_STORE[key] = compute()
        return _RUN_STORE[key]

    @cached_property
    def model(self):
        """The fitted encounter model (`planner.inference.model.ModelResults`)."""
        from planner.inference.model import EncounterModel
        from planner.inference.model.regions import RegionalModel, use_pooled

        if use_pooled(self.data, self.params.model):
            return self._cached("model", lambda: RegionalModel(self.data, self.params.model).fit())
        return self._cached("model", lambda: EncounterModel(self.data, self.params.model).fit())

    @cached_property
    def funnel(self):
        """The funnel analysis (`planner.inference.funnel.FunnelResults`), or None without a params funnel section."""
        from planner.inference.funnel import analyse_dataset

        if self.data.funnel is None:
            return None
        return self._cached("funnel", lambda: analyse_dataset(self.data, self.model, seed=self.params.model.seed))

    @cached_property
    def plan(self):
        """The budget plan (`planner.plan.PlanResults`), for the params' objective.

        A deals, revenue or profit objective values each encounter with the funnel's draws of what an
        encounter is worth, and content's carryover with what it adds to the close rate (`Warming`);
        the experience guard uses the funnel's experience draws.
        """
        from planner.plan import Experience, Value, Warming, plan_budget

        spec = self.params.plan
        value = experience = None
        funnel = self.funnel
        if funnel is not None and PlanObjective(spec.objective).is_value:
            kind = "deals" if spec.objective == "deals" else "revenue"
            draws = funnel.value_draws(kind)
            if draws is not None:
                margin = self.params.funnel.margin if self.params.funnel is not None else None
                value = Value(kind, draws, margin=margin, warming=Warming.from_funnel(funnel, self.model, kind))
        if funnel is not None and funnel.experience_draws() is not None:
            experience = Experience(funnel.experience_draws(), decay=None)

        def compute():
            from planner.inference.stability import refresh_stability, settle

            first = plan_budget(self.model, spec, self.data.spend, value=value, experience=experience)
            # the refits on a shorter history decide whether a move stands (see planner.inference.stability)
            stability = self._cached(
                "stability", lambda: refresh_stability(self.data, self.model, first, value=value, experience=experience)
            )
            self.__dict__["stability"] = stability
            return settle(first, stability)

        return self._cached("plan", compute)

    @cached_property
    def stability(self):
        """The refits without the last weeks (`planner.inference.stability.Stability`), made with the plan."""
        _ = self.plan
        return self._cached("stability", lambda: None)

    @cached_property
    def forecast(self):
        """The forecast of the horizon for the current and recommended split (`planner.inference.forecast.Forecast`)."""
        from planner.inference.forecast import forecast

        value_draws = unit = None
        funnel = self.funnel
        if funnel is not None and self.params.plan.objective != "encounters":
            kind = "deals" if self.params.plan.objective == "deals" else "revenue"
            value_draws, unit = funnel.value_draws(kind), ("deals" if kind == "deals" else "EUR")
        return self._cached(
            "forecast", lambda: forecast(self.model, self.plan, data=self.data, value_draws=value_draws, unit=unit)
        )

    @cached_property
    def track(self):
        """Earlier runs' forecasts scored against the data (`planner.inference.track.Track`)."""
        from planner.inference.track import earlier_runs, history_folder, track_record

        folder = history_folder(self.run_dir, self.params.name)
        if folder is None:  # opened by hand: the plan's run folders under output.dir
            folder = self.params.output_dir / self.params.name
        return track_record(self.data, earlier_runs(folder, exclude=self.run_dir), folder)

    # -- results.json ---------------------------------------------------------------------------

    @property
    def _results_path(self) -> Path | None:
        return self.run_dir / "results.json" if self.run_dir is not None else None

    def _load_results(self) -> dict:
        """results.json as plain data (validated: each section was checked when it was recorded)."""
        path = self._results_path
        if path is not None and path.is_file():
            return load_results(path).to_dict()
        if self._results is None:
            self._results = base_results(self.params)
        return self._results

    def _store_results(self, results: dict) -> None:
        path = self._results_path
        if path is not None:
            write_json(path, results)
        else:
            self._results = results

    def record(self, section: str, value: Any) -> None:
        """Set one section of results.json (e.g. "data", "model", "allocation").

        Raises
        ------
        planner.results.ResultsError
            If the value does not follow its section's model (a bug in the producer), naming every
            bad field by its path, e.g. ``allocation.action``; nothing is written then.
        """
        plain = _plain(value)
        validate_section(section, plain)
        results = self._load_results()
        results[section] = plain
        self._store_results(results)

    def warn(self, warnings: list[dict]) -> None:
        """Add warnings (``{code, text, context}``) to results.json's `warnings` list, each once.

        Two warnings are the same when their code and context are.
        """
        results = self._load_results()
        seen = {(w["code"], json.dumps(w["context"], sort_keys=True)) for w in results["warnings"]}
        added = []
        for w in warnings:
            entry = _plain({"code": w["code"], "text": w["text"], "context": w.get("context", {})})
            key = (entry["code"], json.dumps(entry["context"], sort_keys=True))
            if key not in seen:
                seen.add(key)
                added.append(entry)
        validate_section("warnings", added)
        results["warnings"] = results["warnings"] + added
        self._store_results(results)

    def record_data(self) -> None:
        """Write the data overview's sections (data, its warnings) to results.json."""
        self.record("data", self.data.summary())
        self.warn(self.data.warnings)

    def record_model(self) -> None:
        """Write the model's sections (model, contributions, its warnings) to results.json."""
        self.record("model", self.model.section())
        self.record("contributions", self.model.contributions_section())
        if hasattr(self.model, "contributions_by_region_dict"):
            self.record("contributions_by_region", _plain(self.model.contributions_by_region_dict()))
        self.warn(self.model.warnings)

    def record_funnel(self) -> None:
        """Write the funnel section (null without a params funnel section) and its warnings."""
        funnel = self.funnel
        self.record("funnel", None if funnel is None else funnel.section())
        if funnel is not None:
            self.warn(funnel.warnings)

    @cached_property
    def next_test(self) -> dict | None:
        """The lift test to run next (`planner.inference.experiments.design_next_test`; a geo split is
        considered for data by region), or None when the model and the plan need none."""
        if not needs_test(self.model, self.plan):
            return None
        return design_next_test(self.model, self.plan, dataset=self.data)

    def record_plan(self) -> None:
        """Write the plan's sections (allocation, next_test, the plan's warnings) to results.json."""
        self.record("allocation", self.plan.section())
        self.record("next_test", self.next_test)
        self.warn(self.plan.warnings)
        if self.regional_plan is not None:
            self.record("allocation_by_region", _plain(self.regional_plan.to_dict()))

    @cached_property
    def regional_plan(self):
        """The split by category and region (`planner.plan.regional.RegionalPlan`) with
        ``plan.by_region`` and the pooled model over regions; else None."""
        if not self.params.plan.by_region or not hasattr(self.model, "region_effect_draws"):
            return None
        from planner import CATEGORIES
        from planner.plan.regional import regional_plan

        bounds = self.plan.bounds
        lo = [bounds[c]["min_share"] for c in CATEGORIES]
        hi = [bounds[c]["max_share"] for c in CATEGORIES]
        spend = self.data.region_spend
        return self._cached("regional_plan", lambda: regional_plan(self.model, self.plan, spend, lo, hi))

    def plan_table(self):
        """The weekly plan saved as plan.csv: by week and category, with a region column when the plan
        is by region (``plan.by_region``)."""
        if self.regional_plan is not None:
            return self.regional_plan.weekly_plan()
        return self.plan.weekly_plan()

    def record_forecast(self) -> None:
        """Write the forecast, track record and stability sections, their warnings and forecast.csv."""
        self.record("forecast", self.forecast.to_dict())
        self.record("track_record", self.track.to_dict())
        self.record("stability", self.stability.to_dict())
        self.warn(self.track.warnings())
        self.save_table(self.forecast.to_frame(), "forecast.csv")

    def results(self) -> Results:
        """results.json as a `planner.results.Results`, with any missing section computed now.

        A notebook opened by hand on its own (say the brief) thereby still sees the whole run.
        ``.to_dict()`` gives the JSON-ready dict.
        """
        results = self._load_results()
        if "data" not in results:
            self.record_data()
        if "model" not in results:
            self.record_model()
        if "funnel" not in results:
            self.record_funnel()
        if "allocation" not in results:
            self.record_plan()
        if "forecast" not in results:
            self.record_forecast()
        return parse_results(self._load_results(), str(self._results_path or "results.json"))

    # -- files ------------------------------------------------------------------------------------

    def save_figure(self, fig, name: str):
        """Save a figure as figures/NAME.png and return the image for display.

        Rendering once and showing the saved file keeps the notebook and the run folder identical
        and halves the drawing time of a run.
        """
        from IPython.display import Image

        png = self.path(f"figures/{name}.png")
        fig.savefig(png, dpi=150)
        return Image(filename=str(png), width=int(fig.get_figwidth() * 96))

    def save_table(self, frame, name: str) -> Path:
        """Save a table as CSV in the run folder (e.g. plan.csv for the finance team).

        Written in the form ``output.csv`` names: for a spreadsheet in report.language (localised)
        or for scripts (machine); `planner.presentation.tables.read_csv` reads either back.
        """
        from planner.presentation.tables import write_csv

        return write_csv(frame, self.path(name), self.params.report.language, self.params.output.csv)

    def brief(self) -> Path:
        """Write brief.pdf from the run's results."""
        from planner.presentation.brief import build_pdf

        return build_pdf(self.results(), self.path("brief.pdf"), figures_dir=self.folder / "figures")
