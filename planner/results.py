"""results.json as a typed contract: one pydantic model per section, validated when written, parsed when read.

Every reader of a run (brief, charts, batch summary, notebooks) gets a `Results` object from
`load_results` or `Pipeline.results()`; `json_schema()` is what `planner schema` prints and what
docs/results.schema.json holds.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from planner.objective import PlanObjective

__all__ = [
    "OPTIONAL_SECTIONS",
    "RESULTS_SCHEMA",
    "SECTIONS",
    "ActionReason",
    "Allocation",
    "Binding",
    "Bound",
    "Claim",
    "Contribution",
    "DataSection",
    "ExperimentCheck",
    "FrontierPoint",
    "Gain",
    "GainParts",
    "ModelSection",
    "NextTest",
    "PerCategory",
    "QualityReason",
    "Results",
    "ResultsError",
    "RunInfo",
    "Saturation",
    "Scenario",
    "SpendEffectGap",
    "build_section",
    "Warning",
    "json_schema",
    "load_results",
    "validate_section",
]

#: The version of the results.json layout these models describe.
RESULTS_SCHEMA = 2

Category = Literal["content", "design", "technology"]
T = TypeVar("T")


class ResultsError(ValueError):
    """results.json (or one of its sections) does not follow the contract."""


class _Section(BaseModel):
    """A section we own: unknown keys and NaN/inf are errors (write_json refuses NaN anyway)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)


class PerCategory(_Section, Generic[T]):
    """One value for each of the three categories, all required; reads like a mapping too."""

    content: T = Field(description="The value for content.")
    design: T = Field(description="The value for design.")
    technology: T = Field(description="The value for technology.")

    def __getitem__(self, category: str) -> T:
        if category not in ("content", "design", "technology"):
            raise KeyError(category)
        return getattr(self, category)

    def keys(self) -> tuple[str, ...]:
        return ("content", "design", "technology")

    def items(self) -> list[tuple[str, T]]:
        return [(c, self[c]) for c in self.keys()]

    def values(self) -> list[T]:
        return [self[c] for c in self.keys()]


class Shares(PerCategory[float]):
    """Shares per category (0-1)."""


class Euros(PerCategory[float]):
    """Euros per category."""


class Numbers(PerCategory[float]):
    """A number per category."""


class Flags(PerCategory[bool]):
    """A yes/no per category."""


# -- run, warnings -------------------------------------------------------------------------------


class RunInfo(_Section):
    """Where the run came from and when it ran."""

    params_file: str | None = Field(description="The params file the run read (absolute path); null when none.")
    started: datetime = Field(description="When the run started (ISO 8601, local time).")
    finished: datetime | None = Field(
        default=None, description="When the run finished; null while it is still running."
    )
    language: Literal["en", "fi"] = Field(description="The report language (params report.language).")


class Warning(_Section):
    """Something the reader should know about the data, the model or the plan."""

    code: str = Field(description="Stable identifier of the warning (the truth, with `context`).")
    text: str = Field(description="The English rendering from the message catalogue (planner.presentation.i18n).")
    context: dict[str, Any] = Field(
        default_factory=dict, description="The values the warning is about (category, numbers, names)."
    )


# -- data ------------------------------------------------------------------------------------------


class SpendByCategory(_Section):
    """Spend per category in euros, over all the data and over the current (last) horizon."""

    all_data: Euros = Field(description="Euros per category over all the weeks of the data.")
    current: Euros = Field(description="Euros per category over the last plan.horizon_weeks weeks.")


class SplitSection(_Section):
    """Share of spend per category, over all the data and over the current (last) horizon."""

    all_data: Shares = Field(description="Share of spend per category over all the weeks of the data.")
    current: Shares = Field(description="Share of spend per category over the last plan.horizon_weeks weeks.")


class DataSection(_Section):
    """The data the run read."""

    rows: int = Field(ge=0, description="Weeks in the data.")
    start: date = Field(description="First week of the data.")
    end: date = Field(description="Last week of the data.")
    sha256: str = Field(description="SHA-256 of the data file, to tell which data a run used.")
    horizon_weeks: int = Field(gt=0, description="The plan horizon; 'current' means its last this many weeks.")
    spend_by_category: SpendByCategory = Field(description="Euros per category, all data and current.")
    split: SplitSection = Field(description="Share of spend per category, all data and current.")


# -- model -----------------------------------------------------------------------------------------


class QualityReason(_Section):
    """Why the model got its quality mark."""

    code: str = Field(description="Stable identifier of the reason.")
    context: dict[str, Any] = Field(default_factory=dict, description="The numbers behind the reason.")


class Claim(_Section):
    """The 80/10-15/10-15 claim set against the model's contribution shares, judged by the model."""

    verdict: Literal["consistent", "partly", "contradicted", "inconclusive"] = Field(
        description="How the data stand to the claim."
    )
    category: Category | None = Field(
        default=None, description="The category the verdict is about (contradicted or partly); else null."
    )
    direction: Literal["more", "less"] | None = Field(
        default=None, description="Whether that category generates more or less than the claim gives it; else null."
    )
    bands: dict[Category, tuple[float, float]] = Field(
        description="The claim's share band [low, high] per category, as the verdict used it."
    )
    unidentified: list[Category] = Field(
        default_factory=list, description="Categories whose effect the data cannot show (see model.identification)."
    )
    unidentified_reasons: dict[Category, str] = Field(
        default_factory=dict, description="Why each of them cannot be shown (model.identification's reason)."
    )
    why: Literal["no_effect", "unidentified", "weak", "no_intervals", "wide"] | None = Field(
        default=None, description="What made an inconclusive verdict; null for the other verdicts."
    )
    text: str = Field(description="The verdict in English, for people reading the JSON.")


