"""The budget optimiser against brute force, its bounds and errors, and the synthetic truth."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from planner import CATEGORIES
from planner.inference.transforms import adstock, hill
from planner.plan import Experience, PlanError, PlanResults, Value, Warming, plan_budget
from planner.presentation.i18n.notebooks import messages
from planner.reading.params import PlanSpec
from planner.results import validate_section
from planner.simulate.synth import generate

CATS = list(CATEGORIES)


class HillResponse:
    """A handmade response (adstock + Hill per category) with optional multiplicative draws."""

    def __init__(self, beta, k, s, decay=(0.0, 0.0, 0.0), last_state=None, n_draws=0, interval=0.8, seed=0):
        self.beta = np.asarray(beta, dtype=float)
        self.k = np.asarray(k, dtype=float)
        self.s = np.asarray(s, dtype=float)
        self.decay = np.asarray(decay, dtype=float)
        state = self.k if last_state is None else last_state
        self.last_state = pd.Series(np.asarray(state, dtype=float), index=CATS)
        self.interval = interval
        # each draw scales every category's beta (correlated like posterior draws would be)
        rng = np.random.default_rng(seed)
        self.multipliers = rng.lognormal(0.0, 0.1, size=(n_draws, 3))

    def simulate(self, spend, *, draws=False):
        x = spend[CATS].to_numpy(dtype=float)
        a = adstock(x, self.decay, initial=self.last_state.to_numpy())
        out = self.beta * hill(a, self.k, self.s)
        if draws:
            return out[None] * self.multipliers[:, None, :]
        return out

    def horizon_total(self, weekly: np.ndarray, weeks: int) -> np.ndarray:
        """Total over a flat horizon for many weekly spend rows at once (m, 3) -> (m,)."""
        t = np.arange(1, weeks + 1)[:, None, None]
        a0 = self.last_state.to_numpy()
        a = weekly[None] + self.decay**t * (a0 - weekly[None])  # closed form of flat adstock
        return (self.beta * hill(a, self.k, self.s)).sum(axis=(0, 2))


def history(weekly=(20.0, 10.0, 70.0), weeks=26, start="2024-01-01") -> pd.DataFrame:
    index = pd.date_range(start, periods=weeks, freq="7D", name="week_start")
    return pd.DataFrame([list(weekly)] * weeks, index=index, columns=CATS)


def brute_force(resp: HillResponse, budget: float, weeks: int, lo, hi, step=0.001):
    """Best split on a fine simplex grid within the box."""
    grid = np.arange(0.0, 1.0 + step / 2, step)
    w0, w1 = np.meshgrid(grid, grid, indexing="ij")
    w = np.column_stack([w0.ravel(), w1.ravel(), 1 - w0.ravel() - w1.ravel()])
    lo, hi = np.asarray(lo), np.asarray(hi)
    ok = np.all((w >= lo - 1e-12) & (w <= hi + 1e-12), axis=1)
    w = w[ok]
    values = resp.horizon_total(w * budget / weeks, weeks)
    j = int(np.argmax(values))
    return w[j], float(values[j])


CONCAVE = HillResponse(beta=[100.0, 30.0, 20.0], k=[30.0, 10.0, 40.0], s=[1.0, 0.8, 1.0], decay=[0.5, 0.3, 0.7])
# Two S-shaped categories: a local search from the current, design-led split (or from an even one)
# ends in a corner, while the best split funds both content and design above their thresholds.
S_SHAPED = HillResponse(
    beta=[150.0, 100.0, 10.0], k=[60.0, 55.0, 20.0], s=[4.0, 4.0, 1.0], decay=[0.0, 0.0, 0.0], last_state=[0, 0, 0]
)
S_HISTORY = (14.0, 84.0, 42.0)  # 140 EUR a week, 10/60/30


def test_matches_brute_force_on_a_concave_case():
    spec = PlanSpec(horizon_weeks=8, frontier={"steps": 3})
    plan = plan_budget(CONCAVE, spec, history())
    budget = 100.0 * 8
    assert plan.total_budget == pytest.approx(budget)
    w, best = brute_force(CONCAVE, budget, 8, [0.05] * 3, [0.9] * 3, step=0.002)
    assert plan.recommended.expected_encounters >= best - 1e-9 * best
    assert np.allclose(plan.recommended.split.to_numpy(), w, atol=2e-3)


def test_matches_brute_force_on_an_s_shaped_case_where_one_local_search_fails():
    spec = PlanSpec(horizon_weeks=4, frontier={"steps": 3})
    plan = plan_budget(S_SHAPED, spec, history(weekly=S_HISTORY))
    weekly = 140.0
    w, best = brute_force(S_SHAPED, weekly * 4, 4, [0.05] * 3, [0.9] * 3)
    assert plan.recommended.expected_encounters == pytest.approx(best, rel=1e-6)
    assert np.allclose(plan.recommended.split.to_numpy(), w, atol=2e-3)
    assert 0.3 < w[0] < 0.7 and 0.3 < w[1] < 0.7  # an interior optimum, not a corner

    # One local search, from the current split or from an even one, ends in a worse optimum.
    def neg(x):
        return -float(S_SHAPED.horizon_total(np.asarray(x)[None] * weekly, 4)[0])

    for start in ([0.1, 0.6, 0.3], [1 / 3, 1 / 3, 1 / 3]):
        naive = minimize(
            neg,
            np.array(start),
            method="SLSQP",
            bounds=[(0.05, 0.9)] * 3,
            constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1}],
        )
        assert -naive.fun < 0.9 * best


class Interacting(HillResponse):
    """Design multiplies what content brings: each category's encounters are not its own alone."""

    def simulate(self, spend, *, draws=False):
        out = super().simulate(spend, draws=draws)
        x = spend[CATS].to_numpy(dtype=float)
        lift = 1 + 0.8 * hill(x[:, 1], 20.0, 2.0)
        out[..., 0] = out[..., 0] * lift
        return out

    def horizon_total(self, weekly, weeks):
        per_week = self.beta * hill(weekly, self.k, self.s)  # decay 0: flat spend gives flat state
        per_week[:, 0] *= 1 + 0.8 * hill(weekly[:, 1], 20.0, 2.0)
        return weeks * per_week.sum(axis=1)


def test_a_response_whose_categories_interact_is_optimised_directly():
    resp = Interacting(beta=[100.0, 5.0, 20.0], k=[30.0, 10.0, 40.0], s=[1.0, 1.0, 1.0], last_state=[30, 10, 40])
    plan = plan_budget(resp, PlanSpec(horizon_weeks=4, frontier={"steps": 2}), history())
    w, best = brute_force(resp, 400.0, 4, [0.05] * 3, [0.9] * 3)
    assert plan.recommended.expected_encounters == pytest.approx(best, rel=1e-6)
    assert np.allclose(plan.recommended.split.to_numpy(), w, atol=2e-3)
    assert plan.recommended.split["design"] > 0.15  # design pays through content


def test_unbounded_matches_brute_force_and_is_shown_when_it_differs():
    spec = PlanSpec(horizon_weeks=4, bounds={"technology": {"min_share": 0.3}}, frontier={"steps": 3})
    plan = plan_budget(S_SHAPED, spec, history(weekly=S_HISTORY))
    w, best = brute_force(S_SHAPED, 560.0, 4, [0.0] * 3, [1.0] * 3)
    assert plan.unbounded is not None
    assert plan.unbounded.expected_encounters == pytest.approx(best, rel=1e-6)
    assert plan.recommended.split["technology"] == pytest.approx(0.3, abs=1e-6)
    assert {"category": "technology", "side": "min", "share": 0.3} in plan.binding
    assert plan.bounds["technology"]["min_set_by"] == ["technology.min_share"]
    assert "unbounded" in plan.scenarios.index
    assert plan.to_dict()["unbounded"]["split"]["technology"] < 0.3


