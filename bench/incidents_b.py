#!/usr/bin/env python3
"""Second-author incident corpus generator for ``rca`` ("incidents-b").

Written independently of the tool and of ``bench/incidents.py``: incidents are imagined the way
production incidents look in real logs. Standard library only; fully deterministic per seed
(everything comes from ``random.Random`` instances derived from the seed; no clock, no ``hash()``).

Usage::

    python bench/incidents_b.py --seed N [--n 40] [--out bench/out/incidents-b]

Output::

    OUT/seed-N/manifest.json            {"seed": N, "n": 40, "cases": ["case-000", ...]}
    OUT/seed-N/case-XXX/logs/...        the log files (point the tool at this folder)
    OUT/seed-N/case-XXX/truth.json

How one case is made
  1. Pick a fault kind (a shuffled round robin over ``FAULT_KINDS`` so that 40 cases cover all 19), a
     variant of it, 1-3 red herrings and a file layout.
  2. Build a random call graph of 4-12 logged services (edge proxy or not, entry apps, mid tier,
     postgres / pgbouncer / redis / coredns, queue workers, cron and batch jobs, unlogged third-party
     APIs and databases). Each service gets a runtime and a log format of that runtime, replicas,
     pods, IPs, clock skew, a time zone (only where the format prints an offset), trace-id habits,
     retry / timeout / circuit-breaker / fallback policies per dependency.
  3. Choose the root among the services where that fault can originate (uniformly, so the root is
     not systematically loud, quiet, first, or alphabetically first), plan its deploys, crashes
     and restarts, and the herrings' deploys / jobs / chatter.
  4. Simulate traffic request by request (Poisson arrivals at the entry services, call trees through
     the graph, queue messages to workers, cron runs) and write log lines as each service would:
     access lines, app lines, errors with stack traces, retries, breaker transitions, fallbacks,
     GC / pool / lag / disk / health-check / stats lines, startup banners, garbage lines.
  5. Write the files in the layout: per-service (``payments.log``, some ``.log.gz``), per-pod
     (``payments-7f9c8d5b6-x2kqp.log``, a new file per pod after a deploy), one merged file (kubectl
     / stern prefix ``<pod> <container> <line>``, fluent-bit JSON with ``kubernetes.container_name``
     or an export with a ``service`` key), or mixed (some of each).

truth.json
  case_id, seed, root_service (file stem / deployment name / container or ``service`` field, i.e.
  the name the logs give it), fault_kind, fault_variant, fault_start (when the fault begins, true
  time), root_first_anomalous (the timestamp written on the first root line that differs from its
  normal behaviour, converted to UTC and floored to the format's precision: first error / warning /
  slow duration / abnormal gauge / deploy or flag line; for faults whose first sign is silence it is
  the last normal request line the root wrote before the fault; null when the root never shows
  anything), layout, layout_detail, runtimes, formats, root_role, entry_services, services,
  lines, files, red_herrings [{kind, service?}], call_edges [[caller, callee]], clock_skew_s,
  window {start, end}.
"""

from __future__ import annotations

import argparse
import gzip
import heapq
import json
import math
import os
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone

UTC = timezone.utc

FAULT_KINDS = [
    "conn_pool_exhaustion", "slow_db_queries", "deadlock_hung", "crash_loop_oom", "sudden_death",
    "dns_failure", "tls_cert_expired", "disk_full", "bad_config_deploy", "rate_limited",
    "memory_leak", "cpu_throttling", "network_partition", "consumer_lag", "cache_node_down",
    "expired_credentials", "thread_pool_saturation", "bad_feature_flag", "malformed_responses",
]
HERRING_KINDS = [
    "cron_error_bursts", "benign_deploy", "constant_warn_chatter", "background_errors",
    "traffic_burst", "slow_batch_job", "unrelated_error_onset", "callee_deploy",
]
LAYOUTS = [("per-service", 30), ("per-pod", 25), ("merged", 25), ("mixed", 20)]

WORDS = [
    "payments", "ledger", "orders", "inventory", "pricing", "auth", "user-profile", "catalog",
    "cart", "shipping", "search", "recommendations", "billing", "fraud", "tax", "accounts", "risk",
    "loyalty", "promotions", "quotes", "invoices", "subscriptions", "identity", "wallet", "refunds",
    "reviews", "media", "geo", "fulfillment", "customers", "products", "settlement", "kyc",
]
EDGE_NAMES = ["nginx", "edge", "ingress-nginx-controller", "envoy", "api-gw", "frontdoor", "edge-proxy",
              "gateway", "istio-ingressgateway", "lb", "public-proxy"]
ENTRY_NAMES = ["storefront-bff", "web", "api", "mobile-bff", "public-api", "checkout-api", "portal",
               "app-backend", "graphql", "webapp", "partner-api", "admin-api"]
DB_NAMES = ["postgres", "orders-db", "pg-main", "db-primary", "postgresql", "pg"]
PGB_NAMES = ["pgbouncer", "pgbouncer-main", "pg-pooler"]
CACHE_NAMES = ["redis-cache", "redis", "session-cache", "cache-redis", "redis-master"]
DNS_NAMES = ["coredns", "kube-dns"]
WORKER_SUFFIX = ["-worker", "-consumer", "_worker", "-dispatcher", "-indexer", "-processor"]
CRON_NAMES = ["reconcile-cron", "nightly-report", "cleanup-job", "settlement-batch", "sync-cron",
              "invoice-cron", "token-sweeper", "export-cron"]
BATCH_NAMES = ["analytics-export", "etl-loader", "report-batch", "warehouse-sync", "search-reindex"]
EXTERNAL_APIS = [
    ("api.stripe.com", "Stripe"), ("api.sendgrid.com", "SendGrid"), ("api.twilio.com", "Twilio"),
    ("api.partner-logistics.com", "PartnerLogistics"), ("sandbox.adyen.com", "Adyen"),
    ("maps.googleapis.com", "GoogleMaps"), ("api.taxjar.com", "TaxJar"), ("hooks.slack.com", "Slack"),
]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
    "okhttp/4.12.0", "MyShopApp/5.12.1 (Android 14; Pixel 7)", "MyShopApp/5.12.0 (iOS 17.4)",
    "curl/8.5.0", "python-requests/2.31.0", "Go-http-client/2.0", "axios/1.6.8",
]
ALNUM = "bcdfghjklmnpqrstvwxz2456789"
HEX = "0123456789abcdef"


# ----------------------------------------------------------------------------------------------
# time helpers
# ----------------------------------------------------------------------------------------------

def tz_suffix(tz_min: int, colon: bool = True, zulu: bool = True) -> str:
    if tz_min == 0 and zulu:
        return "Z"
    sign = "+" if tz_min >= 0 else "-"
    h, m = divmod(abs(tz_min), 60)
    return f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"


class TS:
    """Formats epoch seconds as ``strftime(pattern)`` + fraction + suffix, caching per second."""

    __slots__ = ("pattern", "off", "digits", "sep", "suffix", "cache", "mult")

    def __init__(self, pattern: str, tz_min: int = 0, digits: int = 3, sep: str = ".", suffix: str = ""):
        self.pattern, self.off, self.digits, self.sep, self.suffix = pattern, tz_min * 60, digits, sep, suffix
        self.cache: dict[int, str] = {}
        self.mult = 10 ** digits

    def __call__(self, ts: float) -> str:
        t = ts + self.off
        sec = math.floor(t)
        p = self.cache.get(sec)
        if p is None:
            p = datetime.fromtimestamp(sec, UTC).strftime(self.pattern)
            self.cache[sec] = p
        if self.digits:
            f = min(int((t - sec) * self.mult), self.mult - 1)
            return f"{p}{self.sep}{f:0{self.digits}d}{self.suffix}"
        return p + self.suffix


def iso_utc(ts: float, precision: float = 0.001) -> str:
    """Truth timestamp: UTC, ms, 'Z'; floored to the precision the log line shows."""
    if precision >= 1:
        ms = math.floor(ts) * 1000
    else:
        ms = math.floor(ts * 1000 + 1e-6)
    sec, frac = divmod(ms, 1000)
    return datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:03d}Z"


def go_dur(ms: float) -> str:
    """Go time.Duration.String() of a duration in ms."""
    if ms >= 1000:
        return f"{ms / 1000:.6f}".rstrip("0").rstrip(".") + "s"
    if ms >= 1:
        return f"{ms:.6f}".rstrip("0").rstrip(".") + "ms"
    return f"{ms * 1000:.3f}".rstrip("0").rstrip(".") + "\u00b5s"


