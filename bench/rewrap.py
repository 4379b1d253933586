"""Re-wrap benchmark: the true messages of the Loghub systems in the headers of common loggers.

Usage: python bench/rewrap.py [--data ../shared/datasets/loghub-2k] [--systems ...] [--layouts ...]
                              [--lines 2000] [--out bench/out/rewrap]

For every system, the ``Content`` column of its labelled CSV (the message, header stripped) is
written again as each logger below would write it, with made-up timestamps, levels, loggers,
threads, pids and hosts, into one file per (system, layout). Each file is read through rca's
normal path with no flags; the benchmark checks that

- the message of the record on each line equals ``Content`` for >= 99 % of the lines, and
- GA (group accuracy of the templates) equals the GA of the bare messages, within 0.005.

It prints one row per (system, layout), a summary per layout, and exits non-zero on a miss.
The writers follow each logger's documented default (or most common) output; they are the
benchmark's own, independent of rca's layout library.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import polars as pl  # noqa: E402
from loghub_accuracy import DEFAULT_DATA, SYSTEMS, _truth, group_scores  # noqa: E402

from rca.mine.templates import assign_templates  # noqa: E402
from rca.read.ingest import ingest  # noqa: E402
from rca.settings import Settings  # noqa: E402


@dataclass(frozen=True)
class Fields:
    """Made-up header values for one line."""

    ts: datetime
    level: str  # TRACE DEBUG INFO WARN ERROR FATAL
    logger: str  # a dotted class or module name
    short: str  # a short component name
    thread: str
    pid: int
    host: str
    program: str
    i: int
    message: str


Writer = Callable[[Fields], str]
CET = timezone(timedelta(hours=1))


def _ms(t: datetime, sep: str = ",") -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S") + f"{sep}{t.microsecond // 1000:03d}"


def _lvl(f: Fields, table: dict[str, str]) -> str:
    return table.get(f.level, f.level)


PY = {"WARN": "WARNING", "FATAL": "CRITICAL", "TRACE": "DEBUG"}
SERILOG = {"TRACE": "VRB", "DEBUG": "DBG", "INFO": "INF", "WARN": "WRN", "ERROR": "ERR", "FATAL": "FTL"}
LETTER = {"TRACE": "V", "DEBUG": "D", "INFO": "I", "WARN": "W", "ERROR": "E", "FATAL": "F"}
LOGRUS = {"TRACE": "TRAC", "DEBUG": "DEBU", "INFO": "INFO", "WARN": "WARN", "ERROR": "ERRO", "FATAL": "FATA"}
PINO = {"TRACE": 10, "DEBUG": 20, "INFO": 30, "WARN": 40, "ERROR": 50, "FATAL": 60}
SYSLOG_PRI = {"TRACE": 7, "DEBUG": 7, "INFO": 6, "WARN": 4, "ERROR": 3, "FATAL": 2}
NGINX = {"INFO": "notice", "WARN": "warn", "ERROR": "error", "FATAL": "crit", "DEBUG": "debug", "TRACE": "debug"}


def _rfc3339_nano(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}{t.microsecond % 7}21Z"


def _json(obj: dict[str, object]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _logfmt_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


WRITERS: dict[str, Writer] = {
    # Python logging
    "python-default": lambda f: f"{_lvl(f, PY)}:{f.short}:{f.message}",
    "python-cookbook": lambda f: f"{_ms(f.ts)} - {f.short} - {_lvl(f, PY)} - {f.message}",
    "python-colon": lambda f: f"{_ms(f.ts)}:{_lvl(f, PY)}:{f.short}:{f.message}",
    "python-howto": lambda f: f"{_ms(f.ts)} {f.short:<12} {_lvl(f, PY):<8} {f.message}",
    "python-asctime-level": lambda f: f"{_ms(f.ts)} {_lvl(f, PY)} {f.message}",
    "flask": lambda f: f"[{_ms(f.ts)}] {_lvl(f, PY)} in {f.short}: {f.message}",
    "gunicorn": lambda f: f"[{f.ts.strftime('%Y-%m-%d %H:%M:%S')} +0000] [{f.pid}] [{f.level}] {f.message}",
    "celery": lambda f: f"[{_ms(f.ts)}: {f.level}/{'MainProcess' if f.i % 3 else 'ForkPoolWorker-2'}] {f.message}",
    # Ruby
    "ruby-logger": lambda f: f"{f.level[0]}, [{f.ts.strftime('%Y-%m-%dT%H:%M:%S')}.{f.ts.microsecond:06d} #{f.pid}] "
    f"{f.level:>5} -- {f.short if f.i % 2 else ''}: {f.message}",
    # Go
    "klog": lambda f: f"{LETTER[f.level] if f.level in 'INFO WARN ERROR FATAL' else 'I'}{f.ts.strftime('%m%d %H:%M:%S')}."
    f"{f.ts.microsecond:06d} {f.pid:>7} {f.short}.go:{f.i % 400 + 1}] {f.message}",
    "go-log": lambda f: f"{f.ts.strftime('%Y/%m/%d %H:%M:%S')} {f.short}.go:{f.i % 300 + 1}: {f.message}",
    "go-log-plain": lambda f: f"{f.ts.strftime('%Y/%m/%d %H:%M:%S')} {f.message}",
    "zap-console": lambda f: f"{f.ts.astimezone(CET).strftime('%Y-%m-%dT%H:%M:%S.')}{f.ts.microsecond // 1000:03d}+0100\t"
    f"{f.level}\t{f.short}/{f.short}.go:{f.i % 300 + 1}\t{f.message}",
    "zap-json": lambda f: _json({"level": f.level.lower(), "ts": round(f.ts.timestamp(), 6), "caller": f"{f.short}.go:12", "msg": f.message}),
    "zerolog-console": lambda f: f"{f.ts.strftime('%I:%M%p').lstrip('0')} {_lvl(f, SERILOG).replace('VRB', 'TRC')} {f.message}",
    "zerolog-json": lambda f: _json({"level": f.level.lower(), "time": f.ts.astimezone(CET).isoformat(timespec="seconds"), "message": f.message}),
    "logrus-text": lambda f: f'time="{f.ts.astimezone(CET).isoformat(timespec="seconds")}" level={f.level.lower()} msg={_logfmt_quote(f.message)}',
    "logrus-tty": lambda f: f"{_lvl(f, LOGRUS)}[{f.i // 10:04d}] {f.message}",
    "logrus-json": lambda f: _json({"level": f.level.lower(), "msg": f.message, "time": f.ts.astimezone(CET).isoformat(timespec="seconds")}),
    "slog-text": lambda f: f"time={f.ts.astimezone(CET).isoformat(timespec='milliseconds')} level={f.level} msg={_logfmt_quote(f.message)} n={f.i}",
    "slog-json": lambda f: _json({"time": f.ts.astimezone(CET).isoformat(timespec="milliseconds"), "level": f.level, "msg": f.message}),
    # JVM
    "log4j-thread-level": lambda f: f"{_ms(f.ts)} [{f.thread}] {f.level:<5} {f.logger} - {f.message}",
    "log4j-level-thread": lambda f: f"{_ms(f.ts)} {f.level:<5} [{f.thread}] {f.logger}: {f.message}",
    "log4j-line": lambda f: f"{_ms(f.ts)} {f.level:<5} {f.short}:{f.i % 500 + 1} - {f.message}",
    "log4j-level-first": lambda f: f"{f.level:<5} {_ms(f.ts)} [{f.thread}] {f.logger}: {f.message}",
    "log4j2-default": lambda f: f"{_ms(f.ts)} {f.level} {f.logger} [{f.thread}] {f.message}",
    "logback": lambda f: f"{_ms(f.ts, '.')} [{f.thread}] {f.level:<5} {f.logger} - {f.message}",
    "zookeeper": lambda f: f"{_ms(f.ts)} - {f.level:<5} [{f.thread}:{f.short}@{f.i % 900}] - {f.message}",
    "spring-boot-2": lambda f: f"{_ms(f.ts, '.')} {f.level:>5} {f.pid} --- [{f.thread[-15:]:>15}] {f.logger[-40:]:<40} : {f.message}",
    "spring-boot-3": lambda f: f"{f.ts.astimezone(CET).strftime('%Y-%m-%dT%H:%M:%S.')}{f.ts.microsecond // 1000:03d}+01:00 "
    f"{f.level:>5} {f.pid} --- [shop] [{f.thread[-15:]:>15}] {f.logger[-40:]:<40} : {f.message}",
    "hadoop-yymmdd": lambda f: f"{f.ts.strftime('%y%m%d %H%M%S')} {f.pid} {f.level} {f.logger}: {f.message}",
    "spark-yy": lambda f: f"{f.ts.strftime('%y/%m/%d %H:%M:%S')} {f.level} {f.logger}: {f.message}",
    # .NET
    "log4net": lambda f: f"{_ms(f.ts)} [{f.i % 12}] {f.level:<5} {f.logger} [(null)] - {f.message}",
    "nlog": lambda f: f"{f.ts.strftime('%Y-%m-%d %H:%M:%S')}.{f.ts.microsecond // 100:04d}|{f.level}|{f.logger}|{f.message}",
    "serilog-file": lambda f: f"{_ms(f.ts.astimezone(CET), '.')} +01:00 [{_lvl(f, SERILOG)}] {f.message}",
    "serilog-compact": lambda f: _json({"@t": f.ts.isoformat().replace("+00:00", "Z"), "@m": f.message, "@l": f.level.title()}),
    "windows-cbs": lambda f: f"{f.ts.strftime('%Y-%m-%d %H:%M:%S')}, {f.level.title():<21} {f.short[:4].upper():<6} {f.message}",
    # Node
    "winston-json": lambda f: _json({"level": f.level.lower(), "message": f.message, "timestamp": f.ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")}),
    "winston-simple": lambda f: f"{f.level.lower()}: {f.message}",
    "pino": lambda f: _json({"level": PINO[f.level], "time": int(f.ts.timestamp() * 1000), "pid": f.pid, "hostname": f.host, "msg": f.message}),
    "bunyan": lambda f: _json({"name": "api", "hostname": f.host, "pid": f.pid, "level": PINO[f.level], "msg": f.message,
                               "time": f.ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "v": 0}),
    # system logs
    "syslog-rfc3164": lambda f: f"{f.ts.strftime('%b')} {f.ts.day:>2} {f.ts.strftime('%H:%M:%S')} {f.host} {f.program}[{f.pid}]: {f.message}",
    "syslog-priority": lambda f: f"<{8 + SYSLOG_PRI[f.level]}>{f.ts.strftime('%b')} {f.ts.day:>2} {f.ts.strftime('%H:%M:%S')} {f.host} {f.program}: {f.message}",
    "syslog-rfc5424": lambda f: f"<{8 + SYSLOG_PRI[f.level]}>1 {f.ts.isoformat(timespec='milliseconds').replace('+00:00', 'Z')} {f.host} {f.program} {f.pid} - - {f.message}",
    "journal-short-iso": lambda f: f"{f.ts.astimezone(CET).strftime('%Y-%m-%dT%H:%M:%S%z')} {f.host} {f.program}[{f.pid}]: {f.message}",
    "journal-short-precise": lambda f: f"{f.ts.strftime('%b %d %H:%M:%S')}.{f.ts.microsecond:06d} {f.host} {f.program}[{f.pid}]: {f.message}",
    "journal-short-full": lambda f: f"{f.ts.astimezone(CET).strftime('%a %Y-%m-%d %H:%M:%S')} CET {f.host} {f.program}[{f.pid}]: {f.message}",
    "journal-short-unix": lambda f: f"{f.ts.timestamp():.6f} {f.host} {f.program}[{f.pid}]: {f.message}",
    "journal-json": lambda f: _json({"__REALTIME_TIMESTAMP": str(int(f.ts.timestamp() * 1e6)), "_HOSTNAME": f.host, "PRIORITY": str(SYSLOG_PRI[f.level]),
                                     "SYSLOG_IDENTIFIER": f.program, "_PID": str(f.pid), "MESSAGE": f.message}),
    "logcat-threadtime": lambda f: f"{f.ts.strftime('%m-%d %H:%M:%S')}.{f.ts.microsecond // 1000:03d} {f.pid:>5} {f.pid + f.i % 40:>5} {LETTER[f.level]} {f.short}: {f.message}",
    "logcat-brief": lambda f: f"{LETTER[f.level]}/{f.short}({f.pid:>5}): {f.message}",
    "apache-error": lambda f: f"[{f.ts.strftime('%a %b %d %H:%M:%S')}.{f.ts.microsecond:06d} {f.ts.year}] [core:{NGINX[f.level]}] [pid {f.pid}:tid {f.pid * 7}] {f.message}",
    "nginx-error": lambda f: f"{f.ts.strftime('%Y/%m/%d %H:%M:%S')} [{NGINX[f.level]}] {f.pid}#0: *{f.i} {f.message}",
    "oslo": lambda f: f"{f.ts.strftime('%Y-%m-%d %H:%M:%S')}.{f.ts.microsecond // 1000:03d} {f.pid} {f.level} {f.logger} [req-{f.i:08d}-aaaa - - - - -] {f.message}",
    "dmesg": lambda f: f"[{f.i * 0.137 + 1:12.6f}] {f.message}",
    # containers and clouds
    "cri+log4j": lambda f: f"{_rfc3339_nano(f.ts)} stdout F {_ms(f.ts)} {f.level:<5} [{f.thread}] {f.logger} - {f.message}",
    "docker+python": lambda f: _json({"log": f"{_ms(f.ts)} - {f.short} - {_lvl(f, PY)} - {f.message}\n", "stream": "stderr", "time": _rfc3339_nano(f.ts)}),
    "kubectl-timestamps+log4j": lambda f: f"{_rfc3339_nano(f.ts)} {_ms(f.ts)} {f.level:<5} [{f.thread}] {f.logger} - {f.message}",
    "kubectl-timestamps+json": lambda f: f"{_rfc3339_nano(f.ts)} " + _json({"level": f.level.lower(), "msg": f.message}),
    "kubectl-prefix+klog": lambda f: f"[pod/api-7f9c8d6b5d-x2x4q/api] {LETTER[f.level] if f.level in 'INFO WARN ERROR FATAL' else 'I'}"
    f"{f.ts.strftime('%m%d %H:%M:%S')}.{f.ts.microsecond:06d} {f.pid:>7} {f.short}.go:{f.i % 400 + 1}] {f.message}",
    "kubectl-prefix-timestamps+python": lambda f: f"[pod/api-7f9c8d6b5d-x2x4q/api] {_rfc3339_nano(f.ts)} {_ms(f.ts)} - {f.short} - {_lvl(f, PY)} - {f.message}",
    "lambda": lambda f: f"{f.ts.isoformat(timespec='milliseconds').replace('+00:00', 'Z')}\t3f1c0a9e-2b7d-4c1e-9a0b-{f.i:012d}\t{f.level}\t{f.message}",
    "gcp-json-lines": lambda f: _json({"insertId": f"{f.i:016x}", "textPayload": f.message, "severity": f.level.replace("WARN", "WARNING"),
                                       "timestamp": f.ts.isoformat(timespec="microseconds").replace("+00:00", "Z"),
                                       "resource": {"type": "cloud_run_revision", "labels": {"service_name": "checkout"}}}),
}
# Layouts that are in no library (rca's or lnav's): read by header inference alone.
UNKNOWN: dict[str, Writer] = {
    "x-euro-bracket": lambda f: f"{f.ts.strftime('%d.%m.%Y %H:%M:%S')},{f.ts.microsecond // 1000:03d} [{f.level}] [{f.thread}] {f.short}: {f.message}",
    "x-us-ampm-bracket": lambda f: f"[{f.ts.strftime('%m/%d/%Y %I:%M:%S %p')}] {f.level} {f.host} {f.message}",
    "x-us-ampm-pipe": lambda f: f"{f.ts.strftime('%m/%d/%Y %I:%M:%S %p')} | {f.level} | {f.host} | {f.message}",
    "x-epoch-ms": lambda f: f"{int(f.ts.timestamp() * 1000)} {f.level} {f.short} {f.message}",
    "x-semicolon": lambda f: f"{f.ts.strftime('%Y-%m-%d %H:%M:%S')};{f.level};{f.short};{f.message}",
    "x-host-first": lambda f: f"{f.host} {f.ts.isoformat(timespec='seconds').replace('+00:00', 'Z')} {f.level} {f.message}",
    "x-level-first-dash": lambda f: f"[{f.level}] {f.ts.strftime('%Y-%m-%d %H:%M:%S')} {f.short} - {f.message}",
    "x-compact-pipe": lambda f: f"{f.ts.strftime('%Y%m%d')}-{f.ts.hour}:{f.ts.minute}:{f.ts.second}:{f.ts.microsecond // 1000}|{f.short}|{f.pid}|{f.message}",
    "x-month-day-bracket": lambda f: f"[{f.ts.strftime('%m.%d %H:%M:%S')}] {f.program}.exe - {f.message}",
    "x-tomcat": lambda f: f"{f.ts.strftime('%d-%b-%Y %H:%M:%S')}.{f.ts.microsecond // 1000:03d} {f.level} [{f.thread}] {f.logger}.run {f.message}",
    "x-loguru": lambda f: f"{_ms(f.ts, '.')} | {f.level:<8} | {f.short}.api:handle:{f.i % 90 + 1} - {f.message}",
    "x-mon-d-y-pipe": lambda f: f"{f.ts.strftime('%b %d %Y %H:%M:%S')}.{f.ts.microsecond // 1000:03d} | {f.level} | {f.message}",
    "x-year-logcat": lambda f: f"{_ms(f.ts, '.')} {f.pid:>5} {f.pid + 3:>5} {LETTER[f.level]} {f.short}: {f.message}",
}
WRITERS.update(UNKNOWN)
# Whole-file exports: a function of all lines' fields.
DOCUMENTS: dict[str, Callable[[list[Fields]], str]] = {
    "csv-export": lambda rows: "timestamp,level,service,message\n"
    + "".join(f'{f.ts.isoformat().replace("+00:00", "Z")},{f.level},{f.program},"{f.message.replace(chr(34), chr(34) * 2)}"\n' for f in rows),
    "windows-event-csv": lambda rows: "Level,Date and Time,Source,Event ID,Task Category\n"
    + "".join(f'{"Information" if f.level == "INFO" else f.level.title()},{f.ts.strftime("%m/%d/%Y %I:%M:%S %p").lstrip("0")},'
              f'Service Control Manager,{7000 + f.i % 40},None,"{f.message.replace(chr(34), chr(34) * 2)}"\n' for f in rows),
    "gcp-json-array": lambda rows: json.dumps([{"textPayload": f.message, "severity": f.level, "timestamp": f.ts.isoformat().replace("+00:00", "Z"),
                                                "resource": {"labels": {"service_name": "checkout"}}} for f in rows], indent=2),
    "aws-events": lambda rows: json.dumps({"events": [{"logStreamName": "2026/11/23/[$LATEST]abc", "timestamp": int(f.ts.timestamp() * 1000),
                                                       "message": f.message, "ingestionTime": int(f.ts.timestamp() * 1000) + 40} for f in rows]}),
}

LOGGERS = ("com.acme.orders.OrderService", "com.acme.http.Server", "org.example.db.Pool", "io.shop.payments.Charger")
SHORTS = ("orders", "http", "dbpool", "payments", "auth", "cache")
THREADS = ("main", "http-nio-8080-exec-3", "pool-2-thread-7", "scheduling-1", "Thread-12")
HOSTS = ("web-01", "calvisitor-10-105-160-95", "ip-10-0-3-17.ec2.internal", "db2")
PROGRAMS = ("sshd", "kernel", "CRON", "systemd", "nginx", "api-server")
LEVEL_OF = {"WARNING": "WARN", "SEVERE": "ERROR", "NOTICE": "INFO", "V": "DEBUG", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR"}


def fields_for(rows: list[dict[str, str]], seed: int) -> list[Fields]:
    rng = random.Random(seed)
    t = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    out = []
    for i, row in enumerate(rows):
        t += timedelta(microseconds=rng.randrange(1000, 900000))
        level = (row.get("Level") or "").upper()
        level = LEVEL_OF.get(level, level)
        if level not in ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"):
            level = rng.choice(("INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG"))
        out.append(
            Fields(
                t, level, rng.choice(LOGGERS), rng.choice(SHORTS), rng.choice(THREADS), rng.randrange(100, 40000),
                rng.choice(HOSTS), rng.choice(PROGRAMS), i, row["Content"].strip(),
            )
        )
    return out


def evaluate(path: Path, rows: list[dict[str, str]], baseline_ga: float) -> tuple[float, float, str]:
    records, summary = ingest([str(path)], Settings())
    records = assign_templates(records)
    offset = 1 if path.suffix == ".csv" else 0  # CSV exports: the header is line 1
    by_line = dict(zip(records.get_column("line").to_list(), zip(records.get_column("message").to_list(), records.get_column("template_id").to_list())))
    if path.suffix == ".json":  # a document of records: the record's number
        by_line = dict(zip(range(1, records.height + 1), zip(records.get_column("message").to_list(), records.get_column("template_id").to_list())))
    exact, predicted = 0, []
    line = 1 + offset
    for i, row in enumerate(rows):
        key = i + 1 + offset if path.suffix != ".json" else i + 1
        got = by_line.get(key)
        predicted.append(got[1] if got else f"missing-{i}")
        exact += got is not None and got[0].strip() == row["Content"].strip()
        line += 1
    ga, _ = group_scores([r["EventId"] for r in rows], predicted)
    return exact / len(rows), ga, summary.sources[0].format


def bare_ga(rows: list[dict[str, str]]) -> float:
    frame = pl.DataFrame({"message": [r["Content"].strip() for r in rows]})
    got = assign_templates(frame).get_column("template_id").to_list()
    return group_scores([r["EventId"] for r in rows], got)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--systems", nargs="*", default=list(SYSTEMS))
    parser.add_argument("--layouts", nargs="*", default=[*WRITERS, *DOCUMENTS])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out" / "rewrap")
    parser.add_argument("--quiet", action="store_true", help="print only misses and the summary")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"no Loghub data at {args.data}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    misses, worst = [], {}
    print(f"{'system':<10} {'layout':<34} {'read as':<34} {'exact':>6} {'GA':>6} {'GA0':>6}")
    for s, system in enumerate(args.systems):
        rows = _truth(args.data / system, system)[: args.lines]
        ga0 = bare_ga(rows)
        made = fields_for(rows, seed=s)
        for name in args.layouts:
            if name in WRITERS:
                path = args.out / f"{system}.{name}.log"
                path.write_text("".join(WRITERS[name](f) + "\n" for f in made), encoding="utf-8")
            else:
                suffix = ".csv" if "csv" in name else ".json"
                path = args.out / f"{system}.{name}{suffix}"
                path.write_text(DOCUMENTS[name](made), encoding="utf-8")
            exact, ga, fmt = evaluate(path, rows, ga0)
            miss = exact < 0.99 or abs(ga - ga0) > 0.005
            worst[name] = min(worst.get(name, 1.0), exact)
            if miss:
                misses.append((system, name, exact, ga, ga0))
            if miss or not args.quiet:
                print(f"{system:<10} {name:<34} {fmt[:34]:<34} {exact:6.3f} {ga:6.3f} {ga0:6.3f}{'  MISS' if miss else ''}")
    print(f"\n{len(args.layouts)} layouts x {len(args.systems)} systems; worst exact share per layout:")
    for name, value in sorted(worst.items(), key=lambda kv: kv[1]):
        print(f"  {name:<34} {value:.3f}")
    print(f"{len(misses)} misses" if misses else "every file: message exact for >= 99 % of lines, GA unmoved")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
