"""Write the sample_logs/ scenarios (deterministic: same seed, same bytes).

Usage: python sample_logs/generate.py

checkout-outage/: a shop where a payments deploy shrinks the database pool at 10:41:30;
payments exhausts the pool from 10:42:00, checkout times out calling it, the frontend returns
502s. Four services, four formats: nginx access log, log4j with stack traces, JSON lines,
logback.

quiet-worker/: the billing worker deadlocks at 09:20:00 and simply stops logging; the API and
the notifier, which wait on it, are the ones that log errors.

noisy-neighbour/: the auth service's signing key expires at 14:05:00; the gateway retries each
failed call three times and logs every attempt, while a search service logs errors all along.

merged-syslog.log: one file from a host's syslog (RFC 5424-style ISO timestamps, program names):
the DNS resolver loses its upstream at 22:10:00; the mailer and the API log the failures.

slow-ledger/: the ledger only slows down at 15:14:10 (durations in its INFO lines grow ~25x);
payments times out calling it and the storefront answers 504; a report exporter fails in bursts
all along.

stuck-consumer/: the fulfilment worker deadlocks at 07:47:40: its job lines stop while its GC
and queue-stats lines go on; the API logs unacknowledged jobs, the mailer gets quieter, and a
search service restarted for a deploy two minutes earlier.

See README.md for each true root cause.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
START = datetime(2026, 11, 23, 10, 30, 0, tzinfo=UTC)
END = START + timedelta(minutes=20)
DEPLOY = datetime(2026, 11, 23, 10, 41, 30, tzinfo=UTC)
FAULT = datetime(2026, 11, 23, 10, 42, 0, tzinfo=UTC)


def _log4j(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S,") + f"{ts.microsecond // 1000:03d}"


def _requests(rng: random.Random) -> list[datetime]:
    """Checkout requests: about one every 1.5 s, a Poisson stream."""
    times, t = [], START
    while t < END:
        t += timedelta(seconds=rng.expovariate(1 / 1.5))
        times.append(t)
    return times


def checkout_outage(out: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    frontend, checkout, payments, inventory = [], [], [], []
    for i, t in enumerate(_requests(rng)):
        order, user = 52000 + i, rng.randint(1000, 9999)
        amount = f"{rng.randint(5, 400)}.{rng.randint(0, 99):02d}"
        ip = f"10.20.{rng.randint(0, 9)}.{rng.randint(2, 250)}"
        faulty = t >= FAULT and rng.random() < 0.85
        t1 = t + timedelta(milliseconds=rng.randint(2, 9))
        inventory.append(
            (t1, f"{t1.strftime('%H:%M:%S.%f')[:-3]} [pool-2-thread-{rng.randint(1, 8)}] INFO  "
                 f"c.shop.inventory.StockService - reserved {rng.randint(1, 4)} items of sku-{rng.randint(100, 999)} for order {order}")
        )
        t2 = t1 + timedelta(milliseconds=rng.randint(5, 20))
        checkout.append((t, f"{_log4j(t)} INFO  [http-nio-8080-exec-{rng.randint(1, 20)}] com.shop.checkout.CheckoutController - "
                            f"checkout started for order {order} user {user}"))
        if faulty:
            waited = t2 + timedelta(milliseconds=5000)
            payments.append((waited, {"level": "error", "msg": f"charge failed for order {order}: HikariPool-1 - Connection is not available, request timed out after 5000ms", "order_id": order}))
            t3 = t + timedelta(milliseconds=5000 + rng.randint(10, 40))
            checkout.append((t3, f"{_log4j(t3)} ERROR [http-nio-8080-exec-{rng.randint(1, 20)}] com.shop.checkout.PaymentClient - "
                                 f"payment call failed for order {order}: java.net.SocketTimeoutException: Read timed out\n"
                                 "java.net.SocketTimeoutException: Read timed out\n"
                                 "\tat java.base/java.net.SocketInputStream.socketRead0(Native Method)\n"
                                 "\tat com.shop.checkout.PaymentClient.charge(PaymentClient.java:88)\n"
                                 "\tat com.shop.checkout.CheckoutController.checkout(CheckoutController.java:54)"))
            status, size, rt = 502, 157, 5.0 + rng.random() / 10
        else:
            payments.append((t2, {"level": "info", "msg": f"charge authorized for order {order} amount {amount} EUR", "order_id": order}))
            t3 = t2 + timedelta(milliseconds=rng.randint(5, 30))
            checkout.append((t3, f"{_log4j(t3)} INFO  [http-nio-8080-exec-{rng.randint(1, 20)}] com.shop.checkout.CheckoutController - "
                                 f"order {order} placed in {rng.randint(20, 90)} ms"))
            status, size, rt = 200, rng.randint(300, 900), rng.random() / 10
        frontend.append((t, f'{ip} - - [{t.strftime("%d/%b/%Y:%H:%M:%S +0000")}] "POST /api/checkout HTTP/1.1" {status} {size} '
                            f'"https://shop.example.com/cart" "Mozilla/5.0" rt={rt:.3f}'))
        if rng.random() < 0.6:
            path = rng.choice(["/", "/products", f"/products/{rng.randint(1, 300)}", "/cart", "/static/app.js"])
            tg = t + timedelta(milliseconds=rng.randint(50, 900))
            frontend.append((tg, f'{ip} - - [{tg.strftime("%d/%b/%Y:%H:%M:%S +0000")}] "GET {path} HTTP/1.1" 200 {rng.randint(500, 40000)} "-" "Mozilla/5.0" rt=0.0{rng.randint(1, 9)}'))
    # Payments' own heartbeat to the database: every 10 s, until the pool is exhausted.
    t = START
    while t < END:
        if t < FAULT:
            payments.append((t, {"level": "debug", "msg": f"db pool stats: active={rng.randint(1, 4)} idle={rng.randint(12, 19)} waiting=0"}))
        else:
            payments.append((t, {"level": "warn", "msg": f"db pool stats: active=5 idle=0 waiting={rng.randint(8, 30)}"}))
        t += timedelta(seconds=10)
    payments.append((DEPLOY, {"level": "info", "msg": "configuration reloaded from release v2.4.1: db.pool.maxSize=5"}))
    payments.append((DEPLOY + timedelta(seconds=1), {"level": "info", "msg": "HikariPool-1 - Starting..."}))
    payments.append((DEPLOY + timedelta(seconds=2), {"level": "info", "msg": "HikariPool-1 - Start completed."}))
    # Inventory has a harmless warning all along: a red herring of steady noise.
    t = START + timedelta(seconds=17)
    while t < END:
        inventory.append((t, f"{t.strftime('%H:%M:%S.%f')[:-3]} [scheduler-1] WARN  c.shop.inventory.CacheWarmer - cache warm-up skipped: 3 stale keys"))
        t += timedelta(seconds=rng.randint(25, 40))
    _write(out / "frontend.access.log", frontend, lambda t, line: line)
    _write(out / "checkout.log", checkout, lambda t, line: line)
    _write(out / "payments.jsonl", payments, lambda t, rec: json.dumps(
        {"ts": t.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "service": "payments", **rec}))
    # Inventory's file carries only the time of day, like many logback defaults; rca reads the
    # date from an ISO prefix that its shipper adds.
    _write(out / "inventory.log", inventory, lambda t, line: f"{t.isoformat(timespec='microseconds').replace('+00:00', 'Z')} inventory-7d9f8c6b5d-x2x4q {line}")


def _stamp(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _poisson(rng: random.Random, start: datetime, end: datetime, every_s: float) -> list[datetime]:
    times, t = [], start
    while True:
        t += timedelta(seconds=rng.expovariate(1 / every_s))
        if t >= end:
            return times
        times.append(t)


def quiet_worker(out: Path, seed: int = 11) -> None:
    """A billing worker that deadlocks: its only trace is silence; its callers log the errors."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC)
    end, fault = start + timedelta(minutes=30), datetime(2026, 11, 23, 9, 20, 0, tzinfo=UTC)
    out.mkdir(parents=True, exist_ok=True)
    api, worker, notifier = [], [], []
    py = lambda t, level, name, msg: f"{t.strftime('%Y-%m-%d %H:%M:%S')},{t.microsecond // 1000:03d} {level:<7s} {name}: {msg}"  # noqa: E731
    for i, t in enumerate(_poisson(rng, start, end, 2.0)):
        invoice = 880000 + i
        api.append((t, py(t, "INFO", "api.invoices", f"queued invoice {invoice} for customer {rng.randint(1000, 9999)}")))
        if t < fault:
            done = t + timedelta(milliseconds=rng.randint(80, 400))
            worker.append((done, py(done, "INFO", "billing.worker", f"processed invoice {invoice} in {rng.randint(60, 380)} ms")))
            sent = done + timedelta(milliseconds=rng.randint(20, 90))
            notifier.append((sent, py(sent, "INFO", "notifier.mail", f"sent receipt for invoice {invoice}")))
        else:
            # No worker line: it is stuck. The API gives up after 30 s and retries once; the
            # notifier's poll finds the receipt missing.
            for attempt in (1, 2):
                late = t + timedelta(seconds=30 * attempt, milliseconds=rng.randint(1, 50))
                if late < end:
                    api.append((late, py(late, "ERROR", "api.invoices", f"invoice {invoice} not processed after 30 s (attempt {attempt}/2): billing queue depth {rng.randint(40, 400)}")))
            late = t + timedelta(seconds=45)
            if late < end:
                notifier.append((late, py(late, "ERROR", "notifier.mail", f"receipt for invoice {invoice} missing: upstream billing timeout")))
                notifier.append((late, py(late, "WARN", "notifier.mail", f"will retry receipt for invoice {invoice} in 60 s")))
    t = start
    while t < end:
        if t < fault:
            worker.append((t, py(t, "INFO", "billing.worker", f"heartbeat: queue depth {rng.randint(0, 3)}, workers busy {rng.randint(1, 4)}/8")))
        api.append((t, py(t, "INFO", "api.health", "health check ok")))
        t += timedelta(seconds=15)
    for name, rows in (("api", api), ("billing-worker", worker), ("notifier", notifier)):
        _write(out / f"{name}.log", rows, lambda t, line: line)


