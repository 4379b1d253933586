"""How long requests spend in and between services, read from the times of lines that share a trace id.

A service that only slows down (its CPU starved, its network delayed) often logs nothing new: the
same lines, later. Where lines carry a trace or request id, the order and times of a request's
lines across services say where the time went, with no duration written in any line. A request's
lines, in time order, fall into *runs*: consecutive lines of one service.

- ``own``: the span of a run is the service's own work between two of its lines; a caller's lines
  are split around its callee's, so a caller waiting for a slow callee does not look slow itself;
- ``before``: from the request's last line before the service's first (its caller's, or that of a
  service called just before it) to that first line: the request travelling to it, and its work
  before it logs;
- ``wait``: how long the request waited on it beyond its own first-to-last lines (from the last
  line of another service before them to the first after them): the network both ways, and work
  it does before its first line or after its last. Bounded by any service's lines, not only the
  caller's: a caller that calls several services in turn without logging between them would
  otherwise charge all of them to the first;
- ``gap after`` / ``gap before``: the same gaps for each run of its lines, not only the
  request's first and last (a service that logs between its own calls slows there too when its
  CPU is starved).

A service whose delayed packets (a netem delay) or slow work holds requests up slows these in most
of its requests; a service that merely comes after it in some requests slows only in those, not in
most (a series counts when two thirds of its values after the change are beyond its normal range)
unless it always follows it. What the lines cannot tell: time spent in a service that logs no
trace id between two services' lines is charged to them, so the services that call one or are
called by one (by the call graph) are not measured, nor the gaps next to their lines
(``opaque_services``); a service that stopped logging altogether still hides that way.

Each series is a series of values in time order, in the shape of ``params.numeric_values``, so the
same change-point test scores them (in log scale: ``params.log_median_shift``); only slowing down
counts (a service answering faster is not a cause). Clock skew between hosts is a constant offset
within a pair of services, so it does not move a distribution.

Requests are sampled by their trace id's hash where there are many, so the work stays bounded.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import polars as pl

from rca.signals.features import as_cells

if TYPE_CHECKING:
    import networkx as nx

MEASURES = {
    "own": "its own time between its lines in a request",
    "before": "the time from a request's previous line to its first",
    "wait": "the time a request waited on it beyond its own lines",
    "gap after": "the time from each of its runs of lines to the next service's line",
    "gap before": "the time from the previous service's line to each of its runs of lines",
}
POSITION = {name: i for i, name in enumerate(MEASURES)}
# Records of requests read at most (whole requests, chosen by the hash of their trace id).
MAX_RECORDS = 400_000
MAX_REQUEST_LINES = 1_000
# Fewer values than in lines' numbers suffice: a request's timing is one value per request, and a
# slowed service's values jump by orders of magnitude, not by a few per cent.
MIN_VALUES = 12
MIN_BEFORE = 3
# Request times vary by a factor of e ** 0.5 (1.6) at least, however steady a few values look.
LOG_SPREAD = 0.5
# How clear (z squared) a slowing must be: five standard errors. The change point is the best of
# a scan over each series, and a service has five series; chance gives 10-16 now and then.
MIN_G = 25.0
# Most of a series' values must be beyond its normal range: a service next to a slowed one, in half
# of its requests, has half of its gaps slowed, not most.
MIN_BEYOND = 2 / 3


def opaque_services(records: pl.DataFrame, calls: nx.DiGraph) -> set[str]:
    """Services whose time in a request may hide work the request's lines do not show: those
    next to (``calls``: caller -> callee) a service that never logs a trace or request id. The
    time a call to such a service takes falls between its caller's own lines, and between
    theirs and their neighbours'; the time such a service spends between its calls to another
    (the other's lines consecutive in the request, maybe from different replicas) falls
    between the other's lines, whoever is slow."""
    records = as_cells(records)  # records one a row, or cells of them (rca.mine.compact)
    if "traced" not in records.columns:
        return set()
    traced = (
        records.lazy().group_by(pl.col("service").cast(pl.String))
        .agg(pl.col("traced").any())
        .collect(engine="streaming")
    )
    untraced = set(traced.filter(~pl.col("traced")).get_column("service").to_list())
    return {
        service for caller, callee in calls.edges for service, other in ((caller, callee), (callee, caller))
        if other in untraced and service not in untraced
    }


def request_timings(records: pl.DataFrame, opaque: Collection[str] = ()) -> pl.DataFrame:
    """One row per measured value: ``service``, ``template_id`` (the measure, a key of
    ``MEASURES``), ``position`` (its index there), ``label``, ``timestamp`` (of the run's or request's first line),
    ``value`` (seconds), ``seconds`` (true), in time order per series. No value is measured for
    a service in ``opaque`` (``opaque_services``), nor any gap next to one of its lines.

    >>> from datetime import datetime, timedelta
    >>> t0 = datetime(2026, 1, 1)
    >>> lines = [("a", 0), ("b", 5), ("b", 9), ("a", 20)]  # a calls b; b logs twice
    >>> frame = pl.DataFrame({"trace_id": [7] * 4, "service": [s for s, _ in lines],
    ...                       "timestamp": [t0 + timedelta(milliseconds=ms) for _, ms in lines]})
    >>> request_timings(frame).filter(pl.col("service") == "b").select("template_id", "value").rows()
    [('own', 0.004), ('before', 0.005), ('wait', 0.016), ('gap after', 0.011), ('gap before', 0.005)]
    """
    stamp = records.schema.get("timestamp", pl.Datetime("us"))
    schema = {"service": pl.String, "template_id": pl.String, "position": pl.Int32, "label": pl.String,
              "timestamp": stamp, "value": pl.Float64, "seconds": pl.Boolean}
    if "trace_id" not in records.columns or records.schema["trace_id"] == pl.Null:
        return pl.DataFrame(schema=schema)
    traced = (
        records.lazy()
        .select("trace_id", pl.col("service").cast(pl.String), "timestamp")
        .filter(pl.col("trace_id").is_not_null() & pl.col("service").is_not_null() & pl.col("timestamp").is_not_null())
    )
    # Counted first, so that only the sampled requests' records are ever copied out.
    n = traced.select(pl.len()).collect(engine="streaming").item()
    if n > MAX_RECORDS:
        traced = traced.filter(pl.col("trace_id").hash(seed=11) % -(-n // MAX_RECORDS) == 0)
    lines = traced.collect(engine="streaming")
    # Requests that reach more than one service only; an id on more lines than a request has is
    # not a request's (a placeholder id logged when tracing is off, a batch job's id).
    lines = lines.filter((pl.col("service").n_unique().over("trace_id") > 1) & (pl.len().over("trace_id") <= MAX_REQUEST_LINES))
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
        before=pl.col("end").shift().over("trace_id"), after=pl.col("start").shift(-1).over("trace_id"),
        previous=pl.col("service").shift().over("trace_id"), next=pl.col("service").shift(-1).over("trace_id"),
    )
    spans = runs.group_by("trace_id", "service").agg(
        pl.col("start").min(), pl.col("end").max(),
        before=pl.col("before").sort_by("start").first(), after=pl.col("after").sort_by("start").last(),
        previous=pl.col("previous").sort_by("start").first(), next=pl.col("next").sort_by("start").last(),
    ).filter(pl.col("before").is_not_null())
    before = spans.select("service", "start", "previous", measure=pl.lit("before"), value=pl.col("start") - pl.col("before"))
    wait = spans.select(
        "service", "start", "previous", "next", measure=pl.lit("wait"),
        value=(pl.col("after") - pl.col("before")) - (pl.col("end") - pl.col("start")),
    )
    gaps = runs.filter(pl.col("after").is_not_null())
    gap_after = gaps.select("service", "start", "next", measure=pl.lit("gap after"), value=pl.col("after") - pl.col("end"))
    gaps = runs.filter(pl.col("before").is_not_null())
    gap_before = gaps.select("service", "start", "previous", measure=pl.lit("gap before"), value=pl.col("start") - pl.col("before"))
    hidden = sorted(opaque)
    clear = ~pl.col("service").is_in(hidden) & ~pl.col("previous").fill_null("").is_in(hidden) & ~pl.col("next").fill_null("").is_in(hidden)
    return (
        pl.concat([own, before, wait, gap_after, gap_before], how="diagonal_relaxed")
        .filter(pl.col("value").is_not_null() & clear)
        .select("service", template_id="measure", position=pl.col("measure").replace_strict(POSITION, return_dtype=pl.Int32),
                label=pl.col("measure").replace_strict(MEASURES, return_dtype=pl.String), timestamp="start",
                value=pl.col("value").dt.total_microseconds() / 1e6, seconds=pl.lit(True))
        .sort("service", "position", "timestamp")
        .cast(schema)  # type: ignore[arg-type]
    )


def slowed_services(values: pl.DataFrame, *, origin: datetime, bucket: timedelta) -> pl.DataFrame:
    """The services that slowed, from ``request_timings``: each series' change scored by
    ``params.param_shifts`` as request times (``log_median_shift``, no counters, the bounds
    above), and one row per service with its clearest rising series that reaches ``MIN_G``
    (``service``, ``g``, ``onset``, ``detail``)."""
    from rca.signals.params import param_shifts

    shifts = param_shifts(
        values, origin=origin, bucket=bucket, min_values=MIN_VALUES, min_before=MIN_BEFORE, counters=False,
        log_spread=LOG_SPREAD, min_beyond=MIN_BEYOND,
    )
    risen = shifts.filter(pl.col("rising") & (pl.col("g") >= MIN_G))
    return risen.sort("g", descending=True).unique("service", keep="first", maintain_order=True).select(
        "service", "g", "onset",
        detail=pl.format("{} rose (from trace ids, {} values): median {} s -> {} s", "label", "n",
                         pl.col("normal").round_sig_figs(3), pl.col("incident").round_sig_figs(3)),
    )
