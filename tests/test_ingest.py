"""Reading: sources, compression, encodings, formats beyond Loghub, multi-line, services, time filters."""

from __future__ import annotations

import bz2
import gzip
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
import zstandard

from rca.errors import InputError
from rca.read.ingest import ingest
from rca.settings import Settings
from rca.read.lines import read_lines
from rca.read.sources import Source, file_stem_service
from tests.conftest import DATA

LOG4J = (
    "2026-11-23 10:00:01,123 INFO [main] com.acme.Foo - started\n"
    "2026-11-23 10:00:02,456 ERROR [http-1] com.acme.Foo - request failed\n"
    "java.lang.IllegalStateException: boom\n"
    "\tat com.acme.Foo.bar(Foo.java:10)\n"
    "\tat com.acme.Foo.main(Foo.java:3)\n"
    "2026-11-23 10:00:03,000 WARN [main] com.acme.Foo - slow\n"
)


def _read(path: str, **settings: object):  # type: ignore[no-untyped-def]
    return ingest([path], Settings(**settings))  # type: ignore[arg-type]


def test_log4j_stack_trace_joins_the_record_above(write) -> None:  # type: ignore[no-untyped-def]
    records, summary = _read(write("app.log", LOG4J))
    assert records.height == 3
    assert summary.continuation_lines == 3
    error = records.row(1, named=True)
    assert (error["line"], error["level"], error["message"]) == (2, "ERROR", "request failed")
    assert error["component"] == "com.acme.Foo"
    assert error["body"].startswith("java.lang.IllegalStateException: boom\n\tat com.acme.Foo.bar")
    assert records.get_column("line").to_list() == [1, 2, 6]


def test_python_traceback_joins_the_record_above(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "2026-11-23T10:00:01Z ERROR worker crashed\n"
        "Traceback (most recent call last):\n"
        '  File "w.py", line 3, in <module>\n'
        "ZeroDivisionError: division by zero\n"
        "2026-11-23T10:00:02Z INFO worker restarted\n"
    )
    records, summary = _read(write("worker.log", text))
    assert records.get_column("message").to_list() == ["worker crashed", "worker restarted"]
    assert "ZeroDivisionError" in records.get_column("body")[0]
    assert records.get_column("level").to_list() == ["ERROR", "INFO"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2026-11-23T10:00:01Z hello", datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC)),
        ("2026-11-23 10:00:01.5 hello", datetime(2026, 11, 23, 10, 0, 1, 500000, tzinfo=UTC)),
        ("2026-11-23 10:00:01,250 hello", datetime(2026, 11, 23, 10, 0, 1, 250000, tzinfo=UTC)),
        ("2026-11-23T12:00:01+02:00 hello", datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC)),
        ("2026-11-23T05:00:01.123-0500 hello", datetime(2026, 11, 23, 10, 0, 1, 123000, tzinfo=UTC)),
        ("1795428001 hello", datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC)),
        ("1795428001250 hello", datetime(2026, 11, 23, 10, 0, 1, 250000, tzinfo=UTC)),
    ],
)
def test_iso_and_epoch_timestamps(write, line: str, expected: datetime) -> None:  # type: ignore[no-untyped-def]
    records, _ = _read(write("a.log", f"{line}\n{line}\n"))
    assert records.get_column("timestamp")[0] == expected
    assert records.get_column("message")[0] == "hello"


def test_syslog_rfc5424(write) -> None:  # type: ignore[no-untyped-def]
    line = '<165>1 2026-11-23T10:00:01.003Z host1 billing 8710 ID47 [exampleSDID@32473 iut="3"] invoice run failed\n'
    records, summary = _read(write("s.log", line * 3))
    assert summary.sources[0].format == "syslog-rfc5424"
    row = records.row(0, named=True)
    # <165>: facility 20, severity 5 (notice): the sender's severity, not a guess from "failed".
    assert (row["service"], row["message"], row["level"]) == ("billing", "invoice run failed", "INFO")


