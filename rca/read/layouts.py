"""The built-in library of line layouts, and layouts built from a Loghub-style spec (the user's
``--log-format``, or one learned by ``rca.read.infer``).

A layout is a regex with named groups, as in lnav's format files: ``ts`` (the timestamp text, of
one shape), ``level``, ``service``, ``component`` and ``message``; other groups are ignored. A
field may have alternates named with a digit (``service2``): the first that matched is taken.
Each layout below notes who writes it; ``tests/test_layouts.py`` holds a real line of each.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from typing import Literal

import polars as pl

from rca.errors import UsageError
from rca.regexes import ascii_classes
from rca.read.timestamps import SHAPES, parse_timestamps, python_regex, strftime_regex
from rca.read.words import ANY_POD, LEVEL_WORD, POD

ServiceKind = Literal["plain", "program", "pod", "logfile"]
FIELDS = ("ts", "level", "service", "component", "message", "pri")


@dataclass(frozen=True, slots=True)
class Layout:
    """One line layout.

    ``timestamp``: the shape of its ``ts`` (a key of ``SHAPES``). ``nested``: the message is an
    application's own line (a container runtime's or kubectl's wrapper), read again. ``tier``: 1
    for specific layouts, 2 for learned ones, 3 for loose fallbacks tried last. ``spec``: the
    Loghub-style spec a user or the inference gave (None for the library). ``optional``: parts
    of the pattern a file may go without (``without`` drops them).
    """

    name: str
    pattern: str
    timestamp: str | None = None
    service_kind: ServiceKind = "plain"
    nested: bool = False
    level_from_status: bool = False
    tier: int = 1
    spec: str | None = None
    optional: tuple[tuple[str, str], ...] = ()  # (part of the pattern, the field it holds)
    port: int | None = None
    # The words its clients' lines carry: a driver's package or exception (``org.postgresql``,
    # ``PSQLException``), the server's own name (``PostgreSQL``).
    clients: str | None = None

    @property
    def groups(self) -> set[str]:
        return set(_groups(self.pattern))

    def field_groups(self, field: str) -> list[str]:
        """The groups that hold ``field``: its own and its alternates (``service``, ``service2``)."""
        return list(_field_groups(self.pattern, field))

    def without(self, fields: set[str]) -> Layout:
        """This layout without the optional parts that hold ``fields``."""
        pattern, kept = self.pattern, []
        for part, field in self.optional:
            if field in fields:
                pattern = pattern.replace(part, "")
            else:
                kept.append((part, field))
        return replace(self, pattern=pattern, optional=tuple(kept))

    def capturing(self, fields: tuple[str, ...] = FIELDS) -> str:
        """The pattern with only ``fields`` (and their alternates) captured."""
        return _capturing(self.pattern, fields)


# Layouts are read again for every source (thousands in a folder of small files): what is
# worked out from a pattern is kept, by the pattern's text.
@functools.lru_cache(maxsize=4096)
def _groups(pattern: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\(\?P<(\w+)>", pattern))


@functools.lru_cache(maxsize=4096)
def _field_groups(pattern: str, field: str) -> tuple[str, ...]:
    return tuple(sorted(g for g in set(_groups(pattern)) if re.fullmatch(rf"{field}\d*", g)))


@functools.lru_cache(maxsize=4096)
def _capturing(pattern: str, fields: tuple[str, ...]) -> str:
    keep = {g for f in fields for g in _field_groups(pattern, f)}
    return ascii_classes(re.sub(r"\(\?P<(\w+)>", lambda m: m.group(0) if m.group(1) in keep else "(?:", pattern))


SAMPLE_CHARS = 2000  # a header is at the start: sampled lines are cut here before Python matches them


@functools.lru_cache(maxsize=1024)
def compiled(pattern: str) -> re.Pattern[str]:
    """A layout's pattern compiled by Python's engine, for samples of a few hundred lines: faster
    there than Polars', which compiles it anew on each call; both read these patterns alike.
    Python's engine may backtrack, so lines given to it are cut to ``SAMPLE_CHARS``."""
    return re.compile(python_regex(ascii_classes(pattern)))


def _ts(shape: str) -> str:
    return f"(?P<ts>{SHAPES[shape].regex})"


