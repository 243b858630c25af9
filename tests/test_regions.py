"""The pooled model over regions, its regional generators and its place in results.json."""

from __future__ import annotations

import numpy as np
import pytest

from planner import CATEGORIES
from planner.inference.model import regions as reg
from planner.results import SECTIONS, validate_section
from planner.simulate import generators_regional as gr


@pytest.fixture(scope="module")
def flat_case():
    return gr.make("flat_licence", 0, n_regions=6, weeks=104)


@pytest.fixture(scope="module")
def pooled(flat_case):
    ds = flat_case.dataset(model={"draws": 60, "seed": 1, "holdout_weeks": 8, "cv_folds": 2})
    return reg.RegionalModel(ds, ds.params.model, burn=60, steps=60).fit()


def test_flat_licence_is_flat_nationally_and_staggered_by_region(flat_case):
    frame = flat_case.frame
    national = frame.groupby("week_start")["technology_eur"].sum()
    assert national.max() - national.min() <= 1e-3 * national.mean()  # whole euros
    per_region = frame.pivot(index="week_start", columns="region", values="technology_eur")
    assert (per_region.max() - per_region.min() > 0.1 * per_region.mean()).sum() >= 2
    assert flat_case.truth["national_flat"] == ["technology"]


def test_generators_are_seeded_and_unknown_names_refused():
    a, b = gr.make("uneven_sizes", 4, n_regions=8, weeks=80), gr.make("uneven_sizes", 4, n_regions=8, weeks=80)
    assert a.frame.equals(b.frame)
    assert not a.frame.equals(gr.make("uneven_sizes", 5, n_regions=8, weeks=80).frame)
    assert a.size.max() / a.size.min() > 2
    with pytest.raises(ValueError, match="unknown regional generator 'nope'"):
        gr.make("nope")
    with pytest.raises(ValueError, match="n_regions must be at least 2"):
        gr.make("flat_licence", n_regions=1)


def test_the_staggered_licence_is_identified_by_region_but_not_nationally(flat_case):
    """Identification judged on the regional variation: the national totals cannot show it."""
    ds = flat_case.dataset()
    y, x, _ = reg._arrays(ds)
    w = y.sum(axis=0) / y.sum()
    z = x / w[None, :, None]
    T = y.shape[0]
    local = np.column_stack([np.ones(T), np.arange(T, dtype=float)])
    shared = np.zeros((T, 0))
    rows = reg.identification(z, w, np.sqrt(w) * 300, 0.3, local, shared, 0.45, float(y.sum()), 8)
    assert rows[2]["identified"], rows[2]
    # the same spend summed over the regions is flat
    xs = x.sum(axis=1, keepdims=True)
    flat = reg.identification(xs, np.ones(1), np.ones(1) * 300, 0.3, local, shared, 0.45, float(y.sum()), 8)
    assert not flat[2]["identified"] and flat[2]["reason"] == "flat"


def test_pooled_fit_recovers_the_shares_and_pools(pooled, flat_case):
    truth = flat_case.truth["shares"]
    shares = pooled.shares()
    assert pooled.identified.all()
    for c in CATEGORIES:  # the 80 % intervals hold the truth on this history
        assert shares.loc[c, "low"] <= truth[c] <= shares.loc[c, "high"], c
    assert shares.loc["content", "share"] > shares.loc["design", "share"]
    assert pooled.pooling["regions"] == 6
    for c in CATEGORIES:
        assert 0.0 <= pooled.pooling["categories"][c]["pooling"] <= 1.0
    # the national numbers add up the regions' numbers
    by_region = pooled.region_contributions()
    total = by_region.groupby("category")["encounters"].sum()
    assert np.allclose(
        total[list(CATEGORIES)].to_numpy(), pooled.contributions()[list(CATEGORIES)].sum().to_numpy(), rtol=1e-6
    )


def test_pooled_fit_is_reproducible(flat_case, pooled):
    ds = flat_case.dataset(model={"draws": 60, "seed": 1, "holdout_weeks": 8, "cv_folds": 2})
    again = reg.RegionalModel(ds, ds.params.model, burn=60, steps=60).fit()
    assert np.array_equal(again.shares().to_numpy(), pooled.shares().to_numpy())


def test_pooled_sections_follow_the_contract(pooled):
    model = validate_section("model", _plain(pooled.to_dict()))
    assert model.pooling.regions == 6
    regions = validate_section("contributions_by_region", _plain(pooled.contributions_by_region_dict()))
    assert [r.region for r in regions] == pooled.region_names
    assert abs(sum(r.size for r in regions) - 1.0) < 1e-5
    assert "contributions_by_region" in SECTIONS


def test_a_region_with_a_different_effect_is_named():
    case = gr.make("one_region_differs", 0, n_regions=8, weeks=156)
    ds = case.dataset(model={"draws": 0, "holdout_weeks": 8, "cv_folds": 2})
    fit = reg.RegionalModel(ds, ds.params.model).fit()
    flagged = {row["region"] for row in fit.pooling["disagree"]}
    assert case.truth["differing_region"] in flagged
    codes = {w["code"] for w in fit.warnings}
    assert "regions_disagree" in codes


def test_pooled_is_chosen_for_data_by_region_only(flat_case):
    ds_r, ds_n = flat_case.dataset(), flat_case.dataset(regions=False)
    assert reg.use_pooled(ds_r, ds_r.params.model)
    assert not reg.use_pooled(ds_n, ds_n.params.model)
    national = ds_r.params.model.model_copy(update={"regions": "national"})
    assert not reg.use_pooled(ds_r, national)
    with pytest.raises(ValueError, match="model.regions: pooled needs data by region"):
        reg.use_pooled(ds_n, ds_n.params.model.model_copy(update={"regions": "pooled"}))


