"""The brief's words and number formats in English and Finnish: one message catalogue.

Every sentence the brief shows comes from `CATALOGUE` through `Messages(lang)`; numbers, money,
percentages and dates are formatted by the `fmt_*` functions so that the text a reader sees (and a
test extracts from the PDF) is produced in exactly one place.

Finnish formatting uses a NO-BREAK SPACE (U+00A0) as the thousands separator and before "%" and
"€" (so "310 000 €" never breaks across lines), a decimal comma and d.m.yyyy dates. In the PDF the
no-break space is drawn with the space glyph, so pypdf extracts it as an ordinary space (U+0020): to
find `fmt_eur(310000, "fi")` in extracted text, replace U+00A0 with a space first (tests/test_brief.py
`norm`). English uses a comma separator, "EUR 310,000" and a no-break space before "%" ("78 %"), as the
product's examples do. Negative numbers use the minus sign U+2212 in both languages.
"""

from __future__ import annotations

import datetime as _dt
import math
import string
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "CATALOGUE",
    "CATEGORY_FORMS",
    "LANGUAGES",
    "NBSP",
    "Messages",
    "WARNING_TEXTS",
    "fmt_date",
    "fmt_datetime",
    "fmt_eur",
    "fmt_int",
    "fmt_month",
    "fmt_number",
    "fmt_pct",
    "fmt_period",
    "fmt_prob",
    "fmt_range",
    "fmt_signed",
    "round_sig",
]

LANGUAGES = ("en", "fi")
NBSP = "\u00a0"
MINUS = "\u2212"
EN_DASH = "\u2013"

_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fi": [
        "tammikuu",
        "helmikuu",
        "maaliskuu",
        "huhtikuu",
        "toukokuu",
        "kesäkuu",
        "heinäkuu",
        "elokuu",
        "syyskuu",
        "lokakuu",
        "marraskuu",
        "joulukuu",
    ],
}


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return lang


# -- numbers ----------------------------------------------------------------------------------


def round_sig(x: float, digits: int = 2) -> float:
    """Round to `digits` significant figures (4 234 -> 4 200), as a headline reports numbers.

    Numbers below 10 are rounded to whole units, never to fractions.

    Examples
    --------
    >>> round_sig(312_456)
    310000.0
    >>> round_sig(-2_871)
    -2900.0
    """
    if x == 0 or not math.isfinite(x):
        return float(x)
    if abs(x) < 10:
        return float(round(x))
    magnitude = math.floor(math.log10(abs(x)))
    return float(round(x, min(digits - 1 - magnitude, 0)))


def fmt_number(x: float, lang: str = "en", decimals: int = 0) -> str:
    """A number with the language's thousands separator and decimal mark.

    Examples
    --------
    >>> fmt_number(1234567.891, "en", 2)
    '1,234,567.89'
    >>> fmt_number(1234567.891, "fi", 2) == "1\\u00a0234\\u00a0567,89"
    True
    """
    _lang(lang)
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return EN_DASH
    text = f"{abs(x):,.{decimals}f}"
    if text.strip("0.,") == "":  # -0.0 rounds to zero: no sign
        x = 0.0
    if lang == "fi":
        text = text.replace(",", NBSP).replace(".", ",")
    return (MINUS if x < 0 else "") + text


def fmt_int(x: float, lang: str = "en") -> str:
    """A whole number: en "4,200", fi "4 200" (no-break space)."""
    return fmt_number(round(x), lang, 0)


def fmt_signed(x: float, lang: str = "en") -> str:
    """A whole number with its sign: "+2,900", "−500", "0"."""
    text = fmt_int(x, lang)
    return text if round(x) <= 0 else "+" + text


def fmt_eur(x: float, lang: str = "en", decimals: int = 0) -> str:
    """Euros: en "EUR 310,000", fi "310 000 €" (no-break spaces)."""
    number = fmt_number(x, lang, decimals)
    if lang == "fi":
        return f"{number}{NBSP}€"
    return f"EUR{NBSP}{number}"


def fmt_pct(share: float, lang: str = "en", decimals: int = 0) -> str:
    """A share (0.78) as a percentage: "78 %" in both languages, decimal comma in Finnish."""
    return f"{fmt_number(share * 100, lang, decimals)}{NBSP}%"


def fmt_prob(p: float, lang: str = "en") -> str:
    """A probability, never overclaiming certainty: "96 %", "over 99 %", "under 1 %"."""
    if p > 0.99:
        return ("yli " if lang == "fi" else "over ") + fmt_pct(0.99, lang)
    if p < 0.01:
        return ("alle " if lang == "fi" else "under ") + fmt_pct(0.01, lang)
    return fmt_pct(p, lang)


def fmt_range(low: str, high: str, lang: str = "en") -> str:
    """Two formatted numbers as a range: en "+2,900 to +5,600", fi "+2 900 – +5 600"."""
    if lang == "fi":
        return f"{low}{NBSP}{EN_DASH} {high}"
    return f"{low} to {high}"


# -- dates ------------------------------------------------------------------------------------


def _to_datetime(value: Any) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    return _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def fmt_date(value: Any, lang: str = "en") -> str:
    """A date: en "3 Jan 2022", fi "3.1.2022". Accepts a date, datetime or ISO string."""
    d = _to_datetime(value)
    if _lang(lang) == "fi":
        return f"{d.day}.{d.month}.{d.year}"
    return f"{d.day} {_MONTHS['en'][d.month - 1][:3]} {d.year}"


