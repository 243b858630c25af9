"""The benchmarks write their reports into docs pages between markers; the rest of a page is kept."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from docs_section import read_section, write_section  # noqa: E402


def test_a_section_is_appended_then_replaced_and_the_rest_of_the_page_kept(tmp_path):
    page = tmp_path / "docs" / "benchmarks.md"
    page.parent.mkdir()
    page.write_text("# Benchmarks\n\nWritten by hand.\n", encoding="utf-8")
    write_section(page, "plan", "| a |\n|---|\n| 1 |")
    write_section(page, "data", "data table")
    write_section(page, "plan", "| a |\n|---|\n| 2 |")
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nWritten by hand.\n")
    assert read_section(page, "plan") == "| a |\n|---|\n| 2 |"
    assert read_section(page, "data") == "data table"
    assert text.count("<!-- bench:plan -->") == 1 and "| 1 |" not in text
    assert text.index("bench:plan") < text.index("bench:data")


def test_a_missing_page_is_created_and_a_bad_name_refused(tmp_path):
    page = tmp_path / "new.md"
    assert read_section(page, "x") is None
    write_section(page, "x", "body")
    assert read_section(page, "x") == "body"
    with pytest.raises(ValueError, match="section name"):
        write_section(page, "Bad Name", "body")


def test_a_report_is_written_under_the_command_that_regenerates_it(tmp_path, monkeypatch):
    from docs_section import write_report

    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\n<!-- bench:geo -->\nold\n<!-- /bench:geo -->\n\nProse after.\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["benchmarks/bench_geo.py", "--sims", "10", "--write-docs"])
    write_report("geo", "| a |\n|---|\n| 1 |\n", page=page)
    section = read_section(page, "geo")
    head, table = section.split("\n\n", 1)
    assert head.startswith("*Written by `python benchmarks/bench_geo.py --sims 10 --write-docs` on ")
    assert table == "| a |\n|---|\n| 1 |"
    assert "old" not in page.read_text(encoding="utf-8") and page.read_text(encoding="utf-8").endswith("Prose after.\n")
