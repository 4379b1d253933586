"""Departures from normal and who calls whom, to ranked root-cause services, each with its evidence.

The loudest service is usually not the root: callers log an error for every failed call to the
root, retries multiply them, and the edge of the system logs one more for every request. So blame
flows along the calls, as a careful on-call engineer's reasoning does:

- every service's **departures** from its own normal (new or rising error lines, statements that
  stop, going quiet, numbers in its lines shifting) have a strength and an onset;
- an **effect edge** cause -> effect links two departed services where the logs say how one
  explains the other: the effect's error lines name the cause (``names``; a cause named in a
  few of them explains that share, and one whose departures all began minutes before the
  effect's began explains none), or the effect began its trouble by refusing the cause's
  requests for its credentials or rights (``names`` too); the effect calls the cause and its
  own departure started no earlier than the cause's (``calls``; in proportion to the two departures' sizes); the effect is
  called by a failing cause and only lost traffic (``calls``); the two share callers that lost
  the cause (a restart, a death) just before the effect's trouble rose (``calls``: a cache's
  misses sent to the database); within requests (``traces``); or,
  where the call graph says nothing of the pair, the cause's departures lead the effect's in time
  (``lead``);
- a service is scored by its own departure, the share of the others' departures it explains (its
  descendants along effect edges), and how early it departed, and is marked down when another
  departed service explains it.

No rule depends on what a service is called: the edge of the system is whatever calls and is not
called, and it is ranked low only because the services it calls explain it.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from rca.signals.calls import failed_call

if TYPE_CHECKING:
    import networkx as nx

SIGNALS = ("departure", "explains", "earliness", "explained")
# The G statistic a departure needs to count (about p < 0.002 for one split; the scan over
# splits makes chance shifts of 5-8 common).
MIN_SHIFT_G = 10.0
# A departure of this G counts half: strengths saturate, so the loudest does not win by volume.
HALF_G = 100.0
SCOPE_ORDER = {"statement": 0, "parameter": 1, "timing": 1, "errors": 2, "service": 3, "volume": 3, "named": 4}
RISING = ("new", "up", "shifted", "blamed", "restarted")
FALLING = ("down", "stopped", "silent")
# A service lost to its callers: its process restarted or it went quiet altogether.
LOST = ("restarted", "silent")
# A rise in a service's own lines (not its callers' blame of it), and with its restarts: how a
# service departs of itself. Going quiet is not: a service loses its traffic as it would die.
OWN_RISE = tuple(kind for kind in RISING if kind not in ("blamed", "restarted"))
OWN_DEPARTURE = (*OWN_RISE, "restarted")
# Clocks of different hosts disagree by a few seconds: onsets closer than this are simultaneous.
SKEW_S = 5.0
# A departure at least this share of a service's strongest (in G) may give the service its onset.
ONSET_SHARE = 0.25
# How long before callers' blame a service's own rising error lines may date it, where the
# blame is far clearer than anything its own lines show.
BLAMED_LEAD_S = 600.0
# Departures at least this share of a service's clearest (in G) are about as clear.
NEAR_BEST = 0.8
# A failure reaches its callers within timeouts and retries: a callee that departed longer than
# this before its caller did not start the caller's trouble.
MAX_LAG_S = 120.0
# A departure said this many times well before the incident (``MAX_LAG_S``) is the service's
# routine: its times are no onsets its callers felt.
ROUTINE_TIMES = 3
# Callers feel a callee's restart while it is down, within their timeouts.
RESTART_FELT_S = 30.0
# A callee's trouble that rose within this of its caller's change (a migration, a batch begun)
# may have come of it.
CHANGE_LEAD_S = 60.0
# A change that no log ties to anything may still have begun the trouble: where the first
# trouble of all rose within this of it.
CHANGE_FIRST_S = 10.0
# How strongly each kind of evidence ties an effect to its cause.
EDGE_WEIGHT = {"names": 1.0, "calls": 0.8, "traces": 0.6, "lead": 0.3}
# Callers that lose one dependency lean on another at once (a cache's misses go to the database):
# the other's trouble follows the loss within this.
SHARED_LAG_S = 60.0
WEIGHTS = {"departure": 0.4, "explains": 0.5, "earliness": 0.1}
EXPLAINED_PENALTY = 0.6
# How far a service whose own rise is all failed calls (timeouts, refusals, its proxy's 502s) is
# explained by a callee the logs do not tie to it: less than a named or timed call (``calls``).
UNSEEN_CALLEE = 0.5
# How much later than a service whose requests slowed the callee it waits on may say so itself: a
# lock wait or a slow statement is logged once it passes its threshold or ends, seconds after the
# callers' durations grew, and a rise is dated within the buckets it is found in.
SLOW_LAG_S = 30.0


def anomalous_series(series: pl.DataFrame, scores: pl.DataFrame, *, min_score: float) -> pl.DataFrame:
    """Series whose change is both significant and large, strongest first, with their descriptions."""
    return (
        series.join(scores, on="sid", how="left")
        .filter(pl.col("score") >= min_score)
        .sort(["score", "llr", "sid"], descending=[True, True, False])
    )


def strength(g: pl.Expr) -> pl.Expr:
    """A departure's G statistic to [0, 1), saturating: 10 -> 0.09, 100 -> 0.5, 1000 -> 0.91."""
    return g / (g + HALF_G)


