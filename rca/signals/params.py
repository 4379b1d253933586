"""Numbers inside log lines to departures: a template's durations, latencies, pool waits, heap or
disk percentages and queue lengths shifting in distribution, while its line count stays the same.

A service that only slows down logs the same INFO lines as always, with larger numbers in them;
that is often the root's only trace. Each (service, template, position of a number) is a series
of values in time order. Its change point is found without assuming a distribution (Pettitt's
rank test), and the change is scored as the share of values beyond the normal range (above the
95th or below the 5th percentile of the values before the change) before and after it, with the
same 2x2 G-test as share shifts, so the two kinds of departure compare.

Counters and ids (order numbers, epoch stamps) trend with time already before any change: they
are left out, as are series with too few values or too few distinct ones.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta

import numpy as np
import polars as pl

# A number with an optional unit, as one whole token; durations are brought to seconds.
NUMERIC = r"^(-?\d+(?:\.\d+)?)(ms|us|µs|ns|s|sec|secs|seconds|min|mins|m|h|%|[KMGT]i?B?|[kmgt]b|B|bytes)?$"
_UNIT_SECONDS = {"ms": 1e-3, "milliseconds": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9, "s": 1.0, "sec": 1.0,
                 "secs": 1.0, "seconds": 1.0, "min": 60.0, "mins": 60.0, "minutes": 60.0, "m": 60.0, "h": 3600.0}
_UNITS = "ms|us|µs|ns|s|sec|secs|seconds|milliseconds|min|mins|minutes"
# A number as a whole token, once every delimiter is two spaces (a match takes the one after it
# and leaves the other to the next): the word before it when that has no digit, its unit stuck
# to it or as the next token.
_NUMBER_TOKEN = (
    r" (?:(?P<label>[^\s\d]+)  )?(?P<number>-?\d+(?:\.\d+)?)"
    r"(?P<unit>ms|us|µs|ns|s|sec|secs|seconds|min|mins|m|h|%|[KMGT]i?B?|[kmgt]b|B|bytes)?[.:]?"
    rf"(?:  (?P<after>{_UNITS})[.,:]?)? "
)
# Sizes are brought to bytes, so ``900M`` and ``1.1G`` in one position compare.
_SIZE_BYTES = {f"{p}{i}{b}": 1024.0 ** n if i else 1000.0 ** n
               for n, p in enumerate("KMGT", start=1) for i in ("", "i") for b in ("", "B")} | {
    "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "B": 1.0, "bytes": 1.0}
# What separates values from their neighbours: ``waiting=3``, ``(12 ms)``, ``[42]``, ``a, 7;``,
# ``617M->390M``.
_DELIMITERS = r"[\s,;()\[\]{}\"'=|]+|->"
# A clock reading in a line (a date and time, a time of day) is no measure: it rises with time
# by itself. Nor is a field named for a time (``"ts":1787098558.0``).
_CLOCK = (
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
)
_CLOCK_LABEL = r"(?i)^@?(?:ts|time|timestamp|datetime|date|logged_?at|event_?time)$"
# Measures sit near the start of a line; beyond this the numbers are data dumps (lists of items).
MAX_CHARS = 400
MIN_VALUES = 30
SAMPLE_PER_TEMPLATE = 1000
# Columns that, where given, split each series: by instance of its service (one pod's file of
# several: a fault in one replica moves half the values of the service, all of that one's), and
# by the callee a line names (a caller's calls to one of its callees slowed, not all its calls).
_INSTANCE = ("instance", "callee")
MIN_BEFORE = 20
MIN_AFTER = 5
# A series of fewer than ``MIN_VALUES`` (a gauge logged once a minute in a short log: disk use,
# a pool's size) counts from this many values, ``SPARSE_BEFORE`` of them before its change, where
# it stepped clean out of everything it did before: every value after the change beyond all of
# those before it (``_sparse_step``).
SPARSE_VALUES = 13
SPARSE_BEFORE = 8
# ... and where its median moved by this share of its size at least: a count of the last hour's
# orders going 165 -> 166 stepped out of its range, but by nothing.
SPARSE_SHIFT = 0.1
NORMAL_QUANTILE = 0.95
# The share of values beyond the normal range that makes a shift: half of them (the median moved
# out of the range that held 95 % of the values before).
MIN_BEYOND = 0.5
COUNTER_TREND = 0.8


def numbered_lines(records: pl.DataFrame) -> pl.DataFrame:
    """The lines ``numeric_values`` reads: timed ones that may hold a number, at most about
    ``SAMPLE_PER_TEMPLATE`` of each (service, template), spread over its lines; only the columns
    it reads (and ``_INSTANCE``). Reading them again picks them all."""
    # Lines without a variable hold no number, unless a structured record's fields do.
    has_numbers = pl.col("template").cast(pl.String).str.contains("<*>", literal=True) if "template" in records.columns else pl.lit(True)
    if "attributes" in records.columns:
        has_numbers = has_numbers | pl.col("attributes").is_not_null()
    # Only the columns read here are filtered (a filter copies what it keeps).
    wanted = [c for c in ("service", "template_id", "timestamp", "message", "attributes", *_INSTANCE) if c in records.columns]
    timed = (
        records.select(*wanted, _numbers=has_numbers)
        .filter(pl.col("timestamp").is_not_null() & pl.col("_numbers"))
        .drop("_numbers")
    )
    # A shift in distribution shows in a few thousand values as well as in a million: every k-th
    # line of a busy template is read, so the work does not grow with the lines.
    per_template = pl.len().over("service", "template_id")
    return timed.filter(pl.int_range(pl.len()).over("service", "template_id") % (per_template // SAMPLE_PER_TEMPLATE + 1) == 0)


def numeric_values(records: pl.DataFrame) -> pl.DataFrame:
    """One row per number in a line: ``service``, ``template_id``, ``position`` (which number of
    the line it is), ``label`` (the token before it, e.g. ``waiting`` of ``waiting=3``), ``timestamp``,
    ``value`` (durations in seconds, ``%`` dropped) and ``seconds`` (it was a duration), in time order.

    >>> frame = pl.DataFrame({"service": ["db"], "template_id": ["t"], "timestamp": [datetime(2026, 1, 1)],
    ...                       "message": ["query took 250ms (rows=3)"]})
    >>> numeric_values(frame).select("position", "value").rows()
    [(0, 0.25), (1, 3.0)]
    """
    instance = [c for c in _INSTANCE if c in records.columns]
    timed = numbered_lines(records)
    text = pl.col("message").str.slice(0, MAX_CHARS).str.replace_all(_CLOCK, " ")
    if "attributes" in timed.columns:
        # A structured record's fields (``"duration_ms":12``, ``latency=0.3``) hold its measures.
        fields = pl.col("attributes").str.slice(0, MAX_CHARS * 2).str.replace_all(_CLOCK, " ").str.replace_all(r"([\"\w]):", "$1 ")
        text = pl.when(pl.col("attributes").is_null()).then(text).otherwise(pl.concat_str(text, pl.lit(" "), fields))
    # Only the tokens that are numbers (with the word before them and a unit) come out of each
    # line: a pass of one regex, and a handful of rows per line instead of one per word.
    # The regexes run in the streaming engine, on all cores, a batch of lines at a time.
    matched = timed.lazy().select(
        "service", "template_id", "timestamp", *instance,
        match=pl.concat_str(pl.lit(" "), text.str.replace_all(_DELIMITERS, "  "), pl.lit(" ")).str.extract_all(_NUMBER_TOKEN),
    ).collect(engine="streaming")
    found = (
        matched.with_columns(length=pl.col("match").list.len())
        # Lines of a template whose count of numbers varies (lists of items) do not line their
        # numbers up: only lines with the template's usual count are read (the smallest of two as
        # usual: ``mode`` gives tied counts in no fixed order).
        .filter((pl.col("length") > 0) & (pl.col("length") == pl.col("length").mode().min().over("service", "template_id")))
        .with_columns(position=pl.int_ranges(pl.col("length")))
        .explode("match", "position")
    )
    # Each distinct token (a label and its number: a few in ten of them) is read once.
    groups = pl.col("match").str.extract_groups(_NUMBER_TOKEN)
    read = found.select(pl.col("match").unique()).select(
        "match",
        # A word names the number; punctuation (an access log's ``"-"``) does not.
        label=pl.when(groups.struct.field("label").str.contains(r"[A-Za-z]")).then(groups.struct.field("label").str.strip_chars_end(":.=")),
        number=groups.struct.field("number").cast(pl.Float64, strict=False),
        unit=pl.coalesce(groups.struct.field("unit").replace("", None), groups.struct.field("after")),
    ).filter(pl.col("number").is_not_null() & ~pl.col("label").fill_null("").str.contains(_CLOCK_LABEL))
    parts = found.join(read, on="match", maintain_order="left").select(
        "service", "template_id", "timestamp", "position", *instance, "label", "number", "unit"
    )
    # What a label says of its unit, worked out once per distinct label (a few hundred).
    said = parts.select(pl.col("label").unique().drop_nulls()).with_columns(said=label_unit(pl.col("label"))).drop_nulls("said")
    by_label = pl.col("label").replace_strict(said.get_column("label"), said.get_column("said"), default=None, return_dtype=pl.String)
    parts = parts.with_columns(unit=pl.coalesce("unit", by_label))
    factor = pl.col("unit").replace_strict(_UNIT_SECONDS | _SIZE_BYTES, default=1.0, return_dtype=pl.Float64)
    return (
        parts.select("service", "template_id", pl.col("position").cast(pl.Int32), "label", "timestamp", *instance,
                     value=pl.col("number") * factor, seconds=pl.col("unit").is_in(list(_UNIT_SECONDS)).fill_null(False))
        .sort("service", "template_id", "position", "timestamp")
    )


# A field's name may say that it holds a duration, and in what unit, where the value does not
# (``duration=0.12``, ``"latency_ms": 12``, ``elapsedMs=40``, ``request_time=0.3``).
_LABEL_UNIT = r"(?i)[_.-](ms|us|ns|s|sec|secs|seconds|millis|micros|nanos)$"
_CAMEL_UNITS = "Ms|Us|Ns|Sec|Secs|Seconds|Millis|Micros|Nanos"
_CAMEL_UNIT = rf"[a-z]({_CAMEL_UNITS})$"
_DURATION_WORD = (
    r"(?i)(?:^|[_.-])(?:duration|latency|elapsed|took|rtt|time[_-]?taken"
    r"|(?:response|request|upstream|connect|header|wait|waiting|processing|exec|execution|query|handling)[_-]?time"
    # nginx's usual names for $request_time and the upstream's times in a log_format.
    r"|rt|urt|uct|uht)$"
)
_LONG_UNITS = {"millis": "ms", "micros": "us", "nanos": "ns"}


def label_unit(label: pl.Expr) -> pl.Expr:
    """The time unit a number's field name gives it (None if it gives none): a unit at its end
    (``duration_ms``, ``latencyMs``), else seconds for a name that means a duration (``duration``,
    ``elapsed``, ``response_time``), as logfmt and JSON loggers write them.

    >>> pl.select(label_unit(pl.Series(["duration_ms", "latencyMs", "elapsed", "urt", "retries", "items", None]))).to_series().to_list()
    ['ms', 'ms', 's', 's', None, None, None]
    """
    suffix = pl.coalesce(label.str.extract(_LABEL_UNIT, 1), label.str.extract(_CAMEL_UNIT, 1)).str.to_lowercase()
    suffix = suffix.replace(_LONG_UNITS)
    without = label.str.replace(_LABEL_UNIT, "").str.replace(rf"(?:{_CAMEL_UNITS})$", "")
    return pl.coalesce(suffix, pl.when(label.str.contains(_DURATION_WORD) | without.str.contains(_DURATION_WORD)).then(pl.lit("s")))


def pettitt(values: np.ndarray) -> tuple[int, float]:
    """The most likely change point of ``values`` (the index where the second part starts) and
    Pettitt's statistic ``K`` normalised to a chi-squared-like score ``12 K^2 / (n^3 + n^2)``.

    >>> pettitt(np.array([1.0, 2, 1, 2, 1, 9, 8, 9, 8, 9]))
    (5, 6.818182)
    """
    n = len(values)
    ranks = _ranks(values)
    u = 2.0 * np.cumsum(ranks)[:-1] - np.arange(1, n) * (n + 1)
    k = int(np.argmax(np.abs(u)))
    return k + 1, round(float(12.0 * u[k] ** 2 / (n**3 + n**2)), 6)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties given their average rank (as ``scipy.stats.rankdata``, without importing
    scipy.stats, which takes most of a second).

    >>> _ranks(np.array([10.0, 30, 20, 20])).tolist()
    [1.0, 4.0, 2.5, 2.5]
    """
    order = np.argsort(values, kind="mergesort")
    _, first, counts = np.unique(values[order], return_index=True, return_counts=True)
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    return ranks


