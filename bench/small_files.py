"""Many small files: the time `rca templates` and `rca analyze` take per file on a folder of 5,000.

Usage: python bench/small_files.py [--files 5000] [--runs 3]

Builds once, under bench/out/small-files-<N>/ (git-ignored), a folder as a log dump gives it:
a Kubernetes namespace (``<namespace>/<pod>/<container>.log``, rotated ones too, in JSON lines,
klog, log4j and Python's logging) and hosts' /var/log (``syslog``, ``syslog.1``, ``auth.log``,
``nginx/access.log``, ``nginx/error.log``), each file 3 to 50 lines of messages from the
Loghub 2k samples with fresh values, and a few Java stack traces. Seeded: the same folder every
time.

Then runs each command in a fresh process (median of --runs) and prints wall and CPU seconds,
peak memory and milliseconds per file, end to end (start-up included), next to the start-up
itself (`rca templates` on one file of the folder). Exits non-zero if either command takes
2 ms a file or more, the target of issue #13.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _run import LOGHUB, OUT, RCA, figures, median_run, verdict

TARGET_MS = 2.0
JAVA = ("Hadoop", "Zookeeper", "Spark", "HDFS")
SYSLOG = ("Linux", "OpenSSH")


def messages(system: str) -> list[str]:
    with open(LOGHUB / system / f"{system}_2k.log_structured.csv", newline="", encoding="utf-8") as fh:
        return [" ".join(row["Content"].split()) for row in csv.DictReader(fh)]


def fresh(message: str, rng: random.Random) -> str:
    """The message with its digits drawn again: new ids, counters and addresses, the same template."""
    return "".join(str(rng.randrange(10)) if c.isdigit() else c for c in message)


def _level(rng: random.Random) -> str:
    return rng.choices(("INFO", "WARN", "ERROR", "DEBUG"), (80, 10, 5, 5))[0]


def _java(t: datetime, rng: random.Random, pool: list[str]) -> str:
    stamp = t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"
    line = f"{stamp} {_level(rng):<5} [main-{rng.randrange(8)}] org.example.svc.Worker - {fresh(rng.choice(pool), rng)}"
    if rng.random() < 0.03:  # a stack trace: lines without a header of their own
        line += "\njava.io.IOException: Connection reset by peer\n\tat org.example.svc.Worker.run(Worker.java:42)"
    return line


def _python(t: datetime, rng: random.Random, pool: list[str]) -> str:
    stamp = t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"
    level = _level(rng).replace("WARN", "WARNING")
    return f"{stamp} - app.handlers - {level} - {fresh(rng.choice(pool), rng)}"


def _json(t: datetime, rng: random.Random, pool: list[str]) -> str:
    stamp = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
    record = {"level": _level(rng).lower(), "ts": stamp, "logger": "api", "msg": fresh(rng.choice(pool), rng)}
    return json.dumps(record)


def _klog(t: datetime, rng: random.Random, pool: list[str]) -> str:
    level = "IWE"[rng.choices(range(3), (90, 7, 3))[0]]
    return f"{level}{t:%m%d %H:%M:%S.%f} {rng.randrange(1, 99):6d} controller.go:{rng.randrange(40, 400)}] {fresh(rng.choice(pool), rng)}"


def _syslog(t: datetime, rng: random.Random, pool: list[str], host: str = "node", program: str = "sshd") -> str:
    return f"{t:%b} {t.day:2d} {t:%H:%M:%S} {host} {program}[{rng.randrange(100, 30000)}]: {fresh(rng.choice(pool), rng)}"


def _access(t: datetime, rng: random.Random, pool: list[str]) -> str:
    path = rng.choice(("/api/orders", "/api/users/{}", "/static/app.js", "/healthz", "/api/cart/{}")).format(rng.randrange(99999))
    status = rng.choices((200, 304, 404, 500, 502), (85, 5, 5, 3, 2))[0]
    ip = ".".join(str(rng.randrange(1, 255)) for _ in range(4))
    return f'{ip} - - [{t:%d/%b/%Y:%H:%M:%S} +0000] "GET {path} HTTP/1.1" {status} {rng.randrange(100, 9000)} "-" "curl/8.5"'


def _nginx_error(t: datetime, rng: random.Random, pool: list[str]) -> str:
    return f"{t:%Y/%m/%d %H:%M:%S} [error] {rng.randrange(10, 99)}#0: *{rng.randrange(1, 9999)} {fresh(rng.choice(pool), rng)}"


def build(folder: Path, files: int, seed: int = 13) -> None:
    rng = random.Random(seed)
    java = [m for s in JAVA for m in messages(s)]
    syslog = [m for s in SYSLOG for m in messages(s)]
    other = messages("OpenStack") + messages("Apache")
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    # (relative path, line writer, message pool), the namespace's pods first, then hosts' /var/log.
    pods = [("{ns}/{pod}/app.log", _java, java), ("{ns}/{pod}/api.log", _json, other),
            ("{ns}/{pod}/controller.log", _klog, other), ("{ns}/{pod}/worker.log", _python, java)]  # fmt: skip
    hosts = [("hosts/{host}/syslog", _syslog, syslog), ("hosts/{host}/syslog.1", _syslog, syslog),
             ("hosts/{host}/auth.log", _syslog, syslog), ("hosts/{host}/nginx/access.log", _access, other),
             ("hosts/{host}/nginx/error.log", _nginx_error, other)]  # fmt: skip
    written = 0
    while written < files:
        kind = pods if written < 0.6 * files else hosts
        name, writer, pool = rng.choice(kind)
        path = folder / name.format(ns=f"ns-{rng.randrange(4)}", pod=f"svc{rng.randrange(300)}-{rng.randrange(16**5):05x}", host=f"host{written:04d}")
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        t = start + timedelta(seconds=rng.randrange(3600))
        lines = []
        for _ in range(rng.randint(3, 50)):
            t += timedelta(milliseconds=rng.randrange(1, 5000))
            lines.append(writer(t, rng, pool))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = OUT / f"small-files-{args.files}"
    if not folder.exists():
        print(f"building {args.files:,} files -> {folder}", file=sys.stderr)
        build(folder.with_suffix(".tmp"), args.files)
        folder.with_suffix(".tmp").rename(folder)
    paths = sorted(p for p in folder.rglob("*") if p.is_file())
    lines = sum(p.read_bytes().count(b"\n") for p in paths)
    print(f"input: {folder.name}, {len(paths):,} files, {lines:,} lines, {sum(p.stat().st_size for p in paths) / 1e6:.1f} MB")
    startup = median_run([*RCA, "templates", str(paths[0]), "--json"], args.runs)
    print(figures("start-up: rca templates ONE_FILE --json", startup))
    missed = []
    for command in ("templates", "analyze"):
        result = median_run([*RCA, command, str(folder), "--json"], args.runs)
        per_file = 1000 * result.wall_s / len(paths)
        after_start = 1000 * (result.wall_s - startup.wall_s) / len(paths)
        print(figures(f"rca {command} FOLDER --json (median of {args.runs})", result, lines))
        print(f"    {per_file:.2f} ms a file end to end, {after_start:.2f} ms a file after start-up (target < {TARGET_MS} ms end to end)")
        if per_file >= TARGET_MS:
            missed.append(f"rca {command}: {per_file:.2f} ms a file")
    return verdict(missed)


if __name__ == "__main__":
    sys.exit(main())
