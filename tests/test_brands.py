"""Pooling over brands: data.group read and checked, the pooled fit over brands, a batch's pool."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from planner import CATEGORIES
from planner.inference.model import EncounterModel
from planner.inference.model import regions as reg
from planner.reading.data import DataError, from_frame, load_data
from planner.reading.params import load_dict
from planner.results import validate_section
from planner.running import pool as pool_module
from planner.simulate.generators_brands import make_brands

MODEL = {"draws": 40, "seed": 2, "holdout_weeks": 8, "cv_folds": 2}


@pytest.fixture(scope="module")
def case():
    return make_brands(0, n_brands=5, weeks=104)


@pytest.fixture(scope="module")
def pooled(case):
    ds = case.dataset(model=MODEL)
    return reg.RegionalModel(ds, ds.params.model, burn=60, steps=60).fit()


def _plain(value):
    return json.loads(json.dumps(value, default=float))


# -- reading data.group ----------------------------------------------------------------------------


def test_data_group_makes_the_brands_the_pooling_units(case):
    ds = case.dataset()
    assert ds.unit_kind == "brand"
    assert ds.region_names == case.brands
    # the totals are the brands' sums
    assert np.isclose(ds.y.sum(), case.frame["encounters"].sum())
    assert reg.use_pooled(ds, ds.params.model)


def test_brand_and_region_together_make_brand_region_pairs(case):
    import pandas as pd

    frame = case.frame[case.frame["brand"].isin(["B1", "B2"])].assign(region="north")
    both = pd.concat([frame, frame.assign(region="south")], ignore_index=True)
    raw = {**case.params, "data": {**case.params["data"], "region": "region"}}
    ds = from_frame(both, load_dict(raw))
    assert ds.unit_kind == "brand x region"
    assert ds.region_names == ["B1 / north", "B2 / north", "B1 / south", "B2 / south"]
    assert np.isclose(ds.y.sum(), 2 * frame["encounters"].sum())


def _write(tmp_path, frame, data_extra=None) -> Path:
    frame.to_csv(tmp_path / "brands.csv", index=False)
    raw = {
        "data": {
            "path": "brands.csv",
            "group": "brand",
            "encounters": {"encounters": 1.0},
            "spend": {"content": ["content_eur"], "design": ["design_eur"], "technology": ["technology_eur"]},
            **(data_extra or {}),
        },
        "model": {"seasonality": 0},
    }
    path = tmp_path / "brands.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def _load(path):
    from planner.reading.params import load

    return load_data(load(path))


def test_a_brand_missing_weeks_is_named_with_its_column(case, tmp_path):
    frame = case.frame.drop(columns=["event_trade_fair", "market_index"])
    weeks = sorted(frame["week_start"].unique())
    gone = frame[(frame["brand"] == "B3") & frame["week_start"].isin(weeks[10:12])].index
    path = _write(tmp_path, frame.drop(index=gone))
    with pytest.raises(DataError, match=r"brand 'B3' \(column 'brand', data.group\): no row for the week\(s\) "):
        _load(path)


def test_a_missing_group_column_and_empty_brand_cells_are_named(case, tmp_path):
    frame = case.frame.drop(columns=["event_trade_fair", "market_index"]).rename(columns={"brand": "brnd"})
    path = _write(tmp_path, frame)
    with pytest.raises(DataError, match=r"column 'brand' \(named in the params file as data.group\) is missing"):
        _load(path)
    frame = case.frame.drop(columns=["event_trade_fair", "market_index"]).astype({"brand": object})
    frame.loc[[3, 7], "brand"] = ""
    path = _write(tmp_path, frame)
    with pytest.raises(DataError, match=r"column 'brand' \(data.group\): empty brand in row\(s\) 5, 9"):
        _load(path)


def test_one_brand_only_is_refused(case, tmp_path):
    frame = case.frame[case.frame["brand"] == "B1"].drop(columns=["event_trade_fair", "market_index"])
    path = _write(tmp_path, frame)
    with pytest.raises(DataError, match=r"every row is in the one brand 'B1'.*remove data.group for one brand"):
        _load(path)


def test_group_and_region_cannot_be_one_column():
    from planner.reading.params import ParamsError

    raw = {
        "data": {
            "path": "x.csv",
            "group": "unit",
            "region": "unit",
            "encounters": {"encounters": 1.0},
            "spend": {"content": ["c"], "design": ["d"], "technology": ["t"]},
        }
    }
    with pytest.raises(ParamsError, match="'unit' is in both region and group"):
        load_dict(raw)


# -- the pooled fit over brands ----------------------------------------------------------------------


def test_the_flat_licence_brand_gets_technology_from_the_pool_not_alone(case, pooled):
    """The first brand's licence is flat: alone, its data cannot show technology; pooled, the other
    brands' steps show the shared curve, and its shares come out closer to the truth."""
    flat = case.truth["flat_brand"]
    ds = case.brand_dataset(flat, model={**MODEL, "draws": 0})
    alone = EncounterModel(ds, ds.params.model).fit()
    assert not alone.identified["technology"]
    assert pooled.identified["technology"]
    truth = np.array([case.truth["brand_shares"][flat][c] for c in CATEGORIES])
    table = pooled.region_contributions()
    mine = table[table["region"] == flat].set_index("category").loc[list(CATEGORIES), "share"].to_numpy()
    alone_shares = alone.shares().loc[list(CATEGORIES), "share"].to_numpy()
    assert np.abs(mine - truth).max() < np.abs(alone_shares - truth).max()


