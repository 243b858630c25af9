"""Execute the notebook suite for one params file into a new, atomic run folder.

A run is built in a hidden `.<stamp>.partial` folder beside the finished ones and renamed into
place only when every notebook succeeded; a failed run is kept as `<stamp>-failed`. Earlier runs
are never touched, and `latest` names the newest successful run (by start time, then `-N` suffix),
never moving back to an older one when runs finish out of order.
"""

from __future__ import annotations

import errno
import importlib.resources
import logging
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from planner.inference.track import HISTORY_FILE
from planner.reading import params as params_module
from planner.reading.data import DataError, load_data, save_parsed
from planner.reading.params import ParamsError
from planner.results import Results
from planner.running.pipeline import base_results, read_results, write_json

__all__ = [
    "InputError",
    "RunOutcome",
    "NOTEBOOKS_DIR",
    "latest_run",
    "notebooks",
    "run",
    "clean_stale_partials",
    "run_folder_root",
    "run_order",
]


def _shipped_notebooks() -> Path:
    """The notebook suite: the package data of an installed wheel, else the checkout's `notebooks/`.

    Git holds one copy, the top-level `notebooks/` an analyst opens in JupyterLab; building the
    wheel copies it into the package as `planner/notebooks/` (see setup.py), so an installed
    planner runs without the checkout. A checkout or an editable install has no packaged copy
    and uses the folder beside the package.
    """
    package = Path(str(importlib.resources.files("planner")))  # files, never a zip import
    packaged = package / "notebooks"
    if packaged.is_dir():
        return packaged
    return package.parent / "notebooks"


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


def _error_text(name: str | None, value: str | None) -> str:
    """`Type: message` of an exception, with what it means when the message alone does not say it."""
    text = f"{name}: {value}" if value else f"{name}"
    if name == "MemoryError":
        return f"{text} (out of memory)"
    if value and "No space left on device" in value:
        return f"{text} (the disk is full)"
    return text


def _last_started_cell(nb_path: Path) -> int | None:
    """The number (from 1) of the last cell papermill marked as started in a saved notebook."""
    try:
        import nbformat

        nb = nbformat.read(nb_path, as_version=4)
    except Exception:  # unreadable or not written at all: the message then names no cell
        return None
    started = [i for i, c in enumerate(nb.cells) if c.get("metadata", {}).get("papermill", {}).get("start_time")]
    return started[-1] + 1 if started else None


def _kernel_end(km) -> str:
    """How the kernel process ended: killed by a signal, or exited with a code."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    code = process.poll() if process is not None else None
    if code is None:
        return "killed by the system, e.g. out of memory"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if -code == getattr(signal, "SIGKILL", 9):
            return f"killed by the system, e.g. out of memory; signal {name}"
        return f"killed by {name}"
    return f"it exited with code {code}"


def _cause(exc: BaseException, nb_path: Path | None, km, timeout_s: int) -> str:
    """What made a notebook fail, in words: the failing cell's exception, a dead kernel, the time limit.

    Parameters
    ----------
    exc : what papermill (or the runner) raised.
    nb_path : the executed notebook as saved so far, to find the cell that was running.
    km : the run's kernel manager, still holding the kernel's process to tell how it ended.
    timeout_s : `run.cell_timeout_s` of the params file.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    def cell() -> str:
        n = _last_started_cell(nb_path) if nb_path is not None else None
        return f"cell {n}: " if n else ""

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.cell_index + 1}: {_error_text(exc.ename, exc.evalue)}"
    if isinstance(exc, DeadKernelError) or (km is not None and not _alive(km)):
        return f"{cell()}the notebook kernel died ({_kernel_end(km)})"
    if isinstance(exc, CellTimeoutError):
        return (
            f"{cell()}still running after {timeout_s} s, the limit run.cell_timeout_s of the params file; "
            "it was stopped (raise the limit if the data are large)"
        )
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        where = f" while writing {exc.filename}" if exc.filename else ""
        return f"No space left on device{where} (the disk is full)"
    if isinstance(exc, MemoryError):
        return f"MemoryError: {exc} (out of memory)" if str(exc) else "MemoryError (out of memory)"
    return f"{type(exc).__name__}: {exc}"


