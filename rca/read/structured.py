"""Structured layouts: JSON lines (journald, Docker, cloud exports, the JSON of most loggers),
logfmt and CSV exports. Each finds which key holds the time, level, service, component, message
and request id from a sample, and gives Polars expressions that read them from every line.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import polars as pl

from rca.read.timestamps import SHAPES

TIMESTAMP_KEYS = (
    "@timestamp", "timestamp", "time", "ts", "datetime", "date", "eventTime", "event_time", "asctime",
    "logtime", "log_time", "Timestamp", "Time", "TIMESTAMP", "t", "@t", "__REALTIME_TIMESTAMP", "TimeCreated",
    "TimeGenerated", "Date and Time", "EventTime",
)  # fmt: skip
LEVEL_KEYS = (
    "level", "severity", "lvl", "loglevel", "log_level", "levelname", "log.level", "severity_text",
    "SeverityText", "Level", "Severity", "@level", "@l", "priority", "PRIORITY", "LevelDisplayName", "EntryType",
)  # fmt: skip
MESSAGE_KEYS = (
    "message", "msg", "log", "text", "@message", "@m", "event", "body", "Body", "MESSAGE", "short_message",
    "full_message", "Message", "Log", "Content", "content", "_raw", "line", "textPayload", "jsonPayload.message",
    "@mt",
)  # fmt: skip
SERVICE_KEYS = (
    "service", "service.name", "service_name", "serviceName", "app", "application", "app_name",
    "kubernetes.labels.app", "kubernetes.pod_name", "kubernetes.pod.name", "k8s.pod.name", "pod", "pod_name",
    "PodName", "podName", "SYSLOG_IDENTIFIER", "syslog_identifier", "program", "Service", "App",
    "resource.labels.service_name", "resource.labels.container_name", "resource.labels.function_name",
    "serviceContext.service", "_COMM", "ProviderName", "Source",
)  # fmt: skip
# Ids that tie one request's lines together across services (the first present wins).
TRACE_KEYS = (
    "trace_id", "traceId", "traceID", "TraceID", "TraceId", "trace.id", "dd.trace_id", "otelTraceID",
    "request_id", "requestId", "requestID", "RequestID", "RequestId", "request.id", "x-request-id", "X-Request-ID",
    "x_request_id", "req_id", "reqId", "correlation_id", "correlationId", "CorrelationID", "correlation.id",
    "trace", "traceparent",
)  # fmt: skip


def trace_of(value: pl.Expr) -> pl.Expr:
    """A trace or request id as the services of one request all give it: a W3C ``traceparent``
    (``00-<trace id>-<parent span id>-<flags>``, each hop's span its own) by its trace id alone.

    >>> pl.select(trace_of(pl.lit("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))).item()
    '4bf92f3577b34da6a3ce929d0e0e4736'
    """
    return value.str.replace(r"^(?:00-)?([0-9a-fA-F]{32})-[0-9a-fA-F]{16}-[0-9a-fA-F]{2}$", "${1}")


COMPONENT_KEYS = ("logger", "logger_name", "loggerName", "component", "module", "class", "caller", "Component", "logName")
POD_KEYS = {"kubernetes.pod_name", "kubernetes.pod.name", "k8s.pod.name", "pod", "pod_name", "PodName", "podName"}
_NAMES = ("ts", "level", "service", "component", "message", "trace")


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Which key (a dotted JSON path, or a CSV column) holds each field; None where absent."""

    ts: str | None
    level: str | None
    service: str | None
    component: str | None
    message: str | None
    service_is_pod: bool
    trace: str | None = None
    # Other keys some lines hold their message or level in: one file may hold several loggers'
    # lines (a merged pod log: pino's ``msg`` and numeric ``level``, zerolog's ``message``).
    more_messages: tuple[str, ...] = ()
    more_levels: tuple[str, ...] = ()
    more_ts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StructuredLayout:
    """JSON lines or logfmt, with the keys found in a sample. ``timestamp``: the shape of the time values."""

    name: str
    fields: FieldMap
    timestamp: str | None
    paths: tuple[tuple[str, tuple[str, ...]], ...] = ()  # dotted key -> JSON path parts
    tier: int = 1
    nested: bool = False
    level_from_status: bool = False
    spec: str | None = None

    @property
    def service_kind(self) -> str:
        return "pod" if self.fields.service_is_pod else "plain"


def _flatten(obj: dict[str, object], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], object]:
    out: dict[tuple[str, ...], object] = {}
    for key, value in obj.items():
        out[(*prefix, key)] = value
        if isinstance(value, dict) and len(prefix) < 2:
            out.update(_flatten(value, (*prefix, key)))
    return out


def _pick(keys: Sequence[str], present: dict[str, int], need: int) -> str | None:
    for key in keys:
        if present.get(key, 0) >= need:
            return key
    return None


def _field_map(present: dict[str, int], need: int, *, message_need: int | None = None) -> FieldMap:
    """Which keys hold each field, from how many sample lines carry each key: a field needs ``need``
    of them (the message ``message_need``, default ``need``); a trace id needs only one, as only
    a request's lines carry it."""
    service = _pick(SERVICE_KEYS, present, need)
    message = _pick_shared(MESSAGE_KEYS, present, need if message_need is None else message_need)
    level, ts = _pick_shared(LEVEL_KEYS, present, need), _pick_shared(TIMESTAMP_KEYS, present, need)
    return FieldMap(
        ts=ts,
        level=level,
        service=service,
        component=_pick(COMPONENT_KEYS, present, need),
        message=message,
        service_is_pod=service in POD_KEYS,
        trace=_pick(TRACE_KEYS, present, 1),
        more_messages=_others(MESSAGE_KEYS, present, message),
        more_levels=_others(LEVEL_KEYS, present, level),
        more_ts=_others(TIMESTAMP_KEYS, present, ts),
    )


def _pick_shared(keys: Sequence[str], present: dict[str, int], need: int) -> str | None:
    """The first of ``keys`` that ``need`` sample lines hold; else, where several loggers' lines
    share the file (a merged pod log: logstash's ``@timestamp``, zap's ``ts``, structlog's
    ``timestamp``) and together ``need`` of them hold one of ``keys``, the one most hold."""
    picked = _pick(keys, present, need)
    if picked is not None:
        return picked
    held = sorted((key for key in keys if present.get(key, 0)), key=lambda key: -present[key])[:3]
    return held[0] if held and sum(present[key] for key in held) >= need else None


def _others(keys: Sequence[str], present: dict[str, int], picked: str | None) -> tuple[str, ...]:
    """The keys other than ``picked`` that some sample lines hold (at most two), where one was picked."""
    return tuple(key for key in keys if key != picked and present.get(key, 0))[:2] if picked else ()


def loads_object(text: str) -> dict[str, object] | None:
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def shape_of_values(values: pl.Series) -> str | None:
    """The timestamp shape most sample values have (numbers are epoch times)."""
    return shapes_of_values([values])[0]


def shapes_of_values(samples: Sequence[pl.Series | None]) -> list[str | None]:
    """``shape_of_values`` of each of many samples, their values counted together: one Polars
    pass for all, not one per sample and shape (a folder of small files has thousands)."""
    parts = [values.drop_nulls() for values in samples if values is not None]
    if not parts:
        return [None] * len(samples)
    ids = [i for i, values in enumerate(samples) if values is not None for _ in range(values.drop_nulls().len())]
    frame = pl.DataFrame({"id": pl.Series(ids, dtype=pl.UInt32), "value": pl.concat(parts)})
    value = pl.col("value").str.strip_chars()
    counts = frame.group_by("id").agg(
        *(value.str.contains(f"^(?:{shape.regex})$").sum().alias(shape.name) for shape in SHAPES.values()),
    )
    found: list[str | None] = [None] * len(samples)
    for row in counts.iter_rows(named=True):
        best, best_count = "iso8601", 0
        for shape in SHAPES:
            if row[shape] > best_count:
                best, best_count = shape, row[shape]
        # No shape at all: still ISO 8601, the likeliest for a key named like a time.
        found[row["id"]] = best
    return found


def read_samples(samples: Sequence[list[str]], exprs: Sequence[pl.Expr | None]) -> list[pl.Series | None]:
    """Each sample's lines read by its expression of ``raw`` (None: not read); samples whose
    expressions are the same are read together, in one Polars pass."""
    groups: dict[str, list[int]] = {}
    for i, expr in enumerate(exprs):
        if expr is not None:
            groups.setdefault(str(expr), []).append(i)
    out: list[pl.Series | None] = [None] * len(samples)
    for members in groups.values():
        lines = [line for i in members for line in samples[i]]
        read = pl.DataFrame({"raw": lines}, schema={"raw": pl.String}).select(exprs[members[0]]).to_series()  # type: ignore[arg-type]
        start = 0
        for i in members:
            out[i] = read.slice(start, len(samples[i]))
            start += len(samples[i])
    return out


def _json_path(parts: tuple[str, ...]) -> str:
    return "$" + "".join(f"['{p}']" for p in parts)


def is_json(raw: pl.Expr) -> pl.Expr:
    return raw.str.starts_with("{") & raw.str.json_path_match("$").is_not_null()


def learn_json(sample: list[str]) -> StructuredLayout | None:
    """The keys of JSON lines in ``sample`` (other lines ignored); None when there are none."""
    return learn_json_many([sample])[0]


def learn_json_many(samples: Sequence[list[str]]) -> list[StructuredLayout | None]:
    """``learn_json`` of each sample; the shapes of their times are found in one pass for all."""
    keyed = [_json_keys(sample) for sample in samples]
    exprs = [json_exprs(x)["ts"] if x and x.fields.ts else None for x in keyed]
    shapes = shapes_of_values(read_samples(samples, exprs))
    return [replace(x, timestamp=shape) if x and x.fields.ts else x for x, shape in zip(keyed, shapes, strict=True)]


def _json_keys(sample: list[str]) -> StructuredLayout | None:
    objects = [o for o in (loads_object(s) for s in sample) if o is not None]
    if not objects:
        return None
    present: dict[str, int] = {}
    paths: dict[str, tuple[str, ...]] = {}
    for obj in objects:
        for path, value in _flatten(obj).items():
            if isinstance(value, dict | list):
                continue
            key = ".".join(path)
            present[key] = present.get(key, 0) + 1
            paths.setdefault(key, path)
    fields = _field_map(present, max(1, len(objects) // 2))
    # Only the keys read matter: sources whose lines carry other keys as well share a layout.
    used = {getattr(fields, name) for name in _NAMES} | set(fields.more_messages) | set(fields.more_levels) | set(fields.more_ts)
    return StructuredLayout("json", fields, None, tuple((k, v) for k, v in paths.items() if k in used))


def json_exprs(layout: StructuredLayout) -> dict[str, pl.Expr]:
    """Expressions reading each field's text out of ``raw``, and ``matched`` (the line is a JSON object)."""
    paths = dict(layout.paths)

    def get(key: str | None) -> pl.Expr:
        if key is None:
            return pl.lit(None, dtype=pl.String)
        return pl.col("raw").str.json_path_match(_json_path(paths.get(key, (key,))))

    out = {name: get(getattr(layout.fields, name)) for name in _NAMES}
    for name, more in (("message", layout.fields.more_messages), ("level", layout.fields.more_levels), ("ts", layout.fields.more_ts)):
        if more:
            out[name] = pl.coalesce(out[name], *(get(key) for key in more))
    matched = is_json(pl.col("raw"))
    out["message"] = pl.coalesce(out["message"], pl.when(matched).then(pl.col("raw")))
    out["message"] = out["message"].str.strip_suffix("\n").str.strip_suffix("\r")
    out["matched"] = matched.fill_null(False)
    return out


# logfmt (Go's logrus/slog/log15, Heroku, Loki): ``time=... level=info msg="text with spaces" key=value``.
_LOGFMT_KEY = r"[A-Za-z_@][\w.@/-]*"
_LOGFMT_VALUE = r'"(?:[^"\\]|\\.)*"|[^\s"]*'
_LOGFMT_PAIR = re.compile(rf"(?:^|(?<=\s))({_LOGFMT_KEY})=({_LOGFMT_VALUE})(?=\s|$)")
_KNOWN = set(TIMESTAMP_KEYS) | set(LEVEL_KEYS) | set(MESSAGE_KEYS)


def is_logfmt(line: str) -> bool:
    """``key=value`` pairs from the start, covering most of the line, one of them a time, level or message."""
    line = line.strip()
    pairs = _LOGFMT_PAIR.findall(line)
    covered = sum(len(k) + len(v) + 1 for k, v in pairs) + len(pairs) - 1
    return (
        len(pairs) >= 2
        and line.startswith(pairs[0][0] + "=")
        and covered >= 0.6 * len(line)
        and any(k in _KNOWN for k, _ in pairs)
    )


def learn_logfmt(sample: list[str]) -> StructuredLayout | None:
    return learn_logfmt_many([sample])[0]


def learn_logfmt_many(samples: Sequence[list[str]]) -> list[StructuredLayout | None]:
    """The keys of logfmt lines in each sample; the shapes of their times found in one pass for all."""
    kept = [[s.strip() for s in sample if is_logfmt(s)] for sample in samples]
    keyed = [_logfmt_keys(lines) for lines in kept]
    exprs = [logfmt_exprs(x)["ts"] if x and x.fields.ts else None for x in keyed]
    shapes = shapes_of_values(read_samples(kept, exprs))
    return [replace(x, timestamp=shape) if x and x.fields.ts else x for x, shape in zip(keyed, shapes, strict=True)]


def _logfmt_keys(lines: list[str]) -> StructuredLayout | None:
    if not lines:
        return None
    present: dict[str, int] = {}
    for line in lines:
        for key, _ in _LOGFMT_PAIR.findall(line):
            present[key] = present.get(key, 0) + 1
    fields = _field_map(present, max(1, len(lines) // 2), message_need=1)
    return StructuredLayout("logfmt", fields, None)


def _logfmt_value(key: str | None) -> pl.Expr:
    if key is None:
        return pl.lit(None, dtype=pl.String)
    value = pl.col("raw").str.extract(rf"(?:^|\s){re.escape(key)}=({_LOGFMT_VALUE})(?:\s|$)", 1)
    quoted = value.str.starts_with('"')
    unquoted = value.str.slice(1, value.str.len_chars() - 2).str.replace_all(r'\\(["\\])', "$1")
    return pl.when(quoted).then(unquoted).otherwise(value).replace("", None)


def logfmt_exprs(layout: StructuredLayout) -> dict[str, pl.Expr]:
    """Expressions reading each field out of logfmt ``raw``; without a message key, the message is
    the line without the pairs already read into fields."""
    fields = layout.fields
    out = {name: _logfmt_value(getattr(fields, name)) for name in _NAMES}
    rest = pl.col("raw")
    for key in filter(None, (fields.ts, fields.level, fields.service)):
        rest = rest.str.replace(rf"(?:^|\s){re.escape(key)}=(?:{_LOGFMT_VALUE})(?:\s|$)", " ")
    out["message"] = pl.coalesce(out["message"], rest.str.strip_chars())
    out["matched"] = pl.col("raw").str.contains(rf"^\s*{_LOGFMT_KEY}=(?:{_LOGFMT_VALUE})\s+{_LOGFMT_KEY}=")
    return out


# Docker's json-file driver: ``{"log":"text\n","stream":"stdout","time":"..."}``, the text an application's line.
DOCKER_KEYS = ("log", "stream", "time")


def is_docker_json(sample: list[str]) -> bool:
    objects = [o for o in (loads_object(s) for s in sample) if o is not None]
    return bool(objects) and sum(all(k in o for k in DOCKER_KEYS) for o in objects) >= 0.8 * len(objects)


DOCKER = StructuredLayout(
    "docker-json", FieldMap("time", None, None, None, "log", False), "iso8601", (("time", ("time",)), ("log", ("log",))),
    nested=True,
)
# Where a collector (Fluent Bit, Fluentd) adds Kubernetes metadata beside Docker's keys, whose line
# it is: the app label, else the pod (its workload), else the container.
DOCKER_SERVICE_KEYS = ("kubernetes.labels.app", "kubernetes.pod_name", "kubernetes.container_name")


def docker_layout(sample: list[str]) -> StructuredLayout:
    """``DOCKER``, its records' service read from the Kubernetes metadata most of ``sample`` carries."""
    present: dict[str, int] = {}
    objects = [o for o in (loads_object(s) for s in sample) if o is not None]
    for obj in objects:
        for path in _flatten(obj):
            key = ".".join(path)
            if key in DOCKER_SERVICE_KEYS:
                present[key] = present.get(key, 0) + 1
    key = _pick(DOCKER_SERVICE_KEYS, present, max(1, int(0.8 * len(objects))))
    if key is None:
        return DOCKER
    fields = replace(DOCKER.fields, service=key, service_is_pod=key in POD_KEYS)
    return replace(DOCKER, fields=fields, paths=(*DOCKER.paths, (key, tuple(key.split(".")))))


def looks_like_csv_export(first_line: str, second_line: str | None = None) -> bool:
    """A header row with a message-like column (or, as Windows Event Viewer writes, one unnamed
    last column) and a time column: how log platforms export search results."""
    if "," not in first_line and "\t" not in first_line:
        return False
    delimiter = "\t" if "\t" in first_line else ","
    try:
        header = next(csv.reader([first_line], delimiter=delimiter))
        row = next(csv.reader([second_line], delimiter=delimiter)) if second_line else []
    except (csv.Error, StopIteration):
        return False
    names = {h.strip() for h in header}
    if len(header) < 2 or not all(names):
        return False
    has_message = any(key in names for key in MESSAGE_KEYS)
    unnamed_message = len(row) == len(header) + 1 and any(key in names for key in TIMESTAMP_KEYS)
    return has_message or unnamed_message


def _read_csv(text: str) -> pl.DataFrame:
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    rows_head = list(csv.reader(io.StringIO(text[:65536]), delimiter=delimiter, strict=False))[:3]
    if len(rows_head) > 1 and len(rows_head[1]) == len(rows_head[0]) + 1:
        # Windows Event Viewer: the description is a last column without a name.
        first, _, rest = text.partition("\n")
        text = f"{first}{delimiter}Message\n{rest}"
    try:
        return pl.read_csv(io.StringIO(text), infer_schema=False, separator=delimiter, truncate_ragged_lines=True)
    except pl.exceptions.PolarsError:
        # Broken quoting somewhere: Python's csv module recovers row by row where Polars gives up.
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=False))
        header, body = rows[0], [r + [""] * (len(rows[0]) - len(r)) for r in rows[1:]]
        return pl.DataFrame([r[: len(header)] for r in body], schema=header, orient="row")


def csv_export(lines: pl.DataFrame) -> tuple[pl.DataFrame, StructuredLayout]:
    """The rows of a CSV export as lines: ``line`` (the row's first line), ``raw`` (its message, a
    Docker ``{"log": ...}`` unwrapped) and the text of its time, level, service, component and
    request id columns; and the layout that says which columns those were."""
    text = lines.get_column("raw").to_list()
    skipped = 1 if text and text[0].startswith("#TYPE ") else 0  # PowerShell's Export-Csv type line
    table = _read_csv("\n".join(text[skipped:]))
    fields = _field_map({name: table.height for name in table.columns}, 1)
    # Prefix the export's own columns so names like ``line`` or ``level`` cannot clash with ours.
    table = table.rename(lambda name: f"csv:{name}")

    def column(key: str | None) -> pl.Expr:
        return pl.col(f"csv:{key}") if key else pl.lit(None, dtype=pl.String)

    # A record's line: the header is line 1, and quoted newlines push later rows down.
    newlines = pl.sum_horizontal(pl.col(c).str.count_matches("\n").fill_null(0) for c in table.columns)
    message = column(fields.message) if fields.message else pl.concat_str(pl.all(), separator=",")
    wrapped = table.select(message.head(200).str.starts_with("{").mean()).item() or 0.0
    if fields.message and wrapped > 0.5:
        inner = pl.coalesce([message.str.json_path_match(f"$.{key}") for key in ("log", "message", "msg")])
        message = pl.coalesce(inner, message)
    frame = table.select(
        line=(pl.int_range(pl.len(), dtype=pl.UInt32) + 2 + skipped + newlines.cum_sum().shift(1, fill_value=0)).cast(pl.UInt32),
        raw=message.str.strip_suffix("\n").str.strip_suffix("\r"),
        outer=pl.lit(0, dtype=pl.Int16),
        **{f"outer_{name}": column(getattr(fields, name)) for name in _NAMES if name != "message"},
    )
    layout = StructuredLayout("csv", fields, shape_of_values(frame.get_column("outer_ts").head(200)), nested=True)
    return frame, layout
