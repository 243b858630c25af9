"""The executive brief (brief.pdf) of one planning run.

`build_pdf(results, path)` draws an A4 brief from the run's typed results alone: page 1 holds what
an executive needs (the decision in one sentence that starts with its verb, the reason, the next
step, the splits side by side, what the data says about the claim, how far to trust it, a glossary
of the terms it keeps); page 2 holds the detail. The package has one job per
module: `view` turns the results into rounded numbers and sentences (it decides nothing the model
or the plan decided), `pages` lays them out, `layout` holds the look and the page furniture; the
charts are `planner.presentation.charts.brief`, matplotlib figures stamped onto the pages as vector graphics.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure
from reportlab.lib.pagesizes import A4
from reportlab.platypus import BaseDocTemplate, Frame, KeepInFrame, PageBreak, PageTemplate

from planner import __version__
from planner.presentation.brief.layout import (
    CONTENT_H,
    CONTENT_W,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    canvas_maker,
    register_fonts,
    stamp_charts,
    styles,
)
from planner.presentation.brief.pages import page_one, page_two
from planner.presentation.brief.view import BriefView, Headline

__all__ = ["BriefView", "Headline", "build_pdf", "export_html", "headline", "register_fonts", "show_pages"]


def _typed(results):
    """Typed results from a `Results` object, a results.json dict or its path."""
    from planner.results import Results, load_results

    if isinstance(results, Results):
        return results
    if isinstance(results, str | os.PathLike):
        return load_results(results)
    if isinstance(results, Mapping):
        return Results.model_validate(dict(results))
    raise TypeError(f"expected planner.results.Results, a results.json dict or its path, not {type(results).__name__}")


def headline(results) -> Headline:
    """The decision, its reason and the next step, as page 1 of the brief shows them (see `BriefView.headline`)."""
    return BriefView(_typed(results)).headline


def build_pdf(results, path: str | os.PathLike, *, figures_dir: str | os.PathLike | None = None) -> Path:
    """Write the executive brief: page 1 the essentials, page 2 the detail.

    Parameters
    ----------
    results : planner.results.Results, dict or path
        A finished run's results (schema 2); the language, title and organisation come from
        ``params.report``.
    path : str or Path
        Where to write the PDF (its folder is created; the file is replaced atomically).
    figures_dir : str or Path, optional
        If given, the brief's charts are also saved there as ``brief_*.png``.

    Returns
    -------
    Path
        The PDF written.
    """
    register_fonts()
    view = BriefView(_typed(results))
    st = styles()
    placed: list = []
    figures: dict[str, Figure] = {}
    story = [
        KeepInFrame(CONTENT_W, CONTENT_H, page_one(view, st, placed, figures), mode="shrink"),
        PageBreak(),
        KeepInFrame(CONTENT_W, CONTENT_H, page_two(view, st), mode="shrink"),
    ]
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=view.title,
        author=view.organisation,
        subject=view.headline.text,
        creator=f"planner {view.results.planner_version or __version__}",
        lang=view.lang,
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
    left, right = view.footer
    doc.build(
        story, canvasmaker=canvas_maker(left, right, lambda page, pages: view.m("footer_page", page=page, pages=pages))
    )
    pdf = stamp_charts(buffer.getvalue(), placed)

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


def __getattr__(name: str):
    # the report and the page previews live outside the brief; kept importable from here
    if name == "export_html":
        from planner.presentation.report import export_html

        return export_html
    if name in ("show_pages", "render_pages", "PagesPreview"):
        from planner.presentation import preview

        return getattr(preview, name)
    raise AttributeError(name)