def service_candidates(departures: pl.DataFrame, *, since: datetime | None = None, start: datetime | None = None) -> pl.DataFrame:
    """One row per service with a departure from ``since`` on (earlier ones are kept as its
    evidence but do not make it a candidate nor date it: a change minutes before the incident is
    a red herring or a slow precursor, and the service's part in the incident is what it did
    then). Per service: its evidence (its strongest departure; within 80 % of
    it a statement beats a parameter, then the service's error lines, then the whole service, and
    the earlier wins), ``departure`` (strength of the best), ``onset`` (the earliest of its
    departures at least ``ONSET_SHARE`` as strong as the best and at most ``MAX_LAG_S`` before
    it), ``rising`` / ``falling`` (has such departures of that direction), ``slower`` (numbers
    in its lines rose: durations, waits), ``kinds`` (all its departure kinds), ``onsets`` (when
    each of its departures began, each time of a recurring one, ``again``), ``rise_onsets``
    (those of its rising ones), ``lost_onsets`` (of its restarts and silences) and
    ``crash_onsets`` (of its silences and the restarts that began with its process dying or
    hanging, the departures' ``crashes``; null where none). Blame marked
    ``contradicted`` counts for neither onsets nor rising. ``start``: the incident's start, from which a process's death dates its service
    however long before its clearest departure."""
    if since is not None:
        departures = departures.filter(pl.col("onset") >= since)
    # A change of what a service does (``pipeline._change_departures``) ties it to others only by
    # the rules made for it (``effect_graph``): it neither dates a service that departed otherwise
    # nor explains anyone by time alone (a slow-query log's first line of a statement is a change
    # by its shape, and comes now and then).
    changes = departures.filter(pl.col("kind") == "changed")
    others = departures.filter(pl.col("kind") != "changed")
    departures = pl.concat([others, changes.join(others.select("service").unique(), on="service", how="anti")], how="vertical_relaxed")
    unchanged = pl.col("kind") != "changed"
    # Blame that another caller's steady calls contradict makes a suspect, but says nothing of
    # when the service departed, nor that it rose (it explains no caller by it).
    if "contradicted" not in departures.columns:
        departures = departures.with_columns(contradicted=pl.lit(False))
    sure = ~pl.col("contradicted").fill_null(False)
    if "quicker" not in departures.columns:
        departures = departures.with_columns(quicker=pl.lit(False))
    quicker = pl.col("quicker").fill_null(False)
    # Callers' blame dates when they noticed (after their timeouts), not when the service
    # departed: the service's own departures set the bar for what may date it, when it has any.
    own = pl.col("kind") != "blamed"
    # A departure that recurs (a FATAL line of each crash, each restart of a crash loop) has each
    # of its times (``again``) as an onset its callers may have felt, though it dates the service
    # by its first.
    times = departures.select("service", "kind", "onset", "contradicted", "quicker")
    if "again" in departures.columns:
        # Not one that recurred ``ROUTINE_TIMES`` times or more well before the incident: a
        # service that panics every minute or two since long before has its everyday deaths,
        # and one of them just before its caller's trouble began is no more than chance.
        before = pl.col("again").list.eval(pl.element() < pl.lit(start) - pl.duration(seconds=MAX_LAG_S)).list.sum()
        recurring = departures if start is None else departures.filter(before.fill_null(0) < ROUTINE_TIMES)
        again = recurring.select("service", "kind", "contradicted", "quicker", onset="again").explode("onset")
        times = pl.concat([times, again.select(times.columns)], how="vertical_relaxed")
    # When the service died or hung (a restart that began so, ``crashes``), or went quiet.
    crashed = departures.filter(pl.col("kind") == "silent").select("service", "onset")
    if "crashes" in departures.columns:
        crashed = pl.concat([crashed, departures.select("service", onset="crashes").explode("onset")], how="vertical_relaxed")
    crashed = crashed.drop_nulls().group_by("service").agg(pl.col("onset").unique().sort().alias("crash_onsets"))
    felt = times.group_by("service").agg(
        pl.col("onset").filter(sure & unchanged).drop_nulls().unique().sort().alias("onsets"),
        pl.col("onset").filter(sure & unchanged & ~pl.col("kind").is_in(FALLING) & ~quicker).drop_nulls().unique().sort().alias("rise_onsets"),
        pl.col("onset").filter(sure & pl.col("kind").is_in(LOST)).drop_nulls().unique().sort().alias("lost_onsets"),
        pl.col("onset").filter(sure & (pl.col("kind") == "restarted")).drop_nulls().unique().sort().alias("restart_onsets"),
        pl.col("onset").filter(~unchanged).drop_nulls().unique().sort().alias("change_onsets"),
    )
    # The clearest of the service's own departures (null where it has none) and of all of them.
    clearest_own, clearest = pl.col("g").filter(own).max(), pl.col("g").max()
    # The service's own lines are at least a quarter as clear as anything said of it (its
    # callers' blame included); null where it has none of its own.
    own_clear = clearest_own >= ONSET_SHARE * clearest
    best = departures.group_by("service").agg(
        clearest.alias("best"),
        pl.coalesce(clearest_own, clearest).alias("best_own"),
        # Of departures about as clear as the clearest, the first anchors the service's story: a
        # hung service's work stops minutes before the requests it accepts do. Its own lines
        # anchor it unless they are far less clear than its callers' blame (a number drifting
        # twenty minutes before a crash loop its callers name in two thousand errors).
        pl.when(own_clear)
        .then(pl.col("onset").filter(own & (pl.col("g") >= NEAR_BEST * clearest_own)).min())
        .otherwise(pl.col("onset").filter(pl.col("g") >= NEAR_BEST * clearest).min())
        .alias("best_onset"),
        own_clear.fill_null(False).alias("own_clear"),
        pl.col("kind").unique().sort().alias("kinds"),
    ).join(felt, on="service").join(crashed, on="service", how="left")
    joined = departures.join(best, on="service")
    # A weaker departure may date the service earlier (a statement stops before the queue it
    # fed grows), but not by minutes: that is another story, or chance.
    # A restart dates the service however weak its G: what the service does after it (a bad
    # deploy's new exceptions) follows from it.
    # Nor does one minutes after it say how the service took part (a connection warning twenty
    # minutes on does not make a service that stopped one whose errors rose).
    # And callers' blame clearer than anything the service's own lines show dates it, however
    # long before them: its callers noticed it first (a delayed network shows in their errors
    # minutes before the service's own durations shift).
    # A process that died (its first FATAL line, a restart) as the incident began dates the
    # service however long before its clearest departure: what the service does after it (a
    # database crashing over and over, its slow statements gone twenty minutes on) follows from
    # it. Not one that died before: a service that panics now and then has its everyday deaths.
    blamed_first = (pl.col("kind") == "blamed") & sure & (pl.col("g") >= pl.col("best_own")) & (pl.col("onset") < pl.col("best_onset"))
    since_start = pl.lit(False) if start is None else pl.col("onset") >= pl.lit(start) - pl.duration(seconds=SKEW_S)
    died = (pl.col("kind") == "restarted") | (pl.col("scope") == "fatal")
    died_first = died & (pl.col("onset") < pl.col("best_onset")) & since_start
    near_best = pl.col("onset").is_between(pl.col("best_onset") - pl.duration(seconds=MAX_LAG_S),
                                           pl.col("best_onset") + pl.duration(seconds=MAX_LAG_S))
    strong = joined.filter(
        ((pl.col("g") >= ONSET_SHARE * pl.col("best_own")) | (pl.col("kind") == "restarted"))
        & near_best
        | blamed_first
        | died_first
        # Where callers' blame anchors the service, its own error lines rising before it date
        # it: the callers noticed only when their retries and fallbacks gave out (a service
        # failing at start-up, over and over, for minutes before its callers' errors name it).
        | (~pl.col("own_clear") & (pl.col("scope") == "errors") & pl.col("kind").is_in(["new", "up"])
           & pl.col("onset").is_between(pl.col("best_onset") - pl.duration(seconds=BLAMED_LEAD_S), pl.col("best_onset")))
    )
    slower = pl.col("slower").fill_null(False) if "slower" in strong.columns else pl.lit(False)
    timing = strong.group_by("service").agg(
        pl.col("onset").min().alias("first_onset"),
        pl.col("onset_bucket").min().alias("first_bucket"),
        rising=(pl.col("kind").is_in(RISING) & sure & ~quicker).any(),
        falling=(pl.col("kind").is_in(FALLING) | quicker).any(),
        slower=slower.any(),
    )
    evidence = (
        joined.filter(pl.col("g") >= 0.8 * pl.col("best"))
        .with_columns(order=pl.col("scope").replace_strict(SCOPE_ORDER, default=9, return_dtype=pl.Int8))
        .sort(["order", "onset", "g"], descending=[False, False, True], nulls_last=True)
        .group_by("service", maintain_order=True)
        .first()
        .drop("order", "best_onset", "best_own", "own_clear")
        # Whether it rose, fell or slowed is the service's (``timing``), not its evidence row's.
        .drop("rising", "falling", "slower", strict=False)
    )
    # How much of the service's own rise is calls that failed on the other side (its callee's
    # trouble, felt), by strength: of its statements and the numbers in them, as they are worded
    # (not its error lines or its volume as a whole), about when it departed.
    text = pl.col("template") if "template" in joined.columns else pl.lit(None, dtype=pl.String)
    gateway = pl.col("gateway_status").fill_null(False) if "gateway_status" in joined.columns else pl.lit(False)
    worded = joined.filter(
        own & sure & pl.col("kind").is_in(OWN_RISE) & pl.col("scope").is_in(["statement", "parameter"]) & near_best
    ).with_columns(s=strength(pl.col("g")))
    failed = failed_call(text).fill_null(False) | gateway
    felt_calls = worded.group_by("service").agg(failed_calls=(pl.col("s") * failed).sum() / pl.col("s").sum())
    # How much of it is its durations growing (of its statements, the numbers in them and its
    # requests' times): waiting, on its own work or on a callee's; and whether it departed by
    # something else of its own (``troubled``: a new or rising statement, a restart, a number
    # other than a duration), other than calls that failed on the other side. Not by its error
    # lines as a whole: a caller's errors rise with its callee's trouble, whatever they say.
    waited = pl.col("waited").fill_null(False) if "waited" in joined.columns else pl.lit(False)
    timed = joined.filter(
        own & sure & pl.col("kind").is_in(OWN_RISE) & pl.col("scope").is_in(["statement", "parameter", "timing"]) & near_best
    ).with_columns(s=strength(pl.col("g")))
    waits = timed.group_by("service").agg(waits=(pl.col("s") * waited).sum() / pl.col("s").sum())
    troubled = (
        joined.filter(own & sure & pl.col("kind").is_in(OWN_DEPARTURE) & near_best & ~waited & ~failed & (pl.col("scope") != "errors"))
        .select("service").unique().with_columns(troubled=pl.lit(True))
    )
    return (
        evidence.join(timing, on="service").join(felt_calls, on="service", how="left")
        .join(waits, on="service", how="left").join(troubled, on="service", how="left")
        .with_columns(pl.col("failed_calls", "waits").fill_null(0.0), pl.col("troubled").fill_null(False))
        .with_columns(departure=strength(pl.col("best")), evidence_onset=pl.col("onset"))
        .with_columns(onset=pl.col("first_onset"), onset_bucket=pl.col("first_bucket"))
        .drop("first_onset", "first_bucket")
        .sort("service")
    )


