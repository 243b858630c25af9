"""What a plan returns: `Allocation` (one split and what it brings), `PlanResults` (the decision,
the scenarios, the frontier, the weekly plan and results.json's allocation section) and
`PlanSummary` (the plan in words, as text and HTML).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.objective import PlanObjective
from planner.plan._common import CATS
from planner.plan.decision import MOVED_SHARE
from planner.presentation.i18n import fmt_significant
from planner.presentation.i18n.notebooks import messages


@dataclass(frozen=True)
class Allocation:
    """One split of the budget and what the response expects it to bring in the horizon.

    Attributes
    ----------
    name : str
    split : pandas.Series
        Share per category (adds up to one).
    euros : pandas.Series
        Euros per category over the horizon.
    expected_encounters : float
        Spend-driven quality-weighted encounters over the horizon (point estimate), including the
        carryover of past spend into the horizon.
    low, high : float or None
        Interval from the posterior draws (None without draws).
    draws : numpy.ndarray
        Horizon encounters per draw (paired across allocations: draw i is the same refit).
    value, value_low, value_high : float or None
        The objective over the horizon in the plan's unit (deals, revenue or profit in EUR) with its
        interval; None for the encounters objective.
    value_draws : numpy.ndarray or None
        The objective per draw (each encounter draw paired with a value draw, the same pairing for
        every allocation).
    experience_change : dict or None
        ``{value, low, high}``: the expected steady-state change of the experience score against
        the current split; None without experience data.
    value_warming : float or None
        The part of `value` that content's warming of the leads brings (content's carryover above
        the data's mean raising the close rate; `planner.plan.value.Warming`); None without it.
    value_warming_draws : numpy.ndarray or None
        That part per draw, paired with `value_draws`.
    """

    name: str
    split: pd.Series
    euros: pd.Series
    expected_encounters: float
    low: float | None
    high: float | None
    draws: np.ndarray = field(repr=False)
    value: float | None = None
    value_low: float | None = None
    value_high: float | None = None
    value_draws: np.ndarray | None = field(default=None, repr=False)
    experience_change: dict | None = None
    value_warming: float | None = None
    value_warming_draws: np.ndarray | None = field(default=None, repr=False)

    @property
    def total_eur(self) -> float:
        return float(self.euros.sum())

    @property
    def cost_per_encounter(self) -> float | None:
        """Euros of the horizon per expected encounter (None when none are expected)."""
        return self.total_eur / self.expected_encounters if self.expected_encounters > 0 else None

    def to_dict(self) -> dict:
        """`{split, euros, expected_encounters, low, high, cost_per_encounter}`, JSON-ready, with
        `value` and `experience_change` (``{value, low, high}``) when they apply."""
        out = {
            "split": {c: round(float(self.split[c]), 6) for c in CATS},
            "euros": {c: round(float(self.euros[c]), 2) for c in CATS},
            "expected_encounters": round(float(self.expected_encounters), 2),
            "low": _r(self.low),
            "high": _r(self.high),
            "cost_per_encounter": _r(self.cost_per_encounter, 4),
        }
        if self.value is not None:
            out["value"] = _estimate(self.value, self.value_low, self.value_high)
        if self.experience_change is not None:
            e = self.experience_change
            out["experience_change"] = _estimate(e["value"], e["low"], e["high"], 4)
        return out


def _estimate(value, low, high, digits: int = 2) -> dict:
    return {"value": round(float(value), digits), "low": _r(low, digits), "high": _r(high, digits)}


def _pct(x: float, m) -> str:
    """A share as a percentage, with a decimal only when whole percents would hide it (12.5 %)."""
    return m.format_value(float(x), "pct_auto")


def _signed_pct(x: float, m) -> str:
    """A relative change with its sign: "+12.5%", "−3%"."""
    if not np.isfinite(x):
        return "–"
    text = _pct(x, m)
    return text if x <= 0 or text.strip("0%\u00a0.,") == "" else "+" + text


def _limits(names: list[str], m, sep: str = ", ") -> str:
    """The plan's limits (``technology.min_share``, ``content.max_change (upper)``) in words."""
    words = []
    for name in names:
        cat, _, kind = name.partition(".")
        kind = kind.split(" ")[0]
        key = f"ps_limit_{kind}"
        words.append(m(key, category=cat) if key in m.catalogue.messages else name)
    words = list(dict.fromkeys(words))
    return (m("and") if sep == " and " else sep).join(words)


