"""Execute the notebook suite for one params file into a new, atomic run folder.

A run is built in a hidden `.<stamp>.partial` folder beside the finished ones and renamed into
place only when every notebook succeeded; a failed run is kept as `<stamp>-failed`. Earlier runs
are never touched, and `latest` names the newest successful run (by start time, then `-N` suffix),
never moving back to an older one when runs finish out of order.
"""

from __future__ import annotations

import importlib.resources
import logging
import os
import re
import shutil
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from planner import params as params_module
from planner.data import DataError, load_data
from planner.params import ParamsError
from planner.pipeline import base_results, read_results, write_json
from planner.results import Results

__all__ = [
    "InputError",
    "RunOutcome",
    "NOTEBOOKS_DIR",
    "latest_run",
    "notebooks",
    "run",
    "run_folder_root",
    "run_order",
]


def _shipped_notebooks() -> Path:
    """The notebook suite shipped inside the package (package data), wherever it is installed."""
    folder = importlib.resources.files("planner") / "notebooks"
    return Path(str(folder))  # installed as files (wheel, editable or checkout); zip imports are not supported


NOTEBOOKS_DIR = _shipped_notebooks()
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


def notebooks(folder: Path | None = None) -> list[Path]:
    """The suite's notebooks in the order they run (by their number prefix)."""
    folder = folder or NOTEBOOKS_DIR
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


_RUN_NAME = re.compile(r"^(\d{8}-\d{6})(?:-(\d+))?$")


def run_order(name: str) -> tuple[datetime, int] | None:
    """Sort key of a finished run folder's name: its start time, then its `-N` suffix as a number.

    `20260105-060000-10` comes after `20260105-060000-9`; a name that is not a run's gives None.
    """
    m = _RUN_NAME.match(name)
    if not m:
        return None
    try:
        stamp = datetime.strptime(m.group(1), "%Y%m%d-%H%M%S")
    except ValueError:
        return None
    return stamp, int(m.group(2) or 1)


def latest_run(root: Path) -> Path | None:
    """The run folder `root/latest` names (a symlink, or a text file where links are not possible)."""
    latest = root / LATEST
    if latest.is_symlink():
        name = os.readlink(latest)
    elif latest.is_file():
        name = latest.read_text(encoding="utf-8").strip()
    else:
        return None
    name = Path(name).name
    return root / name if name and (root / name).is_dir() else None