ISO = SHAPES["iso8601"].regex
LV = rf"(?P<level>{LEVEL_WORD})"
_JAVA_NAME = r"[A-Za-z_$][\w$]*(?:[.$][\w$-]+)+(?:[#:@]\d+)?"
# Optional parts of the log4j-like layouts: kept for a file only where most of its lines have them
# (see rca.read.choose), as ``[x]`` or ``a.b: `` may just as well start a message.
_THREAD0 = r"(?:\[(?P<pthread>[^\]]*)\]\s+)?"
_THREAD = r"(?:\[(?P<thread>[^\]]*)\]\s+)?"
_LOGGER = rf"(?:(?P<component>{_JAVA_NAME})(?: \[[^\]]*\])?\s*(?::|\s-)\s+|(?P<component2>[\w$.]+:\d+) - )?"
_SHORT_LOGGER = rf"(?:(?P<component>{_JAVA_NAME})\s+(?:-\s+)?)?"
# A syslog tag: ``sshd[123]``, ``sshd(pam_unix)[123]``, ``syslogd 1.4.1``, ``-- root[2421]``, and
# names with spaces when a pid follows (``Google Chrome Helper[312]``), with macOS's
# ``(sender)`` after the pid.
_TAG = r"[\w./-]*[A-Za-z_][\w./-]*"
_PROGRAM = (
    rf"(?:(?:-- )?(?P<service>{_TAG}(?:\([^)]*\))?)(?: [\d.]+)?(?:\[(?P<pid>\d+)\])?"
    rf"|(?P<service2>{_TAG}(?: [\w./-]+)+)\[\d+\])(?: \([^)]*\))?"
)
_SYSLOG_TAIL = rf"(?P<host>\S+) +(?:{_PROGRAM}: ?(?P<message>.*)|(?P<message2>--- last message repeated .*))$"


def _syslog(name: str, shape: str, prefix: str = r"(?:<(?P<pri>\d{1,3})>)?", ts: str | None = None) -> Layout:
    return Layout(name, rf"^{prefix}{ts or _ts(shape)} +{_SYSLOG_TAIL}", shape, "program")


