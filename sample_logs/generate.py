"""Write the sample_logs/ scenarios (deterministic: same seed, same bytes).

Usage: python sample_logs/generate.py

checkout-outage/: a shop where a payments deploy shrinks the database pool at 10:41:30;
payments exhausts the pool from 10:42:00, checkout times out calling it, the frontend returns
502s. Four services, four formats: nginx access log, log4j with stack traces, JSON lines,
logback. See checkout-outage/README.md for the true root cause.
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


def _write(path: Path, rows: list, render) -> None:  # type: ignore[no-untyped-def]
    rows.sort(key=lambda r: r[0])
    path.write_text("".join(render(t, payload) + "\n" for t, payload in rows), encoding="utf-8")


if __name__ == "__main__":
    checkout_outage(HERE / "checkout-outage")
