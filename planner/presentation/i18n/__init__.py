"""Every sentence the planner shows, in each language with a catalogue, and the formats of its numbers.

Sentences live in one YAML catalogue per language (``planner/presentation/i18n/en.yaml``, ``fi.yaml``; the file
format is described in `planner.presentation.i18n.catalogue`). Modules emit a code with its context
(``warning("short_history", weeks=80)``); `render` and `Messages` turn codes and keys into text.
Numbers, money, percentages and dates come from Babel's CLDR data (`planner.presentation.i18n.formats`), so a
new language (Swedish, say) is one catalogue file away.

Examples
--------
>>> warning("short_history", weeks=80)["text"]
'Only 80 weeks of data: with less than two years, yearly season and spend effects are hard to tell apart.'
>>> render("short_history", {"weeks": 80}, "fi")[:31]
'Aineistoa on vain 80 viikolta: '
"""

from __future__ import annotations

import decimal
import math
import re
import string
from collections.abc import Iterable, Mapping
from typing import Any

from babel import numbers as _numbers

from planner.presentation.i18n import catalogue as _catalogue
from planner.presentation.i18n.catalogue import Catalogue, UnknownLanguage, entry_fields, languages, register
from planner.presentation.i18n.formats import (
    EN_DASH,
    MINUS,
    NBSP,
    fmt_date,
    fmt_datetime,
    fmt_eur,
    fmt_int,
    fmt_month,
    fmt_number,
    fmt_pct,
    fmt_period,
    fmt_prob,
    fmt_range,
    fmt_signed,
    fmt_significant,
    round_sig,
)

__all__ = [
    "CATALOGUE",
    "CATEGORY_FORMS",
    "CODES",
    "EN_DASH",
    "LANGUAGES",
    "MINUS",
    "NBSP",
    "Catalogue",
    "Messages",
    "MissingContext",
    "UnknownLanguage",
    "WARNING_TEXTS",
    "codes",
    "entry_fields",
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
    "languages",
    "register",
    "render",
    "round_sig",
    "warning",
]

#: The languages with a catalogue file in the package (`languages()` adds registered ones).
LANGUAGES = languages()


