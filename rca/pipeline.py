"""The order of the stages, and nothing else: read this file to know the algorithm.

    sources -> ingest (records) -> parse (templates) -> features (counts per service, template, bucket)
            -> detect (incident start, anomalous series) -> causal (graph) -> rank -> Analysis
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from rca import evidence
from rca.evidence import EXAMPLES
from rca.detect import IncidentStart, behaviour_shifts, changes_at, find_incident_start, score_series
from rca.baseline import BaselineModel
from rca.errors import InputError
from rca.features import Features, Normal, build_features, normal_of
from rca.read.ingest import ingest
from rca.diff import template_diff
from rca.model import (
    Analysis,
    BaselineUsed,
    Diff,
    Drift,
    DriftLimits,
    Example,
    IncidentWindow,
    IngestSummary,
    TemplateChange,
    TemplateReport,
    TemplateSummary,
)
from rca.rank import anomalous_series, rank_services, service_candidates, shift_candidates
from rca.parse import add_params, assign_templates
from rca.settings import Settings

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True, slots=True)
class Parsed:
    """Every record with its template, and what reading found."""

    records: pl.DataFrame
    input: IngestSummary


def parse(sources: Sequence[str], settings: Settings = Settings(), *, params: bool = False) -> Parsed:
    """Read ``sources`` and give each record a ``template_id`` and ``template`` (and ``params`` if asked)."""
    records, summary = ingest(list(sources), settings)
    if records.height == 0:
        raise InputError(_nothing_to_read(summary))
    records = assign_templates(
        records, sim_threshold=settings.sim_threshold, depth=settings.tree_depth, max_children=settings.max_children
    )
    if params:
        records = add_params(records)
    return Parsed(records, summary)


def analyze(
    sources: Sequence[str], settings: Settings = Settings(), *, model: BaselineModel | None = None,
    progress: Callable[[str], None] = lambda stage: None,
) -> Analysis:
    """Find the probable root causes of the incident in ``sources``, best first, with their evidence.

    ``model``: a learned baseline (``rca.baseline``) giving the templates and the normal rates;
    else normal is ``settings.baseline`` logs if any, and the logs before the incident.
    ``progress`` is called with the name of each stage as it starts (the CLI shows it on stderr).
    """
    progress("reading logs")
    records, summary = ingest(list(sources), settings)
    if records.height == 0:
        raise InputError(_nothing_to_read(summary))
    progress(f"mining templates of {records.height:,} records")
    used = None
    if model is not None:
        records = assign_templates(records, tree=model.template_tree())
        normal: Normal | None = model.normal
        used = _baseline_used(model, records)
    else:
        records, baseline = _mine_together(records, _baseline(settings), settings)
        normal = None if baseline is None else normal_of(baseline)
    if records.get_column("timestamp").null_count() == records.height:
        raise InputError("no record has a readable timestamp, so there is no time to analyse (try --timestamp-format)")
    progress("counting and scoring")
    features = build_features(records, bucket=settings.bucket, normal=normal)
    start = _incident_start(features, settings)
    scores = score_series(
        features.counts, start.bucket, baseline_counts=features.baseline_counts, baseline_buckets=features.baseline_buckets
    )
    anomalies = anomalous_series(features.series, scores, min_score=settings.min_score)
    onsets = evidence.onset_times(anomalies, features)
    anomalies = anomalies.join(onsets, on="sid", how="left", maintain_order="left")
    window = IncidentWindow(
        features.bucket_start(start.bucket), summary.last, start.method, features.bucket.total_seconds()  # type: ignore[arg-type]
    )
    candidates = _candidates(features, start, anomalies)
    if candidates.height == 0:
        # Nothing departs from normal: a found "start" would only be noise, so none is claimed.
        return Analysis(summary, window if start.method == "given" else None, (), (), (), (),
                        evidence.timeline_of(features), used)
    progress("building the causal graph")
    graph, trace_firsts = _graph(features, anomalies, candidates)
    ranked = rank_services(candidates, graph, trace_firsts)
    return Analysis(
        input=summary,
        incident=window,
        root_causes=evidence.root_causes(ranked, features, graph, top=settings.top),
        anomalies=evidence.anomalies_of(anomalies, features, limit=50),
        services=tuple(sorted(graph.nodes)),
        edges=evidence.edges_of(graph),
        timeline=evidence.timeline_of(features),
        baseline=used,
    )


def _baseline_used(model: BaselineModel, records: pl.DataFrame) -> BaselineUsed:
    """Which model was used, and how many records fell on templates it has no normal count for."""
    known = model.template_counts.get_column("template_id").implode()
    unknown = records.filter(~pl.col("template_id").is_in(known))
    return BaselineUsed(
        model.name, model.version, model.learned_at, model.checksum,
        unknown.height, unknown.get_column("template_id").n_unique(),
    )


def diff(baseline: Sequence[str], target: Sequence[str], settings: Settings = Settings(), *, top: int = 20) -> Diff:
    """The templates new in ``target``, gone from it, and whose share of the lines changed most
    against ``baseline`` (both mined in one Drain tree, so template ids match), with example lines."""
    base, base_summary = ingest(list(baseline), settings)
    records, summary = ingest(list(target), settings)
    for name, frame, read in (("baseline", base, base_summary), ("target", records, summary)):
        if frame.height == 0:
            raise InputError(f"the {name}: {_nothing_to_read(read)}")
    records, mined_base = _mine_together(records, base, settings)
    assert mined_base is not None
    by_service = bool(set(mined_base.get_column("service").unique()) & set(records.get_column("service").unique()))
    table = template_diff(mined_base, records, by_service=by_service).head(top)
    keys = ["service", "template_id"] if by_service else ["template_id"]
    changes = []
    for row in table.iter_rows(named=True):
        source = mined_base if row["kind"] in ("gone", "down") else records
        match = source.filter(pl.all_horizontal(pl.col(k) == row[k] for k in keys))
        if row["kind"] in ("gone", "down"):
            match = match.tail(EXAMPLES).reverse()
        changes.append(TemplateChange.from_row(row, row["service"], match.head(EXAMPLES)))
    return Diff(base_summary, summary, by_service, tuple(changes))


def _baseline(settings: Settings) -> pl.DataFrame | None:
    if not settings.baseline:
        return None
    records, _ = ingest(list(settings.baseline), replace(settings, since=None, until=None))
    if records.get_column("timestamp").drop_nulls().len() < 2:
        raise InputError("the --baseline logs have no readable timestamps")
    return records


def _mine_together(
    records: pl.DataFrame, baseline: pl.DataFrame | None, settings: Settings
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Templates for the incident's records and the baseline's, from one Drain tree so they compare."""
    options = {"sim_threshold": settings.sim_threshold, "depth": settings.tree_depth, "max_children": settings.max_children}
    if baseline is None:
        return assign_templates(records, **options), None  # type: ignore[arg-type]
    both = assign_templates(pl.concat([baseline, records]), **options)  # type: ignore[arg-type]
    return both.slice(baseline.height), both.head(baseline.height)


