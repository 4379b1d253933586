"""The order of the stages, and nothing else: read this file to know the algorithm.

    sources -> ingest (records) -> parse (templates) -> features (counts per service, template, bucket)
            -> detect (incident start, anomalous series) -> causal (graph) -> rank -> Analysis
"""

from __future__ import annotations

import importlib
import re
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from rca.baseline.diff import template_diff
from rca.baseline.model import BaselineModel
from rca.errors import InputError
from rca.mine.compact import lines_only, records_in, spread_records
from rca.mine.shards import read_masked
from rca.mine.templates import (
    MASKED_ID,
    TemplateTree,
    add_params,
    assign_compact,
    assign_templates,
    mask_messages,
    mine_masked,
    offset_masked,
)
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
from rca.ranking import evidence
from rca.ranking.evidence import EXAMPLES
from rca.ranking.rank import (
    MAX_LAG_S,
    MIN_SHIFT_G,
    anomalous_series,
    effect_graph,
    rank_services,
    service_candidates,
)
from rca.read.ingest import concat_records, ingest
from rca.settings import Settings
from rca.signals.calls import entry_services, named_rises, stopped_calls
from rca.signals.detect import (
    IncidentStart,
    behaviour_shifts,
    changes_at,
    find_incident_start,
    rising_onsets,
    scheduled,
    score_series,
)
from rca.signals.features import (
    ERROR_LEVELS,
    ERRORS_ID,
    Features,
    Normal,
    as_cells,
    build_features,
    normal_of,
    template_series,
)
from rca.signals.params import MIN_VALUES, numbered_lines, numeric_values, param_shifts

if TYPE_CHECKING:
    from datetime import datetime

    import networkx as nx

    from rca.signals.calls import Mentions


# A new FATAL line counts as a departure this clear (G): one line, but a process dying.
FATAL_G = 25.0
# A restart counts as a departure this clear (G) each time, up to three: a deploy or a crash is an
# event to explain, but most deploys are routine.
RESTART_G = 15.0
RESTART_LINES = 3
# A process that says two startup lines only (Node's servers: a banner, then listening) restarted
# where its pause is longer than anything its other lines did before.
RESTART_FEW_LINES = 2
RESTART_BURST_S = 30
# A startup statement is said once per start, and starts come at least this far apart (a crash
# loop's first restarts, ten seconds or so apart before its back-off grows).
RESTART_APART_S = 10
MAX_RESTARTS = 30  # a crash loop's startup lines, said once per start
RESTART_PAUSE_S = 5.0
# A pause that ended this much before a burst of startup lines began is still about it.
RESTART_ORDER = np.timedelta64(5, "s")
RESTART_PAUSE_GAPS = 10.0
RESTART_PAUSE_LONGEST = 1.5
RESTART_PAUSE_KNOWN = 20  # gaps before a burst that tell how long the service's longest gap is
# A service that logs a line a minute cannot show a restart's pause: there, a burst of this many
# statements below WARN (a shutdown's, a startup's) that comes this many times as fast as the
# service's other lines is a restart; two such bursts less than RESTART_BURST_S * 2 apart are one.
RESTART_DENSE_LINES = 5
RESTART_DENSE = 10.0
# A burst of this many statements below WARN, new there and said a few times, is a restart
# whatever the service's other lines do (``_rolled_over``).
RESTART_MANY = 6
# Or a burst of RESTART_LINES statements, this many of which say what a process says as it stops
# or starts (``_said_its_lifecycle``).
RESTART_LIFECYCLE = 2
_LIFECYCLE = (
    r"(?i)\b(?:start(?:ing|ed)? (?:up|server|worker|application|service|process|\S+ (?:version\b|v\d|\d+\.\d+))|"
    r"listening (?:on|at)|server (?:started|listening|is ready)|ready to accept|application (?:started|startup complete)|"
    r"boot(?:ing|ed) (?:worker|up)|shutting down|shutdown (?:complete|initiated|requested)|received signal|sigterm|"
    r"graceful(?:ly)? (?:shutdown|stop)|(?:stopping|exiting|terminating) (?:server|worker|application|process))"
)
# Callers' errors naming a service count for this share of their own G as its departure: they are
# evidence against it, but also the callers' own symptoms.
BLAMED_SHARE = 0.5
# Of blame that another caller's steady calls contradict (``witnessed_blame_set_aside``), the
# share of its G that counts.
CONTRADICTED_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class Parsed:
    """Every record with its template, and what reading found."""

    records: pl.DataFrame
    input: IngestSummary


def parse(
    sources: Sequence[str], settings: Settings = Settings(), *, params: bool = False,
    progress: Callable[[str], None] = lambda stage: None,
) -> Parsed:
    """Read ``sources`` and give each record a ``template_id`` and ``template`` (and ``params`` if
    asked). ``progress`` is told each stage as it starts, and how reading goes."""
    read = read_masked(sources, settings, progress)
    records, summary = read.records, read.summary
    if records.height == 0:
        raise InputError(_nothing_to_read(summary))
    progress(f"mining templates of {records.height:,} records")
    records = assign_templates(
        records, sim_threshold=settings.sim_threshold, depth=settings.tree_depth, max_children=settings.max_children,
        masked=read.masked,
    )
    if params:
        records = add_params(records)
    return Parsed(records, summary)


def analyze(
    sources: Sequence[str], settings: Settings = Settings(), *, model: BaselineModel | None = None,
    progress: Callable[[str], None] = lambda stage: None,
) -> Analysis:
    """Find the probable root causes of the incident in ``sources``, best first, with their evidence.

    ``model``: a learned baseline (``rca.baseline.model``) giving the templates and the normal rates;
    else normal is ``settings.baseline`` logs if any, and the logs before the incident.
    ``progress`` is called with the name of each stage as it starts (the CLI shows it on stderr).
    """
    progress("reading logs")
    _import_in_background("networkx")
    # Read compact: cells of records without their text, the records that carry a trace id, and the
    # texts of a sample (rca.mine.compact).
    read = read_masked(sources, settings, progress, compact=True)
    records, summary, texts, masked, spans = read.records, read.summary, read.texts, read.masked, read.spans
    resolution_s = read.resolution_s
    assert texts is not None and spans is not None
    del read  # its records are replaced by ones with templates: holding both would double them
    if records.height == 0:
        raise InputError(_nothing_to_read(summary))
    progress(f"mining templates of {records.select(records_in(records)).item():,} records")
    used = None
    if model is not None:
        records, texts = assign_compact(records, texts, masked, model.template_tree())
        normal: Normal | None = model.normal
        used = _baseline_used(model, records)
    else:
        records, texts, baseline = _mine_compact(records, texts, masked, _baseline(settings), settings)
        normal = None if baseline is None else normal_of(baseline)
    if records.get_column("timestamp").null_count() == records.height:
        raise InputError("no record has a readable timestamp, so there is no time to analyse (try --timestamp-format)")
    progress("counting and scoring")
    features = build_features(records, bucket=settings.bucket, normal=normal, texts=texts, resolution_s=resolution_s)
    # The series of scheduled jobs' runs (``detect.scheduled``), found once.
    jobs = scheduled(features.counts, features.series.get_column("service").cast(pl.String).to_numpy())
    start = _incident_start(features, settings, jobs)
    scores = score_series(
        features.counts, start.bucket, baseline_counts=features.baseline_counts, baseline_buckets=features.baseline_buckets
    )
    anomalies = anomalous_series(features.series, scores, min_score=settings.min_score)
    onsets = evidence.onset_times(anomalies, features)
    anomalies = anomalies.join(onsets, on="sid", how="left", maintain_order="left")
    window = IncidentWindow(
        features.bucket_start(start.bucket), summary.last, start.method, features.bucket.total_seconds()  # type: ignore[arg-type]
    )
    progress("reading who calls whom")
    calls = _calls(features, records, texts, spans, _served_ports(records, summary))
    named = pl.concat([named_rises(records, calls.mentions, window.start).with_columns(how=pl.lit("errors")),
                       stopped_calls(records, texts if "message" not in records.columns else records, window.start)
                       .with_columns(how=pl.lit("stopped"))], how="diagonal_relaxed")
    progress("finding what departed from normal")
    rejections = calls.mentions.table.filter(pl.col("rejected").fill_null(False)).select("caller", "callee", "template_id").unique()
    found, named = _departures(features, start, anomalies, records, named, texts, spans, calls.graph, jobs, rejections)
    if found.height == 0:
        # Nothing departs from normal: a found "start" would only be noise, so none is claimed.
        return Analysis(summary, window if start.method == "given" else None, (), (), (), (),
                        evidence.timeline_of(features), used)
    candidates = service_candidates(found, start=window.start)
    graph = _effects(features, candidates, anomalies, calls, named, overloaded=_overloaded(found))
    candidates = _without_idle_changes(candidates, graph)
    ranked = rank_services(candidates, graph, start=window.start)
    return Analysis(
        input=summary,
        incident=window,
        root_causes=evidence.root_causes(ranked, features, graph, top=settings.top, departures=found),
        anomalies=evidence.anomalies_of(anomalies, features, limit=50),
        services=tuple(sorted(graph.nodes)),
        edges=evidence.edges_of(graph),
        timeline=evidence.timeline_of(features),
        baseline=used,
        calls=evidence.calls_of(calls.graph),
        entry_services=tuple(entry_services(calls.graph)),
    )


def _import_in_background(module: str) -> None:
    """Start importing ``module`` on a daemon thread: reading spends most of its time in Polars,
    which releases the interpreter, so a module the later stages need loads meanwhile."""
    if module not in sys.modules:
        threading.Thread(target=importlib.import_module, args=(module,), daemon=True).start()


