"""Numbers inside lines: a latency that shifts inside INFO lines is a departure; counters are not."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from rca.pipeline import analyze
from rca.settings import Settings
from rca.signals.params import numeric_values, param_shifts, pettitt

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _lines(messages: list[tuple[float, str]], service: str = "ledger", attributes: list[str | None] | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "service": service,
            "template_id": "t",
            "template": "entry committed in <*>",
            "timestamp": [T0 + timedelta(seconds=s) for s, _ in messages],
            "message": [m for _, m in messages],
            "attributes": attributes or [None] * len(messages),
        },
        schema_overrides={"timestamp": pl.Datetime("us", "UTC"), "attributes": pl.String},
    )


def _shifts(frame: pl.DataFrame) -> pl.DataFrame:
    return param_shifts(numeric_values(frame), origin=T0, bucket=timedelta(seconds=10))


def test_units_are_read_and_the_label_is_the_word_before() -> None:
    frame = _lines([(0, "query took 250ms (rows=3) waiting=0")])
    values = numeric_values(frame).select("label", "value", "seconds").rows()
    assert values == [("took", 0.25, True), ("rows", 3.0, False), ("waiting", 0.0, False)]


def test_lines_of_a_template_are_read_at_its_usual_count_of_numbers_the_smallest_on_a_tie() -> None:
    """Half the lines hold one number, half two: the same lines are read every time (the
    one-number ones), not whichever count Polars' ``mode`` happens to give first."""
    frame = _lines([(i, "entry committed in 5 ms" if i % 2 else "entry committed in 5 ms rows=3") for i in range(40)])
    for _ in range(20):
        values = numeric_values(frame)
        assert values.height == 20 and values.get_column("label").unique().to_list() == ["in"]


def test_a_field_name_says_its_numbers_are_durations() -> None:
    """``duration=0.12`` (logfmt) and ``"latency_ms": 12`` (JSON) hold durations though the values carry no unit."""
    logfmt = _lines([(0, "request handled")], attributes=["duration=0.12 status=200 retries=2"])
    assert numeric_values(logfmt).select("label", "value", "seconds").rows() == [
        ("duration", 0.12, True), ("status", 200.0, False), ("retries", 2.0, False)]
    json_fields = _lines([(0, "request handled")], attributes=['{"latency_ms": 12, "elapsedMs": 40, "items": 3}'])
    assert numeric_values(json_fields).select("label", "value", "seconds").rows() == [
        ("latency_ms", 0.012, True), ("elapsedMs", 0.04, True), ("items", 3.0, False)]


def test_a_clock_reading_in_a_line_is_no_measure() -> None:
    """The record's own time kept among its fields, a time of day in the text and a field named
    for a time rise with the clock: none is a number of the line."""
    record = '{"@timestamp":"2026-05-18T22:59:03.365Z","ts":1787098558.002,"level":"info","rows":3}'
    frame = _lines([(0, "query at 22:59:03.365 took 12ms")], attributes=[record])
    assert numeric_values(frame).select("label", "value").rows() == [("took", 0.012), ("rows", 3.0)]


def test_pettitt_finds_where_the_values_change() -> None:
    values = np.array([1.0, 2, 1, 2, 1, 2, 9, 8, 9, 8])
    assert pettitt(values)[0] == 6


def test_a_latency_shift_inside_info_lines_is_found_with_its_first_record() -> None:
    rng = random.Random(3)
    lines = [(s, f"entry committed in {rng.lognormvariate(3, 0.3):.1f} ms") for s in range(0, 600, 3)]
    lines += [(s, f"entry committed in {25 * rng.lognormvariate(3, 0.3):.1f} ms") for s in range(600, 900, 3)]
    row = _shifts(_lines(lines)).row(0, named=True)
    assert row["rising"] and row["label"] == "in" and row["seconds"]
    assert row["onset"] == T0 + timedelta(seconds=600)
    assert row["incident"] > 10 * row["normal"] and row["g"] > 100


