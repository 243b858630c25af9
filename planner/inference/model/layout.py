"""How the model's parameters are named and laid out, shared by estimation and results.

Per category: ``beta[cat]`` and the nonlinear ``decay``, ``half_saturation``, ``shape``
(PARAMETERS); a category left out of the fit has NaN there, filled with harmless values when the
curves are evaluated (its beta is 0).
"""

from __future__ import annotations

import numpy as np

__all__ = ["PARAMETERS", "filled", "label"]

PARAMETERS = ("decay", "half_saturation", "shape")


def label(cat: str, what: str) -> str:
    """The name of a parameter in ``params``: ``"decay[content]"``."""
    return f"{what}[{cat}]"


def filled(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decay, k, s from ``theta`` (..., 3 categories, 3 parameters) with NaN (left-out) filled.

    Works on the mode (3, 3) and on the draws (d, 3, 3) alike.
    """
    lam = np.nan_to_num(theta[..., 0], nan=0.0)
    k = np.nan_to_num(theta[..., 1], nan=1.0)
    s = np.nan_to_num(theta[..., 2], nan=1.0)
    return lam, k, s
