"""Data loading: formats, daily to weekly, and every bad-input case against its message."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from planner.reading import params
from planner.reading.data import DataError, experiment_weeks, load_data


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


def _daily(example_frame: pd.DataFrame, weeks: int | None = 60, decimals: int | None = 2) -> pd.DataFrame:
    """Daily rows from the example's first weeks (all with None): counts and events on Wednesdays,
    levels (market index, NPS) every day, euros spread over the week (rounded to `decimals`)."""
    rows = []
    for _, r in example_frame.iloc[:weeks].iterrows():
        monday = pd.Timestamp(r["week_start"])
        for d in range(7):
            day = {"week_start": (monday + pd.Timedelta(days=d)).date().isoformat()}
            for c in example_frame.columns[1:]:
                v = float(r[c])
                if c in ("market_index", "nps"):
                    day[c] = v  # a level: the weekly value is the mean
                elif c in ("event_trade_fair", *COUNTS):
                    day[c] = v if d == 2 else 0  # on one day of the week (counts stay whole)
                else:
                    day[c] = v / 7 if decimals is None else round(v / 7, decimals)
            rows.append(day)
    return pd.DataFrame(rows)


def test_daily_data_is_summed_to_monday_weeks(write_case, example_frame):
    weekly = load(write_case(example_frame))
    # the data starts on a Wednesday: the first, partial week is dropped with a warning
    daily = _daily(example_frame, weeks=None, decimals=None).iloc[2:]
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


# -- numbers: read exactly or not at all ----------------------------------------------------------

#: The example's funnel columns, and those of them that are counts.
FUNNEL = ["warmed_leads", "deals_web", "deals_sales", "revenue_web_eur", "revenue_sales_eur", "nps"]
COUNTS = ["warmed_leads", "deals_web", "deals_sales"]

SPEND = [
    "content_articles_eur",
    "content_video_eur",
    "content_social_eur",
    "design_ux_eur",
    "design_visual_eur",
    "tech_automation_eur",
    "tech_crm_eur",
    "tech_analytics_eur",
]


def test_finnish_export_with_whole_euros_first_reads_exactly(write_case, example_frame, capsys):
    """The reported case: ';'-separated, the first 30 rows whole euros ('12000'), later ones '12345,50'.

    Guessing the decimal mark from the first rows read every later comma as a thousands separator:
    a hundred times the spend, and a valid-looking run.
    """
    from planner.running import cli

    fi = example_frame.copy()
    expected = {}
    for col in SPEND:
        euros = fi[col].astype(int) * 10
        cents = np.where(np.arange(len(fi)) < 30, 0, 50)
        fi[col] = [f"{e}" if c == 0 else f"{e},{c:02d}" for e, c in zip(euros, cents, strict=True)]
        expected[col] = (euros * 100 + cents) / 100
    fi["market_index"] = fi["market_index"].str.replace(".", ",", regex=False)
    path = write_case(fi, data_name="fi.csv", sep=";", encoding="utf-8-sig")
    ds = load(path)
    for col in SPEND:
        np.testing.assert_array_equal(ds.frame[col].to_numpy(), expected[col].to_numpy())
    assert ds.frame["market_index"].iloc[0] == 99.96
    # validate prints the sums read, to the cent, per column and per category
    assert cli.main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    content = sum(expected[c].sum() for c in SPEND[:3])
    assert f"€{content:,.0f}" in out  # the params' report.language is English
    for col in SPEND:
        assert re.search(rf"{col}\s+{re.escape(f'€{expected[col].sum():,.2f}')}", out), col


def test_mixed_decimal_marks_in_a_column_stop_naming_column_cells_and_fix(write_case, example_frame):
    example_frame.loc[3, "tech_crm_eur"] = "1234,5"
    example_frame.loc[7, "tech_crm_eur"] = "2345.5"
    err = expect_error(
        write_case(example_frame),
        r"column 'tech_crm_eur' mixes decimal marks: row 5 \('1234,5'\) read\(s\) only with a decimal comma, "
        r"row 9 \('2345.5'\) only with a decimal point",
        r"set data.decimal: ',' or '.'",
    )
    assert len(err.problems) == 1


def test_ambiguous_column_stops_unless_the_file_or_params_say(write_case, example_frame):
    """'1,234' is 1.234 or 1234: with nothing else to go on, the planner asks instead of guessing."""
    example_frame = example_frame.drop(columns=FUNNEL)  # revenue's cents would show the mark
    no_funnel = {"funnel": None}
    for col in SPEND:
        example_frame[col] = (example_frame[col].astype(int) + 1000).map(lambda v: f"{v:,}")
    index = example_frame["market_index"]
    example_frame["market_index"] = "100"
    expect_error(
        write_case(example_frame, no_funnel, data_name="amb.csv"),
        r"column 'content_articles_eur': cannot tell whether the mark in row 2 \('1,972'\)",
        r"set data.decimal: ',' \(1 234,50\) or '.' \(1,234.50\)",
    )
    point = load(write_case(example_frame, {"data": {"decimal": "."}, **no_funnel}, data_name="amb.csv"))
    assert point.frame["content_articles_eur"].iloc[0] == 1972.0
    comma = load(write_case(example_frame, {"data": {"decimal": ","}, **no_funnel}, data_name="amb.csv"))
    assert comma.frame["content_articles_eur"].iloc[0] == 1.972
    # one unambiguous cell elsewhere in the file settles it for every column
    example_frame["market_index"] = index
    example_frame.loc[1, "tech_crm_eur"] = "1,234.50"
    guessed = load(write_case(example_frame, no_funnel, data_name="amb.csv"))
    assert guessed.frame["tech_crm_eur"].iloc[1] == 1234.5
    for col in SPEND:
        np.testing.assert_array_equal(guessed.frame[col].iloc[2:], point.frame[col].iloc[2:])


def test_explicit_decimal_rejects_cells_that_do_not_fit(write_case, example_frame):
    example_frame.loc[4, "enc_web"] = "12.5"
    expect_error(
        write_case(example_frame, {"data": {"decimal": ","}}),
        r"column 'enc_web' \(encounters\): not a number in row 6 \('12.5'\).*read with a decimal comma",
    )


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1 234,50", 1234.5),
        ("1\u00a0234,50", 1234.5),  # no-break space, as Excel writes it
        ("1\u202f234,50", 1234.5),  # narrow no-break space
        ("12 €", 12.0),
        ("1 200 €", 1200.0),
        ("−5,25", -5.25),  # typographic minus
        ("1.234.567,5", 1234567.5),
        ("0,125", 0.125),
    ],
)
def test_finnish_forms(write_case, example_frame, cell, value):
    fi = example_frame.copy()
    fi["market_index"] = fi["market_index"].str.replace(".", ",", regex=False)
    fi.loc[0, "market_index"] = cell
    ds = load(write_case(fi, data_name="fi.csv", sep=";"))
    assert ds.frame["market_index"].iloc[0] == value


@pytest.mark.parametrize(("cell", "value"), [("1,234.50", 1234.5), ("1,234,567", 1234567.0), ("-0.5", -0.5)])
def test_english_forms(write_case, example_frame, cell, value):
    example_frame.loc[0, "market_index"] = cell
    ds = load(write_case(example_frame))
    assert ds.frame["market_index"].iloc[0] == value


def test_thousands_groups_must_be_whole(write_case, example_frame):
    """'1 2345' and '12,34,567' are typos, not numbers."""
    example_frame.loc[0, "enc_calls"] = "1 2345"
    example_frame.loc[1, "enc_calls"] = "12,34,567"
    expect_error(
        write_case(example_frame),
        r"column 'enc_calls' \(encounters\): not a number in row 2 \('1 2345'\), "
        r"row 3 \('12,34,567'\)",
    )


# The conventions a user's file may follow: (separator, decimal mark, thousands separator, decorations)
CONVENTIONS = {
    "english": (",", ".", ",", ""),
    "point": (",", ".", "", ""),
    "tab": ("\t", ".", "", ""),
    "finnish": (";", ",", " ", ""),
    "finnish_nbsp_eur": (";", ",", "\u00a0", " €"),
    "finnish_narrow": (";", ",", "\u202f", ""),
    "comma": (";", ",", "", ""),
    "dotted": (";", ",", ".", ""),
}


def _write_number(cents: int, decimal: str, thousands: str, suffix: str, minus: str, with_cents: bool) -> str:
    whole, frac = divmod(abs(cents), 100)
    digits = f"{whole:,}".replace(",", thousands)
    text = digits + (f"{decimal}{frac:02d}" if with_cents else "")
    return (minus if cents < 0 else "") + text + suffix


@pytest.mark.parametrize("convention", sorted(CONVENTIONS))
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # a failure prints its example; shrinking 60 rows takes minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    share_with_cents=st.sampled_from([0.0, 0.02, 0.5, 1.0]),
    scale=st.sampled_from([1, 10, 100]),
    explicit=st.booleans(),
    bom=st.booleans(),
)
# whole numbers only, below a million: nothing in the cells shows the decimal mark
@example(seed=0, share_with_cents=0.0, scale=1, explicit=False, bom=False)
@example(seed=0, share_with_cents=0.0, scale=1, explicit=True, bom=False)
# one row with cents among whole numbers (the reported export's shape)
@example(seed=1, share_with_cents=0.02, scale=10, explicit=False, bom=True)
def test_any_convention_reads_back_the_same_numbers(
    write_case, example_frame, convention, seed, share_with_cents, scale, explicit, bom
):
    """A frame written in any convention, with decimals in any subset of rows, reads back exactly.

    The one exception is a file that gives no sign of its decimal mark ('1,234' and nothing else):
    it must stop naming the column, and read exactly once `data.decimal` says the mark.
    """
    sep, decimal, thousands, suffix = CONVENTIONS[convention]
    rng = np.random.default_rng(seed)
    numeric = [c for c in example_frame.columns[1:] if c != "event_trade_fair"]
    example_frame = example_frame.iloc[:60]  # a year and some: enough to be valid, quick to read
    frame = example_frame.copy()
    expected = {}
    for col in numeric:
        base = pd.to_numeric(example_frame[col]).to_numpy()
        with_cents = (rng.random(len(frame)) < share_with_cents) & (col not in COUNTS)  # counts are whole
        cents = np.round(base * 100 * (1 if col == "nps" else scale)).astype(np.int64)  # nps within -100..100
        cents = np.where(with_cents, cents + rng.integers(0, 100, len(frame)), cents - cents % 100)
        if col == "market_index":
            cents = cents - int(np.median(cents)) // 100 * 100  # a control may be negative
        minus = "\u2212" if decimal == "," else "-"
        frame[col] = [
            _write_number(int(c), decimal, thousands, suffix, minus, bool(w))
            for c, w in zip(cents, with_cents, strict=True)
        ]
        expected[col] = cents / 100
    changes = {"data": {"decimal": decimal}} if explicit else {}
    path = write_case(frame, changes, data_name="conv.csv", sep=sep, encoding="utf-8-sig" if bom else "utf-8")
    cells = [v for col in numeric for v in frame[col]]
    # the file shows its mark when a cell has cents or two thousands groups, or it is ';'-separated
    shows_mark = sep == ";" or any(decimal in v or v.count(thousands) > 1 for v in cells if thousands)
    any_ambiguous = thousands in (",", ".") and any(thousands in v for v in cells)
    if not explicit and any_ambiguous and not shows_mark:
        expect_error(path, r"cannot tell whether the mark in .* set data.decimal")
        return
    ds = load(path)
    for col in numeric:
        np.testing.assert_array_equal(ds.frame[col].to_numpy(), expected[col], err_msg=f"{convention}: {col}")


# -- Excel sheets and where the data came from ------------------------------------------------------


def _workbook(path, sheets: dict[str, pd.DataFrame]) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns[1:]:
        out[c] = pd.to_numeric(out[c])
    return out


INSTRUCTIONS = pd.DataFrame({"Ohjeet": ["Täytä viikot välilehdelle Tiedot", "Summat euroina"]})


def test_excel_without_sheet_reads_the_first_sheet_with_the_date_column(write_case, example_frame, tmp_path):
    plain = load(write_case(example_frame))
    path = write_case(None, data_name="book.xlsx")
    _workbook(tmp_path / "book.xlsx", {"Ohjeet": INSTRUCTIONS, "Tiedot": _numeric(example_frame)})
    ds = load(path)
    pd.testing.assert_frame_equal(ds.frame, plain.frame, check_freq=False)


def test_excel_sheet_by_name(write_case, example_frame, tmp_path):
    doubled = _numeric(example_frame)
    doubled["enc_web"] *= 2
    path = write_case(None, {"data": {"sheet": "Toinen"}}, data_name="book.xlsx")
    _workbook(tmp_path / "book.xlsx", {"Tiedot": _numeric(example_frame), "Toinen": doubled})
    ds = load(path)
    assert ds.frame["enc_web"].iloc[0] == 2 * float(example_frame["enc_web"][0])


def test_wrong_sheet_lists_the_workbook_sheets(write_case, example_frame, tmp_path):
    path = write_case(None, {"data": {"sheet": "Data"}}, data_name="book.xlsx")
    _workbook(tmp_path / "book.xlsx", {"Ohjeet": INSTRUCTIONS, "Tiedot": _numeric(example_frame)})
    err = expect_error(
        path,
        r"book.xlsx: 1 problem\(s\) in the data \(data.path of .*plan.yaml\)",
        r"the workbook has no sheet 'Data' \(data.sheet\); its sheets are: 'Ohjeet', 'Tiedot'",
    )
    assert len(err.problems) == 1


def test_no_sheet_with_the_date_column_lists_sheets_and_their_headers(write_case, example_frame, tmp_path):
    path = write_case(None, data_name="book.xlsx")
    renamed = _numeric(example_frame).rename(columns={"week_start": "viikko"})
    _workbook(tmp_path / "book.xlsx", {"Ohjeet": INSTRUCTIONS, "Tiedot": renamed})
    expect_error(
        path,
        r"no sheet of the workbook has the date column 'week_start' in its first 30 rows; its sheets are: "
        r"'Ohjeet' \(first row: Ohjeet\); 'Tiedot' \(first row: viikko, enc_web",
        r"set data.sheet .* or data.date_column",
    )


def test_excel_errors_name_the_sheet_and_text_cells_follow_the_number_rules(write_case, example_frame, tmp_path):
    frame = _numeric(example_frame).astype(object)
    frame.loc[0, "tech_crm_eur"] = "27 252,50"  # a cell typed as text, Finnish style
    frame.loc[1, "enc_calls"] = "n/a"
    path = write_case(None, data_name="book.xlsx")
    _workbook(tmp_path / "book.xlsx", {"Tiedot": frame})
    expect_error(
        path, r"book.xlsx \(sheet 'Tiedot'\): 1 problem", r"column 'enc_calls' \(encounters\): not a number in row 3"
    )
    frame.loc[1, "enc_calls"] = 1011
    _workbook(tmp_path / "book.xlsx", {"Tiedot": frame})
    assert load(path).frame["tech_crm_eur"].iloc[0] == 27252.5


def test_every_data_error_names_the_params_file(write_case, example_frame):
    missing = write_case(None, name="market-fi")
    expect_error(missing, r"data.csv: 1 problem\(s\) in the data \(data.path of .*market-fi.yaml\)")
    example_frame.loc[3, "enc_calls"] = "x"
    expect_error(write_case(example_frame, name="market-se"), r"\(data.path of .*market-se.yaml\)")


# -- experiments against the data ---------------------------------------------------------------


def _experiment(**changes) -> dict:
    entry = {
        "name": "spring",
        "category": "design",
        "start": "2023-03-06",
        "end": "2023-03-26",
        "spend_change_eur_per_week": 2000,
        "lift": 500,
        "lift_se": 150,
    }
    return {**entry, **changes}


def test_experiment_within_the_data_loads_and_its_weeks_are_found(write_case, example_frame):
    # Wednesday to Saturday: the weeks of Monday 2023-03-06 and Monday 2023-03-20
    path = write_case(example_frame, {"experiments": [_experiment(start="2023-03-08", end="2023-03-25")]})
    ds = load(path)
    (spec,) = ds.params.experiments
    first, last = experiment_weeks(spec, ds.frame.index)
    assert (ds.frame.index[first], ds.frame.index[last]) == (pd.Timestamp("2023-03-06"), pd.Timestamp("2023-03-20"))
    assert last - first + 1 == spec.window_weeks == 3
    # the last possible window: its measured weeks end in the data's last week
    end = _experiment(start="2024-11-25", end="2024-12-08", measured_weeks_after=3)
    ds = load(write_case(example_frame, {"experiments": [end]}))
    first, last = experiment_weeks(ds.params.experiments[0], ds.frame.index)
    assert last + ds.params.experiments[0].measured_weeks_after == ds.weeks - 1


def test_experiment_weeks_outside_the_index_raise():
    index = pd.date_range("2023-01-02", periods=10, freq="W-MON")
    spec = params.ExperimentSpec(**{**_experiment(start="2023-02-27", end="2023-03-12"), "measured_weeks_after": 0})
    assert experiment_weeks(spec, index) == (8, 9)
    late = spec.model_copy(update={"measured_weeks_after": 1})
    with pytest.raises(
        ValueError, match=r"experiment 'spring' .* is not within the data's weeks 2023-01-02..2023-03-06"
    ):
        experiment_weeks(late, index)


def test_experiments_outside_the_data_are_named_with_their_dates(write_case, example_frame):
    before = _experiment(name="old", start="2021-11-01", end="2021-11-14")
    across = _experiment(name="late", start="2024-12-09", end="2025-01-05")
    carried = _experiment(name="carried", start="2024-12-09", end="2024-12-22", measured_weeks_after=3)
    err = expect_error(
        write_case(example_frame, {"experiments": [before, across, carried]}, name="market-fi"),
        r"\(data.path of .*market-fi.yaml\)",
        r"experiments\[0\] 'old' \(design, 2021-11-01..2021-11-14\): the window starts in the week of 2021-11-01, "
        r"before the data's first week 2022-01-03; an experiment's weeks must lie within the data "
        r"\(2022-01-03..2024-12-23\)",
        r"experiments\[1\] 'late' \(design, 2024-12-09..2025-01-05\): the window reaches the week of 2024-12-30, "
        r"after the data's last week 2024-12-23",
        r"experiments\[2\] 'carried' \(design, 2024-12-09..2024-12-22\): the window plus the 3 week\(s\) measured "
        r"after it reaches the week of 2025-01-06, after the data's last week 2024-12-23",
    )
    assert len(err.problems) == 3


def test_experiment_problems_come_with_the_other_data_problems(write_case, example_frame):
    for c in ("enc_web", "enc_calls", "enc_meetings"):
        example_frame[c] = "0"
    err = expect_error(
        write_case(example_frame, {"experiments": [_experiment(start="2021-01-04", end="2021-01-17")]}),
        r"encounters are zero in every week",
        r"experiments\[0\] 'spring'",
    )
    assert len(err.problems) == 2


def test_an_increase_larger_than_the_spend_in_the_window(write_case, example_frame):
    """The data hold the spend paid during the test; the usual spend is that minus the change, never negative."""
    for c in ("design_ux_eur", "design_visual_eur"):
        example_frame.loc[62:63, c] = "400"  # the weeks of 2023-03-13 and 2023-03-20
    err = expect_error(
        write_case(example_frame, {"experiments": [_experiment(spend_change_eur_per_week=2000)]}),
        r"experiments\[0\] 'spring' \(design, 2023-03-06..2023-03-26\): spend_change_eur_per_week is \+2,000 but "
        r"the data's design spend is below that in the week\(s\) of 2023-03-13 \(800 EUR\), 2023-03-20 \(800 EUR\), "
        r"so the usual spend .* would be negative; .* check its sign and size",
    )
    assert len(err.problems) == 1


def test_a_cut_to_zero_is_a_valid_test_but_an_increase_on_no_spend_is_not(write_case, example_frame):
    for c in ("design_ux_eur", "design_visual_eur"):
        example_frame.loc[61:63, c] = "0"  # design switched off for three weeks
    off = _experiment(spend_change_eur_per_week=-5000, lift=-400)
    assert load(write_case(example_frame, {"experiments": [off]})).params.experiments[0].lift == -400
    # the same window entered as an increase (a sign mistake) is stopped: nothing was spent on top of
    err = expect_error(
        write_case(example_frame, {"experiments": [_experiment(spend_change_eur_per_week=5000)]}),
        r"design spend is below that in the week\(s\) of 2023-03-06 \(0 EUR\), 2023-03-13 \(0 EUR\), "
        r"2023-03-20 \(0 EUR\)",
    )
    assert len(err.problems) == 1


def test_the_example_experiment_fits_the_example_data():
    """The commented-out experiments block of params/example.yaml, switched on, is valid with its data."""
    path = Path(__file__).parent.parent / "params" / "example.yaml"
    text = path.read_text(encoding="utf-8")
    block = text[text.index("# experiments:") :]
    raw = yaml.safe_load(text)
    raw.update(yaml.safe_load("\n".join(re.sub(r"^# ?", "", line) for line in block.splitlines())))
    ds = load_data(params.load_dict(raw, path))
    (spec,) = ds.params.experiments
    assert (spec.window_weeks, spec.se, spec.measured_weeks_after) == (6, 1100, 2)
    first, last = experiment_weeks(spec, ds.frame.index)
    assert (ds.spend["content"].iloc[first : last + 1] >= spec.spend_change_eur_per_week).all()


# -- the funnel columns -----------------------------------------------------------------------------


def test_example_funnel_columns_under_their_standard_names(write_case, example_frame):
    ds = load(write_case(example_frame))
    assert list(ds.funnel.columns) == [
        "leads",
        "deals_self_service",
        "deals_assisted",
        "revenue_self_service",
        "revenue_assisted",
        "experience",
    ]
    assert ds.funnel.index.equals(ds.frame.index) and all(t == np.float64 for t in ds.funnel.dtypes)
    assert ds.funnel["deals_assisted"].iloc[1] == float(example_frame["deals_sales"][1])
    assert ds.funnel["revenue_self_service"].iloc[0] == float(example_frame["revenue_web_eur"][0])
    assert ds.funnel["experience"].iloc[2] == float(example_frame["nps"][2])
    assert ds.warnings == []
    # results.json's data section is the same with or without the funnel
    plain = load(write_case(example_frame.drop(columns=FUNNEL), {"funnel": None}, name="plain"))
    assert plain.funnel is None and "nps" not in plain.frame
    assert (
        set(ds.summary()) == set(plain.summary())
        and ds.summary()["spend_by_category"] == plain.summary()["spend_by_category"]
    )


def test_a_partial_funnel_has_only_its_columns(write_case, example_frame):
    ds = load(write_case(example_frame, {"funnel": {"deals": None, "revenue": None, "margin": None}}))
    assert list(ds.funnel.columns) == ["leads", "experience"]
    assert "deals_web" not in ds.frame


def test_a_missing_funnel_column_names_its_key_and_close_matches(write_case, example_frame):
    renamed = example_frame.rename(columns={"deals_sales": "deal_sales"}).drop(columns=["nps"])
    err = expect_error(
        write_case(renamed),
        r"column 'deals_sales' \(named in the params file as funnel.deals.assisted\) is missing; "
        r"close matches: deal_sales",
        r"column 'nps' \(named in the params file as funnel.experience\) is missing",
    )
    assert len(err.problems) == 2


def test_bad_funnel_counts_all_at_once(write_case, example_frame):
    example_frame.loc[3, "warmed_leads"] = "-4"
    example_frame.loc[5, "deals_web"] = "2.5"
    example_frame.loc[6, "deals_web"] = "1.5"
    example_frame.loc[8, "deals_sales"] = "n/a"
    example_frame.loc[9, "revenue_sales_eur"] = "-120.50"
    err = expect_error(
        write_case(example_frame),
        r"column 'warmed_leads' \(warmed leads\): negative value in row 5 \('-4'\); a count must be 0 or more",
        r"column 'deals_web' \(self-service deals\): not a whole number in row 7 \('2.5'\), row 8 \('1.5'\); "
        r"self-service deals are counted in whole numbers",
        r"column 'deals_sales' \(assisted deals\): not a number in row 10 \('n/a'\)",
        r"column 'revenue_sales_eur' \(assisted revenue\): negative value in row 11 \('-120.50'\); "
        r"revenue must be 0 or more",
    )
    assert len(err.problems) == 4


def test_revenue_without_deals_names_row_week_and_both_columns(write_case, example_frame):
    example_frame.loc[4, "deals_web"] = "0"
    example_frame.loc[7, "deals_sales"] = "0"
    example_frame.loc[7, "revenue_sales_eur"] = "0"  # no deals and no revenue: fine
    err = expect_error(
        write_case(example_frame),
        r"column 'revenue_web_eur' \(self-service revenue\): revenue in row 6 \(week 2022-01-31\): "
        rf"{float(example_frame['revenue_web_eur'][4]):,.2f} EUR where 'deals_web' \(self-service deals\) holds no "
        r"deals; revenue comes from deals",
    )
    assert len(err.problems) == 1


def test_revenue_without_deals_in_daily_data_names_the_week(write_case, example_frame):
    rows = []
    for _, r in example_frame.iterrows():
        monday = pd.Timestamp(r["week_start"])
        for d in range(7):
            day = {c: (r[c] if d == 0 else "0") for c in example_frame.columns[1:]}
            day.update(market_index=r["market_index"], nps=r["nps"])
            rows.append({"week_start": (monday + pd.Timedelta(days=d)).date().isoformat(), **day})
    daily = pd.DataFrame(rows)
    daily.loc[14, "deals_sales"] = "0"  # the third week's Monday holds every deal of that week
    expect_error(
        write_case(daily, {"data": {"frequency": "daily"}}),
        r"column 'revenue_sales_eur' \(assisted revenue\): revenue in week 2022-01-17: .* EUR where 'deals_sales'",
    )


@pytest.mark.parametrize(("cell", "row"), [("101", 3), ("-100.5", 3), ("NPS 40", None)])
def test_experience_score_outside_its_range(write_case, example_frame, cell, row):
    example_frame.loc[1, "nps"] = cell
    example_frame.loc[2, "nps"] = "-100"  # the ends of the range are scores
    if row is None:
        expect_error(write_case(example_frame), r"column 'nps' \(experience score\): not a number in row 3")
        return
    err = expect_error(
        write_case(example_frame),
        rf"column 'nps' \(experience score\): outside -100..100 in row {row} \('{re.escape(cell)}'\); "
        r"the score must be an NPS \(-100..100\) or a CSAT score within that range",
    )
    assert len(err.problems) == 1


def test_an_empty_score_asks_for_the_score_not_a_zero(write_case, example_frame):
    example_frame.loc[0, "nps"] = ""
    expect_error(
        write_case(example_frame), r"column 'nps' \(experience score\): empty cell in row\(s\) 2; enter the score"
    )


def test_assisted_deals_above_leads_is_a_warning_naming_the_weeks(write_case, example_frame):
    from planner.presentation.i18n import Messages

    example_frame.loc[2, "deals_sales"] = str(int(example_frame["warmed_leads"][2]) + 1)
    example_frame.loc[9, "warmed_leads"] = "0"
    ds = load(write_case(example_frame))
    assert ds.warnings == [
        {
            "code": "deals_above_leads",
            "text": "Assisted deals exceed the warmed leads in the week(s) starting 17 Jan 2022, 7 Mar 2022: some "
            "deals there came from leads the leads column does not count (or the two columns are mixed up), "
            "and the close rate of those weeks reads above 100 %.",
            "context": {"weeks": ["2022-01-17", "2022-03-07"]},
        }
    ]
    assert "3.1.2022" not in Messages("fi").warning(ds.warnings[0])
    assert "17.1.2022" in Messages("fi").warning(ds.warnings[0])


# -- data by region (data.region) ---------------------------------------------------------------


@pytest.fixture
def regional_frame():
    """60 weeks of the example's columns in long form: three regions a week, weeks in order."""
    from planner.simulate import synth

    national = synth.generate(seed=0, weeks=60, funnel=True)
    return synth.split_regions(national, n_regions=3, seed=2).frame, national.frame