def test_nginx_access_and_error_logs(write) -> None:  # type: ignore[no-untyped-def]
    access = '10.0.0.1 - - [23/Nov/2026:10:00:01 +0000] "GET /api HTTP/1.1" 502 157 "-" "curl/8.0"\n'
    records, summary = _read(write("edge.access.log", access * 2))
    assert summary.sources[0].format == "apache-access"
    assert records.row(0, named=True)["level"] == "ERROR"
    assert records.row(0, named=True)["service"] == "edge"
    error = "2026/11/23 10:00:01 [error] 31#31: *5 upstream timed out (110: Connection timed out)\n"
    records, summary = _read(write("edge.error.log", error * 2))
    assert summary.sources[0].format == "nginx-error"
    assert records.row(0, named=True)["message"] == "upstream timed out (110: Connection timed out)"


def test_json_lines_with_usual_keys(write) -> None:  # type: ignore[no-untyped-def]
    lines = [
        {"@timestamp": "2026-11-23T10:00:01.5Z", "severity": "warning", "message": "disk 91% full", "app": "store"},
        {"@timestamp": "2026-11-23T10:00:02Z", "severity": "error", "message": "disk full", "app": "store"},
    ]
    records, summary = _read(write("x.json", "\n".join(json.dumps(x) for x in lines) + "\n"))
    assert summary.sources[0].format == "json"
    assert records.get_column("level").to_list() == ["WARN", "ERROR"]
    assert records.get_column("service").to_list() == ["store", "store"]
    assert records.get_column("timestamp")[0] == datetime(2026, 11, 23, 10, 0, 1, 500000, tzinfo=UTC)
    assert records.get_column("trace_id").to_list() == [None, None]


def test_one_file_of_loggers_that_write_their_fields_two_ways_reads_both(write) -> None:  # type: ignore[no-untyped-def]
    # Pods merged into one file: pino writes "time" in epoch milliseconds and its text as "msg",
    # zerolog the time as ISO 8601 and its text as "message".
    lines = [
        {"level": 30, "time": 1795860001000, "msg": "order placed"},
        {"level": "info", "time": "2026-11-23T10:00:02Z", "message": "quote priced"},
        {"level": 50, "time": 1795860003000, "msg": "order failed"},
        {"level": "error", "time": "2026-11-23T10:00:04Z", "message": "quote failed"},
    ]
    records, summary = _read(write("pods.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n"))
    assert summary.no_timestamp == 0
    assert [t.second for t in records.get_column("timestamp").to_list()] == [1, 2, 3, 4]
    assert records.select("level", "message").rows() == [
        ("INFO", "order placed"), ("INFO", "quote priced"), ("ERROR", "order failed"), ("ERROR", "quote failed")]


def test_json_request_ids_are_kept_even_when_only_some_lines_carry_one(write) -> None:  # type: ignore[no-untyped-def]
    lines = [
        {"time": "2026-11-23T10:00:01Z", "msg": "token ok", "request_id": "a1b2c3d4e5"},
        {"time": "2026-11-23T10:00:02Z", "msg": "key rotated"},
        {"time": "2026-11-23T10:00:03Z", "msg": "token ok", "request_id": 1234567890123},
    ]
    records, _ = _read(write("auth.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n"))
    assert records.get_column("trace_id").to_list() == ["a1b2c3d4e5", None, "1234567890123"]


def test_docker_json_wrapper_parses_the_inner_line(write) -> None:  # type: ignore[no-untyped-def]
    inner = "2026-11-23 10:00:01,123 ERROR [main] com.acme.Api - upstream refused\n"
    lines = [json.dumps({"log": inner, "stream": "stdout", "time": "2026-11-23T10:00:01.123456789Z"})] * 2
    records, summary = _read(write("api-7d9f8c6b5d-x2x4q.log", "\n".join(lines) + "\n"))
    assert summary.sources[0].format == "docker-json+log4j"
    row = records.row(0, named=True)
    assert (row["message"], row["level"], row["service"]) == ("upstream refused", "ERROR", "api")


