"""Third, independently written incident corpus for `rca` (corpus "c").

Design
------
Every case is one simulated production incident:

* A random topology (4-12 logged services): an optional edge proxy (nginx / envoy / haproxy, with a
  varying name), one or two entry services, mid-tier services, logging datastores (postgres, mysql,
  mongodb, redis, kafka, rabbitmq, elasticsearch), async consumers of a broker topic, cron/batch jobs
  and unlogged third-party APIs.  Names come from several domain vocabularies and suffix styles.
* Each service has a runtime and a log format (Spring Boot/logback, log4j2, zap, logrus, klog, python
  logging / structlog / gunicorn+uvicorn, pino, winston, Serilog text/CLEF, Rails, Rust tracing, the
  proxies' access/error logs and the datastores' server logs), its own clock skew and, where the format
  prints an offset, its own time zone.
* Traffic is simulated request by request through the call graph.  A service's state at time t
  (healthy, slow, failing, hung, down, refusing TLS, rate limiting, ...) decides what its callers see:
  timeouts, retries, circuit breakers, fallbacks, 5xx at the edge.  Caller lines are consequences of
  callee state, so errors multiply upwards.  Consumers, cron jobs and datastores have their own
  periodic activity.  Red herrings (cron error bursts, benign deploys, WARN chatter, background errors,
  traffic bursts, HPA scale events, an unrelated error-rate change) are added on top.
* One fault, of the kind cycled by case index, starts in the root service after a 10-40 minute normal
  period and the logs go on 5-20 minutes after it.
* Layouts: per-service files (some gzipped), per-pod files (new pod names after deploys), one merged
  file (stern prefix, fluent-bit JSON with kubernetes metadata, or a plain JSON export) or mixed.

truth.json keys: case_id, seed, root_service (file stem / deployment name / container or service field
naming the root), root_role, root_runtime, fault_kind, fault_variant, fault_start (UTC; for faults caused
by a deploy, the deploy time), root_first_anomalous (the printed timestamp of the first root line that
differs from normal, floored to that format's precision and converted to UTC -- with clock skew, and for
a clock jump the jumped time; for faults first seen as silence the last root line before the fault; if the
first different line prints no timestamp, the last timestamped root line before it; null if the root
never shows anything different), root_first_anomalous_line (that line, for checking), first_sign
(line / silence / jump), layout, entry_services (where outside traffic enters: the edge proxy if there is
one, else the entry services), api_services, edge, services (logged), lines, files, red_herrings
([{kind, service, at}]), call_edges (among logged services), external_dependencies, clock_skew_s,
clock_jump_s, timezone_offset_min, window, runtimes, roles, request_rate_per_s.

Fault kinds (cycled per seed so 40 cases cover all 23): pool_exhaustion, slow_latency, hang, crash_loop,
sudden_death, dns_failure, tls_expiry, disk_full, bad_config_deploy, rate_limit, memory_leak,
cpu_throttling, net_partition, consumer_lag, cache_down, expired_credentials, thread_pool_saturation,
bad_feature_flag, schema_mismatch, migration_lock, retry_storm, clock_jump, log_flood.

Standard library only; all randomness comes from random.Random instances seeded from (seed, case).
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import shutil
import sys
import time as _time
from pathlib import Path

# ----------------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------------

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
K8S_ALNUM = "bcdfghjklmnpqrstvwxz2456789"
LVL_ORDER = {"DEBUG": 0, "INFO": 1, "WARN": 2, "ERROR": 3, "FATAL": 4}


def gm(t: float):
    return _time.gmtime(int(math.floor(t)))


def frac(t: float, digits: int) -> str:
    f = t - math.floor(t)
    v = int(f * (10 ** digits))
    return str(v).zfill(digits)


def iso_z(t: float, digits: int = 3) -> str:
    g = gm(t)
    s = "%04d-%02d-%02dT%02d:%02d:%02d" % g[:6]
    if digits:
        s += "." + frac(t, digits)
    return s + "Z"


def tz_str(minutes: int, colon: bool = True) -> str:
    sign = "+" if minutes >= 0 else "-"
    m = abs(minutes)
    return "%s%02d%s%02d" % (sign, m // 60, ":" if colon else "", m % 60)


def iso_local(t: float, tzmin: int, digits: int = 3, colon: bool = True, sep: str = "T") -> str:
    g = gm(t + tzmin * 60)
    s = "%04d-%02d-%02d%s%02d:%02d:%02d" % (g[0], g[1], g[2], sep, g[3], g[4], g[5])
    if digits:
        s += "." + frac(t, digits)
    return s + tz_str(tzmin, colon)


def ymd_hms(t: float, sep: str = " ", dsep: str = "-") -> str:
    g = gm(t)
    return "%04d%s%02d%s%02d%s%02d:%02d:%02d" % (g[0], dsep, g[1], dsep, g[2], sep, g[3], g[4], g[5])


def clf(t: float, tzmin: int = 0, ms: bool = False) -> str:
    g = gm(t + tzmin * 60)
    s = "%02d/%s/%04d:%02d:%02d:%02d" % (g[2], MONTHS[g[1] - 1], g[0], g[3], g[4], g[5])
    if ms:
        return s + "." + frac(t, 3)
    return s + " " + tz_str(tzmin, False)


def syslog_ts(t: float) -> str:
    g = gm(t)
    return "%s %2d %02d:%02d:%02d" % (MONTHS[g[1] - 1], g[2], g[3], g[4], g[5])


def floor_iso(t: float, prec: float) -> str:
    """UTC ISO string of t floored to precision prec (1, 1e-3, 1e-6...)."""
    if prec >= 1:
        return iso_z(math.floor(t), 0)
    digits = int(round(-math.log10(prec)))
    return iso_z(t, digits)


def jdump(d) -> str:
    return json.dumps(d, separators=(",", ":"), ensure_ascii=False)


def pick(rng, seq):
    return seq[rng.randrange(len(seq))]


def k8s_suffix(rng, n):
    return "".join(pick(rng, K8S_ALNUM) for _ in range(n))


# ----------------------------------------------------------------------------------------------
# vocabularies
# ----------------------------------------------------------------------------------------------

DOMAINS = {
    "shop": ["orders", "payments", "cart", "checkout", "inventory", "catalog", "pricing", "shipping",
             "invoices", "promotions", "wishlist", "reviews", "returns", "tax"],
    "media": ["transcoder", "playlist", "recommend", "profile", "streams", "thumbnails", "subtitles",
              "entitlements", "watch-history", "ads", "licensing"],
    "fin": ["ledger", "accounts", "transfers", "kyc", "fraud-check", "statements", "fx-rates", "cards",
            "limits", "settlement", "payouts"],
    "logi": ["dispatch", "routes", "fleet", "tracking", "manifests", "depots", "eta", "labels",
             "customs", "carriers", "slots"],
    "health": ["appointments", "patients", "prescriptions", "billing", "scheduler", "referrals",
               "lab-results", "consent", "claims"],
    "social": ["feed", "posts", "comments", "notifications", "followers", "media-upload", "search",
               "moderation", "messages", "presence"],
}
SUFFIXES = [["", "-svc", "-api"], ["-service", ""], ["", ""], ["-api", "-svc", ""], ["-srv", ""]]
EDGE_NAMES = ["edge-proxy", "front", "ingress", "lb-public", "envoy-front", "web-edge", "api-proxy",
              "border", "haproxy-ext", "nginx-ingress", "gateway", "public-lb", "entry-proxy"]
CONSUMER_NAMES = ["{d}-worker", "{d}-consumer", "{d}-processor", "indexer", "mailer", "notifier",
                  "event-sink", "{d}-projector"]
CRON_NAMES = ["nightly-export", "report-cron", "cleanup-job", "reconciler", "sitemap-builder",
              "usage-rollup", "stale-sweeper", "backfill-job"]
EXTERNALS = ["stripe", "twilio", "sendgrid", "maps-api", "fx-provider", "s3", "adyen", "auth0",
             "geocoder", "pushgw"]

APP_RUNTIMES = ["java-logback", "java-log4j2", "go-zap", "go-logrus", "go-klog", "py-logging",
                "py-structlog", "py-gunicorn", "node-pino", "node-winston", "dotnet-text",
                "dotnet-clef", "ruby-rails", "rust-tracing"]
FAMILY = {"java-logback": "java", "java-log4j2": "java", "go-zap": "go", "go-logrus": "go",
          "go-klog": "go", "py-logging": "py", "py-structlog": "py", "py-gunicorn": "py",
          "node-pino": "node", "node-winston": "node", "dotnet-text": "dotnet", "dotnet-clef": "dotnet",
          "ruby-rails": "ruby", "rust-tracing": "rust", "nginx": "proxy", "envoy": "proxy",
          "haproxy": "proxy", "postgres": "db", "mysql": "db", "mongodb": "db", "redis": "db",
          "kafka": "db", "rabbitmq": "db", "elasticsearch": "db"}
DS_KIND = {"postgres": "db", "mysql": "db", "mongodb": "db", "elasticsearch": "search", "redis": "cache",
           "kafka": "broker", "rabbitmq": "broker"}
DS_NAMES = {
    "postgres": ["postgres", "pg-main", "{d}-db", "pg-primary", "{d}-pg"],
    "mysql": ["mysql", "mysql-primary", "{d}-mysql", "{d}-db"],
    "mongodb": ["mongo", "{d}-mongo", "mongodb-0", "docstore"],
    "elasticsearch": ["es", "search-es", "elastic", "{d}-es"],
    "redis": ["redis", "redis-cache", "session-cache", "{d}-redis", "cache"],
    "kafka": ["kafka", "kafka-broker", "events-kafka", "bus"],
    "rabbitmq": ["rabbitmq", "events-mq", "rabbit", "amqp"],
}
PORTS = {"postgres": 5432, "mysql": 3306, "mongodb": 27017, "elasticsearch": 9200, "redis": 6379,
         "kafka": 9092, "rabbitmq": 5672}

# ----------------------------------------------------------------------------------------------
# services
# ----------------------------------------------------------------------------------------------


class Svc:
    def __init__(self, name, role, rt):
        self.name = name
        self.role = role            # edge api mid db cache broker search consumer cron external
        self.rt = rt
        self.fam = FAMILY.get(rt, "ext")
        self.callees = []           # [(name, prob)]
        self.callers = []
        self.skew = 0.0
        self.tz = 0
        self.recs = []              # (t, kind, level, msg, extra, fields, anom)
        self.access = True
        self.trace = False
        self.stack_p = 0.5
        self.base_ms = 10.0
        self.timeout_ms = 3000
        self.retries = 0
        self.cb = False
        self.fallback = set()
        self.cb_state = {}
        self.paths = []
        self.ip = ""
        self.port = 8080
        self.replicas = 1
        self.deploys = []           # (t, version)
        self.restarts = []          # t
        self.version = "1.0.0"
        self.pkg = ""
        self.silent = []            # (t0, t1): no lines at all
        self.jump = None            # (t, seconds): clock step
        self.info_p = 1.0           # sampling of per-request INFO lines
        self.pid = 1
        self.logger = ""
        self.access_style = 0
        self.style = 0
        self.style2 = 0
        self.host = ""
        self.stats = True
        self.gc = False
        self.db_timeout = 5000
        self.pods = []
        self.slow_ms = 1000

    def skew_at(self, t):
        if self.jump and t >= self.jump[0]:
            return self.skew + self.jump[1]
        return self.skew

    def is_silent(self, t):
        for a, b in self.silent:
            if a <= t < b:
                return True
        return False

    def log(self, t, level, msg, extra=None, fields=None, anom=False, kind="LOG"):
        if self.is_silent(t):
            return
        self.recs.append((t, kind, level, msg, extra, fields, anom))

# ----------------------------------------------------------------------------------------------
# rendering: one function per runtime, returns (text, precision of the printed timestamp or None)
# ----------------------------------------------------------------------------------------------

LB_LVL = {"DEBUG": "DEBUG", "INFO": " INFO", "WARN": " WARN", "ERROR": "ERROR", "FATAL": "ERROR"}
L4_LVL = {"DEBUG": "DEBUG", "INFO": "INFO ", "WARN": "WARN ", "ERROR": "ERROR", "FATAL": "FATAL"}
ZAP_LVL = {"DEBUG": "debug", "INFO": "info", "WARN": "warn", "ERROR": "error", "FATAL": "fatal"}
LR_LVL = {"DEBUG": "debug", "INFO": "info", "WARN": "warning", "ERROR": "error", "FATAL": "fatal"}
KL_LVL = {"DEBUG": "I", "INFO": "I", "WARN": "W", "ERROR": "E", "FATAL": "F"}
PY_LVL = {"DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARNING", "ERROR": "ERROR", "FATAL": "CRITICAL"}
PINO_LVL = {"DEBUG": 20, "INFO": 30, "WARN": 40, "ERROR": 50, "FATAL": 60}
WIN_LVL = {"DEBUG": "debug", "INFO": "info", "WARN": "warn", "ERROR": "error", "FATAL": "error"}
SER_LVL = {"DEBUG": "DBG", "INFO": "INF", "WARN": "WRN", "ERROR": "ERR", "FATAL": "FTL"}
CLEF_LVL = {"DEBUG": "Debug", "INFO": None, "WARN": "Warning", "ERROR": "Error", "FATAL": "Fatal"}
RB_LVL = {"DEBUG": "D", "INFO": "I", "WARN": "W", "ERROR": "E", "FATAL": "F"}
RB_LVL2 = {"DEBUG": "DEBUG", "INFO": " INFO", "WARN": " WARN", "ERROR": "ERROR", "FATAL": "FATAL"}
RS_LVL = {"DEBUG": "DEBUG", "INFO": " INFO", "WARN": " WARN", "ERROR": "ERROR", "FATAL": "ERROR"}
PG_LVL = {"DEBUG": "DEBUG", "INFO": "LOG", "WARN": "WARNING", "ERROR": "ERROR", "FATAL": "FATAL"}
MY_LVL = {"DEBUG": "Note", "INFO": "Note", "WARN": "Warning", "ERROR": "ERROR", "FATAL": "ERROR"}
RD_LVL = {"DEBUG": "-", "INFO": "*", "WARN": "#", "ERROR": "#", "FATAL": "#"}
KF_LVL = {"DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARN", "ERROR": "ERROR", "FATAL": "FATAL"}
RMQ_LVL = {"DEBUG": "debug", "INFO": "info", "WARN": "warning", "ERROR": "error", "FATAL": "critical"}
MG_LVL = {"DEBUG": "D1", "INFO": "I", "WARN": "W", "ERROR": "E", "FATAL": "F"}
ES_LVL = {"DEBUG": "DEBUG", "INFO": "INFO ", "WARN": "WARN ", "ERROR": "ERROR", "FATAL": "ERROR"}
NGX_LVL = {"DEBUG": "info", "INFO": "notice", "WARN": "warn", "ERROR": "error", "FATAL": "crit"}
ENV_LVL = {"DEBUG": "debug", "INFO": "info", "WARN": "warning", "ERROR": "error", "FATAL": "critical"}
REASON = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
          403: "Forbidden", 404: "Not Found", 409: "Conflict", 429: "Too Many Requests",
          500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
          504: "Gateway Timeout", 499: "Client Closed Request"}


def access_text(s: Svc, f: dict) -> str:
    """A per-request line in the wording of an application runtime."""
    fam = s.fam
    m, p, st, d = f["method"], f["path"], f["status"], f["dur"]
    if fam == "java":
        if s.style:
            return "Completed %s %s -> %d in %dms" % (m, p, st, d)
        return "%s %s %d %dms" % (m, p, st, d)
    if fam == "go":
        return "%s %s status=%d latency=%dms" % (m, p, st, d)
    if s.rt == "node-pino":
        return "request completed"
    if fam == "node":
        return "%s %s %d %d ms" % (m, p, st, d)
    if fam == "dotnet":
        return "HTTP %s %s responded %d in %.4f ms" % (m, p, st, d + 0.1234)
    if fam == "rust":
        return "finished processing request method=%s uri=%s status=%d latency=%d ms" % (m, p, st, d)
    if fam == "py":
        return "%s %s -> %d (%dms)" % (m, p, st, d)
    return "%s %s %d %d" % (m, p, st, d)


def render(s: Svc, rec):
    t, kind, level, msg, extra, fields, _ = rec
    ts = t + s.skew_at(t)
    rt = s.rt
    if kind == "RAW":
        return msg, None
    if kind == "GC":  # JVM unified logging line inside a java container
        return ("[%s][%.3fs][info][gc] %s" % (iso_local(ts, 0, 3, False), ts % 100000, msg)), 1e-3
    fields = fields or {}
    acc = kind == "ACCESS"
    if acc and rt in ("nginx", "py-gunicorn"):
        f = fields
        if rt == "nginx":
            return ('%s - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s" %.3f %s' % (
                f["client"], clf(ts, s.tz), f["method"], f["path"], f["status"], f.get("bytes", 512),
                f.get("ua", "Mozilla/5.0"), f["dur"] / 1000.0,
                f.get("urt", "%.3f" % (f["dur"] / 1000.0)))), 1
        return ('%s - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s"' % (
            f["client"], clf(ts, s.tz), f["method"], f["path"], f["status"], f.get("bytes", 256),
            f.get("ua", "python-requests/2.31.0"))), 1
    if acc and rt == "envoy":
        f = fields
        return ('[%s] "%s %s HTTP/1.1" %d %s 0 %d %d %s "%s" "%s" "%s" "%s" "%s"' % (
            iso_z(ts, 3), f["method"], f["path"], f["status"], f.get("flags", "-"), f.get("bytes", 512),
            f["dur"], f.get("udur", "-"), f["client"], f.get("ua", "okhttp/4.12.0"),
            f.get("trace", "-"), f.get("host", "api.example.com"), f.get("upstream", "-"))), 1e-3
    if acc and rt == "haproxy":
        f = fields
        return ('%s %s haproxy[%d]: %s:%d [%s] fe_main be_%s/%s %s %d %d - - %s 40/40/%d/%d/0 0/0 "%s %s HTTP/1.1"' % (
            syslog_ts(ts), s.host, s.pid, f["client"], 30000 + int(t * 7) % 30000, clf(ts, 0, True),
            f.get("backend", "app"), f.get("server", "app-1"), f.get("timers", "0/0/1/%d/%d" % (f["dur"], f["dur"] + 1)),
            f["status"], f.get("bytes", 512), f.get("term", "----"), 3, 1, f["method"], f["path"])), 1
    if acc and rt == "py-logging":
        f = fields
        return ('INFO:     %s:%d - "%s %s HTTP/1.1" %d %s' % (
            f["client"], 40000 + int(t * 13) % 20000, f["method"], f["path"], f["status"],
            REASON.get(f["status"], ""))), None
    if acc and rt == "ruby-rails":
        f = fields
        rid = f.get("trace") or "-"
        a = "I, [%s #%d]  INFO -- : [%s] Started %s \"%s\" for %s at %s" % (
            iso_local(ts, 0, 6, True)[:-6], s.pid, rid, f["method"], f["path"], f["client"],
            ymd_hms(ts + s.tz * 60) + " " + tz_str(s.tz, False))
        b = "I, [%s #%d]  INFO -- : [%s] Completed %d %s in %dms (Views: %.1fms | ActiveRecord: %.1fms | Allocations: %d)" % (
            iso_local(ts + d_ms(f) / 1000.0, 0, 6, True)[:-6], s.pid, rid, f["status"], REASON.get(f["status"], ""),
            f["dur"], f["dur"] * 0.1, f["dur"] * 0.3, 1200 + f["dur"] * 3)
        return a + "\n" + b, 1e-6
    if acc:
        # structured runtimes carry the request as fields; text runtimes get a sentence
        msg = access_text(s, fields)
        level = "INFO" if fields["status"] < 500 else "ERROR" if s.fam in ("go", "rust") else "INFO"
        fields = dict(fields)
        if fields.pop("_warn", None) and level == "ERROR":
            level = "WARN"
        fields.pop("client", None)
        fields.pop("ua", None)
    return render_log(s, ts, level, msg, extra, fields, acc)


def abbrev(name: str, width: int = 39) -> str:
    """logback's %logger{39}: shorten package segments from the left until it fits."""
    if len(name) <= width:
        return name
    parts = name.split(".")
    for i in range(len(parts) - 1):
        parts[i] = parts[i][:1]
        if len(".".join(parts)) <= width:
            break
    return ".".join(parts)


def d_ms(f):
    return f.get("dur", 0)


