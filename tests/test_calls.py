"""Who calls whom, read from the logs: names, addresses, routes, senders and trace ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from rca.read.layouts import BY_NAME
from rca.signals.calls import (
    call_graph,
    entry_services,
    failed_call,
    find_mentions,
    fleet_prefix,
    name_variants,
    named_rises,
    stopped_calls,
    trace_parents,
)

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _records(rows: list[tuple[int, str, str, str]], attributes: list[str | None] | None = None) -> pl.DataFrame:
    """(second, service, level, message) rows; each message is its own template."""
    frame = pl.DataFrame(
        {
            "timestamp": [T0 + timedelta(seconds=r[0]) for r in rows],
            "service": [r[1] for r in rows],
            "level": [r[2] for r in rows],
            "message": [r[3] for r in rows],
            "template_id": [r[3] for r in rows],
            "attributes": attributes or [None] * len(rows),
        },
        schema_overrides={"timestamp": pl.Datetime("us", "UTC"), "attributes": pl.String},
    )
    return frame


def _pairs(records: pl.DataFrame) -> set[tuple[str, str, str]]:
    table = find_mentions(records).table
    return set(zip(table["caller"], table["callee"], table["how"], strict=True))


def test_name_variants_drop_the_usual_dress_and_the_plural() -> None:
    assert name_variants("payments-svc") == ["payment", "payments", "payments-svc"]
    assert fleet_prefix(["ts-order-service", "ts-food-service", "ts-user-service", "redis"]) == "ts-"


def test_a_caller_names_its_callee_by_url_host_error_text_dns_and_pod_name() -> None:
    records = _records([
        (1, "checkout", "INFO", "POST http://ledger:8080/v1/entries 201 in 12 ms"),
        (2, "checkout", "ERROR", "connection refused to payments-7f9c8d6b5-x2kqp:8443"),
        (3, "web", "WARN", "Read timed out. (read timeout=5) host='checkout.shop.svc.cluster.local'"),
        (4, "ledger", "INFO", "entry committed"),
        (5, "payments", "INFO", "charge authorized"),
    ])
    found = _pairs(records)
    assert {("checkout", "ledger", "name"), ("checkout", "payments", "name"), ("web", "checkout", "name")} <= found
    assert not any(callee == "web" for _, callee, _ in found)


def test_an_ingress_nginx_access_line_names_its_upstream_service() -> None:
    """ingress-nginx writes the upstream as ``[<namespace>-<service>-<port>]``: its 503s name the
    service they were sent to."""
    line = ('10.1.2.3 - - [03/Dec/2024:21:37:39 +0000] "DELETE /api/v1/auth/8 HTTP/2.0" 503 2540 "-" "curl/8.5.0" 792 0.494 '
            "[default-mobile-bff-8000] [] 10.1.91.6:8000 2540 0.493 503 8173ac08")
    records = _records([(1, "public-proxy", "ERROR", line), (2, "mobile-bff", "INFO", "request finished"),
                        (3, "bff", "INFO", "request finished")])
    assert ("public-proxy", "mobile-bff", "name") in _pairs(records)
    assert not any(callee == "bff" for _, callee, _ in _pairs(records))


def test_an_address_is_a_service_when_a_line_ties_them() -> None:
    records = _records([
        (1, "ledger", "INFO", "listening on 10.0.3.7:8080"),
        (2, "checkout", "ERROR", "dial tcp 10.0.3.7:8080: connect: connection refused"),
        (3, "payments", "INFO", "charge authorized"),
    ])
    assert ("checkout", "ledger", "address") in _pairs(records)


def test_the_address_a_request_came_from_names_no_callee() -> None:
    """pino's ``"remoteAddress":"10.2.9.156"`` and Tomcat's ``connection from 10.2.9.156:43504``
    are the caller's address: the server that logs it does not call the service at that address
    (the bff, whose own line ties it to the address)."""
    records = _records([
        (1, "bff", "INFO", "listening on 10.2.9.156:8080"),
        (2, "tax", "ERROR", '{"req":{"method":"GET","url":"/api/v1/tax","remoteAddress":"10.2.9.156"},"msg":"request errored"}'),
        (3, "tax", "INFO", '{"req":{"url":"/api/v1/tax","remote_addr":"10.2.9.156"},"msg":"request completed"}'),
        (4, "tax", "WARN", "Handshake failed for client connection from 10.2.9.156:43504: SSLHandshakeException"),
        (5, "payments", "INFO", "charge authorized"),
    ])
    assert not any(caller == "tax" for caller, _, _ in _pairs(records))
    # The same address where a host goes still names the bff.
    records = records.vstack(_records([(5, "shop", "ERROR", "upstream connect error, host=10.2.9.156")]))
    assert ("shop", "bff", "address") in _pairs(records)


def test_an_address_is_the_server_that_alone_serves_on_its_port() -> None:
    # Node's and Go's clients give a cache's address and port, never its name; the cache's own
    # file is a Redis log (its layout serves on 6379). Where two servers share the port, the port
    # tells them apart no more than nothing would.
    rows = [
        (1, "kv", "INFO", "Background saving started by pid 812"),
        (2, "shop", "WARN", "Error while processing GET /cart: connect ECONNREFUSED 10.96.85.186:6379"),
        (3, "web", "WARN", "cache unavailable: dial tcp 10.96.85.186:6379: connect: connection refused"),
        (4, "db", "INFO", "checkpoint complete"),
    ]
    ports = pl.DataFrame({"service": ["kv", "db"], "port": [6379, 5432]})
    found = set(zip(*(find_mentions(_records(rows), ports=ports).table[c] for c in ("caller", "callee", "how")), strict=True))
    assert {("shop", "kv", "address"), ("web", "kv", "address")} <= found
    assert not any(callee == "kv" for _, callee, _ in _pairs(_records(rows)))
    shared = pl.DataFrame({"service": ["kv", "sessions"], "port": [6379, 6379]})
    rows.append((5, "sessions", "INFO", "Background saving started by pid 9"))
    assert not any(callee in ("kv", "sessions") for _, callee in
                   zip(*(find_mentions(_records(rows), ports=shared).table[c] for c in ("caller", "callee")), strict=True))


def test_a_stack_frame_of_a_client_class_names_the_callee_the_failure_came_through() -> None:
    # The TLS error names no host; the frames say the call went through the client of
    # inventory-service. A frame of the service's own code, or of a library, names nobody.
    rows = [
        (1, "webapp", "ERROR", "Request processing failed"),
        (2, "webapp", "ERROR", "Request processing failed"),
        (3, "inventory-service", "INFO", "Completed 200 OK in 12 ms"),
        (4, "billing", "INFO", "invoice sent"),
    ]
    frames = (
        "javax.net.ssl.SSLHandshakeException: PKIX path validation failed\n"
        "\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:892)\n"
        "\tat org.apache.http.impl.client.InternalHttpClient.doExecute(InternalHttpClient.java:185)\n"
        "\tat com.contoso.shop.client.InventoryServiceClient.reserve(InventoryServiceClient.java:812)\n"
        "\tat com.contoso.shop.billing.BillingService.charge(BillingService.java:473)"
    )
    records = _records(rows).with_columns(body=pl.Series([frames, frames, None, None]))
    found = set(zip(*(find_mentions(records).table[c] for c in ("caller", "callee", "how")), strict=True))
    assert found == {("webapp", "inventory-service", "name")}
    no_client = frames.replace("InventoryServiceClient", "InventoryService")
    records = _records(rows).with_columns(body=pl.Series([no_client, no_client, None, None]))
    assert find_mentions(records).table.height == 0


def test_a_host_of_a_public_domain_is_outside_whatever_its_first_label() -> None:
    records = _records([
        (1, "fraud", "ERROR", "call to api.partner-logistics.com failed error=unexpected status 401 from https://api.partner-logistics.com/api/v1/fraud"),
        (2, "fraud", "ERROR", "GET http://ledger.prod.svc.cluster.local:8080/v1/entries failed: 503"),
        (3, "api", "INFO", "GET /api/v1/shipping 200"), (4, "ledger", "INFO", "entry committed"),
    ])
    assert {(caller, callee) for caller, callee, _ in _pairs(records)} == {("fraud", "ledger")}


def test_a_route_names_a_callee_but_a_named_host_wins_over_it() -> None:
    records = _records([
        (1, "edge", "ERROR", "GET /api/catalog failed: dns"),
        (2, "edge", "ERROR", "upstream auth returned 401 for /api/search"),
        (3, "catalog", "INFO", "ok"), (4, "auth", "INFO", "ok"), (5, "search", "INFO", "ok"),
    ])
    found = _pairs(records)
    assert ("edge", "catalog", "route") in found
    assert ("edge", "auth", "name") in found
    assert not any(callee == "search" for _, callee, _ in found)


def test_a_path_that_one_service_alone_serves_names_it() -> None:
    records = _records([
        # A proxy's access lines: the paths it forwarded and its upstreams' addresses, no names.
        (1, "edge", "INFO", '"GET /api/v1/order/search HTTP/1.1" 200 503 rt=0.051 upstream=172.20.14.94:5000'),
        (2, "edge", "INFO", '"GET /api/v1/stock/7731 HTTP/1.1" 200 88 rt=0.010 upstream=172.20.3.2:8080'),
        # The services' own access lines: what they served.
        (3, "archive", "INFO", "GET /api/v1/order/search 200 142.4ms"),
        (4, "inventory", "INFO", "request handled path=/api/v1/stock/{sku} status=200"),
        # A retry of its own call repeats the path it sent: it does not serve it.
        (5, "archive", "WARN", "retry 2/2 for GET /api/v1/stock/{sku} in 510ms"),
        (6, "archive", "INFO", "GET http://10.0.0.9:8080/api/v1/stock/42 -> 200"),
        # Two callers of an outside API: neither serves the path the other requests.
        (7, "billing", "ERROR", "partner API error: 502 from https://api.rates.example.org/v3/rates"),
        (8, "mailer", "WARN", "api.rates.example.org returned 502 for GET /v3/rates, using the cached value"),
    ])
    found = {(caller, callee) for caller, callee, how in _pairs(records) if how == "path"}
    assert found == {("edge", "archive"), ("edge", "inventory"), ("archive", "inventory")}


def test_an_access_line_that_times_its_upstream_forwarded_the_path() -> None:
    # nginx's upstream timing (urt=, uct=, as its documentation's log format names them) says the
    # request went on to the one service that serves the path.
    records = _records([
        (1, "proxy", "INFO", '61.9.157.23 - - [28/Jan/2025:01:38:26 +0000] "PUT /api/v1/shipping/282214 HTTP/1.1" 200 532 '
                             '"-" "axios/1.6.8" rt=0.032 uct="0.001" urt="0.031" ua="10.244.236.223:3000" us="200"'),
        (2, "web", "INFO", "PUT /api/v1/shipping/834232 200 3966 - 12.976 ms"),
        (3, "pricing", "INFO", "quote priced"),
    ])
    assert _pairs(records) == {("proxy", "web", "path")}


def test_an_edge_that_logs_the_paths_of_several_backends_routes_to_each() -> None:
    # An ingress's access lines carry no upstream, only the paths its backends then log; each
    # backend shares paths with the ingress alone. Their health checks are each one's own.
    records = _records([
        (1, "frontdoor", "INFO", '10.0.0.1 - - "POST /v2/quotes/quote HTTP/1.1" 200 3189 0.074'),
        (2, "frontdoor", "INFO", '10.0.0.2 - - "PUT /api/v1/auth/249293 HTTP/1.1" 200 3595 0.013'),
        (3, "partner-api", "INFO", "POST /v2/quotes/quote 200 74ms"),
        (4, "auth-api", "INFO", "PUT /api/v1/auth/{id} 200 9ms"),
        (5, "partner-api", "INFO", "GET /actuator/health 200 1ms"),
        (6, "pricing", "INFO", "GET /actuator/health 200 1ms"),
    ])
    found = {(caller, callee) for caller, callee, how in _pairs(records) if how in ("path", "route")}
    assert found == {("frontdoor", "partner-api"), ("frontdoor", "auth-api")}
    # Two services that share their paths with each other only: nothing says which called.
    assert not {how for _, _, how in _pairs(records.filter(pl.col("service") != "auth-api"))} & {"path", "route"}


def test_a_servers_client_library_names_the_one_server_of_its_kind() -> None:
    # A JDBC failure names no host; its frames are PostgreSQL's driver, and one service here is
    # a PostgreSQL (its file is read with PostgreSQL's layout). Two of them: the driver says nothing.
    rows = [
        (1, "quotes", "ERROR", "Database error in delete_quote"),
        (2, "pg", "INFO", "checkpoint complete"),
        (3, "cache", "INFO", "Background saving started by pid 9"),
    ]
    frames = ("org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection\n"
              "\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:325)")
    records = _records(rows).with_columns(body=pl.Series([frames, None, None]))
    servers = pl.DataFrame({"service": ["pg", "cache"], "port": [5432, 6379], "clients": [
        BY_NAME["postgres"].clients, BY_NAME["redis"].clients]})
    table = find_mentions(records, ports=servers).table
    assert table.select("caller", "callee", "how").rows() == [("quotes", "pg", "client")]
    assert call_graph(["cache", "pg", "quotes"], find_mentions(records, ports=servers)).edges["quotes", "pg"]["evidence"] == ["mentions", "name"]
    two = pl.concat([servers, pl.DataFrame({"service": ["orders-db"], "port": [5432], "clients": [BY_NAME["postgres"].clients]})])
    assert find_mentions(records, ports=two).table.height == 0


def test_a_database_names_the_client_of_a_connection_by_its_application_name() -> None:
    # Its user is named after the client too, by a word of its name: the line says who connected.
    records = _records([
        (1, "pg", "INFO", "connection authorized: user=pgbouncer database=catalog application_name=pg-pooler"),
        (2, "pg", "INFO", "connection authorized: user=products database=catalog application_name=products-svc"),
        (3, "pg-pooler", "INFO", "stats: 2 xacts/s, 2 queries/s"),
        (4, "products-svc", "INFO", "GET /api/v1/products 200 12 ms"),
    ])
    assert sorted(find_mentions(records).table.select("caller", "callee", "how", "error").rows()) == [
        ("pg-pooler", "pg", "caller", False), ("products-svc", "pg", "caller", False)]


def test_a_callee_that_names_its_sender_gives_the_edge_the_other_way_and_blames_nobody() -> None:
    records = _records([
        (1, "flags", "WARN", "deprecated route / called by shop"),
        (2, "shop", "INFO", "order placed"),
    ])
    table = find_mentions(records).table
    assert table.select("caller", "callee", "how", "error").rows() == [("shop", "flags", "caller", False)]


def test_a_consumer_that_names_the_topic_it_reads_calls_nothing_and_blames_no_producer() -> None:
    """A topic named after the service that writes to it says where the work came from."""
    records = _records([
        (1, "indexer", "ERROR", "failed to process message offset=2264068 partition=5 topic=catalog.events"),
        (2, "catalog", "INFO", "GET /api/v1/catalog 200"),
    ])
    table = find_mentions(records).table
    assert table.select("caller", "callee", "how", "error").rows() == [("catalog", "indexer", "caller", False)]


def test_http_reason_phrases_name_no_service_that_shares_their_words() -> None:
    """A service called gateway is not what ``502 Bad Gateway`` or ``GATEWAY_TIMEOUT`` is about;
    ``api-gateway timeout`` and a call to ``http://gateway:8080`` are."""
    records = _records([
        (1, "api", "ERROR", "org.springframework.web.client.HttpServerErrorException$BadGateway: 502 Bad Gateway: [no body]"),
        (2, "api", "ERROR", "Downstream call failed: status=504 GATEWAY_TIMEOUT"),
        (3, "api", "ERROR", "upstream replied 504 Gateway Time-out"),
        (4, "worker", "ERROR", "GET http://gateway:8080/v1/jobs failed: 502 Bad Gateway"),
        (5, "gateway", "INFO", "GET /v1/jobs 200"),
    ])
    table = find_mentions(records).table
    assert table.select("caller", "callee", "error").unique().rows() == [("worker", "gateway", True)]