def test_a_collectors_kubernetes_metadata_names_the_service_of_docker_json_lines(write) -> None:  # type: ignore[no-untyped-def]
    # Fluent Bit's records of a whole cluster in one file: Docker's keys, the line in ``log``,
    # and whose line it is in ``kubernetes`` (the pod's workload; a CronJob's run is its job).
    def record(pod: str, container: str, inner: str) -> str:
        return json.dumps({"time": "2026-11-23T10:00:01.5Z", "stream": "stdout", "log": inner,
                           "kubernetes": {"pod_name": pod, "namespace_name": "prod", "container_name": container}})

    lines = [record("api-7d9f8c6b5d-x2x4q", "api", "2026-11-23 10:00:01,123 ERROR [main] com.acme.Api - upstream refused"),
             record("ledger-5c8d7f6b9-k2p4z", "ledger", '{"level":"info","time":"2026-11-23T10:00:01.2Z","msg":"entry posted"}'),
             record("sync-cron-28453599-mtr74", "sync", "2026-11-23 10:00:01,300 INFO [main] com.acme.Sync - batch done")] * 2
    records, summary = _read(write("fluent-bit.jsonl", "\n".join(lines) + "\n"))
    assert summary.sources[0].format.startswith("docker-json+")
    assert records.get_column("service").to_list()[:3] == ["api", "ledger", "sync-cron"]
    assert records.row(0, named=True)["message"] == "upstream refused"


def test_logfmt_lines(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        'time=2026-11-23T10:00:01.25Z level=error msg="db \\"main\\" down" service=api request_id=abc12345\n'
        "panic: runtime error\n"
        "\tgoroutine 1 [running]\n"
        'time=2026-11-23T10:00:02Z level=info msg="served /health" service=api duration=3ms\n'
        "time=2026-11-23T10:00:03Z level=warn service=api retrying upstream=db\n"
    )
    records, summary = _read(write("svc.log", text))
    assert summary.sources[0].format == "logfmt"
    # Go's own report of a panic is a record of its own (``rca.read.records``), its stack its body.
    assert records.get_column("message").to_list() == ['db "main" down', "panic: runtime error", "served /health", "retrying upstream=db"]
    assert records.get_column("level").to_list() == ["ERROR", "FATAL", "INFO", "WARN"]
    assert records.get_column("service").to_list() == ["api"] * 4
    assert records.get_column("trace_id").to_list() == ["abc12345", None, None, None]
    assert records.get_column("body").to_list()[:2] == [None, "\tgoroutine 1 [running]"]
    assert records.get_column("timestamp").to_list()[:2] == [datetime(2026, 11, 23, 10, 0, 1, 250000, tzinfo=UTC)] * 2


def test_cri_lines(write) -> None:  # type: ignore[no-untyped-def]
    text = "2026-11-23T10:00:01.123456789Z stdout F level=info msg=ready\n" * 2
    records, summary = _read(write("c.log", text))
    assert summary.sources[0].format.startswith("cri")
    assert records.get_column("timestamp")[0] == datetime(2026, 11, 23, 10, 0, 1, 123456, tzinfo=UTC)


def test_nezha_by_service_lines_map_pods_to_workloads() -> None:
    records, summary = ingest([str(DATA / "nezha" / "by_service")], Settings())
    assert {s.format for s in summary.sources} == {"kubernetes-prefixed+time-only"}
    assert set(records.get_column("service")) == {"ts-contacts-service", "ts-order-service"}
    row = records.filter(records["service"] == "ts-contacts-service").row(0, named=True)
    assert row["component"] == "c.c.ContactsController#83"
    assert row["message"].startswith("TraceID: 93bead877ae15b6d9cdf1c1569881314 SpanID:")
    assert row["timestamp"] == datetime(2023, 1, 29, 8, 42, 9, 736442, tzinfo=UTC)


def test_nezha_csv_export_unwraps_docker_json_and_uses_pod_names() -> None:
    records, summary = ingest([str(DATA / "nezha" / "08_43_log.csv.gz")], Settings())
    assert summary.sources[0].format == "csv+time-only"
    assert records.height == 60
    assert records.get_column("line").to_list()[:2] == [2, 3]
    assert records.get_column("service")[0] == "ts-travel-service"
    assert records.get_column("message")[0].startswith("TraceID: ffc8ca7e4c8f06c75142c880d5595d96")
    assert records.get_column("trace_id")[0] == "ffc8ca7e4c8f06c75142c880d5595d96"  # the export's TraceID column
    assert records.get_column("timestamp").null_count() == 0


def test_csv_with_broken_quoting_still_reads(write) -> None:  # type: ignore[no-untyped-def]
    text = 'time,level,message\n2026-11-23T10:00:01Z,INFO,"ok"\n2026-11-23T10:00:02Z,ERROR,"bad "quote" here\n'
    records, _ = _read(write("export.csv", text))
    assert records.height == 2
    assert records.get_column("level").to_list() == ["INFO", "ERROR"]


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lambda b: zstandard.ZstdCompressor().compress(b)])
def test_compressed_files_read_transparently(write, compress) -> None:  # type: ignore[no-untyped-def]
    records, _ = _read(write("payments.log.gz", compress(LOG4J.encode())))
    assert records.height == 3
    assert records.get_column("service")[0] == "payments"