def noisy_neighbour(out: Path, seed: int = 13) -> None:
    """Auth's signing key expires; the gateway logs three errors per failure; search errs all along."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 23, 13, 50, 0, tzinfo=UTC)
    end, fault = start + timedelta(minutes=25), datetime(2026, 11, 23, 14, 5, 0, tzinfo=UTC)
    out.mkdir(parents=True, exist_ok=True)
    gateway, auth, search, profile = [], [], [], []
    for t in _poisson(rng, start, end, 0.8):
        rid = f"{rng.getrandbits(64):016x}"
        user = rng.randint(10000, 99999)
        route = rng.choice(["/api/profile", "/api/profile", "/api/search", "/api/orders"])
        t1 = t + timedelta(milliseconds=rng.randint(1, 5))
        if t >= fault and rng.random() < 0.9:
            auth.append((t1, {"level": "error", "msg": f"token verification failed for user {user}: signature key kid=2025-11 expired at 2026-11-23T14:05:00Z", "request_id": rid}))
            for attempt in (1, 2, 3):
                ta = t1 + timedelta(milliseconds=40 * attempt)
                gateway.append((ta, f"{_stamp(ta)} ERROR [gateway] upstream auth returned 401 for {route} attempt={attempt} request_id={rid}"))
            tb = t1 + timedelta(milliseconds=130)
            gateway.append((tb, f"{_stamp(tb)} WARN [gateway] giving up on {route} after 3 attempts request_id={rid}"))
            continue
        auth.append((t1, {"level": "info", "msg": f"token verified for user {user} scope=read,write", "request_id": rid}))
        t2 = t1 + timedelta(milliseconds=rng.randint(5, 40))
        if route == "/api/profile":
            profile.append((t2, {"level": "info", "msg": f"profile loaded for user {user} in {rng.randint(3, 30)} ms", "request_id": rid}))
        elif route == "/api/search":
            search.append((t2, {"level": "info", "msg": f"query served in {rng.randint(10, 200)} ms hits={rng.randint(0, 500)}", "request_id": rid}))
        gateway.append((t2, f"{_stamp(t2)} INFO [gateway] {route} 200 in {rng.randint(5, 90)} ms request_id={rid}"))
    # Search has lost one index replica for days: an error every couple of seconds, all along.
    for t in _poisson(rng, start, end, 2.5):
        search.append((t, {"level": "error", "msg": f"shard {rng.randint(0, 2)} replica unavailable: index products-v7 degraded, retrying in 30 s"}))
    render = lambda t, rec: json.dumps({"time": _stamp(t), **rec})  # noqa: E731
    _write(out / "gateway.log", gateway, lambda t, line: line)
    for name, rows in (("auth", auth), ("search", search), ("profile", profile)):
        _write(out / f"{name}.jsonl", rows, render)


def merged_syslog(path: Path, seed: int = 17) -> None:
    """One host's syslog: the resolver loses its upstream; the mailer and the API log the failures."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 23, 22, 0, 0, tzinfo=UTC)
    end, fault = start + timedelta(minutes=20), datetime(2026, 11, 23, 22, 10, 0, tzinfo=UTC)
    rows = []
    line = lambda t, prog, pid, msg: f"{_stamp(t)} web-03 {prog}[{pid}]: {msg}"  # noqa: E731
    hosts = ["smtp.relay.example.net", "api.payments.example.com", "db-replica.internal", "cdn.example.org"]
    for t in _poisson(rng, start, end, 0.7):
        host = rng.choice(hosts)
        if t < fault:
            rows.append((t, line(t, "unbound", 812, f"info: resolving {host}. A IN")))
            rows.append((t, line(t + timedelta(milliseconds=2), "unbound", 812, f"info: response for {host}. A IN NOERROR {rng.randint(1, 40)} ms")))
            who = "postfix/smtp" if host.startswith("smtp") else "api"
            rows.append((t, line(t + timedelta(milliseconds=9), who, 2211 if who == "api" else 3310,
                                 f"connected to {host}:{587 if who != 'api' else 443} in {rng.randint(2, 60)} ms")))
        else:
            rows.append((t, line(t, "unbound", 812, f"info: resolving {host}. A IN")))
            who = "postfix/smtp" if host.startswith("smtp") else "api"
            for attempt in (1, 2):
                ta = t + timedelta(seconds=5 * attempt)
                if who == "api":
                    rows.append((ta, line(ta, "api", 2211, f"ERROR lookup of {host} failed (attempt {attempt}): getaddrinfo EAI_AGAIN")))
                else:
                    rows.append((ta, line(ta, "postfix/smtp", 3310, f"warning: {host}: Host not found, try again (attempt {attempt})")))
    t = start
    while t < end:
        if t < fault:
            rows.append((t, line(t, "unbound", 812, "info: upstream 10.0.0.2#53 rtt 3 ms, 0 timeouts")))
        rows.append((t, line(t, "CRON", rng.randint(4000, 9000), "(root) CMD (/usr/lib/sysstat/sa1 1 1)")))
        t += timedelta(seconds=30)
    rows.append((fault - timedelta(seconds=1), line(fault - timedelta(seconds=1), "systemd-networkd", 301, "ens5: lost route to 10.0.0.2 via 10.0.0.1")))
    _write(path, rows, lambda t, text: text)