def test_unbounded_is_none_when_the_bounds_do_not_matter():
    spec = PlanSpec(horizon_weeks=8, frontier={"steps": 3})
    resp = HillResponse(beta=[50.0, 50.0, 50.0], k=[30.0, 30.0, 30.0], s=[1.0, 1.0, 1.0])
    plan = plan_budget(resp, spec, history())
    assert plan.unbounded is None
    assert plan.to_dict()["unbounded"] is None
    assert np.allclose(plan.recommended.split.to_numpy(), 1 / 3, atol=2e-3)
    assert plan.binding == []


def test_share_bounds_are_respected_and_reported_as_binding():
    spec = PlanSpec(
        horizon_weeks=8,
        bounds={"content": {"max_share": 0.5}, "design": {"min_share": 0.2}},
        frontier={"steps": 3},
    )
    plan = plan_budget(CONCAVE, spec, history())
    split = plan.recommended.split
    assert split["content"] <= 0.5 + 1e-9
    assert split["design"] >= 0.2 - 1e-9
    assert {"category": "content", "side": "max", "share": 0.5} in plan.binding
    w, best = brute_force(CONCAVE, 800.0, 8, [0.05, 0.2, 0.05], [0.5, 0.9, 0.9], step=0.002)
    assert plan.recommended.expected_encounters == pytest.approx(best, rel=1e-6)
    # a side the user left open keeps its default; an unbounded category keeps 5-90 %
    applied = plan.bounds
    assert applied["technology"]["min_share"] == pytest.approx(0.05)
    assert applied["technology"]["max_share"] == pytest.approx(0.9)
    assert applied["content"]["min_share"] == pytest.approx(0.05)
    assert applied["design"]["max_share"] == pytest.approx(0.9)
    assert plan.bounds["technology"]["default"] is True
    assert plan.bounds["content"]["default"] is False
    assert plan.bounds["content"]["defaulted"] == ["min_share"]
    assert "(default bounds)" in str(plan.summary())


def test_euro_bounds_are_respected_and_reported_as_binding():
    spec = PlanSpec(horizon_weeks=8, bounds={"technology": {"min_eur": 240.0}}, frontier={"steps": 3})
    plan = plan_budget(CONCAVE, spec, history())
    assert plan.recommended.euros["technology"] >= 240.0 - 1e-6
    assert plan.binding == [{"category": "technology", "side": "min", "share": 0.3}]
    assert plan.bounds["technology"]["min_share"] == pytest.approx(0.3)
    assert plan.bounds["technology"]["min_set_by"] == ["technology.min_eur"]


def test_max_change_is_relative_to_the_current_share_and_binds():
    spec = PlanSpec(horizon_weeks=8, max_change=0.5, frontier={"steps": 3})
    plan = plan_budget(CONCAVE, spec, history(weekly=(20.0, 10.0, 70.0)))
    split = plan.recommended.split
    current = pd.Series([0.2, 0.1, 0.7], index=CATS)
    assert np.all(split >= current * 0.5 - 1e-9)
    assert np.all(split <= current * 1.5 + 1e-9)
    assert {"category": "content", "side": "max", "share": 0.3} in plan.binding  # content wants far more than +50 %
    assert plan.bounds["content"]["max_set_by"] == ["content.max_change (upper)"]
    assert split["content"] == pytest.approx(0.3, abs=1e-6)
    w, best = brute_force(CONCAVE, 800.0, 8, current * 0.5, np.minimum(current * 1.5, 1), step=0.002)
    assert plan.recommended.expected_encounters == pytest.approx(best, rel=1e-6)


def test_max_deviation_from_reference_is_respected():
    spec = PlanSpec(horizon_weeks=8, max_deviation_from_reference=0.05, frontier={"steps": 3})
    plan = plan_budget(HillResponse(beta=[10.0, 10.0, 100.0], k=[30.0, 30.0, 30.0], s=[1.0, 1.0, 1.0]), spec, history())
    assert plan.candidate.split["technology"] == pytest.approx(0.15, abs=1e-6)
    assert {"category": "technology", "side": "max", "share": 0.15} in plan.binding
    assert plan.bounds["technology"]["max_set_by"] == ["technology.max_deviation_from_reference (upper)"]


@pytest.mark.parametrize(
    ("bounds", "extra", "weekly", "message"),
    [
        (
            {"content": {"min_share": 0.6}, "technology": {"min_share": 0.5}},
            {},
            (20.0, 10.0, 70.0),
            r"min shares add up to 115%.*content\.min_share 0\.6 \+ design\.min_share 0\.05 \(default\)"
            r" \+ technology\.min_share 0\.5",
        ),
        (
            {"content": {"max_share": 0.3}, "design": {"max_share": 0.2}, "technology": {"max_share": 0.3}},
            {},
            (20.0, 10.0, 70.0),
            r"max shares add up to only 80%.*content\.max_share 0\.3 \+ design\.max_share 0\.2",
        ),
        (
            {"technology": {"min_eur": 400.0, "max_share": 0.4}},
            {},
            (20.0, 10.0, 70.0),
            r"technology: the lower bound 50% \(technology\.min_eur €400 = 50%\) is above the upper "
            r"bound 40% \(technology\.max_share 0\.4\)",
        ),
        (  # the default 5 % floor cannot hold when a 2 % share may change by only 20 %
            {},
            {"max_change": 0.2},
            (2.0, 8.0, 90.0),
            r"content: the lower bound 5% \(content\.min_share 0\.05 \(default\)\) is above the upper "
            r"bound 2\.4% \(content\.max_change \(upper\) 0\.2 around the current 2%\)",
        ),
    ],
)
def test_infeasible_bounds_name_the_conflict(bounds, extra, weekly, message):
    spec = PlanSpec(horizon_weeks=8, bounds=bounds, frontier={"steps": 3}, **extra)
    with pytest.raises(PlanError, match=message):
        plan_budget(CONCAVE, spec, history(weekly=weekly))


def test_no_spend_in_the_last_horizon_asks_for_a_budget():
    with pytest.raises(PlanError, match="set plan.total_budget"):
        plan_budget(CONCAVE, PlanSpec(horizon_weeks=4), history(weekly=(0.0, 0.0, 0.0)))


def test_short_data_give_a_budget_for_the_whole_horizon():
    plan = plan_budget(CONCAVE, PlanSpec(horizon_weeks=13, frontier={"steps": 2}), history(weeks=5))
    assert plan.total_budget == pytest.approx(100.0 * 13)


def test_a_response_of_the_wrong_shape_is_a_plan_error():
    class Wrong:
        def simulate(self, spend, *, draws=False):
            return np.zeros((len(spend), 2))

    with pytest.raises(PlanError, match="expected \\(8, 3\\)"):
        plan_budget(Wrong(), PlanSpec(horizon_weeks=8), history())

    class Broken:
        def simulate(self, spend, *, draws=False):
            return np.full((len(spend), 3), np.nan)

    with pytest.raises(PlanError, match="not finite"):
        plan_budget(Broken(), PlanSpec(horizon_weeks=8), history())


def test_scenarios_gain_and_probability_from_paired_draws():
    resp = HillResponse(beta=[100.0, 30.0, 20.0], k=[30.0, 10.0, 40.0], s=[1.0, 0.8, 1.0], n_draws=200, interval=0.9)
    spec = PlanSpec(horizon_weeks=8, scenarios={"even": {"content": 0.4, "design": 0.3, "technology": 0.3}})
    plan = plan_budget(resp, spec, history())
    table = plan.scenarios
    assert list(table.index) == ["current", "reference", "recommended", "even"]
    assert np.allclose(table[[f"{c}_eur" for c in CATS]].sum(axis=1), 800.0)
    assert (table["low"] <= table["expected_encounters"]).all()
    assert (table["expected_encounters"] <= table["high"]).all()
    assert np.allclose(table["cost_per_encounter"], 800.0 / table["expected_encounters"])
    assert plan.interval == 0.9
    g = plan.gain_vs_current
    draws = plan.recommended.draws - plan.current.draws
    assert g["low"] == pytest.approx(np.percentile(draws, 5))
    assert g["high"] == pytest.approx(np.percentile(draws, 95))
    assert g["probability_better"] == pytest.approx(np.mean(draws > 0))
    assert g["encounters"] > 0 and g["probability_better"] > 0.9
    shown = plan.scenario_table()
    assert shown.loc["even", "content %"] == 40.0 and shown.loc["even", "content EUR"] == 320
    (even,) = plan.to_dict()["scenarios"]
    assert even["name"] == "even" and even["split"] == {"content": 0.4, "design": 0.3, "technology": 0.3}


