"""Time: zones (--tz, offsets, abbreviations), missing years (--year, the file's date, the other
sources), user formats, and parsing every shape through its parts."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta, timezone

import polars as pl
import pytest

from rca.read.ingest import ingest
from rca.read.timestamps import SHAPES, parse_column, parse_timestamps
from rca.settings import Settings
from tests.conftest import run


def _ts(records: pl.DataFrame) -> list[datetime]:
    return records.get_column("timestamp").to_list()


def test_tz_aligns_a_local_time_log_with_an_offset_one(write) -> None:  # type: ignore[no-untyped-def]
    error = write("app.log", "2026-11-23 11:00:01,000 ERROR [main] com.acme.Api - upstream refused\n")
    access = write("edge.log", '10.0.0.1 - - [23/Nov/2026:11:00:01 +0100] "GET /api HTTP/1.1" 502 157 "-" "curl"\n')
    records, summary = ingest([error, access], Settings(tz="Europe/Paris"))
    assert _ts(records) == [datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC)] * 2
    assert summary.notes == ("1 times without a zone read as Europe/Paris (--tz sets the zone)",)
    records, summary = ingest([error, access], Settings())
    assert _ts(records)[0] == datetime(2026, 11, 23, 11, 0, 1, tzinfo=UTC), "UTC unless told otherwise"
    assert "read as UTC" in summary.notes[0]


def _nginx(errors_zone_minutes: int) -> str:
    """An nginx container's stream: access lines with +05:30, error lines in a local time
    ``errors_zone_minutes`` ahead of UTC and without a zone."""
    lines = []
    for i in range(40):
        utc = datetime(2026, 4, 24, 16, 40, i, tzinfo=UTC)
        local = utc.astimezone(timezone(timedelta(minutes=330)))
        lines.append(f'10.0.0.{i} - - [{local:%d/%b/%Y:%H:%M:%S} +0530] "GET /limits HTTP/1.1" 200 512 "-" "curl" 0.010 0.010')
        if i % 10 == 9:
            written = utc + timedelta(minutes=errors_zone_minutes)
            lines.append(f"{written:%Y/%m/%d %H:%M:%S} [error] 7#7: *{i} no live upstreams while connecting to upstream")
    return "\n".join(lines) + "\n"


def test_zoneless_lines_take_the_zone_of_the_lines_beside_them_in_their_file(write) -> None:  # type: ignore[no-untyped-def]
    records, summary = ingest([write("entry-proxy.log", _nginx(330))], Settings())
    errors = records.filter(pl.col("level") == "ERROR")
    assert _ts(errors) == [datetime(2026, 4, 24, 16, 40, s, tzinfo=UTC) for s in (9, 19, 29, 39)]
    assert summary.notes == ("4 times without a zone read in the zone of the lines beside them in their file",)
    # Zoneless lines that are in UTC already, among lines that say +05:30, stay where they are.
    records, summary = ingest([write("other.log", _nginx(0))], Settings())
    assert _ts(records.filter(pl.col("level") == "ERROR"))[0] == datetime(2026, 4, 24, 16, 40, 9, tzinfo=UTC)
    assert "read as UTC" in summary.notes[0]
    # A zone the user gives is what zoneless times are in.
    records, _ = ingest([write("entry-proxy.log", _nginx(330))], Settings(tz="Europe/Paris"))
    assert _ts(records.filter(pl.col("level") == "ERROR"))[0] == datetime(2026, 4, 24, 20, 10, 9, tzinfo=UTC)


def test_zone_abbreviation_after_the_time_is_read_not_left_in_the_message(write) -> None:  # type: ignore[no-untyped-def]
    records, _ = ingest([write("a.log", "2026-11-23 11:00:01 CET ERROR disk full\n" * 2)], Settings())
    row = records.row(0, named=True)
    assert (row["timestamp"], row["message"], row["level"]) == (datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC), "disk full", "ERROR")


def test_a_time_skipped_by_a_clock_change_is_unreadable_not_wrong(write) -> None:  # type: ignore[no-untyped-def]
    text = "2026-03-29 02:30:00 INFO a\n2026-03-29 03:30:00 INFO b\n"
    records, summary = ingest([write("a.log", text)], Settings(tz="Europe/Paris"))
    assert _ts(records) == [None, datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    assert summary.no_timestamp == 1


def test_timestamp_format_without_a_year_takes_the_year_never_year_1(write) -> None:  # type: ignore[no-untyped-def]
    path = write("a.log", "23/11 10:00:01 boot ok\n23/11 10:00:02 ready\n")
    records, _ = ingest([path], Settings(log_format="<Date> <Time> <Content>", timestamp_format="%d/%m %H:%M:%S", year=2025))
    assert _ts(records)[0] == datetime(2025, 11, 23, 10, 0, 1, tzinfo=UTC)
    os.utime(path, (datetime(2024, 12, 31, tzinfo=UTC).timestamp(),) * 2)
    records, summary = ingest([path], Settings(log_format="<Date> <Time> <Content>", timestamp_format="%d/%m %H:%M:%S"))
    assert _ts(records)[0].year == 2024
    assert any("without a year read in 2024" in note for note in summary.sources[0].notes)


def test_analysis_of_a_yearless_log_is_valid_against_its_schema(write) -> None:  # type: ignore[no-untyped-def]
    from importlib import resources

    import jsonschema

    lines = "".join(f"Nov 23 10:{m:02d}:{s:02d} web-01 app[1]: tick {m}\n" for m in range(10) for s in (0, 30))
    result = run(["analyze", write("messages", lines), "--json", "--year", "2026"])
    assert result.exit_code == 0
    schema = json.loads(resources.files("rca").joinpath("schema/analysis.schema.json").read_text())
    data = json.loads(result.stdout)
    jsonschema.validate(data, schema)
    assert data["input"]["first"].startswith("2026-11-23")


def test_a_yearless_source_takes_the_year_of_the_other_sources(write) -> None:  # type: ignore[no-untyped-def]
    syslog = write("messages", "Nov 23 10:00:01 web-01 sshd[42]: Accepted publickey\n")
    os.utime(syslog, (datetime(2029, 1, 5, tzinfo=UTC).timestamp(),) * 2)  # copied years later
    app = write("app.log", "2026-11-23 10:00:02,000 INFO [main] com.acme.App - ready\n")
    records, summary = ingest([syslog, app], Settings())
    assert _ts(records)[0] == datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC)
    assert any("year of the other sources" in note for note in summary.sources[0].notes)


def test_since_and_until_without_a_zone_are_in_tz(write) -> None:  # type: ignore[no-untyped-def]
    path = write("a.log", "".join(f"2026-11-23T10:0{i}:00Z INFO tick {i}\n" for i in range(6)))
    result = run(["parse", path, "--since", "2026-11-23T11:02", "--until", "2026-11-23T11:04", "--tz", "Europe/Paris"])
    assert [json.loads(line)["message"] for line in result.stdout.splitlines()] == ["tick 2", "tick 3"]


def test_a_bad_zone_is_one_line_and_exit_2(write) -> None:  # type: ignore[no-untyped-def]
    result = run(["parse", write("a.log", "x\n"), "--tz", "Mars/Olympus"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "time zone" in result.stderr


@pytest.mark.parametrize(
    ("shape", "text", "expected"),
    [
        ("iso8601", "2026-11-23 11:00:01,5 +01:00", datetime(2026, 11, 23, 10, 0, 1, 500000)),
        ("compact-clock", "20261123-10:0:1:119", datetime(2026, 11, 23, 10, 0, 1, 119000)),
        ("mdy", "11/23/2026 10:00:01 PM", datetime(2026, 11, 23, 22, 0, 1)),
        ("mdy", "11/23/2026 12:00:01 AM", datetime(2026, 11, 23, 0, 0, 1)),
        ("dmy", "23.11.2026 10:00:01", datetime(2026, 11, 23, 10, 0, 1)),
        ("d-mon-y", "23/Nov/2026:11:00:01 +0100", datetime(2026, 11, 23, 10, 0, 1)),
        ("d-mon-y", "Mon, 23 Nov 2026 10:00:01 GMT", datetime(2026, 11, 23, 10, 0, 1)),
        ("mon-d-y", "Nov 23, 2026 10:00:01 AM", datetime(2026, 11, 23, 10, 0, 1)),
        ("ctime", "Mon Nov 23 05:00:01 EST 2026", datetime(2026, 11, 23, 10, 0, 1)),
        ("syslog", "Nov  3 10:00:01.250", datetime(2026, 11, 3, 10, 0, 1, 250000)),
        ("month-day", "11.23 10:00:01", datetime(2026, 11, 23, 10, 0, 1)),
        ("klog", "1123 10:00:01.000001", datetime(2026, 11, 23, 10, 0, 1, 1)),
        ("yymmdd", "261123 100001", datetime(2026, 11, 23, 10, 0, 1)),
        ("epoch", "1795428001.5", datetime(2026, 11, 23, 10, 0, 1, 500000)),
    ],
)
def test_every_shape_is_read_through_its_parts(shape: str, text: str, expected: datetime) -> None:
    got = pl.select(parse_timestamps(pl.lit(text), SHAPES[shape], year=2026)).item()
    assert got == expected.replace(tzinfo=UTC)


@pytest.mark.parametrize("direct", [None, "%Y-%m-%d %H:%M:%S"])
def test_a_time_repeated_on_lines_in_a_row_reads_as_each_alone(direct: str | None) -> None:
    # Parsed once per run of equal texts: nulls, unreadable times and runs keep their places.
    texts = [None, None, "2026-11-23 10:00:01", "2026-11-23 10:00:01", "2026-11-23 10:00:01", "2026-13-23 10:00:02",
             "2026-13-23 10:00:02", "2026-11-23 10:00:03", None, "2026-11-23 10:00:03", "2026-11-23 10:00:03"]  # fmt: skip
    column = pl.Series("ts", texts, dtype=pl.String)
    alone = [pl.select(parse_timestamps(pl.lit(t, dtype=pl.String), SHAPES["iso8601"], year=2026)).item() for t in texts]
    assert parse_column(column, SHAPES["iso8601"], year=2026, direct=direct).to_list() == alone


def test_a_direct_format_read_at_a_fixed_fraction_width_reads_every_time_as_before() -> None:
    # Most times have three digits (read as .%3f); the others go on to %.f (which also reads an
    # unpadded month or no fraction at all), then to the full parse.
    texts = ["2026-11-23 10:00:01.123"] * 3 + ["2026-11-23 10:00:01.5", "2026-1-23 10:00:01.5", "2026-11-23 10:00:01",
                                               "2026-11-23 10:00:01.1234", "2026-11-23 10:00:01,250", "junk"]  # fmt: skip
    direct = "%Y-%m-%d %H:%M:%S%.f"
    column = pl.Series("ts", texts, dtype=pl.String)
    by_direct = column.str.to_datetime(direct, strict=False, time_unit="us", exact=True).dt.replace_time_zone("UTC")
    by_parts = pl.select(parse_timestamps(pl.lit(column), SHAPES["iso8601"], year=2026)).to_series()
    expected = [d if d is not None else p for d, p in zip(by_direct.to_list(), by_parts.to_list(), strict=True)]
    assert parse_column(column, SHAPES["iso8601"], year=2026, direct=direct).to_list() == expected
    assert expected[4] == datetime(2026, 1, 23, 10, 0, 1, 500000, tzinfo=UTC)  # read by %.f, not by the parts


def test_ambiguous_day_and_month_are_read_month_first_and_said(write) -> None:  # type: ignore[no-untyped-def]
    us = write("us.log", "03/04/2026 10:00:01 AM | INFO | web | started\n03/05/2026 10:00:02 AM | INFO | web | ready\n")
    records, summary = ingest([us], Settings())
    assert _ts(records)[0] == datetime(2026, 3, 4, 10, 0, 1, tzinfo=UTC)
    assert any("read month first" in note for note in summary.sources[0].notes)
    eu = write("eu.log", "23/04/2026 10:00:01 | INFO | web | started\n03/04/2026 10:00:02 | INFO | web | ready\n")
    records, summary = ingest([eu], Settings())
    assert _ts(records) == [datetime(2026, 4, 23, 10, 0, 1, tzinfo=UTC), datetime(2026, 4, 3, 10, 0, 2, tzinfo=UTC)]
    assert not any("month first" in note for note in summary.sources[0].notes)