class Identification(_Section):
    """Whether the data can show a category's effect, and if not, why (judged before the fit)."""

    identified: bool = Field(description="Whether the data can show the category's effect.")
    reason: Literal["flat", "one_off", "follows_baseline", "too_little_variation", "collinear"] | None = Field(
        default=None,
        description="Why not: flat (spend never varied), one_off (bought in a few weeks), follows_baseline (it "
        "moved only with the trend, season or holidays, e.g. a licence step at renewal), too_little_variation "
        "(for the data's noise), collinear (it moved with another category's spend); null when identified.",
    )
    variation: float | None = Field(default=None, description="Sd over mean of the weekly spend.")
    one_off_weeks: int | None = Field(default=None, description="The fewest weeks that hold 80 % of the spend.")
    detectable: float | None = Field(
        default=None,
        description="The smallest effect the data could detect (80 % power, 5 % level) as a fraction of all "
        "encounters, given a baseline that may bend; null when nothing could be detected.",
    )
    detectable_given_others: float | None = Field(
        default=None, description="The same once the other identified categories are taken out."
    )
    smooth_ratio: float | None = Field(
        default=None, description="How many times the detectable effect grows when the baseline may bend."
    )


class SpendEffectGap(_Section):
    """The category whose share of spend exceeds its share of effect by the most."""

    category: Category = Field(description="The category.")
    spend_share: float = Field(description="Its share of spend over all the data.")
    effect_share: float = Field(description="Its share of the spend-driven encounters.")


class BaselineChoice(_Section):
    """How the baseline form was chosen: the rolling-origin CV of each form and what decided."""

    additive_rmse: float | None = Field(
        default=None, description="CV RMSE of the additive form (encounters a week); null when not computed."
    )
    multiplicative_rmse: float | None = Field(
        default=None, description="CV RMSE of the multiplicative form (encounters a week); null when not computed."
    )
    additive_fit_rmse: float | None = Field(
        default=None, description="RMSE of the additive form's fit to the data weeks; null when not computed."
    )
    multiplicative_fit_rmse: float | None = Field(
        default=None, description="RMSE of the multiplicative form's fit to the data weeks; null when not computed."
    )
    chosen_by: Literal["params", "cv", "no_season", "no_cv"] = Field(
        description="params: set in the params file; cv: auto compared the forms, multiplicative only when it "
        "forecast the folds better by planner.inference.diagnostics.MULTIPLICATIVE_CV_GAIN and fitted the data "
        "weeks better by MULTIPLICATIVE_FIT_AIC; no_season: no seasonal column, so the forms are the same model; "
        "no_cv: auto without folds to compare, additive."
    )


class Saturation(_Section):
    """How saturated a category is at the current weekly spend."""

    level: float | None = Field(
        ge=0,
        le=1,
        description="The Hill curve h(a) at the current weekly spend (0-1); null for a category left out of the fit.",
    )
    marginal_cost_per_encounter: float | None = Field(
        description="Euros per extra encounter at the current spend; null when the curve is flat."
    )


class ExperimentCheck(_Section):
    """A lift test from the params set against the model's prediction."""

    name: str = Field(description="The experiment's name in the params file.")
    category: Category = Field(description="The category whose spend changed.")
    weeks: int = Field(description="Weeks the test ran.")
    spend_change_eur_per_week: float = Field(description="The spend change during the test, euros per week.")
    measured: float = Field(description="The measured lift in encounters.")
    measured_se: float = Field(description="Standard error of the measured lift.")
    predicted_before: float | None = Field(description="The lift a fit without the tests predicts; null if not fitted.")
    predicted: float = Field(description="The calibrated model's predicted lift (posterior mean).")
    low: float = Field(description="Lower end of the predicted lift's interval.")
    high: float = Field(description="Upper end of the predicted lift's interval.")
    disagrees: bool = Field(description="Whether the test and the model disagree beyond their uncertainty.")


class PoolingCategory(_Section):
    """How far one category's regional effects were pooled."""

    between_region_sd: float | None = Field(
        description="Estimated sd of the regions' effects around the market's, relative to the market's effect; "
        "null when the market's effect is 0."
    )
    pooling: float = Field(
        ge=0, le=1, description="Mean weight of the market's effect in a region's (1: fully pooled)."
    )


class RegionDisagrees(_Section):
    """A region whose own estimate lies beyond what pooling allows."""

    region: str = Field(description="The region, or the brand (or 'brand / region') when model.pooling.unit says so.")
    category: Category = Field(description="The category.")
    z: float = Field(description="Its own deviation from the market's effect in sds of the pooled spread.")


class RegionBorrows(_Section):
    """A region with little data on a category: its effect is mostly the market's."""

    region: str = Field(description="The region, or the brand (or 'brand / region') when model.pooling.unit says so.")
    category: Category = Field(description="The category.")
    pooled_weight: float = Field(ge=0, le=1, description="Weight of the market's effect in the region's.")


class Pooling(_Section):
    """The pooled model over regions or brands: what it pooled, how far, and where pooling does not hold."""

    unit: Literal["region", "brand", "brand x region"] = Field(
        default="region",
        description="What the pooled units are: region (data.region), brand (data.group, or a batch's pool key) "
        "or brand x region (both; a unit is named 'brand / region').",
    )
    units: int | None = Field(
        default=None, ge=2, description="How many units the estimate pools; null in older files (see regions)."
    )
    regions: int = Field(
        ge=2,
        description="How many units the estimate pools (under its first name: the number of brands, or brand "
        "and region pairs, when unit says so).",
    )
    names: list[str] = Field(description="The units (regions, brands or 'brand / region'), in the data's order.")
    categories: dict[Category, PoolingCategory] = Field(description="Per identified category, its pooling.")
    disagree: list[RegionDisagrees] = Field(
        default_factory=list, description="Regions that disagree (warning regions_disagree)."
    )
    borrowing: list[RegionBorrows] = Field(
        default_factory=list, description="Regions that borrow strength (warning region_borrows_strength)."
    )


