"""One frozen dataclass holds every setting; the CLI builds it from flags, tests build it directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Settings:
    """Settings for reading and template mining.

    ``log_format`` uses Loghub's placeholder syntax (``<Date> <Time> <Level> <Content>``) and
    overrides format detection; ``timestamp_format`` is a strftime/chrono format for the
    timestamp text. ``since``/``until`` are timezone-aware UTC datetimes (or None). ``tz`` is the
    time zone of timestamps without one (an IANA name such as ``Europe/Paris``).
    """

    log_format: str | None = None
    timestamp_format: str | None = None
    service_pattern: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    year: int | None = None
    tz: str = "UTC"  # the zone of timestamps that do not say theirs (--tz)
    # Drain: similarity threshold and parse-tree depth (see README for how they were chosen).
    sim_threshold: float = 0.7
    tree_depth: int = 5
    max_children: int = 100
    sample_lines: int = 400
    # Analysis: bucket size (None: chosen from the time span), a known incident start, known-good
    # logs to compare with, and the smallest anomaly score that counts.
    bucket: timedelta | None = None
    incident_start: datetime | None = None
    baseline: tuple[str, ...] = ()
    min_score: float = 0.5
    top: int = 5
    # Where reading and masking run: None in this process, else a Dask scheduler's address
    # (``tcp://host:8786``) whose workers read the sources, a shard each (see ``rca.mine.shards``).
    scheduler: str | None = None
