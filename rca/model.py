"""Frozen result dataclasses that leave the library (each with ``to_dict`` for JSON), and frame schemas."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields, is_dataclass
from datetime import datetime
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

import polars as pl

from rca.read.timestamps import UTC_DATETIME
from rca.read.words import LEVEL_DTYPE

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
    "attributes": pl.String(),  # a structured record's whole line (JSON, logfmt), its other fields included
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
class LayoutUse:
    """One layout a source's records were read with, and how many. ``spec``: for a learned or given
    layout, the Loghub-style spec that ``--log-format`` takes back."""

    name: str
    records: int
    spec: str | None = None

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """What reading one source found. ``format`` names the detected (or given) line format: the
    layout of most of its records (``layouts`` lists them all); ``notes`` say what was assumed."""

    source: str
    format: str
    lines: int
    records: int
    continuation_lines: int
    no_timestamp: int
    invalid_utf8: int
    first: datetime | None
    last: datetime | None
    layouts: tuple[LayoutUse, ...] = ()
    notes: tuple[str, ...] = ()
    # The services of the source that a server's layout read, each with that layout's name: a
    # collector's file holding a database's or a cache's lines (``[["kv", "redis"]]``).
    servers: tuple[tuple[str, str], ...] = ()

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
    notes: tuple[str, ...] = ()  # what reading assumed for all sources (the time zone of zoneless times)

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
            "notes": list(self.notes),
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

    @classmethod
    def all_in(cls, lines: pl.DataFrame) -> tuple[Example, ...]:
        """One example per row of ``lines`` (with ``source``, ``line``, ``message``, ``timestamp``)."""
        return tuple(cls(r["source"], r["line"], r["message"], r["timestamp"]) for r in lines.iter_rows(named=True))


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
# rca analyze --json: version 2 changed the root causes' signals, the change kinds and the graph's
# evidence kinds (blame along the calls); version 1 files are still read by ``rca report``.
ANALYSIS_SCHEMA_VERSION = 2
READABLE_ANALYSIS_VERSIONS = (1, 2)


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
    detail: str | None = None  # what changed other than the rate (the numbers in the lines)

    @property
    def factor(self) -> float | None:
        """After over before (None for new templates)."""
        return round(self.rate_after / self.rate_before, 2) if self.rate_before > 0 else None

    def describe(self) -> str:
        if self.detail:
            return self.detail
        if self.kind == "new":
            return f"new: {self.count_after:,} lines, never seen before"
        if self.kind == "stopped":
            return f"stopped: was {self.rate_before:.3g}/min, none since"
        if self.kind == "silent":
            return f"the service went quiet: was {self.rate_before:.3g}/min, none since"
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
            "detail": self.detail,
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
class Departure:
    """One way a service departed from its own normal: ``kind`` (``new``, ``up``, ``down``,
    ``stopped``, ``silent``, ``shifted``, or ``blamed``: its callers' error lines name it), the statement, when it began and how clearly (``g``, a
    G-test statistic: 10 is about p < 0.002)."""

    kind: str
    template_id: str
    template: str
    onset: datetime
    g: float
    description: str

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class CallEdge:
    """Caller -> callee, as the logs show it: ``evidence`` says how (``name``: the caller's lines
    name the callee; ``address``: they give its address; ``route``: a URL path names it;
    ``caller``: the callee's lines name who sent the request; ``traces``: requests pass from one
    to the other), ``templates`` the caller's statements that name it and ``error_lines`` their lines at
    WARN or above. ``resolver``: the callee answers the caller's name lookups, read from the
    caller's errors that a name could not be resolved (an edge only so read has no ``evidence``)."""

    caller: str
    callee: str
    evidence: tuple[str, ...]
    templates: int
    error_lines: int
    traces: int
    resolver: bool = False

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
    series: tuple[int, ...] = ()  # the evidence template's lines per bucket of the timeline's grid
    departures: tuple[Departure, ...] = ()  # every way it departed from its own normal, strongest first
    chain: tuple[str, ...] = ()  # root -> callers -> ... -> the edge: the longest path of effects

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
class ServiceRates:
    """One service's log lines, and its ERROR/FATAL lines, per bucket of the timeline."""

    service: str
    lines: tuple[int, ...]
    errors: tuple[int, ...]

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class Timeline:
    """Counts on the analysis grid: bucket ``i`` starts at ``origin + i * bucket_s`` seconds."""

    origin: datetime
    bucket_s: float
    services: tuple[ServiceRates, ...]

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class BaselineUsed:
    """The baseline model an analysis compared with: which one (``checksum`` is its file's
    SHA-256 of the body), and how many of the analysed records fell on templates it never saw."""

    name: str
    version: int
    learned_at: datetime
    checksum: str
    unknown_records: int
    unknown_templates: int

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
    timeline: Timeline | None = None
    baseline: BaselineUsed | None = None
    calls: tuple[CallEdge, ...] = ()
    entry_services: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": ANALYSIS_SCHEMA_VERSION,
            "kind": "analysis",
            "input": self.input.to_dict(),
            "incident": self.incident.to_dict() if self.incident else None,
            "root_causes": [r.to_dict() for r in self.root_causes],
            "anomalies": [a.to_dict() for a in self.anomalies],
            "graph": {
                "nodes": list(self.services),
                "edges": [e.to_dict() for e in self.edges],
            },
            "timeline": self.timeline.to_dict() if self.timeline else None,
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "calls": [c.to_dict() for c in self.calls],
            "entry_services": list(self.entry_services),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        """An Analysis from its ``to_dict`` (saved ``rca analyze --json``).

        Raises ValueError or KeyError (with the offending key) where the data is not one.
        """
        if data.get("kind") != "analysis":
            raise ValueError("not the JSON of rca analyze (its \"kind\" is not \"analysis\")")
        if data.get("schema_version") not in READABLE_ANALYSIS_VERSIONS:
            raise ValueError(f"schema_version {data.get('schema_version')!r} is not one this rca reads "
                             f"({', '.join(map(str, READABLE_ANALYSIS_VERSIONS))})")
        source = data["input"]
        summary = IngestSummary(
            sources=tuple(_build(SourceSummary, s) for s in source["sources"]),
            skipped=tuple(_build(SkippedSource, s) for s in source["skipped"]),
            outside_time_filter=source["outside_time_filter"],
            first=_time(source["first"]),
            last=_time(source["last"]),
            notes=tuple(source.get("notes", ())),
        )
        timeline = data.get("timeline")
        return cls(
            input=summary,
            incident=_build(IncidentWindow, data["incident"]) if data["incident"] else None,
            root_causes=tuple(_build(RootCause, r) for r in data["root_causes"]),
            anomalies=tuple(_build(Anomaly, a) for a in data["anomalies"]),
            services=tuple(data["graph"]["nodes"]),
            edges=tuple(_build(GraphEdge, e) for e in data["graph"]["edges"]),
            timeline=_build(Timeline, timeline) if timeline else None,
            baseline=_build(BaselineUsed, data["baseline"]) if data.get("baseline") else None,
            calls=tuple(_build(CallEdge, c) for c in data.get("calls", ())),
            entry_services=tuple(data.get("entry_services", ())),
        )


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _change(data: dict[str, Any]) -> Change:
    return Change(data["kind"], data["count_before"], data["count_after"], data["rate_before_per_min"],
                  data["rate_after_per_min"], data.get("detail"))


