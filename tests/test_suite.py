"""End to end: the whole notebook suite on the shipped example, in English and in Finnish."""

import json
import re

import nbformat
import pandas as pd
import pytest
import yaml
from pypdf import PdfReader

from planner import CATEGORIES
from planner.running import runner

pytestmark = pytest.mark.slow


@pytest.fixture
def runs(suite_runs):
    """The suite run on the example in English and Finnish, once per session (conftest.suite_runs)."""
    return suite_runs


def test_every_notebook_ran_with_the_injected_parameters(runs):
    names = [p.name for p in runner.notebooks()]
    assert names == [
        "01_data_overview.ipynb",
        "02_model.ipynb",
        "03_funnel.ipynb",
        "04_budget_plan.ipynb",
        "05_brief.ipynb",
    ]
    for name in names:
        nb = nbformat.read(runs["en"] / name, as_version=4)
        assert nb.metadata.papermill.parameters["run_dir"] == "."
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert outputs, f"{name} shows nothing"
        assert not [o for o in outputs if o.output_type == "error"]
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code" and c.execution_count]
        assert counts[0] == 1, "each notebook starts with a fresh kernel session"


def test_results_json_has_every_section(runs):
    import jsonschema

    from planner.results import json_schema, load_results

    results = json.loads((runs["en"] / "results.json").read_text())
    assert results["schema"] == 2
    for lang in runs:  # the published contract, as a third party reads it
        jsonschema.validate(json.loads((runs[lang] / "results.json").read_text()), json_schema())
    assert load_results(runs["en"]).finished()
    assert {"params", "data", "model", "contributions", "allocation", "warnings"} <= set(results)
    assert results["data"]["rows"] == 156
    shares = [results["contributions"][c]["share"] for c in CATEGORIES]
    assert sum(shares) == pytest.approx(1, abs=1e-6)
    for c in CATEGORIES:
        assert results["contributions"][c]["low"] <= results["contributions"][c]["share"] <= \
            results["contributions"][c]["high"]
    alloc = results["allocation"]
    assert sum(alloc["recommended"]["split"].values()) == pytest.approx(1, abs=1e-6)
    assert alloc["total_budget"] == pytest.approx(sum(results["data"]["spend_by_category"]["current"].values()))
    assert 0 <= alloc["gain_vs_current"]["probability_better"] <= 1
    # the example history is technology-led and content truly drives encounters: the data must show it
    assert shares[0] > 0.5
    assert alloc["recommended"]["split"]["content"] > alloc["current"]["split"]["content"]


@pytest.fixture(scope="module")
def edge_runs(tmp_path_factory):
    """The suite on a weak history and on one where spend does nothing (English)."""
    from planner.simulate import generators

    folder = tmp_path_factory.mktemp("edge")
    out = {}
    for name, (generator, seed) in {"weak": ("small_counts", 3), "no_effect": ("additive_hill", 1)}.items():
        case = generators.make(generator, seed)
        frame = generators.without_spend_effect(case) if name == "no_effect" else case.frame
        frame.to_csv(folder / f"{name}.csv", index=False)
        raw = json.loads(json.dumps(case.params, default=str))
        raw["data"]["path"] = str(folder / f"{name}.csv")
        raw.setdefault("model", {})["draws"] = 200
        raw.setdefault("output", {}).update(dir=str(folder / "reports"), name=name)
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True))
        outcome = runner.run(path, progress=lambda _: None)
        assert outcome.status == "ok", outcome.message
        out[name] = outcome.run_dir
    return out