def fmt_datetime(value: Any, lang: str = "en") -> str:
    """A moment to the minute: en "15 Jan 2025 14:02", fi "15.1.2025 klo 14.02"."""
    d = _to_datetime(value)
    if lang == "fi":
        return f"{fmt_date(d, lang)} klo {d.hour}.{d.minute:02d}"
    return f"{fmt_date(d, lang)} {d.hour:02d}:{d.minute:02d}"


def fmt_month(value: Any, lang: str = "en") -> str:
    """A month: en "January 2022", fi "tammikuu 2022"."""
    d = _to_datetime(value)
    return f"{_MONTHS[_lang(lang)][d.month - 1]} {d.year}"


def fmt_period(start: Any, end: Any, lang: str = "en") -> str:
    """A date range: en "3 Jan 2022 – 30 Dec 2024", fi "3.1.2022–30.12.2024"."""
    if lang == "fi":
        return f"{fmt_date(start, lang)}{EN_DASH}{fmt_date(end, lang)}"
    return f"{fmt_date(start, lang)} {EN_DASH} {fmt_date(end, lang)}"


# -- the catalogue ----------------------------------------------------------------------------

#: Category names in the grammatical forms the Finnish sentences need.
CATEGORY_FORMS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        c: {"nom": c, "gen": c, "ela": c, "ill": c, "par": c, "cap": c.capitalize()}
        for c in ("content", "design", "technology")
    },
    "fi": {
        "content": {
            "nom": "sisältö",
            "gen": "sisällön",
            "ela": "sisällöstä",
            "ill": "sisältöön",
            "par": "sisältöä",
            "cap": "Sisältö",
        },
        "design": {
            "nom": "muotoilu",
            "gen": "muotoilun",
            "ela": "muotoilusta",
            "ill": "muotoiluun",
            "par": "muotoilua",
            "cap": "Muotoilu",
        },
        "technology": {
            "nom": "teknologia",
            "gen": "teknologian",
            "ela": "teknologiasta",
            "ill": "teknologiaan",
            "par": "teknologiaa",
            "cap": "Teknologia",
        },
    },
}