class ModelSection(_Section):
    """The fitted encounter model and every judgement made on it."""

    family: str = Field(description="The model family used (e.g. ols, poisson).")
    family_reason: str | None = Field(default=None, description="Why that family was chosen.")
    method: Literal["posterior", "mode"] = Field(
        description="posterior: estimates and intervals from posterior draws; mode: the posterior mode only."
    )
    baseline_form: Literal["additive", "multiplicative"] = Field(
        default="additive",
        description="additive: season and holiday dips add to the encounters; multiplicative: they scale every "
        "week's encounters, spend-driven ones included.",
    )
    baseline_choice: BaselineChoice | None = Field(
        default=None, description="The CV of both baseline forms and what chose the form; null in older files."
    )
    decay: dict[Category, float] = Field(description="Carryover rate per identified category.")
    half_saturation: dict[Category, float] = Field(
        description="Weekly spend (EUR) at which the Hill curve is half-way, per identified category."
    )
    shape: dict[Category, float] = Field(description="Hill shape per identified category.")
    beta: Numbers = Field(description="Encounters at full saturation per week, per category.")
    identified: Flags = Field(description="Whether the data can show each category's effect at all.")
    identification: dict[Category, Identification] = Field(
        default_factory=dict, description="Per category, whether the data can show its effect and why not."
    )
    baseline_bends: list[int] = Field(
        default_factory=list,
        description="Weeks (from the first) where the baseline's trend may bend: set when a category left out "
        "of the fit may have a slow or one-off effect (a licence step, a platform bought once), so that it lands "
        "in the baseline and not on the other categories; empty otherwise.",
    )
    fit: dict[str, Any] = Field(description="In-sample fit statistics (r2, mape, rmse, nrmse, ...).")
    holdout: dict[str, Any] = Field(description="Holdout checks (weeks, mape, nrmse, rmse, rmse_ratio); empty if none.")
    cv: dict[str, Any] = Field(description="Rolling-origin cross-validation; empty if none.")
    draws: int = Field(ge=0, description="Posterior draws behind the intervals (0: none).")
    sampler: dict[str, Any] | None = Field(default=None, description="Sampler diagnostics; null without draws.")
    interval: float = Field(gt=0, lt=1, description="Width of the reported intervals (e.g. 0.8).")
    seed: int | None = Field(description="Random seed of the fit.")
    quality: Literal["good", "fair", "weak"] = Field(description="The model's quality mark.")
    quality_reason: QualityReason = Field(description="Why the model got that mark.")
    claim: Claim = Field(description="The claim verdict.")
    spend_effect_gap: SpendEffectGap | None = Field(
        default=None,
        description="The category whose spend share (all data) exceeds its effect share by the most, when "
        "by at least 0.15 and the model is not weak; else null.",
    )
    saturation: dict[Category, Saturation] = Field(
        description="Saturation at the current weekly spend, per identified category."
    )
    experiments: list[ExperimentCheck] = Field(default_factory=list, description="Lift tests against the model.")
    pooling: Pooling | None = Field(
        default=None,
        description="With the pooled model over regions (docs/regions.md): how many regions the estimate pools "
        "and how far; null for a fit of the national totals.",
    )


class Contribution(_Section):
    """One category's share of the spend-driven encounters over the data."""

    share: float | None = Field(description="Share of the spend-driven encounters.")
    low: float | None = Field(description="Lower end of the share's interval; null without draws.")
    high: float | None = Field(description="Upper end of the share's interval; null without draws.")
    encounters: float | None = Field(description="Spend-driven encounters over the data.")
    cost_per_encounter: float | None = Field(description="Euros spent per encounter over the data.")
    marginal_cost_per_encounter: float | None = Field(description="Euros per extra encounter at the current spend.")
    identified: bool = Field(description="Whether the data can show this category's effect.")


class Contributions(PerCategory[Contribution]):
    """Contribution per category."""


class RegionCategory(_Section):
    """One category in one region, over the data (pooled model)."""

    encounters: float = Field(description="Spend-driven encounters (posterior mean).")
    low: float | None = Field(description="Lower end of its interval; null without draws.")
    high: float | None = Field(description="Upper end of its interval; null without draws.")
    share: float = Field(description="Share of the region's spend-driven encounters (posterior mean).")
    low_share: float | None = Field(description="Lower end of the share's interval; null without draws.")
    high_share: float | None = Field(description="Upper end of the share's interval; null without draws.")
    identified: bool = Field(description="Whether the data can show this category's effect.")


class RegionPlan(_Section):
    """One region's euros over the horizon (plan.by_region)."""

    region: str = Field(description="The region, or the brand (or 'brand / region') when model.pooling.unit says so.")
    current: Euros = Field(description="The last horizon's split at the plan's budget, per category.")
    recommended: Euros = Field(description="The recommended euros per category.")
    expected_encounters: float = Field(description="Spend-driven encounters of the recommended euros (steady state).")
    expected_encounters_current: float = Field(description="The same for the current euros.")


class RegionalAllocation(_Section):
    """The plan split by category and region (docs/regions.md)."""

    regions: list[RegionPlan] = Field(description="Per region.")
    bounds_relaxed: bool = Field(
        description="Whether the region share bounds had to be dropped to meet the national category totals."
    )


class RegionContributions(_Section):
    """One region's contributions (pooled model)."""

    region: str = Field(description="The region, or the brand (or 'brand / region') when model.pooling.unit says so.")
    size: float = Field(ge=0, le=1, description="Its share of all encounters over the data.")
    categories: PerCategory[RegionCategory] = Field(description="Per category.")


def _omitted(value: Any) -> bool:
    """Optional plan fields are left out of results.json when they do not apply (null), so a plan
    for encounters without experience data writes the same section as before they existed."""
    return value is None


