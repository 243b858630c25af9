"""Look and layout of the brief: fonts, styles, colours, vector chart slots, page furniture."""

from __future__ import annotations

import html
import io
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
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

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


def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=8.6, leading=12, textColor=INK, alignment=TA_LEFT)
    return {
        "body": base,
        "title": ParagraphStyle("title", base, fontName=FONT_BOLD, fontSize=17, leading=21),
        "meta": ParagraphStyle("meta", base, fontSize=8, leading=11, textColor=MUTED),
        "headline": ParagraphStyle("headline", base, fontName=FONT_BOLD, fontSize=12.2, leading=16.5),
        "lead": ParagraphStyle("lead", base, fontSize=9, leading=12.4),
        "h2": ParagraphStyle("h2", base, fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=0, spaceAfter=0),
        "small": ParagraphStyle("small", base, fontSize=7.2, leading=9.6, textColor=MUTED),
        "small_ink": ParagraphStyle("small_ink", base, fontSize=7.4, leading=9.8),
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


class ChartSlot(Flowable):
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


def stamp_charts(pdf_bytes: bytes, placed: list) -> bytes:
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


def section(text: str, st) -> list:
    rule = Table([[Paragraph(esc(text), st["h2"])]], colWidths=[CONTENT_W])
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


def side_by_side(left, right, left_width: float, gap: float = 10) -> Table:
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


def table_style(n_rows: int, zebra: bool = True) -> TableStyle:
    """The brief's table look: rules under the header and the last row, zebra rows unless told not to."""
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
    for r in range(2, n_rows, 2) if zebra else ():
        style.add("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f7f8f9"))
    return style


def esc(text: Any) -> str:
    return html.escape(str(text), quote=False)


def text_width(text: str, font: str = FONT_BOLD, size: float = 9) -> float:
    """The width of `text` in points, as ReportLab will draw it."""
    register_fonts()
    return pdfmetrics.stringWidth(text, font, size)


def badge_width(marks, font: str = FONT_BOLD, size: float = 9, padding: float = 12) -> float:
    """The width of a badge that fits the longest of `marks` (every language's quality marks)."""
    return max(text_width(t, font, size) for t in marks) + padding


def canvas_maker(footer_left: str, footer_right: str, page_text):
    """A canvas class that draws the footer on every page once the page count is known."""

    class FooterCanvas(rl_canvas.Canvas):
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
            self.drawString(MARGIN_X, y, footer_left)
            self.setFont(FONT, 6.8)
            self.drawRightString(PAGE_W - MARGIN_X, y, page_text(self._pageNumber, total))
            self.drawString(MARGIN_X, y - 9, footer_right)
            self.restoreState()

    return FooterCanvas
