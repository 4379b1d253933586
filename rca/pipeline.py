"""The order of the stages, and nothing else: read this file to know the algorithm.

    sources -> ingest (records) -> parse (templates) -> summaries
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from rca.errors import InputError
from rca.ingest import ingest
from rca.model import Example, IngestSummary, TemplateReport, TemplateSummary
from rca.parse import add_params, assign_templates
from rca.settings import Settings


@dataclass(frozen=True, slots=True)
class Parsed:
    """Every record with its template, and what reading found."""

    records: pl.DataFrame
    input: IngestSummary


def parse(sources: Sequence[str], settings: Settings = Settings(), *, params: bool = False) -> Parsed:
    """Read ``sources`` and give each record a ``template_id`` and ``template`` (and ``params`` if asked)."""
    records, summary = ingest(list(sources), settings)
    if records.height == 0:
        raise InputError(_nothing_to_read(summary))
    records = assign_templates(
        records, sim_threshold=settings.sim_threshold, depth=settings.tree_depth, max_children=settings.max_children
    )
    if params:
        records = add_params(records)
    return Parsed(records, summary)


def _nothing_to_read(summary: IngestSummary) -> str:
    if summary.outside_time_filter:
        return f"all {summary.outside_time_filter} records fall outside --since/--until"
    if summary.skipped and not summary.sources:
        return f"no readable log files ({len(summary.skipped)} skipped, e.g. {summary.skipped[0].reason})"
    return "the input has no log lines"


def templates(sources: Sequence[str], settings: Settings = Settings()) -> TemplateReport:
    """The templates of ``sources``, most frequent first, each with services, first/last seen and an example."""
    parsed = parse(sources, settings)
    return TemplateReport(parsed.input, summarise_templates(parsed.records))


def summarise_templates(records: pl.DataFrame) -> tuple[TemplateSummary, ...]:
    table = (
        records.group_by("template_id")
        .agg(
            pl.col("template").first(),
            pl.len().alias("count"),
            pl.col("service").unique().sort().alias("services"),
            pl.col("level").cast(pl.String).fill_null("UNKNOWN").value_counts(sort=True).alias("levels"),
            pl.col("timestamp").min().alias("first_seen"),
            pl.col("timestamp").max().alias("last_seen"),
            pl.col("source").first(),
            pl.col("line").first(),
            pl.col("message").first(),
        )
        .sort(["count", "template_id"], descending=[True, False])
    )
    return tuple(
        TemplateSummary(
            template_id=row["template_id"],
            template=row["template"],
            count=row["count"],
            services=tuple(row["services"]),
            levels={item["level"]: item["count"] for item in row["levels"]},
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            example=Example(row["source"], row["line"], row["message"]),
        )
        for row in table.iter_rows(named=True)
    )