def _name(a: Allocation, kind: str, m) -> str:
    """A scenario's name in the language (a user scenario keeps the name from the params file)."""
    return a.name if kind == "user" else m(f"ps_name_{kind}")


def _r(x, digits: int = 2):
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


class PlanSummary:
    """The plan in a few lines: prints as text, renders as HTML in a notebook."""

    def __init__(self, title: str, sections: list[tuple[str, list[str]]], lang: str = "en"):
        self.title = title
        self.sections = sections
        self.lang = lang

    def __str__(self) -> str:
        out = [self.title, "=" * len(self.title)]
        for head, lines in self.sections:
            out.append("")
            out.append(head)
            out.extend(f"  {line}" for line in lines)
        return "\n".join(out)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(self.title)}</h4>"]
        for head, lines in self.sections:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
            parts.append(f"<p><b>{html.escape(head)}</b></p><ul>{items}</ul>")
        return f"<div class='planner-summary' lang='{self.lang}'>" + "".join(parts) + "</div>"


@dataclass(frozen=True, eq=False)
class PlanResults:
    """The budget plan: recommended split, scenarios, frontier and the bounds behind them.

    Attributes
    ----------
    total_budget : float
        Euros over the horizon.
    horizon_weeks : int
    interval : float
        Width of the intervals (the response's, 0.8 by default).
    current, reference : Allocation
        The last horizon's actual mix and the reference split, at `total_budget`.
    candidate : Allocation
        The best split under the bounds, by the model's expected encounters.
    action : str
        ``move``, ``keep`` or ``test``, decided here once (see `decide`): ``move`` only when the
        model is not weak and the candidate beats the current split with probability at least
        ``spec.min_probability``; ``test`` when the model is weak; otherwise ``keep``.
    action_reason : dict
        ``{code, text, context}``: why this action.
    min_probability, min_gain : float
        The thresholds of the decision (``plan.min_probability`` and ``plan.min_gain``).
    recommended : Allocation
        What to spend: the candidate when the action is ``move``, else the current split.
    unbounded : Allocation or None
        The optimum with only "no negative spend" as bound; None when it does not differ from the
        candidate by more than `UNBOUNDED_TOLERANCE` in any share (see `unbounded_differs`).
    user_scenarios : dict of Allocation
        The further splits of ``plan.scenarios``.
    gain_vs_current : dict
        The candidate's gain over the current split: ``encounters``, ``low``, ``high``,
        ``probability_better`` (paired posterior draws).
    bounds : dict
        The bounds as applied (defaults included) and the share range they give each category.
    binding : list of dict
        The bounds the best split (`candidate`) sits on, ``{category, side, share}`` with side
        ``"min"`` or ``"max"``; ``bounds[category]["min_set_by"]`` names the params keys behind it.
    frontier : pandas.DataFrame
        One row per budget level: best expected encounters, interval, split, marginal cost.
    week_index : pandas.DatetimeIndex
        The horizon's weeks (Mondays following the data).
    warnings : list of dict
        ``{code, text, context}`` for results.json.
    history_weekly : pandas.DataFrame
        Smallest and largest weekly spend per category in the data (to flag extrapolation).
    n_draws : int
        Posterior draws behind the intervals (0 or 1: no intervals).
    calls : int
        Calls of ``response.simulate`` made for the optimisation.
    timings : dict
        Seconds spent: ``optimisation`` (the recommended split, including the tabulation of the
        curves), ``unbounded``, ``scenarios``, ``frontier`` and ``total``.
    objective : str
        What the plan maximises: ``encounters``, ``deals``, ``revenue`` or ``profit``.
    unit : str
        The unit of the objective's numbers: ``encounters``, ``deals`` or ``EUR``.
    budget_level : dict or None
        Profit only: ``{value, low, high, status}``, the total budget where one more euro on the
        best split stops paying for itself (see `planner.plan.value.budget_level`).
    experience_guard : dict or None
        With experience data: ``{applied, binds, feasible, unguarded_split, unguarded_change,
        cost}`` (see `plan_budget`).
    """

    total_budget: float
    horizon_weeks: int
    interval: float
    current: Allocation
    reference: Allocation
    recommended: Allocation
    candidate: Allocation
    action: str
    action_reason: dict
    min_probability: float
    min_gain: float
    unbounded: Allocation | None
    user_scenarios: dict
    gain_vs_current: dict
    bounds: dict
    binding: list
    frontier: pd.DataFrame
    week_index: pd.Index
    warnings: list
    history_weekly: pd.DataFrame
    n_draws: int
    calls: int
    timings: dict
    objective: str = "encounters"
    unit: str = "encounters"
    budget_level: dict | None = None
    experience_guard: dict | None = None

    @property
    def unbounded_differs(self) -> bool:
        """Whether the optimum without bounds differs from the candidate (see `UNBOUNDED_TOLERANCE`)."""
        return self.unbounded is not None

    @property
    def held(self) -> list[str]:
        """Categories the model cannot show: every split keeps them at their current amount."""
        return [c for c in CATS if self.bounds[c].get("held", False)]

    @property
    def moved_eur(self) -> float:
        """Euros the candidate moves between categories against the current split (the sum of the
        increases), whatever the action: with ``keep`` or ``test`` it is what a move would shift."""
        diff = self.candidate.euros - self.current.euros
        return float(diff[diff > 0].sum())

    @property
    def moved_from(self) -> list[str]:
        """Categories the candidate takes money from (more than `MOVED_SHARE` of the budget), the
        largest cut first."""
        diff = self.candidate.euros - self.current.euros
        out = diff[diff < -MOVED_SHARE * self.total_budget].sort_values(kind="stable")
        return [str(c) for c in out.index]

    @property
    def moved_to(self) -> list[str]:
        """Categories the candidate gives money to (more than `MOVED_SHARE` of the budget), the
        largest increase first."""
        diff = self.candidate.euros - self.current.euros
        out = diff[diff > MOVED_SHARE * self.total_budget].sort_values(ascending=False, kind="stable")
        return [str(c) for c in out.index]

    # -- tables --

    @property
    def scenarios(self) -> pd.DataFrame:
        """One row per scenario: shares, euros, expected encounters with interval, cost per encounter."""
        rows = {}
        for kind, alloc in self._allocations():
            row = {"kind": kind}
            row.update({f"{c}_share": float(alloc.split[c]) for c in CATS})
            row.update({f"{c}_eur": float(alloc.euros[c]) for c in CATS})
            row["total_eur"] = alloc.total_eur
            row["expected_encounters"] = alloc.expected_encounters
            row["low"] = np.nan if alloc.low is None else alloc.low
            row["high"] = np.nan if alloc.high is None else alloc.high
            row["cost_per_encounter"] = np.nan if alloc.cost_per_encounter is None else alloc.cost_per_encounter
            rows[alloc.name] = row
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "scenario"
        return frame

    def scenario_table(self) -> pd.DataFrame:
        """The scenarios rounded for reading: shares in %, whole euros and encounters."""
        t = self.scenarios
        out = pd.DataFrame(index=t.index)
        for c in CATS:
            out[f"{c} %"] = (100 * t[f"{c}_share"]).round(1)
        for c in CATS:
            out[f"{c} EUR"] = t[f"{c}_eur"].round().astype("Int64")
        for col, name in (("expected_encounters", "encounters"), ("low", "low"), ("high", "high")):
            out[name] = t[col].round().astype("Int64")
        out["EUR per encounter"] = t["cost_per_encounter"].round(2)
        return out

    def _allocations(self) -> list[tuple[str, Allocation]]:
        out = [("current", self.current), ("reference", self.reference), ("recommended", self.recommended)]
        if self.action != "move":
            out.append(("candidate", self.candidate))
        if self.unbounded is not None:
            out.append(("unbounded", self.unbounded))
        out.extend(("user", a) for a in self.user_scenarios.values())
        return out

    def weekly_plan(self) -> pd.DataFrame:
        """Recommended whole euros per category and week, indexed by ``week_start``: the candidate's
        euros when the action is ``move``, the current split's when it is ``keep`` or ``test``.

        Each category's horizon total is rounded to whole euros (the totals add up to the rounded
        budget) and spread as evenly as whole euros allow, so every column sums exactly.
        """
        return self._weekly(self.recommended)

    def candidate_weekly_plan(self) -> pd.DataFrame:
        """The candidate's whole euros per category and week, whatever the action (e.g. to plan a
        test of the best split found); shaped like `weekly_plan`."""
        return self._weekly(self.candidate)

    def _weekly(self, alloc: Allocation) -> pd.DataFrame:
        n = self.horizon_weeks
        totals = _round_preserving(alloc.euros.to_numpy(), round(self.total_budget))
        table = {}
        for cat, total in zip(CATS, totals, strict=True):
            base, extra = divmod(int(total), n)
            table[cat] = np.array([base + (1 if t < extra else 0) for t in range(n)], dtype=np.int64)
        frame = pd.DataFrame(table, index=self.week_index)
        frame["total"] = frame[CATS].sum(axis=1)
        return frame

    # -- text --

    def summary(self, lang: Any = "en") -> PlanSummary:
        """The plan in plain words, with the bounds in view.

        Parameters
        ----------
        lang : str or Messages
            The language of the words and numbers ("en", "fi").
        """
        m = messages(lang)
        cur, rec = self.current, self.candidate
        title = self._title(m)
        pct = lambda x: _pct(x, m)  # noqa: E731
        split_lines = [
            f"{m.category(c):<11} {pct(cur.split[c]):>5} → {pct(rec.split[c]):>5}   "
            f"({m.eur(cur.euros[c])} → {m.eur(rec.euros[c])})"
            for c in CATS
        ]
        width = pct(self.interval)

        def enc(a: Allocation) -> str:
            text = m.int(a.expected_encounters)
            if a.low is not None:
                text += f" ({m('ps_interval', width=width, low=m.int(a.low), high=m.int(a.high))})"
            cpe = a.cost_per_encounter
            return text + (", " + m("ps_per_encounter", cost=m.eur_cost(cpe)) if cpe is not None else "")

        g = self.gain_vs_current
        rel = g["encounters"] / cur.expected_encounters if cur.expected_encounters > 0 else float("nan")
        gain = m("ps_gain", gain=m.signed(g["encounters"]), rel=_signed_pct(rel, m))
        if g["low"] is not None:
            gain += ", " + m("ps_interval", width=width, low=m.signed(g["low"]), high=m.signed(g["high"]))
            gain += "; " + m("ps_better_in", prob=pct(g["probability_better"]))
        results = [f"{_name(a, kind, m)}: {enc(a)}" for kind, a in self._allocations()]
        valued = PlanObjective(self.objective).is_value
        if valued:
            # the probability is the objective's (see plan.budget._gain): it goes with the value gain
            gain = m("ps_gain", gain=m.signed(g["encounters"]), rel=_signed_pct(rel, m))
            if g["low"] is not None:
                gain += ", " + m("ps_interval", width=width, low=m.signed(g["low"]), high=m.signed(g["high"]))
        results.append(m("ps_gain_line", gain=gain))
        if not valued and g["low"] is not None and g["low"] <= 0:
            results.append(m("ps_gain_zero"))
        elif g["low"] is None:
            results.append(m("ps_no_intervals"))
        value_section = self._value_lines(m, width) if valued else None

        bound_lines = []
        for cat in CATS:
            row = self.bounds[cat]
            if row["default"] and not self._global_limits():
                origin = m("ps_default_bounds")
            else:
                lo_by = m("ps_lower_set_by", keys=_limits(row["min_set_by"], m)) if row["min_set_by"] else None
                hi_by = m("ps_upper_set_by", keys=_limits(row["max_set_by"], m)) if row["max_set_by"] else None
                lo_by, hi_by = lo_by or m("ps_no_lower"), hi_by or m("ps_no_upper")
                origin = f"{lo_by}; {hi_by}"
                if row["defaulted"]:
                    defaulted = [f"{cat}.{k}" for k in row["defaulted"]]
                    origin += "; " + m("ps_defaulted", keys=_limits(defaulted, m, " and "))
            bound_lines.append(
                m(
                    "ps_bound_line",
                    category=m.category(cat),
                    low=pct(row["min_share"]),
                    high=pct(row["max_share"]),
                    origin=origin,
                )
            )
        mc = self.bounds["max_change"]
        md = self.bounds["max_deviation_from_reference"]
        none = m("ps_none")
        mc_text = none if mc is None else m("ps_relative", value=fmt_significant(mc, m.lang, 3))
        md_text = none if md is None else m("ps_points", value=fmt_significant(md, m.lang, 3))
        bound_lines.append(m("ps_max_change", value=mc_text))
        bound_lines.append(m("ps_max_deviation", value=md_text))
        bound_lines.append(m("ps_binding", names=_limits(self._binding_names(), m) or none))
        if self.unbounded is None:
            bound_lines.append(m("ps_unbounded_same"))
        else:
            u = self.unbounded
            bound_lines.append(
                m(
                    "ps_unbounded",
                    split=", ".join(f"{m.category(c)} {pct(u.split[c])}" for c in CATS),
                    encounters=m.int(u.expected_encounters),
                )
            )
        sections = [
            (m("ps_sec_decision"), [f"{m(f'ps_action_{self.action}')}: {m.warning(self.action_reason)}"]),
            (m("ps_sec_split"), split_lines),
            (m("ps_sec_results"), results),
        ]
        if value_section is not None:
            sections.append(value_section)
        sections.append((m("ps_sec_bounds"), bound_lines))
        frontier = self.frontier.dropna(subset=["expected_encounters"])
        here = frontier.loc[np.isclose(frontier["budget"], self.total_budget), "marginal_cost_per_encounter"]
        if len(here) and pd.notna(here.iloc[0]):
            sections.append(
                (
                    m("ps_sec_frontier"),
                    [
                        m(
                            "ps_frontier_line",
                            cost=m.eur_cost(float(here.iloc[0])),
                            levels=m.int(len(frontier)),
                            low=m.eur(frontier["budget"].min()),
                            high=m.eur(frontier["budget"].max()),
                        )
                    ],
                )
            )
        if self.warnings:
            sections.append((m("ps_sec_note"), [m.warning(w) for w in self.warnings]))
        return PlanSummary(title, sections, m.lang)

    def _amount(self, x: float, m, *, signed: bool = False) -> str:
        """An amount of the objective in its unit: euros for revenue and profit, a count for deals."""
        if self.unit == "EUR":
            text = m.eur(x)
            return "+" + text if signed and x > 0 else text
        return m.signed(x) if signed else m.int(x)

    def _value_gain(self, m, width: str, interval_form: str) -> str:
        """The gain in the objective's unit, its interval put in `interval_form` (", {}" or " ({})")."""
        g = self.gain_vs_current
        objective = m(f"ps_objective_{self.objective}")
        text = m("ps_value_gain", gain=self._amount(g["value"], m, signed=True), objective=objective)
        if g.get("value_low") is not None:
            low, high = self._amount(g["value_low"], m, signed=True), self._amount(g["value_high"], m, signed=True)
            text += interval_form.format(m("ps_interval", width=width, low=low, high=high))
        return text

    def _value_lines(self, m, width: str) -> tuple[str, list[str]]:
        """The objective's section of the summary: each scenario's value and the gain, in its unit."""
        objective = m(f"ps_objective_{self.objective}")
        lines = []
        for kind, a in self._allocations():
            if a.value is None:
                continue
            text = self._amount(a.value, m)
            if a.value_low is not None:
                low, high = self._amount(a.value_low, m), self._amount(a.value_high, m)
                text += f" ({m('ps_interval', width=width, low=low, high=high)})"
            lines.append(f"{_name(a, kind, m)}: {text}")
        g = self.gain_vs_current
        if g.get("value") is not None:
            gain = self._value_gain(m, width, ", {}")
            if g["probability_better"] is not None:
                gain += "; " + m("ps_better_in", prob=_pct(g["probability_better"], m))
            lines.append(m("ps_gain_line", gain=gain))
            if g.get("warming") is not None:
                lines.append(m("ps_gain_warming", amount=self._amount(g["warming"], m, signed=True)))
            if g.get("value_low") is not None and g["value_low"] <= 0:
                lines.append(m("ps_gain_zero"))
        return m("ps_sec_value", objective=objective), lines

    def _title(self, m) -> str:
        first = self.week_index[0]
        start = m.date(first) if isinstance(first, pd.Timestamp) else str(first)
        return m("ps_title", budget=m.eur(self.total_budget), weeks=m.int(self.horizon_weeks), start=start)

    def _binding_names(self) -> list[str]:
        return [n for b in self.binding for n in self.bounds[b["category"]][f"{b['side']}_set_by"]]

    def _global_limits(self) -> bool:
        return self.bounds["max_change"] is not None or self.bounds["max_deviation_from_reference"] is not None

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self, lang: Any = "en") -> str:
        """The decision and the scenarios as a table, for a notebook cell that ends in ``plan``.

        IPython calls it without arguments (English); `lang` gives another language.
        """
        m = messages(lang)
        esc = html.escape
        pct = lambda x: _pct(x, m)  # noqa: E731
        parts = [
            f"<h4>{esc(self._title(m))}</h4>",
            f"<p><b>{esc(m(f'ps_verdict_{self.action}'))}</b>: {esc(m.warning(self.action_reason))}</p>",
        ]
        g = self.gain_vs_current
        width = pct(self.interval)
        valued = PlanObjective(self.objective).is_value and g.get("value") is not None
        if valued:
            gain = self._value_gain(m, width, " ({})")
        else:
            gain = m("ps_gain_short", gain=m.signed(g["encounters"]))
            if g["low"] is not None:
                gain += f" ({m('ps_interval', width=width, low=m.signed(g['low']), high=m.signed(g['high']))})"
        if g["probability_better"] is not None:
            gain += ", " + m("ps_better_short", prob=pct(g["probability_better"]))
        moved = m.eur(self.moved_eur)
        if self.moved_from or self.moved_to:
            moved = m(
                "ps_moved",
                eur=moved,
                source=m.categories(self.moved_from, "ela") or "–",
                target=m.categories(self.moved_to, "ill") or "–",
            )
        facts = [
            (m("ps_fact_gain"), gain),
            (m("ps_fact_moves"), moved),
            (m("ps_fact_binding"), _limits(self._binding_names(), m) or m("ps_none")),
        ]
        parts.append(
            "<table class='planner-facts'>"
            + "".join(f"<tr><th style='text-align:left'>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts)
            + "</table>"
        )
        head = (
            [m("ps_col_scenario")]
            + [m("ps_col_share", category=m.category(c)) for c in CATS]
            + [m("ps_col_encounters"), m("ps_col_interval", width=width), m("ps_col_cost")]
        )
        if valued:
            head += [m(f"ps_objective_{self.objective}"), m("ps_col_interval", width=width)]
        rows = []
        for kind, a in self._allocations():
            interval = "" if a.low is None else m.range(m.int(a.low), m.int(a.high))
            cpe = "" if a.cost_per_encounter is None else m.eur_cost(a.cost_per_encounter)
            cells = [_name(a, kind, m), *(pct(float(a.split[c])) for c in CATS), m.int(a.expected_encounters)]
            cells += [interval, cpe]
            if valued:
                cells.append("" if a.value is None else self._amount(a.value, m))
                has = a.value_low is not None
                cells.append(m.range(self._amount(a.value_low, m), self._amount(a.value_high, m)) if has else "")
            style = " style='font-weight:bold'" if a.name == "recommended" else ""
            rows.append(
                f"<tr{style}><th style='text-align:left'>{esc(cells[0])}</th>"
                + "".join(f"<td style='text-align:right'>{esc(c)}</td>" for c in cells[1:])
                + "</tr>"
            )
        parts.append(
            "<table class='planner-scenarios'><thead><tr>"
            + "".join(f"<th>{esc(h)}</th>" for h in head)
            + "</tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
        if self.warnings:
            items = "".join(f"<li>{esc(m.warning(w))}</li>" for w in self.warnings)
            parts.append(f"<p><b>{esc(m('ps_sec_note'))}</b></p><ul>{items}</ul>")
        return f"<div class='planner-plan' lang='{m.lang}'>" + "".join(parts) + "</div>"

    # -- results.json --

    def section(self):
        """The ``allocation`` section as its typed model (`planner.results.Allocation`), validated."""
        from planner.results import build_section

        return build_section("allocation", self.to_dict())

    def to_dict(self) -> dict:
        """The ``allocation`` section of results.json (JSON-ready)."""
        frontier = []
        for _, row in self.frontier.iterrows():
            frontier.append(
                {
                    "budget": round(float(row["budget"]), 2),
                    "expected_encounters": _r(row["expected_encounters"]),
                    "low": _r(row["low"]),
                    "high": _r(row["high"]),
                    "split": None
                    if pd.isna(row["expected_encounters"])
                    else {c: round(float(row[c]), 6) for c in CATS},
                    "marginal_cost_per_encounter": _r(row["marginal_cost_per_encounter"], 4),
                }
            )
            if PlanObjective(self.objective).is_value:
                frontier[-1]["value"] = (
                    None if pd.isna(row["value"]) else _estimate(row["value"], row["value_low"], row["value_high"])
                )
                frontier[-1]["marginal_value"] = _r(row["marginal_value"], 6)
        g = self.gain_vs_current
        out = {
            "total_budget": round(float(self.total_budget), 2),
            "horizon_weeks": int(self.horizon_weeks),
            "interval": float(self.interval),
            "current": self.current.to_dict(),
            "reference": self.reference.to_dict(),
            "recommended": self.recommended.to_dict(),
            "candidate": self.candidate.to_dict(),
            "objective": self.objective,
            "action": self.action,
            "action_reason": self.action_reason,
            "min_probability": float(self.min_probability),
            "min_gain": float(self.min_gain),
            "moved_eur": round(float(self.moved_eur), 2),
            "moved_from": self.moved_from,
            "moved_to": self.moved_to,
            "gain_vs_current": {
                "encounters": round(float(g["encounters"]), 2),
                "low": _r(g["low"]),
                "high": _r(g["high"]),
                "probability_better": _r(g["probability_better"], 4),
            },
            "bounds": {
                c: {
                    "min": round(float(self.bounds[c]["min_share"]), 6),
                    "max": round(float(self.bounds[c]["max_share"]), 6),
                }
                for c in CATS
            },
            "binding": [dict(b) for b in self.binding],
            "held": self.held,
            "scenarios": [{"name": name, **a.to_dict()} for name, a in self.user_scenarios.items()],
            "unbounded": None if self.unbounded is None else self.unbounded.to_dict(),
            "unbounded_differs": self.unbounded_differs,
            "frontier": frontier,
        }
        if PlanObjective(self.objective).is_value:
            out["unit"] = self.unit
            out["gain_vs_current"]["value"] = _estimate(g["value"], g["value_low"], g["value_high"])
            if g.get("warming") is not None:
                out["gain_vs_current"]["warming"] = round(float(g["warming"]), 2)
            if g.get("parts") is not None:
                out["gain_vs_current"]["parts"] = {
                    k: _estimate(e["value"], e["low"], e["high"]) for k, e in g["parts"].items()
                }
        if self.budget_level is not None:
            b = self.budget_level
            out["budget_level"] = {**_estimate(b["value"], b["low"], b["high"]), "status": b["status"]}
        if self.experience_guard is not None:
            e = self.experience_guard
            change = e["unguarded_change"]
            split = e["unguarded_split"]
            out["experience_guard"] = {
                "applied": bool(e["applied"]),
                "binds": bool(e["binds"]),
                "feasible": bool(e["feasible"]),
                "unguarded_split": None if split is None else {c: round(float(split[c]), 6) for c in CATS},
                "unguarded_change": None
                if change is None
                else _estimate(change["value"], change["low"], change["high"], 4),
                "cost": _r(e["cost"]),
            }
        return out


def _round_preserving(values: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers close to `values` that add up to `total` (largest remainders)."""
    floors = np.floor(values).astype(np.int64)
    short = int(total - floors.sum())
    order = np.argsort(-(values - floors), kind="stable")
    for j in range(abs(short)):
        floors[order[j % len(values)]] += 1 if short > 0 else -1
    return floors