# Ordered from most to least specific: on a tie in detection the earlier layout wins.
LIBRARY: tuple[Layout, ...] = (
    # Alert-tagged supercomputer logs of the CFDR collection (Oliner and Stearley, 2007).
    Layout(
        "cfdr-ras",
        rf"^\S+ (?P<epoch>\d{{10}}) \d{{4}}\.\d{{2}}\.\d{{2}} (?P<node>\S+) {_ts('bgl')} \S+ (?P<type>[A-Z]+) "
        rf"(?P<component>[A-Z_]+) (?P<level>[A-Z]+)\s?(?P<message>.*)$",
        "bgl",
    ),
    Layout(
        "cfdr-syslog",
        r"^\S+ (?P<ts>\d{10}) \d{4}\.\d{2}\.\d{2} (?P<node>\S+) [A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} \S+ "
        r"(?P<service>[^\s\[:]+)(?:\[\d+\])?: ?(?P<message>.*)$",
        "epoch",
        "program",
    ),
    Layout(
        "lanl-hpc",
        r"^\d+ (?P<node>\S+) (?P<component>\S+) (?P<state>\S+) (?P<ts>\d{10}) -?\d+ ?(?P<message>.*)$",
        "epoch",
    ),
    Layout(
        "syslog-rfc5424",
        rf"^<(?P<pri>\d{{1,3}})>1 (?P<ts>{ISO}|-) (?P<host>\S+) (?P<service>\S+) \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?"
        r"(?P<message>.*)$",
        "iso8601",
        "program",
    ),
    # OpenStack's oslo.log.
    Layout(
        "oslo",
        rf"^(?:(?P<service>[\w.-]+?)\.log\S* )?{_ts('iso8601')} (?P<pid>\d+) {LV} (?P<component>\S+) "
        r"\[(?P<context>[^\]]*)\] ?(?P<message>.*)$",
        "iso8601",
        "logfile",
    ),
    # Ruby's Logger (and Rails): ``I, [2026-11-23T10:00:01.123456 #4242]  INFO -- app: text``.
    Layout(
        "ruby-logger",
        r"^[DIWEFAU], \[(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?) #(?P<pid>\d+)\] +"
        r"(?P<level>[A-Z]+) -- (?P<component>.*?): (?P<message>.*)$",
        "iso8601",
    ),
    # klog / glog (Kubernetes components, Go and C++ programs): ``I1123 10:00:01.123456   42 main.go:12] text``.
    Layout(
        "klog",
        r"^(?P<level>[IWEF])(?P<ts>\d{4} \d{2}:\d{2}:\d{2}\.\d{6}) +(?P<thread>\d+) (?P<component>[^\s:\]]+:\d+)\] ?"
        r"(?P<message>.*)$",
        "klog",
    ),
    # Spring Boot 2 and 3 (``--- [app] [thread]`` in 3.4): ``ISO  INFO 4242 --- [main] c.e.App : text``.
    Layout(
        "spring-boot",
        rf"^{_ts('iso8601')} +{LV} +(?P<pid>\d+) --- (?:\[(?P<app>[^\]]*)\] )?\[ *(?P<thread>[^\]]*)\] +"
        r"(?P<component>\S+) +: (?P<message>.*)$",
        "iso8601",
    ),
    Layout(
        "log4j-dash",
        rf"^{_ts('iso8601')} - {LV}\s+\[(?P<thread>.*?)\] - (?P<message>.*)$",
        "iso8601",
    ),
    # Python's logging with ``%(asctime)s - %(name)s - %(levelname)s - %(message)s`` (the cookbook's).
    Layout(
        "python-dash",
        rf"^{_ts('iso8601')} - (?:(?P<component>\S+?) - )?{LV} - (?P<message>.*)$",
        "iso8601",
    ),
    # ``%(asctime)s:%(levelname)s:%(name)s:%(message)s``.
    Layout(
        "python-colon",
        rf"^{_ts('iso8601')}:{LV}:(?P<component>[^:\s]*):(?P<message>.*)$",
        "iso8601",
    ),
    # Flask's ``[%(asctime)s] %(levelname)s in %(module)s: %(message)s``.
    Layout(
        "python-flask",
        rf"^\[{_ts('iso8601')}\] {LV} in (?P<component>[\w.]+): (?P<message>.*)$",
        "iso8601",
    ),
    # ``%(asctime)s %(name)-12s %(levelname)-8s %(message)s`` (the logging HOWTO's).
    Layout(
        "python-name-level",
        rf"^{_ts('iso8601')} (?P<component>[\w.]*[a-z_][\w.]*) +{LV} +(?P<message>.*)$",
        "iso8601",
    ),
    # gunicorn: ``[2026-11-23 10:00:01 +0000] [42] [INFO] text``.
    Layout(
        "gunicorn",
        rf"^\[{_ts('iso8601')}\] \[(?P<pid>\d+)\] \[{LV}\] (?P<message>.*)$",
        "iso8601",
    ),
    # Celery: ``[2026-11-23 10:00:01,123: INFO/MainProcess] text``.
    Layout(
        "celery",
        rf"^\[{_ts('iso8601')}: {LV}/(?P<component>[^\]]+)\] (?P<message>.*)$",
        "iso8601",
    ),
    Layout(
        "windows-cbs",
        rf"^{_ts('iso8601')}, {LV}\s+(?P<component>\S+)\s+(?P<message>.*)$",
        "iso8601",
    ),
    # NLog's default ``${longdate}|${level:uppercase=true}|${logger}|${message}``.
    Layout(
        "nlog",
        rf"^{_ts('iso8601')}\|{LV}\|(?P<component>[^|]*)\|(?P<message>.*)$",
        "iso8601",
    ),
    # log4j 2's default ``%d %p %c{1.} [%t] %m%n``.
    Layout(
        "log4j2-default",
        rf"^{_ts('iso8601')} {LV} (?P<component>{_JAVA_NAME}) \[(?P<thread>[^\]]*)\] (?P<message>.*)$",
        "iso8601",
    ),
    # log4j 1's ``%-5p %d [%t] %c: %m%n`` (level first).
    Layout(
        "log4j-level-first",
        rf"^{LV} +{_ts('iso8601')} \[(?P<thread>[^\]]*)\] (?P<component>[\w$.]+): (?P<message>.*)$",
        "iso8601",
    ),
    # Serilog's file sink: ``2026-11-23 10:00:01.123 +01:00 [INF] text``.
    Layout("serilog", rf"^{_ts('iso8601')} \[{LV}\] (?P<message>.*)$", "iso8601"),
    # zap's console encoder: tab-separated time, level, logger, caller, message.
    Layout(
        "zap-console",
        rf"^{_ts('iso8601')}\t{LV}\t(?:(?P<logger>[^\t:]+)\t)?(?:(?P<component>[^\t\s]+:\d+)\t)?(?P<message>.*)$",
        "iso8601",
    ),
    # AWS Lambda's runtimes: ``2026-11-23T10:00:01.123Z\t<request id>\tINFO\ttext``.
    Layout(
        "lambda",
        rf"^{_ts('iso8601')}\t(?P<request>[0-9a-f-]{{36}}|undefined)\t{LV}\t(?P<message>.*)$",
        "iso8601",
    ),
    # log4j / logback / log4net patterns: ``%d [%t] %-5p %c - %m``, ``%d %-5p [%t] %c: %m``,
    # ``%d{ISO8601} %-5p %c{1}:%L - %m``, log4net's ``%date [%thread] %-5level %logger [%ndc] - %message``.
    Layout(
        "log4j",
        rf"^\[?{_ts('iso8601')}\]?\s+{_THREAD0}\[?{LV}\]?:?\s+{_THREAD}{_LOGGER}(?P<message>.*)$",
        "iso8601",
        optional=((_THREAD0, "pthread"), (_THREAD, "thread"), (_LOGGER, "component")),
    ),
    Layout(
        "log4j-yymmdd",
        rf"^{_ts('yymmdd')} (?P<pid>\d+) {LV} (?P<component>[^\s:]+): ?(?P<message>.*)$",
        "yymmdd",
    ),
    Layout(
        "log4j-yy",
        rf"^{_ts('yy-slash')} {LV} (?P<component>[^\s:]+): ?(?P<message>.*)$",
        "yy-slash",
    ),
    # Android logcat, ``threadtime`` and ``brief``.
    Layout(
        "android-logcat",
        rf"^{_ts('month-day')}\s+(?P<pid>\d+)\s+(?P<tid>\d+)\s+(?P<level>[VDIWEFA])\s+(?P<component>[^:]*?)\s*: ?"
        r"(?P<message>.*)$",
        "month-day",
    ),
    Layout("logcat-brief", r"^(?P<level>[VDIWEFA])/(?P<component>[^(]+?)\(\s*(?P<pid>\d+)\): (?P<message>.*)$"),
    Layout(
        "apache-error",
        rf"^\[{_ts('ctime')}\] \[(?:(?P<component>[\w-]+):)?(?P<level>\w+)\](?: \[pid \d+(?::tid \d+)?\])? "
        r"(?P<message>.*)$",
        "ctime",
    ),
    Layout(
        "apache-access",
        rf"^(?P<client>\S+) \S+ \S+ \[{_ts('d-mon-y')}\] (?P<message>\".*)$",
        "d-mon-y",
        level_from_status=True,
    ),
    # Envoy's (and Istio's) default access log: ``[2026-11-23T10:00:01.123Z] "GET /api HTTP/1.1" 200 -
    # 0 512 12 11 "10.0.0.1" "curl/8.5.0" "<request id>" "shop" "10.0.3.7:8080"``; the response
    # flags after the status say why a request failed (``UF`` upstream connection, ``RL`` rate
    # limited, ``UT`` upstream timeout).
    Layout(
        "envoy-access",
        rf"^\[{_ts('iso8601')}\] (?P<message>\"[A-Z]+ \S+ [^\"]*\" \d{{3}} [A-Z,-]+ .*)$",
        "iso8601",
        level_from_status=True,
    ),
    Layout(
        "nginx-error",
        rf"^{_ts('ymd-slash')} \[{LV}\] (?P<pid>\d+)#\d+: (?:\*\d+ )?(?P<message>.*)$",
        "ymd-slash",
    ),
    # PostgreSQL's default ``log_line_prefix`` ('%m [%p] ', maybe with '%q%u@%d '): ``2026-11-23
    # 10:00:01.123 UTC [812] ERROR:  text``. Its LOG lines are plain information; DETAIL, HINT,
    # STATEMENT and CONTEXT say more about the line before.
    Layout(
        "postgres",
        rf"^{_ts('iso8601')} \[(?P<pid>\d+)\](?: [\w.-]*@[\w.-]*)? "
        r"(?P<level>LOG|DEBUG\d?|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC|DETAIL|HINT|STATEMENT|CONTEXT|QUERY|LOCATION): +(?P<message>.*)$",
        "iso8601",
        port=5432,
        clients=r"(?i:\bpostgres(?:ql)?\b)|org\.postgresql|PSQLException|psycopg|asyncpg|\bpgx\b|\blib/pq\b|\bpq: ",
    ),
    # The JVM's unified logging (``-Xlog``, JDK 9 on; GC logs) with a time decorator:
    # ``[2026-11-23T10:00:01.123+0000][12.345s][info][gc] GC(12) Pause Young (Normal) 1210M->630M 8.9ms``.
    Layout(
        "jvm-unified",
        rf"^\[{_ts('iso8601')}\](?:\[[^\]]*\])*?\[(?P<level>trace|debug|info|warning|error) *\]\[(?P<component>[\w,]+) *\] ?"
        r"(?P<message>.*)$",
        "iso8601",
    ),
    # PgBouncer: ``2026-11-23 10:00:01.123 UTC [1] LOG stats: 23 xacts/s, ...``.
    Layout(
        "pgbouncer",
        rf"^{_ts('iso8601')} \[(?P<pid>\d+)\] (?P<level>NOISE|DEBUG|LOG|WARNING|ERROR|FATAL) (?P<message>.*)$",
        "iso8601",
        port=6432,
        clients=r"(?i:\bpgbouncer\b)",
    ),
    # Redis (3.0 on): ``1:M 23 Nov 2026 10:00:01.123 # text``: pid, role (M master, S replica, C a
    # forked child saving, X sentinel), and a symbol for the level (``.`` debug, ``-`` verbose, ``*``
    # notice, ``#`` warning).
    Layout(
        "redis",
        rf"^(?P<pid>\d+):(?P<role>[MSCX]) {_ts('d-mon-y')} (?P<level>[.*#-]) (?P<message>.*)$",
        "d-mon-y",
        port=6379,
        clients=r"(?i:\bredis\b|\bjedis|\blettuce\b|\bioredis\b|\bgo-redis\b)",
    ),
    # Go's log package with ``Lshortfile``: ``2026/11/23 10:00:01 main.go:12: text``.
    Layout(
        "go-log",
        rf"^{_ts('ymd-slash')}(?:\.\d+)? (?P<component>[\w.-]+\.go:\d+): (?P<message>.*)$",
        "ymd-slash",
    ),
    # logrus's terminal output: ``INFO[0000] text`` or ``INFO[2026-11-23T10:00:01+01:00] text``.
    Layout("logrus-tty", rf"^(?P<level>[A-Z]{{4}})\[{_ts('iso8601')}\] (?P<message>.*)$", "iso8601"),
    Layout("logrus-tty-elapsed", r"^(?P<level>TRAC|DEBU|INFO|WARN|ERRO|FATA|PANI)\[\d+\] (?P<message>.*)$"),
    # BSD syslog (RFC 3164) and journalctl's short, short-precise, short-iso, short-full, short-unix.
    _syslog("syslog", "syslog"),
    _syslog("syslog-iso", "iso8601"),
    _syslog("syslog-full", "weekday-iso"),
    _syslog("syslog-unix", "epoch", prefix="", ts=r"(?P<ts>\d{10}\.\d{6})"),
    # Serilog's console sink: ``[10:00:01 INF] text`` (no date).
    Layout("serilog-console", rf"^\[{_ts('time-only')} {LV}\] (?P<message>.*)$", "time-only"),
    # zerolog's ConsoleWriter: ``3:04PM INF text key=value`` (a time of day without seconds).
    Layout(
        "zerolog-console",
        r"^\d{1,2}:\d{2}(?:AM|PM) (?P<level>TRC|DBG|INF|WRN|ERR|FTL|PNC|\?\?\?) (?P<message>.*)$",
    ),
    # dmesg: ``[   12.345678] text`` (seconds since boot, no wall clock).
    Layout("dmesg", r"^\[ *\d+\.\d+\] (?P<message>.*)$"),
    Layout(
        "time-only",
        rf"^{_ts('time-only')}\s+{_THREAD}\[?{LV}\]?\s+{_SHORT_LOGGER}(?P<message>.*)$",
        "time-only",
        optional=((_THREAD, "thread"), (_SHORT_LOGGER, "component")),
    ),
    # Python's logging without a format: ``WARNING:root:text``.
    Layout(
        "python-default",
        r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL):(?P<component>[^:\s]*):(?P<message>.*)$",
    ),
)