def effect_graph(
    candidates: pl.DataFrame, calls: nx.DiGraph, named: pl.DataFrame, *,
    lead: nx.DiGraph | None = None, trace_pairs: Counter[tuple[str, str]] | None = None, skew_s: float = SKEW_S,
    bucket_s: float = 0.0, overloaded: set[str] | None = None,
) -> nx.DiGraph:
    """Cause -> effect edges between departed services (see the module's doc); each edge has
    ``evidence`` (kinds), ``strength`` (the strongest kind's weight) and ``lag_s``."""
    import networkx as nx

    rows = {r["service"]: r for r in candidates.iter_rows(named=True)}
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(rows))

    def lag(cause: str, effect: str) -> float:
        return (rows[effect]["onset"] - rows[cause]["onset"]).total_seconds()

    refusal = pl.col("how") == "refused" if "how" in named.columns else pl.lit(False)
    naming = _naming_shares(named.filter(~refusal))
    for caller, callee in sorted(named.filter(refusal).select("caller", "callee").unique().iter_rows()):
        if caller in rows and callee in rows and rows[caller]["rising"]:
            # A callee whose trouble began with refusing the caller (its credentials, its rights:
            # ``pipeline.refused_blame_set_aside``) departed because of the caller's requests.
            _add(graph, caller, callee, "names", lag(caller, callee))
    for caller, callee in sorted(calls.edges):
        if caller not in rows or callee not in rows:
            continue
        # The callee only lost lines as its caller failed or went quiet (its own periodic lines go
        # on): it may have lost the caller's traffic. A callee gone quiet altogether did not just
        # lose traffic.
        failing = rows[caller]["rising"] or _went_quiet(rows[caller])
        lost_traffic = failing and _only_fell(rows[callee]) and not _went_quiet(rows[callee])
        if (callee in (overloaded or set()) and set(rows[caller]["kinds"] or []) & set(OWN_RISE)  # type: ignore[call-overload]
                and _deployed_before(rows[caller], rows[callee]["onset"], skew_s)):
            # A callee turning work away for too much of it, its trouble beginning within
            # minutes of its caller's restart, the caller's own lines rising too: a new version or
            # configuration of the caller (its retries, its pool, its fan-out) sends it more than
            # it can take. The caller's errors that name it are what comes back of that.
            _add(graph, caller, callee, "calls", lag(caller, callee))
            continue
        if (set(rows[caller]["kinds"] or []) <= {"changed"} and rows[callee]["rising"]  # type: ignore[call-overload]
                and not calls.has_edge(callee, caller) and _any_before(rows[caller].get("change_onsets"), rows[callee]["onset"], skew_s, CHANGE_LEAD_S)):
            # A caller that did nothing but change what it does (a migration begun, a batch
            # started, ``pipeline._change_departures``), its callee's own trouble rising within a
            # minute of it: the new work holds what others wait on (a table's lock, the pool,
            # the disk). The callee shows it; the caller, still at it, does not. (Where the logs
            # say each calls the other, they do not say who holds what.)
            _add(graph, caller, callee, "calls", lag(caller, callee))
            continue
        if (caller, callee) in naming and _still_going(rows[callee], rows[caller]["onset"]):
            # Blame explains the caller's trouble only if the callee's trouble was still going on
            # when the caller's began: a callee whose every departure came minutes before it
            # (a small bug of its own at 10:27) did not start a caller's trouble at 10:32.
            _add(graph, callee, caller, "names", lag(callee, caller), weight=EDGE_WEIGHT["names"] * naming[caller, callee])
        elif rows[caller]["slower"] and (
            rows[callee]["slower"] and abs(lag(callee, caller)) <= MAX_LAG_S
            or rows[callee]["rising"] and -SLOW_LAG_S <= lag(callee, caller) <= MAX_LAG_S
        ):
            # A caller waits for its callee: latency climbs the calls, never down them. Both log
            # a request when it ends, so which slow line came first says little; and a callee's
            # own new lines (its slow-query warnings) may only come once it is slow enough, but
            # soon (``SLOW_LAG_S``): a callee whose first new lines come minutes after its
            # caller slowed did not slow it.
            _add(graph, callee, caller, "calls", lag(callee, caller))
        elif lost_traffic and abs(lag(caller, callee)) <= skew_s:
            # A callee whose part was to fall just as its caller failed lost its traffic then,
            # whatever weaker sign of its came earlier (the same rule as below, first).
            _add(graph, caller, callee, "calls", lag(caller, callee))
        elif rows[caller]["rising"] and (
            lagged := _departed_before(rows[callee], rows[caller]["onset"], -skew_s, -skew_s if _went_quiet(rows[callee]) else skew_s)
        ) is not None and not (set(rows[callee]["kinds"] or []) <= {"restarted"} and lagged > RESTART_FELT_S):  # type: ignore[call-overload]
            # A callee's loss of lines explains its caller's errors only if it clearly came
            # first: less traffic reaching it looks the same, at the same time, whatever else the
            # callee did later. Any of the callee's departures may be the one its caller felt: a
            # leak's heap climbs for minutes, its callers fail when it crashes. Order in time is
            # all that ties them here, so a callee's slight departure explains a caller's large
            # one only in part (a panic now and then under a caller whose disk is full). A callee
            # that only restarted failed its callers' calls while it was down, which they feel
            # within their timeouts (``RESTART_FELT_S``): a caller's trouble a minute after a
            # callee's deploy, its errors naming it not at all, came of something else.
            share = min(1.0, rows[callee].get("departure", 1.0) / max(rows[caller].get("departure", 1.0), 1e-9))
            if _lost_just_before(rows[callee], rows[caller]["onset"], skew_s):
                # A callee that died, hung or went quiet fails every call while it is down,
                # however little its own lines say: callers whose trouble rose within their
                # timeouts of the loss felt all of it. (A restart it shut down for is planned.)
                share = 1.0
            _add(graph, callee, caller, "calls", lagged, weight=EDGE_WEIGHT["calls"] * share)
        elif (_only_fell(rows[caller]) and rows[callee]["rising"] and -MAX_LAG_S <= lag(callee, caller) <= skew_s
              and _more_than_words(calls, caller, callee)):
            # A caller whose lines only fell (its requests to the callee hang, or fail before it
            # logs them) while its callee's rose, with it or after it (threads piling up, written
            # once a minute): calling less makes a callee fall, never rise, so the rise came
            # first, though logged later. (A rise well before the fall is left to time to tell.)
            # The call is all that ties them here: a word of the callee's name is not enough.
            _add(graph, callee, caller, "calls", lag(callee, caller))
        elif lost_traffic and -skew_s <= lag(caller, callee) <= skew_s + bucket_s:
            # Calls stop reaching a callee as soon as its caller fails: the loss is not late. (Of
            # two services that only fell, nothing says which one's fall came of the other's.)
            _add(graph, caller, callee, "calls", lag(caller, callee))
    for cause, effect in _lost_shared(rows, calls, graph, skew_s):
        _add(graph, cause, effect, "calls", lag(cause, effect))
    for cause, effect in _changed_first(rows, calls, skew_s):
        _add(graph, cause, effect, "calls", lag(cause, effect))
    for (cause, effect), n in (trace_pairs or {}).items():
        back = (trace_pairs or {}).get((effect, cause), 0)
        if cause in rows and effect in rows and n >= 3 and n >= 2 * back:
            _add(graph, cause, effect, "traces", lag(cause, effect))
    for cause, effect in sorted((lead or nx.DiGraph()).edges):
        related = calls.has_edge(cause, effect) or calls.has_edge(effect, cause)
        # Correlation alone gives a direction only when the onsets are apart by more than clock skew.
        if cause in rows and effect in rows and not related and skew_s < lag(cause, effect) <= MAX_LAG_S:
            _add(graph, cause, effect, "lead", lag(cause, effect))
    _break_cycles(graph)
    return graph


