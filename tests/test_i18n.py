"""The message catalogues and the formats: every code has its sentence in every language, Babel's
formats per locale, plural forms, and a third language added by a file alone."""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import pytest
import yaml

from planner.presentation.i18n import (
    LANGUAGES,
    NBSP,
    Messages,
    MissingContext,
    UnknownLanguage,
    codes,
    fmt_date,
    fmt_datetime,
    fmt_eur,
    fmt_int,
    fmt_month,
    fmt_number,
    fmt_pct,
    fmt_period,
    fmt_prob,
    fmt_signed,
    languages,
    render,
    warning,
)
from planner.presentation.i18n import catalogue as cat

PACKAGE = Path(__file__).parents[1] / "planner"
MINUS = "\u2212"

# codes emitted by the package: `_warning("code", ...)`, `warning("code", ...)`, `{"code": "code"}`,
# `reason("code")` (quality) and `reason("keep", "code")` (the plan's action)
_EMITTED = (
    re.compile(r"\b_?warning\(\s*\"([a-z_]+)\""),
    re.compile(r"\breason\(\s*(?:\"(?:move|keep|test)\",\s*)?\"([a-z_]+)\""),
    re.compile(r"\brender\(\s*\"([a-z_]+)\""),
    re.compile(r"\"code\":\s*\"([a-z_]+)\""),
)


def emitted_codes() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        if "i18n" in path.relative_to(PACKAGE).parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in _EMITTED:
            found |= set(pattern.findall(text))
    return found


#: Codes whose sentences other modules are to render from context (schema 2): the plan's action
#: reasons, the model's quality reasons and claim verdicts.
EXPECTED = {
    "partial_week_dropped", "short_history", "idle_spend_column",
    "low_variation", "experiment_unused", "experiment_disagrees", "baseline_column_dropped", "glm_fallback",
    "holdout_shortened", "not_counts", "collinearity", "poor_holdout", "at_bound", "autocorrelation",
    "negative_baseline",
    "plan_beyond_history", "plan_below_history", "plan_current_outside_bounds",
    "weak_model", "weak_no_direction", "no_better_split", "small_gain", "no_uncertainty", "no_draws",
    "not_clearly_better", "clearly_better",
    "good_fit_and_forecast", "no_forecast_check", "moderate_fit", "moderate_forecast", "poor_fit", "poor_forecast",
    "no_fit", "no_spend_effect", "unstable_on_refresh", "track_history_changed",
    "claim_consistent", "claim_partly", "claim_contradicted", "claim_inconclusive",
}  # fmt: skip

#: A value for every placeholder the catalogues use, of the type the context holds.
SAMPLE = {
    "change": -0.8,
    "unguarded_change": -0.8,
    "cost": 1234.5,
    "budget_eur": 123456.0,
    "multiple": 4.0,
    "category": "design",
    "categories": ["content", "technology"],
    "unidentified": ["design"],
    "columns": ["ux_eur", "ui_eur"],
    "column": "black_friday",
    "experiment": "tv_spring",
    "weeks": 13,
    "rows": 70,
    "count": 2,
    "first": 158,
    "last": 159,
    "asked": 13,
    "lags": 10,
    "variation": 0.047,
    "reason": "flat",
    "scenario": "reference",
    "detectable": 0.31,
    "reasons": ["flat"],
    "identified": True,
    "measured": 1200.4,
    "predicted_before": 310.2,
    "family": "negative_binomial",
    "vif": {"content": 12.3, "technology": 10.9},
    "mape": 0.236,
    "ratio": 2.41,
    "parameter": "decay",
    "side": "upper",
    "value": 0.95,
    "low": 0.05,
    "high": 0.95,
    "p_value": 0.00123,
    "lowest": -412.3,
    "r2": 0.81,
    "min_r2": 0.7,
    "max_ratio": 1.5,
    "shares": {"content": [0.8, 0.7, 0.9], "design": None, "technology": [0.12, 0.05, 0.2]},
    "claim": "80/10-15/10-15",
    "direction": "less",
    "band_low": 0.75,
    "band_high": 0.85,
    "why": "wide",
    "weekly_eur": 18450.0,
    "max_weekly_eur": 15200.0,
    "min_weekly_eur": 900.0,
    "share": 0.02,
    "min_share": 0.05,
    "max_share": 0.9,
    "gain_share": 0.0042,
    "min_gain": 0.01,
    "probability_better": 0.62,
    "min_probability": 0.8,
    "run": "20260105-090000",
}


