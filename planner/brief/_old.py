"""The executive brief (brief.pdf) and the analysts' report (report.html) of one planning run.

`build_pdf(results, path)` draws an A4 brief from the results.json dict alone: page 1 holds what
an executive needs (the recommendation in one sentence, the splits side by side, what the data
says about the 80/10/10 claim, how far to trust it); page 2 holds the detail. The layout is
ReportLab platypus; the charts are matplotlib figures rendered to PDF and stamped onto the pages
as vector graphics with pypdf. `export_html` bundles executed notebooks into one offline HTML file.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepInFrame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from planner import CATEGORIES, __version__
from planner.charts import COLORS
from planner.charts import brief as brief_charts
from planner.diagnostics import CLAIM_BANDS
from planner.i18n import Messages, round_sig

__all__ = ["Headline", "build_pdf", "export_html", "headline", "register_fonts", "show_pages"]

# -- look -------------------------------------------------------------------------------------

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5f6670")
RULE = colors.HexColor("#d5d9de")
PANEL = colors.HexColor("#f3f5f7")
QUALITY_COLORS = {"good": "#009E73", "fair": "#E69F00", "weak": "#D55E00", None: "#999999"}
TINT = {"good": "#e8f5ef", "fair": "#fdf3e0", "weak": "#fbe9df", None: "#f0f0f0"}
MARGIN_X = 17 * mm
MARGIN_TOP = 15 * mm
MARGIN_BOTTOM = 19 * mm
PAGE_W, PAGE_H = A4
CONTENT_W = PAGE_W - 2 * MARGIN_X
CONTENT_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
MAX_WARNINGS_PAGE1 = 3
MAX_WARNINGS_PAGE2 = 8
MAX_SCENARIOS = 8
# moves smaller than this share of the budget are reported as "keep the current split"
KEEP_BELOW = 0.05


def register_fonts() -> None:
    """Register DejaVu Sans (bundled with matplotlib) so ä, ö and € render on every OS."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(ttf / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFont(TTFont(FONT + "-Oblique", str(ttf / "DejaVuSans-Oblique.ttf")))
    pdfmetrics.registerFont(TTFont(FONT + "-BoldOblique", str(ttf / "DejaVuSans-BoldOblique.ttf")))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT + "-Oblique", boldItalic=FONT + "-BoldOblique"
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=8.6, leading=12, textColor=INK, alignment=TA_LEFT)
    return {
        "body": base,
        "title": ParagraphStyle("title", base, fontName=FONT_BOLD, fontSize=17, leading=21),
        "meta": ParagraphStyle("meta", base, fontSize=8, leading=11, textColor=MUTED),
        "headline": ParagraphStyle("headline", base, fontName=FONT_BOLD, fontSize=12.2, leading=16.5),
        "h2": ParagraphStyle("h2", base, fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=0, spaceAfter=0),
        "small": ParagraphStyle("small", base, fontSize=7.2, leading=9.6, textColor=MUTED),
        "cell": ParagraphStyle("cell", base, fontSize=8.2, leading=10.5),
        "cell_r": ParagraphStyle("cell_r", base, fontSize=8.2, leading=10.5, alignment=2),
        "cell_r_small": ParagraphStyle("cell_r_small", base, fontSize=7.2, leading=10.5, alignment=2, textColor=MUTED),
        "cell_head": ParagraphStyle("cell_head", base, fontName=FONT_BOLD, fontSize=7.8, leading=10, textColor=MUTED),
        "cell_head_r": ParagraphStyle(
            "cell_head_r", base, fontName=FONT_BOLD, fontSize=7.8, leading=10, textColor=MUTED, alignment=2
        ),
        "mark": ParagraphStyle(
            "mark", base, fontName=FONT_BOLD, fontSize=9, leading=11, textColor=colors.white, alignment=1
        ),
        "bullet": ParagraphStyle(
            "bullet",
            base,
            fontSize=8.2,
            leading=11,
            leftIndent=9,
            bulletIndent=0,
            bulletFontName=FONT,
            bulletFontSize=8.2,
        ),
    }


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=False)


# -- reading results.json ---------------------------------------------------------------------


def _get(d: Mapping | None, *keys: str, default: Any = None) -> Any:
    for key in keys:
        if not isinstance(d, Mapping) or key not in d:
            return default
        d = d[key]
    return d if d is not None else default


def _language(results: Mapping) -> str:
    lang = _get(results, "params", "report", "language", default="en")
    return lang if lang in ("en", "fi") else "en"


def _split_label(split: Mapping[str, float]) -> str:
    return "/".join(f"{round(100 * float(split.get(c, 0)))}" for c in CATEGORIES)


def _budget(alloc: Mapping) -> float:
    total = alloc.get("total_budget")
    if total:
        return float(total)
    return float(sum(_get(alloc, "recommended", "euros", default={}).values()))


def _cost(entry: Mapping, budget: float) -> float | None:
    if entry.get("cost_per_encounter") is not None:
        return float(entry["cost_per_encounter"])
    enc = entry.get("expected_encounters")
    euros = entry.get("euros")
    total = sum(euros.values()) if isinstance(euros, Mapping) else budget
    return total / enc if enc else None


def _scenarios(alloc: Mapping) -> list[tuple[str, Mapping]]:
    """(name, entry) pairs: the scenarios list or mapping, else current/reference/recommended."""
    raw = alloc.get("scenarios")
    pairs: list[tuple[str, Mapping]] = []
    if isinstance(raw, Mapping):
        pairs = [(str(k), v) for k, v in raw.items() if isinstance(v, Mapping)]
    elif isinstance(raw, Sequence):
        pairs = [(str(v.get("name", f"#{i + 1}")), v) for i, v in enumerate(raw) if isinstance(v, Mapping)]
    names = {n for n, _ in pairs}
    for key in ("current", "reference", "recommended"):
        if key not in names and isinstance(alloc.get(key), Mapping):
            pairs.append((key, alloc[key]))
    order = {"current": 0, "recommended": 1, "reference": 2}
    return sorted(pairs, key=lambda p: order.get(p[0], 3))