class NextTest(_Section):
    """The most informative feasible lift test to run next."""

    category: Category = Field(description="The category whose spend the test changes.")
    spend_change_eur_per_week: float = Field(description="The spend change, euros per week.")
    weeks: int = Field(gt=0, description="How long the test runs.")
    expected_lift: float = Field(description="Encounters the change is expected to add.")
    detectable_lift: float = Field(description="The smallest lift the test detects with 80 % power.")
    power: float = Field(ge=0, le=1, description="Power to detect the expected lift.")
    powered: bool = Field(description="Whether the power reaches 80 %: a test worth running as designed.")
    measurement_se: float = Field(description="Standard error of the measured lift.")
    share_interval_now: tuple[float, float] = Field(description="The category's share interval now.")
    share_interval_after: tuple[float, float] = Field(description="Its expected share interval after the test.")
    candidates: int = Field(ge=1, description="How many test designs were compared.")
    design: Literal["time", "geo"] = Field(
        default="time",
        description="time: every region's spend changes together for the test's weeks, measured against the "
        "usual weeks; geo: the treated regions change spend while the control regions hold, measured as the "
        "difference in differences against a pre-period (data by region only).",
    )
    treated_regions: list[str] | None = Field(
        default=None, exclude_if=_omitted, description="The regions whose spend the geo split changes; absent for time."
    )
    control_regions: list[str] | None = Field(
        default=None, exclude_if=_omitted, description="The regions that hold their spend; absent for time."
    )

    @model_validator(mode="after")
    def _regions_with_geo(self) -> NextTest:
        geo = self.design == "geo"
        if geo != (self.treated_regions is not None) or geo != (self.control_regions is not None):
            raise ValueError("treated_regions and control_regions are given exactly when design is geo")
        if geo and (not self.treated_regions or not self.control_regions):
            raise ValueError("a geo split needs at least one treated and one control region")
        return self


# -- allocation ------------------------------------------------------------------------------------


class PlanEstimate(_Section):
    """A number of the plan with its interval."""

    value: float = Field(description="The expected value (the point estimate).")
    low: float | None = Field(description="Lower end of the interval; null without draws.")
    high: float | None = Field(description="Upper end of the interval; null without draws.")


class Scenario(_Section):
    """One split of the budget and what the model expects from it."""

    name: str | None = Field(default=None, description="The scenario's name (user scenarios only).")
    split: Shares = Field(description="Share of the budget per category.")
    euros: Euros = Field(description="Euros per category over the horizon.")
    expected_encounters: float = Field(description="Expected encounters over the horizon.")
    low: float | None = Field(description="Lower end of the interval; null without draws.")
    high: float | None = Field(description="Upper end of the interval; null without draws.")
    cost_per_encounter: float | None = Field(description="Euros per expected encounter; null when none expected.")
    value: PlanEstimate | None = Field(
        default=None,
        exclude_if=_omitted,
        description="The objective over the horizon in allocation.unit (deals, revenue or profit in EUR), "
        "with an interval carrying the uncertainty of both the encounters and their value; absent for "
        "the encounters objective.",
    )
    experience_change: PlanEstimate | None = Field(
        default=None,
        exclude_if=_omitted,
        description="Expected steady-state change of the customer-experience score against the current "
        "split (score points), with its interval; absent without experience data.",
    )


class ActionReason(_Section):
    """Why the plan chose its action."""

    code: Literal[
        "clearly_better",
        "no_uncertainty",
        "weak_model",
        "weak_no_direction",
        "no_better_split",
        "small_gain",
        "not_clearly_better",
        "no_draws",
        "unstable_on_refresh",
    ] = Field(description="Stable identifier of the reason.")
    text: str = Field(description="The reason in English.")
    context: dict[str, Any] = Field(default_factory=dict, description="The numbers behind the reason.")


class GainParts(_Section):
    """A value gain split into what content's warming adds and what the change in encounters brings."""

    warming: PlanEstimate = Field(description="What content's warming of the leads adds (allocation.unit).")
    encounters: PlanEstimate = Field(
        description="What the change in spend-driven encounters brings at the value of an encounter "
        "(allocation.unit); negative when the split buys fewer encounters."
    )


class Gain(_Section):
    """The candidate split's gain over the current split."""

    encounters: float = Field(description="Expected extra encounters over the horizon.")
    low: float | None = Field(description="Lower end of the gain's interval; null without draws.")
    high: float | None = Field(description="Upper end of the gain's interval; null without draws.")
    probability_better: float | None = Field(
        description="Share of posterior draws in which the candidate beats the current split in the "
        "objective; null without draws."
    )
    value: PlanEstimate | None = Field(
        default=None,
        exclude_if=_omitted,
        description="The gain in allocation.unit (deals, revenue or profit in EUR) with its interval; absent "
        "for the encounters objective.",
    )
    warming: float | None = Field(
        default=None,
        exclude_if=_omitted,
        description="The part of value.value (allocation.unit) that comes from content's carryover raising the "
        "close rate of every lead (the funnel's close-rate trend); absent without that trend.",
    )
    parts: GainParts | None = Field(
        default=None,
        exclude_if=_omitted,
        description="The value gain in two parts that add up to value.value, each with its interval: warming "
        "(= warming) and encounters (the change in encounters at the value of an encounter); absent without "
        "warming.",
    )


class Bound(_Section):
    """A category's share range as the optimiser applied it."""

    min: float = Field(ge=0, le=1, description="Smallest share allowed.")
    max: float = Field(ge=0, le=1, description="Largest share allowed.")


class Bounds(PerCategory[Bound]):
    """Share range per category."""


class Binding(_Section):
    """A bound the candidate split sits on."""

    category: Category = Field(description="The category.")
    side: Literal["min", "max"] = Field(description="Which end of its range binds.")
    share: float = Field(description="The share at that end.")


class FrontierPoint(_Section):
    """The best split at one budget level."""

    budget: float = Field(description="Total euros over the horizon.")
    expected_encounters: float | None = Field(description="Best expected encounters; null if infeasible.")
    low: float | None = Field(description="Lower end of the interval.")
    high: float | None = Field(description="Upper end of the interval.")
    split: Shares | None = Field(description="The best split at this budget; null if infeasible.")
    marginal_cost_per_encounter: float | None = Field(description="Euros per extra encounter at this budget.")
    value: PlanEstimate | None = Field(
        default=None,
        exclude_if=_omitted,
        description="The best split's objective at this budget in allocation.unit; absent for the encounters "
        "objective or where the level is infeasible.",
    )
    marginal_value: float | None = Field(
        default=None,
        exclude_if=_omitted,
        description="The objective's change per extra euro of budget at this level (for profit: margin times "
        "marginal revenue less one); absent for the encounters objective.",
    )


