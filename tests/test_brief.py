"""The executive brief and the HTML report: text, numbers, languages, warnings and layout limits.

The results fixtures in tests/fixtures/ are hand-made results.json dicts shaped like real runs:
a content-driven strong model (English and Finnish), a weak model with warnings, and a run whose
best split is close to the current one.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import string
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from planner import brief
from planner.brief import build_pdf, export_html, headline, show_pages
from planner.i18n import (
    CATALOGUE,
    NBSP,
    WARNING_TEXTS,
    Messages,
    fmt_date,
    fmt_datetime,
    fmt_eur,
    fmt_int,
    fmt_month,
    fmt_number,
    fmt_pct,
    fmt_period,
    fmt_prob,
    fmt_signed,
    round_sig,
)

FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOK = Path(__file__).parents[1] / "planner" / "notebooks" / "04_brief.ipynb"
CATS = ("content", "design", "technology")


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"results_{name}.json").read_text(encoding="utf-8"))


def norm(text: str) -> str:
    """Whitespace as the PDF text has it: pypdf returns the no-break spaces as plain spaces."""
    return re.sub(r"\s+", " ", text.replace(NBSP, " ")).strip()


def pdf_text(path: Path) -> str:
    return norm(" ".join(page.extract_text() for page in PdfReader(path).pages))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, tuple[dict, Path, str]]:
    """Each fixture's brief, built once: name -> (results, pdf path, normalised text)."""
    out = {}
    folder = tmp_path_factory.mktemp("briefs")
    for name in ("content_en", "content_fi", "weak_en", "near_en"):
        results = load(name)
        path = build_pdf(results, folder / f"{name}.pdf", figures_dir=folder / f"{name}_figures")
        out[name] = (results, path, pdf_text(path))
    return out


def moved_euros(results: dict) -> float:
    alloc = results["allocation"]
    cur, rec = alloc["current"]["euros"], alloc["recommended"]["euros"]
    return sum(max(rec[c] - cur[c], 0.0) for c in CATS)


# -- the PDF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["content_en", "content_fi", "weak_en", "near_en"])
def test_pdf_exists_with_one_or_two_pages(built, name):
    results, path, text = built[name]
    assert path.is_file() and path.read_bytes().startswith(b"%PDF")
    assert 1 <= len(PdfReader(path).pages) <= 2
    assert norm(headline(results).text) in text
    for value in headline(results).numbers.values():
        assert norm(value) in text


def test_english_headline_numbers_exactly_as_formatted(built):
    results, _, text = built["content_en"]
    gain = results["allocation"]["gain_vs_current"]
    amount = fmt_eur(round_sig(moved_euros(results)), "en")
    assert amount == f"EUR{NBSP}310,000"
    expected = (
        f"Move {amount} from technology to content next quarter: about "
        f"{fmt_int(round_sig(gain['encounters']), 'en')} more customer encounters "
        f"({fmt_signed(round_sig(gain['low']), 'en')} to {fmt_signed(round_sig(gain['high']), 'en')}), "
        f"{fmt_prob(gain['probability_better'], 'en')} likely to beat the current split."
    )
    assert norm(expected) in text
    assert (
        "Move EUR 310,000 from technology to content next quarter: about 58,000 more customer encounters "
        "(+44,000 to +73,000), over 99 % likely to beat the current split." in text
    )


def test_english_brief_shows_splits_claim_scenarios_and_footer(built):
    results, _, text = built["content_en"]
    m = Messages("en")
    for key in ("sec_split", "sec_claim", "sec_frontier", "col_current", "col_recommended"):
        assert norm(m(key)) in text
    assert "Reference 80/10/10" in text
    for c in CATS:
        assert norm(m.pct(results["contributions"][c]["share"])) in text
    assert "consistent with the claim" in text
    assert "design push" in text  # a user scenario on the detail page
    assert "Example Oy" in text and "example.yaml" in text
    assert results["data"]["sha256"][:12] in text
    assert "2 Jan 2023 – 22 Dec 2025" in text
    assert "planner 0.1.0" in text and "page 1/2" in text
    assert "GOOD" in text


