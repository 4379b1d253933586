"""One real excerpt per layout of the library: the layout is found, and the first record's header
fields and message are read as the logger wrote them.

Python's lines are written by Python's own ``logging`` here; the others are lines as each logger
writes them by default (format strings from each project's documentation, values made up); the
Loghub systems' layouts have their own excerpts in ``test_formats.py``.
"""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime

import polars as pl
import pytest

from rca.read.fields import header_pattern, level_tree
from rca.read.ingest import ingest
from rca.read.layouts import LIBRARY, WRAPPERS
from rca.settings import Settings

T = datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC)


def _python(fmt: str, datefmt: str | None = None) -> str:
    """Three records written by Python's logging with ``fmt``, at 2026-11-23 10:00:01.123 UTC."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter = logging.Formatter(fmt, datefmt)
    formatter.converter = lambda *_: datetime(2026, 11, 23, 10, 0, 1).timetuple()  # type: ignore[method-assign, assignment]
    handler.setFormatter(formatter)
    logger = logging.getLogger("shop.orders")
    logger.handlers, logger.propagate, logger.level = [handler], False, logging.DEBUG
    for level, text in ((logging.ERROR, "charge failed for order 42"), (logging.INFO, "order 43 placed"),
                        (logging.WARNING, "retrying payment 44")):
        record = logger.makeRecord("shop.orders", level, "orders.py", 12, text, (), None, func="place")
        record.msecs = 123.0
        logger.handle(record)
    return stream.getvalue()


# layout name -> (text, expected of the first record: message, level, component or None, service or None, time)
CASES: dict[str, tuple[str, tuple[str, str | None, str | None, str | None, datetime | None]]] = {
    "python-default": (_python(logging.BASIC_FORMAT), ("charge failed for order 42", "ERROR", "shop.orders", None, None)),
    "python-dash": (
        _python("%(asctime)s - %(name)s - %(levelname)s - %(message)s"),
        ("charge failed for order 42", "ERROR", "shop.orders", None, T.replace(microsecond=123000)),
    ),
    "python-colon": (
        _python("%(asctime)s:%(levelname)s:%(name)s:%(message)s"),
        ("charge failed for order 42", "ERROR", "shop.orders", None, T.replace(microsecond=123000)),
    ),
    "python-flask": (
        _python("[%(asctime)s] %(levelname)s in %(module)s: %(message)s"),
        ("charge failed for order 42", "ERROR", "orders", None, T.replace(microsecond=123000)),
    ),
    "python-name-level": (
        _python("%(asctime)s %(name)-12s %(levelname)-8s %(message)s"),
        ("charge failed for order 42", "ERROR", "shop.orders", None, T.replace(microsecond=123000)),
    ),
    "gunicorn": (
        "[2026-11-23 10:00:01 +0000] [7] [INFO] Starting gunicorn 21.2.0\n"
        "[2026-11-23 10:00:01 +0000] [7] [INFO] Listening at: http://0.0.0.0:8000 (7)\n"
        "[2026-11-23 10:00:02 +0000] [9] [INFO] Booting worker with pid: 9\n",
        ("Starting gunicorn 21.2.0", "INFO", None, None, T),
    ),
    "celery": (
        "[2026-11-23 10:00:01,123: INFO/MainProcess] Connected to redis://redis:6379/0\n"
        "[2026-11-23 10:00:02,456: ERROR/ForkPoolWorker-1] Task shop.charge[6f1c0a9e] raised unexpected: TimeoutError()\n",
        ("Connected to redis://redis:6379/0", "INFO", "MainProcess", None, T.replace(microsecond=123000)),
    ),
    "ruby-logger": (
        'I, [2026-11-23T10:00:01.123456 #4242]  INFO -- : Started GET "/cart" for 10.0.0.7 at 2026-11-23 10:00:01 +0000\n'
        "E, [2026-11-23T10:00:02.654321 #4242] ERROR -- shop: charge failed\n"
        "W, [2026-11-23T10:00:03.000001 #4242]  WARN -- : slow query (412.3ms)\n",
        ('Started GET "/cart" for 10.0.0.7 at 2026-11-23 10:00:01 +0000', "INFO", "", None, T.replace(microsecond=123456)),
    ),
    "klog": (
        "I1123 10:00:01.123456       1 leaderelection.go:248] attempting to acquire leader lease kube-system/kube-scheduler...\n"
        "E1123 10:00:02.000001       1 reflector.go:138] Failed to watch *v1.Pod: the server has asked for the client to provide credentials\n",
        ("attempting to acquire leader lease kube-system/kube-scheduler...", "INFO", "leaderelection.go:248", None,
         T.replace(microsecond=123456)),
    ),
    "spring-boot": (
        "2026-11-23 10:00:01.123  INFO 4242 --- [           main] com.example.demo.DemoApplication         : "
        "Started DemoApplication in 2.345 seconds (JVM running for 2.9)\n"
        "2026-11-23T10:00:02.456+01:00 ERROR 4242 --- [demo] [nio-8080-exec-1] o.a.c.c.C.[.[.[/].[dispatcherServlet]    : "
        "Servlet.service() threw exception\n",
        ("Started DemoApplication in 2.345 seconds (JVM running for 2.9)", "INFO", "com.example.demo.DemoApplication", None,
         T.replace(microsecond=123000)),
    ),
    "log4j-dash": (
        "2026-11-23 10:00:01,123 - INFO  [main:QuorumPeerConfig@101] - Reading configuration from: /conf/zoo.cfg\n"
        "2026-11-23 10:00:02,000 - WARN  [QuorumPeer[myid=1]/0.0.0.0:2181:Follower@118] - Got zxid 0x100000001 expected 0x1\n",
        ("Reading configuration from: /conf/zoo.cfg", "INFO", None, None, T.replace(microsecond=123000)),
    ),
    "windows-cbs": (
        "2026-11-23 10:00:01, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505 with Core: "
        "C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack\\cbscore.dll\n"
        "2026-11-23 10:00:02, Info                  CSI    00000001@2026/11/23:10:00:02.123 WcpInitialize called\n",
        ("Loaded Servicing Stack v6.1.7601.23505 with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack\\cbscore.dll",
         "INFO", "CBS", None, T),
    ),
    "nlog": (
        "2026-11-23 10:00:01.1234|INFO|Shop.Program|Application started\n"
        "2026-11-23 10:00:02.5678|ERROR|Shop.Services.Payments|Charge failed for order 42\n",
        ("Application started", "INFO", "Shop.Program", None, T.replace(microsecond=123400)),
    ),
    "log4j2-default": (
        "2026-11-23 10:00:01,123 INFO o.a.c.s.Catalina [main] Server startup in 1234 ms\n"
        "2026-11-23 10:00:02,000 ERROR c.e.s.OrderService [http-nio-8080-exec-3] charge failed\n",
        ("Server startup in 1234 ms", "INFO", "o.a.c.s.Catalina", None, T.replace(microsecond=123000)),
    ),
    "log4j-level-first": (
        "INFO  2026-11-23 10:00:01,123 [main] com.acme.App: started\n"
        "ERROR 2026-11-23 10:00:02,000 [worker-2] com.acme.Jobs: job 7 failed\n",
        ("started", "INFO", "com.acme.App", None, T.replace(microsecond=123000)),
    ),
    "log4j": (
        # log4net's default: %date [%thread] %-5level %logger [%property{NDC}] - %message
        "2026-11-23 10:00:01,123 [1] INFO  Shop.Program [(null)] - Application started\n"
        "2026-11-23 10:00:02,000 [7] ERROR Shop.Payments [(null)] - Charge failed\n"
        "System.TimeoutException: The operation has timed out.\n"
        "   at Shop.Payments.Charge()\n",
        ("Application started", "INFO", "Shop.Program", None, T.replace(microsecond=123000)),
    ),
    "serilog": (
        "2026-11-23 11:00:01.123 +01:00 [INF] Application started\n"
        "2026-11-23 11:00:02.000 +01:00 [ERR] Charge failed for order 42\n",
        ("Application started", "INFO", None, None, T.replace(microsecond=123000)),
    ),
    "serilog-console": (
        "[10:00:01 INF] Application started\n[10:00:02 ERR] Charge failed for order 42\n",
        ("Application started", "INFO", None, None, None),
    ),
    "zap-console": (
        '2026-11-23T11:00:01.123+0100\tINFO\tserver/main.go:42\tlistening\t{"addr": ":8080"}\n'
        '2026-11-23T11:00:02.000+0100\tERROR\tpayments/charge.go:88\tcharge failed\t{"order": 42}\n',
        ('listening\t{"addr": ":8080"}', "INFO", "server/main.go:42", None, T.replace(microsecond=123000)),
    ),
    "lambda": (
        "2026-11-23T10:00:01.123Z\t3f1c0a9e-2b7d-4c1e-9a0b-1234567890ab\tINFO\tprocessing order 42\n"
        "2026-11-23T10:00:02.000Z\t3f1c0a9e-2b7d-4c1e-9a0b-1234567890ab\tERROR\tcharge failed\n",
        ("processing order 42", "INFO", None, None, T.replace(microsecond=123000)),
    ),
    "logcat-brief": (
        "I/ActivityManager(  596): Start proc com.android.phone for restart com.android.phone: pid=1182\n"
        "W/PackageManager(  596): Unknown permission android.permission.ACCESS_SURFACE_FLINGER\n",
        ("Start proc com.android.phone for restart com.android.phone: pid=1182", "INFO", "ActivityManager", None, None),
    ),
    "apache-error": (
        "[Mon Nov 23 10:00:01.123456 2026] [proxy:error] [pid 1234:tid 5678] (111)Connection refused: AH00957: "
        "HTTP: attempt to connect to 127.0.0.1:8080 (localhost) failed\n"
        "[Mon Nov 23 10:00:02.000000 2026] [core:notice] [pid 1234] AH00094: Command line: '/usr/sbin/apache2'\n",
        ("(111)Connection refused: AH00957: HTTP: attempt to connect to 127.0.0.1:8080 (localhost) failed", "ERROR",
         "proxy", None, T.replace(microsecond=123456)),
    ),
    "apache-access": (
        '10.0.0.1 - - [23/Nov/2026:10:00:01 +0000] "GET /api HTTP/1.1" 502 157 "-" "curl/8.0"\n'
        '10.0.0.2 - - [23/Nov/2026:10:00:02 +0000] "GET / HTTP/1.1" 200 5120 "-" "Mozilla/5.0"\n',
        ('"GET /api HTTP/1.1" 502 157 "-" "curl/8.0"', "ERROR", None, None, T),
    ),
    "postgres": (
        "2026-11-23 10:00:01.123 UTC [812] ERROR:  canceling statement due to lock timeout\n"
        "2026-11-23 10:00:01.123 UTC [812] STATEMENT:  UPDATE orders SET status = $1 WHERE id = $2\n"
        "2026-11-23 10:00:02.500 UTC [77] app@shop LOG:  duration: 1641.430 ms  execute <unnamed>: SELECT 1\n",
        ("canceling statement due to lock timeout", "ERROR", None, None, T.replace(microsecond=123000)),
    ),
    "envoy-access": (
        '[2026-11-23T10:00:01.123Z] "GET /api/v1/pricing/42 HTTP/1.1" 503 RL 235 269 0 - "18.167.109.9" '
        '"python-requests/2.31.0" "b2db1612-8a6b-7442-6e21-80dec69c2e3f" "api.example.com" "-"\n'
        '[2026-11-23T10:00:01.200Z] "POST /api/v1/orders HTTP/1.1" 201 - 812 3299 12 11 "10.0.0.1" "curl/8.5.0" '
        '"9cbff241-e7df-3b55-b09b-9a1e786a8ce6" "api.example.com" "10.0.149.62:8080"\n',
        ('"GET /api/v1/pricing/42 HTTP/1.1" 503 RL 235 269 0 - "18.167.109.9" "python-requests/2.31.0" '
         '"b2db1612-8a6b-7442-6e21-80dec69c2e3f" "api.example.com" "-"', "ERROR", None, None, T.replace(microsecond=123000)),
    ),
    "jvm-unified": (
        "[2026-11-23T10:00:01.123+0000][12.345s][info][gc] GC(1963) Pause Young (Normal) (G1 Evacuation Pause) 1210M->630M(2048M) 8.916ms\n"
        "[2026-11-23T10:00:02.000+0000][13.222s][warning][gc,alloc] GC(1964) Allocation failure\n",
        ("GC(1963) Pause Young (Normal) (G1 Evacuation Pause) 1210M->630M(2048M) 8.916ms", "INFO", "gc", None,
         T.replace(microsecond=123000)),
    ),
    "pgbouncer": (
        "2026-11-23 10:00:01.123 UTC [1] WARNING C-0x55d: shop/app@10.0.0.7:41234 pooler error: no more connections allowed\n"
        "2026-11-23 10:00:02.000 UTC [1] LOG stats: 23 xacts/s, 23 queries/s, in 4840 B/s, out 43795 B/s\n",
        ("C-0x55d: shop/app@10.0.0.7:41234 pooler error: no more connections allowed", "WARN", None, None,
         T.replace(microsecond=123000)),
    ),
    "redis": (
        "1:M 23 Nov 2026 10:00:01.123 # Can't save in background: fork: Cannot allocate memory\n"
        "1:M 23 Nov 2026 10:00:02.000 * 10000 changes in 60 seconds. Saving...\n"
        "4797:C 23 Nov 2026 10:00:03.540 * DB saved on disk\n",
        ("Can't save in background: fork: Cannot allocate memory", "WARN", None, None, T.replace(microsecond=123000)),
    ),
    "nginx-error": (
        "2026/11/23 10:00:01 [error] 31#31: *5 upstream timed out (110: Connection timed out) while reading response "
        'header from upstream, client: 10.0.0.1, server: shop, request: "GET /api HTTP/1.1"\n',
        ("upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.1, "
         'server: shop, request: "GET /api HTTP/1.1"', "ERROR", None, None, T),
    ),
    "go-log": (
        "2026/11/23 10:00:01 main.go:42: listening on :8080\n2026/11/23 10:00:02 db.go:17: connection refused\n",
        ("listening on :8080", None, "main.go:42", None, T),
    ),
    "logrus-tty": (
        "INFO[2026-11-23T11:00:01+01:00] started                                       port=8080\n"
        "ERRO[2026-11-23T11:00:02+01:00] charge failed                                 order=42\n",
        ("started                                       port=8080", "INFO", None, None, T),
    ),
    "logrus-tty-elapsed": (
        "INFO[0000] started                                       port=8080\n"
        "ERRO[0001] charge failed                                 order=42\n",
        ("started                                       port=8080", "INFO", None, None, None),
    ),
    # RFC 3164's own example; macOS's hostname with digits and its (sender) after the pid.
    "syslog": (
        "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8\n"
        "Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: IOThunderboltSwitch<0>(0x0)::listenerCallback - "
        "Thunderbolt HPD packet for route = 0x0 port = 11 unplug = 0\n"
        "Jul  1 09:01:05 calvisitor-10-105-160-95 com.apple.xpc.launchd[1] "
        "(com.apple.xpc.launchd.domain.pid.WebContent.25654): Service exited with abnormal code: 1\n"
        "Jul  1 09:02:26 calvisitor-10-105-160-95 Google Chrome Helper[319]: Couldn't set selectedTextBackgroundColor\n",
        ("'su root' failed for lonvick on /dev/pts/8", "FATAL", None, "su", None),
    ),
    "syslog-iso": (
        "2026-11-23T11:00:01+0100 web-01 sshd[1234]: Accepted publickey for deploy from 10.0.0.5 port 52144 ssh2\n"
        "2026-11-23T11:00:02.123456+01:00 web-01 CRON[999]: (root) CMD (run-parts /etc/cron.hourly)\n",
        ("Accepted publickey for deploy from 10.0.0.5 port 52144 ssh2", None, None, "sshd", T),
    ),
    "syslog-full": (
        "Mon 2026-11-23 11:00:01 CET web-01 systemd[1]: Started Session 5 of user deploy.\n"
        "Mon 2026-11-23 11:00:02 CET web-01 sshd[812]: Connection closed by 10.0.0.9 port 40022\n",
        ("Started Session 5 of user deploy.", None, None, "systemd", T),
    ),
    "syslog-unix": (
        "1795428001.000000 web-01 systemd[1]: Started Session 5 of user deploy.\n"
        "1795428002.500000 web-01 sshd[812]: Connection closed by 10.0.0.9 port 40022\n",
        ("Started Session 5 of user deploy.", None, None, "systemd", T),
    ),
    "syslog-rfc5424": (
        '<165>1 2026-11-23T10:00:01.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" '
        'eventSource="Application" eventID="1011"] An application event log entry\n'
        "<165>1 2026-11-23T10:00:02Z mymachine.example.com evntslog - ID47 - Another entry\n",
        ("An application event log entry", "INFO", None, "evntslog", T.replace(microsecond=3000)),
    ),
    "zerolog-console": (
        "10:00AM INF started port=8080\n10:01AM ERR charge failed error=\"timeout\" order=42\n",
        ("started port=8080", "INFO", None, None, None),
    ),
    "dmesg": (
        "[    0.000000] Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org)\n"
        "[   12.345678] EXT4-fs (sda1): mounted filesystem with ordered data mode\n",
        ("Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org)", None, None, None, None),
    ),
    "time-only": (
        "10:00:01.123 [main] INFO  com.acme.App - started\n10:00:02.000 [main] ERROR com.acme.App - failed\n",
        ("started", "INFO", "com.acme.App", None, None),
    ),
    # The layouts of Loghub's systems, as their public README shows them (more in test_formats.py).
    "cfdr-syslog": (
        "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: session closed for user root\n"
        "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: session opened for user root\n",
        ("session closed for user root", None, None, "crond", datetime(2005, 11, 9, 20, 1, 1, tzinfo=UTC)),
    ),
}
LOGHUB_EXCERPTS = {"cfdr-ras", "lanl-hpc", "oslo", "log4j-yymmdd", "log4j-yy", "android-logcat"}  # test_formats.py


def test_every_layout_of_the_library_has_an_excerpt() -> None:
    assert {layout.name for layout in LIBRARY} - LOGHUB_EXCERPTS == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_layout_is_found_and_its_first_record_read(write, name: str) -> None:  # type: ignore[no-untyped-def]
    text, (message, level, component, service, ts) = CASES[name]
    records, summary = ingest([write("app.log", text)], Settings(year=2026))
    assert summary.sources[0].format == name
    first = records.row(0, named=True)
    assert first["message"] == message
    assert first["level"] == level
    if component is not None:
        assert first["component"] == component
    if service is not None:
        assert first["service"] == service
    if ts is not None:
        assert first["timestamp"] == ts
    assert records.height + summary.continuation_lines == len(text.splitlines())


@pytest.mark.parametrize("layout", [x for x in LIBRARY if header_pattern(x.capturing())], ids=lambda x: x.name)
def test_a_header_read_alone_gives_what_the_whole_line_gives(layout) -> None:  # type: ignore[no-untyped-def]
    # Every excerpt's lines, read by every layout: the fields where it matches, nulls where not.
    lines = pl.Series("raw", [line for text, _ in CASES.values() for line in text.splitlines()])
    whole = lines.str.extract_groups(layout.capturing()).struct.unnest()
    alone = lines.str.extract_groups(header_pattern(layout.capturing())).struct.unnest()
    assert whole.get_column("message").drop_nulls().len() > 0 or layout.name not in CASES
    assert whole.drop("message").equals(alone.drop("header"))
    rest = lines.str.slice(alone.get_column("header").str.len_chars())
    assert whole.get_column("message").equals(rest.alias("message"))


# Level words that are the start of others, in both cases, and a long s that (?i) reads as an s.
TRICKY_LEVELS = ("WARNING", "warn", "Information", "INF", "informational", "CRITICAL", "crit", "emergency", "FINE",
                 "finest", "err", "\u017fevere", "infos", "ERRORS")  # fmt: skip


@pytest.mark.parametrize("layout", [x for x in LIBRARY if level_tree(x.capturing()) != x.capturing()], ids=lambda x: x.name)
def test_level_words_read_as_a_tree_give_what_the_word_list_gives(layout) -> None:  # type: ignore[no-untyped-def]
    lines = [line for text, _ in CASES.values() for line in text.splitlines()]
    lines += [line.replace(word, tricky, 1) for line in lines for word in ("INFO", "WARN", "ERROR") if word in line
              for tricky in TRICKY_LEVELS]  # fmt: skip
    raw = pl.Series("raw", lines)
    for pattern in filter(None, (layout.capturing(), header_pattern(layout.capturing()))):
        assert raw.str.extract_groups(level_tree(pattern)).equals(raw.str.extract_groups(pattern))


# Wrappers: the application's own line inside is read as its own layout.
WRAPPED = {
    "cri": ("2026-11-23T10:00:01.123456789Z stdout F 2026-11-23 10:00:01,123 ERROR [main] com.acme.Api - upstream refused\n"
            "2026-11-23T10:00:01.223456789Z stdout F java.lang.IllegalStateException: boom\n", "cri+log4j"),
    "kubernetes-prefixed": ("2026-11-23T10:00:01.123456Z api-7d9f8c6b5d-x2x4q 10:00:01.123 [main] ERROR c.a.Api - upstream refused\n",
                            "kubernetes-prefixed+time-only"),
    "pod-container": ("api-7d9f8c6b5d-x2x4q api 2026-11-23 10:00:01,123 ERROR [main] com.acme.Api - upstream refused\n"
                      "api-7d9f8c6b5d-x2x4q api 2026-11-23 10:00:02,000 INFO [main] com.acme.Api - retry ok\n",
                      "pod-container+log4j"),
    "kubectl-prefix": ("[pod/api-7d9f8c6b5d-x2x4q/api] 2026-11-23 10:00:01,123 ERROR [main] com.acme.Api - upstream refused\n"
                       "[pod/api-7d9f8c6b5d-x2x4q/api] 2026-11-23 10:00:02,000 INFO [main] com.acme.Api - retry ok\n",
                       "kubectl-prefix+log4j"),
    "kubectl-timestamps": ("2026-11-23T10:00:01.123456789Z 2026-11-23 10:00:01,123 ERROR [main] com.acme.Api - upstream refused\n"
                           "2026-11-23T10:00:02.000000000Z 2026-11-23 10:00:02,000 INFO [main] com.acme.Api - retry ok\n",
                           "kubectl-timestamps+log4j"),
}


def test_every_wrapper_has_an_excerpt() -> None:
    assert {w.name for w in WRAPPERS} == set(WRAPPED)


@pytest.mark.parametrize("name", sorted(WRAPPED))
def test_wrapper_is_peeled_and_the_inner_line_read(write, name: str) -> None:  # type: ignore[no-untyped-def]
    text, expected = WRAPPED[name]
    records, summary = ingest([write("x.log", text)], Settings())
    assert summary.sources[0].format == expected
    first = records.row(0, named=True)
    assert (first["message"], first["level"]) == ("upstream refused", "ERROR")
    assert first["timestamp"].replace(microsecond=0) == T
    if "pod" in text or "api-7d9f8c6b5d" in text:
        assert first["service"] == "api"


# JSON written by common loggers and exporters: keys found, values read.
JSON_LINES = {
    "pino": {"level": 50, "time": 1795428001123, "pid": 42, "hostname": "api-1", "msg": "charge failed"},
    "bunyan": {"name": "api", "hostname": "api-1", "pid": 42, "level": 50, "msg": "charge failed",
               "time": "2026-11-23T10:00:01.123Z", "v": 0},
    "winston": {"level": "error", "message": "charge failed", "timestamp": "2026-11-23T10:00:01.123Z"},
    "zap": {"level": "error", "ts": 1795428001.123, "caller": "payments/charge.go:88", "msg": "charge failed"},
    "zerolog": {"level": "error", "time": "2026-11-23T11:00:01.123+01:00", "message": "charge failed"},
    "slog": {"time": "2026-11-23T11:00:01.123+01:00", "level": "ERROR", "msg": "charge failed", "order": 42},
    "logrus": {"level": "error", "msg": "charge failed", "time": "2026-11-23T11:00:01.123+01:00"},
    "serilog-compact": {"@t": "2026-11-23T10:00:01.1230000Z", "@m": "charge failed", "@l": "Error", "OrderId": 42},
    "journald": {"__REALTIME_TIMESTAMP": "1795428001123000", "_HOSTNAME": "web-01", "PRIORITY": "3",
                 "SYSLOG_IDENTIFIER": "payments", "_PID": "812", "MESSAGE": "charge failed"},
    "gcp": {"insertId": "1a2b", "textPayload": "charge failed", "severity": "ERROR", "timestamp": "2026-11-23T10:00:01.123Z",
            "resource": {"type": "cloud_run_revision", "labels": {"service_name": "payments"}}},
}


@pytest.mark.parametrize("logger", sorted(JSON_LINES))
def test_json_lines_of_common_loggers(write, logger: str) -> None:  # type: ignore[no-untyped-def]
    records, summary = ingest([write("payments.jsonl", json.dumps(JSON_LINES[logger]) + "\n")], Settings())
    first = records.row(0, named=True)
    assert (first["message"], first["level"], first["service"]) == ("charge failed", "ERROR", "payments" if logger in ("journald", "gcp") else first["service"])
    assert first["timestamp"] == T.replace(microsecond=123000)


def test_cloud_exports_holding_an_array_of_records(write) -> None:  # type: ignore[no-untyped-def]
    gcp = [{"textPayload": f"charge {i} failed", "severity": "ERROR", "timestamp": f"2026-11-23T10:00:0{i}Z",
            "resource": {"labels": {"service_name": "payments"}}} for i in range(1, 4)]
    aws = {"events": [{"logStreamName": "s", "timestamp": 1795428001000 + i, "message": f"charge {i} failed"} for i in range(3)]}
    for text in (json.dumps(gcp, indent=2), json.dumps(aws)):
        records, _ = ingest([write("export.json", text)], Settings())
        assert records.height == 3
        assert records.get_column("message")[0].startswith("charge ")
        assert records.get_column("timestamp")[0].replace(microsecond=0) == T


def test_windows_event_viewer_csv_export(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Level,Date and Time,Source,Event ID,Task Category\n"
        'Information,11/23/2026 10:00:01 AM,Service Control Manager,7036,None,"The Windows Update service entered the running state."\n'
        'Error,11/23/2026 10:00:02 AM,Service Control Manager,7031,None,"The Print Spooler service terminated unexpectedly."\n'
    )
    records, summary = ingest([write("System.csv", text)], Settings())
    assert records.height == 2
    first = records.row(0, named=True)
    assert first["message"] == "The Windows Update service entered the running state."
    assert (first["level"], first["service"], first["timestamp"]) == ("INFO", "Service Control Manager", T)
    assert records.get_column("level")[1] == "ERROR"


def test_powershell_event_export(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\n"
        '"Message","Id","TimeCreated","LevelDisplayName","ProviderName"\n'
        '"The Print Spooler service terminated unexpectedly.","7031","11/23/2026 10:00:01 AM","Error","Service Control Manager"\n'
    )
    records, _ = ingest([write("events.csv", text)], Settings())
    row = records.row(0, named=True)
    assert (row["line"], row["message"], row["level"], row["service"], row["timestamp"]) == (
        3, "The Print Spooler service terminated unexpectedly.", "ERROR", "Service Control Manager", T)
