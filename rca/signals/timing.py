"""How long requests spend in each service, read from the times of the lines that carry one trace id.

A service that only slows down (its CPU starved, its network delayed) often logs nothing new: the
same lines, later. Where lines carry a trace or request id, the order and times of a request's
lines across services say where the time went, with no duration written in any line:

- ``own``: a service's consecutive lines within one request (a *run*, until another service's
  line comes between) span its own work; a caller's lines are split around its callee's, so a
  caller waiting for a slow callee does not look slow itself;
- ``reach``: from the request's last line before the service's first (its caller's, or that of a
  service called just before it) to that first line: the request travelling to it, and its work
  before it logs;
- ``wait``: how long the request waited for it beyond its own first-to-last lines (from the last
  line of another service before them to the first after them): the network both ways, and work
  it does before its first line or after its last. Bounded by any service's line, not only the
  caller's: a caller that calls several services in turn without logging between them would
  otherwise charge all of them to the first.

Each (service, measure) becomes a series of values in time
order, in the shape of ``params.numeric_values``, so the same change-point test scores them; only
slowing down counts (a service answering faster is not a cause). Clock skew between hosts is a
constant offset within a pair of services, so it does not move a distribution.

Requests are sampled by their trace id's hash where there are many, so the work stays bounded.
"""

from __future__ import annotations

import polars as pl

MEASURES = {
    "own": "time between its own lines in one request",
    "reach": "time from a request's previous line to its first",
    "wait": "time a request waited on it beyond its own lines",
}
POSITION = {name: i for i, name in enumerate(MEASURES)}
# Records of requests read at most (whole requests, chosen by the hash of their trace id).
MAX_RECORDS = 400_000
# Fewer values than in lines' numbers suffice: a request's timing is one value per request, and a
# slowed service's values jump by orders of magnitude, not by a few per cent.
MIN_VALUES = 12
MIN_BEFORE = 3
# Request times vary by a factor of e ** 0.5 (1.6) at least, however steady a few values look.
LOG_SPREAD = 0.5
TEMPLATE_ID = "timing"


def request_timings(records: pl.DataFrame) -> pl.DataFrame:
    """One row per measured value: ``service``, ``template_id`` (``timing``), ``position`` (which
    measure: 0 ``own``, 1 ``reach``, 2 ``wait``), ``label``, ``timestamp`` (the request's first line
    in the service), ``value`` (seconds) and ``seconds`` (true), in time order per series.

    >>> from datetime import datetime, timedelta
    >>> t0 = datetime(2026, 1, 1)
    >>> lines = [("a", 0), ("b", 5), ("b", 9), ("a", 20)]  # a calls b; b logs twice
    >>> frame = pl.DataFrame({"trace_id": [7] * 4, "service": [s for s, _ in lines],
    ...                       "timestamp": [t0 + timedelta(milliseconds=ms) for _, ms in lines]})
    >>> request_timings(frame).select("service", "position", "value").rows()
    [('b', 0, 0.004), ('b', 1, 0.005), ('b', 2, 0.016)]
    """
    stamp = records.schema.get("timestamp", pl.Datetime("us"))
    schema = {"service": pl.String, "template_id": pl.String, "position": pl.Int32, "label": pl.String,
              "timestamp": stamp, "value": pl.Float64, "seconds": pl.Boolean}
    if "trace_id" not in records.columns or records.schema["trace_id"] == pl.Null:
        return pl.DataFrame(schema=schema)
    lines = (
        records.lazy()
        .select("trace_id", pl.col("service").cast(pl.String), "timestamp")
        .filter(pl.col("trace_id").is_not_null() & pl.col("service").is_not_null() & pl.col("timestamp").is_not_null())
        .collect(engine="streaming")
    )
    if lines.height > MAX_RECORDS:
        every = -(-lines.height // MAX_RECORDS)
        lines = lines.filter(pl.col("trace_id").hash(seed=11) % every == 0)
    # Requests that reach more than one service only.
    lines = lines.filter(pl.col("service").n_unique().over("trace_id") > 1)
    if lines.height == 0:
        return pl.DataFrame(schema=schema)
    lines = lines.sort("trace_id", "timestamp", "service", maintain_order=True)
    new_run = (pl.col("trace_id") != pl.col("trace_id").shift()) | (pl.col("service") != pl.col("service").shift())
    runs = (
        lines.with_columns(run=new_run.fill_null(True).cum_sum())
        .group_by("run", maintain_order=True)
        .agg(pl.col("trace_id").first(), pl.col("service").first(), start=pl.col("timestamp").first(),
             end=pl.col("timestamp").last(), n=pl.len())
    )
    own = runs.filter(pl.col("n") > 1).select("service", "start", measure=pl.lit("own"), value=pl.col("end") - pl.col("start"))
    # Around a service's lines in a request: the last line of another service before its first,
    # and the first line of another after its last.
    runs = runs.with_columns(
        before=pl.col("end").shift().over("trace_id"), after=pl.col("start").shift(-1).over("trace_id")
    )
    spans = runs.group_by("trace_id", "service").agg(
        pl.col("start").min(), pl.col("end").max(),
        before=pl.col("before").sort_by("start").first(), after=pl.col("after").sort_by("start").last(),
    ).filter(pl.col("before").is_not_null())
    reach = spans.select("service", "start", measure=pl.lit("reach"), value=pl.col("start") - pl.col("before"))
    wait = spans.select(
        "service", "start", measure=pl.lit("wait"),
        value=(pl.col("after") - pl.col("before")) - (pl.col("end") - pl.col("start")),
    )
    values = pl.concat([own, reach, wait]).filter(pl.col("value").is_not_null())
    return values.select(
        "service", template_id=pl.lit(TEMPLATE_ID), position=pl.col("measure").replace_strict(POSITION, return_dtype=pl.Int32),
        label=pl.col("measure").replace_strict(MEASURES, return_dtype=pl.String), timestamp="start",
        value=pl.col("value").dt.total_microseconds() / 1e6, seconds=pl.lit(True),
    ).sort("service", "position", "timestamp").cast(schema)  # type: ignore[arg-type]
