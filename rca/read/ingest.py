"""Sources to records: the reading steps in order, for each source, and what reading found."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from rca.errors import InputError
from rca.model import RECORD_SCHEMA, IngestSummary, LayoutUse, SkippedSource, SourceSummary
from rca.read.choose import AnyLayout, Plan, choose, choose_many
from rca.read.fields import extract
from rca.read.layouts import Layout
from rca.read.levels import levels
from rca.read.lines import CHUNK_BYTES, Lines, Tally, count_lines, gather_lines, read_lines, stream_lines, streamable
from rca.read.records import join_continuations
from rca.read.services import service_expr
from rca.read.sources import STDIN, Source, file_stem_service, resolve
from rca.read.structured import StructuredLayout, csv_export, looks_like_csv_export, trace_of
from rca.read.time import TimeFacts, read_times
from rca.settings import Settings


@dataclass(frozen=True, slots=True)
class _Read:
    records: pl.DataFrame
    summary: SourceSummary
    year_guessed: bool  # some times had no year, and none was given: it came from the file's date
    zoneless: int = 0  # records whose time did not say its zone (read in --tz)
    zone_of_file: int = 0  # records whose time did not say its zone, read in that of the lines beside it


@dataclass(frozen=True, slots=True)
class _File:
    """One source about to be read, and what reading its bytes found."""

    source: Source
    lines: int  # physical lines (a CSV export's header row included)
    invalid_utf8: int
    year: int  # for times without one
    reference: datetime | None  # when it was written: a time without a year after that is last year's


# A source of at most this many lines is read together with other small ones (a folder of
# many small files would otherwise pay each step's fixed cost per file), up to BATCH_LINES at once.
SMALL_LINES = 20_000
BATCH_LINES = 200_000
# A larger source is read (and its records made compact, where asked) about this many lines at a time.
GROUP_LINES = 262_144
# A plain file this large is read twice, for its sample and then a chunk at a time (``_read_streamed``).
STREAM_BYTES = 64 << 20


def sample_lines(lines: pl.DataFrame, size: int) -> pl.Series:
    """The first lines and lines spread over the rest, so a long preamble does not fool detection.

    Empty lines are left out; only the picked lines are copied, never the whole column.
    """
    raw = lines.get_column("raw")
    if raw.len() > 4 * size:
        raw = pl.concat([raw.head(2 * size), raw.gather_every(raw.len() // (2 * size))])
    return _thinned(raw, size)


def _sample_file(source: Source, size: int) -> tuple[pl.Series, pl.Series]:
    """``sample_lines`` of a plain file, and its first lines, without holding its lines: read
    once to count them, once more to pick the lines spread over them."""
    n, head = count_lines(source, 4 * size)
    if n <= 4 * size:
        return _thinned(head, size), head
    spread = gather_lines(source, np.arange(0, n, n // (2 * size)))
    return _thinned(pl.concat([head.head(2 * size), spread]), size), head


def _thinned(raw: pl.Series, size: int) -> pl.Series:
    raw = raw.filter(raw.str.len_chars() > 0)
    if raw.len() <= size:
        return raw
    step = max(1, raw.len() // (size // 2))
    return pl.concat([raw.head(size // 2), raw.gather_every(step).head(size // 2)])


def plan_for(source: Source, settings: Settings) -> tuple[Plan, Lines]:
    """The reading plan for one source (what ``rca parse --explain`` shows), and its lines."""
    return _plan(read_lines(source), settings)


def _plan(lines: Lines, settings: Settings) -> tuple[Plan, Lines]:
    whole = lines.frame
    if _is_csv_export(whole) and not settings.log_format:
        rows, layout = csv_export(whole)
        inner = choose(sample_lines(rows, settings.sample_lines))
        return Plan((layout, *inner.wrappers), inner.layouts, inner.sweep, inner.notes), Lines([rows], lines.invalid_utf8, lines.bytes_read)
    sample = sample_lines(whole, settings.sample_lines)
    plan = choose(sample, spec=settings.log_format, timestamp_format=settings.timestamp_format)
    if settings.log_format is None:
        plan = _with_rare_pods(plan, whole.get_column("raw"), sample)
    return plan, lines


# A pod whose lines the sample holds fewer of than this is looked at apart, its first lines as many.
RARE_POD_LINES = 3


def _with_rare_pods(plan: Plan, raw: pl.Series, sample: pl.Series) -> Plan:
    """``plan`` with the structured layouts (JSON, logfmt) of the pods a merged, pod-prefixed
    input holds that its sample all but missed: ``stern`` or ``kubectl logs --prefix`` of a
    namespace where one quiet service logs JSON among busy ones in text. The library's text
    layouts are swept for anyway (``Plan.sweep``); without its own layout, such a pod's every
    line would be read as the continuation of another pod's record, and the service lost. ``raw``:
    the source's lines (of a file too large to hold, its first lines)."""
    wrapper = plan.wrappers[0] if plan.wrappers else None
    if not isinstance(wrapper, Layout) or wrapper.service_kind != "pod" or wrapper.timestamp is not None:
        return plan
    pattern = wrapper.capturing(("service",))
    groups = wrapper.field_groups("service")

    def pods(lines: pl.Series) -> pl.Series:
        found = lines.str.extract_groups(pattern)
        return found.struct.field(groups[0]) if len(groups) == 1 else pl.select(pl.coalesce(found.struct.field(g) for g in groups)).to_series()

    sampled = pods(sample).drop_nulls().value_counts()
    common = sampled.filter(pl.col("count") >= RARE_POD_LINES).get_column(sampled.columns[0])
    rare = (
        pl.DataFrame({"raw": raw, "pod": pods(raw)})
        .filter(pl.col("pod").is_not_null() & ~pl.col("pod").is_in(common.implode()))
        .group_by("pod", maintain_order=True)
        .head(RARE_POD_LINES)
        .group_by("pod", maintain_order=True)
        .agg("raw")
    )
    if rare.is_empty():
        return plan
    more: list[AnyLayout] = []
    for found in choose_many(rare.get_column("raw").to_list()):
        more += [x for x in found.layouts if isinstance(x, StructuredLayout) and x not in plan.layouts and x not in more]
    return replace(plan, layouts=(*plan.layouts, *more)) if more else plan