def _lost_shared(rows: dict[str, dict[str, object]], calls: nx.DiGraph, graph: nx.DiGraph, skew_s: float) -> list[tuple[str, str]]:
    """(cause, effect) where the cause was lost to callers it shares with the effect and the
    effect's trouble rose just after: a cache restarts cold or dies, its callers (whose trouble
    it explains already, ``graph``) send every lookup to the database behind it, and the database
    runs out of connections. Neither calls the other, so no call ties them; the callers they
    share do, where both explain one of them. Lost means restarted or gone quiet altogether,
    which nothing its callers do causes (a service that only lost traffic may have lost it to the
    effect's trouble)."""
    found = []
    for cause, effect in sorted((a, b) for a in rows for b in rows if a != b):
        # When the cause was lost: each time it restarted or went quiet.
        lost = rows[cause].get("lost_onsets")
        if lost is None:
            lost = [rows[cause]["onset"]] if set(LOST) & set(rows[cause]["kinds"] or []) else []  # type: ignore[call-overload]
        if not lost or not rows[effect]["rising"] or calls.has_edge(cause, effect) or calls.has_edge(effect, cause):
            continue
        if cause not in calls or effect not in calls:
            continue
        shared = set(calls.predecessors(cause)) & set(calls.predecessors(effect))
        felt_both = any(graph.has_edge(cause, caller) and graph.has_edge(effect, caller) for caller in shared)
        lags = [(rows[effect]["onset"] - at).total_seconds() for at in lost]  # type: ignore[operator, union-attr]
        if felt_both and any(-skew_s <= lag_s <= SHARED_LAG_S for lag_s in lags):
            found.append((cause, effect))
    return found