def _two_values_at_most(values: np.ndarray) -> bool:
    """Whether ``values`` hold fewer than three distinct values (a flag, a constant), without sorting them.

    >>> _two_values_at_most(np.array([0.0, 1, 1, 0])), _two_values_at_most(np.array([0.0, 1, 2]))
    (True, False)
    """
    low, high = values.min(), values.max()
    return not bool(((values != low) & (values != high)).any())


def _spearman(values: np.ndarray) -> float:
    if len(values) < 3 or np.all(values == values[0]):
        return 0.0
    return float(np.corrcoef(np.arange(len(values)), _ranks(values))[0, 1])


# Replicas that log to one place each count on from their own number: their values interleave
# as a few climbing runs (``num_gc=120284``, ``86621``, ``120323``, ``86662``...).
MAX_COUNTERS = 3
COUNTER_DISTINCT = 0.5


def _counter(values: np.ndarray) -> bool:
    """Whether ``values`` (those before a change) trend with time, or are a few counters at most
    interleaved: they split into no more than ``MAX_COUNTERS`` runs that never fall (as many as
    the longest run that only falls, Mirsky's theorem). A gauge's values, going both ways, need
    about twice the square root of their number.

    >>> _counter(np.array([120284.0, 86621, 120323, 86662, 120363, 86704]) + np.arange(6))
    True
    >>> _counter(np.array([5.0, 9, 2, 7, 3, 8, 1, 6, 4, 9, 2, 5])), _counter(np.array([0.0, 0, 1, 0, 0, 1, 0, 0]))
    (False, False)
    """
    if abs(_spearman(values)) >= COUNTER_TREND:
        return True
    # A counter moves on between most of its lines: a gauge at rest (a pool's ``waiting=0``, now
    # and then 1) has few values, in runs that never fall too.
    if np.unique(values).size < COUNTER_DISTINCT * len(values):
        return False
    # The longest strictly falling run, by patience sorting on the negated values.
    tails: list[float] = []
    for value in -values:
        at = bisect.bisect_left(tails, value)
        if at == len(tails):
            if at >= MAX_COUNTERS:
                return False
            tails.append(value)
        else:
            tails[at] = value
    return True


