"""planner: measure which spend generates customer encounters, and plan next period's budget.

The package is grouped by the stages a run goes through (docs/architecture.md):

- `planner.reading`: the params file and the data (`params`, `data`);
- `planner.inference`: the encounter model and what is inferred beside it (`model`, `posterior`,
  `transforms`, `funnel`, `experiments`, `geo`, `diagnostics`), and over time (`forecast`, `track`,
  `stability`);
- `planner.plan`: the decision: the budget split and its action;
- `planner.presentation`: the brief, charts, notebook displays, report and translations;
- `planner.running`: the pipeline the notebooks share, the batch runner and the command line;
- `planner.results` and `planner.objective`: the typed contract of results.json that joins them, and
  the plan's objective that params, plan, results and brief share;
- `planner.simulate`: histories with a known truth, for tests and benchmarks only (no run imports it).

The modules' earlier flat names (`planner.data`, `planner.pipeline`, ...) still import: each is the
same module object as its new name.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

CATEGORIES = ("content", "design", "technology")

__version__ = "0.1.0"

__all__ = ["CATEGORIES", "__version__"]

#: Each module's flat name before the grouping, and the room it now lives in.
MOVED = {
    "params": "reading",
    "data": "reading",
    "model": "inference",
    "posterior": "inference",
    "transforms": "inference",
    "funnel": "inference",
    "experiments": "inference",
    "geo": "inference",
    "diagnostics": "inference",
    "forecast": "inference",
    "track": "inference",
    "stability": "inference",
    "brief": "presentation",
    "charts": "presentation",
    "display": "presentation",
    "report": "presentation",
    "preview": "presentation",
    "i18n": "presentation",
    "tables": "presentation",
    "pipeline": "running",
    "runner": "running",
    "cli": "running",
}


class _FlatNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import `planner.<old>[.sub]` as the module `planner.<room>.<old>[.sub]`: one object, two names."""

    def __init__(self):
        self._specs = {}

    @staticmethod
    def _target(fullname: str) -> str | None:
        parts = fullname.split(".")
        if len(parts) < 2 or parts[0] != __name__ or parts[1] not in MOVED:
            return None
        return ".".join([__name__, MOVED[parts[1]], *parts[1:]])

    def find_spec(self, fullname, path=None, target=None):
        new = self._target(fullname)
        if new is None or importlib.util.find_spec(new) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        module = importlib.import_module(self._target(spec.name))
        self._specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module):
        # importlib stamped the flat name's spec on the module; give it back its own.
        module.__spec__ = self._specs.pop(module.__spec__.name, module.__spec__)


if not any(type(finder).__name__ == "_FlatNames" for finder in sys.meta_path):
    sys.meta_path.insert(0, _FlatNames())


def __getattr__(name: str):
    """`planner.data` and the other flat names as attributes, imported on first use."""
    if name in MOVED:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
