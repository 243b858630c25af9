"""Page previews of a PDF (the brief) as PNG images, for notebooks and the HTML report."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

__all__ = ["PagesPreview", "render_pages", "show_pages"]


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