def _build(kind: type[Any], data: dict[str, Any]) -> Any:
    """A result dataclass from its ``to_dict``, field by field, by the field's type."""
    if kind is Change:
        return _change(data)
    hints = get_type_hints(kind)
    values = {}
    for field in fields(kind):
        if field.name not in data:
            if field.default is not MISSING:
                continue
            raise KeyError(f"{kind.__name__}.{field.name}")
        values[field.name] = _value(hints[field.name], data[field.name])
    return kind(**values)


def _value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin, args = get_origin(hint), get_args(hint)
    if origin in (UnionType, Union):
        hint = next(a for a in args if a is not type(None))
        origin, args = get_origin(hint), get_args(hint)
    if hint is datetime:
        return _time(value)
    if origin is tuple:
        return tuple(_value(args[0], item) for item in value)
    if isinstance(hint, type) and is_dataclass(hint):
        return _build(hint, value)
    return value


@dataclass(frozen=True, slots=True)
class TemplateChange:
    """One template whose share of the lines differs between the baseline run and the target run.

    ``kind``: ``new`` (not in the baseline), ``gone`` (not in the target), ``up`` or ``down``;
    ``score``: the G-test statistic of the two shares (larger: a clearer change).
    """

    kind: str
    service: str | None
    template_id: str
    template: str
    count_base: int
    count_target: int
    share_base: float
    share_target: float
    score: float
    examples: tuple[Example, ...]

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)

    @classmethod
    def from_row(cls, row: dict[str, Any], service: str | None, lines: pl.DataFrame) -> TemplateChange:
        """A change from a row of ``diff.scored`` and the example ``lines`` to show with it."""
        return cls(
            row["kind"], service, row["template_id"], row["template"] or "", int(row["count_base"]),
            int(row["count_target"]), round(row["share_base"], 6), round(row["share_target"], 6), float(row["g"]),
            Example.all_in(lines),
        )


