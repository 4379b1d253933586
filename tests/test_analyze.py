"""rca analyze: each stage on small synthetic inputs, end to end on sample_logs, and the CLI outputs."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import resources

import jsonschema
import networkx as nx
import numpy as np
import polars as pl
import pytest

from rca.model import Analysis, RootCause
from rca.pipeline import analyze
from rca.settings import Settings
from rca.signals.causal import build_graph, lagged_correlation, name_variants, named_services, trace_order
from rca.signals.detect import behaviour_shifts, find_incident_start, poisson_llr, rising_onsets, score_series, share_shifts
from rca.signals.features import ERRORS_ID, build_features, choose_bucket
from tests.conftest import ROOT, SAMPLE, run

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
GOLDEN = ROOT / "tests" / "golden"


def _records(rows: list[tuple[int, str, str, str]]) -> pl.DataFrame:
    """(second, service, level, template) rows as a records frame with templates already set."""
    return pl.DataFrame(
        {
            "source": [r[1] for r in rows],
            "line": list(range(1, len(rows) + 1)),
            "timestamp": [T0 + timedelta(seconds=r[0]) for r in rows],
            "service": [r[1] for r in rows],
            "level": [r[2] for r in rows],
            "message": [r[3] for r in rows],
            "template_id": [r[3] for r in rows],
            "template": [r[3] for r in rows],
        },
        schema_overrides={"line": pl.UInt32, "timestamp": pl.Datetime("us", "UTC")},
    )


# features


def test_bucket_size_follows_the_time_span() -> None:
    assert choose_bucket(timedelta(minutes=3)) == timedelta(seconds=2)
    assert choose_bucket(timedelta(hours=2)) == timedelta(minutes=1)
    assert choose_bucket(timedelta(days=3)) == timedelta(hours=1)


def test_counts_are_zero_filled_and_errors_form_their_own_series() -> None:
    rows = [(s, "api", "INFO", "tick") for s in range(0, 60, 10)] + [(55, "api", "ERROR", "boom")]
    features = build_features(_records(rows), bucket=timedelta(seconds=10))
    assert features.counts.shape[1] == 6
    tick = features.series.filter(pl.col("template_id") == "tick").get_column("sid").item()
    assert features.counts[tick].tolist() == [1, 1, 1, 1, 1, 1]
    errors = features.series.filter(pl.col("template_id") == ERRORS_ID).get_column("sid").item()
    assert features.counts[errors].tolist() == [0, 0, 0, 0, 0, 1]  # the quiet buckets are zeros, not gaps


# detect


def test_poisson_llr_grows_with_evidence_not_with_volume() -> None:
    small = poisson_llr(np.array([3.0]), 10.0, np.array([0.0]), 10.0)[0]
    large = poisson_llr(np.array([300.0]), 10.0, np.array([0.0]), 10.0)[0]
    steady = poisson_llr(np.array([300.0]), 10.0, np.array([300.0]), 10.0)[0]
    assert large > small > 0
    assert steady == pytest.approx(0.0)


def test_incident_start_is_where_new_errors_begin_not_where_noise_is() -> None:
    rng = np.random.default_rng(1)
    noisy_errors = rng.poisson(5.0, 100).astype(float)  # a service that always logs errors
    new_errors = np.r_[np.zeros(62), rng.poisson(4.0, 38)]
    traffic = rng.poisson(50.0, 100).astype(float)
    counts = np.vstack([noisy_errors, new_errors, traffic])
    start = find_incident_start(counts, np.array([1.0, 1.0, 0.0]), baseline_counts=np.zeros(3), baseline_buckets=0, min_side=5)
    assert start.method == "errors"
    assert 61 <= start.bucket <= 63


def test_series_scores_name_the_change() -> None:
    counts = np.array(
        [
            [0] * 10 + [3] * 10,  # new
            [2] * 10 + [0] * 10,  # stopped
            [2] * 10 + [10] * 10,  # up
            [5] * 20,  # steady, e.g. a service that always logs errors
        ],
        dtype=float,
    )
    scores = score_series(counts, 10, baseline_counts=np.zeros(4), baseline_buckets=0)
    assert scores.get_column("kind").to_list()[:3] == ["new", "stopped", "up"]
    assert scores.get_column("score").to_list()[:2] == pytest.approx([1.0, 1.0], abs=0.01)
    assert 0.7 < scores.get_column("score")[2] < 0.8  # 5x: big, but less than appearing from nothing
    assert scores.get_column("score")[3] < 0.1
    assert scores.get_column("onset_bucket").to_list()[:2] == [10, 10]


def test_a_statement_that_stops_shifts_while_a_traffic_dip_does_not() -> None:
    traffic = np.array([10.0] * 10 + [4.0] * 10)  # the whole service gets less traffic...
    counts = np.vstack([
        traffic * 0.5,  # ...a statement that follows the traffic: its share is steady
        np.r_[[5.0] * 10, [0.0] * 10],  # a statement that stops while the service goes on
    ])
    parents = np.vstack([traffic, traffic])
    shifts = share_shifts(counts, parents, min_side=2, may_rise=np.array([False, False]), may_fall=np.array([True, True]))
    assert shifts.g[0] == 0.0
    assert shifts.g[1] > 30 and shifts.split[1] == 10


def test_errors_may_rise_in_share_but_other_statements_only_fall() -> None:
    counts = np.vstack([np.r_[[1.0] * 10, [8.0] * 10]] * 2)
    parents = np.full((2, 20), 20.0)
    shifts = share_shifts(counts, parents, min_side=2, may_rise=np.array([True, False]), may_fall=np.array([True, True]))
    assert shifts.g[0] > 10 and shifts.rising[0]
    assert shifts.g[1] == 0.0  # a busier ordinary statement is the traffic mix, not a fault


def test_a_steady_service_that_goes_silent_shifts_but_a_bursty_one_does_not() -> None:
    rows = [(s, "heartbeat", "INFO", "tick") for s in range(0, 600, 10) if s < 300]
    rows += [(s, "api", "INFO", "served") for s in range(0, 600, 2)]
    rows += [(s, "batch", "INFO", "job ran") for s in (5, 6, 7, 8, 9, 200, 201, 202, 203, 204)]
    features = build_features(_records(rows), bucket=timedelta(seconds=10))
    shifts = behaviour_shifts(features.series, features.counts, min_side=6).filter(pl.col("scope") == "service")
    g = dict(zip(shifts.get_column("service"), shifts.get_column("g"), strict=True))
    assert g["heartbeat"] > 10
    assert g["batch"] == 0.0 and g["api"] == 0.0


def test_a_service_gone_quiet_but_for_a_few_stray_lines_went_silent() -> None:
    # The edge served every second, then went quiet at 300 s; its stdout still said three stray
    # lines (a segfault's last words, garbage) minutes apart. A service that keeps logging a
    # tenth of its lines has not gone quiet.
    rows = [(s, "edge", "INFO", f"GET /api/{s} 200") for s in range(0, 300)]
    rows += [(s, "edge", "INFO", text) for s, text in ((330, "Segmentation fault (core dumped)"), (450, "########"), (570, "at <anonymous>"))]
    rows += [(s, "api", "INFO", "served") for s in range(0, 600, 2)]
    rows += [(s, "slow", "INFO", f"GET /api/{s} 200") for s in range(0, 600) if s < 300 or s % 10 == 0]
    features = build_features(_records(rows), bucket=timedelta(seconds=10))
    shifts = behaviour_shifts(features.series, features.counts, min_side=6).filter(pl.col("scope") == "service")
    g = dict(zip(shifts.get_column("service"), shifts.get_column("g"), strict=True))
    split = dict(zip(shifts.get_column("service"), shifts.get_column("split"), strict=True))
    assert g["edge"] > 10 and split["edge"] == 30, (g, split)
    assert g["slow"] == 0.0 and g["api"] == 0.0


def test_a_service_whose_every_line_rises_an_order_of_magnitude_is_louder_but_a_traffic_shift_is_not() -> None:
    # The database logs only its slow statements: one every 10 s, then four a second (each
    # statement's share of its lines stays the same). The api's traffic triples, the cart's
    # begins from nothing: neither is a louder service.
    rows = [(s, "api", "INFO", "served") for s in range(0, 600, 2)]
    rows += [(s, "api", "INFO", "served") for s in range(300, 600, 1)]
    rows += [(s, "db", "INFO", "duration: 812 ms statement") for s in range(0, 300, 10)]
    rows += [(s + k / 4, "db", "INFO", "duration: 812 ms statement") for s in range(300, 600) for k in range(4)]
    rows += [(s, "cart", "INFO", "cart updated") for s in range(300, 600)]
    features = build_features(_records(rows), bucket=timedelta(seconds=10))
    shifts = behaviour_shifts(features.series, features.counts, min_side=6).filter(pl.col("scope") == "volume")
    g = dict(zip(shifts.get_column("service"), shifts.get_column("g"), strict=True))
    assert g["db"] > 100
    assert g["api"] == 0.0 and g["cart"] == 0.0


def test_errors_that_stopped_long_before_the_incident_are_no_departure_but_at_its_start_they_are() -> None:
    # The api's retries stop at minute 5 while its traffic goes on. Five minutes before the
    # incident, that is an earlier trouble ending; as the incident begins, a change of what the
    # code does (the exception it threw on every request no longer thrown). A routine statement
    # that stops is a partial silence either way.
    rows = [(s, "api", "INFO", "served") for s in range(0, 900, 2)]
    rows += [(s, "api", "INFO", "cache refreshed") for s in range(0, 300, 10)]
    rows += [(s, "api", "WARN", "retrying call to ledger") for s in range(0, 300, 5)]
    features = build_features(_records(rows), bucket=timedelta(seconds=10))

    def g_at(start: int) -> dict[str, float]:
        shifts = behaviour_shifts(features.series, features.counts, min_side=6, start=start, fall_lead=12).join(
            features.series.select("sid", "template"), on="sid"
        ).filter(pl.col("scope") == "statement")
        return dict(zip(shifts.get_column("template"), shifts.get_column("g"), strict=True))

    later, now = g_at(60), g_at(31)
    assert later["cache refreshed"] > 10 and now["cache refreshed"] > 10
    assert later["retrying call to ledger"] == 0.0 and now["retrying call to ledger"] > 10


def test_a_statement_never_seen_before_begins_with_its_first_line_however_sparse() -> None:
    # "disk usage 97%" is logged (at WARN) about once a bucket from bucket 4 on, then more often
    # from bucket 9: never before, so its first line is out of the ordinary, not only the burst.
    counts = np.array([[0.0, 0, 0, 0, 1, 1, 0, 1, 1, 3, 4, 3, 4]])
    assert rising_onsets(counts, np.array([0]), np.array([3]), np.array([0.0])).tolist() == [4]
    # A statement that was there before rises where its counts leave their normal range.
    counts = np.array([[1.0, 1, 0, 1, 1, 2, 1, 6, 7, 6, 7]])
    assert rising_onsets(counts, np.array([0]), np.array([8]), np.array([0.8])).tolist() == [7]


def test_a_sparse_new_error_is_dated_at_its_first_line(tmp_path: Path) -> None:
    # A service starts failing one request in ten at 10:05:03: its new error comes every few
    # seconds, never two in one bucket at first.
    lines = []
    for s in range(0, 600):
        t = T0 + timedelta(seconds=s)
        lines.append(f"{t:%Y-%m-%d %H:%M:%S}.000 INFO  [main] c.a.Ledger - request served in 20 ms")
        if s >= 303 and s % 7 == 0:
            lines.append(f"{t:%Y-%m-%d %H:%M:%S}.500 ERROR [main] c.a.Ledger - catch price exception")
    (tmp_path / "ledger.log").write_text("\n".join(lines) + "\n")
    analysis = analyze([str(tmp_path)], Settings())
    ledger = next(c for c in analysis.root_causes if c.service == "ledger")
    new = next(d for d in ledger.departures if d.kind == "new")
    assert new.onset == T0 + timedelta(seconds=308, milliseconds=500)


def test_a_service_that_logs_only_warnings_is_weighed_against_all_lines() -> None:
    # "ledger" logs at WARN: two slow-request warnings in ten minutes, then its rate limiter
    # rejects 120 requests. Its own lines before are too few to weigh a share against; against
    # the traffic of the whole system, the new warning is a clear departure.
    rows = [(s, "api", "INFO", "served") for s in range(0, 1200, 2)]
    rows += [(100, "ledger", "WARN", "slow request"), (400, "ledger", "WARN", "slow request")]
    rows += [(600 + 5 * i, "ledger", "WARN", "rate limit exceeded") for i in range(120)]
    features = build_features(_records(rows), bucket=timedelta(seconds=10))
    shifts = behaviour_shifts(features.series, features.counts, min_side=6).join(
        features.series.select("sid", "template"), on="sid"
    )
    g = shifts.filter((pl.col("scope") == "statement") & (pl.col("template") == "rate limit exceeded")).get_column("g").item()
    assert g > 100
    # A service that logs its traffic is weighed against its own lines: the same rise in a
    # service whose own lines rose with it is no shift of its behaviour.
    rows = [(s, "api", "INFO", "served") for s in range(0, 1200, 2)]
    rows += [(s, "busy", "INFO", "handled") for s in range(0, 600, 10)] + [(s, "busy", "INFO", "handled") for s in range(600, 1200, 2)]
    rows += [(s, "busy", "WARN", "retrying") for s in range(0, 600, 60)] + [(s, "busy", "WARN", "retrying") for s in range(600, 1200, 12)]
    features = build_features(_records(rows), bucket=timedelta(seconds=10))
    shifts = behaviour_shifts(features.series, features.counts, min_side=6).join(
        features.series.select("sid", "template"), on="sid"
    )
    assert shifts.filter((pl.col("scope") == "statement") & (pl.col("template") == "retrying")).get_column("g").item() == 0.0


def test_lines_with_a_code_location_are_counted_per_statement() -> None:
    records = _records([(s, "api", "INFO", "t1") for s in range(4)]).with_columns(
        component=pl.Series(["Foo#31", "Foo#31", "Foo#34", None]),
    )
    series = build_features(records, bucket=timedelta(seconds=10)).series
    assert sorted(series.get_column("statement").to_list(), key=str) == ["Foo#31", "Foo#34", None]
    assert series.filter(pl.col("statement") == "Foo#31").get_column("total").item() == 2


# causal


def test_lagged_correlation_finds_who_leads() -> None:
    cause = np.array([0, 0, 0, 9, 9, 9, 0, 0, 0, 0.0])
    effect = np.roll(cause, 2)
    assert lagged_correlation(cause, effect, max_lag=4) == (2, 1.0)


def test_service_names_are_found_in_callers_lines() -> None:
    assert name_variants("ts-contacts-service") == {"ts-contacts-service", "contacts", "contact"}
    found = named_services({"checkout": ["payment call failed: timeout"], "payments": ["pool exhausted"]},
                           ["checkout", "payments"])
    assert found == {("payments", "checkout"): 1}


def test_trace_order_credits_the_first_service_to_depart() -> None:
    events = pl.DataFrame(
        {
            "message": ["TraceID: t1000000 a", "trace_id=t1000000 b", "request_id=t2000000", "X-Request-ID: t2000000",
                        "trace_id=t3000000"],
            "service": ["db", "api", "db", "api", "api"],
            "timestamp": [T0, T0 + timedelta(seconds=1), T0, T0 + timedelta(seconds=2), T0],
        }
    )
    firsts, pairs = trace_order(events)
    assert firsts == {"db": 2, "api": 1}
    assert pairs == {("db", "api"): 2}
    # A structured id (a JSON field) ties lines whose messages carry none.
    fielded = pl.DataFrame(
        {
            "message": ["token rejected", "upstream db failed request_id=r9000000"],
            "service": ["db", "api"],
            "timestamp": [T0, T0 + timedelta(seconds=1)],
            "trace_id": ["r9000000", None],
        }
    )
    assert trace_order(fielded) == ({"db": 1}, {("db", "api"): 1})


def test_within_one_bucket_only_going_quiet_first_gives_a_direction() -> None:
    signal = np.array([0, 0, 5, 5, 5, 5, 5, 5.0])
    signals = {"dns": signal, "api": signal * 3}
    onsets, onset_s = {"dns": 2, "api": 2}, {"dns": 30.0, "api": 35.3}
    assert list(build_graph(signals, onsets, bucket_s=15, max_lag=3).edges) == []
    # Two services whose first errors share a bucket: their order within it is not trusted.
    assert list(build_graph(signals, onsets, bucket_s=15, max_lag=3, onset_s=onset_s).edges) == []
    # A resolver that went quiet before the API's first error leads it.
    graph = build_graph(signals, onsets, bucket_s=15, max_lag=3, onset_s=onset_s, quiet={"dns"})
    assert list(graph.edges) == [("dns", "api")]
    # ... but not when the API's errors came first.
    late = build_graph(signals, onsets, bucket_s=15, max_lag=3, onset_s={"dns": 36.0, "api": 35.3}, quiet={"dns"})
    assert list(late.edges) == []


def test_graph_edges_carry_lag_and_evidence() -> None:
    signal = np.array([0, 0, 5, 5, 0, 0, 0, 0.0])
    graph = build_graph({"db": signal, "api": np.roll(signal, 1)}, {"db": 2, "api": 3}, bucket_s=10, max_lag=3,
                        names={("db", "api"): 1})
    assert isinstance(graph, nx.DiGraph)
    assert list(graph.edges) == [("db", "api")]
    assert graph.edges["db", "api"]["lag_s"] == 10
    assert graph.edges["db", "api"]["evidence"] == ["lead", "names"]


# end to end


def test_checkout_outage_root_cause_is_payments() -> None:
    analysis = analyze([str(SAMPLE / "checkout-outage")])
    top = analysis.root_causes[0]
    assert top.service == "payments"
    assert "Connection is not available" in top.template
    assert top.change.kind == "new"
    assert {e.service for e in top.explains} == {"checkout", "frontend"}
    assert analysis.incident is not None
    assert analysis.incident.start == datetime(2026, 11, 23, 10, 42, tzinfo=UTC)
    assert all(e.source.endswith("payments.jsonl") for e in top.examples)


def test_the_incident_start_can_be_given() -> None:
    settings = Settings(incident_start=datetime(2026, 11, 23, 10, 42, tzinfo=UTC))
    analysis = analyze([str(SAMPLE / "checkout-outage")], settings)
    assert analysis.incident is not None and analysis.incident.method == "given"
    assert analysis.root_causes[0].service == "payments"


def test_steady_logs_have_no_root_cause(tmp_path) -> None:
    path = tmp_path / "app.log"
    path.write_text("".join(f"2026-11-23T10:{m:02d}:{s:02d}Z INFO request served\n" for m in range(30) for s in (0, 30)))
    analysis = analyze([str(path)])
    assert analysis.root_causes == ()
    assert analysis.incident is None


def test_baseline_makes_a_template_missing_from_the_incident_stop(tmp_path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "bad").mkdir()
    good = tmp_path / "good" / "app.log"  # the same service on a good day
    good.write_text("".join(f"2026-11-22T10:{m:02d}:00Z INFO heartbeat ok\n2026-11-22T10:{m:02d}:30Z INFO request served\n" for m in range(30)))
    bad = tmp_path / "bad" / "app.log"
    bad.write_text("".join(f"2026-11-23T10:{m:02d}:30Z INFO request served\n" for m in range(30)))
    analysis = analyze([str(bad)], Settings(baseline=(str(good),)))
    assert [(a.template, a.change.kind) for a in analysis.anomalies] == [("heartbeat ok", "stopped")]


# CLI


def _schema() -> dict[str, object]:
    return json.loads(resources.files("rca").joinpath("schema/analysis.schema.json").read_text())


def test_json_output_validates_against_the_documented_schema() -> None:
    result = run(["analyze", str(SAMPLE / "checkout-outage"), "--json", "--top", "2"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    jsonschema.validate(data, _schema())
    assert [c["rank"] for c in data["root_causes"]] == [1, 2]
    assert data["root_causes"][0]["service"] == "payments"


def test_a_call_found_by_the_path_its_callee_alone_serves_is_a_route_in_the_json(tmp_path: Path) -> None:
    edge, orders = [], []
    for s in range(0, 600, 2):
        t = T0 + timedelta(seconds=s)
        failing = s >= 300
        status = 500 if failing else 200
        edge.append(f'10.0.0.1 - - [{t:%d/%b/%Y:%H:%M:%S} +0000] "GET /api/v1/order/search HTTP/1.1" {status} 512 "-" '
                    f'"curl/8.4.0" rt=0.050 uct="0.000" urt="0.050" upstream=172.20.14.94:5000')
        level = "ERROR" if failing else "INFO"
        orders.append(f"{t:%Y-%m-%d %H:%M:%S},000 {level} archive.api: GET /api/v1/order/search {status} 42.0ms")
        if failing:
            orders.append(f"{t:%Y-%m-%d %H:%M:%S},001 ERROR archive.db: pool exhausted, waited 30000 ms")
    (tmp_path / "edge.access.log").write_text("\n".join(edge) + "\n")
    (tmp_path / "archive.log").write_text("\n".join(orders) + "\n")
    result = run(["analyze", str(tmp_path), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    jsonschema.validate(data, _schema())
    calls = {(c["caller"], c["callee"]): c["evidence"] for c in data["calls"]}
    assert calls[("edge", "archive")] == ["route"]


def test_a_name_server_outage_blames_the_name_server_not_the_names_it_failed_to_resolve(tmp_path) -> None:
    # From 10:05 the name server times out upstream: the web's calls fail to resolve ledger (its
    # errors name ledger), and ledger, never reached, only loses traffic. No line names coredns.
    web, ledger, dns = [], [], []
    query = '[INFO] 10.2.1.7:{port} - {id} "A IN {name}.default.svc.cluster.local. udp 62 false 512" {code} qr,rd 94 {took}s'
    for s in range(600):
        t = T0 + timedelta(seconds=s)
        stamp = f"{t:%Y-%m-%dT%H:%M:%S}"
        failing = s >= 300
        for i, name in enumerate(("ledger", "web", "audit")):
            code, took = ("SERVFAIL", "2.001") if failing and name == "ledger" else ("NOERROR", "0.0004")
            dns.append(f"{stamp}.{100 + i:03d}Z " + query.format(port=40000 + s, id=s * 3 + i, name=name, code=code, took=took))
        if failing:
            dns.append(f"{stamp}.200Z [ERROR] plugin/errors: 2 ledger.default.svc.cluster.local. A: read udp 10.2.0.9:53811->10.96.0.1:53: i/o timeout")
            web.append(f"{stamp}.300Z ERROR java.net.UnknownHostException: ledger: Temporary failure in name resolution")
        else:
            web.append(f"{stamp}.300Z INFO GET http://ledger:8080/v1/entries 200 in 12 ms")
            ledger.append(f"{stamp}.310Z INFO entry committed")
        if s % 10 == 0:
            ledger.append(f"{stamp}.900Z INFO heartbeat ok")
    for name, lines in (("web", web), ("ledger", ledger), ("coredns", dns)):
        (tmp_path / f"{name}.log").write_text("\n".join(lines) + "\n")
    result = run(["analyze", str(tmp_path), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    jsonschema.validate(data, _schema())
    calls = {(c["caller"], c["callee"]): c for c in data["calls"]}
    assert calls[("web", "coredns")]["resolver"] and calls[("web", "coredns")]["evidence"] == []
    assert not any(caller == "coredns" for caller, _ in calls)
    assert data["root_causes"][0]["service"] == "coredns"


def test_json_for_logs_without_an_incident_validates_too(write) -> None:
    path = write("app.log", "".join(f"2026-11-23T10:{m:02d}:00Z INFO request served\n" for m in range(30)))
    result = run(["analyze", path, "--json"])
    assert result.exit_code == 0
    jsonschema.validate(json.loads(result.stdout), _schema())


def test_terminal_report_matches_the_golden_file(monkeypatch) -> None:
    # run from the repository root with a relative path: the report wraps lines that
    # start with the source path, so an absolute path would tie the wrapping to the clone's location
    monkeypatch.chdir(ROOT)
    result = run(["analyze", "sample_logs/checkout-outage"], columns=80)
    assert result.exit_code == 0
    text = result.stdout
    golden = GOLDEN / "analyze-checkout-outage.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()
    assert all(len(line) <= 80 for line in text.splitlines())


def test_log_text_in_the_report_is_escaped(write) -> None:
    lines = [f"2026-11-23T10:{m:02d}:00Z INFO request served\n" for m in range(20)]
    lines += [f"2026-11-23T10:{m:02d}:30Z ERROR \x1b[31mboom[/red] [bold]x\n" for m in range(12, 20)]
    result = run(["analyze", write("app.log", "".join(lines))])
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout
    assert "\\x1b[31mboom[/red]" in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--bucket", "soon"], 2, "--bucket must be a positive duration"),
        (["--incident-start", "not a time"], 2, "--incident-start"),
    ],
)
def test_bad_flags_are_usage_errors(args: list[str], code: int, message: str) -> None:
    result = run(["analyze", str(SAMPLE / "checkout-outage"), *args])
    assert result.exit_code == code
    assert message in result.stderr


def test_logs_without_timestamps_are_an_input_error(write) -> None:
    result = run(["analyze", write("plain.txt", "hello\nworld\n")])
    assert result.exit_code == 3
    assert "no record has a readable timestamp" in result.stderr


# the bundled scenarios: each names its true root first (sample_logs/README.md gives the truth)

SCENARIOS = [
    ("checkout-outage", "payments"),
    ("quiet-worker", "billing-worker"),
    ("noisy-neighbour", "auth"),
    ("slow-ledger", "ledger"),  # the root only slows down: the numbers inside its INFO lines
    ("stuck-consumer", "fulfilment-worker"),  # the root goes partly quiet; a deploy elsewhere is a red herring
]


@pytest.mark.parametrize(("scenario", "root"), SCENARIOS)
def test_each_sample_scenario_names_its_true_root_first(scenario: str, root: str) -> None:
    analysis = analyze([str(SAMPLE / scenario)])
    assert analysis.root_causes[0].service == root


def test_merged_syslog_has_the_resolver_in_its_top_two() -> None:
    # The resolver stops answering and the API stops connecting within 0.1 s on one host, and no
    # line names the resolver: only knowing that EAI_AGAIN is a DNS error orders them.
    analysis = analyze([str(SAMPLE / "merged-syslog.log")])
    assert "unbound" in [c.service for c in analysis.root_causes[:2]]


def test_a_latency_only_root_is_dated_and_explained_by_the_numbers_in_its_lines() -> None:
    cause = analyze([str(SAMPLE / "slow-ledger")]).root_causes[0]
    assert cause.change.kind == "shifted" and "duration rose" in cause.change.describe()
    assert abs((cause.onset - datetime(2026, 11, 24, 15, 14, 10, tzinfo=UTC)).total_seconds()) < 5
    assert [e.service for e in cause.explains][:1] == ["payments"] and "names" in cause.explains[0].evidence
    assert "report-exporter" not in [c.service for c in analyze([str(SAMPLE / "slow-ledger")]).root_causes[:2]]


def test_a_partly_quiet_root_is_dated_by_the_statements_that_stopped() -> None:
    analysis = analyze([str(SAMPLE / "stuck-consumer")])
    cause = analysis.root_causes[0]
    kinds = {d.kind for d in cause.departures}
    assert {"stopped", "shifted"} <= kinds  # job lines stopped, the queue depth rose; GC lines went on
    assert abs((cause.onset - datetime(2026, 11, 25, 7, 47, 40, tzinfo=UTC)).total_seconds()) < 5
    assert cause.chain[:2] == ("fulfilment-worker", "api")
    assert "search" not in [c.service for c in analysis.root_causes[:2]]  # its deploy was routine


def test_analysis_json_round_trips_and_carries_the_timeline() -> None:
    analysis = analyze([str(SAMPLE / "checkout-outage")])
    data = json.loads(json.dumps(analysis.to_dict()))
    assert Analysis.from_dict(data).to_dict() == data  # rates are rounded in JSON, so compare as JSON
    timeline = analysis.timeline
    assert timeline is not None and timeline.bucket_s == 15.0
    payments = next(s for s in timeline.services if s.service == "payments")
    assert sum(payments.lines) == sum(s.lines for s in analysis.input.sources if s.source.endswith("payments.jsonl"))
    assert len(analysis.root_causes[0].series) == len(payments.lines)
    assert sum(analysis.root_causes[0].series) == analysis.root_causes[0].change.count_after
    with pytest.raises(ValueError, match="schema_version"):
        Analysis.from_dict({**data, "schema_version": 99})


WORKER_START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _worker_and_api(folder, worker_at, api_at) -> tuple[RootCause, ...]:  # type: ignore[no-untyped-def]
    """Thirty minutes of a worker and the api that calls it, one second at a time from
    ``WORKER_START``, written to ``folder``: ``worker_at(s, t, stamp)`` gives the worker's lines
    of second ``s`` (at ``t``; ``stamp`` is its text to the second), ``api_at(s, t, stamp)`` the
    api's one line. Returns the root causes ``analyze`` finds there."""
    worker, api = [], []
    for s in range(30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S")
        worker += worker_at(s, t, stamp)
        api.append(api_at(s, t, stamp))
    (folder / "worker.log").write_text("\n".join(worker) + "\n")
    (folder / "api.log").write_text("\n".join(api) + "\n")
    return analyze([str(folder)]).root_causes


def _crash_loop_restarts(folder, every: int, down_s: int, times: int, startup: list[str]):  # type: ignore[no-untyped-def]
    """The worker serves steadily, then from 10:15 ``times`` times goes quiet for ``down_s`` s and
    starts again ``every`` s after the last start, saying ``startup`` (lines after a ``.mmmZ``
    stamp's fraction; ``{pid}`` is filled); its caller's calls fail while it is down. Returns
    the quiet spans and the worker's ``restarted`` departures."""
    quiet = [(WORKER_START + timedelta(minutes=15, seconds=every * k), WORKER_START + timedelta(minutes=15, seconds=every * k + down_s))
             for k in range(times)]

    def down(t: datetime) -> bool:
        return any(a <= t < b for a, b in quiet)

    def worker_at(s: int, t: datetime, stamp: str) -> list[str]:
        lines = []
        if any(t == b for _, b in quiet):
            lines += [f"{stamp}.{line.format(pid=100 + s)}" for line in startup]
        if not down(t):
            lines.append(f"{stamp}.500Z INFO handled job {s} request_id=r{s}")
        return lines

    causes = {c.service: c for c in _worker_and_api(
        folder, worker_at,
        lambda s, t, stamp: f"{stamp}.600Z {'ERROR call to worker failed: connection refused' if down(t) else f'INFO order {s} placed'}",
    )}
    return quiet, [d for d in causes["worker"].departures if d.kind == "restarted"]


def test_a_crash_loop_is_seen_by_its_startup_lines_said_once_per_start(tmp_path) -> None:
    # The worker serves steadily, then crash-loops: six times it goes quiet for 40 s and starts
    # again with the same three startup lines, so each is said six times, never twice in a burst.
    quiet, restarts = _crash_loop_restarts(tmp_path, 60, 40, 6, [
        "100Z INFO worker v1.4.2 starting (pid {pid})", "400Z INFO connected to postgres", "700Z INFO listening on :8080"])
    assert restarts and "restarted 6 time(s)" in restarts[0].description
    # Dated when it went down (its lines paused, its caller's calls began to fail), not at its banner.
    assert abs((restarts[0].onset - quiet[0][0]).total_seconds()) < 2


def test_a_crash_loop_restarting_every_twenty_five_seconds_is_seen(tmp_path) -> None:
    # Back-off has not grown yet: eight times the worker is down for 15 s and starts again,
    # its two startup lines (as Node's servers say) 25 s apart from one start to the next.
    quiet, restarts = _crash_loop_restarts(tmp_path, 25, 15, 8, [
        "100Z INFO worker@1.4.2 starting (node v20.11.1, NODE_ENV=production)", "700Z INFO Server listening at http://0.0.0.0:3000"])
    # Starts this close together make one burst of startup lines: one restart, at the first start.
    assert restarts and quiet[0][0] - timedelta(seconds=1) <= restarts[0].onset <= quiet[0][1] + timedelta(seconds=1)


def test_replicas_sharing_a_file_that_die_and_start_again_are_seen_restarting(tmp_path) -> None:
    # Two replicas of a Go worker write to one file with no pod name, and one always serves: no
    # pause shows. From 10:15 each runs out of memory every 45 s, the other 5 s later; the Go
    # runtime writes its report with no header, and 3 s later the replica says its startup lines.
    crashes = [15 * 60 + 45 * k + 5 * r for k in range(6) for r in range(2)]

    def worker_at(s: int, t: datetime, stamp: str) -> list[str]:
        lines = [f"{stamp}.200Z INFO handled job {s} request_id=r{s}"]
        if s in crashes:
            lines += ["fatal error: runtime: out of memory", "", "runtime stack:", "runtime.throw({0x1a2b3c4?, 0x1000?})"]
        if s - 3 in crashes:
            lines += [f"{stamp}.{line}" for line in
                      (f"400Z INFO worker v1.4.2 starting (pid {100 + s})", "500Z INFO connected to postgres", "700Z INFO listening on :8080")]
        return lines

    def api_at(s: int, t: datetime, stamp: str) -> str:
        failing = any(0 <= s - c < 3 for c in crashes)
        return f"{stamp}.600Z {'ERROR call to worker failed: connection refused' if failing else f'INFO order {s} placed'}"

    causes = {c.service: c for c in _worker_and_api(tmp_path, worker_at, api_at)}
    kinds = {d.kind for d in causes["worker"].departures}
    assert "restarted" in kinds
    first = min(d.onset for d in causes["worker"].departures if d.kind == "restarted")
    assert abs((first - (WORKER_START + timedelta(seconds=crashes[0]))).total_seconds()) < 2


def test_a_server_refusing_sessions_with_fatal_lines_has_not_restarted(tmp_path) -> None:
    # A database says FATAL of each session it refuses (``too many clients``), a hundred times,
    # and lives on; new statements said once after one of them are no restart.
    def worker_at(s: int, t: datetime, stamp: str) -> list[str]:
        lines = [f"{stamp}.200Z INFO checkpoint complete: wrote {s % 40} buffers request_id=r{s}"]
        if s >= 15 * 60 and s % 2 == 0:
            lines.append(f"{stamp}.300Z FATAL sorry, too many clients already")
        if s == 15 * 60 + 10:
            lines += [f"{stamp}.400Z INFO vacuum of table orders took 3685.1 ms", f"{stamp}.500Z INFO index scan on carts took 2012.4 ms"]
        return lines

    causes = {c.service: c for c in _worker_and_api(
        tmp_path, worker_at, lambda s, t, stamp: _api_calling_worker(s >= 15 * 60 and s % 2 == 0, s, stamp))}
    assert not any(d.kind == "restarted" for d in causes["worker"].departures)


def _api_calling_worker(failing: bool, s: int, stamp: str) -> str:
    """The api's line: an order placed through the worker (naming it), or one failed with a 503
    that names no one."""
    return f"{stamp}.600Z {'ERROR order failed: upstream returned 503' if failing else f'INFO order {s} placed: POST http://worker:8080/jobs 200'}"


def test_a_scheduled_jobs_error_runs_since_the_logs_began_neither_start_the_incident_nor_cause_it(tmp_path) -> None:
    # A CronJob runs every five minutes from 10:04, a new pod each run starting up, each run
    # failing a few records with one of its usual reasons: its first run, four minutes into the
    # logs, brings errors never seen before, and each run is a start (no restart). The worker
    # fails at 10:18 and its caller's errors name it.
    failure = WORKER_START + timedelta(minutes=18)

    def worker_at(s: int, t: datetime, stamp: str) -> list[str]:
        if t >= failure and s % 2:
            return [f"{stamp}.500Z ERROR job {s} failed: deadlock detected request_id=r{s}"]
        return [f"{stamp}.500Z INFO handled job {s} request_id=r{s}"]

    reasons = ["currency conversion rate missing for HUF", "amount mismatch: ledger=120.50 provider=120.05",
               'duplicate key value violates unique constraint "uq_invoice_ref"', "provider returned 404 for settlement batch"]
    runs = []
    for run in range(6):
        begin = WORKER_START + timedelta(minutes=4 + 5 * run, seconds=1)
        lines = [f"{begin:%Y-%m-%dT%H:%M:%S}.241Z INFO Starting job reconcile",
                 f"{begin:%Y-%m-%dT%H:%M:%S}.420Z INFO connected to postgres",
                 f"{begin:%Y-%m-%dT%H:%M:%S}.610Z INFO loaded 4 reconcile rules"]
        for k in range(8 + 2 * run):
            at = begin + timedelta(seconds=2, milliseconds=150 * k)
            lines.append(f"{at:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + f"Z ERROR Failed to reconcile INV-{run}{k:04d}: {reasons[(run + k * k) % (1 + min(run, 3))]}")
        lines.append(f"{begin + timedelta(seconds=9):%Y-%m-%dT%H:%M:%S}.500Z INFO Job reconcile finished")
        (tmp_path / f"reconcile-2841442{run}-gwdm{'bcdfgh'[run]}.log").write_text("\n".join(lines) + "\n")
        runs += lines
    # The same runs collected into one file (a collector's, per workload): each run still a start.
    collected = tmp_path / "collected"
    collected.mkdir()
    (collected / "reconcile.log").write_text("\n".join(runs) + "\n")
    alone = analyze([str(collected)]).root_causes
    assert not [d for cause in alone for d in cause.departures if d.kind == "restarted"]

    def api_at(s: int, t: datetime, stamp: str) -> str:
        return _api_calling_worker(t >= failure and s % 2 == 1, s, stamp)

    (collected / "reconcile.log").unlink()
    collected.rmdir()
    causes = _worker_and_api(tmp_path, worker_at, api_at)
    assert causes[0].service == "worker"
    assert abs((causes[0].onset - failure).total_seconds()) < 2
    assert "reconcile" not in [cause.service for cause in causes]


@pytest.mark.parametrize(("api_error", "root"), [
    ("request {s} failed: context deadline exceeded", "worker"),
    ("request {s} failed: java.lang.IllegalStateException: cart total is negative", "api"),
])
def test_a_caller_whose_errors_say_its_calls_failed_is_explained_by_a_callee_no_log_ties_to_it(
    tmp_path, api_error: str, root: str
) -> None:
    # From 10:15 the worker fails every other job with an error of its own, and the api fails
    # every request, naming no one: nothing in the logs says the api calls the worker. Where the
    # api's errors say its calls timed out, a callee's trouble reached it, and the worker, which
    # departed with it, is the likelier root however much louder the api is; where they are its
    # own (a bug), the api is.
    failure = WORKER_START + timedelta(minutes=15)

    def worker_at(s: int, t: datetime, stamp: str) -> list[str]:
        if t >= failure and s % 2:
            return [f"{stamp}.300Z ERROR job {s} failed: invalid state transition PAID -> PENDING"]
        return [f"{stamp}.300Z INFO handled job {s}"]

    def api_at(s: int, t: datetime, stamp: str) -> str:
        return f"{stamp}.700Z " + (f"ERROR {api_error.format(s=s)}" if t >= failure else f"INFO request {s} ok in 12ms")

    causes = _worker_and_api(tmp_path, worker_at, api_at)
    assert causes[0].service == root
    assert {c.service for c in causes[:2]} == {"worker", "api"}


@pytest.mark.parametrize(("waits_after_s", "root"), [(15, "worker"), (300, "api")])
def test_a_caller_whose_requests_only_slowed_is_explained_by_a_callee_in_trouble_of_its_own(
    tmp_path, waits_after_s: int, root: str
) -> None:
    # From 10:15 the api's requests take 30 times longer, and nothing in the logs says it calls
    # the worker, a database whose statements wait on a lock. The database says so only once a
    # wait passes its lock timeout: 15 s after the api's durations grew, it is what the api waited
    # on; five minutes after, it is another story, and the api, slow of itself, is the root.
    failure = WORKER_START + timedelta(minutes=15)

    def worker_at(s: int, t: datetime, stamp: str) -> list[str]:
        lines = [f"{stamp}.300Z LOG:  connection authorized: user=app database=shop"]
        if t >= failure + timedelta(seconds=waits_after_s) and s % 2:
            lines.append(f"{stamp}.600Z ERROR:  canceling statement due to lock timeout")
        return lines

    def api_at(s: int, t: datetime, stamp: str) -> str:
        took = 380 + (s * 37) % 300 if t >= failure else 12 + s % 5
        return f"{stamp}.700Z INFO request {s} completed in {took} ms"

    causes = _worker_and_api(tmp_path, worker_at, api_at)
    assert causes[0].service == root
    assert {c.service for c in causes[:2]} == {"worker", "api"}


def test_a_bad_deploy_is_dated_by_its_restart_not_by_the_errors_after_it(tmp_path) -> None:
    # The worker restarts at 10:15:00 (its caller, which names it in its normal lines, sees 503s
    # at once) and, once up, fails a third of its requests with a new exception: its restart,
    # however weak in G, dates it before its caller.
    deploy = WORKER_START + timedelta(minutes=15)

    def worker_at(s: int, t: datetime, stamp: str) -> list[str]:
        lines = []
        if t == deploy:
            lines += [f"{stamp}.100Z INFO graceful shutdown complete", f"{stamp}.400Z INFO worker v2.0.0 starting",
                      f"{stamp}.700Z INFO connected to postgres", f"{stamp}.900Z INFO listening on :8080"]
        if t < deploy or (t >= deploy + timedelta(seconds=20) and s % 3):
            lines.append(f"{stamp}.500Z INFO handled job {s} request_id=r{s}")
        elif t >= deploy + timedelta(seconds=35):
            lines.append(f"{stamp}.500Z ERROR job {s} failed: IndexOutOfBoundsException: Index 0 out of bounds request_id=r{s}")
        return lines

    def api_at(s: int, t: datetime, stamp: str) -> str:
        failing = deploy < t < deploy + timedelta(seconds=20) or (t >= deploy + timedelta(seconds=35) and not s % 3)
        return _api_calling_worker(failing, s, stamp)

    causes = _worker_and_api(tmp_path, worker_at, api_at)
    assert causes[0].service == "worker"
    assert abs((causes[0].onset - deploy).total_seconds()) < 2


def test_a_rolling_deploy_whose_new_pods_fail_on_the_database_blames_the_deploy(tmp_path) -> None:
    # The worker's pods log one file each. At 10:15 a new pod starts in a file of its own (the
    # old pod serves on until 10:15:20) and from 10:15:30 fails a third of its requests on a query
    # its new version gets wrong; the errors name the database, whose slow-query lines had just
    # grown a little fewer. The new pod's start is a restart, and it, not the database, is the cause.
    deploy = WORKER_START + timedelta(minutes=15)
    old, new, db, api = [], [], [], []
    for s in range(30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S")
        if t < deploy + timedelta(seconds=20):
            old.append(f"{stamp}.500Z INFO handled job {s} request_id=r{s}")
        if t == deploy:
            new += [f"{stamp}.{line}" for line in ("100Z INFO worker v2.0.0 starting", "400Z INFO connected to db:5432",
                                                   "700Z INFO listening on :8080")]
        failing = t >= deploy + timedelta(seconds=30) and s % 3 == 0
        if t >= deploy + timedelta(seconds=20):
            new.append(f"{stamp}.500Z ERROR job {s} failed: ERROR: column \"ref\" does not exist (db:5432) request_id=r{s}" if failing
                       else f"{stamp}.500Z INFO handled job {s} request_id=r{s}")
        if s % (20 if t < deploy - timedelta(minutes=2) else 40) == 0:
            db.append(f"{stamp}.200Z LOG:  duration: {1000 + s % 7 * 100}.5 ms  statement: SELECT * FROM jobs WHERE id = {s}")
        if s % 60 == 30:
            db.append(f"{stamp}.300Z LOG:  checkpoint complete: wrote {s % 50} buffers")
        api.append(_api_calling_worker(failing, s, stamp))
    for name, lines in (("worker-7d9f8b6c5-bcdfg.log", old), ("worker-5b6c7d8f9-hjklm.log", new), ("db.log", db), ("api.log", api)):
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    causes = analyze([str(tmp_path)]).root_causes
    assert causes[0].service == "worker"
    assert any(d.kind == "restarted" and abs((d.onset - deploy).total_seconds()) < 2 for d in causes[0].departures)


def test_the_next_file_of_a_rotated_log_is_no_new_pod(tmp_path) -> None:
    # The worker's log rotates at 10:15: worker.log.1 ends as worker.log begins, and the new file
    # happens to open with three statements said nowhere else. No pod started beside the others.
    rotate = WORKER_START + timedelta(minutes=15)
    old, new, api = [], [], []
    for s in range(30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S")
        (old if t < rotate else new).append(f"{stamp}.500Z INFO handled job {s} request_id=r{s}")
        if t == rotate:
            new += [f"{stamp}.{line}" for line in ("600Z INFO cache warmed in 12 ms", "700Z INFO quota refreshed for tenant acme",
                                                   "800Z INFO feature flags reloaded (14 flags)")]
        api.append(_api_calling_worker(s % 97 == 0 and t > rotate, s, stamp))
    for name, lines in (("worker.log.1", old), ("worker.log", new), ("api.log", api)):
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    for cause in analyze([str(tmp_path)]).root_causes:
        assert not any(d.kind == "restarted" for d in cause.departures)


def test_a_service_that_goes_quiet_just_before_its_callers_fail_is_their_cause(tmp_path) -> None:
    # The worker dies at 10:15:00 (no line after it, heartbeats included); its caller's errors
    # start 3 s later, within clock skew: a caller's trouble does not silence a whole service.
    death = WORKER_START + timedelta(minutes=15)

    def worker_at(s: int, t: datetime, stamp: str) -> list[str]:
        if t >= death:
            return []
        return [f"{stamp}.500Z INFO handled job {s} request_id=r{s}", *([f"{stamp}.900Z INFO heartbeat ok"] if s % 10 == 0 else [])]

    causes = _worker_and_api(tmp_path, worker_at, lambda s, t, stamp: _api_calling_worker(t >= death + timedelta(seconds=3), s, stamp))
    assert [c.service for c in causes][:1] == ["worker"]


def test_a_leaking_callee_explains_callers_that_fail_when_it_crashes_minutes_later() -> None:
    # The worker's heap climbs from 10:05 (its first departure); at 10:25 it crashes and its
    # caller's errors begin. Its first departure is twenty minutes before the caller's, but its
    # crash is just before it: that is the departure the caller felt.
    from rca.ranking.rank import effect_graph

    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    candidates = pl.DataFrame({
        "service": ["api", "worker"],
        "onset": [at + timedelta(minutes=25, seconds=2), at + timedelta(minutes=5)],
        "rising": [True, True], "falling": [False, False], "slower": [False, True],
        "kinds": [["new"], ["new", "shifted"]],
        "onsets": [[at + timedelta(minutes=25, seconds=2)], [at + timedelta(minutes=5), at + timedelta(minutes=25)]],
        "rise_onsets": [[at + timedelta(minutes=25, seconds=2)], [at + timedelta(minutes=5), at + timedelta(minutes=25)]],
    })
    calls = nx.DiGraph([("api", "worker")])
    named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
    graph = effect_graph(candidates, calls, named)
    assert graph.has_edge("worker", "api") and graph.edges["worker", "api"]["lag_s"] == 2.0
    # Without the crash, a heap that climbed twenty minutes earlier explains nothing.
    alone = effect_graph(candidates.with_columns(onsets=pl.Series([[at + timedelta(minutes=25, seconds=2)],
                                                                    [at + timedelta(minutes=5)]])), calls, named)
    assert not alone.has_edge("worker", "api")


def test_a_callee_whose_new_lines_come_minutes_after_its_caller_slowed_did_not_slow_it() -> None:
    # The referrals service's requests take longer from 22:10:32; its callee the prescriptions
    # service logs new errors of its own (declined payments) from 22:12:12, a hundred seconds
    # later. A callee's slow-query warnings may come a little after its callers' durations grow,
    # not minutes after: those errors did not slow referrals.
    from rca.ranking.rank import SLOW_LAG_S, effect_graph

    slowed = datetime(2026, 7, 23, 22, 10, 32, tzinfo=UTC)

    def candidates(callee_after_s: float, callee_slower: bool) -> pl.DataFrame:
        said = slowed + timedelta(seconds=callee_after_s)
        return pl.DataFrame({
            "service": ["prescriptions", "referrals"],
            "onset": [said, slowed],
            "rising": [True, False], "falling": [False, False], "slower": [callee_slower, True],
            "kinds": [["new"], ["shifted"]],
            "onsets": [[said], [slowed]], "rise_onsets": [[said], [slowed]],
        })

    calls = nx.DiGraph([("referrals", "prescriptions")])
    named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
    assert not effect_graph(candidates(100.0, False), calls, named).has_edge("prescriptions", "referrals")
    # Its warnings a little after the caller slowed, or its own durations growing (logged when
    # each slow request ends), still explain the caller.
    assert effect_graph(candidates(SLOW_LAG_S - 5.0, False), calls, named).has_edge("prescriptions", "referrals")
    assert effect_graph(candidates(100.0, True), calls, named).has_edge("prescriptions", "referrals")


def test_an_edge_that_went_quiet_explains_the_callee_that_lost_its_traffic() -> None:
    # web-edge's certificate expired: no client reaches it and it logs nothing from 04:34:35; the
    # orders service behind it logs fewer requests from then on (its periodic lines go on). The
    # edge's silence explains the callee's fall, as a failing caller's would.
    from rca.ranking.rank import effect_graph

    at = datetime(2026, 7, 2, 4, 34, 35, tzinfo=UTC)
    candidates = pl.DataFrame({
        "service": ["orders", "web-edge"],
        "onset": [at - timedelta(seconds=2), at],
        "rising": [False, False], "falling": [True, True], "slower": [False, False],
        "kinds": [["stopped"], ["silent"]],
        "onsets": [[at - timedelta(seconds=2)], [at]], "rise_onsets": [[], []],
    })
    calls = nx.DiGraph([("web-edge", "orders")])
    named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
    assert effect_graph(candidates, calls, named).has_edge("web-edge", "orders")
    # A callee that went quiet altogether did not just lose its traffic: nothing ties the two.
    both = candidates.with_columns(kinds=pl.Series([["silent"], ["silent"]]))
    assert effect_graph(both, calls, named).number_of_edges() == 0


def test_a_callee_named_in_a_few_of_a_callers_errors_explains_a_few_of_them() -> None:
    # The edge's errors name the crashing reports service in 132 more lines than before, and an
    # assets service with a small bug of its own in 38: both explain the edge, reports most.
    from rca.ranking.rank import effect_graph

    at = datetime(2026, 3, 19, 15, 52, tzinfo=UTC)
    candidates = pl.DataFrame({
        "service": ["assets", "edge", "reports"],
        "onset": [at + timedelta(seconds=50), at + timedelta(seconds=1), at],
        "rising": [True, True, True], "falling": [False, False, False], "slower": [False, False, False],
        "kinds": [["new"], ["new"], ["new"]],
        "onsets": [[at + timedelta(seconds=50)], [at + timedelta(seconds=1)], [at]],
        "rise_onsets": [[at + timedelta(seconds=50)], [at + timedelta(seconds=1)], [at]],
    })
    calls = nx.DiGraph([("edge", "assets"), ("edge", "reports")])
    named = pl.DataFrame({
        "caller": ["edge", "edge"], "callee": ["assets", "reports"], "before": [0.0, 2.0], "after": [38.0, 134.0],
        "rate_before": [0.0, 0.002], "rate_after": [0.1, 0.35], "g": [10.4, 35.9], "how": ["errors", "errors"],
    })
    graph = effect_graph(candidates, calls, named)
    assert graph.edges["reports", "edge"]["strength"] == 1.0
    assert 0.25 < graph.edges["assets", "edge"]["strength"] < 0.35
    # Blame without counts (or by slowed calls) counts whole.
    whole = effect_graph(candidates, calls, named.select("caller", "callee", "g"))
    assert whole.edges["assets", "edge"]["strength"] == 1.0


def test_a_callee_blamed_for_a_bug_minutes_before_its_callers_trouble_did_not_start_it() -> None:
    # The db proxy's own bug began at 10:27 and its callers' errors have named it since; at 10:32
    # the warehouse's bad deploy makes it fail on its own. The proxy explains the warehouse only
    # if one of its departures came at most two minutes before the warehouse's.
    from rca.ranking.rank import effect_graph

    bug, deploy = datetime(2026, 2, 9, 10, 27, tzinfo=UTC), datetime(2026, 2, 9, 10, 32, tzinfo=UTC)
    candidates = pl.DataFrame({
        "service": ["proxy", "warehouse"],
        "onset": [bug, deploy],
        "rising": [True, True], "falling": [False, False], "slower": [False, False],
        "kinds": [["blamed", "new"], ["new"]],
        "onsets": [[bug, bug + timedelta(seconds=20)], [deploy]],
        "rise_onsets": [[bug, bug + timedelta(seconds=20)], [deploy]],
    })
    calls = nx.DiGraph([("warehouse", "proxy")])
    named = pl.DataFrame({"caller": ["warehouse"], "callee": ["proxy"], "g": [300.0]})
    assert not effect_graph(candidates, calls, named).has_edge("proxy", "warehouse")
    # A crash of the proxy a minute before the warehouse's errors: that one it felt.
    crashed = candidates.with_columns(onsets=pl.Series([[bug, deploy - timedelta(seconds=60)], [deploy]]))
    assert effect_graph(crashed, calls, named).has_edge("proxy", "warehouse")


def test_callers_blame_clearer_than_a_services_own_departures_dates_it() -> None:
    # Callers' errors name the service from 04:16:30; its own durations shift only at 04:32,
    # much less clearly. It departed when its callers noticed, not sixteen minutes later.
    from rca.ranking.rank import service_candidates

    at = datetime(2026, 8, 13, 4, 16, 30, tzinfo=UTC)
    departures = pl.DataFrame({
        "service": ["api", "api"], "kind": ["blamed", "shifted"], "scope": ["named", "parameter"],
        "g": [1823.0, 391.9], "onset": [at, at + timedelta(minutes=16)], "onset_bucket": [10, 26],
    })
    assert service_candidates(departures).row(0, named=True)["onset"] == at
    # Blame weaker than its own departure dates it no more than before.
    weaker = departures.with_columns(g=pl.Series([200.0, 391.9]))
    assert service_candidates(weaker).row(0, named=True)["onset"] == at + timedelta(minutes=16)


def test_a_service_is_slower_when_any_clear_departure_of_its_is_slower_not_only_its_evidence() -> None:
    # The app's requests slow down at 08:20:19 (a duration shift), then its new error lines come
    # at 08:20:38, clearer: they are its evidence, but it has still slowed, and a slow callee
    # explains it (a caller waits for its callee).
    from rca.ranking.rank import effect_graph, service_candidates

    at = datetime(2025, 3, 17, 8, 20, 19, tzinfo=UTC)
    departures = pl.DataFrame({
        "service": ["ledger", "ledger", "db"], "kind": ["new", "shifted", "new"],
        "scope": ["statement", "parameter", "statement"], "g": [596.0, 277.0, 16565.0],
        "onset": [at + timedelta(seconds=19), at, at + timedelta(seconds=17)], "onset_bucket": [41, 40, 41],
        "slower": [None, True, None],
    })
    candidates = service_candidates(departures)
    assert dict(zip(candidates["service"], candidates["slower"], strict=True)) == {"db": False, "ledger": True}
    named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
    assert effect_graph(candidates, nx.DiGraph([("ledger", "db")]), named).has_edge("db", "ledger")


def test_a_process_that_died_before_its_clearest_departure_is_dated_by_its_death() -> None:
    # A database's disk fills: it panics at 00:03:46 and again and again after; its clearest
    # departure is a slow statement that stops twenty minutes on. Its first FATAL line dates it.
    from rca.ranking.rank import service_candidates

    at = datetime(2025, 4, 2, 0, 3, 46, tzinfo=UTC)
    departures = pl.DataFrame({
        "service": ["pg", "pg"], "kind": ["stopped", "new"], "scope": ["statement", "fatal"],
        "g": [55.9, 25.0], "onset": [at + timedelta(minutes=20), at], "onset_bucket": [50, 10],
    })
    start = at - timedelta(seconds=16)
    assert service_candidates(departures, start=start).row(0, named=True)["onset"] == at
    # A weaker line of another kind so long before is another story; and so is a death before
    # the incident began (a service that panics now and then).
    other = departures.with_columns(scope=pl.Series(["statement", "statement"]))
    assert service_candidates(other, start=start).row(0, named=True)["onset"] == at + timedelta(minutes=20)
    later = at + timedelta(minutes=5)
    assert service_candidates(departures, start=later).row(0, named=True)["onset"] == at + timedelta(minutes=20)


def test_a_services_own_departure_far_less_clear_than_its_blame_does_not_anchor_it() -> None:
    # A crash loop: callers name the service in two thousand errors from 22:36:18, its first OOM
    # line is 22:36:10; a number in its runtime stats drifted twenty minutes earlier. The drift
    # is its clearest own departure, but far less clear than the blame: the blame anchors it.
    from rca.ranking.rank import service_candidates

    at = datetime(2026, 7, 19, 22, 36, 18, tzinfo=UTC)
    departures = pl.DataFrame({
        "service": ["token"] * 3, "kind": ["blamed", "shifted", "new"], "scope": ["named", "parameter", "statement"],
        "g": [629.3, 52.4, 34.3], "onset": [at, at - timedelta(minutes=20), at - timedelta(seconds=8)],
        "onset_bucket": [72, 32, 72],
    })
    assert service_candidates(departures).row(0, named=True)["onset"] == at - timedelta(seconds=8)
    # Own lines about as clear as a quarter of the blame anchor it as before.
    clear = departures.with_columns(g=pl.Series([629.3, 200.0, 34.3]))
    assert service_candidates(clear).row(0, named=True)["onset"] == at - timedelta(minutes=20)


def test_a_callees_slight_departure_before_its_callers_large_one_explains_it_in_part() -> None:
    # The pool proxy panics now and then from 18:19; at 18:20 its caller's disk fills and its
    # writes fail. Only their order in time ties them (no error names the proxy): the proxy's
    # slight departure explains the caller's large one in proportion.
    from rca.ranking.rank import effect_graph

    at = datetime(2026, 10, 5, 18, 19, tzinfo=UTC)
    later = at + timedelta(seconds=86)
    candidates = pl.DataFrame({
        "service": ["proxy", "session"], "onset": [at, later], "departure": [0.32, 0.8],
        "rising": [True, True], "falling": [False, False], "slower": [False, False],
        "kinds": [["new"], ["new"]], "onsets": [[at], [later]], "rise_onsets": [[at], [later]],
    })
    calls = nx.DiGraph([("session", "proxy")])
    named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
    assert effect_graph(candidates, calls, named).edges["proxy", "session"]["strength"] == pytest.approx(0.8 * 0.32 / 0.8)
    # A callee that departed as much as its caller explains it whole.
    equal = candidates.with_columns(departure=pl.Series([0.8, 0.8]))
    assert effect_graph(equal, calls, named).edges["proxy", "session"]["strength"] == 0.8


def test_a_services_own_new_errors_minutes_before_callers_name_it_date_it() -> None:
    # It fails at start-up over and over from 06:51:40 ("Application run failed", a few lines);
    # its callers' retries hold until 07:00:09, when their errors start naming it. The blame
    # anchors it, and its own new errors before it date it.
    from rca.ranking.rank import service_candidates

    at = datetime(2026, 4, 22, 7, 0, 9, tzinfo=UTC)
    first = datetime(2026, 4, 22, 6, 51, 40, tzinfo=UTC)
    departures = pl.DataFrame({
        "service": ["geo"] * 3, "kind": ["blamed", "new", "shifted"], "scope": ["named", "errors", "parameter"],
        "g": [387.5, 13.1, 20.0], "onset": [at, first, at - timedelta(minutes=30)], "onset_bucket": [40, 23, 0],
    })
    assert service_candidates(departures).row(0, named=True)["onset"] == first
    # Not a number drifting long before, nor a new line that is no error: only the service's own
    # error lines rising, up to ten minutes before.
    early = departures.with_columns(onset=pl.Series([at, at - timedelta(minutes=11), at - timedelta(minutes=30)]))
    assert service_candidates(early).row(0, named=True)["onset"] == at
    warning = departures.with_columns(scope=pl.Series(["named", "statement", "parameter"]))
    assert service_candidates(warning).row(0, named=True)["onset"] == at


def test_a_callee_whose_requests_stop_as_its_caller_fails_does_not_explain_it_for_what_it_did_later() -> None:
    # The api cannot resolve the worker's name from 10:16:15: its errors start then, and the
    # worker's requests stop 3 s later (none reach it). Eight minutes on, a number in the
    # worker's runtime stats rises. The stop is the api's doing, the later rise another story:
    # the worker explains nothing. Had its requests stopped clearly first, it would.
    from rca.ranking.rank import effect_graph

    at = datetime(2026, 11, 23, 10, 16, 15, tzinfo=UTC)
    stop, rise = at + timedelta(seconds=3), at + timedelta(minutes=8)
    candidates = pl.DataFrame({
        "service": ["api", "worker"],
        "onset": [at, stop],
        "rising": [True, True], "falling": [False, True], "slower": [False, False],
        "kinds": [["new"], ["shifted", "stopped"]],
        "onsets": [[at], [stop, rise]],
        "rise_onsets": [[at], [rise]],
    })
    calls = nx.DiGraph([("api", "worker")])
    named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
    assert not effect_graph(candidates, calls, named).has_edge("worker", "api")
    early = at - timedelta(seconds=20)
    first = candidates.with_columns(onset=pl.Series([at, early]), onsets=pl.Series([[at], [early, rise]]))
    assert effect_graph(first, calls, named).edges["worker", "api"]["lag_s"] == 20.0


def test_a_departure_minutes_after_a_services_own_does_not_change_how_it_took_part() -> None:
    # The cart's statements stop at 07:16 (it lost its caller's traffic); twenty-three minutes
    # later a connection warning is new. That warning is another story: the cart only fell.
    from rca.ranking.rank import service_candidates

    at = datetime(2026, 3, 17, 7, 16, tzinfo=UTC)
    departures = pl.DataFrame({
        "service": ["cart", "cart", "cart"],
        "kind": ["stopped", "stopped", "new"],
        "scope": ["statement"] * 3,
        "g": [30.2, 29.7, 10.5],
        "onset": [at + timedelta(seconds=26), at + timedelta(seconds=10), at + timedelta(minutes=23)],
        "onset_bucket": [64, 64, 156],
    })
    row = service_candidates(departures).row(0, named=True)
    assert row["falling"] and not row["rising"]
    assert row["onset"] == at + timedelta(seconds=10)


def test_of_departures_about_as_clear_as_the_clearest_the_first_anchors_the_onset() -> None:
    # A hung service: its queries and cache lookups stop at once; the requests it accepts go on
    # for three minutes until its threads are all taken, and their stop is a little clearer.
    from rca.ranking.rank import service_candidates

    at = datetime(2026, 3, 17, 23, 39, 29, tzinfo=UTC)
    departures = pl.DataFrame({
        "service": ["fx"] * 3,
        "kind": ["stopped"] * 3,
        "scope": ["statement"] * 3,
        "g": [238.1, 200.1, 145.4],
        "onset": [at + timedelta(seconds=205), at + timedelta(seconds=3), at],
        "onset_bucket": [47, 40, 40],
    })
    assert service_candidates(departures).row(0, named=True)["onset"] == at


def _rolling_deploy_that_cannot_reach_its_callee(folder, fails_after_s: int = 0) -> datetime:  # type: ignore[no-untyped-def]
    """``shop`` runs two pods, one file each, calling ``ledger`` every 2 s; at 10:15 a rolling
    deploy restarts pod a, then a minute later pod b, and each new pod's calls fail
    (``fails_after_s`` after the deploy's last pod started, then on ledger's expired
    certificate, else at once: it cannot resolve ledger's name). ledger logs its entries steadily
    all along. Returns the deploy's start."""
    deploy = WORKER_START + timedelta(minutes=15)
    ledger = []
    for s in range(0, 30 * 60, 2):
        stamp = (WORKER_START + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S")
        ledger.append(f"{stamp}.300Z INFO entry {s} posted")
    for pod, restart in (("a", deploy), ("b", deploy + timedelta(seconds=60))):
        lines = []
        for s in range(0, 30 * 60, 2):
            t = WORKER_START + timedelta(seconds=s, milliseconds=500 if pod == "b" else 0)
            stamp = t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
            if restart <= t < restart + timedelta(seconds=2):
                lines += [f"{stamp}Z INFO graceful shutdown complete", f"{stamp}Z INFO shutdown hook finished"]
            elif restart + timedelta(seconds=20) <= t < restart + timedelta(seconds=22):
                lines += [f"{stamp}Z INFO shop v2.4.0 starting (pid 1)", f"{stamp}Z INFO config loaded from /etc/shop",
                          f"{stamp}Z INFO listening on :8080"]
            elif t < restart or restart + timedelta(seconds=22) <= t < deploy + timedelta(seconds=82 + fails_after_s) and fails_after_s:
                lines.append(f"{stamp}Z INFO GET http://ledger:8080/entries 200 in 5 ms request_id=r{s}{pod}")
            elif t >= restart + timedelta(seconds=22) and fails_after_s:
                lines.append(f"{stamp}Z ERROR call to ledger failed: SSLError(host='ledger', port=8443): certificate verify failed: "
                             f"certificate has expired request_id=r{s}{pod}")
            elif t >= restart + timedelta(seconds=22):
                lines.append(f"{stamp}Z ERROR call to ledger failed: lookup ledger.svc.cluster.local: no such host request_id=r{s}{pod}")
        (folder / f"shop-7d9f8b6c5d-{'x2k4p' if pod == 'a' else '9qzrw'}.log").write_text("\n".join(lines) + "\n")
    (folder / "ledger.log").write_text("\n".join(ledger) + "\n")
    return deploy


def test_calls_that_fail_minutes_after_a_deploy_blame_the_callee_not_the_deploy(tmp_path) -> None:
    # The same deploy, but its new pods call ledger well for minutes before the calls fail
    # on ledger's expired certificate: a new version that cannot reach what it calls fails on its
    # first calls, so this came of something else, and ledger is blamed.
    _rolling_deploy_that_cannot_reach_its_callee(tmp_path, fails_after_s=150)
    causes = analyze([str(tmp_path)]).root_causes
    assert causes[0].service == "ledger", [(c.service, c.departures) for c in causes]


def test_a_rolling_deploy_that_breaks_the_calls_is_the_cause_not_the_callee(tmp_path) -> None:
    # Each pod pauses while it restarts, though the other serves on: the restart is found in the
    # pod's own file. The new version's errors name ledger, but they began within minutes of
    # shop's deploy and ledger did nothing of its own: shop is the cause.
    deploy = _rolling_deploy_that_cannot_reach_its_callee(tmp_path)
    causes = analyze([str(tmp_path)]).root_causes
    assert causes[0].service == "shop", [(c.service, c.departures) for c in causes]
    restarts = [d for d in causes[0].departures if d.kind == "restarted"]
    # Dated by the pod's last request before its shutdown (its lines come every 2 s).
    assert restarts and abs((restarts[0].onset - deploy).total_seconds()) <= 2, causes[0].departures
    assert not any(d.kind == "blamed" for c in causes if c.service == "ledger" for d in c.departures)


@pytest.mark.parametrize("by_address", [False, True])
def test_a_caller_whose_calls_fail_while_another_caller_is_served_as_before_is_the_root(tmp_path, by_address) -> None:
    # At 10:15 api's calls to ledger start failing (a timeout set too short, no restart): it logs
    # an error naming ledger for each. web calls ledger all along, timing its calls, as fast as
    # ever; ledger logs its entries unchanged. web saw ledger serve: api's own setting is the
    # trouble, not ledger. Unless web reaches ledger at its address: then ledger's name may be
    # what is lost (a DNS record), and web cannot tell.
    change = WORKER_START + timedelta(minutes=15)
    api, web, ledger = [], [], []
    for s in range(30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S")
        ledger += [f"{stamp}.300Z INFO entry {s} posted", f"{stamp}.700Z INFO entry {s}b posted"]
        web.append(f"{stamp}.250Z INFO LedgerClient: GET http://10.0.3.7:8080/entries/{s} 200 in {60 + s % 7} ms" if by_address
                   else f"{stamp}.250Z INFO GET http://ledger:8080/entries/{s} 200 in {60 + s % 7} ms")
        if t < change:
            api.append(f"{stamp}.650Z INFO POST http://ledger:8080/entries 200 in {55 + s % 5} ms")
        else:
            api.append(f"{stamp}.650Z ERROR call to ledger failed: timeout after 50 ms (POST http://ledger:8080/entries)")
    for name, lines in (("api", api), ("web", web), ("ledger", ledger)):
        (tmp_path / f"{name}.log").write_text("\n".join(lines) + "\n")
    causes = analyze([str(tmp_path)]).root_causes
    assert causes[0].service == ("ledger" if by_address else "api")


def test_replicas_that_crash_loop_together_in_one_collected_file_are_seen_restarting(tmp_path) -> None:
    # Two pods of the worker, their records collected into one JSON file with their pod names,
    # crash-loop together: six times both go quiet for 40 s and start again 3 s apart, each saying
    # the same three startup lines, and serve again once ready, 5 s after the later one started.
    # Each startup line comes twice within seconds, but once per start of each pod.
    import json

    quiet = [(WORKER_START + timedelta(minutes=15, seconds=60 * k), WORKER_START + timedelta(minutes=15, seconds=60 * k + 40))
             for k in range(6)]

    def down(t: datetime) -> bool:
        return any(a <= t < b for a, b in quiet)

    def record(t: datetime, service: str, pod: str, level: str, message: str) -> str:
        return json.dumps({"@timestamp": t.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "service": service,
                           "kubernetes": {"pod_name": pod}, "level": level, "message": message})

    lines = []
    for s in range(30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        for k, pod in enumerate(("worker-7d9f-abcde", "worker-7d9f-fghij")):
            start = t - timedelta(seconds=3 * k)
            if any(start == b for _, b in quiet):
                lines += [record(t + timedelta(milliseconds=100), "worker", pod, "info", f"worker v1.4.2 starting (pid {100 + s})"),
                          record(t + timedelta(milliseconds=400), "worker", pod, "info", "connected to postgres"),
                          record(t + timedelta(milliseconds=700), "worker", pod, "info", "listening on :8080")]
            if not down(t - timedelta(seconds=5)) and s % 2 == k:
                lines.append(record(t + timedelta(milliseconds=500), "worker", pod, "info", f"handled job {s}"))
        failed = down(t)
        lines.append(record(t + timedelta(milliseconds=600), "api", "api-5c4b-klmno", "error" if failed else "info",
                            "call to worker failed: connection refused" if failed else f"order {s} placed"))
    (tmp_path / "export.jsonl").write_text("\n".join(lines) + "\n")
    causes = {c.service: c for c in analyze([str(tmp_path)]).root_causes}
    restarts = [d for d in causes["worker"].departures if d.kind == "restarted"]
    # Dated when the pods' lines paused (they served 5 s into each quiet span), not at their banners.
    assert restarts and abs((restarts[0].onset - quiet[0][0] - timedelta(seconds=5)).total_seconds()) < 2


def test_replicas_whose_collector_wraps_their_lines_are_seen_restarting_each_on_its_own(tmp_path) -> None:
    # A collector (Fluent Bit) writes Docker's JSON with the pod beside each logfmt line. Both
    # pods of risk hang and are restarted by their probe together, four times, each saying its
    # three startup lines once per start; the pod is the collector's, not the line's.
    import json

    quiet = [(WORKER_START + timedelta(minutes=15 + 3 * k), WORKER_START + timedelta(minutes=15 + 3 * k, seconds=40))
             for k in range(4)]

    def record(t: datetime, pod: str, text: str) -> str:
        return json.dumps({"time": t.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "stream": "stdout",
                           "log": f'time="{t.strftime("%Y-%m-%dT%H:%M:%SZ")}" level=info {text}',
                           "kubernetes": {"pod_name": pod, "container_name": pod.split("-")[0]}})

    lines = []
    for s in range(30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        for k, pod in enumerate(("risk-7d9f8b6c5d-x2k4p", "risk-7d9f8b6c5d-9qzrw")):
            if any(t == b for _, b in quiet):
                lines += [record(t + timedelta(milliseconds=100 + 300 * k), pod, 'msg="starting risk" version=1.25.2'),
                          record(t + timedelta(milliseconds=400 + 300 * k), pod, 'msg="config loaded" path=/etc/risk'),
                          record(t + timedelta(milliseconds=900 + 300 * k), pod, 'msg="listening on :9090"')]
            if not any(a <= t < b + timedelta(seconds=2) for a, b in quiet):
                lines.append(record(t + timedelta(milliseconds=500 + 100 * k), pod, f'msg="handled request" path=/api/v1/risk/{s}'))
    (tmp_path / "logs.ndjson").write_text("\n".join(lines) + "\n")
    causes = {c.service: c for c in analyze([str(tmp_path)]).root_causes}
    restarts = [d for d in causes["risk"].departures if d.kind == "restarted"]
    # Dated when the pods' lines paused (they hung), not at their banners 40 s later.
    assert restarts and abs((restarts[0].onset - quiet[0][0]).total_seconds()) < 2, causes["risk"].departures


def test_a_callee_that_crashes_again_explains_callers_that_fail_at_its_second_crash() -> None:
    # The worker logs a FATAL out-of-memory line at 10:04 and again at 10:10; api's errors start
    # at 10:10:01. The worker's departure is dated by its first crash, but its second is the one
    # api felt.
    from rca.ranking.rank import effect_graph, service_candidates

    at = datetime(2026, 11, 23, 10, 4, tzinfo=UTC)
    second = at + timedelta(minutes=6)
    departures = pl.DataFrame({
        "service": ["worker", "api"], "kind": ["new", "new"], "scope": ["fatal", "statement"], "g": [25.0, 200.0],
        "onset": [at, second + timedelta(seconds=1)], "onset_bucket": [16, 40],
        "again": [[at, second], None],
    }, schema_overrides={"onset": pl.Datetime("us", "UTC"), "again": pl.List(pl.Datetime("us", "UTC"))})
    candidates = service_candidates(departures)
    assert candidates.filter(pl.col("service") == "worker").get_column("onset").item() == at
    calls = nx.DiGraph([("api", "worker")])
    named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
    graph = effect_graph(candidates, calls, named)
    assert graph.has_edge("worker", "api") and graph.edges["worker", "api"]["lag_s"] == 1.0
    # Without the second crash, one six minutes before explains nothing.
    alone = service_candidates(departures.with_columns(again=pl.lit(None, pl.List(pl.Datetime("us", "UTC")))))
    assert not effect_graph(alone, calls, named).has_edge("worker", "api")


def test_a_callee_that_panics_every_few_minutes_since_long_before_does_not_explain_a_callers_trouble() -> None:
    # payments has logged a panic every two minutes since 10:00; the incident starts at 10:30
    # and api's errors at 10:30:08, 6 s after one more of payments' routine panics.
    from rca.ranking.rank import effect_graph, service_candidates

    start = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    panics = [start + timedelta(seconds=2) - timedelta(minutes=2) * k for k in range(15, -1, -1)]
    departures = pl.DataFrame({
        "service": ["payments", "api"], "kind": ["new", "new"], "scope": ["fatal", "statement"], "g": [25.0, 200.0],
        "onset": [panics[0], start + timedelta(seconds=8)], "onset_bucket": [0, 30], "again": [panics, None],
    }, schema_overrides={"onset": pl.Datetime("us", "UTC"), "again": pl.List(pl.Datetime("us", "UTC"))})
    calls = nx.DiGraph([("api", "payments")])
    named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
    assert not effect_graph(service_candidates(departures, start=start), calls, named).has_edge("payments", "api")
    # Its first panics just before the incident are felt (a crash loop beginning).
    first = departures.with_columns(again=pl.Series([panics[-2:], None], dtype=pl.List(pl.Datetime("us", "UTC"))),
                                    onset=pl.Series([panics[-2], start + timedelta(seconds=8)], dtype=pl.Datetime("us", "UTC")))
    assert effect_graph(service_candidates(first, start=start), calls, named).has_edge("payments", "api")


def test_a_statement_whose_rate_falls_is_dated_where_it_fell_not_a_window_before() -> None:
    # The api's calls to the worker come 2 a second until 10:15:00, then one in ten seconds (its
    # threads hang on the worker). The fall is dated to the record, not when the window after
    # some earlier record first held few.
    from rca.ranking.evidence import _fall_point

    change = 900.0
    seconds = np.array([i / 2 for i in range(int(change * 2))] + [change + 10.0 * k for k in range(1, 30)])
    # The first record after which 30 s hold at most a third of the 60 expected: 20 s before the fall.
    first = int(np.searchsorted(seconds, change - 20.0))
    at = _fall_point(seconds, first, 30.0, 2.0, 0.1)
    assert seconds[at] == change - 0.5  # the last record at the old rate
    # Nothing to choose when the rate did not fall.
    assert _fall_point(seconds, first, 30.0, 2.0, 2.0) == first


def test_a_callee_gone_quiet_is_not_a_callers_lost_traffic() -> None:
    # web's errors began at 12:38:00; warehouse went quiet altogether at 12:38:07 (its own
    # periodic lines too), beyond clock skew after. A caller's trouble does not silence a whole
    # service: web does not explain warehouse's silence as traffic it no longer sent.
    from rca.ranking.rank import effect_graph

    at = datetime(2026, 4, 12, 12, 38, tzinfo=UTC)
    quiet = at + timedelta(seconds=7)
    candidates = pl.DataFrame({
        "service": ["web", "warehouse"], "onset": [at, quiet],
        "rising": [True, False], "falling": [False, True], "slower": [False, False],
        "kinds": [["new"], ["silent"]], "onsets": [[at], [quiet]], "rise_onsets": [[at], []],
    }, schema_overrides={"rise_onsets": pl.List(pl.Datetime("us", "UTC"))})
    calls = nx.DiGraph([("web", "warehouse")])
    named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
    assert not effect_graph(candidates, calls, named, bucket_s=30.0).has_edge("web", "warehouse")
    # A callee that only stopped some statements (its periodic lines go on) lost web's traffic.
    stopped = candidates.with_columns(kinds=pl.Series([["new"], ["stopped"]]))
    assert effect_graph(stopped, calls, named, bucket_s=30.0).has_edge("web", "warehouse")


def test_a_caller_whose_lines_only_fell_is_explained_by_a_callee_whose_lines_rose() -> None:
    # The gateway's access lines for webapp fell at 06:19:28 (requests hanging, never logged as
    # done); webapp's goroutine count, written every 30 s, rose at 06:19:33. A caller calling
    # less does not make its callee's lines rise: webapp explains the gateway, though later.
    from rca.ranking.rank import effect_graph

    at = datetime(2026, 4, 12, 6, 19, 28, tzinfo=UTC)
    rose = at + timedelta(seconds=5)
    candidates = pl.DataFrame({
        "service": ["gateway", "webapp"], "onset": [at, rose],
        "rising": [False, True], "falling": [True, False], "slower": [False, False],
        "kinds": [["down"], ["shifted"]], "onsets": [[at], [rose]], "rise_onsets": [[], [rose]],
    }, schema_overrides={"rise_onsets": pl.List(pl.Datetime("us", "UTC"))})
    calls = nx.DiGraph()
    calls.add_edge("gateway", "webapp", evidence=["mentions", "name"])
    named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
    graph = effect_graph(candidates, calls, named, bucket_s=30.0)
    assert graph.has_edge("webapp", "gateway") and not graph.has_edge("gateway", "webapp")
    # A call read from a word of the callee's name alone (``[Webapp]``) ties them too loosely.
    words = nx.DiGraph()
    words.add_edge("gateway", "webapp", evidence=["mentions", "word"])
    assert not effect_graph(candidates, words, named, bucket_s=30.0).has_edge("webapp", "gateway")
    # A callee that only fell too explains nothing: either may have lost the other's traffic.
    both_fell = candidates.with_columns(rising=pl.Series([False, False]), falling=pl.Series([True, True]),
                                        kinds=pl.Series([["down"], ["down"]]))
    assert not effect_graph(both_fell, calls, named, bucket_s=30.0).has_edge("webapp", "gateway")


def test_a_callee_restarted_a_minute_before_its_callers_trouble_does_not_explain_it_unnamed() -> None:
    # customers was deployed at 10:47:40; fraud, which calls it, began crash-looping (out of
    # memory) at 10:48:33 and its errors never name customers. Calls to a restarting callee fail
    # while it is down, so its callers feel it within their timeouts, not a minute after. A
    # caller whose trouble began as the callee restarted is explained by it.
    from rca.ranking.rank import effect_graph

    deploy = datetime(2025, 8, 22, 10, 47, 40, tzinfo=UTC)

    def graph(after_s: float) -> nx.DiGraph:
        crash = deploy + timedelta(seconds=after_s)
        candidates = pl.DataFrame({
            "service": ["fraud", "customers"], "onset": [crash, deploy], "departure": [0.31, 0.13],
            "rising": [True, True], "falling": [False, False], "slower": [False, False],
            "kinds": [["restarted"], ["restarted"]], "onsets": [[crash], [deploy]], "rise_onsets": [[crash], [deploy]],
        })
        named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
        return effect_graph(candidates, nx.DiGraph([("fraud", "customers")]), named, bucket_s=30.0)

    assert not graph(53.0).has_edge("customers", "fraud")
    assert graph(8.0).has_edge("customers", "fraud")


def test_a_callee_that_fell_as_its_caller_failed_lost_traffic_whatever_came_earlier() -> None:
    # geo's writes failed at 06:51:41 and it stopped calling address, whose requests stopped
    # within clock skew of that. Two minutes before, address had logged a few slow-but-ok lines
    # (a weak sign, outside its own story): they do not make address the cause of geo's errors.
    from rca.ranking.rank import effect_graph

    at = datetime(2026, 4, 22, 6, 51, 41, tzinfo=UTC)
    fell, early = at - timedelta(seconds=1.8), at - timedelta(seconds=119)
    candidates = pl.DataFrame({
        "service": ["geo", "address"], "onset": [at, fell],
        "rising": [True, False], "falling": [False, True], "slower": [False, False],
        "kinds": [["new"], ["new", "stopped"]], "onsets": [[at], [early, fell]], "rise_onsets": [[at], [early]],
    })
    calls = nx.DiGraph([("geo", "address")])
    named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
    graph = effect_graph(candidates, calls, named, bucket_s=15.0)
    assert graph.has_edge("geo", "address") and not graph.has_edge("address", "geo")
    # A fall that clearly came first (beyond clock skew) is still the callee's, explaining geo.
    sooner = candidates.with_columns(onset=pl.Series([at, at - timedelta(seconds=20)]),
                                     onsets=pl.Series([[at], [early, at - timedelta(seconds=20)]]))
    assert effect_graph(sooner, calls, named, bucket_s=15.0).has_edge("address", "geo")


def test_a_cache_that_restarts_is_found_by_its_port_and_dated_by_its_shutdown(tmp_path) -> None:
    # kv is a Redis that logs its keyspace every 5 s. At 10:15 it is told to shut down, says so,
    # and is silent for 40 s (8 of its gaps) until its startup banner. shop reaches it only at an
    # address (``connect ECONNREFUSED 10.96.85.186:6379``) that no line ties to a name, but kv's
    # file is a Redis log and no other server here serves on 6379. web calls shop by name.
    down = WORKER_START + timedelta(minutes=15)
    kv, shop, web = [], [], []
    for s in range(0, 30 * 60, 5):
        t = WORKER_START + timedelta(seconds=s)
        stamp = t.strftime("%d %b %Y %H:%M:%S")
        if t == down:
            kv += [f"1:M {stamp}.100 * Received SIGTERM scheduling shutdown...", f"1:M {stamp}.150 * User requested shutdown...",
                   f"1:M {stamp}.300 # Redis is now ready to exit, bye bye..."]
        elif t == down + timedelta(seconds=40):
            kv += [f"1:M {stamp}.000 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
                   f"1:M {stamp}.010 * Redis version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, just started",
                   f"1:M {stamp}.050 * Server initialized", f"1:M {stamp}.090 * Ready to accept connections tcp"]
        if not down <= t < down + timedelta(seconds=40):
            kv.append(f"1:M {stamp}.500 - DB 0: 4000 keys (12 volatile) in 4096 slots HT.")
    for s in range(30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S")
        failing = down < t < down + timedelta(seconds=45)
        if failing:
            shop.append(f'{{"level":"error","time":"{stamp}.200Z","msg":"Error while processing GET /cart/{s}: connect ECONNREFUSED 10.96.85.186:6379"}}')
        else:
            shop.append(f'{{"level":"info","time":"{stamp}.200Z","msg":"GET /cart/{s} 200 in {3 + s % 4} ms"}}')
        web.append(f"{stamp}.400Z {'ERROR' if failing else 'INFO'} GET http://shop:8080/cart/{s} {503 if failing else 200}")
    for name, lines in (("kv-0", kv), ("shop", shop), ("web", web)):
        (tmp_path / f"{name}.log").write_text("\n".join(lines) + "\n")
    analysis = analyze([str(tmp_path)])
    assert ("shop", "kv") in {(c.caller, c.callee) for c in analysis.calls}
    assert analysis.root_causes[0].service == "kv", [(c.service, c.departures) for c in analysis.root_causes]
    restarts = [d for d in analysis.root_causes[0].departures if d.kind == "restarted"]
    assert restarts and "restarted 1 time(s)" in restarts[0].description, analysis.root_causes[0].departures
    assert abs((restarts[0].onset - down).total_seconds()) < 1


# A Redis's startup lines, each a template for the second it is said in.
_REDIS_STARTUP = ["1:M {stamp}.100 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
                  "1:M {stamp}.105 * Redis version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, just started",
                  "1:M {stamp}.110 * Configuration loaded", "1:M {stamp}.150 * Running mode=standalone, port=6379.",
                  "1:M {stamp}.250 * Server initialized", "1:M {stamp}.700 * Ready to accept connections tcp"]


def _one_restart(departures: list):  # type: ignore[no-untyped-def]
    """The restart among ``departures``, asserting it is one restart."""
    restarts = [d for d in departures if d.kind == "restarted"]
    assert restarts and "restarted 1 time(s)" in restarts[0].description, departures
    return restarts[0]


def _kv_beside_shop(folder, kv_at, failing) -> dict[str, RootCause]:  # type: ignore[no-untyped-def]
    """Thirty minutes of kv, a Redis (``kv_at(s, t, stamp)``: its lines of second ``s``, at ``t``,
    ``stamp`` its time as Redis writes it), and of shop, which calls it by name every second and
    fails while ``failing(t)``, written to ``folder``. The root causes found, by service."""
    kv, shop = [], []
    for s in range(0, 30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        kv += kv_at(s, t, t.strftime("%d %b %Y %H:%M:%S"))
        iso = t.strftime("%Y-%m-%dT%H:%M:%S")
        if failing(t):
            shop.append(f'{{"level":"error","time":"{iso}.200Z","msg":"GET /cart/{s} failed: redis kv:6379 connection refused"}}')
        else:
            shop.append(f'{{"level":"info","time":"{iso}.200Z","msg":"GET /cart/{s} 200 in {3 + s % 4} ms"}}')
    for name, lines in (("kv-0", kv), ("shop", shop)):
        (folder / f"{name}.log").write_text("\n".join(lines) + "\n")
    return {c.service: c for c in analyze([str(folder)]).root_causes}


def _sparse_kv(tmp_path, kv_extra, failing_from=None, down=None) -> list:
    """kv, a Redis that logs only its background saves (four lines every two minutes), with
    ``kv_extra`` (time -> lines) added and no saves while ``down`` (a span of time); shop calls it
    by name, failing from ``failing_from`` for a minute. The analysis's departures of kv."""

    def kv_at(s: int, t: datetime, stamp: str) -> list[str]:
        lines = []
        if s % 120 == 7 and not (down and down[0] <= t < down[1]):
            lines += [f"1:M {stamp}.100 * {1000 + s} changes in 120 seconds. Saving...", f"1:M {stamp}.110 * Background saving started by pid {s}",
                      f"{s}:C {stamp}.800 * DB saved on disk", f"1:M {stamp}.950 * Background saving terminated with success"]
        return lines + [line.format(stamp=stamp) for line in kv_extra.get(t, [])]

    causes = _kv_beside_shop(tmp_path, kv_at, lambda t: failing_from is not None and failing_from <= t < failing_from + timedelta(seconds=60))
    return causes["kv"].departures if "kv" in causes else []


# A Redis told to shut down, one of its four lines a warning.
_REDIS_SHUTDOWN = ["1:M {stamp}.100 * Received SIGTERM scheduling shutdown...", "1:M {stamp}.150 * User requested shutdown...",
                   "1:M {stamp}.200 * Saving the final RDB snapshot before exiting.", "1:M {stamp}.600 # Redis is now ready to exit, bye bye..."]


def test_a_cache_that_logs_a_few_lines_a_minute_is_seen_restarting_without_a_pause(tmp_path) -> None:
    # kv's lines come minutes apart, so no pause can show a restart: at 10:15:30 it says five
    # shutdown lines in half a second, and three seconds later six startup lines; shop's calls
    # to it fail for a minute.
    down = WORKER_START + timedelta(minutes=15, seconds=30)
    shutdown = ["1:M {stamp}.100 * Received SIGTERM scheduling shutdown...", "1:M {stamp}.150 * User requested shutdown...",
                "1:M {stamp}.200 * Saving the final RDB snapshot before exiting.", "1:M {stamp}.500 * DB saved on disk",
                "1:M {stamp}.600 # Redis is now ready to exit, bye bye..."]
    restart = _one_restart(_sparse_kv(tmp_path, {down: shutdown, down + timedelta(seconds=3): _REDIS_STARTUP}, failing_from=down))
    assert abs((restart.onset - down).total_seconds()) < 1


def test_a_sparse_caches_restart_is_dated_by_its_shutdown_though_that_says_a_warning(tmp_path) -> None:
    # kv warns it cannot save, then shuts down at 10:15:30 (four lines, one a warning: too few
    # below WARN for a burst of its own), and starts 40 s later (six lines): one restart, from
    # the shutdown on, when shop's calls to it begin to fail.
    down = WORKER_START + timedelta(minutes=15, seconds=30)
    restart = _one_restart(_sparse_kv(tmp_path, {down: _REDIS_SHUTDOWN, down + timedelta(seconds=40): _REDIS_STARTUP}, failing_from=down))
    assert abs((restart.onset - down).total_seconds()) < 1, restart


def test_a_sparse_caches_restart_is_dated_by_its_shutdown_however_long_it_stayed_down(tmp_path) -> None:
    # kv shuts down at 10:15:30 (four lines) and says nothing more, not even its saves, until it
    # starts two and a half minutes later: one restart, from the shutdown on.
    down = WORKER_START + timedelta(minutes=15, seconds=30)
    up = down + timedelta(seconds=150)
    restart = _one_restart(_sparse_kv(tmp_path, {down: _REDIS_SHUTDOWN, up: _REDIS_STARTUP}, failing_from=down, down=(down, up)))
    assert abs((restart.onset - down).total_seconds()) < 1, restart


def test_a_cache_that_dies_without_a_word_is_dated_by_when_it_went_quiet(tmp_path) -> None:
    # kv logs its keyspace every 5 s. At 10:15 it dies without a line (killed, out of memory)
    # and says its startup banner only two minutes and twenty seconds later: the restart began
    # when its lines stopped, as shop's calls to it began to fail, not when it came back.
    down, up = WORKER_START + timedelta(minutes=15), WORKER_START + timedelta(minutes=17, seconds=20)

    def kv_at(s: int, t: datetime, stamp: str) -> list[str]:
        lines = [line.format(stamp=stamp) for line in _REDIS_STARTUP] if t == up else []
        if s % 5 == 0 and not down <= t < up:
            lines.append(f"1:M {stamp}.900 - DB 0: {4000 if t < down else 10 * (s - 1040)} keys (12 volatile) in 4096 slots HT.")
        return lines

    causes = _kv_beside_shop(tmp_path, kv_at, lambda t: down <= t < up)
    restart = _one_restart(causes["kv"].departures)
    assert timedelta(0) <= down - restart.onset <= timedelta(seconds=5), restart
    assert causes["kv"].onset <= down


def _cache_before_database(folder, restart_at: datetime) -> Analysis:
    """kv (a Redis logging its keyspace every 5 s) restarts cold at ``restart_at``: a shutdown,
    three seconds of silence, its banner. From 10:15 ledger-db (PostgreSQL, a checkpoint line every 30
    s) refuses sessions: ``too many clients``. shop and cart call both by name, and their errors
    name whichever failed them: kv for the three seconds it was down, ledger-db from 10:15 on."""
    overload = WORKER_START + timedelta(minutes=15)
    kv, pg, shop, cart = [], [], [], []
    for s in range(0, 30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        stamp = t.strftime("%d %b %Y %H:%M:%S")
        if t == restart_at:
            kv += [f"1:M {stamp}.100 * Received SIGTERM scheduling shutdown...", f"1:M {stamp}.150 * User requested shutdown...",
                   f"1:M {stamp}.300 # Redis is now ready to exit, bye bye..."]
        if t == restart_at + timedelta(seconds=3):
            kv += [line.format(stamp=stamp) for line in _REDIS_STARTUP]
        if s % 5 == 0 and not restart_at <= t < restart_at + timedelta(seconds=3):
            kv.append(f"1:M {stamp}.900 - DB 0: 4000 keys (12 volatile) in 4096 slots HT.")
        pgstamp = t.strftime("%Y-%m-%d %H:%M:%S")
        if s % 30 == 11:
            pg.append(f"{pgstamp}.200 UTC [61] LOG:  checkpoint complete: wrote {s % 97} buffers")
        if s % 7 == 3 and t < overload:
            pg.append(f"{pgstamp}.300 UTC [{2000 + s}] LOG:  connection authorized: user=app database=store")
        iso = t.strftime("%Y-%m-%dT%H:%M:%S")
        for name, lines, offset in (("shop", shop, 200), ("cart", cart, 600)):
            if restart_at <= t < restart_at + timedelta(seconds=3):
                lines.append(f"{iso}.{offset}Z ERROR GET /{name}/{s} failed: redis kv:6379 connection refused")
            elif overload <= t < overload + timedelta(minutes=5):
                lines.append(f"{iso}.{offset}Z ERROR GET /{name}/{s} failed: could not connect to ledger-db:5432: FATAL: sorry, too many clients already")
            else:
                lines.append(f"{iso}.{offset}Z INFO GET /{name}/{s} 200 in {3 + s % 4} ms (redis kv:6379 hit, ledger-db:5432 0 rows)")
        if overload <= t < overload + timedelta(minutes=5):
            pg += [f"{pgstamp}.{ms} UTC [{3000 + s}] FATAL:  sorry, too many clients already" for ms in (250, 650)]
    for name, lines in (("kv-0", kv), ("ledger-db-0", pg), ("shop", shop), ("cart", cart)):
        (folder / f"{name}.log").write_text("\n".join(lines) + "\n")
    return analyze([str(folder)])


def test_a_cache_lost_just_before_the_database_its_callers_share_overflows_explains_it(tmp_path) -> None:
    # kv restarts cold two seconds before ledger-db runs out of connections: shop and cart, which call
    # both, sent it every lookup kv lost. ledger-db's errors are far louder, but kv's loss explains them.
    analysis = _cache_before_database(tmp_path, WORKER_START + timedelta(minutes=14, seconds=58))
    assert [c.service for c in analysis.root_causes][:2] == ["kv", "ledger-db"], [(c.service, c.signals) for c in analysis.root_causes]
    assert ("kv", "ledger-db") in {(e.cause, e.effect) for e in analysis.edges}


def test_a_cache_restarted_minutes_before_the_database_overflowed_does_not_explain_it(tmp_path) -> None:
    # The same restart five minutes earlier: ledger-db's trouble came of something else.
    analysis = _cache_before_database(tmp_path, WORKER_START + timedelta(minutes=10))
    assert analysis.root_causes[0].service == "ledger-db", [(c.service, c.signals) for c in analysis.root_causes]
    assert ("kv", "ledger-db") not in {(e.cause, e.effect) for e in analysis.edges}


def test_a_lost_service_explains_a_sibling_only_from_when_it_was_lost() -> None:
    # auth was deployed at 01:41:23 and its requests stopped at 01:43:33, when web's other
    # callee, profiles, hung (01:43:36); web calls both and both explain its errors. auth's loss
    # came two minutes before profiles' trouble: it explains nothing of it. Had auth restarted
    # at 01:43:33, it would.
    from rca.ranking.rank import _lost_shared

    at = datetime(2024, 8, 25, 1, 43, 36, tzinfo=UTC)
    calls = nx.DiGraph([("web", "auth"), ("web", "profiles")])
    effects = nx.DiGraph([("auth", "web"), ("profiles", "web")])

    def rows(lost: datetime) -> dict:
        return {
            "auth": {"onset": at - timedelta(seconds=3), "kinds": ["restarted", "stopped"], "rising": False, "lost_onsets": [lost]},
            "profiles": {"onset": at, "kinds": ["new"], "rising": True, "lost_onsets": []},
            "web": {"onset": at + timedelta(seconds=3), "kinds": ["new"], "rising": True, "lost_onsets": []},
        }

    assert _lost_shared(rows(at - timedelta(seconds=133)), calls, effects, 5.0) == []
    assert _lost_shared(rows(at - timedelta(seconds=3)), calls, effects, 5.0) == [("auth", "profiles")]


def test_a_sparse_servers_slow_checkpoints_and_error_bursts_are_no_restart(tmp_path) -> None:
    # kv says new lines only it would say: a few INFO lines spread over forty seconds (a slow
    # maintenance pass), and later six ERROR lines within a second (a failing disk). Neither is
    # a restart, however few lines kv usually logs.
    maintenance = {WORKER_START + timedelta(minutes=12, seconds=k * 10): [line]
                   for k, line in enumerate(["1:M {stamp}.100 * Active defrag started", "1:M {stamp}.100 * Active defrag: 12% done",
                                             "1:M {stamp}.100 * Lazy free of 4096 keys started", "1:M {stamp}.100 * Lazy free done",
                                             "1:M {stamp}.100 * Active defrag finished in 40 s"])}
    errors = {WORKER_START + timedelta(minutes=16): [
        f"1:M {{stamp}}.{ms:03d} # {text}" for ms, text in enumerate(
            ["Write error saving DB on disk: No space left on device", "Failed opening the temp RDB file temp-1.rdb (in server root dir /data) for saving: No space left on device",
             "Background saving error", "MISCONF Errors writing to the AOF file: No space left on device",
             "Error trying to rename the temporary AOF file appendonly.aof.tmp", "Short write while writing to the AOF file"], start=100)]}
    departures = _sparse_kv(tmp_path, maintenance | errors, failing_from=WORKER_START + timedelta(minutes=16))
    assert not any(d.kind == "restarted" for d in departures), departures


def _collected(t: datetime, container: str, pod: str, text: str) -> tuple[datetime, str]:
    """A collector's (Fluent Bit's) record of one container's line, with its time to sort by."""
    return t, json.dumps({"time": t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", "stream": "stdout", "log": text,
                          "kubernetes": {"pod_name": pod, "container_name": container}})


def _write_collected(path, records: list[tuple[datetime, str]]) -> None:  # type: ignore[no-untyped-def]
    """The collector's merged file: every container's records in time order."""
    path.write_text("\n".join(line for _, line in sorted(records)) + "\n")


def test_a_new_pod_starting_beside_the_old_one_in_a_collectors_file_is_a_restart(tmp_path) -> None:
    # A collector writes every container's lines to one file, each record naming its pod. At
    # 10:15 a new ledger pod starts (three startup lines) while the old one serves on for ten
    # seconds: the other lines of ledger never pause, but the new pod's first lines are its start.
    start = WORKER_START + timedelta(minutes=15)
    records: list[tuple[datetime, str]] = []

    def record(t: datetime, container: str, pod: str, text: str) -> None:
        records.append(_collected(t, container, pod, text))

    for s in range(30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        pod = "ledger-6c8f9b7d5-x2k4q" if t < start + timedelta(seconds=10) else "ledger-85c7fd9b4-p9m2z"
        record(t, "ledger", pod, f"level=info msg=\"posted entry {s}\" request_id=r{s}")
        record(t + timedelta(milliseconds=300), "api", "api-7b9c6d8f5-w4kzq", f"level=info msg=\"GET http://ledger:8080/entries/{s} 200\"")
    for k, text in enumerate(["level=info msg=\"starting ledger\" version=4.19.13", "level=info msg=\"connected to database\" max_open_conns=50",
                              "level=info msg=\"listening on :8080\""]):
        record(start + timedelta(milliseconds=100 + 200 * k), "ledger", "ledger-85c7fd9b4-p9m2z", text)
    _write_collected(tmp_path / "containers.json", records)
    causes = {c.service: c for c in analyze([str(tmp_path)]).root_causes}
    restarts = [d for d in causes["ledger"].departures if d.kind == "restarted"] if "ledger" in causes else []
    assert restarts, {s: c.departures for s, c in causes.items()}
    assert abs((restarts[0].onset - start).total_seconds()) < 1


def test_a_cache_among_a_collectors_lines_is_known_by_its_layout_and_blamed_by_address(tmp_path) -> None:
    # A collector writes every container's lines to one file. kv's lines are a Redis's; at 10:15
    # it stops answering (a lost network path: it logs nothing of it), and shop's warnings give
    # only the address it read from, on Redis's port, and the word ``cache``.
    start = WORKER_START + timedelta(minutes=15)
    records: list[tuple[datetime, str]] = []

    def record(t: datetime, container: str, pod: str, text: str) -> None:
        records.append(_collected(t, container, pod, text))

    for s in range(30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        if s % 60 == 7:
            record(t, "kv", "kv-0", f"1:M {t:%d %b %Y %H:%M:%S}.100 * {1000 + s} changes in 60 seconds. Saving...")
            record(t + timedelta(milliseconds=5), "kv", "kv-0", f"1:M {t:%d %b %Y %H:%M:%S}.105 * Background saving started by pid {s}")
        if t >= start and s % 2 == 0:
            record(t + timedelta(milliseconds=200), "shop", "shop-7b9c6d8f5-w4kzq",
                   f'level=warning msg="cache unavailable, falling back to database" error="read tcp 10.3.12.25:{40000 + s}->10.1.163.189:6379: i/o timeout"')
        else:
            record(t + timedelta(milliseconds=200), "shop", "shop-7b9c6d8f5-w4kzq", f'level=info msg="GET /cart/{s} 200" duration_ms={3 + s % 4}')
    _write_collected(tmp_path / "containers.json", records)
    analysis = analyze([str(tmp_path)])
    assert analysis.input.sources[0].servers == (("kv", "redis"),)
    assert ("shop", "kv") in {(c.caller, c.callee) for c in analysis.calls}
    assert analysis.root_causes[0].service == "kv", [(c.service, c.departures) for c in analysis.root_causes]


def test_a_w3c_traceparent_ties_a_callers_lines_to_its_callees_by_the_trace_id(tmp_path) -> None:
    # web (pino) carries each request's W3C ``traceparent`` (its own span in it); ledger logs the
    # trace id alone. Neither names the other: the trace ids are all that say web calls ledger.
    # From 10:20 ledger fails every request, and web with it.
    web, ledger = [], []
    for s in range(30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        trace, failing = f"{s:032x}", s >= 20 * 60
        for offset, level, text in ((100, 30, "request started"), (900, 50 if failing else 30, "request failed" if failing else "request finished")):
            at = t + timedelta(milliseconds=offset)
            web.append(json.dumps({"level": level, "time": int(at.timestamp() * 1000), "msg": text,
                                   "traceparent": f"00-{trace}-{s + offset:016x}-01"}))
        said = f"ERROR [main] c.s.Ledger - posting entry {s} failed: deadlock detected" if failing else f"INFO [main] c.s.Ledger - posted entry {s}"
        ledger += [f"{t:%Y-%m-%d %H:%M:%S}.400 INFO [main] c.s.Ledger - posting entry {s} trace_id={trace}",
                   f"{t:%Y-%m-%d %H:%M:%S}.600 {said} trace_id={trace}"]
    (tmp_path / "web.log").write_text("\n".join(web) + "\n")
    (tmp_path / "ledger.log").write_text("\n".join(ledger) + "\n")
    edges = {(c.caller, c.callee): c for c in analyze([str(tmp_path)]).calls}
    assert ("web", "ledger") in edges and edges["web", "ledger"].traces > 0, edges


def test_a_callee_whose_durations_only_fell_lost_its_callers_traffic() -> None:
    # The billing service dies at 10:02:51 (new errors); its callee kyc loses billing's calls at
    # once: a statement stops, and what it still serves is fast (health checks), its durations
    # falling 0.064 s -> 0.002 s. Durations that fell are no rise of trouble: kyc only fell, and
    # billing's failing took its traffic, not the other way round.
    from rca.ranking.rank import effect_graph, service_candidates

    at = datetime(2025, 7, 23, 10, 2, 51, tzinfo=UTC)
    departures = pl.DataFrame({
        "service": ["billing", "kyc", "kyc"], "kind": ["new", "shifted", "stopped"],
        "scope": ["statement", "parameter", "statement"], "g": [900.0, 400.0, 120.0],
        "onset": [at, at + timedelta(seconds=3), at + timedelta(seconds=1)], "onset_bucket": [40, 40, 40],
        "slower": [None, False, None], "quicker": [None, True, None],
    })
    candidates = service_candidates(departures)
    kyc = candidates.filter(pl.col("service") == "kyc").row(0, named=True)
    assert (kyc["rising"], kyc["falling"]) == (False, True)
    named = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "g": pl.Float64})
    graph = effect_graph(candidates, nx.DiGraph([("billing", "kyc")]), named)
    assert graph.has_edge("billing", "kyc") and not graph.has_edge("kyc", "billing")
    # Durations that rose are a rise: then kyc's slowness came first and explains billing.
    slower = departures.with_columns(slower=pl.Series([None, True, None]), quicker=pl.Series([None, False, None], dtype=pl.Boolean))
    assert service_candidates(slower).filter(pl.col("service") == "kyc").row(0, named=True)["rising"]


def test_a_gauge_logged_once_a_minute_that_steps_out_of_its_range_is_a_departure(tmp_path) -> None:
    # kyc (zap, every line from one code location) logs its work every second and its disk use
    # once a minute: 67.5 % for eight minutes, then climbing 3 points a minute. Eighteen values
    # in all, too few for a normal range, but every one after the change is above all before it.
    # web, which calls kyc, logs on as before. The disk's climb is the only departure there is.
    kyc, web = [], []
    for s in range(18 * 60):
        t = WORKER_START + timedelta(seconds=s)
        at = t.timestamp()
        kyc.append(json.dumps({"level": "info", "ts": at, "caller": "kyc/service.go:255", "msg": f"Kyc {s} created"}))
        if s % 60 == 30:
            minute = s // 60
            used = 67.5 + 0.1 * (minute % 2) if minute < 8 else 67.5 + 3.0 * (minute - 7)
            kyc.append(json.dumps({"level": "info" if used < 85 else "warn", "ts": at + 0.5, "caller": "kyc/service.go:255",
                                   "msg": "disk usage", "path": "/var/lib/kyc", "used_pct": round(used, 1)}))
        web.append(f"{t:%Y-%m-%d %H:%M:%S}.200 INFO GET http://kyc:8080/v1/kyc/{s} 200 in {3 + s % 4} ms")
    (tmp_path / "kyc.log").write_text("\n".join(kyc) + "\n")
    (tmp_path / "web.log").write_text("\n".join(web) + "\n")
    causes = analyze([str(tmp_path)]).root_causes
    assert causes and causes[0].service == "kyc", causes
    shifted = [d for d in causes[0].departures if d.kind == "shifted"]
    assert shifted and shifted[0].template == "disk usage", causes[0].departures
    assert abs((shifted[0].onset - (WORKER_START + timedelta(minutes=8, seconds=30))).total_seconds()) <= 61


def test_a_rolling_restart_in_the_file_two_replicas_share_is_seen_without_a_pause(tmp_path) -> None:
    # shop's two replicas log to one file, a request every half second between them. At 10:20 a
    # new process starts (uvicorn's four startup lines, a warning of its own) and the old one
    # shuts down (four lines) while the other replica serves on: no pause, but a restart. A
    # burst of four new lines (a rare kind of request, said once) is not.
    restart = WORKER_START + timedelta(minutes=20)
    rare = WORKER_START + timedelta(minutes=10)
    said = {restart: "INFO [uvicorn.error] Started server process [1]",
            restart + timedelta(seconds=1): "INFO [uvicorn.error] Waiting for application startup.",
            restart + timedelta(seconds=2): "WARNING [shop.config] Property 'ledger.url' is not set, falling back to default",
            restart + timedelta(seconds=3): "INFO [uvicorn.error] Application startup complete.",
            restart + timedelta(seconds=4): "INFO [uvicorn.error] Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",
            restart + timedelta(seconds=6): "INFO [uvicorn.error] Shutting down",
            restart + timedelta(seconds=7): "INFO [uvicorn.error] Waiting for application shutdown.",
            restart + timedelta(seconds=8): "INFO [uvicorn.error] Application shutdown complete.",
            restart + timedelta(seconds=9): "INFO [uvicorn.error] Finished server process [1]",
            rare: "INFO [shop.export] Export of 12 carts requested",
            rare + timedelta(seconds=1): "INFO [shop.export] Export file written to /tmp/x.csv",
            rare + timedelta(seconds=2): "INFO [shop.export] Export mailed to ops",
            rare + timedelta(seconds=3): "INFO [shop.export] Export done"}
    lines = []
    for half in range(30 * 60 * 2):
        t = WORKER_START + timedelta(seconds=half / 2)
        if t in said:
            lines.append(f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d} {said[t]}")
        failing = t >= restart + timedelta(seconds=10)
        text = "ERROR [shop.clients] ledger unavailable (refused), serving fallback" if failing else f"INFO [shop.api] cart {half} served"
        lines.append(f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000 + 100:03d} {text}")
    (tmp_path / "shop.log").write_text("\n".join(lines) + "\n")
    (tmp_path / "ledger.log").write_text("\n".join(
        f"{WORKER_START + timedelta(seconds=s):%Y-%m-%d %H:%M:%S}.500 INFO entry {s} posted" for s in range(30 * 60)) + "\n")
    causes = {c.service: c for c in analyze([str(tmp_path)]).root_causes}
    restarts = [d for d in causes["shop"].departures if d.kind == "restarted"]
    assert restarts and "restarted 1 time(s)" in restarts[0].description, causes["shop"].departures
    assert abs((restarts[0].onset - restart).total_seconds()) < 1


def _billing(fails_at: datetime, api_error: str, db_error: Callable[[int], str]) -> dict[str, list[str]]:
    """front calls billing-api, which queries consent-db, every two seconds for half an hour: from
    ``fails_at`` billing-api's queries fail with ``api_error`` (its errors name consent-db),
    consent-db says ``db_error(s)`` a moment before each, and front's calls to billing-api fail."""
    front, api, db = [], [], []
    for s in range(0, 30 * 60, 2):
        t = WORKER_START + timedelta(seconds=s)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S")
        if t < fails_at:
            front.append(f"{stamp}.500Z INFO GET http://billing-api:8080/api/billing 200 in 14 ms")
            api.append(f"{stamp}.400Z INFO invoice {s} saved to consent-db in 3 ms")
        else:
            front.append(f"{stamp}.500Z ERROR GET http://billing-api:8080/api/billing 502 in 9 ms upstream billing-api failed")
            api.append(f"{stamp}.400Z ERROR query failed upstream=consent-db error=\"{api_error}\"")
            db.append(f"{stamp}.100Z {db_error(s)}")
        if s % 30 == 0:
            db.append(f"{stamp}.000Z INFO connection authorized: user=billing_api database=consent")
        if s % 60 == 0:
            db.append(f"{stamp}.050Z INFO checkpoint complete: wrote {s % 97} buffers")
    return {"front": front, "billing-api": api, "consent-db": db}


def _analyzed(folder, logs: dict[str, list[str]]) -> tuple[RootCause, ...]:  # type: ignore[no-untyped-def]
    for name, lines in logs.items():
        (folder / f"{name}.log").write_text("\n".join(sorted(lines)) + "\n")
    return analyze([str(folder)]).root_causes


def _refused_client(folder, refusal: str) -> tuple[RootCause, ...]:  # type: ignore[no-untyped-def]
    # From 10:15 billing-api's queries to consent-db fail, and front's calls to billing-api with
    # them; consent-db logs ``refusal`` for each query, a second before billing-api's error.
    return _analyzed(folder, _billing(WORKER_START + timedelta(minutes=15), refusal, lambda s: f"WARN {refusal}"))


def test_a_database_that_refuses_one_clients_password_is_not_the_root(tmp_path) -> None:
    # consent-db works: it turns billing-api away for its credentials (a password rotated under
    # it). billing-api's errors name consent-db, but the trouble is billing-api's.
    causes = _refused_client(tmp_path, "Access denied for user 'billing_api'@'10.0.0.5' (using password: YES)")
    assert causes[0].service == "billing-api", [(c.service, c.departures) for c in causes]


def test_a_database_that_fails_every_query_of_its_own_is_the_root(tmp_path) -> None:
    # The same, but consent-db fails the queries itself, naming nobody: it is the root.
    causes = _refused_client(tmp_path, "Too many connections")
    assert causes[0].service == "consent-db", [(c.service, c.departures) for c in causes]


def _retry_storm(folder, deploy_words: bool) -> tuple[RootCause, ...]:  # type: ignore[no-untyped-def]
    # Two replicas of search share one file and serve on while one restarts at 10:15 (a rolling
    # deploy: no pause shows). From 10:15:40 search retries its calls to comments without
    # backoff, and comments turns work away (``request queue full, shedding load``); search's
    # errors name comments, and so do edge's of search. ``deploy_words``: the restart says what
    # a process says as it stops and starts; else its lines are three new statements of no such kind.
    deploy = WORKER_START + timedelta(minutes=15)
    storm = deploy + timedelta(seconds=40)
    search, comments, edge = [], [], []
    for s in range(30 * 60):
        t = WORKER_START + timedelta(seconds=s)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S")
        if t == deploy:
            said = (["received signal terminated, shutting down", "starting search version=1.11.5 commit=38ded20",
                     "listening on :5000"] if deploy_words else
                    ["cache warmed with 2048 entries", "feature set loaded from flags.yaml", "index segments merged: 12"])
            search += [f"{stamp}.{100 + 100 * k}Z INFO {text}" for k, text in enumerate(said)]
        for replica in ("a", "b"):
            if t < storm:
                search.append(f"{stamp}.{300 if replica == 'a' else 700}Z INFO GET /api/search 200 in 12 ms replica={replica}")
            else:
                search.append(f"{stamp}.{300 if replica == 'a' else 700}Z ERROR retrying request to comments (attempt 3/9): status 503")
        if t < storm:
            comments.append(f"{stamp}.500Z INFO GET /api/comments 200 in 8 ms")
            edge.append(f"{stamp}.900Z INFO GET http://search:5000/api/search 200")
        else:
            comments.append(f"{stamp}.500Z WARN request queue full, shedding load")
            edge.append(f"{stamp}.900Z ERROR GET http://search:5000/api/search 503 upstream search failed")
    for name, lines in (("search", search), ("comments", comments), ("edge", edge)):
        (folder / f"{name}.log").write_text("\n".join(lines) + "\n")
    return analyze([str(folder)]).root_causes


def test_a_caller_that_restarted_just_before_its_callee_turned_work_away_is_the_root(tmp_path) -> None:
    causes = _retry_storm(tmp_path, deploy_words=True)
    restarts = [d for c in causes if c.service == "search" for d in c.departures if d.kind == "restarted"]
    assert restarts, [(c.service, c.departures) for c in causes]
    assert causes[0].service == "search", [(c.service, c.departures) for c in causes]


def test_new_statements_together_that_say_nothing_of_a_restart_are_none(tmp_path) -> None:
    causes = _retry_storm(tmp_path, deploy_words=False)
    assert not [d for c in causes for d in c.departures if d.kind == "restarted"], [(c.service, c.departures) for c in causes]
    # Without the restart, comments is blamed by the errors that name it.
    assert causes[0].service == "comments", [(c.service, c.departures) for c in causes]


def test_what_a_process_says_as_it_stops_or_starts_is_told_from_work_starting() -> None:
    import re

    from rca.pipeline import _LIFECYCLE

    said = ["starting search version=1.11.5 commit=38ded20", "Starting gunicorn 21.2.0", "Listening at: http://0.0.0.0:3000 (109)",
            "Starting AuthApplication v2.3.1 using Java 17", "received signal terminated, shutting down", "Booting worker with pid: 115"]
    work = ["started job 42", "starting export 7 rows", "listening to events from 3 partitions", "job finished"]
    assert all(re.search(_LIFECYCLE, text) for text in said)
    assert not any(re.search(_LIFECYCLE, text) for text in work)


def _migration(  # type: ignore[no-untyped-def]
    folder, job_calls_the_database: bool, busy: bool = False, checks_every_s: int = 300, trouble_after_s: int = 5,
) -> tuple[RootCause, ...]:
    # At 10:15 db-migrate begins an ALTER TABLE that holds the table's lock: from 10:15:05 (or
    # ``trouble_after_s``)
    # consent-db logs billing-api's statements waiting for it, billing-api's queries time out
    # (its errors name consent-db), and front's calls to billing-api fail. db-migrate says only
    # what it began; consent-db names it as a client where ``job_calls_the_database``.
    change = WORKER_START + timedelta(minutes=15)
    logs = _billing(change + timedelta(seconds=trouble_after_s), "canceling statement due to statement timeout",
                    lambda s: f"INFO process {4000 + s} still waiting for RowExclusiveLock on relation 16390 after 1000.{s % 997:03d} ms")
    job = logs["db-migrate"] = []
    for s in range(0, 30 * 60, 2):
        t = WORKER_START + timedelta(seconds=s)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S")
        if s % checks_every_s == 0 or busy:
            job.append(f"{stamp}.700Z INFO checking for pending migrations: schema is up to date (version 41)")
            if job_calls_the_database:
                logs["consent-db"].append(
                    f"{stamp}.750Z INFO connection authorized: user=db_migrate database=consent application_name=db-migrate")
        if t == change:
            job += [f"{stamp}.000Z INFO Migrating schema to version 42 - alter table patients",
                    f"{stamp}.020Z INFO executing: ALTER TABLE patients ALTER COLUMN total TYPE numeric(14,2)"]
    return _analyzed(folder, logs)


def test_a_job_that_began_something_just_before_its_database_stalled_is_the_root(tmp_path) -> None:
    causes = _migration(tmp_path, job_calls_the_database=True)
    assert causes[0].service == "db-migrate", [(c.service, c.departures) for c in causes]
    changes = [d for d in causes[0].departures if d.description.startswith("a change: said for the first time")]
    assert changes and changes[0].kind == "new" and changes[0].onset == WORKER_START + timedelta(minutes=15)
    assert causes[0].explains and "consent-db" in [link.service for link in causes[0].explains], causes[0].explains


def test_a_job_that_had_said_one_thing_before_its_change_is_the_root(tmp_path) -> None:
    # The job checks for migrations every 20 minutes: one line before its change, the database's
    # line naming it only after. One line of its usual work tells its new statements apart.
    causes = _migration(tmp_path, job_calls_the_database=True, checks_every_s=20 * 60)
    assert causes[0].service == "db-migrate", [(c.service, c.departures) for c in causes]


def test_a_change_no_log_ties_to_anything_just_before_the_first_trouble_is_the_root(tmp_path) -> None:
    # The same lines, but nothing ties db-migrate to consent-db. Its change came five seconds
    # before the first trouble anywhere: what changed just before it broke.
    causes = _migration(tmp_path, job_calls_the_database=False)
    assert causes[0].service == "db-migrate", [(c.service, c.departures) for c in causes]
    assert "consent-db" in [link.service for link in causes[0].explains], causes[0].explains


def test_a_quiet_service_saying_something_new_of_another_service_just_before_is_no_change(tmp_path) -> None:
    # A broker that logs a line every five minutes says, five seconds before consent-db's
    # trouble, that it rebalances billing-api's group for a new member: news of billing-api's
    # instances, not a change of its own, and no suspect.
    change = WORKER_START + timedelta(minutes=15)
    logs = _billing(change + timedelta(seconds=5), "canceling statement due to statement timeout",
                    lambda s: f"INFO process {4000 + s} still waiting for RowExclusiveLock on relation 16390 after 1000.{s % 997:03d} ms")
    logs["bus"] = [f"{(WORKER_START + timedelta(minutes=m)).strftime('%Y-%m-%dT%H:%M:%S')}.300Z INFO Rolled new log segment at offset {m}"
                   for m in range(0, 30, 5)]
    logs["bus"].append(f"{change.strftime('%Y-%m-%dT%H:%M:%S')}.000Z INFO [GroupCoordinator 1]: Preparing to rebalance group "
                       "billing-api-group (reason: Adding new member billing-api-7f9c2d1 with group instance id None)")
    causes = _analyzed(tmp_path, logs)
    assert causes[0].service == "consent-db", [(c.service, c.departures) for c in causes]
    assert "bus" not in [c.service for c in causes]


def test_a_change_that_ties_to_nothing_and_came_well_before_the_trouble_explains_nothing(tmp_path) -> None:
    # Nothing ties db-migrate to consent-db and the trouble began 40 s after its change: its two
    # new lines are no more than what any service says now and then, and it is no suspect.
    causes = _migration(tmp_path, job_calls_the_database=False, trouble_after_s=40)
    assert causes[0].service == "consent-db", [(c.service, c.departures) for c in causes]
    assert "db-migrate" not in [c.service for c in causes]


def test_a_stray_new_line_of_a_busy_service_is_no_change(tmp_path) -> None:
    # The same, but db-migrate logs a line every two seconds: a busy service says something new
    # now and then, and two new lines of its near the incident are chance, not a cause.
    causes = _migration(tmp_path, job_calls_the_database=True, busy=True)
    assert causes[0].service == "consent-db", [(c.service, c.departures) for c in causes]
