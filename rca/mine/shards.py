"""Reading and masking as a map over shards of the sources and a reduce over their results, run in
this process or, when ``Settings.scheduler`` names one, on a Dask cluster (``rca.mine.cluster``).

A shard is some of the sources: reading them and masking their messages (``map_shard``) needs
nothing from the others. The reduce (``reduce_shards``), in input order, does what needs them
all: a missing year taken from the other sources, the time filter, the summary, and one list of
masked messages for Drain, which mines them in order of first appearance. The local run is the
same map over a single shard holding every source, so both give the same records.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from rca.mine.compact import Compactor, FirstTexts, prune, sampled_spans, summed
from rca.mine.templates import MASKED_ID, mask_messages, offset_masked
from rca.model import IngestSummary
from rca.read.ingest import Shard, as_combined, combine, read_shard
from rca.read.sources import Source, resolve
from rca.settings import Settings


@dataclass(frozen=True, slots=True)
class Masked:
    """Records read and masked: each one's ``MASKED_ID`` indexes ``masked`` (as
    ``rca.mine.templates.assign_templates`` takes them), and what reading found. Read compact
    (``rca.mine.compact``), the records are cells of records without text, ``texts`` holds the
    sample of texts and ``spans`` the records that carry a trace id."""

    records: pl.DataFrame
    masked: pl.Series
    summary: IngestSummary
    texts: pl.DataFrame | None = None
    spans: pl.DataFrame | None = None
    resolution_s: int = 1  # the longest cells' length (``rca.mine.compact.RESOLUTIONS_S``)


@dataclass(frozen=True, slots=True)
class Mapped:
    """A shard read and masked: its records with ``MASKED_ID``, its distinct masked messages and,
    read compact, each key's count of records, the texts it sampled and its spans."""

    shard: Shard
    masked: pl.Series
    counts: pl.DataFrame | None = None
    texts: pl.DataFrame | None = None
    spans: pl.DataFrame | None = None
    span_stride: int = 1
    resolution_s: int = 1


def read_masked(
    specs: Sequence[str], settings: Settings, progress: Callable[[str], None] | None = None, *, compact: bool = False,
    firsts: bool = False,
) -> Masked:
    """Read and mask ``specs`` (files, folders, globs, ``-``), resolved here; on the cluster of
    ``settings.scheduler`` if set, else in this process (and Dask is never imported).
    ``progress``: told how reading goes (here: lines read and lines/s as each source starts).
    ``compact``: records as lines without text and a sample of texts (``rca.mine.compact``);
    ``firsts``: records as lines without text and the text of each masked message's first
    record (``rca.mine.compact.FirstTexts``)."""
    sources = resolve(list(specs))
    if settings.scheduler:
        from rca.mine.cluster import map_on_cluster

        if progress is not None:
            progress(f"reading {len(sources):,} sources on the cluster at {settings.scheduler}")
        work = functools.partial(map_shard, compact=compact, firsts=firsts) if compact or firsts else map_shard
        mapped = map_on_cluster(settings.scheduler, sources, settings, work)
    else:
        mapped = [map_shard(sources, settings, progress, compact=compact, firsts=firsts)]
    if firsts:
        return _reduce_firsts(mapped, settings)
    return reduce_shards(mapped, settings)


def map_shard(
    sources: list[Source], settings: Settings, progress: Callable[[str], None] | None = None, *, compact: bool = False,
    firsts: bool = False,
) -> Mapped:
    """Read ``sources`` and mask their messages: the shard, its records with ``MASKED_ID``, and
    the shard's distinct masked messages (and, ``compact``, see ``Mapped``)."""
    if compact or firsts:
        compactor = FirstTexts() if firsts else Compactor()
        shard = read_shard(sources, settings, progress, finish=compactor.add)
        if firsts:
            return Mapped(shard, compactor.masked, None, compactor.texts)
        return Mapped(shard, compactor.masked, compactor.counts, compactor.texts, compactor.spans, compactor.span_stride,
                      compactor.resolution_s)
    shard = read_shard(sources, settings, progress)
    if progress is not None:
        progress(f"masking the messages of {shard.records.height:,} records")
    records, masked = mask_messages(shard.records)
    return Mapped(shard.with_records(records), masked)


