"""The fitted model for people: a summary that prints as text and renders as HTML in a notebook.

`model_summary`, `diagnostics_table`, `overview_table` and `results_html` (a notebook cell ending
in a fitted model) take a `ModelResults` and a language; nothing here computes an estimate. Their
words come from the notebooks' catalogue (`planner.presentation.i18n.notebooks`), their numbers from Babel.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from planner import CATEGORIES
from planner.inference import diagnostics as diag
from planner.presentation.i18n import Messages, fmt_significant
from planner.presentation.i18n.notebooks import messages

__all__ = [
    "ModelSummary",
    "baseline_form_sentence",
    "claim_sentence",
    "diagnostics_table",
    "model_summary",
    "overview_table",
    "results_html",
]


def _missing(x) -> bool:
    return x is None or (isinstance(x, (float, np.floating)) and not math.isfinite(float(x)))


def _fmt(x, m: Messages, digits: int = 3) -> str:
    """One table cell in the language: whole numbers grouped, others to `digits` significant digits."""
    if _missing(x) or x is pd.NA:
        return "–"
    if isinstance(x, (bool, np.bool_)):
        return m("ms_yes" if x else "ms_no")
    if isinstance(x, (int, np.integer)):
        return m.int(int(x))
    if isinstance(x, (float, np.floating)):
        if abs(float(x)) >= 1000:
            return m.int(float(x))
        return fmt_significant(float(x), m.lang, digits)
    if isinstance(x, str) and x in CATEGORIES:
        return m.category(x)
    return str(x)


def _label(x, m: Messages):
    return m.category(x, "cap") if isinstance(x, str) and x in CATEGORIES else x


_PARAM = re.compile(r"^(beta|decay|half_saturation|shape)\[(\w+)\]$")
_WAVE = re.compile(r"^(sin|cos)(\d+)$")
_BEND = re.compile(r"^bend(\d+)$")


def param_label(name: str, m: Messages) -> str:
    """A row of the parameter table in words: ``decay[content]`` reads "content: carryover kept
    each week", ``sin1`` "season, yearly wave 1 (sine)". The user's own event and control columns
    keep their names (a ``data_`` prefix the model added to tell one from a built-in is dropped)."""
    found = _PARAM.match(name)
    if found:
        return m(f"ms_param_{found.group(1)}", category=m.category(found.group(2)))
    found = _WAVE.match(name)
    if found:
        return m(f"ms_param_{found.group(1)}", k=found.group(2))
    found = _BEND.match(name)
    if found:
        return m("ms_param_bend", week=found.group(1))
    if f"ms_param_{name}" in m.catalogue.messages:
        return m(f"ms_param_{name}")
    return name[5:] if name.startswith("data_") else name


class ModelSummary:
    """Tables of a fitted model; prints as text and renders as HTML in a notebook."""

    def __init__(self, title: str, tables: list[tuple[str, pd.DataFrame]], notes: list[str], lang: str = "en"):
        self.title, self.tables, self.notes, self.lang = title, tables, notes, lang

    def _shown(self, table: pd.DataFrame) -> pd.DataFrame:
        m = messages(self.lang)
        if table.empty:
            return table
        shown = table.map(lambda x: _fmt(x, m))
        shown.index = [_label(i, m) for i in shown.index]
        shown.index.name = table.index.name
        return shown

    def __str__(self) -> str:
        m = messages(self.lang)
        lines = [self.title, "=" * len(self.title)]
        for name, table in self.tables:
            lines += ["", name, "-" * len(name), self._shown(table).to_string()]
        if self.notes:
            notes = m("ms_notes")
            lines += ["", notes, "-" * len(notes)] + [f"- {n}" for n in self.notes]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = [f'<div lang="{self.lang}">', f"<h4>{html.escape(self.title)}</h4>"]
        for name, table in self.tables:
            parts.append(f"<h5>{html.escape(name)}</h5>")
            parts.append(self._shown(table).to_html(escape=True, border=0))
        if self.notes:
            parts.append(f"<h5>{html.escape(messages(self.lang)('ms_notes'))}</h5>")
            parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ul>")
        parts.append("</div>")
        return "\n".join(parts)


def diagnostics_table(res, lang: Any = "en") -> pd.DataFrame:
    """The checks of `res` (a `ModelResults`) with their values, thresholds and verdicts, for people.

    Parameters
    ----------
    res : planner.inference.model.ModelResults
    lang : str or Messages
        The language of the labels, thresholds and verdicts.
    """
    m = messages(lang)
    d = res.diagnostics
    num = lambda x: fmt_significant(x, m.lang, 3)  # noqa: E731
    ok, low, poor = m("ms_ok"), m("ms_low"), m("ms_poor")
    rows = [
        (
            m("ms_check_r2"),
            d["r2"],
            m("ms_threshold_r2", good=num(diag.QUALITY_RULES[0][1]), fair=num(diag.QUALITY_RULES[1][1])),
            ok if d["r2"] >= diag.QUALITY_RULES[1][1] else low,
        ),
        (m("ms_check_mape"), d["mape"], "", ""),
        (m("ms_check_nrmse"), d["nrmse"], "", ""),
    ]
    if res.holdout:
        h = res.holdout
        rows += [
            (
                m("ms_check_holdout_mape", weeks=m.int(h["weeks"])),
                h["mape"],
                f"≤ {num(diag.POOR_HOLDOUT_MAPE)}" if res.family == "ols" else "",
                poor if res.family == "ols" and h["mape"] > diag.POOR_HOLDOUT_MAPE else ok,
            ),
            (m("ms_check_holdout_nrmse"), h["nrmse"], "", ""),
            (
                m("ms_check_rmse_ratio"),
                h["rmse_ratio"],
                f"≤ {num(diag.POOR_HOLDOUT_RATIO)}",
                poor if h["rmse_ratio"] > diag.POOR_HOLDOUT_RATIO else ok,
            ),
        ]
    if res.cv:
        rows.append((m("ms_check_cv_mape", folds=m.int(res.cv["folds"])), res.cv["mape"], "", ""))
    rows.append(
        (
            "Ljung-Box p",
            d["ljung_box_p"],
            f"≥ {num(diag.AUTOCORRELATION_P)}",
            ok if d["ljung_box_p"] >= diag.AUTOCORRELATION_P else m("ms_autocorrelated"),
        )
    )
    rows.append(("Durbin-Watson", d["durbin_watson"], m("ms_about", value=m.int(2)), ""))
    for c in CATEGORIES:
        rows.append(
            (
                f"VIF: {m.category(c)}",
                d["vif"][c],
                f"≤ {num(diag.COLLINEARITY_VIF)}",
                m("ms_left_out")
                if not res.identified[c]
                else ok
                if d["vif"][c] <= diag.COLLINEARITY_VIF
                else m("ms_collinear"),
            )
        )
    for c in CATEGORIES:
        v = float(res.variation[c])
        rows.append(
            (
                m("ms_check_variation", category=m.category(c)),
                v,
                f"≥ {num(diag.LOW_VARIATION_CV)}",
                ok if v >= diag.LOW_VARIATION_CV else low,
            )
        )
    for c in CATEGORIES:
        row = res.identification[c]
        reason = row.get("reason")
        rows.append(
            (
                m("ms_check_detectable", category=m.category(c)),
                row.get("detectable"),
                f"≤ {m.pct(diag.MAX_DETECTABLE_FRACTION)}",
                ok if reason is None else m(f"ms_reason_{reason}"),
            )
        )
    columns = [m("ms_col_check"), m("ms_col_value"), m("ms_col_threshold"), m("ms_col_verdict")]
    return pd.DataFrame(rows, columns=columns).set_index(columns[0])


def claim_sentence(res, lang: Any = "en") -> str:
    """The model's claim verdict in words: in English the model's own sentence (results.json's
    ``model.claim.text``), in another language worded from the verdict, its category and direction."""
    m = messages(lang)
    claim = res.claim()
    if m.lang == "en":
        return claim["text"]
    shares = res.shares()
    parts = {
        c: [None if not shares.loc[c, "identified"] else float(shares.loc[c, "share"])]
        + [float(shares.loc[c, k]) for k in ("low", "high")]
        for c in CATEGORIES
    }
    head = m("claim_shares", parts=m.format_value(parts, "shares"))
    kind, category = claim["verdict"], claim.get("category")
    if kind in ("contradicted", "partly") and category in CATEGORIES:
        low, high = (claim.get("bands") or {}).get(category) or diag.CLAIM_BANDS[category]
        verdict = m(
            "claim_contradicted_by" if kind == "contradicted" else "ms_claim_partly_by",
            category=m.category(category),
            direction=m("claim_more" if claim.get("direction") == "more" else "claim_less"),
            band=f"{m.number(100 * low)}–{m.pct(high)}",
        )
    elif kind == "inconclusive" and claim.get("unidentified"):
        verdict = m("claim_inconclusive_unknown", categories=m.categories(claim["unidentified"], "gen"))
    elif kind == "inconclusive" and claim.get("why") in ("no_effect", "weak", "no_intervals"):
        verdict = m(f"claim_inconclusive_{claim['why']}")
    else:
        verdict = m(f"claim_{kind}")
    return f"{head} {verdict}"


def _field(obj, key: str, default=None):
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def baseline_form_sentence(res, lang: Any = "en") -> str:
    """How the season and the holidays act on the encounters, and what chose that, in one sentence.

    Parameters
    ----------
    res : ModelResults, or results.json's ``model`` section (a dict or `planner.results.ModelSection`)
    lang : str or Messages
    """
    m = messages(lang)
    choice = _field(res, "baseline_choice") or {}
    return m(
        "baseline_form",
        form=_field(res, "baseline_form", "additive"),
        chosen_by=_field(choice, "chosen_by", "params"),
        additive=_field(choice, "additive_rmse"),
        multiplicative=_field(choice, "multiplicative_rmse"),
    )


def model_summary(res, lang: Any = "en") -> ModelSummary:
    """Fit, parameters with intervals, shares, checks and warnings of `res` (a `ModelResults`).

    Parameters
    ----------
    res : planner.inference.model.ModelResults
    lang : str or Messages
        The language of the headings, labels, numbers and notes ("en", "fi").
    """
    m = messages(lang)
    ci = res.conf_int()
    params = pd.DataFrame({"estimate": res.params, "lower": ci["lower"], "upper": ci["upper"]})
    params.columns = [m("ms_col_estimate"), m("ms_col_lower"), m("ms_col_upper")]
    params.index = [param_label(str(name), m) for name in params.index]
    shares = res.shares()
    shares["spend_share"] = (res.spend.sum() / res.spend.to_numpy().sum()).to_numpy()
    shares = shares[["share", "low", "high", "spend_share", "identified"]].astype(object)
    for col in ("share", "low", "high", "spend_share"):
        shares[col] = [_pct(x, m) for x in shares[col]]
    shares.columns = [m(f"ms_col_{c}") for c in shares.columns]
    shares.index.name = m("col_category")
    n_draws = 0 if res.draws is None else len(res.draws)
    rows = [
        ("family", m.format_value(res.family, "term")),
        ("baseline_form", m.format_value(res.baseline_form, "term")),
        ("weeks", res.n_weeks),
        ("period", m.period_dates(res.index[0], res.index[-1])),
        ("quality", m.quality(res.quality)[0].lower()),
        ("r2", res.diagnostics["r2"]),
        ("holdout_mape", res.holdout["mape"] if res.holdout else None),
    ]
    if m.lang == "en":  # the estimation writes its reason in English only
        rows.append(("family_reason", res.family_reason))
    rows += [
        ("prior_sd", res.prior_sd),
        ("rho", res.rho),
        ("draws", n_draws),
        ("interval", m.pct(res.interval)),
    ]
    info = pd.DataFrame({m("ms_col_value"): [v for _, v in rows]}, index=[m(f"ms_row_{k}") for k, _ in rows])
    notes = [claim_sentence(res, m), baseline_form_sentence(res, m)] + [m.warning(w) for w in res.warnings]
    tables = [(m("ms_sec_model"), info), (m("ms_sec_shares"), shares)]
    if res.experiments:
        experiments = res.experiment_table()
        experiments.columns = [m(f"ms_col_exp_{c}") for c in experiments.columns]
        tables.append((m("ms_sec_experiments"), experiments))
    tables += [(m("ms_sec_params"), params), (m("ms_sec_checks"), diagnostics_table(res, m))]
    return ModelSummary(m("ms_title"), tables, notes, m.lang)


def _pct(x, m: Messages) -> str:
    return "–" if _missing(x) else m.pct(float(x))


def overview_table(res, lang: Any = "en") -> pd.DataFrame:
    """One row per category of `res` (a `ModelResults`): effect against spend, and the curve today.

    Columns: the effect share (with its interval), the spend share over all the data, the current
    euros a week (the mean of the last plan horizon), the saturation there and the euros per extra
    encounter, labelled in `lang` and indexed by category; a category left out of the fit reads
    "unknown".
    """
    m = messages(lang)
    shares = res.shares()
    spend = res.spend_shares()
    sat = res.saturation()
    unknown = m("ms_unknown")
    rows = {}
    for c in CATEGORIES:
        row = shares.loc[c]
        if not row["identified"] and not _missing(row["high"]):
            effect = f"{unknown} ({_pct(row['low'], m)}–{_pct(row['high'], m)})"
        elif not row["identified"]:
            effect = unknown
        elif _missing(row["low"]):
            effect = _pct(row["share"], m)
        else:
            effect = f"{_pct(row['share'], m)} ({_pct(row['low'], m)}–{_pct(row['high'], m)})"
        rows[c] = {
            m("ms_col_effect_share"): effect,
            m("ms_col_spend_share_all"): _pct(spend[c], m),
            m("ms_col_current_week"): m.eur(float(sat.loc[c, "weekly_spend"])),
            m("ms_col_saturation"): _pct(sat.loc[c, "level"], m) if row["identified"] else unknown,
            m("ms_col_extra_cost"): m.eur_cost(float(sat.loc[c, "marginal_cost_per_encounter"])),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("category")


def results_html(res, lang: Any = "en") -> str:
    """A compact HTML view of `res` (a `ModelResults`) for a notebook cell that ends in it."""
    m = messages(lang)
    esc = html.escape
    head = m(
        "ms_head",
        family=esc(m.format_value(res.family, "term")),
        weeks=esc(m.int(res.n_weeks)),
        period=esc(m.period_dates(res.index[0], res.index[-1])),
        quality=f"<b>{esc(m.quality(res.quality)[0].lower())}</b>",
    )
    parts = [f'<div lang="{m.lang}">', f"<p>{head}</p>"]
    table = overview_table(res, m).rename(index=lambda c: m.category(c, "cap")).rename_axis(None)
    parts.append(table.to_html(escape=True, border=0))
    notes = [m.warning(res.quality_reason), claim_sentence(res, m)]
    gap = res.spend_effect_gap()
    if gap:
        notes.append(
            m(
                "claim_gap",
                category=m.category(gap["category"], "cap"),
                spend=m.pct(gap["spend_share"]),
                effect=m.pct(gap["effect_share"]),
                data_period=m.period_dates(res.index[0], res.index[-1]),
            )
        )
    notes += [m.warning(w) for w in res.warnings]
    parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    parts.append(f"<p><small>{esc(m('ms_details'))} <code>.summary()</code></small></p>")
    parts.append("</div>")
    return "\n".join(parts)