def _is_csv_export(whole: pl.DataFrame) -> bool:
    first = whole.get_column("raw").head(3).to_list()
    if first and first[0].startswith("#TYPE "):  # Windows PowerShell's Export-Csv type line
        first = first[1:]
    return bool(first) and looks_like_csv_export(first[0], first[1] if len(first) > 1 else None)


def _file(source: Source, lines: Lines, settings: Settings, *, csv: bool = False) -> _File:
    # Without a year in the timestamps, a date after the file was written must be last year's,
    # unless the user said which year it is.
    reference = None if settings.year else source.modified
    year = settings.year or (reference or source.modified).year
    return _File(source, lines.height + (1 if csv else 0), lines.invalid_utf8, year, reference)


def read_source(source: Source, settings: Settings) -> _Read:
    """One source's records (schema ``RECORD_SCHEMA``) and what reading it found."""
    return _read_whole(source, read_lines(source), settings)


def _read_whole(
    source: Source, lines: Lines, settings: Settings, finish: Callable[[pl.DataFrame], pl.DataFrame] | None = None
) -> _Read:
    """One source's records from its lines, chunk by chunk (each freed once read); with ``finish``
    (see ``read_shard``), a group of about ``GROUP_LINES`` records at a time made what is kept."""
    plan, lines = _plan(lines, settings)
    csv = bool(plan.wrappers) and plan.wrappers[0].name == "csv"
    file = _file(source, lines, settings, csv=csv)
    chunks = lines.chunks or [lines.frame]  # an empty source still gives an (empty) frame
    del lines
    if finish is None:
        return _read(chunks, plan, [file], settings, csv=csv)[0]
    return _read_grouped(chunks, plan, file, settings, finish, csv=csv)


def _read_streamed(source: Source, settings: Settings, finish: Callable[[pl.DataFrame], pl.DataFrame]) -> _Read | None:
    """A large plain file read as ``_read_whole`` reads it, its lines never all held: its sample
    for the plan from a first reading of its bytes, then a chunk of lines at a time. None for one
    that must be read whole (a CSV export)."""
    sample, head = _sample_file(source, settings.sample_lines)
    if _is_csv_export(pl.DataFrame({"raw": head.head(3)})) and not settings.log_format:
        return None
    plan = choose(sample, spec=settings.log_format, timestamp_format=settings.timestamp_format)
    if settings.log_format is None:
        # Its pods the sample missed, among its first lines (its whole is never held).
        plan = _with_rare_pods(plan, head, sample)
    tally = Tally()
    file = _file(source, Lines([], 0, 0), settings)
    read = _read_grouped(stream_lines(source, tally), plan, file, settings, finish, csv=False)
    # The lines are counted as they stream by: the summary says so only once all are read.
    summary = replace(read.summary, lines=tally.lines, invalid_utf8=tally.invalid_utf8,
                      continuation_lines=tally.lines - read.summary.records)
    return replace(read, summary=summary)


