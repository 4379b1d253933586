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
FAILING_LEVELS = ("ERROR", "FATAL")  # the levels of a service's errors series (``ERRORS_ID``)
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
    ``timestamp``, ``source``, ``line`` and ``message``; read compact, one row per cell of
    records (``rca.mine.compact``), with ``n`` and ``last`` and without ``message``. A record at
    ERROR or FATAL is also an event of its service's errors series.
    ``baseline_counts``/``baseline_buckets``: each series' count in known-good logs, and their
    length in buckets (0 without a baseline). ``texts``: for records read compact (whose events
    have no ``message``), the sampled texts (``rca.mine.compact``) with their ``sid``, ``bucket``
    and ``error_sid`` (the errors series of a line at ERROR or FATAL).
    """

    origin: datetime
    bucket: timedelta
    series: pl.DataFrame
    counts: np.ndarray
    events: pl.DataFrame
    baseline_counts: np.ndarray
    baseline_buckets: float
    texts: pl.DataFrame | None = None

    @property
    def n_buckets(self) -> int:
        return int(self.counts.shape[1])

    def bucket_start(self, index: int) -> datetime:
        return self.origin + index * self.bucket


def choose_bucket(span: timedelta, *, target: int = 120, at_least_s: int = 1) -> timedelta:
    """The smallest nice bucket that cuts ``span`` into at most ``target`` buckets, and is no
    shorter than ``at_least_s`` seconds (the records' cells, ``rca.mine.compact``).

    >>> choose_bucket(timedelta(minutes=3))
    datetime.timedelta(seconds=2)
    """
    wanted = max(span.total_seconds() / target, at_least_s)
    for size in NICE_BUCKETS_S:
        if size >= wanted:
            return timedelta(seconds=size)
    return timedelta(days=math.ceil(wanted / 86400))


@dataclass(frozen=True, slots=True)
class Normal:
    """What known-good logs say is normal, per series: ``table`` has one row per (``service``,
    ``key``) with ``statement``, ``template_id``, ``template``, ``n`` (records) and ``warn`` (records
    at WARN or above); ``span_s`` is how many seconds of logs the counts cover."""

    table: pl.DataFrame
    span_s: float


NORMAL_SCHEMA = {"service": pl.String, "key": pl.String, "statement": pl.String, "template_id": pl.String,
                 "template": pl.String, "n": pl.Int64, "warn": pl.Int64}


def normal_of(records: pl.DataFrame, *, span_s: float | None = None) -> Normal:
    """The normal counts of known-good ``records`` (with templates); ``span_s`` defaults to the
    time from their first timestamp to their last."""
    timed = as_cells(records.filter(pl.col("timestamp").is_not_null()))
    if span_s is None:
        span = timed.get_column("last").max() - timed.get_column("timestamp").min()  # type: ignore[operator]
        span_s = span.total_seconds() if timed.height else 0.0  # type: ignore[union-attr]
    # Read compact, services and templates are categorical: as text here.
    keyed = _keyed(timed.with_columns(pl.col("service").cast(pl.String), pl.col("template_id").cast(pl.String)))
    keyed = pl.concat([keyed, _error_lines(keyed)])
    # A key's template is its most frequent one (the smallest id of those, on a tie).
    mode = (
        keyed.group_by("service", "key", "template_id").agg(pl.col("n").sum())
        .sort(["n", "template_id"], descending=[True, False]).group_by("service", "key").agg(pl.col("template_id").first())
    )
    table = (
        keyed.group_by("service", "key")
        .agg(
            pl.col("statement").first(),
            pl.col("template").first(),
            n=pl.col("n").sum(),
            warn=pl.col("n").filter(pl.col("level").cast(pl.String).is_in(ERROR_LEVELS)).sum(),
        )
        .join(mode, on=["service", "key"])
        .with_columns(pl.when(pl.col("key") == ERRORS_ID).then(pl.lit(ERRORS_TEMPLATE)).otherwise("template").alias("template"))
        .sort("service", "key")
        .cast(NORMAL_SCHEMA)  # type: ignore[arg-type]
        .select(list(NORMAL_SCHEMA))
    )
    return Normal(table, float(span_s))


def build_features(
    records: pl.DataFrame, *, bucket: timedelta | None = None, normal: Normal | None = None, texts: pl.DataFrame | None = None,
    resolution_s: int = 1,
) -> Features:
    """Count records per (service, template, bucket); records without a timestamp are left out.

    ``normal``: counts of known-good logs (templates from the same tree as ``records``). They are
    not on the grid; each series gets its normal count in ``baseline_counts`` and the normal span
    in buckets in ``baseline_buckets``. Series seen only in the normal logs are kept, with zero counts.
    """
    # Filtering copies every column, messages included: only when some record has no time.
    timed = records.filter(pl.col("timestamp").is_not_null()) if records.get_column("timestamp").null_count() else records
    # Records one a row, or cells of them (rca.mine.compact): ``n`` records, the last at ``last``.
    timed = as_cells(timed)
    first, last = timed.get_column("timestamp").min(), timed.get_column("last").max()
    size = bucket or choose_bucket(last - first, at_least_s=resolution_s)  # type: ignore[operator]
    grid_origin = _floor(first, size)  # type: ignore[arg-type]
    micros = int(size.total_seconds() * 1_000_000)
    n_buckets = int((last - grid_origin) // size) + 1  # type: ignore[operator]
    ts = pl.col("timestamp")
    bucket_of = ((ts - pl.lit(grid_origin)).dt.total_microseconds() // micros).cast(pl.Int32)
    is_error = pl.col("level").is_in(FAILING_LEVELS)
    # The records' distinct (service, statement, template) with their counts and times, in the
    # streaming engine (a batch of records at a time): the series and each record's series come
    # from these few rows, and no key is made for every record.
    combos = (
        timed.lazy()
        .group_by("service", _statement(timed).alias("statement"), "template_id")
        .agg(
            n=pl.col("n").sum(), warn=pl.col("n").filter(pl.col("level").is_in(ERROR_LEVELS)).sum(), first_seen=ts.min(),
            last_seen=pl.col("last").max(), errors=pl.col("n").filter(is_error).sum(), first_error=ts.filter(is_error).min(),
            last_error=pl.col("last").filter(is_error).max(),
        )
        .collect(engine="streaming")
        .with_row_index("_combo")
    )
    # Read compact, services, statements and templates are categorical in the records: as text here.
    named = combos.with_columns(
        pl.col("service").cast(pl.String), pl.col("template_id").cast(pl.String),
        key=pl.coalesce(pl.col("statement").cast(pl.String), pl.col("template_id").cast(pl.String)),
    )
    # A series' template is its most frequent one (the smallest id of those, on a tie).
    statements = named.sort(["n", "template_id"], descending=[True, False], nulls_last=True).group_by("service", "key").agg(
        pl.col("statement").first().cast(pl.String),
        pl.col("template_id").first(),
        pl.col("n").sum(),
        pl.col("warn").sum(),
        pl.col("first_seen").min(),
        pl.col("last_seen").max(),
    )
    # Each service's error-level lines also form one series: an access log's 502s share their
    # template with its 200s, and only the level tells them apart.
    errors = named.filter(pl.col("errors") > 0).group_by("service").agg(
        key=pl.lit(ERRORS_ID), statement=pl.lit(None, pl.String), template_id=pl.lit(ERRORS_ID),
        n=pl.col("errors").sum(), warn=pl.col("errors").sum(),
        first_seen=pl.col("first_error").min(), last_seen=pl.col("last_error").max(),
    )
    here = pl.concat([statements, errors.select(statements.columns)])
    if normal is None:
        series = here.with_columns(error_share=pl.col("warn") / pl.col("n"), total=pl.col("n"))
    else:
        known = normal.table.select("service", "key", "statement", "template_id", n_normal="n", warn_normal="warn")
        series = (
            here.join(known, on=["service", "key"], how="full", coalesce=True)
            .with_columns(
                statement=pl.coalesce("statement", "statement_right"),
                template_id=pl.coalesce("template_id", "template_id_right"),
                error_share=(pl.col("warn").fill_null(0) + pl.col("warn_normal").fill_null(0))
                / (pl.col("n").fill_null(0) + pl.col("n_normal").fill_null(0)),
                total=pl.col("n").fill_null(0),
            )
        )
    series = series.select(
        "service", "key", "statement", "template_id", "error_share", "total", "first_seen", "last_seen"
    ).sort("service", "key").with_row_index("sid")
    templates = [records.select("template_id", "template").unique("template_id").cast({"template_id": pl.String, "template": pl.String}), pl.DataFrame({"template_id": [ERRORS_ID], "template": [ERRORS_TEMPLATE]})]
    if normal is not None:
        templates.append(normal.table.select("template_id", "template"))
    series = series.join(pl.concat(templates).unique("template_id"), on="template_id", how="left")
    # Each record's series, by its (service, statement, template), joined in the streaming engine
    # beside the columns the events keep (joining the records themselves would copy them all).
    sids = combos.select("_combo", "service", "statement", "template_id").join(
        named.join(series.select("service", "key", "sid"), on=["service", "key"]).select("_combo", "sid"), on="_combo"
    ).drop("_combo")
    keys = ["service", "statement", "template_id"]
    sid = (
        timed.lazy().select("service", _statement(timed).alias("statement"), "template_id")
        .join(sids.lazy(), on=keys, how="left", maintain_order="left", nulls_equal=True)
        .select("sid").collect(engine="streaming").get_column("sid")
    )
    kept = [c for c in ("service", "timestamp", "last", "n", "source", "line", "message") if c in timed.columns]
    events = timed.select(*kept, bucket=bucket_of).with_columns(sid=sid)
    error_sid = series.filter(pl.col("key") == ERRORS_ID).select(pl.col("service").cast(timed.schema["service"]), "sid")
    error_events = timed.filter(is_error).select(*kept, bucket=bucket_of).join(
        error_sid, on="service", how="left", maintain_order="left"
    )
    events = pl.concat([events, error_events])
    if texts is not None:
        # Read compact, the texts kept say which series they are lines of, as the events do.
        texts = _with_series(texts, sids, error_sid, bucket_of)
    cells = events.lazy().group_by("sid", "bucket").agg(len=pl.col("n").sum()).collect(engine="streaming")
    counts = np.zeros((series.height, n_buckets), dtype=np.float64)
    counts[cells.get_column("sid").to_numpy(), cells.get_column("bucket").to_numpy()] = cells.get_column("len").to_numpy()
    baseline_counts = np.zeros(series.height)
    baseline_buckets = 0.0
    if normal is not None:
        joined = series.select("sid", "service", "key").join(normal.table, on=["service", "key"])
        baseline_counts[joined.get_column("sid").to_numpy()] = joined.get_column("n").to_numpy()
        baseline_buckets = max(1.0, normal.span_s / size.total_seconds())
    return Features(grid_origin, size, series, counts, events, baseline_counts, baseline_buckets, texts)


def _with_series(texts: pl.DataFrame, sids: pl.DataFrame, error_sid: pl.DataFrame, bucket_of: pl.Expr) -> pl.DataFrame:
    """The ``texts`` (with ``service``, ``statement``, ``template_id``, ``level``, ``timestamp``)
    of timed records, each with its ``sid`` and ``bucket``, and ``error_sid``: its service's
    errors series for a line at ERROR or FATAL (else None). Only these columns are new: the
    texts themselves are not copied."""
    timed = texts.filter(pl.col("timestamp").is_not_null()) if texts.get_column("timestamp").null_count() else texts
    as_text = [pl.col(c).cast(pl.String) for c in ("service", "statement", "template_id")]
    keys = sids.with_columns(as_text)
    sid = (
        timed.lazy().select(as_text)
        .join(keys.lazy(), on=["service", "statement", "template_id"], how="left", maintain_order="left", nulls_equal=True)
        .select("sid").collect().get_column("sid")
    )
    errors = error_sid.select(pl.col("service").cast(pl.String), error_sid="sid")
    error = (
        timed.lazy().select(pl.col("service").cast(pl.String), error=pl.col("level").is_in(("ERROR", "FATAL")))
        .join(errors.lazy(), on="service", how="left", maintain_order="left")
        .select(pl.when("error").then("error_sid")).collect().to_series()
    )
    return timed.with_columns(bucket_of.alias("bucket"), sid=sid, error_sid=error)


def as_cells(records: pl.DataFrame) -> pl.DataFrame:
    """``records`` as cells of records (``rca.mine.compact.cells``): records one a row are each a
    cell of one (``n`` 1, ``last`` its time, ``traced`` if they have a ``trace_id``); cells are
    given as they are."""
    if "n" in records.columns:
        return records
    traced = [pl.col("trace_id").is_not_null().alias("traced")] if "trace_id" in records.columns else []
    return records.with_columns(pl.lit(1, pl.UInt32).alias("n"), pl.col("timestamp").alias("last"), *traced)


def template_series(series: pl.DataFrame, records: pl.DataFrame, wanted: pl.DataFrame) -> pl.DataFrame:
    """``service``, ``template_id`` (those of ``wanted``), its ``template`` and ``sid``: the series
    that counts each template's lines. Where lines name their code location, that is the statement's, which is
    known by its most frequent template only: a gauge's line from the location that also logs a
    busier line (``kyc/service.go:255``: ``disk usage`` beside ``Kyc created``) is counted there."""
    statement = _statement(records).cast(pl.String)
    found = (
        records.lazy().select(pl.col("service").cast(pl.String), pl.col("template_id").cast(pl.String),
                              pl.col("template").cast(pl.String), statement=statement)
        .join(wanted.lazy().select("service", "template_id"), on=["service", "template_id"], how="semi")
        .group_by("service", "template_id").agg(pl.col("statement").drop_nulls().min(), pl.col("template").first())
        .collect(engine="streaming")
    )
    return (
        found.with_columns(key=pl.coalesce("statement", "template_id"))
        .join(series.select("sid", "service", "key"), on=["service", "key"])
        .select("service", "template_id", "template", "sid")
    )


def _statement(records: pl.DataFrame) -> pl.Expr:
    """Each record's statement: its code location, if its component is one (read compact, found already)."""
    if "statement" in records.columns:
        return pl.col("statement")
    component = pl.col("component") if "component" in records.columns else pl.lit(None, pl.String)
    return pl.when(component.str.contains(LOCATED)).then(component)


def _keyed(records: pl.DataFrame) -> pl.DataFrame:
    """``records`` with ``statement`` (the code location, if the component is one; read compact,
    already found) and the series ``key``."""
    statement = _statement(records).cast(pl.String)
    keyed = records.with_columns(statement=statement, key=pl.coalesce(statement, pl.col("template_id")))
    return keyed if "trace_id" in keyed.columns else keyed.with_columns(trace_id=pl.lit(None, pl.String))


def _error_lines(records: pl.DataFrame) -> pl.DataFrame:
    return records.filter(pl.col("level").cast(pl.String).is_in(("ERROR", "FATAL"))).with_columns(
        template_id=pl.lit(ERRORS_ID), key=pl.lit(ERRORS_ID), statement=pl.lit(None, pl.String)
    )


def _floor(ts: datetime, size: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=ts.tzinfo)
    return epoch + ((ts - epoch) // size) * size