def test_finnish_brief_uses_finnish_words_and_number_format(built):
    results, _, text = built["content_fi"]
    gain = results["allocation"]["gain_vs_current"]
    amount = fmt_eur(round_sig(moved_euros(results)), "fi")
    assert amount == f"310{NBSP}000{NBSP}€"
    expected = (
        f"Siirrä seuraavalla neljänneksellä {amount} teknologiasta sisältöön: se tuo noin "
        f"{fmt_int(round_sig(gain['encounters']), 'fi')} asiakaskohtaamista lisää "
        f"({fmt_signed(round_sig(gain['low']), 'fi')} – {fmt_signed(round_sig(gain['high']), 'fi')}), ja siirto on "
        f"{fmt_pct(gain['probability_better'], 'fi')}:n todennäköisyydellä parempi kuin nykyinen jako."
    )
    assert norm(expected) in text
    assert "310 000 €" in text and "58 000" in text and "+44 000 – +73 000" in text and "96 %:n" in text
    assert "310,000" not in text and "EUR" not in text
    for word in (
        "Budjetin jako",
        "Mallin laatu",
        "HYVÄ",
        "Sisältö",
        "Muotoilu",
        "Teknologia",
        "kohtaamis",
        "Jos budjetti muuttuu",
        "sivu 1/2",
        "Esimerkki Oy",
    ):
        assert word in text, word
    assert "2.1.2023–22.12.2025" in text  # Finnish dates
    assert "4,49 €" in text  # decimal comma in a cost per encounter
    # the data warning, translated by its code
    assert norm(Messages("fi").warning({"code": "short_history", "weeks": 96})) in text


def test_weak_model_shows_the_weak_mark_and_its_warnings(built):
    results, _, text = built["weak_en"]
    m = Messages("en")
    head = headline(results)
    assert head.kind == "weak"
    assert text.count("WEAK") >= 2  # the mark on page 1 and the quality line on page 2
    assert norm(m("quality_weak_text")) in text
    assert "A direction to test, not a plan: the model is weak." in text
    assert not head.text.startswith("Move")
    texts = dict(zip([w["code"] for w in results["warning_codes"]], results["warnings"], strict=True))
    for entry in results["warning_codes"]:
        expected = m.warning(entry, texts[entry["code"]])
        assert norm(expected) in text, entry["code"]
    # the interval crosses zero and the probability is shown as it is
    assert "−6,500 to +19,000" in text and "68 % likely" in text


def test_unknown_warning_code_falls_back_to_the_english_text(tmp_path):
    results = load("weak_en")
    results["params"]["report"]["language"] = "fi"
    path = build_pdf(results, tmp_path / "weak_fi.pdf")
    text = pdf_text(path)
    assert "HEIKKO" in text
    assert "The spend series changed definition in 2024-06" in text  # unknown code: English text
    assert norm(Messages("fi").warning({"code": "low_variation", "category": "design"})) in text
    assert "Muotoilun kulut vaihtelivat" in text


def test_close_to_current_split_says_keep(built):
    results, _, text = built["near_en"]
    head = headline(results)
    assert head.kind == "keep"
    assert "Keep the current split next quarter" in text
    assert norm(fmt_eur(round_sig(moved_euros(results)), "en")) in text  # EUR 8,800
    assert "too little to justify a change" in text
    assert "FAIR" in text


def test_no_better_split_and_uncertain_gain_are_said_plainly(tmp_path):
    same = load("content_en")
    alloc = same["allocation"]
    alloc["candidate"] = copy.deepcopy(alloc["current"])
    alloc["recommended"] = copy.deepcopy(alloc["current"])
    alloc["action"] = "keep"
    alloc["gain_vs_current"] = {"encounters": 0.0, "low": -150.0, "high": 150.0, "probability_better": 0.5}
    head = headline(same)
    assert head.kind == "keep_none"
    assert norm(head.text) in pdf_text(build_pdf(same, tmp_path / "same.pdf"))
    assert "no split that does clearly better" in head.text

    shaky = load("content_en")
    shaky["allocation"]["gain_vs_current"] = {
        "encounters": 9_400.0,
        "low": -1_200.0,
        "high": 20_100.0,
        "probability_better": 0.74,
    }
    shaky["allocation"]["action"] = "keep"  # the plan's decision below its min_probability
    shaky["allocation"]["candidate"] = shaky["allocation"]["recommended"]
    shaky["allocation"]["recommended"] = copy.deepcopy(shaky["allocation"]["current"])
    head = headline(shaky)
    assert head.kind == "uncertain"
    assert "only 74 % likely" in norm(head.text) and "the gain is not certain" in head.text
    assert norm(head.text) in pdf_text(build_pdf(shaky, tmp_path / "shaky.pdf"))