def test_without_draws_intervals_are_none():
    plan = plan_budget(CONCAVE, PlanSpec(horizon_weeks=8, frontier={"steps": 3}), history())
    assert plan.recommended.low is None and plan.gain_vs_current["probability_better"] is None
    assert plan.scenarios["low"].isna().all()
    text = str(plan.summary())
    assert "no intervals: the response has no posterior draws" in text
    assert " interval " not in text


def test_is_deterministic():
    resp = HillResponse(beta=[100.0, 30.0, 20.0], k=[30.0, 10.0, 40.0], s=[1.5, 0.8, 2.0], n_draws=50)
    spec = PlanSpec(horizon_weeks=8)
    a = plan_budget(resp, spec, history()).to_dict()
    b = plan_budget(resp, spec, history()).to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_frontier_is_monotone_and_includes_the_recommended_split():
    plan = plan_budget(S_SHAPED, PlanSpec(horizon_weeks=4), history(weekly=S_HISTORY))
    f = plan.frontier
    assert len(f) == 11 and f["feasible"].all()
    assert np.allclose(f["budget"], np.linspace(0.5, 1.5, 11) * 560.0)
    assert (np.diff(f["expected_encounters"]) > 0).all()
    here = f.loc[np.isclose(f["budget_multiple"], 1.0)].iloc[0]
    assert here["expected_encounters"] == pytest.approx(plan.recommended.expected_encounters)
    assert np.allclose(f[CATS].sum(axis=1), 1.0)
    # each level is the brute-force optimum at that budget
    for _, row in f.iloc[::5].iterrows():
        _, best = brute_force(S_SHAPED, row["budget"], 4, [0.05] * 3, [0.9] * 3)
        assert row["expected_encounters"] >= best * (1 - 1e-6)
    mc = f["marginal_cost_per_encounter"]
    assert (mc.dropna() > 0).all()
    b, e = f["budget"].to_numpy(), f["expected_encounters"].to_numpy()
    assert mc.iloc[5] == pytest.approx((b[6] - b[4]) / (e[6] - e[4]))


def test_frontier_marks_levels_where_euro_bounds_cannot_hold():
    spec = PlanSpec(horizon_weeks=8, bounds={"technology": {"min_eur": 500.0, "max_share": 0.9}})
    plan = plan_budget(CONCAVE, spec, history())
    f = plan.frontier
    assert not f.loc[f["budget"] < 500 / 0.9 - 1e-9, "feasible"].any()
    assert f.loc[f["budget"] >= 800 - 1e-9, "feasible"].all()
    entries = plan.to_dict()["frontier"]
    assert entries[0]["expected_encounters"] is None and entries[0]["split"] is None


def test_weekly_plan_follows_the_data_and_sums_to_the_budget():
    spec = PlanSpec(horizon_weeks=13, total_budget=100_001.0, frontier={"steps": 3})
    hist = history(weeks=30)
    plan = plan_budget(CONCAVE, spec, hist)
    weekly = plan.weekly_plan()
    assert len(weekly) == 13
    assert weekly.index[0] == hist.index[-1] + pd.Timedelta(weeks=1)
    assert (weekly.index.day_of_week == 0).all() and weekly.index.name == "week_start"
    assert weekly[CATS].to_numpy().sum() == 100_001
    assert (weekly["total"] == weekly[CATS].sum(axis=1)).all()
    assert np.allclose(weekly[CATS].sum(), plan.recommended.euros, atol=1.0)
    assert (weekly[CATS].max() - weekly[CATS].min() <= 1).all()  # flat to the euro
    csv = weekly.to_csv()
    assert csv.splitlines()[0] == "week_start,content,design,technology,total"


def test_to_dict_is_the_allocation_section_and_serialisable():
    resp = HillResponse(beta=[100.0, 30.0, 20.0], k=[30.0, 10.0, 40.0], s=[1.0, 0.8, 1.0], n_draws=20)
    plan = plan_budget(resp, PlanSpec(horizon_weeks=8), history())
    d = json.loads(json.dumps(plan.to_dict(), allow_nan=False))
    for key in [
        "total_budget",
        "horizon_weeks",
        "current",
        "reference",
        "recommended",
        "gain_vs_current",
        "bounds",
        "binding",
        "scenarios",
        "unbounded",
        "frontier",
    ]:
        assert key in d
    for key in ["current", "reference", "recommended"]:
        assert {"split", "euros", "expected_encounters", "low", "high"} <= set(d[key])
        assert sum(d[key]["split"].values()) == pytest.approx(1.0, abs=1e-5)
    assert set(d["gain_vs_current"]) == {"encounters", "low", "high", "probability_better"}
    assert set(d["frontier"][0]) == {
        "budget",
        "expected_encounters",
        "low",
        "high",
        "split",
        "marginal_cost_per_encounter",
    }
    again = pickle.loads(pickle.dumps(plan))
    assert isinstance(again, PlanResults)
    assert again.to_dict() == plan.to_dict()


def test_summary_reads_current_to_recommended_and_states_bounds():
    plan = plan_budget(CONCAVE, PlanSpec(horizon_weeks=8, frontier={"steps": 3}), history())
    text = str(plan.summary())
    assert "technology    70% →" in text
    assert "5% to 90% of the budget (default bounds)" in text
    assert "binding:" in text
    html = plan.summary()._repr_html_()
    assert html.startswith("<div") and "default bounds" in html


@pytest.fixture(scope="module")
def synthetic_plans():
    out = {}
    for scenario in ("content_driven", "technology_driven"):
        syn = generate(seed=1, weeks=104, scenario=scenario)
        out[scenario] = (syn, plan_budget(syn.truth, PlanSpec(), syn.truth.spend))
    return out


def test_technology_driven_truth_recommends_technology_not_80_10_10(synthetic_plans):
    syn, plan = synthetic_plans["technology_driven"]
    split = plan.recommended.split
    assert split["technology"] > 0.3
    assert split["technology"] > split["content"]
    reference = pd.Series({"content": 0.8, "design": 0.1, "technology": 0.1})
    assert (split - reference).abs().max() > 0.2
    assert plan.recommended.expected_encounters > plan.reference.expected_encounters * 1.2


def test_content_driven_truth_moves_budget_to_content(synthetic_plans):
    syn, plan = synthetic_plans["content_driven"]
    assert plan.recommended.split["content"] > plan.current.split["content"] + 0.3
    assert plan.gain_vs_current["encounters"] > 0
    # the truth is a single draw: no interval, no probability
    assert plan.gain_vs_current["probability_better"] is None


def test_the_recommendation_beats_every_split_on_a_coarse_grid_of_the_truth(synthetic_plans):
    syn, plan = synthetic_plans["content_driven"]
    weekly = plan.total_budget / plan.horizon_weeks
    best = -np.inf
    for a in np.arange(0.05, 0.91, 0.05):
        for b in np.arange(0.05, 0.91, 0.05):
            c = 1 - a - b
            if 0.05 - 1e-9 <= c <= 0.9 + 1e-9:
                spend = pd.DataFrame([[a * weekly, b * weekly, c * weekly]] * plan.horizon_weeks, columns=CATS)
                best = max(best, float(syn.truth.simulate(spend).sum()))
    assert plan.recommended.expected_encounters >= best