BY_REGION = {"data": {"region": "region"}}


def test_regions_load_as_national_totals_and_keep_the_regional_frame(write_case, regional_frame):
    frame, national = regional_frame
    ds = load(write_case(frame, BY_REGION))
    assert ds.weeks == 60 and ds.region_names == ["Uusimaa", "Pirkanmaa", "Varsinais-Suomi"]
    nat = national.set_index("week_start")
    for col in ("enc_web", "enc_calls", "content_articles_eur", "tech_crm_eur", "warmed_leads", "deals_web"):
        assert ds.frame[col].to_numpy() == pytest.approx(nat[col].to_numpy().astype(float)), col
    # levels are averaged, events marked once: the same as the national column
    assert ds.frame["market_index"].to_numpy() == pytest.approx(nat["market_index"].to_numpy())
    assert ds.frame["nps"].to_numpy() == pytest.approx(nat["nps"].to_numpy())
    assert ds.frame["event_trade_fair"].to_numpy() == pytest.approx(nat["event_trade_fair"].to_numpy())
    assert ds.regions.shape[0] == 60 * 3 and list(ds.regions.index.names) == ["week_start", "region"]
    assert ds.region_y.groupby(level="week_start").sum().to_numpy() == pytest.approx(ds.y.to_numpy())
    assert ds.region_spend.groupby(level="week_start").sum().to_numpy() == pytest.approx(ds.spend.to_numpy())