def _changed_first(rows: dict[str, dict[str, object]], calls: nx.DiGraph, skew_s: float) -> list[tuple[str, str]]:
    """(cause, effect) where the cause did nothing but change what it does (a migration begun,
    ``pipeline._change_departures``), no log ties it to any other departed service, and the
    effect's trouble rose within ``CHANGE_FIRST_S`` after the change, first (within clock skew)
    of all that rose in the minute around it, and none before the change. A
    migration job rarely names the database it works on, and the database names none of its
    clients; what the on-call engineer asks first is what changed just before it broke, and a
    job that says one new thing a few seconds before the first sign of trouble anywhere is
    what changed. (A call, where the logs show one, is ``effect_graph``'s to weigh.)"""
    rising = {service: row["onset"] for service, row in rows.items() if row["rising"]}
    found: list[tuple[str, str]] = []
    for cause, row in sorted(rows.items()):
        if not row.get("change_onsets") or not set(row["kinds"] or []) <= {"changed"}:  # type: ignore[call-overload]
            continue
        if cause in calls and any(other in rows for other in (*calls.predecessors(cause), *calls.successors(cause))):
            continue
        for at in row["change_onsets"]:  # type: ignore[attr-defined]
            # The trouble of the minute around the change: none may have begun before it, not
            # even within clock skew. Order in time is all there is here, and what a service
            # says as others fail (a broker rebalancing a consumer that stalled) comes after.
            near = {service: onset for service, onset in rising.items()
                    if service != cause and -CHANGE_LEAD_S <= (onset - at).total_seconds() <= CHANGE_FIRST_S}  # type: ignore[operator]
            first = min(near.values(), default=None)
            if first is None or first < at:  # type: ignore[operator]
                continue
            found += [(cause, effect) for effect, onset in sorted(near.items()) if (onset - first).total_seconds() <= skew_s]  # type: ignore[operator]
    return sorted(set(found))


