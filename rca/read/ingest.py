"""Sources to records: the reading steps in order, for each source, and what reading found."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import polars as pl

from rca.errors import InputError
from rca.model import RECORD_SCHEMA, IngestSummary, LayoutUse, SkippedSource, SourceSummary
from rca.read.choose import Plan, choose
from rca.read.fields import extract
from rca.read.levels import levels
from rca.read.lines import Lines, read_lines
from rca.read.records import join_continuations
from rca.read.services import service_expr
from rca.read.sources import STDIN, Source, file_stem_service, resolve
from rca.read.structured import csv_export, looks_like_csv_export
from rca.read.time import TimeFacts, read_times
from rca.settings import Settings


@dataclass(frozen=True, slots=True)
class _Read:
    records: pl.DataFrame
    summary: SourceSummary
    year_guessed: bool  # some times had no year, and none was given: it came from the file's date
    zoneless: int = 0  # records whose time did not say its zone (read in --tz)


def sample_lines(lines: pl.DataFrame, size: int) -> pl.Series:
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


def plan_for(source: Source, settings: Settings) -> tuple[Plan, Lines]:
    """The reading plan for one source (what ``rca parse --explain`` shows), and its lines."""
    lines = read_lines(source)
    whole = lines.frame
    if _is_csv_export(whole) and not settings.log_format:
        rows, layout = csv_export(whole)
        inner = choose(sample_lines(rows, settings.sample_lines))
        return Plan((layout, *inner.wrappers), inner.layouts, inner.sweep, inner.notes), Lines([rows], lines.invalid_utf8, lines.bytes_read)
    sample = sample_lines(whole, settings.sample_lines)
    return choose(sample, spec=settings.log_format, timestamp_format=settings.timestamp_format), lines


def _is_csv_export(whole: pl.DataFrame) -> bool:
    first = whole.get_column("raw").head(3).to_list()
    if first and first[0].startswith("#TYPE "):  # Windows PowerShell's Export-Csv type line
        first = first[1:]
    return bool(first) and looks_like_csv_export(first[0], first[1] if len(first) > 1 else None)


def read_source(source: Source, settings: Settings) -> _Read:
    """One source's records (schema ``RECORD_SCHEMA``) and what reading it found."""
    plan, lines = plan_for(source, settings)
    csv = bool(plan.wrappers) and plan.wrappers[0].name == "csv"
    line_count = lines.height if not csv else lines.height + 1
    invalid_utf8 = lines.invalid_utf8
    year = settings.year or source.modified.year
    # Without a year in the timestamps, a date after the file was written must be last year's,
    # unless the user said which year it is.
    reference = None if settings.year else source.modified
    stem = file_stem_service(source.name)
    chunks = lines.chunks or [lines.frame]  # an empty source still gives an (empty) frame
    del lines
    parts, facts, chosen = [], TimeFacts(), {}  # type: ignore[var-annotated]
    while chunks:
        chunk = chunks.pop(0)
        frame = extract(chunk, plan, join_wrapped=not csv)
        del chunk
        ts, found = read_times(
            frame, plan, year=year, tz=settings.tz, reference=reference, timestamp_format=settings.timestamp_format,
            chosen=chosen,
        )
        facts += found
        # ``raw`` stays only where a line has no header: it becomes the body of the record above.
        parts.append(
            frame.select(
                "line", "message", "is_start", "layout", "outer", ts, levels(frame, plan),
                service=service_expr(plan, stem_service=stem, service_pattern=settings.service_pattern),
                component=pl.coalesce("component", "outer_component"),
                trace_id=pl.coalesce("outer_trace", "trace"),
                attributes=pl.col("attributes"),
                raw=pl.when(pl.col("is_start")).then(None).otherwise(pl.col("raw")),
            )
        )
        del frame
    frame = pl.concat(parts)
    records, continued = join_continuations(frame)
    uses = _layouts_used(records.select("outer", "layout"), plan)
    records = records.select(
        pl.lit(source.name).alias("source"),
        pl.col("line").cast(pl.UInt32),
        pl.col("ts").alias("timestamp"),
        "service",
        "level",
        "component",
        pl.col("message").fill_null(""),
        "body",
        "trace_id",
        "attributes",
    )
    ts = records.get_column("timestamp")
    summary = SourceSummary(
        source=source.name,
        format=_format_name(uses, plan),
        lines=line_count,
        records=records.height,
        continuation_lines=continued,
        no_timestamp=int(ts.null_count()),
        invalid_utf8=invalid_utf8,
        first=ts.min(),  # type: ignore[arg-type]
        last=ts.max(),  # type: ignore[arg-type]
        layouts=uses,
        notes=(*plan.notes, *_year_notes(facts, settings, source, year), *_order_notes(facts)),
    )
    return _Read(records, summary, year_guessed=facts.yearless > 0 and settings.year is None, zoneless=facts.zoneless)


