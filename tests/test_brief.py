"""The executive brief: it renders what the model and the plan decided, with numbers that add up.

The fixtures in tests/fixtures/ are results.json files of real runs on generated histories
(`scripts/make_fixtures.py` rewrites them): content-led, technology-driven, weak, no effect and a
flat technology licence the data cannot show (encounters objective, no funnel), and a synthetic
history with the funnel planned for revenue and for profit (at the last horizon's spend, and at a
budget below profit's budget level).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib
import pytest
from pypdf import PdfReader

from planner import CATEGORIES
from planner.presentation import i18n
from planner.presentation.brief import BriefView, build_pdf, headline
from planner.presentation.brief.layout import FONT_BOLD, text_width
from planner.presentation.brief.pages import BADGE_FONT_SIZE, quality_badge_width
from planner.presentation.brief.view import money_step, round_to_total
from planner.presentation.charts import brief as brief_charts
from planner.presentation.i18n import Messages, round_sig
from planner.results import Results

FIXTURES = Path(__file__).parent / "fixtures"
ENCOUNTER_CASES = ("content", "technology", "weak", "no_effect", "held")
FUNNEL_CASES = ("funnel_revenue", "funnel_profit", "funnel_profit_low")
CASES = ENCOUNTER_CASES + FUNNEL_CASES
LANGS = ("en", "fi")


def raw_fixture(name: str, lang: str = "en") -> dict:
    raw = json.loads((FIXTURES / f"results_{name}.json").read_text(encoding="utf-8"))
    raw["run"]["language"] = lang
    raw["params"].setdefault("report", {})["language"] = lang
    return raw


def load(name: str, lang: str = "en") -> Results:
    return Results.model_validate(raw_fixture(name, lang))


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
    """The real runs exercise a move, a keep or test on a weak model, a no-effect history and value plans."""
    actions = {c: load(c).allocation.action for c in CASES}
    assert {c: load(c).allocation.objective for c in CASES} == {
        **dict.fromkeys(ENCOUNTER_CASES, "encounters"),
        "funnel_revenue": "revenue",
        "funnel_profit": "profit",
        "funnel_profit_low": "profit",
    }
    # a profit plan whose budget lies below its budget level: one more euro still pays
    low = load("funnel_profit_low").allocation
    assert low.budget_level.status == "found" and low.total_budget < low.budget_level.value
    assert all(load(c).funnel is None for c in ENCOUNTER_CASES)
    assert all(load(c).funnel is not None for c in FUNNEL_CASES)
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
    rows = [{"budget": b, "y": 150 + b / 100, "low": 120, "high": 260} for b in (2000, 4000, 6000)]
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


# -- plans for value and the funnel ---------------------------------------------------------------

OBJECTIVE_NAMED = {"en": "Objective: revenue", "fi": "Tavoite: liikevaihto"}
VALUE_ROW = {"en": "Expected revenue", "fi": "Odotettu liikevaihto"}


def parse_money(text: str, lang: str) -> float:
    """An amount as the brief prints it ("€65,000", "1,2 milj. €", "−25 000") back to a number."""
    t = norm(text).replace("\u2212", "-").replace("€", "").replace("+", "")
    scale = 1e6 if ("M" in t or "milj." in t) else 1.0
    t = t.replace("milj.", "").replace("M", "").replace(" ", "")
    t = t.replace(",", ".") if lang == "fi" else t.replace(",", "")
    return float(t) * scale


def two_significant(x: float) -> float:
    magnitude = 10 ** (len(str(int(abs(x)))) - 2)
    return round(x / magnitude) * magnitude


def build(raw: dict, tmp_path: Path, name: str) -> tuple[BriefView, list[str]]:
    results = Results.model_validate(raw)
    return BriefView(results), pdf_pages(build_pdf(results, tmp_path / f"{name}.pdf"))


@pytest.mark.parametrize("lang", LANGS)
def test_page1_splits_the_revenue_gain_into_parts_that_add_up(built, lang):
    """What content's warming adds and what the encounter change brings sum to the gain, each part with
    its interval, and page 1 states both and the encounter change with the numbers of results.json."""
    results, view, pages = built["funnel_revenue", lang]
    gain = results.allocation.gain_vs_current
    parts = gain.parts
    assert parts is not None and gain.warming == parts.warming.value
    assert parts.warming.value + parts.encounters.value == pytest.approx(gain.value.value, abs=0.02)
    for part in (parts.warming, parts.encounters):
        assert part.low < part.value < part.high
    line = view.gain_parts
    assert line is not None and norm(line) in pages[0]
    amounts = [parse_money(x, lang) for x in re.findall(r"[+−-]?\d[\d.,\u00a0\u202f]*(?:\s?(?:M|milj\.))?", line)]
    assert two_significant(parts.warming.value) in amounts
    assert two_significant(parts.encounters.value) in amounts
    assert two_significant(gain.encounters) in amounts
    # only a value plan that moves money says it
    _, encounters_view, _ = built["content", lang]
    assert encounters_view.gain_parts is None


@pytest.mark.parametrize("lang", LANGS)
def test_revenue_headline_states_the_plans_euro_gain_and_names_the_objective(built, lang):
    """The headline's euros are allocation.gain_vs_current.value (and its interval) at two significant figures."""
    results, view, pages = built["funnel_revenue", lang]
    gain = results.allocation.gain_vs_current.value
    numbers = view.headline.numbers
    assert parse_money(numbers["gain"], lang) == two_significant(gain.value)
    # the interval's numbers are in the gain's scale, the unit written once after them ("+1.7 to +2 M")
    bare = numbers["gain"].replace("M", "").replace("milj.", "")
    scale = parse_money(numbers["gain"], lang) / parse_money(bare, lang)
    low, high = re.findall(r"[+−-]\d[\d.,]*", numbers["interval"])
    assert parse_money(low, lang) * scale == pytest.approx(two_significant(gain.low))
    assert parse_money(high, lang) * scale == pytest.approx(two_significant(gain.high))
    if scale > 1:
        assert "M" in view.headline.reason or "milj." in view.headline.reason
    assert norm(numbers["gain"]) in pages[0] and norm(numbers["interval"]) in pages[0]
    assert ("more revenue" if lang == "en" else "lisää liikevaihtoa") in view.headline.reason
    assert "encounters" not in view.headline.reason and "kohtaamis" not in view.headline.reason
    assert OBJECTIVE_NAMED[lang] in pages[0] and VALUE_ROW[lang] in pages[0]
    # the recommended column shows the scenario's expected revenue
    recommended = next(c for c in view.split_columns if c.highlight)
    assert recommended.value == results.allocation.recommended.value.value
    assert norm(view.value_cell(recommended.value)) in pages[0]