def test_charts_draw_the_plans_own_numbers(synthetic_plans):
    from matplotlib.patches import Rectangle

    from planner.presentation.charts import plan as charts

    _, plan = synthetic_plans["content_driven"]
    table = plan.scenarios
    names = list(table.index)[::-1]  # drawn first scenario on top

    # scenarios: one stacked bar per scenario and category with its share, one bar of encounters each
    fig = charts.scenario_chart(plan)
    left, right = fig.axes[:2]
    shares = [p for p in left.patches if isinstance(p, Rectangle)]
    assert len(shares) == 3 * len(names)
    for i, cat in enumerate(CATS):
        drawn = [p.get_width() for p in shares[i * len(names) : (i + 1) * len(names)]]
        np.testing.assert_allclose(drawn, table.loc[names, f"{cat}_share"], atol=1e-12)
    encounters = [p.get_width() for p in right.patches if isinstance(p, Rectangle)]
    np.testing.assert_allclose(encounters, table.loc[names, "expected_encounters"], rtol=1e-12)
    gain = plan.gain_vs_current["encounters"] / plan.current.expected_encounters
    assert f"+{gain:.0%} encounters" in fig._suptitle.get_text()  # the title states the plan's own gain

    # frontier: the line is the feasible frontier, the current split sits at the budget below it
    fig = charts.frontier_chart(plan)
    feasible = plan.frontier[plan.frontier["feasible"]]
    line = fig.axes[0].lines[0]
    (current,) = [x for x in fig.axes[0].lines if x.get_marker() == "D"]
    np.testing.assert_allclose(line.get_xdata(), feasible["budget"])
    np.testing.assert_allclose(line.get_ydata(), feasible["expected_encounters"])
    assert current.get_xdata()[0] == pytest.approx(plan.total_budget)
    assert current.get_ydata()[0] == pytest.approx(plan.current.expected_encounters)
    assert current.get_ydata()[0] < np.interp(plan.total_budget, feasible["budget"], feasible["expected_encounters"])

    # weekly plan: one stacked bar per week and category, the weeks adding up to the budget
    fig = charts.weekly_plan_chart(plan)
    ax = fig.axes[0]
    weekly = plan.weekly_plan()
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 3 * plan.horizon_weeks == 3 * len(weekly)
    heights = np.array([p.get_height() for p in bars]).reshape(3, -1).T
    np.testing.assert_allclose(heights, weekly[CATS].to_numpy())
    assert heights.sum() == pytest.approx(plan.total_budget, abs=1.0)
    top = max(CATS, key=lambda c: plan.recommended.split[c])
    assert f"{plan.recommended.split[top]:.0%}" in ax.get_title() and top in ax.get_title()


@pytest.mark.slow
def test_notebook_runs_end_to_end_with_papermill(suite_runs):
    import nbformat

    run_dir = suite_runs["en"]  # the session's run of the whole suite on the example
    nb = nbformat.read(run_dir / "04_budget_plan.ipynb", as_version=4)
    results = json.loads((run_dir / "results.json").read_text())
    allocation = results["allocation"]
    assert allocation["horizon_weeks"] == 13
    assert sum(allocation["recommended"]["split"].values()) == pytest.approx(1.0, abs=1e-5)
    assert allocation["gain_vs_current"]["probability_better"] is not None
    plan_csv = pd.read_csv(run_dir / "plan.csv", index_col="week_start", parse_dates=True)
    assert len(plan_csv) == 13
    assert plan_csv[CATS].to_numpy().sum() == pytest.approx(allocation["total_budget"], abs=1.0)
    for name in ("04_scenarios", "04_frontier", "04_weekly_plan"):
        assert (run_dir / "figures" / f"{name}.png").is_file()
    assert nb.metadata["papermill"]["parameters"]["params_path"].endswith("example_en.yaml")
    summary_cell = next(c for c in nb.cells if c.source.rstrip().endswith("plan.summary(lang)"))
    summary_output = summary_cell.outputs[-1]["data"]
    assert "text/html" in summary_output and "Bounds applied" in summary_output["text/plain"]


# -- the decision ---------------------------------------------------------------------------------


DECISIONS = [
    ("weak", 900.0, 0.99, 0.3, 10_000.0, "test", "weak_model"),
    ("weak", 900.0, 0.48, 0.3, 10_000.0, "test", "weak_no_direction"),
    ("weak", -5.0, 0.99, 0.3, 10_000.0, "test", "weak_no_direction"),
    ("good", 900.0, 0.99, 0.001, 10_000.0, "keep", "no_better_split"),
    ("good", -5.0, 0.40, 0.3, 10_000.0, "keep", "no_better_split"),
    ("good", 30.0, 0.95, 0.3, 10_000.0, "keep", "small_gain"),
    ("fair", 900.0, 0.79, 0.3, 10_000.0, "keep", "not_clearly_better"),
    ("good", 900.0, None, 0.3, 10_000.0, "keep", "no_draws"),
    ("fair", 900.0, 0.80, 0.3, 10_000.0, "move", "clearly_better"),
    (None, 30.0, None, 0.3, None, "move", "no_uncertainty"),
]


@pytest.mark.parametrize(("quality", "gain", "prob", "shift", "recent", "action", "code"), DECISIONS)
def test_decide_names_one_action_and_its_reason(quality, gain, prob, shift, recent, action, code):
    from planner.plan import decide

    got, reason = decide(
        quality,
        {"encounters": gain, "low": None, "high": None, "probability_better": prob},
        0.8,
        shift,
        min_gain=0.005,
        recent_encounters=recent,
    )
    assert (got, reason["code"]) == (action, code)
    assert reason["text"] and reason["context"]["min_probability"] == 0.8


def test_every_reason_code_goes_with_its_action():
    from planner.plan import REASON_CODES

    assert set(REASON_CODES) == {
        "clearly_better",
        "no_uncertainty",
        "weak_model",
        "weak_no_direction",
        "no_better_split",
        "small_gain",
        "not_clearly_better",
        "no_draws",
        "unstable_on_refresh",
    }
    # decide never gives the refresh check's reason: planner.inference.stability.settle does, after the refits
    decided = {code: action for code, action in REASON_CODES.items() if code != "unstable_on_refresh"}
    assert {code: action for *_, action, code in DECISIONS} == decided
    assert REASON_CODES["unstable_on_refresh"] == "test"


# -- the allocation section: every judgement of the plan made once --------------------------------

ALLOCATION_KEYS = {
    "objective",
    "total_budget",
    "horizon_weeks",
    "interval",
    "action",
    "action_reason",
    "min_probability",
    "min_gain",
    "moved_eur",
    "moved_from",
    "moved_to",
    "held",
    "current",
    "candidate",
    "recommended",
    "reference",
    "unbounded",
    "unbounded_differs",
    "scenarios",
    "gain_vs_current",
    "bounds",
    "binding",
    "frontier",
}


def fitted_like(quality="fair", weekly_encounters=1e6, n_draws=50):
    """CONCAVE with draws, a quality mark and observed encounters, as a fitted model has."""
    resp = HillResponse(
        beta=[100.0, 30.0, 20.0], k=[30.0, 10.0, 40.0], s=[1.0, 0.8, 1.0], decay=[0.5, 0.3, 0.7], n_draws=n_draws
    )
    resp.quality = quality
    resp.y = pd.Series(np.full(26, weekly_encounters), index=history().index)
    return resp


def test_the_allocation_section_has_the_schema_keys():
    spec = PlanSpec(horizon_weeks=8, frontier={"steps": 3}, min_gain=0.01)
    d = plan_budget(CONCAVE, spec, history()).to_dict()
    assert set(d) == ALLOCATION_KEYS
    assert d["objective"] == "encounters" and d["min_gain"] == 0.01
    assert set(d["action_reason"]) == {"code", "text", "context"}


