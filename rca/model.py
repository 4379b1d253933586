"""Frozen result dataclasses that leave the library (each with ``to_dict`` for JSON), and frame schemas."""

from __future__ import annotations

from dataclasses import dataclass, fields
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
    "trace_id": pl.String(),  # from a structured field (JSON key, CSV column); None otherwise
}


def iso(ts: datetime | None) -> str | None:
    """ISO-8601 in UTC with a ``Z``, microseconds only when present."""
    if ts is None:
        return None
    text = ts.strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "Z"


def _json(value: object) -> object:
    """A result value as JSON data: times as ISO-8601, tuples as lists, results by their ``to_dict``."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, tuple):
        return [_json(item) for item in value]
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


def _fields_dict(result: object) -> dict[str, object]:
    """A result dataclass's fields, in order, as JSON data: the ``to_dict`` of most results."""
    return {f.name: _json(getattr(result, f.name)) for f in fields(result)}  # type: ignore[arg-type]


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
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class SkippedSource:
    source: str
    reason: str

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


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
    timestamp: datetime | None = None

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


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
        return _fields_dict(self)


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


@dataclass(frozen=True, slots=True)
class Change:
    """How a template's rate changed at the incident: ``new``, ``up``, ``down`` or ``stopped``.

    Counts are over the normal period (before the incident, plus any baseline) and the incident
    period; rates are per minute.
    """

    kind: str
    count_before: int
    count_after: int
    rate_before: float
    rate_after: float

    @property
    def factor(self) -> float | None:
        """After over before (None for new templates)."""
        return round(self.rate_after / self.rate_before, 2) if self.rate_before > 0 else None

    def describe(self) -> str:
        if self.kind == "new":
            return f"new: {self.count_after:,} lines, never seen before"
        if self.kind == "stopped":
            return f"stopped: was {self.rate_before:.3g}/min, none since"
        return f"{self.kind} {self.factor:g}x: {self.rate_before:.3g}/min -> {self.rate_after:.3g}/min"

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "description": self.describe(),
            "count_before": self.count_before,
            "count_after": self.count_after,
            "rate_before_per_min": round(self.rate_before, 4),
            "rate_after_per_min": round(self.rate_after, 4),
            "factor": self.factor,
        }


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One (service, template) series that departs from its normal."""

    service: str
    template_id: str
    template: str
    change: Change
    onset: datetime
    score: float

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class Effect:
    """A service a root cause explains: how long after the cause it departed, and by which path."""

    service: str
    lag_s: float
    path: tuple[str, ...]
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class RootCause:
    """A probable root cause: a service, the template that is the best evidence, and why."""

    rank: int
    service: str
    template_id: str
    template: str
    score: float
    signals: dict[str, float | None]
    onset: datetime
    change: Change
    examples: tuple[Example, ...]
    explains: tuple[Effect, ...]

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class IncidentWindow:
    """Where the incident is: its start (given, or found: ``method`` says how) and the end of the logs."""

    start: datetime
    end: datetime
    method: str
    bucket_s: float

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """Cause -> effect, with the lag between their onsets and the evidence (lead, trace, names)."""

    cause: str
    effect: str
    lag_s: float
    strength: float
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class Analysis:
    """What ``rca analyze`` found; reports read this and nothing else."""

    input: IngestSummary
    incident: IncidentWindow | None
    root_causes: tuple[RootCause, ...]
    anomalies: tuple[Anomaly, ...]
    services: tuple[str, ...]
    edges: tuple[GraphEdge, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "analysis",
            "input": self.input.to_dict(),
            "incident": self.incident.to_dict() if self.incident else None,
            "root_causes": [r.to_dict() for r in self.root_causes],
            "anomalies": [a.to_dict() for a in self.anomalies],
            "graph": {
                "nodes": list(self.services),
                "edges": [e.to_dict() for e in self.edges],
            },
        }