def test_the_pooled_result_names_brands_and_the_brief_says_so(pooled):
    from planner.presentation.brief.view import BriefView
    from planner.presentation.i18n import Messages

    model = validate_section("model", _plain(pooled.to_dict()))
    assert model.pooling.unit == "brand" and model.pooling.units == 5
    rows = validate_section("contributions_by_region", _plain(pooled.contributions_by_region_dict()))
    assert [r.region for r in rows] == pooled.region_names
    view = BriefView.__new__(BriefView)
    view.model, view.m = model, Messages("en")
    assert view.pooled_note.startswith("The estimate pools 5 brands")
    view.m = Messages("fi")
    assert view.pooled_note.startswith("Arvio yhdistää 5 brändin")
    codes = {w["code"] for w in pooled.warnings}
    assert not codes & {"regions_disagree", "region_borrows_strength"}


def test_small_multiples_are_titled_by_brand(pooled):
    from planner.presentation.charts.regions import small_multiples

    fig = small_multiples(pooled, "en")
    assert "5 brands pooled" in fig._suptitle.get_text()


# -- a batch's pool ---------------------------------------------------------------------------------


def _pool_files(case, folder: Path, brands, **changes) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for b in brands:
        case.brand_frame(b).to_csv(folder / f"{b}.csv", index=False)
        raw = {
            "pool": "group",
            "data": {**{k: v for k, v in case.params["data"].items() if k != "group"}, "path": f"{b}.csv"},
            "model": dict(MODEL),
            "plan": {"horizon_weeks": 13},
            "output": {"dir": "out"},
        }
        for key, value in changes.get(b, {}).items():
            section, name = key.split(".")
            raw.setdefault(section, {})[name] = value
        path = folder / f"{b.lower()}.yaml"
        path.write_text(yaml.safe_dump(raw), encoding="utf-8")
        files.append(path)
    return files


def test_a_pool_whose_files_disagree_names_the_files_and_keys(case, tmp_path):
    files = _pool_files(case, tmp_path, ["B1", "B2", "B3"], B2={"model.seasonality": 1})
    batch = pool_module.prepare([str(f) for f in files])
    assert batch.jobs == []
    for _, job, note in batch.members:
        assert job is None
        assert "b1.yaml and" in note and "b2.yaml disagree on model.seasonality: 2 vs 1" in note


