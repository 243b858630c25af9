"""The params file: one YAML file per planning run, validated against one schema.

`load(path)` reads a file safely and returns a `Params`; every problem is reported at once in a
`ParamsError` that names the file, the line, the key path and what was expected.
"""

from __future__ import annotations

import datetime
import difflib
import math
import unicodedata
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from planner import CATEGORIES
from planner.objective import PlanObjective as Objective

__all__ = [
    "Bound",
    "DataSpec",
    "DealColumns",
    "ExperimentSpec",
    "FunnelSpec",
    "ModelSpec",
    "OutputSpec",
    "Params",
    "ParamsError",
    "PlanSpec",
    "ReportSpec",
    "RunSpec",
    "RevenueColumns",
    "SpendSpec",
    "load",
    "load_dict",
]


class ParamsError(ValueError):
    """Invalid params file: `problems` lists every problem as one line each."""

    def __init__(self, path: str | Path | None, problems: list[str]):
        self.path = str(path) if path is not None else "<params>"
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{self.path}: {len(problems)} problem(s) in the params file:\n{lines}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def _check_split(value: dict[str, float], what: str) -> dict[str, float]:
    missing = [c for c in CATEGORIES if c not in value]
    if missing:
        raise ValueError(f"{what} needs a share for every category; missing: {', '.join(missing)}")
    if any(v < 0 or v > 1 for v in value.values()):
        raise ValueError(f"{what} shares must be between 0 and 1")
    total = sum(value.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ValueError(f"{what} shares must add up to 1 (they add up to {total:g})")
    return {c: float(value[c]) for c in CATEGORIES}


Category = Literal["content", "design", "technology"]


def _keyed(problems: list[tuple[tuple, str]]) -> PydanticCustomError:
    """One error carrying several problems, each at a key path below the validated object.

    A model validator can raise only one error, and pydantic locates it at the object; `_describe`
    expands this one into a located line per problem (`line 88: experiments[1].lift_se: ...`).
    """
    text = "; ".join(f"{'.'.join(map(str, sub)) or '(here)'}: {msg}" for sub, msg in problems)
    return PydanticCustomError("keyed", "{text}", {"text": text, "problems": problems})


class ReportSpec(_Strict):
    """What the brief is called and in which language it is written."""

    title: str = Field("Content-impact budget plan", description="Title of the brief and report.")
    organisation: str = Field("", description="Organisation name shown in the brief's header and footer.")
    language: Literal["en", "fi"] = Field("en", description="Language of the brief: en (English) or fi (Finnish).")


class SpendSpec(_Strict):
    """Spend columns per category; the sub-channel columns of a category are summed."""

    content: list[str] = Field(min_length=1, description="Columns of content spend (EUR), summed.")
    design: list[str] = Field(min_length=1, description="Columns of design spend (EUR), summed.")
    technology: list[str] = Field(min_length=1, description="Columns of technology spend (EUR), summed.")

    def columns(self) -> dict[str, list[str]]:
        return {c: list(getattr(self, c)) for c in CATEGORIES}


class DataSpec(_Strict):
    """Where the weekly (or daily) data lives and what its columns mean."""

    path: str = Field(description="Data file (CSV, .xlsx or .parquet), relative to the params file.")
    date_column: str = Field("week_start", description="Column holding the date of each row.")
    frequency: Literal["weekly", "daily"] = Field(
        "weekly", description="weekly: one row a week; daily: summed to weeks starting on Monday."
    )
    sheet: str | None = Field(
        None, description="Excel sheet to read (default: the first sheet whose first row holds date_column)."
    )
    decimal: Literal[",", "."] | None = Field(
        None,
        description="Decimal mark of the file's numbers: ',' (1 234,50) or '.' (1,234.50); "
        "default: decided per column from every cell.",
    )
    encounters: dict[str, float] = Field(
        min_length=1, description="Encounter columns and their quality weights (weight > 0)."
    )
    digital: list[str] | None = Field(
        None,
        description="Encounter columns that are digital (web, self-service, chat); "
        "default: columns whose name contains web, online, self, digital or chat.",
    )
    spend: SpendSpec = Field(description="Spend columns per category.")
    controls: list[str] = Field(default_factory=list, description="Numeric control columns.")
    events: list[str] = Field(default_factory=list, description="Event columns holding 0 or 1.")
    region: str | None = Field(
        None,
        description="Column naming each row's region, for data in long form (one row per week and region); "
        "the model reads the national weekly totals and the next test may be a geo split. Default: national data.",
    )
    group: str | None = Field(
        None,
        description="Column naming each row's brand (or business unit), for data in long form (one row per week "
        "and brand, or per week, brand and region with data.region): the pooled model fits every brand at once, "
        "each brand's effects partially pooled toward the others' (docs/regions.md). Default: one brand.",
    )
    header_row: int | None = Field(
        None,
        ge=1,
        description="Row number of the header (the column names) in the file, for title rows above it; "
        "default: the first row holding date_column.",
    )
    date_format: str | None = Field(
        None,
        description="How the date column is written, as a strptime format: '%d.%m.%Y' (29.1.2024), "
        "'%m/%d/%Y' (1/29/2024); default: ISO dates or day and month in an order decided from every cell.",
    )
    accept_outliers: list[str] = Field(
        default_factory=list,
        description="Columns whose cells far outside the column's usual range are right as they are "
        "(default: none; such a cell stops the run as a likely typo).",
    )

    @field_validator("date_format")
    @classmethod
    def _date_format_has_fields(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if "%d" not in v or "%m" not in v or ("%Y" not in v and "%y" not in v):
            raise ValueError("expected a strptime format with %d, %m and %Y, e.g. '%d.%m.%Y' or '%m/%d/%Y'")
        return v

    @field_validator("encounters")
    @classmethod
    def _weights_positive(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, w in v.items() if not (isinstance(w, (int, float)) and w > 0)]
        if bad:
            raise ValueError(f"quality weights must be numbers > 0; not so for: {', '.join(bad)}")
        return v

    @field_validator("region")
    @classmethod
    def _region_names_a_column(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("must name the column of each row's region; leave data.region out for national data")
        return v

    @field_validator("group")
    @classmethod
    def _group_names_a_column(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("must name the column of each row's brand; leave data.group out for one brand")
        return v

    @model_validator(mode="after")
    def _no_column_twice(self) -> DataSpec:
        seen: dict[str, str] = {}
        clashes = []
        named = [("date_column", [self.date_column]), ("encounters", list(self.encounters))]
        named += [(f"spend.{c}", cols) for c, cols in self.spend.columns().items()]
        named += [("controls", self.controls), ("events", self.events)]
        if self.region is not None:
            named.append(("region", [self.region]))
        if self.group is not None:
            named.append(("group", [self.group]))
        for where, cols in named:
            for col in cols:
                if col in seen and seen[col] != where:
                    clashes.append(f"'{col}' is in both {seen[col]} and {where}")
                seen.setdefault(col, where)
        if clashes:
            raise ValueError("a column can have only one role: " + "; ".join(clashes))
        if self.digital is not None:
            unknown = [c for c in self.digital if c not in self.encounters]
            if unknown:
                raise ValueError(f"digital names columns that are not encounter columns: {', '.join(unknown)}")
        return self

    def digital_columns(self) -> list[str]:
        """The digital encounter columns, as given or guessed from the column names."""
        if self.digital is not None:
            return list(self.digital)
        hints = ("web", "online", "self", "digital", "chat")
        return [c for c in self.encounters if any(h in c.lower() for h in hints)]


class SearchSpec(_Strict):
    """Search ranges of the nonlinear parameters; a result at a bound is reported."""

    decay: tuple[float, float] = Field((0.0, 0.9), description="Weekly carryover decay range, within [0, 1).")
    half_saturation: tuple[float, float] = Field(
        (0.2, 3.0), description="Half-saturation range, as multiples of the category's mean weekly spend."
    )
    shape: tuple[float, float] = Field((0.5, 3.0), description="Hill shape range (> 1 is S-shaped).")

    @model_validator(mode="after")
    def _ordered(self) -> SearchSpec:
        for name in ("decay", "half_saturation", "shape"):
            lo, hi = getattr(self, name)
            if not lo < hi:
                raise ValueError(f"{name}: the lower end must be below the upper end (got [{lo}, {hi}])")
        if not (0 <= self.decay[0] and self.decay[1] < 1):
            raise ValueError("decay must lie within [0, 1)")
        if self.half_saturation[0] <= 0 or self.shape[0] <= 0:
            raise ValueError("half_saturation and shape must be > 0")
        return self


class ModelSpec(_Strict):
    """How the encounter model is specified, estimated and checked."""

    family: Literal["auto", "ols", "poisson", "negative_binomial"] = Field(
        "auto",
        description="auto: a count family for small whole counts, else ols; ols (HAC errors) for large "
        "counts; poisson or negative_binomial for small counts.",
    )
    trend: bool = Field(True, description="Include a linear trend in the baseline.")
    seasonality: int = Field(2, ge=0, le=6, description="Yearly Fourier harmonics in the baseline (0 = none).")
    holidays: Literal["fi", "none"] = Field(
        "fi", description="fi: baseline dips at Christmas/New Year and in July; none: no holiday terms."
    )
    baseline_form: Literal["auto", "additive", "multiplicative"] = Field(
        "auto",
        description="How the yearly season and the holiday dips act: additive adds them to the encounters; "
        "multiplicative scales every encounter, spend-driven ones included; auto takes the multiplicative "
        "form only when it forecasts the cross-validation folds better.",
    )
    holdout_weeks: int = Field(13, ge=0, description="Last weeks kept out of the fit for a final check.")
    cv_folds: int = Field(
        4,
        ge=2,
        le=12,
        description="Rolling-origin cross-validation folds of the out-of-sample check behind the quality mark.",
    )
    search: SearchSpec = Field(default_factory=SearchSpec, description="Search ranges.")
    prior_sd: float = Field(
        0.25,
        gt=0,
        le=2,
        description="Sd of the prior on the carryover and saturation parameters, as a fraction of their "
        "search range (centred on its middle; log scale for half-saturation and shape).",
    )
    interval: float = Field(0.8, gt=0, lt=1, description="Width of the uncertainty intervals (0.8 = 80 %).")
    draws: int = Field(
        500, ge=0, le=5000, description="Posterior draws behind the intervals (0 = the posterior mode only)."
    )
    n_bootstrap: int | None = Field(
        None, ge=0, le=5000, description="Deprecated: the former name of draws; used as draws when given."
    )
    block_weeks: int | None = Field(None, ge=1, description="Deprecated: no effect (the bootstrap is gone).")
    seed: int = Field(0, ge=0, description="Seed of every random step; same seed, same numbers.")
    regions: Literal["auto", "pooled", "national"] = Field(
        "auto",
        description="With data by region: pooled fits every region at once, each region's effects partially "
        "pooled toward the market's (docs/regions.md); national fits the national totals only; auto (the "
        "default) is pooled when the data are by region.",
    )

    @model_validator(mode="before")
    @classmethod
    def _deprecated(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("n_bootstrap") is not None and "draws" not in data:
            data = {**data, "draws": data["n_bootstrap"]}
        return data


class Bound(_Strict):
    """Bounds of one category in the plan, as shares of the budget and/or euros."""

    min_share: float | None = Field(None, ge=0, le=1, description="Smallest share of the budget.")
    max_share: float | None = Field(None, ge=0, le=1, description="Largest share of the budget.")
    min_eur: float | None = Field(None, ge=0, description="Smallest amount in euros over the horizon.")
    max_eur: float | None = Field(None, ge=0, description="Largest amount in euros over the horizon.")

    @model_validator(mode="after")
    def _ordered(self) -> Bound:
        if self.min_share is not None and self.max_share is not None and self.min_share > self.max_share:
            raise ValueError(f"min_share {self.min_share} is above max_share {self.max_share}")
        if self.min_eur is not None and self.max_eur is not None and self.min_eur > self.max_eur:
            raise ValueError(f"min_eur {self.min_eur} is above max_eur {self.max_eur}")
        return self


DEFAULT_MIN_SHARE = 0.05
DEFAULT_MAX_SHARE = 0.90


class FrontierSpec(_Strict):
    """Budget levels of the frontier, as multiples of the total budget."""

    low: float = Field(0.5, gt=0, description="Lowest budget level (0.5 = 50 % of total_budget).")
    high: float = Field(1.5, gt=0, description="Highest budget level.")
    steps: int = Field(11, ge=2, le=101, description="Number of budget levels.")

    @model_validator(mode="after")
    def _ordered(self) -> FrontierSpec:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class PlanSpec(_Strict):
    """The planning period, budget, reference split and the optimiser's constraints."""

    horizon_weeks: int = Field(13, gt=0, le=104, description="Weeks in the planning period.")
    by_region: bool = Field(
        False,
        description="With the pooled model over regions (or brands, data.group): split the plan's euros by "
        "category and region (or brand) too (each keeps its share of the budget and the same share bounds); "
        "plan.csv gains a region column, holding the brand (or 'brand / region') for data by brand.",
    )
    total_budget: float | None = Field(
        None, gt=0, description="Euros for the horizon; default: actual spend of the last horizon_weeks."
    )
    reference_split: dict[Category, float] = Field(
        default_factory=lambda: {"content": 0.8, "design": 0.1, "technology": 0.1},
        description="The split the claims recommend (default 80/10/10).",
    )
    bounds: dict[Category, Bound] = Field(
        default_factory=dict,
        description=f"Per-category bounds; a share a category is not given is "
        f"{DEFAULT_MIN_SHARE:.0%} (min_share) or {DEFAULT_MAX_SHARE:.0%} (max_share) of the budget.",
    )
    max_change: float | None = Field(
        None, gt=0, description="Largest relative change per category vs the current split (0.5 = +-50 %)."
    )
    max_deviation_from_reference: float | None = Field(
        None, gt=0, le=1, description="Largest deviation from reference_split, in share points (0.1 = 10 points)."
    )
    scenarios: dict[str, dict[Category, float]] = Field(
        default_factory=dict, description="Further named splits to compare."
    )
    frontier: FrontierSpec = Field(default_factory=FrontierSpec, description="Budget frontier levels.")
    min_gain: float = Field(
        0.005,
        ge=0,
        lt=1,
        description="Move money only when the best split is expected to add at least this share of the "
        "encounters of the last horizon in the data; smaller gains are not worth a change.",
    )
    min_probability: float = Field(
        0.8,
        ge=0.5,
        lt=1,
        description="Move money only when the model's best split beats the current one with at least this "
        "probability (over the posterior draws); otherwise keep the current split.",
    )
    objective: Objective = Field(
        "encounters",
        description="What the optimiser maximises: encounters (quality-weighted), deals (needs funnel.deals), "
        "revenue (needs funnel.revenue) or profit (margin * revenue - budget; needs funnel.revenue and "
        "funnel.margin).",
    )
    experience_guard: bool = Field(
        False,
        description="true: the recommended split may not lower the expected customer-experience score "
        "(needs funnel.experience); false: the score is reported, not constrained.",
    )

    @field_validator("reference_split")
    @classmethod
    def _reference_ok(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_split(v, "reference_split")

    @field_validator("scenarios")
    @classmethod
    def _scenarios_ok(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        return {name: _check_split(split, f"scenario '{name}'") for name, split in v.items()}

    def bound(self, category: str) -> Bound:
        """The bound applied to a category: the keys the user set, and the default share range
        (5 % .. 90 %) on any side the user left open; `min_share: 0` or `max_share: 1` lifts one."""
        given = self.bounds.get(category) or Bound()
        return given.model_copy(
            update={
                "min_share": DEFAULT_MIN_SHARE if given.min_share is None else given.min_share,
                "max_share": DEFAULT_MAX_SHARE if given.max_share is None else given.max_share,
            }
        )

    def is_default(self, category: str, key: str) -> bool:
        """True when `bound(category)`'s `key` comes from the defaults, not from the params file."""
        given = self.bounds.get(category)
        return given is None or getattr(given, key) is None


class OutputSpec(_Strict):
    """Where run folders are written, and in which form plan.csv is."""

    dir: str = Field("reports", description="Folder for run folders, relative to the params file.")
    name: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$",
        description="Name of this plan's folder under dir (default: the params file's name). "
        "Letters, digits, '_', '-' and '.' only.",
    )
    csv: Literal["localised", "machine"] = Field(
        "localised",
        description="Form of plan.csv: localised (default) opens as columns in a spreadsheet of "
        "report.language (Finnish: ';' between fields, decimal comma, Finnish headers, UTF-8 with a byte "
        "order mark); machine is the same in every language (',' between fields, decimal point, the "
        "code names of the columns, UTF-8), for scripts.",
    )


class RunSpec(_Strict):
    """How long a run of the notebooks may take before it fails instead of hanging."""

    cell_timeout_s: int = Field(
        600,
        ge=1,
        le=86400,
        description="Longest time in seconds one notebook cell may run before the run fails "
        "(the model's fit is the longest cell; default 600 = 10 minutes).",
    )


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


class ExperimentSpec(_Strict):
    """A lift test that was run: a spend change in a window of weeks and the extra encounters it measured."""

    name: str = Field(min_length=1, description="Name of the experiment, unique in the list (used in messages).")
    category: Category = Field(description="The category whose spend was changed: content, design or technology.")
    start: datetime.date = Field(
        description="First day of the test window; the whole week (Monday to Sunday) containing it counts."
    )
    end: datetime.date = Field(
        description="Last day of the test window, inclusive; the whole week containing it counts."
    )
    spend_change_eur_per_week: float = Field(
        description="Change against the usual spend of the category in each week of the window (EUR/week): "
        "positive for an increase, negative for a cut; not 0."
    )
    lift: float = Field(
        description="Measured extra quality-weighted encounters over the measured weeks (the window plus "
        "measured_weeks_after), against what the usual spend would have given; negative for a cut."
    )
    lift_se: float | None = Field(
        None, gt=0, description="Standard error of lift; give this or lift_low and lift_high."
    )
    lift_low: float | None = Field(None, description="Lower end of lift's interval at level (with lift_high).")
    lift_high: float | None = Field(None, description="Upper end of lift's interval at level (with lift_low).")
    level: float = Field(
        0.9, gt=0, lt=1, description="Confidence level of lift_low..lift_high (0.9 = a 90 % interval)."
    )
    measured_weeks_after: int = Field(
        0,
        ge=0,
        description="Weeks after the window that the lift was also measured over, to catch carryover "
        "(0: the window only).",
    )
    note: str | None = Field(None, description="Free text: how the test was run and measured.")

    @model_validator(mode="after")
    def _consistent(self) -> ExperimentSpec:
        problems: list[tuple[tuple, str]] = []
        if self.end < self.start:
            problems.append((("end",), f"end {self.end.isoformat()} is before start {self.start.isoformat()}"))
        elif (self.last_week - self.first_week).days < 7:
            problems.append(
                (
                    ("end",),
                    f"the window {self.start.isoformat()}..{self.end.isoformat()} lies in one week (the week of "
                    f"{self.first_week.isoformat()}); a test must run at least two weeks to be told apart from "
                    "the weekly noise",
                )
            )
        if self.spend_change_eur_per_week == 0:
            problems.append(
                (
                    ("spend_change_eur_per_week",),
                    "must not be 0: give the change against the usual weekly spend (negative for a cut)",
                )
            )
        interval = (self.lift_low, self.lift_high)
        if self.lift_se is not None and any(v is not None for v in interval):
            given = [k for k in ("lift_low", "lift_high") if getattr(self, k) is not None]
            problems.append(
                (
                    ("lift_se",),
                    f"give the lift's uncertainty one way only: lift_se, or lift_low and lift_high "
                    f"(both lift_se and {' and '.join(given)} are given)",
                )
            )
        elif self.lift_se is None and all(v is None for v in interval):
            problems.append(
                (
                    (),
                    "the lift's uncertainty is missing: give lift_se (its standard error), or lift_low and "
                    "lift_high (its interval at level, default 0.9)",
                )
            )
        elif self.lift_se is None and any(v is None for v in interval):
            missing = "lift_high" if self.lift_high is None else "lift_low"
            present = "lift_low" if missing == "lift_high" else "lift_high"
            problems.append(((present,), f"{present} needs {missing} too (or give lift_se instead)"))
        elif self.lift_se is None and not self.lift_low < self.lift_high:
            problems.append(
                (
                    ("lift_low",),
                    f"lift_low ({self.lift_low:g}) must be below lift_high ({self.lift_high:g})",
                )
            )
        if problems:
            raise _keyed(problems)
        return self

    @property
    def first_week(self) -> datetime.date:
        """Monday of the window's first week."""
        return _monday(self.start)

    @property
    def last_week(self) -> datetime.date:
        """Monday of the window's last week."""
        return _monday(self.end)

    @property
    def window_weeks(self) -> int:
        """Number of weeks in the window (without measured_weeks_after)."""
        return (self.last_week - self.first_week).days // 7 + 1

    @property
    def se(self) -> float:
        """Standard error of `lift`: `lift_se`, or the interval's half-width over the normal quantile.

        ``(lift_high - lift_low) / (2 * z)`` with ``z = scipy.stats.norm.ppf((1 + level) / 2)``.
        """
        if self.lift_se is not None:
            return float(self.lift_se)
        from scipy.stats import norm  # scipy is heavy; loading params should stay fast

        z = float(norm.ppf((1.0 + self.level) / 2.0))
        return float((self.lift_high - self.lift_low) / (2.0 * z))


class DealColumns(_Strict):
    """Closed deals per week, one column per channel."""

    self_service: str = Field(
        min_length=1, description="Column of deals closed online without a seller (self-service), per week."
    )
    assisted: str = Field(
        min_length=1, description="Column of deals closed with a seller (call, meeting, store), per week."
    )


class RevenueColumns(_Strict):
    """Revenue of the closed deals per week (EUR), one column per channel."""

    self_service: str = Field(min_length=1, description="Column of self-service revenue (EUR) per week.")
    assisted: str = Field(min_length=1, description="Column of assisted revenue (EUR) per week.")


class FunnelSpec(_Strict):
    """The funnel after the encounters: leads, deals and revenue per channel, customer experience.

    Every key is optional; `deals` and `revenue` name both channels when given. The columns are read
    like every other numeric column of the data.
    """

    leads: str | None = Field(
        None,
        min_length=1,
        description="Column of warmed leads handed from marketing to sales per week (a count); with "
        "deals.assisted it gives the close rate.",
    )
    deals: DealColumns | None = Field(
        None, description="Columns of closed deals per week: {self_service: <column>, assisted: <column>}."
    )
    revenue: RevenueColumns | None = Field(
        None,
        description="Columns of revenue (EUR) per week: {self_service: <column>, assisted: <column>}.",
    )
    margin: float | None = Field(
        None, gt=0, le=1, description="Gross margin of revenue (0 < margin <= 1), for the profit objective."
    )
    experience: str | None = Field(
        None,
        min_length=1,
        description="Column of a customer-experience score per week: NPS (-100..100) or a CSAT score "
        "within that range; daily rows are averaged over the week.",
    )

    @field_validator("deals", "revenue", mode="before")
    @classmethod
    def _per_channel(cls, v: Any) -> Any:
        if v is not None and not isinstance(v, dict):
            raise ValueError("expected a column per channel: {self_service: <column>, assisted: <column>}")
        return v

    @model_validator(mode="after")
    def _names_a_column(self) -> FunnelSpec:
        if not self.columns():
            raise ValueError(
                "the funnel section names no column: give at least one of leads, deals, revenue or "
                "experience, or delete the section"
            )
        return self

    def columns(self) -> dict[str, str]:
        """The configured columns by their standard name (`leads`, `deals_self_service`, ...,
        `experience`), in the order of `Dataset.funnel`."""
        out: dict[str, str] = {}
        if self.leads is not None:
            out["leads"] = self.leads
        for what in ("deals", "revenue"):
            cols = getattr(self, what)
            if cols is not None:
                out[f"{what}_self_service"] = cols.self_service
                out[f"{what}_assisted"] = cols.assisted
        if self.experience is not None:
            out["experience"] = self.experience
        return out

    @staticmethod
    def key_of(name: str) -> tuple[str, ...]:
        """The params key path below `funnel` of a standard column name: ('deals', 'assisted')."""
        what, _, channel = name.partition("_")
        return (what, channel) if channel else (what,)


def _funnel_needs(objective: Any, guard: Any, given: set[str]) -> list[tuple[tuple, str]]:
    """What the objective and the experience guard need from the funnel section but `given` lacks."""
    problems: list[tuple[tuple, str]] = []
    try:
        needs = Objective(objective).needs
    except ValueError:
        needs = ()  # an unknown objective is the field's own error
    missing = [k for k in needs if k not in given]
    if missing:
        keys = " and ".join(f"funnel.{k}" for k in missing)
        problems.append(
            (
                ("plan", "objective"),
                f"objective '{Objective(objective).value}' needs {keys}; add {'them' if len(missing) > 1 else 'it'} "
                "to the funnel section, or use objective: encounters",
            )
        )
    if guard is True and "experience" not in given:
        problems.append(
            (
                ("plan", "experience_guard"),
                "true needs funnel.experience (the column of a customer-experience score); add it to the "
                "funnel section, or set experience_guard: false",
            )
        )
    return problems


def _raw_funnel_needs(raw: dict) -> list[tuple[tuple, str]]:
    """`_funnel_needs` on the raw mapping, so that a file with other problems hears of these too
    (pydantic runs the cross-checks only once every section is valid)."""
    plan = raw.get("plan") if isinstance(raw.get("plan"), dict) else {}
    funnel = raw.get("funnel") if isinstance(raw.get("funnel"), dict) else {}
    guard = plan.get("experience_guard", False)
    return _funnel_needs(plan.get("objective", "encounters"), guard, {k for k, v in funnel.items() if v is not None})


class Params(_Strict):
    """One planning run: report, data, model, plan, output and the lift tests run so far."""

    report: ReportSpec = Field(default_factory=ReportSpec, description="The brief.")
    data: DataSpec = Field(description="The data.")
    model: ModelSpec = Field(default_factory=ModelSpec, description="The encounter model.")
    plan: PlanSpec = Field(default_factory=PlanSpec, description="The budget plan.")
    output: OutputSpec = Field(default_factory=OutputSpec, description="Where runs are written.")
    run: RunSpec = Field(default_factory=RunSpec, description="Limits of a run of the notebooks.")
    experiments: list[ExperimentSpec] = Field(
        default_factory=list,
        description="Lift tests run so far (spend changes in a window of weeks with their measured lift); "
        "they calibrate the model. Default: none.",
    )
    funnel: FunnelSpec | None = Field(
        None,
        description="Leads, deals and revenue per channel and a customer-experience score, for conversion, "
        "the value of an encounter and plans for value. Default: none (plans for encounters only).",
    )

    pool: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$",
        description="Name of a pool of brands: params files run in one batch (planner run with several files) "
        "that share this name are fitted together by the pooled model, each file's data one brand named by "
        "the file's plan name, so that every brand's estimate borrows strength from the others "
        "(docs/regions.md). The batch writes one pooled run named after the pool. Default: no pool.",
    )

    # Where the file was read from; the data and output paths are relative to it.
    source: str | None = Field(None, exclude=True, description="Path of the params file (set by load).")

    @field_validator("experiments")
    @classmethod
    def _names_unique(cls, v: list[ExperimentSpec]) -> list[ExperimentSpec]:
        first: dict[str, int] = {}
        problems: list[tuple[tuple, str]] = []
        for i, e in enumerate(v):
            if e.name in first:
                problems.append(
                    (
                        (i, "name"),
                        f"'{e.name}' is already the name of experiments[{first[e.name]}]; give each "
                        "experiment its own name",
                    )
                )
            first.setdefault(e.name, i)
        if problems:
            raise _keyed(problems)
        return v

    @model_validator(mode="after")
    def _funnel_fits(self) -> Params:
        """The objective and the experience guard have the funnel columns they need; a funnel column
        has no other role in the data."""
        funnel = self.funnel
        given = set() if funnel is None else {k for k in FunnelSpec.model_fields if getattr(funnel, k) is not None}
        problems = _funnel_needs(self.plan.objective, self.plan.experience_guard, given)
        if funnel is not None:
            roles: dict[str, str] = {self.data.date_column: "data.date_column"}
            roles.update({c: "data.encounters" for c in self.data.encounters})
            roles.update({c: f"data.spend.{cat}" for cat, cols in self.data.spend.columns().items() for c in cols})
            roles.update({c: "data.controls" for c in self.data.controls})
            roles.update({c: "data.events" for c in self.data.events})
            if self.data.region is not None:
                roles[self.data.region] = "data.region"
            if self.data.group is not None:
                roles[self.data.group] = "data.group"
            for name, col in funnel.columns().items():
                key = ("funnel", *FunnelSpec.key_of(name))
                if col in roles:
                    problems.append((key, f"'{col}' is also in {roles[col]}; a column can have only one role"))
                else:
                    roles[col] = "funnel." + ".".join(key[1:])
        if problems:
            raise _keyed(problems)
        return self

    @property
    def base_dir(self) -> Path:
        return Path(self.source).resolve().parent if self.source else Path.cwd()

    @property
    def data_path(self) -> Path:
        return (self.base_dir / self.data.path).resolve()

    @property
    def output_dir(self) -> Path:
        return (self.base_dir / self.output.dir).resolve()

    @property
    def name(self) -> str:
        if self.output.name:
            return self.output.name
        return Path(self.source).stem if self.source else "plan"


# -- loading ----------------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping key."""


#: How many values (scalars, lists and mappings) a params file may hold once every alias is
#: written out. A full params file holds a few hundred; anchors and aliases that nest copies of
#: copies ("billion laughs") reach millions from a kilobyte and would hang every walk over them.
MAX_YAML_VALUES = 10_000


def _expanded_size(root: yaml.Node) -> tuple[int, yaml.Node | None]:
    """The number of values `root` holds with every alias expanded, counted without expanding
    (each node once, memoised), and a node that contains itself (a recursive alias) or None."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            children = _children(node)
            sizes[key] = min(1 + sum(sizes[id(c)] for c in children), 10 * MAX_YAML_VALUES)
            continue
        if key in sizes:
            continue
        if key in open_:
            return 0, node
        open_.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_:
                return 0, child
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)], None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _parse(text: str, path: Path):
    """The YAML document of `text`, refusing aliases that expand beyond `MAX_YAML_VALUES` values."""
    loader = _LineLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        size, loop = _expanded_size(root)
        if loop is not None:
            raise ParamsError(
                path,
                [
                    f"line {loop.start_mark.line + 1}: an alias refers to the list or mapping it is inside; "
                    "a params value cannot contain itself: write the values out"
                ],
            )
        if size > MAX_YAML_VALUES:
            raise ParamsError(
                path,
                [
                    f"its anchors and aliases (&name, *name) expand to more than {MAX_YAML_VALUES:,} values; "
                    "a params file needs a few hundred: write the values out, or use fewer aliases of aliases"
                ],
            )
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _nfc(value: Any) -> Any:
    """Every text of a parsed params file (keys and values) in Unicode NFC, the form the data's
    headers are read in: 'å' typed as 'a' and a combining ring names the same column as 'å'."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


def _key_lines(text: str) -> dict[tuple, int]:
    """Map each key path, e.g. ('plan', 'horizon_weeks'), to its 1-based line in the file."""
    lines: dict[tuple, int] = {}
    try:
        root = yaml.compose(text, Loader=_LineLoader)
    except yaml.YAMLError:
        return lines

    def walk(node: yaml.Node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = path + (key.value,)
                lines[sub] = key.start_mark.line + 1
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[path + (i,)] = item.start_mark.line + 1
                walk(item, path + (i,))

    if root is not None:
        walk(root, ())
    return lines


def _duplicate_keys(text: str) -> list[str]:
    """Every key that appears twice in one mapping, with both lines (YAML itself keeps the last silently)."""
    try:
        root = yaml.compose(text, Loader=_LineLoader)
    except yaml.YAMLError:
        return []
    problems: list[str] = []

    def walk(node: yaml.Node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple, int] = {}
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else None
                line = key.start_mark.line + 1
                if name is not None and (key.tag, name) in first:
                    where = ".".join(map(str, path)) or "the top level"
                    problems.append(
                        f"line {line}: duplicate key '{name}' in {where} (first at line {first[key.tag, name]}); "
                        "keep one of the two"
                    )
                elif name is not None:
                    first[key.tag, name] = line
                walk(value, path + (name,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    if root is not None:
        walk(root, ())
    return problems


def _model_for(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model whose fields are the keys at `loc` (for 'did you mean')."""
    model: Any = Params
    for part in loc:
        if isinstance(part, int):  # an item of a list: the same model as the list's
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        model = _unwrap(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", ())
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in args:
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation


def _path(loc: tuple) -> str:
    """A key path as the user reads it: `plan.bounds.design`, `experiments[1].lift_se`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out


def _line_of(loc: tuple, lines: dict[tuple, int]) -> str:
    """'line N: ' of the deepest part of `loc` the file has a line for, else ''."""
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in lines:
            return f"line {lines[loc[:cut]]}: "
    return ""


def _describe_all(err: dict, lines: dict[tuple, int]) -> list[str]:
    """One located line per problem; an error of several keyed problems gives one line each."""
    if err["type"] != "keyed":
        return [_describe(err, lines)]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    out = []
    for sub, msg in err["ctx"]["problems"]:
        full = loc + tuple(sub)
        out.append(f"{_line_of(full, lines)}{_path(full) or '(top level)'}: {msg}")
    return out


def _describe(err: dict, lines: dict[tuple, int]) -> str:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = err["type"]
    if loc and loc[-1] == "[key]":  # a key of a dict keyed by category is not a category
        loc = loc[:-1]
        kind = "not_a_category"
    where = _path(loc) or "(top level)"
    at = _line_of(loc, lines)

    if kind == "extra_forbidden":
        parent, key = loc[:-1], loc[-1]
        model = _model_for(parent)
        section = _path(parent) or "the top level"
        msg = f"unknown key '{key}' in {section}"
        if model is not None:
            close = difflib.get_close_matches(str(key), list(model.model_fields), n=1, cutoff=0.6)
            if close:
                msg += f"; did you mean '{close[0]}'?"
            else:
                known = [k for k in model.model_fields if k != "source"]
                msg += f"; expected one of: {', '.join(known)}"
        return at + msg
    if kind == "missing":
        return f"{at}{where}: required key is missing"
    if kind == "not_a_category":
        return f"{at}{_path(loc[:-1])}: '{loc[-1]}' is not a category{_category_hint(loc[-1])}"
    if kind == "literal_error" and loc and loc[-1] == "category":
        return f"{at}{where}: '{err.get('input')}' is not a category{_category_hint(err.get('input'))}"
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        return f"{at}{where}: expected {expected}, got {err.get('input')!r}"
    ctx = err.get("ctx", {})
    friendly = {
        "greater_than": "must be > {gt}",
        "greater_than_equal": "must be >= {ge}",
        "less_than": "must be < {lt}",
        "less_than_equal": "must be <= {le}",
        "too_short": "needs at least {min_length} item(s)",
        "int_parsing": "expected a whole number",
        "int_from_float": "expected a whole number",
        "float_parsing": "expected a number",
        "int_type": "expected a whole number",
        "float_type": "expected a number",
        "bool_parsing": "expected true or false",
        "bool_type": "expected true or false",
        "string_type": "expected text",
        "list_type": "expected a list, e.g. [a, b]",
        "dict_type": "expected a mapping of keys to values",
        "model_type": "expected a mapping of keys to values",
        "string_pattern_mismatch": "expected letters, digits, '_', '-' or '.' only (no folders)",
        "string_too_short": "must not be empty",
        "date_parsing": "expected a date such as 2024-03-04",
        "date_from_datetime_parsing": "expected a date such as 2024-03-04",
        "date_from_datetime_inexact": "expected a date without a time of day, such as 2024-03-04",
        "date_type": "expected a date such as 2024-03-04",
    }
    msg = friendly[kind].format(**ctx) if kind in friendly else err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    shown = "" if isinstance(got, (dict, list)) or got is None else f" (got {got!r})"
    return f"{at}{where}: {msg}{shown}"


def _category_hint(value: Any) -> str:
    close = difflib.get_close_matches(str(value), CATEGORIES, n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(CATEGORIES)}"


def load_dict(raw: Any, path: str | Path | None = None, text: str | None = None) -> Params:
    """Validate an already-parsed params mapping.

    Parameters
    ----------
    raw : the parsed YAML (a mapping).
    path : the file it came from; relative paths inside are resolved against its folder.
    text : the file's text, used to name the line of each problem.

    Raises
    ------
    ParamsError
        Listing every problem at once.
    """
    if not isinstance(raw, dict):
        kind = "empty" if raw is None else f"a {type(raw).__name__}"
        raise ParamsError(
            path, [f"the file must hold a mapping of sections (report, data, model, plan, output); it is {kind}"]
        )
    if "source" in raw:
        raise ParamsError(path, ["unknown key 'source' at the top level"])
    raw = _nfc(raw)
    try:
        params = Params.model_validate({**raw, "source": str(path) if path else None})
    except ValidationError as exc:
        lines = _key_lines(text) if text else {}
        problems = [line for e in exc.errors() for line in _describe_all(e, lines)]
        for loc, msg in _raw_funnel_needs(raw):
            problems.append(f"{_line_of(loc, lines)}{_path(loc)}: {msg}")
        raise ParamsError(path, list(dict.fromkeys(_by_line(problems)))) from None
    return params


def load(path: str | Path) -> Params:
    """Read and validate a params file.

    Parameters
    ----------
    path : str or Path
        The YAML file. Read with a safe loader: nothing in it is executed.

    Returns
    -------
    Params

    Raises
    ------
    ParamsError
        When the file is missing, is not valid YAML, holds a key twice in one mapping, or breaks
        the schema: every problem is listed with its line, its key path and what was expected.

    Examples
    --------
    >>> params = load("params/example.yaml")  # doctest: +SKIP
    >>> params.plan.horizon_weeks             # doctest: +SKIP
    13
    """
    path = Path(path)
    if not path.is_file():
        raise ParamsError(path, [f"file not found (looked in {path.resolve().parent})"])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParamsError(path, [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    try:
        raw = _parse(text, path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ParamsError(path, [f"{where}not valid YAML: {problem}"]) from None
    duplicates = _duplicate_keys(text)
    try:
        params = load_dict(raw, path, text)
    except ParamsError as exc:
        if not duplicates:
            raise
        problems = duplicates + [p for p in exc.problems if p not in duplicates]
        raise ParamsError(path, _by_line(problems)) from None
    if duplicates:
        raise ParamsError(path, duplicates)
    return params


def _by_line(problems: list[str]) -> list[str]:
    """Problems in the order of their lines in the file; those without a line last."""
    return sorted(problems, key=lambda p: int(p.split(":")[0][5:]) if p.startswith("line ") else 10**9)