@contextmanager
def _locked(path: Path):
    """An exclusive lock on `path` between processes (and threads), released on exit."""
    with open(path, "a+b") as fh:
        try:
            import fcntl
        except ImportError:  # Windows
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
            return
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _point_latest(root: Path, target: Path) -> str | None:
    """Make `root/latest` name the newest finished run, never an older one than it names now.

    Under a lock, the run it names is compared with `target` by `run_order` (start time, then the
    suffix as a number) and replaced only by a newer one, atomically (`os.replace`). The pointer is
    a relative symlink; where the file system cannot hold one, a text file with the folder's name.

    Returns
    -------
    A warning to show the user when the pointer had to be a text file, else None.
    """
    new = run_order(target.name)
    with _locked(root / f".{LATEST}.lock"):
        current = latest_run(root)
        old = run_order(current.name) if current is not None else None
        if new is None or (old is not None and old >= new):
            return None
        tmp = root / f".{LATEST}.{uuid.uuid4().hex}"
        note = None
        try:
            os.symlink(target.name, tmp, target_is_directory=True)
        except OSError as exc:
            tmp.write_text(target.name + "\n", encoding="utf-8")
            note = (
                f"{root / LATEST} is a text file naming the newest run ({target.name}): this file system "
                f"does not allow symbolic links ({exc.strerror or exc})"
            )
        os.replace(tmp, root / LATEST)
        return note


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
    notebook_dir: Path | None = None,
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
    stage = "set-up"
    try:
        source = Path(params_path).resolve()
        shutil.copyfile(source, tmp / "params.yaml")
        (tmp / "data.sha256").write_text(f"{data.sha256}  {p.data_path.name}\n", encoding="utf-8")
        write_json(tmp / "results.json", base_results(p, started))
        log.info("planner run %s (data %s, sha256 %s)", source, p.data_path, data.sha256)
        shipped = notebook_dir is None or Path(notebook_dir).resolve() == NOTEBOOKS_DIR.resolve()
        lang = p.report.language if shipped else "en"  # a suite of one's own runs as written
        suite = [(nb, _in_language(nb, lang)) for nb in notebooks(notebook_dir)]
        with _kernel(tmp) as km:
            for nb, source_nb in suite:
                current = tmp / nb.name
                say(f"  {p.name}: {nb.stem} ...")
                t_nb = time.perf_counter()
                _fresh_namespace(km)
                papermill.execute_notebook(
                    source_nb,
                    str(current),
                    parameters={"params_path": str(source), "run_dir": "."},
                    km=km,
                    kernel_name="python3",
                    progress_bar=False,
                    log_output=False,
                    report_mode=False,
                )
                log.info("%s done in %.1f s", nb.name, time.perf_counter() - t_nb)
                outcome.notebooks.append(nb.name)
            current, stage = None, "finishing (report.html, results.json)"
        _export_html(tmp, outcome.notebooks, p)
        results = read_results(tmp / "results.json")
        results.run.finished = datetime.now().replace(microsecond=0)
        write_json(tmp / "results.json", results.to_dict())
        outcome.headline = headline(results)
        log.info("finished in %.1f s", time.perf_counter() - t0)
    except BaseException as exc:
        cell = _failing_cell(current) if current is not None and current.exists() else ""
        log.error("run failed in %s: %s", current.name if current else stage, cell or exc)
        log.removeHandler(handler)
        handler.close()
        failed = _claim_folder(root, stamp, tmp, suffix="-failed")
        outcome.status = "failed"
        outcome.run_dir = failed
        where = f"{current.name}, {cell}" if cell else (current.name if current else f"{stage}: {exc}")
        outcome.message = f"failed in {where}; the executed notebook is kept in {failed}"
        outcome.seconds = time.perf_counter() - t0
        if isinstance(exc, KeyboardInterrupt):
            raise
        return outcome
    log.removeHandler(handler)
    handler.close()
    final = _claim_folder(root, stamp, tmp)
    note = _point_latest(root, final)
    if note:
        say(f"  {p.name}: note: {note}")
    outcome.status = "ok"
    outcome.run_dir = final
    outcome.seconds = time.perf_counter() - t0
    return outcome


def _in_language(path: Path, lang: str):
    """The notebook to execute: its path in English, else the notebook with its markdown in `lang`.

    The shipped notebooks stay English (they are what JupyterLab opens); every markdown cell's
    translation comes from ``planner/i18n/notebooks/<lang>.yaml``. A cell without one stops the
    run before any notebook executes (`MissingTranslation`) rather than showing English. A suite
    of one's own (`run(notebook_dir=...)`) is not translated: its cells are not in the catalogue.
    """
    if lang == "en":
        return str(path)
    import nbformat

    from planner.i18n.notebooks import translate

    return translate(nbformat.read(path, as_version=4), path.stem, lang)


@contextmanager
def _kernel(cwd: Path):
    """One kernel for all notebooks of a run, started in the run folder.

    Starting a kernel and importing pandas, statsmodels and matplotlib costs seconds; paying it
    once per run instead of once per notebook is most of the suite's fixed cost.
    """
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(cwd), extra_arguments=["--IPKernelApp.log_level=ERROR"])
    try:
        yield km
    finally:
        km.shutdown_kernel(now=True)


