"""The built-in library of line formats, detection from a sample, and header extraction with Polars.

A format is a regex with named groups, as in lnav's format files: ``ts`` (the timestamp text),
``level``, ``service``, ``component`` and ``message``; other groups are ignored. Extraction runs
the regex once over every line in Polars; lines that do not match are continuation lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from rca.errors import UsageError
from rca.timestamps import ISO, TIMESTAMP_TYPES, TimestampType, parse_timestamps

LEVELS: tuple[str, ...] = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
LEVEL_DTYPE = pl.Enum(LEVELS)

LEVEL_WORD = (
    r"(?i:trace|finest|finer|fine|debug|config|verbose|info|information|informational|notice|"
    r"warn|warning|error|err|severe|failure|crit|critical|fatal|alert|emerg|emergency|panic)"
)
_LEVEL_ALIASES = {
    "TRACE": ("trace", "finest", "finer", "verbose", "v", "10"),
    "DEBUG": ("debug", "fine", "config", "d", "20", "7"),
    "INFO": ("info", "information", "informational", "notice", "i", "30", "6", "5"),
    "WARN": ("warn", "warning", "w", "40", "4"),
    "ERROR": ("error", "err", "severe", "failure", "e", "50", "3"),
    "FATAL": ("fatal", "crit", "critical", "alert", "emerg", "emergency", "panic", "f", "a", "wtf", "60", "2", "1", "0"),
}
LEVEL_OF_WORD = {alias: level for level, aliases in _LEVEL_ALIASES.items() for alias in aliases}

# Kubernetes pod names: <workload>-<replicaset hash>-<5 chars>, from a vowel-free alphabet.
_POD_CHARS = "[bcdfghjklmnpqrstvwxz2456789]"
POD = rf"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?-{_POD_CHARS}{{6,10}}-{_POD_CHARS}{{5}}"
_JAVA_NAME = r"[A-Za-z_$][\w$]*(?:[.$][\w$-]+)+(?:[#:@]\d+)?"

# A syslog tag: ``sshd[123]``, ``sshd(pam_unix)[123]``, ``syslogd 1.4.1``, ``-- root[2421]``.
_PROGRAM = r"(?:-- )?(?P<service>[\w./-]+(?:\([^)]*\))?)(?: [\d.]+)?(?:\[(?P<pid>\d+)\])?"

ServiceKind = Literal["plain", "program", "pod", "logfile"]


@dataclass(frozen=True, slots=True)
class LineFormat:
    """One line format. ``nested``: the message is an application's own line, parsed again."""

    name: str
    pattern: str
    timestamp: str | None = None
    service_kind: ServiceKind = "plain"
    nested: bool = False
    level_from_status: bool = False

    @property
    def timestamp_type(self) -> TimestampType | None:
        return TIMESTAMP_TYPES[self.timestamp] if self.timestamp else None


def _ts(name: str) -> str:
    return f"(?P<ts>{TIMESTAMP_TYPES[name].regex})"


LV = rf"(?P<level>{LEVEL_WORD})"

