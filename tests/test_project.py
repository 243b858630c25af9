"""Promises of the project itself: dependencies in step, notebooks thin and stripped, scripts wired."""

import ast
import re
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _requirement(spec: str) -> tuple[str, str]:
    m = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$", spec.strip())
    return m.group(1).lower(), m.group(3).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {}
    for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
        name, version = _requirement(spec)
        if name == "dask":  # dask[distributed] is two packages on conda-forge
            wanted["distributed"] = version
        wanted[name] = version
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, version = _requirement(dep)
            conda[name] = version
    conda.pop("python"), conda.pop("pip")
    assert conda == wanted


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin_and_stripped(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), "first code cell must be tagged parameters"
    default = re.search(r'^params_path: str = "([^"]+)"', code[0].source, re.M)
    assert default, "the parameters cell must hold a typed params_path default"
    assert (path.parent / default.group(1)).resolve() == ROOT / "params" / "example.yaml", (
        "opened in JupyterLab from notebooks/, the default must be the shipped example"
    )
    assert 'run_dir: str = ""' in code[0].source
    for cell in code:
        assert not cell.outputs and cell.execution_count is None, "outputs must be stripped"
        tree = ast.parse(cell.source)
        assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))], (
            "define functions in planner/, not in notebooks"
        )
    # the notebook opens with a markdown title, and every code cell has a markdown cell right above
    # it telling the reader what they see
    assert nb.cells[0].cell_type == "markdown"
    for before, cell in zip(nb.cells, nb.cells[1:], strict=False):
        if cell.cell_type == "code":
            assert before.cell_type == "markdown", f"no markdown line above {cell.source[:60]!r}"


def test_suite_has_the_five_notebooks_in_order():
    from planner.running import runner

    expected = ["01_data_overview", "02_model", "03_funnel", "04_budget_plan", "05_brief"]
    assert [p.stem for p in NOTEBOOKS] == expected
    assert [p.stem for p in runner.notebooks()] == expected  # what a run executes, in that order
    assert not (ROOT / "planner" / "notebooks").exists(), "one copy in git: the top-level notebooks/"


def test_the_first_notebook_says_how_to_open_your_own_plan():
    cells = nbformat.read(NOTEBOOKS[0], as_version=4).cells
    own = [c for c in cells[:2] if c.cell_type == "markdown" and "params_path" in c.source]
    assert own and "../params/my-plan.yaml" in own[0].source
    assert "analyst-only" in own[0].metadata.get("tags", []), "report.html leaves the analyst's how-to out"


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = "bash scripts/test"
    assert command in readme and command in ci
    assert "bash scripts/run-example" in readme


def _readme_block(heading: str, language: str) -> str:
    """The first fenced code block of `language` under a README heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


def test_the_readme_cron_line_works_when_pasted(tmp_path):
    """cron hands the command to /bin/sh: it must run in a checkout where logs/ does not exist yet."""
    import subprocess

    (line,) = [x for x in _readme_block("### cron", "cron").splitlines() if x and not x.startswith("#")]
    command = line.split(None, 5)[5]  # after the five time fields
    assert command.startswith("cd /srv/planner && ")
    checkout = tmp_path / "planner"
    (checkout / ".venv" / "bin").mkdir(parents=True)
    fake = checkout / ".venv" / "bin" / "planner"
    fake.write_text('#!/bin/sh\necho "planner $*"\necho progress >&2\n')
    fake.chmod(0o755)
    result = subprocess.run(["/bin/sh", "-c", command.replace("/srv/planner", str(checkout))], cwd=tmp_path)
    assert result.returncode == 0
    assert (checkout / "logs" / "planner.log").read_text() == "planner run params/ --jobs 2\nprogress\n"


def test_the_readme_airflow_dag_imports_with_airflow():
    """Optional: runs where Airflow is installed; elsewhere it is skipped."""
    pytest.importorskip("airflow.sdk")
    pytest.importorskip("airflow.providers.standard.operators.bash")
    namespace: dict = {}
    exec(compile(_readme_block("### Airflow", "python"), "README.md (Airflow)", "exec"), namespace)
    dag = namespace["dag"]
    assert dag.dag_id == "content_impact_plan"
    assert {t.task_id for t in dag.tasks} == {"validate", "run"}
    assert "planner run params/" in dag.get_task("run").bash_command


def test_the_readme_airflow_dag_uses_the_current_import_paths():
    code = _readme_block("### Airflow", "python")
    imports = [line for line in code.splitlines() if line.startswith(("import ", "from "))]
    assert "from airflow.providers.standard.operators.bash import BashOperator" in imports
    assert "from airflow.sdk import DAG" in imports
    assert not [line for line in imports if line.startswith("from airflow.operators")]
    ast.parse(code)


@pytest.mark.slow  # a second pytest in a process of its own
def test_the_venvs_own_pytest_script_collects_the_tests(tmp_path):
    """`.venv/bin/pytest` (not only `python -m pytest`) finds `tests.conftest` and this checkout's planner."""
    import os
    import subprocess
    import sys

    script = Path(sys.executable).parent / "pytest"
    if not script.is_file():
        pytest.skip(f"no pytest script beside {sys.executable}")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(script), "--collect-only", "-q", "-p", "no:cacheprovider", "tests/test_charts.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "tests/test_charts.py::" in result.stdout