def test_a_pool_of_one_file_and_weeks_that_differ_are_refused(case, tmp_path):
    from planner.reading.params import load

    files = _pool_files(case, tmp_path / "one", ["B1"])
    with pytest.raises(pool_module.PoolError, match="only .*b1.yaml has this pool"):
        pool_module.prepare_pool("group", [(str(files[0]), load(files[0]))])
    files = _pool_files(case, tmp_path / "weeks", ["B1", "B2"])
    short = case.brand_frame("B2").iloc[:-3]
    short.to_csv(tmp_path / "weeks" / "B2.csv", index=False)
    batch = pool_module.prepare([str(f) for f in files])
    assert "the files' weeks differ" in batch.members[0][2] and "(101 weeks)" in batch.members[1][2]


def test_a_pool_writes_one_pooled_dataset_of_its_brands(case, tmp_path):
    files = _pool_files(case, tmp_path, ["B1", "B2", "B5"])
    batch = pool_module.prepare([str(f) for f in files])
    assert len(batch.jobs) == 1 and all(job == 0 for _, job, _ in batch.members)
    from planner.reading.params import load

    p = load(batch.jobs[0])
    assert p.name == "group" and p.data.group == "brand" and p.pool is None
    ds = load_data(p)
    assert ds.unit_kind == "brand" and ds.region_names == ["b1", "b2", "b5"]
    alone = case.brand_dataset("B5")
    assert np.allclose(ds.region_y.xs("b5", level="region").to_numpy(), alone.y.to_numpy())


def test_a_batch_pool_runs_pooled_end_to_end(case, tmp_path):
    """Three brand files sharing pool: one pooled run over the three brands, each file's outcome
    pointing at it, its results saying the estimate pools 3 brands (a suite that fits the model)."""
    import nbformat

    from planner.running import runner

    files = _pool_files(case, tmp_path / "params", ["B1", "B3", "B5"])
    suite = tmp_path / "nb"
    suite.mkdir()
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell('params_path: str = ""\nrun_dir: str = ""', metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(
                "from planner.running.pipeline import Pipeline\npipe = Pipeline(params_path, run_dir)\n"
                "pipe.record_data()\npipe.record_model()"
            ),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, suite / "01_fit.ipynb")
    outcomes = runner.run_many(files, tmp_path / "runs", notebook_dir=suite)
    assert [o.status for o in outcomes] == ["ok", "ok", "ok"], [o.message for o in outcomes]
    assert len({o.run_dir for o in outcomes}) == 1
    run_dir = outcomes[0].run_dir
    assert run_dir.parent.name == "group"
    assert all("pooled in 'group' with the brands b1, b3, b5" in o.message for o in outcomes)
    results = json.loads((run_dir / "results.json").read_text())
    assert results["model"]["pooling"]["unit"] == "brand"
    assert results["model"]["pooling"]["units"] == 3
    assert [r["region"] for r in results["contributions_by_region"]] == ["b1", "b3", "b5"]


def test_a_brands_view_of_the_pooled_fit_is_that_brands_own_shares(case, pooled):
    flat = case.truth["flat_brand"]
    ds = case.brand_dataset(flat, model=MODEL)
    view = pooled.brand_view(flat, ds)
    table = pooled.region_contributions()
    mine = table[table["region"] == flat].set_index("category").loc[list(CATEGORIES)]
    shares = view.shares().loc[list(CATEGORIES)]
    np.testing.assert_allclose(shares["share"].to_numpy(), mine["share"].to_numpy(), atol=1e-6)
    # its fitted encounters are the brand's, not the pool's
    assert abs(view.fitted.mean() / ds.y.mean() - 1) < 0.05
    assert abs(pooled.fitted.mean() / ds.y.mean() - 1) > 0.5  # the pool's are several brands'
    assert view.pooling["unit"] == "brand" and view.pooling["units"] == 5
    with pytest.raises(ValueError, match="no brand"):
        pooled.brand_view("nobody", ds)