class BudgetLevel(_Section):
    """The profit objective's budget level: where one more euro on the best split stops paying for itself."""

    value: float = Field(description="Total euros over the horizon at which margin x marginal revenue falls to 1.")
    low: float | None = Field(description="Lower end of the interval; null without draws.")
    high: float | None = Field(description="Upper end of the interval; null without draws.")
    status: Literal["found", "above", "below"] = Field(
        description="found: within the levels searched; above: one more euro still pays at the highest level "
        "searched (value is that level, the level lies higher); below: it does not pay even at the lowest one."
    )


class ExperienceGuard(_Section):
    """The customer-experience guard: whether it was applied and whether it changed the best split."""

    applied: bool = Field(description="Whether plan.experience_guard made 'no expected fall' a constraint.")
    binds: bool = Field(
        description="Whether the best split within the bounds would lower the expected score without the "
        "guard (so the candidate is the best split that does not)."
    )
    feasible: bool = Field(description="Whether some split within the bounds keeps the expected score.")
    unguarded_split: Shares | None = Field(description="The best split without the guard, if it binds.")
    unguarded_change: PlanEstimate | None = Field(
        description="The expected score change of the best split without the guard, if it binds."
    )
    cost: float | None = Field(
        description="What the guard costs in allocation.unit: the best split's objective without the guard "
        "less the candidate's, if it binds."
    )


class Allocation(_Section):
    """The budget plan and every judgement made on it."""

    objective: PlanObjective = Field(
        default=PlanObjective.ENCOUNTERS, description="What the plan maximises (profit: margin x revenue - budget)."
    )
    unit: Literal["encounters", "deals", "EUR"] | None = Field(
        default=None,
        exclude_if=_omitted,
        description="The unit of the objective's numbers (value fields); absent for the encounters objective.",
    )
    total_budget: float = Field(ge=0, description="Euros over the horizon.")
    horizon_weeks: int = Field(gt=0, description="Weeks the plan covers.")
    interval: float = Field(gt=0, lt=1, description="Width of the intervals.")
    action: Literal["move", "keep", "test"] = Field(description="What to do, decided by the plan.")
    action_reason: ActionReason = Field(description="Why.")
    min_probability: float = Field(ge=0, le=1, description="Probability of beating the current split a move needs.")
    min_gain: float = Field(ge=0, description="Smallest gain worth a move, as a share of a horizon's encounters.")
    moved_eur: float = Field(ge=0, description="Euros moved: sum of the positive differences candidate - current.")
    moved_from: list[Category] = Field(
        description="Categories losing more than 1 % of the budget in the candidate, largest first."
    )
    moved_to: list[Category] = Field(
        description="Categories gaining more than 1 % of the budget in the candidate, largest first."
    )
    current: Scenario = Field(description="The current split (the last horizon of the data) at the budget.")
    candidate: Scenario = Field(description="The best split within the bounds.")
    recommended: Scenario = Field(description="What to spend: the candidate if the action is move, else current.")
    reference: Scenario = Field(description="The reference split (the claim) at the budget.")
    unbounded: Scenario | None = Field(default=None, description="The best split without bounds; null if not computed.")
    unbounded_differs: bool = Field(description="Whether the unbounded optimum differs from the candidate.")
    scenarios: list[Scenario] = Field(default_factory=list, description="The user's scenarios, in params order.")
    gain_vs_current: Gain = Field(description="The candidate's gain over the current split.")
    bounds: Bounds = Field(description="The share range per category as applied.")
    binding: list[Binding] = Field(default_factory=list, description="Bounds the candidate sits on.")
    held: list[Category] = Field(
        default_factory=list,
        description="Categories the model cannot show (not identified): every split keeps their current amount.",
    )
    frontier: list[FrontierPoint] = Field(default_factory=list, description="Best expected encounters by budget.")
    budget_level: BudgetLevel | None = Field(
        default=None,
        exclude_if=_omitted,
        description="Profit objective only: the total budget where one more euro stops paying for itself.",
    )
    experience_guard: ExperienceGuard | None = Field(
        default=None,
        exclude_if=_omitted,
        description="The customer-experience guard; absent without experience data.",
    )


# -- funnel (planner/inference/funnel.py): conversion two ways, value per encounter, experience -----------


class Estimate(_Section):
    """A funnel number with its interval."""

    value: float = Field(description="The estimate.")
    low: float | None = Field(default=None, description="Lower end of the interval.")
    high: float | None = Field(default=None, description="Upper end of the interval.")


class CloseRateTrend(_Section):
    """Whether the close rate of warmed leads moved with content's carryover."""

    slope: float = Field(description="Change of the close rate per EUR 1,000 a week of content carryover.")
    low: float | None = Field(default=None, description="Lower end of the slope's interval.")
    high: float | None = Field(default=None, description="Upper end of the slope's interval.")
    direction: Literal["up", "down", "unclear"] = Field(description="up/down when the interval excludes 0.")


class CloseRate(_Section):
    """Assisted deals per warmed lead over the data (Wilson interval) and its trend with content."""

    value: float = Field(description="The close rate.")
    low: float | None = Field(default=None, description="Lower end of its interval.")
    high: float | None = Field(default=None, description="Upper end of its interval.")
    trend: CloseRateTrend | None = Field(default=None, description="The regression on content's carryover.")


class DealValue(_Section):
    """Average revenue per deal, self-service against assisted."""

    self_service: Estimate = Field(description="Euros per self-service deal.")
    assisted: Estimate = Field(description="Euros per assisted deal.")
    difference: Estimate | None = Field(default=None, description="Self-service / assisted - 1.")


class ValueRoute(_Section):
    """What an encounter is worth by the direct regression and by the nested spend-model route."""

    direct: Estimate | None = Field(
        default=None,
        description="Along the funnel's links: leads per encounter x close rate x deal value, plus "
        "self-service deals per encounter x their value.",
    )
    nested: Estimate | None = Field(default=None, description="Regression on the spend-driven encounter draws.")
    disagree: bool = Field(
        description="Whether the two routes differ at the 95 % level (the nested draws minus the direct "
        "value exclude 0); informational, no warning: the nested route is a rough cross-check."
    )