# Each entry: key -> {"en": template, "fi": template}; placeholders in str.format style.
CATALOGUE: dict[str, dict[str, str]] = {
    # header and sections
    "default_title": {"en": "Content-impact budget plan", "fi": "Sisältövaikutuksen budjettisuunnitelma"},
    "subtitle": {
        "en": "Budget {budget} for {period} · based on {weeks} weeks of data, {data_period}",
        "fi": "Budjetti {budget} {period} · pohjana {weeks} viikon aineisto {data_period}",
    },
    "sec_split": {"en": "The split", "fi": "Budjetin jako"},
    "sec_claim": {
        "en": "What your data says about the 80/10/10 claim",
        "fi": "Mitä oma aineistonne kertoo 80/10/10-väitteestä",
    },
    "sec_quality": {"en": "How far to trust this", "fi": "Kuinka paljon tähän voi luottaa"},
    "sec_scenarios": {"en": "Scenarios for {period}", "fi": "Vaihtoehdot: {period}"},
    "sec_frontier": {"en": "If the budget changes", "fi": "Jos budjetti muuttuu"},
    "sec_contrib": {
        "en": "What each category generated, {data_period}",
        "fi": "Mitä kukin osa-alue tuotti, {data_period}",
    },
    "sec_model": {"en": "Model checks and warnings", "fi": "Mallin tarkistukset ja varoitukset"},
    "sec_bounds": {"en": "Limits the plan respects", "fi": "Rajat, joita suunnitelma noudattaa"},
    "detail_title": {"en": "Detail", "fi": "Tarkemmin"},
    # periods (horizon)
    "period_13": {"en": "next quarter", "fi": "seuraavalla neljänneksellä"},
    "period_26": {"en": "over the next half-year", "fi": "seuraavalla vuosipuoliskolla"},
    "period_52": {"en": "over the next year", "fi": "seuraavan vuoden aikana"},
    "period_n": {"en": "over the next {n} weeks", "fi": "seuraavien {n} viikon aikana"},
    "period_noun_13": {"en": "the next quarter", "fi": "seuraava neljännes"},
    "period_noun_26": {"en": "the next half-year", "fi": "seuraava vuosipuolisko"},
    "period_noun_52": {"en": "the next year", "fi": "seuraava vuosi"},
    "period_noun_n": {"en": "the next {n} weeks", "fi": "seuraavat {n} viikkoa"},
    "period_for_13": {"en": "the next quarter", "fi": "seuraavalle neljännekselle"},
    "period_for_26": {"en": "the next half-year", "fi": "seuraavalle vuosipuoliskolle"},
    "period_for_52": {"en": "the next year", "fi": "seuraavalle vuodelle"},
    "period_for_n": {"en": "the next {n} weeks", "fi": "seuraaville {n} viikolle"},
    "and": {"en": " and ", "fi": " ja "},
    # headlines
    "headline_move": {
        "en": "Move {amount} from {sources} to {targets} {period}: about {gain} more customer "
        "encounters{interval}{prob_clause}.",
        "fi": "Siirrä {period} {amount} {sources} {targets}: se tuo noin {gain} asiakaskohtaamista "
        "lisää{interval}{prob_clause}.",
    },
    "headline_uncertain": {
        "en": "Moving {amount} from {sources} to {targets} {period} would bring about {gain} more "
        "customer encounters{interval}, but {doubt}: the gain is not certain.",
        "fi": "Jos siirrät {period} {amount} {sources} {targets}, malli odottaa noin {gain} "
        "asiakaskohtaamista lisää{interval}, mutta {doubt}. Hyöty ei ole varma.",
    },
    "headline_weak": {
        "en": "A direction to test, not a plan: the model is weak. It points to moving {amount} from "
        "{sources} to {targets} {period}, for about {gain} more customer encounters{interval}{prob_clause}.",
        "fi": "Suunta kokeiltavaksi, ei vielä päätös: malli on heikko. Se viittaa siihen, että "
        "{period} kannattaisi siirtää {amount} {sources} {targets}: noin {gain} "
        "asiakaskohtaamista lisää{interval}{prob_clause}.",
    },
    "headline_keep": {
        "en": "Keep the current split {period}: the best split the model finds would move only "
        "{amount} and change customer encounters by about {gain}{interval}, too little to justify a change.",
        "fi": "Pidä nykyinen jako {period}: paras löydetty jako siirtäisi vain {amount} ja muuttaisi "
        "asiakaskohtaamisia noin {gain}{interval}. Ero on liian pieni muutokseen.",
    },
    "headline_keep_none": {
        "en": "Keep the current split {period}: the model finds no split that does clearly better. "
        "Expect about {encounters} spend-driven customer encounters{interval}.",
        "fi": "Pidä nykyinen jako {period}: malli ei löydä jakoa, joka olisi selvästi parempi. "
        "Odotettavissa on noin {encounters} panostuksista syntyvää asiakaskohtaamista{interval}.",
    },
    "next_test": {
        "en": "The test to run next: change {category} spend by {change} a week for {weeks} weeks. The model "
        "expects about {lift} extra encounters; a test of that length detects {detectable} or more "
        "({power} power).",
        "fi": "Seuraavaksi kannattaa testata: muuta {category} panostusta {change} viikossa {weeks} viikon "
        "ajan. Malli odottaa noin {lift} lisäkohtaamista; näin pitkä testi havaitsee vähintään "
        "{detectable} kohtaamisen muutoksen ({power} todennäköisyydellä).",
    },
    "hl_interval": {"en": " ({low} to {high})", "fi": " ({low}{nbsp}– {high})"},
    "hl_prob": {
        "en": ", {prob} likely to beat the current split",
        "fi": ", ja siirto on {prob}:n todennäköisyydellä parempi kuin nykyinen jako",
    },
    "hl_doubt_prob": {
        "en": "it is only {prob} likely to beat the current split",
        "fi": "todennäköisyys sille, että jako voittaa nykyisen, on vain {prob}",
    },
    "hl_doubt_interval": {
        "en": "its interval reaches into a loss",
        "fi": "vaihteluväli ulottuu tappion puolelle",
    },
    "hl_no_interval": {
        "en": "The model ran without posterior draws, so this gain has no interval.",
        "fi": "Malli ajettiin ilman posteriorin otoksia, joten hyödylle ei ole vaihteluväliä.",
    },
    "weak_caveat": {
        "en": "Test it on part of the budget before moving the whole amount.",
        "fi": "Kokeile muutosta ensin osalla budjetista ennen kuin siirrät koko summan.",
    },
    # split table
    "col_current": {"en": "Current", "fi": "Nykyinen"},
    "col_recommended": {"en": "Recommended", "fi": "Suositus"},
    "col_reference": {"en": "Reference {ref}", "fi": "Vertailujako {ref}"},
    "col_unbounded": {"en": "Without limits", "fi": "Ilman rajoja"},
    "row_encounters": {"en": "Encounters from spend", "fi": "Kohtaamiset panostuksista"},
    "row_interval": {"en": "{level} interval", "fi": "{level}:n vaihteluväli"},
    "row_cost": {"en": "Cost per encounter", "fi": "Hinta per kohtaaminen"},
    "row_total": {"en": "Total", "fi": "Yhteensä"},
    "split_note": {
        "en": "Current = the actual mix of the last {weeks} weeks. Encounters are quality-weighted "
        "and counted over {period}, above the baseline that would come without spend.",
        "fi": "Nykyinen = viimeisten {weeks} viikon toteutunut jako. Kohtaamiset on painotettu "
        "laadun mukaan ja laskettu {period}; mukana vain panostusten tuoma osuus perustason päälle.",
    },
    # claim
    "claim_shares": {
        "en": "Your data: {parts} of the customer encounters that spend generated.",
        "fi": "Oma aineistonne: {parts} panostusten tuottamista asiakaskohtaamisista.",
    },
    "claim_part": {"en": "{category} {share} ({low}–{high})", "fi": "{category} {share} ({low}–{high})"},
    "claim_part_point": {"en": "{category} {share}", "fi": "{category} {share}"},
    "claim_part_unknown": {"en": "{category} unknown", "fi": "{category} tuntematon"},
    "claim_contradicted_by": {
        "en": "This contradicts the 80/10–15/10–15 claim: in your data {category} generates {direction} "
        "than the {band} the claim gives it.",
        "fi": "Tämä on ristiriidassa 80/10–15/10–15-väitteen kanssa: teidän aineistossanne {category} "
        "tuottaa {direction} kuin väitteen {band}.",
    },
    "claim_more": {"en": "more", "fi": "enemmän"},
    "claim_less": {"en": "less", "fi": "vähemmän"},
    "claim_inconclusive_unknown": {
        "en": "The data can neither confirm nor rule out the claim, because {categories} spend never varied.",
        "fi": "Aineisto ei vahvista eikä kumoa väitettä, koska {categories} kulut eivät vaihdelleet lainkaan.",
    },
    "chart_claim_unknown": {"en": "unknown", "fi": "tuntematon"},
    "claim_consistent": {
        "en": "This is consistent with the claim that content weighs about 80 % and design and "
        "technology 10–15 % each.",
        "fi": "Tämä tukee väitettä, että sisällön paino on noin 80 % ja muotoilun ja teknologian kummankin 10–15 %.",
    },
    "claim_partly": {
        "en": "This partly supports the 80/10–15/10–15 claim: the direction holds, the sizes differ.",
        "fi": "Tämä tukee 80/10–15/10–15-väitettä osittain: suunta pitää, mutta painot poikkeavat.",
    },
    "claim_contradicted": {
        "en": "This contradicts the 80/10–15/10–15 claim: in your data, content is not what generates most encounters.",
        "fi": "Tämä on ristiriidassa 80/10–15/10–15-väitteen kanssa: teidän aineistossanne "
        "kohtaamisia ei synny pääosin sisällöstä.",
    },
    "claim_inconclusive": {
        "en": "The data cannot tell whether the 80/10–15/10–15 claim holds: the intervals are too wide.",
        "fi": "Aineistosta ei voi sanoa, pitääkö 80/10–15/10–15-väite: vaihteluvälit ovat liian leveät.",
    },
    "claim_gap": {
        "en": "{category} took {spend} of the spend but generated {effect} of the encounters.",
        "fi": "{category} vei {spend} kuluista mutta tuotti {effect} kohtaamisista.",
    },
    "chart_claim_effect": {"en": "share of encounters (interval)", "fi": "osuus kohtaamisista (väli)"},
    "chart_claim_spend": {"en": "share of spend", "fi": "osuus kuluista"},
    "chart_claim_claim": {"en": "the claim", "fi": "väite"},
    "chart_split_title": {"en": "Share of the budget", "fi": "Osuus budjetista"},
    # quality
    "quality_label": {"en": "Model quality", "fi": "Mallin laatu"},
    "quality_good": {"en": "GOOD", "fi": "HYVÄ"},
    "quality_fair": {"en": "FAIR", "fi": "KOHTALAINEN"},
    "quality_weak": {"en": "WEAK", "fi": "HEIKKO"},
    "quality_good_text": {
        "en": "The model explains past encounters well and held up on weeks it had not seen. "
        "The numbers are a sound basis for the decision.",
        "fi": "Malli selittää aiemmat kohtaamiset hyvin ja osui myös viikkoihin, joita se ei ollut "
        "nähnyt. Luvut ovat hyvä pohja päätökselle.",
    },
    "quality_fair_text": {
        "en": "Trust the direction; treat the exact numbers with care.",
        "fi": "Suuntaan voi luottaa, tarkkoihin lukuihin varauksella.",
    },
    "quality_weak_text": {
        "en": "The data cannot support firm conclusions. Every number here is indicative: test a "
        "change on part of the budget before committing.",
        "fi": "Aineisto ei riitä varmoihin johtopäätöksiin. Kaikki luvut ovat suuntaa antavia: "
        "kokeile muutosta osalla budjetista ennen kuin sitoudut siihen.",
    },
    "quality_unknown": {"en": "NOT RATED", "fi": "EI ARVIOITU"},
    "quality_unknown_text": {
        "en": "The model's quality was not recorded for this run.",
        "fi": "Mallin laatua ei ole kirjattu tälle ajolle.",
    },
    "more_warnings": {"en": "{n} more on page 2.", "fi": "{n} lisää sivulla 2."},
    "more_warnings_report": {"en": "{n} more in the HTML report.", "fi": "{n} lisää HTML-raportissa."},
    "no_warnings": {"en": "No warnings.", "fi": "Ei varoituksia."},
    # detail page
    "col_scenario": {"en": "Scenario", "fi": "Vaihtoehto"},
    "col_encounters": {"en": "Encounters", "fi": "Kohtaamiset"},
    "col_interval": {"en": "{level} interval", "fi": "{level}:n vaihteluväli"},
    "col_cost": {"en": "Cost / encounter", "fi": "Hinta / kohtaaminen"},
    "col_category": {"en": "Category", "fi": "Osa-alue"},
    "col_share": {"en": "Share of encounters", "fi": "Osuus kohtaamisista"},
    "col_generated": {"en": "Encounters generated", "fi": "Tuotetut kohtaamiset"},
    "col_marginal": {"en": "Cost of one more", "fi": "Seuraavan hinta"},
    "col_spend": {"en": "Spend", "fi": "Kulut"},
    "scenario_current": {"en": "Current", "fi": "Nykyinen"},
    "scenario_reference": {"en": "Reference {ref}", "fi": "Vertailujako {ref}"},
    "scenario_recommended": {"en": "Recommended", "fi": "Suositus"},
    "scenario_unbounded": {"en": "Without limits", "fi": "Ilman rajoja"},
    "contrib_note": {
        "en": "Cost of one more = what one extra encounter costs at the last {weeks} weeks' spend "
        "level; it rises as a category saturates.",
        "fi": "Seuraavan hinta = mitä yksi lisäkohtaaminen maksaa viimeisten {weeks} viikon "
        "kulutasolla; hinta nousee, kun osa-alue kyllästyy.",
    },
    "frontier_text": {
        "en": "At {budget}, one more encounter costs about {marginal} with the best split; "
        "each extra {step} brings about {per_step} encounters.",
        "fi": "Budjetilla {budget} yksi lisäkohtaaminen maksaa parhaalla jaolla noin {marginal}; "
        "jokainen lisätty {step} tuo noin {per_step} kohtaamista lisää.",
    },
    "chart_frontier_x": {"en": "budget for {period} (EUR thousand)", "fi": "budjetti: {period} (tuhatta €)"},
    "chart_frontier_y": {"en": "encounters (thousand)", "fi": "kohtaamiset (tuhatta)"},
    "chart_frontier_best": {"en": "best split", "fi": "paras jako"},
    "chart_frontier_today": {"en": "planned budget", "fi": "suunniteltu budjetti"},
    "chart_frontier_current": {"en": "current split", "fi": "nykyinen jako"},
    "sec_curves": {"en": "How spend turns into encounters", "fi": "Miten kulut muuttuvat kohtaamisiksi"},
    "col_halflife": {"en": "Effect half-life", "fi": "Vaikutuksen puoliintumisaika"},
    "col_half_sat": {"en": "Half of full effect at", "fi": "Puolet täydestä vaikutuksesta"},
    "col_spend_week": {"en": "Spend per week, last {weeks} weeks", "fi": "Kulut viikossa, viim. {weeks} vk"},
    "col_saturation": {"en": "Share of full effect now", "fi": "Osuus täydestä vaikutuksesta nyt"},
    "halflife_short": {"en": "under a week", "fi": "alle viikko"},
    "halflife_weeks": {"en": "{n} weeks", "fi": "{n} viikkoa"},
    "curves_note": {
        "en": "Half-life: after this many weeks, half of a week's spend effect has worn off. "
        "Near 100 % of the full effect, more money buys few extra encounters.",
        "fi": "Puoliintumisaika: näin monen viikon kuluttua puolet viikon panostuksen vaikutuksesta on "
        "hiipunut. Lähellä 100 %:a täydestä vaikutuksesta lisäraha tuo enää vähän uusia kohtaamisia.",
    },
    "stat_r2": {"en": "R² {value} on the weeks it was fitted to", "fi": "selitysaste R² {value} sovitusviikoilla"},
    "stat_mape": {
        "en": "off by {value} on average on the {weeks} held-out weeks",
        "fi": "keskimäärin {value} ohi {weeks} sivuun jätetyllä viikolla",
    },
    "stat_mape_noweeks": {
        "en": "off by {value} on average on held-out weeks",
        "fi": "keskimäärin {value} ohi sivuun jätetyillä viikoilla",
    },
    "stat_nrmse": {"en": "NRMSE {value}", "fi": "NRMSE {value}"},
    "stat_draws": {"en": "intervals from {n} posterior draws", "fi": "vaihteluvälit {n} posterioriotoksesta"},
    "bounds_line": {"en": "{category} {range}", "fi": "{category} {range}"},
    "bounds_binding": {"en": "Binding: {items}.", "fi": "Rajoittavat: {items}."},
    "bounds_none_binding": {
        "en": "No limit binds: the recommendation is the model's free choice.",
        "fi": "Mikään raja ei rajoita: suositus on mallin vapaa valinta.",
    },
    "bound_at_min": {"en": "{category} at its minimum ({value})", "fi": "{category} alarajallaan ({value})"},
    "bound_at_max": {"en": "{category} at its maximum ({value})", "fi": "{category} ylärajallaan ({value})"},
    "bound_default": {"en": "default", "fi": "oletus"},
    "bounds_max_change": {
        "en": "Each category may change by at most ±{pct} of its current share.",
        "fi": "Kunkin osa-alueen osuus saa muuttua enintään ±{pct} nykyisestä.",
    },
    "bounds_max_dev": {
        "en": "Each category stays within {points} percentage points of the reference split.",
        "fi": "Kukin osa-alue pysyy enintään {points} prosenttiyksikön päässä vertailujaosta.",
    },
    "unbounded_note": {
        "en": "Without these limits the model would choose {split}, for about {encounters} encounters.",
        "fi": "Ilman rajoja malli valitsisi jaon {split}, jolloin kohtaamisia olisi noin {encounters}.",
    },
    # footer
    "footer_params": {"en": "params", "fi": "parametrit"},
    "footer_data": {"en": "data", "fi": "aineisto"},
    "footer_run": {"en": "run", "fi": "ajettu"},
    "footer_page": {"en": "page {page}/{pages}", "fi": "sivu {page}/{pages}"},
    "footer_fingerprint": {"en": "data fingerprint", "fi": "aineiston tunniste"},
}

