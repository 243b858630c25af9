"""The brief's typed view of a run: every number rounded and every sentence chosen, once.

`BriefView(results)` reads the typed results (`planner.results.Results`) and decides nothing the
model or the plan has decided already: the headline follows the plan's ``action_reason``, the
claim text the model's ``claim``, the gap line the model's ``spend_effect_gap``, the saturation
column the model's ``saturation``. What it does own is presentation: rounding (euros to a step
that suits the budget, so that a column adds up to the budget and the headline's moved euros equal
the table's difference), significant figures, and which words of the catalogue to use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from planner import CATEGORIES
from planner.objective import PlanObjective
from planner.presentation.i18n import Messages, round_sig
from planner.presentation.i18n.formats import MINUS, fmt_significant

__all__ = ["BriefView", "FunnelStage", "Headline", "SplitColumn", "money_step", "round_to_total"]

#: the plan's warnings the brief shows in their own place on page 1 and 2 (beside the funnel and the
#: split), not again in the list of warnings
PLACED_WARNINGS = ("plan_lowers_experience", "plan_experience_guard_infeasible", "plan_budget_level_outside")
EXPERIENCE_WARNINGS = PLACED_WARNINGS[:2]
#: the funnel's sentences page 1 shows: conversion seen two ways
PAGE1_FUNNEL_SENTENCES = ("funnel_close_rate_trend", "funnel_deal_value")
MOVE_CODES = ("clearly_better", "no_uncertainty")
# the order in which warnings are shown: the ones that change the decision first
WARNING_PRIORITY = (
    "poor_holdout",
    "plan_beyond_history",
    "low_variation",
    "collinearity",
    "at_bound",
    "plan_below_history",
    "autocorrelation",
    "short_history",
)


def distinct_digits(low: float, high: float, render, start: int = 2, most: int = 6) -> int:
    """The fewest significant figures (from `start`) at which an interval's two ends read differently,
    so that rounding never collapses an interval into a point; `render(x, digits)` formats an end."""
    digits = start
    while digits < most and low != high and render(low, digits) == render(high, digits):
        digits += 1
    return digits


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def money_step(budget: float) -> int:
    """The euro step tables round to: EUR 1,000 on budgets of hundreds of thousands."""
    if budget >= 100_000:
        return 1000
    if budget >= 10_000:
        return 100
    if budget >= 1_000:
        return 10
    return 1


def round_to_total(values: Mapping[str, float], step: float) -> dict[str, float]:
    """Round each value to `step` so that the rounded values add up to the rounded total.

    Largest remainders get the spare steps, so a column of the split table adds up to the budget
    it shows and differences between columns are differences of what the reader sees.
    """
    keys = list(values)
    units = {k: float(values[k]) / step for k in keys}
    total = round(sum(units.values()))
    floors = {k: math.floor(u) for k, u in units.items()}
    spare = int(total - sum(floors.values()))
    order = sorted(keys, key=lambda k: -(units[k] - floors[k]))
    for j in range(abs(spare)):
        floors[order[j % len(keys)]] += 1 if spare > 0 else -1
    return {k: floors[k] * step for k in keys}


@dataclass
class Headline:
    """The brief's decision in one sentence, its reason, the next step and the numbers they contain.

    ``text`` starts with the decision's verb (Move / Keep / Test); ``kind`` is the plan's
    ``action_reason.code`` (``clearly_better``, ``weak_model``, ``not_clearly_better``...), so the
    sentences can never say something the plan did not decide. ``next_step`` is the proposed lift
    test whenever results.json has one.
    """

    kind: str
    action: str
    text: str
    reason: str
    next_step: str | None
    numbers: dict[str, str] = field(default_factory=dict)

    @property
    def full(self) -> str:
        """The decision and its reason as one paragraph."""
        return f"{self.text} {self.reason}"


@dataclass
class SplitColumn:
    """One column of the page-1 split table, already rounded."""

    key: str  # current, recommended, candidate, reference
    label: str
    shares: dict[str, float]
    euros: dict[str, float]  # rounded to the table's step, adding up to the budget shown
    encounters: float | None
    low: float | None
    high: float | None
    cost: float | None
    highlight: bool = False
    value: float | None = None  # the objective's expected value (deals, revenue or profit)
    value_low: float | None = None
    value_high: float | None = None


@dataclass
class FunnelStage:
    """One stage of the funnel chain on page 2, and the rate that leads to the next one."""

    label: str
    value: str
    rate: str | None = None


class BriefView:
    """Everything the brief shows, formatted in the run's language.

    Parameters
    ----------
    results : planner.results.Results
        A finished run's results (schema 2).
    """

    def __init__(self, results):
        missing = results.missing()
        if missing:
            raise ValueError(f"the brief needs a finished run; results.json lacks: {', '.join(missing)}")
        self.results = results
        self.lang = results.run.language
        self.m = Messages(self.lang)
        self.alloc = results.allocation
        self.model = results.model
        self.data = results.data

    # -- basics ----------------------------------------------------------------------------------

    @property
    def report(self) -> Mapping:
        return (self.results.params or {}).get("report") or {}

    @property
    def title(self) -> str:
        title = self.report.get("title")
        if not title or (title == Messages("en")("default_title") and self.lang != "en"):
            return self.m("default_title")
        return title

    @property
    def organisation(self) -> str:
        return self.report.get("organisation") or ""

    @property
    def weeks(self) -> int:
        return int(self.alloc.horizon_weeks)

    @property
    def budget(self) -> float:
        return float(self.alloc.total_budget)

    @property
    def step(self) -> int:
        return money_step(self.budget)

    @property
    def action(self) -> str:
        return self.alloc.action

    @property
    def reason(self) -> str:
        return self.alloc.action_reason.code

    @property
    def quality(self) -> str | None:
        return self.model.quality

    @property
    def interval_level(self) -> str:
        return self.m.pct(float(self.alloc.interval))

    def split_label(self, split: Any) -> str:
        return "/".join(f"{round(100 * float(split[c]))}" for c in CATEGORIES)

    def enc(self, x: float | None) -> str:
        """Encounters as tables show them: three significant figures."""
        return "–" if x is None else self.m.int(round_sig(x, 3))

    def money(self, euros: float) -> str:
        """Euros at the table's step."""
        return self.m.eur(round(euros / self.step) * self.step)

    def rounded_euros(self, scenario) -> dict[str, float]:
        euros = {c: float(scenario.euros[c]) for c in CATEGORIES}
        return round_to_total(euros, self.step)

    # -- the objective ---------------------------------------------------------------------------

    @property
    def objective(self) -> PlanObjective:
        """What the plan maximised: encounters, deals, revenue or profit."""
        return PlanObjective(self.alloc.objective)

    @property
    def value_objective(self) -> bool:
        """Whether the plan counts its gain in deals or euros (the gain's value is then recorded)."""
        return self.objective.is_value and self.alloc.gain_vs_current.value is not None

    @property
    def objective_name(self) -> str | None:
        return self.m(f"objective_{self.objective}") if self.objective.is_value else None

    def value_scale(self, x: float) -> float:
        """1e6 when an amount of euros reads better in millions (EUR 1.2 M), else 1."""
        if self.objective == PlanObjective.DEALS:
            return 1.0
        return 1e6 if abs(round_sig(x)) >= 1e6 else 1.0

    def value_number(self, x: float, *, signed: bool = False, scale: float = 1.0, digits: int = 2) -> str:
        """A deals or euro amount to `digits` significant figures, the number alone (no unit)."""
        m = self.m
        if scale != 1.0:
            v = float(f"{x / scale:.{digits}g}")  # significant figures, above ten too (125 -> 130 at two)
            text = fmt_significant(abs(v), self.lang, digits) if v != 0 else "0"
            sign = MINUS if text != "0" and v < 0 else ("+" if signed and text != "0" and v > 0 else "")
            return sign + text
        v = round_sig(x, digits)
        return m.signed(v) if signed else m.int(v)

    def value_text(self, x: float, *, signed: bool = False, digits: int = 2) -> str:
        """An amount of the objective with its unit: "€65,000", "€1.2 M", "120" (deals)."""
        m = self.m
        if self.objective == PlanObjective.DEALS:
            return self.value_number(x, signed=signed, digits=digits)
        scale = self.value_scale(x)
        if scale != 1.0:
            sign = MINUS if x < 0 else ("+" if signed and x > 0 else "")
            return sign + m("money_millions", value=self.value_number(abs(x), scale=scale, digits=digits))
        v = round_sig(x, digits)
        text = m.eur(v)
        return ("+" + text) if signed and v > 0 else text

    def value_interval(self, low: float | None, high: float | None, scale: float, *, signed: bool = True) -> str:
        """The interval after a headline amount, in the amount's scale: " (−25,000 to +170,000)";
        with as many significant figures as it takes for its ends to differ."""
        if low is None or high is None:
            return ""
        digits = distinct_digits(low, high, lambda x, d: self.value_number(x, signed=signed, scale=scale, digits=d))
        lo = self.value_number(low, signed=signed, scale=scale, digits=digits)
        hi = self.value_number(high, signed=signed, scale=scale, digits=digits)
        key = "hl_interval_millions" if scale != 1.0 else "hl_interval"
        return self.m(key, low=lo, high=hi)

    def value_cell(self, x: float | None) -> str:
        """An expected value in the split table: three significant figures."""
        return "–" if x is None else self.value_text(x, digits=3)

    def value_range(self, low: float | None, high: float | None) -> str:
        """An interval in the split table, in thousands or millions of euros so that it fits a cell."""
        if low is None or high is None:
            return "–"
        m = self.m
        if self.objective == PlanObjective.DEALS:
            d = distinct_digits(low, high, lambda x, k: m.int(round_sig(x, k)))
            return m.range(m.int(round_sig(low, d)), m.int(round_sig(high, d)))
        big = max(abs(low), abs(high))
        scale, key = (1e6, "money_millions") if round_sig(big) >= 1e6 else (1e3, "money_thousands")
        if round_sig(big) < 1e4:
            d = distinct_digits(low, high, lambda x, k: m.eur(round_sig(x, k)))
            return m.range(m.eur(round_sig(low, d)), m.eur(round_sig(high, d)))
        d = distinct_digits(low, high, lambda x, k: self.value_number(x, scale=scale, digits=k))
        if scale == 1e6 and low >= 0:  # the unit once: "0.85 to 1.4 M" fits a cell
            ends = (self.value_number(x, scale=scale, digits=d) for x in (low, high))
            return m(key, value=m.range(*ends))
        ends = [
            (MINUS if x < 0 else "") + m(key, value=self.value_number(abs(x), scale=scale, digits=d))
            for x in (low, high)
        ]
        return m.range(*ends)

    @staticmethod
    def ranged(row) -> bool:
        """Whether a contribution's share has an interval that says something (two different ends)."""
        return row.low is not None and row.high is not None and row.low != row.high

    def share_ends(self, low: float, high: float, *, unit: bool = True) -> tuple[str, str]:
        """The ends of a share's interval as percentages, with a decimal where whole percents would
        collapse it ("0.1–0.4 %", not "0–0 %"); the low end without the sign when `unit` is False."""
        m = self.m
        decimals = 0
        while decimals < 2 and low != high and m.pct(low, decimals) == m.pct(high, decimals):
            decimals += 1
        lo = m.pct(low, decimals) if unit else m.number(100 * low, decimals)
        return lo, m.pct(high, decimals)

    def encounters_interval(self, low: float | None, high: float | None, *, signed: bool = False) -> str:
        """ " (−31 to +2,500)" for a count of encounters, never rounded into a point."""
        if low is None or high is None:
            return ""
        fmt = self.m.signed if signed else self.m.int
        d = distinct_digits(low, high, lambda x, k: fmt(round_sig(x, k)))
        return self.m("hl_interval", low=fmt(round_sig(low, d)), high=fmt(round_sig(high, d)))

    # -- the headline: the decision, its reason, the next step ------------------------------------

    @cached_property
    def moved(self) -> float:
        """Euros moved between current and candidate, as the table shows them (rounded, same step)."""
        cur = self.rounded_euros(self.alloc.current)
        cand = self.rounded_euros(self.alloc.candidate)
        return float(sum(max(cand[c] - cur[c], 0.0) for c in CATEGORIES))

    @property
    def _direction(self) -> bool:
        """Whether the best split found moves money one way with a positive gain (worth naming)."""
        alloc = self.alloc
        gain = alloc.gain_vs_current
        g = gain.value.value if self.value_objective else gain.encounters
        return bool(alloc.moved_from and alloc.moved_to and self.moved > 0 and g > 0)

    def _gain_words(self) -> tuple[dict, dict]:
        """The gain of the best split found in words: (numbers shown, words for the sentences)."""
        m, gain = self.m, self.alloc.gain_vs_current
        prob = gain.probability_better
        numbers: dict[str, str] = {"amount": m.eur(self.moved)}
        if self.value_objective:
            est = gain.value
            scale = self.value_scale(est.value)
            numbers["gain"] = self.value_text(est.value)
            interval = self.value_interval(est.low, est.high, scale)
            more = m("hl_more", objective=self.objective.value, gain=numbers["gain"])
            measure = m("hl_measure", objective=self.objective.value)
            signed_gain = self.value_text(est.value, signed=True)
        else:
            numbers["gain"] = m.int(round_sig(gain.encounters))
            interval = self.encounters_interval(gain.low, gain.high, signed=True)
            more = m("hl_more_encounters", gain=numbers["gain"])
            measure = m("hl_measure_encounters")
            signed_gain = m.signed(round_sig(gain.encounters))
        if interval:
            numbers["interval"] = interval.strip()
        if prob is not None:
            numbers["prob"] = m.prob(float(prob))
        words = {
            "sources": m.categories(self.alloc.moved_from, "ela"),
            "targets": m.categories(self.alloc.moved_to, "ill"),
            "period": m.period(self.weeks),
            "amount": numbers["amount"],
            "more": more,
            "measure": measure,
            "signed_gain": signed_gain,
            "interval": interval,
            "prob_clause": m("hl_prob", prob=numbers["prob"]) if prob is not None else "",
        }
        return numbers, words

    def _expect_words(self) -> tuple[dict, str, str]:
        """What the current split is expected to bring: (numbers, the amount in words, its interval)."""
        m, cur = self.m, self.alloc.current
        if self.value_objective and cur.value is not None:
            est = cur.value
            scale = self.value_scale(est.value)
            numbers = {"expected": self.value_text(est.value)}
            interval = self.value_interval(est.low, est.high, scale, signed=False)
            expect = m("hl_expect", objective=self.objective.value, value=numbers["expected"])
        else:
            numbers = {"encounters": m.int(round_sig(cur.expected_encounters))}
            interval = self.encounters_interval(cur.low, cur.high)
            expect = m("hl_expect_encounters", encounters=numbers["encounters"])
        if interval:
            numbers["interval"] = interval.strip()
        return numbers, expect, interval

    @cached_property
    def headline(self) -> Headline:
        """The decision in one sentence that starts with its verb (Move, Keep, Test), the reason in
        one more, and the next step: worded from the plan's action and its reason code."""
        m, action, code = self.m, self.action, self.reason
        numbers, words = self._gain_words()
        note = "" if "interval" in numbers else " " + m("hl_no_interval")
        if action == "move":
            decision = m("decision_move", **words)
            reason = m("reason_move", **words) + note
        elif action == "test" and code == "weak_model" and self._direction:
            decision = m("decision_test_move", **words)
            reason = m("reason_weak_model", **words) + note
        elif action == "test" and code == "unstable_on_refresh" and self._direction:
            decision = m("decision_test_move", **words)
            reason = m("reason_unstable_on_refresh", **words) + note
        elif action == "keep" and code == "small_gain" and self._direction:
            decision = m("decision_keep", **words)
            reason = m("reason_small_gain", **words) + note
            numbers["gain"] = words["signed_gain"]
            numbers.pop("prob", None)
        elif action == "keep" and code in ("not_clearly_better", "no_draws") and self._direction:
            doubt = m("hl_doubt_prob", prob=numbers["prob"]) if code == "not_clearly_better" else m("hl_doubt_no_draws")
            decision = m("decision_keep", **words)
            reason = m("reason_not_clearly_better", **words, doubt=doubt) + note
        else:
            numbers, expect, interval = self._expect_words()
            key = "decision_test" if action == "test" else "decision_keep"
            decision = m(key, period=m.period(self.weeks))
            why = "reason_weak_no_direction" if action == "test" else "reason_no_better_split"
            reason = m(why, expect=expect, interval=interval)
        return Headline(
            kind=code,
            action=action,
            text=_capital(decision),
            reason=_capital(reason),
            next_step=self.next_step,
            numbers=numbers,
        )

    @property
    def gain_parts(self) -> str | None:
        """Page 1, under a value objective's headline: the gain's two parts, which add up to it (what
        content's warming of the leads adds, what the change in encounters brings), each with its
        interval, and the change in encounters itself."""
        gain = self.alloc.gain_vs_current
        if not self.value_objective or gain.parts is None or not self._direction:
            return None
        m = self.m
        warming, encounters = gain.parts.warming, gain.parts.encounters

        def amount(est) -> str:
            ends = [abs(x) for x in (est.value, est.low, est.high) if x is not None]
            return self.value_text(est.value, signed=True) + self.value_interval(
                est.low, est.high, self.value_scale(max(ends))
            )

        return m(
            "gain_parts",
            warming=amount(warming),
            encounters=amount(encounters),
            change=m.signed(round_sig(gain.encounters)),
            change_interval=self.encounters_interval(gain.low, gain.high, signed=True),
        )

    @property
    def budget_level(self) -> str | None:
        """Profit only: the budget where one more euro stops paying for itself, beside the fixed-budget
        split; when the plan found it outside the budgets it looked at, the plan's own sentence."""
        level = self.alloc.budget_level
        if self.objective != PlanObjective.PROFIT or level is None:
            return None
        m = self.m
        if level.status != "found":
            placed = [w for w in self._warning_entries if w.code == "plan_budget_level_outside"]
            return self._warning_text(placed[0]) if placed else None
        d = 2
        if level.low is not None and level.high is not None:
            d = distinct_digits(level.low, level.high, lambda x, k: m.int(round_sig(x, k)))
        budget = m.eur(round_sig(level.value, d))
        if level.low is None or level.high is None:
            return m("budget_level_found_point", budget=budget, period=m.period(self.weeks, "for"))
        interval = m.range(m.int(round_sig(level.low, d)), m.int(round_sig(level.high, d)))
        return m("budget_level_found", budget=budget, range=interval, period=m.period(self.weeks, "for"))

    @property
    def next_step(self) -> str | None:
        """The proposed lift test, on page 1 whenever the run has one: what to change, by how much,
        for how long, what it detects with what probability, and what it will tell."""
        test = self.results.next_test
        if test is None:
            return None
        m = self.m
        by_region = bool((self.results.params.get("data") or {}).get("region"))
        unknown = test.category in self.held
        text = next_test_sentence(test, m, by_region=by_region, unknown=unknown, lead="next_step")
        if test.powered:
            now, after = test.share_interval_now, test.share_interval_after
            text += " " + m(
                "next_step_tells",
                category=m.category(test.category, "gen"),
                now=m.range(m.number(100 * now[0]), m.pct(now[1])),
                after=m.range(m.number(100 * after[0]), m.pct(after[1])),
            )
        return text

    @property
    def held(self) -> list[str]:
        """Categories the plan holds at their current share because the data cannot show them."""
        return list(self.alloc.held)

    @property
    def held_note(self) -> str | None:
        """The categories the plan holds, and why, in one sentence (page 1, under the headline)."""
        if not self.held:
            return None
        return self.m("held_note", categories=self.held, count=len(self.held))

    # -- quality and warnings ----------------------------------------------------------------------

    @property
    def quality_mark(self) -> tuple[str, str]:
        return self.m.quality(self.quality)

    @property
    def quality_reason(self) -> str | None:
        """Why the model got its mark, in a sentence (from the model's reason code)."""
        reason = self.model.quality_reason
        code = reason.code
        if not code or not self.m.has(code):
            return None
        try:
            return self.m.render(code, dict(reason.context))
        except KeyError:
            return None

    @property
    def _warning_entries(self) -> list:
        return list(self.results.warnings)

    def _warning_text(self, w) -> str:
        return self.m.warning(w.model_dump())

    @cached_property
    def warnings(self) -> list[str]:
        """The run's warnings in the brief's language, those that change the decision first.

        The experience and budget-level warnings are shown in their own place (beside the funnel
        and the split), so they are left out here: each warning is shown once on a page.
        """
        placed = PLACED_WARNINGS if self.results.funnel is not None or self.budget_level else ()
        entries = [w for w in self._warning_entries if w.code not in placed]

        def rank(w) -> int:
            code = w.code
            return WARNING_PRIORITY.index(code) if code in WARNING_PRIORITY else len(WARNING_PRIORITY)

        out = []
        for w in sorted(entries, key=rank):
            out.append(self._warning_text(w))
        return list(dict.fromkeys(out))

    @property
    def pooled_note(self) -> str | None:
        """That the estimate pools N regions, brands or brand and region pairs (the pooled model); None
        for a fit of the totals."""
        pooling = getattr(self.model, "pooling", None)
        if pooling is None:
            return None
        key = {"brand": "pooled_brands", "brand x region": "pooled_brand_regions"}.get(pooling.unit, "pooled_regions")
        return self.m(key, count=self.m.int(pooling.units or pooling.regions))

    @property
    def stats_line(self) -> str:
        m, model = self.m, self.model
        fit, hold = model.fit, model.holdout  # free-form statistics: each may be missing
        parts = []
        r2 = fit.get("r2")
        if r2 is not None:
            parts.append(m("stat_r2", value=m.number(r2, 2)))
        mape = hold.get("mape")
        if mape is not None:
            weeks = hold.get("weeks")
            parts.append(
                m("stat_mape", value=m.pct(mape, 1), weeks=m.int(weeks))
                if weeks
                else m("stat_mape_noweeks", value=m.pct(mape, 1))
            )
        if hold.get("nrmse") is not None:
            parts.append(m("stat_nrmse", value=m.number(hold["nrmse"], 2)))
        if model.draws:
            parts.append(m("stat_draws", n=m.int(model.draws)))
        return " · ".join(parts)

    # -- the split table ---------------------------------------------------------------------------

    @cached_property
    def split_columns(self) -> list[SplitColumn]:
        """Current, what to do (recommended, or the best split found when it is only to test) and
        the reference; the recommended column is the current one unless the plan moves."""
        m, alloc = self.m, self.alloc
        ref = self.split_label(alloc.reference.split)
        if self.action == "move":
            second = ("recommended", m("col_recommended"), alloc.recommended, True)
        else:
            second = ("candidate", m("col_best_found"), alloc.candidate, False)
        specs = [("current", m("col_current"), alloc.current, self.action != "move"), second]
        specs.append(("reference", m("col_reference", ref=ref), alloc.reference, False))
        return [
            SplitColumn(
                key=key,
                label=label,
                shares={c: float(s.split[c]) for c in CATEGORIES},
                euros=self.rounded_euros(s),
                encounters=s.expected_encounters,
                low=s.low,
                high=s.high,
                cost=s.cost_per_encounter,
                highlight=hl,
                value=None if s.value is None else s.value.value,
                value_low=None if s.value is None else s.value.low,
                value_high=None if s.value is None else s.value.high,
            )
            for key, label, s, hl in specs
        ]

    @property
    def split_note(self) -> str:
        m = self.m
        text = m("split_note", weeks=m.int(self.weeks), period=m.period(self.weeks, "for"))
        if self.action != "move":
            text += " " + m("split_note_not_moved")
        return text

    # -- the claim ---------------------------------------------------------------------------------

    def identified(self, category: str) -> bool:
        row = self.results.contributions[category]
        return row.identified and row.share is not None

    @property
    def claim(self):
        return self.model.claim

    @property
    def claim_bands(self) -> dict[str, tuple[float, float]]:
        bands = self.claim.bands
        return {c: (float(bands[c][0]), float(bands[c][1])) for c in CATEGORIES if c in bands}

    def band_text(self, category: str) -> str:
        lo, hi = self.claim_bands[category]
        return f"{self.m.number(100 * lo)}–{self.m.pct(hi)}"

    @property
    def spend_shares_all_data(self) -> dict[str, float]:
        return {c: float(self.data.split.all_data[c]) for c in CATEGORIES}

    @cached_property
    def claim_texts(self) -> list[str]:
        m = self.m
        parts = []
        held = any(not self.identified(c) for c in CATEGORIES)
        for c in CATEGORIES:
            row = self.results.contributions[c]
            name = m.category(c, "nom")
            ranged = self.ranged(row)
            if not self.identified(c) and ranged:
                low, high = self.share_ends(row.low, row.high)
                parts.append(m("claim_part_range", category=name, low=low, high=high))
            elif held and ranged:
                # beside a category the data cannot show, a point share rests on a guess of it
                low, high = self.share_ends(row.low, row.high)
                parts.append(m("claim_part_between", category=name, low=low, high=high))
            elif not self.identified(c):
                parts.append(m("claim_part_unknown", category=name))
            elif not ranged:
                parts.append(m("claim_part_point", category=name, share=m.pct(row.share)))
            else:
                parts.append(
                    m(
                        "claim_part",
                        category=name,
                        share=m.pct(row.share),
                        low=self.share_ends(row.low, row.high, unit=False)[0],
                        high=self.share_ends(row.low, row.high)[1],
                    )
                )
        joined = ", ".join(parts[:-1]) + m("and") + parts[-1]
        texts = [m("claim_shares", parts=joined)]
        claim = self.claim
        verdict = claim.verdict
        category = claim.category
        if verdict == "contradicted" and category in self.claim_bands:
            direction = m("claim_more" if claim.direction == "more" else "claim_less")
            texts.append(
                m(
                    "claim_contradicted_by",
                    category=m.category(category),
                    direction=direction,
                    band=self.band_text(category),
                )
            )
        elif verdict == "inconclusive":
            why = claim.why
            if why == "unidentified" or (why is None and claim.unidentified):
                unknown = m.categories(claim.unidentified, "gen")
                texts.append(m("claim_inconclusive_unknown", categories=unknown))
            elif why in ("no_effect", "weak", "no_intervals"):
                texts.append(m(f"claim_inconclusive_{why}"))
            else:
                texts.append(m("claim_inconclusive"))
        elif verdict:
            texts.append(m(f"claim_{verdict}"))
        gap = self.model.spend_effect_gap
        if gap is not None:
            texts.append(
                m(
                    "claim_gap",
                    category=m.category(gap.category, "cap"),
                    spend=m.pct(gap.spend_share),
                    effect=m.pct(gap.effect_share),
                    data_period=self.data_period,
                )
            )
        return texts

    @property
    def data_period(self) -> str:
        return self.m.period_dates(self.data.start, self.data.end)

    # -- the frontier ------------------------------------------------------------------------------

    @cached_property
    def frontier_rows(self) -> list:
        return [r for r in self.alloc.frontier if r.expected_encounters is not None]

    @property
    def frontier_points(self) -> tuple[list[dict], tuple[float, float] | None, tuple[str, str] | None]:
        """The budget chart's points in the objective's unit (encounters, deals or euros), the current
        split's point at the planned budget, and the y-axis labels for a value objective."""
        rows, cur = self.frontier_rows, self.alloc.current
        if self.value_objective and all(r.value is not None for r in rows):
            points = [{"budget": r.budget, "y": r.value.value, "low": r.value.low, "high": r.value.high} for r in rows]
            current = (self.budget, cur.value.value) if cur.value is not None else None
            objective = self.objective.value
            labels = (
                self.m("chart_frontier_value_y", objective=objective),
                self.m("chart_frontier_value_y_units", objective=objective),
            )
            return points, current, labels
        points = [{"budget": r.budget, "y": r.expected_encounters, "low": r.low, "high": r.high} for r in rows]
        current = (self.budget, cur.expected_encounters) if cur.expected_encounters else None
        return points, current, None

    @property
    def frontier_text(self) -> str | None:
        rows = self.frontier_rows
        if len(rows) < 2:
            return None
        near = min(rows, key=lambda r: abs(r.budget - self.budget))
        m = self.m
        per_step_eur = 10 ** max(len(str(int(self.budget))) - 2, 2)  # EUR 10,000 on a budget of 100,000s
        if self.value_objective and near.marginal_value is not None:
            return m(
                "frontier_text_value",
                objective=self.objective.value,
                budget=m.eur(round_sig(near.budget, 3)),
                step=m.eur(per_step_eur),
                change=self.value_text(near.marginal_value * per_step_eur, signed=True),
            )
        marginal = near.marginal_cost_per_encounter
        if not marginal:
            return None
        per_step = round_sig(per_step_eur / marginal)
        return m(
            "frontier_text",
            budget=m.eur(round_sig(near.budget, 3)),
            marginal=m.eur_cost(marginal),
            step=m.eur(per_step_eur),
            per_step=m.int(per_step),
        )

    # -- the glossary ------------------------------------------------------------------------------

    def glossary_terms(self, page: int) -> list[str]:
        """The technical terms page 1 or 2 keeps, in the order they appear."""
        if page == 1:
            terms = ["encounter", "interval"]
            if self.funnel is not None and self.funnel_lines:
                terms += ["close_rate", "warming"] if self.gain_parts else ["close_rate"]
            return terms
        terms = ["carryover", "saturation"]
        hold = self.model.holdout
        if self.model.fit.get("r2") is not None:
            terms.append("r2")
        if hold.get("nrmse") is not None:
            terms.append("nrmse")
        if self.model.draws:
            terms.append("draws")
        return terms

    def glossary(self, page: int) -> str:
        """The page's glossary line: each term it keeps with a one-line gloss."""
        level = self.interval_level
        return " · ".join(self.m(f"glossary_{t}", level=level) for t in self.glossary_terms(page))

    # -- page 2 ------------------------------------------------------------------------------------

    @cached_property
    def scenario_rows(self) -> list[tuple[str, Any, bool]]:
        """(label, scenario, bold) for the scenarios table: current, recommended or best found,
        reference, the user's own, and the unbounded optimum when the plan says it differs."""
        m, alloc = self.m, self.alloc
        ref = self.split_label(alloc.reference.split)
        rows = [(m("scenario_current"), alloc.current, self.action != "move")]
        if self.action == "move":
            rows.append((m("scenario_recommended"), alloc.recommended, True))
        else:
            rows.append((m("scenario_best_found"), alloc.candidate, False))
        rows.append((m("scenario_reference", ref=ref), alloc.reference, False))
        rows += [(s.name, s, False) for s in alloc.scenarios]
        if alloc.unbounded_differs and alloc.unbounded is not None:
            rows.append((m("scenario_unbounded"), alloc.unbounded, False))
        return rows

    def halflife(self, category: str) -> str:
        lam = float(self.model.decay[category])
        if lam < 0.5:
            return self.m("halflife_short")
        return self.m("halflife_weeks", n=self.m.number(math.log(0.5) / math.log(lam), 1))

    @property
    def bounds_texts(self) -> list[str]:
        m, alloc = self.m, self.alloc
        items = []
        for c in CATEGORIES:
            b = alloc.bounds[c]
            if c in self.held:
                items.append(m("bounds_held", category=m.category(c, "cap"), share=m.pct(float(b.min))))
                continue
            rng = m.range(m.number(100 * float(b.min)), m.pct(float(b.max)))
            items.append(m("bounds_line", category=m.category(c, "cap"), range=rng))
        texts = [" · ".join(items)] if items else []
        plan_params = (self.results.params or {}).get("plan") or {}
        if plan_params.get("max_change"):
            texts.append(m("bounds_max_change", pct=m.pct(float(plan_params["max_change"]))))
        if plan_params.get("max_deviation_from_reference"):
            points = m.number(100 * float(plan_params["max_deviation_from_reference"]))
            texts.append(m("bounds_max_dev", points=points))
        binding = alloc.binding
        if binding:
            names = []
            for b in binding:
                key = "bound_at_min" if b.side == "min" else "bound_at_max"
                names.append(m(key, category=m.category(b.category, "cap"), value=m.pct(b.share)))
            texts.append(m("bounds_binding", items=", ".join(dict.fromkeys(names))))
        else:
            texts.append(m("bounds_none_binding" if self.action == "move" else "bounds_none_binding_not_moved"))
        if alloc.unbounded_differs and alloc.unbounded is not None:
            u = alloc.unbounded
            split = " / ".join(f"{m.category(c)} {m.pct(float(u.split[c]))}" for c in CATEGORIES)
            texts.append(m("unbounded_note", split=split, encounters=self.enc(u.expected_encounters)))
        return texts

    # -- footer ------------------------------------------------------------------------------------

    @property
    def footer(self) -> tuple[str, str]:
        from pathlib import Path

        from planner import __version__

        m, run, data = self.m, self.results.run, self.data
        left = " · ".join(x for x in (self.organisation, self.title) if x)
        parts = []
        if run.params_file:
            parts.append(f"{m('footer_params')} {Path(str(run.params_file)).name}")
        if data is not None:
            parts.append(f"{m('footer_data')} {self.data_period}")
            parts.append(f"{m('footer_fingerprint')} {str(data.sha256)[:12]}")
        when = run.finished or run.started
        if when:
            parts.append(f"{m('footer_run')} {m.datetime(when)}")
        parts.append(f"planner {self.results.planner_version or __version__}")
        return left, " · ".join(parts)

    @property
    def subtitle(self) -> str:
        m = self.m
        text = m(
            "subtitle",
            budget=self.money(self.budget),
            period=m.period(self.weeks, "for"),
            weeks=m.int(self.data.rows),
            data_period=self.data_period,
        )
        if self.value_objective:
            text += " · " + m("subtitle_objective", objective=self.objective_name)
        return text

    # -- the funnel --------------------------------------------------------------------------------

    @property
    def funnel(self):
        return self.results.funnel

    def funnel_sentence(self, key: str) -> str | None:
        """One of the funnel's sentences (``funnel.sentences``) in the brief's language, or None."""
        from planner.inference import funnel as funnel_module

        render = getattr(funnel_module, "render_sentence", None) or funnel_module._render_sentence
        for s in self.funnel.sentences if self.funnel is not None else []:
            if s.key == key:
                return render(self.m, s.key, s.context)
        return None

    @cached_property
    def experience_warning(self) -> str | None:
        """The plan's warning that its split is expected to lower the customer-experience score."""
        found = [w for w in self._warning_entries if w.code in EXPERIENCE_WARNINGS]
        return self._warning_text(found[0]) if found else None

    @cached_property
    def funnel_lines(self) -> list[str]:
        """Page 1: conversion seen two ways (the close rate's trend, deal value per channel)."""
        if self.funnel is None:
            return []
        lines = [t for t in (self.funnel_sentence(k) for k in PAGE1_FUNNEL_SENTENCES) if t]
        return lines

    @cached_property
    def funnel_chain(self) -> list[FunnelStage]:
        """Page 2: encounters -> leads -> deals -> revenue over the last horizon, with the rates between."""
        chain = None if self.funnel is None else self.funnel.chain
        if chain is None:
            return []
        m = self.m
        stages = [FunnelStage(m("funnel_stage_encounters"), m.int(round_sig(chain.encounters, 3)))]
        if chain.leads is not None:
            rate = chain.leads_per_encounter
            if rate:
                stages[-1].rate = m("funnel_rate_leads", rate=m.pct(rate, 2 if round(100 * rate, 1) < 1 else 1))
            stages.append(FunnelStage(m("funnel_stage_leads"), m.int(chain.leads)))
        if chain.deals is not None:
            if chain.leads is not None and chain.close_rate is not None:
                stages[-1].rate = m("funnel_rate_close", rate=m.pct(chain.close_rate, 1))
            stages.append(FunnelStage(m("funnel_stage_deals"), m.int(chain.deals)))
        if chain.revenue is not None:
            if chain.revenue_per_deal is not None and chain.deals is not None:
                stages[-1].rate = m("funnel_rate_revenue", value=m.eur(round_sig(chain.revenue_per_deal, 3)))
            stages.append(FunnelStage(m("funnel_stage_revenue"), self._euros_short(chain.revenue)))
        return stages

    def _euros_short(self, x: float) -> str:
        if abs(round_sig(x)) >= 1e6:
            return self.m("money_millions", value=self.value_number(x, scale=1e6))
        return self.m.eur(round_sig(x, 3))

    @property
    def funnel_chain_title(self) -> str:
        chain = self.funnel.chain
        return self.m(
            "sec_funnel_detail", weeks=self.m.int(chain.weeks), dates=self.m.period_dates(chain.start, chain.end)
        )

    @property
    def funnel_chain_note(self) -> str | None:
        chain = None if self.funnel is None else self.funnel.chain
        if chain is None or chain.revenue_per_encounter is None:
            return None
        return self.m("funnel_chain_note", per_encounter=self.m.eur_cost(chain.revenue_per_encounter))

    @property
    def experience_lines(self) -> list[str]:
        """Page 2: the score's effect per category with intervals, and where the score stands."""
        experience = None if self.funnel is None else self.funnel.experience
        if experience is None:
            return []
        lines = [t for t in [self.funnel_sentence("funnel_experience")] if t]
        if experience.current is not None and self.funnel.chain is not None:
            lines.append(
                self.m(
                    "funnel_experience_now",
                    score=self.m.number(experience.current, 1),
                    weeks=self.m.int(self.funnel.chain.weeks),
                )
            )
        return lines