def test_a_keep_recommends_the_current_split_in_the_dict_and_the_weekly_plan():
    # every gain is tiny next to a million encounters a week: not worth a move
    plan = plan_budget(fitted_like(), PlanSpec(horizon_weeks=8, frontier={"steps": 3}), history())
    assert (plan.action, plan.action_reason["code"]) == ("keep", "small_gain")
    d = plan.to_dict()
    assert d["recommended"] == d["current"] != d["candidate"]
    weekly = plan.weekly_plan()
    assert np.allclose(weekly[CATS].sum(), plan.current.euros, atol=1.0)
    assert not np.allclose(weekly[CATS].sum(), plan.candidate.euros, atol=1.0)
    best = plan.candidate_weekly_plan()
    assert np.allclose(best[CATS].sum(), plan.candidate.euros, atol=1.0)
    assert best.index.equals(weekly.index) and list(best.columns) == list(weekly.columns)
    # the moved euros describe the candidate, so the brief can say what a move would shift
    assert d["moved_eur"] > 0 and d["moved_from"] and d["moved_to"]


def test_a_weak_model_tests_and_recommends_the_current_split():
    plan = plan_budget(fitted_like("weak"), PlanSpec(horizon_weeks=8, frontier={"steps": 3}), history())
    assert (plan.action, plan.action_reason["code"]) == ("test", "weak_model")
    d = plan.to_dict()
    assert d["recommended"] == d["current"] != d["candidate"]
    assert np.allclose(plan.weekly_plan()[CATS].sum(), plan.current.euros, atol=1.0)


def test_a_move_recommends_the_candidate_in_the_dict_and_the_weekly_plan():
    plan = plan_budget(fitted_like("good", weekly_encounters=1.0), PlanSpec(horizon_weeks=8), history())
    assert (plan.action, plan.action_reason["code"]) == ("move", "clearly_better")
    d = plan.to_dict()
    assert d["recommended"] == d["candidate"] != d["current"]
    assert plan.weekly_plan().equals(plan.candidate_weekly_plan())


# design pays best here, so money goes to design first and content second
DESIGN_LED = HillResponse(beta=[30.0, 100.0, 20.0], k=[10.0, 30.0, 40.0], s=[0.8, 1.0, 1.0], decay=[0.3, 0.5, 0.7])


@pytest.mark.parametrize(
    ("resp", "weekly", "moved_from", "moved_to"),
    [
        (DESIGN_LED, (10.0, 10.0, 80.0), ["technology"], ["design", "content"]),
        (CONCAVE, (5.0, 45.0, 50.0), ["technology", "design"], ["content"]),
    ],
)
def test_moved_euros_and_categories_follow_the_candidate_largest_first(resp, weekly, moved_from, moved_to):
    plan = plan_budget(resp, PlanSpec(horizon_weeks=8, frontier={"steps": 2}), history(weekly=weekly))
    diff = plan.candidate.euros - plan.current.euros
    d = plan.to_dict()
    assert d["moved_eur"] == pytest.approx(diff[diff > 0].sum(), abs=0.01)
    assert d["moved_eur"] == pytest.approx(-diff[diff < 0].sum(), abs=0.01)  # what one gains another gives
    assert (d["moved_from"], d["moved_to"]) == (moved_from, moved_to)


def test_a_category_moving_less_than_one_percent_neither_gives_nor_receives():
    # the current split is the optimum but for design, 0.6 % of the budget off it
    resp = HillResponse(beta=[50.0, 50.0, 50.0], k=[30.0, 30.0, 30.0], s=[1.0, 1.0, 1.0])
    weekly = (100 / 3 + 0.6, 100 / 3 - 0.6, 100 / 3)
    plan = plan_budget(resp, PlanSpec(horizon_weeks=8, frontier={"steps": 3}), history(weekly=weekly))
    assert plan.moved_eur > 0
    assert plan.moved_from == [] and plan.moved_to == []


def test_binding_lists_the_bounds_the_candidate_sits_on():
    spec = PlanSpec(horizon_weeks=8, bounds={"content": {"max_share": 0.5}}, frontier={"steps": 3})
    plan = plan_budget(CONCAVE, spec, history())
    d = plan.to_dict()
    assert d["binding"] == plan.binding
    assert {"category": "content", "side": "max", "share": 0.5} in d["binding"]
    for b in d["binding"]:
        assert set(b) == {"category", "side", "share"}
        assert plan.candidate.split[b["category"]] == pytest.approx(b["share"], abs=1e-4)
        assert b["share"] == d["bounds"][b["category"]][b["side"]]
    free = [c for c in CATS if c not in {b["category"] for b in d["binding"]}]
    for c in free:  # a category off its bounds is not listed
        assert d["bounds"][c]["min"] + 1e-4 < plan.candidate.split[c] < d["bounds"][c]["max"] - 1e-4


def test_bounds_are_the_share_range_per_category():
    spec = PlanSpec(horizon_weeks=8, bounds={"technology": {"min_eur": 240.0}}, frontier={"steps": 3})
    d = plan_budget(CONCAVE, spec, history()).to_dict()
    assert d["bounds"] == {
        "content": {"min": 0.05, "max": 0.9},
        "design": {"min": 0.05, "max": 0.9},
        "technology": {"min": 0.3, "max": 0.9},
    }


def test_unbounded_differs_is_decided_by_the_plan():
    free = plan_budget(
        HillResponse(beta=[50.0, 50.0, 50.0], k=[30.0, 30.0, 30.0], s=[1.0, 1.0, 1.0]),
        PlanSpec(horizon_weeks=8, frontier={"steps": 3}),
        history(),
    )
    assert free.to_dict()["unbounded_differs"] is False and free.to_dict()["binding"] == []
    spec = PlanSpec(horizon_weeks=4, bounds={"technology": {"min_share": 0.3}}, frontier={"steps": 3})
    bound = plan_budget(S_SHAPED, spec, history(weekly=S_HISTORY)).to_dict()
    assert bound["unbounded_differs"] is True
    assert bound["unbounded"]["split"]["technology"] < 0.3


def test_the_unbounded_tolerance_is_half_a_share_point():
    from planner.plan import UNBOUNDED_TOLERANCE

    assert UNBOUNDED_TOLERANCE == 0.005
    # a bound 0.3 points inside the free optimum (1/3 each) does not count as a difference ...
    near = PlanSpec(horizon_weeks=8, bounds={"content": {"max_share": 1 / 3 - 0.003}}, frontier={"steps": 2})
    resp = HillResponse(beta=[50.0, 50.0, 50.0], k=[30.0, 30.0, 30.0], s=[1.0, 1.0, 1.0])
    assert plan_budget(resp, near, history()).unbounded_differs is False
    # ... one 1 point inside does
    far = PlanSpec(horizon_weeks=8, bounds={"content": {"max_share": 1 / 3 - 0.01}}, frontier={"steps": 2})
    assert plan_budget(resp, far, history()).unbounded_differs is True


def test_scenarios_are_a_named_list_in_params_order():
    scenarios = {
        "tech_heavy": {"content": 0.2, "design": 0.1, "technology": 0.7},
        "even": {"content": 0.4, "design": 0.3, "technology": 0.3},
        "content_led": {"content": 0.8, "design": 0.1, "technology": 0.1},
    }
    plan = plan_budget(CONCAVE, PlanSpec(horizon_weeks=8, scenarios=scenarios, frontier={"steps": 2}), history())
    listed = plan.to_dict()["scenarios"]
    assert [s["name"] for s in listed] == ["tech_heavy", "even", "content_led"]
    assert all(s["split"] == scenarios[s["name"]] for s in listed)


def test_the_current_split_is_the_last_horizon():
    # all the data: 50/25/25; the last eight weeks: 20/10/70
    hist = pd.concat([history(weekly=(80.0, 10.0, 10.0), weeks=18), history(weekly=(20.0, 10.0, 70.0), weeks=8)])
    hist.index = pd.date_range("2024-01-01", periods=len(hist), freq="7D", name="week_start")
    plan = plan_budget(CONCAVE, PlanSpec(horizon_weeks=8, max_change=0.5, frontier={"steps": 2}), hist)
    assert plan.current.split.to_dict() == pytest.approx({"content": 0.2, "design": 0.1, "technology": 0.7})
    assert plan.total_budget == pytest.approx(800.0)
    assert plan.bounds["technology"]["min_share"] == pytest.approx(0.35)  # max_change around 70 %