def _read_grouped(
    chunks: Iterable[pl.DataFrame], plan: Plan, file: _File, settings: Settings,
    finish: Callable[[pl.DataFrame], pl.DataFrame], *, csv: bool,
) -> _Read:
    """One file's records from ``chunks`` of its lines, about ``GROUP_LINES`` records at a time
    made what is kept by ``finish``; a record whose lines go on in the next chunk waits for them."""
    facts = [TimeFacts()]
    kept, stats = [], []
    waiting: list[pl.DataFrame] = []  # read lines, the first a record carried over from the group before
    for part in _parts(chunks, plan, [file], settings, facts, csv=csv):
        waiting.append(part)
        if sum(w.height for w in waiting) >= GROUP_LINES:
            frame = pl.concat(waiting)
            # The last record may go on in the next lines: it waits for them.
            last = frame.select(pl.col("is_start").arg_true().max()).item()
            if not last:
                waiting = [frame]
                continue
            waiting = [frame.slice(last)]
            records, _ = join_continuations(frame.head(last))
            stats.append(_file_stats(records, plan, many=False))
            kept.append(finish(_project(records, [file])))
    if waiting:  # one part at least: an empty source has one empty chunk
        records, _ = join_continuations(pl.concat(waiting))
        stats.append(_file_stats(records, plan, many=False))
        kept.append(finish(_project(records, [file])))
    row, uses, servers = _merge_stats(stats)
    summary = _summary(file, row, uses, servers, plan, facts[0], settings, csv=csv)
    return _Read(concat_records(kept), summary, facts[0].yearless > 0 and settings.year is None, zoneless=facts[0].zoneless,
                 zone_of_file=facts[0].zone_of_file)


