"""Request timing from lines that share a trace id: a slowed service is found though no line says how long anything took."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from rca.pipeline import analyze
from rca.settings import Settings
from rca.signals.timing import (
    request_timings,
    slowed_services,
)

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _requests(n: int, *, slow_from: int | None, delay_s: float = 1.0, cpu: bool = False, seed: int = 5) -> list[tuple[str, str, datetime, str]]:
    """(service, trace id, time, message) of ``n`` requests web -> api -> db, one every 3 s. From
    request ``slow_from`` on, db's network is slow (``delay_s`` each way) or its CPU is (``cpu``)."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        trace = f"{rng.getrandbits(128):032x}"
        slow = slow_from is not None and i >= slow_from
        t = T0 + timedelta(seconds=3 * i + rng.uniform(0, 1))

        def ms(median: float) -> timedelta:
            return timedelta(milliseconds=median * rng.lognormvariate(0, 0.3))

        lines.append(("web", trace, t, "request received GET /checkout"))
        t += ms(2)
        lines.append(("api", trace, t, "loading cart"))
        t += ms(3)
        lines.append(("api", trace, t, "querying stock"))
        t += ms(4) + (timedelta(seconds=delay_s) if slow and not cpu else timedelta())
        lines.append(("db", trace, t, "select from stock"))
        t += ms(5) * (40 if slow and cpu else 1)
        lines.append(("db", trace, t, "select done"))
        t += ms(4) + (timedelta(seconds=delay_s) if slow and not cpu else timedelta())
        lines.append(("api", trace, t, "stock checked"))
        t += ms(2)
        lines.append(("web", trace, t, "request done status=200"))
    return lines