@pytest.mark.parametrize("lang", LANGS)
def test_a_gain_of_millions_reads_in_millions(lang, tmp_path):
    raw = raw_fixture("funnel_revenue", lang)
    raw["allocation"]["gain_vs_current"]["value"] = {"value": 1_234_567.0, "low": 812_000.0, "high": 1_490_000.0}
    view, pages = build(raw, tmp_path, lang)
    assert parse_money(view.headline.numbers["gain"], lang) == 1_200_000
    expected = {"en": "about €1.2 M more revenue (+0.81 to +1.5 M)", "fi": "noin 1,2 milj. € lisää liikevaihtoa"}
    assert expected[lang] in norm(view.headline.reason)
    assert norm(view.headline.reason)[:60] in pages[0]


@pytest.mark.parametrize("lang", LANGS)
def test_conversion_lines_on_page_one(built, lang):
    """The close rate's trend and the deal value per channel, in the run's language, with the numbers of
    results.json (the warming line, tested above, leads them on a plan that moves money)."""
    results, view, pages = built["funnel_revenue", lang]
    trend = results.funnel.close_rate.trend
    points = f"{100 * trend.slope:.1f}".replace(".", "," if lang == "fi" else ".")
    value = view.m.eur(round(results.funnel.deal_value.self_service.value, -1))
    starts = {
        "en": (f"The close rate rose with content: {points} percentage points", f"Self-service deals average {value}"),
        "fi": (f"Klousausprosentti nousi sisällön myötä: {points} prosenttiyksikköä", f"keskikauppa on {value}"),
    }[lang]
    lines = view.funnel_lines
    assert len(lines) == 2
    for text in starts:
        assert norm(text) in pages[0]
    for line in lines:
        assert norm(line) in pages[0]