def test_crlf_and_invalid_utf8_are_handled_and_counted(write) -> None:  # type: ignore[no-untyped-def]
    data = b"2026-11-23T10:00:01Z INFO caf\xe9 open\r\n2026-11-23T10:00:02Z INFO done\r\n"
    records, summary = _read(write("a.log", data))
    assert records.get_column("message").to_list() == ["caf\ufffd open", "done"]
    assert summary.invalid_utf8 == 1


@pytest.mark.parametrize("piece", [3, 1 << 20])
def test_lines_cut_across_read_chunks_come_out_whole(write, monkeypatch, piece: int) -> None:  # type: ignore[no-untyped-def]
    # Chunks of 7 bytes cut lines, CRLF pairs and a two-byte character; a lone \r ends the last line.
    monkeypatch.setattr("rca.read.lines.CHUNK_BYTES", 7)
    monkeypatch.setattr("rca.read.lines.PIECE_BYTES", piece)
    data = "first line\r\n\nsecond caf\u00e9 line\r\nx\rthird\r".encode()
    path = write("a.log", data)
    lines = read_lines(Source(path, Path(path))).frame
    assert lines.get_column("raw").to_list() == ["first line", "", "second caf\u00e9 line", "x\rthird\r"]
    assert lines.get_column("line").to_list() == [1, 2, 3, 4]


def test_services_from_syslog_program_field_and_pattern(write) -> None:  # type: ignore[no-untyped-def]
    syslog = "Nov 23 10:00:01 web1 sshd[123]: Accepted key\nNov 23 10:00:02 web1 CRON[9]: job ran\n"
    records, _ = _read(write("messages", syslog), year=2026)
    assert records.get_column("service").to_list() == ["sshd", "CRON"]
    fielded = "2026-11-23T10:00:01Z INFO service=billing charged\n2026-11-23T10:00:02Z INFO nothing\n"
    records, _ = _read(write("mixed.log", fielded))
    assert records.get_column("service").to_list() == ["billing", "mixed"]
    records, _ = _read(write("p.log", "2026-11-23T10:00:01Z [svc:auth] ok\n" * 2), service_pattern=r"\[svc:(?P<service>\w+)\]")
    assert records.get_column("service").to_list() == ["auth", "auth"]


def test_a_service_field_inside_a_message_names_what_it_is_about_not_who_said_it(write) -> None:  # type: ignore[no-untyped-def]
    """dispatch's own file: its error names the service it called (``[service=twilio]``), which
    did not say it; a line whose fields start ``service=...`` (after others) says who did."""
    text = ("2026-05-13 12:02:06.517 ERROR 1 --- [io-9090-exec-66] o.s.web.servlet.DispatcherServlet : "
            'Downstream call failed [service=twilio]: I/O error on POST request for "http://twilio.prod.svc:443/v1"\n'
            "2026-05-13T12:02:07Z INFO user=ops service=billing charged\n")
    records, _ = _read(write("dispatch.log", text))
    assert records.get_column("service").to_list() == ["dispatch", "billing"]


