"""Execute the notebook suite for one params file into a new, atomic run folder.

A run is built in a hidden `.<stamp>.partial` folder beside the finished ones and renamed into
place only when every notebook succeeded; a failed run is kept as `<stamp>-failed`. Earlier runs
are never touched, and `latest` names the newest successful run.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from planner import params as params_module
from planner.data import DataError, load_data
from planner.params import ParamsError
from planner.pipeline import base_results, read_results, write_json

__all__ = ["InputError", "RunOutcome", "NOTEBOOKS_DIR", "notebooks", "run", "run_folder_root"]

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
LATEST = "latest"
log = logging.getLogger("planner")


class InputError(Exception):
    """Bad params or data: nothing was run (exit code 2)."""


@dataclass
class RunOutcome:
    """How one params file's run ended."""

    params_file: str
    status: str  # "ok", "failed" or "invalid"
    run_dir: Path | None = None
    seconds: float = 0.0
    message: str = ""
    headline: str = ""
    notebooks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def notebooks(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The suite's notebooks in the order they run (by their number prefix)."""
    found = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise FileNotFoundError(f"no notebooks found in {folder}")
    return found


def _safe_name(name: str) -> str:
    """A folder name that cannot climb out of the output folder."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip(".-") or "plan"
    return cleaned[:80]


def run_folder_root(p: params_module.Params, out: str | os.PathLike | None = None) -> Path:
    """`<output dir>/<plan name>/`: where this params file's run folders go."""
    base = Path(out).resolve() if out else p.output_dir
    return base / _safe_name(p.name)


def validate(params_path: str | os.PathLike):
    """Load params and data; raise InputError with the user-facing message when either is bad."""
    try:
        p = params_module.load(params_path)
        data = load_data(p)
    except (ParamsError, DataError) as exc:
        raise InputError(str(exc)) from None
    return p, data


def _claim_folder(root: Path, stamp: str, tmp: Path, suffix: str = "") -> Path:
    """Rename `tmp` to `root/stamp[-n]suffix`; never replaces an existing run (race-free on POSIX)."""
    for n in range(1, 1000):
        name = f"{stamp}{'' if n == 1 else f'-{n}'}{suffix}"
        target = root / name
        if target.exists():
            continue
        try:
            os.rename(tmp, target)  # fails if another run took the name meanwhile (non-empty target)
            return target
        except OSError:
            if target.exists():
                continue
            raise
    raise RuntimeError(f"could not find a free run folder name under {root}")


def _point_latest(root: Path, target: Path) -> None:
    """Make `root/latest` name the newest successful run (a symlink; a text file where links fail)."""
    latest = root / LATEST
    current = latest.resolve().name if latest.is_symlink() else None
    if current and current > target.name and (root / current).is_dir():
        return  # a newer run finished first
    tmp = root / f".{LATEST}.{uuid.uuid4().hex}"
    try:
        os.symlink(target.name, tmp, target_is_directory=True)
    except OSError:
        tmp.write_text(target.name + "\n", encoding="utf-8")
    os.replace(tmp, latest)


def _file_logger(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return handler


def _failing_cell(nb_path: Path) -> str:
    """Point at the cell that failed in an executed notebook."""
    try:
        import nbformat

        nb = nbformat.read(nb_path, as_version=4)
        for i, cell in enumerate(nb.cells):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    return f"cell {i + 1}: {out.get('ename')}: {out.get('evalue')}"
    except Exception:  # the notebook may be unreadable; the message then says less
        pass
    return ""


def run(
    params_path: str | os.PathLike,
    out: str | os.PathLike | None = None,
    *,
    progress=None,
    notebook_dir: Path = NOTEBOOKS_DIR,
) -> RunOutcome:
    """Run the notebook suite for one params file.

    Parameters
    ----------
    params_path : the params file.
    out : folder for run folders instead of the file's `output.dir`.
    progress : callable taking one line of progress text (default: print to stderr).

    Returns
    -------
    RunOutcome
        status "ok" with the run folder, "failed" with the kept `-failed` folder and the failing
        cell, or "invalid" (bad params or data: nothing was written).
    """
    import papermill

    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    outcome = RunOutcome(params_file=str(params_path), status="invalid")
    try:
        p, data = validate(params_path)
    except InputError as exc:
        outcome.message = str(exc)
        return outcome

    root = run_folder_root(p, out)
    root.mkdir(parents=True, exist_ok=True)
    started = datetime.now()
    stamp = started.strftime("%Y%m%d-%H%M%S")
    tmp = root / f".{stamp}.{uuid.uuid4().hex[:8]}.partial"
    tmp.mkdir()
    handler = _file_logger(tmp / "run.log")
    current = None
    try:
        source = Path(params_path).resolve()
        shutil.copyfile(source, tmp / "params.yaml")
        (tmp / "data.sha256").write_text(f"{data.sha256}  {p.data_path.name}\n", encoding="utf-8")
        write_json(tmp / "results.json", base_results(p, started))
        log.info("planner run %s (data %s, sha256 %s)", source, p.data_path, data.sha256)
        for nb in notebooks(notebook_dir):
            current = tmp / nb.name
            say(f"  {p.name}: {nb.stem} ...")
            t_nb = time.perf_counter()
            papermill.execute_notebook(
                str(nb),
                str(current),
                parameters={"params_path": str(source), "run_dir": "."},
                cwd=str(tmp),
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                report_mode=False,
            )
            log.info("%s done in %.1f s", nb.name, time.perf_counter() - t_nb)
            outcome.notebooks.append(nb.name)
        _export_html(tmp, outcome.notebooks)
        results = read_results(tmp / "results.json")
        results["run"]["finished"] = datetime.now().isoformat(timespec="seconds")
        write_json(tmp / "results.json", results)
        outcome.headline = headline(results)
        log.info("finished in %.1f s", time.perf_counter() - t0)
    except BaseException as exc:
        cell = _failing_cell(current) if current is not None and current.exists() else ""
        log.error("run failed in %s: %s", current.name if current else "set-up", cell or exc)
        log.removeHandler(handler)
        handler.close()
        failed = _claim_folder(root, stamp, tmp, suffix="-failed")
        outcome.status = "failed"
        outcome.run_dir = failed
        where = f"{current.name}, {cell}" if cell else (current.name if current else "set-up")
        outcome.message = f"failed in {where}; the executed notebook is kept in {failed}"
        outcome.seconds = time.perf_counter() - t0
        if isinstance(exc, KeyboardInterrupt):
            raise
        return outcome
    log.removeHandler(handler)
    handler.close()
    final = _claim_folder(root, stamp, tmp)
    _point_latest(root, final)
    outcome.status = "ok"
    outcome.run_dir = final
    outcome.seconds = time.perf_counter() - t0
    return outcome


def _export_html(folder: Path, names: list[str]) -> None:
    try:
        from planner.brief import export_html
    except ImportError:
        return
    export_html([folder / n for n in names], folder / "report.html")


def headline(results: dict) -> str:
    """One line for summaries: the recommended split, if the run got that far."""
    rec = results.get("allocation", {}).get("recommended")
    if not rec:
        return ""
    split = rec["split"]
    return "recommended " + "/".join(f"{round(100 * split[c])}" for c in ("content", "design", "technology"))