def _scenario_name(name: str, alloc: Mapping, m: Messages) -> str:
    if name in ("current", "recommended", "unbounded"):
        return m(f"scenario_{name}")
    if name == "reference":
        return m("scenario_reference", ref=_split_label(_get(alloc, "reference", "split", default={})))
    return name


def _enc(x: float) -> float:
    """Encounters as tables show them: three significant figures."""
    return round_sig(x, 3)


def _money_step(budget: float) -> int:
    return 1000 if budget >= 100_000 else 100 if budget >= 10_000 else 1


def _round_money(euros: float, budget: float) -> float:
    """Euros as tables show them: to the thousand on a budget of hundreds of thousands."""
    step = _money_step(budget)
    return round(euros / step) * step


# -- the headline -----------------------------------------------------------------------------


@dataclass
class Headline:
    """The brief's one-sentence recommendation and the formatted numbers it contains.

    kind follows the plan's ``action``: "move" (a clear gain), "weak" (``test``: the model is weak,
    the best split is a direction to test), and for ``keep`` "uncertain" (the best split may not beat
    the current one), "keep" (the best split is close to the current one) or "keep_none" (no split
    does better).
    """

    kind: str
    text: str
    numbers: dict[str, str] = field(default_factory=dict)


def headline(results: Mapping) -> Headline:
    """The recommendation in one sentence, with its numbers formatted for the brief's language.

    Numbers are rounded to two significant figures ("EUR 310,000", "about 4,200"): a headline that
    quotes 58,371 encounters claims a precision the model does not have.

    Parameters
    ----------
    results : mapping
        The results.json dict (needs ``allocation``; reads ``model.quality`` and ``params.report``).

    Returns
    -------
    Headline
    """
    m = Messages(_language(results))
    alloc = results["allocation"]
    weeks = int(alloc.get("horizon_weeks") or _get(results, "params", "plan", "horizon_weeks", default=13))
    budget = _budget(alloc)
    action = alloc.get("action", "move")
    current = alloc["current"]["euros"]
    # keep and test leave the money where it is; the sentence then describes the best split found
    recommended = (alloc.get("candidate") or alloc["recommended"])["euros"]
    diff = {c: float(recommended.get(c, 0)) - float(current.get(c, 0)) for c in CATEGORIES}
    moved = sum(d for d in diff.values() if d > 0)
    threshold = 0.01 * budget
    sources = sorted((c for c in CATEGORIES if diff[c] < -threshold), key=lambda c: diff[c])
    targets = sorted((c for c in CATEGORIES if diff[c] > threshold), key=lambda c: -diff[c])
    gain = alloc.get("gain_vs_current") or {}
    g = float(gain.get("encounters") or 0.0)
    low, high, prob = gain.get("low"), gain.get("high"), gain.get("probability_better")
    has_interval = low is not None and high is not None
    period = m.period(weeks)

    numbers = {"amount": m.eur(round_sig(moved)), "gain": m.int(round_sig(g))}
    if has_interval:
        numbers.update(low=m.signed(round_sig(low)), high=m.signed(round_sig(high)))
    if prob is not None:
        numbers["prob"] = m.prob(float(prob))
    interval = m("hl_interval", low=numbers["low"], high=numbers["high"]) if has_interval else ""
    prob_clause = m("hl_prob", prob=numbers["prob"]) if prob is not None else ""
    words = {
        "sources": m.categories(sources, "ela"),
        "targets": m.categories(targets, "ill"),
        "period": period,
        "amount": numbers["amount"],
        "gain": numbers["gain"],
        "interval": interval,
    }
    note = "" if has_interval else " " + m("hl_no_interval")

    if action == "move":
        text = m("headline_move", **words, prob_clause=prob_clause)
        return Headline("move", text[:1].upper() + text[1:] + note, numbers)
    if action == "test" and round_sig(g) > 0 and moved >= 0.005 * budget and sources and targets:
        text = m("headline_weak", **words, prob_clause=prob_clause)
        return Headline("weak", text[:1].upper() + text[1:] + note, numbers)
    if round_sig(g) <= 0 or moved < 0.005 * budget:
        cur = alloc["current"]
        numbers = {"encounters": m.int(round_sig(cur["expected_encounters"]))}
        interval = ""
        if cur.get("low") is not None and cur.get("high") is not None:
            numbers.update(low=m.int(round_sig(cur["low"])), high=m.int(round_sig(cur["high"])))
            interval = m("hl_interval", low=numbers["low"], high=numbers["high"])
        text = m("headline_keep_none", period=period, encounters=numbers["encounters"], interval=interval)
        return Headline("keep_none", text, numbers)
    if prob is not None and sources and targets and moved >= KEEP_BELOW * budget:
        text = m("headline_uncertain", **words, doubt=m("hl_doubt_prob", prob=numbers["prob"]))
        return Headline("uncertain", text[:1].upper() + text[1:] + note, numbers)
    numbers["gain"] = words["gain"] = m.signed(round_sig(g))
    numbers.pop("prob", None)
    return Headline("keep", m("headline_keep", **words) + note, numbers)


# -- charts as vector graphics ----------------------------------------------------------------


class _ChartSlot(Flowable):
    """Reserves the space of a matplotlib figure; the figure's own PDF page is stamped there later.

    ReportLab cannot import a PDF page, so the layout records where each chart lands (page and
    rectangle, after any scaling) and `_stamp_charts` merges the vector chart onto that spot.
    """

    def __init__(self, fig: Figure, placed: list):
        super().__init__()
        buffer = io.BytesIO()
        with matplotlib.rc_context({"pdf.fonttype": 42}):
            fig.savefig(buffer, format="pdf", metadata={"Creator": None, "Producer": None, "CreationDate": None})
        self.pdf = buffer.getvalue()
        width, height = fig.get_size_inches()
        self.width, self.height = float(width) * 72, float(height) * 72
        self._placed = placed

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        x0, y0 = self.canv.absolutePosition(0, 0)
        x1, y1 = self.canv.absolutePosition(self.width, self.height)
        self._placed.append((self.canv.getPageNumber(), x0, y0, x1, y1, self.pdf))


