"""Numbers, money, percentages and dates in a catalogue's language, from Babel's CLDR data.

Each function takes the language code of a catalogue (``"en"``, ``"fi"``); the catalogue names the
CLDR locale (English: ``en_IE``, English as written in a euro country: "€310,000", "3 Jan 2022") and
may set a date skeleton or the minus sign (the brief uses U+2212 in every language).

Finnish (and Swedish) formats use a NO-BREAK SPACE (U+00A0) as the thousands separator and before
"%" and "€" (so "310 000 €" never breaks across lines). In the PDF it is drawn with the space glyph,
so pypdf extracts it as an ordinary space: replace U+00A0 with a space before looking for a
formatted number in extracted text (tests/test_brief.py `norm`).
"""

from __future__ import annotations

import copy
import datetime as _dt
import math
from typing import Any

from babel import dates as _dates
from babel import numbers as _numbers

from planner.presentation.i18n import catalogue as _catalogue

__all__ = [
    "EN_DASH",
    "MINUS",
    "NBSP",
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
    "fmt_significant",
    "round_sig",
]

NBSP = "\u00a0"
MINUS = "\u2212"
EN_DASH = "\u2013"
CURRENCY = "EUR"


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


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def _apply(pattern, x: float, lang: str, decimals: int, **kwargs) -> str:
    """`pattern` of the locale with exactly `decimals` decimals; the catalogue's minus sign."""
    cat = _catalogue.get(lang)
    if round(x * 10**pattern.scale, decimals) == 0:  # -0.001 shown with no decimals is 0, not -0
        x = 0.0
    p = copy.copy(pattern)
    p.frac_prec = (decimals, decimals)
    text = p.apply(x, cat.locale, **kwargs)
    if x < 0:  # Babel writes an ASCII hyphen; use the catalogue's or the locale's minus sign
        minus = cat.formats.get("minus_sign") or _numbers.get_minus_sign_symbol(cat.locale)
        text = text.replace("-", minus, 1)
    return text


def fmt_number(x: float, lang: str = "en", decimals: int = 0) -> str:
    """A number with the language's thousands separator and decimal mark; "–" for a missing one.

    Examples
    --------
    >>> fmt_number(1234567.891, "en", 2)
    '1,234,567.89'
    >>> fmt_number(1234567.891, "fi", 2) == "1\\u00a0234\\u00a0567,89"
    True
    """
    cat = _catalogue.get(lang)
    if _missing(x):
        return EN_DASH
    return _apply(cat.locale.decimal_formats[None], float(x), lang, decimals)


def fmt_int(x: float, lang: str = "en") -> str:
    """A whole number: en "4,200", fi "4 200" (no-break space)."""
    return fmt_number(x if _missing(x) else round(x), lang, 0)


def fmt_signed(x: float, lang: str = "en") -> str:
    """A whole number with its sign: "+2,900", "−500", "0"."""
    text = fmt_int(x, lang)
    if _missing(x) or round(x) <= 0:
        return text
    return _numbers.get_plus_sign_symbol(_catalogue.get(lang).locale) + text


def fmt_significant(x: float, lang: str = "en", digits: int = 3) -> str:
    """A number to `digits` significant figures, as Python's ``:g`` but in the language (0.00123)."""
    if _missing(x) or x == 0:
        return fmt_number(x, lang, 0)
    magnitude = math.floor(math.log10(abs(x)))
    decimals = max(digits - 1 - magnitude, 0)
    text = fmt_number(round(x, decimals), lang, decimals)
    decimal = _numbers.get_decimal_symbol(_catalogue.get(lang).locale)
    if decimal in text:  # 0.0500 -> 0.05, as :g does
        text = text.rstrip("0").rstrip(decimal)
    return text


def fmt_eur(x: float, lang: str = "en", decimals: int = 0) -> str:
    """Euros in the locale's currency format: en "€310,000", fi "310 000 €" (no-break spaces)."""
    cat = _catalogue.get(lang)
    if _missing(x):
        return EN_DASH
    return _apply(
        cat.locale.currency_formats["standard"], float(x), lang, decimals, currency=CURRENCY, currency_digits=False
    )


def fmt_pct(share: float, lang: str = "en", decimals: int = 0) -> str:
    """A share (0.78) as a percentage in the locale's format: en "78%", fi "78 %"."""
    cat = _catalogue.get(lang)
    if _missing(share):
        return EN_DASH
    return _apply(cat.locale.percent_formats[None], float(share), lang, decimals)


def fmt_prob(p: float, lang: str = "en") -> str:
    """A probability, never overclaiming certainty: "96%", "over 99%", "under 1%"."""
    cat = _catalogue.get(lang)
    if p > 0.99:
        return cat.messages["prob_over"].format(pct=fmt_pct(0.99, lang), nbsp=NBSP)
    if p < 0.01:
        return cat.messages["prob_under"].format(pct=fmt_pct(0.01, lang), nbsp=NBSP)
    return fmt_pct(p, lang)


def fmt_range(low: str, high: str, lang: str = "en") -> str:
    """Two formatted numbers as a range: en "+2,900 to +5,600", fi "+2 900 – +5 600"."""
    return _catalogue.get(lang).messages["range"].format(low=low, high=high, nbsp=NBSP)


# -- dates ------------------------------------------------------------------------------------


def _to_datetime(value: Any) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    moment = _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.replace(tzinfo=None) if moment.tzinfo else moment


def fmt_date(value: Any, lang: str = "en") -> str:
    """A date: en "3 Jan 2022", fi "3.1.2022". Accepts a date, datetime or ISO string."""
    cat = _catalogue.get(lang)
    return _dates.format_skeleton(cat.formats.get("date", "yMMMd"), _to_datetime(value).date(), locale=cat.locale)


def fmt_datetime(value: Any, lang: str = "en") -> str:
    """A moment to the minute: en "15 Jan 2025, 14:02", fi "15.1.2025 klo 14.02"."""
    cat = _catalogue.get(lang)
    moment = _to_datetime(value)
    date = fmt_date(moment, lang)
    time = _dates.format_time(moment, "short", locale=cat.locale)
    if "datetime" in cat.formats:
        return cat.formats["datetime"].format(date=date, time=time)
    return str(cat.locale.datetime_formats["medium"]).replace("{1}", date).replace("{0}", time)


def fmt_month(value: Any, lang: str = "en") -> str:
    """A month: en "January 2022", fi "tammikuu 2022"."""
    cat = _catalogue.get(lang)
    return _dates.format_skeleton(cat.formats.get("month", "yMMMM"), _to_datetime(value).date(), locale=cat.locale)


def fmt_period(start: Any, end: Any, lang: str = "en") -> str:
    """A date range: en "3 Jan 2022 – 30 Dec 2024", fi "3.1.2022–30.12.2024"."""
    cat = _catalogue.get(lang)
    skeleton = cat.formats.get("period", cat.formats.get("date", "yMMMd"))
    return _dates.format_interval(_to_datetime(start).date(), _to_datetime(end).date(), skeleton, locale=cat.locale)
