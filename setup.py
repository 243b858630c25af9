"""Build step the pyproject.toml table cannot express: the notebooks go into the wheel.

Git keeps one copy of the notebook suite, the top-level `notebooks/` that an analyst opens in
JupyterLab. The wheel carries it as package data, `planner/notebooks/*.ipynb`, so an installed
planner runs without the checkout (`planner.running.runner.NOTEBOOKS_DIR` finds either). An editable
install reads the checkout's folder and needs no copy.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


class build_py_with_notebooks(build_py):
    """`build_py`, then copy `notebooks/*.ipynb` into the built package as `planner/notebooks/`."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        found = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
        if not found:
            raise FileNotFoundError(f"no notebooks to package in {NOTEBOOKS}")
        target = Path(self.build_lib) / "planner" / "notebooks"
        target.mkdir(parents=True, exist_ok=True)
        for nb in found:
            shutil.copyfile(nb, target / nb.name)


setup(cmdclass={"build_py": build_py_with_notebooks})
