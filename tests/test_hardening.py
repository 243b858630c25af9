"""Property-based hardening: corrupted data and params either pass or stop cleanly with exit code 2.

Never a raw traceback, never a run folder for invalid input.
"""

import io
import re
from pathlib import Path

import pandas as pd
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from planner.reading import params
from planner.reading.data import load_data
from planner.running import cli, runner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = pd.read_csv(ROOT / "data" / "example_weekly.csv", dtype=str, keep_default_na=False)
RAW_PARAMS = yaml.safe_load((ROOT / "params" / "example.yaml").read_text())
NUMERIC = list(EXAMPLE.columns[1:])

SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

cell = st.tuples(st.integers(0, len(EXAMPLE) - 1), st.sampled_from(list(EXAMPLE.columns)))
corruption = st.one_of(
    st.tuples(st.just("blank"), cell),
    st.tuples(st.just("text"), cell, st.text(min_size=1, max_size=6)),
    st.tuples(st.just("huge"), cell, st.sampled_from(["1e300", "9" * 40, "-1e12", "inf", "nan"])),
    st.tuples(st.just("negative"), cell),
    st.tuples(st.just("duplicate_row"), st.integers(0, len(EXAMPLE) - 1)),
    st.tuples(st.just("drop_rows"), st.integers(0, len(EXAMPLE) - 1), st.integers(1, 120)),
    st.tuples(st.just("rename"), st.sampled_from(list(EXAMPLE.columns)), st.text(min_size=1, max_size=12)),
    st.tuples(st.just("shuffle"), st.integers(0, 2**32 - 1)),
)


def corrupt(frame: pd.DataFrame, op) -> pd.DataFrame:
    frame = frame.copy().reset_index(drop=True)
    kind = op[0]
    if not len(frame):
        return frame
    if kind in ("blank", "text", "huge", "negative"):
        row, col = op[1][0] % len(frame), op[1][1]
        if col not in frame.columns:  # renamed by an earlier corruption
            return frame
        value = {"blank": "", "negative": "-" + str(frame.loc[row, col])}.get(kind, op[-1])
        frame.loc[row, col] = value
    elif kind == "duplicate_row":
        frame = pd.concat([frame, frame.iloc[[op[1] % len(frame)]]], ignore_index=True)
    elif kind == "drop_rows":
        start = op[1] % len(frame)
        frame = frame.drop(index=range(start, min(start + op[2], len(frame)))).reset_index(drop=True)
    elif kind == "rename":
        frame = frame.rename(columns={op[1]: op[2]})
    elif kind == "shuffle":
        frame = frame.sample(frac=1, random_state=op[1] % 2**32).reset_index(drop=True)
    return frame


def validate_exit(capsys, path: Path) -> tuple[int, str]:
    code = cli.main(["validate", str(path)])
    captured = capsys.readouterr()
    return code, captured.err


def assert_clean_stop(code: int, err: str, path: Path):
    assert code in (0, 2)
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("error: ")
        assert re.search(r"problem\(s\) in the (data|params file)", err)
        # what validate rejects, run rejects too, before writing anything (validate itself never writes)
        outcome = runner.run(path, progress=lambda _: None)
        assert outcome.status == "invalid", outcome.message
        assert sorted(p.name for p in path.parent.iterdir()) == ["data.csv", "p.yaml"]


