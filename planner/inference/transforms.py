"""Carryover (normalised geometric adstock) and saturation (Hill) curves.

Shared by the synthetic generator, the encounter model and the optimiser; see docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.signal import lfilter

__all__ = ["BACKCAST_WEEKS", "adstock", "backcast", "hill", "spend_plan"]

#: Weeks of the data that stand in for the unseen weeks before it (see `backcast`).
BACKCAST_WEEKS = 26


def _per_column(value, columns):
    """Align a Mapping or Series given per column to ``columns``; pass anything else through."""
    if isinstance(value, (Mapping, pd.Series)) and columns is not None:
        return pd.Series(value, dtype=float).reindex(columns).to_numpy()
    return value


def _wrap(out: np.ndarray, like):
    """Return ``out`` as the pandas type of ``like`` (same index and columns), else as is."""
    if isinstance(like, pd.DataFrame):
        return pd.DataFrame(out, index=like.index, columns=like.columns)
    if isinstance(like, pd.Series):
        return pd.Series(out, index=like.index, name=like.name)
    return out


def adstock(x, decay, initial=None):
    """Normalised geometric adstock: ``a[t] = decay * a[t-1] + (1 - decay) * x[t]``.

    A steady spend ``x`` gives ``a = x``, so the state stays in euros per week.

    Parameters
    ----------
    x : array_like, pandas.Series or pandas.DataFrame
        Spend per week, shape (weeks,) or (weeks, columns); 2-D input is filtered column-wise.
    decay : float or array_like
        Carryover rate in [0, 1). For 2-D input either one value or one per column (a Mapping or
        Series is aligned to the DataFrame's columns).
    initial : float or array_like, optional
        The state before the first week, ``a[-1]`` (one per column for 2-D input). By default the
        steady state of the first week's spend, ``a[-1] = x[0]``. Pass a model's or truth's
        ``last_state`` to continue a series past the end of the data.

    Returns
    -------
    numpy.ndarray, pandas.Series or pandas.DataFrame
        The adstocked series, same shape (and pandas type, index and columns) as ``x``.

    Raises
    ------
    ValueError
        If ``decay`` is outside [0, 1), ``x`` is not 1-D or 2-D, or the shapes do not match.

    Examples
    --------
    >>> adstock([10.0, 10.0, 0.0, 0.0], 0.5)
    array([10. , 10. ,  5. ,  2.5])
    >>> adstock([0.0, 0.0], 0.5, initial=8.0)
    array([4., 2.])
    """
    columns = x.columns if isinstance(x, pd.DataFrame) else None
    values = np.asarray(x, dtype=float)
    lam = np.asarray(_per_column(decay, columns), dtype=float)
    if values.ndim not in (1, 2):
        raise ValueError(f"adstock expects a 1-D or 2-D series, got {values.ndim} dimensions")
    if not np.all((lam >= 0) & (lam < 1)):
        raise ValueError(f"decay must be in [0, 1), got {lam.tolist()}")
    if values.shape[0] == 0:
        return _wrap(values.copy(), x)
    width = values.shape[1:]  # () for 1-D, (columns,) for 2-D
    if lam.ndim > len(width):
        raise ValueError(f"one decay per column expected, got shape {lam.shape} for x {values.shape}")
    lam = np.broadcast_to(lam, width)
    if initial is None:
        start = values[0]
    else:
        start = np.broadcast_to(np.asarray(_per_column(initial, columns), dtype=float), width)

    # lfilter's state carries decay * a[t-1] into the next output, hence zi = decay * a[-1].
    if lam.ndim == 0 or np.all(lam == lam.flat[0]):
        lam0 = float(lam.flat[0])
        zi = (lam0 * np.atleast_1d(start))[None, ...] if values.ndim == 2 else [lam0 * start]
        out, _ = lfilter([1.0 - lam0], [1.0, -lam0], values, axis=0, zi=zi)
    else:
        out = np.empty_like(values)
        for j, lam_j in enumerate(lam):
            out[:, j], _ = lfilter([1.0 - lam_j], [1.0, -lam_j], values[:, j], zi=[lam_j * start[j]])
    return _wrap(out, x)


def backcast(x, decay, weeks: int = BACKCAST_WEEKS):
    """The carryover state before the first week, ``a[-1]``, estimated from the first weeks.

    The state is ``(1 - decay) * sum_k decay**k * x[-1-k]``, a weighted average of the spend before
    the data, which is unseen. Spend that is as likely to run forward as backward in time makes
    the first weeks, read backwards, a fair stand-in: the weighted average of ``x[0..weeks-1]``
    with weights ``decay**k``. With no carryover (decay 0) that is ``x[0]``, the steady state of the
    first week's spend. A start state taken from one week alone can be far off when that week was
    unusual (a holiday, a burst), and the error then lands on the effects.

    Parameters
    ----------
    x : array_like
        Spend per week, (weeks,) or (weeks, columns).
    decay : float or array_like
        Carryover rate(s) in [0, 1), broadcasting against the columns of ``x``; leading dimensions
        (e.g. one row of decays per draw) broadcast too.
    weeks : int
        How many of the first weeks stand in for the unseen past.

    Returns
    -------
    numpy.ndarray
        ``a[-1]``, the shape of ``decay`` broadcast against ``x[0]``.

    Examples
    --------
    >>> backcast([10.0, 20.0, 20.0], 0.0)
    array(10.)
    >>> float(backcast([10.0, 20.0], 0.5))  # (10 + 0.5 * 20) / 1.5
    13.333333333333334
    """
    values = np.asarray(x, dtype=float)[:weeks]
    lam = np.asarray(decay, dtype=float)[..., None] * np.ones(values.shape[1:])[..., None]
    powers = lam ** np.arange(values.shape[0])  # (..., columns, k)
    series = np.moveaxis(values, 0, -1)  # (columns, k)
    return np.asarray(np.sum(powers * series, axis=-1) / np.sum(powers, axis=-1))


def spend_plan(spend, categories) -> np.ndarray:
    """A weekly spend plan as a (weeks, len(categories)) array, checked.

    Parameters
    ----------
    spend : pandas.DataFrame or array_like
        One row per week; a DataFrame needs a column per category, an array is read in that order.
    categories : sequence of str

    Raises
    ------
    ValueError
        If a category's column is missing, the shape is wrong, or a value is negative or not finite.
    """
    cats = list(categories)
    if isinstance(spend, pd.DataFrame):
        missing = [c for c in cats if c not in spend.columns]
        if missing:
            raise ValueError(f"the spend plan lacks column(s) {', '.join(missing)}")
        spend = spend[cats]
    x = np.asarray(spend, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(cats):
        raise ValueError(f"spend must be (weeks, {len(cats)}), got shape {x.shape}")
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("spend must not be negative (nor missing or infinite)")
    return x


def hill(a, half_saturation, shape):
    """Hill saturation ``a**s / (a**s + k**s)``, between 0 and 1.

    Parameters
    ----------
    a : array_like, pandas.Series or pandas.DataFrame
        Adstocked spend in euros per week; negative values count as zero.
    half_saturation : float or array_like
        ``k`` > 0, the spend (EUR/week) at which the curve reaches 0.5. Broadcasts against ``a``
        (one value per column for 2-D input; a Mapping or Series is aligned to the columns).
    shape : float or array_like
        ``s`` > 0; ``s > 1`` gives an S-shaped curve, ``s <= 1`` a concave one.

    Returns
    -------
    numpy.ndarray, pandas.Series or pandas.DataFrame
        The saturation level, same shape (and pandas type) as ``a``.

    Raises
    ------
    ValueError
        If ``half_saturation`` or ``shape`` is not positive.

    Examples
    --------
    >>> hill([0.0, 5000.0, 1e12], 5000.0, 2.0)
    array([0. , 0.5, 1. ])
    """
    columns = a.columns if isinstance(a, pd.DataFrame) else None
    k = np.asarray(_per_column(half_saturation, columns), dtype=float)
    s = np.asarray(_per_column(shape, columns), dtype=float)
    if not np.all(k > 0):
        raise ValueError(f"half_saturation must be > 0, got {k.tolist()}")
    if not np.all(s > 0):
        raise ValueError(f"shape must be > 0, got {s.tolist()}")
    # Written as 1 / (1 + (k/a)**s): no overflow for large a, and a = 0 gives exactly 0.
    # Division by zero and overflow both mean "no saturation yet" and give exactly 0.
    with np.errstate(divide="ignore", over="ignore"):
        ratio = k / np.maximum(np.asarray(a, dtype=float), 0.0)
        out = 1.0 / (1.0 + ratio**s)
    return _wrap(out, a)