@pytest.mark.parametrize("name", ["weak", "no_effect"])
def test_brief_plan_csv_and_results_agree(edge_runs, name):
    """Page 1, plan.csv and results.json say the same: the action, the split to spend, the euros moved."""
    import jsonschema

    from planner.presentation.brief import BriefView
    from planner.results import json_schema, load_results

    folder = edge_runs[name]
    jsonschema.validate(json.loads((folder / "results.json").read_text()), json_schema())
    results = load_results(folder)
    alloc = results.allocation
    assert alloc.action != "move"  # neither history supports moving money
    view = BriefView(results)
    page1 = re.sub(r"[\s\u00a0\u202f]+", " ", PdfReader(folder / "brief.pdf").pages[0].extract_text())
    assert re.sub(r"[\s\u00a0\u202f]+", " ", view.headline.text)[:80] in page1
    assert "Recommended" not in page1  # keep and test recommend the current split, and say so
    plan = pd.read_csv(folder / "plan.csv")
    spent = plan[list(CATEGORIES)].sum()
    for c in CATEGORIES:  # plan.csv spends the recommended split, which is the current one
        assert spent[c] == pytest.approx(alloc.recommended.euros[c], abs=len(plan))
        assert alloc.recommended.euros[c] == pytest.approx(alloc.current.euros[c])
    if "amount" in view.headline.numbers:  # the euros the headline names are the table's difference
        assert view.headline.numbers["amount"] == view.m.eur(view.moved)


def test_outputs_of_the_run(runs):
    folder = runs["en"]
    figures = {p.name[:2] for p in (folder / "figures").glob("*.png")}
    assert {"01", "02", "03", "04"} <= figures
    plan = pd.read_csv(folder / "plan.csv")
    results = json.loads((folder / "results.json").read_text())
    assert len(plan) == results["allocation"]["horizon_weeks"]
    assert plan[list(CATEGORIES)].to_numpy().sum() == pytest.approx(results["allocation"]["total_budget"], rel=1e-6)
    pages = PdfReader(folder / "brief.pdf").pages
    assert 1 <= len(pages) <= 2
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=[\"']https?:", html)
    assert not re.search(r"<link[^>]+href=[\"']https?:", html)
    assert "data:image/png;base64" in html
    # nothing in the run folder runs code when opened: no pickles, no cache
    assert not [p for p in folder.rglob("*") if p.suffix in (".pkl", ".pickle")]
    assert not (folder / "cache").exists()


def test_language_changes_words_not_numbers(runs):
    en = json.loads((runs["en"] / "results.json").read_text())
    fi = json.loads((runs["fi"] / "results.json").read_text())
    for section in ("data", "model", "contributions", "allocation"):
        assert en[section] == fi[section], f"{section} differs between two runs of the same data"
    text_fi = "".join(p.extract_text() for p in PdfReader(runs["fi"] / "brief.pdf").pages)
    text_en = "".join(p.extract_text() for p in PdfReader(runs["en"] / "brief.pdf").pages)
    assert "kohtaami" in text_fi.lower()
    assert "encounters" in text_en.lower()


def test_plan_csv_is_written_for_the_run_language(runs):
    """English plan.csv is today's machine form; the Finnish one opens as columns in Finnish Excel and
    reads back into the same whole euros (plan.csv holds no fractions, so no decimal mark shows)."""
    from planner.presentation.tables import read_csv

    en_bytes = (runs["en"] / "plan.csv").read_bytes()
    assert en_bytes.startswith(b"week_start,content,design,technology,total\n")
    fi_text = (runs["fi"] / "plan.csv").read_bytes().decode("utf-8")
    assert fi_text.startswith("\ufeffViikon alku;Sisältö;Muotoilu;Teknologia;Yhteensä\n")
    assert "," not in fi_text
    en = pd.read_csv(runs["en"] / "plan.csv", index_col="week_start", parse_dates=True)
    pd.testing.assert_frame_equal(read_csv(runs["fi"] / "plan.csv"), en)


# -- the funnel notebook, with and without the params' funnel section ----------------------------


@pytest.fixture(scope="module")
def no_funnel_run(tmp_path_factory):
    """The suite on the example without its funnel section (English, few posterior draws)."""
    from tests.conftest import EXAMPLE_CSV, EXAMPLE_PARAMS

    folder = tmp_path_factory.mktemp("no_funnel")
    raw = yaml.safe_load(EXAMPLE_PARAMS.read_text())
    del raw["funnel"]
    raw["data"]["path"] = str(EXAMPLE_CSV)
    raw["model"]["draws"] = 20
    raw["report"]["language"] = "en"
    raw["output"].update(dir=str(folder / "reports"), name="no_funnel")
    path = folder / "no_funnel.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    outcome = runner.run(path, progress=lambda _: None)
    assert outcome.status == "ok", outcome.message
    return outcome.run_dir


