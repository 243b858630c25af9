"""Write a benchmark's report into a docs page, between its own markers, so no table is copied by hand.

A page holds any number of sections, each between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``.
`write_section` replaces the text between one pair and leaves the rest of the page alone; a section
not yet on the page is appended at its end (a page not yet written is created).

    from docs_section import write_section
    write_section(ROOT / "docs" / "benchmarks.md", "plan", markdown)
"""

from __future__ import annotations

import re
from pathlib import Path


def _markers(name: str) -> tuple[str, str]:
    if not re.fullmatch(r"[a-z0-9_-]+", name):
        raise ValueError(f"section name {name!r}: expected lower-case letters, digits, '_' or '-'")
    return f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"


def write_section(page: Path, name: str, markdown: str) -> Path:
    """Put `markdown` between the markers of section `name` on `page`; return the page's path."""
    start, end = _markers(name)
    page = Path(page)
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    block = f"{start}\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = (text.rstrip() + "\n\n" if text.strip() else "") + block + "\n"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text, encoding="utf-8")
    return page


def read_section(page: Path, name: str) -> str | None:
    """The markdown of section `name` on `page`, or None when the page or the section is missing."""
    start, end = _markers(name)
    page = Path(page)
    if not page.exists():
        return None
    found = re.search(re.escape(start) + r"\n?(.*?)\n?" + re.escape(end), page.read_text(encoding="utf-8"), re.DOTALL)
    return found.group(1) if found else None


#: The page every benchmark writes its section of (`--write-docs`).
BENCHMARKS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_report(name: str, markdown: str, argv: list[str] | None = None, page: Path | None = None) -> Path:
    """Write a benchmark's report as section `name` of docs/benchmarks.md, under a line naming the
    command that wrote it (script and arguments, without ``--write-docs``) and when, so a reader can
    regenerate it."""
    import datetime
    import os
    import platform
    import sys

    argv = sys.argv[1:] if argv is None else argv
    args = " ".join(a for a in argv if a != "--write-docs")
    script = Path(sys.argv[0]).name if sys.argv and sys.argv[0].endswith(".py") else f"bench_{name}.py"
    command = f"python benchmarks/{script} {args}".strip() + " --write-docs"
    when = datetime.date.today().isoformat()
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if hasattr(os, "getloadavg"):  # times on a shared machine are read against its load
        machine += f", load average {os.getloadavg()[1]:.1f} over the last 5 minutes"
    head = f"*Written by `{command}` on {when} ({machine}).*"
    return write_section(page or BENCHMARKS_PAGE, name, f"{head}\n\n{markdown.strip()}")
