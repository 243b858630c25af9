"""A wheel built from this checkout works without the checkout: notebooks ship as package data."""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _sh(*args, cwd, timeout=300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the sources and install it into a new virtualenv.

    Offline and quick: the wheel is built without build isolation, and the new environment sees
    the test environment's packages through a .pth line (a plain path, so the test environment's
    editable install of the planner stays inactive there); pip still checks every dependency.
    """
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("planner", "notebooks"):  # the notebooks' one copy is the top-level folder
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    _sh(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        tmp / "dist",
        src,
        cwd=tmp,
    )
    wheel = next((tmp / "dist").glob("planner-*.whl"))
    packaged = sorted(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".ipynb"))
    assert packaged == [f"planner/notebooks/{p.name}" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    venv = tmp / "venv"
    _sh(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    python = venv / "bin" / "python"
    site = Path(_sh(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp).stdout.strip())
    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "_test_environment.pth").write_text("\n".join(paths) + "\n")
    # nbconvert's templates are data files under the environment's share/ (a real install puts them there)
    (venv / "share" / "jupyter").mkdir(parents=True)
    (venv / "share" / "jupyter" / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    _sh(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-index", wheel, cwd=tmp)
    return venv


def test_wheel_ships_the_notebooks_and_uses_its_own_copy(installed, tmp_path):
    out = _sh(
        installed / "bin" / "python",
        "-c",
        "import planner, planner.running.runner as r; print(planner.__file__); print(r.NOTEBOOKS_DIR / 'x');"
        " print(*[p.name for p in r.notebooks()])",
        cwd=tmp_path,
    ).stdout.split("\n")
    assert Path(out[0]).is_relative_to(installed), "the installed planner must not be the checkout's"
    assert Path(out[1]).parent == Path(out[0]).parent / "notebooks", "the notebooks must be the wheel's package data"
    assert out[2].split() == [
        "01_data_overview.ipynb",
        "02_model.ipynb",
        "03_funnel.ipynb",
        "04_budget_plan.ipynb",
        "05_brief.ipynb",
    ]


def test_wheel_validates_and_runs_the_example(installed, tmp_path):
    raw = yaml.safe_load((ROOT / "params" / "example.yaml").read_text())
    raw["data"]["path"] = str(ROOT / "data" / "example_weekly.csv")
    raw["model"]["draws"] = 10
    raw["plan"]["frontier"]["steps"] = 3
    params = tmp_path / "example.yaml"
    params.write_text(yaml.safe_dump(raw))
    planner = installed / "bin" / "planner"
    assert "valid" in _sh(planner, "validate", params, cwd=tmp_path).stdout
    run_dir = Path(_sh(planner, "run", params, "--out", tmp_path / "out", cwd=tmp_path).stdout.strip())
    for name in ("results.json", "brief.pdf", "report.html", "05_brief.ipynb"):
        assert (run_dir / name).is_file(), name
    kernel = (run_dir / "run.log").read_text()
    assert "05_brief.ipynb done" in kernel
