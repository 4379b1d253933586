"""Structured inputs: JSON lines (with the Docker/CRI ``{"log": ...}`` wrapper), logfmt and CSV exports.

Both become the same frame as text lines after header extraction (``ts``, ``level``, ``service``,
``component``, ``message``, ``is_start``), so the rest of the pipeline does not care.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from rca.records import normalise_level, workload
from rca.timestamps import ISO, TIMESTAMP_TYPES, UTC_DATETIME, parse_timestamps

TIMESTAMP_KEYS = (
    "@timestamp", "timestamp", "time", "ts", "datetime", "date", "eventTime", "event_time", "asctime",
    "logtime", "log_time", "Timestamp", "Time", "TIMESTAMP", "t",
)  # fmt: skip
LEVEL_KEYS = (
    "level", "severity", "lvl", "loglevel", "log_level", "levelname", "log.level", "severity_text",
    "SeverityText", "Level", "Severity", "@level", "priority", "PRIORITY",
)  # fmt: skip
MESSAGE_KEYS = (
    "message", "msg", "log", "text", "@message", "event", "body", "Body", "MESSAGE", "short_message",
    "full_message", "Message", "Log", "Content", "content", "_raw", "line",
)  # fmt: skip
SERVICE_KEYS = (
    "service", "service.name", "service_name", "serviceName", "app", "application", "app_name",
    "kubernetes.labels.app", "kubernetes.pod_name", "kubernetes.pod.name", "k8s.pod.name", "pod", "pod_name",
    "PodName", "podName", "SYSLOG_IDENTIFIER", "syslog_identifier", "program", "Service", "App",
)  # fmt: skip
# Ids that tie one request's lines together across services (the first present wins).
TRACE_KEYS = (
    "trace_id", "traceId", "traceID", "TraceID", "TraceId", "trace.id", "dd.trace_id", "otelTraceID",
    "request_id", "requestId", "requestID", "RequestID", "RequestId", "request.id", "x-request-id", "X-Request-ID",
    "x_request_id", "req_id", "reqId", "correlation_id", "correlationId", "CorrelationID", "correlation.id",
)  # fmt: skip
COMPONENT_KEYS = ("logger", "logger_name", "loggerName", "component", "module", "class", "caller", "Component")
POD_KEYS = {"kubernetes.pod_name", "kubernetes.pod.name", "k8s.pod.name", "pod", "pod_name", "PodName", "podName"}


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Which key (as a JSON path, or a CSV column) holds each field; None where absent."""

    ts: str | None
    level: str | None
    service: str | None
    component: str | None
    message: str | None
    service_is_pod: bool
    trace: str | None = None