def _stamp_charts(pdf_bytes: bytes, placed: list) -> bytes:
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes)))
    for page_no, x0, y0, x1, y1, chart_pdf in placed:
        chart = PdfReader(io.BytesIO(chart_pdf)).pages[0]
        box = chart.mediabox
        sx = (x1 - x0) / float(box.width)
        sy = (y1 - y0) / float(box.height)
        ctm = Transformation().translate(-float(box.left), -float(box.bottom)).scale(sx, sy).translate(x0, y0)
        writer.pages[page_no - 1].merge_transformed_page(chart, ctm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- page furniture ---------------------------------------------------------------------------


def _footer_lines(results: Mapping, m: Messages) -> tuple[str, str]:
    report = _get(results, "params", "report", default={})
    data = results.get("data") or {}
    run = results.get("run") or {}
    left = " · ".join(x for x in (report.get("organisation"), _title(results, m)) if x)
    parts = []
    params_file = run.get("params_file")
    if params_file:
        parts.append(f"{m('footer_params')} {Path(str(params_file)).name}")
    if data.get("start") and data.get("end"):
        parts.append(f"{m('footer_data')} {m.period_dates(data['start'], data['end'])}")
    if data.get("sha256"):
        parts.append(f"{m('footer_fingerprint')} {str(data['sha256'])[:12]}")
    when = run.get("finished") or run.get("started")
    if when:
        try:
            parts.append(f"{m('footer_run')} {m.datetime(when)}")
        except ValueError:
            parts.append(f"{m('footer_run')} {when}")
    parts.append(f"planner {results.get('planner_version') or __version__}")
    return left, " · ".join(parts)


def _canvas_maker(results: Mapping, m: Messages):
    left, right = _footer_lines(results, m)

    class FooterCanvas(rl_canvas.Canvas):
        """Draws the footer on every page once the page count is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int):
            y = MARGIN_BOTTOM - 9 * mm
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(MARGIN_X, y + 9.5, PAGE_W - MARGIN_X, y + 9.5)
            self.setFillColor(MUTED)
            self.setFont(FONT_BOLD, 6.8)
            self.drawString(MARGIN_X, y, left)
            self.setFont(FONT, 6.8)
            self.drawRightString(PAGE_W - MARGIN_X, y, m("footer_page", page=self._pageNumber, pages=total))
            self.drawString(MARGIN_X, y - 9, right)
            self.restoreState()

    return FooterCanvas


# -- sections ---------------------------------------------------------------------------------


def _title(results: Mapping, m: Messages) -> str:
    title = _get(results, "params", "report", "title")
    if not title or (title == Messages("en")("default_title") and m.lang != "en"):
        return m("default_title")
    return title


def _section(text: str, st) -> list:
    rule = Table([[Paragraph(_esc(text), st["h2"])]], colWidths=[CONTENT_W])
    rule.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return [Spacer(1, 11), rule, Spacer(1, 6)]


def _side_by_side(left, right, left_width: float, gap: float = 10) -> Table:
    table = Table([[left, right]], colWidths=[left_width, CONTENT_W - left_width])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, -1), gap),
                ("RIGHTPADDING", (1, 0), (1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _header(results: Mapping, m: Messages, st) -> list:
    alloc = results.get("allocation") or {}
    data = results.get("data") or {}
    weeks = int(alloc.get("horizon_weeks") or 13)
    org = _get(results, "params", "report", "organisation")
    budget = _budget(alloc) if alloc else None
    meta = m(
        "subtitle",
        budget=m.eur(_round_money(budget, budget)) if budget else "–",
        period=m.period(weeks, "for"),
        weeks=m.int(data.get("rows", 0)),
        data_period=m.period_dates(data["start"], data["end"]) if data.get("start") else "",
    )
    items = [Paragraph(_esc(_title(results, m)), st["title"])]
    if org:
        items.append(Paragraph(_esc(org), ParagraphStyle("org", st["meta"], fontName=FONT_BOLD, textColor=INK)))
    items += [Spacer(1, 1), Paragraph(_esc(meta), st["meta"]), Spacer(1, 9)]
    return items


def _headline_box(results: Mapping, m: Messages, st) -> tuple[list, Headline]:
    head = headline(results)
    quality = _get(results, "model", "quality")
    accent = QUALITY_COLORS.get(quality if head.kind in ("move", "uncertain", "weak") else None, QUALITY_COLORS[None])
    if head.kind == "move":
        accent = COLORS["recommended"]
    box = Table([[Paragraph(_esc(head.text), st["headline"])]], colWidths=[CONTENT_W])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), PANEL),
                ("LINEBEFORE", (0, 0), (0, -1), 4, colors.HexColor(accent)),
                ("LEFTPADDING", (0, 0), (-1, -1), 12),
                ("RIGHTPADDING", (0, 0), (-1, -1), 12),
                ("TOPPADDING", (0, 0), (-1, -1), 9),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 11),
            ]
        )
    )
    return [box], head


def next_test_text(results: Mapping, m: Messages) -> str | None:
    """The proposed lift test in one sentence, when the plan's action is ``test``."""
    test = results.get("next_test")
    if not test or (results.get("allocation") or {}).get("action") != "test":
        return None
    return m(
        "next_test",
        category=m.category(test["category"], "gen"),
        change=m.eur(round_sig(test["spend_change_eur_per_week"])),
        weeks=m.int(test["weeks"]),
        lift=m.int(round_sig(abs(test["expected_lift"]))),
        detectable=m.int(round_sig(test["detectable_lift"])),
        power=m.prob(float(test["power"])),
    )


def _next_test(results: Mapping, m: Messages, st) -> list:
    text = next_test_text(results, m)
    return [Spacer(1, 4), Paragraph(_esc(text), st["body"]), Spacer(1, 2)] if text else []


def _warnings(results: Mapping, m: Messages) -> list[str]:
    """Translated warnings, most decision-relevant first."""
    codes = results.get("warning_codes") or []
    texts = results.get("warnings") or []
    out = []
    for i, entry in enumerate(codes):
        if not isinstance(entry, Mapping):
            continue
        text = texts[i] if len(texts) == len(codes) else None
        out.append((entry.get("code"), m.warning(entry, text)))
    if not codes:
        out = [(None, t) for t in texts]
    priority = [
        "poor_holdout",
        "plan_beyond_history",
        "low_variation",
        "collinearity",
        "at_bound",
        "plan_below_history",
        "autocorrelation",
        "short_history",
    ]
    out.sort(key=lambda p: priority.index(p[0]) if p[0] in priority else len(priority))
    return [t for _, t in out]


def _quality_box(results: Mapping, m: Messages, st) -> list:
    quality = _get(results, "model", "quality")
    key = quality if quality in ("good", "fair", "weak") else None
    mark, sentence = m.quality(quality)
    warnings = _warnings(results, m)
    shown = warnings[:MAX_WARNINGS_PAGE1]
    text = f"<b>{_esc(m('quality_label'))}: {_esc(mark)}.</b> {_esc(sentence)}"
    cells = [Paragraph(text, st["body"])]
    for w in shown:
        cells.append(Paragraph(_esc(w), st["bullet"], bulletText="•"))
    if len(warnings) > len(shown):
        cells.append(Paragraph(_esc(m("more_warnings", n=len(warnings) - len(shown))), st["small"]))
    pill = Table([[Paragraph(_esc(mark), st["mark"])]], colWidths=[25 * mm], rowHeights=[16])
    pill.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(QUALITY_COLORS[key])),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ROUNDEDCORNERS", [3, 3, 3, 3]),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    table = Table([[pill, cells]], colWidths=[25 * mm + 10, CONTENT_W - 25 * mm - 10])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(TINT[key])),
                ("LEFTPADDING", (0, 0), (0, -1), 8),
                ("LEFTPADDING", (1, 0), (1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 7),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return [Spacer(1, 6), table]


def _interval_level(results: Mapping, m: Messages) -> str:
    level = _get(results, "allocation", "interval") or _get(results, "params", "model", "interval", default=0.8)
    return m.pct(float(level))


def _split_section(results: Mapping, m: Messages, st, placed: list, figures: dict) -> list:
    alloc = results["allocation"]
    budget = _budget(alloc)
    weeks = int(alloc.get("horizon_weeks") or 13)
    ref_label = _split_label(_get(alloc, "reference", "split", default={}))
    cols = [
        ("current", m("col_current")),
        ("recommended", m("col_recommended")),
        ("reference", m("col_reference", ref=ref_label)),
    ]
    cols = [(k, label) for k, label in cols if isinstance(alloc.get(k), Mapping)]
    head = [Paragraph("", st["cell_head"])] + [Paragraph(_esc(label), st["cell_head_r"]) for _, label in cols]
    rows = [head]
    for c in CATEGORIES:
        swatch = f'<font color="{COLORS[c]}">■</font> '
        row = [Paragraph(swatch + _esc(m.category(c, "cap")), st["cell"])]
        for k, _ in cols:
            entry = alloc[k]
            share = float(_get(entry, "split", c, default=0.0))
            euros = float(_get(entry, "euros", c, default=share * budget))
            row.append(
                Paragraph(
                    f"<b>{_esc(m.pct(share))}</b><br/><font size=7 color='#5f6670'>"
                    f"{_esc(m.eur(_round_money(euros, budget)))}</font>",
                    st["cell_r"],
                )
            )
        rows.append(row)
    enc_row = [Paragraph(_esc(m("row_encounters")), st["cell"])]
    int_row = [Paragraph(_esc(m("row_interval", level=_interval_level(results, m))), st["cell"])]
    cost_row = [Paragraph(_esc(m("row_cost")), st["cell"])]
    for k, _ in cols:
        entry = alloc[k]
        enc = entry.get("expected_encounters")
        enc_row.append(Paragraph(f"<b>{_esc(m.int(_enc(enc)))}</b>" if enc is not None else "–", st["cell_r"]))
        if entry.get("low") is not None and entry.get("high") is not None:
            int_row.append(
                Paragraph(_esc(f"{m.int(_enc(entry['low']))}–{m.int(_enc(entry['high']))}"), st["cell_r_small"])
            )
        else:
            int_row.append(Paragraph("–", st["cell_r"]))
        cost = _cost(entry, budget)
        cost_row.append(Paragraph(_esc(m.eur_cost(cost)) if cost else "–", st["cell_r"]))
    rows += [enc_row, int_row, cost_row]
    first_w = 84
    col_w = 76
    table = Table(rows, colWidths=[first_w] + [col_w] * len(cols))
    style = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEABOVE", (0, 4), (-1, 4), 0.6, RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, RULE),
    ]
    if "recommended" in [k for k, _ in cols]:
        ci = 1 + [k for k, _ in cols].index("recommended")
        style.append(("BACKGROUND", (ci, 0), (ci, -1), colors.HexColor("#e6f4ee")))
    table.setStyle(TableStyle(style))
    note = Paragraph(_esc(m("split_note", weeks=m.int(weeks), period=m.period(weeks, "for"))), st["small"])
    left = [table, Spacer(1, 4), note]

    short = {"current": m("col_current"), "recommended": m("col_recommended"), "reference": ref_label}
    bars = [(short[k], alloc[k]["split"]) for k, _ in cols]
    gap = 14
    fig = brief_charts.split_bars(
        bars, m, width=(CONTENT_W - first_w - col_w * len(cols) - gap) / 72, height=1.5, highlight=m("col_recommended")
    )
    figures["brief_split"] = fig
    right = [Spacer(1, 6), _ChartSlot(fig, placed)]
    return [_side_by_side(left, right, first_w + col_w * len(cols) + gap, gap=gap)]