def reduce_shards(mapped: list[Mapped], settings: Settings) -> Masked:
    """The shards' results, in input order, as one: masked messages numbered across shards, then
    reading's reduce (``rca.read.ingest.combine``)."""
    if mapped and mapped[0].counts is not None:
        return _reduce_compact(mapped, settings)
    frames, masked = offset_masked([(m.shard.records, m.masked) for m in mapped])
    # The first shard's numbers stand. A shard's records are slices of one frame per source, and
    # cutting them from one chunk is quick (from a frame of many chunks, each cut looks through all).
    later = zip(mapped[1:], frames[1:], strict=True)
    shards = [*(m.shard for m in mapped[:1]), *(m.shard.with_records(frame.rechunk()) for m, frame in later)]
    records, summary = combine(shards, settings)
    return Masked(records, masked, summary)


def _reduce_compact(mapped: list[Mapped], settings: Settings) -> Masked:
    """Compact shards as one: one numbering of their masked messages, their counts summed and
    their texts kept by the counts of all (the same texts as one shard of everything keeps)."""
    if len(mapped) == 1:
        masked, texts = mapped[0].masked, mapped[0].texts
    else:
        mapped, masked = _renumbered(mapped)
        texts = prune(pl.concat([m.texts for m in mapped]), summed([m.counts for m in mapped]))  # type: ignore[misc, arg-type]
    shards = [m.shard for m in mapped]
    records, summary = combine(shards, settings)
    # Each shard kept the requests its stride picks; together they keep what one reading of all would.
    spans, _ = sampled_spans(pl.concat([m.spans for m in mapped]), max(m.span_stride for m in mapped))  # type: ignore[misc]
    spans = as_combined(spans, shards, settings, ordered=False)
    texts = as_combined(texts, shards, settings)  # type: ignore[arg-type]
    # Most logs are not multi-line records nor structured: a column of nulls still holds a
    # string's place in every row.
    empty = [c for c in ("body", "attributes") if texts.get_column(c).null_count() == texts.height]
    # (A source read a chunk at a time may have cells of one key and second in two chunks: cells
    # are only a shorter way of writing records, and every stage after reads them as such.)
    # One chunk: the frames made from it (the counts' events) then share its columns, not copies.
    return Masked(records.rechunk(), masked, summary, texts.drop(empty), spans, max(m.resolution_s for m in mapped))


def _reduce_firsts(mapped: list[Mapped], settings: Settings) -> Masked:
    """Shards read with ``firsts`` as one: one numbering of their masked messages, and the first
    records' texts of them all (a message first in a later shard too keeps both; the records say
    which is first)."""
    if len(mapped) > 1:
        mapped, masked = _renumbered(mapped)
    else:
        masked = mapped[0].masked
    records, summary = combine([m.shard for m in mapped], settings)
    return Masked(records, masked, summary, pl.concat([m.texts for m in mapped]))  # type: ignore[misc]


def _renumbered(mapped: list[Mapped]) -> tuple[list[Mapped], pl.Series]:
    """Shards read compact, their masked messages numbered as one (their records', counts' and
    texts' ``MASKED_ID`` too), and the masked messages in that numbering."""
    numbering = Compactor()
    out = []
    for m in mapped:
        ids = numbering.number(m.masked)
        renumber = pl.col(MASKED_ID).replace_strict(pl.Series(range(len(ids)), dtype=pl.UInt32), ids, return_dtype=pl.UInt32)
        # A shard that read no record (every source skipped) has no masked messages to renumber.
        read = m.shard.records
        shard = m.shard.with_records(read.with_columns(renumber)) if MASKED_ID in read.columns else m.shard
        counts = None if m.counts is None else m.counts.with_columns(renumber)
        out.append(Mapped(shard, m.masked, counts, m.texts.with_columns(renumber), m.spans, m.span_stride, m.resolution_s))  # type: ignore[union-attr]
    return out, numbering.masked