def test_a_table_named_after_a_service_is_data_not_a_call() -> None:
    """A database's statements name tables, often after the service that owns them; so do an
    ORM's. Neither is a call to that service; an error from it is."""
    records = _records([
        (1, "pg-main", "INFO", "duration: 812.1 ms  execute <unnamed>: UPDATE payments SET status = $1 WHERE id = $2"),
        (2, "pg-main", "INFO", 'automatic vacuum of table "shop.public.payments": index scans: 1'),
        (3, "orders", "DEBUG", 'Hibernate: select p.id from "payments" p where p.order_id=?'),
        (4, "orders", "ERROR", "error from payments: 503"),
        (5, "payments", "INFO", "charge authorized"),
    ])
    table = find_mentions(records).table
    assert table.select("caller", "callee", "error").unique().rows() == [("orders", "payments", True)]


def test_structured_fields_count_as_the_lines_text() -> None:
    records = _records(
        [(1, "kitchen", "WARN", "upstream request failed"), (2, "secrets", "INFO", "served")],
        attributes=['level=warning msg="upstream request failed" error="Get https://secrets.apps.svc:8000/x: timeout"', None],
    )
    assert ("kitchen", "secrets", "name") in _pairs(records)


def test_a_stack_traces_exception_lines_count_as_the_records_text_but_its_frames_do_not() -> None:
    records = _records(
        [(1, "cms", "WARN", "Remote call failed: java.net.UnknownHostException: Name or service not known"),
         (2, "sessions", "INFO", "served"), (3, "billing", "INFO", "charged")]
    ).with_columns(body=pl.Series([
        "java.net.UnknownHostException: sessions: Name or service not known\n\tat com.example.billing.Client.call(Client.java:12)",
        None, None,
    ]))
    pairs = _pairs(records)
    assert ("cms", "sessions", "name") in pairs
    assert not any(callee == "billing" for _, callee, _ in pairs)