def _shift(
    values: np.ndarray, *, min_before: int = MIN_BEFORE, counters: bool = True, log_spread: float | None = None,
    min_beyond: float = MIN_BEYOND, duration: bool = False, tail: bool = True,
) -> tuple[int, float, bool, float, float] | None:
    """``(split, g, rising, threshold, beyond share after)`` of one series, or None where it did
    not move out of its normal range (or is a counter). ``log_spread``: score by how far the
    median moved in log scale instead (``log_median_shift``), for durations. ``duration``: the
    values are durations, which also count as shifted when they grew by ``SLOWER`` and clearly
    (``slower_by``), though most stay in their normal range. ``tail``: a growing tail of
    values above the normal range counts too (``_tail``)."""
    split, _ = pettitt(values)
    before, after = values[:split], values[split:]
    if len(before) < min_before or len(after) < MIN_AFTER:
        return None
    high, low = np.quantile(before, [NORMAL_QUANTILE, 1 - NORMAL_QUANTILE])
    rising = np.median(after) > np.median(before)
    beyond_before = (before > high) if rising else (before < low)
    beyond_after = (after > high) if rising else (after < low)
    share = float(beyond_after.mean())
    slower = slower_by(before, after) if share < min_beyond and duration and log_spread is None else None
    grew = _tail(before, after) if tail and share < min_beyond and slower is None and rising and log_spread is None else None
    # Most series do not move: whether one is a counter is asked only of those that did.
    if (share < min_beyond and slower is None and grew is None) or (counters and _counter(before)):
        return None
    if slower is not None:
        return split, slower, True, float(high), share
    if grew is not None:
        g, top, grown = grew
        return split, g, True, top, grown
    if log_spread is not None:
        g = log_median_shift(before, after, floor=log_spread)
        if not np.isfinite(g):
            return None
    else:
        g = _beyond_g(beyond_before, beyond_after)
    return split, g, bool(rising), float(high if rising else low), share