@pytest.mark.parametrize("lang", LANGS)
def test_page_two_holds_the_funnel_chain_and_the_experience_line(built, lang):
    results, view, pages = built["funnel_revenue", lang]
    chain = results.funnel.chain
    labels = {"en": ("Encounters", "Warmed leads", "Deals", "Revenue"), "fi": ("Kohtaamiset", "Lämmitetyt liidit")}
    for label in labels[lang]:
        assert label in pages[1]
    assert norm(view.m.int(chain.leads)) in pages[1] and norm(view.m.int(chain.deals)) in pages[1]
    assert norm(view.m.pct(chain.close_rate, 1)) in pages[1]
    experience = {"en": "Customer experience score per €1,000", "fi": "Asiakaskokemuksen muutos"}[lang]
    assert experience in pages[1]
    assert norm(view.experience_lines[0]) in pages[1]


@pytest.mark.parametrize("lang", LANGS)
def test_a_split_that_lowers_experience_is_flagged_once(built, lang, tmp_path):
    """The plan's plan_lowers_experience warning shows beside the funnel on page 1, not again in the list."""
    *_, pages = built["funnel_revenue", lang]
    flag = {"en": "expected to lower the customer-experience", "fi": "laskevan asiakaskokemuksen"}[lang]
    assert flag not in " ".join(pages)  # the real run raises the score: no warning
    raw = raw_fixture("funnel_revenue", lang)
    change = {"value": -3.2, "low": -5.0, "high": -1.4}
    for key in ("candidate", "recommended"):
        raw["allocation"][key]["experience_change"] = change
    warning = i18n.warning("plan_lowers_experience", change=-3.2, split="recommended")
    raw["warnings"].insert(0, warning)
    view, pages = build(raw, tmp_path, lang)
    assert view.experience_warning and flag in view.experience_warning
    assert pages[0].count(flag) == 1
    assert pages[1].count(flag) == 1
    assert all(flag not in w for w in view.warnings)


@pytest.mark.parametrize("lang", LANGS)
def test_profit_plans_say_how_much_to_spend(built, lang, tmp_path):
    """Beside the fixed-budget split: the budget level where one more euro stops paying for itself."""
    results, view, pages = built["funnel_profit", lang]
    level = results.allocation.budget_level
    label = {"en": "How much to spend:", "fi": "Kuinka paljon käyttää:"}[lang]
    assert label in pages[0]
    if level.status != "found":  # the real run: the plan's own sentence, once
        outside = view.m.render("plan_budget_level_outside", results.warnings[-1].context)
        assert results.warnings[-1].code == "plan_budget_level_outside"
        assert pages[0].count(norm(outside)[:70]) == 1
    raw = raw_fixture("funnel_profit", lang)
    raw["allocation"]["budget_level"] = {"value": 612_345.0, "low": 518_000.0, "high": 702_000.0, "status": "found"}
    raw["warnings"] = [w for w in raw["warnings"] if w["code"] != "plan_budget_level_outside"]
    view, pages = build(raw, tmp_path, lang)
    expected = {
        "en": "one more euro stops paying for itself at a budget of about €610,000 (520,000 to 700,000)",
        "fi": "noin 610 000 €:n budjetilla (520 000 – 700 000)",
    }[lang]
    assert expected in pages[0]
    assert ("more gross profit" if lang == "en" else "lisää myyntikatetta") in view.headline.reason