#: Values that differ by code: a list of week starts for the dropped partial weeks.
SAMPLE_BY_CODE = {
    "partial_week_dropped": {"weeks": ["2024-01-01", "2024-12-30"]},
    "deals_above_leads": {"weeks": ["2024-01-01", "2024-12-30"]},
    "regions_disagree": {"region": "Uusimaa", "z": 3.4},
    "region_borrows_strength": {"region": "Kainuu", "pooled_weight": 0.8},
    "brands_disagree": {"brand": "Acme", "z": 3.4},
    "brand_borrows_strength": {"brand": "Tiny", "pooled_weight": 0.8},
}


def templates(entry) -> list[str]:
    """Every template text of an entry (variants, plural forms, select cases)."""
    if isinstance(entry, str):
        return [entry]
    if isinstance(entry, list):
        return [t for e in entry for t in templates(e)]
    return [t for k, e in entry.items() if k not in ("plural", "select") for t in templates(e)]


# -- the catalogues -----------------------------------------------------------------------------


def test_the_packaged_languages_are_the_catalogue_files():
    files = sorted(p.stem for p in (PACKAGE / "presentation" / "i18n").glob("*.yaml"))
    assert sorted(LANGUAGES) == files
    assert {"en", "fi"} <= set(LANGUAGES)


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_key_is_in_every_language_with_the_same_placeholders(lang):
    assert cat.mismatches(cat.get("en"), cat.get(lang)) == []
    assert cat.mismatches(cat.get(lang), cat.get("en")) == []


