"""Reading and masking as a map over shards of the sources and a reduce over their results, run in
this process or, when ``Settings.scheduler`` names one, on a Dask cluster (``rca.mine.cluster``).

A shard is some of the sources: reading them and masking their messages (``map_shard``) needs
nothing from the others. The reduce (``reduce_shards``), in input order, does what needs them
all: a missing year taken from the other sources, the time filter, the summary, and one list of
masked messages for Drain, which mines them in order of first appearance. The local run is the
same map over a single shard holding every source, so both give the same records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from rca.mine.templates import mask_messages, offset_masked
from rca.model import IngestSummary
from rca.read.ingest import Shard, combine, read_shard
from rca.read.sources import Source, resolve
from rca.settings import Settings


@dataclass(frozen=True, slots=True)
class Masked:
    """Records read and masked: each one's ``MASKED_ID`` indexes ``masked`` (as
    ``rca.mine.templates.assign_templates`` takes them), and what reading found."""

    records: pl.DataFrame
    masked: pl.Series
    summary: IngestSummary


def read_masked(specs: Sequence[str], settings: Settings, progress: Callable[[str], None] | None = None) -> Masked:
    """Read and mask ``specs`` (files, folders, globs, ``-``), resolved here; on the cluster of
    ``settings.scheduler`` if set, else in this process (and Dask is never imported).
    ``progress``: told how reading goes (here: lines read and lines/s as each source starts)."""
    sources = resolve(list(specs))
    if settings.scheduler:
        from rca.mine.cluster import map_on_cluster

        if progress is not None:
            progress(f"reading {len(sources):,} sources on the cluster at {settings.scheduler}")
        mapped = map_on_cluster(settings.scheduler, sources, settings, map_shard)
    else:
        mapped = [map_shard(sources, settings, progress)]
    return reduce_shards(mapped, settings)


def map_shard(
    sources: list[Source], settings: Settings, progress: Callable[[str], None] | None = None
) -> tuple[Shard, pl.Series]:
    """Read ``sources`` and mask their messages: the shard, its records with ``MASKED_ID``, and
    the shard's distinct masked messages."""
    shard = read_shard(sources, settings, progress)
    if progress is not None:
        progress(f"masking the messages of {shard.records.height:,} records")
    records, masked = mask_messages(shard.records)
    return shard.with_records(records), masked


def reduce_shards(mapped: list[tuple[Shard, pl.Series]], settings: Settings) -> Masked:
    """The shards' results, in input order, as one: masked messages numbered across shards, then
    reading's reduce (``rca.read.ingest.combine``)."""
    frames, masked = offset_masked([(shard.records, found) for shard, found in mapped])
    # The first shard's numbers stand. A shard's records are slices of one frame per source, and
    # cutting them from one chunk is quick (from a frame of many chunks, each cut looks through all).
    shards = [*(shard for shard, _ in mapped[:1]), *(shard.with_records(frame.rechunk()) for (shard, _), frame in zip(mapped[1:], frames[1:], strict=True))]
    records, summary = combine(shards, settings)
    return Masked(records, masked, summary)