def _deployed_before(caller: dict[str, object], onset: datetime, skew_s: float) -> bool:
    """Whether ``caller`` restarted (``restart_onsets``) from ``DEPLOY_WINDOW_S`` before
    ``onset`` (its callee's) to ``skew_s`` after it."""
    from rca.pipeline import DEPLOY_WINDOW_S

    return _any_before(caller.get("restart_onsets"), onset, skew_s, DEPLOY_WINDOW_S)


def _lost_just_before(callee: dict[str, object], onset: datetime, skew_s: float) -> bool:
    """Whether ``callee`` died, hung or went quiet (``crash_onsets``; not a restart it shut down
    for) from ``skew_s`` after ``onset`` (its caller's) to ``RESTART_FELT_S`` before it."""
    return _any_before(callee.get("crash_onsets"), onset, skew_s, RESTART_FELT_S)


def _any_before(times: object, onset: datetime, after_s: float, before_s: float) -> bool:
    """Whether one of ``times`` (a list, or null) lies from ``before_s`` before ``onset`` to
    ``after_s`` after it."""
    return any(-after_s <= (onset - at).total_seconds() <= before_s for at in times or [])  # type: ignore[attr-defined]


def _more_than_words(calls: nx.DiGraph, caller: str, callee: str) -> bool:
    """Whether the call rests on more than a word of the callee's name (``[Cancel]``): a whole
    name, an address, a route, a trace."""
    return bool(set(calls.edges[caller, callee].get("evidence", ("mentions",))) - {"mentions", "word"})


