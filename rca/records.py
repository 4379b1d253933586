"""Turn lines into records with Polars: header fields, levels, services, and multi-line joining.

Every function takes and returns a DataFrame; none loops over lines in Python.
"""

from __future__ import annotations

import re
from datetime import datetime

import polars as pl

from rca.formats import (
    INNER_FORMATS,
    LEVEL_DTYPE,
    LEVEL_OF_WORD,
    PLAIN,
    LineFormat,
    detect_format,
)
from rca.timestamps import (
    UTC_DATETIME,
    direct_format,
    parse_timestamp_column,
    parse_timestamps,
    roll_back_future_years,
)

FIELDS = ("ts", "level", "service", "component", "message")

_ERROR_WORDS = r"(?i)\b(?:error|errors|exception|exceptions|failed|failure|fail|fails|failing|traceback|refused|unreachable)\b"
_FATAL_WORDS = r"(?i)\b(?:fatal|panic|panicked|emergency|critical|crash|crashed|oom|out of memory)\b"
_WARN_WORDS = r"(?i)\b(?:warn|warning|warnings|deprecated|timeout|timed out|retrying|retry|denied|invalid)\b"
_SERVICE_FIELD = r"\bservice=\"?([A-Za-z0-9][\w.\-]*)"
_POD_SUFFIX = r"-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$"
_DAEMON_SUFFIX = r"-[bcdfghjklmnpqrstvwxz2456789]{5}$"


def normalise_level(text: pl.Expr) -> pl.Expr:
    """Map level words and numbers (``warning``, ``E``, ``err``, ``50``) to TRACE..FATAL; others to null.

    Numbers follow bunyan/pino (10..60) and syslog severities (0..7).
    """
    word = text.str.strip_chars().str.to_lowercase().str.replace(r"^.*:", "")
    return word.replace_strict(LEVEL_OF_WORD, default=None, return_dtype=pl.String).cast(LEVEL_DTYPE)


def keyword_level(message: pl.Expr) -> pl.Expr:
    """A level guessed from words in the message, for lines whose header has none."""
    return (
        pl.when(message.str.contains(_FATAL_WORDS))
        .then(pl.lit("FATAL"))
        .when(message.str.contains(_ERROR_WORDS))
        .then(pl.lit("ERROR"))
        .when(message.str.contains(_WARN_WORDS))
        .then(pl.lit("WARN"))
        .otherwise(None)
        .cast(LEVEL_DTYPE)
    )


def status_level(message: pl.Expr) -> pl.Expr:
    """Access logs: 5xx is an error, 4xx a warning, the rest information."""
    status = message.str.extract(r"\"\s+(\d{3})\s", 1).cast(pl.Int32, strict=False)
    return (
        pl.when(status >= 500)
        .then(pl.lit("ERROR"))
        .when(status >= 400)
        .then(pl.lit("WARN"))
        .when(status.is_not_null())
        .then(pl.lit("INFO"))
        .otherwise(None)
        .cast(LEVEL_DTYPE)
    )


def workload(name: pl.Expr, *, pod_field: bool = False) -> pl.Expr:
    """Kubernetes pod names to their workload: ``ts-contacts-service-866bd68c97-xcqfx`` -> ``ts-contacts-service``.

    ``pod_field``: the value is known to be a pod name, so DaemonSet (``-x7k2p``) and StatefulSet
    (``-0``) suffixes are stripped too.
    """
    out = name.str.replace(_POD_SUFFIX, "")
    if pod_field:
        out = pl.when(out == name).then(out.str.replace(_DAEMON_SUFFIX, "").str.replace(r"-\d+$", "")).otherwise(out)
    return out


def _service(field: pl.Expr, kind: str) -> pl.Expr:
    if kind == "program":
        return field.str.replace(r"\(.*\)$", "").str.replace(r"^.*/", "")
    if kind == "pod":
        return workload(field, pod_field=True)
    return workload(field)


def extract_fields(
    lines: pl.DataFrame,
    fmt: LineFormat,
    *,
    year: int,
    reference: datetime | None,
    timestamp_format: str | None = None,
    direct: str | None = None,
) -> pl.DataFrame:
    """Add ``ts``, ``level``, ``service``, ``component``, ``message`` and ``is_start`` from each line's header.

    ``direct``: the exact timestamp format chosen by ``direct_timestamp_format`` for this source
    (None: every timestamp goes through the full, normalising parse).
    """
    pattern = _capturing(fmt, FIELDS)
    groups = set(re.compile(pattern).groupindex)
    header = pl.col("raw").str.extract_groups(pattern)

    def field(name: str) -> pl.Expr:
        return header.struct.field(name) if name in groups else pl.lit(None, dtype=pl.String)

    ttype = fmt.timestamp_type
    deferred = _direct_applies(fmt, timestamp_format)
    if ttype is None:
        ts = pl.lit(None, dtype=UTC_DATETIME)
    elif deferred:
        ts = field("ts")  # parsed after the plan: see parse_timestamp_column
    else:
        ts = parse_timestamps(field("ts"), ttype, year=year, user_format=timestamp_format)
    # Only the new columns come out of the plan: ``raw`` is shared with ``lines``, not copied.
    plan = lines.lazy().select(
        ts=ts,
        level=normalise_level(field("level")),
        service=_service(field("service"), fmt.service_kind).replace("-", None),
        component=field("component"),
        message=field("message").str.strip_chars(),
    )
    plan = plan.with_columns(is_start=pl.col("message").is_not_null())
    if fmt.level_from_status:
        plan = plan.with_columns(level=pl.coalesce("level", status_level(pl.col("message"))))
    # The streaming engine runs the regexes on all cores, a batch of lines at a time.
    frame = lines.hstack(plan.collect(engine="streaming"))
    if ttype is not None and deferred:
        frame = frame.with_columns(parse_timestamp_column(frame, "ts", ttype, year=year, direct=direct).alias("ts"))
    if ttype is not None and ttype.year_missing and reference is not None:
        frame = frame.with_columns(ts=roll_back_future_years(pl.col("ts"), reference=reference))
    return frame