# The top of a series' normal range, and the share of its values after a change above it that
# makes its tail grow: a fifth of requests slower than all but one in a hundred were (lost
# packets resent after a second or three, a lock held), though the median hardly moved.
TAIL_QUANTILE = 0.99
TAIL_SHARE = 0.2


def _sparse_step(values: np.ndarray, *, counters: bool = True) -> tuple[int, float, bool, float, float] | None:
    """``_shift`` for a series too short for its normal range to be known: ``(split, g, rising,
    bound, 1.0)`` where every value after the change lies beyond every value before it (the
    bound: their largest, or smallest) and the median moved by ``SPARSE_SHIFT`` of its size at
    least, else None. By chance alone that happens about once in a
    thousand series of ``SPARSE_BEFORE`` and ``MIN_AFTER`` values, whichever split is picked.

    >>> disk = np.array([67.6, 67.5, 67.5, 67.6, 67.5, 67.5, 67.7, 67.5, 68.6, 71.4, 74.3, 77.2, 80.0, 82.8, 85.7])
    >>> split, g, rising, bound, share = _sparse_step(disk)
    >>> split, g > 10, rising, bound
    (8, True, True, 67.7)
    >>> _sparse_step(np.array([5.0, 9, 2, 7, 3, 8, 1, 6, 4, 9, 2, 5, 7, 3]))
    >>> _sparse_step(np.array([164.0, 165, 165, 164, 165, 165, 164, 165, 166, 166, 166, 166, 166, 166]))
    """
    split, _ = pettitt(values)
    before, after = values[:split], values[split:]
    if len(before) < SPARSE_BEFORE or len(after) < MIN_AFTER:
        return None
    normal, incident = float(np.median(before)), float(np.median(after))
    rising = incident > normal
    bound = float(before.max() if rising else before.min())
    beyond = (after > bound) if rising else (after < bound)
    if not beyond.all() or abs(incident - normal) < SPARSE_SHIFT * max(abs(normal), abs(incident)):
        return None
    # Whether it is a counter is asked only of a series that stepped, as ``_shift`` does.
    if counters and _counter(before):
        return None
    return split, _beyond_g(np.zeros(len(before), dtype=bool), beyond), rising, bound, 1.0