# Wrappers: a container runtime's or kubectl's prefix, whose message is an application's own line.
WRAPPERS: tuple[Layout, ...] = (
    Layout("cri", rf"^(?P<ts>{ISO}) (?:stdout|stderr) [FP] (?P<message>.*)$", "iso8601", nested=True),
    Layout("kubernetes-prefixed", rf"^(?P<ts>{ISO})\s+(?P<service>{POD})\s(?P<message>.*)$", "iso8601", "pod", True),
    # stern, and kubectl logs of many pods piped through a prefixer: ``api-7f9c8d6b5d-x2x4q api text``
    # (pod, container, the line).
    Layout("pod-container", rf"^(?P<service>{ANY_POD}) (?P<container>[a-z0-9](?:[-a-z0-9]*[a-z0-9])?) (?P<message>.*)$", None, "pod", True),
    # kubectl logs --prefix: ``[pod/api-7f9c8d6b5d-x2x4q/api] text``.
    Layout("kubectl-prefix", r"^\[pod/(?P<service>[^/\]\s]+)/(?P<container>[^\]\s]+)\] (?P<message>.*)$", None, "pod", True),
    # kubectl logs --timestamps: RFC 3339 with nanoseconds, then the line; peeled only when the
    # line has a header of its own (see rca.read.choose).
    Layout(
        "kubectl-timestamps",
        r"^(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) (?P<message>.*)$",
        "iso8601",
        nested=True,
    ),
)


