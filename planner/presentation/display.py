"""What a notebook cell shows: sentences, warnings, tables and paths as HTML in the run's language.

The notebooks end each cell with one of these calls instead of a raw dict, list, string or path,
so the notebook and `report.html` read like the brief: numbers in the language's format, warnings
rendered from their codes, the brief's location in the finished run folder.
"""

from __future__ import annotations

import fnmatch
import html
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML

from planner import CATEGORIES
from planner.presentation.i18n import LANGUAGES, Messages, round_sig

__all__ = [
    "TEXTS",
    "TEXT_KEYS",
    "baseline_form",
    "brief_location",
    "claim",
    "close_rate",
    "current_split",
    "data_summary",
    "deal_value",
    "experience_by_scenario",
    "final_run_folder",
    "funnel_chain",
    "funnel_summary",
    "next_test",
    "scenarios",
    "sentence",
    "table",
    "text",
    "value_routes",
    "warnings",
]

#: The keys of the catalogue's messages that the notebooks' outputs and report.html's head use.
TEXT_KEYS = (
    "report_contents",
    "report_run",
    "report_language",
    "report_generated",
    "nb_01_data_overview",
    "nb_02_model",
    "nb_03_funnel",
    "nb_04_budget_plan",
    "nb_05_brief",
    "data_rows",
    "data_fingerprint",
    "data_spend_all",
    "data_spend_current",
    "data_share_all",
    "data_share_current",
    "col_share_reference",
    "no_data_warnings",
    "no_model_warnings",
    "no_experiments",
    "no_next_test",
    "next_test_design_time",
    "next_test_design_geo",
    "next_test_design_time_regions",
    "no_rows",
    "brief_written",
    "scenario_candidate",
    "col_share_of_budget",
    "yes",
    "no",
    "funnel_absent",
    "funnel_no_close_rate",
    "funnel_no_deal_value",
    "funnel_no_value",
    "funnel_no_experience",
    "funnel_routes_agree",
    "funnel_routes_differ",
    "funnel_routes_direct_only",
    "chain_col_step",
    "chain_col_total",
    "chain_col_rates",
    "chain_encounters",
    "chain_leads",
    "chain_deals",
    "chain_revenue",
    "chain_rate_leads",
    "chain_rate_close",
    "chain_rate_deals",
    "chain_rate_revenue_deal",
    "chain_rate_revenue_encounter",
    "routes_col_kind",
    "routes_col_direct",
    "routes_col_nested",
    "routes_col_disagree",
    "routes_revenue",
    "routes_deals",
    "col_experience_change",
)
#: Those messages by language, as the catalogue files hold them (a read-only view for callers that
#: look a key up; `text` fills them in).
TEXTS: dict[str, dict[str, Any]] = {
    lang: {key: Messages(lang).catalogue.messages[key] for key in TEXT_KEYS} for lang in LANGUAGES
}

_STYLE = (
    "<style>"
    ".planner-table{border-collapse:collapse;margin:4px 0 12px;font-size:13px}"
    ".planner-table th,.planner-table td{padding:3px 10px;border-bottom:1px solid #e3e6ea;text-align:right}"
    ".planner-table th:first-child,.planner-table td:first-child{text-align:left}"
    ".planner-table thead th{border-bottom:2px solid #aeb4bb}"
    ".planner-warnings li{margin:2px 0}"
    "</style>"
)


def text(key: str, lang: str = "en", **values: Any) -> str:
    """The catalogue's message `key` in `lang`, with `values` filled in (see `planner.presentation.i18n.Messages`)."""
    return Messages(lang)(key, **values)


def _language(lang: Any) -> str:
    """A language code from a code, a Messages, params or a Pipeline."""
    if isinstance(lang, str):
        return lang
    for path in (("lang",), ("report", "language"), ("params", "report", "language")):
        value = lang
        for name in path:
            value = getattr(value, name, None)
        if isinstance(value, str):
            return value
    raise TypeError(f"cannot tell the language from {type(lang).__name__}")