def test_a_missing_key_or_placeholder_is_reported(tmp_path):
    doc = yaml.safe_load((PACKAGE / "presentation" / "i18n" / "fi.yaml").read_text(encoding="utf-8"))
    doc["language"] = "xx"
    del doc["codes"]["short_history"]
    doc["messages"]["sec_split"] = "Jako {extra}"
    (tmp_path / "xx.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    problems = cat.mismatches(cat.get("en"), cat.load(tmp_path / "xx.yaml"))
    assert "codes.short_history: missing in xx" in problems
    assert any(p.startswith("messages.sec_split: placeholders differ") for p in problems)


def test_every_code_the_package_emits_has_a_sentence_in_every_language():
    emitted = emitted_codes()
    assert len(emitted) >= 20, sorted(emitted)  # the search itself still finds the codes
    for lang in LANGUAGES:
        known = set(cat.get(lang).codes)
        assert emitted - known == set(), lang
        assert EXPECTED - known == set(), lang
    assert set(codes()) == set(cat.get("en").codes)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_formats_with_a_full_context(lang):
    m = Messages(lang)
    formatter = string.Formatter()
    for key, entry in m.catalogue.codes.items():
        sample = {**SAMPLE, **SAMPLE_BY_CODE.get(key, {})}
        for template in templates(entry):
            for _, name, spec, _ in formatter.parse(template):
                if name and name != "nbsp":
                    assert name in sample, (key, name)
                    m.format_value(sample[name], spec or "")  # an unknown format name raises
        text = m.render(key, sample)
        assert "{" not in text and text.strip(), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_messages_render_with_text_values(lang):
    m = Messages(lang)
    for key, entry in m.catalogue.messages.items():
        fields = cat.entry_fields(entry)
        text = m(key, **{f: "7" for f in fields})
        assert "{" not in text, key


def test_category_placeholders_in_code_sentences_name_a_grammatical_form():
    """A bare {category} would print the code ("design") in every language."""
    for lang in LANGUAGES:
        for key, entry in cat.get(lang).codes.items():
            for template in templates(entry):
                for _, name, spec, _ in string.Formatter().parse(template):
                    if name in ("category", "categories", "unidentified"):
                        assert spec, (lang, key, template)


# -- sentences from codes -----------------------------------------------------------------------


def test_warning_builds_the_schema_2_shape_with_the_english_text():
    w = warning("short_history", weeks=80)
    assert w == {
        "code": "short_history",
        "text": "Only 80 weeks of data: with less than two years, yearly season and spend effects are hard to tell "
        "apart.",
        "context": {"weeks": 80},
    }
    assert render("short_history", {"weeks": 80}, "fi").startswith("Aineistoa on vain 80 viikolta")


def test_the_english_reasons_are_the_texts_the_plan_writes():
    from planner.plan import decide

    gain = {"encounters": 100.0, "low": -50.0, "high": 300.0, "probability_better": 0.62}
    cases = [
        decide("weak", gain, 0.8, 0.1),
        decide("good", {**gain, "encounters": -1.0}, 0.8, 0.1),
        decide("good", gain, 0.8, 0.1, min_gain=0.01, recent_encounters=50_000.0),
        decide(None, {**gain, "probability_better": None}, 0.8, 0.1),
        decide("good", {**gain, "probability_better": None}, 0.8, 0.1),
        decide("good", gain, 0.8, 0.1),
        decide("good", {**gain, "probability_better": 0.93}, 0.8, 0.1),
    ]
    seen = set()
    for _, reason in cases:
        seen.add(reason["code"])
        assert render(reason["code"], reason["context"]) == reason["text"], reason["code"]
        assert render(reason["code"], reason["context"], "fi") != reason["text"]
    assert len(seen) == 7


def test_variants_fall_back_to_less_context():
    assert render("low_variation", {"category": "design", "identified": True}).startswith("Design spend hardly varied,")
    assert render("low_variation", {}).startswith("Spend in one category hardly varied")
    unknown = render("low_variation", {"category": "design", "identified": False, "variation": 0.0})
    assert unknown.startswith("Design spend did not vary beyond the trend")
    half = {"category": "technology", "parameter": "half_saturation", "side": "upper", "value": 12000.0}
    assert f"(12{NBSP}000{NBSP}€ viikossa)" in render("at_bound", half, "fi")
    assert "(€12,000 a week) sits at the upper edge" in render("at_bound", half)


def test_missing_context_and_unknown_code_are_errors():
    with pytest.raises(MissingContext, match="experiment"):
        render("experiment_unused", {"category": "design"})
    with pytest.raises(KeyError, match="brand_new"):
        render("brand_new", {})


def test_messages_warning_reads_both_warning_shapes():
    fi = Messages("fi")
    schema2 = {"code": "idle_spend_column", "text": "Design: ...", "context": {"category": "design", "columns": ["ux"]}}
    flat = {"code": "idle_spend_column", "category": "design", "columns": ["ux"]}
    assert fi.warning(schema2) == fi.warning(flat) == "Muotoilun sarakkeissa ux ei ole kuluja yhdelläkään viikolla."
    assert fi.warning({"code": "brand_new", "text": "An English sentence.", "context": {}}) == "An English sentence."
    assert fi.warning({"code": "brand_new"}, "Given text.") == "Given text."
    # too thin a context for every variant: the English text is shown rather than an error
    assert fi.warning({"code": "experiment_unused", "text": "English."}) == "English."


def test_finnish_category_forms_come_from_the_catalogue():
    fi = Messages("fi")
    assert fi.categories(["technology", "design"], "ela") == "teknologiasta ja muotoilusta"
    text = render("collinearity", {"categories": ["content", "technology"]}, "fi")
    assert text.startswith("Sisällön ja teknologian kulut nousivat")
    beyond = render("plan_beyond_history", SAMPLE, "fi")
    assert beyond.startswith(f"Suositus nostaa muotoilun kulut tasolle 18{NBSP}400")


def test_claim_sentences_show_the_shares():
    text = render("claim_contradicted", SAMPLE)
    assert text.startswith("Your data: content 80% (70%–90%), design unknown, technology 12% (5%–20%)")
    assert "(design generates less than the 75%–85% the claim gives it)" in text
    assert "because design spend never varied" in render("claim_inconclusive", {**SAMPLE, "why": "unidentified"})
    shares = {**SAMPLE["shares"], "design": [None, 0.0, 0.4]}
    ranged = {**SAMPLE, "why": "unidentified", "reason": "follows_baseline", "shares": shares}
    text = render("claim_inconclusive", ranged)
    assert "design somewhere in 0%–40% (not identified)" in text and "licence step at renewal" in text
    assert "välillä 0–40" in render("claim_inconclusive", ranged, "fi").replace("\xa0", " ").replace(" %", "")


# -- formats ------------------------------------------------------------------------------------


def test_numbers_follow_the_locale():
    assert fmt_int(4234.4, "en") == "4,234"
    assert fmt_int(4234.4, "fi") == f"4{NBSP}234"
    assert fmt_number(1234567.891, "en", 2) == "1,234,567.89"
    assert fmt_number(1234567.891, "fi", 2) == f"1{NBSP}234{NBSP}567,89"
    assert fmt_number(-0.001, "en", 1) == "0.0"  # no negative zero
    assert fmt_number(float("nan"), "fi") == "–"
    assert fmt_signed(2900, "en") == "+2,900"
    assert fmt_signed(-500, "fi") == f"{MINUS}500"
    assert fmt_signed(-500, "en") == f"{MINUS}500"  # the catalogue's minus sign, not a hyphen
    assert fmt_signed(0.2, "en") == "0"


def test_currency_and_percent_follow_the_locale():
    assert fmt_eur(310000, "en") == "€310,000"
    assert fmt_eur(310000, "fi") == f"310{NBSP}000{NBSP}€"
    assert fmt_eur(4.5, "fi", 2) == f"4,50{NBSP}€"
    assert fmt_eur(-1200, "en") == f"{MINUS}€1,200"
    assert fmt_pct(0.78, "en") == "78%"
    assert fmt_pct(0.78, "fi") == f"78{NBSP}%"
    assert fmt_pct(0.0475, "fi", 1) == f"4,8{NBSP}%"
    assert fmt_pct(0.05, "en") == "5%"
    assert fmt_prob(0.998, "en") == "over 99%"
    assert fmt_prob(0.004, "fi") == f"alle 1{NBSP}%"
    assert fmt_prob(0.96, "fi") == f"96{NBSP}%"


def test_about_amounts_never_carry_cents():
    en, fi = Messages("en"), Messages("fi")
    assert en.eur_cost(11.07) == "€11"
    assert en.eur_cost(1234.5) == "€1,230"
    assert fi.eur_cost(4.49) == f"4,5{NBSP}€"
    assert en.eur_cost(9.97) == "€10"
    assert en.eur_cost(0.456) == "€0.46"
    assert en.eur_cost(0.01234) == "€0.012"


def test_dates_follow_the_locale():
    assert fmt_date("2022-01-03", "en") == "3 Jan 2022"
    assert fmt_date("2022-01-03", "fi") == "3.1.2022"
    assert fmt_month("2022-07-11", "fi") == "heinäkuu 2022"
    assert fmt_month("2022-07-11", "en") == "July 2022"
    assert fmt_datetime("2026-11-23T14:03:40", "fi") == "23.11.2026 klo 14.03"
    assert fmt_datetime("2026-11-23T14:03:40", "en") == "23 Nov 2026, 14:03"
    assert fmt_period("2023-01-02", "2025-12-22", "fi") == "2.1.2023–22.12.2025"
    assert fmt_period("2023-01-02", "2025-12-22", "en") == "2 Jan 2023\u2009–\u200922 Dec 2025"


# -- plurals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("en", 1, "1 week"),
        ("en", 2, "2 weeks"),
        ("en", 1.0, "1 week"),
        ("en", "1.5", "1.5 weeks"),
        ("fi", 1, "1 viikko"),
        ("fi", 3, "3 viikkoa"),
        ("fi", "1,0", "1,0 viikkoa"),  # CLDR: a visible decimal makes it plural
    ],
)
def test_plural_forms_follow_the_number(lang, n, expected):
    assert Messages(lang)("halflife_weeks", n=n) == expected


