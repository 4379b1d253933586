"""Header inference on layouts that are in no library, and the reading failures of issue #12."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from rca.mine.templates import assign_templates
from rca.read.infer import learn
from rca.read.ingest import ingest
from rca.settings import Settings
from tests.conftest import DATA, run

MESSAGES = [
    "onStandStepChanged 3579", "flush sensor data", "REPORT : 7007 5002 150089 240", "getTodayTotalDetailSteps = 1514038440000##6993",
    "processHandleBroadcastAction action:android.intent.action.SCREEN_ON", "setTodayTotalDetailSteps=1514038440000##7007",
    "Connection reset by peer", "user alice logged in from 10.0.0.7", "disk usage at 91%", "job 42 finished in 1.5s",
]  # fmt: skip


def _lines(make, n: int = 120, seed: int = 7) -> list[str]:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    return [make(rng, i, MESSAGES[rng.randrange(len(MESSAGES))]) for i in range(n)]


def _read(write, lines: list[str], **settings: object):  # type: ignore[no-untyped-def]
    return ingest([write("odd.log", "\n".join(lines) + "\n")], Settings(**settings))  # type: ignore[arg-type]


# The three layouts of the issue (HealthApp, Proxifier and macOS in Loghub; lines as quoted there).
def healthapp(rng: random.Random, i: int, message: str) -> str:
    # Time fields are not padded: 22:16:0:119.
    return f"20171223-22:{rng.randrange(60)}:{rng.randrange(60)}:{rng.randrange(1000)}|Step_{rng.choice(['LSC', 'SPUtils'])}|30002312|{message}"


def proxifier(rng: random.Random, i: int, message: str) -> str:
    target = rng.choice(["proxy.example.edu:5070", "www.example.com:443", "mail.example.co.uk:993"])
    return f"[10.30 16:{rng.randrange(10, 60)}:{rng.randrange(10, 60)}] {rng.choice(['chrome.exe', 'Dropbox.exe'])} - {target} open through proxy {target} HTTPS"


def test_pipe_delimited_layout_with_unpadded_times_is_learned(write) -> None:  # type: ignore[no-untyped-def]
    lines = _lines(healthapp)
    records, summary = _read(write, lines)
    assert records.height == len(lines), "every line starts a record, 22:16:0:119 included"
    assert records.get_column("message").to_list() == [line.split("|", 3)[3] for line in lines]
    assert records.get_column("component")[0].startswith("Step_")
    assert records.get_column("timestamp").null_count() == 0
    assert summary.sources[0].layouts[0].spec == "<Timestamp>|<Component>|<Pid>|<Content>"


def test_bracketed_time_without_year_and_host_port_values(write) -> None:  # type: ignore[no-untyped-def]
    lines = _lines(proxifier)
    records, summary = _read(write, lines, year=2026)
    assert summary.sources[0].layouts[0].spec == "[<Timestamp>] <Component> - <Content>"
    assert records.get_column("component").unique().sort().to_list() == ["Dropbox.exe", "chrome.exe"]
    assert records.get_column("timestamp")[0].replace(minute=0, second=0) == datetime(2026, 10, 30, 16, tzinfo=UTC)
    templates = assign_templates(records).get_column("template").unique().to_list()
    assert templates == ["<*>:<*> open through proxy <*>:<*> HTTPS"], "host names and ports are masked: one template"


def test_macos_syslog_with_digits_in_the_host_name() -> None:
    line = "Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: ARPT: 620651.021206: wl0: MDNS: IPV4 Addr: 10.105.160.95"
    records, summary = ingest([str(_tmp_file(line))], Settings(year=2017))
    assert summary.sources[0].format == "syslog"
    row = records.row(0, named=True)
    assert (row["service"], row["message"]) == ("kernel", "ARPT: 620651.021206: wl0: MDNS: IPV4 Addr: 10.105.160.95")


def _tmp_file(text: str):  # type: ignore[no-untyped-def]
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "system.log"
    path.write_text(text + "\n")
    return path


# Layouts in no library: what inference makes of them.
UNKNOWN = {
    "euro date, brackets": (
        lambda rng, i, m: f"23.11.2026 10:{i % 60:02d}:01,123 [{rng.choice(['INFO', 'WARN'])}] [worker-{i % 3}] Orders: {m}",
        "<Timestamp> [<Level>] [<Thread>] <Component>: <Content>",
    ),
    "US date with AM/PM, pipes": (
        lambda rng, i, m: f"11/23/2026 10:{i % 60:02d}:01 AM | {rng.choice(['INFO', 'ERROR'])} | {rng.choice(['web-01', 'db2', 'api-3'])} | {m}",
        "<Timestamp> | <Level> | <Component> | <Content>",
    ),
    "epoch milliseconds, then level and logger": (
        lambda rng, i, m: f"{1795428001000 + i * 1000} {rng.choice(['INFO', 'WARN'])} {rng.choice(['orders', 'auth', 'cache'])} {m}",
        "<Timestamp> <Level> <Component> <Content>",
    ),
    "loguru's default": (
        lambda rng, i, m: f"2026-11-23 10:{i % 60:02d}:01.123 | {rng.choice(['INFO', 'ERROR']):<8} | app.api:handle:{i % 9 + 1} - {m}",
        "<Timestamp> | <Level> | <Component> - <Content>",
    ),
    "host before the time": (
        lambda rng, i, m: f"{rng.choice(['web-01', 'db2'])} 2026-11-23T10:{i % 60:02d}:01Z {rng.choice(['INFO', 'ERROR'])} {m}",
        "<Host> <Timestamp> <Level> <Content>",
    ),
}


@pytest.mark.parametrize("name", sorted(UNKNOWN))
def test_inference_reads_layouts_in_no_library(write, name: str) -> None:  # type: ignore[no-untyped-def]
    make, spec = UNKNOWN[name]
    lines = _lines(make)
    layout = learn(lines)
    assert layout is not None and layout.spec == spec
    records, summary = _read(write, lines)
    assert records.height == len(lines)
    assert records.get_column("message").to_list() == _messages(lines)
    assert records.get_column("timestamp").null_count() == 0
    assert summary.sources[0].layouts[0].spec == spec


def _messages(lines: list[str]) -> list[str]:
    return [next(m for m in sorted(MESSAGES, key=len, reverse=True) if line.endswith(m)) for line in lines]


def test_the_learned_layout_is_explained_and_can_be_given_back(write, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write("odd.log", "\n".join(_lines(healthapp)) + "\n")
    explained = run(["parse", path, "--explain"])
    assert explained.exit_code == 0
    assert "  --log-format '<Timestamp>|<Component>|<Pid>|<Content>'" in explained.stdout
    saved = tmp_path / "odd.format"
    saved.write_text("'<Timestamp>|<Component>|<Pid>|<Content>'\n")
    again = run(["parse", path, "--log-format", f"@{saved}", "--explain"])
    assert "records  user" in again.stdout and again.exit_code == 0


def test_a_given_format_that_matches_nothing_is_a_usage_error(write) -> None:  # type: ignore[no-untyped-def]
    result = run(["parse", write("a.log", "hello world\n"), "--log-format", "<Date> <Time> [<Level>] <Content>"])
    assert result.exit_code == 2
    assert result.stderr.startswith("rca: error: --log-format") and "Traceback" not in result.stderr


# Several layouts in one input.
def test_cat_of_several_loghub_systems_gives_a_record_per_line(tmp_path) -> None:
    systems = ("Apache", "OpenSSH", "Zookeeper", "HDFS", "Spark", "Android", "BGL", "OpenStack")
    texts = [(DATA / "loghub" / f"{s}.log").read_text(encoding="utf-8").replace("\r\n", "\n").rstrip("\n") for s in systems]
    merged = tmp_path / "merged.log"
    merged.write_text("\n".join(texts) + "\n", encoding="utf-8")
    records, summary = ingest([str(merged)], Settings(year=2005))
    assert records.height == sum(len(t.splitlines()) for t in texts)
    import csv

    expected = [row["Content"].strip() for s in systems for row in csv.DictReader(open(DATA / "loghub" / f"{s}.csv", encoding="utf-8"))]
    assert records.get_column("message").to_list() == expected, "each line with its own layout's header stripped"
    assert len(summary.sources[0].layouts) == len(systems)


def test_cat_of_a_scenario_reads_as_its_files_do(tmp_path) -> None:
    from tests.conftest import SAMPLE

    folder = SAMPLE / "checkout-outage"
    merged = tmp_path / "all.log"
    merged.write_bytes(b"".join(p.read_bytes() for p in sorted(folder.iterdir())))
    apart, _ = ingest([str(folder)], Settings())
    together, summary = ingest([str(merged)], Settings())
    assert together.height == apart.height == 4750
    assert together.get_column("message").to_list() == apart.get_column("message").to_list()
    assert {u.name for u in summary.sources[0].layouts} == {"log4j", "apache-access", "json", "kubernetes-prefixed+time-only"}


def test_a_line_of_another_layout_missed_by_the_sample_still_starts_a_record(write) -> None:  # type: ignore[no-untyped-def]
    log4j = [f"2026-11-23 10:{i // 60:02d}:{i % 60:02d},000 INFO [main] com.acme.App - tick {i}" for i in range(3000)]
    log4j[1500] = "Nov 23 10:25:00 web-01 sshd[42]: Accepted publickey for deploy"
    records, summary = _read(write, log4j, year=2026)
    assert records.height == 3000 and summary.continuation_lines == 0
    assert records.row(1500, named=True)["service"] == "sshd"


def test_lines_without_any_header_are_records_counted_without_time(write) -> None:  # type: ignore[no-untyped-def]
    records, summary = _read(write, ["alpha one", "beta two", "ERROR: gamma three", "delta failed"])
    assert records.get_column("message").to_list() == ["alpha one", "beta two", "ERROR: gamma three", "delta failed"]
    assert records.get_column("level").to_list() == [None, None, "ERROR", "ERROR"], "levels from their words"
    assert summary.no_timestamp == 4


# Wrappers and JSON (the kubectl and journalctl cases).
def test_kubectl_timestamps_before_log4j_and_json_lines(write) -> None:  # type: ignore[no-untyped-def]
    log4j = "2026-11-23T10:00:01.123456789Z 2026-11-23 10:00:01,123 ERROR [main] com.acme.Api - upstream refused"
    records, summary = _read(write, [log4j] * 3)
    assert summary.sources[0].format == "kubectl-timestamps+log4j"
    row = records.row(0, named=True)
    assert (row["message"], row["level"], row["component"]) == ("upstream refused", "ERROR", "com.acme.Api")
    inner = json.dumps({"level": "error", "msg": "upstream refused", "service": "api"})
    records, summary = _read(write, [f"2026-11-23T10:00:01.123456789Z {inner}"] * 3)
    assert summary.sources[0].format == "kubectl-timestamps+json"
    assert (records.row(0, named=True)["message"], records.row(0, named=True)["service"]) == ("upstream refused", "api")


def test_kubectl_prefix_gives_the_pod_and_the_inner_time(write) -> None:  # type: ignore[no-untyped-def]
    lines = [f"[pod/api-7f9c8d6b5d-x2x4q/api] 2026-11-23T10:00:0{i}Z INFO request {i} served" for i in range(3)]
    records, summary = _read(write, lines)
    assert records.get_column("service").to_list() == ["api"] * 3
    assert records.get_column("timestamp")[0] == datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    assert records.get_column("message")[0] == "request 0 served"


def test_journalctl_json(write) -> None:  # type: ignore[no-untyped-def]
    entry = {"__REALTIME_TIMESTAMP": "1795428001000000", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "nginx", "MESSAGE": "bind() failed"}
    records, _ = _read(write, [json.dumps(entry)] * 2)
    row = records.row(0, named=True)
    assert (row["timestamp"], row["service"], row["level"]) == (datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC), "nginx", "ERROR")


def test_plain_learned_layouts_never_eat_a_message_first_word(write) -> None:  # type: ignore[no-untyped-def]
    # No host, no logger: the message's first word varies with the message, so it stays in it.
    lines = _lines(lambda rng, i, m: f"2026-11-23 10:{i % 60:02d}:01,000 {rng.choice(['INFO', 'WARN'])} {m}")
    records, _ = _read(write, lines)
    assert records.get_column("message").to_list() == _messages(lines)


def test_several_layouts_in_no_library_in_one_input_are_each_learned(write) -> None:  # type: ignore[no-untyped-def]
    lines = _lines(healthapp, n=150) + _lines(proxifier, n=150) + _lines(UNKNOWN["loguru's default"][0], n=150)
    records, summary = _read(write, lines, year=2026)
    assert records.height == len(lines) and summary.continuation_lines == 0
    specs = {use.spec for use in summary.sources[0].layouts}
    assert specs == {"<Timestamp>|<Component>|<Pid>|<Content>", "[<Timestamp>] <Component> - <Content>",
                     "<Timestamp> | <Level> | <Component> - <Content>"}
    assert records.get_column("timestamp").null_count() == 0
