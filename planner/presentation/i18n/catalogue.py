"""Message catalogues: one YAML file per language (``planner/presentation/i18n/<lang>.yaml``), loaded and checked.

A language is supported when it has a catalogue file; adding one (Swedish, say) needs no code.

File format
-----------
::

    language: fi            # the file's language code (defaults to the file name)
    locale: fi              # the CLDR locale whose number, currency and date formats Babel uses
    formats:                # optional: date skeletons and small patterns of this language
      date: yMMMd           # CLDR skeleton of a date (fi: 3.1.2022)
      month: yMMMM          # a month (fi: heinäkuu 2022)
      period: yMd           # skeleton of a date range (fi: 2.1.2023–22.12.2025)
      datetime: "{date} klo {time}"   # omit to use the locale's own date-time pattern
      minus_sign: "−"       # omit to use the locale's minus sign
    categories:             # category names in the grammatical forms the sentences use
      content: {nom: sisältö, gen: sisällön, ...}
    terms:                  # words for code values that appear in sentences (decay, upper, poisson)
      decay: jälkivaikutus
    messages:               # sentences and labels by key, filled with values the caller formats
      sec_split: Budjetin jako
    codes:                  # sentences rendered from a code and its context (warnings, reasons)
      short_history: "Aineistoa on vain {weeks:int} viikolta ..."

An entry (in ``messages`` or ``codes``) is one of

- a template: ``str.format`` placeholders, optionally with a format name
  (``{share:pct}``, ``{category:Gen}``; see `planner.presentation.i18n.Messages.format_value`);
- a list of templates: the first whose placeholders are all in the context is used, so a warning
  with less context still reads well;
- plural forms, chosen by Babel's plural rules of the locale from the number in `plural`::

      halflife_weeks: {plural: n, one: "{n:int} week", other: "{n:int} weeks"}

- cases chosen by a context value (``other`` when the value is missing or not listed)::

      low_variation: {select: identified, "false": "...", other: ["...", "..."]}

Forms and cases may themselves be any entry.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError

__all__ = [
    "CATALOGUE_DIR",
    "Catalogue",
    "UnknownLanguage",
    "entry_fields",
    "get",
    "languages",
    "load",
    "mismatches",
    "register",
]

CATALOGUE_DIR = Path(__file__).parent
#: The plural categories CLDR knows; a plural entry needs "other" and may use any of them.
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
_SECTIONS = ("messages", "codes")


class UnknownLanguage(ValueError):
    """A language without a catalogue file."""


@dataclass(frozen=True)
class Catalogue:
    """One language's catalogue, as read from its file."""

    lang: str
    locale: Locale
    messages: dict[str, Any]
    codes: dict[str, Any]
    categories: dict[str, dict[str, str]] = field(default_factory=dict)
    terms: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    def __repr__(self) -> str:
        return f"<Catalogue {self.lang} ({self.locale}), {len(self.messages)} messages, {len(self.codes)} codes>"