# Ordered from most to least specific: on a tie in detection the earlier format wins.
BUILTIN_FORMATS: tuple[LineFormat, ...] = (
    LineFormat(
        "bgl",
        rf"^\S+ (?P<epoch>\d{{10}}) \d{{4}}\.\d{{2}}\.\d{{2}} (?P<node>\S+) {_ts('bgl')} \S+ (?P<type>[A-Z]+) "
        rf"(?P<component>[A-Z_]+) (?P<level>[A-Z]+)\s?(?P<message>.*)$",
        "bgl",
    ),
    LineFormat(
        "thunderbird",
        r"^\S+ (?P<ts>\d{10}) \d{4}\.\d{2}\.\d{2} (?P<node>\S+) [A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} \S+ "
        r"(?P<service>[^\s\[:]+)(?:\[\d+\])?: ?(?P<message>.*)$",
        "epoch",
        service_kind="program",
    ),
    LineFormat(
        "hpc",
        r"^\d+ (?P<node>\S+) (?P<component>\S+) (?P<state>\S+) (?P<ts>\d{10}) -?\d+ ?(?P<message>.*)$",
        "epoch",
    ),
    LineFormat("kubernetes-prefixed", rf"^(?P<ts>{ISO})\s+(?P<service>{POD})\s(?P<message>.*)$", "iso8601", "pod", True),
    LineFormat("cri", rf"^(?P<ts>{ISO}) (?:stdout|stderr) [FP] (?P<message>.*)$", "iso8601", nested=True),
    LineFormat(
        "syslog-rfc5424",
        rf"^<\d{{1,3}}>1 (?P<ts>{ISO}|-) (?P<host>\S+) (?P<service>\S+) \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?"
        r"(?P<message>.*)$",
        "iso8601",
        "program",
    ),
    LineFormat(
        "oslo",
        rf"^(?:(?P<service>[\w.-]+?)\.log\S* )?{_ts('iso8601')} (?P<pid>\d+) {LV} (?P<component>\S+) "
        r"\[(?P<context>[^\]]*)\] ?(?P<message>.*)$",
        "iso8601",
        "logfile",
    ),
    LineFormat(
        "log4j-dash",
        rf"^{_ts('iso8601')} - {LV}\s+\[(?P<thread>.*?)\] - (?P<message>.*)$",
        "iso8601",
    ),
    LineFormat(
        "windows-cbs",
        rf"^{_ts('iso8601')}, {LV}\s+(?P<component>\S+)\s+(?P<message>.*)$",
        "iso8601",
    ),
    LineFormat(
        "log4j",
        rf"^\[?{_ts('iso8601')}\]?\s+(?:\[(?P<thread0>[^\]]*)\]\s+)?\[?{LV}\]?:?\s+(?:\d+\s+---\s+)?"
        rf"(?:\[(?P<thread>[^\]]*)\]\s+)?(?:(?P<component>{_JAVA_NAME})\s*(?::|\s-)\s+)?(?P<message>.*)$",
        "iso8601",
    ),
    LineFormat(
        "hdfs",
        rf"^{_ts('yymmdd')} (?P<pid>\d+) {LV} (?P<component>[^\s:]+): ?(?P<message>.*)$",
        "yymmdd",
    ),
    LineFormat(
        "spark",
        rf"^{_ts('yy-slash')} {LV} (?P<component>[^\s:]+): ?(?P<message>.*)$",
        "yy-slash",
    ),
    LineFormat(
        "android-logcat",
        rf"^{_ts('month-day')}\s+(?P<pid>\d+)\s+(?P<tid>\d+)\s+(?P<level>[VDIWEFA])\s+(?P<component>[^:]*?)\s*: ?"
        r"(?P<message>.*)$",
        "month-day",
    ),
    LineFormat(
        "apache-error",
        rf"^\[{_ts('ctime')}\] \[(?:(?P<component>[\w-]+):)?(?P<level>\w+)\](?: \[pid \d+(?::tid \d+)?\])? "
        r"(?P<message>.*)$",
        "ctime",
    ),
    LineFormat(
        "apache-access",
        rf"^(?P<client>\S+) \S+ \S+ \[{_ts('clf')}\] (?P<message>\".*)$",
        "clf",
        level_from_status=True,
    ),
    LineFormat(
        "nginx-error",
        rf"^{_ts('ymd-slash')} \[{LV}\] (?P<pid>\d+)#\d+: (?:\*\d+ )?(?P<message>.*)$",
        "ymd-slash",
    ),
    LineFormat(
        "syslog",
        rf"^(?:<\d{{1,3}}>)?(?P<ts>{TIMESTAMP_TYPES['syslog'].regex}) (?P<host>[\w.-]+)\s+{_PROGRAM}: ?(?P<message>.*)$",
        "syslog",
        "program",
    ),
    LineFormat(
        # rsyslog's high-precision timestamps; a lower-case host keeps ``2026-.. INFO x: y`` out.
        "syslog-iso",
        rf"^(?:<\d{{1,3}}>)?(?P<ts>{ISO}) (?P<host>[a-z0-9][\w.-]*) {_PROGRAM}: ?(?P<message>.*)$",
        "iso8601",
        "program",
    ),
    LineFormat(
        "time-only",
        rf"^{_ts('time-only')}\s+(?:\[(?P<thread>[^\]]*)\]\s+)?\[?{LV}\]?\s+(?:(?P<component>{_JAVA_NAME})\s+"
        r"(?:-\s+)?)?(?P<message>.*)$",
        "time-only",
    ),
    LineFormat("level-first", rf"^\[?{LV}\]?(?::(?P<component>[\w.]+):|:?\s+)(?P<message>.*)$"),
)


def _generic_formats() -> tuple[LineFormat, ...]:
    """The fallback: any known timestamp shape at the start of a line, an optional level, a message."""
    out = []
    for ttype in TIMESTAMP_TYPES.values():
        if ttype.date_missing:
            continue
        pattern = (
            rf"^[\[(]?(?P<ts>{ttype.regex})[\])]?(?:[\s,|:;-]+[\[(]?{LV}[\])]?:?)?(?:[\s,|:;]+-?\s*|$)(?P<message>.*)$"
        )
        out.append(LineFormat(f"generic-{ttype.name}", pattern, ttype.name))
    return tuple(out)