class ExperienceSection(_Section):
    """The customer-experience score against the three categories' carryover."""

    effect: dict[Category, Estimate | None] = Field(
        description="Score change per EUR 1,000 a week of carryover, per category (null: spend never varied)."
    )
    unit: str = Field(description="The unit of the effects, in words.")
    current: float | None = Field(default=None, description="The mean score over the last horizon.")


class Chain(_Section):
    """Encounters -> leads -> deals -> revenue over the last horizon, with the rates between them."""

    weeks: int = Field(description="Weeks in the last horizon.")
    start: date = Field(description="Its first week.")
    end: date = Field(description="Its last week.")
    encounters: float = Field(description="Quality-weighted encounters.")
    leads: float | None = Field(default=None, description="Warmed leads.")
    deals: float | None = Field(default=None, description="Deals, both channels.")
    revenue: float | None = Field(default=None, description="Revenue, both channels, euros.")
    leads_per_encounter: float | None = Field(default=None, description="Leads per weighted encounter.")
    close_rate: float | None = Field(default=None, description="Assisted deals per lead.")
    deals_per_encounter: float | None = Field(default=None, description="Deals per weighted encounter.")
    revenue_per_deal: float | None = Field(default=None, description="Euros per deal.")
    revenue_per_encounter: float | None = Field(default=None, description="Euros per weighted encounter.")


class FunnelSentence(_Section):
    """One plain sentence of the funnel as a catalogue key and its numbers."""

    key: str = Field(description="The catalogue message key (planner.presentation.i18n).")
    context: dict[str, Any] = Field(default_factory=dict, description="The numbers it needs.")


class FunnelSection(_Section):
    """From encounters to revenue: conversion two ways, what an encounter is worth, experience."""

    interval: float = Field(gt=0, lt=1, description="Width of the intervals.")
    close_rate: CloseRate | None = Field(default=None, description="Close rate of warmed leads; null without leads.")
    deal_value: DealValue | None = Field(default=None, description="Deal value per channel; null without revenue.")
    self_service_revenue_share: Estimate | None = Field(default=None, description="Share of revenue self-service.")
    value_per_encounter: dict[Literal["revenue", "deals"], Estimate | None] | None = Field(
        default=None, description="Revenue and deals per quality-weighted encounter."
    )
    value_routes: dict[Literal["revenue", "deals"], ValueRoute] | None = Field(
        default=None, description="The two routes to the value per encounter, side by side."
    )
    experience: ExperienceSection | None = Field(default=None, description="Null without an experience score.")
    chain: Chain | None = Field(default=None, description="The last horizon's funnel.")
    sentences: list[FunnelSentence] = Field(default_factory=list, description="The sentences readers show.")


# -- forecast, track record and refresh stability ------------------------------------------------


class ForecastWeek(_Section):
    """One week of a split's forecast."""

    week_start: date = Field(description="The week (its Monday).")
    baseline: float = Field(description="Expected baseline encounters (trend, season, holidays, controls).")
    spend_driven: float = Field(description="Expected spend-driven encounters of this split.")
    total: float = Field(description="Expected total quality-weighted encounters (baseline + spend-driven).")
    low: float = Field(description="Lower end of the interval of the week's actual total (a week's noise included).")
    high: float = Field(description="Upper end of the interval of the week's actual total (a week's noise included).")


class ForecastTotal(_Section):
    """A total over the horizon with its interval."""

    total: float = Field(description="Expected total over the horizon.")
    low: float = Field(description="Lower end of the interval of the horizon's actual total.")
    high: float = Field(description="Upper end of the interval of the horizon's actual total.")


class ForecastScenario(_Section):
    """The forecast of one split."""

    weekly_spend: Euros = Field(description="Euros per week per category behind the forecast.")
    split: Shares = Field(description="Share of the spend per category.")
    total: ForecastTotal = Field(description="All quality-weighted encounters over the horizon.")
    value: ForecastTotal | None = Field(
        description="Under a deals or revenue objective, the value of all the horizon's encounters in "
        "forecast.unit; null otherwise."
    )
    weeks: list[ForecastWeek] = Field(description="Week by week.")


class ForecastNoise(_Section):
    """The noise of a week that the forecast's intervals include."""

    family: str = Field(description="The model's family.")
    sigma: float = Field(ge=0, description="Scale of the weighted innovations.")
    rho: float = Field(description="AR(1) correlation of the errors.")
    dof: int = Field(ge=1, description="Degrees of freedom of sigma (drawn per posterior draw).")
    inflation: float = Field(
        ge=1,
        description="sigma's factor over the residuals' own scale, so that the forecast's spread matches the "
        "model's cross-validated forecast errors (1: the residuals' scale).",
    )


class ReplayNoise(ForecastNoise):
    """The noise model in full, for a replay."""

    last: float = Field(description="The weighted error of the last data week (the AR(1) path's start).")
    alpha: float = Field(ge=0, description="Negative binomial overdispersion (0 otherwise).")
    weight_norm: float | None = Field(description="Count families: the weights' normalisation; null for ols.")


class ForecastReplay(_Section):
    """A thinned set of the model's posterior draws, so that a later run can forecast the same weeks
    again at the spend that actually happened (the track record scores that forecast)."""

    seed: int = Field(description="Seed of the noise.")
    decay: list[list[float]] = Field(description="Per draw, the decay per category.")
    half_saturation: list[list[float]] = Field(description="Per draw, the half-saturation (EUR/week) per category.")
    shape: list[list[float]] = Field(description="Per draw, the Hill shape per category.")
    beta: list[list[float]] = Field(description="Per draw, the encounters at full saturation per category.")
    state: list[list[float]] = Field(description="Per draw, the carryover state at the end of the data.")
    baseline: list[list[float]] = Field(description="Per draw, the baseline of each forecast week.")
    multiplier: list[float] = Field(description="The season's multiplier of each forecast week (1: additive).")
    noise: ReplayNoise = Field(description="The noise model of a week.")