def _typed(obj: Any, name: str):
    """`obj` as the typed results.json section `name` (`planner.results.SECTIONS`): a typed section as
    it is, a producer (ModelResults, PlanResults, FunnelResults) through its ``section()``, a mapping
    validated against the contract (`planner.results.ResultsError` names a bad field)."""
    from pydantic import BaseModel

    from planner.results import build_section

    if isinstance(obj, BaseModel):
        return obj
    section = getattr(obj, "section", None)
    if callable(section):
        return section()
    if isinstance(obj, Mapping):
        return build_section(name, dict(obj))
    raise TypeError(
        f"expected results.json's {name} section (typed, a mapping or its producer), not {type(obj).__name__}"
    )


def _as_dict(obj: Any) -> dict:
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    return dict(vars(obj))


# -- sentences and warnings -----------------------------------------------------------------


def sentence(words: str, lang: str = "en") -> HTML:
    """A sentence as a paragraph (never a quoted string)."""
    return HTML(f'<p lang="{_language(lang)}">{html.escape(str(words))}</p>')


def next_test(test: Any, lang: Any = "en", regions: Iterable[str] = ()) -> HTML:
    """The proposed lift test (results.json ``next_test``, a dict or object, or None): its design
    (over time, or a split by region) and the test in one sentence, as page 1 of the brief words it.
    `regions` are the data's regions (`Dataset.region_names`; empty for national data)."""
    from planner.presentation.brief.view import next_test_sentence

    lang = _language(lang)
    if test is None:
        return sentence(text("no_next_test", lang), lang)
    m = Messages(lang)
    test = _typed(test, "next_test")
    by_region = bool(list(regions))
    design = test.design
    words = m("next_test_design_time_regions" if design == "time" and by_region else f"next_test_design_{design}")
    said = next_test_sentence(test, m, by_region=by_region)
    return HTML(f'<p lang="{lang}">{html.escape(words)}</p><p lang="{lang}">{html.escape(said)}</p>')


def warnings(entries: Iterable[Any], lang: Any = "en", *, empty: str = "no_rows") -> HTML:
    """Warnings as a bulleted list in `lang`, each rendered from its code and context.

    Parameters
    ----------
    entries : iterable of ``{code, text, context}`` (dicts or objects with those fields)
    lang : the run's language (or its params / Pipeline)
    empty : key of a catalogue message (`TEXT_KEYS`) for the sentence shown when there are none
    """
    lang = _language(lang)
    m = Messages(lang)
    items = []
    for entry in entries:
        as_map = _as_dict(entry) if not isinstance(entry, str) else {"text": entry}
        items.append(m.warning(as_map) if as_map.get("code") else str(as_map.get("text", "")))
    if not items:
        return sentence(text(empty, lang), lang)
    body = "".join(f"<li>{html.escape(t)}</li>" for t in items)
    return HTML(f'<ul class="planner-warnings" lang="{lang}">{body}</ul>')


def baseline_form(model: Any, lang: Any = "en") -> HTML:
    """How the season and the holidays act on the encounters (additive or multiplicative baseline)
    and what chose that, in one sentence. `model` is the fitted model or results.json ``model``."""
    from planner.inference.model.summary import baseline_form_sentence

    lang = _language(lang)
    return sentence(baseline_form_sentence(model, lang), lang)


