"""Sources to records: read each source, detect its format, extract headers, join multi-line records."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from rca.errors import InputError
from rca.formats import PLAIN, LineFormat, detect_format, format_from_loghub
from rca.model import RECORD_SCHEMA, IngestSummary, SkippedSource, SourceSummary
from rca.records import (
    direct_timestamp_format,
    extract_fields,
    fill_levels_and_services,
    join_continuations,
    parse_inner,
)
from rca.settings import Settings
from rca.sources import Lines, Source, file_stem_service, read_lines, resolve
from rca.structured import (
    extract_csv,
    extract_json,
    extract_logfmt,
    looks_like_csv_export,
    looks_like_json_lines,
    looks_like_logfmt,
)


@dataclass(frozen=True, slots=True)
class _Read:
    records: pl.DataFrame
    summary: SourceSummary


def _sample(lines: pl.DataFrame, size: int) -> pl.Series:
    """The first lines and lines spread over the rest, so a long preamble does not fool detection.

    Empty lines are left out; only the picked lines are copied, never the whole column.
    """
    raw = lines.get_column("raw")
    if raw.len() > 4 * size:
        raw = pl.concat([raw.head(2 * size), raw.gather_every(raw.len() // (2 * size))])
    raw = raw.filter(raw.str.len_chars() > 0)
    if raw.len() <= size:
        return raw
    step = max(1, raw.len() // (size // 2))
    return pl.concat([raw.head(size // 2), raw.gather_every(step).head(size // 2)])


def _headers(lines: Lines, source: Source, settings: Settings) -> tuple[pl.DataFrame, str]:
    """Header fields, level and service for every line, and the name of the format that gave them.

    Plain line formats are applied a chunk at a time, each chunk's lines freed as it is done, and
    ``raw`` kept only for lines without a header (the body of the record above): the full text of
    the file is then held once, not twice. CSV exports, JSON lines and wrapped formats need the
    whole source at once.
    """
    year = settings.year or source.modified.year
    # Without a year in the timestamps, a date after the file was written must be last year's,
    # unless the user said which year it is.
    reference = None if settings.year else source.modified
    whole = lines.frame
    sample = _sample(whole, settings.sample_lines)
    first = whole.get_column("raw").head(1).to_list()
    if settings.log_format:
        fmt: LineFormat = format_from_loghub(settings.log_format, sample, settings.timestamp_format)
    elif first and looks_like_csv_export(first[0]):
        frame = extract_csv(whole, year=year)
        frame, inner = parse_inner(frame, sample_size=settings.sample_lines, year=year, reference=reference, join=False)
        return _fill(frame, source, settings), f"csv+{inner}"
    elif looks_like_json_lines(sample.head(100).to_list()):
        frame = extract_json(whole, sample.head(200).to_list(), year=year)
        frame, inner = parse_inner(frame, sample_size=settings.sample_lines, year=year, reference=reference)
        return _fill(frame, source, settings), f"json+{inner}" if inner != PLAIN.name else "json"
    elif looks_like_logfmt(sample.head(100).to_list()):
        frame = extract_logfmt(whole, sample.head(200).to_list(), year=year)
        return _fill(frame, source, settings), "logfmt"
    else:
        fmt, _ = detect_format(sample)
    stamp = settings.timestamp_format
    direct = direct_timestamp_format(sample, fmt, year=year, timestamp_format=stamp)
    if fmt.nested:
        frame = extract_fields(whole, fmt, year=year, reference=reference, timestamp_format=stamp, direct=direct)
        frame, inner = parse_inner(frame, sample_size=settings.sample_lines, year=year, reference=reference)
        return _fill(frame, source, settings), f"{fmt.name}+{inner}"
    chunks = lines.chunks or [whole]  # an empty source still gives an (empty) frame
    del whole
    parts = []
    while chunks:
        chunk = chunks.pop(0)
        frame = extract_fields(chunk, fmt, year=year, reference=reference, timestamp_format=stamp, direct=direct)
        del chunk
        parts.append(_fill(frame, source, settings))
    return pl.concat(parts), fmt.name


def _fill(frame: pl.DataFrame, source: Source, settings: Settings) -> pl.DataFrame:
    """Levels and services filled in; ``raw`` dropped where the line has its own header."""
    frame = fill_levels_and_services(
        frame, stem_service=file_stem_service(source.name), service_pattern=settings.service_pattern
    )
    return frame.with_columns(raw=pl.when(pl.col("is_start")).then(None).otherwise(pl.col("raw")))


def read_source(source: Source, settings: Settings) -> _Read:
    """One source's records (schema ``RECORD_SCHEMA``) and what reading it found."""
    lines = read_lines(source)
    line_count = lines.height
    invalid_utf8 = lines.invalid_utf8
    frame, format_name = _headers(lines, source, settings)
    del lines
    records, continued = join_continuations(frame)
    records = records.select(
        pl.lit(source.name).alias("source"),
        pl.col("line").cast(pl.UInt32),
        pl.col("ts").alias("timestamp"),
        "service",
        "level",
        "component",
        pl.col("message").fill_null(""),
        "body",
        pl.col("trace_id") if "trace_id" in records.columns else pl.lit(None, dtype=pl.String).alias("trace_id"),
        pl.col("attributes") if "attributes" in records.columns else pl.lit(None, dtype=pl.String).alias("attributes"),
    )
    ts = records.get_column("timestamp")
    summary = SourceSummary(
        source=source.name,
        format=format_name,
        lines=line_count,
        records=records.height,
        continuation_lines=continued,
        no_timestamp=int(ts.null_count()),
        invalid_utf8=invalid_utf8,
        first=ts.min(),  # type: ignore[arg-type]
        last=ts.max(),  # type: ignore[arg-type]
    )
    return _Read(records, summary)


def ingest(specs: list[str], settings: Settings) -> tuple[pl.DataFrame, IngestSummary]:
    """Read every source into one records frame, in input order, filtered to ``since``/``until``.

    Sources the user named explicitly must be readable; files found inside a folder or glob that
    are not logs (binary files) are skipped and listed in the summary.
    """
    frames: list[pl.DataFrame] = []
    summaries: list[SourceSummary] = []
    skipped: list[SkippedSource] = []
    for source in resolve(specs):
        try:
            read = read_source(source, settings)
        except InputError as exc:
            if source.given:
                raise
            skipped.append(SkippedSource(source.name, str(exc)))
            continue
        frames.append(read.records)
        summaries.append(read.summary)
    records = pl.concat(frames) if frames else pl.DataFrame(schema=RECORD_SCHEMA)
    records, outside = _time_filter(records, settings)
    ts = records.get_column("timestamp")
    return records, IngestSummary(tuple(summaries), tuple(skipped), outside, ts.min(), ts.max())  # type: ignore[arg-type]


def _time_filter(records: pl.DataFrame, settings: Settings) -> tuple[pl.DataFrame, int]:
    if settings.since is None and settings.until is None:
        return records, 0
    keep = pl.col("timestamp").is_not_null()
    if settings.since is not None:
        keep &= pl.col("timestamp") >= settings.since
    if settings.until is not None:
        keep &= pl.col("timestamp") < settings.until
    kept = records.filter(keep)
    return kept, records.height - kept.height