def _plain(value):
    import json

    from planner.running.pipeline import _jsonable

    return json.loads(json.dumps(value, allow_nan=False, default=_jsonable))


# -- the regional plan -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_plan():
    from planner.plan import plan_budget

    case = gr.make("staggered_campaigns", 2, n_regions=4, weeks=104)
    ds = case.dataset(model={"draws": 0, "holdout_weeks": 8, "cv_folds": 2})
    fit = reg.RegionalModel(ds, ds.params.model).fit()
    plan = plan_budget(fit, ds.params.plan, ds.spend)
    return ds, fit, plan


def test_the_regional_plan_adds_up_to_the_national_plan_and_the_region_budgets(small_plan):
    from planner.plan.regional import regional_plan

    ds, fit, plan = small_plan
    lo = [plan.bounds[c]["min_share"] for c in CATEGORIES]
    hi = [plan.bounds[c]["max_share"] for c in CATEGORIES]
    rp = regional_plan(fit, plan, ds.region_spend, lo, hi)
    table = rp.table
    by_cat = table.groupby("category")["recommended"].sum()
    for c in CATEGORIES:
        assert by_cat[c] == pytest.approx(plan.recommended.euros[c], rel=1e-3)
    by_region = table.groupby("region")["recommended"].sum()
    current = table.groupby("region")["current"].sum()
    assert np.allclose(by_region[current.index], current, rtol=1e-3)  # each region keeps its budget
    if not rp.bounds_relaxed:
        for region, part in table.groupby("region"):
            share = part.set_index("category")["recommended"] / part["recommended"].sum()
            for c, low, high in zip(CATEGORIES, lo, hi, strict=True):
                assert low - 1e-4 <= share[c] <= high + 1e-4, (region, c)
    weekly = rp.weekly_plan()
    assert list(weekly.columns) == ["region", *CATEGORIES, "total"]
    assert len(weekly) == plan.horizon_weeks * len(fit.region_names)
    assert weekly.groupby("region")["total"].sum().sum() == pytest.approx(plan.total_budget, abs=len(table))


def test_the_regional_example_runs_pooled_end_to_end(tmp_path):
    """params/example_regions.yaml through the pipeline with plan.by_region: the sections, plan.csv with
    a region column and the brief's sentence that the estimate pools the regions."""
    import yaml

    from planner.presentation.brief.view import BriefView
    from planner.presentation.tables import read_csv
    from planner.running.pipeline import Pipeline

    root = reg.__file__.rsplit("/planner/", 1)[0]
    raw = yaml.safe_load(open(f"{root}/params/example_regions.yaml", encoding="utf-8"))
    raw["data"]["path"] = f"{root}/data/example_regions.csv"
    raw["plan"]["by_region"] = True
    raw["model"]["draws"] = 100
    params = tmp_path / "regions.yaml"
    params.write_text(yaml.safe_dump(raw), encoding="utf-8")
    pipe = Pipeline(params, tmp_path / "run")
    pipe.record_data()
    pipe.record_model()
    pipe.record_plan()
    results = pipe.results()
    assert results.model.pooling.regions == 6
    assert len(results.contributions_by_region) == 6
    assert len(results.allocation_by_region.regions) == 6
    assert BriefView(results).pooled_note.startswith("The estimate pools 6 regions")
    path = pipe.save_table(pipe.plan_table(), "plan.csv")
    table = read_csv(path)
    assert "region" in table.columns and table["region"].nunique() == 6


def test_lift_tests_keep_the_national_fit(flat_case):
    """The pooled model takes no lift tests yet: auto fits the totals, which calibrate on them."""
    from planner.reading.data import from_frame
    from planner.reading.params import load_dict

    raw = {**flat_case.params, "model": {}}
    raw["experiments"] = [
        {
            "name": "spring",
            "category": "content",
            "start": "2022-03-07",
            "end": "2022-04-04",
            "spend_change_eur_per_week": 2000.0,
            "lift": 300.0,
            "lift_se": 100.0,
        }
    ]
    ds = from_frame(flat_case.frame, load_dict(raw))
    assert not reg.use_pooled(ds, ds.params.model)
    with pytest.raises(ValueError, match="does not take lift tests"):
        reg.use_pooled(ds, ds.params.model.model_copy(update={"regions": "pooled"}))


def test_the_smallest_region_borrows_strength_and_says_so():
    case = gr.make("uneven_sizes", 0, n_regions=8, weeks=104)
    ds = case.dataset(model={"draws": 0, "holdout_weeks": 8, "cv_folds": 2})
    fit = reg.RegionalModel(ds, ds.params.model).fit()
    smallest, largest = case.size.idxmin(), case.size.idxmax()
    borrowing = {row["region"] for row in fit.pooling["borrowing"]}
    assert smallest in borrowing and largest not in borrowing
    texts = [w["text"] for w in fit.warnings if w["code"] == "region_borrows_strength"]
    assert any(f"Region {smallest} has little data" in t for t in texts)


def test_small_multiples_draw_one_panel_per_region(pooled):
    from planner.presentation.charts.regions import small_multiples

    fig = small_multiples(pooled, "fi")
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == len(pooled.region_names)
    assert {ax.get_title().split(":")[0] for ax in shown} == set(pooled.region_names)
    assert "kohtaamisista" in fig._suptitle.get_text()


def test_pooled_results_pickle(pooled):
    import pickle

    again = pickle.loads(pickle.dumps(pooled))
    assert again.pooling == pooled.pooling
    assert np.array_equal(again.region_effect_draws(), pooled.region_effect_draws())
