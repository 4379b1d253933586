"""Timestamps: each record's time text read by its layout's shape, in UTC.

Times without a zone are in ``tz`` (UTC unless ``--tz`` says otherwise); shapes without a year
take ``year``, and a time more than a day after ``reference`` (the file's modification time)
is last year's. Each layout's lines are parsed together, so the work is one pass per layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from rca.read.choose import Plan
from rca.read.timestamps import SHAPES, UTC_DATETIME, direct_format, parse_column, roll_back_future_years
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
    reference: datetime | None,
    timestamp_format: str | None = None,
    chosen: dict[tuple[str, int], str | None] | None = None,
) -> tuple[pl.Series, TimeFacts]:
    """The UTC time of every row of ``frame`` (from ``outer_ts`` where a wrapper gave one, else
    ``ts``), and what was assumed. ``chosen`` keeps each layout's direct format from one chunk of
    a source to the next."""
    chosen = {} if chosen is None else chosen
    options = {"year": year, "tz": tz, "reference": reference, "chosen": chosen}
    outer, facts = _by_layout(frame, "outer_ts", "outer", plan, **options)  # type: ignore[arg-type]
    inner, more = _by_layout(frame, "ts", "layout", plan, timestamp_format=timestamp_format, **options)  # type: ignore[arg-type]
    return pl.select(pl.coalesce(pl.lit(outer), pl.lit(inner))).to_series().alias("ts"), facts + more


def _by_layout(
    frame: pl.DataFrame,
    column: str,
    index: str,
    plan: Plan,
    *,
    year: int,
    tz: str,
    reference: datetime | None,
    chosen: dict[tuple[str, int], str | None],
    timestamp_format: str | None = None,
) -> tuple[pl.Series, TimeFacts]:
    out = pl.Series(column, [None] * frame.height, dtype=UTC_DATETIME)
    facts = TimeFacts()
    if column not in frame.columns:
        return out, facts
    ids = frame.get_column(index)
    text = frame.get_column(column)
    layouts = plan.all
    for layout_id in ids.drop_nulls().unique().to_list():
        layout = layouts[layout_id]
        if layout.timestamp is None or SHAPES[layout.timestamp].date_missing:
            continue  # no time, or a time of day alone: it cannot be placed (a wrapper may give one)
        rows = ((ids == layout_id) & text.is_not_null()).fill_null(False)
        if not rows.any():
            continue
        values = text.filter(rows)
        shape = SHAPES[layout.timestamp]
        user = timestamp_format if layout.spec is not None and layout.name == "user" else None
        key = (column, layout_id)
        if key not in chosen:
            chosen[key] = None if user else direct_format(values.drop_nulls().head(200), shape, year=year, tz=tz)
        parsed = parse_column(values, shape, year=year, tz=tz, user_format=user, direct=chosen[key])
        if shape.year_missing and reference is not None and user is None:
            parsed = pl.select(roll_back_future_years(pl.lit(parsed), reference=reference)).to_series()
        out = out.scatter(rows.arg_true(), parsed)
        # Whether times carry a zone is judged on a few of them: a layout writes them all alike.
        zoned = not shape.epoch and values.head(50).str.contains(_ZONED).all()
        facts += TimeFacts(
            zoneless=0 if shape.epoch or zoned else values.len(),
            yearless=values.len() if (shape.year_missing or (user and not re.search(r"%[YyGCsc+DFx]", user))) else 0,
            day_month_unsure=values.len() if shape.name == "mdy" and user is None and _order_unsure(values) else 0,
        )
    return out, facts


def _order_unsure(values: pl.Series) -> bool:
    """No date has a first or second number above 12: month/day and day/month both read them."""
    parts = values.str.extract_groups(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/")
    first = parts.struct.field("a").cast(pl.Int32, strict=False)
    second = parts.struct.field("b").cast(pl.Int32, strict=False)
    return bool((first.max() or 0) <= 12 and (second.max() or 0) <= 12)
