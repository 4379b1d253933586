"""Series to anomalies: where the incident starts, and how far each series departs from its normal.

Counts are compared with a two-rate Poisson likelihood ratio (normal rate vs incident rate),
which knows that 3 -> 0 lines means less than 300 -> 0, and is not fooled by a service that
logs errors all the time: only a change of rate scores.

Rates alone follow the traffic: a request type that is not requested for a minute looks like a
fault. So each series is also tested as a *share* of what contains it (a statement's share of its
service's lines, a service's share of all lines), at the split that changes it most
(``share_shifts``). A statement that stops while the rest of its service goes on, or an error
that takes a growing share, is a change in the service's behaviour, not in its traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from rca.signals.features import ERRORS_ID

QUIET_GAPS = 4
# A service gone quiet may still say a few stray lines: at most this many, and at most this
# share of what its rate before would have given.
QUIET_STRAY_LINES = 5
QUIET_STRAY_SHARE = 0.02
# A service with fewer lines than this outside its warnings and errors does not log its traffic.
MIN_TRAFFIC = 5.0
# A service's own rate must rise this many times (and its share of all lines three times) to
# count as louder (``behaviour_shifts``' ``volume``), from at least ``KNOWN_LINES`` lines before.
LOUDER = 20.0
KNOWN_LINES = 20.0
# Change kinds, as shown to users.
NEW, UP, DOWN, STOPPED = "new", "up", "down", "stopped"


def xlogy(x: np.ndarray, y: np.ndarray | float) -> np.ndarray:
    """``x * log(y)``, 0 where ``x`` is 0 (as ``scipy.special.xlogy``, whose import takes a fifth
    of a second).

    >>> xlogy(np.array([0.0, 2.0]), np.array([0.0, np.e])).tolist()
    [0.0, 2.0]
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


@dataclass(frozen=True, slots=True)
class IncidentStart:
    """The bucket where the incident starts, and how it was found (``given``, ``errors``, ``volume``)."""

    bucket: int
    method: str
    strength: float


def poisson_llr(before: np.ndarray, t_before: np.ndarray | float, after: np.ndarray, t_after: np.ndarray | float) -> np.ndarray:
    """Log-likelihood ratio of "the rate changed" over "one rate throughout", for counts over spans.

    >>> round(float(poisson_llr(np.array([0.0]), 60.0, np.array([20.0]), 60.0)[0]), 2)
    13.86
    """
    total = before + after
    span = t_before + t_after
    return (
        xlogy(before, before / np.maximum(t_before, 1e-12))
        + xlogy(after, after / np.maximum(t_after, 1e-12))
        - xlogy(total, total / np.maximum(span, 1e-12))
    )


# A run of a scheduled job: its lines come together, apart from the next run by more than this
# many buckets; and it takes at most this share of the time between runs.
BURST_GAP = 3
BURST_SHARE = 0.25
# Runs of a schedule keep their interval to within this share of it (or a bucket).
SCHEDULE_JITTER = 0.1
MIN_RUNS = 3