GENERIC_FORMATS = _generic_formats()
PLAIN = LineFormat("plain", r"^(?P<message>.*)$")
ALL_FORMATS = BUILTIN_FORMATS + GENERIC_FORMATS
FORMATS_BY_NAME = {f.name: f for f in (*ALL_FORMATS, PLAIN)}

# Formats an application line inside a wrapper (Docker JSON, CRI, a pod prefix) may have.
INNER_FORMATS = tuple(f for f in ALL_FORMATS if not f.nested)


def _match_count(sample: pl.Series, fmt: LineFormat) -> int:
    return int(sample.str.contains(fmt.pattern).sum())


def _timestamp_count(sample: pl.Series, fmt: LineFormat) -> int:
    ttype = fmt.timestamp_type
    if ttype is None or ttype.date_missing:
        return 0
    ts_text = sample.str.extract(fmt.pattern, group_index=_group_index(fmt.pattern, "ts"))
    parsed = pl.select(parse_timestamps(pl.lit(ts_text), ttype, year=2000)).to_series()
    return int(parsed.is_not_null().sum())


def _group_index(pattern: str, name: str) -> int:
    return re.compile(pattern).groupindex[name]


def detect_format(sample: pl.Series, candidates: Sequence[LineFormat] = ALL_FORMATS) -> tuple[LineFormat, float]:
    """Pick the format that explains most of ``sample``; return it and the share of lines it matched.

    Each matching line scores 1, and 1 more when its timestamp parses, so a format that reads the
    time beats one that only finds a message. Ties go to the earlier, more specific format.
    """
    sample = sample.filter(sample.str.len_chars() > 0)
    if sample.len() == 0:
        return PLAIN, 0.0
    best, best_score, best_matched = PLAIN, 0, 0
    for fmt in candidates:
        matched = _match_count(sample, fmt)
        if matched == 0:
            continue
        score = matched + _timestamp_count(sample, fmt)
        if score > best_score:
            best, best_score, best_matched = fmt, score, matched
    if best_matched < max(1, 0.2 * sample.len()):
        return PLAIN, 1.0
    return best, best_matched / sample.len()


_PLACEHOLDER = re.compile(r"<(\w+)>")
_TS_PLACEHOLDERS = {"date", "time", "timestamp", "datetime", "day", "month", "year", "ts"}
_FIELD_OF_PLACEHOLDER = {
    "level": "level",
    "severity": "level",
    "component": "component",
    "logger": "component",
    "content": "message",
    "message": "message",
    "msg": "message",
    "service": "service",
    "program": "service",
    "app": "service",
}


def format_from_loghub(spec: str, sample: pl.Series, timestamp_format: str | None) -> LineFormat:
    """Build a format from Loghub's placeholder syntax: ``<Date> <Time> <Level> <Component>: <Content>``.

    Date and time placeholders (and what stands between them) form the timestamp; ``<Content>``
    is the message; other placeholders match any text and are ignored.
    """
    parts = _PLACEHOLDER.split(spec)
    names = [p.lower() for p in parts[1::2]]
    if not any(n in ("content", "message", "msg") for n in names):
        raise UsageError(f"--log-format {spec!r} needs placeholders like <Date> <Level> <Content>, with <Content>")
    ts_slots = [i for i, n in enumerate(names) if n in _TS_PLACEHOLDERS]
    pieces: list[str] = []
    seen: set[str] = set()
    for i, part in enumerate(parts):
        if i % 2 == 0:
            pieces.append(r"\s+".join(re.escape(chunk) for chunk in re.split(r"\s+", part)))
            continue
        slot = i // 2
        field = _FIELD_OF_PLACEHOLDER.get(names[slot])
        if slot in ts_slots or field is None or field in seen:
            pieces.append(".*?" if slot in ts_slots else "(?:.*?)")
        else:
            seen.add(field)
            pieces.append(rf"(?P<{field}>.*)" if field == "message" else rf"(?P<{field}>.*?)")
        if ts_slots and slot == ts_slots[0]:
            pieces[-1] = "(?P<ts>" + pieces[-1]
        if ts_slots and slot == ts_slots[-1]:
            pieces[-1] += ")"
    pattern = "^" + "".join(pieces) + "$"
    if not ts_slots:
        return LineFormat("user", pattern)
    if timestamp_format is not None:
        return LineFormat("user", pattern, "iso8601")
    ts_text = sample.str.extract(pattern, group_index=_group_index(pattern, "ts")).drop_nulls()
    best = max(TIMESTAMP_TYPES.values(), key=lambda t: int(ts_text.str.contains(f"^(?:{t.regex})$").sum()))
    return LineFormat("user", pattern, best.name)


def format_named(name: str) -> LineFormat:
    try:
        return FORMATS_BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(FORMATS_BY_NAME))
        raise UsageError(f"unknown format {name!r}; known formats: {known}") from None
