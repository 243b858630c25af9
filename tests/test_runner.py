"""The runner and the CLI: atomic run folders, kept failures, latest pointer, exit codes."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import nbformat
import pytest

from planner.results import Allocation, Results, Scenario, Shares, load_results
from planner.running import cli, runner

ROOT = Path(__file__).resolve().parent.parent


def make_suite(folder: Path, *, fail_in_second: bool) -> Path:
    """A two-notebook suite: the first records a section, the second may raise half-way."""
    folder.mkdir()
    params_cell = nbformat.v4.new_code_cell(
        'params_path: str = ""\nrun_dir: str = ""', metadata={"tags": ["parameters"]}
    )
    first = nbformat.v4.new_notebook(
        cells=[
            params_cell,
            nbformat.v4.new_code_cell(
                "from planner.running.pipeline import Pipeline\npipe = Pipeline(params_path, run_dir)\n"
                "pipe.record('data', pipe.data.summary())"
            ),
        ]
    )
    second = nbformat.v4.new_notebook(
        cells=[
            params_cell,
            nbformat.v4.new_code_cell("open('half-way.txt', 'w').write('x')"),
            nbformat.v4.new_code_cell("raise RuntimeError('model exploded')" if fail_in_second else "1 + 1"),
        ]
    )
    for nb, name in ((first, "01_first.ipynb"), (second, "02_second.ipynb")):
        write_notebook(nb, folder / name)
    return folder


def write_notebook(nb, path: Path) -> None:
    """Write a test notebook with the kernel papermill needs."""
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def finished_runs(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not p.name.endswith("-failed") and not p.is_symlink()
    )


def test_successful_run_folder(example_copy, tmp_path):
    suite = make_suite(tmp_path / "nb", fail_in_second=False)
    outcome = runner.run(example_copy, notebook_dir=suite, progress=lambda _: None)
    assert outcome.status == "ok", outcome.message
    run_dir = outcome.run_dir
    assert run_dir.parent == tmp_path / "reports" / "example"
    for name in (
        "01_first.ipynb",
        "02_second.ipynb",
        "results.json",
        "params.yaml",
        "data.sha256",
        "run.log",
        "data.parquet",
    ):
        assert (run_dir / name).is_file(), name
    results = json.loads((run_dir / "results.json").read_text())
    assert results["schema"] == 2
    published = json.loads((ROOT / "docs" / "results.schema.json").read_text())
    jsonschema.Draft202012Validator(published).validate(results)
    assert load_results(run_dir).run.finished is not None
    assert results["data"]["rows"] == 156
    assert results["run"]["finished"] is not None
    assert results["params"]["plan"]["horizon_weeks"] == 13
    assert (run_dir / "data.sha256").read_text().split()[0] == results["data"]["sha256"]
    assert (run_dir / "params.yaml").read_bytes() == example_copy.read_bytes()
    assert (run_dir.parent / "latest").resolve() == run_dir.resolve()
    # the executed notebook records the relative run folder, so the folder can be moved
    nb = nbformat.read(run_dir / "01_first.ipynb", as_version=4)
    assert 'run_dir = "."' in nb.cells[1].source


def test_failed_run_is_kept_apart_and_earlier_runs_are_untouched(example_copy, tmp_path):
    good = runner.run(
        example_copy, notebook_dir=make_suite(tmp_path / "ok", fail_in_second=False), progress=lambda _: None
    )
    before = {p: p.stat().st_mtime_ns for p in good.run_dir.rglob("*")}
    bad = runner.run(
        example_copy, notebook_dir=make_suite(tmp_path / "bad", fail_in_second=True), progress=lambda _: None
    )
    assert bad.status == "failed"
    assert bad.run_dir.name.endswith("-failed")
    assert "02_second.ipynb" in bad.message and "RuntimeError: model exploded" in bad.message
    assert str(bad.run_dir) in bad.message
    # the failing notebook is kept, showing the error
    nb = nbformat.read(bad.run_dir / "02_second.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    root = good.run_dir.parent
    assert finished_runs(root) == [good.run_dir]  # no finished-looking folder from the failure
    assert not [p for p in root.iterdir() if p.name.endswith(".partial")]
    assert {p: p.stat().st_mtime_ns for p in good.run_dir.rglob("*")} == before
    assert (root / "latest").resolve() == good.run_dir.resolve()


def test_two_runs_in_the_same_second_get_two_folders(example_copy, tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    a, b = root / ".a.partial", root / ".b.partial"
    for p in (a, b):
        p.mkdir()
        (p / "f").write_text(p.name)
    first = runner._claim_folder(root, "20260101-000000", a)
    second = runner._claim_folder(root, "20260101-000000", b)
    assert (first.name, second.name) == ("20260101-000000", "20260101-000000-2")
    assert (first / "f").read_text() == ".a.partial" and (second / "f").read_text() == ".b.partial"


def test_invalid_input_writes_nothing(example_copy, tmp_path):
    example_copy.write_text(example_copy.read_text().replace("horizon_weeks: 13", "horizon_week: 13"))
    outcome = runner.run(example_copy, progress=lambda _: None)
    assert outcome.status == "invalid"
    assert "did you mean 'horizon_weeks'" in outcome.message
    assert not (tmp_path / "reports").exists()


def test_cli_exit_codes(example_copy, tmp_path, capsys):
    assert cli.main(["validate", str(example_copy)]) == 0
    out = capsys.readouterr().out
    assert "156 weeks, 3 Jan 2022 .. 23 Dec 2024" in out  # the dates of report.language (en)
    assert "technology" in out and "70%" in out  # the technology-led history
    assert cli.main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such params file" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "data:\n  path: missing.csv\n  encounters: {a: 1}\n  spend: {content: [x], design: [y], technology: [z]}\n"
    )
    assert cli.main(["validate", str(bad)]) == 2
    assert "data file not found" in capsys.readouterr().err
    assert cli.main(["run", str(bad)]) == 2
    assert not (tmp_path / "reports").exists()


def test_help_is_complete():
    for args in (["--help"], ["run", "--help"], ["validate", "--help"]):
        result = subprocess.run([sys.executable, "-m", "planner", *args], capture_output=True, text=True)
        assert result.returncode == 0
        assert "exit codes" in result.stdout
    run_help = subprocess.run([sys.executable, "-m", "planner", "run", "--help"], capture_output=True, text=True)
    assert "--out DIR" in run_help.stdout and "results.json" in run_help.stdout


@pytest.mark.skipif(os.name == "nt", reason="POSIX rename semantics")
def test_params_name_cannot_escape_output_dir(example_copy):
    from planner.reading import params

    p = params.load(example_copy)
    assert runner._safe_name("../../etc") == "etc"
    assert runner.run_folder_root(p).parent == p.output_dir


def batch_folder(example_copy: Path) -> list[Path]:
    """Three params files beside the example: two good, one naming a missing data file."""
    folder = example_copy.parent
    text = example_copy.read_text()
    (folder / "second.yaml").write_text(text.replace("organisation: Example Oy", "organisation: Toinen Oy"))
    (folder / "broken.yaml").write_text(text.replace("example_weekly.csv", "missing.csv"))
    return sorted(folder.glob("*.yaml"))


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_batch_runs_in_parallel_and_one_bad_file_does_not_stop_the_others(example_copy, tmp_path, executor):
    files = batch_folder(example_copy)
    suite = make_suite(tmp_path / "nb", fail_in_second=False)
    seen = []
    outcomes = runner.run_many(
        files, tmp_path / "out", jobs=2, executor=executor, notebook_dir=suite, on_done=seen.append
    )
    assert [Path(o.params_file).name for o in outcomes] == ["broken.yaml", "example.yaml", "second.yaml"]
    assert [o.status for o in outcomes] == ["invalid", "ok", "ok"]
    assert "data file not found" in outcomes[0].message
    assert len(seen) == 3
    # each plan gets its own folder, named after its file
    assert {o.run_dir.parent.name for o in outcomes[1:]} == {"example", "second"}
    for o in outcomes[1:]:
        assert json.loads((o.run_dir / "results.json").read_text())["data"]["rows"] == 156


def _headline_of(action: str, moved: float) -> str:
    def scenario(content, design, technology):
        return Scenario.model_construct(split=Shares(content=content, design=design, technology=technology))

    current, candidate = scenario(0.2, 0.1, 0.7), scenario(0.72, 0.11, 0.17)
    alloc = Allocation.model_construct(
        action=action,
        moved_eur=moved,
        current=current,
        candidate=candidate,
        recommended=candidate if action == "move" else current,
    )
    return runner.headline(Results.model_construct(allocation=alloc))


def test_batch_headline_reads_the_plans_own_action_and_moved_euros():
    assert _headline_of("move", 306_412.4) == "move EUR 306,412 to 72/11/17"
    assert _headline_of("keep", 306_412.4) == "keep 20/10/70"
    assert _headline_of("test", 0.0) == "test 72/11/17 (weak model); keep 20/10/70"
    assert runner.headline(Results.model_construct(allocation=None)) == ""


def test_cli_batch_summary_and_exit_code(example_copy, tmp_path, capsys, monkeypatch):
    batch_folder(example_copy)
    monkeypatch.setattr(runner, "NOTEBOOKS_DIR", make_suite(tmp_path / "nb", fail_in_second=True))
    code = cli.main(["run", str(example_copy.parent), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1  # one invalid file and failed runs: failed wins
    assert "| file | status | run folder | seconds | headline |" in err
    assert err.count("| failed |") == 2 and err.count("| invalid |") == 1


def test_same_params_twice_at_once_gives_two_intact_runs(example_copy, tmp_path):
    suite = make_suite(tmp_path / "nb", fail_in_second=False)
    outcomes = runner.run_many([example_copy, example_copy], jobs=2, notebook_dir=suite)
    assert [o.status for o in outcomes] == ["ok", "ok"]
    first, second = (o.run_dir for o in outcomes)
    assert first != second and first.parent == second.parent
    for folder in (first, second):
        assert json.loads((folder / "results.json").read_text())["run"]["finished"]
        assert (folder / "02_second.ipynb").is_file()
    newest = max((first, second), key=lambda p: runner.run_order(p.name))
    assert (first.parent / "latest").resolve() == newest.resolve()
    assert runner.latest_run(first.parent) == newest


def test_notebooks_of_a_run_share_computed_stages_in_memory(example_copy, tmp_path):
    """The kernel's variables are cleared between notebooks, but a stage computed in one is reused by the next;
    the data the runner parsed is read back, not parsed again."""
    folder = tmp_path / "nb"
    folder.mkdir()
    for i in (1, 2):
        nb = nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_code_cell(
                    'params_path: str = ""\nrun_dir: str = ""', metadata={"tags": ["parameters"]}
                ),
                nbformat.v4.new_code_cell(
                    "import uuid\n"
                    "from planner.running.pipeline import Pipeline\n"
                    "assert 'pipe' not in dir()\n"
                    # the runner parsed the data once; a notebook reads it back and never parses
                    "import planner.reading.data\n"
                    "planner.reading.data._build = None\n"
                    "pipe = Pipeline(params_path, run_dir)\n"
                    "assert pipe.data.weeks == 156\n"
                    f"open('probe-{i}.txt', 'w').write(pipe._cached('probe', lambda: uuid.uuid4().hex))"
                ),
            ]
        )
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / f"0{i}_probe.ipynb")
    outcome = runner.run(example_copy, notebook_dir=folder, progress=lambda _: None)
    assert outcome.status == "ok", outcome.message
    assert (outcome.run_dir / "probe-1.txt").read_text() == (outcome.run_dir / "probe-2.txt").read_text()


# -- the latest pointer ------------------------------------------------------------------------------


def _runs(root: Path, *names: str) -> list[Path]:
    root.mkdir(exist_ok=True)
    out = []
    for name in names:
        (root / name).mkdir()
        out.append(root / name)
    return out


def test_run_order_compares_suffixes_as_numbers():
    names = ["20260105-060000-10", "20260105-060000", "20260105-060001", "20260105-060000-9", "20260105-060000-2"]
    assert sorted(names, key=runner.run_order) == [
        "20260105-060000",
        "20260105-060000-2",
        "20260105-060000-9",
        "20260105-060000-10",
        "20260105-060001",
    ]
    assert runner.run_order("latest") is None and runner.run_order("20261399-000000") is None


def test_latest_never_moves_back_to_an_older_run(tmp_path):
    root = tmp_path / "plan"
    nine, ten, later = _runs(root, "20260105-060000-9", "20260105-060000-10", "20260105-060001")
    runner._point_latest(root, nine)
    assert runner.latest_run(root) == nine
    runner._point_latest(root, ten)
    assert runner.latest_run(root) == ten  # -10 is newer than -9, though it sorts before it as text
    runner._point_latest(root, later)
    runner._point_latest(root, nine)  # an older run that finished last
    assert runner.latest_run(root) == later
    assert os.readlink(root / "latest") == later.name  # a relative symlink: the folder can be moved


def test_latest_under_runs_finishing_at_once(tmp_path, monkeypatch):
    """Threads finish in random order while reading the pointer is slow: the newest run must win."""
    import random
    import threading
    import time

    read = runner.latest_run

    def slow_read(root):
        found = read(root)
        time.sleep(0.002)  # widen the window between reading the pointer and replacing it
        return found

    monkeypatch.setattr(runner, "latest_run", slow_read)
    for attempt in range(5):
        root = tmp_path / f"plan{attempt}"
        names = [f"20260105-0600{s:02d}" + (f"-{n}" if n > 1 else "") for s in range(3) for n in range(1, 5)]
        folders = _runs(root, *names)
        random.Random(attempt).shuffle(folders)
        barrier = threading.Barrier(len(folders))

        def finish(folder, root=root, barrier=barrier):
            barrier.wait()
            runner._point_latest(root, folder)

        threads = [threading.Thread(target=finish, args=(f,)) for f in folders]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert read(root) == root / "20260105-060002-4"


def test_latest_is_a_text_file_where_symlinks_fail_and_says_so(tmp_path, monkeypatch):
    root = tmp_path / "plan"
    old, new = _runs(root, "20260105-060000", "20260105-060000-2")

    def no_links(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "symlink", no_links)
    note = runner._point_latest(root, new)
    assert (root / "latest").read_text() == "20260105-060000-2\n" and not (root / "latest").is_symlink()
    assert "does not allow symbolic links" in note and "20260105-060000-2" in note
    assert runner.latest_run(root) == new
    assert runner._point_latest(root, old) is None and runner.latest_run(root) == new


def test_cli_notebooks_prints_and_copies_the_shipped_suite(tmp_path, capsys):
    assert cli.main(["notebooks"]) == 0
    assert Path(capsys.readouterr().out.strip()) == runner.NOTEBOOKS_DIR == ROOT / "notebooks"
    assert cli.main(["notebooks", "--copy", str(tmp_path / "mine")]) == 0
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == [p.name for p in runner.notebooks()]
    assert cli.main(["notebooks", "--copy", str(tmp_path / "mine")]) == 2  # never overwrites your edits
    assert "already holds 01_data_overview.ipynb" in capsys.readouterr().err


# -- the notebooks in the run's language ----------------------------------------------------------


def _other_languages():
    from planner.presentation.i18n import LANGUAGES

    return [lang for lang in LANGUAGES if lang != "en"]


@pytest.mark.parametrize("lang", _other_languages())
def test_every_markdown_cell_has_a_translation_and_none_is_stale(lang):
    import nbformat

    from planner.presentation.i18n.notebooks import cells

    table = cells(lang)
    suite = {p.stem: nbformat.read(p, as_version=4) for p in runner.notebooks()}
    assert set(table) == set(suite), f"{lang}: catalogue notebooks differ from the suite"
    for name, nb in suite.items():
        ids = [c.get("id") for c in nb.cells if c.cell_type == "markdown"]
        assert all(ids) and len(set(ids)) == len(ids), f"{name}: markdown cells need unique ids"
        assert set(ids) - set(table[name]) == set(), f"{name}: cells without a {lang} translation"
        assert set(table[name]) - set(ids) == set(), f"{name}: {lang} translations of cells that do not exist"
        for key in ids:
            english, other = next(c.source for c in nb.cells if c.get("id") == key), table[name][key]
            # a heading stays a heading of the same level
            assert re.match(r"#*", english).group() == re.match(r"#*", other).group(), f"{name} {key}"


def test_a_run_executes_the_notebooks_with_their_markdown_in_its_language():
    import nbformat

    from planner.presentation.i18n.notebooks import MissingTranslation, cells

    path = runner.notebooks()[1]
    shipped = nbformat.read(path, as_version=4)
    assert runner._in_language(path, "en") == str(path)  # English runs the shipped file as it is
    fi = runner._in_language(path, "fi")
    markdown = [c for c in fi.cells if c.cell_type == "markdown"]
    assert [c.source for c in markdown] == [cells("fi")[path.stem][c.id].rstrip("\n") for c in markdown]
    assert [c.source for c in fi.cells if c.cell_type == "code"] == [
        c.source for c in shipped.cells if c.cell_type == "code"
    ]
    assert nbformat.read(path, as_version=4) == shipped  # the shipped notebook stays English

    from planner.presentation.i18n.notebooks import translate

    shipped.cells.append(nbformat.v4.new_markdown_cell("## New section", id="not-translated"))
    with pytest.raises(MissingTranslation, match="not-translated"):
        translate(shipped, path.stem, "fi")


@pytest.mark.parametrize("lang", _other_languages())
def test_notebook_words_have_every_key_and_placeholder_of_english(lang):
    from planner.presentation.i18n import catalogue
    from planner.presentation.i18n.notebooks import words

    assert catalogue.mismatches(words("en"), words(lang)) == []
    # kept apart from the main catalogue until merged: no key may shadow one of its keys
    assert set(words(lang).messages) & set(catalogue.get(lang).messages) == set()


# -- runs that cannot hang ----------------------------------------------------------------------------


def one_cell_suite(folder: Path, code: str) -> Path:
    """A one-notebook suite: a cell that prints, then `code`."""
    folder.mkdir()
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell('params_path: str = ""\nrun_dir: str = ""', metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("print('before')"),
            nbformat.v4.new_code_cell(code),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "01_only.ipynb")
    return folder


def with_timeout(params_path: Path, seconds: int) -> Path:
    import yaml

    raw = yaml.safe_load(params_path.read_text())
    raw["run"] = {"cell_timeout_s": seconds}
    params_path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return params_path


def test_a_killed_kernel_fails_the_run_at_once_with_exit_code_1(example_copy, tmp_path, capsys, monkeypatch):
    """As the out-of-memory killer does: the kernel's process gets SIGKILL in the middle of a cell."""
    import time

    with_timeout(example_copy, 120)
    code = "import os, signal, time\nos.kill(os.getpid(), signal.SIGKILL)\ntime.sleep(600)"
    monkeypatch.setattr(runner, "NOTEBOOKS_DIR", one_cell_suite(tmp_path / "nb", code))
    t0 = time.monotonic()
    assert cli.main(["run", str(example_copy), "--out", str(tmp_path / "out")]) == 1
    assert time.monotonic() - t0 < 60  # far less than the cell's limit: the dead kernel is noticed at once
    err = capsys.readouterr().err
    assert (
        "run FAILED: failed in 01_only.ipynb, cell 4: the notebook kernel died (killed by the system, e.g. out "
        "of memory; signal SIGKILL)" in err
    )
    (failed,) = (tmp_path / "out" / "example").glob("*-failed")
    assert str(failed) in err
    assert not (failed / runner.PID_FILE).exists()
    # the kept notebook shows where and why, as an error output of the cell that was running
    kept = nbformat.read(failed / "01_only.ipynb", as_version=4)
    (error,) = [o for o in kept.cells[3].outputs if o.output_type == "error"]
    assert error.ename == "DeadKernelError" and error.evalue.startswith("the notebook kernel died (killed by")
    assert not list((tmp_path / "out" / "example").glob(".*.partial"))