VERDICTS = {
    "consistent": "consistent",
    "supported": "consistent",
    "supports": "consistent",
    "partly": "partly",
    "partial": "partly",
    "partially": "partly",
    "mixed": "partly",
    "contradicted": "contradicted",
    "contradicts": "contradicted",
    "inconsistent": "contradicted",
    "not_consistent": "contradicted",
    "rejected": "contradicted",
    "inconclusive": "inconclusive",
    "uncertain": "inconclusive",
    "unclear": "inconclusive",
    "undetermined": "inconclusive",
}


def _spend_shares(results: Mapping) -> dict[str, float] | None:
    spend = _get(results, "data", "spend_by_category", "all")
    if not isinstance(spend, Mapping):
        return None
    total = sum(float(v) for v in spend.values())
    return {c: float(spend[c]) / total for c in CATEGORIES if c in spend} if total > 0 else None


def _identified(results: Mapping, category: str) -> bool:
    return bool(_get(results, "model", "identified", category, default=True))


def _claim_parts(results: Mapping, contrib: Mapping, m: Messages) -> list[str]:
    parts = []
    for c in CATEGORIES:
        row = contrib.get(c)
        if not isinstance(row, Mapping):
            continue
        name = m.category(c, "nom")
        share, low, high = row.get("share"), row.get("low"), row.get("high")
        if not _identified(results, c) or share is None:
            parts.append(m("claim_part_unknown", category=name))
        elif low is None or high is None:
            parts.append(m("claim_part_point", category=name, share=m.pct(share)))
        else:
            parts.append(m("claim_part", category=name, share=m.pct(share), low=m.number(100 * low), high=m.pct(high)))
    return parts