def rid(rng: random.Random, n: int = 5, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def hexid(rng: random.Random, bits: int) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def uuid4(rng: random.Random) -> str:
    h = hexid(rng, 128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def weighted(rng: random.Random, pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for item, w in pairs:
        x -= w
        if x < 0:
            return item
    return pairs[-1][0]


def camel(word: str) -> str:
    return "".join(p.capitalize() for p in word.replace("_", "-").split("-"))


def q(s: str) -> str:
    """logfmt value quoting."""
    if s == "" or any(c in s for c in ' "=\t'):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


# ----------------------------------------------------------------------------------------------
# model
# ----------------------------------------------------------------------------------------------

@dataclass(eq=False)
class Pod:
    name: str
    ip: str
    start: float
    end: float
    idx: int
    version: str
    down: list = field(default_factory=list)  # [(from, to)] container not serving (crash, restart, boot)

    def up(self, t: float) -> bool:
        if t < self.start or t >= self.end:
            return False
        for a, b in self.down:
            if a <= t < b:
                return False
        return True


@dataclass(eq=False)
class Dep:
    kind: str            # svc | db | cache | ext | queue | dns
    host: str
    port: int
    svc: "Service | None" = None
    label: str = ""
    cluster_ip: str = ""


@dataclass(eq=False)
class Endpoint:
    method: str
    path: str
    handler: str
    deps: list
    weight: float
    publish: bool = False
    write: bool = False


@dataclass(eq=False)
class Policy:
    timeout: float
    retries: int
    backoff: float
    breaker: bool
    fallback: bool
    window: list = field(default_factory=list)
    open_until: float = -1.0
    state: str = "CLOSED"


@dataclass(eq=False)
class Service:
    name: str
    kind: str            # edge | app | db | dbproxy | cache | dns | worker | cron | batch
    runtime: str
    word: str
    port: int
    cluster_ip: str
    pods: list = field(default_factory=list)
    deps: list = field(default_factory=list)
    endpoints: list = field(default_factory=list)
    policies: dict = field(default_factory=dict)
    style: "Style | None" = None
    base_ms: float = 5.0
    sigma: float = 0.5
    logs_access: bool = True
    logs_health: bool = False
    debug: bool = False
    chatty: float = 0.2
    trace: str | None = None
    name_prob: float = 0.5
    err_status: int = 500
    stack_prob: float = 0.5
    retry_log: bool = True
    skew: float = 0.0
    replicas: int = 1
    statefulset: bool = False
    metrics_every: float = 60.0
    external_traffic: bool = False
    version: str = "1.0.0"
    topic: str = ""
    extra: dict = field(default_factory=dict)
    out: list = field(default_factory=list)
    ep_cum: list = field(default_factory=list)

    def alive(self, t: float) -> list:
        return [p for p in self.pods if p.up(t)]

    def any_pod(self, t: float, rng: random.Random):
        pods = self.alive(t)
        if pods:
            return pods[0] if len(pods) == 1 else rng.choice(pods)
        near = [p for p in self.pods if p.start <= t < p.end] or self.pods
        return near[0]


class Res:
    __slots__ = ("status", "dur", "err", "pod", "malformed", "detail", "size", "fault", "hit")

    def __init__(self, status=200, dur=1.0, err=None, pod=None, malformed=False, detail="", size=0,
                 fault=False, hit=True):
        self.status, self.dur, self.err, self.pod = status, dur, err, pod
        self.malformed, self.detail, self.size, self.fault, self.hit = malformed, detail, size, fault, hit


@dataclass
class Acc:
    method: str
    path: str
    status: int
    dur: float                     # ms
    size: int
    client: str
    ua: str = "-"
    rid: str = ""
    trace: str = ""
    up: str = "-"
    up_status: str = "-"
    up_dur: float | None = None
    flags: str = "-"
    upname: str = ""
    host: str = "-"
    health: bool = False


REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity",
           429: "Too Many Requests", 499: "Client Closed Request", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
LV_LOWER = {"D": "debug", "I": "info", "W": "warn", "E": "error", "F": "fatal"}
LV_UPPER = {"D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL"}


def line_no(frame: str) -> int:
    """A stable pseudo line number for a stack frame (same frame, same number, every trace)."""
    acc = 7
    for ch in frame:
        acc = (acc * 31 + ord(ch)) % 100003
    return 20 + acc % 880


# ----------------------------------------------------------------------------------------------
# log formats ("styles"): one per service, chosen by runtime
# ----------------------------------------------------------------------------------------------

ORGS = ["acme", "shopco", "fintrack", "globex", "initech", "northwind", "umbrella", "contoso"]
JSON_SEP = (",", ":")


def dumps(d: dict) -> str:
    return json.dumps(d, separators=JSON_SEP, ensure_ascii=False)


class Style:
    runtime = ""
    name = ""
    precision = 0.001
    access_has_duration = True
    access_has_size = False

    def __init__(self, svc: Service, rng: random.Random, tz_min: int = 0, variant: str = ""):
        self.svc, self.rng, self.tz, self.name = svc, rng, tz_min, variant

    def line(self, ts, lvl, msg, logger="svc", fields=None, exc=None, pod=None) -> str:
        """One log line in this style; a "raw" one (a stack frame, a banner, garbage) as it is."""
        return msg if logger == "raw" else self._format(ts, lvl, msg, logger, fields, exc, pod)

    def _format(self, ts, lvl, msg, logger, fields, exc, pod) -> str:
        raise NotImplementedError

    def access(self, ts, a: Acc, pod) -> tuple | None:
        """(level, text) for an access line, or None when this service has no access log (the default)."""
        return None

    @staticmethod
    def kv(fields) -> str:
        return "".join(f" {k}={v}" for k, v in fields.items()) if fields else ""


class JavaStyle(Style):
    runtime = "java"
    LV5 = {"D": "DEBUG", "I": " INFO", "W": " WARN", "E": "ERROR", "F": "ERROR"}
    LVV = {"D": 10000, "I": 20000, "W": 30000, "E": 40000, "F": 40000}

    def __init__(self, svc, rng, variant, tz_min):
        super().__init__(svc, rng, tz_min if variant in ("spring3", "logstash") else 0, variant)
        org = rng.choice(ORGS)
        w = svc.word.replace("-", "").replace("_", "")
        C = camel(svc.word)
        self.pkg, self.C = f"com.{org}.{w}", C
        pkg = self.pkg
        self.loggers = {
            "web": f"{pkg}.web.{C}Controller", "access": f"{pkg}.web.RequestLoggingFilter",
            "svc": f"{pkg}.service.{C}Service", "client": f"{pkg}.client.DownstreamClient",
            "db": f"{pkg}.repository.{C}Repository", "pool": "com.zaxxer.hikari.pool.HikariPool",
            "sched": f"{pkg}.jobs.ScheduledTasks", "boot": f"{pkg}.{C}Application",
            "tomcat": "org.springframework.boot.web.embedded.tomcat.TomcatWebServer",
            "breaker": "io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine",
            "kafka": "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator",
            "servlet": "org.apache.catalina.core.ContainerBase.[Tomcat].[localhost].[/].[dispatcherServlet]",
            "gc": f"{pkg}.monitoring.JvmMetricsLogger", "flags": f"{pkg}.config.FeatureFlagClient",
            "disk": f"{pkg}.monitoring.DiskSpaceHealthIndicator", "worker": f"{pkg}.messaging.{C}Listener",
            "cache": f"{pkg}.cache.CacheFacade", "cron": f"{pkg}.jobs.{C}Job", "health": "o.s.b.actuate.health.HealthEndpoint",
            "shutdown": "org.springframework.boot.web.embedded.tomcat.GracefulShutdown",
            "limiter": f"{pkg}.web.RateLimitFilter", "config": f"{pkg}.config.AppConfig",
        }
        self.abbr: dict[str, str] = {}
        if variant == "spring2":
            self.ts = TS("%Y-%m-%d %H:%M:%S")
        elif variant == "spring3":
            self.ts = TS("%Y-%m-%dT%H:%M:%S", self.tz, suffix=tz_suffix(self.tz))
        elif variant == "log4j":
            self.ts = TS("%Y-%m-%d %H:%M:%S", sep=",")
        else:
            self.ts = TS("%Y-%m-%dT%H:%M:%S", self.tz, suffix=tz_suffix(self.tz, zulu=False))
        self.jvm_ts = TS("%Y-%m-%dT%H:%M:%S", self.tz, suffix=tz_suffix(self.tz, colon=False, zulu=False))
        self.pid = rng.choice([1, 1, 1, 7, 12])
        self.acc = rng.choice(["plain", "completed", "kv", "none_dur"])
        self.access_has_duration = self.acc != "none_dur"

    def ab(self, lg: str) -> str:
        a = self.abbr.get(lg)
        if a is None:
            parts = lg.split(".")
            i = 0
            while len(".".join(parts)) > 39 and i < len(parts) - 1:
                parts[i] = parts[i][:1]
                i += 1
            a = self.abbr[lg] = ".".join(parts)
        return a

    def thread(self, key):
        r = self.rng
        if key in ("sched", "gc", "disk", "flags", "config"):
            return r.choice(["scheduling-1", "scheduling-1", "task-2"])
        if key == "pool":
            return "HikariPool-1 housekeeper"
        if key in ("kafka", "worker"):
            return "org.springframework.kafka.KafkaListenerEndpointContainer#0-0-C-1"
        if key == "cron":
            return "pool-3-thread-1"
        if key in ("boot", "tomcat", "shutdown"):
            return "main"
        if key == "cache":
            return f"lettuce-eventExecutorLoop-1-{r.randint(1, 4)}"
        return f"http-nio-{self.svc.port}-exec-{r.randint(1, 48)}"

    def _format(self, ts, lvl, msg, logger, fields, exc, pod):
        if logger == "jvm":
            return f"[{self.jvm_ts(ts)}][{'warning' if lvl == 'W' else LV_LOWER[lvl]}][gc] {msg}"
        lg = self.loggers.get(logger, self.loggers["svc"])
        th = self.thread(logger)
        v = self.name
        if v == "logstash":
            d = {"@timestamp": self.ts(ts), "@version": "1", "message": msg, "logger_name": lg,
                 "thread_name": th, "level": LV_UPPER[lvl] if lvl != "F" else "ERROR", "level_value": self.LVV[lvl]}
            if fields:
                d.update(fields)
            if exc:
                d["stack_trace"] = "\n".join(exc)
            return dumps(d)
        msg = msg + self.kv(fields)
        if v == "spring2":
            head = f"{self.ts(ts)} {self.LV5[lvl]} {self.pid} --- [{th[-15:]:>15}] {self.ab(lg):<40} : {msg}"
        elif v == "spring3":
            head = (f"{self.ts(ts)} {self.LV5[lvl]} {self.pid} --- [{self.svc.name}] [{th[-15:]:>15}] "
                    f"{self.ab(lg):<40} : {msg}")
        else:
            head = f"{self.ts(ts)} {LV_UPPER[lvl]:<5} [{th}] {lg} - {msg}"
        if exc:
            return head + "\n" + "\n".join(exc)
        return head

    def access(self, ts, a, pod):
        lvl = "I" if a.status < 500 else "W"
        if self.acc == "plain":
            m = f"{a.method} {a.path} {a.status} {a.dur:.0f}ms"
        elif self.acc == "completed":
            m = f"Completed {a.status} {REASONS.get(a.status, '')} in {a.dur:.0f} ms [{a.method} {a.path}]"
        elif self.acc == "kv":
            m = f"method={a.method} uri={a.path} status={a.status} duration={a.dur:.0f}ms client={a.client}"
        else:
            m = f"{a.method} {a.path} -> {a.status}"
        f = {"trace_id": a.trace} if a.trace else None
        return lvl, self.line(ts, lvl, m, "access", f, None, pod)


class GoStyle(Style):
    runtime = "go"
    LOGRUS = {"D": "debug", "I": "info", "W": "warning", "E": "error", "F": "fatal"}

    def __init__(self, svc, rng, variant, tz_min):
        super().__init__(svc, rng, tz_min if variant in ("zap_iso", "logrus", "zerolog") else 0, variant)
        mod = svc.word.replace("_", "-")
        self.callers = {"web": f"server/handlers.go:{rng.randint(40, 300)}", "access": "middleware/logging.go:54",
                        "client": f"client/http.go:{rng.randint(40, 200)}", "db": f"store/{mod}_store.go:{rng.randint(30, 200)}",
                        "svc": f"{mod}/service.go:{rng.randint(30, 400)}", "boot": "cmd/server/main.go:61",
                        "worker": f"consumer/consumer.go:{rng.randint(40, 200)}"}
        t = self.tz
        if variant == "zap":
            self.precision = 1e-6
        elif variant == "zap_iso":
            self.ts = TS("%Y-%m-%dT%H:%M:%S", t, suffix=tz_suffix(t, colon=False))
        elif variant == "logrus":
            self.ts = TS("%Y-%m-%dT%H:%M:%S", t, digits=0, suffix=tz_suffix(t))
            self.precision = 1.0
        elif variant == "std":
            micro = rng.random() < 0.5
            self.ts = TS("%Y/%m/%d %H:%M:%S", digits=6 if micro else 0)
            self.precision = 1e-6 if micro else 1.0
        else:  # zerolog
            self.ts = TS("%Y-%m-%dT%H:%M:%S", t, digits=0, suffix=tz_suffix(t))
            self.precision = 1.0
        self.acc = rng.choice(["go_dur", "ms", "us", "none"] if variant.startswith("zap") else ["go_dur", "ms"])
        self.access_has_duration = self.acc != "none"
        self.access_has_size = variant != "std" or self.acc == "go_dur"
        self.std_prefix = rng.choice(["[ERROR] ", "ERROR: ", "level=error "])

    def _format(self, ts, lvl, msg, logger, fields, exc, pod):
        v = self.name
        raw_tail = ""
        if exc and lvl == "F":           # panics / fatal errors go to stderr unformatted
            raw_tail = "\n" + "\n".join(exc)
            exc = None
        if v in ("zap", "zap_iso"):
            d = {"level": LV_LOWER[lvl],
                 "ts": float(f"{ts:.6f}") if v == "zap" else self.ts(ts),
                 "caller": self.callers.get(logger, self.callers["svc"]), "msg": msg}
            if fields:
                d.update(fields)
            if exc:
                d["stacktrace"] = "\n".join(exc)
            return dumps(d) + raw_tail
        if v == "logrus":
            s = f'time="{self.ts(ts)}" level={self.LOGRUS[lvl]} msg={q(msg)}'
            if fields:
                s += "".join(f" {k}={q(str(fields[k]))}" for k in sorted(fields))
            return s + raw_tail
        if v == "std":
            pre = "" if lvl in "DI" else (self.std_prefix if lvl == "E" else self.std_prefix.replace("ERROR", "WARN").replace("error", "warn"))
            return f"{self.ts(ts)} {pre}{msg}{self.kv(fields)}" + raw_tail
        d = {"level": LV_LOWER[lvl], "time": self.ts(ts)}
        if fields:
            d.update(fields)
        d["message"] = msg
        return dumps(d) + raw_tail

    def access(self, ts, a, pod):
        v = self.name
        if self.acc == "go_dur":
            dur = {"latency": go_dur(a.dur)}
        elif self.acc == "ms":
            dur = {"duration_ms": round(a.dur, 3)}
        elif self.acc == "us":
            dur = {"latency_us": int(a.dur * 1000)}
        else:
            dur = {}
        lvl = "I" if a.status < 500 else "E" if v.startswith("zap") else "W"
        if v == "std":
            if self.acc == "go_dur":
                return "I", f'{self.ts(ts)} "{a.method} http://{self.svc.name}{a.path} HTTP/1.1" from {a.client} - {a.status} {a.size}B in {go_dur(a.dur)}'
            return "I", f"{self.ts(ts)} {a.method} {a.path} {a.status} {a.dur:.2f}ms"
        f = {"method": a.method, "path": a.path, "status": a.status, **dur, "bytes": a.size}
        if a.trace:
            f["trace_id"] = a.trace
        return lvl, self.line(ts, lvl, "request completed" if v != "logrus" else "handled request", "access", f, None, pod)


class PyStyle(Style):
    runtime = "python"
    PY = {"D": "DEBUG", "I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"}

    def __init__(self, svc, rng, variant, tz_min):
        super().__init__(svc, rng, tz_min if variant in ("gunicorn", "structlog") else 0, variant)
        t = self.tz
        mod = svc.word.replace("-", "_")
        self.loggers = {"web": f"{mod}.api", "access": "uvicorn.access", "svc": f"{mod}.service", "client": f"{mod}.clients",
                        "db": f"{mod}.db", "pool": "sqlalchemy.pool.impl.QueuePool", "boot": "uvicorn.error",
                        "sched": f"{mod}.tasks", "worker": f"{mod}.consumer", "cron": f"{mod}.jobs"}
        if variant in ("pylog", "pylog2"):
            self.ts = TS("%Y-%m-%d %H:%M:%S", sep=",")
        elif variant == "celery":
            self.ts = TS("%Y-%m-%d %H:%M:%S", sep=",")
        elif variant == "gunicorn":
            self.ts = TS("%Y-%m-%d %H:%M:%S", t, digits=0, suffix=" " + tz_suffix(t, colon=False, zulu=False))
            self.ts_acc = TS("%d/%b/%Y:%H:%M:%S", t, digits=0, suffix=" " + tz_suffix(t, colon=False, zulu=False))
            self.precision = 1.0
        else:
            self.ts = TS("%Y-%m-%dT%H:%M:%S", t, digits=6, suffix=tz_suffix(t))
            self.precision = 1e-6
        self.acc = rng.choice(["uvicorn", "mw_ms", "mw_s"]) if variant in ("pylog", "pylog2") else "own"
        self.access_has_duration = self.acc != "uvicorn"
        self.access_has_size = variant == "gunicorn"
        self.gpid = rng.randint(7, 60)

    def _format(self, ts, lvl, msg, logger, fields, exc, pod):
        v = self.name
        lg = self.loggers.get(logger, logger if "." in logger else self.loggers["svc"])
        if v == "structlog":
            d = {"event": msg, "level": self.PY[lvl].lower(), "logger": lg, "timestamp": self.ts(ts)}
            if fields:
                d.update(fields)
            if exc:
                d["exception"] = "\n".join(exc)
            return dumps(d)
        msg = msg + self.kv(fields)
        if v == "pylog":
            head = f"{self.ts(ts)} - {lg} - {self.PY[lvl]} - {msg}"
        elif v == "pylog2":
            head = f"{self.ts(ts)} {self.PY[lvl]} [{lg}] {msg}"
        elif v == "celery":
            proc = "MainProcess" if logger in ("boot", "sched") else f"ForkPoolWorker-{self.rng.randint(1, 8)}"
            head = f"[{self.ts(ts)}: {self.PY[lvl]}/{proc}] {msg}"
        else:
            head = f"[{self.ts(ts)}] [{self.gpid}] [{self.PY[lvl]}] {msg}"
        if exc:
            return head + "\n" + "\n".join(exc)
        return head

    def access(self, ts, a, pod):
        v = self.name
        if v == "celery":
            return None
        if v == "gunicorn":
            return "I", (f'{a.client.split(":")[0]} - - [{self.ts_acc(ts)}] "{a.method} {a.path} HTTP/1.1" {a.status} '
                         f'{a.size} "-" "{a.ua}" {int(a.dur * 1000)}')
        if v == "structlog":
            f = {"method": a.method, "path": a.path, "status_code": a.status, "duration_s": round(a.dur / 1000, 5)}
            if a.trace:
                f["trace_id"] = a.trace
            return ("I" if a.status < 500 else "E"), self.line(ts, "I" if a.status < 500 else "E", "request_finished", "web", f)
        if self.acc == "uvicorn":
            return "I", self.line(ts, "I", f'{a.client} - "{a.method} {a.path} HTTP/1.1" {a.status}', "access")
        if self.acc == "mw_ms":
            return "I", self.line(ts, "I", f"{a.method} {a.path} status={a.status} duration_ms={a.dur:.1f}", "web")
        return "I", self.line(ts, "I", f'"{a.method} {a.path}" {a.status} in {a.dur / 1000:.3f}s', "web")


class NodeStyle(Style):
    runtime = "node"
    PINO = {"D": 20, "I": 30, "W": 40, "E": 50, "F": 60}

    def __init__(self, svc, rng, variant, tz_min):
        super().__init__(svc, rng, 0, variant)
        self.ts = TS("%Y-%m-%dT%H:%M:%S", 0, suffix="Z")
        self.req = 0
        self.access_has_size = variant != "pino"

    def _format(self, ts, lvl, msg, logger, fields, exc, pod):
        v = self.name
        if v == "pino":
            d = {"level": self.PINO[lvl], "time": int(ts * 1000), "pid": 1,
                 "hostname": pod.name if pod else self.svc.name}
            if fields:
                d.update(fields)
            if exc:
                head = exc[0]
                typ, _, m = head.partition(": ")
                d["err"] = {"type": typ if " " not in typ else "Error", "message": m or head, "stack": "\n".join(exc)}
            d["msg"] = msg
            return dumps(d)
        if v == "winston_json":
            d = {"level": LV_LOWER[lvl] if lvl != "F" else "error", "message": msg}
            if fields:
                d.update(fields)
            if exc:
                d["stack"] = "\n".join(exc)
            d["timestamp"] = self.ts(ts)
            return dumps(d)
        head = f"{self.ts(ts)} {LV_LOWER[lvl] if lvl != 'F' else 'error'}: {msg}{self.kv(fields)}"
        if exc:
            return head + "\n" + "\n".join(exc)
        return head

    def access(self, ts, a, pod):
        if self.name == "pino":
            self.req += 1
            lvl = "I" if a.status < 500 else "E"
            d = {"level": self.PINO[lvl], "time": int(ts * 1000), "pid": 1, "hostname": pod.name if pod else self.svc.name,
                 "req": {"id": self.req, "method": a.method, "url": a.path, "remoteAddress": a.client.split(":")[0]},
                 "res": {"statusCode": a.status}, "responseTime": int(a.dur)}
            if a.trace:
                d["traceId"] = a.trace
            d["msg"] = "request completed" if a.status < 500 else "request errored"
            return lvl, dumps(d)
        return "I", self.line(ts, "I", f"{a.method} {a.path} {a.status} {a.size} - {a.dur:.3f} ms", "access")


class NginxStyle(Style):
    runtime = "nginx"
    NG = {"D": "debug", "I": "notice", "W": "warn", "E": "error", "F": "crit"}

    def __init__(self, svc, rng, variant, tz_min):
        super().__init__(svc, rng, 0, variant)
        self.precision = 1.0
        self.ts_acc = TS("%d/%b/%Y:%H:%M:%S", digits=0, suffix=" +0000")
        self.ts_err = TS("%Y/%m/%d %H:%M:%S", digits=0)
        self.conn = rng.randint(10000, 900000)
        self.wpid = rng.randint(20, 40)
        self.server = rng.choice(["shop.example.com", "api.example.com", "_", "www.example.org"])

    def _format(self, ts, lvl, msg, logger, fields, exc, pod):
        self.conn += self.rng.randint(1, 40)
        pid = self.wpid if logger != "master" else 1
        star = f"*{self.conn} " if logger == "conn" else ""
        return f"{self.ts_err(ts)} [{self.NG[lvl]}] {pid}#{pid}: {star}{msg}"

    def access(self, ts, a, pod):
        c = a.client.split(":")[0]
        ut = "-" if a.up_dur is None else f"{a.up_dur / 1000:.3f}"
        if self.name == "ingress":
            return "I", (f'{c} - - [{self.ts_acc(ts)}] "{a.method} {a.path} HTTP/2.0" {a.status} {a.size} "-" "{a.ua}" '
                         f'{self.rng.randint(200, 900)} {a.dur / 1000:.3f} [{a.upname}] [] {a.up} {a.size if a.up != "-" else 0} '
                         f'{ut} {a.up_status} {a.rid}')
        if self.name == "main_ext":
            return "I", (f'{c} - - [{self.ts_acc(ts)}] "{a.method} {a.path} HTTP/1.1" {a.status} {a.size} "-" "{a.ua}" '
                         f'rt={a.dur / 1000:.3f} uct="{"-" if a.up_dur is None else "0.001"}" urt="{ut}" ua="{a.up}" us="{a.up_status}"'
                         + (f' rid={a.rid}' if a.rid else ""))
        return "I", f'{c} - - [{self.ts_acc(ts)}] "{a.method} {a.path} HTTP/1.1" {a.status} {a.size} "-" "{a.ua}" {a.dur / 1000:.3f}'


class EnvoyStyle(Style):
    runtime = "envoy"
    EV = {"D": "debug", "I": "info", "W": "warning", "E": "error", "F": "critical"}

    def __init__(self, svc, rng, variant, tz_min):
        super().__init__(svc, rng, 0, variant)
        self.ts_acc = TS("%Y-%m-%dT%H:%M:%S", suffix="Z")
        self.ts_app = TS("%Y-%m-%d %H:%M:%S")
        self.ns = "prod"

    def _format(self, ts, lvl, msg, logger, fields, exc, pod):
        comp = logger if logger in ("config", "upstream", "main", "router", "connection", "pool") else "main"
        src = {"config": "source/common/config/grpc_stream.h:201", "upstream": "source/common/upstream/cds_api_helper.cc:32",
               "main": "source/server/server.cc:932", "router": "source/common/router/router.cc:1284",
               "connection": "source/common/network/connection_impl.cc:714", "pool": "source/common/conn_pool/conn_pool_base.cc:480"}[comp]
        return f"[{self.ts_app(ts)}][{self.rng.choice((1, 14, 15, 16))}][{self.EV[lvl]}][{comp}] [{src}] {msg}"

    def access(self, ts, a, pod):
        ust = "-" if a.up_dur is None else str(int(a.up_dur))
        base = (f'[{self.ts_acc(ts)}] "{a.method} {a.path} HTTP/1.1" {a.status} {a.flags} ')
        if self.name == "istio":
            det = "via_upstream" if a.flags == "-" else ("upstream_reset_before_response_started{connection_failure}" if "UF" in a.flags else "-")
            cluster = f"outbound|{a.upname}" if a.upname else "-"
            return "I", (base + f'{det} - "-" {self.rng.randint(0, 900)} {a.size} {int(a.dur)} {ust} "{a.client.split(":")[0]}" '
                         f'"{a.ua}" "{a.rid}" "{a.host}" "{a.up}" {cluster} - - - - default')
        return "I", (base + f'{self.rng.randint(0, 900)} {a.size} {int(a.dur)} {ust} "{a.client.split(":")[0]}" "{a.ua}" '
                     f'"{a.rid}" "{a.host}" "{a.up}"')


class PostgresStyle(Style):
    runtime = "postgres"
    PG = {"D": "DEBUG", "I": "LOG", "W": "WARNING", "E": "ERROR", "F": "FATAL"}

    def __init__(self, svc, rng, variant, tz_min):
        super().__init__(svc, rng, 0, variant)
        self.ts = TS("%Y-%m-%d %H:%M:%S", suffix=" UTC")

    def _format(self, ts, lvl, msg, logger, fields, exc, pod):
        pid = fields.get("pid") if fields else None
        pid = pid or self.rng.randint(1000, 65000)
        who = fields.get("who", "") if fields else ""
        pre = f"{self.ts(ts)} [{pid}] " + (f"{who} " if (who and self.name == "userdb") else "")
        kw = logger if logger in ("PANIC", "LOG", "WARNING", "ERROR", "FATAL") else self.PG[lvl]
        s = f"{pre}{kw}:  {msg}"
        if exc:
            s += "".join(f"\n{pre}{k}:  {m}" for k, m in exc)
        return s



class RedisStyle(Style):
    runtime = "redis"
    SYM = {"D": ".", "I": "*", "W": "#", "E": "#", "F": "#"}

    def __init__(self, svc, rng, variant, tz_min):
        super().__init__(svc, rng, 0, variant)
        self.ts = TS("%d %b %Y %H:%M:%S")

    def _format(self, ts, lvl, msg, logger, fields, exc, pod):
        role = logger if logger in ("M", "C", "S") else "M"
        pid = 1 if role == "M" else (fields or {}).get("pid", 4242)
        sym = "-" if (lvl == "D" and self.name == "verbose") else self.SYM[lvl]
        return f"{pid}:{role} {self.ts(ts)} {sym} {msg}"



class PgbouncerStyle(Style):
    runtime = "pgbouncer"

    def __init__(self, svc, rng, variant, tz_min):
        super().__init__(svc, rng, 0, variant)
        self.ts = TS("%Y-%m-%d %H:%M:%S", suffix=" UTC")

    def _format(self, ts, lvl, msg, logger, fields, exc, pod):
        kw = {"D": "DEBUG", "I": "LOG", "W": "WARNING", "E": "ERROR", "F": "FATAL"}[lvl]
        return f"{self.ts(ts)} [1] {kw} {msg}"



class CorednsStyle(Style):
    runtime = "coredns"

    def __init__(self, svc, rng, variant, tz_min):
        super().__init__(svc, rng, 0, variant)
        self.ts = TS("%Y-%m-%dT%H:%M:%S", digits=6, suffix="Z")
        self.precision = 1e-6

    def _format(self, ts, lvl, msg, logger, fields, exc, pod):
        kw = {"D": "DEBUG", "I": "INFO", "W": "WARNING", "E": "ERROR", "F": "FATAL"}[lvl]
        return f"{self.ts(ts)} [{kw}] {msg}"



STYLE_CHOICES = {
    "java": [("spring2", 3), ("spring3", 3), ("log4j", 2), ("logstash", 2)],
    "go": [("zap", 3), ("zap_iso", 1), ("logrus", 3), ("std", 2), ("zerolog", 2)],
    "python": [("pylog", 3), ("pylog2", 2), ("gunicorn", 2), ("structlog", 3)],
    "node": [("pino", 5), ("winston_json", 2), ("winston_text", 2)],
    "nginx": [("main_ext", 4), ("ingress", 3), ("combined", 2)],
    "envoy": [("envoy", 3), ("istio", 2)],
    "postgres": [("plain", 1), ("userdb", 1)],
    "redis": [("notice", 2), ("verbose", 1)],
    "pgbouncer": [("plain", 1)],
    "coredns": [("kubectl_ts", 1)],
}
STYLE_CLASSES = {"java": JavaStyle, "go": GoStyle, "python": PyStyle, "node": NodeStyle, "nginx": NginxStyle,
                 "envoy": EnvoyStyle, "postgres": PostgresStyle, "redis": RedisStyle, "pgbouncer": PgbouncerStyle,
                 "coredns": CorednsStyle}


def make_style(svc: Service, rng: random.Random, variant: str | None = None) -> Style:
    variant = variant or weighted(rng, STYLE_CHOICES[svc.runtime])
    tz = weighted(rng, [(0, 6), (120, 1), (60, 1), (-300, 1), (330, 0.3), (-420, 0.5)])
    return STYLE_CLASSES[svc.runtime](svc, rng, variant, tz)


# ----------------------------------------------------------------------------------------------
# stack traces
# ----------------------------------------------------------------------------------------------

JAVA_FAMILIES = {
    "rest": ["org.springframework.web.client.RestTemplate.doExecute(RestTemplate.java:#)",
             "org.springframework.web.client.RestTemplate.execute(RestTemplate.java:#)",
             "org.springframework.web.client.RestTemplate.exchange(RestTemplate.java:#)"],
    "socket": ["java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:#)",
               "java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:#)",
               "java.base/sun.nio.ch.NioSocketImpl.read(NioSocketImpl.java:#)",
               "java.base/java.net.Socket$SocketInputStream.read(Socket.java:#)",
               "org.apache.hc.core5.http.impl.io.SessionInputBufferImpl.fillBuffer(SessionInputBufferImpl.java:#)",
               "org.apache.hc.core5.http.impl.io.DefaultBHttpClientConnection.receiveResponseHeader(DefaultBHttpClientConnection.java:#)"],
    "connect": ["java.base/sun.nio.ch.Net.pollConnect(Native Method)",
                "java.base/sun.nio.ch.Net.pollConnectNow(Net.java:#)",
                "java.base/sun.nio.ch.NioSocketImpl.timedFinishConnect(NioSocketImpl.java:#)",
                "java.base/java.net.Socket.connect(Socket.java:#)",
                "org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator.connect(DefaultHttpClientConnectionOperator.java:#)"],
    "hikari": ["com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:#)",
               "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:#)",
               "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:#)",
               "com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:#)",
               "org.springframework.jdbc.datasource.DataSourceUtils.fetchConnection(DataSourceUtils.java:#)",
               "org.springframework.jdbc.datasource.DataSourceUtils.doGetConnection(DataSourceUtils.java:#)"],
    "jdbc": ["org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:#)",
             "org.postgresql.core.v3.QueryExecutorImpl.processResults(QueryExecutorImpl.java:#)",
             "org.postgresql.core.v3.QueryExecutorImpl.execute(QueryExecutorImpl.java:#)",
             "org.postgresql.jdbc.PgStatement.executeInternal(PgStatement.java:#)",
             "org.postgresql.jdbc.PgPreparedStatement.executeWithFlags(PgPreparedStatement.java:#)",
             "com.zaxxer.hikari.pool.HikariProxyPreparedStatement.executeQuery(HikariProxyPreparedStatement.java)",
             "org.springframework.jdbc.core.JdbcTemplate.execute(JdbcTemplate.java:#)"],
    "jackson": ["com.fasterxml.jackson.core.JsonParser._constructError(JsonParser.java:#)",
                "com.fasterxml.jackson.core.base.ParserMinimalBase._reportError(ParserMinimalBase.java:#)",
                "com.fasterxml.jackson.core.json.UTF8StreamJsonParser._handleUnexpectedValue(UTF8StreamJsonParser.java:#)",
                "com.fasterxml.jackson.databind.ObjectMapper._readMapAndClose(ObjectMapper.java:#)",
                "org.springframework.http.converter.json.AbstractJackson2HttpMessageConverter.readJavaType(AbstractJackson2HttpMessageConverter.java:#)"],
    "ssl": ["java.base/sun.security.ssl.Alert.createSSLException(Alert.java:#)",
            "java.base/sun.security.ssl.TransportContext.fatal(TransportContext.java:#)",
            "java.base/sun.security.ssl.CertificateMessage$T13CertificateConsumer.checkServerCerts(CertificateMessage.java:#)",
            "java.base/sun.security.ssl.SSLHandshake.consume(SSLHandshake.java:#)",
            "java.base/sun.security.ssl.SSLSocketImpl.startHandshake(SSLSocketImpl.java:#)"],
    "certpath": ["java.base/sun.security.provider.certpath.BasicChecker.verifyValidity(BasicChecker.java:#)",
                 "java.base/sun.security.provider.certpath.BasicChecker.check(BasicChecker.java:#)",
                 "java.base/sun.security.provider.certpath.PKIXMasterCertPathValidator.validate(PKIXMasterCertPathValidator.java:#)"],
    "lettuce": ["io.lettuce.core.RedisConnectionException.create(RedisConnectionException.java:#)",
                "io.lettuce.core.AbstractRedisClient.getConnection(AbstractRedisClient.java:#)",
                "io.lettuce.core.RedisClient.connect(RedisClient.java:#)",
                "org.springframework.data.redis.connection.lettuce.StandaloneConnectionProvider.getConnection(StandaloneConnectionProvider.java:#)"],
    "netty": ["io.netty.channel.unix.Errors.newConnectException0(Errors.java:#)",
              "io.netty.channel.unix.Errors.handleConnectErrno(Errors.java:#)",
              "io.netty.channel.epoll.AbstractEpollChannel$AbstractEpollUnsafe.finishConnect(AbstractEpollChannel.java:#)"],
    "dns": ["java.base/java.net.Inet6AddressImpl.lookupAllHostAddr(Native Method)",
            "java.base/java.net.InetAddress$PlatformNameService.lookupAllHostAddr(InetAddress.java:#)",
            "java.base/java.net.InetAddress.getAddressesFromNameService(InetAddress.java:#)",
            "java.base/java.net.InetAddress.getAllByName0(InetAddress.java:#)",
            "java.base/java.net.InetAddress.getAllByName(InetAddress.java:#)"],
    "exec": ["java.base/java.util.concurrent.ThreadPoolExecutor$AbortPolicy.rejectedExecution(ThreadPoolExecutor.java:#)",
             "java.base/java.util.concurrent.ThreadPoolExecutor.reject(ThreadPoolExecutor.java:#)",
             "java.base/java.util.concurrent.ThreadPoolExecutor.execute(ThreadPoolExecutor.java:#)",
             "org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor.submit(ThreadPoolTaskExecutor.java:#)"],
    "io": ["java.base/java.io.FileOutputStream.writeBytes(Native Method)",
           "java.base/java.io.FileOutputStream.write(FileOutputStream.java:#)",
           "java.base/java.io.BufferedOutputStream.flushBuffer(BufferedOutputStream.java:#)",
           "java.base/java.io.BufferedOutputStream.flush(BufferedOutputStream.java:#)"],
    "breaker": ["io.github.resilience4j.circuitbreaker.CallNotPermittedException.createCallNotPermittedException(CallNotPermittedException.java:#)",
                "io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine$OpenState.acquirePermission(CircuitBreakerStateMachine.java:#)",
                "io.github.resilience4j.circuitbreaker.CircuitBreaker.lambda$decorateCheckedSupplier$82a9021a$1(CircuitBreaker.java:#)"],
    "npe": [],
    "web": ["org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:#)",
            "org.springframework.web.servlet.FrameworkServlet.doPost(FrameworkServlet.java:#)",
            "jakarta.servlet.http.HttpServlet.service(HttpServlet.java:#)",
            "org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:#)",
            "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:#)",
            "org.springframework.web.filter.OncePerRequestFilter.doFilter(OncePerRequestFilter.java:#)",
            "org.apache.catalina.core.StandardWrapperValve.invoke(StandardWrapperValve.java:#)",
            "org.apache.catalina.core.StandardContextValve.invoke(StandardContextValve.java:#)",
            "org.apache.catalina.connector.CoyoteAdapter.service(CoyoteAdapter.java:#)",
            "org.apache.coyote.http11.Http11Processor.service(Http11Processor.java:#)",
            "org.apache.tomcat.util.net.NioEndpoint$SocketProcessor.doRun(NioEndpoint.java:#)",
            "org.apache.tomcat.util.threads.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:#)",
            "org.apache.tomcat.util.threads.TaskThread$WrappingRunnable.run(TaskThread.java:#)",
            "java.base/java.lang.Thread.run(Thread.java:#)"],
    "kafka": ["org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.doInvokeRecordListener(KafkaMessageListenerContainer.java:#)",
              "org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.invokeRecordListener(KafkaMessageListenerContainer.java:#)",
              "org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.run(KafkaMessageListenerContainer.java:#)",
              "java.base/java.lang.Thread.run(Thread.java:#)"],
}


def jframe(tpl: str) -> str:
    return "\tat " + tpl.replace("#", str(line_no(tpl)))


def lower_camel(name: str) -> str:
    parts = name.split("_")
    return parts[0] + "".join(x.capitalize() for x in parts[1:])


def java_trace(rng, st, head, family, causes=(), handler="handle", callee=None, entry="web"):
    C, pkg = st.C, st.pkg
    handler = lower_camel(handler)
    lines = [head]
    lines += [jframe(f) for f in JAVA_FAMILIES.get(family, [])[: rng.randint(2, 6)]]
    if callee:
        cc = camel(callee)
        lines.append(jframe(f"{pkg}.client.{cc}Client.{handler}({cc}Client.java:#)"))
    lines.append(jframe(f"{pkg}.service.{C}Service.{handler}({C}Service.java:#)"))
    if entry == "web":
        lines.append(jframe(f"{pkg}.web.{C}Controller.{handler}({C}Controller.java:#)"))
        web = JAVA_FAMILIES["web"]
        lines += [jframe(f) for f in web[: rng.randint(3, len(web))]]
    else:
        lines += [jframe(f) for f in JAVA_FAMILIES["kafka"]]
    for chead, cfam in causes:
        lines.append("Caused by: " + chead)
        lines += [jframe(f) for f in JAVA_FAMILIES.get(cfam, [])[: rng.randint(2, 5)]]
        lines.append(f"\t... {rng.randint(18, 75)} common frames omitted")
    return lines


PY_FAMILIES = {
    "requests": [("/usr/local/lib/python3.11/site-packages/requests/sessions.py", "request", "resp = self.send(prep, **send_kwargs)"),
                 ("/usr/local/lib/python3.11/site-packages/requests/sessions.py", "send", "r = adapter.send(request, **kwargs)"),
                 ("/usr/local/lib/python3.11/site-packages/requests/adapters.py", "send", "raise ConnectionError(e, request=request)")],
    "httpx": [("/usr/local/lib/python3.11/site-packages/httpx/_client.py", "send", "response = await self._send_handling_auth("),
              ("/usr/local/lib/python3.11/site-packages/httpx/_transports/default.py", "handle_async_request", "with map_httpcore_exceptions():"),
              ("/usr/local/lib/python3.11/contextlib.py", "__exit__", "self.gen.throw(typ, value, traceback)")],
    "sqlalchemy": [("/usr/local/lib/python3.11/site-packages/sqlalchemy/engine/base.py", "_execute_context", "return self._exec_single_context("),
                   ("/usr/local/lib/python3.11/site-packages/sqlalchemy/pool/base.py", "connect", "return _ConnectionFairy._checkout(self)"),
                   ("/usr/local/lib/python3.11/site-packages/sqlalchemy/pool/impl.py", "_do_get", "raise exc.TimeoutError(")],
    "redis": [("/usr/local/lib/python3.11/site-packages/redis/client.py", "execute_command", "conn = self.connection or pool.get_connection(command_name, **options)"),
              ("/usr/local/lib/python3.11/site-packages/redis/connection.py", "connect", "raise ConnectionError(self._error_message(e))")],
    "json": [("/usr/local/lib/python3.11/json/__init__.py", "loads", "return _default_decoder.decode(s)"),
             ("/usr/local/lib/python3.11/json/decoder.py", "decode", "obj, end = self.raw_decode(s, idx=_w(s, 0).end())"),
             ("/usr/local/lib/python3.11/json/decoder.py", "raw_decode", "raise JSONDecodeError(\"Expecting value\", s, err.value) from None")],
    "os": [],
    "app": [],
}


def py_trace(rng, st, final, family, handler="handle", chained=None):
    mod = st.svc.word.replace("-", "_")
    lines = ["Traceback (most recent call last):"]
    if chained:
        lines += [f'  File "/usr/local/lib/python3.11/site-packages/urllib3/connectionpool.py", line {line_no("cp" + chained)}, in urlopen',
                  "    response = self._make_request(", chained, "",
                  "During handling of the above exception, another exception occurred:", "",
                  "Traceback (most recent call last):"]
    app = [(f"/app/{mod}/api/routes.py", handler, f"result = await service.{handler}(payload)"),
           (f"/app/{mod}/service.py", handler, f"resp = self.client.{handler.split('_')[0]}(request)")]
    for path, fn, code in app + PY_FAMILIES.get(family, [])[: rng.randint(1, 3)]:
        lines.append(f'  File "{path}", line {line_no(path + fn)}, in {fn}')
        lines.append(f"    {code}")
    lines.append(final)
    return lines


def go_stack(rng, st, handler="Handle", panic=None, recovered_from=None):
    org = st.svc.name.replace("_", "-")
    fr = [(f"github.com/acme/{org}/internal/client.(*Client).Do", "/app/internal/client/http.go"),
          (f"github.com/acme/{org}/internal/service.(*Service).{handler}", "/app/internal/service/service.go"),
          (f"github.com/acme/{org}/internal/server.(*Server).handle{handler}", "/app/internal/server/handlers.go"),
          ("net/http.HandlerFunc.ServeHTTP", "/usr/local/go/src/net/http/server.go"),
          ("net/http.serverHandler.ServeHTTP", "/usr/local/go/src/net/http/server.go")]
    if panic is None:
        return [f"{fn}\n\t{path}:{line_no(fn)}" for fn, path in fr[1:]]
    lines = [] if recovered_from else [f"panic: {panic}"]
    if "nil pointer" in panic and not recovered_from:
        lines.append(f"[signal SIGSEGV: segmentation violation code=0x1 addr=0x{rng.randint(8, 200):x} pc=0x{rng.getrandbits(24):x}]")
    lines += ["", f"goroutine {rng.randint(20, 90000)} [running]:"]
    for fn, path in fr[1:]:
        lines.append(f"{fn}(0xc000{rng.getrandbits(24):06x}, {{0x{rng.getrandbits(24):x}, 0xc000{rng.getrandbits(24):06x}}})")
        lines.append(f"\t{path}:{line_no(fn)} +0x{rng.randint(16, 900):x}")
    lines += ["created by net/http.(*Server).Serve in goroutine 1", "\t/usr/local/go/src/net/http/server.go:3285 +0x4b4"]
    return lines


NODE_FAMILIES = {
    "net": ["    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1595:16)"],
    "dns": ["    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26)"],
    "axios": ["    at RedirectableRequest.handleRequestTimeout (/app/node_modules/axios/dist/node/axios.cjs:3116:16)",
              "    at RedirectableRequest.emit (node:events:519:28)",
              "    at Timeout.<anonymous> (/app/node_modules/follow-redirects/index.js:221:12)",
              "    at listOnTimeout (node:internal/timers:573:17)",
              "    at process.processTimers (node:internal/timers:514:7)"],
    "axios_status": ["    at settle (/app/node_modules/axios/dist/node/axios.cjs:1966:12)",
                     "    at IncomingMessage.handleStreamEnd (/app/node_modules/axios/dist/node/axios.cjs:3065:11)",
                     "    at IncomingMessage.emit (node:events:531:35)",
                     "    at endReadableNT (node:internal/streams/readable:1696:12)"],
    "tls": ["    at TLSSocket.onConnectSecure (node:_tls_wrap:1674:34)", "    at TLSSocket.emit (node:events:519:28)",
            "    at TLSSocket._finishInit (node:_tls_wrap:1085:8)"],
    "json": ["    at JSON.parse (<anonymous>)", "    at parseJSONFromBytes (node:internal/deps/undici/undici:5329:19)",
             "    at successSteps (node:internal/deps/undici/undici:5300:27)"],
    "pg": ["    at /app/node_modules/pg-pool/index.js:45:11", "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)"],
    "knex": ["    at Client_PG.acquireConnection (/app/node_modules/knex/lib/client.js:312:26)",
             "    at async Runner.ensureConnection (/app/node_modules/knex/lib/execution/runner.js:287:28)"],
    "app": [],
}


def node_trace(rng, st, head, family, handler="handle"):
    w = st.svc.word.replace("_", "-")
    handler = lower_camel(handler)
    lines = [head] + NODE_FAMILIES.get(family, [])[: rng.randint(1, 5)]
    lines.append(f"    at {camel(w)}Service.{handler} (/app/dist/services/{w}.service.js:{line_no(w + handler) % 300 + 10}:{rng.randint(5, 40)})")
    lines.append(f"    at async /app/dist/routes/{w}.js:{line_no(handler) % 120 + 5}:{rng.randint(5, 30)}")
    return lines


# ----------------------------------------------------------------------------------------------
# what a caller logs when a dependency call fails
# ----------------------------------------------------------------------------------------------

class Catalog:
    """Runtime-specific client-side error texts: (message, fields, exception lines)."""

    def __init__(self, rng: random.Random, notafter: float):
        self.rng = rng
        self.notafter = notafter

    def client_error(self, s: Service, dep: Dep, r: Res, method: str, path: str, handler: str, t: float):
        named = self.rng.random() < s.name_prob
        fn = {"java": self.java, "go": self.go, "python": self.python, "node": self.node}[s.runtime]
        return fn(s, dep, r, method, path, handler, named, t)

    # -- helpers
    def _ip(self, dep, r):
        if r.pod is not None:
            return r.pod.ip
        return dep.cluster_ip or (dep.svc.cluster_ip if dep.svc else "10.0.0.1")

    def _url(self, dep, path, tls=False):
        if dep.kind == "ext":
            return f"https://{dep.host}{path}"
        return f"{'https' if tls else 'http'}://{dep.host}:{8443 if tls else dep.port}{path}"

    def _na(self, fmt):
        return datetime.fromtimestamp(math.floor(self.notafter), UTC).strftime(fmt)

    # -- java
    def java(self, s, dep, r, method, path, handler, named, t):
        rng, st = self.rng, s.style
        e, host, port, ip = r.err, dep.host, dep.port, self._ip(dep, r)
        url = self._url(dep, path, e == "tls")
        causes, fam = [], "rest"
        if dep.kind == "db":
            fam = "jdbc"
            if e == "timeout":
                if rng.random() < 0.55:
                    top = "org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection"
                    causes = [("java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.", "hikari")]
                else:
                    top = ("org.springframework.dao.QueryTimeoutException: PreparedStatementCallback; SQL [select * from "
                           f"{s.word.replace('-', '_')} where id = ?]; ERROR: canceling statement due to statement timeout")
                    causes = [("org.postgresql.util.PSQLException: ERROR: canceling statement due to statement timeout", "jdbc")]
            elif e in ("refused", "reset"):
                top = "org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection"
                causes = [(f"org.postgresql.util.PSQLException: Connection to {host}:{port} refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.", "jdbc"),
                          ("java.net.ConnectException: Connection refused", "connect")]
            elif e == "dns":
                top = "org.postgresql.util.PSQLException: The connection attempt failed."
                causes = [(f"java.net.UnknownHostException: {host}", "dns")]
            else:
                top = f"org.springframework.dao.DataAccessResourceFailureException: PreparedStatementCallback; {r.detail}"
                causes = [(f"org.postgresql.util.PSQLException: {r.detail}", "jdbc")]
            msg = rng.choice([f"Database error in {handler}", "Request processing failed", "Unexpected error"])
        elif dep.kind == "cache":
            fam = "lettuce"
            if e == "timeout":
                top = "org.springframework.dao.QueryTimeoutException: Redis command timed out"
                causes = [("io.lettuce.core.RedisCommandTimeoutException: Command timed out after 1 second(s)", "lettuce")]
            else:
                top = "org.springframework.data.redis.RedisConnectionFailureException: Unable to connect to Redis"
                causes = [(f"io.lettuce.core.RedisConnectionException: Unable to connect to {host}/<unresolved>:{port}", "lettuce"),
                          (f"io.netty.channel.AbstractChannel$AnnotatedConnectException: Connection refused: {host}/{ip}:{port}", "netty")]
            msg = "Cache lookup failed, falling back to database"
        else:
            pre = f'org.springframework.web.client.ResourceAccessException: I/O error on {method} request for "{url}": '
            if e == "timeout":
                top, fam = (pre + "Read timed out", "rest") if named else ("java.net.SocketTimeoutException: Read timed out", "socket")
                if named:
                    causes = [("java.net.SocketTimeoutException: Read timed out", "socket")]
            elif e in ("refused", "dns") or (e == "reset" and named):
                if e == "dns":
                    cause = f"java.net.UnknownHostException: {host}: Temporary failure in name resolution"
                    cfam = "dns"
                elif e == "refused":
                    cause = f"org.apache.hc.client5.http.HttpHostConnectException: Connect to {url.split('/')[2]} [{host}/{ip}] failed: Connection refused"
                    cfam = "connect"
                else:
                    cause, cfam = "java.net.SocketException: Connection reset", "socket"
                if named:
                    top, causes = pre + cause.split(": ", 1)[1], [(cause, cfam)]
                else:
                    top, fam = cause, cfam
            elif e == "reset":
                top, fam = "java.net.SocketException: Connection reset", "socket"
            elif e == "tls":
                top = ("javax.net.ssl.SSLHandshakeException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed")
                if named:
                    top = pre + top.split(": ", 1)[1]
                causes = [("sun.security.validator.ValidatorException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed", "ssl"),
                          (f"java.security.cert.CertificateExpiredException: NotAfter: {self._na('%a %b %d %H:%M:%S UTC %Y')}", "certpath")]
                fam = "ssl"
            elif e == "malformed":
                top = ("com.fasterxml.jackson.core.JsonParseException: Unexpected character ('<' (code 60)): expected a valid value "
                       "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')") if rng.random() < 0.5 else (
                       "com.fasterxml.jackson.databind.exc.MismatchedInputException: Cannot deserialize value of type `java.math.BigDecimal` from String \"N/A\": not a valid representation")
                if named:
                    top = (f"org.springframework.web.client.RestClientException: Error while extracting response for type "
                           f"[class {st.pkg}.client.{camel(host)}Response] and content type [application/json]")
                    causes = [("com.fasterxml.jackson.core.JsonParseException: Unexpected character ('<' (code 60)): expected a valid value", "jackson")]
                fam = "jackson"
            elif e == "breaker":
                top, fam = f"io.github.resilience4j.circuitbreaker.CallNotPermittedException: CircuitBreaker '{host}' is OPEN and does not permit further calls", "breaker"
            else:
                st_ = r.status
                cls = {429: "HttpClientErrorException$TooManyRequests", 401: "HttpClientErrorException$Unauthorized",
                       502: "HttpServerErrorException$BadGateway", 503: "HttpServerErrorException$ServiceUnavailable",
                       504: "HttpServerErrorException$GatewayTimeout"}.get(st_, "HttpServerErrorException$InternalServerError")
                body = r.detail or "[no body]"
                if named and rng.random() < 0.5:
                    top = f"feign.FeignException${cls.split('$')[1]}: [{st_} {REASONS.get(st_, '')}] during [{method}] to [{url}] [{camel(host)}Client#{lower_camel(handler)}(Request)]: [{body}]"
                else:
                    top = f"org.springframework.web.client.{cls}: {st_} {REASONS.get(st_, '')}: {body}"
            msg = None
        if msg is None:
            if rng.random() < 0.45:
                root = causes[-1][0] if causes else top
                exc = java_trace(rng, st, root, fam if not causes else causes[-1][1], (), handler, host if dep.kind != "db" else None)
                return (f"Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception "
                        f"[Request processing failed: {top}] with root cause"), None, exc, "servlet"
            msg = (f"Call to {host} failed: {top.split(': ', 1)[-1][:160]}" if named
                   else rng.choice(["Downstream call failed", f"Error processing {method} {path}", "Request processing failed"]))
        exc = java_trace(rng, st, top, fam, causes, handler, host if dep.kind not in ("db", "cache") else None) if rng.random() < s.stack_prob else None
        if exc is None and not (named and dep.kind in ("svc", "ext")):
            msg = f"{msg}: {(causes[-1][0] if causes and rng.random() < 0.5 else top)}"
        return msg, None, exc, "client" if dep.kind != "db" else "db"

    # -- go
    def go(self, s, dep, r, method, path, handler, named, t):
        rng = self.rng
        e, host, port, ip = r.err, dep.host, dep.port, self._ip(dep, r)
        M = method.capitalize()
        url = self._url(dep, path, e == "tls")
        myip = s.pods[0].ip if s.pods else "10.0.0.9"
        grpc = s.extra.get("grpc") and dep.kind == "svc"
        if dep.kind == "db":
            user = s.word.replace("-", "_")
            if e == "timeout":
                err = rng.choice(["failed to acquire connection: context deadline exceeded", "timeout: context deadline exceeded",
                                  "ERROR: canceling statement due to statement timeout (SQLSTATE 57014)"])
            elif e in ("refused", "reset"):
                err = f"failed to connect to `host={host} user={user} database={user}`: dial error (dial tcp {ip}:{port}: connect: connection refused)"
            elif e == "dns":
                err = f"failed to connect to `host={host} user={user} database={user}`: hostname resolving error (lookup {host} on 10.96.0.10:53: no such host)"
            else:
                err = r.detail.replace("FATAL:  ", "FATAL: ").replace("ERROR:  ", "ERROR: ")
            msg = rng.choice(["query failed", f"failed to load {s.word}", "db error"])
        elif dep.kind == "cache":
            err = (f"dial tcp {ip}:{port}: connect: connection refused" if e in ("refused", "reset", "dns")
                   else rng.choice(["redis: connection pool timeout", f"read tcp {myip}:{rng.randint(32768, 60999)}->{ip}:{port}: i/o timeout"]))
            msg = "cache get failed, falling back to db"
        else:
            if e == "timeout":
                err = ("rpc error: code = DeadlineExceeded desc = context deadline exceeded" if grpc else
                       f'{M} "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)' if named else "context deadline exceeded")
            elif e == "refused":
                err = (f'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp {ip}:{port}: connect: connection refused"'
                       if grpc else f'{M} "{url}": dial tcp {ip}:{port}: connect: connection refused' if named else f"dial tcp {ip}:{port}: connect: connection refused")
            elif e == "reset":
                err = (f'{M} "{url}": read tcp {myip}:{rng.randint(32768, 60999)}->{ip}:{port}: read: connection reset by peer' if named
                       else rng.choice(["EOF", "read: connection reset by peer"]))
            elif e == "tls":
                now = datetime.fromtimestamp(math.floor(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                x = f"tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time {now} is after {self._na('%Y-%m-%dT%H:%M:%SZ')}"
                err = f'{M} "{url}": {x}' if named else x
            elif e == "dns":
                x = f"dial tcp: lookup {host}" + rng.choice([" on 10.96.0.10:53: no such host", ": i/o timeout", " on 10.96.0.10:53: server misbehaving"])
                err = f'{M} "{url}": {x}' if named else x
            elif e == "malformed":
                x = rng.choice([f"json: cannot unmarshal string into Go struct field {camel(host)}Response.amount of type float64",
                                "invalid character '<' looking for beginning of value", "unexpected end of JSON input"])
                err = f"decode {host} response: {x}" if named else x
            elif e == "breaker":
                err = f"{host}: circuit breaker is open" if named else "circuit breaker is open"
            else:
                if grpc:
                    err = f"rpc error: code = {'ResourceExhausted' if r.status == 429 else 'Unauthenticated' if r.status == 401 else 'Unavailable' if r.status in (502, 503) else 'Internal'} desc = {r.detail or REASONS.get(r.status, 'error')}"
                else:
                    err = (f"unexpected status {r.status} from {url}" if named else f"unexpected status code: {r.status}")
            msg = f"call to {host} failed" if named else rng.choice(["request failed", "upstream error", f"{handler} failed", "handler error"])
        fields = {"error": err}
        exc = go_stack(rng, s.style, camel(handler)) if (s.style.name.startswith("zap") and rng.random() < s.stack_prob) else None
        return msg, fields, exc, "client"

    # -- python
    def python(self, s, dep, r, method, path, handler, named, t):
        rng = self.rng
        e, host, port, ip = r.err, dep.host, dep.port, self._ip(dep, r)
        url = self._url(dep, path, e == "tls")
        chained, fam = None, "requests"
        obj = f"<urllib3.connection.HTTPConnection object at 0x7f{rng.getrandbits(40):010x}>"
        if dep.kind == "db":
            fam = "sqlalchemy"
            if e == "timeout":
                final = rng.choice(["sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)",
                                    "sqlalchemy.exc.OperationalError: (psycopg2.errors.QueryCanceled) canceling statement due to statement timeout"])
            elif e in ("refused", "reset", "dns"):
                final = f'sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at "{host}" ({ip}), port {port} failed: Connection refused'
            else:
                final = f"sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) {r.detail}"
        elif dep.kind == "cache":
            fam = "redis"
            final = (f"redis.exceptions.ConnectionError: Error 111 connecting to {host}:{port}. Connection refused."
                     if e in ("refused", "reset", "dns") else "redis.exceptions.TimeoutError: Timeout reading from socket")
        else:
            if e == "timeout":
                final = (f"requests.exceptions.ReadTimeout: HTTPConnectionPool(host='{host}', port={port}): Read timed out. (read timeout={s.policies[host].timeout / 1000:g})"
                         if named else rng.choice(["httpx.ReadTimeout", "TimeoutError: timed out"]))
                fam = "requests" if named else "httpx"
            elif e == "refused":
                if named:
                    final = (f"requests.exceptions.ConnectionError: HTTPConnectionPool(host='{host}', port={port}): Max retries exceeded with url: {path} "
                             f"(Caused by NewConnectionError('{obj}: Failed to establish a new connection: [Errno 111] Connection refused'))")
                    chained = "ConnectionRefusedError: [Errno 111] Connection refused"
                else:
                    final, fam = "httpx.ConnectError: [Errno 111] Connection refused", "httpx"
            elif e == "reset":
                final = "requests.exceptions.ConnectionError: ('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))"
            elif e == "tls":
                final = (f"requests.exceptions.SSLError: HTTPSConnectionPool(host='{host}', port=8443): Max retries exceeded with url: {path} "
                         "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')))")
                if not named:
                    final = "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)"
            elif e == "dns":
                final = (f"requests.exceptions.ConnectionError: HTTPConnectionPool(host='{host}', port={port}): Max retries exceeded with url: {path} "
                         f"(Caused by NameResolutionError(\"{obj}: Failed to resolve '{host}' ([Errno -3] Temporary failure in name resolution)\"))"
                         if named else "httpx.ConnectError: [Errno -3] Temporary failure in name resolution")
            elif e == "malformed":
                fam = "json"
                final = rng.choice(["json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
                                    f"pydantic_core._pydantic_core.ValidationError: 1 validation error for {camel(host)}Response\namount\n  Input should be a valid number, unable to parse string as a number [type=float_parsing, input_value='N/A', input_type=str]"])
            elif e == "breaker":
                final = "pybreaker.CircuitBreakerError: Timeout not elapsed yet, circuit breaker still open"
            else:
                kind = "Client" if r.status < 500 else "Server"
                final = (f"requests.exceptions.HTTPError: {r.status} {kind} Error: {REASONS.get(r.status, '')} for url: {url}" if named
                         else f"app.errors.UpstreamError: upstream returned {r.status}")
        msg = (f"Error calling {host}" if named and dep.kind == "svc" else
               rng.choice(["Exception in ASGI application", "Unhandled exception while handling request", f"{handler} failed"]))
        if rng.random() < s.stack_prob:
            return msg, None, py_trace(rng, s.style, final, fam, handler, chained), "web"
        return f"{msg}: {final}", None, None, "web"

    # -- node
    def node(self, s, dep, r, method, path, handler, named, t):
        rng = self.rng
        e, host, port, ip = r.err, dep.host, dep.port, self._ip(dep, r)
        url = self._url(dep, path, e == "tls")
        fam = "net"
        if dep.kind == "db":
            if e == "timeout":
                head, fam = rng.choice([("KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?", "knex"),
                                        ("Error: Query read timeout", "pg"), ("error: canceling statement due to statement timeout", "pg")])
            elif e in ("refused", "reset", "dns"):
                head = f"Error: connect ECONNREFUSED {ip}:{port}"
            else:
                head, fam = "error: " + r.detail.split(":  ", 1)[-1], "pg"
        elif dep.kind == "cache":
            head = (f"Error: connect ECONNREFUSED {ip}:{port}" if e in ("refused", "reset", "dns")
                    else rng.choice(["Error: Command timed out", 'MaxRetriesPerRequestError: Reached the max retries per request limit (which is 20). Refer to "maxRetriesPerRequest" option for details.']))
        else:
            to = int(s.policies[host].timeout) if host in s.policies else 5000
            if e == "timeout":
                head, fam = (f"Error: Request to {method} {url} timed out after {to}ms", "axios") if named else (f"AxiosError: timeout of {to}ms exceeded", "axios")
            elif e == "refused":
                head = (f"FetchError: request to {url} failed, reason: connect ECONNREFUSED {ip}:{port}" if named
                        else f"Error: connect ECONNREFUSED {ip}:{port}")
            elif e == "reset":
                head = rng.choice(["Error: socket hang up", "Error: read ECONNRESET"])
            elif e == "tls":
                head, fam = (f"FetchError: request to {url} failed, reason: certificate has expired" if named else "Error: certificate has expired"), "tls"
            elif e == "dns":
                head, fam = f"Error: getaddrinfo {rng.choice(['ENOTFOUND', 'EAI_AGAIN'])} {host}", "dns"
            elif e == "malformed":
                head, fam = rng.choice([("SyntaxError: Unexpected token '<', \"<html><hea\"... is not valid JSON", "json"),
                                        ("TypeError: Cannot read properties of undefined (reading 'amount')", "app")])
            elif e == "breaker":
                head, fam = "Error: Breaker is open", "app"
            else:
                head, fam = ((f"Error: {method} {url} failed: {r.status}", "app") if named
                             else (f"AxiosError: Request failed with status code {r.status}", "axios_status"))
        exc = node_trace(rng, s.style, head, fam, handler)
        if s.style.name == "pino":
            msg = f"{host} call failed" if named else rng.choice(["upstream request failed", "request failed", "unhandled error"])
            return msg, None, exc, "client"
        msg = f"Error while processing {method} {path}: {head.split(': ', 1)[-1]}"
        return msg, None, (exc if rng.random() < s.stack_prob else None), "client"


# ----------------------------------------------------------------------------------------------
# planning: topology, root, fault, herrings
# ----------------------------------------------------------------------------------------------

VARIANTS = {
    "conn_pool_exhaustion": [("leak", 2), ("exhausted", 1)],
    "slow_db_queries": [("postgres_plan", 3), ("postgres_locks", 2), ("dataservice_latency", 2)],
    "deadlock_hung": [("quiet", 2), ("liveness_restarts", 2), ("blocked_warn", 1)],
    "crash_loop_oom": [("oom_logged", 2), ("oomkilled_silent", 1)],
    "sudden_death": [("fatal_line", 1)],
    "dns_failure": [("app_resolver", 2), ("coredns", 2)],
    "tls_cert_expired": [("handshake_logged", 1), ("silent", 1)],
    "disk_full": [("app_growth", 2), ("postgres_wal", 1)],
    "bad_config_deploy": [("missing_property", 1), ("schema_mismatch", 1), ("npe", 1), ("edge_reload", 1)],
    "rate_limited": [("app_limiter", 2), ("edge_limit_req", 1)],
    "memory_leak": [("gradual", 1)],
    "cpu_throttling": [("throttled", 1), ("throttled_slowlog", 1)],
    "network_partition": [("packet_loss", 2), ("one_replica_unreachable", 1)],
    "consumer_lag": [("slow_processing", 2), ("poison_message", 1)],
    "cache_node_down": [("crash_silent", 1), ("shutdown_logged", 1), ("restart_cold", 1)],
    "expired_credentials": [("api_key", 2), ("db_password", 1)],
    "thread_pool_saturation": [("rejections", 1)],
    "bad_feature_flag": [("flag_flip", 1)],
    "malformed_responses": [("after_deploy", 1), ("silent", 1)],
}
NEEDS = {
    ("rate_limited", "edge_limit_req"): {"edge"}, ("bad_config_deploy", "edge_reload"): {"edge"},
    ("slow_db_queries", "postgres_plan"): {"pg"}, ("slow_db_queries", "postgres_locks"): {"pg"},
    ("slow_db_queries", "dataservice_latency"): {"dataservice"}, ("disk_full", "postgres_wal"): {"pg"},
    ("cache_node_down", "*"): {"cache", "pg?"}, ("dns_failure", "coredns"): {"dns"},
    ("consumer_lag", "*"): {"worker"}, ("expired_credentials", "api_key"): {"ext"},
    ("expired_credentials", "db_password"): {"pg?"}, ("conn_pool_exhaustion", "*"): {"pg?"},
}
RUNTIME_W = [("java", 3), ("go", 3), ("python", 2), ("node", 2)]
BOOT_S = {"java": (6, 25), "go": (0.4, 2), "python": (2, 6), "node": (1, 4), "nginx": (0.1, 0.5), "envoy": (1, 3),
          "postgres": (2, 8), "redis": (0.1, 0.8), "pgbouncer": (0.05, 0.3), "coredns": (0.5, 2)}


@dataclass(eq=False)
class Plan:
    case_id: str
    seed: int
    rng: random.Random
    kind: str
    variant: str
    layout: str
    start: float
    end: float
    fault_start: float
    ns: str
    services: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    root: Service | None = None
    herrings: list = field(default_factory=list)
    hp: dict = field(default_factory=dict)       # herring parameters, by kind
    fp: dict = field(default_factory=dict)       # fault parameters
    edges: list = field(default_factory=list)
    used_ips: set = field(default_factory=set)
    layout_detail: dict = field(default_factory=dict)
    target_lines: int = 60000

    def svc(self, name):
        for s in self.services:
            if s.name == name:
                return s
        return None

    def new_ip(self, cluster=False):
        while True:
            ip = (f"10.96.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}" if cluster else
                  f"10.{self.rng.choice((0, 1, 2, 3, 8, 244))}.{self.rng.randint(0, 255)}.{self.rng.randint(2, 254)}")
            if ip not in self.used_ips:
                self.used_ips.add(ip)
                return ip

    def callers(self, s):
        return [a for a, b in self.edges if b == s.name]


def boot_time(s, rng):
    lo, hi = BOOT_S[s.runtime]
    return rng.uniform(lo, hi)


def new_pod(plan, s, start, end, version, rs, name=None):
    rng = plan.rng
    if name is None:
        if s.statefulset:
            taken = {p.name for p in s.pods if p.end > start}
            name = next(f"{s.name}-{i}" for i in range(20) if f"{s.name}-{i}" not in taken)
        elif s.kind == "cron":
            name = f"{s.name}-{28_400_000 + int(start // 60) % 200_000}-{rid(rng)}"
        else:
            name = f"{s.name}-{rs}-{rid(rng)}"
    pod = Pod(name, plan.new_ip(), start, end, len(s.pods), version)
    s.pods.append(pod)
    return pod


def bump(version, rng):
    a, b, c = (int(x) for x in version.split("."))
    return f"{a}.{b + 1}.0" if rng.random() < 0.5 else f"{a}.{b}.{c + 1}"


def plan_deploy(plan, s, t, version, anom, recreate=None):
    """Rolling (or recreate) deploy of s at t: new pods (new ReplicaSet hash), old pods end."""
    rng = plan.rng
    old = [p for p in s.pods if p.start <= t < p.end]
    rs = rid(rng, rng.choice((9, 10)))
    boot = boot_time(s, rng)
    if recreate is None:
        recreate = len(old) == 1 and rng.random() < 0.35
    ev = s.extra.setdefault("events", [])
    new = []
    for i, p in enumerate(old):
        if recreate or s.statefulset:
            t_term = t + i * rng.uniform(10, 30)
            p.end = t_term + rng.uniform(1.0, 2.5)
            start = p.end + rng.uniform(0.5, 3.0)
            ev.append(dict(t=t_term, type="shutdown", pod=p, anom=anom))
        else:
            start = t + i * rng.uniform(6, 20)
        np_ = new_pod(plan, s, start, plan.end + 3600, version, rs, p.name if s.statefulset else None)
        if not (recreate or s.statefulset):
            p.end = start + boot + rng.uniform(1, 4)
            ev.append(dict(t=p.end - rng.uniform(0.7, 1.2), type="shutdown", pod=p, anom=anom))
        np_.down.append((start, start + boot))
        ev.append(dict(t=start, type="boot", pod=np_, anom=anom, boot=boot, version=version))
        new.append(np_)
    s.version = version
    return new


def plan_crash(plan, s, pod, t, restart_after, anom, reason, restart=True):
    rng = plan.rng
    ev = s.extra.setdefault("events", [])
    ev.append(dict(t=t, type="crash", pod=pod, anom=anom, reason=reason))
    if not restart:
        pod.down.append((t, plan.end + 3600))
        return None
    boot = boot_time(s, rng)
    up = t + restart_after
    pod.down.append((t, up + boot))
    ev.append(dict(t=up, type="boot", pod=pod, anom=anom, boot=boot, version=pod.version, restart=True))
    return up + boot


class NamePool:
    def __init__(self, rng, allow_underscore):
        self.rng, self.allow_us, self.used, self.words = rng, allow_underscore, set(), list(WORDS)
        rng.shuffle(self.words)

    def take(self, name):
        if name in self.used:
            name = f"{name}-{self.rng.choice(['v2', 'core', 'main', 'internal'])}"
        self.used.add(name)
        return name

    def word(self):
        while True:
            w = self.words.pop()
            if not any(w in u for u in self.used):
                return w

    def app(self, w):
        r = self.rng
        forms = [(w, 30), (f"{w}-svc", 14), (f"{w}-api", 14), (f"{w}-service", 10), (f"svc-{w}", 9),
                 (f"{w}-engine", 5), (f"{w}-core", 5)]
        if self.allow_us:
            forms.append((w.replace("-", "_") if "-" in w else f"{w}_svc", 10))
        return self.take(weighted(r, forms))

    def pick(self, pool):
        opts = [n for n in pool if n not in self.used]
        return self.take(self.rng.choice(opts or pool))


def make_service(plan, names, kind, runtime, name, word):
    rng = plan.rng
    port = {"java": 8080, "go": rng.choice((8080, 9090, 8000)), "python": 8000, "node": 3000, "nginx": 80,
            "envoy": 8080, "postgres": 5432, "redis": 6379, "pgbouncer": 6432, "coredns": 53}[runtime]
    s = Service(name=name, kind=kind, runtime=runtime, word=word, port=port, cluster_ip=plan.new_ip(cluster=True))
    s.skew = max(-3.5, min(3.5, rng.gauss(0, 1.2))) if rng.random() < 0.7 else rng.uniform(-0.3, 0.3)
    s.version = f"{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"
    if kind in ("app", "worker", "cron", "batch"):
        s.base_ms = math.exp(rng.uniform(math.log(2), math.log(45)))
        s.sigma = rng.uniform(0.3, 0.7)
        s.logs_access = kind == "app" and rng.random() < 0.78
        s.logs_health = kind == "app" and rng.random() < 0.35
        s.debug = rng.random() < 0.15
        s.chatty = rng.choice((0.0, 0.05, 0.2, 0.4, 0.7))
        s.trace = rng.choice((None, None, "trace_id", "traceparent", "request_id"))
        s.name_prob = rng.choice((0.0, 0.3, 0.7, 1.0))
        s.err_status = rng.choice((500, 500, 502, 503))
        s.stack_prob = rng.choice((0.0, 0.15, 0.5, 1.0)) if runtime == "java" else rng.choice((0.0, 0.3, 0.8))
        s.retry_log = rng.random() < 0.6
        s.replicas = weighted(rng, [(1, 4), (2, 4), (3, 2)]) if kind == "app" else 1 + (rng.random() < 0.3)
        s.metrics_every = rng.choice((30, 60, 60, 120))
        s.extra.update(p4xx=rng.choice((0.002, 0.01, 0.03)), p500=rng.choice((0.0, 0.0005, 0.002)),
                       map504=rng.random() < 0.25, grpc=runtime == "go" and rng.random() < 0.3,
                       metrics=rng.random() < 0.45, sched=rng.random() < 0.4, gc_every=rng.uniform(4, 30),
                       dns_p={"go": 0.12, "python": 0.2, "node": 0.08, "java": 0.01}[runtime])
    elif kind == "edge":
        s.base_ms, s.sigma, s.replicas = rng.uniform(0.2, 1.0), 0.3, rng.choice((1, 2, 2, 3))
    elif kind == "db":
        s.base_ms, s.sigma, s.replicas, s.statefulset = rng.uniform(0.6, 4.0), 0.6, 1, True
        s.extra.update(log_min_ms=rng.choice((200, 250, 500, 1000)), stmt_timeout_ms=rng.choice((5000, 15000, 30000, 60000)),
                       slow_tail=rng.choice((0.0005, 0.002, 0.005)), log_conn=rng.random() < 0.5)
    elif kind == "cache":
        s.base_ms, s.sigma, s.replicas, s.statefulset = rng.uniform(0.15, 0.8), 0.4, 1, True
        s.extra.update(hit=rng.uniform(0.8, 0.95), save_every=rng.choice((60, 120, 300, 900)))
    elif kind == "dbproxy":
        s.base_ms, s.sigma, s.replicas = 0.1, 0.3, 1
    elif kind == "dns":
        s.base_ms, s.sigma, s.replicas = 0.2, 0.4, 2
    s.style = make_style(s, rng)
    plan.services.append(s)
    return s


def make_endpoints(plan, s):
    rng = plan.rng
    res = s.word.replace("_", "-")
    noun = res[:-1] if res.endswith("s") and not res.endswith("ss") else res
    noun = noun.replace("-", "_")
    svc_deps = [d for d in s.deps if d.kind in ("svc", "ext")]
    db = [d for d in s.deps if d.kind == "db"]
    cache = [d for d in s.deps if d.kind == "cache"]
    queue = [d for d in s.deps if d.kind == "queue"]
    n = rng.randint(2, 5)
    shapes = [("GET", f"/api/v1/{res}/{{id}}", f"get_{noun}"), ("POST", f"/api/v1/{res}", f"create_{noun}"),
              ("GET", f"/api/v1/{res}", f"list_{res.replace('-', '_')}"), ("PUT", f"/api/v1/{res}/{{id}}", f"update_{noun}"),
              ("POST", f"/api/v1/{res}/{{id}}/validate", f"validate_{noun}"), ("GET", f"/internal/{res}/{{id}}/status", f"{noun}_status"),
              ("POST", f"/v2/{res}/quote", f"quote_{noun}"), ("DELETE", f"/api/v1/{res}/{{id}}", f"delete_{noun}")]
    rng.shuffle(shapes)
    eps = []
    for i in range(n):
        m, path, handler = shapes[i]
        deps = [d for d in svc_deps if rng.random() < 0.55]
        if db and rng.random() < 0.85:
            pos = 0
            if cache and m == "GET" and rng.random() < 0.8:
                deps.insert(0, cache[0])
                pos = 1
            deps.insert(pos, db[0])
        eps.append(Endpoint(m, path, handler, deps, rng.choice((1, 2, 4, 8)), write=m in ("POST", "PUT", "DELETE")))
    # every dependency is used by at least one endpoint
    for d in svc_deps + db + cache:
        if not any(d in e.deps for e in eps):
            e = rng.choice(eps)
            if d.kind == "cache":
                e.deps.insert(0, d)
                if db and db[0] not in e.deps:
                    e.deps.insert(1, db[0])
            else:
                e.deps.append(d)
    if queue:
        w = [e for e in eps if e.method == "POST"] or eps
        for e in w[:2]:
            e.publish = True
            e.deps.append(queue[0])
    if not any(e.write for e in eps):
        eps[0].write = True
    s.endpoints = eps
    acc, tot = [], 0.0
    for e in eps:
        tot += e.weight
        acc.append(tot)
    s.ep_cum = acc


def add_dep(plan, a, kind, host, port, svc=None, label=""):
    d = Dep(kind, host, port, svc, label, svc.cluster_ip if svc else plan.new_ip(cluster=True))
    a.deps.append(d)
    rng = plan.rng
    if kind == "svc":
        pol = Policy(timeout=rng.choice((1000, 2000, 3000, 5000, 5000, 10000, 30000)), retries=rng.choice((0, 0, 1, 2, 3)),
                     backoff=rng.uniform(50, 500), breaker=rng.random() < 0.3, fallback=rng.random() < 0.1)
    elif kind == "ext":
        pol = Policy(timeout=rng.choice((5000, 10000, 15000)), retries=rng.choice((0, 1, 2)), backoff=rng.uniform(200, 1000),
                     breaker=rng.random() < 0.3, fallback=False)
    elif kind == "db":
        pol = Policy(timeout=rng.choice((5000, 10000, 30000, 30000)), retries=0, backoff=0, breaker=False, fallback=False)
    elif kind == "cache":
        pol = Policy(timeout=rng.choice((200, 500, 1000)), retries=0, backoff=0, breaker=False, fallback=True)
    else:
        pol = Policy(timeout=5000, retries=0, backoff=0, breaker=False, fallback=False)
    a.policies[host] = pol
    if svc is not None:
        plan.edges.append([a.name, svc.name])
    return d


def build_topology(plan, herring_kinds):
    rng = plan.rng
    needs = set()
    for (k, v), n in NEEDS.items():
        if k == plan.kind and v in ("*", plan.variant):
            needs |= n
    names = NamePool(rng, plan.layout == "per-service")
    n_target = rng.randint(4, 12)
    has_edge = "edge" in needs or rng.random() < 0.6
    has_pg = "pg" in needs or (rng.random() < (0.8 if "pg?" in needs else 0.45))
    has_pgb = has_pg and rng.random() < 0.2
    has_cache = "cache" in needs or rng.random() < 0.3
    has_dns = "dns" in needs or rng.random() < 0.08
    has_worker = "worker" in needs or rng.random() < 0.35
    has_cron = "cron_error_bursts" in herring_kinds or rng.random() < 0.1
    has_batch = "slow_batch_job" in herring_kinds
    n_entry = 1 + (rng.random() < 0.3)
    fixed = has_edge + n_entry + has_pg + has_pgb + has_cache + has_dns + has_worker + has_cron + has_batch
    # trim optional extras if we are over budget
    for flag in ("pgb", "dns", "cron", "worker", "entry2", "cache"):
        if fixed + 1 <= 12:
            break
        if flag == "pgb" and has_pgb:
            has_pgb, fixed = False, fixed - 1
        elif flag == "dns" and has_dns and "dns" not in needs:
            has_dns, fixed = False, fixed - 1
        elif flag == "cron" and has_cron and "cron_error_bursts" not in herring_kinds:
            has_cron, fixed = False, fixed - 1
        elif flag == "worker" and has_worker and "worker" not in needs:
            has_worker, fixed = False, fixed - 1
        elif flag == "entry2" and n_entry == 2:
            n_entry, fixed = 1, fixed - 1
        elif flag == "cache" and has_cache and "cache" not in needs:
            has_cache, fixed = False, fixed - 1
    n_mid = max(1, n_target - fixed, 4 - fixed)
    n_mid = min(n_mid, max(1, 12 - fixed))

    def app(kind, name, word):
        return make_service(plan, names, kind, weighted(rng, RUNTIME_W), name, word)

    edge = None
    if has_edge:
        rt = weighted(rng, [("nginx", 6), ("envoy", 4)])
        edge = make_service(plan, names, "edge", rt, names.pick(EDGE_NAMES), "edge")
    entry_apps = []
    for _ in range(n_entry):
        w = names.word()
        nm = names.pick(ENTRY_NAMES) if rng.random() < 0.6 else names.app(w)
        entry_apps.append(app("app", nm, w))
    mids = []
    for i in range(n_mid):
        w = names.word()
        mids.append(app("app", names.app(w), w))
    apps = entry_apps + mids
    # mid tier: each mid gets 1-2 callers among earlier apps (a DAG)
    for i, m in enumerate(mids):
        cands = apps[: n_entry + i]
        for c in rng.sample(cands, min(len(cands), 1 if rng.random() < 0.65 else 2)):
            add_dep(plan, c, "svc", m.name, m.port, m)
    if "dataservice" in needs:
        ds = mids[-1]
        ds.deps = []
        plan.edges = [e for e in plan.edges if e[0] != ds.name]
        if not plan.callers(ds):
            add_dep(plan, entry_apps[0], "svc", ds.name, ds.port, ds)
        ds.extra["dataservice"] = True
    pg = pgb = cache = dns = None
    if has_pg:
        pg = make_service(plan, names, "db", "postgres", names.pick(DB_NAMES), "db")
    if has_pgb:
        pgb = make_service(plan, names, "dbproxy", "pgbouncer", names.pick(PGB_NAMES), "pgbouncer")
        pgb.deps.append(Dep("db", pg.name, pg.port, pg, cluster_ip=pg.cluster_ip))
        plan.edges.append([pgb.name, pg.name])
    if has_cache:
        cache = make_service(plan, names, "cache", "redis", names.pick(CACHE_NAMES), "cache")
    # databases: shared postgres (maybe through pgbouncer) or each app its own unlogged managed db
    db_users = [a for a in apps if rng.random() < 0.55 or a.extra.get("dataservice")]
    if not db_users:
        db_users = [rng.choice(mids)]
    if pg and len(db_users) < 2 and len(apps) > 1 and rng.random() < 0.6:
        db_users.append(rng.choice([a for a in apps if a not in db_users]))
    for a in apps:
        if a not in db_users:
            continue
        if pg and not a.extra.get("dataservice"):
            tgt = pgb or pg
            add_dep(plan, a, "db", tgt.name, tgt.port, tgt)
        else:
            add_dep(plan, a, "db", f"{a.word}-db.cluster-c{rid(rng, 6)}.eu-west-1.rds.amazonaws.com", 5432, None, "rds")
    if cache:
        users = rng.sample(db_users, min(len(db_users), rng.randint(1, 3)))
        for a in users:
            add_dep(plan, a, "cache", cache.name, cache.port, cache)
    # third-party APIs
    n_ext = 1 if "ext" in needs else (1 if rng.random() < 0.4 else 0)
    leafs = [a for a in mids if not any(d.kind == "svc" for d in a.deps)] or mids
    for a in rng.sample(leafs, min(n_ext, len(leafs))):
        host, label = rng.choice(EXTERNAL_APIS)
        add_dep(plan, a, "ext", host, 443, None, label)
    # queue + worker
    if has_worker:
        w = names.word()
        wn = names.take(w.replace("-", "_") + "_worker" if (plan.layout == "per-service" and rng.random() < 0.2)
                        else w + rng.choice([x for x in WORKER_SUFFIX if "_" not in x]))
        worker = make_service(plan, names, "worker", weighted(rng, RUNTIME_W), wn, w)
        if worker.runtime == "python" and rng.random() < 0.6:
            worker.style = PyStyle(worker, rng, "celery", 0)
        topic = f"{rng.choice(apps).word.replace('-', '.')}.events"
        worker.topic = topic
        for p in rng.sample(apps, min(len(apps), rng.randint(1, 2))):
            p.deps.append(Dep("queue", topic, 9092, worker))
            plan.edges.append([p.name, worker.name])
        if pg and rng.random() < 0.6:
            add_dep(plan, worker, "db", (pgb or pg).name, (pgb or pg).port, pgb or pg)
        if rng.random() < 0.4 and mids:
            m = rng.choice(mids)
            add_dep(plan, worker, "svc", m.name, m.port, m)
        if rng.random() < 0.5 or not worker.deps:
            host, label = rng.choice(EXTERNAL_APIS)
            add_dep(plan, worker, "ext", host, 443, None, label)
        worker.extra["lanes"] = rng.randint(2, 6)
    if has_dns:
        dns = make_service(plan, names, "dns", "coredns", names.pick(DNS_NAMES), "dns")
        for a in plan.services:
            if a.kind in ("app", "worker", "cron", "batch"):
                plan.edges.append([a.name, dns.name])
    if has_cron:
        c = make_service(plan, names, "cron", weighted(rng, RUNTIME_W), names.pick(CRON_NAMES), "cron")
        tgt = rng.choice(mids)
        add_dep(plan, c, "svc", tgt.name, tgt.port, tgt)
        c.extra["period"] = rng.choice((300, 600, 900))
    if has_batch:
        b = make_service(plan, names, "batch", weighted(rng, RUNTIME_W), names.pick(BATCH_NAMES), "batch")
        if pg:
            add_dep(plan, b, "db", pg.name, pg.port, pg)
        else:
            add_dep(plan, b, "db", f"warehouse-db.cluster-c{rid(rng, 6)}.eu-west-1.rds.amazonaws.com", 5432, None, "rds")
    if edge:
        ups = list(entry_apps[:1]) + ([entry_apps[1]] if n_entry == 2 and rng.random() < 0.6 else [])
        if mids and rng.random() < 0.3:
            ups.append(rng.choice(mids))
        for u in ups:
            add_dep(plan, edge, "svc", u.name, u.port, u)
        edge.policies = {k: Policy(timeout=rng.choice((10000, 15000, 30000, 60000)), retries=rng.choice((0, 0, 1)),
                                   backoff=0, breaker=False, fallback=False) for k in edge.policies}
        plan.entries = [edge] + [a for a in entry_apps if a not in ups]
    else:
        plan.entries = list(entry_apps)
    for a in entry_apps:
        if a in plan.entries:
            a.external_traffic = True
    if edge:
        edge.external_traffic = True
    for s in plan.services:
        if s.kind in ("app", "worker", "cron", "batch"):
            make_endpoints(plan, s)
    # dedupe edges, keep order
    seen, edges = set(), []
    for a, b in plan.edges:
        if (a, b) not in seen:
            seen.add((a, b))
            edges.append([a, b])
    plan.edges = edges


def role_of(plan, s):
    if s in plan.entries:
        return "entry"
    if s.kind in ("worker", "cron", "batch"):
        return "worker"
    if len(set(plan.callers(s))) >= 2:
        return "shared"
    if not any(d.kind in ("svc", "db", "cache") and d.svc is not None for d in s.deps):
        return "leaf"
    return "mid"


def eligible_roots(plan):
    k, v = plan.kind, plan.variant
    apps = [s for s in plan.services if s.kind == "app"]
    called = [s for s in apps if plan.callers(s)]
    app_called = [s for s in apps if any(plan.svc(c).kind in ("app", "worker", "cron") for c in plan.callers(s))]
    by_kind = lambda kk: [s for s in plan.services if s.kind == kk]
    has = lambda s, kind: any(d.kind == kind for d in s.deps)
    if k == "conn_pool_exhaustion":
        return [s for s in apps if has(s, "db")]
    if k == "slow_db_queries":
        return by_kind("db") if v.startswith("postgres") else [s for s in apps if s.extra.get("dataservice")]
    if k in ("deadlock_hung", "crash_loop_oom", "sudden_death", "memory_leak", "cpu_throttling",
             "thread_pool_saturation", "bad_feature_flag"):
        return apps
    if k == "dns_failure":
        return by_kind("dns") if v == "coredns" else [s for s in apps if any(d.kind != "queue" for d in s.deps)]
    if k == "tls_cert_expired":
        return called
    if k == "disk_full":
        return by_kind("db") if v == "postgres_wal" else apps
    if k == "bad_config_deploy":
        if v == "edge_reload":
            return by_kind("edge")
        if v == "schema_mismatch":
            return [s for s in apps if has(s, "db")]
        if v == "missing_property":
            return [s for s in apps if any(d.kind in ("svc", "ext", "db") for d in s.deps)]
        return apps
    if k == "rate_limited":
        return by_kind("edge") if v == "edge_limit_req" else called
    if k == "network_partition":
        return called + [s for s in plan.services if s.kind in ("db", "cache") and plan.callers(s)]
    if k == "consumer_lag":
        return by_kind("worker")
    if k == "cache_node_down":
        return by_kind("cache")
    if k == "expired_credentials":
        return [s for s in apps if has(s, "ext")] if v == "api_key" else [s for s in apps if has(s, "db")]
    if k == "malformed_responses":
        return app_called
    return apps


# ----------------------------------------------------------------------------------------------
# simulation
# ----------------------------------------------------------------------------------------------

GARBAGE = ["", "Killed", "}", "\x1b[2K\x1b[1G", "  ", "...", "{\"level\":\"info\",\"ts\":17", "null",
           "WARNING: An illegal reflective access operation has occurred", "npm WARN config production Use `--omit=dev` instead.",
           "ERROR StatusLogger No Log4j 2 configuration file found. Using default configuration", "\t(truncated)",
           "[GIN-debug] [WARNING] Running in \"debug\" mode.", "/bin/sh: 1: curl: not found", "Picked up JAVA_TOOL_OPTIONS: -XX:MaxRAMPercentage=75.0",
           "%%%% ###### output truncated ######", "\ufffd\ufffd\u0004\u0013binary", "Segmentation fault (core dumped)"]
CHATTER = ["Deprecated configuration property '{w}.client.timeout' is used, use '{w}.http.read-timeout' instead",
           "X-Forwarded-For header missing, falling back to remote address", "Unknown field 'legacy_id' in payload ignored",
           "Slow response from metrics exporter (1203 ms)", "Certificate for *.internal.example.com expires in 23 days",
           "Retrying connection to statsd-exporter:9125", "Response cache is disabled; set {w}.cache.enabled=true to enable",
           "Client used deprecated API version v1, please migrate to v2"]
UNRELATED = ["Failed to flush metrics to statsd:8125: connection refused",
             "S3 PutObject failed for bucket audit-archive: SlowDown: Please reduce your request rate.",
             "Failed to send audit event to audit-log: 503 Service Unavailable",
             "Unable to refresh JWKS from https://login.example.com/.well-known/jwks.json: timeout after 3000ms",
             "Sentry transport error: 429 Too Many Requests, dropping 12 events",
             "SMTP relay smtp.example.net:587 responded 421 4.7.0 Try again later"]
BG_ERRORS = ["Validation failed for request: field 'email' must be a well-formed email address",
             "Payment declined: insufficient_funds (card ending 4242)", "Invalid signature on webhook from partner id=88231",
             "JWT validation failed: token expired at {ts}", "Order {id} not found", "Duplicate request idempotency-key={id} rejected",
             "Rate limit warning for api key ak_live_***{id4}"]


def ramp(t, t0, dur):
    if t <= t0:
        return 0.0
    return min(1.0, (t - t0) / dur) if dur > 0 else 1.0


class Sim:
    def __init__(self, plan: Plan, rate: float, t0: float, t1: float, fault_on: bool, seed: int):
        self.p, self.rng, self.rate, self.t0, self.t1, self.fault_on = plan, random.Random(seed), rate, t0, t1, fault_on
        self.root, self.F, self.kind, self.var = plan.root, plan.fault_start, plan.kind, plan.variant
        self.fp, self.hp = plan.fp, plan.hp
        self.cat = Catalog(self.rng, plan.fault_start)
        self.first_anom = None
        self.last_req = None
        self.last_any = None
        self.gmax: dict = {}
        self.state: dict = {}
        self.heap: list = []
        self.seq = 0
        self.dns = next((s for s in plan.services if s.kind == "dns"), None)
        r = self.rng
        self.clients = [f"{r.randint(2, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}" for _ in range(300)]
        self.amp, self.period, self.phase = r.uniform(0.05, 0.25), r.uniform(900, 4000), r.uniform(0, 6.3)
        for s in plan.services:
            s.out = []
            for pol in s.policies.values():
                pol.window, pol.open_until, pol.state = [], -1.0, "CLOSED"
            if s.kind == "worker":
                s.extra["ws"] = dict(q=[], qi=0, idle=s.extra.get("lanes", 2), pub_pre=0, target=None, busy_until=0.0)
            if s.kind == "dbproxy":
                s.extra["buckets"] = {}

    # -------------------------------------------------------------- emission
    def emit(self, s, t, lvl, msg, logger="svc", fields=None, exc=None, pod=None, anom=False, req=False):
        if t < self.t0 or t >= self.t1:
            return
        if pod is None:
            pod = s.any_pod(t, self.rng)
        ts = t + s.skew
        s.out.append((ts, s.style.line(ts, lvl, msg, logger, fields, exc, pod), pod.name, lvl))
        if s is self.root and logger != "raw":
            self.root_line(ts, t, anom, req)

    def access(self, s, t, a, pod, anom=False):
        if t < self.t0 or t >= self.t1:
            return
        ts = t + s.skew
        r = s.style.access(ts, a, pod)
        if r is None:
            return
        s.out.append((ts, r[1], pod.name, r[0]))
        if s is self.root:
            self.root_line(ts, t, anom, not a.health)

    def root_line(self, ts, t, anom, req):
        if not self.fault_on:
            return
        if anom:
            if self.first_anom is None or ts < self.first_anom:
                self.first_anom = ts
        elif t < self.F:
            if self.last_any is None or ts > self.last_any:
                self.last_any = ts
            if req and (self.last_req is None or ts > self.last_req):
                self.last_req = ts

    def gauge(self, s, name, t, value):
        """Track a root gauge; True when it exceeds everything seen before the fault."""
        if not (self.fault_on and s is self.root):
            return False
        key = (s.name, name)
        if t < self.F:
            if value > self.gmax.get(key, -1e18):
                self.gmax[key] = value
            return False
        return value > self.gmax.get(key, -1e18)

    def push(self, t, kind, payload=None):
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, payload))

    def tf(self, s, ctx):
        tr = s.trace
        if tr is None or ctx is None:
            return None
        if tr == "trace_id":
            return {"trace_id": ctx["trace"]}
        if tr == "traceparent":
            return {"traceparent": f"00-{ctx['trace']}-{ctx['span']}-01"}
        return {"request_id": ctx["rid"]}

    def new_ctx(self):
        r = self.rng
        tr = f"{r.getrandbits(128):032x}"
        return {"trace": tr, "span": tr[8:24], "rid": f"{tr[:8]}-{tr[8:12]}-{tr[12:16]}-{tr[16:20]}-{tr[20:]}",
                "client": r.choice(self.clients), "ua": r.choice(USER_AGENTS)}

    # -------------------------------------------------------------- fault helpers
    def root_on(self, s, t):
        return self.fault_on and s is self.root and t >= self.F

    def in_hang(self, t):
        for a, b in self.fp.get("hang", ()):
            if a <= t < b:
                return True
        return False

    def occupancy(self, s, pod, t):
        fp, hmax = self.fp, s.extra["heap_max"]
        base = s.extra["heap_base"] / hmax
        if not (self.fault_on and s is self.root and self.kind == "memory_leak"):
            return base
        for a, b in fp["segments"].get(pod.name, ()):
            if a <= t < b:
                return min(0.995, base + fp["leak_mb_s"] * (t - a) / hmax)
        return base

    def pool_p(self, t):
        return self.fp["pmax"] * ramp(t, self.F, self.fp["ramp"])

    def lat_mult(self, s, t, pod):
        return self.env_mult(s, t) * self.fault_mult(s, t, pod)

    def env_mult(self, s, t):
        """Latency factor from everything that is not the root's own fault (herrings, overload of a victim db)."""
        m = 1.0
        tb = self.hp.get("traffic_burst")
        if tb and tb["t"] <= t < tb["t"] + tb["dur"]:
            m *= tb["lat"]
        sb = self.hp.get("slow_batch_job")
        if sb and s.name == sb.get("db") and sb["t"] <= t < sb["until"]:
            m *= 1.25
        if self.fault_on and self.kind == "cache_node_down" and s.name == self.fp.get("db"):
            m *= self.db_overload(t)
        return m

    def fault_mult(self, s, t, pod):
        """Latency factor the root's own fault adds (1.0 for every other service)."""
        if not (self.fault_on and s is self.root and t >= self.F):
            return 1.0
        k, fp = self.kind, self.fp
        if k in ("cpu_throttling", "thread_pool_saturation"):
            return 1 + (fp["mult"] - 1) * ramp(t, self.F, fp["ramp"])
        if k == "conn_pool_exhaustion":
            return 1 + 2.5 * self.pool_p(t)
        if k == "memory_leak":
            occ = self.occupancy(s, pod, t)
            return 1 + 40 * max(0.0, occ - 0.8) ** 2
        return 1.0

    def db_overload(self, t):
        fp = self.fp
        if not self.fault_on or t < fp["crash_at"]:
            return 1.0
        if t < fp["cache_up"]:
            return fp["db_mult"]
        return 1 + (fp["db_mult"] - 1) * (1 - ramp(t, fp["cache_up"], fp["warm"]))

    def hit_ratio(self, s, t):
        h = s.extra["hit"]
        if self.fault_on and s is self.root and self.kind == "cache_node_down" and t >= self.fp["crash_at"]:
            return h * ramp(t, self.fp["cache_up"], self.fp["warm"])
        return h

    # -------------------------------------------------------------- request handling
    def pick_ep(self, s):
        x = self.rng.random() * s.ep_cum[-1]
        for e, c in zip(s.endpoints, s.ep_cum):
            if x < c:
                return e
        return s.endpoints[-1]

    def pick_pod(self, s, t):
        pods = s.alive(t)
        if not pods:
            return None
        return pods[0] if len(pods) == 1 else self.rng.choice(pods)

    def dispatch(self, s, dep, t, ctx, pod):
        tgt = dep.svc
        if tgt is None:
            return self.handle_external(s, dep, t)
        k = tgt.kind
        if k == "app":
            return self.handle(tgt, t, ctx, s)
        if k == "db":
            return self.handle_db(tgt, t, ctx, s)
        if k == "dbproxy":
            return self.handle_pgb(tgt, t, ctx, s)
        if k == "cache":
            return self.handle_cache(tgt, t, ctx, s)
        return Res(200, 1.0)

    def handle_external(self, s, dep, t):
        r = self.rng
        if dep.kind == "ext":
            d = math.exp(r.gauss(math.log(120), 0.5))
            if r.random() < 0.001:
                return Res(500, d, None, None, detail='{"error":"internal_error"}')
            return Res(200, d)
        d = math.exp(r.gauss(math.log(2.5), 0.6))
        if self.fault_on and self.kind == "slow_db_queries" and s is self.root and t >= self.F:
            d += ramp(t, self.F, self.fp["ramp"]) * math.exp(r.gauss(math.log(self.fp["extra_ms"]), 0.6))
            return Res(200, d, fault=True)
        return Res(200, d)

    def root_call_fault(self, s, dep, t, pod):
        """Failures that originate in the root's own outbound calls. Returns (Res, dep_for_message) or None."""
        k, v, fp, r = self.kind, self.var, self.fp, self.rng
        if k == "dns_failure" and v == "app_resolver" and dep.host in fp["hosts"] and t >= fp["from"]:
            if r.random() < fp["p"]:
                return Res(0, 5000 * r.uniform(1, 2) if fp["mode"] == "timeout" else r.uniform(1, 30), "dns", fault=True), dep
        elif k == "bad_config_deploy" and v == "missing_property" and dep.host == fp["dep"] and pod.version == fp["version"]:
            return Res(0, r.uniform(0.3, 3), "refused", fault=True), fp["fake"]
        elif k == "expired_credentials":
            if v == "api_key" and dep.kind == "ext" and dep.host == fp["host"]:
                return Res(401, r.uniform(30, 250), "http", detail=fp["body"], fault=True), dep
            if v == "db_password" and dep.kind == "db" and r.random() < ramp(t, self.F, fp["ramp"]):
                det = f'FATAL:  password authentication failed for user "{fp["user"]}"'
                tgt = dep.svc
                if tgt is not None and tgt.kind == "dbproxy":
                    self.emit(tgt, t, "W", f'C-0x{r.getrandbits(40):x}: {fp["user"]}/{fp["user"]}@{pod.ip}:{r.randint(32768, 60999)} '
                                         f'pooler error: password authentication failed')
                    tgt = tgt.deps[0].svc if r.random() < 0.5 else None
                if tgt is not None and tgt.kind == "db" and tgt.alive(t):
                    self.emit(tgt, t, "F", f'password authentication failed for user "{fp["user"]}"', "FATAL",
                              {"who": f"{fp['user']}@{fp['user']}"},
                              [("DETAIL", 'Connection matched pg_hba.conf line 99: "host all all all scram-sha-256"')])
                return Res(0, r.uniform(2, 40), "http", detail=det, fault=True), dep
        return None

    def call(self, s, dep, t, ctx, pod):
        rng = self.rng
        if self.fault_on and s is self.root and t >= self.F:
            x = self.root_call_fault(s, dep, t, pod)
            if x is not None:
                return x
        pol = s.policies.get(dep.host)
        if pol is None:
            return self.dispatch(s, dep, t, ctx, pod), dep
        if pol.breaker:
            if pol.state == "OPEN":
                if t < pol.open_until:
                    return Res(503, rng.uniform(0.05, 0.5), "breaker"), dep
                pol.state = "HALF_OPEN"
                pol.window = []
                self.breaker_log(s, dep, t, "OPEN", "HALF_OPEN")
        if self.dns is not None and rng.random() < s.extra.get("dns_p", 0):
            r = self.dns_lookup(s, dep, t)
            if r is not None:
                return r, dep
        el = 0.0
        r = None
        for attempt in range(pol.retries + 1):
            r = self.dispatch(s, dep, t + el / 1000, ctx, pod)
            if r.dur > pol.timeout:
                r = Res(0, pol.timeout, "timeout", r.pod, fault=r.fault)
            elif r.err is None:
                if r.status >= 500 or r.status in (401, 429):
                    r.err = "http"
                elif r.malformed:
                    r.err = "malformed"
            el += r.dur
            if pol.breaker:
                self.breaker_record(s, dep, pol, r.err is None, t + el / 1000)
            if r.err is None:
                r.dur = el
                return r, dep
            if r.err in ("malformed", "tls", "dns") or (r.err == "http" and r.status == 401):
                break
            if attempt < pol.retries:
                if s.retry_log:
                    self.retry_log(s, dep, r, t + el / 1000, attempt + 1, pol.retries, ctx)
                el += pol.backoff * (2 ** attempt) * rng.uniform(0.8, 1.2)
        r.dur = el
        return r, dep

    def retry_log(self, s, dep, r, t, attempt, total, ctx):
        rt, named = s.runtime, self.rng.random() < s.name_prob
        who = dep.host if named else "upstream"
        if rt == "python" and named:
            msg = (f"Retrying (Retry(total={total - attempt}, connect=None, read=None, redirect=None, status=None)) after connection "
                   f"broken by '{'ReadTimeoutError' if r.err == 'timeout' else 'NewConnectionError'}(...)': /")
            self.emit(s, t, "W", msg, "urllib3.connectionpool", None, None, req=True)
        elif rt == "go":
            self.emit(s, t, "W", "retrying request", "client", {"attempt": attempt, "target": who, "error": r.err}, req=True)
        else:
            self.emit(s, t, "W", f"Retrying call to {who} (attempt {attempt + 1}/{total + 1}) after {r.err}", "client",
                      self.tf(s, ctx), req=True)

    def breaker_record(self, s, dep, pol, ok, t):
        w = pol.window
        w.append(ok)
        if len(w) > 20:
            del w[0]
        if pol.state == "CLOSED":
            if len(w) >= 10 and w.count(False) * 2 >= len(w):
                pol.state, pol.open_until = "OPEN", t + self.rng.choice((10, 30, 60))
                self.breaker_log(s, dep, t, "CLOSED", "OPEN")
        elif pol.state == "HALF_OPEN" and len(w) >= 3:
            if w.count(False):
                pol.state, pol.open_until = "OPEN", t + self.rng.choice((10, 30, 60))
                self.breaker_log(s, dep, t, "HALF_OPEN", "OPEN")
            else:
                pol.state, pol.window = "CLOSED", []
                self.breaker_log(s, dep, t, "HALF_OPEN", "CLOSED")

    def breaker_log(self, s, dep, t, a, b):
        rt = s.runtime
        lvl = "W" if b == "OPEN" else "I"
        if rt == "java":
            self.emit(s, t, lvl, f"CircuitBreaker '{dep.host}' changed state from {a} to {b}", "breaker")
        elif rt == "go":
            self.emit(s, t, lvl, "circuit breaker state changed", "client", {"name": dep.host, "from": a.lower(), "to": b.lower()})
        elif rt == "node":
            self.emit(s, t, lvl, f"circuit {dep.host} {'opened' if b == 'OPEN' else 'half-open' if b == 'HALF_OPEN' else 'closed'}", "client")
        else:
            self.emit(s, t, lvl, f"Circuit breaker '{dep.host}' state change: {a.lower()} -> {b.lower()}", "client")

    def dns_lookup(self, s, dep, t):
        d, r = self.dns, self.rng
        pod = self.pick_pod(d, t)
        fq = f"{dep.host}.{self.p.ns}.svc.cluster.local." if dep.svc is not None else f"{dep.host}."
        src = f"{s.any_pod(t, r).ip}:{r.randint(32768, 60999)}"
        qid = r.randint(1, 65535)
        if pod is None:
            return Res(0, 5000, "dns", fault=d is self.root)
        fail = self.fault_on and d is self.root and t >= self.F and r.random() < self.fp["p"] * ramp(t, self.F, self.fp["ramp"])
        if fail:
            if dep.svc is None and r.random() < 0.5:
                self.emit(d, t + 2, "E", f"plugin/errors: 2 {fq} A: read udp {pod.ip}:{r.randint(32768, 60999)}->{self.fp['upstream']}:53: i/o timeout",
                          pod=pod, anom=True)
            self.emit(d, t + 2, "I", f'{src} - {qid} "A IN {fq} udp {len(fq) + 28} false 512" SERVFAIL qr,rd {len(fq) + 17} 2.00{r.randint(100, 999)}s',
                      pod=pod, anom=True)
            return Res(0, r.choice((2.0, 5000.0, 10000.0)), "dns", fault=True)
        if r.random() < 0.6:
            if dep.svc is None and r.random() < 0.5:
                self.emit(d, t, "I", f'{src} - {qid} "AAAA IN {dep.host}.{self.p.ns}.svc.cluster.local. udp 80 false 512" NXDOMAIN qr,aa,rd 173 0.000{r.randint(80, 400)}s', pod=pod)
            self.emit(d, t + 0.0002, "I", f'{src} - {qid} "A IN {fq} udp {len(fq) + 28} false 512" NOERROR qr,aa,rd {len(fq) + 60} 0.000{r.randint(60, 900)}s', pod=pod)
        return None

    def gate(self, s, t, pod, caller):
        """Network-level behaviour of a faulty root before it processes anything (Res to short-circuit)."""
        k, r = self.kind, self.rng
        if k == "deadlock_hung" and self.in_hang(t):
            return Res(0, 1e9, "timeout", pod, fault=True)
        if k == "tls_cert_expired" and caller is not None:
            if self.fp["log_hs"] and r.random() < 0.35:
                self.tls_handshake_log(s, t, pod, caller)
            return Res(0, r.uniform(1, 15), "tls", pod, fault=True)
        if k == "network_partition":
            if self.var == "packet_loss":
                x = r.random()
                p = self.fp["p"] * ramp(t, self.F, self.fp["ramp"])
                if x < p * 0.7:
                    return Res(0, 1e9, "timeout", pod, fault=True)
                if x < p:
                    if self.fp["log_bp"] and r.random() < 0.5:
                        self.broken_pipe_log(s, t + r.uniform(1, 30) / 1000, pod, caller)
                    return Res(0, r.uniform(5, 3000), "reset", pod, fault=True)
            elif pod.name == self.fp["bad_pod"]:
                return Res(0, 1e9, "timeout", pod, fault=True)
        return None

    def tls_handshake_log(self, s, t, pod, caller):
        cp = caller.any_pod(t, self.rng)
        src = f"{cp.ip}:{self.rng.randint(32768, 60999)}"
        if s.runtime == "go":
            self.emit(s, t, "I", f"http: TLS handshake error from {src}: remote error: tls: bad certificate", "web", pod=pod, anom=True)
        elif s.runtime == "java":
            self.emit(s, t, "W", f"Handshake failed for client connection from {src}: javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_unknown",
                      "tomcat", pod=pod, anom=True)
        elif s.runtime == "node":
            self.emit(s, t, "W", f"tlsClientError from {src}: Client network socket disconnected before secure TLS connection was established", "web", pod=pod, anom=True)
        else:
            self.emit(s, t, "W", f"SSL handshake failed from {src}: [SSL: SSLV3_ALERT_CERTIFICATE_EXPIRED] sslv3 alert certificate expired", "web", pod=pod, anom=True)

    def broken_pipe_log(self, s, t, pod, caller):
        cp = caller.any_pod(t, self.rng) if caller else pod
        peer = f"{cp.ip}:{self.rng.randint(32768, 60999)}"
        rt = s.runtime
        if rt == "java":
            m = "ClientAbortException: java.io.IOException: Broken pipe"
        elif rt == "go":
            m = f"write tcp {pod.ip}:{s.port}->{peer}: write: broken pipe"
        elif rt == "node":
            m = "Error: write EPIPE"
        elif rt == "python":
            m = "BrokenPipeError: [Errno 32] Broken pipe"
        elif rt == "postgres":
            self.emit(s, t, "I", "could not receive data from client: Connection reset by peer", "LOG", pod=pod, anom=True)
            return
        else:
            return
        self.emit(s, t, "W", f"error writing response to {peer}: {m}", "web", pod=pod, anom=True)

    def inject(self, s, t, pod, ep, ctx, path):
        """Root-local failures while processing a request: (status, extra_ms) or None. Logs the root's own errors."""
        k, v, fp, r = self.kind, self.var, self.fp, self.rng
        if k == "conn_pool_exhaustion":
            if r.random() < self.pool_p(t):
                wait = fp["acquire"] * r.uniform(1.0, 1.02)
                self.pool_timeout_log(s, t + wait / 1000, ep, path, ctx, pod)
                return 500, wait
        elif k == "bad_config_deploy" and pod.version == fp.get("version"):
            if v == "schema_mismatch" and any(d.kind == "db" for d in ep.deps):
                self.app_error(s, t + r.uniform(2, 20) / 1000, "schema", ep, path, ctx, pod)
                return 500, r.uniform(2, 20)
            if v == "npe" and ep.handler in fp["eps"] and r.random() < fp["p"]:
                self.app_error(s, t + r.uniform(1, 10) / 1000, "npe", ep, path, ctx, pod)
                return 500, r.uniform(1, 10)
        elif k == "rate_limited":
            if r.random() < fp["p"] * ramp(t, self.F, fp["ramp"]):
                if r.random() < 1.0 / fp["sample"]:
                    self.limiter_log(s, t, ctx, pod)
                return 429, r.uniform(0.1, 1.5)
        elif k == "disk_full":
            if t >= fp["full_at"] and ep.write and r.random() < 0.95:
                self.app_error(s, t + r.uniform(1, 8) / 1000, "enospc", ep, path, ctx, pod)
                return 500, r.uniform(1, 8)
        elif k == "memory_leak":
            occ = self.occupancy(s, pod, t)
            if occ > 0.94 and r.random() < (occ - 0.94) * 12:
                self.app_error(s, t + r.uniform(50, 2000) / 1000, "oom_req", ep, path, ctx, pod)
                return 500, r.uniform(50, 2000)
        elif k == "thread_pool_saturation":
            if r.random() < fp["pmax"] * ramp(t, self.F, fp["ramp"]):
                if r.random() < 1.0 / fp["sample"]:
                    self.app_error(s, t, "rejected", ep, path, ctx, pod)
                return 503, r.uniform(0.2, 3)
        elif k == "bad_feature_flag":
            if ep.handler in fp["eps"] and r.random() < fp["p"]:
                self.app_error(s, t + r.uniform(1, 15) / 1000, "flag", ep, path, ctx, pod)
                return 500, r.uniform(1, 15)
        return None

    def handle(self, s, t, ctx, caller, ep=None):
        rng = self.rng
        pod = self.pick_pod(s, t)
        if pod is None:
            return Res(0, rng.uniform(0.2, 3.0), "refused")
        on = self.fault_on and s is self.root and t >= self.F
        if on:
            g = self.gate(s, t, pod, caller)
            if g is not None:
                return g
        if ep is None:
            ep = self.pick_ep(s)
        fm = self.fault_mult(s, t, pod) if on else 1.0
        own = s.base_ms * math.exp(rng.gauss(0, s.sigma)) * self.env_mult(s, t) * fm
        el = own * 0.25
        path = ep.path.replace("{id}", str(rng.randint(1000, 999999))) if "{" in ep.path else ep.path
        status = 201 if ep.method == "POST" and rng.random() < 0.5 else 200
        size = rng.randint(120, 4000)
        lat_fault = fm > 1.001          # the root's own fault made this request slower
        st_fault = False                # the root's own fault decided this request's status
        inj = self.inject(s, t, pod, ep, ctx, path) if on else None
        failed = None
        if inj is not None:
            status, extra = inj
            el += extra
            st_fault = True
        else:
            skip_db = False
            for dep in ep.deps:
                if dep.kind == "queue":
                    if not ctx.get("async"):
                        self.publish(dep.svc, t + el / 1000, ctx)
                        el += rng.uniform(0.5, 3)
                    continue
                if dep.kind == "db" and skip_db:
                    continue
                r, mdep = self.call(s, dep, t + el / 1000, ctx, pod)
                el += r.dur
                if r.fault and on:
                    lat_fault = True
                if dep.kind == "cache":
                    if r.err is None:
                        skip_db = r.hit
                        if s.debug and rng.random() < 0.3:
                            self.emit(s, t + el / 1000, "D", f"cache {'hit' if r.hit else 'miss'} for key {ep.handler.split('_')[-1]}:{rng.randint(1, 99999)}", "cache", pod=pod, req=True)
                    elif rng.random() < 0.5:
                        msg, fields, exc, lg = self.cat.client_error(s, dep, r, ep.method, path, ep.handler, t + el / 1000)
                        self.emit(s, t + el / 1000, "W", msg if s.runtime != "go" else "cache unavailable, falling back to database", lg,
                                  fields, exc if rng.random() < 0.2 else None, pod=pod, req=True)
                    continue
                if r.err is not None:
                    pol = s.policies.get(dep.host)
                    if pol is not None and pol.fallback:
                        if rng.random() < 0.5:
                            self.emit(s, t + el / 1000, "W", f"{dep.host} unavailable ({r.err}), serving fallback response", "client",
                                      self.tf(s, ctx), pod=pod, req=True)
                        continue
                    failed = (mdep, r)
                    break
        if failed is not None:
            mdep, r = failed
            msg, fields, exc, lg = self.cat.client_error(s, mdep, r, ep.method, path, ep.handler, t + el / 1000)
            tfd = self.tf(s, ctx)
            if tfd:
                fields = {**(fields or {}), **tfd}
            self.emit(s, t + el / 1000, "E" if rng.random() < 0.85 else "W", msg, lg, fields, exc, pod=pod,
                      anom=on and r.fault, req=True)
            status = 504 if (r.err == "timeout" and s.extra.get("map504")) else s.err_status
            st_fault = on and r.fault
        el += own * 0.75
        if status < 400 and inj is None:
            self.background_noise(s, t + el / 1000, ep, path, ctx, pod)
            x = rng.random()
            if x < s.extra.get("p4xx", 0) or (s.name in self.hp.get("bg_services", ()) and x < self.hp["bg_p"]):
                status = rng.choice((404, 404, 400, 409, 422))
            elif x < s.extra.get("p4xx", 0) + s.extra.get("p500", 0):
                status = 500
                self.app_error(s, t + el / 1000, "npe", ep, path, ctx, pod, baseline=True)
        if s.chatty and rng.random() < s.chatty:
            self.app_info(s, t + el * 0.0006, ep, ctx, pod)
        if s.debug and rng.random() < 0.5:
            self.emit(s, t + el * 0.0001, "D", f"{ep.method} {path} handled by {ep.handler}", "web", self.tf(s, ctx), pod=pod, req=True)
        malformed = False
        if on and self.kind == "malformed_responses" and ep.handler in self.fp["eps"] and status < 400:
            if (self.var == "silent" or pod.version == self.fp.get("version")) and rng.random() < self.fp["p"]:
                malformed, size = True, rng.randint(30, 90)
        if on and self.kind == "network_partition" and self.var == "packet_loss" and rng.random() < 0.3 * ramp(t, self.F, self.fp["ramp"]):
            el += rng.choice((200.0, 400.0, 1000.0, 3000.0))
            lat_fault = True
        end = t + el / 1000
        if on and self.fp.get("slowlog") and el > self.fp["slow_ms"]:
            self.slow_log(s, end, ep, path, el, ctx, pod)
        if s.logs_access:
            a = Acc(ep.method, path, status, el, size, f"{caller.any_pod(t, rng).ip if caller else ctx['client']}:{rng.randint(32768, 60999)}",
                    ctx["ua"] if caller is None else "-", ctx["rid"], ctx["trace"] if s.trace else "")
            anom = ((st_fault and status >= 400) or (malformed and s.style.access_has_size)
                    or (lat_fault and s.style.access_has_duration and el > self.slow_thr(s)))
            self.access(s, end, a, pod, anom)
        if s is self.root and end < self.F:
            self.note_pre(s, el)
        return Res(status, el, None, pod, malformed, "", size, lat_fault or st_fault or malformed)

    def note_pre(self, s, el):
        self.state.setdefault(("pre", s.name), []).append(el)

    def slow_thr(self, s):
        """p99 of the root's own pre-fault durations: a duration above it, caused by the fault, counts as anomalous."""
        key = ("thr", s.name)
        thr = self.state.get(key)
        if thr is None:
            xs = sorted(self.state.get(("pre", s.name), ()))
            thr = self.state[key] = xs[int(0.99 * (len(xs) - 1))] if xs else 0.0
        return thr

    def background_noise(self, s, t, ep, path, ctx, pod):
        hp = self.hp
        if s.name in hp.get("bg_services", ()) and self.rng.random() < hp["bg_p"]:
            m = self.rng.choice(BG_ERRORS).format(id=self.rng.randint(10000, 999999), id4=self.rng.randint(1000, 9999),
                                                  ts=datetime.fromtimestamp(math.floor(t - 300), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
            self.emit(s, t, "E" if self.rng.random() < 0.6 else "W", m, "web", self.tf(s, ctx), pod=pod, req=True)

    def app_info(self, s, t, ep, ctx, pod):
        r = self.rng
        noun = ep.handler.split("_", 1)[-1]
        verb = {"POST": "created", "GET": "loaded", "PUT": "updated", "DELETE": "deleted"}[ep.method]
        msg = r.choice((f"{camel(noun)} {r.randint(10000, 9999999)} {verb}",
                        f"{ep.handler} completed items={r.randint(1, 40)}",
                        f"Processing {ep.handler} for customer {r.randint(1000, 999999)}",
                        f"Fetched {r.randint(0, 120)} {noun} rows in {r.randint(1, 30)}ms"))
        self.emit(s, t, "I", msg, "svc", self.tf(s, ctx), pod=pod, req=True)

    # -------------------------------------------------------------- root error texts
    def pool_timeout_log(self, s, t, ep, path, ctx, pod):
        rt, fp, r = s.runtime, self.fp, self.rng
        tf = self.tf(s, ctx)
        if rt == "java":
            top = "org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection"
            cause = f"java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after {int(fp['acquire'])}ms."
            exc = java_trace(r, s.style, top, "hikari", [(cause, "hikari")], ep.handler) if r.random() < max(0.3, s.stack_prob) else None
            self.emit(s, t, "E", "HikariPool-1 - Connection is not available, request timed out after "
                      f"{int(fp['acquire'])}ms." if exc is None else f"Request processing failed for {ep.method} {path}", "pool" if exc is None else "web",
                      tf, exc, pod=pod, anom=True, req=True)
        elif rt == "go":
            self.emit(s, t, "E", "query failed", "db", {**(tf or {}), "error": "failed to acquire connection: context deadline exceeded" if r.random() < 0.5 else "context deadline exceeded",
                                                       "pool_max": fp["pool_max"]}, pod=pod, anom=True, req=True)
        elif rt == "python":
            final = f"sqlalchemy.exc.TimeoutError: QueuePool limit of size {fp['pool_max']} overflow 0 reached, connection timed out, timeout {fp['acquire'] / 1000:.2f} (Background on this error at: https://sqlalche.me/e/20/3o7r)"
            exc = py_trace(r, s.style, final, "sqlalchemy", ep.handler) if r.random() < 0.7 else None
            self.emit(s, t, "E", "Exception in ASGI application" if exc else final, "web", tf, exc, pod=pod, anom=True, req=True)
        else:
            head = "KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?"
            self.emit(s, t, "E", f"{ep.method} {path} failed", "web", tf, node_trace(r, s.style, head, "knex", ep.handler), pod=pod, anom=True, req=True)

    def app_error(self, s, t, what, ep, path, ctx, pod, baseline=False):
        rt, r, fp = s.runtime, self.rng, self.fp
        tf = self.tf(s, ctx)
        anom = not baseline
        C = camel(s.word)
        if what == "npe" or what == "flag":
            field_ = fp.get("field", "discount") if not baseline else r.choice(("address", "currency", "locale"))
            if rt == "java":
                head = f'java.lang.NullPointerException: Cannot invoke "{s.style.pkg}.model.{camel(field_)}.getValue()" because the return value of "{s.style.pkg}.model.{C}.get{camel(field_)}()" is null'
                exc = java_trace(r, s.style, head, "npe", (), ep.handler)
                self.emit(s, t, "E", f"Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception [Request processing failed: {head}] with root cause",
                          "servlet", tf, exc, pod=pod, anom=anom, req=True)
            elif rt == "go":
                if r.random() < 0.5:
                    self.emit(s, t, "E", "panic recovered", "web", {**(tf or {}), "error": "runtime error: invalid memory address or nil pointer dereference",
                                                                      "path": path}, go_stack(r, s.style, camel(ep.handler)), pod=pod, anom=anom, req=True)
                else:
                    peer = f"10.{r.randint(0, 3)}.{r.randint(0, 255)}.{r.randint(2, 254)}:{r.randint(32768, 60999)}"
                    self.emit(s, t, "E", f"http: panic serving {peer}: runtime error: invalid memory address or nil pointer dereference",
                              "web", tf, None, pod=pod, anom=anom, req=True)
            elif rt == "python":
                final = r.choice((f"KeyError: '{field_}'", f"AttributeError: 'NoneType' object has no attribute '{field_}'",
                                  "TypeError: unsupported operand type(s) for *: 'NoneType' and 'decimal.Decimal'"))
                self.emit(s, t, "E", "Exception in ASGI application", "web", tf, py_trace(r, s.style, final, "app", ep.handler), pod=pod, anom=anom, req=True)
            else:
                head = f"TypeError: Cannot read properties of undefined (reading '{field_}')"
                self.emit(s, t, "E", f"{ep.method} {path} failed", "web", tf, node_trace(r, s.style, head, "app", ep.handler), pod=pod, anom=anom, req=True)
        elif what == "schema":
            col = fp["column"]
            if rt == "java":
                head = f"org.springframework.jdbc.BadSqlGrammarException: PreparedStatementCallback; bad SQL grammar [select id, status, {col} from {s.word.replace('-', '_')} where id = ?]"
                exc = java_trace(r, s.style, head, "jdbc", [(f'org.postgresql.util.PSQLException: ERROR: column "{col}" does not exist\n  Position: 19', "jdbc")], ep.handler)
                self.emit(s, t, "E", f"Request processing failed for {ep.method} {path}", "web", tf, exc, pod=pod, anom=True, req=True)
            elif rt == "go":
                self.emit(s, t, "E", "query failed", "db", {**(tf or {}), "error": f'ERROR: column "{col}" does not exist (SQLSTATE 42703)'}, pod=pod, anom=True, req=True)
            elif rt == "python":
                final = f'sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedColumn) column "{col}" does not exist\nLINE 1: SELECT id, status, {col} FROM {s.word.replace("-", "_")} WHERE ...'
                self.emit(s, t, "E", "Exception in ASGI application", "web", tf, py_trace(r, s.style, final, "sqlalchemy", ep.handler), pod=pod, anom=True, req=True)
            else:
                self.emit(s, t, "E", f"{ep.method} {path} failed", "db", tf, node_trace(r, s.style, f'error: column "{col}" does not exist', "pg", ep.handler), pod=pod, anom=True, req=True)
        elif what == "enospc":
            f = f"/var/lib/{s.word}/spool/{r.getrandbits(32):08x}.tmp"
            if rt == "java":
                exc = java_trace(r, s.style, "java.io.IOException: No space left on device", "io", (), ep.handler)
                self.emit(s, t, "E", f"Failed to write {f}", "svc", tf, exc, pod=pod, anom=True, req=True)
            elif rt == "go":
                self.emit(s, t, "E", "failed to persist upload", "svc", {**(tf or {}), "error": f"write {f}: no space left on device"}, pod=pod, anom=True, req=True)
            elif rt == "python":
                self.emit(s, t, "E", f"Failed to write {f}: [Errno 28] No space left on device", "svc", tf, None, pod=pod, anom=True, req=True)
            else:
                self.emit(s, t, "E", f"Error: ENOSPC: no space left on device, write '{f}'", "svc", tf, None, pod=pod, anom=True, req=True)
        elif what == "oom_req":
            if rt == "java":
                exc = java_trace(r, s.style, "java.lang.OutOfMemoryError: Java heap space", "npe", (), ep.handler)
                self.emit(s, t, "E", "Servlet.service() for servlet [dispatcherServlet] threw exception [Handler dispatch failed: java.lang.OutOfMemoryError: Java heap space] with root cause",
                          "servlet", tf, exc, pod=pod, anom=True, req=True)
            elif rt == "python":
                self.emit(s, t, "E", "Exception in ASGI application", "web", tf, py_trace(r, s.style, "MemoryError", "app", ep.handler), pod=pod, anom=True, req=True)
            else:
                self.emit(s, t, "W", f"slow request {ep.method} {path} took {r.randint(2000, 9000)}ms", "web", tf, pod=pod, anom=True, req=True)
        elif what == "rejected":
            if rt == "java":
                head = (f"org.springframework.core.task.TaskRejectedException: Executor [java.util.concurrent.ThreadPoolExecutor@{r.getrandbits(28):x}"
                        f"[Running, pool size = {fp['pool']}, active threads = {fp['pool']}, queued tasks = {fp['queue']}, completed tasks = {r.randint(100000, 900000)}]] did not accept task")
                exc = java_trace(r, s.style, head, "exec", [("java.util.concurrent.RejectedExecutionException: Task rejected", "exec")], ep.handler) if r.random() < 0.5 else None
                self.emit(s, t, "E", head if exc is None else f"Request processing failed for {ep.method} {path}", "web", tf, exc, pod=pod, anom=True, req=True)
            elif rt == "go":
                self.emit(s, t, "W", "request rejected: worker pool saturated", "web", {"inflight": fp["pool"], "queue": fp["queue"], "path": path}, pod=pod, anom=True, req=True)
            elif rt == "python":
                self.emit(s, t, "E", f"WORKER TIMEOUT (pid:{r.randint(8, 90)})", "gunicorn.error", None, None, pod=pod, anom=True, req=True)
            else:
                self.emit(s, t, "W", f"event loop lag {r.randint(400, 4000)}ms exceeds threshold, shedding request {ep.method} {path}", "web", tf, pod=pod, anom=True, req=True)

    def limiter_log(self, s, t, ctx, pod):
        rt, fp = s.runtime, self.fp
        caller = self.rng.choice(self.p.callers(s)) if self.p.callers(s) else "anonymous"
        if rt == "go":
            self.emit(s, t, "W", "rate limit exceeded", "web", {"client": caller, "limit": fp["limit"], "window": "1s"}, pod=pod, anom=True, req=True)
        else:
            self.emit(s, t, "W", f"Rate limit exceeded for client '{caller}' (limit={fp['limit']}/s), returning 429", "limiter", self.tf(s, ctx), pod=pod, anom=True, req=True)

    def slow_log(self, s, t, ep, path, el, ctx, pod):
        if self.rng.random() > 0.5:
            return
        rt = s.runtime
        if self.kind == "slow_db_queries":
            msg = f"Slow query ({el:.0f} ms): SELECT * FROM {s.word.replace('-', '_')} WHERE id = $1"
        else:
            msg = f"Slow request: {ep.method} {path} took {el:.0f}ms (threshold {self.fp['slow_ms']:.0f}ms)"
        if rt == "go":
            self.emit(s, t, "W", "slow request", "web", {"path": path, "elapsed_ms": round(el, 1)}, pod=pod, anom=True, req=True)
        else:
            self.emit(s, t, "W", msg, "web", self.tf(s, ctx), pod=pod, anom=True, req=True)

    # -------------------------------------------------------------- data stores
    def handle_db(self, s, t, ctx, caller, heavy=False):
        r = self.rng
        pod = self.pick_pod(s, t)
        if pod is None:
            return Res(0, r.uniform(0.5, 5), "refused")
        on = self.fault_on and s is self.root and t >= self.F
        if on:
            g = self.gate(s, t, pod, caller)
            if g is not None:
                return g
        d = s.base_ms * math.exp(r.gauss(0, s.sigma)) * self.lat_mult(s, t, pod)
        if heavy:
            d = r.uniform(1500, 25000)
        elif r.random() < s.extra["slow_tail"]:
            d *= r.uniform(60, 600)
        fault = False
        if on and self.kind == "slow_db_queries" and r.random() < self.fp["frac"]:
            d += ramp(t, self.F, self.fp["ramp"]) * math.exp(r.gauss(math.log(self.fp["extra_ms"]), 0.7))
            fault = True
        q = r.choice(s.extra["queries"]) if not heavy else s.extra["batch_query"]
        who = {"who": f"{caller.word.replace('-', '_')}@{s.extra['dbname']}"} if caller is not None else None
        bpid = r.randint(1000, 65000)
        if who is not None:
            who["pid"] = bpid
        if self.fault_on and self.kind == "cache_node_down" and s.name == self.fp.get("db"):
            ov = self.db_overload(t)
            if ov > 2.5 and r.random() < 0.01 * (ov - 2.5):
                self.emit(s, t, "F", "sorry, too many clients already", "FATAL", who, pod=pod)
                return Res(0, r.uniform(1, 5), "http", pod, detail="FATAL:  sorry, too many clients already")
        lock = on and fault and self.var == "postgres_locks" and d > 1000
        if lock:
            self.emit(s, t + 1.0, "I", f"process {bpid} still waiting for ShareLock on transaction {r.randint(10_000_000, 99_000_000)} after 1000.0{r.randint(10, 99)} ms",
                      "LOG", who, [("DETAIL", f"Process holding the lock: {self.fp['holder']}. Wait queue: {bpid}."),
                                   ("CONTEXT", f"while updating tuple ({r.randint(100, 9000)},{r.randint(1, 60)}) in relation \"{self.fp['table']}\""),
                                   ("STATEMENT", q)], pod=pod, anom=True)
        st = s.extra["stmt_timeout_ms"]
        if d >= st:
            self.emit(s, t + st / 1000, "E", "canceling statement due to statement timeout", "ERROR", who, [("STATEMENT", q)], pod=pod, anom=fault)
            return Res(500, st, "http", pod, detail="ERROR:  canceling statement due to statement timeout", fault=fault)
        if d >= s.extra["log_min_ms"]:
            self.emit(s, t + d / 1000, "I", f"duration: {d:.3f} ms  execute <unnamed>: {q}", "LOG", who, pod=pod, anom=fault)
        return Res(200, d, None, pod, fault=fault)

    def handle_pgb(self, s, t, ctx, caller):
        r = self.rng
        pod = self.pick_pod(s, t)
        if pod is None:
            return Res(0, r.uniform(0.2, 2), "refused")
        pg = s.deps[0].svc
        res = self.handle_db(pg, t + 0.0001, ctx, caller)
        wait = max(0.0, (res.dur - 40) * r.uniform(0.1, 1.2)) if res.dur > 40 else r.uniform(0, 0.05)
        b = s.extra["buckets"].setdefault(int((t - self.t0) // 60), [0, 0.0, 0.0, 0])
        b[0] += 1
        b[1] += res.dur
        b[2] += wait
        b[3] += res.err is not None
        return Res(res.status, res.dur + wait + 0.1, res.err, pod, detail=res.detail, fault=res.fault)

    def handle_cache(self, s, t, ctx, caller):
        r = self.rng
        pod = self.pick_pod(s, t)
        if pod is None:
            return Res(0, r.uniform(0.2, 2), "refused")
        if self.fault_on and s is self.root and t >= self.F:
            g = self.gate(s, t, pod, caller)
            if g is not None:
                return g
        return Res(200, s.base_ms * math.exp(r.gauss(0, s.sigma)), None, pod, hit=r.random() < self.hit_ratio(s, t))

    # -------------------------------------------------------------- edge proxies
    def handle_edge(self, e, t, ctx):
        r = self.rng
        pod = self.pick_pod(e, t)
        if pod is None:
            return
        ups = e.extra["upw"]
        dep = ups[0][0] if len(ups) == 1 else weighted(r, ups)
        up = dep.svc
        ep = self.pick_ep(up)
        path = ep.path.replace("{id}", str(r.randint(1000, 999999))) if "{" in ep.path else ep.path
        nginx = e.runtime == "nginx"
        srv = e.style.server if nginx else "api.example.com"
        c = ctx["client"]
        on = self.fault_on and e is self.root and t >= self.F
        fp = self.fp
        upname = (f"{self.p.ns}-{up.name}-{up.port}" if nginx else f"{up.port}||{up.name}.{self.p.ns}.svc.cluster.local")
        el = r.uniform(0.1, 0.8)
        req = f'request: "{ep.method} {path} HTTP/1.1"'
        if on and self.var == "edge_limit_req" and r.random() < fp["p"] * ramp(t, self.F, fp["ramp"]):
            if nginx:
                self.emit(e, t, "E", f'limiting requests, excess: {r.uniform(5, 80):.3f} by zone "{fp["zone"]}", client: {c}, server: {srv}, {req}, host: "{srv}"',
                          "conn", pod=pod, anom=True)
            a = Acc(ep.method, path, fp["status"], el, r.randint(150, 600), f"{c}:{r.randint(1024, 65535)}", ctx["ua"], ctx["rid"], "",
                    "-", "-", None, "RL", upname, srv)
            self.access(e, t + el / 1000 if nginx else t, a, pod, anom=True)
            return
        if on and self.var == "edge_reload" and dep.host == fp["dep"]:
            ip = up.cluster_ip if r.random() < 0.5 else (up.alive(t) or up.pods)[0].ip
            if nginx:
                self.emit(e, t + el / 1000, "E", f'connect() failed (111: Connection refused) while connecting to upstream, client: {c}, server: {srv}, {req}, '
                          f'upstream: "http://{ip}:{fp["bad_port"]}{path}", host: "{srv}"', "conn", pod=pod, anom=True)
                a = Acc(ep.method, path, 502, el + 1, r.randint(150, 600), f"{c}:{r.randint(1024, 65535)}", ctx["ua"], ctx["rid"], "",
                        f"{ip}:{fp['bad_port']}", "502", 0.001, "-", upname, srv)
            else:
                a = Acc(ep.method, path, 503, el, 19, f"{c}:{r.randint(1024, 65535)}", ctx["ua"], ctx["rid"], "",
                        "-", "-", None, "UH", upname, srv)
            self.access(e, t + el / 1000 if nginx else t, a, pod, anom=True)
            return
        pol = e.policies[dep.host]
        tries = 1 + (pol.retries if ep.method == "GET" else 0)
        addrs, sts, up_total = [], [], 0.0
        res = None
        for _ in range(tries):
            res = self.handle(up, t + el / 1000, ctx, e, ep)
            if res.dur > pol.timeout:
                res = Res(0, pol.timeout, "timeout", res.pod, fault=res.fault)
            el += res.dur
            up_total += res.dur
            addrs.append(f"{res.pod.ip if res.pod else up.cluster_ip}:{up.port}")
            sts.append(str(res.status) if res.err is None else ("504" if res.err == "timeout" else "502"))
            if (res.err is None and res.status < 500) or res.err == "tls":
                break
        flags = "-"
        size = res.size if res.err is None else r.randint(150, 600)
        if res.err is None:
            status = res.status
        elif nginx:
            msg = {"refused": "connect() failed (111: Connection refused) while connecting to upstream",
                   "timeout": "upstream timed out (110: Connection timed out) while reading response header from upstream",
                   "reset": "recv() failed (104: Connection reset by peer) while reading response header from upstream",
                   "tls": "SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed) while SSL handshaking to upstream",
                   }.get(res.err, "upstream prematurely closed connection while reading response header from upstream")
            if res.err == "refused" and not up.alive(t) and r.random() < 0.4:
                msg = "no live upstreams while connecting to upstream"
            status = 504 if res.err == "timeout" else 502
            self.emit(e, t + el / 1000, "E", f'{msg}, client: {c}, server: {srv}, {req}, upstream: "http{"s" if res.err == "tls" else ""}://{addrs[-1]}{path}", host: "{srv}"',
                      "conn", pod=pod)
        else:
            status = 504 if res.err == "timeout" else 503
            flags = {"timeout": "UT", "refused": "UF", "tls": "UF", "reset": "UC"}.get(res.err, "UF")
            if len(addrs) > 1 and flags != "UT":
                flags += ",URX"
        a = Acc(ep.method, path, status, el, size, f"{c}:{r.randint(1024, 65535)}", ctx["ua"], ctx["rid"], "",
                ", ".join(addrs), ", ".join(sts), up_total, flags, upname, srv)
        self.access(e, t + el / 1000 if nginx else t, a, pod)

    def entry_request(self, t):
        e = weighted(self.rng, self.entry_w)
        ctx = self.new_ctx()
        bad = self.hp.get("bad_client")
        if bad and e.name == bad["svc"] and self.rng.random() < bad["p"]:
            ctx["client"], ctx["ua"] = bad["ip"], bad["ua"]
        if e.kind == "edge":
            self.handle_edge(e, t, ctx)
        else:
            self.handle(e, t, ctx, None)

    def rate_at(self, t):
        x = self.rate * (1 + self.amp * math.sin(6.2832 * (t - self.t0) / self.period + self.phase))
        tb = self.hp.get("traffic_burst")
        if tb and tb["t"] <= t < tb["t"] + tb["dur"]:
            x *= tb["mult"]
        return max(x, 0.01)

    # -------------------------------------------------------------- queue workers
    def publish(self, w, t, ctx):
        if w is None or t >= self.t1:
            return
        ws = w.extra["ws"]
        ws["q"].append((t, ctx["trace"] if ctx else None))
        if t < self.F:
            ws["pub_pre"] += 1
        if ws["idle"] > 0:
            ws["idle"] -= 1
            self.push(t, "wstart", w)

    def wstart(self, w, t):
        ws = w.extra["ws"]
        if ws.get("blocked"):
            return
        if ws["qi"] >= len(ws["q"]):
            ws["idle"] += 1
            return
        pod = self.pick_pod(w, t)
        if pod is None:
            self.push(t + 5, "wstart", w)
            return
        t_pub, trace = ws["q"][ws["qi"]]
        ws["qi"] += 1
        dur = self.process_message(w, t, t_pub, trace, pod)
        self.push(t + dur / 1000, "wstart", w)

    def process_message(self, w, t, t_pub, trace, pod):
        r, ws, fp = self.rng, w.extra["ws"], self.fp
        ep = self.pick_ep(w)
        d = w.base_ms * math.exp(r.gauss(0, w.sigma)) * self.lat_mult(w, t, pod)
        ws["offset"] = ws.get("offset", r.randint(100000, 9000000)) + 1
        part = r.randint(0, 11)
        tr = trace or f"{r.getrandbits(128):032x}"
        ctx = {"trace": tr, "span": tr[8:24], "rid": f"{tr[:8]}-{tr[8:12]}-{tr[12:16]}-{tr[16:20]}-{tr[20:]}", "client": "-", "ua": "-", "async": True}
        fault = False
        if self.fault_on and w is self.root and t >= self.F and self.kind == "consumer_lag":
            if self.var == "slow_processing":
                if ws["target"] is None:
                    lam = ws["pub_pre"] / max(60.0, self.F - self.t0)
                    ws["target"] = w.extra["lanes"] / max(lam, 0.02) * 1000 * fp["overload"]
                d = max(d, ws["target"] * math.exp(r.gauss(0, 0.25)))
                fault = True
            elif not ws.get("blocked"):
                ws["blocked"] = True
                self.poison_loop(w, t, pod, part, ws["offset"])
                return 1e9
        el = d * 0.3
        failed = None
        for dep in ep.deps:
            if dep.kind == "queue":
                continue
            res, mdep = self.call(w, dep, t + el / 1000, ctx, pod)
            el += res.dur
            if res.err is not None:
                failed = (mdep, res)
                break
        el += d * 0.7
        self.worker_lines(w, t, el, ep, part, ws["offset"], ctx, pod, failed, fault)
        return el

    def worker_lines(self, w, t, el, ep, part, offset, ctx, pod, failed, fault):
        r, st = self.rng, w.style.name
        end = t + el / 1000
        tf = self.tf(w, ctx)
        if failed is not None:
            mdep, res = failed
            msg, fields, exc, lg = self.cat.client_error(w, mdep, res, "POST", "/", ep.handler, end)
            self.emit(w, end, "E", f"Failed to process message partition={part} offset={offset}: {msg}", "worker", fields, exc, pod=pod,
                      anom=res.fault and w is self.root, req=True)
            return
        anom = fault and el > self.slow_thr(w)
        if w is self.root and end < self.F:
            self.note_pre(w, el)
        ev = w.extra["event"]
        if st == "celery":
            task = f"{w.word.replace('-', '_')}.tasks.{ep.handler}"
            uid = uuid4(r)
            self.emit(w, t, "I", f"Task {task}[{uid}] received", "worker", pod=pod, req=True)
            self.emit(w, end, "I", f"Task {task}[{uid}] succeeded in {el / 1000:.9f}s: None", "worker", pod=pod, anom=anom, req=True)
        elif w.runtime == "java":
            if w.debug:
                self.emit(w, t, "D", f"Received record topic={w.topic} partition={part} offset={offset}", "worker", tf, pod=pod, req=True)
            self.emit(w, end, "I", f"Processed {ev} partition={part} offset={offset} in {el:.0f} ms", "worker", tf, pod=pod, anom=anom, req=True)
        elif w.runtime == "go":
            self.emit(w, end, "I", "message processed", "worker", {"topic": w.topic, "partition": part, "offset": offset,
                                                                   "duration": go_dur(el), **(tf or {})}, pod=pod, anom=anom, req=True)
        elif w.runtime == "node":
            self.emit(w, end, "I", "processed message", "worker", {"topic": w.topic, "partition": part, "offset": offset,
                                                                   "durationMs": int(el)}, pod=pod, anom=anom, req=True)
        else:
            self.emit(w, end, "I", f"Consumed {w.topic}[{part}]@{offset} in {el:.1f} ms", "worker", tf, pod=pod, anom=anom, req=True)

    def poison_loop(self, w, t, pod, part, offset):
        r, rt = self.rng, w.runtime
        if rt == "java":
            head = (f"org.springframework.kafka.listener.ListenerExecutionFailedException: Listener method 'public void "
                    f"{w.style.pkg}.messaging.{camel(w.word)}Listener.onMessage(org.apache.kafka.clients.consumer.ConsumerRecord)' threw exception")
            cause = ("com.fasterxml.jackson.databind.exc.InvalidFormatException: Cannot deserialize value of type `java.time.Instant` "
                     "from String \"2024-13-45T25:61:00Z\": Failed to deserialize java.time.Instant", "jackson")
            short = "Listener method threw exception: InvalidFormatException"
        elif rt == "go":
            head, cause, short = None, None, "json: cannot unmarshal number into Go struct field Event.customer_id of type string"
        elif rt == "python":
            head, cause, short = "KeyError: 'customer_id'", None, "KeyError: 'customer_id'"
        else:
            head, cause, short = "TypeError: Cannot read properties of null (reading 'customerId')", None, "TypeError: Cannot read properties of null (reading 'customerId')"
        tt, n = t, 1
        back = self.fp["backoff"]
        while tt < self.t1:
            exc = None
            if n == 1 or n % 10 == 0:
                if rt == "java":
                    exc = java_trace(r, w.style, head, "kafka", [cause], "onMessage", entry="kafka")
                elif rt == "python":
                    exc = py_trace(r, w.style, head, "app", "handle_event")
                elif rt == "node":
                    exc = node_trace(r, w.style, head, "app", "handleEvent")
            if rt == "go":
                self.emit(w, tt, "E", "failed to handle message, will retry", "worker",
                          {"topic": w.topic, "partition": part, "offset": offset, "attempt": n, "error": short}, pod=pod, anom=True)
            else:
                self.emit(w, tt, "E", f"Error processing message topic={w.topic} partition={part} offset={offset} (attempt {n}), retrying: {short}",
                          "worker", None, exc, pod=pod, anom=True)
            tt += min(back * (1 + 0.5 * min(n, 6)), 60) * r.uniform(0.9, 1.1)
            n += 1

    def wtick(self, w, t):
        ws = w.extra["ws"]
        backlog = len(ws["q"]) - ws["qi"]
        pod = self.pick_pod(w, t)
        if pod is None:
            return
        key = (w.name, "lag")
        prev = self.gmax.get(key, 0)
        anom = self.gauge(w, "lag", t, backlog) and self.kind == "consumer_lag" and backlog > max(20, 2 * prev)
        lvl = "W" if backlog > 1000 else "I"
        grp = w.name
        if w.runtime == "go":
            self.emit(w, t, lvl, "consumer lag", "worker", {"group": grp, "topic": w.topic, "lag": backlog}, pod=pod, anom=anom)
        elif w.style.name == "celery":
            self.emit(w, t, lvl, f"queue {w.topic}: {backlog} messages waiting", "sched", pod=pod, anom=anom)
        else:
            self.emit(w, t, lvl, f"Consumer group {grp} lag on {w.topic}: {backlog}", "kafka" if w.runtime == "java" else "worker", pod=pod, anom=anom)

    # -------------------------------------------------------------- jobs
    def cron_run(self, c, t, pod):
        r, hp = self.rng, self.hp
        job = c.extra["job"]
        self.emit(c, t, "I", f"Starting job {job}", "cron", pod=pod)
        n = r.randint(20, 150)
        el = r.uniform(200, 2000)
        dep = next((d for d in c.deps if d.kind in ("svc", "db")), None)
        burst = hp.get("cron_error_bursts")
        n_err = r.randint(burst["lo"], burst["hi"]) if burst and burst["svc"] == c.name else 0
        err_at = sorted(r.sample(range(n), min(n, n_err)))
        ei = 0
        failed = 0
        ctx = self.new_ctx()
        ctx["async"] = True
        ep = c.endpoints[0]
        for i in range(n):
            if dep is not None:
                res, md = self.call(c, dep, t + el / 1000, ctx, pod)
                el += res.dur + r.uniform(5, 60)
                if res.err is not None:
                    failed += 1
                    if r.random() < 0.3:
                        msg, fields, exc, lg = self.cat.client_error(c, md, res, ep.method, ep.path, ep.handler, t + el / 1000)
                        self.emit(c, t + el / 1000, "E", msg, "cron", fields, exc, pod=pod)
            else:
                el += r.uniform(20, 200)
            if ei < len(err_at) and err_at[ei] == i:
                ei += 1
                failed += 1
                self.cron_error(c, t + el / 1000, pod)
        lvl = "W" if failed else "I"
        self.emit(c, t + el / 1000, lvl, f"Job {job} finished in {el / 1000:.1f}s: processed={n} failed={failed}", "cron", pod=pod)

    def cron_error(self, c, t, pod):
        r = self.rng
        ref = f"INV-{r.randint(2023, 2025)}-{r.randint(1, 999999):06d}"
        reason = r.choice(('duplicate key value violates unique constraint "uq_invoice_ref"',
                           "amount mismatch: ledger=120.50 provider=120.05", "provider returned 404 for settlement batch",
                           "currency conversion rate missing for HUF"))
        if c.runtime == "java" and r.random() < 0.6:
            exc = java_trace(r, c.style, f"{c.style.pkg}.reconcile.ReconciliationException: {reason}", "jdbc", (), "reconcile", entry="cron")
            self.emit(c, t, "E", f"Failed to reconcile {ref}", "cron", None, exc, pod=pod)
        elif c.runtime == "python" and r.random() < 0.5:
            self.emit(c, t, "E", f"Failed to reconcile {ref}", "cron", None, py_trace(r, c.style, f"ReconciliationError: {reason}", "app", "reconcile"), pod=pod)
        else:
            self.emit(c, t, "E", f"Failed to reconcile {ref}: {reason}", "cron", None, None, pod=pod)

    def batch_step(self, b, t):
        sb = self.hp["slow_batch_job"]
        r = self.rng
        pod = self.pick_pod(b, t)
        if pod is not None:
            st = self.state.setdefault("batch", {"done": 0, "total": r.randint(2_000_000, 9_000_000), "step": 0})
            st["step"] += 1
            dep = b.deps[0]
            d_total = 0.0
            for _ in range(r.randint(1, 3)):
                if dep.svc is not None:
                    res = self.handle_db(dep.svc, t + d_total / 1000, None, b, heavy=True)
                else:
                    res = Res(200, r.uniform(1500, 25000))
                d_total += res.dur
            st["done"] += r.randint(5000, 20000)
            pct = 100.0 * st["done"] / st["total"]
            eta = (sb["until"] - t) / 60 * r.uniform(3, 6)
            self.emit(b, t + d_total / 1000, "I", f"exported rows {st['done']}/{st['total']} ({pct:.1f}%), batch took {d_total / 1000:.1f}s", "cron", pod=pod)
            if st["step"] % 4 == 0:
                self.emit(b, t + d_total / 1000, "W", f"export is running behind schedule: eta={int(eta)}m (sla=30m)", "cron", pod=pod)
        nt = t + r.uniform(10, 30)
        if nt < sb["until"]:
            self.push(nt, "batch", b)
        else:
            self.emit(b, nt, "I", "export finished", "cron")

    # -------------------------------------------------------------- periodic lines
    def ticks(self, pod, a, b, every, jitter=0.2):
        r = self.rng
        t = a + r.uniform(0, every)
        while t < b:
            if pod.up(t):
                yield t
            t += every * r.uniform(1 - jitter, 1 + jitter)

    def periodic(self, s):
        r = self.rng
        for pod in s.pods:
            a, b = max(pod.start, self.t0), min(pod.end, self.t1)
            if a >= b:
                continue
            k = s.kind
            if k == "app" and s.logs_health:
                self.health(s, pod, a, b)
            if k in ("app", "worker"):
                if s.runtime == "java":
                    self.java_gc(s, pod, a, b)
                if s.extra.get("metrics") and s.runtime != "java":
                    self.runtime_metrics(s, pod, a, b)
                if s.extra.get("poolstats"):
                    self.pool_stats(s, pod, a, b)
                if s.extra.get("sched"):
                    self.sched_lines(s, pod, a, b)
                if s.extra.get("disk"):
                    self.disk_lines(s, pod, a, b)
            elif k == "db":
                self.pg_periodic(s, pod, a, b)
            elif k == "cache":
                self.redis_periodic(s, pod, a, b)
            elif k == "dbproxy":
                self.pgb_periodic(s, pod, a, b)
            elif k == "edge" and s.runtime == "envoy":
                for t in self.ticks(pod, a, b, r.uniform(600, 1800)):
                    self.emit(s, t, "W", f"DeltaAggregatedResources gRPC config stream to xds-grpc closed since {r.randint(600, 2400)}s ago: 14, "
                              "upstream connect error or disconnect/reset before headers. reset reason: connection termination", "config", pod=pod)

    def health(self, s, pod, a, b):
        r = self.rng
        path = {"java": "/actuator/health", "go": "/healthz", "python": "/health", "node": "/health/live"}[s.runtime]
        kubelet = f"10.{r.randint(0, 3)}.{r.randint(0, 255)}.1"
        # a hung java/go process still answers probes from another thread; a hung event loop / worker pool does not
        silent_probe = (self.fault_on and s is self.root and self.kind == "deadlock_hung"
                        and (self.var == "liveness_restarts" or s.runtime in ("python", "node")))
        for t in self.ticks(pod, a, b, 10, 0.02):
            if silent_probe and self.in_hang(t):
                continue
            d = r.uniform(0.3, 3) * self.lat_mult(s, t, pod)
            a_ = Acc("GET", path, 200, d, r.randint(15, 80), f"{kubelet}:{r.randint(32768, 60999)}", "kube-probe/1.29", health=True)
            self.access(s, t + d / 1000, a_, pod)

    def java_gc(self, s, pod, a, b):
        r = self.rng
        hmax = s.extra["heap_max"]
        relevant = self.fault_on and s is self.root and self.kind == "memory_leak"
        n = r.randint(10, 4000)
        jvm = s.extra["gcfmt"] == "jvm"
        for t in self.ticks(pod, a, b, s.extra["gc_every"], 0.4):
            n += 1
            occ = self.occupancy(s, pod, t) if relevant else s.extra["heap_base"] / hmax
            after = int(occ * hmax * r.uniform(0.97, 1.03))
            before = min(hmax, after + int(hmax * r.uniform(0.2, 0.45) * max(0.05, 1 - occ)))
            pause = r.uniform(2, 14) * (1 + 30 * max(0.0, occ - 0.75) ** 2)
            anom = relevant and self.gauge(s, "heap", t, after)
            if occ > 0.85 and r.random() < (occ - 0.85) * 6:
                line = f"GC({n}) Pause Full (G1 Compaction Pause) {before}M->{after}M({hmax}M) {pause * 60:.3f}ms"
                lvl = "I"
            else:
                line = f"GC({n}) Pause Young (Normal) (G1 Evacuation Pause) {before}M->{after}M({hmax}M) {pause:.3f}ms"
                lvl = "I"
            if jvm:
                self.emit(s, t, lvl, line, "jvm", pod=pod, anom=anom)
            else:
                w = "W" if pause > 500 else "D" if s.debug else None
                if w or relevant or r.random() < 0.3:
                    self.emit(s, t, w or "I", f"jvm gc pause={pause:.0f}ms heap_used={after}MB heap_max={hmax}MB", "gc", pod=pod, anom=anom)

    def runtime_metrics(self, s, pod, a, b):
        r = self.rng
        relevant_heap = self.fault_on and s is self.root and self.kind == "memory_leak"
        hmax = s.extra["heap_max"]
        for t in self.ticks(pod, a, b, s.metrics_every, 0.05):
            occ = self.occupancy(s, pod, t) if relevant_heap else s.extra["heap_base"] / hmax
            heap = occ * hmax * r.uniform(0.95, 1.05)
            root_on = self.fault_on and s is self.root and t >= self.F
            inflight = r.randint(2, 30)
            lag = r.uniform(0.5, 8)
            if root_on and self.kind == "deadlock_hung" and self.in_hang(t):
                inflight = int(30 + (t - self.F) * r.uniform(2, 6))
            if root_on and self.kind in ("cpu_throttling", "thread_pool_saturation"):
                lag *= self.fault_mult(s, t, pod) * r.uniform(3, 8)
            g_heap = self.gauge(s, "heap", t, heap) and relevant_heap
            g_inf = self.gauge(s, "inflight", t, inflight) and self.kind == "deadlock_hung"
            g_lag = self.gauge(s, "lag", t, lag) and self.kind in ("cpu_throttling", "thread_pool_saturation") and s.runtime == "node"
            anom = g_heap or g_inf or g_lag
            if s.runtime == "go":
                self.emit(s, t, "I", "runtime stats", "svc", {"goroutines": 40 + inflight * 3, "heap_alloc_mb": round(heap, 1),
                                                               "heap_sys_mb": round(hmax * 0.9, 1), "num_gc": int((t - pod.start) / 3) + 1},
                          pod=pod, anom=g_heap or g_inf)
            elif s.runtime == "node":
                self.emit(s, t, "I", "process stats", "svc", {"heapUsedMB": round(heap, 1), "rssMB": round(heap * 1.4 + 60, 1),
                                                               "eventLoopLagMs": round(lag, 2), "activeHandles": inflight}, pod=pod, anom=anom)
            else:
                self.emit(s, t, "I", f"stats rss_mb={heap * 1.2 + 80:.1f} threads={8 + inflight} open_fds={r.randint(30, 90)}", "svc", pod=pod, anom=g_heap or g_inf)

    def pool_stats(self, s, pod, a, b):
        r = self.rng
        pmax = s.extra["pool_max"]
        relevant = self.fault_on and s is self.root and self.kind == "conn_pool_exhaustion"
        slow_db = self.fault_on and self.kind in ("slow_db_queries", "cache_node_down") and self.root is not s
        for t in self.ticks(pod, a, b, 30, 0.02):
            act, wait = r.randint(0, max(1, pmax // 4)), 0
            if relevant and t >= self.F:
                p = self.pool_p(t)
                act = pmax if p > 0.2 else max(act, int(pmax * (0.5 + p)))
                wait = int(p * r.uniform(10, 80))
            elif slow_db and t >= self.F and s.extra.get("db_slow_sensitive"):
                act, wait = pmax, r.randint(0, 40)
            idle = max(0, pmax - act)
            anom = relevant and self.gauge(s, "waiting", t, wait) and wait > 0
            if s.runtime == "java":
                self.emit(s, t, "D", f"HikariPool-1 - Pool stats (total={pmax}, active={act}, idle={idle}, waiting={wait})", "pool", pod=pod, anom=anom)
                if relevant and t >= self.F and self.var == "leak" and ("leak", pod.name) not in self.state:
                    self.state[("leak", pod.name)] = True
                    tt = self.F + self.fp["leak_after"] + r.uniform(0, 10)
                    exc = ["java.lang.Exception: Apparent connection leak detected",
                           f"\tat com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:{line_no('hds')})",
                           f"\tat {s.style.pkg}.repository.{camel(s.word)}Repository.findForUpdate({camel(s.word)}Repository.java:{line_no(s.word)})"]
                    self.emit(s, tt, "W", f"Connection leak detection triggered for org.postgresql.jdbc.PgConnection@{r.getrandbits(28):x} on thread "
                              f"http-nio-{s.port}-exec-{r.randint(1, 48)}, stack trace follows", "pool", None, exc, pod=pod, anom=True)
            elif s.runtime == "go":
                self.emit(s, t, "I", "db pool stats", "db", {"max_open": pmax, "open": act + idle, "in_use": act, "idle": idle,
                                                            "wait_count": wait * 7, "wait_duration": go_dur(wait * 1500.0)}, pod=pod, anom=anom)
            elif s.runtime == "python":
                self.emit(s, t, "I", f"Pool size: {pmax}  Connections in pool: {idle} Current Overflow: 0 Current Checked out connections: {act}",
                          "pool", pod=pod, anom=anom)
            else:
                self.emit(s, t, "I", f"knex pool stats used={act} free={idle} pendingAcquires={wait}", "db", pod=pod, anom=anom)

    def sched_lines(self, s, pod, a, b):
        r = self.rng
        msg = s.extra["sched_msg"]
        for t in self.ticks(pod, a, b, s.extra["sched_every"], 0.02):
            self.emit(s, t, "I", msg.format(n=r.randint(10, 400)), "sched" if s.runtime != "java" else "flags", pod=pod)

    def disk_lines(self, s, pod, a, b):
        r = self.rng
        base = s.extra["disk_base"]
        relevant = self.fault_on and s is self.root and self.kind == "disk_full"
        path = f"/var/lib/{s.word}"
        for t in self.ticks(pod, a, b, 60, 0.02):
            pct = base + r.uniform(-0.15, 0.15)
            if relevant and t >= self.F:
                pct = min(100.0, base + (100 - base) * ramp(t, self.F, self.fp["full_at"] - self.F))
            free = max(0.0, (100 - pct) / 100 * 50)
            lvl = "E" if pct >= 98 else "W" if pct >= 85 else "I"
            anom = relevant and self.gauge(s, "disk", t, pct) and pct > self.gmax.get((s.name, "disk"), 100) + 0.3
            if s.runtime == "go":
                self.emit(s, t, lvl, "disk usage", "svc", {"path": path, "used_pct": round(pct, 1), "free_gb": round(free, 2)}, pod=pod, anom=anom)
            else:
                self.emit(s, t, lvl, f"Disk usage for {path}: {pct:.1f}% used, {free:.2f} GiB free", "disk", pod=pod, anom=anom)

    def pg_periodic(self, s, pod, a, b):
        r = self.rng
        db = s.extra["dbname"]
        for t in self.ticks(pod, a, b, 300, 0.0):
            self.emit(s, t, "I", "checkpoint starting: time", "LOG", pod=pod)
            w = r.uniform(20, 269)
            n = r.randint(20, 4000)
            self.emit(s, t + w, "I", f"checkpoint complete: wrote {n} buffers ({n / 163.84:.1f}%); 0 WAL file(s) added, 0 removed, {r.randint(0, 3)} recycled; "
                      f"write={w:.3f} s, sync=0.00{r.randint(1, 9)} s, total={w + 0.01:.3f} s; sync files={r.randint(5, 60)}, longest=0.00{r.randint(1, 9)} s, "
                      f"average=0.001 s; distance={r.randint(100, 90000)} kB, estimate={r.randint(90000, 120000)} kB", "LOG", pod=pod)
        tables = s.extra["tables"]
        for t in self.ticks(pod, a, b, r.uniform(90, 400), 0.5):
            tb = r.choice(tables)
            pages = r.randint(200, 90000)
            msg = (f'automatic vacuum of table "{db}.public.{tb}": index scans: {r.randint(0, 1)}\n'
                   f"\tpages: 0 removed, {pages} remain, {r.randint(10, pages)} scanned ({r.uniform(0.1, 30):.2f}% of total)\n"
                   f"\ttuples: {r.randint(0, 9000)} removed, {r.randint(1000, 900000)} remain, 0 are dead but not yet removable\n"
                   f"\tavg read rate: {r.uniform(0, 5):.3f} MB/s, avg write rate: {r.uniform(0, 5):.3f} MB/s\n"
                   f"\tbuffer usage: {r.randint(100, 90000)} hits, {r.randint(0, 500)} misses, {r.randint(0, 900)} dirtied\n"
                   f"\tsystem usage: CPU: user: 0.0{r.randint(1, 9)} s, system: 0.00 s, elapsed: {r.uniform(0.01, 3):.2f} s")
            self.emit(s, t, "I", msg, "LOG", pod=pod)
        if s.extra.get("log_conn"):
            callers = [x for x in self.p.services if any(d.svc is s for d in x.deps)]
            for t in self.ticks(pod, a, b, r.uniform(20, 120), 0.6):
                if not callers:
                    break
                c = r.choice(callers)
                cp = c.any_pod(t, r)
                port = r.randint(32768, 60999)
                user = c.word.replace("-", "_")
                pid = r.randint(1000, 65000)
                self.emit(s, t, "I", f"connection received: host={cp.ip} port={port}", "LOG", {"pid": pid}, pod=pod)
                self.emit(s, t + 0.004, "I", f"connection authorized: user={user} database={db} application_name={c.name}", "LOG",
                          {"pid": pid, "who": f"{user}@{db}"}, pod=pod)

    def redis_periodic(self, s, pod, a, b):
        r = self.rng
        for t in self.ticks(pod, a, b, s.extra["save_every"], 0.1):
            cp = r.randint(100, 9999)
            self.emit(s, t, "I", f"{r.randint(1, 90000)} changes in {s.extra['save_every']} seconds. Saving...", "M", pod=pod)
            self.emit(s, t + 0.001, "I", f"Background saving started by pid {cp}", "M", pod=pod)
            self.emit(s, t + r.uniform(0.05, 2), "I", "DB saved on disk", "C", {"pid": cp}, pod=pod)
            self.emit(s, t + r.uniform(2, 3), "I", "Background saving terminated with success", "M", pod=pod)
        if s.style.name == "verbose":
            for t in self.ticks(pod, a, b, 5, 0.01):
                booted = max([y for x, y in pod.down if y <= t] + ([pod.start] if pod.start > self.t0 else []), default=None)
                keys = int(s.extra["keys"] * (ramp(t, booted, 900) if booted is not None else 1))
                self.emit(s, t, "D", f"DB 0: {keys} keys ({keys // 9} volatile) in {1 << max(4, keys.bit_length())} slots HT.", "M", pod=pod)

    def pgb_periodic(self, s, pod, a, b):
        for t in self.ticks(pod, a, b, 60, 0.0):
            bk = s.extra["buckets"].get(int((t - 60 - self.t0) // 60), [0, 0.0, 0.0, 0])
            n = bk[0]
            q_us = int(bk[1] / n * 1000) if n else 0
            w_us = int(bk[2] / n * 1000) if n else 0
            self.emit(s, t, "I", f"stats: {n // 60} xacts/s, {n // 60} queries/s, 0 client parses/s, 0 server parses/s, 0 binds/s, "
                      f"in {n * 210 // 60} B/s, out {n * 1900 // 60} B/s, xact {q_us + 40} us, query {q_us} us, wait {w_us} us", pod=pod)

    # -------------------------------------------------------------- lifecycle lines
    SPRING_BANNER = ["", "  .   ____          _            __ _ _", " /\\\\ / ___'_ __ _ _(_)_ __  __ _ \\ \\ \\ \\",
                     "( ( )\\___ | '_ | '_| | '_ \\/ _` | \\ \\ \\ \\", " \\\\/  ___)| |_)| | | | | || (_| |  ) ) ) )",
                     "  '  |____| .__|_| |_|_| |_\\__, | / / / /", " =========|_|==============|___/=/_/_/_/"]

    def boot_script(self, s, pod, ver, boot, restart):
        r, rt = self.rng, s.runtime
        has_db = any(d.kind == "db" for d in s.deps)
        L = []
        if rt == "java":
            if s.extra.get("banner"):
                for ln in self.SPRING_BANNER + [f" :: Spring Boot ::                (v{s.extra['spring']})", ""]:
                    L.append((0.0, "I", ln, "raw", None))
            L += [(0.02, "I", f"Starting {camel(s.word)}Application v{ver} using Java 17.0.10 with PID {s.style.pid} (/app/app.jar started by app in /app)", "boot", None),
                  (0.03, "I", 'The following 1 profile is active: "prod"', "boot", None),
                  (0.4, "I", f"Tomcat initialized with port {s.port} (http)", "tomcat", None)]
            if has_db:
                L += [(0.55, "I", "HikariPool-1 - Starting...", "pool", None),
                      (0.6, "I", f"HikariPool-1 - Added connection org.postgresql.jdbc.PgConnection@{r.getrandbits(28):x}", "pool", None),
                      (0.61, "I", "HikariPool-1 - Start completed.", "pool", None)]
            if s.kind == "worker":
                L.append((0.8, "I", f"[Consumer clientId=consumer-{s.name}-1, groupId={s.name}] Subscribed to topic(s): {s.topic}", "kafka", None))
            L += [(0.95, "I", f"Tomcat started on port {s.port} (http) with context path ''", "tomcat", None),
                  (1.0, "I", f"Started {camel(s.word)}Application in {boot:.3f} seconds (process running for {boot + 0.9:.3f})", "boot", None)]
        elif rt == "go":
            L.append((0.0, "I", f"starting {s.name}", "boot", {"version": ver, "commit": f"{line_no(s.name + ver) * 7919 + 0x1000000:07x}"[:7], "go": "go1.22.2"}))
            if has_db:
                L.append((0.5, "I", "connected to database", "db", {"max_open_conns": s.extra.get("pool_max", 10)}))
            L.append((1.0, "I", f"listening on :{s.port}", "boot", None))
        elif rt == "python":
            if s.style.name == "gunicorn":
                L += [(0.0, "I", "Starting gunicorn 21.2.0", "boot", None), (0.05, "I", f"Listening at: http://0.0.0.0:{s.port} (1)", "boot", None),
                      (0.06, "I", "Using worker: uvicorn.workers.UvicornWorker", "boot", None),
                      (0.1, "I", f"Booting worker with pid: {r.randint(7, 40)}", "boot", None), (0.12, "I", f"Booting worker with pid: {r.randint(41, 90)}", "boot", None),
                      (1.0, "I", "Application startup complete.", "boot", None)]
            elif s.style.name == "celery":
                L += [(0.0, "I", "Connected to amqp://guest:**@rabbitmq:5672//", "boot", None), (0.5, "I", "mingle: searching for neighbors", "boot", None),
                      (0.9, "I", "mingle: all alone", "boot", None), (1.0, "I", f"celery@{pod.name} ready.", "boot", None)]
            else:
                L += [(0.0, "I", "Started server process [1]", "boot", None), (0.3, "I", "Waiting for application startup.", "boot", None),
                      (0.9, "I", "Application startup complete.", "boot", None),
                      (1.0, "I", f"Uvicorn running on http://0.0.0.0:{s.port} (Press CTRL+C to quit)", "boot", None)]
        elif rt == "node":
            L += [(0.0, "I", f"{s.name}@{ver} starting (node v20.11.1, NODE_ENV=production)", "boot", None),
                  (1.0, "I", f"Server listening at http://0.0.0.0:{s.port}", "boot", None)]
        elif rt == "nginx":
            L += [(0.0, "I", 'using the "epoll" event method', "master", None), (0.01, "I", "nginx/1.25.4", "master", None),
                  (0.02, "I", "built by gcc 12.2.0 (Debian 12.2.0-14)", "master", None), (0.03, "I", "OS: Linux 5.15.0-1057-aws", "master", None),
                  (0.05, "I", "start worker processes", "master", None), (0.06, "I", f"start worker process {s.style.wpid}", "master", None)]
        elif rt == "envoy":
            L += [(0.0, "I", "initializing epoch 0 (base id=0, hot restart version=11.104)", "main", None),
                  (0.5, "I", f"cds: add {len(s.deps)} cluster(s), remove 0 cluster(s)", "upstream", None),
                  (0.8, "I", "all clusters initialized. initializing init manager", "main", None), (1.0, "I", "starting main dispatch loop", "main", None)]
        elif rt == "postgres":
            L += [(0.0, "I", "starting PostgreSQL 15.6 (Debian 15.6-1.pgdg120+2) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit", "LOG", {"pid": 1}),
                  (0.02, "I", 'listening on IPv4 address "0.0.0.0", port 5432', "LOG", {"pid": 1})]
            if restart:
                L += [(0.1, "I", "database system was interrupted; last known up at " +
                       datetime.fromtimestamp(math.floor(pod.down[-1][0] - 60), UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), "LOG", {"pid": 27}),
                      (0.2, "I", "database system was not properly shut down; automatic recovery in progress", "LOG", {"pid": 27}),
                      (0.3, "I", f"redo starts at 0/{r.getrandbits(28):X}", "LOG", {"pid": 27}),
                      (0.8, "I", f"redo done at 0/{r.getrandbits(28):X} system usage: CPU: user: 0.0{r.randint(1, 9)} s, system: 0.01 s, elapsed: 0.{r.randint(10, 99)} s", "LOG", {"pid": 27})]
            L.append((1.0, "I", "database system is ready to accept connections", "LOG", {"pid": 1}))
        elif rt == "redis":
            L += [(0.0, "I", "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo", "M", None),
                  (0.01, "I", "Redis version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, just started", "M", None),
                  (0.02, "I", "Configuration loaded", "M", None), (0.1, "I", "Running mode=standalone, port=6379.", "M", None),
                  (0.3, "I", "Server initialized", "M", None), (1.0, "I", "Ready to accept connections tcp", "M", None)]
        elif rt == "pgbouncer":
            L += [(0.0, "I", "kernel file descriptor limit: 1048576 (hard: 1048576); max_client_conn: 1000, max expected fd use: 1032", None, None),
                  (0.5, "I", "listening on 0.0.0.0:6432", None, None),
                  (1.0, "I", "process up: PgBouncer 1.22.0, libevent 2.1.12-stable (epoll), adns: c-ares 1.19.1, tls: OpenSSL 3.0.11 19 Sep 2023", None, None)]
        else:
            L += [(0.0, "I", f"plugin/reload: Running configuration SHA512 = {r.getrandbits(128):032x}", None, None),
                  (0.5, "I", "CoreDNS-1.11.1", None, None), (1.0, "I", "linux/amd64, go1.20.7, ae2bbc2", None, None)]
        return L

    def boot_lines(self, s, ev):
        pod, boot = ev["pod"], ev.get("boot", 1.0)
        for frac, lvl, msg, lg, f in self.boot_script(s, pod, ev.get("version", s.version), boot, ev.get("restart")):
            self.emit(s, ev["t"] + frac * boot, lvl, msg, lg, f, pod=pod, anom=ev["anom"])

    def shutdown_lines(self, s, ev):
        rt, t, pod, anom = s.runtime, ev["t"], ev["pod"], ev["anom"]
        if rt == "java":
            L = [(0, "I", "Commencing graceful shutdown. Waiting for active requests to complete", "shutdown"),
                 (0.3, "I", "Graceful shutdown complete", "shutdown")]
            if any(d.kind == "db" for d in s.deps):
                L += [(0.35, "I", "HikariPool-1 - Shutdown initiated...", "pool"), (0.4, "I", "HikariPool-1 - Shutdown completed.", "pool")]
        elif rt == "go":
            L = [(0, "I", "shutting down server", "boot"), (0.2, "I", "server stopped", "boot")]
        elif rt == "python":
            L = ([(0, "I", "Handling signal: term", "boot"), (0.2, "I", f"Worker exiting (pid: {self.rng.randint(7, 90)})", "boot"),
                  (0.4, "I", "Shutting down: Master", "boot")] if s.style.name == "gunicorn" else
                 [(0, "I", "Shutting down", "boot"), (0.1, "I", "Waiting for application shutdown.", "boot"),
                  (0.2, "I", "Application shutdown complete.", "boot"), (0.3, "I", "Finished server process [1]", "boot")])
        elif rt == "node":
            L = [(0, "I", "received SIGTERM, closing server", "boot"), (0.2, "I", "server closed", "boot")]
        elif rt == "nginx":
            L = [(0, "I", "signal 3 (SIGQUIT) received from 1, shutting down", "master"), (0.1, "I", "gracefully shutting down", "svc"),
                 (0.2, "I", "exiting", "svc"), (0.3, "I", "exit", "svc")]
        elif rt == "envoy":
            L = [(0, "W", "caught ENVOY_SIGTERM", "main"), (0.1, "I", "shutting down server instance", "main"), (0.3, "I", "exiting", "main")]
        elif rt == "postgres":
            L = [(0, "I", "received fast shutdown request", "LOG"), (0.05, "I", "aborting any active transactions", "LOG"),
                 (0.3, "I", "shutting down", "LOG"), (0.5, "I", "database system is shut down", "LOG")]
        elif rt == "redis":
            L = [(0, "I", "Received SIGTERM scheduling shutdown...", "M"), (0.05, "I", "User requested shutdown...", "M"),
                 (0.1, "I", "Saving the final RDB snapshot before exiting.", "M"), (0.4, "I", "DB saved on disk", "M"),
                 (0.5, "W", "Redis is now ready to exit, bye bye...", "M")]
        else:
            L = [(0, "I", "got SIGTERM, shutting down", None)]
        for dt, lvl, msg, lg in L:
            self.emit(s, t + dt, lvl, msg, lg, pod=pod, anom=anom)

    def crash_lines(self, s, ev):
        r, rt, t, pod, anom, why = self.rng, s.runtime, ev["t"], ev["pod"], ev["anom"], ev["reason"]
        if why in ("killed",):
            return
        if why == "liveness":
            if rt == "java":
                self.emit(s, t, "I", "Commencing graceful shutdown. Waiting for active requests to complete", "shutdown", pod=pod, anom=anom)
            return
        if why == "oom":
            if rt == "java":
                self.emit(s, t - 0.05, "E", "Servlet.service() for servlet [dispatcherServlet] threw exception [Handler dispatch failed: "
                          "java.lang.OutOfMemoryError: Java heap space] with root cause", "servlet", None,
                          ["java.lang.OutOfMemoryError: Java heap space"], pod=pod, anom=anom)
                self.emit(s, t, "E", "Terminating due to java.lang.OutOfMemoryError: Java heap space", "raw", pod=pod)
            elif rt == "python":
                self.emit(s, t, "E", "Exception in ASGI application", "web", None, py_trace(r, s.style, "MemoryError", "app", "handle"), pod=pod, anom=anom)
            elif rt == "go":
                self.emit(s, t, "E", "fatal error: runtime: out of memory\n\nruntime stack:\nruntime.throw({0x1a2b3c4?, 0x1000?})\n"
                          "\t/usr/local/go/src/runtime/panic.go:1077 +0x5c fp=0x7ffd2c1f3a48 sp=0x7ffd2c1f3a18 pc=0x43b2dc", "raw", pod=pod)
            else:
                self.emit(s, t, "E", "\n<--- Last few GCs --->\n\n[1:0x6a2c3e0]  " + f"{r.randint(100000, 900000)} ms: Mark-Compact "
                          "2011.2 (2083.0) -> 2007.9 (2084.7) MB, 1543.21 / 0.00 ms  (average mu = 0.123, current mu = 0.045) allocation failure; "
                          "scavenge might not succeed\n\n<--- JS stacktrace --->\n\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n"
                          " 1: 0xb8d0a3 node::Abort() [node]\n 2: 0xa9e8d0  [node]", "raw", pod=pod)
            return
        if why == "fatal":
            raw = self.fp.get("raw")
            if rt == "java":
                head = "java.lang.IllegalStateException: Lost leadership lease for partition assignments, cannot continue"
                self.emit(s, t, "E", "Unrecoverable error in main loop, shutting down", "boot", None,
                          java_trace(r, s.style, head, "exec", (), "run", entry="cron"), pod=pod, anom=anom)
            elif rt == "go":
                if raw:
                    self.emit(s, t, "F", "\n".join(go_stack(r, s.style, "Reconcile", panic="runtime error: invalid memory address or nil pointer dereference")),
                              "raw", pod=pod)
                else:
                    self.emit(s, t, "F", "unrecoverable error, exiting", "boot", {"error": "kafka: client has run out of available brokers to talk to: EOF"},
                              pod=pod, anom=anom)
            elif rt == "node":
                if raw:
                    self.emit(s, t, "E", "/app/dist/server.js:212\n        throw err;\n        ^\n\nTypeError: Cannot read properties of undefined (reading 'id')\n"
                              "    at /app/dist/consumers/events.js:48:31\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n\nNode.js v20.11.1",
                              "raw", pod=pod)
                else:
                    self.emit(s, t, "F", "uncaught exception, terminating", "boot", None,
                              node_trace(r, s.style, "TypeError: Cannot read properties of undefined (reading 'id')", "app", "onEvent"), pod=pod, anom=anom)
            else:
                self.emit(s, t, "F", "Unhandled exception in background task, exiting", "boot", None,
                          py_trace(r, s.style, "RuntimeError: Event loop is closed", "app", "consume"), pod=pod, anom=anom)
            return
        if why == "pg_disk":
            pid = r.randint(1000, 65000)
            self.emit(s, t, "F", f'could not write to file "pg_wal/xlogtemp.{pid}": No space left on device', "PANIC", {"pid": pid}, pod=pod, anom=anom)
            self.emit(s, t + 0.2, "I", f"WAL writer process (PID {pid}) was terminated by signal 6: Aborted", "LOG", {"pid": 1}, pod=pod, anom=anom)
            self.emit(s, t + 0.21, "I", "terminating any other active server processes", "LOG", {"pid": 1}, pod=pod, anom=anom)
            self.emit(s, t + 0.5, "I", "all server processes terminated; reinitializing", "LOG", {"pid": 1}, pod=pod, anom=anom)
            return
        if why == "redis_shutdown":
            for i in range(2):
                self.emit(s, self.F + i * 8, "W", "Can't save in background: fork: Cannot allocate memory", "M", pod=pod, anom=anom)
            self.shutdown_lines(s, {"t": t - 0.6, "pod": pod, "anom": anom})
            return
        if why == "redis_restart":
            self.shutdown_lines(s, {"t": t, "pod": pod, "anom": anom})

    def timeline(self):
        for s in self.p.services:
            for ev in s.extra.get("events", ()):
                typ = ev["type"]
                if typ == "boot":
                    self.boot_lines(s, ev)
                elif typ == "shutdown":
                    self.shutdown_lines(s, ev)
                else:
                    self.crash_lines(s, ev)
        if self.fault_on:
            self.fault_timeline()

    def fault_timeline(self):
        k, v, fp, R, r, F = self.kind, self.var, self.fp, self.root, self.rng, self.F
        if k == "bad_feature_flag":
            for pod in R.alive(F + 1):
                self.emit(R, F + r.uniform(0, 2), "I", f"Feature flag '{fp['flag']}' changed: false -> true (rollout {fp['pct']}%)", "flags", pod=pod, anom=True)
        elif k == "rate_limited" and v == "app_limiter" and fp["reload_line"]:
            for pod in R.alive(F):
                self.emit(R, F, "I", f"Rate limit configuration reloaded: default={fp['limit']}/s (was {fp['old']}/s)", "config", pod=pod, anom=True)
        elif k == "bad_config_deploy" and v == "missing_property":
            for ev in R.extra.get("events", ()):
                if ev["type"] == "boot" and ev["pod"].version == fp["version"]:
                    self.emit(R, ev["t"] + ev["boot"] * 0.5, "W", f"Property '{fp['prop']}' is not set, falling back to default 'http://localhost:{fp['fake'].port}'",
                              "config", pod=ev["pod"], anom=True)
        elif k in ("bad_config_deploy", "rate_limited") and R.kind == "edge" and (k == "bad_config_deploy" or fp.get("reload", True)):
            pod = R.any_pod(F, r)
            if R.runtime == "nginx":
                npid = r.randint(40, 90)
                for dt, m in ((0, f"signal 1 (SIGHUP) received from {r.randint(100, 900)}, reconfiguring"), (0.01, "reconfiguring"),
                              (0.02, 'using the "epoll" event method'), (0.03, "start worker processes"), (0.04, f"start worker process {npid}"),
                              (0.2, "gracefully shutting down"), (0.5, "exiting"), (0.6, "exit"),
                              (0.7, f"signal 17 (SIGCHLD) received from {R.style.wpid}"), (0.71, f"worker process {R.style.wpid} exited with code 0")):
                    self.emit(R, F + dt, "I", m, "master", pod=pod, anom=True)
                R.style.wpid = npid
            else:
                self.emit(R, F, "I", f"cds: add {len(R.deps)} cluster(s), remove 1 cluster(s)", "upstream", pod=pod, anom=True)
                self.emit(R, F + 0.01, "I", "lds: add/update listener 'http_8080'", "upstream", pod=pod, anom=True)
        elif k == "deadlock_hung" and v == "blocked_warn":
            for a, b in fp["hang"]:
                t = a + r.uniform(2, 3)
                while t < min(b, self.t1):
                    self.blocked_warn(R, t)
                    t += r.uniform(2, 9)
        elif k == "consumer_lag" and v == "slow_processing" and R.runtime == "java":
            t = F + r.uniform(200, 600)
            self.emit(R, t, "W", f"[Consumer clientId=consumer-{R.name}-1, groupId={R.name}] consumer poll timeout has expired. This means the time between "
                      "subsequent calls to poll() was longer than the configured max.poll.interval.ms, which typically implies that the poll loop is spending "
                      "too much time processing messages. You can address this either by increasing max.poll.interval.ms or by reducing the maximum size of "
                      "batches returned in poll() with max.poll.records.", "kafka", anom=True)
            self.emit(R, t + 0.4, "I", f"[Consumer clientId=consumer-{R.name}-1, groupId={R.name}] Revoke previously assigned partitions {R.topic}-0, {R.topic}-1, {R.topic}-2",
                      "kafka", anom=True)
        elif k == "dns_failure" and v == "coredns":
            t = F + r.uniform(3, 15)
            while t < self.t1:
                if r.random() < 0.5:
                    self.emit(R, t, "W", f'plugin/health: Local health request to "http://:8080/health" took more than 1s: {r.uniform(1, 4):.6f}s', anom=True)
                else:
                    self.emit(R, t, "E", "plugin/kubernetes: pkg/mod/k8s.io/client-go@v0.27.4/tools/cache/reflector.go:231: Failed to watch *v1.EndpointSlice: "
                              'failed to list *v1.EndpointSlice: Get "https://10.96.0.1:443/apis/discovery.k8s.io/v1/endpointslices?limit=500&resourceVersion=0": '
                              "dial tcp 10.96.0.1:443: i/o timeout", anom=True)
                t += r.uniform(10, 40)
        elif k == "expired_credentials" and v == "api_key" and fp["oauth"]:
            t = F + r.uniform(1, 30)
            while t < self.t1:
                self.emit(R, t, "E", f"failed to refresh OAuth2 token for {fp['label']}: 400 Bad Request: {{\"error\":\"invalid_client\"}}", "client", anom=True)
                t += r.uniform(60, 300)
        elif k == "tls_cert_expired" and fp["pre_warn"]:
            t = self.t0 + r.uniform(0, 600)
            while t < self.t1:
                if t < F:
                    self.emit(R, t, "W", f"serving certificate for {R.name}.{self.p.ns}.svc expires in {int((F - t) // 60)}m", "config")
                else:
                    self.emit(R, t, "E", f"serving certificate for {R.name}.{self.p.ns}.svc expired {int((t - F) // 60)}m ago", "config", anom=True)
                t += 600

    def blocked_warn(self, R, t):
        r, rt = self.rng, R.runtime
        if rt == "java":
            self.emit(R, t, "W", f"Thread Thread[vert.x-eventloop-thread-{r.randint(0, 7)},5,main] has been blocked for {int((t - self.F) * 1000)} ms, time limit is 2000 ms",
                      "io.vertx.core.impl.BlockedThreadChecker", anom=True)
        elif rt == "go":
            self.emit(R, t, "W", "watchdog: request handlers not making progress", "svc", {"inflight": int(20 + (t - self.F) * 3), "oldest": go_dur((t - self.F) * 1000)}, anom=True)
        elif rt == "python":
            self.emit(R, t, "W", f"Worker heartbeat missed for {int(t - self.F)}s (pid:{r.randint(8, 60)})", "boot", anom=True)
        else:
            self.emit(R, t, "W", f"{int(10 + (t - self.F) * r.uniform(1, 4))} requests pending for more than 30s, oldest {int(t - self.F)}s "
                      "(possible lock contention in the request queue)", "svc", anom=True)

    def herring_lines(self):
        hp, r = self.hp, self.rng
        ch = hp.get("constant_warn_chatter")
        if ch:
            s = self.p.svc(ch["svc"])
            t = self.t0 + r.expovariate(ch["rate"])
            while t < self.t1:
                if s.alive(t):
                    self.emit(s, t, "W", ch["msg"], "svc" if s.runtime != "java" else "config")
                t += r.expovariate(ch["rate"])
        ue = hp.get("unrelated_error_onset")
        if ue:
            s = self.p.svc(ue["svc"])
            t = ue["t"]
            while t < self.t1:
                if s.alive(t):
                    self.emit(s, t, "E", ue["msg"], "svc")
                t += r.uniform(2, 20)

    def garbage(self):
        r = self.rng
        for s in self.p.services:
            for _ in range(s.extra.get("garbage", 0)):
                t = r.uniform(self.t0, self.t1)
                if s.alive(t):
                    self.emit(s, t, "I", r.choice(GARBAGE), "raw")

    # -------------------------------------------------------------- main loop
    def run(self):
        r, p = self.rng, self.p
        self.entry_w = [(e, 6.0 if e.kind == "edge" else r.uniform(0.5, 3.0)) for e in p.entries]
        for s in p.services:
            if s.kind == "edge":
                s.extra["upw"] = [(d, 6.0 if i == 0 else r.uniform(0.5, 3.0)) for i, d in enumerate(s.deps)]
        self.push(self.t0 + r.expovariate(self.rate_at(self.t0)), "req")
        for s in p.services:
            if s.kind == "worker":
                self.push(self.t0 + r.uniform(5, 60), "wtick", s)
            elif s.kind == "cron":
                for run_t, pod in s.extra["runs"]:
                    if self.t0 <= run_t < self.t1:
                        self.push(run_t, "cron", (s, pod))
            elif s.kind == "batch":
                sb = self.hp.get("slow_batch_job")
                if sb and sb["svc"] == s.name:
                    self.push(max(self.t0, sb["t"]), "batch", s)
        heap = self.heap
        while heap:
            t, _, kind, pl = heapq.heappop(heap)
            if t >= self.t1:
                break
            if kind == "req":
                self.entry_request(t)
                self.push(t + r.expovariate(self.rate_at(t)), "req")
            elif kind == "wstart":
                self.wstart(pl, t)
            elif kind == "wtick":
                self.wtick(pl, t)
                self.push(t + r.uniform(30, 60), "wtick", pl)
            elif kind == "cron":
                self.cron_run(pl[0], t, pl[1])
            elif kind == "batch":
                self.batch_step(pl, t)
        for s in p.services:
            self.periodic(s)
        self.timeline()
        self.herring_lines()
        self.garbage()

    def line_count(self):
        return sum(rec[1].count("\n") + 1 for s in self.p.services for rec in s.out)


# ----------------------------------------------------------------------------------------------
# planning the fault and the herrings
# ----------------------------------------------------------------------------------------------

FLAGS = ["checkout.new-tax-engine", "pricing.dynamic-discounts-v2", "orders.async-confirmation", "search.semantic-ranking",
         "payments.3ds2-frictionless", "cart.persist-to-redis"]
SCHED_MSGS = ["Refreshing configuration from config-server: {n} properties", "Feature flags refreshed: {n} flags, 0 changed",
              "Evicted {n} expired sessions", "Published {n} metrics to statsd", "Token cache cleanup removed {n} entries"]


def plan_fault(plan):
    rng, R, k, v = plan.rng, plan.root, plan.kind, plan.variant
    if k == "tls_cert_expired":
        plan.fault_start = math.floor(plan.fault_start / 60) * 60
    F, end, fp = plan.fault_start, plan.end, plan.fp
    fp["first_sign"] = "line"
    if k == "conn_pool_exhaustion":
        fp.update(ramp=rng.uniform(30, 240), pmax=rng.uniform(0.4, 0.9), pool_max=R.extra["pool_max"], leak_after=rng.uniform(5, 60),
                  acquire={"java": 30000, "go": rng.choice((5000, 10000)), "python": 30000, "node": 60000}[R.runtime])
        R.extra["poolstats"] = R.extra.get("poolstats") or rng.random() < 0.6
    elif k == "slow_db_queries":
        fp.update(extra_ms=math.exp(rng.uniform(math.log(250), math.log(4000))), frac=rng.uniform(0.35, 1.0), ramp=rng.uniform(5, 180),
                  table=rng.choice(R.extra.get("tables", ["orders"])), holder=rng.randint(1000, 65000))
        if v == "dataservice_latency":
            fp.update(frac=1.0, slowlog=rng.random() < 0.5, slow_ms=rng.choice((300, 500, 1000)))
    elif k == "deadlock_hung":
        if v == "liveness_restarts":
            hang, t = [], F
            while t < end:
                h = rng.uniform(25, 45)
                kills = [(t + h + rng.uniform(0, 5), pod) for pod in R.alive(t)]
                hang.append((t, max(k for k, _ in kills) if kills else t + h))
                ups = [plan_crash(plan, R, pod, k, rng.uniform(1, 10), True, "liveness") for k, pod in kills]
                t = max(ups, default=t + h) + rng.uniform(60, 400)
            fp["hang"] = hang
        else:
            fp["hang"] = [(F, end + 3600)]
        fp["first_sign"] = "line" if v == "blocked_warn" else "silence_req"
    elif k == "crash_loop_oom":
        delays = [rng.uniform(0.5, 3), 10, 20, 40, 80, 160, 300]
        for j, pod in enumerate(R.alive(F)):
            t, i = F + (0 if j == 0 else rng.uniform(1, 25)), 0
            while t < end:
                up = plan_crash(plan, R, pod, t, delays[min(i, len(delays) - 1)] + rng.uniform(0, 2), True, "oom" if v == "oom_logged" else "killed")
                t, i = up + rng.uniform(15, 90), i + 1
        fp["first_sign"] = "line" if (v == "oom_logged" and R.runtime in ("java", "python")) else "silence_any"
    elif k == "sudden_death":
        fp["raw"] = R.runtime in ("go", "node") and rng.random() < 0.5
        for j, pod in enumerate(R.alive(F)):
            plan_crash(plan, R, pod, F + (0 if j == 0 else rng.uniform(0.5, 8)), 0, True, "fatal", restart=False)
        fp["first_sign"] = "silence_any" if fp["raw"] else "line"
    elif k == "dns_failure":
        if v == "app_resolver":
            deps = [d for d in R.deps if d.kind != "queue"]
            fp.update(hosts=[d.host for d in rng.sample(deps, rng.randint(1, len(deps)))], p=rng.uniform(0.6, 1.0),
                      mode=rng.choice(("nxdomain", "timeout")), **{"from": F})
            if rng.random() < 0.5:
                new = plan_deploy(plan, R, F, bump(R.version, rng), True)
                fp["from"] = min(p.down[0][1] for p in new)
        else:
            fp.update(p=rng.uniform(0.4, 0.95), ramp=rng.uniform(10, 120), upstream=rng.choice(("10.96.0.1", "169.254.169.253", "8.8.8.8")))
            for s in plan.services:
                if "dns_p" in s.extra:
                    s.extra["dns_p"] = max(s.extra["dns_p"], 0.05)
    elif k == "tls_cert_expired":
        fp["log_hs"] = v == "handshake_logged"
        fp["pre_warn"] = rng.random() < 0.3
        fp["first_sign"] = "line" if (fp["log_hs"] or fp["pre_warn"]) else "silence_req"
    elif k == "disk_full":
        if v == "app_growth":
            fp["full_at"] = F + rng.uniform(180, 900)
            R.extra["disk"], R.extra["disk_base"] = True, rng.uniform(52, 78)
        else:
            t = F
            while t < end:
                up = plan_crash(plan, R, R.any_pod(t, rng), t, rng.uniform(1, 5), True, "pg_disk")
                t = up + rng.uniform(20, 120)
    elif k == "bad_config_deploy":
        if v == "edge_reload":
            dep = rng.choice(R.deps)
            fp.update(dep=dep.host, bad_port=dep.port + rng.choice((1, 10, 1000)))
        else:
            ver = bump(R.version, rng)
            plan_deploy(plan, R, F, ver, True)
            fp["version"] = ver
            if v == "missing_property":
                dep = rng.choice([d for d in R.deps if d.kind in ("svc", "ext", "db")])
                fp.update(dep=dep.host, prop=f"{dep.host.split('.')[0].replace('-', '.')}.url",
                          fake=Dep("svc", "localhost", 5432 if dep.kind == "db" else 8080, None, cluster_ip="127.0.0.1"))
            elif v == "schema_mismatch":
                fp["column"] = rng.choice(("discount_code", "loyalty_tier", "tax_region", "external_ref"))
            else:
                fp.update(eps=top_endpoints(rng, R, len(R.endpoints)), p=rng.uniform(0.4, 1.0),
                          field=rng.choice(("discount", "shippingAddress", "taxRate", "customerTier")))
    elif k == "rate_limited":
        if v == "edge_limit_req":
            fp.update(p=rng.uniform(0.3, 0.8), ramp=rng.uniform(5, 60), status=rng.choice((429, 503)),
                      zone=rng.choice(("api", "perip", "global")), reload=rng.random() < 0.5)
        else:
            fp.update(p=rng.uniform(0.3, 0.85), ramp=rng.uniform(5, 60), sample=rng.choice((1, 3, 10)), limit=rng.choice((20, 50, 100)),
                      old=rng.choice((500, 1000)), reload_line=rng.random() < 0.5)
    elif k == "memory_leak":
        hmax, base = R.extra["heap_max"], R.extra["heap_base"]
        tto = rng.uniform(300, 1500)
        fp.update(leak_mb_s=(0.97 * hmax - base) / tto, segments={})
        R.extra["metrics"] = True
        for pod in R.alive(F):
            segs, s0 = [], F + rng.uniform(0, 30)
            while True:
                t_oom = s0 + tto * rng.uniform(0.9, 1.1)
                if t_oom >= end:
                    segs.append((s0, end + 3600))
                    break
                segs.append((s0, t_oom))
                s0 = plan_crash(plan, R, pod, t_oom, rng.uniform(1, 10), True, "oom")
            fp["segments"][pod.name] = segs
    elif k == "cpu_throttling":
        fp.update(mult=rng.uniform(2.5, 7), ramp=rng.uniform(10, 120), slowlog=v == "throttled_slowlog", slow_ms=rng.choice((500, 1000, 2000)))
    elif k == "network_partition":
        if v == "one_replica_unreachable" and len(R.alive(F)) < 2:
            v = plan.variant = "packet_loss"
        fp.update(p=rng.uniform(0.2, 0.6), ramp=rng.uniform(1, 30), log_bp=rng.random() < 0.6, bad_pod=rng.choice(R.alive(F)).name)
        if v == "one_replica_unreachable":
            fp["first_sign"] = "silence_req"
    elif k == "consumer_lag":
        fp.update(overload=rng.uniform(1.5, 4), backoff=rng.uniform(2, 12))
    elif k == "cache_node_down":
        down = rng.uniform(2, 8) if v == "restart_cold" else rng.uniform(20, 150)
        why = {"crash_silent": "killed", "shutdown_logged": "redis_shutdown", "restart_cold": "redis_restart"}[v]
        up = plan_crash(plan, R, R.pods[0], F + (20 if v == "shutdown_logged" else 0), down, True, why)
        users = [s for s in plan.services if any(d.svc is R for d in s.deps)]
        dbs = [d.svc for s in users for d in s.deps if d.kind == "db" and d.svc is not None]
        db = dbs[0] if dbs else None
        if db is not None and db.kind == "dbproxy":
            db = db.deps[0].svc
        fp.update(cache_up=up, crash_at=F + (20 if v == "shutdown_logged" else 0), warm=rng.uniform(240, 900),
                  db_mult=rng.uniform(3, 10), db=db.name if db else None)
        for s in users:
            s.extra["db_slow_sensitive"] = True
        fp["first_sign"] = "silence_any" if v == "crash_silent" else "line"
    elif k == "expired_credentials":
        if v == "api_key":
            dep = next(d for d in R.deps if d.kind == "ext")
            body = {"Stripe": '{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_live_****' + rid(rng, 4) + '"}}',
                    "SendGrid": '{"errors":[{"message":"The provided authorization grant is invalid, expired, or revoked","field":null}]}'}.get(
                dep.label, '{"error":"invalid_token","error_description":"The access token expired"}')
            fp.update(host=dep.host, label=dep.label, body=body, oauth=rng.random() < 0.4)
        else:
            fp.update(ramp=rng.uniform(30, 600), user=R.word.replace("-", "_") + rng.choice(("_app", "", "_svc")))
    elif k == "thread_pool_saturation":
        fp.update(mult=rng.uniform(3, 10), ramp=rng.uniform(10, 90), pmax=rng.uniform(0.2, 0.7), sample=rng.choice((1, 2, 5)),
                  pool=rng.choice((50, 100, 200)), queue=rng.choice((100, 500, 1000)))
    elif k == "bad_feature_flag":
        fp.update(eps=top_endpoints(rng, R, max(1, len(R.endpoints) // 2)), p=rng.uniform(0.3, 1.0), flag=rng.choice(FLAGS), pct=rng.choice((100, 100, 50, 25)),
                  field=rng.choice(("discount", "taxRate", "variant", "rankingScore")))
        R.extra.update(sched=True, sched_msg="Feature flags refreshed: {n} flags, 0 changed", sched_every=rng.choice((30, 60)))
    elif k == "malformed_responses":
        fp.update(eps=top_endpoints(rng, R, len(R.endpoints)), p=rng.uniform(0.5, 1.0))
        if v == "after_deploy":
            ver = bump(R.version, rng)
            plan_deploy(plan, R, F, ver, True)
            fp["version"] = ver


def plan_herrings(plan, kinds):
    rng, R, F = plan.rng, plan.root, plan.fault_start
    apps_nr = [s for s in plan.services if s.kind == "app" and s is not R]
    root_callees = [d.svc for d in R.deps if d.svc is not None and d.svc.kind in ("app", "db", "cache", "dbproxy")]
    if "callee_deploy" in kinds and not root_callees:
        alt = [k for k in ("benign_deploy", "constant_warn_chatter", "background_errors", "traffic_burst", "unrelated_error_onset") if k not in kinds]
        kinds = [rng.choice(alt) if k == "callee_deploy" else k for k in kinds]
    out, hp = [], plan.hp
    for k in kinds:
        if k == "cron_error_bursts":
            c = next(s for s in plan.services if s.kind == "cron")
            hp[k] = dict(svc=c.name, lo=rng.randint(3, 10), hi=rng.randint(12, 40))
            out.append({"kind": k, "service": c.name})
        elif k == "benign_deploy":
            cands = [s for s in apps_nr if s not in root_callees] or apps_nr
            s = rng.choice(cands)
            plan_deploy(plan, s, F + rng.choice((-1, 1)) * rng.uniform(30, 240), bump(s.version, rng), False)
            out.append({"kind": k, "service": s.name})
        elif k == "constant_warn_chatter":
            s = rng.choice(apps_nr)
            hp[k] = dict(svc=s.name, rate=rng.uniform(0.05, 1.0), msg=rng.choice(CHATTER).format(w=s.word.replace("-", "")))
            out.append({"kind": k, "service": s.name})
        elif k == "background_errors":
            s = rng.choice(apps_nr)
            hp["bg_services"], hp["bg_p"] = [s.name], rng.uniform(0.03, 0.15)
            hp[k] = dict(svc=s.name)
            if s in plan.entries:
                hp["bad_client"] = dict(svc=s.name, p=rng.uniform(0.05, 0.2), ip=f"{rng.randint(20, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                                        ua=rng.choice(("python-requests/2.25.1", "Go-http-client/1.1", "curl/7.68.0")))
            out.append({"kind": k, "service": s.name})
        elif k == "traffic_burst":
            e = plan.entries[0]
            t = min(max(plan.start + 120, F + rng.uniform(-600, 300)), plan.end - 200)
            hp[k] = dict(t=t, dur=rng.uniform(90, 400), mult=rng.uniform(1.8, 3.0), lat=rng.uniform(1.05, 1.3))
            out.append({"kind": k, "service": e.name})
        elif k == "slow_batch_job":
            b = next(s for s in plan.services if s.kind == "batch")
            t = max(plan.start + 30, F - rng.uniform(120, 900))
            db = b.deps[0].svc
            hp[k] = dict(svc=b.name, t=t, until=F + rng.uniform(120, 1200), db=db.name if db is not None else None)
            pod = new_pod(plan, b, t - 5, plan.end + 3600, b.version, rid(rng, 10))
            pod.down.append((t - 5, t - 3))
            b.extra.setdefault("events", []).append(dict(t=t - 5, type="boot", pod=pod, anom=False, boot=2.0, version=b.version))
            out.append({"kind": k, "service": b.name})
        elif k == "unrelated_error_onset":
            cands = [s for s in apps_nr if s.name not in plan.callers(R) and s not in root_callees] or apps_nr
            s = rng.choice(cands)
            hp[k] = dict(svc=s.name, t=F + rng.uniform(20, 300), msg=rng.choice(UNRELATED))
            out.append({"kind": k, "service": s.name})
        elif k == "callee_deploy":
            c = rng.choice(root_callees)
            plan_deploy(plan, c, F - rng.uniform(45, 300), bump(c.version, rng), False)
            out.append({"kind": k, "service": c.name})
    plan.herrings = out


def finish_services(plan):
    """Per-service extras the simulation needs (heap sizes, pool sizes, schedules, db tables, cron runs)."""
    rng = plan.rng
    for s in plan.services:
        x = s.extra
        if s.kind in ("app", "worker", "cron", "batch"):
            hmax = rng.choice((512, 1024, 2048, 4096))
            x.update(heap_max=hmax, heap_base=hmax * rng.uniform(0.2, 0.38), gcfmt="jvm" if rng.random() < 0.6 else "metrics",
                     banner=rng.random() < 0.5, spring=rng.choice(("2.7.18", "3.1.9", "3.2.4")), pool_max=rng.choice((10, 20, 30, 50)),
                     sched_msg=rng.choice(SCHED_MSGS), sched_every=rng.uniform(30, 300), garbage=rng.randint(1, 6) if rng.random() < 0.3 else 0,
                     disk=rng.random() < 0.1, disk_base=rng.uniform(40, 75), event=camel(s.topic.split(".")[0] if s.topic else s.word) + "Event")
            x["poolstats"] = any(d.kind == "db" for d in s.deps) and rng.random() < 0.3
            if s.kind == "worker":
                x["lanes"] = 16
            if s.kind == "cron":
                x["job"] = s.name.replace("-cron", "").replace("-job", "") + rng.choice(("", "-run", "-task"))
        elif s.kind == "db":
            tgts = [s] + [c for c in plan.services if c.kind == "dbproxy"]
            users = [c for c in plan.services if c.kind in ("app", "worker", "batch") and any(d.svc in tgts for d in c.deps)]
            words = [u.word.replace("-", "_") for u in users if u.kind == "app"] or ["orders"]
            x["dbname"] = rng.choice(("app", "main", "shop", words[0]))
            x["tables"] = [w if w.endswith("s") else w + "s" for w in words]
            q = []
            for tb in x["tables"]:
                q += [f"SELECT t.id, t.status, t.updated_at FROM {tb} t WHERE t.customer_id = $1 ORDER BY t.created_at DESC LIMIT 50",
                      f"UPDATE {tb} SET status = $1, updated_at = now() WHERE id = $2",
                      f"INSERT INTO {tb} (id, customer_id, payload, created_at) VALUES ($1, $2, $3, now())"]
            x["queries"] = q
            x["batch_query"] = f"SELECT * FROM {x['tables'][0]} WHERE created_at >= $1 AND created_at < $2 ORDER BY id"
            x["garbage"] = 0
        elif s.kind == "cache":
            x["keys"] = rng.randint(5000, 900000)
        if s.kind == "cron":
            period = x.get("period", 300)
            t = math.ceil((plan.start - rng.uniform(0, period)) / period) * period
            runs = []
            while t < plan.end:
                pod = new_pod(plan, s, t - 1.5, t + 900, s.version, "")
                runs.append((t + rng.uniform(0.5, 2.5), pod))
                t += period
            x["runs"] = runs


def initial_pods(plan):
    rng = plan.rng
    for s in plan.services:
        if s.kind in ("cron", "batch"):
            continue
        rs = rid(rng, rng.choice((9, 10)))
        for i in range(s.replicas):
            fresh = rng.random() < 0.12
            st = plan.start - rng.uniform(0, 15) if fresh else plan.start - rng.uniform(3600, 5 * 86400)
            pod = new_pod(plan, s, st, plan.end + 3600, s.version, rs, f"{s.name}-{i}" if s.statefulset else None)
            if fresh:
                boot = boot_time(s, rng)
                pod.down.append((st, st + boot))
                s.extra.setdefault("events", []).append(dict(t=st, type="boot", pod=pod, anom=False, boot=boot, version=s.version))


def top_endpoints(rng, s, k_max):
    """A random subset of s's endpoints that, more often than not, contains its busiest one."""
    eps = rng.sample(s.endpoints, rng.randint(1, max(1, min(k_max, len(s.endpoints)))))
    top = max(s.endpoints, key=lambda e: e.weight)
    if top not in eps and rng.random() < 0.7:
        eps[0] = top
    return [e.handler for e in eps]


def boost_root_traffic(plan):
    """Make sure the root sits on a reasonably used path: its callers call it from their busiest endpoint (usually)."""
    rng, R = plan.rng, plan.root
    for c in plan.services:
        if c.kind not in ("app", "worker", "cron") or not c.endpoints:
            continue
        dep = next((d for d in c.deps if d.svc is R and d.kind != "queue"), None)
        if dep is None:
            continue
        top = max(c.endpoints, key=lambda e: e.weight)
        if dep not in top.deps and rng.random() < 0.7:
            top.deps.append(dep)


def make_plan(seed, idx, case_seed, kind):
    rng = random.Random(case_seed)
    variant = weighted(rng, VARIANTS[kind])
    herring_kinds = rng.sample(HERRING_KINDS, weighted(rng, [(1, 4), (2, 4), (3, 2)]))
    layout = weighted(rng, LAYOUTS)
    dur = rng.randint(15, 60) * 60 + rng.randint(0, 59)
    start = datetime(2024, 1, 1, tzinfo=UTC).timestamp() + rng.randint(0, 600) * 86400 + rng.randint(0, 86399) + rng.random()
    F = start + dur * rng.uniform(0.36, 0.72)
    plan = Plan(f"case-{idx:03d}", seed, rng, kind, variant, layout, start, start + dur, F,
                rng.choice(("prod", "production", "shop-prod", "default", "payments-prod")))
    build_topology(plan, herring_kinds)
    finish_services(plan)
    initial_pods(plan)
    elig = eligible_roots(plan)
    if not elig:
        for v, _ in VARIANTS[kind]:
            plan.variant = v
            elig = eligible_roots(plan)
            if elig:
                break
    if not elig:
        raise RuntimeError(f"no eligible root for {kind}/{variant}")
    plan.root = rng.choice(elig)
    boost_root_traffic(plan)
    plan_fault(plan)
    plan_herrings(plan, herring_kinds)
    plan.target_lines = int(math.exp(rng.uniform(math.log(25000), math.log(150000))))
    plan_layout(plan)
    return plan


def plan_layout(plan):
    rng = plan.rng
    groups, det = {}, {}
    names = [s.name for s in plan.services]
    if plan.layout == "per-service":
        for n in names:
            groups[n] = "per-service"
    elif plan.layout == "per-pod":
        for n in names:
            groups[n] = "per-pod"
    elif plan.layout == "merged":
        for n in names:
            groups[n] = "merged"
    else:
        for s in plan.services:
            groups[s.name] = weighted(rng, [("per-service", 35), ("per-pod", 30), ("merged", 35)])
        merged = [n for n in names if groups[n] == "merged"]
        if len(merged) == 1:
            groups[merged[0]] = "per-service"
    det["groups"] = groups
    det["merged_format"] = weighted(rng, [("k8s_prefix", 4), ("fluentbit", 3), ("export", 2)])
    det["merged_name"] = {"k8s_prefix": rng.choice(("all-pods.log", "stern.log", "cluster.log", "kubectl-logs.txt")),
                          "fluentbit": rng.choice(("fluent-bit.jsonl", "logs.ndjson", "k8s-containers.json")),
                          "export": rng.choice(("export.jsonl", "datadog-export.json", "logs-export.ndjson"))}[det["merged_format"]]
    det["merged_gz"] = rng.random() < 0.25
    det["gz"] = [n for n in names if rng.random() < 0.15]
    det["syslog"] = [s.name for s in plan.services if groups[s.name] == "per-service" and s.runtime in ("go", "python")
                     and s.style.name in ("std", "pylog", "pylog2", "logrus") and rng.random() < 0.25]
    plan.layout_detail = det


# ----------------------------------------------------------------------------------------------
# writing files
# ----------------------------------------------------------------------------------------------

def write_text(path, chunks, gz):
    data = "".join(chunks).encode("utf-8", "replace")
    if gz:
        with open(path, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as g:
            g.write(data)
    else:
        with open(path, "wb") as fh:
            fh.write(data)


def syslog_prefix(ts, host, tag, pid):
    d = datetime.fromtimestamp(math.floor(ts), UTC)
    return f"{d.strftime('%b')} {d.day:>2} {d.strftime('%H:%M:%S')} {host} {tag}[{pid}]: "


def write_case(plan, case_dir):
    logs = os.path.join(case_dir, "logs")
    os.makedirs(logs, exist_ok=True)
    det = plan.layout_detail
    groups, gz, syslog = det["groups"], det["gz"], det["syslog"]
    files, total = [], 0
    merged = []
    for s in plan.services:
        recs = sorted(s.out, key=lambda r: r[0])
        g = groups[s.name]
        if g == "per-service":
            chunks = []
            if s.name in syslog:
                host = f"ip-{s.pods[0].ip.replace('.', '-')}"
                pid = plan.rng.randint(300, 30000)
                for ts, text, _, _ in recs:
                    pre = syslog_prefix(ts, host, s.name, pid)
                    for ln in text.split("\n"):
                        chunks.append(pre + ln + "\n")
            else:
                chunks = [text + "\n" for _, text, _, _ in recs]
            n = sum(c.count("\n") for c in chunks)
            if n:
                fname = s.name + (".log.gz" if s.name in gz else ".log")
                write_text(os.path.join(logs, fname), chunks, s.name in gz)
                files.append(fname)
                total += n
        elif g == "per-pod":
            by_pod: dict[str, list] = {}
            for ts, text, pod, _ in recs:
                by_pod.setdefault(pod, []).append(text + "\n")
            for pod, chunks in by_pod.items():
                fname = pod + ".log"
                write_text(os.path.join(logs, fname), chunks, False)
                files.append(fname)
                total += sum(c.count("\n") for c in chunks)
        else:
            for ts, text, pod, lvl in recs:
                merged.append((ts - s.skew, s.name, pod, text, lvl))
    if merged:
        merged.sort(key=lambda r: r[0])
        fmt = det["merged_format"]
        chunks = []
        node = {}
        for tt, svc, pod, text, lvl in merged:
            if fmt == "k8s_prefix":
                for ln in text.split("\n"):
                    chunks.append(f"{pod} {svc} {ln}\n")
            elif fmt == "fluentbit":
                host = node.setdefault(pod, f"ip-10-0-{len(node) % 7}-{(len(node) * 37) % 250 + 3}.eu-west-1.compute.internal")
                iso = iso_utc(tt, 0.001)
                for ln in text.split("\n"):
                    chunks.append(dumps({"time": iso, "stream": "stderr" if lvl in "EF" else "stdout", "log": ln,
                                         "kubernetes": {"pod_name": pod, "namespace_name": plan.ns, "container_name": svc, "host": host}}) + "\n")
            else:
                chunks.append(dumps({"timestamp": iso_utc(tt, 0.001), "service": svc, "host": pod,
                                     "status": {"E": "error", "F": "critical", "W": "warn", "D": "debug"}.get(lvl, "info"), "message": text}) + "\n")
        fname = det["merged_name"] + (".gz" if det["merged_gz"] else "")
        write_text(os.path.join(logs, fname), chunks, det["merged_gz"])
        files.append(fname)
        total += len(chunks)
    return total, files


# ----------------------------------------------------------------------------------------------
# one case, the corpus
# ----------------------------------------------------------------------------------------------

def simulate(plan, case_seed):
    """Pilot the traffic rate on a short fault-free window, then run the whole case (retrying the rate if off)."""
    r0, pilot_s = 4.0, 240.0
    sim = Sim(plan, r0, plan.start, plan.start + pilot_s, False, case_seed ^ 0xA5A5A5)
    sim.run()
    per_rate = max(sim.line_count() / pilot_s / r0, 1e-3)
    dur = plan.end - plan.start
    rate = min(max(plan.target_lines / dur / per_rate, 0.15), 150.0)
    for _ in range(6):
        sim = Sim(plan, rate, plan.start, plan.end, True, case_seed ^ 0x5EED5EED)
        sim.run()
        n = sim.line_count()
        if 20000 <= n <= 170000:
            break
        rate *= min(max(plan.target_lines / max(n, 1), 0.15), 6.0)
    return sim


def truth_for(plan, sim, lines, files):
    R, fs = plan.root, plan.fp["first_sign"]
    first = sim.first_anom if fs == "line" else sim.last_req if fs == "silence_req" else sim.last_any
    return {
        "case_id": plan.case_id,
        "seed": plan.seed,
        "root_service": R.name,
        "fault_kind": plan.kind,
        "fault_variant": plan.variant,
        "fault_start": iso_utc(plan.fault_start),
        "root_first_anomalous": iso_utc(first, R.style.precision) if first is not None else None,
        "root_first_anomalous_basis": fs,
        "layout": plan.layout,
        "layout_detail": {k: v for k, v in plan.layout_detail.items() if k in ("groups", "merged_format", "gz", "syslog")},
        "runtimes": {s.name: s.runtime for s in plan.services},
        "formats": {s.name: s.style.name for s in plan.services},
        "root_role": role_of(plan, R),
        "entry_services": [e.name for e in plan.entries],
        "services": [s.name for s in plan.services],
        "lines": lines,
        "files": files,
        "red_herrings": plan.herrings,
        "call_edges": plan.edges,
        "clock_skew_s": {s.name: round(s.skew, 3) for s in plan.services},
        "window": {"start": iso_utc(plan.start), "end": iso_utc(plan.end)},
    }


def generate_case(seed, idx, case_seed, kind, seed_dir):
    plan = make_plan(seed, idx, case_seed, kind)
    sim = simulate(plan, case_seed)
    case_dir = os.path.join(seed_dir, plan.case_id)
    if os.path.isdir(case_dir):
        for root, dirs, fnames in os.walk(case_dir, topdown=False):
            for f in fnames:
                os.remove(os.path.join(root, f))
            for d in dirs:
                os.rmdir(os.path.join(root, d))
    os.makedirs(case_dir, exist_ok=True)
    lines, files = write_case(plan, case_dir)
    truth = truth_for(plan, sim, lines, sorted(files))
    with open(os.path.join(case_dir, "truth.json"), "w") as fh:
        json.dump(truth, fh, indent=1)
        fh.write("\n")
    return truth


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "incidents-b"))
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    # case i depends on (seed, i) only, not on --n: kinds come from one shuffled round robin, seeds per case
    kind_rng = random.Random(args.seed)
    kinds = []
    while len(kinds) < args.n:
        batch = list(FAULT_KINDS)
        kind_rng.shuffle(batch)
        kinds += batch
    seeds = [random.Random(f"incidents-b:{args.seed}:{i}").getrandbits(48) for i in range(args.n)]
    seed_dir = os.path.join(args.out, f"seed-{args.seed}")
    os.makedirs(seed_dir, exist_ok=True)
    cases = []
    for i in range(args.n):
        t = generate_case(args.seed, i, seeds[i], kinds[i], seed_dir)
        cases.append(t["case_id"])
        if not args.quiet:
            print(f"{t['case_id']} {t['fault_kind']:<24} {t['fault_variant']:<24} root={t['root_service']:<22} "
                  f"role={t['root_role']:<6} layout={t['layout']:<11} services={len(t['services']):>2} lines={t['lines']}", flush=True)
    with open(os.path.join(seed_dir, "manifest.json"), "w") as fh:
        json.dump({"seed": args.seed, "n": args.n, "cases": cases}, fh, indent=1)
        fh.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
