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

__all__ = ["BriefView", "Headline", "SplitColumn", "money_step", "round_to_total"]

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

    @property
    def next_test(self) -> str | None:
        """The proposed lift test in words, when the plan's action is ``test``."""
        test = self.results.next_test
        if test is None or self.action != "test":
            return None
        m = self.m
        key = "test_change_up" if test.spend_change_eur_per_week > 0 else "test_change_down"
        change = m(
            key, category=m.category(test.category, "gen"), amount=m.eur(round_sig(abs(test.spend_change_eur_per_week)))
        )
        numbers = {
            "lift": m.int(round_sig(abs(test.expected_lift))),
            "detectable": m.int(round_sig(test.detectable_lift)),
            "power": m.prob(float(test.power)),
        }
        if not test.powered:
            return m("next_test_underpowered", change=change, weeks=m.int(test.weeks), **numbers)
        expect = "next_test_expect_up" if test.expected_lift >= 0 else "next_test_expect_down"
        return m("next_test", change=change, weeks=m.int(test.weeks)) + " " + m(expect, **numbers)

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

    @cached_property
    def warnings(self) -> list[str]:
        """The run's warnings in the brief's language, those that change the decision first."""
        entries = list(self.results.warnings or [])

        def rank(w) -> int:
            code = _get(w, "code")
            return WARNING_PRIORITY.index(code) if code in WARNING_PRIORITY else len(WARNING_PRIORITY)

        out = []
        for w in sorted(entries, key=rank):
            entry = w.model_dump() if hasattr(w, "model_dump") else dict(w)
            out.append(self.m.warning(entry))
        return list(dict.fromkeys(out))

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
        for c in CATEGORIES:
            row = _get(self.results.contributions, c)
            name = m.category(c, "nom")
            if not self.identified(c):
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
        return m(
            "subtitle",
            budget=self.money(self.budget),
            period=m.period(self.weeks, "for"),
            weeks=m.int(self.data.rows),
            data_period=self.data_period,
        )


def categories_present(values: Sequence[str]) -> list[str]:
    return [c for c in CATEGORIES if c in values]