def test_a_plan_shows_as_a_table_of_the_decision_and_the_scenarios():
    import re

    spec = PlanSpec(
        horizon_weeks=8,
        bounds={"content": {"max_share": 0.5}},
        scenarios={"even": {"content": 0.4, "design": 0.3, "technology": 0.3}},
        frontier={"steps": 2},
    )
    plan = plan_budget(fitted_like(), spec, history())
    page = plan._repr_html_()
    assert page.startswith("<div") and "{'" not in page and "Series" not in page
    assert "Keep the current split" in page and "small_gain" not in page  # the reason in words, not its code
    assert "content&#x27;s largest share" in page  # the bound that binds, in words
    assert "content.max_share" not in page
    body = page.split("<tbody>")[1]
    rows = {
        re.search(r"<th[^>]*>([^<]*)</th>", r).group(1): re.findall(r"<td[^>]*>([^<]*)</td>", r)
        for r in body.split("</tr>")
        if "<th" in r
    }
    assert list(rows) == ["current", "reference", "recommended", "candidate", "unbounded", "even"]
    assert rows["recommended"] == rows["current"] != rows["candidate"]  # keep: the current split is recommended
    assert rows["candidate"][0] == "50%" and rows["even"][:3] == ["40%", "30%", "30%"]
    assert rows["current"][3] == f"{plan.current.expected_encounters:,.0f}"


# -- plans for value: deals, revenue, profit and the customer-experience guard ---------------------


def value_spec(objective=None, guard=None, **kw) -> PlanSpec:
    """A plan spec with plan.objective / plan.experience_guard set (as the params file sets them)."""
    update = {}
    if objective is not None:
        update["objective"] = objective
    if guard is not None:
        update["experience_guard"] = guard
    return PlanSpec(horizon_weeks=8, **kw).model_copy(update=update)


def lognormal_draws(mean, sd, n=400, seed=1):
    draws = np.random.default_rng(seed).lognormal(0.0, sd, n)
    return mean * draws / draws.mean()


def test_objective_encounters_is_unchanged_by_the_value_and_experience_arguments():
    spec = PlanSpec(horizon_weeks=8, frontier={"steps": 3})
    before = plan_budget(fitted_like("good", weekly_encounters=1.0), spec, history()).to_dict()
    explicit = plan_budget(fitted_like("good", weekly_encounters=1.0), spec, history(), value=None, experience=None)
    # a value given while the objective is encounters changes nothing either
    valued = plan_budget(
        fitted_like("good", weekly_encounters=1.0),
        value_spec("encounters", frontier={"steps": 3}),
        history(),
        value=Value("revenue", lognormal_draws(50.0, 0.3), margin=0.4),
    )
    assert json.dumps(explicit.to_dict(), sort_keys=True) == json.dumps(before, sort_keys=True)
    assert json.dumps(valued.to_dict(), sort_keys=True) == json.dumps(before, sort_keys=True)
    assert set(before) == ALLOCATION_KEYS and "value" not in before["candidate"]
    # the typed model writes no new keys for it either (results.json stays as it was)
    dumped = validate_section("allocation", before).model_dump(mode="json")
    assert set(dumped) == set(before) and "unit" not in dumped
    assert set(dumped["candidate"]) - {"name"} == set(before["candidate"])
    assert set(dumped["gain_vs_current"]) == set(before["gain_vs_current"])
    assert set(dumped["frontier"][0]) == set(before["frontier"][0])


def test_revenue_keeps_the_encounter_split_and_its_gain_is_in_euros_with_a_wider_interval():
    spec = value_spec("revenue")
    encounters = plan_budget(fitted_like("good", weekly_encounters=1.0), PlanSpec(horizon_weeks=8), history())
    known = plan_budget(fitted_like("good", weekly_encounters=1.0), spec, history(), value=Value("revenue", [50.0]))
    unsure = plan_budget(
        fitted_like("good", weekly_encounters=1.0),
        spec,
        history(),
        value=Value("revenue", lognormal_draws(50.0, 0.3)),
    )
    for plan in (known, unsure):
        assert np.allclose(plan.candidate.split, encounters.candidate.split, atol=1e-9)
        assert plan.objective == "revenue" and plan.unit == "EUR"
    # a known value: everything is the encounters times EUR 50, draw by draw
    g, e = known.gain_vs_current, encounters.gain_vs_current
    assert g["value"] == pytest.approx(50.0 * e["encounters"])
    assert (g["value_low"], g["value_high"]) == pytest.approx((50.0 * e["low"], 50.0 * e["high"]))
    assert known.candidate.value == pytest.approx(50.0 * known.candidate.expected_encounters)
    assert g["probability_better"] == pytest.approx(e["probability_better"])
    # an uncertain value: the same expected gain (mean EUR 50), a wider interval
    u = unsure.gain_vs_current
    assert u["value"] == pytest.approx(g["value"])
    assert u["value_high"] - u["value_low"] > 1.5 * (g["value_high"] - g["value_low"])
    assert u["value_low"] < g["value_low"] and u["value_high"] > g["value_high"]
    # scenarios and frontier in euros
    table = unsure.frontier
    assert np.allclose(table["value"], 50.0 * table["expected_encounters"])
    assert (table["value_low"] <= table["value"]).all() and (table["value"] <= table["value_high"]).all()
    d = unsure.to_dict()
    assert d["objective"] == "revenue" and d["unit"] == "EUR"
    assert set(d["gain_vs_current"]["value"]) == {"value", "low", "high"}
    assert set(d["candidate"]["value"]) == {"value", "low", "high"}
    assert d["frontier"][0]["value"]["value"] == pytest.approx(table["value"].iloc[0], abs=0.01)
    assert "budget_level" not in d and "experience_guard" not in d
    validate_section("allocation", d)


def test_summary_speaks_in_the_objective_unit_in_both_languages():
    value = Value("revenue", lognormal_draws(50.0, 0.3))
    plan = plan_budget(fitted_like("good", weekly_encounters=1.0), value_spec("revenue"), history(), value=value)
    g = plan.gain_vs_current
    for lang, word in (("en", "revenue"), ("fi", "liikevaihto")):
        m = messages(lang)
        text = str(plan.summary(lang))
        section = text[text.index(m("ps_sec_value", objective=word)) :]
        # each scenario's euros and the gain in euros, with the objective's probability beside it
        assert m.eur(plan.candidate.value) in section and m.eur(plan.current.value) in section
        assert m.eur(g["value"]) in section and m.eur(g["value_low"]) in section
        assert m("ps_better_in", prob=m.format_value(g["probability_better"], "pct_auto")) in section
        # stated once, in the objective's section: not beside the encounters as if it were theirs
        assert text.count(m("ps_better_in", prob="@").split("@")[0]) == 1
        html_text = plan._repr_html_(lang)
        assert m.eur(plan.candidate.value) in html_text and f"+{m.eur(g['value'])}" in html_text
    # the encounters objective has no value section
    plain = plan_budget(fitted_like("good", weekly_encounters=1.0), value_spec(), history())
    assert messages("en")("ps_sec_value", objective="revenue") not in str(plain.summary())


def test_warming_counts_the_carryover_weeks_the_adstock_gives():
    warm = Warming(np.array([3.0]), decay=0.6, start=4000.0, reference=5000.0)
    weeks, x = 8, 9000.0
    # the horizon's carryover, continued from the state at the end of the data
    carry = adstock(np.full(weeks, x), 0.6, initial=4000.0)
    assert warm.carryover_weeks(x, weeks) == pytest.approx((carry - 5000.0).sum() / 1000.0)
    # one more euro a week adds the ramp in carryover-weeks (per 1,000)
    step = warm.carryover_weeks(x + 1000.0, weeks) - warm.carryover_weeks(x, weeks)
    assert step == pytest.approx(warm.ramp(weeks))
    with pytest.raises(PlanError, match="decay"):
        Warming(np.array([1.0]), decay=1.0, start=0.0, reference=0.0)