def _shown_html(nb) -> list[str]:
    """The HTML output of each code cell of an executed notebook (after the parameters)."""
    return [
        "".join(str(o.get("data", {}).get("text/html", "")) for o in c.outputs)
        for c in nb.cells
        if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
        and "injected-parameters" not in c.metadata.get("tags", [])
    ]


def _spaced(text: str) -> str:
    """Text with every run of spaces (no-break ones included) as one space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def _funnel_notebook_is_clean(folder):
    from tests.test_report import raw_reprs

    nb = nbformat.read(folder / "03_funnel.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.get("name") == "stderr"]
    assert raw_reprs(nb) == []
    for i, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and "parameters" not in tags and "injected-parameters" not in tags:
            assert cell.outputs, f"03_funnel cell {i} shows nothing"
    return nb


def test_funnel_notebook_with_the_section(runs):
    """The example has a funnel section: the notebook shows its sentences, tables and charts in the
    run's language, and results.json holds the funnel section as a dict."""
    from planner.presentation.i18n import Messages
    from tests.test_report import visible_text

    for lang, folder in runs.items():
        nb = _funnel_notebook_is_clean(folder)
        funnel = json.loads((folder / "results.json").read_text())["funnel"]
        assert isinstance(funnel, dict)
        assert {"close_rate", "deal_value", "value_per_encounter", "experience", "chain"} <= set(funnel)
        for name in ("03_close_rate", "03_deal_value", "03_experience"):
            assert (folder / "figures" / f"{name}.png").is_file(), name
        shown = _spaced(visible_text("".join(_shown_html(nb))))
        m = Messages(lang)
        assert _spaced(m("funnel_title")) in shown
        # the recorded close rate, as the notebook words it
        assert _spaced(m.pct(funnel["close_rate"]["value"], 1)) in shown
        assert _spaced(m("funnel_absent")) not in shown
        # the plan's recommended split with its expected change of the experience score
        change = json.loads((folder / "results.json").read_text())["allocation"]["recommended"]["experience_change"]
        assert _spaced(m.number(change["value"], 1)) in shown


def test_funnel_notebook_without_the_section(no_funnel_run):
    """Without a funnel section the notebook still runs through: every cell says what to add, every
    chart is a note, and results.json's funnel is null."""
    from planner.presentation.i18n import Messages
    from tests.test_report import visible_text

    nb = _funnel_notebook_is_clean(no_funnel_run)
    results = json.loads((no_funnel_run / "results.json").read_text())
    assert "funnel" in results and results["funnel"] is None
    assert results["allocation"]["objective"] == "encounters"
    for name in ("03_close_rate", "03_deal_value", "03_experience"):
        assert (no_funnel_run / "figures" / f"{name}.png").is_file(), name
    absent = _spaced(Messages("en")("funnel_absent"))
    html_cells = [_spaced(visible_text(h)) for h in _shown_html(nb) if h]
    assert html_cells and all(absent in h for h in html_cells)
    # the later notebooks are unaffected
    for name in ("04_budget_plan.ipynb", "05_brief.ipynb"):
        later = nbformat.read(no_funnel_run / name, as_version=4)
        assert not [o for c in later.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert (no_funnel_run / "brief.pdf").is_file()


# -- what the notebooks show (report.html is made of these outputs) ------------------------------


def test_no_notebook_output_is_raw_python(runs):
    from tests.test_report import raw_reprs

    for lang, folder in runs.items():
        for path in runner.notebooks():
            nb = nbformat.read(folder / path.name, as_version=4)
            assert raw_reprs(nb) == [], f"{lang}: {path.name} shows raw Python"
            for i, cell in enumerate(nb.cells):
                tags = cell.metadata.get("tags", [])
                if cell.cell_type != "code" or "parameters" in tags or "injected-parameters" in tags:
                    continue
                assert cell.outputs, f"{lang}: {path.name} cell {i} shows nothing"


def test_shipped_notebooks_are_thin_and_stripped():
    for path in runner.notebooks():
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "parameters" in code[0].metadata.get("tags", []), path.name
        for cell in code:
            assert not cell.outputs and cell.execution_count is None, f"{path.name} is stored with outputs"
            assert not re.search(r"^\s*(def|class)\s", cell.source, re.M), f"{path.name} defines code"


def test_report_html_is_in_the_run_language(runs):
    from tests.test_report import CHROME, visible_text

    for lang, other in (("fi", "en"), ("en", "fi")):
        page = (runs[lang] / "report.html").read_text(encoding="utf-8")
        words = visible_text(page)
        assert f'<html lang="{lang}">' in page
        assert all(w in words for w in CHROME[lang]), f"{lang} report lacks its own chrome"
        assert not any(w in words for w in CHROME[other]), f"{lang} report has {other} chrome"
    fi = visible_text((runs["fi"] / "report.html").read_text(encoding="utf-8"))
    assert "156 viikon aineisto" in fi and "Sisältövaikutuksen budjettisuunnitelma" in fi


def test_the_brief_shown_is_in_the_finished_run_folder(runs):
    for folder in runs.values():
        expected = "/".join([*folder.parts[-3:], "brief.pdf"])  # reports/<plan>/<run>/brief.pdf
        assert (folder / "brief.pdf").is_file()
        nb = nbformat.read(folder / "05_brief.ipynb", as_version=4)
        shown = "".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells for o in c.get("outputs", []))
        assert expected in shown and ".partial" not in shown
        assert expected in (folder / "report.html").read_text(encoding="utf-8")


