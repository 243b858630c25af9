"""Data loading: formats, daily to weekly, and every bad-input case against its message."""

import re

import numpy as np
import pandas as pd
import pytest

from planner import params
from planner.data import DataError, load_data


def load(path):
    return load_data(params.load(path))


def test_example_loads(write_case, example_frame):
    ds = load(write_case(example_frame))
    assert ds.weeks == 156
    assert ds.frame.index[0] == pd.Timestamp("2022-01-03")
    assert (ds.frame.index.day_of_week == 0).all()
    assert list(ds.spend.columns) == ["content", "design", "technology"]
    raw = example_frame.astype({c: float for c in example_frame.columns if c.endswith("_eur")})
    assert ds.spend["design"].iloc[0] == pytest.approx(raw["design_ux_eur"][0] + raw["design_visual_eur"][0])
    w = {"enc_web": 1.0, "enc_calls": 3.0, "enc_meetings": 10.0}
    assert ds.y.iloc[0] == pytest.approx(sum(float(example_frame[c][0]) * k for c, k in w.items()))
    assert ds.split().sum() == pytest.approx(1.0)
    assert ds.split()["technology"] > 0.6  # the example is technology-led
    assert len(ds.sha256) == 64


def test_finnish_excel_csv_reads_the_same(write_case, example_frame, tmp_path):
    """Semicolons, decimal commas, thousands spaces and a BOM, as Finnish Excel saves them."""
    plain = load(write_case(example_frame))
    fi = example_frame.copy()
    fi["week_start"] = pd.to_datetime(fi["week_start"]).dt.strftime("%-d.%-m.%Y")
    fi["market_index"] = fi["market_index"].str.replace(".", ",", regex=False)
    fi["tech_crm_eur"] = fi["tech_crm_eur"].map(lambda v: f"{int(v):,}".replace(",", "\u00a0") + ",00")
    path = write_case(fi, data_name="fi.csv", sep=";", encoding="utf-8-sig")
    assert (tmp_path / "fi.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    finnish = load(path)
    pd.testing.assert_frame_equal(finnish.frame, plain.frame)


def test_excel_and_parquet(write_case, example_frame):
    plain = load(write_case(example_frame))
    numeric = example_frame.copy()
    for c in numeric.columns[1:]:
        numeric[c] = pd.to_numeric(numeric[c])
    for name in ("d.xlsx", "d.parquet"):
        other = load(write_case(numeric, data_name=name))
        pd.testing.assert_frame_equal(other.frame, plain.frame, check_freq=False)


def test_weekly_dates_on_other_weekdays_map_to_monday(write_case, example_frame):
    sundays = example_frame.copy()
    sundays["week_start"] = (pd.to_datetime(sundays["week_start"]) + pd.Timedelta(days=6)).dt.date.astype(str)
    ds = load(write_case(sundays))
    assert ds.frame.index[0] == pd.Timestamp("2022-01-03")


def test_daily_data_is_summed_to_monday_weeks(write_case, example_frame):
    weekly = load(write_case(example_frame))
    rows = []
    for _, r in example_frame.iterrows():
        monday = pd.Timestamp(r["week_start"])
        for d in range(7):
            day = {"week_start": (monday + pd.Timedelta(days=d)).date().isoformat()}
            for c in example_frame.columns[1:]:
                v = float(r[c])
                if c == "market_index":
                    day[c] = v  # a level: the weekly value is the mean
                elif c == "event_trade_fair":
                    day[c] = v if d == 2 else 0  # the event happened on one day of the week
                else:
                    day[c] = v / 7
            rows.append(day)
    # the data starts on a Wednesday: the first, partial week is dropped with a warning
    daily = pd.DataFrame(rows).iloc[2:]
    ds = load(write_case(daily, {"data": {"frequency": "daily"}}))
    assert ds.weeks == weekly.weeks - 1
    pd.testing.assert_frame_equal(ds.frame, weekly.frame.iloc[1:], check_freq=False, rtol=1e-9)
    assert [w["code"] for w in ds.warnings] == ["partial_week_dropped"]


# -- every bad-input case, against the message a user reads --------------------------------------


def expect_error(path, *patterns):
    with pytest.raises(DataError) as info:
        load(path)
    text = str(info.value)
    for p in patterns:
        assert re.search(p, text), f"missing {p!r} in:\n{text}"
    return info.value


def test_missing_file(write_case):
    expect_error(write_case(None), r"data.csv: 1 problem", r"data file not found: .*data.csv")


def test_missing_column_lists_close_matches(write_case, example_frame):
    renamed = example_frame.rename(columns={"content_video_eur": "content_videos_eur"})
    expect_error(
        write_case(renamed),
        r"column 'content_video_eur' \(named in the params file\) is missing; "
        r"close matches: content_videos_eur",
    )


def test_unparseable_date(write_case, example_frame):
    example_frame.loc[4, "week_start"] = "31.2.2022"
    expect_error(write_case(example_frame), r"column 'week_start': cannot read the date in row 6 \('31.2.2022'\)")


def test_duplicate_dates(write_case, example_frame):
    example_frame.loc[10, "week_start"] = example_frame.loc[9, "week_start"]
    expect_error(write_case(example_frame), r"more than one row for the week\(s\) starting 2022-03-07")


def test_missing_weeks_are_listed_as_gaps(write_case, example_frame):
    gappy = example_frame.drop(index=[20, 21, 22, 60])
    expect_error(write_case(gappy), r"missing weeks: 2022-05-23\.\.2022-06-06 \(3 weeks\), 2023-02-27")


def test_negative_spend(write_case, example_frame):
    example_frame.loc[7, "tech_crm_eur"] = "-500"
    expect_error(
        write_case(example_frame),
        r"column 'tech_crm_eur' \(technology spend\): negative value in "
        r"row 9 \('-500'\); spend must be 0 or more",
    )


def test_non_numeric_and_empty_cells_all_at_once(write_case, example_frame):
    example_frame.loc[3, "enc_calls"] = "n/a"
    example_frame.loc[5, "design_ux_eur"] = ""
    err = expect_error(
        write_case(example_frame),
        r"column 'enc_calls' \(encounters\): not a number in row 5 \('n/a'\)",
        r"column 'design_ux_eur' \(design spend\): empty cell in row\(s\) 7; enter 0",
    )
    assert len(err.problems) == 2


def test_too_few_weeks(write_case, example_frame):
    expect_error(write_case(example_frame.iloc[:40]), r"only 40 weeks of data; the planner needs at least 52")


def test_category_with_zero_spend_throughout(write_case, example_frame):
    for c in ("design_ux_eur", "design_visual_eur"):
        example_frame[c] = "0"
    expect_error(write_case(example_frame), r"design spend is zero in every week")


def test_encounters_all_zero(write_case, example_frame):
    for c in ("enc_web", "enc_calls", "enc_meetings"):
        example_frame[c] = "0"
    expect_error(write_case(example_frame), r"encounters are zero in every week")


def test_event_must_be_zero_or_one(write_case, example_frame):
    example_frame.loc[2, "event_trade_fair"] = "2"
    expect_error(write_case(example_frame), r"column 'event_trade_fair' \(event\): must be 0 or 1, not so in row 4")


def test_many_bad_rows_are_summarised(write_case, example_frame):
    example_frame.loc[0:29, "enc_web"] = "x"
    err = expect_error(write_case(example_frame), r"row 2 \('x'\).* and 22 more")
    assert len(err.problems) == 1


def test_undecodable_file(write_case, example_frame, tmp_path):
    path = write_case(example_frame)
    (tmp_path / "data.csv").write_bytes(b"week_start;enc\n" + "ä".encode("latin-1"))
    expect_error(path, r"not UTF-8 text")


def test_weighted_encounters_and_digital_share(write_case, example_frame):
    ds = load(write_case(example_frame))
    share = ds.digital_share()
    assert ((share > 0.5) & (share < 1)).all()
    assert np.isclose(
        share.iloc[0],
        float(example_frame["enc_web"][0])
        / sum(float(example_frame[c][0]) for c in ("enc_web", "enc_calls", "enc_meetings")),
    )


def test_implausibly_large_value(write_case, example_frame):
    example_frame.loc[0, "content_video_eur"] = "9" * 20
    expect_error(
        write_case(example_frame),
        r"column 'content_video_eur' \(content spend\): implausibly large value "
        r"in row 2",
    )


def test_numbers_in_the_date_column_are_not_dates(write_case, example_frame):
    example_frame.loc[0, "week_start"] = "-5"
    example_frame.loc[1, "week_start"] = "12"
    expect_error(write_case(example_frame), r"cannot read the date in row 2 \('-5'\), row 3 \('12'\)")