def _claim_verdict_text(results: Mapping, m: Messages) -> str | None:
    claim = _get(results, "model", "claim", default={})
    verdict = VERDICTS.get(str(claim.get("verdict", "")).lower())
    if verdict == "contradicted" and claim.get("category") in CLAIM_BANDS:
        c = claim["category"]
        band = f"{m.number(100 * CLAIM_BANDS[c][0])}–{m.pct(CLAIM_BANDS[c][1])}"
        direction = m("claim_more" if claim.get("direction") == "more" else "claim_less")
        return m("claim_contradicted_by", category=m.category(c), direction=direction, band=band)
    if verdict == "inconclusive":
        unknown = [c for c in CATEGORIES if not _identified(results, c)]
        if unknown:
            return m("claim_inconclusive_unknown", categories=m.categories(unknown, "gen"))
    if verdict:
        return m(f"claim_{verdict}")
    return str(claim["text"]) if claim.get("text") else None


def _claim_section(results: Mapping, m: Messages, st, placed: list, figures: dict) -> list:
    contrib = results.get("contributions") or {}
    if not contrib:
        return []
    spend = _spend_shares(results)
    shown = {c: row for c, row in contrib.items() if isinstance(row, Mapping) and _identified(results, c)}
    fig = brief_charts.claim_shares(
        {c: contrib[c] for c in CATEGORIES if c in contrib},
        spend,
        CLAIM_BANDS,
        m,
        width=86 / 25.4,
        height=1.5,
        unknown=[c for c in CATEGORIES if c in contrib and c not in shown],
    )
    figures["brief_claim"] = fig

    parts = _claim_parts(results, contrib, m)
    joined = ", ".join(parts[:-1]) + m("and") + parts[-1] if len(parts) > 1 else "".join(parts)
    texts = [m("claim_shares", parts=joined)]
    verdict = _claim_verdict_text(results, m)
    if verdict:
        texts.append(verdict)
    quality = _get(results, "model", "quality")
    if spend and quality != "weak":
        gaps = {
            c: spend[c] - shown[c]["share"]
            for c in CATEGORIES
            if c in spend and shown.get(c, {}).get("share") is not None
        }
        worst = max(gaps, key=gaps.get) if gaps else None
        if worst and gaps[worst] >= 0.15:
            texts.append(
                m(
                    "claim_gap",
                    category=m.category(worst, "cap"),
                    spend=m.pct(spend[worst]),
                    effect=m.pct(shown[worst]["share"]),
                )
            )
    right = []
    for i, t in enumerate(texts):
        right += [Paragraph(_esc(t), st["body"]), Spacer(1, 5 if i < len(texts) - 1 else 0)]
    return [_side_by_side([_ChartSlot(fig, placed)], right, 86 * mm + 10, gap=10)]


def _frontier_section(results: Mapping, m: Messages, st, placed: list, figures: dict) -> list:
    alloc = results.get("allocation") or {}
    rows_f = [r for r in alloc.get("frontier") or [] if r.get("expected_encounters") is not None]
    if len(rows_f) < 2:
        return []
    budget = _budget(alloc)
    weeks = int(alloc.get("horizon_weeks") or 13)
    story = _section(m("sec_frontier"), st)
    cur = alloc.get("current") or {}
    current_point = (budget, cur["expected_encounters"]) if cur.get("expected_encounters") else None
    fig = brief_charts.frontier(
        rows_f, m, budget=budget, current=current_point, period=m.period(weeks, "noun"), width=86 / 25.4, height=1.6
    )
    figures["brief_frontier"] = fig
    near = min(rows_f, key=lambda r: abs(r["budget"] - budget))
    texts = []
    marginal = near.get("marginal_cost_per_encounter")
    if marginal:
        per_step = 10 ** max(len(str(int(budget))) - 2, 2)  # EUR 10,000 on a budget of 100,000s
        texts.append(
            m(
                "frontier_text",
                budget=m.eur(round_sig(near["budget"], 3)),
                marginal=m.eur_cost(marginal),
                step=m.eur(per_step),
                per_step=m.int(round_sig(per_step / marginal)),
            )
        )
    story.append(
        _side_by_side([_ChartSlot(fig, placed)], [Paragraph(_esc(t), st["body"]) for t in texts], 86 * mm + 10)
    )
    return story