def _naming_shares(named: pl.DataFrame) -> dict[tuple[str, str], float]:
    """Each (caller, callee) whose blame counts, with the share of the caller's trouble it names:
    the rise in the caller's error lines naming the callee, over the largest such rise of the
    caller's (1 for the callee it names most; a callee named in a few of a caller's errors
    explains a few of them). Blame by slowed calls counts whole."""
    rows = named.filter(pl.col("g") >= MIN_SHIFT_G)
    if rows.height == 0:
        return {}
    if "after" in rows.columns and "rate_before" in rows.columns:
        # The lines since the start, less those the rate before would have given in that time.
        after = pl.col("after").fill_null(0.0)
        expected = after * pl.col("rate_before").fill_null(0.0) / pl.col("rate_after").fill_null(0.0).clip(lower_bound=1e-9)
        rise = (after - expected).clip(lower_bound=0.0)
        errors = pl.col("how") == "errors" if "how" in rows.columns else pl.lit(True)
        rows = rows.with_columns(rise=pl.when(errors & pl.col("after").is_not_null()).then(rise).otherwise(None))
        rows = rows.with_columns(share=(pl.col("rise") / pl.col("rise").max().over("caller")).fill_null(1.0).fill_nan(1.0))
    else:
        rows = rows.with_columns(share=pl.lit(1.0))
    out: dict[tuple[str, str], float] = {}
    for r in rows.select("caller", "callee", "share").iter_rows(named=True):
        key = (r["caller"], r["callee"])
        out[key] = max(out.get(key, 0.0), min(1.0, r["share"]))
    return out


def _only_fell(row: dict[str, object]) -> bool:
    return bool(row["falling"]) and not row["rising"]


def _departed_before(callee: dict[str, object], onset: datetime, low_s: float, fall_low_s: float) -> float | None:
    """The shortest lag, up to ``MAX_LAG_S``, from one of ``callee``'s departures to ``onset``
    (its caller's), at least ``low_s`` from a rising one and ``fall_low_s`` from a fall, or None."""
    rises = set(callee["rise_onsets"])  # type: ignore[call-overload]
    lags = [((onset - at).total_seconds(), at in rises) for at in callee["onsets"]]  # type: ignore[attr-defined]
    fitting = [lag for lag, rose in lags if (low_s if rose else fall_low_s) <= lag <= MAX_LAG_S]
    return min(fitting, key=abs) if fitting else None


def _still_going(callee: dict[str, object], onset: datetime) -> bool:
    """Whether one of ``callee``'s departures began at most ``MAX_LAG_S`` before ``onset`` (its
    caller's), or after it."""
    times = [*(callee["onsets"] or []), callee["onset"]]  # type: ignore[misc]
    return any((onset - at).total_seconds() <= MAX_LAG_S for at in times)  # type: ignore[operator]


def _went_quiet(row: dict[str, object]) -> bool:
    """The whole service stopped logging (it died or hung), which its callers' failing does not
    cause: a caller in trouble still calls, and a callee that only loses traffic keeps its
    periodic lines."""
    return "silent" in (row["kinds"] or [])


def _add(graph: nx.DiGraph, cause: str, effect: str, kind: str, lag_s: float, weight: float | None = None) -> None:
    weight = EDGE_WEIGHT[kind] if weight is None else weight
    if graph.has_edge(cause, effect):
        data = graph.edges[cause, effect]
        data["evidence"] = sorted(set(data["evidence"]) | {kind})
        data["strength"] = max(data["strength"], weight)
        return
    graph.add_edge(cause, effect, evidence=[kind], strength=weight, lag_s=round(max(lag_s, 0.0), 3))


def _break_cycles(graph: nx.DiGraph) -> None:
    """Of two services that would each explain the other, keep the better-founded direction (and
    on a tie, neither)."""
    for a, b in [(a, b) for a, b in graph.edges if a < b and graph.has_edge(b, a)]:
        forward, back = graph.edges[a, b]["strength"], graph.edges[b, a]["strength"]
        if forward > back:
            graph.remove_edge(b, a)
        elif back > forward:
            graph.remove_edge(a, b)
        else:
            graph.remove_edges_from([(a, b), (b, a)])


def earliness(after_first_s: float, *, skew_s: float = SKEW_S, scale_s: float = 60.0) -> float:
    """How early an onset is, from its seconds after the earliest onset of any candidate: 1 within
    clock skew of it, then falling by half for every ``scale_s`` later.

    >>> earliness(3.0), earliness(65.0)
    (1.0, 0.5)
    """
    return 1.0 / (1.0 + max(0.0, after_first_s - skew_s) / scale_s)


