"""Frames to the frozen results: root causes with their evidence (change, onset, example lines, effects)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from rca.mine.compact import spread_records
from rca.model import (
    Anomaly,
    CallEdge,
    Change,
    Departure,
    Effect,
    Example,
    GraphEdge,
    RootCause,
    ServiceRates,
    Timeline,
)
from rca.ranking.rank import SIGNALS, explained
from rca.signals.detect import above_normal
from rca.signals.features import ERRORS_ID, Features

if TYPE_CHECKING:
    import networkx as nx

EXAMPLES = 3
WINDOW_LINES = 20
# A change is dated to the record within this many buckets after its onset bucket (where the
# counts say it began): the records of a busy series after that are not read.
ONSET_SEARCH_BUCKETS = 4
# Kinds of departure as the JSON names them (its schema's ``kind``): a change of what a service
# does (``pipeline._change_departures``) is new statements, shown as such with what they mean.
PUBLIC_KIND = {"changed": "new"}


def change_of(row: dict[str, object], features: Features) -> Change:
    per_minute = 60.0 / features.bucket.total_seconds()
    return Change(
        kind=PUBLIC_KIND.get(str(row["kind"]), str(row["kind"])),
        count_before=int(row["before"]),  # type: ignore[call-overload]
        count_after=int(row["after"]),  # type: ignore[call-overload]
        rate_before=float(row["rate_before"]) * per_minute,  # type: ignore[arg-type]
        rate_after=float(row["rate_after"]) * per_minute,  # type: ignore[arg-type]
        detail=row.get("detail"),  # type: ignore[arg-type]
    )


def onset_times(anomalies: pl.DataFrame, features: Features) -> pl.DataFrame:
    """``sid`` -> ``onset``: the first record of a rising series in its onset bucket (or later), and for
    a falling one the start of the bucket where it went quiet."""
    rising = anomalies.filter(pl.col("kind").is_in(["new", "up"])).select("sid", "onset_bucket")
    # Joined in the streaming engine, a batch of records at a time (as are the joins with the
    # events below: eagerly, every record's key is hashed at once).
    first_records = (
        features.events.lazy().join(rising.lazy(), on="sid")
        .filter(pl.col("bucket") >= pl.col("onset_bucket"))
        .group_by("sid")
        .agg(pl.col("timestamp").min().alias("onset"))
        .collect(engine="streaming")
    )
    origin, size = features.origin, features.bucket
    grid = anomalies.select(
        "sid", onset=pl.lit(origin) + pl.duration(microseconds=pl.col("onset_bucket") * int(size.total_seconds() * 1e6))
    )
    return grid.join(first_records, on="sid", how="left", suffix="_record").select(
        "sid", onset=pl.coalesce("onset_record", "onset").dt.cast_time_unit("us")
    )


def departure_onsets(departures: pl.DataFrame, features: Features) -> pl.DataFrame:
    """``sid``, ``kind``, ``onset_bucket`` -> ``onset_record``: when a departure began, to the second.

    A rising series: its first record from its onset bucket on. A statement that stopped, or a
    service that went quiet: half a normal gap after its last record (the next one was due then;
    the last record alone would date a quiet service earlier the less often it logs). A rate that
    fell but goes on: half a normal gap after its last record at the old rate (``_window_starts``).
    """
    size = features.bucket.total_seconds()
    keys = departures.select("sid", "kind", "onset_bucket", "rate_before", "rate_after").unique(["sid", "kind", "onset_bucket"])
    events = features.events.lazy().select("sid", "service", "bucket", "timestamp", "last", "n")
    group = ["sid", "kind", "onset_bucket"]
    half_gap = pl.duration(microseconds=(0.5e6 * size / pl.col("rate").clip(lower_bound=1e-9)).clip(upper_bound=size * 1e6).cast(pl.Int64))
    rising = _window_starts(keys.filter(pl.col("kind").is_in(["new", "up"])), events, size, rising=True)
    stopped = keys.lazy().filter(pl.col("kind") == "stopped").join(events, on="sid").filter(
        pl.col("bucket") < pl.col("onset_bucket")
    ).group_by(group).agg(timestamp=pl.col("last").max(), rate=pl.col("rate_before").first()).collect(engine="streaming")
    services = features.series.select("sid", pl.col("service").cast(features.events.schema["service"]))
    silent = keys.lazy().filter(pl.col("kind") == "silent").join(services.lazy(), on="sid").join(
        events.drop("sid"), on="service"
    ).filter(pl.col("bucket") < pl.col("onset_bucket")).group_by(group).agg(
        timestamp=pl.col("last").max(), rate=pl.col("n").sum() / pl.col("onset_bucket").first().clip(lower_bound=1)
    ).collect(engine="streaming")
    quiet = pl.concat([stopped, silent]).select(*group, onset_record=pl.col("timestamp") + half_gap)
    down = _window_starts(keys.filter(pl.col("kind") == "down"), events, size, rising=False)
    found = pl.concat([rising, quiet.cast(rising.schema), down])  # type: ignore[arg-type]
    grid = keys.with_columns(
        onset_grid=pl.lit(features.origin)
        + pl.duration(microseconds=pl.col("onset_bucket").cast(pl.Int64) * int(size * 1e6))
    )
    return grid.join(found, on=group, how="left").select(
        *group, onset_record=pl.coalesce("onset_record", "onset_grid").dt.cast_time_unit("us")
    )


def _window_starts(keys: pl.DataFrame, events: pl.LazyFrame, size: float, *, rising: bool) -> pl.DataFrame:
    """When a rate changed, to the record: from the bucket before the onset bucket on, the first
    record that starts a window holding more records than the normal Poisson range allows
    (``detect.above_normal``); for a fall, within the window after the first
    record after which it holds clearly fewer (``n - 2 sqrt(n)``, at most a third of ``n``), the
    likeliest change point (``_fall_point``), plus half a normal gap. The window is as long as
    ``WINDOW_LINES`` normal records take (at most a bucket): a busy statement is dated to the
    second, a quiet one as well as its few lines allow. Read compact, the records are spread
    within their cells (``rca.mine.compact.spread_records``)."""
    near = pl.col("bucket").is_between(pl.col("onset_bucket") - 1, pl.col("onset_bucket") + ONSET_SEARCH_BUCKETS)
    lines = spread_records(keys.lazy().join(events, on="sid").filter(near)).collect(
        engine="streaming"
    ).sort("timestamp", "sid", "kind", "onset_bucket")
    rows = []
    for (sid, kind, onset_bucket), group in lines.group_by("sid", "kind", "onset_bucket", maintain_order=True):
        times = group.get_column("timestamp")
        seconds = (times - times[0]).dt.total_microseconds().to_numpy() / 1e6
        per_second = float(group.get_column("rate_before")[0]) / size
        window = min(size, WINDOW_LINES / per_second) if per_second > 0 else size
        expected = per_second * window
        if rising:
            inside = np.searchsorted(seconds, seconds + window, side="left") - np.arange(len(seconds))
            found = np.flatnonzero(inside > above_normal(expected))
            if len(found):
                # The window from that record on holds too many, but the rise may come late in
                # it, after a few of the statement's everyday lines: dated where a rise from the
                # normal rate to the new one is likeliest.
                after_per_second = float(group.get_column("rate_after")[0]) / size
                rows.append((sid, kind, onset_bucket, times[_rise_point(seconds, int(found[0]), window, per_second, after_per_second)]))
            continue
        after = np.searchsorted(seconds, seconds + window, side="right") - np.arange(len(seconds)) - 1
        found = np.flatnonzero(after <= min(expected - 2.0 * expected**0.5, expected / 3.0))
        if len(found):
            # The window after that record holds few, but the fall came somewhere within it:
            # dated where a fall from the normal rate to the new one is likeliest, half a normal
            # gap after the last record at the old rate.
            after_per_second = float(group.get_column("rate_after")[0]) / size
            last_normal = times[_fall_point(seconds, int(found[0]), window, per_second, after_per_second)]
            half_gap = min(0.5 / per_second, window / 2) if per_second > 0 else 0.0
            rows.append((sid, kind, onset_bucket, last_normal + timedelta(seconds=half_gap)))
    schema = {"sid": keys.schema["sid"], "kind": pl.String, "onset_bucket": keys.schema["onset_bucket"],
              "onset_record": events.collect_schema()["timestamp"]}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _rise_point(seconds: np.ndarray, first: int, window: float, before: float, after: float) -> int:
    """The record with which a rate rose from ``before`` to ``after`` (a second), among the
    records from ``first`` to one ``window`` on: ``first``, unless the step up is likeliest
    later (for a Poisson rate, a rise at record ``i`` scores ``(n - i) log(after / before) -
    (after - before) (t_end - t_i)`` over the ``n`` records up to ``t_end``) and the records
    before it are no more than the statement's everyday lines (at most ``e + 3 sqrt(e) + 2`` of
    ``e`` expected); where they are more, the rise began with them (a ramp: a pool filling up).

    >>> t = np.array([0.0, 6.0, 17.0, 25.0, 25.1, 25.2, 25.3, 25.4])
    >>> _rise_point(t, 0, 30.0, 0.01, 10.0)
    3
    >>> _rise_point(np.array([0.0, 10.0, 14.0, 17.0, 19.0, 20.5, 25.0, 25.1, 25.2, 25.3]), 0, 30.0, 0.01, 10.0)
    0
    """
    end = int(np.searchsorted(seconds, seconds[first] + window, side="right"))
    if before <= 0 or after <= before or end <= first + 1:
        return first
    candidates = np.arange(first, end)
    score = (end - candidates) * np.log(after / before) - (after - before) * (seconds[first] + window - seconds[candidates])
    step = int(candidates[int(np.argmax(score))])
    expected = before * (seconds[step] - seconds[first])
    return step if step - first <= expected + 3.0 * np.sqrt(expected) + 2.0 else first


def _fall_point(seconds: np.ndarray, first: int, window: float, before: float, after: float) -> int:
    """The record after which a rate most likely fell from ``before`` to ``after`` (a second),
    among the records from ``first`` to one ``window`` on: for a Poisson rate, the change point
    after record ``i`` scores ``i log(before / after) - (before - after) t_i``."""
    end = int(np.searchsorted(seconds, seconds[first] + window, side="right"))
    candidates = np.arange(first, max(end, first + 1))
    after = min(max(after, before / 100.0), before)
    if before <= 0 or after >= before:
        return first
    score = candidates * np.log(before / after) - (before - after) * seconds[candidates]
    return int(candidates[int(np.argmax(score))])


def examples_of(features: Features, sid: int, kind: str, start: int) -> tuple[Example, ...]:
    """Real lines behind a series: the first ones of the incident, or for a falling series the last
    ones before it fell quiet."""
    falling = kind in ("stopped", "down")
    # Read compact, the lines whose texts were kept (each knows its series); else every record.
    if features.texts is None:
        lines = features.events.filter(pl.col("sid") == sid)
    else:
        lines = features.texts.filter((pl.col("sid") == sid) | (pl.col("error_sid") == sid))
    lines = lines.filter(pl.col("bucket") < start if falling else pl.col("bucket") >= start - 1)
    return Example.all_in(lines.sort("timestamp", descending=falling, maintain_order=True).head(EXAMPLES))


def anomalies_of(anomalies: pl.DataFrame, features: Features, *, limit: int) -> tuple[Anomaly, ...]:
    table = anomalies.head(limit)
    return tuple(
        Anomaly(row["service"], row["template_id"], row["template"] or "", change_of(row, features), row["onset"],
                round(row["score"], 3))
        for row in table.iter_rows(named=True)
    )


def departures_of(departures: pl.DataFrame, features: Features, service: str, *, limit: int = 5) -> tuple[Departure, ...]:
    """A service's departures, strongest first, one per statement."""
    mine = departures.filter(pl.col("service") == service)
    if mine.filter(pl.col("template_id") != ERRORS_ID).height:
        # The service's all-errors series repeats what its error statements already show.
        mine = mine.filter(pl.col("template_id") != ERRORS_ID)
    mine = (
        mine.sort(["g", "onset"], descending=[True, False])
        .unique(["template_id", "kind"], keep="first", maintain_order=True)
        .head(limit)
    )
    return tuple(
        Departure(PUBLIC_KIND.get(row["kind"], row["kind"]), row["template_id"] or "", row["template"] or "", row["onset"], round(float(row["g"]), 1),
                  change_of(row, features).describe())
        for row in mine.iter_rows(named=True)
    )