@dataclass(frozen=True, slots=True)
class Diff:
    """What ``rca diff`` found: the two inputs and the template changes, clearest first.

    ``by_service``: changes are per (service, template) when the runs share service names, else per
    template (two files named after the runs, ``good.log`` and ``bad.log``, share none).
    """

    baseline: IngestSummary
    target: IngestSummary
    by_service: bool
    changes: tuple[TemplateChange, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "diff",
            "baseline": self.baseline.to_dict(),
            "target": self.target.to_dict(),
            "by_service": self.by_service,
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass(frozen=True, slots=True)
class ModelRef:
    """Which baseline model a result was computed against."""

    name: str
    version: int
    learned_at: datetime
    checksum: str
    records: int
    templates: int

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class DriftLimits:
    """The thresholds of the drift verdict: any one exceeded means drift."""

    max_unknown_share: float = 0.05
    max_vanished_share: float = 0.05
    max_js_divergence: float = 0.1

    def to_dict(self) -> dict[str, object]:
        return _fields_dict(self)


@dataclass(frozen=True, slots=True)
class Drift:
    """How far logs have drifted from a baseline model's templates.

    ``unknown_*``: records (and templates) the model never saw in normal logs; ``vanished_*``:
    model templates expected 5 or more times at their normal share that did not appear, and the
    share of normal lines they made up; ``js_divergence``: Jensen-Shannon divergence (base 2, 0 to
    1) between the model's template frequencies and these logs'; ``js_by_chance``: the divergence
    that as many records drawn at the model's own frequencies reach (95th percentile of 40 draws);
    ``psi``: population stability index over the same frequencies (shares floored at 1e-4).
    ``verdict``: ``drift`` if any limit is exceeded (``reasons`` say which; the divergence counts
    only above what chance gives), else ``stable``. ``changes``: templates new, gone or
    changed in share, clearest first (examples from these logs; none for gone ones).
    """

    model: ModelRef
    input: IngestSummary
    records: int
    unknown_records: int
    unknown_share: float
    unknown_templates: int
    vanished_templates: int
    vanished_share: float
    js_divergence: float
    js_by_chance: float
    psi: float
    limits: DriftLimits
    verdict: str
    reasons: tuple[str, ...]
    changes: tuple[TemplateChange, ...]

    def to_dict(self) -> dict[str, object]:
        return {"schema_version": SCHEMA_VERSION, "kind": "drift", **_fields_dict(self)}