def test_brief_fits_two_pages_with_many_warnings_and_scenarios(tmp_path):
    results = load("weak_en")
    results["warning_codes"] = [{"code": "low_variation", "category": c} for c in CATS] * 5
    results["warnings"] = ["spend hardly varied"] * 15
    results["allocation"]["scenarios"] = {
        f"scenario {i}": copy.deepcopy(results["allocation"]["reference"]) for i in range(12)
    }
    path = build_pdf(results, tmp_path / "crowded.pdf")
    assert len(PdfReader(path).pages) == 2
    assert "more on page 2" in pdf_text(path)


def test_charts_are_vector_and_figures_are_saved(built):
    _, path, text = built["content_en"]
    reader = PdfReader(path)
    assert not any(page.images for page in reader.pages)  # charts are drawn, not pasted as bitmaps
    assert "best split" in text and "share of spend" in text  # chart labels stay text
    names = sorted(p.name for p in (path.parent / "content_en_figures").glob("brief_*.png"))
    assert names == ["brief_claim.png", "brief_frontier.png", "brief_split.png"]


def test_pdf_metadata_and_embedded_fonts(built):
    _, path, _ = built["content_fi"]
    reader = PdfReader(path)
    assert reader.metadata.title == "Sisältövaikutuksen budjettisuunnitelma"
    assert reader.metadata.author == "Esimerkki Oy"
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("DejaVuSans" in f for f in fonts)


def test_default_title_is_translated():
    m = Messages("fi")
    results = load("content_en")
    results["params"]["report"]["language"] = "fi"
    assert brief._title(results, m) == CATALOGUE["default_title"]["fi"]


def test_show_pages_renders_every_page(built):
    _, path, _ = built["content_en"]
    preview = show_pages(path)
    assert len(preview.pngs) == len(PdfReader(path).pages)
    assert all(png.startswith(b"\x89PNG") for png in preview.pngs)
    assert preview._repr_html_().count("data:image/png;base64") == len(preview.pngs)


# -- i18n -------------------------------------------------------------------------------------


def test_number_formats():
    assert fmt_int(4234.4, "en") == "4,234"
    assert fmt_int(4234.4, "fi") == f"4{NBSP}234"
    assert fmt_number(1234567.891, "fi", 2) == f"1{NBSP}234{NBSP}567,89"
    assert fmt_number(-0.001, "en", 1) == "0.0"
    assert fmt_signed(2900, "en") == "+2,900"
    assert fmt_signed(-500, "fi") == "\u2212500"
    assert fmt_signed(0, "en") == "0"
    assert fmt_eur(310000, "en") == f"EUR{NBSP}310,000"
    assert fmt_eur(310000, "fi") == f"310{NBSP}000{NBSP}€"
    assert fmt_eur(4.5, "fi", 2) == f"4,50{NBSP}€"
    assert fmt_pct(0.78, "en") == f"78{NBSP}%"
    assert fmt_pct(0.0475, "fi", 1) == f"4,8{NBSP}%"
    assert fmt_prob(0.998, "en") == f"over 99{NBSP}%"
    assert fmt_prob(0.004, "fi") == f"alle 1{NBSP}%"
    assert fmt_prob(0.96, "fi") == f"96{NBSP}%"


def test_round_sig():
    assert round_sig(312_456) == 310_000
    assert round_sig(-2_871) == -2_900
    assert round_sig(4_234) == 4_200
    assert round_sig(188_610, 3) == 189_000
    assert round_sig(7.6) == 8
    assert round_sig(0) == 0