def categories_present(values: Sequence[str]) -> list[str]:
    return [c for c in CATEGORIES if c in values]


def next_test_sentence(
    test, m: Messages, by_region: bool = False, unknown: bool = False, lead: str = "next_test"
) -> str:
    """A proposed lift test (results.json ``next_test``, a `planner.results.NextTest`) in words: the
    spend change, where (a geo split names its treated and control regions; a time test on data by
    region, `by_region`, says every region), how long, and what it detects, the detectable change and
    the power against the expected change each with its own probability. For a category the data
    cannot show (`unknown`) the model expects nothing of its own, so only what the test detects is
    said. `lead` is the sentence's opening: ``next_test`` ("The test to run next: ...") or
    ``next_step`` ("Next step: ...")."""
    from planner.inference.experiments import POWER

    change_eur = float(test.spend_change_eur_per_week)
    key = "test_change_up" if change_eur > 0 else "test_change_down"
    change = m(key, category=m.category(test.category, "gen"), amount=m.eur(round_sig(abs(change_eur))))
    geo = test.design == "geo"
    if geo:
        change += m("test_where_geo", treated=m.join(test.treated_regions), control=m.join(test.control_regions))
    elif by_region:
        change += m("test_where_all")
    weeks = m.int(test.weeks)
    numbers = {
        "lift": m.int(round_sig(abs(float(test.expected_lift)))),
        "detectable": m.int(round_sig(float(test.detectable_lift))),
        "power": m.prob(float(test.power)),
        "level": m.pct(POWER),
    }
    if not test.powered:
        return m(
            "next_test_underpowered_geo" if geo else "next_test_underpowered", change=change, weeks=weeks, **numbers
        )
    opening = m(lead, change=change, weeks=weeks)
    if unknown:
        return (
            opening
            + " "
            + m(
                "next_test_unknown",
                category=m.category(test.category, "nom"),
                detectable=numbers["detectable"],
                level=numbers["level"],
            )
        )
    expect = "next_test_expect_up" if float(test.expected_lift) >= 0 else "next_test_expect_down"
    return opening + " " + m(expect, **numbers)