def claim(verdict: Any, lang: Any = "en") -> HTML:
    """The claim verdict in one sentence in `lang`, worded from its verdict, category and direction.

    `verdict` is the model's ``claim`` (``res.claim()`` or results.json ``model.claim``); the
    judgement is the model's, this only words it.
    """
    from planner.results import Claim

    lang = _language(lang)
    m = Messages(lang)
    if not isinstance(verdict, Claim):
        from pydantic import ValidationError

        from planner.results import ResultsError

        try:
            verdict = Claim.model_validate(dict(verdict))
        except ValidationError as exc:
            where = "; ".join(f"model.claim.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ResultsError(f"the claim does not follow results.json's contract: {where}") from None
    kind, category = verdict.verdict, verdict.category
    words = None
    if kind == "contradicted" and category in CATEGORIES:
        band = verdict.bands.get(category)
        if band is None:
            from planner.inference.diagnostics import CLAIM_BANDS

            band = CLAIM_BANDS[category]
        low, high = band
        direction = m("claim_more" if verdict.direction == "more" else "claim_less")
        words = m(
            "claim_contradicted_by",
            category=m.category(category),
            direction=direction,
            band=m.range(m.number(100 * low), m.pct(high)),
        )
    elif kind == "inconclusive" and verdict.unidentified:
        words = m("claim_inconclusive_unknown", categories=m.categories(verdict.unidentified, "gen"))
    else:
        words = m(f"claim_{kind}")
    return sentence(words, lang)


# -- tables ---------------------------------------------------------------------------------


def _matches(column: Any, patterns: Iterable[str] | str) -> bool:
    if isinstance(patterns, str):
        patterns = [patterns]
    name = " ".join(str(c) for c in column) if isinstance(column, tuple) else str(column)
    return any(name == p or fnmatch.fnmatchcase(name, p) for p in patterns)


def _decimals(x: float) -> int:
    """Decimals a reader needs: none for whole or large numbers, two significant figures for small ones."""
    ax = abs(x)
    if ax == 0 or float(x).is_integer() or ax >= 100:
        return 0
    if ax >= 10:
        return 1
    if ax >= 0.1:
        return 2
    return min(6, 1 - math.floor(math.log10(ax)))


def _cell(value: Any, m: Messages, kind: str, decimals: int | None) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        return m("yes" if value else "no")
    if isinstance(value, numbers.Number):
        x = float(value)
        if not math.isfinite(x):
            return "–"
        if kind == "percent":
            return m.pct(x, 0 if decimals is None else decimals)
        if kind == "euros":
            return m.eur(x, 0 if decimals is None else decimals) if abs(x) >= 100 or decimals else m.eur_cost(x)
        if isinstance(value, numbers.Integral):
            return m.int(x)
        return m.number(x, _decimals(x) if decimals is None else decimals)
    if isinstance(value, str) and value in CATEGORIES:
        return m.category(value)
    if hasattr(value, "isoformat") and not isinstance(value, str):
        try:
            return m.date(value)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _label(value: Any, m: Messages) -> Any:
    if isinstance(value, tuple):
        return tuple(_label(v, m) for v in value)
    if isinstance(value, str) and value in CATEGORIES:
        return m.category(value, "cap")
    if hasattr(value, "isoformat") and not isinstance(value, str):
        try:
            return m.date(value)
        except (TypeError, ValueError):
            return str(value)
    return value


def table(
    frame: pd.DataFrame | pd.Series,
    lang: Any = "en",
    *,
    percent: Iterable[str] | str = (),
    euros: Iterable[str] | str = (),
    decimals: Mapping[str, int] | None = None,
    labels: Mapping[str, str] | None = None,
    empty: str = "no_rows",
) -> HTML:
    """A DataFrame as an HTML table with every number in the language's format.

    Parameters
    ----------
    frame : DataFrame or Series
    lang : the run's language (or its params / Pipeline)
    percent : columns holding shares (0.78 shown as "78 %"); names or patterns such as ``"*share"``
    euros : columns holding euros; names or patterns such as ``"* EUR"``
    decimals : decimals per column (default: as many as the number needs, none for whole numbers)
    labels : new names for columns (category names are put in the language anyway)
    empty : key of a catalogue message (`TEXT_KEYS`) for the sentence shown instead of an empty table

    Returns
    -------
    IPython.display.HTML
        Numbers right-aligned, missing values as "–", category names and dates in `lang`.

    Examples
    --------
    >>> table(pd.DataFrame({"share": [0.8]}, index=["content"]), "fi", percent="share").data  # doctest: +ELLIPSIS
    '<style>...80\\xa0%...'
    """
    lang = _language(lang)
    m = Messages(lang)
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if frame.empty:
        return sentence(text(empty, lang), lang)
    decimals = dict(decimals or {})
    shown = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        kind = "percent" if _matches(column, percent) else "euros" if _matches(column, euros) else "number"
        places = decimals.get(column)
        shown[column] = [_cell(v, m, kind, places) for v in frame[column].tolist()]
    shown.columns = frame.columns
    shown = shown.rename(columns=dict(labels or {}))
    shown.columns = (
        pd.MultiIndex.from_tuples([_label(c, m) for c in shown.columns])
        if isinstance(shown.columns, pd.MultiIndex)
        else [_label(c, m) for c in shown.columns]
    )
    if not isinstance(shown.index, pd.MultiIndex):
        shown.index = pd.Index([_label(i, m) for i in shown.index])
        if not isinstance(shown.columns, pd.MultiIndex):
            # the index's name goes in the header's corner cell, not on a row of its own
            shown.columns.name = frame.index.name
    body = shown.to_html(escape=True, border=0, classes="planner-table", na_rep="–")
    return HTML(_STYLE + f'<div lang="{lang}">{body}</div>')


# -- the data -------------------------------------------------------------------------------


def data_summary(data: Any, lang: Any = "en") -> HTML:
    """What was read: weeks, period, fingerprint and the spend per category, all data and current.

    Parameters
    ----------
    data : planner.reading.data.Dataset, or its summary (results.json ``data``, a mapping or typed object)
    lang : the run's language
    """
    lang = _language(lang)
    m = Messages(lang)
    summary = _typed(data.summary() if hasattr(data, "summary") and callable(data.summary) else data, "data")
    weeks = summary.horizon_weeks
    spend = summary.spend_by_category
    every = pd.Series(dict(spend.all_data.items()), dtype=float)
    current = pd.Series(dict(spend.current.items()), dtype=float)
    frame = pd.DataFrame(
        {
            "all": every,
            "all_share": every / every.sum() if every.sum() > 0 else every * float("nan"),
            "current": current,
            "current_share": current / current.sum() if current.sum() > 0 else current * float("nan"),
        }
    ).reindex(list(CATEGORIES))
    frame.loc[m("row_total")] = frame.sum()
    labels = {
        "all": text("data_spend_all", lang),
        "all_share": text("data_share_all", lang),
        "current": text("data_spend_current", lang, weeks=m.int(weeks)),
        "current_share": text("data_share_current", lang, weeks=m.int(weeks)),
    }
    frame.index.name = m("col_category")
    head = text(
        "data_rows",
        lang,
        rows=m.int(summary.rows),
        period=m.period_dates(summary.start, summary.end),
    )
    sha = summary.sha256
    spend_table = table(
        frame, lang, percent="*_share", euros=["all", "current"], decimals={"all": 0, "current": 0}, labels=labels
    )
    return HTML(
        sentence(head, lang).data
        + spend_table.data
        + f'<p lang="{lang}"><small>{html.escape(text("data_fingerprint", lang, sha=sha[:12] + "…"))}</small></p>'
    )


def current_split(data: Any, plan_spec: Any, lang: Any = "en") -> HTML:
    """The current split (the last `horizon_weeks` of the data) beside the reference split.

    Parameters
    ----------
    data : planner.reading.data.Dataset
    plan_spec : the params' ``plan`` section (its ``horizon_weeks`` and ``reference_split``)
    lang : the run's language
    """
    lang = _language(lang)
    m = Messages(lang)
    weeks = int(plan_spec.horizon_weeks)
    reference = pd.Series(_as_dict(plan_spec.reference_split), dtype=float)
    frame = pd.DataFrame(
        {"spend": data.spend_by_category(weeks), "share": data.split(weeks), "reference": reference}
    ).reindex(list(CATEGORIES))
    frame.index.name = m("col_category")
    labels = {
        "spend": text("data_spend_current", lang, weeks=m.int(weeks)),
        "share": text("data_share_current", lang, weeks=m.int(weeks)),
        "reference": text("col_share_reference", lang),
    }
    return table(frame, lang, euros="spend", percent=["share", "reference"], decimals={"spend": 0}, labels=labels)


# -- the plan ---------------------------------------------------------------------------------


def _split_label(shares: Mapping[str, float]) -> str:
    return "/".join(f"{round(100 * float(shares[c]))}" for c in CATEGORIES)


def _scenario_label(name, row, m: Messages, lang: str) -> str:
    """A scenario's name in the run's language (the plan's own ones), or the user's name for it."""
    kind = row.get("kind", name)
    if kind in ("current", "recommended", "unbounded"):
        return m(f"scenario_{kind}")
    if kind == "reference":
        return m("scenario_reference", ref=_split_label({c: row[f"{c}_share"] for c in CATEGORIES}))
    if kind == "candidate":
        return text("scenario_candidate", lang)
    return str(name)


def scenarios(plan: Any, lang: Any = "en") -> HTML:
    """The plan's scenarios: split, euros, expected encounters with interval and cost per encounter.

    Parameters
    ----------
    plan : planner.plan.PlanResults (its ``scenarios`` frame and ``interval``)
    lang : the run's language
    """
    lang = _language(lang)
    m = Messages(lang)
    frame = plan.scenarios
    share_head, spend_head = text("col_share_of_budget", lang), m("col_spend")
    level = m.pct(float(plan.interval))
    rows = {}
    for name, row in frame.iterrows():
        label = _scenario_label(name, row, m, lang)
        cells = {(share_head, m.category(c, "cap")): m.pct(row[f"{c}_share"]) for c in CATEGORIES}
        cells.update({(spend_head, m.category(c, "cap")): m.eur(row[f"{c}_eur"]) for c in CATEGORIES})
        cells[(m("col_encounters"), "")] = _cell(row["expected_encounters"], m, "number", 0)
        low, high = row.get("low"), row.get("high")
        interval = "–"
        if low is not None and high is not None and not (pd.isna(low) or pd.isna(high)):
            interval = m.range(m.int(round_sig(low, 3)), m.int(round_sig(high, 3)))
        cells[(m("col_interval", level=level), "")] = interval
        cost = row.get("cost_per_encounter")
        cells[(m("col_cost"), "")] = "–" if cost is None or pd.isna(cost) else m.eur_cost(float(cost))
        rows[label] = cells
    shown = pd.DataFrame.from_dict(rows, orient="index")
    shown.columns = pd.MultiIndex.from_tuples(shown.columns)
    body = shown.to_html(escape=True, border=0, classes="planner-table", na_rep="–")
    return HTML(_STYLE + f'<div lang="{lang}">{body}</div>')


# -- the funnel -------------------------------------------------------------------------------
#
# Each takes a `planner.inference.funnel.FunnelResults`, or None when the params have no funnel section (then
# one sentence says what to add); the sentences are the funnel's own, rendered in the language.


def funnel_summary(funnel: Any, lang: Any = "en") -> HTML:
    """The funnel's sentences and warnings (`FunnelResults.summary`), or what to add without a funnel.

    Parameters
    ----------
    funnel : planner.inference.funnel.FunnelResults or None
    lang : the run's language
    """
    lang = _language(lang)
    if funnel is None:
        return sentence(text("funnel_absent", lang), lang)
    return HTML(funnel.summary(lang)._repr_html_())


def _funnel_sentences(funnel: Any, keys: Iterable[str], lang: str, empty: str) -> HTML:
    wanted = list(keys)
    found = [s for s in (funnel.sentences() if funnel is not None else []) if s["key"] in wanted]
    if not found:
        return sentence(text("funnel_absent" if funnel is None else empty, lang), lang)
    found.sort(key=lambda s: wanted.index(s["key"]))
    return HTML("".join(sentence(funnel.sentence_text(s, lang), lang).data for s in found))


def close_rate(funnel: Any, lang: Any = "en") -> HTML:
    """The close rate of warmed leads, whether it moved with content's carryover and what that is worth
    in revenue a week (`planner.inference.funnel.FunnelResults.warming`), in sentences."""
    return _funnel_sentences(
        funnel,
        ("funnel_close_rate", "funnel_close_rate_trend", "funnel_warming"),
        _language(lang),
        "funnel_no_close_rate",
    )


def deal_value(funnel: Any, lang: Any = "en") -> HTML:
    """Self-service deal value against assisted, and the self-service share of revenue, in sentences."""
    return _funnel_sentences(
        funnel, ("funnel_deal_value", "funnel_revenue_share"), _language(lang), "funnel_no_deal_value"
    )


def funnel_chain(funnel: Any, lang: Any = "en") -> HTML:
    """The last planning period's encounters -> leads -> deals -> revenue, with the rate of each step.

    Parameters
    ----------
    funnel : planner.inference.funnel.FunnelResults or None (its ``chain``)
    lang : the run's language
    """
    lang = _language(lang)
    chain = None if funnel is None else _typed(funnel, "funnel").chain
    if chain is None:
        return sentence(text("funnel_absent", lang), lang)
    m = Messages(lang)

    def rate(key: str, value: Any, fmt) -> str | None:
        return None if value is None else text(key, lang, value=fmt(float(value)))

    def per_thousand(x: float) -> str:
        return m.number(x, 1)

    rows = [
        ("chain_encounters", "encounters", m.int, []),
        (
            "chain_leads",
            "leads",
            m.int,
            [rate("chain_rate_leads", _scaled(chain.leads_per_encounter), per_thousand)],
        ),
        (
            "chain_deals",
            "deals",
            m.int,
            [
                rate("chain_rate_close", chain.close_rate, lambda x: m.pct(x, 1)),
                rate("chain_rate_deals", _scaled(chain.deals_per_encounter), per_thousand),
            ],
        ),
        (
            "chain_revenue",
            "revenue",
            m.eur,
            [
                rate("chain_rate_revenue_deal", chain.revenue_per_deal, m.eur_cost),
                rate("chain_rate_revenue_encounter", chain.revenue_per_encounter, m.eur_cost),
            ],
        ),
    ]
    total_head = text("chain_col_total", lang, period=m.period_dates(chain.start, chain.end))
    rates_head = text("chain_col_rates", lang)
    frame = pd.DataFrame(
        {
            total_head: ["–" if getattr(chain, k) is None else f(float(getattr(chain, k))) for _, k, f, _ in rows],
            rates_head: ["; ".join(r for r in rs if r) or "–" for *_, rs in rows],
        },
        index=pd.Index([text(label, lang) for label, *_ in rows], name=text("chain_col_step", lang)),
    )
    return table(frame, lang)


def _scaled(x: Any) -> float | None:
    """A rate per encounter as a rate per 1,000 encounters."""
    return None if x is None else 1000.0 * float(x)


def value_routes(funnel: Any, lang: Any = "en") -> HTML:
    """What an encounter is worth by the two routes side by side, and whether they differ clearly.

    Revenue per quality-weighted encounter and deals per 1,000; the direct route (along the funnel's
    links: leads per encounter, close rate, deal values) and the nested one (through the spend
    model), each with its interval, as `planner.inference.funnel` estimates them.

    Parameters
    ----------
    funnel : planner.inference.funnel.FunnelResults or None (its ``value_routes``)
    lang : the run's language
    """
    lang = _language(lang)
    if funnel is None:
        return sentence(text("funnel_absent", lang), lang)
    m = Messages(lang)
    routes = {k: v for k, v in (_typed(funnel, "funnel").value_routes or {}).items() if v}
    if not routes:
        return sentence(text("funnel_no_value", lang), lang)
    formats = {
        "revenue": ("routes_revenue", 1.0, m.eur_cost),
        "deals": ("routes_deals", 1000.0, lambda x: m.number(x, _decimals(x) if x else 1)),
    }

    def shown(est: Any, scale: float, fmt) -> str:
        if est is None:
            return "–"
        value, low, high = (scale * float(x) for x in (est.value, est.low, est.high))
        return f"{fmt(value)} ({m.range(fmt(low), fmt(high))})"

    rows = {}
    for kind in ("revenue", "deals"):
        if kind not in routes:
            continue
        label, scale, fmt = formats[kind]
        r = routes[kind]
        rows[text(label, lang)] = {
            text("routes_col_direct", lang): shown(r.direct, scale, fmt),
            text("routes_col_nested", lang): shown(r.nested, scale, fmt),
            text("routes_col_disagree", lang): m("yes" if r.disagree else "no") if r.nested is not None else "–",
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = text("routes_col_kind", lang)
    out = table(frame, lang).data
    if any(r.disagree and r.nested is not None for r in routes.values()):
        out += sentence(text("funnel_routes_differ", lang), lang).data
    elif all(r.nested is None for r in routes.values()):
        out += sentence(text("funnel_routes_direct_only", lang), lang).data
    else:
        out += sentence(text("funnel_routes_agree", lang), lang).data
    return HTML(out)


def experience_by_scenario(plan: Any, funnel: Any, lang: Any = "en") -> HTML:
    """Each scenario's split and the expected change of the experience score against the current split.

    Parameters
    ----------
    plan : planner.plan.PlanResults (its scenarios' ``experience_change``)
    funnel : planner.inference.funnel.FunnelResults or None; without an experience score, one sentence
    lang : the run's language
    """
    lang = _language(lang)
    m = Messages(lang)
    if funnel is None:
        return sentence(text("funnel_absent", lang), lang)
    if _typed(funnel, "funnel").experience is None or plan is None:
        return sentence(text("funnel_no_experience", lang), lang)
    frame = plan.scenarios
    alloc_section = _typed(plan, "allocation")
    share_head = text("col_share_of_budget", lang)
    change_head = text("col_experience_change", lang)
    interval_head = m("col_interval", level=m.pct(float(alloc_section.interval)))
    user = {s.name: s for s in alloc_section.scenarios}
    rows = {}
    for name, row in frame.iterrows():
        kind = row["kind"]
        scenario = user[name] if kind == "user" else getattr(alloc_section, kind)
        change = None if scenario is None else scenario.experience_change
        if change is None:
            continue
        label = _scenario_label(name, row, m, lang)
        cells = {(share_head, m.category(c, "cap")): m.pct(row[f"{c}_share"]) for c in CATEGORIES}
        cells[(change_head, "")] = m.number(float(change.value), 1)
        low, high = change.low, change.high
        cells[(interval_head, "")] = (
            "–" if low is None or high is None else m.range(m.number(float(low), 1), m.number(float(high), 1))
        )
        rows[label] = cells
    if not rows:
        return sentence(text("funnel_no_experience", lang), lang)
    shown = pd.DataFrame.from_dict(rows, orient="index")
    shown.columns = pd.MultiIndex.from_tuples(shown.columns)
    body = shown.to_html(escape=True, border=0, classes="planner-table", na_rep="–")
    return HTML(_STYLE + f'<div lang="{lang}">{body}</div>')


# -- where the brief is -----------------------------------------------------------------------

_PARTIAL = re.compile(r"^\.(\d{8}-\d{6})\.[0-9a-f]+\.partial$")


def final_run_folder(folder: str | Path) -> Path:
    """The name a run folder will have when the run finishes.

    `planner run` builds a run in a hidden ``.<stamp>.<id>.partial`` folder and, when every notebook
    succeeded, renames it to ``<stamp>``, or ``<stamp>-2``, ``-3``... when that name is taken
    (`planner.running.runner`). A notebook runs inside the build folder, so it names the first free one of
    those: the folder the reader will find. Any other folder is returned as it is.
    """
    folder = Path(folder).resolve()
    match = _PARTIAL.match(folder.name)
    if not match:
        return folder
    stamp = match.group(1)
    for n in range(1, 1000):
        target = folder.parent / (stamp if n == 1 else f"{stamp}-{n}")
        if not target.exists():
            return target
    return folder.parent / stamp


def _shown_path(path: Path) -> str:
    """`reports/<plan>/<run>/brief.pdf`: the path from the output folder's parent, with /."""
    parts = path.parts
    return "/".join(parts[-4:]) if len(parts) >= 4 else path.as_posix()


def brief_location(pdf: str | Path, lang: Any = "en") -> HTML:
    """Where the brief is: a sentence with its path in the finished run folder and a link to it.

    The link is relative (``brief.pdf``), so it works in report.html, which sits beside the brief.
    """
    lang = _language(lang)
    pdf = Path(pdf)
    folder = final_run_folder(pdf.parent)
    shown = _shown_path(folder / pdf.name)
    link = f'<a href="{html.escape(pdf.name)}"><code>{html.escape(shown)}</code></a>'
    words = html.escape(text("brief_written", lang, path="\0")).replace("\0", link)
    return HTML(f'<p lang="{lang}">{words}</p>')