def test_date_formats():
    assert fmt_date("2022-01-03", "en") == "3 Jan 2022"
    assert fmt_date("2022-01-03", "fi") == "3.1.2022"
    assert fmt_month("2022-07-11", "fi") == "heinäkuu 2022"
    assert fmt_month("2022-07-11", "en") == "July 2022"
    assert fmt_datetime("2026-11-23T14:03:40", "fi") == "23.11.2026 klo 14.03"
    assert fmt_datetime("2026-11-23T14:03:40", "en") == "23 Nov 2026 14:03"
    assert fmt_period("2023-01-02", "2025-12-22", "fi") == "2.1.2023–22.12.2025"


def test_messages_reject_an_unknown_language():
    with pytest.raises(ValueError, match="unknown language 'sv'"):
        Messages("sv")


def test_catalogue_has_both_languages_with_the_same_placeholders():
    def fields(template: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(template) if f} - {"nbsp"}

    for key, entry in CATALOGUE.items():
        assert set(entry) == {"en", "fi"}, key
        assert fields(entry["en"]) == fields(entry["fi"]), key
    for code, entry in WARNING_TEXTS.items():
        assert len(entry["en"]) == len(entry["fi"]), code


def test_finnish_category_forms_in_sentences():
    m = Messages("fi")
    assert m.categories(["technology", "design"], "ela") == "teknologiasta ja muotoilusta"
    assert m.categories(["content"], "ill") == "sisältöön"
    assert m.period(13) == "seuraavalla neljänneksellä"
    assert m.period(8) == "seuraavien 8 viikon aikana"
    assert Messages("en").period(8) == "over the next 8 weeks"


@pytest.mark.parametrize(
    ("entry", "lang", "expected"),
    [
        ({"code": "low_variation", "category": "design"}, "fi", "Muotoilun kulut vaihtelivat niin vähän"),
        ({"code": "low_variation", "category": "design"}, "en", "Design spend hardly varied"),
        ({"code": "low_variation"}, "en", "Spend in one category hardly varied"),  # less context
        ({"code": "collinearity", "categories": ["content", "technology"]}, "fi", "Sisällön ja teknologian kulut"),
        ({"code": "poor_holdout", "weeks": 13, "mape": 0.236}, "fi", "Viimeisillä 13 viikolla"),
        ({"code": "poor_holdout", "weeks": 13, "mape": 0.236}, "en", f"off by 23.6{NBSP}% on average"),
        ({"code": "at_bound", "category": "technology", "parameter": "decay"}, "fi", "Teknologian jälkivaikutus"),
        ({"code": "autocorrelation"}, "fi", "Mallin virheet toistuvat"),
        ({"code": "short_history", "weeks": 80}, "en", "Only 80 weeks of data"),
        ({"code": "idle_spend_column", "category": "design", "columns": ["ux_eur"]}, "fi", "sarakkeissa ux_eur"),
        ({"code": "partial_week_dropped", "weeks": ["2024-01-01"]}, "fi", "1.1.2024"),
        (
            {"code": "plan_beyond_history", "category": "content", "weekly_eur": 18450.0, "max_weekly_eur": 15200.0},
            "fi",
            f"sisällön kulut tasolle 18{NBSP}400{NBSP}€",
        ),
        (
            {
                "code": "plan_current_outside_bounds",
                "category": "design",
                "share": 0.02,
                "min_share": 0.05,
                "max_share": 0.9,
            },
            "en",
            f"(2{NBSP}%)",
        ),
    ],
)
def test_warnings_translate_by_code(entry, lang, expected):
    assert expected in Messages(lang).warning(entry, "English text")


def test_unknown_warning_code_uses_the_english_text():
    assert Messages("fi").warning({"code": "brand_new"}, "An English sentence.") == "An English sentence."
    assert Messages("fi").warning({"code": "brand_new", "text": "From the entry."}) == "From the entry."
    nested = {"code": "low_variation", "context": {"category": "content"}}
    assert Messages("fi").warning(nested).startswith("Sisällön kulut")


