"""`rca diff`: template changes between a good run and a bad one."""

from __future__ import annotations

import json
import random

import pytest

from rca.pipeline import diff
from tests.conftest import DATA, run

HDFS = (DATA / "loghub" / "HDFS.log").read_text().splitlines()
INJECTED = "WARN dfs.DataNode$DataXceiver: Exception in receiveBlock for block blk_{} java.io.IOException: Connection reset by peer"


def _bad_run(*, inject: bool, drop: str | None) -> list[str]:
    rng = random.Random(3)
    out = []
    for i, line in enumerate(HDFS):
        if drop and drop in line:
            continue
        out.append(line)
        if inject and i % 8 == 0:
            out.append(" ".join(line.split(" ")[:3]) + " " + INJECTED.format(rng.getrandbits(40)))
    return out


@pytest.mark.parametrize(("inject", "drop", "first"), [(True, None, "new"), (False, "Receiving block", "gone")])
def test_diff_names_the_known_difference_first_and_nothing_else(write, inject: bool, drop: str | None,
                                                                 first: str) -> None:  # type: ignore[no-untyped-def]
    good = write("good.log", "\n".join(HDFS) + "\n")
    bad = write("bad.log", "\n".join(_bad_run(inject=inject, drop=drop)) + "\n")
    found = diff([good], [bad])
    assert not found.by_service  # good.log and bad.log: service names from file names differ
    assert [c.kind for c in found.changes] == [first]
    change = found.changes[0]
    if first == "new":
        assert change.template.startswith("Exception in receiveBlock for block <*>")
        assert change.count_base == 0 and change.count_target == 10
        assert all("Connection reset by peer" in e.message for e in change.examples)
    else:
        assert change.template.startswith("Receiving block <*>") and change.count_target == 0
        assert all(e.source == good for e in change.examples)  # a gone template's lines come from the baseline


def test_same_logs_show_no_change_and_shares_ignore_volume(write) -> None:  # type: ignore[no-untyped-def]
    good = write("a/hdfs.log", "\n".join(HDFS) + "\n")
    twice = write("b/hdfs.log", "\n".join(HDFS + HDFS) + "\n")  # a longer run with the same mix
    found = diff([good], [twice])
    assert found.by_service and found.changes == ()


def test_diff_cli_json_and_table(write) -> None:  # type: ignore[no-untyped-def]
    good = write("good.log", "\n".join(HDFS) + "\n")
    bad = write("bad.log", "\n".join(_bad_run(inject=True, drop=None)) + "\n")
    result = run(["diff", good, bad, "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["schema_version"], data["kind"]) == (1, "diff")
    assert data["changes"][0]["kind"] == "new" and data["changes"][0]["share_base"] == 0
    table = run(["diff", good, bad], columns=100).stdout
    assert "Exception in receiveBlock" in table and "0 -> 10" in table
    missing = run(["diff", good, str(DATA / "nothing-here.log")])
    assert missing.exit_code == 3 and "no such file" in missing.stderr
