"""The command line: both commands, both outputs, stdin, and bad input with its exit codes."""

from __future__ import annotations

import gzip
import json

import pytest

from rca.cli import EXIT_INPUT, EXIT_USAGE
from tests.conftest import DATA, SAMPLE, run

SCENARIO = str(SAMPLE / "checkout-outage")


def test_templates_table_on_the_sample_scenario() -> None:
    result = run(["templates", SCENARIO, "--top", "5"], columns=160)
    assert result.exit_code == 0, result.output
    assert "checkout started for order <*> user <*>" in result.stdout
    assert "apache-access" in result.stdout and "log4j" in result.stdout
    assert "1,016 continuation lines" in result.stdout
    assert "5 of 13 templates" in result.stdout
    assert result.stderr == ""


def test_templates_json_contract() -> None:
    result = run(["templates", SCENARIO, "--json"])
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1 and data["kind"] == "templates"
    assert data["input"]["records"] == 4750 and len(data["input"]["sources"]) == 4
    pool = next(t for t in data["templates"] if t["template"].startswith("charge failed for order"))
    assert pool["services"] == ["payments"]
    assert pool["first_seen"] == "2026-11-23T10:42:05.318Z"
    assert set(pool) == {"template_id", "template", "count", "services", "levels", "first_seen", "last_seen", "example"}
    assert pool["levels"] == {"ERROR": pool["count"]}
    assert pool["example"]["source"].endswith("payments.jsonl")


def test_parse_jsonl_records_in_input_order() -> None:
    result = run(["parse", str(DATA / "loghub" / "OpenSSH.log"), "--year", "2026"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in rows] == list(range(1, 81))
    first = rows[0]
    assert set(first) >= {"source", "line", "timestamp", "service", "level", "template_id", "template", "message", "params"}
    assert first["timestamp"] == "2026-12-10T06:55:46Z"
    assert first["service"] == "sshd"
    for row in rows:  # the params put back into the template rebuild the message
        rebuilt = row["template"]
        for value in row["params"]:
            rebuilt = rebuilt.replace("<*>", value, 1)
        assert " ".join(rebuilt.split()) == " ".join(row["message"].split())


def test_parse_csv_output() -> None:
    result = run(["parse", str(DATA / "loghub" / "HDFS.log"), "--output", "csv"])
    lines = result.stdout.splitlines()
    assert lines[0] == "source,line,timestamp,service,level,component,template_id,template,message,params,body"
    assert len(lines) == 81
    assert '"[""1"",""blk_38865049064139660""]"' in lines[1]


def test_stdin_with_and_without_dash() -> None:
    text = (DATA / "loghub" / "Spark.log").read_bytes()
    for args in (["templates", "-", "--json"], ["templates", "--json"]):
        data = json.loads(run(args, stdin=text).stdout)
        assert data["input"]["records"] == 80
        assert data["input"]["sources"][0]["source"] == "-"
    assert json.loads(run(["templates", "--json"], stdin=gzip.compress(text)).stdout)["input"]["records"] == 80


def test_since_and_until(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run(["templates", SCENARIO, "--json", "--since", "2026-11-23T10:42:00Z", "--until", "2026-11-23T10:43"])
    data = json.loads(result.stdout)
    assert data["input"]["first"] >= "2026-11-23T10:42:00" and data["input"]["last"] < "2026-11-23T10:43"
    assert data["input"]["outside_time_filter"] > 0


def _error_line(result) -> str:  # type: ignore[no-untyped-def]
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_missing_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run(["templates", str(tmp_path / "nope.log")])
    assert result.exit_code == EXIT_INPUT
    assert "no such file or folder" in _error_line(result)


def test_binary_file(write) -> None:  # type: ignore[no-untyped-def]
    result = run(["templates", write("core.dump", bytes(range(256)) * 10)])
    assert result.exit_code == EXIT_INPUT
    assert "binary" in _error_line(result)


def test_empty_file(write) -> None:  # type: ignore[no-untyped-def]
    result = run(["templates", write("empty.log", "")])
    assert result.exit_code == EXIT_INPUT
    assert "no log lines" in _error_line(result)


def test_unreadable_file(write, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = write("secret.log", "2026-11-23T10:00:01Z INFO a\n")
    real_open = open

    def deny(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file) == path:
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", deny)
    result = run(["templates", path])
    assert result.exit_code == EXIT_INPUT
    assert "permission denied" in _error_line(result)


def test_corrupt_gzip(write) -> None:  # type: ignore[no-untyped-def]
    result = run(["templates", write("broken.log.gz", gzip.compress(b"2026-11-23T10:00:01Z INFO a\n" * 100)[:40])])
    assert result.exit_code == EXIT_INPUT
    assert "gzip" in _error_line(result)


def test_ten_megabyte_single_line(write) -> None:  # type: ignore[no-untyped-def]
    result = run(["templates", write("huge.log", "2026-11-23T10:00:01Z ERROR " + "A" * 10_000_000 + "\n"), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["input"]["records"] == 1 and data["templates"][0]["levels"] == {"ERROR": 1}


def test_no_timestamps_at_all_are_counted_not_fatal(write) -> None:  # type: ignore[no-untyped-def]
    result = run(["templates", write("notes.txt", "alpha one\nbeta two\nalpha three\n"), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["input"]["no_timestamp"] == 3
    table = run(["templates", write("notes2.txt", "alpha one\nbeta two\n")], columns=160)
    assert "2 records have no readable timestamp" in table.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--since", "yesterday-ish"], "cannot read the time"),
        (["--service-pattern", "(no group)"], "named group"),
        (["--since", "2026-11-23T11:00", "--until", "2026-11-23T10:00"], "earlier than"),
        (["--log-format", "<Date> <Time>"], "<Content>"),
    ],
)
def test_usage_errors(args: list[str], needle: str) -> None:
    result = run(["templates", SCENARIO, *args])
    assert result.exit_code == EXIT_USAGE
    assert needle in _error_line(result)


def test_log_text_cannot_inject_terminal_escapes_or_markup(write) -> None:  # type: ignore[no-untyped-def]
    evil = "2026-11-23T10:00:01Z ERROR \x1b[31mred\x1b[0m [bold]boom[/bold]\n"
    result = run(["templates", write("evil.log", evil * 2)], columns=160)
    assert "\x1b" not in result.stdout
    assert "\\x1b[31mred" in result.stdout and "[bold]boom[/bold]" in result.stdout


def test_progress_tells_the_lines_read_and_their_rate_and_is_silent_off_a_terminal() -> None:
    from rca.pipeline import templates

    told: list[str] = []
    templates([str(SAMPLE / "checkout-outage"), str(SAMPLE / "slow-ledger")], progress=told.append)
    reading = [m for m in told if m.startswith("reading logs: ")]
    assert len(reading) == 8 and all("lines/s" in m for m in reading)
    assert reading[0].startswith("reading logs: 0 lines") and "now " in reading[-1]
    assert told[-1].startswith("mining templates of ")
    # Off a terminal (as here: the runner's stderr is a pipe), nothing but the report is written.
    result = run(["templates", str(SAMPLE / "checkout-outage")])
    assert result.exit_code == 0 and result.stderr == ""
