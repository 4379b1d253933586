"""Timestamps: each record's time text read by its layout's shape, in UTC.

Times without a zone are in ``tz`` (UTC unless ``--tz`` says otherwise); shapes without a year
take ``year``, and a time more than a day after ``reference`` (the file's modification time)
is last year's. Each layout's lines are parsed together, so the work is one pass per layout.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from rca.read.choose import Plan
from rca.read.timestamps import SHAPES, UTC_DATETIME, Shape, direct_format, parse_column, roll_back_future_years
from rca.read.words import ZONE_WORD

_ZONED = rf"(?:Z|[+-]\d{{2}}:?\d{{2}}| {ZONE_WORD})\s*$"


@dataclass(frozen=True, slots=True)
class TimeFacts:
    """What reading the times of one chunk found: records read without a zone (so in ``tz``), and
    records whose shape has no year."""

    zoneless: int = 0
    yearless: int = 0
    day_month_unsure: int = 0  # dates like 03/04/2026 read month first, none having a day above 12

    def __add__(self, other: TimeFacts) -> TimeFacts:
        return TimeFacts(
            self.zoneless + other.zoneless, self.yearless + other.yearless, self.day_month_unsure + other.day_month_unsure
        )


def read_times(
    frame: pl.DataFrame,
    plan: Plan,
    *,
    year: int,
    tz: str,
    references: Sequence[datetime | None],
    timestamp_format: str | None = None,
    chosen: dict[tuple[str, int], str | None] | None = None,
) -> tuple[pl.Series, dict[int, TimeFacts]]:
    """The UTC time of every row of ``frame`` (from ``outer_ts`` where a wrapper gave one, else
    ``ts``), and what was assumed, per source. ``chosen`` keeps each layout's direct format from
    one chunk of a source to the next.

    ``frame`` may hold the lines of several sources read together, numbered by its ``file``
    column; ``references`` holds each one's modification time (or None, with ``--year``).
    """
    chosen = {} if chosen is None else chosen
    options = {"year": year, "tz": tz, "references": references, "chosen": chosen}
    outer, facts = _by_layout(frame, "outer_ts", "outer", plan, **options)  # type: ignore[arg-type]
    inner, more = _by_layout(frame, "ts", "layout", plan, timestamp_format=timestamp_format, **options)  # type: ignore[arg-type]
    for file, found in more.items():
        facts[file] = facts.get(file, TimeFacts()) + found
    return pl.select(pl.coalesce(pl.lit(outer), pl.lit(inner))).to_series().alias("ts"), facts


def _by_layout(
    frame: pl.DataFrame,
    column: str,
    index: str,
    plan: Plan,
    *,
    year: int,
    tz: str,
    references: Sequence[datetime | None],
    chosen: dict[tuple[str, int], str | None],
    timestamp_format: str | None = None,
) -> tuple[pl.Series, dict[int, TimeFacts]]:
    out = pl.Series(column, [], dtype=UTC_DATETIME).extend_constant(None, frame.height)
    facts: dict[int, TimeFacts] = {}
    if column not in frame.columns:
        return out, facts
    ids = frame.get_column(index)
    text = frame.get_column(column)
    files = frame.get_column("file") if "file" in frame.columns else None
    layouts = plan.all
    for layout_id in ids.drop_nulls().unique().to_list():
        layout = layouts[layout_id]
        if layout.timestamp is None or SHAPES[layout.timestamp].date_missing:
            continue  # no time, or a time of day alone: it cannot be placed (a wrapper may give one)
        rows = ((ids == layout_id) & text.is_not_null()).fill_null(False)
        count = rows.sum()
        if not count:
            continue
        every = count == frame.height  # a source in one layout: nothing to pick out or put back
        values = text if every else text.filter(rows)
        of_file = (files if every else files.filter(rows)) if files is not None else None
        shape = SHAPES[layout.timestamp]
        user = timestamp_format if layout.spec is not None and layout.name == "user" else None
        key = (column, layout_id)
        if key not in chosen:
            chosen[key] = None if user else direct_format(values.drop_nulls().head(200), shape, year=year, tz=tz)
        parsed = parse_column(values, shape, year=year, tz=tz, user_format=user, direct=chosen[key])
        if shape.year_missing and references[0] is not None and user is None:
            reference = references[0] if of_file is None else pl.lit(pl.Series(references, dtype=UTC_DATETIME).gather(of_file))
            parsed = pl.select(roll_back_future_years(pl.lit(parsed), reference=reference)).to_series()  # type: ignore[arg-type]
        out = parsed.alias(column) if every else out.scatter(rows.arg_true(), parsed)
        for file, found in _facts(values, of_file, shape, user).items():
            facts[file] = facts.get(file, TimeFacts()) + found
    return out, facts


def _facts(values: pl.Series, files: pl.Series | None, shape: Shape, user: str | None) -> dict[int, TimeFacts]:
    """What reading ``values`` (the times one layout read) assumed, per source (``files``)."""
    ts = pl.col("ts")
    # Whether times carry a zone is judged on a few of them: a layout writes them all alike.
    aggregates = [pl.len().alias("n"), ts.head(50).str.contains(_ZONED).all().alias("zoned")]
    mdy = shape.name == "mdy" and user is None
    if mdy:
        # No date has a first or second number above 12: month/day and day/month both read them.
        parts = ts.str.extract_groups(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/")
        aggregates += [parts.struct.field(g).cast(pl.Int32, strict=False).max().fill_null(0).alias(g) for g in "ab"]
    if files is None:
        table = pl.DataFrame({"ts": values}).select(pl.lit(0).alias("file"), *aggregates)
    else:
        table = pl.DataFrame({"file": files, "ts": values}).group_by("file").agg(aggregates)
    yearless = shape.year_missing or bool(user and not re.search(r"%[YyGCsc+DFx]", user))
    out = {}
    for row in table.iter_rows(named=True):
        n = row["n"]
        out[row["file"]] = TimeFacts(
            zoneless=0 if shape.epoch or row["zoned"] else n,
            yearless=n if yearless else 0,
            day_month_unsure=n if mdy and row["a"] <= 12 and row["b"] <= 12 else 0,
        )
    return out
