"""Frozen result dataclasses that leave the library (each with ``to_dict`` for JSON), and frame schemas."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import polars as pl

from rca.formats import LEVEL_DTYPE
from rca.timestamps import UTC_DATETIME

# The records frame every stage after ingest reads: one row per log record, in input order.
RECORD_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "line": pl.UInt32(),
    "timestamp": UTC_DATETIME,
    "service": pl.String(),
    "level": LEVEL_DTYPE,
    "component": pl.String(),
    "message": pl.String(),
    "body": pl.String(),
}


def iso(ts: datetime | None) -> str | None:
    """ISO-8601 in UTC with a ``Z``, microseconds only when present."""
    if ts is None:
        return None
    text = ts.strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "Z"


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """What reading one source found. ``format`` names the detected (or given) line format."""

    source: str
    format: str
    lines: int
    records: int
    continuation_lines: int
    no_timestamp: int
    invalid_utf8: int
    first: datetime | None
    last: datetime | None

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["first"], out["last"] = iso(self.first), iso(self.last)
        return out


@dataclass(frozen=True, slots=True)
class SkippedSource:
    source: str
    reason: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class IngestSummary:
    """Totals over all sources, what was skipped, what the time filter left out, and the time span kept."""

    sources: tuple[SourceSummary, ...]
    skipped: tuple[SkippedSource, ...] = ()
    outside_time_filter: int = 0
    first: datetime | None = None
    last: datetime | None = None

    @property
    def lines(self) -> int:
        return sum(s.lines for s in self.sources)

    @property
    def records(self) -> int:
        return sum(s.records for s in self.sources) - self.outside_time_filter

    @property
    def continuation_lines(self) -> int:
        return sum(s.continuation_lines for s in self.sources)

    @property
    def no_timestamp(self) -> int:
        return sum(s.no_timestamp for s in self.sources)

    @property
    def invalid_utf8(self) -> int:
        return sum(s.invalid_utf8 for s in self.sources)

    def to_dict(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "records": self.records,
            "continuation_lines": self.continuation_lines,
            "no_timestamp": self.no_timestamp,
            "invalid_utf8": self.invalid_utf8,
            "outside_time_filter": self.outside_time_filter,
            "first": iso(self.first),
            "last": iso(self.last),
            "sources": [s.to_dict() for s in self.sources],
            "skipped": [s.to_dict() for s in self.skipped],
        }


@dataclass(frozen=True, slots=True)
class Example:
    """One log record shown as evidence: where it is and what it says."""

    source: str
    line: int
    message: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class TemplateSummary:
    """One template: how often, where and when it was seen, and a real line behind it."""

    template_id: str
    template: str
    count: int
    services: tuple[str, ...]
    levels: dict[str, int]
    first_seen: datetime | None
    last_seen: datetime | None
    example: Example

    def to_dict(self) -> dict[str, object]:
        return {
            "template_id": self.template_id,
            "template": self.template,
            "count": self.count,
            "services": list(self.services),
            "levels": self.levels,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "example": self.example.to_dict(),
        }


SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class TemplateReport:
    """What ``rca templates`` shows: the input summary and the templates, most frequent first."""

    input: IngestSummary
    templates: tuple[TemplateSummary, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "templates",
            "input": self.input.to_dict(),
            "templates": [t.to_dict() for t in self.templates],
        }