def test_per_pod_files_name_their_workload(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``kubectl logs`` of each pod to a file: a Deployment's pods and a StatefulSet's ordinals are
    one service; a name whose number is not an ordinal stays whole."""
    for name in ("postgres-0", "postgres-1", "api-5d9f7b6c8-x7k2p", "build-v1-2", "export-2026-11"):
        (tmp_path / f"{name}.log").write_text("2026-11-23T10:00:01Z INFO ready\n")
    records, _ = ingest([str(tmp_path)], Settings())
    assert sorted(records.get_column("service").to_list()) == ["api", "build-v1-2", "export-2026-11", "postgres", "postgres"]


def test_file_stem_service() -> None:
    assert file_stem_service("logs/payments.log.gz") == "payments"
    assert file_stem_service("frontend.access.log") == "frontend"
    assert file_stem_service("-") == "stdin"


def test_since_until_filter_and_count(write) -> None:  # type: ignore[no-untyped-def]
    text = "".join(f"2026-11-23T10:0{i}:00Z INFO tick {i}\n" for i in range(6))
    since, until = datetime(2026, 11, 23, 10, 2, tzinfo=UTC), datetime(2026, 11, 23, 10, 4, tzinfo=UTC)
    records, summary = _read(write("a.log", text), since=since, until=until)
    assert records.get_column("message").to_list() == ["tick 2", "tick 3"]
    assert summary.outside_time_filter == 4


def test_lines_without_timestamps_are_counted_and_inherit_time_only_as_continuations(write) -> None:  # type: ignore[no-untyped-def]
    text = "orphan before any header\n2026-11-23T10:00:01Z INFO a\n  continued\n2026-11-23T10:00:02Z INFO b\n"
    records, summary = _read(write("a.log", text))
    assert records.get_column("message").to_list() == ["orphan before any header", "a", "b"]
    assert summary.no_timestamp == 1
    assert summary.continuation_lines == 1


def test_a_runtimes_crash_report_without_a_header_is_a_record_of_its_own(write) -> None:  # type: ignore[no-untyped-def]
    """Go writes ``fatal error: runtime: out of memory`` and its stack to stderr with no header:
    a FATAL record said when the record above was, its stack its body, not more of a request's
    line. Indented stack lines still join the record above."""
    text = ('time="2026-11-23T10:00:01Z" level=info msg="handled request" status=200\n'
            "fatal error: runtime: out of memory\n\nruntime stack:\nruntime.throw({0x1a2b3c4?, 0x1000?})\n"
            '\t/usr/local/go/src/runtime/panic.go:1077 +0x5c\n'
            'time="2026-11-23T10:00:04Z" level=info msg="starting app" version=1.2\n'
            'time="2026-11-23T10:00:05Z" level=error msg="request failed" error="boom"\n'
            "goroutine 1 [running]:\nmain.main()\n")
    records, summary = _read(write("app.log", text))
    assert records.get_column("message").to_list()[:3] == [
        "handled request", "fatal error: runtime: out of memory", "starting app"]
    crash = records.row(1, named=True)
    assert crash["level"] == "FATAL" and crash["service"] == "app"
    assert crash["timestamp"] == datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC)
    assert "runtime stack:" in crash["body"]
    assert summary.no_timestamp == 0 and summary.continuation_lines == 6


def test_a_crash_report_in_a_collectors_records_keeps_its_own_pod_and_time(write) -> None:  # type: ignore[no-untyped-def]
    """In Fluent Bit's file of a whole cluster, each line of a Go crash report is a record of its
    own pod, after another pod's line: the crash is the dying pod's, not the record above's."""
    def record(second: int, pod: str, container: str, stream: str, inner: str) -> str:
        return json.dumps({"time": f"2026-11-23T10:00:{second:02d}.5Z", "stream": stream, "log": inner,
                           "kubernetes": {"pod_name": pod, "namespace_name": "prod", "container_name": container}})

    lines = []
    for i in range(20):
        lines.append(record(i, "ledger-5c8d7f6b9-k2p4z", "ledger", "stdout", f'{{"level":"info","msg":"entry {i} posted"}}'))
        lines.append(record(i, "api-7d9f8c6b5d-x2x4q", "api", "stdout", f'{{"level":"info","msg":"request {i} done"}}'))
    lines += [record(21, "ledger-5c8d7f6b9-k2p4z", "ledger", "stderr", "fatal error: runtime: out of memory"),
              record(21, "ledger-5c8d7f6b9-k2p4z", "ledger", "stderr", "runtime stack:"),
              record(22, "api-7d9f8c6b5d-x2x4q", "api", "stdout", '{"level":"info","msg":"request 22 done"}')]
    records, _ = _read(write("fluent-bit.jsonl", "\n".join(lines) + "\n"))
    crash = records.filter(pl.col("message").str.starts_with("fatal error"))
    assert crash.select("service", pl.col("level").cast(pl.String), "timestamp").rows() == [
        ("ledger", "FATAL", datetime(2026, 11, 23, 10, 0, 21, 500000, tzinfo=UTC))]


def test_a_level_word_that_opens_a_message_outweighs_graver_words_in_it(write) -> None:  # type: ignore[no-untyped-def]
    """Go's standard logger with a level marker: a recovered panic is logged at ERROR, not FATAL;
    a line without a marker still takes the gravest word in it."""
    text = ('2026/11/23 10:00:01 [ERROR] http: panic serving 10.0.0.1:4242: runtime error: invalid memory address\n'
            "2026/11/23 10:00:02 [WARN] pool nearly exhausted\n"
            "2026/11/23 10:00:03 worker crashed, restarting\n")
    records, _ = _read(write("ledger.log", text))
    assert records.get_column("level").cast(pl.String).to_list() == ["ERROR", "WARN", "FATAL"]


def test_a_merged_pod_log_of_several_json_loggers_reads_each_ones_time_and_message(write) -> None:  # type: ignore[no-untyped-def]
    """stern's prefix before three JSON loggers' lines, none of whose time keys most lines hold:
    logback's ``@timestamp`` and ``message``, zap's epoch ``ts`` and ``msg``, structlog's
    ``timestamp`` and ``event``."""
    rows = []
    for i in range(30):
        second = f"2026-11-23T10:00:{i:02d}"
        rows.append(f'risk-core-7f9c8d6b5d-x2x4q risk-core {{"@timestamp":"{second}.250+00:00","message":"GET /risk/{i} 200",'
                    f'"level":"INFO","logger_name":"com.acme.Risk"}}')
        if i % 3 < 2:
            rows.append(f'geo-6d8f7c9b4-q8w2z geo {{"level":"error","ts":{1795428000 + i}.5,"msg":"message failed","offset":{i}}}')
        if i % 3 == 0:
            rows.append(f'api-5c7d9f8b6-m2n4p api {{"timestamp":"{second}.750Z","event":"request_finished","level":"info"}}')
    records, summary = _read(write("stern.log", "\n".join(rows) + "\n"))
    assert summary.no_timestamp == 0
    first = records.group_by("service", maintain_order=True).agg(pl.col("message").first(), pl.col("timestamp").first(),
                                                                   pl.col("level").first().cast(pl.String))
    assert first.rows() == [
        ("risk-core", "GET /risk/0 200", datetime(2026, 11, 23, 10, 0, 0, 250000, tzinfo=UTC), "INFO"),
        ("geo", "message failed", datetime(2026, 11, 23, 10, 0, 0, 500000, tzinfo=UTC), "ERROR"),
        ("api", "request_finished", datetime(2026, 11, 23, 10, 0, 0, 750000, tzinfo=UTC), "INFO"),
    ]


def test_a_quiet_pod_logging_json_among_busy_pods_logging_text_keeps_its_records(write) -> None:  # type: ignore[no-untyped-def]
    """stern of a namespace: a busy service's log4j lines, and every 500th line a quiet service's
    Serilog JSON (``@t``, ``@m``), too few for the sample to learn its layout from. Its lines are
    its own records, with their times and messages, not continuations of the busy pod's."""
    rows, quiet = [], 0
    for i in range(6000):
        stamp = f"2026-11-23 1{i // 3600}:{i // 60 % 60:02d}:{i % 60:02d},{i % 1000:03d}"
        rows.append(f"dispatch-9xwp7nzps-9q5gk dispatch {stamp} INFO [http-{i % 8}] c.a.Dispatch - GET /v1/routes/{i} 200")
        if i % 500 == 75:
            quiet += 1
            rows.append(f'customs-tnpgnnk6j-q7ht9 customs {{"@t":"2026-11-23T1{i // 3600}:{i // 60 % 60:02d}:{i % 60:02d}.1026124Z",'
                        f'"@m":"Runtime stats: GC heap {300 + i % 7} MB","SourceContext":"Customs.Controllers.Stats"}}')
    records, summary = _read(write("stern.log", "\n".join(rows) + "\n"))
    assert summary.continuation_lines == 0 and summary.no_timestamp == 0
    customs = records.filter(pl.col("service") == "customs")
    assert customs.height == quiet == 12
    assert customs.get_column("message").first() == "Runtime stats: GC heap 305 MB"
    assert customs.get_column("timestamp").first() == datetime(2026, 11, 23, 10, 1, 15, 102612, tzinfo=UTC)


def test_folder_is_recursive_and_skips_binary_files_inside(write, tmp_path) -> None:  # type: ignore[no-untyped-def]
    write("logs/a/one.log", "2026-11-23T10:00:01Z INFO a\n")
    write("logs/b/two.log", "2026-11-23T10:00:02Z INFO b\n")
    write("logs/b/core.bin", b"\x7fELF\x00\x00\x01")
    records, summary = ingest([str(tmp_path / "logs")], Settings())
    assert sorted(records.get_column("service")) == ["one", "two"]
    assert [s.source.endswith("core.bin") for s in summary.skipped] == [True]


def test_a_named_binary_file_is_an_input_error(write) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="binary"):
        _read(write("core", b"\x00\x01\x02garbage"))


