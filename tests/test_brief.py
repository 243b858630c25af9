"""The executive brief: it renders what the model and the plan decided, with numbers that add up.

The fixtures in tests/fixtures/ are results.json files of real runs on generated histories
(`scripts/make_fixtures.py` rewrites them): content-led, technology-driven, weak and no effect.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib
import pytest
from pypdf import PdfReader

from planner import CATEGORIES
from planner.brief import BriefView, build_pdf, headline
from planner.brief.layout import FONT_BOLD, text_width
from planner.brief.pages import BADGE_FONT_SIZE, quality_badge_width
from planner.brief.view import money_step, round_to_total
from planner.charts import brief as brief_charts
from planner.i18n import Messages
from planner.results import Results

FIXTURES = Path(__file__).parent / "fixtures"
CASES = ("content", "technology", "weak", "no_effect")
LANGS = ("en", "fi")


def load(name: str, lang: str = "en") -> Results:
    raw = json.loads((FIXTURES / f"results_{name}.json").read_text(encoding="utf-8"))
    raw["run"]["language"] = lang
    raw["params"].setdefault("report", {})["language"] = lang
    return Results.model_validate(raw)


def norm(text: str) -> str:
    """Whitespace as the PDF text has it (no-break and narrow spaces become plain spaces)."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def pdf_pages(path: Path) -> list[str]:
    return [norm(page.extract_text()) for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[tuple[str, str], tuple[Results, BriefView, list[str]]]:
    out = {}
    folder = tmp_path_factory.mktemp("briefs")
    for case in CASES:
        for lang in LANGS:
            results = load(case, lang)
            pdf = build_pdf(results, folder / f"{case}_{lang}.pdf")
            out[case, lang] = (results, BriefView(results), pdf_pages(pdf))
    return out


def test_fixtures_cover_every_action_and_quality():
    """The four real runs exercise a move, a keep or test on a weak model and a no-effect history."""
    actions = {c: load(c).allocation.action for c in CASES}
    assert actions["content"] == "move"
    assert actions["weak"] in ("test", "keep")
    assert load("weak").model.quality == "weak"
    assert actions["no_effect"] != "move"


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_brief_has_two_pages_and_page_one_holds_the_headline(built, case, lang):
    results, view, pages = built[case, lang]
    assert len(pages) == 2
    assert norm(view.headline.text)[:60] in pages[0]
    assert view.headline.kind == results.allocation.action_reason.code
    assert view.headline.action == results.allocation.action


@pytest.mark.parametrize("case", CASES)
def test_the_recommended_column_is_what_the_plan_recommends(built, case):
    """Keep and test leave the money where it is: no column called recommended shows another split."""
    results, view, pages = built[case, "en"]
    alloc = results.allocation
    cols = {c.key: c for c in view.split_columns}
    if alloc.action == "move":
        assert "recommended" in cols and "candidate" not in cols
        assert cols["recommended"].shares == {c: alloc.recommended.split[c] for c in CATEGORIES}
        assert "Recommended" in pages[0]
    else:
        assert "recommended" not in cols
        assert {c: alloc.recommended.split[c] for c in CATEGORIES} == cols["current"].shares
        assert cols["current"].highlight and not cols["candidate"].highlight
        assert "Recommended" not in pages[0]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_moved_euros_in_the_headline_equal_the_tables_difference(built, case, lang):
    results, view, pages = built[case, lang]
    cols = {c.key: c for c in view.split_columns}
    other = cols.get("recommended") or cols["candidate"]
    moved = sum(max(other.euros[c] - cols["current"].euros[c], 0) for c in CATEGORIES)
    assert view.moved == pytest.approx(moved)
    if "amount" in view.headline.numbers:
        assert view.headline.numbers["amount"] == view.m.eur(moved)
        assert norm(view.headline.numbers["amount"]) in pages[0]
    # every column adds up to the budget the subtitle shows
    step = money_step(view.budget)
    for col in view.split_columns:
        assert sum(col.euros.values()) == pytest.approx(round(view.budget / step) * step)


def test_round_to_total_keeps_the_sum():
    values = {"content": 333_333.4, "design": 333_333.3, "technology": 333_333.3}
    rounded = round_to_total(values, 1000)
    assert sum(rounded.values()) == 333_000 * 3 + 1000
    assert all(v % 1000 == 0 for v in rounded.values())


@pytest.mark.parametrize("case", CASES)
def test_current_split_is_the_last_horizon_everywhere(built, case):
    results, view, _ = built[case, "en"]
    current = {c: results.data.split.current[c] for c in CATEGORIES}
    assert {c: results.allocation.current.split[c] for c in CATEGORIES} == pytest.approx(current, abs=1e-6)
    assert view.split_columns[0].shares == pytest.approx(current, abs=1e-6)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_no_cents_after_about_and_no_plural_slips(built, case, lang):
    _, _, pages = built[case, lang]
    text = " ".join(pages)
    # "about" amounts: whole euros from 10 up, two significant digits below (never "about €11.07")
    assert not re.search(r"about €([1-9]\d+\.\d|[1-9]\.\d\d)", text)
    assert not re.search(r"noin ([1-9][\d ]+,\d|[1-9],\d\d) ?€", text)
    assert not re.search(r"\b1 encounters\b", text)


def test_the_claim_is_named_the_same_way_in_title_and_text(built):
    _, view, pages = built["technology", "en"]
    assert "80/10–15/10–15 claim" in pages[0]
    assert "80/10/10 claim" not in pages[0]


def test_claim_text_names_the_models_category(built):
    for case in CASES:
        results, view, _ = built[case, "en"]
        claim = results.model.claim
        if claim.verdict == "contradicted" and claim.category:
            assert any(view.m.category(claim.category) in t for t in view.claim_texts)


def test_no_effect_brief_does_not_claim_trust(built):
    """With no spend effect the brief neither trusts the direction nor recommends another split."""
    results, view, pages = built["no_effect", "en"]
    assert results.allocation.action != "move"
    assert "the direction can be trusted" not in pages[0].lower()
    assert results.model.quality == "weak" or results.model.claim.verdict == "inconclusive"


@pytest.mark.parametrize("lang", LANGS)
def test_quality_badges_fit_their_box(lang):
    m = Messages(lang)
    width = quality_badge_width()
    for quality in ("good", "fair", "weak", None):
        mark = m.quality(quality)[0]
        assert text_width(mark, FONT_BOLD, BADGE_FONT_SIZE) <= width - 4, (lang, mark)


def test_frontier_axis_shows_small_counts_in_units():
    matplotlib.use("Agg")
    rows = [{"budget": b, "expected_encounters": 150 + b / 100, "low": 120, "high": 260} for b in (2000, 4000, 6000)]
    fig = brief_charts.frontier(rows, Messages("en"), budget=4000)
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(set(labels)) == len(labels) > 1
    assert "thousand" not in ax.get_ylabel()


def test_headline_accepts_a_dict_and_a_path(tmp_path):
    raw = json.loads((FIXTURES / "results_content.json").read_text(encoding="utf-8"))
    path = tmp_path / "results.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert headline(raw).text == headline(path).text == headline(load("content")).text


def test_finnish_brief_is_finnish(built):
    _, view, pages = built["content", "fi"]
    assert "Suositus" in pages[0] or "Nykyinen" in pages[0]
    assert "Recommended" not in pages[0] and "Current" not in pages[0]