def test_regions_of_daily_rows_are_summed_to_weeks(write_case, regional_frame):
    frame, _ = regional_frame
    days = frame.loc[frame.index.repeat(7)].copy()
    days["week_start"] = pd.to_datetime(days["week_start"]) + pd.to_timedelta(np.tile(np.arange(7), len(frame)), "D")
    days = days.sort_values(["week_start"], kind="stable")
    ds = load(write_case(days, {"data": {"region": "region", "frequency": "daily"}}))
    assert ds.weeks == 60
    weekly = frame.groupby("week_start")["enc_web"].sum().to_numpy()
    assert ds.frame["enc_web"].to_numpy() == pytest.approx(7 * weekly)
    assert ds.frame["market_index"].to_numpy() == pytest.approx(frame.groupby("week_start")["market_index"].mean())
    assert ds.regions.loc[(ds.frame.index[0], "Uusimaa"), "enc_web"] == pytest.approx(
        7 * float(frame.loc[0, "enc_web"])
    )


def test_without_data_region_there_are_no_regions(write_case, example_frame):
    ds = load(write_case(example_frame))
    assert ds.regions is None and ds.region_names == [] and ds.region_spend is None


def test_region_column_missing(write_case, regional_frame):
    frame, _ = regional_frame
    expect_error(
        write_case(frame.rename(columns={"region": "Region "}), {"data": {"region": "alue"}}),
        r"column 'alue' \(named in the params file as data.region\) is missing",
    )