def _show_in_notebook(nb_path: Path, exc: BaseException, cause: str) -> None:
    """Add the cause of a dead kernel or a time limit to the cell that was running, as an error output.

    A failing cell's own exception is in the notebook already; these two stop the kernel before it
    can write one, and the kept notebook should still show where and why the run stopped.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if not isinstance(exc, (DeadKernelError, CellTimeoutError)) or not nb_path.exists():
        return
    try:
        import nbformat

        nb = nbformat.read(nb_path, as_version=4)
        n = _last_started_cell(nb_path)
        if n is None:
            return
        text = cause.split(": ", 1)[1] if cause.startswith("cell ") else cause
        error = nbformat.v4.new_output("error", ename=type(exc).__name__, evalue=text, traceback=[text])
        nb.cells[n - 1].setdefault("outputs", []).append(error)
        _write_text_atomically(nb_path, nbformat.writes(nb))
    except Exception:  # e.g. a full disk: the notebook stays as papermill last saved it
        log.warning("could not add the cause to %s", nb_path.name)


def _alive(km) -> bool:
    """Whether the kernel's process is still running (a manager that cannot tell: yes)."""
    provisioner = getattr(km, "provisioner", None)
    if provisioner is None or not hasattr(provisioner, "process"):
        return True
    return provisioner.process is not None and provisioner.process.poll() is None


class _AtomicNotebooks:
    """papermill I/O for the notebooks of one run folder: every save is a new file renamed into place.

    papermill saves the executed notebook at every cell by rewriting it in place, so a full disk
    leaves a truncated, unreadable notebook. Here a save either replaces the notebook whole or
    leaves its last complete save, and the failed save is remembered for the run's message.
    """

    def __init__(self, folder: Path):
        self.prefix = str(folder) + os.sep
        self.failed: dict[str, OSError] = {}

    def read(self, path):
        return Path(path).read_text(encoding="utf-8")

    def listdir(self, path):
        return [os.path.join(path, name) for name in os.listdir(path)]

    def write(self, buf, path):
        try:
            _write_text_atomically(Path(path), buf)
        except OSError as exc:
            self.failed[str(path)] = exc
            raise
        self.failed.pop(str(path), None)

    def pretty_path(self, path):
        return path


def _put(fh, text: str) -> None:
    """Write `text` to an open file (one place, so that tests can fill the disk half-way)."""
    fh.write(text)


def _write_text_atomically(path: Path, text: str) -> None:
    """Write a text file through a temporary file beside it and a rename; on error the old file stays."""
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            _put(fh, text)
        os.chmod(scratch, 0o644)  # mkstemp makes it private; run folders are for the team
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


@contextmanager
def _notebooks_saved_atomically(folder: Path):
    """Route papermill's saves of notebooks under `folder` through `_AtomicNotebooks` while inside."""
    from papermill.iorw import papermill_io

    handler = _AtomicNotebooks(folder)
    papermill_io.register(handler.prefix, handler)  # papermill picks the newest handler whose prefix matches
    try:
        yield handler
    finally:
        # papermill has no way to unregister; the handler list is its documented registry
        papermill_io._handlers = [h for h in papermill_io._handlers if h[1] is not handler]


def _kept_notebook(written: Path, saver: _AtomicNotebooks, folder: Path) -> str:
    """What the failure message says about the executed notebook (written in the partial folder)
    that is kept in the `-failed` folder."""
    exc = saver.failed.get(str(written))
    if exc is None:
        return f"the executed notebook is kept in {folder}"
    why = exc.strerror or str(exc)
    path = folder / written.name
    if path.exists():
        return f"saving the executed notebook failed ({why}); {folder} keeps {path.name} as last saved whole"
    return f"saving the executed notebook failed ({why}), so none is kept; the run's other files are in {folder}"