def test_a_count_next_to_its_noun_agrees():
    en = Messages("en")
    words = {"amount": "€500", "sources": "design", "targets": "content", "period": "next quarter"}
    one = en("headline_move", gain="1", interval="", prob_clause="", **words)
    assert "about 1 more customer encounter." in one
    many = en("headline_move", gain="1,200", interval="", prob_clause="", **words)
    assert "about 1,200 more customer encounters." in many
    assert render("short_history", {"weeks": 1}).startswith("Only 1 week of data")
    assert en.plural("stat_draws", 1) == "intervals from 1 posterior draw"
    assert en.period(1) == "over the next week" and en.period(8) == "over the next 8 weeks"


# -- languages ----------------------------------------------------------------------------------


def test_an_unknown_language_names_the_supported_ones():
    with pytest.raises(UnknownLanguage, match=r"unknown language 'xx'; use one of en, fi"):
        Messages("xx")
    with pytest.raises(ValueError, match="unknown language 'xx'"):
        fmt_eur(1, "xx")


@pytest.fixture
def isolated_registry(monkeypatch):
    monkeypatch.setattr(cat, "_files", dict(cat._files))
    monkeypatch.setattr(cat, "_loaded", dict(cat._loaded))


def test_a_third_language_is_a_catalogue_file_away(tmp_path, isolated_registry):
    text = (PACKAGE / "presentation" / "i18n" / "fi.yaml").read_text(encoding="utf-8")
    text = text.replace("language: fi", "language: sv").replace("locale: fi", "locale: sv_FI")
    text = text.replace("Budjetin jako", "Budgetfördelning").replace("{date} klo {time}", "{date} kl. {time}")
    (tmp_path / "sv.yaml").write_text(text, encoding="utf-8")
    assert cat.register(tmp_path / "sv.yaml") == "sv"
    assert "sv" in languages()
    sv = Messages("sv")
    assert sv("sec_split") == "Budgetfördelning"
    assert sv.eur(310000) == f"310{NBSP}000{NBSP}€"
    assert sv.pct(0.785, 1) == f"78,5{NBSP}%"
    assert sv.date("2022-01-03") == "3 jan. 2022"
    assert sv.month("2022-07-11") == "juli 2022"
    assert sv.datetime("2026-11-23T14:03") == "3 jan. 2022 kl. 14.03".replace("3 jan. 2022", sv.date("2026-11-23"))
    assert sv.render("short_history", {"weeks": 80})
    assert fmt_int(4234, "sv") == f"4{NBSP}234"


