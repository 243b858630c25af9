"""The fitted model for people: a summary that prints as text and renders as HTML in a notebook.

`model_summary`, `diagnostics_table`, `overview_table` and `results_html` (a notebook cell ending
in a fitted model) take a `ModelResults`; nothing here computes an estimate.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from planner import CATEGORIES
from planner import diagnostics as diag

__all__ = ["ModelSummary", "diagnostics_table", "model_summary", "overview_table", "results_html"]


def _fmt(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}".replace(",", " ")
    if isinstance(x, (float, np.floating)):
        ax = abs(float(x))
        if ax >= 1000:
            return f"{float(x):,.0f}".replace(",", " ")
        return f"{float(x):.{digits}g}"
    return str(x)


class ModelSummary:
    """Tables of a fitted model; prints as text and renders as HTML in a notebook."""

    def __init__(self, title: str, tables: list[tuple[str, pd.DataFrame]], notes: list[str]):
        self.title, self.tables, self.notes = title, tables, notes

    def __str__(self) -> str:
        lines = [self.title, "=" * len(self.title)]
        for name, table in self.tables:
            shown = table.map(_fmt) if not table.empty else table
            lines += ["", name, "-" * len(name), shown.to_string()]
        if self.notes:
            lines += ["", "Notes", "-----"] + [f"- {n}" for n in self.notes]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(self.title)}</h4>"]
        for name, table in self.tables:
            shown = table.map(_fmt) if not table.empty else table
            parts.append(f"<h5>{html.escape(name)}</h5>")
            parts.append(shown.to_html(escape=True, border=0))
        if self.notes:
            parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ul>")
        return "\n".join(parts)


def diagnostics_table(res) -> pd.DataFrame:
    """The checks of `res` (a `ModelResults`) with their values, thresholds and verdicts, for people."""
    d = res.diagnostics
    rows = [
        (
            "R^2 (all weeks)",
            d["r2"],
            f">= {diag.QUALITY_RULES[0][1]:g} good, >= {diag.QUALITY_RULES[1][1]:g} fair",
            "ok" if d["r2"] >= diag.QUALITY_RULES[1][1] else "low",
        ),
        ("MAPE (all weeks)", d["mape"], "", ""),
        ("NRMSE (all weeks)", d["nrmse"], "", ""),
    ]
    if res.holdout:
        h = res.holdout
        rows += [
            (
                f"Holdout MAPE (last {h['weeks']} weeks)",
                h["mape"],
                f"<= {diag.POOR_HOLDOUT_MAPE:g}" if res.family == "ols" else "",
                "poor" if res.family == "ols" and h["mape"] > diag.POOR_HOLDOUT_MAPE else "ok",
            ),
            ("Holdout NRMSE", h["nrmse"], "", ""),
            (
                "Holdout / in-sample RMSE",
                h["rmse_ratio"],
                f"<= {diag.POOR_HOLDOUT_RATIO:g}",
                "poor" if h["rmse_ratio"] > diag.POOR_HOLDOUT_RATIO else "ok",
            ),
        ]
    if res.cv:
        rows.append((f"CV MAPE ({res.cv['folds']} folds)", res.cv["mape"], "", ""))
    rows.append(
        (
            "Ljung-Box p",
            d["ljung_box_p"],
            f">= {diag.AUTOCORRELATION_P:g}",
            "ok" if d["ljung_box_p"] >= diag.AUTOCORRELATION_P else "autocorrelated",
        )
    )
    rows.append(("Durbin-Watson", d["durbin_watson"], "about 2", ""))
    for c in CATEGORIES:
        rows.append(
            (
                f"VIF {c}",
                d["vif"][c],
                f"<= {diag.COLLINEARITY_VIF:g}",
                "left out" if not res.identified[c] else "ok" if d["vif"][c] <= diag.COLLINEARITY_VIF else "collinear",
            )
        )
    for c in CATEGORIES:
        v = float(res.variation[c])
        rows.append(
            (
                f"Spend variation {c}",
                v,
                f">= {diag.LOW_VARIATION_CV:g}",
                "ok" if v >= diag.LOW_VARIATION_CV else "low",
            )
        )
    table = pd.DataFrame(rows, columns=["check", "value", "threshold", "verdict"]).set_index("check")
    return table


def model_summary(res) -> ModelSummary:
    """Fit, parameters with intervals, shares, checks and warnings of `res` (a `ModelResults`)."""
    ci = res.conf_int()
    params = pd.DataFrame({"estimate": res.params, "lower": ci["lower"], "upper": ci["upper"]})
    shares = res.shares()
    shares["spend_share"] = (res.spend.sum() / res.spend.to_numpy().sum()).to_numpy()
    n_draws = 0 if res.draws is None else len(res.draws)
    info = pd.DataFrame(
        {
            "value": [
                res.family,
                res.n_weeks,
                f"{res.index[0]:%Y-%m-%d} to {res.index[-1]:%Y-%m-%d}",
                res.quality,
                res.diagnostics["r2"],
                res.holdout["mape"] if res.holdout else None,
                res.family_reason,
                res.prior_sd,
                res.rho,
                n_draws,
                f"{res.interval:.0%}",
            ]
        },
        index=[
            "family",
            "weeks",
            "period",
            "quality",
            "R^2",
            "holdout MAPE",
            "why this family",
            "prior sd (unit scale of the search ranges)",
            "error autocorrelation (AR(1) rho)",
            "posterior draws",
            "intervals",
        ],
    )
    notes = [res.claim()["text"]] + [w["text"] for w in res.warnings]
    tables = [("Model", info), ("Contribution shares", shares)]
    if res.experiments:
        tables.append(("Lift tests (measured against predicted before and after calibration)", res.experiment_table()))
    tables += [("Parameters", params), ("Checks", res.diagnostics_table())]
    return ModelSummary(
        "Encounter model",
        tables,
        notes,
    )


def _pct(x) -> str:
    return "-" if x is None or not math.isfinite(float(x)) else f"{100 * float(x):.0f} %"


def overview_table(res) -> pd.DataFrame:
    """One row per category of `res` (a `ModelResults`): effect against spend, and the curve today.

    Columns: ``effect share`` (with its interval), ``spend share (all data)``, ``current EUR/week``
    (the mean of the last plan horizon), ``saturation`` there and ``EUR per extra encounter``;
    a category left out of the fit reads "unknown".
    """
    shares = res.shares()
    spend = res.spend_shares()
    sat = res.saturation()
    rows = {}
    for c in CATEGORIES:
        row = shares.loc[c]
        if not row["identified"]:
            effect = "unknown"
        elif math.isnan(row["low"]):
            effect = _pct(row["share"])
        else:
            effect = f"{_pct(row['share'])} ({100 * row['low']:.0f}-{_pct(row['high'])})"
        rows[c] = {
            "effect share": effect,
            "spend share (all data)": _pct(spend[c]),
            "current EUR/week": _fmt(float(sat.loc[c, "weekly_spend"])),
            "saturation": _pct(sat.loc[c, "level"]) if row["identified"] else "unknown",
            "EUR per extra encounter": _fmt(float(sat.loc[c, "marginal_cost_per_encounter"])),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("category")


def results_html(res) -> str:
    """A compact HTML view of `res` (a `ModelResults`) for a notebook cell that ends in it."""
    head = (
        f"Encounter model ({res.family.replace('_', ' ')}), {res.n_weeks} weeks "
        f"{res.index[0]:%Y-%m-%d} to {res.index[-1]:%Y-%m-%d}: quality <b>{html.escape(res.quality)}</b> "
        f"({html.escape(res.quality_reason['code'].replace('_', ' '))})"
    )
    parts = [f"<p>{head}</p>", overview_table(res).rename_axis(None).to_html(escape=True, border=0)]
    notes = [res.claim()["text"]]
    gap = res.spend_effect_gap()
    if gap:
        notes.append(
            f"{gap['category'].capitalize()} takes {_pct(gap['spend_share'])} of the spend but brings "
            f"{_pct(gap['effect_share'])} of the spend-driven encounters."
        )
    notes += [w["text"] for w in res.warnings]
    parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    parts.append("<p><small>Details: <code>.summary()</code></small></p>")
    return "\n".join(parts)