def test_a_record_naming_its_own_service_still_names_the_route_it_calls() -> None:
    records = _records(
        [(1, "shop", "ERROR", 'upstream error while handshaking, request: "PUT /api/routing/search HTTP/1.1"'),
         (2, "routing", "INFO", "request handled")],
        attributes=['{"service":"shop","kubernetes":{"pod_name":"shop-2tlb96jdc-85dfc"}}', None],
    )
    assert ("shop", "routing", "route") in _pairs(records)


def test_a_service_whose_name_is_all_affixes_is_not_named_by_every_service_key() -> None:
    # ``app-service`` has no core: stripped of ``app-`` it would be "service", the key of every
    # JSON record, and every line would seem to name it (hiding the route a line does name).
    assert name_variants("app-service") == ["app-service"]
    records = _records(
        [(1, "email-service", "ERROR", "request to https://10.0.11.205:8080/shipping/batch failed, reason: certificate has expired"),
         (2, "app-service", "INFO", "request handled"), (3, "shipping-service", "INFO", "started"),
         (4, "payments-service", "INFO", "charged")],
        attributes=['{"level":"error","service":"email-service","code":"CERT_HAS_EXPIRED"}', None, None, None],
    )
    pairs = _pairs(records)
    assert ("email-service", "shipping-service", "route") in pairs
    assert not any(callee == "app-service" for _, callee, _ in pairs)


def test_a_client_class_named_after_all_its_callees_words_names_it() -> None:
    rows = [(1, "push-server", "WARN", "c.e.push.client.PaymentGatewayClient - Connection refused: 10.0.11.250:8080"),
            (2, "bff-server", "INFO", "RedisProxyClient took 3 ms"),
            (3, "payment-gateway-server", "INFO", "charged"), (4, "redis-proxy-server", "INFO", "GET key")]
    pairs = {(caller, callee) for caller, callee, _ in _pairs(_records(rows))}
    assert ("push-server", "payment-gateway-server") in pairs and ("bff-server", "redis-proxy-server") in pairs


def test_the_client_class_a_line_was_logged_by_names_its_callee(tmp_path) -> None:
    # friends' calls to idgen fail with a message that names no one: the logger does.
    records = _records([(1, "friends-server", "WARN", "Upstream responded with 503 Service Unavailable"),
                        (2, "friends-server", "INFO", "GET /friends 200"),
                        (3, "idgen-server", "INFO", "issued id 42"), (4, "store-server", "INFO", "ready")])
    loggers = ["com.fintrail.friends.client.IdgenClient", "com.fintrail.friends.web.FriendsController",
               "c.f.idgen.IdApplication", "c.f.store.StoreApplication"]
    pairs = {(a, b) for a, b, _ in _pairs(records.with_columns(component=pl.Series(loggers)))}
    assert ("friends-server", "idgen-server") in pairs
    # Another logger is the service's own code: a Python module ``api`` names no service ``api``.
    own = _records([(1, "prefs", "ERROR", "account 42 not found (404)"), (2, "api", "INFO", "GET /x 200"),
                    (3, "store", "INFO", "ready")]).with_columns(component=pl.Series(["api", "nginx", "main"]))
    assert not _pairs(own)
    # Read compact, the texts kept carry the logger.
    (tmp_path / "friends-server.log").write_text(
        "2026-05-26 23:57:30.107  WARN 1 --- [exec-73] com.fintrail.friends.client.IdgenClient  : Upstream responded with 503\n")
    from rca.mine.shards import read_masked
    from rca.settings import Settings

    texts = read_masked([str(tmp_path)], Settings(), compact=True).texts
    assert texts.get_column("component").cast(pl.String).to_list() == ["com.fintrail.friends.client.IdgenClient"]


def test_a_routine_statement_naming_many_services_where_no_host_goes_names_its_clients() -> None:
    """A database logs the users its clients connect as (named after them): one statement, many
    services, no host place; they call it, it calls none of them, and nobody is blamed. An error
    that names many where no host goes lists what it failed to reach: no calls. A proxy's one
    statement that names its upstreams where a host goes still calls each."""
    sql = [f"connection authorized: user={name} database=shop SSL enabled" for name in ("payments", "ledger", "orders")]
    proxy = [f"GET /v1/x 200 upstream={name}:8080 in 12 ms" for name in ("payments", "ledger", "orders")]
    broken = [f"sync failed: could not reach {name}" for name in ("search", "reviews", "media")]
    rows = [(i, "postgres", "INFO", m) for i, m in enumerate(sql)] + [(10 + i, "proxy", "INFO", m) for i, m in enumerate(proxy)]
    rows += [(30 + i, "reporter", "ERROR", m) for i, m in enumerate(broken)]
    rows += [(20, "orders", "ERROR", "payments call failed: 503"), (21, "ledger", "INFO", "entry committed"),
             (22, "payments", "INFO", "charge authorized")] + [(23, name, "INFO", "ready") for name in ("search", "reviews", "media")]
    statement = pl.Series(["sql"] * 3 + ["access"] * 3 + ["broken"] * 3 + [m for _, _, _, m in rows[9:]])
    table = find_mentions(_records(rows).with_columns(template_id=statement)).table
    found = set(zip(table["caller"], table["callee"], table["how"], strict=True))
    assert {("payments", "postgres", "caller"), ("ledger", "postgres", "caller"), ("orders", "postgres", "caller")} <= found
    assert not any(caller in ("postgres", "reporter") for caller, _, _ in found)
    assert not table.filter(pl.col("callee") == "postgres").get_column("error").any()
    assert {("proxy", "payments", "name"), ("proxy", "ledger", "name"), ("proxy", "orders", "name")} <= found
    assert ("orders", "payments", "name") in found


def test_a_service_naming_many_services_one_a_statement_and_never_where_a_host_goes_serves_them() -> None:
    """A broker's statements name a client each (``rebalanced group payments``); an app names
    each callee in a statement of its own too, but calls one where a host goes: it calls them."""
    rows = [(i, "broker", "INFO", f"rebalanced consumer group {name} generation {i}") for i, name in enumerate(("payments", "ledger", "orders"))]
    rows += [(10, "web", "INFO", "GET http://payments:8080/v1/charge 200"), (11, "web", "INFO", "ledger answered in 12 ms"),
             (12, "web", "INFO", "orders answered in 9 ms")]
    rows += [(20 + i, name, "INFO", "ready") for i, name in enumerate(("payments", "ledger", "orders", "search", "reviews", "media"))]
    table = find_mentions(_records(rows)).table
    found = set(zip(table["caller"], table["callee"], table["how"], strict=True))
    assert {("payments", "broker", "caller"), ("ledger", "broker", "caller"), ("orders", "broker", "caller")} <= found
    assert {("web", "payments", "name"), ("web", "ledger", "name"), ("web", "orders", "name")} <= found
    assert not any(caller == "broker" for caller, _, _ in found)


