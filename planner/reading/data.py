"""Read the user's data file, check it, and hand the model one clean weekly frame.

`load_data(params)` reads CSV (comma or semicolon, decimal point or comma, as Finnish Excel exports
it), Excel or Parquet; numbers are read exactly or not at all (one decimal mark per column, decided
from every cell); every problem is reported at once in a `DataError` naming file, row, column and
value, with a hint how to fix it. Exports are taken as people send them: title rows above the
header are skipped, headers compared in Unicode NFC, a day and month order decided from every date
cell, empty rows at the end skipped; a total row, week numbers for dates, a day or week twice and a
cell far outside its column's range (`OUTLIER_FACTOR`) are named as such.

With `data.region` the file is in long form (one row per week, or day, and region). The model reads
the national weekly totals: spend, encounters, funnel counts and revenue summed over the regions,
controls and the experience score averaged, an event marked when any region has it. The per-region
weekly frame stays in `Dataset.regions` for the pooled model and the geo-split test design
(`planner.inference.geo`). `data.group` (a brand per row) works the same way: the units are the
brands, or each brand and region pair when both are given (`Dataset.unit_kind`).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import difflib
import hashlib
import io
import json
import logging
import os
import re
import unicodedata
import warnings as _warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from planner import CATEGORIES
from planner.presentation import i18n
from planner.reading.params import ExperimentSpec, Params

__all__ = [
    "PARSED_FILE",
    "DataError",
    "Dataset",
    "SheetError",
    "experiment_weeks",
    "file_sha256",
    "from_frame",
    "load_data",
    "read_table",
    "save_parsed",
]

MIN_WEEKS = 52
# how many rows from the top may hold titles above the header before the date column's name
HEADER_SEARCH_ROWS = 30
#: A cell more than this many times its column's median of non-zero cells is flagged as a likely
#: typo or unit mix-up (a week of 999,999,999,999 EUR in a column of thousands), unless the column
#: is listed under `data.accept_outliers`. The median of the non-zero cells, not of all, so that a
#: column that is mostly zero (a campaign now and then) is judged by the weeks it was used.
OUTLIER_FACTOR = 100
# a column needs this many non-zero cells before its median says what is usual for it
OUTLIER_MIN_CELLS = 5
# how many offending rows to name per problem before summarising the rest
MAX_LISTED = 8
# no week has a trillion euros or encounters: such a cell is a typo or a unit mix-up
MAX_VALUE = 1e12
#: The range of a customer-experience score (NPS; a CSAT score on 0..100 or 1..5 lies within it).
EXPERIENCE_RANGE = (-100.0, 100.0)
#: What each funnel column holds, by its standard name in `Dataset.funnel` (used in messages).
FUNNEL_ROLES = {
    "leads": "warmed leads",
    "deals_self_service": "self-service deals",
    "deals_assisted": "assisted deals",
    "revenue_self_service": "self-service revenue",
    "revenue_assisted": "assisted revenue",
    "experience": "experience score",
}
_COUNTS = ("leads", "deals_self_service", "deals_assisted")


class DataError(ValueError):
    """The data cannot be used: `problems` lists every problem found, one line each.

    The message names the data file and, when known, the params file whose `data.path` points at it.
    """

    def __init__(self, path: str | Path, problems: list[str], params_file: str | Path | None = None):
        self.path = str(path)
        self.params_file = str(params_file) if params_file else None
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        named = f" (data.path of {self.params_file})" if self.params_file else ""
        super().__init__(f"{self.path}: {len(problems)} problem(s) in the data{named}:\n{lines}")


def _warning(code: str, **context) -> dict:
    """A data warning: ``{code, text, context}``, its English text from the message catalogue."""
    return i18n.warning(code, **context)


def _shown(value) -> str:
    """A cell quoted as the user typed it ('14 185,61 €', not repr's '14\\xa0185,61 €')."""
    if isinstance(value, float):
        return f"'{value:g}'" if abs(value) < 1e15 else f"'{value:.15g}'"
    return f"'{value}'"


def _nfc(name) -> str:
    """A header as compared with the params: stripped, in Unicode NFC ('å' typed as 'a' and a
    combining ring is the same name as 'å')."""
    return unicodedata.normalize("NFC", str(name)).strip()


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        shown += f" and {len(items) - MAX_LISTED} more"
    return shown


# -- reading ----------------------------------------------------------------------------------


#: lines `_separator` reads to sniff a separator
_SNIFF_LINES = 20


def _head_lines(text: str, n: int) -> list[str]:
    """The first `n` lines of `text`, as ``text.splitlines()[:n]`` but without splitting a large file whole."""
    size = 1 << 16
    while size < len(text):
        lines = text[:size].splitlines()
        if len(lines) > n:  # the n-th line ended inside the prefix: the first n are whole
            return lines[:n]
        size *= 4
    return text.splitlines()[:n]


def _separator(text: str) -> str:
    """The CSV separator: the one of ';', tab and ',' that splits the header line most often."""
    header = next(iter(text.splitlines()), "")
    counts = {sep: len(next(csv.reader([header], delimiter=sep), [])) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda sep: counts[sep])  # ties keep the order above: ';' before ','
    if counts[best] > 1:
        return best
    try:
        return csv.Sniffer().sniff("\n".join(text.splitlines()[:_SNIFF_LINES]), delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _cell(value):
    """One typed cell as the checks see it: None, a float (a number cell) or text."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp | datetime.datetime | datetime.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


# Every character Python's str.strip() removes (those str.isspace() is true of), as an RE2 class for
# pyarrow, whose \s is ASCII only
_PY_SPACE = (
    r"\x{9}\x{a}\x{b}\x{c}\x{d}\x{1c}\x{1d}\x{1e}\x{1f}\x{20}\x{85}\x{a0}\x{1680}\x{2000}\x{2001}\x{2002}"
    r"\x{2003}\x{2004}\x{2005}\x{2006}\x{2007}\x{2008}\x{2009}\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
)
_NEEDS_CELL = f"^[{_PY_SPACE}]|[{_PY_SPACE}]$"


def _text_cells(column: pd.Series) -> np.ndarray | None:
    """`_cell` of every cell of a text column at once, or None when the column holds other cells too.

    A CSV column is text throughout. Each distinct text becomes one Python string shared by its cells
    (dates, regions and whole numbers repeat: a million cells hold far fewer distinct texts, and a
    string each would take gigabytes); only texts with spaces around them, or empty, go through `_cell`.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(column, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers or dates of an Excel or Parquet file
        return None
    if isinstance(arr, pa.ChunkedArray):  # a column pandas holds in pyarrow already
        arr = arr.combine_chunks()
    encoded = arr.dictionary_encode()
    texts = encoded.dictionary
    distinct = texts.to_numpy(zero_copy_only=False).astype(object)
    odd = pc.or_(pc.match_substring_regex(texts, _NEEDS_CELL), pc.equal(pc.utf8_length(texts), 0))
    for i in np.flatnonzero(odd.to_numpy(zero_copy_only=False)):
        distinct[i] = _cell(distinct[i])
    missing = encoded.indices.is_null().to_numpy(zero_copy_only=False)
    if len(distinct) == 0:
        return np.full(len(arr), None, dtype=object)
    out = distinct[pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)]
    out[missing] = None
    return out


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell through `_cell`, kept as objects (pandas would turn None into NaN in number columns)."""
    columns = {}
    for i in range(frame.shape[1]):
        values = _text_cells(frame.iloc[:, i])
        if values is None:
            values = frame.iloc[:, i].astype(object).map(_cell).to_numpy(dtype=object, copy=True)
            values[pd.isna(values)] = None  # pandas may have made a None into NaN
        columns[i] = values
    cells = pd.DataFrame(columns, index=frame.index, dtype=object)
    cells.columns = frame.columns
    return cells


class SheetError(ValueError):
    """The workbook has no sheet to read: the message lists its sheets."""


def _excel(path: Path, sheet: str | None, date_column: str | None, header_row: int | None) -> pd.DataFrame:
    """The sheet named `sheet`; without one, the first sheet whose header holds `date_column`.

    The header is row `header_row` (1-based), or else the first of the top `HEADER_SEARCH_ROWS`
    rows holding `date_column` (title rows above it are skipped), or else the first row.
    """
    book = pd.ExcelFile(path, engine="openpyxl")
    names = [str(n) for n in book.sheet_names]

    def read(name: str) -> tuple[pd.DataFrame, int | None]:
        raw = pd.read_excel(book, sheet_name=name, header=None, dtype=object, keep_default_na=False)
        if header_row:
            return raw, header_row - 1 if len(raw) >= header_row else None
        return raw, _header_at([list(r) for r in raw.head(HEADER_SEARCH_ROWS).values], date_column)

    if sheet is not None:
        wanted = _nfc(sheet)
        by_nfc = {_nfc(n): n for n in names}
        if wanted not in by_nfc:
            close = difflib.get_close_matches(sheet, names, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise SheetError(
                f"the workbook has no sheet '{sheet}' (data.sheet); its sheets are: "
                f"{', '.join(repr(n) for n in names)}{hint}"
            )
        raw, at = read(by_nfc[wanted])
        return _with_sheet(_headed(raw, at or 0), by_nfc[wanted])
    headers = {}
    for name in names:
        raw, at = read(name)
        if date_column is None or (
            at is not None and (header_row is None or _nfc(date_column) in map(_nfc, raw.iloc[at]))
        ):
            return _with_sheet(_headed(raw, at or 0), name)
        top = raw.iloc[header_row - 1] if header_row and len(raw) >= header_row else (raw.iloc[0] if len(raw) else [])
        headers[name] = [_nfc(c) for c in top if _nfc(c)]
    where = f"row {header_row}" if header_row else f"first {HEADER_SEARCH_ROWS} rows"
    listed = "; ".join(f"'{n}' (first row: {_listed(c) or 'empty'})" for n, c in headers.items())
    raise SheetError(
        f"no sheet of the workbook has the date column '{date_column}' in its {where}; its sheets are: "
        f"{listed}; set data.sheet to the sheet holding the data, or data.date_column to its date column"
    )


def _header_at(rows: list[list], date_column: str | None) -> int | None:
    """The 0-based position of the first row holding `date_column` as a cell, or None."""
    if date_column is None:
        return 0
    wanted = _nfc(date_column)
    for i, row in enumerate(rows):
        if any(_nfc(c) == wanted for c in row if c is not None):
            return i
    return None


def _headed(raw: pd.DataFrame, at: int) -> pd.DataFrame:
    """The rows below row `at` of a header-less sheet, named by the cells of row `at` (an empty
    header cell is named 'Unnamed: n' as pandas names it; a repeated name gets '.1', '.2')."""
    if not len(raw):
        return raw
    names, seen = [], {}
    for j, c in enumerate(raw.iloc[at]):
        name = _nfc(c) if c is not None and _nfc(c) else f"Unnamed: {j}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    frame = raw.iloc[at + 1 :].reset_index(drop=True)
    frame.columns = names
    frame.attrs["header_row"] = at + 1
    return frame


def _with_sheet(frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
    frame.attrs["sheet"] = sheet
    return frame


def read_table(
    path: Path, sheet: str | None = None, *, date_column: str | None = None, header_row: int | None = None
) -> tuple[pd.DataFrame, int]:
    """Read a data file as cells: text, numbers (typed cells of Excel and Parquet) or None.

    Parameters
    ----------
    path : CSV (',', ';' or tab separated, UTF-8 with or without BOM, or UTF-16 with BOM), .xlsx/.xlsm
        or .parquet.
    sheet : the Excel sheet to read; without it, the first sheet holding `date_column`.
    date_column : the date column's name, used to find the sheet and the header row.
    header_row : the header's row number in a CSV or Excel file; without it, the first of the top
        `HEADER_SEARCH_ROWS` rows that holds `date_column` (title rows above it are skipped).

    Returns
    -------
    (frame, first_row) : the cells, and the spreadsheet row number of the first data row (the
        row below the header), used to point at rows in messages. `frame.attrs` holds the CSV
        `separator` or the Excel `sheet` read. Column names are stripped and in Unicode NFC.

    Raises
    ------
    SheetError
        When the workbook has no such sheet, or no sheet with the date column; it lists the sheets.
    NotTextError
        When a CSV file holds binary data (it is some other kind of file).
    """
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame = _excel(path, sheet, date_column, header_row)
    elif suffix == ".parquet":
        frame = pd.read_parquet(path).astype(object)
    else:
        data = path.read_bytes()
        if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # Excel's "Unicode text" export
            text = data.decode("utf-16")
        else:
            _check_text(data)
            text = data.decode("utf-8-sig")
        head = _head_lines(text, max(header_row or HEADER_SEARCH_ROWS, _SNIFF_LINES))
        lines = head[: (header_row or HEADER_SEARCH_ROWS)]
        at = header_row - 1 if header_row else _csv_header_at(lines, date_column)
        sep = _separator(lines[at] if at < len(lines) else "") if at else _separator("\n".join(head))
        # the parser reads the UTF-8 bytes themselves: a StringIO of a large file would hold four bytes a character
        source = io.StringIO(text) if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else io.BytesIO(data)
        del text
        frame = pd.read_csv(
            source,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            skiprows=at,
            encoding="utf-8-sig",
        )
        del source, data
        frame.attrs["separator"] = sep
        frame.attrs["header_row"] = at + 1
    attrs = dict(frame.attrs)
    frame = _cells(frame)
    frame.attrs.update(attrs)
    frame.columns = [_nfc(c) for c in frame.columns]
    return frame, int(attrs.get("header_row", 1)) + 1


class NotTextError(ValueError):
    """A file read as CSV is not text."""


def _check_text(data: bytes) -> None:
    """Raise `NotTextError` for bytes no CSV export holds: NUL bytes or control characters.

    Checked before anything quotes the file, so that a message never shows binary noise.
    """
    head = data[:65536]
    controls = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 13, 12))
    if b"\x00" in head or controls > max(8, len(head) // 1000):
        raise NotTextError(
            "not a CSV text file: it holds binary data (it may be an Excel, PDF or other file under a .csv "
            "name); export the data as CSV (UTF-8) or save it as .xlsx with that ending"
        )


def _csv_header_at(lines: list[str], date_column: str | None) -> int:
    """The 0-based line of the header: the first line holding `date_column` as a field, else 0."""
    if date_column is None:
        return 0
    wanted = _nfc(date_column)
    for i, line in enumerate(lines):
        for sep in (";", "\t", ","):
            if wanted in (_nfc(f) for f in next(csv.reader([line], delimiter=sep), [])):
                return i
    return 0


# -- numbers ----------------------------------------------------------------------------------
#
# A text cell is read under one decimal mark per column, decided from every cell of the column:
# reading '1,234' as 1.234 in one column and as 1234 in another, or guessing from the first rows,
# is how a euro becomes a hundred euros without anybody noticing.

# spaces that thousands are grouped with: space, no-break space, narrow no-break space, thin space
_SPACES = re.compile(r"[ \t\u00a0\u202f\u2009]+")
_CURRENCY = re.compile(r"^(?:€|EUR)\s*|\s*(?:€|EUR)$", re.IGNORECASE)
_SIGNS = {"\u2212": "-", "\u2013": "-"}  # typographic minus, en dash
_SCIENTIFIC = re.compile(r"^(\d+)(?:([.,])(\d+))?[eE]([+-]?\d+)$")
MARKS = (",", ".")
# a number with its thousands grouped by spaces and perhaps a decimal part: '1 234 567', '1 234,50'
_GROUPED = r"^\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?:([.,])\d+)?$"


def _clean_cell(value: str) -> tuple[str, str]:
    """(sign, body) of a text cell: currency and surrounding spaces removed, spaces inside kept as ' '."""
    s = str(value).strip()
    s = _CURRENCY.sub("", s).strip()
    sign = ""
    if s[:1] in ("-", "+", *_SIGNS):
        sign = "-" if s[0] != "+" else ""
        s = s[1:].strip()
        s = _CURRENCY.sub("", s).strip()  # '-12 €' and '- € 12'
    return sign, _SPACES.sub(" ", s)


def _read_as(sign: str, body: str, decimal: str) -> float | None:
    """The value of a cleaned cell if `decimal` is its decimal mark, else None.

    The other mark and spaces may only group thousands: '1.234.567,5', '1 234,50', '1,234.50'.
    """
    m = _SCIENTIFIC.match(body)
    if m:
        if m.group(2) not in (None, decimal):
            return None
        frac = f".{m.group(3)}" if m.group(2) else ""
        return float(f"{sign}{m.group(1)}{frac}e{m.group(4)}")
    whole, _, frac = body.partition(decimal)
    if decimal in frac or (_ and not (frac.isdigit() and frac.isascii())) or not whole:
        return None
    other = MARKS[1] if decimal == MARKS[0] else MARKS[0]
    groups = re.split(rf"[ {re.escape(other)}]", whole)
    seps = set(re.findall(rf"[ {re.escape(other)}]", whole))
    if len(seps) > 1 or not all(g.isdigit() and g.isascii() for g in groups):
        return None
    if len(groups) > 1 and (len(groups[0]) > 3 or groups[0].startswith("0") or any(len(g) != 3 for g in groups[1:])):
        return None
    return float(f"{sign}{''.join(groups)}{'.' + frac if frac else ''}")


def _readings(value: str) -> dict[str, float]:
    """Every way to read a text cell: {decimal mark: value}; empty when it is no number at all."""
    sign, body = _clean_cell(value)
    out = {}
    for mark in MARKS:
        x = _read_as(sign, body, mark)
        if x is not None:
            out[mark] = x
    return out


def _to_number(value: str | None, decimal: str) -> float | None:
    """Parse one text cell with a known decimal mark: '1 234,50', '12 €', '−5' with ','; '1,234.50' with '.'."""
    if value is None:
        return None
    sign, body = _clean_cell(value)
    return _read_as(sign, body, decimal)


@dataclass
class _ColumnMarks:
    """What the cells of one column say about its decimal mark."""

    only: dict[str, list[str]] = field(default_factory=lambda: {m: [] for m in MARKS})  # cells readable one way
    ambiguous: list[str] = field(default_factory=list)  # readable both ways, to different numbers

    @property
    def marks(self) -> set[str]:
        return {m for m, cells in self.only.items() if cells}


def _ascii_digits(cells: np.ndarray):
    """Which cells are text of ASCII digits only ('12000'), and those cells as pyarrow strings.

    Most cells of an export are such; every rule reads them the same, as the whole number they
    show, so they are read at once and only the other cells go through the rules. (None, None) when
    the cells are not all text or empty.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(cells, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None, None
    mask = pc.match_substring_regex(arr, "^[0-9]+$").fill_null(False)
    return mask.to_numpy(zero_copy_only=False), arr.filter(mask)


def _column_marks(cells, rows) -> _ColumnMarks:
    """What every text cell of a column says about its decimal mark.

    The common forms are classified at once: whole numbers ('12000') read the same either way;
    digits, one mark and digits ('12345,50', '1.5', '1,234') are ambiguous only with 1 to 3 digits
    before the mark (no leading zero) and 3 after it, else readable with that mark only. Other
    cells ('1 234,50 €') go through `_readings` one by one.
    """
    seen = _ColumnMarks()
    cells = np.asarray(list(cells) if isinstance(cells, pd.Series) else cells, dtype=object)
    rows = np.asarray(rows)
    digits, _ = _ascii_digits(cells)
    if digits is not None:  # whole numbers say nothing about the mark
        cells, rows = cells[~digits], rows[~digits]
    text = pd.Series(list(cells), dtype=object)
    is_text = text.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    if not is_text.any():
        return seen
    s = text[is_text].str.strip()
    at = np.asarray(rows)[is_text]
    simple = s.str.extract(r"^(\d+)([.,])(\d+)$")
    whole, mark, frac = simple[0], simple[1], simple[2]
    has_mark = mark.notna().to_numpy(dtype=bool)
    ambiguous = (
        has_mark
        & (frac.str.len() == 3).to_numpy(dtype=bool)
        & whole.str.len().between(1, 3).to_numpy(dtype=bool)
        & ~whole.str.startswith("0").fillna(False).to_numpy(dtype=bool)
    )
    plain = s.str.fullmatch(r"\d*").to_numpy(dtype=bool).copy()  # whole numbers and empty cells tell nothing
    # thousands grouped with spaces ('1 234 567', '1 234,50'): a mark after them is the decimal mark
    grouped = s.str.extract(_GROUPED)
    grouped_mark = grouped[0].to_numpy(dtype=object)
    is_grouped = s.str.fullmatch(_GROUPED).to_numpy(dtype=bool)
    plain |= is_grouped & grouped[0].isna().to_numpy(dtype=bool)
    values = s.to_numpy(dtype=object)
    marks = mark.to_numpy(dtype=object)
    for i in range(len(values)):
        if plain[i]:
            continue
        if has_mark[i]:
            cell = f"row {at[i]} ({_shown(values[i])})"
            (seen.ambiguous if ambiguous[i] else seen.only[marks[i]]).append(cell)
            continue
        if is_grouped[i]:
            seen.only[grouped_mark[i]].append(f"row {at[i]} ({_shown(values[i])})")
            continue
        r = _readings(values[i])
        if len(r) == 1:
            seen.only[next(iter(r))].append(f"row {at[i]} ({_shown(values[i])})")
        elif len(r) == 2 and r[","] != r["."]:
            seen.ambiguous.append(f"row {at[i]} ({_shown(values[i])})")
    return seen


_MARK_NAME = {",": "decimal comma", ".": "decimal point"}
# numbers written the way a column of that decimal mark is read, for the hint of a cell that is none
_EXAMPLES = {",": "1234,50 or 1 234,50", ".": "1234.50 or 1,234.50"}


def _decide_marks(frame, columns, first_row, explicit, separator, problems) -> dict[str, str]:
    """The decimal mark of each column, or a problem naming the column, its cells and the fix.

    Rules, in order: `data.decimal` when set; else a column's own unambiguous cells ('12345,50',
    '1,234.50', '1.5'); else, for a column whose cells could be read either way ('1,234'), the mark
    that every other column of the file agrees on, or the comma in a ';'-separated CSV.
    """
    rows = np.arange(len(frame)) + first_row
    seen = {c: _column_marks(frame[c], rows) for c in columns}
    if explicit:
        return {c: explicit for c in columns}
    decided: dict[str, str] = {}
    for col, s in seen.items():
        if len(s.marks) > 1:
            comma, point = s.only[","], s.only["."]
            problems.append(
                f"column '{col}' mixes decimal marks: {_listed(comma[:3])} read(s) only with a decimal comma, "
                f"{_listed(point[:3])} only with a decimal point; write every number of the column the same "
                "way, or set data.decimal: ',' or '.' in the params file to say which mark the file uses"
            )
        elif s.marks:
            decided[col] = next(iter(s.marks))
    file_marks = set(decided.values())
    if len(file_marks) == 1:
        fallback = next(iter(file_marks))
    elif not file_marks and separator == ";":
        fallback = ","
    else:
        fallback = None
    for col, s in seen.items():
        if col in decided or len(s.marks) > 1:
            continue
        if s.ambiguous and fallback is None:
            clash = " (the other columns disagree on it)" if len(file_marks) > 1 else ""
            problems.append(
                f"column '{col}': cannot tell whether the mark in {_listed(s.ambiguous[:3])} is a decimal mark or "
                f"a thousands separator{clash}; set data.decimal: ',' (1 234,50) or '.' (1,234.50) in the "
                "params file"
            )
        decided[col] = fallback or "."
    return decided


# A date written as day, month and year (or month, day and year): 29.1.2024, 01/29/2024, 29-01-24,
# possibly with a time of day (8:00, 08.00.00)
_DMY = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")
_ISO = re.compile(r"^\d{4}([-/.])\d{1,2}\1\d{1,2}(?:[ T].*)?$")
# a week number and its year, as weekly reports write them: 1/2023, vko 1/2023, W01-2023, 2023-W01
_WEEK = re.compile(
    r"^(?:(?:w|wk|week|vk|vko|viikko)\s*\.?\s*)?\d{1,2}\s*[/-]\s*\d{4}$|^\d{4}\s*-?\s*W\s*\d{1,2}$", re.IGNORECASE
)
# the label of a total row in the date column: Yhteensä, Total, Summa, Sum (any case), 'Total 2023'
_TOTAL = re.compile(r"^(?:grand\s+|kaikki\s+)?(?:yhteens[äa]|total|totals|summa|sum)\b", re.IGNORECASE)


def _to_date(value: str) -> pd.Timestamp | None:
    """One cell in a form outside the vectorised rules ('3 Jan 2024'), read day first; no warning leaks."""
    s = str(value).strip()
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")  # pandas warns when it guesses a format per cell
        for kwargs in ({"format": "ISO8601"}, {"dayfirst": True}):
            try:
                ts = pd.to_datetime(s, **kwargs)
            except Exception:  # pandas raises several types (ValueError, OverflowError, NotImplementedError, ...)
                continue
            if pd.isna(ts) or not 1970 <= ts.year <= 2100:  # '-5' or '12' parse as years; not plan dates
                return None
            return pd.Timestamp(ts).tz_localize(None) if ts.tzinfo else pd.Timestamp(ts)
    return None


def _parse_dates(cells: pd.Series, rows: np.ndarray, column: str, date_format: str | None, problems: list[str]):
    """The date of every cell (NaT where there is none), and the problems of the column.

    Day and month order is decided from every cell, like the decimal mark: a cell with a first
    number above 12 (13/01/2024) says day first, one with a second number above 12 (01/13/2024)
    month first; a column with both, or with neither in a '/' or '-' form, stops with a problem
    pointing at `data.date_format`. Dotted dates (1.3.2024) are day first, the Finnish way.
    A column of week numbers (1/2023) and a total row are named as such.
    """
    text = pd.Series([None if v is None else _plain(v) for v in cells], index=range(len(cells)), dtype=object)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    filled = text.notna() & (text != "")
    empty = ~filled
    week = filled & text.str.match(_WEEK).fillna(False).astype(bool)
    total = filled & text.str.match(_TOTAL).fillna(False).astype(bool)
    todo = filled & ~week & ~total
    settled = pd.Series(False, index=text.index)  # cells whose problem is already told
    if date_format:
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            out[todo] = pd.to_datetime(text[todo], format=date_format, errors="coerce")
    else:
        iso = todo & text.str.match(_ISO).fillna(False).astype(bool)
        if iso.any():
            # 2024/01/29 and 2024.01.29 are year, month, day as much as 2024-01-29 is
            iso_text = text[iso].str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", r"\1-\2-\3", regex=True)
            try:
                parsed = pd.to_datetime(iso_text, format="ISO8601", errors="coerce")
                if parsed.dt.tz is not None:
                    parsed = parsed.dt.tz_localize(None)  # the wall time, as typed
                out[iso] = parsed
            except (ValueError, TypeError):
                pass
            # cells the vectorised reading left out (time zones that differ from cell to cell): one by one
            retry = iso & out.isna()
            if retry.any():
                out[retry] = [_to_date(v) or pd.NaT for v in iso_text[retry[iso]]]
        dmy = text[todo & ~iso].str.extract(_DMY).dropna(subset=[0])
        if len(dmy):
            first, second = dmy[0].astype(int), dmy[2].astype(int)
            day_first = dmy.index[(first > 12) & (second <= 12)]
            month_first = dmy.index[(second > 12) & (first <= 12)]

            def cells_of(index) -> str:
                return _listed([f"row {rows[i]} ({_shown(text[i])})" for i in index[:3]])

            order = None
            if len(day_first) and len(month_first):
                problems.append(
                    f"column '{column}': dates are written day first in {cells_of(day_first)} but month first "
                    f"in {cells_of(month_first)}; write every date the same way, or set data.date_format "
                    "('%d.%m.%Y' for 29.1.2024, '%m/%d/%Y' for 1/29/2024) in the params file"
                )
                settled[dmy.index] = True
            elif len(month_first):
                order = "month"
            elif len(day_first) or (dmy[1] == ".").all():
                order = "day"
            else:
                problems.append(
                    f"column '{column}': cannot tell whether the dates are day or month first: no day above 12 "
                    f"in any of them ({cells_of(dmy.index)}); set data.date_format in the params file: "
                    "'%d/%m/%Y' (day first) or '%m/%d/%Y' (month first)"
                )
                settled[dmy.index] = True
            if order is not None:
                year = dmy[3].astype(int)
                parts = pd.DataFrame(
                    {
                        "year": year.where(year >= 100, year + 2000),
                        "month": second if order == "day" else first,
                        "day": first if order == "day" else second,
                        "hour": dmy[4].fillna(0).astype(int),
                        "minute": dmy[5].fillna(0).astype(int),
                        "second": dmy[6].fillna(0).astype(int),
                    }
                )
                out[dmy.index] = pd.to_datetime(parts, errors="coerce")
        rest = todo & ~iso & ~text.index.isin(dmy.index)
        if rest.any():
            out[rest] = [_to_date(v) or pd.NaT for v in text[rest]]
    years = out.dt.year
    out[(years < 1970) | (years > 2100)] = pd.NaT  # '-5' or '12' parse as years; not plan dates
    if empty.any():
        problems.append(
            f"column '{column}': empty date in row(s) {_listed([str(r) for r in rows[empty.to_numpy()]])}; "
            "fill in or delete those rows"
        )
    if week.any():
        listed = [f"row {rows[i]} ({_shown(text[i])})" for i in text.index[week]]
        problems.append(
            f"column '{column}' holds week numbers, not dates: {_listed(listed)}; the planner needs the date "
            "of each week: write the Monday of the week (2023-01-02 or 2.1.2023), or add a date column and "
            "name it in data.date_column"
        )
    if total.any():
        at = [str(rows[i]) for i in text.index[total]]
        problems.append(
            f"column '{column}': row {', '.join(at)} ({_listed([_shown(text[i]) for i in text.index[total]])}) "
            f"is a total row; remove the total row at row {', '.join(at)} (the planner adds up the weeks itself)"
        )
    bad = todo & out.isna() & ~settled
    if bad.any():
        listed = [f"row {rows[i]} ({_shown(text[i])})" for i in text.index[bad]]
        fix = f"that fit data.date_format '{date_format}'" if date_format else "such as 2024-01-29 or 29.1.2024"
        problems.append(f"column '{column}': cannot read the date in {_listed(listed)}; use dates {fix}")
    return [None if pd.isna(d) else pd.Timestamp(d) for d in out]


def _plain(value) -> str:
    """A cell as text: a number cell as the number it shows (44927, not 44927.0)."""
    return f"{value:g}" if isinstance(value, float) else str(value).strip()


# -- the dataset ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Dataset:
    """Clean weekly data for one planning run.

    Attributes
    ----------
    params : the validated params.
    frame : weekly DataFrame indexed by `week_start` (Mondays, no gaps) with every used column.
    sha256 : fingerprint of the data file's bytes.
    warnings : problems worth knowing that do not stop the run (warning dicts).
    """

    params: Params
    frame: pd.DataFrame
    sha256: str
    warnings: list[dict] = field(default_factory=list)
    regions: pd.DataFrame | None = None
    """With `data.region` and/or `data.group`: every used column per week and unit, indexed by
    (``week_start``, ``region``), the ``region`` level holding each unit's name (a region, a brand or
    'brand / region', see `unit_kind`), on the same weeks as `frame` (whose rows are their totals);
    else None."""

    @property
    def weeks(self) -> int:
        return len(self.frame)

    @cached_property
    def spend(self) -> pd.DataFrame:
        """Euros per week per category (sub-channel columns summed)."""
        cols = self.params.data.spend.columns()
        return pd.DataFrame({c: self.frame[cols[c]].sum(axis=1) for c in CATEGORIES})

    @cached_property
    def encounters(self) -> pd.DataFrame:
        return self.frame[list(self.params.data.encounters)]

    @cached_property
    def y(self) -> pd.Series:
        """Quality-weighted encounters per week."""
        weights = pd.Series(self.params.data.encounters)
        return (self.encounters * weights).sum(axis=1).rename("weighted_encounters")

    @cached_property
    def controls(self) -> pd.DataFrame:
        return self.frame[list(self.params.data.controls)]

    @cached_property
    def events(self) -> pd.DataFrame:
        return self.frame[list(self.params.data.events)]

    @cached_property
    def funnel(self) -> pd.DataFrame | None:
        """The funnel columns under their standard names, or None without a `funnel` section.

        Columns, for what the params configure and in this order: ``leads``, ``deals_self_service``,
        ``deals_assisted``, ``revenue_self_service``, ``revenue_assisted`` (EUR) and ``experience``
        (the score, a week's mean for daily data); floats on the weekly index.
        """
        spec = self.params.funnel
        if spec is None:
            return None
        names = spec.columns()
        return pd.DataFrame({name: self.frame[col] for name, col in names.items()}, index=self.frame.index)

    @property
    def unit_kind(self) -> str | None:
        """What `regions` is by: "region" (`data.region`), "brand" (`data.group`), "brand x region"
        (both; a unit is named 'brand / region'), or None for national data of one brand."""
        return unit_kind(self.params.data) if self.regions is not None else None

    @cached_property
    def region_names(self) -> list[str]:
        """The pooling units (regions, brands, or 'brand / region' pairs, `unit_kind`) in the order of
        their first row in the file (empty for national data of one brand)."""
        if self.regions is None:
            return []
        return list(dict.fromkeys(self.regions.index.get_level_values("region")))

    @cached_property
    def region_spend(self) -> pd.DataFrame | None:
        """Euros per week, region and category, indexed like `regions`; None for national data."""
        if self.regions is None:
            return None
        cols = self.params.data.spend.columns()
        return pd.DataFrame({c: self.regions[cols[c]].sum(axis=1) for c in CATEGORIES})

    @cached_property
    def region_y(self) -> pd.Series | None:
        """Quality-weighted encounters per week and region, indexed like `regions`; None for national data."""
        if self.regions is None:
            return None
        weights = pd.Series(self.params.data.encounters)
        return (self.regions[list(weights.index)] * weights).sum(axis=1).rename("weighted_encounters")

    def spend_by_category(self, last_weeks: int | None = None) -> pd.Series:
        """Euros per category over all the data, or over its last `last_weeks` weeks."""
        spend = self.spend if last_weeks is None else self.spend.iloc[-last_weeks:]
        return spend.sum().rename("eur")

    def split(self, last_weeks: int | None = None) -> pd.Series:
        """Shares of spend per category (they add up to 1)."""
        total = self.spend_by_category(last_weeks)
        return (total / total.sum()).rename("share")

    def digital_share(self) -> pd.Series:
        """Weekly share of raw encounters in digital channels."""
        digital = self.params.data.digital_columns()
        total = self.encounters.sum(axis=1)
        return (self.encounters[digital].sum(axis=1) / total.where(total > 0)).rename("digital_share")

    def summary(self) -> dict:
        """The `data` section of results.json (schema 2, see `planner.results.DataSection`).

        "current" is the last plan horizon (plan.horizon_weeks), as everywhere a split is called
        current; "all_data" covers every week.
        """
        h = self.params.plan.horizon_weeks

        def euros(last_weeks):
            return {c: round(float(v), 2) for c, v in self.spend_by_category(last_weeks).items()}

        def shares(eur):
            total = sum(eur.values())
            return {c: round(v / total, 6) if total > 0 else 0.0 for c, v in eur.items()}

        spend = {"all_data": euros(None), "current": euros(h)}
        return {
            "rows": self.weeks,
            "start": self.frame.index[0].date().isoformat(),
            "end": self.frame.index[-1].date().isoformat(),
            "sha256": self.sha256,
            "horizon_weeks": int(h),
            "spend_by_category": spend,
            "split": {k: shares(v) for k, v in spend.items()},
        }


# -- checking ---------------------------------------------------------------------------------


def _check_columns(frame: pd.DataFrame, params: Params, problems: list[str]) -> list[str]:
    spec = params.data
    needed = [spec.date_column, *spec.encounters]
    for cols in spec.spend.columns().values():
        needed += cols
    needed += spec.controls + spec.events
    if params.funnel is not None:
        needed += list(params.funnel.columns().values())
    if spec.region is not None:
        needed.append(spec.region)
    if spec.group is not None:
        needed.append(spec.group)
    present = list(frame.columns)
    missing = [c for c in needed if c not in present]
    for col in missing:
        close = difflib.get_close_matches(col, present, n=3, cutoff=0.6)
        hint = f"; close matches: {', '.join(close)}" if close else f"; the file has: {_listed(present)}"
        problems.append(f"column '{col}' (named in the params file{_funnel_key(params, col)}) is missing{hint}")
    used = set(needed) - {spec.date_column, spec.region, spec.group}
    unknown = [c for c in spec.accept_outliers if c not in used]
    if unknown:
        named = ", ".join(f"'{c}'" for c in unknown)
        problems.append(
            f"data.accept_outliers names {named}, not a number column named "
            "elsewhere in the params file; list the spend, encounter or funnel columns whose large values are right"
        )
    return [c for c in needed if c not in missing]


def _funnel_key(params: Params, column: str) -> str:
    """' as funnel.deals.assisted' for a funnel column, ' as data.region' for the region column, else ''."""
    if column == params.data.region:
        return " as data.region"
    if column == params.data.group:
        return " as data.group"
    if params.funnel is None:
        return ""
    for name, col in params.funnel.columns().items():
        if col == column:
            return " as funnel." + ".".join(params.funnel.key_of(name))
    return ""


def _numbers(cells: np.ndarray, mark: str) -> tuple[np.ndarray, np.ndarray]:
    """The numbers of a column's cells read with decimal mark `mark` (NaN where a cell is none),
    and which cells are empty.

    Plain digits ('12000', '12345,50' with a comma) are converted at once, since most cells of an
    export are; only the others ('1 234,50 €', '−5') go through the cell-by-cell rules.
    """
    digits, digit_cells = _ascii_digits(cells)
    if digits is not None and digits.any():
        import pyarrow as pa

        values = np.full(len(cells), np.nan)
        values[digits] = digit_cells.cast(pa.float64()).to_numpy(zero_copy_only=False)
        is_empty = np.zeros(len(cells), dtype=bool)
        rest = ~digits
        if rest.any():
            values[rest], is_empty[rest] = _numbers_by_rule(cells[rest], mark)
        return values, is_empty
    return _numbers_by_rule(cells, mark)


def _numbers_by_rule(cells: np.ndarray, mark: str) -> tuple[np.ndarray, np.ndarray]:
    """`_numbers` of cells that are not all plain ASCII digits."""
    n = len(cells)
    values = np.full(n, np.nan)
    text = pd.Series(cells, dtype=object)
    is_float = np.fromiter((isinstance(v, float) for v in cells), dtype=bool, count=n)
    is_empty = np.fromiter((v is None or (isinstance(v, str) and not v.strip()) for v in cells), dtype=bool, count=n)
    values[is_float] = cells[is_float].astype(float)
    rest = ~is_float & ~is_empty
    if rest.any():
        s = text[rest].astype(str).str.strip()
        decimal = re.escape(mark)
        simple = s.str.fullmatch(rf"[0-9]+(?:{decimal}[0-9]+)?").to_numpy(dtype=bool) | (
            s.str.fullmatch(_GROUPED) & s.str.isascii() & (s.str.extract(_GROUPED)[0].fillna(mark) == mark)
        ).to_numpy(dtype=bool)
        idx = np.flatnonzero(rest)
        if simple.any():
            digits = s[simple].str.replace(r"[ \u00a0\u202f\u2009]", "", regex=True).str.replace(",", ".", regex=False)
            values[idx[simple]] = pd.to_numeric(digits).to_numpy(dtype=float)
        for i, v in zip(idx[~simple], s[~simple], strict=True):
            x = _to_number(v, mark)
            values[i] = np.nan if x is None else x
    return values, is_empty


def _parse_cells(frame, params, columns, marks, first_row, problems):
    """Parse dates and numbers, collecting empty, non-numeric and out-of-range cells per column."""
    spec = params.data
    date_column = spec.date_column
    role = {c: f"{cat} spend" for cat, cols in spec.spend.columns().items() for c in cols}
    role.update({c: "encounters" for c in spec.encounters})
    role.update({c: "event" for c in spec.events})
    funnel = params.funnel.columns() if params.funnel is not None else {}
    role.update({col: FUNNEL_ROLES[name] for name, col in funnel.items()})
    counts = {funnel[name] for name in _COUNTS if name in funnel}
    score = funnel.get("experience")
    low, high = EXPERIENCE_RANGE
    rows = np.arange(len(frame)) + first_row
    dates = [None] * len(frame)
    if date_column in frame.columns:
        dates = _parse_dates(frame[date_column], rows, date_column, spec.date_format, problems)
    numbers = {}
    for col in columns:
        if col == date_column or col not in marks:  # no date, or a column whose decimal mark is unclear
            continue
        kind = role.get(col)
        cells = frame[col].to_numpy(dtype=object)
        values, is_empty = _numbers(cells, marks[col])
        ok = np.isfinite(values)
        values[~ok] = np.nan

        def at(mask, cells=cells) -> list[str]:
            return [f"row {rows[i]} ({_shown(cells[i])})" for i in np.flatnonzero(mask)]

        empty = [str(r) for r in rows[is_empty]]
        bad = at(~is_empty & ~ok)
        none = np.zeros(len(cells), dtype=bool)
        if col == score:
            out_m, huge_m, fraction_m = ok & ((values < low) | (values > high)), none, none
        else:
            with np.errstate(invalid="ignore"):
                if kind == "event":
                    out_m = ok & (values != 0) & (values != 1)
                else:
                    out_m = ok & (values < 0) if kind is not None else none
                huge_m = ok & ~out_m & (np.abs(values) > MAX_VALUE)
                fraction_m = ok & ~out_m & ~huge_m & (col in counts) & (values != np.floor(values))
        out, huge, fraction = at(out_m), at(huge_m), at(fraction_m)
        outliers = []
        if kind not in (None, "event") and col != score and col not in spec.accept_outliers:
            usual = ok & ~out_m & ~huge_m
            nonzero = np.abs(values[usual & (values != 0)])
            if len(nonzero) >= OUTLIER_MIN_CELLS:
                median = float(np.median(nonzero))
                outliers = at(usual & (np.abs(np.nan_to_num(values)) > OUTLIER_FACTOR * median))
        where = f"column '{col}'" + (f" ({kind})" if kind else "")
        if empty and col == score:
            problems.append(f"{where}: empty cell in row(s) {_listed(empty)}; enter the score measured for that row")
        elif empty:
            problems.append(f"{where}: empty cell in row(s) {_listed(empty)}; enter 0 if nothing was spent or seen")
        if bad:
            problems.append(
                f"{where}: not a number in {_listed(bad)}; use digits only, e.g. {_EXAMPLES[marks[col]]} "
                f"(this column is read with a {_MARK_NAME[marks[col]]})"
            )
        if out and kind == "event":
            problems.append(f"{where}: must be 0 or 1, not so in {_listed(out)}")
        elif out and col == score:
            problems.append(
                f"{where}: outside {low:g}..{high:g} in {_listed(out)}; the score must be an NPS (-100..100) or a "
                "CSAT score within that range"
            )
        elif out:
            what = "spend" if kind.endswith("spend") else "revenue" if kind.endswith("revenue") else "a count"
            problems.append(f"{where}: negative value in {_listed(out)}; {what} must be 0 or more")
        if fraction:
            problems.append(
                f"{where}: not a whole number in {_listed(fraction)}; {kind} are counted in whole numbers "
                "(check the column and its decimal mark)"
            )
        if huge:
            problems.append(f"{where}: implausibly large value in {_listed(huge)}; check the unit and the decimal mark")
        if outliers:
            problems.append(
                f"{where}: far outside the column's range in {_listed(outliers)}: more than {OUTLIER_FACTOR} times "
                f"the median of its non-zero cells ({median:,.2f}); check the cell for a typo, a unit mix-up or a "
                f"total, or, if it is right, list the column under data.accept_outliers in the params file"
            )
        numbers[col] = values
    return dates, numbers


def _to_weeks(
    table: pd.DataFrame, params: Params, problems: list[str], warnings: list[dict], rows: np.ndarray | None = None
) -> pd.DataFrame:
    """Index by week start (Monday); sum daily rows to weeks; check duplicates and gaps.

    `rows` are the file's row numbers of `table`'s rows (None for national totals of regions), so
    that a duplicate names its rows.
    """
    spec = params.data

    def duplicates(keys: pd.Index) -> list[str] | None:
        dup = keys.duplicated(keep=False)
        if not dup.any():
            return None
        if rows is None:
            return [d.date().isoformat() for d in keys[dup].unique()]
        at = pd.Series(rows[dup], index=keys[dup])
        return [f"{k.date().isoformat()} (rows {', '.join(map(str, g))})" for k, g in at.groupby(level=0, sort=False)]

    if spec.frequency == "daily":
        day_dupes = duplicates(table.index)
        if day_dupes:
            problems.append(
                f"column '{spec.date_column}': more than one row for the day(s) {_listed(day_dupes)}; keep one row "
                "per day (rows of one day at different times are not added up: add them into one row)"
            )
            return table
        days = pd.date_range(table.index.min(), table.index.max(), freq="D")
        missing = days.difference(table.index)
        if len(missing):
            problems.append(f"missing days: {_gaps(missing, 'D')}; add rows (with 0 where nothing happened)")
            return table
        week = table.index.to_period("W-SUN").start_time
        counts = table.groupby(week).size()
        table = table.groupby(week).agg(_how(table.columns, params))
        partial = counts[counts < 7]
        if len(partial):
            table = table.drop(index=partial.index)
            weeks = [d.date().isoformat() for d in partial.index]
            warnings.append(_warning("partial_week_dropped", weeks=weeks))
    else:
        table.index = table.index.to_period("W-SUN").start_time
        dupes = duplicates(table.index)
        if dupes:
            problems.append(
                f"column '{spec.date_column}': more than one row for the week(s) starting "
                f"{_listed(dupes)}; keep one row per week "
                "(or set data.frequency: daily for daily rows)"
            )
            return table
    table.index.name = "week_start"
    table = table.sort_index()
    weeks = pd.date_range(table.index.min(), table.index.max(), freq="W-MON")
    missing = weeks.difference(table.index)
    if len(missing):
        problems.append(f"missing weeks: {_gaps(missing, 'W')}; add a row for every week (0 where nothing was spent)")
    return table


def _without_trailing_empty_rows(frame: pd.DataFrame, columns: list[str], first_row: int, warnings: list[dict]):
    """The frame without the empty rows (';;;') a spreadsheet export leaves at its end, with a note."""
    used = [c for c in columns if c in frame.columns] or list(frame.columns)
    if not len(frame) or not used:
        return frame
    filled = frame[used].notna().any(axis=1).to_numpy()
    last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    if last == len(frame):
        return frame
    count = len(frame) - last
    warnings.append(
        _warning("trailing_empty_rows", count=count, first=first_row + last, last=first_row + len(frame) - 1)
    )
    return frame.iloc[:last]


def _total_row(frame: pd.DataFrame, date_column: str, first_row: int) -> str | None:
    """A problem for a last row labelled as a total (Yhteensä, Total, Summa, Sum) in the date column."""
    if not len(frame) or date_column not in frame.columns:
        return None
    cell = frame[date_column].iloc[-1]
    if not isinstance(cell, str) or not _TOTAL.match(cell.strip()):
        return None
    row = first_row + len(frame) - 1
    return (
        f"column '{date_column}': row {row} ({_shown(cell)}) is a total row; remove the total row at row {row} "
        "(the planner adds up the weeks itself)"
    )


def _sum_row(frame: pd.DataFrame, dates: list, numbers: dict, params: Params, first_row: int) -> str | None:
    """A problem for a last row without a date whose summed columns hold the sums of the rows above."""
    if len(frame) < 3 or dates[-1] is not None:
        return None
    how = _how(numbers, params)
    summed = [c for c in numbers if how[c] == "sum" and np.isfinite(numbers[c][-1])]
    if len(summed) < 2:
        return None
    last = np.array([numbers[c][-1] for c in summed])
    above = np.array([np.nansum(numbers[c][:-1]) for c in summed])
    if not (np.abs(last) > 0).any() or not np.allclose(last, above, rtol=1e-6, atol=0.5):
        return None
    row = first_row + len(frame) - 1
    cell = frame[params.data.date_column].iloc[-1] if params.data.date_column in frame.columns else None
    label = "an empty date" if cell is None else f"{_shown(cell)} for its date"
    return (
        f"row {row} holds the sums of the rows above it ({label}): it is a total row; remove the total row at "
        f"row {row} (the planner adds up the weeks itself)"
    )


def _how(columns, params: Params) -> dict[str, str]:
    """How each column adds up over the days of a week or the regions of a week: counts and euros
    are summed, a control is a level (mean), a score is a level (mean), an event happened or not (max)."""
    spec = params.data
    how = {c: "sum" for c in columns}
    how.update({c: "mean" for c in spec.controls if c in how})
    if params.funnel is not None and params.funnel.experience in how:
        how[params.funnel.experience] = "mean"
    how.update({c: "max" for c in spec.events if c in how})
    return how


def unit_kind(spec) -> str | None:
    """What the pooling units of data in long form are: "region" (`data.region`), "brand"
    (`data.group`), "brand x region" (both), or None for national data of one brand."""
    if spec.group is not None:
        return "brand x region" if spec.region is not None else "brand"
    return "region" if spec.region is not None else None


def _unit_words(spec) -> tuple[str, str]:
    """The unit's word and the column(s) that name it, for messages: ("brand", "'brand' (data.group)")."""
    kind = unit_kind(spec)
    if kind == "brand":
        return "brand", f"'{spec.group}' (data.group)"
    if kind == "brand x region":
        return "brand and region", f"'{spec.group}' (data.group) and '{spec.region}' (data.region)"
    return "region", f"'{spec.region}' (data.region)"


def _region_labels(frame: pd.DataFrame, params: Params, columns: list[str], first_row: int, problems: list[str]):
    """Each row's pooling unit as text (a number cell 3.0 reads '3'): its region, its brand
    (`data.group`) or 'brand / region' with both; None for national data of one brand. An empty
    cell is a problem naming its rows."""
    spec = params.data
    parts = []
    for col, key, word in ((spec.group, "data.group", "brand"), (spec.region, "data.region", "region")):
        if col is None or col not in columns:
            continue
        labels, empty = [], []
        for i, v in enumerate(frame[col]):
            if v is None or (isinstance(v, str) and not v.strip()):
                empty.append(str(first_row + i))
                labels.append(None)
                continue
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            labels.append(str(v).strip())
        if empty:
            problems.append(
                f"column '{col}' ({key}): empty {word} in row(s) {_listed(empty)}; name the {word} of every "
                "row, or delete the rows"
            )
        parts.append(labels)
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return [None if g is None or r is None else f"{g} / {r}" for g, r in zip(*parts, strict=True)]


def _by_region(table: pd.DataFrame, labels: list[str], params: Params, first_row: int, problems: list[str]):
    """The national table (rows summed over the units, by `_how`) and the long table indexed by
    (date, region), the "region" level holding each row's unit (`_region_labels`); a problem for
    duplicated (week, unit) rows, a single unit and a unit missing weeks (or days) the others have."""
    spec = params.data
    daily = spec.frequency == "daily"
    key = table.index if daily else table.index.to_period("W-SUN").start_time
    unit, per = ("day", "day") if daily else ("week starting", "week")
    word, named = _unit_words(spec)
    kind = unit_kind(spec)
    plural = {"region": "regions", "brand": "brands"}.get(kind, "brand and region pairs")
    key_name = "data.region" if kind == "region" else "data.group"
    col_word = "columns" if kind == "brand x region" else "column"
    where = {
        "region": f"column '{spec.region}'",
        "brand": f"column '{spec.group}', data.group",
    }.get(kind, f"columns '{spec.group}' and '{spec.region}'")
    long = table.copy()
    long.index = pd.MultiIndex.from_arrays([key, labels], names=["date", "region"])
    rows = pd.Series(np.arange(len(table)) + first_row, index=long.index)
    dup = long.index.duplicated(keep=False)
    if dup.any():
        listed = [
            f"{word} '{r}', {unit} {k.date().isoformat()} (rows {', '.join(str(x) for x in g)})"
            for (k, r), g in rows[dup].groupby(level=[0, 1], sort=False)
        ]
        fix = "" if daily else " (or set data.frequency: daily for daily rows)"
        problems.append(
            f"columns '{spec.date_column}' and {named}: more than one row for "
            f"{_listed(listed)}; keep one row per {per} and {word}{fix}"
        )
    names = list(dict.fromkeys(labels))
    if len(names) == 1:
        problems.append(
            f"{col_word} {named}: every row is in the one {word} '{names[0]}'; data by {word} "
            f"need at least two {plural}: add the other {plural}' rows, or remove {key_name}"
            + (" for national data" if kind == "region" else " for one brand")
        )
    every = long.index.get_level_values(0).unique()
    for r in names:
        missing = every.difference(long.xs(r, level="region").index).sort_values()
        if len(missing):
            gaps = _gaps(missing, "D" if daily else "W")
            problems.append(
                f"{word} '{r}' ({where}): no row for the {per}(s) {gaps} "
                f"that other {plural} have; add them (0 where nothing was spent or seen), or remove the {word}'s rows"
            )
    if problems:
        return table, None
    national = long.groupby(level="date").agg(_how(table.columns, params))
    national.index = pd.DatetimeIndex(national.index, name=spec.date_column)
    return national, long


def _region_weeks(long: pd.DataFrame, weeks: pd.DatetimeIndex, params: Params) -> pd.DataFrame:
    """The long table by week and region (days summed to weeks like the national table), on `weeks`."""
    dates = long.index.get_level_values("date")
    region = long.index.get_level_values("region")
    week = pd.DatetimeIndex(dates).to_period("W-SUN").start_time
    out = long.groupby([week, region], sort=False).agg(_how(long.columns, params))
    names = list(dict.fromkeys(region))
    full = pd.MultiIndex.from_product([weeks, names], names=["week_start", "region"])
    return out.reindex(full).astype(float)


def _gaps(missing: pd.DatetimeIndex, unit: str) -> str:
    """Describe missing dates as ranges: '2023-07-03..2023-07-24 (4 weeks), 2023-12-25'."""
    step = pd.Timedelta(days=7 if unit == "W" else 1)
    runs, start, prev = [], missing[0], missing[0]
    for d in list(missing[1:]) + [None]:
        if d is not None and d - prev == step:
            prev = d
            continue
        n = int((prev - start) / step) + 1
        word = "weeks" if unit == "W" else "days"
        runs.append(start.date().isoformat() if n == 1 else f"{start.date()}..{prev.date()} ({n} {word})")
        if d is not None:
            start = prev = d
    return _listed(runs)


def _check_values(table: pd.DataFrame, params: Params, problems: list[str]) -> None:
    spec = params.data
    for cat, cols in spec.spend.columns().items():
        if (table[cols].sum(axis=1) == 0).all():
            problems.append(
                f"{cat} spend is zero in every week ({', '.join(cols)}): the planner cannot measure a "
                "category that was never bought; check the columns named under data.spend"
            )
    if len(table) and (table[list(spec.encounters)].sum(axis=1) == 0).all():
        problems.append(
            f"encounters are zero in every week ({', '.join(spec.encounters)}): nothing to explain; "
            "check the columns named under data.encounters"
        )
    if len(table) < MIN_WEEKS:
        problems.append(
            f"only {len(table)} weeks of data; the planner needs at least {MIN_WEEKS} "
            "(a full year, so that season and spend can be told apart)"
        )


def _check_funnel(table: pd.DataFrame, params: Params, rows: dict, problems: list[str], warnings: list[dict]) -> None:
    """Week by week: no revenue in a channel without its deals (an error); assisted deals above the
    warmed leads (a warning: deals from leads the leads column does not count, or mixed-up columns)."""
    if params.funnel is None:
        return
    cols = params.funnel.columns()

    def week(day: pd.Timestamp) -> str:
        row = rows.get(day)
        return f"row {row} (week {day.date().isoformat()})" if row is not None else f"week {day.date().isoformat()}"

    for channel in ("self_service", "assisted"):
        deals, revenue = cols.get(f"deals_{channel}"), cols.get(f"revenue_{channel}")
        if deals is None or revenue is None:
            continue
        bad = table.index[(table[revenue] > 0) & (table[deals] == 0)]
        if len(bad):
            listed = [f"{week(d)}: {table.at[d, revenue]:,.2f} EUR" for d in bad]
            problems.append(
                f"column '{revenue}' ({FUNNEL_ROLES[f'revenue_{channel}']}): revenue in {_listed(listed)} where "
                f"'{deals}' ({FUNNEL_ROLES[f'deals_{channel}']}) holds no deals; revenue comes from deals, so check "
                "both columns for those weeks (a deal and its revenue belong to the same week)"
            )
    leads, assisted = cols.get("leads"), cols.get("deals_assisted")
    if leads is not None and assisted is not None:
        above = table.index[table[assisted] > table[leads]]
        if len(above):
            warnings.append(_warning("deals_above_leads", weeks=[d.date().isoformat() for d in above]))


def _week_position(day, index: pd.DatetimeIndex) -> int:
    """Position of the week holding `day` in a gap-free weekly index of Mondays (may lie outside it)."""
    monday = pd.Timestamp(day).normalize() - pd.Timedelta(days=pd.Timestamp(day).weekday())
    return int((monday - index[0]).days // 7)


def experiment_weeks(spec: ExperimentSpec, index: pd.DatetimeIndex) -> tuple[int, int]:
    """Positions of an experiment's first and last window week in the data's weekly index.

    Parameters
    ----------
    spec : ExperimentSpec
        The experiment; its `start` and `end` may be any day of their weeks.
    index : pandas.DatetimeIndex
        The data's weeks (`Dataset.frame.index`: Mondays, no gaps).

    Returns
    -------
    (first_pos, last_pos) : tuple of int
        ``index[first_pos]`` is the Monday of the week holding `start`, ``index[last_pos]`` that of
        the week holding `end`; the window is ``first_pos..last_pos`` inclusive. The weeks measured
        after it are ``last_pos + 1 .. last_pos + spec.measured_weeks_after``.

    Raises
    ------
    ValueError
        If the window or the weeks measured after it do not lie within the index (`load_data`
        reports this as a data problem before any model sees the experiment).
    """
    first, last = _week_position(spec.start, index), _week_position(spec.end, index)
    if first < 0 or last + spec.measured_weeks_after >= len(index):
        raise ValueError(
            f"experiment '{spec.name}' ({spec.start.isoformat()}..{spec.end.isoformat()} and "
            f"{spec.measured_weeks_after} week(s) after) is not within the data's weeks "
            f"{index[0].date().isoformat()}..{index[-1].date().isoformat()}"
        )
    return first, last


def _check_experiments(table: pd.DataFrame, params: Params, problems: list[str]) -> None:
    """Each experiment's window (and the weeks measured after it) within the data, and a usual spend
    (the spend in the data minus the change) that is not negative in any week of the window."""
    if not params.experiments or not len(table):
        return
    index = pd.DatetimeIndex(table.index)
    data_first, data_last = index[0].date().isoformat(), index[-1].date().isoformat()
    spend_columns = params.data.spend.columns()
    for i, e in enumerate(params.experiments):
        who = f"experiments[{i}] '{e.name}' ({e.category}, {e.start.isoformat()}..{e.end.isoformat()})"
        first, last = _week_position(e.start, index), _week_position(e.end, index)
        measured = last + e.measured_weeks_after
        after = f" plus the {e.measured_weeks_after} week(s) measured after it" if e.measured_weeks_after else ""
        if first < 0 or measured >= len(index):
            reach = (index[0] + pd.Timedelta(weeks=measured)).date().isoformat()
            if first < 0:
                side = f"starts in the week of {e.first_week.isoformat()}, before the data's first week {data_first}"
            else:
                side = f"reaches the week of {reach}, after the data's last week {data_last}"
            problems.append(
                f"{who}: the window{after} {side}; an experiment's weeks must lie within the data "
                f"({data_first}..{data_last}): correct start and end, extend the data, or remove the experiment"
            )
            continue
        if last < first:  # the params check reports it; nothing more to say here
            continue
        spend = table[spend_columns[e.category]].sum(axis=1).iloc[first : last + 1]
        usual = spend - e.spend_change_eur_per_week
        short = usual[usual < 0]
        if len(short):
            weeks = [f"{d.date().isoformat()} ({spend[d]:,.0f} EUR)" for d in short.index]
            problems.append(
                f"{who}: spend_change_eur_per_week is {e.spend_change_eur_per_week:+,.0f} but the data's "
                f"{e.category} spend is below that in the week(s) of {_listed(weeks)}, so the usual spend "
                "(the spend in the data minus the change) would be negative; the data must hold the spend "
                "actually paid during the test and the change is against the usual spend (negative for a cut): "
                "check its sign and size, and the window's dates"
            )


def _build(frame: pd.DataFrame, params: Params, source: str, sha256: str, first_row: int) -> Dataset:
    problems: list[str] = []
    warnings: list[dict] = []
    spec = params.data
    columns = _check_columns(frame, params, problems)
    frame = _without_trailing_empty_rows(frame, columns, first_row, warnings)
    if frame.empty:
        # a header with nothing under it would otherwise reach the weekly checks with no dates at all
        problems.append(
            f"no data rows: the file holds only its header (row {first_row - 1}); "
            "add one row per week (or day) below it"
        )
        raise DataError(source, problems, params.source)
    numeric = [c for c in columns if c not in (spec.date_column, spec.region, spec.group)]
    total = _total_row(frame, spec.date_column, first_row)
    if total is not None:  # the other checks would see a row of sums in a date column as noise
        problems.append(total)
        frame = _without_trailing_empty_rows(frame.iloc[:-1], columns, first_row, warnings)
    marks = _decide_marks(frame, numeric, first_row, spec.decimal, frame.attrs.get("separator"), problems)
    found: list[str] = []
    dates, numbers = _parse_cells(frame, params, columns, marks, first_row, found)
    total = None if total else _sum_row(frame, dates, numbers, params, first_row)
    if total is not None:
        problems.append(total)
        frame = _without_trailing_empty_rows(frame.iloc[:-1], columns, first_row, warnings)
        found = []
        dates, numbers = _parse_cells(frame, params, columns, marks, first_row, found)
    problems.extend(found)
    labels = _region_labels(frame, params, columns, first_row, problems)
    if problems:
        raise DataError(source, problems, params.source)
    index = pd.DatetimeIndex(dates, name=spec.date_column)
    if spec.frequency == "daily":  # a day's rows at 08:00 and 17:00 are the same day, twice
        index = index.normalize()
    table = pd.DataFrame(numbers, index=index)
    # the file's row of each week (weekly national data), so that a weekly check can point at the row
    rows = {}
    if spec.frequency == "weekly" and labels is None:
        weeks = table.index.to_period("W-SUN").start_time
        rows = dict(zip(weeks, range(first_row, first_row + len(table)), strict=True))
    long = None
    if labels is not None:
        table, long = _by_region(table, labels, params, first_row, problems)
        if problems:
            raise DataError(source, problems, params.source)
    positions = np.arange(len(table)) + first_row if long is None else None
    table = _to_weeks(table, params, problems, warnings, positions)
    if problems:
        raise DataError(source, problems, params.source)
    _check_values(table, params, problems)
    _check_experiments(table, params, problems)
    _check_funnel(table, params, rows, problems, warnings)
    if problems:
        raise DataError(source, problems, params.source)
    if len(table) < 104 and params.model.seasonality > 0:
        warnings.append(_warning("short_history", weeks=len(table)))
    for cat, cols in spec.spend.columns().items():
        idle = [c for c in cols if (table[c] == 0).all()]
        if idle:
            warnings.append(_warning("idle_spend_column", category=cat, columns=idle))
    regions = None if long is None else _region_weeks(long, pd.DatetimeIndex(table.index), params)
    return Dataset(params=params, frame=table.astype(float), sha256=sha256, warnings=warnings, regions=regions)


def load_data(params: Params, parsed: str | os.PathLike | None = None) -> Dataset:
    """Read and check the data file a params file names.

    Parameters
    ----------
    params : Params
        Validated params; `params.data_path` is the file (CSV, .xlsx or .parquet).
    parsed : str or os.PathLike, optional
        A run folder holding the data parsed once for the run (`save_parsed`). Its frames are read
        back instead of parsing the file again when the file's sha256 and the params still match;
        otherwise the file is parsed and the reason logged. None (a notebook opened on its own):
        the file is parsed.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        Listing every problem found (file, row, column, value and how to fix it).
    """
    path = params.data_path
    shown = params.data.path
    named_by = params.source

    def error(problem: str) -> DataError:
        return DataError(shown, [problem], named_by)

    if not path.is_file():
        raise error(f"data file not found: {path} (data.path is relative to the params file)")
    sha = file_sha256(path)
    if parsed is not None:
        dataset, why = _read_parsed(params, Path(parsed), sha)
        if dataset is not None:
            return dataset
        # no parsed file is the normal case outside `planner run`; a stale or damaged one is worth a word
        (log.info if why.startswith("no parsed data") else log.warning)("parsing %s: %s", shown, why)
    try:
        frame, first_row = read_table(
            path, params.data.sheet, date_column=params.data.date_column, header_row=params.data.header_row
        )
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the CSV as UTF-8") from None
    except (SheetError, NotTextError) as exc:
        raise error(str(exc)) from None
    except (ValueError, KeyError, OSError, ImportError) as exc:
        raise error(f"cannot read the file: {exc}") from None
    except Exception as exc:  # parser errors of the CSV, Excel and Parquet readers
        raise error(f"cannot read the file ({type(exc).__name__}): {exc}") from None
    if "sheet" in frame.attrs:
        shown = f"{shown} (sheet '{frame.attrs['sheet']}')"
    return _build(frame, params, shown, sha, first_row)


def from_frame(frame: pd.DataFrame, params: Params, source: str = "<frame>") -> Dataset:
    """Check an in-memory table the same way as a file (for tests, benchmarks and generators).

    Cells may be numbers (used as they are) or text (read by the file rules); the fingerprint is
    that of the frame written as CSV.
    """
    text = frame.to_csv(index=False)
    cells = _cells(frame.map(lambda v: v.date().isoformat() if isinstance(v, pd.Timestamp) else v))
    cells.columns = [_nfc(c) for c in cells.columns]
    return _build(cells, params, source, hashlib.sha256(text.encode()).hexdigest(), 2)


# -- the parsed data of a run ----------------------------------------------------------------------

#: The parsed weekly data of a run, in its run folder: written once by `planner run`, read by every
#: notebook instead of parsing the source file again (parsing a large file takes minutes).
PARSED_FILE = "data.parquet"
PARSED_REGIONS_FILE = "data-regions.parquet"
_PARSED_FORMAT = "1"
_META_KEY = b"planner.parsed"

log = logging.getLogger(__name__)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks (a large file is never held whole)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def params_fingerprint(params: Params) -> str:
    """The sha256 of every params setting the parse depends on (all of them, and the data file's path).

    A parsed file made under other params (another column list, another date format) is not reused.
    """
    text = params.model_dump_json() + "\n" + str(Path(params.data_path).resolve())
    return hashlib.sha256(text.encode()).hexdigest()


def _write_parquet(table, path: Path) -> None:
    import pyarrow.parquet as pq

    # a new file renamed into place: a notebook never reads a half-written one
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_parsed(dataset: Dataset, folder: str | os.PathLike) -> Path:
    """Write a dataset's weekly frame(s) to `folder` as Parquet, with the source's sha256.

    Parameters
    ----------
    dataset : Dataset
        As `load_data` returned it.
    folder : str or os.PathLike
        The run folder.

    Returns
    -------
    Path
        The file of the national weekly frame (`PARSED_FILE`); with regions also `PARSED_REGIONS_FILE`.
    """
    import pyarrow as pa

    folder = Path(folder)
    frame = dataset.frame
    meta = {
        "format": _PARSED_FORMAT,
        "sha256": dataset.sha256,
        "params": params_fingerprint(dataset.params),
        "warnings": dataset.warnings,
        # Parquet keeps the index but not its frequency; the read-back frame must equal the parsed one
        "freq": frame.index.freqstr if isinstance(frame.index, pd.DatetimeIndex) and frame.index.freq else None,
        "regions": dataset.regions is not None,
    }
    if dataset.regions is not None:
        _write_parquet(pa.Table.from_pandas(dataset.regions, preserve_index=True), folder / PARSED_REGIONS_FILE)
    else:
        (folder / PARSED_REGIONS_FILE).unlink(missing_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=True)
    table = table.replace_schema_metadata({**table.schema.metadata, _META_KEY: json.dumps(meta).encode()})
    target = folder / PARSED_FILE
    _write_parquet(table, target)
    return target


def _read_parsed(params: Params, folder: Path, sha256: str) -> tuple[Dataset | None, str]:
    """The dataset saved in `folder` if it was parsed from the same bytes under the same params.

    Returns the dataset and "", or None and why the file cannot be used.
    """
    import pyarrow.parquet as pq

    path = folder / PARSED_FILE
    if not path.is_file():
        return None, f"no parsed data in {folder}"
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}"))
    except Exception as exc:  # a damaged or foreign file: parse the source instead
        return None, f"cannot read {path} ({type(exc).__name__}: {exc})"
    if meta.get("format") != _PARSED_FORMAT:
        return None, f"{path} is of another format"
    if meta.get("sha256") != sha256:
        was = str(meta.get("sha256"))[:12]
        return None, f"{params.data.path} changed since it was parsed for this run (sha256 {sha256[:12]}, was {was})"
    if meta.get("params") != params_fingerprint(params):
        return None, "the params differ from those the data was parsed with"
    frame = table.to_pandas()
    if meta.get("freq"):
        frame.index.freq = meta["freq"]
    regions = None
    if meta.get("regions"):
        try:
            regions = pq.read_table(folder / PARSED_REGIONS_FILE).to_pandas()
        except Exception as exc:
            return None, f"cannot read {folder / PARSED_REGIONS_FILE} ({type(exc).__name__}: {exc})"
    return Dataset(params=params, frame=frame, sha256=sha256, warnings=meta["warnings"], regions=regions), ""
