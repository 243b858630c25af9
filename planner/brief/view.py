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
from planner.i18n import Messages, round_sig
from planner.i18n.formats import MINUS, fmt_significant

__all__ = ["BriefView", "FunnelStage", "Headline", "SplitColumn", "money_step", "round_to_total"]

VALUE_OBJECTIVES = ("deals", "revenue", "profit")
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


def _get(obj: Any, key: str, default: Any = None) -> Any:
    """A field of a results object or a key of a mapping (per-category values may be either)."""
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        value = obj.get(key, default)
    else:
        value = getattr(obj, key, default)
    return default if value is None else value


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
    """The brief's one-sentence recommendation and the formatted numbers it contains.

    ``kind`` is the plan's ``action_reason.code`` (``clearly_better``, ``weak_model``,
    ``not_clearly_better``...), so the sentence can never say something the plan did not decide.
    """

    kind: str
    action: str
    text: str
    numbers: dict[str, str] = field(default_factory=dict)


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
        self.results = results
        self.lang = _get(results.run, "language", "en")
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
        return int(_get(self.alloc, "horizon_weeks", 13))

    @property
    def budget(self) -> float:
        return float(_get(self.alloc, "total_budget", 0.0))

    @property
    def step(self) -> int:
        return money_step(self.budget)

    @property
    def action(self) -> str:
        return _get(self.alloc, "action", "keep")

    @property
    def reason(self) -> str:
        return _get(_get(self.alloc, "action_reason"), "code", "")

    @property
    def quality(self) -> str | None:
        return _get(self.model, "quality")

    @property
    def interval_level(self) -> str:
        return self.m.pct(float(_get(self.alloc, "interval", 0.8)))

    def split_label(self, split: Any) -> str:
        return "/".join(f"{round(100 * float(_get(split, c, 0.0)))}" for c in CATEGORIES)

    def enc(self, x: float | None) -> str:
        """Encounters as tables show them: three significant figures."""
        return "–" if x is None else self.m.int(round_sig(x, 3))

    def money(self, euros: float) -> str:
        """Euros at the table's step."""
        return self.m.eur(round(euros / self.step) * self.step)

    def rounded_euros(self, scenario) -> dict[str, float]:
        euros = {c: float(_get(_get(scenario, "euros"), c, 0.0)) for c in CATEGORIES}
        return round_to_total(euros, self.step)

    # -- the objective ---------------------------------------------------------------------------

    @property
    def objective(self) -> str:
        """What the plan maximised: encounters, deals, revenue or profit."""
        return _get(self.alloc, "objective", "encounters")

    @property
    def value_objective(self) -> bool:
        """Whether the plan counts its gain in deals or euros (the gain's value is then recorded)."""
        gain = _get(self.alloc, "gain_vs_current")
        return self.objective in VALUE_OBJECTIVES and _get(gain, "value") is not None

    @property
    def objective_name(self) -> str | None:
        return self.m(f"objective_{self.objective}") if self.objective in VALUE_OBJECTIVES else None

    def value_scale(self, x: float) -> float:
        """1e6 when an amount of euros reads better in millions (EUR 1.2 M), else 1."""
        if self.objective == "deals" or x is None:
            return 1.0
        return 1e6 if abs(round_sig(x)) >= 1e6 else 1.0

    def value_number(self, x: float, *, signed: bool = False, scale: float = 1.0, digits: int = 2) -> str:
        """A deals or euro amount to `digits` significant figures, the number alone (no unit)."""
        m = self.m
        if scale != 1.0:
            v = x / scale
            v = round_sig(v, digits) if abs(v) >= 10 else v
            text = fmt_significant(abs(v), self.lang, digits) if round_sig(abs(v), digits) else "0"
            sign = MINUS if text != "0" and v < 0 else ("+" if signed and text != "0" and v > 0 else "")
            return sign + text
        v = round_sig(x, digits)
        return m.signed(v) if signed else m.int(v)

    def value_text(self, x: float, *, signed: bool = False, digits: int = 2) -> str:
        """An amount of the objective with its unit: "€65,000", "€1.2 M", "120" (deals)."""
        m = self.m
        if self.objective == "deals":
            return self.value_number(x, signed=signed, digits=digits)
        scale = self.value_scale(x)
        if scale != 1.0:
            sign = MINUS if x < 0 else ("+" if signed and x > 0 else "")
            return sign + m("money_millions", value=self.value_number(abs(x), scale=scale, digits=digits))
        v = round_sig(x, digits)
        text = m.eur(v)
        return ("+" + text) if signed and v > 0 else text

    def value_interval(self, low: float | None, high: float | None, scale: float, *, signed: bool = True) -> str:
        """The interval after a headline amount, in the amount's scale: " (−25,000 to +170,000)"."""
        if low is None or high is None:
            return ""
        lo = self.value_number(low, signed=signed, scale=scale)
        hi = self.value_number(high, signed=signed, scale=scale)
        key = "hl_interval_millions" if scale != 1.0 else "hl_interval"
        return self.m(key, low=lo, high=hi)

    def value_cell(self, x: float | None) -> str:
        """An expected value in the split table: three significant figures."""
        return "–" if x is None else self.value_text(x, digits=3)

    def value_range(self, low: float | None, high: float | None) -> str:
        """An interval in the split table, in thousands or millions of euros so that it fits a cell."""
        if low is None or high is None:
            return "–"
        if self.objective == "deals":
            return self.m.range(self.m.int(round_sig(low)), self.m.int(round_sig(high)))
        big = max(abs(low), abs(high))
        scale, key = (1e6, "money_millions") if round_sig(big) >= 1e6 else (1e3, "money_thousands")
        if round_sig(big) < 1e4:
            return self.m.range(self.m.eur(round_sig(low)), self.m.eur(round_sig(high)))
        if scale == 1e6 and low >= 0:  # the unit once: "0.85 to 1.4 M" fits a cell
            return self.m(key, value=self.m.range(*(self.value_number(x, scale=scale) for x in (low, high))))
        ends = [
            (MINUS if x < 0 else "") + self.m(key, value=self.value_number(abs(x), scale=scale)) for x in (low, high)
        ]
        return self.m.range(*ends)

    # -- the headline ----------------------------------------------------------------------------

    @cached_property
    def moved(self) -> float:
        """Euros moved between current and candidate, as the table shows them (rounded, same step)."""
        cur = self.rounded_euros(self.alloc.current)
        cand = self.rounded_euros(self.alloc.candidate)
        return float(sum(max(cand[c] - cur[c], 0.0) for c in CATEGORIES))

    @cached_property
    def headline(self) -> Headline:
        """The recommendation in one sentence, worded from the plan's action and its reason."""
        if self.value_objective:
            return self.value_headline
        m, alloc = self.m, self.alloc
        gain = _get(alloc, "gain_vs_current")
        g = float(_get(gain, "encounters", 0.0))
        low, high, prob = _get(gain, "low"), _get(gain, "high"), _get(gain, "probability_better")
        has_interval = low is not None and high is not None
        period = m.period(self.weeks)
        sources = list(_get(alloc, "moved_from", []))
        targets = list(_get(alloc, "moved_to", []))
        numbers = {"amount": m.eur(self.moved), "gain": m.int(round_sig(g))}
        if has_interval:
            numbers.update(low=m.signed(round_sig(low)), high=m.signed(round_sig(high)))
        if prob is not None:
            numbers["prob"] = m.prob(float(prob))
        words = {
            "sources": m.categories(sources, "ela"),
            "targets": m.categories(targets, "ill"),
            "period": period,
            "amount": numbers["amount"],
            "gain": numbers["gain"],
            "interval": m("hl_interval", low=numbers["low"], high=numbers["high"]) if has_interval else "",
        }
        prob_clause = m("hl_prob", prob=numbers["prob"]) if prob is not None else ""
        note = "" if has_interval else " " + m("hl_no_interval")
        direction = bool(sources and targets and self.moved > 0 and g > 0)
        code, action = self.reason, self.action

        def done(kind: str, text: str, nums: dict) -> Headline:
            return Headline(kind, action, text[:1].upper() + text[1:], nums)

        if action == "move":
            return done(code, m("headline_move", **words, prob_clause=prob_clause) + note, numbers)
        if code == "weak_model" and direction:
            return done(code, m("headline_weak", **words, prob_clause=prob_clause) + note, numbers)
        if code == "not_clearly_better" and direction:
            doubt = m("hl_doubt_prob", prob=numbers["prob"])
            return done(code, m("headline_uncertain", **words, doubt=doubt) + note, numbers)
        if code == "no_draws" and direction:
            return done(code, m("headline_uncertain", **words, doubt=m("hl_doubt_no_draws")), numbers)
        if code == "small_gain" and direction:
            numbers["gain"] = words["gain"] = m.signed(round_sig(g))
            numbers.pop("prob", None)
            return done(code, m("headline_keep", **words) + note, numbers)
        cur = alloc.current
        numbers = {"encounters": m.int(round_sig(cur.expected_encounters))}
        interval = ""
        if cur.low is not None and cur.high is not None:
            numbers.update(low=m.int(round_sig(cur.low)), high=m.int(round_sig(cur.high)))
            interval = m("hl_interval", low=numbers["low"], high=numbers["high"])
        key = "headline_weak_none" if action == "test" else "headline_keep_none"
        return done(code, m(key, period=period, encounters=numbers["encounters"], interval=interval), numbers)

    @cached_property
    def value_headline(self) -> Headline:
        """The headline of a deals, revenue or profit plan: the same sentence led by the objective's gain
        (``gain_vs_current.value``), in deals or euros rounded to two significant figures."""
        m, alloc, objective = self.m, self.alloc, self.objective
        gain = _get(self.alloc, "gain_vs_current")
        est = _get(gain, "value")
        g = float(est.value)
        low, high, prob = _get(est, "low"), _get(est, "high"), _get(gain, "probability_better")
        scale = self.value_scale(g)
        period = m.period(self.weeks)
        sources = list(_get(alloc, "moved_from", []))
        targets = list(_get(alloc, "moved_to", []))
        gain_text = self.value_text(g)
        numbers = {"amount": m.eur(self.moved), "gain": gain_text}
        interval = self.value_interval(low, high, scale)
        if interval:
            numbers.update(
                low=self.value_number(low, signed=True, scale=scale),
                high=self.value_number(high, signed=True, scale=scale),
            )
        if prob is not None:
            numbers["prob"] = m.prob(float(prob))
        more = m("hl_more", objective=objective, gain=gain_text)
        words = {
            "sources": m.categories(sources, "ela"),
            "targets": m.categories(targets, "ill"),
            "period": period,
            "amount": numbers["amount"],
            "more": more,
            "interval": interval,
        }
        prob_clause = m("hl_prob", prob=numbers["prob"]) if prob is not None else ""
        note = "" if interval else " " + m("hl_no_interval")
        direction = bool(sources and targets and self.moved > 0 and g > 0)
        code, action = self.reason, self.action

        def done(text: str, nums: dict) -> Headline:
            return Headline(code, action, text[:1].upper() + text[1:], nums)

        if action == "move":
            return done(m("headline_move_value", **words, prob_clause=prob_clause) + note, numbers)
        if code == "weak_model" and direction:
            return done(m("headline_weak_value", **words, prob_clause=prob_clause) + note, numbers)
        if code == "not_clearly_better" and direction:
            doubt = m("hl_doubt_prob", prob=numbers["prob"])
            return done(m("headline_uncertain_value", **words, doubt=doubt) + note, numbers)
        if code == "no_draws" and direction:
            return done(m("headline_uncertain_value", **words, doubt=m("hl_doubt_no_draws")), numbers)
        if code == "small_gain" and direction:
            numbers["gain"] = self.value_text(g, signed=True)
            numbers.pop("prob", None)
            text = m(
                "headline_keep_value",
                period=period,
                amount=numbers["amount"],
                measure=m("hl_measure", objective=objective),
                gain=numbers["gain"],
                interval=interval,
            )
            return done(text + note, numbers)
        cur = _get(alloc.current, "value")
        expected = float(_get(cur, "value", 0.0))
        cur_scale = self.value_scale(expected)
        numbers = {"expected": self.value_text(expected)}
        cur_interval = self.value_interval(_get(cur, "low"), _get(cur, "high"), cur_scale, signed=False)
        if cur_interval:
            numbers.update(
                low=self.value_number(cur.low, scale=cur_scale),
                high=self.value_number(cur.high, scale=cur_scale),
            )
        expect = m("hl_expect", objective=objective, value=numbers["expected"])
        key = "headline_weak_none_value" if action == "test" else "headline_keep_none_value"
        return done(m(key, period=period, expect=expect, interval=cur_interval), numbers)

    @property
    def budget_level(self) -> str | None:
        """Profit only: the budget where one more euro stops paying for itself, beside the fixed-budget
        split; when the plan found it outside the budgets it looked at, the plan's own sentence."""
        level = _get(self.alloc, "budget_level")
        if self.objective != "profit" or level is None:
            return None
        m = self.m
        if _get(level, "status", "found") != "found":
            placed = [w for w in self._warning_entries if _get(w, "code") == "plan_budget_level_outside"]
            return self._warning_text(placed[0]) if placed else None
        budget = m.eur(round_sig(level.value))
        low, high = _get(level, "low"), _get(level, "high")
        interval = ""
        if low is not None and high is not None:
            interval = m.range(m.int(round_sig(low)), m.int(round_sig(high)))
        text = m("budget_level_found", budget=budget, range=interval, period=m.period(self.weeks, "for"))
        if not interval:
            text = text.replace(" ()", "")
        return text

    @property
    def next_test(self) -> str | None:
        """The proposed lift test in words, when the plan's action is ``test``."""
        test = self.results.next_test
        if test is None or (self.action != "test" and not self.held):
            return None
        by_region = bool(((self.results.params or {}).get("data") or {}).get("region"))
        unknown = _get(test, "category") in self.held
        return next_test_sentence(test, self.m, by_region=by_region, unknown=unknown)

    @property
    def held(self) -> list[str]:
        """Categories the plan holds at their current share because the data cannot show them."""
        return list(_get(self.alloc, "held", None) or [])

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
        reason = _get(self.model, "quality_reason")
        code = _get(reason, "code")
        if not code or not self.m.has(code):
            return None
        try:
            return self.m.render(code, dict(_get(reason, "context", {})))
        except KeyError:
            return None

    @property
    def _warning_entries(self) -> list:
        return list(self.results.warnings or [])

    def _warning_text(self, w) -> str:
        return self.m.warning(w.model_dump() if hasattr(w, "model_dump") else dict(w))

    @cached_property
    def warnings(self) -> list[str]:
        """The run's warnings in the brief's language, those that change the decision first.

        The experience and budget-level warnings are shown in their own place (beside the funnel
        and the split), so they are left out here: each warning is shown once on a page.
        """
        placed = PLACED_WARNINGS if self.results.funnel is not None or self.budget_level else ()
        entries = [w for w in self._warning_entries if _get(w, "code") not in placed]

        def rank(w) -> int:
            code = _get(w, "code")
            return WARNING_PRIORITY.index(code) if code in WARNING_PRIORITY else len(WARNING_PRIORITY)

        out = []
        for w in sorted(entries, key=rank):
            entry = w.model_dump() if hasattr(w, "model_dump") else dict(w)
            out.append(self.m.warning(entry))
        return list(dict.fromkeys(out))

    @property
    def pooled_note(self) -> str | None:
        """That the estimate pools N regions (the pooled model over regions); None for a national fit."""
        pooling = getattr(self.model, "pooling", None)
        return self.m("pooled_regions", count=self.m.int(pooling.regions)) if pooling is not None else None

    @property
    def stats_line(self) -> str:
        m, model = self.m, self.model
        fit, hold = _get(model, "fit"), _get(model, "holdout")
        parts = []
        r2 = _get(fit, "r2")
        if r2 is not None:
            parts.append(m("stat_r2", value=m.number(r2, 2)))
        mape = _get(hold, "mape")
        if mape is not None:
            weeks = _get(hold, "weeks")
            parts.append(
                m("stat_mape", value=m.pct(mape, 1), weeks=m.int(weeks))
                if weeks
                else m("stat_mape_noweeks", value=m.pct(mape, 1))
            )
        if _get(hold, "nrmse") is not None:
            parts.append(m("stat_nrmse", value=m.number(_get(hold, "nrmse"), 2)))
        if _get(model, "draws"):
            parts.append(m("stat_draws", n=m.int(_get(model, "draws"))))
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
                shares={c: float(_get(s.split, c, 0.0)) for c in CATEGORIES},
                euros=self.rounded_euros(s),
                encounters=s.expected_encounters,
                low=s.low,
                high=s.high,
                cost=s.cost_per_encounter,
                highlight=hl,
                value=_get(_get(s, "value"), "value"),
                value_low=_get(_get(s, "value"), "low"),
                value_high=_get(_get(s, "value"), "high"),
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
        row = _get(self.results.contributions, category)
        return bool(_get(row, "identified", True)) and _get(row, "share") is not None

    @property
    def claim(self):
        return _get(self.model, "claim")

    @property
    def claim_bands(self) -> dict[str, tuple[float, float]]:
        bands = _get(self.claim, "bands", {})
        return {c: (float(_get(bands, c)[0]), float(_get(bands, c)[1])) for c in CATEGORIES if _get(bands, c)}

    def band_text(self, category: str) -> str:
        lo, hi = self.claim_bands[category]
        return f"{self.m.number(100 * lo)}–{self.m.pct(hi)}"

    @property
    def spend_shares_all_data(self) -> dict[str, float]:
        return {c: float(_get(_get(_get(self.data, "split"), "all_data"), c, 0.0)) for c in CATEGORIES}

    @cached_property
    def claim_texts(self) -> list[str]:
        m = self.m
        parts = []
        held = any(not self.identified(c) for c in CATEGORIES)
        for c in CATEGORIES:
            row = _get(self.results.contributions, c)
            name = m.category(c, "nom")
            ranged = row is not None and row.low is not None and row.high is not None
            if not self.identified(c) and ranged:
                parts.append(m("claim_part_range", category=name, low=m.pct(row.low), high=m.pct(row.high)))
            elif held and ranged:
                # beside a category the data cannot show, a point share rests on a guess of it
                parts.append(m("claim_part_between", category=name, low=m.pct(row.low), high=m.pct(row.high)))
            elif not self.identified(c):
                parts.append(m("claim_part_unknown", category=name))
            elif row.low is None or row.high is None:
                parts.append(m("claim_part_point", category=name, share=m.pct(row.share)))
            else:
                parts.append(
                    m(
                        "claim_part",
                        category=name,
                        share=m.pct(row.share),
                        low=m.number(100 * row.low),
                        high=m.pct(row.high),
                    )
                )
        joined = ", ".join(parts[:-1]) + m("and") + parts[-1]
        texts = [m("claim_shares", parts=joined)]
        claim = self.claim
        verdict = _get(claim, "verdict")
        category = _get(claim, "category")
        if verdict == "contradicted" and category in self.claim_bands:
            direction = m("claim_more" if _get(claim, "direction") == "more" else "claim_less")
            texts.append(
                m(
                    "claim_contradicted_by",
                    category=m.category(category),
                    direction=direction,
                    band=self.band_text(category),
                )
            )
        elif verdict == "inconclusive":
            why = _get(claim, "why")
            if why == "unidentified" or (why is None and _get(claim, "unidentified")):
                unknown = m.categories(_get(claim, "unidentified"), "gen")
                texts.append(m("claim_inconclusive_unknown", categories=unknown))
            elif why in ("no_effect", "weak", "no_intervals"):
                texts.append(m(f"claim_inconclusive_{why}"))
            else:
                texts.append(m("claim_inconclusive"))
        elif verdict:
            texts.append(m(f"claim_{verdict}"))
        gap = _get(self.model, "spend_effect_gap")
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
        return [r for r in (_get(self.alloc, "frontier", []) or []) if r.expected_encounters is not None]

    @property
    def frontier_text(self) -> str | None:
        rows = self.frontier_rows
        if len(rows) < 2:
            return None
        near = min(rows, key=lambda r: abs(r.budget - self.budget))
        marginal = near.marginal_cost_per_encounter
        if not marginal:
            return None
        m = self.m
        per_step_eur = 10 ** max(len(str(int(self.budget))) - 2, 2)  # EUR 10,000 on a budget of 100,000s
        per_step = round_sig(per_step_eur / marginal)
        return m(
            "frontier_text",
            budget=m.eur(round_sig(near.budget, 3)),
            marginal=m.eur_cost(marginal),
            step=m.eur(per_step_eur),
            per_step=m.int(per_step),
        )

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
        rows += [(s.name, s, False) for s in (_get(alloc, "scenarios", []) or [])]
        if _get(alloc, "unbounded_differs", False) and alloc.unbounded is not None:
            rows.append((m("scenario_unbounded"), alloc.unbounded, False))
        return rows

    def halflife(self, category: str) -> str:
        lam = float(_get(_get(self.model, "decay"), category, 0.0))
        if lam < 0.5:
            return self.m("halflife_short")
        return self.m("halflife_weeks", n=self.m.number(math.log(0.5) / math.log(lam), 1))

    @property
    def bounds_texts(self) -> list[str]:
        m, alloc = self.m, self.alloc
        bounds = _get(alloc, "bounds", {})
        items = []
        for c in CATEGORIES:
            b = _get(bounds, c)
            if b is None:
                continue
            if c in self.held:
                items.append(m("bounds_held", category=m.category(c, "cap"), share=m.pct(float(_get(b, "min", 0.0)))))
                continue
            rng = f"{m.number(100 * float(_get(b, 'min', 0.0)))}–{m.pct(float(_get(b, 'max', 1.0)))}"
            items.append(m("bounds_line", category=m.category(c, "cap"), range=rng))
        texts = [" · ".join(items)] if items else []
        plan_params = (self.results.params or {}).get("plan") or {}
        if plan_params.get("max_change"):
            texts.append(m("bounds_max_change", pct=m.pct(float(plan_params["max_change"]))))
        if plan_params.get("max_deviation_from_reference"):
            points = m.number(100 * float(plan_params["max_deviation_from_reference"]))
            texts.append(m("bounds_max_dev", points=points))
        binding = _get(alloc, "binding", [])
        if binding:
            names = []
            for b in binding:
                key = "bound_at_min" if b.side == "min" else "bound_at_max"
                names.append(m(key, category=m.category(b.category, "cap"), value=m.pct(b.share)))
            texts.append(m("bounds_binding", items=", ".join(dict.fromkeys(names))))
        else:
            texts.append(m("bounds_none_binding"))
        if _get(alloc, "unbounded_differs", False) and alloc.unbounded is not None:
            u = alloc.unbounded
            split = " / ".join(f"{m.category(c)} {m.pct(float(_get(u.split, c, 0.0)))}" for c in CATEGORIES)
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
        if _get(run, "params_file"):
            parts.append(f"{m('footer_params')} {Path(str(run.params_file)).name}")
        if data is not None:
            parts.append(f"{m('footer_data')} {self.data_period}")
            parts.append(f"{m('footer_fingerprint')} {str(data.sha256)[:12]}")
        when = _get(run, "finished") or _get(run, "started")
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
        from planner import funnel as funnel_module

        render = getattr(funnel_module, "render_sentence", None) or funnel_module._render_sentence
        for s in _get(self.funnel, "sentences", []) or []:
            if s.key == key:
                return render(self.m, s.key, s.context)
        return None

    @cached_property
    def experience_warning(self) -> str | None:
        """The plan's warning that its split is expected to lower the customer-experience score."""
        found = [w for w in self._warning_entries if _get(w, "code") in EXPERIENCE_WARNINGS]
        return self._warning_text(found[0]) if found else None

    @cached_property
    def funnel_lines(self) -> list[str]:
        """Page 1: conversion seen two ways (the close rate's trend, deal value per channel)."""
        if self.funnel is None:
            return []
        lines = [t for t in (self.funnel_sentence(k) for k in PAGE1_FUNNEL_SENTENCES) if t]
        return ([self.warming_line] if self.warming_line else []) + lines

    @cached_property
    def warming_line(self) -> str | None:
        """Page 1, for a plan that moves money for value: how much of the gain is content's warming of
        the leads (``gain_vs_current.warming``), so the reader sees what the plan rests on."""
        warming = _get(_get(self.alloc, "gain_vs_current"), "warming")
        if warming is None or self.action != "move" or float(warming) < 0.5:
            return None
        return self.m("funnel_gain_warming", amount=self.value_text(float(warming)))

    @cached_property
    def funnel_chain(self) -> list[FunnelStage]:
        """Page 2: encounters -> leads -> deals -> revenue over the last horizon, with the rates between."""
        chain = _get(self.funnel, "chain")
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
        chain = _get(self.funnel, "chain")
        if chain is None or chain.revenue_per_encounter is None:
            return None
        return self.m("funnel_chain_note", per_encounter=self.m.eur_cost(chain.revenue_per_encounter))

    @property
    def experience_lines(self) -> list[str]:
        """Page 2: the score's effect per category with intervals, and where the score stands."""
        experience = _get(self.funnel, "experience")
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


