"""Words of the notebooks in each language: their markdown cells, summaries and charts.

Two kinds of entries live in this folder's YAML files (one per language, the format of
`planner.presentation.i18n.catalogue` plus a ``cells`` section):

- ``messages``: headings, row labels and chart words of `ModelResults.summary`,
  `PlanResults.summary` and `planner.presentation.charts`; `messages(lang)` returns the main catalogue's
  `planner.presentation.i18n.Messages` with these added, so they format numbers the same way.
- ``cells`` (every language but English): the translation of each markdown cell of the shipped
  notebooks, by notebook name and cell id. The shipped notebooks stay English (JupyterLab);
  `translate(nb, name, lang)` puts a run's language in before the runner executes them.

These words are kept apart from ``planner/presentation/i18n/<lang>.yaml`` until they are merged into it.
"""

from __future__ import annotations

import copy
import dataclasses
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from planner.presentation.i18n import Messages
from planner.presentation.i18n import catalogue as _catalogue

__all__ = ["FOLDER", "MissingTranslation", "cells", "messages", "translate", "words"]

FOLDER = Path(__file__).parent


class MissingTranslation(KeyError):
    """A markdown cell of a notebook has no translation in the run's language."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "missing translation"


@cache
def words(lang: str) -> _catalogue.Catalogue:
    """This folder's catalogue of `lang` (its ``messages``); an empty one when there is no file."""
    path = FOLDER / f"{lang}.yaml"
    if not path.is_file():
        base = _catalogue.get(lang)
        return dataclasses.replace(base, messages={}, codes={}, path=None)
    return _catalogue.load(path)


@cache
def _messages(lang: str) -> Messages:
    m = Messages(lang)
    extra = words(lang).messages
    m.catalogue = dataclasses.replace(m.catalogue, messages={**m.catalogue.messages, **extra})
    return m


def messages(lang: Any = "en") -> Messages:
    """`Messages(lang)` with the notebooks' words added.

    Parameters
    ----------
    lang : str or Messages
        A language code ("en", "fi") or a `Messages` (its language is used).
    """
    if isinstance(lang, Messages):
        lang = lang.lang
    return _messages(str(lang))


@cache
def cells(lang: str) -> dict[str, dict[str, str]]:
    """Markdown translations of `lang`: ``{notebook stem: {cell id: markdown}}`` (empty for English)."""
    path = FOLDER / f"{lang}.yaml"
    if not path.is_file():
        return {}
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(nb): {str(k): str(v) for k, v in (ids or {}).items()} for nb, ids in (doc.get("cells") or {}).items()}


def translate(nb, name: str, lang: str):
    """A copy of notebook `nb` (an nbformat node) whose markdown cells are in `lang`.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A shipped notebook (English).
    name : str
        The notebook's name without ``.ipynb`` (``"02_model"``), its key in the catalogue.
    lang : str
        The run's language; English returns the notebook unchanged.

    Raises
    ------
    MissingTranslation
        A markdown cell has no translation (a run never shows an English cell in another language).
    """
    if lang == "en":
        return nb
    table = cells(lang).get(name, {})
    out = copy.deepcopy(nb)
    missing = []
    for cell in out.cells:
        if cell.cell_type != "markdown":
            continue
        key = cell.get("id")
        if key not in table:
            missing.append(str(key))
            continue
        cell.source = table[key].rstrip("\n")
    if missing:
        raise MissingTranslation(
            f"{name}: markdown cell(s) {', '.join(missing)} have no {lang} translation in "
            f"{FOLDER / (lang + '.yaml')} (cells.{name})"
        )
    out.metadata["language"] = lang
    return out