def _detail_page(results: Mapping, m: Messages, st, placed: list, figures: dict) -> list:
    alloc = results.get("allocation") or {}
    budget = _budget(alloc) if alloc else 0.0
    weeks = int(alloc.get("horizon_weeks") or 13)
    data = results.get("data") or {}
    story: list = [
        Paragraph(
            _esc(f"{m('detail_title')} · {_title(results, m)}"), st["title"].clone("t2", fontSize=13, leading=16)
        ),
        Spacer(1, 2),
    ]

    # scenarios
    if alloc:
        story += _section(m("sec_scenarios", period=m.period(weeks, "noun")), st)
        head = (
            [m("col_scenario")]
            + [m.category(c, "cap") for c in CATEGORIES]
            + [m("col_encounters"), m("col_interval", level=_interval_level(results, m)), m("col_cost")]
        )
        rows = [[Paragraph(_esc(h), st["cell_head"] if i == 0 else st["cell_head_r"]) for i, h in enumerate(head)]]
        pairs = _scenarios(alloc)
        unbounded = alloc.get("unbounded")
        if isinstance(unbounded, Mapping) and _differs(unbounded, alloc.get("recommended")):
            pairs.append(("unbounded", unbounded))
        for name, entry in pairs[:MAX_SCENARIOS]:
            bold = name == "recommended"
            label = _esc(_scenario_name(name, alloc, m))
            row = [Paragraph(f"<b>{label}</b>" if bold else label, st["cell"])]
            for c in CATEGORIES:
                share = float(_get(entry, "split", c, default=0.0))
                euros = float(_get(entry, "euros", c, default=share * budget))
                row.append(
                    Paragraph(
                        f"{_esc(m.eur(_round_money(euros, budget)))}<br/>"
                        f"<font size=7 color='#5f6670'>{_esc(m.pct(share))}</font>",
                        st["cell_r"],
                    )
                )
            enc = entry.get("expected_encounters")
            row.append(Paragraph(f"<b>{_esc(m.int(_enc(enc)))}</b>" if enc is not None else "–", st["cell_r"]))
            lo, hi = entry.get("low"), entry.get("high")
            row.append(
                Paragraph(
                    _esc(f"{m.int(_enc(lo))}–{m.int(_enc(hi))}") if lo is not None and hi is not None else "–",
                    st["cell_r"],
                )
            )
            cost = _cost(entry, budget)
            row.append(Paragraph(_esc(m.eur_cost(cost)) if cost else "–", st["cell_r"]))
            rows.append(row)
        widths = [86, 64, 64, 64, 68, 82]
        widths.append(CONTENT_W - sum(widths))
        table = Table(rows, colWidths=widths, repeatRows=1)
        style = _table_style(len(rows))
        names = [n for n, _ in pairs[:MAX_SCENARIOS]]
        if "recommended" in names:
            r = 1 + names.index("recommended")
            style.add("BACKGROUND", (0, r), (-1, r), colors.HexColor("#e6f4ee"))
        table.setStyle(style)
        story.append(table)

    # contributions
    contrib = results.get("contributions") or {}
    if contrib:
        period = m.period_dates(data["start"], data["end"]) if data.get("start") else ""
        story += _section(m("sec_contrib", data_period=period), st)
        spend = _get(data, "spend_by_category", "all", default={})
        head = [m("col_category"), m("col_spend"), m("col_share"), m("col_generated"), m("row_cost"), m("col_marginal")]
        rows = [[Paragraph(_esc(h), st["cell_head"] if i == 0 else st["cell_head_r"]) for i, h in enumerate(head)]]
        for c in CATEGORIES:
            if c not in contrib:
                continue
            row_c = contrib[c]
            swatch = f'<font color="{COLORS[c]}">■</font> '
            spend_c = spend.get(c)
            rows.append(
                [
                    Paragraph(swatch + _esc(m.category(c, "cap")), st["cell"]),
                    Paragraph(_esc(m.eur(round_sig(spend_c, 3))) if spend_c is not None else "–", st["cell_r"]),
                    Paragraph(_share_cell(results, c, row_c, m), st["cell_r"]),
                    Paragraph(
                        _esc(m.int(_enc(row_c["encounters"]))) if row_c.get("encounters") is not None else "–",
                        st["cell_r"],
                    ),
                    Paragraph(
                        _esc(m.eur_cost(row_c["cost_per_encounter"])) if row_c.get("cost_per_encounter") else "–",
                        st["cell_r"],
                    ),
                    Paragraph(
                        _esc(m.eur_cost(row_c["marginal_cost_per_encounter"]))
                        if row_c.get("marginal_cost_per_encounter")
                        else "–",
                        st["cell_r"],
                    ),
                ]
            )
        widths = [78, 72, 100, 75, 72]
        widths.append(CONTENT_W - sum(widths))
        table = Table(rows, colWidths=widths)
        table.setStyle(_table_style(len(rows)))
        story += [table, Spacer(1, 3), Paragraph(_esc(m("contrib_note", weeks=m.int(weeks))), st["small"])]
        story += _curves_section(results, m, st)

    # model checks and warnings
    story += _section(m("sec_model"), st)
    quality = _get(results, "model", "quality")
    key = quality if quality in ("good", "fair", "weak") else None
    mark, _ = m.quality(quality)
    stats = _stats_line(results, m)
    story.append(
        Paragraph(
            f"<font color='{QUALITY_COLORS[key]}'><b>● {_esc(m('quality_label'))}: {_esc(mark)}</b></font>"
            + (f" · {_esc(stats)}" if stats else ""),
            st["body"],
        )
    )
    warnings = _warnings(results, m)
    story.append(Spacer(1, 3))
    for w in warnings[:MAX_WARNINGS_PAGE2]:
        story.append(Paragraph(_esc(w), st["bullet"], bulletText="•"))
    if len(warnings) > MAX_WARNINGS_PAGE2:
        story.append(Paragraph(_esc(m("more_warnings_report", n=len(warnings) - MAX_WARNINGS_PAGE2)), st["small"]))
    if not warnings:
        story.append(Paragraph(_esc(m("no_warnings")), st["body"]))

    # bounds
    if alloc.get("bounds") or alloc.get("binding") is not None:
        story += _section(m("sec_bounds"), st)
        story += [Paragraph(_esc(t), st["body"]) for t in _bounds_texts(alloc, m, budget)]
    return story