_GENERIC_LEVEL = rf"(?:[\s,|:;-]+[\[(]?{LV}[\])]?:?)?"


def _generic(shape: str) -> Layout:
    """A loose fallback: a timestamp of ``shape`` at the start of a line, an optional level, a message."""
    pattern = rf"^[\[(]?{_ts(shape)}[\])]?{_GENERIC_LEVEL}(?:[\s,|:;]+-?\s*|$)(?P<message>.*)$"
    return Layout(f"generic-{shape}", pattern, shape, tier=3, optional=((_GENERIC_LEVEL, "level"),))


FALLBACKS: tuple[Layout, ...] = (
    *(_generic(s.name) for s in SHAPES.values() if not s.date_missing and s.name != "klog"),
    Layout("level-first", rf"^\[?{LV}\]?(?::(?P<component>[\w.]+):|:?\s+)(?P<message>.*)$", tier=3),
)
PLAIN = Layout("plain", r"^(?P<message>.*)$", tier=3)
BY_NAME = {layout.name: layout for layout in (*LIBRARY, *WRAPPERS, *FALLBACKS, PLAIN)}
# Any server's clients' words (``Layout.clients``), as one pattern.
CLIENT_WORDS = "|".join(f"(?:{layout.clients})" for layout in LIBRARY if layout.clients)


