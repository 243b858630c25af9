"""The analysts' report (report.html): a run's executed notebooks as one offline HTML file.

`export_html(notebooks, path, language=..., title=...)` keeps the outputs only (code hidden), embeds
every image, removes every external script or stylesheet, and adds the report's own title and table
of contents in the run's language.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from planner.presentation.display import TEXTS, text
from planner.presentation.i18n import Messages

__all__ = ["EXTERNAL_RESOURCE", "export_html"]

# The lab template without its CDN scripts (require.js, MathJax, Mermaid, widget manager), so the
# report opens offline; the stylesheets it inlines stay.
#: Cells with this tag (how to open the notebooks in JupyterLab) are for the analyst, not the report.
ANALYST_ONLY = "analyst-only"

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

_HEADING = re.compile(r"^\s*#\s+(.+?)\s*$", re.MULTILINE)


def _section_title(nb, stem: str, lang: str) -> str:
    """A notebook's name in the contents: its name in `lang` if known, else its first heading."""
    key = f"nb_{stem}"
    if key in TEXTS[lang]:
        return TEXTS[lang][key]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = _HEADING.search(cell.source)
            if found:
                return found.group(1)
    return stem


def _chrome(title: str, sections: list[tuple[str, str]], lang: str, when: datetime) -> str:
    """The report's own head: its title, when it was written and the contents, in `lang`."""
    m = Messages(lang)
    items = "".join(f'<li><a href="#{anchor}">{html.escape(name)}</a></li>' for anchor, name in sections)
    return (
        f'<header class="planner-report" lang="{lang}">'
        f"<h1>{html.escape(title)}</h1>"
        f"<p><small>{html.escape(text('report_generated', lang, when=m.datetime(when)))}</small></p>"
        f'<nav><p><b>{html.escape(text("report_contents", lang))}</b></p><ol style="list-style:none;padding-left:0">'
        f"{items}</ol></nav><hr></header>"
    )


def export_html(
    notebook_paths: Iterable[str | os.PathLike],
    out_path: str | os.PathLike,
    *,
    title: str | None = None,
    language: str = "en",
) -> Path:
    """Bundle executed notebooks into one HTML file that opens offline, code hidden.

    Parameters
    ----------
    notebook_paths : iterable of paths
        Executed notebooks, in reading order.
    out_path : str or Path
        The HTML file to write (replaced atomically).
    title : str, optional
        The report's title (default, and in place of the English default title in another
        language: the catalogue's default title in `language`, as the brief does).
    language : {"en", "fi"}
        The language of the report's own words (title, contents) and of its ``lang`` attribute.

    Returns
    -------
    Path
        The HTML file: a title and a table of contents linking to each notebook, then the outputs
        only, images embedded as data URIs, no external scripts or stylesheets (any that a template
        or output still carries are removed).
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    m = Messages(language)
    if not title or (title == Messages("en")("default_title") and language != "en"):
        title = m("default_title")  # the untouched English default is shown in the run's language
    paths = [Path(p) for p in notebook_paths]
    if not paths:
        raise ValueError("export_html needs at least one notebook")
    combined = nbformat.v4.new_notebook()
    sections = []
    for i, p in enumerate(paths):
        nb = nbformat.read(p, as_version=4)
        if i == 0:
            combined.metadata = {k: v for k, v in nb.metadata.items() if k != "widgets"}
        anchor = f"section-{i + 1}"
        sections.append((anchor, _section_title(nb, p.stem, language)))
        combined.cells.append(nbformat.v4.new_markdown_cell(f'<a id="{anchor}"></a>', id=f"nb{i}-anchor"))
        for j, cell in enumerate(nb.cells):
            if ANALYST_ONLY in cell.get("metadata", {}).get("tags", []):
                continue  # how to open the notebooks in JupyterLab: for the analyst, not the report's reader
            cell["id"] = f"nb{i}-{j}"
            combined.cells.append(cell)
    combined.metadata["language_info"] = {"name": "python"}
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"planner_offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="planner_offline.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    resources = {"metadata": {"name": title, "path": str(paths[0].parent)}}
    body, _ = exporter.from_notebook_node(combined, resources=resources)
    body = EXTERNAL_RESOURCE.sub("", body)
    body = re.sub(r"<html\b[^>]*>", f'<html lang="{language}">', body, count=1)
    chrome = _chrome(title, sections, language, datetime.now())
    body = re.sub(r"(<body\b[^>]*>)", lambda found: found.group(1) + chrome, body, count=1)

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, out)
    return out