# Headings and labels of the notebooks' markdown, the model and plan summaries and the charts: none
# of one language's may show in a run of the other.
WORDS = {
    "en": [
        "Data overview",
        "What was read",
        "Spend mix",
        "Encounter model",
        "The fitted model",
        "Contribution shares",
        "Parameters",
        "Response curves",
        "Checks",
        "Decision",
        "Scenario",
        "Budget frontier",
        "Bounds applied",
        "Take note",
        "Best split",
        "interval",
        "per encounter",
        "encounters per week",
        "Executive brief",
        "The headline",
        "Contents",
    ],
    "fi": [
        "Aineiston yleiskuva",
        "Mitä luettiin",
        "Kohtaamismalli",
        "Osuudet kohtaamisista",
        "Vastekäyrät",
        "Tarkistukset",
        "Päätös",
        "Budjettiraja",
        "Käytetyt rajat",
        "Huomioi",
        "vaihteluväli",
        "per kohtaaminen",
        "kohtaamiset viikossa",
        "Johdon tiivistelmä",
        "Pääviesti",
        "Sisältö",
    ],
}


def _notebook_text(nb) -> str:
    """What a reader of an executed notebook sees: its markdown and its outputs (HTML, else plain text)."""
    from tests.test_report import visible_text

    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" in data:
                parts.append(visible_text(str(data["text/html"])))
            elif "text/plain" in data and not str(data["text/plain"]).startswith("<Figure"):
                parts.append(str(data["text/plain"]))
            elif out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
    return "\n".join(parts)


def test_a_run_shows_no_words_of_the_other_language(runs):
    from tests.test_report import visible_text

    for lang, other in (("fi", "en"), ("en", "fi")):
        shown = {"report.html": visible_text((runs[lang] / "report.html").read_text(encoding="utf-8"))}
        for path in runner.notebooks():
            shown[path.name] = _notebook_text(nbformat.read(runs[lang] / path.name, as_version=4))
        for where, text in shown.items():
            found = [w for w in WORDS[other] if w in text]
            assert not found, f"{lang} run: {where} shows {found}"
        assert any(w in shown["report.html"] for w in WORDS[lang]), f"{lang} report lacks its own words"