def _beyond_g(beyond_before: np.ndarray, beyond_after: np.ndarray) -> float:
    """The 2x2 G-test of the share of values beyond a bound before a change and after it."""
    from rca.signals.detect import g_statistic

    return float(g_statistic(np.array([float(beyond_before.sum())]), float(len(beyond_before)),
                             np.array([float(beyond_after.sum())]), float(len(beyond_after)))[0])


def _tail(before: np.ndarray, after: np.ndarray) -> tuple[float, float, float] | None:
    """``(g, threshold, share)`` where the values after a change went above the top of the
    normal range (``TAIL_QUANTILE``) ``TAIL_SHARE`` of the time or more; None otherwise.

    >>> rng = np.random.default_rng(1)
    >>> before = rng.normal(30.0, 5.0, 500)
    >>> after = np.concatenate([rng.normal(32.0, 5.0, 150), rng.normal(3000.0, 50.0, 50)])
    >>> g, threshold, share = _tail(before, after)
    >>> round(share, 1), g > 100, _tail(before, rng.normal(31.0, 5.0, 200))
    (0.3, True, None)
    """
    top = float(np.quantile(before, TAIL_QUANTILE))
    over = after > top
    share = float(over.mean())
    if share < TAIL_SHARE:
        return None
    return _beyond_g(before > top, over), top, share