def _frame(lines: list[tuple[str, str, datetime, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"service": [s for s, *_ in lines], "trace_id": [t for _, t, *_ in lines], "timestamp": [at for _, _, at, _ in lines]},
        schema_overrides={"timestamp": pl.Datetime("us", "UTC")},
    )


def _slowed(frame: pl.DataFrame) -> pl.DataFrame:
    values = request_timings(frame)
    return slowed_services(values, origin=T0, bucket=timedelta(seconds=10))


def test_each_measure_is_taken_from_the_request_lines() -> None:
    values = request_timings(_frame(_requests(1, slow_from=None)))
    by = {(r["service"], r["template_id"]): r["value"] for r in values.iter_rows(named=True)}
    # Runs: web, api (2 lines), db (2 lines), api, web: own times of api and db; web is where the
    # request starts, so nothing comes before it.
    assert set(by) == {("api", "own"), ("db", "own"), ("api", "before"), ("api", "wait"), ("db", "before"), ("db", "wait"),
                       ("web", "gap after"), ("api", "gap before"), ("api", "gap after"), ("db", "gap before"),
                       ("db", "gap after"), ("web", "gap before")}
    assert all(0 < value < 0.05 for value in by.values())


def test_a_network_delay_blames_the_slowed_callee_not_its_callers() -> None:
    slowed = _slowed(_frame(_requests(120, slow_from=80)))
    assert set(slowed.get_column("service")) == {"db"}
    assert "-> 2" in slowed.row(0, named=True)["detail"]  # two seconds (both ways), from a few milliseconds


def test_a_service_that_merely_comes_after_a_delayed_one_is_not_blamed() -> None:
    """api calls db and cache in either order, logging nothing between them: when db's answers
    are late, the gap from db's line to cache's rises too, but cache's gaps from api do not."""
    rng = random.Random(9)
    lines = []
    for i in range(160):
        trace, t = f"{rng.getrandbits(128):032x}", T0 + timedelta(seconds=3 * i)
        late = timedelta(seconds=0.8) if i >= 100 else timedelta()
        lines.append(("api", trace, t, "handling"))
        for callee in (("db", "cache") if rng.random() < 0.5 else ("cache", "db")):
            t += timedelta(milliseconds=3 * rng.lognormvariate(0, 0.3))
            lines.append((callee, trace, t, "served"))
            t += late if callee == "db" else timedelta()
        t += timedelta(milliseconds=3 * rng.lognormvariate(0, 0.3))
        lines.append(("api", trace, t, "done"))
    slowed = _slowed(_frame(lines))
    assert set(slowed.get_column("service")) == {"db"}


def test_cpu_contention_shows_in_the_service_s_own_time() -> None:
    slowed = _slowed(_frame(_requests(120, slow_from=80, cpu=True)))
    assert set(slowed.get_column("service")) == {"db"}
    assert slowed.row(0, named=True)["detail"].startswith("its own time")


def test_steady_requests_are_not_a_shift() -> None:
    for seed in range(5):
        assert _slowed(_frame(_requests(120, slow_from=None, seed=seed))).height == 0


def test_a_few_normal_requests_suffice_for_a_jump_of_orders_of_magnitude() -> None:
    # Nine requests before the delay (a short capture, like a minute before an alert).
    slowed = _slowed(_frame(_requests(40, slow_from=9)))
    assert set(slowed.get_column("service")) == {"db"}


def test_no_trace_ids_means_no_timing() -> None:
    frame = _frame(_requests(10, slow_from=None)).with_columns(trace_id=pl.lit(None, pl.Null))
    assert request_timings(frame).height == 0


def test_analyze_names_a_service_that_only_slowed_from_its_request_lines(tmp_path: Path) -> None:
    """End to end: three services' files, trace ids in the lines, no duration written anywhere."""
    lines = _requests(200, slow_from=130, delay_s=2.0)
    for service in ("web", "api", "db"):
        text = "".join(
            f"{at.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z INFO {message} trace_id={trace}\n"
            for s, trace, at, message in sorted(lines, key=lambda row: row[2]) if s == service
        )
        (tmp_path / f"{service}.log").write_text(text)
    analysis = analyze([str(tmp_path)], Settings())
    root = analysis.root_causes[0]
    assert root.service == "db"
    timing = [d for d in root.departures if d.kind == "shifted" and "trace ids" in d.description]
    assert timing, root.departures
    assert abs((root.onset - (T0 + timedelta(seconds=390))).total_seconds()) < 10


def test_a_service_that_calls_one_without_trace_ids_is_not_measured() -> None:
    """api calls db, whose lines carry no trace id: when db slows, the time falls between
    api's own lines, and api would be taken for the slow one."""
    import networkx as nx

    from rca.signals.timing import opaque_services

    lines = _requests(120, slow_from=80, cpu=True)
    frame = _frame(lines).with_columns(trace_id=pl.when(pl.col("service") == "db").then(None).otherwise(pl.col("trace_id")))
    # Seen without the call graph, db's slow work is api's own time.
    assert set(_slowed(frame).get_column("service")) == {"api"}
    graph = nx.DiGraph([("web", "api"), ("api", "db")])
    opaque = opaque_services(frame, graph)
    assert opaque == {"api"}
    values = request_timings(frame, opaque)
    assert set(values.get_column("service")) == set()  # web's gaps are all next to api's lines
    assert slowed_services(values, origin=T0, bucket=timedelta(seconds=10)).height == 0


def test_a_service_called_by_one_without_trace_ids_is_not_measured() -> None:
    """quota logs no trace id and calls config twice per request, config logging one line a call
    (from either replica): when quota's own work between the calls slows, config's two lines,
    consecutive in the request, grow apart, and config would be taken for the slow one."""
    import networkx as nx

    from rca.signals.timing import opaque_services

    rng = random.Random(3)
    lines = []
    for i in range(120):
        trace, t = f"{rng.getrandbits(128):032x}", T0 + timedelta(seconds=3 * i)
        lines.append(("web", trace, t, "request received"))
        t += timedelta(milliseconds=5 * rng.lognormvariate(0, 0.3))
        lines.append(("config", trace, t, "request completed"))
        t += timedelta(milliseconds=(40 if i < 80 else 900) * rng.lognormvariate(0, 0.3))  # quota's own work
        lines.append(("config", trace, t, "request completed"))
        t += timedelta(milliseconds=5 * rng.lognormvariate(0, 0.3))
        lines.append(("web", trace, t, "request done"))
    frame = pl.concat([
        _frame(lines),
        pl.DataFrame({"service": ["quota"], "trace_id": [None], "timestamp": [T0]},
                     schema={"service": pl.String, "trace_id": pl.String, "timestamp": pl.Datetime("us", "UTC")}),
    ])
    assert set(_slowed(frame).get_column("service")) == {"config"}  # seen without the call graph
    graph = nx.DiGraph([("web", "quota"), ("quota", "config")])
    opaque = opaque_services(frame.with_columns(traced=pl.col("trace_id").is_not_null()), graph)
    assert opaque == {"web", "config"}
    assert slowed_services(request_timings(frame, opaque), origin=T0, bucket=timedelta(seconds=10)).height == 0


def test_one_id_on_every_line_is_not_a_request() -> None:
    """A placeholder trace id logged on every line (tracing off) makes no timing."""
    frame = _frame(_requests(300, slow_from=None)).with_columns(trace_id=pl.lit("0" * 32))
    assert request_timings(frame).height == 0


def test_clocks_that_disagree_reorder_lines_and_change_nothing() -> None:
    """db's host clock runs 50 ms behind, so its lines come before those of the call that made
    them: the delay that follows is still found, with a finite G, and steady requests are no shift."""
    lines = [(s, trace, at - timedelta(milliseconds=50) if s == "db" else at, m) for s, trace, at, m in _requests(120, slow_from=80)]
    slowed = _slowed(_frame(lines))
    assert set(slowed.get_column("service")) == {"db"}
    assert slowed.get_column("g").is_finite().all()
    steady = [(s, trace, at - timedelta(milliseconds=50) if s == "db" else at, m) for s, trace, at, m in _requests(120, slow_from=None)]
    assert _slowed(_frame(steady)).height == 0