def _example_funnel(folder):
    """The funnel analysis of the shipped example (few posterior draws)."""
    from planner.running.pipeline import Pipeline
    from tests.conftest import EXAMPLE_CSV, EXAMPLE_PARAMS

    raw = yaml.safe_load(EXAMPLE_PARAMS.read_text())
    raw["data"]["path"] = str(EXAMPLE_CSV)
    raw["model"]["draws"] = 20
    path = folder / "example.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    funnel = Pipeline(path).funnel
    assert funnel is not None and funnel.close_rate is not None and funnel.experience is not None
    return funnel


def test_charts_and_summaries_speak_the_language_they_are_given(tmp_path):
    """Every text drawn on the notebook charts (titles, labels, legends, ticks) and the summaries'
    words in Finnish hold none of the English headings, and numbers use the Finnish format."""
    import pickle

    from planner.inference.model import summary
    from planner.presentation.charts import data as data_charts
    from planner.presentation.charts import funnel as funnel_charts
    from planner.presentation.charts import model as model_charts
    from planner.presentation.charts import plan as plan_charts
    from planner.reading.data import load_data
    from planner.reading.params import load
    from tests.conftest import EXAMPLE_PARAMS
    from tests.test_model import fit, generate
    from tests.test_plan import PlanSpec, fitted_like, history, plan_budget

    res = fit(generate(seed=0, scenario="content_driven").frame, draws=20)
    plan = plan_budget(fitted_like(), PlanSpec(horizon_weeks=8, frontier={"steps": 3}), history())
    data = load_data(load(EXAMPLE_PARAMS))
    figures = [f(data, "fi") for f in (data_charts.spend_mix, data_charts.split_vs_reference,
                                       data_charts.encounters_by_channel, data_charts.weighted_encounters)]
    figures += [f(res, "fi") for f in (model_charts.actual_vs_fitted, model_charts.decomposition,
                                       model_charts.shares_vs_claim, model_charts.response_curves)]
    figures += [f(plan, "fi") for f in (plan_charts.scenario_chart, plan_charts.frontier_chart,
                                        plan_charts.weekly_plan_chart)]
    funnel = _example_funnel(tmp_path)
    figures += [f(given, "fi") for f in (funnel_charts.close_rate_by_month, funnel_charts.deal_value_by_month,
                                         funnel_charts.experience_effects) for given in (funnel, None)]
    english = WORDS["en"] + ["share of", "spend", "encounters", "week", "budget", "content", "design",
                             "technology", "actual", "baseline", "reference", "claim", "unseen", "today"]
    for fig in figures:
        fig.canvas.draw()  # tick labels exist once drawn
        texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
        drawn = " | ".join(t for t in texts if t)
        assert not [w for w in english if w in drawn], drawn
        assert not re.search(r"\b\d+\.\d+\b(?!\.)", drawn), f"an English decimal point: {drawn}"
    pickle.dumps(res)
    for shown in (str(summary.model_summary(res, "fi")), summary.results_html(res, "fi"),
                  str(plan.summary("fi")), plan._repr_html_("fi")):
        assert not [w for w in WORDS["en"] if w in shown], shown
    assert "Contribution shares" in str(summary.model_summary(res)) and "Decision" in str(plan.summary())


CODE_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b|beta\[|->|(?<!\.)\.\.(?!\.)")


def test_report_html_shows_no_code_names(runs):
    """Parameters, settings and ranges read as words in report.html, in every language; only the user's
    own names (data columns, the params file and the run's folder) are shown as they are."""
    from tests.test_report import visible_text

    for lang, folder in runs.items():
        raw = yaml.safe_load((folder / "params.yaml").read_text(encoding="utf-8"))
        own = {f"example_{lang}", folder.name, *raw["data"]["controls"], *raw["data"]["events"]}
        own |= set(raw["data"]["encounters"])
        for value in (raw.get("funnel") or {}).values():
            own |= set(value.values()) if isinstance(value, dict) else {value} if isinstance(value, str) else set()
        text = visible_text((folder / "report.html").read_text(encoding="utf-8"))
        for name in sorted(own, key=len, reverse=True):
            text = text.replace(name, "")
        found = sorted(set(CODE_NAME.findall(text)))
        assert not found, f"{lang} report.html shows code names: {found}"
