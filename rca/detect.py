"""Series to anomalies: where the incident starts, and how far each series departs from its normal.

Counts are compared with a two-rate Poisson likelihood ratio (normal rate vs incident rate),
which knows that 3 -> 0 lines means less than 300 -> 0, and is not fooled by a service that
logs errors all the time: only a change of rate scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

# Change kinds, as shown to users.
NEW, UP, DOWN, STOPPED = "new", "up", "down", "stopped"


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
    # Imported here: scipy takes a fifth of a second to import, and only analyze needs it.
    from scipy.special import xlogy

    total = before + after
    span = t_before + t_after
    return (
        xlogy(before, before / np.maximum(t_before, 1e-12))
        + xlogy(after, after / np.maximum(t_after, 1e-12))
        - xlogy(total, total / np.maximum(span, 1e-12))
    )


def find_incident_start(
    counts: np.ndarray, error_share: np.ndarray, *, baseline_counts: np.ndarray, baseline_buckets: float,
    min_side: int,
) -> IncidentStart:
    """The split of the grid that best separates normal from incident.

    First from error-like series that rise or appear (new error templates are the clearest mark
    of an incident, while total volume shifts with the traffic mix); if none rises, from every
    series, in both directions. Each side keeps at least ``min_side`` buckets.
    """
    n = counts.shape[1]
    if n < 2 * min_side + 1:
        return IncidentStart(n // 2, "too-short", 0.0)
    splits = np.arange(min_side, n - min_side + 1)
    cum = np.concatenate([np.zeros((counts.shape[0], 1)), np.cumsum(counts, axis=1)], axis=1)
    before = cum[:, splits] + baseline_counts[:, None]
    after = cum[:, -1:] - cum[:, splits]
    t_before = splits[None, :] + baseline_buckets
    t_after = (n - splits)[None, :]
    llr = poisson_llr(before, t_before, after, t_after)
    rising = after / t_after > before / t_before
    errorlike = (error_share >= 0.5)[:, None]
    by_errors = np.where(rising & errorlike, llr, 0.0).sum(axis=0)
    if by_errors.max(initial=0.0) >= 3.0:
        best = int(np.argmax(by_errors))
        return IncidentStart(int(splits[best]), "errors", float(by_errors[best]))
    by_volume = llr.sum(axis=0)
    best = int(np.argmax(by_volume))
    return IncidentStart(int(splits[best]), "volume", float(by_volume[best]))


def score_series(
    counts: np.ndarray, start: int, *, baseline_counts: np.ndarray, baseline_buckets: float
) -> pl.DataFrame:
    """For each series (row ``sid``): counts and rates per bucket before and after ``start``, the
    change kind, its likelihood ratio ``llr``, its size ``effect`` in [0, 1] (new and stopped are 1),
    ``score`` in [0, 1], and ``onset_bucket`` (where the change shows first).
    """
    n = counts.shape[1]
    before = counts[:, :start].sum(axis=1) + baseline_counts
    after = counts[:, start:].sum(axis=1)
    t_before = start + baseline_buckets
    t_after = n - start
    rate_before = before / max(t_before, 1e-12)
    rate_after = after / max(t_after, 1e-12)
    llr = poisson_llr(before, t_before, after, t_after)
    kind = np.where(
        before == 0, NEW, np.where(after == 0, STOPPED, np.where(rate_after > rate_before, UP, DOWN))
    )
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
