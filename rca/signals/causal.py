"""Anomalous services to a small causal graph: cause -> effect edges, each with its lag and its evidence.

Three kinds of evidence, each cheap to explain:
- ``lead``: the cause's anomaly series leads the effect's (lagged cross-correlation);
- ``trace``: within the same requests (trace or request ids), the cause departs from normal first;
- ``names``: the effect's anomalous lines name the cause (a caller's error naming the service it called).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Set

import networkx as nx
import numpy as np
import polars as pl

from rca.read.structured import trace_of

# Ids that tie the lines of one request together, across services.
TRACE_ID = (
    r"(?i)(?:\btrace[_-]?id|\bx-request-id|\brequest[_-]?id|\breq[_-]?id|\bcorrelation[_-]?id|\btraceparent)"
    r"[\"']?\s*[:=]\s*[\"']?(?:00-)?([A-Za-z0-9][A-Za-z0-9_-]{7,})"
)


def lagged_correlation(cause: np.ndarray, effect: np.ndarray, *, max_lag: int) -> tuple[int, float]:
    """The lag (in buckets, >= 0) at which ``cause`` best predicts ``effect``, and that correlation.

    >>> x = np.array([0, 0, 5, 0, 0, 0, 0, 0.0]); y = np.roll(x, 2)
    >>> lagged_correlation(x, y, max_lag=3)
    (2, 1.0)
    """
    best_lag, best = 0, 0.0
    for lag in range(0, max_lag + 1):
        a, b = cause[: len(cause) - lag], effect[lag:]
        if a.std() == 0 or b.std() == 0:
            continue
        corr = float(np.corrcoef(a, b)[0, 1])
        if corr > best + 1e-9:
            best_lag, best = lag, corr
    return best_lag, round(best, 3)


def anomaly_signal(counts: np.ndarray, rate_before: np.ndarray, falling: np.ndarray, *, normal_until: int) -> np.ndarray:
    """One series per service from its anomalous templates: departures from normal, centred on their
    median over the normal buckets (before ``normal_until``), with falling templates turned over (a
    success message that stops counts like an error that starts).

    Centring on the whole series would erase a change that lasts longer than half of it.
    """
    departure = (counts - rate_before[:, None]) / np.sqrt(rate_before[:, None] + 0.5)
    departure = np.where(falling[:, None], -departure, departure)
    normal = departure[:, : max(1, normal_until)]
    return (departure - np.median(normal, axis=1, keepdims=True)).clip(min=0).sum(axis=0)


def trace_order(events: pl.DataFrame) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """From anomalous records (``message``, ``service``, ``timestamp``, ``trace_id``), those with a
    trace or request id (a structured field, else in the message): how often each service is the first to depart from normal in a request,
    and how often one service's departure precedes another's in the same request.
    """
    firsts: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    in_message = trace_of(pl.col("message").str.extract(TRACE_ID, 1))
    ids = pl.coalesce(pl.col("trace_id"), in_message) if "trace_id" in events.columns else in_message
    per_trace = (
        events.with_columns(trace_id=ids)
        .filter(pl.col("trace_id").is_not_null())
        .group_by("trace_id", "service")
        .agg(pl.col("timestamp").min())
        .sort("trace_id", "timestamp", "service")
        .group_by("trace_id", maintain_order=True)
        .agg("service")
    )
    for services in per_trace.get_column("service").to_list():
        firsts[services[0]] += 1
        for i, cause in enumerate(services):
            for effect in services[i + 1 :]:
                pairs[(cause, effect)] += 1
    return firsts, pairs


def name_variants(service: str) -> set[str]:
    """Ways a log line may name a service: ``ts-contacts-service`` -> ``contacts``, ``payments`` -> ``payment``.

    >>> sorted(name_variants("ts-payments-service"))
    ['payment', 'payments', 'ts-payments-service']
    """
    names = {service.lower()}
    core = re.sub(r"^(?:ts|svc|app)-|[-_](?:service|svc|api|server|app|worker|daemon|consumer)$", "", service.lower())
    core = re.sub(r"^(?:ts|svc|app)-", "", core)
    names.add(core)
    if core.endswith("s") and len(core) > 4:
        names.add(core[:-1])
    return {n for n in names if len(n) >= 4}


def named_services(texts: Mapping[str, list[str]], services: list[str]) -> Counter[tuple[str, str]]:
    """(named, naming) pairs: anomalous lines of a service that name another service, e.g. in a URL
    or in words ("payment call failed" names ``payments``)."""
    found: Counter[tuple[str, str]] = Counter()
    patterns = {
        s: re.compile("|".join(rf"(?<![a-z0-9]){re.escape(v)}(?![a-z0-9])" for v in sorted(name_variants(s))))
        for s in services
        if name_variants(s)
    }
    for service, lines in texts.items():
        for other, pattern in patterns.items():
            if other != service and any(pattern.search(line.lower()) for line in lines):
                found[(other, service)] += 1
    return found


def build_graph(
    signals: Mapping[str, np.ndarray],
    onsets: Mapping[str, int],
    *,
    bucket_s: float,
    max_lag: int,
    min_correlation: float = 0.5,
    trace_pairs: Counter[tuple[str, str]] | None = None,
    names: Counter[tuple[str, str]] | None = None,
    onset_s: Mapping[str, float] | None = None,
    quiet: Set[str] = frozenset(),
) -> nx.DiGraph:
    """A DiGraph over anomalous services; edge attributes ``lag_s``, ``strength`` in [0, 1], ``evidence``.

    ``onsets`` are buckets; ``onset_s``, when given, the onsets in seconds (a rising series' first
    anomalous record, the start of the bucket where a falling one fell); ``quiet``, the services
    whose evidence is lines that fell or stopped.

    A ``lead`` edge needs the correlation at a positive lag, or at lag 0 with the cause's onset
    first, and none back the other way. Within one bucket, only a service that went quiet before
    another's first new line is taken to come first: first lines of two rising services are often
    logged in the wrong order (a caller's timeout fires before the callee logs its own failure; an
    access log stamps a request when it arrived). Trace evidence counts when one order dominates
    (at least twice the other and 3 traces).
    """
    at = onset_s or {service: onset * bucket_s for service, onset in onsets.items()}

    def first(cause: str, effect: str) -> bool:
        if onsets[cause] != onsets[effect]:
            return onsets[cause] < onsets[effect]
        return cause in quiet and effect not in quiet and at[cause] < at[effect]

    graph = nx.DiGraph()
    services = sorted(signals)
    graph.add_nodes_from(services)
    for cause in services:
        for effect in services:
            if cause == effect:
                continue
            lag, corr = lagged_correlation(signals[cause], signals[effect], max_lag=max_lag)
            if corr >= min_correlation and (lag > 0 or first(cause, effect)):
                _add(graph, cause, effect, "lead", corr, lag * bucket_s)
    # Two series that each lead the other at some lag only move together: no direction.
    both = [(a, b) for a, b in graph.edges if a < b and graph.has_edge(b, a)]
    graph.remove_edges_from([edge for a, b in both for edge in ((a, b), (b, a))])
    for (cause, effect), n in (trace_pairs or {}).items():
        back = (trace_pairs or {}).get((effect, cause), 0)
        if cause in graph and effect in graph and n >= 3 and n >= 2 * back:
            _add(graph, cause, effect, "trace", n / (n + back), max(0.0, at[effect] - at[cause]))
    for (cause, effect), _ in (names or {}).items():
        if cause in graph and effect in graph:
            _add(graph, cause, effect, "names", 1.0, max(0.0, at[effect] - at[cause]))
    return graph


def _add(graph: nx.DiGraph, cause: str, effect: str, kind: str, strength: float, lag_s: float) -> None:
    if graph.has_edge(cause, effect):
        data = graph.edges[cause, effect]
        data["evidence"] = sorted(set(data["evidence"]) | {kind})
        data["strength"] = max(data["strength"], strength)
        return
    graph.add_edge(cause, effect, lag_s=round(lag_s, 3), strength=round(strength, 3), evidence=[kind])
