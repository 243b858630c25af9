"""The notebooks' display helpers (planner.presentation.display) and the HTML report (planner.presentation.report)."""

import html as html_module
import re

import nbformat
import pandas as pd
import pytest

from planner.presentation import brief, display, report
from planner.presentation.i18n import NBSP
from planner.results import ResultsError

# Words of the report's own chrome in each language; a Finnish report must hold none of the English.
CHROME = {"en": ["Contents", "Report written"], "fi": ["Sisältö", "Raportti kirjoitettu"]}

# How the text/plain repr of a Python value starts: a dict, list, tuple, string, path or object.
REPR = re.compile(r"""^\s*(\{|\[|\(|'|"|PosixPath\(|WindowsPath\(|<[A-Za-z_.]+ object at |array\(|Series\(|Name: )""")


def visible_text(page: str) -> str:
    """The words a reader sees in an HTML page: no styles, scripts or tags."""
    page = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html_module.unescape(page))


def raw_reprs(nb) -> list[str]:
    """Outputs of an executed notebook that a reader would see as raw Python.

    Raw: an output whose only representation is text/plain that looks like a repr, printed text
    that looks like one, or a shown representation naming a Path object or a build folder.
    """
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                shown = {"stream": out.get("text", "")}
            else:
                data = out.get("data", {})
                shown = {k: v for k, v in data.items() if k != "text/plain"}
                if not shown:
                    shown = {"text/plain": data.get("text/plain", "")}
            for kind, value in shown.items():
                value = "".join(value) if isinstance(value, list) else value
                if not isinstance(value, str) or kind.startswith("image/"):
                    continue
                if kind in ("stream", "text/plain") and REPR.match(value):
                    found.append(f"cell {i}: raw {kind}: {value[:80]!r}")
                if "Path(" in value or ".partial" in value:
                    found.append(f"cell {i}: a path object or a build folder in {kind}: {value[:80]!r}")
    return found


# -- the repr check itself ------------------------------------------------------------------------


def _nb_with(output) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[output], execution_count=1)]
    return nb


@pytest.mark.parametrize(
    "plain",
    ["{'rows': 156, 'start': '2022-01-03'}", "['a warning']", "'a quoted sentence'", "PosixPath('/tmp/x/brief.pdf')"],
)
def test_raw_repr_check_flags_raw_python(plain):
    out = nbformat.v4.new_output("execute_result", data={"text/plain": plain}, execution_count=1)
    assert raw_reprs(_nb_with(out))


def test_raw_repr_check_passes_formatted_output():
    shown = display.sentence("A sentence.", "en")
    out = nbformat.v4.new_output(
        "execute_result", data={"text/html": shown.data, "text/plain": repr(shown)}, execution_count=1
    )
    assert raw_reprs(_nb_with(out)) == []
    printed = nbformat.v4.new_output("stream", name="stdout", text="['a', 'list']\n")
    assert raw_reprs(_nb_with(printed))


# -- display ----------------------------------------------------------------------------------------


def test_table_formats_numbers_in_the_language():
    frame = pd.DataFrame(
        {"spend": [94113.4, 1234567.0], "share": [0.196, 0.804], "r2": [0.9651, float("nan")], "weeks": [13, 156]},
        index=pd.Index(["content", "technology"], name="category"),
    )
    fi = display.table(frame, "fi", euros="spend", percent="sh*").data
    assert f"94{NBSP}113{NBSP}€" in fi and f"1{NBSP}234{NBSP}567{NBSP}€" in fi
    assert f"20{NBSP}%" in fi and f"80{NBSP}%" in fi
    assert "0,97" in fi and "–" in fi  # decimal comma; a missing value is a dash, never "nan"
    assert "Sisältö" in fi and "Teknologia" in fi
    assert "0.9651" not in fi and "nan" not in fi.lower().replace("planner", "")
    en = display.table(frame, "en", euros="spend", percent="sh*").data
    assert "€94,113" in en and "0.97" in en and "Content" in en
    # the index's name sits in the header's corner, not on a row of its own
    assert en.count("<tr") == 3


def test_an_empty_table_is_a_sentence():
    assert display.table(pd.DataFrame(), "fi", empty="no_experiments").data == (
        '<p lang="fi">Parametritiedostossa ei ole nostotestejä.</p>'
    )


def test_warnings_are_rendered_from_their_code_in_the_language():
    entry = {
        "code": "partial_week_dropped",
        "text": "Dropped incomplete week(s) starting 2024-12-30: daily data covers only part of them.",
        "context": {"weeks": ["2024-12-30"]},
    }
    fi = display.warnings([entry], "fi").data
    assert "Vajaat viikot (30.12.2024 alkaen)" in fi and "Dropped" not in fi
    assert fi.startswith("<ul") and "[" not in fi
    none = display.warnings([], "fi", empty="no_model_warnings").data
    assert none == '<p lang="fi">Ei malliin liittyviä varoituksia.</p>'


