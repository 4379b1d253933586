"""Reading on a Dask cluster (``--scheduler``): the same results as reading here, a clear error
for a scheduler that cannot be used, and no Dask import without one.

One real ``distributed.LocalCluster`` of two worker processes serves the module; its tests skip
when ``distributed`` is not installed (``pip install 'rca-logs[dask]'``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import pytest

import rca.mine.cluster
from rca.errors import SchedulerError
from rca.mine.shards import map_shard, read_masked, reduce_shards
from rca.mine.templates import MASKED_ID, assign_templates
from rca.pipeline import parse
from rca.read.sources import resolve
from rca.settings import Settings
from tests.conftest import ROOT, SAMPLE, run
from tests.test_ingest import _folder_of_small_files

SCENARIO = str(SAMPLE / "checkout-outage")
EXIT_SCHEDULER = 6


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a local cluster of two worker processes, one thread each."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0", silence_logs=50
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def one_file_a_shard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every source a shard of its own, so results cross shards (and workers) as much as they can."""
    monkeypatch.setattr(rca.mine.cluster, "MIN_SHARD_BYTES", 1)
    monkeypatch.setattr(rca.mine.cluster, "MAX_SHARD_BYTES", 1)


def _json(args: list[str]) -> dict[str, object]:
    result = run(args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("command", ["templates", "analyze"])
def test_the_cluster_gives_the_local_json(scheduler: str, one_file_a_shard: None, command: str) -> None:
    local = _json([command, SCENARIO, "--json"])
    remote = _json([command, SCENARIO, "--json", "--scheduler", scheduler])
    assert remote == local
    if command == "analyze":
        assert local["root_causes"][0]["service"] == "payments"  # type: ignore[index]


def test_the_scheduler_comes_from_the_environment(scheduler: str, one_file_a_shard: None,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    local = _json(["templates", SCENARIO, "--json", "--since", "2026-11-23T10:41:00Z"])
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", scheduler)
    assert _json(["templates", SCENARIO, "--json", "--since", "2026-11-23T10:41:00Z"]) == local


def test_sources_that_need_each_other_read_on_different_workers(scheduler: str, one_file_a_shard: None, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A syslog file takes its year from the other sources (on other workers), small files of one
    layout are read together here but apart there, an empty file and a time filter."""
    folder = _folder_of_small_files(tmp_path)
    for settings in (Settings(), Settings(tz="Europe/Paris"), Settings(until=datetime.fromisoformat("2026-11-23T10:00:02Z"))):
        local = parse([folder], settings)
        remote = parse([folder], replace(settings, scheduler=scheduler))
        assert remote.records.to_dicts() == local.records.to_dicts()
        assert remote.input == local.input
    assert any("+1 years" in note for s in local.input.sources for note in s.notes)


def test_masked_messages_are_numbered_across_shards(write) -> None:  # type: ignore[no-untyped-def]
    """A message seen in several shards, and one first seen in a later shard, come out as from one
    shard holding all, and mine to the same templates."""
    line = "2026-11-23 10:00:0{} INFO [main] app.Worker - {}\n"
    first = write("a.log", line.format(1, "took 5 ms") + line.format(2, "cache warm"))
    second = write("b.log", line.format(3, "queue full") + line.format(4, "took 70 ms"))
    whole = read_masked([first, second], Settings())
    apart = reduce_shards([map_shard([s], Settings()) for s in resolve([first, second])], Settings())
    assert apart.masked.to_list() == ["took <*> ms", "cache warm", "queue full", "took <*> ms"]
    assert whole.masked.to_list() == ["took <*> ms", "cache warm", "queue full"]
    assert apart.records.get_column(MASKED_ID).to_list() == [0, 1, 2, 3]
    assert assign_templates(apart.records, masked=apart.masked).equals(assign_templates(whole.records, masked=whole.masked))


def test_urls_are_read_by_the_workers(scheduler: str, one_file_a_shard: None) -> None:
    """A URL (here ``file://``; ``s3://`` with s3fs) is resolved here and read on the workers."""
    url = f"file://{SAMPLE}/checkout-outage/"
    local = _json(["templates", url, "--json"])
    assert _json(["templates", url, "--json", "--scheduler", scheduler]) == local
    assert local["input"]["sources"][0]["source"] == f"{url}checkout.log"  # type: ignore[index]
    plain = _json(["templates", SCENARIO, "--json"])
    assert [t["template_id"] for t in local["templates"]] == [t["template_id"] for t in plain["templates"]]  # type: ignore[attr-defined]


def test_a_named_unreadable_file_is_an_input_error_from_a_worker(scheduler: str, one_file_a_shard: None, write) -> None:  # type: ignore[no-untyped-def]
    binary = write("core", b"\x00\x01\x02garbage")
    local = run(["templates", SCENARIO, binary])
    remote = run(["templates", SCENARIO, binary, "--scheduler", scheduler])
    assert (remote.exit_code, remote.stderr) == (local.exit_code, local.stderr) == (3, local.stderr)
    assert "binary" in remote.stderr


def test_standard_input_is_read_here(scheduler: str) -> None:
    text = (SAMPLE / "checkout-outage" / "payments.jsonl").read_text(encoding="utf-8")
    local = run(["templates", "-", SCENARIO, "--json"], stdin=text)
    remote = run(["templates", "-", SCENARIO, "--json", "--scheduler", scheduler], stdin=text)
    assert remote.exit_code == 0 and remote.stdout == local.stdout


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.parametrize("address", ["dead", "no-port", "not-dask"])
def test_a_scheduler_that_cannot_be_used_is_one_line_and_exit_6(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(rca.mine.cluster, "CONNECT_TIMEOUT_S", 1)
    with socket.socket() as listener:  # answers, but not as a Dask scheduler
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        given = {"dead": _closed_port(), "no-port": "localhost", "not-dask": f"tcp://127.0.0.1:{listener.getsockname()[1]}"}
        result = run(["analyze", SCENARIO, "--scheduler", given[address]])
    assert result.exit_code == EXIT_SCHEDULER == SchedulerError.exit_code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"rca: error: cannot reach the Dask scheduler at {given[address]}"), result.stderr
    assert result.stdout == ""


def test_without_a_scheduler_dask_is_not_imported() -> None:
    code = (
        "import sys; from rca.cli import main\n"
        "try: main(['templates', sys.argv[1], '--json'])\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DASK_SCHEDULER_ADDRESS"}
    done = subprocess.run([sys.executable, "-c", code, SCENARIO], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