def render_log(s: Svc, ts, level, msg, extra, fields, acc=False):
    rt = s.rt
    tail = ("\n" + "\n".join(extra)) if extra else ""
    if rt == "java-logback":
        thr = fields.get("thread") or ("http-nio-%d-exec-%d" % (s.port, 1 + int(ts * 10) % 200))
        thr = thr[-15:]
        if s.style:
            return ("%s %s %d --- [%s] [%15s] %-40s : %s%s" % (
                iso_local(ts, s.tz, 3, True), LB_LVL[level], s.pid, s.name, thr,
                abbrev(fields.get("logger", s.logger)), msg, tail)), 1e-3
        tid = (" [%s,%s]" % (s.name, fields["trace"])) if s.trace and fields.get("trace") else ""
        return ("%s.%s %s %d ---%s [%15s] %-40s : %s%s" % (
            ymd_hms(ts), frac(ts, 3), LB_LVL[level], s.pid, tid, thr, abbrev(fields.get("logger", s.logger)),
            msg, tail)), 1e-3
    if rt == "java-log4j2":
        thr = fields.get("thread") or ("pool-2-thread-%d" % (1 + int(ts * 10) % 32))
        tid = (" traceId=%s" % fields["trace"]) if s.trace and fields.get("trace") else ""
        return ("%s,%s %s [%s] %s -%s %s%s" % (ymd_hms(ts), frac(ts, 3), L4_LVL[level], thr,
                                              fields.get("logger", s.logger), tid, msg, tail)), 1e-3
    if rt == "go-zap":
        d = {"level": ZAP_LVL[level], "ts": round(ts, 6), "caller": fields.get("caller", "server/handler.go:%d" % (40 + len(msg) % 90)),
             "msg": msg}
        for k, v in fields.items():
            if k not in ("logger", "caller", "thread"):
                d[k] = v
        if extra:
            d["stacktrace"] = "\n".join(extra)
        return jdump(d), 1e-6
    if rt == "go-logrus":
        kv = "".join(" %s=%s" % (k, v if (isinstance(v, (int, float)) or " " not in str(v)) else json.dumps(str(v)))
                     for k, v in fields.items() if k not in ("logger", "caller", "thread"))
        return ('time="%s" level=%s msg=%s%s' % (iso_local(ts, s.tz, 0, True), LR_LVL[level], json.dumps(msg), kv)
                + tail), 1
    if rt == "go-klog":
        g = gm(ts)
        kv = "".join(' %s="%s"' % (k, v) for k, v in fields.items() if k not in ("logger", "caller", "thread"))
        return ("%s%02d%02d %02d:%02d:%02d.%s %7d %s] %s%s%s" % (
            KL_LVL[level], g[1], g[2], g[3], g[4], g[5], frac(ts, 6), s.pid,
            fields.get("caller", "controller.go:%d" % (100 + len(msg) % 200)), msg, kv, tail)), 1e-6
    if rt == "py-logging":
        return ("%s,%s - %s - %s - %s%s" % (ymd_hms(ts), frac(ts, 3), fields.get("logger", s.logger), PY_LVL[level],
                                            msg, tail)), 1e-3
    if rt == "py-gunicorn":
        return ("[%s %s] [%d] [%s] %s%s" % (ymd_hms(ts + s.tz * 60), tz_str(s.tz, False), s.pid, PY_LVL[level], msg,
                                             tail)), 1
    if rt == "py-structlog":
        d = {"event": msg, "level": LR_LVL[level].replace("fatal", "critical"), "logger": fields.get("logger", s.logger),
             "timestamp": iso_z(ts, 6)}
        for k, v in fields.items():
            if k not in ("logger", "caller", "thread"):
                d[k] = v
        if extra:
            d["exception"] = "\n".join(extra)
        return jdump(d), 1e-6
    if rt == "node-pino":
        d = {"level": PINO_LVL[level], "time": int(ts * 1000), "pid": s.pid, "hostname": s.host}
        if acc:
            d["req"] = {"id": fields.get("reqn", 1), "method": fields["method"], "url": fields["path"]}
            d["res"] = {"statusCode": fields["status"]}
            d["responseTime"] = fields["dur"]
            if fields.get("trace"):
                d["traceId"] = fields["trace"]
        else:
            for k, v in fields.items():
                if k not in ("logger", "caller", "thread"):
                    d[k] = v
        if extra:
            d["err"] = {"type": "Error", "message": msg, "stack": msg + "\n" + "\n".join(extra)}
        d["msg"] = msg
        return jdump(d), 1e-3
    if rt == "node-winston":
        if s.style:
            d = {"level": WIN_LVL[level], "message": msg, "service": s.name, "timestamp": iso_z(ts, 3)}
            for k, v in fields.items():
                if k not in ("logger", "caller", "thread"):
                    d[k] = v
            if extra:
                d["stack"] = msg + "\n" + "\n".join(extra)
            return jdump(d), 1e-3
        return ("%s %s: %s%s" % (iso_z(ts, 3), WIN_LVL[level], msg, tail)), 1e-3
    if rt == "dotnet-text":
        if s.style:
            g = gm(ts)
            return ("[%02d:%02d:%02d %s] %s%s" % (g[3], g[4], g[5], SER_LVL[level], msg, tail)), 1
        return ("%s.%s %s [%s] %s%s" % (ymd_hms(ts + s.tz * 60), frac(ts, 3), tz_str(s.tz, True), SER_LVL[level], msg,
                                         tail)), 1e-3
    if rt == "dotnet-clef":
        d = {"@t": iso_z(ts, 7), "@m": msg}
        if CLEF_LVL[level]:
            d["@l"] = CLEF_LVL[level]
        if extra:
            d["@x"] = "\n".join(extra)
        d["SourceContext"] = fields.get("logger", s.logger)
        for k, v in fields.items():
            if k not in ("logger", "caller", "thread"):
                d[k[:1].upper() + k[1:]] = v
        return jdump(d), 1e-7
    if rt == "ruby-rails":
        rid = fields.get("trace")
        pre = ("[%s] " % rid) if rid else ""
        return ("%s, [%s #%d] %s -- : %s%s%s" % (RB_LVL[level], iso_local(ts, 0, 6, True)[:-6], s.pid, RB_LVL2[level],
                                                 pre, msg, tail)), 1e-6
    if rt == "rust-tracing":
        kv = "".join(" %s=%s" % (k, v) for k, v in fields.items() if k not in ("logger", "caller", "thread"))
        return ("%s %s %s: %s%s%s" % (iso_z(ts, 6), RS_LVL[level], fields.get("logger", s.logger), msg, kv, tail)), 1e-6
    if rt == "nginx":
        g = gm(ts + s.tz * 60)
        return ("%04d/%02d/%02d %02d:%02d:%02d [%s] %d#%d: %s" % (g[0], g[1], g[2], g[3], g[4], g[5], NGX_LVL[level],
                                                               s.pid, s.pid, msg)), 1
    if rt == "envoy":
        return ("[%s.%s][%d][%s][%s] %s" % (ymd_hms(ts), frac(ts, 3), 14 + s.pid % 20, ENV_LVL[level],
                                            fields.get("logger", "upstream"), msg)), 1e-3
    if rt == "haproxy":
        return ("%s %s haproxy[%d]: %s" % (syslog_ts(ts), s.host, s.pid, msg)), 1
    if rt == "postgres":
        pid = fields.get("pid", s.pid)
        user = fields.get("user")
        pre = ("%s@%s " % (user, fields.get("db", "app"))) if (user and s.style) else ""
        head = "%s.%s UTC [%d] %s%s:  %s" % (ymd_hms(ts), frac(ts, 3), pid, pre, fields.get("pglevel") or PG_LVL[level], msg)
        if extra:
            head += "".join("\n%s.%s UTC [%d] %s%s" % (ymd_hms(ts), frac(ts, 3), pid, pre, e) for e in extra)
        return head, 1e-3
    if rt == "mysql":
        code = fields.get("code", "MY-010000")
        return ("%s %d [%s] [%s] [Server] %s" % (iso_z(ts, 6), fields.get("thread_id", 0), MY_LVL[level], code, msg)
                ), 1e-6
    if rt == "redis":
        g = gm(ts)
        return ("%d:%s %02d %s %04d %02d:%02d:%02d.%s %s %s" % (
            s.pid, fields.get("role", "M"), g[2], MONTHS[g[1] - 1], g[0], g[3], g[4], g[5], frac(ts, 3),
            RD_LVL[level], msg)), 1e-3
    if rt == "kafka":
        return ("[%s,%s] %s %s (%s)%s" % (ymd_hms(ts), frac(ts, 3), KF_LVL[level], msg,
                                          fields.get("logger", "kafka.server.KafkaServer"), tail)), 1e-3
    if rt == "rabbitmq":
        return ("%s [%s] <0.%d.0> %s" % (iso_local(ts, s.tz, 6, True, " "), RMQ_LVL[level], 700 + int(ts) % 9000, msg)
                ), 1e-6
    if rt == "mongodb":
        d = {"t": {"$date": iso_local(ts, s.tz, 3, True)}, "s": MG_LVL[level], "c": fields.get("c", "NETWORK"),
             "id": fields.get("id", 22943), "ctx": fields.get("ctx", "conn%d" % (100 + int(ts) % 900)), "msg": msg}
        if fields.get("attr"):
            d["attr"] = fields["attr"]
        return jdump(d), 1e-3
    if rt == "elasticsearch":
        return ("[%sT%s,%s][%s][%-32s] [%s] %s%s" % (ymd_hms(ts, "T")[:10], ymd_hms(ts)[11:], frac(ts, 3),
                                                    ES_LVL[level], fields.get("logger", "o.e.c.r.a.AllocationService"),
                                                    s.host, msg, tail)), 1e-3
    return ("%s %s %s" % (iso_z(ts, 3), level, msg)), 1e-3

# ----------------------------------------------------------------------------------------------
# wording of client-side failures, by language family
# ----------------------------------------------------------------------------------------------

ERR = {
    "timeout": {
        "java": 'I/O error on {m} request for "http://{h}:{port}{path}": Read timed out; nested exception is java.net.SocketTimeoutException: Read timed out',
        "go": '{M} "http://{h}:{port}{path}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
        "py": "HTTPConnectionPool(host='{h}', port={port}): Read timed out. (read timeout={sec})",
        "node": "timeout of {ms}ms exceeded",
        "dotnet": "The request was canceled due to the configured HttpClient.Timeout of {sec} seconds elapsing.",
        "ruby": "Net::ReadTimeout with #<TCPSocket:(closed)> calling {c}{path}",
        "rust": "error sending request for url (http://{h}:{port}{path}): operation timed out",
    },
    "refused": {
        "java": 'I/O error on {m} request for "http://{h}:{port}{path}": Connection refused; nested exception is java.net.ConnectException: Connection refused',
        "go": '{M} "http://{h}:{port}{path}": dial tcp {ip}:{port}: connect: connection refused',
        "py": "HTTPConnectionPool(host='{h}', port={port}): Max retries exceeded with url: {path} (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f3a2c1d9e50>: Failed to establish a new connection: [Errno 111] Connection refused'))",
        "node": "connect ECONNREFUSED {ip}:{port}",
        "dotnet": "Connection refused ({h}:{port})",
        "ruby": 'Failed to open TCP connection to {h}:{port} (Connection refused - connect(2) for "{h}" port {port})',
        "rust": "error sending request for url (http://{h}:{port}{path}): error trying to connect: tcp connect error: Connection refused (os error 111)",
    },
    "status": {
        "java": '{st} {reason}: "{{"error":"upstream failure","status":{st}}}" from {m} http://{h}:{port}{path}',
        "go": "unexpected status {st} from {c} {path}",
        "py": "Server error '{st} {reason}' for url 'http://{h}:{port}{path}'",
        "node": "Request failed with status code {st}",
        "dotnet": "Response status code does not indicate success: {st} ({reason}).",
        "ruby": "the server responded with status {st} ({c}{path})",
        "rust": "HTTP status server error ({st} {reason}) for url (http://{h}:{port}{path})",
    },
    "reset": {
        "java": "I/O error on {m} request for \"http://{h}:{port}{path}\": Connection reset; nested exception is java.net.SocketException: Connection reset",
        "go": "read tcp 10.{a}.{b}.{d}:{eph}->{ip}:{port}: read: connection reset by peer",
        "py": "('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))",
        "node": "read ECONNRESET",
        "dotnet": "An error occurred while sending the request. The response ended prematurely. ({h}:{port})",
        "ruby": "Connection reset by peer - SSL_connect ({c})",
        "rust": "connection error: Connection reset by peer (os error 104)",
    },
    "tls": {
        "java": "I/O error on {m} request for \"https://{h}:{port}{path}\": PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed",
        "go": '{M} "https://{h}:{port}{path}": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time {now} is after {exp}',
        "py": "HTTPSConnectionPool(host='{h}', port={port}): Max retries exceeded with url: {path} (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')))",
        "node": "certificate has expired (CERT_HAS_EXPIRED) calling https://{h}:{port}{path}",
        "dotnet": "The SSL connection could not be established, see inner exception. The remote certificate is invalid because of errors in the certificate chain: NotTimeValid",
        "ruby": "SSL_connect returned=1 errno=0 peeraddr={ip}:{port} state=error: certificate verify failed (certificate has expired)",
        "rust": "error sending request for url (https://{h}:{port}{path}): error trying to connect: invalid peer certificate: Expired",
    },
    "tls_ca": {
        "java": "I/O error on {m} request for \"https://{h}:{port}{path}\": PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target",
        "go": '{M} "https://{h}:{port}{path}": tls: failed to verify certificate: x509: certificate signed by unknown authority',
        "py": "HTTPSConnectionPool(host='{h}', port={port}): Max retries exceeded with url: {path} (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')))",
        "node": "unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE) calling https://{h}:{port}{path}",
        "dotnet": "The SSL connection could not be established, see inner exception. The remote certificate is invalid according to the validation procedure: RemoteCertificateChainErrors",
        "ruby": "SSL_connect returned=1 errno=0 peeraddr={ip}:{port} state=error: certificate verify failed (unable to get local issuer certificate)",
        "rust": "error trying to connect: invalid peer certificate: UnknownIssuer",
    },
    "dns": {
        "java": "I/O error on {m} request for \"http://{h}:{port}{path}\": {h}: Name or service not known; nested exception is java.net.UnknownHostException: {h}: Name or service not known",
        "go": '{M} "http://{h}:{port}{path}": dial tcp: lookup {h} on 10.96.0.10:53: no such host',
        "py": "HTTPConnectionPool(host='{h}', port={port}): Max retries exceeded with url: {path} (Caused by NameResolutionError(\"<urllib3.connection.HTTPConnection object at 0x7f1b9c0e2d10>: Failed to resolve '{h}' ([Errno -2] Name or service not known)\"))",
        "node": "getaddrinfo ENOTFOUND {h}",
        "dotnet": "Name or service not known ({h}:{port})",
        "ruby": "Failed to open TCP connection to {h}:{port} (getaddrinfo: Name or service not known)",
        "rust": "error sending request for url (http://{h}:{port}{path}): error trying to connect: dns error: failed to lookup address information: Name or service not known",
    },
    "dns_timeout": {
        "java": "I/O error on {m} request for \"http://{h}:{port}{path}\": {h}: Temporary failure in name resolution; nested exception is java.net.UnknownHostException: {h}: Temporary failure in name resolution",
        "go": '{M} "http://{h}:{port}{path}": dial tcp: lookup {h} on 10.96.0.10:53: read udp 10.{a}.{b}.{d}:{eph}->10.96.0.10:53: i/o timeout',
        "py": "HTTPConnectionPool(host='{h}', port={port}): Max retries exceeded with url: {path} (Caused by NameResolutionError(\"Failed to resolve '{h}' ([Errno -3] Temporary failure in name resolution)\"))",
        "node": "getaddrinfo EAI_AGAIN {h}",
        "dotnet": "Resource temporarily unavailable ({h}:{port})",
        "ruby": "Failed to open TCP connection to {h}:{port} (getaddrinfo: Temporary failure in name resolution)",
        "rust": "error trying to connect: dns error: failed to lookup address information: Temporary failure in name resolution",
    },
    "ratelimited": {
        "java": "429 Too Many Requests: \"{{\"message\":\"rate limit exceeded\",\"retry_after\":{ra}}}\" from {m} http://{h}:{port}{path}",
        "go": "{c}: rate limited (429), retry after {ra}s",
        "py": "Client error '429 Too Many Requests' for url 'http://{h}:{port}{path}'",
        "node": "Request failed with status code 429",
        "dotnet": "Response status code does not indicate success: 429 (Too Many Requests).",
        "ruby": "the server responded with status 429 ({c}{path})",
        "rust": "HTTP status client error (429 Too Many Requests) for url (http://{h}:{port}{path})",
    },
    "malformed": {
        "java": "Error while extracting response for type [class com.{pk}.client.{C}Response] and content type [application/json]; nested exception is com.fasterxml.jackson.databind.exc.MismatchedInputException: Cannot deserialize value of type `java.math.BigDecimal` from Object value (token `JsonToken.START_OBJECT`)",
        "go": "decode {c} response: json: cannot unmarshal object into Go struct field {C}Response.amount of type int64",
        "py": "1 validation error for {C}Response\namount\n  Input should be a valid number [type=float_type, input_value={{'value': 1299, 'currency': 'EUR'}}, input_type=dict]",
        "node": "Cannot read properties of undefined (reading 'toFixed')",
        "dotnet": "The JSON value could not be converted to System.Decimal. Path: $.amount | LineNumber: 0 | BytePositionInLine: 41.",
        "ruby": "undefined method `to_d' for {{\"value\"=>1299, \"currency\"=>\"EUR\"}}:Hash",
        "rust": "error decoding response body: invalid type: map, expected f64 at line 1 column 47",
    },
    "cb_open": {
        "java": "CircuitBreaker '{c}' is OPEN and does not permit further calls",
        "go": "{c}: circuit breaker is open",
        "py": "circuit breaker '{c}' is open, failing fast",
        "node": "Breaker is open: {c}",
        "dotnet": "The circuit is now open and is not allowing calls. ({c})",
        "ruby": "Circuitbox::OpenCircuitError: {c} circuit open",
        "rust": "circuit breaker for {c} is open; rejecting call",
    },
    "pool": {
        "java": "Failed to obtain JDBC Connection; nested exception is java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after {ms}ms.",
        "go": "failed to acquire connection from pool: context deadline exceeded (pool: max_conns={n}, acquired={n})",
        "py": "QueuePool limit of size {n} overflow 10 reached, connection timed out, timeout {sec}.00",
        "node": "timeout exceeded when trying to connect",
        "dotnet": "Timeout expired.  The timeout period elapsed prior to obtaining a connection from the pool.  This may have occurred because all pooled connections were in use and max pool size was reached.",
        "ruby": "could not obtain a connection from the pool within {sec}.000 seconds (waited {sec}.002 seconds); all pooled connections were in use",
        "rust": "pool timed out while waiting for an open connection",
    },
    "db_timeout": {
        "java": "PreparedStatementCallback; SQL [{sql}]; ERROR: canceling statement due to statement timeout; nested exception is org.postgresql.util.PSQLException: ERROR: canceling statement due to statement timeout",
        "go": "query {q}: context deadline exceeded",
        "py": "(psycopg2.errors.QueryCanceled) canceling statement due to statement timeout",
        "node": "Query read timeout",
        "dotnet": "Exception while reading from stream ---> System.TimeoutException: Timeout during reading attempt",
        "ruby": "PG::QueryCanceled: ERROR:  canceling statement due to statement timeout",
        "rust": "error returned from database: canceling statement due to statement timeout",
    },
    "db_refused": {
        "java": "Failed to obtain JDBC Connection; nested exception is org.postgresql.util.PSQLException: Connection to {h}:{port} refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.",
        "go": "dial tcp {ip}:{port}: connect: connection refused",
        "py": "(psycopg2.OperationalError) connection to server at \"{h}\" ({ip}), port {port} failed: Connection refused",
        "node": "connect ECONNREFUSED {ip}:{port}",
        "dotnet": "Failed to connect to {ip}:{port} ---> System.Net.Sockets.SocketException (111): Connection refused",
        "ruby": "PG::ConnectionBad: connection to server at \"{h}\" ({ip}), port {port} failed: Connection refused",
        "rust": "error communicating with database: Connection refused (os error 111)",
    },
    "db_err": {
        "java": "PreparedStatementCallback; SQL [{sql}]; {dberr}",
        "go": "query {q}: {dberr}",
        "py": "(psycopg2.errors.InternalError) {dberr}",
        "node": "{dberr}",
        "dotnet": "{dberr}",
        "ruby": "ActiveRecord::StatementInvalid: {dberr}",
        "rust": "error returned from database: {dberr}",
    },
    "cache_down": {
        "java": "Unable to connect to Redis; nested exception is io.lettuce.core.RedisConnectionException: Unable to connect to {h}/{ip}:{port}",
        "go": "redis: dial tcp {ip}:{port}: connect: connection refused",
        "py": "Error 111 connecting to {h}:{port}. Connection refused.",
        "node": "Redis connection to {h}:{port} failed - connect ECONNREFUSED {ip}:{port}",
        "dotnet": "It was not possible to connect to the redis server(s). UnableToConnect on {h}:{port}/Interactive",
        "ruby": "Error connecting to Redis on {h}:{port} (Errno::ECONNREFUSED)",
        "rust": "redis error: Connection refused (os error 111)",
    },
    "broker_err": {
        "java": "Failed to send; nested exception is org.apache.kafka.common.errors.TimeoutException: Expiring 12 record(s) for {topic}-3:120001 ms has passed since batch creation",
        "go": "kafka: failed to produce message to topic {topic}: kafka server: Request exceeded the user-specified time limit in the request",
        "py": "KafkaTimeoutError: Failed to update metadata after 60.0 secs.",
        "node": "KafkaJSNumberOfRetriesExceeded: Request Produce(key: 0, version: 7) timed out",
        "dotnet": "Confluent.Kafka.ProduceException: Local: Message timed out",
        "ruby": "Kafka::DeliveryFailed: Failed to send messages to {topic}/3",
        "rust": "Message production error: MessageTimedOut (Local: Message timed out)",
    },
    "auth": {
        "java": "401 Unauthorized: \"{{\"error\":\"invalid_token\",\"error_description\":\"{why}\"}}\" from {m} http://{h}:{port}{path}",
        "go": "{c} returned 401: {why}",
        "py": "Client error '401 Unauthorized' for url 'http://{h}:{port}{path}'",
        "node": "Request failed with status code 401",
        "dotnet": "Response status code does not indicate success: 401 (Unauthorized).",
        "ruby": "the server responded with status 401 ({c}{path})",
        "rust": "HTTP status client error (401 Unauthorized) for url (http://{h}:{port}{path})",
    },
    "db_auth": {
        "java": "Failed to obtain JDBC Connection; nested exception is org.postgresql.util.PSQLException: FATAL: password authentication failed for user \"{user}\"",
        "go": "failed to connect to `host={h} user={user} database={db}`: failed SASL auth (FATAL: password authentication failed for user \"{user}\" (SQLSTATE 28P01))",
        "py": "(psycopg2.OperationalError) connection to server at \"{h}\" ({ip}), port {port} failed: FATAL:  password authentication failed for user \"{user}\"",
        "node": "password authentication failed for user \"{user}\"",
        "dotnet": "28P01: password authentication failed for user \"{user}\"",
        "ruby": "PG::ConnectionBad: FATAL:  password authentication failed for user \"{user}\"",
        "rust": "error returned from database: password authentication failed for user \"{user}\"",
    },
}
ERR_BY_STORE = {
    "mysql": {
        "db_timeout": {"java": "PreparedStatementCallback; SQL [{sql}]; Statement cancelled due to timeout or client request; nested exception is com.mysql.cj.jdbc.exceptions.MySQLTimeoutException: Statement cancelled due to timeout or client request",
                       "go": "query {q}: context deadline exceeded", "py": "(pymysql.err.OperationalError) (3024, 'Query execution was interrupted, maximum statement execution time exceeded')",
                       "node": "Query inactivity timeout", "dotnet": "MySqlConnector.MySqlException (0x80004005): The Command Timeout expired before the operation completed.",
                       "ruby": "Mysql2::Error::TimeoutError: Timeout waiting for a response from the last query. (waited {sec} seconds)",
                       "rust": "error returned from database: 3024 (HY000): Query execution was interrupted, maximum statement execution time exceeded"},
        "db_refused": {"java": "Failed to obtain JDBC Connection; nested exception is com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure",
                       "go": "dial tcp {ip}:{port}: connect: connection refused", "py": "(pymysql.err.OperationalError) (2003, \"Can't connect to MySQL server on '{h}' ([Errno 111] Connection refused)\")",
                       "node": "connect ECONNREFUSED {ip}:{port}", "dotnet": "MySqlConnector.MySqlException (0x80004005): Unable to connect to any of the specified MySQL hosts.",
                       "ruby": "Mysql2::Error::ConnectionError: Can't connect to MySQL server on '{h}' (111)", "rust": "error communicating with database: Connection refused (os error 111)"},
        "db_auth": {"java": "Failed to obtain JDBC Connection; nested exception is java.sql.SQLException: Access denied for user '{user}'@'{ip}' (using password: YES)",
                    "go": "Error 1045 (28000): Access denied for user '{user}'@'{ip}' (using password: YES)",
                    "py": "(pymysql.err.OperationalError) (1045, \"Access denied for user '{user}'@'{ip}' (using password: YES)\")",
                    "node": "ER_ACCESS_DENIED_ERROR: Access denied for user '{user}'@'{ip}' (using password: YES)",
                    "dotnet": "MySqlConnector.MySqlException (0x80004005): Access denied for user '{user}'@'{ip}' (using password: YES)",
                    "ruby": "Mysql2::Error: Access denied for user '{user}'@'{ip}' (using password: YES)",
                    "rust": "error returned from database: 1045 (28000): Access denied for user '{user}'@'{ip}' (using password: YES)"},
    },
    "mongodb": {
        "db_timeout": {"java": "Query failed with error code 50 and error message 'operation exceeded time limit' on server {h}:{port}",
                       "go": "(MaxTimeMSExpired) operation exceeded time limit", "py": "pymongo.errors.ExecutionTimeout: operation exceeded time limit, full error: {{'ok': 0.0, 'errmsg': 'operation exceeded time limit', 'code': 50}}",
                       "node": "MongoServerError: operation exceeded time limit", "dotnet": "MongoDB.Driver.MongoExecutionTimeoutException: Command find failed: operation exceeded time limit.",
                       "ruby": "Mongo::Error::OperationFailure: [50:MaxTimeMSExpired]: operation exceeded time limit", "rust": "Kind: Command failed: Error code 50 (MaxTimeMSExpired): operation exceeded time limit"},
        "db_refused": {"java": "Timed out after 30000 ms while waiting to connect. Client view of cluster state is {{type=UNKNOWN, servers=[{{address={h}:{port}, type=UNKNOWN, state=CONNECTING, exception={{com.mongodb.MongoSocketOpenException: Exception opening socket}}}}]",
                       "go": "server selection error: context deadline exceeded, current topology: {{ Type: Unknown, Servers: [{{ Addr: {h}:{port}, Type: Unknown, Last error: dial tcp {ip}:{port}: connect: connection refused }}, ] }}",
                       "py": "pymongo.errors.ServerSelectionTimeoutError: {h}:{port}: [Errno 111] Connection refused",
                       "node": "MongoServerSelectionError: connect ECONNREFUSED {ip}:{port}", "dotnet": "A timeout occurred after 30000ms selecting a server using CompositeServerSelector.",
                       "ruby": "Mongo::Error::NoServerAvailable: No primary server is available in cluster", "rust": "Server selection timeout: No available servers."},
    },
    "elasticsearch": {
        "db_timeout": {f: "search request to {h}:{port} timed out after {ms}ms (index {db})" for f in ("java", "go", "py", "node", "dotnet", "ruby", "rust")},
        "db_refused": {f: "NoNodesAvailable: all configured nodes are unavailable ({h}:{port}): connection refused" for f in ("java", "go", "py", "node", "dotnet", "ruby", "rust")},
        "db_err": {f: "elasticsearch returned 429: {dberr}" for f in ("java", "go", "py", "node", "dotnet", "ruby", "rust")},
    },
}
EXC = {  # exception class names for stack traces
    "timeout": {"java": "org.springframework.web.client.ResourceAccessException", "py": "requests.exceptions.ReadTimeout",
                "dotnet": "System.Threading.Tasks.TaskCanceledException", "ruby": "Net::ReadTimeout",
                "node": "AxiosError"},
    "refused": {"java": "org.springframework.web.client.ResourceAccessException", "py": "requests.exceptions.ConnectionError",
                "dotnet": "System.Net.Http.HttpRequestException", "ruby": "Errno::ECONNREFUSED", "node": "Error"},
    "status": {"java": "org.springframework.web.client.HttpServerErrorException", "py": "httpx.HTTPStatusError",
               "dotnet": "System.Net.Http.HttpRequestException", "ruby": "Faraday::ServerError", "node": "AxiosError"},
    "tls": {"java": "org.springframework.web.client.ResourceAccessException", "py": "requests.exceptions.SSLError",
            "dotnet": "System.Net.Http.HttpRequestException", "ruby": "OpenSSL::SSL::SSLError", "node": "Error"},
    "pool": {"java": "org.springframework.jdbc.CannotGetJdbcConnectionException", "py": "sqlalchemy.exc.TimeoutError",
             "dotnet": "System.InvalidOperationException", "ruby": "ActiveRecord::ConnectionTimeoutError", "node": "Error"},
    "malformed": {"java": "org.springframework.web.client.RestClientException", "py": "pydantic_core._pydantic_core.ValidationError",
                  "dotnet": "System.Text.Json.JsonException", "ruby": "NoMethodError", "node": "TypeError"},
    "cache_down": {"java": "org.springframework.data.redis.RedisConnectionFailureException", "py": "redis.exceptions.ConnectionError",
                   "dotnet": "StackExchange.Redis.RedisConnectionException", "ruby": "Redis::CannotConnectError", "node": "Error"},
    "db_auth": {"java": "org.springframework.jdbc.CannotGetJdbcConnectionException", "py": "sqlalchemy.exc.OperationalError",
                "dotnet": "Npgsql.PostgresException", "ruby": "PG::ConnectionBad", "node": "error"},
    "db_timeout": {"java": "org.springframework.dao.QueryTimeoutException", "py": "sqlalchemy.exc.OperationalError",
                   "dotnet": "Npgsql.NpgsqlException", "ruby": "ActiveRecord::QueryCanceled", "node": "Error"},
    "db_refused": {"java": "org.springframework.jdbc.CannotGetJdbcConnectionException", "py": "sqlalchemy.exc.OperationalError",
                   "dotnet": "Npgsql.NpgsqlException", "ruby": "ActiveRecord::ConnectionNotEstablished", "node": "Error"},
}
CAUSE = {
    "timeout": "java.net.SocketTimeoutException: Read timed out",
    "refused": "java.net.ConnectException: Connection refused",
    "reset": "java.net.SocketException: Connection reset",
    "tls": "java.security.cert.CertificateExpiredException: NotAfter: Mon Nov 30 23:59:59 UTC 2026",
    "tls_ca": "sun.security.validator.ValidatorException: PKIX path building failed",
    "dns": "java.net.UnknownHostException: {h}: Name or service not known",
    "dns_timeout": "java.net.UnknownHostException: {h}: Temporary failure in name resolution",
    "pool": "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after {ms}ms.",
    "db_timeout": "org.postgresql.util.PSQLException: ERROR: canceling statement due to statement timeout",
    "db_refused": "java.net.ConnectException: Connection refused",
    "cache_down": "io.lettuce.core.RedisConnectionException: Unable to connect to {h}:{port}",
    "malformed": "com.fasterxml.jackson.databind.exc.MismatchedInputException: Cannot deserialize value of type `java.math.BigDecimal` from Object value",
    "db_auth": "org.postgresql.util.PSQLException: FATAL: password authentication failed for user \"{user}\"",
}


