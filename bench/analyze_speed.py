"""Speed, memory and answer of `rca analyze` on a generated 1,000,000-line multi-service incident,
next to `rca templates` on the same input.

Usage: python bench/analyze_speed.py [--lines 1000000] [--runs 3] [--out bench/out]

1. Generates (seeded, deterministic) a folder with one file per service, in three formats (log4j,
   JSON lines, an nginx access log): two hours of a 10-service shop, where each service logs its
   own request flow plus background lines drawn from the Loghub 2k samples (digits replaced by
   fresh random digits, so the templates are real and the variables vary). At 01:30 the
   ``ledger`` service's database goes read-only: its ``committed`` statement stops, it logs a new
   error, and its three callers log timeouts and retries, more lines than ledger itself.
2. Times `rca templates DIR --json` and `rca analyze DIR --json`, each in a fresh process,
   alternating, --runs times; prints the medians, lines/s and peak memory.
3. Checks the answer: the first root cause must be ``ledger``.

Exits non-zero if analyze takes 2x the time of templates or more, or names the wrong root.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import _messages, digit_tables, measure  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
SPAN = timedelta(hours=2)
FAULT = START + timedelta(minutes=90)
ROOT_SERVICE = "ledger"
CALLERS = ("orders", "billing", "refunds")
OTHERS = ("catalog", "search", "users", "cart", "notify")
FRONT = "edge"


def _log4j(t: datetime, level: str, thread: str, logger: str, message: str) -> str:
    return f"{t.strftime('%Y-%m-%d %H:%M:%S,')}{t.microsecond // 1000:03d} {level:<5} [{thread}] {logger} - {message}"


def _json(t: datetime, level: str, message: str, **extra: object) -> str:
    stamp = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
    return json.dumps({"ts": stamp, "level": level, "msg": message, **extra})


def _access(t: datetime, rng: random.Random, path: str, status: int, rt: float) -> str:
    ip = f"10.{rng.randint(0, 9)}.{rng.randint(0, 255)}.{rng.randint(2, 250)}"
    stamp = t.strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'{ip} - - [{stamp}] "POST {path} HTTP/1.1" {status} {rng.randint(100, 900)} "-" "shop-app/5.1" rt={rt:.3f}'


def generate(folder: Path, lines: int, seed: int = 5) -> None:
    """About ``lines`` lines over two hours: request flows (a third) and background lines."""
    rng = random.Random(seed)
    messages = _messages()
    tables = digit_tables(rng, 256)
    out: dict[str, list[tuple[datetime, str]]] = {s: [] for s in (ROOT_SERVICE, *CALLERS, *OTHERS, FRONT)}
    # Each request: edge -> caller -> ledger, about 6 lines; background fills the rest.
    requests = lines // 3 // 6
    step = SPAN.total_seconds() / requests
    for i in range(requests):
        t = START + timedelta(seconds=i * step + rng.random() * step)
        caller = CALLERS[i % 3]
        rid = f"{rng.getrandbits(64):016x}"
        account = rng.randint(10_000, 99_999)
        broken = t >= FAULT and rng.random() < 0.9
        thread = f"http-nio-8080-exec-{rng.randint(1, 40)}"
        logger = f"com.shop.{caller}.Handler"
        out[caller].append((t, _log4j(t, "INFO", thread, logger, f"request {rid} for account {account} accepted")))
        t1 = t + timedelta(milliseconds=rng.randint(1, 5))
        out[ROOT_SERVICE].append((t1, _json(t1, "info", f"posting entry for account {account}", request_id=rid)))
        if broken:
            t2 = t1 + timedelta(milliseconds=rng.randint(5, 30))
            out[ROOT_SERVICE].append((t2, _json(
                t2, "error", f"insert into ledger_entries failed: ERROR 25006 cannot execute INSERT in a read-only transaction (account {account})",
                request_id=rid)))
            for attempt in (1, 2, 3):
                ta = t + timedelta(milliseconds=2000 * attempt + rng.randint(0, 50))
                out[caller].append((ta, _log4j(ta, "ERROR", thread, f"com.shop.{caller}.LedgerClient",
                                               f"call to ledger timed out after 2000 ms (attempt {attempt}/3) request {rid}")))
            te = t + timedelta(milliseconds=6100 + rng.randint(0, 80))
            out[caller].append((te, _log4j(te, "WARN", thread, logger, f"request {rid} failed: upstream unavailable")))
            out[FRONT].append((te, _access(te, rng, f"/api/{caller}", 503, (te - t).total_seconds())))
        else:
            t2 = t1 + timedelta(milliseconds=rng.randint(2, 12))
            out[ROOT_SERVICE].append((t2, _json(t2, "info", f"committed entry {rng.getrandbits(40)} balance {rng.randint(0, 10**6)}.{rng.randint(0, 99):02d}", request_id=rid)))
            t3 = t2 + timedelta(milliseconds=rng.randint(1, 8))
            out[caller].append((t3, _log4j(t3, "INFO", thread, logger, f"request {rid} done in {(t3 - t).total_seconds() * 1000:.0f} ms")))
            out[FRONT].append((t3, _access(t3, rng, f"/api/{caller}", 200, (t3 - t).total_seconds())))
    # Background: every service logs its own mix of real (Loghub) messages, steadily.
    services = list(out)
    per_service = [messages[k::len(services)] for k in range(len(services))]
    background = lines - sum(len(v) for v in out.values())
    step = SPAN.total_seconds() / max(1, background)
    for i in range(background):
        k = rng.randrange(len(services))
        service = services[k]
        if service == FRONT:
            k, service = (k + 1) % len(services), services[(k + 1) % len(services)]
        t = START + timedelta(seconds=i * step)
        level, message = per_service[k][rng.randrange(len(per_service[k]))]
        message = message.translate(tables[i % 256])
        if service == ROOT_SERVICE:
            out[service].append((t, _json(t, level.lower(), message)))
        else:
            out[service].append((t, _log4j(t, level, f"worker-{rng.randrange(16)}", f"com.shop.{service}.Background", message)))
    folder.mkdir(parents=True, exist_ok=True)
    for service, rows in out.items():
        rows.sort(key=lambda row: row[0])
        name = {ROOT_SERVICE: f"{service}.jsonl", FRONT: f"{service}.access.log"}.get(service, f"{service}.log")
        with open(folder / name, "w", encoding="utf-8") as fh:
            fh.writelines(text + "\n" for _, text in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    folder = args.out / f"incident-{args.lines}"
    if not folder.exists():
        print(f"generating about {args.lines:,} lines -> {folder}", file=sys.stderr)
        generate(folder, args.lines)
    files = sorted(folder.iterdir())
    n_lines = sum(1 for f in files for _ in open(f, encoding="utf-8"))
    size = sum(f.stat().st_size for f in files)
    print(f"input: {folder.name}/, {len(files)} files, {n_lines:,} lines, {size / 1e6:.0f} MB")
    py = sys.executable
    templates, analyses = [], []
    for _ in range(args.runs):
        templates.append(measure([py, "-m", "rca", "templates", str(folder), "--json"]))
        analyses.append(measure([py, "-m", "rca", "analyze", str(folder), "--json"], full=True))
    rows = [("rca templates --json", templates), ("rca analyze --json", analyses)]
    for name, runs in rows:
        seconds = statistics.median(r[0] for r in runs)
        memory = max(r[1] for r in runs)
        print(f"{name:<24} median of {args.runs}: {seconds:6.2f} s {n_lines / seconds:10,.0f} lines/s  peak {memory / 1e6:6.0f} MB")
    ratio = statistics.median(r[0] for r in analyses) / statistics.median(r[0] for r in templates)
    result = json.loads(analyses[-1][2])
    named = [cause["service"] for cause in result["root_causes"]]
    print(f"analyze / templates: {ratio:.2f}x the time (target < 2x)")
    print(f"root causes named: {', '.join(named[:3]) or 'none'} (true root: {ROOT_SERVICE})")
    ok = ratio < 2 and named[:1] == [ROOT_SERVICE]
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