def test_stdin_source(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(LOG4J.encode()))))
    lines = read_lines(Source("-", None))
    assert lines.frame.height == 6


def _folder_of_small_files(tmp_path):  # type: ignore[no-untyped-def]
    """Files in several layouts, as a log dump holds them: some share a layout (and are read
    together), syslog files without a year written at different times, US dates, times with and
    without zones, lines before the first header, a layout no library knows, an empty file."""
    import os

    files = {
        "api/app.log": LOG4J,
        "api/app.log.1": "\tat com.acme.Foo.run(Foo.java:1)\n" + LOG4J,  # starts inside a stack trace
        "billing/app.log": LOG4J.replace(",123 ", ",123+02:00 "),
        "web/events.jsonl": '{"ts": "2026-11-23T10:00:01Z", "level": "info", "msg": "ok", "user": 1}\n'
        '{"ts": "2026-11-23T10:00:02Z", "level": "error", "msg": "failed to charge"}\n',
        "jobs/events.jsonl": '{"ts": "2026-11-23T10:00:03Z", "level": "warn", "msg": "slow", "job": "a"}\n',
        "host1/syslog": "Dec 31 23:59:58 host1 sshd[42]: Accepted password for root\n",
        "host2/syslog": "Nov 22 23:00:01 host2 cron[7]: (root) CMD (run-parts)\n",
        "us/dates.log": "03/04/2026 10:00:01 INFO started\n03/04/2026 10:00:02 ERROR failed\n",
        "odd/health.log": "20261123-10:00:01:119|Step_LSC|30002312|onStandStepChanged 3579\n"
        "20261123-10:00:02:120|Step_SPUtils|30002312|setTodayTotalDetailSteps=1500\n",
        "empty/nothing.log": "",
        "plain/notes.txt": "no header here\nnor here\n",
    }
    for name, text in files.items():
        path = tmp_path / "dump" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    written = {"host1/syslog": datetime(2026, 1, 2, tzinfo=UTC), "host2/syslog": datetime(2026, 12, 1, tzinfo=UTC)}
    for name, when in written.items():
        os.utime(tmp_path / "dump" / name, (when.timestamp(), when.timestamp()))
    return str(tmp_path / "dump")