class MissingContext(KeyError):
    """A code's context lacks a value that every variant of its sentence needs."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "missing context"


class _Missing(KeyError):
    pass


class _UnknownFormat(ValueError):
    pass


class _Values(dict):
    """Placeholder values: a missing one or a None is missing (the next variant is tried)."""

    def __getitem__(self, key):
        value = self.get(key)
        if value is None:
            raise _Missing(key)
        return value


class _Formatter(string.Formatter):
    def __init__(self, messages: Messages):
        self.messages = messages

    def get_value(self, key, args, kwargs):
        return kwargs[key]

    def format_field(self, value: Any, format_spec: str) -> str:
        try:
            return self.messages.format_value(value, format_spec)
        except _UnknownFormat:
            raise
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            # a value of the wrong shape (an older results.json) reads as missing: the next variant is used
            raise _Missing(format_spec) from exc


_SPEC = re.compile(r"([A-Za-z_]*?)(\d*)")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)


class Messages:
    """The catalogue of one language, with the formats bound to it.

    Parameters
    ----------
    lang : str
        A language with a catalogue (`languages()`): "en", "fi".

    Raises
    ------
    UnknownLanguage
        (a ValueError) for a language without a catalogue; the message lists those with one.

    Examples
    --------
    >>> m = Messages("fi")
    >>> m("sec_split")
    'Budjetin jako'
    >>> m.eur(310000) == "310\\u00a0000\\u00a0€"
    True
    >>> m("halflife_weeks", n=1), Messages("en")("halflife_weeks", n=2)
    ('1 viikko', '2 weeks')
    """

    def __init__(self, lang: str = "en"):
        self.catalogue: Catalogue = _catalogue.get(lang)
        self.lang = lang
        self._formatter = _Formatter(self)

    def __repr__(self) -> str:
        return f"Messages({self.lang!r})"

    # -- sentences ----------------------------------------------------------------------------

    def __call__(self, key: str, **values: Any) -> str:
        """The message `key` filled with `values` (already formatted text, or numbers).

        A plural message picks its form from the number in its `plural` value: a number, or the
        text of a formatted number ("1", "2,5").
        """
        try:
            return self._render(self.catalogue.messages[key], values)
        except _Missing as exc:
            raise MissingContext(f"message {key!r} needs a value for {exc.args[0]!r}") from None

    def plural(self, key: str, n: float, **values: Any) -> str:
        """A plural message with its count `n`: ``m.plural("halflife_weeks", 1)`` -> "1 week"."""
        entry = self.catalogue.messages[key]
        field = entry.get("plural", "n") if isinstance(entry, dict) else "n"
        return self(key, **{field: n, **values})

    def render(self, code: str, context: Mapping[str, Any] | None = None) -> str:
        """The sentence of a code (a warning, an action reason ...) filled from its `context`.

        Raises
        ------
        KeyError
            The code has no entry in the catalogue.
        MissingContext
            The context lacks a value every variant of the sentence needs.
        """
        if code not in self.catalogue.codes:
            raise KeyError(f"no sentence for code {code!r} in the {self.lang} catalogue")
        try:
            return self._render(self.catalogue.codes[code], dict(context or {}))
        except _Missing as exc:
            raise MissingContext(f"code {code!r} needs {exc.args[0]!r} in its context") from None

    def has(self, code: str) -> bool:
        """Whether the catalogue has a sentence for `code`."""
        return code in self.catalogue.codes

    def warning(self, entry: Mapping[str, Any], text: str | None = None) -> str:
        """A warning in this language, from its code and context; an unknown code falls back to its text.

        Parameters
        ----------
        entry : mapping
            ``{"code", "text", "context"}`` (results.json schema 2) or ``{"code", **context}``
            (schema 1 ``warning_codes``).
        text : str, optional
            The English sentence, used when the code is unknown or its context too thin.
        """
        code = entry.get("code")
        context = dict(entry.get("context") or {})
        context.update({k: v for k, v in entry.items() if k not in ("code", "context", "text")})
        fallback = text or entry.get("text") or str(code or "")
        if not isinstance(code, str) or code not in self.catalogue.codes:
            return fallback
        try:
            return self.render(code, context)
        except MissingContext:
            return fallback

    def _render(self, entry: Any, values: Mapping[str, Any]) -> str:
        if isinstance(entry, str):
            return self._formatter.vformat(entry, (), _Values({**values, "nbsp": NBSP}))
        if isinstance(entry, list):
            first = None
            for variant in entry:
                try:
                    return self._render(variant, values)
                except _Missing as exc:
                    first = first or exc
            raise first
        if "plural" in entry:
            form = self._plural_form(values.get(entry["plural"]))
            return self._render(entry.get(form, entry["other"]), values)
        value = values.get(entry["select"])
        key = None if value is None else _catalogue._key(value)
        return self._render(entry.get(key, entry["other"]), values)

    def _plural_form(self, n: Any) -> str:
        """CLDR plural category of a count, a number or the text of a formatted number."""
        if isinstance(n, str):
            locale = self.catalogue.locale
            text = n.replace(MINUS, "-").replace(_numbers.get_plus_sign_symbol(locale), "").strip()
            try:
                n = _numbers.parse_decimal(text, locale=locale)
            except _numbers.NumberFormatError:
                return "other"
        if not _number(n) or (isinstance(n, float) and not math.isfinite(n)):
            return "other"
        if isinstance(n, float):
            n = int(n) if n.is_integer() else decimal.Decimal(repr(n))
        return self.catalogue.locale.plural_form(abs(n))

    def format_value(self, value: Any, spec: str = "") -> str:
        """A context value as a placeholder's format name asks (``{weeks:int}``).

        Names: ``int``, ``signed``, ``num<d>`` (d decimals), ``sig<d>`` (d significant digits),
        ``pct<d>``, ``pct_auto`` (a decimal only when needed), ``prob``, ``eur<d>``, ``eur_sig<d>``
        (d significant digits), ``cost`` (a cost per encounter), ``date`` (a date or a list of
        them), ``list``, ``term`` (a code value in words, from ``terms``), ``pairs<d>`` (a
        {category: number} mapping), ``shares`` ({category: [share, low, high] or None}), and
        the category forms of the catalogue (``nom``, ``gen``, ``ela`` ...) for a category or a
        list of them. A capital first letter (``Gen``) capitalises the result. Without a name:
        text as it is, a number formatted.
        """
        match = _SPEC.fullmatch(spec)
        if match is None:
            raise _UnknownFormat(f"unknown format {spec!r} in the {self.lang} catalogue")
        name, digits = match.groups()
        cap = name[:1].isupper()
        name = name.lower()
        text = self._format(value, name, int(digits) if digits else None)
        return _cap(text) if cap else text

    def _format(self, value: Any, name: str, digits: int | None) -> str:
        forms = self._forms()
        if name == "":
            if _number(value):
                return self.int(value) if float(value).is_integer() else self.number(value, digits or 2)
            return str(value)
        if name == "int":
            return self.int(value)
        if name == "signed":
            return self.signed(value)
        if name == "num":
            return self.number(value, digits or 0)
        if name == "sig":
            return fmt_significant(value, self.lang, digits or 3)
        if name == "pct":
            return self.pct(value, digits or 0)
        if name == "pct_auto":
            return self.pct(value, 0 if abs(100 * value - round(100 * value)) < 0.05 else 1)
        if name == "prob":
            return self.prob(value)
        if name == "eur":
            return self.eur(value, digits or 0)
        if name == "eur_sig":
            return self.eur(round_sig(value, digits or 2))
        if name == "cost":
            return self.eur_cost(value)
        if name == "date":
            if isinstance(value, (list, tuple)):
                return ", ".join(self.date(v) for v in value)
            return self.date(value)
        if name == "list":
            return ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
        if name == "term":
            if isinstance(value, (list, tuple)):
                return self._join([self.catalogue.terms.get(str(v), str(v)) for v in value])
            return self.catalogue.terms.get(str(value), str(value))
        if name == "pairs":
            if not isinstance(value, Mapping):
                raise TypeError(f"expected a mapping of categories to numbers, got {value!r}")
            return ", ".join(f"{self.category(k)} {self.number(v, digits or 0)}" for k, v in dict(value).items())
        if name == "shares":
            return self._shares(value)
        if name in forms:
            if isinstance(value, (list, tuple)):
                return self.categories(value, name)
            return self.category(str(value), name)
        raise _UnknownFormat(f"unknown format {name!r} in the {self.lang} catalogue")

    def _shares(self, shares: Mapping[str, Any]) -> str:
        """{category: share | [share, low, high] | None (unknown)} as "content 80% (70%–90%), ..."."""
        parts = []
        for cat, value in dict(shares).items():
            name = self.category(cat)
            values = list(value) if isinstance(value, (list, tuple)) else [value]
            share, low, high, kind = (values + [None, None, None])[:4]
            ranged = low is not None and high is not None and math.isfinite(low) and math.isfinite(high)
            if share is None and ranged:
                key = "claim_part_between" if kind == "identified" else "claim_part_range"
                parts.append(self(key, category=name, low=self.pct(low), high=self.pct(high)))
            elif share is None:
                parts.append(self("claim_part_unknown", category=name))
            elif low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
                parts.append(self("claim_part_point", category=name, share=self.pct(share)))
            else:
                parts.append(
                    self("claim_part", category=name, share=self.pct(share), low=self.pct(low), high=self.pct(high))
                )
        return ", ".join(parts)

    def _forms(self) -> set[str]:
        return {form for forms in self.catalogue.categories.values() for form in forms}

    # -- formatting bound to the language -----------------------------------------------------

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
        """An "about" amount such as a cost per encounter: never cents from 10 euros up.

        Amounts of 10 euros or more are whole euros to three significant digits ("€11", not
        "€11.07"; "€3,110", not "€3,111"); below 10, two significant digits ("€4.5", "€0.45").
        """
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return EN_DASH
        if abs(x) >= 9.95 or x == 0:
            return self.eur(round_sig(x, 3), 0)
        decimals = 1 - math.floor(math.log10(abs(x)))
        return self.eur(round(x, decimals), decimals)

    # -- words --------------------------------------------------------------------------------

    def category(self, name: str, form: str = "nom") -> str:
        """A category's name in a grammatical form of the catalogue (nom, gen, ela, ill, par, cap)."""
        forms = self.catalogue.categories.get(name)
        if forms is None:
            return name
        return forms[form]

    def categories(self, names: Iterable[str], form: str = "nom") -> str:
        """Category names joined: "technology and design", "teknologiasta ja muotoilusta"."""
        return self._join([self.category(n, form) for n in names])

    def join(self, words: Iterable[str]) -> str:
        """Names joined with the language's 'and': "Uusimaa, Lappi and Satakunta"."""
        return self._join([str(w) for w in words])

    def _join(self, words: list[str]) -> str:
        if len(words) <= 1:
            return "".join(words)
        return ", ".join(words[:-1]) + self("and") + words[-1]

    def period(self, weeks: int, kind: str = "adverb") -> str:
        """The planning horizon in words: "next quarter", "seuraavalla neljänneksellä".

        kind: "adverb" (when: next quarter), "noun" (the next quarter) or "for" (for the next quarter).
        """
        prefix = {"adverb": "period", "noun": "period_noun", "for": "period_for"}[kind]
        key = f"{prefix}_{weeks}"
        if key in self.catalogue.messages:
            return self(key)
        return self(f"{prefix}_n", n=weeks)

    def quality(self, quality: str | None) -> tuple[str, str]:
        """The quality mark and its sentence: ("WEAK", "The data cannot support ...")."""
        if quality in ("good", "fair", "weak"):
            return self(f"quality_{quality}"), self(f"quality_{quality}_text")
        return self("quality_unknown"), self("quality_unknown_text")


