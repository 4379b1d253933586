"""A realistic, randomised corpus of multi-service incidents for developing and measuring `rca analyze`.

Usage: python bench/incidents.py --seed N --out DIR [--n 40] [--jobs 2] [--only I ...]

Each seed gives N incidents (40 by default), byte-identical for the same seed and N (the fault kinds
are spread over the N cases). Seed 1 is the development seed; other seeds are report seeds that
nobody inspects case by case. Standard library and numpy only.

Every incident is a folder ``DIR/<case_id>/`` with ``logs/`` (what rca reads) and ``truth.json``;
``DIR/manifest.json`` lists the cases.

What an incident contains
-------------------------
- 20-60 minutes of logs, 20k-150k lines (median about 40k), the fault starting 35-75 % of the way in.
- A random topology of 4-12 services named from a large vocabulary with random naming styles
  (``ledger``, ``ledger-svc``, ``ts-ledger-service``, ...): one or two entry services (``gateway``,
  ``edge``, ``bff``, ``storefront`` or an ordinary name), a call DAG of depth 2-5 and fan-out 1-4,
  shared dependencies used by many (a db proxy, a cache, auth, config, ...), and possibly batch
  workers, cron jobs and queue consumers that nobody calls (some of them call services).
- Runtimes with their own log layouts and wording: Java (logback, Spring Boot, log4j, with stack
  traces and MDC trace ids), Go (zap JSON, logrus text), Python (logging, Flask, gunicorn,
  python-json-logger, with tracebacks), Node (pino, bunyan, winston JSON) and nginx (access and
  error logs) for some entry services. Only layouts that rca reads today are used (``LAYOUTS``).
- Callers name callees in varied ways: service names in URLs, cluster FQDNs, bare cluster IPs,
  pod names, client class names, or not at all; some callers swallow errors silently.
- File layouts: one file per service (sometimes one per replica), one merged file (a collector's
  JSON export with a ``service`` key, or ``<ISO>Z <pod> <line>`` shipper prefixes), or a mix.
  Some services' clocks are skewed by up to +-3 s.
- Traffic that drifts (ramps, a peak, a random walk, short bursts); requests walk the call DAG with
  trace / request ids in some services' lines; external clients retry failed requests (retry
  storms) and give up after a client timeout (nginx logs 499).
- A normal background: heartbeats, kubelet probes, GC / heap / pool statistics, steady WARN
  chatter, everyday background errors; production log thresholds (most services at INFO, some at
  DEBUG, some quiet ones at WARN that log almost nothing until something goes wrong).

Fault kinds (one root service per incident; kinds spread evenly over the cases of a seed)
-----------------------------------------------------------------------------------------
``exception`` (a bug: new error templates with stack traces, after a deploy that may pause on a
canary pod, or ramping in with a data change), ``latency`` (the root slows down x8-x40, in seconds
or over minutes, sometimes on one pod only, never an ERROR in the root), ``hang`` (a deadlock:
request handling, heartbeats, probes, DB and cache lines stop; GC and stats go on), ``crash_loop``
(OOM error, fatal error or a silent OOM kill, then a restart banner, again with growing back-off),
``sudden_death`` (one FATAL/panic line, then silence), ``dns`` (callers cannot resolve the root's
name; callers that use its IP are fine), ``cert_expiry`` (the root's serving certificate expired),
``disk_full`` (``No space left on device`` in the root; sometimes the full disk also holds its log
file, so its lines stop), ``pool_exhaustion`` (the root's DB pool runs dry: ``waiting=N`` grows,
pool timeouts), ``bad_config`` (a rolling restart with a new version, then a bad value, a wrong
endpoint or a tiny timeout), ``rate_limit`` (the root answers 429), ``memory_leak`` (heap climbs
over minutes, GC pauses grow, then OOM and restart), ``network_delay`` (the root's packets wait
50 ms-2 s, as a chaos tool's netem delay does: its answers and its own calls come late, its own work
and lines are unchanged; only when lines come, and callers' durations and timeouts, show it),
``cpu_contention`` (seeds 16 on: the root's work takes 1.5-4x as long, often
on one pod only, with no slow-warning line: only the durations it and its callers log, and when
its lines come, show it).
Services log their own failures at ERROR,
WARN or even INFO, as real code does. The root may be a leaf, a middle tier, a shared dependency
or, rarely, an entry service; one path from an entry to the root always carries real traffic.
Effects propagate realistically: timeouts after 1-30 s, retries that multiply errors upward,
circuit breakers, graceful fallbacks, thread-pool saturation warnings in callers, and an entry
service that logs every failed request.

Secondary effects (recorded in truth as ``secondary_effects``): callers restarted by failing
readiness/liveness probes (``probe_restart``) and pods added by an autoscaler (``scale_up``):
restarts and startup banners in services that are not the root.

Red herrings (1-3 per incident, listed in truth)
------------------------------------------------
``cron_errors`` (a batch job with ERROR bursts before and after the fault), ``benign_deploy`` (an
unrelated service restarts within +-3 min of the fault, sometimes with a new log line),
``warn_chatter``, ``background_errors``, ``traffic_burst`` (unrelated), ``noisy_errors`` (an error
rate that swings a lot), ``unrelated_bug`` (a bystander starts throwing a new exception at a low
rate within +-5 min of the fault).

truth.json
----------
``case_id``, ``seed``, ``root_service``, ``fault_kind``, ``fault_start`` (true UTC time),
``root_first_anomalous`` (the timestamp rca reads for the root's first record that departs from
its normal: its first new / error / slow / restart line, or, for faults where it goes quiet (hang,
dns, an OOM kill, an unlogged certificate failure), its last normal request line before the fault;
``root_first_anomalous_basis`` says which, ``root_first_anomalous_line`` quotes it; null with basis
``none`` when the root wrote nothing usable), ``services``, ``entry_services``, ``workers``,
``call_edges``, ``layout`` (per-service / merged / mixed), ``merged_style``, ``runtimes``,
``log_layouts``, ``file_modes``, ``log_thresholds``, ``clock_skew_s``, ``root_role``,
``fault`` (the kind's parameters), ``red_herrings``, ``secondary_effects``, ``client_retry``,
``client_timeout_s``, ``lines``, ``files``, ``records_per_file`` (records rca should read per
file: lines minus stack-trace continuation lines), ``stack_traces_omitted``. The logged time of a
record is its own header's time (skew included), except in shipper-prefixed files, where rca reads
the shipper's prefix. Service names are the names rca derives (file stem, pod workload, or a JSON
``service`` key).
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import math
import random
import re
import shutil
import sys
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

DOMAIN_WORDS: tuple[str, ...] = (
    "ledger", "billing", "catalog", "inventory", "session", "search", "pricing", "shipping", "notify",
    "recommender", "media", "geo", "quota", "payments", "orders", "cart", "checkout", "accounts",
    "profile", "users", "identity", "wallet", "invoice", "tax", "fraud", "risk", "loyalty", "coupon",
    "promo", "reviews", "rating", "content", "cms", "assets", "thumbnail", "upload", "storage", "files",
    "reporting", "analytics", "events", "audit", "compliance", "kyc", "onboarding", "subscription",
    "entitlement", "license", "fulfillment", "warehouse", "routing", "dispatch", "tracking", "delivery",
    "returns", "refund", "settlement", "clearing", "fx", "quote", "booking", "reservation", "seat",
    "ticket", "travel", "hotel", "flight", "menu", "kitchen", "courier", "chat", "messaging", "email",
    "sms", "push", "feed", "timeline", "social", "graph", "friends", "ads", "bidding", "campaign",
    "experiment", "product", "variant", "bundle", "wishlist", "address", "contacts", "consent",
    "preferences", "translation", "currency", "stock", "availability", "price-engine", "order-history",
    "payment-gateway", "basket", "offers", "merchant", "store", "partner", "vendor", "supplier",
)  # fmt: skip
SHARED_WORDS: tuple[tuple[str, str], ...] = (
    ("db-proxy", "db"), ("pgbouncer", "db"), ("mysql-router", "db"), ("dbgate", "db"),
    ("cache", "cache"), ("redis-proxy", "cache"), ("memcache", "cache"), ("session-store", "cache"),
    ("auth", "auth"), ("authz", "auth"), ("token", "auth"), ("iam", "auth"), ("sso", "auth"),
    ("config", "config"), ("feature-flags", "config"), ("flagd", "config"), ("secrets", "config"),
    ("kv", "cache"), ("idgen", "generic"), ("rate-limiter", "generic"), ("object-store", "generic"),
)  # fmt: skip
ENTRY_WORDS: tuple[str, ...] = (
    "gateway", "frontend", "nginx", "edge", "web", "bff", "storefront", "api", "ingress", "portal",
    "public-api", "mobile-bff", "webapp", "api-gateway", "proxy", "front", "site", "shop", "app",
)  # fmt: skip
WORKER_WORDS: tuple[str, ...] = (
    "reconciler", "exporter", "cron", "outbox-relay", "mailer", "indexer", "etl", "batch", "cleanup",
    "scheduler", "sync", "digest", "archiver", "backfill", "consumer", "ingest", "worker", "janitor",
)  # fmt: skip
NAME_STYLES: tuple[str, ...] = ("plain", "plain", "svc", "service", "api", "ts", "server", "mixed")

FAULT_KINDS: tuple[str, ...] = (
    "exception", "latency", "hang", "crash_loop", "sudden_death", "dns", "cert_expiry", "disk_full",
    "pool_exhaustion", "bad_config", "rate_limit", "memory_leak", "network_delay", "cpu_contention",
)  # fmt: skip
RED_HERRINGS: tuple[str, ...] = (
    "cron_errors", "benign_deploy", "warn_chatter", "background_errors", "traffic_burst", "noisy_errors", "unrelated_bug",
)  # fmt: skip

# Layouts per runtime: only those rca reads today (timestamps, levels, one record per line except
# stack traces). Checked with `rca parse FILE --output jsonl` and `rca templates FILE`.
LAYOUTS: dict[str, tuple[tuple[str, float], ...]] = {
    "java": (("logback", 0.45), ("springboot", 0.40), ("log4j", 0.15)),
    "go": (("zap", 0.45), ("zap-iso", 0.20), ("logrus", 0.35)),
    "python": (("pylog", 0.45), ("pylog-bracket", 0.20), ("flask", 0.15), ("gunicorn", 0.10), ("pyjson", 0.10)),
    "node": (("pino", 0.50), ("bunyan", 0.20), ("winston", 0.30)),
    "nginx": (("nginx", 1.0),),
}
# Inner layouts that may share one shipper-prefixed merged file (a date-first header each).
PREFIX_SAFE = ("logback", "springboot", "log4j", "pylog", "pylog-bracket")
JSON_LAYOUTS = ("zap", "zap-iso", "pino", "bunyan", "winston", "pyjson")

POD_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_POD_SUFFIX = re.compile(r"-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$")
_DAEMON_SUFFIX = re.compile(r"-[bcdfghjklmnpqrstvwxz2456789]{5}$")
HTTP_REASON = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 404: "Not Found",
               409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests",
               500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
               504: "Gateway Timeout", 507: "Insufficient Storage"}  # fmt: skip
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "okhttp/4.12.0", "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 7 Build/UQ1A.231205.015)",
    "python-requests/2.31.0", "curl/8.4.0", "ShopApp/5.12.1 (iOS 17.1; iPhone14,5)",
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def case_seed(seed: int, index: int) -> int:
    """A stable 64-bit seed for one case of one corpus seed."""
    digest = hashlib.sha256(f"rca-incidents:{seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def camel(name: str) -> str:
    """``price-engine`` -> ``PriceEngine``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", name) if part)


def ident(name: str) -> str:
    """``price-engine`` -> ``price_engine`` (a Python module / Go package name)."""
    return name.replace("-", "_")


def plural(word: str) -> str:
    return word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"


