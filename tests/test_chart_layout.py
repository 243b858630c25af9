"""Every chart the notebooks and the brief draw fits its texts inside the figure, in every language.

One small synthetic run with a funnel (data, model, funnel, plan) feeds the notebooks' charts; the
brief's charts are drawn from the test fixtures' page 1. Each figure is drawn and every visible text's
bounding box is measured against the figure's.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pytest
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from planner.presentation.i18n import languages

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
LANGS = tuple(languages())
#: how far (pixels at the figure's dpi) a text may reach past the figure's edge: antialiasing
TOLERANCE = 1.0


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from planner.running.pipeline import Pipeline
    from planner.simulate import synth

    folder = tmp_path_factory.mktemp("layout")
    frame = synth.generate(seed=1, funnel=True).frame
    data_path = folder / "data.csv"
    frame.to_csv(data_path, index=False)
    raw = yaml.safe_load((ROOT / "params" / "example.yaml").read_text(encoding="utf-8"))
    raw["data"]["path"] = str(data_path)
    raw["plan"]["objective"] = "revenue"
    raw["output"]["dir"] = str(folder / "reports")
    params = folder / "plan.yaml"
    params.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    pipe = Pipeline(params, folder / "run")
    return pipe.data, pipe.model, pipe.funnel, pipe.plan


def notebook_figures(run, lang: str) -> dict:
    from planner.presentation.charts import data as data_charts
    from planner.presentation.charts import funnel as funnel_charts
    from planner.presentation.charts import model as model_charts
    from planner.presentation.charts import plan as plan_charts

    data, model, funnel, plan = run
    return {
        "01_spend_mix": data_charts.spend_mix(data, lang),
        "01_split_vs_reference": data_charts.split_vs_reference(data, lang),
        "01_encounters_by_channel": data_charts.encounters_by_channel(data, lang),
        "01_weighted_encounters": data_charts.weighted_encounters(data, lang),
        "02_actual_vs_fitted": model_charts.actual_vs_fitted(model, lang),
        "02_decomposition": model_charts.decomposition(model, lang),
        "02_shares_vs_claim": model_charts.shares_vs_claim(model, lang),
        "02_response_curves": model_charts.response_curves(model, lang),
        "03_close_rate": funnel_charts.close_rate_by_month(funnel, lang),
        "03_deal_value": funnel_charts.deal_value_by_month(funnel, lang),
        "03_experience": funnel_charts.experience_effects(funnel, lang),
        "04_scenarios": plan_charts.scenario_chart(plan, lang),
        "04_frontier": plan_charts.frontier_chart(plan, lang),
        "04_weekly_plan": plan_charts.weekly_plan_chart(plan, lang),
    }


def brief_figures(case: str, lang: str) -> dict:
    from planner.presentation.brief.layout import register_fonts, styles
    from planner.presentation.brief.pages import page_one
    from planner.presentation.brief.view import BriefView
    from planner.results import Results

    register_fonts()
    raw = json.loads((FIXTURES / f"results_{case}.json").read_text(encoding="utf-8"))
    raw["run"]["language"] = lang
    raw["params"].setdefault("report", {})["language"] = lang
    figures: dict = {}
    page_one(BriefView(Results.model_validate(raw)), styles(), [], figures)
    return {f"{case}_{name}": fig for name, fig in figures.items()}


def drawn_texts(fig) -> list[Text]:
    """The visible, non-empty texts of `fig` that a drawing shows: a tick's label only where the tick
    lies within its axis's view (matplotlib keeps labels for ticks beyond it, but does not draw them)."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            slack = 1e-9 * max(abs(low), abs(high), 1.0)
            for ticks, locs in (
                (axis.get_major_ticks(), axis.get_majorticklocs()),
                (axis.get_minor_ticks(), axis.get_minorticklocs()),
            ):
                for i, tick in enumerate(ticks):
                    if i >= len(locs) or not low - slack <= locs[i] <= high + slack:
                        hidden.update((tick.label1, tick.label2))
    return [
        t
        for t in fig.findobj(Text)
        if t not in hidden and t.get_visible() and t.get_text().strip() and t.get_alpha() != 0
    ]


def clipped(fig) -> list[str]:
    """The texts of `fig` that reach outside it, each with how far."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    box = fig.bbox
    out = []
    for text in drawn_texts(fig):
        ext = text.get_window_extent(renderer)
        over = max(box.x0 - ext.x0, ext.x1 - box.x1, box.y0 - ext.y0, ext.y1 - box.y1)
        if over > TOLERANCE:
            out.append(f"{text.get_text()!r} by {over:.0f} px")
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_no_notebook_chart_clips_its_text(run, lang):
    problems = {name: c for name, fig in notebook_figures(run, lang).items() if (c := clipped(fig))}
    assert not problems, f"{lang}: {problems}"


@pytest.mark.parametrize("case", ("content", "held", "funnel_revenue", "funnel_profit", "funnel_profit_low", "weak"))
@pytest.mark.parametrize("lang", LANGS)
def test_no_brief_chart_clips_its_text(case, lang):
    problems = {name: c for name, fig in brief_figures(case, lang).items() if (c := clipped(fig))}
    assert not problems, f"{lang}: {problems}"


def test_the_measure_finds_a_clipped_title():
    """The check itself: a title wider than its figure is caught."""
    from planner.presentation.charts import figure

    fig = figure(2.0, 1.0)
    fig.subplots().set_title("a title far too long for a figure two inches wide, in any language")
    assert clipped(fig)