def _candidates(features: Features, start: IncidentStart, anomalies: pl.DataFrame) -> pl.DataFrame:
    """One row per candidate service with its evidence series and how it changed (``kind``,
    ``before``, ``after``, rates, ``onset_bucket``, ``onset``): the services whose behaviour shifted
    (see ``detect.behaviour_shifts``), or if none did, the services with anomalous series."""
    shifts = behaviour_shifts(
        features.series, features.counts, min_side=_min_side(features),
        at=start.bucket if start.method == "given" else None,
        baseline_counts=features.baseline_counts if features.baseline_buckets > 0 else None,
    )
    candidates = shift_candidates(shifts)
    if candidates.height == 0:
        if anomalies.height == 0:
            return anomalies
        candidates = service_candidates(anomalies).join(
            anomalies.select("sid", "kind", "before", "after", "rate_before", "rate_after"), on="sid"
        )
    else:
        sids = candidates.get_column("sid").to_numpy().astype(int)
        splits = candidates.get_column("split").to_numpy().astype(int)
        changes = changes_at(
            features.counts, sids, splits,
            baseline_counts=features.baseline_counts, baseline_buckets=features.baseline_buckets,
        )
        candidates = candidates.with_columns(onset_bucket=pl.col("split"), **{k: pl.Series(v) for k, v in changes.items()})
        candidates = candidates.join(evidence.onset_times(candidates, features), on="sid", how="left")
    return candidates.join(features.series.select("sid", "template_id", "template"), on="sid")


