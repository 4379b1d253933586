"""Who calls whom, read from the logs: callers name what they call, and requests cross services in order.

A caller names its callee in URLs (``http://ledger:8080/v1``), ``host=``/``upstream=`` values, DNS
names (``ledger.prod.svc.cluster.local``), pod names (``ledger-7f9c8d6b5-x2kqp``), client classes
(``LedgerClient``), error texts (``connection refused to ledger:8080``) and bare addresses
(``10.0.3.7:8080``), which map to a service where some line ties the address to a name (the same
line names both, or a service announces it is listening on it). A request's path names its callee
too where one service alone serves it: a proxy's ``"GET /api/v1/order/search" ... upstream=...``
goes to the one service whose own access lines read ``GET /api/v1/order/search 200``. Lines that
carry one trace id show the services of a request in the order they logged. Nothing here depends
on what a service is called: a name is only a string to look for in the other services' lines.

Not every name is a call: HTTP's reason phrases and SQL's tables name no service; a routine
statement that names three services or more where no host goes names whom the speaker serves
(its callers), an error of that kind what it failed to reach; a name server's lines name what it
was asked to resolve; and an error that a name could not be resolved is a call that never reached
the service it names: where a name server's lines are among the logs, it blames the name server
instead (see ``_listing`` and ``_resolvers``).

The result is a directed graph caller -> callee over the services present, each edge with the
evidence it rests on: ``templates`` (how many of the caller's log statements name the callee),
``lines``, ``error_lines`` (lines at WARN or above that name it) and ``traces``.
"""

from __future__ import annotations

import http
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from rca.read.layouts import CLIENT_WORDS
from rca.read.words import CRON_POD_SUFFIX, REPLICA_POD_SUFFIX
from rca.signals.features import ERROR_LEVELS, FAILING_LEVELS, as_cells

if TYPE_CHECKING:
    import networkx as nx

# Kubernetes pod-name suffixes: <workload>-<replicaset hash>-<5 chars>, a StatefulSet ordinal.
_POD_SUFFIX = rf"{REPLICA_POD_SUFFIX}$|{CRON_POD_SUFFIX}$|-\d{{1,3}}$"
# Words a service name is commonly dressed in; a caller may name the bare core.
_PREFIXES = "svc|app|srv"
_SUFFIXES = "service|svc|api|server|srv|app|worker|daemon|consumer|backend|grpc|http"
_AFFIXES = rf"^(?:{_PREFIXES})[-_]|[-_](?:{_SUFFIXES})$"
# An affix alone is no core: ``app-service`` has none (its ``service`` is the word of every JSON key).
_BARE_AFFIX = rf"^(?:{_PREFIXES}|{_SUFFIXES})$"
# A name where a host goes: a URL's (``http://ledger:8080``), a ``host=``/``upstream:`` value, a
# ``name:port``. A service named so is called, however ordinary its name is as a word.
_HOST_WORD = r"[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9]"
_HOST_PLACE = rf"(?://|\b(?i:host|hostname|upstream|server|addr|address|endpoint)\W{{1,3}}){_HOST_WORD}|\b{_HOST_WORD}:\d{{2,5}}\b"
# Tokens: runs of name characters (letters, digits, '-', '_', '.'), so a URL's host, a DNS name and
# a pod name each stay one token, and ``host='ledger'`` or ``ledger:8080`` give ``ledger``.
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9]"
_IPV4 = r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$"
# An IPv4 address with a port: where a request went (``10.0.3.7:8080``).
_IP_PORT = r"\d{1,3}(?:\.\d{1,3}){3}:\d{2,5}"
# The address a request came from: ``connection from 10.244.1.7:43504``, ``client: 10.1.2.3``,
# ``peer=10.1.2.3:5000``; it names no callee.
_FROM_ADDRESS = r"(?i)\b(?:from|client|peer|remote)\b[\s:=\"']+\d{1,3}(?:\.\d{1,3}){3}(?::\d{2,5})?"
# A word ending a longer key is not one: ``remoteAddress``, ``client_addr`` and ``peer_host`` hold
# the address a request came from.
_SERVED_ADDRESS = rf"(?://|\b(?i:host|upstream|addr|address|server)\W{{1,3}})\d{{1,3}}(?:\.\d{{1,3}}){{3}}|{_IP_PORT}"
# Words before the name of whoever sent a request: ``called by shop``, ``client=web``, ``caller: x``,
# a database's ``application_name=billing`` (the name a client gives its connections);
# and of where a message came from: a consumer's ``topic=orders.events`` is its producer's.
_INCOMING = (
    r"(?i)\b(?:(?:called|used|requested|invoked|sent) by|client(?:[_-]?(?:id|name|service))?|caller|"
    r"user(?:[_-]?agent|name)?|origin|source[_-]?service|requester|application[_-]?name|topic|queue|subject|exchange)\b[\s:=\"']+[A-Za-z0-9][A-Za-z0-9_.-]*"
)
# HTTP's reason phrases as servers and clients write them (``502 Bad Gateway``, ``GatewayTimeout``
# in an exception's class name, ``GATEWAY_TIMEOUT``, nginx's ``Gateway Time-out``) are the
# protocol's words, not the names of services that share one (one called gateway, or proxy). In
# their own case only: ``api-gateway timeout`` names a service.
_STATUS_PHRASE = "|".join(
    rf"\b{title}|\b{upper}"
    for words in (re.findall(r"[A-Za-z]+", status.phrase) for status in http.HTTPStatus if " " in status.phrase)
    for title, upper in [(" ?".join(w.replace("out", "-?out") for w in words), "[_ ]".join(w.upper() for w in words))]
)
# SQL's table references (``UPDATE payments SET``, ``INSERT INTO payments``, ``FROM payments t``, an
# ORM's ``select p.id from "payments" p``, a vacuum's ``table "shop.public.payments"``): a table
# named after the service that owns it is data, in a database's lines or an ORM's, not a call to
# that service. Lower-case ``from`` only in a statement: ``error from payments`` names a callee.
_SQL_TABLE = (
    r'\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+[`"]?[\w.]+[`"]?'
    r'|(?i:\bselect\b[^;]*?\b(?:from|join)|\binsert\s+into|\bdelete\s+from)\s+[`"]?[\w.]+[`"]?'
    r'|(?i:\bupdate)\s+[`"]?[\w.]+[`"]?\s+(?i:set)\b|\btable\s+"[\w.]+"'
)
# A client class in a stack frame, with its package: ``com.e.billing.client.InventoryServiceClient``.
_CLIENT_CLASS = r"\b(?:[A-Za-z_][\w$]*\.)*[A-Z][A-Za-z0-9]*Client\b"
# ingress-nginx's upstream, ``[<namespace>-<service>-<port>]`` in its access line
# (``[default-mobile-bff-8000]``): the service the request was sent to.
_INGRESS_UPSTREAM = r"\[[a-z0-9]+-([a-z][a-z0-9-]*[a-z0-9])-\d{2,5}\]"
# A line that says its request went out to a host: a URL, an ``upstream``, an address with a
# port, an ingress's upstream.
_SENT = rf"://|\b(?i:upstream)\b|\b{_IP_PORT}\b|{_INGRESS_UPSTREAM}"
# Words of a server refusing a client for who it is: its credentials, its certificate, its
# rights (``Access denied for user 'billing_api'``, ``password authentication failed for user
# "ads_service"``, ``tls: bad certificate``). Such lines that name the client (``_INCOMING``)
# are about the client's requests, not the server's own trouble (``Mentions``: ``rejected``).
_REJECTED = (
    r"(?i)access denied|permission denied|authenticat\w* (?:failed|failure|error)|auth(?:entication|orization)? failed|"
    r"not authori[sz]ed|\bunauthori[sz]ed\b|\bforbidden\b|invalid (?:credentials?|password|token|api[ _-]?key|client)|"
    r"(?:credentials?|password|token|certificate|cert) (?:has |is )?(?:expired|revoked|rejected)|bad certificate|"
    r"certificate (?:verify failed|unknown|required)|"
    # ``rejected bearer token``; a token whose times the server's clock does not accept
    # (golang-jwt's ``token used before issued``, ``token is not valid yet``; ``jwt expired``).
    r"\b(?:rejected|refused|denied) (?:\w+ )?(?:token|credentials?|certificate|api[ _-]?key)\b|"
    r"token used before issued|token is not (?:yet )?valid(?: yet)?|\bjwt (?:expired|not active)\b"
)
# In a refusal, what came ``from`` a service came of its request (``rejected bearer token from
# pricing``, ``denied connection from ledger``): elsewhere ``from`` names who answered (``error
# from payments``), so only there does it name the sender.
_REFUSED_FROM = r"(?i)\bfrom\b[\s:=\"']+[A-Za-z0-9][A-Za-z0-9_.-]*"
# A statement of the server naming its client is such a refusal where this share of its sampled
# lines says so.
REJECTED_SHARE = 0.5
# A line in which a service states its own address (``listening on 10.0.3.7:8080``).
_SELF_ADDRESS = r"(?i)\b(?:listen(?:s|ing)?|bound|binding|bind|serving|started (?:on|at)|advertis\w*|registered as)\b"
# A name that appears in the lines of at least this share of the other services is ordinary
# vocabulary there ("order", "user", "api"), not a mention of one service.
MAX_SPEAKER_SHARE = 0.5
SAMPLE_PER_TEMPLATE = 64
# A record at WARN or worse, and at ERROR or worse; one without a level counts as INFO. The
# levels are compared as they are (an Enum), not as text.
AT_WARN = pl.col("level").is_in(ERROR_LEVELS).fill_null(False)
AT_ERROR = pl.col("level").is_in(FAILING_LEVELS).fill_null(False)
BLAME_WEIGHT = {"name": 1.0, "address": 1.0, "client": 1.0, "resolver": 1.0, "route": 0.5, "path": 0.5, "shared": 0.5, "word": 0.25}
# A request's path: two or more segments, in a URL after its host, or alone (``GET /api/v1/x``).
_URL_PATH = r"://[^/\s\"'<>]+((?:/[A-Za-z0-9_.~{}:%-]+)+)"
_PATH = r"(?:^|[\s\"'=(\[])((?:/[A-Za-z0-9_.~{}:%-]+){2,})"
# The paths a service serves to its probes and scrapers (Kubernetes' liveness and readiness
# checks, Spring's actuator, Prometheus), not to other services.
_PROBE_PATH = r"(?i)(?:^|/)(?:health\w*|livez?|liveness|readyz?|readiness|ping|metrics|actuator)(?:/|$)"
# A line that says where its request went (a proxy's access line) rather than what it served.
# nginx's timing of the upstream as its documentation's log format names it (``urt="0.045"``).
_FORWARDED = r"(?i)\bupstream\b|\bu(?:rt|ct|ht)="
# A host name under a public top-level domain, of a domain's own (``api.stripe.com``,
# ``hooks.partner.co.uk``), not a cluster's (``ledger.prod.svc.cluster.local``).
_PUBLIC_TLD = r"(?:com|org|net|io|co|dev|app|cloud|ai|biz|info|us|eu|uk|de|fr|nl|jp|in|br|au|ca)"
_PUBLIC_HOST = rf"^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z0-9-]*[a-z][a-z0-9-]*\.{_PUBLIC_TLD}(?::\d+)?$"
_PUBLIC_URL = rf"(?i)\b[a-z][a-z0-9+.-]*://(?:[a-z0-9-]+\.)+{_PUBLIC_TLD}(?::\d+)?(?:/[^\s\"'<>]*)?(?:[^\w.-]|$)"
# A DNS name of three labels or more (``api.partner.example.org``), not a dotted logger or file
# name (``o.s.web.servlet.DispatcherServlet``, ``middleware.go``).
_HOST_NAME = r"\b(?:[a-z0-9-]+\.){2,}[a-z]{2,6}\b(?:[^.\w]|$)"
MIN_TRACES = 3
# A name that could not be resolved: the caller never reached the service it names, so where a
# name server's lines are read, its error blames that (Java, glibc, Go, Node, curl, nginx, DNS rcodes).
_UNRESOLVED = (
    r"(?i)UnknownHost|name or service not known|failure in name resolution|no such host|"
    r"\bNXDOMAIN\b|\bSERVFAIL\b|getaddrinfo|\bEAI_AGAIN\b|\bENOTFOUND\b|could not (?:be )?resolve|"
    r"nodename nor servname|\blookup \S+(?: on \S+)?: (?:i/o timeout|server misbehaving)|name resolution failed|"
    r"(?:^|[\s(\[:])dns(?:$|[\s)\]:,])"
)
# A statement names a callee by failed lookups (``lookup``) where this share of its sampled
# lines says the name could not be resolved: a few other failures under the same template (a
# timeout before the name went) do not make the lookups a call that reached the callee.
LOOKUP_SHARE = 0.9
# Words of a call that failed on the other side: the caller waited, was refused or cut off, or
# its proxy found no upstream to send to (Go's ``context deadline exceeded``, gRPC's ``code =
# Unavailable``, Java's ``Read timed out``, Node's ``ECONNREFUSED``, nginx's ``upstream timed out``,
# Envoy's response flags ``UF``, ``UH``, ``UT``, ``URX``), retries and fallbacks, or the 502 and 504
# a proxy answers for its upstream. Whoever writes them felt a callee's trouble, named or not. Not a
# pool's wait for one of its own connections (HikariCP's ``request timed out``, SQLAlchemy's
# ``connection timed out``, Knex's ``Timeout acquiring``), which is the writer's own.
_FAILED_CALL = (
    r"(?i)\bupstream\b|deadline[ _]?exceeded|code = unavailable|connection refused|\bECONNREFUSED\b|"
    r"connection reset|\bECONNRESET\b|socket hang up|broken pipe|read timed? ?out|connect timed? ?out|i/o timeout|"
    r"\bE(?:SOCKET)?TIMEDOUT\b|bad gateway|gateway time-?out|service unavailable|circuit[ _-]?breaker|fallback|"
    r"\bretry(?:ing)?\b|retries (?:exhausted|exceeded)|max retries|status code 50[234]\b|"
    r"(?-i:\b(?:UF|UH|UO|UT|URX|UC)(?:,[A-Z]+)*\b)"
)