README_LINKS = ("docs/method.md", "docs/data.md", "docs/benchmarks.md", "docs/operations.md", "docs/architecture.md")


def test_the_readme_is_short_and_links_every_moved_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    links = set(re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme))
    for page in README_LINKS:
        assert page in links, f"README does not link {page}"
        assert (ROOT / page).is_file(), page
    for page in ("docs/forecast.md", "docs/regions.md"):  # written on other branches
        assert page in links, f"README does not link {page}"
    assert "bash scripts/test --fast" in readme  # the fast tier, for development


def test_every_benchmark_writes_its_own_section_of_the_benchmarks_page():
    sys_path = str(ROOT / "benchmarks")
    import sys

    sys.path.insert(0, sys_path)
    try:
        from docs_section import read_section
    finally:
        sys.path.remove(sys_path)
    page = ROOT / "docs" / "benchmarks.md"
    sections = {
        "bench_backtest.py": ["backtest"],
        "bench_calibration.py": ["calibration"],
        "bench_data.py": ["data"],
        "bench_experiments.py": ["experiments"],
        "bench_funnel.py": ["funnel"],
        "bench_geo.py": ["geo"],
        "bench_peer.py": ["peer", "peer-cases"],
        "bench_plan.py": ["plan"],
        "bench_regions.py": ["regions"],
        "bench_suite.py": ["suite-stages", "suite-growth", "suite-batch"],
    }
    assert sorted(p.name for p in (ROOT / "benchmarks").glob("bench_*.py")) >= sorted(sections)
    for script, names in sections.items():
        source = (ROOT / "benchmarks" / script).read_text(encoding="utf-8")
        assert "--write-docs" in source and "write_report(" in source, script
        for name in names:
            text = read_section(page, name)
            assert text and "--write-docs" in text, f"{name}: no section, or no command that regenerates it"
    # the moved links in the docs pages point at files that exist
    for doc in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if target not in ("forecast.md", "regions.md"):
                assert (doc.parent / target).exists(), f"{doc.name} links {target}, which does not exist"


def test_the_package_top_is_grouped_by_stage_and_the_flat_names_still_import():
    import importlib

    import planner

    top = {p.stem for p in (ROOT / "planner").glob("*.py")}
    assert top == {"__init__", "__main__", "results", "objective"}, "a new module belongs in one of the rooms"
    rooms = {p.name for p in (ROOT / "planner").iterdir() if (p / "__init__.py").exists()}
    assert {"reading", "inference", "plan", "presentation", "running", "simulate"} <= rooms
    for old, room in planner.MOVED.items():
        moved = importlib.import_module(f"planner.{room}.{old}")
        assert importlib.import_module(f"planner.{old}") is moved, old
        assert moved.__spec__.name == f"planner.{room}.{old}"  # the flat name leaves the module its own spec
    from planner.model.estimation import EncounterModel as flat

    from planner.inference.model.estimation import EncounterModel

    assert flat is EncounterModel
    assert planner.pipeline is importlib.import_module("planner.running.pipeline")