def slow_ledger(out: Path, seed: int = 19) -> None:
    """The ledger only slows down (its INFO lines' durations grow about 25x, never an error); the
    payments service times out calling it and the storefront returns 504s. A report exporter
    fails in bursts every 5 minutes, before and after, and has nothing to do with it."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 24, 15, 0, 0, tzinfo=UTC)
    end, fault = start + timedelta(minutes=24), datetime(2026, 11, 24, 15, 14, 10, tzinfo=UTC)
    out.mkdir(parents=True, exist_ok=True)
    storefront, payments, ledger, exporter = [], [], [], []
    py = lambda t, level, name, msg: f"{t.strftime('%Y-%m-%d %H:%M:%S')},{t.microsecond // 1000:03d} {level} {name}: {msg}"  # noqa: E731
    for t in _poisson(rng, start, end, 0.9):
        order, ip = rng.randint(100000, 999999), f"10.42.{rng.randint(0, 7)}.{rng.randint(2, 250)}"
        t1 = t + timedelta(milliseconds=rng.randint(2, 8))
        slow = t >= fault
        took = rng.lognormvariate(3.0, 0.35) * (rng.uniform(18, 35) if slow else 1.0)  # ms
        t2 = t1 + timedelta(milliseconds=took)
        ledger.append((t2, f'time="{_stamp(t2)}" level=info msg="entry committed" account=acc-{rng.randint(100, 999)} '
                           f'order={order} duration={took:.1f}ms'))
        status, total = 200, took + rng.uniform(10, 40)
        if slow and took > 600:
            # payments' client gives up after 600 ms and says where it was calling.
            t3 = t1 + timedelta(milliseconds=600)
            payments.append((t3, py(t3, "ERROR", "payments.ledger_client",
                                    f"requests.exceptions.ReadTimeout: HTTPConnectionPool(host='ledger', port=8080): "
                                    f"Read timed out. (read timeout=0.6) order={order}")))
            status, total = 504, 605.0
        else:
            t3 = t2 + timedelta(milliseconds=rng.randint(1, 5))
            payments.append((t3, py(t3, "INFO", "payments.api", f"payment for order {order} booked in {total:.0f} ms")))
        t4 = t3 + timedelta(milliseconds=rng.randint(1, 4))
        storefront.append((t4, f'{ip} - - [{t4.strftime("%d/%b/%Y:%H:%M:%S +0000")}] "POST /api/pay HTTP/1.1" {status} '
                               f'{rng.randint(300, 900)} "-" "Mozilla/5.0" rt={total / 1000:.3f}'))
    for t in _poisson(rng, start, end, 3.0):
        t1 = t + timedelta(milliseconds=rng.randint(1, 9))
        storefront.append((t1, f'10.42.9.{rng.randint(2, 250)} - - [{t1.strftime("%d/%b/%Y:%H:%M:%S +0000")}] '
                               f'"GET /products HTTP/1.1" 200 {rng.randint(2000, 9000)} "-" "Mozilla/5.0" rt=0.0{rng.randint(10, 60)}'))
    t = start
    while t < end:
        ledger.append((t, f'time="{_stamp(t)}" level=info msg="pool stats" open={rng.randint(8, 12)} in_use={rng.randint(1, 4)} idle={rng.randint(4, 9)}'))
        t += timedelta(seconds=10)
    burst = start + timedelta(minutes=2, seconds=17)
    while burst < end:
        for k in range(rng.randint(4, 9)):
            tb = burst + timedelta(seconds=k * 2 + rng.random())
            exporter.append((tb, py(tb, "ERROR", "exporter.s3", f"upload of report-{rng.randint(1000, 9999)}.csv failed: SlowDown: please reduce your request rate")))
        exporter.append((burst - timedelta(seconds=1), py(burst - timedelta(seconds=1), "INFO", "exporter.job", "export run started")))
        burst += timedelta(minutes=5)
    _write(out / "storefront.access.log", storefront, lambda t, line: line)
    _write(out / "payments.log", payments, lambda t, line: line)
    _write(out / "ledger.log", ledger, lambda t, line: line)
    _write(out / "report-exporter.log", exporter, lambda t, line: line)


def stuck_consumer(out: Path, seed: int = 23) -> None:
    """The fulfilment worker deadlocks: its job, database and cache lines stop while its GC and
    queue-stats lines go on (with the queue growing). The API logs the unacknowledged jobs; the
    mailer, downstream of the worker, only gets quieter. A search service restarts for a
    routine deploy two minutes before and is fine."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 25, 7, 30, 0, tzinfo=UTC)
    end, fault = start + timedelta(minutes=26), datetime(2026, 11, 25, 7, 47, 40, tzinfo=UTC)
    deploy = fault - timedelta(minutes=2, seconds=5)
    out.mkdir(parents=True, exist_ok=True)
    api, worker, mailer, search = [], [], [], []
    j = lambda t, level, msg, **kv: json.dumps({"ts": _stamp(t), "level": level, "msg": msg, **kv})  # noqa: E731
    java = lambda t, level, thread, cls, msg: f"{_log4j(t)} {level:<5s} [{thread}] {cls} - {msg}"  # noqa: E731
    backlog = 0
    for i, t in enumerate(_poisson(rng, start, end, 1.2)):
        job = 730000 + i
        api.append((t, j(t, "info", f"queued job {job} for fulfilment-worker", job=job)))
        if t < fault:
            t1 = t + timedelta(milliseconds=rng.randint(20, 200))
            thread = f"job-exec-{rng.randint(1, 8)}"
            worker.append((t1, java(t1, "INFO", thread, "c.acme.fulfil.OrderRepository", f"fetched order {job} from db in {rng.randint(2, 30)} ms")))
            worker.append((t1, java(t1, "DEBUG", thread, "c.acme.fulfil.ItemCache", f"cache {'hit' if rng.random() < 0.8 else 'miss'} for items of {job}")))
            t2 = t1 + timedelta(milliseconds=rng.randint(30, 300))
            worker.append((t2, java(t2, "INFO", thread, "c.acme.fulfil.JobRunner", f"processed job {job} in {rng.randint(50, 500)} ms")))
            t3 = t2 + timedelta(milliseconds=rng.randint(5, 60))
            mailer.append((t3, f"{t3.strftime('%Y-%m-%dT%H:%M:%S.%fZ')} INFO mailer: sent shipping notice for job {job}"))
        else:
            backlog += 1
            late = t + timedelta(seconds=30, milliseconds=rng.randint(0, 40))
            if late < end:
                api.append((late, j(late, "error", f"job {job} not acknowledged by fulfilment-worker after 30s, requeued", job=job)))
    t = start
    while t < end:
        depth = rng.randint(0, 4) if t < fault else backlog_at(t, fault)
        worker.append((t, java(t, "INFO", "stats-1", "c.acme.fulfil.QueueStats", f"queue depth={depth} consumers=8 busy={rng.randint(1, 5) if t < fault else 8}")))
        gc = t + timedelta(seconds=rng.uniform(1, 9))
        worker.append((gc, java(gc, "INFO", "gc", "jvm.gc", f"G1 Young Generation pause {rng.uniform(3, 14):.1f}ms heap {rng.randint(35, 60)}%")))
        if not deploy <= t < deploy + timedelta(seconds=25):
            search.append((t, f"{t.strftime('%Y-%m-%dT%H:%M:%S.%fZ')} INFO search: served {rng.randint(40, 90)} queries, p99 {rng.randint(20, 60)} ms"))
        t += timedelta(seconds=10)
    for k, text in enumerate(("SIGTERM received, shutting down", "search 4.12.1 starting", "loaded index products-v9 (412311 docs)", "listening on :9200")):
        tk = deploy + timedelta(seconds=(0 if k == 0 else 20 + k))
        search.append((tk, f"{tk.strftime('%Y-%m-%dT%H:%M:%S.%fZ')} {'WARN' if k == 0 else 'INFO'} search: {text}"))
    _write(out / "api.jsonl", api, lambda t, line: line)
    _write(out / "fulfilment-worker.log", worker, lambda t, line: line)
    _write(out / "mailer.log", mailer, lambda t, line: line)
    _write(out / "search.log", search, lambda t, line: line)


def backlog_at(t: datetime, fault: datetime) -> int:
    """Jobs waiting on the stuck worker: about one more every 1.2 s since it stuck."""
    return int((t - fault).total_seconds() / 1.2)


def _write(path: Path, rows: list, render) -> None:  # type: ignore[no-untyped-def]
    rows.sort(key=lambda r: r[0])
    path.write_text("".join(render(t, payload) + "\n" for t, payload in rows), encoding="utf-8")


if __name__ == "__main__":
    checkout_outage(HERE / "checkout-outage")
    quiet_worker(HERE / "quiet-worker")
    noisy_neighbour(HERE / "noisy-neighbour")
    merged_syslog(HERE / "merged-syslog.log")
    slow_ledger(HERE / "slow-ledger")
    stuck_consumer(HERE / "stuck-consumer")