class ForecastSection(_Section):
    """The run's forecast of its horizon, which later runs score (see track_record)."""

    horizon_weeks: int = Field(gt=0, description="Weeks forecast (plan.horizon_weeks).")
    interval: float = Field(gt=0, lt=1, description="Width of the intervals.")
    start: date = Field(description="First forecast week.")
    end: date = Field(description="Last forecast week.")
    data_start: date = Field(description="First week the model saw.")
    data_end: date = Field(description="Last week the model saw.")
    data_weeks_sha256: str = Field(description="Fingerprint of the data's weeks (a later run checks its copy).")
    data_columns: list[str] = Field(
        default_factory=list, description="The data's columns, by name, behind data_week_hashes."
    )
    data_week_hashes: list[str] = Field(
        default_factory=list,
        description="A short fingerprint of each week the model saw, from data_start on: a later run compares "
        "the weeks and columns both runs saw, so a rolling window or a new column is not a changed history.",
    )
    action: Literal["move", "keep", "test"] = Field(description="The plan's action when the forecast was made.")
    noise: ForecastNoise = Field(description="The noise model of a week.")
    scenarios: dict[Literal["current", "recommended"], ForecastScenario] = Field(
        description="The forecast of the current and the recommended split."
    )
    unit: str | None = Field(description="Unit of the scenarios' value (deals or EUR); null for encounters.")
    replay: ForecastReplay | None = Field(default=None, description="Draws to forecast the weeks again at any spend.")


class TrackRun(_Section):
    """One earlier run and how its forecast fared."""

    run: str = Field(description="The earlier run's folder name.")
    started: datetime | None = Field(description="When it started.")
    status: Literal["scored", "changed", "pending", "no_forecast"] = Field(
        description="scored; changed: the data of weeks it saw differ now (not scored); pending: its weeks "
        "are not all in the data yet; no_forecast: it wrote no forecast."
    )
    action: Literal["move", "keep", "test"] | None = Field(description="Its action.")
    start: date | None = Field(description="Its first forecast week.")
    end: date | None = Field(description="Its last forecast week.")
    scenario: Literal["current", "recommended"] | None = Field(
        description="The forecast scored: the split the actual spend was nearest to."
    )
    spend_matches: bool | None = Field(description="Whether the actual spend was near that split.")
    followed: bool | None = Field(description="Whether the actual spend was near the recommended split.")
    forecast: float | None = Field(
        description="Forecast total encounters of its weeks, made again from its draws at the spend that happened."
    )
    low: float | None = Field(description="Lower end of the forecast interval.")
    high: float | None = Field(description="Upper end of the forecast interval.")
    planned_forecast: float | None = Field(description="Its forecast for the split the spend was nearest to.")
    actual: float | None = Field(description="Actual total encounters of those weeks.")
    error: float | None = Field(description="actual / forecast - 1.")
    inside: bool | None = Field(description="Whether the actual total fell inside the interval.")
    weekly_coverage: float | None = Field(description="Share of its weeks inside the week's interval.")
    forecast_gain: float | None = Field(description="Followed moves: recommended minus current forecast.")
    realised_gain: float | None = Field(description="Followed moves: actual minus the current split's forecast.")


class TrackRecord(_Section):
    """Earlier runs' forecasts scored against the weeks that have happened since."""

    source: str | None = Field(description="The folder the earlier runs were read from; null when none.")
    interval: float | None = Field(description="Width of the scored intervals.")
    scored: int = Field(ge=0, description="Runs scored.")
    inside: int = Field(ge=0, description="Scored runs whose actual total fell inside the interval.")
    mean_abs_error: float | None = Field(description="Mean absolute error of the scored runs (fraction).")
    weekly_coverage: float | None = Field(description="Share of all scored weeks inside their interval.")
    followed: int = Field(ge=0, description="Scored runs whose plan was followed.")
    changed: int = Field(ge=0, description="Runs not scored because the data of their weeks changed.")
    pending: int = Field(ge=0, description="Runs whose forecast weeks are not all in the data yet.")
    runs: list[TrackRun] = Field(description="Each earlier run, oldest first.")


class RefitRow(_Section):
    """One refit on the history without its last weeks."""

    weeks_dropped: int = Field(gt=0, description="Weeks left out.")
    shares: dict[Category, float | None] | None = Field(description="Contribution shares of the refit.")
    candidate: Shares | None = Field(description="The refit's best split (same budget).")
    action: Literal["move", "keep", "test"] | None = Field(description="The refit's action.")
    reason: str | None = Field(description="The refit's action_reason code.")
    share_change: float | None = Field(description="Largest change of a contribution share against the run.")
    split_change: float | None = Field(description="Largest change of a best-split share against the run.")
    direction_holds: bool | None = Field(description="For a move: whether this refit keeps its direction.")
    error: str | None = Field(description="Why the refit could not run; null when it ran.")
    seconds: float = Field(ge=0, description="Time of the refit.")


class StabilitySection(_Section):
    """How the advice moves when the last weeks are left out (refresh stability)."""

    action: Literal["move", "keep", "test"] = Field(description="The plan's action before the check.")
    share_change: float | None = Field(description="Largest contribution-share change over the refits.")
    split_change: float | None = Field(description="Largest best-split share change over the refits.")
    action_differs: bool = Field(description="Whether any refit's action differs.")
    direction_holds: bool | None = Field(
        description="For a move: whether every refit keeps its direction (false: the move became a test "
        "with reason unstable_on_refresh); null otherwise."
    )
    seconds: float = Field(ge=0, description="Time the refits took.")
    refits: list[RefitRow] = Field(description="Each refit.")


# -- the whole file --------------------------------------------------------------------------------

#: Sections a finished run has; absent while the run is in progress.
OPTIONAL_SECTIONS = ("data", "model", "contributions", "allocation", "next_test")