def run(
    params_path: str | os.PathLike,
    out: str | os.PathLike | None = None,
    *,
    progress=None,
    notebook_dir: Path | None = None,
    history: str | os.PathLike | None = None,
) -> RunOutcome:
    """Run the notebook suite for one params file.

    Parameters
    ----------
    params_path : the params file.
    out : folder for run folders instead of the file's `output.dir`.
    progress : callable taking one line of progress text (default: print to stderr).
    history : folder of earlier runs whose forecasts the run scores (default: the runs beside it).

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
    cleaned = clean_stale_partials(root)
    for line in cleaned:
        say(f"  {p.name}: {line}")
    started = datetime.now()
    stamp = started.strftime("%Y%m%d-%H%M%S")
    tmp = root / f".{stamp}.{uuid.uuid4().hex[:8]}.partial"
    tmp.mkdir()
    handler = _file_logger(tmp / "run.log")
    for line in cleaned:
        log.info(line)
    current = None
    stage = "set-up"
    cause = ""
    timeout_s = p.run.cell_timeout_s
    try:
        with _notebooks_saved_atomically(tmp) as saver:
            # who builds this folder, so that a later run can tell a killed run's leftovers from a live one
            (tmp / PID_FILE).write_text(f"{os.getpid()} {socket.gethostname()}\n", encoding="utf-8")
            source = Path(params_path).resolve()
            shutil.copyfile(source, tmp / "params.yaml")
            (tmp / "data.sha256").write_text(f"{data.sha256}  {p.data_path.name}\n", encoding="utf-8")
            # parsed once here; every notebook reads these frames back instead of parsing the file again
            save_parsed(data, tmp)
            if history is not None:
                (tmp / HISTORY_FILE).write_text(f"{Path(history).resolve()}\n", encoding="utf-8")
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
                    try:
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
                            execution_timeout=timeout_s,
                        )
                    except BaseException as exc:
                        # while the kernel's process is still at hand, to tell how it ended
                        cause = _cause(exc, current, km, timeout_s)
                        _show_in_notebook(current, exc, cause)
                        raise
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
        cause = cause or _cause(exc, None, None, timeout_s)
        log.error("run failed in %s: %s", current.name if current else stage, cause)
        log.removeHandler(handler)
        handler.close()
        (tmp / PID_FILE).unlink(missing_ok=True)
        failed = _claim_folder(root, stamp, tmp, suffix="-failed")
        outcome.status = "failed"
        outcome.run_dir = failed
        where = f"{current.name}, {cause}" if current is not None else f"{stage}: {cause}"
        kept = _kept_notebook(current, saver, failed) if current is not None else f"see {failed}"
        outcome.message = f"failed in {where}; {kept}"
        outcome.seconds = time.perf_counter() - t0
        if isinstance(exc, KeyboardInterrupt):
            raise
        return outcome
    log.removeHandler(handler)
    handler.close()
    (tmp / PID_FILE).unlink(missing_ok=True)
    final = _claim_folder(root, stamp, tmp)
    note = _point_latest(root, final)
    if note:
        say(f"  {p.name}: note: {note}")
    outcome.status = "ok"
    outcome.run_dir = final
    outcome.seconds = time.perf_counter() - t0
    return outcome


PID_FILE = "run.pid"
STALE_AFTER_S = 24 * 3600
_PARTIAL = re.compile(r"^\.(\d{8}-\d{6})\.[0-9a-f]{8}\.partial$")


def _pid_alive(pid: int) -> bool:
    """Whether a process of this machine with `pid` is running (when unsure: yes)."""
    if os.name == "nt":  # os.kill would end the process there, not probe it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to somebody else
        return True
    return True


def _last_change(folder: Path) -> float:
    """The newest modification time of the folder and the files directly in it."""
    times = [folder.stat().st_mtime]
    for entry in folder.iterdir():
        try:
            times.append(entry.stat().st_mtime)
        except OSError:
            continue
    return max(times)


def clean_stale_partials(root: Path, *, now: float | None = None) -> list[str]:
    """Remove the hidden `.partial` folders that killed runs left in `root`.

    A folder goes only when nothing has changed in it for a day and the process that built it
    (`run.pid`: pid and host) is no longer running on this machine. A folder built on another host
    is left alone (its process cannot be checked from here), and so is one without `run.pid` that
    changed within the day. Finished and `-failed` run folders are never touched.

    Returns
    -------
    One line per folder removed, for the progress output and run.log.
    """
    now = time.time() if now is None else now
    said = []
    for folder in sorted(root.iterdir()):
        if not _PARTIAL.match(folder.name) or folder.is_symlink() or not folder.is_dir():
            continue
        try:
            idle = now - _last_change(folder)
            if idle < STALE_AFTER_S:
                continue
            pid_file = folder / PID_FILE
            pid, host = None, None
            if pid_file.is_file():
                fields = pid_file.read_text(encoding="utf-8").split()
                pid = int(fields[0]) if fields and fields[0].isdigit() else None
                host = fields[1] if len(fields) > 1 else None
            if host is not None and host != socket.gethostname():
                continue
            if pid is not None and _pid_alive(pid):
                continue
            # renamed first, so that two runs cleaning at once never remove each other's work twice
            doomed = root / f".{folder.name.strip('.')}.{uuid.uuid4().hex[:8]}.removing"
            os.rename(folder, doomed)
        except (OSError, ValueError):  # gone meanwhile, or unreadable: leave it
            continue
        shutil.rmtree(doomed, ignore_errors=True)
        whose = f"process {pid} is no longer running" if pid is not None else "no process recorded"
        said.append(
            f"removed {folder.name}, left by a run that did not finish ({whose}; unchanged for {idle / 3600:.0f} h)"
        )
    return said


def _in_language(path: Path, lang: str):
    """The notebook to execute: its path in English, else the notebook with its markdown in `lang`.

    The shipped notebooks stay English (they are what JupyterLab opens); every markdown cell's
    translation comes from ``planner/presentation/i18n/notebooks/<lang>.yaml``. A cell without one stops the
    run before any notebook executes (`MissingTranslation`) rather than showing English. A suite
    of one's own (`run(notebook_dir=...)`) is not translated: its cells are not in the catalogue.
    """
    if lang == "en":
        return str(path)
    import nbformat

    from planner.presentation.i18n.notebooks import translate

    return translate(nbformat.read(path, as_version=4), path.stem, lang)


@contextmanager
def _kernel(cwd: Path):
    """One kernel for all notebooks of a run, started in the run folder.

    Starting a kernel and importing pandas, statsmodels and matplotlib costs seconds; paying it
    once per run instead of once per notebook is most of the suite's fixed cost.
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    # The asynchronous manager, as nbclient expects: with a blocking one its wait for the cell's
    # output blocks its event loop, so neither the time limit nor the check for a dead kernel runs.
    km = AsyncKernelManager(kernel_name="python3")
    run_sync(km.start_kernel)(cwd=str(cwd), extra_arguments=["--IPKernelApp.log_level=ERROR"])
    try:
        yield km
    finally:
        run_sync(km.shutdown_kernel)(now=True)


