"""What the two simulators share: the encounter channels, the burn-in, the holiday weeks and `Case`.

`planner.simulate.synth` (the example and its scenarios) and `planner.simulate.generators`
(histories most unlike the model) both return a `Case`: a weekly history as a user's file would
hold it, with the truth behind it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

__all__ = ["BURN_IN_WEEKS", "CHANNEL_SHARES", "WEIGHTS", "Case", "holiday_flags"]

#: Quality weight of one encounter per channel (a meeting is worth ten web sessions).
WEIGHTS = {"enc_web": 1.0, "enc_calls": 3.0, "enc_meetings": 10.0}
#: Expected share of each channel in the *weighted* encounters; web is then ~94 % of raw counts.
CHANNEL_SHARES = {"enc_web": 0.78, "enc_calls": 0.13, "enc_meetings": 0.09}
#: Weeks generated before the data and dropped, so that the carryover at the start of the data is
#: that of real past spend.
BURN_IN_WEEKS = 26


def holiday_flags(weeks: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Christmas/New Year and July weeks (boolean arrays), judged by each week's Thursday (ISO)."""
    thu = weeks + pd.Timedelta(days=3)
    christmas = ((thu.month == 12) & (thu.day >= 25)) | ((thu.month == 1) & (thu.day <= 7))
    return np.asarray(christmas), np.asarray(thu.month == 7)


@runtime_checkable
class Case(Protocol):
    """A synthetic weekly history with its truth, as either simulator returns it.

    Attributes
    ----------
    name : str
        The generator or scenario that made it.
    seed : int
        Its seed.
    frame : pandas.DataFrame
        The data as a user's file would hold it (``week_start``, encounter and spend columns, ...).
    weights : dict
        Quality weight per encounter column.
    spend_columns : dict
        Category -> the frame's spend columns of that category.
    spend : pandas.DataFrame
        Spend per category (EUR/week), indexed by ``week_start``.
    contributions : pandas.DataFrame
        True spend-driven weighted encounters per week and category.
    last_state : pandas.Series
        The carryover state at the end of the data (the response continues from it).

    Methods
    -------
    true_shares()
        Each category's share of the true spend-driven encounters over the data.
    simulate(spend, draws=False)
        The response protocol (`docs/architecture.md`): true spend-driven encounters for weekly
        spend following the data, so the optimiser can be scored against the truth.
    """

    name: str
    seed: int
    frame: pd.DataFrame
    weights: dict
    spend_columns: dict
    spend: pd.DataFrame
    contributions: pd.DataFrame
    last_state: pd.Series

    def true_shares(self) -> pd.Series: ...

    def simulate(self, spend, *, draws: bool = False) -> np.ndarray: ...