def test_claim_is_worded_from_the_verdict_not_its_english_text():
    bands = {"content": (0.7, 0.9), "design": (0.1, 0.15), "technology": (0.1, 0.15)}
    verdict = {
        "verdict": "contradicted",
        "category": "technology",
        "direction": "more",
        "bands": bands,
        "text": "English text",
    }
    fi = display.claim(verdict, "fi").data
    assert "teknologia" in fi and "enemmän" in fi and "English text" not in fi
    # the contract is read as it is: an unknown verdict is an error, never its English text
    with pytest.raises(ResultsError, match="model.claim.verdict"):
        display.claim({**verdict, "verdict": "unknown-kind"}, "en")


def test_data_summary_reads_the_typed_data_section(tmp_path):
    spend = {"content": 100000.0, "design": 50000.0, "technology": 850000.0}
    split = {"content": 0.1, "design": 0.05, "technology": 0.85}
    new = {"rows": 156, "start": "2022-01-03", "end": "2024-12-23", "sha256": "ab" * 32, "horizon_weeks": 13,
           "spend_by_category": {"all_data": spend, "current": spend}, "split": {"all_data": split, "current": split}}
    page = display.data_summary(new, "fi").data
    assert "156 viikon aineisto, 3.1.2022–23.12.2024." in page
    assert f"850{NBSP}000{NBSP}€" in page and f"85{NBSP}%" in page and f"1{NBSP}000{NBSP}000{NBSP}€" in page
    assert "{" not in visible_text(page)
    assert "viim. 13 vk" in page
    # schema 1's keys are not read quietly as something else: the missing field is named
    old = {**new, "spend_by_category": {"all": spend, "last_horizon": spend}}
    with pytest.raises(ResultsError, match="data.spend_by_category.all_data"):
        display.data_summary(old, "fi")


def test_final_run_folder_is_the_name_the_runner_will_give(tmp_path):
    build = tmp_path / ".20261202-101500.e7efa0a5.partial"
    build.mkdir()
    assert display.final_run_folder(build) == tmp_path / "20261202-101500"
    (tmp_path / "20261202-101500").mkdir()  # an earlier run took the name in the same second
    assert display.final_run_folder(build) == tmp_path / "20261202-101500-2"
    assert display.final_run_folder(tmp_path / "interactive") == tmp_path / "interactive"


def test_brief_location_names_the_finished_folder_relatively(tmp_path):
    build = tmp_path / "reports" / "example" / ".20261202-101500.e7efa0a5.partial"
    build.mkdir(parents=True)
    page = display.brief_location(build / "brief.pdf", "en").data
    assert "reports/example/20261202-101500/brief.pdf" in page
    assert ".partial" not in page and "Path(" not in page and str(tmp_path) not in page
    assert 'href="brief.pdf"' in page  # works from report.html, which sits beside the brief


# -- report.html --------------------------------------------------------------------------------


def _executed(folder, name: str, heading: str):
    nb = nbformat.v4.new_notebook()
    shown = display.sentence("Kohtaamiset kasvoivat.", "fi")
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {heading}\n\nProse."),
        nbformat.v4.new_code_cell(
            "display.sentence(...)",
            outputs=[nbformat.v4.new_output("execute_result", data={"text/html": shown.data}, execution_count=1)],
            execution_count=1,
        ),
    ]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_report_chrome_is_in_the_run_language(tmp_path, lang):
    paths = [_executed(tmp_path, "01_data_overview", "1. Data overview"), _executed(tmp_path, "09_extra", "9. Extra")]
    out = report.export_html(paths, tmp_path / "report.html", title="Content-impact budget plan", language=lang)
    page = out.read_text(encoding="utf-8")
    words = visible_text(page)
    assert f'<html lang="{lang}">' in page
    other = "en" if lang == "fi" else "fi"
    assert all(w in words for w in CHROME[lang]) and not any(w in words for w in CHROME[other])
    # the English default title becomes the catalogue's title in Finnish
    assert ("Sisältövaikutuksen budjettisuunnitelma" in words) == (lang == "fi")
    # the contents link to each notebook: a known notebook by its name in the language, others by heading
    assert ("1. Aineiston yleiskuva" in words) == (lang == "fi") and "9. Extra" in words
    for anchor in ("section-1", "section-2"):
        assert f'href="#{anchor}"' in page and f'id="{anchor}"' in page
    assert page.index("section-1") < page.index("Kohtaamiset kasvoivat.")


def test_brief_still_exports_the_report():
    assert brief.export_html is report.export_html