def _layouts_used(ids: pl.DataFrame, plan: Plan) -> tuple[LayoutUse, ...]:
    """How many records each layout read (``wrapper+layout`` for wrapped ones), most first."""
    uses: dict[str, LayoutUse] = {}
    for outer, index, count in ids.group_by("outer", "layout").len().sort("len", descending=True).rows():
        inner = plan.all[index] if index is not None else None
        name = inner.name if inner is not None else "plain"
        if outer is not None and plan.all[outer].name != name:
            name = f"{plan.all[outer].name}+{name}" if inner is not None else plan.all[outer].name
        spec = inner.spec if inner is not None else None
        before = uses.get(name)
        uses[name] = LayoutUse(name, count + (before.records if before else 0), spec)
    return tuple(sorted(uses.values(), key=lambda u: -u.records))


def _format_name(uses: tuple[LayoutUse, ...], plan: Plan) -> str:
    """The source's format as one name: the layout of most of its records."""
    return uses[0].name if uses else "plain"


def _order_notes(facts: TimeFacts) -> list[str]:
    if not facts.day_month_unsure:
        return []
    return [f"{facts.day_month_unsure:,} dates like 03/04/2026 read month first (US); none had a day above 12 "
            "(--timestamp-format '%d/%m/%Y %H:%M:%S' reads them day first)"]


def _year_notes(facts: TimeFacts, settings: Settings, source: Source, year: int) -> list[str]:
    if not facts.yearless:
        return []
    if settings.year:
        return [f"{facts.yearless:,} times without a year read in {year} (--year)"]
    where = "now (stdin)" if source.name == STDIN else "the file's modification time"
    return [f"{facts.yearless:,} times without a year read in {year}, from {where}; --year sets it"]


def ingest(specs: list[str], settings: Settings) -> tuple[pl.DataFrame, IngestSummary]:
    """Read every source into one records frame, in input order, filtered to ``since``/``until``.

    Sources the user named explicitly must be readable; files found inside a folder or glob that
    are not logs (binary files) are skipped and listed in the summary.
    """
    reads: list[_Read] = []
    skipped: list[SkippedSource] = []
    for source in resolve(specs):
        try:
            reads.append(read_source(source, settings))
        except InputError as exc:
            if source.given:
                raise
            skipped.append(SkippedSource(source.name, str(exc)))
    reads = _years_from_other_sources(reads)
    frames = [r.records for r in reads]
    records = pl.concat(frames) if frames else pl.DataFrame(schema=RECORD_SCHEMA)
    records, outside = _time_filter(records, settings)
    ts = records.get_column("timestamp")
    notes = _zone_notes(reads, settings)
    summaries = tuple(r.summary for r in reads)
    return records, IngestSummary(summaries, tuple(skipped), outside, ts.min(), ts.max(), notes)  # type: ignore[arg-type]


def _zone_notes(reads: list[_Read], settings: Settings) -> tuple[str, ...]:
    zoneless = sum(r.zoneless for r in reads)
    if not zoneless:
        return ()
    return (f"{zoneless:,} times without a zone read as {settings.tz} (--tz sets the zone)",)


def _years_from_other_sources(reads: list[_Read]) -> list[_Read]:
    """A source whose times have no year, and no --year, takes the year of the other sources'
    times when there are any (a merged /var/log: syslog without years, an application with)."""
    dated = [r for r in reads if not r.year_guessed and r.records.get_column("timestamp").null_count() < r.records.height]
    if not dated or len(dated) == len(reads):
        return reads
    others = pl.concat([r.records.get_column("timestamp").drop_nulls() for r in dated])
    middle = others.sort()[others.len() // 2]
    out = []
    for read in reads:
        ts = read.records.get_column("timestamp").drop_nulls()
        if not read.year_guessed or ts.len() == 0:
            out.append(read)
            continue
        own = ts.sort()[ts.len() // 2]
        years = round((middle - own) / timedelta(days=365.25))
        if years == 0:
            out.append(read)
            continue
        records = read.records.with_columns(pl.col("timestamp").dt.offset_by(f"{years}y"))
        note = f"times without a year placed in the year of the other sources' times ({years:+d} years)"
        summary = _with(read.summary, records, note)
        out.append(_Read(records, summary, year_guessed=False, zoneless=read.zoneless))
    return out


def _with(summary: SourceSummary, records: pl.DataFrame, note: str) -> SourceSummary:
    ts = records.get_column("timestamp")
    kept = tuple(n for n in summary.notes if "without a year" not in n)
    return replace(summary, first=ts.min(), last=ts.max(), notes=(*kept, note))


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