def _flatten(obj: dict[str, object], prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in obj.items():
        out[prefix + key] = value
        if isinstance(value, dict) and not prefix:
            out.update(_flatten(value, f"{key}."))
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
    return FieldMap(
        ts=_pick(TIMESTAMP_KEYS, present, need),
        level=_pick(LEVEL_KEYS, present, need),
        service=service,
        component=_pick(COMPONENT_KEYS, present, need),
        message=_pick(MESSAGE_KEYS, present, need if message_need is None else message_need),
        service_is_pod=service in POD_KEYS,
        trace=_pick(TRACE_KEYS, present, 1),
    )


def _json_path(key: str, nested: set[str]) -> str:
    if key in nested:
        head, tail = key.split(".", 1)
        return f"$['{head}']['{tail}']"
    return f"$['{key}']"


def looks_like_json_lines(sample: list[str]) -> bool:
    """Most non-empty sample lines are JSON objects."""
    lines = [s for s in sample if s.strip()]
    ok = sum(1 for s in lines if s.lstrip().startswith("{") and _loads(s) is not None)
    return bool(lines) and ok >= 0.5 * len(lines)


def _loads(text: str) -> dict[str, object] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def json_field_map(sample: list[str]) -> tuple[FieldMap, set[str]]:
    """Find the keys for time, level, service, component and message in a sample of JSON lines."""
    present: dict[str, int] = {}
    nested: set[str] = set()
    objects = [o for o in (_loads(s) for s in sample if s.strip()) if o is not None]
    for obj in objects:
        for key, value in _flatten(obj).items():
            if isinstance(value, dict | list):
                continue
            present[key] = present.get(key, 0) + 1
            if "." in key and key not in obj:
                nested.add(key)
    return _field_map(present, max(1, len(objects) // 2)), nested


def timestamp_type_of(values: pl.Series) -> str:
    """The timestamp shape most sample values have (numbers are epoch times)."""
    values = values.drop_nulls().str.strip_chars()
    if values.len() == 0:
        return "iso8601"
    best, best_count = "iso8601", 0
    for ttype in TIMESTAMP_TYPES.values():
        count = int(values.str.contains(f"^(?:{ttype.regex})$").sum())
        if count > best_count:
            best, best_count = ttype.name, count
    if best_count == 0 and int(values.str.contains(f"^{ISO}").sum()) > 0:
        return "iso8601"
    return best


def _finish(
    frame: pl.DataFrame, fields: FieldMap, text: dict[str, pl.Expr], year: int, *, attributes: bool = True
) -> pl.DataFrame:
    ts_text = frame.select(text["ts"].head(200)).to_series() if fields.ts else pl.Series([], dtype=pl.String)
    ttype = TIMESTAMP_TYPES[timestamp_type_of(ts_text)]
    ts = parse_timestamps(text["ts"], ttype, year=year) if fields.ts else pl.lit(None, dtype=UTC_DATETIME)
    service = workload(text["service"], pod_field=fields.service_is_pod)
    message = text["message"].str.strip_suffix("\n").str.strip_suffix("\r")
    return frame.with_columns(
        ts=ts,
        level=normalise_level(text["level"]),
        service=service,
        component=text["component"],
        message=message.str.strip_chars(),
        trace_id=text["trace"],
        # The whole structured line: its other fields (``error=``, ``upstream=``, ``duration=``)
        # say whom a service called and how long it took, where the message alone does not.
        attributes=pl.col("raw") if attributes else _none(),
    )


def _none() -> pl.Expr:
    return pl.lit(None, dtype=pl.String)


def extract_json(lines: pl.DataFrame, sample: list[str], *, year: int) -> pl.DataFrame:
    """Header fields of JSON lines. Lines that are not JSON objects continue the record above."""
    fields, nested = json_field_map(sample)

    def get(key: str | None) -> pl.Expr:
        return pl.col("raw").str.json_path_match(_json_path(key, nested)) if key else _none()

    text = {name: get(getattr(fields, name)) for name in ("ts", "level", "service", "component", "message", "trace")}
    is_json = pl.col("raw").str.starts_with("{") & pl.col("raw").str.json_path_match("$").is_not_null()
    text["message"] = pl.coalesce(text["message"], pl.when(is_json).then(pl.col("raw")))
    frame = _finish(lines, fields, text, year)
    return frame.with_columns(is_start=is_json.fill_null(False))


# logfmt (Go's logrus/slog/log15, Heroku, Loki): ``time=... level=info msg="text with spaces" key=value``.
_LOGFMT_KEY = r"[A-Za-z_@][\w.@/-]*"
_LOGFMT_VALUE = r'"(?:[^"\\]|\\.)*"|[^\s"]*'
_LOGFMT_PAIR = re.compile(rf"(?:^|(?<=\s))({_LOGFMT_KEY})=({_LOGFMT_VALUE})(?=\s|$)")


def _logfmt_pairs(line: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in _LOGFMT_PAIR.finditer(line.strip())}


def looks_like_logfmt(sample: list[str]) -> bool:
    """Most non-empty sample lines are ``key=value`` pairs from the start, with a time, level or message key."""
    lines = [s.strip() for s in sample if s.strip()]
    known = set(TIMESTAMP_KEYS) | set(LEVEL_KEYS) | set(MESSAGE_KEYS)

    def fits(line: str) -> bool:
        pairs = _LOGFMT_PAIR.findall(line)
        covered = sum(len(k) + len(v) + 1 for k, v in pairs) + len(pairs) - 1
        return len(pairs) >= 2 and line.startswith(pairs[0][0] + "=") and covered >= 0.6 * len(line) and any(
            k in known for k, _ in pairs
        )

    return bool(lines) and sum(map(fits, lines)) >= 0.5 * len(lines)


def extract_logfmt(lines: pl.DataFrame, sample: list[str], *, year: int) -> pl.DataFrame:
    """Header fields of logfmt lines; lines that do not start with ``key=`` continue the record above."""
    pairs = [_logfmt_pairs(s) for s in sample if s.strip()]
    present: dict[str, int] = {}
    for found in pairs:
        for key in found:
            present[key] = present.get(key, 0) + 1
    fields = _field_map(present, max(1, len(pairs) // 2), message_need=1)

    def get(key: str | None) -> pl.Expr:
        if key is None:
            return _none()
        value = pl.col("raw").str.extract(rf"(?:^|\s){re.escape(key)}=({_LOGFMT_VALUE})(?:\s|$)", 1)
        quoted = value.str.starts_with('"')
        unquoted = value.str.slice(1, value.str.len_chars() - 2).str.replace_all(r'\\(["\\])', "$1")
        return pl.when(quoted).then(unquoted).otherwise(value).replace("", None)

    text = {name: get(getattr(fields, name)) for name in ("ts", "level", "service", "component", "message", "trace")}
    # Without a message key, the message is the line without the pairs already read into fields.
    rest = pl.col("raw")
    for key in filter(None, (fields.ts, fields.level, fields.service)):
        rest = rest.str.replace(rf"(?:^|\s){re.escape(key)}=(?:{_LOGFMT_VALUE})(?:\s|$)", " ")
    text["message"] = pl.coalesce(text["message"], rest.str.strip_chars())
    frame = _finish(lines, fields, text, year)
    return frame.with_columns(is_start=pl.col("raw").str.contains(rf"^\s*{_LOGFMT_KEY}="))


def looks_like_csv_export(first_line: str) -> bool:
    """A header row with a message-like column: how log platforms export search results."""
    if "," not in first_line and "\t" not in first_line:
        return False
    try:
        header = next(csv.reader([first_line], delimiter="\t" if "\t" in first_line else ","))
    except (csv.Error, StopIteration):
        return False
    names = {h.strip() for h in header}
    return len(header) >= 2 and any(key in names for key in MESSAGE_KEYS) and all(n for n in names)


def _read_csv(text: str) -> pl.DataFrame:
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    try:
        return pl.read_csv(io.StringIO(text), infer_schema=False, separator=delimiter, truncate_ragged_lines=True)
    except pl.exceptions.PolarsError:
        # Broken quoting somewhere: Python's csv module recovers row by row where Polars gives up.
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=False))
        header, body = rows[0], [r + [""] * (len(rows[0]) - len(r)) for r in rows[1:]]
        return pl.DataFrame([r[: len(header)] for r in body], schema=header, orient="row")


def extract_csv(lines: pl.DataFrame, *, year: int) -> pl.DataFrame:
    """Header fields of a CSV export; a JSON message column (Docker's ``{"log": ...}``) is unwrapped."""
    table = _read_csv("\n".join(lines.get_column("raw").to_list()))
    fields = _field_map({name: table.height for name in table.columns}, 1)
    # Prefix the export's own columns so names like ``line`` or ``level`` cannot clash with ours.
    table = table.rename(lambda name: f"csv:{name}")

    def column(key: str | None) -> pl.Expr:
        return pl.col(f"csv:{key}") if key else _none()

    # A record's line: the header is line 1, and quoted newlines push later rows down.
    newlines = pl.sum_horizontal(pl.col(c).str.count_matches("\n").fill_null(0) for c in table.columns)
    table = table.with_columns(
        line=(pl.int_range(pl.len(), dtype=pl.UInt32) + 2 + newlines.cum_sum().shift(1, fill_value=0)).cast(pl.UInt32),
        raw=column(fields.message) if fields.message else pl.concat_str(pl.all(), separator=","),
    )
    text = {name: column(getattr(fields, name)) for name in ("ts", "level", "service", "component", "message", "trace")}
    wrapped = table.get_column("raw").head(200).str.starts_with("{").mean() or 0.0
    if fields.message and wrapped > 0.5:
        inner = pl.coalesce([pl.col("raw").str.json_path_match(f"$.{key}") for key in ("log", "message", "msg")])
        text["message"] = pl.coalesce(inner, pl.col("raw"))
    frame = _finish(table, fields, text, year, attributes=False)
    columns = ("line", "raw", "ts", "level", "service", "component", "message", "trace_id")
    return frame.select(columns).with_columns(is_start=pl.lit(True))