def calls_of(graph: nx.DiGraph) -> tuple[CallEdge, ...]:
    return tuple(
        CallEdge(caller, callee, tuple(sorted(set(data["evidence"]) - {"mentions", "resolver"})), int(data["templates"]),
                 int(data["error_lines"]), int(data["traces"]), "resolver" in data["evidence"])
        for caller, callee, data in sorted(graph.edges(data=True))
    )


def root_causes(
    ranked: pl.DataFrame, features: Features, graph: nx.DiGraph, *, top: int, departures: pl.DataFrame | None = None
) -> tuple[RootCause, ...]:
    """The ``top`` ranked services with their evidence series' change (``kind``, ``before``, ...,
    ``onset_bucket``), example lines and the effects they explain."""
    service_onset = dict(zip(ranked.get_column("service"), ranked.get_column("onset"), strict=True))
    causes = []
    for row in ranked.head(top).iter_rows(named=True):
        causes.append(
            RootCause(
                rank=row["rank"],
                service=row["service"],
                template_id=row["template_id"],
                template=row["template"] or "",
                score=round(row["score"], 3),
                signals={name: None if row[name] is None else round(row[name], 3) for name in SIGNALS},
                onset=row["onset"],
                change=change_of(row, features),
                examples=examples_of(features, row["sid"], row["kind"], row["onset_bucket"]),
                explains=(effects := _effects(graph, row["service"], service_onset)),
                series=tuple(int(n) for n in features.counts[row["sid"]]),
                departures=() if departures is None else departures_of(departures, features, row["service"]),
                chain=max((e.path for e in effects), key=len, default=(row["service"],)),
            )
        )
    return tuple(causes)