def test_an_error_that_a_name_could_not_be_resolved_blames_the_name_server_where_its_lines_are_read() -> None:
    """The caller never reached the service it names: the resolver failed, not the service.
    Without the resolver's lines, the name itself may be gone, and the service is blamed."""
    rows = [
        (1, "checkout", "ERROR", "java.net.UnknownHostException: ledger: Temporary failure in name resolution"),
        (2, "web", "ERROR", "dial tcp: lookup checkout on 10.96.0.10:53: no such host"),
        (3, "checkout", "ERROR", "connection refused to payments:8443"),
        (4, "ledger", "INFO", "entry committed"),
        (5, "payments", "INFO", "charge authorized"),
    ]
    table = find_mentions(_records(rows)).table
    blames = dict(zip(zip(table["caller"], table["callee"]), table["error"], strict=True))
    assert blames == {("checkout", "ledger"): True, ("web", "checkout"): True, ("checkout", "payments"): True}
    query = '[INFO] 10.2.1.7:5353 - 4721 "A IN {}.default.svc.cluster.local. udp 62 false 512" NOERROR qr,aa,rd 94 0.0004s'
    table = find_mentions(_records([*rows, (6, "coredns", "INFO", query.format("audit"))])).table
    blames = dict(zip(zip(table["caller"], table["callee"]), table["error"], strict=True))
    assert blames == {("checkout", "ledger"): False, ("web", "checkout"): False, ("checkout", "payments"): True,
                      ("checkout", "coredns"): True, ("web", "coredns"): True}


def test_errors_that_a_name_could_not_be_resolved_call_and_blame_the_name_server() -> None:
    """No caller names the name server, but it logs the queries it answers; a caller's errors
    that a name could not be resolved are calls to it, and blame it."""
    query = '[INFO] 10.2.1.7:5353 - 4721 "A IN {}.default.svc.cluster.local. udp 62 false 512" NOERROR qr,aa,rd 94 0.0004s'
    records = _records([
        *((i, "coredns", "INFO", query.format(name)) for i, name in enumerate(("ledger", "checkout", "payments"))),
        (5, "checkout", "ERROR", "java.net.UnknownHostException: ledger: Temporary failure in name resolution"),
        (6, "checkout", "INFO", "GET http://ledger:8080/v1/entries 200 in 12 ms"),
        (7, "ledger", "INFO", "entry committed"),
        (8, "payments", "INFO", "charge authorized"),
    ])
    records = records.with_columns(template_id=pl.when(pl.col("service") == "coredns").then(pl.lit("query")).otherwise("template_id"))
    mentions = find_mentions(records)
    assert mentions.table.filter(pl.col("callee") == "coredns").select("caller", "error", "how").rows() == [("checkout", True, "resolver")]
    graph = call_graph(["checkout", "coredns", "ledger", "payments"], mentions)
    assert sorted(graph.edges) == [("checkout", "coredns"), ("checkout", "ledger")]


def test_a_name_most_services_use_is_vocabulary_not_a_mention() -> None:
    rows = [(i, s, "INFO", f"{s} loaded the order {i}") for i, s in enumerate(["a-svc", "b-svc", "c-svc", "d-svc", "e-svc"])]
    rows.append((9, "order", "INFO", "ready"))
    assert not any(callee == "order" for _, callee, _ in _pairs(_records(rows)))


def test_a_common_word_where_a_host_goes_is_a_callee_however_many_services_use_it() -> None:
    # Most services say "config" (their own settings), but a URL's host, ``host='config'`` and
    # ``config:8443`` are calls to the service called config.
    rows = [(i, s, "INFO", f"loaded config from /etc/{s}.yaml") for i, s in enumerate(["web", "risk", "etl", "timeline"])]
    rows += [(5, "web", "ERROR", "GET http://config:8080/api/v1/config/42 failed: timed out"),
             (6, "risk", "WARN", "HTTPConnectionPool(host='config', port=80): Read timed out."),
             (7, "etl", "ERROR", "dial tcp config:8443: connect: connection refused"),
             (8, "config", "INFO", "served request")]
    pairs = {(caller, callee) for caller, callee, _ in _pairs(_records(rows))}
    assert {("web", "config"), ("risk", "config"), ("etl", "config")} <= pairs
    # Said only as a word, it stays vocabulary.
    assert not any(callee == "config" for _, callee, _ in _pairs(_records(rows[:4] + rows[-1:])))


def test_a_name_its_callers_address_as_a_host_is_a_callee_where_another_caller_says_it_as_a_word() -> None:
    # Three of five callers say "pgbouncer" as a word (a circuit breaker named after its callee),
    # but two of them also call it where a host goes: they talk of their callee, not in a word
    # of everyone's, so feed-api's breaker names its callee too.
    rows = [(1, "ticket-api", "ERROR", "dial tcp pgbouncer:6432: connect: connection refused"),
            (2, "translation-api", "ERROR", "could not connect to server at pgbouncer:6432"),
            *((3, s, "WARN", f"circuit breaker pgbouncer: state changed from closed to open ({s})")
              for s in ("ticket-api", "translation-api", "feed-api")),
            (4, "storage-mailer", "INFO", "sent batch"), (5, "vendor-api", "INFO", "ok"), (6, "pgbouncer", "INFO", "served")]
    assert ("feed-api", "pgbouncer") in {(a, b) for a, b, _ in _pairs(_records(rows))}
    # A word most services use stays one, though a service is called by it where a host goes.
    words = [(i, s, "INFO", f"loaded config from /etc/{s}.yaml") for i, s in enumerate(["risk", "etl", "timeline", "shop"])]
    words += [(5, "web", "ERROR", "GET http://config:8080/api/v1/config/42 failed: timed out"), (6, "config", "INFO", "served")]
    pairs = {(a, b) for a, b, _ in _pairs(_records(words))}
    assert ("web", "config") in pairs and not any(b == "config" for a, b in pairs if a != "web")


def test_a_function_of_a_client_module_names_its_callee() -> None:
    rows = [(1, "payments-svc", "WARN", "Finished call to 'payments.clients.identity.update' after 20(ms), this was the 2nd time calling it."),
            (2, "identity-svc", "INFO", "GET /v1/identity 200"), (3, "quote-svc", "INFO", "quoted"), (4, "web", "INFO", "ready")]
    assert ("payments-svc", "identity-svc") in {(a, b) for a, b, _ in _pairs(_records(rows))}


def test_a_shared_dependency_named_in_full_by_most_of_few_services_is_still_a_callee() -> None:
    rows = [(1, "fx-svc", "DEBUG", "GET http://files-api:9090/api/files -> 200 in 3.5ms"),
            (2, "ads-svc", "WARN", "Health status DOWN (readinessState: REFUSING_TRAFFIC, files-api: DOWN)"),
            (3, "frontend", "INFO", "POST /ads/search 200"), (4, "files-api", "INFO", "served request")]
    pairs = _pairs(_records(rows))
    assert ("fx-svc", "files-api", "name") in pairs and ("ads-svc", "files-api", "name") in pairs


def test_trace_spans_give_the_caller_whose_span_encloses_the_callee() -> None:
    events = pl.DataFrame(
        {
            "trace_id": ["t1"] * 4 + ["t2"] * 4,
            "service": ["api", "db", "db", "api"] * 2,
            "timestamp": [T0 + timedelta(milliseconds=m) for m in (0, 5, 9, 20, 100, 104, 108, 130)],
        },
        schema_overrides={"timestamp": pl.Datetime("us", "UTC")},
    )
    assert trace_parents(events).rows() == [("api", "db", 2)]


