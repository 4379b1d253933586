"""Timestamp shapes found in logs, and their parsing to UTC with Polars (one pass per shape)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl
from dateutil import parser as dateutil_parser

from rca.errors import UsageError

UTC_DATETIME = pl.Datetime("us", "UTC")


@dataclass(frozen=True, slots=True)
class TimestampType:
    """One textual shape of timestamp: a regex to find it and chrono formats to parse it.

    ``year_missing`` shapes (syslog's ``Jun 14 15:16:01``) get a year prepended before parsing.
    ``epoch`` shapes are numbers of seconds, milliseconds, microseconds or nanoseconds.
    ``date_missing`` shapes (``16:42:09.735``) cannot be placed in time on their own.
    """

    name: str
    regex: str
    formats: tuple[str, ...] = ()
    year_missing: bool = False
    epoch: bool = False
    date_missing: bool = False


ISO = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?: ?(?:Z|[+-]\d{2}(?::?\d{2})?))?"

TIMESTAMP_TYPES: dict[str, TimestampType] = {
    t.name: t
    for t in (
        TimestampType("iso8601", ISO, ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f")),
        TimestampType("bgl", r"\d{4}-\d{2}-\d{2}-\d{2}\.\d{2}\.\d{2}\.\d{1,9}", ("%Y-%m-%d-%H.%M.%S%.f",)),
        TimestampType("ymd-slash", r"\d{4}/\d{2}/\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?", ("%Y/%m/%d %H:%M:%S%.f",)),
        TimestampType("yy-slash", r"\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?", ("%y/%m/%d %H:%M:%S%.f",)),
        TimestampType("yymmdd", r"\d{6} \d{6}", ("%y%m%d %H%M%S",)),
        TimestampType(
            "ctime",
            r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2}(?:\.\d{1,9})? \d{4}",
            ("%a %b %d %H:%M:%S%.f %Y",),
        ),
        TimestampType("clf", r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}", ("%d/%b/%Y:%H:%M:%S %z",)),
        TimestampType(
            "syslog", r"[A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?", ("%Y %b %d %H:%M:%S%.f",), year_missing=True
        ),
        TimestampType("month-day", r"\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?", ("%Y-%m-%d %H:%M:%S%.f",), year_missing=True),
        TimestampType("compact", r"\d{8}[-T ]?\d{2}:?\d{2}:?\d{2}(?:[.,:]\d{1,9})?", ("%Y%m%d%H%M%S%.f",)),
        TimestampType("epoch", r"\d{10}(?:\.\d{1,9})?|\d{13}|\d{16}|\d{19}", epoch=True),
        TimestampType("time-only", r"\d{2}:\d{2}:\d{2}[.,]\d{1,9}", date_missing=True),
    )
}


def _normalise(text: pl.Expr, ttype: TimestampType) -> pl.Expr:
    """Bring the many spellings of one shape to the one its chrono formats read."""
    text = text.str.strip_chars().str.replace_all(r"\s+", " ")
    if ttype.name == "iso8601":
        # `T` or space, `,` or `.` fractions, a space before the zone: all to one spelling.
        text = text.str.replace(r"^(\d{4}-\d{2}-\d{2}) ", "${1}T").str.replace(",", ".", literal=True)
        text = text.str.replace(r" ([Z+-])", "${1}")
    elif ttype.name == "compact":
        text = text.str.replace_all(r"[-T :]", "").str.replace(r"^(\d{14})[.,:]?", "${1}.")
    else:
        text = text.str.replace(",", ".", literal=True)
    return text


def _from_epoch(text: pl.Expr) -> pl.Expr:
    whole = text.str.extract(r"^(\d+)", 1)
    digits = whole.str.len_chars()
    number = text.cast(pl.Float64, strict=False)
    scale = (
        pl.when(digits <= 11).then(1e6).when(digits <= 14).then(1e3).when(digits <= 17).then(1.0).otherwise(1e-3)
    )
    micros = (number * scale).round(0).cast(pl.Int64, strict=False)
    return pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC")


def _with_chrono(text: pl.Expr, formats: tuple[str, ...]) -> pl.Expr:
    attempts = []
    for fmt in formats:
        parsed = text.str.to_datetime(fmt, strict=False, time_unit="us", exact=True)
        if "%z" in fmt or "%#z" in fmt or "%:z" in fmt:
            attempts.append(parsed.dt.convert_time_zone("UTC"))
        else:
            attempts.append(parsed.dt.replace_time_zone("UTC"))
    return pl.coalesce(attempts) if len(attempts) > 1 else attempts[0]


def parse_timestamps(
    text: pl.Expr, ttype: TimestampType, *, year: int, user_format: str | None = None
) -> pl.Expr:
    """An expression turning timestamp text of one shape into ``Datetime(us, UTC)`` (null if unreadable).

    >>> pl.select(parse_timestamps(pl.lit("081109 203615"), TIMESTAMP_TYPES["yymmdd"], year=2026)).item()
    datetime.datetime(2008, 11, 9, 20, 36, 15, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
    """
    if user_format is not None:
        return _with_chrono(text.str.strip_chars(), (user_format,))
    if ttype.date_missing:
        return pl.lit(None, dtype=UTC_DATETIME)
    if ttype.epoch:
        return _from_epoch(text.str.strip_chars())
    text = _normalise(text, ttype)
    if ttype.year_missing:
        sep = " " if ttype.name == "syslog" else "-"
        text = pl.lit(f"{year}{sep}") + text
    return _with_chrono(text, ttype.formats)


def _direct_candidates(ttype: TimestampType) -> list[str]:
    """Chrono formats that may read a shape's text as it is, skipping the normalising regexes."""
    if ttype.name == "iso8601":
        return [
            f"%Y-%m-%d{sep}%H:%M:%S{frac}{zone}"
            for sep in ("T", " ")
            for frac in ("%.f", ",%3f", ",%6f", ",%9f")
            for zone in ("", "%#z", " %#z")
        ]
    if ttype.epoch or ttype.date_missing or ttype.year_missing or ttype.name == "compact":
        return []
    return list(ttype.formats) + [f.replace("%.f", ",%3f") for f in ttype.formats if "%.f" in f]


def direct_format(sample: pl.Series, ttype: TimestampType, *, year: int) -> str | None:
    """A chrono format that reads ``sample`` as it stands and agrees with the full parse on every value.

    Most files spell their timestamps one way; for them the normalising regexes of
    ``parse_timestamps`` are skipped (a tenth of the time), and only values the direct format
    cannot read go the slow way (see ``parse_timestamp_column``).
    """
    sample = sample.drop_nulls()
    if sample.len() == 0:
        return None
    expected = pl.select(parse_timestamps(pl.lit(sample), ttype, year=year)).to_series()
    if expected.null_count() == expected.len():
        return None
    best, best_count = None, 0
    for fmt in _direct_candidates(ttype):
        got = pl.select(_with_chrono(pl.lit(sample), (fmt,))).to_series()
        agree = int((got == expected).sum())
        wrong = int((got.is_not_null() & got.ne_missing(expected)).sum())
        if agree > best_count and wrong == 0:
            best, best_count = fmt, agree
    return best


def parse_timestamp_column(
    frame: pl.DataFrame, column: str, ttype: TimestampType, *, year: int, direct: str | None
) -> pl.Series:
    """Parse ``frame[column]``: with the ``direct`` format first, the full normalising parse for the rest."""
    text = frame.get_column(column)
    if direct is None:
        return frame.select(parse_timestamps(pl.col(column), ttype, year=year)).to_series()
    fast = frame.select(_with_chrono(pl.col(column).str.strip_chars(), (direct,))).to_series()
    missed = fast.is_null() & text.is_not_null()
    if not missed.any():
        return fast
    rest = frame.filter(missed).select(parse_timestamps(pl.col(column), ttype, year=year)).to_series()
    return fast.scatter(missed.arg_true(), rest)


def roll_back_future_years(ts: pl.Expr, *, reference: datetime) -> pl.Expr:
    """For shapes without a year: a time more than a day after the file was written is last year's."""
    limit = reference + timedelta(days=1)
    return pl.when(ts > pl.lit(limit, dtype=UTC_DATETIME)).then(ts.dt.offset_by("-1y")).otherwise(ts)


_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w|week|weeks)\s*(?:ago)?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_user_time(value: str, *, now: datetime | None = None) -> datetime:
    """Parse a ``--since``/``--until`` value: absolute (``2026-11-23T10:00``) or relative (``1h``, ``30m``).

    Relative times count back from now, as with ``journalctl --since`` and ``kubectl logs --since``.
    Times without a zone are taken as UTC.
    """
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(value.lower())
    if match:
        amount, unit = float(match.group(1)), match.group(2)
        return now - timedelta(seconds=amount * _UNIT_SECONDS[unit[0]])
    try:
        parsed = dateutil_parser.parse(value)
    except (ValueError, OverflowError) as exc:
        raise UsageError(
            f"cannot read the time {value!r}: use ISO-8601 (2026-11-23T10:00:00Z) or a duration (30m, 1h, 2d)"
        ) from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