def _effects(graph: nx.DiGraph, service: str, onset: dict[str, datetime]) -> tuple[Effect, ...]:
    effects = []
    for other, path in explained(graph, service):
        lag = max(0.0, (onset[other] - onset[service]).total_seconds()) if other in onset and service in onset else 0.0
        evidence = tuple(sorted({kind for a, b in zip(path, path[1:]) for kind in graph.edges[a, b]["evidence"]}))
        effects.append(Effect(other, round(lag, 3), tuple(path), evidence))
    return tuple(effects)


def edges_of(graph: nx.DiGraph) -> tuple[GraphEdge, ...]:
    return tuple(
        GraphEdge(cause, effect, round(data["lag_s"], 3), data["strength"], tuple(data["evidence"]))
        for cause, effect, data in sorted(graph.edges(data=True))
    )


def timeline_of(features: Features) -> Timeline:
    """Each service's lines and error lines per bucket (services in name order)."""
    series = features.series.select("sid", "service", errors=pl.col("key") == ERRORS_ID)
    rates = []
    for service, group in sorted(series.group_by("service"), key=lambda item: str(item[0][0])):
        errors = group.filter(pl.col("errors")).get_column("sid").to_list()
        lines = group.filter(~pl.col("errors")).get_column("sid").to_list()
        rates.append(ServiceRates(
            str(service[0]),
            tuple(int(n) for n in features.counts[lines].sum(axis=0)),
            tuple(int(n) for n in features.counts[errors].sum(axis=0)) if errors else (0,) * features.n_buckets,
        ))
    return Timeline(features.origin, features.bucket.total_seconds(), tuple(rates))