def _fresh_namespace(km) -> None:
    """Clear the shared kernel's variables so each notebook runs as if alone (imports stay warm)."""
    if not _alive(km):  # died after the previous notebook's last cell: say so now, not after a wait
        from nbclient.exceptions import DeadKernelError

        raise DeadKernelError("Kernel died")
    from jupyter_core.utils import run_sync

    kc = km.client()
    kc.start_channels()
    try:
        run_sync(kc.wait_for_ready)(timeout=120)
        # reset() also drops __spec__ from __main__, which multiprocessing needs to start workers
        code = "get_ipython().reset(new_session=True)\n__spec__ = None"
        reply = run_sync(kc.execute_interactive)(code, timeout=60, output_hook=lambda m: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("could not reset the kernel between notebooks")
    finally:
        kc.stop_channels()


def _export_html(folder: Path, names: list[str], p: params_module.Params) -> None:
    from planner.presentation.report import export_html

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


def _run_quietly(
    params_path: str, out: str | None, notebook_dir: Path | None = None, history: str | None = None
) -> RunOutcome:
    """`run` for a worker process: never raises, so one bad file cannot stop a batch."""
    try:
        return run(params_path, out, notebook_dir=notebook_dir, history=history)
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
    history: str | os.PathLike | None = None,
) -> list[RunOutcome]:
    """Run several params files; one failing file does not stop the others.

    Files sharing a top-level ``pool:`` name are brands of one pooled fit (`planner.running.pool`):
    they run once, as one pooled run named after the pool, and each file's outcome points at it (a
    pool whose files disagree makes each of its files invalid, naming the files and keys).

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
    history : folder of earlier runs to score (see `run`).

    Returns
    -------
    list of RunOutcome, in the order of `files`.
    """
    files = [str(Path(f).resolve()) for f in files]
    out = str(Path(out).resolve()) if out else None
    done = on_done or (lambda outcome: None)
    history = str(Path(history).resolve()) if history else None
    from planner.running.pool import prepare

    batch = prepare(files, out)
    if batch.jobs == files:
        return _run_jobs(files, out, jobs, executor, scheduler, done, notebook_dir, history)
    # a pool runs once; each of its files' outcomes points at the pool's run
    by_job: dict[int, list[int]] = {}
    for i, (_, job, _) in enumerate(batch.members):
        if job is not None:
            by_job.setdefault(job, []).append(i)
    outcomes: list[RunOutcome | None] = [None] * len(files)

    def member_outcome(i: int, o: RunOutcome | None) -> RunOutcome:
        f, job, note = batch.members[i]
        if job is None:
            return RunOutcome(params_file=f, status="invalid", message=note)
        if not note:
            return o
        message = f"{note}; {o.message}" if o.message else note
        return RunOutcome(f, o.status, o.run_dir, o.seconds, message, o.headline, list(o.notebooks))

    for i, (_, job, _) in enumerate(batch.members):
        if job is None:
            outcomes[i] = member_outcome(i, None)
            done(outcomes[i])

    def job_done(o: RunOutcome) -> None:
        job = batch.jobs.index(o.params_file) if o.params_file in batch.jobs else None
        for i in by_job.get(job, []):
            outcomes[i] = member_outcome(i, o)
            done(outcomes[i])

    results = _run_jobs(batch.jobs, out, jobs, executor, scheduler, job_done, notebook_dir, history)
    for job, o in enumerate(results):
        for i in by_job.get(job, []):
            if outcomes[i] is None:
                outcomes[i] = member_outcome(i, o)
    return outcomes