def layout_named(name: str) -> Layout:
    try:
        return BY_NAME[name]
    except KeyError:
        raise UsageError(f"unknown layout {name!r}; known: {', '.join(sorted(BY_NAME))}") from None


# Loghub-style specs: ``<Date> <Time> <Level> <Component>: <Content>``.
_PLACEHOLDER = re.compile(r"<(\w+)>")
TS_PLACEHOLDERS = {"date", "time", "timestamp", "datetime", "day", "month", "year", "ts"}
_FIELD_OF_PLACEHOLDER = {
    "level": "level", "severity": "level", "component": "component", "logger": "component", "class": "component",
    "module": "component", "content": "message", "message": "message", "msg": "message", "service": "service",
    "program": "service", "app": "service", "process": "service",
}  # fmt: skip


def _literal(text: str, *, last: bool) -> str:
    """A spec's literal text as regex: backslash escapes a character, whitespace matches any run
    (or the end of the line, just before the message, which may be empty)."""
    out = []
    pieces = [p for p in re.split(r"(\\.|\s+)", text) if p]
    for i, piece in enumerate(pieces):
        if piece.isspace():
            out.append(r"(?:\s+|$)" if last and i == len(pieces) - 1 else r"\s+")
        elif piece.startswith("\\") and len(piece) == 2:
            out.append(re.escape(piece[1]))
        else:
            out.append(re.escape(piece))
    return "".join(out)