def _key(value: Any) -> str:
    # YAML reads `false:` and `1:` as a bool and an int; cases are matched as text
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _entry(value: Any, where: str) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        return [_entry(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        kinds = [k for k in ("plural", "select") if k in value]
        if len(kinds) != 1:
            raise ValueError(f"{where}: a mapping entry needs exactly one of 'plural' or 'select'")
        kind = kinds[0]
        out: dict[str, Any] = {kind: str(value[kind])}
        for k, v in value.items():
            if k == kind:
                continue
            k = _key(k)
            if kind == "plural" and k not in PLURAL_CATEGORIES:
                raise ValueError(f"{where}: {k!r} is not a plural category ({', '.join(PLURAL_CATEGORIES)})")
            out[k] = _entry(v, f"{where}.{k}")
        if "other" not in out:
            raise ValueError(f"{where}: a {kind} entry needs an 'other' form")
        return out
    raise ValueError(f"{where}: expected a text, a list of texts or a plural/select mapping, got {value!r}")


def load(path: str | Path) -> Catalogue:
    """Read and check one catalogue file.

    Parameters
    ----------
    path : str or Path
        A YAML file in the format described in this module's docstring.

    Raises
    ------
    ValueError
        The file's structure is wrong or its locale is unknown to Babel.
    """
    path = Path(path)
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lang = str(doc.get("language") or path.stem)
    try:
        locale = Locale.parse(str(doc.get("locale") or lang))
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"{path}: unknown locale {doc.get('locale')!r}: {exc}") from exc
    sections = {}
    for name in _SECTIONS:
        raw = doc.get(name) or {}
        if not isinstance(raw, Mapping):
            raise ValueError(f"{path}: '{name}' must be a mapping of keys to texts")
        sections[name] = {str(k): _entry(v, f"{path.name}:{name}.{k}") for k, v in raw.items()}
    return Catalogue(
        lang=lang,
        locale=locale,
        messages=sections["messages"],
        codes=sections["codes"],
        categories={str(k): {str(f): str(w) for f, w in v.items()} for k, v in (doc.get("categories") or {}).items()},
        terms={str(k): str(v) for k, v in (doc.get("terms") or {}).items()},
        formats={str(k): str(v) for k, v in (doc.get("formats") or {}).items()},
        path=path,
    )


_files: dict[str, Path] = {p.stem: p for p in sorted(CATALOGUE_DIR.glob("*.yaml"))}
_loaded: dict[str, Catalogue] = {}


def languages() -> tuple[str, ...]:
    """The languages with a catalogue: the files in planner/presentation/i18n/ and any `register`-ed ones."""
    return tuple(sorted(_files, key=lambda lang: (lang != "en", lang)))


def get(lang: str) -> Catalogue:
    """The catalogue of `lang`, loaded once.

    Raises
    ------
    UnknownLanguage
        `lang` has no catalogue file; the message lists the languages that have one.
    """
    if lang not in _loaded:
        if lang not in _files:
            raise UnknownLanguage(
                f"unknown language {lang!r}; use one of {', '.join(languages())} "
                f"(a language is added by a catalogue file {CATALOGUE_DIR / (str(lang) + '.yaml')})"
            )
        _loaded[lang] = load(_files[lang])
    return _loaded[lang]


def register(path: str | Path, reference: str = "en") -> str:
    """Add a catalogue file from outside the package (a language in preparation, a test).

    The file must hold every message, code, category and form that the `reference` catalogue has,
    with the same placeholders; otherwise ValueError lists what differs.

    Returns
    -------
    str
        The language code now available to `Messages` and the ``fmt_*`` functions.
    """
    cat = load(path)
    problems = mismatches(get(reference), cat) if cat.lang != reference else []
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise ValueError(f"{path}: the catalogue differs from {reference!r}:\n{listed}")
    _files[cat.lang] = Path(path)
    _loaded[cat.lang] = cat
    return cat.lang


def entry_fields(entry: Any) -> set[str]:
    """Every placeholder name an entry uses, in any variant, form or case (and what it selects on)."""
    if isinstance(entry, str):
        names = {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(entry) if name}
        return names - {"nbsp"}
    if isinstance(entry, list):
        return set().union(*(entry_fields(e) for e in entry))
    out = {entry.get("plural") or entry.get("select")}
    for k, v in entry.items():
        if k not in ("plural", "select"):
            out |= entry_fields(v)
    return out - {"nbsp"}


def _shape(entry: Any) -> Any:
    """What two languages must share: variants by their placeholders, selects by their cases."""
    if isinstance(entry, str):
        return frozenset(entry_fields(entry) - {"nbsp"})
    if isinstance(entry, list):
        return tuple(_shape(e) for e in entry)
    if "plural" in entry:  # plural forms differ by language: only their placeholders must agree
        return ("plural", entry["plural"], frozenset(entry_fields(entry)))
    return ("select", entry["select"], tuple(sorted((k, _shape(v)) for k, v in entry.items() if k != "select")))


def mismatches(reference: Catalogue, other: Catalogue) -> list[str]:
    """How `other` differs from `reference`: missing or extra keys, different placeholders."""
    problems = []
    for section in _SECTIONS:
        ref, oth = getattr(reference, section), getattr(other, section)
        for key in ref.keys() - oth.keys():
            problems.append(f"{section}.{key}: missing in {other.lang}")
        for key in oth.keys() - ref.keys():
            problems.append(f"{section}.{key}: not in {reference.lang}")
        for key in ref.keys() & oth.keys():
            if _shape(ref[key]) != _shape(oth[key]):
                problems.append(
                    f"{section}.{key}: placeholders differ ({sorted(entry_fields(ref[key]))} in {reference.lang}, "
                    f"{sorted(entry_fields(oth[key]))} in {other.lang})"
                )
    for name, forms in reference.categories.items():
        missing = forms.keys() - other.categories.get(name, {}).keys()
        if missing:
            problems.append(f"categories.{name}: forms {sorted(missing)} missing in {other.lang}")
    for term in reference.terms.keys() - other.terms.keys():
        problems.append(f"terms.{term}: missing in {other.lang}")
    return sorted(problems)