def hexid(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def uuid4(rng: random.Random) -> str:
    h = hexid(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def pod_hash(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(POD_ALPHABET) for _ in range(n))


def lognormal_ms(rng: random.Random, median: float, sigma: float = 0.6) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def weighted(rng: random.Random, options: tuple[tuple[str, float], ...] | list[tuple[str, float]]) -> str:
    total = sum(w for _, w in options)
    x = rng.random() * total
    for name, w in options:
        x -= w
        if x <= 0:
            return name
    return options[-1][0]


def safe_name(name: str) -> bool:
    """A name that rca's pod-suffix stripping leaves alone and that has no dot."""
    return "." not in name and not (_POD_SUFFIX.search(name) or _DAEMON_SUFFIX.search(name) or re.search(r"-\d+$", name))


# --------------------------------------------------------------------------------------------
# Topology
# --------------------------------------------------------------------------------------------


@dataclass
class Edge:
    """One caller -> callee dependency and how the caller talks to (and names) the callee."""

    caller: str
    callee: str
    prob: float  # chance that a visit of the caller calls the callee
    naming: str  # url-name | url-fqdn | ip | pod | host | client | none
    timeout: float  # seconds
    retries: int
    backoff: float  # seconds before the first retry
    breaker: bool
    fallback: bool
    path: str
    method: str
    tls: bool = False
    silent: bool = False  # the caller logs nothing when the call fails


@dataclass
class Service:
    """One service: its role, runtime, log layout, addresses and logging habits."""

    name: str
    base: str  # the vocabulary word
    role: str  # entry | mid | leaf | shared | worker
    kind: str  # app | db | cache | auth | config | generic | proxy | batch | consumer
    runtime: str = "java"
    layout: str = "logback"
    ip: str = "10.0.0.1"
    port: int = 8080
    pods: list[str] = field(default_factory=list)
    skew: float = 0.0
    debug: float = 0.0  # DEBUG lines per request visit
    log_inbound: float = 1.0  # share of handled requests logged
    traces: str = "none"  # none | field | msg | mdc
    version: str = "1.0.0"
    pkg: str = "com.example"
    endpoints: list[tuple[str, str]] = field(default_factory=list)
    heartbeat: float = 0.0  # seconds between heartbeats (0: none)
    stats_every: float = 30.0
    heap_base: float = 45.0
    warn_rate: float = 0.0  # steady WARN chatter per minute
    bg_error_rate: float = 0.0  # everyday background errors per minute
    mentions_ip: bool = True
    min_level: str = "DEBUG"  # the logger threshold in production: DEBUG, INFO or WARN
    capacity: int = 10**9  # requests it can work on at once (threads / sync workers over all pods)
    worker_timeout: float = 0.0  # gunicorn kills a worker stuck longer than this (0: no such thing)


@dataclass
class Topology:
    services: dict[str, Service]
    entries: list[str]
    workers: list[str]
    edges: list[Edge]

    def out_edges(self, name: str) -> list[Edge]:
        return [e for e in self.edges if e.caller == name]

    def in_edges(self, name: str) -> list[Edge]:
        return [e for e in self.edges if e.callee == name]

    def ancestors(self, name: str) -> set[str]:
        seen: set[str] = set()
        todo = [name]
        while todo:
            for e in self.in_edges(todo.pop()):
                if e.caller not in seen:
                    seen.add(e.caller)
                    todo.append(e.caller)
        return seen


def decorate(rng: random.Random, word: str, style: str) -> str:
    if style == "mixed":
        style = rng.choice(("plain", "plain", "plain", "svc", "service", "api"))
    return {
        "plain": word,
        "svc": f"{word}-svc",
        "service": f"{word}-service",
        "api": f"{word}-api",
        "ts": f"ts-{word}-service",
        "server": f"{word}-server",
    }[style]


class NamePool:
    """Unique, rca-safe service names for one case."""

    def __init__(self, rng: random.Random, style: str) -> None:
        self.rng, self.style, self.used = rng, style, set()

    def take(self, words: tuple[str, ...], decorate_it: bool = True) -> tuple[str, str]:
        for _ in range(200):
            word = self.rng.choice(words)
            name = decorate(self.rng, word, self.style) if decorate_it else word
            if name not in self.used and word not in {n.split("-")[0] for n in self.used} and safe_name(name):
                self.used.add(name)
                return name, word
        raise RuntimeError("name pool exhausted")


def build_topology(rng: random.Random, n_services: int) -> Topology:
    """A random call DAG: entries on top, tiers below, shared deps at the bottom, optional workers."""
    style = rng.choice(NAME_STYLES)
    names = NamePool(rng, style)
    services: dict[str, Service] = {}
    n_entry = 2 if (n_services >= 7 and rng.random() < 0.3) else 1
    n_workers = rng.choice((0, 0, 1, 1, 2)) if n_services >= 6 else rng.choice((0, 1))
    n_shared = 0 if n_services < 5 else rng.choice((1, 1, 2)) if n_services < 9 else rng.choice((1, 2, 2, 3))
    n_app = max(2, n_services - n_entry - n_workers - n_shared)
    entries = []
    for _ in range(n_entry):
        if rng.random() < 0.75:
            name, word = names.take(ENTRY_WORDS, decorate_it=rng.random() < 0.2)
        else:
            name, word = names.take(DOMAIN_WORDS)
        services[name] = Service(name, word, "entry", "proxy" if word in ("nginx", "proxy", "ingress", "edge") else "app")
        entries.append(name)
    depth = min(rng.randint(2, 5), n_app + 1)
    tiers: list[list[str]] = [list(entries)] + [[] for _ in range(depth - 1)]
    for i in range(n_app):
        name, word = names.take(DOMAIN_WORDS)
        tier = 1 + (i % (depth - 1)) if i < depth - 1 else rng.randint(1, depth - 1)
        services[name] = Service(name, word, "mid", "app")
        tiers[tier].append(name)
    shared = []
    for _ in range(n_shared):
        word, kind = rng.choice(SHARED_WORDS)
        if any(s.base == word for s in services.values()):
            continue
        name = decorate(rng, word, style) if rng.random() < 0.5 else word
        if name in services or not safe_name(name):
            continue
        names.used.add(name)
        services[name] = Service(name, word, "shared", kind)
        shared.append(name)
    edges = wire_edges(rng, services, tiers, shared)
    workers = []
    for _ in range(n_workers):
        base = rng.choice(DOMAIN_WORDS)
        name = f"{base}-{rng.choice(WORKER_WORDS)}"
        if name in services or not safe_name(name):
            continue
        services[name] = Service(name, base, "worker", rng.choice(("batch", "batch", "consumer")))
        workers.append(name)
        callees = [n for n, s in services.items() if s.role in ("mid", "shared")]
        for callee in rng.sample(callees, k=min(len(callees), rng.choice((0, 1, 1, 2)))):
            edges.append(make_edge(rng, name, callee, services))
    for name, svc in services.items():
        if svc.role == "mid" and not any(e.caller == name for e in edges):
            svc.role = "leaf"
    return Topology(services, entries, workers, edges)


def wire_edges(rng: random.Random, services: dict[str, Service], tiers: list[list[str]], shared: list[str]) -> list[Edge]:
    """Each tier's services call 1-4 services of lower tiers; every non-entry service gets a caller."""
    tiers = [t for t in tiers if t]
    edges: list[Edge] = []
    pairs: set[tuple[str, str]] = set()

    def add(a: str, b: str) -> None:
        if (a, b) not in pairs and a != b:
            pairs.add((a, b))
            edges.append(make_edge(rng, a, b, services))

    for depth, tier in enumerate(tiers[:-1]):
        below = tiers[depth + 1]
        deeper = [n for t in tiers[depth + 1 :] for n in t]
        for caller in tier:
            fan = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
            for callee in rng.sample(below, k=min(len(below), max(1, fan - 1))):
                add(caller, callee)
            if fan > 1 and rng.random() < 0.5:
                add(caller, rng.choice(deeper))
    for depth, tier in enumerate(tiers[1:], start=1):
        for callee in tier:
            if not any(b == callee for _, b in pairs):
                add(rng.choice(tiers[depth - 1]), callee)
    callers = [n for t in tiers for n in t]
    for name in shared:
        k = min(len(callers), rng.randint(2, max(2, len(callers) // 2 + 1)))
        for caller in rng.sample(callers, k=k):
            add(caller, name)
    return edges


def make_edge(rng: random.Random, caller: str, callee: str, services: dict[str, Service]) -> Edge:
    naming = weighted(rng, (("url-name", 0.28), ("url-fqdn", 0.12), ("ip", 0.14), ("pod", 0.06),
                            ("host", 0.12), ("client", 0.16), ("none", 0.12)))  # fmt: skip
    base = services[callee].base
    res = base.split("-")[0]
    if services[caller].role == "entry":
        path = rng.choice((f"/api/{res}", f"/api/v1/{res}", f"/{res}", f"/v1/{res}"))
    else:
        path = rng.choice((f"/v1/{res}", f"/api/{res}", f"/internal/{res}", f"/v2/{res}", f"/{res}"))
    path += rng.choice(("/{id}", "/{id}", "", "/search", "/{id}/status", "/batch"))
    return Edge(
        caller=caller,
        callee=callee,
        prob=rng.choice((1.0, 1.0, 0.9, 0.7, 0.5, 0.35)),
        naming=naming,
        timeout=rng.choice((1.0, 2.0, 3.0, 5.0, 5.0, 10.0, 10.0, 15.0, 30.0)),
        retries=rng.choice((0, 0, 1, 1, 2, 3)),
        backoff=rng.choice((0.05, 0.1, 0.2, 0.5, 1.0)),
        breaker=rng.random() < 0.35,
        fallback=rng.random() < 0.2,
        path=path,
        method=rng.choice(("GET", "GET", "GET", "POST", "PUT")),
        tls=rng.random() < 0.3,
        silent=rng.random() < 0.1,
    )


# --------------------------------------------------------------------------------------------
# Wording: what each runtime family writes for each event
# --------------------------------------------------------------------------------------------
# No message starts with a level word ("Error: ...", "fatal error: ...", "panic: ..."): in a JSON
# file dominated by such messages rca reads the messages as nested "level-first" lines and folds the
# other records into their bodies, so the real runtime text goes into a field instead.
# A variant is (logger, message, stack kind, fields). ``logger`` and ``message`` are format strings
# over the event's context; ``fields`` (JSON/logfmt layouts) map keys to format strings, with an
# ``i:`` / ``f:`` prefix for numbers. Each service picks one variant per event, once.

Variant = tuple[str, str, "str | None", "dict[str, str] | None"]

JAVA: dict[str, list[Variant]] = {
    "inbound": [
        ("{pkg}.web.filter.AccessLogFilter", "{method} {path} {status} {ms:.0f}ms{tmsg}", None, None),
        ("{pkg}.web.{Cls}Controller", "Completed {status} {reason} for {method} {path} in {ms:.0f} ms{tmsg}", None, None),
        ("o.s.web.servlet.DispatcherServlet", "Completed {status} {reason}, {method} \"{path}\" took {ms:.1f}ms{tmsg}", None, None),
        ("{pkg}.web.RequestLoggingInterceptor", "request method={method} uri={path} status={status} duration_ms={ms:.0f}{tmsg}", None, None),
    ],
    "inbound_start": [
        ("{pkg}.web.{Cls}Controller", "Received {method} {path}{tmsg}", None, None),
        ("o.s.web.servlet.DispatcherServlet", "{method} \"{path}\", parameters={{}}{tmsg}", None, None),
    ],
    "call_ok": [
        ("{clog}", "{method} {url} -> 200 in {ms:.0f} ms", None, None),
        ("{clog}", "Response from {ref}: 200 OK ({ms:.0f} ms)", None, None),
        ("o.s.web.client.RestTemplate", "HTTP {method} {url}", None, None),
    ],
    "call_slow": [
        ("{clog}", "Slow response from {ref}: {ms:.0f} ms (threshold {slow_ms} ms)", None, None),
        ("{clog}", "{method} {url} took {ms:.0f} ms", None, None),
    ],
    "call_timeout": [
        ("{clog}", "I/O error on {method} request for \"{url}\": Read timed out; nested exception is java.net.SocketTimeoutException: Read timed out", "j-timeout", None),
        ("{clog}", "Call to {ref} failed after {elapsed_ms:.0f} ms: java.net.SocketTimeoutException: timeout", "j-timeout", None),
        ("{clog}", "Read timed out executing {method} {url}", "j-feign-timeout", None),
    ],
    "call_timeout@anon": [
        ("{clog}", "Remote call failed: java.net.SocketTimeoutException: Read timed out", "j-timeout", None),
        ("{clog}", "request failed after {elapsed_ms:.0f} ms: timeout", "j-timeout", None),
    ],
    "call_refused": [
        ("{clog}", "I/O error on {method} request for \"{url}\": Connection refused; nested exception is java.net.ConnectException: Connection refused", "j-refused", None),
        ("{clog}", "Failed to connect to {host}/{cip}:{cport}", "j-refused-okhttp", None),
        ("{clog}", "Connection refused: {host}/{cip}:{cport}", "j-refused", None),
    ],
    "call_refused@anon": [
        ("{clog}", "Remote call failed: java.net.ConnectException: Connection refused", "j-refused", None),
    ],
    "call_5xx": [
        ("{clog}", "{status} {reason} from {method} {url}", "j-http5xx", None),
        ("{clog}", "Call to {ref} returned HTTP {status}", None, None),
        ("{clog}", "[{Callee}Client#{op}] failed: status {status} reading {Callee}Client#{op}(String)", "j-feign5xx", None),
    ],
    "call_5xx@anon": [
        ("{clog}", "Upstream responded with {status} {reason}", "j-http5xx", None),
        ("{clog}", "Remote call failed with status {status}", None, None),
    ],
    "call_429": [
        ("{clog}", "429 Too Many Requests from {method} {url}", "j-http4xx", None),
        ("{clog}", "{ref} is throttling us (HTTP 429), retry-after={retry_after}s", None, None),
    ],
    "call_429@anon": [("{clog}", "Upstream responded with 429 Too Many Requests", None, None)],
    "call_dns": [
        ("{clog}", "I/O error on {method} request for \"{url}\": {host}; nested exception is java.net.UnknownHostException: {host}", "j-dns", None),
        ("{clog}", "java.net.UnknownHostException: {host}: Name or service not known", "j-dns", None),
    ],
    "call_dns@anon": [("{clog}", "Remote call failed: java.net.UnknownHostException: Name or service not known", "j-dns", None)],
    "call_tls": [
        ("{clog}", "I/O error on {method} request for \"{url}\": PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed; nested exception is javax.net.ssl.SSLHandshakeException: PKIX path validation failed", "j-tls", None),
        ("{clog}", "SSL handshake with {host}:{cport} failed: NotAfter: {not_after}", "j-tls", None),
    ],
    "call_tls@anon": [("{clog}", "Remote call failed: javax.net.ssl.SSLHandshakeException: PKIX path validation failed", "j-tls", None)],
    "call_unavailable": [
        ("{clog}", "503 Service Unavailable from {method} {url}: \"no healthy upstream\"", "j-http5xx", None),
        ("{clog}", "Call to {ref} returned HTTP 503 (upstream connect error or disconnect/reset before headers)", None, None),
    ],
    "call_unavailable@anon": [("{clog}", "Upstream responded with 503 Service Unavailable", None, None)],
    "retry": [
        ("io.github.resilience4j.retry.internal.RetryImpl", "Retry '{callee}' attempt {attempt} of {max} after {backoff_ms:.0f} ms", None, None),
        ("{clog}", "Retrying {method} {path} (attempt {attempt}/{max}) in {backoff_ms:.0f}ms: {err_short}", None, None),
        ("o.s.retry.support.RetryTemplate", "Retry: count={attempt}", None, None),
    ],
    "breaker_open": [
        ("i.g.r.c.i.CircuitBreakerStateMachine", "CircuitBreaker '{callee}' changed state from CLOSED to OPEN", None, None),
        ("{pkg}.resilience.BreakerListener", "circuit breaker OPEN for {callee} (failure rate {fail_pct:.1f}%)", None, None),
    ],
    "breaker_reject": [
        ("{clog}", "CallNotPermittedException: CircuitBreaker '{callee}' is OPEN and does not permit further calls", "j-breaker", None),
        ("{clog}", "Short-circuited call to {callee}: breaker open", None, None),
    ],
    "breaker_half": [
        ("i.g.r.c.i.CircuitBreakerStateMachine", "CircuitBreaker '{callee}' changed state from OPEN to HALF_OPEN", None, None),
        ("{pkg}.resilience.BreakerListener", "circuit breaker HALF_OPEN for {callee}", None, None),
    ],
    "breaker_closed": [
        ("i.g.r.c.i.CircuitBreakerStateMachine", "CircuitBreaker '{callee}' changed state from HALF_OPEN to CLOSED", None, None),
        ("{pkg}.resilience.BreakerListener", "circuit breaker CLOSED for {callee}", None, None),
    ],
    "fallback": [
        ("{pkg}.service.{Cls}Service", "Falling back to {what} for {op}: {err_short}", None, None),
        ("{clog}", "{callee} unavailable, serving {what}", None, None),
    ],
    "db_query": [
        ("{pkg}.repository.{Entity}Repository", "Fetched {rows} {table} rows in {ms:.1f} ms", None, None),
        ("org.hibernate.SQL", "select {alias}.id, {alias}.status, {alias}.updated_at from {table} {alias} where {alias}.id=?", None, None),
        ("{pkg}.repository.{Entity}Repository", "query {op} took {ms:.1f}ms rows={rows}", None, None),
    ],
    "db_slow": [
        ("{pkg}.repository.{Entity}Repository", "Slow query ({ms:.0f} ms): select * from {table} where account_id = ? order by created_at desc limit 50", None, None),
        ("o.h.engine.internal.StatisticsImpl", "SlowQuery: {ms:.0f} milliseconds. SQL: 'select {alias}.id from {table} {alias} where {alias}.status=?'", None, None),
    ],
    "cache": [
        ("{pkg}.cache.{Entity}Cache", "cache {hit} for key {key}", None, None),
        ("o.s.cache.interceptor.CacheAspectSupport", "Cache entry for key '{key}' {found} in cache(s) [{table}]", None, None),
    ],
    "cache_slow": [("{pkg}.cache.{Entity}Cache", "Redis command GET took {ms:.0f} ms (key {key})", None, None)],
    "heartbeat": [
        ("{pkg}.health.HeartbeatReporter", "heartbeat ok instance={pod} uptime={uptime}s", None, None),
        ("o.s.b.a.health.HealthEndpointSupport", "Health check: UP (db: UP, diskSpace: UP, ping: UP)", None, None),
        ("c.n.d.DiscoveryClient", "DiscoveryClient_{NAME}/{ip}:{name}:{port} - Heartbeat status: 200", None, None),
    ],
    "gc": [
        ("jvm.gc", "GC pause (G1 Evacuation Pause) (young) {before}M->{after}M({max}M) {pause_ms:.3f}ms", None, None),
        ("{pkg}.metrics.JvmMetricsLogger", "gc name=\"G1 Young Generation\" pause={pause_ms:.1f}ms heap_used={pct:.0f}%", None, None),
    ],
    "gc_full": [("jvm.gc", "Pause Full (G1 Compaction Pause) {before}M->{after}M({max}M) {pause_ms:.3f}ms", None, None)],
    "pool_stats": [
        ("com.zaxxer.hikari.pool.HikariPool", "HikariPool-1 - Pool stats (total={total}, active={active}, idle={idle}, waiting={waiting})", None, None),
        ("{pkg}.metrics.PoolMetricsLogger", "pool stats active={active} idle={idle} waiting={waiting}", None, None),
    ],
    "heap": [
        ("{pkg}.metrics.JvmMetricsLogger", "heap used {pct:.0f}% ({used}M of {max}M), threads={threads}", None, None),
        ("{pkg}.metrics.RuntimeStats", "jvm.memory.used={used}MB jvm.memory.max={max}MB heap={pct:.0f}%", None, None),
    ],
    "heap_warn": [
        ("{pkg}.metrics.JvmMetricsLogger", "heap usage high: {pct:.0f}% ({used}M of {max}M) after GC", None, None),
        ("jvm.gc", "GC overhead high: {pause_ms:.0f}ms paused in the last 10s, old gen {pct:.0f}% full", None, None),
    ],
    "queue_depth": [
        ("{pkg}.consumer.{Cls}Consumer", "consumer lag topic={topic} partition={partition} lag={lag} queue depth {depth}", None, None),
        ("o.a.k.c.c.internals.ConsumerCoordinator", "[Consumer clientId={name}-1, groupId={name}] Committed offset {offset} for partition {topic}-{partition}", None, None),
    ],
    "consumed": [("{pkg}.consumer.{Cls}Consumer", "processed {n} records from {topic} in {ms:.0f} ms", None, None)],
    "oom": [
        ("o.a.c.c.C.[.[.[/].[dispatcherServlet]", "Servlet.service() for servlet [dispatcherServlet] threw exception", "j-oom", None),
        ("{pkg}.{Cls}Application", "Uncaught exception in thread \"{thread}\"", "j-oom", None),
    ],
    "oom_exit": [("jvm", "Terminating due to java.lang.OutOfMemoryError: Java heap space", None, None)],
    "fatal": [
        ("{pkg}.{Cls}Application", "Unrecoverable error, shutting down: {fatal_reason}", "j-fatal", None),
        ("o.s.boot.SpringApplication", "Application run failed", "j-fatal", None),
    ],
    "bug": [
        ("o.a.c.c.C.[.[.[/].[dispatcherServlet]", "Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception [Request processing failed: {exc}: {exc_msg}] with root cause", "j-bug", None),
        ("{pkg}.web.GlobalExceptionHandler", "Unhandled exception on {method} {path}: {exc}: {exc_msg}", "j-bug", None),
        ("{pkg}.service.{Cls}Service", "Failed to {op} {entity} {oid}", "j-bug", None),
    ],
    "disk_full": [
        ("{pkg}.storage.{Entity}Writer", "Failed to write {file}: No space left on device", "j-disk", None),
        ("ch.qos.logback.core.FileAppender", "IO failure in appender: java.io.IOException: No space left on device", "j-disk", None),
    ],
    "disk_warn": [("o.s.b.a.system.DiskSpaceHealthIndicator", "Free disk space below threshold. Available: {free} bytes (threshold: 10485760 bytes)", None, None)],
    "pool_timeout": [
        ("{pkg}.repository.{Entity}Repository", "Could not open JDBC Connection for transaction; nested exception is java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after {timeout_ms}ms.", "j-pool", None),
        ("o.h.engine.jdbc.spi.SqlExceptionHelper", "HikariPool-1 - Connection is not available, request timed out after {timeout_ms}ms.", "j-pool", None),
    ],
    "rate_limited": [
        ("{pkg}.web.RateLimitFilter", "Rate limit exceeded for client {client} ({limit} req/s), rejecting {method} {path} with 429", None, None),
        ("i.g.r.ratelimiter.internal.AtomicRateLimiter", "RequestNotPermitted: RateLimiter '{name}-api' does not permit further calls", None, None),
    ],
    "tls_handshake": [("o.a.tomcat.util.net.NioEndpoint", "SSL handshake with {peer} failed: Received fatal alert: certificate_expired", None, None)],
    "config_error": [
        ("{pkg}.config.{Cls}Properties", "Invalid value for {cfg_key}: '{cfg_val}', using it anyway", None, None),
        ("{pkg}.service.{Cls}Service", "{op} failed: {cfg_problem}", "j-config", None),
    ],
    "deprecation": [
        ("o.s.b.a.orm.jpa.JpaBaseConfiguration$JpaWebConfiguration", "spring.jpa.open-in-view is enabled by default. Therefore, database queries may be performed during view rendering.", None, None),
        ("{pkg}.web.LegacyApiInterceptor", "Deprecated endpoint {path} called by {client}; it will be removed in v{next_major}", None, None),
        ("o.a.k.clients.NetworkClient", "[Producer clientId={name}-producer] Connection to node 2 (kafka-2.kafka-headless/{kip}:9092) could not be established. Broker may not be available.", None, None),
        ("{pkg}.service.{Cls}Service", "Slow but OK: {op} took {ms:.0f} ms", None, None),
        ("c.n.d.s.t.d.RedirectingEurekaHttpClient", "Request execution error. endpoint=DefaultEndpoint{{ serviceUrl='http://eureka:8761/eureka/'}}", None, None),
    ],
    "bg_error": [
        ("{pkg}.integration.{Partner}Client", "{partner_host} returned 502 Bad Gateway for GET /v3/rates, will use cached value", None, None),
        ("{pkg}.web.GlobalExceptionHandler", "Validation failed for argument [0] in public {Cls}Response {pkg}.web.{Cls}Controller.{op}({Cls}Request): field '{field}' rejected value [{bad}]", None, None),
        ("{pkg}.web.GlobalExceptionHandler", "Resolved [org.springframework.web.servlet.resource.NoResourceFoundException: No static resource {junk}.]", None, None),
        ("{pkg}.integration.{Partner}Client", "Webhook delivery to {partner_host} failed: java.net.SocketTimeoutException: connect timed out", "j-timeout", None),
    ],
    "job_start": [("{pkg}.jobs.{Job}Job", "Starting job {job} run {run_id}", None, None)],
    "job_done": [("{pkg}.jobs.{Job}Job", "Job {job} run {run_id} finished: {n} items in {secs:.1f}s", None, None)],
    "job_error": [
        ("{pkg}.jobs.{Job}Job", "Job {job} failed for batch {batch}: {job_err}", "j-job", None),
        ("{pkg}.jobs.{Job}Job", "Skipping record {oid}: {job_err}", None, None),
    ],
    "debug": [
        ("{pkg}.web.filter.RequestHeadersFilter", "headers: x-request-id={rid}, user-agent={ua_short}, accept=application/json", None, None),
        ("o.s.orm.jpa.JpaTransactionManager", "Creating new transaction with name [{pkg}.service.{Cls}Service.{op}]: PROPAGATION_REQUIRED,ISOLATION_DEFAULT", None, None),
        ("{pkg}.service.{Cls}Service", "Resolved {entity} {oid} (version {ver})", None, None),
        ("o.s.web.servlet.mvc.method.annotation.HttpEntityMethodProcessor", "Using 'application/json', given [*/*] and supported [application/json]", None, None),
    ],
}

GO: dict[str, list[Variant]] = {
    "inbound": [
        ("{gmod}/http/middleware.go:{ln}", "request handled", None, {"method": "{method}", "path": "{path}", "status": "i:{status}", "duration": "f:{dur_s:.6f}", "remote_addr": "{client_ip}:{cport2}"}),
        ("{gmod}/server/log.go:{ln}", "{method} {path} {status} {ms:.2f}ms", None, {"bytes": "i:{bytes}"}),
        ("{gmod}/api/router.go:{ln}", "served request", None, {"http.method": "{method}", "http.route": "{route}", "http.status_code": "i:{status}", "latency": "{ms:.3f}ms"}),
    ],
    "inbound_start": [("{gmod}/http/middleware.go:{ln}", "request started", None, {"method": "{method}", "path": "{path}"})],
    "call_ok": [
        ("{gcaller}", "upstream call ok", None, {"url": "{url}", "status": "i:200", "elapsed": "{ms:.3f}ms"}),
        ("{gcaller}", "{method} {url} 200 ({ms:.1f}ms)", None, None),
    ],
    "call_slow": [("{gcaller}", "slow upstream response", None, {"url": "{url}", "elapsed": "{ms:.1f}ms"})],
    "call_timeout": [
        ("{gcaller}", "upstream request failed", None, {"error": "{method_go} \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", "upstream": "{host}:{cport}"}),
        ("{gcaller}", "call {ref} failed: {method_go} \"{url}\": context deadline exceeded", None, None),
        ("{gcaller}", "rpc error: code = DeadlineExceeded desc = context deadline exceeded", None, {"target": "{host}:{cport}", "method": "/{pkgname}.{Callee}/{Op}"}),
    ],
    "call_timeout@anon": [
        ("{gcaller}", "request failed: context deadline exceeded", None, None),
        ("{gcaller}", "rpc error: code = DeadlineExceeded desc = context deadline exceeded", None, None),
    ],
    "call_refused": [
        ("{gcaller}", "upstream request failed", None, {"error": "{method_go} \"{url}\": dial tcp {cip}:{cport}: connect: connection refused"}),
        ("{gcaller}", "call {ref} failed: dial tcp {cip}:{cport}: connect: connection refused", None, None),
        ("{gcaller}", "rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: dial tcp {cip}:{cport}: connect: connection refused\"", None, None),
    ],
    "call_refused@anon": [("{gcaller}", "request failed: connect: connection refused", None, None)],
    "call_5xx": [
        ("{gcaller}", "unexpected status from upstream", None, {"url": "{url}", "status": "i:{status}"}),
        ("{gcaller}", "call {ref} failed: unexpected status code {status}", None, None),
    ],
    "call_5xx@anon": [("{gcaller}", "request failed: unexpected status code {status}", None, None)],
    "call_429": [("{gcaller}", "upstream throttled request", None, {"url": "{url}", "status": "i:429", "retry_after": "{retry_after}s"})],
    "call_429@anon": [("{gcaller}", "request failed: 429 Too Many Requests", None, None)],
    "call_dns": [
        ("{gcaller}", "upstream request failed", None, {"error": "{method_go} \"{url}\": dial tcp: lookup {host} on 10.96.0.10:53: no such host"}),
        ("{gcaller}", "call {ref} failed: dial tcp: lookup {host}: no such host", None, None),
    ],
    "call_dns@anon": [("{gcaller}", "request failed: dial tcp: lookup: no such host", None, None)],
    "call_tls": [
        ("{gcaller}", "upstream request failed", None, {"error": "{method_go} \"{url}\": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time {now_go} is after {not_after_go}"}),
        ("{gcaller}", "call {ref} failed: x509: certificate has expired or is not yet valid", None, None),
    ],
    "call_tls@anon": [("{gcaller}", "request failed: x509: certificate has expired or is not yet valid", None, None)],
    "call_unavailable": [("{gcaller}", "call {ref} failed: unexpected status code 503: no healthy upstream", None, None)],
    "call_unavailable@anon": [("{gcaller}", "request failed: unexpected status code 503", None, None)],
    "retry": [
        ("{gcaller}", "retrying request", None, {"attempt": "i:{attempt}", "max_attempts": "i:{max}", "backoff": "{backoff_ms:.0f}ms"}),
        ("{gcaller}", "attempt {attempt}/{max} failed, retrying in {backoff_ms:.0f}ms", None, None),
    ],
    "breaker_open": [("{gmod}/resilience/breaker.go:{ln}", "circuit breaker {callee}: state changed from closed to open", None, None)],
    "breaker_reject": [("{gcaller}", "call {callee} rejected: circuit breaker is open", None, None)],
    "breaker_half": [("{gmod}/resilience/breaker.go:{ln}", "circuit breaker {callee}: state changed from open to half-open", None, None)],
    "breaker_closed": [("{gmod}/resilience/breaker.go:{ln}", "circuit breaker {callee}: state changed from half-open to closed", None, None)],
    "fallback": [("{gmod}/service/{srcfile}.go:{ln}", "using fallback", None, {"dependency": "{callee}", "fallback": "{what}"})],
    "db_query": [
        ("{gmod}/store/{srcfile}.go:{ln}", "query executed", None, {"table": "{table}", "rows": "i:{rows}", "elapsed": "{ms:.3f}ms"}),
        ("{gmod}/store/postgres.go:{ln}", "SELECT {table} {ms:.2f}ms rows={rows}", None, None),
    ],
    "db_slow": [("{gmod}/store/{srcfile}.go:{ln}", "slow query", None, {"table": "{table}", "elapsed": "{ms:.1f}ms", "threshold": "200ms"})],
    "cache": [("{gmod}/cache/redis.go:{ln}", "cache {hit}", None, {"key": "{key}"})],
    "cache_slow": [("{gmod}/cache/redis.go:{ln}", "redis GET slow", None, {"key": "{key}", "elapsed": "{ms:.1f}ms"})],
    "heartbeat": [
        ("{gmod}/health/health.go:{ln}", "health check ok", None, {"uptime": "{uptime}s"}),
        ("{gmod}/registry/consul.go:{ln}", "heartbeat sent", None, {"instance": "{pod}", "addr": "{ip}:{port}"}),
    ],
    "gc": [("{gmod}/metrics/runtime.go:{ln}", "runtime stats", None, {"heap_alloc_mb": "i:{used}", "heap_sys_mb": "i:{max}", "num_gc": "i:{num_gc}", "gc_pause_ms": "f:{pause_ms:.3f}", "goroutines": "i:{threads}"})],
    "gc_full": [("{gmod}/metrics/runtime.go:{ln}", "long GC pause", None, {"gc_pause_ms": "f:{pause_ms:.1f}", "heap_alloc_mb": "i:{used}"})],
    "pool_stats": [
        ("{gmod}/store/pool.go:{ln}", "db pool stats", None, {"open": "i:{total}", "in_use": "i:{active}", "idle": "i:{idle}", "wait_count": "i:{waiting}"}),
        ("{gmod}/store/pool.go:{ln}", "pool stats active={active} idle={idle} waiting={waiting}", None, None),
    ],
    "heap": [("{gmod}/metrics/runtime.go:{ln}", "memory usage", None, {"heap_pct": "f:{pct:.1f}", "rss_mb": "i:{used}", "limit_mb": "i:{max}"})],
    "heap_warn": [("{gmod}/metrics/runtime.go:{ln}", "memory usage above soft limit", None, {"heap_pct": "f:{pct:.1f}", "rss_mb": "i:{used}", "limit_mb": "i:{max}"})],
    "queue_depth": [("{gmod}/consumer/consumer.go:{ln}", "queue depth {depth}", None, {"topic": "{topic}", "partition": "i:{partition}", "lag": "i:{lag}"})],
    "consumed": [("{gmod}/consumer/consumer.go:{ln}", "batch processed", None, {"topic": "{topic}", "count": "i:{n}", "elapsed": "{ms:.0f}ms"})],
    "oom": [("{gmod}/main.go:{ln}", "runtime: out of memory", None, {"error": "fatal error: runtime: out of memory", "heap_alloc_mb": "i:{used}"})],
    "fatal": [
        ("{gmod}/main.go:{ln}", "runtime error: invalid memory address or nil pointer dereference", None, {"panic": "true", "stacktrace": "{go_stack}"}),
        ("{gmod}/main.go:{ln}", "shutting down: {fatal_reason}", None, None),
    ],
    "bug": [
        ("{gmod}/http/recover.go:{ln}", "recovered from panic", None, {"error": "runtime error: {go_bug}", "path": "{path}", "stacktrace": "{go_stack}"}),
        ("{gmod}/service/{srcfile}.go:{ln}", "failed to {op} {entity}: {go_err}", None, {"id": "{oid}"}),
    ],
    "disk_full": [("{gmod}/store/wal.go:{ln}", "write failed", None, {"error": "write {file}: no space left on device"})],
    "disk_warn": [("{gmod}/health/disk.go:{ln}", "disk usage high", None, {"path": "/var/lib/{name}", "used_pct": "f:{disk_pct:.1f}"})],
    "pool_timeout": [
        ("{gmod}/store/{srcfile}.go:{ln}", "failed to acquire connection", None, {"error": "context deadline exceeded", "waited": "{timeout_ms}ms"}),
        ("{gmod}/store/pool.go:{ln}", "pgxpool: failed to acquire connection: context deadline exceeded", None, None),
    ],
    "rate_limited": [("{gmod}/http/ratelimit.go:{ln}", "rate limit exceeded", None, {"client": "{client}", "limit": "i:{limit}", "path": "{path}"})],
    "tls_handshake": [("{gmod}/server/server.go:{ln}", "http: TLS handshake error from {peer}: remote error: tls: bad certificate", None, None)],
    "config_error": [
        ("{gmod}/config/config.go:{ln}", "value out of range in config, continuing", None, {"key": "{cfg_key}", "value": "{cfg_val}"}),
        ("{gmod}/service/{srcfile}.go:{ln}", "{op} failed: {cfg_problem}", None, None),
    ],
    "deprecation": [
        ("{gmod}/http/middleware.go:{ln}", "deprecated API version used", None, {"path": "{path}", "client": "{client}"}),
        ("{gmod}/service/{srcfile}.go:{ln}", "slow but ok: {op} took {ms:.0f}ms", None, None),
        ("{gmod}/kafka/producer.go:{ln}", "kafka: client has run out of available brokers to talk to (Is your cluster reachable?), retrying", None, None),
    ],
    "bg_error": [
        ("{gmod}/integration/{partner_file}.go:{ln}", "partner API error", None, {"error": "unexpected status 502 from https://{partner_host}/v3/rates", "fallback": "cached"}),
        ("{gmod}/http/handler.go:{ln}", "invalid request", None, {"error": "json: cannot unmarshal string into Go struct field {Cls}Request.{Field} of type int", "path": "{path}"}),
        ("{gmod}/http/handler.go:{ln}", "{entity} not found", None, {"id": "{oid}", "status": "i:404"}),
    ],
    "job_start": [("{gmod}/jobs/{job_file}.go:{ln}", "job started", None, {"job": "{job}", "run": "{run_id}"})],
    "job_done": [("{gmod}/jobs/{job_file}.go:{ln}", "job finished", None, {"job": "{job}", "run": "{run_id}", "items": "i:{n}", "elapsed": "{secs:.1f}s"})],
    "job_error": [("{gmod}/jobs/{job_file}.go:{ln}", "job batch failed", None, {"job": "{job}", "batch": "{batch}", "error": "{job_err}"})],
    "debug": [
        ("{gmod}/http/middleware.go:{ln}", "request headers", None, {"user_agent": "{ua_short}", "content_length": "i:{bytes}"}),
        ("{gmod}/service/{srcfile}.go:{ln}", "resolved {entity}", None, {"id": "{oid}", "version": "i:{ver}"}),
        ("{gmod}/store/{srcfile}.go:{ln}", "begin tx", None, {"isolation": "read committed"}),
    ],
}

PYTHON: dict[str, list[Variant]] = {
    "inbound": [
        ("{mod}.api", "{method} {path} {status} {ms:.1f}ms{tmsg}", None, None),
        ("gunicorn.access", "{client_ip} - - \"{method} {path} HTTP/1.1\" {status} {bytes} {dur_s:.6f}{tmsg}", None, None),
        ("{mod}.middleware", "request finished method={method} path={path} status={status} elapsed={ms:.1f}ms{tmsg}", None, None),
    ],
    "inbound_start": [("{mod}.middleware", "request started method={method} path={path}{tmsg}", None, None)],
    "call_ok": [
        ("{plog}", "{method} {url} -> 200 in {ms:.1f}ms", None, None),
        ("urllib3.connectionpool", "{scheme}://{host}:{cport} \"{method} {upath} HTTP/1.1\" 200 {bytes}", None, None),
    ],
    "call_slow": [("{plog}", "slow response from {ref}: {ms:.0f}ms", None, None)],
    "call_timeout": [
        ("{plog}", "request to {ref} failed", "py-readtimeout", None),
        ("{plog}", "requests.exceptions.ReadTimeout: HTTPConnectionPool(host='{host}', port={cport}): Read timed out. (read timeout={timeout:g})", None, None),
        ("{plog}", "httpx.ReadTimeout: timed out calling {url}", None, None),
    ],
    "call_timeout@anon": [("{plog}", "upstream call failed: Read timed out. (read timeout={timeout:g})", None, None)],
    "call_refused": [
        ("{plog}", "request to {ref} failed", "py-refused", None),
        ("{plog}", "requests.exceptions.ConnectionError: HTTPConnectionPool(host='{host}', port={cport}): Max retries exceeded with url: {upath} (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f{hex6}>: Failed to establish a new connection: [Errno 111] Connection refused'))", None, None),
    ],
    "call_refused@anon": [("{plog}", "upstream call failed: [Errno 111] Connection refused", None, None)],
    "call_5xx": [
        ("{plog}", "{ref} returned {status} for {method} {upath}", None, None),
        ("{plog}", "requests.exceptions.HTTPError: {status} Server Error: {reason} for url: {url}", None, None),
    ],
    "call_5xx@anon": [("{plog}", "upstream call failed with HTTP {status}", None, None)],
    "call_429": [("{plog}", "429 Client Error: Too Many Requests for url: {url}", None, None)],
    "call_429@anon": [("{plog}", "upstream call throttled (HTTP 429)", None, None)],
    "call_dns": [
        ("{plog}", "requests.exceptions.ConnectionError: HTTPConnectionPool(host='{host}', port={cport}): Max retries exceeded with url: {upath} (Caused by NameResolutionError(\"<urllib3.connection.HTTPConnection object at 0x7f{hex6}>: Failed to resolve '{host}' ([Errno -2] Name or service not known)\"))", None, None),
        ("{plog}", "request to {ref} failed", "py-dns", None),
    ],
    "call_dns@anon": [("{plog}", "upstream call failed: [Errno -2] Name or service not known", None, None)],
    "call_tls": [("{plog}", "requests.exceptions.SSLError: HTTPSConnectionPool(host='{host}', port={cport}): Max retries exceeded with url: {upath} (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')))", None, None)],
    "call_tls@anon": [("{plog}", "upstream call failed: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired", None, None)],
    "call_unavailable": [("{plog}", "{ref} returned 503 for {method} {upath}: no healthy upstream", None, None)],
    "call_unavailable@anon": [("{plog}", "upstream call failed with HTTP 503", None, None)],
    "retry": [
        ("urllib3.connectionpool", "Retrying (Retry(total={left}, connect=None, read=None, redirect=None, status=None)) after connection broken by '{err_short}': {upath}", None, None),
        ("{plog}", "retry {attempt}/{max} for {method} {upath} in {backoff_ms:.0f}ms", None, None),
        ("tenacity", "Finished call to '{mod}.clients.{callee_mod}.{op}' after {elapsed_ms:.0f}(ms), this was the {nth} time calling it.", None, None),
    ],
    "breaker_open": [("pybreaker", "Circuit breaker '{callee}' is now OPEN", None, None)],
    "breaker_reject": [("{plog}", "pybreaker.CircuitBreakerError: Circuit '{callee}' is OPEN, call rejected", None, None)],
    "breaker_half": [("pybreaker", "Circuit breaker '{callee}' is now HALF_OPEN", None, None)],
    "breaker_closed": [("pybreaker", "Circuit breaker '{callee}' is now CLOSED", None, None)],
    "fallback": [("{mod}.service", "{callee} unavailable ({err_short}); using {what}", None, None)],
    "db_query": [
        ("{mod}.db", "query {op} rows={rows} took {ms:.1f}ms", None, None),
        ("sqlalchemy.engine.Engine", "[cached since {cached:.1f}s ago] SELECT {table}.id, {table}.status FROM {table} WHERE {table}.id = %(id_1)s", None, None),
    ],
    "db_slow": [("{mod}.db", "slow query ({ms:.0f}ms): SELECT * FROM {table} WHERE owner_id = %s ORDER BY created_at DESC", None, None)],
    "cache": [("{mod}.cache", "cache {hit} key={key}", None, None)],
    "cache_slow": [("{mod}.cache", "redis GET {key} took {ms:.0f}ms", None, None)],
    "heartbeat": [
        ("{mod}.health", "heartbeat ok uptime={uptime}s", None, None),
        ("{mod}.health", "liveness probe ok", None, None),
    ],
    "gc": [("{mod}.metrics", "gc collections gen0={gen0} gen1={gen1} gen2={gen2} rss={used}MB", None, None)],
    "gc_full": [("{mod}.metrics", "gc gen2 collection took {pause_ms:.0f}ms rss={used}MB", None, None)],
    "pool_stats": [
        ("{mod}.db", "pool stats active={active} idle={idle} waiting={waiting}", None, None),
        ("sqlalchemy.pool.impl.QueuePool", "Pool size: {total}  Connections in pool: {idle} Current Overflow: {overflow} Current Checked out connections: {active} waiting={waiting}", None, None),
    ],
    "heap": [("{mod}.metrics", "memory rss={used}MB limit={max}MB ({pct:.0f}%)", None, None)],
    "heap_warn": [("{mod}.metrics", "memory high: rss={used}MB limit={max}MB ({pct:.0f}%)", None, None)],
    "queue_depth": [("{mod}.consumer", "queue depth {depth} (topic={topic} partition={partition} lag={lag})", None, None)],
    "consumed": [("{mod}.consumer", "processed {n} messages from {topic} in {ms:.0f}ms", None, None)],
    "oom": [("{mod}.worker", "MemoryError while handling request", "py-memory", None)],
    "fatal": [
        ("{mod}.main", "exiting after a fatal error: {fatal_reason}", "py-fatal", None),
        ("gunicorn.error", "Worker (pid:{pid}) was sent SIGKILL! Perhaps out of memory?", None, None),
    ],
    "bug": [
        ("{mod}.api", "Exception on {path} [{method}]", "py-bug", None),
        ("{mod}.service", "failed to {op} {entity} {oid}", "py-bug", None),
    ],
    "disk_full": [("{mod}.storage", "failed to write {file}", "py-disk", None)],
    "disk_warn": [("{mod}.health", "disk usage {disk_pct:.0f}% on /var/lib/{name}", None, None)],
    "pool_timeout": [
        ("{mod}.db", "sqlalchemy.exc.TimeoutError: QueuePool limit of size {total} overflow 0 reached, connection timed out, timeout {timeout_s:.2f} (Background on this error at: https://sqlalche.me/e/20/3o7r)", None, None),
        ("{mod}.api", "database unavailable", "py-pool", None),
    ],
    "rate_limited": [("{mod}.ratelimit", "rate limit exceeded for client {client} ({limit}/s): {method} {path} -> 429", None, None)],
    "tls_handshake": [("{mod}.server", "ssl.SSLError: [SSL: SSLV3_ALERT_CERTIFICATE_EXPIRED] sslv3 alert certificate expired from {peer}", None, None)],
    "config_error": [
        ("{mod}.config", "setting {cfg_key}={cfg_val!r} looks wrong, continuing", None, None),
        ("{mod}.service", "{op} failed: {cfg_problem}", "py-config", None),
    ],
    "deprecation": [
        ("py.warnings", "/usr/local/lib/python3.11/site-packages/{pkgdep}/__init__.py:{ln}: DeprecationWarning: {depmsg}", None, None),
        ("{mod}.api", "deprecated endpoint {path} used by {client}", None, None),
        ("{mod}.service", "slow but ok: {op} took {ms:.0f}ms", None, None),
    ],
    "bg_error": [
        ("{mod}.integrations.{partner_file}", "partner API {partner_host} returned 502, using cached rates", None, None),
        ("{mod}.api", "validation error on {path}: {{'{field}': ['Not a valid integer.']}}", None, None),
        ("{mod}.api", "{entity} {oid} not found (404)", None, None),
    ],
    "job_start": [("{mod}.jobs.{job_file}", "job {job} started run={run_id}", None, None)],
    "job_done": [("{mod}.jobs.{job_file}", "job {job} finished run={run_id} items={n} elapsed={secs:.1f}s", None, None)],
    "job_error": [("{mod}.jobs.{job_file}", "job {job} batch {batch} failed: {job_err}", "py-job", None)],
    "debug": [
        ("{mod}.middleware", "headers x-request-id={rid} user-agent={ua_short}", None, None),
        ("{mod}.service", "resolved {entity} {oid} version={ver}", None, None),
        ("sqlalchemy.engine.Engine", "BEGIN (implicit)", None, None),
    ],
}

NODE: dict[str, list[Variant]] = {
    "inbound": [
        ("", "request completed", None, {"req": "{method} {path}", "statusCode": "i:{status}", "responseTime": "f:{ms:.3f}"}),
        ("", "{method} {path} {status} - {ms:.3f} ms", None, None),
        ("", "HTTP {method} {path}", None, {"status": "i:{status}", "duration_ms": "f:{ms:.1f}"}),
    ],
    "inbound_start": [("", "incoming request", None, {"req": "{method} {path}"})],
    "call_ok": [("", "upstream {method} {url} 200 {ms:.0f}ms", None, None)],
    "call_slow": [("", "slow upstream response from {ref}", None, {"ms": "f:{ms:.0f}"})],
    "call_timeout": [
        ("", "request to {url} failed, reason: ETIMEDOUT", None, {"code": "ETIMEDOUT"}),
        ("", "timeout of {timeout_ms}ms exceeded", None, {"url": "{url}", "code": "ECONNABORTED"}),
        ("", "upstream {ref} timed out after {timeout_ms}ms", None, None),
    ],
    "call_timeout@anon": [("", "timeout of {timeout_ms}ms exceeded", None, {"code": "ECONNABORTED"})],
    "call_refused": [
        ("", "connect ECONNREFUSED {cip}:{cport}", None, {"code": "ECONNREFUSED", "url": "{url}"}),
        ("", "request to {url} failed, reason: connect ECONNREFUSED {cip}:{cport}", None, None),
    ],
    "call_refused@anon": [("", "upstream call failed: ECONNREFUSED", None, None)],
    "call_5xx": [
        ("", "Request failed with status code {status}", None, {"url": "{url}", "method": "{method}"}),
        ("", "upstream {ref} responded {status}", None, None),
    ],
    "call_5xx@anon": [("", "Request failed with status code {status}", None, None)],
    "call_429": [("", "Request failed with status code 429", None, {"url": "{url}", "retryAfter": "i:{retry_after}"})],
    "call_429@anon": [("", "Request failed with status code 429", None, None)],
    "call_dns": [
        ("", "getaddrinfo ENOTFOUND {host}", None, {"code": "ENOTFOUND", "hostname": "{host}"}),
        ("", "request to {url} failed, reason: getaddrinfo ENOTFOUND {host}", None, None),
    ],
    "call_dns@anon": [("", "upstream call failed: getaddrinfo ENOTFOUND", None, None)],
    "call_tls": [("", "request to {url} failed, reason: certificate has expired", None, {"code": "CERT_HAS_EXPIRED"})],
    "call_tls@anon": [("", "upstream call failed: certificate has expired", None, {"code": "CERT_HAS_EXPIRED"})],
    "call_unavailable": [("", "upstream {ref} responded 503: no healthy upstream", None, None)],
    "call_unavailable@anon": [("", "Request failed with status code 503", None, None)],
    "retry": [("", "retrying request attempt {attempt}/{max} in {backoff_ms:.0f}ms", None, {"url": "{url}"})],
    "breaker_open": [("", "Breaker opened: {callee}", None, {"breaker": "{callee}"})],
    "breaker_reject": [("", "Breaker is open", None, {"breaker": "{callee}", "code": "EOPENBREAKER"})],
    "breaker_half": [("", "Breaker half-open: {callee}", None, None)],
    "breaker_closed": [("", "Breaker closed: {callee}", None, None)],
    "fallback": [("", "using fallback for {callee}: {what}", None, None)],
    "db_query": [("", "db query {op} {ms:.1f}ms rows={rows}", None, {"table": "{table}"})],
    "db_slow": [("", "slow query on {table}: {ms:.0f}ms", None, None)],
    "cache": [("", "cache {hit} {key}", None, None)],
    "cache_slow": [("", "redis GET {key} slow ({ms:.0f}ms)", None, None)],
    "heartbeat": [("", "heartbeat", None, {"uptime": "i:{uptime}"}), ("", "health ok", None, None)],
    "gc": [("", "gc stats", None, {"heapUsedMB": "i:{used}", "heapTotalMB": "i:{max}", "gcPauseMs": "f:{pause_ms:.2f}", "eventLoopLagMs": "f:{lag_ms:.2f}"})],
    "gc_full": [("", "long gc pause {pause_ms:.0f}ms (mark-sweep)", None, {"heapUsedMB": "i:{used}"})],
    "pool_stats": [("", "pool stats active={active} idle={idle} waiting={waiting}", None, {"total": "i:{total}"})],
    "heap": [("", "memory usage {pct:.0f}%", None, {"heapUsedMB": "i:{used}", "heapLimitMB": "i:{max}"})],
    "heap_warn": [("", "memory usage high {pct:.0f}%", None, {"heapUsedMB": "i:{used}", "heapLimitMB": "i:{max}"})],
    "queue_depth": [("", "queue depth {depth}", None, {"topic": "{topic}", "lag": "i:{lag}"})],
    "consumed": [("", "processed {n} messages", None, {"topic": "{topic}", "ms": "i:{ms:.0f}"})],
    "oom": [("", "Reached heap limit Allocation failed - JavaScript heap out of memory", None, None)],
    "fatal": [
        ("", "uncaughtException: {fatal_reason}", None, {"stack": "{node_stack}"}),
        ("", "Unhandled promise rejection, exiting: {fatal_reason}", None, None),
    ],
    "bug": [
        ("", "TypeError: Cannot read properties of undefined (reading '{prop}')", None, {"stack": "{node_stack}", "path": "{path}"}),
        ("", "unhandled error in {method} {path}: {node_err}", None, {"stack": "{node_stack}"}),
    ],
    "disk_full": [("", "ENOSPC: no space left on device, write", None, {"path": "{file}", "code": "ENOSPC"})],
    "disk_warn": [("", "disk usage {disk_pct:.0f}%", None, {"path": "/var/lib/{name}"})],
    "pool_timeout": [
        ("", "TimeoutError: ResourceRequest timed out", None, {"pool": "pg", "waitingCount": "i:{waiting}"}),
        ("", "timeout exceeded when trying to connect", None, {"pool": "pg"}),
    ],
    "rate_limited": [("", "rate limit exceeded", None, {"client": "{client}", "limit": "i:{limit}", "path": "{path}"})],
    "tls_handshake": [("", "tls client error: certificate expired", None, {"remoteAddress": "{peer}"})],
    "config_error": [
        ("", "setting {cfg_key} has unexpected value {cfg_val}", None, None),
        ("", "{op} failed: {cfg_problem}", None, {"stack": "{node_stack}"}),
    ],
    "deprecation": [
        ("", "(node:1) [DEP0005] DeprecationWarning: Buffer() is deprecated due to security and usability issues.", None, None),
        ("", "deprecated route {path} called by {client}", None, None),
        ("", "slow but ok: {op} {ms:.0f}ms", None, None),
    ],
    "bg_error": [
        ("", "partner API error: Request failed with status code 502", None, {"url": "https://{partner_host}/v3/rates"}),
        ("", "validation failed: \"{field}\" must be a number", None, {"path": "{path}", "status": "i:400"}),
        ("", "{entity} not found", None, {"id": "{oid}", "status": "i:404"}),
    ],
    "job_start": [("", "job {job} started", None, {"run": "{run_id}"})],
    "job_done": [("", "job {job} finished", None, {"run": "{run_id}", "items": "i:{n}", "elapsedMs": "i:{ms:.0f}"})],
    "job_error": [("", "job {job} batch {batch} failed: {job_err}", None, None)],
    "debug": [
        ("", "incoming headers", None, {"userAgent": "{ua_short}", "contentLength": "i:{bytes}"}),
        ("", "resolved {entity} {oid}", None, {"version": "i:{ver}"}),
    ],
}

JAVA.update({
    "saturated": [
        ("o.a.tomcat.util.threads.ThreadPoolExecutor", "Thread pool [http-nio-{port}-exec] is exhausted: {busy} busy threads, {queued} tasks queued", None, None),
        ("o.apache.coyote.http11.Http11NioProtocol", "Maximum number of threads ({max_threads}) created for connector with address [null] and port [{port}]", None, None),
    ],
    "feature": [("{pkg}.config.FeatureToggles", "Feature '{flag}' is {flag_on} for tenant {tenant}", None, None)],
    "health_down": [
        ("o.s.b.actuate.health.AbstractHealthIndicator", "Health check failed for {callee}: {err_short}", None, None),
        ("o.s.b.a.health.HealthEndpointSupport", "Health status DOWN (readinessState: REFUSING_TRAFFIC, {callee}: DOWN)", None, None),
    ],
})
GO.update({
    "saturated": [("{gmod}/http/server.go:{ln}", "too many in-flight requests, shedding load", None, {"inflight": "i:{busy}", "limit": "i:200"})],
    "feature": [("{gmod}/flags/flags.go:{ln}", "feature flag evaluated", None, {"flag": "{flag}", "value": "{flag_on}", "tenant": "{tenant}"})],
    "health_down": [("{gmod}/health/health.go:{ln}", "readiness check failed", None, {"dependency": "{callee}", "error": "context deadline exceeded"})],
})
PYTHON.update({
    "worker_timeout": [("gunicorn.error", "WORKER TIMEOUT (pid:{pid})", None, None)],
    "worker_boot": [("gunicorn.error", "Booting worker with pid: {pid}", None, None)],
    "saturated": [("{mod}.server", "all {busy} workers busy, requests are queuing", None, None)],
    "feature": [("{mod}.flags", "flag {flag}={flag_on} tenant={tenant}", None, None)],
    "health_down": [("{mod}.health", "readiness check failed: {callee} unreachable", None, None)],
})
NODE.update({
    "saturated": [("", "event loop delay high", None, {"eventLoopDelayMs": "f:{lag_big:.0f}"})],
    "feature": [("", "feature flag {flag} -> {flag_on}", None, {"tenant": "{tenant}"})],
    "health_down": [("", "health check failed", None, {"dependency": "{callee}"})],
})
FAMILY_WORDS: dict[str, dict[str, list[Variant]]] = {"java": JAVA, "go": GO, "python": PYTHON, "node": NODE}


# --------------------------------------------------------------------------------------------
# Stack traces
# --------------------------------------------------------------------------------------------

J_SERVLET = (
    "org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1011)",
    "org.springframework.web.servlet.FrameworkServlet.doGet(FrameworkServlet.java:903)",
    "jakarta.servlet.http.HttpServlet.service(HttpServlet.java:564)",
    "org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:205)",
    "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:149)",
    "org.springframework.web.filter.OncePerRequestFilter.doFilter(OncePerRequestFilter.java:116)",
    "org.apache.catalina.core.StandardWrapperValve.invoke(StandardWrapperValve.java:167)",
    "org.apache.coyote.http11.Http11Processor.service(Http11Processor.java:391)",
    "org.apache.tomcat.util.net.NioEndpoint$SocketProcessor.doRun(NioEndpoint.java:1744)",
    "org.apache.tomcat.util.threads.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:659)",
    "java.base/java.lang.Thread.run(Thread.java:840)",
)  # fmt: skip
J_SOCKET_READ = (
    "java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)",
    "java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:314)",
    "java.base/sun.nio.ch.NioSocketImpl.read(NioSocketImpl.java:355)",
    "java.base/java.net.Socket$SocketInputStream.read(Socket.java:1099)",
    "java.base/java.io.BufferedInputStream.fill(BufferedInputStream.java:291)",
    "java.base/sun.net.www.http.HttpClient.parseHTTPHeader(HttpClient.java:827)",
    "java.base/sun.net.www.protocol.http.HttpURLConnection.getInputStream0(HttpURLConnection.java:1687)",
    "org.springframework.http.client.SimpleClientHttpResponse.getStatusCode(SimpleClientHttpResponse.java:55)",
    "org.springframework.web.client.RestTemplate.doExecute(RestTemplate.java:776)",
    "org.springframework.web.client.RestTemplate.exchange(RestTemplate.java:644)",
)  # fmt: skip
J_CONNECT = (
    "java.base/sun.nio.ch.Net.pollConnect(Native Method)",
    "java.base/sun.nio.ch.Net.pollConnectNow(Net.java:672)",
    "java.base/sun.nio.ch.NioSocketImpl.timedFinishConnect(NioSocketImpl.java:547)",
    "java.base/sun.nio.ch.NioSocketImpl.connect(NioSocketImpl.java:602)",
    "java.base/java.net.Socket.connect(Socket.java:633)",
    "okhttp3.internal.platform.Platform.connectSocket(Platform.kt:128)",
    "okhttp3.internal.connection.RealConnection.connectSocket(RealConnection.kt:295)",
    "okhttp3.internal.connection.RealCall.execute(RealCall.kt:154)",
)  # fmt: skip
J_HIKARI = (
    "com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)",
    "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)",
    "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:146)",
    "com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:100)",
    "org.springframework.jdbc.datasource.DataSourceUtils.fetchConnection(DataSourceUtils.java:160)",
    "org.springframework.orm.jpa.vendor.HibernateJpaDialect.beginTransaction(HibernateJpaDialect.java:164)",
)  # fmt: skip
J_SSL = (
    "java.base/sun.security.ssl.Alert.createSSLException(Alert.java:131)",
    "java.base/sun.security.ssl.TransportContext.fatal(TransportContext.java:378)",
    "java.base/sun.security.ssl.CertificateMessage$T13CertificateConsumer.checkServerCerts(CertificateMessage.java:1335)",
    "java.base/sun.security.ssl.SSLHandshake.consume(SSLHandshake.java:396)",
    "java.base/sun.security.ssl.SSLSocketImpl.startHandshake(SSLSocketImpl.java:451)",
)  # fmt: skip
J_DNS = (
    "java.base/java.net.InetAddress$CachedAddresses.get(InetAddress.java:801)",
    "java.base/java.net.InetAddress.getAllByName0(InetAddress.java:1533)",
    "java.base/java.net.InetAddress.getAllByName(InetAddress.java:1385)",
    "okhttp3.Dns$Companion$DnsSystem.lookup(Dns.kt:49)",
    "okhttp3.internal.connection.RouteSelector.resetNextInetSocketAddress(RouteSelector.kt:169)",
)  # fmt: skip
J_IO = (
    "java.base/java.io.FileOutputStream.writeBytes(Native Method)",
    "java.base/java.io.FileOutputStream.write(FileOutputStream.java:367)",
    "java.base/java.io.BufferedOutputStream.flushBuffer(BufferedOutputStream.java:125)",
    "java.base/java.io.BufferedOutputStream.flush(BufferedOutputStream.java:183)",
)  # fmt: skip
J_BUGS = (
    ("java.lang.NullPointerException", 'Cannot invoke "{Pkgcls}.get{Field}()" because "{var}" is null'),
    ("java.lang.IllegalStateException", "Unexpected {entity} status: {STATE}"),
    ("java.lang.ClassCastException", "class java.lang.String cannot be cast to class java.lang.Long (java.lang.String and java.lang.Long are in module java.base of loader 'bootstrap')"),
    ("java.lang.IndexOutOfBoundsException", "Index 0 out of bounds for length 0"),
    ("com.fasterxml.jackson.databind.exc.MismatchedInputException", "Cannot deserialize value of type `java.math.BigDecimal` from Object value (token `JsonToken.START_OBJECT`)"),
    ("java.lang.NumberFormatException", 'For input string: "{bad}"'),
    ("org.springframework.dao.DataIntegrityViolationException", "could not execute statement; SQL [n/a]; constraint [{table}_pkey]"),
)  # fmt: skip
PY_BUGS = (
    ("KeyError", "'{field}'"),
    ("TypeError", "unsupported operand type(s) for +: 'NoneType' and 'Decimal'"),
    ("AttributeError", "'NoneType' object has no attribute '{field}'"),
    ("ValueError", "invalid literal for int() with base 10: '{bad}'"),
    ("pydantic_core._pydantic_core.ValidationError", "1 validation error for {Cls}Response\n{field}\n  Field required [type=missing, input_value={{...}}, input_type=dict]"),
)  # fmt: skip
GO_BUGS = ("invalid memory address or nil pointer dereference", "index out of range [0] with length 0",
           "slice bounds out of range [:3] with capacity 0")  # fmt: skip
NODE_BUGS = ("Cannot read properties of undefined (reading '{prop}')", "{prop}.map is not a function",
             "Unexpected token u in JSON at position 0")  # fmt: skip


def java_app_frames(svc: Service, rng: random.Random, n: int) -> list[str]:
    cls = camel(svc.base)
    layers = [("web", f"{cls}Controller"), ("service", f"{cls}Service"), ("service", f"{cls}ServiceImpl"),
              ("repository", f"{camel(rng.choice(ENTITIES))}Repository"), ("client", f"{cls}Gateway"),
              ("domain", f"{camel(rng.choice(ENTITIES))}Mapper")]  # fmt: skip
    methods = ("handle", "process", "apply", "load", "find", "create", "update", "validate", "toDto", "execute", "lambda$get$0")
    out = []
    for _ in range(n):
        layer, klass = rng.choice(layers)
        out.append(f"{svc.pkg}.{layer}.{klass}.{rng.choice(methods)}({klass.split('$')[0]}.java:{rng.randint(30, 480)})")
    return out


def java_stack(svc: Service, rng: random.Random, kind: str, ctx: dict[str, Any]) -> list[str]:
    """A plausible Java stack trace (exception line, frames, causes) for one stack kind."""
    tab = "\tat "
    app = [tab + f for f in java_app_frames(svc, rng, rng.randint(2, 5))]
    callee_cls = ctx.get("Callee", "Remote")
    client = [f"{tab}{svc.pkg}.client.{callee_cls}Client.{rng.choice(('fetch', 'call', 'post', 'get'))}({callee_cls}Client.java:{rng.randint(40, 200)})"]
    omitted = f"\t... {rng.randint(40, 120)} common frames omitted"
    servlet = [tab + f for f in J_SERVLET[rng.randint(0, 4) :]]
    if kind in ("j-timeout", "j-feign-timeout"):
        head = ["org.springframework.web.client.ResourceAccessException: I/O error on GET request: Read timed out"] if kind == "j-timeout" else [f"feign.RetryableException: Read timed out executing {ctx.get('method', 'GET')} {ctx.get('url', '')}"]
        return head + [tab + f for f in J_SOCKET_READ[-3:]] + client + app + servlet + ["Caused by: java.net.SocketTimeoutException: Read timed out"] + [tab + f for f in J_SOCKET_READ[:6]] + [omitted]
    if kind in ("j-refused", "j-refused-okhttp"):
        return ["java.net.ConnectException: Connection refused"] + [tab + f for f in J_CONNECT] + client + app + [omitted]
    if kind in ("j-http5xx", "j-feign5xx", "j-http4xx"):
        status = ctx.get("status", 503)
        return [f"org.springframework.web.client.HttpServerErrorException$ServiceUnavailable: {status} {HTTP_REASON.get(status, '')}: [no body]",
                f"{tab}org.springframework.web.client.HttpServerErrorException.create(HttpServerErrorException.java:{rng.randint(90, 110)})",
                f"{tab}org.springframework.web.client.DefaultResponseErrorHandler.handleError(DefaultResponseErrorHandler.java:186)"] + client + app + servlet[:4]  # fmt: skip
    if kind == "j-dns":
        return [f"java.net.UnknownHostException: {ctx.get('host', 'unknown')}: Name or service not known"] + [tab + f for f in J_DNS] + client + app + [omitted]
    if kind == "j-tls":
        return ["javax.net.ssl.SSLHandshakeException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed"] + [tab + f for f in J_SSL] + client + app + [
            "Caused by: java.security.cert.CertificateExpiredException: NotAfter: " + ctx.get("not_after", ""),
            f"{tab}java.base/sun.security.x509.CertificateValidity.valid(CertificateValidity.java:277)", omitted]  # fmt: skip
    if kind == "j-breaker":
        return [f"io.github.resilience4j.circuitbreaker.CallNotPermittedException: CircuitBreaker '{ctx.get('callee', '')}' is OPEN and does not permit further calls",
                f"{tab}io.github.resilience4j.circuitbreaker.CallNotPermittedException.createCallNotPermittedException(CallNotPermittedException.java:48)"] + client + app[:2]  # fmt: skip
    if kind == "j-oom":
        return ["java.lang.OutOfMemoryError: Java heap space", f"{tab}java.base/java.util.Arrays.copyOf(Arrays.java:3537)",
                f"{tab}java.base/java.util.ArrayList.grow(ArrayList.java:237)"] + app + servlet[:3]  # fmt: skip
    if kind == "j-fatal":
        return [f"java.lang.IllegalStateException: {ctx.get('fatal_reason', 'fatal')}"] + app + [f"{tab}java.base/java.lang.Thread.run(Thread.java:840)"]
    if kind == "j-bug":
        return [f"{ctx['exc']}: {ctx['exc_msg']}"] + app + servlet
    if kind == "j-disk":
        return ["java.io.IOException: No space left on device"] + [tab + f for f in J_IO] + app
    if kind == "j-pool":
        return [f"java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after {ctx.get('timeout_ms', 30000)}ms."] + [tab + f for f in J_HIKARI] + app + [omitted]
    if kind == "j-config":
        return [f"java.lang.IllegalArgumentException: {ctx.get('cfg_problem', 'bad config')}"] + app + servlet[:3]
    if kind == "j-job":
        return [f"org.springframework.dao.QueryTimeoutException: {ctx.get('job_err', 'timeout')}"] + app[:3] + [f"{tab}org.springframework.scheduling.support.ScheduledMethodRunnable.run(ScheduledMethodRunnable.java:84)"]
    return app


def python_stack(svc: Service, rng: random.Random, kind: str, ctx: dict[str, Any]) -> list[str]:
    """A plausible Python traceback for one stack kind."""
    mod = ident(svc.base)
    site = "/usr/local/lib/python3.11/site-packages"
    app = [f'  File "/app/{mod}/{rng.choice(("api", "service", "handlers", "views"))}.py", line {rng.randint(20, 400)}, in {rng.choice(("handle", "get", "post", "process", "create"))}',
           f"    {rng.choice(('result = self.service.', 'return await ', 'data = '))}{rng.choice(('fetch', 'compute', 'load', 'apply'))}({rng.choice(('req', 'item_id', 'payload', 'ctx'))})"]  # fmt: skip
    head = ["Traceback (most recent call last):"] + app
    host, port = ctx.get("host", "upstream"), ctx.get("cport", 8080)
    req = [f'  File "{site}/requests/sessions.py", line 703, in send', "    r = adapter.send(request, **kwargs)",
           f'  File "{site}/requests/adapters.py", line {rng.choice((532, 519, 501))}, in send', "    raise " + ("ReadTimeout(e, request=request)" if kind == "py-readtimeout" else "ConnectionError(e, request=request)")]  # fmt: skip
    if kind == "py-readtimeout":
        return head + req + [f"requests.exceptions.ReadTimeout: HTTPConnectionPool(host='{host}', port={port}): Read timed out. (read timeout={ctx.get('timeout', 5):g})"]
    if kind == "py-refused":
        return head + req + [f"requests.exceptions.ConnectionError: HTTPConnectionPool(host='{host}', port={port}): Max retries exceeded with url: {ctx.get('upath', '/')} (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f{ctx.get('hex6', 'a1b2c3')}>: Failed to establish a new connection: [Errno 111] Connection refused'))"]
    if kind == "py-dns":
        return head + req + [f"requests.exceptions.ConnectionError: HTTPConnectionPool(host='{host}', port={port}): Max retries exceeded with url: {ctx.get('upath', '/')} (Caused by NameResolutionError(\"Failed to resolve '{host}' ([Errno -2] Name or service not known)\"))"]
    if kind == "py-memory":
        return head + ['  File "/app/%s/serializers.py", line %d, in dump' % (mod, rng.randint(20, 200)), "    return [self._row(r) for r in rows]", "MemoryError"]
    if kind == "py-fatal":
        return head + [f"RuntimeError: {ctx.get('fatal_reason', 'fatal')}"]
    if kind == "py-bug":
        return head + [f"{ctx['exc']}: {ctx['exc_msg']}"]
    if kind == "py-disk":
        return head + [f'  File "/app/{mod}/storage.py", line {rng.randint(20, 200)}, in write', "    fh.write(chunk)", "OSError: [Errno 28] No space left on device"]
    if kind == "py-pool":
        return head + [f'  File "{site}/sqlalchemy/pool/impl.py", line 168, in _do_get', "    raise exc.TimeoutError(",
                       f"sqlalchemy.exc.TimeoutError: QueuePool limit of size {ctx.get('total', 10)} overflow 0 reached, connection timed out, timeout {ctx.get('timeout_s', 30):.2f}"]  # fmt: skip
    if kind == "py-config":
        return head + [f"ValueError: {ctx.get('cfg_problem', 'bad config')}"]
    if kind == "py-job":
        return head + [f"psycopg2.errors.QueryCanceled: {ctx.get('job_err', 'canceling statement due to statement timeout')}"]
    return head


def go_stack(svc: Service, rng: random.Random) -> str:
    mod = f"github.com/{svc.pkg.split('.')[-1]}/{svc.base}"
    frames = [f"goroutine {rng.randint(80, 9000)} [running]:"]
    for _ in range(rng.randint(3, 6)):
        fn = rng.choice(("(*Handler).ServeHTTP", "(*Service).Process", "(*Store).Get", "(*Server).handle", "decodeItem"))
        pkg = rng.choice(("internal/http", "internal/service", "internal/store", "internal/api"))
        frames.append(f"{mod}/{pkg}.{fn}(...)\n\t/src/{pkg}/{rng.choice(('handler', 'service', 'store', 'api'))}.go:{rng.randint(20, 400)} +0x{hexid(rng, 3)}")
    frames.append("net/http.serverHandler.ServeHTTP({0xc0001a6000?}, {0x1b6c3a0?, 0xc0004e2380?}, 0xc0001a6000?)\n\t/usr/local/go/src/net/http/server.go:2938 +0x8e")
    return "\n".join(frames)


def node_stack(svc: Service, rng: random.Random, head: str) -> str:
    lines = [head]
    for _ in range(rng.randint(3, 6)):
        fn = rng.choice(("handler", "process", "Router.handle", "async Promise.all", "mapItem", "Layer.handle [as handle_request]"))
        lines.append(f"    at {fn} (/usr/src/app/{rng.choice(('src/routes', 'src/services', 'node_modules/express/lib/router', 'dist'))}/{rng.choice(('index', 'handler', 'layer', svc.base))}.js:{rng.randint(10, 300)}:{rng.randint(5, 40)})")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Context values and rendering
# --------------------------------------------------------------------------------------------

ENTITIES = ("account", "order", "item", "invoice", "payment", "user", "shipment", "booking", "product", "entry", "quote", "ticket", "session", "asset")
FIELDS = ("amount", "currency", "customerId", "sku", "quantity", "address", "email", "postalCode", "discount", "taxRate")
OPS = ("getById", "create", "update", "search", "reserve", "capture", "validate", "refresh", "list", "settle")
PARTNERS = (("fx", "api.fxrates.example.net"), ("geo", "maps.partner.example.com"), ("kyc", "kyc.vendor.example.io"),
            ("sms", "api.smsgateway.example.org"), ("mail", "api.mailprovider.example.com"), ("tax", "tax.saas.example.com"))  # fmt: skip
JOB_ERRORS = ("ERROR: canceling statement due to statement timeout", "upstream returned 503 while exporting batch",
              "S3 PutObject failed: SlowDown: Please reduce your request rate.", "duplicate key value violates unique constraint",
              "remote end closed connection without response", "lock wait timeout exceeded; try restarting transaction")  # fmt: skip
DEP_MSGS = (("urllib3", "HTTPResponse.getheaders() is deprecated and will be removed in urllib3 v2.1.0. Instead access HTTPResponse.headers directly."),
            ("pydantic", "Pydantic V1 style `@validator` validators are deprecated. You should migrate to Pydantic V2 style `@field_validator` validators"),
            ("sqlalchemy", "The Query.get() method is considered legacy as of the 1.x series of SQLAlchemy and becomes a legacy construct in 2.0."))  # fmt: skip


class Voice:
    """Renders events into (logger, message, stack lines, fields) in one service's own wording."""

    def __init__(self, svc: Service, rng: random.Random) -> None:
        self.svc = svc
        self.family = svc.runtime if svc.runtime in FAMILY_WORDS else "go"
        self.words = FAMILY_WORDS[self.family]
        self.salt = rng.randrange(1 << 30)
        self.rng = rng
        self.stacks: dict[tuple[str, str], list[str]] = {}
        self.lines: dict[str, int] = {}

    def variant(self, event: str, key: str = "") -> Variant:
        options = self.words[event]
        h = int(hashlib.md5(f"{self.salt}:{event}:{key}".encode()).hexdigest()[:8], 16)
        return options[h % len(options)]

    def line_no(self, key: str) -> int:
        if key not in self.lines:
            self.lines[key] = self.rng.randint(20, 480)
        return self.lines[key]

    def render(self, event: str, ctx: dict[str, Any], key: str = "") -> tuple[str, str, list[str] | None, dict[str, Any] | None]:
        logger_fmt, msg_fmt, stack_kind, fields_fmt = self.variant(event, key)
        ctx.setdefault("ln", self.line_no(f"{event}:{key}"))
        if "{go_stack}" in str(fields_fmt) and "go_stack" not in ctx:
            ctx["go_stack"] = self.cached_text(f"go:{event}:{key}", lambda: go_stack(self.svc, self.rng))
        if "{node_stack}" in str(fields_fmt) + msg_fmt and "node_stack" not in ctx:
            head = f"Error: {ctx.get('fatal_reason') or ctx.get('node_err') or ctx.get('cfg_problem') or 'TypeError'}"
            ctx["node_stack"] = self.cached_text(f"node:{event}:{key}", lambda: node_stack(self.svc, self.rng, head))
        logger = logger_fmt.format_map(ctx)
        msg = msg_fmt.format_map(ctx)
        stack = self.stack(stack_kind, ctx, key) if stack_kind else None
        fields = None
        if fields_fmt:
            fields = {}
            for k, spec in fields_fmt.items():
                if spec.startswith("i:"):
                    fields[k] = int(float(spec[2:].format_map(ctx)))
                elif spec.startswith("f:"):
                    fields[k] = float(spec[2:].format_map(ctx))
                else:
                    fields[k] = spec.format_map(ctx)
        return logger, msg, stack, fields

    def cached_text(self, key: str, make: Callable[[], str]) -> str:
        if key not in self.stacks:
            self.stacks[key] = [make()]
        return self.stacks[key][0]

    def stack(self, kind: str, ctx: dict[str, Any], key: str) -> list[str]:
        """The same code path gives the same frames; only the first line's values change."""
        memo = (kind, key)
        if memo not in self.stacks:
            make = java_stack if self.family == "java" else python_stack
            self.stacks[memo] = make(self.svc, self.rng, kind, ctx) if self.family in ("java", "python") else []
        frames = list(self.stacks[memo])
        if frames and self.family == "java" and kind == "j-bug":
            frames[0] = f"{ctx['exc']}: {ctx['exc_msg']}"
        if frames and self.family == "python" and kind == "py-bug":
            frames[-1] = f"{ctx['exc']}: {ctx['exc_msg']}"
        return frames or None  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------
# Records and the event context
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Rec:
    """One log record before layout: true time, service, pod, level and rendered text."""

    t: float
    svc: str
    pod: int
    level: str
    logger: str
    thread: str
    msg: str
    stack: list[str] | None
    fields: dict[str, Any] | None
    trace: str | None
    anomalous: bool
    tag: str  # req | bg | life | call
    logged: str = ""  # the timestamp as rca reads it, set by the writer
    first_line: str = ""  # the record's first physical line as written (kept for the root only)


class Ctx(dict):  # type: ignore[type-arg]
    """An event's values; anything a template asks for and the emitter did not give is made up here."""

    def __init__(self, sim: "Sim", svc: Service, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.sim, self.svc = sim, svc

    def __missing__(self, key: str) -> Any:
        value = self.sim.filler(self.svc, key, self)
        self[key] = value
        return value


@dataclass
class Req:
    trace: str
    rid: str
    client_ip: str
    ua: str


@dataclass
class Resp:
    status: int
    dur: float
    err: str = ""


@dataclass
class Breaker:
    window: deque = field(default_factory=deque)  # type: ignore[type-arg]
    state: str = "closed"
    opened_at: float = 0.0
    open_for: float = 30.0
    min_calls: int = 10


@dataclass
class Fault:
    kind: str
    root: str
    start: float
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Lifecycle:
    """A process event of one pod: crash (OOM/fatal), shutdown (SIGTERM) or startup."""

    t: float
    svc: str
    pod: int
    action: str  # oom | fatal | shutdown | startup
    version: str
    anomalous: bool
    took: float = 0.0  # startup: seconds until it listens


QUIET_KINDS = ("hang", "dns")
LEVEL_RANK = {"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "ERROR": 4, "FATAL": 5}
LEVEL_WORDS = {
    "java": {"DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARN", "ERROR": "ERROR", "FATAL": "ERROR"},
    "log4j": {"DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARN", "ERROR": "ERROR", "FATAL": "FATAL"},
    "python": {"DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARNING", "ERROR": "ERROR", "FATAL": "CRITICAL"},
    "zap": {"DEBUG": "debug", "INFO": "info", "WARN": "warn", "ERROR": "error", "FATAL": "fatal"},
    "logrus": {"DEBUG": "debug", "INFO": "info", "WARN": "warning", "ERROR": "error", "FATAL": "fatal"},
    "pino": {"DEBUG": 20, "INFO": 30, "WARN": 40, "ERROR": 50, "FATAL": 60},
    "winston": {"DEBUG": "debug", "INFO": "info", "WARN": "warn", "ERROR": "error", "FATAL": "error"},
}


# --------------------------------------------------------------------------------------------
# The simulator
# --------------------------------------------------------------------------------------------


class Sim:
    """Walks requests through the call DAG, runs every service's background, applies the fault."""

    def __init__(self, topo: Topology, fault: Fault | None, rng: random.Random, t0: datetime, duration: float,
                 *, mesh: bool = False) -> None:  # fmt: skip
        self.topo, self.fault, self.rng, self.t0, self.duration, self.mesh = topo, fault, rng, t0, duration, mesh
        self.recs: list[Rec] = []
        self.voices = {n: Voice(s, random.Random(rng.randrange(1 << 62))) for n, s in topo.services.items()}
        self.out = {n: topo.out_edges(n) for n in topo.services}
        self.breakers: dict[tuple[str, str], Breaker] = {}
        self.pod_down: dict[str, list[list[tuple[float, float]]]] = {n: [[] for _ in s.pods] for n, s in topo.services.items()}
        self.lifecycle: list[Lifecycle] = []
        self.started_at = {n: -rng.uniform(3600, 30 * 86400) for n in topo.services}
        self.habits = {n: self.make_habits(s) for n, s in topo.services.items()}
        self.hung_started = 0
        self.noisy: dict[str, list[tuple[float, float]]] = {}
        self.cron: dict[str, dict[str, Any]] = {}
        self.bursts: list[tuple[float, float, float]] = []
        self.tasks: list[tuple[float, Callable[[], Any]]] = []  # worker jobs, run in time order with requests
        self.new_version: dict[tuple[str, int], float] = {}  # (service, pod) -> when the pod runs the new version
        self.retries: list[tuple[float, int, Req]] = []  # external clients retrying failed requests (a heap)
        self.client_retry = 0.0  # chance that an external client retries a 5xx
        self.client_timeout = 30.0
        self.last_saturated: dict[str, float] = {}
        self.namespace, self.public_host = "default", "www.example.com"
        self.inflight: dict[str, list[float]] = {n: [] for n in topo.services}  # end times of requests holding a thread
        self.stacks_dropped = 0

    # ---- per-service habits -------------------------------------------------------------

    def make_habits(self, s: Service) -> dict[str, Any]:
        r = self.rng
        return {
            "log_start": r.random() < 0.2,
            "level_by_status": r.random() < 0.7,
            "double_log": s.runtime == "java" and r.random() < 0.5,
            "retry_level": r.choice(("WARN", "WARN", "ERROR", "INFO")),
            "call_ok_level": r.choice(("DEBUG", "DEBUG", "INFO", None)),
            "base_ms": r.choice((2.0, 4.0, 8.0, 15.0, 25.0, 40.0)) * (0.3 if s.kind in ("cache", "db", "auth") else 1.0),
            "db_p": 0.0 if s.kind in ("cache", "auth", "proxy") else (1.0 if s.kind == "db" else r.choice((0.0, 0.3, 0.6, 0.9))),
            "db_level": r.choice(("DEBUG", "DEBUG", "INFO")),
            "cache_p": 1.0 if s.kind == "cache" else r.choice((0.0, 0.0, 0.4, 0.8)),
            "tmsg": r.choice((" trace_id={tid}", " request_id={rid}", " [X-Request-Id: {rid}]", " traceId={tid16}")),
            "entities": r.sample(ENTITIES, 3),
            "err_4xx": r.choice((0.0, 0.002, 0.01, 0.03)) if s.role == "entry" else r.choice((0.0, 0.0, 0.005)),
            "slow_ms": r.choice((500, 1000, 2000)),
            "tls_logs": s.runtime == "go" or (s.runtime == "java" and r.random() < 0.5),
            "pool_total": r.choice((10, 10, 16, 20, 32)),
            "gmod": r.choice(("internal", "pkg", "cmd/server", ident(s.base), "app")),
            "slow_logs": r.random() < 0.6,
            "probes": s.runtime != "nginx" and r.random() < 0.3,
            "probe_path": r.choice(("/healthz", "/actuator/health", "/health/ready", "/livez", "/ping")),
            "new_line_since": 1e18,
            "own_err_level": weighted(r, (("ERROR", 0.7), ("WARN", 0.2), ("INFO", 0.1))),
            "call_err_level": weighted(r, (("ERROR", 0.75), ("WARN", 0.25))),
            "bug_since": 1e18,  # an unrelated bug (red herring) starts here
            "bug_rate": 0.0,
        }

    # ---- context fillers ----------------------------------------------------------------

    def filler(self, s: Service, key: str, ctx: Ctx) -> Any:
        r, h = self.rng, self.habits[s.name]
        entity = ctx["entity"] if key not in ("entity",) else r.choice(h["entities"])
        simple: dict[str, Callable[[], Any]] = {
            "entity": lambda: entity,
            "Entity": lambda: camel(ctx["entity"]),
            "table": lambda: plural(ctx["entity"]),
            "alias": lambda: ctx["entity"][0] + "1_0",
            "op": lambda: r.choice(OPS),
            "Op": lambda: camel(ctx["op"]),
            "field": lambda: r.choice(FIELDS),
            "Field": lambda: camel(ctx["field"]),
            "oid": lambda: self.object_id(),
            "ver": lambda: r.randint(1, 40),
            "key": lambda: f"{ctx['entity']}:{self.object_id()}",
            "hit": lambda: r.choice(("hit", "hit", "hit", "miss")),
            "found": lambda: "found" if ctx["hit"] == "hit" else "not found",
            "client": lambda: r.choice([e.caller for e in self.topo.in_edges(s.name)] or ["mobile-app", "partner-api", "web"]),
            "ua_short": lambda: r.choice(USER_AGENTS).split(" ")[0],
            "bytes": lambda: int(lognormal_ms(r, 900, 1.0)),
            "file": lambda: f"/var/lib/{s.name}/{r.choice(('wal', 'data', 'spool', 'tmp'))}/{r.choice(('segment', 'chunk', 'export'))}-{r.randint(1, 99999):06d}.{r.choice(('log', 'dat', 'json'))}",
            "uptime": lambda: int(self.uptime(s.name, ctx.get("now", 0.0))),
            "pid": lambda: r.randint(7, 60),
            "hex6": lambda: hexid(r, 6),
            "scheme": lambda: "http",
            "upath": lambda: ctx.get("path", "/"),
            "nth": lambda: {1: "1st", 2: "2nd", 3: "3rd"}.get(ctx.get("attempt", 1), f"{ctx.get('attempt', 1)}th"),
            "left": lambda: max(0, ctx.get("max", 3) - ctx.get("attempt", 1)),
            "cached": lambda: r.uniform(0.5, 3000.0),
            "threads": lambda: r.randint(40, 220),
            "topic": lambda: f"{s.base.split('-')[0]}.{r.choice(('events', 'commands', 'changes'))}",
            "partition": lambda: r.randint(0, 11),
            "offset": lambda: r.randint(10**5, 10**8),
            "n": lambda: r.randint(1, 500),
            "secs": lambda: lognormal_ms(r, 20.0, 0.7),
            "run_id": lambda: hexid(r, 8),
            "batch": lambda: r.randint(1, 400),
            "kip": lambda: f"10.244.{r.randint(0, 9)}.{r.randint(2, 250)}",
            "next_major": lambda: int(s.version.split(".")[0]) + 1,
            "Partner": lambda: camel(ctx["partner"]),
            "partner": lambda: self.partner(s)[0],
            "partner_host": lambda: self.partner(s)[1],
            "partner_file": lambda: ident(ctx["partner"]),
            "pkgdep": lambda: self.dep(s)[0],
            "depmsg": lambda: self.dep(s)[1],
            "STATE": lambda: r.choice(("PENDING_REVIEW", "ARCHIVED", "UNKNOWN", "PARTIALLY_REFUNDED")),
            "var": lambda: r.choice(("dto", "response", "account", "item", "ctx")),
            "Pkgcls": lambda: f"{s.pkg}.domain.{camel(ctx['entity'])}",
            "prop": lambda: r.choice(("id", "amount", "items", "currency", "userId")),
            "method_go": lambda: camel(ctx.get("method", "GET").lower()),
            "cport2": lambda: r.randint(32768, 60999),
            "route": lambda: re.sub(r"/[^/]*\d[^/]*", "/{id}", ctx.get("path", "/")),
            "lag_ms": lambda: lognormal_ms(r, 1.5, 0.5),
            "fatal_reason": lambda: "lost connection to configuration store",
            "go_bug": lambda: r.choice(GO_BUGS),
            "go_err": lambda: r.choice(("sql: no rows in result set", "json: cannot unmarshal number into Go value of type string")),
            "node_err": lambda: r.choice(NODE_BUGS).format(prop=ctx["prop"]),
            "timeout_ms": lambda: int(ctx.get("timeout", 5) * 1000),
            "retry_after": lambda: r.choice((1, 1, 2, 5)),
            "slow_ms": lambda: h["slow_ms"],
            "what": lambda: r.choice(("cached data", "default values", "an empty list", "stale prices")),
            "err_short": lambda: r.choice(("timeout", "connection refused", "503")),
            "elapsed_ms": lambda: ctx.get("ms", 0.0),
            "reason": lambda: HTTP_REASON.get(ctx.get("status", 200), "OK"),
            "dur_s": lambda: ctx.get("ms", 0.0) / 1000.0,
            "disk_pct": lambda: r.uniform(55, 70),
            "free": lambda: r.randint(0, 4096),
            "overflow": lambda: 0,
            "gen0": lambda: int(self.uptime(s.name, ctx.get("now", 0.0)) * 0.8) + r.randint(0, 3),
            "gen1": lambda: int(self.uptime(s.name, ctx.get("now", 0.0)) * 0.07) + r.randint(0, 1),
            "gen2": lambda: int(self.uptime(s.name, ctx.get("now", 0.0)) * 0.004),
            "num_gc": lambda: int(self.uptime(s.name, ctx.get("now", 0.0)) * 0.3) + r.randint(0, 2),
            "job": lambda: self.cron.get(s.name, {}).get("job", f"{s.base}-sync"),
            "Job": lambda: camel(ctx["job"]),
            "job_file": lambda: ident(ctx["job"]),
            "job_err": lambda: r.choice(JOB_ERRORS),
            "bad": lambda: r.choice(("12,50", "abc", "-1", "NaN", "1e309", "")),
            "tmsg": lambda: "",
            "tid": lambda: "",
            "tid16": lambda: ctx["tid"][:16],
            "rid": lambda: uuid4(r),
            "depth": lambda: r.randint(0, 12),
            "lag": lambda: r.randint(0, 300),
            "ms": lambda: lognormal_ms(r, 20.0),
            "rows": lambda: r.choice((0, 1, 1, 1, 2, 5, 12, 50)),
            "client_ip": lambda: f"10.244.{r.randint(0, 15)}.{r.randint(2, 250)}",
            "method": lambda: "GET",
            "path": lambda: "/",
            "status": lambda: 200,
            "pct": lambda: 50.0,
            "used": lambda: 512, "max": lambda: 1024, "before": lambda: 600, "after": lambda: 300,
            "pause_ms": lambda: 5.0,
            "srcfile": lambda: ident(s.base),
            "cfg_key": lambda: "-", "cfg_val": lambda: "-", "cfg_problem": lambda: "-",
            "peer": lambda: f"10.244.{r.randint(0, 15)}.{r.randint(2, 250)}:{r.randint(32768, 60999)}",
            "limit": lambda: 100, "ref": lambda: "upstream", "url": lambda: "", "host": lambda: "", "callee": lambda: "upstream",
            "Callee": lambda: "Remote", "callee_mod": lambda: "remote", "cip": lambda: "", "cport": lambda: 8080,
            "clog": lambda: f"{s.pkg}.client.RemoteClient", "gcaller": lambda: "httpclient/client.go:88", "plog": lambda: f"{ident(s.base)}.clients",
            "exc": lambda: "java.lang.RuntimeException", "exc_msg": lambda: "", "timeout": lambda: 5.0, "fail_pct": lambda: 60.0,
            "attempt": lambda: 1, "max": lambda: 3, "backoff_ms": lambda: 100.0, "not_after": lambda: "", "not_after_go": lambda: "",
            "now_go": lambda: "", "pkgname": lambda: ident(s.base), "timeout_s": lambda: 30.0,
            "total": lambda: h["pool_total"], "active": lambda: 2, "idle": lambda: 8, "waiting": lambda: 0,
            "name": lambda: s.name, "NAME": lambda: s.name.upper(), "Cls": lambda: camel(s.base), "pkg": lambda: s.pkg,
            "mod": lambda: ident(s.base), "gmod": lambda: h["gmod"], "port": lambda: s.port, "ip": lambda: s.ip,
            "pod": lambda: s.pods[0],
            "thread": lambda: r.choice(("main", f"http-nio-{s.port}-exec-{r.randint(1, 200)}", "pool-2-thread-3")),
            "junk": lambda: r.choice(("wp-login.php", ".env", "favicon.ico", "actuator/env", "robots.txt", "api/v0/health")),
            "exc_short": lambda: JAVA_CAUSES["5xx"],
            "flag": lambda: r.choice(("new-checkout-flow", "async-pricing", "v2-search-ranking", "batch-writes", "regional-routing")),
            "flag_on": lambda: r.choice(("on", "off", "on")),
            "tenant": lambda: f"t-{r.randint(100, 999)}",
            "busy": lambda: r.randint(150, 200), "queued": lambda: r.randint(5, 400), "max_threads": lambda: 200, "lag_big": lambda: r.uniform(200, 3000),
        }  # fmt: skip
        if key in simple:
            return simple[key]()
        raise KeyError(f"no filler for {key!r} ({s.name})")

    def uptime(self, name: str, t: float) -> float:
        """Seconds since the service's last (re)start."""
        starts = [c.t for c in self.lifecycle if c.svc == name and c.action == "startup" and c.t <= t]
        return t - max(starts) if starts else t - self.started_at[name]

    def object_id(self) -> str:
        r = self.rng
        style = r.randrange(5)
        if style == 0:
            return str(r.randint(1000, 99_999_999))
        if style == 1:
            return uuid4(r)
        if style == 2:
            return f"{r.choice(('ord', 'acc', 'inv', 'usr', 'itm', 'pay'))}_{hexid(r, 12)}"
        if style == 3:
            return f"{r.randint(100000, 999999)}-{r.randint(10, 99)}"
        return hexid(r, 24)

    def partner(self, s: Service) -> tuple[str, str]:
        return PARTNERS[int(hashlib.md5(s.name.encode()).hexdigest(), 16) % len(PARTNERS)]

    def dep(self, s: Service) -> tuple[str, str]:
        return DEP_MSGS[int(hashlib.md5(s.name.encode()).hexdigest(), 16) % len(DEP_MSGS)]

    # ---- emission -----------------------------------------------------------------------

    def emit(self, name: str, t: float, level: str | None, event: str, values: dict[str, Any] | None = None, *,
             key: str = "", tag: str = "req", req: Req | None = None, anomalous: bool = False,
             thread: str | None = None, pod: int | None = None) -> None:  # fmt: skip
        """Render one event in the service's own wording and keep it (level None: not logged)."""
        if level is None or t < 0 or t >= self.duration:
            return
        s = self.topo.services[name]
        if LEVEL_RANK[level] < LEVEL_RANK[s.min_level] or self.log_lost(name, t):
            return
        values = dict(values or {})
        values.setdefault("now", t)
        if req is not None:
            values.setdefault("tid", req.trace)
            values.setdefault("rid", req.rid)
        ctx = Ctx(self, s, values)
        ctx["tmsg"] = self.tmsg(s, req, ctx)
        logger, msg, stack, fields = self.voices[name].render(event, ctx, key)
        trace = None
        if req is not None and s.traces in ("field", "mdc"):
            trace = req.trace if "tid" in self.habits[name]["tmsg"] else req.rid
        self.recs.append(Rec(t, name, self.pick_pod(name, t) if pod is None else pod, level, logger,
                             thread or self.thread(s, tag), msg, stack, fields, trace, anomalous, tag))  # fmt: skip

    def emit_raw(self, name: str, t: float, level: str, logger: str, msg: str, *, tag: str = "life", pod: int = 0,
                 anomalous: bool = False, stack: list[str] | None = None, fields: dict[str, Any] | None = None,
                 thread: str = "main") -> None:  # fmt: skip
        if 0 <= t < self.duration and LEVEL_RANK[level] >= LEVEL_RANK[self.topo.services[name].min_level] and not self.log_lost(name, t):
            self.recs.append(Rec(t, name, pod, level, logger, thread, msg, stack, fields, None, anomalous, tag))

    def tmsg(self, s: Service, req: Req | None, ctx: Ctx) -> str:
        if req is None or s.traces != "msg":
            return ""
        return self.habits[s.name]["tmsg"].format(tid=req.trace, rid=req.rid, tid16=req.trace[:16])

    def thread(self, s: Service, tag: str) -> str:
        r = self.rng
        if s.runtime == "java":
            if tag in ("req", "call"):
                return f"http-nio-{s.port}-exec-{r.randint(1, 200)}"
            return r.choice(("scheduling-1", "pool-2-thread-1", "main", "metrics-reporter-1-thread-1"))
        return "-"

    def pick_pod(self, name: str, t: float) -> int:
        pods = self.topo.services[name].pods
        up = [i for i in range(len(pods)) if not self.pod_is_down(name, i, t)]
        return self.rng.choice(up) if up else 0

    def pod_is_down(self, name: str, pod: int, t: float) -> bool:
        return any(a <= t < b for a, b in self.pod_down[name][pod])

    def is_down(self, name: str, t: float) -> bool:
        return all(self.pod_is_down(name, i, t) for i in range(len(self.topo.services[name].pods)))

    def fault_on(self, name: str, t: float, *kinds: str) -> bool:
        f = self.fault
        return f is not None and f.root == name and t >= f.start and (not kinds or f.kind in kinds)

    def log_lost(self, name: str, t: float) -> bool:
        """A full disk that also holds the service's log file: its lines stop a little after the fault."""
        f = self.fault
        return f is not None and f.kind == "disk_full" and f.root == name and f.params.get("log_volume", False) and t >= f.start + f.params["log_grace_s"]

    def pod_affected(self, name: str, pod: int, t: float) -> bool:
        """Partial faults: a new version only on restarted pods (canary), a slow node under one pod."""
        f = self.fault
        assert f is not None
        if f.kind in ("exception", "bad_config") and f.params.get("deploy", True):
            return self.new_version.get((name, pod), 1e18) <= t
        if "pods" in f.params:
            return pod in f.params["pods"]
        return True

    # ---- requests -----------------------------------------------------------------------

    def edge_values(self, e: Edge, path: str) -> dict[str, Any]:
        """How the caller refers to the callee in its lines (name, FQDN, IP, pod, client class, nothing)."""
        callee, caller = self.topo.services[e.callee], self.topo.services[e.caller]
        scheme = "https" if e.tls else "http"
        host = {
            "url-name": callee.name, "url-fqdn": f"{callee.name}.{self.namespace}.svc.cluster.local", "ip": callee.ip,
            "pod": callee.pods[0], "host": callee.name, "client": callee.name, "none": callee.name,
        }[e.naming]  # fmt: skip
        port_part = "" if e.naming == "host" else f":{callee.port}"
        voice = self.voices[e.caller]
        named = e.naming not in ("none",)
        cm = ident(callee.base)
        return {
            "callee": callee.name if named else "upstream",
            "Callee": camel(callee.base) if named else "Remote",
            "callee_mod": cm,
            "ref": {"ip": f"{callee.ip}:{callee.port}", "pod": callee.pods[0]}.get(e.naming, host),
            "url": f"{scheme}://{host}{port_part}{path}",
            "host": host,
            "cip": callee.ip,
            "cport": callee.port,
            "upath": path,
            "path": path,
            "method": e.method,
            "timeout": e.timeout,
            "clog": f"{caller.pkg}.client.{camel(callee.base)}Client" if named else f"{caller.pkg}.support.RestCallTemplate",
            "gcaller": f"{self.habits[e.caller]['gmod']}/{'clients/' + cm if named else 'httpclient/client'}.go:{voice.line_no('client:' + e.callee)}",
            "plog": f"{ident(caller.base)}.clients.{cm}" if named else f"{ident(caller.base)}.upstream",
        }

    def request(self, t: float, req: Req) -> None:
        entries = self.topo.entries
        entry = entries[0] if len(entries) == 1 or self.rng.random() < 0.65 else entries[1]
        if self.topo.services[entry].runtime == "nginx":
            status = self.proxy(entry, t, req)
        else:
            status = self.visit(entry, t, req, None, None).status
        if (status >= 500 or status == 0) and self.rng.random() < self.client_retry:
            heapq.heappush(self.retries, (t + self.rng.uniform(1.0, 6.0), len(self.retries), self.new_req()))

    def visit(self, name: str, t: float, req: Req, caller: str | None, path: str | None) -> Resp:
        """One service handles one request: its own work, its calls, and the line it logs at the end."""
        s, h, r = self.topo.services[name], self.habits[name], self.rng
        pod, thread = self.pick_pod(name, t), self.thread(s, "req")
        if self.saturated(name, t):
            return Resp(0, 1e9, "saturated")  # no thread free: the request waits in the backlog, unseen
        if path is None:
            path = self.rng.choice(s.endpoints)[1]
        route = path
        method, path = self.endpoint(s, path)
        client = req.client_ip if caller is None else self.topo.services[caller].ip
        v = {"method": method, "path": path, "client_ip": client, "client": caller or "web"}
        kind = self.fault.kind if self.fault_on(name, t) and self.pod_affected(name, pod, t) else ""

        def log(at: float, level: str | None, event: str, extra: dict[str, Any] | None = None, *, anomalous: bool = False, tag: str = "req", key: str = "") -> None:
            self.emit(name, at, level, event, {**v, **(extra or {})}, key=key, tag=tag, req=req, anomalous=anomalous, thread=thread, pod=pod)

        if h["log_start"]:
            log(t, "DEBUG" if s.runtime != "python" else "INFO", "inbound_start")
        if kind == "rate_limit" and r.random() < self.fault.params["share"]:
            log(t + 0.0003, "WARN", "rate_limited", {"limit": self.fault.params["limit"]}, anomalous=True)
            return self.finish(name, t, t + lognormal_ms(r, 0.8) / 1000, 429, req, v, pod, thread, anomalous=True)
        mult = self.latency_mult(name, t) if kind or not self.fault_on(name, t) else 1.0
        cursor = t + lognormal_ms(r, h["base_ms"] * 0.4) * mult / 1000
        if r.random() < s.debug:
            log(cursor, "DEBUG", "debug")
        if t >= h["new_line_since"] and r.random() < 0.3:
            log(cursor, "INFO", "feature")
        if t >= h["bug_since"] and r.random() < h["bug_rate"]:
            log(cursor, "ERROR", "bug", {"exc": h["bug_exc"], "exc_msg": h["bug_msg"].replace("<ID>", self.object_id())}, key="herring-bug")
            return self.finish(name, t, cursor + lognormal_ms(r, h["base_ms"]) / 1000, 500, req, v, pod, thread, cause="5xx")
        status, cause = 200, ""
        if r.random() < h["db_p"]:
            cursor, status, cause = self.db_work(name, cursor, mult, log)
        if status == 200 and r.random() < h["cache_p"]:
            ms = lognormal_ms(r, 0.6, 0.5) * (mult if kind == "latency" else 1.0)
            if kind == "latency" and ms > 50 and h["slow_logs"]:
                log(cursor + ms / 1000, "WARN", "cache_slow", {"ms": ms}, anomalous=True)
            log(cursor + ms / 1000, "DEBUG", "cache", tag="req")
            cursor += ms / 1000
        if status == 200 and kind:
            status, cause = self.root_failure(name, kind, method, route, log, cursor, pod)
        if status == 200:
            for e in self.out[name]:
                if r.random() >= e.prob:
                    continue
                ok, elapsed, why = self.call(e, cursor, req, thread, pod)
                cursor += elapsed
                if not ok:
                    status, cause = {"timeout": 504, "unavailable": 503, "breaker": 503, "429": 503}.get(why, 502), why
                    break
        cursor += lognormal_ms(r, h["base_ms"]) * mult / 1000
        if status == 200 and r.random() < h["err_4xx"]:
            status = r.choice((404, 404, 400, 409, 422))
        if self.fault_on(name, cursor, "hang"):
            heapq.heappush(self.inflight[name], 1e18)  # a deadlocked thread never comes back
            return Resp(0, 1e9, "hung")
        if s.worker_timeout and cursor - t > s.worker_timeout:
            return self.worker_killed(name, t, pod)
        heapq.heappush(self.inflight[name], cursor)
        # A delayed network changes no line of the root, only when they come: its requests' lines are its departure.
        anomalous = bool(kind) and (status >= 500 or mult > 3 or kind in ("network_delay", "cpu_contention"))
        return self.finish(name, t, cursor, status, req, v, pod, thread, cause=cause, anomalous=anomalous)

    def saturated(self, name: str, t: float) -> bool:
        """Every thread / worker busy (synchronous servers waiting on slow calls); says so now and then."""
        s, busy = self.topo.services[name], self.inflight[name]
        while busy and busy[0] <= t:
            heapq.heappop(busy)
        if len(busy) < s.capacity:
            return False
        if s.runtime == "java":
            self.saturate(name, t, self.pick_pod(name, t))
        return True

    def worker_killed(self, name: str, t: float, pod: int) -> Resp:
        """gunicorn's arbiter kills a sync worker stuck on one request too long, and boots another."""
        s = self.topo.services[name]
        end = t + s.worker_timeout
        heapq.heappush(self.inflight[name], end + 1.0)
        pid = self.rng.randint(8, 400)
        self.emit(name, end, "FATAL", "worker_timeout", {"pid": pid}, tag="bg", pod=pod)
        self.emit(name, end + self.rng.uniform(0.05, 0.5), "INFO", "worker_boot", {"pid": pid + self.rng.randint(1, 9)}, tag="bg", pod=pod)
        return Resp(0, 1e9, "killed")

    def finish(self, name: str, t: float, end: float, status: int, req: Req, v: dict[str, Any], pod: int, thread: str,
               *, cause: str = "", anomalous: bool = False) -> Resp:  # fmt: skip
        """The request's completion line (access-log style), and a second error line where services log twice."""
        s, h, r = self.topo.services[name], self.habits[name], self.rng
        ms = (end - t) * 1000
        values = {**v, "status": status, "ms": ms, "bytes": int(lognormal_ms(r, 700, 1.0)) if status < 400 else r.randint(60, 300)}
        level = "INFO"
        if h["level_by_status"]:
            level = "ERROR" if status >= 500 else "WARN" if status >= 400 else "INFO"
        elif status >= 500 and s.runtime in ("go", "node"):
            level = "ERROR"
        if status < 500 and r.random() >= s.log_inbound:
            level = None  # type: ignore[assignment]
        self.emit(name, end, level, "inbound", values, req=req, anomalous=anomalous, thread=thread, pod=pod)
        if status >= 500 and h["double_log"] and cause:
            self.emit(name, end, "ERROR", "req_failed", {**v, "exc_short": JAVA_CAUSES.get(cause, JAVA_CAUSES["5xx"])},
                      req=req, anomalous=anomalous, thread=thread, pod=pod)  # fmt: skip
        return Resp(status, end - t, cause)

    def endpoint(self, s: Service, path: str | None) -> tuple[str, str]:
        """The method and concrete path of a request (``path``: the caller's route, ``{id}`` not yet filled)."""
        if path is None:
            method, path = self.rng.choice(s.endpoints)
        else:
            method = next((m for m, p in s.endpoints if p == path), "GET")
        return method, path.replace("{id}", self.object_id())

    def db_work(self, name: str, cursor: float, mult: float, log: Callable[..., None]) -> tuple[float, int, str]:
        """A query through the service's pool; pool exhaustion and slow queries happen here."""
        r, h = self.rng, self.habits[name]
        wait = self.pool_wait(name, cursor)
        if wait is None:
            timeout = self.fault.params["pool_timeout"]  # type: ignore[union-attr]
            log(cursor + timeout, h["own_err_level"], "pool_timeout", {"timeout_ms": int(timeout * 1000), "timeout_s": timeout, "total": h["pool_total"]}, anomalous=True)
            return cursor + timeout, 500, "pool"
        cursor += wait
        ms = lognormal_ms(r, 2.5, 0.7)
        slow = self.fault_on(name, cursor, "latency", "memory_leak") and mult > 2
        if slow:
            ms *= mult * 3
        if slow and ms > 200 and h["slow_logs"]:
            log(cursor + ms / 1000, "WARN", "db_slow", {"ms": ms}, anomalous=True)
        log(cursor + ms / 1000, h["db_level"], "db_query", {"ms": ms, "rows": r.choice((0, 1, 1, 1, 3, 12, 50))}, anomalous=slow)
        return cursor + ms / 1000, 200, ""

    def root_failure(self, name: str, kind: str, method: str, path: str, log: Callable[..., None], cursor: float, pod: int) -> tuple[int, str]:
        """What the fault does to one request the root handles (exceptions, disk, config)."""
        f, r = self.fault, self.rng
        assert f is not None
        p = f.params
        share = p.get("share", 1.0) * min(1.0, max(0.0, cursor - f.start) / p["ramp"]) if p.get("ramp") else p.get("share", 1.0)
        level = self.habits[name]["own_err_level"]
        if kind == "exception" and path.split("/")[1:3] in p["paths"] and r.random() < share:
            log(cursor, level, "bug", {"exc": p["exc"], "exc_msg": self.bug_message(), "prop": p.get("prop", "id")}, anomalous=True, key="bug")
            return 500, "5xx"
        if kind == "disk_full" and (method != "GET" or r.random() < p["read_share"]) and r.random() < p["share"]:
            log(cursor, level, "disk_full", anomalous=True)
            return p["status"], "5xx"
        if kind == "bad_config" and p["effect"] == "bad_value" and r.random() < p["share"]:
            log(cursor, level, "config_error", {"cfg_problem": p["problem"], "cfg_key": p["cfg_key"], "cfg_val": p["cfg_val"]}, anomalous=True, key="cfg")
            return 500, "5xx"
        return 200, ""

    def bug_message(self) -> str:
        f = self.fault
        assert f is not None
        return f.params["exc_msg"].replace("<ID>", self.object_id())

    def call(self, e: Edge, t: float, req: Req, thread: str, pod: int) -> tuple[bool, float, str]:
        """A caller's call with its retries, breaker and fallback; returns (ok, elapsed, failure kind)."""
        r, h = self.rng, self.habits[e.caller]
        values = self.edge_values(e, e.path.replace("{id}", self.object_id()))
        anon = "@anon" if e.naming in ("client", "none") else ""
        br = self.breakers.setdefault((e.caller, e.callee), Breaker(open_for=r.choice((10.0, 30.0, 60.0)))) if e.breaker else None
        elapsed, why = 0.0, ""
        tries = e.retries + 1
        timeout = e.timeout
        if self.fault_on(e.caller, t, "bad_config") and self.fault.params["effect"] == "tiny_timeout" and self.pod_affected(e.caller, pod, t):  # type: ignore[union-attr]
            timeout = self.fault.params["tiny_timeout"]  # type: ignore[union-attr]
        caller_fault = self.fault_on(e.caller, t)
        for attempt in range(1, tries + 1):
            now = t + elapsed
            if br is not None and not self.breaker_allows(br, e, now):
                self.emit(e.caller, now, "ERROR", "breaker_reject", values, req=req, thread=thread, pod=pod, tag="call", anomalous=caller_fault)
                why = "breaker"
                break
            kind, dur, status = self.attempt(e, now, req, timeout, pod)
            if kind == "ok":
                self.breaker_record(br, e, now + dur, True)
                lvl = "WARN" if dur * 1000 > h["slow_ms"] else h["call_ok_level"]
                self.emit(e.caller, now + dur, lvl, "call_slow" if lvl == "WARN" else "call_ok", {**values, "ms": dur * 1000}, req=req, thread=thread, pod=pod, tag="call")
                return True, elapsed + dur, ""
            elapsed += dur
            why = kind
            self.breaker_record(br, e, t + elapsed, False)
            if kind == "timeout":
                self.saturate(e.caller, t + elapsed, pod)
            last = attempt == tries or kind == "tls"
            event = {"timeout": "call_timeout", "refused": "call_refused", "5xx": "call_5xx", "429": "call_429", "dns": "call_dns",
                     "tls": "call_tls", "unavailable": "call_unavailable"}[kind]  # fmt: skip
            extra = {"status": status or 503, "elapsed_ms": dur * 1000, "attempt": attempt, "max": tries, "timeout": timeout,
                     "timeout_ms": int(timeout * 1000), **self.tls_values()}  # fmt: skip
            level = h["call_err_level"] if last else h["retry_level"]
            if e.silent:
                level = None  # type: ignore[assignment]  # this caller swallows the error
            self.emit(e.caller, t + elapsed, level, event + anon, {**values, **extra}, req=req, thread=thread, pod=pod, tag="call",
                      anomalous=caller_fault, key=e.callee if last else e.callee + ":retry")  # fmt: skip
            if last:
                break
            backoff = e.backoff * (2 ** (attempt - 1)) * r.uniform(0.8, 1.2)
            if kind == "429":
                backoff = max(backoff, float(r.choice((1, 1, 2))))
            self.emit(e.caller, t + elapsed, "INFO" if h["retry_level"] == "INFO" else "WARN", "retry",
                      {**values, **extra, "attempt": attempt + 1, "backoff_ms": backoff * 1000, "err_short": kind}, req=req, thread=thread, pod=pod, tag="call")  # fmt: skip
            elapsed += backoff
        if e.fallback:
            self.emit(e.caller, t + elapsed, "WARN", "fallback", {**values, "err_short": why}, req=req, thread=thread, pod=pod, tag="call")
            return True, elapsed, ""
        return False, elapsed, why

    def tls_values(self) -> dict[str, str]:
        f = self.fault
        if f is None or f.kind != "cert_expiry":
            return {"not_after": "", "not_after_go": "", "now_go": ""}
        na = self.t0 + timedelta(seconds=f.start)
        return {"not_after": na.strftime("%a %b %d %H:%M:%S UTC %Y"), "not_after_go": na.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "now_go": (na + timedelta(seconds=self.rng.uniform(0, 1800))).strftime("%Y-%m-%dT%H:%M:%SZ")}  # fmt: skip

    def saturate(self, name: str, t: float, pod: int) -> None:
        """A caller whose threads wait on timeouts says so, now and then."""
        if t - self.last_saturated.get(name, -1e9) < 15.0 or self.rng.random() < 0.5:
            return
        self.last_saturated[name] = t
        s = self.topo.services[name]
        per_pod = s.capacity // len(s.pods) if s.capacity < 10**9 else 200
        self.emit(name, t, "WARN", "saturated", {"busy": per_pod, "max_threads": per_pod}, tag="bg", pod=pod)

    def attempt(self, e: Edge, t: float, req: Req, timeout: float, pod: int = 0) -> tuple[str, float, int]:
        """One try of one call: what the caller sees, after how long."""
        r = self.rng
        net = lognormal_ms(r, 0.6, 0.4) / 1000
        mode = self.reach(e, t, pod)
        if mode == "refused":
            return ("unavailable", net * 3, 503) if self.mesh else ("refused", net * 2, 0)
        if mode == "dns":
            return "dns", r.choice((0.002, 0.004, 0.02, 5.0 if timeout > 5 else 0.02)), 0
        if mode == "tls":
            if self.habits[e.callee]["tls_logs"] and r.random() < 0.7:
                level = "WARN" if self.topo.services[e.callee].runtime == "go" else "INFO"
                self.emit(e.callee, t + net, level, "tls_handshake", {"peer": f"{self.topo.services[e.caller].ip}:{r.randint(32768, 60999)}"}, tag="bg", anomalous=True)
            return "tls", net * 4, 0
        if mode == "hung":
            if self.habits[e.callee]["log_start"] and self.hung_started < self.fault.params["threads"]:  # type: ignore[union-attr]
                self.hung_started += 1
                self.emit(e.callee, t + net, "DEBUG", "inbound_start", {"method": e.method, "path": e.path.replace("{id}", self.object_id())}, req=req)
            return "timeout", timeout, 0
        # A delayed network (a pod's egress delayed, as tc netem or a chaos tool does it): the
        # root's answers come late, and the requests it sends leave late; its own work is as fast.
        delay_in, delay_out = self.net_delay(e.callee, t), 0.0
        if delay_in:
            delay_out, delay_in = delay_in, delay_in * r.uniform(0.0, 1.0)  # a handshake's SYN-ACK, sometimes
        delay_in += self.net_delay(e.caller, t)
        resp = self.visit(e.callee, t + net + delay_in, req, e.caller, e.path)
        total = resp.dur + 2 * net + delay_in + delay_out
        if total > timeout:
            return "timeout", timeout, 0
        if resp.status == 429:
            return "429", total, 429
        if resp.status >= 500:
            return "5xx", total, resp.status
        return "ok", total, resp.status

    def net_delay(self, name: str, t: float) -> float:
        """Seconds a packet from ``name`` waits when the fault delays its network, else 0."""
        if not self.fault_on(name, t, "network_delay"):
            return 0.0
        p = self.fault.params  # type: ignore[union-attr]
        ramp = min(1.0, (t - self.fault.start) / p["ramp_s"]) if p["ramp_s"] else 1.0  # type: ignore[union-attr]
        return p["delay_s"] * ramp * (1.0 + self.rng.uniform(-p["jitter"], p["jitter"]))

    def reach(self, e: Edge, t: float, pod: int = 0) -> str:
        """Whether a call gets to the callee at all: down, DNS, TLS, hung, or fine."""
        if self.is_down(e.callee, t):
            return "refused"
        f = self.fault
        if f is None or t < f.start:
            return "ok"
        if (f.kind == "bad_config" and e.caller == f.root and f.params["effect"] == "wrong_endpoint" and e.callee == f.params["target"]
                and self.pod_affected(e.caller, pod, t)):  # fmt: skip
            return "dns"
        if e.callee != f.root:
            return "ok"
        if f.kind == "dns" and e.naming != "ip":
            return "dns"
        if f.kind == "cert_expiry" and e.tls:
            return "tls"
        if f.kind == "hang":
            return "hung"
        return "ok"

    def breaker_allows(self, br: Breaker, e: Edge, t: float) -> bool:
        if br.state == "open":
            if br.opened_at <= t < br.opened_at + br.open_for:
                return False
            if t < br.opened_at:
                return True  # a call from before the breaker opened (requests overlap in time)
            br.state = "half"
            self.emit(e.caller, t, "INFO", "breaker_half", {"callee": e.callee}, tag="bg")
        return True

    def breaker_record(self, br: Breaker | None, e: Edge, t: float, ok: bool) -> None:
        if br is None:
            return
        if br.state == "half":
            br.state = "closed" if ok else "open"
            br.opened_at = t
            br.window.clear()
            self.emit(e.caller, t, "INFO" if ok else "WARN", "breaker_closed" if ok else "breaker_open", {"callee": e.callee, "fail_pct": 100.0}, tag="bg")
            return
        br.window.append((t, ok))
        while br.window and br.window[0][0] < t - 10:
            br.window.popleft()
        fails = sum(1 for _, good in br.window if not good)
        if br.state == "closed" and len(br.window) >= br.min_calls and fails / len(br.window) >= 0.5:
            br.state, br.opened_at = "open", t
            self.emit(e.caller, t, "WARN", "breaker_open", {"callee": e.callee, "fail_pct": 100.0 * fails / len(br.window)}, tag="bg")
            br.window.clear()

    def proxy(self, entry: str, t: float, req: Req) -> int:
        """An nginx entry: one upstream per request, an access line, and an error line when the upstream fails."""
        r = self.rng
        edges = self.out[entry]
        e = r.choices(edges, weights=[x.prob for x in edges])[0]
        timeout = max(e.timeout, 30.0)
        path = e.path.replace("{id}", self.object_id())
        kind, dur, status = self.attempt(e, t, req, timeout)
        callee = self.topo.services[e.callee]
        upstream = f"http://{callee.ip}:{callee.port}{path}"
        msg = {
            "timeout": ("error", "upstream timed out (110: Connection timed out) while reading response header from upstream", 504),
            "refused": ("error", "connect() failed (111: Connection refused) while connecting to upstream", 502),
            "unavailable": ("error", "upstream prematurely closed connection while reading response header from upstream", 502),
            "dns": ("error", f"{callee.name} could not be resolved (3: Host not found)", 502),
            "tls": ("error", "upstream SSL certificate verify error: (10:certificate has expired) while SSL handshaking to upstream", 502),
        }.get(kind)  # fmt: skip
        code = status if kind in ("ok", "5xx", "429") else (msg[2] if msg else 502)
        if code == 200 and r.random() < self.habits[entry]["err_4xx"]:
            code = r.choice((404, 404, 400, 499))
        if dur > self.client_timeout:
            code, dur, msg = 499, self.client_timeout, None  # the client gave up first; nginx logs only the access line
        end = t + dur + lognormal_ms(r, 0.3, 0.3) / 1000
        anomalous = self.fault_on(entry, t)
        if msg:
            fields = {"nginx": "error", "level": msg[0], "conn": r.randint(10**5, 10**7), "client": req.client_ip, "method": e.method,
                      "path": path, "upstream": upstream, "host": self.public_host}  # fmt: skip
            self.emit_raw(entry, end, "ERROR", "nginx.error", msg[1], tag="call", pod=0, fields=fields, anomalous=anomalous)
        fields = {"nginx": "access", "client": req.client_ip, "method": e.method if r.random() < 0.9 else "GET", "path": path, "status": code,
                  "bytes": int(lognormal_ms(r, 2400, 1.0)) if code < 400 else r.randint(150, 600), "ua": req.ua, "rt": end - t,
                  "urt": dur, "upstream": f"{callee.ip}:{callee.port}"}  # fmt: skip
        level = "ERROR" if code >= 500 else "WARN" if code >= 400 else "INFO"
        self.emit_raw(entry, end, level, "nginx.access", "", tag="req", pod=0, fields=fields, anomalous=anomalous)
        return code

    # ---- fault state ----------------------------------------------------------------------

    def latency_mult(self, name: str, t: float) -> float:
        f = self.fault
        if f is None or f.root != name or t < f.start:
            return 1.0
        if f.kind == "latency":
            ramp = min(1.0, (t - f.start) / f.params["ramp_s"])
            return 1.0 + (f.params["mult"] * math.exp(self.rng.gauss(0.0, 0.5)) - 1.0) * ramp
        if f.kind == "memory_leak":
            return 1.0 + max(0.0, self.heap_pct(name, t) - 85.0) / 12.0 * 6.0
        if f.kind == "cpu_contention":
            return f.params["mult"] * math.exp(self.rng.gauss(0.0, 0.3))
        return 1.0

    def heap_pct(self, name: str, t: float) -> float:
        s = self.topo.services[name]
        normal = s.heap_base + 6.0 * math.sin(t / 97.0 + len(name)) + self.rng.uniform(-4.0, 4.0)
        f = self.fault
        if f is None or f.root != name or f.kind != "memory_leak" or t < f.start:
            return normal
        since = max([f.start] + [c.t for c in self.lifecycle if c.svc == name and c.action == "startup" and c.t <= t])
        return min(98.5, normal + (97.0 - s.heap_base) * (t - since) / f.params["leak_s"])

    def pool_wait(self, name: str, t: float) -> float | None:
        """Seconds to get a DB connection; None when the pool times out."""
        if not self.fault_on(name, t, "pool_exhaustion"):
            return 0.0
        p, r = self.fault.params, self.rng  # type: ignore[union-attr]
        free = p["total"] * (1.0 - min(1.0, (t - self.fault.start) / p["ramp"]))  # type: ignore[union-attr]
        if free >= 3:
            return lognormal_ms(r, 1.0) / 1000
        if free >= 1:
            wait = lognormal_ms(r, 400.0, 0.9) / 1000
            return None if wait >= p["pool_timeout"] else wait
        return None if r.random() < 0.93 else r.uniform(1.0, p["pool_timeout"])

    # ---- background -----------------------------------------------------------------------

    def ticks(self, period: float, jitter: float = 0.05) -> list[float]:
        t = self.rng.uniform(0, period)
        out = []
        while t < self.duration:
            out.append(t)
            t += period * self.rng.uniform(1 - jitter, 1 + jitter)
        return out

    def poisson_times(self, per_minute: float, start: float = 0.0, end: float | None = None) -> list[float]:
        end = self.duration if end is None else end
        out, t = [], start
        if per_minute <= 0:
            return out
        while True:
            t += self.rng.expovariate(per_minute / 60.0)
            if t >= end:
                return out
            out.append(t)

    def background(self) -> None:
        for name, s in self.topo.services.items():
            if s.runtime == "nginx":
                continue
            for pod in range(len(s.pods)):
                self.bg_heartbeat(s, pod)
                self.bg_runtime(s, pod)
                self.bg_pool(s, pod)
                self.bg_probes(s, pod)
            self.bg_chatter(s)
            if s.role == "worker":
                self.bg_worker(s)
        for c in sorted(self.lifecycle, key=lambda c: (c.t, c.svc, c.pod)):
            self.emit_lifecycle(c)

    def bg_heartbeat(self, s: Service, pod: int) -> None:
        if s.heartbeat <= 0:
            return
        level = "INFO" if hash_choice(s.name, "hb-level", 3) else "DEBUG"
        for t in self.ticks(s.heartbeat):
            if self.pod_is_down(s.name, pod, t) or self.fault_on(s.name, t, "hang"):
                continue
            self.emit(s.name, t, level, "heartbeat", {"now": t}, tag="req", pod=pod)

    def bg_probes(self, s: Service, pod: int) -> None:
        """Kubernetes liveness/readiness probes in the service's own request log; they stop in a deadlock."""
        h = self.habits[s.name]
        if not h["probes"]:
            return
        level = "INFO" if hash_choice(s.name, "probe-level", 3) else "DEBUG"
        node_ip = f"10.{hash_choice(s.name, 'node', 8, 1)}.0.{hash_choice(s.pods[pod], 'node-ip', 200, 10)}"
        for t in self.ticks(hash_choice(s.name, "probe-every", 3, 1) * 5.0, 0.01):
            if self.pod_is_down(s.name, pod, t) or self.fault_on(s.name, t, "hang"):
                continue
            values = {"method": "GET", "path": h["probe_path"], "status": 200, "ms": lognormal_ms(self.rng, 0.8, 0.4), "client_ip": node_ip, "client": "kube-probe"}
            self.emit(s.name, t, level, "inbound", values, tag="req", pod=pod)

    def bg_runtime(self, s: Service, pod: int) -> None:
        """GC and heap lines: they go on through a deadlock, climb in a leak, stop while down."""
        r = self.rng
        every = s.stats_every
        for t in self.ticks(every, 0.3):
            if self.pod_is_down(s.name, pod, t):
                continue
            pct = self.heap_pct(s.name, t)
            leak = self.fault_on(s.name, t, "memory_leak") and pct > s.heap_base + 12
            mx = 1024 * hash_choice(s.name, "heap-max", 4, 1)
            used = int(mx * pct / 100)
            pause = lognormal_ms(r, 6.0, 0.5) * (1.0 + (max(0.0, pct - 70.0) / 6.0) ** 2)
            values = {"pct": pct, "used": used, "max": mx, "before": min(mx, used + r.randint(50, 300)), "after": used,
                      "pause_ms": pause, "threads": r.randint(60, 180), "lag_ms": lognormal_ms(r, 1.5, 0.5)}  # fmt: skip
            self.emit(s.name, t, "DEBUG" if s.runtime == "java" and hash_choice(s.name, "gc-debug", 3) == 0 else "INFO", "gc", values, tag="bg", pod=pod, anomalous=leak)
            if hash_choice(s.name, "heap-lines", 2) and r.random() < 0.5:
                self.emit(s.name, t + 0.01, "INFO", "heap", values, tag="bg", pod=pod, anomalous=leak)
            if leak and pct > 85:
                self.emit(s.name, t + 0.02, "WARN", "heap_warn", values, tag="bg", pod=pod, anomalous=True)
            if leak and pct > 91 and r.random() < 0.5:
                self.emit(s.name, t + 0.03, "WARN", "gc_full", {**values, "pause_ms": pause * r.uniform(20, 80)}, tag="bg", pod=pod, anomalous=True)

    def bg_pool(self, s: Service, pod: int) -> None:
        h = self.habits[s.name]
        if h["db_p"] <= 0:
            return
        level = h["db_level"] if h["db_level"] == "INFO" else "DEBUG"
        total, r = h["pool_total"], self.rng
        f = self.fault
        for t in self.ticks(hash_choice(s.name, "pool-every", 2, 1) * 30.0, 0.02):
            if self.pod_is_down(s.name, pod, t):
                continue
            active = min(total, int(lognormal_ms(r, 2.0, 0.7)))
            waiting, anomalous = 0, False
            if f is not None and self.fault_on(s.name, t, "pool_exhaustion", "hang"):
                since = t - f.start
                frac = 1.0 if f.kind == "hang" else min(1.0, since / f.params["ramp"])
                active = max(active, int(round(total * frac)))
                if active >= total:
                    waiting = int(min(250, since * f.params.get("queue_rate", 0.5) * r.uniform(0.6, 1.4)))
                anomalous = active >= total - 1
            self.emit(s.name, t, "INFO" if anomalous and level == "DEBUG" and r.random() < 0 else level, "pool_stats",
                      {"total": total, "active": active, "idle": total - active, "waiting": waiting}, tag="bg", pod=pod, anomalous=anomalous)  # fmt: skip

    def bg_chatter(self, s: Service) -> None:
        """Steady WARN chatter, everyday background errors, noisy error episodes, disk warnings."""
        for t in self.poisson_times(s.warn_rate):
            if not self.is_down(s.name, t) and not self.fault_on(s.name, t, "hang"):
                self.emit(s.name, t, "WARN", "deprecation", {"ms": lognormal_ms(self.rng, 1500, 0.4)}, tag="bg", key=str(self.rng.randrange(3)))
        for t in self.poisson_times(s.bg_error_rate):
            if not self.is_down(s.name, t) and not self.fault_on(s.name, t, "hang"):
                self.emit(s.name, t, "ERROR", "bg_error", tag="bg", key=str(self.rng.randrange(2)))
        for a, b, rate in self.noisy.get(s.name, []):
            for t in self.poisson_times(rate, a, min(b, self.duration)):
                if not self.is_down(s.name, t):
                    self.emit(s.name, t, "ERROR", "bg_error", tag="bg", key="noisy")
        if self.fault_on(s.name, self.duration - 1, "disk_full") and self.fault.params["disk_warn"]:  # type: ignore[union-attr]
            for t in self.ticks(30.0):
                if t >= self.fault.start - 60:  # type: ignore[union-attr]
                    pct = 100.0 if t >= self.fault.start else 99.0 + self.rng.random() * 0.9  # type: ignore[union-attr]
                    self.emit(s.name, t, "WARN", "disk_warn", {"disk_pct": pct, "free": self.rng.randint(0, 9000000)}, tag="bg", anomalous=True)

    def bg_worker(self, s: Service) -> None:
        """A batch job on a schedule (calling its dependencies), or a queue consumer; their calls run as tasks, in time order with requests."""
        r = self.rng
        cron = self.cron.get(s.name)
        callees = self.out[s.name]
        if s.kind == "consumer" and cron is None:
            for t in self.ticks(r.choice((2.0, 5.0, 10.0)), 0.5):
                self.emit(s.name, t, "INFO" if hash_choice(s.name, "consumed", 2) else "DEBUG", "consumed", {"ms": lognormal_ms(r, 40)}, tag="req")
                if callees and r.random() < 0.5:
                    edge = r.choice(callees)
                    self.tasks.append((t, lambda t=t, edge=edge: self.call(edge, t, self.new_req(), self.thread(s, "bg"), 0)))
            for t in self.ticks(30.0):
                self.emit(s.name, t, "INFO", "queue_depth", {"depth": r.randint(0, 20), "lag": r.randint(0, 400)}, tag="bg")
            return
        period = cron["period"] if cron else r.choice((60.0, 120.0, 300.0))
        job = cron["job"] if cron else f"{s.base}-{r.choice(('sync', 'export', 'reconcile', 'cleanup'))}"
        self.cron.setdefault(s.name, {"job": job, "period": period, "error_runs": set()})
        for i, t in enumerate(self.ticks(period, 0.01)):
            self.tasks.append((t, lambda t=t, i=i: self.job_run(s, t, i, job)))

    def job_run(self, s: Service, t: float, i: int, job: str) -> None:
        """One run of a batch job: start, calls to its dependencies, maybe an error burst, done."""
        r, cron, callees = self.rng, self.cron.get(s.name, {}), self.out[s.name]
        run = hexid(r, 8)
        self.emit(s.name, t, "INFO", "job_start", {"job": job, "run_id": run}, tag="req")
        cursor = t + r.uniform(0.05, 0.5)
        for _ in range(r.randint(2, 12) if callees else 0):
            ok, el, _why = self.call(r.choice(callees), cursor, self.new_req(), self.thread(s, "bg"), 0)
            cursor += el + r.uniform(0.01, 0.3)
        if i in cron.get("error_runs", ()):
            for _ in range(r.randint(3, 25)):
                cursor += r.uniform(0.01, 0.8)
                self.emit(s.name, cursor, "ERROR", "job_error", {"job": job}, tag="bg", key=str(r.randrange(2)))
        cursor += lognormal_ms(r, 3000, 0.6) / 1000
        self.emit(s.name, cursor, "INFO", "job_done", {"job": job, "run_id": run, "secs": cursor - t, "ms": (cursor - t) * 1000}, tag="req")

    def new_req(self) -> Req:
        r = self.rng
        return Req(hexid(r, 32), uuid4(r), f"{r.choice(('203.0.113', '198.51.100', '192.0.2', '100.64.3'))}.{r.randint(2, 254)}", r.choice(USER_AGENTS))

    # ---- lifecycle ----------------------------------------------------------------------

    def emit_lifecycle(self, c: Lifecycle) -> None:
        s = self.topo.services[c.svc]
        if c.action == "killed":
            return  # the kernel's OOM killer: the process just stops
        if c.action in ("oom", "fatal"):
            level = "FATAL" if s.runtime != "java" or s.layout == "log4j" else "ERROR"
            values = {"fatal_reason": self.fault.params.get("fatal_reason", "unrecoverable state") if self.fault else "unrecoverable state"}
            thread = self.thread(s, "req") if c.action == "oom" else "main"
            self.emit(c.svc, c.t, level, c.action, values, tag="life", pod=c.pod, anomalous=c.anomalous, key=c.action, thread=thread)
            if c.action == "oom" and s.runtime == "java" and hash_choice(s.name, "oom-exit", 2):
                self.emit(c.svc, c.t + 0.05, "ERROR", "oom_exit", tag="life", pod=c.pod, anomalous=c.anomalous)
            return
        lines = startup_lines(s, c.version, self.rng, c.took) if c.action == "startup" else shutdown_lines(s, self.rng)
        for dt, level, logger, msg in lines:
            self.emit_raw(c.svc, c.t + dt, level, logger, msg, pod=c.pod, anomalous=c.anomalous, thread="main" if s.runtime == "java" else "-")


def hash_choice(name: str, what: str, n: int, offset: int = 0) -> int:
    """A stable per-service choice in [offset, offset + n)."""
    return offset + int(hashlib.md5(f"{name}:{what}".encode()).hexdigest()[:8], 16) % n


JAVA_CAUSES = {
    "timeout": "org.springframework.web.client.ResourceAccessException: I/O error on GET request: Read timed out",
    "refused": "org.springframework.web.client.ResourceAccessException: I/O error on GET request: Connection refused",
    "unavailable": "org.springframework.web.client.HttpServerErrorException$ServiceUnavailable: 503 Service Unavailable",
    "5xx": "org.springframework.web.client.HttpServerErrorException$InternalServerError: 500 Internal Server Error",
    "dns": "org.springframework.web.client.ResourceAccessException: I/O error on GET request: java.net.UnknownHostException",
    "tls": "org.springframework.web.client.ResourceAccessException: I/O error on GET request: PKIX path validation failed",
    "429": "org.springframework.web.client.HttpClientErrorException$TooManyRequests: 429 Too Many Requests",
    "breaker": "io.github.resilience4j.circuitbreaker.CallNotPermittedException: CircuitBreaker is OPEN",
    "pool": "org.springframework.transaction.CannotCreateTransactionException: Could not open JPA EntityManager for transaction",
}
JAVA["req_failed"] = [
    ("{pkg}.web.GlobalExceptionHandler", "Request {method} {path} failed: {exc_short}", None, None),
    ("o.a.c.c.C.[.[.[/].[dispatcherServlet]", "Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception [Request processing failed: {exc_short}] with root cause", None, None),
]


def startup_lines(s: Service, version: str, r: random.Random, took: float) -> list[tuple[float, str, str, str]]:
    """The banner a service logs when it starts: version, config, pools, and where it listens (ready at ``took``)."""
    cls, addr = camel(s.base), (f"{s.ip}:{s.port}" if s.mentions_ip else f"0.0.0.0:{s.port}")
    if s.runtime == "java":
        lines = [
            (0.0, "INFO", f"{s.pkg}.{cls}Application", f"Starting {cls}Application v{version} using Java 17.0.{r.randint(6, 11)} with PID 1 (/app/app.jar started by app in /app)"),
            (0.02, "INFO", f"{s.pkg}.{cls}Application", 'The following 1 profile is active: "prod"'),
            (took * 0.3, "INFO", "o.s.b.w.embedded.tomcat.TomcatWebServer", f"Tomcat initialized with port {s.port} (http)"),
            (took * 0.5, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Starting..."),
            (took * 0.55, "INFO", "com.zaxxer.hikari.pool.HikariPool", f"HikariPool-1 - Added connection org.postgresql.jdbc.PgConnection@{hexid(r, 8)}"),
            (took * 0.56, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Start completed."),
            (took * 0.98, "INFO", "o.s.b.w.embedded.tomcat.TomcatWebServer", f"Tomcat started on port {s.port} (http) with context path ''"),
            (took, "INFO", f"{s.pkg}.{cls}Application", f"Started {cls}Application in {took:.3f} seconds (process running for {took + 1.2:.3f})"),
        ]  # fmt: skip
        if s.mentions_ip:
            lines.append((took + 0.3, "INFO", "c.n.d.DiscoveryClient", f"DiscoveryClient_{s.name.upper()}/{s.ip}:{s.name}:{s.port}: registering service..."))
        return lines
    if s.runtime == "go":
        return [
            (0.0, "INFO", "cmd/server/main.go:41", f"starting {s.name} version={version} commit={hexid(r, 7)} go=go1.21.{r.randint(3, 9)}"),
            (0.01, "INFO", "internal/config/config.go:88", "configuration loaded from /etc/config/config.yaml"),
            (took * 0.5, "INFO", "internal/store/postgres.go:52", "connected to postgres (max_conns=20)"),
            (took, "INFO", "cmd/server/main.go:77", f"listening on {addr}"),
        ]  # fmt: skip
    if s.runtime == "python":
        return [
            (0.0, "INFO", "gunicorn.error", "Starting gunicorn 21.2.0"),
            (0.01, "INFO", "gunicorn.error", f"Listening at: http://{addr} (1)"),
            (0.02, "INFO", "gunicorn.error", "Using worker: uvicorn.workers.UvicornWorker"),
            (0.05, "INFO", "gunicorn.error", f"Booting worker with pid: {r.randint(7, 12)}"),
            (took, "INFO", f"{ident(s.base)}.main", f"{s.name} {version} started, Application startup complete."),
        ]  # fmt: skip
    return [
        (0.0, "INFO", "", f"{s.name} v{version} starting (node v18.19.{r.randint(0, 1)}, NODE_ENV=production)"),
        (took * 0.4, "INFO", "", "connected to redis"),
        (took, "INFO", "", f"Server listening at http://{addr}"),
    ]


def shutdown_lines(s: Service, r: random.Random) -> list[tuple[float, str, str, str]]:
    if s.runtime == "java":
        return [
            (0.0, "INFO", "o.s.b.w.embedded.tomcat.GracefulShutdown", "Commencing graceful shutdown. Waiting for active requests to complete"),
            (r.uniform(0.5, 3), "INFO", "o.s.b.w.embedded.tomcat.GracefulShutdown", "Graceful shutdown complete"),
            (3.1, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Shutdown initiated..."),
            (3.2, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Shutdown completed."),
        ]  # fmt: skip
    if s.runtime == "go":
        return [(0.0, "INFO", "cmd/server/main.go:96", "received signal terminated, shutting down"),
                (r.uniform(0.2, 2.0), "INFO", "cmd/server/main.go:104", "server stopped")]  # fmt: skip
    if s.runtime == "python":
        return [(0.0, "INFO", "gunicorn.error", "Handling signal: term"),
                (r.uniform(0.2, 2.0), "INFO", "gunicorn.error", f"Worker exiting (pid: {r.randint(7, 12)})"),
                (2.1, "INFO", "gunicorn.error", "Shutting down: Master")]  # fmt: skip
    return [(0.0, "INFO", "", "SIGTERM received, closing server"), (r.uniform(0.2, 1.5), "INFO", "", "server closed")]


# --------------------------------------------------------------------------------------------
# Assembling a case: runtimes, addresses, the fault, red herrings, traffic
# --------------------------------------------------------------------------------------------

STACK_MIXES: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = (
    ("java-shop", (("java", 0.7), ("go", 0.1), ("python", 0.1), ("node", 0.1))),
    ("go-shop", (("go", 0.65), ("java", 0.15), ("python", 0.1), ("node", 0.1))),
    ("python-shop", (("python", 0.6), ("go", 0.2), ("java", 0.1), ("node", 0.1))),
    ("node-shop", (("node", 0.55), ("go", 0.2), ("python", 0.15), ("java", 0.1))),
    ("polyglot", (("java", 0.25), ("go", 0.25), ("python", 0.25), ("node", 0.25))),
)
ORGS = ("acme", "example", "shopco", "fintrail", "northwind", "globex", "initech", "umbrella", "contoso", "bluebird")
ENTRY_ROOT_KINDS = ("exception", "latency", "crash_loop", "sudden_death", "bad_config", "disk_full", "memory_leak", "hang")


def assign_runtimes(topo: Topology, rng: random.Random, merged_style: str, root: str) -> str:
    """Runtime and log layout per service; shipper-prefixed merged files only hold date-first text layouts."""
    mix_name, mix = rng.choice(STACK_MIXES)
    for name, s in topo.services.items():
        if merged_style == "prefixed":
            s.runtime = "java" if rng.random() < 0.65 else "python"
            s.layout = weighted(rng, [(lay, w) for lay, w in LAYOUTS[s.runtime] if lay in PREFIX_SAFE])
            continue
        if s.role == "entry" and name != root and rng.random() < (0.7 if s.kind == "proxy" else 0.25):
            s.runtime, s.layout = "nginx", "nginx"
            continue
        s.runtime = weighted(rng, mix)
        s.layout = weighted(rng, LAYOUTS[s.runtime])
    return mix_name


def assign_habits(topo: Topology, rng: random.Random) -> None:
    """Addresses, pods, clocks, verbosity, trace ids, endpoints and background habits of every service."""
    org = rng.choice(ORGS)
    subnet = rng.choice(("10.0", "10.96", "10.100", "172.20"))
    used_ips: set[str] = set()
    for name, s in topo.services.items():
        while True:
            ip = f"{subnet}.{rng.randint(0, 15)}.{rng.randint(2, 250)}"
            if ip not in used_ips:
                used_ips.add(ip)
                break
        s.ip = ip
        s.port = {"java": 8080, "go": rng.choice((8080, 9090, 8000)), "python": rng.choice((8000, 5000, 8080)), "node": rng.choice((3000, 8080)), "nginx": 80}[s.runtime]
        n_pods = 1 if s.role == "worker" else rng.choice((1, 1, 1, 2, 2, 3))
        rs = pod_hash(rng, rng.choice((8, 9, 10)))
        s.pods = [f"{name}-{rs}-{pod_hash(rng, 5)}" for _ in range(n_pods)]
        s.skew = round(rng.uniform(-3.0, 3.0), 3) if rng.random() < 0.4 else 0.0
        s.debug = rng.choice((0.0, 0.0, 0.0, 0.3, 0.8, 1.5)) if s.runtime != "nginx" else 0.0
        s.log_inbound = 1.0 if s.role == "entry" else rng.choice((1.0, 1.0, 0.6, 0.3))
        if s.layout in JSON_LAYOUTS or s.layout == "logrus":
            s.traces = rng.choice(("field", "field", "none"))
        elif s.runtime == "java":
            s.traces = rng.choice(("msg", "mdc", "none", "none"))
        else:
            s.traces = rng.choice(("msg", "none", "none"))
        s.version = f"{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"
        s.pkg = f"com.{org}.{ident(s.base).replace('_', '')}"
        s.heartbeat = rng.choice((0.0, 0.0, 10.0, 15.0, 30.0, 60.0))
        s.stats_every = rng.choice((10.0, 15.0, 30.0, 60.0))
        s.heap_base = rng.uniform(28.0, 60.0)
        s.warn_rate = rng.choice((0.0, 0.0, 0.0, 0.2, 0.5, 1.5))
        s.bg_error_rate = rng.choice((0.0, 0.0, 0.0, 0.0, 0.1, 0.3))
        s.mentions_ip = rng.random() < 0.6
        if s.runtime == "java":
            s.capacity = rng.choice((50, 100, 200, 200)) * len(s.pods)
        elif s.runtime == "python" and s.role != "worker":
            s.capacity = rng.choice((2, 4, 8, 9, 17)) * rng.choice((1, 1, 4)) * len(s.pods)  # gunicorn workers x threads
            s.worker_timeout = 30.0 if rng.random() < 0.7 else 0.0
        if s.runtime != "nginx":
            quiet_ok = s.role not in ("entry", "worker")
            s.min_level = weighted(rng, (("DEBUG", 0.3), ("INFO", 0.55), ("WARN", 0.15 if quiet_ok else 0.0)))
            if s.min_level == "WARN":
                s.warn_rate = max(s.warn_rate, 0.3)
        s.endpoints = entry_endpoints(rng, s) if s.role == "entry" else [(e.method, e.path) for e in topo.in_edges(name)] or [("GET", f"/v1/{s.base}")]


def entry_endpoints(rng: random.Random, s: Service) -> list[tuple[str, str]]:
    words = rng.sample(("cart", "checkout", "products", "search", "account", "orders", "login", "home", "items", "prices", "feed"), 4)
    prefix = rng.choice(("/api", "/api/v1", "", "/v2"))
    return [(rng.choice(("GET", "GET", "POST")), f"{prefix}/{w}" + rng.choice(("", "/{id}"))) for w in words]


def choose_root(topo: Topology, rng: random.Random, kind: str) -> str:
    if kind in ENTRY_ROOT_KINDS and rng.random() < 0.05:
        return topo.entries[0]
    candidates = sorted(n for n, s in topo.services.items() if s.role in ("mid", "leaf", "shared"))
    if kind == "bad_config" and rng.random() < 0.5:
        with_calls = [n for n in candidates if topo.out_edges(n)]
        candidates = with_calls or candidates
    weights = [1.6 if topo.services[n].role == "shared" else 1.0 for n in candidates]
    return rng.choices(candidates, weights=weights)[0]


def ensure_traffic(topo: Topology, root: str, rng: random.Random) -> None:
    """Make one path from an entry to the root busy: an incident somebody noticed touches real traffic."""
    if root in topo.entries:
        return
    paths: list[list[Edge]] = []
    todo: list[tuple[str, list[Edge]]] = [(e, []) for e in topo.entries]
    while todo:
        node, path = todo.pop()
        for e in topo.out_edges(node):
            if e.callee == root:
                paths.append(path + [e])
            elif e.callee not in topo.workers and len(path) < 6:
                todo.append((e.callee, path + [e]))
    if paths:
        for e in rng.choice(sorted(paths, key=lambda p: [(x.caller, x.callee) for x in p])):
            e.prob = max(e.prob, rng.choice((0.7, 0.9, 1.0)))


def ensure_resolved(topo: Topology, root: str) -> None:
    """A DNS fault shows only in calls that resolve the root's name: where every caller reaches it
    by address, nothing would happen, so they reach it by name (no random draw, so the rest of
    the case is as it would have been)."""
    into = [e for e in topo.edges if e.callee == root]
    if into and all(e.naming == "ip" for e in into):
        for e in into:
            e.naming = "url-name"


def bump(version: str, rng: random.Random) -> str:
    major, minor, patch = (int(x) for x in version.split("."))
    return f"{major}.{minor + 1}.0" if rng.random() < 0.5 else f"{major}.{minor}.{patch + 1}"


def startup_time(s: Service, rng: random.Random) -> float:
    return {"java": rng.uniform(8, 28), "go": rng.uniform(1, 3), "python": rng.uniform(1.5, 4), "node": rng.uniform(0.8, 2.5)}.get(s.runtime, 1.0)


def rolling_restart(sim: Sim, name: str, at: float, version: str, rng: random.Random, anomalous: bool, canary_pause: float = 0.0) -> float:
    """Restart every pod one after the other (pausing after the first, a canary); returns when the first new pod is ready."""
    s = sim.topo.services[name]
    first_ready = at
    t = at
    for pod in sorted(range(len(s.pods)), key=lambda p: sim.pod_down[name][p][:1] != []):
        if sim.pod_down[name][pod] and sim.pod_down[name][pod][0][0] == 0.0:
            continue  # a pod that does not exist yet (autoscaling) starts with the new version anyway
        took = startup_time(s, rng)
        boot = t + rng.uniform(2.0, 8.0)
        ready = boot + took
        sim.lifecycle.append(Lifecycle(t, name, pod, "shutdown", s.version, anomalous))
        sim.lifecycle.append(Lifecycle(boot, name, pod, "startup", version, anomalous, took))
        sim.pod_down[name][pod].append((t + 0.5, ready))
        sim.new_version[(name, pod)] = ready
        first_ready = ready if t == at else first_ready
        t = ready + rng.uniform(5.0, 30.0) + (canary_pause if t == at else 0.0)
    return first_ready


def crash(sim: Sim, name: str, pod: int, at: float, action: str, backoff: float, rng: random.Random) -> float:
    """A pod crashes (OOM / fatal), stays down for the back-off, starts again; returns when it is ready."""
    s = sim.topo.services[name]
    took = startup_time(s, rng)
    boot = at + backoff
    sim.lifecycle.append(Lifecycle(at, name, pod, action, s.version, True))
    sim.lifecycle.append(Lifecycle(boot, name, pod, "startup", s.version, True, took))
    sim.pod_down[name][pod].append((at, boot + took))
    return boot + took


def fault_params(topo: Topology, root: str, kind: str, rng: random.Random) -> dict[str, Any]:
    """The kind's knobs for this case (recorded in truth)."""
    s = topo.services[root]
    if kind == "exception":
        paths = [p.split("/")[1:3] for _, p in s.endpoints]
        chosen = rng.sample(paths, k=max(1, len(paths) // 2 + (1 if rng.random() < 0.5 else 0)))
        exc, msg = bug_for(s, rng)
        deploy = rng.random() < 0.5
        return {"paths": chosen, "share": round(rng.uniform(0.3, 1.0), 2), "exc": exc, "exc_msg": msg, "deploy": deploy,
                "prop": rng.choice(("id", "amount", "items", "currency")),
                "canary_pause_s": round(rng.uniform(120, 600), 1) if deploy and len(s.pods) > 1 and rng.random() < 0.5 else 0.0,
                "ramp": 0.0 if deploy else rng.choice((0.0, 60.0, 300.0))}  # fmt: skip
    if kind == "latency":
        params: dict[str, Any] = {"mult": round(rng.uniform(8, 40), 1), "ramp_s": round(rng.uniform(5, 60) if rng.random() < 0.6 else rng.uniform(120, 600), 1)}
        if len(s.pods) > 1 and rng.random() < 0.3:
            params["pods"] = [0]  # one pod on a noisy node
        return params
    if kind == "hang":
        return {"threads": rng.choice((20, 50, 200)), "queue_rate": rng.uniform(0.2, 1.5)}
    if kind == "crash_loop":
        return {"uptime_min_s": 20, "uptime_max_s": 120, "crash": weighted(rng, (("oom", 0.45), ("killed", 0.35), ("fatal", 0.2)))}
    if kind == "sudden_death":
        return {"fatal_reason": rng.choice(("lost connection to configuration store", "invariant violated: negative balance",
                                            "failed to renew leader lease", "unrecoverable state in event loop"))}  # fmt: skip
    if kind == "cert_expiry":
        return {"handshake_logged": False}
    if kind == "disk_full":
        return {"share": round(rng.uniform(0.6, 1.0), 2), "read_share": rng.choice((0.0, 0.1, 0.3)), "status": rng.choice((500, 500, 507)),
                "disk_warn": rng.random() < 0.5, "log_volume": rng.random() < 0.35, "log_grace_s": round(rng.uniform(0.5, 20.0), 1)}  # fmt: skip
    if kind == "pool_exhaustion":
        timeout = 30.0 if s.runtime == "java" else rng.choice((5.0, 10.0, 30.0))
        return {"ramp": round(rng.uniform(20, 240), 1), "pool_timeout": timeout, "queue_rate": rng.uniform(0.2, 1.5)}
    if kind == "bad_config":
        callees = [e.callee for e in topo.out_edges(root)]
        effect = rng.choice(("wrong_endpoint", "tiny_timeout", "bad_value")) if callees else "bad_value"
        key, val, problem = rng.choice(CONFIG_PROBLEMS)
        return {"effect": effect, "target": rng.choice(callees) if callees else "", "tiny_timeout": rng.choice((0.05, 0.1, 0.2)),
                "canary_pause_s": round(rng.uniform(60, 300), 1) if len(s.pods) > 1 and rng.random() < 0.3 else 0.0,
                "share": round(rng.uniform(0.4, 1.0), 2), "cfg_key": key.format(name=ident(s.base)), "cfg_val": val, "problem": problem}  # fmt: skip
    if kind == "rate_limit":
        return {"share": round(rng.uniform(0.4, 0.9), 2), "limit": rng.choice((20, 50, 100, 200))}
    if kind == "memory_leak":
        return {"leak_s": round(rng.uniform(240, 900), 1)}
    if kind == "cpu_contention":
        params = {"mult": round(rng.uniform(1.5, 4.0), 2)}
        if len(s.pods) > 1 and rng.random() < 0.5:
            params["pods"] = [0]  # a noisy neighbour on one pod's node
        return params
    if kind == "network_delay":
        return {"delay_s": round(rng.choice((rng.uniform(0.05, 0.3), rng.uniform(0.3, 2.0))), 3), "jitter": rng.choice((0.0, 0.1, 0.3)),
                "ramp_s": 0.0 if rng.random() < 0.7 else round(rng.uniform(30, 180), 1)}  # fmt: skip
    return {}


CONFIG_PROBLEMS = (
    ("{name}.currency.default", "EURO", "unsupported currency code 'EURO'"),
    ("{name}.db.schema", "v2_", "relation \"v2_entries\" does not exist"),
    ("{name}.feature.new-pricing", "true", "no pricing rule for region 'default'"),
    ("{name}.limits.max-items", "-1", "limit must be positive, got -1"),
    ("{name}.kafka.topic", "orders.events.v3", "unknown topic orders.events.v3"),
)


def bug_for(s: Service, rng: random.Random) -> tuple[str, str]:
    entity, field_ = rng.choice(ENTITIES), rng.choice(FIELDS)
    values = {"Pkgcls": f"{s.pkg}.domain.{camel(entity)}", "Field": camel(field_), "field": field_, "var": rng.choice(("dto", "resp", entity)),
              "entity": entity, "STATE": rng.choice(("PENDING_REVIEW", "ARCHIVED", "UNKNOWN")), "bad": "<ID>", "table": plural(entity), "Cls": camel(s.base)}  # fmt: skip
    pool = PY_BUGS if s.runtime == "python" else J_BUGS
    exc, msg = rng.choice(pool)
    return exc, msg.format_map(values)


def plan_fault(sim: Sim, rng: random.Random) -> None:
    """Turn the fault into process events: restarts, crashes, deaths."""
    f = sim.fault
    assert f is not None
    s = sim.topo.services[f.root]
    if f.kind in ("exception", "bad_config") and f.params.get("deploy", True):
        f.params["effective"] = rolling_restart(sim, f.root, f.start, bump(s.version, rng), rng, True, f.params.get("canary_pause_s", 0.0))
    elif f.kind == "sudden_death":
        for pod in range(len(s.pods)):
            at = f.start + pod * rng.uniform(0.5, 20.0)
            sim.lifecycle.append(Lifecycle(at, f.root, pod, "fatal", s.version, True))
            sim.pod_down[f.root][pod].append((at, 1e9))
    elif f.kind == "crash_loop":
        for pod in range(len(s.pods)):
            t, backoff = f.start + pod * rng.uniform(0.0, 15.0), 10.0
            while t < sim.duration:
                ready = crash(sim, f.root, pod, t, f.params["crash"], backoff * rng.uniform(0.9, 1.1), rng)
                backoff = min(300.0, backoff * 2)
                t = ready + rng.uniform(f.params["uptime_min_s"], f.params["uptime_max_s"])
    elif f.kind == "memory_leak":
        t = f.start + f.params["leak_s"]
        while t < sim.duration:
            readies = [crash(sim, f.root, pod, t + pod * rng.uniform(0, 20), "oom", rng.uniform(1.0, 10.0), rng) for pod in range(len(s.pods))]
            t = max(readies) + f.params["leak_s"] * rng.uniform(0.8, 1.2)
    elif f.kind == "cert_expiry":
        for e in sim.topo.in_edges(f.root):
            e.tls = True
        f.params["handshake_logged"] = sim.habits[f.root]["tls_logs"]
    elif f.kind == "pool_exhaustion":
        sim.habits[f.root]["db_p"] = max(sim.habits[f.root]["db_p"], 0.7)
        f.params["total"] = sim.habits[f.root]["pool_total"]


def pick_herrings(topo: Topology, root: str, start: float, duration: float, rng: random.Random) -> list[dict[str, Any]]:
    """1-3 red herrings; a cron job gets a worker service of its own if there is none."""
    kinds = rng.sample(RED_HERRINGS, k=rng.choice((1, 2, 2, 3)))
    out: list[dict[str, Any]] = []
    bystanders = sorted(n for n, s in topo.services.items() if n != root and s.runtime != "nginx" and n not in topo.ancestors(root))
    others = sorted(n for n, s in topo.services.items() if n != root and s.runtime != "nginx")
    for kind in kinds:
        batch = [w for w in topo.workers if topo.services[w].kind == "batch"]
        if kind == "cron_errors" and not batch and len(topo.services) >= 12:
            kind = "background_errors"
        if kind == "cron_errors":
            name = batch[0] if batch else add_worker(topo, rng)
            period = rng.choice((60.0, 120.0, 180.0, 300.0))
            out.append({"kind": kind, "service": name, "period_s": period})
        elif kind == "benign_deploy":
            pool = [n for n in bystanders if topo.services[n].role != "worker"] or bystanders
            if not pool:
                continue
            out.append({"kind": kind, "service": rng.choice(pool), "at_s": round(max(5.0, start + rng.uniform(-180, 180)), 3)})
        elif kind == "unrelated_bug":
            pool = [n for n in bystanders if topo.services[n].role in ("mid", "leaf", "shared", "entry")]
            if not pool:
                continue
            out.append({"kind": kind, "service": rng.choice(pool), "at_s": round(max(10.0, start + rng.uniform(-300, 300)), 3),
                        "share": round(rng.choice((0.005, 0.01, 0.03, 0.08)), 3)})  # fmt: skip
        elif kind == "traffic_burst":
            at = max(30.0, min(duration - 200, start + rng.uniform(-600, 600)))
            out.append({"kind": kind, "at_s": round(at, 3), "length_s": round(rng.uniform(60, 180), 1), "factor": round(rng.uniform(2.0, 4.0), 2)})
        elif others:
            out.append({"kind": kind, "service": rng.choice(others)})
    return out


def add_worker(topo: Topology, rng: random.Random) -> str:
    for _ in range(50):
        base = rng.choice(DOMAIN_WORDS)
        name = f"{base}-{rng.choice(('cron', 'batch', 'export', 'reconciler', 'nightly'))}"
        if name not in topo.services and safe_name(name):
            break
    topo.services[name] = Service(name, base, "worker", "batch")
    topo.workers.append(name)
    callees = sorted(n for n, s in topo.services.items() if s.role in ("mid", "leaf", "shared"))
    if callees and rng.random() < 0.6:
        topo.edges.append(make_edge(rng, name, rng.choice(callees), topo.services))
    return name


SECONDARY_DOWN = ("hang", "latency", "network_delay", "pool_exhaustion", "dns", "cert_expiry", "crash_loop", "sudden_death", "memory_leak")
SECONDARY_LOAD = ("latency", "network_delay", "cpu_contention", "hang", "pool_exhaustion", "rate_limit", "memory_leak", "crash_loop", "exception")


def pick_secondary(topo: Topology, root: str, kind: str, start: float, rng: random.Random) -> list[dict[str, Any]]:
    """Effects of the fault that look like causes: callers restarted by failing probes, autoscaled pods."""
    out: list[dict[str, Any]] = []
    callers = sorted({e.caller for e in topo.in_edges(root)} - set(topo.workers))
    callers = [c for c in callers if topo.services[c].runtime != "nginx"]
    if kind in SECONDARY_DOWN and callers and rng.random() < 0.3:
        out.append({"kind": "probe_restart", "service": rng.choice(callers), "after_s": round(rng.uniform(20, 120), 1), "restarts": rng.randint(1, 3)})
    if kind in SECONDARY_LOAD and rng.random() < 0.35:
        pool = [n for n in topo.entries if topo.services[n].runtime != "nginx" and n != root] + [c for c in callers if c != root]
        if pool:
            name = rng.choice(pool)
            s = topo.services[name]
            k = rng.randint(1, 2)
            rs = s.pods[0].rsplit("-", 2)[1]
            s.pods = s.pods + [f"{name}-{rs}-{pod_hash(rng, 5)}" for _ in range(k)]
            out.append({"kind": "scale_up", "service": name, "at_s": round(start + rng.uniform(60, 300), 1), "pods": k})
    return out


def apply_secondary(sim: Sim, effects: list[dict[str, Any]], rng: random.Random) -> None:
    f = sim.fault
    assert f is not None
    for eff in effects:
        name = eff["service"]
        s = sim.topo.services[name]
        if eff["kind"] == "scale_up":
            for pod in range(len(s.pods) - eff["pods"], len(s.pods)):
                took = startup_time(s, rng)
                at = eff["at_s"] + rng.uniform(0, 20)
                sim.pod_down[name][pod] = [(0.0, at + took)]
                sim.lifecycle.append(Lifecycle(at, name, pod, "startup", s.version, False, took))
        elif eff["kind"] == "probe_restart":
            at = f.start + eff["after_s"]
            for _ in range(eff["restarts"]):
                for pod in range(len(s.pods)):
                    if sim.pod_down[name][pod] and sim.pod_down[name][pod][0][0] == 0.0 and sim.pod_down[name][pod][0][1] > at:
                        continue
                    kill = at + rng.uniform(0, 10)
                    for back in (25.0, 15.0, 5.0):
                        sim.emit(name, kill - back, "WARN", "health_down", {"callee": f.root, "err_short": "timeout"}, tag="bg", pod=pod)
                    took = startup_time(s, rng)
                    boot = kill + rng.uniform(1.0, 5.0)
                    sim.lifecycle.append(Lifecycle(kill, name, pod, "shutdown", s.version, False))
                    sim.lifecycle.append(Lifecycle(boot, name, pod, "startup", s.version, False, took))
                    sim.pod_down[name][pod].append((kill + 0.5, boot + took))
                at += rng.uniform(90, 240)


def apply_herrings(sim: Sim, herrings: list[dict[str, Any]], rng: random.Random) -> None:
    f = sim.fault
    assert f is not None
    for h in herrings:
        s = sim.topo.services.get(h.get("service", ""))
        if h["kind"] == "cron_errors":
            runs = int(sim.duration // h["period_s"]) + 1
            before = [i for i in range(runs) if i * h["period_s"] < f.start - h["period_s"]]
            after = [i for i in range(runs) if i * h["period_s"] > f.start + h["period_s"]]
            chosen = {i for i in range(runs) if rng.random() < 0.4}
            chosen |= {rng.choice(before)} if before else set()
            chosen |= {rng.choice(after)} if after else set()
            sim.cron[h["service"]] = {"job": f"{s.base}-{rng.choice(('export', 'sync', 'settlement', 'reindex'))}", "period": h["period_s"], "error_runs": chosen}  # type: ignore[union-attr]
            h["error_runs"] = len(chosen)
        elif h["kind"] == "benign_deploy":
            h["version"] = bump(s.version, rng)  # type: ignore[union-attr]
            ready = rolling_restart(sim, h["service"], h["at_s"], h["version"], rng, False)
            if rng.random() < 0.5:
                sim.habits[h["service"]]["new_line_since"] = ready
                h["new_log_line"] = True
        elif h["kind"] == "warn_chatter":
            s.warn_rate = rng.uniform(4, 20)  # type: ignore[union-attr]
            h["per_minute"] = round(s.warn_rate, 1)  # type: ignore[union-attr]
        elif h["kind"] == "background_errors":
            s.bg_error_rate = rng.uniform(1, 6)  # type: ignore[union-attr]
            h["per_minute"] = round(s.bg_error_rate, 1)  # type: ignore[union-attr]
        elif h["kind"] == "noisy_errors":
            t, episodes = rng.uniform(0, 240), []
            while t < sim.duration:
                length = rng.uniform(30, 180)
                episodes.append((t, t + length, rng.uniform(10, 40)))
                t += length + rng.uniform(60, 360)
            sim.noisy[h["service"]] = episodes
            h["episodes"] = len(episodes)
        elif h["kind"] == "traffic_burst":
            sim.bursts.append((h["at_s"], h["at_s"] + h["length_s"], h["factor"]))
        elif h["kind"] == "unrelated_bug":
            hab = sim.habits[h["service"]]
            hab["bug_since"], hab["bug_rate"] = h["at_s"], h["share"]
            hab["bug_exc"], hab["bug_msg"] = bug_for(s, rng)  # type: ignore[arg-type]
            h["exception"] = hab["bug_exc"]


def traffic_profile(nprng: np.random.Generator, duration: int, bursts: list[tuple[float, float, float]]) -> np.ndarray:
    """Per-second load multiplier: a ramp, a peak, a random walk, short bursts."""
    x = np.arange(duration, dtype=float)
    ramp = 1.0 + nprng.uniform(-0.5, 0.5) * (x / duration - 0.5)
    peak = 1.0 + nprng.uniform(0.0, 0.8) * np.exp(-0.5 * ((x - nprng.uniform(0, duration)) / nprng.uniform(300, 900)) ** 2)
    walk = np.exp(np.repeat(np.cumsum(nprng.normal(0.0, 0.04, duration // 60 + 1)), 60)[:duration])
    prof = ramp * peak * walk
    for _ in range(int(nprng.integers(0, 4))):
        a = int(nprng.uniform(0, duration - 100))
        prof[a : a + int(nprng.uniform(15, 90))] *= nprng.uniform(1.4, 2.5)
    for a, b, factor in bursts:
        prof[int(a) : int(b)] *= factor
    return prof


def arrivals(nprng: np.random.Generator, rate: float, profile: np.ndarray) -> np.ndarray:
    counts = nprng.poisson(np.maximum(0.0, rate * profile))
    times = np.repeat(np.arange(len(profile), dtype=float), counts) + nprng.random(int(counts.sum()))
    return np.sort(times)


def written_lines(sim: "Sim", plan: "FilePlan") -> int:
    """Lines the case will have on disk: a collector export holds a record (stack included) on one line."""
    return sum(1 if plan.modes[r.svc] == "collector" or not r.stack else 1 + len(stack_lines(r)) for r in sim.recs)


def physical_lines(recs: list[Rec]) -> int:
    return sum(1 + sum(part.count("\n") + 1 for part in r.stack) if r.stack else 1 for r in recs)


# --------------------------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
PRECISION = {"logback": 3, "springboot": 3, "log4j": 3, "java-time": 3, "pylog": 3, "pylog-bracket": 3, "flask": 3,
             "gunicorn": 0, "pyjson": 3, "zap": 6, "zap-iso": 3, "logrus": 0, "pino": 3, "bunyan": 3, "winston": 3, "nginx": 0}  # fmt: skip
_LOGFMT_BARE = re.compile(r"^[A-Za-z0-9\-._/@^+]+$")


def iso(dt: datetime, digits: int) -> str:
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    return text + ("." + f"{dt.microsecond:06d}"[:digits] if digits else "") + "Z"


def truncate(dt: datetime, digits: int) -> datetime:
    step = 10 ** (6 - digits)
    return dt.replace(microsecond=dt.microsecond - dt.microsecond % step)


def abbrev(logger: str, width: int) -> str:
    """Logback's %logger{width}: shorten leading package names to one letter until it fits."""
    if len(logger) <= width:
        return logger
    parts = logger.split(".")
    for i in range(len(parts) - 1):
        parts[i] = parts[i][:1]
        if len(".".join(parts)) <= width:
            break
    return ".".join(parts)


def stack_lines(rec: Rec) -> list[str]:
    return [line for part in rec.stack for line in part.split("\n")] if rec.stack else []


def logfmt_value(value: Any) -> str:
    text = str(value)
    return text if _LOGFMT_BARE.match(text) else json.dumps(text)


def trace_key(trace: str) -> str:
    return "trace_id" if re.fullmatch(r"[0-9a-f]{32}", trace) else "request_id"


def render_native(rec: Rec, s: Service, dt: datetime, layout: str, logrus_nano: bool) -> list[str]:
    """A record in the service's own layout: physical lines (header, then stack lines)."""
    ms = dt.microsecond // 1000
    day = dt.strftime("%Y-%m-%d %H:%M:%S")
    if layout in ("logback", "springboot", "log4j", "java-time"):
        lv = LEVEL_WORDS["log4j" if layout == "log4j" else "java"][rec.level]
        mdc = (f"[{rec.trace[:16]},{rec.trace[16:]}] " if rec.trace else "[,] ") if s.traces == "mdc" else ""
        if layout == "logback":
            head = f"{day}.{ms:03d} {lv:<5} [{rec.thread}] {mdc}{abbrev(rec.logger, 36)} - {rec.msg}"
        elif layout == "springboot":
            head = f"{day}.{ms:03d} {lv:>5} 1 --- [{rec.thread[-15:]:>15}] {mdc}{abbrev(rec.logger, 39):<40} : {rec.msg}"
        elif layout == "log4j":
            head = f"{day},{ms:03d} [{rec.thread}] {lv:<5} {mdc}{rec.logger} - {rec.msg}"
        else:
            head = f"{dt:%H:%M:%S}.{ms:03d} [{rec.thread}] {lv:<5} {abbrev(rec.logger, 36)} - {rec.msg}"
        return [head] + stack_lines(rec)
    if layout in ("pylog", "pylog-bracket", "flask", "gunicorn"):
        lv = LEVEL_WORDS["python"][rec.level]
        logger = rec.logger or ident(s.base)
        if layout == "pylog":
            head = f"{day},{ms:03d} {lv} {logger}: {rec.msg}"
        elif layout == "pylog-bracket":
            head = f"{day},{ms:03d} [{lv}] {logger}: {rec.msg}"
        elif layout == "flask":
            head = f"[{day},{ms:03d}] {lv} in {logger.split('.')[-1]}: {rec.msg}"
        else:
            head = f"[{day} +0000] [{hash_choice(s.name, 'pid', 20, 7)}] [{lv}] {rec.msg}"
        return [head] + stack_lines(rec)
    if layout == "logrus":
        lv = LEVEL_WORDS["logrus"][rec.level]
        stamp = iso(dt, 6 if logrus_nano else 0)
        pairs = dict(rec.fields or {})
        if rec.trace:
            pairs[trace_key(rec.trace)] = rec.trace
        tail = "".join(f" {k}={logfmt_value(v)}" for k, v in sorted(pairs.items()) if not isinstance(v, str) or "\n" not in v)
        return [f'time="{stamp}" level={lv} msg={json.dumps(rec.msg)}{tail}']
    return [json.dumps(json_record(rec, s, dt, layout), separators=(",", ":"), ensure_ascii=False)]


def json_record(rec: Rec, s: Service, dt: datetime, layout: str) -> dict[str, Any]:
    """A record as one JSON object in the service's own JSON layout (zap, pino, bunyan, winston, python-json-logger)."""
    fields = dict(rec.fields or {})
    if layout in ("zap", "zap-iso"):
        ts: Any = round((dt - EPOCH).total_seconds(), 6) if layout == "zap" else iso(dt, 3)
        out: dict[str, Any] = {"level": LEVEL_WORDS["zap"][rec.level], "ts": ts, "caller": rec.logger, "msg": rec.msg}
        if rec.trace:
            out[trace_key(rec.trace)] = rec.trace
        return {**out, **fields}
    if layout == "pino":
        out = {"level": LEVEL_WORDS["pino"][rec.level], "time": int((dt - EPOCH).total_seconds() * 1000), "pid": 1, "hostname": s.pods[rec.pod]}
        if rec.trace:
            out["reqId"] = rec.trace
        return {**out, **fields, "msg": rec.msg}
    if layout == "bunyan":
        out = {"name": s.name, "hostname": s.pods[rec.pod], "pid": 1, "level": LEVEL_WORDS["pino"][rec.level]}
        if rec.trace:
            out["req_id"] = rec.trace
        return {**out, **fields, "msg": rec.msg, "time": iso(dt, 3), "v": 0}
    if layout == "winston":
        out = {"level": LEVEL_WORDS["winston"][rec.level], "message": rec.msg, "service": s.name, "timestamp": iso(dt, 3)}
        if rec.trace:
            out["trace_id"] = rec.trace
        return {**out, **fields}
    out = {"asctime": f"{dt:%Y-%m-%d %H:%M:%S},{dt.microsecond // 1000:03d}", "levelname": LEVEL_WORDS["python"][rec.level],
           "name": rec.logger or ident(s.base), "message": rec.msg}  # fmt: skip
    if rec.trace:
        out["request_id"] = rec.trace
    if rec.stack:
        out["exc_info"] = "\n".join(stack_lines(rec))
    return {**out, **fields}


def render_nginx(rec: Rec, dt: datetime) -> str:
    f = rec.fields or {}
    if f.get("nginx") == "access":
        stamp = dt.strftime("%d/%b/%Y:%H:%M:%S +0000")
        return (f'{f["client"]} - - [{stamp}] "{f["method"]} {f["path"]} HTTP/1.1" {f["status"]} {f["bytes"]} "-" '
                f'"{f["ua"]}" rt={f["rt"]:.3f} uct="0.000" urt="{f["urt"]:.3f}" upstream={f["upstream"]}')  # fmt: skip
    if "conn" not in f:  # a line about nginx itself (start, reload), not about a request
        word = {"DEBUG": "debug", "INFO": "notice", "WARN": "warn", "ERROR": "error", "FATAL": "emerg"}.get(rec.level, "notice")
        return f"{dt:%Y/%m/%d %H:%M:%S} [{f.get('level', word)}] 1#1: {rec.msg}"
    return (f'{dt:%Y/%m/%d %H:%M:%S} [{f["level"]}] 1#1: *{f["conn"]} {rec.msg}, client: {f["client"]}, server: {f["host"]}, '
            f'request: "{f["method"]} {f["path"]} HTTP/1.1", upstream: "{f["upstream"]}", host: "{f["host"]}"')  # fmt: skip


def collector_record(rec: Rec, s: Service, dt: datetime, namespace: str) -> dict[str, Any]:
    """A record as a log collector exports it: one JSON object with the service and pod attached."""
    out: dict[str, Any] = {"@timestamp": iso(dt, 3), "service": s.name, "kubernetes": {"pod_name": s.pods[rec.pod], "namespace_name": namespace},
                           "level": rec.level.lower() if rec.level != "WARN" else "warning"}  # fmt: skip
    if s.runtime == "nginx":  # ingress-nginx with a JSON log format: the collector keeps its fields
        f = rec.fields or {}
        if f.get("nginx") == "access":
            out["message"] = f'{f["method"]} {f["path"]} {f["status"]} {f["rt"]:.3f}s'
            out.update({"remote_addr": f["client"], "status": f["status"], "request_time": round(f["rt"], 3),
                        "upstream_addr": f["upstream"], "http_user_agent": f["ua"]})  # fmt: skip
            out["level"] = "info"
        else:
            out["message"] = (f'{rec.msg}, client: {f["client"]}, server: {f["host"]}, request: "{f["method"]} {f["path"]} HTTP/1.1", '
                              f'upstream: "{f["upstream"]}", host: "{f["host"]}"')  # fmt: skip
            out["level"] = "error"
        return out
    if rec.logger:
        out["logger"] = rec.logger
    if rec.thread != "-":
        out["thread"] = rec.thread
    out["message"] = rec.msg
    if rec.stack:
        out["stack_trace"] = "\n".join(stack_lines(rec))
    if rec.trace:
        out["trace_id"] = rec.trace
    for k, v in (rec.fields or {}).items():
        out.setdefault(f"fields.{k}" if k in out else k, v)
    return out


@dataclass
class FilePlan:
    """Where each service's records go: its own file(s), a collector export, or a shipper-prefixed file."""

    modes: dict[str, str]  # service -> native | collector | prefixed
    collector_file: str
    prefixed_file: str
    per_pod: dict[str, bool]
    ext: dict[str, str]


def plan_files(topo: Topology, rng: random.Random, layout: str, merged_style: str) -> FilePlan:
    names = sorted(topo.services)
    modes = {n: "native" for n in names}
    if layout == "merged":
        modes = {n: "collector" if merged_style == "json" else "prefixed" for n in names}
    elif layout == "mixed":
        safe = [n for n in names if topo.services[n].layout in PREFIX_SAFE]
        if len(safe) >= 2 and rng.random() < 0.6:
            for n in rng.sample(safe, k=rng.randint(2, len(safe))):
                modes[n] = "prefixed"
        else:
            for n in rng.sample(names, k=rng.randint(2, max(2, len(names) - 1))):
                modes[n] = "collector"
    per_pod = {n: len(topo.services[n].pods) > 1 and rng.random() < 0.4 for n in names}
    ext = {}
    for n in names:
        lay = topo.services[n].layout
        ext[n] = rng.choice((".jsonl", ".jsonl", ".log", ".json")) if lay in JSON_LAYOUTS else ".log"
    return FilePlan(modes, rng.choice(("all.jsonl", "export.jsonl", "logs-export.json", "cluster-logs.jsonl")),
                    rng.choice(("kubectl-logs.txt", "stern.log", "cluster.log", "pods.log")), per_pod, ext)  # fmt: skip


MAX_STACK_SHARE = 0.55


def cap_stacks(sim: Sim, plan: FilePlan, rng: random.Random) -> int:
    """Keep stack-trace lines under MAX_STACK_SHARE of each own-layout file, dropping the stacks of repeated errors.

    The JVM does the same for hot exceptions (OmitStackTraceInFastThrow); without it a quiet service in
    an exception storm writes a file that is mostly stack lines, which rca cannot read (it falls back to
    plain text when under 20% of sampled lines have a header). Returns how many stacks were dropped.
    """
    lines: dict[str, int] = {}
    stacked: dict[str, list[Rec]] = {}
    for rec in sorted(sim.recs, key=lambda r: (r.t, r.svc, r.pod)):
        if plan.modes[rec.svc] != "native" or sim.topo.services[rec.svc].runtime == "nginx":
            continue
        name = native_file(sim.topo.services[rec.svc], rec, plan)
        extra = len(stack_lines(rec))
        lines[name] = lines.get(name, 0) + 1 + extra
        if extra:
            stacked.setdefault(name, []).append(rec)
    dropped = 0
    for name in sorted(stacked):
        total = lines[name]
        stack = sum(len(stack_lines(r)) for r in stacked[name])
        candidates = list(stacked[name])
        rng.shuffle(candidates)
        for rec in candidates:
            if stack <= MAX_STACK_SHARE * total:
                break
            n = len(stack_lines(rec))
            rec.stack = None
            stack, total, dropped = stack - n, total - n, dropped + 1
    return dropped


def write_logs(sim: Sim, plan: FilePlan, logs: Path, rng: random.Random) -> tuple[list[str], int, dict[str, int]]:
    """Write every record where the plan puts it; set each record's logged time; return files, lines, records per file."""
    topo, files = sim.topo, {}
    records: dict[str, int] = {}
    sim.stacks_dropped = cap_stacks(sim, plan, rng)
    root = sim.fault.root if sim.fault else ""
    shipped: list[tuple[float, str]] = []
    collected: list[tuple[str, float, str]] = []
    node_skew = {n: rng.uniform(-0.05, 0.05) for n in sorted(topo.services)}
    for rec in sorted(sim.recs, key=lambda r: (r.t, r.svc, r.pod)):
        s = topo.services[rec.svc]
        mode = plan.modes[rec.svc]
        if mode == "prefixed":
            at = rec.t + node_skew[rec.svc] + rng.uniform(0.0005, 0.02)
            dt_inner = truncate(sim.t0 + timedelta(seconds=rec.t + s.skew), 3)
            outer = iso(sim.t0 + timedelta(seconds=at), 6)
            lines = render_native(rec, s, dt_inner, s.layout, False)
            rec.logged = outer
            for line in lines:
                shipped.append((at, f"{outer} {s.pods[rec.pod]} {line}"))
            records[plan.prefixed_file] = records.get(plan.prefixed_file, 0) + 1
        else:
            digits = 3 if mode == "collector" else PRECISION[s.layout]
            if s.layout == "logrus" and hash_choice(s.name, "nano", 2):
                digits = 6
            dt = truncate(sim.t0 + timedelta(seconds=rec.t + s.skew), digits)
            rec.logged = iso(dt, digits)
            if mode == "collector":
                lines = [json.dumps(collector_record(rec, s, dt, sim.namespace), separators=(",", ":"), ensure_ascii=False)]
                collected.append((rec.logged, rec.t, lines[0]))
            else:
                name = native_file(s, rec, plan)
                lines = [render_nginx(rec, dt)] if s.runtime == "nginx" else render_native(rec, s, dt, s.layout, digits == 6)
                files.setdefault(name, []).extend(lines)
                records[name] = records.get(name, 0) + 1
        if rec.svc == root:
            rec.first_line = lines[0] if mode != "prefixed" else shipped[-len(lines)][1]
    if shipped:
        shipped.sort(key=lambda x: x[0])
        files[plan.prefixed_file] = [line for _, line in shipped]
    if collected:
        collected.sort(key=lambda x: (x[0], x[1]))
        files[plan.collector_file] = [line for _, _, line in collected]
        records[plan.collector_file] = len(collected)
    logs.mkdir(parents=True, exist_ok=True)
    total = 0
    for name in sorted(files):
        (logs / name).write_text("\n".join(files[name]) + "\n", encoding="utf-8")
        total += len(files[name])
    return sorted(files), total, {name: records[name] for name in sorted(records)}


def native_file(s: Service, rec: Rec, plan: FilePlan) -> str:
    if s.runtime == "nginx":
        return f"{s.name}.{'error' if (rec.fields or {}).get('nginx') == 'error' else 'access'}.log"
    if plan.per_pod[s.name]:
        return f"{s.pods[rec.pod]}{plan.ext[s.name]}"
    return f"{s.name}{plan.ext[s.name]}"


# --------------------------------------------------------------------------------------------
# One case, end to end
# --------------------------------------------------------------------------------------------


@dataclass
class CaseSetup:
    """Everything drawn for a case before simulation."""

    topo: Topology
    kind: str
    root: str
    start: float
    duration: int
    t0: datetime
    layout: str
    merged_style: str
    stack_mix: str
    herrings: list[dict[str, Any]]
    params: dict[str, Any]
    plan: FilePlan
    mesh: bool
    target: int
    sim_seed: int
    namespace: str
    secondary: list[dict[str, Any]] = field(default_factory=list)
    client_retry: float = 0.0
    client_timeout: float = 30.0


def setup_case(seed: int, index: int, kind: str) -> CaseSetup:
    rng = random.Random(case_seed(seed, index))
    topo = build_topology(rng, rng.randint(4, 12))
    duration = int(rng.uniform(20, 60) * 60)
    start = round(duration * rng.uniform(0.35, 0.75), 3)
    t0 = datetime(2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
                  rng.randint(0, 999999), tzinfo=timezone.utc)  # fmt: skip
    root = choose_root(topo, rng, kind)
    ensure_traffic(topo, root, rng)
    if kind == "dns":
        ensure_resolved(topo, root)
    herrings = pick_herrings(topo, root, start, duration, rng)
    layout = weighted(rng, (("per-service", 0.55), ("merged", 0.2), ("mixed", 0.25)))
    merged_style = rng.choice(("json", "prefixed")) if layout == "merged" else ""
    mix = assign_runtimes(topo, rng, merged_style, root)
    if merged_style == "prefixed" and rng.random() < 0.3:
        for s in topo.services.values():
            s.runtime, s.layout = "java", "java-time"
    assign_habits(topo, rng)
    params = fault_params(topo, root, kind, rng)
    plan = FilePlan({}, "", "", {}, {})  # laid out below, once the pods are final
    target = int(min(150_000, max(20_000, 40_000 * math.exp(rng.gauss(0.0, 0.45)))))
    namespace = rng.choice(("prod", "default", "shop", "payments", "platform", "apps", "core"))
    c = CaseSetup(topo, kind, root, start, duration, t0, layout, merged_style, mix, herrings, params, plan,
                  rng.random() < 0.3, target, rng.randrange(1 << 62), namespace)  # fmt: skip
    c.secondary = pick_secondary(topo, root, kind, start, rng)
    c.client_retry = rng.choice((0.0, 0.3, 0.5, 0.7))
    c.client_timeout = rng.choice((10.0, 15.0, 30.0, 60.0))
    c.plan = plan_files(topo, rng, layout, merged_style)
    return c


def new_sim(c: CaseSetup, with_fault: bool) -> Sim:
    fault = Fault(c.kind, c.root, c.start, json.loads(json.dumps(c.params))) if with_fault else None
    sim = Sim(c.topo, fault, random.Random(c.sim_seed), c.t0, float(c.duration), mesh=c.mesh)
    sim.namespace = c.namespace
    sim.public_host = f"{c.namespace}.example.com" if c.namespace != "default" else "www.example.com"
    sim.client_retry, sim.client_timeout = c.client_retry, c.client_timeout
    return sim


def lines_per_request(c: CaseSetup) -> tuple[float, int]:
    """A fault-free pilot: lines per request and background lines, to size the traffic to the target."""
    pilot = new_sim(c, with_fault=False)
    pilot.background()
    run_in_order(pilot, np.array([]))
    background = physical_lines(pilot.recs)
    pilot.recs = []
    n = 300
    for i in range(n):
        pilot.request(c.start * i / n, pilot.new_req())
    return max(1.0, physical_lines(pilot.recs) / n), background


def simulate(c: CaseSetup, rate: float) -> Sim:
    sim = new_sim(c, with_fault=True)
    h_rng = random.Random(c.sim_seed ^ 0x5EED)
    apply_herrings(sim, json.loads(json.dumps(c.herrings)), h_rng)
    plan_fault(sim, h_rng)
    apply_secondary(sim, json.loads(json.dumps(c.secondary)), h_rng)
    nprng = np.random.default_rng(c.sim_seed % (1 << 63))
    profile = traffic_profile(nprng, c.duration, sim.bursts)
    sim.background()
    run_in_order(sim, arrivals(nprng, rate, profile))
    return sim


def run_in_order(sim: Sim, times: np.ndarray) -> None:
    """Requests, clients' retries and worker tasks, in time order."""
    tasks = sorted(sim.tasks, key=lambda x: x[0])
    k = 0
    for t in [float(x) for x in times] + [float("inf")]:
        while True:
            nxt_task = tasks[k][0] if k < len(tasks) else float("inf")
            nxt_retry = sim.retries[0][0] if sim.retries else float("inf")
            if min(nxt_task, nxt_retry) > t or min(nxt_task, nxt_retry) == float("inf"):
                break
            if nxt_task <= nxt_retry:
                tasks[k][1]()
                k += 1
            else:
                at, _, req = heapq.heappop(sim.retries)
                if at < sim.duration:
                    sim.request(at, req)
        if t != float("inf"):
            sim.request(t, sim.new_req())


def generate_case(seed: int, index: int, kind: str, out: Path) -> dict[str, Any]:
    """Generate, write and describe one incident; returns its truth."""
    c = setup_case(seed, index, kind)
    lpr, background = lines_per_request(c)
    profile_sum = float(traffic_profile(np.random.default_rng(c.sim_seed % (1 << 63)), c.duration, []).sum())
    rate = max(0.05, (max(c.target - background, 0.3 * c.target)) / (lpr * profile_sum))
    for _ in range(6):
        sim = simulate(c, rate)
        lines = written_lines(sim, c.plan)
        if 20_000 <= lines <= 150_000:
            break
        rate *= (c.target if lines > 150_000 else max(c.target, 25_000)) / max(lines, 1)
    case_id = f"case-{index:03d}"
    folder = out / case_id
    if (folder / "logs").exists():
        shutil.rmtree(folder / "logs")
    files, total, records = write_logs(sim, c.plan, folder / "logs", random.Random(c.sim_seed ^ 0xF11E))
    truth = make_truth(c, sim, seed, case_id, files, total)
    truth["records_per_file"] = records
    truth["stack_traces_omitted"] = sim.stacks_dropped
    (folder / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return truth


def make_truth(c: CaseSetup, sim: Sim, seed: int, case_id: str, files: list[str], total: int) -> dict[str, Any]:
    first, basis = root_first_anomalous(c, sim)
    herrings = []
    for h in c.herrings:
        h = dict(h)
        for key in ("at_s",):
            if key in h:
                h["at"] = iso(c.t0 + timedelta(seconds=h[key]), 3)
        herrings.append(h)
    topo = c.topo
    return {
        "case_id": case_id,
        "seed": seed,
        "root_service": c.root,
        "fault_kind": c.kind,
        "fault_start": iso(c.t0 + timedelta(seconds=c.start), 6),
        "root_first_anomalous": first.logged if first else None,
        "root_first_anomalous_basis": basis,
        "root_first_anomalous_line": first.first_line[:400] if first else None,
        "window_start": iso(c.t0, 6),
        "window_end": iso(c.t0 + timedelta(seconds=c.duration), 6),
        "duration_s": c.duration,
        "services": sorted(topo.services),
        "entry_services": list(topo.entries),
        "workers": list(topo.workers),
        "call_edges": sorted([e.caller, e.callee] for e in topo.edges),
        "layout": c.layout,
        "merged_style": c.merged_style or None,
        "runtimes": {n: topo.services[n].runtime for n in sorted(topo.services)},
        "log_layouts": {n: topo.services[n].layout for n in sorted(topo.services)},
        "file_modes": dict(sorted(c.plan.modes.items())),
        "clock_skew_s": {n: topo.services[n].skew for n in sorted(topo.services) if topo.services[n].skew},
        "root_role": topo.services[c.root].role,
        "stack_mix": c.stack_mix,
        "service_mesh": c.mesh,
        "fault": {k: v for k, v in sim.fault.params.items()} if sim.fault else {},  # type: ignore[union-attr]
        "red_herrings": herrings,
        "secondary_effects": c.secondary,
        "client_retry": c.client_retry,
        "client_timeout_s": c.client_timeout,
        "log_thresholds": {n: topo.services[n].min_level for n in sorted(topo.services) if topo.services[n].min_level != "DEBUG"},
        "concurrency_limits": {n: topo.services[n].capacity for n in sorted(topo.services) if topo.services[n].capacity < 10**9},
        "lines": total,
        "files": files,
    }


def root_first_anomalous(c: CaseSetup, sim: Sim) -> tuple[Rec | None, str]:
    """The root's first departing record as logged, or its last normal request line before it went quiet."""
    mine = sorted((r for r in sim.recs if r.svc == c.root), key=lambda r: (r.logged, r.t))
    anomalous = [r for r in mine if r.anomalous]
    quiet = c.kind in QUIET_KINDS or (c.kind == "cert_expiry" and not anomalous) or (c.kind == "crash_loop" and c.params["crash"] == "killed")
    if anomalous and not quiet:
        return anomalous[0], "first-anomalous-line"
    normal = [r for r in mine if r.tag in ("req", "call") and r.t < c.start and not r.anomalous]
    if normal:
        return max(normal, key=lambda r: (r.t, r.logged)), "last-normal-before-quiet"
    return (anomalous[0], "first-anomalous-line") if anomalous else (None, "none")


def fault_kinds_for(seed: int, n: int) -> list[str]:
    """Kinds spread evenly over n cases (every kind present when n >= 12), in a seed-dependent order."""
    kinds = [FAULT_KINDS[i % len(FAULT_KINDS)] for i in range(n)]
    random.Random(f"kinds:{seed}").shuffle(kinds)
    return kinds


def _generate_one(args: tuple[int, int, str, str]) -> dict[str, Any]:
    seed, index, kind, out = args
    return generate_case(seed, index, kind, Path(out))


def generate_corpus(seed: int, out: Path, n: int = 40, jobs: int = 1, only: list[int] | None = None) -> list[dict[str, Any]]:
    """Generate all cases of one seed into ``out`` (one folder per case) and a manifest."""
    out.mkdir(parents=True, exist_ok=True)
    kinds = fault_kinds_for(seed, n)
    todo = [(seed, i, kinds[i], str(out)) for i in range(n) if only is None or i in only]
    if jobs > 1 and len(todo) > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(min(jobs, 2)) as pool:
            truths = pool.map(_generate_one, todo, chunksize=1)
    else:
        truths = [_generate_one(t) for t in todo]
    if only is None:
        manifest = {"seed": seed, "n": n, "cases": [t["case_id"] for t in truths], "generator": "bench/incidents.py"}
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return truths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2, help="processes (at most 2)")
    parser.add_argument("--only", type=int, nargs="*", help="generate only these case indices (debugging)")
    args = parser.parse_args()
    truths = generate_corpus(args.seed, args.out, args.n, args.jobs, args.only)
    lines = sorted(t["lines"] for t in truths)
    print(f"{len(truths)} cases in {args.out}: {sum(lines)} lines (median {lines[len(lines) // 2]}, min {lines[0]}, max {lines[-1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