def test_warming_moves_the_revenue_plan_towards_content_and_is_in_its_value():
    spec = value_spec("revenue")
    draws = lognormal_draws(50.0, 0.2)
    plain = plan_budget(fitted_like("good", weekly_encounters=1.0), spec, history(), value=Value("revenue", draws))
    # content's carryover raises the close rate: EUR 20,000 a week per EUR 1,000 a week of carryover
    warm = Warming(np.full(draws.size, 20000.0), decay=0.5, start=20.0, reference=20.0)
    valued = Value("revenue", draws, warming=warm)
    warmed = plan_budget(fitted_like("good", weekly_encounters=1.0), spec, history(), value=valued)
    assert warmed.candidate.split["content"] > plain.candidate.split["content"] + 0.02
    # encounters alone would prefer the plain split: the warming is what pays for the move
    assert warmed.candidate.expected_encounters <= plain.candidate.expected_encounters + 1e-9
    for a in (warmed.candidate, warmed.current):
        weekly = a.euros[CATS].to_numpy() / 8
        expected = draws.mean() * a.expected_encounters + 20000.0 * warm.carryover_weeks(weekly[0], 8)
        assert a.value == pytest.approx(expected)
        assert a.value_low < a.value < a.value_high
    assert warmed.candidate.value > plain.candidate.value
    # the gain says how much of it is the warming, and results.json carries it
    part = warmed.candidate.value_warming - warmed.current.value_warming
    assert warmed.gain_vs_current["warming"] == pytest.approx(part) and part > 0
    d = warmed.to_dict()
    assert d["gain_vs_current"]["warming"] == pytest.approx(part, abs=0.01)
    assert validate_section("allocation", d).gain_vs_current.warming == pytest.approx(part, abs=0.01)
    assert "warming" not in plain.to_dict()["gain_vs_current"]
    assert "content raising the close rate" in str(warmed.summary())
    # the warming's uncertainty widens the gain's interval, paired draw by draw
    spread = Warming(lognormal_draws(20000.0, 0.5), decay=0.5, start=20.0, reference=20.0)
    unsure = Value("revenue", draws, warming=spread)
    wide = plan_budget(fitted_like("good", weekly_encounters=1.0), spec, history(), value=unsure)
    g, w = wide.gain_vs_current, warmed.gain_vs_current
    assert g["value_high"] - g["value_low"] > w["value_high"] - w["value_low"]


def test_warming_from_a_funnel_analysis_scales_the_close_rate_trend():
    import yaml

    from planner.inference.funnel import analyse
    from planner.inference.model import EncounterModel
    from planner.reading.data import from_frame
    from planner.reading.params import load_dict

    example = Path(__file__).resolve().parents[1] / "params" / "example.yaml"
    raw = yaml.safe_load(example.read_text(encoding="utf-8"))
    raw["model"].update({"draws": 100, "cv_folds": 2, "holdout_weeks": 0})
    params = load_dict(raw, example)
    syn = generate(seed=2, weeks=104, scenario="content_driven", funnel=True)
    data = from_frame(syn.frame, params)
    model = EncounterModel(data, params.model).fit()
    funnel = analyse(data.funnel, model, seed=3)
    warm = Warming.from_funnel(funnel, model, "revenue")
    links = funnel.value_links["revenue"]
    trend = funnel.close_rate["trend"]
    scale = links["leads_per_encounter"] * model.y.iloc[-funnel.horizon_weeks :].mean()
    assert warm.draws.mean() == pytest.approx(scale * links["assisted_deal_value"] * trend["slope"], rel=0.05)
    assert np.percentile(warm.draws, 10) < warm.draws.mean() < np.percentile(warm.draws, 90)
    assert warm.decay == pytest.approx(funnel.decay["content"])
    deals = Warming.from_funnel(funnel, model, "deals")
    assert deals.draws.mean() == pytest.approx(warm.draws.mean() / links["assisted_deal_value"], rel=1e-6)
    # the same seed gives the same draws; without leads there is no close rate to warm
    assert np.array_equal(Warming.from_funnel(funnel, model, "revenue").draws, warm.draws)
    no_leads = analyse(data.funnel.drop(columns="leads"), model, seed=3)
    assert Warming.from_funnel(no_leads, model, "revenue") is None


def test_min_gain_compares_the_value_gain_with_a_horizon_of_value():
    # a million encounters a week: every gain is small, in encounters and in euros alike
    spec = value_spec("deals", min_gain=0.01, frontier={"steps": 3})
    plan = plan_budget(fitted_like(), spec, history(), value=Value("deals", lognormal_draws(0.02, 0.2)))
    assert (plan.action, plan.action_reason["code"]) == ("keep", "small_gain")
    context = plan.action_reason["context"]
    assert context["objective"] == "deals"
    recent = 8 * 1e6 * 0.02
    assert context["gain_share"] == pytest.approx(plan.gain_vs_current["value"] / recent, abs=1e-5)
    assert "to the deals of a horizon" in plan.action_reason["text"]


# identical categories (no carryover): the best split is even at any budget, and with x euros a week
# in each, one more euro brings beta * k / (x + k)**2 encounters
SYMMETRIC = HillResponse(beta=[100.0] * 3, k=[30.0] * 3, s=[1.0] * 3)


def true_budget_level(margin_value, weeks=8):
    """Where margin * value * beta * k / (x + k)**2 = 1, as a total budget over the horizon."""
    x = np.sqrt(np.asarray(margin_value) * 100.0 * 30.0) - 30.0
    return 3 * weeks * x


@pytest.mark.parametrize("target", [1.2, 2.5])  # inside the frontier's levels, and beyond them
def test_profit_budget_level_is_where_margin_times_marginal_revenue_is_one(target):
    budget = 8 * 60.0
    x = target * budget / 24
    margin = 0.5
    draws = lognormal_draws((x + 30.0) ** 2 / 3000.0 / margin, 0.1)
    plan = plan_budget(
        SYMMETRIC, value_spec("profit"), history(weekly=(20.0, 20.0, 20.0)), value=Value("revenue", draws, margin)
    )
    level = plan.budget_level
    assert level["status"] == "found"
    assert level["value"] == pytest.approx(target * budget, rel=0.01)
    truth = np.percentile(true_budget_level(margin * draws), [10, 90])
    assert level["low"] == pytest.approx(truth[0], rel=0.02) and level["high"] == pytest.approx(truth[1], rel=0.02)
    assert level["low"] < target * budget < level["high"]
    f = plan.frontier
    assert f["budget"].max() >= level["value"]  # the frontier was extended to reach it when needed
    if target > 1.5:
        assert len(f) > 11 and f["budget"].max() > 1.5 * budget
    # profit = margin * revenue - budget, and its marginal falls through zero at the level
    assert np.allclose(f["value"], margin * draws.mean() * f["expected_encounters"] - f["budget"])
    assert (f.loc[f["budget"] < 0.95 * level["value"], "marginal_value"] > 0).all()
    assert (f.loc[f["budget"] > 1.05 * level["value"], "marginal_value"] < 0).all()
    d = plan.to_dict()
    assert d["objective"] == "profit" and d["unit"] == "EUR" and d["budget_level"]["status"] == "found"
    assert not [w for w in plan.warnings if w["code"] == "plan_budget_level_outside"]
    validate_section("allocation", d)


def test_a_budget_level_beyond_the_plausible_range_is_said_so():
    draws = lognormal_draws(20.0, 0.1)  # spend pays far beyond four times the budget
    plan = plan_budget(
        SYMMETRIC,
        value_spec("profit"),
        history(weekly=(20.0, 20.0, 20.0)),
        value=Value("revenue", draws, 0.5),
    )
    assert plan.budget_level["status"] == "above"
    assert plan.budget_level["value"] == pytest.approx(4.0 * 480.0)
    (warning,) = [w for w in plan.warnings if w["code"] == "plan_budget_level_outside"]
    assert "the highest level the plan looks at" in warning["text"]


