"""Which likelihood family runs, the weights of a count family, and the final linear fit.

`choose_family` decides ``family: auto``; `count_weights` weighs each week by the family's
variance; `statsmodels_fit` fits the linear part at the mode in statsmodels (Newey-West least
squares, or an identity-link GLM that falls back to weighted least squares when it fails).
"""

from __future__ import annotations

import math
import warnings as _warnings

import numpy as np
import pandas as pd
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import OLS, WLS
from statsmodels.tools.sm_exceptions import ConvergenceWarning, DomainWarning

from planner.inference.model.layout import label

__all__ = [
    "COUNT_MEDIAN_MAX",
    "OVERDISPERSION",
    "choose_family",
    "count_weights",
    "pearson_dispersion",
    "statsmodels_fit",
]

#: ``family: auto`` chooses a count family when the weighted encounters are whole numbers and their
#: median week is at most this (larger counts are as well served by least squares).
COUNT_MEDIAN_MAX = 500
#: ... and a negative binomial instead of Poisson when the Pearson dispersion exceeds this.
OVERDISPERSION = 1.5


def choose_family(y: np.ndarray, requested: str) -> tuple[str, str]:
    """The family that runs and why (a sentence), for ``model.family`` = `requested`.

    ``auto``: a count family when every week's weighted encounters are whole, non-negative numbers
    and the median week is at most COUNT_MEDIAN_MAX (Poisson; the negative binomial is chosen
    later, once the Pearson dispersion of a Poisson fit is known); otherwise ``ols``.
    """
    y = np.asarray(y, dtype=float)
    if requested != "auto":
        return requested, f"{requested.replace('_', ' ')} as set in the params file"
    whole = bool(np.all(np.abs(y - np.round(y)) < 1e-9) and np.all(y >= 0))
    median = float(np.median(y)) if y.size else 0.0
    if whole and median <= COUNT_MEDIAN_MAX:
        return "poisson", (
            f"the weighted encounters are whole counts with a median of {median:,.0f} a week "
            f"(at most {COUNT_MEDIAN_MAX}), so a count family suits them better than least squares"
        )
    why = "are not whole numbers" if not whole else f"are large counts (median {median:,.0f} a week)"
    return "ols", f"least squares: the weighted encounters {why}"


def pearson_dispersion(y: np.ndarray, mu: np.ndarray, n_params: int) -> float:
    mu = np.maximum(mu, 0.5)
    return float(np.sum((y - mu) ** 2 / mu) / max(y.size - n_params, 1))


def count_weights(family: str, y: np.ndarray, mu0: np.ndarray) -> tuple[np.ndarray, float]:
    """sqrt of 1/variance: Poisson var = mu; negative binomial var = mu + alpha mu^2 (moments)."""
    floor = max(0.5, 1e-3 * float(np.mean(np.abs(y))))
    mu = np.maximum(mu0, floor)
    alpha = 0.0
    if family == "negative_binomial":
        alpha = max(0.0, float(np.sum((y - mu) ** 2 - mu) / np.sum(mu**2)))
    var = mu + alpha * mu**2
    sw = 1.0 / np.sqrt(var)
    return sw / sw.mean(), alpha


def statsmodels_fit(family, y, h, cats, design, beta_ls, gamma_ls, sw, alpha):
    """Final linear fit at the mode; spend effects the constrained solution holds at zero stay out.

    Returns the statsmodels results, beta, gamma and the family that actually ran: a count GLM that
    fails to converge (or leaves the region of positive means) falls back to weighted least squares.
    """
    names = [label(c, "beta") for c in cats]
    n = y.size
    ran = family
    active = [j for j in range(len(cats)) if beta_ls[j] > 0]
    for _ in range(len(cats) + 1):
        exog = pd.concat(
            [pd.DataFrame(h[:, active], index=design.index, columns=[names[j] for j in active]), design],
            axis=1,
        )
        if family == "ols":
            lags = int(math.floor(4 * (n / 100.0) ** (2.0 / 9.0)))
            res = OLS(y, exog).fit(cov_type="HAC", cov_kwds={"maxlags": max(lags, 1)})
        else:
            link = families.links.Identity()
            fam = (
                families.Poisson(link=link)
                if family == "poisson"
                else families.NegativeBinomial(link=link, alpha=max(alpha, 1e-8))
            )
            start = np.concatenate([beta_ls[active], gamma_ls])
            try:
                with np.errstate(all="ignore"), _warnings.catch_warnings():
                    # the identity link is chosen on purpose (see the module docstring)
                    _warnings.simplefilter("ignore", DomainWarning)
                    _warnings.simplefilter("error", ConvergenceWarning)
                    res = GLM(y, exog, family=fam).fit(start_params=start, maxiter=100)
                if not np.all(np.isfinite(res.params)) or np.any(res.fittedvalues <= 0):
                    raise ValueError("identity-link GLM left the valid region")
                ran = family
            except Exception:  # noqa: BLE001 - fall back to the weighted least squares solution
                res = WLS(y, exog, weights=sw**2).fit()
                ran = "wls"
        b = res.params.to_numpy()
        negative = [active[i] for i in range(len(active)) if b[i] < 0]
        if not negative:
            break
        active = [j for j in active if j not in negative]
    beta = np.zeros(len(cats))
    beta[active] = b[: len(active)]
    gamma = b[len(active) :]
    return res, beta, gamma, ran