def test_an_incomplete_third_catalogue_is_refused(tmp_path, isolated_registry):
    doc = yaml.safe_load((PACKAGE / "presentation" / "i18n" / "en.yaml").read_text(encoding="utf-8"))
    doc["language"], doc["locale"] = "sv", "sv_FI"
    del doc["messages"]["sec_split"]
    (tmp_path / "sv.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="messages.sec_split: missing in sv"):
        cat.register(tmp_path / "sv.yaml")
    assert "sv" not in languages()


def test_a_malformed_entry_is_refused(tmp_path):
    (tmp_path / "xx.yaml").write_text("locale: en\nmessages:\n  a: {one: x}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="exactly one of 'plural' or 'select'"):
        cat.load(tmp_path / "xx.yaml")
    (tmp_path / "yy.yaml").write_text("locale: en\nmessages:\n  a: {plural: n, one: x}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs an 'other' form"):
        cat.load(tmp_path / "yy.yaml")


# -- every sentence a real run emits comes from the catalogue ------------------------------------


def _fullest(entry, context: dict):
    """The entry with only the first (fullest) variant of each list, along the select/plural path."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, list):
        return _fullest(entry[0], context)
    return {k: (v if k in ("plural", "select") else _fullest(v, context)) for k, v in entry.items()}


def _small_run(name: str, *, draws: int = 30, edit=None, model: dict | None = None):
    """Data, a fit with few draws and the plan of a generated history, `edit`-ed first."""
    from planner.inference.model import EncounterModel
    from planner.plan import plan_budget
    from planner.reading.data import from_frame
    from planner.reading.params import load_dict
    from planner.simulate.generators import make

    case = make(name, 0)
    frame = case.frame.copy() if edit is None else edit(case)
    params = load_dict(case.params, PACKAGE.parent / "params" / "example.yaml")
    spec = params.model.model_copy(update={"draws": draws, **(model or {})})
    data = from_frame(frame, params)
    res = EncounterModel(data, spec).fit()
    return data, res, plan_budget(res, params.plan, data.spend)


def _no_effect(case):
    from planner.simulate.generators import without_spend_effect

    return without_spend_effect(case)


def _short_and_flat(case):
    """70 weeks, design spend constant (left out of the fit) and one of its columns idle."""
    frame = case.frame.iloc[-70:].reset_index(drop=True).copy()
    frame["design_ux_eur"] = 0.0
    frame["design_visual_eur"] = 4000.0
    return frame


def _collinear_late_jump(case):
    """Technology spend content's within 15 % each week (one campaign calendar), and the last 13 weeks'
    encounters far above the model."""
    frame = case.frame.copy()
    apart = np.random.default_rng(3).lognormal(0.0, 0.15, len(frame))
    for tech, content in [("tech_automation_eur", "content_articles_eur"), ("tech_crm_eur", "content_video_eur"),
                          ("tech_analytics_eur", "content_social_eur")]:  # fmt: skip
        frame[tech] = (frame[content] * 3.5 * apart).round()
    enc = ["enc_web", "enc_calls", "enc_meetings"]
    frame.loc[frame.index[-13:], enc] = (frame.loc[frame.index[-13:], enc] * 1.6).round()
    return frame


SMALL_RUNS = {
    "technology_driven": {},
    "no_effect": {"name": "additive_hill", "edit": _no_effect},
    "short_flat_at_bound": {
        "name": "drifting_mix",
        "edit": _short_and_flat,
        "model": {"search": {"decay": (0.6, 0.9), "half_saturation": (0.2, 3.0), "shape": (0.5, 3.0)}},
    },
    "collinear_late_jump": {
        "name": "additive_hill",
        "edit": _collinear_late_jump,
        "draws": 0,
        "model": {"baseline_form": "additive"},  # the late jump would otherwise read as a season
    },
    "no_draws": {"name": "collinear", "draws": 0},
}


@pytest.fixture(scope="module")
def small_runs():
    from planner.reading.params import SearchSpec

    out = {}
    for key, how in SMALL_RUNS.items():
        how = dict(how)
        model = dict(how.pop("model", {}))
        if "search" in model:
            model["search"] = SearchSpec(**model["search"])
        out[key] = _small_run(how.pop("name", key), model=model, **how)
    return out


def _emitted(data, res, plan) -> list[tuple[str, str, dict, str | None]]:
    """(where, code, context, English text or None) of every sentence the run's modules emit."""
    from planner.inference import diagnostics as diag

    out = [("data warning", w["code"], w["context"], w["text"]) for w in data.warnings]
    out += [("model warning", w["code"], w["context"], w["text"]) for w in res.warnings]
    out += [("plan warning", w["code"], w["context"], w["text"]) for w in plan.warnings]
    out.append(("action reason", plan.action_reason["code"], plan.action_reason["context"], plan.action_reason["text"]))
    out.append(("quality reason", res.quality_reason["code"], res.quality_reason["context"], None))
    claim = res.claim()
    shares = {c: (row["share"], row["low"], row["high"]) for c, row in res.contributions_dict().items()}
    out.append(("claim", diag.claim_code(claim), diag.claim_context(claim, shares), claim["text"]))
    return out


def test_the_small_runs_emit_the_codes_they_are_meant_to(small_runs):
    """The cases below reach the warnings, reasons and verdicts the sentence checks are about."""
    codes_of = {key: {code for _, code, _, _ in _emitted(*run)} for key, run in small_runs.items()}
    assert {"claim_contradicted", "clearly_better"} <= codes_of["technology_driven"]
    assert {"no_spend_effect", "claim_inconclusive", "weak_no_direction"} <= codes_of["no_effect"]
    assert {"short_history", "idle_spend_column", "unidentified", "at_bound"} <= codes_of["short_flat_at_bound"]
    assert {"collinearity", "poor_holdout", "autocorrelation", "poor_forecast"} <= codes_of["collinear_late_jump"]
    assert {"no_draws", "claim_inconclusive"} <= codes_of["no_draws"]
    assert small_runs["short_flat_at_bound"][1].claim()["why"] == "unidentified"
    assert small_runs["no_draws"][1].claim()["why"] == "no_intervals"


@pytest.mark.parametrize("key", list(SMALL_RUNS))
def test_every_sentence_a_run_emits_is_the_catalogues(small_runs, key):
    """Each text equals the catalogue's rendering of its code and context, from the fullest variant
    (the context holds all it needs), and renders in Finnish without falling back to English."""
    en, fi = Messages("en"), Messages("fi")
    for where, code, context, text in _emitted(*small_runs[key]):
        english = render(code, context, "en")
        if text is not None:
            assert text == english, (where, code)
        if all(v is not None for v in context.values()):
            assert en._render(_fullest(en.catalogue.codes[code], context), context) == english, (where, code)
            assert fi._render(_fullest(fi.catalogue.codes[code], context), context), (where, code)
        finnish = render(code, context, "fi")
        assert finnish != english and "{" not in finnish, (where, code)
        assert fi.warning({"code": code, "text": english, "context": context}) == finnish, (where, code)