# A duration's resolution in most logs (a millisecond): shorter values are all alike.
RESOLUTION_S = 1e-3
# Work that takes this much longer than it did is slower, however much its times varied before
# (a busy host's CPU stretches every request a little: most stay in their old range).
SLOWER = 1.5
# How clearly (``log_median_shift``, a chi-squared-like score: five standard errors) and how far
# from a common spread (request times vary by a factor of e ** 0.47 = 1.6 at least).
SLOWER_SCORE = 25.0
SLOWER_SPREAD = 0.47


def slower_by(before: np.ndarray, after: np.ndarray) -> float | None:
    """``log_median_shift`` of durations that grew by ``SLOWER`` at least and by
    ``SLOWER_SCORE``, else None.

    >>> rng = np.random.default_rng(1)
    >>> slower_by(rng.lognormal(np.log(0.05), 0.3, 200), rng.lognormal(np.log(0.09), 0.3, 200)) > SLOWER_SCORE
    True
    >>> slower_by(rng.lognormal(np.log(0.05), 0.3, 200), rng.lognormal(np.log(0.06), 0.3, 200)) is None
    True
    """
    grew = (np.median(after) + RESOLUTION_S) / (np.median(before) + RESOLUTION_S)
    if grew < SLOWER:
        return None
    score = log_median_shift(before, after, floor=SLOWER_SPREAD)
    return score if score >= SLOWER_SCORE else None


def log_median_shift(before: np.ndarray, after: np.ndarray, *, floor: float) -> float:
    """How clearly durations moved, as a chi-squared-like score (z squared, comparable with a
    G-test's): the shift of the median of ``log(value + RESOLUTION_S)``, over its standard error
    from each side's spread (scaled median absolute deviation, at least ``floor``: request times
    vary by a factor of ``e ** floor`` however steady a few values look).

    A handful of normal values then suffices for a jump of orders of magnitude, which a test on
    ranks or shares alone cannot tell from chance with so few.

    >>> round(log_median_shift(np.array([0.008, 0.009, 0.007]), np.full(14, 1.0), floor=0.5), 1)
    139.7
    """
    # A duration below zero (two hosts' clocks disagreeing) counts as no time; the log would be NaN.
    logs_before = np.log(np.maximum(before, 0.0) + RESOLUTION_S)
    logs_after = np.log(np.maximum(after, 0.0) + RESOLUTION_S)

    def spread(logs: np.ndarray) -> float:
        return max(floor, 1.4826 * float(np.median(np.abs(logs - np.median(logs)))))

    # The variance of a median is about pi/2 times that of a mean.
    error = np.sqrt(np.pi / 2 * (spread(logs_before) ** 2 / len(before) + spread(logs_after) ** 2 / len(after)))
    return float(((np.median(logs_after) - np.median(logs_before)) / error) ** 2)


def _onset_index(values: np.ndarray, split: int, threshold: float, rising: bool, share: float, *, window: int = 5) -> int:
    """The first value, from a little before the change point, that starts a run mostly beyond
    ``threshold`` (3 of the next ``window``) and looks like what follows the change (of the next
    two windows' values, at least three quarters of ``share``, the share beyond it after the
    change, are): one normal outlier, or a few of a normal tail together, is not the onset.

    >>> tail = np.array([1.0, 1, 5, 1, 5, 1, 5, 1, 1, 1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5])
    >>> _onset_index(tail, 10, 4.0, True, 1.0)
    10
    """
    beyond = (values > threshold) if rising else (values < threshold)
    need = min(3, max(1, len(values) - split))
    for i in range(max(0, split - 2 * window), len(values)):
        if beyond[i] and beyond[i : i + window].sum() >= need and beyond[i : i + 2 * window].mean() >= 0.75 * share:
            return i
    return split