STORE_CAUSE = {
    "mysql": {"db_timeout": "com.mysql.cj.jdbc.exceptions.MySQLTimeoutException: Statement cancelled due to timeout or client request",
              "db_refused": "com.mysql.cj.exceptions.CJCommunicationsException: Communications link failure",
              "db_auth": "java.sql.SQLException: Access denied for user '{user}'@'{ip}' (using password: YES)"},
    "mongodb": {"db_timeout": "com.mongodb.MongoExecutionTimeoutException: operation exceeded time limit",
                "db_refused": "com.mongodb.MongoSocketOpenException: Exception opening socket"},
    "elasticsearch": {"db_timeout": "java.net.SocketTimeoutException: 30,000 milliseconds timeout on connection http-outgoing-3 [ACTIVE]",
                      "db_refused": "java.net.ConnectException: Connection refused"},
}


def has_exc_prefix(msg: str) -> bool:
    head = msg.split(" ", 1)[0].rstrip(":")
    return ("." in head or head.endswith(("Error", "Exception"))) and (head.endswith(("Error", "Exception", "Timeout", "Failure")) or "Exception" in head)


def camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.replace("_", "-").split("-") if p)


def java_frames(rng, pkg, cls, n):
    base = ["org.springframework.web.client.RestTemplate.doExecute(RestTemplate.java:785)",
            "org.springframework.web.client.RestTemplate.execute(RestTemplate.java:711)",
            "org.springframework.jdbc.core.JdbcTemplate.execute(JdbcTemplate.java:651)",
            "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)",
            "io.github.resilience4j.retry.Retry.lambda$decorateCheckedSupplier$3(Retry.java:216)",
            "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:166)",
            "org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:883)",
            "java.base/java.lang.Thread.run(Thread.java:833)"]
    own = ["com.%s.%s.%sClient.call(%sClient.java:%d)" % (pkg, cls.lower(), cls, cls, 40 + rng.randrange(90)),
           "com.%s.service.%sService.handle(%sService.java:%d)" % (pkg, cls, cls, 20 + rng.randrange(200)),
           "com.%s.web.%sController.post(%sController.java:%d)" % (pkg, cls, cls, 30 + rng.randrange(80))]
    fr = [base[rng.randrange(4)]] + own + base[5:]
    return ["\tat " + f for f in fr[:n]]


def stack_for(rng, s: Svc, kind: str, msg: str, vals: dict):
    """Extra lines (stack trace / traceback) for an error, or None."""
    if rng.random() > s.stack_p:
        return None
    fam = s.fam
    cls = camel(vals.get("c", s.name))
    exc = EXC.get(kind, {}).get(fam)
    if fam == "java":
        lines = java_frames(rng, s.pkg, cls, 4 + rng.randrange(4))
        store = vals.get("store", "postgres")
        cause = STORE_CAUSE.get(store, {}).get(kind) if store in STORE_CAUSE and kind.startswith("db") else CAUSE.get(kind)
        out = []
        out += lines
        if cause:
            out.append("Caused by: " + cause.format(**vals))
            if kind.startswith("db") or kind == "pool":
                fr2 = ("org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2713)",
                       "org.postgresql.jdbc.PgPreparedStatement.executeQuery(PgPreparedStatement.java:134)")
            else:
                fr2 = ("java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:283)",
                       "java.base/java.net.Socket$SocketInputStream.read(Socket.java:966)")
            out += ["\tat " + x for x in fr2][:1 + rng.randrange(2)]
            out.append("\t... %d common frames omitted" % (20 + rng.randrange(40)))
        first = msg.split("; nested exception")[0]
        return [first if has_exc_prefix(first) else (exc or "java.lang.IllegalStateException") + ": " + first] + out
    if fam == "py":
        mod = s.name.replace("-", "_")
        out = ["Traceback (most recent call last):",
               '  File "/app/%s/handlers.py", line %d, in handle' % (mod, 30 + rng.randrange(150)),
               "    result = await self.client.%s(payload)" % vals.get("op", "call"),
               '  File "/app/%s/clients/%s.py", line %d, in %s' % (mod, vals.get("c", "db").replace("-", "_"), 10 + rng.randrange(90), vals.get("op", "call")),
               "    resp.raise_for_status()" if kind == "status" else "    return self._session.request(method, url, timeout=self.timeout)",
               msg if has_exc_prefix(msg) else "%s: %s" % (exc or "RuntimeError", msg)]
        return out
    if fam == "node":
        return ["    at %s (/usr/src/app/dist/clients/%s.js:%d:%d)" % (vals.get("op", "call"), vals.get("c", "db"), 10 + rng.randrange(200), 5 + rng.randrange(30)),
                "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
                "    at async Router.handle (/usr/src/app/dist/routes/index.js:%d:%d)" % (10 + rng.randrange(90), 3 + rng.randrange(20))]
    if fam == "dotnet":
        head = msg if has_exc_prefix(msg) else "%s: %s" % (exc or "System.Exception", msg)
        return [head,
                "   at %s.Clients.%sClient.SendAsync(HttpRequestMessage request, CancellationToken ct) in /src/Clients/%sClient.cs:line %d" % (camel(s.name), cls, cls, 20 + rng.randrange(100)),
                "   at %s.Services.Handler.ExecuteAsync() in /src/Services/Handler.cs:line %d" % (camel(s.name), 10 + rng.randrange(150)),
                "   at Microsoft.AspNetCore.Routing.EndpointMiddleware.<Invoke>g__AwaitRequestTask|6_0(Endpoint endpoint, Task requestTask, ILogger logger)"]
    if fam == "ruby":
        return ["app/services/%s_client.rb:%d:in `call'" % (vals.get("c", "db").replace("-", "_"), 10 + rng.randrange(80)),
                "app/controllers/api/v1/%s_controller.rb:%d:in `create'" % (s.name.replace("-", "_"), 5 + rng.randrange(60))]
    if fam == "go" and kind == "panic":
        return None
    return None

# ----------------------------------------------------------------------------------------------
# topology
# ----------------------------------------------------------------------------------------------

EPOCH_2026 = 1767225600
INF = float("inf")
APP_ROLES = ("api", "mid", "consumer")
DS_ROLES = ("db", "cache", "broker", "search")
SQL = ["SELECT id, status, total FROM {t} WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20",
       "UPDATE {t} SET status = $1, updated_at = now() WHERE id = $2",
       "INSERT INTO {t} (id, payload, created_at) VALUES ($1, $2, now())",
       "SELECT count(*) FROM {t} WHERE created_at > $1 AND state = 'open'",
       "SELECT * FROM {t} t JOIN {t}_items i ON i.{t}_id = t.id WHERE t.id = ANY($1)"]