def test_a_few_values_of_a_normal_tail_together_do_not_date_the_shift() -> None:
    """Times of two kinds of request, one in ten of the slow kind (its 95th percentile is the
    slow kind's), then all slow from 600 s: three slow ones together just before are the normal
    tail, not the onset."""
    rng = random.Random(5)
    lines = [(s, f"entry committed in {(200 if s % 30 == 0 else 20) * rng.uniform(0.9, 1.1):.1f} ms") for s in range(0, 570, 3)]
    tail = ((0, 230), (3, 19), (6, 225), (9, 21), (12, 228), (15, 20), (18, 22), (21, 19), (24, 21), (27, 20))
    lines += [(570 + s, f"entry committed in {m:.1f} ms") for s, m in tail]
    lines += [(s, f"entry committed in {600 * rng.uniform(0.9, 1.1):.1f} ms") for s in range(600, 900, 3)]
    row = _shifts(_lines(lines)).row(0, named=True)
    assert row["rising"]
    assert row["onset"] == T0 + timedelta(seconds=600)


def test_durations_that_grew_by_half_are_a_shift_though_most_stay_in_their_old_range() -> None:
    """A busy host stretches every request by 1.7x: the times varied widely before, so only a
    quarter of them rise above the old 95th percentile, but the median moved clearly."""
    rng = random.Random(4)
    lines = [(s, f"entry committed in {rng.lognormvariate(3, 0.5):.1f} ms") for s in range(0, 600, 3)]
    lines += [(s, f"entry committed in {1.7 * rng.lognormvariate(3, 0.5):.1f} ms") for s in range(600, 900, 3)]
    row = _shifts(_lines(lines)).row(0, named=True)
    assert row["rising"] and row["seconds"] and row["beyond"] < 0.5
    assert abs((row["onset"] - (T0 + timedelta(seconds=600))).total_seconds()) <= 30
    assert 1.5 < row["incident"] / row["normal"] < 2.0


def test_a_counter_or_an_id_that_only_grows_is_not_a_shift() -> None:
    lines = [(s, f"order {52000 + s} placed") for s in range(0, 900, 3)]
    assert _shifts(_lines(lines)).height == 0


def test_replicas_counters_interleaved_in_one_file_are_not_a_shift() -> None:
    """Two replicas log their collection count to one file, each from its own number: the
    values taken together rise and fall, and their median moves with the mix of replicas."""
    rng = random.Random(6)
    lines, counts = [], [120284, 86621]
    for s in range(0, 900, 15):
        replica = rng.random() < (0.5 if s < 600 else 0.1)  # the mix changes: one replica busier
        counts[replica] += rng.randint(30, 50)
        lines.append((s, f"runtime stats goroutines={rng.randint(40, 130)} num_gc={counts[replica]}"))
    assert not _shifts(_lines(lines)).filter(pl.col("label") == "num_gc").height


def test_a_tail_of_slow_requests_is_a_shift_though_the_median_hardly_moved() -> None:
    """Lost packets resent after a second or three: a third of the requests take seconds, the
    rest as long as ever. The access log's last field is the time in microseconds, unlabelled."""
    rng = random.Random(7)
    lines = [(s / 4, f'"GET /api/v1/pay HTTP/1.1" 200 1833 "-" "-" {int(rng.gauss(27000, 6000))}') for s in range(0, 2400)]
    lines += [(s / 4, f'"GET /api/v1/pay HTTP/1.1" 200 1833 "-" "-" '
                      f'{int(rng.choice([1.0e6, 3.0e6]) if rng.random() < 0.3 else rng.gauss(29000, 6000))}')
              for s in range(2400, 3600)]
    row = _shifts(_lines(lines)).row(0, named=True)
    assert row["rising"] and row["label"] == "value 3" and 0.2 < row["beyond"] < 0.45
    assert abs((row["onset"] - (T0 + timedelta(seconds=600))).total_seconds()) <= 30
    # A gauge a word names (a heap, a queue) grows its tail with the load: no shift of its own.
    gauge = [(s / 4, f"gc stats heapUsedMB={int(rng.gauss(1150, 40))}") for s in range(0, 2400)]
    gauge += [(s / 4, f"gc stats heapUsedMB={int(rng.gauss(1150, 40) + (400 if rng.random() < 0.3 else 0))}")
              for s in range(2400, 3600)]
    assert _shifts(_lines(gauge)).height == 0