# Warning texts by code. Each code has templates tried in order: the first whose placeholders are
# all in the warning's context is used (so a warning with less context still reads well).
WARNING_TEXTS: dict[str, dict[str, list[str]]] = {
    "low_variation": {
        "en": [
            "{Category_unidentified} spend never varied beyond trend and season, so the data cannot show "
            "its effect at all: {category} is left out of the model and its share is unknown.",
            "{Category_gen} spend hardly varied, so the data cannot show how many encounters "
            "{category} generates; its estimate rests on the model's assumptions.",
            "Spend in one category hardly varied, so the data cannot show what it generates.",
        ],
        "fi": [
            "{Category_unidentified} kulut eivät vaihdelleet trendin ja kauden lisäksi lainkaan, joten "
            "aineistosta ei näe niiden vaikutusta: {category} on jätetty mallin ulkopuolelle ja sen "
            "osuus on tuntematon.",
            "{Category_gen} kulut vaihtelivat niin vähän, ettei aineistosta näe, montako "
            "kohtaamista {category} tuottaa; arvio nojaa mallin oletuksiin.",
            "Yhden osa-alueen kulut vaihtelivat niin vähän, ettei aineistosta näe sen vaikutusta.",
        ],
    },
    "collinearity": {
        "en": [
            "{Categories_gen} spend rose and fell together, so the model cannot fully tell their effects apart.",
            "Spend in some categories rose and fell together, so the model cannot fully tell their effects apart.",
        ],
        "fi": [
            "{Categories_gen} kulut nousivat ja laskivat samaan tahtiin, joten malli ei pysty "
            "täysin erottamaan niiden vaikutuksia.",
            "Osa-alueiden kulut nousivat ja laskivat samaan tahtiin, joten malli ei pysty täysin "
            "erottamaan niiden vaikutuksia.",
        ],
    },
    "poor_holdout": {
        "en": [
            "On the last {weeks} weeks, which the model had not seen, its predictions were off by "
            "{mape} on average: treat the numbers with care.",
            "On weeks the model had not seen, its predictions were off by {mape} on average: treat "
            "the numbers with care.",
            "The model predicted weeks it had not seen poorly: treat the numbers with care.",
        ],
        "fi": [
            "Viimeisillä {weeks} viikolla, joita malli ei ollut nähnyt, ennusteet heittivät "
            "keskimäärin {mape}. Suhtaudu lukuihin varauksella.",
            "Viikoilla, joita malli ei ollut nähnyt, ennusteet heittivät keskimäärin {mape}. "
            "Suhtaudu lukuihin varauksella.",
            "Malli ennusti huonosti viikkoja, joita se ei ollut nähnyt. Suhtaudu lukuihin varauksella.",
        ],
    },
    "at_bound": {
        "en": [
            "The {parameter} of {category} sits at the edge of its search range; the true value may lie beyond it.",
            "A model parameter sits at the edge of its search range; the true value may lie beyond it.",
        ],
        "fi": [
            "{Category_gen} {parameter} on hakualueensa reunalla; todellinen arvo voi olla alueen ulkopuolella.",
            "Jokin mallin parametri on hakualueensa reunalla; todellinen arvo voi olla alueen ulkopuolella.",
        ],
    },
    "autocorrelation": {
        "en": ["The model's errors repeat from week to week, so the intervals may be too narrow."],
        "fi": [
            "Mallin virheet toistuvat viikosta toiseen samansuuntaisina, joten vaihteluvälit "
            "voivat olla todellista kapeampia."
        ],
    },
    "short_history": {
        "en": [
            "Only {weeks} weeks of data: two years or more give firmer estimates of the yearly season.",
            "The data cover less than two years: longer data give firmer estimates.",
        ],
        "fi": [
            "Aineistoa on vain {weeks} viikolta; vähintään kahden vuoden aineisto antaa "
            "varmemmat arviot vuodenaikavaihtelusta.",
            "Aineisto kattaa alle kaksi vuotta; pidempi aineisto antaa varmemmat arviot.",
        ],
    },
    "idle_spend_column": {
        "en": [
            "{Category_gen} column(s) {columns} hold no spend in any week.",
            "Some spend columns hold no spend in any week.",
        ],
        "fi": [
            "{Category_gen} sarakkeissa {columns} ei ole kuluja yhdelläkään viikolla.",
            "Joissakin kulusarakkeissa ei ole kuluja yhdelläkään viikolla.",
        ],
    },
    "holdout_shortened": {
        "en": [
            "The data are short, so the final check on unseen weeks used only {weeks} weeks.",
            "The data are short, so the final check on unseen weeks was shortened.",
        ],
        "fi": [
            "Aineisto on lyhyt, joten lopputarkistus näkemättömillä viikoilla tehtiin vain {weeks} viikolla.",
            "Aineisto on lyhyt, joten lopputarkistus näkemättömillä viikoilla jäi tavallista lyhyemmäksi.",
        ],
    },
    "baseline_column_dropped": {
        "en": [
            "The baseline column '{column}' repeats what other baseline terms already hold (such as the "
            "built-in holiday dips), so it was left out."
        ],
        "fi": [
            "Perustason sarake '{column}' toistaa sen, minkä muut perustason termit jo kertovat (kuten "
            "sisäänrakennetut lomaviikot), joten se jätettiin pois."
        ],
    },
    "glm_fallback": {
        "en": [
            "The count model did not converge, so weighted least squares ran instead; its numbers are "
            "approximate."
        ],
        "fi": [
            "Lukumäärämalli ei konvergoinut, joten sen sijaan käytettiin painotettua pienimmän neliösumman "
            "mallia; luvut ovat likimääräisiä."
        ],
    },
    "experiment_disagrees": {
        "en": [
            "The lift test '{experiment}' on {category} and the history disagree beyond both uncertainties: "
            "check the test before trusting either.",
        ],
        "fi": [
            "Nostotesti '{experiment}' ({category}) ja historia-aineisto ovat ristiriidassa enemmän kuin "
            "kummankaan epävarmuus selittää: tarkista testi ennen kuin luotat kumpaankaan.",
        ],
    },
    "experiment_unused": {
        "en": [
            "The lift test '{experiment}' was left out: {category} spend never varied, so the model has no "
            "effect of it to calibrate."
        ],
        "fi": [
            "Nostotesti '{experiment}' jätettiin pois: {category_gen} kulut eivät vaihdelleet, joten mallissa "
            "ei ole kalibroitavaa vaikutusta."
        ],
    },
    "not_counts": {
        "en": [
            "The count model was used on weighted encounters that are not whole numbers, so its "
            "intervals are approximate."
        ],
        "fi": [
            "Lukumäärämallia käytettiin painotettuihin kohtaamisiin, jotka eivät ole kokonaislukuja, "
            "joten vaihteluvälit ovat likimääräisiä."
        ],
    },
    "plan_beyond_history": {
        "en": [
            "The recommended {category} spend of {weekly} a week is more than the data ever saw (at most "
            "{max_weekly}); the model extrapolates there, so make the change in steps.",
            "The recommended spend of one category is beyond anything in the data; make the change in steps.",
        ],
        "fi": [
            "Suositus nostaa {category_gen} kulut tasolle {weekly} viikossa, enemmän kuin aineistossa "
            "koskaan (enintään {max_weekly}). Malli arvioi tässä aineistonsa ulkopuolelta, joten tee "
            "muutos portaittain.",
            "Yhden osa-alueen suositeltu kulutaso ylittää kaiken aineistossa nähdyn; tee muutos portaittain.",
        ],
    },
    "plan_below_history": {
        "en": [
            "The recommended {category} spend of {weekly} a week is below anything in the data (at least "
            "{min_weekly}); the model extrapolates there.",
            "The recommended spend of one category is below anything in the data; the model extrapolates there.",
        ],
        "fi": [
            "Suositus laskee {category_gen} kulut tasolle {weekly} viikossa, vähemmän kuin aineistossa "
            "koskaan (vähintään {min_weekly}). Malli arvioi tässä aineistonsa ulkopuolelta.",
            "Yhden osa-alueen suositeltu kulutaso alittaa kaiken aineistossa nähdyn; malli arvioi tässä "
            "aineistonsa ulkopuolelta.",
        ],
    },
    "plan_current_outside_bounds": {
        "en": [
            "The current {category} share ({share}) lies outside the limits set for the plan "
            "({min_share}–{max_share}).",
            "The current split lies outside the limits set for the plan.",
        ],
        "fi": [
            "{Category_gen} nykyinen osuus ({share}) on suunnitelmalle asetettujen rajojen "
            "({min_share}–{max_share}) ulkopuolella.",
            "Nykyinen jako on suunnitelmalle asetettujen rajojen ulkopuolella.",
        ],
    },
    "partial_week_dropped": {
        "en": [
            "Dropped the incomplete week(s) starting {dates}: the daily data cover only part of them.",
            "Dropped incomplete weeks: the daily data cover only part of them.",
        ],
        "fi": [
            "Vajaat viikot ({dates} alkaen) jätettiin pois: päivittäinen aineisto kattaa niistä vain osan.",
            "Vajaat viikot jätettiin pois: päivittäinen aineisto kattaa niistä vain osan.",
        ],
    },
}