def test_empty_region_cells_are_located(write_case, regional_frame):
    frame, _ = regional_frame
    frame.loc[[3, 40], "region"] = ""
    expect_error(
        write_case(frame, BY_REGION),
        r"column 'region' \(data.region\): empty region in row\(s\) 5, 42; name the region of every row",
    )


def test_a_week_twice_in_a_region(write_case, regional_frame):
    frame, _ = regional_frame
    frame.loc[4, "region"] = "Uusimaa"  # row 6: the second week's Pirkanmaa row becomes a second Uusimaa row
    expect_error(
        write_case(frame, BY_REGION),
        r"columns 'week_start' and 'region' \(data.region\): more than one row for region 'Uusimaa', week "
        r"starting 2022-01-10 \(rows 5, 6\); keep one row per week and region",
    )


def test_a_region_missing_weeks_others_have(write_case, regional_frame):
    frame, _ = regional_frame
    lappi = frame["region"] == "Varsinais-Suomi"
    gone = frame.index[lappi][[10, 11, 30]]
    expect_error(
        write_case(frame.drop(index=gone), BY_REGION),
        r"region 'Varsinais-Suomi' \(column 'region'\): no row for the week\(s\) 2022-03-14\.\.2022-03-21 "
        r"\(2 weeks\), 2022-08-01 that other regions have",
    )