def test_of_two_spans_that_began_together_the_one_that_ended_first_is_the_caller() -> None:
    # The edge and the app log their first lines of the request in the same millisecond; the app's
    # span ends first, inside the edge's, so the app is the innermost caller of the db, every time.
    events = pl.DataFrame(
        {
            "trace_id": ["t1"] * 6,
            "service": ["edge", "app", "db", "db", "app", "edge"],
            "timestamp": [T0 + timedelta(milliseconds=m) for m in (0, 0, 5, 9, 20, 30)],
        },
        schema_overrides={"timestamp": pl.Datetime("us", "UTC")},
    )
    for _ in range(5):
        assert trace_parents(events.sample(fraction=1.0, shuffle=True)).rows() == [("app", "db", 1)]


def test_a_service_with_one_line_in_a_trace_is_not_placed_inside_another_span() -> None:
    # The edge logs one line per request, when it answers: here a timeout at 2 s, while the
    # callee it called goes on retrying its own callee and logging until 5 s. That one line
    # falls inside the callee's span, but it says nothing of when the edge's part began.
    stamps = [T0 + timedelta(seconds=s, minutes=m) for m in range(3) for s in (0.5, 1.5, 2.0, 3.5, 5.0)]
    events = pl.DataFrame(
        {
            "trace_id": [f"t{m}" for m in range(3) for _ in range(5)],
            "service": ["orders", "orders", "edge", "orders", "orders"] * 3,
            "timestamp": stamps,
        },
        schema_overrides={"timestamp": pl.Datetime("us", "UTC")},
    )
    assert trace_parents(events).height == 0


def test_call_graph_edges_and_the_entry_are_found_from_the_graph_not_from_names() -> None:
    records = _records([
        (1, "zeta", "INFO", "GET http://alpha:80/x 200"),
        (2, "alpha", "ERROR", "call to beta failed: timeout"),
        (3, "beta", "INFO", "done"),
    ])
    graph = call_graph(["alpha", "beta", "zeta"], find_mentions(records))
    assert sorted(graph.edges) == [("alpha", "beta"), ("zeta", "alpha")]
    assert entry_services(graph) == ["zeta"]


def test_errors_naming_a_callee_rise_from_the_incident_start() -> None:
    rows = [(s, "api", "INFO", "call to ledger ok") for s in range(0, 600, 10)]
    rows += [(s, "api", "ERROR", "call to ledger failed: timeout") for s in range(300, 600, 2)]
    rows += [(s, "ledger", "INFO", "entry") for s in range(0, 600, 5)]
    rises = named_rises(_records(rows), find_mentions(_records(rows)), T0 + timedelta(seconds=300))
    row = rises.filter(pl.col("callee") == "ledger").row(0, named=True)
    assert row["caller"] == "api" and row["before"] == 0 and row["after"] == 150 and row["g"] > 50
    assert row["first"] == T0 + timedelta(seconds=300)


def test_the_5xx_lines_of_an_access_statement_blame_the_upstream_they_name_but_a_gauges_warnings_do_not() -> None:
    """An access line's level is its status: a proxy's one statement is mostly 200s, and its
    5xx lines (errors) from the start name the upstream that failed them. A consumer's lag line
    turns WARN past a threshold: its service's own state, not a failure of the topic's owner."""
    envoy = '"GET /api/v1/geo HTTP/1.1" {status} - via_upstream 10.8.25.130:8000 outbound|8000||geo-api.default.svc.cluster.local'
    rows = [(s, "edge", "INFO", envoy.format(status=200)) for s in range(0, 600)]
    rows += [(s, "edge", "ERROR", envoy.format(status=504)) for s in range(300, 600, 3)]
    rows += [(s, "geo-api", "INFO", "request served") for s in range(0, 600, 5)]
    rows += [(s, "dispatcher", "INFO", f"lag on ledger.events: {s % 7}") for s in range(0, 600, 2)]
    rows += [(s, "dispatcher", "WARN", f"lag on ledger.events: {5000 + s}") for s in range(300, 600, 10)]
    rows += [(s, "ledger", "INFO", "entry committed") for s in range(0, 600, 5)]
    records = _records(rows).with_columns(  # one statement each, whatever its lines' levels
        template_id=pl.when(pl.col("service") == "edge").then(pl.lit("access"))
        .when(pl.col("message").str.starts_with("lag")).then(pl.lit("lag")).otherwise("template_id")
    )
    rises = named_rises(records, find_mentions(records), T0 + timedelta(seconds=300))
    assert rises.select("caller", "callee").rows() == [("edge", "geo-api")]
    row = rises.row(0, named=True)
    assert row["before"] == 0 and row["after"] == 100 and row["g"] > 50 and row["first"] == T0 + timedelta(seconds=300)
    # The statement is one call edge, named in its 200s as in its 504s.
    graph = call_graph(["dispatcher", "edge", "geo-api", "ledger"], find_mentions(records))
    assert graph.edges["edge", "geo-api"]["templates"] == 1 and graph.edges["edge", "geo-api"]["error_lines"] == 100


def test_a_name_servers_query_line_ties_the_address_of_who_asked_to_no_name() -> None:
    """coredns logs the asking client's address beside the name it asked for: that address is
    not the named service's, so a proxy's 5xx sent to it blames nobody (and not that name)."""
    records = _records([
        (1, "coredns", "INFO", '10.244.54.91:40598 - 56212 "A IN reviews.default.svc.cluster.local. udp 67 false 512" NOERROR qr,aa,rd 99 0.0001s'),
        (2, "coredns", "INFO", '10.244.54.91:40611 - 1213 "AAAA IN reviews.default.svc.cluster.local. udp 67 false 512" NOERROR qr,aa,rd 99 0.0001s'),
        (3, "edge", "ERROR", '"PUT /api/v1/inventory/4 HTTP/1.1" 503 1763 rt=0.046 urt="0.046" ua="10.244.54.91:8080" us="503"'),
        (4, "reviews", "INFO", "request completed"),
        (5, "partner", "INFO", "PUT /api/v1/inventory/4 200 13.2ms"),
    ])
    assert not any(caller == "edge" and callee == "reviews" for caller, callee, _ in _pairs(records))


def test_calls_to_one_callee_that_stop_going_through_while_the_caller_logs_on_blame_it() -> None:
    # kyc's client logs each response; from the start, its calls to price-engine fail with a
    # 502 that names nothing (the name no longer resolves) while its calls to stock go on.
    rows = [(s, "kyc", "INFO", f"Response from {callee}: 200 OK") for s in range(0, 600, 4) for callee in ("price-engine", "stock")
            if s < 300 or callee == "stock"]
    rows += [(s, "kyc", "ERROR", 'Completed 502 Bad Gateway, GET "/v2/cart"') for s in range(300, 600, 4)]
    rows += [(s, svc, "INFO", "request served") for s in range(0, 600, 5) for svc in ("price-engine", "stock", "ledger")
             if s < 300 or svc != "price-engine"]
    # web died at the start: its calls to ledger stop with everything else it logs.
    rows += [(s, "web", "INFO", "POST http://ledger:8080/v1/entries 201") for s in range(0, 300, 3)]
    # bff's calls to ledger and to stock both stop (its own threads are stuck): no one callee is unreachable.
    rows += [(s, "bff", "INFO", f"GET http://{callee}:8080/v1 200") for s in range(0, 300, 3) for callee in ("ledger", "stock")]
    rows += [(s, "bff", "WARN", "all 8 workers busy, requests are queuing") for s in range(300, 600, 2)]
    records = _records(rows)
    stopped = stopped_calls(records, records, T0 + timedelta(seconds=300))
    assert stopped.select("caller", "callee").rows() == [("kyc", "price-engine")]
    row = stopped.row(0, named=True)
    # Its calls came every 4 s, the last that went through at 296 s: the next was due at 300 s.
    assert row["before"] == 75 and row["after"] == 0 and row["g"] > 50 and row["first"] == T0 + timedelta(seconds=300)