@SETTINGS
@given(ops=st.lists(corruption, min_size=1, max_size=3))
def test_corrupted_data_passes_or_stops_cleanly(tmp_path_factory, capsys, ops):
    folder = tmp_path_factory.mktemp("case")
    frame = EXAMPLE
    for op in ops:
        frame = corrupt(frame, op)
    frame.to_csv(folder / "data.csv", index=False)
    raw = {**RAW_PARAMS, "data": {**RAW_PARAMS["data"], "path": "data.csv"}, "output": {"dir": "reports"}}
    (folder / "p.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True))
    code, err = validate_exit(capsys, folder / "p.yaml")
    assert_clean_stop(code, err, folder / "p.yaml")


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(tmp_path_factory, seed):
    folder = tmp_path_factory.mktemp("case")
    raw = {**RAW_PARAMS, "data": {**RAW_PARAMS["data"], "path": "data.csv"}}
    (folder / "p.yaml").write_text(yaml.safe_dump(raw))
    EXAMPLE.to_csv(folder / "data.csv", index=False)
    ordered = load_data(params.load(folder / "p.yaml")).frame
    corrupt(EXAMPLE, ("shuffle", seed)).to_csv(folder / "data.csv", index=False)
    shuffled = load_data(params.load(folder / "p.yaml")).frame
    pd.testing.assert_frame_equal(ordered, shuffled)


def _leaves(tree, path=()):
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _leaves(v, path + (k,))
    else:
        yield path


LEAVES = list(_leaves(RAW_PARAMS))
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
params_corruption = st.one_of(
    st.tuples(st.just("replace"), st.sampled_from(LEAVES), junk),
    st.tuples(st.just("delete"), st.sampled_from(LEAVES)),
    st.tuples(st.just("add"), st.sampled_from(LEAVES), st.text(min_size=1, max_size=10), junk),
)


def corrupt_params(raw: dict, op) -> dict:
    raw = yaml.safe_load(yaml.safe_dump(raw))  # deep copy
    path = op[1]
    parent = raw
    for key in path[:-1]:
        parent = parent[key]
    if op[0] == "replace":
        parent[path[-1]] = op[2]
    elif op[0] == "delete":
        del parent[path[-1]]
    else:
        parent[op[2]] = op[3]
    return raw


@SETTINGS
@given(ops=st.lists(params_corruption, min_size=1, max_size=3))
def test_corrupted_params_pass_or_stop_cleanly(tmp_path_factory, capsys, ops):
    folder = tmp_path_factory.mktemp("case")
    EXAMPLE.to_csv(folder / "data.csv", index=False)
    raw = {**RAW_PARAMS, "data": {**RAW_PARAMS["data"], "path": "data.csv"}, "output": {"dir": "reports"}}
    for op in ops:
        try:
            raw = corrupt_params(raw, op)
        except (KeyError, TypeError):
            assume(False)  # the path no longer exists after an earlier change
    buffer = io.StringIO()
    yaml.safe_dump(raw, buffer, allow_unicode=True)
    (folder / "p.yaml").write_text(buffer.getvalue(), encoding="utf-8")
    code, err = validate_exit(capsys, folder / "p.yaml")
    assert_clean_stop(code, err, folder / "p.yaml")


def _renamed_example(tmp_path, names: dict[str, str]):
    """The example with columns renamed, in tmp_path, and params that name them: (frame, params path)."""
    frame = EXAMPLE.rename(columns=names)
    frame.to_csv(tmp_path / "data.csv", index=False)
    raw = yaml.safe_load(yaml.safe_dump(RAW_PARAMS))
    data = raw["data"]
    data.update(path="data.csv", digital=[names.get(c, c) for c in data.get("digital", [])])
    data["encounters"] = {names.get(c, c): w for c, w in data["encounters"].items()}
    data["spend"] = {cat: [names.get(c, c) for c in cols] for cat, cols in data["spend"].items()}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return frame, tmp_path / "p.yaml"


def test_unicode_column_names_work(tmp_path):
    _, path = _renamed_example(tmp_path, {"enc_web": "käynnit_verkossa", "content_video_eur": "sisältö_video_€"})
    ds = load_data(params.load(path))
    assert ds.weeks == 156 and ds.digital_share().mean() > 0.5


def test_paths_stay_where_the_params_file_says(tmp_path):
    """An output name cannot climb out of output.dir; the data path is read, never written."""
    raw = yaml.safe_load(yaml.safe_dump(RAW_PARAMS))
    raw["output"] = {"dir": "reports", "name": "../../../tmp/evil"}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(raw))
    try:
        params.load(tmp_path / "p.yaml")
    except params.ParamsError as exc:
        assert "output.name" in str(exc)
    else:
        raise AssertionError("a climbing output name was accepted")


def test_a_csv_with_only_its_header_is_a_data_error_naming_the_file(tmp_path, capsys):
    EXAMPLE.iloc[:0].to_csv(tmp_path / "data.csv", index=False)
    raw = {**RAW_PARAMS, "data": {**RAW_PARAMS["data"], "path": "data.csv"}, "output": {"dir": "reports"}}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True))
    code, err = validate_exit(capsys, tmp_path / "p.yaml")
    assert code == 2 and "Traceback" not in err
    assert err.startswith("error: data.csv: 1 problem(s) in the data (data.path of ")
    assert "no data rows" in err and "header (row 1)" in err
    assert_clean_stop(code, err, tmp_path / "p.yaml")


def _math_texts(fig) -> list[str]:
    """Draw the figure as the run saves it; return every text matplotlib would read as mathematics."""
    from matplotlib.text import Text

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")  # mathtext parses (and fails) only when drawn
    return [t.get_text() for t in fig.findobj(Text) if t._preprocess_math(t.get_text())[1]]


def test_names_with_dollar_signs_pass_validate_and_draw_as_written(tmp_path, capsys):
    from planner.plan import plan_budget
    from planner.presentation.charts import data as data_charts
    from planner.presentation.charts import plan as plan_charts
    from planner.reading.data import from_frame
    from planner.reading.params import PlanSpec
    from planner.simulate.synth import generate

    names = {"enc_web": "visits_$_web", "enc_calls": "calls_$_phone", "content_video_eur": "cost_$_web"}
    frame, path = _renamed_example(tmp_path, names)
    code, err = validate_exit(capsys, path)
    assert code == 0, err
    ds = from_frame(frame, params.load(path))
    for chart in (data_charts.encounters_by_channel, data_charts.weighted_encounters, data_charts.spend_mix):
        fig = chart(ds)
        assert _math_texts(fig) == [], chart.__name__
    shown = [t.get_text() for t in data_charts.weighted_encounters(ds).findobj(lambda a: hasattr(a, "get_text"))]
    assert any("visits_\\$_web" in text and "calls_\\$_phone" in text for text in shown)

    syn = generate(seed=1, weeks=104, scenario="content_driven")
    scenarios = {
        "budget $5 cut_$_": {"content": 0.5, "design": 0.2, "technology": 0.3},
        "$_all_$ content": {"content": 0.8, "design": 0.1, "technology": 0.1},
    }
    plan = plan_budget(syn.truth, PlanSpec(scenarios=scenarios), syn.truth.spend)
    fig = plan_charts.scenario_chart(plan)
    assert _math_texts(fig) == []
    labels = [t.get_text().replace("\\$", "$") for t in fig.axes[0].get_yticklabels()]
    assert set(scenarios) <= set(labels)
