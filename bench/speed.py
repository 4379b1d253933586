"""Speed and memory of `rca templates` end to end, next to a plain drain3 loop, on a generated log.

Usage: python bench/speed.py [--lines 1000000] [--runs 3] [--out bench/out]

1. Generates a realistic log (log4j headers, messages from all 12 Loghub 2k samples with every
   digit replaced by fresh random digits, so ids, IPs, counters and sizes take new values while
   the templates stay real). Deterministic (seeded).
2. Times, each in a fresh process, with its peak resident memory:
   - reading the lines (a Python loop over the file, and rca's own reader): the floor;
   - `rca templates FILE --json` end to end (median of --runs);
   - the fair baseline: a plain loop calling drain3's ``add_log_message`` on every line's
     message, with drain3's own masking instructions for the same kinds of variables.
Prints lines/s, peak memory and the ratios; exits non-zero if rca is not at least 10x the plain
loop or its peak memory is not under 4x the file size.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _run import LOGHUB, PLAIN_MINER, ROOT

FALLBACK = ROOT / "tests" / "data" / "loghub"

PLAIN_LOOP = r'''
import re, sys
''' + PLAIN_MINER + r'''
header = re.compile(r"^\S+ \S+ \S+ \[[^\]]*\] \S+ - ")
n = 0
with open(sys.argv[1], encoding="utf-8") as fh:
    for line in fh:
        miner.add_log_message(header.sub("", line.rstrip("\n"), count=1))
        n += 1
print(n, len(miner.drain.clusters))
'''

READ_LOOP = r'''
import sys
n = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as fh:
    for line in fh:
        n += 1
print(n)
'''

RCA_READ = r'''
import sys
from rca.read.lines import read_lines
from rca.read.sources import Source
from pathlib import Path
print(read_lines(Source(sys.argv[1], Path(sys.argv[1]))).frame.height)
'''


def _messages() -> list[tuple[str, str]]:
    folder = LOGHUB if LOGHUB.exists() else FALLBACK
    out = []
    for path in sorted(folder.glob("*/*_2k.log_structured.csv")) or sorted(folder.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                level = (row.get("Level") or "INFO").upper()
                level = level if level in ("INFO", "WARN", "ERROR", "DEBUG") else "INFO"
                out.append((level, " ".join(row["Content"].split())))
    return out


def digit_tables(rng: random.Random, count: int) -> list[dict[int, int]]:
    """``count`` translation tables, each a random permutation of the digits: applied to a real
    message, they give its ids, counters and sizes new values while its template stays."""
    tables = []
    for _ in range(count):
        digits = list("0123456789")
        rng.shuffle(digits)
        tables.append(str.maketrans("0123456789", "".join(digits)))
    return tables


def generate(path: Path, lines: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    messages = _messages()
    tables = digit_tables(rng, 512)
    components = [f"com.acme.{name}" for name in ("Gateway", "Orders", "Billing", "Storage", "Auth", "Search")]
    t = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(lines):
            level, message = messages[rng.randrange(len(messages))]
            t += timedelta(microseconds=rng.randrange(0, 3000))
            stamp = t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"
            fresh = message.translate(tables[i % 512])
            fh.write(f"{stamp} {level:<5} [worker-{rng.randrange(32)}] {components[rng.randrange(6)]} - {fresh}\n")


def measure(argv: list[str], *, full: bool = False) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in bytes, and stdout (its first 200 characters unless ``full``) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout = proc.stdout.read()  # type: ignore[union-attr]
    proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{argv[:3]} failed with status {status}")
    text = stdout.decode()
    return elapsed, usage.ru_maxrss * 1024, text if full else text[:200]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--skip-plain", action="store_true", help="skip the (slow) plain drain3 loop")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / f"generated-{args.lines}.log"
    if not log.exists():
        print(f"generating {args.lines:,} lines -> {log}", file=sys.stderr)
        generate(log, args.lines)
    size = log.stat().st_size
    print(f"input: {log.name}, {args.lines:,} lines, {size / 1e6:.0f} MB")
    py = sys.executable
    rows = []
    read_s, read_mem, _ = measure([py, "-c", READ_LOOP, str(log)])
    rows.append(("read lines (Python loop)", read_s, read_mem))
    own_s, own_mem, _ = measure([py, "-c", RCA_READ, str(log)])
    rows.append(("read lines (rca reader)", own_s, own_mem))
    runs = [measure([py, "-m", "rca", "templates", str(log), "--json"]) for _ in range(args.runs)]
    rca_s = statistics.median(r[0] for r in runs)
    rca_mem = max(r[1] for r in runs)
    rows.append((f"rca templates --json (median of {args.runs})", rca_s, rca_mem))
    plain_s = None
    if not args.skip_plain:
        plain_s, plain_mem, out = measure([py, "-c", PLAIN_LOOP, str(log)])
        rows.append((f"plain drain3 loop ({out.split()[1]} clusters)", plain_s, plain_mem))
    for name, seconds, memory in rows:
        print(f"{name:<42} {seconds:7.2f} s {args.lines / seconds:12,.0f} lines/s  peak {memory / 1e6:7.0f} MB")
    print(f"rca peak memory / file size: {rca_mem / size:.2f}x (target < 4x)")
    print(f"rca / reading the lines in rca's reader: {rca_s / own_s:.2f}x the time")
    ok = rca_mem < 4 * size
    if plain_s is not None:
        print(f"rca speed-up over the plain drain3 loop: {plain_s / rca_s:.1f}x (target >= 10x)")
        ok = ok and plain_s / rca_s >= 10
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
