"""Frames to the frozen results: root causes with their evidence (change, onset, example lines, effects)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from rca.features import ERRORS_ID, Features
from rca.model import Anomaly, Change, Effect, Example, GraphEdge, RootCause, ServiceRates, Timeline
from rca.rank import SIGNALS, explained

if TYPE_CHECKING:
    import networkx as nx

EXAMPLES = 3


def change_of(row: dict[str, object], features: Features) -> Change:
    per_minute = 60.0 / features.bucket.total_seconds()
    return Change(
        kind=str(row["kind"]),
        count_before=int(row["before"]),  # type: ignore[call-overload]
        count_after=int(row["after"]),  # type: ignore[call-overload]
        rate_before=float(row["rate_before"]) * per_minute,  # type: ignore[arg-type]
        rate_after=float(row["rate_after"]) * per_minute,  # type: ignore[arg-type]
    )


def onset_times(anomalies: pl.DataFrame, features: Features) -> pl.DataFrame:
    """``sid`` -> ``onset``: the first record of a rising series in its onset bucket (or later), and for
    a falling one the start of the bucket where it went quiet."""
    rising = anomalies.filter(pl.col("kind").is_in(["new", "up"])).select("sid", "onset_bucket")
    first_records = (
        features.events.join(rising, on="sid")
        .filter(pl.col("bucket") >= pl.col("onset_bucket"))
        .group_by("sid")
        .agg(pl.col("timestamp").min().alias("onset"))
    )
    origin, size = features.origin, features.bucket
    grid = anomalies.select(
        "sid", onset=pl.lit(origin) + pl.duration(microseconds=pl.col("onset_bucket") * int(size.total_seconds() * 1e6))
    )
    return grid.join(first_records, on="sid", how="left", suffix="_record").select(
        "sid", onset=pl.coalesce("onset_record", "onset").dt.cast_time_unit("us")
    )


def examples_of(features: Features, sid: int, kind: str, start: int) -> tuple[Example, ...]:
    """Real lines behind a series: the first ones of the incident, or for a falling series the last
    ones before it fell quiet."""
    lines = features.events.filter(pl.col("sid") == sid)
    if kind in ("stopped", "down"):
        lines = lines.filter(pl.col("bucket") < start).sort("timestamp", descending=True)
    else:
        lines = lines.filter(pl.col("bucket") >= start - 1).sort("timestamp")
    return Example.all_in(lines.head(EXAMPLES))


def anomalies_of(anomalies: pl.DataFrame, features: Features, *, limit: int) -> tuple[Anomaly, ...]:
    table = anomalies.head(limit)
    return tuple(
        Anomaly(row["service"], row["template_id"], row["template"] or "", change_of(row, features), row["onset"],
                round(row["score"], 3))
        for row in table.iter_rows(named=True)
    )


def root_causes(ranked: pl.DataFrame, features: Features, graph: nx.DiGraph, *, top: int) -> tuple[RootCause, ...]:
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
                explains=_effects(graph, row["service"], service_onset),
                series=tuple(int(n) for n in features.counts[row["sid"]]),
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