# A name server's query log: the query's type and class (``"A IN ledger.svc."``, ``query[AAAA]``) or its answer's code.
_DNS_QUERY = r"\b(?:A|AAAA|SRV|PTR|CNAME|MX|TXT)\s+IN\b|\bIN\s+(?:A|AAAA|SRV|PTR|CNAME|MX|TXT)\b|query\[[A-Z]+\]|\b(?:NOERROR|NXDOMAIN)\b"
# A statement that names this many services where no host goes lists them (``_listing``).
MIN_LISTED = 3


@dataclass(frozen=True, slots=True)
class Mentions:
    """One row per (caller, callee, template_id): the caller's statement that names the callee,
    with ``share`` (of the statement's sampled distinct messages that name it), ``lines``,
    ``error`` (the statement is at WARN or above: it blames the callee) and ``how`` (``name``: its
    whole name, ``word``: a word of its name only, ``address``, ``route``: only in a URL path, or
    ``caller``: the callee's line names who sent the request, so the names swap), ``sent`` (a
    line says the request went out to a host), ``lookup`` (most such lines say the name could
    not be resolved, ``LOOKUP_SHARE``), ``rejected`` (a ``caller`` row: the callee's statement is
    at WARN or above and refuses the caller for its credentials or rights, ``_REJECTED``) and ``error_part`` (the row is of the statement's lines at ERROR or worse
    alone: a statement mostly below WARN whose level varies line by line, as an access log's with
    the status, names the callee in those, and blames it there)."""

    table: pl.DataFrame


def name_variants(service: str) -> list[str]:
    """The lower-case names a line may use for ``service``: the name, and its core without the
    usual affixes (``ts-``-style prefixes of the whole fleet are found by ``fleet_prefix``).

    >>> name_variants("payments-svc")
    ['payment', 'payments', 'payments-svc']
    >>> name_variants("app-service")
    ['app-service']
    """
    name = service.lower()
    core = re.sub(_AFFIXES, "", re.sub(_AFFIXES, "", name))
    if re.match(_BARE_AFFIX, core):
        core = name
    # A caller may name one item of a plural name (``payments`` -> ``payment call failed``).
    singular = core[:-1] if core.endswith("s") and not core.endswith("ss") and len(core) > 4 else core
    return sorted({v for v in (name, core, singular) if len(v) >= 3})


def fleet_prefix(services: list[str]) -> str:
    """A prefix most services share (``ts-`` of ``ts-order-service``, ``ts-food-service``), which a
    line may leave out when it names one: the longest ``word-`` prefix of at least 60 % of them."""
    heads: dict[str, int] = {}
    for service in services:
        head = service.lower().split("-", 1)[0] + "-" if "-" in service else ""
        if head:
            heads[head] = heads.get(head, 0) + 1
    best = max(heads.items(), key=lambda item: (item[1], item[0]), default=("", 0))
    return best[0] if len(services) >= 3 and best[1] >= 0.6 * len(services) else ""


def _lookup(services: list[str]) -> pl.DataFrame:
    """``key`` (a lower-case name) -> ``callee``, and whether the key is the service's ``full`` name
    (``ts-seat-service``, ``seat-service``) rather than a word of it (``seat``, which a line may
    use for something else: ``[Seat]``); a key two services could claim is dropped."""
    prefix = fleet_prefix(services)
    rows = []
    for service in services:
        names = set(name_variants(service))
        full = {service.lower()}
        if prefix and service.lower().startswith(prefix):
            names |= set(name_variants(service[len(prefix):]))
            full.add(service.lower()[len(prefix):])
        rows += [(name, service, name in full) for name in names if len(name) >= 3]
    table = pl.DataFrame(rows, schema={"key": pl.String, "callee": pl.String, "full": pl.Boolean}, orient="row").unique()
    return table.filter(pl.col("key").is_unique()).sort("key")


