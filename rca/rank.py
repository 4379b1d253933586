"""Behaviour shifts and the causal graph to ranked root-cause services, each with the statement
that is its best evidence.

No single signal ranks well on real incidents: the loudest service is usually a caller, and a
graph walk alone is near chance. Four signals in [0, 1]:

- ``anomaly``: how strongly the service's own behaviour changed: its strongest share shift (a
  statement that stops while the service goes on, an error taking a growing share, the service
  going quiet), relative to the strongest shift of any service;
- ``earliness``: how early its shift starts, relative to the other candidates;
- ``explains``: the share of the other candidates' anomaly that its graph descendants carry;
- ``traces``: how often it is the first to depart from normal within a request (when lines carry
  trace or request ids; without ids this signal is left out).

A service's score is half its ``anomaly`` and half the mean of the others: on the real incidents
the shift in the service's own behaviour is the strongest single mark of the root, and the
relations between services order the candidates it leaves close.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import networkx as nx

SIGNALS = ("anomaly", "earliness", "explains", "traces")
# The G statistic a share shift needs to make its service a candidate (about p < 0.002 for one
# split; the scan over splits makes chance shifts of 5-8 common).
MIN_SHIFT_G = 10.0
SCOPE_ORDER = {"statement": 0, "errors": 1, "service": 2}


def anomalous_series(series: pl.DataFrame, scores: pl.DataFrame, *, min_score: float) -> pl.DataFrame:
    """Series whose change is both significant and large, strongest first, with their descriptions."""
    return (
        series.join(scores, on="sid", how="left")
        .filter(pl.col("score") >= min_score)
        .sort(["score", "llr", "sid"], descending=[True, True, False])
    )


def shift_candidates(shifts: pl.DataFrame, *, min_g: float = MIN_SHIFT_G) -> pl.DataFrame:
    """One row per service whose behaviour shifted (``g >= min_g``): its strongest shift (``sid``,
    ``scope``, ``g``, ``split``, ``rising``) and ``anomaly`` = its ``g`` over the strongest of all.
    Among a service's shifts within 80 % of its best, a statement beats a whole-service series, then
    the earlier shift wins."""
    strong = shifts.filter(pl.col("g") >= min_g)
    if strong.height == 0:
        return strong.with_columns(anomaly=pl.lit(0.0))
    best = strong.group_by("service").agg(pl.col("g").max().alias("best"))
    return (
        strong.join(best, on="service")
        .filter(pl.col("g") >= 0.8 * pl.col("best"))
        .with_columns(order=pl.col("scope").replace_strict(SCOPE_ORDER, return_dtype=pl.Int8))
        .sort(["order", "split", "g"], descending=[False, False, True])
        .group_by("service", maintain_order=True)
        .first()
        .with_columns(anomaly=pl.col("best") / pl.col("best").max())
        .drop("order", "best")
        .sort("service")
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
    """Candidates with the four signals, ``score`` (half ``anomaly``, half the mean of the others
    present, in [0, 1]) and ``rank`` (1 = most likely)."""
    from networkx import descendants

    anomaly = dict(zip(candidates.get_column("service"), candidates.get_column("anomaly"), strict=True))
    onset = dict(zip(candidates.get_column("service"), candidates.get_column("onset"), strict=True))
    first, last = min(onset.values()), max(onset.values())
    total_anomaly = sum(anomaly.values())
    firsts_total = sum(trace_firsts[s] for s in anomaly)
    rows = []
    for service in anomaly:
        reach = descendants(graph, service) if service in graph else set()
        others = total_anomaly - anomaly[service]
        row = {
            "service": service,
            "anomaly": anomaly[service],
            "earliness": 1.0 - (onset[service] - first) / (last - first) if last > first else 1.0,  # type: ignore[operator]
            "explains": sum(anomaly[s] for s in reach) / others if others > 0 else 0.0,
            "traces": trace_firsts[service] / firsts_total if firsts_total else None,
        }
        relations = [row[name] for name in SIGNALS[1:] if row[name] is not None]
        row["score"] = (row["anomaly"] + sum(relations) / len(relations)) / 2
        rows.append(row)
    schema = {"service": pl.String, **{name: pl.Float64 for name in SIGNALS}, "score": pl.Float64}
    ranked = pl.DataFrame(rows, schema=schema).join(candidates.drop("anomaly"), on="service")
    return ranked.sort(["score", "onset", "service"], descending=[True, False, False]).with_row_index(
        "rank", offset=1
    )


def explained(graph: nx.DiGraph, service: str) -> list[tuple[str, list[str]]]:
    """The services ``service`` explains, nearest first, each with the path to it."""
    if service not in graph:
        return []
    from networkx import single_source_shortest_path

    paths = single_source_shortest_path(graph, service)
    return sorted(((s, p) for s, p in paths.items() if s != service), key=lambda item: (len(item[1]), item[0]))