def test_noise_without_a_change_is_not_a_shift() -> None:
    rng = random.Random(5)
    lines = [(s, f"entry committed in {rng.lognormvariate(3, 0.5):.1f} ms") for s in range(0, 900, 3)]
    assert _shifts(_lines(lines)).height == 0


def test_pool_waits_in_structured_fields_count() -> None:
    lines = [(s, "pool stats") for s in range(0, 900, 10)]
    attributes = [f'{{"msg": "pool stats", "active": 3, "waiting": {0 if s < 600 else 5 + s // 100}}}' for s, _ in lines]
    shifts = _shifts(_lines(lines, attributes=attributes))
    assert shifts.filter(pl.col("label") == "waiting").get_column("onset").to_list() == [T0 + timedelta(seconds=600)]


PODS = ("ledger-5f7c9d8b4-x2kqp", "ledger-5f7c9d8b4-m9wzt", "ledger-5f7c9d8b4-q7hvn")


def _replica_requests(slow_pod: str | None) -> list[tuple[str, str, float, float]]:
    """A request every half second for fifteen minutes from ``shop`` to one of three replicas of
    ``ledger`` in turn: (time as text, pod, ledger's ms, shop's ms). From 10:15 the replica
    ``slow_pod`` (if any) takes ten times as long; ``shop`` waits for whichever served it."""
    rng = random.Random(11)
    requests = []
    for i in range(1800):
        pod = PODS[i % 3]
        took = rng.lognormvariate(2.3, 0.25) * (10 if pod == slow_pod and i >= 900 else 1)
        stamp = (T0 + timedelta(seconds=i / 2)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        requests.append((stamp, pod, took, took + rng.uniform(1, 3)))
    return requests


def _replica_logs(folder: Path, *, slow_pod: str | None) -> None:
    """``_replica_requests`` as a file per pod (``kubectl logs`` per pod) and one for ``shop``. No
    line says anything but durations."""
    shop, ledger = [], {pod: [] for pod in PODS}
    for stamp, pod, took, waited in _replica_requests(slow_pod):
        ledger[pod].append(f"{stamp} INFO entry committed in {took:.1f} ms\n")
        shop.append(f"{stamp} INFO POST http://ledger:8080/entries -> 200 in {waited:.1f} ms\n")
    (folder / "shop.log").write_text("".join(shop))
    for pod, lines in ledger.items():
        (folder / f"{pod}.log").write_text("".join(lines))


def test_one_slowed_replica_is_found_in_its_own_file(tmp_path: Path) -> None:
    """A third of the requests slowed: the service's median hardly moves, the replica's by ten times.
    The departure names the replica's file, and the callee is blamed, not its caller."""
    _replica_logs(tmp_path, slow_pod=PODS[1])
    analysis = analyze([str(tmp_path)], Settings())
    root = analysis.root_causes[0]
    assert root.service == "ledger"
    shifted = [d for d in root.departures if d.kind == "shifted" and "ledger-5f7c9d8b4-m9wzt.log" in d.description]
    assert shifted, root.departures
    assert abs((root.onset - (T0 + timedelta(seconds=450))).total_seconds()) < 15


def test_one_slowed_replica_is_found_when_its_fields_name_the_duration(tmp_path: Path) -> None:
    """The same replicas logging logfmt (``msg="entry committed" duration=0.0123``, a Go service's
    way): the field's name says the number is a duration, so it is read per file as well."""
    for stamp, pod, took, _ in _replica_requests(slow_pod=PODS[1]):
        with (tmp_path / f"{pod}.log").open("a") as out:
            out.write(f'time="{stamp}" level=info msg="entry committed" duration={took / 1000:.6f} status=200\n')
    analysis = analyze([str(tmp_path)], Settings())
    root = analysis.root_causes[0]
    assert root.service == "ledger"
    assert any(d.kind == "shifted" and f"{PODS[1]}.log" in d.description for d in root.departures), root.departures


def test_replicas_that_stay_steady_are_not_a_shift(tmp_path: Path) -> None:
    _replica_logs(tmp_path, slow_pod=None)
    analysis = analyze([str(tmp_path)], Settings())
    assert not any(d.kind == "shifted" for c in analysis.root_causes for d in c.departures)


def test_one_slowed_pod_in_a_collectors_export_is_found_by_its_pod_name(tmp_path: Path) -> None:
    """The same three replicas in one JSON export, each record naming its pod under
    ``kubernetes.pod_name`` (the service is the pod's workload): the slowed pod is found."""
    lines = []
    for stamp, pod, took, waited in _replica_requests(slow_pod=PODS[1]):
        lines.append(json.dumps({"@timestamp": stamp, "level": "info", "kubernetes": {"pod_name": pod},
                                 "message": f"entry committed in {took:.1f} ms"}))
        lines.append(json.dumps({"@timestamp": stamp, "level": "info", "kubernetes": {"pod_name": "shop-7d4b9c6f5-kq2zx"},
                                 "message": f"POST http://ledger:8080/entries -> 200 in {waited:.1f} ms"}))
    (tmp_path / "export.jsonl").write_text("\n".join(lines) + "\n")
    analysis = analyze([str(tmp_path)], Settings())
    root = analysis.root_causes[0]
    assert root.service == "ledger"
    assert any(d.kind == "shifted" and PODS[1] in d.description for d in root.departures), root.departures


def _two_callees(folder: Path, *, slow: tuple[str, ...]) -> None:
    """``shop`` calls ``ledger`` or ``stock`` every half second for fifteen minutes, one line per call that
    names the callee and says how long it took; from 10:15 the calls to those in ``slow`` take ten
    times as long. The callees log a heartbeat and nothing else (a service logging at WARN)."""
    rng = random.Random(7)
    shop = []
    for i in range(1800):
        callee = rng.choice(("ledger", "stock"))
        took = rng.lognormvariate(2.3, 0.25) * (10 if callee in slow and i >= 900 else 1)
        stamp = (T0 + timedelta(seconds=i / 2)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        shop.append(f"{stamp} INFO GET http://{callee}:8080/v1/items/{rng.randrange(10**6)} 200 ({took:.1f} ms)\n")
    (folder / "shop.log").write_text("".join(shop))
    for callee in ("ledger", "stock"):
        beats = [f"{(T0 + timedelta(seconds=s)).strftime('%Y-%m-%dT%H:%M:%S')}.000Z INFO heartbeat ok\n" for s in range(0, 900, 10)]
        (folder / f"{callee}.log").write_text("".join(beats))


def test_a_callee_whose_calls_slowed_is_blamed_though_its_own_lines_show_nothing(tmp_path: Path) -> None:
    """Half of one statement's calls slowed, all of them those to ``ledger``: the caller's
    durations, timed per callee it names, blame ``ledger``, not the caller."""
    _two_callees(tmp_path, slow=("ledger",))
    analysis = analyze([str(tmp_path)], Settings())
    root = analysis.root_causes[0]
    assert root.service == "ledger", [(c.service, c.departures) for c in analysis.root_causes]
    assert any(d.kind == "blamed" and "calls to it from shop slowed" in d.description for d in root.departures), root.departures
    assert abs((root.onset - (T0 + timedelta(seconds=450))).total_seconds()) < 15


def test_a_caller_whose_calls_to_every_callee_slowed_is_not_their_victim(tmp_path: Path) -> None:
    """Calls to both callees slowed at once: the caller's own trouble (its network, its CPU), not
    two callees failing together; neither callee is blamed."""
    _two_callees(tmp_path, slow=("ledger", "stock"))
    analysis = analyze([str(tmp_path)], Settings())
    assert not any(d.kind == "blamed" for c in analysis.root_causes for d in c.departures)
    assert analysis.root_causes[0].service == "shop"