def spec_pattern(spec: str, ts_regex: str | None, *, strict: bool = False) -> tuple[str, bool]:
    """The regex of a spec with ``ts_regex`` for its timestamp placeholders; and whether it has any.

    ``strict``: a field followed by whitespace alone holds none (a learned layout's fields hold
    none), so the layout does not take lines of another layout for its own.

    >>> spec_pattern("<Time>|<Component>|<Content>", r"\\d+")[0]
    '^(?P<ts>\\\\d+)\\\\|(?P<component>.*?)\\\\|(?P<message>.*)$'
    """
    parts = _PLACEHOLDER.split(spec)
    names = [p.lower() for p in parts[1::2]]
    if not any(_FIELD_OF_PLACEHOLDER.get(n) == "message" for n in names):
        raise UsageError(f"--log-format {spec!r} needs a <Content> placeholder, as in '<Date> <Time> <Level> <Content>'")
    ts_slots = [i for i, n in enumerate(names) if n in TS_PLACEHOLDERS]
    if ts_slots and any(names[i] not in TS_PLACEHOLDERS for i in range(ts_slots[0], ts_slots[-1] + 1)):
        raise UsageError(f"--log-format {spec!r}: the date and time placeholders must stand together")
    pieces: list[str] = []
    seen: set[str] = set()
    message_slot = next(i for i, n in enumerate(names) if _FIELD_OF_PLACEHOLDER.get(n) == "message")
    for i, part in enumerate(parts):
        if i % 2 == 0:
            slot = i // 2  # the placeholder after this literal
            inside_ts = bool(ts_slots) and ts_slots[0] < slot <= ts_slots[-1]
            if not inside_ts:
                pieces.append(_literal(part, last=slot == message_slot))
            continue
        slot = i // 2
        if slot in ts_slots:
            if slot == ts_slots[0]:
                pieces.append(f"(?P<ts>{ts_regex or '.+?'})")
            continue
        field = _FIELD_OF_PLACEHOLDER.get(names[slot])
        # A field that only whitespace ends holds no whitespace; one ended by punctuation may.
        anchored = bool(parts[i + 1].strip()) if i + 1 < len(parts) else True
        any_text = r".*?" if not strict or anchored else r"\S*?"
        if field is None or field in seen:
            pieces.append(rf"(?:{any_text})")
        else:
            seen.add(field)
            pieces.append({"message": r"(?P<message>.*)", "level": r"(?P<level>\S+?)"}.get(field, rf"(?P<{field}>{any_text})"))
    return "^" + "".join(pieces) + "$", bool(ts_slots)


def layout_from_spec(
    spec: str, sample: pl.Series, *, name: str = "user", timestamp_format: str | None = None, tier: int = 1,
    strict: bool = False, shape_name: str | None = None,
) -> Layout:
    """Build a layout from Loghub's placeholder syntax: ``<Date> <Time> <Level> <Component>: <Content>``.

    The date and time placeholders (and what stands between them) form the timestamp, whose shape
    (unless ``shape_name`` says) is the one that matches and reads most of ``sample``; ``<Content>`` is the message; other
    placeholders match any text. A backslash makes the next character literal.
    """
    pattern, has_ts = spec_pattern(spec, None, strict=strict)
    service_kind: ServiceKind = "program" if "(?P<service>" in pattern else "plain"
    if not has_ts:
        return Layout(name, pattern, None, service_kind, tier=tier, spec=spec)
    if timestamp_format is not None:
        pattern = spec_pattern(spec, strftime_regex(timestamp_format), strict=strict)[0]
        return Layout(name, pattern, "iso8601", service_kind, tier=tier, spec=spec)
    best, best_count = None, -1
    lines = sample.to_list()
    for shape in SHAPES.values() if shape_name is None else (SHAPES[shape_name],):
        match = compiled(spec_pattern(spec, shape.regex, strict=strict)[0]).match
        found = [m.group("ts") for m in (match(line[:SAMPLE_CHARS]) for line in lines) if m]
        # A line counts when its time reads as this shape, so 23/04 makes day/month win over month/day.
        read = pl.select(parse_timestamps(pl.lit(pl.Series(found, dtype=pl.String)), shape, year=2000)).to_series()
        count = len(found) + (int(read.is_not_null().sum()) if not shape.date_missing else 0)
        if count > best_count:
            best, best_count = shape, count
    assert best is not None
    return Layout(name, spec_pattern(spec, best.regex, strict=strict)[0], best.name, service_kind, tier=tier, spec=spec)