_PARAMETERS = {
    "en": {"decay": "carryover", "half_saturation": "saturation point", "shape": "curve shape"},
    "fi": {"decay": "jälkivaikutus", "half_saturation": "kyllästymispiste", "shape": "käyrän muoto"},
}


class _Missing(KeyError):
    pass


class _Strict(dict):
    def __missing__(self, key):
        raise _Missing(key)


class Messages:
    """The catalogue in one language, with the formatting functions bound to it.

    Parameters
    ----------
    lang : {"en", "fi"}

    Examples
    --------
    >>> m = Messages("fi")
    >>> m("sec_split")
    'Budjetin jako'
    >>> m.eur(310000) == "310\\u00a0000\\u00a0€"
    True
    """

    def __init__(self, lang: str = "en"):
        self.lang = _lang(lang)

    def __call__(self, key: str, **values: Any) -> str:
        template = CATALOGUE[key][self.lang]
        return template.format(nbsp=NBSP, **values) if values or "{nbsp}" in template else template

    def __repr__(self) -> str:
        return f"Messages({self.lang!r})"

    # formatting bound to the language
    def int(self, x: float) -> str:
        return fmt_int(x, self.lang)

    def signed(self, x: float) -> str:
        return fmt_signed(x, self.lang)

    def eur(self, x: float, decimals: int = 0) -> str:
        return fmt_eur(x, self.lang, decimals)

    def pct(self, x: float, decimals: int = 0) -> str:
        return fmt_pct(x, self.lang, decimals)

    def prob(self, p: float) -> str:
        return fmt_prob(p, self.lang)

    def number(self, x: float, decimals: int = 0) -> str:
        return fmt_number(x, self.lang, decimals)

    def range(self, low: str, high: str) -> str:
        return fmt_range(low, high, self.lang)

    def date(self, value: Any) -> str:
        return fmt_date(value, self.lang)

    def datetime(self, value: Any) -> str:
        return fmt_datetime(value, self.lang)

    def month(self, value: Any) -> str:
        return fmt_month(value, self.lang)

    def period_dates(self, start: Any, end: Any) -> str:
        return fmt_period(start, end, self.lang)

    def eur_cost(self, x: float) -> str:
        """A cost per encounter: cents below EUR 100, whole euros above."""
        return self.eur(x, 2 if abs(x) < 100 else 0)

    # words
    def category(self, name: str, form: str = "nom") -> str:
        """A category's name in a grammatical form (nom, gen, ela, ill, par, cap)."""
        forms = CATEGORY_FORMS[self.lang].get(name)
        if forms is None:
            return name
        return forms[form]

    def categories(self, names: Iterable[str], form: str = "nom") -> str:
        """Category names joined: "technology and design", "teknologiasta ja muotoilusta"."""
        words = [self.category(n, form) for n in names]
        if len(words) <= 1:
            return "".join(words)
        return ", ".join(words[:-1]) + self("and") + words[-1]

    def period(self, weeks: int, kind: str = "adverb") -> str:
        """The planning horizon in words: "next quarter", "seuraavalla neljänneksellä".

        kind: "adverb" (when: next quarter), "noun" (the next quarter) or "for" (for the next quarter).
        """
        prefix = {"adverb": "period", "noun": "period_noun", "for": "period_for"}[kind]
        key = f"{prefix}_{weeks}"
        if key in CATALOGUE:
            return self(key)
        return self(f"{prefix}_n", n=weeks)

    def quality(self, quality: str | None) -> tuple[str, str]:
        """The quality mark and its sentence: ("WEAK", "The data cannot support ...")."""
        if quality in ("good", "fair", "weak"):
            return self(f"quality_{quality}"), self(f"quality_{quality}_text")
        return self("quality_unknown"), self("quality_unknown_text")

    def warning(self, entry: Mapping[str, Any], text: str | None = None) -> str:
        """A warning in this language, by its code; an unknown code falls back to the English text.

        Parameters
        ----------
        entry : mapping
            ``{"code": ..., **context}`` as in results.json ``warning_codes`` (a nested ``context``
            mapping is accepted too).
        text : str, optional
            The English sentence (results.json ``warnings``); used for unknown codes.
        """
        code = entry.get("code")
        context = dict(entry.get("context") or {})
        context.update({k: v for k, v in entry.items() if k not in ("code", "context", "text")})
        fallback = text or entry.get("text") or str(code or "")
        templates = WARNING_TEXTS.get(code, {}).get(self.lang)
        if not templates:
            return fallback
        values = _Strict(self._warning_values(context))
        formatter = string.Formatter()
        for template in templates:
            try:
                return formatter.vformat(template, (), values)
            except (_Missing, KeyError, IndexError, ValueError):
                continue
        return fallback

    def _warning_values(self, context: Mapping[str, Any]) -> dict[str, str]:
        values: dict[str, str] = {}
        category = context.get("category")
        if isinstance(category, str):
            values["category"] = self.category(category)
            values["Category"] = _cap(self.category(category))
            values["Category_nom"] = _cap(self.category(category))
            values["Category_gen"] = _cap(self.category(category, "gen"))
            values["category_gen"] = self.category(category, "gen")
            if context.get("identified") is False:
                values["Category_unidentified"] = values["Category_gen"]
        cats = context.get("categories") or context.get("pair")
        if isinstance(cats, (list, tuple)) and cats and all(isinstance(c, str) for c in cats):
            values["Categories_gen"] = _cap(self.categories(cats, "gen"))
        parameter = context.get("parameter")
        if isinstance(parameter, str):
            values["parameter"] = _PARAMETERS[self.lang].get(parameter, parameter)
        for key in ("weeks", "count"):
            if isinstance(context.get(key), (int, float)):
                values[key] = self.int(context[key])
        for key, name in (("weekly_eur", "weekly"), ("max_weekly_eur", "max_weekly"), ("min_weekly_eur", "min_weekly")):
            if isinstance(context.get(key), (int, float)):
                values[name] = self.eur(round_sig(context[key], 3))
        for key in ("share", "min_share", "max_share"):
            if isinstance(context.get(key), (int, float)):
                values[key] = self.pct(context[key])
        mape = context.get("mape", context.get("holdout_mape"))
        if isinstance(mape, (int, float)):
            values["mape"] = self.pct(mape, 1)
        for key in ("column", "experiment"):
            if isinstance(context.get(key), str):
                values[key] = context[key]
        columns = context.get("columns")
        if isinstance(columns, (list, tuple)) and columns:
            values["columns"] = ", ".join(str(c) for c in columns)
        weeks = context.get("weeks")
        if isinstance(weeks, (list, tuple)) and weeks:
            try:
                values["dates"] = ", ".join(self.date(w) for w in weeks)
            except (TypeError, ValueError):
                pass
        return values


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