def next_test_sentence(test: Any, m: Messages, by_region: bool = False, unknown: bool = False) -> str:
    """A proposed lift test (results.json ``next_test``, object or dict) in words: the spend change,
    where (a geo split names its treated and control regions; a time test on data by region,
    `by_region`, says every region), how long, and what it can detect. For a category the data
    cannot show (`unknown`) the model expects nothing of its own, so only what the test detects is
    said."""
    change_eur = float(_get(test, "spend_change_eur_per_week"))
    key = "test_change_up" if change_eur > 0 else "test_change_down"
    change = m(key, category=m.category(_get(test, "category"), "gen"), amount=m.eur(round_sig(abs(change_eur))))
    geo = _get(test, "design", "time") == "geo"
    if geo:
        change += m(
            "test_where_geo",
            treated=m.join(_get(test, "treated_regions")),
            control=m.join(_get(test, "control_regions")),
        )
    elif by_region:
        change += m("test_where_all")
    weeks = m.int(_get(test, "weeks"))
    numbers = {
        "lift": m.int(round_sig(abs(float(_get(test, "expected_lift"))))),
        "detectable": m.int(round_sig(float(_get(test, "detectable_lift")))),
        "power": m.prob(float(_get(test, "power"))),
    }
    if not _get(test, "powered"):
        return m(
            "next_test_underpowered_geo" if geo else "next_test_underpowered", change=change, weeks=weeks, **numbers
        )
    if unknown:
        return m("next_test", change=change, weeks=weeks) + " " + m(
            "next_test_unknown", category=m.category(_get(test, "category"), "nom"), detectable=numbers["detectable"]
        )
    expect = "next_test_expect_up" if float(_get(test, "expected_lift")) >= 0 else "next_test_expect_down"
    return m("next_test", change=change, weeks=weeks) + " " + m(expect, **numbers)