@pytest.mark.parametrize("case", ENCOUNTER_CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_encounter_plans_without_a_funnel_read_as_before(built, case, lang):
    results, view, pages = built[case, lang]
    assert not view.value_objective and view.funnel_lines == [] and view.funnel_chain == []
    assert "Objective" not in pages[0] and "Tavoite" not in pages[0]
    assert view.m("row_encounters") in pages[0] or norm(view.m("row_encounters")) in pages[0]
    assert view.budget_level is None and view.experience_warning is None


@pytest.mark.parametrize("lang", LANGS)
def test_a_category_the_data_cannot_show_is_held_and_its_test_is_on_page_one(built, lang):
    results, view, pages = built["held", lang]
    alloc = results.allocation
    assert alloc.held == ["technology"] and not results.model.identified["technology"]
    assert results.model.identification["technology"].reason in ("flat", "follows_baseline")
    # the plan moves no money into or out of it, whatever its action
    assert alloc.recommended.split["technology"] == pytest.approx(alloc.current.split["technology"])
    assert alloc.candidate.split["technology"] == pytest.approx(alloc.current.split["technology"])
    assert results.model.quality != "good"
    # page 1 says it is held, and states the test designed for it
    assert results.next_test is not None and results.next_test.category == "technology"
    m = Messages(lang)
    assert norm(view.held_note) in pages[0]
    assert norm(view.headline.next_step) in pages[0]
    unknown = m("next_test_unknown", category=m.category("technology", "nom"), detectable="X", level="Y")
    assert norm(unknown.split("Y")[0].split("X")[0]) in pages[0]
    # its share reads as a range, never as a point estimate the data do not hold
    row = results.contributions.technology
    ranged = m("claim_part_range", category=m.category("technology", "nom"), low=m.pct(row.low), high=m.pct(row.high))
    assert any(norm(ranged) in norm(text) for text in view.claim_texts)


DECISION_VERBS = {
    "en": {"move": "Move", "keep": "Keep", "test": "Test"},
    "fi": {"move": "Siirrä", "keep": "Pidä", "test": "Testaa"},
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_the_headline_starts_with_the_plans_decision(built, case, lang):
    """Page 1 opens with the decision's verb (Move / Keep / Test), then its reason, in the PDF's order."""
    results, view, pages = built[case, lang]
    verb = DECISION_VERBS[lang][results.allocation.action]
    assert view.headline.text.split()[0] == verb
    others = set(DECISION_VERBS[lang].values()) - {verb}
    assert not any(view.headline.text.startswith(o) for o in others)
    start = pages[0].index(norm(view.headline.text)[:50])
    assert pages[0].index(norm(view.headline.reason)[:50]) > start


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_the_next_test_is_on_page_one_whenever_the_run_has_one(built, case, lang):
    results, view, pages = built[case, lang]
    test = results.next_test
    if test is None:
        assert view.headline.next_step is None
        return
    step = view.headline.next_step
    assert step is not None and norm(step) in pages[0]
    m = view.m
    # what, how much, how long
    assert m.category(test.category, "gen") in step
    assert norm(m.eur(round_sig(abs(test.spend_change_eur_per_week)))) in norm(step)
    assert m.int(test.weeks) in step
    # the detectable change is paired with 80 % power, the power with the expected change
    assert norm(m.int(round_sig(test.detectable_lift))) in norm(step)
    assert norm(m.pct(0.8)) in norm(step)
    if test.category not in results.allocation.held:
        assert norm(m.prob(test.power)) in norm(step)


COLLAPSED = re.compile(
    r"(?<![\d.,])([+−-]?[€]?\d[\d.,\u00a0\u202f ]*(?:\s?(?:%|€|M|milj\. €|t€|k))?)\s?(?:to|–|-)\s?\1(?![\d.,])"
)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_no_interval_is_rounded_into_a_point(built, case, lang):
    """An interval whose ends read the same says nothing: nowhere on either page."""
    *_, pages = built[case, lang]
    for page in pages:
        found = [m.group(0) for m in COLLAPSED.finditer(page) if re.search(r"\d", m.group(1))]
        assert not found, f"{case} {lang}: collapsed intervals {found}"


IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_]+\b|beta\[|->|(?<!\.)\.\.(?!\.)")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_the_brief_shows_no_code_names(built, case, lang):
    """Parameter names, settings and ranges read as words, not as code."""
    results, _, pages = built[case, lang]
    own = Path(results.run.params_file).stem  # the user's own file name, in the footer
    for page in pages:
        page = page.replace(own, "")
        assert not IDENTIFIER.findall(page), f"{case} {lang}: {IDENTIFIER.findall(page)}"


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_each_page_glosses_the_terms_it_keeps(built, case, lang):
    *_, pages = built[case, lang]
    view = built[case, lang][1]
    for page, text in zip((1, 2), pages, strict=True):
        terms = view.glossary_terms(page)
        assert terms
        assert norm(view.m("glossary_label")) in text
        for term in terms:
            gloss = norm(view.m(f"glossary_{term}", level=view.interval_level))
            assert gloss[:40] in text