def _capturing(fmt: LineFormat, fields: tuple[str, ...]) -> str:
    """``fmt``'s pattern with only ``fields`` captured: every captured group is a full string column."""
    return re.sub(r"\(\?P<(\w+)>", lambda m: m.group(0) if m.group(1) in fields else "(?:", fmt.pattern)


def _direct_applies(fmt: LineFormat, timestamp_format: str | None) -> bool:
    ttype = fmt.timestamp_type
    return ttype is not None and timestamp_format is None and not ttype.epoch and not ttype.date_missing


def direct_timestamp_format(
    sample: pl.Series, fmt: LineFormat, *, year: int, timestamp_format: str | None = None
) -> str | None:
    """The exact format that reads the timestamps of ``fmt`` in ``sample`` (raw lines), chosen once
    per source and passed to ``extract_fields``; None when the full parse must read them all."""
    if not _direct_applies(fmt, timestamp_format):
        return None
    text = sample.str.extract(_capturing(fmt, ("ts",)), 1)
    return direct_format(text, fmt.timestamp_type, year=year)  # type: ignore[arg-type]


def parse_inner(
    frame: pl.DataFrame, *, sample_size: int, year: int, reference: datetime | None, join: bool = True
) -> tuple[pl.DataFrame, str]:
    """Parse each record's message as an application's own line (inside Docker JSON, CRI, a pod prefix).

    The inner format is detected from a sample. The outer timestamp and service win; the inner
    level, component and message fill in. Lines the inner format does not match continue the
    record above (a stack trace printed through the wrapper) when ``join`` is set; rows of a CSV
    export are records of their own. Returns the frame and the inner format's name (``plain``
    when none fits).
    """
    sample = frame.filter(pl.col("is_start")).get_column("message").head(sample_size)
    inner, _ = detect_format(sample, INNER_FORMATS)
    if inner is PLAIN:
        return frame, PLAIN.name
    inner_lines = frame.select(pl.col("message").alias("raw"))
    direct = direct_timestamp_format(sample, inner, year=year)
    parsed = extract_fields(inner_lines, inner, year=year, reference=reference, direct=direct)
    frame = frame.with_columns(
        ts=pl.coalesce(pl.col("ts"), parsed.get_column("ts")),
        level=pl.coalesce(pl.col("level"), parsed.get_column("level")),
        service=pl.coalesce(pl.col("service"), parsed.get_column("service")),
        component=pl.coalesce(parsed.get_column("component"), pl.col("component")),
        message=pl.when(parsed.get_column("is_start")).then(parsed.get_column("message")).otherwise(pl.col("message")),
        raw=pl.when(parsed.get_column("is_start") | ~pl.col("is_start"))
        .then(pl.col("raw"))
        .otherwise(pl.col("message")),
        is_start=pl.col("is_start") & (parsed.get_column("is_start") | (not join)),
    )
    return frame, inner.name


def fill_levels_and_services(
    frame: pl.DataFrame, *, stem_service: str, service_pattern: str | None
) -> pl.DataFrame:
    """Levels from keywords where the header had none; services from a pattern, the line, or the file name."""
    candidates = []
    if service_pattern:
        index = re.compile(service_pattern).groupindex["service"]
        candidates.append(pl.col("raw").str.extract(service_pattern, index))
    candidates += [pl.col("service"), workload(pl.col("message").str.extract(_SERVICE_FIELD, 1)), workload(pl.lit(stem_service))]
    return frame.with_columns(
        # The keyword regexes run only on the messages of lines whose header gave no level.
        level=pl.coalesce(pl.col("level"), keyword_level(pl.when(pl.col("level").is_null()).then(pl.col("message")))),
        service=pl.coalesce(candidates),
    )


def join_continuations(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Join lines without a header to the record above as its ``body``; return records and how many joined.

    Lines before the first header have no record above, so each stands as its own record
    (with no timestamp). A record keeps the line number of its first line.
    """
    before_first = pl.col("is_start").cast(pl.UInt32).cum_sum() == 0
    frame = frame.with_columns(
        message=pl.when(before_first).then(pl.col("raw").str.strip_chars()).otherwise(pl.col("message")),
        is_start=pl.col("is_start") | before_first,
    )
    continued = int(frame.height - frame.get_column("is_start").sum())
    if continued == 0:
        return frame.with_columns(body=pl.lit(None, dtype=pl.String)).drop("is_start"), 0
    frame = frame.with_columns(record=pl.col("is_start").cast(pl.UInt32).cum_sum())
    bodies = (
        frame.filter(~pl.col("is_start"))
        .group_by("record", maintain_order=True)
        .agg(body=pl.col("raw").str.join("\n"))
    )
    records = frame.filter(pl.col("is_start")).join(bodies, on="record", how="left", maintain_order="left")
    return records.drop("record", "is_start"), continued