def _curves_section(results: Mapping, m: Messages, st) -> list:
    """Where each category sits on its response curve: carryover, half-saturation, spend now."""
    model = results.get("model") or {}
    decay, half, shape = (model.get(k) or {} for k in ("decay", "half_saturation", "shape"))
    if not (decay and half and shape):
        return []
    weeks = int(
        _get(results, "allocation", "horizon_weeks", default=0)
        or _get(results, "params", "plan", "horizon_weeks", default=13)
    )
    last = _get(results, "data", "spend_by_category", "last_horizon", default={})
    head = [
        m("col_category"),
        m("col_halflife"),
        m("col_half_sat"),
        m("col_spend_week", weeks=m.int(weeks)),
        m("col_saturation"),
    ]
    rows = [[Paragraph(_esc(h), st["cell_head"] if i == 0 else st["cell_head_r"]) for i, h in enumerate(head)]]
    for c in CATEGORIES:
        if c not in decay or c not in half or c not in shape:
            continue
        lam, k, s = float(decay[c]), float(half[c]), float(shape[c])
        if lam < 0.5:
            life = m("halflife_short")
        else:
            life = m("halflife_weeks", n=m.number(math.log(0.5) / math.log(lam), 1))
        per_week = float(last[c]) / weeks if c in last and weeks else None
        level = per_week**s / (per_week**s + k**s) if per_week else None
        swatch = f'<font color="{COLORS[c]}">■</font> '
        rows.append(
            [
                Paragraph(swatch + _esc(m.category(c, "cap")), st["cell"]),
                Paragraph(_esc(life), st["cell_r"]),
                Paragraph(_esc(m.eur(round_sig(k, 2))), st["cell_r"]),
                Paragraph(_esc(m.eur(round_sig(per_week, 2))) if per_week else "–", st["cell_r"]),
                Paragraph(f"<b>{_esc(m.pct(level))}</b>" if level is not None else "–", st["cell_r"]),
            ]
        )
    widths = [78, 100, 100, 110]
    widths.append(CONTENT_W - sum(widths))
    table = Table(rows, colWidths=widths)
    table.setStyle(_table_style(len(rows)))
    return [*_section(m("sec_curves"), st), table, Spacer(1, 3), Paragraph(_esc(m("curves_note")), st["small"])]


def _share_cell(results: Mapping, category: str, row: Mapping, m: Messages) -> str:
    share, low, high = row.get("share"), row.get("low"), row.get("high")
    if not _identified(results, category) or share is None:
        return f"<i>{_esc(m('chart_claim_unknown'))}</i>"
    text = f"<b>{_esc(m.pct(share))}</b>"
    if low is not None and high is not None:
        text += f" <font size=7 color='#5f6670'>({_esc(m.number(100 * low))}–{_esc(m.pct(high))})</font>"
    return text


def _table_style(n_rows: int) -> TableStyle:
    style = TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
            ("LINEBELOW", (0, -1), (-1, -1), 0.6, RULE),
        ]
    )
    for r in range(2, n_rows, 2):
        style.add("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f7f8f9"))
    return style


def _differs(a: Mapping | None, b: Mapping | None, tol: float = 0.02) -> bool:
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return False
    sa, sb = a.get("split") or {}, b.get("split") or {}
    return any(abs(float(sa.get(c, 0)) - float(sb.get(c, 0))) > tol for c in CATEGORIES)


def _stats_line(results: Mapping, m: Messages) -> str:
    model = results.get("model") or {}
    fit, hold = model.get("fit") or {}, model.get("holdout") or {}
    parts = []
    r2 = next((fit[k] for k in ("r2", "r_squared", "rsquared") if fit.get(k) is not None), None)
    if r2 is not None:
        parts.append(m("stat_r2", value=m.number(r2, 2)))
    mape = hold.get("mape")
    if mape is not None:
        weeks = hold.get("weeks") or _get(results, "params", "model", "holdout_weeks")
        parts.append(
            m("stat_mape", value=m.pct(mape, 1), weeks=m.int(weeks))
            if weeks
            else m("stat_mape_noweeks", value=m.pct(mape, 1))
        )
    if hold.get("nrmse") is not None:
        parts.append(m("stat_nrmse", value=m.number(hold["nrmse"], 2)))
    if model.get("draws"):
        parts.append(m("stat_draws", n=m.int(model["draws"])))
    return " · ".join(parts)


def _bounds_texts(alloc: Mapping, m: Messages, budget: float) -> list[str]:
    texts = []
    bounds = alloc.get("bounds") if isinstance(alloc.get("bounds"), Mapping) else {}
    items = []
    for c in CATEGORIES:
        b = bounds.get(c)
        if isinstance(b, Mapping):
            lo, hi = b.get("min_share"), b.get("max_share")
            if lo is not None or hi is not None:
                rng = f"{m.number(100 * (lo or 0))}–{m.pct(hi if hi is not None else 1)}"
            else:
                rng = f"{m.eur(b.get('min_eur') or 0)}–{m.eur(b.get('max_eur') or budget)}"
            if b.get("default"):
                rng += f" ({m('bound_default')})"
            items.append(m("bounds_line", category=m.category(c, "cap"), range=rng))
        elif isinstance(b, Sequence) and len(b) == 2:
            items.append(
                m("bounds_line", category=m.category(c, "cap"), range=f"{m.eur(float(b[0]))}–{m.eur(float(b[1]))}")
            )
    if items:
        texts.append(" · ".join(items))
    if bounds.get("max_change"):
        texts.append(m("bounds_max_change", pct=m.pct(float(bounds["max_change"]))))
    if bounds.get("max_deviation_from_reference"):
        texts.append(m("bounds_max_dev", points=m.number(100 * float(bounds["max_deviation_from_reference"]))))
    binding = alloc.get("binding")
    if binding:
        names = list(dict.fromkeys(_binding_text(b, m, bounds) for b in binding))
        texts.append(m("bounds_binding", items=", ".join(names)))
    elif binding is not None:
        texts.append(m("bounds_none_binding"))
    unbounded = alloc.get("unbounded")
    if isinstance(unbounded, Mapping) and _differs(unbounded, alloc.get("recommended")):
        split = " / ".join(f"{m.category(c)} {m.pct(float(unbounded['split'].get(c, 0)))}" for c in CATEGORIES)
        enc = unbounded.get("expected_encounters")
        texts.append(m("unbounded_note", split=split, encounters=m.int(_enc(enc)) if enc else "–"))
    return texts


def _binding_text(item: Any, m: Messages, bounds: Mapping) -> str:
    """A binding bound in words: "technology.min_share" -> "Technology at its minimum (5 %)"."""
    if isinstance(item, Mapping):
        cat = item.get("category")
        side = str(item.get("bound") or item.get("side") or "")
    else:
        text = str(item)
        cat = next((c for c in CATEGORIES if text.startswith(c)), None)
        side = text[len(cat) :] if cat else text
    if cat in CATEGORIES:
        b = bounds.get(cat) if isinstance(bounds.get(cat), Mapping) else {}
        if "min" in side or "lower" in side:
            value = b.get("min_share")
            return m("bound_at_min", category=m.category(cat, "cap"), value=m.pct(value) if value is not None else "–")
        if "max" in side or "upper" in side:
            value = b.get("max_share")
            return m("bound_at_max", category=m.category(cat, "cap"), value=m.pct(value) if value is not None else "–")
    if isinstance(item, Mapping):
        return ", ".join(f"{k} {v}" for k, v in item.items())
    return str(item)