def rank_services(candidates: pl.DataFrame, graph: nx.DiGraph, *, start: datetime | None = None) -> pl.DataFrame:
    """Candidates with their signals, ``score`` and ``rank`` (1 = most likely).

    ``departure``: strength of the service's own departure; ``explains``: the share of the other
    candidates' departure strength carried by its descendants in ``graph``, each weighted by the
    strength of its best path; ``earliness``: how
    early its onset is (``earliness``, counted from ``start``, the incident start, if given, else
    from the earliest onset); ``explained``: the strongest edge into it (another
    departed service explains it). ``score`` = weighted sum of the first three, times
    ``1 - EXPLAINED_PENALTY * explained``.
    """
    departure = dict(zip(candidates.get_column("service"), candidates.get_column("departure"), strict=True))
    onset = dict(zip(candidates.get_column("service"), candidates.get_column("onset"), strict=True))
    # Who departed of itself (``OWN_DEPARTURE``): not one that only fell or went quiet (a proxy
    # sending its requests nowhere silences the services behind it as a death would), nor one
    # only blamed by callers (who tie it to themselves already).
    departed_itself = {r["service"] for r in candidates.iter_rows(named=True) if set(r.get("kinds") or []) & set(OWN_DEPARTURE)}
    failed = dict(zip(candidates.get_column("service"), candidates.get_column("failed_calls"), strict=True)) if "failed_calls" in candidates.columns else {}
    waits = dict(zip(candidates.get_column("service"), candidates.get_column("waits"), strict=True)) if "waits" in candidates.columns else {}
    # Who departed by trouble of its own (not only waits, not only failed calls): what a service
    # that only waits longer may be waiting on.
    troubled = {r["service"] for r in candidates.iter_rows(named=True) if r.get("troubled") and failed.get(r["service"], 0.0) < 0.5}
    # Onsets count from the incident start where one is known: a routine deploy minutes before
    # it must not make every later service look late.
    first = start if start is not None else min(onset.values())
    total = sum(departure.values())
    rows = []
    for service in departure:
        reach = _reach(graph, service)
        others = total - departure[service]
        into = [graph.edges[p, service]["strength"] for p in graph.predecessors(service)] if service in graph else []
        row = {
            "service": service,
            "departure": departure[service],
            "explains": sum(departure[s] * weight for s, weight in reach.items()) / others if others > 0 else 0.0,
            "earliness": earliness((onset[service] - first).total_seconds()),  # type: ignore[operator]
            # Another departed service explains it, or a callee no log ties to it may: its own
            # rise is calls that failed on the other side (``_unseen_callee``).
            # So may one whose own rise is its durations growing, by a callee in trouble of its own
            # whose lines say so a little later (``SLOW_LAG_S``).
            "explained": max(
                max(into, default=0.0),
                UNSEEN_CALLEE * failed.get(service, 0.0) * _unseen_callee(service, reach, departed_itself, onset),
                UNSEEN_CALLEE * waits.get(service, 0.0) * _unseen_callee(service, reach, troubled, onset, lag_s=SLOW_LAG_S, lead_s=MAX_LAG_S),
            ),
        }
        base = sum(WEIGHTS[name] * row[name] for name in WEIGHTS)
        row["score"] = base * (1.0 - EXPLAINED_PENALTY * row["explained"])
        rows.append(row)
    schema = {"service": pl.String, **{name: pl.Float64 for name in SIGNALS}, "score": pl.Float64}
    ranked = pl.DataFrame(rows, schema=schema).join(candidates.drop("departure"), on="service")
    return ranked.sort(["score", "onset", "service"], descending=[True, False, False]).with_row_index("rank", offset=1)


def _unseen_callee(
    service: str, reach: dict[str, float], departed: set[str], onset: dict[str, datetime], *, lag_s: float = SKEW_S,
    lead_s: float = math.inf,
) -> bool:
    """Whether a callee of ``service`` that the logs do not tie to it may be among the departed:
    another service that ``departed`` of itself no later than ``lag_s`` after it (clock skew), no
    more than ``lead_s`` before it, and that it does not explain (``reach``). A name server whose
    forwarder timed out, its clients failing after it, has none among them: what it called lies
    outside the logs, and it is as deep as they go."""
    return any(
        other != service and other not in reach and -lead_s <= (onset[other] - onset[service]).total_seconds() <= lag_s
        for other in departed
    )


def _reach(graph: nx.DiGraph, service: str) -> dict[str, float]:
    """The services ``service`` explains, each with the strength of its best path: the product of
    the edges' strengths (a path through a ``lead`` edge counts for less than one of names)."""
    if service not in graph:
        return {}
    from networkx import single_source_dijkstra_path_length

    cost = single_source_dijkstra_path_length(graph, service, weight=lambda a, b, data: -math.log(data["strength"]))
    return {other: math.exp(-c) for other, c in cost.items() if other != service}


def explained(graph: nx.DiGraph, service: str) -> list[tuple[str, list[str]]]:
    """The services ``service`` explains, nearest first, each with the path to it."""
    if service not in graph:
        return []
    from networkx import single_source_shortest_path

    paths = single_source_shortest_path(graph, service)
    return sorted(((s, p) for s, p in paths.items() if s != service), key=lambda item: (len(item[1]), item[0]))