def render(code: str, context: Mapping[str, Any] | None = None, lang: str = "en") -> str:
    """The sentence of `code` in `lang`, filled from `context`.

    Raises
    ------
    KeyError
        No sentence for the code.
    MissingContext
        The context lacks what the sentence needs.
    UnknownLanguage
        No catalogue for `lang`.
    """
    return Messages(lang).render(code, context)


def warning(code: str, **context: Any) -> dict:
    """A warning (or any coded judgement) as results.json holds it: ``{code, text, context}``.

    ``text`` is the English sentence from the catalogue; code and context are the truth, from which
    every language renders its own words.

    Examples
    --------
    >>> w = warning("idle_spend_column", category="design", columns=["ux_eur"])
    >>> w["text"]
    'Design: column(s) ux_eur hold no spend in any week.'
    """
    return {"code": code, "text": render(code, context, "en"), "context": context}


def codes() -> tuple[str, ...]:
    """Every code the English catalogue has a sentence for."""
    return tuple(_catalogue.get("en").codes)


def _by_language(section: str) -> dict[str, dict[str, Any]]:
    cats = {lang: _catalogue.get(lang) for lang in LANGUAGES}
    keys = getattr(cats["en"], section)
    return {k: {lang: getattr(c, section).get(k) for lang, c in cats.items()} for k in keys}


#: Messages by key and language (read-only view kept for callers of the former dict catalogue).
CATALOGUE: dict[str, dict[str, Any]] = _by_language("messages")
#: Sentences of codes by code and language.
CODES: dict[str, dict[str, Any]] = _by_language("codes")
WARNING_TEXTS = CODES
#: Category names in the grammatical forms the sentences need, by language.
CATEGORY_FORMS: dict[str, dict[str, dict[str, str]]] = {lang: _catalogue.get(lang).categories for lang in LANGUAGES}