def _run_jobs(files, out, jobs, executor, scheduler, done, notebook_dir, history) -> list[RunOutcome]:
    """`run_many`'s jobs: each params file once, locally or on Dask, in the order of `files`."""
    if not files:
        return []
    if executor == "dask":
        return _run_dask(files, out, jobs, scheduler, done, notebook_dir, history)
    if executor != "local":
        raise ValueError(f"unknown executor {executor!r}; expected 'local' or 'dask'")
    if jobs <= 1 or len(files) == 1:
        outcomes = []
        for f in files:
            outcomes.append(_run_quietly(f, out, notebook_dir, history))
            done(outcomes[-1])
        return outcomes
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    results: dict[str, RunOutcome] = {}
    # spawn, not fork: a forked copy of a process that has talked to a kernel (ZMQ threads) can hang
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_run_quietly, f, out, notebook_dir, history): i for i, f in enumerate(files)}
        for future in as_completed(futures):
            outcome = future.result()
            results[futures[future]] = outcome
            done(outcome)
    return [results[i] for i in range(len(files))]


def _run_dask(files, out, jobs, scheduler, done, notebook_dir, history=None) -> list[RunOutcome]:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=max(jobs, 1), threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client:
            futures = [
                client.submit(
                    _run_quietly, f, out, notebook_dir, history, pure=False, key=f"planner-run-{i}-{Path(f).stem}"
                )
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