def test_a_single_region_is_not_data_by_region(write_case, regional_frame):
    frame, _ = regional_frame
    only = frame[frame["region"] == "Uusimaa"]
    expect_error(
        write_case(only, BY_REGION),
        r"column 'region' \(data.region\): every row is in the one region 'Uusimaa'; data by region need at least "
        r"two regions: add the other regions' rows, or remove data.region for national data",
    )


def test_region_problems_come_with_the_other_problems(write_case, regional_frame):
    frame, _ = regional_frame
    frame = frame.astype({"enc_web": object})
    frame.loc[7, "region"] = None
    frame.loc[8, "enc_web"] = "abc"
    expect_error(
        write_case(frame, BY_REGION), r"2 problem\(s\)", r"empty region in row\(s\) 9", r"not a number in row 10"
    )


def test_region_problems_are_reported_together(write_case, regional_frame):
    frame, _ = regional_frame
    frame.loc[4, "region"] = "Uusimaa"  # the second week's Pirkanmaa row becomes a second Uusimaa row
    gone = frame.index[frame["region"] == "Varsinais-Suomi"][[20]]
    expect_error(
        write_case(frame.drop(index=gone), BY_REGION),
        r"3 problem\(s\)",
        r"more than one row for region 'Uusimaa', week starting 2022-01-10",
        r"region 'Pirkanmaa' \(column 'region'\): no row for the week\(s\) 2022-01-10 ",
        r"region 'Varsinais-Suomi' \(column 'region'\): no row for the week\(s\) 2022-05-23 ",
    )


