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
from rca.read.timestamps import SHAPES, UTC_DATETIME, Shape, direct_format, parse_column, roll_back_future_years, zone_minutes
from rca.read.words import ZONE_WORD

# The zone a time ends with (its text the first group): Z, +05:30, -0800 or a zone word.
_ZONED = rf"(Z|[+-]\d{{2}}:?\d{{2}}| {ZONE_WORD})\s*$"


@dataclass(frozen=True, slots=True)
class TimeFacts:
    """What reading the times of one chunk found: records read without a zone (so in ``tz``), and
    records whose shape has no year."""

    zoneless: int = 0
    yearless: int = 0
    day_month_unsure: int = 0  # dates like 03/04/2026 read month first, none having a day above 12
    zone_of_file: int = 0  # times without a zone read in the zone of their file's other lines

    def __add__(self, other: TimeFacts) -> TimeFacts:
        return TimeFacts(
            self.zoneless + other.zoneless, self.yearless + other.yearless, self.day_month_unsure + other.day_month_unsure,
            self.zone_of_file + other.zone_of_file,
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
    outer, facts, _ = _by_layout(frame, "outer_ts", "outer", plan, **options)  # type: ignore[arg-type]
    inner, more, zoned = _by_layout(frame, "ts", "layout", plan, timestamp_format=timestamp_format, **options)  # type: ignore[arg-type]
    remembered = any(key[0] == "zone of file" and value for key, value in chosen.items())
    if tz == "UTC" and timestamp_format is None and False in zoned.values() and (True in zoned.values() or remembered):
        inner, moved = _zone_of_file(frame, inner, zoned, chosen)
        for file, n in moved.items():
            more[file] = more[file] + TimeFacts(zoneless=-n, zone_of_file=n)
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
) -> tuple[pl.Series, dict[int, TimeFacts], dict[int, bool | None]]:
    """The times ``column`` holds, read by each row's layout (``index``), what was assumed per
    source, and whether each layout's times say their zone (None: epoch times, in UTC)."""
    out = pl.Series(column, [], dtype=UTC_DATETIME).extend_constant(None, frame.height)
    facts: dict[int, TimeFacts] = {}
    zoned: dict[int, bool | None] = {}
    if column not in frame.columns:
        return out, facts, zoned
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
        zoned[layout_id] = None if shape.epoch else bool(values.head(50).str.contains(_ZONED).all())
    return out, facts, zoned


# A time without a zone is read in its file's zone where that puts it at most this far from the
# zoned line before it, and nearer than reading it in UTC does.
NEIGHBOUR_S = 900


def _zone_of_file(
    frame: pl.DataFrame, times: pl.Series, zoned: dict[int, bool | None], chosen: dict  # type: ignore[type-arg]
) -> tuple[pl.Series, dict[int, int]]:
    """``times`` with the times that do not say their zone read in the zone of the lines around
    them in the same file, where those say theirs and it fits; and how many moved per file.

    A web server writes its access lines with an offset (``[24/Apr/2026:22:11:35 +0530]``) and
    its error lines in the same local time without one (``2026/04/24 22:37:49``): read in UTC,
    they land hours away from the lines written beside them. So where a file holds both, each
    zoneless time is compared with the zoned time of the line before it: if moving it by that
    line's offset brings it near (within ``NEIGHBOUR_S``, typically), the file's zoneless times
    are in that zone. A file whose zoneless lines are in UTC already stays as it is. What a file
    showed is kept in ``chosen`` for its next chunks, which may hold no zoned line.
    """
    files = frame.get_column("file") if "file" in frame.columns else pl.repeat(0, frame.height, dtype=pl.UInt32, eager=True)
    said = [i for i, z in zoned.items() if z is True]
    unsaid = [i for i, z in zoned.items() if z is False]
    minutes = zone_minutes(pl.col("text").str.extract(_ZONED, 1).str.strip_chars())
    table = pl.DataFrame({"file": files, "layout": frame.get_column("layout"), "text": frame.get_column("ts"), "ts": times})
    is_zoned = pl.col("layout").is_in(said) & pl.col("ts").is_not_null()
    is_zoneless = pl.col("layout").is_in(unsaid) & pl.col("ts").is_not_null()
    table = table.with_columns(
        zoneless=is_zoneless.fill_null(False),
        near=pl.when(is_zoned).then("ts").forward_fill().over("file"),
        offset=pl.when(is_zoned).then(minutes).forward_fill().backward_fill().over("file").cast(pl.Int64) * 60,
    )
    apart = (pl.col("ts") - pl.col("near")).dt.total_seconds()
    votes = table.filter("zoneless").group_by("file").agg(
        as_is=apart.abs().median(), moved=(apart - pl.col("offset")).abs().median(), offset=pl.col("offset").drop_nulls().mode().first(),
    )
    shift: dict[int, int] = {}
    for row in votes.iter_rows(named=True):
        key = ("zone of file", row["file"])
        if row["as_is"] is not None and row["moved"] is not None:
            fits = row["offset"] and row["moved"] <= NEIGHBOUR_S and row["moved"] < row["as_is"]
            chosen[key] = row["offset"] if fits else 0
        if chosen.get(key):
            shift[row["file"]] = chosen[key]
    if not shift:
        return times, {}
    by_file = pl.col("file").replace_strict(list(shift), list(shift.values()), default=None, return_dtype=pl.Int64)
    offset = pl.coalesce(pl.col("offset"), by_file)
    move = pl.col("zoneless") & by_file.is_not_null()
    out = table.select(pl.when(move).then(pl.col("ts") - pl.duration(seconds=offset)).otherwise("ts").alias("ts")).to_series()
    moved = table.filter(move).group_by("file").len()
    return out.alias(times.name), dict(zip(moved["file"].to_list(), moved["len"].to_list(), strict=True))


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