def test_a_cell_past_its_time_limit_fails_the_run(example_copy, tmp_path):
    import time

    with_timeout(example_copy, 2)
    t0 = time.monotonic()
    outcome = runner.run(
        example_copy, notebook_dir=one_cell_suite(tmp_path / "nb", "import time\ntime.sleep(600)"), progress=print
    )
    assert time.monotonic() - t0 < 60
    assert outcome.status == "failed" and outcome.run_dir.name.endswith("-failed")
    assert "01_only.ipynb, cell 4: still running after 2 s, the limit run.cell_timeout_s" in outcome.message
    kept = nbformat.read(outcome.run_dir / "01_only.ipynb", as_version=4)
    assert [o.ename for o in kept.cells[3].outputs if o.output_type == "error"] == ["CellTimeoutError"]


@pytest.mark.parametrize(
    "code, expected",
    [
        ("raise MemoryError()", "cell 4: MemoryError (out of memory)"),
        (
            "raise OSError(28, 'No space left on device')",
            "cell 4: OSError: [Errno 28] No space left on device (the disk is full)",
        ),
        ("{}['budget']", "cell 4: KeyError: 'budget'"),
    ],
)
def test_the_failure_message_carries_the_cells_exception(example_copy, tmp_path, code, expected):
    outcome = runner.run(example_copy, notebook_dir=one_cell_suite(tmp_path / "nb", code), progress=lambda _: None)
    assert outcome.status == "failed"
    assert f"failed in 01_only.ipynb, {expected}; the executed notebook is kept in {outcome.run_dir}" == (
        outcome.message
    )