class Results(BaseModel):
    """results.json, schema 2."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        title="planner results.json",
        json_schema_extra={"$comment": "Generated by `planner schema`; do not edit by hand."},
    )

    schema_: Literal[2] = Field(alias="schema", description="Version of this layout (2).")
    planner_version: str = Field(description="The planner version that wrote the file.")
    run: RunInfo = Field(description="The params file, the start and finish times and the language of the run.")
    params: dict[str, Any] = Field(description="The validated params (free-form here; see planner.reading.params).")
    warnings: list[Warning] = Field(default_factory=list, description="Warnings of the data, model and plan.")
    data: DataSection | None = Field(default=None, description="The data; absent while the run is in progress.")
    model: ModelSection | None = Field(default=None, description="The model; absent while the run is in progress.")
    contributions: Contributions | None = Field(
        default=None, description="Contribution per category; absent while the run is in progress."
    )
    next_test: NextTest | None = Field(
        default=None, description="The next lift test; null when none is needed or possible, absent while running."
    )
    allocation: Allocation | None = Field(default=None, description="The plan; absent while the run is in progress.")
    funnel: FunnelSection | None = Field(
        default=None, description="Leads, deals, revenue and experience; null without params funnel section."
    )
    forecast: ForecastSection | None = Field(default=None, description="The forecast of the horizon.")
    track_record: TrackRecord | None = Field(default=None, description="Earlier runs' forecasts, scored.")
    stability: StabilitySection | None = Field(default=None, description="The refits without the last weeks.")
    contributions_by_region: list[RegionContributions] | None = Field(
        default=None, description="Per region, its contributions (the pooled model over regions); absent otherwise."
    )
    allocation_by_region: RegionalAllocation | None = Field(
        default=None, description="The plan by category and region (plan.by_region); absent otherwise."
    )

    @property
    def schema(self) -> int:  # noqa: D102 - the JSON key, without shadowing BaseModel's class attribute
        return self.schema_

    def missing(self) -> list[str]:
        """The sections a finished run has and this one lacks (next_test counts when recorded as null)."""
        return [
            name
            for name in OPTIONAL_SECTIONS
            if name not in self.model_fields_set or (name != "next_test" and getattr(self, name) is None)
        ]

    def finished(self) -> bool:
        """Whether every section of a finished run is there."""
        return not self.missing()

    def to_dict(self) -> dict:
        """The JSON-ready dict, as written to results.json (sections not yet recorded left out)."""
        out = self.model_dump(mode="json", by_alias=True)
        for name in (
            *OPTIONAL_SECTIONS,
            "funnel",
            "forecast",
            "track_record",
            "stability",
            "contributions_by_region",
            "allocation_by_region",
        ):
            if name not in self.model_fields_set:
                out.pop(name, None)
        return out


#: The top-level keys and the model each one is validated against.
SECTIONS: dict[str, Any] = {
    "run": RunInfo,
    "warnings": list[Warning],
    "data": DataSection,
    "model": ModelSection,
    "contributions": Contributions,
    "allocation": Allocation,
    "next_test": NextTest | None,
    "funnel": FunnelSection | None,
    "forecast": ForecastSection | None,
    "track_record": TrackRecord | None,
    "stability": StabilitySection | None,
    "contributions_by_region": list[RegionContributions] | None,
    "allocation_by_region": RegionalAllocation | None,
}


def _where(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def _problems(exc: ValidationError, prefix: str = "") -> str:
    lines = []
    for err in exc.errors():
        loc = _where(((prefix,) if prefix else ()) + tuple(err["loc"]))
        lines.append(f"  {loc}: {err['msg']}")
    return "\n".join(lines)


def validate_section(name: str, value: Any):
    """Check one section of results.json against its model and return the parsed value.

    Parameters
    ----------
    name : str
        The top-level key, one of SECTIONS.
    value : object
        The section as plain JSON-ready data (or already a model).

    Returns
    -------
    The parsed section (a model, a list of Warning, or None for a null next_test).

    Raises
    ------
    ResultsError
        Naming every bad field by its path, e.g. ``allocation.action: Input should be 'move', ...``.
    KeyError
        If `name` is not a section.
    """
    from pydantic import TypeAdapter

    if name not in SECTIONS:
        raise KeyError(f"results.json has no section {name!r}; sections: {', '.join(SECTIONS)}")
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True)
    try:
        return TypeAdapter(SECTIONS[name]).validate_python(value)
    except ValidationError as exc:
        raise ResultsError(f"results.json section {name!r} does not follow schema 2:\n{_problems(exc, name)}") from None


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to results.json")


def build_section(name: str, value: Any):
    """A producer's section (numpy numbers, dates and all) as its typed model: what
    ``ModelResults.section()``, ``PlanResults.section()`` and ``FunnelResults.section()`` return.

    Raises
    ------
    ResultsError
        Naming every bad field, as `validate_section` does; NaN or infinity are refused too.
    """
    try:
        plain = json.loads(json.dumps(value, allow_nan=False, default=_jsonable))
    except ValueError as exc:
        raise ResultsError(f"results.json section {name!r} holds a number JSON cannot write ({exc})") from None
    return validate_section(name, plain)


def parse_results(value: dict, source: str = "results.json") -> Results:
    """Parse a results dict; `source` names it in the error message."""
    if not isinstance(value, dict):
        raise ResultsError(f"{source}: expected a JSON object, got {type(value).__name__}")
    schema = value.get("schema")
    if schema != RESULTS_SCHEMA:
        raise ResultsError(
            f"{source} has schema {schema!r}; this planner ({_version()}) reads schema {RESULTS_SCHEMA} only. "
            "Re-run the plan (`planner run PARAMS.yaml`) to write it in the current layout."
        )
    try:
        return Results.model_validate(value)
    except ValidationError as exc:
        raise ResultsError(f"{source} does not follow schema {RESULTS_SCHEMA}:\n{_problems(exc)}") from None


def load_results(path: str | Path, *, finished: bool = False) -> Results:
    """Read a run's results.json into a `Results` object.

    Parameters
    ----------
    path : str or Path
        The results.json file (or the run folder holding it).
    finished : bool, default False
        Also require every section of a finished run.

    Raises
    ------
    ResultsError
        Naming the file and every bad field; for a file of another schema, saying to re-run.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}: not valid JSON ({exc})") from None
    results = parse_results(value, str(path))
    if finished and not results.finished():
        raise ResultsError(f"{path}: the run is not finished; missing section(s): {', '.join(results.missing())}")
    return results


def json_schema() -> dict:
    """The JSON Schema of results.json (draft 2020-12), as published in docs/results.schema.json."""
    schema = Results.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _version() -> str:
    from planner import __version__

    return f"planner {__version__}"