def _token_keys(token: pl.Expr) -> list[pl.Expr]:
    """The ways one token may name a service: itself, in kebab case, its first DNS label, the workload of a pod
    name, the first word of a CamelCase class name (``LedgerClient`` -> ``ledger``), the last
    part of a dotted logger or class name (``api.clients.dispatch``, ``c.e.LedgerClient``), and
    the module after ``clients.`` in a dotted code path (``api.clients.dispatch.send``)."""
    lower = token.str.to_lowercase()
    last = token.str.extract(r"\.([A-Za-z][A-Za-z0-9_-]*)$", 1)
    # A host of a public domain (``api.partner-logistics.com``) is outside: its first label is
    # the outside service's, however like one here (``api``) it is.
    public = lower.str.contains(_PUBLIC_HOST)
    return [
        lower,
        # A database's user or a module named after the service, in snake case (``billing_api``).
        lower.str.replace_all("_", "-", literal=True),
        pl.when(~public).then(lower.str.extract(r"^([a-z][a-z0-9_-]*)\.[a-z]", 1)),
        lower.str.replace(_POD_SUFFIX, ""),
        token.str.extract(r"^([A-Z][a-z0-9]+)[A-Z]", 1).str.to_lowercase(),
        # A logger or class named after the client: ``api.clients.dispatch``, ``c.e.LedgerClient``.
        last.str.to_lowercase(),
        last.str.extract(r"^([A-Z][a-z0-9]+)[A-Z]", 1).str.to_lowercase(),
        # A client class named after all of its callee's words: ``PaymentGatewayClient``.
        _client_of(token),
        _client_of(last),
        # A function of a client module: ``payments.clients.identity.update``, ``client.ledger.Api``.
        token.str.extract(r"(?i)(?:^|\.)clients?\.([A-Za-z][A-Za-z0-9_-]*)\.", 1).str.to_lowercase(),
    ]


def failed_call(text: pl.Expr) -> pl.Expr:
    """Whether ``text`` (a line or a template) says a call failed on the other side
    (``_FAILED_CALL``), not that a name could not be resolved (``_UNRESOLVED``: the caller's own
    resolver, or the name server, not the callee)."""
    return text.str.contains(_FAILED_CALL) & ~text.str.contains(_UNRESOLVED)


def _client_of(name: pl.Expr) -> pl.Expr:
    """The kebab-case words of a CamelCase client class's callee: ``PaymentGatewayClient`` ->
    ``payment-gateway``."""
    words = name.str.extract(r"^((?:[A-Z][a-z0-9]+){2,})Client$", 1)
    return words.str.replace_all(r"([a-z0-9])([A-Z])", "${1}-${2}").str.to_lowercase()


def _outgoing(message: pl.Expr) -> pl.Expr:
    """``message`` without who sent the request (``_INCOMING``, ``_FROM_ADDRESS``), HTTP's reason phrases, SQL's
    tables nor URLs of public domains: what may name the services it called, an ingress's
    upstream (``_INGRESS_UPSTREAM``) by its service's name alone."""
    return (
        message.str.replace_all(_INGRESS_UPSTREAM, " upstream ${1} ").str.replace_all(_FROM_ADDRESS, " ")
        .str.replace_all(_INCOMING, " ").str.replace_all(_STATUS_PHRASE, " ").str.replace_all(_SQL_TABLE, " ")
        # A URL of a public domain, its path with it, is a call outside.
        .str.replace_all(_PUBLIC_URL, " ")
    )


def _hosts_and_words(message: pl.Expr) -> pl.Expr:
    """A message without the paths in it: ``/api/search`` is a route and ``/var/lib/x`` a file, not
    a service; the host of a URL (``http://ledger:8080/v1``) stays, as its own token."""
    return message.str.replace_all("://", ":// ", literal=True).str.replace_all(r"/[^\s/?#\"'<>]*", " ")