def test_a_full_disk_never_leaves_a_truncated_notebook(example_copy, tmp_path, monkeypatch):
    """The save after the cell that fills the disk fails half-way: the notebook kept is its last whole save."""
    import errno

    put = runner._put

    def disk_fills(fh, text):
        if "disk-fills-here" in text:
            fh.write(text[: len(text) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        put(fh, text)

    monkeypatch.setattr(runner, "_put", disk_fills)
    suite = one_cell_suite(tmp_path / "nb", "print('disk-fills' + '-here')")
    outcome = runner.run(example_copy, notebook_dir=suite, progress=lambda _: None)
    assert outcome.status == "failed"
    assert "No space left on device (the disk is full)" in outcome.message
    assert "saving the executed notebook failed (No space left on device)" in outcome.message
    assert f"{outcome.run_dir} keeps 01_only.ipynb as last saved whole" in outcome.message
    kept = nbformat.read(outcome.run_dir / "01_only.ipynb", as_version=4)  # whole JSON, not cut off
    assert "before" in json.dumps(kept.cells[2].outputs)
    assert not [p.name for p in outcome.run_dir.iterdir() if p.name.endswith(".tmp")]


def test_a_run_records_its_process_while_it_runs_and_not_after(example_copy, tmp_path):
    code = "import os\nassert int(open('run.pid').read().split()[0]) == os.getppid()"
    outcome = runner.run(example_copy, notebook_dir=one_cell_suite(tmp_path / "nb", code), progress=lambda _: None)
    assert outcome.status == "ok", outcome.message
    assert not (outcome.run_dir / runner.PID_FILE).exists()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_partial_folders_of_killed_runs_are_cleaned_and_nothing_else(example_copy, tmp_path):
    import socket
    import time

    root = tmp_path / "reports" / "example"
    root.mkdir(parents=True)
    host, two_days_ago = socket.gethostname(), time.time() - 2 * 24 * 3600

    def folder(name, pid_line=None, *, old=True):
        path = root / name
        path.mkdir()
        (path / "01_data_overview.ipynb").write_text("{}")
        if pid_line is not None:
            (path / runner.PID_FILE).write_text(pid_line)
        if old:
            for p in (*path.iterdir(), path):
                os.utime(p, (two_days_ago, two_days_ago))
        return path

    killed = folder(".20260101-060000.aaaaaaaa.partial", f"{_dead_pid()} {host}\n")
    unrecorded = folder(".20260101-060001.bbbbbbbb.partial")
    live = folder(".20260101-060002.cccccccc.partial", f"{os.getpid()} {host}\n")
    recent = folder(".20260101-060003.dddddddd.partial", f"{_dead_pid()} {host}\n", old=False)
    elsewhere = folder(".20260101-060004.eeeeeeee.partial", "12345 another-host\n")
    finished = folder("20260101-050000")
    failed = folder("20260101-050001-failed")
    lines = []
    suite = make_suite(tmp_path / "nb", fail_in_second=False)
    outcome = runner.run(example_copy, notebook_dir=suite, progress=lines.append)
    assert outcome.status == "ok", outcome.message
    assert not killed.exists() and not unrecorded.exists()
    assert all(p.exists() for p in (live, recent, elsewhere, finished, failed))
    assert [p.name for p in root.iterdir() if p.name.endswith(".removing")] == []
    said = [line for line in lines if "removed" in line]
    assert len(said) == 2
    assert said[0].startswith(f"  example: removed {killed.name}, left by a run that did not finish (process ")
    assert "no process recorded" in said[1] and unrecorded.name in said[1]
    assert "removed .20260101-060000.aaaaaaaa.partial" in (outcome.run_dir / "run.log").read_text()


def test_run_with_history_scores_the_runs_of_that_folder_and_not_those_beside_it(example_copy, tmp_path, monkeypatch):
    first = json.loads((ROOT / "tests" / "fixtures" / "results_track_first.json").read_text(encoding="utf-8"))
    old = tmp_path / "old-reports"
    (old / "example" / "20260105-090000").mkdir(parents=True)
    (old / "example" / "20260105-090000" / "results.json").write_text(json.dumps(first), encoding="utf-8")
    beside = tmp_path / "reports" / "example" / "20250105-090000"  # where a run looks without --history
    beside.mkdir(parents=True)
    (beside / "results.json").write_text(json.dumps(first), encoding="utf-8")
    example_copy.write_text(example_copy.read_text().replace("draws: 500 ", "draws: 40  "))
    suite = tmp_path / "nb"
    suite.mkdir()
    params_cell = nbformat.v4.new_code_cell(
        'params_path: str = ""\nrun_dir: str = ""', metadata={"tags": ["parameters"]}
    )
    nb = nbformat.v4.new_notebook(
        cells=[
            params_cell,
            nbformat.v4.new_code_cell(
                "from planner.running.pipeline import Pipeline\n"
                "pipe = Pipeline(params_path, run_dir)\npipe.record_forecast()"
            ),
        ]
    )
    write_notebook(nb, suite / "01_forecast.ipynb")
    monkeypatch.setattr(runner, "NOTEBOOKS_DIR", suite)  # a one-notebook suite: the forecast stage only
    code = cli.main(["run", str(example_copy), "--history", str(old)])
    assert code == 0
    run_dir = (tmp_path / "reports" / "example" / "latest").resolve()
    record = json.loads((run_dir / "results.json").read_text())["track_record"]
    assert record["source"] == str((old / "example").resolve())
    assert [r["run"] for r in record["runs"]] == ["20260105-090000"]
    assert record["scored"] == 1 and record["runs"][0]["status"] == "scored"
    assert (run_dir / "history.txt").read_text().strip() == str(old.resolve())
