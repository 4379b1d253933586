"""Layout detection and header extraction on real excerpts of the 12 Loghub systems."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import polars as pl
import pytest

from rca.read.choose import choose
from rca.read.ingest import ingest
from rca.read.layouts import layout_from_spec
from rca.read.timestamps import SHAPES, direct_format
from rca.settings import Settings
from tests.conftest import DATA, LOGHUB_SYSTEMS

EXPECTED_FORMAT = {
    "Android": "android-logcat",
    "Apache": "apache-error",
    "BGL": "cfdr-ras",
    "HDFS": "log4j-yymmdd",
    "HPC": "lanl-hpc",
    "Hadoop": "log4j",
    "Linux": "syslog",
    "OpenSSH": "syslog",
    "OpenStack": "oslo",
    "Spark": "log4j-yy",
    "Windows": "windows-cbs",
    "Zookeeper": "log4j-dash",
}
# Timestamps of each excerpt's first line, as the labelled CSV gives them (no year: syslog, logcat).
FIRST_TIME = {
    "Apache": datetime(2005, 12, 4, 4, 47, 44),
    "BGL": datetime(2005, 6, 3, 15, 42, 50, 675872),
    "HDFS": datetime(2008, 11, 9, 20, 36, 15),
    "HPC": datetime(2004, 2, 26, 14, 12, 22),
    "Hadoop": datetime(2015, 10, 18, 18, 1, 47, 978000),
    "OpenStack": datetime(2017, 5, 16, 0, 0, 0, 8000),
    "Spark": datetime(2017, 6, 9, 20, 10, 40),
    "Windows": datetime(2016, 9, 28, 4, 30, 30),
    "Zookeeper": datetime(2015, 7, 29, 17, 41, 44, 747000),
}


def _truth(system: str) -> list[dict[str, str]]:
    with open(DATA / "loghub" / f"{system}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("system", LOGHUB_SYSTEMS)
def test_format_is_detected_and_message_equals_loghub_content(system: str) -> None:
    records, summary = ingest([str(DATA / "loghub" / f"{system}.log")], Settings())
    assert summary.sources[0].format == EXPECTED_FORMAT[system]
    truth = _truth(system)
    assert records.height == len(truth), "every line is its own record"
    assert records.get_column("message").to_list() == [row["Content"].strip() for row in truth]
    assert records.get_column("timestamp").null_count() == 0


@pytest.mark.parametrize("system", sorted(FIRST_TIME))
def test_timestamp_matches_the_labelled_one(system: str) -> None:
    records, _ = ingest([str(DATA / "loghub" / f"{system}.log")], Settings())
    first = records.get_column("timestamp")[0]
    assert first.replace(tzinfo=None) == FIRST_TIME[system]


def test_syslog_without_year_takes_the_given_year() -> None:
    records, _ = ingest([str(DATA / "loghub" / "Linux.log")], Settings(year=2005))
    assert records.get_column("timestamp")[0].replace(tzinfo=None) == datetime(2005, 6, 14, 15, 16, 1)
    assert records.get_column("service")[0] == "sshd"


def test_loghub_placeholder_format_overrides_detection() -> None:
    sample = pl.Series(["081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating"])
    fmt = layout_from_spec("<Date> <Time> <Pid> <Level> <Component>: <Content>", sample)
    got = sample.str.extract_groups(fmt.pattern).struct.unnest()
    assert got.row(0, named=True)["message"] == "PacketResponder 1 terminating"
    assert got.row(0, named=True)["ts"] == "081109 203615"
    assert fmt.timestamp == "yymmdd"


def test_plain_text_with_no_format_is_plain() -> None:
    plan = choose(pl.Series(["hello world", "another line", "and one more"]))
    assert plan.layouts == ()


def test_timestamps_spelled_two_ways_in_one_file_are_all_read(tmp_path) -> None:
    # The direct format is chosen from the first spelling; the rest must still be read right.
    lines = [f"2026-11-23 10:00:{i % 60:02d},{i % 1000:03d} INFO [main] com.acme.App - tick {i}" for i in range(600)]
    lines += [f"2026-11-23T11:00:{i % 60:02d}.5+01:00 INFO [main] com.acme.App - tock {i}" for i in range(50)]
    path = tmp_path / "app.log"
    path.write_text("\n".join(lines) + "\n")
    records, _ = ingest([str(path)], Settings())
    ts = records.get_column("timestamp")
    assert ts.null_count() == 0
    assert ts[0] == datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    assert ts[599] == datetime(2026, 11, 23, 10, 0, 59, 599000, tzinfo=UTC)
    assert ts[600] == datetime(2026, 11, 23, 10, 0, 0, 500000, tzinfo=UTC)  # 11:00:00.5 at +01:00


def test_direct_format_never_disagrees_with_the_full_parse() -> None:
    sample = pl.Series(["2026-11-23 10:00:01,5", "2026-11-23 10:00:02,25"])
    fmt = direct_format(sample, SHAPES["iso8601"], year=2026)
    # ",%3f" would read ",5" as 5 ms; only a format giving 500 ms and 250 ms may be chosen.
    if fmt is not None:
        got = pl.select(pl.lit(sample).str.to_datetime(fmt, strict=False, time_unit="us")).to_series()
        assert got.dt.millisecond().to_list() == [500, 250]