# -- the PDF ----------------------------------------------------------------------------------


def build_pdf(results: Mapping, path: str | os.PathLike, *, figures_dir: str | os.PathLike | None = None) -> Path:
    """Write the executive brief: page 1 the essentials, page 2 the detail.

    Parameters
    ----------
    results : mapping
        The results.json dict of a run (schema 1) with ``allocation``, ``model`` and
        ``contributions``; the language, title and organisation come from ``params.report``.
    path : str or Path
        Where to write the PDF (its folder is created; the file is replaced atomically).
    figures_dir : str or Path, optional
        If given, the brief's charts are also saved there as ``brief_*.png``.

    Returns
    -------
    Path
        The PDF written.

    Examples
    --------
    >>> import json
    >>> results = json.load(open("reports/example/latest/results.json"))  # doctest: +SKIP
    >>> build_pdf(results, "brief.pdf")                                    # doctest: +SKIP
    PosixPath('brief.pdf')
    """
    register_fonts()
    m = Messages(_language(results))
    st = _styles()
    placed: list = []
    figures: dict[str, Figure] = {}

    page1: list = _header(results, m, st)
    if results.get("allocation"):
        box, _ = _headline_box(results, m, st)
        page1 += box
        page1 += _next_test(results, m, st)
    page1 += _quality_box(results, m, st)
    if results.get("allocation"):
        page1 += _section(m("sec_split"), st)
        page1 += _split_section(results, m, st, placed, figures)
    if results.get("contributions"):
        page1 += _section(m("sec_claim"), st)
        page1 += _claim_section(results, m, st, placed, figures)
    page1 += _frontier_section(results, m, st, placed, figures)
    page2 = _detail_page(results, m, st, placed, figures)

    story = [
        KeepInFrame(CONTENT_W, CONTENT_H, page1, mode="shrink"),
        PageBreak(),
        KeepInFrame(CONTENT_W, CONTENT_H, page2, mode="shrink"),
    ]

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=_title(results, m),
        author=_get(results, "params", "report", "organisation", default="") or "",
        subject=headline(results).text if results.get("allocation") else "",
        creator=f"planner {results.get('planner_version') or __version__}",
        lang=m.lang,
    )
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        CONTENT_W,
        CONTENT_H,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(story, canvasmaker=_canvas_maker(results, m))
    pdf = _stamp_charts(buffer.getvalue(), placed)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(pdf)
    os.replace(tmp, path)
    if figures_dir is not None:
        folder = Path(figures_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for name, fig in figures.items():
            fig.savefig(folder / f"{name}.png", dpi=150)
    return path


# -- showing the pages in a notebook ----------------------------------------------------------


class PagesPreview:
    """PNG renderings of a PDF's pages that display inline in Jupyter (and in report.html)."""

    def __init__(self, pngs: list[bytes], path: Path):
        self.pngs, self.path = pngs, path

    def _repr_html_(self) -> str:
        imgs = "".join(
            f'<img src="data:image/png;base64,{base64.b64encode(p).decode()}" alt="page {i + 1}" '
            'style="max-width:48%;margin:0 1% 12px 0;border:1px solid #ccc;box-shadow:0 1px 4px #0002">'
            for i, p in enumerate(self.pngs)
        )
        return f"<div>{imgs}</div>"

    def __repr__(self) -> str:
        return f"<{len(self.pngs)} page(s) of {self.path}>"


def render_pages(pdf_path: str | os.PathLike, dpi: int = 80) -> list[bytes]:
    """Render a PDF's pages to PNG bytes (pypdfium2: a wheel on every platform, no poppler)."""
    import pypdfium2 as pdfium

    pngs = []
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        for page in document:
            out = io.BytesIO()
            page.render(scale=dpi / 72).to_pil().save(out, format="PNG", optimize=True)
            pngs.append(out.getvalue())
    finally:
        document.close()
    return pngs


def show_pages(pdf_path: str | os.PathLike, dpi: int = 80) -> PagesPreview:
    """The brief's pages as images for a notebook."""
    return PagesPreview(render_pages(pdf_path, dpi), Path(pdf_path))


# -- the HTML report --------------------------------------------------------------------------

# The lab template without its CDN scripts (require.js, MathJax, Mermaid, widget manager), so the
# report opens offline; the stylesheets it inlines stay.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""

# <script ... src="http..."> and <link ... href="http..."> (also protocol-relative //host)
EXTERNAL_RESOURCE = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>(?:\s*</script>)?"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>"
    r"|@import\s+(?:url\()?[\"']?(?:https?:)?//[^;]*;",
    re.IGNORECASE,
)


def export_html(
    notebook_paths: Iterable[str | os.PathLike], out_path: str | os.PathLike, *, title: str | None = None
) -> Path:
    """Bundle executed notebooks into one HTML file that opens offline, code hidden.

    Parameters
    ----------
    notebook_paths : iterable of paths
        Executed notebooks, in reading order.
    out_path : str or Path
        The HTML file to write (replaced atomically).
    title : str, optional
        The page title (default: the first notebook's file name).

    Returns
    -------
    Path
        The HTML file: outputs only, images embedded as data URIs, no external scripts or
        stylesheets (any that a template or output still carries are removed).
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    paths = [Path(p) for p in notebook_paths]
    if not paths:
        raise ValueError("export_html needs at least one notebook")
    combined = nbformat.v4.new_notebook()
    for i, p in enumerate(paths):
        nb = nbformat.read(p, as_version=4)
        if i == 0:
            combined.metadata = {k: v for k, v in nb.metadata.items() if k != "widgets"}
        for j, cell in enumerate(nb.cells):
            cell["id"] = f"nb{i}-{j}"
            combined.cells.append(cell)
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"planner_offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="planner_offline.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    resources = {"metadata": {"name": title or paths[0].stem, "path": str(paths[0].parent)}}
    body, _ = exporter.from_notebook_node(combined, resources=resources)
    body = EXTERNAL_RESOURCE.sub("", body)

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, out)
    return out
