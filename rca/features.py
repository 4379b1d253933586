"""Records to series: counts per (service, statement, time bucket) on a full, zero-filled time grid.

A bucket with no record is data (a service that goes quiet is a signal), so every series has a
value in every bucket from the first record to the last.

A series is one log statement of one service. Where a line names its code location (a component
such as ``c.s.ContactsServiceImpl#31``, ``app.py:42`` or ``main.go:118``) that location is the
statement: it is exact, where a template miner may split one statement into several templates
when its variables vary in shape. Other lines are grouped by their template.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

# Bucket sizes a person would pick, in seconds.
NICE_BUCKETS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
ERROR_LEVELS = ("WARN", "ERROR", "FATAL")
ERRORS_ID = "level:error"  # the series of a service's ERROR and FATAL lines, whatever their template
ERRORS_TEMPLATE = "(any line at ERROR or FATAL level)"
# A component that ends in a line number names one log statement.
LOCATED = r"[#:]\d+$"


@dataclass(frozen=True, slots=True)
class Features:
    """The count matrix and what each of its rows is.

    ``series``: one row per (service, key), row ``sid`` of ``counts``, where ``key`` is the
    statement (``statement``, a code location, when lines carry one) or else the ``template_id``;
    with the ``template_id`` and ``template`` most of its lines have, ``error_share`` (records at
    WARN or above), ``total``, ``first_seen``, ``last_seen``.
    ``counts``: ``(n_series, n_buckets)`` records per bucket; bucket ``i`` starts at
    ``origin + i * bucket``. ``events``: one row per timed record with its ``sid``, ``bucket``,
    ``timestamp``, ``source``, ``line`` and ``message``.
    ``baseline_counts``/``baseline_buckets``: each series' count in known-good logs, and their
    length in buckets (0 without a baseline).
    """

    origin: datetime
    bucket: timedelta
    series: pl.DataFrame
    counts: np.ndarray
    events: pl.DataFrame
    baseline_counts: np.ndarray
    baseline_buckets: float

    @property
    def n_buckets(self) -> int:
        return int(self.counts.shape[1])

    def bucket_start(self, index: int) -> datetime:
        return self.origin + index * self.bucket


def choose_bucket(span: timedelta, *, target: int = 120) -> timedelta:
    """The smallest nice bucket that cuts ``span`` into at most ``target`` buckets.

    >>> choose_bucket(timedelta(minutes=3))
    datetime.timedelta(seconds=2)
    """
    wanted = span.total_seconds() / target
    for size in NICE_BUCKETS_S:
        if size >= wanted:
            return timedelta(seconds=size)
    return timedelta(days=math.ceil(wanted / 86400))


def build_features(records: pl.DataFrame, *, bucket: timedelta | None = None,
                   baseline: pl.DataFrame | None = None) -> Features:
    """Count records per (service, template, bucket); records without a timestamp are left out.

    ``baseline``: records of known-good logs (templates mined together with ``records``). They
    are not on the grid; each series gets their count in ``baseline_counts`` and their span in
    buckets in ``baseline_buckets``. Series seen only in the baseline are kept, with zero counts.
    """
    timed = records.filter(pl.col("timestamp").is_not_null())
    first, last = timed.get_column("timestamp").min(), timed.get_column("timestamp").max()
    size = bucket or choose_bucket(last - first)  # type: ignore[operator]
    grid_origin = _floor(first, size)  # type: ignore[arg-type]
    micros = int(size.total_seconds() * 1_000_000)
    n_buckets = int((last - grid_origin) // size) + 1  # type: ignore[operator]
    events = _keyed(timed).select(
        "service", "key", "statement", "template_id", "timestamp", "source", "line", "message", "level", "trace_id",
        bucket=((pl.col("timestamp") - pl.lit(grid_origin)).dt.total_microseconds() // micros).cast(pl.Int32),
    )
    # Each service's error-level lines also form one series: an access log's 502s share their
    # template with its 200s, and only the level tells them apart.
    events = pl.concat([events, _error_lines(events)])
    if baseline is not None:
        baseline = _keyed(baseline)
        baseline = pl.concat([baseline, _error_lines(baseline)])
    normal = _baseline_counts(baseline)
    keys = events.select("service", "key", "statement", "template_id", "level")
    if normal is not None:
        keys = pl.concat([keys, baseline.select(keys.columns)])  # type: ignore[union-attr]
    series = (
        keys.group_by("service", "key")
        .agg(
            pl.col("statement").first(),
            pl.col("template_id").mode().sort().first(),
            error_share=pl.col("level").cast(pl.String).is_in(ERROR_LEVELS).mean(),
        )
        .join(
            events.group_by("service", "key").agg(
                total=pl.len(), first_seen=pl.col("timestamp").min(), last_seen=pl.col("timestamp").max()
            ),
            on=["service", "key"],
            how="left",
        )
        .with_columns(pl.col("total").fill_null(0))
        .sort("service", "key")
        .with_row_index("sid")
    )
    templates = pl.concat([records.select("template_id", "template"), pl.DataFrame({"template_id": [ERRORS_ID], "template": [ERRORS_TEMPLATE]})])
    if baseline is not None:
        templates = pl.concat([templates, baseline.select("template_id", "template")])
    series = series.join(templates.unique("template_id"), on="template_id", how="left")
    events = events.join(series.select("service", "key", "sid"), on=["service", "key"]).drop("level", "key", "statement", "template_id")
    cells = events.group_by("sid", "bucket").len()
    counts = np.zeros((series.height, n_buckets), dtype=np.float64)
    counts[cells.get_column("sid").to_numpy(), cells.get_column("bucket").to_numpy()] = cells.get_column("len").to_numpy()
    baseline_counts = np.zeros(series.height)
    baseline_buckets = 0.0
    if normal is not None:
        joined = series.select("sid", "service", "key").join(normal[0], on=["service", "key"])
        baseline_counts[joined.get_column("sid").to_numpy()] = joined.get_column("n").to_numpy()
        baseline_buckets = max(1.0, normal[1] / size)
    return Features(grid_origin, size, series, counts, events, baseline_counts, baseline_buckets)


def _keyed(records: pl.DataFrame) -> pl.DataFrame:
    """``records`` with ``statement`` (the code location, if the component is one) and the series ``key``."""
    component = pl.col("component") if "component" in records.columns else pl.lit(None, pl.String)
    statement = pl.when(component.str.contains(LOCATED)).then(component)
    keyed = records.with_columns(statement=statement, key=pl.coalesce(statement, pl.col("template_id")))
    return keyed if "trace_id" in keyed.columns else keyed.with_columns(trace_id=pl.lit(None, pl.String))


def _error_lines(records: pl.DataFrame) -> pl.DataFrame:
    return records.filter(pl.col("level").cast(pl.String).is_in(("ERROR", "FATAL"))).with_columns(
        template_id=pl.lit(ERRORS_ID), key=pl.lit(ERRORS_ID), statement=pl.lit(None, pl.String)
    )


def _baseline_counts(baseline: pl.DataFrame | None) -> tuple[pl.DataFrame, timedelta] | None:
    if baseline is None:
        return None
    timed = baseline.filter(pl.col("timestamp").is_not_null())
    span = timed.get_column("timestamp").max() - timed.get_column("timestamp").min()  # type: ignore[operator]
    return timed.group_by("service", "key").agg(n=pl.len()), span  # type: ignore[return-value]


def _floor(ts: datetime, size: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=ts.tzinfo)
    return epoch + ((ts - epoch) // size) * size