def _min_side(features: Features) -> int:
    return max(2, features.n_buckets // 10)


def _incident_start(features: Features, settings: Settings) -> IncidentStart:
    if settings.incident_start is not None:
        index = int((settings.incident_start - features.origin) / features.bucket)
        return IncidentStart(min(max(index, 0), features.n_buckets - 1), "given", 0.0)
    return find_incident_start(
        features.counts,
        features.series.get_column("error_share").to_numpy(),
        baseline_counts=features.baseline_counts,
        baseline_buckets=features.baseline_buckets,
        min_side=_min_side(features),
    )


def _graph(features: Features, anomalies: pl.DataFrame, candidates: pl.DataFrame) -> tuple[nx.DiGraph, Counter[str]]:
    """The causal graph over anomalous services, and how often each is first to depart in a request."""
    # Imported here: networkx takes a tenth of a second to import, and only analyze needs it.
    from rca.causal import anomaly_signal, build_graph, named_services, trace_order

    # Departures within a request: lines of templates that are new, or error lines that rose (most
    # lines of a merely busier template are normal ones).
    rising = anomalies.filter((pl.col("kind") == "new") | ((pl.col("kind") == "up") & (pl.col("error_share") >= 0.5)))
    departures = features.events.join(rising.select("sid", "onset_bucket"), on="sid").filter(
        pl.col("bucket") >= pl.col("onset_bucket")
    )
    trace_firsts, trace_pairs = trace_order(departures)
    texts = (
        departures.group_by("sid").agg(pl.col("service").first(), pl.col("message").first())
        .group_by("service").agg("message")
    )
    names = named_services(
        dict(zip(texts.get_column("service"), texts.get_column("message").to_list(), strict=True)),
        candidates.get_column("service").to_list(),
    )
    signals = {}
    for row in candidates.iter_rows(named=True):
        # The service's evidence series and its anomalous series, departures from their normal.
        mine = anomalies.filter((pl.col("service") == row["service"]) & (pl.col("sid") != row["sid"]))
        sids = [row["sid"], *mine.get_column("sid").to_list()]
        rates = [row["rate_before"], *mine.get_column("rate_before").to_list()]
        falling = [row["kind"] in ("down", "stopped"), *mine.get_column("kind").is_in(["down", "stopped"]).to_list()]
        signals[row["service"]] = anomaly_signal(
            features.counts[sids], np.array(rates), np.array(falling), normal_until=row["onset_bucket"]
        )
    onsets = dict(zip(candidates.get_column("service"), candidates.get_column("onset_bucket"), strict=True))
    seconds = (pl.col("onset") - pl.lit(features.origin)).dt.total_microseconds() / 1e6
    onset_s = dict(zip(candidates.get_column("service"), candidates.select(seconds).to_series(), strict=True))
    graph = build_graph(
        signals, onsets, bucket_s=features.bucket.total_seconds(), max_lag=max(1, min(10, features.n_buckets // 6)),
        trace_pairs=trace_pairs, names=names, onset_s=onset_s,
        quiet=set(candidates.filter(pl.col("kind").is_in(["down", "stopped"])).get_column("service")),
    )
    return graph, trace_firsts


def _nothing_to_read(summary: IngestSummary) -> str:
    if summary.outside_time_filter:
        return f"all {summary.outside_time_filter} records fall outside --since/--until"
    if summary.skipped and not summary.sources:
        return f"no readable log files ({len(summary.skipped)} skipped, e.g. {summary.skipped[0].reason})"
    return "the input has no log lines"


def templates(sources: Sequence[str], settings: Settings = Settings()) -> TemplateReport:
    """The templates of ``sources``, most frequent first, each with services, first/last seen and an example."""
    parsed = parse(sources, settings)
    return TemplateReport(parsed.input, summarise_templates(parsed.records))


def summarise_templates(records: pl.DataFrame) -> tuple[TemplateSummary, ...]:
    table = (
        records.group_by("template_id")
        .agg(
            pl.col("template").first(),
            pl.len().alias("count"),
            pl.col("service").unique().sort().alias("services"),
            pl.col("level").cast(pl.String).fill_null("UNKNOWN").value_counts(sort=True).alias("levels"),
            pl.col("timestamp").min().alias("first_seen"),
            pl.col("timestamp").max().alias("last_seen"),
            pl.col("source").first(),
            pl.col("line").first(),
            pl.col("message").first(),
            pl.col("timestamp").first().alias("example_timestamp"),
        )
        .sort(["count", "template_id"], descending=[True, False])
    )
    return tuple(
        TemplateSummary(
            template_id=row["template_id"],
            template=row["template"],
            count=row["count"],
            services=tuple(row["services"]),
            levels={item["level"]: item["count"] for item in row["levels"]},
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            example=Example(row["source"], row["line"], row["message"], row["example_timestamp"]),
        )
        for row in table.iter_rows(named=True)
    )


def drift(model: BaselineModel, sources: Sequence[str], settings: Settings = Settings(),
          limits: DriftLimits = DriftLimits(), *, top: int = 10) -> Drift:
    """How far the templates of ``sources`` have drifted from what ``model`` saw as normal."""
    from rca.drift import drift as measure

    records, summary = ingest(list(sources), settings)
    if records.height == 0:
        raise InputError(_nothing_to_read(summary))
    records = assign_templates(records, tree=model.template_tree())
    return measure(model, records, summary, limits, top=top)
