"""Anomalies and the causal graph to ranked root-cause services, each with the template that is its best evidence.

No single signal ranks well on real incidents: the loudest service is usually a caller, and a
graph walk alone is near chance. A service's score is the mean of four signals in [0, 1]:

- ``anomaly``: how far its most anomalous template departs from that template's own normal;
- ``earliness``: how early its departure starts, relative to the other anomalous services;
- ``explains``: the share of the other services' anomaly that its graph descendants carry;
- ``traces``: how often it is the first to depart from normal within a request (when lines carry
  trace or request ids; without ids this signal is left out of the mean).
"""

from __future__ import annotations

from collections import Counter

import networkx as nx
import polars as pl

SIGNALS = ("anomaly", "earliness", "explains", "traces")


def anomalous_series(series: pl.DataFrame, scores: pl.DataFrame, *, min_score: float) -> pl.DataFrame:
    """Series whose change is both significant and large, strongest first, with their descriptions."""
    return (
        series.join(scores, on="sid", how="left")
        .filter(pl.col("score") >= min_score)
        .sort(["score", "llr", "sid"], descending=[True, True, False])
    )


def service_candidates(anomalies: pl.DataFrame) -> pl.DataFrame:
    """One row per service with an anomaly: its strongest score, its onset (the earliest onset among
    its strong templates, within 80 % of its best score), and the template that is the best evidence.
    """
    best = anomalies.group_by("service").agg(pl.col("score").max().alias("anomaly"))
    strong = anomalies.join(best, on="service").filter(pl.col("score") >= 0.8 * pl.col("anomaly"))
    onset = strong.group_by("service").agg(pl.col("onset_bucket").min(), pl.col("onset").min())
    # On a tie a real template is better evidence than the service's all-errors series ("level:...").
    strong = strong.with_columns(summary_series=pl.col("template_id").str.starts_with("level:"))
    evidence = strong.sort(["score", "summary_series", "onset", "llr"], descending=[True, False, False, True]).group_by(
        "service", maintain_order=True
    ).first().select("service", "sid")
    return best.join(onset, on="service").join(evidence, on="service").sort("service")


def rank_services(
    candidates: pl.DataFrame, graph: nx.DiGraph, trace_firsts: Counter[str]
) -> pl.DataFrame:
    """Candidates with the four signals, ``score`` (their mean, in [0, 1]) and ``rank`` (1 = most likely)."""
    anomaly = dict(zip(candidates.get_column("service"), candidates.get_column("anomaly"), strict=True))
    onset = dict(zip(candidates.get_column("service"), candidates.get_column("onset"), strict=True))
    first, last = min(onset.values()), max(onset.values())
    total_anomaly = sum(anomaly.values())
    firsts_total = sum(trace_firsts[s] for s in anomaly)
    rows = []
    for service in anomaly:
        reach = nx.descendants(graph, service) if service in graph else set()
        others = total_anomaly - anomaly[service]
        row = {
            "service": service,
            "anomaly": anomaly[service],
            "earliness": 1.0 - (onset[service] - first) / (last - first) if last > first else 1.0,  # type: ignore[operator]
            "explains": sum(anomaly[s] for s in reach) / others if others > 0 else 0.0,
            "traces": trace_firsts[service] / firsts_total if firsts_total else None,
        }
        present = [row[name] for name in SIGNALS if row[name] is not None]
        row["score"] = sum(present) / len(present)
        rows.append(row)
    schema = {"service": pl.String, **{name: pl.Float64 for name in SIGNALS}, "score": pl.Float64}
    ranked = pl.DataFrame(rows, schema=schema).join(candidates.select("service", "onset", "sid"), on="service")
    return ranked.sort(["score", "onset", "service"], descending=[True, False, False]).with_row_index(
        "rank", offset=1
    )


def explained(graph: nx.DiGraph, service: str) -> list[tuple[str, list[str]]]:
    """The services ``service`` explains, nearest first, each with the path to it."""
    if service not in graph:
        return []
    paths = nx.single_source_shortest_path(graph, service)
    return sorted(((s, p) for s, p in paths.items() if s != service), key=lambda item: (len(item[1]), item[0]))
