"""The encounter model: how many quality-weighted encounters each category's spend generates.

`EncounterModel(dataset, spec).fit()` returns `ModelResults`: weekly encounters explained by the
three categories' spend, each through geometric carryover and Hill saturation (effects >= 0), on
top of a baseline of trend, yearly season, Finnish holidays, events and controls.

How it is estimated
-------------------
A posterior, computed in `planner.inference.posterior`. For given carryover and saturation parameters (per
category: decay, half-saturation as a multiple of the category's mean weekly spend, shape) the
rest of the model is linear: the baseline is projected out and the three spend effects are solved
exactly under ``beta >= 0``. The nine nonlinear parameters get an explicit prior, a Gaussian
centred on the middle of each search range with sd ``spec.prior_sd`` on the unit scale of the
range (log scale for half-saturation and shape), truncated to the range. Their posterior (the
linear part profiled, the noise variance integrated out) is sampled with emcee's ensemble sampler
started around the posterior mode; for every kept draw the linear part is drawn from its own
conditional posterior. Shares, curves, scenario outcomes and gains are posterior means and
percentiles of the same draws: weekly data rarely pin down all nine nonlinear parameters, and an
average over the flat ridges they leave is a better answer than any one point on them.

The first ``WARMUP_WEEKS`` weeks only warm the carryover up: the spend before the data is unseen
(its state is estimated by `planner.inference.transforms.backcast`), so those weeks' encounters stay out of
the likelihood instead of pushing their misfit onto the effects.

The errors may run in streaks (a baseline that misses a pattern does that): their first-order
autocorrelation, measured on the residuals at the mode, enters the likelihood as an AR(1) error
process (Prais-Winsten), so streaks widen the intervals instead of reading as signal.

The last ``spec.holdout_weeks`` weeks are forecast blind by the posterior mode of a fit without
them, and rolling-origin cross-validation (``spec.cv_folds`` folds) checks forecasts the same way;
both feed the quality mark. Nothing in the estimate looks at how effect shares compare with spend
shares.

Families: ``auto`` (the default) picks a count family when the weighted encounters are small whole
numbers (see `choose_family`), else ``ols``. ``ols`` is least squares (the final linear fit in
statsmodels with Newey-West errors). ``poisson`` and ``negative_binomial`` keep the model additive
(an identity link): each week is weighted by the family's variance and the final linear part is a
statsmodels GLM; a GLM that does not converge falls back to weighted least squares with a warning.

Baseline form (``spec.baseline_form``): ``additive`` adds the season and the holiday dips to the
encounters; ``multiplicative`` multiplies every week's encounters, spend-driven ones included, by
``m_t = exp(S_t delta)`` over the season's harmonics and holiday columns (`planner.inference.model.season`),
estimated before the fit and held fixed in the draws; ``auto`` (the default) takes the
multiplicative form only when it forecasts the cross-validation folds better and fits the data
weeks better (`planner.inference.diagnostics.choose_baseline_form`). Given ``m`` the fit is the additive
model's own problem on ``y / m``, so the posterior, the checks and the results read the same; every
number reported is in the encounters' own scale.

Draw ``i`` of everything is seeded from ``spec.seed``: the same data and params give the same
numbers.

The package, by job
-------------------
``design``       the baseline columns (trend, season, holidays, events, controls) and which add anything
``season``       the multiplicative season: its multiplier and the regressions that estimate it
``families``     the likelihood family (``auto``), count weights, the final statsmodels fit and its fallback
``estimation``   `EncounterModel`: the mode, error correlation, lift tests, holdout, cross-validation, draws
``uncertainty``  draws -> shares, intervals, response curves, slopes and saturation levels
``results``      `ModelResults`: parameters, contributions, the response protocol, results.json sections
``summary``      `ModelSummary` and the checks table, as text and HTML
``messages``     the warnings the model emits, as ``{code, text, context}``
``layout``       how the parameters are named and laid out per category
The checks and the judgements built on them (quality, the claim verdict, the spend/effect gap)
live in `planner.inference.diagnostics` with their thresholds.
"""

from __future__ import annotations

from planner.inference.model.design import baseline_design, independent_columns
from planner.inference.model.estimation import (
    CV_STARTS,
    EXPERIMENT_DISAGREEMENT_Z,
    MAX_RHO,
    MIN_TRAIN_WEEKS,
    N_STARTS,
    SEASON_REFINEMENTS,
    SEASON_ROUNDS,
    WARMUP_WEEKS,
    EncounterModel,
)
from planner.inference.model.families import COUNT_MEDIAN_MAX, OVERDISPERSION, choose_family
from planner.inference.model.layout import PARAMETERS
from planner.inference.model.results import ModelResults
from planner.inference.model.summary import ModelSummary
from planner.inference.model.uncertainty import MIN_DRAWS_FOR_INTERVALS

__all__ = [
    "COUNT_MEDIAN_MAX",
    "CV_STARTS",
    "EXPERIMENT_DISAGREEMENT_Z",
    "MAX_RHO",
    "MIN_DRAWS_FOR_INTERVALS",
    "MIN_TRAIN_WEEKS",
    "N_STARTS",
    "OVERDISPERSION",
    "PARAMETERS",
    "SEASON_REFINEMENTS",
    "SEASON_ROUNDS",
    "WARMUP_WEEKS",
    "EncounterModel",
    "ModelResults",
    "ModelSummary",
    "baseline_design",
    "choose_family",
    "independent_columns",
]