# -- exports as people send them: duplicates, totals, titles, encodings, dates, outliers ------------


def test_a_day_twice_at_different_times_is_a_duplicate_naming_the_rows(write_case, example_frame):
    daily = _daily(example_frame)
    morning = daily.iloc[[9]].assign(week_start="2022-01-12 08:00")
    evening = daily.iloc[[9]].assign(week_start="2022-01-12 17:00")
    frame = pd.concat([daily.iloc[:9], morning, evening, daily.iloc[10:]], ignore_index=True)
    err = expect_error(
        write_case(frame, {"data": {"frequency": "daily"}}),
        r"column 'week_start': more than one row for the day\(s\) 2022-01-12 \(rows 11, 12\); keep one row per day",
    )
    assert len(err.problems) == 1


def test_a_week_twice_names_its_rows(write_case, example_frame):
    example_frame.loc[10, "week_start"] = example_frame.loc[9, "week_start"]
    expect_error(write_case(example_frame), r"more than one row for the week\(s\) starting 2022-03-07 \(rows 11, 12\)")


def _with_total(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    sums = {c: f"{pd.to_numeric(frame[c]).sum():.2f}" for c in frame.columns[1:]}
    return pd.concat([frame, pd.DataFrame([{**sums, "week_start": label}])], ignore_index=True)


@pytest.mark.parametrize("label", ["Yhteensä", "TOTAL", "summa", "Sum", "Total 2022-2024"])
def test_a_total_row_at_the_end_is_named_once(write_case, example_frame, label):
    err = expect_error(
        write_case(_with_total(example_frame, label)),
        rf"row 158 \('{label}'\) is a total row; remove the total row at row 158",
    )
    assert len(err.problems) == 1, err.problems


def test_a_total_row_without_a_label_is_found_by_its_sums(write_case, example_frame):
    err = expect_error(
        write_case(_with_total(example_frame, "")),
        r"row 158 holds the sums of the rows above it \(an empty date\).*remove the total row at row 158",
    )
    assert len(err.problems) == 1, err.problems


def test_a_last_week_is_not_taken_for_a_total(write_case, example_frame):
    load(write_case(example_frame))  # the sums check needs a row without a date


def test_trailing_empty_rows_are_skipped_with_a_note(write_case, example_frame, tmp_path):
    path = write_case(example_frame, sep=";")
    with open(tmp_path / "data.csv", "a", encoding="utf-8") as f:
        f.write(";" * (len(example_frame.columns) - 1) + "\n")
        f.write(";" * (len(example_frame.columns) - 1) + "\n")
    ds = load(path)
    assert ds.weeks == 156
    note = [w for w in ds.warnings if w["code"] == "trailing_empty_rows"]
    assert note and note[0]["context"] == {"count": 2, "first": 158, "last": 159}
    assert "Skipped 2 empty rows at the end of the file (rows 158–159)" in note[0]["text"]


def test_a_total_row_before_trailing_empty_rows(write_case, example_frame, tmp_path):
    path = write_case(_with_total(example_frame, "Yhteensä"), sep=";")
    with open(tmp_path / "data.csv", "a", encoding="utf-8") as f:
        f.write(";" * (len(example_frame.columns) - 1) + "\n")
    err = expect_error(path, r"remove the total row at row 158")
    assert len(err.problems) == 1, err.problems


def _titled_workbook(path, frame: pd.DataFrame, titles: int) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame([["Markkinointiraportti 2022-2024"], ["Lähde: CRM"]][:titles]).to_excel(
            writer, sheet_name="Tiedot", index=False, header=False
        )
        frame.to_excel(writer, sheet_name="Tiedot", index=False, startrow=titles)


def test_excel_title_rows_above_the_header_are_skipped(write_case, example_frame, tmp_path):
    plain = load(write_case(example_frame))
    path = write_case(None, data_name="book.xlsx")
    _titled_workbook(tmp_path / "book.xlsx", _numeric(example_frame), titles=2)
    pd.testing.assert_frame_equal(load(path).frame, plain.frame, check_freq=False)


def test_excel_rows_below_a_title_are_numbered_as_in_the_sheet(write_case, example_frame, tmp_path):
    numeric = _numeric(example_frame).astype({"enc_calls": object})
    numeric.loc[0, "enc_calls"] = "n/a"
    path = write_case(None, data_name="book.xlsx")
    _titled_workbook(tmp_path / "book.xlsx", numeric, titles=2)
    expect_error(path, r"not a number in row 4 \('n/a'\)")  # two titles, the header in row 3


def test_data_header_row_names_the_header(write_case, example_frame, tmp_path):
    plain = load(write_case(example_frame))
    # the date column's name also appears in a title row: only the key can say which row is the header
    path = write_case(None, {"data": {"header_row": 3}})
    text = example_frame.to_csv(index=False)
    (tmp_path / "data.csv").write_text("week_start report\nweek_start\n" + text, encoding="utf-8")
    pd.testing.assert_frame_equal(load(path).frame, plain.frame)


def test_csv_title_lines_above_the_header_are_skipped(write_case, example_frame, tmp_path):
    plain = load(write_case(example_frame))
    path = write_case(None)
    text = example_frame.to_csv(index=False, sep=";")
    (tmp_path / "data.csv").write_text("Raportti;\nAjettu 1.1.2025\n" + text, encoding="utf-8")
    pd.testing.assert_frame_equal(load(path).frame, plain.frame)


def test_decomposed_unicode_headers_match_the_params(write_case, example_frame):
    import unicodedata

    composed = "käynnit_verkossa"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    frame = example_frame.rename(columns={"enc_web": decomposed})
    changes = {"data": {"encounters": {composed: 1.0, "enc_calls": 3.0, "enc_meetings": 10.0}, "digital": [composed]}}
    ds = load(write_case(frame, changes))
    assert composed in ds.frame.columns
    # and the other way round: the params decomposed, the file composed
    changes["data"]["encounters"] = {decomposed: 1.0, "enc_calls": 3.0, "enc_meetings": 10.0}
    changes["data"]["digital"] = [decomposed]
    load(write_case(example_frame.rename(columns={"enc_web": composed}), changes))


def test_us_dates_are_read_month_first_without_a_pandas_warning(write_case, example_frame):
    import warnings

    plain = load(write_case(example_frame))
    us = example_frame.copy()
    us["week_start"] = pd.to_datetime(us["week_start"]).dt.strftime("%m/%d/%Y")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = load(write_case(us))
    pd.testing.assert_frame_equal(ds.frame, plain.frame)


def test_dates_in_both_orders_stop(write_case, example_frame):
    example_frame["week_start"] = pd.to_datetime(example_frame["week_start"]).dt.strftime("%d/%m/%Y")
    example_frame.loc[5, "week_start"] = "02/14/2022"
    err = expect_error(
        write_case(example_frame),
        r"dates are written day first in row 4 \('17/01/2022'\).* but month first in row 7 \('02/14/2022'\)"
        r".*data.date_format",
    )
    assert len(err.problems) == 1, err.problems


def test_ambiguous_day_and_month_order_asks_for_date_format(write_case, example_frame):
    few = example_frame.iloc[:2].copy()
    few["week_start"] = ["01/03/2022", "01/10/2022"]
    err = expect_error(
        write_case(few),
        r"cannot tell whether the dates are day or month first: no day above 12 .*row 2 \('01/03/2022'\)",
        r"set data.date_format .*'%d/%m/%Y' \(day first\) or '%m/%d/%Y' \(month first\)",
    )
    assert len(err.problems) == 1, err.problems
    # with the format given, the dates are read (and the two weeks are too few)
    expect_error(write_case(few, {"data": {"date_format": "%m/%d/%Y"}}), r"only 2 weeks of data")
    expect_error(write_case(few, {"data": {"date_format": "%d/%m/%Y"}}), r"missing weeks: 2022-03-07\.\.2022-09-19")


def test_dotted_dates_are_day_first_even_when_every_day_is_small(write_case, example_frame):
    few = example_frame.iloc[:3].copy()
    few["week_start"] = ["3.1.2022", "10.1.2022", "7.2.2022"]
    expect_error(write_case(few), r"missing weeks: 2022-01-17\.\.2022-01-31")


def test_week_numbers_are_named_in_one_message(write_case, example_frame):
    example_frame["week_start"] = [f"{i % 52 + 1}/{2022 + i // 52}" for i in range(len(example_frame))]
    err = expect_error(
        write_case(example_frame),
        r"column 'week_start' holds week numbers, not dates: row 2 \('1/2022'\), row 3 \('2/2022'\)",
        r"write the Monday of the week",
    )
    assert len(err.problems) == 1, err.problems


def test_cells_are_quoted_as_typed_and_the_hint_fits_the_decimal_mark(write_case, example_frame):
    example_frame["tech_crm_eur"] = example_frame["tech_crm_eur"] + ",50"
    example_frame.loc[3, "tech_crm_eur"] = "14\u00a0185,61 €x"
    err = expect_error(
        write_case(example_frame, sep=";"),
        "not a number in row 5 \\('14\u00a0185,61 €x'\\); use digits only, e.g. 1234,50 or 1 234,50 "
        "\\(this column is read with a decimal comma\\)",
    )
    assert "\\x" not in str(err) and "1,234.50" not in str(err)


def test_a_cell_far_outside_its_column_is_named_and_can_be_accepted(write_case, example_frame):
    example_frame.loc[7, "content_video_eur"] = "999999999999"
    expect_error(
        write_case(example_frame),
        r"column 'content_video_eur' \(content spend\): far outside the column's range in row 9 \('999999999999'\): "
        r"more than 100 times the median of its non-zero cells .*data.accept_outliers",
    )
    ds = load(write_case(example_frame, {"data": {"accept_outliers": ["content_video_eur"]}}))
    assert ds.frame["content_video_eur"].iloc[7] == 999999999999


def test_a_binary_file_is_not_quoted(write_case, example_frame, tmp_path):
    path = write_case(example_frame)
    (tmp_path / "data.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    err = expect_error(path, r"not a CSV text file: it holds binary data")
    assert "PNG" not in str(err) and "IHDR" not in str(err)
    assert len(err.problems) == 1


def test_other_date_forms_still_read(write_case, example_frame):
    plain = load(write_case(example_frame))
    forms = example_frame.copy()
    dates = pd.to_datetime(forms["week_start"])
    forms["week_start"] = dates.dt.strftime("%Y/%m/%d")
    forms.loc[1, "week_start"] = "2022-01-10T00:00:00+02:00"
    forms.loc[2, "week_start"] = "2022-01-17T00:00:00-05:00"  # time zones that differ from cell to cell
    forms.loc[3, "week_start"] = "24 Jan 2022"
    forms.loc[4, "week_start"] = "31.1.22 8:00"
    pd.testing.assert_frame_equal(load(write_case(forms)).frame, plain.frame)


def test_excel_unicode_text_export_reads(write_case, example_frame, tmp_path):
    """Excel's "Unicode text": UTF-16 with a byte order mark, tab separated."""
    plain = load(write_case(example_frame))
    path = write_case(None, data_name="data.csv")
    (tmp_path / "data.csv").write_bytes(example_frame.to_csv(index=False, sep="\t").encode("utf-16"))
    pd.testing.assert_frame_equal(load(path).frame, plain.frame)


def test_empty_rows_before_a_total_row_and_after_it(write_case, example_frame, tmp_path):
    frame = pd.concat([example_frame, pd.DataFrame([{c: "" for c in example_frame.columns}])], ignore_index=True)
    path = write_case(_with_total(frame, "Yhteensä"), sep=";")
    with open(tmp_path / "data.csv", "a", encoding="utf-8") as f:
        f.write(";" * (len(example_frame.columns) - 1) + "\n")
    err = expect_error(path, r"row 159 \('Yhteensä'\) is a total row; remove the total row at row 159")
    assert len(err.problems) == 1, err.problems


def test_accept_outliers_names_columns_of_the_params(write_case, example_frame):
    expect_error(
        write_case(example_frame, {"data": {"accept_outliers": ["content_vidoe_eur"]}}),
        r"data.accept_outliers names 'content_vidoe_eur', not a number column named elsewhere in the params file",
    )


def test_digits_of_other_scripts_are_a_clear_error_not_a_crash(write_case, example_frame):
    # Arabic-Indic and full-width digits look like numbers but are not the digits the rules read;
    # they must come back as a cell problem with its row and column, never as a parser crash.
    example_frame.loc[3, "enc_calls"] = "\u0661\u0662\u0663"
    example_frame.loc[4, "enc_web"] = "\uff11\uff12"
    err = expect_error(
        write_case(example_frame),
        r"column 'enc_calls' \(encounters\): not a number in row 5",
        r"column 'enc_web' \(encounters\): not a number in row 6",
    )
    assert len(err.problems) == 2