@pytest.mark.parametrize("settings", [{}, {"tz": "Europe/Paris"}, {"year": 2024}], ids=["default", "tz", "year"])
def test_small_files_read_together_as_each_alone(tmp_path, monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    import rca.read.ingest as ingest_module

    folder = _folder_of_small_files(tmp_path)
    together, together_summary = _read(folder, **settings)
    monkeypatch.setattr(ingest_module, "SMALL_LINES", -1)  # no source is small: each is read alone
    alone, alone_summary = _read(folder, **settings)
    assert together.to_dicts() == alone.to_dicts()
    assert together_summary == alone_summary
    assert len(together_summary.sources) == 11
    by_name = {s.source.split("dump/")[1]: s for s in together_summary.sources}
    assert by_name["api/app.log.1"].records == 4  # the stack trace before the first header stands alone
    # Each syslog file's year comes from its own date: Dec 31 after a file written on Jan 2 is
    # last year's (then placed in the other sources' year), Nov 22 in a file written on Dec 1 is not.
    shifted = [n for n in by_name["host1/syslog"].notes if "+1 years" in n]
    assert len(shifted) == (0 if "year" in settings else 1)
    assert not [n for n in by_name["host2/syslog"].notes if "years)" in n]


def test_small_files_are_read_in_batches(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import rca.read.ingest as ingest_module

    folder = _folder_of_small_files(tmp_path)
    whole, _ = _read(folder)
    monkeypatch.setattr(ingest_module, "BATCH_LINES", 3)  # a batch every few files
    batched, summary = _read(folder)
    assert batched.to_dicts() == whole.to_dicts()
    assert [s.source for s in summary.sources] == sorted(s.source for s in summary.sources)