def scheduled(counts: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Which rows of ``counts`` belong to a group (a service) whose lines all come in short runs
    at a steady interval (a CronJob, a batch on a timer), the first of them within one interval of
    the grid's start: nothing says a run was missed before, so its runs, errors and all, are how
    it always is, however new its lines look in the first minutes of the logs.

    >>> runs = np.zeros((2, 60)); runs[0, [4, 5, 24, 25, 44, 45]] = 3; runs[1, [4, 24, 45]] = 1
    >>> scheduled(runs, np.array(["cron", "cron"])).tolist()
    [True, True]
    >>> late = np.zeros((1, 80)); late[0, [30, 31, 45, 60, 75]] = 3
    >>> scheduled(late, np.array(["app"])).tolist(), scheduled(runs[:, :40], np.array(["cron", "cron"])).tolist()
    ([False], [False, False])
    """
    found = np.zeros(len(groups), dtype=bool)
    for group in np.unique(groups):
        rows = groups == group
        busy = np.flatnonzero(counts[rows].sum(axis=0) > 0)
        if busy.size == 0:
            continue
        breaks = np.flatnonzero(np.diff(busy) > BURST_GAP)
        starts = busy[np.concatenate([[0], breaks + 1])]
        ends = busy[np.concatenate([breaks, [busy.size - 1]])]
        if starts.size < MIN_RUNS:
            continue
        intervals = np.diff(starts)
        interval = float(np.median(intervals))
        steady = np.abs(intervals - interval).max() <= max(1.0, SCHEDULE_JITTER * interval)
        short = (ends - starts + 1).max() <= BURST_SHARE * interval
        found[rows] = bool(steady and short and starts[0] <= interval + 1)
    return found


def find_incident_start(
    counts: np.ndarray, error_share: np.ndarray, *, baseline_counts: np.ndarray, baseline_buckets: float,
    min_side: int, jobs: np.ndarray | None = None,
) -> IncidentStart:
    """The split of the grid that best separates normal from incident.

    First from error-like series that rise or appear (new error templates are the clearest mark
    of an incident, while total volume shifts with the traffic mix); if none rises, from every
    series, in both directions. Each side keeps at least ``min_side`` buckets, except that with a
    baseline (``baseline_buckets > 0``) the normal side may be the baseline alone. The errors of a
    scheduled job's runs (rows ``jobs``, as ``detect.scheduled`` finds them) start nothing.
    """
    n = counts.shape[1]
    first = 0 if baseline_buckets > 0 else min_side
    if n < first + min_side + 1:
        return IncidentStart(n // 2, "too-short", 0.0)
    splits = np.arange(first, n - min_side + 1)
    cum = np.concatenate([np.zeros((counts.shape[0], 1)), np.cumsum(counts, axis=1)], axis=1)
    before = cum[:, splits] + baseline_counts[:, None]
    after = cum[:, -1:] - cum[:, splits]
    t_before = splits[None, :] + baseline_buckets
    t_after = (n - splits)[None, :]
    llr = poisson_llr(before, t_before, after, t_after)
    rising = after / t_after > before / t_before
    errorlike = error_share >= 0.5
    if jobs is not None:
        errorlike = errorlike & ~jobs
    errorlike = errorlike[:, None]
    by_errors = np.where(rising & errorlike, llr, 0.0).sum(axis=0)
    if by_errors.max(initial=0.0) >= 3.0:
        best = int(np.argmax(by_errors))
        return IncidentStart(int(splits[best]), "errors", float(by_errors[best]))
    by_volume = llr.sum(axis=0)
    best = int(np.argmax(by_volume))
    return IncidentStart(int(splits[best]), "volume", float(by_volume[best]))


def g_statistic(k1: np.ndarray, n1: np.ndarray | float, k2: np.ndarray, n2: np.ndarray | float) -> np.ndarray:
    """G statistic of the 2x2 table [[k1, n1 - k1], [k2, n2 - k2]]: how clearly a share of ``k1``
    in ``n1`` differs from one of ``k2`` in ``n2`` (chi-squared with 1 degree of freedom).

    >>> round(float(g_statistic(np.array([10.0]), 100.0, np.array([30.0]), 100.0)[0]), 2)
    12.97
    """
    def terms(k: np.ndarray, n: np.ndarray | float) -> np.ndarray:
        return xlogy(k, k) + xlogy(n - k, n - k) - xlogy(n, n)

    return 2.0 * (terms(k1, n1) + terms(k2, n2) - terms(k1 + k2, n1 + n2))  # type: ignore[operator]


@dataclass(frozen=True, slots=True)
class Shifts:
    """Per row: ``g`` (G-test statistic, 0 where no allowed shift), ``split`` (first bucket after
    the change) and ``rising`` (the share went up)."""

    g: np.ndarray
    split: np.ndarray
    rising: np.ndarray


def share_shifts(
    counts: np.ndarray, parents: np.ndarray, *, min_side: int, may_rise: np.ndarray, may_fall: np.ndarray,
    min_total: float = 5.0, factor: float = 3.0, at: int | None = None, min_before: int | None = None,
    extra_before: float = 0.0, rate_factor: float = 2.0, in_front: int = 0, fall_within: np.ndarray | None = None,
    known_before: float = 0.0,
) -> Shifts:
    """The strongest change of each row's share of the matching row of ``parents``, over all splits
    (or at the split ``at`` only).

    At each split (each side keeping ``min_side`` buckets, the first side ``min_before`` if given)
    a 2x2 G-test compares the row's share of its parent before and after. Only changes by
    ``factor`` or more count: falls (rows allowed by ``may_fall``) to under 1/factor of the old
    share, rises (``may_rise``) to over factor times it, and the row's own rate (per bucket; the
    side before the split is ``extra_before`` buckets longer) must move the same way by
    ``rate_factor``, so a share that moves only because the rest of the parent did is not a
    change of the row. Rows with fewer than ``min_total`` records score 0. Rows in
    ``fall_within`` fall only where they fall within the counts after the first ``in_front``
    buckets (a baseline put in front): the logs themselves must show the fall.

    >>> counts = np.array([[2.0] * 10 + [0.0] * 10])   # a statement that stops...
    >>> parents = np.array([[10.0] * 20])                # ...while its service goes on
    >>> shifts = share_shifts(counts, parents, min_side=2, may_rise=np.array([False]), may_fall=np.array([True]))
    >>> int(shifts.split[0]), round(float(shifts.g[0]), 1), bool(shifts.rising[0])
    (10, 30.0, False)
    """
    n = counts.shape[1]
    rows = counts.shape[0]
    if at is not None:
        splits = np.array([min(max(at, 1), n - 1)]) if n > 1 else np.array([], dtype=np.int64)
    else:
        first = min_side if min_before is None else min_before
        splits = np.arange(first, n - min_side + 1) if n >= first + min_side + 1 else np.array([], dtype=np.int64)
    if rows == 0 or len(splits) == 0:
        return Shifts(np.zeros(rows), np.full(rows, n // 2, dtype=np.int32), np.zeros(rows, dtype=bool))
    k1 = np.cumsum(counts, axis=1)[:, splits - 1]
    n1 = np.cumsum(parents, axis=1)[:, splits - 1]
    k, total = counts.sum(axis=1)[:, None], parents.sum(axis=1)[:, None]
    k2, n2 = k - k1, total - n1

    g = g_statistic(k1, n1, k2, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        before, after = k1 / n1, k2 / n2
    valid = (n1 > 0) & (n2 > 0) & (k >= min_total) & (k1 >= known_before)
    # A share that rises only because the rest of the parent fell (a service whose requests stop
    # while its background errors go on) is not a rise: the row's own rate must rise too.
    t1 = splits[None, :] + extra_before
    t2 = (n - splits)[None, :]
    rate_rises = k2 / t2 > rate_factor * k1 / np.maximum(t1, 1e-12)
    rises = valid & may_rise[:, None] & (after > factor * before) & rate_rises
    # Likewise a share that falls only because the rest of the parent rose (errors flooding the
    # service) is not a fall: the row's own rate must fall too.
    rate_falls = k2 / t2 * rate_factor < k1 / np.maximum(t1, 1e-12)
    falls = valid & may_fall[:, None] & (after * factor < before) & rate_falls
    if fall_within is not None and in_front:
        k1_own = k1 - counts[:, :in_front].sum(axis=1, keepdims=True)
        t1_own = np.maximum(splits[None, :] - in_front, 1e-12)
        falls &= ~fall_within[:, None] | ((k1_own > 0) & (k2 / t2 * rate_factor < k1_own / t1_own))
    g = np.where(rises | falls, np.maximum(g, 0.0), 0.0)
    best = g.argmax(axis=1)
    index = np.arange(rows)
    return Shifts(g[index, best], splits[best].astype(np.int32), rises[index, best])


def behaviour_shifts(
    series: pl.DataFrame, counts: np.ndarray, *, min_side: int, at: int | None = None,
    baseline_counts: np.ndarray | None = None, baseline_buckets: float = 1.0,
    jobs: np.ndarray | None = None, start: int | None = None, fall_lead: int | None = None,
) -> pl.DataFrame:
    """Share shifts at three scopes, one row each: ``sid`` (the evidence series), ``service``,
    ``scope``, ``g``, ``split`` (first bucket of the changed behaviour), ``rising``.

    - ``statement``: a series' share of its service's lines (falls; rises for error-like series).
      An error-like series that stops more than ``fall_lead`` buckets before the incident
      ``start`` does not count: an earlier trouble ended. One that stops as the incident begins
      is a change of what the code does (an exception it threw on every request no longer
      thrown, as it now returns something else);
    - ``errors``: a service's ``level:error`` series' share of all lines (rises);
    - ``service``: a service that logged steadily and went silent: no line after the split, for at
      least ``QUIET_GAPS`` times its longest silence before it (services that log only in bursts
      come and go with the traffic). Its evidence is its busiest series;
    - ``volume``: a service's lines rising ``LOUDER`` times in rate, and in share of all lines
      (rises; its busiest series is its evidence).

    ``at`` fixes the split (a given incident start); the rows of a scheduled job (``jobs``,
    see ``detect.scheduled``) are split at the incident ``start`` alone: the first of its runs
    brings lines never seen in the minutes before, and the next may bring other ones, at any
    time, so only what its runs log after the incident starts, against what they logged before,
    tells a change. With ``baseline_counts`` (each series' count
    in known-good logs) the baseline joins the before side of every split; but an error-like
    statement the baseline had and the logs lack throughout has not fallen: fewer errors than on
    a good day is no trouble. Its fall counts only where the logs show it.
    """
    summary = (series.get_column("template_id") == ERRORS_ID).to_numpy()
    plain = ~summary
    services = series.get_column("service").to_numpy()
    names, inverse = np.unique(services, return_inverse=True)
    offset, min_before, extra_before = 0, None, 0.0
    if baseline_counts is not None:
        # Normal is the baseline plus the logs before the split: one more bucket in front.
        counts, offset = np.hstack([baseline_counts[:, None], counts]), 1
        at, min_before = None if at is None else at + 1, 1
        extra_before = max(0.0, baseline_buckets - 1.0)
    per_service = np.zeros((len(names), counts.shape[1]))
    np.add.at(per_service, inverse[plain], counts[plain])
    everything = per_service.sum(axis=0, keepdims=True)
    error_like = series.get_column("error_share").to_numpy() >= 0.5
    # A service that logs only its warnings and errors (its level set to WARN) has no traffic of
    # its own to weigh a statement's share against: a few lines before, all of them trouble. Its
    # statements are weighed against all lines instead, as its error lines are.
    routine = plain & ~error_like
    traffic = np.zeros(len(names))
    np.add.at(traffic, inverse[routine], counts[routine].sum(axis=1))
    logs_traffic = (traffic >= MIN_TRAFFIC)[inverse]
    parents = np.where((plain & logs_traffic)[:, None], per_service[inverse], everything)
    options = {"min_before": min_before, "extra_before": extra_before, "in_front": offset}
    rows = share_shifts(counts, parents, min_side=min_side, at=at, may_rise=error_like, may_fall=plain,
                        fall_within=error_like, **options)
    if jobs is not None and start is not None and at is None and jobs.any():
        fixed = share_shifts(counts[jobs], parents[jobs], min_side=min_side, at=start + offset,
                             may_rise=error_like[jobs], may_fall=plain[jobs], fall_within=error_like[jobs], **options)
        rows.g[jobs], rows.split[jobs], rows.rising[jobs] = fixed.g, fixed.split, fixed.rising
    if start is not None and fall_lead is not None:
        rows.g[error_like & ~rows.rising & (rows.split - offset < start - fall_lead)] = 0.0
    quiet = _silences(per_service, everything[0])
    # A service whose lines all rise together keeps every statement's share of them: it departs
    # by its lines' rate, where that jumps ``LOUDER`` times from a level it held (and their share
    # of all lines threefold: a database that logs only its slow statements). A shift of the
    # traffic's mix moves a service's rate a few times.
    n_services = len(names)
    louder = share_shifts(per_service, np.broadcast_to(everything, per_service.shape), min_side=min_side, at=at,
                          may_rise=np.full(n_services, n_services > 1), may_fall=np.zeros(n_services, dtype=bool),
                          min_before=min_before, extra_before=extra_before, rate_factor=LOUDER,
                          known_before=KNOWN_LINES)
    totals = np.where(plain, counts.sum(axis=1), -1.0)
    busiest = [int(np.argmax(np.where(inverse == i, totals, -2.0))) for i in range(len(names))]
    return pl.DataFrame(
        {
            "sid": np.concatenate([np.arange(len(services)), busiest, busiest]).astype(np.uint32),
            "service": np.concatenate([services, names, names]).astype(str),
            "scope": np.where(summary, "errors", "statement").tolist() + ["service"] * len(names) + ["volume"] * len(names),
            "g": np.concatenate([rows.g, quiet.g, louder.g]),
            "split": np.maximum(np.concatenate([rows.split, quiet.split, louder.split]) - offset, 0).astype(np.int32),
            "rising": np.concatenate([rows.rising, quiet.rising, louder.rising]),
        }
    )


def _silences(per_service: np.ndarray, everything: np.ndarray) -> Shifts:
    """Services that logged steadily (in ``QUIET_GAPS`` buckets or more) and then not at all until
    the end but for a few stray lines (``QUIET_STRAY_LINES``), for ``QUIET_GAPS`` times their
    longest gap before: split at the bucket after their last steady one, and the G-test of their
    share of all lines before it against after.

    >>> quiet = _silences(np.array([[3.0] * 10 + [1.0, 0] + [0.0] * 12]), np.array([10.0] * 24))
    >>> int(quiet.split[0]), bool(quiet.g[0] > 10)
    (11, True)
    """
    n = per_service.shape[1]
    g, split = np.zeros(per_service.shape[0]), np.full(per_service.shape[0], n // 2, dtype=np.int32)
    for row in range(per_service.shape[0]):
        lines = per_service[row]
        seen = np.flatnonzero(lines)
        if len(seen) < QUIET_GAPS:
            continue
        # Its last steady bucket: the first after which it said no more than a few stray lines
        # (a crash's last words, a probe's line, garbage on its stdout), next to the lines its
        # rate until then would have given.
        said = np.cumsum(lines)[seen]
        after = lines.sum() - said
        rate = said / (seen + 1)
        # The longest silence up to each line (the first counted from the start), and the next.
        longest_yet = np.maximum.accumulate(np.diff(seen, prepend=-1))
        next_gap = np.append(np.diff(seen), n - seen[-1])
        # Stray lines come apart from the steady ones: after a gap longer than any before it.
        stray = (after <= QUIET_STRAY_LINES) & (after <= QUIET_STRAY_SHARE * rate * (n - seen - 1)) & (next_gap > longest_yet)
        last = int(np.argmax(stray)) if stray.any() else len(seen) - 1
        stop = int(seen[last]) + 1
        if last + 1 < QUIET_GAPS:
            continue
        if n - stop < QUIET_GAPS * int(longest_yet[last]):
            continue
        k1, n1, n2 = lines[:stop].sum(), everything[:stop].sum(), everything[stop:].sum()
        if n2 > 0:
            g[row] = float(g_statistic(np.array([k1]), n1, np.array([lines[stop:].sum()]), n2)[0])
            split[row] = stop
    return Shifts(g, split, np.zeros(per_service.shape[0], dtype=bool))


def changes_at(
    counts: np.ndarray, sids: np.ndarray, splits: np.ndarray, *, baseline_counts: np.ndarray, baseline_buckets: float
) -> dict[str, np.ndarray]:
    """Series ``sids`` compared before and after their own ``splits``: ``before``, ``after``,
    ``rate_before``, ``rate_after`` (per bucket) and the change ``kind``."""
    n = counts.shape[1]
    cum = np.concatenate([np.zeros((counts.shape[0], 1)), np.cumsum(counts, axis=1)], axis=1)
    before = cum[sids, splits] + baseline_counts[sids]
    after = cum[sids, -1] - cum[sids, splits]
    rate_before = before / np.maximum(splits + baseline_buckets, 1e-12)
    rate_after = after / np.maximum(n - splits, 1e-12)
    kind = np.where(before == 0, NEW, np.where(after == 0, STOPPED, np.where(rate_after > rate_before, UP, DOWN)))
    return {"before": before, "after": after, "rate_before": rate_before, "rate_after": rate_after, "kind": kind}


def score_series(
    counts: np.ndarray, start: int, *, baseline_counts: np.ndarray, baseline_buckets: float
) -> pl.DataFrame:
    """For each series (row ``sid``): counts and rates per bucket before and after ``start``, the
    change kind, its likelihood ratio ``llr``, its size ``effect`` in [0, 1] (new and stopped are 1),
    ``score`` in [0, 1], and ``onset_bucket`` (where the change shows first).
    """
    n = counts.shape[1]
    change = changes_at(
        counts, np.arange(counts.shape[0]), np.full(counts.shape[0], start),
        baseline_counts=baseline_counts, baseline_buckets=baseline_buckets,
    )
    before, after, rate_before, rate_after, kind = (
        change[k] for k in ("before", "after", "rate_before", "rate_after", "kind")
    )
    t_before = start + baseline_buckets
    t_after = n - start
    llr = poisson_llr(before, t_before, after, t_after)
    ratio = np.log2((rate_after + 0.5 / t_after) / (rate_before + 0.5 / max(t_before, 1)))
    effect = np.where((before == 0) | (after == 0), 1.0, np.minimum(1.0, np.abs(ratio) / 3.0))
    significance = 1.0 - np.exp(-np.maximum(llr, 0.0) / 3.0)
    return pl.DataFrame(
        {
            "sid": np.arange(counts.shape[0], dtype=np.uint32),
            "before": before,
            "after": after,
            "rate_before": rate_before,
            "rate_after": rate_after,
            "kind": kind,
            "llr": llr,
            "effect": effect,
            "score": significance * effect,
            "onset_bucket": _onsets(counts, start, rate_before, kind),
        }
    )


def _onsets(counts: np.ndarray, start: int, rate_before: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """The first bucket from just before ``start`` where a series is outside its normal Poisson range.

    Rising series: first bucket above ``rate + 2 sqrt(rate) + 1``; falling ones: the bucket after
    their last record before going quiet (for stopped series) or the first bucket below
    ``rate - 2 sqrt(rate)``. Looking one bucket back lets an onset precede a split on a boundary.
    """
    lo = max(0, start - 1)
    window = counts[:, lo:]
    high = rate_before + 2.0 * np.sqrt(rate_before) + 1.0
    low = rate_before - 2.0 * np.sqrt(rate_before)
    rising = (kind == NEW) | (kind == UP)
    above = window > high[:, None]
    below = window < np.maximum(low, 0.5)[:, None]
    first_above = np.where(above.any(axis=1), above.argmax(axis=1), 0)
    first_below = np.where(below.any(axis=1), below.argmax(axis=1), 0)
    # Stopped: the bucket after the last one with a record (up to the split).
    seen = counts[:, : start + 1] > 0
    last_seen = np.where(seen.any(axis=1), seen.shape[1] - 1 - seen[:, ::-1].argmax(axis=1), lo)
    stopped = np.minimum(last_seen + 1, counts.shape[1] - 1)
    return np.where(rising, lo + first_above, np.where(kind == STOPPED, stopped, lo + first_below)).astype(np.int32)


def above_normal(expected: float) -> float:
    """The most records a Poisson count of ``expected`` holds in its normal range
    (``n + 2 sqrt(n) + 1``); for a statement never seen before (none expected), none: its
    first line is already out of the ordinary, however sparse its lines.

    >>> above_normal(4.0), above_normal(0.0)
    (9.0, 0.0)
    """
    return expected + 2.0 * expected**0.5 + 1.0 if expected > 0 else 0.0


def rising_onsets(counts: np.ndarray, sids: np.ndarray, splits: np.ndarray, rate_before: np.ndarray) -> np.ndarray:
    """For rising series, the first bucket of the run of excess counts that contains (or follows)
    their split: a split that best separates before from after may fall inside the rise, so the
    onset walks back while the buckets before it are still above the normal Poisson range.

    >>> rising_onsets(np.array([[1.0, 1, 1, 9, 9, 9, 9, 9]]), np.array([0]), np.array([5]), np.array([1.0]))
    array([3], dtype=int32)
    >>> rising_onsets(np.array([[0.0, 0, 1, 0, 1, 2, 1, 1]]), np.array([0]), np.array([2]), np.array([0.0]))
    array([2], dtype=int32)
    """
    n = counts.shape[1]
    found = np.empty(len(sids), dtype=np.int32)
    for i, (sid, split, rate) in enumerate(zip(sids, splits, rate_before, strict=True)):
        row = counts[sid]
        high = above_normal(float(rate))
        bucket = int(min(max(split, 0), n - 1))
        while bucket < n - 1 and row[bucket] <= high:
            bucket += 1
        while bucket > 0 and row[bucket - 1] > high:
            bucket -= 1
        found[i] = bucket
    return found