def concat_records(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Frames of records as one, in order. Relaxed: compact records (``rca.mine.compact``) of a
    source without any trace id or code location hold a column of type Null, which meets typed ones."""
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame(schema=RECORD_SCHEMA)


def _small(lines: Lines, settings: Settings) -> bool:
    """Whether a source is read together with others: a few lines, and none of a user's
    ``--log-format`` (each source's own sample makes its layout) or a CSV export's."""
    return not settings.log_format and len(lines.chunks) == 1 and lines.height <= SMALL_LINES and not _is_csv_export(lines.frame)


def _place(
    small: list[tuple[int, Source, Lines]], reads: list[_Read | SkippedSource | None], settings: Settings,
    finish: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> None:
    """Read the small sources waiting, into their places in ``reads`` (through ``finish``, see
    ``read_shard``); none wait after."""
    if small:
        read = _read_small([(s, lines) for _, s, lines in small], settings)
        _place_pending([(place, r) for (place, _, _), r in zip(small, read, strict=True)], reads, finish)
        small.clear()


def _read_small(sources: list[tuple[Source, Lines]], settings: Settings) -> list[_Read]:
    """Small sources read together: their plans chosen at once, then the lines of all the sources
    with the same plan (and year) read as one frame, numbered by source in a ``file`` column."""
    samples = [sample_lines(lines.frame, settings.sample_lines).to_list() for _, lines in sources]
    files = [_file(source, lines, settings) for source, lines in sources]
    groups: dict[tuple[Plan, int], list[int]] = {}
    for i, (plan, file) in enumerate(zip(choose_many(samples), files, strict=True)):
        plan = _with_rare_pods(plan, sources[i][1].frame.get_column("raw"), pl.Series(samples[i], dtype=pl.String))
        groups.setdefault((plan, file.year), []).append(i)
    reads: list[_Read | None] = [None] * len(sources)
    for (plan, _), members in groups.items():
        frame = pl.concat([sources[i][1].frame for i in members])
        if len(members) > 1:
            heights = [sources[i][1].height for i in members]
            frame = frame.with_columns(file=pl.Series(np.repeat(np.arange(len(members), dtype=np.uint32), heights)))
        for i, read in zip(members, _read([frame], plan, [files[i] for i in members], settings), strict=True):
            reads[i] = read
    return reads  # type: ignore[return-value]


def _read(chunks: list[pl.DataFrame], plan: Plan, files: list[_File], settings: Settings, *, csv: bool = False) -> list[_Read]:
    """The records of ``files`` and what reading them found, from their lines in ``chunks`` (of one
    file, or of several numbered by a ``file`` column), all read with ``plan``."""
    records, facts = _records(chunks, plan, files, settings, csv=csv)
    return _by_file(records, plan, files, facts, settings, csv=csv)


def _popped(chunks: list[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    while chunks:
        yield chunks.pop(0)


def _per_file(files: list[_File], values: list[str]) -> pl.Expr:
    """Each row's file's value, where a frame holds the lines of several files."""
    return pl.col("file").replace_strict(range(len(files)), values, return_dtype=pl.String)


def _records(
    chunks: list[pl.DataFrame], plan: Plan, files: list[_File], settings: Settings, *, csv: bool
) -> tuple[pl.DataFrame, list[TimeFacts]]:
    """Records read from ``chunks`` (each chunk freed once read), with ``file`` when there are
    several files, and what reading each file's times assumed."""
    facts = [TimeFacts() for _ in files]
    records, _ = join_continuations(pl.concat(list(_parts(chunks, plan, files, settings, facts, csv=csv))))
    return records, facts


def _parts(
    chunks: Iterable[pl.DataFrame], plan: Plan, files: list[_File], settings: Settings, facts: list[TimeFacts], *, csv: bool
) -> Iterator[pl.DataFrame]:
    """Each chunk's lines read (fields, time, level, service), not yet joined into records, each
    chunk freed as it is read (popped from a list, or taken from a stream); ``facts`` gathers what
    reading each file's times assumed."""
    many = len(files) > 1
    stems = [file_stem_service(f.source.name) for f in files]
    service = service_expr(plan, stem_service=_per_file(files, stems) if many else stems[0], service_pattern=settings.service_pattern)
    chosen: dict = {}  # type: ignore[type-arg]
    for chunk in _popped(chunks) if isinstance(chunks, list) else chunks:
        frame = extract(chunk, plan, join_wrapped=not csv)
        del chunk
        ts, found = read_times(
            frame, plan, year=files[0].year, tz=settings.tz, references=[f.reference for f in files],
            timestamp_format=settings.timestamp_format, chosen=chosen,
        )
        for i, more in found.items():
            facts[i] += more
        # ``raw`` stays only where a line has no header: it becomes the body of the record above.
        yield (
            frame.select(
                "line", *(["file"] if many else []), "message", "is_start", "layout", "outer", ts, levels(frame, plan),
                service=service,
                component=pl.coalesce("component", "outer_component"),
                trace_id=trace_of(pl.coalesce("outer_trace", "trace")),
                attributes=pl.col("attributes"),
                raw=pl.when(pl.col("is_start")).then(None).otherwise(pl.col("raw")),
            )
        )
        del frame


def _by_file(
    records: pl.DataFrame, plan: Plan, files: list[_File], facts: list[TimeFacts], settings: Settings, *, csv: bool
) -> list[_Read]:
    """Each file's records (schema ``RECORD_SCHEMA``) and summary, from the records of all."""
    by_file, uses, servers = _file_stats(records, plan, many=len(files) > 1)
    records = _project(records, files)
    reads, start = [], 0
    for i, f in enumerate(files):
        row = by_file.get(i, _NO_RECORDS)
        year_guessed = facts[i].yearless > 0 and settings.year is None
        summary = _summary(f, row, uses.get(i, ()), servers.get(i, ()), plan, facts[i], settings, csv=csv)
        reads.append(_Read(records.slice(start, row["records"]), summary, year_guessed, zoneless=facts[i].zoneless,
                           zone_of_file=facts[i].zone_of_file))
        start += row["records"]
    return reads


_NO_RECORDS = {"records": 0, "no_timestamp": 0, "first": None, "last": None}


def _file_stats(records: pl.DataFrame, plan: Plan, *, many: bool) -> _Stats:
    """Per file of ``records`` (read, joined, not yet projected): its count of records, of those
    without a time, its first and last time; the layouts that read them; and its servers."""
    file = pl.col("file") if many else pl.lit(0, dtype=pl.UInt32).alias("file")
    uses = _layouts_used(records.select(file, "outer", "layout"), plan)
    counts = [pl.len().alias("records"), pl.col("ts").null_count().alias("no_timestamp"),
              pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last")]  # fmt: skip
    stats = records.group_by("file").agg(counts) if many else records.select(file, *counts)
    return {row["file"]: row for row in stats.iter_rows(named=True)}, uses, _servers(records.select(file, "service", "layout"), plan)


# Per file: its count of records, of those without a time, first and last time; the layouts
# that read them; its servers (``_servers``).
_Stats = tuple[dict[int, dict], dict[int, tuple[LayoutUse, ...]], dict[int, tuple[tuple[str, str], ...]]]  # type: ignore[type-arg]


def _servers(ids: pl.DataFrame, plan: Plan) -> dict[int, tuple[tuple[str, str], ...]]:
    """Per file, ``(service, layout)`` for each service most of whose records a server's layout
    read (a database's, a cache's: one with a ``port``), as a collector's file holds them among
    the applications' lines."""
    servers = [i for i, layout in enumerate(plan.all) if getattr(layout, "port", None)]
    if not servers or "service" not in ids.columns:
        return {}
    found = (
        ids.drop_nulls("service").group_by("file", "service")
        .agg(n=pl.len(), served=pl.col("layout").is_in(servers).sum(), layout=pl.col("layout").filter(pl.col("layout").is_in(servers)).mode().min())
        .filter(pl.col("served") * 2 > pl.col("n"))
        .sort("file", "service")
    )
    by_file: dict[int, tuple[tuple[str, str], ...]] = {}
    for file, service, layout in found.select("file", pl.col("service").cast(pl.String), "layout").iter_rows():
        by_file[file] = (*by_file.get(file, ()), (service, plan.all[layout].name))
    return by_file


def _merge_stats(stats: list[_Stats]) -> tuple[dict, tuple[LayoutUse, ...], tuple[tuple[str, str], ...]]:  # type: ignore[type-arg]
    """One file's ``_file_stats`` of its groups of records as one (a server is one in any group)."""
    rows = [by_file.get(0, _NO_RECORDS) for by_file, _, _ in stats]
    firsts = [r["first"] for r in rows if r["first"] is not None]
    lasts = [r["last"] for r in rows if r["last"] is not None]
    row = {"records": sum(r["records"] for r in rows), "no_timestamp": sum(r["no_timestamp"] for r in rows),
           "first": min(firsts, default=None), "last": max(lasts, default=None)}
    merged: dict[str, LayoutUse] = {}
    for _, uses, _ in stats:
        for use in uses.get(0, ()):
            before = merged.get(use.name)
            merged[use.name] = LayoutUse(use.name, use.records + (before.records if before else 0), use.spec)
    servers = dict(server for _, _, found in stats for server in found.get(0, ()))
    return row, tuple(sorted(merged.values(), key=lambda u: -u.records)), tuple(sorted(servers.items()))


def _summary(
    f: _File, row: dict, uses: tuple[LayoutUse, ...], servers: tuple[tuple[str, str], ...], plan: Plan,  # type: ignore[type-arg]
    facts: TimeFacts, settings: Settings, *, csv: bool,
) -> SourceSummary:
    return SourceSummary(
        source=f.source.name,
        format=_format_name(uses, plan),
        lines=f.lines,
        records=row["records"],
        # Every line starts a record or joins the one above.
        continuation_lines=f.lines - (1 if csv else 0) - row["records"],
        no_timestamp=row["no_timestamp"],
        invalid_utf8=f.invalid_utf8,
        first=row["first"],
        last=row["last"],
        layouts=uses,
        servers=servers,
        notes=(*plan.notes, *_year_notes(facts, settings, f.source, f.year), *_order_notes(facts)),
    )


def _project(records: pl.DataFrame, files: list[_File]) -> pl.DataFrame:
    """Records read and joined, in ``RECORD_SCHEMA``."""
    many = len(files) > 1
    return records.select(
        (_per_file(files, [f.source.name for f in files]) if many else pl.lit(files[0].source.name)).alias("source"),
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


def _layouts_used(ids: pl.DataFrame, plan: Plan) -> dict[int, tuple[LayoutUse, ...]]:
    """How many records each layout read (``wrapper+layout`` for wrapped ones), most first, per file."""
    uses: dict[int, dict[str, LayoutUse]] = {}
    for file, outer, index, count in ids.group_by("file", "outer", "layout").len().sort("len", descending=True).rows():
        inner = plan.all[index] if index is not None else None
        name = inner.name if inner is not None else "plain"
        if outer is not None and plan.all[outer].name != name:
            name = f"{plan.all[outer].name}+{name}" if inner is not None else plan.all[outer].name
        spec = inner.spec if inner is not None else None
        own = uses.setdefault(file, {})
        before = own.get(name)
        own[name] = LayoutUse(name, count + (before.records if before else 0), spec)
    return {file: tuple(sorted(own.values(), key=lambda u: -u.records)) for file, own in uses.items()}


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
    are not logs (binary files) are skipped and listed in the summary. Small sources are read
    together, a batch at a time (``_read_small``), with the same results as one by one.

    The same as ``combine([read_shard(resolve(specs), settings)], settings)``: reading is a map
    over shards of the sources (``read_shard``, each source on its own) and a reduce over them all
    (``combine``: what one source learns from the others, the time filter, the summary).
    """
    return combine([read_shard(resolve(specs), settings)], settings)


@dataclass(frozen=True, slots=True)
class Shard:
    """What reading some sources found, in their order: each one's records and summary, or why it
    was skipped; and a named source that could not be read, if any (``combine`` raises it)."""

    reads: tuple[_Read | SkippedSource, ...]
    error: InputError | None = None

    @property
    def records(self) -> pl.DataFrame:
        """The records of all the shard's sources, in order (schema ``RECORD_SCHEMA``, or more columns)."""
        return concat_records([r.records for r in self.reads if isinstance(r, _Read)])

    def with_records(self, records: pl.DataFrame) -> Shard:
        """The shard with its sources' records replaced by the rows of ``records``, in order, as many
        each as before (e.g. ``records`` with a column added)."""
        reads: list[_Read | SkippedSource] = []
        start = 0
        for read in self.reads:
            if isinstance(read, _Read):
                reads.append(replace(read, records=records.slice(start, read.records.height)))
                start += read.records.height
            else:
                reads.append(read)
        return Shard(tuple(reads), self.error)


def read_shard(
    sources: list[Source], settings: Settings, progress: Callable[[str], None] | None = None,
    finish: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> Shard:
    """Read ``sources`` (the map of reading): each one's records as if read alone, small ones
    through the steps together. Stops at a named source that cannot be read. ``progress`` is told,
    as each source starts, the lines read so far and how fast. ``finish``, if given, makes the
    records of each source (or batch of small ones) what the shard keeps, cells of records, as
    soon as they are read (``rca.mine.compact``): only one source's whole records are held at a
    time, and standard input is written to a temporary file first (removed when reading ends)."""
    if finish is None or not any(source.stdin for source in sources):
        return _read_sources(sources, settings, progress, finish, None)
    with tempfile.TemporaryDirectory(prefix="rca-stdin-") as spool:
        return _read_sources(sources, settings, progress, finish, Path(spool))


def _read_sources(
    sources: list[Source], settings: Settings, progress: Callable[[str], None] | None,
    finish: Callable[[pl.DataFrame], pl.DataFrame] | None, spool: Path | None,
) -> Shard:
    reads: list[_Read | SkippedSource | None] = []
    small: list[tuple[int, Source, Lines]] = []  # waiting to be read together, with their place
    waiting = 0  # their lines
    pending: list[tuple[int, _Read]] = []  # sources read, waiting to be made compact together, with their place
    pending_lines = 0
    started, done = time.perf_counter(), 0
    for source in sources:
        if progress is not None:
            rate = done / max(time.perf_counter() - started, 1e-9)
            progress(f"reading logs: {done:,} lines ({rate:,.0f} lines/s), now {source.name}")
        try:
            if spool is not None and source.stdin:
                # Standard input is written to a file first, so that, large, it can be read a
                # chunk at a time like any file (the file is removed when reading ends).
                source = _spooled(source, spool)
            if finish is not None and streamable(source, STREAM_BYTES):
                streamed = _read_streamed(source, settings, _telling(finish, progress, source.name, done, started))
                if streamed is not None:
                    reads.append(streamed)
                    done += streamed.summary.lines
                    continue
            lines = read_lines(source)
            done += lines.height
            if _small(lines, settings):
                small.append((len(reads), source, lines))
                reads.append(None)
                waiting += lines.height
            elif finish is not None and lines.height < GROUP_LINES:
                # Made compact with the next ones (each step has a cost per call, not only per line).
                read = _read_whole(source, lines, settings)
                pending.append((len(reads), read))
                reads.append(None)
                pending_lines += read.records.height
            else:
                reads.append(_read_whole(source, lines, settings, finish))
                del lines
        except InputError as exc:
            if source.given:
                return Shard(tuple(r for r in reads if r is not None), exc)
            reads.append(SkippedSource(source.name, str(exc)))
        if waiting >= BATCH_LINES:
            _place(small, reads, settings, finish)
            waiting = 0
        if pending_lines >= GROUP_LINES:
            _place_pending(pending, reads, finish)
            pending_lines = 0
    _place(small, reads, settings, finish)
    _place_pending(pending, reads, finish)
    return Shard(tuple(reads))  # type: ignore[arg-type]


def _spooled(source: Source, folder: Path) -> Source:
    """Standard input written to a file in ``folder``, as a source still named ``-``."""
    path = folder / "stdin"
    with path.open("wb") as out:
        while block := sys.stdin.buffer.read(CHUNK_BYTES):
            out.write(block)
    return replace(source, path=path)


def _telling(
    finish: Callable[[pl.DataFrame], pl.DataFrame], progress: Callable[[str], None] | None, name: str, done: int, started: float
) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """``finish``, telling ``progress`` how reading a large source goes after each group of its records."""
    if progress is None:
        return finish
    read = done

    def finished(records: pl.DataFrame) -> pl.DataFrame:
        nonlocal read
        read += records.height
        rate = read / max(time.perf_counter() - started, 1e-9)
        progress(f"reading logs: {read:,} records ({rate:,.0f} a second), now {name}")
        return finish(records)

    return finished


def _place_pending(
    pending: list[tuple[int, _Read]], reads: list[_Read | SkippedSource | None], finish: Callable[[pl.DataFrame], pl.DataFrame] | None
) -> None:
    """The sources read and waiting for ``finish``, through it together, into their places; none wait after."""
    for (place, _), read in zip(pending, _finished([read for _, read in pending], finish), strict=True):
        reads[place] = read
    pending.clear()


def _finished(reads: list[_Read], finish: Callable[[pl.DataFrame], pl.DataFrame] | None) -> list[_Read]:
    """``reads`` with their records, taken together, through ``finish``. What it gives may have
    fewer rows than the records (cells of them, ``rca.mine.compact``): each source takes back the
    rows of its own ``source``, not as many as it gave (or a year given to one source later would
    land on another's rows)."""
    if finish is None or not reads:
        return reads
    finished = finish(Shard(tuple(reads)).records)
    source = finished.get_column("source").cast(pl.String)
    return [replace(read, records=finished.filter(source == read.summary.source)) for read in reads]


def combine(shards: list[Shard], settings: Settings) -> tuple[pl.DataFrame, IngestSummary]:
    """The reduce of reading: the shards' records in order as one frame, a missing year taken from
    the other sources, the time filter applied, and the summary of it all. Extra columns that the
    shards' records carry (the same in every shard) are kept."""
    for shard in shards:
        if shard.error is not None:
            raise shard.error
    done = [r for shard in shards for r in shard.reads]
    reads = _years_from_other_sources([r for r in done if isinstance(r, _Read)])
    skipped = tuple(r for r in done if isinstance(r, SkippedSource))
    records = concat_records([r.records for r in reads])
    records, outside = _time_filter(records, settings)
    ts = records.get_column("timestamp")
    last = records.get_column("last") if "last" in records.columns else ts
    notes = _zone_notes(reads, settings)
    summaries = tuple(r.summary for r in reads)
    return records, IngestSummary(summaries, skipped, outside, ts.min(), last.max(), notes)  # type: ignore[arg-type]


def as_combined(frame: pl.DataFrame, shards: list[Shard], settings: Settings, *, ordered: bool = True) -> pl.DataFrame:
    """Rows of the shards' sources (``source``, ``timestamp`` and, ``ordered``, ``line``: the
    texts kept of their records, ``rca.mine.compact``) as ``combine`` makes their records: times
    without a year moved to the other sources' year, the time filter applied, and ``ordered``, in
    input order (sources, then lines)."""
    done = [r for shard in shards for r in shard.reads if isinstance(r, _Read)]
    for read, years in zip(done, _year_shifts(done), strict=True):
        if years:
            moved = pl.col("source").cast(pl.String) == read.summary.source
            offset = pl.col("timestamp").dt.offset_by(f"{years}y")
            frame = frame.with_columns(timestamp=pl.when(moved).then(offset).otherwise("timestamp"))
    frame = _time_filter(frame, settings)[0]
    if not ordered:
        return frame
    order = pl.col("source").cast(pl.String).replace_strict(
        [r.summary.source for r in done], list(range(len(done))), default=len(done), return_dtype=pl.UInt64
    )
    # Most often in order already (files read one after the other): then not copied by a sort.
    place = frame.select((order * (1 << 32) + pl.col("line")).alias("place")).to_series()
    if place.len() < 2 or bool((place.diff().drop_nulls() >= 0).all()):
        return frame
    return frame.sort(place, maintain_order=True)


def _zone_notes(reads: list[_Read], settings: Settings) -> tuple[str, ...]:
    zoneless = sum(r.zoneless for r in reads)
    beside = sum(r.zone_of_file for r in reads)
    notes = [f"{zoneless:,} times without a zone read as {settings.tz} (--tz sets the zone)"] if zoneless else []
    if beside:
        notes.append(f"{beside:,} times without a zone read in the zone of the lines beside them in their file")
    return tuple(notes)


def _years_from_other_sources(reads: list[_Read]) -> list[_Read]:
    """A source whose times have no year, and no --year, takes the year of the other sources'
    times when there are any (a merged /var/log: syslog without years, an application with)."""
    out = []
    for read, years in zip(reads, _year_shifts(reads), strict=True):
        if years == 0:
            out.append(read)
            continue
        moved = [c for c in ("timestamp", "last") if c in read.records.columns]
        records = read.records.with_columns(pl.col(c).dt.offset_by(f"{years}y") for c in moved)
        note = f"times without a year placed in the year of the other sources' times ({years:+d} years)"
        summary = _with(read.summary, records, note)
        out.append(_Read(records, summary, year_guessed=False, zoneless=read.zoneless, zone_of_file=read.zone_of_file))
    return out


def _year_shifts(reads: list[_Read]) -> list[int]:
    """How many years ``_years_from_other_sources`` moves each of ``reads`` (0: not at all): the
    years between the middle of its times, if they had none, and the middle of the others'."""
    dated = [r for r in reads if not r.year_guessed and r.records.get_column("timestamp").null_count() < r.records.height]
    if not dated or len(dated) == len(reads):
        return [0] * len(reads)
    others = pl.concat([r.records.get_column("timestamp").drop_nulls() for r in dated])
    middle = others.sort()[others.len() // 2]
    shifts = []
    for read in reads:
        ts = read.records.get_column("timestamp").drop_nulls()
        if not read.year_guessed or ts.len() == 0:
            shifts.append(0)
            continue
        own = ts.sort()[ts.len() // 2]
        shifts.append(round((middle - own) / timedelta(days=365.25)))
    return shifts


def _with(summary: SourceSummary, records: pl.DataFrame, note: str) -> SourceSummary:
    ts = records.get_column("timestamp")
    last = records.get_column("last") if "last" in records.columns else ts
    kept = tuple(n for n in summary.notes if "without a year" not in n)
    return replace(summary, first=ts.min(), last=last.max(), notes=(*kept, note))


def _time_filter(records: pl.DataFrame, settings: Settings) -> tuple[pl.DataFrame, int]:
    if settings.since is None and settings.until is None:
        return records, 0
    keep = pl.col("timestamp").is_not_null()
    if settings.since is not None:
        keep &= pl.col("timestamp") >= settings.since
    if settings.until is not None:
        keep &= pl.col("timestamp") < settings.until
    kept = records.filter(keep)
    if "n" in records.columns:  # cells of records (rca.mine.compact)
        return kept, int(records.get_column("n").sum()) - int(kept.get_column("n").sum())
    return kept, records.height - kept.height

