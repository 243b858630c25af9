"""CSV tables of a run (plan.csv) in the run's language, or in one machine-readable form.

Two forms, chosen by ``output.csv`` in the params:

``localised`` (default)
    What a spreadsheet of the run's language opens as columns: the decimal mark of the language's
    CLDR locale, the list separator its Excel expects with that mark (";" beside a decimal comma,
    "," beside a decimal point) and column headers from the message catalogue (``csv_col_<name>``).
    English is written exactly as the machine form.
``machine``
    The same file in every language: "," between fields, a decimal point, the code names of the
    columns (``week_start``, ``content`` ...), UTF-8 without a byte order mark.

Dates are written as ISO dates (2025-01-06) in both forms: Excel reads them as dates whatever its
language, and a spreadsheet formats them as its user likes.

`read_csv` reads either form back into code column names and numbers, whatever the language.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
from babel import numbers as _numbers

from planner.presentation.i18n import catalogue as _catalogue

__all__ = ["CsvForm", "CsvFormat", "csv_format", "header", "read_csv", "write_csv"]

CsvForm = Literal["localised", "machine"]


@dataclass(frozen=True)
class CsvFormat:
    """How one CSV file is written: field separator, decimal mark and text encoding."""

    sep: str
    decimal: str
    encoding: str


MACHINE = CsvFormat(sep=",", decimal=".", encoding="utf-8")


def header(name: str, lang: str = "en", form: CsvForm = "localised") -> str:
    """The header of column `name` in `lang`: the catalogue's ``csv_col_<name>``, else the name itself."""
    if form == "machine":
        return name
    return _catalogue.get(lang).messages.get(f"csv_col_{name}", name)


def csv_format(lang: str = "en", form: CsvForm = "localised", headers: list[str] | None = None) -> CsvFormat:
    """The separator, decimal mark and encoding of a CSV file in `lang` and `form`.

    Parameters
    ----------
    lang : str
        A catalogue's language code ("en", "fi").
    form : {"localised", "machine"}
        ``machine`` is the same in every language.
    headers : list of str, optional
        The headers to be written; they decide whether the file needs a byte order mark.
    """
    if form == "machine":
        return MACHINE
    decimal = _numbers.get_decimal_symbol(_catalogue.get(lang).locale)
    # Excel splits a CSV at its "list separator", which is ";" wherever the decimal mark is a comma.
    sep = ";" if decimal == "," else ","
    # Excel reads a CSV without a byte order mark in the system's legacy code page, so "Yhteensä"
    # would show as "YhteensÃ¤"; the mark makes it read UTF-8. An all-ASCII file needs none, which
    # keeps the English file byte for byte the machine form.
    ascii_only = all(h.isascii() for h in headers or [])
    return CsvFormat(sep=sep, decimal=decimal, encoding="utf-8" if ascii_only else "utf-8-sig")


def write_csv(frame: pd.DataFrame, path: Path, lang: str = "en", form: CsvForm = "localised") -> Path:
    """Write `frame` with its index as CSV in `lang` and `form` (see the module's docstring).

    Headers are the catalogue's words for the index's and columns' code names; numbers are written
    without thousands separators so a spreadsheet reads them as numbers.
    """
    names = [frame.index.name or "", *map(str, frame.columns)]
    headers = [header(n, lang, form) if n else "" for n in names]
    fmt = csv_format(lang, form, headers)
    table = frame.copy()
    table.index.name = headers[0] or None
    table.columns = headers[1:]
    table.to_csv(path, index=True, sep=fmt.sep, decimal=fmt.decimal, encoding=fmt.encoding)
    return Path(path)


def read_csv(path: Path, index_col: int | None = 0, parse_dates: bool = True) -> pd.DataFrame:
    """Read a table written by `write_csv` in any language and form, with code column names.

    The separator is the one in the header line (";" means a decimal comma), the byte order mark is
    dropped, and a header is mapped back to its code name by every catalogue's ``csv_col_`` words.
    """
    path = Path(path)
    with path.open(encoding="utf-8-sig") as fh:
        first = fh.readline()
    sep = ";" if ";" in first else ","
    frame = pd.read_csv(
        path,
        sep=sep,
        decimal="," if sep == ";" else ".",
        encoding="utf-8-sig",
        index_col=index_col,
        parse_dates=parse_dates and index_col is not None,
    )
    codes = {}
    for lang in _catalogue.languages():
        for key, word in _catalogue.get(lang).messages.items():
            if key.startswith("csv_col_") and isinstance(word, str):
                codes.setdefault(word, key.removeprefix("csv_col_"))
    frame = frame.rename(columns=lambda h: codes.get(h, h))
    if frame.index.name is not None:
        frame.index.name = codes.get(frame.index.name, frame.index.name)
    return frame
