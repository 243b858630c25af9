"""Simulated histories with a known truth, for the tests, the benchmarks and the shipped example.

Not part of a planning run: nothing in the rest of `planner` imports this subpackage, so a run
never depends on it (the shipped example data are a file, `data/example_weekly.csv`, written by
``python -m planner.simulate.synth data``).

- `planner.simulate.synth`: the example's generator and its scenarios (`generate`), and a national
  history split into regions (`split_regions`).
- `planner.simulate.generators`: thirteen generators, most of them deliberately unlike the model
  (`make(name, seed)`, `GENERATORS`), the oracle, lift tests overlaid on a history.
- `planner.simulate.common`: what both share; `Case`, the type both return.
"""

from planner.simulate.common import Case

__all__ = ["Case"]