def _named(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    """(caller, callee, second of the caller's first naming error line) rows, each a clear rise."""
    return pl.DataFrame(
        {"caller": [r[0] for r in rows], "callee": [r[1] for r in rows], "g": [50.0] * len(rows),
         "first": [T0 + timedelta(seconds=r[2]) for r in rows], "rate_before": [0.0] * len(rows), "rate_after": [1.0] * len(rows)},
        schema_overrides={"first": pl.Datetime("us", "UTC")},
    )


def _own(rows: list[tuple[str, int]], kind: str = "new") -> pl.DataFrame:
    return pl.DataFrame(
        {"service": [r[0] for r in rows], "onset": [T0 + timedelta(seconds=r[1]) for r in rows], "kind": [kind] * len(rows)},
        schema={"service": pl.String, "onset": pl.Datetime("us", "UTC"), "kind": pl.String},
    )


def test_a_caller_that_blames_every_callee_it_names_is_in_trouble_itself() -> None:
    from rca.pipeline import broad_blame_set_aside

    # api's calls to ledger and stock time out at once, and neither shows anything of its own:
    # api's network (or DNS, or pool) is the trouble; web's blame of ledger stands on its own.
    named = _named([("api", "ledger", 600), ("api", "stock", 601), ("web", "ledger", 605)])
    kept = broad_blame_set_aside(named, _own([]))
    assert kept.select("caller", "callee").rows() == [("web", "ledger")]
    # A departure of stock's own long before (a deploy ten minutes earlier) does not change that.
    assert broad_blame_set_aside(named, _own([("stock", 0)])).height == 1


def test_a_caller_that_blames_one_callee_far_more_than_the_others_is_not_in_trouble_itself() -> None:
    from rca.pipeline import BROAD_SHARE, broad_blame_set_aside

    # dispatch's errors name customs (its certificate expired) 370 times a minute, and tracking,
    # which answers now and then with a 504 as it did before, twice a minute: dispatch is failing
    # to reach customs, not everything it calls.
    named = _named([("dispatch", "customs", 600), ("dispatch", "tracking", 601)]).with_columns(
        rate_after=pl.Series([370.0 / 60, 2.0 / 60]))
    assert broad_blame_set_aside(named, _own([])).select("caller", "callee").rows() == [
        ("dispatch", "customs"), ("dispatch", "tracking")]
    # As often as each other (within ``BROAD_SHARE``), both are set aside.
    both = named.with_columns(rate_after=pl.Series([370.0 / 60, 370.0 / 60 * BROAD_SHARE]))
    assert broad_blame_set_aside(both, _own([])).height == 0


def test_a_caller_that_blames_one_silent_callee_keeps_its_blame() -> None:
    from rca.pipeline import broad_blame_set_aside

    named = _named([("api", "ledger", 600), ("api", "stock", 601)])
    # stock departed on its own just before api's errors began: only ledger is silent, so api
    # names one broken callee and one it cannot tell from it; both blames stand.
    assert broad_blame_set_aside(named, _own([("stock", 590)])).height == 2
    assert broad_blame_set_aside(_named([("api", "ledger", 600)]), _own([])).height == 1


def test_blame_by_routes_alone_of_a_callee_that_shows_nothing_is_set_aside() -> None:
    """An edge proxy rejects requests itself (``limiting requests ... request: "POST
    /api/v1/pricing"``): its errors name pricing by the route asked for, and pricing's own lines
    show nothing. The blame no longer explains the proxy. Blame by a name, or of a callee that
    departed on its own, stands."""
    from rca.pipeline import unreached_blame_set_aside

    named = _named([("proxy", "pricing", 600), ("web", "ledger", 600), ("api", "stock", 600)]).with_columns(
        how=pl.lit("errors"), by_route=pl.Series([True, False, True]))
    out = unreached_blame_set_aside(named, _own([("stock", 590)]))
    assert dict(zip(out["callee"], out["how"], strict=True)) == {"pricing": "contradicted", "ledger": "errors", "stock": "errors"}
    # Without the flag (blame read before it existed), nothing changes.
    assert unreached_blame_set_aside(named.drop("by_route"), _own([])).get_column("how").to_list() == ["errors"] * 3


def test_one_callers_failed_lookups_of_a_callee_that_shows_nothing_are_set_aside() -> None:
    """loyalty's resolver fails (``dial tcp: lookup payments: no such host``): it never reached
    payments, whose own lines show nothing, so the blame no longer explains loyalty. Two callers
    failing to resolve one name say that the name is gone: their blame stands, as does a lookup
    failure of a callee that departed on its own."""
    from rca.pipeline import unreached_blame_set_aside

    def how(named: pl.DataFrame, own: pl.DataFrame) -> dict[tuple[str, str], str]:
        out = unreached_blame_set_aside(named.with_columns(how=pl.lit("errors"), by_route=pl.lit(False)), own)
        return dict(zip(zip(out["caller"], out["callee"], strict=True), out["how"], strict=True))

    lone = _named([("loyalty", "payments", 600), ("web", "ledger", 600)]).with_columns(by_lookup=pl.Series([True, False]))
    assert how(lone, _own([])) == {("loyalty", "payments"): "contradicted", ("web", "ledger"): "errors"}
    assert how(lone, _own([("payments", 590)])) == {("loyalty", "payments"): "errors", ("web", "ledger"): "errors"}
    gone = _named([("loyalty", "payments", 600), ("shop", "payments", 602)]).with_columns(by_lookup=pl.lit(True))
    assert set(how(gone, _own([])).values()) == {"errors"}


def test_errors_that_name_a_callee_only_as_a_name_not_found_are_told_apart() -> None:
    """Go's resolver error names the callee where a host goes, and says the lookup failed; a
    refused connection to the same callee from another caller is a call that reached it."""
    served = [(i, "payments", "INFO", f"POST /api/v1/pay/{i} 200") for i in range(0, 200, 10)]
    lookups = [(100 + i, "loyalty", "ERROR", f'request failed error="dial tcp: lookup payments on 10.96.0.10:53: no such host" n={i}')
               for i in range(1, 30)]
    refused = [(100 + i, "shop", "ERROR", f"call failed: dial tcp payments:8080: connect: connection refused n={i}") for i in range(1, 30)]
    records = _records(served + lookups + refused).with_columns(template_id=pl.col("service"))
    rises = named_rises(records, find_mentions(records), T0 + timedelta(seconds=100))
    assert dict(zip(rises["caller"], rises["by_lookup"], strict=True)) == {"loyalty": True, "shop": False}


def test_a_few_other_failures_under_a_statement_of_failed_lookups_leave_it_a_lookup_failure() -> None:
    """loyalty's one error statement (``request failed error=...``) said twice that a query timed
    out before its resolver began failing: its lines that say the name was not found are still
    the failed lookups they are (``LOOKUP_SHARE``), and a statement mostly of timeouts is not."""
    lookups = [(100 + i, "loyalty", "ERROR", f'request failed upstream=payments error="dial tcp: lookup payments on 10.96.0.10:53: '
                f'no such host" n={i}') for i in range(1, 40)]
    timeouts = [(10 + i, "loyalty", "ERROR", f'request failed upstream=payments error="query Select: context deadline exceeded" n={i}')
                for i in range(2)]
    served = [(i, "payments", "INFO", f"POST /api/v1/pay/{i} 200") for i in range(0, 200, 10)]
    records = _records(served + timeouts + lookups).with_columns(template_id=pl.col("service"))
    rises = named_rises(records, find_mentions(records), T0 + timedelta(seconds=100))
    assert rises.select("caller", "callee", "by_lookup").rows() == [("loyalty", "payments", True)]
    mostly = _records(served + [(10 + i, *row[1:]) for i, row in enumerate(timeouts * 20 + lookups[:2])]).with_columns(
        template_id=pl.col("service"))
    assert not find_mentions(mostly).table.get_column("lookup").any()


def test_a_callee_that_only_lost_the_traffic_of_a_caller_that_cannot_resolve_it_shows_nothing_of_its_own() -> None:
    from rca.pipeline import unreached_blame_set_aside

    named = _named([("loyalty", "payments", 600)]).with_columns(how=pl.lit("errors"), by_route=pl.lit(False), by_lookup=pl.lit(True))
    # payments' lines grew fewer as loyalty stopped reaching it: its fall is loyalty's failure.
    assert unreached_blame_set_aside(named, _own([("payments", 595)], kind="down")).get_column("how").to_list() == ["contradicted"]
    # Its own new lines just before are a departure of its own: the blame stands.
    assert unreached_blame_set_aside(named, _own([("payments", 595)])).get_column("how").to_list() == ["errors"]


def test_a_server_that_refuses_a_client_by_its_database_user_names_it_as_the_sender() -> None:
    records = _records([
        (1, "consent-db", "WARN", "[Server] Access denied for user 'billing_api'@'10.242.90.36' (using password: YES)"),
        (2, "consent-db", "INFO", "connection authorized: user=billing_api database=consent"),
        (3, "ledger-pg", "FATAL", 'password authentication failed for user "ads_service"'),
        (4, "billing-api", "INFO", "GET /api/v1/billing 200"),
        (5, "ads-service", "INFO", "GET /ads 200"),
    ])
    table = find_mentions(records).table.sort("template_id")
    assert table.select("caller", "callee", "how", "error", "rejected").rows() == [
        ("billing-api", "consent-db", "caller", False, True), ("billing-api", "consent-db", "caller", False, False),
        ("ads-service", "ledger-pg", "caller", False, True)]


def test_what_a_refusal_says_came_from_a_service_names_it_as_the_sender() -> None:
    # tax-service turns pricing-service's tokens away; cart's error names who answered it.
    records = _records([
        (1, "tax-service", "WARN", "rejected bearer token from pricing-service: token is expired (iat=1784556956)"),
        (2, "pricing-service", "INFO", "GET /v2/pricing 200"),
        (3, "cart", "ERROR", "error from pricing-service: status 500"),
        (4, "tax-service", "INFO", "GET /v2/tax 200"),
        # A token whose times the server's clock does not accept: limits' clock ran ahead.
        (5, "ledger-api", "WARN", "rejected bearer token from limits: token used before issued (iat=1767428844)"),
        (6, "limits", "INFO", "limits checked"),
    ])
    table = find_mentions(records).table
    assert sorted(table.select("caller", "callee", "how", "error", "rejected").rows()) == [
        ("cart", "pricing-service", "name", True, False), ("limits", "ledger-api", "caller", False, True),
        ("pricing-service", "tax-service", "caller", False, True)]


def test_errors_naming_a_topic_that_one_other_service_works_with_name_that_service() -> None:
    # indexer consumes appointments-events; prescriptions and referrals time out waiting for its
    # confirmations. Their errors name indexer by the topic they share with it, as a route
    # names a backend. A name the erring services alone say, or that two others work with
    # (a producer that says so too), names nobody.
    records = _records([
        *[(i, "indexer", "INFO", f"processed {i} messages from appointments-events partition 3") for i in range(5)],
        *[(10 + i, svc, "ERROR", f"timed out waiting for appointments-events confirmation of appointment {i}")
          for i in range(5) for svc in ("prescriptions", "referrals")],
        *[(20 + i, "referrals", "ERROR", f"lost update to billing-ledger row {i}") for i in range(3)],
        (30, "billing", "INFO", "GET /api/v1/billing 200"),
    ])
    shared = find_mentions(records).table.filter(pl.col("how") == "shared")
    assert sorted(shared.select("caller", "callee", "error").unique().rows()) == [
        ("prescriptions", "indexer", True), ("referrals", "indexer", True)]
    producer = pl.concat([records, _records([(40, "billing", "INFO", "published 3 events to appointments-events")])])
    assert find_mentions(producer).table.filter(pl.col("how") == "shared").height == 0
    # A name right after another (one space between them) is read too.
    adjacent = _records([
        *[(i, "indexer", "INFO", f"processed {i} messages from claims-events partition 3") for i in range(5)],
        *[(10 + i, "claims", "ERROR", f"no ack from audit-log claims-events for claim {i}") for i in range(5)],
    ])
    shared = find_mentions(adjacent).table.filter(pl.col("how") == "shared")
    assert shared.select("caller", "callee").unique().rows() == [("claims", "indexer")]
    # Nor do the names of fields, nor the tables and columns of SQL a client and its database say.
    junk = _records([
        (1, "payments", "ERROR", 'push rejected {"pod_name":"payments-1","reason":"BadDeviceToken"}'),
        (2, "orders", "INFO", 'order placed {"pod_name":"orders-1"}'),
        (3, "orders", "ERROR", "query failed: SQL [SELECT id FROM payments_items WHERE created_at > $1]; canceling statement"),
        (4, "pg", "INFO", "duration: 3 ms statement: SELECT id FROM payments_items WHERE created_at > $1"),
    ])
    assert find_mentions(junk).table.filter(pl.col("how") == "shared").height == 0


def _own_statements(rows: list[tuple[str, int, str]], g: float = 500.0) -> pl.DataFrame:
    return pl.DataFrame(
        {"service": [r[0] for r in rows], "onset": [T0 + timedelta(seconds=r[1]) for r in rows], "kind": ["new"] * len(rows),
         "template_id": [r[2] for r in rows], "g": [g] * len(rows)},
        schema={"service": pl.String, "onset": pl.Datetime("us", "UTC"), "kind": pl.String, "template_id": pl.String, "g": pl.Float64},
    )


def test_blame_of_a_callee_whose_trouble_began_by_refusing_the_caller_is_set_aside() -> None:
    """billing-api's errors name consent-db, whose own trouble began with refusing billing-api's
    password (its error lines rising with the refusals): consent-db works and turns billing-api
    away, so the blame no longer explains billing-api, and ties them the other way ("refused").
    A callee that rose otherwise first, or refuses two callers, keeps the blame."""
    from rca.pipeline import refused_blame_set_aside

    named = _named([("billing-api", "consent-db", 600)]).with_columns(how=pl.lit("errors"))
    refusals = pl.DataFrame({"caller": ["billing-api"], "callee": ["consent-db"], "template_id": ["denied"]})
    own = _own_statements([("consent-db", 590, "denied"), ("consent-db", 592, "level:error")])
    out = refused_blame_set_aside(named, own, refusals)
    assert sorted(out.select("caller", "callee", "how").rows()) == [
        ("billing-api", "consent-db", "contradicted"), ("billing-api", "consent-db", "refused")]
    # Its lines growing fewer before (fewer connections authorized) is traffic it lost.
    fewer = own.vstack(_own_statements([("consent-db", 560, "connection authorized")]).with_columns(kind=pl.lit("down")))
    assert sorted(refused_blame_set_aside(named, fewer, refusals).get_column("how").to_list()) == ["contradicted", "refused"]
    first_slow = own.vstack(_own_statements([("consent-db", 560, "slow query")]))
    assert refused_blame_set_aside(named, first_slow, refusals).get_column("how").to_list() == ["errors"]
    # A stray everyday error of its own just before, far fainter than the refusals, is not it.
    stray = own.vstack(_own_statements([("consent-db", 560, "mailbox full")], g=40.0))
    assert sorted(refused_blame_set_aside(named, stray, refusals).get_column("how").to_list()) == ["contradicted", "refused"]
    # Whether or not billing-api's errors name consent-db, the refusals tie the two.
    unnamed = refused_blame_set_aside(named.clear(), own, refusals)
    assert unnamed.select("caller", "callee", "how").rows() == [("billing-api", "consent-db", "refused")]
    two = pl.concat([refusals, pl.DataFrame({"caller": ["ads"], "callee": ["consent-db"], "template_id": ["denied ads"]})])
    assert refused_blame_set_aside(named, own, two).get_column("how").to_list() == ["errors"]


def test_errors_that_name_a_callee_by_its_route_alone_are_told_from_those_sent_upstream() -> None:
    """A proxy's own rejection names the route asked for; its error about the upstream it sent
    the request to says so (``upstream: "http://..."``), though the address names no service."""
    access = [(i, "pricing", "INFO", f"GET /api/v1/pricing/{i} 200") for i in range(0, 200, 10)]
    limited = [(100 + i, "proxy", "ERROR", f'limiting requests, excess: 0.{i} by zone "api", client: 10.1.1.{i}, '
                f'server: api.example.com, request: "GET /api/v1/pricing/{i} HTTP/1.1", host: "api.example.com"') for i in range(1, 30)]
    upstream = [(100 + i, "edge", "ERROR", f'upstream timed out while reading response header from upstream, client: 10.1.1.{i}, '
                 f'request: "GET /api/v1/pricing/{i} HTTP/1.1", upstream: "http://10.0.0.9:8080/api/v1/pricing/{i}"')
                for i in range(1, 30)]
    records = _records(access + limited + upstream).with_columns(template_id=pl.col("service"))
    rises = named_rises(records, find_mentions(records), T0 + timedelta(seconds=100))
    by_route = dict(zip(rises["caller"], rises["by_route"], strict=True))
    assert by_route == {"proxy": True, "edge": False}


def test_a_whole_name_outweighs_words_of_a_name_in_url_paths() -> None:
    from rca.signals.calls import Mentions

    # variant-svc's lines hold the word "api" (of api-svc) in three statements; api-svc names
    # variant-svc in full in one: api-svc calls variant-svc.
    rows = [("variant-svc", "api-svc", f"t{i}", "word") for i in range(3)] + [("api-svc", "variant-svc", "t9", "name")]
    table = pl.DataFrame(
        {"caller": [r[0] for r in rows], "callee": [r[1] for r in rows], "template_id": [r[2] for r in rows],
         "share": [1.0] * len(rows), "lines": [10] * len(rows), "error": [False] * len(rows), "how": [r[3] for r in rows]}
    )
    graph = call_graph(["api-svc", "variant-svc"], Mentions(table))
    assert sorted(graph.edges) == [("api-svc", "variant-svc")]


def test_a_caller_that_restarted_just_before_its_errors_keeps_the_blame_of_a_silent_callee() -> None:
    from rca.pipeline import broad_blame_set_aside

    named = _named([("api", "ledger", 600), ("web", "stock", 600)])
    # api restarted (a deploy) 90 s before its errors naming ledger began: its new version cannot
    # reach ledger, which did nothing of its own. web restarted long before: its blame stands.
    kept = broad_blame_set_aside(named, _own([("api", 510), ("web", 0)], kind="restarted"))
    assert kept.select("caller", "callee").rows() == [("web", "stock")]
    # A restart after the errors began (its callers' trouble made it crash) changes nothing.
    assert broad_blame_set_aside(named, _own([("api", 620)], kind="restarted")).height == 2
    # Nor a restart of api when ledger departed on its own just before api's errors.
    both = pl.concat([_own([("api", 510)], kind="restarted"), _own([("ledger", 590)])])
    assert broad_blame_set_aside(named, both).height == 2


def test_a_deployed_caller_keeps_no_blame_of_a_callee_whose_lines_only_grew_fewer() -> None:
    from rca.pipeline import broad_blame_set_aside

    # api restarted (its new version) 60 s before its errors naming the database; the database's
    # slow-query lines had grown fewer just before: no trouble of its own, so the blame goes.
    named = _named([("api", "db", 600)])
    restarted = _own([("api", 540)], kind="restarted")
    assert broad_blame_set_aside(named, pl.concat([restarted, _own([("db", 590)], kind="down")])).height == 0
    # A database that stopped a statement, or whose errors rose, keeps it.
    assert broad_blame_set_aside(named, pl.concat([restarted, _own([("db", 590)], kind="stopped")])).height == 1
    assert broad_blame_set_aside(named, pl.concat([restarted, _own([("db", 590)], kind="up")])).height == 1
    # Without a deploy, fewer lines still count as the callee's own: one silent callee's blame stands.
    assert broad_blame_set_aside(named, _own([("db", 590)], kind="down")).height == 1
    # Each row of blame comes out once: a caller's errors and its slowed calls to one callee.
    two = pl.concat([named.with_columns(how=pl.lit("errors")), named.with_columns(how=pl.lit("slower"))])
    assert broad_blame_set_aside(two, _own([("db", 590)], kind="up")).get_column("how").sort().to_list() == ["errors", "slower"]


def test_a_callee_another_caller_still_calls_as_before_is_not_blamed_for_one_callers_errors() -> None:
    from rca.pipeline import witnessed_blame_set_aside

    def contradicted(named: pl.DataFrame, own: pl.DataFrame, steady: pl.DataFrame) -> list[tuple[str, str]]:
        kept = witnessed_blame_set_aside(named, own, steady)
        assert kept.height == named.height  # set aside, not dropped: the callee stays a (weak) suspect
        return kept.filter(pl.col("how") == "contradicted").select("caller", "callee").rows()

    # api's errors name ledger from 600 s (a timeout too short in its new configuration); web
    # kept calling ledger as before, as fast, with no error naming it; ledger showed nothing of
    # its own. web saw ledger serve: api's blame is set aside.
    named = _named([("api", "ledger", 600)]).with_columns(how=pl.lit("errors"))
    steady = pl.DataFrame({"caller": ["web"], "callee": ["ledger"]})
    assert contradicted(named, _own([]), steady) == [("api", "ledger")]
    # No other caller's word, or api's own steady calls: the blame stands.
    assert contradicted(named, _own([]), steady.clear()) == []
    assert contradicted(named, _own([]), pl.DataFrame({"caller": ["api"], "callee": ["ledger"]})) == []
    # web also blames ledger, or its calls to it slowed: no witness of health, the blame stands.
    both = pl.concat([named, _named([("web", "ledger", 610)]).with_columns(how=pl.lit("errors"))])
    assert contradicted(both, _own([]), steady) == []
    slowed = pl.concat([named, _named([("web", "ledger", 610)]).with_columns(how=pl.lit("slower"))])
    assert contradicted(slowed, _own([]), steady) == []
    # Two accusers against one witness (callers that reach ledger by name, and one by address): stands.
    two = pl.concat([named, _named([("shop", "ledger", 605)]).with_columns(how=pl.lit("errors"))])
    assert contradicted(two, _own([]), steady) == []
    # ledger departed on its own just before api's errors (web's calls may have missed it): stands.
    assert contradicted(named, _own([("ledger", 590)]), steady) == []


def test_a_service_named_as_who_sent_the_request_stays_a_caller_though_its_name_is_a_common_word() -> None:
    # "order" is in most services' lines as a word (vocabulary), but a record of ledger's that
    # says who called it (``client=order``) names that service, not the word.
    rows = [(i, s, "INFO", f"{s} loaded the order {i}") for i, s in enumerate(["a-svc", "b-svc", "c-svc", "d-svc"])]
    rows += [(8, "ledger", "WARN", "rate limit exceeded client=order"), (9, "order", "INFO", "ready")]
    pairs = _pairs(_records(rows))
    assert ("order", "ledger", "caller") in pairs
    assert not any(callee == "order" for _, callee, _ in pairs)


def test_calls_that_failed_on_the_other_side_are_told_from_a_services_own_failures() -> None:
    # What a caller writes when its callee is slow, refuses, resets or is missing behind a proxy,
    # in several runtimes' words, named or not; and what a service writes of its own trouble,
    # a pool's wait for its own connections and a name that did not resolve included.
    felt = [
        "get_tax failed error=context deadline exceeded traceparent=<*>",
        "rpc error: code = Unavailable desc = connection error",
        "requests.exceptions.ReadTimeout: HTTPConnectionPool(host=<*>, port=<*>): Read timed out. (read timeout=<*>)",
        "Error: connect ECONNREFUSED <*>:<*>",
        "upstream timed out (110: Connection timed out) while reading response header from upstream, client: <*>",
        '"GET <*> HTTP/<*>" <*> UF,URX <*> "<*>" <*>',
        "I/O error on POST request for <*>: Connection reset; nested exception is java.net.SocketException",
        "retrying request attempt=<*> error=<*>",
        "Request failed with status code 504",
    ]
    own = [
        "HikariPool-1 - Connection is not available, request timed out after <*>ms.",
        "QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00",
        "java.lang.NullPointerException: Cannot invoke <*> because <*> is null",
        "No space left on device: /var/lib/ledger/<*>",
        "dial tcp: lookup ledger on <*>:53: i/o timeout",
        "java.net.UnknownHostException: ledger: Name or service not known",
        "Slow query: SELECT * FROM orders WHERE id = <*> took <*> ms",
        "Session expired at <*> UTC",
    ]
    said = pl.DataFrame({"text": felt + own}).with_columns(failed=failed_call(pl.col("text")))
    assert said.get_column("failed").to_list() == [True] * len(felt) + [False] * len(own)