def param_shifts(
    values: pl.DataFrame, *, origin: datetime, bucket: timedelta, min_values: int = MIN_VALUES, min_before: int = MIN_BEFORE,
    counters: bool = True, log_spread: float | None = None, min_beyond: float = MIN_BEYOND,
) -> pl.DataFrame:
    """Series of ``numeric_values`` (of at least ``min_values``, ``min_before`` of them before the
    change; ``counters``: values may be counters, left out when they trend before it;
    ``log_spread``: scored as durations, ``log_median_shift``; ``min_beyond``: the share of values
    after the change beyond the normal range that makes a shift) whose values
    moved out of their normal range: ``service``,
    ``template_id``, ``position``, ``label``, ``seconds``, ``g``, ``rising``, ``split`` (bucket of the onset), ``onset``
    (the first record of the shift), ``normal`` and ``incident`` (medians before and after),
    ``beyond`` (share of values beyond the normal range after the change), ``n``."""
    rows = []
    keys = ["service", "template_id", "position", *(c for c in _INSTANCE if c in values.columns)]
    # Each series' values are a slice of one array (the values put in order of their series, in
    # the order the series first appear): no Python object is made for each value.
    ordered = values.with_row_index("_i").sort(keys, maintain_order=True, nulls_last=True)
    groups = (
        ordered.with_row_index("_at")
        .group_by(keys, maintain_order=True)
        .agg(pl.col("_at").first(), pl.len().alias("_n"), pl.col("_i").first(), pl.col("label").first(), pl.col("seconds").any())
        .sort("_i")
    )
    all_values = ordered.get_column("value").to_numpy().astype(np.float64)
    stamps = ordered.get_column("timestamp")
    for row in groups.filter(pl.col("_n") >= min(min_values, SPARSE_VALUES)).iter_rows(named=True):
        series = all_values[row["_at"] : row["_at"] + row["_n"]]
        if _two_values_at_most(series[: min_values * 4]) and _two_values_at_most(series):
            continue
        if len(series) < min_values:
            step = _sparse_step(series, counters=counters)
            if step is not None:
                rows.append(_shift_row(row, series, stamps, step, origin=origin, bucket=bucket))
            continue
        # A tail counts for times (a duration, or a number no word names, as an access line's
        # last field): a gauge's tail (a heap, a queue) grows with the load. And not for a
        # caller's calls to one callee, which slowed on the caller's way out as likely (its own
        # lost packets): only the service's own lines count so.
        timed = bool(row["seconds"]) or not row["label"]
        found = _shift(series, min_before=min_before, counters=counters, log_spread=log_spread, min_beyond=min_beyond,
                       duration=bool(row["seconds"]), tail=timed and row.get("callee") is None)
        if found is None:
            continue
        rows.append(_shift_row(row, series, stamps, found, origin=origin, bucket=bucket))
    # A structured record's message is also in its fields: the same numbers twice are one series.
    rows = list({(r["service"], r["template_id"], r["instance"], r["callee"], r["label"], r["onset"], r["normal"], r["incident"]): r
                 for r in rows}.values())
    schema = {"service": pl.String, "template_id": pl.String, "position": pl.Int32, "instance": pl.String, "callee": pl.String,
              "label": pl.String,
              "seconds": pl.Boolean, "g": pl.Float64,
              "rising": pl.Boolean, "split": pl.Int32, "onset": values.schema["timestamp"], "normal": pl.Float64,
              "incident": pl.Float64, "beyond": pl.Float64, "n": pl.Int64}
    return pl.DataFrame(rows, schema=schema).sort(["g", "service"], descending=[True, False])


def _shift_row(
    row: dict[str, object], series: np.ndarray, stamps: pl.Series, found: tuple[int, float, bool, float, float], *,
    origin: datetime, bucket: timedelta,
) -> dict[str, object]:
    """One row of ``param_shifts`` for a series (``row`` of its groups) whose values shifted (``found``)."""
    split, g, rising, threshold, share = found
    onset = stamps[row["_at"] + _onset_index(series, split, threshold, rising, share)]  # type: ignore[operator]
    return {
        "service": row["service"], "template_id": row["template_id"], "position": row["position"],
        "instance": row.get("instance"), "callee": row.get("callee"),
        "label": row["label"] or f"value {row['position'] + 1}", "seconds": row["seconds"], "g": g,  # type: ignore[operator]
        "rising": rising, "split": int((onset - origin) / bucket), "onset": onset,
        "normal": float(np.median(series[:split])), "incident": float(np.median(series[split:])),
        "beyond": round(share, 4), "n": len(series),
    }