class Case:
    def __init__(self, seed: int, idx: int, fault_kind: str):
        self.seed, self.idx = seed, idx
        self.rng = random.Random(seed * 1000003 + idx * 7919 + 17)
        self.trng = random.Random(seed * 1000033 + idx * 104729 + 5)   # traffic randomness
        self.kind = fault_kind
        self.svcs: dict[str, Svc] = {}
        self.order: list[str] = []
        self.herrings = []
        self.herring_state = {}      # name -> list of (t0, t1, mode, lat, p)
        self.status_checkers = []
        self.lag_fn = None
        self.reqn = 0
        self.topics = {}

    # -- topology --------------------------------------------------------------------------
    def add(self, name, role, rt):
        base = name
        k = 2
        while name in self.svcs:
            name = "%s-%d" % (base, k)
            k += 1
        s = Svc(name, role, rt)
        r = self.rng
        s.style = r.randrange(2)
        s.style2 = r.randrange(3)
        s.pid = 1 if r.random() < 0.5 else r.randrange(7, 400)
        s.ip = "10.%d.%d.%d" % (r.randrange(0, 255), r.randrange(0, 255), r.randrange(2, 250))
        s.pkg = pick(r, ["acme", "example", "corp", "shopco", "northwind", "contoso", "initech"])
        s.logger = self.logger_name(s)
        if r.random() < 0.45:
            s.skew = round(r.uniform(-3.5, 3.5), 3)
        else:
            s.skew = round(r.uniform(-0.25, 0.25), 3)
        s.tz = pick(r, [0, 0, 0, 60, 120, -300, 330, -480, 540]) if r.random() < 0.35 else 0
        self.svcs[name] = s
        self.order.append(name)
        return s

    def logger_name(self, s):
        c = camel(s.name)
        fam = s.fam
        if fam == "java":
            return pick(self.rng, ["c.%s.%s.web.%sController" % (s.pkg[:1], s.name.replace("-", "")[:8], c),
                                   "com.%s.%s.service.%sService" % (s.pkg, s.name.replace("-", ""), c),
                                   "o.s.web.servlet.DispatcherServlet"])
        if fam == "py":
            return pick(self.rng, ["%s.api" % s.name.replace("-", "_"), "app.handlers", "%s.views" % s.name.replace("-", "_")])
        if fam == "dotnet":
            return "%s.Controllers.%sController" % (c, c)
        if fam == "rust":
            return pick(self.rng, ["%s::http" % s.name.replace("-", "_"), "tower_http::trace::on_response", "%s::handlers" % s.name.replace("-", "_")])
        return s.name

    def build(self):
        r = self.rng
        kind = self.kind
        dom = pick(r, sorted(DOMAINS))
        words = list(DOMAINS[dom])
        r.shuffle(words)
        if r.random() < 0.3:
            other = list(DOMAINS[pick(r, sorted(DOMAINS))])
            r.shuffle(other)
            words = words[:5] + [w for w in other if w not in words]
        sfx = pick(r, SUFFIXES)
        self.dom = dom
        total = r.randint(4, 12)
        has_edge = r.random() < 0.65
        need_cache = kind == "cache_down"
        need_broker = kind == "consumer_lag"
        need_db = kind in ("pool_exhaustion", "migration_lock", "expired_credentials") or r.random() < 0.88
        dbs = []
        if need_db:
            dbs.append(pick(r, ["postgres", "postgres", "postgres", "mysql", "mysql", "mongodb"]) if kind != "migration_lock"
                       else pick(r, ["postgres", "postgres", "mysql"]))
            if kind in ("expired_credentials", "pool_exhaustion") and dbs[0] == "mongodb":
                dbs[0] = "postgres"
            if r.random() < 0.15 and total >= 8:
                dbs.append(pick(r, ["elasticsearch", "mongodb", "mysql"]))
        cache = need_cache or r.random() < 0.45
        broker = need_broker or (r.random() < 0.35 and total >= 6)
        cron = r.random() < 0.35 or kind == "migration_lock"
        n_fixed = (1 if has_edge else 0) + len(dbs) + (1 if cache else 0) + (2 if broker else 0) + (1 if cron else 0)
        n_apps = max(2, total - n_fixed)
        if total - n_fixed < 2 and not need_cache and cache:
            cache = False
        # ---- create services
        wi = 0

        def nxt():
            nonlocal wi
            w = words[wi % len(words)]
            if wi >= len(words):
                w = w + "-" + pick(r, ["v2", "ng", "core", "edge", "internal"])
            wi += 1
            return w + pick(r, sfx)

        if has_edge:
            ert = pick(r, ["nginx", "nginx", "envoy", "envoy", "haproxy"])
            e = self.add(pick(r, EDGE_NAMES), "edge", ert)
            e.host = pick(r, ["lb-1", "edge-a", "ip-10-0-1-12", "proxy01", e.name])
        n_entry = 1 if n_apps <= 3 else r.randint(1, 2)
        apps = []
        for i in range(n_apps):
            role = "api" if i < n_entry else "mid"
            a = self.add(nxt(), role, pick(r, APP_RUNTIMES))
            apps.append(a)
        ds = []
        for d in dbs:
            nm = pick(r, DS_NAMES[d]).format(d=words[0].split("-")[0])
            s = self.add(nm, DS_KIND[d], d)
            ds.append(s)
        if cache:
            ds.append(self.add(pick(r, DS_NAMES["redis"]).format(d=words[1].split("-")[0]), "cache", "redis"))
        consumers = []
        if broker:
            b = pick(r, ["kafka", "kafka", "rabbitmq"])
            bs = self.add(pick(r, DS_NAMES[b]).format(d=words[0]), "broker", b)
            ds.append(bs)
            cn = pick(r, CONSUMER_NAMES).format(d=words[2 % len(words)].split("-")[0])
            consumers.append(self.add(cn, "consumer", pick(r, APP_RUNTIMES)))
        crons = []
        if cron:
            if kind == "migration_lock":
                cname = pick(r, ["db-migrate", "schema-migrator", "flyway-runner", "migrations", "alembic-upgrade"])
            else:
                cname = pick(r, CRON_NAMES)
            crons.append(self.add(cname, "cron", pick(r, APP_RUNTIMES)))
        externals = []
        for i in range(r.choice([0, 1, 1, 2])):
            x = pick(r, EXTERNALS)
            if x not in self.svcs:
                externals.append(self.add(x, "external", "external"))
        if kind == "expired_credentials" and not externals and r.random() < 0.5:
            externals.append(self.add(pick(r, EXTERNALS), "external", "external"))
        self.apps, self.ds, self.consumers, self.crons, self.externals = apps, ds, consumers, crons, externals
        self.edge = self.svcs[self.order[0]] if has_edge else None
        self.entries = [a for a in apps if a.role == "api"]
        mids = [a for a in apps if a.role == "mid"]
        # ---- wiring
        def wire(a, b, p):
            if all(c != b.name for c, _ in a.callees):
                a.callees.append((b.name, p))
                b.callers.append(a.name)
        if self.edge:
            for en in self.entries:
                wire(self.edge, en, 1.0)
        for en in self.entries:
            for m in r.sample(mids, min(len(mids), r.randint(1, 3))) if mids else []:
                wire(en, m, round(r.uniform(0.35, 1.0), 2))
        for i, m in enumerate(mids):
            if not m.callers:
                wire(pick(r, self.entries), m, round(r.uniform(0.3, 0.9), 2))
            for m2 in mids[i + 1:]:
                if r.random() < 0.3:
                    wire(m, m2, round(r.uniform(0.3, 0.8), 2))
        for d in ds:
            users = [a for a in apps if a.role == "mid"] or apps
            if d.role == "broker":
                for a in r.sample(apps, min(len(apps), r.randint(1, 2))):
                    wire(a, d, round(r.uniform(0.3, 0.8), 2))
            elif d.role == "cache":
                for a in r.sample(apps, min(len(apps), r.randint(1, 3))):
                    wire(a, d, 1.0)
            elif d.role == "search":
                wire(pick(r, apps), d, round(r.uniform(0.4, 0.9), 2))
            else:
                k = r.randint(1, min(3, len(users)))
                for a in r.sample(users, k):
                    wire(a, d, round(r.uniform(0.6, 1.0), 2))
                if r.random() < 0.5:
                    wire(pick(r, apps), d, round(r.uniform(0.5, 1.0), 2))
        dbl = [d for d in ds if d.role == "db"]
        for a in apps:   # cache users also hit the db on a miss
            for c, _ in list(a.callees):
                if self.svcs[c].role == "cache" and dbl and not any(self.svcs[x].role == "db" for x, _ in a.callees):
                    wire(a, dbl[0], 0.25)
        for c in consumers:
            if dbl:
                wire(c, pick(r, dbl), 1.0)
            if mids and r.random() < 0.5:
                wire(c, pick(r, mids), 0.5)
        for c in crons:
            if dbl:
                wire(c, pick(r, dbl), 1.0)
            elif apps:
                wire(c, pick(r, apps), 1.0)
        for x in externals:
            wire(pick(r, apps), x, round(r.uniform(0.2, 0.7), 2))
        if kind == "expired_credentials" and externals and not externals[0].callers:
            wire(pick(r, apps), externals[0], 0.5)
        # ---- per-service behaviour
        paths_vocab = ["/api/v1/{w}", "/api/v1/{w}/{{id}}", "/v2/{w}", "/{w}/search", "/internal/{w}/sync",
                       "/api/{w}/batch", "/v1/{w}/{{id}}/status", "/graphql"]
        for a in self.svcs.values():
            w = a.name.split("-")[0]
            a.paths = [pick(r, paths_vocab).format(w=w) for _ in range(r.randint(2, 5))]
            a.base_ms = {"db": r.uniform(2, 20), "search": r.uniform(5, 30), "cache": r.uniform(0.3, 2),
                         "broker": r.uniform(1, 5)}.get(a.role, r.uniform(3, 40))
            a.slow_ms = {"postgres": pick(r, [100, 200, 250, 500, 1000]), "mongodb": 100,
                         "elasticsearch": pick(r, [500, 1000])}.get(a.rt, 1000)
            a.timeout_ms = pick(r, [1000, 2000, 3000, 5000, 5000, 10000, 15000, 30000])
            a.db_timeout = pick(r, [2000, 3000, 5000, 10000, 30000])
            a.retries = pick(r, [0, 0, 1, 1, 2, 3])
            a.cb = r.random() < 0.35
            a.trace = r.random() < 0.45
            a.access = r.random() < 0.75 or a.role == "api"
            a.info_p = pick(r, [1.0, 1.0, 0.5, 0.2])
            a.stack_p = pick(r, [0.0, 0.3, 0.8, 1.0])
            a.stats = r.random() < 0.6 or not a.access
            a.gc = a.fam == "java" and r.random() < 0.5
            a.replicas = r.choice([1, 1, 2, 2, 3]) if a.role in APP_ROLES else 1
            a.version = "%d.%d.%d" % (r.randint(1, 4), r.randint(0, 30), r.randint(0, 12))
            a.port = PORTS.get(a.rt, pick(r, [8080, 8080, 3000, 8000, 5000, 9090, 80]))
            if not a.host:
                a.host = a.name
            for c, _ in a.callees:
                if self.svcs[c].role == "cache" and r.random() < 0.8:
                    a.fallback.add(c)
                elif self.svcs[c].role in ("mid", "external") and r.random() < 0.25:
                    a.fallback.add(c)

    # -- simulation core -------------------------------------------------------------------
    OK = (None, 1.0, 0.0)

    def state(self, name, t):
        st = self.fault.state(name, t)
        if st is not None:
            return st
        for t0, t1, mode, lat, p in self.herring_state.get(name, ()):
            if t0 <= t < t1:
                return (mode, lat, p)
        return Case.OK

    def is_root(self, s):
        return s is self.root

    def alog(self, s, t, level, msg, extra=None, fields=None, kind="LOG", anom=None):
        if s is self.root and self.fault.no_root_errors and level in ("ERROR", "FATAL") and t >= self.fs:
            level = "WARN"     # latency-only faults: the root itself only ever warns
        if anom is None:
            anom = s is self.root and t >= self.fs and level in ("WARN", "ERROR", "FATAL")
        s.log(t, level, msg, extra, fields, anom, kind)

    def vals(self, s, c, ctx, **kw):
        tr = self.trng
        host = kw.pop("host", None) or c.name
        v = {"c": c.name, "h": host, "port": c.port, "path": pick(tr, c.paths).replace("{id}", str(1000 + int(tr.random() * 90000))),
             "m": "POST", "M": "Post", "ms": s.timeout_ms, "sec": max(1, s.timeout_ms // 1000), "st": 500,
             "reason": "Internal Server Error", "ip": c.ip, "a": 0, "b": 1 + int(tr.random() * 200),
             "d": 2 + int(tr.random() * 250), "eph": 32768 + int(tr.random() * 28000),
             "pk": s.pkg, "C": camel(c.name), "sql": pick(tr, SQL).format(t=self.table),
             "q": pick(tr, ["SelectOrders", "UpdateStatus", "InsertEvent", "CountOpen"]),
             "dberr": "ERROR: internal error", "topic": self.topic, "user": s.name.replace("-", "_"),
             "db": self.table, "why": "token expired", "n": 10, "ra": 30, "now": "", "exp": "", "store": c.rt}
        if tr.random() < 0.5:
            v["m"], v["M"] = "GET", "Get"
        v.update(kw)
        return v

    def err_line(self, s, c, kind, t, ctx, level="ERROR", **kw):
        fam = s.fam if s.fam in ERR["timeout"] else "go"
        tmpl = ERR_BY_STORE.get(c.rt, {}).get(kind, ERR.get(kind, ERR["status"])).get(fam)
        v = self.vals(s, c, ctx, **kw)
        if kind == "tls":
            v["now"] = iso_z(t + s.skew_at(t), 0)
            v["exp"] = iso_z(self.cert_exp - 1, 0)
        msg = tmpl.format(**v)
        if c.role in ("db", "cache", "broker", "search") and kind in ("dns", "dns_timeout"):
            msg = {"go": "dial tcp: lookup %s on 10.96.0.10:53: no such host" % v["h"]}.get(fam, msg)
        lead = self.lead(s, c, kind, ctx)
        extra = stack_for(self.trng, s, kind, msg, v) if level == "ERROR" else None
        fields = {}
        if ctx and s.trace and ctx.get("trace"):
            fields["trace"] = ctx["trace"]
        if s.rt in ("go-zap", "py-structlog", "node-pino", "dotnet-clef", "go-logrus", "rust-tracing"):
            fields["upstream"] = c.name
            fields["error"] = msg
            text = lead
        else:
            text = lead + ": " + msg if lead else msg
        self.alog(s, t, level, text, extra, fields)

    def lead(self, s, c, kind, ctx):
        fam = s.fam
        st = s.style2
        if c.role == "db":
            return pick(self.trng, [["query failed", "database error", "failed to load %s" % self.table, "could not persist %s" % self.table[:-1]],
                                    ["repository call failed", "db error"], ["%s lookup failed" % self.table[:-1], "save %s failed" % self.table[:-1]]][st])
        if c.role == "cache":
            return ["cache unavailable", "redis error", "cache lookup failed, falling through to database"][st]
        if c.role == "broker":
            return ["failed to publish event to %s" % self.topic, "producer error", "could not enqueue %s message" % self.topic][st]
        if fam == "java":
            return ["Request to %s failed" % c.name, "Downstream call failed [service=%s]" % c.name, "%sClient error" % camel(c.name)][st]
        if fam == "go":
            return ["upstream call failed", "request to %s failed" % c.name, "rpc error"][st]
        if fam == "py":
            return ["Error calling %s" % c.name, "upstream %s failed" % c.name, "%s client error" % c.name][st]
        if fam == "node":
            return ["%s request failed" % c.name, "upstream error", "call %s failed" % c.name][st]
        if fam == "dotnet":
            return ["Call to %s failed" % c.name, "HTTP request to %s failed" % c.name, "Upstream error"][st]
        if fam == "ruby":
            return ["%s error" % camel(c.name), "upstream call to %s failed" % c.name, "%sClient failed" % camel(c.name)][st]
        return ["call to %s failed" % c.name, "upstream request failed", "%s unavailable" % c.name][st]

    def handle(self, s, t, caller, ctx):
        tr = self.trng
        mode, lat, p = self.state(s.name, t)
        if mode is not None:
            if mode == "down":
                return 0, 1.0, "refused"
            if mode == "hang":
                return 0, INF, "hang"
            if mode in ("tls", "tls_ca"):
                self.fault.on_tls(self, s, t, caller)
                return 0, 15.0, mode
            if mode == "drop" and tr.random() < p:
                return 0, INF, "hang"
            if mode == "429" and tr.random() < p:
                self.fault.on_limited(self, s, t, caller, ctx)
                return 429, 2.0, "429"
        if s.role in DS_ROLES:
            return self.ds_handle(s, t, caller, ctx, mode, lat, p)
        if s.role == "external":
            return 200, tr.uniform(60, 400), "ok"
        dur = s.base_ms * tr.lognormvariate(0, 0.4)
        status, out = 200, "ok"
        for cname, prob in s.callees:
            if tr.random() >= prob:
                continue
            c = self.svcs[cname]
            st2, d2, o2 = self.call(s, c, t + dur / 1000.0, ctx)
            dur += d2
            if o2 != "ok":
                status = {"timeout": 504, "refused": 503, "cb": 503, "429": 429}.get(o2, 500)
                if c.role == "cache":
                    continue
                out = "err"
                break
        if mode is not None:
            if mode in ("err", "errslow") and out == "ok" and tr.random() < p:
                dur += self.fault.own_error(self, s, t + dur / 1000.0, ctx, caller) or 0
                status, out = (503 if s is not self.root else self.fault.err_status), "err"
            if lat != 1.0:
                dur = (dur + 15.0) * lat
            if mode == "malformed" and out == "ok" and tr.random() < p:
                out = "malformed"
        if status == 200 and tr.random() < 0.02:
            status = pick(tr, [400, 404, 404, 401, 409, 422])
        if s in self.status_checkers and out == "ok" and self.lag_fn and tr.random() < 0.1:
            lag = self.lag_fn(t)
            if lag > 25:
                self.alog(s, t + dur / 1000.0 + 30, "ERROR" if tr.random() < 0.7 else "WARN",
                          "timed out waiting for %s confirmation of %s %d (waited 30s)" % (
                              self.topic, self.table[:-1], 100000 + int(tr.random() * 900000)))
                dur += 30000
                status, out = 504, "err"
        te = t + dur / 1000.0
        if s.access and (status >= 500 or tr.random() < s.info_p):
            path = ctx.get("cpath") if (caller is None or caller.role == "edge") else pick(tr, s.paths)
            if "{" in path:
                path = path.replace("{id}", str(1000 + int(tr.random() * 900000)))
            f = {"method": ctx.get("method", "GET"), "path": path, "status": status,
                 "dur": int(dur), "client": caller.ip if caller else ctx.get("client", "10.0.0.1")}
            if s.trace and ctx.get("trace"):
                f["trace"] = ctx["trace"]
            anom = s is self.root and t >= self.fs and (status >= 500 or lat >= 2.5)
            if anom and self.fault.no_root_errors:
                f["_warn"] = 1
            s.log(te, "INFO", "", None, f, anom, "ACCESS")
        if s is self.root and t >= self.fs:
            self.fault.on_request(self, s, t, dur, status, ctx)
        return status, dur, out

    def ds_handle(self, s, t, caller, ctx, mode, lat, p):
        tr = self.trng
        dur = s.base_ms * tr.lognormvariate(0, 0.5) * lat
        if tr.random() < 0.0006 and not (caller is self.root and self.fault.no_root_errors):
            dur += tr.uniform(900, 3500)      # the odd report query
        if mode in ("err", "errslow") and tr.random() < p:
            self.fault.own_error(self, s, t, ctx, caller)
            return 500, dur, "err"
        if mode == "hangp" and tr.random() < p:
            self.fault.on_request(self, s, t, INF, 0, ctx)
            return 0, INF, "hang"
        if dur > s.slow_ms and s.rt in ("postgres", "mongodb", "elasticsearch"):
            self.slow_line(s, t + dur / 1000.0, dur, caller)
        return 200, dur, "ok"

    def slow_line(self, s, t, dur, caller):
        tr = self.trng
        anom = s is self.root and t >= self.fs
        if s.rt == "postgres":
            s.log(t, "INFO", "duration: %.3f ms  statement: %s" % (dur, pick(tr, SQL).format(t=self.table)), None,
                  {"pid": 1000 + int(tr.random() * 9000), "user": (caller.name if caller else "app").replace("-", "_"),
                   "db": self.table}, anom)
        elif s.rt == "mongodb":
            s.log(t, "INFO", "Slow query", None, {"c": "COMMAND", "id": 51803, "attr": {
                "type": "command", "ns": "%s.%s" % (self.dom, self.table), "command": {"find": self.table},
                "planSummary": pick(tr, ["COLLSCAN", "IXSCAN { customerId: 1 }"]), "durationMillis": int(dur)}}, anom)
        elif s.rt == "elasticsearch":
            s.log(t, "WARN", "[%s][%d] took[%.1fs], took_millis[%d], total_hits[%d hits], types[], stats[], search_type[QUERY_THEN_FETCH], total_shards[5], source[{\"query\":{\"match\":{\"name\":\"...\"}}}]" % (
                self.table, int(tr.random() * 5), dur / 1000.0, int(dur), int(tr.random() * 5000)), None,
                  {"logger": "i.s.s.query"}, anom)

    def call(self, s, c, t, ctx):
        tr = self.trng
        cbs = None
        if s.cb and c.role in ("mid", "api", "external", "search"):
            cbs = s.cb_state.get(c.name)
            if cbs is None:
                cbs = s.cb_state[c.name] = [[], 0.0, False]
            if cbs[1] > t:
                if tr.random() < 0.35:
                    self.err_line(s, c, "cb_open", t, ctx, level="WARN" if c.name in s.fallback else "ERROR")
                if c.name in s.fallback:
                    return 200, 1.0, "ok"
                return 503, 1.0, "cb"
            if cbs[2] and cbs[1] <= t:
                cbs[2] = False
                self.alog(s, t, "INFO", self.cb_text(s, c, "OPEN", "HALF_OPEN"))
        retries = self.fault.retries(s, c, t)
        attempts = 1 + (retries if c.role in ("mid", "api", "external") else 0)
        total = 0.0
        status, out = 0, "ok"
        for a in range(attempts):
            tt = t + total / 1000.0
            pre = self.fault.outbound(self, s, c, tt, ctx)
            if pre is not None:
                status, dur, out = pre
            else:
                status, dur, out = self.handle(c, tt, s, ctx)
            if c.role in ("db", "search"):
                limit = s.db_timeout
            elif c.role == "cache":
                limit = 500
            elif c.role == "broker":
                limit = 10000
            else:
                limit = s.timeout_ms
            if dur > limit and (pre is None or out == "hang"):
                out, dur = "timeout", float(limit)
            total += dur
            if out == "ok" and status < 500 and status != 429:
                if cbs is not None and cbs[0]:
                    cbs[0] = []
                return status, total, "ok"
            if out == "malformed" or c.role in ("db", "cache", "broker", "search"):
                break
            if a < attempts - 1:
                if tr.random() < 0.7:
                    self.alog(s, t + total / 1000.0, "WARN", self.retry_text(s, c, a + 2, attempts, out, status))
                total += tr.uniform(50, 400) * (a + 1) * self.fault.backoff_mult(s, t)
        # failed
        kind = self.kind_of(c, out, status)
        fb = c.name in s.fallback
        kw = {}
        if kind == "status":
            kw = {"st": status or 500, "reason": REASON.get(status or 500, "Error")}
        elif kind == "db_err":
            kw = {"dberr": self.fault.db_err_text(self, c) or "ERROR: internal error"}
        elif kind == "cache_err":
            kind, kw = "db_err", {"dberr": self.fault.db_err_text(self, c) or "ERR unknown"}
        kw.update(self.fault.err_kw(s, c, kind))
        host = self.fault.host_for(s, c, t)
        if host:
            kw["host"] = host
        self.err_line(s, c, kind, t + total / 1000.0, ctx, level="WARN" if fb else "ERROR", **kw)
        if cbs is not None:
            cbs[0] = [x for x in cbs[0] if x > t - 10] + [t]
            if len(cbs[0]) >= 5 and not cbs[2]:
                cbs[1] = t + tr.uniform(15, 60)
                cbs[2] = True
                cbs[0] = []
                self.alog(s, t + total / 1000.0, "WARN", self.cb_text(s, c, "CLOSED", "OPEN"))
        if fb:
            if c.role != "cache" and tr.random() < 0.5:
                self.alog(s, t + total / 1000.0, "WARN", "using fallback for %s: serving %s" % (
                    c.name, pick(tr, ["cached response", "default value", "stale data", "empty result"])))
            return 200, total, "ok"
        return status or 502, total, out if out != "ok" else "err"

    def kind_of(self, c, out, status):
        if c.role in ("db", "search"):
            return {"timeout": "db_timeout", "hang": "db_timeout", "refused": "db_refused", "pool": "pool",
                    "db_auth": "db_auth", "dns": "dns", "dns_timeout": "dns_timeout"}.get(out, "db_err")
        if c.role == "cache":
            return {"refused": "cache_down", "timeout": "cache_down", "dns": "dns"}.get(out, "cache_err")
        if c.role == "broker":
            return "broker_err"
        if out in ("timeout", "hang"):
            return "timeout"
        if out == "429" or status == 429:
            return "ratelimited"
        if out in ("refused", "tls", "tls_ca", "dns", "dns_timeout", "malformed", "reset", "auth", "cb"):
            return out if out != "cb" else "cb_open"
        return "status"

    def retry_text(self, s, c, n, of, out, status):
        why = {"timeout": "timeout", "refused": "connection refused", "hang": "timeout"}.get(out, "status %s" % (status or out))
        if s.fam == "java":
            return "Retry '%s', waiting PT0.%dS until attempt '%d'. Last attempt failed with exception '%s'" % (
                c.name, 1 + n, n, why)
        if s.fam == "go":
            return "retrying request to %s (attempt %d/%d): %s" % (c.name, n, of, why)
        if s.fam == "py":
            return "Retrying (Retry(total=%d, connect=None, read=None, redirect=None, status=None)) after connection broken by '%s': %s" % (
                of - n, why, pick(self.trng, c.paths).replace("{id}", str(1000 + int(self.trng.random() * 90000))))
        if s.fam == "dotnet":
            return "Delaying for %dms, then making retry %d. (%s)" % (100 * n, n - 1, c.name)
        return "retry %d/%d for %s after %s" % (n, of, c.name, why)

    def cb_text(self, s, c, a, b):
        if s.fam == "java":
            return "CircuitBreaker '%s' changed state from %s to %s" % (c.name, a, b)
        if s.fam == "dotnet":
            return "Circuit breaker for %s: %s -> %s" % (c.name, a.title(), b.title())
        return "circuit breaker %s state change %s -> %s" % (c.name, a.lower(), b.lower())

    # -- traffic ---------------------------------------------------------------------------
    def rate_mult(self, t):
        m = 1.0 + 0.18 * math.sin((t - self.T0) / 1500.0 * 2 * math.pi + self.phase)
        for t0, t1, k in self.bursts:
            if t0 <= t < t1:
                m *= k
        return m

    def run_traffic(self, rate, t0, t1):
        tr = self.trng
        t = t0
        entries = self.entries
        wts = self.entry_w
        while True:
            t += tr.expovariate(rate * self.rate_mult(t))
            if t >= t1:
                break
            en = entries[0] if len(entries) == 1 else (entries[0] if tr.random() < wts else entries[1])
            self.reqn += 1
            cp = pick(tr, en.paths)
            if "{" in cp:
                cp = cp.replace("{id}", str(1000 + int(tr.random() * 900000)))
            ctx = {"method": "GET" if tr.random() < 0.65 else "POST", "cpath": cp,
                   "client": "%d.%d.%d.%d" % (pick(tr, [81, 92, 176, 203, 45, 188]), int(tr.random() * 255),
                                              int(tr.random() * 255), 1 + int(tr.random() * 250)),
                   "trace": "%032x" % tr.getrandbits(128) if self.any_trace else None}
            if self.edge:
                self.edge_request(t, en, ctx)
            else:
                self.handle(en, t, None, ctx)

    def edge_request(self, t, en, ctx):
        e = self.edge
        tr = self.trng
        mode, lat, p = self.state(e.name, t)
        if mode in ("tls", "tls_ca", "down"):
            return
        flags, udur, upstream = "-", None, "%s:%d" % (en.ip, en.port)
        if mode == "err" and tr.random() < p:
            status = self.fault.edge_error(self, e, t, ctx, en)
            dur, flags, upstream = tr.uniform(0.1, 3), "NR", "-"
        else:
            status, dur, out = self.handle(en, t, e, ctx)
            limit = e.timeout_ms
            if out == "hang" or dur > limit:
                status, dur, flags = 504, float(limit), "UT"
                self.edge_err(e, t + limit / 1000.0, ctx, en, "timeout")
            elif out == "refused":
                status, flags = (502 if e.rt == "nginx" else 503), "UF"
                self.edge_err(e, t + dur / 1000.0, ctx, en, "refused")
            elif out in ("tls", "tls_ca"):
                status, flags = 502, "UF"
                self.edge_err(e, t + dur / 1000.0, ctx, en, "tls")
            elif status == 0:
                status = 502
            udur = dur
        dur += tr.uniform(0.2, 2.0)
        f = {"method": ctx["method"], "path": ctx["cpath"], "status": status, "dur": int(dur),
             "client": ctx["client"], "flags": flags, "udur": int(udur) if udur is not None else "-",
             "urt": ("%.3f" % (udur / 1000.0)) if udur is not None else "-", "upstream": upstream,
             "trace": ctx["trace"] or "%08x-%04x" % (tr.getrandbits(32), tr.getrandbits(16)),
             "backend": en.name, "server": "%s-%d" % (en.name, 1 + int(tr.random() * en.replicas)),
             "term": {"UT": "sH--", "UF": "SC--", "NR": "PR--"}.get(flags, "----"),
             "ua": pick(tr, ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)", "okhttp/4.12.0",
                             "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Dalvik/2.1.0", "curl/8.4.0"])}
        anom = e is self.root and t >= self.fs and status >= 500
        e.log(t + dur / 1000.0, "INFO", "", None, f, anom, "ACCESS")
        self.edge_health(e, en, t, status)

    def edge_err(self, e, t, ctx, en, why):
        tr = self.trng
        if e.rt == "nginx":
            msg = {"timeout": "upstream timed out (110: Connection timed out) while reading response header from upstream",
                   "refused": "connect() failed (111: Connection refused) while connecting to upstream",
                   "tls": "SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed) while SSL handshaking to upstream"}[why]
            self.alog(e, t, "ERROR", '*%d %s, client: %s, server: %s, request: "%s %s HTTP/1.1", upstream: "http://%s:%d%s", host: "%s"' % (
                100000 + self.reqn, msg, ctx["client"], self.public_host, ctx["method"], ctx["cpath"], en.ip, en.port,
                ctx["cpath"], self.public_host))
        elif e.rt == "envoy" and tr.random() < 0.05:
            self.alog(e, t, "WARN", "[C%d][S%d] upstream reset: reset reason: %s" % (
                self.reqn % 9000, tr.getrandbits(40), "connection timeout" if why == "timeout" else "connection failure"),
                fields={"logger": "router"})

    def edge_health(self, e, en, t, status):
        if e.rt != "haproxy":
            return
        h = self.hap.setdefault(en.name, [0, True, 0.0])
        if status in (502, 503, 504):
            h[0] += 1
        else:
            h[0] = max(0, h[0] - 1)
        if h[1] and h[0] >= 6:
            h[1] = False
            self.alog(e, t, "WARN", "Server be_%s/%s-1 is DOWN, reason: Layer4 timeout, check duration: 2001ms. 0 active and 0 backup servers left. 3 sessions active, 0 requeued, 0 remaining in queue." % (en.name, en.name))
            self.alog(e, t, "ERROR", "backend be_%s has no server available!" % en.name)
        elif not h[1] and h[0] == 0:
            h[1] = True
            self.alog(e, t, "WARN", "Server be_%s/%s-1 is UP, reason: Layer4 check passed, check duration: 1ms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue." % (en.name, en.name), anom=False)

    # -- background activity ---------------------------------------------------------------
    def stats_text(self, s, heap, active, waiting, pause):
        fam = s.fam
        if fam == "java":
            if s.style:
                return "HikariPool-1 - Pool stats (total=10, active=%d, idle=%d, waiting=%d)" % (active, max(0, 10 - active), waiting), {"logger": "com.zaxxer.hikari.pool.HikariPool"}
            return "jvm heap used=%dMB (%d%%) threads=%d gc_pause_last=%dms" % (heap * 10, heap, 60 + active * 3, pause), {"logger": "c.%s.monitoring.JvmStats" % s.pkg}
        if fam == "go":
            return "runtime stats", {"goroutines": 40 + active * 7, "heap_alloc_mb": heap * 5, "heap_pct": heap,
                                     "db_open_conns": active, "db_wait_count": waiting, "gc_pause_ms": pause}
        if fam == "py":
            return "worker stats rss=%dMB mem_pct=%d db_checked_out=%d overflow=%d" % (heap * 4, heap, active, waiting), {}
        if fam == "node":
            return "process stats heapUsedMB=%d heapPct=%d eventLoopLagMs=%d pgPoolActive=%d pgPoolWaiting=%d" % (heap * 3, heap, 2 + pause // 20, active, waiting), {}
        if fam == "dotnet":
            return "Runtime stats: GC heap %d MB (%d%%), pause %d ms, active DB connections %d, waiting %d" % (heap * 8, heap, pause, active, waiting), {}
        if fam == "ruby":
            return 'Puma stats: {"running":5,"backlog":%d,"pool_capacity":%d,"max_threads":5,"rss_pct":%d}' % (waiting, max(0, 5 - active // 2), heap), {}
        return "pool status size=10 available=%d waiting=%d heap_pct=%d" % (max(0, 10 - active), waiting, heap), {}

    def background(self):
        r = self.rng
        tr = self.trng
        T0, T1 = self.T0, self.Tend
        for s in list(self.svcs.values()):
            if s.role in APP_ROLES:
                if s.stats:
                    iv = r.choice([30, 30, 60, 15])
                    base_heap = r.randint(30, 55)
                    t = T0 + r.uniform(0, iv)
                    while t < T1:
                        if not self.down(s, t):
                            mod = self.fault.stats_mod(self, s, t) or {}
                            heap = mod.get("heap", base_heap + int(tr.random() * 8))
                            act = mod.get("active", int(tr.random() * 4))
                            msg, f = self.stats_text(s, heap, act, mod.get("waiting", 0), mod.get("pause", 5 + int(tr.random() * 25)))
                            s.log(t, mod.get("level", "INFO"), msg, None, f, mod.get("anom", False))
                        t += iv
                if s.gc:
                    t = T0 + r.uniform(0, 30)
                    n = r.randint(100, 3000)
                    while t < T1:
                        if not self.down(s, t):
                            mod = self.fault.stats_mod(self, s, t) or {}
                            heap = mod.get("heap", 40 + int(tr.random() * 10))
                            pause = mod.get("pause", 3 + tr.random() * 20)
                            full = heap > 90
                            after = heap * 10 - (50 if full else 300 + int(tr.random() * 200))
                            s.log(t, "INFO", "GC(%d) %s %dM->%dM(1024M) %.3fms" % (
                                n, "Pause Full (G1 Compaction Pause)" if full else "Pause Young (Normal) (G1 Evacuation Pause)",
                                heap * 10, max(60, after), pause), None, None, mod.get("anom", False), "GC")
                        n += 1
                        t += tr.uniform(8, 40) / (2.5 if full else 1)
                if s.access and s.style and s.role != "consumer":
                    hp = pick(r, ["/healthz", "/actuator/health/liveness", "/health", "/ready", "/-/healthy"])
                    t = T0 + r.uniform(0, 10)
                    while t < T1:
                        mode = self.state(s.name, t)[0]
                        if mode not in ("down", "hang") and not s.is_silent(t):
                            s.log(t, "INFO", "", None, {"method": "GET", "path": hp, "status": 200, "dur": 1,
                                                        "client": "10.0.%d.1" % (len(s.name) % 9), "ua": "kube-probe/1.29"},
                                  False, "ACCESS")
                        t += 10
            elif s.role in DS_ROLES:
                self.ds_background(s)
        for c in self.consumers:
            self.consumer_loop(c)
        for c in self.crons:
            self.cron_loop(c)

    def down(self, s, t):
        return s.is_silent(t) or self.state(s.name, t)[0] == "down"

    def ds_background(self, s):
        r, tr = self.rng, self.trng
        T0, T1 = self.T0, self.Tend
        t = T0 + r.uniform(0, 60)
        rt = s.rt
        while t < T1:
            if not self.down(s, t):
                x = tr.random()
                if rt == "postgres":
                    if x < 0.3:
                        s.log(t, "INFO", "checkpoint starting: time", None, {"pid": 64})
                        s.log(t + 27 + tr.random() * 3, "INFO", "checkpoint complete: wrote %d buffers (%.1f%%); 0 WAL file(s) added, 0 removed, %d recycled; write=26.%d s, sync=0.00%d s, total=27.%d s; sync files=%d, longest=0.003 s, average=0.001 s; distance=%d kB, estimate=%d kB" % (
                            int(tr.random() * 3000), tr.random() * 9, int(tr.random() * 3), int(tr.random() * 9), int(tr.random() * 9), int(tr.random() * 9), 10 + int(tr.random() * 60), int(tr.random() * 40000), 40000 + int(tr.random() * 9000)), None, {"pid": 64})
                    elif x < 0.5:
                        s.log(t, "INFO", "automatic vacuum of table \"%s.public.%s\": index scans: 1\n\tpages: 0 removed, %d remain, 0 skipped due to pins, 0 skipped frozen\n\ttuples: %d removed, %d remain, 0 are dead but not yet removable" % (
                            self.table, self.table, int(tr.random() * 9000), int(tr.random() * 5000), int(tr.random() * 900000)), None, {"pid": 5000 + int(tr.random() * 4000)})
                    else:
                        pid = 6000 + int(tr.random() * 30000)
                        cl = self.svcs[pick(tr, s.callers)] if s.callers else s
                        s.log(t, "INFO", "connection received: host=%s port=%d" % (cl.ip, 30000 + int(tr.random() * 30000)), None, {"pid": pid})
                        s.log(t + 0.004, "INFO", "connection authorized: user=%s database=%s application_name=%s" % (
                            cl.name.replace("-", "_"), self.table, cl.name), None, {"pid": pid})
                    t += tr.uniform(60, 300)
                elif rt == "mysql":
                    cl = self.svcs[pick(tr, s.callers)] if s.callers else s
                    s.log(t, "WARN", "Aborted connection %d to db: '%s' user: '%s' host: '%s' (Got an error reading communication packets)." % (
                        1000 + int(tr.random() * 90000), self.table, cl.name.replace("-", "_"), cl.ip), None,
                          {"code": "MY-010914", "thread_id": int(tr.random() * 900)})
                    t += tr.uniform(120, 900)
                elif rt == "mongodb":
                    if x < 0.5:
                        s.log(t, "INFO", "Connection accepted", None, {"c": "NETWORK", "id": 22943, "ctx": "listener", "attr": {
                            "remote": "10.0.%d.%d:%d" % (int(tr.random() * 9), int(tr.random() * 250), 40000 + int(tr.random() * 9999)),
                            "connectionCount": 20 + int(tr.random() * 30)}})
                    else:
                        s.log(t, "INFO", "WiredTiger message", None, {"c": "WTCHKPT", "id": 22430, "ctx": "Checkpointer", "attr": {
                            "message": {"ts_sec": int(t), "msg": "saving checkpoint snapshot min: %d, snapshot max: %d" % (int(t) % 9999, int(t) % 9999 + 3)}}})
                    t += tr.uniform(30, 90)
                elif rt == "redis":
                    s.log(t, "INFO", "%d changes in 300 seconds. Saving..." % (10 + int(tr.random() * 5000)))
                    pid = 100 + int(tr.random() * 30000)
                    s.log(t + 0.01, "INFO", "Background saving started by pid %d" % pid)
                    s.log(t + 0.9, "INFO", "DB saved on disk", fields={"role": "C"})
                    s.log(t + 1.0, "INFO", "Background saving terminated with success")
                    t += tr.uniform(280, 320)
                elif rt == "kafka":
                    part = int(tr.random() * 12)
                    if x < 0.6:
                        s.log(t, "INFO", "[LocalLog partition=%s-%d, dir=/var/lib/kafka/data] Rolled new log segment at offset %d in %d ms." % (
                            self.topic, part, int((t - T0) * 40) + 1000000, 1 + int(tr.random() * 9)), fields={"logger": "kafka.log.LocalLog"})
                    else:
                        s.log(t, "INFO", "[GroupMetadataManager brokerId=1] Removed 0 expired offsets in %d milliseconds." % int(tr.random() * 3),
                              fields={"logger": "kafka.coordinator.group.GroupMetadataManager"})
                    t += tr.uniform(40, 200)
                elif rt == "rabbitmq":
                    cl = self.svcs[pick(tr, s.callers)] if s.callers else s
                    s.log(t, "INFO", "accepting AMQP connection <0.%d.0> (%s:%d -> %s:5672)" % (
                        1000 + int(tr.random() * 9000), cl.ip, 30000 + int(tr.random() * 9999), s.ip))
                    s.log(t + 0.02, "INFO", "connection <0.%d.0> (%s:%d -> %s:5672): user 'app' authenticated and granted access to vhost '/'" % (
                        1000 + int(tr.random() * 9000), cl.ip, 30000 + int(tr.random() * 9999), s.ip))
                    t += tr.uniform(90, 400)
                elif rt == "elasticsearch":
                    if x < 0.6:
                        s.log(t, "INFO", "[gc][%d] overhead, spent [%dms] collecting in the last [1s]" % (int(t - T0) + 9000, 250 + int(tr.random() * 200)),
                              fields={"logger": "o.e.m.j.JvmGcMonitorService"})
                    else:
                        s.log(t, "INFO", "[%s-%s/%s] update_mapping [_doc]" % (self.table, iso_z(t)[:10].replace("-", "."), k8s_suffix(tr, 8)),
                              fields={"logger": "o.e.c.m.MetadataMappingService"})
                    t += tr.uniform(60, 240)
                else:
                    t += 300
            else:
                t += 20

    def consumer_loop(self, c):
        r, tr = self.rng, self.trng
        t = self.T0 + r.uniform(0, 3)
        iv = r.uniform(1.0, 4.0)
        group = "%s-group" % c.name.split("-")[0]
        offset = r.randint(10 ** 6, 9 * 10 ** 6)
        last_lag = self.T0
        dbs = [self.svcs[n] for n, _ in c.callees]
        while t < self.Tend:
            if self.down(c, t):
                t += iv
                continue
            if self.fault.consumer_step(self, c, t, offset, group):
                t += iv
                continue
            mode, lat, p = self.state(c.name, t)
            if mode == "hang":
                t += iv
                continue
            n = 1 + int(tr.random() * 20)
            offset += n
            dur = (5 + tr.random() * 40) * n * lat
            ok = True
            for d in dbs:
                st, d2, out = self.call(c, d, t + dur / 1000, {"trace": None})
                dur += d2
                if out != "ok":
                    ok = False
                    break
            if tr.random() < c.info_p * 0.5 or not ok:
                self.alog(c, t + dur / 1000, "INFO" if ok else "WARN",
                          "processed %d messages from %s partition %d (offset %d) in %dms" % (n, self.topic, offset % 12, offset, dur)
                          if ok else "batch at offset %d will be redelivered" % offset)
            if t - last_lag > 60:
                last_lag = t
                lag = self.lag_fn(t) if self.lag_fn else 0
                msgs = int(lag * self.pub_rate) + int(tr.random() * 30)
                lvl = "WARN" if msgs > 2000 else "INFO"
                self.alog(c, t, lvl, "consumer group %s lag=%d messages (max partition lag %d)" % (group, msgs, msgs // 3),
                          anom=c is self.root and t >= self.fs and msgs > 300)
            t += max(iv, dur / 1000.0)

    def cron_loop(self, c):
        r, tr = self.rng, self.trng
        if self.fault.cron_override(self, c):
            return
        period = pick(r, [300, 600, 900, 1200])
        t = self.T0 + r.uniform(0, period)
        job = c.name
        while t < self.Tend:
            run = "%s-%d" % (job, int(t) // 60)
            self.alog(c, t, "INFO", "starting job %s (run %s)" % (job, run))
            dur = 0.0
            ok = True
            for _ in range(r.randint(3, 12)):
                for cn, _p in c.callees:
                    st, d2, out = self.call(c, self.svcs[cn], t + dur / 1000, {"trace": None})
                    dur += d2 + tr.uniform(50, 2000)
                    if out != "ok":
                        ok = False
            burst = self.herring_cron_burst(c, t)
            if burst:
                ok = False
            self.alog(c, t + dur / 1000, "INFO" if ok else "ERROR",
                      ("job %s finished in %.1fs, %d rows processed" if ok else "job %s failed after %.1fs (%d rows processed)") % (
                          job, dur / 1000, int(tr.random() * 50000)))
            t += period + tr.uniform(-3, 3)

    def herring_cron_burst(self, c, t):
        h = self.cron_herring
        if not h or h["svc"] is not c or self.trng.random() > h["p"]:
            return False
        tr = self.trng
        for i in range(self.rng.randint(3, 15)):
            tt = t + 1 + i * tr.uniform(0.1, 2)
            msg = pick(tr, h["msgs"])
            ex = None
            if c.fam == "java":
                ex = ["java.io.IOException: " + msg, "\tat com.%s.export.SftpUploader.upload(SftpUploader.java:88)" % c.pkg,
                      "\tat com.%s.export.ExportJob.run(ExportJob.java:41)" % c.pkg]
            elif c.fam == "py":
                ex = ["Traceback (most recent call last):", '  File "/app/jobs/export.py", line 57, in run',
                      "    upload(batch)", "OSError: " + msg]
            c.log(tt, "ERROR", "export batch %d failed: %s" % (i, msg), ex, None, False)
        return True

    # -- lifecycle lines ---------------------------------------------------------------------
    def banner(self, s, t, anom=False):
        fam = s.fam
        tr = self.trng
        v = s.version
        app = camel(s.name) + "Application"
        L = []
        if fam == "java":
            L = [("RAW", "  .   ____          _            __ _ _"), ("RAW", " :: Spring Boot ::                (v3.2.%d)" % (1 + int(tr.random() * 4))),
                 ("INFO", "Starting %s v%s using Java 17.0.%d with PID %d" % (app, v, 8 + int(tr.random() * 3), s.pid)),
                 ("INFO", "Tomcat initialized with port %d (http)" % s.port), ("INFO", "HikariPool-1 - Starting..."),
                 ("INFO", "HikariPool-1 - Start completed."),
                 ("INFO", "Started %s in %.3f seconds (process running for %.3f)" % (app, 6 + tr.random() * 8, 8 + tr.random() * 8))]
        elif fam == "go":
            L = [("INFO", "starting %s version=%s commit=%s" % (s.name, v, "%07x" % tr.getrandbits(28))),
                 ("INFO", "listening on :%d" % s.port)]
        elif fam == "py":
            if s.rt == "py-logging":
                L = [("RAW", "INFO:     Started server process [%d]" % s.pid), ("RAW", "INFO:     Waiting for application startup."),
                     ("RAW", "INFO:     Application startup complete."), ("RAW", "INFO:     Uvicorn running on http://0.0.0.0:%d (Press CTRL+C to quit)" % s.port),
                     ("INFO", "%s %s ready" % (s.name, v))]
            else:
                L = [("INFO", "Starting gunicorn 21.2.0"), ("INFO", "Listening at: http://0.0.0.0:%d (%d)" % (s.port, s.pid)),
                     ("INFO", "Using worker: uvicorn.workers.UvicornWorker"), ("INFO", "Booting worker with pid: %d" % (s.pid + 6))]
        elif fam == "node":
            L = [("RAW", "> %s@%s start" % (s.name, v)), ("RAW", "> node dist/server.js"),
                 ("INFO", "Server listening at http://0.0.0.0:%d" % s.port)]
        elif fam == "dotnet":
            L = [("INFO", "Now listening on: http://[::]:%d" % s.port), ("INFO", "Application started. Press Ctrl+C to shut down."),
                 ("INFO", "Hosting environment: Production"), ("INFO", "Content root path: /app")]
        elif fam == "ruby":
            L = [("RAW", "=> Booting Puma"), ("RAW", "=> Rails 7.1.2 application starting in production"),
                 ("RAW", "Puma starting in single mode..."), ("RAW", "* Listening on http://0.0.0.0:%d" % s.port),
                 ("INFO", "%s %s booted" % (s.name, v))]
        elif fam == "rust":
            L = [("INFO", "starting %s v%s" % (s.name, v)), ("INFO", "listening on 0.0.0.0:%d" % s.port)]
        elif s.rt == "redis":
            L = [("INFO", "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"), ("INFO", "Redis version=7.2.4, bits=64, commit=00000000, modified=0, pid=%d, just started" % s.pid),
                 ("INFO", "Server initialized"), ("INFO", "Loading RDB produced by version 7.2.4"),
                 ("INFO", "DB loaded from disk: %.3f seconds" % (tr.random() * 3)), ("INFO", "Ready to accept connections tcp")]
        elif s.rt == "postgres":
            L = [("INFO", "starting PostgreSQL 16.1 on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit"),
                 ("INFO", "listening on IPv4 address \"0.0.0.0\", port 5432"), ("INFO", "database system was shut down at %s UTC" % ymd_hms(t - 1.5)),
                 ("INFO", "database system is ready to accept connections")]
        elif s.rt == "nginx":
            L = [("INFO", "using the \"epoll\" event method"), ("INFO", "nginx/1.25.3"), ("INFO", "start worker processes")]
        elif s.rt == "envoy":
            L = [("INFO", "initializing epoch 0 (base id=0, hot restart version=11.104)"), ("INFO", "all clusters initialized. initializing init manager"),
                 ("INFO", "starting main dispatch loop")]
        else:
            L = [("INFO", "%s starting" % s.name)]
        for i, (lvl, msg) in enumerate(L):
            tt = t + i * 0.05 + (tr.random() * 0.5 if i == len(L) - 1 else 0)
            if lvl == "RAW":
                s.log(tt, "INFO", msg, None, None, anom, "RAW")
            else:
                s.log(tt, lvl, msg, None, {"logger": "main"} if fam in ("java", "rust", "py") else None, anom)
        return t + len(L) * 0.05 + 0.5

    def shutdown(self, s, t, anom=False):
        fam = s.fam
        msg = {"java": "Commencing graceful shutdown. Waiting for active requests to complete",
               "go": "received signal terminated, shutting down", "py": "Handling signal: term",
               "node": "SIGTERM received, closing server", "dotnet": "Application is shutting down...",
               "ruby": "- Gracefully stopping, waiting for requests to finish",
               "rust": "shutdown signal received, draining connections"}.get(fam, "received SIGTERM, shutting down")
        s.log(t, "INFO", msg, None, None, anom)

# ----------------------------------------------------------------------------------------------
# faults
# ----------------------------------------------------------------------------------------------


def ramp(t, t0, d):
    if t <= t0:
        return 0.0
    if d <= 0:
        return 1.0
    return min(1.0, (t - t0) / d)


class Fault:
    kind = "none"
    first_sign = "line"
    err_status = 500
    no_root_errors = False

    def __init__(self, case):
        self.c = case
        self.r = case.rng
        self.root = None
        self.variant = ""
        self.fs = case.fs

    # choose among services where the fault can originate
    def eligible(self):
        return [s for s in self.c.svcs.values() if s.role in ("api", "mid")]

    def setup(self):
        pass

    def active(self, name, t):
        return self.root is not None and name == self.root.name and t >= self.fs

    # hooks (defaults: no effect)
    def state(self, name, t):
        return None

    def on_tls(self, case, s, t, caller):
        pass

    def on_limited(self, case, s, t, caller, ctx):
        pass

    def own_error(self, case, s, t, ctx, caller):
        return 0

    def on_request(self, case, s, t, dur, status, ctx):
        pass

    def retries(self, s, c, t):
        return s.retries

    def backoff_mult(self, s, t):
        return 1.0

    def outbound(self, case, s, c, t, ctx):
        return None

    def db_err_text(self, case, c):
        return None

    def host_for(self, s, c, t):
        return None

    def err_kw(self, s, c, kind):
        return {}

    def edge_error(self, case, e, t, ctx, en):
        return 502

    def stats_mod(self, case, s, t):
        return None

    def ds_tick(self, case, s, t):
        return None

    def consumer_step(self, case, c, t, offset, group):
        return False

    def cron_override(self, case, c):
        return False

    # helpers
    def deploy(self, s, t, anom, bump=True):
        c = self.c
        c.shutdown(s, t, anom)
        if bump:
            parts = s.version.split(".")
            s.version = "%s.%d.%d" % (parts[0], int(parts[1]) + (1 if self.r.random() < 0.5 else 0), int(parts[2]) + 1)
        s.deploys.append(t + 1.0)
        s.silent.append((t + 0.3, t + 1.0))
        if anom and s is self.root:
            self.cause_t = min(getattr(self, "cause_t", INF), t)
        return c.banner(s, t + 1.0, anom)

    def app_apps(self, roles=("api", "mid", "consumer")):
        return [s for s in self.c.svcs.values() if s.role in roles]


FATAL_MSGS = ["lost leader election lease, exiting", "unrecoverable error in storage engine, shutting down",
              "license validation failed: license expired, terminating", "failed to renew session with coordinator; exiting to avoid split brain",
              "invariant violated: negative balance in ledger snapshot; refusing to continue"]


class PoolExhaustion(Fault):
    kind = "pool_exhaustion"

    def eligible(self):
        return [s for s in self.app_apps() if any(self.c.svcs[n].rt in ("postgres", "mysql") for n, _ in s.callees)]

    def setup(self):
        r = self.r
        self.variant = pick(r, ["connection_leak", "slow_transactions", "pool_undersized_after_deploy"])
        s = self.root
        self.db = [self.c.svcs[n] for n, _ in s.callees if self.c.svcs[n].rt in ("postgres", "mysql")][0]
        self.pool_ms = pick(r, [30000, 30000, 10000, 5000]) if s.fam == "java" else pick(r, [5000, 10000, 30000])
        self.ramp = r.uniform(240, 600) if self.variant == "connection_leak" else r.uniform(20, 90)
        self.pmax = r.uniform(0.5, 0.95)
        if self.variant == "connection_leak":
            s.stats = True
            self.err_start = self.fs + self.ramp * 0.7
        else:
            self.err_start = self.fs
        if self.variant == "pool_undersized_after_deploy":
            self.deploy(s, self.fs - 1.5, True)

    def outbound(self, case, s, c, t, ctx):
        if s is self.root and c is self.db and t >= self.err_start:
            if case.trng.random() < self.pmax * ramp(t, self.err_start, self.ramp * 0.3 if self.variant == "connection_leak" else self.ramp):
                return 0, float(self.pool_ms), "pool"
        return None

    def err_kw(self, s, c, kind):
        if kind == "pool":
            return {"ms": self.pool_ms, "sec": self.pool_ms // 1000}
        return {}

    def stats_mod(self, case, s, t):
        if s is not self.root or t < self.fs:
            return None
        tr = case.trng
        if self.variant == "connection_leak":
            a = min(10, 2 + int(9 * ramp(t, self.fs, self.ramp)))
            w = 0 if a < 10 else int(tr.random() * 30)
        else:
            a, w = 10, 3 + int(tr.random() * 40)
        return {"active": a, "waiting": w, "anom": a > 4 or w > 0, "level": "WARN" if w > 10 and s.fam != "java" else "INFO"}


class SlowLatency(Fault):
    kind = "slow_latency"
    no_root_errors = True

    def eligible(self):
        return self.app_apps(("api", "mid")) + [s for s in self.c.svcs.values() if s.rt in ("postgres", "mysql", "mongodb", "elasticsearch")]

    def setup(self):
        r = self.r
        s = self.root
        self.variant = "slow_queries" if s.role in DS_ROLES else pick(r, ["latency_only", "latency_only_gc", "lock_contention"])
        self.L = r.uniform(8, 40)
        self.ramp = r.uniform(30, 300)
        if s.rt == "mysql":
            t = self.fs + r.uniform(20, 60)
            while t < self.c.Tend:
                k = ramp(t, self.fs, self.ramp)
                s.log(t, "WARN", "[MY-013865] [InnoDB] page_cleaner: 1000ms intended loop took %dms. The settings might not be optimal. (flushed=%d and evicted=0, during the time.)" % (
                    1000 + int(k * self.L * 300), 200 + int(r.random() * 2000)), None, {"code": "MY-013865"}, True)
                t += r.uniform(30, 120)

    def state(self, name, t):
        if self.active(name, t):
            return ("slow", 1.0 + (self.L - 1.0) * ramp(t, self.fs, self.ramp), 0.0)
        return None

    def on_request(self, case, s, t, dur, status, ctx):
        if s.role in DS_ROLES or dur < 1000 or case.trng.random() > 0.5:
            return
        p = ctx.get("cpath") or "/"
        msg = {"java": "Slow request detected: %s %s took %dms (threshold 1000ms)" % (ctx.get("method"), p, dur),
               "go": "slow request", "py": "Slow request %s %s: %.2fs" % (ctx.get("method"), p, dur / 1000),
               "node": "request took too long", "dotnet": "Request %s %s took %d ms which exceeds the threshold of 1000 ms" % (ctx.get("method"), p, dur),
               "ruby": "Slow request: %s %s (%dms)" % (ctx.get("method"), p, dur), "rust": "slow request"}[s.fam]
        case.alog(s, t + dur / 1000, "WARN", msg, fields={"latency_ms": int(dur)} if s.fam in ("go", "node", "rust") else None)


class Hang(Fault):
    kind = "hang"
    first_sign = "silence"

    def eligible(self):
        return self.app_apps()

    def setup(self):
        r = self.r
        self.variant = pick(r, ["deadlock", "stuck_on_lock", "liveness_restart"])
        self.windows = []
        if self.variant == "liveness_restart":
            t = self.fs
            while t < self.c.Tend:
                h = r.uniform(45, 200)
                self.windows.append((t, t + h))
                self.root.silent.append((t + h, t + h + r.uniform(3, 8)))
                self.c.banner(self.root, t + h + 8, True)
                t = t + h + 8 + r.uniform(30, 150)
        else:
            self.windows.append((self.fs, self.c.Tend + 1))
        if self.root.role == "consumer":
            ws = self.windows
            self.c.lag_fn = lambda t: sum(max(0.0, min(t, b) - a) for a, b in ws if a < t)

    def state(self, name, t):
        if self.active(name, t):
            for a, b in self.windows:
                if a <= t < b:
                    return ("hang", 1.0, 0.0)
        return None


class CrashLoop(Fault):
    kind = "crash_loop"
    first_sign = "silence"

    def eligible(self):
        return self.app_apps()

    def setup(self):
        r, c, s = self.r, self.c, self.root
        self.variant = pick(r, ["oom_killed", "panic", "bad_startup_config"])
        if self.variant != "oom_killed":
            self.first_sign = "line"
        self.down = []
        t = self.fs
        back = 10
        if self.variant == "bad_startup_config":
            c.shutdown(s, t, True)
            s.deploys.append(t + 1)
            t += 1
            while t < c.Tend:
                e = c.banner(s, t, True)
                self.startup_error(s, e + r.uniform(0.2, 2))
                dead = back + r.uniform(1, 4)
                s.silent.append((e + 2.5, e + 2.5 + dead))
                back = min(300, back * 2)
                t = e + 2.5 + dead
            self.down.append((self.fs, c.Tend + 1))
            return
        while t < c.Tend:
            if self.variant == "panic":
                self.crash_lines(s, t)
            dead = back + r.uniform(2, 12)
            s.silent.append((t + 0.01, t + dead))
            self.down.append((t, t + dead + 3))
            e = c.banner(s, t + dead, True)
            back = min(300, back * 2)
            t = e + r.uniform(20, 120)

    def crash_lines(self, s, t):
        c, r = self.c, self.r
        fam = s.fam
        if fam == "go":
            for i, l in enumerate(["panic: runtime error: invalid memory address or nil pointer dereference",
                                   "[signal SIGSEGV: segmentation violation code=0x1 addr=0x28 pc=0x9c3f2e]", "",
                                   "goroutine %d [running]:" % r.randint(200, 90000),
                                   "main.(*%sHandler).apply(0xc0004a2f00, {0xc000512000, 0x3, 0x4})" % camel(s.name),
                                   "\t/src/internal/handler/apply.go:%d +0x1ae" % r.randint(30, 300),
                                   "net/http.HandlerFunc.ServeHTTP(0xc0001b6a80?, {0xd1c9f0?, 0xc0003fe2a0?}, 0x0?)",
                                   "\t/usr/local/go/src/net/http/server.go:2136 +0x29"]):
                s.log(t + i * 0.0001, "INFO", l, None, None, True, "RAW")
        elif fam == "node":
            for i, l in enumerate(["", "<--- Last few GCs --->", "", "[1:0x6a3c2d0]   %d ms: Mark-Compact 2038.5 (2082.3) -> 2031.9 (2083.1) MB, 1712.31 / 0.00 ms  (average mu = 0.121, current mu = 0.045) allocation failure;" % r.randint(100000, 999999),
                                   "", "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"]):
                s.log(t + i * 0.0001, "INFO", l, None, None, True, "RAW")
        elif fam == "dotnet":
            s.log(t, "INFO", "Unhandled exception. System.InvalidOperationException: Collection was modified; enumeration operation may not execute.", None, None, True, "RAW")
            s.log(t + 0.0001, "INFO", "   at System.Collections.Generic.List`1.Enumerator.MoveNext()", None, None, True, "RAW")
        elif fam == "rust":
            s.log(t, "INFO", "thread 'tokio-runtime-worker' panicked at src/handlers/%s.rs:%d:14:" % (s.name.replace("-", "_"), r.randint(20, 300)), None, None, True, "RAW")
            s.log(t + 0.0001, "INFO", "called `Option::unwrap()` on a `None` value", None, None, True, "RAW")
            s.log(t + 0.0002, "INFO", "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace", None, None, True, "RAW")
        elif fam == "java":
            c.alog(s, t, "ERROR", "Uncaught exception in thread 'main-worker-1', shutting down", [
                "java.lang.IllegalStateException: Ledger snapshot cursor closed", "\tat com.%s.%s.Worker.run(Worker.java:%d)" % (s.pkg, s.name.replace("-", ""), r.randint(20, 200)),
                "\tat java.base/java.lang.Thread.run(Thread.java:833)"], anom=True)
        elif fam == "py":
            c.alog(s, t, "FATAL", "Worker exiting: unhandled exception in main loop", [
                "Traceback (most recent call last):", '  File "/app/main.py", line 88, in run', "    state = registry[key]", "KeyError: 'tenant_default'"], anom=True)
        else:
            c.alog(s, t, "FATAL", "unhandled exception: undefined method `fetch' for nil:NilClass (NoMethodError)", anom=True)

    def startup_error(self, s, t):
        c, r = self.c, self.r
        key = pick(r, ["DB_URL", "REDIS_HOST", "JWT_PUBLIC_KEY", "UPSTREAM_BASE_URL", "KAFKA_BOOTSTRAP"])
        fam = s.fam
        if fam == "java":
            c.alog(s, t, "ERROR", "Application run failed", [
                "org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'clientConfig': Injection of autowired dependencies failed",
                "\tat org.springframework.beans.factory.annotation.AutowiredAnnotationBeanPostProcessor.postProcessProperties(AutowiredAnnotationBeanPostProcessor.java:498)",
                "\tat org.springframework.boot.SpringApplication.run(SpringApplication.java:316)",
                "Caused by: java.lang.IllegalArgumentException: Could not resolve placeholder '%s' in value \"${%s}\"" % (key, key),
                "\t... 24 common frames omitted"], anom=True)
        elif fam == "py":
            c.alog(s, t, "FATAL", "failed to start application", ["Traceback (most recent call last):", '  File "/app/settings.py", line 41, in <module>',
                                                                  "    %s = os.environ[\"%s\"]" % (key.lower(), key), "KeyError: '%s'" % key], anom=True)
        else:
            c.alog(s, t, "FATAL", "failed to load configuration: required key %s missing value" % key, anom=True)

    def state(self, name, t):
        if self.active(name, t):
            for a, b in self.down:
                if a <= t < b:
                    return ("down", 1.0, 0.0)
        return None


class SuddenDeath(Fault):
    kind = "sudden_death"

    def eligible(self):
        return self.app_apps()

    def setup(self):
        self.variant = "fatal_exit"
        s = self.root
        msg = pick(self.r, FATAL_MSGS)
        self.c.alog(s, self.fs, "FATAL", msg, anom=True)
        s.silent.append((self.fs + 0.001, self.c.Tend + 10))

    def state(self, name, t):
        if self.active(name, t):
            return ("down", 1.0, 0.0)
        return None


class DNSFailure(Fault):
    kind = "dns_failure"

    def eligible(self):
        return [s for s in self.app_apps() if s.callees]

    def setup(self):
        r = self.r
        s = self.root
        self.variant = pick(r, ["resolver_timeout", "nxdomain", "bad_hostname_deploy"])
        self.p = r.uniform(0.4, 0.85) if self.variant == "resolver_timeout" else r.uniform(0.7, 1.0)
        self.target = self.c.svcs[pick(r, [n for n, _ in s.callees])]
        self.bad = pick(r, ["%s.prod.svc.cluster.local", "%s-v2", "%s.internal", "%s.default.svc"]) % self.target.name
        if self.variant == "bad_hostname_deploy":
            self.deploy(s, self.fs - 1.2, True)

    def outbound(self, case, s, c, t, ctx):
        if s is not self.root or t < self.fs:
            return None
        if self.variant == "bad_hostname_deploy":
            return (0, 2.0, "dns") if c is self.target else None
        if case.trng.random() < self.p:
            return (0, 5000.0, "dns_timeout") if self.variant == "resolver_timeout" else (0, 3.0, "dns")
        return None

    def host_for(self, s, c, t):
        if s is self.root and t >= self.fs:
            if self.variant == "bad_hostname_deploy" and c is self.target:
                return self.bad
            if self.variant == "nxdomain":
                return c.name + ".svc.cluster.local"
        return None


class TLSExpiry(Fault):
    kind = "tls_expiry"
    first_sign = "silence"

    def eligible(self):
        return [s for s in self.app_apps(("api", "mid")) if s.callers] + ([self.c.edge] if self.c.edge else [])

    def setup(self):
        r = self.r
        s = self.root
        self.variant = pick(r, ["cert_expired", "cert_expired", "bad_rotation"])
        self.mode = "tls" if self.variant == "cert_expired" else "tls_ca"
        self.c.cert_exp = self.fs
        self.logs = s.fam in ("go", "rust", "node")
        if self.variant == "bad_rotation":
            self.c.alog(s, self.fs, "INFO", "reloaded TLS certificate from /etc/tls/tls.crt (serial %s, issuer CN=%s-intermediate-2026)" % (
                ":".join("%02x" % r.randrange(256) for _ in range(8)), self.c.dom), anom=True)
            self.first_sign = "line"
        elif self.logs and s.role != "edge":
            self.first_sign = "line"

    def state(self, name, t):
        if self.active(name, t):
            return (self.mode, 1.0, 0.0)
        return None

    def on_tls(self, case, s, t, caller):
        if self.logs and caller is not None and case.trng.random() < 0.6:
            msg = {"go": "http: TLS handshake error from %s:%d: remote error: tls: %s" % (caller.ip, 30000 + int(case.trng.random() * 30000),
                                                                                        "bad certificate" if self.mode == "tls" else "unknown certificate authority"),
                   "rust": "TLS handshake failed: received fatal alert: %s" % ("CertificateExpired" if self.mode == "tls" else "UnknownCA"),
                   "node": "tlsClientError: Client network socket disconnected before secure TLS connection was established"}[s.fam]
            case.alog(s, t, "WARN", msg)


class DiskFull(Fault):
    kind = "disk_full"

    def eligible(self):
        return [s for s in self.c.svcs.values() if s.rt in ("postgres", "mysql", "mongodb", "kafka", "rabbitmq", "elasticsearch")] + self.app_apps(("api", "mid"))

    def setup(self):
        r, c, s = self.r, self.c, self.root
        fs = self.fs
        rt = s.rt
        self.mode, self.p, self.t_err = "err", r.uniform(0.3, 0.7), fs
        self.dberr = None
        if rt == "postgres":
            self.variant = pick(r, ["pg_extend_fail", "pg_wal_panic"])
            self.dberr = 'ERROR: could not extend file "base/16384/%d": No space left on device' % r.randint(16000, 90000)
            if self.variant == "pg_wal_panic":
                tp = fs + r.uniform(40, 150)
                self.panic_at = tp
                s.log(tp, "FATAL", 'could not write to file "pg_wal/xlogtemp.%d": No space left on device' % r.randint(100, 9999), None, {"pglevel": "PANIC", "pid": 77}, True)
                s.log(tp + 0.2, "INFO", "WAL writer process (PID 77) was terminated by signal 6: Aborted", None, {"pid": 1}, True)
                s.log(tp + 0.2, "INFO", "terminating any other active server processes", None, {"pid": 1}, True)
                s.log(tp + 0.5, "INFO", "all server processes terminated; reinitializing", None, {"pid": 1}, True)
                t = tp + 1
                while t < c.Tend:
                    s.log(t, "FATAL", 'could not write lock file "postmaster.pid": No space left on device', None, {"pid": 1}, True)
                    t += r.uniform(10, 40)
        elif rt == "mysql":
            self.variant, self.mode = "binlog_disk_full", "hangp"
            t = fs
            while t < c.Tend:
                s.log(t, "ERROR", "Disk is full writing './binlog.%06d' (OS errno 28 - No space left on device). Waiting for someone to free space... Retry in 60 secs. Message reprinted in 600 secs." % r.randint(10, 900),
                      None, {"code": "MY-000035", "thread_id": r.randint(5, 900)}, True)
                t += 600
        elif rt == "mongodb":
            self.variant, self.mode = "wiredtiger_enospc", "down"
            s.log(fs, "ERROR", "WiredTiger error", None, {"c": "WT", "id": 22435, "ctx": "conn%d" % r.randint(100, 999), "attr": {
                "error": 28, "message": "[%d:%d][1:0x7f]  __posix_file_write, 613: /data/db/collection-7--123.wt: handle-write: pwrite: failed to write %d bytes at offset %d: No space left on device" % (int(fs), r.randint(0, 999999), 4096, r.randint(10 ** 6, 10 ** 9))}}, True)
            s.log(fs + 0.01, "FATAL", "Fatal assertion", None, {"c": "ASSERT", "id": 23089, "ctx": "conn", "attr": {"msgid": 50853, "file": "src/mongo/db/storage/wiredtiger/wiredtiger_util.cpp", "line": 712}}, True)
            s.log(fs + 0.02, "INFO", "\n\n***aborting after fassert() failure\n\n", None, None, True, "RAW")
            s.silent.append((fs + 0.03, c.Tend + 1))
        elif rt == "kafka":
            self.variant, self.mode, self.p = "log_dir_failure", "err", 1.0
            s.log(fs, "ERROR", "Error while appending records to %s-%d in dir /var/lib/kafka/data" % (c.topic, r.randint(0, 11)),
                  ["java.io.IOException: No space left on device", "\tat java.base/sun.nio.ch.FileDispatcherImpl.write0(Native Method)",
                   "\tat org.apache.kafka.common.record.MemoryRecords.writeFullyTo(MemoryRecords.java:92)",
                   "\tat kafka.log.LogSegment.append(LogSegment.scala:159)"], {"logger": "kafka.server.LogDirFailureChannel"}, True)
            s.log(fs + 0.5, "ERROR", "Stopping serving logs in dir /var/lib/kafka/data", None, {"logger": "kafka.log.LogManager"}, True)
            s.log(fs + 0.6, "ERROR", "Shutdown broker because all log dirs in /var/lib/kafka/data have failed", None, {"logger": "kafka.log.LogManager"}, True)
            s.silent.append((fs + 1, c.Tend + 1))
            self.mode = "down"
        elif rt == "rabbitmq":
            self.variant, self.mode, self.p = "disk_alarm", "hangp", 1.0
            s.log(fs, "WARN", "Free disk space is insufficient. Free bytes: %d. Limit: 50000000" % r.randint(10 ** 6, 49 * 10 ** 6), None, None, True)
            s.log(fs + 0.01, "WARN", "disk resource limit alarm set on node rabbit@%s-0." % s.name, None, None, True)
            s.log(fs + 0.02, "WARN", "\n\n**********************************************************\n*** Publishers will be blocked until this alarm clears ***\n**********************************************************", None, None, True)
        elif rt == "elasticsearch":
            self.variant = "flood_stage_read_only"
            s.log(fs, "WARN", "high disk watermark [90%%] exceeded on [%s][%s][/usr/share/elasticsearch/data] free: %.1fgb[%.1f%%], shards will be relocated away from this node" % (
                k8s_suffix(r, 22), s.host, r.uniform(2, 5), r.uniform(5, 9.9)), None, {"logger": "o.e.c.r.a.DiskThresholdMonitor"}, True)
            self.t_err = fs + r.uniform(60, 200)
            s.log(self.t_err, "WARN", "flood stage disk watermark [95%%] exceeded on [%s][%s][/usr/share/elasticsearch/data] free: %.1fgb[%.1f%%], all indices on this node will be marked read-only" % (
                k8s_suffix(r, 22), s.host, r.uniform(0.5, 2), r.uniform(1, 4.9)), None, {"logger": "o.e.c.r.a.DiskThresholdMonitor"}, True)
            self.dberr = "index [%s] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block];" % c.table
        else:
            self.variant = "tmp_volume_full"

    def state(self, name, t):
        if self.active(name, t) and t >= self.t_err:
            if self.variant == "pg_wal_panic" and t >= self.panic_at:
                return ("down", 1.0, 0.0)
            return (self.mode, 1.0, self.p)
        return None

    def own_error(self, case, s, t, ctx, caller):
        if s is not self.root:
            return 0
        tr = case.trng
        if s.rt == "postgres":
            pid = 1000 + int(tr.random() * 9000)
            s.log(t, "ERROR", self.dberr[7:], ["HINT:  Check free disk space.", "STATEMENT:  " + pick(tr, SQL[1:3]).format(t=case.table)],
                  {"pid": pid, "user": caller.name.replace("-", "_") if caller else "app", "db": case.table}, True)
        elif s.role in APP_ROLES:
            msg = {"java": "Failed to store upload: java.io.IOException: No space left on device",
                   "go": "failed to write spool file", "py": "OSError: [Errno 28] No space left on device: '/var/cache/%s/tmp%s'" % (s.name, k8s_suffix(tr, 8)),
                   "node": "ENOSPC: no space left on device, write", "dotnet": "System.IO.IOException: No space left on device : '/tmp/%s.tmp'" % k8s_suffix(tr, 8),
                   "ruby": "Errno::ENOSPC (No space left on device @ io_write - /app/tmp/cache/%s)" % k8s_suffix(tr, 6),
                   "rust": "failed to persist chunk: No space left on device (os error 28)"}[s.fam]
            case.alog(s, t, "ERROR", msg, fields={"error": "write /data/spool/%s: no space left on device" % k8s_suffix(tr, 10)} if s.fam == "go" else None)
        return 0

    def db_err_text(self, case, c):
        return self.dberr if c is self.root else None


class BadConfigDeploy(Fault):
    kind = "bad_config_deploy"

    def eligible(self):
        return self.app_apps(("api", "mid")) + ([self.c.edge] if self.c.edge else []) + [s for s in self.c.svcs.values() if s.rt in ("postgres", "mysql")]

    def setup(self):
        r, c, s = self.r, self.c, self.root
        fs = self.fs
        self.target = None
        self.p = r.uniform(0.3, 0.8)
        if s.role == "edge":
            self.variant = "proxy_route_config"
            msg = {"nginx": "signal process started", "envoy": "cds: add %d cluster(s), remove %d cluster(s)" % (r.randint(3, 9), r.randint(1, 3)),
                   "haproxy": "Proxy fe_main started."}[s.rt]
            c.alog(s, fs, "INFO", msg, anom=True)
            self.target = pick(r, c.entries)
        elif s.role in DS_ROLES:
            self.variant = "max_connections_lowered"
            if s.rt == "postgres":
                for i, m in enumerate(["received fast shutdown request", "aborting any active transactions", "database system is shut down"]):
                    s.log(fs + i * 0.3, "INFO", m, None, {"pid": 1}, True)
                c.banner(s, fs + 2, True)
            else:
                s.log(fs, "INFO", "/usr/sbin/mysqld: Shutdown complete (mysqld 8.0.35)  MySQL Community Server - GPL.", None, {"code": "MY-010910"}, True)
                s.log(fs + 3, "INFO", "/usr/sbin/mysqld: ready for connections. Version: '8.0.35'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.", None, {"code": "MY-010931"}, True)
            s.silent.append((fs + 1, fs + 2))
        else:
            http = [c.svcs[n] for n, _ in s.callees if c.svcs[n].role in ("mid", "db")]
            self.variant = pick(r, ["wrong_upstream_port", "invalid_setting"]) if http else "invalid_setting"
            if self.variant == "wrong_upstream_port":
                self.target = pick(r, http)
                self.bad_port = self.target.port + pick(r, [1, 10, 1000, -8000 if self.target.port > 8000 else 2])
            self.deploy(s, fs - 1.2, True)
            self.key = pick(r, ["pricing.rounding-mode", "CACHE_TTL", "feature.limits.maxItems", "retry.backoff", "tax.region"])

    def state(self, name, t):
        if self.active(name, t):
            if self.variant == "max_connections_lowered" and t < self.fs + 2.6:
                return ("down", 1.0, 0.0)
            if self.variant in ("invalid_setting", "max_connections_lowered"):
                return ("err", 1.0, self.p)
            if self.variant == "proxy_route_config":
                return ("err", 1.0, self.p)
        return None

    def outbound(self, case, s, c, t, ctx):
        if s is self.root and t >= self.fs and self.variant == "wrong_upstream_port" and c is self.target:
            return (0, 1.0, "refused")
        return None

    def own_error(self, case, s, t, ctx, caller):
        tr = case.trng
        if s is not self.root:
            return 0
        if s.rt == "postgres":
            s.log(t, "FATAL", "sorry, too many clients already", None, {"pid": 1000 + int(tr.random() * 30000),
                                                                        "user": caller.name.replace("-", "_") if caller else "app", "db": case.table}, True)
            return 0
        if s.rt == "mysql":
            return 0
        val = pick(tr, ["30s", "HALF_EVEN_UP", "-1", "eu_west", ""])
        msg = {"java": "Request processing failed: java.lang.IllegalArgumentException: No enum constant java.math.RoundingMode.%s (property %s)" % (val or "EMPTY", self.key),
               "go": "invalid configuration value", "py": "ValueError: invalid literal for int() with base 10: '%s' (setting %s)" % (val, self.key),
               "node": "TypeError: Cannot read properties of undefined (reading '%s')" % self.key.split(".")[-1],
               "dotnet": "System.FormatException: The input string '%s' was not in a correct format. (Configuration key '%s')" % (val, self.key),
               "ruby": "ArgumentError (invalid value for Integer(): \"%s\")" % val,
               "rust": "invalid value '%s' for '%s': invalid digit found in string" % (val, self.key)}[s.fam]
        case.alog(s, t, "ERROR", msg, stack_for(tr, s, "config", msg, {"c": s.name}), {"key": self.key, "value": val} if s.fam in ("go", "rust") else None)
        return 0

    def db_err_text(self, case, c):
        if c is self.root:
            return "FATAL: sorry, too many clients already" if c.rt == "postgres" else "ERROR 1040 (08004): Too many connections"
        return None

    def err_kw(self, s, c, kind):
        if self.variant == "wrong_upstream_port" and s is self.root and c is self.target:
            return {"port": self.bad_port}
        return {}

    def edge_error(self, case, e, t, ctx, en):
        tr = case.trng
        if e.rt == "nginx":
            case.alog(e, t, "ERROR", '*%d no live upstreams while connecting to upstream, client: %s, server: %s, request: "%s %s HTTP/1.1", upstream: "http://%s_backend%s", host: "%s"' % (
                100000 + case.reqn, ctx["client"], case.public_host, ctx["method"], ctx["cpath"], en.name, ctx["cpath"], case.public_host))
            return 502
        if e.rt == "haproxy":
            return 503
        return 404


class RateLimit(Fault):
    kind = "rate_limit"

    def eligible(self):
        return [s for s in self.app_apps(("api", "mid")) if s.callers] + [s for s in self.app_apps() if any(self.c.svcs[n].role == "external" for n, _ in s.callees)]

    def setup(self):
        r, c, s = self.r, self.c, self.root
        ext = [c.svcs[n] for n, _ in s.callees if c.svcs[n].role == "external"]
        if ext and (not s.callers or r.random() < 0.5):
            self.variant = "dependency_quota_exhausted"
            self.ext = pick(r, ext)
            self.p = r.uniform(0.5, 1.0)
        else:
            self.variant = "limiter_misconfigured"
            self.p = r.uniform(0.3, 0.7)
            self.limit = r.choice([5, 10, 20, 50])
            c.alog(s, self.fs, "INFO", "rate limit policy reloaded: default=%d req/s per client, burst=%d" % (self.limit, self.limit * 2), anom=True)

    def state(self, name, t):
        if self.variant == "limiter_misconfigured" and self.active(name, t):
            return ("429", 1.0, self.p)
        return None

    def on_limited(self, case, s, t, caller, ctx):
        if case.trng.random() < 0.3:
            case.alog(s, t, "WARN", "rate limit exceeded for client %s (%d req/s allowed), rejecting with 429" % (caller.name if caller else ctx.get("client"), self.limit))

    def outbound(self, case, s, c, t, ctx):
        if self.variant == "dependency_quota_exhausted" and s is self.root and c is self.ext and t >= self.fs:
            if case.trng.random() < self.p * ramp(t, self.fs, 60):
                return (429, 40.0, "429")
        return None


class MemoryLeak(Fault):
    kind = "memory_leak"

    def eligible(self):
        return self.app_apps()

    def setup(self):
        r, c, s = self.r, self.c, self.root
        s.stats = True
        if s.fam == "java" and r.random() < 0.7:
            s.gc = True
        self.variant = pick(r, ["heap_leak_oom", "unbounded_cache"])
        self.base = r.randint(30, 50)
        inc = c.Tend - self.fs
        self.leak = inc * r.uniform(0.45, 0.8)
        self.cycles = []
        t = self.fs
        while t + self.leak < c.Tend:
            oom = t + self.leak
            if s.fam == "java":
                c.alog(s, oom, "ERROR", "Handler dispatch failed: java.lang.OutOfMemoryError: Java heap space", [
                    "java.lang.OutOfMemoryError: Java heap space", "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)",
                    "\tat com.%s.cache.LocalCache.put(LocalCache.java:77)" % s.pkg], anom=True)
                s.log(oom + 0.3, "INFO", "Terminating due to java.lang.OutOfMemoryError: Java heap space", None, None, True, "RAW")
            dead = r.uniform(10, 40)
            s.silent.append((oom + 0.4, oom + dead))
            self.cycles.append((t, oom, oom + dead))
            c.banner(s, oom + dead, True)
            t = oom + dead + 2
        self.cycles.append((t, INF, INF))

    def heap(self, t):
        if t < self.fs:
            return None
        for a, oom, up in self.cycles:
            if t < a:
                return None
            if t < oom:
                return self.base + (98 - self.base) * (t - a) / (oom - a) if oom < INF else self.base + (98 - self.base) * (t - a) / self.leak
            if t < up:
                return -1
        return None

    def state(self, name, t):
        if self.active(name, t):
            h = self.heap(t)
            if h == -1:
                return ("down", 1.0, 0.0)
            if h and h > 85:
                return ("slow", 1.0 + (h - 85) * 0.8, 0.0)
        return None

    def stats_mod(self, case, s, t):
        if s is not self.root:
            return None
        tr = case.trng
        h = self.heap(t)
        if h is None or h < 0:
            return {"heap": self.base + int(tr.random() * 7), "pause": 3 + tr.random() * 20}
        h = min(99, h + tr.random() * 3)
        pause = 5 + tr.random() * 20 if h < 75 else (h - 70) ** 2 * (1 + tr.random())
        return {"heap": int(h), "pause": pause, "anom": h > self.base + 10, "level": "WARN" if h > 92 and s.fam != "java" else "INFO"}


class CPUThrottle(Fault):
    kind = "cpu_throttling"
    no_root_errors = True

    def eligible(self):
        return self.app_apps()

    def setup(self):
        r, c, s = self.r, self.c, self.root
        self.variant = pick(r, ["cfs_quota_throttled", "noisy_neighbour"])
        self.L = r.uniform(3, 12)
        self.ramp = r.uniform(20, 180)
        s.stats = True
        if s.fam == "java":
            t = self.fs + r.uniform(30, 90)
            while t < c.Tend:
                c.alog(s, t, "WARN", "HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta=%ds%dms)." % (r.randint(40, 90), r.randint(0, 999)),
                       fields={"logger": "com.zaxxer.hikari.pool.HikariPool"})
                t += r.uniform(40, 150)
        elif s.fam == "dotnet":
            t = self.fs + r.uniform(10, 40)
            while t < c.Tend:
                c.alog(s, t, "WARN", 'As of "%s", the heartbeat has been running for "00:00:0%d.%07d" which is longer than "00:00:01". This could be caused by thread pool starvation.' % (
                    iso_local(t, 0, 7), r.randint(1, 6), r.randint(0, 9999999)))
                t += r.uniform(20, 90)

    def state(self, name, t):
        if self.active(name, t):
            return ("slow", 1.0 + (self.L - 1.0) * ramp(t, self.fs, self.ramp), 0.0)
        return None

    def stats_mod(self, case, s, t):
        if s is not self.root or t < self.fs:
            return None
        k = 1.0 + (self.L - 1.0) * ramp(t, self.fs, self.ramp)
        tr = case.trng
        return {"pause": (5 + tr.random() * 25) * k, "active": min(10, int((tr.random() * 4) * k)), "anom": k > 2.0}

    def on_request(self, case, s, t, dur, status, ctx):
        if dur < 800 or case.trng.random() > 0.35:
            return
        msg = {"java": "Slow request: %s took %dms" % (ctx.get("cpath") or "request", dur), "go": "handler took longer than expected",
               "py": "request %s took %.1fs" % (ctx.get("cpath") or "", dur / 1000), "node": "event loop lag high: %dms" % int(dur * 0.6),
               "dotnet": "Request took {Elapsed} ms".replace("{Elapsed}", str(int(dur))), "ruby": "Slow request (%dms)" % dur,
               "rust": "request exceeded latency budget"}[s.fam]
        case.alog(s, t + dur / 1000, "WARN", msg, fields={"elapsed_ms": int(dur)} if s.fam in ("go", "rust") else None)


class NetPartition(Fault):
    kind = "net_partition"

    def eligible(self):
        return [s for s in self.app_apps(("api", "mid")) if s.callers and s.callees]

    def setup(self):
        r, c, s = self.r, self.c, self.root
        self.variant = pick(r, ["packet_loss", "node_partition"])
        if self.variant == "packet_loss":
            self.p = r.uniform(0.25, 0.55)
            self.end = c.Tend + 1
        else:
            self.p = 1.0
            self.end = self.fs + r.uniform(180, 480)
        ds = [c.svcs[n] for n, _ in s.callees if c.svcs[n].role in DS_ROLES]
        if self.variant == "node_partition" and not ds:
            self.first_sign = "silence"
        for d in ds:
            t = self.fs + r.uniform(3, 25)
            while t < min(self.end, c.Tend):
                if r.random() < self.p:
                    c.alog(s, t, pick(r, ["WARN", "ERROR"]), "lost connection to %s (%s:%d): i/o timeout; reconnecting" % (d.name, d.ip, d.port))
                t += r.uniform(10, 40)

    def state(self, name, t):
        if self.active(name, t) and t < self.end:
            return ("drop", 1.0, self.p)
        return None

    def outbound(self, case, s, c, t, ctx):
        if s is self.root and self.fs <= t < self.end and case.trng.random() < self.p:
            return (0, INF, "hang")
        return None


class ConsumerLag(Fault):
    kind = "consumer_lag"

    def eligible(self):
        return list(self.c.consumers)

    def setup(self):
        r, c, s = self.r, self.c, self.root
        self.variant = pick(r, ["poison_message", "slow_handler", "stuck_after_rebalance"])
        fs = self.fs
        if self.variant == "slow_handler":
            self.k = r.uniform(4, 15)
            c.lag_fn = lambda t: max(0.0, (t - fs) * (1 - 1 / self.k))
        else:
            c.lag_fn = lambda t: max(0.0, t - fs)
        self.poison_offset = r.randint(10 ** 6, 9 * 10 ** 6)
        self.attempt = 0
        self.last_lag = fs
        br = [c.svcs[n] for n in c.svcs if c.svcs[n].role == "broker"]
        if self.variant == "stuck_after_rebalance":
            c.alog(s, fs, "INFO", "Revoking previously assigned partitions [%s]" % ", ".join("%s-%d" % (c.topic, i) for i in range(3)), anom=True)
            c.alog(s, fs + 0.2, "INFO", "(Re-)joining group %s-group" % s.name.split("-")[0], anom=True)
            if br and br[0].rt == "kafka":
                br[0].log(fs + 0.1, "INFO", "[GroupCoordinator 1]: Preparing to rebalance group %s-group in state PreparingRebalance with old generation %d (__consumer_offsets-%d) (reason: Adding new member %s-%s with group instance id None)" % (
                    s.name.split("-")[0], r.randint(3, 90), r.randint(0, 49), s.name, k8s_suffix(r, 8)), None, {"logger": "kafka.coordinator.group.GroupCoordinator"})

    def state(self, name, t):
        if self.variant == "slow_handler" and self.active(name, t):
            return ("slow", self.k, 0.0)
        return None

    def consumer_step(self, case, c, t, offset, group):
        if c is not self.root or t < self.fs or self.variant == "slow_handler":
            return False
        if self.variant == "stuck_after_rebalance":
            return True
        tr = case.trng
        self.attempt += 1
        err = {"java": "Failed to deserialize message: com.fasterxml.jackson.core.JsonParseException: Unexpected character ('\\u0000' (code 0)): expected a valid value",
               "go": "decode event: proto: cannot parse invalid wire-format data",
               "py": "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
               "node": "SyntaxError: Unexpected token \u0000 in JSON at position 0",
               "dotnet": "Confluent.Kafka.ConsumeException: Local: Value deserialization error",
               "ruby": "JSON::ParserError: unexpected token at '\\x00\\x00\\x00\\x01'",
               "rust": "failed to decode payload: invalid value: integer `0`, expected struct OrderEvent"}[c.fam]
        case.alog(c, t, "ERROR", "error processing message topic=%s partition=%d offset=%d: %s" % (case.topic, self.poison_offset % 12, self.poison_offset, err),
                  stack_for(tr, c, "poison", err, {"c": case.topic}))
        case.alog(c, t + 0.01, "WARN", "retrying offset %d in %ds (attempt %d)" % (self.poison_offset, 5, self.attempt))
        if t - self.last_lag > 60:
            self.last_lag = t
            lag = int(case.lag_fn(t) * case.pub_rate)
            case.alog(c, t, "WARN", "consumer group %s lag=%d messages (max partition lag %d)" % (group, lag, lag))
        return True


class CacheDown(Fault):
    kind = "cache_down"

    def eligible(self):
        return [s for s in self.c.svcs.values() if s.role == "cache"]

    def setup(self):
        r, c, s = self.r, self.c, self.root
        self.variant = pick(r, ["crash_restart", "crash_restart", "bgsave_misconf", "maxmemory_oom"])
        users = [c.svcs[n] for n in s.callers]
        self.dbs = set()
        for u in users:
            for n, _ in u.callees:
                if c.svcs[n].role == "db":
                    self.dbs.add(n)
        self.load = r.uniform(1.5, 4.0)
        self.end = c.Tend + 1
        if self.variant == "crash_restart":
            self.first_sign = "silence"
            d = r.uniform(90, 500)
            self.end = self.fs + d
            s.silent.append((self.fs, self.end))
            if self.end < c.Tend:
                c.banner(s, self.end, True)
            self.mode, self.p = "down", 1.0
        elif self.variant == "bgsave_misconf":
            self.mode, self.p = "err", r.uniform(0.4, 0.7)
            t = self.fs
            while t < c.Tend:
                s.log(t, "WARN", "Can't save in background: fork: Cannot allocate memory", None, None, True)
                t += 5 + r.random()
                if r.random() < 0.2:
                    s.log(t, "WARN", "Background saving error", None, None, True)
        else:
            self.mode, self.p = "err", r.uniform(0.5, 0.9)
            self.first_sign = "line"   # redis logs nothing for OOM command rejections -> null

    def state(self, name, t):
        if t >= self.fs and t < self.end:
            if name == self.root.name:
                return (self.mode, 1.0, self.p)
            if name in self.dbs:
                return ("slow", self.load, 0.0)
        return None

    def db_err_text(self, case, c):
        if c is self.root:
            if self.variant == "bgsave_misconf":
                return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
            return "OOM command not allowed when used memory > 'maxmemory'."
        return None


class ExpiredCredentials(Fault):
    kind = "expired_credentials"

    def eligible(self):
        return [s for s in self.app_apps() if any(self.c.svcs[n].rt in ("postgres", "mysql") or self.c.svcs[n].role == "external" for n, _ in s.callees)]

    def setup(self):
        r, c, s = self.r, self.c, self.root
        dbs = [c.svcs[n] for n, _ in s.callees if c.svcs[n].rt in ("postgres", "mysql")]
        ext = [c.svcs[n] for n, _ in s.callees if c.svcs[n].role == "external"]
        if dbs and (not ext or r.random() < 0.6):
            self.variant, self.target = "db_password_rotated", pick(r, dbs)
            self.ramp = r.uniform(60, 300)
        else:
            self.variant, self.target = "api_token_expired", pick(r, ext)
            self.ramp = 5

    def err_kw(self, s, c, kind):
        return {"why": pick(self.r, ["token expired", "invalid_client: client secret expired"])} if kind == "auth" else {}

    def outbound(self, case, s, c, t, ctx):
        if s is self.root and c is self.target and t >= self.fs:
            tr = case.trng
            if tr.random() < ramp(t, self.fs, self.ramp):
                if self.variant == "api_token_expired":
                    return (401, 30.0, "auth")
                if tr.random() < 0.5:
                    u = s.name.replace("-", "_")
                    if c.rt == "postgres":
                        c.log(t, "FATAL", 'password authentication failed for user "%s"' % u,
                              ['DETAIL:  Connection matched pg_hba.conf line 99: "host all all all scram-sha-256"'],
                              {"pid": 2000 + int(tr.random() * 30000), "user": u, "db": case.table}, False)
                    else:
                        c.log(t, "WARN", "Access denied for user '%s'@'%s' (using password: YES)" % (u, s.ip), None,
                              {"code": "MY-010926", "thread_id": int(tr.random() * 900)}, False)
                return (0, 25.0, "db_auth")
        return None


class ThreadPool(Fault):
    kind = "thread_pool_saturation"
    err_status = 503

    def eligible(self):
        return [s for s in self.app_apps(("api", "mid")) if s.callers]

    def setup(self):
        r = self.r
        self.variant = pick(r, ["worker_pool_exhausted", "blocking_calls_on_event_loop"])
        self.L = r.uniform(2, 6)
        self.pmax = r.uniform(0.2, 0.6)
        self.ramp = r.uniform(60, 240)

    def state(self, name, t):
        if self.active(name, t):
            k = ramp(t, self.fs, self.ramp)
            return ("errslow", 1 + (self.L - 1) * k, self.pmax * k)
        return None

    def own_error(self, case, s, t, ctx, caller):
        tr = case.trng
        fam = s.fam
        if fam == "java":
            msg = "Task java.util.concurrent.FutureTask@%x rejected from java.util.concurrent.ThreadPoolExecutor@%x[Running, pool size = 200, active threads = 200, queued tasks = 1000, completed tasks = %d]" % (
                tr.getrandbits(28), tr.getrandbits(28), int(t) % 10 ** 7)
            case.alog(s, t, "ERROR", "Request processing failed: java.util.concurrent.RejectedExecutionException: " + msg)
        elif s.rt == "py-gunicorn":
            pid = 20 + int(tr.random() * 200)
            case.alog(s, t, "FATAL", "WORKER TIMEOUT (pid:%d)" % pid)
            case.alog(s, t + 0.05, "INFO", "Booting worker with pid: %d" % (pid + 1), anom=True)
        else:
            msg = {"go": "http: Accept error: accept tcp [::]:%d: accept4: too many open files; retrying in 1s" % s.port,
                   "py": "executor queue full (max_workers=32, queued=512); rejecting request",
                   "node": "Server too busy, rejecting request (event loop lag %dms)" % (700 + int(tr.random() * 900)),
                   "dotnet": "Request queue limit reached; rejecting request with 503 (QueueLimit=100)",
                   "ruby": "Rack::Timeout::RequestTimeoutException: Request waited %dms, then ran for longer than 15000ms" % (5000 + int(tr.random() * 9000)),
                   "rust": "request rejected: concurrency limit reached (max 256 in flight)"}[fam]
            case.alog(s, t, "ERROR", msg)
        return 0


class BadFeatureFlag(Fault):
    kind = "bad_feature_flag"

    def eligible(self):
        return self.app_apps(("api", "mid"))

    def setup(self):
        r, c, s = self.r, self.c, self.root
        self.variant = pick(r, ["flag_enabled_for_all", "percentage_rollout"])
        self.flag = pick(r, ["new-pricing-engine", "async-checkout", "v2-serializer", "smart-routing", "batch-writes", "tenant-isolation"])
        self.p = r.uniform(0.4, 0.8) if self.variant == "flag_enabled_for_all" else r.uniform(0.1, 0.35)
        c.alog(s, self.fs, "INFO", "feature flag '%s' changed: false -> true (rollout %d%%, source=%s)" % (
            self.flag, 100 if self.variant == "flag_enabled_for_all" else r.choice([10, 25, 50]), pick(r, ["launchdarkly", "flagd", "unleash", "configcat"])), anom=True)

    def state(self, name, t):
        if self.active(name, t):
            return ("err", 1.0, self.p)
        return None

    def own_error(self, case, s, t, ctx, caller):
        tr = case.trng
        fam = s.fam
        msg = {"java": "Request processing failed: java.lang.NullPointerException: Cannot invoke \"java.math.BigDecimal.multiply(java.math.BigDecimal)\" because \"rate\" is null",
               "go": "panic recovered: runtime error: index out of range [3] with length 3",
               "py": "Unhandled exception in %s: AttributeError: 'NoneType' object has no attribute 'currency'" % (ctx.get("cpath") or "handler"),
               "node": "TypeError: Cannot read properties of null (reading 'currency')",
               "dotnet": "An unhandled exception has occurred while executing the request. System.NullReferenceException: Object reference not set to an instance of an object.",
               "ruby": "NoMethodError (undefined method `currency' for nil:NilClass)",
               "rust": "handler panicked: called `Option::unwrap()` on a `None` value"}[fam]
        case.alog(s, t, "ERROR", msg, stack_for(tr, s, "flag", msg, {"c": s.name}), {"flag": self.flag} if fam in ("go", "rust") else None)
        return 0


class SchemaMismatch(Fault):
    kind = "schema_mismatch"

    def eligible(self):
        return [s for s in self.app_apps(("api", "mid")) if any(self.c.svcs[n].role in APP_ROLES + ("cron",) for n in s.callers)]

    def setup(self):
        self.variant = pick(self.r, ["field_type_changed", "envelope_added"])
        self.p = self.r.uniform(0.4, 1.0)
        self.deploy(self.root, self.fs - 1.2, True)

    def state(self, name, t):
        if self.active(name, t):
            return ("malformed", 1.0, self.p)
        return None


class MigrationLock(Fault):
    kind = "migration_lock"

    def eligible(self):
        return [s for s in self.c.crons if any(self.c.svcs[n].rt in ("postgres", "mysql") for n, _ in s.callees)]

    def setup(self):
        r, c, s = self.r, self.c, self.root
        self.variant = pick(r, ["add_index_without_concurrently", "alter_table_rewrite"])
        self.db = [c.svcs[n] for n, _ in s.callees if c.svcs[n].rt in ("postgres", "mysql")][0]
        self.p = r.uniform(0.5, 1.0)
        self.end = self.fs + (c.Tend - self.fs) * r.uniform(0.7, 1.3)
        self.rel = r.randint(16000, 40000)
        self.hold_pid = r.randint(100, 9000)

    def cron_override(self, case, c):
        if c is not self.root:
            return False
        r, s = self.r, self.root
        ver = "2026%02d%02d%04d" % (r.randint(1, 11), r.randint(1, 28), r.randint(0, 2359))
        t = self.c.T0 + r.uniform(0, 300)
        while t < self.fs - 5:
            case.alog(s, t, "INFO", "checking for pending migrations: schema \"public\" is up to date (version %s)" % ver, anom=False)
            t += r.choice([300, 600, 900])
        stmt = ("CREATE INDEX idx_%s_created_at ON %s (created_at)" % (case.table, case.table) if self.variant.startswith("add")
                else "ALTER TABLE %s ALTER COLUMN total TYPE numeric(14,2)" % case.table)
        case.alog(s, self.fs, "INFO", "Migrating schema \"public\" to version \"%s - %s\"" % (str(int(ver) + 1), stmt.split(" ON ")[0].lower()), anom=True)
        case.alog(s, self.fs + 0.02, "INFO", "executing: %s" % stmt, anom=True)
        if self.end < self.c.Tend:
            case.alog(s, self.end, "INFO", "Successfully applied 1 migration to schema \"public\", now at version v%s (execution time %02d:%02d.%03ds)" % (
                int(ver) + 1, int(self.end - self.fs) // 60, int(self.end - self.fs) % 60, r.randint(0, 999)), anom=True)
        return True

    def state(self, name, t):
        if name == self.db.name and self.fs <= t < self.end:
            return ("hangp", 1.0, self.p)
        return None

    def on_request(self, case, s, t, dur, status, ctx):
        if s is self.db and s.rt == "postgres" and case.trng.random() < 0.15:
            tr = case.trng
            pid = 2000 + int(tr.random() * 30000)
            s.log(t + 1.0, "INFO", "process %d still waiting for RowExclusiveLock on relation %d of database 16384 after 1000.%03d ms" % (pid, self.rel, int(tr.random() * 999)),
                  ["DETAIL:  Process holding the lock: %d. Wait queue: %d." % (self.hold_pid, pid),
                   "STATEMENT:  " + pick(tr, SQL[1:3]).format(t=case.table)], {"pid": pid}, False)


class RetryStorm(Fault):
    kind = "retry_storm"

    def eligible(self):
        return [s for s in self.app_apps() if any(self.c.svcs[n].role == "mid" for n, _ in s.callees)]

    def setup(self):
        r, c, s = self.r, self.c, self.root
        self.variant = pick(r, ["retry_policy_deploy", "client_library_upgrade"])
        self.target = c.svcs[pick(r, [n for n, _ in s.callees if c.svcs[n].role == "mid"])]
        self.n = r.randint(5, 9)
        e = self.deploy(s, self.fs - 1.2, True)
        c.alog(s, e + 0.1, "INFO", "resilience config: retry.%s.maxAttempts=%d waitDuration=0ms exponentialBackoff=false" % (self.target.name, self.n), anom=True)
        self.t0 = self.fs + r.uniform(10, 40)
        self.L = r.uniform(5, 20)
        self.pmax = r.uniform(0.2, 0.5)
        self.ramp = r.uniform(60, 200)

    def retries(self, s, c, t):
        if s is self.root and c is self.target and t >= self.fs:
            return self.n
        return s.retries

    def backoff_mult(self, s, t):
        return 0.05 if (s is self.root and t >= self.fs) else 1.0

    def state(self, name, t):
        if name == self.target.name and t >= self.t0:
            k = ramp(t, self.t0, self.ramp)
            return ("errslow", 1 + (self.L - 1) * k, self.pmax * k)
        return None

    def own_error(self, case, s, t, ctx, caller):
        if s is self.target:
            tr = case.trng
            msg = pick(tr, ["rejecting request: too many in-flight requests (%d > 512)" % (512 + int(tr.random() * 900)),
                            "request queue full, shedding load", "upstream overloaded: semaphore acquire timed out after 2000ms"])
            case.alog(s, t, "ERROR", msg)
        return 0


class ClockJump(Fault):
    kind = "clock_jump"
    first_sign = "jump"

    def eligible(self):
        return [s for s in self.app_apps() if any(self.c.svcs[n].role in ("mid", "api") for n, _ in s.callees)]

    def setup(self):
        r = self.r
        self.variant = pick(r, ["ntp_step_forward", "ntp_step_backward"])
        self.J = r.uniform(120, 3600) if self.variant == "ntp_step_forward" else -r.uniform(120, 900)
        self.J = round(self.J, 3)
        self.root.jump = (self.fs, self.J)

    def outbound(self, case, s, c, t, ctx):
        if s is self.root and t >= self.fs and c.role in ("mid", "api") and case.trng.random() < 0.9:
            tr = case.trng
            if tr.random() < 0.5:
                iat = int(t + self.J)
                case.alog(c, t, "WARN", "rejected bearer token from %s: %s (iat=%d, now=%d)" % (
                    s.name, "token used before issued" if self.J > 0 else "token is expired", iat, int(t)))
            return (401, 3.0, "auth")
        return None


class LogFlood(Fault):
    kind = "log_flood"

    def eligible(self):
        return self.app_apps(("api", "mid"))

    def setup(self):
        r, c, s = self.r, self.c, self.root
        self.variant = pick(r, ["debug_enabled_in_prod", "trace_logging_left_on"])
        c.alog(s, self.fs, "INFO", {"java": "Set log level of logger 'ROOT' to DEBUG via actuator /loggers",
                                    "py": "log level changed: root -> DEBUG", "go": "log level changed to debug",
                                    "node": "logger level set to 'debug'", "dotnet": "Minimum level switched to Debug",
                                    "ruby": "Rails.logger.level = :debug (set via console)", "rust": "reloaded filter directive: debug"}[s.fam], anom=True)
        self.L = r.uniform(3, 8)
        self.ramp = r.uniform(60, 240)
        self.keep = r.uniform(0.3, 1.0)

    def state(self, name, t):
        if self.active(name, t):
            return ("slow", 1 + (self.L - 1) * ramp(t, self.fs, self.ramp), 0.0)
        return None

    def on_request(self, case, s, t, dur, status, ctx):
        tr = case.trng
        if tr.random() > self.keep:
            return
        n = 3 + int(tr.random() * 8)
        tbl = case.table
        msgs = ["Resolved handler method for %s %s" % (ctx.get("method"), ctx.get("cpath") or "/"),
                "HTTP headers: {accept=application/json, user-agent=%s, x-request-id=%s}" % ("okhttp/4.12.0", ctx.get("trace") or "-"),
                "select o.id, o.status, o.total from %s o where o.id=?" % tbl,
                "binding parameter [1] as [BIGINT] - [%d]" % (100000 + int(tr.random() * 900000)),
                "cache lookup key=%s:%d hit=%s" % (tbl, int(tr.random() * 99999), "true" if tr.random() < 0.7 else "false"),
                "serialized response in %dus (%d bytes)" % (int(tr.random() * 900), 200 + int(tr.random() * 5000)),
                "acquired connection from pool (active=%d idle=%d)" % (int(tr.random() * 8), int(tr.random() * 4))]
        for i in range(n):
            case.alog(s, t + i * dur / 1000.0 / n, "DEBUG", pick(tr, msgs), anom=True)


FAULTS = [PoolExhaustion, SlowLatency, Hang, CrashLoop, SuddenDeath, DNSFailure, TLSExpiry, DiskFull, BadConfigDeploy,
          RateLimit, MemoryLeak, CPUThrottle, NetPartition, ConsumerLag, CacheDown, ExpiredCredentials, ThreadPool,
          BadFeatureFlag, SchemaMismatch, MigrationLock, RetryStorm, ClockJump, LogFlood]
FAULT_BY_KIND = {f.kind: f for f in FAULTS}

# ----------------------------------------------------------------------------------------------
# red herrings, case generation, layouts, truth
# ----------------------------------------------------------------------------------------------

TABLES = {"shop": ["orders", "carts", "payments", "shipments"], "media": ["assets", "playlists", "sessions", "renditions"],
          "fin": ["transfers", "accounts", "ledger_entries", "cards"], "logi": ["shipments", "routes", "parcels", "drivers"],
          "health": ["appointments", "patients", "claims", "prescriptions"], "social": ["posts", "comments", "follows", "messages"]}
HERRING_KINDS = ["cron_error_bursts", "benign_deploy", "warn_chatter", "background_errors", "traffic_burst", "hpa_scale",
                 "callee_deploy", "error_rate_shift", "slow_query_noise", "unrelated_restart"]
WARN_CHATTER = {
    "java": ["Deprecated configuration property 'spring.redis.host' is used; use 'spring.data.redis.host' instead",
             "Connection pool stats: active connections close to maximum? (9/10)", "Unable to push metrics to statsd:8125: Connection refused"],
    "go": ["metrics exporter: failed to push: Post \"http://otel-collector:4318/v1/metrics\": dial tcp: i/o timeout",
           "config key 'legacy_mode' is deprecated", "slow dns lookup"],
    "py": ["DeprecationWarning: datetime.datetime.utcnow() is deprecated", "Unverified HTTPS request is being made to host 'metrics.internal'",
           "Connection pool is full, discarding connection: metrics.internal"],
    "node": ["(node:1) MaxListenersExceededWarning: Possible EventEmitter memory leak detected. 11 error listeners added",
             "feature flag client not ready, using defaults", "slow upstream response from analytics"],
    "dotnet": ["Overriding address(es) 'http://+:80'. Binding to endpoints defined via IConfiguration and/or UseKestrel() instead.",
               "No XML encryptor configured. Key {%s} may be persisted to storage in unencrypted form.", "Failed to determine the https port for redirect."],
    "ruby": ["DEPRECATION WARNING: Using legacy connection handling is deprecated", "Rack::Attack throttle hit for 10.0.4.12",
             "Cache read miss rate high: 62%"],
    "rust": ["metrics push failed: connection refused", "config option `max_idle` is deprecated", "slow poll of background task"],
}
BG_ERRORS = ["failed to send analytics event: 400 Bad Request", "invalid signature on incoming webhook (provider=%s)",
             "user %d not found", "request validation failed: field 'postcode' must match pattern", "failed to render legacy invoice template: missing key 'vat_id'",
             "token introspection failed for client mobile-app: invalid_grant"]
SHIFT_ERRORS = ["payment method declined by issuer: do_not_honor", "geocoding failed for address: ZERO_RESULTS",
                "partner API returned 422 Unprocessable Entity for sku %d", "email bounce: mailbox full for user %d",
                "push notification rejected: BadDeviceToken"]
GARBAGE = ["Picked up JAVA_TOOL_OPTIONS: -XX:MaxRAMPercentage=75.0", "npm WARN config production Use `--omit=dev` instead.",
           '{"level":30,"time":17', "\x1b[2m--\x1b[0m", "Killed", "}", "  at <anonymous>", "\t... 37 more",
           "WARNING: An illegal reflective access operation has occurred", "SLF4J: Class path contains multiple SLF4J bindings.",
           "Segmentation fault (core dumped)", "==> /var/log/app.log <==", "Error: ", "----", "[object Object]",
           "Exception ignored in: <function _DeleteDummyThreadOnDel.__del__ at 0x7f2e>", "########", "ok"]


class CaseGen(Case):
    def generate(self):
        r = self.rng
        self.build()
        day = r.randint(0, 330)
        self.T0 = EPOCH_2026 + day * 86400 + r.randint(0, 23) * 3600 + r.randint(0, 59) * 60 + r.randint(0, 59) + r.random()
        self.normal = r.uniform(600, 2400)
        self.fs = self.T0 + self.normal
        self.Tend = self.fs + r.uniform(300, 1200)
        self.table = pick(r, TABLES[self.dom])
        self.topic = pick(r, ["%s-events", "%s.v1", "%s_updates", "domain.%s"]) % self.table
        self.public_host = pick(r, ["api.%s.example.com", "%s.example.net", "www.%s-shop.io", "gw.%s.corp"]) % self.dom
        self.phase = r.random() * 6.28
        self.bursts, self.hap = [], {}
        self.cert_exp = self.fs
        self.any_trace = any(s.trace for s in self.svcs.values())
        self.entry_w = r.uniform(0.5, 0.85)
        self.pub_rate = 1.0
        self.cron_herring = None
        if self.edge:
            self.edge.timeout_ms = {"nginx": 60000, "envoy": 15000, "haproxy": 30000}[self.edge.rt]
        # fault
        cls = FAULT_BY_KIND[self.kind]
        f = cls(self)
        cands = sorted(f.eligible(), key=lambda s: s.name)
        if not cands:
            cls = CrashLoop
            f = cls(self)
            cands = sorted(f.eligible(), key=lambda s: s.name)
        self.root = pick(r, cands)
        f.root = self.root
        self.fault = f
        f.setup()
        self.add_herrings()
        self.status_checkers = set(self.svcs[n] for b in self.svcs.values() if b.role == "broker" for n in b.callers)
        # background, calibration, traffic
        self.background()
        bg = self.weight()
        target = r.randint(24000, 150000)
        snap = {n: len(s.recs) for n, s in self.svcs.items()}
        mid = self.fs + 0.5 * (self.Tend - self.fs)
        lpr = []
        for a in (self.T0, mid):
            n0, w0 = self.reqn, self.weight()
            self.run_traffic(4.0, a, a + 40)
            lpr.append(max(1.0, (self.weight() - w0) / max(1, self.reqn - n0)))
        self.truncate(snap)
        denom = (lpr[0] * self.normal + lpr[1] * (self.Tend - self.fs)) * 1.1
        rate = max(0.3, min(60.0, (target - bg) / denom))
        for attempt in range(2):
            self.rate = rate
            self.pub_rate = rate * 0.4
            self.run_traffic(rate, self.T0, self.Tend)
            total = self.weight()
            if 21000 <= total <= 165000 or attempt == 1:
                break
            self.truncate(snap)
            rate = max(0.3, min(80.0, rate * (target - bg) / max(1.0, total - bg)))
        self.garbage()

    def weight(self):
        n = 0
        for s in self.svcs.values():
            n += len(s.recs)
            rails = s.rt == "ruby-rails"
            for rec in s.recs:
                if rec[4]:
                    n += len(rec[4])
                elif rails and rec[1] == "ACCESS":
                    n += 1
        return n

    def truncate(self, snap):
        for n, s in self.svcs.items():
            del s.recs[snap.get(n, 0):]
            s.cb_state = {}
        self.hap = {}

    # -- herrings -----------------------------------------------------------------------------
    def add_herrings(self):
        r = self.rng
        root = self.root
        neigh = set(root.callees and [n for n, _ in root.callees]) | set(root.callers) | {root.name}
        apps = [s for s in self.svcs.values() if s.role in APP_ROLES and s is not root]
        unrelated = [s for s in apps if s.name not in neigh] or apps
        kinds = list(HERRING_KINDS)
        r.shuffle(kinds)
        want = r.randint(1, 3)
        self.herrings = []
        for k in kinds:
            if len(self.herrings) >= want:
                break
            h = self.herring(k, apps, unrelated, neigh)
            if h:
                self.herrings.append(h)

    def herring(self, k, apps, unrelated, neigh):
        r, fs, T0, T1 = self.rng, self.fs, self.T0, self.Tend
        root = self.root
        if k == "cron_error_bursts":
            crons = [c for c in self.crons if c is not root and not isinstance(self.fault, MigrationLock)]
            if not crons:
                if len(self.svcs) - len(self.externals) >= 12:
                    return None
                c = self.add(pick(r, CRON_NAMES), "cron", pick(r, APP_RUNTIMES))
                c.host = c.name
                c.paths = ["/"]
                c.stack_p = 0.8
                dbl = [d for d in self.ds if d.role == "db" and d is not root]
                tgt = pick(r, dbl) if dbl else pick(r, [a for a in self.apps if a is not root] or self.apps)
                c.callees.append((tgt.name, 1.0))
                tgt.callers.append(c.name)
                c.db_timeout, c.timeout_ms, c.retries = 30000, 30000, 0
                self.crons.append(c)
                crons = [c]
            c = crons[0]
            self.cron_herring = {"svc": c, "p": r.uniform(0.4, 0.9),
                                 "msgs": r.sample(["SFTP upload to partner-sftp.example.net timed out after 30000ms",
                                                   "Permission denied (publickey)", "S3 PutObject failed: SlowDown: Please reduce your request rate.",
                                                   "report template 'monthly_v2' not found", "connection reset by peer while uploading chunk 12/40",
                                                   "remote host closed connection during handshake"], 3)}
            return {"kind": k, "service": c.name, "at": None}
        if k in ("benign_deploy", "callee_deploy"):
            if k == "benign_deploy":
                pool = [s for s in unrelated if s.name not in neigh]
                t = fs + r.uniform(-300, 300)
            else:
                pool = [self.svcs[n] for n in neigh if n != root.name and self.svcs[n].role in APP_ROLES]
                t = fs - r.uniform(60, 600)
            pool = [s for s in pool if not s.deploys]
            if not pool:
                return None
            s = pick(r, sorted(pool, key=lambda x: x.name))
            Fault.deploy(self.fault, s, t, False)
            return {"kind": k, "service": s.name, "at": iso_z(t)}
        if k == "warn_chatter":
            if not apps:
                return None
            s = pick(r, apps)
            msgs = WARN_CHATTER[s.fam]
            t = T0 + r.uniform(0, 20)
            iv = r.uniform(5, 40)
            while t < T1:
                m = pick(r, msgs)
                s.log(t, "WARN", m % k8s_suffix(r, 8) if "%s" in m else m, None, None, False)
                t += iv * r.uniform(0.5, 1.5)
            return {"kind": k, "service": s.name, "at": None}
        if k == "background_errors":
            if not apps:
                return None
            s = pick(r, apps)
            t = T0 + r.uniform(0, 60)
            while t < T1:
                m = pick(r, BG_ERRORS)
                m = m % (pick(r, EXTERNALS) if "%s" in m else r.randint(1000, 999999)) if "%" in m else m
                ex = None
                if s.fam == "java" and r.random() < 0.5:
                    ex = ["java.lang.IllegalStateException: " + m, "\tat com.%s.legacy.Handler.process(Handler.java:%d)" % (s.pkg, r.randint(10, 300)),
                          "\tat java.base/java.lang.Thread.run(Thread.java:833)"]
                s.log(t, "ERROR", m, ex, None, False)
                t += r.uniform(15, 150)
            return {"kind": k, "service": s.name, "at": None}
        if k == "traffic_burst":
            t0 = r.uniform(T0 + 60, T1 - 120)
            if r.random() < 0.4:
                t0 = fs + r.uniform(-400, 100)
            self.bursts.append((t0, t0 + r.uniform(60, 240), r.uniform(1.8, 3.5)))
            return {"kind": k, "service": self.edge.name if self.edge else self.entries[0].name, "at": iso_z(t0)}
        if k == "hpa_scale":
            pool = [s for s in apps if s.role in ("api", "mid")]
            if not pool:
                return None
            s = pick(r, pool)
            t = r.uniform(T0 + 120, T1 - 60)
            s.scale_events = getattr(s, "scale_events", []) + [t]
            self.banner(s, t, False)
            return {"kind": k, "service": s.name, "at": iso_z(t)}
        if k == "error_rate_shift":
            if not unrelated:
                return None
            s = pick(r, unrelated)
            t = fs + r.uniform(-240, 240)
            t0 = t
            iv = r.uniform(3, 20)
            while t < T1:
                m = pick(r, SHIFT_ERRORS)
                s.log(t, "ERROR" if r.random() < 0.7 else "WARN", m % r.randint(1000, 99999) if "%d" in m else m, None, None, False)
                t += iv * r.uniform(0.3, 1.7)
            return {"kind": k, "service": s.name, "at": iso_z(t0)}
        if k == "slow_query_noise":
            dbs = [d for d in self.ds if d.rt in ("postgres", "mongodb", "elasticsearch") and d is not root]
            if not dbs:
                return None
            d = dbs[0]
            t = T0 + r.uniform(0, 100)
            while t < T1:
                self.slow_line(d, t, r.uniform(1000, 9000), self.svcs[pick(r, d.callers)] if d.callers else None)
                t += r.uniform(40, 200)
            return {"kind": k, "service": d.name, "at": None}
        if k == "unrelated_restart":
            pool = [s for s in unrelated if s.role in APP_ROLES]
            if not pool:
                return None
            s = pick(r, pool)
            t = T0 + self.normal * r.uniform(0.1, 0.6)
            d = r.uniform(12, 40)
            s.silent.append((t, t + d))
            self.herring_state.setdefault(s.name, []).append((t, t + d, "down", 1.0, 1.0))
            self.banner(s, t + d, False)
            return {"kind": k, "service": s.name, "at": iso_z(t)}
        return None

    def garbage(self):
        r = self.rng
        for s in self.svcs.values():
            if s.role == "external" or not s.recs or r.random() < 0.3:
                continue
            n = int(len(s.recs) * r.uniform(0.0003, 0.003))
            for _ in range(n):
                s.recs.append((r.uniform(self.T0, self.Tend), "RAW", "INFO", pick(r, GARBAGE), None, None, False))

    # -- output -------------------------------------------------------------------------------
    def render_all(self):
        out = {}
        for s in self.svcs.values():
            if s.role == "external":
                continue
            s.recs.sort(key=lambda x: x[0])
            out[s.name] = [(rec[0], render(s, rec)) for rec in s.recs]
        return out

    def first_anomalous(self, rendered):
        s = self.root
        f = self.fault
        rows = rendered[s.name]
        recs = s.recs

        def stamp(i):
            t = recs[i][0]
            txt, prec = rows[i][1]
            return floor_iso(t + s.skew_at(t), prec), txt.split("\n")[0]

        if f.first_sign == "silence":
            idx = [i for i in range(len(recs)) if recs[i][0] < self.fs and rows[i][1][1] is not None]
            return stamp(idx[-1]) if idx else (None, None)
        if f.first_sign == "jump":
            for i in range(len(recs)):
                if recs[i][0] >= self.fs and rows[i][1][1] is not None:
                    return stamp(i)
            return None, None
        for i in range(len(recs)):
            if recs[i][6]:
                if rows[i][1][1] is not None:
                    return stamp(i)
                for j in range(i - 1, -1, -1):
                    if rows[j][1][1] is not None:
                        return stamp(j)
                return None, None
        return None, None

    def pods_for(self, s, r):
        """[(t_from, [pod names])] for per-pod layouts."""
        if s.role in DS_ROLES or s.role == "edge" and r.random() < 0.5:
            return [(self.T0 - 1, ["%s-0" % s.name])]
        sets = []
        times = [self.T0 - 1] + sorted(s.deploys)
        for i, t in enumerate(times):
            rs = k8s_suffix(r, pick(r, [9, 10]))
            sets.append((t, ["%s-%s-%s" % (s.name, rs, k8s_suffix(r, 5)) for _ in range(s.replicas)]))
        for t in getattr(s, "scale_events", []):
            for j, (a, pods) in enumerate(sets):
                if a <= t and (j + 1 == len(sets) or sets[j + 1][0] > t):
                    rs = pods[0].rsplit("-", 2)[1]
                    sets.insert(j + 1, (t, pods + ["%s-%s-%s" % (s.name, rs, k8s_suffix(r, 5))]))
                    break
        return sets

    def write(self, case_dir: Path):
        r = random.Random(self.seed * 7777 + self.idx * 31 + 3)
        logs = case_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        rendered = self.render_all()
        layout = pick(r, ["per_service", "per_service", "per_pod", "merged", "merged", "mixed"])
        merged_style = pick(r, ["stern", "kubectl", "fluentbit", "export", "export_ecs"])
        ns = pick(r, ["prod", "default", self.dom, "%s-prod" % self.dom, "apps"])
        node = "ip-10-0-%d-%d.ec2.internal" % (r.randint(0, 9), r.randint(2, 250))
        files = {}
        merged = []
        total = 0
        names = [n for n in self.order if n in rendered]
        to_merge = set()
        per_pod = set()
        if layout == "merged":
            to_merge = set(names)
        elif layout == "per_pod":
            per_pod = set(names)
        elif layout == "mixed":
            for n in names:
                s = self.svcs[n]
                if s.role in APP_ROLES + ("cron",):
                    (to_merge if r.random() < 0.7 else per_pod).add(n)
        gz_all = r.random() < 0.15
        last_ct = {}
        for n in names:
            s = self.svcs[n]
            rows = rendered[n]
            if n in to_merge or n in per_pod:
                sets = self.pods_for(s, r)
                for t, (txt, _p) in rows:
                    pods = sets[0][1]
                    for a, ps in sets:
                        if a <= t:
                            pods = ps
                    pod = pods[0] if len(pods) == 1 else pods[int(r.random() * len(pods))]
                    if n in per_pod:
                        files.setdefault(pod + ".log", []).append(txt)
                    else:
                        ct = max(last_ct.get(pod, 0.0), t + r.uniform(0.05, 1.5))
                        last_ct[pod] = ct
                        merged.append((ct, n, pod, txt))
            else:
                ext = ".log"
                if s.rt in ("go-zap", "py-structlog", "node-pino", "dotnet-clef", "mongodb") and r.random() < 0.3:
                    ext = ".json"
                fn = n + ext
                if gz_all or r.random() < 0.2:
                    fn += ".gz"
                files[fn] = [txt for _t, (txt, _p) in rows]
        for fn, lines in files.items():
            body = "\n".join(lines) + "\n"
            total += body.count("\n")
            if fn.endswith(".gz"):
                with open(logs / fn, "wb") as fh:
                    fh.write(gzip.compress(body.encode("utf-8"), mtime=0))
            else:
                (logs / fn).write_text(body, encoding="utf-8")
        nfiles = len(files)
        if merged:
            merged.sort(key=lambda x: x[0])
            out = []
            for ct, n, pod, txt in merged:
                for line in txt.split("\n"):
                    if merged_style == "stern":
                        out.append("%s %s %s" % (pod, n, line))
                    elif merged_style == "kubectl":
                        out.append("[pod/%s/%s] %s" % (pod, n, line))
                    elif merged_style == "fluentbit":
                        out.append(jdump({"date": round(ct, 6), "log": line, "stream": "stdout" if r.random() < 0.8 else "stderr",
                                          "kubernetes": {"pod_name": pod, "namespace_name": ns, "container_name": n,
                                                         "labels": {"app": n}, "host": node}}))
                    elif merged_style == "export":
                        out.append(jdump({"@timestamp": iso_z(ct, 3), "service": n, "host": pod, "message": line}))
                    else:
                        out.append(jdump({"@timestamp": iso_z(ct, 3), "message": line, "service": {"name": n},
                                          "kubernetes": {"pod": {"name": pod}, "namespace": ns}}))
            fn = {"stern": "stern-%s.txt" % ns, "kubectl": "kubectl-logs.txt", "fluentbit": "fluent-bit.jsonl",
                  "export": "export.ndjson", "export_ecs": "logs-export.json"}[merged_style]
            body = "\n".join(out) + "\n"
            total += len(out)
            if r.random() < 0.2:
                with open(logs / (fn + ".gz"), "wb") as fh:
                    fh.write(gzip.compress(body.encode("utf-8"), mtime=0))
            else:
                (logs / fn).write_text(body, encoding="utf-8")
            nfiles += 1
        fa, fa_line = self.first_anomalous(rendered)
        logged = [n for n in names]
        truth = {
            "case_id": "case-%03d" % self.idx, "seed": self.seed, "root_service": self.root.name,
            "root_role": self.root.role, "root_runtime": self.root.rt,
            "fault_kind": self.fault.kind, "fault_variant": self.fault.variant,
            "fault_start": iso_z(min(self.fs, getattr(self.fault, "cause_t", INF)), 3), "root_first_anomalous": fa, "root_first_anomalous_line": fa_line,
            "first_sign": self.fault.first_sign,
            "layout": layout if layout not in ("merged", "mixed") else "%s:%s" % (layout, merged_style),
            "entry_services": [self.edge.name] if self.edge else [e.name for e in self.entries],
            "api_services": [e.name for e in self.entries], "edge": self.edge.name if self.edge else None,
            "services": logged, "lines": total, "files": nfiles,
            "red_herrings": self.herrings,
            "call_edges": [[n, c] for n in logged for c, _ in self.svcs[n].callees if c in rendered],
            "external_dependencies": [[n, c] for n in logged for c, _ in self.svcs[n].callees if self.svcs[c].role == "external"],
            "clock_skew_s": {n: self.svcs[n].skew for n in logged},
            "clock_jump_s": {self.root.name: self.root.jump[1]} if self.root.jump else {},
            "timezone_offset_min": {n: self.svcs[n].tz for n in logged if self.svcs[n].tz},
            "window": {"start": iso_z(self.T0, 3), "end": iso_z(self.Tend, 3)},
            "runtimes": {n: self.svcs[n].rt for n in logged},
            "roles": {n: self.svcs[n].role for n in logged},
            "request_rate_per_s": round(self.rate, 3),
        }
        (case_dir / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
        return truth


def kinds_for(seed: int, n: int):
    r = random.Random(seed * 91 + 11)
    out = []
    while len(out) < n:
        ks = [f.kind for f in FAULTS]
        r.shuffle(ks)
        out += ks
    return out[:n]


def main(argv=None):
    ap = argparse.ArgumentParser(description="generate incident corpus c")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "out" / "incidents-c"))
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    folder = Path(args.out) / ("seed-%d" % args.seed)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    cases = []
    started = _time.perf_counter()
    for i, kind in enumerate(kinds_for(args.seed, args.n)):
        c = CaseGen(args.seed, i, kind)
        c.generate()
        truth = c.write(folder / ("case-%03d" % i))
        cases.append("case-%03d" % i)
        if not args.quiet:
            print("case-%03d %-24s root=%-22s %-10s lines=%d files=%d" % (i, truth["fault_kind"], truth["root_service"],
                                                                          truth["layout"], truth["lines"], truth["files"]), file=sys.stderr)
    (folder / "manifest.json").write_text(json.dumps({"seed": args.seed, "n": args.n, "cases": cases}, indent=2) + "\n")
    if not args.quiet:
        print("done in %.1fs" % (_time.perf_counter() - started), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