def sample_messages(
    records: pl.DataFrame, *, per_template: int = SAMPLE_PER_TEMPLATE, texts: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Per (``service``, ``template_id``): up to ``per_template`` distinct messages (first seen
    first), the statement's ``lines`` and whether it is at WARN or above (``error``). ``texts``:
    the records were read compact; their messages are found among the texts kept."""
    # Counted in the streaming engine, a batch of records at a time (eagerly, the keys of every record are hashed at once).
    n = pl.col("n")  # records one a row, or cells of them (rca.mine.compact)
    totals = as_cells(records).lazy().group_by(pl.col("service").cast(pl.String), pl.col("template_id").cast(pl.String)).agg(
        lines=n.sum().cast(pl.Int64), warn_lines=(n * AT_WARN).sum().cast(pl.Int64), error_lines=(n * AT_ERROR).sum().cast(pl.Int64)
    ).with_columns(error=pl.col("warn_lines") >= 0.5 * pl.col("lines")).collect(engine="streaming")
    # A statement mostly below WARN whose level varies line by line with what they report (an
    # access line's 5xx is an error, its 200 not) is sampled twice: all its lines, and its lines
    # at ERROR or worse alone (``error_part``), which blame what they name as the statement's
    # errors do. Its warnings are left out: a gauge's line turns WARN past a threshold (``lag on
    # orders.events: 5400``), which is its own service's state, not a failure of what it names.
    mixed = totals.filter(~pl.col("error") & (pl.col("error_lines") > 0)).select(
        "service", "template_id", lines="error_lines", error=pl.lit(True)
    )
    # Read compact, the records whose texts were kept; else all.
    records = (records if texts is None or "message" in records.columns else texts).filter(pl.col("service").is_not_null())
    parts = [
        _sampled(records, per_template).join(totals.drop("warn_lines", "error_lines"), on=["service", "template_id"]).with_columns(error_part=pl.lit(False)),
        _sampled(
            records.filter(AT_ERROR)
            .with_columns(pl.col("service").cast(pl.String), pl.col("template_id").cast(pl.String))
            .join(mixed.select("service", "template_id"), on=["service", "template_id"], how="semi"),
            per_template,
        ).join(mixed, on=["service", "template_id"]).with_columns(error_part=pl.lit(True)),
    ]
    return (
        pl.concat(parts).with_columns(n_sampled=pl.col("message").list.len())
        .explode("message")
        .with_row_index("mid")
    )


def _sampled(records: pl.DataFrame, per_template: int) -> pl.DataFrame:
    """Per (``service``, ``template_id``) of ``records`` (as text): up to ``per_template`` distinct
    messages, first seen first, with what else a line says of its call (``sample_messages``)."""
    # Lines spread over each statement's span, a few times as many as are kept: the distinct
    # messages are found among them, without touching every line of a busy statement.
    count = pl.len().over("service", "template_id")
    spread = pl.int_range(pl.len()).over("service", "template_id") % (count // (8 * per_template) + 1) == 0
    records = records.filter(spread)
    # A structured record's other fields (``error="Get https://ledger/..."``) count as its text.
    text = pl.col("message")
    if "body" in records.columns:
        # A multi-line record's own lines below its first (``Caused by: ...ConnectException:
        # ledger:8080``, a traceback's last line) name what failed; its stack frames (indented)
        # name only code, but for the client classes the failure came through
        # (``at c.e.billing.client.InventoryServiceClient.validate(...)``), as a client's logger does.
        said = pl.col("body").str.split("\n").list.eval(pl.element().filter(~pl.element().str.contains(r"^\s"))).list.join(" ")
        # And so do the frames of a server's driver (``at org.postgresql.core.v3.QueryExecutorImpl``).
        clients = pl.col("body").str.extract_all(f"{_CLIENT_CLASS}|{CLIENT_WORDS}").list.unique(maintain_order=True).list.join(" ")
        text = pl.when(pl.col("body").is_null()).then(text).otherwise(
            pl.concat_str(text, pl.lit(" "), said.str.slice(0, 2000), pl.lit(" "), clients.str.slice(0, 500))
        )
    text = _with_fields(text, records.columns)
    if "component" in records.columns:
        # A line written by a client's logger names what it calls (``c.e.friends.client.IdgenClient``:
        # "Upstream responded with 503"); other loggers are the service's own code (``in api:``).
        component = pl.col("component").cast(pl.String)
        client = component.str.contains(r"(?i)client")
        text = pl.when(client.fill_null(False)).then(pl.concat_str(text, pl.lit(" "), component)).otherwise(text)
    # Read compact, services and templates are categorical in the records: as text from here.
    return records.group_by(pl.col("service").cast(pl.String), pl.col("template_id").cast(pl.String)).agg(
        text.unique(maintain_order=True).head(per_template).alias("message")
    )


def find_mentions(records: pl.DataFrame, texts: pl.DataFrame | None = None, ports: pl.DataFrame | None = None) -> Mentions:
    """The statements of each service that name another service present (see the module's doc).
    ``ports``: ``service`` and ``port``, the port a service serves on (``_addresses``)."""
    services = sorted(records.get_column("service").drop_nulls().unique().to_list())
    empty = pl.DataFrame(schema={"caller": pl.String, "callee": pl.String, "template_id": pl.String,
                                 "share": pl.Float64, "lines": pl.Int64, "error": pl.Boolean, "how": pl.String,
                                 "sent": pl.Boolean, "lookup": pl.Boolean, "error_part": pl.Boolean, "rejected": pl.Boolean})
    if len(services) < 2:
        return Mentions(empty)
    sample = sample_messages(records, texts=texts)
    lookup = _lookup(services)
    # Only a message that holds one of the names (any case) or an address can name a service:
    # the others, most of them, are not cut into tokens.
    keys = _name_keys(lookup)
    naming = sample.filter(
        pl.col("message").str.contains_any(keys, ascii_case_insensitive=True)
        | pl.col("message").str.contains(r"\d\.\d{1,3}\.\d{1,3}\.\d")
    )
    names = pl.col("token").str.contains_any(keys, ascii_case_insensitive=True)
    # A service named as who sent the request (``called by shop``, ``client=web``) is a caller.
    senders = pl.concat_str(
        pl.col("message").str.extract_all(_INCOMING).list.join(" "),
        pl.when(pl.col("message").str.contains(_REJECTED)).then(pl.col("message").str.extract_all(_REFUSED_FROM).list.join(" ")),
        separator=" ", ignore_nulls=True,
    )
    callers = _named(_tokens(naming, senders, names), lookup)
    # What a message says of where it went, worked out once for the tokens read from it.
    naming = naming.lazy().with_columns(outgoing=_outgoing(pl.col("message"))).collect(engine="streaming")
    outgoing = pl.col("outgoing")
    # An address is a token too (``_addresses``).
    hosts = _tokens(naming, _hosts_and_words(outgoing), names | pl.col("token").str.contains(_IPV4))
    # A line naming its own service (a structured record's ``"service":"shop"``, its pod name)
    # names no callee, and must not hide the route it names.
    named = _named(hosts, lookup).filter(pl.col("service") != pl.col("callee"))
    # Named where a host goes: a call to it, in full even where only a word of its name is used.
    host_names = outgoing.str.extract_all(_HOST_PLACE).list.eval(
        pl.element().str.extract(rf"({_HOST_WORD})(?::\d{{2,5}})?$", 1)
    ).list.join(" ")
    as_host = _named(_tokens(naming, host_names, names), lookup).select("mid", "callee", host=pl.lit(True))
    named = named.join(as_host, on=["mid", "callee"], how="left").with_columns(
        full=pl.col("full") | pl.col("host").fill_null(False)
    )
    # Routes (``GET /api/catalog``) say where a request goes, so they name the callee too, but a
    # line that names a service otherwise is about that one: ``upstream auth returned 401 for
    # /api/search`` blames auth, not search.
    routes = _named(_tokens(naming, outgoing, names), lookup).join(named, on="mid", how="anti")
    addresses = _addresses(hosts, named, naming.drop("outgoing"), ports)
    paths = _paths(sample).join(named, on="mid", how="anti")
    clients = _by_client_words(sample, ports).join(named, on="mid", how="anti")
    # A line that names the service as who sent the request says so of that service, whatever
    # else names it (``user=products ... application_name=products-svc``): that comes first.
    found = pl.concat([
        callers.select("mid", "service", "callee", how=pl.lit("caller"), host=pl.lit(False)),
        named.select(
            "mid", "service", "callee", how=pl.when(pl.col("full")).then(pl.lit("name")).otherwise(pl.lit("word")),
            host=pl.col("host").fill_null(False),
        ),
        addresses.with_columns(how=pl.lit("address"), host=pl.lit(False)),
        routes.select("mid", "service", "callee", how=pl.lit("route"), host=pl.lit(False)),
        paths.select("mid", "service", "callee", how=pl.lit("path"), host=pl.lit(False)),
        clients.select("mid", "service", "callee", how=pl.lit("client"), host=pl.lit(False)),
    ])
    # A name that two services alone say, neither's (a topic: ``processed 12 messages from
    # appointments-events``, ``timed out waiting for appointments-events confirmation``): one's
    # errors that name it are about what the other does with it.
    shared = _shared_names(sample, lookup).join(found.filter(pl.col("service") != pl.col("callee")).select("mid"), on="mid", how="anti")
    found = pl.concat([found, shared.select("mid", "service", "callee", how=pl.lit("shared"), host=pl.lit(False))])
    found = found.filter(pl.col("service") != pl.col("callee")).unique(["mid", "callee"], keep="first")
    found = _listing(_specific(found, n_services=len(services)), sample)
    # A name server's lines name what it was asked to resolve, whether it could or not: no call.
    resolvers = _resolvers(sample)
    found = found.filter(~pl.col("service").is_in(resolvers.implode()))
    # An error that a name could not be resolved blames the name server where its lines are
    # among the logs, not the service it names (see ``_UNRESOLVED``); without them, the name
    # may be the one that is gone (a deleted Service), so it blames the service, marked
    # ``lookup``: the caller never reached it (see ``pipeline.unreached_blame_set_aside``).
    not_found = pl.col("message").str.contains(_UNRESOLVED)
    unresolved = not_found & pl.lit(resolvers.len() > 0)
    table = (
        found.join(sample.select("mid", "template_id", "lines", "error", "n_sampled", "error_part", unresolved=unresolved,
                                 lookup=not_found, sent=pl.col("message").str.contains(_SENT),
                                 rejected=pl.col("message").str.contains(_REJECTED)), on="mid")
        .group_by("service", "callee", "template_id", "error_part")
        .agg(
            share=pl.len() / pl.col("n_sampled").first(),
            lines=pl.col("lines").first(),
            error=pl.col("error").first() & ~pl.col("unresolved").any(),
            how=pl.col("how").sort().first(),
            sent=pl.col("sent").any(),
            lookup=pl.col("lookup").mean() >= LOOKUP_SHARE,
            rejected=pl.col("error").first() & (pl.col("rejected").mean() >= REJECTED_SHARE),
        )
        .rename({"service": "caller"})
        .with_columns(lines=(pl.col("lines") * pl.col("share")).round().cast(pl.Int64).clip(lower_bound=1))
        # A named sender is the caller and the speaker its callee; its lines blame nobody.
        .with_columns(
            caller=pl.when(pl.col("how") == "caller").then("callee").otherwise("caller"),
            callee=pl.when(pl.col("how") == "caller").then("caller").otherwise("callee"),
            error=pl.col("error") & (pl.col("how") != "caller"),
            rejected=pl.col("rejected") & (pl.col("how") == "caller"),
        )
        # A statement's error part blames only what its lines name in full: a path's word
        # (``POST /v2/auth/quote``) says little of which backend failed the request.
        .filter(~pl.col("error_part") | pl.col("how").is_in(["name", "address", "client", "resolver"]))
        .sort("caller", "callee", "template_id", "error_part")
    )
    table = pl.concat([table, _resolver_mentions(sample, unresolved, resolvers)], how="diagonal_relaxed")
    return Mentions(table.select(empty.columns).cast(empty.schema))  # type: ignore[arg-type]


def _resolvers(sample: pl.DataFrame) -> pl.Series:
    """The services that answer name queries: a routine statement of theirs logs the queries
    (``"A IN ledger.default.svc. udp" NOERROR``, ``query[AAAA] ledger``)."""
    queries = pl.col("message").str.contains(_DNS_QUERY)
    served = sample.filter(~pl.col("error")).group_by("service", "template_id").agg(share=queries.mean())
    return served.filter(pl.col("share") >= 0.5).get_column("service").unique().sort()


def _resolver_mentions(sample: pl.DataFrame, unresolved: pl.Expr, resolvers: pl.Series) -> pl.DataFrame:
    """Callers of the name servers (``_resolvers``): each error statement that a name could not be
    resolved names them, which every caller uses though none names them (``how``: ``resolver``)."""
    resolvers = resolvers.to_frame("callee")
    failed = sample.filter(pl.col("error")).group_by("service", "template_id", "error_part").agg(
        share=unresolved.mean(), lines=pl.col("lines").first()
    ).filter(pl.col("share") > 0)
    return (
        failed.join(resolvers, how="cross").filter(pl.col("service") != pl.col("callee"))
        .select(caller="service", callee="callee", template_id="template_id", share="share",
                lines=(pl.col("lines") * pl.col("share")).round().cast(pl.Int64).clip(lower_bound=1),
                error=pl.lit(True), how=pl.lit("resolver"), sent=pl.lit(True), lookup=pl.lit(False), error_part="error_part")
    )


def _paths(sample: pl.DataFrame) -> pl.DataFrame:
    """``mid``, ``service``, ``callee``: sampled messages that request a path (in a URL, or in a
    proxy's line that names its upstream) which one other service alone serves: its own lines
    (its access log) carry the path, and it requests it nowhere itself. Paths compare
    with every segment that holds a digit or a placeholder (``{id}``, ``:id``) as one wildcard."""
    with_paths = sample.filter(pl.col("message").str.contains("/", literal=True))
    url = pl.col("message").str.contains("://", literal=True)
    requested = pl.concat([
        with_paths.select("mid", "service", path=pl.col("message").str.extract_all(_URL_PATH).list.eval(
            pl.element().str.extract(_URL_PATH, 1))),
        with_paths.filter(~url & pl.col("message").str.contains(_FORWARDED)).select(
            "mid", "service", path=pl.col("message").str.extract_all(_PATH)),
    ])
    # A line that names a host (``api.partner.example.org returned 502 for GET /v3/rates``) is
    # about a request it sent, not one it served.
    elsewhere = pl.col("message").str.contains(_FORWARDED) | pl.col("message").str.contains(_HOST_NAME)
    served = with_paths.filter(~url & ~elsewhere).select("mid", "service", path=pl.col("message").str.extract_all(_PATH))
    requested, served = (_normal_paths(frame) for frame in (requested, served))
    asking = requested.select("service", "path").unique()
    # A service serves a path its lines carry and that it never requests (a retry line of its own
    # call repeats the path it sent).
    servers = served.select("service", "path").unique().join(asking, on=["service", "path"], how="anti")
    sole = servers.group_by("path").agg(pl.col("service").first(), n=pl.len()).filter(pl.col("n") == 1)
    return pl.concat([
        requested.join(sole.select("path", callee="service"), on="path")
        .filter(pl.col("service") != pl.col("callee"))
        .select("mid", "service", "callee"),
        _routed(served, servers),
    ]).unique()


def _routed(served: pl.DataFrame, servers: pl.DataFrame) -> pl.DataFrame:
    """``mid``, ``service``, ``callee``: the lines of a front (an ingress, a gateway, a client
    that logs its requests without their host) that carry a path one other service serves too,
    where the front shares paths so with two services or more and each of them with the front
    alone: an access log of the edge has the paths of every backend behind it, each backend's
    its own. Two services that share paths with each other only say nothing of which called;
    nor do the paths of probes and scrapers (``/actuator/health``, ``/metrics``), which every
    service serves for itself."""
    servers = servers.filter(~pl.col("path").str.contains(_PROBE_PATH))
    pairs = servers.join(servers.group_by("path").agg(n=pl.len()).filter(pl.col("n") == 2), on="path").drop("n")
    pairs = pairs.join(pairs, on="path", suffix="_other").filter(pl.col("service") != pl.col("service_other"))
    partners = pairs.group_by("service").agg(partners=pl.col("service_other").n_unique())
    fronts = partners.filter(pl.col("partners") >= 2).select("service")
    behind = partners.filter(pl.col("partners") == 1).select(service_other="service")
    routes = pairs.join(fronts, on="service").join(behind, on="service_other").select("service", "path", callee="service_other")
    return served.join(routes, on=["service", "path"]).select("mid", "service", "callee")


def _normal_paths(frame: pl.DataFrame) -> pl.DataFrame:
    """``mid``, ``service``, ``path`` (one row each), the path lower-cased with its variable
    segments as ``*``, its query and trailing punctuation cut; only paths with a segment of words."""
    segment = pl.element()
    variable = segment.str.contains(r"\d|^[{:<]|%") | segment.str.contains(r"^[0-9a-f-]{16,}$")
    normal = (
        pl.col("path").str.strip_chars_start("\"'=([ \t").str.replace(r"[?#].*$", "")
        .str.strip_chars_end(".,;:)]'\"").str.to_lowercase().str.split("/")
        .list.eval(segment.filter(segment != "")).list.eval(pl.when(variable).then(pl.lit("*")).otherwise(segment))
    )
    return (
        frame.explode("path").drop_nulls("path")
        .with_columns(path=normal)
        .filter((pl.col("path").list.len() >= 2) & pl.col("path").list.eval(pl.element() != "*").list.any())
        .with_columns(pl.col("path").list.join("/"))
    )


def _with_fields(text: pl.Expr, columns: list[str]) -> pl.Expr:
    """``text`` and, after it, a structured record's other fields (``attributes``), where it has them."""
    if "attributes" not in columns:
        return text
    return pl.when(pl.col("attributes").is_null()).then(text).otherwise(pl.concat_str(text, pl.lit(" "), "attributes"))


def line_callees(lines: pl.DataFrame, services: list[str]) -> pl.Series:
    """For each of ``lines`` (with ``service``, ``message`` and maybe ``attributes``), the one
    other service of ``services`` that the line names by its whole name (a host, a DNS or pod
    name, a client class) or, naming none, in its route, else None: whom the call the line
    reports went to (``GET http://ledger:8080/v1 200 in 12 ms``). A line naming two services, or
    only a word of one's name outside a route, says no callee."""
    if len(services) < 2 or lines.height == 0:
        return pl.Series("callee", [None] * lines.height, dtype=pl.String)
    lookup = _lookup(services)
    keys = dict(lookup.group_by("callee").agg("key").iter_rows())
    texts = lines.select(pl.col("service").cast(pl.String), message=_with_fields(pl.col("message"), lines.columns).fill_null(""))
    # A line's callee is read from its text alone: each distinct text (of a speaker) once.
    sample = texts.unique(maintain_order=True).with_row_index("mid")
    # A line can name a service only where one of its names is in the text (a token and each
    # part a name is read from are pieces of the text): the few such lines of each speaker are
    # found at once, and only they are cut into tokens.
    found = [
        part.filter(pl.col("message").str.contains_any(others, ascii_case_insensitive=True))
        for (speaker,), part in sample.group_by("service")
        if (others := [k for callee, names in keys.items() if callee != speaker for k in names])
    ]
    if not found:
        return pl.Series("callee", [None] * lines.height, dtype=pl.String)
    candidates = pl.concat(found).lazy().with_columns(outgoing=_outgoing(pl.col("message"))).collect(engine="streaming")
    names = pl.col("token").str.contains_any(_name_keys(lookup), ascii_case_insensitive=True)
    named = _named(_tokens(candidates, _hosts_and_words(pl.col("outgoing")), names), lookup)
    named = named.filter(pl.col("full") & (pl.col("service") != pl.col("callee")))
    # A line that names no service otherwise may say where it went by its route (a proxy's
    # access line: ``POST /api/v1/social/42 ... urt="0.045"``).
    routes = _named(_tokens(candidates, pl.col("outgoing"), names), lookup).filter(pl.col("service") != pl.col("callee")).join(named, on="mid", how="anti")
    named = pl.concat([named.with_columns(how=pl.lit("name")), routes.with_columns(how=pl.lit("route"))])
    named = _specific(named, n_services=len(services))
    one = named.group_by("mid").agg(pl.col("callee").first(), n=pl.len()).filter(pl.col("n") == 1)
    said = sample.join(one, on="mid").select("service", "message", "callee")
    return texts.join(said, on=["service", "message"], how="left", maintain_order="left").get_column("callee").cast(pl.String)


def _tokens(sample: pl.DataFrame, text: pl.Expr, keep: pl.Expr) -> pl.DataFrame:
    """``mid``, ``service``, ``token``: the distinct name-like tokens of each sampled message that
    may name a service (``keep``: holds one of its names, ``_name_keys``)."""
    # The regex runs in the streaming engine, on all cores; most tokens name nothing and go
    # before the distinct ones are found.
    return (
        sample.lazy().select("mid", "service", token=text.str.extract_all(_TOKEN)).collect(engine="streaming")
        .explode("token")
        .filter(keep.fill_null(False))
        .unique(["mid", "token"])
    )


def _name_keys(lookup: pl.DataFrame) -> list[str]:
    """What a token that names a service holds, in any case (``_token_keys`` reads a name from a
    token only where the token holds one): the lookup's keys, and a compound name run together
    as in a class name (``PaymentGatewayClient``)."""
    keys = lookup.get_column("key").to_list()
    return keys + sorted({re.sub(r"[-_]", "", key) for key in keys if re.search(r"\w[-_]\w", key)})


def _named(tokens: pl.DataFrame, lookup: pl.DataFrame) -> pl.DataFrame:
    """``mid``, ``service``, ``callee``, ``full``: messages with a token that names another service
    (``full``: by its whole name somewhere in the message)."""
    # Names are looked up once per distinct token, then joined back to the messages.
    distinct = tokens.select("token").unique()
    keyed = pl.concat([distinct.select("token", key=expr) for expr in _token_keys(pl.col("token"))]).drop_nulls("key")
    names = keyed.join(lookup, on="key").select("token", "callee", "full")
    return tokens.join(names, on="token").group_by("mid", "service", "callee").agg(pl.col("full").any())


def _addresses(tokens: pl.DataFrame, named: pl.DataFrame, sample: pl.DataFrame, ports: pl.DataFrame | None = None) -> pl.DataFrame:
    """Mentions by address: an IPv4 address belongs to a service when lines tie the two (a line
    that names the service and the address, a service's own line that it listens on it, or the
    address's port where one service alone serves on it: ``ports``, from its own file's layout, a
    database's or a cache's)."""
    # An address a service is reached at comes with its port or as a host (``10.0.3.7:8080``,
    # ``http://10.0.3.7/``, ``host='10.0.3.7'``); a bare address is more often a client's.
    served = sample.select(
        "mid", "service",
        ip=pl.col("message").str.replace_all(_FROM_ADDRESS, " ").str.extract_all(_SERVED_ADDRESS)
        .list.eval(pl.element().str.extract(r"(\d+(?:\.\d+){3})", 1)),
    ).explode("ip").drop_nulls("ip").unique()
    ips = tokens.filter(pl.col("token").str.contains(_IPV4)).select("mid", "service", ip="token").join(
        served, on=["mid", "service", "ip"], how="semi"
    )
    if ips.height == 0:
        return named.select("mid", "service", "callee").clear()
    # A name server's query line holds the address of who asked beside the name asked for
    # (``10.244.54.91:40598 - "A IN ledger.default.svc."``): it ties neither to the other.
    queries = sample.filter(pl.col("message").str.contains(_DNS_QUERY)).select("mid")
    together = (
        ips.join(queries, on="mid", how="anti").join(named.select("mid", "service", "callee"), on=["mid", "service"])
        .group_by("ip", "callee").agg(n=pl.len())
    )
    announcing = sample.filter(pl.col("message").str.contains(_SELF_ADDRESS)).select("mid")
    own = ips.join(announcing, on="mid").group_by("ip", callee="service").agg(n=pl.len())
    votes = pl.concat([together, own, _by_port(sample, ports)]).group_by("ip", "callee").agg(pl.col("n").sum())
    # An address that lines tie to two services equally is left unresolved.
    best = votes.sort(["ip", "n", "callee"], descending=[False, True, False]).group_by("ip", maintain_order=True).agg(
        pl.col("callee").first(), top=pl.col("n").first(), second=pl.col("n").slice(1, 1).first()
    ).filter(pl.col("second").is_null() | (pl.col("top") >= 2 * pl.col("second")))
    return ips.join(best.select("ip", "callee"), on="ip").select("mid", "service", "callee").unique()


def _by_client_words(sample: pl.DataFrame, servers: pl.DataFrame | None) -> pl.DataFrame:
    """``mid``, ``service``, ``callee``: messages with the words of a server's clients (``servers``'
    ``clients``: its driver's package, ``PSQLException``, the name of what it is) where one service
    here alone is such a server: ``Failed to obtain JDBC Connection`` through ``org.postgresql``
    frames names the one PostgreSQL whatever it is called."""
    found = pl.DataFrame(schema={"mid": sample.schema["mid"], "service": pl.String, "callee": pl.String})
    if servers is None or "clients" not in servers.columns:
        return found
    sole = servers.drop_nulls("clients").group_by("clients").agg(callee=pl.col("service").first(), n=pl.col("service").n_unique())
    parts = [
        sample.filter(pl.col("message").str.contains(row["clients"])).select("mid", "service", callee=pl.lit(row["callee"]))
        for row in sole.filter(pl.col("n") == 1).iter_rows(named=True)
    ]
    return pl.concat([found, *parts]).filter(pl.col("service") != pl.col("callee")) if parts else found


def _by_port(sample: pl.DataFrame, ports: pl.DataFrame | None) -> pl.DataFrame:
    """``ip``, ``callee``, ``n``: addresses that other services' lines give with a port that one
    service alone serves on (``ports``), a vote for it per line. Two databases on the default port
    tell nothing apart."""
    votes = pl.DataFrame(schema={"ip": pl.String, "callee": pl.String, "n": pl.UInt32})
    if ports is None or ports.height == 0:
        return votes
    sole = (
        ports.select(pl.col("service").cast(pl.String), pl.col("port").cast(pl.Int64)).unique()
        .group_by("port").agg(callee=pl.col("service").first(), servers=pl.len())
        .filter(pl.col("servers") == 1)
    )
    at = (
        sample.select("mid", "service", at=pl.col("message").str.extract_all(rf"\b{_IP_PORT}\b"))
        .explode("at").drop_nulls("at")
        .select("mid", "service", ip=pl.col("at").str.extract(r"^([\d.]+):", 1),
                port=pl.col("at").str.extract(r":(\d+)$", 1).cast(pl.Int64))
        .unique()
    )
    found = at.join(sole, on="port").filter(pl.col("service") != pl.col("callee"))
    return pl.concat([votes, found.group_by("ip", "callee").agg(n=pl.len())], how="vertical_relaxed")


def _listing(found: pl.DataFrame, sample: pl.DataFrame) -> pl.DataFrame:
    """The names of a statement that names ``MIN_LISTED`` services or more where no host goes are
    not its own calls, which a caller states one callee a line, or with the callee where a host
    goes (``upstream=``, ``http://ledger:8080``). A routine statement of that kind names whom it
    serves: a database's users and their tables (``orders@orders LOG: duration: ... UPDATE
    payments SET``), a broker's clients; they are its callers, and blame nobody. So does every
    routine statement of a service whose routine lines name ``MIN_LISTED`` services or more by
    name, one or two a statement, and that never names one where a host goes nor in an error (a
    caller does both with its callees). An error that
    names many where no host goes lists what it failed to reach (a DNS outage: ``lookup x: no
    such host`` for every name): its names are dropped, and the name server, where one is read,
    takes the blame."""
    soft = found.filter(pl.col("how").is_in(["name", "address"]) & ~pl.col("host")).join(
        sample.select("mid", "template_id", "error"), on="mid"
    )
    listing = soft.group_by("service", "template_id").agg(n=pl.col("callee").n_unique()).filter(pl.col("n") >= MIN_LISTED)
    listed = soft.join(listing, on=["service", "template_id"], how="semi")
    routine = soft.filter(~pl.col("error"))
    # A caller names its callees where a host goes, or in its errors when they fail; a server
    # names its clients in neither.
    calling = pl.concat([
        found.filter(pl.col("host")).select("service"),
        found.join(sample.filter(pl.col("error")).select("mid"), on="mid").select("service"),
    ]).unique()
    serving = (
        routine.filter(pl.col("how") == "name").group_by("service").agg(n=pl.col("callee").n_unique())
        .filter(pl.col("n") >= MIN_LISTED)
        .join(calling, on="service", how="anti")
    )
    served = pl.concat([
        listed.filter(~pl.col("error")).select("mid", "callee"),
        routine.join(serving, on="service", how="semi").select("mid", "callee"),
    ]).unique().with_columns(served=pl.lit(True))
    return (
        found.join(listed.filter(pl.col("error")).select("mid", "callee"), on=["mid", "callee"], how="anti")
        .join(served, on=["mid", "callee"], how="left")
        .with_columns(how=pl.when(pl.col("served").is_not_null()).then(pl.lit("caller")).otherwise("how"))
        .drop("served")
    )


# The key of a field (``"pod_name":``, ``trace_id=``) and SQL from its first keyword on.
_FIELD_KEY = r"\"[^\"\s]*\"\s*:|[\w.-]+\s*="
_SQL_TEXT = (r"\b(?:select\s.*\sfrom|insert\s+into|update\s+\S+\s+set|delete\s+from|(?:alter|create|drop)\s+(?:table|index|unique))\s.*")
# A name more services than this say is their vocabulary, not a thing two of them share.
MAX_SHARED_SPEAKERS = 4
# A compound name (``appointments-events``, ``cards_events``): words joined by hyphens or
# underscores, one of three letters or more. (Dotted names are most often code's: a logger's, an
# exception's class.)
_COMPOUND_NAME = r"(?:^|[\s\"'(\[=:,])([a-z][a-z0-9]*(?:[-_][a-z0-9]+)+)(?:$|[\s\"')\]:,;])"
# What bounds a name on either side: made two spaces before names are read, so that a name right
# after another (``a-events b-events``) keeps a bound of its own (a match takes the one after it).
_BOTH_BOUNDS = r"[\s\"':,]"


def _shared_names(sample: pl.DataFrame, lookup: pl.DataFrame) -> pl.DataFrame:
    """``mid``, ``service``, ``callee``: a statement at WARN or above (``error``) that says a
    compound name (``_COMPOUND_NAME``) no service is called, which exactly one other service
    says too below WARN, in the course of its work (a topic, a queue, a bucket: ``processed 12
    messages from appointments-events``), and at most ``MAX_SHARED_SPEAKERS`` services say at
    all: the erring statement names that service (``how`` "shared"), as a route does, by what
    the two have in common (``timed out waiting for appointments-events confirmation``)."""
    empty = pl.DataFrame(schema={"mid": sample.schema["mid"], "service": pl.String, "callee": pl.String})
    # Not the names of fields (``"pod_name":``, ``trace_id=``), nor what SQL says (its tables and
    # columns, data both a client and its database say).
    text = pl.col("message").str.to_lowercase().str.replace_all(_FIELD_KEY, " ").str.replace(_SQL_TEXT, " ")
    tokens = (
        sample.select("mid", pl.col("service").cast(pl.String), "error",
                      token=text.str.replace_all(_BOTH_BOUNDS, "  ").str.extract_all(_COMPOUND_NAME))
        .explode("token").drop_nulls("token")
        # The whole match: the name with what bounds it.
        .with_columns(pl.col("token").str.strip_chars(" \t\"'([=:,)];]"))
        .filter(pl.col("token").str.contains(r"[a-z]{3}") & ~pl.col("token").str.contains(r"\d{3}"))
        .join(lookup.select(token="key"), on="token", how="anti")
        .unique()
    )
    if tokens.height == 0:
        return empty
    # Who says it in the course of its work, not in its errors alone: a consumer of the topic, and
    # its producer if it says so. Services that only fail on it are waiting for it.
    owners = tokens.filter(~pl.col("error")).group_by("token").agg(owners=pl.col("service").unique().sort())
    speakers = tokens.group_by("token").agg(speakers=pl.col("service").n_unique())
    named = (
        tokens.filter(pl.col("error")).join(owners, on="token").join(speakers, on="token")
        .with_columns(others=pl.col("owners").list.set_difference(pl.concat_list(pl.col("service"))))
    )
    # Said by a few services (not vocabulary), one of which, not the erring one, works with it.
    return (
        named.filter((pl.col("others").list.len() == 1) & (pl.col("speakers") <= MAX_SHARED_SPEAKERS))
        .select("mid", "service", callee=pl.col("others").list.first())
        .unique()
    )


def _specific(found: pl.DataFrame, *, n_services: int) -> pl.DataFrame:
    """Drop names that most services use: they are vocabulary, not mentions of one service."""
    if n_services < 4:
        return found
    # Counted over names only: an address is resolved by other means. A compound name said in
    # full (``files-api``, ``ledger_db``) is no word of the language, however many services call
    # it: a shared dependency is named by most of its few callers.
    compound = (pl.col("how") == "name") & pl.col("callee").str.contains(r"[-_.]")
    # Nor is a name given as who sent the request (``client=social``, ``called by social``): a
    # field that names one service, not a word of the text.
    # Nor is a name where a host goes (``http://config:8080``, ``host='config'``).
    host = pl.col("host") if "host" in found.columns else pl.lit(False)
    kept = pl.col("how").is_in(["address", "caller", "path", "client"]) | compound | host
    # A service that calls a name where a host goes, saying it elsewhere, is talking of that callee:
    # only the others say whether the name is a word of everyone's.
    addressing = found.filter(host).select("service", "callee").unique()
    speakers = (
        found.filter(~kept).join(addressing, on=["service", "callee"], how="anti")
        .group_by("callee").agg(pl.col("service").n_unique().alias("speakers"))
    )
    common = speakers.filter(
        (pl.col("speakers") > MAX_SPEAKER_SHARE * (n_services - 1)) & (pl.col("speakers") >= 3)
    ).get_column("callee")
    return found.filter(~pl.col("callee").is_in(common.implode()) | kept)


def trace_parents(events: pl.DataFrame) -> pl.DataFrame:
    """From records with a ``trace_id`` (``service``, ``timestamp``): how often each service
    (``then``) was called from another (``first``) within one request, counted in ``traces``.

    A caller's lines span its call: it logs before the callee and again after it answers. So the
    caller of a service in a trace is the service whose first-to-last span encloses that service's
    first line and began latest (the innermost; of two that began together, the one that ended
    first). Where no span encloses it, nothing is said; nor
    of a service with one line in the trace: a service that logs once, when it answers (an access
    log line), may be the caller of one whose retries outlast its timeout.
    """
    # In the streaming engine, a batch of records at a time.
    spans = (
        events.lazy().filter(pl.col("trace_id").is_not_null() & pl.col("service").is_not_null())
        .group_by("trace_id", "service")
        .agg(start=pl.col("timestamp").min(), end=pl.col("timestamp").max())
        .collect(engine="streaming")
    )
    spans = spans.filter(pl.len().over("trace_id") > 1)
    schema = {"first": pl.String, "then": pl.String, "traces": pl.UInt32}
    if spans.height == 0:
        return pl.DataFrame(schema=schema)
    enclosing = spans.join(spans, on="trace_id", suffix="_caller").filter(
        (pl.col("start_caller") < pl.col("start")) & (pl.col("end_caller") >= pl.col("start")) & (pl.col("end") > pl.col("start"))
    )
    # Innermost: began latest, then ended first; two spans alike in both are told apart by name,
    # so that the same input always gives the same count.
    innermost = enclosing.sort(["start_caller", "end_caller", "service_caller"], descending=[False, True, False])
    parents = innermost.group_by("trace_id", "service").agg(pl.col("service_caller").last())
    counted = parents.group_by(first="service_caller", then="service").agg(traces=pl.len())
    return counted.sort("first", "then").cast(schema)  # type: ignore[arg-type]


def call_graph(services: list[str], mentions: Mentions, traces: pl.DataFrame | None = None) -> nx.DiGraph:
    """Caller -> callee over ``services``. A mention makes an edge; where two services name each
    other, the direction named in more statements wins, each weighed by how it names (``BLAME_WEIGHT``: a whole name counts four times a word of it; both stay when even). Trace order
    adds an edge where one order dominates (``MIN_TRACES`` traces and twice the other order)."""
    # Imported here: networkx takes a tenth of a second, and only analyze needs it.
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(services)
    # A statement counts once, as its whole sample names the callee where it does, else as its
    # lines at ERROR or worse do (``error_part``); those lines are its errors either way.
    table = mentions.table if "error_part" in mentions.table.columns else mentions.table.with_columns(error_part=pl.lit(False))
    statements = table.sort("error_part").unique(["caller", "callee", "template_id"], keep="first", maintain_order=True)
    per_pair = statements.group_by("caller", "callee").agg(
        templates=pl.len(),
        lines=pl.col("lines").sum(),
        how=pl.col("how").unique().sort(),
        # A statement naming a service in full counts more than one with a word of its name in a
        # URL path (``/api/variant`` is not a call to ``api-svc``).
        strength=pl.col("how").replace_strict(BLAME_WEIGHT, default=1.0, return_dtype=pl.Float64).sum(),
    ).join(
        table.group_by("caller", "callee").agg(error_lines=pl.col("lines").filter(pl.col("error")).sum()),
        on=["caller", "callee"],
    )
    strength = {(r["caller"], r["callee"]): r["strength"] for r in per_pair.iter_rows(named=True)}
    for row in per_pair.iter_rows(named=True):
        caller, callee = row["caller"], row["callee"]
        if strength.get((callee, caller), 0.0) > row["strength"]:
            continue
        # A path one service alone serves is, to a reader, a route that names it (``route`` in the JSON).
        evidence = {{"path": "route", "client": "name"}.get(how, how) for how in row["how"]}
        graph.add_edge(caller, callee, templates=row["templates"], lines=row["lines"],
                       error_lines=row["error_lines"], traces=0, evidence=sorted({"mentions", *evidence}))
    if traces is not None and traces.height:
        count = {(r["first"], r["then"]): r["traces"] for r in traces.iter_rows(named=True)}
        for (first, then), n in count.items():
            if n >= MIN_TRACES and n >= 2 * count.get((then, first), 0) and first in graph and then in graph:
                if graph.has_edge(then, first):
                    continue  # the lines say otherwise
                data = graph.get_edge_data(first, then) or {"templates": 0, "lines": 0, "error_lines": 0, "evidence": []}
                graph.add_edge(first, then, **{**data, "traces": int(n), "evidence": sorted({*data["evidence"], "traces"})})
    return graph


def entry_services(graph: nx.DiGraph) -> list[str]:
    """Services that call others and that no service calls: where requests enter the system."""
    return sorted(n for n in graph if graph.in_degree(n) == 0 and graph.out_degree(n) > 0)


# A caller's calls to a callee stopped: its lines below WARN that name the callee (its client's
# "Response from ledger: 200 OK") fell since the incident start to at most MAX_STOPPED_SHARE of
# their rate before (at which MIN_STOPPED_LINES or more would have come since), while the caller's own lines went on at
# MIN_ALIVE_SHARE of their rate or more (a caller that died or lost its traffic stops naming
# everything), and its calls to no other callee stopped (a caller stuck, or failing before it
# calls, stops calling several).
MAX_STOPPED_SHARE = 0.2
MIN_ALIVE_SHARE = 0.5
MIN_STOPPED_LINES = 20


def stopped_calls(records: pl.DataFrame, lines: pl.DataFrame, start: datetime) -> pl.DataFrame:
    """Callers whose lines of calls to a callee stopped since ``start`` (see ``MAX_STOPPED_SHARE``)
    while they went on logging: a callee their calls no longer reach (its name no longer
    resolves, it hangs), though their errors may not name it (``502 Bad Gateway``). ``lines``:
    records with their text (all, or an even sample of each statement: ``rca.mine.compact``), each
    line's callee the one service it names (``line_callees``). The columns of ``named_rises``:
    ``g`` is the likelihood ratio of the fall, ``first`` when the next call was due after the
    last that went through."""
    from rca.signals.detect import poisson_llr

    schema = _NAMED_SCHEMA | {"first": records.schema["timestamp"]}
    stamps = records.get_column("timestamp")
    services = sorted(records.get_column("service").drop_nulls().cast(pl.String).unique().to_list())
    below_warn = ~AT_WARN
    # Only a line that holds one of the names can name a callee: the others, most of them, are
    # not copied on (``line_callees`` reads a line with its fields).
    keys = _lookup(services).get_column("key").to_list() if len(services) > 1 else []
    names = pl.any_horizontal(
        pl.col(c).str.contains_any(keys, ascii_case_insensitive=True).fill_null(False) for c in ("message", "attributes") if c in lines.columns
    )
    lines = lines.filter(below_warn & pl.col("timestamp").is_not_null() & pl.col("service").is_not_null() & names) if keys else lines.clear()
    if stamps.null_count() == stamps.len() or lines.height == 0:
        return pl.DataFrame(schema=schema)
    calls = lines.select(pl.col("service").cast(pl.String), pl.col("template_id").cast(pl.String), "timestamp", "message",
                         *(c for c in ("attributes",) if c in lines.columns))
    calls = calls.with_columns(callee=line_callees(calls, services)).filter(pl.col("callee").is_not_null())
    records = as_cells(records)
    t_before, t_after = _spans(records, start)
    before, after = pl.col("timestamp") < start, pl.col("timestamp") >= start
    alive = records.lazy().filter(pl.col("timestamp").is_not_null()).group_by(caller=pl.col("service").cast(pl.String)).agg(
        own_before=pl.col("n").filter(before).sum(), own_after=pl.col("n").filter(after).sum()
    )
    table = (
        calls.lazy().group_by(caller="service", callee="callee").agg(
            before=before.sum().cast(pl.Float64), after=after.sum().cast(pl.Float64), template_id=pl.col("template_id").unique(),
        )
        .join(alive, on="caller")
        .filter(
            (pl.col("before") * t_after / t_before >= MIN_STOPPED_LINES)
            & (pl.col("after") / t_after <= MAX_STOPPED_SHARE * pl.col("before") / t_before)
            & (pl.col("own_after") / t_after >= MIN_ALIVE_SHARE * pl.col("own_before") / t_before)
        )
        .filter(pl.len().over("caller") == 1)
        .collect()
    )
    # When the calls stopped going through: the lines naming the callee (which may be a sample),
    # counted a second at a time, split where their rate fell most (``_fell_at``); before the
    # split, the last record of the caller's statements that name the callee (to the record
    # where they name it alone; one that also names others that still answer ends at the split),
    # and the next call was due one mean interval of those records after it.
    first, last = stamps.min(), records.get_column("last").max()
    statements = records.lazy().select(
        caller=pl.col("service").cast(pl.String), template_id=pl.col("template_id").cast(pl.String), timestamp="timestamp",
        last="last", n="n",
    )
    ends = []
    for caller, callee, templates in table.select("caller", "callee", "template_id").iter_rows():
        said = calls.filter((pl.col("service") == caller) & (pl.col("callee") == callee)).select("timestamp", n=pl.lit(1))
        split = _fell_at(said, first, last)
        if split is None:
            ends.append((caller, callee, None))
            continue
        kept = said.filter(pl.col("timestamp") < split).get_column("timestamp").max()
        since, ended, n = statements.filter(
            (pl.col("caller") == caller) & pl.col("template_id").is_in(templates) & (pl.col("timestamp") < split)
        ).select(pl.col("timestamp").min(), pl.col("last").max(), pl.col("n").sum()).collect().row(0)
        if ended is None:
            ends.append((caller, callee, kept))
            continue
        due = (ended - since) / max(n - 1, 1)
        ends.append((caller, callee, min(ended, split) + due))
    ended = pl.DataFrame(ends, schema={"caller": pl.String, "callee": pl.String, "first": records.schema["timestamp"]}, orient="row")
    table = table.join(ended, on=["caller", "callee"], how="left").with_columns(pl.col("first").fill_null(start))
    llr = poisson_llr(table.get_column("before").to_numpy(), t_before, table.get_column("after").to_numpy(), t_after)
    return table.with_columns(
        rate_before=pl.col("before") / t_before, rate_after=pl.col("after") / t_after, g=pl.Series(np.maximum(llr, 0.0)),
    ).select(list(schema)).cast(schema).sort("callee", "caller")  # type: ignore[arg-type]


def _fell_at(cells: pl.DataFrame, first: datetime, last: datetime) -> datetime | None:
    """The time at which the records of ``cells`` (``timestamp``, ``n``), logged between ``first``
    and ``last``, fell most: of the splits just after each of their seconds, the one with the
    largest likelihood ratio of a lower rate after it than before."""
    from rca.signals.detect import poisson_llr

    seconds = cells.group_by(second=pl.col("timestamp").dt.truncate("1s")).agg(pl.col("n").sum()).sort("second")
    if seconds.height == 0:
        return None
    times = seconds.get_column("second") + timedelta(seconds=1)
    t_before = np.maximum((times - first).dt.total_seconds().to_numpy().astype(float), 1.0)
    t_after = np.maximum((last - first).total_seconds() - t_before, 1.0)
    before = np.cumsum(seconds.get_column("n").to_numpy().astype(float))
    after = before[-1] - before
    llr = np.where(after / t_after < before / t_before, poisson_llr(before, t_before, after, t_after), -np.inf)
    return times[int(np.argmax(llr))]


_NAMED_SCHEMA = {"caller": pl.String, "callee": pl.String, "before": pl.Float64, "after": pl.Float64,
                 "rate_before": pl.Float64, "rate_after": pl.Float64, "g": pl.Float64}


def _spans(records: pl.DataFrame, start: datetime) -> tuple[float, float]:
    """Seconds of ``records`` (cells) before ``start`` and from it on, each at least one."""
    first, last = records.get_column("timestamp").min(), records.get_column("last").max()
    return max((start - first).total_seconds(), 1.0), max((last - start).total_seconds(), 1.0)  # type: ignore[operator]


def named_rises(records: pl.DataFrame, mentions: Mentions, start: datetime) -> pl.DataFrame:
    """How much more often each caller's WARN-or-worse lines name each callee since ``start``:
    ``caller``, ``callee``, ``before`` and ``after`` (lines), ``rate_before`` and ``rate_after``
    (per second), ``g`` (Poisson likelihood ratio of a rise; 0 if it fell), ``by_route`` (no such
    line names it but by a route, a path or a word of its name, nor says that its request went
    out to a host), ``by_lookup`` (every such line since ``start`` says its name could not be
    resolved) and ``first`` (the first such line from ``start`` on, or from the last normal one
    before it)."""
    from rca.signals.detect import poisson_llr

    # A line that names the callee by its whole name or address blames it; a route less, a bare
    # word of its name (``[Seat]`` for ts-seat-service) much less: it may mean something else.
    weight = pl.col("how").replace_strict(BLAME_WEIGHT, default=0.0, return_dtype=pl.Float64)
    # Blame by a route alone: no line names the callee by name or address, nor says that its
    # request went out to a host (``upstream: "http://10.0.3.7:8080/api/v1/partner"``).
    whole = pl.col("how").is_in(["name", "address", "client", "resolver"])
    if "sent" in mentions.table.columns:
        whole = whole | pl.col("sent").fill_null(False)
    # Blame by failed lookups alone: every line that names the callee since ``start`` says its
    # name could not be resolved.
    not_found = pl.col("lookup").fill_null(False) if "lookup" in mentions.table.columns else pl.lit(False)
    # A statement's part at ERROR or worse (``error_part``) counts those of its lines alone.
    error_part = pl.col("error_part").fill_null(False) if "error_part" in mentions.table.columns else pl.lit(False)
    errors = mentions.table.filter(pl.col("error")).select(
        "caller", "callee", "template_id", share=pl.col("share") * weight, whole=whole, not_found=not_found, error_part=error_part
    )
    schema = _NAMED_SCHEMA | {"by_route": pl.Boolean, "by_lookup": pl.Boolean, "first": records.schema["timestamp"]}
    stamps = records.get_column("timestamp")
    if errors.height == 0 or stamps.null_count() == stamps.len():
        return pl.DataFrame(schema=schema)
    # Records one a row, or cells of ``n`` records (rca.mine.compact), the last at ``last``.
    records = as_cells(records)
    t_before, t_after = _spans(records, start)
    errors = errors.cast({"caller": records.schema["service"], "template_id": records.schema["template_id"]})
    # Joined and summed in the streaming engine, a batch of records at a time.
    table = (
        records.lazy().filter(pl.col("timestamp").is_not_null())
        .select(caller="service", template_id="template_id", timestamp="timestamp", n="n", at_error=AT_ERROR)
        .join(errors.lazy(), on=["caller", "template_id"])
        .filter(~pl.col("error_part") | pl.col("at_error"))
        .group_by("caller", "callee").agg(
            before=(pl.col("share") * pl.col("n") * (pl.col("timestamp") < start)).sum(),
            after=(pl.col("share") * pl.col("n") * (pl.col("timestamp") >= start)).sum(),
            first=pl.col("timestamp").filter(pl.col("timestamp") >= start).min(),
            by_route=~pl.col("whole").any(),
            by_lookup=pl.col("not_found").filter(pl.col("timestamp") >= start).all(),
        ).collect(engine="streaming")
    )
    before = table.get_column("before").to_numpy()
    after = table.get_column("after").to_numpy()
    llr = poisson_llr(before, t_before, after, t_after)
    rising = after / t_after > before / t_before
    return table.with_columns(
        pl.col("caller").cast(pl.String),
        rate_before=pl.col("before") / t_before,
        rate_after=pl.col("after") / t_after,
        g=pl.Series(np.where(rising, np.maximum(llr, 0.0), 0.0)),
    ).select(list(schema)).sort("callee", "caller")