def _fresh_namespace(km) -> None:
    """Clear the shared kernel's variables so each notebook runs as if alone (imports stay warm)."""
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        # reset() also drops __spec__ from __main__, which multiprocessing needs to start workers
        code = "get_ipython().reset(new_session=True)\n__spec__ = None"
        reply = kc.execute_interactive(code, timeout=60, output_hook=lambda m: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("could not reset the kernel between notebooks")
    finally:
        kc.stop_channels()


def _export_html(folder: Path, names: list[str], p: params_module.Params) -> None:
    from planner.report import export_html

    export_html([folder / n for n in names], folder / "report.html", title=p.report.title, language=p.report.language)


def headline(results: Results) -> str:
    """One line for summaries: the plan's action, the split it leads to and the euros moved.

    Reads the plan's own judgement (`allocation.action`, `moved_eur`); empty when the run did not
    get as far as the plan.
    """
    alloc = results.allocation
    if alloc is None:
        return ""

    def split(s) -> str:
        return "/".join(f"{round(100 * share)}" for share in s.split.values())

    if alloc.action == "move":
        return f"move EUR {alloc.moved_eur:,.0f} to {split(alloc.recommended)}"
    if alloc.action == "test":
        return f"test {split(alloc.candidate)} (weak model); keep {split(alloc.recommended)}"
    return f"keep {split(alloc.recommended)}"


def _run_quietly(params_path: str, out: str | None, notebook_dir: Path | None = None) -> RunOutcome:
    """`run` for a worker process: never raises, so one bad file cannot stop a batch."""
    try:
        return run(params_path, out, notebook_dir=notebook_dir)
    except Exception as exc:  # a crash outside the notebooks (disk full, ...): report, go on
        return RunOutcome(params_file=str(params_path), status="failed", message=f"{type(exc).__name__}: {exc}")


def run_many(
    files: list[str | os.PathLike],
    out: str | os.PathLike | None = None,
    *,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    on_done=None,
    notebook_dir: Path | None = None,
) -> list[RunOutcome]:
    """Run several params files; one failing file does not stop the others.

    Parameters
    ----------
    files : params files.
    out : folder for run folders instead of each file's `output.dir`.
    jobs : parallel runs (local processes, or workers of a local Dask cluster).
    executor : "local" (processes on this machine) or "dask" (a Dask distributed cluster).
    scheduler : address of an existing Dask scheduler (tcp://host:8786); with executor "dask" and no
        address, a local cluster of `jobs` workers is started for the batch.
    on_done : called with each RunOutcome as it finishes.
    notebook_dir : the notebook suite to run.

    Returns
    -------
    list of RunOutcome, in the order of `files`.
    """
    files = [str(Path(f).resolve()) for f in files]
    out = str(Path(out).resolve()) if out else None
    done = on_done or (lambda outcome: None)
    if executor == "dask":
        return _run_dask(files, out, jobs, scheduler, done, notebook_dir)
    if executor != "local":
        raise ValueError(f"unknown executor {executor!r}; expected 'local' or 'dask'")
    if jobs <= 1 or len(files) == 1:
        outcomes = []
        for f in files:
            outcomes.append(_run_quietly(f, out, notebook_dir))
            done(outcomes[-1])
        return outcomes
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    results: dict[str, RunOutcome] = {}
    # spawn, not fork: a forked copy of a process that has talked to a kernel (ZMQ threads) can hang
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_run_quietly, f, out, notebook_dir): i for i, f in enumerate(files)}
        for future in as_completed(futures):
            outcome = future.result()
            results[futures[future]] = outcome
            done(outcome)
    return [results[i] for i in range(len(files))]


def _run_dask(files, out, jobs, scheduler, done, notebook_dir) -> list[RunOutcome]:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=max(jobs, 1), threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client:
            futures = [
                client.submit(_run_quietly, f, out, notebook_dir, pure=False, key=f"planner-run-{i}-{Path(f).stem}")
                for i, f in enumerate(files)
            ]
            index = {f.key: i for i, f in enumerate(futures)}
            results: dict[int, RunOutcome] = {}
            for future in as_completed(futures):
                i = index[future.key]
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker died or the task could not run
                    outcome = RunOutcome(
                        params_file=files[i],
                        status="failed",
                        message=f"Dask worker failed: {type(exc).__name__}: {exc}",
                    )
                results[i] = outcome
                done(outcome)
            return [results[i] for i in range(len(files))]
    finally:
        if cluster is not None:
            cluster.close()