def test_the_objective_needs_the_value_it_is_counted_in():
    with pytest.raises(PlanError, match="needs the value of an encounter"):
        plan_budget(CONCAVE, value_spec("revenue"), history())
    with pytest.raises(PlanError, match="funnel.margin"):
        plan_budget(CONCAVE, value_spec("profit"), history(), value=Value("revenue", [50.0]))
    with pytest.raises(PlanError, match="deals per encounter"):
        plan_budget(CONCAVE, value_spec("deals"), history(), value=Value("revenue", [50.0]))
    with pytest.raises(PlanError, match="shape"):
        Experience(np.ones((10, 2)))


# technology alone lifts the experience score; the best split for encounters cuts technology
TECH_EXPERIENCE = Experience(
    np.random.default_rng(3).normal([0.0, 0.0, 2.0], 0.5, size=(300, 3)), decay=[0.5, 0.3, 0.7]
)


def test_each_scenario_has_its_experience_change_and_a_warning_names_a_fall():
    plan = plan_budget(CONCAVE, value_spec(guard=False), history(), experience=TECH_EXPERIENCE)
    assert plan.current.experience_change["value"] == pytest.approx(0.0, abs=1e-12)
    change = plan.candidate.experience_change
    weekly = (plan.candidate.euros - plan.current.euros).to_numpy() / 8
    assert change["value"] == pytest.approx(TECH_EXPERIENCE.draws.mean(axis=0) @ weekly / 1000)
    assert change["low"] < change["value"] < change["high"] < 0
    assert plan.experience_guard == {
        "applied": False,
        "binds": False,
        "feasible": True,
        "unguarded_split": None,
        "unguarded_change": None,
        "cost": None,
    }
    (warning,) = [w for w in plan.warnings if w["code"] == "plan_lowers_experience"]
    assert warning["context"]["split"] == "recommended"
    assert "switch on the experience guard" in warning["text"]
    d = plan.to_dict()
    assert set(d["candidate"]["experience_change"]) == {"value", "low", "high"}
    validate_section("allocation", d)


def test_the_experience_guard_binds_when_the_best_split_lowers_the_score():
    free = plan_budget(CONCAVE, value_spec(guard=False), history(), experience=TECH_EXPERIENCE)
    plan = plan_budget(CONCAVE, value_spec(guard=True), history(), experience=TECH_EXPERIENCE)
    guard = plan.experience_guard
    assert guard["applied"] and guard["binds"] and guard["feasible"]
    assert np.allclose(guard["unguarded_split"], free.candidate.split)
    assert guard["unguarded_change"]["value"] < 0
    assert plan.candidate.experience_change["value"] >= -1e-9
    assert guard["cost"] == pytest.approx(free.candidate.expected_encounters - plan.candidate.expected_encounters)
    assert guard["cost"] > 0
    # the guarded split is the best one that keeps the score: brute force on the half-space
    lo, hi = np.array([0.05] * 3), np.array([0.9] * 3)
    grid = np.arange(0.0, 1.0005, 0.005)
    w0, w1 = np.meshgrid(grid, grid, indexing="ij")
    w = np.column_stack([w0.ravel(), w1.ravel(), 1 - w0.ravel() - w1.ravel()])
    g = TECH_EXPERIENCE.draws.mean(axis=0)
    keep = np.all((w >= lo - 1e-12) & (w <= hi + 1e-12), axis=1) & ((w - plan.current.split.to_numpy()) @ g >= 0)
    best = CONCAVE.horizon_total(w[keep] * 100.0, 8).max()
    assert plan.candidate.expected_encounters >= best * (1 - 1e-6)
    assert not [w for w in plan.warnings if w["code"] == "plan_lowers_experience"]
    assert [w["code"] for w in plan.warnings].count("plan_experience_guard_binds") == 1
    d = plan.to_dict()
    assert d["experience_guard"]["binds"] is True and d["experience_guard"]["cost"] > 0
    validate_section("allocation", d)


def test_the_guard_does_not_bind_when_the_best_split_raises_the_score():
    helps = Experience(np.random.default_rng(4).normal([2.0, 0.0, 0.0], 0.2, size=(100, 3)))  # content helps
    free = plan_budget(CONCAVE, PlanSpec(horizon_weeks=8), history())
    plan = plan_budget(CONCAVE, value_spec(guard=True), history(), experience=helps)
    assert plan.experience_guard["applied"] and not plan.experience_guard["binds"]
    assert np.allclose(plan.candidate.split, free.candidate.split)
    assert plan.candidate.experience_change["value"] > 0


def test_a_guard_no_split_can_keep_names_the_least_fall():
    # the current split is outside the bounds on the side the score needs
    spec = value_spec(guard=True, bounds={"technology": {"max_share": 0.5}})
    plan = plan_budget(CONCAVE, spec, history(), experience=TECH_EXPERIENCE)
    assert not plan.experience_guard["feasible"]
    assert plan.candidate.split["technology"] == pytest.approx(0.5)
    assert "plan_experience_guard_infeasible" in [w["code"] for w in plan.warnings]


def test_a_guard_without_experience_data_says_so():
    plan = plan_budget(CONCAVE, value_spec(guard=True, frontier={"steps": 3}), history())
    assert plan.experience_guard is None
    assert "plan_experience_guard_unavailable" in [w["code"] for w in plan.warnings]


# -- a category the data cannot show is held at its current amount ----------------------------------


@pytest.mark.parametrize("budget", [None, 80.0 * 8])
def test_an_unidentified_category_never_moves(budget):
    # technology holds 70 % of the current spend and would be cut hard on the model's word alone
    resp = fitted_like("fair", weekly_encounters=1.0)
    free = plan_budget(resp, PlanSpec(horizon_weeks=8, frontier={"steps": 3}, total_budget=budget), history())
    assert free.candidate.split["technology"] < 0.5  # the curves alone would move it
    resp.identified = pd.Series({"content": True, "design": True, "technology": False})
    spec = PlanSpec(horizon_weeks=8, frontier={"steps": 5}, total_budget=budget)
    plan = plan_budget(resp, spec, history())
    for split in (plan.candidate, plan.recommended, plan.unbounded or plan.candidate):
        assert split.split["technology"] == pytest.approx(0.7)  # its current share: 560 EUR of 800
    # the other categories still find their best split around it
    assert plan.candidate.split["content"] > plan.current.split["content"]
    d = plan.to_dict()
    assert d["held"] == ["technology"] and "technology" not in d["moved_from"] + d["moved_to"]
    assert all(b["category"] != "technology" for b in d["binding"])
    assert plan.bounds["technology"]["min_set_by"] == ["technology.held"]
    # on the frontier it keeps its share at every budget level
    assert np.allclose(plan.frontier.loc[plan.frontier["feasible"], "technology"], 0.7)
    # the reference split (technology 10 %) counts technology's encounters as none: said, not compared silently
    held = [w for w in plan.warnings if w["code"] == "scenario_moves_held"]
    assert [w["context"] for w in held] == [{"scenario": "reference", "categories": ["technology"]}]
    assert not any(w["code"] == "scenario_moves_held" for w in free.warnings)


def test_a_held_category_overrides_its_own_bounds():
    # the default 5 % minimum would otherwise force money into a category bought in one go
    resp = fitted_like("fair", weekly_encounters=1.0)
    resp.identified = pd.Series({"content": True, "design": True, "technology": False})
    plan = plan_budget(resp, PlanSpec(horizon_weeks=8, frontier={"steps": 3}), history(weekly=(20.0, 10.0, 0.0)))
    assert plan.candidate.euros["technology"] == 0.0 and plan.held == ["technology"]