# -- the HTML report --------------------------------------------------------------------------

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def executed_notebook(folder: Path, name: str) -> Path:
    """A small notebook as papermill leaves it: code cells with outputs, a PNG, a linked image."""
    (folder / "pixel.png").write_bytes(PNG_1PX)
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {name}\n\nWhat the chart shows. ![pixel](pixel.png)"),
        nbformat.v4.new_code_cell(
            "secret_source_line = 1\nprint('hello from the kernel')",
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="hello from the kernel\n")],
            execution_count=1,
        ),
        nbformat.v4.new_code_cell(
            "fig",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={"image/png": base64.b64encode(PNG_1PX).decode(), "text/plain": "<Figure>"}
                )
            ],
            execution_count=2,
        ),
    ]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def test_export_html_is_one_offline_file_without_code(tmp_path):
    paths = [executed_notebook(tmp_path, "01_first"), executed_notebook(tmp_path, "02_second")]
    out = export_html(paths, tmp_path / "run" / "report.html")
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"<script\b[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert not re.search(r"<link\b[^>]*\bhref\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert not re.search(r"@import\s+(url\()?[\"']?(https?:)?//", page, re.I)
    assert "require.js" not in page and "mathjax" not in page.lower() and "unpkg.com" not in page
    assert "secret_source_line" not in page  # code hidden
    assert page.count("hello from the kernel") == 2 and "01_first" in page and "02_second" in page
    assert page.count("data:image/png;base64,") >= 4  # outputs and the linked markdown image
    assert 'src="pixel.png"' not in page
    assert list((tmp_path / "run").iterdir()) == [out]


def test_export_html_needs_a_notebook(tmp_path):
    with pytest.raises(ValueError, match="at least one notebook"):
        export_html([], tmp_path / "report.html")


# -- the notebook -----------------------------------------------------------------------------


def test_brief_notebook_is_thin_and_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assert code[0].source == (
        'params_path: str = "../../params/example.yaml"  # the planning run to execute\n'
        "run_dir: str = \"\"  # run folder written by 'planner run'; empty when opened by hand"
    )
    assert all(not c.outputs and c.execution_count is None for c in code)
    source = "\n".join(c.source for c in code)
    assert not re.search(r"^\s*(def|class)\s", source, re.M)
    for line in (
        "from planner.pipeline import Pipeline",
        "pipe = Pipeline(params_path, run_dir)",
        "pdf = pipe.brief()",
    ):
        assert line in source


def test_brief_from_a_real_plan_without_bootstrap(tmp_path):
    """The allocation section as planner.plan writes it (here on the generator's truth: no draws,
    so no intervals and no probability) still gives an honest two-page brief."""
    from planner.params import PlanSpec
    from planner.plan import plan_budget
    from planner.synth import generate

    truth = generate(seed=1, weeks=104).truth
    results = load("content_en")
    results["allocation"] = plan_budget(truth, PlanSpec(), truth.spend).to_dict()
    gain = results["allocation"]["gain_vs_current"]
    assert gain["low"] is None and gain["probability_better"] is None
    head = headline(results)
    assert head.text.endswith(Messages("en")("hl_no_interval"))
    assert "likely" not in head.text
    path = build_pdf(results, tmp_path / "real.pdf")
    assert len(PdfReader(path).pages) == 2
    assert norm(head.text) in pdf_text(path)


def test_unidentified_category_and_missing_intervals_read_as_unknown(tmp_path):
    results = load("weak_en")
    results["model"]["identified"] = {"content": True, "design": False, "technology": True}
    results["model"]["claim"] = {"verdict": "inconclusive", "text": "..."}
    results["contributions"]["design"].update(share=0.0, low=0.0, high=1.0)
    results["contributions"]["technology"].update(low=None, high=None)
    results["warning_codes"][0] = {"code": "low_variation", "category": "design", "identified": False}
    text = pdf_text(build_pdf(results, tmp_path / "unknown.pdf"))
    assert "design unknown" in text and "technology 35 %" in text
    assert "because design spend never varied" in text
    assert "left out of the model and its share is unknown" in text


def test_contradicted_claim_names_the_category_and_direction(tmp_path):
    results = load("content_en")
    results["model"]["claim"] = {
        "verdict": "contradicted",
        "text": "...",
        "category": "technology",
        "direction": "more",
    }
    results["contributions"]["technology"].update(share=0.45, low=0.38, high=0.52)
    results["params"]["report"]["language"] = "fi"
    text = pdf_text(build_pdf(results, tmp_path / "contra.pdf"))
    assert "teknologia tuottaa enemmän kuin väitteen 10–15 %" in text
