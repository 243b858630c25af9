"""The simulators (`planner.simulate`) stay out of the product: a run never imports them."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from planner.simulate import Case
from planner.simulate.generators import Generated, make
from planner.simulate.synth import Synthetic, generate, split_regions

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "planner"


def _imports(path: Path) -> set[str]:
    """Every module an import statement of `path` names (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            out |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return out


def test_no_product_module_imports_the_simulators():
    product = [p for p in PACKAGE.rglob("*.py") if "simulate" not in p.relative_to(PACKAGE).parts]
    assert len(product) > 20
    offenders = {
        str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m.startswith("planner.simulate"))
        for p in product
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_both_simulators_return_a_case():
    national = generate(seed=1, weeks=60)
    generated = make("additive_hill", 1)
    for case in (national, generated):
        assert isinstance(case, Case)
        assert list(case.spend.columns) == list(case.contributions.columns) == ["content", "design", "technology"]
        assert abs(case.true_shares().sum() - 1) < 1e-9
        assert set(case.weights) <= set(case.frame.columns)
        assert {c for cols in case.spend_columns.values() for c in cols} <= set(case.frame.columns)
        assert case.simulate(case.spend.tail(4)).shape == (4, 3)
    assert isinstance(national, Synthetic) and isinstance(generated, Generated)
    assert national.name == "content_driven" and generated.name == "additive_hill" and generated.seed == 1
    # what the regional split reads from a case is the same for either simulator
    for case in (national, generated):
        regional = split_regions(case, n_regions=3, seed=0)
        summed = regional.frame.groupby("week_start")[list(case.weights)].sum().to_numpy()
        assert (summed == case.frame[list(case.weights)].to_numpy()).all()


BLOCK = """\
import importlib.abc
import sys


class _NoSimulators(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "planner.simulate" or name.startswith("planner.simulate."):
            raise ImportError(f"{name} is blocked: a planning run must not import the simulators")
        return None


sys.meta_path.insert(0, _NoSimulators())
"""


@pytest.mark.slow
def test_the_example_runs_with_the_simulators_blocked(tmp_path):
    """Every process of a run (the CLI and the notebooks' kernel) starts with planner.simulate blocked."""
    block = tmp_path / "block"
    block.mkdir()
    (block / "sitecustomize.py").write_text(BLOCK, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(block), str(ROOT)])}
    raw = yaml.safe_load((ROOT / "params" / "example.yaml").read_text(encoding="utf-8"))
    raw["data"]["path"] = str(ROOT / "data" / "example_weekly.csv")
    raw["model"]["draws"] = 20
    raw["plan"]["frontier"]["steps"] = 3
    params = tmp_path / "example.yaml"
    params.write_text(yaml.safe_dump(raw), encoding="utf-8")
    check = (
        "import importlib, pkgutil, planner\n"
        "try:\n    import planner.simulate\nexcept ImportError:\n    pass\n"
        "else:\n    raise SystemExit('the block is not active')\n"
        "names = [m.name for m in pkgutil.walk_packages(planner.__path__, 'planner.')"
        " if not m.name.startswith(('planner.simulate', 'planner.__main__'))]\n"
        "for name in names:\n    importlib.import_module(name)\n"
        "print(len(names))\n"
    )
    imported = subprocess.run(
        [sys.executable, "-c", check], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert imported.returncode == 0, imported.stderr[-3000:]
    assert int(imported.stdout.split()[-1]) > 20  # every product module imported without the simulators
    run = subprocess.run(
        [sys.executable, "-m", "planner", "run", str(params), "--out", str(tmp_path / "out")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    run_dir = Path(run.stdout.strip().splitlines()[-1])
    for name in ("results.json", "brief.pdf", "report.html", "plan.csv", "05_brief.ipynb"):
        assert (run_dir / name).is_file(), name
