"""The baseline of the encounter model: trend, yearly season, Finnish holidays, events and controls.

`baseline_design` builds the columns for any weeks (also past the end of the data, for forecasts);
`independent_columns` keeps those that add something to the ones before them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.reading.params import ModelSpec

__all__ = ["baseline_design", "independent_columns"]


def _holiday_flags(index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Christmas/New Year and July weeks, judged by each week's Thursday (the ISO convention)."""
    thu = index + pd.Timedelta(days=3)
    christmas = ((thu.month == 12) & (thu.day >= 25)) | ((thu.month == 1) & (thu.day <= 7))
    return np.asarray(christmas, dtype=float), np.asarray(thu.month == 7, dtype=float)


def baseline_design(
    index: pd.DatetimeIndex,
    spec: ModelSpec,
    events: pd.DataFrame | None = None,
    controls: pd.DataFrame | None = None,
    origin: pd.Timestamp | None = None,
    knots: tuple[float, ...] | list[float] = (),
) -> pd.DataFrame:
    """The baseline columns of the model for the given weeks.

    Parameters
    ----------
    index : DatetimeIndex
        Mondays of the weeks.
    spec : ModelSpec
        ``trend``, ``seasonality`` (Fourier harmonics of the year) and ``holidays``.
    events, controls : DataFrame, optional
        Columns added as they are (events 0/1, controls numeric), aligned to ``index``.
    origin : Timestamp, optional
        The week the trend counts from (default: the first of ``index``); pass the data's first
        week to extend the baseline past the end of the data.
    knots : sequence of float, optional
        Weeks since the origin where the trend may bend: a column ``bend<k>`` = ``max(0, t - k)``
        each (after the trend), for a baseline that must take in the slow or one-off effect of a
        category the data cannot show. Past the data a bend goes on as the last slope.

    Returns
    -------
    DataFrame
        ``intercept``, ``trend`` (weeks since the origin), the bends, ``sin1``, ``cos1``, ...,
        ``christmas_new_year``, ``july``, then the events and controls.
    """
    index = pd.DatetimeIndex(index)
    origin = index[0] if origin is None else pd.Timestamp(origin)
    cols: dict[str, np.ndarray] = {"intercept": np.ones(len(index))}
    if spec.trend:
        cols["trend"] = np.asarray((index - origin).days / 7.0, dtype=float)
    weeks = np.asarray((index - origin).days / 7.0, dtype=float)
    for k in knots:
        cols[f"bend{int(k)}"] = np.maximum(0.0, weeks - float(k))
    thu = index + pd.Timedelta(days=3)
    phase = 2.0 * np.pi * (np.asarray(thu.day_of_year, dtype=float) - 1.0) / 365.25
    for k in range(1, spec.seasonality + 1):
        cols[f"sin{k}"] = np.sin(k * phase)
        cols[f"cos{k}"] = np.cos(k * phase)
    if spec.holidays == "fi":
        cols["christmas_new_year"], cols["july"] = _holiday_flags(index)
    for extra in (events, controls):
        if extra is None:
            continue
        for name in extra.columns:
            key = name if name not in cols else f"data_{name}"
            cols[key] = np.asarray(extra[name], dtype=float)
    return pd.DataFrame(cols, index=index)


def independent_columns(design: pd.DataFrame, protected: int = 1) -> tuple[list[str], list[tuple[str, str]]]:
    """Columns of `design` that add something to the ones before them; the others with a reason.

    A column is dropped when it does not vary (an event that never happens) or when it is, up to
    rounding, a combination of the columns kept before it (an event column that repeats the
    built-in holiday dips, a control that is a copy of another). The first `protected` columns
    (the intercept) are always kept.

    Returns
    -------
    keep : list of str
    dropped : list of (column, reason) with reason ``"constant"`` or ``"duplicate"``
    """
    keep: list[str] = []
    dropped: list[tuple[str, str]] = []
    kept_values: list[np.ndarray] = []
    for pos, name in enumerate(design.columns):
        col = design[name].to_numpy(dtype=float)
        if pos < protected:
            keep.append(name)
            kept_values.append(col)
            continue
        if np.ptp(col) <= 0:
            dropped.append((name, "constant"))
            continue
        basis = np.column_stack(kept_values)
        coef, *_ = np.linalg.lstsq(basis, col, rcond=None)
        rest = col - basis @ coef
        centred = col - col.mean()
        if float(rest @ rest) <= 1e-10 * max(float(centred @ centred), 1e-300):
            dropped.append((name, "duplicate"))
            continue
        keep.append(name)
        kept_values.append(col)
    return keep, dropped