def _baseline_used(model: BaselineModel, records: pl.DataFrame) -> BaselineUsed:
    """Which model was used, and how many records fell on templates it has no normal count for."""
    known = model.template_counts.get_column("template_id").implode()
    unknown = records.filter(~pl.col("template_id").is_in(known))
    return BaselineUsed(
        model.name, model.version, model.learned_at, model.checksum,
        unknown.select(records_in(unknown)).item(), unknown.get_column("template_id").n_unique(),
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


def _departures(
    features: Features, start: IncidentStart, anomalies: pl.DataFrame, records: pl.DataFrame, named: pl.DataFrame,
    texts: pl.DataFrame, spans: pl.DataFrame, graph: nx.DiGraph, jobs: np.ndarray, rejections: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every departure from normal, one row each (``jobs``: the series of scheduled jobs' runs): ``service``, ``kind``, ``scope``, ``g``, ``sid``
    (its series), ``onset_bucket``, ``onset`` (to the record), ``before``/``after`` and rates,
    ``template_id``, ``template``, ``detail``.

    Behaviour shifts (statements, error lines, whole services; see ``detect.behaviour_shifts``),
    shifts of the numbers inside lines (``params``), requests slowing around the service (from
    the times of lines sharing a trace id, ``timing``; ``graph``, who calls whom, says which
    services' times may hide a call to one that logs no id), new FATAL lines, restarts, and
    callers' error lines that name the service or their calls to it that slowed (``blamed``,
    but see ``broad_blame_set_aside``); if none shows, the series whose rate changed most at the
    incident start. And the callers' blame: ``named`` with the slowed calls (``with_slowed_calls``),
    without what ``broad_blame_set_aside``, ``witnessed_blame_set_aside``,
    ``unreached_blame_set_aside`` and ``refused_blame_set_aside`` (``rejections``: a callee's
    statements that refuse a caller, ``rca.signals.calls.Mentions``) set aside.
    """
    shifts = behaviour_shifts(
        features.series, features.counts, min_side=_min_side(features),
        at=start.bucket if start.method == "given" else None,
        baseline_counts=features.baseline_counts if features.baseline_buckets > 0 else None,
        baseline_buckets=features.baseline_buckets, jobs=jobs, start=start.bucket,
        fall_lead=int(np.ceil(MAX_LAG_S / features.bucket.total_seconds())),
    ).filter(pl.col("g") >= MIN_SHIFT_G)
    parts = []
    if shifts.height:
        sids = shifts.get_column("sid").to_numpy().astype(int)
        splits = shifts.get_column("split").to_numpy().astype(int)
        changes = changes_at(
            features.counts, sids, splits, baseline_counts=features.baseline_counts, baseline_buckets=features.baseline_buckets
        )
        rising = np.isin(changes["kind"], ("new", "up"))
        onset_bucket = np.where(rising, rising_onsets(features.counts, sids, splits, changes["rate_before"]), splits)
        kind = np.where(shifts.get_column("scope").to_numpy() == "service", "silent", changes["kind"])
        # A service's louder lines (``volume``) rose, whether or not its busiest statement shows it.
        kind = np.where((shifts.get_column("scope").to_numpy() == "volume") & ~rising, "up", kind)
        parts.append(
            shifts.select("sid", "service", "scope", "g").with_columns(
                kind=pl.Series(kind), onset_bucket=pl.Series(onset_bucket, dtype=pl.Int32),
                **{k: pl.Series(changes[k]) for k in ("before", "after", "rate_before", "rate_after")},
            )
        )
    numbers, slowed, steady = _parameter_departures(features, records, texts, since=features.bucket_start(start.bucket))
    restarts = _restart_departures(features, records, texts, jobs)
    parts += [found for found in (numbers, _timing_departures(features, records, spans, graph), _fatal_departures(features, records),
                                  restarts, _change_departures(features, start, restarts, texts))
              if found.height]
    found = _dated_onsets(parts, features)
    # Callers' blame, but not that of a caller in trouble reaching every callee it names, nor
    # blame that another caller's steady calls contradict.
    own = _own_onsets(found, features)
    named = unreached_blame_set_aside(witnessed_blame_set_aside(broad_blame_set_aside(with_slowed_calls(named, slowed), own), own, steady), own)
    named = refused_blame_set_aside(named, own, rejections)
    blamed = _blamed_departures(features, named.filter(pl.col("how") != "refused"))
    named = named.filter(pl.col("how") != "contradicted")
    if blamed.height:
        blamed = _dated_onsets([blamed], features)
        found = pl.concat([found, blamed], how="diagonal_relaxed") if found.height else blamed
    if found.height == 0 and anomalies.height:
        found = _dated_onsets([anomalies.select("sid", "service", "kind", "onset_bucket", "before", "after", "rate_before",
                                                "rate_after", scope=pl.lit("statement"), g=pl.col("llr"))], features)
    return found, named


def _own_onsets(found: pl.DataFrame, features: Features) -> pl.DataFrame:
    """``service``, ``onset``, ``kind``, ``template_id`` and ``g`` of the departures in ``found``
    other than callers' blame."""
    if found.height == 0:
        return pl.DataFrame(schema={"service": pl.String, "onset": features.events.schema["timestamp"], "kind": pl.String,
                                    "template_id": pl.String, "g": pl.Float64})
    return found.filter(pl.col("kind") != "blamed").select(
        pl.col("service").cast(pl.String), "onset", "kind", pl.col("template_id").cast(pl.String), pl.col("g").cast(pl.Float64)
    )


def _dated_onsets(parts: list[pl.DataFrame], features: Features) -> pl.DataFrame:
    """Departures found in ``parts``, each dated to the record (``onset``) and with its
    statement's ``template_id`` and ``template``."""
    if not parts:
        return pl.DataFrame()
    found = pl.concat(parts, how="diagonal_relaxed")
    if "template_id" not in found.columns:
        found = found.with_columns(template_id=pl.lit(None, pl.String))
    found = found.join(evidence.departure_onsets(found, features), on=["sid", "kind", "onset_bucket"], how="left")
    # A departure of a template its series is not named for (a gauge's line of a busier code
    # location) keeps its own template's text.
    if "template" not in found.columns:
        found = found.with_columns(template=pl.lit(None, pl.String))
    series = features.series.select("sid", series_template="template_id", series_text="template")
    return found.join(series, on="sid", how="left").with_columns(
        template_id=pl.coalesce("template_id", "series_template"),
        template=pl.coalesce("template", "series_text"),
        onset=pl.coalesce(*(["onset"] if "onset" in found.columns else []), "onset_record"),
    ).drop("series_template", "series_text", "onset_record")


def _mine_compact(
    records: pl.DataFrame, texts: pl.DataFrame, masked: pl.Series, baseline: pl.DataFrame | None, settings: Settings
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None]:
    """``_mine_together`` for records read compact: their lines and texts with templates, and the
    baseline's records (made lines the same way) from the same tree."""
    tree = TemplateTree(sim_threshold=settings.sim_threshold, depth=settings.tree_depth, max_children=settings.max_children)
    if baseline is None:
        records, texts = assign_compact(records, texts, masked, tree)
        return records, texts, None
    base, base_masked = mask_messages(baseline)
    frames, both_masked = offset_masked([(lines_only(base), base_masked), (records, masked)])
    texts = texts.with_columns(pl.col(MASKED_ID) + pl.lit(base_masked.len(), dtype=pl.UInt32))
    both, texts = assign_compact(concat_records(frames), texts, both_masked, tree)
    return both.slice(base.height), texts, both.head(base.height)


def _dated(features: Features, found: pl.DataFrame, *, by: str = "busiest") -> pl.DataFrame:
    """Departures found as (``service``, ``onset``, ...) rows, with the series that shows them
    (``by``: the service's ``busiest`` statement or its ``errors`` series), their bucket, and that
    series' counts and rates before and after it (``before``, ``after``, ``rate_before``,
    ``rate_after``); services with no such series are left out."""
    # Read compact, services are categorical in the records (and what is found in them).
    found = found.with_columns(pl.col("service").cast(pl.String))
    if by == "errors":
        series = features.series.filter(pl.col("key") == ERRORS_ID).select("service", "sid")
    else:
        plain = features.series.filter(pl.col("key") != ERRORS_ID)
        series = plain.sort("total", descending=True).unique("service", keep="first").select("service", "sid")
    joined = found.join(series, on="service")
    joined = joined.with_columns(onset_bucket=_bucket_of(features, pl.col("onset")))
    changes = changes_at(
        features.counts, joined.get_column("sid").to_numpy().astype(int),
        joined.get_column("onset_bucket").to_numpy().astype(int),
        baseline_counts=features.baseline_counts, baseline_buckets=features.baseline_buckets,
    )
    return joined.with_columns(**{k: pl.Series(changes[k]) for k in ("before", "after", "rate_before", "rate_after")})


def _bucket_of(features: Features, times: pl.Expr) -> pl.Expr:
    """The bucket of the grid each of ``times`` falls in, within the grid."""
    micros = int(features.bucket.total_seconds() * 1e6)
    return ((times - pl.lit(features.origin)).dt.total_microseconds() // micros).cast(pl.Int32).clip(0, features.n_buckets - 1)


def _fatal_departures(features: Features, records: pl.DataFrame) -> pl.DataFrame:
    """A service's first FATAL line of a statement it never logged at FATAL in the first tenth of
    the logs: one line, but a process says it is dying (a panic, an out-of-memory kill)."""
    # Found in the streaming engine, a batch of records at a time (levels compared as they are, not as text).
    first = (
        records.lazy().filter(pl.col("level") == "FATAL", pl.col("timestamp").is_not_null())
        .group_by("service", "template_id").agg(
            pl.col("timestamp").min().alias("onset"), n=records_in(records),
            again=pl.col("timestamp").unique().sort().head(MAX_RESTARTS),
        )
        .collect(engine="streaming")
    )
    if first.height == 0:
        return pl.DataFrame()
    early = features.origin + features.bucket * max(1, features.n_buckets // 10)
    first = first.filter(pl.col("onset") >= early).sort("onset", "service", "template_id")
    first = first.unique("service", keep="first", maintain_order=True)
    joined = _dated(features, first, by="errors")
    if joined.height == 0:
        return pl.DataFrame()
    return joined.select(
        "sid", "service", "onset", "onset_bucket", "template_id", "before", "after", "rate_before", "rate_after", "again",
        scope=pl.lit("fatal"), kind=pl.lit("new"), g=pl.lit(FATAL_G),
        detail=pl.format("a FATAL line, first of its kind ({} in all)", pl.col("n")),
    )


def _change_departures(features: Features, start: IncidentStart, restarts: pl.DataFrame, texts: pl.DataFrame) -> pl.DataFrame:
    """Services whose lines are their work (``CHANGE_QUIET_PER_MIN``) that began something new
    just before the incident (``CHANGE_STATEMENTS``): a migration job's ``executing: ALTER TABLE
    ...``, a batch started. A careful engineer's first question is what changed; the answer is a
    line or two, too few to be a shift of anything. Not a service that restarted then
    (``restarts``): its startup says new things every time. Nor a statement (its ``texts``)
    about another service, naming one of its instances or groups (a broker's ``Preparing to
    rebalance group indexer-group ... Adding new member indexer-dnt9qlpj``): that is news of the
    other, whose trouble it may follow."""
    since = features.bucket_start(start.bucket) - timedelta(seconds=CHANGE_BEFORE_S)
    until = features.bucket_start(start.bucket + 1)
    series = features.series.with_columns(pl.col("service").cast(pl.String))
    sids = series.get_column("sid").to_numpy().astype(int)
    known = features.baseline_counts[sids] if features.baseline_buckets > 0 else np.zeros(len(sids))
    new = series.with_columns(known=pl.Series(np.asarray(known, dtype=float))).filter(
        (pl.col("key") != ERRORS_ID) & (pl.col("total") <= CHANGE_LINES) & (pl.col("error_share") == 0)
        & (pl.col("known") == 0) & pl.col("first_seen").is_between(since, until, closed="left")
    )
    if new.height == 0:
        return pl.DataFrame()
    # Not a variant of what the service said before (a slow-query log's first line of a statement,
    # ``duration: <*> ms statement: SELECT ...``): a change says something of another kind.
    said = {(service, _gist(text)) for service, text in
            series.filter(pl.col("first_seen") < since).select("service", "template").iter_rows()}
    new = new.filter(pl.Series([(service, _gist(text)) not in said for service, text in
                                new.select("service", "template").iter_rows()], dtype=pl.Boolean))
    if new.height == 0:
        return pl.DataFrame()
    new = new.join(_naming_others(new.select("service", "template_id"), texts, series.get_column("service").unique().to_list()),
                   on=["service", "template_id"], how="anti")
    if new.height == 0:
        return pl.DataFrame()
    changed = new.group_by("service").agg(
        pl.len().alias("statements"), pl.col("total").sum().alias("lines"), pl.col("first_seen").min().alias("onset"),
        pl.col("sid").sort_by("first_seen").first(), pl.col("template_id").sort_by("first_seen").first(),
        pl.col("template").sort_by("first_seen").first(),
    ).filter(pl.col("statements") <= CHANGE_STATEMENTS)
    if restarts.height:
        changed = changed.join(restarts.select(pl.col("service").cast(pl.String)).unique(), on="service", how="anti")
    changed = changed.with_columns(onset_bucket=_bucket_of(features, pl.col("onset"))).sort("service")
    # A service that had logged nothing before has no normal to change from: one line of its
    # usual work (a job's ``up to date``) is enough to tell a new statement from it.
    services = series.get_column("service").to_numpy()
    before = [features.counts[sids[services == service], :first].sum() for service, first in
              changed.select("service", "onset_bucket").iter_rows()]
    minutes = changed.get_column("onset_bucket").cast(pl.Float64).clip(lower_bound=1.0) * features.bucket.total_seconds() / 60.0
    lines = pl.Series(before, dtype=pl.Float64)
    changed = changed.filter((lines >= CHANGE_KNOWN) & (lines <= CHANGE_QUIET_PER_MIN * minutes))
    if changed.height == 0:
        return pl.DataFrame()
    sids, buckets = changed.get_column("sid").to_numpy().astype(int), changed.get_column("onset_bucket").to_numpy().astype(int)
    rates = changes_at(features.counts, sids, buckets, baseline_counts=features.baseline_counts, baseline_buckets=features.baseline_buckets)
    return changed.select(
        "sid", "service", "onset", "onset_bucket", "template_id", "template",
        scope=pl.lit("change"), kind=pl.lit("changed"), g=pl.lit(CHANGE_G),
        detail=pl.format("a change: said for the first time just before the incident ({} new statement(s), {} line(s))",
                         pl.col("statements"), pl.col("lines")),
    ).with_columns(**{k: pl.Series(rates[k]) for k in ("before", "after", "rate_before", "rate_after")})


def _naming_others(statements: pl.DataFrame, texts: pl.DataFrame, services: list[str]) -> pl.DataFrame:
    """Of ``statements`` (``service``, ``template_id``), those whose lines (``texts``) name another
    of ``services`` by one of its instances or groups: the name, then ``-``, ``_`` or ``.`` and
    more (``indexer-dnt9qlpj``, ``eta-projector-group``), after a space or a bracket. (A name alone
    may be a table's or a topic's that the service shares with others.)"""
    if not services or statements.height == 0:
        return statements.clear()
    names = "|".join(re.escape(name.lower()) for name in sorted(services, key=len, reverse=True))
    lines = texts.select(pl.col("service").cast(pl.String), pl.col("template_id").cast(pl.String), "message").join(
        statements.with_columns(pl.col("service").cast(pl.String), pl.col("template_id").cast(pl.String)),
        on=["service", "template_id"],
    )
    named = lines.with_columns(
        named=pl.col("message").str.to_lowercase().str.extract_all(rf"(?:^|[\s\[(\"'=:,])(?:{names})[-_.][a-z0-9]")
        .list.eval(pl.element().str.strip_chars_start(" \t\n[(\"'=:,").str.replace(r"[-_.][a-z0-9]$", ""))
    ).explode("named").filter(pl.col("named").is_not_null() & (pl.col("named") != pl.col("service")))
    return named.select("service", "template_id").unique()


# The words that say what kind of statement a template is: its first few that hold no variable.
GIST_WORDS = 4


def _gist(template: str | None) -> tuple[str, ...]:
    """The first ``GIST_WORDS`` words of ``template`` that hold no variable.

    >>> _gist("<*> UTC [<*>] LOG: duration: <*> ms statement: SELECT 1")
    ('UTC', 'LOG:', 'duration:', 'ms')
    """
    return tuple([word for word in (template or "").split() if "<*>" not in word][:GIST_WORDS])


def _restart_departures(features: Features, records: pl.DataFrame, texts: pl.DataFrame, jobs: np.ndarray) -> pl.DataFrame:
    """Services that restarted (a deploy, a crash), but not a scheduled job (series ``jobs``,
    ``detect.scheduled``) starting a run: a burst of ``RESTART_LINES`` or more distinct
    statements (``RESTART_FEW_LINES`` about a clearer pause, see ``_paused``) within
    ``RESTART_BURST_S`` that are new there and said at most three times (a startup banner, a
    version line, pools starting), or that were said only as the service's logs began and now
    again."""
    # Read in the streaming engine, a batch of records at a time: only what is kept is copied.
    # Records one a row, or cells of them (rca.mine.compact): ``n`` records, the last at ``last``.
    timed = as_cells(records).lazy().select("timestamp", "last", "n", "service", "template_id", "source", "line", "traced", "level").filter(
        pl.col("timestamp").is_not_null() & pl.col("service").is_not_null()
    )
    span = timed.group_by("service").agg(first=pl.col("timestamp").min(), last=pl.col("last").max()).collect(engine="streaming")
    # A process starts outside any request: lines that carry a trace or request id are traffic
    # (read compact, a record's trace_id is already the one its message names, if any).
    in_request = pl.col("traced")
    settle = pl.max_horizontal(pl.duration(seconds=60), (pl.col("last") - pl.col("first")) * 0.05)
    statements = timed.group_by("service", "template_id").agg(seen=pl.col("timestamp").min(), n=pl.col("n").sum()).collect(
        engine="streaming"
    )
    # How close together its lines come matters only for a statement said a few times (all its
    # texts were kept), and in each replica apart: replicas of a crash-looping service restart
    # about together, each saying its startup lines once.
    few = statements.filter(pl.col("n") <= MAX_RESTARTS).select(pl.col("service").cast(pl.String), "template_id")
    closest = _closest_per_instance(texts.join(few, on=["service", "template_id"]))
    statements = statements.join(closest, on=["service", "template_id"], how="left").join(
        span.with_columns(settled=pl.col("first") + settle), on="service"
    )
    # Said a few times in all, or once per start of a crash loop: never twice in one start. In a
    # service that says again and again that it is dying (FATAL lines: a crash loop), replicas
    # in one file may start seconds apart: each burst must then follow a death (``_died_before``).
    deaths = _deaths(records)
    dying = deaths.group_by("service").agg(pl.len()).filter(pl.col("len") >= 2).get_column("service")
    once_per_start = (pl.col("n") <= 3) | (pl.col("n") <= MAX_RESTARTS) & (
        (pl.col("closest") > pl.duration(seconds=RESTART_APART_S)) | pl.col("service").cast(pl.String).is_in(dying.implode())
    )
    one_shot = (pl.col("seen") >= pl.col("settled")) & once_per_start
    at_start = (pl.col("seen") < pl.col("first") + pl.duration(seconds=60)) & (pl.col("n") <= 10)
    startup = statements.filter(one_shot | at_start).select("service", "template_id", "settled")
    said = (
        timed.join(startup.lazy(), on=["service", "template_id"])
        .filter((pl.col("timestamp") >= pl.col("settled")) & ~in_request)
        .collect(engine="streaming")
    )
    # A startup statement is said a few times: its texts were all kept, and with them the pod
    # that said each line where a collector's record names it.
    pods = texts.select("source", "line", "service", "timestamp", "message", pod=_pod_of(texts))
    lines = (
        spread_records(said.lazy())
        .collect()
        .join(pods.select("source", "line", "message", "pod"), on=["source", "line"], how="left")
        .sort("service", "source", "pod", "timestamp", "line", nulls_last=True)
        # Each file's bursts apart, and each pod's in a file of several: pods restarted one after
        # the other (a rolling deploy) each log their own startup, their lines less than a burst
        # apart.
        .with_columns(burst=(pl.col("timestamp").diff().over("service", "source", "pod") > pl.duration(seconds=RESTART_BURST_S))
                      .fill_null(True).cum_sum().over("service", "source", "pod"))
    )
    bursts = lines.group_by("service", "source", "pod", "burst").agg(
        onset=pl.col("timestamp").min(), end=pl.col("timestamp").max(), statements=pl.col("template_id").n_unique(),
        calm=pl.col("template_id").filter(~pl.col("level").is_in(ERROR_LEVELS).fill_null(False)).n_unique(),
        lifecycle=pl.col("template_id").filter(pl.col("message").fill_null("").str.contains(_LIFECYCLE)).n_unique(),
        example=pl.col("message").first(),
    ).filter(pl.col("statements") >= RESTART_FEW_LINES)
    # A scheduled job starts at each run (a CronJob's new pod): that is how it always is.
    runs = features.series.filter(pl.Series(jobs)).get_column("service").cast(pl.String).unique()
    bursts = bursts.filter(~pl.col("service").cast(pl.String).is_in(runs.implode()))
    # A process that stops logs its last lines (a shutdown) and, started again, its first (a
    # banner), a pause between them: the two bursts about one pause are one restart, dated by the
    # first.
    # Or a process said it was dying (a FATAL line: ``fatal error: runtime: out of memory``) and
    # then said its startup lines: a crash, though its replicas in the same file hide the pause.
    # Or the burst opens a file of its own once the service had long been logging in others: a
    # new pod (a rolling deploy's, a rescheduled one's) started.
    bursts = (
        bursts.with_columns(*(pl.Series(name, values, dtype=bursts.schema["onset"])
                              for name, values in zip(("pause", "died"), _paused(timed, said, bursts), strict=True)))
        .with_columns(pl.coalesce("pause", _died_before(deaths, bursts), _opens_new_file(timed, bursts), _starts_new_pod(pods, bursts),
                                  _rolled_over(bursts), _said_its_lifecycle(bursts)))
        .filter(pl.col("pause").is_not_null())
        # A silent crash began the restart when the process stopped, minutes before its banner;
        # so did a hang (a liveness probe kills the process a minute after it stopped serving).
        .with_columns(onset=pl.coalesce("died", "onset"))
        .sort("onset")
        .unique(["service", "source", "pause"], keep="first", maintain_order=True)
    )
    if bursts.height == 0:
        return pl.DataFrame()
    # Restarts counted per file: a rolling deploy restarts each pod once, a crash loop one many times.
    per_service = bursts.sort("onset").group_by("service").agg(
        pl.col("onset").first(), restarts=pl.len().over("source").max(), example=pl.col("example").first(),
        again=pl.col("onset").head(MAX_RESTARTS),
        # The restarts that began with the process dying or hanging, not with a shutdown.
        crashes=pl.col("onset").filter(pl.col("died").is_not_null()).head(MAX_RESTARTS),
    )
    joined = _dated(features, per_service)
    return joined.select(
        "sid", "service", "onset", "onset_bucket", "before", "after", "rate_before", "rate_after", "again", "crashes",
        scope=pl.lit("restart"), kind=pl.lit("restarted"), g=RESTART_G * pl.col("restarts").clip(upper_bound=3),
        detail=pl.format("restarted {} time(s), first with \"{}\"", pl.col("restarts"), pl.col("example").str.slice(0, 80)),
    )


def _said_its_lifecycle(bursts: pl.DataFrame) -> pl.Expr:
    """Each burst's onset where ``RESTART_LINES`` of its statements or more come within
    ``RESTART_BURST_S``, ``RESTART_LIFECYCLE`` of them saying what a process says as it stops
    or starts (``_LIFECYCLE``: ``received signal terminated, shutting down``, ``starting search
    version=1.11.5``, ``listening on :5000``), else null: a replica restarted while the others
    served on (a rolling deploy), so no pause shows."""
    return pl.when(
        (pl.col("statements") >= RESTART_LINES) & (pl.col("lifecycle") >= RESTART_LIFECYCLE)
        & (pl.col("end") - pl.col("onset") <= pl.duration(seconds=RESTART_BURST_S))
    ).then(pl.col("onset"))


def _rolled_over(bursts: pl.DataFrame) -> pl.Expr:
    """Each burst's onset where it says ``RESTART_MANY`` statements or more below WARN within
    ``RESTART_BURST_S``, else null: a new process's startup and the old one's shutdown in the
    file replicas share (a rolling deploy: uvicorn's ``Started server process``, ``Application
    startup complete``, ... ``Shutting down``, ``Finished server process``), whose other replica
    serves on, so no pause shows. Traffic's variety says new statements one or two at a time."""
    return pl.when(
        (pl.col("calm") >= RESTART_MANY) & (pl.col("end") - pl.col("onset") <= pl.duration(seconds=RESTART_BURST_S))
    ).then(pl.col("onset"))


def _deaths(records: pl.DataFrame) -> pl.DataFrame:
    """``service``, ``source``, ``template_id``, ``died``: the FATAL lines that say a process is
    dying, those of statements said at most ``MAX_RESTARTS`` times (once per start of a crash
    loop). A server's FATAL said of one session (PostgreSQL's ``FATAL: sorry, too many clients
    already``, its failed logins) comes by the hundred, and the server lives on."""
    fatal = records.lazy().filter(pl.col("level") == "FATAL", pl.col("timestamp").is_not_null()).select(
        pl.col("service").cast(pl.String), pl.col("source").cast(pl.String), "template_id", died="timestamp",
        n=pl.col("n") if "n" in records.columns else pl.lit(1),
    )
    few = fatal.group_by("service", "template_id").agg(pl.col("n").sum()).filter(pl.col("n") <= MAX_RESTARTS)
    return fatal.join(few.select("service", "template_id"), on=["service", "template_id"]).drop("n").collect(engine="streaming")


def _died_before(deaths: pl.DataFrame, bursts: pl.DataFrame) -> pl.Series:
    """For each burst of startup lines (``service``, ``source``, ``onset``), the time of the last
    death (``_deaths``) its file logged for its service at most ``RESTART_BURST_S`` before it,
    else null."""
    deaths = deaths.select("service", "source", "died").unique().cast({"died": bursts.schema["onset"]}).sort("died")
    keyed = bursts.select(pl.col("service").cast(pl.String), pl.col("source").cast(pl.String), "onset").with_row_index("_burst")
    joined = keyed.sort("onset").join_asof(
        deaths, left_on="onset", right_on="died", by=["service", "source"], strategy="backward",
        tolerance=timedelta(seconds=RESTART_BURST_S), check_sortedness=False,  # both sorted by time above
    )
    return joined.sort("_burst").get_column("died")


def _opens_new_file(timed: pl.LazyFrame, bursts: pl.DataFrame) -> pl.Series:
    """For each burst of startup lines (``service``, ``source``, ``onset``; said once the service
    had settled, see ``_restart_departures``), its onset where it opens its file (the file's
    first line at most ``RESTART_BURST_S`` before it) while another file of the service goes on
    logging after it, else null."""
    files = (
        timed.group_by(pl.col("service").cast(pl.String), pl.col("source").cast(pl.String))
        .agg(opened=pl.col("timestamp").min(), closed=pl.col("last").max()).collect(engine="streaming")
    )
    # Another file of the service goes on past the burst: a pod started beside the others, not
    # the next file of a rotated log, which opens as the last one closes.
    return _opens_beside(files, bursts.with_columns(pl.col("source").cast(pl.String)), "source")


def _starts_new_pod(pods: pl.DataFrame, bursts: pl.DataFrame) -> pl.Series:
    """As ``_opens_new_file``, of pods that share a file (a collector's, each record naming its
    pod; ``pods``: texts with ``service``, ``timestamp`` and ``pod``): each burst's onset where its
    pod's first line comes at most ``RESTART_BURST_S`` before it while another pod of the service
    goes on logging after it (a rolling deploy), else null."""
    spans = (
        pods.lazy().select(pl.col("service").cast(pl.String), "timestamp", "pod").drop_nulls(["pod", "timestamp"])
        .group_by("service", "pod").agg(opened=pl.col("timestamp").min(), closed=pl.col("timestamp").max()).collect(engine="streaming")
    )
    return _opens_beside(spans, bursts, "pod")


def _opens_beside(units: pl.DataFrame, bursts: pl.DataFrame, unit: str) -> pl.Series:
    """For each of ``bursts`` (``service``, ``unit``, ``onset``), its onset where its ``unit`` (a
    file, a pod; ``units``: ``service``, ``unit``, ``opened``, ``closed``) opened at most
    ``RESTART_BURST_S`` before it while another of the service's goes on after it, else null."""
    keyed = bursts.select(pl.col("service").cast(pl.String), unit, "onset").with_row_index("_burst")
    beside = (
        keyed.join(units.rename({unit: "other"}).drop("opened"), on="service")
        .filter((pl.col("other") != pl.col(unit)) & (pl.col("closed") > pl.col("onset")))
        .select("_burst").unique()
    )
    joined = keyed.join(units, on=["service", unit], how="left", maintain_order="left")
    opens = ((pl.col("onset") - pl.col("opened")).dt.total_seconds() <= RESTART_BURST_S) & pl.col("_burst").is_in(beside.get_column("_burst").implode())
    return joined.select(pl.when(opens).then(pl.col("onset")).cast(bursts.schema["onset"])).to_series()


def _pod_of(lines: pl.DataFrame) -> pl.Expr:
    """The pod a structured record names (a collector's ``kubernetes.pod_name``), else null."""
    return pl.col("attributes").str.extract(_POD_FIELD, 1) if "attributes" in lines.columns else pl.lit(None, pl.String)


def _closest_per_instance(lines: pl.DataFrame) -> pl.DataFrame:
    """``service``, ``template_id`` and ``closest``: the shortest time between two of its
    ``lines`` logged by one instance (the pod a structured record names, else the file)."""
    pod = _pod_of(lines)
    return (
        lines.select("template_id", "timestamp", service=pl.col("service").cast(pl.Categorical),
                     instance=pl.coalesce(pod, pl.col("source").cast(pl.String)))
        .sort("timestamp")
        .group_by("service", "template_id", "instance")
        .agg(closest=pl.col("timestamp").diff().min())
        .group_by("service", "template_id")
        .agg(pl.col("closest").min())
    )


def _paused(timed: pl.LazyFrame, lines: pl.DataFrame, bursts: pl.DataFrame) -> tuple[list[object], list[object]]:
    """First, for each burst, where the service's other lines paused about it as they do while a
    process restarts (the start of that pause), else None. A pause is a gap in them that overlaps the
    burst (the process stopped as the burst ended, or started as it began, or both) of
    ``RESTART_PAUSE_GAPS`` times their mean gap, or ``RESTART_PAUSE_LONGEST`` times the longest
    gap they had before the burst, whichever is shorter (whichever is longer for a burst of
    ``RESTART_FEW_LINES`` statements), and at least ``RESTART_PAUSE_S``: a
    service that logs like a clock pauses tellingly sooner than one whose traffic comes and goes.
    Where the service's lines come in several files (one per pod), the lines of the burst's own
    file: a rolling restart pauses one pod while the others serve. New statements said while the
    service goes on serving are its traffic's variety, not a restart. Where the service logs too
    seldom for a pause to show, a burst of ``RESTART_DENSE_LINES`` statements below WARN that
    comes ``RESTART_DENSE`` times as fast as its lines over the file is a restart without one
    (a shutdown burst, dense or of ``RESTART_LINES`` statements of any level, and the startup
    burst less than ``2 * RESTART_BURST_S`` after it, or after a silence of the file, are one).
    Second, for each burst, when the process died where that was before the burst: a startup
    burst with no shutdown before it, at the end of a pause long enough without it (a crash
    without a word, a hang a liveness probe ended)."""
    # The service's other lines in each burst's file (cells of records, rca.mine.compact: each
    # from its first record's time to its last's), summed in the streaming engine per second:
    # gaps shorter than a second do not matter, and a file holds at most a row per second of it.
    # (Joining each burst to every cell of its file held them once per burst: 200 MB for a 5M-line
    # file.)
    others = timed.join(lines.lazy().select("service", "timestamp", "template_id"), on=["service", "timestamp", "template_id"], how="anti")
    found: list[object] = [None] * bursts.height
    died: list[object] = [None] * bursts.height
    indexed = bursts.with_row_index("_burst")
    # All the bursts' files in one pass over the cells, then file by file.
    pairs = indexed.select("service", "source").unique()
    by_second = (
        others.join(pairs.lazy(), on=["service", "source"], how="semi")
        .group_by("service", "source", pl.col("timestamp").dt.truncate("1s").alias("second"))
        .agg(pl.col("n").sum(), first=pl.col("timestamp").min(), last=pl.col("last").max())
        .collect(engine="streaming")
        .sort("service", "source", "second")
    )
    per_file = by_second.partition_by("service", "source", as_dict=True, maintain_order=True)
    empty = by_second.clear()
    for (service, source), group in indexed.group_by("service", "source", maintain_order=True):
        seconds = per_file.get((service, source), empty)
        n = int(seconds.get_column("n").sum()) if seconds.height else 0
        # A restart resumes the service's normal lines; without lines on both sides it is the
        # service's start or its end, not a restart.
        if n < RESTART_LINES:
            continue
        ends, starts = seconds.get_column("last"), seconds.get_column("first")
        # The gaps between one second's last line and the next second's first, in numpy: a busy
        # file has hundreds of bursts of rare lines to test against them.
        froms, tos = ends.head(-1), starts.tail(-1)
        gap_from, gap_to = froms.to_numpy(), tos.to_numpy()
        gap = (gap_to - gap_from) / np.timedelta64(1, "s")
        # The mean gap, not the median: a service that logs a few lines per request has tiny
        # median gaps and long idle ones, and only the mean tells how long it usually stays quiet.
        mean = (ends.max() - starts.min()).total_seconds() / (n - 1)
        dense: tuple[object, np.datetime64] | None = None  # the last dense burst's restart and end
        # The last burst of ``RESTART_LINES`` statements or more (a shutdown says a few, some of
        # them warnings: ``Received SIGTERM``, ``ready to exit``): its index, onset and end.
        said_before: tuple[int, object, np.datetime64] | None = None
        shut_pauses: set[object] = set()  # the pauses a burst before was found about
        first_line, last_line = starts.to_numpy().min(), ends.to_numpy().max()
        group = group.sort("onset")

        def paused_about(onset: np.datetime64, end: np.datetime64, statements: int) -> tuple[object, float] | None:
            """Where the file's other lines paused about the burst (the start of the pause) and
            how long a gap makes a pause there, or None."""
            # The next seconds start in order: the gaps before the burst are a prefix of them.
            known_before = int(np.searchsorted(gap_to, onset, side="right"))
            limit = RESTART_PAUSE_GAPS * mean
            known = known_before >= RESTART_PAUSE_KNOWN
            if statements < RESTART_LINES:
                # Two rare lines together are often the traffic's variety: only a pause longer
                # than both bars makes them a restart.
                if not known:
                    return None
                limit = max(limit, RESTART_PAUSE_LONGEST * float(gap[:known_before].max()))
            elif known:
                limit = min(limit, RESTART_PAUSE_LONGEST * float(gap[:known_before].max()))
            # A gap that ended just before the burst began is about it too: a process's lines
            # are not always written in the order of their times (a request logged with the time
            # it came in, a banner once the workers are up).
            near = int(np.searchsorted(gap_to, onset - RESTART_ORDER, side="right"))
            across = np.flatnonzero(gap_from[near:] < end) + near
            if across.size:
                widest = int(across[np.argmax(gap[across])])
                if gap[widest] >= max(RESTART_PAUSE_S, limit):
                    return froms[widest], max(RESTART_PAUSE_S, limit)
            return None

        for burst, onset, end, statements, calm, began in zip(
            group.get_column("_burst").to_list(), group.get_column("onset").to_numpy(), group.get_column("end").to_numpy(),
            group.get_column("statements").to_list(), group.get_column("calm").to_list(), group.get_column("onset").to_list(),
            strict=True,
        ):
            # How often the service logs, over all the time its file covers (its other lines may
            # be a few, said together).
            covers = (max(last_line, end) - min(first_line, onset)) / np.timedelta64(1, "s")
            if calm >= RESTART_DENSE_LINES and calm * covers / n >= RESTART_DENSE * max((end - onset) / np.timedelta64(1, "s"), 1.0):
                # A shutdown's burst and the startup's after it are one restart, dated by the first.
                near = dense is not None and (onset - dense[1]) / np.timedelta64(1, "s") <= 2 * RESTART_BURST_S
                # The shutdown's burst shortly before, or before a silence of the file that lasted
                # until the startup: however long the process stayed down, that was one restart.
                shut = said_before is not None and not near and (
                    (onset - said_before[2]) / np.timedelta64(1, "s") <= 2 * RESTART_BURST_S
                    or not ((gap_to > said_before[2]) & (gap_to < onset)).any()
                )
                if shut:
                    found[said_before[0]] = said_before[1]  # type: ignore[index]  # the shutdown's burst dates the restart
                # Else a pause of the other lines before it: the process died silently when they
                # stopped (a crash without a word), however long before it started again.
                # (Where the silence before the burst is itself a pause: a shutdown said in the
                # burst's first lines dates it.)
                pause = None if near or shut else paused_about(onset, end, statements)
                found[burst] = dense[0] if near else said_before[1] if shut else began  # type: ignore[index]
                if pause is not None and (began - pause[0]).total_seconds() >= pause[1]:  # type: ignore[operator]
                    died[burst] = pause[0]
                dense = (found[burst], end)
                said_before = None
                continue
            said_before = (burst, began, end) if statements >= RESTART_LINES else None
            pause = paused_about(onset, end, statements)
            found[burst] = None if pause is None else pause[0]
            # A burst at the end of a pause long enough on its own (a banner after a hang, or
            # after a crash without a word) began its restart when the lines stopped; a burst
            # at its start (a shutdown) dates it itself, and the banner after it is the same one.
            if pause is not None and pause[0] not in shut_pauses and (began - pause[0]).total_seconds() >= pause[1]:  # type: ignore[operator]
                died[burst] = pause[0]
            if pause is not None:
                shut_pauses.add(pause[0])
    return found, died


# A caller failing to reach everything it calls fails its calls to each about as often as it makes
# them: blame of a callee under this share of the most blamed one's is not counted as broad.
BROAD_SHARE = 0.1


def broad_blame_set_aside(named: pl.DataFrame, own: pl.DataFrame) -> pl.DataFrame:
    """``named`` without the blame of callers whose error lines name two or more callees that had
    not departed from normal on their own (``own``: ``service``, ``onset`` and ``kind`` of its
    departures other than blame) in the two minutes before the caller's first such line (or with
    it): such a caller has trouble of its own reaching them (its network delayed, its DNS, its
    connection pool), not several broken callees at once. Nor the blame of a callee that had not
    departed by a caller that restarted in the ``DEPLOY_WINDOW_S`` before its first such line: a
    new version or configuration that cannot reach what it calls (there, a callee's lines that
    only grew fewer are no departure of its own: the new version may call it less, or otherwise).
    A callee that another caller blames keeps that caller's blame."""
    from rca.ranking.rank import SKEW_S

    rows = _with_departed(named, own).join(_departed_more_than_fell(named, own), on=["caller", "callee"], how="left")
    silent, quiet = pl.col("departed").is_null(), pl.col("more").is_null()
    # Counted among the callees whose error lines rose by at least ``BROAD_SHARE`` of the most
    # blamed one's (and each whose timed calls slowed): a caller whose errors name one callee in
    # thousands of lines and another in a few dozen is failing to reach the first, not
    # everything it calls.
    rise = (pl.col("rate_after") - pl.col("rate_before")).clip(lower_bound=0.0) if "rate_after" in rows.columns else pl.lit(None)
    broad = (
        rows.filter((pl.col("g") >= MIN_SHIFT_G) & silent)
        .group_by("caller", "callee").agg(rise=rise.max())
        .filter(pl.col("rise").is_null() | (pl.col("rise") >= BROAD_SHARE * pl.col("rise").max().over("caller")))
        .group_by("caller").agg(pl.col("callee").n_unique().alias("callees"))
        .filter(pl.col("callees") >= 2)
        .get_column("caller")
    )
    since_restart = (pl.col("first") - pl.col("restarted")).dt.total_seconds()
    deployed = (
        rows.select("caller", "first")
        .join(own.filter(pl.col("kind") == "restarted").select(caller="service", restarted="onset"), on="caller")
        .filter((since_restart >= -SKEW_S) & (since_restart <= DEPLOY_WINDOW_S))
        .get_column("caller")
    )
    return rows.filter(
        ~(pl.col("caller").is_in(broad.implode()) & silent | pl.col("caller").is_in(deployed.implode()) & quiet)
    ).drop("departed", "more")


def _departed_more_than_fell(named: pl.DataFrame, own: pl.DataFrame) -> pl.DataFrame:
    """``caller``, ``callee``, ``more``: as ``_with_departed``'s ``departed``, of the callee's
    departures other than its lines growing fewer (which a caller's trouble may cause), one row a
    pair."""
    return (
        _with_departed(named, own.filter(pl.col("kind") != "down"))
        .select("caller", "callee", more=pl.col("departed")).unique(["caller", "callee"])
    )


def _with_departed(named: pl.DataFrame, own: pl.DataFrame) -> pl.DataFrame:
    """``named`` with ``departed``: True where the callee departed from normal on its own
    (``own``) in time to explain the caller's errors, at most ``MAX_LAG_S`` before them or with
    them; else null."""
    from rca.ranking.rank import MAX_LAG_S, SKEW_S

    lag = (pl.col("first") - pl.col("onset")).dt.total_seconds()
    departed = (
        named.select("caller", "callee", "first")
        .join(own.select(callee="service", onset="onset"), on="callee")
        .filter((lag >= -SKEW_S) & (lag <= MAX_LAG_S))
        .select("caller", "callee", departed=pl.lit(True))
        .unique()
    )
    return named.join(departed, on=["caller", "callee"], how="left")


def witnessed_blame_set_aside(named: pl.DataFrame, own: pl.DataFrame, steady: pl.DataFrame) -> pl.DataFrame:
    """``named`` with a caller's error blame marked ``how`` "contradicted" (its stopped calls
    dropped) where the callee had not departed on its own (``own``, as in
    ``broad_blame_set_aside``) while another caller kept calling it as before (``steady``:
    ``caller``, ``callee``; its timed calls went on since the incident start, as fast) and
    neither names it in errors nor slowed: the callee served that one, so the trouble is on the
    way from the first (its configuration, its timeout, its address of the callee). Only a lone
    accuser's blame is marked."""
    accused = named.filter(pl.col("g") >= MIN_SHIFT_G).select("caller", "callee").unique()
    witnesses = steady.join(accused, on=["caller", "callee"], how="anti").select(witness="caller", callee="callee")
    # Two callers' errors naming one callee outweigh another's word (a DNS record gone: the
    # callers that reach it by address do not notice).
    accusers = accused.group_by("callee").agg(accusers=pl.len())
    contradicted = (
        _with_departed(named, own)
        .join(accusers, on="callee")
        .filter(pl.col("how").is_in(["errors", "stopped"]) & pl.col("departed").is_null() & (pl.col("accusers") == 1))
        .join(witnesses, on="callee")
        .filter(pl.col("witness") != pl.col("caller"))
        .select("caller", "callee", set_aside=pl.lit(True))
        .unique()
    )
    # The blame set aside becomes "contradicted": it still makes the callee a suspect, a weak one
    # (``_blamed_departures``), but no longer explains the caller. Calls that stopped going
    # through, seen to go through from the other caller, say nothing more.
    set_aside = pl.col("set_aside").fill_null(False)
    return named.join(contradicted, on=["caller", "callee"], how="left").filter(~(set_aside & (pl.col("how") == "stopped"))).with_columns(
        how=pl.when((pl.col("how") == "errors") & set_aside).then(pl.lit("contradicted")).otherwise("how")
    ).drop("set_aside")


def unreached_blame_set_aside(named: pl.DataFrame, own: pl.DataFrame) -> pl.DataFrame:
    """``named`` with a caller's blame of a callee (every ``how`` of it: its errors, its slowed or
    stopped calls) marked "contradicted" where nothing says the caller's requests reached the
    callee, and the callee did not depart from normal on its own (``own``, as in
    ``broad_blame_set_aside``):

    - its error lines name the callee only by a route (``request: "POST /api/v1/pricing"``),
      never by its name or address nor as sent to a host (``by_route``): a route says what the
      request asked for. A proxy that rejects requests itself (rate limits, its own errors) names
      their routes; a failing callee shows it in its own lines, or is named where a host goes.
    - or they all say that its name could not be resolved (``by_lookup``: ``lookup payments on
      10.96.0.10:53: no such host``), and no other caller's errors name it: one caller's resolver
      failing (its DNS configuration, its network) says nothing of the callee. Several callers
      failing to resolve one name say that the name is gone (a deleted Service): that blame
      stands."""
    if "by_route" not in named.columns or named.height == 0:
        return named
    by_lookup = pl.col("by_lookup").fill_null(False) if "by_lookup" in named.columns else pl.lit(False)
    accused = named.filter((pl.col("how") == "errors") & (pl.col("g") >= MIN_SHIFT_G))
    accusers = accused.group_by("callee").agg(accusers=pl.col("caller").n_unique())
    # A callee that the caller could not find loses the caller's requests: its lines that only
    # grew fewer are no departure of its own there.
    unreached = (
        _with_departed(named, own).join(_departed_more_than_fell(named, own), on=["caller", "callee"], how="left")
        .join(accusers, on="callee", how="left")
    ).filter(
        (pl.col("how") == "errors")
        & (pl.col("by_route").fill_null(False) & pl.col("departed").is_null()
           | by_lookup & pl.col("more").is_null() & (pl.col("accusers").fill_null(0) <= 1))
    ).select("caller", "callee", set_aside=pl.lit(True)).unique()
    return named.join(unreached, on=["caller", "callee"], how="left").with_columns(
        how=pl.when(pl.col("set_aside").fill_null(False)).then(pl.lit("contradicted")).otherwise("how")
    ).drop("set_aside")


def refused_blame_set_aside(named: pl.DataFrame, own: pl.DataFrame, rejections: pl.DataFrame) -> pl.DataFrame:
    """``named`` with a caller's blame of a callee marked ``how`` "contradicted" (its stopped
    calls dropped) where the callee's trouble began with its statements refusing that caller for
    its credentials or rights (``refusals_first``: ``Access denied for user 'billing_api'``):
    the callee works and turns the caller away, so the trouble is the caller's (a password
    rotated under it, a certificate of its own expired). Each such pair is added as a row of
    ``how`` "refused" (for ``rank.effect_graph``: the callee's departure came of the caller's
    requests), whether or not the caller's errors name the callee."""
    refused = refusals_first(own, rejections)
    if refused.height == 0:
        return named
    set_aside = pl.col("set_aside").fill_null(False)
    marked = named.join(refused.with_columns(set_aside=pl.lit(True)), on=["caller", "callee"], how="left")
    kept = marked.filter(~(set_aside & (pl.col("how") == "stopped"))).with_columns(
        how=pl.when(set_aside & (pl.col("how") == "errors")).then(pl.lit("contradicted")).otherwise("how")
    ).drop("set_aside")
    return pl.concat([kept, refused.with_columns(how=pl.lit("refused"))], how="diagonal_relaxed")


def refusals_first(own: pl.DataFrame, rejections: pl.DataFrame) -> pl.DataFrame:
    """``caller``, ``callee``: where the callee's statements refusing the caller (``rejections``:
    ``caller``, ``callee``, ``template_id``; see ``rca.signals.calls.Mentions``) began its
    trouble: no other rise of its own (``own``; its lines growing fewer are the traffic it lost)
    came more than ``SKEW_S`` before the first refusal and at most ``MAX_LAG_S``, of those about
    as clear as the refusals (``ONSET_SHARE`` of their G, as an onset is chosen): a stray new
    error of its everyday kind just before is no trouble the refusals came of. A callee
    refusing two callers or more may have changed its own rules: it keeps its part."""
    from rca.ranking.rank import MAX_LAG_S, ONSET_SHARE, SKEW_S

    schema = {"caller": pl.String, "callee": pl.String}
    if rejections.height == 0 or own.height == 0:
        return pl.DataFrame(schema=schema)
    refused_by = rejections.select(pl.col("caller").cast(pl.String), pl.col("callee").cast(pl.String),
                                   pl.col("template_id").cast(pl.String), refusal=pl.lit(True))
    refused_by = refused_by.filter(pl.col("caller").n_unique().over("callee") == 1)
    departures = own.filter(~pl.col("kind").is_in(["down", "stopped"])).select(
        callee="service", onset="onset", template_id="template_id", g="g")
    firsts = (
        departures.join(refused_by, on=["callee", "template_id"]).group_by("caller", "callee")
        .agg(first_refusal=pl.col("onset").min(), refusal_g=pl.col("g").max())
    )
    lead = (pl.col("first_refusal") - pl.col("onset")).dt.total_seconds()
    earlier = (
        firsts.join(departures.join(refused_by.select("callee", "template_id", "refusal"), on=["callee", "template_id"], how="anti"),
                    on="callee")
        .filter((lead > SKEW_S) & (lead <= MAX_LAG_S) & (pl.col("g") >= ONSET_SHARE * pl.col("refusal_g")))
        .select("caller", "callee").unique()
    )
    return firsts.join(earlier, on=["caller", "callee"], how="anti").select("caller", "callee").sort("caller", "callee")


# An IPv4 address as a host (``10.0.3.7:8080``, ``http://10.0.3.7/``), not a version or a number.
_IPV4_HOST = r"(?:^|[\s/@=(\[])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:[:/\s)\]]|$)"
# A caller's calls to a callee, timed before and since the incident start, that make it a
# witness of the callee's health (``witnessed_blame_set_aside``) if their median took at most
# STEADY_RATIO times as long since as before.
MIN_STEADY_CALLS = 30
STEADY_RATIO = 1.5


def _steady_calls(values: pl.DataFrame, since: datetime) -> pl.DataFrame:
    """``caller``, ``callee``: callers whose timed calls to a callee go on since ``since``, as
    fast as before."""
    after = pl.col("timestamp") >= since
    return (
        values.filter(pl.col("callee").is_not_null() & pl.col("seconds"))
        .group_by(caller=pl.col("service").cast(pl.String), callee=pl.col("callee").cast(pl.String))
        .agg(n_before=(~after).sum(), n_after=after.sum(),
             before=pl.col("value").filter(~after).median(), after=pl.col("value").filter(after).median())
        .filter((pl.col("n_before") >= MIN_STEADY_CALLS) & (pl.col("n_after") >= MIN_STEADY_CALLS)
                & (pl.col("after") <= STEADY_RATIO * pl.col("before")))
        .select("caller", "callee")
    )


# A deploy that breaks what a service calls shows at once: the pods of a rolling restart come up
# one after the other (each in seconds to a minute), and the errors start with the first's first
# calls. Errors that begin minutes after a deploy (its new pods served well meanwhile) came of
# something else.
DEPLOY_WINDOW_S = 120.0
# A change of what a service does (a configuration reloaded, a migration begun, a flag switched):
# at most CHANGE_STATEMENTS statements new to a service that had logged CHANGE_KNOWN lines before,
# each said at most CHANGE_LINES times and below WARN, first said from CHANGE_BEFORE_S before the
# incident start to the end of its first bucket. It counts as a departure this clear (G): barely
# one, for a service may say something new at any time; what it explains makes its case.
CHANGE_STATEMENTS = 2
CHANGE_LINES = 3
CHANGE_KNOWN = 1
CHANGE_BEFORE_S = 60.0
CHANGE_G = 10.0
# Only a service that logged at most this many lines a minute before (a job, a migration, a
# batch: a service whose lines are its work) changes so: a busy service says a stray new line
# now and then (a library's banner, an ``ok``), and one of them near the incident is chance.
CHANGE_QUIET_PER_MIN = 1.0


def with_slowed_calls(named: pl.DataFrame, slowed: pl.DataFrame) -> pl.DataFrame:
    """``named`` (callers' blame: error lines naming callees, ``how`` "errors", and calls that
    stopped going through, "stopped") with the callers whose
    timed calls to a callee they name slowed (``slowed``: ``caller``, ``callee``, ``g``,
    ``first``; ``how`` "slower"): a slow callee is named in its callers' durations, not in
    their errors."""
    if slowed.height == 0:
        return named
    return pl.concat([named, slowed.with_columns(how=pl.lit("slower"))], how="diagonal_relaxed")


def _blamed_departures(features: Features, named: pl.DataFrame) -> pl.DataFrame:
    """Services whose callers' error lines name them more since the incident start, or whose
    callers' calls to them slowed (``with_slowed_calls``): evidence against the callee, even
    when its own lines show nothing (a network delay, a dead host)."""
    # ``how`` says which (``with_slowed_calls``), or that another caller's calls contradict the
    # errors (``witnessed_blame_set_aside``): such blame counts for CONTRADICTED_SHARE of its G.
    rising = named.filter(pl.col("g") >= MIN_SHIFT_G).with_columns(
        g=pl.when(pl.col("how") == "contradicted").then(pl.col("g") * CONTRADICTED_SHARE).otherwise("g")
    )
    if rising.height == 0:
        return pl.DataFrame()
    per_callee = rising.group_by(service="callee", how="how").agg(
        pl.col("g").sum(), pl.col("first").min().alias("onset"), pl.col("caller").sort().alias("callers"),
        pl.col("after").sum().round().cast(pl.Int64).alias("lines"),
    )
    joined = _dated(features, per_callee)
    if joined.height == 0:
        return pl.DataFrame()
    callers = pl.col("callers").list.join(", ")
    return joined.select(
        "sid", "service", "onset", "onset_bucket", "before", "after", "rate_before", "rate_after",
        scope=pl.lit("named"), kind=pl.lit("blamed"), g=pl.col("g") * BLAMED_SHARE, contradicted=pl.col("how") == "contradicted",
        detail=pl.when(pl.col("how") == "slower").then(pl.format("calls to it from {} slowed since the incident", callers))
        .when(pl.col("how") == "stopped").then(pl.format("calls to it from {} stopped going through since the incident", callers))
        .when(pl.col("how") == "contradicted").then(pl.format(
            "named in {} error lines of {} since the incident, while others' calls to it went on as fast", pl.col("lines"), callers))
        .otherwise(pl.format("named in {} error lines of {} since the incident", pl.col("lines"), callers)),
    )


def _parameter_departures(
    features: Features, records: pl.DataFrame, texts: pl.DataFrame, *, since: datetime
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Shifts of the numbers inside lines (``params.param_shifts``), as departures of the series
    that holds their template (read compact, of the lines whose texts were kept); and the calls
    that slowed (``caller``, ``callee``, ``g``, ``first``): durations rising in a caller's
    lines that name one callee; and the callers whose timed calls to a callee go on ``since``
    the incident start (``_steady_calls``)."""
    # Read compact, the records whose texts were kept (they carry their own time); else all.
    lines = numbered_lines(_instances(texts if "message" not in records.columns else records))
    services = sorted(features.series.get_column("service").unique().to_list())
    called = _with_callees(lines, services)
    values = _per_instance(numeric_values(called))
    shifts = param_shifts(values, origin=features.origin, bucket=features.bucket).filter(pl.col("g") >= MIN_SHIFT_G)
    slowed = _slowed_calls(shifts, values)
    # A caller that reaches the callee at an address (its lines name the client, the host is an
    # IP) says nothing of whether the callee's name resolves: no witness against a lost DNS name.
    # Only the steady callers' lines are looked at.
    steady = _steady_calls(values, since)
    by_address = (
        called.select(caller=pl.col("service").cast(pl.String), callee=pl.col("callee").cast(pl.String), message="message")
        .join(steady, on=["caller", "callee"], how="semi")
        .filter(pl.col("message").str.contains(_IPV4_HOST))
        .select("caller", "callee")
        .unique()
    )
    steady = steady.join(by_address, on=["caller", "callee"], how="anti")
    if shifts.height == 0:
        return pl.DataFrame(), slowed, steady
    # Of equal shifts (a statement that names one callee only), the one that names the callee.
    best = shifts.sort(["g", "callee"], descending=True, nulls_last=True).unique(["service", "template_id"], keep="first", maintain_order=True)
    joined = best.join(template_series(features.series, records, best), on=["service", "template_id"], how="inner")
    unit = pl.when(pl.col("seconds")).then(pl.lit(" s")).otherwise(pl.lit(""))
    changes = changes_at(
        features.counts, joined.get_column("sid").to_numpy().astype(int),
        np.clip(joined.get_column("split").to_numpy().astype(int), 0, features.n_buckets - 1),
        baseline_counts=features.baseline_counts, baseline_buckets=features.baseline_buckets,
    )
    joined = joined.with_columns(**{k: pl.Series(changes[k]) for k in ("before", "after", "rate_before", "rate_after")})
    where = (
        pl.when(pl.col("instance").is_not_null()).then(pl.format(" (in {})", "instance"))
        .when(pl.col("callee").is_not_null()).then(pl.format(" (calls to {})", "callee"))
        .otherwise(pl.lit(""))
    )
    return joined.select(
        "before", "after", "rate_before", "rate_after",
        "sid", "service", "g", "onset", "template_id", "template",
        scope=pl.lit("parameter"), kind=pl.lit("shifted"), onset_bucket=pl.col("split"), slower=pl.col("rising"),
        quicker=pl.col("seconds") & ~pl.col("rising"),
        # A duration that rose: the service waited longer, on its own work or on what it called.
        waited=pl.col("seconds") & pl.col("rising"),
        # An HTTP status that went from success to the 502 or 504 a gateway answers when the
        # service behind it failed or timed out (RFC 9110): a call that failed on the other side.
        gateway_status=pl.col("normal").is_between(200, 399) & (pl.col("normal") == pl.col("normal").round(0))
        & pl.col("incident").is_in([502.0, 504.0]),
        detail=pl.format("{} {}: median {}{} -> {}{}{}", pl.col("label"),
                         pl.when(pl.col("rising")).then(pl.lit("rose")).otherwise(pl.lit("fell")),
                         pl.col("normal").round_sig_figs(3), unit, pl.col("incident").round_sig_figs(3), unit, where),
    ), slowed, steady


def _with_callees(lines: pl.DataFrame, services: list[str]) -> pl.DataFrame:
    """``lines`` with ``callee``: the one other service a line of a statement that times
    something names (``calls.line_callees``), whom the call it reports went to."""
    from rca.signals.calls import line_callees

    # Only statements that time something say how long a call took: their first lines tell.
    firsts = lines.group_by("service", "template_id", maintain_order=True).head(20)
    timing = numeric_values(firsts).filter(pl.col("seconds")).select("service", "template_id").unique()
    lines = lines.with_row_index("_line")
    calls = lines.join(timing, on=["service", "template_id"], how="semi")
    calls = calls.select("_line", callee=line_callees(calls, services))
    return lines.join(calls, on="_line", how="left", maintain_order="left").drop("_line")


def _slowed_calls(shifts: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """``caller``, ``callee``, ``g``, ``first``: callers whose durations in lines naming a callee
    rose (``shifts`` of ``values``), but not where another caller still times its calls to that
    callee as fast as ever: then the time went on the way from this caller (its network, its
    own load)."""
    slowed = (
        shifts.filter(pl.col("callee").is_not_null() & pl.col("rising") & pl.col("seconds"))
        .group_by("callee", caller=pl.col("service").cast(pl.String)).agg(pl.col("g").max(), first=pl.col("onset").min())
        .select("caller", "callee", "g", "first")
    )
    steady = (
        values.filter(pl.col("callee").is_not_null())
        .group_by("callee", caller=pl.col("service").cast(pl.String)).agg(n=pl.len())
        .filter(pl.col("n") >= MIN_VALUES)
        .join(slowed, on=["caller", "callee"], how="anti")
    )
    return slowed.join(steady.select("callee"), on="callee", how="anti")


def _instances(lines: pl.DataFrame) -> pl.DataFrame:
    """``lines`` with ``instance``: the pod a structured record names (a collector's
    ``kubernetes.pod_name``), else the source's name; None where the service has only one."""
    # A file's name is cut from its path once per file, not once per line.
    names = lines.select(pl.col("source").unique()).with_columns(_file=pl.col("source").cast(pl.String).str.extract(r"([^/\\]*)$", 1))
    pod = _pod_of(lines)
    instance = pl.coalesce(pod, "_file")
    lines = lines.join(names, on="source", how="left", maintain_order="left")
    return lines.with_columns(instance=pl.when(instance.n_unique().over("service") >= 2).then(instance)).drop("_file")


# A structured record's pod (the keys of rca.read.structured.POD_KEYS, nested or dotted).
_POD_FIELD = r'"(?:pod_name|podName|PodName|pod|pod\.name)"\s*:\s*"([^"]+)"'


def _per_instance(values: pl.DataFrame) -> pl.DataFrame:
    """``numeric_values`` with ``instance`` and ``callee`` as series of the whole service (both
    None) and, where they are given, durations of each instance and of each callee named too: one
    replica slowed (its host busy, its network) shows whole in its own, and so do a caller's
    calls to one slowed callee; a process's own counters and gauges (collections, memory) go
    their own way in each replica anyway."""
    none = pl.lit(None, pl.String)
    whole = values.with_columns(instance=none, callee=none)
    by_instance = values.filter(pl.col("instance").is_not_null() & pl.col("seconds")).with_columns(callee=none)
    # A caller's calls to each callee it names, timed apart: calls to one slowed callee among
    # several steady ones hardly move the statement's median.
    by_callee = values.filter(pl.col("callee").is_not_null() & pl.col("seconds")).with_columns(instance=none)
    return pl.concat([part for part in (whole, by_instance, by_callee) if part.height]) if values.height else whole


def _timing_departures(features: Features, records: pl.DataFrame, spans: pl.DataFrame, graph: nx.DiGraph) -> pl.DataFrame:
    """Services whose requests slowed, from the times of the lines that share a trace id
    (``timing``): their own work between their lines, or the gaps after (or before) their lines
    whoever came next. Only slowing counts."""
    from rca.signals.timing import opaque_services, request_timings, slowed_services

    values = request_timings(spans, opaque_services(records, graph))
    slowed = slowed_services(values, origin=features.origin, bucket=features.bucket)
    if slowed.height == 0:
        return pl.DataFrame()
    joined = _dated(features, slowed)
    if joined.height == 0:
        return pl.DataFrame()
    return joined.select(
        "sid", "service", "onset", "onset_bucket", "before", "after", "rate_before", "rate_after", "g", "detail",
        scope=pl.lit("timing"), kind=pl.lit("shifted"), slower=pl.lit(True), waited=pl.lit(True),
    )


def _min_side(features: Features) -> int:
    return max(2, features.n_buckets // 10)


def _incident_start(features: Features, settings: Settings, jobs: np.ndarray) -> IncidentStart:
    if settings.incident_start is not None:
        index = int((settings.incident_start - features.origin) / features.bucket)
        return IncidentStart(min(max(index, 0), features.n_buckets - 1), "given", 0.0)
    return find_incident_start(
        features.counts,
        features.series.get_column("error_share").to_numpy(),
        baseline_counts=features.baseline_counts,
        baseline_buckets=features.baseline_buckets,
        min_side=_min_side(features),
        jobs=jobs,
    )


@dataclass(frozen=True, slots=True)
class _Calls:
    graph: nx.DiGraph
    mentions: Mentions


def _calls(features: Features, records: pl.DataFrame, texts: pl.DataFrame, spans: pl.DataFrame, ports: pl.DataFrame) -> _Calls:
    """Who calls whom: names and addresses of services in the others' lines, and trace ids
    (``spans``: the records that carry one, a structured field's or one their message names).
    ``ports``: the port each server serves on (``_served_ports``)."""
    from rca.signals.calls import call_graph, find_mentions, trace_parents

    mentions = find_mentions(records, texts, ports)
    services = sorted(features.series.get_column("service").unique().to_list())
    return _Calls(call_graph(services, mentions, trace_parents(spans)), mentions)


def _served_ports(records: pl.DataFrame, summary: IngestSummary) -> pl.DataFrame:
    """``service``, ``port``, ``clients``: the services whose own file is a server's log (a
    database's, a cache's: its layout says so, ``rca.read.layouts``), or whose lines in a
    collector's file are (``SourceSummary.servers``), with the port that server listens on and the
    words its clients' lines carry (``Layout.clients``)."""
    from rca.read.layouts import BY_NAME

    schema = {"source": pl.String, "port": pl.Int64, "clients": pl.String}
    empty = pl.DataFrame(schema={"service": pl.String, "port": pl.Int64, "clients": pl.String})
    known = [(s.source, BY_NAME[s.format].port, BY_NAME[s.format].clients) for s in summary.sources
             if s.format in BY_NAME and BY_NAME[s.format].port]
    within = pl.DataFrame(
        [(service, BY_NAME[name].port, BY_NAME[name].clients) for s in summary.sources for service, name in s.servers
         if name in BY_NAME and BY_NAME[name].port],
        schema=empty.schema, orient="row",
    )
    if not known:
        return within.unique(maintain_order=True)
    by_source = pl.DataFrame(known, schema=schema, orient="row")
    whole = (
        records.lazy().select(source=pl.col("source").cast(pl.String), service=pl.col("service").cast(pl.String))
        .drop_nulls().unique().join(by_source.lazy(), on="source").select("service", "port", "clients").unique()
        .collect()
    )
    return pl.concat([whole, within]).unique(maintain_order=True)


# Words of a server turning work away because there is too much of it (``request queue full,
# shedding load``, ``too many in-flight requests``, ``upstream overloaded``).
_OVERLOAD = (
    r"(?i)too many (?:in-?flight |concurrent |pending |outstanding )?requests|queue (?:is )?full|shedding|"
    r"\boverload(?:ed)?\b|load ?shed|backpressure|max(?:imum)? concurren\w+ (?:reached|exceeded)"
)


def _overloaded(found: pl.DataFrame) -> set[str]:
    """Services whose own rising departures (``found``) say they turn work away for too much of
    it (``_OVERLOAD``)."""
    from rca.ranking.rank import OWN_RISE

    if found.height == 0 or "template" not in found.columns:
        return set()
    rows = found.filter(pl.col("kind").is_in(OWN_RISE) & pl.col("template").fill_null("").str.contains(_OVERLOAD))
    return set(rows.get_column("service").cast(pl.String).to_list())


def _effects(features: Features, candidates: pl.DataFrame, anomalies: pl.DataFrame, calls: _Calls,
             named: pl.DataFrame, overloaded: set[str] | None = None) -> nx.DiGraph:
    """Cause -> effect edges between the departed services: from who calls whom, the callers'
    error lines that name a callee, and where the call graph says nothing of a pair, the lagged
    correlation of their departures."""
    from rca.signals.causal import anomaly_signal, build_graph

    signals = {}
    # A service that only changed what it does is tied to others by the rules made for it
    # (``rank.effect_graph``), not by how its line or two correlates with their trouble.
    for row in candidates.filter(pl.col("kinds").list.set_difference(["changed"]).list.len() > 0).iter_rows(named=True):
        mine = anomalies.filter((pl.col("service") == row["service"]) & (pl.col("sid") != row["sid"]))
        sids = [row["sid"], *mine.get_column("sid").to_list()]
        rates = [row["rate_before"] or 0.0, *mine.get_column("rate_before").to_list()]
        falling = [row["kind"] in ("down", "stopped", "silent"), *mine.get_column("kind").is_in(["down", "stopped"]).to_list()]
        signals[row["service"]] = anomaly_signal(
            features.counts[sids], np.array(rates, dtype=float), np.array(falling), normal_until=max(1, row["onset_bucket"])
        )
    onsets = dict(zip(candidates.get_column("service"), candidates.get_column("onset_bucket"), strict=True))
    seconds = (pl.col("onset") - pl.lit(features.origin)).dt.total_microseconds() / 1e6
    onset_s = dict(zip(candidates.get_column("service"), candidates.select(seconds).to_series(), strict=True))
    lead = build_graph(
        signals, onsets, bucket_s=features.bucket.total_seconds(), max_lag=max(1, min(10, features.n_buckets // 6)),
        onset_s=onset_s, quiet=set(candidates.filter(pl.col("falling") & ~pl.col("rising")).get_column("service")),
    )
    return effect_graph(candidates, calls.graph, named, lead=lead, bucket_s=features.bucket.total_seconds(), overloaded=overloaded)


def _without_idle_changes(candidates: pl.DataFrame, graph: nx.DiGraph) -> pl.DataFrame:
    """``candidates`` without the services whose only departure is a change (``_change_departures``)
    that explains no other's (``graph``, from which they are removed too): a line or two said for
    the first time is everyday, unless trouble followed from it."""
    idle = [
        row["service"] for row in candidates.select("service", "kinds").iter_rows(named=True)
        if set(row["kinds"] or []) <= {"changed"} and not (row["service"] in graph and graph.out_degree(row["service"]))
    ]
    graph.remove_nodes_from(idle)
    return candidates.filter(~pl.col("service").is_in(idle))


def _nothing_to_read(summary: IngestSummary) -> str:
    if summary.outside_time_filter:
        return f"all {summary.outside_time_filter} records fall outside --since/--until"
    if summary.skipped and not summary.sources:
        return f"no readable log files ({len(summary.skipped)} skipped, e.g. {summary.skipped[0].reason})"
    return "the input has no log lines"


def templates(
    sources: Sequence[str], settings: Settings = Settings(), *, progress: Callable[[str], None] = lambda stage: None
) -> TemplateReport:
    """The templates of ``sources``, most frequent first, each with services, first/last seen and an example."""
    # Read without the records' text, but each masked message's first record's (the example is
    # the template's first record); with a time filter, the first in the window may be any, so
    # the records keep their text.
    firsts = settings.since is None and settings.until is None
    read = read_masked(sources, settings, progress, firsts=firsts)
    if read.records.height == 0:
        raise InputError(_nothing_to_read(read.summary))
    progress(f"mining templates of {read.records.height:,} records")
    return TemplateReport(read.summary, summarise_templates(read.records, read.masked, settings, texts=read.texts))


def summarise_templates(
    records: pl.DataFrame, masked: pl.Series, settings: Settings = Settings(), *, texts: pl.DataFrame | None = None
) -> tuple[TemplateSummary, ...]:
    """Each template's summary, from ``records`` masked (``MASKED_ID`` indexing ``masked``): the
    records are counted per masked message, and only those counts are put together per template
    (no record is given its template's text), the example being the template's first record.
    Records without their ``message`` find it in ``texts`` (``source``, ``line``, ``message``)."""
    tree = TemplateTree(sim_threshold=settings.sim_threshold, depth=settings.tree_depth, max_children=settings.max_children)
    template_ids, template_texts = mine_masked(records.get_column(MASKED_ID), masked, tree)
    names = pl.DataFrame({MASKED_ID: pl.Series(range(masked.len()), dtype=records.schema[MASKED_ID]),
                          "template_id": template_ids, "template": template_texts})
    # One pass over the records: per masked message and level (few rows), then per template.
    parts = records.with_row_index("_row").group_by(MASKED_ID, "level").agg(
        count=pl.len(), services=pl.col("service").unique(), first_seen=pl.col("timestamp").min(),
        last_seen=pl.col("timestamp").max(), _row=pl.col("_row").min(),
    ).join(names, on=MASKED_ID).with_columns(pl.col("level").cast(pl.String).fill_null("UNKNOWN"))
    table = parts.group_by("template_id").agg(
        pl.col("template").first(), pl.col("count").sum(), pl.col("services").explode().unique().sort(),
        pl.col("first_seen").min(), pl.col("last_seen").max(), pl.col("_row").min(),
    )
    levels = (
        parts.group_by("template_id", "level").agg(pl.col("count").sum())
        .sort(["template_id", "count", "level"], descending=[False, True, False])
    )
    by_template: dict[str, dict[str, int]] = {}
    for template_id, level, count in levels.iter_rows():
        by_template.setdefault(template_id, {})[level] = count
    if "message" in records.columns:
        examples = records.select("source", "line", "message", "timestamp").gather(table.get_column("_row"))
    else:
        assert texts is not None
        keys = records.select(pl.col("source").cast(pl.String), "line", "timestamp").gather(table.get_column("_row"))
        examples = keys.join(texts.select("source", "line", "message").unique(["source", "line"]), on=["source", "line"],
                             how="left", maintain_order="left").select("source", "line", "message", "timestamp")
    table = table.hstack(examples).sort(["count", "template_id"], descending=[True, False])
    return tuple(
        TemplateSummary(
            template_id=row["template_id"],
            template=row["template"],
            count=row["count"],
            services=tuple(row["services"]),
            levels=by_template[row["template_id"]],
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            example=Example(row["source"], row["line"], row["message"], row["timestamp"]),
        )
        for row in table.iter_rows(named=True)
    )


def drift(model: BaselineModel, sources: Sequence[str], settings: Settings = Settings(),
          limits: DriftLimits = DriftLimits(), *, top: int = 10) -> Drift:
    """How far the templates of ``sources`` have drifted from what ``model`` saw as normal."""
    from rca.baseline.drift import drift as measure

    records, summary = ingest(list(sources), settings)
    if records.height == 0:
        raise InputError(_nothing_to_read(summary))
    records = assign_templates(records, tree=model.template_tree())
    return measure(model, records, summary, limits, top=top)
